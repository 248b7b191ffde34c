/*
 * xlsx.c — the XLSX reader (see xlsx.h).
 *
 * The parts are found the way Excel finds them: xl/workbook.xml names the
 * first <sheet> with a relationship id, xl/_rels/workbook.xml.rels turns it
 * (and the shared strings and styles) into part names; when that chain is
 * broken the conventional names are tried. Every part is read through one
 * input callback that counts the inflated bytes against the limits, so a
 * central directory that lies about sizes cannot make us unpack more than
 * we allow. All XML goes through xmlTextReader node by node.
 */
#include "core/xlsx.h"

#include <libxml/xmlreader.h>
#include <math.h>
#include <string.h>
#include <zip.h>

#include "core/text.h"

G_DEFINE_QUARK(bireg-xlsx-error-quark, bireg_xlsx_error)

#define XLSX_MAX_ROW_NUMBER 1048576u
#define XLSX_MAX_COLUMN_NUMBER 16384u /* XFD */
#define XLSX_MAX_STYLES 1000000u

#define INVALID_MSG "the file is not a valid XLSX workbook"

typedef struct xl {
	zip_t *zip;
	size_t max_entry, max_total, total;
	size_t max_rows, max_columns;
	size_t max_output; /* the budget of the table (0 until read_sheet sets the default) */
	size_t output;     /* counted so far (see xlsx.h) */
	size_t strings_bytes; /* the shared strings part, unpacked */
	bool date1904;
	GPtrArray *strings; /* shared strings, char* (empty ones: csv_empty_field) */
	GArray *date_style; /* gboolean per cellXfs index */
} xl;

/* One zip entry being read by libxml2. */
typedef struct part {
	xl *x;
	const char *name;
	zip_file_t *f;
	zip_uint64_t declared, got;
	GError *err; /* the first error of the input callback */
	char *xml_error; /* the first message libxml2 reported */
} part;

bool xlsx_is_zip(const char *data, size_t len)
{
	return len >= 4 && data[0] == 'P' && data[1] == 'K' &&
	       ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6));
}

bool xlsx_parse_ref(const char *ref, size_t *col, size_t *row)
{
	size_t c = 0, r = 0, letters = 0, digits = 0;
	const char *p = ref;

	if (!ref)
		return false;
	while (g_ascii_isalpha(*p)) {
		if (++letters > 3)
			return false;
		c = c * 26 + (size_t)(g_ascii_toupper(*p) - 'A' + 1);
		p++;
	}
	while (g_ascii_isdigit(*p)) {
		if (++digits > 7)
			return false;
		r = r * 10 + (size_t)(*p - '0');
		p++;
	}
	if (*p || letters == 0 || digits == 0 || c > XLSX_MAX_COLUMN_NUMBER || r == 0 ||
	    r > XLSX_MAX_ROW_NUMBER)
		return false;
	*col = c - 1;
	*row = r;
	return true;
}

/* Frees a field unless it is the shared empty one (csv.h). */
static void field_free(gpointer p)
{
	if (p != csv_empty_field)
		g_free(p);
}

/* Counts n more bytes of output against the budget; false with err when
 * it is spent. */
static bool output_add(xl *x, size_t n, size_t row, GError **err)
{
	x->output += n;
	if (x->output <= x->max_output)
		return true;
	/* Rounded up, so that a budget under 1 MB does not read "0 MB". */
	g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
		    "row %zu: the worksheet's values add up to more than %zu MB", row,
		    (x->max_output + 1024 * 1024 - 1) / (1024 * 1024));
	return false;
}

/* ---- reading parts ---------------------------------------------------- */

static int part_read(void *ctx, char *buf, int len)
{
	part *p = ctx;
	zip_int64_t n;

	if (p->err)
		return -1;
	n = zip_fread(p->f, buf, (zip_uint64_t)len);
	if (n < 0) {
		g_set_error(&p->err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID,
			    INVALID_MSG " (%s cannot be unpacked: %s)", p->name,
			    zip_file_strerror(p->f));
		return -1;
	}
	p->got += (zip_uint64_t)n;
	p->x->total += (size_t)n;
	/* Counted while inflating: the directory's sizes are only a claim. */
	if (p->got > p->x->max_entry) {
		g_set_error(&p->err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "an entry of the workbook unpacks to more than %zu MB (zip bomb?)",
			    p->x->max_entry / (1024 * 1024));
		return -1;
	}
	if (p->got > p->declared) {
		g_set_error(&p->err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "an entry of the workbook unpacks to more than its directory says "
			    "(zip bomb?)");
		return -1;
	}
	if (p->x->total > p->x->max_total) {
		g_set_error(&p->err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "the workbook unpacks to more than %zu MB in all (zip bomb?)",
			    p->x->max_total / (1024 * 1024));
		return -1;
	}
	return (int)n;
}

static void part_xml_error(void *ctx, xmlErrorPtr e)
{
	part *p = ctx;
	if (!p->xml_error && e && e->level >= XML_ERR_ERROR)
		p->xml_error = g_strstrip(g_strdup_printf("line %d: %s", e->line,
							  e->message ? e->message : "error"));
}

/* Opens the entry name: 1, 0 when there is none, -1 with err. */
static int part_open(xl *x, const char *name, part *p, GError **err)
{
	zip_stat_t st;
	zip_int64_t idx = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);

	memset(p, 0, sizeof *p);
	if (idx < 0)
		return 0;
	zip_stat_init(&st);
	if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) < 0 ||
	    !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG " (%s)", name);
		return -1;
	}
	if (st.size > x->max_entry) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "an entry of the workbook unpacks to more than %zu MB (zip bomb?)",
			    x->max_entry / (1024 * 1024));
		return -1;
	}
	if (st.size > XLSX_RATIO_MIN_BYTES &&
	    st.size / (st.comp_size ? st.comp_size : 1) > XLSX_MAX_RATIO) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "an entry of the workbook is compressed more than %d:1 (zip bomb?)",
			    XLSX_MAX_RATIO);
		return -1;
	}
	if (x->total + st.size > x->max_total) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_BOMB,
			    "the workbook unpacks to more than %zu MB in all (zip bomb?)",
			    x->max_total / (1024 * 1024));
		return -1;
	}
	p->f = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
	if (!p->f) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG " (%s: %s)", name,
			    zip_strerror(x->zip));
		return -1;
	}
	p->x = x;
	p->name = name;
	p->declared = st.size;
	return 1;
}

static void part_close(part *p)
{
	if (p->f)
		zip_fclose(p->f);
	p->f = NULL;
	g_clear_error(&p->err);
	g_clear_pointer(&p->xml_error, g_free);
}

static xmlTextReaderPtr part_reader(part *p)
{
	/* No XML_PARSE_NOENT (no entity substitution), no XML_PARSE_DTDLOAD,
	 * no XML_PARSE_HUGE (libxml2's own size limits stay on). */
	xmlTextReaderPtr r = xmlReaderForIO(part_read, NULL, p, p->name, NULL,
					    XML_PARSE_NONET | XML_PARSE_NOERROR |
						    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (r)
		xmlTextReaderSetStructuredErrorHandler(r, part_xml_error, p);
	return r;
}

/* After xmlTextReaderRead returned -1 or a refused node: the error. */
static void part_fail(part *p, GError **err)
{
	if (p->err) {
		g_propagate_error(err, g_steal_pointer(&p->err));
		return;
	}
	g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG " (%s: %s)", p->name,
		    p->xml_error ? p->xml_error : "malformed XML");
}

/* One step of the reader: 1 a node, 0 the end, -1 with err. A document type
 * declaration or an entity reference is refused: OOXML has neither, and
 * they are how XML bombs and external entities come in. */
static int step(xmlTextReaderPtr r, part *p, GError **err)
{
	int rc = xmlTextReaderRead(r);
	if (rc < 0 || p->err) {
		part_fail(p, err);
		return -1;
	}
	if (rc == 0)
		return 0;
	int t = xmlTextReaderNodeType(r);
	if (t == XML_READER_TYPE_DOCUMENT_TYPE || t == XML_READER_TYPE_ENTITY_REFERENCE ||
	    t == XML_READER_TYPE_ENTITY) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID,
			    INVALID_MSG " (%s: a document type or entity is not allowed)", p->name);
		return -1;
	}
	return 1;
}

static bool is_element(xmlTextReaderPtr r, const char *local)
{
	return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
	       strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0;
}

static bool is_end(xmlTextReaderPtr r, const char *local)
{
	return xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT &&
	       strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0;
}

static bool is_text(xmlTextReaderPtr r)
{
	int t = xmlTextReaderNodeType(r);
	return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
	       t == XML_READER_TYPE_WHITESPACE || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* An attribute by local name, whatever its namespace (OOXML transitional
 * and strict differ only in namespaces). Newly allocated or NULL. */
static char *attr(xmlTextReaderPtr r, const char *local)
{
	char *v = NULL;
	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return NULL;
	do {
		if (strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0) {
			v = g_strdup((const char *)xmlTextReaderConstValue(r));
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return v;
}

/* An attribute with a namespace (the r:id of a <sheet>). */
static char *attr_ns(xmlTextReaderPtr r, const char *local)
{
	char *v = NULL;
	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return NULL;
	do {
		if (strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0 &&
		    xmlTextReaderConstNamespaceUri(r)) {
			v = g_strdup((const char *)xmlTextReaderConstValue(r));
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return v;
}

/* Appends the text of the current text node, within the cell limit. */
static bool text_add(xmlTextReaderPtr r, GString *s)
{
	const char *v = (const char *)xmlTextReaderConstValue(r);
	size_t n = v ? strlen(v) : 0;
	if (s->len + n > XLSX_MAX_CELL_BYTES)
		return false;
	g_string_append_len(s, v ? v : "", (gssize)n);
	return true;
}

/* Excel writes characters XML cannot hold as _xHHHH_ (and a literal
 * "_x" as _x005F_x). Decoded in place. */
static void decode_escapes(GString *s)
{
	const char *p = strstr(s->str, "_x");
	if (!p)
		return;
	GString *out = g_string_sized_new(s->len);
	size_t i = 0;
	while (i < s->len) {
		if (i + 7 <= s->len && s->str[i] == '_' && s->str[i + 1] == 'x' &&
		    s->str[i + 6] == '_' && g_ascii_isxdigit(s->str[i + 2]) &&
		    g_ascii_isxdigit(s->str[i + 3]) && g_ascii_isxdigit(s->str[i + 4]) &&
		    g_ascii_isxdigit(s->str[i + 5])) {
			char hex[5] = {s->str[i + 2], s->str[i + 3], s->str[i + 4], s->str[i + 5], 0};
			gunichar c = (gunichar)strtoul(hex, NULL, 16);
			if (c != 0 && g_unichar_validate(c)) {
				g_string_append_unichar(out, c);
				i += 7;
				continue;
			}
		}
		g_string_append_c(out, s->str[i]);
		i++;
	}
	g_string_assign(s, out->str);
	g_string_free(out, TRUE);
}

/* ---- workbook, relationships, styles, shared strings ------------------- */

/* The first sheet's relationship id and the date system. */
static int read_workbook(xl *x, char **sheet_rid, GError **err)
{
	part p;
	int rc = part_open(x, "xl/workbook.xml", &p, err);
	if (rc <= 0) {
		if (rc == 0)
			g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK,
				    "the zip archive holds no XLSX workbook (xl/workbook.xml is missing)");
		return -1;
	}
	xmlTextReaderPtr r = part_reader(&p);
	int ok = 0;
	while ((rc = step(r, &p, err)) == 1) {
		if (is_element(r, "workbookPr")) {
			g_autofree char *d = attr(r, "date1904");
			x->date1904 = d && (strcmp(d, "1") == 0 || g_ascii_strcasecmp(d, "true") == 0);
		} else if (is_element(r, "sheet") && !*sheet_rid) {
			*sheet_rid = attr_ns(r, "id");
		}
	}
	if (rc < 0)
		ok = -1;
	xmlFreeTextReader(r);
	part_close(&p);
	return ok;
}

/* A relationship target relative to xl/ as a part name ("worksheets/
 * sheet1.xml" → "xl/worksheets/sheet1.xml", "/xl/x.xml" → "xl/x.xml"). */
static char *resolve_target(const char *target)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	g_autofree char *full = target[0] == '/' ? g_strdup(target + 1)
						 : g_strconcat("xl/", target, NULL);

	parts = g_strsplit(full, "/", -1);
	for (char **s = parts; *s; s++) {
		if (!**s || strcmp(*s, ".") == 0)
			continue;
		if (strcmp(*s, "..") == 0) {
			if (out->len)
				g_ptr_array_remove_index(out, out->len - 1);
			continue;
		}
		g_ptr_array_add(out, *s);
	}
	g_ptr_array_add(out, NULL);
	return g_strjoinv("/", (char **)out->pdata);
}

static bool type_is(const char *type, const char *suffix)
{
	return type && g_str_has_suffix(type, suffix);
}

static int read_rels(xl *x, const char *sheet_rid, char **sheet, char **strings, char **styles,
		     GError **err)
{
	part p;
	int rc = part_open(x, "xl/_rels/workbook.xml.rels", &p, err);
	if (rc <= 0)
		return rc;
	xmlTextReaderPtr r = part_reader(&p);
	while ((rc = step(r, &p, err)) == 1) {
		if (!is_element(r, "Relationship"))
			continue;
		g_autofree char *id = attr(r, "Id");
		g_autofree char *type = attr(r, "Type");
		g_autofree char *target = attr(r, "Target");
		g_autofree char *mode = attr(r, "TargetMode");
		if (!target || (mode && g_ascii_strcasecmp(mode, "External") == 0))
			continue;
		if (sheet_rid && id && strcmp(id, sheet_rid) == 0 && !*sheet)
			*sheet = resolve_target(target);
		else if (type_is(type, "/sharedStrings") && !*strings)
			*strings = resolve_target(target);
		else if (type_is(type, "/styles") && !*styles)
			*styles = resolve_target(target);
	}
	xmlFreeTextReader(r);
	part_close(&p);
	return rc < 0 ? -1 : 1;
}

/* Whether a custom number format shows a date: a d or y, or an m that is
 * not minutes (no h or s), outside quoted text, escapes and [..] codes. Only
 * the first section (positive numbers) counts. */
static bool format_is_date(const char *code)
{
	bool d = false, m = false, time = false;
	/* "General" has no date letters; "Standard" (German) has a d but is none. */
	if (!code || g_ascii_strcasecmp(code, "General") == 0 ||
	    g_ascii_strcasecmp(code, "Standard") == 0)
		return false;
	for (const char *p = code; p && *p; p++) {
		char c = g_ascii_tolower(*p);
		if (c == '"') {
			const char *q = strchr(p + 1, '"');
			if (!q)
				break;
			p = q;
		} else if (c == '\\' || c == '_' || c == '*') {
			if (!p[1])
				break;
			p++;
		} else if (c == '[') {
			const char *q = strchr(p + 1, ']');
			if (!q)
				break;
			p = q;
		} else if (c == ';') {
			break;
		} else if (c == 'd' || c == 'y') {
			d = true;
		} else if (c == 'm') {
			m = true;
		} else if (c == 'h' || c == 's') {
			time = true;
		}
	}
	return d || (m && !time);
}

static bool builtin_is_date(long id)
{
	/* 14–17 dates, 22 date and time; 18–21 and 45–47 are times only. */
	return (id >= 14 && id <= 17) || id == 22;
}

static int read_styles(xl *x, const char *name, GError **err)
{
	part p;
	g_autoptr(GHashTable) custom = g_hash_table_new(g_direct_hash, g_direct_equal);
	bool in_xfs = false;
	int rc = part_open(x, name, &p, err);
	if (rc <= 0)
		return rc;
	xmlTextReaderPtr r = part_reader(&p);
	while ((rc = step(r, &p, err)) == 1) {
		if (is_element(r, "numFmt")) {
			g_autofree char *id = attr(r, "numFmtId");
			g_autofree char *code = attr(r, "formatCode");
			if (id && format_is_date(code))
				g_hash_table_add(custom, GINT_TO_POINTER(atoi(id)));
		} else if (is_element(r, "cellXfs")) {
			in_xfs = !xmlTextReaderIsEmptyElement(r);
		} else if (is_end(r, "cellXfs")) {
			in_xfs = false;
		} else if (in_xfs && is_element(r, "xf")) {
			g_autofree char *id = attr(r, "numFmtId");
			long n = id ? strtol(id, NULL, 10) : 0;
			gboolean date = builtin_is_date(n) ||
					(n >= 0 && n <= G_MAXINT &&
					 g_hash_table_contains(custom, GINT_TO_POINTER((int)n)));
			if (x->date_style->len >= XLSX_MAX_STYLES) {
				g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
					    "the workbook has more than %u cell styles", XLSX_MAX_STYLES);
				rc = -1;
				break;
			}
			g_array_append_val(x->date_style, date);
		}
	}
	xmlFreeTextReader(r);
	part_close(&p);
	return rc < 0 ? -1 : 1;
}

static int read_strings(xl *x, const char *name, GError **err)
{
	part p;
	g_autoptr(GString) s = g_string_new(NULL);
	bool in_si = false, in_t = false;
	int rph = 0;
	int rc = part_open(x, name, &p, err);
	if (rc <= 0)
		return rc;
	xmlTextReaderPtr r = part_reader(&p);
	while ((rc = step(r, &p, err)) == 1) {
		bool push = false;
		if (is_element(r, "si")) {
			in_si = true;
			g_string_truncate(s, 0);
			push = xmlTextReaderIsEmptyElement(r);
		} else if (is_end(r, "si")) {
			push = true;
		} else if (in_si && is_element(r, "rPh")) {
			/* Phonetic hints (furigana) are not part of the text. */
			if (!xmlTextReaderIsEmptyElement(r))
				rph++;
		} else if (in_si && is_end(r, "rPh")) {
			rph--;
		} else if (in_si && is_element(r, "t")) {
			in_t = !xmlTextReaderIsEmptyElement(r);
		} else if (is_end(r, "t")) {
			in_t = false;
		} else if (in_si && in_t && rph == 0 && is_text(r)) {
			if (!text_add(r, s)) {
				g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
					    "a text of the workbook is longer than %zu bytes",
					    XLSX_MAX_CELL_BYTES);
				rc = -1;
				break;
			}
		}
		if (push) {
			if (x->strings->len >= XLSX_MAX_SHARED_STRINGS) {
				g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
					    "the workbook has more than %u shared strings",
					    (unsigned)XLSX_MAX_SHARED_STRINGS);
				rc = -1;
				break;
			}
			decode_escapes(s);
			/* An empty <si/> costs 5 bytes of XML; no allocation for it. */
			g_ptr_array_add(x->strings, s->len ? g_strndup(s->str, s->len)
							   : (char *)csv_empty_field);
			in_si = in_t = false;
			rph = 0;
		}
	}
	x->strings_bytes = (size_t)p.got;
	xmlFreeTextReader(r);
	part_close(&p);
	return rc < 0 ? -1 : 1;
}

/* ---- the worksheet --------------------------------------------------- */

/* A plain decimal: -?digits(.digits)? */
static bool plain_decimal(const char *s, const char **dot)
{
	const char *p = s;
	*dot = NULL;
	if (*p == '-')
		p++;
	if (!g_ascii_isdigit(*p))
		return false;
	while (g_ascii_isdigit(*p))
		p++;
	if (*p == '.') {
		*dot = p++;
		if (!g_ascii_isdigit(*p))
			return false;
		while (g_ascii_isdigit(*p))
			p++;
	}
	return *p == '\0';
}

/* A number as the office typed it: "123456" stays, "123456.0" and
 * "1.23456E5" become "123456", binary noise ("0.30000000000000004") is
 * rounded to 15 significant digits, what is no number stays as written. */
static char *number_text(const char *v)
{
	g_autofree char *s = g_strstrip(g_strdup(v));
	const char *dot;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (plain_decimal(s, &dot)) {
		if (!dot)
			return g_steal_pointer(&s);
		size_t end = strlen(s);
		while (end > (size_t)(dot - s) + 1 && s[end - 1] == '0')
			end--;
		if (end == (size_t)(dot - s) + 1)
			end--; /* "123.000" → "123" */
		s[end] = '\0';
		size_t digits = 0;
		for (const char *p = s; *p; p++)
			digits += g_ascii_isdigit(*p) ? 1 : 0;
		if (digits <= 15)
			return g_steal_pointer(&s);
		/* Fall through: too many digits after the point is binary noise. */
	}
	char *end = NULL;
	double d = g_ascii_strtod(s, &end);
	if (!end || *end || end == s || !isfinite(d))
		return g_steal_pointer(&s);
	if (d == floor(d) && fabs(d) < 1e15)
		return g_strdup_printf("%.0f", d);
	g_ascii_formatd(buf, sizeof buf, "%.15g", d);
	return g_strdup(buf);
}

/* A date serial as YYYY-MM-DD, or NULL when it is out of range. */
static char *serial_date(const xl *x, const char *v)
{
	char *end = NULL;
	double d = g_ascii_strtod(v, &end);
	GDate date;

	if (!end || end == v || *end || !isfinite(d) || d < 1 || d > 2958465)
		return NULL;
	long days = (long)floor(d);
	if (x->date1904) {
		g_date_clear(&date, 1);
		g_date_set_dmy(&date, 1, 1, 1904);
	} else if (days < 60) {
		/* Before Excel's fictitious 29 February 1900: day 1 is 1 January. */
		g_date_clear(&date, 1);
		g_date_set_dmy(&date, 31, 12, 1899);
	} else {
		g_date_clear(&date, 1);
		g_date_set_dmy(&date, 30, 12, 1899);
	}
	g_date_add_days(&date, (guint)days);
	if (!g_date_valid(&date) || g_date_get_year(&date) > 9999)
		return NULL;
	return g_strdup_printf("%04u-%02u-%02u", g_date_get_year(&date), g_date_get_month(&date),
			       g_date_get_day(&date));
}

typedef struct cell {
	size_t col;
	char *type, *style, *ref;
	GString *v, *is;
	bool in_v, in_is, in_t;
	int rph;
} cell;

/* The text of a finished cell, newly allocated ("" for none). */
static char *cell_value(xl *x, cell *c, size_t row, GError **err)
{
	const char *t = c->type ? c->type : "n";

	if (strcmp(t, "s") == 0) {
		char *end = NULL;
		const char *v = g_strstrip(c->v->str);
		if (!*v)
			return g_strdup("");
		guint64 i = g_ascii_strtoull(v, &end, 10);
		if (*end || i >= x->strings->len) {
			g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_CELL,
				    "row %zu: a cell refers to shared string %s, which does not exist",
				    row, v);
			return NULL;
		}
		return g_strdup(g_ptr_array_index(x->strings, i));
	}
	if (strcmp(t, "inlineStr") == 0) {
		decode_escapes(c->is);
		return g_strdup(c->is->str);
	}
	if (strcmp(t, "str") == 0) {
		decode_escapes(c->v);
		return g_strdup(c->v->str);
	}
	if (strcmp(t, "e") == 0)
		return g_strdup("");
	if (strcmp(t, "b") == 0)
		return g_strdup(strcmp(g_strstrip(c->v->str), "1") == 0 ? "1"
				: c->v->len	? "0"
						: "");
	if (strcmp(t, "d") == 0) {
		/* An ISO 8601 date cell (rare; Excel strict). */
		const char *v = g_strstrip(c->v->str);
		if (strlen(v) >= 10 && v[4] == '-' && v[7] == '-')
			return g_strndup(v, 10);
		return g_strdup(v);
	}
	/* A number. */
	const char *v = g_strstrip(c->v->str);
	if (!*v)
		return g_strdup("");
	if (c->style) {
		char *end = NULL;
		guint64 s = g_ascii_strtoull(c->style, &end, 10);
		if (end && !*end && s < x->date_style->len &&
		    g_array_index(x->date_style, gboolean, s)) {
			char *date = serial_date(x, v);
			if (date)
				return date;
		}
	}
	return number_text(v);
}

static void cell_reset(cell *c)
{
	g_clear_pointer(&c->type, g_free);
	g_clear_pointer(&c->style, g_free);
	g_clear_pointer(&c->ref, g_free);
	g_string_truncate(c->v, 0);
	g_string_truncate(c->is, 0);
	c->in_v = c->in_is = c->in_t = false;
	c->rph = 0;
}

/* Ends a row: a record when it has a value. */
static bool row_end(xl *x, csv_table *t, GPtrArray *fields, size_t row, GError **err)
{
	if (fields->len == 0)
		return true;
	if (t->records->len >= x->max_rows) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
			    "row %zu: the worksheet has more than %zu rows", row, x->max_rows);
		return false;
	}
	/* The record, its NULL terminator and its slot in t->records. */
	if (!output_add(x, sizeof(csv_record) + 2 * sizeof(char *), row, err))
		return false;
	csv_record *rec = g_new0(csv_record, 1);
	rec->line = row;
	rec->n = fields->len;
	g_ptr_array_add(fields, NULL);
	rec->fields = (char **)g_ptr_array_steal(fields, NULL);
	g_ptr_array_add(t->records, rec);
	return true;
}

static int read_sheet(xl *x, const char *name, csv_table *t, GError **err)
{
	part p;
	g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(field_free);
	cell c = {.v = g_string_new(NULL), .is = g_string_new(NULL)};
	size_t row = 0, next_col = 0, cells = 0;
	bool in_row = false, in_c = false;
	int rc = part_open(x, name, &p, err);

	if (rc <= 0) {
		if (rc == 0)
			g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK,
				    "the workbook has no worksheet (%s is missing)", name);
		g_string_free(c.v, TRUE);
		g_string_free(c.is, TRUE);
		return -1;
	}
	if (!x->max_output) {
		/* The declared size is at most max_entry (checked in part_open)
		 * and a lie upwards only raises a budget that is capped anyway. */
		size_t in = (size_t)p.declared + x->strings_bytes;
		x->max_output = in > XLSX_MAX_OUTPUT_BYTES / XLSX_OUTPUT_RATIO
					? XLSX_MAX_OUTPUT_BYTES
					: MAX(in * XLSX_OUTPUT_RATIO, XLSX_MIN_OUTPUT_BYTES);
	}
	xmlTextReaderPtr r = part_reader(&p);
	while ((rc = step(r, &p, err)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *n = (const char *)xmlTextReaderConstLocalName(r);
			bool empty = xmlTextReaderIsEmptyElement(r);
			if (strcmp(n, "row") == 0) {
				g_autofree char *rn = attr(r, "r");
				size_t want = row + 1;
				if (rn) {
					char *end = NULL;
					guint64 v = g_ascii_strtoull(rn, &end, 10);
					if (!*rn || *end || v == 0 || v > XLSX_MAX_ROW_NUMBER) {
						g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_CELL,
							    "row %zu: the row number \"%s\" is not "
							    "valid", want, rn);
						rc = -1;
						break;
					}
					want = (size_t)v;
				}
				if (want > XLSX_MAX_ROW_NUMBER) {
					g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
						    "the worksheet has more than %u rows",
						    XLSX_MAX_ROW_NUMBER);
					rc = -1;
					break;
				}
				row = want;
				next_col = cells = 0;
				g_ptr_array_set_size(fields, 0);
				in_row = !empty;
			} else if (strcmp(n, "c") == 0 && in_row) {
				/* A row has at most XFD cells; more (repeated references,
				 * or cells without one counting on) is no spreadsheet. */
				if (++cells > XLSX_MAX_COLUMN_NUMBER) {
					g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
						    "row %zu: more than %u cells in one row (columns "
						    "end at XFD)",
						    row, XLSX_MAX_COLUMN_NUMBER);
					rc = -1;
					break;
				}
				cell_reset(&c);
				/* One pass over the attributes (a cell has up to a few). */
				if (xmlTextReaderMoveToFirstAttribute(r) == 1) {
					do {
						const char *an =
							(const char *)xmlTextReaderConstLocalName(r);
						char **slot = strcmp(an, "t") == 0   ? &c.type
							      : strcmp(an, "s") == 0 ? &c.style
							      : strcmp(an, "r") == 0 ? &c.ref
										     : NULL;
						if (slot && !*slot)
							*slot = g_strdup((const char *)
									 xmlTextReaderConstValue(r));
					} while (xmlTextReaderMoveToNextAttribute(r) == 1);
					xmlTextReaderMoveToElement(r);
				}
				if (c.ref) {
					size_t col, rr;
					if (!xlsx_parse_ref(c.ref, &col, &rr)) {
						g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_CELL,
							    "row %zu: the cell reference \"%s\" is "
							    "not valid (columns end at XFD)",
							    row, c.ref);
						rc = -1;
						break;
					}
					c.col = col;
				} else if (next_col >= XLSX_MAX_COLUMN_NUMBER) {
					g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_CELL,
						    "row %zu: a cell lies beyond column XFD", row);
					rc = -1;
					break;
				} else {
					c.col = next_col;
				}
				next_col = c.col + 1;
				in_c = !empty;
			} else if (in_c && strcmp(n, "v") == 0) {
				c.in_v = !empty;
			} else if (in_c && strcmp(n, "is") == 0) {
				c.in_is = !empty;
			} else if (in_c && c.in_is && strcmp(n, "rPh") == 0) {
				if (!empty)
					c.rph++;
			} else if (in_c && c.in_is && strcmp(n, "t") == 0) {
				c.in_t = !empty;
			}
			continue;
		}
		if (type == XML_READER_TYPE_END_ELEMENT) {
			const char *n = (const char *)xmlTextReaderConstLocalName(r);
			if (strcmp(n, "v") == 0) {
				c.in_v = false;
			} else if (strcmp(n, "t") == 0) {
				c.in_t = false;
			} else if (strcmp(n, "rPh") == 0) {
				c.rph--;
			} else if (strcmp(n, "is") == 0) {
				c.in_is = false;
			} else if (strcmp(n, "c") == 0 && in_c) {
				in_c = false;
				char *v = cell_value(x, &c, row, err);
				if (!v) {
					rc = -1;
					break;
				}
				if (!*v) {
					g_free(v);
					continue;
				}
				if (c.col >= x->max_columns) {
					g_free(v);
					g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
						    "row %zu: a value lies beyond column %zu "
						    "(more than %zu columns)",
						    row, x->max_columns, x->max_columns);
					rc = -1;
					break;
				}
				/* The value (its bytes, NUL, allocation overhead) and
				 * the pointers of the fields it adds, padding included. */
				size_t cost = strlen(v) + 1 + 16;
				if (c.col >= fields->len)
					cost += (c.col + 1 - fields->len) * sizeof(char *);
				if (!output_add(x, cost, row, err)) {
					g_free(v);
					rc = -1;
					break;
				}
				if (c.col >= fields->len) {
					guint from = fields->len;
					g_ptr_array_set_size(fields, (guint)c.col + 1);
					/* The cells between share one empty string: a
					 * value in column ALL costs 999 pointers, not 999
					 * allocations. */
					for (guint i = from; i < c.col; i++)
						fields->pdata[i] = (char *)csv_empty_field;
				} else {
					field_free(fields->pdata[c.col]);
				}
				fields->pdata[c.col] = v;
			} else if (strcmp(n, "row") == 0 && in_row) {
				in_row = false;
				if (!row_end(x, t, fields, row, err)) {
					rc = -1;
					break;
				}
				g_ptr_array_set_size(fields, 0);
			}
			continue;
		}
		if (in_c && is_text(r)) {
			bool ok = true;
			if (c.in_v)
				ok = text_add(r, c.v);
			else if (c.in_is && c.in_t && c.rph == 0)
				ok = text_add(r, c.is);
			if (!ok) {
				g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
					    "row %zu: a cell holds more than %zu bytes", row,
					    XLSX_MAX_CELL_BYTES);
				rc = -1;
				break;
			}
		}
	}
	xmlFreeTextReader(r);
	part_close(&p);
	cell_reset(&c);
	g_string_free(c.v, TRUE);
	g_string_free(c.is, TRUE);
	return rc < 0 ? -1 : 1;
}

/* ---- the whole ------------------------------------------------------- */

/* The entry count of the end-of-central-directory record, before libzip
 * allocates for each entry; -1 when there is none to be found. */
static long eocd_entries(const char *data, size_t len)
{
	if (len < 22)
		return -1;
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (size_t i = len - 22 + 1; i-- > lo;) {
		const unsigned char *p = (const unsigned char *)data + i;
		if (p[0] == 'P' && p[1] == 'K' && p[2] == 5 && p[3] == 6)
			return (long)(p[10] | (p[11] << 8));
	}
	return -1;
}

static void xl_init_once(void)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		/* libxml2's global state is set up once, before threads use it. */
		xmlInitParser();
		g_once_init_leave(&once, 1);
	}
}

csv_table *xlsx_read(const char *data, size_t len, const xlsx_options *opt, GError **err)
{
	xlsx_options defaults = {0};
	zip_error_t zerr;
	zip_source_t *src;
	g_autofree char *rid = NULL, *sheet = NULL, *strings = NULL, *styles = NULL;
	g_autoptr(csv_table) t = NULL;
	xl x = {0};
	int rc = -1;

	xl_init_once();
	if (!opt)
		opt = &defaults;
	if (!data || !xlsx_is_zip(data, len)) {
		g_set_error_literal(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG);
		return NULL;
	}
	long entries = eocd_entries(data, len);
	if (entries < 0) {
		g_set_error_literal(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID,
				    INVALID_MSG " (the zip archive is incomplete)");
		return NULL;
	}
	if (entries != 0xFFFF && entries > XLSX_MAX_ZIP_ENTRIES) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
			    "the zip archive has more than %d entries", XLSX_MAX_ZIP_ENTRIES);
		return NULL;
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG " (%s)",
			    zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return NULL;
	}
	x.zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!x.zip) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_INVALID, INVALID_MSG " (%s)",
			    zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		zip_source_free(src);
		return NULL;
	}
	zip_error_fini(&zerr);
	x.max_entry = opt->max_entry_bytes ? opt->max_entry_bytes : XLSX_MAX_ENTRY_BYTES;
	x.max_total = opt->max_total_bytes ? opt->max_total_bytes : XLSX_MAX_TOTAL_BYTES;
	x.max_rows = opt->max_rows ? opt->max_rows : XLSX_DEFAULT_MAX_ROWS;
	x.max_columns = opt->max_columns ? opt->max_columns : XLSX_DEFAULT_MAX_COLUMNS;
	x.max_output = opt->max_output_bytes; /* 0: set by read_sheet from the sheet's size */
	x.strings = g_ptr_array_new_with_free_func(field_free);
	x.date_style = g_array_new(FALSE, FALSE, sizeof(gboolean));

	if (zip_get_num_entries(x.zip, 0) > XLSX_MAX_ZIP_ENTRIES) {
		g_set_error(err, BIREG_XLSX_ERROR, XLSX_ERROR_LIMIT,
			    "the zip archive has more than %d entries", XLSX_MAX_ZIP_ENTRIES);
		goto out;
	}
	if (read_workbook(&x, &rid, err) < 0)
		goto out;
	if (read_rels(&x, rid, &sheet, &strings, &styles, err) < 0)
		goto out;
	/* A broken chain (no relationships, a target that is not there): the
	 * conventional name of the first worksheet. */
	if (!sheet || zip_name_locate(x.zip, sheet, ZIP_FL_NOCASE) < 0) {
		g_free(sheet);
		sheet = g_strdup("xl/worksheets/sheet1.xml");
	}
	if (read_styles(&x, styles ? styles : "xl/styles.xml", err) < 0)
		goto out;
	if (read_strings(&x, strings ? strings : "xl/sharedStrings.xml", err) < 0)
		goto out;
	t = g_new0(csv_table, 1);
	t->records = g_ptr_array_new_with_free_func((GDestroyNotify)csv_record_free);
	if (read_sheet(&x, sheet, t, err) < 0)
		goto out;
	rc = 0;
out:
	zip_discard(x.zip);
	g_ptr_array_unref(x.strings);
	g_array_unref(x.date_style);
	return rc == 0 ? g_steal_pointer(&t) : NULL;
}
