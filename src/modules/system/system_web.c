/*
 * system_web.c — /healthz, /metrics, /static/… and, when BIREG_TEST_ROUTES=1,
 * /_test/error/{status} (so that browser tests can see every error page).
 */
#include "modules/system/system_web.h"

#include "app.h"
#include "db/db.h"
#include "core/log.h"

static int healthz(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;

	rc->resp->status = 200;
	http_response_set_header(rc->resp, "Content-Type", "text/plain; charset=utf-8");
	if (db_ping(rc->ctx.db, &err) != DB_OK) {
		log_warn("healthz: database check failed: %s", err ? err->message : "?");
		rc->resp->status = 503;
		g_string_assign(rc->resp->body, "database unavailable\n");
		return 0;
	}
	g_string_assign(rc->resp->body, "ok\n");
	return 0;
}

static int metrics_page(req_ctx *rc)
{
	metrics_render(rc->app->metrics, &rc->app->stats, rc->resp->body);
	http_response_set_header(rc->resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return 0;
}

static int static_asset(req_ctx *rc)
{
	const char *path = http_request_path_param(rc->req, "path");
	int r = static_files_serve(rc->app->statics, path, rc->req, rc->resp);
	return r;
}

static int test_error(req_ctx *rc)
{
	gint64 status = 0;
	g_ascii_string_to_signed(http_request_path_param(rc->req, "status"), 10, 400, 599, &status, NULL);
	return status ? (int)status : 404;
}


const route system_routes[] = {
	{HTTP_GET, "/healthz", "system.healthz", NULL, "public", NULL, healthz, ROUTE_NO_SESSION, 0},
	{HTTP_GET, "/metrics", "system.metrics", NULL, "public", NULL, metrics_page,
	 ROUTE_NO_SESSION, 0},
	{HTTP_GET, "/static/{version}/{path*}", "system.static", NULL, "public", NULL, static_asset,
	 ROUTE_NO_SESSION, 0},
	{HTTP_GET, "/_test/error/{status}", "system.test_error", NULL, "test", NULL, test_error,
	 ROUTE_TEST_ONLY | ROUTE_REGION, 0},
	{0},
};
