/*
 * institution_web.c — the office's pages of institutions and of their
 * kinds (institution_web.h).
 *
 * The list takes its filters as ordinary GET parameters, so a filtered,
 * sorted page is a link that can be kept and that works without
 * JavaScript; the search box goes through the region's search index (best
 * hit first unless another order is chosen). The school fields are part of
 * every form (no script hides them); the store refuses them for a kind
 * without school fields, with a message next to the field.
 */
#include "modules/register/institution_web.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "modules/account/perm.h"
#include "modules/register/area_store.h"
#include "modules/register/area_web.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register.h"
#include "modules/register/register_export.h"
#include "modules/register/register_page.h"
#include "search/search.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

#define PER_PAGE 50

const char *institution_type_label(const req_ctx *rc, const char *key, const char *name)
{
	const char *msgid = institution_type_msgid(key, name);

	return msgid ? view_t(rc, msgid) : (name ? name : "");
}

/* ---- helpers ------------------------------------------------------------- */

/* Register › Institutionen (› the institution). */
static json_t *crumbs(const req_ctx *rc, bool list, json_t *inst)
{
	g_autofree char *reg = view_href(rc, "/register");
	json_t *c = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (list) {
		g_autofree char *href = view_href(rc, "/register/institutionen");
		json_array_append_new(c, json_pack("{s:s,s:s}", "label",
						   view_t(rc, N_("Institutions")), "href", href));
	}
	if (inst) {
		g_autofree char *href = register_href_id(rc, "/register/institutionen/",
						register_jint(inst, "id"), NULL);
		json_array_append_new(c, json_pack("{s:s,s:s}", "label", register_jstr(inst, "name"), "href",
						   href));
	}
	return c;
}

/* "Dr. Petra Beispiel". Newly allocated. */
static char *person_name(json_t *p)
{
	GString *s = g_string_new(NULL);
	const char *parts[] = {register_jstr(p, "title"), register_jstr(p, "first_name"), register_jstr(p, "last_name")};

	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
		if (*parts[i])
			g_string_append_printf(s, "%s%s", s->len ? " " : "", parts[i]);
	return g_string_free(s, FALSE);
}

/* "01.08.2010 – 31.07.2020", "since 01.08.2015", "until …", "". */
static char *period_label(const req_ctx *rc, const char *start, const char *end)
{
	bireg_date a, b;
	bool has_a = start && *start && format_parse_date(start, &a, NULL);
	bool has_b = end && *end && format_parse_date(end, &b, NULL);
	g_autofree char *from = has_a ? format_day(rc->req->lang, &a) : NULL;
	g_autofree char *to = has_b ? format_day(rc->req->lang, &b) : NULL;

	if (has_a && has_b)
		return view_tf(rc, N_("{from} to {to}"), "from", from, "to", to, NULL);
	if (has_a)
		return view_tf(rc, N_("since {from}"), "from", from, NULL);
	if (has_b)
		return view_tf(rc, N_("until {to}"), "to", to, NULL);
	return g_strdup("");
}

/* "Parkstraße 1, 47051 Duisburg". Newly allocated. */
static char *address_line(json_t *i)
{
	g_autofree char *town = g_strjoin(" ", register_jstr(i, "postcode"), register_jstr(i, "city"), NULL);
	g_autofree char *town_t = g_strstrip(g_strdup(town));
	const char *street = register_jstr(i, "street");

	if (*street && *town_t)
		return g_strconcat(street, ", ", town_t, NULL);
	return g_strdup(*street ? street : town_t);
}

/* "Mitte › Altstadt; Hochheide" from a list of areas. */
static char *areas_line(json_t *areas)
{
	GString *s = g_string_new(NULL);
	json_t *a;
	size_t i;

	json_array_foreach(areas, i, a) {
		const char *l = register_jstr(a, "label");
		g_string_append_printf(s, "%s%s", i ? "; " : "", *l ? l : register_jstr(a, "name"));
	}
	return g_string_free(s, FALSE);
}

static char *tags_line(json_t *tags)
{
	GString *s = g_string_new(NULL);
	json_t *t;
	size_t i;

	json_array_foreach(tags, i, t)
		g_string_append_printf(s, "%s%s", i ? ", " : "", json_string_value(t));
	return g_string_free(s, FALSE);
}

/* ---- the list ------------------------------------------------------------ */

static json_t *type_options(req_ctx *rc, json_t *types, int64_t chosen, const char *none)
{
	json_t *opts = json_array(), *t;
	size_t i;

	json_array_append_new(opts, register_option("", none, chosen == 0));
	json_array_foreach(types, i, t) {
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(t, "id"));
		json_array_append_new(opts, register_option(v, institution_type_label(rc, register_jstr(t, "key"), register_jstr(t, "name")),
						   register_jint(t, "id") == chosen));
	}
	return opts;
}

/* [{label (hierarchy), options}] for <optgroup>s. */
static json_t *area_groups(req_ctx *rc, json_t *areas, int64_t chosen)
{
	static const char *const hs[] = {AREA_HIERARCHY_ADMIN, AREA_HIERARCHY_SOCIAL};
	json_t *groups = json_array();

	for (size_t h = 0; h < G_N_ELEMENTS(hs); h++) {
		json_t *opts = json_array(), *a;
		size_t i;
		json_array_foreach(areas, i, a) {
			g_autofree char *v = NULL;
			if (strcmp(register_jstr(a, "hierarchy"), hs[h]))
				continue;
			v = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(a, "id"));
			json_array_append_new(opts, register_option(v, register_jstr(a, "label"), register_jint(a, "id") == chosen));
		}
		if (json_array_size(opts))
			json_array_append_new(groups, json_pack("{s:s,s:o}", "label",
								area_hierarchy_label(rc, hs[h]),
								"options", opts));
		else
			json_decref(opts);
	}
	return groups;
}

static json_t *list_row(req_ctx *rc, json_t *r)
{
	json_t *row = json_deep_copy(r);
	g_autofree char *href = register_href_id(rc, "/register/institutionen/", register_jint(r, "id"), NULL);
	g_autofree char *addr = address_line(r);
	g_autofree char *areas = areas_line(json_object_get(r, "areas"));
	g_autofree char *tags = tags_line(json_object_get(r, "tags"));

	json_object_set_new(row, "href", json_string(href));
	json_object_set_new(row, "type_label",
			    json_string(institution_type_label(rc, register_jstr(r, "type_key"), register_jstr(r, "type_name"))));
	json_object_set_new(row, "address", json_string(addr));
	json_object_set_new(row, "areas_label", json_string(areas));
	json_object_set_new(row, "tags_label", json_string(tags));
	return row;
}

static int institutions_list(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw_q = http_params_get(rc->req->query, "q");
	g_autofree char *q = text_collapse_ws(raw_q ? raw_q : "");
	const char *tag = http_params_get(rc->req->query, "schlagwort");
	const char *sort = http_params_get(rc->req->query, "sortierung");
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	int64_t type_id = register_query_id(rc, "art"), area_id = register_query_id(rc, "gebiet");
	bool searching = q && *q;
	list_page page = list_page_from(rc, PER_PAGE);
	const char *store_sort;
	const char *q_error = NULL;
	json_t *res, *types, *areas, *tags, *rows, *r, *model, *sorts, *tag_opts, *t;
	g_autofree char *action = view_href(rc, "/register/institutionen");
	g_autofree char *new_href = view_href(rc, "/register/institutionen/neu");
	g_autofree char *types_href = view_href(rc, "/register/institutionsarten");
	g_autofree char *areas_href = view_href(rc, "/register/gebiete");
	static const struct {
		const char *value, *store, *label;
	} sort_choices[] = {
		{"relevanz", "relevance", N_("Best match (without a search: by name)")},
		{"name", "name", N_("Name")},
		{"plz", "postcode", N_("Postcode")},
		{"art", "type", N_("Kind of institution")},
	};
	size_t i;
	int status = 200;

	if (type_id < 0 || area_id < 0)
		return 400;
	if (!tag)
		tag = "";
	/* "relevanz" is the default: best hit first for a search, by name
	 * otherwise, so that searching from a list sorted by default finds
	 * the best hits first. */
	if (!sort || !*sort)
		sort = "relevanz";
	store_sort = "name";
	for (i = 0; i < G_N_ELEMENTS(sort_choices); i++)
		if (!strcmp(sort, sort_choices[i].value))
			store_sort = sort_choices[i].store;

	res = institution_store_list(&rc->ctx,
				     &(institution_filter){.type_id = type_id, .area_id = area_id,
							   .tag = tag, .q = q, .sort = store_sort,
							   .limit = page.per_page,
							   .offset = page.offset},
				     &err);
	if (!res) {
		if (!err || err->domain != BIREG_SEARCH_ERROR)
			return register_store_failed(rc, "listing institutions", err);
		q_error = register_query_error(rc, err);
		status = 422;
		res = json_pack("{s:i,s:[]}", "total", 0, "rows");
	}
	types = institution_type_list(&rc->ctx, &err);
	areas = types ? area_store_list(&rc->ctx, NULL, &err) : NULL;
	tags = areas ? institution_store_tags(&rc->ctx, &err) : NULL;
	if (!tags) {
		json_decref(res);
		json_decref(types);
		json_decref(areas);
		return register_store_failed(rc, "reading the list's filters", err);
	}
	rows = json_array();
	json_array_foreach(json_object_get(res, "rows"), i, r)
		json_array_append_new(rows, list_row(rc, r));
	sorts = json_array();
	for (i = 0; i < G_N_ELEMENTS(sort_choices); i++)
		json_array_append_new(sorts, register_option(sort_choices[i].value,
							    view_t(rc, sort_choices[i].label),
							    !strcmp(sort, sort_choices[i].value)));
	tag_opts = json_array();
	json_array_append_new(tag_opts, register_option("", view_t(rc, N_("All tags")), !*tag));
	json_array_foreach(tags, i, t)
		json_array_append_new(tag_opts, register_option(json_string_value(t), json_string_value(t),
						       !strcmp(tag, json_string_value(t))));

	model = json_pack(
		"{s:s,s:I,s:b,s:o,s:s,s:s,s:s,s:s,s:{s:s,s:s,s:o,s:o,s:b,s:o,s:o,s:b,s:s}}",
		"notice", !g_strcmp0(saved, "geloescht") ? view_t(rc, N_("The institution has been deleted.")) : "",
		"total", (json_int_t)register_jint(res, "total"), "has_rows", json_array_size(rows) > 0,
		"rows", rows, "new_href", new_href, "types_href", types_href, "areas_href",
		areas_href, "q_error", q_error ? q_error : "", "filters", "action", action, "q",
		q ? q : "", "types", type_options(rc, types, type_id, view_t(rc, N_("All kinds"))),
		"area_groups", area_groups(rc, areas, area_id), "no_area", area_id == 0, "tags",
		tag_opts, "sorts", sorts, "active",
		searching || type_id || area_id || *tag, "reset_href", action);
	json_object_set_new(model, "filter",
			    json_pack("{s:I,s:I,s:s,s:s,s:s}", "type_id", (json_int_t)type_id,
				      "area_id", (json_int_t)area_id, "tag", tag, "q", q ? q : "",
				      "sort", sort));
	json_object_set_new(model, "pagination",
			    list_pagination_model(rc, "/register/institutionen", register_jint(res, "total"), page));
	json_object_set_new(model, "errors",
			    q_error ? json_pack("[{s:s,s:s}]", "field", "q", "message", q_error)
				    : json_array());
	json_decref(res);
	json_decref(types);
	json_decref(areas);
	json_decref(tags);
	register_export_links(rc, model, "/register/institutionen");
	return view_page_full(rc, status, "pages/register_institutions",
			      view_t(rc, N_("Institutions")), model, crumbs(rc, false, NULL));
}

/* ---- the detail page ------------------------------------------------------ */

static json_t *person_rows(req_ctx *rc, json_t *people, bool current)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(people, i, p) {
		g_autofree char *name = NULL, *href = NULL, *period = NULL;
		json_t *row;
		if (json_is_true(json_object_get(p, "current")) != current)
			continue;
		name = person_name(p);
		href = register_href_id(rc, "/register/personen/", register_jint(p, "person_id"), NULL);
		period = period_label(rc, register_jstr(p, "start_day"), register_jstr(p, "end_day"));
		row = json_deep_copy(p);
		json_object_set_new(row, "name", json_string(name));
		json_object_set_new(row, "href", json_string(href));
		json_object_set_new(row, "period", json_string(period));
		json_array_append_new(out, row);
	}
	return out;
}

static json_t *body_rows(req_ctx *rc, json_t *bodies, bool current)
{
	json_t *out = json_array(), *b;
	size_t i;

	json_array_foreach(bodies, i, b) {
		g_autofree char *name = NULL, *href = NULL, *person = NULL, *period = NULL;
		json_t *row;
		if (json_is_true(json_object_get(b, "current")) != current)
			continue;
		name = person_name(b);
		href = register_href_id(rc, "/register/gremien/", register_jint(b, "body_id"), NULL);
		person = register_href_id(rc, "/register/personen/", register_jint(b, "person_id"), NULL);
		period = period_label(rc, register_jstr(b, "start_day"), register_jstr(b, "end_day"));
		row = json_deep_copy(b);
		json_object_set_new(row, "person_name", json_string(name));
		json_object_set_new(row, "body_href", json_string(href));
		json_object_set_new(row, "person_href", json_string(person));
		json_object_set_new(row, "role_label", json_string(membership_role_label(rc, register_jstr(b, "role"))));
		json_object_set_new(row, "period", json_string(period));
		json_array_append_new(out, row);
	}
	return out;
}

/* The institution with the labels the pages show. */
static void add_labels(req_ctx *rc, json_t *inst)
{
	g_autofree char *addr = address_line(inst);
	g_autofree char *areas = areas_line(json_object_get(inst, "areas"));
	const char *web = register_jstr(inst, "website"), *mail = register_jstr(inst, "email");
	const char *legal = register_jstr(inst, "legal_form");
	g_autofree char *mailto = *mail ? g_strconcat("mailto:", mail, NULL) : g_strdup("");

	json_object_set_new(inst, "type_label",
			    json_string(institution_type_label(rc, register_jstr(inst, "type_key"), register_jstr(inst, "type_name"))));
	json_object_set_new(inst, "address", json_string(addr));
	json_object_set_new(inst, "areas_label", json_string(areas));
	/* Only http(s) addresses become links (the form allows no others,
	 * but a stored value might predate that rule). */
	json_object_set_new(inst, "website_href",
			    json_string(g_str_has_prefix(web, "https://") || g_str_has_prefix(web, "http://") ? web : ""));
	json_object_set_new(inst, "email_href", json_string(mailto));
	json_object_set_new(inst, "legal_form_text",
			    json_string(!strcmp(legal, "1") ? view_t(rc, N_("public"))
					: !strcmp(legal, "2") ? view_t(rc, N_("private")) : ""));
	json_object_set_new(inst, "has_school_data",
			    json_boolean(*register_jstr(inst, "school_number") || *register_jstr(inst, "school_form") ||
					 *legal || *register_jstr(inst, "carrier_number")));
}

static json_t *load_institution(req_ctx *rc, int *status)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *inst;

	*status = 404;
	if (!id)
		return NULL;
	inst = institution_store_get(&rc->ctx, id, &err);
	if (!inst)
		*status = register_store_failed(rc, "reading an institution", err);
	return inst;
}

static int institution_show(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int status;
	json_t *inst = load_institution(rc, &status), *people, *bodies, *model;
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	int64_t id;

	if (!inst)
		return status;
	id = register_jint(inst, "id");
	people = institution_store_people(&rc->ctx, id, &err);
	bodies = people ? institution_store_bodies(&rc->ctx, id, &err) : NULL;
	if (!bodies) {
		json_decref(inst);
		json_decref(people);
		return register_store_failed(rc, "reading an institution's relations", err);
	}
	add_labels(rc, inst);
	{
		g_autofree char *edit = register_href_id(rc, "/register/institutionen/", id, "/bearbeiten");
		g_autofree char *del = register_href_id(rc, "/register/institutionen/", id, "/loeschen");
		g_autofree char *list = view_href(rc, "/register/institutionen");
		json_t *pc = person_rows(rc, people, true), *pf = person_rows(rc, people, false);
		json_t *bc = body_rows(rc, bodies, true), *bf = body_rows(rc, bodies, false);
		model = json_pack(
			"{s:o,s:s,s:s,s:s,s:s,s:{s:b,s:o,s:b,s:o},s:{s:b,s:o,s:b,s:o}}", "institution",
			inst, "notice", saved ? view_t(rc, N_("The institution has been saved.")) : "",
			"edit_href", edit, "delete_href", del, "list_href", list, "people",
			"has_current", json_array_size(pc) > 0, "current", pc, "has_former",
			json_array_size(pf) > 0, "former", pf, "bodies", "has_current",
			json_array_size(bc) > 0, "current", bc, "has_former", json_array_size(bf) > 0,
			"former", bf);
	}
	json_decref(people);
	json_decref(bodies);
	{
		g_autofree char *log_href =
			register_href_id(rc, "/register/institutionen/", id, "/protokoll");
		json_object_set_new(model, "changelog_href", json_string(log_href));
	}
	return view_page_full(rc, 200, "pages/register_institution", register_jstr(inst, "name"), model,
			      crumbs(rc, true, NULL));
}

/* ---- the form --------------------------------------------------------------- */

static const form_field inst_fields[] = {
	{"type_id", N_("Kind of institution"),
	 N_("The school details further down are only for kinds with school fields, such as Schule."),
	 FORM_SELECT, .required = true, .group = N_("Institution")},
	{"name", N_("Name"), NULL, FORM_TEXT, .required = true, .max_chars = 200},
	{"name_extra", N_("Addition to the name"),
	 N_("For example the second line of a school's official name."), FORM_TEXT, .required = false,
	 .max_chars = 200},
	{"short_name", N_("Short name"), N_("For example GGS Am Park."), FORM_TEXT, .required = false,
	 .max_chars = 100},
	{"street", N_("Street and number"), NULL, FORM_TEXT, .required = false, .max_chars = 200,
	 .group = N_("Address and contact"), .autocomplete = "off"},
	{"postcode", N_("Postcode"), N_("Five digits."), FORM_POSTCODE, .required = false},
	{"city", N_("Town or city"), NULL, FORM_TEXT, .required = false, .max_chars = 100},
	{"phone", N_("Phone"), NULL, FORM_TEL, .required = false, .max_chars = 50},
	{"email", N_("Email address"), NULL, FORM_EMAIL, .required = false, .max_chars = 254},
	{"website", N_("Website"), N_("Beginning with https://."), FORM_URL, .required = false, .max_chars = 300},
	{"area_admin", N_("Stadtbezirk or Ortsteil"),
	 N_("Left empty, the area is taken from the postcode table when the postcode is listed there."),
	 FORM_SELECT, .required = false, .group = N_("Areas")},
	{"area_social", N_("Sozialraum"),
	 N_("Left empty, the area is taken from the postcode table when the postcode is listed there."),
	 FORM_SELECT, .required = false},
	{"tags", N_("Tags"), N_("Separated by commas, for example Inklusion, Ganztag."), FORM_TEXT, .required = false,
	 .max_chars = 2000, .group = N_("Tags and notes")},
	{"notes", N_("Notes"), N_("Only the office sees them."), FORM_TEXTAREA, .required = false, .max_chars = 5000},
	{"school_number", N_("School number"),
	 N_("Six digits, as in the school directory of North Rhine-Westphalia."), FORM_TEXT, .required = false,
	 .max_chars = 6, .group = N_("School details (only for schools)")},
	{"school_form", N_("School form"), NULL, FORM_SELECT, .required = false},
	{"legal_form", N_("Legal form"), NULL, FORM_SELECT, .required = false},
	{"carrier_number", N_("Provider number"),
	 N_("The Trägernummer of the school directory, up to ten digits."), FORM_TEXT, .required = false,
	 .max_chars = 10},
};

static int add_options(form *f, req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *types = institution_type_list(&rc->ctx, &err);
	json_t *areas = types ? area_store_list(&rc->ctx, NULL, &err) : NULL;
	size_t i, n;
	json_t *x;
	const school_form_entry *forms = school_form_table(&n);

	if (!areas) {
		json_decref(types);
		return register_store_failed(rc, "reading the form's choices", err);
	}
	form_add_option(f, "type_id", "", view_t(rc, N_("Please choose")));
	json_array_foreach(types, i, x) {
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(x, "id"));
		form_add_option(f, "type_id", v, institution_type_label(rc, register_jstr(x, "key"), register_jstr(x, "name")));
	}
	form_add_option(f, "area_admin", "", view_t(rc, N_("None, or from the postcode table")));
	form_add_option(f, "area_social", "", view_t(rc, N_("None, or from the postcode table")));
	json_array_foreach(areas, i, x) {
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(x, "id"));
		form_add_option(f, strcmp(register_jstr(x, "hierarchy"), AREA_HIERARCHY_ADMIN) ? "area_social" : "area_admin",
				v, register_jstr(x, "label"));
	}
	form_add_option(f, "school_form", "", view_t(rc, N_("None")));
	{
		/* Every code the region knows, with its label (school_form_list). */
		g_autoptr(GError) ferr = NULL;
		json_t *codes = school_form_list(&rc->ctx, &ferr);
		if (codes) {
			json_array_foreach(codes, i, x) {
				g_autofree char *label = g_strdup_printf("%s (%s)", register_jstr(x, "label"),
									 register_jstr(x, "code"));
				form_add_option(f, "school_form", register_jstr(x, "code"), label);
			}
			json_decref(codes);
		} else {
			for (i = 0; i < n; i++) {
				g_autofree char *label = g_strdup_printf("%s (%s)", forms[i].label, forms[i].code);
				form_add_option(f, "school_form", forms[i].code, label);
			}
		}
	}
	form_add_option(f, "legal_form", "", view_t(rc, N_("None")));
	form_add_option(f, "legal_form", "1", view_t(rc, N_("public")));
	form_add_option(f, "legal_form", "2", view_t(rc, N_("private")));
	json_decref(types);
	json_decref(areas);
	return 0;
}

static int form_page(req_ctx *rc, int status, form *f, json_t *inst)
{
	bool editing = inst != NULL;
	g_autofree char *action = editing
		? register_href_id(rc, "/register/institutionen/", register_jint(inst, "id"), "/bearbeiten")
		: view_href(rc, "/register/institutionen/neu");
	g_autofree char *cancel = editing
		? register_href_id(rc, "/register/institutionen/", register_jint(inst, "id"), NULL)
		: view_href(rc, "/register/institutionen");
	g_autofree char *title = editing
		? view_tf(rc, N_("Edit {name}"), "name", register_jstr(inst, "name"), NULL)
		: g_strdup(view_t(rc, N_("New institution")));
	json_t *model = json_pack("{s:s,s:s,s:s,s:b}", "heading", title, "action", action,
				  "cancel_href", cancel, "editing", editing);

	register_put_form(model, f, rc);
	return view_page_full(rc, status, "pages/register_institution_form", title, model,
			      crumbs(rc, true, inst));
}

static int institution_new(req_ctx *rc)
{
	g_autoptr(form) f = form_new(inst_fields, G_N_ELEMENTS(inst_fields), "institution");
	int status = add_options(f, rc);
	const char *art = http_params_get(rc->req->query, "art");

	if (status)
		return status;
	if (art)
		form_set(f, "type_id", art);
	return form_page(rc, 200, f, NULL);
}

/* Saves the form (create when id is 0). Returns the id, or -1 with err. */
static int64_t save(req_ctx *rc, const form *f, int64_t id, GError **err)
{
	g_auto(GStrv) tags = institution_tags_parse(form_value(f, "tags"));
	int64_t areas[2] = {form_int(f, "area_admin"), form_int(f, "area_social")};
	institution_input in = {
		.type_id = form_int(f, "type_id"),
		.name = form_value(f, "name"),
		.name_extra = form_value(f, "name_extra"),
		.short_name = form_value(f, "short_name"),
		.street = form_value(f, "street"),
		.postcode = form_value(f, "postcode"),
		.city = form_value(f, "city"),
		.phone = form_value(f, "phone"),
		.email = form_value(f, "email"),
		.website = form_value(f, "website"),
		.notes = form_value(f, "notes"),
		.school_number = form_value(f, "school_number"),
		.school_form = form_value(f, "school_form"),
		.legal_form = form_value(f, "legal_form"),
		.carrier_number = form_value(f, "carrier_number"),
		.area_ids = areas,
		.n_areas = 2,
		.tags = (const char *const *)tags,
	};

	if (id)
		return institution_store_update(&rc->ctx, id, &in, err) < 0 ? -1 : id;
	return institution_store_create(&rc->ctx, &in, err);
}

static int saved_redirect(req_ctx *rc, int64_t id)
{
	g_autofree char *to = g_strdup_printf("/register/institutionen/%" G_GINT64_FORMAT
					      "?gespeichert=1", (gint64)id);
	return view_redirect(rc, to);
}

static int institution_create(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(inst_fields, G_N_ELEMENTS(inst_fields), "institution");
	int status = add_options(f, rc);
	int64_t id;

	if (status)
		return status;
	if (!form_read(f, rc))
		return form_page(rc, 422, f, NULL);
	id = save(rc, f, 0, &err);
	if (id < 0) {
		if (register_error_to_form(f, rc, err))
			return form_page(rc, 422, f, NULL);
		return register_store_failed(rc, "creating an institution", err);
	}
	log_info("request %s: institution %" G_GINT64_FORMAT " created by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	return saved_redirect(rc, id);
}

static void form_from(form *f, json_t *inst)
{
	g_autofree char *admin = NULL, *social = NULL;

	form_set_json(f, inst);
	if (register_jint(inst, "area_admin_id"))
		admin = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(inst, "area_admin_id"));
	if (register_jint(inst, "area_social_id"))
		social = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)register_jint(inst, "area_social_id"));
	form_set(f, "area_admin", admin);
	form_set(f, "area_social", social);
	form_set(f, "tags", register_jstr(inst, "tags_text"));
}

static int institution_edit(req_ctx *rc)
{
	g_autoptr(form) f = form_new(inst_fields, G_N_ELEMENTS(inst_fields), "institution");
	int status;
	json_t *inst = load_institution(rc, &status);

	if (!inst)
		return status;
	status = add_options(f, rc);
	if (!status) {
		form_from(f, inst);
		status = form_page(rc, 200, f, inst);
	}
	json_decref(inst);
	return status;
}

static int institution_update(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(inst_fields, G_N_ELEMENTS(inst_fields), "institution");
	int status;
	json_t *inst = load_institution(rc, &status);
	int64_t id;

	if (!inst)
		return status;
	status = add_options(f, rc);
	if (status)
		goto out;
	id = register_jint(inst, "id");
	if (!form_read(f, rc)) {
		status = form_page(rc, 422, f, inst);
		goto out;
	}
	if (save(rc, f, id, &err) < 0) {
		status = register_error_to_form(f, rc, err) ? form_page(rc, 422, f, inst)
							    : register_store_failed(rc, "changing an institution", err);
		goto out;
	}
	log_info("request %s: institution %" G_GINT64_FORMAT " changed by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	status = saved_redirect(rc, id);
out:
	json_decref(inst);
	return status;
}

/* ---- delete -------------------------------------------------------------- */

static int delete_page(req_ctx *rc, int status, json_t *inst, const char *error)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_jint(inst, "id");
	json_t *people = institution_store_people(&rc->ctx, id, &err);
	json_t *bodies = people ? institution_store_bodies(&rc->ctx, id, &err) : NULL;
	g_autofree char *action = register_href_id(rc, "/register/institutionen/", id, "/loeschen");
	g_autofree char *cancel = register_href_id(rc, "/register/institutionen/", id, NULL);
	g_autofree char *title = view_tf(rc, N_("Delete {name}"), "name", register_jstr(inst, "name"), NULL);
	json_t *model;

	if (!bodies) {
		json_decref(people);
		return register_store_failed(rc, "reading an institution's relations", err);
	}
	model = json_pack("{s:s,s:s,s:s,s:O,s:I,s:I,s:b,s:s,s:b}", "heading", title, "action", action,
			  "cancel_href", cancel, "institution", inst, "people",
			  (json_int_t)json_array_size(people), "memberships",
			  (json_int_t)json_array_size(bodies), "in_use",
			  json_array_size(people) + json_array_size(bodies) > 0, "error",
			  error ? error : "", "has_error", error != NULL);
	json_object_set_new(model, "errors",
			    error ? json_pack("[{s:s,s:s}]", "field", "", "message", error) : json_array());
	json_decref(people);
	json_decref(bodies);
	return view_page_full(rc, status, "pages/register_institution_delete", title, model,
			      crumbs(rc, true, inst));
}

static int institution_delete_confirm(req_ctx *rc)
{
	int status;
	json_t *inst = load_institution(rc, &status);

	if (!inst)
		return status;
	status = delete_page(rc, 200, inst, NULL);
	json_decref(inst);
	return status;
}

static int institution_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int status;
	json_t *inst = load_institution(rc, &status);
	int64_t id;

	if (!inst)
		return status;
	id = register_jint(inst, "id");
	if (institution_store_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE))
			status = delete_page(rc, 409, inst, view_t(rc, register_error_msgid(err)));
		else
			status = register_store_failed(rc, "deleting an institution", err);
		json_decref(inst);
		return status;
	}
	json_decref(inst);
	log_info("request %s: institution %" G_GINT64_FORMAT " deleted by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	return view_redirect(rc, "/register/institutionen?gespeichert=geloescht");
}

/* ---- kinds ---------------------------------------------------------------- */

static const form_field type_fields[] = {
	{"name", N_("Name of the kind"), N_("For example Familienzentrum."), FORM_TEXT,
	 .required = true, .max_chars = 80},
	{"is_school", N_("Institutions of this kind have school fields (school number, school form)"),
	 NULL, FORM_CHECKBOX, .required = false},
};

/* The page of kinds. A failed rename shows its message in the row of
 * rename_id, with the name as typed. */
static int types_page(req_ctx *rc, int status, form *add, const char *notice, int64_t rename_id,
		      const char *rename_value, const char *rename_error)
{
	g_autoptr(GError) err = NULL;
	json_t *types = institution_type_list(&rc->ctx, &err), *rows, *t, *model, *errors;
	g_autofree char *action = view_href(rc, "/register/institutionsarten");
	size_t i;

	if (!types)
		return register_store_failed(rc, "listing kinds of institution", err);
	rows = json_array();
	json_array_foreach(types, i, t) {
		int64_t id = register_jint(t, "id");
		bool failed = rename_id == id && rename_error;
		g_autofree char *rename = register_href_id(rc, "/register/institutionsarten/", id, NULL);
		g_autofree char *del = register_href_id(rc, "/register/institutionsarten/", id, "/loeschen");
		g_autofree char *list_path = g_strdup_printf("/register/institutionen?art=%" G_GINT64_FORMAT, (gint64)id);
		g_autofree char *list = view_href(rc, list_path);
		g_autofree char *count = format_int(rc->req->lang, register_jint(t, "institutions"));
		json_t *row = json_deep_copy(t);
		json_object_set_new(row, "label", json_string(institution_type_label(rc, register_jstr(t, "key"), register_jstr(t, "name"))));
		json_object_set_new(row, "rename_action", json_string(rename));
		json_object_set_new(row, "delete_action", json_string(del));
		json_object_set_new(row, "list_href", json_string(list));
		json_object_set_new(row, "count", json_string(count));
		json_object_set_new(row, "can_delete", json_boolean(register_jint(t, "institutions") == 0));
		json_object_set_new(row, "rename_value", json_string(failed ? rename_value : register_jstr(t, "name")));
		json_object_set_new(row, "rename_error", json_string(failed ? rename_error : ""));
		json_array_append_new(rows, row);
	}
	json_decref(types);
	model = json_pack("{s:s,s:s,s:o}", "notice", notice ? notice : "", "action", action, "types", rows);
	register_put_form(model, add, rc);
	if (rename_error) {
		g_autofree char *field = g_strdup_printf("type-%" G_GINT64_FORMAT "-name", (gint64)rename_id);
		errors = json_object_get(model, "errors");
		json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "field", "name", "id", field,
							"message", rename_error));
	}
	json_object_set_new(model, "has_rename_error", json_boolean(rename_error != NULL));
	json_object_set_new(model, "rename_error", json_string(rename_error ? rename_error : ""));
	json_object_set_new(model, "rename_error_id", json_integer(rename_error ? rename_id : 0));
	return view_page_full(rc, status, "pages/register_institution_types",
			      view_t(rc, N_("Kinds of institution")), model, crumbs(rc, true, NULL));
}

static int types_get(req_ctx *rc)
{
	g_autoptr(form) f = form_new(type_fields, G_N_ELEMENTS(type_fields), "type");
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	const char *notice = NULL;

	if (!g_strcmp0(saved, "neu"))
		notice = view_t(rc, N_("The kind has been added."));
	else if (!g_strcmp0(saved, "umbenannt"))
		notice = view_t(rc, N_("The kind has been renamed."));
	else if (!g_strcmp0(saved, "geloescht"))
		notice = view_t(rc, N_("The kind has been deleted."));
	return types_page(rc, 200, f, notice, 0, NULL, NULL);
}

static int type_add(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(type_fields, G_N_ELEMENTS(type_fields), "type");

	if (!form_read(f, rc))
		return types_page(rc, 422, f, NULL, 0, NULL, NULL);
	if (institution_type_add(&rc->ctx, form_value(f, "name"), form_bool(f, "is_school"), &err) < 0) {
		if (register_error_to_form(f, rc, err))
			return types_page(rc, 422, f, NULL, 0, NULL, NULL);
		return register_store_failed(rc, "adding a kind of institution", err);
	}
	return view_redirect(rc, "/register/institutionsarten?gespeichert=neu");
}

static int type_rename(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) add = form_new(type_fields, G_N_ELEMENTS(type_fields), "type");
	g_autoptr(form) f = form_new(type_fields, 1, "rename");
	int64_t id = register_path_id(rc, "id");
	json_t *t;

	if (!id)
		return 404;
	t = institution_type_get(&rc->ctx, id, &err);
	if (!t)
		return register_store_failed(rc, "reading a kind of institution", err);
	json_decref(t);
	if (!form_read(f, rc) ||
	    (institution_type_rename(&rc->ctx, id, form_value(f, "name"), &err) < 0 &&
	     register_error_to_form(f, rc, err))) {
		/* The message of the field (form.c's or the store's). */
		json_t *fm = form_model(f, rc);
		json_t *e = json_array_get(json_object_get(fm, "errors"), 0);
		g_autofree char *msg = g_strdup(register_jstr(e, "message"));
		int status;
		json_decref(fm);
		status = types_page(rc, 422, add, NULL, id, form_value(f, "name"), msg);
		return status;
	}
	if (err)
		return register_store_failed(rc, "renaming a kind of institution", err);
	return view_redirect(rc, "/register/institutionsarten?gespeichert=umbenannt");
}

static int type_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");

	if (!id)
		return 404;
	if (institution_type_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE)) {
			g_autoptr(form) add = form_new(type_fields, G_N_ELEMENTS(type_fields), "type");
			form_error(add, "", view_t(rc, register_error_msgid(err)));
			return types_page(rc, 409, add, NULL, 0, NULL, NULL);
		}
		return register_store_failed(rc, "deleting a kind of institution", err);
	}
	return view_redirect(rc, "/register/institutionsarten?gespeichert=geloescht");
}

/* ---- routes --------------------------------------------------------------- */

static const param_rule list_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "art", .kind = PARAM_STRING, .max_len = 20},
	{.name = "gebiet", .kind = PARAM_STRING, .max_len = 20},
	{.name = "schlagwort", .kind = PARAM_STRING, .max_len = 400},
	{.name = "sortierung", .kind = PARAM_ENUM, .choices = "name|plz|art|relevanz"},
	{.name = "seite", .kind = PARAM_STRING, .max_len = 20},
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "geloescht"},
	{0},
};

static const param_rule new_params[] = {
	{.name = "art", .kind = PARAM_INT, .min = 1, .max = G_MAXINT64},
	{0},
};

static const param_rule show_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};

static const param_rule types_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "neu|umbenannt|geloescht"},
	{0},
};

/* Generous bounds: form.c gives the precise message next to the field. */
static const param_rule inst_form_params[] = {
	{.name = "type_id", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "name", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "name_extra", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "short_name", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "street", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "postcode", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "city", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "phone", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "email", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "website", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "area_admin", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "area_social", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "tags", .kind = PARAM_STRING, .max_len = 8000},
	{.name = "notes", .kind = PARAM_STRING, .max_len = 40000},
	{.name = "school_number", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "school_form", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "legal_form", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "carrier_number", .kind = PARAM_STRING, .max_len = 4000},
	{0},
};

static const param_rule type_form_params[] = {
	{.name = "name", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "is_school", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

#define FORM_BODY (128 * 1024)

const route institution_routes[] = {
	{HTTP_GET, "/register/institutionen", "register.institution.list", perm_office, "office",
	 list_params, institutions_list, ROUTE_REGION, 0},
	{HTTP_GET, "/register/institutionen/neu", "register.institution.new", perm_office, "office",
	 new_params, institution_new, ROUTE_REGION, 0},
	{HTTP_POST, "/register/institutionen/neu", "register.institution.create", perm_office,
	 "office", inst_form_params, institution_create, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/institutionen/{id}", "register.institution.show", perm_office,
	 "office", show_params, institution_show, ROUTE_REGION, 0},
	{HTTP_GET, "/register/institutionen/{id}/bearbeiten", "register.institution.edit",
	 perm_office, "office", NULL, institution_edit, ROUTE_REGION, 0},
	{HTTP_POST, "/register/institutionen/{id}/bearbeiten", "register.institution.update",
	 perm_office, "office", inst_form_params, institution_update, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/institutionen/{id}/loeschen", "register.institution.delete_confirm",
	 perm_office, "office", NULL, institution_delete_confirm, ROUTE_REGION, 0},
	{HTTP_POST, "/register/institutionen/{id}/loeschen", "register.institution.delete",
	 perm_office, "office", NULL, institution_delete, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, "/register/institutionsarten", "register.institution_type.list", perm_office,
	 "office", types_params, types_get, ROUTE_REGION, 0},
	{HTTP_POST, "/register/institutionsarten", "register.institution_type.add", perm_office,
	 "office", type_form_params, type_add, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, "/register/institutionsarten/{id}", "register.institution_type.rename",
	 perm_office, "office", type_form_params, type_rename, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, "/register/institutionsarten/{id}/loeschen", "register.institution_type.delete",
	 perm_office, "office", NULL, type_delete, ROUTE_REGION, FORM_BODY},
	{0},
};
