/*
 * register_export.c — the register's lists as CSV and XLSX files
 * (register_export.h).
 *
 * The rows come from the stores with the same filters the list pages use,
 * so an export holds exactly what the office can page through: the people
 * in one pass (person_store_export; a search, ranked and capped, page by
 * page through person_store_list), the other lists from their list
 * functions. The writer (sheet.h) streams
 * them; the file is built in memory only once, by sheet_writer_finish().
 */
#include "modules/register/register_export.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"
#include "modules/register/changelog.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/person_web.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "out/sheet.h"
#include "search/search.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

/* Rows fetched per store call while exporting the people. */
#define PEOPLE_CHUNK 200

void register_export_links(const req_ctx *rc, json_t *model, const char *list_path)
{
	g_autofree char *csv = g_strconcat(list_path, ".csv", NULL);
	g_autofree char *xlsx = g_strconcat(list_path, ".xlsx", NULL);
	g_autofree char *csv_href = list_href_with(rc, csv, "seite", NULL);
	g_autofree char *xlsx_href = list_href_with(rc, xlsx, "seite", NULL);

	json_object_set_new(model, "export",
			    json_pack("{s:s,s:s}", "csv_href", csv_href, "xlsx_href", xlsx_href));
}

/* ---- common ------------------------------------------------------------- */

/* The format from the path's ending. */
static sheet_format format_of(const req_ctx *rc)
{
	const char *path = rc->req->path ? rc->req->path : "";
	return g_str_has_suffix(path, ".xlsx") ? SHEET_XLSX : SHEET_CSV;
}

/* The list's filters as "name=value, …" for the change log (the page
 * number left out). Newly allocated. */
static char *filters_text(const req_ctx *rc)
{
	GString *s = g_string_new(NULL);
	const http_params *params = rc->req->query;
	size_t n = params ? http_params_count(params) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		http_params_nth(params, i, &k, &v);
		if (!*v || !strcmp(k, "seite") || !strcmp(k, "gespeichert") ||
		    !strcmp(k, "geloescht"))
			continue;
		g_string_append_printf(s, "%s%s=%s", s->len ? ", " : "", k, v);
	}
	return g_string_free(s, FALSE);
}

/* Sends the finished file as an attachment "<base>-<today>.<ext>". */
static int send_file(req_ctx *rc, sheet_writer *w, sheet_format fmt, const char *base)
{
	g_autoptr(GError) err = NULL;
	GBytes *bytes = sheet_writer_finish(w, &err);
	g_autofree char *today = register_today();

	if (!bytes) {
		log_error("request %s: the export cannot be written: %s", rc->req->request_id,
			  err ? err->message : "?");
		return 500;
	}
	g_autofree char *name = g_strdup_printf("%s-%s.%s", base, today, sheet_extension(fmt));
	g_autofree char *disp = g_strdup_printf("attachment; filename=\"%s\"", name);
	rc->resp->status = 200;
	http_response_set_header(rc->resp, "Content-Type", sheet_media_type(fmt));
	http_response_set_header(rc->resp, "Content-Disposition", disp);
	/* Personal data of the register: never kept by a cache. */
	http_response_set_header(rc->resp, "Cache-Control", "private, no-store");
	rc->resp->body_bytes = bytes;
	return 0;
}

/* Logs an export of personal data in the caller's transaction-less way:
 * one entry, its own statement. */
static int log_export(req_ctx *rc, const char *entity, int64_t entity_id, const char *what,
		      sheet_format fmt, int64_t rows, GError **err)
{
	g_autofree char *filters = filters_text(rc);
	g_autofree char *summary = g_strdup_printf(
		"%s (%s), %s: %s, %" G_GINT64_FORMAT " %s", what, fmt == SHEET_XLSX ? "XLSX" : "CSV",
		"Filter", *filters ? filters : "keine", rows, rows == 1 ? "Zeile" : "Zeilen");
	changelog_entry e = {.entity = entity,
			     .entity_id = entity_id,
			     .action = "export",
			     .summary = summary};
	return changelog_add(&rc->ctx, &e, err) < 0 ? -1 : 0;
}

/* The Europe/Berlin day of a stored UTC time, "YYYY-MM-DD"; "" when none.
 * Newly allocated. */
static char *berlin_day(const char *iso)
{
	g_autoptr(GDateTime) t = iso && *iso ? format_parse_utc(iso) : NULL;
	if (!t)
		return g_strdup("");
	bireg_date d = format_date_of(t);
	return g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
}

static const char *yes_no(const req_ctx *rc, bool v)
{
	return view_t(rc, v ? N_("Yes") : N_("No"));
}

static int write_row(sheet_writer *w, const char *const *values, size_t n, req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	if (sheet_writer_row(w, values, n, &err) < 0) {
		log_error("request %s: writing an export row failed: %s", rc->req->request_id,
			  err ? err->message : "?");
		return -1;
	}
	return 0;
}

/* ---- people --------------------------------------------------------------- */

/* One person's row of the people export (the same columns from the list's
 * JSON rows and from person_store_export). */
static int write_person(req_ctx *rc, sheet_writer *w, const person_export_row *p)
{
	g_autofree char *changed = berlin_day(p->updated_at);
	const char *v[] = {
		p->title, p->first_name, p->last_name, p->function, p->institutions, p->email,
		p->phone, p->city,
		person_channel_label(rc, p->preferred_channel),
		changed,
	};
	return write_row(w, v, G_N_ELEMENTS(v), rc);
}

typedef struct {
	req_ctx *rc;
	sheet_writer *w;
	bool write_failed; /* the writer failed (logged), not the store */
} person_row_ctx;

static int person_row_cb(const person_export_row *row, void *user, GError **err)
{
	person_row_ctx *pc = user;

	if (write_person(pc->rc, pc->w, row) < 0) {
		pc->write_failed = true;
		g_set_error_literal(err, g_quark_from_static_string("register-export"), 0,
				    "writing the export failed");
		return -1;
	}
	return 0;
}

static int people_export(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw_q = http_params_get(rc->req->query, "q");
	g_autofree char *q = text_collapse_ws(raw_q ? raw_q : "");
	const char *consent = http_params_get(rc->req->query, "einwilligung");
	const char *sort = http_params_get(rc->req->query, "sortierung");
	int64_t institution = register_query_id(rc, "institution");
	int64_t body = register_query_id(rc, "gremium");
	sheet_format fmt = format_of(rc);

	if (institution < 0 || body < 0) {
		rc->error_field = institution < 0 ? "institution" : "gremium";
		return 400;
	}
	person_filter f = {
		.institution_id = institution,
		.body_id = body,
		.channel = http_params_get(rc->req->query, "kanal"),
		.publish_consent = !g_strcmp0(consent, "ja") ? 1 : !g_strcmp0(consent, "nein") ? 0 : -1,
		.q = q,
		.sort = !g_strcmp0(sort, "email") ? "email"
			: !g_strcmp0(sort, "geaendert") ? "updated" : "name",
		.limit = PEOPLE_CHUNK,
	};
	const sheet_column cols[] = {
		{view_t(rc, N_("Academic title")), SHEET_TEXT, 10},
		{view_t(rc, N_("First name")), SHEET_TEXT, 18},
		{view_t(rc, N_("Last name")), SHEET_TEXT, 20},
		{view_t(rc, N_("Function")), SHEET_TEXT, 24},
		{view_t(rc, N_("Institutions")), SHEET_TEXT, 36},
		{view_t(rc, N_("Email address")), SHEET_TEXT, 30},
		{view_t(rc, N_("Phone")), SHEET_TEXT, 16},
		{view_t(rc, N_("Town or city")), SHEET_TEXT, 16},
		{view_t(rc, N_("Preferred channel")), SHEET_TEXT, 12},
		{view_t(rc, N_("Last changed")), SHEET_DAY, 12},
	};
	g_autoptr(sheet_writer) w =
		sheet_writer_new(fmt, view_t(rc, N_("People")), cols, G_N_ELEMENTS(cols), &err);
	if (!w)
		return register_store_failed(rc, "starting an export", err);

	int64_t written = 0;
	if (!*q) {
		/* the whole list in one pass (person_store_export); paging it by
		 * OFFSET cost a count and a longer index walk per 200 rows */
		person_row_ctx pc = {.rc = rc, .w = w};
		written = person_store_export(&rc->ctx, &f, person_row_cb, &pc, &err);
		if (written < 0) {
			if (pc.write_failed)
				return 500;
			return register_store_failed(rc, "exporting people", err);
		}
	}
	while (*q) {
		f.offset = written;
		json_t *list = person_store_list(&rc->ctx, &f, &err);
		if (!list) {
			if (err && err->domain == BIREG_SEARCH_ERROR)
				return 400;
			return register_store_failed(rc, "exporting people", err);
		}
		json_t *rows = json_object_get(list, "rows"), *r;
		size_t i, n = json_array_size(rows);
		json_array_foreach (rows, i, r) {
			GString *inst = g_string_new(NULL);
			size_t k;
			json_t *in;
			json_array_foreach (json_object_get(r, "institutions"), k, in)
				g_string_append_printf(inst, "%s%s", inst->len ? ", " : "",
						       register_jstr(in, "name"));
			person_export_row row = {
				.title = register_jstr(r, "title"),
				.first_name = register_jstr(r, "first_name"),
				.last_name = register_jstr(r, "last_name"),
				.function = register_jstr(r, "function"),
				.email = register_jstr(r, "email"),
				.phone = register_jstr(r, "phone"),
				.city = register_jstr(r, "city"),
				.preferred_channel = register_jstr(r, "preferred_channel"),
				.updated_at = register_jstr(r, "updated_at"),
				.institutions = inst->str,
			};
			int wr = write_person(rc, w, &row);
			g_string_free(inst, TRUE);
			if (wr < 0) {
				json_decref(list);
				return 500;
			}
		}
		json_decref(list);
		written += (int64_t)n;
		/* a search is ranked and capped by the store: its pages end by
		 * themselves; a page shorter than asked for is the last one */
		if (n < (size_t)PEOPLE_CHUNK)
			break;
	}
	if (log_export(rc, "person_list", 0, "Personenliste", fmt, written, &err) < 0)
		return register_store_failed(rc, "logging an export", err);
	log_info("request %s: %" G_GINT64_FORMAT " people exported by account %" G_GINT64_FORMAT,
		 rc->req->request_id, written, rc->ctx.user_id);
	return send_file(rc, g_steal_pointer(&w), fmt, "personen");
}

/* ---- institutions --------------------------------------------------------- */

static int institutions_export(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw_q = http_params_get(rc->req->query, "q");
	g_autofree char *q = text_collapse_ws(raw_q ? raw_q : "");
	const char *tag = http_params_get(rc->req->query, "schlagwort");
	const char *sort = http_params_get(rc->req->query, "sortierung");
	int64_t type_id = register_query_id(rc, "art"), area_id = register_query_id(rc, "gebiet");
	sheet_format fmt = format_of(rc);
	static const struct {
		const char *value, *store;
	} sorts[] = {{"relevanz", "relevance"}, {"name", "name"}, {"plz", "postcode"},
		     {"art", "type"}};
	const char *store_sort = "name";

	if (type_id < 0 || area_id < 0)
		return 400;
	if (!sort || !*sort)
		sort = "relevanz";
	for (size_t i = 0; i < G_N_ELEMENTS(sorts); i++)
		if (!strcmp(sort, sorts[i].value))
			store_sort = sorts[i].store;
	json_t *list = institution_store_list(
		&rc->ctx,
		&(institution_filter){.type_id = type_id, .area_id = area_id,
				      .tag = tag ? tag : "", .q = q, .sort = store_sort},
		&err);
	if (!list) {
		if (err && err->domain == BIREG_SEARCH_ERROR)
			return 400;
		return register_store_failed(rc, "exporting institutions", err);
	}
	const sheet_column cols[] = {
		{view_t(rc, N_("Name")), SHEET_TEXT, 36},
		{view_t(rc, N_("Addition to the name")), SHEET_TEXT, 20},
		{view_t(rc, N_("Short name")), SHEET_TEXT, 12},
		{view_t(rc, N_("Kind of institution")), SHEET_TEXT, 20},
		{view_t(rc, N_("Street and number")), SHEET_TEXT, 24},
		{view_t(rc, N_("Postcode")), SHEET_TEXT, 8},
		{view_t(rc, N_("Town or city")), SHEET_TEXT, 16},
		{view_t(rc, N_("School number")), SHEET_TEXT, 10},
		{view_t(rc, N_("School form")), SHEET_TEXT, 10},
		{view_t(rc, N_("Areas")), SHEET_TEXT, 24},
		{view_t(rc, N_("Tags")), SHEET_TEXT, 24},
	};
	g_autoptr(sheet_writer) w = sheet_writer_new(fmt, view_t(rc, N_("Institutions")), cols,
						     G_N_ELEMENTS(cols), &err);
	if (!w) {
		json_decref(list);
		return register_store_failed(rc, "starting an export", err);
	}
	json_t *r;
	size_t i;
	int rc_ = 0;
	json_array_foreach (json_object_get(list, "rows"), i, r) {
		GString *areas = g_string_new(NULL), *tags = g_string_new(NULL);
		json_t *a;
		size_t k;
		json_array_foreach (json_object_get(r, "areas"), k, a)
			g_string_append_printf(areas, "%s%s", areas->len ? ", " : "",
					       register_jstr(a, "name"));
		json_array_foreach (json_object_get(r, "tags"), k, a)
			if (json_is_string(a))
				g_string_append_printf(tags, "%s%s", tags->len ? ", " : "",
						       json_string_value(a));
		const char *type_name = register_jstr(r, "type_name");
		const char *v[] = {
			register_jstr(r, "name"), register_jstr(r, "name_extra"),
			register_jstr(r, "short_name"),
			view_t(rc, institution_type_msgid(register_jstr(r, "type_key"), type_name)),
			register_jstr(r, "street"), register_jstr(r, "postcode"),
			register_jstr(r, "city"), register_jstr(r, "school_number"),
			register_jstr(r, "school_form"), areas->str, tags->str,
		};
		rc_ = write_row(w, v, G_N_ELEMENTS(v), rc);
		g_string_free(areas, TRUE);
		g_string_free(tags, TRUE);
		if (rc_ < 0)
			break;
	}
	json_decref(list);
	if (rc_ < 0)
		return 500;
	return send_file(rc, g_steal_pointer(&w), fmt, "institutionen");
}

/* ---- bodies --------------------------------------------------------------- */

static int bodies_export(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *level_q = http_params_get(rc->req->query, "ebene");
	const char *type_q = http_params_get(rc->req->query, "art");
	const char *state_q = http_params_get(rc->req->query, "stand");
	sheet_format fmt = format_of(rc);
	body_filter f = {0};

	if (level_q && *level_q) {
		gint64 n = 0;
		if (!strcmp(level_q, "ohne"))
			f.level_id = -1;
		else if (g_ascii_string_to_signed(level_q, 10, 1, G_MAXINT64, &n, NULL))
			f.level_id = n;
		else
			return 400;
	}
	f.type = type_q && *type_q ? type_q : NULL;
	f.current_only = !state_q || !*state_q || !strcmp(state_q, "aktuell");
	json_t *list = body_store_list(&rc->ctx, &f, &err);
	if (!list)
		return register_store_failed(rc, "exporting bodies", err);
	const sheet_column cols[] = {
		{view_t(rc, N_("Name")), SHEET_TEXT, 36},
		{view_t(rc, N_("Short name")), SHEET_TEXT, 12},
		{view_t(rc, N_("Type of body")), SHEET_TEXT, 20},
		{view_t(rc, N_("Level")), SHEET_TEXT, 16},
		{view_t(rc, N_("Area")), SHEET_TEXT, 16},
		{view_t(rc, N_("Reports to")), SHEET_TEXT, 24},
		{view_t(rc, N_("Active from")), SHEET_DAY, 12},
		{view_t(rc, N_("Active until")), SHEET_DAY, 12},
		{view_t(rc, N_("Current members")), SHEET_INT, 10},
		{view_t(rc, N_("The meetings are public")), SHEET_TEXT, 10},
	};
	g_autoptr(sheet_writer) w =
		sheet_writer_new(fmt, view_t(rc, N_("Bodies")), cols, G_N_ELEMENTS(cols), &err);
	if (!w) {
		json_decref(list);
		return register_store_failed(rc, "starting an export", err);
	}
	json_t *r;
	size_t i;
	int rc_ = 0;
	json_array_foreach (json_object_get(list, "rows"), i, r) {
		g_autofree char *members = g_strdup_printf(
			"%" JSON_INTEGER_FORMAT,
			json_integer_value(json_object_get(r, "current_members")));
		json_t *pub = json_object_get(r, "public");
		bool is_public = json_is_true(pub) || (json_is_integer(pub) && json_integer_value(pub));
		const char *v[] = {
			register_jstr(r, "name"),        register_jstr(r, "short_name"),
			body_type_label(rc, register_jstr(r, "type")),
			register_jstr(r, "level_name"),  register_jstr(r, "area_name"),
			register_jstr(r, "parent_name"), register_jstr(r, "active_from"),
			register_jstr(r, "active_until"), members, yes_no(rc, is_public),
		};
		if ((rc_ = write_row(w, v, G_N_ELEMENTS(v), rc)) < 0)
			break;
	}
	json_decref(list);
	if (rc_ < 0)
		return 500;
	return send_file(rc, g_steal_pointer(&w), fmt, "gremien");
}

/* ---- a body's members ----------------------------------------------------- */

/* person id -> {email, phone} of the body's members. */
static json_t *member_contacts(const bireg_ctx *ctx, int64_t body_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT DISTINCT p.id, p.email, p.phone FROM membership m JOIN person p "
		"ON p.id = m.person_id AND p.region_id = m.region_id "
		"WHERE m.region_id = $1 AND m.body_id = $2", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, body_id);
	json_t *out = json_object();
	int r;
	while ((r = db_step(st, err)) == DB_ROW) {
		g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT, db_col_int64(st, 0));
		json_object_set_new(out, key,
				    json_pack("{s:s,s:s}", "email", register_nz(db_col_text(st, 1)),
					      "phone", register_nz(db_col_text(st, 2))));
	}
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int members_export(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	const char *state_q = http_params_get(rc->req->query, "stand");
	bool current_only = state_q && !strcmp(state_q, "aktuell");
	sheet_format fmt = format_of(rc);

	if (!id)
		return 404;
	json_t *b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	json_decref(b);
	json_t *list = membership_store_for_body(&rc->ctx, id, current_only, &err);
	json_t *contacts = list ? member_contacts(&rc->ctx, id, &err) : NULL;
	if (!contacts) {
		json_decref(list);
		return register_store_failed(rc, "exporting members", err);
	}
	const sheet_column cols[] = {
		{view_t(rc, N_("Name")), SHEET_TEXT, 28},
		{view_t(rc, N_("Role")), SHEET_TEXT, 18},
		{view_t(rc, N_("Personal substitute for")), SHEET_TEXT, 24},
		{view_t(rc, N_("Represented institution")), SHEET_TEXT, 30},
		{view_t(rc, N_("Partner side")), SHEET_TEXT, 10},
		{view_t(rc, N_("Has a vote")), SHEET_TEXT, 8},
		{view_t(rc, N_("Member from")), SHEET_DAY, 12},
		{view_t(rc, N_("Member until")), SHEET_DAY, 12},
		{view_t(rc, N_("Current")), SHEET_TEXT, 8},
		{view_t(rc, N_("Email address")), SHEET_TEXT, 30},
		{view_t(rc, N_("Phone")), SHEET_TEXT, 16},
	};
	g_autoptr(sheet_writer) w =
		sheet_writer_new(fmt, view_t(rc, N_("Members")), cols, G_N_ELEMENTS(cols), &err);
	if (!w) {
		json_decref(list);
		json_decref(contacts);
		return register_store_failed(rc, "starting an export", err);
	}
	json_t *m;
	size_t i;
	int rc_ = 0;
	int64_t written = 0;
	json_array_foreach (list, i, m) {
		g_autofree char *pid = g_strdup_printf("%" JSON_INTEGER_FORMAT,
						       json_integer_value(json_object_get(m, "person_id")));
		json_t *c = json_object_get(contacts, pid);
		const char *side = register_jstr(m, "partner_side");
		const char *v[] = {
			register_jstr(m, "person_name"),
			membership_role_label(rc, register_jstr(m, "role")),
			register_jstr(m, "substitute_for_name"),
			register_jstr(m, "institution_name"),
			!strcmp(side, "land") ? view_t(rc, N_("Land"))
			: !strcmp(side, "kommune") ? view_t(rc, N_("Kommune")) : "",
			yes_no(rc, json_is_true(json_object_get(m, "voting"))),
			register_jstr(m, "start_day"),
			register_jstr(m, "end_day"),
			yes_no(rc, json_is_true(json_object_get(m, "current"))),
			c ? register_jstr(c, "email") : "",
			c ? register_jstr(c, "phone") : "",
		};
		if ((rc_ = write_row(w, v, G_N_ELEMENTS(v), rc)) < 0)
			break;
		written++;
	}
	json_decref(list);
	json_decref(contacts);
	if (rc_ < 0)
		return 500;
	if (log_export(rc, "member_list", id, "Mitgliederliste", fmt, written, &err) < 0)
		return register_store_failed(rc, "logging an export", err);
	return send_file(rc, g_steal_pointer(&w), fmt, "mitglieder");
}

/* ---- routes --------------------------------------------------------------- */

static const param_rule people_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "institution", .kind = PARAM_STRING, .max_len = 20},
	{.name = "gremium", .kind = PARAM_STRING, .max_len = 20},
	{.name = "kanal", .kind = PARAM_ENUM, .choices = "|email|post"},
	{.name = "einwilligung", .kind = PARAM_ENUM, .choices = "|ja|nein"},
	{.name = "sortierung", .kind = PARAM_ENUM, .choices = "|name|email|geaendert"},
	{0},
};

static const param_rule institution_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "art", .kind = PARAM_STRING, .max_len = 20},
	{.name = "gebiet", .kind = PARAM_STRING, .max_len = 20},
	{.name = "schlagwort", .kind = PARAM_STRING, .max_len = 400},
	{.name = "sortierung", .kind = PARAM_ENUM, .choices = "|name|plz|art|relevanz"},
	{0},
};

static const param_rule body_params[] = {
	{.name = "ebene", .kind = PARAM_STRING, .max_len = 20},
	{.name = "art", .kind = PARAM_ENUM,
	 .choices = "|conference|steering|forum|district_forum|board|working_group|other"},
	{.name = "stand", .kind = PARAM_ENUM, .choices = "|aktuell|alle"},
	{0},
};

static const param_rule member_params[] = {
	{.name = "stand", .kind = PARAM_ENUM, .choices = "|aktuell|alle"},
	{0},
};

const route export_routes[] = {
	{HTTP_GET, "/register/personen.csv", "register.people.export_csv", perm_office, "office",
	 people_params, people_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/personen.xlsx", "register.people.export_xlsx", perm_office, "office",
	 people_params, people_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/institutionen.csv", "register.institutions.export_csv", perm_office,
	 "office", institution_params, institutions_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/institutionen.xlsx", "register.institutions.export_xlsx",
	 perm_office, "office", institution_params, institutions_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien.csv", "register.bodies.export_csv", perm_office, "office",
	 body_params, bodies_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien.xlsx", "register.bodies.export_xlsx", perm_office, "office",
	 body_params, bodies_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien/{id}/mitglieder.csv", "register.bodies.members_csv",
	 perm_office, "office", member_params, members_export, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien/{id}/mitglieder.xlsx", "register.bodies.members_xlsx",
	 perm_office, "office", member_params, members_export, ROUTE_REGION, 0},
	{0},
};
