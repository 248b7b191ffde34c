/*
 * sheet.c — the CSV and XLSX writer of every list export (see sheet.h).
 *
 * XLSX: libxlsxwriter in constant-memory mode writes each row to its own
 * temporary file at once (rows must come in order, which they do), so a
 * writer holds one row, not the workbook. Column widths are fitted to the
 * header and the first rows; libxlsxwriter writes the <cols> element when
 * the workbook is closed, so they can still be set at finish. Text goes in
 * with worksheet_write_string only: a name starting with "=" stays text and
 * is never a formula.
 *
 * CSV: built in memory as German Excel opens it (csv.h: BOM, `;`, CRLF,
 * formula-safe fields).
 */
#include "out/sheet.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/csv.h"

G_DEFINE_QUARK(bireg-sheet-error-quark, bireg_sheet_error)

#define SHEET_MAX_ROWS 1048576u
#define SHEET_MAX_CELL_CHARS 32767
/* Rows looked at to fit a column's width. */
#define SHEET_FIT_ROWS 1000
#define SHEET_MIN_WIDTH 10
#define SHEET_MAX_WIDTH 60

struct sheet_writer {
	sheet_format format;
	sheet_column *columns;
	size_t n;
	int *fit;    /* width from the content so far (characters) */
	size_t rows; /* data rows written */
	/* CSV */
	GString *csv;
	/* XLSX */
	char *path;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *date;
};

const char *sheet_media_type(sheet_format format)
{
	return format == SHEET_XLSX
		       ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		       : "text/csv; charset=utf-8";
}

const char *sheet_extension(sheet_format format)
{
	return format == SHEET_XLSX ? "xlsx" : "csv";
}

/* A worksheet name Excel accepts: at most 31 characters, none of []:*?/\,
 * not starting or ending with an apostrophe, not empty. */
static char *sheet_name(const char *title)
{
	g_autoptr(GString) s = g_string_new(NULL);
	const char *p = title && g_utf8_validate(title, -1, NULL) ? title : "";
	glong n = 0;

	for (; *p && n < 31; p = g_utf8_next_char(p), n++) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || strchr("[]:*?/\\", (int)(c < 0x80 ? c : 'x')))
			g_string_append_c(s, '_');
		else
			g_string_append_unichar(s, c);
	}
	while (s->len && s->str[s->len - 1] == '\'')
		g_string_truncate(s, s->len - 1);
	while (s->len && s->str[0] == '\'')
		g_string_erase(s, 0, 1);
	if (!s->len || g_ascii_strcasecmp(s->str, "History") == 0)
		return g_strdup("Tabelle1");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* "YYYY-MM-DD" → y, m, d; false when it is not a real day. */
static bool parse_day(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
			return false;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	return *y >= 1900 && *y <= 9999 && g_date_valid_dmy((GDateDay)*d, (GDateMonth)*m,
							    (GDateYear)*y);
}

/* An integer in text, small enough for a double to hold exactly. */
static bool parse_int(const char *s, double *out)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (!g_ascii_isdigit(*p) || strlen(p) > 15 || (p[0] == '0' && p[1]))
		return false;
	for (; *p; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	*out = g_ascii_strtod(s, NULL);
	return true;
}

static int text_width(const char *s)
{
	glong n = g_utf8_validate(s, -1, NULL) ? g_utf8_strlen(s, -1) : (glong)strlen(s);
	return n > SHEET_MAX_WIDTH ? SHEET_MAX_WIDTH : (int)n;
}

static bool lxw_fail(lxw_error e, GError **err, const char *what)
{
	if (e == LXW_NO_ERROR)
		return true;
	g_set_error(err, BIREG_SHEET_ERROR, 1, "%s: %s", what, lxw_strerror(e));
	return false;
}

void sheet_writer_free(sheet_writer *w)
{
	if (!w)
		return;
	if (w->wb)
		lxw_workbook_free(w->wb);
	if (w->path) {
		g_unlink(w->path);
		g_free(w->path);
	}
	if (w->csv)
		g_string_free(w->csv, TRUE);
	for (size_t i = 0; i < w->n; i++)
		g_free((char *)w->columns[i].header);
	g_free(w->columns);
	g_free(w->fit);
	g_free(w);
}

sheet_writer *sheet_writer_new(sheet_format format, const char *title,
			       const sheet_column *columns, size_t n, GError **err)
{
	g_autoptr(sheet_writer) w = g_new0(sheet_writer, 1);
	g_autoptr(GPtrArray) headers = g_ptr_array_new();

	if (format != SHEET_CSV && format != SHEET_XLSX) {
		g_set_error_literal(err, BIREG_SHEET_ERROR, 1, "unknown sheet format");
		return NULL;
	}
	w->format = format;
	w->n = n;
	w->columns = g_new0(sheet_column, n ? n : 1);
	w->fit = g_new0(int, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		w->columns[i] = columns[i];
		w->columns[i].header = g_strdup(columns[i].header ? columns[i].header : "");
		w->fit[i] = text_width(w->columns[i].header) + 2;
		g_ptr_array_add(headers, (char *)w->columns[i].header);
	}

	if (format == SHEET_CSV) {
		w->csv = g_string_new(CSV_UTF8_BOM);
		csv_write_record(w->csv, (const char *const *)headers->pdata, n, ';', true);
		return g_steal_pointer(&w);
	}

	g_autoptr(GError) e = NULL;
	int fd = g_file_open_tmp("bireg-sheet-XXXXXX.xlsx", &w->path, &e);
	if (fd < 0) {
		g_set_error(err, BIREG_SHEET_ERROR, 1, "cannot make a temporary file: %s",
			    e->message);
		return NULL;
	}
	close(fd);
	lxw_workbook_options o = {
		.constant_memory = LXW_TRUE,
		.tmpdir = (char *)g_get_tmp_dir(),
		.use_zip64 = LXW_FALSE,
	};
	w->wb = workbook_new_opt(w->path, &o);
	if (!w->wb) {
		g_set_error_literal(err, BIREG_SHEET_ERROR, 1, "cannot start the workbook");
		return NULL;
	}
	g_autofree char *name = sheet_name(title);
	w->ws = workbook_add_worksheet(w->wb, name);
	if (!w->ws) {
		g_set_error_literal(err, BIREG_SHEET_ERROR, 1, "cannot add the worksheet");
		return NULL;
	}
	w->bold = workbook_add_format(w->wb);
	format_set_bold(w->bold);
	w->date = workbook_add_format(w->wb);
	format_set_num_format(w->date, "DD.MM.YYYY");
	for (size_t i = 0; i < n; i++) {
		if (!lxw_fail(worksheet_write_string(w->ws, 0, (lxw_col_t)i,
						     w->columns[i].header, w->bold),
			      err, "header"))
			return NULL;
	}
	worksheet_freeze_panes(w->ws, 1, 0);
	return g_steal_pointer(&w);
}

/* A cell's text as Excel takes it: valid UTF-8, at most 32,767 characters. */
static char *cell_text(const char *v)
{
	char *s = g_utf8_make_valid(v, -1);
	if (g_utf8_strlen(s, -1) > SHEET_MAX_CELL_CHARS) {
		char *end = g_utf8_offset_to_pointer(s, SHEET_MAX_CELL_CHARS);
		*end = '\0';
	}
	return s;
}

static int write_xlsx_row(sheet_writer *w, const char *const *values, size_t n, GError **err)
{
	lxw_row_t row = (lxw_row_t)w->rows + 1;

	for (size_t i = 0; i < n && i < w->n; i++) {
		const char *v = values[i];
		lxw_col_t col = (lxw_col_t)i;
		lxw_error e = LXW_NO_ERROR;
		double num;
		int y, m, d;

		if (!v || !*v)
			continue;
		switch (w->columns[i].kind) {
		case SHEET_INT:
			if (parse_int(v, &num)) {
				e = worksheet_write_number(w->ws, row, col, num, NULL);
				break;
			}
			goto text;
		case SHEET_DAY:
			if (parse_day(v, &y, &m, &d)) {
				lxw_datetime dt = {.year = y, .month = m, .day = d};
				e = worksheet_write_datetime(w->ws, row, col, &dt, w->date);
				if (w->fit[i] < 12)
					w->fit[i] = 12;
				break;
			}
			goto text;
		case SHEET_TEXT:
		default:
text: {
			/* Most values are valid and short: written without a copy. */
			g_autofree char *fixed = strlen(v) <= SHEET_MAX_CELL_CHARS &&
							 g_utf8_validate(v, -1, NULL)
						 ? NULL
						 : cell_text(v);
			const char *s = fixed ? fixed : v;
			e = worksheet_write_string(w->ws, row, col, s, NULL);
			if (w->rows < SHEET_FIT_ROWS) {
				int tw = text_width(s) + 1;
				if (tw > w->fit[i])
					w->fit[i] = tw;
			}
			break;
		}
		}
		if (!lxw_fail(e, err, "row"))
			return -1;
	}
	return 0;
}

static void write_csv_row(sheet_writer *w, const char *const *values, size_t n)
{
	g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < w->n; i++) {
		const char *v = i < n && values[i] ? values[i] : "";
		int y, m, d;
		double num;
		if (w->columns[i].kind == SHEET_DAY && parse_day(v, &y, &m, &d)) {
			g_ptr_array_add(cells, g_strdup_printf("%02d.%02d.%04d", d, m, y));
		} else if (w->columns[i].kind == SHEET_INT && parse_int(v, &num) && v[0] == '-') {
			/* A negative number is data, not a formula; written as such
			 * only when it is one (csv_write_field would guard it). */
			g_ptr_array_add(cells, g_strdup(v));
		} else {
			g_ptr_array_add(cells, g_utf8_make_valid(v, -1));
		}
	}
	/* Fields are written one by one so that a negative integer column is
	 * not given the formula guard meant for text. */
	for (size_t i = 0; i < w->n; i++) {
		const char *v = g_ptr_array_index(cells, i);
		bool plain = w->columns[i].kind == SHEET_INT && v[0] == '-';
		if (i)
			g_string_append_c(w->csv, ';');
		csv_write_field(w->csv, v, ';', !plain);
	}
	if (w->n == 1 && !*(const char *)g_ptr_array_index(cells, 0))
		g_string_append(w->csv, "\"\"");
	g_string_append(w->csv, "\r\n");
}

int sheet_writer_row(sheet_writer *w, const char *const *values, size_t n, GError **err)
{
	if (w->rows + 1 >= SHEET_MAX_ROWS) {
		g_set_error(err, BIREG_SHEET_ERROR, 1, "more than %u rows", SHEET_MAX_ROWS - 1);
		return -1;
	}
	if (w->format == SHEET_CSV)
		write_csv_row(w, values, n);
	else if (write_xlsx_row(w, values, n, err) < 0)
		return -1;
	w->rows++;
	return 0;
}

GBytes *sheet_writer_finish(sheet_writer *w, GError **err)
{
	g_autoptr(sheet_writer) owned = w;
	g_autoptr(GError) e = NULL;
	char *data = NULL;
	gsize len = 0;

	if (w->format == SHEET_CSV) {
		gsize l = w->csv->len;
		char *s = g_string_free(g_steal_pointer(&w->csv), FALSE);
		return g_bytes_new_take(s, l);
	}
	for (size_t i = 0; i < w->n; i++) {
		int width = w->columns[i].width;
		if (width <= 0)
			width = CLAMP(w->fit[i], SHEET_MIN_WIDTH, SHEET_MAX_WIDTH);
		worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, width, NULL);
	}
	if (w->n > 0)
		worksheet_autofilter(w->ws, 0, 0, (lxw_row_t)w->rows, (lxw_col_t)(w->n - 1));
	lxw_error le = workbook_close(w->wb);
	w->wb = NULL; /* closed and freed */
	if (!lxw_fail(le, err, "closing the workbook"))
		return NULL;
	if (!g_file_get_contents(w->path, &data, &len, &e)) {
		g_set_error(err, BIREG_SHEET_ERROR, 1, "reading the workbook: %s", e->message);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}
