/*
 * test_register_body.c — bodies with their rules of procedure and
 * memberships (src/modules/register/body_store.c, membership_store.c) on
 * the backend the environment chooses (tests/unit/test_dbenv.h).
 *
 * Every refusal is checked twice: the error names the form field the
 * message belongs next to, and nothing was written (row counts and the
 * search index are unchanged). Two regions share the database, so every
 * reference to a row of the other region must be refused as well.
 */
#include <string.h>

#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	int64_t r1, r2;
	bireg_ctx c1, c2;
	int64_t level1, level2, level_other;
	int64_t area1, area_other;
	int64_t inst1, inst_other;
	int64_t people[8]; /* of region 1 */
	int64_t person_other;
} fixture;

/* Runs an INSERT ... RETURNING id with text parameters in region ctx. */
static int64_t insert(fixture *f, const bireg_ctx *ctx, const char *sql, const char *const *args,
		      size_t n)
{
	g_autoptr(GError) err = NULL;
	db_set_region(f->d, ctx->region_id);
	g_autoptr(db_stmt) st = db_prepare(f->d, sql, &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, ctx->region_id);
	for (size_t i = 0; i < n; i++)
		db_bind_text(st, (int)i + 2, args[i]);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

static int64_t add_person(fixture *f, const bireg_ctx *ctx, const char *first, const char *last)
{
	g_autofree char *sort = register_sort_key(last, first);
	const char *args[] = {first, last, sort};
	return insert(f, ctx,
		      "INSERT INTO person (region_id, first_name, last_name, sort_name, created_at, "
		      "updated_at) VALUES ($1, $2, $3, $4, '2026-01-01T00:00:00Z', "
		      "'2026-01-01T00:00:00Z') RETURNING id", args, 3);
}

static int64_t add_institution(fixture *f, const bireg_ctx *ctx, const char *name)
{
	const char *args[] = {name};
	int64_t type = insert(f, ctx,
		"INSERT INTO institution_type (region_id, name) VALUES ($1, 'Art ' || $2) RETURNING id",
		args, 1);
	g_autofree char *t = g_strdup_printf("%" G_GINT64_FORMAT, type);
	const char *args2[] = {name, t};
	return insert(f, ctx,
		      "INSERT INTO institution (region_id, name, type_id, sort_name, created_at, "
		      "updated_at) VALUES ($1, $2, CAST($3 AS bigint), lower($2), "
		      "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", args2, 2);
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const char *const names[][2] = {
		{"Petra", "Beispiel"}, {"Mika", "Vorsitz"}, {"Jonas", "Müller"}, {"Ayşe", "Özdemir"},
		{"Lena", "Quelle"},    {"Karl", "Weiß"},    {"Sam", "Mitglied"}, {"Uwe", "Ueberall"},
	};

	f->d = test_db_open(&err);
	g_assert_no_error(err);
	f->r1 = test_db_add_region(f->d, "eins", "Bildungsregion Eins");
	f->r2 = test_db_add_region(f->d, "zwei", "Bildungsregion Zwei");
	f->c1 = (bireg_ctx){.db = f->d, .region_id = f->r1};
	f->c2 = (bireg_ctx){.db = f->d, .region_id = f->r2};
	{
		const char *a1[] = {"Regionale Ebene"}, *a2[] = {"Stadtbezirksebene"};
		f->level1 = insert(f, &f->c1, "INSERT INTO region_level (region_id, position, name) "
			"VALUES ($1, 1, $2) RETURNING id", a1, 1);
		f->level2 = insert(f, &f->c1, "INSERT INTO region_level (region_id, position, name) "
			"VALUES ($1, 2, $2) RETURNING id", a2, 1);
		f->level_other = insert(f, &f->c2, "INSERT INTO region_level (region_id, position, "
			"name) VALUES ($1, 1, $2) RETURNING id", a1, 1);
	}
	{
		const char *a[] = {"Hamborn"};
		f->area1 = insert(f, &f->c1, "INSERT INTO area (region_id, hierarchy, kind, name) "
			"VALUES ($1, 'admin', 'Stadtbezirk', $2) RETURNING id", a, 1);
		f->area_other = insert(f, &f->c2, "INSERT INTO area (region_id, hierarchy, kind, "
			"name) VALUES ($1, 'admin', 'Stadtbezirk', $2) RETURNING id", a, 1);
	}
	f->inst1 = add_institution(f, &f->c1, "Stadt Eins");
	f->inst_other = add_institution(f, &f->c2, "Stadt Zwei");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		f->people[i] = add_person(f, &f->c1, names[i][0], names[i][1]);
	f->person_other = add_person(f, &f->c2, "Otto", "Anders");
	db_set_region(f->d, f->r1);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

static int64_t count(fixture *f, const char *sql)
{
	return test_db_query_int(f->d, sql, f->r1);
}

/* The field of a REGISTER_ERROR_INVALID error (asserting it is one). */
static char *invalid_field(const GError *err)
{
	g_assert_nonnull(err);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID));
	return register_error_field(err);
}

static int64_t make_body(fixture *f, const char *name, const char *chair_mode)
{
	g_autoptr(GError) err = NULL;
	body_input in;
	body_input_defaults(&in);
	in.name = name;
	in.type = "steering";
	in.level_id = f->level1;
	in.chair_mode = chair_mode;
	int64_t id = body_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* ---- rules of procedure ------------------------------------------------ */

typedef struct {
	const char *what;
	void (*change)(body_input *in, const fixture *f);
	const char *field; /* NULL: accepted */
} rule_case;

static void c_ok(body_input *in, const fixture *f) {}
static void c_no_name(body_input *in, const fixture *f) { in->name = ""; }
static void c_long_name(body_input *in, const fixture *f)
{
	static char name[202];
	memset(name, 'x', 201);
	name[201] = '\0';
	in->name = name;
}
static void c_long_short(body_input *in, const fixture *f)
{
	in->short_name = "0123456789012345678901234567890123456789012345678901234567890";
}
static void c_type(body_input *in, const fixture *f) { in->type = "committee"; }
static void c_quorum_over(body_input *in, const fixture *f) { in->quorum_share_pct = 101; }
static void c_quorum_100(body_input *in, const fixture *f) { in->quorum_share_pct = 100; }
static void c_quorum_zero(body_input *in, const fixture *f) { in->quorum_share_pct = 0; }
static void c_quorum_zero_partners(body_input *in, const fixture *f)
{
	in->quorum_rule = "both_partners";
	in->quorum_share_pct = 0;
}
static void c_quorum_over_none(body_input *in, const fixture *f)
{
	in->quorum_rule = "none";
	in->quorum_share_pct = 150;
}
static void c_urgent_longer(body_input *in, const fixture *f)
{
	in->invitation_days = 7;
	in->invitation_days_urgent = 8;
}
static void c_urgent_equal(body_input *in, const fixture *f)
{
	in->invitation_days = 7;
	in->invitation_days_urgent = 7;
}
static void c_invitation_366(body_input *in, const fixture *f) { in->invitation_days = 366; }
static void c_urgent_negative(body_input *in, const fixture *f) { in->invitation_days_urgent = -1; }
static void c_papers_negative(body_input *in, const fixture *f) { in->papers_days = -1; }
static void c_objection_zero(body_input *in, const fixture *f) { in->objection_days = 0; }
static void c_objection_366(body_input *in, const fixture *f) { in->objection_days = 366; }
static void c_period_reversed(body_input *in, const fixture *f)
{
	in->active_from = "2026-08-01";
	in->active_until = "2026-07-31";
}
static void c_period_one_day(body_input *in, const fixture *f)
{
	in->active_from = "2026-08-01";
	in->active_until = "2026-08-01";
}
static void c_bad_day(body_input *in, const fixture *f) { in->active_from = "2026-02-30"; }
static void c_german_day(body_input *in, const fixture *f) { in->active_until = "01.08.2026"; }
static void c_chair_mode(body_input *in, const fixture *f) { in->chair_mode = "triple"; }
static void c_decision(body_input *in, const fixture *f) { in->decision_mode = "lottery"; }
static void c_quorum_rule(body_input *in, const fixture *f) { in->quorum_rule = "some"; }
static void c_written(body_input *in, const fixture *f) { in->written_procedure = "always"; }
static void c_access(body_input *in, const fixture *f) { in->nonpublic_access = "everyone"; }
static void c_level_other(body_input *in, const fixture *f) { in->level_id = f->level_other; }
static void c_level_missing(body_input *in, const fixture *f) { in->level_id = 999999; }
static void c_area_other(body_input *in, const fixture *f) { in->area_id = f->area_other; }
static void c_parent_missing(body_input *in, const fixture *f) { in->parent_id = 999999; }
static void c_all_rules(body_input *in, const fixture *f)
{
	in->chair_mode = "co_chairs";
	in->decision_mode = "consensus";
	in->quorum_rule = "both_partners";
	in->written_procedure = "all_consent";
	in->nonpublic_access = "voting";
	in->public = true;
	in->area_id = f->area1;
}

static const rule_case rule_cases[] = {
	{"defaults", c_ok, NULL},
	{"no name", c_no_name, "name"},
	{"name of 201 characters", c_long_name, "name"},
	{"short name of 61 characters", c_long_short, "short_name"},
	{"unknown type", c_type, "type"},
	{"quorum share 101 %", c_quorum_over, "quorum_share_pct"},
	{"quorum share 100 %", c_quorum_100, NULL},
	{"quorum share missing with rule share", c_quorum_zero, "quorum_share_pct"},
	{"quorum share missing with rule both partners", c_quorum_zero_partners, NULL},
	{"quorum share 150 % with rule none", c_quorum_over_none, "quorum_share_pct"},
	{"urgent period longer than normal", c_urgent_longer, "invitation_days_urgent"},
	{"urgent period equal to normal", c_urgent_equal, NULL},
	{"Ladungsfrist 366 days", c_invitation_366, "invitation_days"},
	{"urgent period negative", c_urgent_negative, "invitation_days_urgent"},
	{"Unterlagenfrist negative", c_papers_negative, "papers_days"},
	{"Einwendungsfrist 0 (next meeting)", c_objection_zero, NULL},
	{"Einwendungsfrist 366 days", c_objection_366, "objection_days"},
	{"active until before active from", c_period_reversed, "active_until"},
	{"active for one day", c_period_one_day, NULL},
	{"30 February", c_bad_day, "active_from"},
	{"German date instead of ISO", c_german_day, "active_until"},
	{"unknown chair mode", c_chair_mode, "chair_mode"},
	{"unknown decision mode", c_decision, "decision_mode"},
	{"unknown quorum rule", c_quorum_rule, "quorum_rule"},
	{"unknown written procedure", c_written, "written_procedure"},
	{"unknown access to papers", c_access, "nonpublic_access"},
	{"level of another region", c_level_other, "level_id"},
	{"level that does not exist", c_level_missing, "level_id"},
	{"area of another region", c_area_other, "area_id"},
	{"parent that does not exist", c_parent_missing, "parent_id"},
	{"every rule set", c_all_rules, NULL},
};

static void test_rules_table(fixture *f, gconstpointer data)
{
	int64_t existing = make_body(f, "Bestehendes Gremium", "single");

	for (size_t i = 0; i < G_N_ELEMENTS(rule_cases); i++) {
		const rule_case *c = &rule_cases[i];
		g_autoptr(GError) err = NULL;
		body_input in;
		int64_t before = count(f, "SELECT count(*) FROM body WHERE region_id = $1");
		int64_t index_before = count(f, "SELECT count(*) FROM search_entry WHERE region_id = $1");
		g_autofree char *name = g_strdup_printf("Gremium %zu", i);

		body_input_defaults(&in);
		in.name = name;
		c->change(&in, f);
		g_test_message("case: %s", c->what);
		int64_t id = body_store_create(&f->c1, &in, &err);
		if (!c->field) {
			g_assert_no_error(err);
			g_assert_cmpint(id, >, 0);
			continue;
		}
		g_assert_cmpint(id, ==, -1);
		g_autofree char *field = invalid_field(err);
		if (g_strcmp0(field, c->field))
			g_error("case %s: field %s, expected %s", c->what, field, c->field);
		g_assert_cmpint(count(f, "SELECT count(*) FROM body WHERE region_id = $1"), ==, before);
		g_assert_cmpint(count(f, "SELECT count(*) FROM search_entry WHERE region_id = $1"), ==,
				index_before);

		/* The same refusal on update, and the stored body unchanged. */
		g_clear_error(&err);
		g_assert_cmpint(body_store_update(&f->c1, existing, &in, &err), ==, -1);
		g_autofree char *field2 = invalid_field(err);
		g_assert_cmpstr(field2, ==, c->field);
		g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM body WHERE id = $1 AND "
						  "name = 'Bestehendes Gremium'", existing), ==, 1);
	}
	/* A quorum share not used by the rule is stored as 50. */
	g_assert_cmpint(count(f, "SELECT quorum_share_pct FROM body WHERE region_id = $1 AND "
			      "quorum_rule = 'both_partners' AND name LIKE 'Gremium %'"), ==, 50);
}

/* ---- bodies ------------------------------------------------------------ */

static void test_body_crud(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	body_input in;
	int64_t conf, lk, forum, other;
	json_t *b, *list;

	body_input_defaults(&in);
	in.name = "Regionale Bildungskonferenz";
	in.type = "conference";
	in.level_id = f->level1;
	in.decision_mode = "recommendation";
	in.public = true;
	in.description = "Die Konferenz berät über Schwerpunkte.";
	conf = body_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	body_input_defaults(&in);
	in.name = "Lenkungskreis";
	in.short_name = "LK";
	in.type = "steering";
	in.level_id = f->level1;
	in.parent_id = conf;
	in.chair_mode = "co_chairs";
	in.decision_mode = "consensus";
	in.quorum_rule = "both_partners";
	in.active_from = "2020-01-01";
	lk = body_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	body_input_defaults(&in);
	in.name = "Handlungsforum Übergänge";
	in.type = "forum";
	in.level_id = f->level2;
	in.area_id = f->area1;
	in.parent_id = lk;
	in.active_until = "2021-12-31"; /* no longer active */
	forum = body_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	/* Another region's body is invisible here. */
	body_input_defaults(&in);
	in.name = "Lenkungskreis";
	db_set_region(f->d, f->r2);
	other = body_store_create(&f->c2, &in, &err);
	g_assert_no_error(err);
	db_set_region(f->d, f->r1);

	b = body_store_get(&f->c1, lk, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(b, "name")), ==, "Lenkungskreis");
	g_assert_cmpstr(json_string_value(json_object_get(b, "short_name")), ==, "LK");
	g_assert_cmpstr(json_string_value(json_object_get(b, "chair_mode")), ==, "co_chairs");
	g_assert_cmpstr(json_string_value(json_object_get(b, "quorum_rule")), ==, "both_partners");
	g_assert_cmpstr(json_string_value(json_object_get(b, "level_name")), ==, "Regionale Ebene");
	g_assert_cmpstr(json_string_value(json_object_get(b, "parent_name")), ==,
			"Regionale Bildungskonferenz");
	g_assert_cmpstr(json_string_value(json_object_get(b, "active_from")), ==, "2020-01-01");
	g_assert_true(json_is_null(json_object_get(b, "active_until")));
	g_assert_true(json_is_true(json_object_get(b, "is_active")));
	g_assert_cmpint(json_array_size(json_object_get(b, "children")), ==, 1);
	g_assert_cmpint(json_integer_value(json_object_get(
				json_array_get(json_object_get(b, "children"), 0), "id")), ==, forum);
	json_decref(b);

	g_assert_null(body_store_get(&f->c1, other, &err));
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);

	/* Filters. */
	body_filter flt = {0};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 3);
	/* By sort_name: Handlungsforum, Lenkungskreis, Regionale … */
	g_assert_cmpint(json_integer_value(json_object_get(
				json_array_get(json_object_get(list, "rows"), 0), "id")), ==, forum);
	json_decref(list);
	flt = (body_filter){.current_only = true};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 2);
	json_decref(list);
	flt = (body_filter){.level_id = f->level2};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 1);
	json_decref(list);
	flt = (body_filter){.type = "conference"};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 1);
	json_decref(list);
	flt = (body_filter){.public_only = true};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 1);
	json_decref(list);
	flt = (body_filter){.limit = 1, .offset = 1};
	list = body_store_list(&f->c1, &flt, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 3);
	g_assert_cmpint(json_array_size(json_object_get(list, "rows")), ==, 1);
	g_assert_cmpint(json_integer_value(json_object_get(
				json_array_get(json_object_get(list, "rows"), 0), "id")), ==, lk);
	json_decref(list);

	/* The search finds bodies by name, short name, type and level, folded. */
	{
		static const char *const kinds[] = {SEARCH_KIND_BODY, NULL};
		search_hits hits = {0};
		g_assert_cmpint(search_query(&f->c1, "lenkungs", kinds, 10, 0, &hits, &err), ==, 1);
		g_assert_cmpint(hits.hits[0].ref_id, ==, lk);
		g_assert_cmpint(search_query(&f->c1, "ubergange", kinds, 10, 0, &hits, &err), ==, 1);
		g_assert_cmpint(search_query(&f->c1, "bildungskonferenz", kinds, 10, 0, &hits, &err), ==, 1);
		g_assert_cmpint(search_query(&f->c1, "hamborn", kinds, 10, 0, &hits, &err), ==, 1);
		g_assert_cmpint(hits.hits[0].ref_id, ==, forum);
		g_assert_cmpint(search_query(&f->c1, "stadtbezirksebene", kinds, 10, 0, &hits, &err), ==, 1);
		g_assert_no_error(err);
		search_hits_clear(&hits);
	}

	/* Update, then the index follows. */
	body_input_defaults(&in);
	in.name = "Steuerungsrunde";
	in.type = "steering";
	in.parent_id = conf;
	in.chair_mode = "co_chairs";
	g_assert_cmpint(body_store_update(&f->c1, lk, &in, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM search_entry WHERE kind = 'body' "
					  "AND ref_id = $1 AND title = 'Steuerungsrunde'", lk), ==, 1);
	/* Updating a body of another region: not found, nothing changed. */
	g_assert_cmpint(body_store_update(&f->c1, other, &in, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);

	/* Delete: the forum then reports to none, the entry is gone. */
	g_assert_cmpint(body_store_delete(&f->c1, lk, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM body WHERE id = $1 AND "
					  "parent_id IS NULL", forum), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM search_entry WHERE kind = 'body' "
					  "AND ref_id = $1", lk), ==, 0);
	g_assert_cmpint(body_store_delete(&f->c1, other, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);

	/* A body with (even former) memberships is not deleted. */
	membership_input m = {.body_id = conf, .person_id = f->people[0], .role = "member",
			      .voting = true, .start_day = "2020-01-01", .end_day = "2020-12-31"};
	g_assert_cmpint(membership_store_create(&f->c1, &m, &err), >, 0);
	g_assert_no_error(err);
	g_assert_cmpint(body_store_delete(&f->c1, conf, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE));
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM body WHERE id = $1", conf), ==, 1);

	/* Reindexing writes every body of the region. */
	g_clear_error(&err);
	g_assert_cmpint(body_store_reindex_all(&f->c1, &err), ==, 2);
	g_assert_no_error(err);
}

static void test_body_cycle(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	body_input in;
	int64_t a = make_body(f, "A", "single"), b, c;

	body_input_defaults(&in);
	in.name = "B";
	in.parent_id = a;
	b = body_store_create(&f->c1, &in, &err);
	in.name = "C";
	in.parent_id = b;
	c = body_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	body_input_defaults(&in);
	in.name = "A";
	in.parent_id = c; /* A → C → B → A */
	g_assert_cmpint(body_store_update(&f->c1, a, &in, &err), ==, -1);
	g_autofree char *field = invalid_field(err);
	g_assert_cmpstr(field, ==, "parent_id");
	g_clear_error(&err);
	in.parent_id = a; /* itself */
	g_assert_cmpint(body_store_update(&f->c1, a, &in, &err), ==, -1);
	g_autofree char *field2 = invalid_field(err);
	g_assert_cmpstr(field2, ==, "parent_id");
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM body WHERE id = $1 AND "
					  "parent_id IS NULL", a), ==, 1);
	/* Another region's body is no parent. */
	body_input_defaults(&in);
	in.name = "Fremd";
	db_set_region(f->d, f->r2);
	int64_t foreign = body_store_create(&f->c2, &in, &err);
	g_assert_no_error(err);
	db_set_region(f->d, f->r1);
	body_input_defaults(&in);
	in.name = "C";
	in.parent_id = foreign;
	g_assert_cmpint(body_store_update(&f->c1, c, &in, &err), ==, -1);
	g_autofree char *field3 = invalid_field(err);
	g_assert_cmpstr(field3, ==, "parent_id");
	g_clear_error(&err);
	/* A legal move: C reports to A directly. */
	in.parent_id = a;
	g_assert_cmpint(body_store_update(&f->c1, c, &in, &err), ==, 0);
	g_assert_no_error(err);
}

/* ---- memberships ------------------------------------------------------- */

typedef struct {
	const char *what;
	membership_input in;
	const char *field;
} membership_case;

static void test_membership_rules(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t body = make_body(f, "Handlungsforum", "single");
	int64_t other_body = make_body(f, "Anderes Forum", "single");
	membership_input base = {.body_id = body, .role = "member", .voting = true,
				 .start_day = "2024-01-01"};
	membership_input in;
	int64_t member, former, sub, elsewhere;

	in = base;
	in.person_id = f->people[0];
	in.institution_id = f->inst1;
	in.partner_side = "kommune";
	member = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in = base;
	in.person_id = f->people[1];
	in.end_day = "2024-06-30";
	former = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in = base;
	in.person_id = f->people[2];
	in.role = "substitute";
	in.substitute_for_id = member;
	sub = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in = base;
	in.body_id = other_body;
	in.person_id = f->people[3];
	elsewhere = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	const membership_case cases[] = {
		{"end before start", {.body_id = body, .person_id = f->people[4], .role = "member",
				      .start_day = "2025-05-01", .end_day = "2025-04-30"}, "end_day"},
		{"substitute for someone in another body",
		 {.body_id = body, .person_id = f->people[4], .role = "substitute",
		  .substitute_for_id = elsewhere}, "substitute_for_id"},
		{"substitute for a former member",
		 {.body_id = body, .person_id = f->people[4], .role = "substitute",
		  .substitute_for_id = former}, "substitute_for_id"},
		{"substitute for a substitute",
		 {.body_id = body, .person_id = f->people[4], .role = "substitute",
		  .substitute_for_id = sub}, "substitute_for_id"},
		{"substitute for oneself",
		 {.body_id = body, .person_id = f->people[0], .role = "substitute",
		  .substitute_for_id = member, .start_day = "2030-01-01"}, "substitute_for_id"},
		{"substitute without a member",
		 {.body_id = body, .person_id = f->people[4], .role = "substitute"}, "substitute_for_id"},
		{"member named as a substitute",
		 {.body_id = body, .person_id = f->people[4], .role = "member",
		  .substitute_for_id = member}, "substitute_for_id"},
		{"substitute for a membership that does not exist",
		 {.body_id = body, .person_id = f->people[4], .role = "substitute",
		  .substitute_for_id = 999999}, "substitute_for_id"},
		{"unknown role", {.body_id = body, .person_id = f->people[4], .role = "king"}, "role"},
		{"unknown partner side", {.body_id = body, .person_id = f->people[4], .role = "member",
					  .partner_side = "bund"}, "partner_side"},
		{"no person", {.body_id = body, .role = "member"}, "person_id"},
		{"person of another region", {.body_id = body, .person_id = f->person_other,
					      .role = "member"}, "person_id"},
		{"institution of another region",
		 {.body_id = body, .person_id = f->people[4], .role = "member",
		  .institution_id = f->inst_other}, "institution_id"},
		{"the same person twice at once",
		 {.body_id = body, .person_id = f->people[0], .role = "guest",
		  .start_day = "2025-01-01"}, "person_id"},
		{"bad date", {.body_id = body, .person_id = f->people[4], .role = "member",
			      .start_day = "2025-13-01"}, "start_day"},
	};
	int64_t before = count(f, "SELECT count(*) FROM membership WHERE region_id = $1");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_clear_error(&err);
		g_test_message("case: %s", cases[i].what);
		g_assert_cmpint(membership_store_create(&f->c1, &cases[i].in, &err), ==, -1);
		g_autofree char *field = invalid_field(err);
		if (g_strcmp0(field, cases[i].field))
			g_error("case %s: field %s, expected %s", cases[i].what, field, cases[i].field);
		g_assert_cmpint(count(f, "SELECT count(*) FROM membership WHERE region_id = $1"), ==,
				before);
	}
	g_clear_error(&err);

	/* The same person again after the former membership ended: fine. */
	in = base;
	in.person_id = f->people[1];
	in.start_day = "2024-07-01";
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), >, 0);
	g_assert_no_error(err);

	/* A body of another region: not found. */
	body_input bi;
	body_input_defaults(&bi);
	bi.name = "Fremd";
	db_set_region(f->d, f->r2);
	int64_t foreign_body = body_store_create(&f->c2, &bi, &err);
	db_set_region(f->d, f->r1);
	in = base;
	in.body_id = foreign_body;
	in.person_id = f->people[5];
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);

	/* Update: a member with a substitute cannot become a substitute; an
	 * unchanged substitute may be edited after its member ended. */
	in = base;
	in.person_id = f->people[0];
	in.role = "substitute";
	in.substitute_for_id = sub;
	g_assert_cmpint(membership_store_update(&f->c1, member, &in, &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(membership_store_end(&f->c1, member, "2024-12-31", &err), ==, 0);
	g_assert_no_error(err);
	in = base;
	in.person_id = f->people[2];
	in.role = "substitute";
	in.substitute_for_id = member;
	in.note = "Vertritt bis Jahresende";
	g_assert_cmpint(membership_store_update(&f->c1, sub, &in, &err), ==, 0);
	g_assert_no_error(err);

	/* The record shows the names. */
	json_t *m = membership_store_get(&f->c1, sub, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(m, "person_name")), ==, "Jonas Müller");
	g_assert_cmpstr(json_string_value(json_object_get(m, "substitute_for_name")), ==,
			"Petra Beispiel");
	g_assert_cmpstr(json_string_value(json_object_get(m, "body_name")), ==, "Handlungsforum");
	g_assert_cmpstr(json_string_value(json_object_get(m, "note")), ==, "Vertritt bis Jahresende");
	json_decref(m);
	m = membership_store_get(&f->c1, member, &err);
	g_assert_cmpstr(json_string_value(json_object_get(m, "institution_name")), ==, "Stadt Eins");
	g_assert_cmpstr(json_string_value(json_object_get(m, "partner_side")), ==, "kommune");
	json_decref(m);
}

static void test_co_chairs(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t single = make_body(f, "Vorstand", "single");
	int64_t co = make_body(f, "Lenkungskreis", "co_chairs");
	membership_input in = {.role = "chair", .voting = true, .start_day = "2024-01-01"};
	g_autofree char *today = register_today();
	int64_t first, second;

	/* A single-chair body: one chair, a second is refused … */
	in.body_id = single;
	in.person_id = f->people[0];
	first = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in.person_id = f->people[1];
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), ==, -1);
	g_autofree char *field = invalid_field(err);
	g_assert_cmpstr(field, ==, "role");
	g_clear_error(&err);
	/* … also as vice chair → chair on update. */
	in.role = "vice_chair";
	second = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in.role = "chair";
	g_assert_cmpint(membership_store_update(&f->c1, second, &in, &err), ==, -1);
	g_clear_error(&err);
	/* … until the first chair's membership ends before the new one starts. */
	g_assert_cmpint(membership_store_end(&f->c1, first, "2025-06-30", &err), ==, 0);
	in.start_day = "2025-07-01";
	g_assert_cmpint(membership_store_update(&f->c1, second, &in, &err), ==, 0);
	g_assert_no_error(err);
	/* An open start counts from today: a former chair does not block it. */
	in.start_day = NULL;
	in.end_day = NULL;
	g_assert_cmpint(membership_store_update(&f->c1, second, &in, &err), ==, 0);
	g_assert_no_error(err);

	/* Two equal co-chairs, a third is refused. */
	in = (membership_input){.body_id = co, .role = "chair", .voting = true,
				.partner_side = "kommune", .start_day = "2024-01-01"};
	in.person_id = f->people[2];
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), >, 0);
	in.person_id = f->people[3];
	in.partner_side = "land";
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), >, 0);
	g_assert_no_error(err);
	in.person_id = f->people[4];
	g_assert_cmpint(membership_store_create(&f->c1, &in, &err), ==, -1);
	g_autofree char *field2 = invalid_field(err);
	g_assert_cmpstr(field2, ==, "role");
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM membership WHERE body_id = $1",
					  co), ==, 2);

	/* The body cannot go back to one chair while it has two. */
	body_input bi;
	body_input_defaults(&bi);
	bi.name = "Lenkungskreis";
	bi.chair_mode = "single";
	g_assert_cmpint(body_store_update(&f->c1, co, &bi, &err), ==, -1);
	g_autofree char *field3 = invalid_field(err);
	g_assert_cmpstr(field3, ==, "chair_mode");
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM body WHERE id = $1 AND "
					  "chair_mode = 'co_chairs'", co), ==, 1);
	(void)today;
}

static void test_history(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t body = make_body(f, "Bildungsforum Hamborn", "single");
	membership_input in = {.body_id = body, .role = "member", .voting = true,
			       .start_day = "2020-01-01"};
	int64_t a, b, c, s;
	json_t *list;

	in.person_id = f->people[0];
	in.role = "chair";
	a = membership_store_create(&f->c1, &in, &err);
	in.role = "member";
	in.person_id = f->people[1];
	b = membership_store_create(&f->c1, &in, &err);
	in.person_id = f->people[2];
	c = membership_store_create(&f->c1, &in, &err);
	in.person_id = f->people[3];
	in.role = "substitute";
	in.substitute_for_id = b;
	s = membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(s, >, 0);

	g_assert_true(membership_store_current_for_person_in_body(&f->c1, f->people[2], body, &err));
	/* Ending before the start is refused; ending yesterday makes it former. */
	g_assert_cmpint(membership_store_end(&f->c1, c, "2019-12-31", &err), ==, -1);
	g_autofree char *field = invalid_field(err);
	g_assert_cmpstr(field, ==, "end_day");
	g_clear_error(&err);
	g_assert_cmpint(membership_store_end(&f->c1, c, "2021-03-31", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_false(membership_store_current_for_person_in_body(&f->c1, f->people[2], body, &err));
	g_assert_no_error(err);
	/* Ending today (the default): still current until the end of the day. */
	g_assert_cmpint(membership_store_end(&f->c1, a, NULL, &err), ==, 0);
	g_autofree char *today = register_today();
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM membership WHERE id = $1 AND "
					  "end_day IS NOT NULL", a), ==, 1);
	g_assert_true(membership_store_current_for_person_in_body(&f->c1, f->people[0], body, &err));

	list = membership_store_for_body(&f->c1, body, true, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 3); /* a (today), b, s */
	/* Chair first, then members, then substitutes. */
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "role")), ==, "chair");
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 2), "role")), ==,
			"substitute");
	json_decref(list);
	list = membership_store_for_body(&f->c1, body, false, &err);
	g_assert_cmpint(json_array_size(list), ==, 4);
	{
		size_t i;
		json_t *m;
		int former = 0;
		json_array_foreach(list, i, m)
			if (!json_is_true(json_object_get(m, "current"))) {
				former++;
				g_assert_cmpint(json_integer_value(json_object_get(m, "id")), ==, c);
			}
		g_assert_cmpint(former, ==, 1);
	}
	json_decref(list);

	list = membership_store_for_person(&f->c1, f->people[2], &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "body_name")), ==,
			"Bildungsforum Hamborn");
	json_decref(list);

	/* A member with a substitute cannot be deleted; the substitute can. */
	g_assert_cmpint(membership_store_delete(&f->c1, b, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE));
	g_clear_error(&err);
	g_assert_cmpint(membership_store_delete(&f->c1, s, &err), ==, 0);
	g_assert_cmpint(membership_store_delete(&f->c1, b, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM membership WHERE body_id = $1",
					  body), ==, 2);
	g_assert_cmpint(membership_store_delete(&f->c1, b, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);

	/* Another region sees none of it. */
	db_set_region(f->d, f->r2);
	g_assert_null(membership_store_get(&f->c2, a, &err));
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
	g_clear_error(&err);
	list = membership_store_for_body(&f->c2, body, false, &err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);
	g_assert_cmpint(membership_store_end(&f->c2, a, NULL, &err), ==, -1);
	g_clear_error(&err);
	db_set_region(f->d, f->r1);
}

static void test_choices(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t body = make_body(f, "Forum", "single");
	membership_input in = {.body_id = body, .role = "member", .voting = true};
	json_t *c;

	in.person_id = f->people[0];
	int64_t m = membership_store_create(&f->c1, &in, &err);
	in.person_id = f->people[1];
	in.role = "substitute";
	in.substitute_for_id = m;
	membership_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);

	c = membership_store_choices(&f->c1, body, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(json_object_get(c, "members")), ==, 1);
	g_assert_cmpint(json_array_size(json_object_get(c, "institutions")), ==, 1);
	json_decref(c);
	c = body_store_choices(&f->c1, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(json_object_get(c, "levels")), ==, 2);
	g_assert_cmpint(json_array_size(json_object_get(c, "areas")), ==, 1);
	g_assert_cmpint(json_array_size(json_object_get(c, "bodies")), ==, 1);
	json_decref(c);
	c = membership_store_person(&f->c1, f->people[3], &err);
	g_assert_cmpstr(json_string_value(json_object_get(c, "name")), ==, "Ayşe Özdemir");
	json_decref(c);
	g_assert_null(membership_store_person(&f->c1, f->person_other, &err));
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/register_body/" path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("rules_table", test_rules_table);
	ADD("body_crud", test_body_crud);
	ADD("body_cycle", test_body_cycle);
	ADD("membership_rules", test_membership_rules);
	ADD("co_chairs", test_co_chairs);
	ADD("history", test_history);
	ADD("choices", test_choices);
#undef ADD
	return g_test_run();
}
