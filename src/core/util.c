/*
 * util.c — see util.h.
 */
#include "core/util.h"

#include <stdarg.h>
#include <time.h>

void util_iso_at(int64_t t, char out[static 21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void util_now_iso(char out[static 21])
{
	util_iso_at((int64_t)time(NULL), out);
}

int util_fail(GError **err, GQuark domain, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(err, domain, code, msg);
	return -1;
}
