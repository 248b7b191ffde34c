/*
 * app.c — the installation at run time: building it at start, and the path
 * of one request from the server to a handler and back.
 *
 * app_handle() is the single place where a request is checked before any
 * handler runs, in this order: unusable target (400), query string, language,
 * route (404/405), body size (413), body parsing (400/413/415), region
 * (404), permission (403), declared parameters (400). A handler that returns
 * a status >= 400 gets the error page from here too, so every error looks and
 * reads the same. Security headers and the access log line are added for
 * every response, errors included.
 */
#include "app.h"

#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "modules/region/region_store.h"
#include "modules/region/region_web.h"
#include "modules/system/system_web.h"
#include "view/i18n.h"

const route *const app_route_tables[] = {region_routes, system_routes};
const size_t app_route_table_count = G_N_ELEMENTS(app_route_tables);

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
			  "object-src 'none'";

int app_init(app *a, GError **err)
{
	a->statics = static_files_load(a->cfg.static_dir, err);
	if (!a->statics)
		return -1;
	a->view = view_new(static_files_prefix(a->statics), err);
	if (!a->view)
		return -1;
	a->router = router_new(app_route_tables, app_route_table_count, err);
	if (!a->router)
		return -1;
	a->metrics = metrics_new();
	return 0;
}

void app_clear(app *a)
{
	g_clear_pointer(&a->router, router_free);
	g_clear_pointer(&a->view, view_free);
	g_clear_pointer(&a->statics, static_files_free);
	g_clear_pointer(&a->metrics, metrics_free);
	config_clear(&a->cfg);
}

static void set_security_headers(http_response *resp)
{
	http_response_set_header(resp, "Content-Security-Policy", CSP);
	http_response_set_header(resp, "X-Content-Type-Options", "nosniff");
	http_response_set_header(resp, "Referrer-Policy", "same-origin");
	http_response_set_header(resp, "X-Frame-Options", "DENY");
	http_response_set_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	http_response_set_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	if (!http_response_get_header(resp, "Cache-Control"))
		http_response_set_header(resp, "Cache-Control", "no-store");
}

/* Does the client prefer JSON to HTML? Only an explicit application/json
 * that comes before any text/html counts; browsers send text/html first. */
static bool prefers_json(const char *accept)
{
	const char *json, *html;
	if (!accept)
		return false;
	json = strstr(accept, "application/json");
	html = strstr(accept, "text/html");
	return json && (!html || json < html);
}

/* Language: ?lang= (remembered in a cookie), the cookie, Accept-Language. */
static const char *choose_lang(http_request *req, http_response *resp)
{
	const char *q = http_params_get(req->query, "lang");
	const char *c;

	if (q && i18n_lang_supported(q)) {
		g_autofree char *cookie = g_strdup_printf(
			"lang=%s; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
			i18n_lang_supported(q));
		http_response_set_header(resp, "Set-Cookie", cookie);
		return i18n_lang_supported(q);
	}
	c = g_hash_table_lookup(req->cookies, "lang");
	if (c && i18n_lang_supported(c))
		return i18n_lang_supported(c);
	return i18n_negotiate(http_request_header(req, "Accept-Language"));
}

static int parse_status(const GError *err)
{
	return err->code == HTTP_PARSE_TOO_LARGE ? 413 : 400;
}

/* Parses the body of a POST/PUT/PATCH according to its Content-Type. */
static int parse_body(req_ctx *rc)
{
	http_request *req = rc->req;
	const char *ct = http_request_header(req, "Content-Type");
	gsize len;
	const void *data = g_bytes_get_data(req->body, &len);
	g_autoptr(GError) err = NULL;

	req->form = http_params_new();
	req->uploads = g_ptr_array_new_with_free_func((GDestroyNotify)http_upload_free);
	if (len == 0)
		return 0;
	if (ct && g_ascii_strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		if (http_parse_urlencoded(data, len, &http_limits_default, req->form, &err) != HTTP_PARSE_OK)
			return parse_status(err);
		return 0;
	}
	if (ct && g_ascii_strncasecmp(ct, "multipart/form-data", 19) == 0) {
		if (http_parse_multipart(ct, data, len, &http_limits_default, req->form, req->uploads,
					 &err) != HTTP_PARSE_OK)
			return parse_status(err);
		return 0;
	}
	return 415;
}

/* Finds the request's region: from a "/r/<slug>" prefix, or the default. */
static int load_region(req_ctx *rc, const char *slug)
{
	g_autoptr(GError) err = NULL;

	rc->region = slug ? region_store_get_by_slug(&rc->ctx, slug, &err)
			  : region_store_get_default(&rc->ctx, &err);
	if (!rc->region)
		return err ? region_web_status_for(err) : 404;
	rc->ctx.region_id = json_integer_value(json_object_get(rc->region, "id"));
	return 0;
}

/* Splits "/r/<slug>/rest" into slug and "/rest". Returns false when the
 * path has no region prefix. */
static bool split_region(const char *path, char **slug, const char **rest)
{
	const char *s, *end;
	if (!g_str_has_prefix(path, "/r/"))
		return false;
	s = path + 3;
	end = strchr(s, '/');
	*slug = end ? g_strndup(s, (gsize)(end - s)) : g_strdup(s);
	*rest = end ? end : "/";
	return **slug != '\0';
}

static int dispatch(req_ctx *rc)
{
	const app *a = rc->app;
	http_request *req = rc->req;
	g_autofree char *slug = NULL;
	g_autoptr(GError) err = NULL;
	const char *path = req->path, *bad = NULL;
	const route *rt = NULL;
	unsigned allowed = 0;
	size_t body_len = g_bytes_get_size(req->body);
	int status;

	req->query = http_params_new();
	req->cookies = http_cookies_new();
	req->path_params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	http_parse_cookies(http_request_header(req, "Cookie"), req->cookies);
	req->wants_json = prefers_json(http_request_header(req, "Accept"));
	if (req->early_status)
		return req->early_status;
	if (http_parse_query(req->raw_query, strlen(req->raw_query), &http_limits_default,
			     req->query, &err) != HTTP_PARSE_OK)
		return parse_status(err);
	req->lang = choose_lang(req, rc->resp);

	if (split_region(path, &slug, &path)) {
		if (strlen(slug) >= sizeof rc->region_prefix - 4)
			return 404;
		g_snprintf(rc->region_prefix, sizeof rc->region_prefix, "/r/%s", slug);
	} else {
		g_clear_pointer(&slug, g_free);
	}
	rc->route_path = path;

	switch (router_match(a->router, req->method, path, &rt, req->path_params, &allowed)) {
	case ROUTER_NOT_FOUND:
		return 404;
	case ROUTER_METHOD_NOT_ALLOWED: {
		g_autoptr(GString) allow = g_string_new(NULL);
		for (unsigned m = 1; m <= HTTP_OPTIONS; m <<= 1)
			if (allowed & m)
				g_string_append_printf(allow, "%s%s", allow->len ? ", " : "",
						       http_method_name(m));
		http_response_set_header(rc->resp, "Allow", allow->str);
		return 405;
	}
	case ROUTER_MATCH:
		break;
	}
	if ((rt->flags & ROUTE_TEST_ONLY) && !a->cfg.test_routes)
		return 404;
	rc->route = rt;
	rc->resp->route_name = rt->name;

	if (body_len > (rt->max_body ? rt->max_body : (size_t)a->cfg.max_form_bytes))
		return 413;
	if (req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH)) {
		status = parse_body(rc);
		if (status)
			return status;
	} else if (body_len) {
		return 400;
	}

	if (slug && !(rt->flags & ROUTE_REGION))
		return 404;
	if (rt->flags & ROUTE_REGION) {
		status = load_region(rc, slug);
		if (status)
			return status;
	}
	if (rt->permit && !rt->permit(rc))
		return 403;
	if (!router_check_params(rt, req->method == HTTP_GET || req->method == HTTP_HEAD ? req->query
											: req->form,
				 &bad)) {
		rc->error_field = bad;
		return 400;
	}
	return rt->handler(rc);
}

void app_handle(app *a, void *db_conn, http_request *req, http_response *resp)
{
	req_ctx rc = {
		.req = req,
		.resp = resp,
		.app = a,
		.view = a->view,
		.ctx = {.db = db_conn, .request_id = req->request_id},
	};
	int status = dispatch(&rc);

	if (status >= 400) {
		view_error(&rc, status, rc.error_field);
	} else if (status != 0) {
		log_error("request %s: handler of %s returned %d", req->request_id, resp->route_name,
			  status);
		view_error(&rc, 500, NULL);
	}
	set_security_headers(resp);
	json_decref(rc.region);
}

typedef struct worker_state {
	db *conn;
} worker_state;

static void *worker_init(void *ud, GError **err)
{
	app *a = ud;
	worker_state *ws = g_new0(worker_state, 1);
	ws->conn = db_open(a->cfg.database, err);
	if (!ws->conn) {
		g_free(ws);
		return NULL;
	}
	return ws;
}

static void worker_done(void *state)
{
	worker_state *ws = state;
	if (!ws)
		return;
	db_close(ws->conn);
	g_free(ws);
}

static void handle(void *ud, void *state, http_request *req, http_response *resp)
{
	worker_state *ws = state;
	app_handle(ud, ws->conn, req, resp);
}

static void observe(void *ud, const http_request *req, const http_response *resp, gint64 us)
{
	app *a = ud;
	metrics_observe(a->metrics, resp->route_name, resp->status, us);
	/* The access log names the route, not the path or query: those may
	 * carry tokens (reset links) that must never reach a log. */
	log_info("%s %s %s route=%s status=%d %.1fms", req->request_id, req->remote_addr,
		 http_method_name(req->method), resp->route_name, resp->status, (double)us / 1000.0);
}

void app_server_hooks(app *a, server_hooks *hooks)
{
	*hooks = (server_hooks){
		.worker_init = worker_init,
		.worker_done = worker_done,
		.handle = handle,
		.observe = observe,
		.ud = a,
	};
}
