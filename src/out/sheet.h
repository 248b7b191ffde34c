/*
 * sheet.h — writing a table for spreadsheet users: CSV as German Excel
 * opens it (UTF-8 with BOM, `;`, CRLF, formula-safe fields, csv.h) or XLSX
 * (libxlsxwriter: a bold, frozen header row, an autofilter, sensible column
 * widths; days as real dates in German format). One writer serves every
 * export of a list (people, institutions, bodies, members, the network
 * matrix), so they all look alike.
 *
 * Usage: sheet_writer_new(format, title, columns, n) — title names the
 * worksheet (XLSX; at most 31 characters, cut) — then sheet_writer_row()
 * for each row, then sheet_writer_finish() for the bytes. Rows are streamed:
 * XLSX is written in libxlsxwriter's constant-memory mode into a temporary
 * file that finish reads back and removes, so 100,000 rows do not hold the
 * whole workbook in memory.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define BIREG_SHEET_ERROR (bireg_sheet_error_quark())
GQuark bireg_sheet_error_quark(void);

typedef enum { SHEET_CSV = 1, SHEET_XLSX = 2 } sheet_format;

typedef enum {
	SHEET_TEXT = 0, /* written as text (never as a formula) */
	SHEET_INT,      /* an integer in text ("42"); empty: blank cell */
	SHEET_DAY,      /* "YYYY-MM-DD"; XLSX: a date cell shown TT.MM.JJJJ; CSV: "TT.MM.JJJJ" */
} sheet_kind;

typedef struct sheet_column {
	const char *header; /* as shown (already translated) */
	sheet_kind kind;
	int width;          /* XLSX characters; 0: from the header, at least 10 */
} sheet_column;

typedef struct sheet_writer sheet_writer;

/* NULL with err when the temporary file cannot be made. columns is
 * copied. */
sheet_writer *sheet_writer_new(sheet_format format, const char *title,
			       const sheet_column *columns, size_t n, GError **err);
/* One row of n values (NULL or "" = empty cell). 0 or -1. */
int sheet_writer_row(sheet_writer *w, const char *const *values, size_t n, GError **err);
/* The finished file; the writer is freed either way. NULL with err. */
GBytes *sheet_writer_finish(sheet_writer *w, GError **err);
void sheet_writer_free(sheet_writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sheet_writer, sheet_writer_free)

/* "text/csv; charset=utf-8" or the XLSX media type. */
const char *sheet_media_type(sheet_format format);
/* "csv" or "xlsx". */
const char *sheet_extension(sheet_format format);
