/*
 * log.h — one line per event on stderr, safe from any thread.
 *
 * Lines look like "2026-11-26T13:30:00.123Z INFO  message". Logs are for
 * operators and stay in English; they never carry passwords, tokens, session
 * ids or request bodies.
 */
#pragma once
#include <glib.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Set once at start (before threads); default LOG_INFO. BIREG_LOG=debug also works. */
void log_set_level(log_level lvl);
void log_msg(log_level lvl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
