/*
 * register_web.c — the register's overview and its search (see
 * register_web.h).
 *
 * The overview counts what the register holds and links to every page of
 * it. The search runs over the entries the stores keep (register_index.h:
 * name hits first, then hits through the text), shows each hit with its
 * kind and a line of context read from the rows themselves (a person's
 * function and institutions, an institution's kind and town, a body's type
 * and level), and pages through them. Everything is the office's: people's
 * contact data is personal data.
 */
#include "modules/register/register_web.h"

#include <string.h>

#include "core/text.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "modules/register/register_index.h"
#include "search/search.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

/* Hits per page of the search. */
#define SEARCH_PER_PAGE 25

/* ---- the overview --------------------------------------------------------- */

/* One number of the region: SELECT count(*) with the region as $1 and
 * today as $2 (when the SQL names it). -1 on error. */
static int64_t count_of(const bireg_ctx *ctx, const char *sql, const char *today, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	if (today)
		db_bind_text(st, 2, today);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

/* A link of the overview: {href, label, description}. */
static json_t *overview_link(req_ctx *rc, const char *path, const char *label, const char *description)
{
	g_autofree char *href = view_href(rc, path);
	return json_pack("{s:s,s:s,s:s}", "href", href, "label", view_t(rc, label), "description",
			 view_t(rc, description));
}

/* {key, value, value_label, label, href} for one count. */
static json_t *count_card(req_ctx *rc, const char *key, int64_t n, const char *one,
			  const char *many, const char *path)
{
	g_autofree char *num = format_int(rc->req->lang, n);
	g_autofree char *href = view_href(rc, path);
	g_autofree char *label = view_tf(rc, n == 1 ? one : many, "n", num, NULL);
	return json_pack("{s:s,s:I,s:s,s:s,s:s}", "key", key, "value", (json_int_t)n, "value_label",
			 num, "label", label, "href", href);
}

static int overview(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *today = register_today();
	g_autofree char *search_action = view_href(rc, "/register/suche");
	int64_t n_inst, n_people, n_bodies, n_members;

	n_inst = count_of(&rc->ctx, "SELECT count(*) FROM institution WHERE region_id = $1", NULL,
			  &err);
	n_people = n_inst < 0 ? -1
		   : count_of(&rc->ctx, "SELECT count(*) FROM person WHERE region_id = $1", NULL,
			      &err);
	n_bodies = n_people < 0 ? -1
		   : count_of(&rc->ctx, "SELECT count(*) FROM body WHERE region_id = $1", NULL,
			      &err);
	n_members = n_bodies < 0 ? -1
		    : count_of(&rc->ctx,
			       "SELECT count(*) FROM membership WHERE region_id = $1 "
			       "AND (start_day IS NULL OR start_day <= $2) "
			       "AND (end_day IS NULL OR end_day >= $2)",
			       today, &err);
	if (n_members < 0)
		return register_status_for(err);

	json_t *counts = json_array();
	json_array_append_new(counts, count_card(rc, "institutions", n_inst, N_("{n} institution"),
						 N_("{n} institutions"), "/register/institutionen"));
	json_array_append_new(counts, count_card(rc, "people", n_people, N_("{n} person"),
						 N_("{n} people"), "/register/personen"));
	json_array_append_new(counts, count_card(rc, "bodies", n_bodies, N_("{n} body"),
						 N_("{n} bodies"), "/register/gremien"));
	json_array_append_new(counts, count_card(rc, "memberships", n_members,
						 N_("{n} current membership"),
						 N_("{n} current memberships"), "/register/gremien"));

	json_t *links = json_array();
	json_array_append_new(links, overview_link(rc, "/register/institutionen", N_("Institutions"),
					  N_("Schools, day-care centres, providers, associations, "
					     "authorities and other partners, with their areas and "
					     "tags.")));
	json_array_append_new(links, overview_link(rc, "/register/personen", N_("People"),
					  N_("Contacts with their salutation, affiliations, "
					     "consents and memberships.")));
	json_array_append_new(links, overview_link(rc, "/register/gremien", N_("Bodies"),
					  N_("Bodies on every level with their rules of procedure "
					     "and members.")));
	json_array_append_new(links, overview_link(rc, "/register/protokoll",
					  N_("Change log of the register"),
					  N_("Who changed what and when in the register, and every "
					     "export of lists with personal data.")));
	json_array_append_new(links, overview_link(rc, "/register/netzwerk", N_("Network matrix"),
					  N_("Which institution is represented in which body: to "
					     "print and to export.")));
	json_array_append_new(links, overview_link(rc, "/register/gebiete", N_("Areas"),
					  N_("City districts, quarters and social areas.")));
	json_array_append_new(links, overview_link(rc, "/register/gebiete/plz", N_("Postcode table"),
					  N_("Which area an address belongs to, by postcode.")));
	json_array_append_new(links, overview_link(rc, "/register/institutionsarten",
					  N_("Kinds of institution"),
					  N_("The kinds institutions are sorted by.")));
	json_array_append_new(links, overview_link(rc, "/register/ebenen", N_("Levels"),
					  N_("The levels the bodies belong to, with their names and "
					     "descriptions.")));
	json_array_append_new(links, overview_link(rc, "/register/import", N_("Imports"),
					  N_("People and institutions from CSV or Excel files: "
					     "column mapping, preview, import; every import so far.")));
	json_array_append_new(links, overview_link(rc, "/register/import/schulen",
					  N_("Import the school directory"),
					  N_("The schools of the region from the NRW school directory: "
					     "preview, import and update.")));
	json_array_append_new(links, overview_link(rc, "/register/schulformen", N_("School forms"),
					  N_("The codes of the school forms and their labels.")));
	json_array_append_new(links, overview_link(rc, "/register/dubletten", N_("Likely duplicates"),
					  N_("People and institutions that may have been entered "
					     "twice: check them and merge them.")));
	json_array_append_new(links, overview_link(rc, "/register/datenschutz", N_("Data protection"),
					  N_("Retention periods, the record of processing "
					     "activities; a person's data export and erasure are on "
					     "their page.")));
	json_array_append_new(links, overview_link(rc, "/gremien", N_("Public body pages"),
					  N_("What the public sees of the bodies.")));

	return view_page(rc, "pages/register_home", view_t(rc, N_("Register")),
			 json_pack("{s:s,s:o,s:o,s:{s:s,s:s}}", "region_name",
				   json_string_value(json_object_get(rc->region, "name")),
				   "counts", counts, "links", links, "search", "action",
				   search_action, "q", ""));
}

/* ---- the search ------------------------------------------------------------ */

static const char *kind_label(const req_ctx *rc, const char *kind)
{
	if (!strcmp(kind, SEARCH_KIND_PERSON))
		return view_t(rc, N_("Person"));
	if (!strcmp(kind, SEARCH_KIND_INSTITUTION))
		return view_t(rc, N_("Institution"));
	return view_t(rc, N_("Body"));
}

static const char *kind_path(const char *kind)
{
	if (!strcmp(kind, SEARCH_KIND_PERSON))
		return "/register/personen";
	if (!strcmp(kind, SEARCH_KIND_INSTITUTION))
		return "/register/institutionen";
	return "/register/gremien";
}

/* "$2, $3, …" for n ids from parameter `first` on. */
static char *placeholders(size_t n, int first)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s$%zu", i ? ", " : "", (size_t)first + i);
	return g_string_free(s, FALSE);
}

/* Runs sql (region $1, today $2 when with_today, then the ids) and calls
 * row() for every row. */
static int for_ids(const bireg_ctx *ctx, const char *sql_head, const char *sql_tail,
		   const char *today, GArray *ids, void (*row)(db_stmt *, json_t *, req_ctx *),
		   json_t *details, req_ctx *rc, GError **err)
{
	int first = today ? 3 : 2;
	g_autofree char *ph = placeholders(ids->len, first);
	g_autofree char *sql = g_strdup_printf("%s (%s)%s", sql_head, ph, sql_tail ? sql_tail : "");
	g_autoptr(db_stmt) st = NULL;
	db_status r;

	if (ids->len == 0)
		return 0;
	st = db_prepare(ctx->db, sql, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	if (today)
		db_bind_text(st, 2, today);
	for (guint i = 0; i < ids->len; i++)
		db_bind_int64(st, first + (int)i, g_array_index(ids, gint64, i));
	while ((r = db_step(st, err)) == DB_ROW)
		row(st, details, rc);
	return r == DB_DONE ? 0 : -1;
}

/* details: "<kind>:<id>" -> array of context parts (strings). */
static json_t *detail_parts(json_t *details, const char *kind, int64_t id)
{
	g_autofree char *key = g_strdup_printf("%s:%" G_GINT64_FORMAT, kind, id);
	json_t *a = json_object_get(details, key);
	if (!a) {
		a = json_array();
		json_object_set_new(details, key, a);
	}
	return a;
}

static void add_part(json_t *parts, const char *s)
{
	if (s && *s)
		json_array_append_new(parts, json_string(s));
}

static void person_row(db_stmt *st, json_t *details, req_ctx *rc)
{
	(void)rc;
	json_t *parts = detail_parts(details, SEARCH_KIND_PERSON, db_col_int64(st, 0));
	add_part(parts, db_col_text(st, 1));
	add_part(parts, db_col_text(st, 2));
}

static void affiliation_row(db_stmt *st, json_t *details, req_ctx *rc)
{
	(void)rc;
	add_part(detail_parts(details, SEARCH_KIND_PERSON, db_col_int64(st, 0)),
		 db_col_text(st, 1));
}

static void institution_row(db_stmt *st, json_t *details, req_ctx *rc)
{
	json_t *parts = detail_parts(details, SEARCH_KIND_INSTITUTION, db_col_int64(st, 0));
	const char *key = db_col_text(st, 1), *name = db_col_text(st, 2);
	const char *msgid = institution_type_msgid(key, name);
	g_autofree char *place = g_strjoin(" ", db_col_text(st, 3), db_col_text(st, 4), NULL);
	g_autofree char *trimmed = g_strstrip(g_strdup(place));

	add_part(parts, msgid ? view_t(rc, msgid) : name);
	add_part(parts, trimmed);
}

static void body_row(db_stmt *st, json_t *details, req_ctx *rc)
{
	json_t *parts = detail_parts(details, SEARCH_KIND_BODY, db_col_int64(st, 0));
	add_part(parts, body_type_label(rc, db_col_text(st, 1)));
	add_part(parts, db_col_text(st, 2));
}

/* The context lines of the hits on the page, as {"kind:id": "a · b"}. */
static json_t *hit_details(req_ctx *rc, const search_hits *hits, GError **err)
{
	g_autoptr(GArray) people = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) insts = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) bodies = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autofree char *today = register_today();
	json_t *details = json_object();

	for (size_t i = 0; i < hits->n; i++) {
		gint64 id = hits->hits[i].ref_id;
		const char *k = hits->hits[i].kind;
		g_array_append_val(!strcmp(k, SEARCH_KIND_PERSON)	  ? people
				   : !strcmp(k, SEARCH_KIND_INSTITUTION) ? insts
									 : bodies,
				   id);
	}
	if (for_ids(&rc->ctx, "SELECT id, function, city FROM person WHERE region_id = $1 AND id IN",
		    NULL, NULL, people, person_row, details, rc, err) < 0 ||
	    for_ids(&rc->ctx,
		    "SELECT a.person_id, i.name FROM person_affiliation a "
		    "JOIN institution i ON i.id = a.institution_id AND i.region_id = a.region_id "
		    "WHERE a.region_id = $1 AND (a.start_day IS NULL OR a.start_day <= $2) "
		    "AND (a.end_day IS NULL OR a.end_day >= $2) AND a.person_id IN",
		    " ORDER BY a.person_id, i.sort_name, i.id", today, people, affiliation_row,
		    details, rc, err) < 0 ||
	    for_ids(&rc->ctx,
		    "SELECT i.id, t.key, t.name, i.postcode, i.city FROM institution i "
		    "JOIN institution_type t ON t.id = i.type_id WHERE i.region_id = $1 AND i.id IN",
		    NULL, NULL, insts, institution_row, details, rc, err) < 0 ||
	    for_ids(&rc->ctx,
		    "SELECT b.id, b.type, COALESCE(l.name, '') FROM body b "
		    "LEFT JOIN region_level l ON l.id = b.level_id WHERE b.region_id = $1 AND b.id IN",
		    NULL, NULL, bodies, body_row, details, rc, err) < 0) {
		json_decref(details);
		return NULL;
	}
	return details;
}

/* The search page's link for query q and kind value ("" = all kinds), on
 * its first page. */
static char *filter_href(req_ctx *rc, const char *q, const char *value)
{
	g_autofree char *base = view_href(rc, "/register/suche");
	g_autofree char *eq = g_uri_escape_string(q, NULL, FALSE);
	return *value ? g_strdup_printf("%s?q=%s&art=%s", base, eq, value)
		      : g_strdup_printf("%s?q=%s", base, eq);
}

/* The kind filter's links with the number of hits of each kind:
 * [{value, label, count, href, current}], "all" first. The counts come
 * from the ranked hits of the search over all kinds when it ranked every
 * match (info->complete), else from a count per kind. */
static json_t *kind_filter(req_ctx *rc, const char *q, const char *kind,
			   const register_search_info *info, GError **err)
{
	static const char *const kinds[] = {SEARCH_KIND_PERSON, SEARCH_KIND_INSTITUTION,
					    SEARCH_KIND_BODY};
	static const char *const labels[] = {N_("People ({n})"), N_("Institutions ({n})"),
					     N_("Bodies ({n})")};
	const int64_t ranked[] = {info->persons, info->institutions, info->bodies};
	json_t *out = json_array();
	int64_t sum = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		int64_t n = ranked[i];
		if (!info->complete) {
			const char *only[] = {kinds[i], NULL};
			search_hits h = {0};
			if (search_query(&rc->ctx, q, only, 1, 0, &h, err) < 0) {
				json_decref(out);
				return NULL;
			}
			n = h.total;
			search_hits_clear(&h);
		}
		g_autofree char *num = format_int(rc->req->lang, n);
		g_autofree char *label = view_tf(rc, labels[i], "n", num, NULL);
		g_autofree char *href = filter_href(rc, q, kinds[i]);
		json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:s,s:b}", "value", kinds[i],
						     "label", label, "count", (json_int_t)n, "href",
						     href, "current", kind && !strcmp(kind, kinds[i])));
		sum += n;
	}
	g_autofree char *num = format_int(rc->req->lang, sum);
	g_autofree char *label = view_tf(rc, N_("All ({n})"), "n", num, NULL);
	g_autofree char *href = filter_href(rc, q, "");
	json_array_insert_new(out, 0, json_pack("{s:s,s:s,s:I,s:s,s:b}", "value", "", "label",
						label, "count", (json_int_t)sum, "href", href,
						"current", kind == NULL));
	return out;
}

static int search_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw = http_params_get(rc->req->query, "q");
	const char *art = http_params_get(rc->req->query, "art");
	g_autofree char *q = text_collapse_ws(raw ? raw : "");
	g_autofree char *action = view_href(rc, "/register/suche");
	const char *kind = art && *art ? art : NULL;
	const char *only[] = {kind, NULL};
	list_page page = list_page_from(rc, SEARCH_PER_PAGE);
	search_hits hits = {0};
	const char *q_error = NULL;
	bool searching = q && *q;
	register_search_info info = {0}, all_info = {0};
	json_t *rows = json_array(), *filters = json_array(), *pagination = json_null();
	int status = 200;

	if (!q) /* not valid UTF-8: the router's check lets no such query through */
		q = g_strdup("");
	if (searching) {
		int offset = page.offset > REGISTER_SEARCH_MAX ? REGISTER_SEARCH_MAX : (int)page.offset;
		/* All kinds first: the page (without a kind chosen) and the counts
		 * of the kind filter; with a kind, its own ranking for the page. */
		int r = register_search(&rc->ctx, q, NULL, SEARCH_PER_PAGE, kind ? 0 : offset, &hits,
					&all_info, &err);
		info = all_info;
		if (r >= 0 && kind)
			r = register_search(&rc->ctx, q, only, SEARCH_PER_PAGE, offset, &hits, &info,
					    &err);
		if (r < 0) {
			if (err->domain != BIREG_SEARCH_ERROR) {
				json_decref(rows);
				json_decref(filters);
				return register_status_for(err);
			}
			q_error = register_query_error(rc, err);
			status = 422;
			g_clear_error(&err);
		}
	}
	if (searching && !q_error) {
		json_decref(filters);
		filters = kind_filter(rc, q, kind, &all_info, &err);
		json_t *details = filters ? hit_details(rc, &hits, &err) : NULL;
		if (!details) {
			json_decref(rows);
			json_decref(filters);
			search_hits_clear(&hits);
			return register_status_for(err);
		}
		for (size_t i = 0; i < hits.n; i++) {
			const search_hit *h = &hits.hits[i];
			g_autofree char *path = g_strdup_printf("%s/%" G_GINT64_FORMAT,
								kind_path(h->kind), h->ref_id);
			g_autofree char *href = view_href(rc, path);
			g_autofree char *key = g_strdup_printf("%s:%" G_GINT64_FORMAT, h->kind,
							       h->ref_id);
			json_t *parts = json_object_get(details, key);
			g_autoptr(GString) detail = g_string_new(NULL);
			size_t k;
			json_t *p;
			json_array_foreach(parts, k, p)
				g_string_append_printf(detail, "%s%s", k ? " · " : "",
						       json_string_value(p));
			json_array_append_new(rows, json_pack(
				"{s:s,s:s,s:I,s:s,s:s,s:s}", "kind", h->kind, "kind_label",
				kind_label(rc, h->kind), "id", (json_int_t)h->ref_id, "title",
				h->title, "href", href, "detail", detail->str));
		}
		json_decref(details);
		int64_t reachable = MIN(hits.total, (int64_t)REGISTER_SEARCH_MAX);
		json_decref(pagination);
		pagination = list_pagination_model(rc, "/register/suche", reachable, page);
	}

	int64_t total = searching && !q_error ? hits.total : 0;
	search_hits_clear(&hits);
	g_autofree char *count = format_int(rc->req->lang, total);
	g_autofree char *max = format_int(rc->req->lang, REGISTER_SEARCH_MAX);
	g_autofree char *found = NULL;
	if (searching && !q_error && total > 0)
		found = view_tf(rc, total == 1 ? N_("1 entry found for “{q}”.")
					       : N_("{n} entries found for “{q}”."),
				"n", count, "q", q, NULL);
	const char *fields[] = {"q"};
	const char *msgs[] = {q_error};
	json_t *model = json_pack(
		"{s:{s:s,s:s,s:s,s:s,s:b,s:o},s:b,s:b,s:b,s:s,s:I,s:b,s:s,s:o,s:o,s:b,s:o,s:I}",
		"search", "action", action, "q", q, "kind", kind ? kind : "", "error",
		q_error ? q_error : "", "has_errors", q_error != NULL, "errors",
		view_form_errors(fields, msgs, 1),
		"searching", searching, "found", searching && !q_error && total > 0,
		"none", searching && !q_error && total == 0, "found_label", found ? found : "",
		"total", (json_int_t)total, "capped", total > REGISTER_SEARCH_MAX, "max_label", max,
		"hits", rows, "filters", filters, "has_filters", json_array_size(filters) > 0,
		"pagination", pagination, "name_hits", (json_int_t)info.name_hits);
	if (rc->req->wants_json && q_error)
		json_object_set_new(model, "errors",
				    json_pack("[{s:s,s:s}]", "field", "q", "message", q_error));
	g_autofree char *home = view_href(rc, "/register");
	json_t *crumbs = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", home);
	return view_page_full(rc, status, "pages/register_search",
			      view_t(rc, N_("Search the register")), model, crumbs);
}

static const param_rule search_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "art", .kind = PARAM_ENUM, .choices = "person|institution|body"},
	{0},
};

const route register_routes[] = {
	{HTTP_GET, "/register", "register.home", perm_office, "office", NULL, overview,
	 ROUTE_REGION, 0},
	{HTTP_GET, "/register/suche", "register.search", perm_office, "office", search_params,
	 search_page, ROUTE_REGION, 0},
	{0},
};
