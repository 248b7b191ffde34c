/*
 * test_sheet.c — the export writer (src/out/sheet.c): CSV as German Excel
 * opens it (BOM, `;`, CRLF, formula-safe, days as TT.MM.JJJJ) and XLSX with
 * a bold frozen header, an autofilter, fitted column widths and real date
 * cells, checked in the workbook's XML parts and by reading it back with
 * the XLSX reader and by LibreOffice (when installed).
 */
#include <glib/gstdio.h>
#include <string.h>
#include <zip.h>

#include "core/csv.h"
#include "core/xlsx.h"
#include "out/sheet.h"

static const sheet_column cols[] = {
	{"Name", SHEET_TEXT, 0},
	{"Anzahl", SHEET_INT, 0},
	{"Geboren am", SHEET_DAY, 0},
	{"Bemerkung", SHEET_TEXT, 30},
};

static GBytes *write_all(sheet_format f, const char *title, const char *const rows[][4],
			 size_t n)
{
	g_autoptr(GError) err = NULL;
	sheet_writer *w = sheet_writer_new(f, title, cols, G_N_ELEMENTS(cols), &err);
	g_assert_no_error(err);
	g_assert_nonnull(w);
	for (size_t i = 0; i < n; i++) {
		g_assert_cmpint(sheet_writer_row(w, rows[i], 4, &err), ==, 0);
		g_assert_no_error(err);
	}
	GBytes *b = sheet_writer_finish(w, &err);
	g_assert_no_error(err);
	g_assert_nonnull(b);
	return b;
}

static const char *const sample[][4] = {
	{"Müller-Lüdenscheidt, Jürgen", "42", "1970-01-31", "Straße; \"Ecke\""},
	{"=HYPERLINK(\"http://x\")", "-5", "", "+49 203 123"},
	{"", "", "2024-02-29", NULL},
	{"Ärztin", "007", "31.12.2020", "@home\nzweite Zeile"},
};

static void test_csv(void)
{
	g_autoptr(GBytes) b = write_all(SHEET_CSV, "Personen", sample, G_N_ELEMENTS(sample));
	gsize len;
	const char *s = g_bytes_get_data(b, &len);
	g_autofree char *text = g_strndup(s, len);

	g_assert_true(g_str_has_prefix(text, CSV_UTF8_BOM "Name;Anzahl;Geboren am;Bemerkung\r\n"));
	g_assert_nonnull(strstr(text, "\r\nMüller-Lüdenscheidt, Jürgen;42;31.01.1970;"
				      "\"Straße; \"\"Ecke\"\"\"\r\n"));
	/* A formula is defused; a negative number in a number column is data. */
	g_assert_nonnull(strstr(text, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\";-5;;\"'+49 203 123\"\r\n"));
	g_assert_nonnull(strstr(text, "\r\n;;29.02.2024;\r\n"));
	/* Not a number / not a day: kept as text. */
	g_assert_nonnull(strstr(text, "\r\nÄrztin;007;31.12.2020;\"'@home\nzweite Zeile\"\r\n"));

	g_autoptr(GError) err = NULL;
	g_autoptr(csv_table) t = csv_parse(s, len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->records->len, ==, 5);
	g_assert_cmpstr(sheet_media_type(SHEET_CSV), ==, "text/csv; charset=utf-8");
	g_assert_cmpstr(sheet_extension(SHEET_CSV), ==, "csv");
}

/* The text of one part of a zip in memory. */
static char *zip_part(GBytes *b, const char *name)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	g_assert_nonnull(z);
	zip_stat_t st;
	g_assert_cmpint(zip_stat(z, name, 0, &st), ==, 0);
	zip_file_t *f = zip_fopen(z, name, 0);
	g_assert_nonnull(f);
	char *out = g_malloc0(st.size + 1);
	g_assert_cmpint(zip_fread(f, out, st.size), ==, (zip_int64_t)st.size);
	zip_fclose(f);
	zip_discard(z);
	return out;
}

static csv_record *rec(const csv_table *t, guint i)
{
	g_assert_cmpuint(i, <, t->records->len);
	return g_ptr_array_index(t->records, i);
}

static void test_xlsx(void)
{
	g_autoptr(GBytes) b = write_all(SHEET_XLSX,
					"Personen der Region: Duisburg [2024] und Umgebung", sample,
					G_N_ELEMENTS(sample));
	g_assert_cmpstr(sheet_extension(SHEET_XLSX), ==, "xlsx");
	g_assert_cmpstr(sheet_media_type(SHEET_XLSX), ==,
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");

	g_autofree char *wb = zip_part(b, "xl/workbook.xml");
	/* 31 characters at most, without : [ ]. */
	g_assert_nonnull(strstr(wb, "name=\"Personen der Region_ Duisburg _\""));
	g_autofree char *ws = zip_part(b, "xl/worksheets/sheet1.xml");
	g_assert_nonnull(strstr(ws, "<pane ySplit=\"1\""));
	g_assert_nonnull(strstr(ws, "<autoFilter ref=\"A1:D5\""));
	g_assert_nonnull(strstr(ws, "<cols>"));
	/* Fitted: the long name (27 characters) widens column A; D is 30 as asked. */
	g_assert_nonnull(strstr(ws, "<col min=\"1\" max=\"1\" width=\"28.7"));
	g_assert_nonnull(strstr(ws, "<col min=\"4\" max=\"4\" width=\"30.7"));
	/* Text is never a formula. */
	g_assert_null(strstr(ws, "<f>"));
	g_autofree char *styles = zip_part(b, "xl/styles.xml");
	g_assert_nonnull(strstr(styles, "formatCode=\"DD.MM.YYYY\""));
	g_assert_nonnull(strstr(styles, "<b/>"));

	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) err = NULL;
	g_autoptr(csv_table) t = xlsx_read(data, len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->records->len, ==, 5);
	g_assert_cmpstr(rec(t, 0)->fields[2], ==, "Geboren am");
	g_assert_cmpstr(rec(t, 1)->fields[0], ==, "Müller-Lüdenscheidt, Jürgen");
	g_assert_cmpstr(rec(t, 1)->fields[1], ==, "42");
	g_assert_cmpstr(rec(t, 1)->fields[2], ==, "1970-01-31");
	g_assert_cmpstr(rec(t, 1)->fields[3], ==, "Straße; \"Ecke\"");
	g_assert_cmpstr(rec(t, 2)->fields[0], ==, "=HYPERLINK(\"http://x\")");
	g_assert_cmpstr(rec(t, 2)->fields[1], ==, "-5");
	g_assert_cmpstr(rec(t, 2)->fields[2], ==, "");
	g_assert_cmpstr(rec(t, 2)->fields[3], ==, "+49 203 123");
	/* Row 4: two empty cells, a date, a NULL: the trailing NULL is dropped. */
	g_assert_cmpuint(rec(t, 3)->n, ==, 3);
	g_assert_cmpstr(rec(t, 3)->fields[0], ==, "");
	g_assert_cmpstr(rec(t, 3)->fields[2], ==, "2024-02-29");
	g_assert_cmpstr(rec(t, 4)->fields[1], ==, "007");
	g_assert_cmpstr(rec(t, 4)->fields[2], ==, "31.12.2020");
	g_assert_cmpstr(rec(t, 4)->fields[3], ==, "@home\nzweite Zeile");
	g_assert_cmpuint(rec(t, 4)->line, ==, 5);
}

/* Streaming: 10,000 rows come back in order. */
static void test_many_rows(void)
{
	g_autoptr(GError) err = NULL;
	sheet_writer *w = sheet_writer_new(SHEET_XLSX, NULL, cols, 4, &err);
	g_assert_no_error(err);
	for (int i = 0; i < 10000; i++) {
		g_autofree char *name = g_strdup_printf("Person %d äöü", i);
		g_autofree char *n = g_strdup_printf("%d", i * 7);
		g_autofree char *day = g_strdup_printf("19%02d-%02d-%02d", 30 + i % 70, 1 + i % 12,
						       1 + i % 28);
		const char *row[] = {name, n, day, i % 3 ? "" : "x"};
		g_assert_cmpint(sheet_writer_row(w, row, 4, &err), ==, 0);
	}
	g_autoptr(GBytes) b = sheet_writer_finish(w, &err);
	g_assert_no_error(err);
	g_autofree char *wb = zip_part(b, "xl/workbook.xml");
	g_assert_nonnull(strstr(wb, "name=\"Tabelle1\""));

	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	g_autoptr(csv_table) t = xlsx_read(data, len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->records->len, ==, 10001);
	for (int i = 0; i < 10000; i += 997) {
		csv_record *r = rec(t, (guint)i + 1);
		g_autofree char *name = g_strdup_printf("Person %d äöü", i);
		g_autofree char *n = g_strdup_printf("%d", i * 7);
		g_autofree char *day = g_strdup_printf("19%02d-%02d-%02d", 30 + i % 70, 1 + i % 12,
						       1 + i % 28);
		g_assert_cmpuint(r->line, ==, (size_t)i + 2);
		g_assert_cmpstr(r->fields[0], ==, name);
		g_assert_cmpstr(r->fields[1], ==, n);
		g_assert_cmpstr(r->fields[2], ==, day);
		g_assert_cmpuint(r->n, ==, i % 3 ? 3 : 4);
	}
}

/* Text that Excel cannot hold: invalid UTF-8 is repaired, over 32,767
 * characters cut; an abandoned writer leaves no file behind. */
static void test_edges(void)
{
	g_autoptr(GError) err = NULL;
	sheet_column one[] = {{"Text", SHEET_TEXT, 0}};
	sheet_writer *w = sheet_writer_new(SHEET_XLSX, "''", one, 1, &err);
	g_assert_no_error(err);
	g_autofree char *longtext = g_strnfill(40000, 'a');
	const char *r1[] = {"ab\xFF" "cd"};
	const char *r2[] = {longtext};
	const char *r3[] = {"Tab\tund\x01Steuerzeichen"};
	g_assert_cmpint(sheet_writer_row(w, r1, 1, &err), ==, 0);
	g_assert_cmpint(sheet_writer_row(w, r2, 1, &err), ==, 0);
	g_assert_cmpint(sheet_writer_row(w, r3, 1, &err), ==, 0);
	g_autoptr(GBytes) b = sheet_writer_finish(w, &err);
	g_assert_no_error(err);
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	g_autoptr(csv_table) t = xlsx_read(data, len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(rec(t, 1)->fields[0], ==, "ab\xEF\xBF\xBD" "cd");
	g_assert_cmpuint(strlen(rec(t, 2)->fields[0]), ==, 32767);
	g_assert_cmpstr(rec(t, 3)->fields[0], ==, "Tab\tund\x01Steuerzeichen");

	/* Freed without finishing. */
	sheet_writer *w2 = sheet_writer_new(SHEET_XLSX, "x", one, 1, &err);
	g_assert_no_error(err);
	g_assert_cmpint(sheet_writer_row(w2, r1, 1, &err), ==, 0);
	sheet_writer_free(w2);
	sheet_writer *w3 = sheet_writer_new(SHEET_CSV, "x", one, 1, &err);
	sheet_writer_free(w3);
}

/* LibreOffice opens what we write: converted back to CSV, the dates show
 * as TT.MM.JJJJ, numbers as numbers, and a formula-like name stays text. */
static void test_libreoffice(void)
{
	g_autofree char *soffice = g_find_program_in_path("soffice");
	if (!soffice) {
		g_test_skip("soffice (libreoffice-calc-nogui) is not installed");
		return;
	}
	g_autoptr(GBytes) b = write_all(SHEET_XLSX, "Personen", sample, G_N_ELEMENTS(sample));
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("bireg-sheet-XXXXXX", &err);
	g_assert_no_error(err);
	g_autofree char *xlsx = g_build_filename(dir, "export.xlsx", NULL);
	g_autofree char *csv = g_build_filename(dir, "export.csv", NULL);
	g_autofree char *home_env = g_strconcat("HOME=", dir, "/home", NULL);
	g_assert_true(g_file_set_contents(xlsx, g_bytes_get_data(b, NULL),
					  (gssize)g_bytes_get_size(b), &err));
	const char *argv[] = {soffice, "--headless", "--convert-to",
			      "csv:Text - txt - csv (StarCalc):59,34,76,1", "--outdir", dir, xlsx, NULL};
	const char *envp[] = {home_env, "PATH=/usr/bin:/bin", NULL};
	g_autofree char *out = NULL, *errout = NULL;
	int status = 0;
	g_assert_true(g_spawn_sync(dir, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
				   &out, &errout, &status, &err));
	g_autofree char *text = NULL;
	if (!g_file_get_contents(csv, &text, NULL, NULL)) {
		g_test_message("soffice: %s %s", out, errout);
		g_assert_not_reached();
	}
	g_test_message("%s", text);
	g_assert_true(g_str_has_prefix(text, "\"Name\";\"Anzahl\";\"Geboren am\";\"Bemerkung\"\n"));
	g_assert_nonnull(strstr(text, "\n\"Müller-Lüdenscheidt, Jürgen\";42;31.01.1970;"));
	g_assert_nonnull(strstr(text, "\n\"=HYPERLINK(\"\"http://x\"\")\";-5;;\"+49 203 123\"\n"));
	g_assert_nonnull(strstr(text, "\n;;29.02.2024;\n"));
	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(rm), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sheet/csv", test_csv);
	g_test_add_func("/sheet/xlsx", test_xlsx);
	g_test_add_func("/sheet/many-rows", test_many_rows);
	g_test_add_func("/sheet/edges", test_edges);
	g_test_add_func("/sheet/libreoffice", test_libreoffice);
	return g_test_run();
}
