/*
 * tabular.c — one entry for every uploaded table (see tabular.h).
 *
 * The order of the checks matters: the magic numbers first (zip, OLE), then
 * a UTF-16 byte order mark (Excel's "Unicode text" is UTF-16 with tabs),
 * then the binary check (before any conversion, so Windows-1252 — where
 * every byte is some character — cannot turn garbage into "text"), then
 * the encoding, then the separator. Every scan is one linear pass.
 */
#include "core/tabular.h"

#include <errno.h>
#include <libintl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "build_config.h"
#include "core/xlsx.h"

/* Like view/i18n.h, without making core depend on the view layer. */
#define _(s) dgettext(GETTEXT_PACKAGE, (s))

G_DEFINE_QUARK(bireg-tabular-error-quark, bireg_tabular_error)

#define TABULAR_DEFAULT_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define TABULAR_DEFAULT_MAX_RECORDS 200000
/* More control bytes than this (and more than one in a thousand) is not text. */
#define TABULAR_MAX_CONTROL_BYTES 8

void tabular_clear(tabular *t)
{
	if (!t)
		return;
	g_clear_pointer(&t->table, csv_table_free);
	t->format = 0;
	t->encoding = NULL;
	t->separator = 0;
}

/* The 1-based line of byte offset pos. */
static size_t line_at(const char *data, size_t pos)
{
	size_t line = 1;
	const char *p = data, *end = data + pos;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != 0x0C && c != 0x1A) ||
	       c == 0x7F;
}

/* Refuses binary data: a NUL byte anywhere, or control bytes in more than
 * a few places. One pass; for random bytes it stops at once. */
static bool check_text(const char *data, size_t len, GError **err)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t controls = 0, first = (size_t)-1;

	for (size_t i = 0; i < len; i++) {
		if (G_LIKELY(d[i] >= 0x20 && d[i] != 0x7F))
			continue;
		if (d[i] == 0) {
			g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT,
				    "line %zu: the file contains a NUL byte; it is neither a CSV "
				    "text file nor an XLSX workbook",
				    line_at(data, i));
			return false;
		}
		if (!is_control(d[i]))
			continue;
		if (first == (size_t)-1)
			first = i;
		if (++controls > TABULAR_MAX_CONTROL_BYTES && controls * 1000 > len) {
			g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT,
				    "line %zu: the file contains binary data (control characters); "
				    "it is neither a CSV text file nor an XLSX workbook",
				    line_at(data, first));
			return false;
		}
	}
	return true;
}

/* `;`, `,` or tab, whichever occurs most often outside quotes in the first
 * record; `;` wins ties (and a record without any). */
static char detect_separator(const char *data, size_t len)
{
	size_t semi = 0, comma = 0, tab = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '"') {
			quoted = !quoted;
		} else if (quoted) {
			continue;
		} else if (c == '\n' || c == '\r') {
			break;
		} else if (c == ';') {
			semi++;
		} else if (c == ',') {
			comma++;
		} else if (c == '\t') {
			tab++;
		}
	}
	if (semi >= comma && semi >= tab)
		return ';';
	return comma >= tab ? ',' : '\t';
}

/* Excel's `sep=X` first line (after a BOM), which the CSV reader honours. */
static bool has_sep_line(const char *data, size_t len)
{
	if (len >= 3 && memcmp(data, CSV_UTF8_BOM, 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (len > 0 && data[0] == '"') {
		data++;
		len--;
	}
	return len >= 5 && g_ascii_strncasecmp(data, "sep=", 4) == 0;
}

static int read_xlsx(const char *data, size_t len, const tabular_options *opt, size_t max_records,
		     tabular *out, GError **err)
{
	g_autoptr(GError) e = NULL;
	xlsx_options xo = {.max_rows = max_records};
	csv_table *t = xlsx_read(data, len, &xo, &e);

	(void)opt;
	if (!t) {
		if (g_error_matches(e, BIREG_XLSX_ERROR, XLSX_ERROR_NOT_WORKBOOK)) {
			g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT,
				    "the file is a zip archive but no XLSX workbook (%s); save the "
				    "table as XLSX or CSV",
				    e->message);
			return -1;
		}
		g_propagate_error(err, g_steal_pointer(&e));
		return -1;
	}
	if (t->records->len == 0) {
		csv_table_free(t);
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY,
				    "the worksheet holds no rows");
		return -1;
	}
	out->table = t;
	out->format = TABULAR_XLSX;
	out->encoding = "utf-8";
	out->separator = 0;
	return 0;
}

int tabular_read(const char *data, size_t len, const tabular_options *opt, tabular *out,
		 GError **err)
{
	tabular_options defaults = {0};
	g_autofree char *converted = NULL;
	const char *encoding = "utf-8";
	size_t max_bytes, max_records;

	memset(out, 0, sizeof *out);
	if (!opt)
		opt = &defaults;
	max_bytes = opt->max_bytes ? opt->max_bytes : TABULAR_DEFAULT_MAX_BYTES;
	max_records = opt->max_records ? opt->max_records : TABULAR_DEFAULT_MAX_RECORDS;

	if (!data || len == 0) {
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY,
				    "the file is empty");
		return -1;
	}
	if (len > max_bytes) {
		g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_TOO_LARGE,
			    "the file is larger than %zu MB", max_bytes / (1024 * 1024));
		return -1;
	}
	if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT,
				    "the file is an old Excel workbook (.xls) or a "
				    "password-protected one; save it as XLSX or CSV");
		return -1;
	}
	if (xlsx_is_zip(data, len)) {
		/* OpenDocument puts its media type uncompressed at the start. */
		static const char odf[] = "application/vnd.oasis.opendocument";
		if (memmem(data, MIN(len, (size_t)200), odf, sizeof odf - 1)) {
			g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_FORMAT,
					    "the file is an OpenDocument spreadsheet (.ods); save it "
					    "as XLSX or CSV");
			return -1;
		}
		return read_xlsx(data, len, opt, max_records, out, err);
	}

	if (len >= 2 && ((guchar)data[0] == 0xFF && (guchar)data[1] == 0xFE)) {
		/* Excel's "Unicode text": UTF-16LE with a byte order mark. */
		gsize got = 0;
		g_autoptr(GError) e = NULL;
		converted = g_convert(data + 2, (gssize)(len - 2), "UTF-8", "UTF-16LE", NULL, &got,
				      &e);
		if (!converted) {
			g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_NOT_TEXT,
				    "the file starts like UTF-16 text but is not (%s)", e->message);
			return -1;
		}
		data = converted;
		len = got;
		encoding = "utf-16";
	}

	if (!check_text(data, len, err))
		return -1;
	if (!csv_is_utf8(data, len) && len >= 3 && memcmp(data, CSV_UTF8_BOM, 3) == 0) {
		/* A byte order mark says UTF-8: reading it as Windows-1252 would
		 * turn the mark into "ï»¿" and the umlauts into pairs. */
		const char *end = NULL;
		g_utf8_validate_len(data, len, &end);
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_ENCODING,
			    "line %zu: the file begins as UTF-8 (byte order mark) but holds bytes "
			    "that are not UTF-8",
			    line_at(data, end ? (size_t)(end - data) : 0));
		return -1;
	}
	if (!csv_is_utf8(data, len)) {
		gsize read = 0, got = 0;
		g_autoptr(GError) e = NULL;
		converted = g_convert(data, (gssize)len, "UTF-8", "WINDOWS-1252", &read, &got, &e);
		if (!converted) {
			g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_ENCODING,
				    "line %zu: the file is neither UTF-8 nor Windows-1252 text",
				    line_at(data, MIN((size_t)read, len)));
			return -1;
		}
		data = converted;
		len = got;
		encoding = "windows-1252";
	}

	csv_options co = {
		.drop_trailing_empty = opt->drop_trailing_empty,
		.max_records = max_records,
		.max_file_bytes = max_bytes,
	};
	if (!has_sep_line(data, len)) {
		size_t skip = len >= 3 && memcmp(data, CSV_UTF8_BOM, 3) == 0 ? 3 : 0;
		co.separator = detect_separator(data + skip, len - skip);
	}
	csv_table *t = csv_parse(data, len, &co, err);
	if (!t)
		return -1;
	if (t->records->len == 0) {
		csv_table_free(t);
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY,
				    "the file holds no rows");
		return -1;
	}
	out->table = t;
	out->format = TABULAR_CSV;
	out->encoding = encoding;
	out->separator = t->separator;
	return 0;
}

int tabular_read_file(const char *path, const tabular_options *opt, tabular *out, GError **err)
{
	size_t max = opt && opt->max_bytes ? opt->max_bytes : TABULAR_DEFAULT_MAX_BYTES;
	g_autofree char *data = NULL;
	gsize len = 0;
	struct stat st;

	memset(out, 0, sizeof *out);
	if (stat(path, &st) != 0) {
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return -1;
	}
	if ((size_t)st.st_size > max) {
		g_set_error(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_TOO_LARGE,
			    "the file is larger than %zu MB", max / (1024 * 1024));
		return -1;
	}
	g_autoptr(GError) e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e)) {
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_IO, "%s", e->message);
		return -1;
	}
	return tabular_read(data, len, opt, out, err);
}

/* ---- messages for the UI --------------------------------------------- */

/* The line ("line 17: …", "row 17: …") an English message starts with, or 0. */
static size_t message_line(const char *msg)
{
	size_t n = 0;
	if (!msg)
		return 0;
	if (sscanf(msg, "line %zu:", &n) == 1 || sscanf(msg, "row %zu:", &n) == 1)
		return n;
	return 0;
}

/* The number after "than " in a message ("larger than 64 MB"), or 0. */
static size_t message_limit(const char *msg)
{
	const char *p = msg ? strstr(msg, "than ") : NULL;
	size_t n = 0;
	return p && sscanf(p, "than %zu", &n) == 1 ? n : 0;
}

static const char *csv_text(const GError *err)
{
	const char *m = err->message;
	switch ((csv_error_code)err->code) {
	case CSV_ERROR_ENCODING:
		if (strstr(m, "NUL"))
			return _("The file contains a NUL byte; is it a text file?");
		return _("The text is neither UTF-8 nor Windows-1252; please save the file as "
			 "CSV (UTF-8).");
	case CSV_ERROR_UNTERMINATED:
		return _("A quotation mark is never closed (a \" is missing).");
	case CSV_ERROR_QUOTE:
		return _("Text follows the closing quotation mark of a field (a quotation mark "
			 "inside a field must be doubled).");
	case CSV_ERROR_LIMIT:
		if (strstr(m, "of memory"))
			return _("The file holds more data than can be imported at once (very many "
				 "empty columns?); please remove the columns that are not needed or "
				 "split the file.");
		if (strstr(m, "fields"))
			return _("The row has too many columns.");
		if (strstr(m, "field is longer"))
			return _("A field is too long.");
		if (strstr(m, "records"))
			return _("The file has too many rows.");
		return _("The file is too large.");
	case CSV_ERROR_IO:
		return _("The file cannot be read.");
	case CSV_ERROR_ARGUMENT:
		return _("The sep= line names a separator that cannot be used.");
	}
	return _("The file cannot be read.");
}

static const char *xlsx_text(const GError *err)
{
	const char *m = err->message;
	switch ((xlsx_error_code)err->code) {
	case XLSX_ERROR_INVALID:
		return _("The file is not a valid XLSX workbook (damaged or incomplete).");
	case XLSX_ERROR_NOT_WORKBOOK:
		return _("The ZIP archive is no XLSX workbook; please save the table as XLSX or "
			 "CSV.");
	case XLSX_ERROR_BOMB:
		return _("The workbook unpacks to far more data than allowed and was refused "
			 "(zip bomb?).");
	case XLSX_ERROR_LIMIT:
		/* First: its "row N:" prefix must not be taken for "rows". */
		if (strstr(m, "add up to"))
			return _("The worksheet holds more data than can be imported at once "
				 "(often values far to the right or a very long text repeated in "
				 "many cells); please remove unneeded columns or split the table.");
		if (strstr(m, "rows"))
			return _("The worksheet has too many rows.");
		if (strstr(m, "column"))
			return _("The worksheet has values in too many columns.");
		if (strstr(m, "bytes"))
			return _("A cell holds too much text.");
		return _("The workbook is too large to import.");
	case XLSX_ERROR_CELL:
		return _("The worksheet contains an invalid cell.");
	}
	return _("The file is not a valid XLSX workbook (damaged or incomplete).");
}

static char *tabular_text(const GError *err)
{
	const char *m = err->message;
	switch ((tabular_error_code)err->code) {
	case TABULAR_ERROR_EMPTY:
		return g_strdup(_("The file is empty."));
	case TABULAR_ERROR_NOT_TEXT:
		return g_strdup(_("The file contains binary data; it is neither a CSV text file "
				  "nor an XLSX workbook."));
	case TABULAR_ERROR_TOO_LARGE: {
		size_t mb = message_limit(m);
		if (mb)
			return g_strdup_printf(_("The file is too large (at most %zu MB)."), mb);
		return g_strdup(_("The file is too large."));
	}
	case TABULAR_ERROR_FORMAT:
		if (strstr(m, ".xls)"))
			return g_strdup(_("This is an old Excel workbook (.xls) or a "
					  "password-protected one; please save it as XLSX or CSV "
					  "and upload it again."));
		if (strstr(m, ".ods"))
			return g_strdup(_("This is an OpenDocument spreadsheet (.ods); please save "
					  "it as XLSX or CSV and upload it again."));
		return g_strdup(_("The ZIP archive is no XLSX workbook; please save the table as "
				  "XLSX or CSV."));
	}
	return g_strdup(_("The file cannot be read."));
}

char *tabular_error_message(const GError *err)
{
	g_autofree char *text = NULL;
	size_t line;

	if (!err)
		return g_strdup(_("The file cannot be read."));
	if (err->domain == BIREG_CSV_ERROR)
		text = g_strdup(csv_text(err));
	else if (err->domain == BIREG_XLSX_ERROR)
		text = g_strdup(xlsx_text(err));
	else if (err->domain == BIREG_TABULAR_ERROR)
		text = tabular_text(err);
	else
		return g_strdup(_("The file cannot be read."));
	line = message_line(err->message);
	if (line)
		/* TRANSLATORS: a line (row) of an uploaded table, then what is wrong there. */
		return g_strdup_printf(_("Line %zu: %s"), line, text);
	return g_steal_pointer(&text);
}
