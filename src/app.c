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

#include <gio/gio.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "core/token.h"
#include "modules/account/account_store.h"
#include "modules/account/account_web.h"
#include "modules/account/account_reset.h"
#include "files/file_web.h"
#include "modules/region/region_store.h"
#include "modules/region/region_admin_web.h"
#include "modules/region/region_web.h"
#include "modules/region/templates_web.h"
#include "modules/register/area_web.h"
#include "modules/register/body_web.h"
#include "modules/register/changelog_web.h"
#include "modules/register/register_export.h"
#include "modules/register/dupes_web.h"
#include "modules/register/institution_web.h"
#include "modules/register/import_web.h"
#include "modules/register/level_web.h"
#include "modules/register/person_web.h"
#include "modules/register/public_body_web.h"
#include "modules/register/privacy_web.h"
#include "modules/register/register_matrix.h"
#include "modules/register/register_web.h"
#include "modules/register/school_import_web.h"
#include "modules/system/ical_test_web.h"
#include "modules/system/jobs_web.h"
#include "modules/system/outbox_web.h"
#include "modules/system/system_web.h"
#include "out/fonts.h"
#include "view/i18n.h"

const route *const app_route_tables[] = {region_routes, system_routes, account_routes,
					 admin_routes, jobs_routes, region_admin_routes,
					 file_routes, ical_test_routes, outbox_routes,
					 templates_routes, account_reset_routes,
					 register_routes, register_matrix_routes, person_routes,
					 body_routes, public_body_routes, area_routes,
					 institution_routes, level_routes, privacy_routes,
					 import_routes, changelog_routes, school_import_routes, export_routes, dupes_routes};
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
	/* The fonts of PDF documents, registered once now rather than in the
	 * first request that makes a PDF. Without them bireg still serves;
	 * each PDF then answers 500 and logs the same message. */
	{
		GError *fonts_err = NULL;
		if (pdf_fonts_init(&fonts_err) < 0) {
			log_warn("PDF documents: %s", fonts_err->message);
			g_error_free(fonts_err);
		}
	}
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

/* Language: ?lang= (remembered in a cookie), the account's setting, the
 * cookie, Accept-Language. */
static const char *choose_lang(http_request *req, http_response *resp, const req_user *user)
{
	const char *q = http_params_get(req->query, "lang");
	const char *c;

	if (q && i18n_lang_supported(q)) {
		g_autofree char *cookie = g_strdup_printf(
			"lang=%s; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
			i18n_lang_supported(q));
		http_response_add_header(resp, "Set-Cookie", cookie);
		return i18n_lang_supported(q);
	}
	if (user && user->lang && i18n_lang_supported(user->lang))
		return i18n_lang_supported(user->lang);
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
		/* A file may be as large as the route's body limit allows: the
		 * handler checks its own, smaller limit and says so next to the
		 * field instead of an error page. */
		http_limits lim = http_limits_default;
		lim.max_file_bytes = rc->route->max_body ? rc->route->max_body
							 : (size_t)rc->app->cfg.max_form_bytes;
		if (http_parse_multipart(ct, data, len, &lim, req->form, req->uploads,
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
	db_set_region(rc->ctx.db, rc->ctx.region_id);
	/* The header shows the region's logo: its file's name and size. */
	region_logo_attach(rc);
	return 0;
}

static void req_user_free(req_user *u)
{
	if (!u)
		return;
	g_free(u->email);
	g_free(u->display_name);
	g_free(u->lang);
	g_free(u);
}

/* The session cookie's account, if the session is live. A demo account
 * counts only in its demo region (checked in load_roles once the region is
 * known). */
static void load_session(req_ctx *rc)
{
	const char *token = g_hash_table_lookup(rc->req->cookies, AUTH_SESSION_COOKIE);
	g_autoptr(GError) err = NULL;
	g_autoptr(session) s = NULL;
	g_autoptr(account) a = NULL;
	req_user *u;

	if (!token || strlen(token) > 100)
		return;
	s = session_store_lookup(&rc->ctx, token, &err);
	if (!s) {
		if (err)
			log_warn("request %s: session lookup failed: %s", rc->req->request_id,
				 err->message);
		else
			rc->session_expired = true;
		return;
	}
	a = account_store_get(&rc->ctx, s->account_id, &err);
	if (!a || strcmp(a->status, "active"))
		return;
	u = g_new0(req_user, 1);
	u->id = a->id;
	u->email = g_strdup(a->email);
	u->display_name = g_strdup(a->display_name);
	u->lang = g_strdup(a->lang);
	u->totp_enabled = a->totp_enabled;
	u->session_id = s->id;
	u->second_factor_pending = s->second_factor_pending;
	u->demo_region_id = a->demo_region_id;
	g_free(rc->csrf_token);
	rc->csrf_token = g_strdup(s->csrf_token);
	if (s->second_factor_pending)
		rc->pending = u;
	else
		rc->user = u;
}

/* Roles of the user in the request's region; a demo account outside its
 * region is treated as anonymous. */
static int load_roles(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	req_user *u = rc->user ? rc->user : rc->pending;
	int roles;

	if (!u)
		return 0;
	if (u->demo_region_id && (!rc->ctx.region_id || u->demo_region_id != rc->ctx.region_id)) {
		if (rc->ctx.region_id) {
			req_user_free(u);
			rc->user = rc->pending = NULL;
		}
		return 0;
	}
	rc->ctx.user_id = u->id;
	if (!rc->ctx.region_id)
		return 0;
	roles = account_store_roles(&rc->ctx, u->id, &err);
	if (roles < 0)
		return region_web_status_for(err);
	u->roles = (unsigned)roles;
	return 0;
}

/* Every state-changing request carries the CSRF token: the session's for a
 * logged-in client, else the one of the anonymous CSRF cookie (double
 * submit). It comes as the form field "csrf" or the header X-CSRF-Token. */
static bool csrf_ok(const req_ctx *rc)
{
	const char *sent = rc->req->form ? http_params_get(rc->req->form, "csrf") : NULL;
	const char *expected = rc->csrf_token;

	if (!sent)
		sent = http_request_header(rc->req, "X-CSRF-Token");
	if (!rc->user && !rc->pending)
		expected = g_hash_table_lookup(rc->req->cookies, AUTH_CSRF_COOKIE);
	return sent && expected && *expected && token_equal(sent, expected);
}

/* An anonymous client gets a CSRF cookie with its first page, so that its
 * forms (login, feedback) can be checked. */
static void ensure_csrf_cookie(req_ctx *rc)
{
	const char *have;
	if (rc->user || rc->pending)
		return;
	have = g_hash_table_lookup(rc->req->cookies, AUTH_CSRF_COOKIE);
	g_clear_pointer(&rc->csrf_token, g_free);
	if (have && strlen(have) >= 32 && strlen(have) <= 64) {
		rc->csrf_token = g_strdup(have);
		return;
	}
	rc->csrf_token = token_random(32);
	rc->set_csrf_cookie = true;
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
		req->lang = choose_lang(req, rc->resp, NULL);
		return 404;
	case ROUTER_METHOD_NOT_ALLOWED: {
		req->lang = choose_lang(req, rc->resp, NULL);
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
	/* Assets, health and metrics need no session: no queries for them. */
	if (!(rt->flags & ROUTE_NO_SESSION))
		load_session(rc);
	req->lang = choose_lang(req, rc->resp, rc->user ? rc->user : rc->pending);
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
	status = load_roles(rc);
	if (status)
		return status;
	ensure_csrf_cookie(rc);
	if ((req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)) && !csrf_ok(rc)) {
		log_warn("request %s: CSRF check failed on %s", req->request_id, rt->name);
		rc->error_message = N_("This form has expired or did not come from this site. Please go back, reload the page and send the form again.");
		return 403;
	}
	if (rt->permit && !rt->permit(rc)) {
		if (rc->redirect) {
			rc->resp->status = 303;
			http_response_set_header(rc->resp, "Location", rc->redirect);
			return 0;
		}
		return rc->user || rc->req->method != HTTP_GET ? 403 : 401;
	}
	if (!router_check_params(rt, req->method == HTTP_GET || req->method == HTTP_HEAD ? req->query
											: req->form,
				 &bad)) {
		rc->error_field = bad;
		return 400;
	}
	return rt->handler(rc);
}

/* Behind a reverse proxy every connection comes from the proxy. When it is
 * one of server.trusted_proxies, the client is the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy (entries further left
 * were written by the client and prove nothing). The login throttle, the
 * session list and the access log then see the real client. */
static void apply_forwarded_for(const app *a, http_request *req)
{
	const char *xff = http_request_header(req, "X-Forwarded-For");

	if (!xff || !config_is_trusted_proxy(&a->cfg, req->remote_addr))
		return;
	g_auto(GStrv) hops = g_strsplit(xff, ",", -1);
	for (int i = (int)g_strv_length(hops) - 1; i >= 0; i--) {
		char *hop = g_strstrip(hops[i]);
		g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(hop);
		if (!ia)
			return; /* garbled: keep the proxy's address rather than guess */
		if (config_is_trusted_proxy(&a->cfg, hop))
			continue;
		g_free(req->remote_addr);
		req->remote_addr = g_inet_address_to_string(ia);
		return;
	}
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
	/* Nothing of the previous request's region carries over. */
	db_set_region(db_conn, 0);
	apply_forwarded_for(a, req);
	int status = dispatch(&rc);

	if (status == 401) {
		/* Anonymous and not allowed: browsers were sent to the login page by
		 * the permit hook; everything else learns it needs to log in. */
		status = 403;
	}
	if (status >= 400) {
		view_error(&rc, status, rc.error_field);
	} else if (status != 0) {
		log_error("request %s: handler of %s returned %d", req->request_id, resp->route_name,
			  status);
		view_error(&rc, 500, NULL);
	}
	if (rc.set_csrf_cookie && resp->status < 300 && !req->wants_json)
		auth_set_cookie(&rc, AUTH_CSRF_COOKIE, rc.csrf_token, -1);
	if (rc.session_expired)
		auth_set_cookie(&rc, AUTH_SESSION_COOKIE, "", 0);
	set_security_headers(resp);
	json_decref(rc.region);
	req_user_free(rc.user);
	req_user_free(rc.pending);
	g_free(rc.csrf_token);
	g_free(rc.redirect);
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

static void decorate(void *ud, http_response *resp)
{
	(void)ud;
	set_security_headers(resp);
}

void app_server_hooks(app *a, server_hooks *hooks)
{
	*hooks = (server_hooks){
		.decorate = decorate,
		.worker_init = worker_init,
		.worker_done = worker_done,
		.handle = handle,
		.observe = observe,
		.ud = a,
	};
}
