/*
 * util.h — small helpers every layer uses: the current time as stored.
 */
#pragma once
#include <glib.h>

/* The current UTC time as stored in the database: "2026-11-26T13:30:00Z". */
void util_now_iso(char out[static 21]);
/* t (unix seconds) in the same form. */
void util_iso_at(int64_t t, char out[static 21]);

/* Sets *err (when err is not NULL) in domain with code and a printf-style
 * message, and returns -1, so that error paths read
 * `return util_fail(err, MY_ERROR, CODE, "...", ...)`. */
int util_fail(GError **err, GQuark domain, int code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
