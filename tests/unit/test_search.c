/*
 * test_search.c — the search index (src/search/search.c) on the backend the
 * environment chooses (tests/unit/test_dbenv.h): SQLite by default,
 * PostgreSQL with BIREG_TEST_BACKEND=postgres. The same corpus and the same
 * table of queries with their exact expected sets of hits run on both, so
 * a green run on each proves that both backends return the same sets.
 *
 * The corpus is made up: about forty people, institutions and bodies of a
 * region 1 with the spellings that must meet (Müller/Mueller/Muller,
 * Weiß/Weiss, Straße/Strasse, Jürgen/Juergen, Özdemir/Oezdemir …), names
 * with hyphens and apostrophes, and a few entries of a region 2 that
 * region 1 must never see.
 */
#include <string.h>

#include "core/text.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "search/search.h"
#include "test_dbenv.h"

#define R1_SLUG "eins"
#define R2_SLUG "zwei"

typedef struct {
	const char *kind;
	int64_t ref_id;
	const char *title, *text;
} entry;

/* Region 1. ref_ids are unique across kinds so that a set of ids says
 * everything. */
static const entry corpus1[] = {
	{"person", 1, "Anna Müller", "Klassenleitung, Grundschule am Park"},
	{"person", 2, "Jürgen Mueller", "Gesamtschule Nord"},
	{"person", 3, "Peter Muller", "Bildungsbüro"},
	{"person", 4, "Sabine Möller", "Kindertagesstätte Sonnenblume"},
	{"person", 5, "Karl Weiß", "Straße der Einheit 4"},
	{"person", 6, "Karla Weiss", "Hauptstrasse 7"},
	{"person", 7, "Ayşe Özdemir", "Jugendamt"},
	{"person", 8, "Mehmet Oezdemir", NULL},
	{"person", 9, "Hans-Peter Schäfer-Lüdenscheidt", "Schulträger"},
	{"person", 10, "Siobhán O'Brien", "Elternvertretung"},
	{"person", 11, "Jean-Luc D’Angelo", "Schulsozialarbeit"},
	{"person", 12, "Michael Feuerstein", "Feuerwehr"},
	{"person", 13, "Michal Nowak", NULL},
	{"person", 14, "Lena Quelle", "Jugendhilfe"},
	{"institution", 15, "Grundschule am Park", "Parkstraße 1, 47051 Duisburg"},
	{"institution", 16, "Gesamtschule Nord", "Nordstraße 10"},
	{"institution", 17, "Bildungsbüro der Stadt", "Rathaus"},
	{"institution", 18, "Kindertagesstätte Sonnenblume", "Kita"},
	{"institution", 19, "Städtische Kita Regenbogen", NULL},
	{"body", 20, "Lenkungskreis", "Steuerung der Bildungsregion"},
	{"body", 21, "Handlungsforum Übergang Schule–Beruf", NULL},
	{"body", 22, "Regionale Bildungskonferenz 2024", NULL},
	{"institution", 23, "Berufskolleg Mitte", NULL},
	{"person", 24, "Zoë Krüger", NULL},
	{"person", 25, "Björn Kruger", NULL},
	{"person", 26, "Søren Ørsted", NULL},
	{"person", 27, "Joséphine Dupont", NULL},
	{"person", 28, "Lars Straßburger", NULL},
	{"institution", 29, "Förderverein Bildung e.V.", NULL},
	{"person", 30, "Maximilian Goethe", NULL},
	{"person", 31, "Greta Göthe", NULL},
	{"institution", 32, "Volkshochschule", "VHS"},
	{"institution", 33, "Labor 12e3b", "Raum 4711"},
	{"person", 34, "Ömer Ünal", NULL},
	{"person", 35, "Uwe Ueberall", NULL},
	{"body", 36, "Arbeitskreis Inklusion", NULL},
	{"person", 37, "Anne-Marie Schmitz-Müller", NULL},
	{"person", 38, "Noah Israel", NULL},
	{"account", 39, "Kim Geschäftsstelle (Demo)", "geschaeftsstelle@demo.bireg.example"},
	{"account", 40, "Alex Verwaltung", "verwaltung@demo.bireg.example"},
};

/* Region 2: names region 1 also has, and one of its own. */
static const entry corpus2[] = {
	{"person", 101, "Anna Müller", "Gesamtschule Süd"},
	{"person", 104, "Jürgen Mueller", NULL},
	{"institution", 102, "Gesamtschule Süd", NULL},
	{"institution", 103, "Kita Sternschnuppe", NULL},
};

#define END 0
#define ERR (-1)

/* A query, the kinds it is limited to (NULL: all), and the exact set of
 * ref_ids it must find in region 1 (END-terminated), or ERR first for a
 * query that must be refused with a BIREG_SEARCH_ERROR. */
typedef struct {
	const char *q;
	const char *kinds[3];
	int64_t want[12];
} query_case;

static const query_case queries[] = {
	/* Müller, Mueller, Muller and MÜLLER meet; Möller does not. */
	{"müller", {NULL}, {1, 2, 3, 37, END}},
	{"Mueller", {NULL}, {1, 2, 3, 37, END}},
	{"muller", {NULL}, {1, 2, 3, 37, END}},
	{"MÜLLER", {NULL}, {1, 2, 3, 37, END}},
	{"möller", {NULL}, {4, END}},
	{"anna müller", {NULL}, {1, END}},
	{"müller anna", {NULL}, {1, END}},
	/* ß and ss */
	{"Weiß", {NULL}, {5, 6, END}},
	{"weiss", {NULL}, {5, 6, END}},
	{"Straße", {NULL}, {5, END}},
	{"strasse", {NULL}, {5, END}},
	{"stras", {NULL}, {5, 28, END}},
	{"hauptstraße", {NULL}, {6, END}},
	/* umlauts typed three ways */
	{"jürgen", {NULL}, {2, END}},
	{"Juergen", {NULL}, {2, END}},
	{"jurgen", {NULL}, {2, END}},
	{"Özdemir", {NULL}, {7, 8, END}},
	{"oezdemir", {NULL}, {7, 8, END}},
	{"ozdemir", {NULL}, {7, 8, END}},
	{"ayse", {NULL}, {7, END}},
	{"Ünal Ömer", {NULL}, {34, END}},
	{"ueberall", {NULL}, {35, END}},
	{"überall", {NULL}, {35, END}},
	{"krüger", {NULL}, {24, 25, END}},
	{"zoe", {NULL}, {24, END}},
	{"søren", {NULL}, {26, END}},
	{"orsted", {NULL}, {26, END}},
	{"josephine", {NULL}, {27, END}},
	{"Goethe", {NULL}, {30, 31, END}},
	{"göthe", {NULL}, {30, 31, END}},
	/* The fold's false friend (documented in text.h): "ae" loses its e. */
	{"Michael", {NULL}, {12, 13, END}},
	{"feuer", {NULL}, {12, END}},
	{"quelle", {NULL}, {14, END}},
	{"israel", {NULL}, {38, END}},
	/* prefixes; every word is one */
	{"gesamt", {NULL}, {2, 16, END}},
	{"gesamtschule nord", {NULL}, {2, 16, END}},
	{"kita", {NULL}, {18, 19, END}},
	{"kindertagesstätte", {NULL}, {4, 18, END}},
	{"Kindertagesstaette", {NULL}, {4, 18, END}},
	{"kindertages", {NULL}, {4, 18, END}},
	{"bildungsbüro", {NULL}, {3, 17, END}},
	{"bildungsbuero", {NULL}, {3, 17, END}},
	{"bildung", {NULL}, {3, 17, 20, 22, 29, END}},
	{"grundschule park", {NULL}, {1, 15, END}},
	{"grund park schule", {NULL}, {END}},
	{"park", {NULL}, {1, 15, END}},
	{"schule beruf", {NULL}, {21, END}},
	{"übergang", {NULL}, {21, END}},
	{"regionale 2024", {NULL}, {22, END}},
	{"konferenz", {NULL}, {END}}, /* words match from their start only */
	{"2024", {NULL}, {22, END}},
	{"4711", {NULL}, {33, END}},
	{"47051", {NULL}, {15, END}},
	{"kim gesch", {NULL}, {39, END}},
	{"geschaeftsstelle", {NULL}, {39, END}},
	{"demo", {NULL}, {39, 40, END}},
	{"verwaltung@demo.bireg.example", {NULL}, {40, END}},
	/* hyphens and apostrophes separate words */
	{"hans-peter", {NULL}, {9, END}},
	{"peter", {NULL}, {3, 9, END}},
	{"schäfer lüdenscheidt", {NULL}, {9, END}},
	{"schaefer-luedenscheidt", {NULL}, {9, END}},
	{"O'Brien", {NULL}, {10, END}},
	{"o’brien", {NULL}, {10, END}},
	{"brien", {NULL}, {10, END}},
	{"d'angelo", {NULL}, {11, END}},
	{"angelo jean luc", {NULL}, {11, END}},
	{"schmitz-müller", {NULL}, {37, END}},
	/* PostgreSQL reads "12e3b" as 12e3 and b; both backends split it */
	{"12e3b", {NULL}, {33, END}},
	{"12e3", {NULL}, {33, END}},
	/* kind filters */
	{"müller", {"institution", NULL}, {END}},
	{"gesamt", {"institution", NULL}, {16, END}},
	{"park", {"person", "institution", NULL}, {1, 15, END}},
	{"demo", {"account", NULL}, {39, 40, END}},
	/* region 2 stays in region 2 */
	{"sternschnuppe", {NULL}, {END}},
	{"süd", {NULL}, {END}},
	/* nothing matches */
	{"zzz", {NULL}, {END}},
	{"mullerx", {NULL}, {END}},
	/* hostile input: search syntax is only ever a separator */
	{"\"", {NULL}, {END}},
	{"*", {NULL}, {END}},
	{":", {NULL}, {END}},
	{"&|!()", {NULL}, {END}},
	{"-", {NULL}, {END}},
	{"\\", {NULL}, {END}},
	{"'", {NULL}, {END}},
	{"", {NULL}, {END}},
	{"   \t ", {NULL}, {END}},
	{"NEAR(", {NULL}, {END}},
	{"NEAR(muller anna)", {NULL}, {END}},
	{"muller:*", {NULL}, {1, 2, 3, 37, END}},
	{"muller*", {NULL}, {1, 2, 3, 37, END}},
	{"\"muller\" anna", {NULL}, {1, END}},
	{"muller & !anna", {NULL}, {1, END}},
	{"muller | peter", {NULL}, {3, END}},
	{"muller OR peter", {NULL}, {END}},
	{"anna AND müller", {NULL}, {END}},
	{"^muller", {NULL}, {1, 2, 3, 37, END}},
	{"folded:muller", {NULL}, {END}},
	{"muller <-> anna", {NULL}, {1, END}},
	{"'; DROP TABLE search_entry; --", {NULL}, {END}},
	{"a' OR '1'='1", {NULL}, {END}},
	{"\xff", {NULL}, {ERR}},
	{"M\xfcller", {NULL}, {ERR}},
	{"a b c d e f g h i j k", {NULL}, {ERR}},
};

typedef struct {
	db *d;
	int64_t r1, r2;
	bireg_ctx c1, c2;
} fixture;

static int64_t add_region(db *d, const char *slug, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d,
		"INSERT INTO region (slug, name, created_at, updated_at) "
		"VALUES ($1, $2, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", &err);
	g_assert_no_error(err);
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, name);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

/* Puts entries in one transaction of the region, as a store would. */
static void put_all(fixture *f, const bireg_ctx *ctx, const entry *es, size_t n)
{
	g_autoptr(GError) err = NULL;

	db_set_region(f->d, ctx->region_id);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	for (size_t i = 0; i < n; i++) {
		g_assert_cmpint(search_put(ctx, es[i].kind, es[i].ref_id, es[i].title, es[i].text,
					   &err), ==, 0);
		g_assert_no_error(err);
	}
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
	f->r1 = add_region(f->d, R1_SLUG, "Bildungsregion Eins");
	f->r2 = add_region(f->d, R2_SLUG, "Bildungsregion Zwei");
	f->c1 = (bireg_ctx){.db = f->d, .region_id = f->r1};
	f->c2 = (bireg_ctx){.db = f->d, .region_id = f->r2};
	put_all(f, &f->c1, corpus1, G_N_ELEMENTS(corpus1));
	put_all(f, &f->c2, corpus2, G_N_ELEMENTS(corpus2));
	db_set_region(f->d, f->r1);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

static int cmp_id(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* "1, 2, 37" */
static char *id_list(const int64_t *ids, size_t n)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "", ids[i]);
	return g_string_free(s, FALSE);
}

/* The sorted ref_ids of every hit of q (all pages), checking that the
 * total agrees. */
static GArray *hit_ids(const bireg_ctx *ctx, const char *q, const char *const *kinds,
		       GError **err)
{
	search_hits h = {0};
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));

	if (search_query(ctx, q, kinds, SEARCH_LIMIT_MAX, 0, &h, err) < 0) {
		g_array_free(ids, TRUE);
		return NULL;
	}
	g_assert_cmpint(h.total, ==, (int64_t)h.n);
	for (size_t i = 0; i < h.n; i++)
		g_array_append_val(ids, h.hits[i].ref_id);
	search_hits_clear(&h);
	g_array_sort(ids, cmp_id);
	return ids;
}

static void test_query_table(fixture *f, gconstpointer data)
{
	int failures = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
		const query_case *qc = &queries[i];
		const char *const *kinds = qc->kinds[0] ? qc->kinds : NULL;
		g_autoptr(GError) err = NULL;
		g_autoptr(GArray) got = hit_ids(&f->c1, qc->q, kinds, &err);
		size_t nwant = 0;

		if (qc->want[0] == ERR) {
			if (got || !err || err->domain != BIREG_SEARCH_ERROR) {
				g_test_message("query %zu \"%s\": expected a search error, got %s", i,
					       qc->q, err ? err->message : "hits");
				failures++;
			}
			continue;
		}
		if (!got) {
			g_test_message("query %zu \"%s\": error %s", i, qc->q, err->message);
			failures++;
			continue;
		}
		while (qc->want[nwant] != END)
			nwant++;
		/* One slot more than needed: never a NULL pointer, even for an
		 * empty set (memcmp and qsort must not get NULL). */
		g_autofree int64_t *want = g_new0(int64_t, nwant + 1);
		memcpy(want, qc->want, nwant * sizeof(int64_t));
		qsort(want, nwant, sizeof(int64_t), (int (*)(const void *, const void *))cmp_id);
		if (got->len != nwant ||
		    (nwant && memcmp(got->data, want, nwant * sizeof(int64_t)) != 0)) {
			g_autofree char *g = id_list((int64_t *)(void *)got->data, got->len);
			g_autofree char *w = id_list(want, nwant);
			g_test_message("query %zu \"%s\"%s: got {%s}, want {%s}", i, qc->q,
				       kinds ? " (kinds)" : "", g, w);
			failures++;
		}
	}
	g_assert_cmpint(failures, ==, 0);
}

/* Region 2 sees its own entries and none of region 1. */
static void test_region_separation(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const struct {
		const char *q;
		int64_t want[4];
	} r2[] = {
		{"müller", {101, 104, END}},
		{"gesamt", {101, 102, END}},
		{"sternschnuppe", {103, END}},
		{"park", {END}},
		{"demo", {END}},
	};

	db_set_region(f->d, f->r2);
	for (size_t i = 0; i < G_N_ELEMENTS(r2); i++) {
		g_autoptr(GArray) got = hit_ids(&f->c2, r2[i].q, NULL, &err);
		size_t n = 0;
		g_assert_no_error(err);
		while (r2[i].want[n] != END)
			n++;
		g_assert_cmpuint(got->len, ==, n);
		for (size_t k = 0; k < n; k++)
			g_assert_cmpint(g_array_index(got, int64_t, k), ==, r2[i].want[k]);
	}
	/* Without a region there is no search at all. */
	{
		bireg_ctx none = {.db = f->d};
		search_hits h = {0};
		g_assert_cmpint(search_query(&none, "müller", NULL, 10, 0, &h, &err), ==, -1);
		g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
	}
}

/* On PostgreSQL the policy checks the connection's region a second time:
 * a context that names region 1 on a connection set to region 2 (a bug in
 * the storage layer) finds nothing and cannot write. */
static void test_rls_second_line(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};

	if (db_get_backend(f->d) != DB_BACKEND_POSTGRES) {
		g_test_skip("PostgreSQL only (row-level security)");
		return;
	}
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_query(&f->c1, "müller", NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(h.total, ==, 0);
	g_assert_cmpint(search_put(&f->c1, "person", 999, "Eve Eindringling", NULL, &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);
	db_set_region(f->d, 0);
	g_assert_cmpint(search_query(&f->c1, "müller", NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	db_set_region(f->d, f->r1);
	g_assert_cmpint(search_query(&f->c1, "müller", NULL, 10, 0, &h, &err), ==, 4);
	search_hits_clear(&h);
}

/* Pages: limit and offset cut the ranked list, total counts all of it,
 * and the pages together are the whole set. */
static void test_paging_and_order(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	int64_t ids[8];
	size_t n = 0;

	for (int offset = 0; offset < 6; offset += 2) {
		search_hits h = {0};
		int got = search_query(&f->c1, "müller", NULL, 2, offset, &h, &err);
		g_assert_no_error(err);
		g_assert_cmpint(got, ==, offset < 4 ? 2 : 0);
		g_assert_cmpint(h.total, ==, 4);
		for (size_t i = 0; i < h.n; i++) {
			g_assert_cmpstr(h.hits[i].kind, ==, "person");
			g_assert_nonnull(h.hits[i].title);
			ids[n++] = h.hits[i].ref_id;
		}
		search_hits_clear(&h);
	}
	g_assert_cmpuint(n, ==, 4);
	for (size_t i = 0; i < n; i++)
		g_assert_true(g_hash_table_add(seen, &ids[i]));
	/* The order is deterministic: the same query gives the same order. */
	{
		search_hits a = {0}, b = {0};
		g_assert_cmpint(search_query(&f->c1, "schule", NULL, 50, 0, &a, &err), >, 0);
		g_assert_cmpint(search_query(&f->c1, "schule", NULL, 50, 0, &b, &err), ==, (int)a.n);
		for (size_t i = 0; i < a.n; i++)
			g_assert_cmpint(a.hits[i].ref_id, ==, b.hits[i].ref_id);
		search_hits_clear(&a);
		search_hits_clear(&b);
	}
	/* Bad arguments are the caller's bug, not an SQL error. */
	{
		search_hits h = {0};
		const char *bad_kind[] = {"Person", NULL};
		const char *no_kind[] = {NULL};
		g_assert_cmpint(search_query(&f->c1, "x", NULL, 0, 0, &h, &err), ==, -1);
		g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
		g_clear_error(&err);
		g_assert_cmpint(search_query(&f->c1, "x", NULL, 10, -1, &h, &err), ==, -1);
		g_clear_error(&err);
		g_assert_cmpint(search_query(&f->c1, "x", bad_kind, 10, 0, &h, &err), ==, -1);
		g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
		g_clear_error(&err);
		g_assert_cmpint(search_query(&f->c1, "müller", no_kind, 10, 0, &h, &err), ==, 0);
		g_assert_no_error(err);
	}
}

/* Long and broken input: refused by the module, never by the database. */
static void test_hostile_sizes(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	g_autofree char *big = g_strnfill(10 * 1024, 'a');
	g_autofree char *at_limit = g_strnfill(SEARCH_QUERY_MAX_CHARS, 'x');
	g_autofree char *over = g_strnfill(SEARCH_QUERY_MAX_CHARS + 1, 'x');
	g_autoptr(GString) umlauts = g_string_new(NULL);
	g_autoptr(GString) quotes = g_string_new(NULL);

	g_assert_cmpint(search_query(&f->c1, big, NULL, 10, 0, &h, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG);
	g_clear_error(&err);
	g_assert_cmpint(search_query(&f->c1, over, NULL, 10, 0, &h, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG);
	g_clear_error(&err);
	/* 200 characters are fine (a word of 200 is cut to 100 bytes). */
	g_assert_cmpint(search_query(&f->c1, at_limit, NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	/* Characters, not bytes: 200 umlauts are 400 bytes and allowed. */
	for (int i = 0; i < SEARCH_QUERY_MAX_CHARS; i++)
		g_string_append(umlauts, "ü");
	g_assert_cmpint(search_query(&f->c1, umlauts->str, NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	/* 200 quotes, stars and parentheses: no word, no hit, no error. */
	for (int i = 0; i < SEARCH_QUERY_MAX_CHARS / 4; i++)
		g_string_append(quotes, "\"*()");
	g_assert_cmpint(search_query(&f->c1, quotes->str, NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(search_query(&f->c1, "a\xc3", NULL, 10, 0, &h, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_INVALID);
	g_clear_error(&err);
	/* ten words are allowed, the same word twice counts once */
	g_assert_cmpint(search_query(&f->c1, "a b c d e f g h i j j j", NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
	/* The index is intact after all of it. */
	g_assert_cmpint(search_query(&f->c1, "müller", NULL, 10, 0, &h, &err), ==, 4);
	search_hits_clear(&h);
}

/* put replaces, remove removes, and the index follows. */
static void test_put_remove(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};

	g_assert_cmpint(search_put(&f->c1, "person", 3, "Peter Schulze", "Bildungsbüro", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(search_query(&f->c1, "muller", NULL, 10, 0, &h, &err), ==, 3);
	g_assert_cmpint(search_query(&f->c1, "schulze", NULL, 10, 0, &h, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, 3);
	g_assert_cmpstr(h.hits[0].title, ==, "Peter Schulze");
	/* the same again changes nothing */
	g_assert_cmpint(search_put(&f->c1, "person", 3, "Peter Schulze", "Bildungsbüro", &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "schulze", NULL, 10, 0, &h, &err), ==, 1);
	/* the same ref_id of another kind is another entry */
	g_assert_cmpint(search_put(&f->c1, "institution", 3, "Schulzentrum", NULL, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "schulz", NULL, 10, 0, &h, &err), ==, 2);
	g_assert_cmpint(search_remove(&f->c1, "institution", 3, &err), ==, 0);
	g_assert_cmpint(search_remove(&f->c1, "person", 3, &err), ==, 0);
	g_assert_cmpint(search_remove(&f->c1, "person", 3, &err), ==, 0); /* none: fine */
	g_assert_no_error(err);
	g_assert_cmpint(search_query(&f->c1, "schulz", NULL, 10, 0, &h, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "bildungsburo", NULL, 10, 0, &h, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, 17);
	/* region 2's Anna Müller is untouched by region 1's removal */
	g_assert_cmpint(search_remove(&f->c1, "person", 1, &err), ==, 0);
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_query(&f->c2, "anna", NULL, 10, 0, &h, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, 101);
	db_set_region(f->d, f->r1);
	search_hits_clear(&h);

	/* Arguments the module refuses before the database sees them. */
	g_assert_cmpint(search_put(&f->c1, "Person", 1, "x", NULL, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
	g_clear_error(&err);
	g_assert_cmpint(search_put(&f->c1, "person; --", 1, "x", NULL, &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(search_put(&f->c1, "person", 0, "x", NULL, &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(search_put(&f->c1, "person", 1, "a\xff", NULL, &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(search_put(&f->c1, "person", 1, NULL, NULL, &err), ==, -1);
	g_clear_error(&err);
	{
		bireg_ctx none = {.db = f->d};
		g_assert_cmpint(search_put(&none, "person", 1, "x", NULL, &err), ==, -1);
		g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
	}
}

/* put joins the caller's transaction: a rollback takes the entry back. */
static void test_put_in_transaction(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};

	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(search_put(&f->c1, "person", 500, "Rolf Rückgängig", NULL, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "ruckgangig", NULL, 10, 0, &h, &err), ==, 1);
	db_rollback(f->d);
	g_assert_cmpint(search_query(&f->c1, "ruckgangig", NULL, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);
}

/* What reaches the database: words of letters and digits, folded. */
static void test_index_text(void)
{
	static const struct {
		const char *title, *text, *want;
	} cases[] = {
		{"Anna Müller", "anna.mueller@example.org", "anna muller anna muller example org"},
		{"Hans-Peter O'Brien", NULL, "hans peter o brien"},
		{"Jean-Luc D’Angelo", "", "jean luc d angelo"},
		{"Straße 12a", "Weiß", "strasse 12a weiss"},
		{"Labor 12e3b", "1e5", "labor 12e3 b 1e5"},
		{"\"NEAR(x)\" *:&|!", NULL, "near x"},
		{"Oʼ Brien", NULL, "o brien"},     /* U+02BC, a modifier letter apostrophe */
		{"x²", "½", "x2 1 2"},             /* compatibility forms */
		{"", NULL, ""},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = search_index_text(cases[i].title, cases[i].text);
		g_assert_cmpstr(got, ==, cases[i].want);
	}
	g_assert_null(search_index_text("a\xff", NULL));
	g_assert_null(search_index_text("a", "\xc3"));
	/* words are cut, the text is cut at a word */
	{
		g_autofree char *longword = g_strnfill(500, 'q');
		g_autofree char *got = search_index_text(longword, NULL);
		g_assert_cmpuint(strlen(got), ==, SEARCH_WORD_MAX_BYTES);
		g_autoptr(GString) many = g_string_new(NULL);
		for (int i = 0; i < 60000; i++)
			g_string_append(many, "wort ");
		g_autofree char *cut = search_index_text("t", many->str);
		g_assert_cmpuint(strlen(cut), <=, SEARCH_TEXT_MAX_BYTES);
		g_assert_true(g_str_has_suffix(cut, " wort"));
	}
	/* query words: the same folding, no duplicates */
	{
		g_autoptr(GError) err = NULL;
		g_auto(GStrv) w = search_query_words("Müller MUELLER muller „Straße“", &err);
		g_assert_no_error(err);
		g_assert_cmpuint(g_strv_length(w), ==, 2);
		g_assert_cmpstr(w[0], ==, "muller");
		g_assert_cmpstr(w[1], ==, "strasse");
		g_auto(GStrv) none = search_query_words(NULL, &err);
		g_assert_nonnull(none);
		g_assert_null(none[0]);
	}
}

/* Both backends hold exactly the words C computed: FTS5's vocabulary and
 * the lexemes of the tsvectors equal the words of search_index_text. */
static void test_index_words(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GHashTable) want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(db_stmt) st = NULL;
	GHashTableIter it;
	gpointer key;
	db_status r;

	for (size_t i = 0; i < G_N_ELEMENTS(corpus1); i++) {
		g_autofree char *t = search_index_text(corpus1[i].title, corpus1[i].text);
		g_auto(GStrv) ws = g_strsplit(t, " ", -1);
		for (char **w = ws; *w; w++)
			if (**w)
				g_hash_table_add(want, g_strdup(*w));
	}
	if (db_get_backend(f->d) == DB_BACKEND_POSTGRES) {
		st = db_prepare(f->d,
			"SELECT DISTINCT unnest(tsvector_to_array(tsv)) FROM search_entry "
			"WHERE region_id = $1", &err);
	} else {
		g_assert_cmpint(db_exec(f->d,
			"CREATE VIRTUAL TABLE temp.search_words USING "
			"fts5vocab(main, search_fts, instance)", &err), ==, DB_OK);
		st = db_prepare(f->d,
			"SELECT DISTINCT w.term FROM temp.search_words w "
			"JOIN search_entry e ON e.id = w.doc WHERE e.region_id = $1 "
			"AND w.col = 'folded'", &err);
	}
	g_assert_no_error(err);
	db_bind_int64(st, 1, f->r1);
	while ((r = db_step(st, &err)) == DB_ROW)
		g_hash_table_add(got, g_strdup(db_col_text(st, 0)));
	g_assert_cmpint(r, ==, DB_DONE);
	g_hash_table_iter_init(&it, want);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(got, key))
			g_test_message("word \"%s\" is not in the index", (char *)key);
	g_hash_table_iter_init(&it, got);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(want, key))
			g_test_message("the index has \"%s\", which C did not make", (char *)key);
	g_assert_cmpuint(g_hash_table_size(got), ==, g_hash_table_size(want));
	g_hash_table_iter_init(&it, want);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_assert_true(g_hash_table_contains(got, key));
}

/* A connection to the test database as the cluster's superuser: the
 * admin URL with the database of d. */
static db *pg_admin_open(db *d)
{
	g_autoptr(GError) err = NULL;
	const char *url = test_db_url(d);
	const char *admin = g_getenv("BIREG_TEST_PG_ADMIN_URL");
	const char *name = strstr(url, "@/");
	const char *name_end = name ? strchr(name, '?') : NULL;
	const char *admin_db = admin ? strstr(admin, "@/") : NULL;
	const char *admin_q = admin_db ? strchr(admin_db, '?') : NULL;

	g_assert_nonnull(name_end);
	g_assert_nonnull(admin_q);
	g_autofree char *dbname = g_strndup(name + 2, (gsize)(name_end - name - 2));
	g_autofree char *u = g_strdup_printf("%.*s@/%s%s", (int)(admin_db - admin), admin, dbname,
					     admin_q);
	db *a = db_open(u, &err);
	g_assert_no_error(err);
	return a;
}

/*
 * The plans: SQLite answers the MATCH from the FTS5 index and joins by
 * primary key; PostgreSQL uses the GIN index once ts_match_vq is LEAKPROOF
 * (see search_index_usable), which only a superuser can declare. With the
 * corpus of forty rows a sequential scan is cheaper and the planner knows
 * it, so for PostgreSQL a few thousand entries are added and analysed, and
 * sequential scans are forbidden; bench/ measures 100,000.
 */
static void test_explain(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) plan = g_string_new(NULL);

	if (db_get_backend(f->d) != DB_BACKEND_POSTGRES) {
		g_assert_cmpint(search_index_usable(&f->c1, &err), ==, 1);
		g_assert_cmpint(search_explain(&f->c1, "özdemir jürgen", NULL, plan, &err), ==, 0);
		g_assert_no_error(err);
		g_test_message("%s", plan->str);
		g_assert_nonnull(strstr(plan->str, "search_fts VIRTUAL TABLE INDEX"));
		g_assert_nonnull(strstr(plan->str, "INTEGER PRIMARY KEY"));
		return;
	}
	/* Without the declaration the index cannot serve. (The test cluster
	 * makes databases from a template1 that has it, as production should;
	 * take it back in this database first.) */
	{
		db *admin = pg_admin_open(f->d);
		g_assert_cmpint(db_exec(admin,
			"ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) NOT LEAKPROOF", &err),
			==, DB_OK);
		g_assert_no_error(err);
		db_close(admin);
	}
	g_assert_cmpint(search_index_usable(&f->c1, &err), ==, 0);
	{
		db *admin = pg_admin_open(f->d);
		g_assert_cmpint(db_exec(admin,
			"ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF", &err),
			==, DB_OK);
		g_assert_no_error(err);
		db_close(admin);
	}
	g_assert_cmpint(search_index_usable(&f->c1, &err), ==, 1);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	for (int i = 0; i < 3000; i++) {
		g_autofree char *title = g_strdup_printf("Vorname%d Nachname%d", i % 97, i);
		g_autofree char *text = g_strdup_printf("Schule%d, Straße %d", i % 31, i % 200);
		g_assert_cmpint(search_put(&f->c1, "person", 10000 + i, title, text, &err), ==, 0);
	}
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	{
		db *owner = db_open(test_db_owner_url(f->d), &err);
		g_assert_no_error(err);
		g_assert_cmpint(db_exec(owner, "ANALYZE search_entry", &err), ==, DB_OK);
		db_close(owner);
	}
	/* At 3,000 rows a sequential scan still looks cheap to the planner;
	 * forbid it to see which index it picks instead: the GIN index, not
	 * the region's b-tree. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(db_exec(f->d, "SET LOCAL enable_seqscan = off", &err), ==, DB_OK);
	g_assert_cmpint(search_explain(&f->c1, "özdemir jürgen", NULL, plan, &err), ==, 0);
	db_rollback(f->d);
	g_assert_no_error(err);
	g_test_message("%s", plan->str);
	g_assert_nonnull(strstr(plan->str, "Bitmap Index Scan on search_entry_tsv"));
	/* and it still finds the right ones */
	{
		search_hits h = {0};
		g_assert_cmpint(search_query(&f->c1, "özdemir", NULL, 10, 0, &h, &err), ==, 2);
		search_hits_clear(&h);
	}
}

/*
 * Broad queries: with more than SEARCH_RANK_MAX hits a query is not ranked
 * but ordered by folded title, kind and ref_id, on both backends alike; the
 * total stays exact, pages fit together, and region and kind filters hold.
 * Region 1 gets SEARCH_RANK_MAX + 40 people "Breit…" (and 5 institutions),
 * region 2 a few that region 1 must not see.
 */
static void test_broad_query(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const int n = SEARCH_RANK_MAX + 40;
	const char *const persons[] = {"person", NULL};
	const char *const insts[] = {"institution", NULL};
	search_hits all = {0}, page = {0};

	db_set_region(f->d, f->r1);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	for (int i = 0; i < n; i++) {
		/* Titles in an order unlike the ref_ids; every 7th twice, so
		 * that equal titles are ordered by ref_id. */
		int k = (i * 7919) % n;
		g_autofree char *title = g_strdup_printf("Breitbach%05d Zoe", i % 7 ? k : k - k % 7);
		g_assert_cmpint(search_put(&f->c1, "person", 100000 + i, title, "Schulamt", &err), ==,
				0);
	}
	for (int i = 0; i < 5; i++) {
		g_autofree char *title = g_strdup_printf("Breitenschule %d", 5 - i);
		g_assert_cmpint(search_put(&f->c1, "institution", 200000 + i, title, NULL, &err), ==,
				0);
	}
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	{
		const entry r2[] = {{"person", 300000, "Breitbach00000 Aal", NULL},
				    {"person", 300001, "Breitbach Fremd", NULL}};
		put_all(f, &f->c2, r2, G_N_ELEMENTS(r2));
		db_set_region(f->d, f->r1);
	}

	/* All kinds: n + 5 hits, by folded title; the institutions
	 * ("breitenschule …") after the people ("breitbach…"). */
	g_assert_cmpint(search_query(&f->c1, "breit", NULL, SEARCH_LIMIT_MAX, 0, &all, &err), ==,
			SEARCH_LIMIT_MAX);
	g_assert_no_error(err);
	g_assert_cmpint(all.total, ==, n + 5);
	for (size_t i = 1; i < all.n; i++) {
		g_autofree char *a = text_search_fold(all.hits[i - 1].title);
		g_autofree char *b = text_search_fold(all.hits[i].title);
		int c = strcmp(a, b);
		g_assert_cmpint(c, <=, 0);
		if (c == 0)
			g_assert_cmpint(all.hits[i - 1].ref_id, <, all.hits[i].ref_id);
		g_assert_cmpint(all.hits[i].ref_id, <, 300000);
	}
	g_assert_cmpint(all.hits[0].ref_id, ==, 100000); /* "breitbach00000 zoe" */

	/* Pages fit together: limit 50 at offset 950 is hits 950–999. */
	g_assert_cmpint(search_query(&f->c1, "breit", NULL, 50, 950, &page, &err), ==, 50);
	g_assert_cmpint(page.total, ==, n + 5);
	for (size_t i = 0; i < page.n; i++)
		g_assert_cmpint(page.hits[i].ref_id, ==, all.hits[950 + i].ref_id);
	/* The last page: the five institutions, by title. */
	g_assert_cmpint(search_query(&f->c1, "breit", NULL, 10, n, &page, &err), ==, 5);
	for (int i = 0; i < 5; i++) {
		g_assert_cmpstr(page.hits[i].kind, ==, "institution");
		g_assert_cmpint(page.hits[i].ref_id, ==, 200004 - i);
	}
	/* Past the end: nothing, the total still exact. */
	g_assert_cmpint(search_query(&f->c1, "breit", NULL, 10, n + 5, &page, &err), ==, 0);
	g_assert_cmpint(page.total, ==, n + 5);

	/* Kinds: people only (still broad), institutions only (ranked). */
	g_assert_cmpint(search_query(&f->c1, "breit", persons, 10, 0, &page, &err), ==, 10);
	g_assert_cmpint(page.total, ==, n);
	g_assert_cmpint(search_query(&f->c1, "breit", insts, 10, 0, &page, &err), ==, 5);
	g_assert_cmpint(page.total, ==, 5);
	/* Two words: every word must match, in the broad order as well. */
	g_assert_cmpint(search_query(&f->c1, "breit zoe", NULL, 10, 0, &page, &err), ==, 10);
	g_assert_cmpint(page.total, ==, n);
	g_assert_cmpint(page.hits[0].ref_id, ==, 100000);
	g_assert_cmpint(search_query(&f->c1, "breitbach schulamt", NULL, 10, 0, &page, &err), ==,
			10);
	g_assert_cmpint(page.total, ==, n);
	/* Region 2 sees its own two only. */
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_query(&f->c2, "breit", NULL, 10, 0, &page, &err), ==, 2);
	g_assert_cmpint(page.total, ==, 2);
	db_set_region(f->d, f->r1);
	/* A removed entry leaves the broad results too. */
	g_assert_cmpint(search_remove(&f->c1, "person", 100000, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "breit", NULL, 1, 0, &page, &err), ==, 1);
	g_assert_cmpint(page.total, ==, n + 4);
	g_assert_cmpint(page.hits[0].ref_id, !=, 100000);
	g_assert_no_error(err);
	search_hits_clear(&all);
	search_hits_clear(&page);
}

/* SQLite's full-text index also holds each entry's region and kind
 * ("r7 r7_person", column scope); no query reaches them. */
static void test_scope_not_searchable(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	g_autofree char *r = g_strdup_printf("r%" G_GINT64_FORMAT, f->r1);
	g_autofree char *rk = g_strdup_printf("r%" G_GINT64_FORMAT "_person", f->r1);
	g_autofree char *col = g_strdup_printf("scope:r%" G_GINT64_FORMAT, f->r1);
	const char *const qs[] = {r, rk, col, "scope", "r_person"};

	for (size_t i = 0; i < G_N_ELEMENTS(qs); i++) {
		g_assert_cmpint(search_query(&f->c1, qs[i], NULL, 10, 0, &h, &err), ==, 0);
		g_assert_no_error(err);
		g_assert_cmpint(h.total, ==, 0);
	}
	search_hits_clear(&h);
}

/* Accounts: grant puts the entry in that region, revoke of the last role
 * takes it out, reindex rebuilds from the roles. */
static void test_accounts(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	const char *acct[] = {SEARCH_KIND_ACCOUNT, NULL};
	bireg_ctx inst = {.db = f->d};
	int64_t a, b;

	db_set_region(f->d, 0);
	a = account_store_create(&inst, "maria.mueller@bireg.test", "Maria Müller", "x", "de", 0, &err);
	g_assert_no_error(err);
	b = account_store_create(&inst, "m.muller@bireg.test", "Max Muller", "x", "de", 0, &err);
	g_assert_no_error(err);
	/* no role yet: in no region's index */
	db_set_region(f->d, f->r1);
	g_assert_cmpint(search_query(&f->c1, "muller", acct, 10, 0, &h, &err), ==, 0);

	/* granted from outside a request (as `bireg user grant` does) */
	db_set_region(f->d, 0);
	g_assert_cmpint(account_store_grant(&inst, a, f->r1, ROLE_OFFICE, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&inst, a, f->r1, ROLE_ADMIN, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&inst, b, f->r2, ROLE_OFFICE, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(db_get_region(f->d), ==, 0);

	db_set_region(f->d, f->r1);
	g_assert_cmpint(search_query(&f->c1, "Mueller", acct, 10, 0, &h, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, a);
	g_assert_cmpstr(h.hits[0].title, ==, "Maria Müller");
	g_assert_cmpint(search_query(&f->c1, "maria.mueller@bireg", acct, 10, 0, &h, &err), ==, 1);
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_query(&f->c2, "müller", acct, 10, 0, &h, &err), ==, 1);
	g_assert_cmpint(h.hits[0].ref_id, ==, b);

	/* one of two roles revoked: still there; the last one: gone */
	db_set_region(f->d, 0);
	g_assert_cmpint(account_store_revoke(&inst, a, f->r1, ROLE_ADMIN, &err), ==, 0);
	db_set_region(f->d, f->r1);
	g_assert_cmpint(search_query(&f->c1, "maria", acct, 10, 0, &h, &err), ==, 1);
	db_set_region(f->d, 0);
	g_assert_cmpint(account_store_revoke(&inst, a, f->r1, ROLE_OFFICE, &err), ==, 0);
	db_set_region(f->d, f->r1);
	g_assert_cmpint(search_query(&f->c1, "maria", acct, 10, 0, &h, &err), ==, 0);
	g_assert_no_error(err);

	/* reindex: a stale entry goes, a missing one comes back */
	g_assert_cmpint(search_put(&f->c1, SEARCH_KIND_ACCOUNT, b, "Max Muller", NULL, &err), ==, 0);
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_remove(&f->c2, SEARCH_KIND_ACCOUNT, b, &err), ==, 0);
	db_set_region(f->d, 0);
	g_assert_cmpint(search_reindex_accounts(&inst, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(db_get_region(f->d), ==, 0);
	db_set_region(f->d, f->r1);
	/* region 1 keeps its corpus accounts 39 and 40 only if they had roles;
	 * they have none, so the reindex removed them as well */
	g_assert_cmpint(search_query(&f->c1, "muller", acct, 10, 0, &h, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "demo", acct, 10, 0, &h, &err), ==, 0);
	g_assert_cmpint(search_query(&f->c1, "müller", NULL, 10, 0, &h, &err), ==, 4);
	db_set_region(f->d, f->r2);
	g_assert_cmpint(search_query(&f->c2, "muller", acct, 10, 0, &h, &err), ==, 1);
	/* one region, in the caller's transaction */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(search_reindex_accounts(&f->c2, &err), ==, 1);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	/* every region needs a transaction per region */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(search_reindex_accounts(&inst, &err), ==, -1);
	g_assert_error(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT);
	db_rollback(f->d);
	search_hits_clear(&h);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/search/index_text", test_index_text);
#define ADD(path, fn) g_test_add("/search/" path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("query_table", test_query_table);
	ADD("region_separation", test_region_separation);
	ADD("rls_second_line", test_rls_second_line);
	ADD("paging_and_order", test_paging_and_order);
	ADD("hostile_sizes", test_hostile_sizes);
	ADD("put_remove", test_put_remove);
	ADD("put_in_transaction", test_put_in_transaction);
	ADD("index_words", test_index_words);
	ADD("explain", test_explain);
	ADD("accounts", test_accounts);
	ADD("broad_query", test_broad_query);
	ADD("scope_not_searchable", test_scope_not_searchable);
#undef ADD
	return g_test_run();
}
