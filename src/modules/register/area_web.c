/*
 * area_web.c — the office's pages of areas and of the post-code table
 * (area_web.h).
 *
 * Pages work without JavaScript: the form for a new area offers every area
 * of both hierarchies as its parent, and the store refuses a parent of the
 * other hierarchy with a message next to the field. A kind left empty is
 * filled in as it fits (Stadtbezirk at the top of the city's hierarchy,
 * Ortsteil below it, Sozialraum in the office's own).
 */
#include "modules/register/area_web.h"

#include <string.h>

#include "core/log.h"
#include "modules/account/perm.h"
#include "modules/register/area_store.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "view/form.h"
#include "view/i18n.h"
#include "view/view.h"

const char *area_hierarchy_label(const req_ctx *rc, const char *hierarchy)
{
	if (!g_strcmp0(hierarchy, AREA_HIERARCHY_SOCIAL))
		return view_t(rc, N_("Social areas"));
	return view_t(rc, N_("City districts and quarters"));
}

/* ---- helpers ----------------------------------------------------------- */

static json_t *crumbs(const req_ctx *rc, bool areas)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *gebiete = view_href(rc, "/register/gebiete");
	json_t *c = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (areas)
		json_array_append_new(c, json_pack("{s:s,s:s}", "label", view_t(rc, N_("Areas")),
						   "href", gebiete));
	return c;
}

/* The kind an area gets when the form leaves it empty. */
static const char *default_kind(const char *hierarchy, int64_t parent_id)
{
	if (!g_strcmp0(hierarchy, AREA_HIERARCHY_SOCIAL))
		return "Sozialraum";
	return parent_id ? "Ortsteil" : "Stadtbezirk";
}

/* ---- the tree ---------------------------------------------------------- */

static json_t *hierarchy_model(req_ctx *rc, const char *hierarchy, json_t *list)
{
	json_t *areas = json_array(), *a;
	g_autofree char *path = g_strdup_printf("/register/gebiete/neu?hierarchie=%s", hierarchy);
	g_autofree char *new_href = view_href(rc, path);
	size_t i;

	json_array_foreach(list, i, a) {
		int64_t id = json_integer_value(json_object_get(a, "id"));
		int depth = (int)json_integer_value(json_object_get(a, "depth"));
		g_autofree char *edit = register_href_id(rc, "/register/gebiete/", id, "/bearbeiten");
		g_autofree char *del = register_href_id(rc, "/register/gebiete/", id, "/loeschen");
		g_autofree char *child_path = g_strdup_printf(
			"/register/gebiete/neu?hierarchie=%s&ueber=%" G_GINT64_FORMAT, hierarchy, (gint64)id);
		g_autofree char *child = view_href(rc, child_path);
		json_t *row;

		if (g_strcmp0(json_string_value(json_object_get(a, "hierarchy")), hierarchy))
			continue;
		row = json_deep_copy(a);
		json_object_set_new(row, "edit_href", json_string(edit));
		json_object_set_new(row, "delete_href", json_string(del));
		json_object_set_new(row, "add_child_href", json_string(child));
		json_object_set_new(row, "indent", json_integer(MIN(depth, 4)));
		json_object_set_new(row, "nested", json_boolean(depth > 0));
		/* Only the city's hierarchy has a level below: Ortsteile. */
		json_object_set_new(row, "can_add_child",
				    json_boolean(depth == 0));
		json_array_append_new(areas, row);
	}
	return json_pack("{s:s,s:s,s:s,s:b,s:o,s:b}", "key", hierarchy, "title",
			 area_hierarchy_label(rc, hierarchy), "new_href", new_href, "has_areas",
			 json_array_size(areas) > 0, "areas", areas, "is_social",
			 !strcmp(hierarchy, AREA_HIERARCHY_SOCIAL));
}

static int areas_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = area_store_list(&rc->ctx, NULL, &err);
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	const char *notice = "";
	g_autofree char *plz = view_href(rc, "/register/gebiete/plz");
	json_t *model;

	if (!list)
		return register_store_failed(rc, "listing areas", err);
	if (!g_strcmp0(saved, "gebiet"))
		notice = view_t(rc, N_("The area has been saved."));
	else if (!g_strcmp0(saved, "geloescht"))
		notice = view_t(rc, N_("The area has been deleted."));
	model = json_pack("{s:s,s:s,s:[o,o]}", "notice", notice, "postcodes_href", plz,
			  "hierarchies", hierarchy_model(rc, AREA_HIERARCHY_ADMIN, list),
			  hierarchy_model(rc, AREA_HIERARCHY_SOCIAL, list));
	json_decref(list);
	return view_page_full(rc, 200, "pages/register_areas", view_t(rc, N_("Areas")), model,
			      crumbs(rc, false));
}

/* ---- new and edit ------------------------------------------------------ */

static const form_field area_fields[] = {
	{"hierarchy", N_("Hierarchy"),
	 N_("Stadtbezirke and Ortsteile are the city's official division; Sozialräume are areas the office defines itself."),
	 FORM_SELECT, .required = true},
	{"parent_id", N_("Lies within"),
	 N_("Leave empty for a Stadtbezirk or a Sozialraum; choose the Stadtbezirk for an Ortsteil."),
	 FORM_SELECT, .required = false},
	{"name", N_("Name"), NULL, FORM_TEXT, .required = true, .max_chars = 120},
	{"kind", N_("Kind of area"),
	 N_("For example Stadtbezirk, Ortsteil or Sozialraum. Left empty, it is filled in as it fits."),
	 FORM_TEXT, .required = false, .max_chars = 60},
	{"code", N_("Official number"), N_("For example the number of a Stadtbezirk; optional."),
	 FORM_TEXT, .required = false, .max_chars = 20},
	{"position", N_("Position in the list"),
	 N_("Areas on the same level are listed by this number, then by name."), FORM_INT, .required = false,
	 .min = 0, .max = 9999},
};

/* Options of the parent select: every area (of one hierarchy when given)
 * except skip_id and its sub-areas. */
static void parent_options(form *f, req_ctx *rc, json_t *list, const char *hierarchy,
			   int64_t skip_id)
{
	json_t *a;
	size_t i;
	int skip_depth = -1;

	form_add_option(f, "parent_id", "", view_t(rc, N_("None (top level)")));
	json_array_foreach(list, i, a) {
		const char *h = json_string_value(json_object_get(a, "hierarchy"));
		int64_t id = json_integer_value(json_object_get(a, "id"));
		int depth = (int)json_integer_value(json_object_get(a, "depth"));
		g_autofree char *value = NULL, *label = NULL;

		if (skip_depth >= 0 && depth > skip_depth)
			continue; /* a sub-area of the area being edited */
		skip_depth = -1;
		if (id == skip_id) {
			skip_depth = depth;
			continue;
		}
		if (hierarchy && strcmp(h, hierarchy))
			continue;
		value = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)id);
		label = g_strdup_printf("%s: %s", area_hierarchy_label(rc, h),
					json_string_value(json_object_get(a, "label")));
		form_add_option(f, "parent_id", value, label);
	}
}

static void hierarchy_options(form *f, req_ctx *rc)
{
	form_add_option(f, "hierarchy", AREA_HIERARCHY_ADMIN,
			area_hierarchy_label(rc, AREA_HIERARCHY_ADMIN));
	form_add_option(f, "hierarchy", AREA_HIERARCHY_SOCIAL,
			area_hierarchy_label(rc, AREA_HIERARCHY_SOCIAL));
}

static int area_form_page(req_ctx *rc, int status, form *f, json_t *area)
{
	bool editing = area != NULL;
	g_autofree char *action = editing
		? register_href_id(rc, "/register/gebiete/", json_integer_value(json_object_get(area, "id")),
			  "/bearbeiten")
		: view_href(rc, "/register/gebiete/neu");
	g_autofree char *cancel = view_href(rc, "/register/gebiete");
	g_autofree char *title = editing
		? view_tf(rc, N_("Edit area {name}"), "name",
			  json_string_value(json_object_get(area, "name")), NULL)
		: g_strdup(view_t(rc, N_("New area")));
	json_t *model = json_pack("{s:s,s:s,s:s,s:b,s:s}", "heading", title, "action", action,
				  "cancel_href", cancel, "editing", editing, "hierarchy_label",
				  editing ? area_hierarchy_label(rc, json_string_value(json_object_get(area, "hierarchy"))) : "");

	json_object_set(model, "area", area ? area : json_null());
	register_put_form(model, f, rc);
	return view_page_full(rc, status, "pages/register_area_form", title, model, crumbs(rc, true));
}

static int area_new(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(area_fields, G_N_ELEMENTS(area_fields), "area");
	json_t *list = area_store_list(&rc->ctx, NULL, &err);
	const char *h = http_params_get(rc->req->query, "hierarchie");
	const char *over = http_params_get(rc->req->query, "ueber");
	int64_t parent = 0;
	int status;

	if (!list)
		return register_store_failed(rc, "listing areas", err);
	if (!area_hierarchy_valid(h))
		h = AREA_HIERARCHY_ADMIN;
	if (over && *over)
		parent = g_ascii_strtoll(over, NULL, 10);
	hierarchy_options(f, rc);
	parent_options(f, rc, list, NULL, 0);
	form_set(f, "hierarchy", h);
	if (parent > 0) {
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)parent);
		form_set(f, "parent_id", v);
	}
	form_set(f, "kind", default_kind(h, parent));
	form_set(f, "position", "0");
	json_decref(list);
	status = area_form_page(rc, 200, f, NULL);
	return status;
}

static void input_from(const form *f, area_input *in, const char *hierarchy)
{
	in->hierarchy = hierarchy;
	in->parent_id = form_int(f, "parent_id");
	in->name = form_value(f, "name");
	in->kind = *form_value(f, "kind") ? form_value(f, "kind")
					  : default_kind(hierarchy, in->parent_id);
	in->code = form_value(f, "code");
	in->position = form_int(f, "position");
}

static int area_create(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(area_fields, G_N_ELEMENTS(area_fields), "area");
	json_t *list = area_store_list(&rc->ctx, NULL, &err);
	area_input in = {0};
	int64_t id;

	if (!list)
		return register_store_failed(rc, "listing areas", err);
	hierarchy_options(f, rc);
	parent_options(f, rc, list, NULL, 0);
	json_decref(list);
	if (!form_read(f, rc))
		return area_form_page(rc, 422, f, NULL);
	input_from(f, &in, form_value(f, "hierarchy"));
	id = area_store_create(&rc->ctx, &in, &err);
	if (id < 0) {
		if (register_error_to_form(f, rc, err))
			return area_form_page(rc, 422, f, NULL);
		return register_store_failed(rc, "creating an area", err);
	}
	log_info("request %s: area %" G_GINT64_FORMAT " created by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	return view_redirect(rc, "/register/gebiete?gespeichert=gebiet");
}

/* The edit form's fields: all but the hierarchy, which stays. */
#define EDIT_FIELDS (area_fields + 1)
#define N_EDIT_FIELDS (G_N_ELEMENTS(area_fields) - 1)

static json_t *load_area(req_ctx *rc, int *status)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *a;

	*status = 404;
	if (!id)
		return NULL;
	a = area_store_get(&rc->ctx, id, &err);
	if (!a)
		*status = register_store_failed(rc, "reading an area", err);
	return a;
}

static int area_edit(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(EDIT_FIELDS, N_EDIT_FIELDS, "area");
	int status;
	json_t *area = load_area(rc, &status), *list;

	if (!area)
		return status;
	list = area_store_list(&rc->ctx, NULL, &err);
	if (!list) {
		json_decref(area);
		return register_store_failed(rc, "listing areas", err);
	}
	parent_options(f, rc, list, json_string_value(json_object_get(area, "hierarchy")),
		       json_integer_value(json_object_get(area, "id")));
	json_decref(list);
	form_set_json(f, area);
	status = area_form_page(rc, 200, f, area);
	json_decref(area);
	return status;
}

static int area_update(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(EDIT_FIELDS, N_EDIT_FIELDS, "area");
	int status;
	json_t *area = load_area(rc, &status), *list;
	area_input in = {0};
	int64_t id;

	if (!area)
		return status;
	id = json_integer_value(json_object_get(area, "id"));
	list = area_store_list(&rc->ctx, NULL, &err);
	if (!list) {
		json_decref(area);
		return register_store_failed(rc, "listing areas", err);
	}
	parent_options(f, rc, list, json_string_value(json_object_get(area, "hierarchy")), id);
	json_decref(list);
	if (!form_read(f, rc)) {
		status = area_form_page(rc, 422, f, area);
	} else {
		input_from(f, &in, json_string_value(json_object_get(area, "hierarchy")));
		if (area_store_update(&rc->ctx, id, &in, &err) < 0) {
			if (register_error_to_form(f, rc, err))
				status = area_form_page(rc, 422, f, area);
			else
				status = register_store_failed(rc, "changing an area", err);
		} else {
			log_info("request %s: area %" G_GINT64_FORMAT " changed by account %" G_GINT64_FORMAT,
				 rc->req->request_id, id, rc->ctx.user_id);
			status = view_redirect(rc, "/register/gebiete?gespeichert=gebiet");
		}
	}
	json_decref(area);
	return status;
}

/* ---- delete ------------------------------------------------------------ */

static int delete_page(req_ctx *rc, int status, json_t *area, const char *error)
{
	g_autofree char *action = register_href_id(rc, "/register/gebiete/",
					      json_integer_value(json_object_get(area, "id")), "/loeschen");
	g_autofree char *cancel = view_href(rc, "/register/gebiete");
	g_autofree char *title = view_tf(rc, N_("Delete area {name}"), "name",
					 json_string_value(json_object_get(area, "name")), NULL);
	int64_t children = json_integer_value(json_object_get(area, "children"));
	int64_t insts = json_integer_value(json_object_get(area, "institutions"));
	int64_t bodies = json_integer_value(json_object_get(area, "bodies"));
	int64_t codes = json_integer_value(json_object_get(area, "postcodes"));
	json_t *reasons = json_array();
	json_t *model;

	if (children)
		json_array_append_new(reasons, json_string(view_t(rc, N_("It has sub-areas. Delete or move them first."))));
	if (insts)
		json_array_append_new(reasons, json_string(view_t(rc, N_("Institutions are assigned to it. Assign them to another area first."))));
	if (bodies)
		json_array_append_new(reasons, json_string(view_t(rc, N_("Bodies are assigned to it. Change their area first."))));
	model = json_pack("{s:s,s:s,s:s,s:O,s:b,s:o,s:b,s:s,s:b}", "heading", title, "action", action,
			  "cancel_href", cancel, "area", area, "in_use",
			  json_array_size(reasons) > 0, "reasons", reasons, "has_postcodes",
			  codes > 0, "error", error ? error : "", "has_error", error != NULL);
	json_object_set_new(model, "errors",
			    error ? json_pack("[{s:s,s:s}]", "field", "", "message", error) : json_array());
	return view_page_full(rc, status, "pages/register_area_delete", title, model, crumbs(rc, true));
}

static int area_delete_confirm(req_ctx *rc)
{
	int status;
	json_t *area = load_area(rc, &status);

	if (!area)
		return status;
	status = delete_page(rc, 200, area, NULL);
	json_decref(area);
	return status;
}

static int area_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int status;
	json_t *area = load_area(rc, &status);
	int64_t id;

	if (!area)
		return status;
	id = json_integer_value(json_object_get(area, "id"));
	if (area_store_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE))
			status = delete_page(rc, 409, area, view_t(rc, register_error_msgid(err)));
		else
			status = register_store_failed(rc, "deleting an area", err);
		json_decref(area);
		return status;
	}
	json_decref(area);
	log_info("request %s: area %" G_GINT64_FORMAT " deleted by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	return view_redirect(rc, "/register/gebiete?gespeichert=geloescht");
}

/* ---- post codes -------------------------------------------------------- */

static const form_field postcode_fields[] = {
	{"postcode", N_("Postcode"), N_("Five digits, for example 47051."), FORM_POSTCODE,
	 .required = true},
	{"quarter", N_("Quarter"),
	 N_("Only when the postcode spans several areas: the part of it that lies in this area. Otherwise leave empty."),
	 FORM_TEXT, .required = false, .max_chars = 120},
	{"area_id", N_("Area"), NULL, FORM_SELECT, .required = true},
};

static int postcodes_page(req_ctx *rc, int status, form *f, const char *notice)
{
	g_autoptr(GError) err = NULL;
	json_t *list = area_postcode_list(&rc->ctx, &err), *rows, *r;
	g_autofree char *action = view_href(rc, "/register/gebiete/plz");
	g_autofree char *areas = view_href(rc, "/register/gebiete");
	json_t *model;
	size_t i;

	if (!list)
		return register_store_failed(rc, "listing post codes", err);
	rows = json_array();
	json_array_foreach(list, i, r) {
		g_autofree char *del = register_href_id(rc, "/register/gebiete/plz/",
						   json_integer_value(json_object_get(r, "id")), "/loeschen");
		json_t *row = json_deep_copy(r);
		json_object_set_new(row, "delete_action", json_string(del));
		json_object_set_new(row, "hierarchy_label",
				    json_string(area_hierarchy_label(rc, json_string_value(json_object_get(r, "hierarchy")))));
		json_array_append_new(rows, row);
	}
	json_decref(list);
	model = json_pack("{s:s,s:s,s:s,s:b,s:o}", "notice", notice ? notice : "", "action", action,
			  "areas_href", areas, "has_rows", json_array_size(rows) > 0, "rows", rows);
	register_put_form(model, f, rc);
	return view_page_full(rc, status, "pages/register_area_postcodes",
			      view_t(rc, N_("Postcode table")), model, crumbs(rc, true));
}

static int area_options(form *f, req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = area_store_list(&rc->ctx, NULL, &err), *a;
	size_t i;

	if (!list)
		return register_store_failed(rc, "listing areas", err);
	form_add_option(f, "area_id", "", view_t(rc, N_("Please choose")));
	json_array_foreach(list, i, a) {
		g_autofree char *value = g_strdup_printf("%" JSON_INTEGER_FORMAT,
							 json_integer_value(json_object_get(a, "id")));
		g_autofree char *label = g_strdup_printf(
			"%s: %s", area_hierarchy_label(rc, json_string_value(json_object_get(a, "hierarchy"))),
			json_string_value(json_object_get(a, "label")));
		form_add_option(f, "area_id", value, label);
	}
	json_decref(list);
	return 0;
}

static int postcodes_get(req_ctx *rc)
{
	g_autoptr(form) f = form_new(postcode_fields, G_N_ELEMENTS(postcode_fields), "postcode");
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	const char *notice = NULL;
	int status = area_options(f, rc);

	if (status)
		return status;
	if (!g_strcmp0(saved, "plz"))
		notice = view_t(rc, N_("The postcode has been added."));
	else if (!g_strcmp0(saved, "geloescht"))
		notice = view_t(rc, N_("The postcode has been removed from the table."));
	return postcodes_page(rc, 200, f, notice);
}

static int postcode_add(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(postcode_fields, G_N_ELEMENTS(postcode_fields), "postcode");
	int status = area_options(f, rc);
	int64_t id;

	if (status)
		return status;
	if (!form_read(f, rc))
		return postcodes_page(rc, 422, f, NULL);
	id = area_postcode_add(&rc->ctx, form_value(f, "postcode"), form_value(f, "quarter"),
			       form_int(f, "area_id"), &err);
	if (id < 0) {
		if (register_error_to_form(f, rc, err))
			return postcodes_page(rc, 422, f, NULL);
		return register_store_failed(rc, "adding a post code", err);
	}
	return view_redirect(rc, "/register/gebiete/plz?gespeichert=plz");
}

static int postcode_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");

	if (!id)
		return 404;
	if (area_postcode_delete(&rc->ctx, id, &err) < 0)
		return register_store_failed(rc, "deleting a post code", err);
	return view_redirect(rc, "/register/gebiete/plz?gespeichert=geloescht");
}

/* ---- routes ------------------------------------------------------------ */

static const param_rule areas_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "gebiet|geloescht"},
	{0},
};

static const param_rule new_params[] = {
	{.name = "hierarchie", .kind = PARAM_ENUM, .choices = "admin|social"},
	{.name = "ueber", .kind = PARAM_INT, .min = 1, .max = G_MAXINT64},
	{0},
};

static const param_rule postcodes_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "plz|geloescht"},
	{0},
};

/* Generous bounds: form.c gives the precise message next to the field. */
static const param_rule area_form_params[] = {
	{.name = "hierarchy", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "parent_id", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "name", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "kind", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "code", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "position", .kind = PARAM_STRING, .max_len = 4000},
	{0},
};

static const param_rule postcode_form_params[] = {
	{.name = "postcode", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "quarter", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "area_id", .kind = PARAM_STRING, .max_len = 4000},
	{0},
};

#define FORM_BODY (64 * 1024)

const route area_routes[] = {
	{HTTP_GET, "/register/gebiete", "register.area.list", perm_office, "office", areas_params,
	 areas_page, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gebiete/neu", "register.area.new", perm_office, "office", new_params,
	 area_new, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gebiete/neu", "register.area.create", perm_office, "office",
	 area_form_params, area_create, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/gebiete/{id}/bearbeiten", "register.area.edit", perm_office, "office",
	 NULL, area_edit, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gebiete/{id}/bearbeiten", "register.area.update", perm_office,
	 "office", area_form_params, area_update, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/gebiete/{id}/loeschen", "register.area.delete_confirm", perm_office,
	 "office", NULL, area_delete_confirm, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gebiete/{id}/loeschen", "register.area.delete", perm_office, "office",
	 NULL, area_delete, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/gebiete/plz", "register.postcode.list", perm_office, "office",
	 postcodes_params, postcodes_get, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gebiete/plz", "register.postcode.add", perm_office, "office",
	 postcode_form_params, postcode_add, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, "/register/gebiete/plz/{id}/loeschen", "register.postcode.delete", perm_office,
	 "office", NULL, postcode_delete, ROUTE_REGION, FORM_BODY},
	{0},
};
