/*
 * public_body_web.c — the bodies on the region's public pages:
 *
 *   /gremien        the public bodies by level, and for a logged-in person
 *                   "Meine Gremien" (their current bodies, also non-public)
 *   /gremien/{id}   a body: description, goals, the rules of procedure in
 *                   plain words, who it reports to, and its members
 *
 * Members of the body and the office see the full member list (roles,
 * substitutes, institutions, partner sides). Everyone else sees only the
 * names of members who consented to publication (their newest
 * publish_name consent is "given"); the others are only counted. That
 * filter is applied here while the model is built, so neither the page nor
 * its JSON ever carries a name without consent.
 */
#include "modules/register/public_body_web.h"

#include <string.h>

#include "core/log.h"
#include "modules/register/body_store.h"
#include "modules/register/body_web.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "modules/register/register_perm.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

static char *body_href(const req_ctx *rc, int64_t id)
{
	g_autofree char *path = g_strdup_printf("/gremien/%" G_GINT64_FORMAT, id);
	return view_href(rc, path);
}

/* Plain text with blank lines between paragraphs → list of paragraphs. */
static json_t *paragraphs(const char *text)
{
	json_t *list = json_array();
	g_auto(GStrv) parts = NULL;
	g_autofree char *unix_nl = g_strdup(text ? text : "");

	/* Lines that hold only white space end a paragraph too. */
	g_strdelimit(unix_nl, "\r", ' ');
	parts = g_regex_split_simple("\\n[ \\t]*\\n", unix_nl, 0, 0);
	for (size_t i = 0; parts && parts[i]; i++) {
		g_autofree char *p = g_strstrip(g_strdup(parts[i]));
		if (*p)
			json_array_append_new(list, json_string(p));
	}
	return list;
}

/* ---- /gremien ----------------------------------------------------------- */

static int public_bodies(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	body_filter f = {.public_only = true, .current_only = true};
	json_t *list = body_store_list(&rc->ctx, &f, &err);
	json_t *levels, *rows, *b, *mine = json_array();
	int64_t person = 0;
	size_t i;

	if (!list)
		return register_store_failed(rc, "listing the public bodies", err);
	rows = json_object_get(list, "rows");
	levels = json_array();
	/* Group by level, in the levels' order; bodies without a level last. */
	{
		g_autoptr(GArray) positions = g_array_new(FALSE, FALSE, sizeof(int64_t));
		json_array_foreach(rows, i, b) {
			int64_t pos = register_jint(b, "level_id") ? register_jint(b, "level_position") : G_MAXINT64;
			bool seen = false;
			for (guint k = 0; k < positions->len; k++)
				seen |= g_array_index(positions, int64_t, k) == pos;
			if (!seen)
				g_array_append_val(positions, pos);
		}
		for (guint k = 0; k < positions->len; k++)
			for (guint l = k + 1; l < positions->len; l++)
				if (g_array_index(positions, int64_t, l) < g_array_index(positions, int64_t, k)) {
					int64_t t = g_array_index(positions, int64_t, k);
					g_array_index(positions, int64_t, k) = g_array_index(positions, int64_t, l);
					g_array_index(positions, int64_t, l) = t;
				}
		for (guint k = 0; k < positions->len; k++) {
			int64_t pos = g_array_index(positions, int64_t, k);
			json_t *bodies = json_array();
			const char *name = NULL;
			json_array_foreach(rows, i, b) {
				int64_t bpos = register_jint(b, "level_id") ? register_jint(b, "level_position") : G_MAXINT64;
				g_autofree char *href = NULL;
				if (bpos != pos)
					continue;
				if (!name)
					name = pos == G_MAXINT64 ? view_t(rc, N_("Other bodies"))
								 : register_jstr(b, "level_name");
				href = body_href(rc, register_jint(b, "id"));
				json_array_append_new(bodies, json_pack(
					"{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)register_jint(b, "id"),
					"name", register_jstr(b, "name"), "short_name", register_jstr(b, "short_name"),
					"type_label", body_type_label(rc, register_jstr(b, "type")), "area_name",
					register_jstr(b, "area_name"), "href", href));
			}
			g_autofree char *hid = g_strdup_printf("gremien-ebene-%u", k + 1);
			json_array_append_new(levels, json_pack("{s:s,s:s,s:o}", "name", name ? name : "",
								"heading_id", hid, "bodies", bodies));
		}
	}
	json_decref(list);

	person = register_user_person(rc);
	if (person > 0) {
		json_t *ms = membership_store_for_person(&rc->ctx, person, &err);
		json_t *m;
		if (!ms) {
			json_decref(levels);
			json_decref(mine);
			return register_store_failed(rc, "listing the user's bodies", err);
		}
		json_array_foreach(ms, i, m) {
			g_autofree char *href = NULL;
			if (!json_is_true(json_object_get(m, "current")))
				continue;
			href = body_href(rc, register_jint(m, "body_id"));
			json_array_append_new(mine, json_pack(
				"{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)register_jint(m, "body_id"), "name",
				register_jstr(m, "body_name"), "role_label", membership_role_label(rc, register_jstr(m, "role")),
				"href", href, "public", json_is_true(json_object_get(m, "body_public"))));
		}
		json_decref(ms);
	}
	g_autofree char *login = view_href(rc, "/anmelden?next=/gremien");
	json_t *model = json_pack("{s:s,s:b,s:o,s:b,s:b,s:o,s:b,s:s}", "region_name",
				  register_jstr(rc->region, "name"), "has_levels", json_array_size(levels) > 0,
				  "levels", levels, "show_mine", person > 0, "has_mine",
				  json_array_size(mine) > 0, "my_bodies", mine, "anonymous",
				  rc->user == NULL, "login_href", login);
	return view_page(rc, "pages/bodies_public", view_t(rc, N_("Bodies")), model);
}

/* ---- /gremien/{id} ------------------------------------------------------ */

/* The member list for someone who may see only consenting names. */
static json_t *limited_members(const req_ctx *rc, json_t *current)
{
	json_t *names = json_array();
	int64_t others = 0;
	size_t i;
	json_t *m;
	g_autofree char *n = NULL;
	g_autofree char *label = NULL;

	json_array_foreach(current, i, m) {
		if (!json_is_true(json_object_get(m, "publish_name"))) {
			others++;
			continue;
		}
		json_array_append_new(names, json_pack("{s:s,s:s}", "person_name",
						       register_jstr(m, "person_name"), "role_label",
						       membership_role_label(rc, register_jstr(m, "role"))));
	}
	n = format_int(rc->req->lang, others);
	if (others == 0)
		label = g_strdup("");
	else if (json_array_size(names) == 0)
		label = others == 1 ? g_strdup(view_t(rc, N_("1 member")))
				    : view_tf(rc, N_("{n} members"), "n", n, NULL);
	else
		label = others == 1 ? g_strdup(view_t(rc, N_("and 1 more member")))
				    : view_tf(rc, N_("and {n} more members"), "n", n, NULL);
	return json_pack("{s:o,s:b,s:I,s:s,s:b}", "names", names, "has_names",
			 json_array_size(names) > 0, "others", (json_int_t)others, "others_label",
			 label, "has_others", others > 0);
}

static int public_body(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *b, *current, *kids, *k, *parent = json_null();
	bool office = register_is_office(rc), full;
	int64_t person;
	size_t i;

	if (id <= 0)
		return 404;
	b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	person = register_user_person(rc);
	full = office || (person > 0 &&
			  membership_store_current_for_person_in_body(&rc->ctx, person, id, &err));
	if (err) {
		json_decref(b);
		return register_store_failed(rc, "checking a membership", err);
	}
	current = membership_store_for_body(&rc->ctx, id, true, &err);
	if (!current) {
		json_decref(b);
		return register_store_failed(rc, "reading the members", err);
	}
	body_add_labels(rc, b);
	if (register_jint(b, "parent_id")) {
		g_autoptr(GError) perr = NULL;
		json_t *p = body_store_get(&rc->ctx, register_jint(b, "parent_id"), &perr);
		if (p) {
			bool linked = office || json_is_true(json_object_get(p, "public"));
			g_autofree char *href = linked ? body_href(rc, register_jint(p, "id")) : g_strdup("");
			parent = json_pack("{s:s,s:s}", "name", register_jstr(p, "name"), "href", href);
			json_decref(p);
		}
	}
	kids = json_array();
	json_array_foreach(json_object_get(b, "children"), i, k) {
		bool linked = office || json_is_true(json_object_get(k, "public"));
		g_autofree char *href = linked ? body_href(rc, register_jint(k, "id")) : g_strdup("");
		json_array_append_new(kids, json_pack("{s:s,s:s,s:s}", "name", register_jstr(k, "name"),
						      "type_label", body_type_label(rc, register_jstr(k, "type")),
						      "href", href));
	}
	g_autofree char *office_href = NULL;
	if (office) {
		g_autofree char *path = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT, (int64_t)id);
		office_href = view_href(rc, path);
	}
	g_autofree char *list = view_href(rc, "/gremien");
	g_autofree char *title = g_strdup(register_jstr(b, "name"));
	g_autofree char *count = format_int(rc->req->lang, (int64_t)json_array_size(current));
	/* Only what every visitor may see of the body itself. */
	json_t *body = json_pack(
		"{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:O,s:O,s:o,s:o,s:b,s:b}", "id",
		(json_int_t)id, "name", register_jstr(b, "name"), "short_name", register_jstr(b, "short_name"), "type",
		register_jstr(b, "type"), "type_label", register_jstr(b, "type_label"), "level_name",
		register_jstr(b, "level_name"), "area_name", register_jstr(b, "area_name"), "period_label",
		register_jstr(b, "period_label"), "public", json_is_true(json_object_get(b, "public")),
		"active_from", json_object_get(b, "active_from"), "active_until",
		json_object_get(b, "active_until"), "description",
		paragraphs(register_jstr(b, "description")), "goals", paragraphs(register_jstr(b, "goals")),
		"has_description", *register_jstr(b, "description") != '\0', "has_goals",
		*register_jstr(b, "goals") != '\0');
	json_t *model = json_pack("{s:o,s:o,s:o,s:b,s:o,s:b,s:b,s:s,s:s,s:b}", "body", body,
				  "rules", body_rules_model(rc, b), "parent", parent, "has_parent",
				  !json_is_null(parent), "children", kids, "has_children",
				  json_array_size(kids) > 0, "full", full, "member_count", count,
				  "office_href", office_href ? office_href : "", "is_office", office);

	if (full) {
		json_object_set_new(model, "member_groups", body_member_groups(rc, current, false));
		json_object_set_new(model, "limited", json_null());
	} else {
		json_object_set_new(model, "member_groups", json_array());
		json_object_set_new(model, "limited", limited_members(rc, current));
	}
	json_object_set_new(model, "has_members", json_boolean(json_array_size(current) > 0));
	json_decref(current);
	json_decref(b);
	return view_page_full(rc, 200, "pages/bodies_public_body", title, model,
			      json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Bodies")), "href", list));
}

const route public_body_routes[] = {
	{HTTP_GET, "/gremien", "register.public.bodies", NULL, "public", NULL, public_bodies,
	 ROUTE_REGION, 0},
	{HTTP_GET, "/gremien/{id}", "register.public.body", perm_body_view, "body_view", NULL,
	 public_body, ROUTE_REGION, 0},
	{0},
};
