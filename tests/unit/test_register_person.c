/*
 * test_register_person.c — the people of the register (person_store.c) on
 * the backend the environment chooses (tests/unit/test_dbenv.h): the
 * generated letter salutation, the checks of a person's data, consents
 * with their history, affiliations and their period, the search entry
 * ("mueller", "muller" and "Müller" meet; "strasse" finds "Straße" of an
 * institution the person works at), the list with its filters and pages,
 * the account link, and the refusal to delete a member of a body.
 */
#include <string.h>

#include "db/db.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	bireg_ctx ctx;
	int64_t region, other_region;
	int64_t type_id;
} fixture;

static void fx_setup(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fx->d = test_db_open(&err);
	g_assert_no_error(err);
	fx->region = test_db_add_region(fx->d, "eins", "Region eins");
	fx->other_region = test_db_add_region(fx->d, "zwei", "Region zwei");
	db_set_region(fx->d, fx->region);
	fx->ctx = (bireg_ctx){.db = fx->d, .region_id = fx->region};
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO institution_type (region_id, key, name, is_school, position) VALUES "
		"(%" G_GINT64_FORMAT ", 'school', 'Schule', 1, 1) RETURNING id", fx->region);
	fx->type_id = test_db_insert_id(fx->d, sql);
}

static void fx_teardown(fixture *fx, gconstpointer data)
{
	test_db_dispose(fx->d);
}

static int64_t add_institution(fixture *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(fx->d,
		"INSERT INTO institution (region_id, type_id, name, sort_name, created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
		&err);
	g_autofree char *sort = register_sort_key(name, NULL);

	g_assert_no_error(err);
	db_bind_int64(st, 1, fx->ctx.region_id);
	db_bind_int64(st, 2, fx->type_id);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, sort);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

static int64_t add_person(fixture *fx, const char *title, const char *first, const char *last,
			  const char *email)
{
	g_autoptr(GError) err = NULL;
	person_input in = {.title = title, .first_name = first, .last_name = last, .email = email};
	int64_t id = person_store_create(&fx->ctx, &in, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* The ids the search finds for q among people, sorted ascending. */
static GArray *found(fixture *fx, const char *q)
{
	static const char *const kinds[] = {SEARCH_KIND_PERSON, NULL};
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));

	g_assert_cmpint(search_query(&fx->ctx, q, kinds, 100, 0, &h, &err), >=, 0);
	g_assert_no_error(err);
	for (size_t i = 0; i < h.n; i++)
		g_array_append_val(ids, h.hits[i].ref_id);
	search_hits_clear(&h);
	return ids;
}

static gint cmp_i64(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static bool found_exactly(fixture *fx, const char *q, const int64_t *want, size_t n)
{
	g_autoptr(GArray) got = found(fx, q);
	g_autofree int64_t *w = g_memdup2(want, n * sizeof *want);

	g_array_sort(got, cmp_i64);
	if (n)
		qsort(w, n, sizeof *w, cmp_i64);
	if (got->len != n) {
		g_test_message("%s: %u hits, expected %zu", q, got->len, n);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (g_array_index(got, int64_t, i) != w[i])
			return false;
	return true;
}

/* ---- salutation and names -------------------------------------------- */

static void test_salutation(void)
{
	static const struct {
		const char *form, *title, *first, *last, *want;
	} cases[] = {
		{"frau", "Dr.", "Petra", "Beispiel", "Sehr geehrte Frau Dr. Beispiel,"},
		{"herr", "", "Max", "Muster", "Sehr geehrter Herr Muster,"},
		{"", "", "Alex", "Muster", "Guten Tag Alex Muster,"},
		{"", "Dr.", "", "Weiß", "Guten Tag Dr. Weiß,"},
		{"herr", NULL, "Jürgen", "Müller-Lüdenscheidt",
		 "Sehr geehrter Herr Müller-Lüdenscheidt,"},
		{"frau", " Prof.  Dr. ", "Ägidia", " Öztürk ", "Sehr geehrte Frau Prof. Dr. Öztürk,"},
		{"herr", "", "", "von Straßburg", "Sehr geehrter Herr von Straßburg,"},
		{NULL, NULL, "Zoë", "Krüger", "Guten Tag Zoë Krüger,"},
		{"", "", "", "", "Guten Tag,"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = person_letter_salutation(cases[i].form, cases[i].title,
								cases[i].first, cases[i].last);
		g_assert_cmpstr(got, ==, cases[i].want);
	}
	g_autofree char *name = person_display_name("Dr.", "Petra", "Beispiel");
	g_assert_cmpstr(name, ==, "Dr. Petra Beispiel");
	g_autofree char *plain = person_display_name("", "", "Özdemir");
	g_assert_cmpstr(plain, ==, "Özdemir");
}

/* ---- checks ------------------------------------------------------------ */

static void expect_invalid(const person_input *in, const char *field)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *got = NULL;

	g_assert_cmpint(person_input_check(in, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	got = register_error_field(err);
	g_assert_cmpstr(got, ==, field);
}

static void test_validation(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *long_name = g_strnfill(101, 'x');
	person_input ok = {.last_name = "Muster", .email = "a.muster@example.org"};
	person_input in;

	g_assert_cmpint(person_input_check(&ok, &err), ==, 0);
	g_assert_no_error(err);

	in = ok;
	in.last_name = "";
	expect_invalid(&in, "last_name");
	in = ok;
	in.last_name = long_name;
	expect_invalid(&in, "last_name");
	in = ok;
	in.address_form = "divers";
	expect_invalid(&in, "address_form");
	in = ok;
	in.email = "";
	expect_invalid(&in, "email"); /* e-mail is the default channel */
	in = ok;
	in.email = "kein at example";
	expect_invalid(&in, "email");
	in = ok;
	in.postcode = "4705";
	expect_invalid(&in, "postcode");
	in = ok;
	in.preferred_channel = "fax";
	expect_invalid(&in, "preferred_channel");
	in = ok;
	in.legal_basis = "whim";
	expect_invalid(&in, "legal_basis");

	/* post needs street, postcode and city; then no e-mail is needed */
	in = ok;
	in.email = "";
	in.preferred_channel = "post";
	expect_invalid(&in, "street");
	in.street = "Musterstraße 1";
	expect_invalid(&in, "postcode");
	in.postcode = "47051";
	expect_invalid(&in, "city");
	in.city = "Duisburg";
	g_assert_cmpint(person_input_check(&in, &err), ==, 0);
	g_assert_no_error(err);
}

static void test_create_get_update(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	person_input in = {.address_form = "frau", .title = "Dr.", .first_name = "Petra",
			   .last_name = "Beispiel", .function = "Schulleitung",
			   .email = "p.beispiel@example.org", .city = "Duisburg",
			   .legal_basis = "consent", .legal_basis_note = "Formular 2026"};
	int64_t id = person_store_create(&fx->ctx, &in, &err);
	json_t *p;

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	p = person_store_get(&fx->ctx, id, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(p, "display_name")), ==,
			"Dr. Petra Beispiel");
	g_assert_cmpstr(json_string_value(json_object_get(p, "letter_salutation_default")), ==,
			"Sehr geehrte Frau Dr. Beispiel,");
	g_assert_cmpstr(json_string_value(json_object_get(p, "letter_salutation_effective")), ==,
			"Sehr geehrte Frau Dr. Beispiel,");
	g_assert_cmpstr(json_string_value(json_object_get(p, "preferred_channel")), ==, "email");
	g_assert_cmpstr(json_string_value(json_object_get(p, "legal_basis")), ==, "consent");
	g_assert_cmpstr(json_string_value(json_object_get(p, "sort_name")), ==, "beispiel petra");
	g_assert_true(json_is_null(json_object_get(p, "account")));
	g_assert_cmpuint(json_array_size(json_object_get(p, "consents")), ==, 3);
	json_decref(p);

	/* a free salutation wins; the default stays visible */
	in.letter_salutation = "Liebe Petra,";
	in.last_name = "Beispiel-Öz";
	g_assert_cmpint(person_store_update(&fx->ctx, id, &in, &err), ==, 0);
	g_assert_no_error(err);
	p = person_store_get(&fx->ctx, id, &err);
	g_assert_cmpstr(json_string_value(json_object_get(p, "letter_salutation_effective")), ==,
			"Liebe Petra,");
	g_assert_cmpstr(json_string_value(json_object_get(p, "letter_salutation_default")), ==,
			"Sehr geehrte Frau Dr. Beispiel-Öz,");
	json_decref(p);
	g_assert_true(found_exactly(fx, "beispiel oz", (int64_t[]){id}, 1));

	/* nothing written for a refused update */
	in.email = "";
	g_assert_cmpint(person_store_update(&fx->ctx, id, &in, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person WHERE email = "
					  "'p.beispiel@example.org' AND id = $1", id), ==, 1);

	/* another region sees nothing */
	bireg_ctx other = {.db = fx->d, .region_id = fx->other_region};
	db_set_region(fx->d, fx->other_region);
	g_assert_null(person_store_get(&other, id, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(person_store_update(&other, id, &in, &err), ==, -1);
	g_clear_error(&err);
	db_set_region(fx->d, fx->region);
}

/* ---- consents ----------------------------------------------------------- */

static void test_consents(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = add_person(fx, "", "Anna", "Consent", "anna@example.org");
	json_t *p, *c, *h;

	g_assert_cmpint(person_consent_current(&fx->ctx, id, "publish_name", &err), ==, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "publish_name", true, "2024-01-10",
					      "Einwilligungsformular", &err), >, 0);
	g_assert_no_error(err);
	g_assert_cmpint(person_consent_current(&fx->ctx, id, "publish_name", &err), ==, 1);
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "publish_name", false, "2025-02-01",
					      "E-Mail vom 1.2.2025", &err), >, 0);
	g_assert_cmpint(person_consent_current(&fx->ctx, id, "publish_name", &err), ==, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "newsletter", true, "2025-03-01",
					      "", &err), >, 0);
	g_assert_no_error(err);

	/* refused: unknown kind, bad day, future day, unknown person */
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "gossip", true, "2025-01-01", "", &err),
			==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "photos", true, "2025-02-30", "", &err),
			==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "photos", true, "2999-01-01", "", &err),
			==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	g_assert_cmpint(person_consent_record(&fx->ctx, id + 1000, "photos", true, "2025-01-01", "",
					      &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person_consent "
					  "WHERE person_id = $1", id), ==, 3);

	p = person_store_get(&fx->ctx, id, &err);
	g_assert_no_error(err);
	c = json_array_get(json_object_get(p, "consents"), 0);
	g_assert_cmpstr(json_string_value(json_object_get(c, "kind")), ==, "publish_name");
	g_assert_cmpstr(json_string_value(json_object_get(c, "state")), ==, "withdrawn");
	g_assert_cmpstr(json_string_value(json_object_get(c, "day")), ==, "2025-02-01");
	h = json_object_get(c, "history");
	g_assert_cmpuint(json_array_size(h), ==, 2);
	g_assert_false(json_is_true(json_object_get(json_array_get(h, 0), "given")));
	g_assert_true(json_is_true(json_object_get(json_array_get(h, 1), "given")));
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(h, 1), "source")), ==,
			"Einwilligungsformular");
	c = json_array_get(json_object_get(p, "consents"), 1);
	g_assert_cmpstr(json_string_value(json_object_get(c, "state")), ==, "none");
	c = json_array_get(json_object_get(p, "consents"), 2);
	g_assert_cmpstr(json_string_value(json_object_get(c, "state")), ==, "given");
	json_decref(p);
}

/* ---- affiliations and search -------------------------------------------- */

static void test_affiliations(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t school = add_institution(fx, "Grundschule Lange Straße");
	int64_t id = add_person(fx, "", "Kim", "Lehrer", "kim@example.org");
	int64_t aid;
	json_t *p, *a;

	/* "strasse" finds nothing until Kim works at the school */
	g_assert_true(found_exactly(fx, "strasse", NULL, 0));

	/* refused: end before start, next to the end field; nothing stored */
	g_assert_cmpint(affiliation_add(&fx->ctx, id, school, "Lehrerin", "2025-08-01",
					"2025-07-31", &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_autofree char *field = register_error_field(err);
	g_assert_cmpstr(field, ==, "end_day");
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person_affiliation "
					  "WHERE person_id = $1", id), ==, 0);

	/* refused: an institution of another region */
	db_set_region(fx->d, fx->other_region);
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO institution_type (region_id, name) VALUES (%" G_GINT64_FORMAT
		", 'Andere') RETURNING id", fx->other_region);
	int64_t t2 = test_db_insert_id(fx->d, sql);
	g_autofree char *sql2 = g_strdup_printf(
		"INSERT INTO institution (region_id, type_id, name, created_at, updated_at) VALUES "
		"(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'Fremde Straße', 'x', 'x') RETURNING id",
		fx->other_region, t2);
	int64_t foreign = test_db_insert_id(fx->d, sql2);
	db_set_region(fx->d, fx->region);
	g_assert_cmpint(affiliation_add(&fx->ctx, id, foreign, "", NULL, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);

	/* same day start and end is a period of one day */
	aid = affiliation_add(&fx->ctx, id, school, "Klassenleitung", "2020-08-01", "2020-08-01",
			      &err);
	g_assert_no_error(err);
	g_assert_cmpint(aid, >, 0);
	/* a former affiliation does not count for the search */
	g_assert_true(found_exactly(fx, "strasse", NULL, 0));
	aid = affiliation_add(&fx->ctx, id, school, "Lehrerin", "2021-08-01", NULL, &err);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "strasse", (int64_t[]){id}, 1));
	g_assert_true(found_exactly(fx, "lange STRASSE", (int64_t[]){id}, 1));

	p = person_store_get(&fx->ctx, id, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(json_object_get(p, "affiliations")), ==, 2);
	a = json_array_get(json_object_get(p, "affiliations"), 0);
	g_assert_true(json_is_true(json_object_get(a, "current")));
	g_assert_cmpstr(json_string_value(json_object_get(a, "institution_name")), ==,
			"Grundschule Lange Straße");
	g_assert_true(json_is_null(json_object_get(a, "end_day")));
	a = json_array_get(json_object_get(p, "affiliations"), 1);
	g_assert_false(json_is_true(json_object_get(a, "current")));
	json_decref(p);

	json_t *list = affiliation_list_for_institution(&fx->ctx, school, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 2);
	json_decref(list);

	/* deleting it re-indexes the person */
	g_assert_cmpint(affiliation_delete(&fx->ctx, id + 99, aid, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);
	g_assert_cmpint(affiliation_delete(&fx->ctx, id, aid, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "strasse", NULL, 0));

	/* the institution's rename and deletion reach the people's entries */
	aid = affiliation_add(&fx->ctx, id, school, "Lehrerin", NULL, NULL, &err);
	g_assert_no_error(err);
	test_db_exec(fx->d, "UPDATE institution SET name = 'Gesamtschule Süd'");
	g_assert_cmpint(person_store_reindex_institution(&fx->ctx, school, &err), ==, 0);
	g_assert_true(found_exactly(fx, "gesamtschule sud", (int64_t[]){id}, 1));
	g_assert_true(found_exactly(fx, "strasse", NULL, 0));
	g_assert_cmpint(person_store_detach_institution(&fx->ctx, school, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "gesamtschule", NULL, 0));
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person_affiliation "
					  "WHERE person_id = $1", id), ==, 0);
}

static void test_search_folding(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t anna = add_person(fx, "", "Anna", "Müller", "anna@example.org");
	int64_t juergen = add_person(fx, "Dr.", "Jürgen", "Mueller", "j.mueller@example.org");
	int64_t peter = add_person(fx, "", "Peter", "Muller", "peter@example.org");
	int64_t weiss = add_person(fx, "", "Karl", "Weiß", "karl@example.org");
	int64_t all[] = {anna, juergen, peter};

	g_assert_true(found_exactly(fx, "mueller", all, 3));
	g_assert_true(found_exactly(fx, "muller", all, 3));
	g_assert_true(found_exactly(fx, "Müller", all, 3));
	g_assert_true(found_exactly(fx, "MÜLLER", all, 3));
	g_assert_true(found_exactly(fx, "jurgen", (int64_t[]){juergen}, 1));
	g_assert_true(found_exactly(fx, "dr juer", (int64_t[]){juergen}, 1));
	g_assert_true(found_exactly(fx, "weiss", (int64_t[]){weiss}, 1));
	g_assert_true(found_exactly(fx, "weiß", (int64_t[]){weiss}, 1));

	/* a person who lives at a Straße: the city is indexed, the street not,
	 * but the function is */
	person_input in = {.first_name = "Lara", .last_name = "Stein", .function =
			   "Leitung Straßensozialarbeit", .email = "lara@example.org",
			   .city = "Mülheim an der Ruhr"};
	int64_t lara = person_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "strassensozial", (int64_t[]){lara}, 1));
	g_assert_true(found_exactly(fx, "mulheim", (int64_t[]){lara}, 1));
	g_assert_true(found_exactly(fx, "muelheim ruhr", (int64_t[]){lara}, 1));

	/* reindex_all rebuilds and drops stale entries */
	test_db_exec(fx->d, "DELETE FROM search_entry WHERE kind = 'person'");
	g_assert_true(found_exactly(fx, "muller", NULL, 0));
	g_assert_cmpint(person_store_reindex_all(&fx->ctx, &err), ==, 5);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "muller", all, 3));
}

/* ---- delete ------------------------------------------------------------- */

static void test_delete(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t school = add_institution(fx, "Berufskolleg Mitte");
	int64_t member = add_person(fx, "", "Mia", "Mitglied", "mia@example.org");
	int64_t other = add_person(fx, "", "Ole", "Ohne", "ole@example.org");
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO body (region_id, name, type, created_at, updated_at) VALUES "
		"(%" G_GINT64_FORMAT ", 'Lenkungskreis', 'steering', 'x', 'x') RETURNING id",
		fx->region);
	int64_t body = test_db_insert_id(fx->d, sql);
	g_autofree char *sql2 = g_strdup_printf(
		"INSERT INTO membership (region_id, body_id, person_id, role, end_day, created_at, "
		"updated_at) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		", 'member', '2020-12-31', 'x', 'x') RETURNING id", fx->region, body, member);
	test_db_insert_id(fx->d, sql2);

	/* a former membership still refuses: the body's history keeps it */
	g_assert_cmpint(person_store_delete(&fx->ctx, member, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_assert_cmpint(register_status_for(err), ==, 409);
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person WHERE id = $1",
					  member), ==, 1);
	json_t *p = person_store_get(&fx->ctx, member, &err);
	g_assert_no_error(err);
	json_t *m = json_array_get(json_object_get(p, "memberships"), 0);
	g_assert_cmpstr(json_string_value(json_object_get(m, "body_name")), ==, "Lenkungskreis");
	g_assert_false(json_is_true(json_object_get(m, "current")));
	json_decref(p);

	/* deleted with affiliations, consents, account link and search entry */
	g_assert_cmpint(affiliation_add(&fx->ctx, other, school, "", NULL, NULL, &err), >, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, other, "photos", true, "2025-01-01", "x",
					      &err), >, 0);
	int64_t acc = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('ole@example.org', 'Ole', 'x', 'x', 'x') RETURNING id");
	g_assert_cmpint(person_link_account(&fx->ctx, other, acc, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(found_exactly(fx, "ole", (int64_t[]){other}, 1));
	g_assert_cmpint(person_store_delete(&fx->ctx, other, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person WHERE id = $1",
					  other), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person_affiliation "
					  "WHERE person_id = $1", other), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM person_consent "
					  "WHERE person_id = $1", other), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM account_person "
					  "WHERE person_id = $1", other), ==, 0);
	g_assert_true(found_exactly(fx, "ole", NULL, 0));
	g_assert_cmpint(person_store_delete(&fx->ctx, other, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
}

/* ---- account link ------------------------------------------------------- */

static void test_account_link(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t a = add_person(fx, "", "Sam", "Eins", "sam@example.org");
	int64_t b = add_person(fx, "", "Sam", "Zwei", "sam2@example.org");
	int64_t acc = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('sam@example.org', 'Sam', 'x', 'x', 'x') RETURNING id");
	int64_t acc2 = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('sam2@example.org', 'Sam 2', 'x', 'x', 'x') RETURNING id");
	g_autofree char *demo_sql = g_strdup_printf(
		"INSERT INTO account (email, display_name, password_hash, demo_region_id, created_at, "
		"updated_at) VALUES ('demo@example.org', 'Demo', 'x', %" G_GINT64_FORMAT
		", 'x', 'x') RETURNING id", fx->other_region);
	int64_t demo = test_db_insert_id(fx->d, demo_sql);

	g_assert_cmpint(person_for_account(&fx->ctx, acc, &err), ==, 0);
	g_assert_cmpint(person_link_account(&fx->ctx, a, acc, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(person_link_account(&fx->ctx, a, acc, &err), ==, 0); /* again: no change */
	g_assert_cmpint(person_for_account(&fx->ctx, acc, &err), ==, a);

	/* one account, one person per region */
	g_assert_cmpint(person_link_account(&fx->ctx, b, acc, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	/* a demo account of another region */
	g_assert_cmpint(person_link_account(&fx->ctx, b, demo, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);

	/* a person has one account: linking another replaces it */
	g_assert_cmpint(person_link_account(&fx->ctx, a, acc2, &err), ==, 0);
	g_assert_cmpint(person_for_account(&fx->ctx, acc, &err), ==, 0);
	g_assert_cmpint(person_for_account(&fx->ctx, acc2, &err), ==, a);
	json_t *p = person_store_get(&fx->ctx, a, &err);
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(p, "account"), "email")),
			==, "sam2@example.org");
	json_decref(p);
	g_assert_cmpint(person_unlink_account(&fx->ctx, a, &err), ==, 0);
	g_assert_cmpint(person_for_account(&fx->ctx, acc2, &err), ==, 0);
	g_assert_no_error(err);
}

/* ---- the list ----------------------------------------------------------- */

static int64_t list_total(fixture *fx, const person_filter *f, json_t **rows_out)
{
	g_autoptr(GError) err = NULL;
	json_t *l = person_store_list(&fx->ctx, f, &err);
	int64_t total;

	g_assert_no_error(err);
	g_assert_nonnull(l);
	total = json_integer_value(json_object_get(l, "total"));
	if (rows_out)
		*rows_out = json_incref(json_object_get(l, "rows"));
	json_decref(l);
	return total;
}

static void test_list(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t school = add_institution(fx, "Gesamtschule Nord");
	int64_t kita = add_institution(fx, "Kita Regenbogen");
	int64_t ids[60];
	json_t *rows;

	for (int i = 0; i < 60; i++) {
		g_autofree char *last = g_strdup_printf("Person%02d", i);
		g_autofree char *mail = g_strdup_printf("p%02d@example.org", i);
		person_input in = {.first_name = i % 2 ? "Ute" : "Ömer", .last_name = last,
				   .email = mail, .preferred_channel = i < 5 ? "post" : "email",
				   .street = "Weg 1", .postcode = "47051", .city = "Duisburg"};
		ids[i] = person_store_create(&fx->ctx, &in, &err);
		g_assert_no_error(err);
	}
	for (int i = 0; i < 10; i++)
		g_assert_cmpint(affiliation_add(&fx->ctx, ids[i], school, "", NULL, NULL, &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, ids[0], kita, "", NULL, NULL, &err), >, 0);
	/* a former affiliation does not count for the filter */
	g_assert_cmpint(affiliation_add(&fx->ctx, ids[20], school, "", "2001-01-01", "2002-01-01",
					&err), >, 0);
	person_consent_record(&fx->ctx, ids[1], "publish_name", true, "2025-01-01", "", &err);
	person_consent_record(&fx->ctx, ids[2], "publish_name", true, "2025-01-01", "", &err);
	person_consent_record(&fx->ctx, ids[2], "publish_name", false, "2025-02-01", "", &err);
	g_assert_no_error(err);

	person_filter f = {.publish_consent = -1};
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 60);
	g_assert_cmpuint(json_array_size(rows), ==, 50);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "last_name")), ==,
			"Person00");
	json_t *inst = json_object_get(json_array_get(rows, 0), "institutions");
	g_assert_cmpuint(json_array_size(inst), ==, 2);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(inst, 0), "name")), ==,
			"Gesamtschule Nord");
	g_assert_cmpuint(json_array_size(json_object_get(json_array_get(rows, 20), "institutions")),
			 ==, 0);
	json_decref(rows);
	f.offset = 50;
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 60);
	g_assert_cmpuint(json_array_size(rows), ==, 10);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 9), "last_name")), ==,
			"Person59");
	json_decref(rows);
	f.offset = 500;
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 60);
	g_assert_cmpuint(json_array_size(rows), ==, 0);
	json_decref(rows);

	f = (person_filter){.publish_consent = -1, .institution_id = school};
	g_assert_cmpint(list_total(fx, &f, NULL), ==, 10);
	f.channel = "post";
	g_assert_cmpint(list_total(fx, &f, NULL), ==, 5);
	f = (person_filter){.publish_consent = 1};
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 1);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), ==,
			ids[1]);
	json_decref(rows);
	f.publish_consent = 0;
	g_assert_cmpint(list_total(fx, &f, NULL), ==, 59);

	/* sort by e-mail: people without an address last (by name); newest first */
	person_input post = {.first_name = "Aaron", .last_name = "Aaberg", .preferred_channel = "post",
			     .street = "Weg 2", .postcode = "47051", .city = "Duisburg"};
	int64_t aaberg = person_store_create(&fx->ctx, &post, &err);
	g_assert_no_error(err);
	f = (person_filter){.publish_consent = -1, .sort = "email", .limit = 3};
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 61);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "email")), ==,
			"p00@example.org");
	json_decref(rows);
	f.offset = 59;
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 61);
	g_assert_cmpuint(json_array_size(rows), ==, 2);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "email")), ==,
			"p59@example.org");
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rows, 1), "id")), ==,
			aaberg);
	json_decref(rows);
	f = (person_filter){.publish_consent = -1, .sort = "name", .limit = 1};
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 61);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), ==,
			aaberg);
	json_decref(rows);
	f.sort = "updated";
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 61);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), ==,
			aaberg);
	json_decref(rows);
	g_assert_cmpint(person_store_delete(&fx->ctx, aaberg, &err), ==, 0);

	/* search, alone and with a filter */
	f = (person_filter){.publish_consent = -1, .q = "omer"};
	g_assert_cmpint(list_total(fx, &f, NULL), ==, 30);
	f.institution_id = school;
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 5);
	g_assert_cmpuint(json_array_size(rows), ==, 5);
	json_decref(rows);
	f = (person_filter){.publish_consent = -1, .q = "gesamtschule", .limit = 4, .offset = 8};
	g_assert_cmpint(list_total(fx, &f, &rows), ==, 10);
	g_assert_cmpuint(json_array_size(rows), ==, 2);
	json_decref(rows);

	/* body filter: current memberships only */
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO body (region_id, name, type, created_at, updated_at) VALUES "
		"(%" G_GINT64_FORMAT ", 'Forum', 'forum', 'x', 'x') RETURNING id", fx->region);
	int64_t body = test_db_insert_id(fx->d, sql);
	for (int i = 0; i < 3; i++) {
		g_autofree char *m = g_strdup_printf(
			"INSERT INTO membership (region_id, body_id, person_id, role, end_day, "
			"created_at, updated_at) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			", %" G_GINT64_FORMAT ", 'member', %s, 'x', 'x') RETURNING id", fx->region, body,
			ids[30 + i], i == 2 ? "'2001-01-01'" : "NULL");
		test_db_insert_id(fx->d, m);
	}
	f = (person_filter){.publish_consent = -1, .body_id = body};
	g_assert_cmpint(list_total(fx, &f, NULL), ==, 2);

	/* choices for the selects */
	json_t *ch = person_institution_choices(&fx->ctx, &err);
	g_assert_cmpuint(json_array_size(ch), ==, 2);
	json_decref(ch);
}

static json_t *list_of(fixture *fx, const person_filter *f)
{
	g_autoptr(GError) err = NULL;
	json_t *l = person_store_list(&fx->ctx, f, &err);

	g_assert_no_error(err);
	g_assert_nonnull(l);
	return l;
}

static int64_t jint_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* More people than PERSON_COUNT_MAX: counted up to the cap ("more"), pages
 * after the cap still come, the page where the list ends knows the total. */
static void test_list_capped(fixture *fx, gconstpointer data)
{
	const int64_t n = PERSON_COUNT_MAX + 130; /* 10,130: the last page has 30 */
	/* every third without an e-mail address (they come last by e-mail) */
	g_autofree char *sql = g_strdup_printf(
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
		"WHERE i < %" G_GINT64_FORMAT ") "
		"INSERT INTO person (region_id, last_name, email, sort_name, created_at, updated_at) "
		"SELECT %" G_GINT64_FORMAT ", 'P' || (100000 + i), "
		"CASE WHEN i %% 3 = 0 THEN '' ELSE 'p' || (100000 + i) || '@example.org' END, "
		"'p' || (100000 + i), 'x', 'x' FROM n",
		n, fx->region);
	test_db_exec(fx->d, sql);
	person_filter f = {.publish_consent = -1};
	json_t *l, *rows;

	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, PERSON_COUNT_MAX);
	g_assert_true(json_is_true(json_object_get(l, "more")));
	rows = json_object_get(l, "rows");
	g_assert_cmpuint(json_array_size(rows), ==, 50);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "last_name")),
			==, "P100001");
	json_decref(l);
	/* a page after the cap with a next one: known up to its end */
	f.offset = 10050;
	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, 10100);
	g_assert_true(json_is_true(json_object_get(l, "more")));
	rows = json_object_get(l, "rows");
	g_assert_cmpuint(json_array_size(rows), ==, 50);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "last_name")),
			==, "P110051");
	json_decref(l);
	/* the last page: exact */
	f.offset = 10100;
	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, n);
	g_assert_false(json_is_true(json_object_get(l, "more")));
	g_assert_cmpuint(json_array_size(json_object_get(l, "rows")), ==, 30);
	json_decref(l);
	/* after the end: the exact total, no rows */
	f.offset = 20000;
	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, n);
	g_assert_false(json_is_true(json_object_get(l, "more")));
	g_assert_cmpuint(json_array_size(json_object_get(l, "rows")), ==, 0);
	json_decref(l);
	/* a filter below the cap is exact: the channel (all "email") */
	f = (person_filter){.publish_consent = -1, .channel = "post"};
	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, 0);
	g_assert_false(json_is_true(json_object_get(l, "more")));
	json_decref(l);

	/* by e-mail: 6,754 with an address first, then 3,376 without (by name);
	 * the boundary on a page after the cap, and a page after it */
	f = (person_filter){.publish_consent = -1, .sort = "email", .offset = 6740, .limit = 20};
	l = list_of(fx, &f);
	rows = json_object_get(l, "rows");
	g_assert_cmpuint(json_array_size(rows), ==, 20);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 0), "email")), ==,
			"p110111@example.org");
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 13), "email")), ==,
			"p110130@example.org"); /* the last with an address */
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 14), "last_name")),
			==, "P100003"); /* the first without, by name */
	json_decref(l);
	f.offset = 10120;
	l = list_of(fx, &f);
	rows = json_object_get(l, "rows");
	g_assert_cmpint(jint_of(l, "total"), ==, n);
	g_assert_false(json_is_true(json_object_get(l, "more")));
	g_assert_cmpuint(json_array_size(rows), ==, 10);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rows, 9), "last_name")),
			==, "P110128"); /* 10,128: the last without an address */
	json_decref(l);
	f.offset = 10200; /* after the end, where the people without an address are */
	l = list_of(fx, &f);
	g_assert_cmpint(jint_of(l, "total"), ==, n);
	g_assert_cmpuint(json_array_size(json_object_get(l, "rows")), ==, 0);
	json_decref(l);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/register_person/salutation", test_salutation);
	g_test_add_func("/register_person/validation", test_validation);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/register_person/create_get_update", test_create_get_update);
	ADD("/register_person/consents", test_consents);
	ADD("/register_person/affiliations", test_affiliations);
	ADD("/register_person/search_folding", test_search_folding);
	ADD("/register_person/delete", test_delete);
	ADD("/register_person/account_link", test_account_link);
	ADD("/register_person/list", test_list);
	ADD("/register_person/list_capped", test_list_capped);
	return g_test_run();
}
