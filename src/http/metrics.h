/*
 * metrics.h — counters for /metrics in Prometheus' text format: requests by
 * route and status, a latency histogram per route, and the server's queue.
 */
#pragma once
#include <glib.h>

#include "http/server.h"

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);

/* Records one answered request; safe from any thread. */
void metrics_observe(metrics *m, const char *route_name, int status, gint64 duration_us);

/* Appends the exposition text. stats may be NULL. */
void metrics_render(metrics *m, const server_stats *stats, GString *out);
