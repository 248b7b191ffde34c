/*
 * app.h — the running installation: settings, routes, templates, static
 * assets and metrics, built once at start and read-only afterwards (the
 * counters inside metrics and stats are the only things that change, and
 * they are atomic or locked).
 */
#pragma once
#include "core/config.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/static.h"
#include "view/view.h"

typedef struct app {
	bireg_config cfg;
	router *router;
	view *view;
	static_files *statics;
	metrics *metrics;
	server_stats stats;
} app;

/* Builds everything `bireg serve` needs from cfg (which the app takes over).
 * Returns -1 with err on a broken template, route table or asset folder. */
int app_init(app *a, GError **err);
void app_clear(app *a);

/* The server's hooks: open a database per worker, answer a request. */
void app_server_hooks(app *a, server_hooks *hooks);

/* Answers one request (exported for tests that call it without sockets). */
void app_handle(app *a, void *db, http_request *req, http_response *resp);

/* Every route table of the installation, for the router and the tests. */
extern const route *const app_route_tables[];
extern const size_t app_route_table_count;
