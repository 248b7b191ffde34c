/*
 * csv.h — reading and writing delimited text the way German offices meet
 * it: RFC 4180 with `;` as the separator (what Excel writes in a German
 * locale), fields in double quotes with "" for a quote inside, line breaks
 * inside quoted fields, LF, CRLF or a lone CR between records, an optional
 * UTF-8 byte order mark, and Excel's optional first line `sep=;` that names
 * the separator. The NRW school directory (schuldaten_nrw_*.csv) is such a
 * file; its header even ends in a stray `;` (24 header fields, 23 in each
 * row), which csv_options.drop_trailing_empty takes care of.
 *
 * The reader works on bytes in memory (a file is read whole, up to a limit)
 * and hands out records one at a time (csv_reader_next) or all at once
 * (csv_parse). Every record carries the line number it starts on, counted
 * in physical lines of the file (the `sep=` line and line breaks inside
 * quoted fields count), so a report can say "Zeile 17" and the office finds
 * it in an editor. Fields are returned exactly as written: not trimmed, not
 * folded; checking their content is the importer's job.
 *
 * Text must be UTF-8: a record with bytes that are not (Windows-1252 from an
 * old Excel, say) fails with CSV_ERROR_ENCODING and its line number; an
 * importer that wants to accept Windows-1252 converts the buffer first
 * (csv_is_utf8 tells whether it must). NUL bytes count as invalid.
 *
 * Nothing here allocates without a bound: the number of fields per record,
 * the bytes per field, the records and the size of a file read are limited
 * (csv_options; 0 means the default), and breaking a limit is an error, not
 * a truncation.
 *
 * Ownership: a csv_reader borrows the buffer it reads (which must outlive
 * it); every record it returns is the caller's (csv_record_free or
 * g_autoptr). csv_parse and csv_read_file return a csv_table the caller
 * frees with csv_table_free.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define BIREG_CSV_ERROR (bireg_csv_error_quark())
GQuark bireg_csv_error_quark(void);

typedef enum {
	CSV_ERROR_ENCODING = 1,  /* a record is not valid UTF-8 (or holds a NUL byte) */
	CSV_ERROR_UNTERMINATED,  /* a quoted field runs to the end of the file */
	CSV_ERROR_QUOTE,         /* something other than a separator or line end after a closing quote */
	CSV_ERROR_LIMIT,         /* too many fields, records or bytes (see csv_options) */
	CSV_ERROR_IO,            /* the file cannot be read */
	CSV_ERROR_ARGUMENT,      /* a bad option (separator) */
} csv_error_code;

/* Defaults of the limits. */
#define CSV_DEFAULT_MAX_FIELDS 1000
#define CSV_DEFAULT_MAX_FIELD_BYTES (1024 * 1024)
#define CSV_DEFAULT_MAX_FILE_BYTES ((size_t)64 * 1024 * 1024)

typedef struct csv_options {
	/* The separator: ';' when 0. A `sep=X` first line overrides it
	 * (unless ignore_sep_line). '"', CR, LF and bytes >= 0x80 are refused. */
	char separator;
	/* Do not read a first line `sep=X` as Excel's separator hint (it is
	 * then an ordinary record). */
	bool ignore_sep_line;
	/* A record that ends in a separator gets no empty last field for it
	 * ("a;b;" gives two fields, not three; '"a";"b";""' still gives three,
	 * a quoted empty field is data). For files whose header or rows end in
	 * a stray separator; the caller treats missing trailing fields as empty
	 * (csv_record_get). */
	bool drop_trailing_empty;
	/* Keep records that are completely empty (an empty line). By default
	 * they are skipped; a blank line at the end is never a record. */
	bool keep_empty_lines;
	size_t max_fields;      /* per record; 0: CSV_DEFAULT_MAX_FIELDS */
	size_t max_field_bytes; /* per field; 0: CSV_DEFAULT_MAX_FIELD_BYTES */
	size_t max_records;     /* in all; 0: no limit */
	size_t max_file_bytes;  /* csv_read_file; 0: CSV_DEFAULT_MAX_FILE_BYTES */
} csv_options;

typedef struct csv_record {
	size_t line;   /* 1-based physical line the record starts on */
	size_t n;      /* number of fields */
	char **fields; /* n NUL-terminated UTF-8 strings, then NULL (a GStrv) */
	size_t offset; /* byte offset of the record's start in the buffer (after a BOM: counted) */
} csv_record;

/* The one empty string records may share for empty fields: the XLSX reader
 * pads the cells missing between two values with it, so a sparse row costs
 * a pointer per column, not an allocation. csv_record_free never frees it;
 * like every field it is read-only. */
extern const char csv_empty_field[1];

void csv_record_free(csv_record *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(csv_record, csv_record_free)

/* The i-th field of r, or "" when the record has fewer fields (a short
 * row, or one whose empty last fields were dropped). Borrowed from r. */
const char *csv_record_get(const csv_record *r, size_t i);

typedef struct csv_reader csv_reader;

/* A reader over the len bytes at data (borrowed; need not be
 * NUL-terminated). opt may be NULL (all defaults). A UTF-8 byte order mark
 * and a `sep=X` first line are consumed here; NULL with err for a bad
 * option or a `sep=` line naming an unusable separator. */
csv_reader *csv_reader_new(const char *data, size_t len, const csv_options *opt, GError **err);
void csv_reader_free(csv_reader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(csv_reader, csv_reader_free)

/* The next record into *out (newly allocated): 1, or 0 at the end (*out
 * NULL), or -1 with err (message names the line; *out NULL). After an
 * error the reader stays failed and returns -1 again. */
int csv_reader_next(csv_reader *r, csv_record **out, GError **err);

/* The separator in use (after a `sep=` line). */
char csv_reader_separator(const csv_reader *r);
/* True when the input began with a UTF-8 byte order mark / a `sep=` line. */
bool csv_reader_had_bom(const csv_reader *r);
bool csv_reader_had_sep_line(const csv_reader *r);
/* Bytes consumed so far, for progress ("42 % read"). */
size_t csv_reader_offset(const csv_reader *r);

/* All records of a buffer. */
typedef struct csv_table {
	GPtrArray *records; /* of csv_record*, owned */
	char separator;
	bool had_bom, had_sep_line;
} csv_table;

void csv_table_free(csv_table *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(csv_table, csv_table_free)

/* Reads every record of data (len bytes). NULL with err on the first
 * problem (nothing partial is returned). */
csv_table *csv_parse(const char *data, size_t len, const csv_options *opt, GError **err);
/* The same for a file, read whole (at most opt->max_file_bytes). */
csv_table *csv_read_file(const char *path, const csv_options *opt, GError **err);

/* The index of the field named name in a header record (exact match after
 * trimming ASCII spaces of the header field), or -1. */
int csv_header_index(const csv_record *header, const char *name);

/* True when the len bytes at data are valid UTF-8 without NUL bytes (after
 * an optional BOM): whether an importer must convert from another
 * encoding first. */
bool csv_is_utf8(const char *data, size_t len);

/*
 * Writing. csv_write_field appends one field to out, quoted when it holds
 * the separator, a quote, CR or LF or starts or ends with a space; with
 * excel_safe a field starting with =, +, - or @ (which Excel would run as
 * a formula) gets a leading apostrophe first, the usual defence against
 * formula injection in exported data. csv_write_record appends n fields
 * separated by sep and ends the record with CRLF (RFC 4180); a record of one
 * empty field is written as "" so that it is not read as an empty line.
 * CSV_UTF8_BOM starts a file Excel should read as UTF-8.
 */
#define CSV_UTF8_BOM "\xEF\xBB\xBF"
void csv_write_field(GString *out, const char *field, char sep, bool excel_safe);
void csv_write_record(GString *out, const char *const *fields, size_t n, char sep,
		      bool excel_safe);
