/*
 * tabular.h — a table of text from an uploaded file, whatever the office
 * saved it as: CSV (UTF-8 or Windows-1252, `;` or `,` or tab, detected) or
 * XLSX (the first worksheet; xlsx.h). Imports (the NRW school directory,
 * people, institutions) read every file through here, so they all reject
 * the same bad files with the same messages.
 *
 * The result is a csv_table (csv.h): records of UTF-8 text fields with the
 * line (CSV: physical line; XLSX: the spreadsheet's row number) each
 * started on, so a report can say "Zeile 17" for either format.
 *
 * Encoding: a CSV that is valid UTF-8 (with or without BOM) is read as
 * UTF-8; otherwise as Windows-1252 (what Excel writes in a German locale),
 * converted to UTF-8 first — unless the bytes are not text at all (NUL
 * bytes, or C0 control bytes other than tab, CR, LF in more than a few
 * places): then TABULAR_ERROR_NOT_TEXT. The choice is reported (encoding)
 * and shown in the preview.
 *
 * Errors (BIREG_TABULAR_ERROR, or BIREG_CSV_ERROR / BIREG_XLSX_ERROR passed
 * through) carry an English message that names the line where there is one;
 * tabular_error_message() gives the German/English text for the UI.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/csv.h"

#define BIREG_TABULAR_ERROR (bireg_tabular_error_quark())
GQuark bireg_tabular_error_quark(void);

typedef enum {
	TABULAR_ERROR_EMPTY = 1,  /* no bytes, or no record */
	TABULAR_ERROR_NOT_TEXT,   /* binary garbage that is neither CSV nor XLSX */
	TABULAR_ERROR_TOO_LARGE,  /* over opt->max_bytes */
	TABULAR_ERROR_FORMAT,     /* a zip that is no XLSX, an .xls (old binary Excel), an ODS */
} tabular_error_code;

typedef enum { TABULAR_CSV = 1, TABULAR_XLSX = 2 } tabular_format;

typedef struct tabular_options {
	size_t max_bytes;    /* of the file; 0: 64 MiB */
	size_t max_records;  /* 0: 200,000 */
	/* CSV: drop a trailing empty field (the NRW header's stray `;`),
	 * see csv_options.drop_trailing_empty. */
	bool drop_trailing_empty;
} tabular_options;

typedef struct tabular {
	csv_table *table;         /* owned; records[0] is normally the header */
	tabular_format format;
	const char *encoding;     /* "utf-8" or "windows-1252" (static); XLSX: "utf-8" */
	char separator;           /* CSV: the separator used; XLSX: 0 */
} tabular;

void tabular_clear(tabular *t);

/* Reads len bytes (borrowed) into *out. The format is detected from the
 * content (a zip with xl/workbook.xml is XLSX), not from a file name.
 * 0, or -1 with err (nothing in *out). */
int tabular_read(const char *data, size_t len, const tabular_options *opt, tabular *out,
		 GError **err);

/* Reads a file the same way (at most opt->max_bytes). */
int tabular_read_file(const char *path, const tabular_options *opt, tabular *out, GError **err);

/* A message for the UI for an error of tabular_read (any of the three
 * domains), translated in the current locale (gettext), naming the line
 * when the error has one. Newly allocated. */
char *tabular_error_message(const GError *err);
