/*
 * bench_register_search.c — the register's search with many people: fills
 * a region with made-up people through the store API (person_store_create,
 * and affiliation_add for every third, so their search text names an
 * institution, as in a real register), then measures the latency of
 * realistic queries. A benchmark, not a test: it asserts nothing beyond
 * "every call worked".
 *
 *   bench_register_search --database URL [--region SLUG] [--people N]
 *                         [--queries N] [--seed N]
 *
 * The region (default duisburg, made by `bireg demo`) keeps what it has;
 * people are added until it has N (default 100,000), in transactions of 500.
 * Then --queries (default 2,000, after 200 unmeasured ones to warm caches)
 * queries are drawn from a fixed mix: a full last name (25 %), the same in
 * ASCII spelling ("Mueller", "Weiss": 10 %), the first 3–4 letters of a
 * last name (15 %), first and last name (20 %), a first name and the start
 * of a last name (10 %), a function (5 %), a town (5 %), a word of an
 * institution's name (5 %), two letters (3 %), a word nobody has (2 %).
 * Each query is timed twice:
 *   search_query   the index lookup the people list and every search use
 *                  (kinds person, institution, body; limit 50) — the figure
 *                  the goal (p99 < 20 ms at 100,000 people) is about;
 *   register_search  what /register/suche does on top: the best 1,000 hits,
 *                  name hits first, one page of 25.
 *
 * Output: a few lines of text, and one line "RESULT {json}" that
 * bench/run-register reads.
 */
#include <glib.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register_index.h"
#include "search/search.h"

static const char *const first_names[] = {
	"Anna", "Maria", "Ursula", "Monika", "Petra", "Sabine", "Claudia", "Andrea", "Stefanie",
	"Julia", "Katharina", "Laura", "Lea", "Hannah", "Sophie", "Emma", "Mia", "Fatma", "Ayşe",
	"Zeynep", "Elif", "Olga", "Natalia", "Agnieszka", "Joanna", "Renate", "Gisela", "Jürgen",
	"Thomas", "Michael", "Andreas", "Stefan", "Peter", "Klaus", "Wolfgang", "Frank", "Markus",
	"Christian", "Tobias", "Jan", "Lukas", "Felix", "Jonas", "Paul", "Leon", "Mehmet", "Ahmet",
	"Mustafa", "Ömer", "Emre", "Dariusz", "Piotr", "Björn", "Sören", "Jörg", "Uwe", "Ralf",
	"Dirk", "Heike", "Birgit",
};
static const char *const last_names[] = {
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
	"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
	"Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
	"Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
	"Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
	"Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller",
	"Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke",
	"Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
	"Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt",
	"Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
	"Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
	"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
	"Arslan", "Doğan", "Kılıç", "Aslan", "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk",
	"Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Ivanov", "Petrov",
	"Hüsken", "Terhorst", "Verhoeven", "Janßen", "Große-Kleimann", "Schulte-Vennbur",
};
static const char *const functions[] = {
	"Schulleitung", "Stellvertretende Schulleitung", "Klassenleitung", "Lehrkraft",
	"Schulsozialarbeit", "Sekretariat", "Kita-Leitung", "Erzieherin", "Erzieher",
	"Fachberatung", "Jugendhilfeplanung", "Sachbearbeitung", "Abteilungsleitung",
	"Bildungsberatung", "Ausbildungsberatung", "Integrationsbeauftragte", "Elternvertretung",
	"Schülervertretung", "Koordination Ganztag", "Inklusionsberatung", "Referentin",
	"Geschäftsführung", "Vorstand", "Projektleitung", "Quartiersmanagement", "Stadtteilarbeit",
	"Berufsberatung", "Studienberatung", "Schulpsychologie", "Medienberatung",
};
static const char *const towns[] = {
	"Duisburg", "Moers", "Oberhausen", "Mülheim an der Ruhr", "Dinslaken", "Krefeld", "Essen",
	"Düsseldorf", "Rheinberg", "Kamp-Lintfort", "Neukirchen-Vluyn", "Voerde", "Wesel",
	"Ratingen", "Meerbusch",
};
static const char *const words_nobody_has[] = {"Quetzalcoatl", "Xylophonbau", "zzyzx",
					       "Wolpertinger", "Jabberwock"};

typedef struct bench_args {
	char *database;
	char *region;
	int people;
	int queries;
	int seed;
} bench_args;

static int64_t count_of(const bireg_ctx *ctx, const char *sql, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

/* "mueller" for "Müller": the ASCII spelling people type (ä→ae, ß→ss). */
static char *ascii_spelling(const char *s)
{
	static const struct {
		const char *from, *to;
	} map[] = {{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "Ae"}, {"Ö", "Oe"},
		   {"Ü", "Ue"}, {"ß", "ss"}, {"ı", "i"},  {"ş", "s"},  {"ç", "c"},
		   {"ğ", "g"},  {"Ş", "S"},  {"Ç", "C"},  {"ś", "s"},  {"ń", "n"},
		   {"ź", "z"},  {"ż", "z"},  {"ó", "o"},  {"ł", "l"},  {"ą", "a"}, {"ę", "e"}};
	GString *out = g_string_new(NULL);
	for (const char *p = s; *p;) {
		size_t i;
		for (i = 0; i < G_N_ELEMENTS(map); i++) {
			size_t n = strlen(map[i].from);
			if (!strncmp(p, map[i].from, n)) {
				g_string_append(out, map[i].to);
				p += n;
				break;
			}
		}
		if (i == G_N_ELEMENTS(map))
			g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

/* The first n characters of s. */
static char *prefix_chars(const char *s, long n)
{
	const char *end = g_utf8_offset_to_pointer(s, MIN(n, g_utf8_strlen(s, -1)));
	return g_strndup(s, (gsize)(end - s));
}

#define PICK(r, a) ((a)[g_rand_int_range((r), 0, (gint32)G_N_ELEMENTS(a))])

static int fill(const bireg_ctx *ctx, const bench_args *a, GRand *r, GError **err)
{
	g_autoptr(GArray) insts = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t have = count_of(ctx, "SELECT count(*) FROM person WHERE region_id = $1", err);
	gint64 t0 = g_get_monotonic_time();
	int added = 0;

	if (have < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT id FROM institution WHERE region_id = $1 ORDER BY id", err);
		db_status s;
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		while ((s = db_step(st, err)) == DB_ROW) {
			int64_t id = db_col_int64(st, 0);
			g_array_append_val(insts, id);
		}
		if (s != DB_DONE)
			return -1;
	}
	printf("people:   %" G_GINT64_FORMAT " in the region, filling up to %d through "
	       "person_store_create (+ affiliation_add for every third) ...\n",
	       have, a->people);
	fflush(stdout);
	while (have + added < a->people) {
		int batch = MIN(500, a->people - (int)have - added);
		if (db_begin(ctx->db, err) < 0)
			return -1;
		for (int i = 0; i < batch; i++) {
			const char *first = PICK(r, first_names), *last = PICK(r, last_names);
			g_autofree char *af = ascii_spelling(first), *al = ascii_spelling(last);
			g_autofree char *email = g_strdup_printf("%s.%s.%d@example.org", af, al,
								 (int)have + added + i);
			g_autofree char *lower = g_ascii_strdown(email, -1);
			person_input in = {
				.address_form = g_rand_boolean(r) ? "frau" : "herr",
				.title = g_rand_int_range(r, 0, 10) == 0 ? "Dr." : NULL,
				.first_name = first,
				.last_name = last,
				.function = PICK(r, functions),
				.email = lower,
				.city = PICK(r, towns),
			};
			int64_t id = person_store_create(ctx, &in, err);
			if (id < 0)
				goto fail;
			if ((have + added + i) % 3 == 0 && insts->len > 0 &&
			    affiliation_add(ctx, id,
					    g_array_index(insts, int64_t,
							  g_rand_int_range(r, 0, (gint32)insts->len)),
					    in.function, "2024-01-01", NULL, err) < 0)
				goto fail;
		}
		if (db_commit(ctx->db, err) < 0)
			return -1;
		added += batch;
		if (added % 10000 < 500 || have + added >= a->people) {
			double s = (double)(g_get_monotonic_time() - t0) / 1e6;
			printf("          %d added in %.1f s (%.0f per second)\n", added, s, added / s);
			fflush(stdout);
		}
	}
	return added;
fail:
	db_rollback(ctx->db);
	return -1;
}

/* One query of the mix (newly allocated). */
static char *make_query(GRand *r, const char *const *inst_words, guint n_inst_words)
{
	int k = g_rand_int_range(r, 0, 100);
	const char *last = PICK(r, last_names), *first = PICK(r, first_names);

	if (k < 25)
		return g_strdup(last);
	if (k < 35)
		return ascii_spelling(last);
	if (k < 50)
		return prefix_chars(last, g_rand_int_range(r, 3, 5));
	if (k < 70)
		return g_strdup_printf("%s %s", first, last);
	if (k < 80) {
		g_autofree char *p = prefix_chars(last, g_rand_int_range(r, 2, 5));
		return g_strdup_printf("%s %s", first, p);
	}
	if (k < 85)
		return g_strdup(PICK(r, functions));
	if (k < 90)
		return g_strdup(PICK(r, towns));
	if (k < 95 && n_inst_words > 0)
		return g_strdup(inst_words[g_rand_int_range(r, 0, (gint32)n_inst_words)]);
	if (k < 98)
		return prefix_chars(last, 2);
	return g_strdup(PICK(r, words_nobody_has));
}

/* CPU time of this thread in ms: on SQLite the work of a query, which
 * other processes on a busy machine do not inflate as they do wall time
 * (on PostgreSQL the server does the work: only the client's share). */
static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return sorted[MIN(i, n - 1)];
}

int main(int argc, char **argv)
{
	bench_args a = {.people = 100000, .queries = 2000, .seed = 7};
	g_autoptr(GOptionContext) oc = g_option_context_new("- register search benchmark");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"database", 0, 0, G_OPTION_ARG_STRING, &a.database, "database URL (or SQLite file)",
		 "URL"},
		{"region", 0, 0, G_OPTION_ARG_STRING, &a.region, "region slug (default duisburg)",
		 "SLUG"},
		{"people", 0, 0, G_OPTION_ARG_INT, &a.people, "people in the region (default 100000)",
		 "N"},
		{"queries", 0, 0, G_OPTION_ARG_INT, &a.queries, "measured queries (default 2000)",
		 "N"},
		{"seed", 0, 0, G_OPTION_ARG_INT, &a.seed, "random seed (default 7)", "N"},
		{NULL},
	};
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err) || !a.database || a.queries < 1) {
		fprintf(stderr, "bench_register_search: %s\n",
			err ? err->message : "--database URL is required");
		return 2;
	}

	db *d = db_open(a.database, &err);
	if (!d) {
		fprintf(stderr, "bench_register_search: %s\n", err->message);
		return 1;
	}
	bireg_ctx ctx = {.db = d};
	{
		g_autoptr(db_stmt) st = db_prepare(d, "SELECT id FROM region WHERE slug = $1", &err);
		if (st) {
			db_bind_text(st, 1, a.region ? a.region : "duisburg");
			if (db_step(st, &err) == DB_ROW)
				ctx.region_id = db_col_int64(st, 0);
		}
	}
	if (ctx.region_id <= 0) {
		fprintf(stderr, "bench_register_search: no region %s (run bireg demo first)%s%s\n",
			a.region ? a.region : "duisburg", err ? ": " : "", err ? err->message : "");
		db_close(d);
		return 1;
	}
	db_set_region(d, ctx.region_id);
	GRand *r = g_rand_new_with_seed((guint32)a.seed);

	if (fill(&ctx, &a, r, &err) < 0) {
		fprintf(stderr, "bench_register_search: filling failed: %s\n", err->message);
		return 1;
	}
	int64_t people = count_of(&ctx, "SELECT count(*) FROM person WHERE region_id = $1", &err);
	int64_t n_entries = count_of(&ctx, "SELECT count(*) FROM search_entry WHERE region_id = $1",
				   &err);
	int usable = search_index_usable(&ctx, &err);
	g_clear_error(&err);
	printf("backend:  %s; %" G_GINT64_FORMAT " people, %" G_GINT64_FORMAT
	       " search entries in the region; index usable: %s\n",
	       db_get_backend(d) == DB_BACKEND_POSTGRES ? "postgres" : "sqlite", people, n_entries,
	       usable == 1 ? "yes" : usable == 0 ? "NO (ts_match_vq not LEAKPROOF: every search "
						   "reads the whole table)"
						 : "?");

	/* Words of institutions' names, for the institution queries. */
	g_autoptr(GPtrArray) inst_words = g_ptr_array_new_with_free_func(g_free);
	{
		g_autoptr(db_stmt) st = db_prepare(d,
			"SELECT name FROM institution WHERE region_id = $1 ORDER BY id", &err);
		db_bind_int64(st, 1, ctx.region_id);
		while (db_step(st, &err) == DB_ROW) {
			g_auto(GStrv) ws = g_strsplit(db_col_text(st, 0), " ", -1);
			for (char **w = ws; *w; w++)
				if (g_utf8_strlen(*w, -1) >= 6)
					g_ptr_array_add(inst_words, g_strdup(*w));
		}
		g_clear_error(&err);
	}

	static const char *const kinds[] = {SEARCH_KIND_PERSON, SEARCH_KIND_INSTITUTION,
					    SEARCH_KIND_BODY, NULL};
	int warm = 200, total = warm + a.queries;
	double *t_query = g_new0(double, (gsize)a.queries), *t_reg = g_new0(double, (gsize)a.queries);
	double *c_query = g_new0(double, (gsize)a.queries);
	int64_t broad = 0;
	int64_t hits_sum = 0, zero = 0, max_hits = 0;
	/* The slowest queries (search_query), to see what makes the tail. */
	typedef struct slow {
		double ms;
		int64_t hits;
		char *q;
	} slow;
	slow worst[5] = {{0}};
	for (int i = 0; i < total; i++) {
		g_autofree char *q = make_query(r, (const char *const *)inst_words->pdata,
						inst_words->len);
		search_hits h = {0}, p = {0};
		double c0 = thread_cpu_ms();
		gint64 t0 = g_get_monotonic_time();
		if (search_query(&ctx, q, kinds, 50, 0, &h, &err) < 0) {
			fprintf(stderr, "bench_register_search: \"%s\": %s\n", q, err->message);
			return 1;
		}
		gint64 t1 = g_get_monotonic_time();
		double c1 = thread_cpu_ms();
		if (register_search(&ctx, q, NULL, 25, 0, &p, NULL, &err) < 0) {
			fprintf(stderr, "bench_register_search: \"%s\": %s\n", q, err->message);
			return 1;
		}
		gint64 t2 = g_get_monotonic_time();
		if (i >= warm) {
			t_query[i - warm] = (double)(t1 - t0) / 1000.0;
			t_reg[i - warm] = (double)(t2 - t1) / 1000.0;
			c_query[i - warm] = c1 - c0;
			broad += h.total > SEARCH_RANK_MAX;
			hits_sum += h.total;
			zero += h.total == 0;
			max_hits = MAX(max_hits, h.total);
			double ms = (double)(t1 - t0) / 1000.0;
			size_t w = 0;
			for (size_t k = 1; k < G_N_ELEMENTS(worst); k++)
				if (worst[k].ms < worst[w].ms)
					w = k;
			if (ms > worst[w].ms) {
				g_free(worst[w].q);
				worst[w] = (slow){ms, h.total, g_strdup(q)};
			}
		}
		search_hits_clear(&h);
		search_hits_clear(&p);
	}
	qsort(t_query, (size_t)a.queries, sizeof(double), cmp_double);
	qsort(t_reg, (size_t)a.queries, sizeof(double), cmp_double);
	qsort(c_query, (size_t)a.queries, sizeof(double), cmp_double);
	size_t n = (size_t)a.queries;
	printf("queries:  %d measured after %d to warm up; hits per query: mean %.0f, max %" G_GINT64_FORMAT
	       ", %" G_GINT64_FORMAT " without any, %" G_GINT64_FORMAT " broad (more than %d hits: "
	       "not ranked)\n",
	       a.queries, warm, (double)hits_sum / a.queries, max_hits, zero, broad, SEARCH_RANK_MAX);
	printf("                       p50        p90        p99        max\n");
	printf("search_query     %7.2f ms %7.2f ms %7.2f ms %7.2f ms\n", pct(t_query, n, 50),
	       pct(t_query, n, 90), pct(t_query, n, 99), t_query[n - 1]);
	printf("register_search  %7.2f ms %7.2f ms %7.2f ms %7.2f ms\n", pct(t_reg, n, 50),
	       pct(t_reg, n, 90), pct(t_reg, n, 99), t_reg[n - 1]);
	printf("search_query CPU %7.2f ms %7.2f ms %7.2f ms %7.2f ms  (this process's CPU time%s)\n",
	       pct(c_query, n, 50), pct(c_query, n, 90), pct(c_query, n, 99), c_query[n - 1],
	       db_get_backend(d) == DB_BACKEND_POSTGRES ? "; the server's is not in it" : "");
	printf("slowest:  ");
	for (size_t k = 0; k < G_N_ELEMENTS(worst); k++) {
		if (!worst[k].q)
			continue;
		printf("%s\"%s\" %.1f ms (%" G_GINT64_FORMAT " hits)", k ? "; " : "", worst[k].q,
		       worst[k].ms, worst[k].hits);
		g_free(worst[k].q);
	}
	printf("\n");
	printf("RESULT {\"backend\": \"%s\", \"people\": %" G_GINT64_FORMAT
	       ", \"entries\": %" G_GINT64_FORMAT ", \"index_usable\": %d, \"queries\": %d, "
	       "\"hits_mean\": %.1f, \"query_p50\": %.3f, \"query_p90\": %.3f, \"query_p99\": %.3f, "
	       "\"query_max\": %.3f, \"register_p50\": %.3f, \"register_p90\": %.3f, "
	       "\"register_p99\": %.3f, \"register_max\": %.3f, \"query_cpu_p50\": %.3f, "
	       "\"query_cpu_p99\": %.3f, \"broad\": %" G_GINT64_FORMAT "}\n",
	       db_get_backend(d) == DB_BACKEND_POSTGRES ? "postgres" : "sqlite", people, n_entries,
	       usable, a.queries, (double)hits_sum / a.queries, pct(t_query, n, 50),
	       pct(t_query, n, 90), pct(t_query, n, 99), t_query[n - 1], pct(t_reg, n, 50),
	       pct(t_reg, n, 90), pct(t_reg, n, 99), t_reg[n - 1], pct(c_query, n, 50),
	       pct(c_query, n, 99), broad);
	g_free(t_query);
	g_free(t_reg);
	g_free(c_query);
	g_rand_free(r);
	g_free(a.database);
	g_free(a.region);
	db_close(d);
	return 0;
}
