/*
 * bench_sheet.c — the list export at the size: 100,000 made-up
 * people of 12 columns (text, an integer, a birthday) written to XLSX and
 * to CSV through src/out/sheet.c, then the XLSX read back through
 * tabular_read (the importer's path). A benchmark, not a test: it checks
 * only that the row count survives the round trip.
 *
 *   bench_sheet [--rows N] [--out DIR]
 *
 * For each step it prints the wall and CPU time, the size of the file and the peak
 * resident set of the process after the step (getrusage: ru_maxrss only
 * grows, so a step's figure is the maximum so far). --out keeps the files
 * (bench.xlsx, bench.csv) there. Last line: "RESULT {json}".
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "core/tabular.h"
#include "out/sheet.h"

/* CPU seconds (user + system) so far: on a busy machine a fairer figure
 * than the wall time. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static const char *first[] = {"Anna", "Jürgen", "Ayşe", "Björn", "Chantal", "Dieter", "Elif",
			      "Frank", "Gül", "Hans-Peter", "Ingrid", "Jörg", "Katarzyna", "Lukas",
			      "Mehmet", "Nora", "Özlem", "Paul", "Renate", "Stefan"};
static const char *last[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
			     "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Yılmaz",
			     "Kaya", "Nowak", "Öztürk", "Weiß", "Groß", "Krüger", "Lehmann"};
static const char *towns[] = {"Duisburg", "Oberhausen", "Mülheim an der Ruhr", "Moers", "Dinslaken"};
static const char *roles[] = {"Schulleitung", "Lehrkraft", "Schulsozialarbeit", "Elternvertretung",
			      "Jugendamt", "Bildungsbüro"};

static const sheet_column columns[] = {
	{"Nr.", SHEET_INT, 0},       {"Vorname", SHEET_TEXT, 0},  {"Nachname", SHEET_TEXT, 0},
	{"E-Mail", SHEET_TEXT, 0},   {"Telefon", SHEET_TEXT, 0},  {"Straße", SHEET_TEXT, 0},
	{"PLZ", SHEET_TEXT, 0},      {"Ort", SHEET_TEXT, 0},      {"Institution", SHEET_TEXT, 0},
	{"Funktion", SHEET_TEXT, 0}, {"Geboren am", SHEET_DAY, 0}, {"Bemerkung", SHEET_TEXT, 0},
};

static GBytes *write_sheet(sheet_format f, int rows, GError **err)
{
	g_autoptr(sheet_writer) w = sheet_writer_new(f, "Personen", columns, G_N_ELEMENTS(columns),
						     err);
	GRand *rand = g_rand_new_with_seed(42);
	if (!w)
		return NULL;
	for (int i = 0; i < rows; i++) {
		const char *fn = first[g_rand_int_range(rand, 0, G_N_ELEMENTS(first))];
		const char *ln = last[g_rand_int_range(rand, 0, G_N_ELEMENTS(last))];
		char nr[16], mail[96], phone[32], street[64], plz[8], inst[64], born[16];
		g_snprintf(nr, sizeof nr, "%d", i + 1);
		g_snprintf(mail, sizeof mail, "person%d@schule-%d.example.org", i + 1, i % 136);
		g_snprintf(phone, sizeof phone, "+49 203 %07d", g_rand_int_range(rand, 0, 9999999));
		g_snprintf(street, sizeof street, "Königstraße %d", g_rand_int_range(rand, 1, 200));
		g_snprintf(plz, sizeof plz, "47%03d", g_rand_int_range(rand, 0, 1000));
		g_snprintf(inst, sizeof inst, "Gesamtschule Duisburg-Nord %d", i % 136);
		g_snprintf(born, sizeof born, "%04d-%02d-%02d", g_rand_int_range(rand, 1950, 2005),
			   g_rand_int_range(rand, 1, 13), g_rand_int_range(rand, 1, 29));
		const char *row[] = {nr,
				     fn,
				     ln,
				     mail,
				     phone,
				     street,
				     plz,
				     towns[i % G_N_ELEMENTS(towns)],
				     inst,
				     roles[i % G_N_ELEMENTS(roles)],
				     born,
				     i % 7 ? "" : "Ansprechperson für den Übergang Schule–Beruf"};
		if (sheet_writer_row(w, row, G_N_ELEMENTS(row), err) < 0) {
			g_rand_free(rand);
			return NULL;
		}
	}
	g_rand_free(rand);
	return sheet_writer_finish(g_steal_pointer(&w), err);
}

int main(int argc, char **argv)
{
	int rows = 100000;
	const char *out = NULL;
	g_autoptr(GError) err = NULL;
	double t_xlsx, t_csv, t_read, c_xlsx, c_csv, c_read, c0;
	long rss_xlsx, rss_csv, rss_read;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = atoi(argv[++i]);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else {
			fprintf(stderr, "usage: bench_sheet [--rows N] [--out DIR]\n");
			return 2;
		}
	}
	printf("rows:      %d of %zu columns\n", rows, G_N_ELEMENTS(columns));
	printf("start:     peak RSS %ld MB\n", peak_rss_kb() / 1024);

	gint64 t0 = g_get_monotonic_time();
	c0 = cpu_s();
	g_autoptr(GBytes) xlsx = write_sheet(SHEET_XLSX, rows, &err);
	t_xlsx = (g_get_monotonic_time() - t0) / 1e6;
	c_xlsx = cpu_s() - c0;
	if (!xlsx) {
		fprintf(stderr, "bench_sheet: XLSX: %s\n", err->message);
		return 1;
	}
	rss_xlsx = peak_rss_kb();
	printf("xlsx:      %.2f s (CPU %.2f s), %.1f MB, peak RSS %ld MB\n", t_xlsx, c_xlsx,
	       g_bytes_get_size(xlsx) / 1048576.0, rss_xlsx / 1024);

	t0 = g_get_monotonic_time();
	c0 = cpu_s();
	g_autoptr(GBytes) csv = write_sheet(SHEET_CSV, rows, &err);
	t_csv = (g_get_monotonic_time() - t0) / 1e6;
	c_csv = cpu_s() - c0;
	if (!csv) {
		fprintf(stderr, "bench_sheet: CSV: %s\n", err->message);
		return 1;
	}
	rss_csv = peak_rss_kb();
	printf("csv:       %.2f s (CPU %.2f s), %.1f MB, peak RSS %ld MB\n", t_csv, c_csv,
	       g_bytes_get_size(csv) / 1048576.0, rss_csv / 1024);

	t0 = g_get_monotonic_time();
	c0 = cpu_s();
	gsize len;
	const char *data = g_bytes_get_data(xlsx, &len);
	tabular t = {0};
	if (tabular_read(data, len, NULL, &t, &err) < 0) {
		fprintf(stderr, "bench_sheet: reading the XLSX: %s\n", err->message);
		return 1;
	}
	t_read = (g_get_monotonic_time() - t0) / 1e6;
	c_read = cpu_s() - c0;
	rss_read = peak_rss_kb();
	printf("read xlsx: %.2f s (CPU %.2f s), %u records, peak RSS %ld MB\n", t_read, c_read,
	       t.table->records->len,
	       rss_read / 1024);
	if (t.table->records->len != (guint)rows + 1) {
		fprintf(stderr, "bench_sheet: read %u records, wrote %d and a header\n",
			t.table->records->len, rows);
		return 1;
	}
	tabular_clear(&t);

	if (out) {
		g_autofree char *px = g_build_filename(out, "bench.xlsx", NULL);
		g_autofree char *pc = g_build_filename(out, "bench.csv", NULL);
		if (!g_file_set_contents(px, data, (gssize)len, &err) ||
		    !g_file_set_contents(pc, g_bytes_get_data(csv, NULL),
					 (gssize)g_bytes_get_size(csv), &err)) {
			fprintf(stderr, "bench_sheet: %s\n", err->message);
			return 1;
		}
	}
	printf("RESULT {\"rows\": %d, \"xlsx_s\": %.3f, \"xlsx_cpu_s\": %.3f, \"xlsx_mb\": %.1f, "
	       "\"xlsx_rss_mb\": %ld, \"csv_s\": %.3f, \"csv_cpu_s\": %.3f, \"csv_mb\": %.1f, "
	       "\"csv_rss_mb\": %ld, \"read_s\": %.3f, \"read_cpu_s\": %.3f, \"read_rss_mb\": %ld}\n",
	       rows, t_xlsx, c_xlsx, g_bytes_get_size(xlsx) / 1048576.0, rss_xlsx / 1024, t_csv,
	       c_csv, g_bytes_get_size(csv) / 1048576.0, rss_csv / 1024, t_read, c_read,
	       rss_read / 1024);
	return 0;
}
