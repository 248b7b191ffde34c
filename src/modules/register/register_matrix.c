/*
 * register_matrix.c — the network matrix (see register_matrix.h).
 *
 * One model serves the three forms: matrix_build() reads the region's
 * current representations (three queries: the cells grouped by
 * institution, body and role; the institutions; the bodies) and shapes
 * rows of cells in body order. The page renders it as a table whose rows
 * are institutions and whose columns are bodies; the CSV is the same table
 * for a spreadsheet; the PDF lists each representation on a row of its own
 * (institution, body, roles, count) — a cross table of twenty bodies does
 * not fit an A4 page, a list does, and the page and the CSV have the cross
 * table.
 *
 * "Current" means on today's date in Europe/Berlin (register_today()).
 */
#include "modules/register/register_matrix.h"

#include <string.h>

#include "core/csv.h"
#include "core/log.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register.h"
#include "out/pdf.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

typedef struct matrix_filter {
	int64_t level_id; /* 0: every level */
	int64_t type_id;  /* 0: every kind of institution */
} matrix_filter;

/* The filter of the request: ?ebene= and ?art= are ids; "" (the form's
 * "all") or anything else that is no positive number means no filter. */
static int64_t id_param(const req_ctx *rc, const char *name)
{
	const char *v = http_params_get(rc->req->query, name);
	gint64 n = 0;
	if (!v || !g_ascii_string_to_signed(v, 10, 1, G_MAXINT64, &n, NULL))
		return 0;
	return n;
}

static matrix_filter filter_of(const req_ctx *rc)
{
	matrix_filter f = {.level_id = id_param(rc, "ebene"), .type_id = id_param(rc, "art")};
	return f;
}

/* The conditions every query shares: region $1, today $2, level $3, kind $4. */
#define CURRENT_REPRESENTATION                                                                \
	"FROM membership m "                                                                  \
	"JOIN body b ON b.id = m.body_id AND b.region_id = m.region_id "                      \
	"JOIN institution i ON i.id = m.institution_id AND i.region_id = m.region_id "        \
	"WHERE m.region_id = $1 AND (m.start_day IS NULL OR m.start_day <= $2) "              \
	"AND (m.end_day IS NULL OR m.end_day >= $2) "                                         \
	"AND (CAST($3 AS bigint) = 0 OR b.level_id = CAST($3 AS bigint)) "                    \
	"AND (CAST($4 AS bigint) = 0 OR i.type_id = CAST($4 AS bigint)) "

static db_stmt *prepare_bound(const bireg_ctx *ctx, const char *sql, const char *today,
			      const matrix_filter *f, GError **err)
{
	db_stmt *st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, f->level_id);
	db_bind_int64(st, 4, f->type_id);
	return st;
}

/* The role's position in membership_roles (display order). */
static int role_rank(const char *role)
{
	for (int i = 0; membership_roles[i]; i++)
		if (!strcmp(membership_roles[i], role))
			return i;
	return 99;
}

/* "Vorsitz, Mitglied (2)": the roles of a cell in display order. */
static char *roles_label(req_ctx *rc, json_t *roles)
{
	GString *s = g_string_new(NULL);
	size_t i;
	json_t *r;

	json_array_foreach(roles, i, r) {
		int64_t n = json_integer_value(json_object_get(r, "count"));
		g_string_append_printf(s, "%s%s", i ? ", " : "",
				       json_string_value(json_object_get(r, "label")));
		if (n > 1) {
			g_autofree char *num = format_int(rc->req->lang, n);
			g_string_append_printf(s, " (%s)", num);
		}
	}
	return g_string_free(s, FALSE);
}

static gint cmp_role(gconstpointer a, gconstpointer b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return role_rank(json_string_value(json_object_get(x, "role"))) -
	       role_rank(json_string_value(json_object_get(y, "role")));
}

/*
 * The matrix:
 *   {bodies: [{id, name, short_name, label, href, count}],
 *    rows: [{id, name, href, type_label, count (bodies it is in),
 *            cells: [{body_id, count, roles: [{role, label, count}],
 *                     roles_label, filled}]}],
 *    n_institutions, n_bodies, n_links, n_memberships}
 */
static json_t *matrix_build(req_ctx *rc, const matrix_filter *f, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) cells = NULL, insts = NULL, bodies = NULL;
	/* "inst:body" -> [{role, label, count}] */
	g_autoptr(GHashTable) by_cell = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							      (GDestroyNotify)json_decref);
	json_t *m = json_pack("{s:[],s:[]}", "bodies", "rows");
	json_t *blist = json_object_get(m, "bodies"), *rows = json_object_get(m, "rows");
	int64_t n_links = 0, n_memberships = 0;
	db_status r;

	cells = prepare_bound(&rc->ctx,
			      "SELECT m.institution_id, m.body_id, m.role, count(*) "
			      CURRENT_REPRESENTATION
			      "GROUP BY m.institution_id, m.body_id, m.role",
			      today, f, err);
	if (!cells)
		goto fail;
	while ((r = db_step(cells, err)) == DB_ROW) {
		g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
						       db_col_int64(cells, 0), db_col_int64(cells, 1));
		const char *role = db_col_text(cells, 2);
		json_t *roles = g_hash_table_lookup(by_cell, key);
		if (!roles) {
			roles = json_array();
			g_hash_table_insert(by_cell, g_steal_pointer(&key), roles);
			n_links++;
		}
		json_array_append_new(roles, json_pack("{s:s,s:s,s:I}", "role", role, "label",
						       membership_role_label(rc, role), "count",
						       (json_int_t)db_col_int64(cells, 3)));
		n_memberships += db_col_int64(cells, 3);
	}
	if (r != DB_DONE)
		goto fail;

	/* Bodies in the order of their levels, then by name. */
	bodies = prepare_bound(&rc->ctx,
			       "SELECT b.id, b.name, b.short_name FROM body b "
			       "LEFT JOIN region_level l ON l.id = b.level_id "
			       "WHERE b.region_id = $1 AND b.id IN (SELECT m.body_id "
			       CURRENT_REPRESENTATION ") "
			       "ORDER BY COALESCE(l.position, 1000000), b.sort_name, b.id",
			       today, f, err);
	if (!bodies)
		goto fail;
	while ((r = db_step(bodies, err)) == DB_ROW) {
		int64_t id = db_col_int64(bodies, 0);
		const char *name = db_col_text(bodies, 1), *short_name = db_col_text(bodies, 2);
		g_autofree char *path = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT, id);
		g_autofree char *href = view_href(rc, path);
		json_array_append_new(blist, json_pack("{s:I,s:s,s:s,s:s,s:b,s:s,s:I}", "id",
						       (json_int_t)id, "name", name, "short_name",
						       short_name, "label",
						       *short_name ? short_name : name, "abbreviated",
						       *short_name && strcmp(short_name, name), "href",
						       href, "count", (json_int_t)0));
	}
	if (r != DB_DONE)
		goto fail;

	insts = prepare_bound(&rc->ctx,
			      "SELECT i.id, i.name, t.key, t.name FROM institution i "
			      "JOIN institution_type t ON t.id = i.type_id "
			      "WHERE i.region_id = $1 AND i.id IN (SELECT m.institution_id "
			      CURRENT_REPRESENTATION ") ORDER BY i.sort_name, i.id",
			      today, f, err);
	if (!insts)
		goto fail;
	while ((r = db_step(insts, err)) == DB_ROW) {
		int64_t id = db_col_int64(insts, 0);
		const char *tkey = db_col_text(insts, 2), *tname = db_col_text(insts, 3);
		const char *msgid = institution_type_msgid(tkey, tname);
		g_autofree char *path = g_strdup_printf("/register/institutionen/%" G_GINT64_FORMAT,
							id);
		g_autofree char *href = view_href(rc, path);
		json_t *row_cells = json_array();
		int64_t in_bodies = 0;
		size_t k;
		json_t *b;
		json_array_foreach(blist, k, b) {
			int64_t bid = json_integer_value(json_object_get(b, "id"));
			g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
							       id, bid);
			json_t *roles = g_hash_table_lookup(by_cell, key);
			int64_t count = 0;
			if (roles) {
				size_t j;
				json_t *x;
				/* json arrays have no sort: via a GPtrArray. */
				g_autoptr(GPtrArray) sorted = g_ptr_array_new();
				json_array_foreach(roles, j, x)
					g_ptr_array_add(sorted, x);
				g_ptr_array_sort(sorted, cmp_role);
				json_t *ordered = json_array();
				for (guint s = 0; s < sorted->len; s++) {
					json_t *e = g_ptr_array_index(sorted, s);
					json_array_append(ordered, e);
					count += json_integer_value(json_object_get(e, "count"));
				}
				g_autofree char *label = roles_label(rc, ordered);
				g_autofree char *num = format_int(rc->req->lang, count);
				json_array_append_new(row_cells, json_pack(
					"{s:I,s:I,s:s,s:o,s:s,s:b}", "body_id", (json_int_t)bid,
					"count", (json_int_t)count, "count_label", num, "roles",
					ordered, "roles_label", label, "filled", true));
				in_bodies++;
				json_object_set_new(b, "count",
						    json_integer(json_integer_value(
									 json_object_get(b, "count")) +
								 1));
			} else {
				json_array_append_new(row_cells, json_pack(
					"{s:I,s:I,s:s,s:[],s:s,s:b}", "body_id", (json_int_t)bid,
					"count", (json_int_t)0, "count_label", "", "roles",
					"roles_label", "", "filled", false));
			}
		}
		json_array_append_new(rows, json_pack("{s:I,s:s,s:s,s:s,s:I,s:o}", "id",
						      (json_int_t)id, "name", db_col_text(insts, 1),
						      "href", href, "type_label",
						      msgid ? view_t(rc, msgid) : tname, "count",
						      (json_int_t)in_bodies, "cells", row_cells));
	}
	if (r != DB_DONE)
		goto fail;
	json_object_set_new(m, "n_institutions", json_integer((json_int_t)json_array_size(rows)));
	json_object_set_new(m, "n_bodies", json_integer((json_int_t)json_array_size(blist)));
	json_object_set_new(m, "n_links", json_integer(n_links));
	json_object_set_new(m, "n_memberships", json_integer(n_memberships));
	return m;
fail:
	json_decref(m);
	return NULL;
}

/* The region's levels [{id, name, selected}] with "every level" first. */
static json_t *level_options(req_ctx *rc, int64_t selected, const char **selected_name,
			     GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(rc->ctx.db,
		"SELECT id, name FROM region_level WHERE region_id = $1 ORDER BY position", err);
	json_t *out;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, rc->ctx.region_id);
	out = json_pack("[{s:s,s:s,s:b}]", "value", "", "label", view_t(rc, N_("All levels")),
			"selected", selected == 0);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, id);
		json_array_append_new(out, json_pack("{s:s,s:s,s:b}", "value", v, "label",
						     db_col_text(st, 1), "selected", id == selected));
		if (id == selected && selected_name)
			*selected_name = json_string_value(
				json_object_get(json_array_get(out, json_array_size(out) - 1), "label"));
	}
	if (r != DB_DONE) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The kinds of institution [{value, label, selected}] with "every kind" first. */
static json_t *type_options(req_ctx *rc, int64_t selected, const char **selected_name,
			    GError **err)
{
	json_t *types = institution_type_list(&rc->ctx, err);
	json_t *out;
	size_t i;
	json_t *t;

	if (!types)
		return NULL;
	out = json_pack("[{s:s,s:s,s:b}]", "value", "", "label",
			view_t(rc, N_("All kinds of institution")), "selected", selected == 0);
	json_array_foreach(types, i, t) {
		int64_t id = json_integer_value(json_object_get(t, "id"));
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *msgid = institution_type_msgid(
			json_string_value(json_object_get(t, "key")), name);
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, id);
		json_array_append_new(out, json_pack("{s:s,s:s,s:b}", "value", v, "label",
						     msgid ? view_t(rc, msgid) : name, "selected",
						     id == selected));
		if (id == selected && selected_name)
			*selected_name = json_string_value(
				json_object_get(json_array_get(out, json_array_size(out) - 1), "label"));
	}
	json_decref(types);
	return out;
}

/* "?ebene=2&art=5" of the filter, for the export links; "" when none. */
static char *filter_query(const matrix_filter *f)
{
	GString *q = g_string_new(NULL);
	if (f->level_id)
		g_string_append_printf(q, "%sebene=%" G_GINT64_FORMAT, q->len ? "&" : "?",
				       f->level_id);
	if (f->type_id)
		g_string_append_printf(q, "%sart=%" G_GINT64_FORMAT, q->len ? "&" : "?", f->type_id);
	return g_string_free(q, FALSE);
}

/* "Stand: 26.11.2026" — today in the request's language. */
static char *today_label(const req_ctx *rc)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	bireg_date d = format_date_of(now);
	g_autofree char *day = format_day(rc->req->lang, &d);
	return view_tf(rc, N_("As of {date}"), "date", day, NULL);
}

/* A one-line description of the filter ("Level: Lenkungskreis · Kind of
 * institution: Schule"), "" without one. */
static char *filter_label(req_ctx *rc, const char *level, const char *type)
{
	g_autofree char *l = level ? view_tf(rc, N_("Level: {name}"), "name", level, NULL) : NULL;
	g_autofree char *t = type ? view_tf(rc, N_("Kind of institution: {name}"), "name", type,
					    NULL)
				  : NULL;
	if (l && t)
		return g_strconcat(l, " · ", t, NULL);
	return g_strdup(l ? l : t ? t : "");
}

static int network_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	matrix_filter f = filter_of(rc);
	const char *level_name = NULL, *type_name = NULL;
	json_t *levels = level_options(rc, f.level_id, &level_name, &err);
	json_t *types = levels ? type_options(rc, f.type_id, &type_name, &err) : NULL;
	json_t *m = types ? matrix_build(rc, &f, &err) : NULL;

	if (!m) {
		json_decref(levels);
		json_decref(types);
		return register_status_for(err);
	}
	g_autofree char *query = filter_query(&f);
	g_autofree char *action = view_href(rc, "/register/netzwerk");
	g_autofree char *csv_path = g_strconcat("/register/netzwerk.csv", query, NULL);
	g_autofree char *pdf_path = g_strconcat("/register/netzwerk.pdf", query, NULL);
	g_autofree char *csv = view_href(rc, csv_path);
	g_autofree char *pdf = view_href(rc, pdf_path);
	g_autofree char *asof = today_label(rc);
	g_autofree char *ni = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_institutions")));
	g_autofree char *nb = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_bodies")));
	g_autofree char *nm = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_memberships")));
	g_autofree char *summary = view_tf(
		rc, N_("Institutions represented: {institutions} · bodies: {bodies} · current memberships: {memberships}."),
		"institutions", ni, "bodies", nb, "memberships", nm, NULL);
	g_autofree char *flabel = filter_label(rc, level_name, type_name);
	g_autofree char *home = view_href(rc, "/register");
	bool any = json_array_size(json_object_get(m, "rows")) > 0;

	json_object_set_new(m, "filter",
			    json_pack("{s:s,s:o,s:o,s:b,s:s}", "action", action, "levels", levels,
				      "types", types, "active", f.level_id || f.type_id, "label",
				      flabel));
	json_object_set_new(m, "csv_href", json_string(csv));
	json_object_set_new(m, "pdf_href", json_string(pdf));
	json_object_set_new(m, "as_of", json_string(asof));
	json_object_set_new(m, "summary", json_string(summary));
	json_object_set_new(m, "has_rows", json_boolean(any));
	json_object_set_new(m, "region_name", json_string(json_string_value(
						       json_object_get(rc->region, "name"))));
	return view_page_full(rc, 200, "pages/register_matrix", view_t(rc, N_("Network matrix")), m,
			      json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href",
					home));
}

/* "netzwerk-duisburg-2026-11-26.csv" */
static char *export_name(const req_ctx *rc, const char *ext)
{
	g_autofree char *today = register_today();
	const char *slug = json_string_value(json_object_get(rc->region, "slug"));
	return g_strdup_printf("netzwerk-%s-%s.%s", slug ? slug : "region", today, ext);
}

static void no_store(req_ctx *rc, const char *type, const char *disposition, const char *name)
{
	g_autofree char *d = g_strdup_printf("%s; filename=\"%s\"", disposition, name);
	http_response_set_header(rc->resp, "Content-Type", type);
	http_response_set_header(rc->resp, "Content-Disposition", d);
	/* Names of people's institutions and roles: the office's data. */
	http_response_set_header(rc->resp, "Cache-Control", "private, no-store");
}

static int network_csv(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	matrix_filter f = filter_of(rc);
	json_t *m = matrix_build(rc, &f, &err);
	json_t *bodies, *rows, *row, *b;
	size_t i, k;

	if (!m)
		return register_status_for(err);
	bodies = json_object_get(m, "bodies");
	rows = json_object_get(m, "rows");
	size_t n = 3 + json_array_size(bodies);
	g_autofree const char **fields = g_new0(const char *, n);
	GString *out = g_string_new(CSV_UTF8_BOM);

	fields[0] = view_t(rc, N_("Institution"));
	fields[1] = view_t(rc, N_("Kind of institution"));
	json_array_foreach(bodies, k, b)
		fields[2 + k] = json_string_value(json_object_get(b, "name"));
	fields[n - 1] = view_t(rc, N_("Number of bodies"));
	csv_write_record(out, fields, n, ';', true);
	json_array_foreach(rows, i, row) {
		g_autofree char *count = g_strdup_printf(
			"%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(row, "count")));
		json_t *cell;
		fields[0] = json_string_value(json_object_get(row, "name"));
		fields[1] = json_string_value(json_object_get(row, "type_label"));
		json_array_foreach(json_object_get(row, "cells"), k, cell)
			fields[2 + k] = json_string_value(json_object_get(cell, "roles_label"));
		fields[n - 1] = count;
		csv_write_record(out, fields, n, ';', true);
	}
	json_decref(m);
	g_autofree char *name = export_name(rc, "csv");
	rc->resp->status = 200;
	no_store(rc, "text/csv; charset=utf-8", "attachment", name);
	g_string_free(rc->resp->body, TRUE);
	rc->resp->body = out;
	return 0;
}

static int network_pdf(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = NULL;
	g_autoptr(pdf_doc) d = NULL;
	matrix_filter f = filter_of(rc);
	const char *level_name = NULL, *type_name = NULL;
	json_t *levels = level_options(rc, f.level_id, &level_name, &err);
	json_t *types = levels ? type_options(rc, f.type_id, &type_name, &err) : NULL;
	json_t *m = types ? matrix_build(rc, &f, &err) : NULL;
	json_t *bodies, *row, *cell;
	size_t i, k;
	GBytes *pdf;

	if (!m) {
		json_decref(levels);
		json_decref(types);
		return register_status_for(err);
	}
	lh = pdf_letterhead_from_region(&rc->ctx, rc->region, &err);
	if (!lh) {
		log_error("request %s: the letterhead cannot be read: %s", rc->req->request_id,
			  err->message);
		json_decref(levels);
		json_decref(types);
		json_decref(m);
		return register_status_for(err);
	}
	const char *region = json_string_value(json_object_get(rc->region, "name"));
	g_autofree char *title = view_tf(rc, N_("Network of {region}"), "region", region ? region : "",
					 NULL);
	g_autofree char *asof = today_label(rc);
	g_autofree char *flabel = filter_label(rc, level_name, type_name);
	g_autofree char *ni = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_institutions")));
	g_autofree char *nb = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_bodies")));
	g_autofree char *nm = format_int(rc->req->lang,
					 json_integer_value(json_object_get(m, "n_memberships")));
	g_autofree char *summary = view_tf(
		rc, N_("Institutions represented: {institutions} · bodies: {bodies} · current memberships: {memberships}."),
		"institutions", ni, "bodies", nb, "memberships", nm, NULL);
	g_autoptr(GString) intro = g_string_new(asof);
	g_string_append_printf(intro, ". %s", summary);
	if (*flabel)
		g_string_append_printf(intro, "\n%s", flabel);

	const pdf_column cols[] = {
		{view_t(rc, N_("Institution")), 3.0, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Body")), 2.6, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Roles")), 2.6, PDF_ALIGN_LEFT},
		{view_t(rc, N_("People")), 0.9, PDF_ALIGN_RIGHT},
	};
	d = pdf_doc_new(&(pdf_doc_info){.title = title, .subject = view_t(rc, N_("Network matrix")),
					.lang = rc->req->lang, .letterhead = lh});
	pdf_doc_heading(d, 1, title);
	pdf_doc_paragraph(d, intro->str);
	bodies = json_object_get(m, "bodies");
	if (json_array_size(json_object_get(m, "rows")) == 0) {
		pdf_doc_paragraph(d, view_t(rc, N_("No institution is represented in a body.")));
	} else {
		pdf_table *t = pdf_doc_table(d, cols, G_N_ELEMENTS(cols));
		json_array_foreach(json_object_get(m, "rows"), i, row) {
			json_array_foreach(json_object_get(row, "cells"), k, cell) {
				if (!json_is_true(json_object_get(cell, "filled")))
					continue;
				const char *cells[] = {
					json_string_value(json_object_get(row, "name")),
					json_string_value(json_object_get(json_array_get(bodies, k),
									  "name")),
					json_string_value(json_object_get(cell, "roles_label")),
					json_string_value(json_object_get(cell, "count_label")),
				};
				pdf_table_add_row(t, cells);
			}
		}
	}
	json_decref(levels);
	json_decref(types);
	json_decref(m);
	pdf = pdf_doc_render(d, &err);
	if (!pdf) {
		log_error("request %s: the PDF cannot be made: %s", rc->req->request_id, err->message);
		return 500;
	}
	g_autofree char *name = export_name(rc, "pdf");
	rc->resp->status = 200;
	no_store(rc, "application/pdf", "inline", name);
	rc->resp->body_bytes = pdf;
	return 0;
}

static const param_rule network_params[] = {
	/* Ids, or "" from the form's "all"; see filter_of(). */
	{.name = "ebene", .kind = PARAM_STRING, .max_len = 20},
	{.name = "art", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

const route register_matrix_routes[] = {
	{HTTP_GET, "/register/netzwerk", "register.network", perm_office, "office",
	 network_params, network_page, ROUTE_REGION, 0},
	{HTTP_GET, "/register/netzwerk.csv", "register.network.csv", perm_office, "office",
	 network_params, network_csv, ROUTE_REGION, 0},
	{HTTP_GET, "/register/netzwerk.pdf", "register.network.pdf", perm_office, "office",
	 network_params, network_pdf, ROUTE_REGION, 0},
	{0},
};
