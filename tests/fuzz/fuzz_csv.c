/*
 * fuzz_csv.c — libFuzzer target for the CSV reader (src/core/csv.c) and the
 * format, encoding and separator detection in front of it
 * (src/core/tabular.c, which also hands zips to the XLSX reader).
 *
 * The first input byte picks the options: bit 0 drop_trailing_empty, bit 1
 * keep_empty_lines, bit 2 ignore_sep_line, bits 3-4 the separator (`;`,
 * `,`, tab, `|`), bit 5 tight limits (few fields, short fields, few
 * records) so that the limit paths are reached too; bit 6 goes through
 * tabular_read instead. Besides crashes and sanitizer reports, the target
 * aborts when a result breaks a promise of csv.h: a field that is not
 * valid UTF-8, a record over the limits, lines that go backwards, a failed
 * parse without an error, a record count that differs between csv_parse
 * and the reader.
 *
 * Built and run by tests/fuzz/run (seeds in tests/fuzz/corpus/csv).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/tabular.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const csv_table *t, size_t max_fields)
{
	size_t line = 0;
	for (guint i = 0; i < t->records->len; i++) {
		const csv_record *r = g_ptr_array_index(t->records, i);
		if (r->line < line || r->line == 0)
			abort();
		line = r->line;
		if (max_fields && r->n > max_fields)
			abort();
		if (r->fields[r->n] != NULL)
			abort();
		for (size_t k = 0; k < r->n; k++)
			if (!text_is_valid_utf8(r->fields[k], strlen(r->fields[k])))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seps[] = {';', ',', '\t', '|'};
	GError *err = NULL;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	bool tight = mode & 0x20;

	if (mode & 0x40) {
		tabular t = {0};
		tabular_options o = {.drop_trailing_empty = mode & 1,
				     .max_records = tight ? 5 : 0,
				     .max_bytes = tight ? 256 : 0};
		int rc = tabular_read(text, len, &o, &t, &err);
		if ((rc == 0) != (err == NULL) || (rc == 0) != (t.table != NULL))
			abort();
		if (rc == 0)
			check_table(t.table, 0);
		else {
			char *m = tabular_error_message(err);
			if (!m || !*m)
				abort();
			g_free(m);
		}
		tabular_clear(&t);
		g_clear_error(&err);
		return 0;
	}

	csv_options opt = {
		.separator = seps[(mode >> 3) & 3],
		.drop_trailing_empty = mode & 1,
		.keep_empty_lines = mode & 2,
		.ignore_sep_line = mode & 4,
		.max_fields = tight ? 4 : 0,
		.max_field_bytes = tight ? 16 : 0,
		.max_records = tight ? 8 : 0,
	};
	csv_table *t = csv_parse(text, len, &opt, &err);
	if ((t == NULL) == (err == NULL))
		abort();
	size_t n = 0;
	if (t) {
		check_table(t, tight ? 4 : CSV_DEFAULT_MAX_FIELDS);
		n = t->records->len;
		csv_table_free(t);
	}
	g_clear_error(&err);

	/* The reader one record at a time agrees with csv_parse. */
	csv_reader *r = csv_reader_new(text, len, &opt, &err);
	if (r) {
		csv_record *rec;
		size_t m = 0;
		int rc;
		while ((rc = csv_reader_next(r, &rec, &err)) == 1) {
			m++;
			csv_record_free(rec);
		}
		if (rc == 0 && (!t || m != n))
			abort();
		csv_reader_free(r);
	}
	g_clear_error(&err);
	return 0;
}
