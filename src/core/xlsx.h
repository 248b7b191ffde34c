/*
 * xlsx.h — reading the first worksheet of an XLSX workbook (Office Open XML,
 * a zip of XML parts) as a table of text, with libzip and libxml2 only.
 * Imports reach it through tabular.h, which also detects the format.
 *
 * What comes out is a csv_table (csv.h) so that CSV and XLSX look the same
 * to an importer: one record per non-empty spreadsheet row, line = the row
 * number Excel shows, fields as text. Cells missing between two cells are
 * "" (all of them one shared csv_empty_field, not an allocation each),
 * trailing empty cells are dropped, empty rows are skipped. Values:
 * strings as written (shared strings, inline strings, formula results;
 * rich-text runs joined, Excel's _xHHHH_ escapes decoded), numbers as
 * written ("123456" stays "123456", 1.5 is "1.5", an integer stored as
 * "123456.0" or "1.23456E5" is "123456"), booleans "1"/"0", errors (#DIV/0!)
 * "", and a number whose cell format is a date (built-in formats 14–17 and 22,
 * or a custom format with d, y, or m without h/s) "YYYY-MM-DD" (1900 and
 * 1904 date systems). Formulas are never evaluated; their cached value is
 * read.
 *
 * The input is untrusted (an upload): nothing is unpacked without a bound.
 * Every zip entry's uncompressed size is checked in the central directory
 * and counted again while inflating (at most XLSX_MAX_ENTRY_BYTES per entry
 * and XLSX_MAX_TOTAL_BYTES in all; an entry over 1 MiB compressed more than
 * XLSX_MAX_RATIO:1 is refused as a zip bomb). The worksheet and the shared
 * strings are read with libxml2's streaming reader (never a tree of the
 * whole part), without network access, without entity substitution or DTD
 * loading, without XML_PARSE_HUGE; a document type declaration is refused.
 * Rows, columns, shared strings and cell lengths are limited (below).
 *
 * What comes out is bounded too, not only what is unpacked: a shared string
 * is copied into every cell that uses it and a value far to the right pads
 * its row, so a small sheet could otherwise ask for gigabytes (one 1 MB
 * string in 400 cells; 20,000 rows with one value in column ALL). Every
 * field is counted as it is stored — a pointer (8 bytes) per field, padding
 * included, plus length + 1 + 16 (allocation) per value, plus a record's
 * own size per row — against max_output_bytes; by default that is
 * XLSX_OUTPUT_RATIO times the unpacked size of the worksheet and shared
 * strings, at least XLSX_MIN_OUTPUT_BYTES, at most XLSX_MAX_OUTPUT_BYTES. A
 * legitimate table comes nowhere near it (a cell's XML is ~30 bytes, its
 * value rarely much longer); a sheet that is mostly padding or repeats a
 * huge text is refused with XLSX_ERROR_LIMIT ("row N: the worksheet's
 * values add up to more than M MB") once the budget is spent, so peak
 * memory stays near the budget. Fields per row are at most max_columns
 * (a value beyond is an error), cells per row at most 16,384 (XFD).
 *
 * Errors are BIREG_XLSX_ERROR with an English message ("row 17: …" where a
 * row is known); tabular_error_message() translates them for the UI.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/csv.h"

#define BIREG_XLSX_ERROR (bireg_xlsx_error_quark())
GQuark bireg_xlsx_error_quark(void);

typedef enum {
	XLSX_ERROR_INVALID = 1,  /* not a zip, a damaged zip or a malformed XML part */
	XLSX_ERROR_NOT_WORKBOOK, /* a readable zip, but no xl/workbook.xml or no worksheet */
	XLSX_ERROR_BOMB,         /* an entry (or all) unpacks to too much, or too compressed */
	XLSX_ERROR_LIMIT,        /* too many rows, columns, shared strings, too long a cell,
				  * or more output than max_output_bytes */
	XLSX_ERROR_CELL,         /* a bad cell reference or shared-string index (names the row) */
} xlsx_error_code;

#define XLSX_MAX_ENTRY_BYTES ((size_t)64 * 1024 * 1024)
#define XLSX_MAX_TOTAL_BYTES ((size_t)256 * 1024 * 1024)
/* Entries over XLSX_RATIO_MIN_BYTES unpacked may be compressed at most this much. */
#define XLSX_MAX_RATIO 200
#define XLSX_RATIO_MIN_BYTES ((size_t)1024 * 1024)
#define XLSX_DEFAULT_MAX_ROWS 200000
#define XLSX_DEFAULT_MAX_COLUMNS 1000
#define XLSX_MAX_SHARED_STRINGS 4000000
#define XLSX_MAX_CELL_BYTES ((size_t)1024 * 1024)
#define XLSX_MAX_ZIP_ENTRIES 10000
/* The default output budget: this many times the unpacked worksheet and
 * shared strings, clamped to [XLSX_MIN_OUTPUT_BYTES, XLSX_MAX_OUTPUT_BYTES]. */
#define XLSX_OUTPUT_RATIO 16
#define XLSX_MIN_OUTPUT_BYTES ((size_t)16 * 1024 * 1024)
#define XLSX_MAX_OUTPUT_BYTES ((size_t)256 * 1024 * 1024)

typedef struct xlsx_options {
	size_t max_rows;        /* non-empty rows; 0: XLSX_DEFAULT_MAX_ROWS */
	size_t max_columns;     /* a value in a column beyond is an error; 0: XLSX_DEFAULT_MAX_COLUMNS */
	size_t max_entry_bytes; /* 0: XLSX_MAX_ENTRY_BYTES (tests make it smaller) */
	size_t max_total_bytes; /* unpacked, all entries; 0: XLSX_MAX_TOTAL_BYTES */
	/* The table handed out, counted as described above; 0: the default
	 * (relative to the sheet's size, see XLSX_OUTPUT_RATIO). */
	size_t max_output_bytes;
} xlsx_options;

/* True when the bytes start like a zip archive (local file header, or the
 * end record of an empty zip). */
bool xlsx_is_zip(const char *data, size_t len);

/* The first worksheet of the workbook in the len bytes at data (borrowed).
 * opt may be NULL. NULL with err. */
csv_table *xlsx_read(const char *data, size_t len, const xlsx_options *opt, GError **err);

/* Parses a cell reference "C7" into a 0-based column and 1-based row; false
 * when it is not one (letters beyond XFD, a row beyond 1,048,576, junk). */
bool xlsx_parse_ref(const char *ref, size_t *col, size_t *row);
