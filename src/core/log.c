/*
 * log.c — writing log lines (see log.h).
 *
 * Each line is formatted completely first and written with one write() so
 * lines from different threads never interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static log_level min_level = LOG_INFO;

void log_set_level(log_level lvl)
{
	min_level = lvl;
}

void log_msg(log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
	g_autoptr(GDateTime) now = NULL;
	g_autofree char *stamp = NULL;
	g_autoptr(GString) line = NULL;
	va_list ap;

	if (lvl < min_level)
		return;
	now = g_date_time_new_now_utc();
	stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
	line = g_string_new(NULL);
	g_string_append_printf(line, "%s.%03dZ %s ", stamp,
			       g_date_time_get_microsecond(now) / 1000, names[lvl]);
	va_start(ap, fmt);
	g_string_append_vprintf(line, fmt, ap);
	va_end(ap);
	g_string_append_c(line, '\n');
	/* A failed write to stderr has nowhere to be reported. */
	if (write(STDERR_FILENO, line->str, line->len) < 0)
		return;
}
