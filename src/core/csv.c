/*
 * csv.c — the delimited-text reader and writer (see csv.h).
 *
 * One pass over the bytes with a small state machine per field: quoted or
 * not, a doubled quote inside quotes is one quote, a line break inside
 * quotes belongs to the field. Everything is byte-wise (the separator and
 * the quote are ASCII, so they never occur inside a multi-byte UTF-8
 * sequence); each finished record is then checked to be valid UTF-8, so an
 * encoding error names the line of the record it is in.
 */
#include "core/csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

G_DEFINE_QUARK(bireg-csv-error-quark, bireg_csv_error)

const char csv_empty_field[1] = "";

struct csv_reader {
	const char *data;
	size_t len, pos;
	size_t line; /* physical line at pos, 1-based */
	size_t records;
	char sep;
	bool had_bom, had_sep_line, failed;
	bool drop_trailing_empty, keep_empty_lines;
	size_t max_fields, max_field_bytes, max_records;
};

/* csv_parse's memory bound: CSV_TABLE_MIN_BYTES + CSV_TABLE_FACTOR times
 * the input's size. A real table (a few bytes of text per field) stays far
 * below; 1,000 empty fields per line of 1,000 separators would not. */
#define CSV_TABLE_MIN_BYTES ((size_t)16 << 20)
#define CSV_TABLE_FACTOR 6

/* Frees a field unless it is the shared empty one. */
static void field_free(gpointer p)
{
	if (p != csv_empty_field)
		g_free(p);
}

void csv_record_free(csv_record *r)
{
	if (!r)
		return;
	for (char **f = r->fields; f && *f; f++)
		if (*f != csv_empty_field)
			g_free(*f);
	g_free(r->fields);
	g_free(r);
}

const char *csv_record_get(const csv_record *r, size_t i)
{
	return i < r->n ? r->fields[i] : "";
}

static bool separator_usable(char c)
{
	unsigned char u = (unsigned char)c;
	return u > 0 && u < 0x80 && c != '"' && c != '\r' && c != '\n';
}

static size_t eol_len(const char *p, size_t left)
{
	if (left == 0)
		return 0;
	if (p[0] == '\n')
		return 1;
	if (p[0] == '\r')
		return left > 1 && p[1] == '\n' ? 2 : 1;
	return 0;
}

/* Excel's first line "sep=X" (also written quoted, "sep=X"): returns the
 * length of the line with its line break, or 0 when the input does not
 * start with one; *sep gets X. */
static size_t sep_line(const char *p, size_t left, char *sep)
{
	size_t n = 0;
	bool quoted = false;

	if (left > 0 && p[0] == '"') {
		quoted = true;
		n = 1;
	}
	if (left < n + 5 || g_ascii_strncasecmp(p + n, "sep=", 4) != 0)
		return 0;
	n += 4;
	*sep = p[n++];
	if (quoted) {
		if (n >= left || p[n] != '"')
			return 0;
		n++;
	}
	if (n < left) {
		size_t e = eol_len(p + n, left - n);
		if (e == 0)
			return 0;
		n += e;
	}
	return n;
}

csv_reader *csv_reader_new(const char *data, size_t len, const csv_options *opt, GError **err)
{
	csv_options defaults = {0};
	csv_reader *r;
	char sep;

	if (!opt)
		opt = &defaults;
	sep = opt->separator ? opt->separator : ';';
	if (!separator_usable(sep)) {
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT,
			    "the separator must be an ASCII character other than a quote or line break");
		return NULL;
	}
	if (len > 0 && !data) {
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT, "no data");
		return NULL;
	}
	r = g_new0(csv_reader, 1);
	r->data = data;
	r->len = len;
	r->line = 1;
	r->sep = sep;
	r->drop_trailing_empty = opt->drop_trailing_empty;
	r->keep_empty_lines = opt->keep_empty_lines;
	r->max_fields = opt->max_fields ? opt->max_fields : CSV_DEFAULT_MAX_FIELDS;
	r->max_field_bytes = opt->max_field_bytes ? opt->max_field_bytes : CSV_DEFAULT_MAX_FIELD_BYTES;
	r->max_records = opt->max_records;
	if (len >= 3 && memcmp(data, CSV_UTF8_BOM, 3) == 0) {
		r->pos = 3;
		r->had_bom = true;
	}
	if (!opt->ignore_sep_line) {
		char s = 0;
		size_t n = sep_line(data + r->pos, len - r->pos, &s);
		if (n > 0) {
			if (!separator_usable(s)) {
				g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_ARGUMENT,
					    "line 1: the sep= line names an unusable separator");
				g_free(r);
				return NULL;
			}
			r->sep = s;
			r->pos += n;
			r->line = 2;
			r->had_sep_line = true;
		}
	}
	return r;
}

void csv_reader_free(csv_reader *r)
{
	g_free(r);
}

char csv_reader_separator(const csv_reader *r)
{
	return r->sep;
}

bool csv_reader_had_bom(const csv_reader *r)
{
	return r->had_bom;
}

bool csv_reader_had_sep_line(const csv_reader *r)
{
	return r->had_sep_line;
}

size_t csv_reader_offset(const csv_reader *r)
{
	return r->pos;
}

static int reader_fail(csv_reader *r, GError **err, csv_error_code code, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
static int reader_fail(csv_reader *r, GError **err, csv_error_code code, const char *fmt, ...)
{
	va_list ap;
	r->failed = true;
	if (err) {
		va_start(ap, fmt);
		g_autofree char *msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		g_set_error_literal(err, BIREG_CSV_ERROR, code, msg);
	}
	return -1;
}

/* Appends len bytes at p to the field, within the limit. */
static bool field_add(csv_reader *r, GString *f, const char *p, size_t len)
{
	if (f->len + len > r->max_field_bytes)
		return false;
	g_string_append_len(f, p, (gssize)len);
	return true;
}

int csv_reader_next(csv_reader *r, csv_record **out, GError **err)
{
	*out = NULL;
	if (r->failed)
		return reader_fail(r, err, CSV_ERROR_ARGUMENT, "the reader has failed before");

	for (;;) {
		const char *d = r->data;
		size_t start_line = r->line, start = r->pos;
		g_autoptr(GPtrArray) fields = NULL;
		bool only_empty = true; /* one unquoted empty field so far: an empty line */

		if (r->pos >= r->len)
			return 0;
		fields = g_ptr_array_new_with_free_func(field_free);
		for (;;) {
			g_autoptr(GString) f = g_string_new(NULL);
			size_t field_line = r->line;
			bool quoted = false, record_end = false, trailing = false;

			if (r->pos < r->len && d[r->pos] == '"') {
				quoted = true;
				r->pos++;
				for (;;) {
					if (r->pos >= r->len)
						return reader_fail(r, err, CSV_ERROR_UNTERMINATED,
								   "line %zu: a quoted field begins here and "
								   "is never closed (a quote \" is missing)",
								   field_line);
					char c = d[r->pos];
					if (c == '"') {
						if (r->pos + 1 < r->len && d[r->pos + 1] == '"') {
							if (!field_add(r, f, "\"", 1))
								goto too_long;
							r->pos += 2;
							continue;
						}
						r->pos++;
						break;
					}
					size_t e = eol_len(d + r->pos, r->len - r->pos);
					if (e) {
						/* A line break inside the field: kept as written. */
						if (!field_add(r, f, d + r->pos, e))
							goto too_long;
						r->pos += e;
						r->line++;
						continue;
					}
					/* Copy a run of ordinary bytes at once. */
					size_t k = r->pos;
					while (k < r->len && d[k] != '"' && d[k] != '\r' && d[k] != '\n')
						k++;
					if (!field_add(r, f, d + r->pos, k - r->pos))
						goto too_long;
					r->pos = k;
				}
				if (r->pos < r->len && d[r->pos] != r->sep &&
				    !eol_len(d + r->pos, r->len - r->pos))
					return reader_fail(r, err, CSV_ERROR_QUOTE,
							   "line %zu: after the closing quote of a field "
							   "comes \"%c\" instead of the separator \"%c\" or "
							   "the end of the line (a quote inside a field must "
							   "be doubled)",
							   r->line, g_ascii_isprint(d[r->pos]) ? d[r->pos] : '?',
							   r->sep);
			} else {
				size_t k = r->pos;
				while (k < r->len && d[k] != r->sep && d[k] != '\r' && d[k] != '\n')
					k++;
				if (!field_add(r, f, d + r->pos, k - r->pos))
					goto too_long;
				r->pos = k;
			}

			/* What ends the field. */
			if (r->pos >= r->len) {
				record_end = true;
			} else if (d[r->pos] == r->sep) {
				r->pos++;
				size_t e = r->pos < r->len ? eol_len(d + r->pos, r->len - r->pos) : 0;
				if (r->pos >= r->len || e) {
					/* "a;b;" — the separator is followed by the end. */
					trailing = true;
					r->pos += e;
					if (e)
						r->line++;
					record_end = true;
				}
			} else {
				size_t e = eol_len(d + r->pos, r->len - r->pos);
				r->pos += e;
				r->line++;
				record_end = true;
			}

			if (quoted || f->len > 0 || fields->len > 0 || trailing)
				only_empty = false;
			if (fields->len >= r->max_fields)
				return reader_fail(r, err, CSV_ERROR_LIMIT,
						   "line %zu: more than %zu fields in one record",
						   start_line, r->max_fields);
			/* Empty fields share one string: a line of `;;;;` must not
			 * cost an allocation per separator. */
			if (f->len)
				g_ptr_array_add(fields, g_string_free(g_steal_pointer(&f), FALSE));
			else
				g_ptr_array_add(fields, (char *)csv_empty_field);
			if (trailing && !r->drop_trailing_empty) {
				if (fields->len >= r->max_fields)
					return reader_fail(r, err, CSV_ERROR_LIMIT,
							   "line %zu: more than %zu fields in one record",
							   start_line, r->max_fields);
				g_ptr_array_add(fields, (char *)csv_empty_field);
			}
			if (record_end)
				break;
			continue;
too_long:
			return reader_fail(r, err, CSV_ERROR_LIMIT,
					   "line %zu: a field is longer than %zu bytes", field_line,
					   r->max_field_bytes);
		}

		if (only_empty && !r->keep_empty_lines)
			continue;
		/* A NUL byte would cut a field short unseen: look for one in the
		 * record's bytes first. */
		if (memchr(d + start, '\0', r->pos - start))
			return reader_fail(r, err, CSV_ERROR_ENCODING,
					   "line %zu: the record contains a NUL byte (is this a text "
					   "file?)", start_line);
		for (guint i = 0; i < fields->len; i++) {
			const char *s = g_ptr_array_index(fields, i);
			if (!text_is_valid_utf8(s, strlen(s)))
				return reader_fail(r, err, CSV_ERROR_ENCODING,
						   "line %zu: field %u is not valid UTF-8 (is the file "
						   "saved as UTF-8?)", start_line, i + 1);
		}
		if (r->max_records && r->records >= r->max_records)
			return reader_fail(r, err, CSV_ERROR_LIMIT, "line %zu: more than %zu records",
					   start_line, r->max_records);
		r->records++;

		csv_record *rec = g_new0(csv_record, 1);
		rec->line = start_line;
		rec->offset = start;
		rec->n = fields->len;
		g_ptr_array_add(fields, NULL);
		rec->fields = (char **)g_ptr_array_free(g_steal_pointer(&fields), FALSE);
		*out = rec;
		return 1;
	}
}

void csv_table_free(csv_table *t)
{
	if (!t)
		return;
	if (t->records)
		g_ptr_array_unref(t->records);
	g_free(t);
}

csv_table *csv_parse(const char *data, size_t len, const csv_options *opt, GError **err)
{
	g_autoptr(csv_reader) r = csv_reader_new(data, len, opt, err);
	g_autoptr(csv_table) t = NULL;
	csv_record *rec;
	int rc;

	if (!r)
		return NULL;
	/* What the table may cost in memory: a record of many empty fields is
	 * small in the file and large as pointers, so the table is bounded by a
	 * multiple of the input (at least CSV_TABLE_MIN_BYTES), not only by the
	 * record and field limits. */
	size_t budget = len > (SIZE_MAX - CSV_TABLE_MIN_BYTES) / CSV_TABLE_FACTOR
				? SIZE_MAX
				: CSV_TABLE_MIN_BYTES + CSV_TABLE_FACTOR * len;
	size_t used = 0;
	t = g_new0(csv_table, 1);
	t->records = g_ptr_array_new_with_free_func((GDestroyNotify)csv_record_free);
	while ((rc = csv_reader_next(r, &rec, err)) == 1) {
		used += sizeof(*rec) + (rec->n + 1) * sizeof(char *);
		for (size_t i = 0; i < rec->n; i++)
			if (rec->fields[i] != csv_empty_field)
				used += strlen(rec->fields[i]) + 1 + 16;
		g_ptr_array_add(t->records, rec);
		if (used > budget) {
			g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT,
				    "line %zu: the file's records take more than %zu MB of memory "
				    "(very many empty fields?)",
				    rec->line, (budget + (1 << 20) - 1) >> 20);
			return NULL;
		}
	}
	if (rc < 0)
		return NULL;
	t->separator = r->sep;
	t->had_bom = r->had_bom;
	t->had_sep_line = r->had_sep_line;
	return g_steal_pointer(&t);
}

csv_table *csv_read_file(const char *path, const csv_options *opt, GError **err)
{
	size_t max = opt && opt->max_file_bytes ? opt->max_file_bytes : CSV_DEFAULT_MAX_FILE_BYTES;
	g_autoptr(GByteArray) buf = g_byte_array_new();
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf->len + n > max) {
			fclose(f);
			g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_LIMIT,
				    "%s: the file is larger than %zu bytes", path, max);
			return NULL;
		}
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		g_set_error(err, BIREG_CSV_ERROR, CSV_ERROR_IO, "%s: %s", path, g_strerror(e));
		return NULL;
	}
	fclose(f);
	return csv_parse((const char *)buf->data, buf->len, opt, err);
}

int csv_header_index(const csv_record *header, const char *name)
{
	for (size_t i = 0; i < header->n; i++) {
		const char *s = header->fields[i];
		size_t len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		while (*s == ' ' && len > 0) {
			s++;
			len--;
		}
		if (len == strlen(name) && memcmp(s, name, len) == 0)
			return (int)i;
	}
	return -1;
}

bool csv_is_utf8(const char *data, size_t len)
{
	if (len >= 3 && memcmp(data, CSV_UTF8_BOM, 3) == 0) {
		data += 3;
		len -= 3;
	}
	return text_is_valid_utf8(data, len);
}

void csv_write_field(GString *out, const char *field, char sep, bool excel_safe)
{
	const char *s = field ? field : "";
	size_t len = strlen(s);
	bool formula = excel_safe && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
	bool quote = formula || (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));

	for (const char *p = s; *p && !quote; p++)
		if (*p == sep || *p == '"' || *p == '\r' || *p == '\n')
			quote = true;
	if (!quote) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	if (formula)
		g_string_append_c(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

void csv_write_record(GString *out, const char *const *fields, size_t n, char sep,
		      bool excel_safe)
{
	/* A lone empty field would be an empty line, which readers skip. */
	if (n == 1 && (!fields[0] || !*fields[0])) {
		g_string_append(out, "\"\"\r\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			g_string_append_c(out, sep);
		csv_write_field(out, fields[i], sep, excel_safe);
	}
	g_string_append(out, "\r\n");
}
