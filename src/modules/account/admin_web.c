/*
 * admin_web.c — the office's and the admin's pages of a region: the user
 * accounts with their roles (admin), and the feedback received through the
 * accessibility statement (office), which BITV NRW expects to be answered.
 */
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "modules/account/account_store.h"
#include "modules/account/account_web.h"
#include "modules/account/perm.h"
#include "modules/region/region_store.h"
#include "modules/region/region_web.h"
#include "search/search.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* One row of the user table from an entry of account_store_list. */
static json_t *user_row(req_ctx *rc, json_t *u)
{
	g_autoptr(GString) roles = g_string_new(NULL);
	size_t k;
	json_t *r;

	json_array_foreach(json_object_get(u, "roles"), k, r)
		g_string_append_printf(roles, "%s%s", k ? ", " : "",
				       account_role_label(rc, account_role_from_name(json_string_value(r))));
	g_autofree char *last = view_datetime(rc, json_string_value(json_object_get(u, "last_login_at")));
	bool active = !g_strcmp0(json_string_value(json_object_get(u, "status")), "active");
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "display_name",
			 json_string_value(json_object_get(u, "display_name")), "email",
			 json_string_value(json_object_get(u, "email")), "status_label",
			 active ? view_t(rc, N_("Active")) : view_t(rc, N_("Disabled")), "roles_label",
			 roles->str, "totp_label",
			 json_is_true(json_object_get(u, "totp_enabled")) ? view_t(rc, N_("On"))
									   : view_t(rc, N_("Off")),
			 "last_login", *last ? last : view_t(rc, N_("never")));
}

/* A region has tens of accounts, not thousands: the first hundred hits are
 * shown, and the page says so when there are more. */
#define USERS_SEARCH_LIMIT 100

/* The message for a query the search refuses (shown under the field). */
static const char *query_error(req_ctx *rc, const GError *err)
{
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG))
		return view_t(rc, N_("The search term is too long: at most 200 characters."));
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_TOO_MANY_WORDS))
		return view_t(rc, N_("The search term has too many words: at most 10."));
	return view_t(rc, N_("The search term contains characters that cannot be searched."));
}

/*
 * The accounts with a role in the region, or with ?q= those the search
 * finds by name or e-mail address (best match first). The search only
 * yields ids; the table rows come from the region's account list, so an
 * index entry can never show an account without a role here.
 */
static int users(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw = http_params_get(rc->req->query, "q");
	g_autofree char *q = text_collapse_ws(raw ? raw : "");
	g_autofree char *action = view_href(rc, "/verwaltung/benutzer");
	search_hits hits = {0};
	const char *q_error = NULL;
	bool searching = q && *q;
	json_t *list, *rows, *u;
	size_t i;
	int status = 200;

	list = account_store_list(&rc->ctx, &err);
	if (!list)
		return region_web_status_for(err);
	rows = json_array();
	if (searching) {
		static const char *const kinds[] = {SEARCH_KIND_ACCOUNT, NULL};
		if (search_query(&rc->ctx, q, kinds, USERS_SEARCH_LIMIT, 0, &hits, &err) < 0) {
			if (err->domain != BIREG_SEARCH_ERROR) {
				json_decref(list);
				json_decref(rows);
				return region_web_status_for(err);
			}
			q_error = query_error(rc, err);
			status = 422;
		}
		/* id -> entry of the list; the keys live in `keys`. */
		g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
		g_autofree gint64 *keys = g_new0(gint64, json_array_size(list) + 1);
		json_array_foreach(list, i, u) {
			keys[i] = json_integer_value(json_object_get(u, "id"));
			g_hash_table_insert(by_id, &keys[i], u);
		}
		for (size_t h = 0; h < hits.n; h++) {
			json_t *e = g_hash_table_lookup(by_id, &hits.hits[h].ref_id);
			if (e)
				json_array_append_new(rows, user_row(rc, e));
		}
	} else {
		json_array_foreach(list, i, u)
			json_array_append_new(rows, user_row(rc, u));
	}
	json_decref(list);

	int64_t total = searching && !q_error ? hits.total : (int64_t)json_array_size(rows);
	search_hits_clear(&hits);
	if (rc->req->wants_json) {
		json_t *body = json_pack("{s:o}", "users", rows);
		if (searching) {
			json_object_set_new(body, "q", json_string(q));
			json_object_set_new(body, "total", json_integer(total));
		}
		if (q_error)
			json_object_set_new(body, "errors", json_pack("[{s:s,s:s}]", "field", "q",
								      "message", q_error));
		view_json(rc->resp, status, body);
		return 0;
	}
	g_autofree char *count = format_int(rc->req->lang, total);
	g_autofree char *shown = format_int(rc->req->lang, (int64_t)json_array_size(rows));
	const char *fields[] = {"q"};
	const char *msgs[] = {q_error};
	json_t *errors = view_form_errors(fields, msgs, 1);
	return view_page_full(
		rc, status, "pages/admin_users", view_t(rc, N_("User accounts")),
		json_pack("{s:s,s:b,s:o,s:{s:s,s:s,s:b,s:b,s:b,s:b,s:s,s:s,s:s,s:b,s:b,s:o}}",
			  "region_name", json_string_value(json_object_get(rc->region, "name")),
			  "has_users", json_array_size(rows) > 0, "users", rows, "search",
			  "action", action, "q", q ? q : "", "active", searching,
			  "found", searching && !q_error && total > 0, "none",
			  searching && !q_error && total == 0, "one", total == 1, "count", count,
			  "shown", shown, "error", q_error ? q_error : "", "more",
			  searching && !q_error && total > (int64_t)json_array_size(rows),
			  "has_errors", q_error != NULL, "errors", errors),
		NULL);
}

static const char *const feedback_states[] = {"new", "answered", "closed"};

static const char *status_label(const req_ctx *rc, const char *status)
{
	if (!strcmp(status, "new"))
		return view_t(rc, N_("New"));
	if (!strcmp(status, "answered"))
		return view_t(rc, N_("Answered"));
	return view_t(rc, N_("Closed"));
}

static int feedback_list(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = region_store_list_feedback(&rc->ctx, &err);
	json_t *items = json_array();
	size_t i;
	json_t *f;

	if (!list)
		return region_web_status_for(err);
	json_array_foreach(list, i, f) {
		const char *status = json_string_value(json_object_get(f, "status"));
		g_autofree char *created = view_datetime(rc, json_string_value(json_object_get(f, "created_at")));
		g_autofree char *path = g_strdup_printf("/verwaltung/rueckmeldungen/%" JSON_INTEGER_FORMAT,
							json_integer_value(json_object_get(f, "id")));
		g_autofree char *action = view_href(rc, path);
		json_t *options = json_array();
		for (size_t k = 0; k < G_N_ELEMENTS(feedback_states); k++)
			json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value",
								 feedback_states[k], "label",
								 status_label(rc, feedback_states[k]),
								 "selected", !strcmp(status, feedback_states[k])));
		json_array_append_new(items, json_pack(
			"{s:O,s:s,s:O,s:O,s:O,s:O,s:s,s:s,s:o}", "id", json_object_get(f, "id"),
			"created", created, "name", json_object_get(f, "name"), "email",
			json_object_get(f, "email"), "message", json_object_get(f, "message"), "page",
			json_object_get(f, "page"), "status_label", status_label(rc, status), "action",
			action, "options", options));
	}
	json_decref(list);
	return view_page(rc, "pages/office_feedback", view_t(rc, N_("Feedback on accessibility")),
			 json_pack("{s:b,s:o}", "has_items", json_array_size(items) > 0, "items",
				   items));
}

static int feedback_status(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *status = http_params_get(rc->req->form, "status");
	gint64 id = 0;
	int r;

	if (!g_ascii_string_to_signed(http_request_path_param(rc->req, "id"), 10, 1, G_MAXINT64, &id,
				      NULL))
		return 404;
	r = region_store_set_feedback_status(&rc->ctx, id, status, &err);
	if (r < 0)
		return region_web_status_for(err);
	if (r == 0)
		return 404; /* none such in this region */
	log_info("request %s: feedback %" G_GINT64_FORMAT " set to %s by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, status, rc->user->id);
	return view_redirect(rc, "/verwaltung/rueckmeldungen");
}

static const param_rule status_params[] = {
	{.name = "status", .kind = PARAM_ENUM, .choices = "new|answered|closed", .required = true},
	{0},
};

const route admin_routes[] = {
	{HTTP_GET, "/verwaltung/benutzer", "admin.users", perm_admin, "admin", NULL, users,
	 ROUTE_REGION, 0},
	{HTTP_GET, "/verwaltung/rueckmeldungen", "office.feedback", perm_office, "office", NULL,
	 feedback_list, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/rueckmeldungen/{id}", "office.feedback.status", perm_office,
	 "office", status_params, feedback_status, ROUTE_REGION, 16 * 1024},
	{0},
};
