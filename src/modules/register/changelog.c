/*
 * changelog.c — the register's change log (changelog.h).
 *
 * The SQL of the list is put together in C from fixed fragments (never from
 * input; every value is bound), because the filters combine in ways that
 * "$n = 0 OR ..." guards would make both slow and awkward to type on
 * PostgreSQL.
 */
#include "modules/register/changelog.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"
#include "modules/register/register.h"
#include "view/format.h"
#include "view/i18n.h"

#define SUMMARY_MAX 500
#define ACTOR_MAX 200

static const char *const actions[] = {"create", "update", "delete", "merge",   "export",
				      "erase",  "import", "restrict", NULL};

/* ---- values and the diff --------------------------------------------- */

/* A value as the log keeps it: new text, or NULL for null, missing and "". */
static char *value_text(json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_length(v) ? g_strdup(json_string_value(v)) : NULL;
	if (json_is_integer(v))
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_true(v))
		return g_strdup("true");
	if (json_is_false(v))
		return g_strdup("false");
	/* reals, objects and arrays: their compact JSON text (keys sorted, so
	 * that the same object compares equal however it was built) */
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
					JSON_REAL_PRECISION(15));
	char *out = g_strdup(s);
	free(s);
	return out;
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void diff_field(json_t *out, const char *field, json_t *before, json_t *after)
{
	g_autofree char *o = value_text(before ? json_object_get(before, field) : NULL);
	g_autofree char *n = value_text(after ? json_object_get(after, field) : NULL);

	if (!o && !n)
		return;
	if (o && n && !strcmp(o, n))
		return;
	json_array_append_new(out, json_pack("{s:s,s:o,s:o}", "field", field, "old",
					     text_or_null(o), "new", text_or_null(n)));
}

json_t *changelog_diff(json_t *before, json_t *after, const char *const *fields)
{
	json_t *out = json_array();

	if (before && !json_is_object(before))
		before = NULL;
	if (after && !json_is_object(after))
		after = NULL;
	if (fields) {
		for (size_t i = 0; fields[i]; i++)
			diff_field(out, fields[i], before, after);
		return out;
	}
	const char *key;
	json_t *v;
	if (after)
		json_object_foreach (after, key, v)
			diff_field(out, key, before, after);
	if (before)
		json_object_foreach (before, key, v)
			if (!after || !json_object_get(after, key))
				diff_field(out, key, before, after);
	return out;
}

/* ---- writing ---------------------------------------------------------- */

/* The account's display name now, "" for the system or an unknown account
 * (*exists false then: account_id is stored as NULL). New. */
static char *actor_name(const bireg_ctx *ctx, bool *exists, GError **err)
{
	*exists = false;
	if (ctx->user_id <= 0)
		return g_strdup("");
	g_autoptr(db_stmt) st =
		db_prepare(ctx->db, "SELECT display_name FROM account WHERE id = $1", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->user_id);
	int r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r != DB_ROW)
		return g_strdup("");
	*exists = true;
	const char *name = register_nz(db_col_text(st, 0));
	return g_utf8_substring(name, 0, MIN(g_utf8_strlen(name, -1), ACTOR_MAX));
}

static int64_t insert_entry(const bireg_ctx *ctx, const changelog_entry *e, GError **err)
{
	bool known;
	g_autofree char *actor = actor_name(ctx, &known, err);
	if (!actor)
		return -1;

	const char *summary = register_nz(e->summary);
	g_autofree char *cut = NULL;
	if (!g_utf8_validate(summary, -1, NULL))
		summary = "";
	else if (g_utf8_strlen(summary, -1) > SUMMARY_MAX)
		summary = cut = g_utf8_substring(summary, 0, SUMMARY_MAX);

	char *dumped = json_dumps(e->changes && json_is_array(e->changes) ? e->changes : NULL,
				  JSON_COMPACT);
	g_autofree char *changes = g_strdup(dumped ? dumped : "[]");
	free(dumped);

	char now[21];
	util_now_iso(now);
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"INSERT INTO change_log (region_id, at, account_id, actor, entity, entity_id, sub, "
		"sub_id, person_id, action, summary, changes) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, now);
	if (known)
		db_bind_int64(st, 3, ctx->user_id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, actor);
	db_bind_text(st, 5, e->entity);
	db_bind_int64(st, 6, e->entity_id);
	db_bind_text(st, 7, register_nz(e->sub));
	if (e->sub_id)
		db_bind_int64(st, 8, e->sub_id);
	else
		db_bind_null(st, 8);
	if (e->person_id)
		db_bind_int64(st, 9, e->person_id);
	else
		db_bind_null(st, 9);
	db_bind_text(st, 10, e->action);
	db_bind_text(st, 11, summary);
	db_bind_text(st, 12, changes);
	int r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "change_log insert returned no id");
	return db_col_int64(st, 0);
}

int64_t changelog_add(const bireg_ctx *ctx, const changelog_entry *e, GError **err)
{
	if (!e || !e->entity || !*e->entity || strlen(e->entity) > 40 ||
	    !register_one_of(e->action, actions) || (e->sub && strlen(e->sub) > 40))
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_add: bad entry");
	bool own;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	int64_t id = insert_entry(ctx, e, err);
	if (db_join_end(ctx->db, own, id < 0 ? -1 : 0, err) < 0)
		return -1;
	return id;
}

int64_t changelog_record(const bireg_ctx *ctx, const char *entity, int64_t entity_id,
			 const char *sub, int64_t sub_id, int64_t person_id, const char *action,
			 json_t *before, json_t *after, const char *const *fields,
			 const char *summary, GError **err)
{
	json_t *changes = changelog_diff(before, after, fields);

	if (action && !strcmp(action, "update") && json_array_size(changes) == 0) {
		json_decref(changes);
		return 0;
	}
	changelog_entry e = {.entity = entity,
			     .entity_id = entity_id,
			     .sub = sub,
			     .sub_id = sub_id,
			     .person_id = person_id,
			     .action = action,
			     .summary = summary,
			     .changes = changes};
	int64_t id = changelog_add(ctx, &e, err);
	json_decref(changes);
	return id;
}

/* ---- reading ---------------------------------------------------------- */

/* The UTC instant at which the Berlin day (days_after days after day)
 * begins, as stored. false when day is not a day. */
static bool day_start_utc(const char *day, int days_after, char out[static 21])
{
	if (!register_is_day(day))
		return false;
	g_autoptr(GDateTime) d0 = g_date_time_new_utc(atoi(day), atoi(day + 5), atoi(day + 8), 0,
						      0, 0);
	if (!d0)
		return false;
	g_autoptr(GDateTime) d = g_date_time_add_days(d0, days_after);
	bireg_date bd = {g_date_time_get_year(d), g_date_time_get_month(d),
			 g_date_time_get_day_of_month(d)};
	g_autoptr(GDateTime) t = format_local_to_utc(&bd, 0, 0, NULL);
	if (!t)
		return false;
	util_iso_at(g_date_time_to_unix(t), out);
	return true;
}

typedef struct where {
	GString *sql;
	int n;                 /* parameters used */
	int64_t ints[8];       /* by parameter number - 1; texts[i] NULL: ints[i] */
	const char *texts[8];
	char from[21], until[21];
} where;

/* Appends pre, the next parameter ($n) and post; the parameter binds v. */
static void where_int(where *w, const char *pre, int64_t v, const char *post)
{
	w->ints[w->n] = v;
	w->texts[w->n] = NULL;
	w->n++;
	g_string_append_printf(w->sql, "%s$%d%s", pre, w->n, post);
}

static void where_text(where *w, const char *pre, const char *v, const char *post)
{
	w->texts[w->n] = v;
	w->n++;
	g_string_append_printf(w->sql, "%s$%d%s", pre, w->n, post);
}

static void where_bind(const where *w, db_stmt *st)
{
	for (int i = 0; i < w->n; i++) {
		if (w->texts[i])
			db_bind_text(st, i + 1, w->texts[i]);
		else
			db_bind_int64(st, i + 1, w->ints[i]);
	}
}

static int build_where(const bireg_ctx *ctx, const changelog_filter *f, where *w, GError **err)
{
	w->sql = g_string_new(NULL);
	where_int(w, " WHERE region_id = ", ctx->region_id, "");
	const char *entity = f->entity && *f->entity ? f->entity : NULL;
	int64_t entity_id = f->entity_id;
	/* A person's own record and the person are the same thing. */
	if (entity && !strcmp(entity, "person") && !entity_id && f->person_id)
		entity_id = f->person_id;
	if (entity && entity_id && f->person_id) {
		where_text(w, " AND ((entity = ", entity, "");
		where_int(w, " AND entity_id = ", entity_id, ")");
		where_int(w, " OR person_id = ", f->person_id, ")");
	} else if (entity && f->person_id) {
		where_text(w, " AND entity = ", entity, "");
		where_int(w, " AND person_id = ", f->person_id, "");
	} else if (entity) {
		where_text(w, " AND entity = ", entity, "");
		if (entity_id)
			where_int(w, " AND entity_id = ", entity_id, "");
	} else if (f->person_id) {
		where_int(w, " AND person_id = ", f->person_id, "");
	}
	if (f->action && *f->action) {
		if (!register_one_of(f->action, actions))
			return register_invalid(err, "action", N_("Choose an action from the list."));
		where_text(w, " AND action = ", f->action, "");
	}
	if (f->from_day && *f->from_day) {
		if (!day_start_utc(f->from_day, 0, w->from))
			return register_invalid(err, "from", N_("Enter a valid date."));
		where_text(w, " AND at >= ", w->from, "");
	}
	if (f->until_day && *f->until_day) {
		if (!day_start_utc(f->until_day, 1, w->until))
			return register_invalid(err, "until", N_("Enter a valid date."));
		where_text(w, " AND at < ", w->until, "");
	}
	return 0;
}

static json_t *entry_row(db_stmt *st, void *data)
{
	(void)data;
	json_error_t jerr;
	json_t *changes = json_loads(register_nz(db_col_text(st, 11)), 0, &jerr);
	if (!json_is_array(changes)) {
		json_decref(changes);
		changes = json_array();
	}
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "at", register_nz(db_col_text(st, 1)),
			      "actor", register_nz(db_col_text(st, 3)), "entity",
			      register_nz(db_col_text(st, 4)), "entity_id",
			      (json_int_t)db_col_int64(st, 5), "sub", register_nz(db_col_text(st, 6)),
			      "action", register_nz(db_col_text(st, 9)), "summary",
			      register_nz(db_col_text(st, 10)));
	json_object_set_new(o, "account_id", register_col_id_or_null(st, 2));
	json_object_set_new(o, "sub_id", register_col_id_or_null(st, 7));
	json_object_set_new(o, "person_id", register_col_id_or_null(st, 8));
	json_object_set_new(o, "changes", changes);
	return o;
}

json_t *changelog_list(const bireg_ctx *ctx, const changelog_filter *f, GError **err)
{
	changelog_filter none = {0};
	where w = {0};

	if (!f)
		f = &none;
	if (build_where(ctx, f, &w, err) < 0) {
		g_string_free(w.sql, TRUE);
		return NULL;
	}
	g_autofree char *where_sql = g_string_free(w.sql, FALSE);
	int64_t limit = f->limit <= 0 ? 50 : MIN(f->limit, 500);
	int64_t offset = MAX(f->offset, 0);

	g_autofree char *count_sql = g_strconcat("SELECT count(*) FROM change_log", where_sql, NULL);
	g_autoptr(db_stmt) cst = db_prepare(ctx->db, count_sql, err);
	if (!cst)
		return NULL;
	where_bind(&w, cst);
	if (db_step(cst, err) != DB_ROW)
		return NULL;
	int64_t total = db_col_int64(cst, 0);

	g_autofree char *list_sql = g_strdup_printf(
		"SELECT id, at, account_id, actor, entity, entity_id, sub, sub_id, person_id, "
		"action, summary, changes FROM change_log%s ORDER BY id DESC LIMIT %" G_GINT64_FORMAT
		" OFFSET %" G_GINT64_FORMAT,
		where_sql, limit, offset);
	g_autoptr(db_stmt) st = db_prepare(ctx->db, list_sql, err);
	if (!st)
		return NULL;
	where_bind(&w, st);
	json_t *rows = register_collect(st, entry_row, NULL, err);
	if (!rows)
		return NULL;
	return json_pack("{s:I,s:o}", "total", (json_int_t)total, "rows", rows);
}

/* ---- erasure, merge, retention ----------------------------------------- */

/* Runs sql with $1 = region and the given int64 / text parameters from $2
 * on, in the caller's transaction or its own: the rows changed, or -1. */
static int64_t run_changes(const bireg_ctx *ctx, const char *sql, const char *text2,
			   const int64_t *ints, int n_ints, GError **err)
{
	bool own;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	int64_t n = -1;
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	if (st) {
		int p = 1;
		db_bind_int64(st, p++, ctx->region_id);
		if (text2)
			db_bind_text(st, p++, text2);
		for (int i = 0; i < n_ints; i++)
			db_bind_int64(st, p++, ints[i]);
		if (db_run(st, err) >= 0)
			n = db_changes(ctx->db);
	}
	g_clear_pointer(&st, db_stmt_free);
	if (db_join_end(ctx->db, own, n < 0 ? -1 : 0, err) < 0)
		return -1;
	return n;
}

int64_t changelog_scrub_person(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	const int64_t ids[] = {person_id};
	return run_changes(ctx,
		"UPDATE change_log SET changes = '[]', summary = '' WHERE region_id = $1 "
		"AND ((entity = 'person' AND entity_id = $2) OR person_id = $2) "
		"AND (changes <> '[]' OR summary <> '')",
		NULL, ids, 1, err);
}

int64_t changelog_reassign(const bireg_ctx *ctx, const char *entity, int64_t from_id,
			   int64_t into_id, GError **err)
{
	const int64_t ids[] = {from_id, into_id};

	if (!entity || !*entity)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_reassign: no entity");
	if (!strcmp(entity, "person"))
		return run_changes(ctx,
			"UPDATE change_log SET "
			"entity_id = CASE WHEN entity = 'person' AND entity_id = $2 THEN $3 "
			"ELSE entity_id END, "
			"person_id = CASE WHEN person_id = $2 THEN $3 ELSE person_id END "
			"WHERE region_id = $1 AND ((entity = 'person' AND entity_id = $2) "
			"OR person_id = $2)",
			NULL, ids, 2, err);
	return run_changes(ctx,
		"UPDATE change_log SET entity_id = $4 WHERE region_id = $1 AND entity = $2 "
		"AND entity_id = $3",
		entity, ids, 2, err);
}

int64_t changelog_purge_before(const bireg_ctx *ctx, const char *before, GError **err)
{
	g_autoptr(GDateTime) t = before && strlen(before) == 20 ? format_parse_utc(before) : NULL;
	if (!t)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_purge_before: bad time");
	bool own;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	int64_t n = -1;
	{
		g_autoptr(db_stmt) st = db_prepare(
			ctx->db, "DELETE FROM change_log WHERE region_id = $1 AND at < $2", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, before);
			if (db_run(st, err) >= 0)
				n = db_changes(ctx->db);
		}
	}
	if (db_join_end(ctx->db, own, n < 0 ? -1 : 0, err) < 0)
		return -1;
	return n;
}

/* ---- snapshots for the stores' hooks ------------------------------------ */

typedef struct kind_spec {
	const char *kind;
	const char *sql;             /* $1 = region, $2 = id; columns as cols */
	const char *const *cols;     /* NULL-terminated */
	const char *const *fields;   /* the fields diffed (NULL: cols) */
} kind_spec;

static const char *const person_cols[] = {
	"address_form", "title", "first_name", "last_name", "letter_salutation", "function",
	"phone", "mobile", "email", "street", "postcode", "city", "preferred_channel",
	"legal_basis", "legal_basis_note", "notes", NULL};
static const char *const consent_cols[] = {"person_id", "kind", "given", "day", "source", NULL};
static const char *const consent_fields[] = {"kind", "given", "day", "source", NULL};
static const char *const affiliation_cols[] = {"person_id", "institution_id", "function",
					       "start_day", "end_day", NULL};
static const char *const affiliation_fields[] = {"institution_id", "function", "start_day",
						 "end_day", NULL};
static const char *const account_cols[] = {"person_id", "account_id", "account_email", NULL};
static const char *const account_fields[] = {"account_id", "account_email", NULL};
static const char *const institution_cols[] = {
	"type_id", "name", "name_extra", "short_name", "street", "postcode", "city", "phone",
	"email", "website", "notes", "school_number", "school_form", "legal_form",
	"carrier_number", NULL};
static const char *const institution_fields[] = {
	"type_id", "name", "name_extra", "short_name", "street", "postcode", "city", "phone",
	"email", "website", "notes", "school_number", "school_form", "legal_form",
	"carrier_number", "areas", "tags", NULL};
static const char *const body_cols[] = {
	"name", "short_name", "type", "level_id", "area_id", "parent_id", "description", "goals",
	"active_from", "active_until", "chair_mode", "decision_mode", "quorum_rule",
	"quorum_share_pct", "invitation_days", "invitation_days_urgent", "papers_days",
	"objection_days", "written_procedure", "public", "nonpublic_access", NULL};
static const char *const membership_cols[] = {
	"body_id", "person_id", "role", "substitute_for_id", "institution_id", "partner_side",
	"voting", "start_day", "end_day", "note", NULL};
static const char *const membership_fields[] = {
	"person_id", "role", "substitute_for_id", "institution_id", "partner_side", "voting",
	"start_day", "end_day", "note", NULL};
static const char *const area_cols[] = {"hierarchy", "parent_id", "kind", "code", "name",
					"position", NULL};
static const char *const type_cols[] = {"key", "name", "is_school", "position", NULL};
static const char *const level_cols[] = {"position", "name", "description", NULL};

static const kind_spec kind_specs[] = {
	{"person",
	 "SELECT address_form, title, first_name, last_name, letter_salutation, function, phone, "
	 "mobile, email, street, postcode, city, preferred_channel, legal_basis, legal_basis_note, "
	 "notes FROM person WHERE region_id = $1 AND id = $2",
	 person_cols, NULL},
	{"consent",
	 "SELECT person_id, kind, given, day, source FROM person_consent "
	 "WHERE region_id = $1 AND id = $2",
	 consent_cols, consent_fields},
	{"affiliation",
	 "SELECT person_id, institution_id, function, start_day, end_day FROM person_affiliation "
	 "WHERE region_id = $1 AND id = $2",
	 affiliation_cols, affiliation_fields},
	{"account",
	 "SELECT ap.person_id, a.id, a.email FROM account_person ap "
	 "JOIN account a ON a.id = ap.account_id WHERE ap.region_id = $1 AND ap.person_id = $2",
	 account_cols, account_fields},
	{"institution",
	 "SELECT type_id, name, name_extra, short_name, street, postcode, city, phone, email, "
	 "website, notes, school_number, school_form, legal_form, carrier_number FROM institution "
	 "WHERE region_id = $1 AND id = $2",
	 institution_cols, institution_fields},
	{"body",
	 "SELECT name, short_name, type, level_id, area_id, parent_id, description, goals, "
	 "active_from, active_until, chair_mode, decision_mode, quorum_rule, quorum_share_pct, "
	 "invitation_days, invitation_days_urgent, papers_days, objection_days, "
	 "written_procedure, public, nonpublic_access FROM body WHERE region_id = $1 AND id = $2",
	 body_cols, NULL},
	{"membership",
	 "SELECT body_id, person_id, role, substitute_for_id, institution_id, partner_side, voting, "
	 "start_day, end_day, note FROM membership WHERE region_id = $1 AND id = $2",
	 membership_cols, membership_fields},
	{"area",
	 "SELECT hierarchy, parent_id, kind, code, name, position FROM area "
	 "WHERE region_id = $1 AND id = $2",
	 area_cols, NULL},
	{"institution_type",
	 "SELECT key, name, is_school, position FROM institution_type "
	 "WHERE region_id = $1 AND id = $2",
	 type_cols, NULL},
	{"level",
	 "SELECT position, name, description FROM region_level WHERE region_id = $1 AND id = $2",
	 level_cols, NULL},
};

static const kind_spec *spec_of(const char *kind)
{
	for (size_t i = 0; kind && i < G_N_ELEMENTS(kind_specs); i++)
		if (!strcmp(kind_specs[i].kind, kind))
			return &kind_specs[i];
	return NULL;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The first column of every row of sql ($1 region, $2 id), sorted in C (the
 * backends' collations differ) and joined by ", ". NULL on failure. */
static char *joined_names(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	int r;
	while ((r = db_step(st, err)) == DB_ROW)
		g_ptr_array_add(names, g_strdup(register_nz(db_col_text(st, 0))));
	if (r < 0)
		return NULL;
	g_ptr_array_sort(names, cmp_str);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(", ", (char **)names->pdata);
}

int changelog_snapshot(const bireg_ctx *ctx, const char *kind, int64_t id, json_t **out,
		       GError **err)
{
	const kind_spec *k = spec_of(kind);

	*out = NULL;
	if (!k)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_snapshot: unknown kind");
	g_autoptr(db_stmt) st = db_prepare(ctx->db, k->sql, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	int r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return 0;
	json_t *o = json_object();
	for (int i = 0; k->cols[i]; i++)
		json_object_set_new(o, k->cols[i], text_or_null(db_col_text(st, i)));
	if (!strcmp(kind, "institution")) {
		g_autofree char *areas = joined_names(ctx,
			"SELECT a.name FROM institution_area ia JOIN area a ON a.id = ia.area_id "
			"WHERE ia.region_id = $1 AND ia.institution_id = $2", id, err);
		g_autofree char *tags = areas ? joined_names(ctx,
			"SELECT tag FROM institution_tag WHERE region_id = $1 AND institution_id = $2",
			id, err) : NULL;
		if (!tags) {
			json_decref(o);
			return -1;
		}
		json_object_set_new(o, "areas", json_string(areas));
		json_object_set_new(o, "tags", json_string(tags));
	}
	*out = o;
	return 0;
}

int64_t changelog_track(const bireg_ctx *ctx, const char *kind, int64_t id, const char *action,
			json_t *before, const char *summary, GError **err)
{
	const kind_spec *k = spec_of(kind);
	json_t *after = NULL;

	if (!k)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_track: unknown kind");
	if (!action || strcmp(action, "delete"))
		if (changelog_snapshot(ctx, kind, id, &after, err) < 0)
			return -1;
	json_t *row = after ? after : before;
	if (!row)
		return 0;

	const char *entity = kind, *sub = NULL;
	int64_t entity_id = id, sub_id = 0, person_id = 0;
	g_autofree char *pid_text = value_text(json_object_get(row, "person_id"));
	int64_t row_person = pid_text ? g_ascii_strtoll(pid_text, NULL, 10) : 0;
	if (!strcmp(kind, "person")) {
		person_id = id;
	} else if (!strcmp(kind, "consent") || !strcmp(kind, "affiliation")) {
		entity = "person";
		entity_id = person_id = row_person;
		sub = kind;
		sub_id = id;
	} else if (!strcmp(kind, "account")) {
		g_autofree char *acc = value_text(json_object_get(row, "account_id"));
		entity = "person";
		person_id = id;
		sub = kind;
		sub_id = acc ? g_ascii_strtoll(acc, NULL, 10) : 0;
	} else if (!strcmp(kind, "membership")) {
		g_autofree char *body = value_text(json_object_get(row, "body_id"));
		entity = "body";
		entity_id = body ? g_ascii_strtoll(body, NULL, 10) : 0;
		sub = kind;
		sub_id = id;
		person_id = row_person;
	}
	const char *const *fields = k->fields ? k->fields : k->cols;
	int64_t r = 0;
	/* An import that changed an existing record in nothing is no event
	 * (a second import of the same file writes no entries). */
	if (before && after && action && !strcmp(action, "import")) {
		json_t *d = changelog_diff(before, after, fields);
		bool same = json_array_size(d) == 0;
		json_decref(d);
		if (same) {
			json_decref(after);
			return 0;
		}
	}
	r = changelog_record(ctx, entity, entity_id, sub, sub_id, person_id, action, before, after,
			     fields, summary, err);
	json_decref(after);
	return r;
}

json_t *changelog_levels_snapshot(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, position, name, description FROM region_level WHERE region_id = $1", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	json_t *all = json_object();
	int r;
	while ((r = db_step(st, err)) == DB_ROW) {
		g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT, db_col_int64(st, 0));
		json_t *o = json_object();
		for (int i = 0; level_cols[i]; i++)
			json_object_set_new(o, level_cols[i], text_or_null(db_col_text(st, i + 1)));
		json_object_set_new(all, key, o);
	}
	if (r < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

int changelog_levels_track(const bireg_ctx *ctx, json_t *before, GError **err)
{
	json_t *now = changelog_levels_snapshot(ctx, err);
	const char *key;
	json_t *v;
	int rc = 0;

	if (!now)
		return -1;
	json_object_foreach (now, key, v) {
		json_t *old = before ? json_object_get(before, key) : NULL;
		int64_t id = g_ascii_strtoll(key, NULL, 10);
		if (changelog_record(ctx, "level", id, NULL, 0, 0, old ? "update" : "create", old, v,
				     level_cols, NULL, err) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && before)
		json_object_foreach (before, key, v) {
			if (json_object_get(now, key))
				continue;
			if (changelog_record(ctx, "level", g_ascii_strtoll(key, NULL, 10), NULL, 0, 0,
					     "delete", v, NULL, level_cols, NULL, err) < 0) {
				rc = -1;
				break;
			}
		}
	json_decref(now);
	return rc;
}

/* ---- many records at once (bulk imports; added by H7) -------------------- */

/* changelog_add_many(), the changes of entry i as JSON text texts[i] when
 * texts is given (e[i].changes is then not read). */
static int64_t add_many(const bireg_ctx *ctx, const changelog_entry *e,
			const char *const *texts, size_t n, GError **err)
{
	static const char *const cols[] = {"entity text", "entity_id bigint", "sub text",
					   "sub_id bigint", "person_id bigint", "action text",
					   "summary text", "changes text", NULL};
	for (size_t i = 0; i < n; i++)
		if (!e[i].entity || !*e[i].entity || strlen(e[i].entity) > 40 ||
		    !register_one_of(e[i].action, actions) || (e[i].sub && strlen(e[i].sub) > 40))
			return util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_add_many: bad entry");
	if (n == 0)
		return 0;
	bool own;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	int64_t rc = -1;
	bool known;
	g_autofree char *actor = actor_name(ctx, &known, err);
	if (actor) {
		g_autoptr(db_rows) rows = db_rows_new(ctx->db, cols);
		for (size_t i = 0; i < n; i++) {
			const char *summary = register_nz(e[i].summary);
			g_autofree char *cut = NULL;
			if (!g_utf8_validate(summary, -1, NULL))
				summary = "";
			else if (g_utf8_strlen(summary, -1) > SUMMARY_MAX)
				summary = cut = g_utf8_substring(summary, 0, SUMMARY_MAX);
			char *dumped = texts ? NULL
					     : json_dumps(e[i].changes && json_is_array(e[i].changes)
							  ? e[i].changes : NULL, JSON_COMPACT);
			db_rows_text(rows, e[i].entity);
			db_rows_int(rows, e[i].entity_id);
			db_rows_text(rows, register_nz(e[i].sub));
			if (e[i].sub_id)
				db_rows_int(rows, e[i].sub_id);
			else
				db_rows_null(rows);
			if (e[i].person_id)
				db_rows_int(rows, e[i].person_id);
			else
				db_rows_null(rows);
			db_rows_text(rows, e[i].action);
			db_rows_text(rows, summary);
			db_rows_text(rows, texts ? texts[i] : dumped ? dumped : "[]");
			free(dumped);
		}
		char now[21];
		util_now_iso(now);
		db_param params[] = {{.i = ctx->region_id}, {.text = now},
				     {.i = ctx->user_id, .null = !known}, {.text = actor}};
		/* The entries get their ids in the order given (one by one on
		 * SQLite; json_to_recordset reads the array in order). */
		if (db_rows_run(ctx->db,
				"INSERT INTO change_log (region_id, at, account_id, actor, entity, "
				"entity_id, sub, sub_id, person_id, action, summary, changes) "
				"SELECT $1, $2, $3, $4, x.entity, x.entity_id, x.sub, x.sub_id, "
				"x.person_id, x.action, x.summary, x.changes FROM {rows}",
				params, G_N_ELEMENTS(params), rows, err) == DB_OK)
			rc = (int64_t)n;
	}
	if (db_join_end(ctx->db, own, rc < 0 ? -1 : 0, err) < 0)
		return -1;
	return rc;
}

int64_t changelog_add_many(const bireg_ctx *ctx, const changelog_entry *e, size_t n,
			   GError **err)
{
	return add_many(ctx, e, NULL, n, err);
}

/* Which ids a bulk snapshot reads: up to IDS_LISTED as a list of
 * parameters ($2, $3, …), more as the range $2..$3 of ids, the rows
 * outside the set dropped in C. Either is one index scan whatever the
 * planner thinks of the table (freshly written rows have no statistics
 * yet: a join with a JSON row set can then turn quadratic). */
#define IDS_LISTED 200

typedef struct id_set {
	GHashTable *ids; /* gint64* (borrowed from the caller's array) */
	int64_t min, max;
	const int64_t *list;
	size_t n;
} id_set;

/* col IN (…) or col BETWEEN $2 AND $3. */
static void id_set_where(const id_set *s, GString *sql, const char *col)
{
	if (s->n <= IDS_LISTED) {
		g_string_append_printf(sql, "%s IN (", col);
		for (size_t i = 0; i < s->n; i++)
			g_string_append_printf(sql, "%s$%zu", i ? ", " : "", i + 2);
		g_string_append_c(sql, ')');
	} else {
		g_string_append_printf(sql, "%s BETWEEN $2 AND $3", col);
	}
}

static void id_set_bind(const id_set *s, db_stmt *st)
{
	if (s->n <= IDS_LISTED) {
		for (size_t i = 0; i < s->n; i++)
			db_bind_int64(st, (int)i + 2, s->list[i]);
	} else {
		db_bind_int64(st, 2, s->min);
		db_bind_int64(st, 3, s->max);
	}
}

/* The first column (an id) and second (a name) of every row of sql ($1
 * region, then the id set), as id -> names sorted in C and joined by ", "
 * (as joined_names()). */
static GHashTable *joined_names_many(const bireg_ctx *ctx, const char *sql, const id_set *set,
				     GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	id_set_bind(set, st);
	g_autoptr(GHashTable) lists = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							    (GDestroyNotify)g_ptr_array_unref);
	int r;
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 id = db_col_int64(st, 0);
		if (!g_hash_table_contains(set->ids, &id))
			continue;
		GPtrArray *names = g_hash_table_lookup(lists, &id);
		if (!names) {
			names = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(lists, g_memdup2(&id, sizeof id), names);
		}
		g_ptr_array_add(names, g_strdup(register_nz(db_col_text(st, 1))));
	}
	if (r < 0)
		return NULL;
	GHashTable *out = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, lists);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GPtrArray *names = v;
		g_ptr_array_sort(names, cmp_str);
		g_ptr_array_add(names, NULL);
		g_hash_table_insert(out, g_memdup2(k, sizeof(gint64)),
				    g_strjoinv(", ", (char **)names->pdata));
	}
	return out;
}

json_t *changelog_snapshot_many(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
				size_t n, GError **err)
{
	if (g_strcmp0(kind, "institution")) {
		util_fail(err, BIREG_DB_ERROR, DB_ERROR, "changelog_snapshot_many: unsupported kind");
		return NULL;
	}
	json_t *out = json_array();
	if (n == 0)
		return out;
	g_autoptr(GHashTable) wanted = g_hash_table_new(g_int64_hash, g_int64_equal);
	id_set set = {.ids = wanted, .min = ids[0], .max = ids[0], .list = ids, .n = n};
	for (size_t i = 0; i < n; i++) {
		g_hash_table_add(wanted, (gpointer)&ids[i]);
		set.min = MIN(set.min, ids[i]);
		set.max = MAX(set.max, ids[i]);
	}
	g_autoptr(GString) sql = g_string_new(
		"SELECT id, type_id, name, name_extra, short_name, street, postcode, city, phone, "
		"email, website, notes, school_number, school_form, legal_form, carrier_number "
		"FROM institution WHERE region_id = $1 AND ");
	g_autoptr(GString) areas_sql = g_string_new(
		"SELECT ia.institution_id, a.name FROM institution_area ia JOIN area a "
		"ON a.id = ia.area_id WHERE ia.region_id = $1 AND a.region_id = $1 AND ");
	g_autoptr(GString) tags_sql = g_string_new(
		"SELECT institution_id, tag FROM institution_tag WHERE region_id = $1 AND ");
	id_set_where(&set, sql, "id");
	id_set_where(&set, areas_sql, "ia.institution_id");
	id_set_where(&set, tags_sql, "institution_id");
	g_autoptr(GHashTable) rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							   (GDestroyNotify)json_decref);
	g_autoptr(GHashTable) areas = NULL, tags = NULL;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db, sql->str, err);
		int r;
		if (!st)
			goto fail;
		db_bind_int64(st, 1, ctx->region_id);
		id_set_bind(&set, st);
		while ((r = db_step(st, err)) == DB_ROW) {
			gint64 id = db_col_int64(st, 0);
			if (!g_hash_table_contains(wanted, &id))
				continue;
			json_t *o = json_object();
			/* The columns as changelog_snapshot() takes them. */
			for (int i = 0; institution_cols[i]; i++)
				json_object_set_new(o, institution_cols[i],
						    text_or_null(db_col_text(st, i + 1)));
			g_hash_table_insert(rows, g_memdup2(&id, sizeof id), o);
		}
		if (r < 0)
			goto fail;
	}
	areas = joined_names_many(ctx, areas_sql->str, &set, err);
	tags = areas ? joined_names_many(ctx, tags_sql->str, &set, err) : NULL;
	if (!tags)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		gint64 id = ids[i];
		json_t *o = g_hash_table_lookup(rows, &id);
		if (!o) {
			json_array_append_new(out, json_null());
			continue;
		}
		const char *a = g_hash_table_lookup(areas, &id), *t = g_hash_table_lookup(tags, &id);
		/* An id given twice shares its snapshot (the caller only reads). */
		json_object_set_new(o, "areas", json_string(a ? a : ""));
		json_object_set_new(o, "tags", json_string(t ? t : ""));
		json_array_append(out, o);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

int64_t changelog_track_many(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
			     size_t n, const char *action, json_t *befores, const char *summary,
			     GError **err)
{
	const kind_spec *k = spec_of(kind);
	if (!k || strcmp(kind, "institution") || !action || !strcmp(action, "delete"))
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR,
				 "changelog_track_many: unsupported kind or action");
	json_t *afters = changelog_snapshot_many(ctx, kind, ids, n, err);
	if (!afters)
		return -1;
	const char *const *fields = k->fields ? k->fields : k->cols;
	g_autofree changelog_entry *entries = g_new0(changelog_entry, n ? n : 1);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *before = befores ? json_array_get(befores, i) : NULL;
		json_t *after = json_array_get(afters, i);
		if (before && json_is_null(before))
			before = NULL;
		if (after && json_is_null(after))
			after = NULL;
		if (!after && !before)
			continue;
		/* As changelog_track(): an import or update that changed nothing
		 * is no event. */
		json_t *changes = changelog_diff(before, after, fields);
		if (before && after && (!strcmp(action, "import") || !strcmp(action, "update")) &&
		    json_array_size(changes) == 0) {
			json_decref(changes);
			continue;
		}
		entries[m++] = (changelog_entry){.entity = kind,
						 .entity_id = ids[i],
						 .action = action,
						 .summary = summary,
						 .changes = changes};
	}
	int64_t rc = changelog_add_many(ctx, entries, m, err);
	for (size_t i = 0; i < m; i++)
		json_decref(entries[i].changes);
	json_decref(afters);
	return rc;
}

/* Appends s (valid UTF-8) as a JSON string, byte for byte as json_dumps()
 * writes it (jansson 2.x: \" \\ \b \f \n \r \t, other control characters
 * as \u00XX in upper case, everything else as it is), so that an entry
 * written here reads the same as one of changelog_record(). */
static void dump_string(GString *out, const char *s)
{
	const char *run = s, *p;

	g_string_append_c(out, '"');
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		g_string_append_len(out, run, p - run);
		switch (c) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\b': g_string_append(out, "\\b"); break;
		case '\f': g_string_append(out, "\\f"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default: g_string_append_printf(out, "\\u%04X", c); break;
		}
		run = p + 1;
	}
	g_string_append_len(out, run, p - run);
	g_string_append_c(out, '"');
}

static void dump_value(GString *out, const char *v)
{
	if (v)
		dump_string(out, v);
	else
		g_string_append(out, "null");
}

int64_t changelog_track_many_known(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
				   size_t n, const char *action, json_t *befores,
				   const char *const *fields, const char *const *afters,
				   const char *summary, GError **err)
{
	const kind_spec *k = spec_of(kind);
	const char *const *want = k ? (k->fields ? k->fields : k->cols) : NULL;
	size_t nf = 0;

	if (!k || !action || !strcmp(action, "delete") || !fields)
		return util_fail(err, BIREG_DB_ERROR, DB_ERROR,
				 "changelog_track_many_known: unsupported kind or action");
	/* The caller's fields must be the kind's, in its order. */
	for (; want[nf] || fields[nf]; nf++)
		if (!want[nf] || !fields[nf] || strcmp(want[nf], fields[nf]))
			return util_fail(err, BIREG_DB_ERROR, DB_ERROR,
					 "changelog_track_many_known: not the fields of the kind");
	bool quiet_same = !strcmp(action, "import") || !strcmp(action, "update");
	g_autofree changelog_entry *entries = g_new0(changelog_entry, n ? n : 1);
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) text = g_string_new(NULL);
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		json_t *before = befores ? json_array_get(befores, i) : NULL;
		const char *const *after = afters + i * nf;
		size_t changes = 0;

		if (before && !json_is_object(before))
			before = NULL;
		g_string_assign(text, "[");
		/* As diff_field() over value_text(): null, missing and "" are
		 * no value; two values differ by their text. */
		for (size_t f = 0; f < nf; f++) {
			json_t *bv = before ? json_object_get(before, fields[f]) : NULL;
			g_autofree char *o_own = NULL;
			const char *o = NULL, *nv = after[f] && *after[f] ? after[f] : NULL;
			if (bv && json_is_string(bv))
				o = json_string_length(bv) ? json_string_value(bv) : NULL;
			else
				o = o_own = value_text(bv);
			if ((!o && !nv) || (o && nv && !strcmp(o, nv)))
				continue;
			g_string_append(text, changes++ ? ",{\"field\":" : "{\"field\":");
			dump_string(text, fields[f]);
			g_string_append(text, ",\"old\":");
			dump_value(text, o);
			g_string_append(text, ",\"new\":");
			dump_value(text, nv);
			g_string_append_c(text, '}');
		}
		/* As changelog_track(): an import or update that changed nothing
		 * is no event. */
		if (before && quiet_same && changes == 0)
			continue;
		g_string_append_c(text, ']');
		g_ptr_array_add(texts, g_strdup(text->str));
		entries[m++] = (changelog_entry){.entity = kind,
						 .entity_id = ids[i],
						 .action = action,
						 .summary = summary};
	}
	return add_many(ctx, entries, (const char *const *)texts->pdata, m, err);
}
