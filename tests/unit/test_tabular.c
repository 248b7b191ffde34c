/*
 * test_tabular.c — every uploaded table goes through tabular_read
 * (src/core/tabular.c): format detection by content, UTF-8 / Windows-1252 /
 * UTF-16 text, the separator found in the first line or Excel's `sep=`
 * line, binary garbage and other spreadsheet formats refused with their own
 * codes, and the UI messages naming the line (German and English). The NRW
 * school directory is read whole, as UTF-8 and converted to Windows-1252.
 */
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <zip.h>

#include "core/tabular.h"
#include "core/xlsx.h"
#include "out/sheet.h"
#include "view/i18n.h"

static csv_record *rec(const tabular *t, guint i)
{
	g_assert_cmpuint(i, <, t->table->records->len);
	return g_ptr_array_index(t->table->records, i);
}

static void read_ok(const char *data, size_t len, const tabular_options *opt, tabular *t)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(tabular_read(data, len, opt, t, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_nonnull(t->table);
}

static GError *read_fail(const char *data, size_t len, const tabular_options *opt)
{
	GError *err = NULL;
	tabular t = {0};
	g_assert_cmpint(tabular_read(data, len, opt, &t, &err), ==, -1);
	g_assert_null(t.table);
	g_assert_nonnull(err);
	return err;
}

static void test_separators(void)
{
	tabular t = {0};
	const char *semi = "Name;Ort\n\"Müller, Anna\";Duisburg\n";
	read_ok(semi, strlen(semi), NULL, &t);
	g_assert_cmpint(t.format, ==, TABULAR_CSV);
	g_assert_cmpstr(t.encoding, ==, "utf-8");
	g_assert_cmpint(t.separator, ==, ';');
	g_assert_cmpuint(rec(&t, 1)->n, ==, 2);
	g_assert_cmpstr(rec(&t, 1)->fields[0], ==, "Müller, Anna");
	tabular_clear(&t);

	/* A comma file: the commas inside the quotes of the first line do not count. */
	const char *comma = "\"a;b;c\",Name,Ort\r\n1,\"Meier; Hans\",Essen\r\n";
	read_ok(comma, strlen(comma), NULL, &t);
	g_assert_cmpint(t.separator, ==, ',');
	g_assert_cmpuint(rec(&t, 0)->n, ==, 3);
	g_assert_cmpstr(rec(&t, 0)->fields[0], ==, "a;b;c");
	g_assert_cmpstr(rec(&t, 1)->fields[1], ==, "Meier; Hans");
	tabular_clear(&t);

	const char *tab = "Name\tOrt\tPLZ\nA\tB\t47051\n";
	read_ok(tab, strlen(tab), NULL, &t);
	g_assert_cmpint(t.separator, ==, '\t');
	g_assert_cmpstr(rec(&t, 1)->fields[2], ==, "47051");
	tabular_clear(&t);

	/* A tie (one of each): `;` wins; none at all: `;`. */
	const char *tie = "a;b,c\n";
	read_ok(tie, strlen(tie), NULL, &t);
	g_assert_cmpint(t.separator, ==, ';');
	g_assert_cmpuint(rec(&t, 0)->n, ==, 2);
	tabular_clear(&t);
	const char *one = "Name\nAnna\n";
	read_ok(one, strlen(one), NULL, &t);
	g_assert_cmpint(t.separator, ==, ';');
	tabular_clear(&t);

	/* Excel's sep= line names the separator, even against the counts; the
	 * line numbers count it. */
	const char *sep = CSV_UTF8_BOM "sep=,\na;b,c;d\n1;2,3;4\n";
	read_ok(sep, strlen(sep), NULL, &t);
	g_assert_cmpint(t.separator, ==, ',');
	g_assert_true(t.table->had_sep_line);
	g_assert_cmpuint(rec(&t, 0)->n, ==, 2);
	g_assert_cmpstr(rec(&t, 0)->fields[1], ==, "c;d");
	g_assert_cmpuint(rec(&t, 1)->line, ==, 3);
	tabular_clear(&t);

	/* The trailing stray separator, dropped on request. */
	const char *stray = "a;b;\n1;2\n";
	tabular_options o = {.drop_trailing_empty = true};
	read_ok(stray, strlen(stray), &o, &t);
	g_assert_cmpuint(rec(&t, 0)->n, ==, 2);
	tabular_clear(&t);
	read_ok(stray, strlen(stray), NULL, &t);
	g_assert_cmpuint(rec(&t, 0)->n, ==, 3);
	tabular_clear(&t);
}

static void test_encodings(void)
{
	tabular t = {0};
	/* Windows-1252: ä ö ü ß € as single bytes. */
	const char *cp = "Name;Ort\nM\xFCller;K\xF6ln\nStra\xDF" "e;\x80 5\n";
	read_ok(cp, strlen(cp), NULL, &t);
	g_assert_cmpstr(t.encoding, ==, "windows-1252");
	g_assert_cmpstr(rec(&t, 1)->fields[0], ==, "Müller");
	g_assert_cmpstr(rec(&t, 1)->fields[1], ==, "Köln");
	g_assert_cmpstr(rec(&t, 2)->fields[0], ==, "Straße");
	g_assert_cmpstr(rec(&t, 2)->fields[1], ==, "€ 5");
	tabular_clear(&t);

	/* UTF-8 with a BOM. */
	const char *bom = CSV_UTF8_BOM "Name\nÄrger\n";
	read_ok(bom, strlen(bom), NULL, &t);
	g_assert_cmpstr(t.encoding, ==, "utf-8");
	g_assert_cmpstr(rec(&t, 0)->fields[0], ==, "Name");
	tabular_clear(&t);

	/* Excel's "Unicode text": UTF-16LE with BOM and tabs. */
	gsize n = 0;
	g_autofree char *u16 = g_convert("\xEF\xBB\xBFName\tOrt\r\nJörg\tDüren\r\n", -1, "UTF-16LE",
					 "UTF-8", NULL, &n, NULL);
	g_assert_nonnull(u16);
	g_assert_cmpuint((guchar)u16[0], ==, 0xFF);
	read_ok(u16, n, NULL, &t);
	g_assert_cmpstr(t.encoding, ==, "utf-16");
	g_assert_cmpint(t.separator, ==, '\t');
	g_assert_cmpstr(rec(&t, 1)->fields[0], ==, "Jörg");
	g_assert_cmpstr(rec(&t, 1)->fields[1], ==, "Düren");
	tabular_clear(&t);
}

static void test_bad_files(void)
{
	g_autoptr(GError) e1 = read_fail("", 0, NULL);
	g_assert_error(e1, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY);
	g_autoptr(GError) e2 = read_fail("\n\r\n\n", 4, NULL);
	g_assert_error(e2, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY);

	/* A NUL byte on line 3. */
	const char nul[] = "a;b\n1;2\n3;\0;4\n";
	g_autoptr(GError) e3 = read_fail(nul, sizeof nul - 1, NULL);
	g_assert_error(e3, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT);
	g_assert_true(g_str_has_prefix(e3->message, "line 3:"));

	/* Old Excel, OpenDocument, a zip of something else. */
	const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
	g_autoptr(GError) e4 = read_fail(xls, sizeof xls - 1, NULL);
	g_assert_error(e4, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT);
	g_assert_nonnull(strstr(e4->message, "XLSX or CSV"));

	const char ods[] = "PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0"
			   "mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
	g_autoptr(GError) e5 = read_fail(ods, sizeof ods - 1, NULL);
	g_assert_error(e5, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT);
	g_assert_nonnull(strstr(e5->message, ".ods"));

	/* A CSV that breaks: the CSV error with its line comes through. */
	const char *open = "a;b\n1;2\n\"never closed;3\n4;5\n";
	g_autoptr(GError) e6 = read_fail(open, strlen(open), NULL);
	g_assert_error(e6, BIREG_CSV_ERROR, CSV_ERROR_UNTERMINATED);
	g_assert_true(g_str_has_prefix(e6->message, "line 3:"));

	/* Too large; too many records. */
	tabular_options small = {.max_bytes = 10};
	g_autoptr(GError) e7 = read_fail("a;b\n1;2\n3;4\n", 12, &small);
	g_assert_error(e7, BIREG_TABULAR_ERROR, TABULAR_ERROR_TOO_LARGE);
	tabular_options few = {.max_records = 2};
	g_autoptr(GError) e8 = read_fail("a\nb\nc\n", 6, &few);
	g_assert_error(e8, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);

	/* Bytes that are not Windows-1252 either (0x81 is unassigned). */
	const char *bad = "a;b\n\x81\x8D;x\n";
	g_autoptr(GError) e9 = read_fail(bad, strlen(bad), NULL);
	g_assert_error(e9, BIREG_CSV_ERROR, CSV_ERROR_ENCODING);
	g_assert_true(g_str_has_prefix(e9->message, "line 2:"));

	/* A UTF-8 byte order mark, then a Windows-1252 umlaut on line 3. */
	const char *mixed = CSV_UTF8_BOM "a;b\nÄ;1\n\xC4;2\n";
	g_autoptr(GError) e10 = read_fail(mixed, strlen(mixed), NULL);
	g_assert_error(e10, BIREG_CSV_ERROR, CSV_ERROR_ENCODING);
	g_assert_true(g_str_has_prefix(e10->message, "line 3:"));
}

/* 50 MB of random bytes: refused at once, not after a quadratic scan. Also
 * random bytes behind a zip's magic, and a text with many control bytes. */
static void test_garbage(void)
{
	size_t len = 50 * 1024 * 1024;
	g_autofree char *buf = g_malloc(len);
	GRand *rand = g_rand_new_with_seed(8);
	for (size_t i = 0; i < len; i += 4) {
		guint32 v = g_rand_int(rand);
		memcpy(buf + i, &v, 4);
	}
	g_rand_free(rand);

	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GError) e1 = read_fail(buf, len, NULL);
	g_assert_error(e1, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT);

	/* Without NUL bytes the control bytes give it away. */
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = 1;
	g_autoptr(GError) e2 = read_fail(buf, len, NULL);
	g_assert_error(e2, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT);

	/* Printable garbage without controls: Windows-1252 "text" that parses
	 * or fails as CSV, but fast either way. */
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(0x20 + ((unsigned char)buf[i] % 0x5E));
	tabular t = {0};
	g_autoptr(GError) e3 = NULL;
	(void)tabular_read(buf, len, NULL, &t, &e3);
	tabular_clear(&t);

	memcpy(buf, "PK\x03\x04", 4);
	g_autoptr(GError) e4 = read_fail(buf, len, NULL);
	g_assert_error(e4, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	g_test_message("50 MB of garbage four times: %" G_GINT64_FORMAT " ms", ms);
	g_assert_cmpint(ms, <, 20000);

	/* A few control bytes in a real text are tolerated. */
	const char *few = "a;b\n\x0B;x\n\x1F;y\n";
	tabular t2 = {0};
	read_ok(few, strlen(few), NULL, &t2);
	tabular_clear(&t2);
}

/* An XLSX made by the sheet writer goes the XLSX way. */
static void test_xlsx_detected(void)
{
	sheet_column cols[] = {{"Name", SHEET_TEXT, 0}, {"Geburtstag", SHEET_DAY, 0}};
	g_autoptr(GError) err = NULL;
	sheet_writer *w = sheet_writer_new(SHEET_XLSX, "Personen", cols, 2, &err);
	g_assert_no_error(err);
	const char *row[] = {"Özdemir", "1980-02-29"};
	g_assert_cmpint(sheet_writer_row(w, row, 2, &err), ==, 0);
	g_autoptr(GBytes) b = sheet_writer_finish(w, &err);
	g_assert_no_error(err);

	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	tabular t = {0};
	read_ok(data, len, NULL, &t);
	g_assert_cmpint(t.format, ==, TABULAR_XLSX);
	g_assert_cmpint(t.separator, ==, 0);
	g_assert_cmpstr(t.encoding, ==, "utf-8");
	g_assert_cmpuint(t.table->records->len, ==, 2);
	g_assert_cmpstr(rec(&t, 1)->fields[0], ==, "Özdemir");
	g_assert_cmpstr(rec(&t, 1)->fields[1], ==, "1980-02-29");
	g_assert_cmpuint(rec(&t, 1)->line, ==, 2);
	tabular_clear(&t);

	/* Cut short: not a valid workbook. */
	g_autoptr(GError) e1 = read_fail(data, len / 2, NULL);
	g_assert_error(e1, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);

	/* A zip without a workbook in it. */
	g_autoptr(GError) ze = NULL;
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &zerr);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &zerr);
	g_assert_nonnull(z);
	const char *doc = "<w:document/>";
	zip_source_t *s = zip_source_buffer(z, doc, strlen(doc), 0);
	g_assert_cmpint(zip_file_add(z, "word/document.xml", s, 0), >=, 0);
	g_assert_cmpint(zip_close(z), ==, 0);
	zip_source_open(src);
	zip_source_seek(src, 0, SEEK_END);
	zip_int64_t zlen = zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	g_autofree char *zbuf = g_malloc((gsize)zlen);
	g_assert_cmpint(zip_source_read(src, zbuf, (zip_uint64_t)zlen), ==, zlen);
	zip_source_close(src);
	zip_source_free(src);
	g_autoptr(GError) e2 = read_fail(zbuf, (size_t)zlen, NULL);
	g_assert_error(e2, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT);
}

static char *shared_file(const char *name)
{
	const char *root = g_getenv("BIREG_SOURCE_ROOT");
	return g_build_filename(root ? root : ".", "..", "shared", "data", name, NULL);
}

/* The NRW school directory: 5,486 schools and the header of 23 fields,
 * read as UTF-8 and, converted, as Windows-1252 with the same fields. */
static void test_nrw(void)
{
	g_autofree char *path = shared_file("schuldaten_nrw_2022-06.csv");
	g_autoptr(GError) err = NULL;
	tabular_options opt = {.drop_trailing_empty = true};
	tabular t = {0}, w = {0};

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/data is not beside the source tree");
		return;
	}
	g_assert_cmpint(tabular_read_file(path, &opt, &t, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(t.table->records->len, ==, 5487);
	g_assert_cmpuint(rec(&t, 0)->n, ==, 23);
	g_assert_cmpstr(rec(&t, 0)->fields[0], ==, "Schulnummer");
	g_assert_cmpstr(t.encoding, ==, "utf-8");
	g_assert_cmpint(t.separator, ==, ';');

	g_autofree char *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	gsize cplen = 0;
	g_autofree char *cp = g_convert(data, (gssize)len, "WINDOWS-1252", "UTF-8", NULL, &cplen,
					&err);
	g_assert_no_error(err);
	g_assert_false(csv_is_utf8(cp, cplen));
	read_ok(cp, cplen, &opt, &w);
	g_assert_cmpstr(w.encoding, ==, "windows-1252");
	g_assert_cmpuint(w.table->records->len, ==, t.table->records->len);
	for (guint i = 0; i < t.table->records->len; i++) {
		csv_record *a = rec(&t, i), *b = rec(&w, i);
		g_assert_cmpuint(a->line, ==, b->line);
		g_assert_cmpuint(a->n, ==, b->n);
		for (size_t k = 0; k < a->n; k++)
			g_assert_cmpstr(a->fields[k], ==, b->fields[k]);
	}
	tabular_clear(&t);
	tabular_clear(&w);
}

static char *dev_localedir(void)
{
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *tests = g_path_get_dirname(exe);
	g_autofree char *build = g_path_get_dirname(tests);
	return g_build_filename(build, "po", NULL);
}

/* The UI messages: translated, naming the line. */
static void test_messages(void)
{
	g_autofree char *dir = dev_localedir();
	g_autoptr(GError) ierr = NULL;
	if (!i18n_init(dir, &ierr)) {
		g_test_skip(ierr->message);
		return;
	}
	const char *open = "a;b\n1;2\n3;4\n\"x;5\n";
	g_autoptr(GError) e1 = read_fail(open, strlen(open), NULL);

	locale_t prev = uselocale(i18n_locale("de"));
	g_autofree char *de = tabular_error_message(e1);
	g_assert_cmpstr(de, ==, "Zeile 4: Anführungszeichen wird nicht geschlossen (ein \" fehlt).");
	uselocale(i18n_locale("en"));
	g_autofree char *en = tabular_error_message(e1);
	g_assert_cmpstr(en, ==, "Line 4: A quotation mark is never closed (a \" is missing).");

	/* Every code of every domain has a German text. */
	uselocale(i18n_locale("de"));
	struct {
		GQuark domain;
		int code;
		const char *msg;
	} cases[] = {
		{BIREG_CSV_ERROR, CSV_ERROR_ENCODING, "line 2: field 1 is not valid UTF-8"},
		{BIREG_CSV_ERROR, CSV_ERROR_ENCODING, "line 2: the record contains a NUL byte"},
		{BIREG_CSV_ERROR, CSV_ERROR_QUOTE, "line 9: after the closing quote"},
		{BIREG_CSV_ERROR, CSV_ERROR_LIMIT, "line 2: more than 1000 fields in one record"},
		{BIREG_CSV_ERROR, CSV_ERROR_LIMIT, "line 2: a field is longer than 9 bytes"},
		{BIREG_CSV_ERROR, CSV_ERROR_LIMIT, "line 2: more than 9 records"},
		{BIREG_CSV_ERROR, CSV_ERROR_LIMIT, "x: the file is larger than 9 bytes"},
		{BIREG_CSV_ERROR, CSV_ERROR_IO, "x: no such file"},
		{BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT, "line 1: the sep= line"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, "the file is not a valid XLSX workbook"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK, "no workbook"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_BOMB, "an entry of the workbook unpacks to more"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT, "row 9: the worksheet has more than 9 rows"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT, "row 9: a value lies beyond column 1000"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT, "row 9: a cell holds more than 9 bytes"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT, "the workbook has more than 9 shared strings"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
		 "row 9: the worksheet's values add up to more than 16 MB"},
		{BIREG_XLSX_ERROR, XLSX_ERROR_CELL, "row 9: the cell reference"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY, "the file is empty"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT, "line 7: the file contains a NUL byte"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_TOO_LARGE, "the file is larger than 64 MB"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT, "an old Excel workbook (.xls)"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT, "an OpenDocument spreadsheet (.ods)"},
		{BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT, "a zip archive but no XLSX workbook"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) e = g_error_new_literal(cases[i].domain, cases[i].code,
							   cases[i].msg);
		g_autofree char *m = tabular_error_message(e);
		uselocale(i18n_locale("en"));
		g_autofree char *m_en = tabular_error_message(e);
		uselocale(i18n_locale("de"));
		g_test_message("%s -> %s", cases[i].msg, m);
		g_assert_cmpstr(m, !=, m_en); /* translated */
		if (g_str_has_prefix(cases[i].msg, "line ") || g_str_has_prefix(cases[i].msg, "row "))
			g_assert_true(g_str_has_prefix(m, "Zeile "));
		else
			g_assert_false(g_str_has_prefix(m, "Zeile "));
	}
	g_autoptr(GError) big = g_error_new_literal(BIREG_TABULAR_ERROR, TABULAR_ERROR_TOO_LARGE,
						    "the file is larger than 64 MB");
	g_autofree char *bm = tabular_error_message(big);
	g_assert_nonnull(strstr(bm, "64 MB"));
	uselocale(prev);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tabular/separators", test_separators);
	g_test_add_func("/tabular/encodings", test_encodings);
	g_test_add_func("/tabular/bad-files", test_bad_files);
	g_test_add_func("/tabular/garbage", test_garbage);
	g_test_add_func("/tabular/xlsx-detected", test_xlsx_detected);
	g_test_add_func("/tabular/nrw", test_nrw);
	g_test_add_func("/tabular/messages", test_messages);
	return g_test_run();
}
