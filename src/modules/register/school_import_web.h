/*
 * school_import_web.h — the NRW school directory import for the office
 * (/register/import/schulen: the region's Gemeindeschlüssel, the upload,
 * the preview, the commit) and the table of Schulform labels
 * (/register/schulformen: admins edit, the office reads).
 */
#pragma once
#include "http/http.h"

extern const route school_import_routes[];
