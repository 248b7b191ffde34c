/*
 * util.c — see util.h.
 */
#include "core/util.h"

#include <time.h>

void util_now_iso(char out[static 21])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
