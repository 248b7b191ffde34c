/*
 * test_csv.c — the delimited-text reader and writer (src/core/csv.c):
 * quoting, doubled quotes, line breaks inside fields, the line numbers a
 * report needs, Excel's BOM and `sep=` line, the stray trailing separator of
 * the NRW school directory, UTF-8 and NUL checks, limits, and the shared
 * files of the project read whole.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "core/csv.h"

/* Parses s with opt and returns the table (asserting success). */
static csv_table *parse_ok(const char *s, const csv_options *opt)
{
	g_autoptr(GError) err = NULL;
	csv_table *t = csv_parse(s, strlen(s), opt, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	return t;
}

static csv_record *rec(const csv_table *t, guint i)
{
	g_assert_cmpuint(i, <, t->records->len);
	return g_ptr_array_index(t->records, i);
}

/* Record i has exactly the fields given (NULL-terminated) and starts on line. */
static void assert_record(const csv_table *t, guint i, size_t line, ...)
{
	csv_record *r = rec(t, i);
	va_list ap;
	size_t n = 0;
	const char *want;

	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL) {
		g_assert_cmpuint(n, <, r->n);
		g_assert_cmpstr(r->fields[n], ==, want);
		n++;
	}
	va_end(ap);
	g_assert_cmpuint(r->n, ==, n);
	g_assert_null(r->fields[n]);
	g_assert_cmpuint(r->line, ==, line);
}

static void test_basic(void)
{
	g_autoptr(csv_table) t = parse_ok("a;b;c\n1;2;3\n", NULL);
	g_assert_cmpuint(t->records->len, ==, 2);
	assert_record(t, 0, 1, "a", "b", "c", NULL);
	assert_record(t, 1, 2, "1", "2", "3", NULL);
	g_assert_cmpint(t->separator, ==, ';');
	g_assert_false(t->had_bom);
	g_assert_false(t->had_sep_line);

	/* No line break at the end; empty fields in every position. */
	g_autoptr(csv_table) u = parse_ok(";x;;\n;;", NULL);
	assert_record(u, 0, 1, "", "x", "", "", NULL);
	assert_record(u, 1, 2, "", "", "", NULL);

	/* Another separator. */
	csv_options comma = {.separator = ','};
	g_autoptr(csv_table) v = parse_ok("a,b;c\n", &comma);
	assert_record(v, 0, 1, "a", "b;c", NULL);

	/* Nothing at all. */
	g_autoptr(csv_table) w = parse_ok("", NULL);
	g_assert_cmpuint(w->records->len, ==, 0);
}

static void test_quotes(void)
{
	g_autoptr(csv_table) t = parse_ok(
		"\"Name\";\"Zitat\";\"leer\"\n"
		"\"Müller; Anna\";\"Sie sagte \"\"Hallo\"\"\";\"\"\n"
		"\"\"\"\";\"a\"\"\";\"\"\"b\"\n"
		"frei\"stehend;\"x\"\n",
		NULL);
	g_assert_cmpuint(t->records->len, ==, 4);
	assert_record(t, 0, 1, "Name", "Zitat", "leer", NULL);
	assert_record(t, 1, 2, "Müller; Anna", "Sie sagte \"Hallo\"", "", NULL);
	assert_record(t, 2, 3, "\"", "a\"", "\"b", NULL);
	/* A quote inside an unquoted field is kept as written. */
	assert_record(t, 3, 4, "frei\"stehend", "x", NULL);
}

static void test_line_breaks_and_numbers(void)
{
	/* CRLF, a lone CR, a line break inside a quoted field (kept as
	 * written), and blank lines: each record names its first line. */
	g_autoptr(csv_table) t = parse_ok(
		"kopf;zwei\r\n"
		"\"Zeile eins\r\nZeile zwei\nZeile drei\";x\r\n"
		"\r\n"
		"danach;y\r"
		"alt;mac\n"
		"\n\n"
		"ende;z",
		NULL);
	g_assert_cmpuint(t->records->len, ==, 5);
	assert_record(t, 0, 1, "kopf", "zwei", NULL);
	assert_record(t, 1, 2, "Zeile eins\r\nZeile zwei\nZeile drei", "x", NULL);
	assert_record(t, 2, 6, "danach", "y", NULL);
	assert_record(t, 3, 7, "alt", "mac", NULL);
	assert_record(t, 4, 10, "ende", "z", NULL);

	/* Empty lines kept on request (a one-column file with empty values). */
	csv_options keep = {.keep_empty_lines = true};
	g_autoptr(csv_table) u = parse_ok("a\n\nb\n", &keep);
	g_assert_cmpuint(u->records->len, ==, 3);
	assert_record(u, 1, 2, "", NULL);
	/* A quoted empty field is never an empty line. */
	g_autoptr(csv_table) v = parse_ok("a\n\"\"\nb\n", NULL);
	g_assert_cmpuint(v->records->len, ==, 3);
	assert_record(v, 1, 2, "", NULL);
}

static void test_bom_and_sep_line(void)
{
	g_autoptr(csv_table) t = parse_ok(CSV_UTF8_BOM "sep=,\r\nName,Ort\r\n\"Schule, Nord\",Duisburg\r\n",
					  NULL);
	g_assert_true(t->had_bom);
	g_assert_true(t->had_sep_line);
	g_assert_cmpint(t->separator, ==, ',');
	g_assert_cmpuint(t->records->len, ==, 2);
	/* The sep= line counts as line 1. */
	assert_record(t, 0, 2, "Name", "Ort", NULL);
	assert_record(t, 1, 3, "Schule, Nord", "Duisburg", NULL);

	/* Quoted form, and the BOM alone. */
	g_autoptr(csv_table) u = parse_ok("\"sep=;\"\na;b\n", NULL);
	g_assert_true(u->had_sep_line);
	assert_record(u, 0, 2, "a", "b", NULL);
	g_autoptr(csv_table) v = parse_ok(CSV_UTF8_BOM "a;b\n", NULL);
	g_assert_true(v->had_bom);
	assert_record(v, 0, 1, "a", "b", NULL);

	/* Ignored on request: then it is an ordinary record. */
	csv_options ign = {.ignore_sep_line = true};
	g_autoptr(csv_table) w = parse_ok("sep=;\na;b\n", &ign);
	assert_record(w, 0, 1, "sep=", "", NULL);

	/* "sep=" followed by more is no separator line. */
	g_autoptr(csv_table) x = parse_ok("sep=;x\n", NULL);
	g_assert_false(x->had_sep_line);
	assert_record(x, 0, 1, "sep=", "x", NULL);

	/* A sep= line naming a quote is refused. */
	g_autoptr(GError) err = NULL;
	g_assert_null(csv_parse("sep=\"\na\n", 7, NULL, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT);
}

static void test_trailing_separator(void)
{
	const char *s = "A;B;C;\n\"1\";\"2\";\"3\"\n\"4\";\"5\";\"\"\nx;;\n";
	g_autoptr(csv_table) raw = parse_ok(s, NULL);
	assert_record(raw, 0, 1, "A", "B", "C", "", NULL);
	assert_record(raw, 3, 4, "x", "", "", NULL);

	csv_options drop = {.drop_trailing_empty = true};
	g_autoptr(csv_table) t = parse_ok(s, &drop);
	assert_record(t, 0, 1, "A", "B", "C", NULL);
	assert_record(t, 1, 2, "1", "2", "3", NULL);
	/* A quoted empty last field is data and stays. */
	assert_record(t, 2, 3, "4", "5", "", NULL);
	/* Only the one field the trailing separator would make is dropped. */
	assert_record(t, 3, 4, "x", "", NULL);
	/* Missing fields read as "". */
	g_assert_cmpstr(csv_record_get(rec(t, 3), 2), ==, "");
	g_assert_cmpstr(csv_record_get(rec(t, 3), 99), ==, "");
	g_assert_cmpint(csv_header_index(rec(t, 0), "C"), ==, 2);
	g_assert_cmpint(csv_header_index(rec(t, 0), "D"), ==, -1);
}

static void test_errors(void)
{
	static const struct {
		const char *input;
		size_t len; /* 0: strlen */
		int code;
		const char *where;
	} cases[] = {
		{"a;b\n\"offen;x\ny;z\n", 0, CSV_ERROR_UNTERMINATED, "line 2:"},
		{"a;b\nc;d\n\"x\"y;z\n", 0, CSV_ERROR_QUOTE, "line 3:"},
		{"a;b\n\"mehr\nzeilen\" ;z\n", 0, CSV_ERROR_QUOTE, "line 3:"},
		{"ok;ok\nM\xfcller;x\n", 0, CSV_ERROR_ENCODING, "line 2:"},       /* Latin-1 ü */
		{"ok\n\"a\nb\xc3\";c\n", 0, CSV_ERROR_ENCODING, "line 2:"},       /* cut sequence */
		{"ok;ok\nN\0L;x\n", 12, CSV_ERROR_ENCODING, "line 2:"},            /* NUL byte */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].input);
		g_test_message("case %zu", i);
		g_assert_null(csv_parse(cases[i].input, len, NULL, &err));
		g_assert_error(err, BIREG_CSV_ERROR, cases[i].code);
		g_assert_true(g_str_has_prefix(err->message, cases[i].where));
	}

	/* The reader hands out good records before the bad one, then stays failed. */
	const char *s = "a;b\nc;\"d\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(csv_reader) r = csv_reader_new(s, strlen(s), NULL, &err);
	g_assert_no_error(err);
	csv_record *x = NULL;
	g_assert_cmpint(csv_reader_next(r, &x, &err), ==, 1);
	g_assert_cmpstr(x->fields[0], ==, "a");
	g_assert_cmpuint(csv_reader_offset(r), ==, 4);
	csv_record_free(x);
	g_assert_cmpint(csv_reader_next(r, &x, &err), ==, -1);
	g_assert_null(x);
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_UNTERMINATED);
	g_clear_error(&err);
	g_assert_cmpint(csv_reader_next(r, &x, &err), ==, -1);
	g_clear_error(&err);

	/* Bad separators. */
	csv_options quote = {.separator = '"'};
	g_assert_null(csv_reader_new("a", 1, &quote, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT);
}

static void test_limits(void)
{
	g_autoptr(GError) err = NULL;
	csv_options few = {.max_fields = 3};
	g_autoptr(csv_table) ok = parse_ok("a;b;c\n", &few);
	g_assert_null(csv_parse("a;b;c\nd;e;f;g\n", 14, &few, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_assert_true(g_str_has_prefix(err->message, "line 2:"));
	g_clear_error(&err);
	/* The empty field after a trailing separator counts too. */
	g_assert_null(csv_parse("a;b;c;\n", 7, &few, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_clear_error(&err);

	csv_options short_fields = {.max_field_bytes = 4};
	g_autoptr(csv_table) ok2 = parse_ok("abcd;\"ef\"\"g\"\n", &short_fields);
	g_assert_null(csv_parse("abcd\nabcde\n", 11, &short_fields, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_assert_true(g_str_has_prefix(err->message, "line 2:"));
	g_clear_error(&err);
	g_assert_null(csv_parse("\"ab\"\"cd\"\n", 9, &short_fields, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_clear_error(&err);

	csv_options two = {.max_records = 2};
	g_autoptr(csv_table) ok3 = parse_ok("a\nb\n", &two);
	g_assert_null(csv_parse("a\nb\nc\n", 6, &two, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_assert_true(g_str_has_prefix(err->message, "line 3:"));
	g_clear_error(&err);

	/* A file over the size limit is refused before parsing. */
	g_autofree char *dir = g_dir_make_tmp("bireg-csv-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "gross.csv", NULL);
	g_assert_true(g_file_set_contents(path, "0123456789\n0123456789\n", -1, NULL));
	csv_options small = {.max_file_bytes = 16};
	g_assert_null(csv_read_file(path, &small, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_clear_error(&err);
	g_autoptr(csv_table) whole = csv_read_file(path, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(whole->records->len, ==, 2);
	g_remove(path);
	g_rmdir(dir);
	g_assert_null(csv_read_file(path, NULL, &err));
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_IO);
}

static void test_utf8_detection(void)
{
	g_assert_true(csv_is_utf8("Müller", strlen("Müller")));
	g_assert_true(csv_is_utf8(CSV_UTF8_BOM "x", 4));
	g_assert_false(csv_is_utf8("M\xfcller", 6));
	g_assert_false(csv_is_utf8("a\0b", 3));
}

static void test_writer(void)
{
	g_autoptr(GString) out = g_string_new(CSV_UTF8_BOM);
	const char *row1[] = {"Name", "Schule; Nord", "Sie sagte \"Hallo\"", "", " Rand"};
	const char *row2[] = {"=SUMME(A1)", "-5", "+49 203", "@x", "Zeile\nzwei"};
	csv_write_record(out, row1, G_N_ELEMENTS(row1), ';', false);
	csv_write_record(out, row2, G_N_ELEMENTS(row2), ';', true);
	g_assert_cmpstr(out->str, ==,
			CSV_UTF8_BOM "Name;\"Schule; Nord\";\"Sie sagte \"\"Hallo\"\"\";;\" Rand\"\r\n"
				     "\"'=SUMME(A1)\";\"'-5\";\"'+49 203\";\"'@x\";\"Zeile\nzwei\"\r\n");

	/* A record of one empty field is no empty line. */
	const char *lone[] = {""};
	g_autoptr(GString) one = g_string_new(NULL);
	csv_write_record(one, lone, 1, ';', false);
	g_assert_cmpstr(one->str, ==, "\"\"\r\n");

	/* What the writer writes, the reader reads back. */
	g_autoptr(GError) err = NULL;
	g_autoptr(csv_table) t = csv_parse(out->str, out->len, NULL, &err);
	g_assert_no_error(err);
	g_assert_true(t->had_bom);
	assert_record(t, 0, 1, "Name", "Schule; Nord", "Sie sagte \"Hallo\"", "", " Rand", NULL);
	assert_record(t, 1, 2, "'=SUMME(A1)", "'-5", "'+49 203", "'@x", "Zeile\nzwei", NULL);
}

/* The project's shared data files, read as the demo and the importer do. */
static char *shared_file(const char *name)
{
	const char *root = g_getenv("BIREG_SOURCE_ROOT");
	return g_build_filename(root ? root : ".", "..", "shared", "data", name, NULL);
}

static void test_shared_files(void)
{
	g_autofree char *schools = shared_file("schuldaten_nrw_2022-06.csv");
	g_autofree char *areas = shared_file("duisburg_stadtbezirke_ortsteile.csv");
	g_autoptr(GError) err = NULL;

	if (!g_file_test(schools, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/data is not beside the source tree");
		return;
	}
	csv_options opt = {.drop_trailing_empty = true};
	g_autoptr(csv_table) t = csv_read_file(schools, &opt, &err);
	g_assert_no_error(err);
	/* 5,486 schools and the header. */
	g_assert_cmpuint(t->records->len, ==, 5487);
	csv_record *h = rec(t, 0);
	g_assert_cmpuint(h->n, ==, 23);
	g_assert_cmpint(csv_header_index(h, "Schulnummer"), ==, 0);
	g_assert_cmpint(csv_header_index(h, "UTMHochwert"), ==, 22);
	for (guint i = 1; i < t->records->len; i++) {
		csv_record *r = rec(t, i);
		g_assert_cmpuint(r->n, ==, 23);
		g_assert_cmpuint(r->line, ==, i + 1);
		g_assert_cmpuint(strlen(r->fields[0]), ==, 6);
	}
	g_assert_cmpstr(rec(t, 1)->fields[0], ==, "100000");
	g_assert_cmpstr(rec(t, 1)->fields[2], ==, "Studienkolleg des Ökumenischen");

	g_autoptr(csv_table) a = csv_read_file(areas, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(a->records->len, ==, 47);
	assert_record(a, 25, 26, "5", "Mitte", "Kaßlerfeld", NULL);
}

/* Lines of separators: small in the file, many pointers as a table. The
 * empty fields share one string, and the table's memory is bounded by a
 * multiple of the input. */
static void test_empty_fields_bounded(void)
{
	g_autoptr(GString) in = g_string_new(NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(csv_table) t = NULL;
	csv_table *bad;

	/* 15,000 lines of 900 separators: 13.5 MB of input, 108 MB of pointers
	 * (the bound is 16 MB + 6 times the input: 97 MB). */
	for (int i = 0; i < 15000; i++) {
		for (int k = 0; k < 900; k++)
			g_string_append_c(in, ';');
		g_string_append_c(in, '\n');
	}
	bad = csv_parse(in->str, in->len, NULL, &err);
	g_assert_null(bad);
	g_assert_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT);
	g_assert_nonnull(strstr(err->message, "of memory"));
	g_clear_error(&err);

	/* A few such lines are read; every empty field is the shared one. */
	g_string_truncate(in, 901 * 10);
	t = csv_parse(in->str, in->len, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->records->len, ==, 10);
	csv_record *r = g_ptr_array_index(t->records, 9);
	g_assert_cmpuint(r->n, ==, 901);
	g_assert_true(r->fields[0] == csv_empty_field);
	g_assert_true(r->fields[900] == csv_empty_field);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/csv/basic", test_basic);
	g_test_add_func("/csv/quotes", test_quotes);
	g_test_add_func("/csv/line_breaks_and_numbers", test_line_breaks_and_numbers);
	g_test_add_func("/csv/bom_and_sep_line", test_bom_and_sep_line);
	g_test_add_func("/csv/trailing_separator", test_trailing_separator);
	g_test_add_func("/csv/errors", test_errors);
	g_test_add_func("/csv/limits", test_limits);
	g_test_add_func("/csv/empty_fields_bounded", test_empty_fields_bounded);
	g_test_add_func("/csv/utf8_detection", test_utf8_detection);
	g_test_add_func("/csv/writer", test_writer);
	g_test_add_func("/csv/shared_files", test_shared_files);
	return g_test_run();
}
