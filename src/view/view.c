/*
 * view.c — rendering view models into the layout, or answering them as JSON
 * (see view.h).
 *
 * The layout's own model (language, navigation, breadcrumb, footer with the
 * office's contact) is built here from the request and its region, so no
 * handler has to know about it. Every string in it is either ours or the
 * region's stored data; nothing from the request is echoed except the
 * current path in the language switch, which is percent-encoded.
 */
#include "view/view.h"

#include <gio/gio.h>
#include <string.h>

#include "core/log.h"
#include "core/roles.h"
#include "view/i18n.h"
#include "view/format.h"
#include "view/mustache.h"

#define TEMPLATE_ROOT "/bireg/templates"

struct view {
	mustache_set *set;
	char *static_prefix;
	GBytes *busy_page;
};

typedef struct error_text {
	int status;
	const char *heading;
	const char *message;
} error_text;

static const error_text errors[] = {
	{400, N_("Bad request"),
	 N_("The request could not be understood. Please check the address or the form and try again.")},
	{403, N_("Access denied"), N_("You do not have permission to open this page.")},
	{404, N_("Page not found"),
	 N_("The page you asked for does not exist. Perhaps the address is mistyped, or the page has moved.")},
	{405, N_("Method not allowed"), N_("This page cannot be used in this way.")},
	{413, N_("Request too large"),
	 N_("The data you sent is larger than allowed. Please send smaller files or less text.")},
	{415, N_("Unsupported format"), N_("The data you sent is in a format this page does not accept.")},
	{500, N_("Internal error"),
	 N_("Something went wrong on our side. The error has been logged; please try again later.")},
	{503, N_("Service unavailable"),
	 N_("The service is busy or under maintenance right now. Please try again in a few minutes.")},
};

/* Main navigation: the areas that exist, each shown to whom may use it
 * (roles 0 = everyone). Later areas add their entries. */
typedef struct nav_entry {
	const char *label;
	const char *path;
	unsigned roles;
} nav_entry;

static const nav_entry nav_entries[] = {
	{N_("Home"), "/", 0},
	{N_("Bodies"), "/gremien", 0},
	{N_("Register"), "/register", ROLE_OFFICE | ROLE_ADMIN},
	{N_("Feedback"), "/verwaltung/rueckmeldungen", ROLE_OFFICE | ROLE_ADMIN},
	{N_("Users"), "/verwaltung/benutzer", ROLE_ADMIN},
	{N_("Templates"), "/verwaltung/vorlagen", ROLE_OFFICE | ROLE_ADMIN},
	{N_("Region settings"), "/verwaltung/region", ROLE_ADMIN},
	{N_("Jobs"), "/verwaltung/auftraege", ROLE_ADMIN},
	{N_("Outbox"), "/verwaltung/postausgang", ROLE_OFFICE | ROLE_ADMIN},
};

static int add_dir(mustache_set *set, const char *dir, GError **err)
{
	g_auto(GStrv) children = g_resources_enumerate_children(dir, 0, err);
	if (!children)
		return -1;
	for (char **c = children; *c; c++) {
		g_autofree char *path = g_strconcat(dir, "/", *c, NULL);
		size_t plen = strlen(path);
		if (path[plen - 1] == '/') {
			path[plen - 1] = '\0';
			if (add_dir(set, path, err) < 0)
				return -1;
			continue;
		}
		if (!g_str_has_suffix(path, ".mustache"))
			continue;
		g_autoptr(GBytes) bytes = g_resources_lookup_data(path, 0, err);
		if (!bytes)
			return -1;
		/* "/bireg/templates/pages/error.mustache" -> "pages/error" */
		g_autofree char *name = g_strndup(path + strlen(TEMPLATE_ROOT) + 1,
						  plen - strlen(TEMPLATE_ROOT) - 1 - strlen(".mustache"));
		gsize len;
		const char *src = g_bytes_get_data(bytes, &len);
		if (mustache_set_add(set, name, src, len, err) < 0) {
			g_prefix_error(err, "templates/");
			return -1;
		}
	}
	return 0;
}

static const error_text *error_for(int status)
{
	for (size_t i = 0; i < G_N_ELEMENTS(errors); i++)
		if (errors[i].status == status)
			return &errors[i];
	return status >= 500 ? &errors[G_N_ELEMENTS(errors) - 2] : &errors[0];
}

static json_t *layout_model(const view *v, const req_ctx *rc, const char *lang, const char *title,
			    const char *current_path, json_t *breadcrumb);

int view_redirect(req_ctx *rc, const char *path)
{
	g_autofree char *target = view_href(rc, path);
	rc->resp->status = 303;
	http_response_set_header(rc->resp, "Location", target);
	return 0;
}

const char *view_form_field(const req_ctx *rc, const char *name)
{
	const char *v = rc->req->form ? http_params_get(rc->req->form, name) : NULL;
	return v ? v : "";
}

json_t *view_form_errors(const char *const *fields, const char *const *messages, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		if (messages[i] && *messages[i])
			json_array_append_new(list, json_pack("{s:s,s:s}", "field", fields[i],
							      "message", messages[i]));
	return list;
}

char *view_datetime(const req_ctx *rc, const char *iso)
{
	g_autoptr(GDateTime) t = iso ? format_parse_utc(iso) : NULL;
	return t ? format_datetime(rc->req->lang, t) : g_strdup("");
}

view *view_new(const char *static_prefix, GError **err)
{
	view *v = g_new0(view, 1);

	v->set = mustache_set_new(MUSTACHE_STRICT);
	v->static_prefix = g_strdup(static_prefix);
	if (add_dir(v->set, TEMPLATE_ROOT, err) < 0 || mustache_set_link(v->set, err) < 0) {
		view_free(v);
		return NULL;
	}

	/* The overload page is answered from the event loop, so it is rendered
	 * once now, in German, without a region. */
	{
		req_ctx rc = {0};
		http_request req = {.lang = "de", .path = (char *)"/"};
		const error_text *e = error_for(503);
		json_t *model = json_pack("{s:i,s:s,s:s,s:s}", "status", 503, "heading",
					  i18n_translate("de", e->heading), "message",
					  i18n_translate("de", e->message), "home_href", "/");
		g_autoptr(GString) content = g_string_new(NULL);
		g_autoptr(GString) page = g_string_new(NULL);
		rc.req = &req;
		if (view_render(v, "pages/error", "de", model, content, err) < 0) {
			json_decref(model);
			view_free(v);
			return NULL;
		}
		json_decref(model);
		json_t *lm = layout_model(v, &rc, "de", i18n_translate("de", e->heading), NULL, NULL);
		json_object_set_new(lm, "content", json_string(content->str));
		int rcode = view_render(v, "layout", "de", lm, page, err);
		json_decref(lm);
		if (rcode < 0) {
			view_free(v);
			return NULL;
		}
		v->busy_page = g_string_free_to_bytes(g_steal_pointer(&page));
	}
	return v;
}

void view_free(view *v)
{
	if (!v)
		return;
	g_clear_pointer(&v->set, mustache_set_free);
	g_clear_pointer(&v->busy_page, g_bytes_unref);
	g_free(v->static_prefix);
	g_free(v);
}

GBytes *view_busy_page(const view *v)
{
	return v->busy_page;
}

int view_render(const view *v, const char *tmpl, const char *lang, json_t *model, GString *out,
		GError **err)
{
	mustache_render_opts opts = {.translate = i18n_translate_cb, .translate_ud = (void *)lang};
	return mustache_render(v->set, tmpl, model, &opts, out, err);
}

const char *view_t(const req_ctx *rc, const char *msgid)
{
	return i18n_translate(rc->req->lang, msgid);
}

char *view_href(const req_ctx *rc, const char *path)
{
	if (!*rc->region_prefix)
		return g_strdup(path);
	if (!strcmp(path, "/"))
		return g_strconcat(rc->region_prefix, "/", NULL);
	return g_strconcat(rc->region_prefix, path, NULL);
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static json_t *footer_model(const req_ctx *rc)
{
	json_t *office = rc->region ? json_object_get(rc->region, "office") : NULL;
	g_autofree char *imprint = view_href(rc, "/impressum");
	g_autofree char *privacy = view_href(rc, "/datenschutz");
	g_autofree char *access = view_href(rc, "/barrierefreiheit");

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "office_name",
			 jstr(office, "name"), "street", jstr(office, "street"), "postcode",
			 jstr(office, "postcode"), "city", jstr(office, "city"), "phone",
			 jstr(office, "phone"), "phone_href", jstr(office, "phone_href"), "email",
			 jstr(office, "email"), "email_href", jstr(office, "email_href"),
			 "imprint_href", imprint, "privacy_href", privacy, "accessibility_href",
			 access);
}

/* The header's account area: who is logged in, or where to log in. */
static json_t *account_model(const req_ctx *rc)
{
	g_autofree char *profile = view_href(rc, "/konto");
	g_autofree char *login = view_href(rc, "/anmelden");
	g_autofree char *logout = view_href(rc, "/abmelden");
	return json_pack("{s:b,s:s,s:s,s:s,s:s}", "logged_in", rc->user != NULL, "display_name",
			 rc->user ? rc->user->display_name : "", "profile_href", profile,
			 "login_href", login, "logout_action", logout);
}

static json_t *layout_model(const view *v, const req_ctx *rc, const char *lang, const char *title,
			    const char *current_path, json_t *breadcrumb)
{
	g_autofree char *home = view_href(rc, "/");
	g_autofree char *here = g_uri_escape_string(current_path ? current_path : "/", "/", FALSE);
	g_autofree char *here_target = current_path ? g_strdup(here) : g_strdup(home);
	g_autofree char *de_href = g_strconcat(here_target, "?lang=de", NULL);
	g_autofree char *en_href = g_strconcat(here_target, "?lang=en", NULL);
	const char *site = rc->region ? jstr(rc->region, "name") : "bireg";
	json_t *nav = json_array();
	json_t *crumbs = json_array();

	for (size_t i = 0; i < G_N_ELEMENTS(nav_entries); i++) {
		if (nav_entries[i].roles && !(rc->user && (rc->user->roles & nav_entries[i].roles)))
			continue;
		g_autofree char *href = view_href(rc, nav_entries[i].path);
		bool current = current_path && !strcmp(href, current_path);
		json_array_append_new(nav, json_pack("{s:s,s:s,s:b}", "label",
						     i18n_translate(lang, nav_entries[i].label),
						     "href", href, "current", current));
	}
	/* Breadcrumb: home, the given trail, then this page (not a link). */
	if (current_path && strcmp(current_path, home)) {
		json_array_append_new(crumbs, json_pack("{s:s,s:s,s:b}", "label",
							i18n_translate(lang, N_("Home")), "href",
							home, "current", false));
		size_t i;
		json_t *c;
		json_array_foreach(breadcrumb, i, c) {
			json_t *copy = json_deep_copy(c);
			json_object_set_new(copy, "current", json_false());
			json_array_append_new(crumbs, copy);
		}
		json_array_append_new(crumbs, json_pack("{s:s,s:s,s:b}", "label", title, "href",
							here, "current", true));
	}
	json_t *lm = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s,s:b,s:b},s:b,s:o,s:b,s:o,s:o}",
			       "lang", lang, "title", title, "site_name", site, "home_href", home,
			       "static", v->static_prefix, "lang_switch", "de_href", de_href,
			       "en_href", en_href, "de_current", !strcmp(lang, "de"), "en_current",
			       !strcmp(lang, "en"), "has_nav", json_array_size(nav) > 0, "nav", nav,
			       "has_breadcrumb", json_array_size(crumbs) > 0, "breadcrumb", crumbs,
			       "footer", footer_model(rc));
	json_object_set_new(lm, "account", account_model(rc));
	/* The region's logo in the header, from the region model (see
	 * region_logo_attach): its address and its size scaled to the header. */
	{
		json_t *logo = rc->region ? json_object_get(rc->region, "logo") : NULL;
		json_object_set_new(lm, "logo", logo ? json_pack("{s:O,s:O,s:O}", "src",
			json_object_get(logo, "src"), "width", json_object_get(logo, "header_width"),
			"height", json_object_get(logo, "header_height")) : json_null());
	}
	json_object_set_new(lm, "csrf_token", json_string(rc->csrf_token ? rc->csrf_token : ""));
	return lm;
}

void view_json(http_response *resp, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	resp->status = status;
	g_string_truncate(resp->body, 0);
	g_string_append(resp->body, text ? text : "null");
	g_string_append_c(resp->body, '\n');
	free(text);
	json_decref(body);
	http_response_set_header(resp, "Content-Type", "application/json");
}

static int render_into_layout(req_ctx *rc, int status, const char *tmpl, const char *title,
			      json_t *model, json_t *breadcrumb, const char *current_path)
{
	const view *v = rc->view;
	const char *lang = rc->req->lang;
	g_autoptr(GString) content = g_string_sized_new(8192);
	g_autoptr(GError) err = NULL;
	json_t *lm;
	int r;

	if (view_render(v, tmpl, lang, model, content, &err) < 0) {
		log_error("request %s: rendering %s failed: %s", rc->req->request_id, tmpl,
			  err->message);
		return 500;
	}
	lm = layout_model(v, rc, lang, title, current_path, breadcrumb);
	json_object_set_new(lm, "content", json_stringn(content->str, content->len));
	g_string_truncate(rc->resp->body, 0);
	r = view_render(v, "layout", lang, lm, rc->resp->body, &err);
	json_decref(lm);
	if (r < 0) {
		log_error("request %s: rendering the layout failed: %s", rc->req->request_id,
			  err->message);
		g_string_truncate(rc->resp->body, 0);
		return 500;
	}
	rc->resp->status = status;
	http_response_set_header(rc->resp, "Content-Type", "text/html; charset=utf-8");
	http_response_set_header(rc->resp, "Content-Language", lang);
	return 0;
}

int view_page_full(req_ctx *rc, int status, const char *tmpl, const char *title, json_t *model,
		   json_t *breadcrumb)
{
	int r;

	if (rc->req->wants_json) {
		json_decref(breadcrumb);
		view_json(rc->resp, status, model);
		return 0;
	}
	/* Forms on the page carry the request's CSRF token. */
	if (json_is_object(model) && !json_object_get(model, "csrf_token"))
		json_object_set_new(model, "csrf_token",
				    json_string(rc->csrf_token ? rc->csrf_token : ""));
	r = render_into_layout(rc, status, tmpl, title, model, breadcrumb, rc->req->path);
	json_decref(model);
	json_decref(breadcrumb);
	return r;
}

int view_page(req_ctx *rc, const char *tmpl, const char *title, json_t *model)
{
	return view_page_full(rc, 200, tmpl, title, model, NULL);
}

void view_error(req_ctx *rc, int status, const char *field)
{
	const error_text *e = error_for(status);
	const char *lang = rc->req->lang;
	const char *heading = i18n_translate(lang, e->heading);
	const char *message = i18n_translate(lang, rc->error_message ? rc->error_message : e->message);
	g_autofree char *home = view_href(rc, "/");

	g_string_truncate(rc->resp->body, 0);
	g_clear_pointer(&rc->resp->body_bytes, g_bytes_unref);
	if (rc->req->wants_json) {
		json_t *body = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status, "title",
					 heading, "message", message);
		if (field)
			json_object_set_new(json_object_get(body, "error"), "field",
					    json_string(field));
		view_json(rc->resp, status, body);
		return;
	}
	json_t *model = json_pack("{s:i,s:s,s:s,s:s}", "status", status, "heading", heading,
				  "message", message, "home_href", home);
	int r = render_into_layout(rc, status, "pages/error", heading, model, NULL, NULL);
	json_decref(model);
	if (r != 0) {
		/* The error page itself failed: answer plain text, still German. */
		rc->resp->status = status;
		g_string_assign(rc->resp->body, message);
		http_response_set_header(rc->resp, "Content-Type", "text/plain; charset=utf-8");
	}
}
