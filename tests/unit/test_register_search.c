/*
 * test_register_search.c — the search across the register (people,
 * institutions, bodies: register_index.c over the entries the stores keep)
 * on the backend the environment chooses (tests/unit/test_dbenv.h). The
 * harness runs it on SQLite and on PostgreSQL; the table of queries with
 * their exact expected sets of hits is the same for both, so two green
 * runs show that both backends find the same.
 *
 * The corpus is made through the stores (person_store, institution_store,
 * body_store), so the entries are what the pages will search: a person's
 * name, function, city and current institutions; an institution's names,
 * kind and address; a body's name, type and description. It holds the
 * spellings that must meet (Müller / Mueller / Muller, Weiß / Weiss,
 * Straße / strasse, Özdemir / Oezdemir), prefixes, and entries that match
 * only through their text, which must rank after the names. A second
 * region with an "Anna Müller" of its own must never show up.
 */
#include <string.h>

#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "modules/register/register_index.h"
#include "search/search.h"
#include "test_dbenv.h"

/* The names the table below uses for the corpus's rows. */
enum {
	I_STIFTUNG, /* "Müller-Stiftung" */
	I_KITA,     /* "Kita Sonnenschein", Straße der Kinderrechte 3 */
	I_GESAMT,   /* "Gesamtschule Nord" */
	I_BUERO,    /* "Bildungsbüro der Stadt" */
	P_ANNA,     /* Anna Müller, at the Gesamtschule */
	P_JUERGEN,  /* Jürgen Mueller, Schulleitung at the Gesamtschule */
	P_PETER,    /* Peter Muller */
	P_SABINE,   /* Sabine Möller, at the Kita */
	P_KARL,     /* Karl Weiß, Vorstand at the Müller-Stiftung */
	P_KARLA,    /* Karla Weiss */
	P_LARS,     /* Lars Straßburger */
	P_AYSE,     /* Ayşe Özdemir */
	P_MEHMET,   /* Mehmet Oezdemir */
	P_FORMER,   /* Olaf Ehemals, formerly at the Müller-Stiftung */
	B_LENKUNG,  /* "Lenkungskreis", description names Frau Müller and Herr Weiß */
	B_FORUM,    /* "Handlungsforum Übergang Schule–Beruf" */
	B_AK,       /* "Arbeitskreis Inklusion" */
	N_ROWS,
	END = -1,
};

static const char *const row_kind[N_ROWS] = {
	[I_STIFTUNG] = "institution", [I_KITA] = "institution", [I_GESAMT] = "institution",
	[I_BUERO] = "institution",    [P_ANNA] = "person",      [P_JUERGEN] = "person",
	[P_PETER] = "person",         [P_SABINE] = "person",    [P_KARL] = "person",
	[P_KARLA] = "person",         [P_LARS] = "person",      [P_AYSE] = "person",
	[P_MEHMET] = "person",        [P_FORMER] = "person",    [B_LENKUNG] = "body",
	[B_FORUM] = "body",           [B_AK] = "body",
};

typedef struct {
	db *d;
	bireg_ctx ctx, other;
	int64_t ids[N_ROWS];
	int64_t other_anna;
} fixture;

static int64_t type_id(fixture *fx, const char *key)
{
	g_autoptr(GError) err = NULL;
	int64_t id = institution_type_id_by_key(&fx->ctx, key, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_institution(fixture *fx, const char *key, const char *name,
			       const char *street, const char *postcode, const char *city,
			       const char *school_number, const char *school_form)
{
	g_autoptr(GError) err = NULL;
	institution_input in = {.type_id = type_id(fx, key), .name = name, .street = street,
				.postcode = postcode, .city = city, .school_number = school_number,
				.school_form = school_form};
	int64_t id = institution_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_person(const bireg_ctx *ctx, const char *first, const char *last,
			  const char *function, const char *city)
{
	static int n;
	g_autoptr(GError) err = NULL;
	/* E-mail is the preferred channel, so an address is needed; its words
	 * ("x3", "t", "example") match no query below. */
	g_autofree char *email = g_strdup_printf("x%d@t.example", ++n);
	person_input in = {.first_name = first, .last_name = last, .function = function,
			   .city = city, .email = email};
	int64_t id = person_store_create(ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void affiliate(fixture *fx, int person, int institution, const char *start,
		      const char *end)
{
	g_autoptr(GError) err = NULL;
	int64_t id = affiliation_add(&fx->ctx, fx->ids[person], fx->ids[institution], "", start, end,
				     &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
}

static int64_t add_body(fixture *fx, const char *name, const char *type, const char *short_name,
			const char *description)
{
	g_autoptr(GError) err = NULL;
	body_input in;
	body_input_defaults(&in);
	in.name = name;
	in.type = type;
	in.short_name = short_name;
	in.description = description;
	int64_t id = body_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void fx_setup(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t r1, r2;

	(void)data;
	fx->d = test_db_open(&err);
	g_assert_no_error(err);
	r1 = test_db_add_region(fx->d, "suche", "Region der Suche");
	r2 = test_db_add_region(fx->d, "andere", "Andere Region");
	fx->ctx = (bireg_ctx){.db = fx->d, .region_id = r1};
	fx->other = (bireg_ctx){.db = fx->d, .region_id = r2};

	/* The other region first: its rows get the lower ids, so that a leak
	 * would show up among ours. */
	db_set_region(fx->d, r2);
	g_assert_cmpint(institution_type_seed(&fx->other, &err), ==, 11);
	g_assert_no_error(err);
	fx->other_anna = add_person(&fx->other, "Anna", "Müller", "Schulleitung", "Wesel");

	db_set_region(fx->d, r1);
	g_assert_cmpint(institution_type_seed(&fx->ctx, &err), ==, 11);
	g_assert_no_error(err);
	fx->ids[I_STIFTUNG] = add_institution(fx, "foundation", "Müller-Stiftung", NULL, NULL,
					      "Duisburg", NULL, NULL);
	fx->ids[I_KITA] = add_institution(fx, "kita", "Kita Sonnenschein",
					  "Straße der Kinderrechte 3", "47051", "Duisburg", NULL,
					  NULL);
	fx->ids[I_GESAMT] = add_institution(fx, "school", "Gesamtschule Nord", NULL, NULL,
					    "Duisburg", "123456", "15");
	fx->ids[I_BUERO] = add_institution(fx, "other", "Bildungsbüro der Stadt", NULL, NULL,
					   "Duisburg", NULL, NULL);
	fx->ids[P_ANNA] = add_person(&fx->ctx, "Anna", "Müller", "Klassenleitung", NULL);
	fx->ids[P_JUERGEN] = add_person(&fx->ctx, "Jürgen", "Mueller", "Schulleitung", NULL);
	fx->ids[P_PETER] = add_person(&fx->ctx, "Peter", "Muller", NULL, "Moers");
	fx->ids[P_SABINE] = add_person(&fx->ctx, "Sabine", "Möller", "Erzieherin", NULL);
	fx->ids[P_KARL] = add_person(&fx->ctx, "Karl", "Weiß", "Vorstand", NULL);
	fx->ids[P_KARLA] = add_person(&fx->ctx, "Karla", "Weiss", NULL, NULL);
	fx->ids[P_LARS] = add_person(&fx->ctx, "Lars", "Straßburger", NULL, NULL);
	fx->ids[P_AYSE] = add_person(&fx->ctx, "Ayşe", "Özdemir", "Schulsozialarbeit", NULL);
	fx->ids[P_MEHMET] = add_person(&fx->ctx, "Mehmet", "Oezdemir", NULL, NULL);
	fx->ids[P_FORMER] = add_person(&fx->ctx, "Olaf", "Ehemals", NULL, NULL);
	affiliate(fx, P_ANNA, I_GESAMT, NULL, NULL);
	affiliate(fx, P_JUERGEN, I_GESAMT, "2020-08-01", NULL);
	affiliate(fx, P_SABINE, I_KITA, NULL, NULL);
	affiliate(fx, P_KARL, I_STIFTUNG, NULL, NULL);
	/* An affiliation that ended is no longer part of the person's text. */
	affiliate(fx, P_FORMER, I_STIFTUNG, "2010-01-01", "2015-12-31");
	fx->ids[B_LENKUNG] = add_body(fx, "Lenkungskreis", "steering", NULL,
				      "Leitung: Frau Müller und Herr Weiß.");
	fx->ids[B_FORUM] = add_body(fx, "Handlungsforum Übergang Schule–Beruf", "forum", NULL, NULL);
	fx->ids[B_AK] = add_body(fx, "Arbeitskreis Inklusion", "working_group", "AK Inklusion",
				 NULL);
}

static void fx_teardown(fixture *fx, gconstpointer data)
{
	(void)data;
	test_db_dispose(fx->d);
}

/*
 * The table: a query, the kinds (NULL: all three), the exact set of rows
 * it must find, and how many of them are name hits (they must come first).
 */
typedef struct {
	const char *q;
	const char *kind; /* one kind, or NULL */
	int want[N_ROWS + 1];
	int names;        /* the first `names` hits are name hits */
} query_case;

static const query_case cases[] = {
	/* German folding: all spellings of Müller meet; the Stiftung's name is
	 * a name hit, Karl (who works there) and the Lenkungskreis (its
	 * description) are text hits. Möller is another name. */
	{"Müller", NULL, {P_ANNA, P_JUERGEN, P_PETER, I_STIFTUNG, P_KARL, B_LENKUNG, END}, 4},
	{"mueller", NULL, {P_ANNA, P_JUERGEN, P_PETER, I_STIFTUNG, P_KARL, B_LENKUNG, END}, 4},
	{"muller", NULL, {P_ANNA, P_JUERGEN, P_PETER, I_STIFTUNG, P_KARL, B_LENKUNG, END}, 4},
	{"MÜLLER", NULL, {P_ANNA, P_JUERGEN, P_PETER, I_STIFTUNG, P_KARL, B_LENKUNG, END}, 4},
	{"Mueller", "person", {P_ANNA, P_JUERGEN, P_PETER, P_KARL, END}, 3},
	{"müller", "institution", {I_STIFTUNG, END}, 1},
	{"müller", "body", {B_LENKUNG, END}, 0},
	{"möller", NULL, {P_SABINE, END}, 1},
	{"moeller", NULL, {P_SABINE, END}, 1},
	/* ß and ss: "strasse" is the start of the Kita's street, not of
	 * Straßburger ("strassb…"); "strass" starts both. */
	{"strasse", NULL, {I_KITA, END}, 0},
	{"Straße", NULL, {I_KITA, END}, 0},
	{"strass", NULL, {P_LARS, I_KITA, END}, 1},
	{"weiss", NULL, {P_KARL, P_KARLA, B_LENKUNG, END}, 2},
	{"Weiß", NULL, {P_KARL, P_KARLA, B_LENKUNG, END}, 2},
	{"Özdemir", NULL, {P_AYSE, P_MEHMET, END}, 2},
	{"oezdemir", NULL, {P_AYSE, P_MEHMET, END}, 2},
	{"ozdem", NULL, {P_AYSE, P_MEHMET, END}, 2},
	/* Prefixes: the school by its name, its people by their affiliation
	 * (text hits, after it). */
	{"gesamt", NULL, {I_GESAMT, P_ANNA, P_JUERGEN, END}, 1},
	{"Gesamtschule Nord", NULL, {I_GESAMT, P_ANNA, P_JUERGEN, END}, 1},
	{"schulleit", NULL, {P_JUERGEN, END}, 0},
	/* Every word must match: Anna alone, not the other Müllers. */
	{"anna mu", NULL, {P_ANNA, END}, 1},
	{"mu anna", NULL, {P_ANNA, END}, 1},
	{"kita sonnen", NULL, {I_KITA, P_SABINE, END}, 1},
	/* Bodies: by name, by type (Handlungsforum is also the German type),
	 * by short name. */
	{"lenkung", NULL, {B_LENKUNG, END}, 1},
	{"lenkung", "person", {END}, 0},
	{"handlungsforum", NULL, {B_FORUM, END}, 1},
	{"uebergang", NULL, {B_FORUM, END}, 1},
	{"inklusion", NULL, {B_AK, END}, 1},
	{"bildungsburo", NULL, {I_BUERO, END}, 1},
	/* A former affiliation does not count. */
	{"ehemals", NULL, {P_FORMER, END}, 1},
	{"stiftung", "person", {P_KARL, END}, 0},
	/* Nothing to find, nothing to search. */
	{"xyzzy", NULL, {END}, 0},
	{"   ", NULL, {END}, 0},
	{"\"*():&|!", NULL, {END}, 0},
};

static const char *row_name(int r)
{
	static const char *const names[N_ROWS] = {
		"I_STIFTUNG", "I_KITA",  "I_GESAMT", "I_BUERO",  "P_ANNA",    "P_JUERGEN",
		"P_PETER",    "P_SABINE", "P_KARL",  "P_KARLA",  "P_LARS",    "P_AYSE",
		"P_MEHMET",   "P_FORMER", "B_LENKUNG", "B_FORUM", "B_AK",
	};
	return r >= 0 && r < N_ROWS ? names[r] : "?";
}

/* The row of a hit, or -1 for a hit that is none of the corpus's. */
static int row_of(const fixture *fx, const search_hit *h)
{
	for (int r = 0; r < N_ROWS; r++)
		if (fx->ids[r] == h->ref_id && !strcmp(row_kind[r], h->kind))
			return r;
	return -1;
}

static gint cmp_int(gconstpointer a, gconstpointer b)
{
	return *(const int *)a - *(const int *)b;
}

static char *describe(const int *rows, size_t n)
{
	GString *s = g_string_new("{");
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", row_name(rows[i]));
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

static void test_query_table(fixture *fx, gconstpointer data)
{
	(void)data;
	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		const query_case *qc = &cases[c];
		const char *only[] = {qc->kind, NULL};
		g_autoptr(GError) err = NULL;
		search_hits h = {0};
		register_search_info info = {.name_hits = -1};
		int got[SEARCH_LIMIT_MAX], want[N_ROWS + 1];
		size_t ngot = 0, nwant = 0;

		int n = register_search(&fx->ctx, qc->q, qc->kind ? only : NULL, 100, 0, &h, &info,
					&err);
		g_assert_no_error(err);
		g_assert_cmpint(n, ==, (int)h.n);
		for (size_t i = 0; i < h.n; i++) {
			got[ngot] = row_of(fx, &h.hits[i]);
			/* Name hits first: the first qc->names hits are the names. */
			g_autofree char *title = g_strdup(h.hits[i].title);
			g_auto(GStrv) words = search_query_words(qc->q, NULL);
			if (i < (size_t)qc->names && !register_title_matches(title, words))
				g_error("query %zu \"%s\": hit %zu (%s) should be a name hit", c, qc->q,
					i, title);
			if (i >= (size_t)qc->names && register_title_matches(title, words))
				g_error("query %zu \"%s\": hit %zu (%s) is a name hit after a text hit",
					c, qc->q, i, title);
			ngot++;
		}
		while (qc->want[nwant] != END)
			want[nwant] = qc->want[nwant], nwant++;
		g_assert_cmpint(info.name_hits, ==, qc->names);
		g_assert_true(info.complete);
		g_assert_cmpint(info.ranked, ==, (int64_t)nwant);
		g_assert_cmpint(info.persons + info.institutions + info.bodies, ==, (int64_t)nwant);
		g_assert_cmpint(h.total, ==, (int64_t)nwant);
		qsort(got, ngot, sizeof(int), (int (*)(const void *, const void *))cmp_int);
		qsort(want, nwant, sizeof(int), (int (*)(const void *, const void *))cmp_int);
		g_autofree char *dgot = describe(got, ngot);
		g_autofree char *dwant = describe(want, nwant);
		if (ngot != nwant || memcmp(got, want, ngot * sizeof(int)) != 0)
			g_error("query %zu \"%s\" (%s): found %s, expected %s", c, qc->q,
				qc->kind ? qc->kind : "all", dgot, dwant);
		search_hits_clear(&h);
	}
}

/* Pages cut from the ranked list are the list, in order. */
static void test_pages(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits all = {0}, page = {0};

	(void)data;
	g_assert_cmpint(register_search(&fx->ctx, "muller", NULL, 100, 0, &all, NULL, &err), ==, 6);
	for (int offset = 0; offset < 7; offset += 2) {
		int n = register_search(&fx->ctx, "muller", NULL, 2, offset, &page, NULL, &err);
		g_assert_no_error(err);
		g_assert_cmpint(n, ==, MIN(2, 6 - offset));
		g_assert_cmpint(page.total, ==, 6);
		for (int i = 0; i < n; i++) {
			g_assert_cmpstr(page.hits[i].kind, ==, all.hits[offset + i].kind);
			g_assert_cmpint(page.hits[i].ref_id, ==, all.hits[offset + i].ref_id);
		}
	}
	search_hits_clear(&page);
	search_hits_clear(&all);
	/* Out of range arguments are a caller's bug. */
	g_assert_cmpint(register_search(&fx->ctx, "x", NULL, 0, 0, &page, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
}

/* Queries the search refuses come back as BIREG_SEARCH_ERROR. */
static void test_refused(fixture *fx, gconstpointer data)
{
	g_autofree char *long_q = g_strnfill(201, 'a');
	static const struct {
		const char *q;
		int code;
	} bad[] = {
		{"eins zwei drei vier fuenf sechs sieben acht neun zehn elf", SEARCH_ERROR_TOO_MANY_WORDS},
		{"M\xfcller", SEARCH_ERROR_QUERY_INVALID},
	};
	search_hits h = {0};

	(void)data;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		g_assert_cmpint(register_search(&fx->ctx, bad[i].q, NULL, 10, 0, &h, NULL, &err), ==,
				-1);
		g_assert_error(err, BIREG_SEARCH_ERROR, bad[i].code);
	}
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(register_search(&fx->ctx, long_q, NULL, 10, 0, &h, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG);
}

/* The other region sees its own Anna Müller and nothing of ours; ours
 * never sees it. */
static void test_regions(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};

	(void)data;
	db_set_region(fx->d, fx->other.region_id);
	g_assert_cmpint(register_search(&fx->other, "muller", NULL, 100, 0, &h, NULL, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, fx->other_anna);
	g_assert_cmpint(register_search(&fx->other, "gesamt", NULL, 100, 0, &h, NULL, &err), ==, 0);
	db_set_region(fx->d, fx->ctx.region_id);
	g_assert_cmpint(register_search(&fx->ctx, "wesel", NULL, 100, 0, &h, NULL, &err), ==, 0);
	g_assert_no_error(err);
	search_hits_clear(&h);
}

/* register_reindex rebuilds every entry of the region from the rows (and
 * leaves the other region's alone): the table gives the same answers. */
static void test_reindex(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t before = test_db_query_int(fx->d, "SELECT count(*) FROM search_entry WHERE "
						  "region_id = $1",
					   fx->ctx.region_id);
	g_autoptr(db_stmt) del = db_prepare(fx->d, "DELETE FROM search_entry WHERE region_id = $1",
					    &err);

	g_assert_cmpint(before, ==, N_ROWS);
	db_bind_int64(del, 1, fx->ctx.region_id);
	g_assert_cmpint(db_run(del, &err), ==, DB_OK);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM search_entry WHERE "
						 "region_id = $1",
					  fx->ctx.region_id),
			==, 0);
	g_assert_cmpint(register_reindex(&fx->ctx, &err), ==, N_ROWS);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM search_entry WHERE "
						 "region_id = $1",
					  fx->ctx.region_id),
			==, N_ROWS);
	/* In a transaction of the caller too, and twice is harmless. */
	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	g_assert_cmpint(register_reindex(&fx->ctx, &err), ==, N_ROWS);
	g_assert_cmpint(db_commit(fx->d, &err), ==, DB_OK);
	test_query_table(fx, data);
	db_set_region(fx->d, fx->other.region_id);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM search_entry WHERE "
						 "region_id = $1",
					  fx->other.region_id),
			==, 1);
	db_set_region(fx->d, fx->ctx.region_id);
}

/* A renamed person is found by the new name only; a deleted institution
 * by nothing, and its people no longer by its name. */
static void test_follows_changes(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	person_input in = {.first_name = "Anna", .last_name = "Schmitz", .function = "Klassenleitung",
			   .email = "anna@t.example"};

	(void)data;
	g_assert_cmpint(person_store_update(&fx->ctx, fx->ids[P_ANNA], &in, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(register_search(&fx->ctx, "muller", NULL, 100, 0, &h, NULL, &err), ==, 5);
	g_assert_cmpint(register_search(&fx->ctx, "schmitz", NULL, 100, 0, &h, NULL, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, fx->ids[P_ANNA]);
	g_assert_cmpint(institution_store_delete(&fx->ctx, fx->ids[I_BUERO], &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(register_search(&fx->ctx, "bildungsburo", NULL, 100, 0, &h, NULL, &err), ==,
			0);
	search_hits_clear(&h);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/register_search/query_table", fixture, NULL, fx_setup, test_query_table,
		   fx_teardown);
	g_test_add("/register_search/pages", fixture, NULL, fx_setup, test_pages, fx_teardown);
	g_test_add("/register_search/refused", fixture, NULL, fx_setup, test_refused, fx_teardown);
	g_test_add("/register_search/regions", fixture, NULL, fx_setup, test_regions, fx_teardown);
	g_test_add("/register_search/reindex", fixture, NULL, fx_setup, test_reindex, fx_teardown);
	g_test_add("/register_search/follows_changes", fixture, NULL, fx_setup, test_follows_changes,
		   fx_teardown);
	return g_test_run();
}
