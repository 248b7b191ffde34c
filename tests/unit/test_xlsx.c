/*
 * test_xlsx.c — the XLSX reader (src/core/xlsx.c) on workbooks made here
 * with libzip part by part (shared strings with rich text, inline strings,
 * numbers, booleans, errors, date formats, the 1904 date system, rows and
 * cells without references, a first sheet that is not sheet1.xml), on one
 * converted by LibreOffice, and on hostile input: zip bombs (by size, by
 * ratio, by a lying directory), XML with a document type, references beyond
 * XFD, too many rows and columns, truncated and foreign zips, and
 * workbooks that are small but would make a huge table (output budget).
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <zip.h>

#include "core/xlsx.h"

/* ---- building zips ---------------------------------------------------- */

typedef struct zentry {
	const char *name;
	const char *text; /* NUL-terminated */
} zentry;

/* Reads the whole of a (closed) zip source into a new buffer. */
static char *source_bytes(zip_source_t *src, size_t *len)
{
	g_assert_cmpint(zip_source_open(src), ==, 0);
	g_assert_cmpint(zip_source_seek(src, 0, SEEK_END), ==, 0);
	zip_int64_t n = zip_source_tell(src);
	g_assert_cmpint(zip_source_seek(src, 0, SEEK_SET), ==, 0);
	char *buf = g_malloc((gsize)n + 1);
	g_assert_cmpint(zip_source_read(src, buf, (zip_uint64_t)n), ==, n);
	zip_source_close(src);
	*len = (size_t)n;
	return buf;
}

/* A zip of the given entries, plus (when big_name) one entry of big_size
 * zero bytes made on the fly. */
typedef struct zeros {
	zip_uint64_t size, pos;
} zeros;

static zip_int64_t zeros_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	zeros *z = ud;
	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		z->pos = 0;
		return 0;
	case ZIP_SOURCE_READ: {
		zip_uint64_t n = MIN(len, z->size - z->pos);
		memset(data, 0, n);
		z->pos += n;
		return (zip_int64_t)n;
	}
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = z->size;
		st->valid |= ZIP_STAT_SIZE;
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(NULL, data, len);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
						      ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
						      ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		return -1;
	}
}

static char *make_zip(const zentry *entries, size_t n, const char *big_name, zip_uint64_t big_size,
		      size_t *len)
{
	zip_error_t zerr;
	zeros z = {.size = big_size};
	zip_error_init(&zerr);
	zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &zerr);
	g_assert_nonnull(out);
	zip_source_keep(out);
	zip_t *zip = zip_open_from_source(out, ZIP_TRUNCATE, &zerr);
	g_assert_nonnull(zip);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(zip, entries[i].text, strlen(entries[i].text), 0);
		g_assert_cmpint(zip_file_add(zip, entries[i].name, s, ZIP_FL_ENC_UTF_8), >=, 0);
	}
	if (big_name) {
		zip_source_t *s = zip_source_function(zip, zeros_cb, &z);
		g_assert_cmpint(zip_file_add(zip, big_name, s, 0), >=, 0);
	}
	g_assert_cmpint(zip_close(zip), ==, 0);
	char *buf = source_bytes(out, len);
	zip_source_free(out);
	return buf;
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	   "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELNS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char *workbook_plain =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook " NS "><sheets>"
	"<sheet name=\"Tabelle1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char *rels_plain =
	"<?xml version=\"1.0\"?><Relationships "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" RELNS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"</Relationships>";

/* A workbook of one sheet (sheet1.xml) with the given sheetData inside. */
static char *simple_book(const char *rows, const char *strings, size_t *len)
{
	g_autofree char *sheet = g_strconcat("<?xml version=\"1.0\"?><worksheet " NS "><sheetData>",
					     rows, "</sheetData></worksheet>", NULL);
	zentry e[] = {
		{"xl/workbook.xml", workbook_plain},
		{"xl/_rels/workbook.xml.rels", rels_plain},
		{"xl/worksheets/sheet1.xml", sheet},
		{"xl/sharedStrings.xml", strings ? strings : "<sst " NS "/>"},
	};
	return make_zip(e, G_N_ELEMENTS(e), NULL, 0, len);
}

static csv_record *rec(const csv_table *t, guint i)
{
	g_assert_cmpuint(i, <, t->records->len);
	return g_ptr_array_index(t->records, i);
}

static void assert_fields(const csv_table *t, guint i, size_t line, const char *const *want,
			  size_t n)
{
	csv_record *r = rec(t, i);
	g_assert_cmpuint(r->line, ==, line);
	for (size_t k = 0; k < n && k < r->n; k++)
		g_assert_cmpstr(r->fields[k], ==, want[k]);
	g_assert_cmpuint(r->n, ==, n);
	g_assert_null(r->fields[n]);
}

static csv_table *read_ok(const char *data, size_t len, const xlsx_options *opt)
{
	g_autoptr(GError) err = NULL;
	csv_table *t = xlsx_read(data, len, opt, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	return t;
}

static GError *read_fail(const char *data, size_t len, const xlsx_options *opt)
{
	GError *err = NULL;
	csv_table *t = xlsx_read(data, len, opt, &err);
	g_assert_null(t);
	g_assert_nonnull(err);
	g_test_message("refused: %s", err->message);
	return err;
}

/* ---- values ------------------------------------------------------------ */

static void test_values(void)
{
	/* The first sheet is "Daten" (rId7, worksheets/data.xml); sheet1.xml
	 * is the second and must not be read. */
	const char *workbook =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><workbook " NS ">"
		"<workbookPr/><sheets>"
		"<sheet name=\"Daten\" sheetId=\"3\" r:id=\"rId7\"/>"
		"<sheet name=\"Andere\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	const char *rels =
		"<?xml version=\"1.0\"?><Relationships "
		"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"" RELNS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId9\" Type=\"" RELNS "/styles\" Target=\"/xl/stil.xml\"/>"
		"<Relationship Id=\"rId8\" Type=\"" RELNS "/sharedStrings\" Target=\"./texte.xml\"/>"
		"<Relationship Id=\"rId7\" Type=\"" RELNS "/worksheet\" Target=\"worksheets/../worksheets/data.xml\"/>"
		"</Relationships>";
	const char *styles =
		"<styleSheet " NS "><numFmts count=\"3\">"
		"<numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy;@\"/>"
		"<numFmt numFmtId=\"165\" formatCode=\"0.00&quot;d&quot; [Red]\"/>"
		"<numFmt numFmtId=\"166\" formatCode=\"[$-407]mmmm\\ yy\"/></numFmts>"
		"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
		"<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
		"<xf numFmtId=\"20\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs>"
		"</styleSheet>";
	const char *strings =
		"<sst " NS " count=\"5\" uniqueCount=\"5\">"
		"<si><t>Name</t></si>"
		"<si><r><rPr><b/></rPr><t>Jür</t></r><r><t xml:space=\"preserve\">gen </t></r>"
		"<rPh sb=\"0\" eb=\"1\"><t>ユ</t></rPh></si>"
		"<si><t>Zeile_x000D_\nzwei _x005F_x0041_</t></si>"
		"<si/>"
		"<si><t>&lt;&amp;&gt;</t></si></sst>";
	const char *sheet =
		"<worksheet " NS "><dimension ref=\"A1:H4\"/><sheetData>"
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>Ort</t></is></c></row>"
		"<row r=\"2\" spans=\"1:8\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\"><v>123456</v></c>"
		"<c r=\"C2\"><v>123456.0</v></c><c r=\"D2\" s=\"0\"><v>1.5</v></c>"
		"<c r=\"E2\" t=\"b\"><v>1</v></c><c r=\"F2\" t=\"e\"><v>#DIV/0!</v></c>"
		"<c r=\"G2\" t=\"str\"><f>A1&amp;\"x\"</f><v>Namex</v></c><c r=\"H2\" s=\"1\"/></row>"
		"<row r=\"3\"><c r=\"A3\" s=\"1\"><v>44196</v></c><c r=\"B3\" s=\"2\"><v>36526.75</v></c>"
		"<c r=\"C3\" s=\"3\"><v>0.5</v></c><c r=\"D3\" s=\"4\"><v>12</v></c><c r=\"E3\" s=\"5\"><v>45000</v></c>"
		"<c r=\"F3\"><v>1.23456E5</v></c><c r=\"G3\"><v>0.30000000000000004</v></c>"
		"<c r=\"H3\"><v>12345678901234567890</v></c></row>"
		"<row r=\"5\"><c r=\"B5\" t=\"s\"><v>3</v></c><c r=\"C5\" t=\"e\"><v>#N/A</v></c></row>"
		"<row r=\"7\"><c r=\"B7\" t=\"s\"><v>2</v></c><c r=\"D7\" t=\"s\"><v>4</v></c>"
		"<c r=\"E7\" t=\"inlineStr\"><is><r><t>a</t></r><r><t>b</t></r></is></c><c r=\"F7\" t=\"b\"><v>0</v></c></row>"
		"<row r=\"8\"></row><row r=\"9\"/>"
		"</sheetData></worksheet>";
	zentry e[] = {
		{"[Content_Types].xml", "<Types/>"},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", rels},
		{"xl/stil.xml", styles},
		{"xl/texte.xml", strings},
		{"xl/worksheets/sheet1.xml", "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" "
					     "t=\"inlineStr\"><is><t>FALSCH</t></is></c></row>"
					     "</sheetData></worksheet>"},
		{"xl/worksheets/data.xml", sheet},
	};
	size_t len;
	g_autofree char *zip = make_zip(e, G_N_ELEMENTS(e), NULL, 0, &len);
	g_autoptr(csv_table) t = read_ok(zip, len, NULL);

	g_assert_cmpuint(t->records->len, ==, 4);
	assert_fields(t, 0, 1, (const char *[]){"Name", "", "Ort"}, 3);
	assert_fields(t, 1, 2,
		      (const char *[]){"Jürgen ", "123456", "123456", "1.5", "1", "", "Namex"}, 7);
	assert_fields(t, 2, 3,
		      (const char *[]){"2020-12-31", "2000-01-01", "0.5", "12", "2023-03-15",
				       "123456", "0.3", "12345678901234567890"},
		      8);
	/* Row 5 holds only "" values: skipped. Row 7: the escapes. */
	assert_fields(t, 3, 7,
		      (const char *[]){"", "Zeile\r\nzwei _x0041_", "", "<&>", "ab", "0"}, 6);
}

/* Rows and cells without references count on; the 1904 date system. */
static void test_no_refs_1904(void)
{
	const char *workbook = "<workbook " NS "><workbookPr date1904=\"1\"/><sheets>"
			       "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	const char *styles = "<styleSheet " NS "><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"
			     "</cellXfs></styleSheet>";
	const char *sheet = "<worksheet " NS "><sheetData>"
			    "<row><c><v>1</v></c><c><v>2</v></c></row>"
			    "<row><c r=\"C2\"><v>3</v></c><c><v>4</v></c></row>"
			    "<row r=\"10\"><c s=\"1\"><v>0</v></c><c s=\"1\"><v>366</v></c></row>"
			    "<row><c><v>5</v></c></row>"
			    "</sheetData></worksheet>";
	zentry e[] = {
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", rels_plain},
		{"xl/styles.xml", styles},
		{"xl/worksheets/sheet1.xml", sheet},
	};
	size_t len;
	g_autofree char *zip = make_zip(e, G_N_ELEMENTS(e), NULL, 0, &len);
	g_autoptr(csv_table) t = read_ok(zip, len, NULL);
	g_assert_cmpuint(t->records->len, ==, 4);
	assert_fields(t, 0, 1, (const char *[]){"1", "2"}, 2);
	assert_fields(t, 1, 2, (const char *[]){"", "", "3", "4"}, 4);
	/* Serial 0 is no day (kept as number); 366 in 1904 is 1905-01-01. */
	assert_fields(t, 2, 10, (const char *[]){"0", "1905-01-01"}, 2);
	assert_fields(t, 3, 11, (const char *[]){"5"}, 1);

	/* No relationships at all: the conventional sheet1.xml is read. */
	zentry f[] = {
		{"xl/workbook.xml", workbook_plain},
		{"xl/worksheets/sheet1.xml", sheet},
	};
	g_autofree char *zip2 = make_zip(f, G_N_ELEMENTS(f), NULL, 0, &len);
	g_autoptr(csv_table) u = read_ok(zip2, len, NULL);
	g_assert_cmpuint(u->records->len, ==, 4);
	/* Without styles, no dates. */
	assert_fields(u, 2, 10, (const char *[]){"0", "366"}, 2);
}

static void test_refs(void)
{
	size_t col, row;
	g_assert_true(xlsx_parse_ref("A1", &col, &row));
	g_assert_cmpuint(col, ==, 0);
	g_assert_cmpuint(row, ==, 1);
	g_assert_true(xlsx_parse_ref("XFD1048576", &col, &row));
	g_assert_cmpuint(col, ==, 16383);
	g_assert_cmpuint(row, ==, 1048576);
	g_assert_true(xlsx_parse_ref("aa10", &col, &row));
	g_assert_cmpuint(col, ==, 26);
	g_assert_false(xlsx_parse_ref("XFE1", &col, &row));
	g_assert_false(xlsx_parse_ref("A1048577", &col, &row));
	g_assert_false(xlsx_parse_ref("A0", &col, &row));
	g_assert_false(xlsx_parse_ref("AAAA1", &col, &row));
	g_assert_false(xlsx_parse_ref("1A", &col, &row));
	g_assert_false(xlsx_parse_ref("A", &col, &row));
	g_assert_false(xlsx_parse_ref("", &col, &row));
	g_assert_false(xlsx_parse_ref("A1 ", &col, &row));
}

/* ---- bad workbooks ----------------------------------------------------- */

static void test_bad_sheets(void)
{
	size_t len;
	struct {
		const char *rows;
		xlsx_error_code code;
		const char *prefix;
	} cases[] = {
		{"<row r=\"3\"><c r=\"XFE3\"><v>1</v></c></row>", XLSX_ERROR_CELL, "row 3:"},
		{"<row r=\"4\"><c r=\"ALM4\"><v>1</v></c></row>", XLSX_ERROR_LIMIT, "row 4:"},
		{"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>5</v></c></row>", XLSX_ERROR_CELL, "row 2:"},
		{"<row r=\"x\"><c><v>1</v></c></row>", XLSX_ERROR_CELL, "row 1:"},
		{"<row r=\"1\"><c><v>1</v></row>", XLSX_ERROR_INVALID, "the file is not a valid"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *zip = simple_book(cases[i].rows, NULL, &len);
		g_autoptr(GError) err = read_fail(zip, len, NULL);
		g_assert_error(err, BIREG_XLSX_ERROR, (gint)cases[i].code);
		g_assert_true(g_str_has_prefix(err->message, cases[i].prefix));
	}
	/* An empty cell far to the right (formatting only) is no value. */
	g_autofree char *wide = simple_book("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"XFD1\" s=\"1\"/>"
					    "</row>",
					    NULL, &len);
	g_autoptr(csv_table) t = read_ok(wide, len, NULL);
	g_assert_cmpuint(rec(t, 0)->n, ==, 1);

	/* Too many rows (a small limit here; 200,000 by default). */
	g_autoptr(GString) rows = g_string_new(NULL);
	for (int r = 1; r <= 12; r++)
		g_string_append_printf(rows, "<row r=\"%d\"><c><v>%d</v></c></row>", r, r);
	g_autofree char *many = simple_book(rows->str, NULL, &len);
	xlsx_options small = {.max_rows = 10};
	g_autoptr(GError) e1 = read_fail(many, len, &small);
	g_assert_error(e1, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
	g_assert_true(g_str_has_prefix(e1->message, "row 11:"));

	/* XML with a document type (the billion laughs start so) and entities. */
	g_autofree char *bomb_xml = g_strdup(
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<worksheet " NS "><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>&lol3;</t></is>"
		"</c></row></sheetData></worksheet>");
	zentry e[] = {
		{"xl/workbook.xml", workbook_plain},
		{"xl/worksheets/sheet1.xml", bomb_xml},
	};
	g_autofree char *zip = make_zip(e, G_N_ELEMENTS(e), NULL, 0, &len);
	g_autoptr(GError) e2 = read_fail(zip, len, NULL);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);

	/* An external entity (file:///etc/passwd) is not read either. */
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY x SYSTEM "
			  "\"file:///etc/passwd\">]><worksheet " NS "><sheetData><row><c "
			  "t=\"inlineStr\"><is><t>&x;</t></is></c></row></sheetData></worksheet>";
	zentry f[] = {
		{"xl/workbook.xml", workbook_plain},
		{"xl/worksheets/sheet1.xml", xxe},
	};
	g_autofree char *zip2 = make_zip(f, G_N_ELEMENTS(f), NULL, 0, &len);
	g_autoptr(GError) e3 = read_fail(zip2, len, NULL);
	g_assert_error(e3, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);

	/* A workbook whose sheet is missing; a zip without workbook. */
	zentry g[] = {{"xl/workbook.xml", workbook_plain}};
	g_autofree char *zip3 = make_zip(g, 1, NULL, 0, &len);
	g_autoptr(GError) e4 = read_fail(zip3, len, NULL);
	g_assert_error(e4, BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK);
	zentry h[] = {{"word/document.xml", "<document/>"}};
	g_autofree char *zip4 = make_zip(h, 1, NULL, 0, &len);
	g_autoptr(GError) e5 = read_fail(zip4, len, NULL);
	g_assert_error(e5, BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK);
}

static void test_garbage(void)
{
	size_t len;
	g_autofree char *zip = simple_book("<row><c><v>1</v></c></row>", NULL, &len);

	/* Every truncation is refused cleanly. */
	for (size_t cut = 0; cut < len; cut += 7) {
		g_autoptr(GError) err = NULL;
		g_autoptr(csv_table) t = xlsx_read(zip, cut, NULL, &err);
		g_assert_null(t);
		g_assert_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);
	}
	/* Random bytes behind the magic; every byte flipped in turn. */
	GRand *rand = g_rand_new_with_seed(7);
	g_autofree char *junk = g_malloc(4096);
	for (size_t i = 0; i < 4096; i++)
		junk[i] = (char)g_rand_int_range(rand, 0, 256);
	memcpy(junk, "PK\x03\x04", 4);
	g_autoptr(GError) e1 = read_fail(junk, 4096, NULL);
	g_assert_error(e1, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);
	g_autofree char *copy = g_memdup2(zip, len);
	for (size_t i = 0; i < len; i++) {
		g_autoptr(GError) err = NULL;
		copy[i] = (char)(copy[i] ^ (1 << g_rand_int_range(rand, 0, 8)));
		g_autoptr(csv_table) t = xlsx_read(copy, len, NULL, &err);
		g_assert_true((t == NULL) == (err != NULL));
		copy[i] = zip[i];
	}
	g_rand_free(rand);
	g_autoptr(GError) e2 = read_fail("not a zip", 9, NULL);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID);
}

/* ---- zip bombs --------------------------------------------------------- */

static void test_zip_bombs(void)
{
	size_t len;
	gint64 t0 = g_get_monotonic_time();

	/* 300 MB of zeros as the worksheet: ~300 KB compressed. */
	zentry e[] = {{"xl/workbook.xml", workbook_plain}};
	g_autofree char *bomb = make_zip(e, 1, "xl/worksheets/sheet1.xml", 300u * 1024 * 1024, &len);
	g_test_message("300 MB bomb: %zu bytes", len);
	g_assert_cmpuint(len, <, 1024 * 1024);
	gint64 t1 = g_get_monotonic_time();
	g_autoptr(GError) e1 = read_fail(bomb, len, NULL);
	gint64 ms = (g_get_monotonic_time() - t1) / 1000;
	g_assert_error(e1, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB);
	g_assert_nonnull(strstr(e1->message, "more than 64 MB (zip bomb?)"));
	g_test_message("refused in %" G_GINT64_FORMAT " ms (made in %" G_GINT64_FORMAT " ms)", ms,
		       (t1 - t0) / 1000);
	g_assert_cmpint(ms, <, 500);

	/* 10 MB of zeros (under 64 MB, but compressed ~1000:1). */
	g_autofree char *dense = make_zip(e, 1, "xl/sharedStrings.xml", 10u * 1024 * 1024, &len);
	g_autoptr(GError) e2 = read_fail(dense, len, NULL);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB);
	g_assert_nonnull(strstr(e2->message, "200:1"));

	/* A directory that lies: the worksheet says 60 bytes and holds ~4 KB.
	 * Counted while inflating, it is refused (or libzip finds the lie). */
	g_autoptr(GString) rows = g_string_new(NULL);
	for (int r = 1; r <= 100; r++)
		g_string_append_printf(rows, "<row r=\"%d\"><c><v>%d</v></c></row>", r, r * 7919);
	g_autofree char *zip = simple_book(rows->str, NULL, &len);
	const char *name = "xl/worksheets/sheet1.xml";
	size_t patched = 0;
	for (size_t i = 0; i + 46 < len; i++) {
		/* Central directory header: size at 24, name length 28, name at 46;
		 * local header: size at 22, name length 26, name at 30. */
		if (memcmp(zip + i, "PK\x01\x02", 4) == 0 &&
		    memcmp(zip + i + 46, name, strlen(name)) == 0) {
			memcpy(zip + i + 24, "\x3c\0\0\0", 4);
			patched++;
		} else if (memcmp(zip + i, "PK\x03\x04", 4) == 0 &&
			   memcmp(zip + i + 30, name, strlen(name)) == 0) {
			memcpy(zip + i + 22, "\x3c\0\0\0", 4);
			patched++;
		}
	}
	g_assert_cmpuint(patched, ==, 2);
	g_autoptr(GError) e3 = read_fail(zip, len, NULL);
	g_assert_true(g_error_matches(e3, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB) ||
		      g_error_matches(e3, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID));

	/* All entries together: the total limit (small here). */
	g_autofree char *fine = simple_book(rows->str, NULL, &len);
	xlsx_options tight = {.max_total_bytes = 2000};
	g_autoptr(GError) e4 = read_fail(fine, len, &tight);
	g_assert_error(e4, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB);
	xlsx_options entry = {.max_entry_bytes = 1000};
	g_autoptr(GError) e5 = read_fail(fine, len, &entry);
	g_assert_error(e5, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB);
	g_autoptr(csv_table) ok = read_ok(fine, len, NULL);
	g_assert_cmpuint(ok->records->len, ==, 100);
}

/* ---- output budget ------------------------------------------------------ */

/* Peak resident memory so far, in MB (ru_maxrss is in KB on Linux). */
static long peak_mb(void)
{
	struct rusage ru;
	g_assert_cmpint(getrusage(RUSAGE_SELF, &ru), ==, 0);
	return ru.ru_maxrss / 1024;
}

/* The sum over a table of what xlsx.h counts: fields and values. */
static size_t table_bytes(const csv_table *t, size_t *padded)
{
	size_t n = 0;
	*padded = 0;
	for (guint i = 0; i < t->records->len; i++) {
		const csv_record *r = rec(t, i);
		n += sizeof(csv_record) + (r->n + 2) * sizeof(char *);
		for (size_t k = 0; k < r->n; k++) {
			if (r->fields[k] == csv_empty_field)
				(*padded)++;
			else
				n += strlen(r->fields[k]) + 1 + 16;
		}
	}
	return n;
}

/* One shared string of ~1 MB used by 400 cells: a 2 KB upload that asked
 * for 400 MB when each cell got its own copy. Refused once the copies pass
 * the default budget (16 MB here: 16 × the ~1 MB of unpacked parts). */
static void test_budget_shared_string(void)
{
	g_autoptr(GString) strings = g_string_new("<sst " NS "><si><t>");
	for (int i = 0; i < 1000000 / 10; i++)
		g_string_append(strings, "Lorem ips ");
	g_string_append(strings, "</t></si><si><t>kurz</t></si></sst>");
	g_autoptr(GString) rows = g_string_new(NULL);
	for (int r = 1; r <= 20; r++) {
		g_string_append_printf(rows, "<row r=\"%d\">", r);
		for (int c = 0; c < 20; c++)
			g_string_append(rows, "<c t=\"s\"><v>0</v></c>");
		g_string_append(rows, "</row>");
	}
	size_t len;
	g_autofree char *zip = simple_book(rows->str, strings->str, &len);
	g_test_message("shared-string workbook: %zu bytes", len);
	g_assert_cmpuint(len, <, 16 * 1024);

	long before = peak_mb();
	g_autoptr(GError) err = read_fail(zip, len, NULL);
	long after = peak_mb();
	g_test_message("peak RSS %ld MB before, %ld MB after", before, after);
	g_assert_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
	g_assert_nonnull(strstr(err->message, "values add up to more than 16 MB"));
	/* 16 copies fit (row 1), the 17th does not. */
	g_assert_true(g_str_has_prefix(err->message, "row 1:"));
	/* Sanity only: it was ~390 MB before the budget. */
	g_assert_cmpint(after - before, <, 200);

	/* Three values (two copies) fit the default budget; an explicit budget
	 * of 1.5 MB holds one copy, not two. */
	g_autoptr(GString) few = g_string_new("<row r=\"1\"><c t=\"s\"><v>1</v></c><c t=\"s\"><v>0</v>"
					      "</c><c t=\"s\"><v>0</v></c></row>");
	g_autofree char *ok_zip = simple_book(few->str, strings->str, &len);
	g_autoptr(csv_table) t = read_ok(ok_zip, len, NULL);
	g_assert_cmpuint(rec(t, 0)->n, ==, 3);
	g_assert_cmpstr(rec(t, 0)->fields[0], ==, "kurz");
	g_assert_cmpuint(strlen(rec(t, 0)->fields[2]), ==, 1000000);
	xlsx_options two = {.max_output_bytes = 1500000};
	g_autoptr(GError) e2 = read_fail(ok_zip, len, &two);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
	g_assert_nonnull(strstr(e2->message, "add up to more than 2 MB"));
}

/* 20,000 rows with one value in column ALL (the 1000th, still allowed): a
 * ~100 KB upload that padded each row with 999 allocated "" (~775 MB).
 * Padding is now one shared empty string (8 bytes a field), and the budget
 * counts it: 20,000 × 1000 pointers are 160 MB of a ~1 MB sheet, which is
 * no table but padding — refused at about row 2,000, when 16 MB are spent.
 * A few such rows are read (each costing ~8 KB). */
static void test_budget_sparse(void)
{
	g_autoptr(GString) rows = g_string_new(NULL);
	for (int r = 1; r <= 20000; r++)
		g_string_append_printf(rows, "<row r=\"%d\"><c r=\"ALL%d\"><v>%d</v></c></row>", r,
				       r, r);
	size_t len;
	g_autofree char *zip = simple_book(rows->str, NULL, &len);
	g_test_message("sparse workbook: %zu bytes", len);
	g_assert_cmpuint(len, <, 200 * 1024);

	long before = peak_mb();
	g_autoptr(GError) err = read_fail(zip, len, NULL);
	long after = peak_mb();
	g_test_message("peak RSS %ld MB before, %ld MB after", before, after);
	g_assert_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
	g_assert_nonnull(strstr(err->message, "values add up to more than 16 MB"));
	size_t row = 0;
	g_assert_cmpint(sscanf(err->message, "row %zu:", &row), ==, 1);
	g_assert_cmpuint(row, >, 1500);
	g_assert_cmpuint(row, <, 2200);
	g_assert_cmpint(after - before, <, 200);

	/* 300 such rows (2.4 MB of pointers) are read; the padding allocates
	 * nothing, and what the table holds stays within its budget. */
	g_string_truncate(rows, 0);
	for (int r = 1; r <= 300; r++)
		g_string_append_printf(rows, "<row r=\"%d\"><c r=\"ALL%d\"><v>%d</v></c></row>", r,
				       r, r);
	g_autofree char *small = simple_book(rows->str, NULL, &len);
	xlsx_options budget = {.max_output_bytes = 3 * 1024 * 1024};
	g_autoptr(csv_table) t = read_ok(small, len, &budget);
	g_assert_cmpuint(t->records->len, ==, 300);
	csv_record *last = rec(t, 299);
	g_assert_cmpuint(last->n, ==, 1000);
	g_assert_cmpstr(last->fields[999], ==, "300");
	g_assert_cmpstr(last->fields[0], ==, "");
	g_assert_true(last->fields[0] == csv_empty_field);
	size_t padded;
	size_t bytes = table_bytes(t, &padded);
	g_assert_cmpuint(padded, ==, 300 * 999);
	g_assert_cmpuint(bytes, <=, budget.max_output_bytes);
	/* A budget below that refuses it. */
	xlsx_options tight = {.max_output_bytes = bytes / 2};
	g_autoptr(GError) e2 = read_fail(small, len, &tight);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
}

/* Cells per row: more than XFD, or cells without a reference counting on
 * past XFD, are refused (even when they hold nothing). */
static void test_cells_per_row(void)
{
	g_autoptr(GString) rows = g_string_new("<row r=\"1\">");
	for (int c = 0; c < 16385; c++)
		g_string_append(rows, "<c r=\"A1\"/>");
	g_string_append(rows, "</row>");
	size_t len;
	g_autofree char *zip = simple_book(rows->str, NULL, &len);
	g_autoptr(GError) e1 = read_fail(zip, len, NULL);
	g_assert_error(e1, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT);
	g_assert_true(g_str_has_prefix(e1->message, "row 1: more than 16384 cells"));

	g_string_assign(rows, "<row r=\"2\"><c r=\"XFD2\"/><c/></row>");
	g_autofree char *zip2 = simple_book(rows->str, NULL, &len);
	g_autoptr(GError) e2 = read_fail(zip2, len, NULL);
	g_assert_error(e2, BIREG_XLSX_ERROR, XLSX_ERROR_CELL);
	g_assert_true(g_str_has_prefix(e2->message, "row 2: a cell lies beyond column XFD"));
}

/* ---- LibreOffice --------------------------------------------------------- */

static void test_libreoffice(void)
{
	g_autofree char *soffice = g_find_program_in_path("soffice");
	if (!soffice) {
		g_test_skip("soffice (libreoffice-calc-nogui) is not installed");
		return;
	}
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("bireg-xlsx-XXXXXX", &err);
	g_assert_no_error(err);
	g_autofree char *csv = g_build_filename(dir, "personen.csv", NULL);
	g_autofree char *xlsx = g_build_filename(dir, "personen.xlsx", NULL);
	g_autofree char *home = g_build_filename(dir, "home", NULL);
	const char *text = "Name;Schulnummer;Betrag;Datum;Leer;Ort\n"
			   "Müller;100000;1,5;2020-12-31;;Köln\n"
			   "\"Özdemir; Ayşe\";123456;2.5;31.12.2020;;\n"
			   ";;;;;Düren\n";
	g_assert_true(g_file_set_contents(csv, text, -1, &err));

	/* Separator ;, quote ", UTF-8 (76), from line 1. */
	const char *argv[] = {soffice, "--headless", "--infilter=CSV:59,34,76,1", "--convert-to",
			      "xlsx", "--outdir", dir, csv, NULL};
	g_autofree char *home_env = g_strconcat("HOME=", home, NULL);
	const char *envp[] = {home_env, "PATH=/usr/bin:/bin", NULL};
	int status = 0;
	g_autofree char *out = NULL, *errout = NULL;
	g_assert_true(g_spawn_sync(dir, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
				   &out, &errout, &status, &err));
	g_assert_no_error(err);
	if (!g_file_test(xlsx, G_FILE_TEST_EXISTS)) {
		g_test_message("soffice: %s %s", out, errout);
		g_assert_not_reached();
	}
	g_autofree char *data = NULL;
	gsize len;
	g_assert_true(g_file_get_contents(xlsx, &data, &len, &err));
	g_autoptr(csv_table) t = read_ok(data, len, NULL);
	g_assert_cmpuint(t->records->len, ==, 4);
	assert_fields(t, 0, 1,
		      (const char *[]){"Name", "Schulnummer", "Betrag", "Datum", "Leer", "Ort"}, 6);
	/* LibreOffice (en-US) took 2020-12-31 and 2.5 as values, "1,5" and
	 * "31.12.2020" as text: what it stored comes back as written. */
	assert_fields(t, 1, 2, (const char *[]){"Müller", "100000", "1,5", "2020-12-31", "", "Köln"},
		      6);
	assert_fields(t, 2, 3, (const char *[]){"Özdemir; Ayşe", "123456", "2.5", "31.12.2020"}, 4);
	assert_fields(t, 3, 4, (const char *[]){"", "", "", "", "", "Düren"}, 6);

	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(rm), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/xlsx/values", test_values);
	g_test_add_func("/xlsx/no-refs-1904", test_no_refs_1904);
	g_test_add_func("/xlsx/refs", test_refs);
	g_test_add_func("/xlsx/bad-sheets", test_bad_sheets);
	g_test_add_func("/xlsx/garbage", test_garbage);
	g_test_add_func("/xlsx/zip-bombs", test_zip_bombs);
	g_test_add_func("/xlsx/budget-shared-string", test_budget_shared_string);
	g_test_add_func("/xlsx/budget-sparse", test_budget_sparse);
	g_test_add_func("/xlsx/cells-per-row", test_cells_per_row);
	g_test_add_func("/xlsx/libreoffice", test_libreoffice);
	return g_test_run();
}
