/*
 * fuzz_xlsx.c — libFuzzer target for the XLSX reader (src/core/xlsx.c):
 * the input is taken as a zip. Small limits (64 KB per entry, 256 KB in all,
 * 100 rows, 50 columns) keep each run short and reach the limit paths.
 * Besides crashes and sanitizer reports (use-after-free in the libxml2 or
 * libzip callbacks, leaks), the target aborts when a result breaks a
 * promise of xlsx.h: fields that are not valid UTF-8, rows that are
 * empty, a trailing empty field, more rows or columns
 * than allowed, a table larger than its output budget (256 KB here, counted
 * as xlsx.h says), a failure without an error.
 *
 * Mutations of a zip mostly break its checksums, so the XML would seldom be
 * reached: an input that does not start with "PK" is taken as up to four
 * XML parts separated by NUL bytes — worksheet, shared strings, styles,
 * workbook — which the target zips (stored) before reading.
 *
 * Built and run by tests/fuzz/run (seeds in tests/fuzz/corpus/xlsx: small
 * workbooks written by src/out/sheet.c and LibreOffice, and parts-*.txt).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "core/text.h"
#include "core/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parts of a NUL-separated input as a zip (stored), or NULL. */
static char *zip_parts(const uint8_t *data, size_t size, size_t *len)
{
	static const char *names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
				      "xl/styles.xml", "xl/workbook.xml"};
	static const char workbook[] =
		"<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
		"relationships\"><sheets><sheet r:id=\"rId1\"/></sheets></workbook>";
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &zerr);
	char *buf = NULL;
	size_t start = 0, part = 0;
	bool have_workbook = false;

	if (!out)
		return NULL;
	zip_source_keep(out);
	zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &zerr);
	if (!z)
		goto done;
	for (size_t i = 0; i <= size && part < 4; i++) {
		if (i < size && data[i] != 0)
			continue;
		zip_source_t *s = zip_source_buffer(z, data + start, i - start, 0);
		zip_int64_t idx = zip_file_add(z, names[part], s, 0);
		if (idx < 0)
			zip_source_free(s);
		else
			zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		have_workbook = have_workbook || part == 3;
		part++;
		start = i + 1;
	}
	if (!have_workbook) {
		zip_source_t *s = zip_source_buffer(z, workbook, sizeof workbook - 1, 0);
		if (zip_file_add(z, names[3], s, 0) < 0)
			zip_source_free(s);
	}
	if (zip_close(z) < 0) {
		zip_discard(z);
		goto done;
	}
	if (zip_source_open(out) == 0) {
		zip_source_seek(out, 0, SEEK_END);
		zip_int64_t n = zip_source_tell(out);
		zip_source_seek(out, 0, SEEK_SET);
		buf = g_malloc((gsize)n + 1);
		if (zip_source_read(out, buf, (zip_uint64_t)n) != n)
			g_clear_pointer(&buf, g_free);
		*len = (size_t)n;
		zip_source_close(out);
	}
done:
	zip_source_free(out);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *err = NULL;
	xlsx_options opt = {
		.max_rows = 100,
		.max_columns = 50,
		.max_entry_bytes = 64 * 1024,
		.max_total_bytes = 256 * 1024,
		.max_output_bytes = 256 * 1024,
	};
	g_autofree char *zipped = NULL;
	if (size < 2 || data[0] != 'P' || data[1] != 'K') {
		size_t len = 0;
		zipped = zip_parts(data, size, &len);
		if (!zipped)
			return 0;
		data = (const uint8_t *)zipped;
		size = len;
	}
	csv_table *t = xlsx_read((const char *)data, size, &opt, &err);
	if ((t == NULL) == (err == NULL))
		abort();
	if (t) {
		size_t out = 0;
		if (t->records->len > 100)
			abort();
		for (guint i = 0; i < t->records->len; i++) {
			const csv_record *r = g_ptr_array_index(t->records, i);
			if (r->n == 0 || r->n > 50 || r->line == 0 || r->line > 1048576)
				abort();
			if (!*r->fields[r->n - 1] || r->fields[r->n] != NULL)
				abort();
			out += sizeof(csv_record) + (r->n + 2) * sizeof(char *);
			for (size_t k = 0; k < r->n; k++) {
				if (!text_is_valid_utf8(r->fields[k], strlen(r->fields[k])))
					abort();
				if (r->fields[k] != csv_empty_field)
					out += strlen(r->fields[k]) + 1 + 16;
			}
		}
		if (out > opt.max_output_bytes)
			abort();
		csv_table_free(t);
	}
	g_clear_error(&err);
	return 0;
}
