/*
 * test_register_institution.c — areas, the post-code table, kinds of
 * institution and institutions (src/modules/register/area_store.c and
 * institution_store.c) on the backend the environment chooses
 * (tests/unit/test_dbenv.h). Every expectation is an exact set or order,
 * so a green run on SQLite and on PostgreSQL shows both agree.
 *
 * The fixture has two regions: "eins" with a small tree of areas (two
 * Stadtbezirke with Ortsteile, one Sozialraum) and its kinds seeded as a
 * new region gets them, and "zwei", whose rows region 1 must never see
 * nor use.
 */
#include <string.h>

#include "db/db.h"
#include "modules/register/area_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	int64_t r1, r2;
	bireg_ctx c1, c2;
	/* areas of region 1 */
	int64_t mitte, altstadt, dellviertel, sued, wanheim, hochheide;
	int64_t r2_area; /* an area of region 2 */
	int64_t school, kita, authority; /* kinds of region 1 */
	int64_t r2_school;
} fixture;

static void use(fixture *f, const bireg_ctx *c)
{
	db_set_region(f->d, c->region_id);
}

static int64_t area(fixture *f, const bireg_ctx *c, const char *h, int64_t parent,
		    const char *kind, const char *name, int64_t position)
{
	g_autoptr(GError) err = NULL;
	area_input in = {.hierarchy = h, .parent_id = parent, .kind = kind, .name = name,
			 .position = position};
	int64_t id;

	use(f, c);
	id = area_store_create(c, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	f->d = test_db_open(&err);
	g_assert_no_error(err);
	f->r1 = test_db_add_region(f->d, "eins", "Bildungsregion Eins");
	f->r2 = test_db_add_region(f->d, "zwei", "Bildungsregion Zwei");
	f->c1 = (bireg_ctx){.db = f->d, .region_id = f->r1};
	f->c2 = (bireg_ctx){.db = f->d, .region_id = f->r2};

	use(f, &f->c2);
	g_assert_cmpint(institution_type_seed(&f->c2, &err), ==, 11);
	g_assert_no_error(err);
	f->r2_school = institution_type_id_by_key(&f->c2, "school", &err);
	g_assert_cmpint(f->r2_school, >, 0);
	f->r2_area = area(f, &f->c2, "admin", 0, "Stadtbezirk", "Mitte", 1);

	use(f, &f->c1);
	g_assert_cmpint(institution_type_seed(&f->c1, &err), ==, 11);
	g_assert_no_error(err);
	f->school = institution_type_id_by_key(&f->c1, "school", &err);
	f->kita = institution_type_id_by_key(&f->c1, "kita", &err);
	f->authority = institution_type_id_by_key(&f->c1, "authority", &err);
	g_assert_no_error(err);
	g_assert_cmpint(f->school, >, 0);
	g_assert_cmpint(f->kita, >, 0);

	/* Süd comes first by name but second by position. */
	f->sued = area(f, &f->c1, "admin", 0, "Stadtbezirk", "Süd", 2);
	f->mitte = area(f, &f->c1, "admin", 0, "Stadtbezirk", "Mitte", 1);
	f->dellviertel = area(f, &f->c1, "admin", f->mitte, "Ortsteil", "Dellviertel", 0);
	f->altstadt = area(f, &f->c1, "admin", f->mitte, "Ortsteil", "Altstadt", 0);
	f->wanheim = area(f, &f->c1, "admin", f->sued, "Ortsteil", "Wanheim-Angerhausen", 0);
	f->hochheide = area(f, &f->c1, "social", 0, "Sozialraum", "Hochheide", 0);
	use(f, &f->c1);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

/* Asserts err is a REGISTER_ERROR_INVALID for field, and clears it. */
static void assert_invalid(GError **err, const char *field)
{
	g_assert_error(*err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_autofree char *got = register_error_field(*err);
	g_assert_cmpstr(got, ==, field);
	g_clear_error(err);
}

static int64_t count(fixture *f, const char *sql)
{
	return test_db_query_int(f->d, sql, f->r1);
}

/* ---- areas ------------------------------------------------------------- */

static void test_area_tree(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *list = area_store_list(&f->c1, "admin", &err);
	static const char *const want[] = {"Mitte", "Altstadt", "Dellviertel", "Süd",
					   "Wanheim-Angerhausen"};
	static const int depth[] = {0, 1, 1, 0, 1};
	json_t *a;
	size_t i;

	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, G_N_ELEMENTS(want));
	json_array_foreach(list, i, a) {
		g_assert_cmpstr(json_string_value(json_object_get(a, "name")), ==, want[i]);
		g_assert_cmpint(json_integer_value(json_object_get(a, "depth")), ==, depth[i]);
	}
	a = json_array_get(list, 1);
	g_assert_cmpstr(json_string_value(json_object_get(a, "label")), ==, "Mitte › Altstadt");
	g_assert_cmpint(json_integer_value(json_object_get(a, "parent_id")), ==, f->mitte);
	g_assert_true(json_is_null(json_object_get(json_array_get(list, 0), "parent_id")));
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "children")), ==, 2);
	json_decref(list);

	/* both hierarchies: admin first */
	list = area_store_list(&f->c1, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 6);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 5), "name")), ==,
			"Hochheide");
	json_decref(list);

	/* region 2 sees only its own */
	use(f, &f->c2);
	list = area_store_list(&f->c2, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 1);
	json_decref(list);
	use(f, &f->c1);

	g_assert_cmpint(area_store_find(&f->c1, "admin", f->mitte, "Altstadt", &err), ==, f->altstadt);
	g_assert_cmpint(area_store_find(&f->c1, "admin", 0, "Altstadt", &err), ==, 0);
	g_assert_cmpint(area_store_find(&f->c1, "social", 0, "Mitte", &err), ==, 0);
	g_assert_no_error(err);
}

static void test_area_rules(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t before = count(f, "SELECT count(*) FROM area WHERE region_id = $1");
	area_input in = {.hierarchy = "admin", .parent_id = f->mitte, .kind = "Ortsteil",
			 .name = "Altstadt"};
	json_t *got;

	/* same name under the same parent */
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "name");
	/* the same name elsewhere is fine: see below (under Süd) */
	in.parent_id = f->hochheide; /* social parent for an admin area */
	in.name = "Neu";
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "parent_id");
	in.parent_id = f->r2_area; /* another region's area */
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "parent_id");
	in.parent_id = 0;
	in.hierarchy = "district";
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "hierarchy");
	in.hierarchy = "admin";
	in.name = "";
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "name");
	in.name = "Neu";
	in.kind = "";
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "kind");
	in.kind = "Stadtbezirk";
	in.code = "123456789012345678901";
	g_assert_cmpint(area_store_create(&f->c1, &in, &err), ==, -1);
	assert_invalid(&err, "code");
	g_assert_cmpint(count(f, "SELECT count(*) FROM area WHERE region_id = $1"), ==, before);

	/* an Ortsteil called Altstadt in Süd too */
	area(f, &f->c1, "admin", f->sued, "Ortsteil", "Altstadt", 0);

	/* update: no cycles, hierarchy stays */
	in = (area_input){.parent_id = f->altstadt, .kind = "Stadtbezirk", .name = "Mitte"};
	g_assert_cmpint(area_store_update(&f->c1, f->mitte, &in, &err), ==, -1);
	assert_invalid(&err, "parent_id");
	in.parent_id = f->mitte;
	g_assert_cmpint(area_store_update(&f->c1, f->mitte, &in, &err), ==, -1);
	assert_invalid(&err, "parent_id");
	in = (area_input){.parent_id = f->sued, .kind = "Ortsteil", .name = "Dellviertel",
			  .code = "104", .position = 3};
	g_assert_cmpint(area_store_update(&f->c1, f->dellviertel, &in, &err), ==, 0);
	g_assert_no_error(err);
	got = area_store_get(&f->c1, f->dellviertel, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(got, "label")), ==, "Süd › Dellviertel");
	g_assert_cmpstr(json_string_value(json_object_get(got, "code")), ==, "104");
	g_assert_cmpstr(json_string_value(json_object_get(got, "hierarchy")), ==, "admin");
	g_assert_cmpint(json_integer_value(json_object_get(got, "depth")), ==, 1);
	json_decref(got);

	/* another region's area is not found */
	g_assert_null(area_store_get(&f->c1, f->r2_area, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(area_store_update(&f->c1, f->r2_area, &in, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(area_store_delete(&f->c1, f->r2_area, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
}

static int64_t school(fixture *f, const char *name, const char *postcode, const char *number,
		      const char *const *tags, GError **err)
{
	institution_input in = {.type_id = f->school, .name = name, .postcode = postcode,
				.city = "Duisburg", .school_number = number, .school_form = "02",
				.legal_form = "1", .tags = tags};
	return institution_store_create(&f->c1, &in, err);
}

static void test_area_delete_refused(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t inst;
	json_t *got;

	/* sub-areas */
	g_assert_cmpint(area_store_delete(&f->c1, f->mitte, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_assert_nonnull(strstr(err->message, "sub-areas"));
	g_clear_error(&err);

	/* an institution */
	{
		int64_t areas[] = {f->altstadt};
		institution_input in = {.type_id = f->kita, .name = "Kita Sonnenblume",
					.area_ids = areas, .n_areas = 1};
		inst = institution_store_create(&f->c1, &in, &err);
		g_assert_no_error(err);
	}
	g_assert_cmpint(area_store_delete(&f->c1, f->altstadt, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_assert_nonnull(strstr(err->message, "institutions"));
	g_clear_error(&err);
	got = area_store_get(&f->c1, f->altstadt, &err);
	g_assert_cmpint(json_integer_value(json_object_get(got, "institutions")), ==, 1);
	json_decref(got);
	g_assert_cmpint(institution_store_delete(&f->c1, inst, &err), ==, 0);
	g_assert_no_error(err);

	/* a body */
	{
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO body (region_id, name, type, area_id, created_at, updated_at) "
			"VALUES (%" G_GINT64_FORMAT ", 'Bildungsforum Mitte', 'district_forum', %"
			G_GINT64_FORMAT ", '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
			f->r1, f->dellviertel);
		test_db_insert_id(f->d, sql);
	}
	g_assert_cmpint(area_store_delete(&f->c1, f->dellviertel, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_assert_nonnull(strstr(err->message, "bodies"));
	g_clear_error(&err);

	/* free now: Altstadt with its post-code rows */
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->altstadt, &err), >, 0);
	g_assert_cmpint(area_store_delete(&f->c1, f->altstadt, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count(f, "SELECT count(*) FROM area_postcode WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(area_store_find(&f->c1, "admin", f->mitte, "Altstadt", &err), ==, 0);
}

static void test_postcodes(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *list;
	int64_t row;

	/* 47051: Altstadt only */
	row = area_postcode_add(&f->c1, "47051", NULL, f->altstadt, &err);
	g_assert_no_error(err);
	g_assert_cmpint(row, >, 0);
	g_assert_cmpint(area_for_postcode(&f->c1, "47051", "admin", &err), ==, f->altstadt);
	g_assert_cmpint(area_for_postcode(&f->c1, "47051", "social", &err), ==, 0);
	/* 47053: two quarters in two areas, and the whole code in Dellviertel */
	g_assert_cmpint(area_postcode_add(&f->c1, "47053", "Hochfeld", f->altstadt, &err), >, 0);
	g_assert_cmpint(area_postcode_add(&f->c1, "47053", "Dellplatz", f->dellviertel, &err), >, 0);
	g_assert_cmpint(area_for_postcode(&f->c1, "47053", "admin", &err), ==, 0);
	g_assert_cmpint(area_postcode_add(&f->c1, "47053", "", f->dellviertel, &err), >, 0);
	g_assert_cmpint(area_for_postcode(&f->c1, "47053", "admin", &err), ==, f->dellviertel);
	/* the same code in the social hierarchy */
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->hochheide, &err), >, 0);
	g_assert_cmpint(area_for_postcode(&f->c1, "47051", "social", &err), ==, f->hochheide);
	g_assert_cmpint(area_for_postcode(&f->c1, "47051", "admin", &err), ==, f->altstadt);
	g_assert_no_error(err);

	/* refused */
	g_assert_cmpint(area_postcode_add(&f->c1, "4705", "", f->altstadt, &err), ==, -1);
	assert_invalid(&err, "postcode");
	g_assert_cmpint(area_postcode_add(&f->c1, "4705a", "", f->altstadt, &err), ==, -1);
	assert_invalid(&err, "postcode");
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->altstadt, &err), ==, -1);
	assert_invalid(&err, "postcode");
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->r2_area, &err), ==, -1);
	assert_invalid(&err, "area_id");
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", 0, &err), ==, -1);
	assert_invalid(&err, "area_id");

	list = area_postcode_list(&f->c1, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 5);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "postcode")), ==, "47051");
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "area_label")), ==,
			"Mitte › Altstadt");
	json_decref(list);

	/* region 2 cannot delete region 1's row; region 1 can */
	use(f, &f->c2);
	g_assert_cmpint(area_postcode_delete(&f->c2, row, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(area_for_postcode(&f->c2, "47051", "admin", &err), ==, 0);
	use(f, &f->c1);
	g_assert_cmpint(area_postcode_delete(&f->c1, row, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(area_for_postcode(&f->c1, "47051", "admin", &err), ==, 0);
}

/* ---- kinds ----------------------------------------------------------------- */

/* "key|name|is_school|position;…" of a region's kinds. */
static char *kinds_text(fixture *f, int64_t region)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(f->d,
		"SELECT key, name, is_school, position FROM institution_type WHERE region_id = $1 "
		"ORDER BY position, id", &err);
	GString *s = g_string_new(NULL);

	g_assert_no_error(err);
	db_bind_int64(st, 1, region);
	while (db_step(st, &err) == DB_ROW)
		g_string_append_printf(s, "%s|%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT ";",
				       db_col_text(st, 0), db_col_text(st, 1), db_col_int64(st, 2),
				       db_col_int64(st, 3));
	g_assert_no_error(err);
	return g_string_free(s, FALSE);
}

static void test_type_seed_matches_migration(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = g_build_filename(g_getenv("BIREG_SOURCE_ROOT") ? g_getenv("BIREG_SOURCE_ROOT") : ".",
						 "migrations", "sqlite", "0009_register.sql", NULL);
	g_autofree char *sql = NULL;
	g_autofree char *stmt = NULL;
	g_autofree char *seeded = NULL, *migrated = NULL;
	const char *start, *end;
	int64_t r3;

	/* The migration's own INSERT, run for a third region only. */
	g_assert_true(g_file_get_contents(path, &sql, NULL, NULL));
	start = strstr(sql, "INSERT INTO institution_type");
	g_assert_nonnull(start);
	end = strstr(start, ") t;");
	g_assert_nonnull(end);
	r3 = test_db_add_region(f->d, "drei", "Bildungsregion Drei");
	stmt = g_strdup_printf("%.*s) t WHERE r.id = %" G_GINT64_FORMAT, (int)(end - start), start, r3);
	db_set_region(f->d, r3);
	test_db_exec(f->d, stmt);
	use(f, &f->c1);
	seeded = kinds_text(f, f->r1);
	db_set_region(f->d, r3);
	migrated = kinds_text(f, r3);
	g_assert_cmpstr(seeded, ==, migrated);
	use(f, &f->c1);

	/* A second seed adds nothing. */
	g_assert_cmpint(institution_type_seed(&f->c1, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution_type WHERE region_id = $1"), ==, 11);

	g_assert_cmpstr(institution_type_msgid("school", "Schule"), ==, "School");
	g_assert_null(institution_type_msgid("school", "Allgemeinbildende Schule"));
	g_assert_null(institution_type_msgid("", "Schule"));
	g_assert_cmpstr(school_form_label("20"), ==, "Gymnasium");
	g_assert_cmpstr(school_form_label("0A"), ==, "Schulaufsicht (Ministerium, Bezirksregierung, Schulamt)");
	g_assert_null(school_form_label("99"));
}

static void test_type_edit(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t own, inst;
	json_t *list, *t;

	own = institution_type_add(&f->c1, "Familienzentrum", false, &err);
	g_assert_no_error(err);
	g_assert_cmpint(own, >, 0);
	g_assert_cmpint(institution_type_add(&f->c1, "Familienzentrum", false, &err), ==, -1);
	assert_invalid(&err, "name");
	g_assert_cmpint(institution_type_add(&f->c1, "", false, &err), ==, -1);
	assert_invalid(&err, "name");
	/* region 2 may have the same name */
	use(f, &f->c2);
	g_assert_cmpint(institution_type_add(&f->c2, "Familienzentrum", false, &err), >, 0);
	g_assert_no_error(err);
	use(f, &f->c1);

	list = institution_type_list(&f->c1, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 12);
	t = json_array_get(list, 11);
	g_assert_cmpstr(json_string_value(json_object_get(t, "name")), ==, "Familienzentrum");
	g_assert_false(json_is_true(json_object_get(t, "builtin")));
	g_assert_cmpint(json_integer_value(json_object_get(t, "position")), ==, 12);
	g_assert_true(json_is_true(json_object_get(json_array_get(list, 0), "builtin")));
	g_assert_true(json_is_true(json_object_get(json_array_get(list, 0), "is_school")));
	json_decref(list);

	/* rename: refused onto a taken name; the search entries follow */
	{
		institution_input in = {.type_id = own, .name = "Haus der Familie Nord"};
		inst = institution_store_create(&f->c1, &in, &err);
		g_assert_no_error(err);
	}
	g_assert_cmpint(institution_type_rename(&f->c1, own, "Schule", &err), ==, -1);
	assert_invalid(&err, "name");
	g_assert_cmpint(institution_type_rename(&f->c1, own, "Familienbüro", &err), ==, 0);
	g_assert_no_error(err);
	{
		search_hits h = {0};
		static const char *const kinds[] = {SEARCH_KIND_INSTITUTION, NULL};
		g_assert_cmpint(search_query(&f->c1, "familienburo", kinds, 10, 0, &h, &err), ==, 1);
		g_assert_cmpint(h.hits[0].ref_id, ==, inst);
		search_hits_clear(&h);
		g_assert_cmpint(search_query(&f->c1, "familienzentrum", kinds, 10, 0, &h, &err), ==, 0);
		search_hits_clear(&h);
	}
	/* renaming a built-in kind drops its translation */
	g_assert_cmpint(institution_type_rename(&f->c1, f->kita, "Kita", &err), ==, 0);
	t = institution_type_get(&f->c1, f->kita, &err);
	g_assert_null(institution_type_msgid(json_string_value(json_object_get(t, "key")),
					     json_string_value(json_object_get(t, "name"))));
	json_decref(t);

	/* delete: refused while used */
	g_assert_cmpint(institution_type_delete(&f->c1, own, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_clear_error(&err);
	g_assert_cmpint(institution_store_delete(&f->c1, inst, &err), ==, 0);
	g_assert_cmpint(institution_type_delete(&f->c1, own, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_null(institution_type_get(&f->c1, own, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	/* another region's kind: not found */
	g_assert_cmpint(institution_type_rename(&f->c1, f->r2_school, "X", &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(institution_type_delete(&f->c1, f->r2_school, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
}

/* ---- institutions ------------------------------------------------------------ */

static void test_institution_create_rules(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const char *const tags[] = {" Inklusion ", "Ganztag", "inklusion", "", NULL};
	g_auto(GStrv) parsed = institution_tags_parse("Inklusion, Ganztag,, inklusion ; MINT");
	int64_t id, before, entries;
	json_t *got;

	g_assert_cmpuint(g_strv_length(parsed), ==, 3);
	g_assert_cmpstr(parsed[2], ==, "MINT");

	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->altstadt, &err), >, 0);
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->hochheide, &err), >, 0);
	{
		institution_input in = {.type_id = f->school, .name = "Grundschule Am Park",
					.name_extra = "Städtische Gemeinschaftsgrundschule",
					.short_name = "GGS Am Park", .street = "Parkstraße 1",
					.postcode = "47051", .city = "Duisburg",
					.phone = "0203 1234", .email = "gs-park@example.org",
					.website = "https://gs-park.example.org", .notes = "Notiz",
					.school_number = "112233", .school_form = "02",
					.legal_form = "1", .carrier_number = "12345", .tags = tags};
		id = institution_store_create(&f->c1, &in, &err);
		g_assert_no_error(err);
		g_assert_cmpint(id, >, 0);
	}
	got = institution_store_get(&f->c1, id, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(got, "name")), ==, "Grundschule Am Park");
	g_assert_cmpstr(json_string_value(json_object_get(got, "type_key")), ==, "school");
	g_assert_cmpstr(json_string_value(json_object_get(got, "type_name")), ==, "Schule");
	g_assert_true(json_is_true(json_object_get(got, "is_school")));
	g_assert_cmpstr(json_string_value(json_object_get(got, "school_form_label")), ==, "Grundschule");
	g_assert_cmpstr(json_string_value(json_object_get(got, "legal_form_label")), ==, "öffentlich");
	g_assert_cmpstr(json_string_value(json_object_get(got, "sort_name")), ==, "grundschule am park");
	g_assert_cmpstr(json_string_value(json_object_get(got, "tags_text")), ==, "Ganztag, Inklusion");
	/* areas from the post-code table, one per hierarchy */
	g_assert_cmpint(json_integer_value(json_object_get(got, "area_admin_id")), ==, f->altstadt);
	g_assert_cmpint(json_integer_value(json_object_get(got, "area_social_id")), ==, f->hochheide);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(json_object_get(got, "areas"), 0), "label")),
			==, "Mitte › Altstadt");
	json_decref(got);
	g_assert_cmpint(institution_store_by_school_number(&f->c1, "112233", &err), ==, id);
	g_assert_cmpint(institution_store_by_school_number(&f->c1, "999999", &err), ==, 0);

	before = count(f, "SELECT count(*) FROM institution WHERE region_id = $1");
	entries = count(f, "SELECT count(*) FROM search_entry WHERE region_id = $1");
	g_assert_cmpint(entries, ==, 1);
	{
		int64_t two_admin[] = {f->altstadt, f->sued};
		int64_t foreign[] = {f->r2_area};
		static const char *const long_tag[] = {
			"Ein Schlagwort, das viel zu lang ist, um noch eines zu sein, wirklich", NULL};
		struct {
			institution_input in;
			const char *field;
		} bad[] = {
			{{.type_id = f->school, .name = "Zweite", .school_number = "112233"}, "school_number"},
			{{.type_id = f->school, .name = "Zweite", .school_number = "11223"}, "school_number"},
			{{.type_id = f->school, .name = "Zweite", .school_number = "11223a"}, "school_number"},
			{{.type_id = f->school, .name = "Zweite", .school_form = "99"}, "school_form"},
			{{.type_id = f->school, .name = "Zweite", .legal_form = "3"}, "legal_form"},
			{{.type_id = f->school, .name = "Zweite", .carrier_number = "12-3"}, "carrier_number"},
			{{.type_id = f->kita, .name = "Kita", .school_number = "123456"}, "school_number"},
			{{.type_id = f->kita, .name = "Kita", .school_form = "02"}, "school_form"},
			{{.type_id = f->kita, .name = ""}, "name"},
			{{.type_id = f->r2_school, .name = "Fremd"}, "type_id"},
			{{.type_id = 0, .name = "Ohne"}, "type_id"},
			{{.type_id = f->kita, .name = "Kita", .postcode = "4705"}, "postcode"},
			{{.type_id = f->kita, .name = "Kita", .area_ids = two_admin, .n_areas = 2}, "area_admin"},
			{{.type_id = f->kita, .name = "Kita", .area_ids = foreign, .n_areas = 1}, "area_admin"},
			{{.type_id = f->kita, .name = "Kita", .tags = long_tag}, "tags"},
		};
		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_assert_cmpint(institution_store_create(&f->c1, &bad[i].in, &err), ==, -1);
			assert_invalid(&err, bad[i].field);
		}
	}
	/* nothing stored */
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution WHERE region_id = $1"), ==, before);
	g_assert_cmpint(count(f, "SELECT count(*) FROM search_entry WHERE region_id = $1"), ==, entries);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution_tag WHERE region_id = $1"), ==, 2);

	/* the same school number is fine in another region */
	use(f, &f->c2);
	{
		institution_input in = {.type_id = f->r2_school, .name = "Andere", .school_number = "112233"};
		g_assert_cmpint(institution_store_create(&f->c2, &in, &err), >, 0);
		g_assert_no_error(err);
	}
	use(f, &f->c1);
}

static void test_institution_update_delete(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const char *const tags[] = {"MINT", NULL};
	int64_t id = school(f, "Gymnasium Altstadt", "", "100200", tags, &err);
	int64_t person, body, aff, mem;
	json_t *got;

	g_assert_no_error(err);
	{
		int64_t areas[] = {f->wanheim, 0, f->hochheide};
		static const char *const tags2[] = {"Ganztag", "Sprachförderung", NULL};
		institution_input in = {.type_id = f->school, .name = "Gymnasium Wanheim",
					.street = "Hauptstraße 3", .postcode = "47249",
					.school_number = "100200", .school_form = "20",
					.area_ids = areas, .n_areas = 3, .tags = tags2};
		g_assert_cmpint(institution_store_update(&f->c1, id, &in, &err), ==, 0);
		g_assert_no_error(err);
		/* not in the region: not found */
		use(f, &f->c2);
		g_assert_cmpint(institution_store_update(&f->c2, id, &in, &err), ==, -1);
		g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
		g_clear_error(&err);
		g_assert_null(institution_store_get(&f->c2, id, &err));
		g_clear_error(&err);
		use(f, &f->c1);
	}
	got = institution_store_get(&f->c1, id, &err);
	g_assert_cmpstr(json_string_value(json_object_get(got, "name")), ==, "Gymnasium Wanheim");
	g_assert_cmpstr(json_string_value(json_object_get(got, "tags_text")), ==, "Ganztag, Sprachförderung");
	g_assert_cmpint(json_integer_value(json_object_get(got, "area_admin_id")), ==, f->wanheim);
	g_assert_cmpint(json_integer_value(json_object_get(got, "area_social_id")), ==, f->hochheide);
	json_decref(got);
	{
		search_hits h = {0};
		g_assert_cmpint(search_query(&f->c1, "sprachforderung hauptstrasse", NULL, 10, 0, &h, &err), ==, 1);
		search_hits_clear(&h);
		g_assert_cmpint(search_query(&f->c1, "altstadt", NULL, 10, 0, &h, &err), ==, 0);
		search_hits_clear(&h);
		g_assert_cmpint(search_query(&f->c1, "gymnasium 100200", NULL, 10, 0, &h, &err), ==, 1);
		search_hits_clear(&h);
	}

	/* an affiliated person blocks the delete, then a membership */
	person = test_db_insert_id(f->d, "INSERT INTO person (region_id, last_name, first_name, sort_name, "
				   "created_at, updated_at) SELECT id, 'Beispiel', 'Petra', 'beispiel petra', "
				   "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM region WHERE slug = 'eins' "
				   "RETURNING id");
	{
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO person_affiliation (region_id, person_id, institution_id, function) "
			"VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			", 'Schulleitung') RETURNING id", f->r1, person, id);
		aff = test_db_insert_id(f->d, sql);
	}
	g_assert_cmpint(institution_store_delete(&f->c1, id, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_clear_error(&err);
	{
		g_autofree char *sql = g_strdup_printf("DELETE FROM person_affiliation WHERE id = %" G_GINT64_FORMAT, aff);
		test_db_exec(f->d, sql);
	}
	body = test_db_insert_id(f->d, "INSERT INTO body (region_id, name, type, created_at, updated_at) "
				 "SELECT id, 'Lenkungskreis', 'steering', '2026-01-01T00:00:00Z', "
				 "'2026-01-01T00:00:00Z' FROM region WHERE slug = 'eins' RETURNING id");
	{
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO membership (region_id, body_id, person_id, role, institution_id, "
			"created_at, updated_at) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
			G_GINT64_FORMAT ", 'member', %" G_GINT64_FORMAT ", '2026-01-01T00:00:00Z', "
			"'2026-01-01T00:00:00Z') RETURNING id", f->r1, body, person, id);
		mem = test_db_insert_id(f->d, sql);
	}
	g_assert_cmpint(institution_store_delete(&f->c1, id, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_clear_error(&err);
	{
		g_autofree char *sql = g_strdup_printf("DELETE FROM membership WHERE id = %" G_GINT64_FORMAT, mem);
		test_db_exec(f->d, sql);
	}
	g_assert_cmpint(institution_store_delete(&f->c1, id, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution_tag WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution_area WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM search_entry WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(institution_store_delete(&f->c1, id, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
}

static void test_institution_relations(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = school(f, "Gesamtschule Süd", "", "", NULL, &err);
	int64_t anna, bernd, body;
	json_t *people, *bodies;

	g_assert_no_error(err);
	anna = test_db_insert_id(f->d, "INSERT INTO person (region_id, last_name, first_name, sort_name, "
				 "created_at, updated_at) SELECT id, 'Albers', 'Anna', 'albers anna', "
				 "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM region WHERE slug = 'eins' RETURNING id");
	bernd = test_db_insert_id(f->d, "INSERT INTO person (region_id, last_name, first_name, title, sort_name, "
				  "created_at, updated_at) SELECT id, 'Beispiel', 'Bernd', 'Dr.', 'beispiel bernd', "
				  "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM region WHERE slug = 'eins' RETURNING id");
	body = test_db_insert_id(f->d, "INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
				 "SELECT id, 'Handlungsforum Übergänge', 'forum', 'handlungsforum ubergange', "
				 "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM region WHERE slug = 'eins' RETURNING id");
	{
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO person_affiliation (region_id, person_id, institution_id, function, "
			"start_day, end_day) VALUES (%1$" G_GINT64_FORMAT ", %2$" G_GINT64_FORMAT
			", %4$" G_GINT64_FORMAT ", 'Lehrerin', '2010-08-01', '2020-07-31'), (%1$"
			G_GINT64_FORMAT ", %3$" G_GINT64_FORMAT ", %4$" G_GINT64_FORMAT
			", 'Schulleitung', '2015-08-01', NULL)", f->r1, anna, bernd, id);
		test_db_exec(f->d, sql);
		g_free(sql);
		sql = g_strdup_printf(
			"INSERT INTO membership (region_id, body_id, person_id, role, institution_id, "
			"start_day, created_at, updated_at) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			", %" G_GINT64_FORMAT ", 'coordination', %" G_GINT64_FORMAT ", '2020-01-01', "
			"'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", f->r1, body, bernd, id);
		test_db_exec(f->d, sql);
	}
	people = institution_store_people(&f->c1, id, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(people), ==, 2);
	/* current first, though Albers sorts before Beispiel */
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(people, 0), "person_id")), ==, bernd);
	g_assert_true(json_is_true(json_object_get(json_array_get(people, 0), "current")));
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(people, 0), "title")), ==, "Dr.");
	g_assert_false(json_is_true(json_object_get(json_array_get(people, 1), "current")));
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(people, 1), "end_day")), ==, "2020-07-31");
	json_decref(people);
	bodies = institution_store_bodies(&f->c1, id, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(bodies), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(bodies, 0), "body_name")), ==,
			"Handlungsforum Übergänge");
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(bodies, 0), "role")), ==, "coordination");
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(bodies, 0), "person_id")), ==, bernd);
	json_decref(bodies);

	/* region 2 sees none of it */
	use(f, &f->c2);
	people = institution_store_people(&f->c2, id, &err);
	g_assert_cmpuint(json_array_size(people), ==, 0);
	json_decref(people);
	use(f, &f->c1);
}

/* The names of a list result, joined by "|". */
static char *names(json_t *res)
{
	GString *s = g_string_new(NULL);
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(res, "rows"), i, row)
		g_string_append_printf(s, "%s%s", i ? "|" : "",
				       json_string_value(json_object_get(row, "name")));
	return g_string_free(s, FALSE);
}

static void expect_list(fixture *f, const institution_filter *flt, int64_t total, const char *want)
{
	g_autoptr(GError) err = NULL;
	json_t *res = institution_store_list(&f->c1, flt, &err);
	g_autofree char *got = NULL;

	g_assert_no_error(err);
	got = names(res);
	if (g_strcmp0(got, want) || json_integer_value(json_object_get(res, "total")) != total)
		g_error("list q=%s sort=%s: got %" JSON_INTEGER_FORMAT " [%s], want %" G_GINT64_FORMAT " [%s]",
			flt->q ? flt->q : "", flt->sort ? flt->sort : "",
			json_integer_value(json_object_get(res, "total")), got, total, want);
	json_decref(res);
}

static void test_institution_list(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const char *const t_mint[] = {"MINT", "Ganztag", NULL};
	static const char *const t_ganz[] = {"Ganztag", NULL};
	int64_t a_alt[] = {f->altstadt}, a_dell[] = {f->dellviertel, f->hochheide},
		a_wan[] = {f->wanheim};
	struct {
		int64_t type;
		const char *name, *street, *postcode, *number, *form;
		int64_t *areas;
		const char *const *tags;
	} rows[] = {
		{f->school, "Städtisches Gymnasium Mitte", "Müllerstraße 2", "47051", "100001", "20", a_alt, t_mint},
		{f->school, "Grundschule Dellplatz", "Dellstraße 5", "47053", "100002", "02", a_dell, t_ganz},
		{f->school, "Gesamtschule Süd", "Am Südpark 1", "47249", "100003", "15", a_wan, NULL},
		{f->kita, "Kita Mueller-Weg", "Muellerweg 9", "", "", "", a_dell, t_ganz},
		{f->authority, "Schulamt für die Stadt", "Neckarstraße 1", "47051", "", "", NULL, NULL},
		{f->kita, "Ärztliche Kita", "", "47249", "", "", a_wan, NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		institution_input in = {.type_id = rows[i].type, .name = rows[i].name,
					.street = rows[i].street, .postcode = rows[i].postcode,
					.city = "Duisburg", .school_number = rows[i].number,
					.school_form = rows[i].form, .area_ids = rows[i].areas,
					.n_areas = rows[i].areas ? (rows[i].areas == a_dell ? 2 : 1) : 0,
					.tags = rows[i].tags};
		g_assert_cmpint(institution_store_create(&f->c1, &in, &err), >, 0);
		g_assert_no_error(err);
	}
	/* and one of region 2 that must never show */
	use(f, &f->c2);
	{
		institution_input in = {.type_id = f->r2_school, .name = "Gymnasium Fremd",
					.street = "Müllerstraße 1"};
		g_assert_cmpint(institution_store_create(&f->c2, &in, &err), >, 0);
	}
	use(f, &f->c1);

	/* by name (folded: Ä sorts as A) */
	expect_list(f, &(institution_filter){0}, 6,
		    "Ärztliche Kita|Gesamtschule Süd|Grundschule Dellplatz|Kita Mueller-Weg|"
		    "Schulamt für die Stadt|Städtisches Gymnasium Mitte");
	/* pages */
	expect_list(f, &(institution_filter){.limit = 2, .offset = 2}, 6,
		    "Grundschule Dellplatz|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.limit = 50, .offset = 100}, 6, "");
	/* sort by post code (empty last), by kind (position) */
	expect_list(f, &(institution_filter){.sort = "postcode"}, 6,
		    "Schulamt für die Stadt|Städtisches Gymnasium Mitte|Grundschule Dellplatz|"
		    "Ärztliche Kita|Gesamtschule Süd|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.sort = "type"}, 6,
		    "Gesamtschule Süd|Grundschule Dellplatz|Städtisches Gymnasium Mitte|"
		    "Ärztliche Kita|Kita Mueller-Weg|Schulamt für die Stadt");
	/* filters: kind, area with its sub-areas, social area, tag */
	expect_list(f, &(institution_filter){.type_id = f->kita}, 2, "Ärztliche Kita|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.area_id = f->mitte}, 3,
		    "Grundschule Dellplatz|Kita Mueller-Weg|Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.area_id = f->dellviertel}, 2,
		    "Grundschule Dellplatz|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.area_id = f->hochheide}, 2,
		    "Grundschule Dellplatz|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.tag = "Ganztag"}, 3,
		    "Grundschule Dellplatz|Kita Mueller-Weg|Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.tag = "Ganztag", .type_id = f->school, .area_id = f->mitte}, 2,
		    "Grundschule Dellplatz|Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.tag = "ganztag"}, 0, "");
	/* search: German folding, prefixes, with filters and sorts */
	expect_list(f, &(institution_filter){.q = "müller", .sort = "name"}, 2,
		    "Kita Mueller-Weg|Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.q = "muller", .sort = "name"}, 2,
		    "Kita Mueller-Weg|Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.q = "dellstrasse"}, 1, "Grundschule Dellplatz");
	expect_list(f, &(institution_filter){.q = "Neckarstr"}, 1, "Schulamt für die Stadt");
	expect_list(f, &(institution_filter){.q = "gymnasium"}, 1, "Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.q = "grundschule"}, 1, "Grundschule Dellplatz");
	expect_list(f, &(institution_filter){.q = "100003"}, 1, "Gesamtschule Süd");
	expect_list(f, &(institution_filter){.q = "mint"}, 1, "Städtisches Gymnasium Mitte");
	expect_list(f, &(institution_filter){.q = "47249", .sort = "name"}, 2,
		    "Ärztliche Kita|Gesamtschule Süd");
	expect_list(f, &(institution_filter){.q = "arztl"}, 1, "Ärztliche Kita");
	expect_list(f, &(institution_filter){.q = "kindertageseinrichtung", .sort = "name"}, 2,
		    "Ärztliche Kita|Kita Mueller-Weg");
	expect_list(f, &(institution_filter){.q = "duisburg", .type_id = f->kita, .sort = "postcode"}, 2,
		    "Ärztliche Kita|Kita Mueller-Weg");
	{
		/* relevance order may differ between the backends; the page
		 * still has the right size and total */
		json_t *res = institution_store_list(&f->c1, &(institution_filter){.q = "duisburg", .limit = 4, .offset = 4}, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(res, "total")), ==, 6);
		g_assert_cmpuint(json_array_size(json_object_get(res, "rows")), ==, 2);
		json_decref(res);
	}
	expect_list(f, &(institution_filter){.q = "nirgendwo"}, 0, "");
	expect_list(f, &(institution_filter){.q = "fremd"}, 0, "");

	/* rows carry kind, areas and tags */
	{
		json_t *res = institution_store_list(&f->c1, &(institution_filter){.q = "dellplatz"}, &err);
		json_t *row = json_array_get(json_object_get(res, "rows"), 0);
		g_assert_cmpstr(json_string_value(json_object_get(row, "type_key")), ==, "school");
		g_assert_cmpuint(json_array_size(json_object_get(row, "areas")), ==, 2);
		g_assert_cmpstr(json_string_value(json_array_get(json_object_get(row, "tags"), 0)), ==, "Ganztag");
		json_decref(res);
	}
	/* tags of the region */
	{
		json_t *all = institution_store_tags(&f->c1, &err);
		g_autofree char *dump = json_dumps(all, JSON_COMPACT);
		g_assert_cmpstr(dump, ==, "[\"Ganztag\",\"MINT\"]");
		json_decref(all);
	}
	/* a search the index refuses */
	{
		g_autofree char *lng = g_strnfill(250, 'a');
		g_assert_null(institution_store_list(&f->c1, &(institution_filter){.q = lng}, &err));
		g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG);
		g_clear_error(&err);
	}
	/* reindex writes an entry per institution */
	test_db_exec(f->d, "DELETE FROM search_entry");
	g_assert_cmpint(institution_store_reindex_all(&f->c1, &err), ==, 6);
	g_assert_no_error(err);
	expect_list(f, &(institution_filter){.q = "müller", .sort = "name"}, 2,
		    "Kita Mueller-Weg|Städtisches Gymnasium Mitte");
}

/* ---- many at once (institution_store_write_many) ------------------------ */

/* The first column of the first row of sql ($1 = id), newly allocated. */
static char *text_of(fixture *f, const char *sql, int64_t id)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(f->d, sql, &err);

	g_assert_no_error(err);
	db_bind_int64(st, 1, id);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	return g_strdup(db_col_text(st, 0));
}

static char *replaced(const char *s, const char *old, const char *new)
{
	g_auto(GStrv) parts = g_strsplit(s, old, -1);
	return g_strjoinv(new, parts);
}

/* Institution a (written one by one, school number na) and b (written by
 * write_many, nb) have the same search entry and last change-log entry,
 * but for the number. */
static void assert_same_effect(fixture *f, int64_t a, const char *na, int64_t b, const char *nb)
{
	static const char *const sqls[] = {
		"SELECT changes FROM change_log WHERE entity = 'institution' AND entity_id = $1 "
		"ORDER BY id DESC LIMIT 1",
		"SELECT action || '|' || summary FROM change_log WHERE entity = 'institution' "
		"AND entity_id = $1 ORDER BY id DESC LIMIT 1",
		"SELECT title || '|' || body || '|' || folded FROM search_entry "
		"WHERE kind = 'institution' AND ref_id = $1",
		"SELECT count(*) || '' FROM institution_area WHERE institution_id = $1",
		"SELECT count(*) || '' FROM change_log WHERE entity = 'institution' AND entity_id = $1",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(sqls); i++) {
		g_autofree char *ta = text_of(f, sqls[i], a);
		g_autofree char *tb = text_of(f, sqls[i], b);
		g_autofree char *want = replaced(ta, na, nb);
		g_assert_cmpstr(tb, ==, want);
	}
}

static void test_institution_write_many(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const char *const tags[] = {"MINT", "Ganztag", NULL};
	const char *const tags2[] = {"Ganztag", "Familienzentrum", NULL};
	int64_t sued_only[] = {f->sued};
	institution_input in = {.type_id = f->school, .name = "Gesamtschule Mitte",
				.name_extra = "Sekundarstufe I und II", .street = "Musterweg 1",
				.postcode = "47051", .city = "Duisburg", .email = "gs@example.org",
				.school_form = "15", .legal_form = "1", .tags = tags,
				.log_action = "import", .log_summary = "Schulverzeichnis, Import Nr. 1"};
	institution_input upd = in, many[2];
	int64_t a, b, x1, x2, ids[2];
	size_t failed = 99;
	int64_t before;

	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->altstadt, &err), >, 0);
	g_assert_cmpint(area_postcode_add(&f->c1, "47051", "", f->hochheide, &err), >, 0);
	g_assert_no_error(err);

	/* A create and an update one by one … */
	in.school_number = "100001";
	a = institution_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	in.school_number = "100003";
	in.notes = "Ansprechpartnerin im Sekretariat";
	x1 = institution_store_create(&f->c1, &in, &err);
	in.school_number = "100004";
	x2 = institution_store_create(&f->c1, &in, &err);
	g_assert_no_error(err);
	upd.school_number = "100003";
	upd.name = "Gesamtschule Mitte-Nord";
	upd.postcode = "47053";
	upd.tags = tags2;
	upd.area_ids = sued_only;
	upd.n_areas = 1;
	upd.notes = "Ansprechpartnerin im Sekretariat";
	upd.log_action = NULL;
	g_assert_cmpint(institution_store_update(&f->c1, x1, &upd, &err), ==, 0);
	g_assert_no_error(err);

	/* … and the same as one write_many: the same rows, entries, areas. */
	many[0] = in;
	many[0].school_number = "100002";
	many[0].notes = NULL;
	many[1] = upd;
	many[1].school_number = "100004";
	ids[0] = 0;
	ids[1] = x2;
	g_assert_cmpint(institution_store_write_many(&f->c1, 2, many, ids, &failed, &err), ==, 0);
	g_assert_no_error(err);
	b = ids[0];
	g_assert_cmpint(b, >, x2);
	g_assert_cmpint(ids[1], ==, x2);
	assert_same_effect(f, a, "100001", b, "100002");
	assert_same_effect(f, x1, "100003", x2, "100004");
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM institution_area "
					  "WHERE institution_id = $1", b), ==, 2);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM institution_area "
					  "WHERE institution_id = $1", x2), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM institution_tag "
					  "WHERE institution_id = $1", x2), ==, 2);

	/* Refused as a whole: the second input takes the number of the
	 * first (checked as if the first were written), nothing is written. */
	before = count(f, "SELECT count(*) FROM institution WHERE region_id = $1");
	many[0] = in;
	many[0].school_number = "100010";
	many[1] = in;
	many[1].school_number = "100010";
	ids[0] = ids[1] = 0;
	g_assert_cmpint(institution_store_write_many(&f->c1, 2, many, ids, &failed, &err), ==, -1);
	assert_invalid(&err, "school_number");
	g_assert_cmpuint(failed, ==, 1);
	g_assert_cmpint(ids[0], ==, 0);
	/* … a number of the register, unless the update frees it */
	many[1].school_number = "100001";
	g_assert_cmpint(institution_store_write_many(&f->c1, 2, many, ids, &failed, &err), ==, -1);
	assert_invalid(&err, "school_number");
	g_assert_cmpuint(failed, ==, 1);
	/* … an institution of another region */
	use(f, &f->c2);
	{
		institution_input other = {.type_id = f->r2_school, .name = "Anderswo"};
		ids[1] = institution_store_create(&f->c2, &other, &err);
		g_assert_no_error(err);
	}
	use(f, &f->c1);
	many[1].school_number = "100011";
	g_assert_cmpint(institution_store_write_many(&f->c1, 2, many, ids, &failed, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpuint(failed, ==, 1);
	g_assert_cmpint(count(f, "SELECT count(*) FROM institution WHERE region_id = $1"), ==, before);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/register/" path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("area/tree", test_area_tree);
	ADD("area/rules", test_area_rules);
	ADD("area/delete_refused", test_area_delete_refused);
	ADD("area/postcodes", test_postcodes);
	ADD("type/seed_matches_migration", test_type_seed_matches_migration);
	ADD("type/edit", test_type_edit);
	ADD("institution/create_rules", test_institution_create_rules);
	ADD("institution/update_delete", test_institution_update_delete);
	ADD("institution/relations", test_institution_relations);
	ADD("institution/list", test_institution_list);
	ADD("institution/write_many", test_institution_write_many);
#undef ADD
	return g_test_run();
}
