/*
 * import_web.h — the office's pages of the generic import of people and
 * institutions (/register/import…): the overview of every import batch
 * and saved mapping, the upload, the column mapping, the preview, the
 * commit (in the request, or as a background job with progress) and the
 * result. The import itself is register_import.h.
 */
#pragma once
#include "http/http.h"

extern const route import_routes[];
