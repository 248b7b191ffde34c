/*
 * static.h — front-end assets (KERN, fonts, our CSS) served from memory.
 *
 * All files under the asset folder are read once at start. Their URLs carry
 * a digest of the whole set ("/static/3f9a12c0/css/bireg.css"), so browsers
 * may cache them for a year: a new release has a new prefix. Each file also
 * has an ETag, and If-None-Match gets 304.
 */
#pragma once
#include <glib.h>

#include "http/http.h"

typedef struct static_files static_files;

/* Reads every file under dir (recursively; hidden files skipped). A missing
 * folder is an error naming it. */
static_files *static_files_load(const char *dir, GError **err);
void static_files_free(static_files *sf);

/* "/static/<digest>" — the prefix templates put before asset paths. */
const char *static_files_prefix(const static_files *sf);

/* Answers GET for the asset at rel_path ("css/bireg.css") into resp;
 * returns 0, or 404 when there is no such file. */
int static_files_serve(const static_files *sf, const char *rel_path, const http_request *req,
		       http_response *resp);
