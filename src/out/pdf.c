/*
 * pdf.c — the document model and the page engine: blocks in, pages out
 * (see pdf.h for what a document can hold, pdf_internal.h for how the
 * files share the work).
 *
 * The engine places blocks top to bottom in the body area of a page and
 * starts a new page when the next piece does not fit: a paragraph breaks
 * between lines (never leaving a single first line at the bottom of a
 * page), a table between rows (its header row repeated), a heading is kept
 * with the start of what follows, a chart is kept whole. It runs once to
 * count the pages and once to draw them (see pdf_internal.h).
 *
 * After cairo has written the file, the document's language goes into the
 * catalogue (/Lang) and the viewer is told to show the title rather than
 * the file name (/ViewerPreferences /DisplayDocTitle), both required for
 * accessible PDFs (PDF/UA) and both beyond what cairo 1.16 can set. The
 * catalogue is the last object cairo writes, just before the
 * cross-reference table, so the two entries are inserted into it and only
 * the startxref offset moves; if the file does not look as expected it is
 * left as cairo wrote it.
 */
#include "out/pdf_internal.h"

#include <math.h>
#include <string.h>

#include "build_config.h"
#include "core/log.h"

#define FOOTER_TOP PDF_MM(273.0)
#define BODY_BOTTOM PDF_MM(266.0)
#define HEADER_TOP PDF_MM(11.0)
#define FOLLOW_TOP PDF_MM(25.0)
#define SMALL 7.5

/* ---- labels (the PDF's language, not the request's) ------------------- */

typedef struct label {
	const char *key, *de, *en;
} label;

/* Few and fixed, like format.c's month names: a table rather than gettext,
 * so that a PDF's language never depends on the locales of the machine. */
static const label labels[] = {
	{"your_ref", "Ihr Zeichen", "Your reference"},
	{"our_ref", "Unser Zeichen", "Our reference"},
	{"contact", "Ansprechperson", "Contact"},
	{"phone", "Telefon", "Phone"},
	{"email", "E-Mail", "Email"},
	{"date", "Datum", "Date"},
	{"tel", "Tel.", "Tel."},
	{"image", "Bild", "Image"},
};

const char *pdf_label(const pdf_doc *d, const char *key)
{
	bool en = d->lang && !strncmp(d->lang, "en", 2);
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (!strcmp(labels[i].key, key))
			return en ? labels[i].en : labels[i].de;
	return key;
}

static char *page_label(const pdf_doc *d, int page, int total)
{
	if (d->lang && !strncmp(d->lang, "en", 2))
		return g_strdup_printf("Page %d of %d", page, total);
	return g_strdup_printf("Seite %d von %d", page, total);
}

/* ---- text helpers ----------------------------------------------------- */

char *pdf_clean_text(const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_sized_new(strlen(valid));

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '\t')
			g_string_append_c(out, ' ');
		else if (c == '\n')
			g_string_append_c(out, '\n');
		else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
			 (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			continue; /* controls, line separators, bidi overrides */
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

/* Pango breaks a line inside a word only when the word is longer than the
 * line, and then takes time that grows with the square of the word's
 * length (a 60,000-letter "word" took seconds). So a run of more than
 * LONG_RUN characters without white space gets a zero-width space every
 * BREAK_EVERY characters: a place to break, invisible, and not in the text
 * pdftotext extracts. Real words and URLs are shorter and stay as they are.
 * Returns text itself (not a copy) when nothing changed, else a new string;
 * *inserted (if not NULL) gets the byte offsets in text before which a
 * break went in, ascending. */
#define LONG_RUN 120
#define BREAK_EVERY 60
static const char zwsp[] = "\u200b";

static char *soft_breaks(char *text, GArray **inserted)
{
	GString *out = NULL;
	const char *run = NULL;
	long run_len = 0;

	for (const char *c = text;; c = g_utf8_next_char(c)) {
		bool space = !*c || g_unichar_isspace(g_utf8_get_char(c)) || g_utf8_get_char(c) == 0x200b;
		if (!space) {
			if (!run)
				run = c;
			run_len++;
			if (!*c)
				break;
			continue;
		}
		if (run && run_len > LONG_RUN) {
			const char *q = run;
			if (!out) {
				out = g_string_new_len(text, run - text);
				if (inserted)
					*inserted = g_array_new(FALSE, FALSE, sizeof(int));
			}
			for (long i = 0; i < run_len; i++, q = g_utf8_next_char(q)) {
				if (i > 0 && i % BREAK_EVERY == 0) {
					int at = (int)(q - text);
					g_string_append(out, zwsp);
					if (inserted)
						g_array_append_val(*inserted, at);
				}
				g_string_append_len(out, q, g_utf8_next_char(q) - q);
			}
		} else if (out && run) {
			g_string_append_len(out, run, c - run);
		}
		run = NULL;
		run_len = 0;
		if (!*c)
			break;
		if (out)
			g_string_append_len(out, c, g_utf8_next_char(c) - c);
	}
	return out ? g_string_free(out, FALSE) : text;
}

static char *dup_clean(const char *s)
{
	return s ? pdf_clean_text(s) : g_strdup("");
}

void pdf_letterhead_copy_into(pdf_letterhead *dst, const pdf_letterhead *src)
{
	dst->region_name = dup_clean(src->region_name);
	dst->office_name = dup_clean(src->office_name);
	dst->office_unit = dup_clean(src->office_unit);
	dst->street = dup_clean(src->street);
	dst->postcode = dup_clean(src->postcode);
	dst->city = dup_clean(src->city);
	dst->phone = dup_clean(src->phone);
	dst->email = dup_clean(src->email);
	dst->website = dup_clean(src->website);
	dst->sender_line = dup_clean(src->sender_line);
	dst->footer = dup_clean(src->footer);
	dst->logo = src->logo ? g_bytes_ref(src->logo) : NULL;
}

void pdf_letterhead_free(pdf_letterhead *lh)
{
	if (!lh)
		return;
	g_free(lh->region_name);
	g_free(lh->office_name);
	g_free(lh->office_unit);
	g_free(lh->street);
	g_free(lh->postcode);
	g_free(lh->city);
	g_free(lh->phone);
	g_free(lh->email);
	g_free(lh->website);
	g_free(lh->sender_line);
	g_free(lh->footer);
	g_clear_pointer(&lh->logo, g_bytes_unref);
	g_free(lh);
}

static void join(GString *s, const char *sep, const char *part)
{
	if (!part || !*part)
		return;
	if (s->len)
		g_string_append(s, sep);
	g_string_append(s, part);
}

char *pdf_office_line(const pdf_letterhead *lh, bool with_contact)
{
	GString *s = g_string_new(NULL);
	g_autofree char *place = NULL;

	join(s, " · ", *lh->office_name ? lh->office_name : lh->region_name);
	join(s, " · ", lh->street);
	place = g_strstrip(g_strconcat(lh->postcode, " ", lh->city, NULL));
	join(s, " · ", place);
	if (with_contact) {
		if (*lh->phone) {
			g_autofree char *tel = g_strconcat("Tel. ", lh->phone, NULL);
			join(s, " · ", tel);
		}
		join(s, " · ", lh->email);
		join(s, " · ", lh->website);
	}
	return g_string_free(s, FALSE);
}

/* ---- the document ----------------------------------------------------- */

static void blk_free(gpointer p)
{
	blk *b = p;

	g_free(b->text);
	if (b->attrs)
		pango_attr_list_unref(b->attrs);
	if (b->links) {
		for (guint i = 0; i < b->links->len; i++)
			g_free(g_array_index(b->links, pdf_link, i).uri);
		g_array_unref(b->links);
	}
	g_free(b->marker);
	if (b->table) {
		for (size_t i = 0; i < b->table->ncols; i++)
			g_free(b->table->titles[i]);
		g_ptr_array_unref(b->table->rows);
		g_free(b->table);
	}
	if (b->chart)
		pdf_chart_data_free(b->chart);
	g_free(b);
}

pdf_doc *pdf_doc_new(const pdf_doc_info *info)
{
	pdf_doc *d = g_new0(pdf_doc, 1);

	d->title = dup_clean(info->title && *info->title ? info->title : "Dokument");
	d->lang = g_strdup(info->lang && !strncmp(info->lang, "en", 2) ? "en" : "de");
	d->subject = info->subject ? dup_clean(info->subject) : NULL;
	if (info->letterhead) {
		d->lh = g_new0(pdf_letterhead, 1);
		pdf_letterhead_copy_into(d->lh, info->letterhead);
	}
	d->author = dup_clean(info->author ? info->author : d->lh ? d->lh->region_name : "bireg");
	d->footer = info->footer ? dup_clean(info->footer)
				 : g_strdup(d->lh ? d->lh->footer : "");
	d->header = g_strdup(d->title);
	d->blocks = g_ptr_array_new_with_free_func(blk_free);
	d->base_size = 10.0;
	d->para_space = 6.0;
	d->first_top = d->lh ? PDF_MM(48.0) : FOLLOW_TOP;
	return d;
}

void pdf_doc_free(pdf_doc *d)
{
	if (!d)
		return;
	g_free(d->title);
	g_free(d->author);
	g_free(d->subject);
	g_free(d->lang);
	g_free(d->footer);
	g_free(d->header);
	pdf_letterhead_free(d->lh);
	g_ptr_array_unref(d->blocks);
	if (d->letter && d->letter_free)
		d->letter_free(d->letter);
	g_free(d);
}

void pdf_blk_add(pdf_doc *d, blk *b)
{
	b->lists_open += d->pending_lists;
	d->pending_lists = 0;
	g_ptr_array_add(d->blocks, b);
}

blk *pdf_blk_text(pdf_doc *d, const char *text, PangoAttrList *attrs, GArray *links,
		  text_style style)
{
	blk *b = g_new0(blk, 1);

	b->kind = BLK_TEXT;
	b->text = pdf_clean_text(text);
	b->attrs = attrs;
	b->links = links;
	{
		GArray *at = NULL;
		char *broken = soft_breaks(b->text, &at);
		if (broken != b->text) {
			int len = (int)strlen(zwsp);
			/* From the last insertion back, so offsets stay valid. */
			for (guint i = at->len; i > 0; i--) {
				int pos = g_array_index(at, int, i - 1);
				if (b->attrs)
					pango_attr_list_update(b->attrs, pos, 0, len);
				for (guint k = 0; b->links && k < b->links->len; k++) {
					pdf_link *l = &g_array_index(b->links, pdf_link, k);
					l->start += l->start >= pos ? len : 0;
					l->end += l->end > pos ? len : 0;
				}
			}
			g_free(b->text);
			b->text = broken;
			g_array_unref(at);
		}
	}
	b->style = style;
	b->space_after = d->para_space;
	switch (style) {
	case STYLE_H1:
		b->tag = "H1";
		b->space_before = d->base_size;
		b->space_after = d->base_size * 0.5;
		break;
	case STYLE_H2:
		b->tag = "H2";
		b->space_before = d->base_size * 0.8;
		b->space_after = d->base_size * 0.4;
		break;
	case STYLE_H3:
		b->tag = "H3";
		b->space_before = d->base_size * 0.6;
		b->space_after = d->base_size * 0.3;
		break;
	case STYLE_CODE:
		b->tag = "Code";
		break;
	default:
		b->tag = "P";
		break;
	}
	return b;
}

void pdf_doc_heading(pdf_doc *d, int level, const char *text)
{
	text_style s = level <= 1 ? STYLE_H1 : level == 2 ? STYLE_H2 : STYLE_H3;
	pdf_blk_add(d, pdf_blk_text(d, text, NULL, NULL, s));
}

void pdf_doc_paragraph(pdf_doc *d, const char *text)
{
	pdf_blk_add(d, pdf_blk_text(d, text, NULL, NULL, STYLE_BODY));
}

int pdf_doc_markdown(pdf_doc *d, const char *markdown, GError **err)
{
	return pdf_text_markdown(d, markdown, 0, err);
}

void pdf_doc_list(pdf_doc *d, bool numbered, const char *const *items, size_t n)
{
	blk *last = NULL;

	for (size_t i = 0; i < n; i++) {
		blk *b = pdf_blk_text(d, items[i], NULL, NULL, STYLE_BODY);
		b->indent = d->base_size * 1.8;
		b->marker = numbered ? g_strdup_printf("%zu.", i + 1) : g_strdup("•");
		b->tag = "LI";
		b->space_after = d->para_space * 0.4;
		if (i == 0)
			b->lists_open++;
		pdf_blk_add(d, b);
		last = b;
	}
	if (last) {
		last->lists_close++;
		last->space_after = d->para_space;
	}
}

void pdf_doc_space(pdf_doc *d, double mm)
{
	blk *b = g_new0(blk, 1);
	b->kind = BLK_SPACE;
	b->height = PDF_MM(CLAMP(mm, 0.0, 250.0));
	pdf_blk_add(d, b);
}

void pdf_doc_page_break(pdf_doc *d)
{
	blk *b = g_new0(blk, 1);
	b->kind = BLK_BREAK;
	pdf_blk_add(d, b);
}

pdf_table *pdf_table_new(const char *const *titles, const double *widths,
			 const pdf_align *align, size_t ncols)
{
	pdf_table *t = g_new0(pdf_table, 1);
	double sum = 0;

	t->ncols = CLAMP(ncols, 1, PDF_MAX_COLS);
	for (size_t i = 0; i < t->ncols; i++) {
		double w = widths && i < ncols && widths[i] > 0 && isfinite(widths[i]) ? widths[i] : 1.0;
		t->titles[i] = dup_clean(titles && i < ncols ? titles[i] : "");
		t->widths[i] = w;
		t->align[i] = align && i < ncols ? align[i] : PDF_ALIGN_LEFT;
		sum += w;
	}
	for (size_t i = 0; i < t->ncols; i++)
		t->widths[i] /= sum;
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	return t;
}

pdf_table *pdf_doc_table(pdf_doc *d, const pdf_column *cols, size_t ncols)
{
	const char *titles[PDF_MAX_COLS];
	double widths[PDF_MAX_COLS];
	pdf_align align[PDF_MAX_COLS];
	size_t n = CLAMP(ncols, 1, PDF_MAX_COLS);
	blk *b = g_new0(blk, 1);

	for (size_t i = 0; i < n; i++) {
		bool given = cols && i < ncols;
		titles[i] = given ? cols[i].title : "";
		widths[i] = given ? cols[i].width : 1;
		align[i] = given ? cols[i].align : PDF_ALIGN_LEFT;
	}
	b->kind = BLK_TABLE;
	b->table = pdf_table_new(titles, widths, align, n);
	b->space_after = d->para_space * 1.5;
	pdf_blk_add(d, b);
	return b->table;
}

void pdf_table_add_row(pdf_table *t, const char *const *cells)
{
	char **row = g_new0(char *, t->ncols + 1);
	for (size_t i = 0; i < t->ncols; i++) {
		char *cell = dup_clean(cells ? cells[i] : NULL);
		char *broken = soft_breaks(cell, NULL);
		if (broken != cell)
			g_free(cell);
		row[i] = broken;
	}
	g_ptr_array_add(t->rows, row);
}

void pdf_doc_chart(pdf_doc *d, const pdf_chart *c)
{
	blk *b = g_new0(blk, 1);
	b->kind = BLK_CHART;
	b->chart = pdf_chart_data_new(c, d->base_size);
	b->space_after = d->para_space * 1.5;
	pdf_blk_add(d, b);
}

/* ---- layouts ---------------------------------------------------------- */

/* Sets attrs (may be NULL) on l, plus one attribute: no hyphen where a
 * word too long for the line is broken, since a hyphen in a URL, an e-mail
 * address or a number would change it. */
static void set_attributes(PangoLayout *l, PangoAttrList *attrs)
{
	PangoAttrList *list = attrs ? pango_attr_list_copy(attrs) : pango_attr_list_new();
	pango_attr_list_insert_before(list, pango_attr_insert_hyphens_new(FALSE));
	pango_layout_set_attributes(l, list);
	pango_attr_list_unref(list);
}

PangoLayout *pdf_layout(pdf_pass *p, const char *text, double size, bool bold, bool mono,
			double width)
{
	PangoLayout *l = pango_layout_new(p->pc);
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family(fd, mono ? pdf_fonts_mono_family() : pdf_fonts_family());
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	set_attributes(l, NULL);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

double pdf_layout_height(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return (double)r.height / PANGO_SCALE;
}

double pdf_layout_width(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return (double)r.width / PANGO_SCALE;
}

void pdf_show(pdf_pass *p, PangoLayout *l, double x, double y)
{
	if (!p->cr)
		return;
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

/* A one-line layout cut with "…" at width. */
static PangoLayout *line_layout(pdf_pass *p, const char *text, double size, bool bold,
				double width)
{
	PangoLayout *l = pdf_layout(p, text, size, bold, false, width);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	return l;
}

/* ---- page furniture ---------------------------------------------------- */

static void gray(cairo_t *cr, double g)
{
	cairo_set_source_rgb(cr, g, g, g);
}

static void hline(cairo_t *cr, double x0, double x1, double y, double width, double g)
{
	cairo_save(cr);
	gray(cr, g);
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, x0, y);
	cairo_line_to(cr, x1, y);
	cairo_stroke(cr);
	cairo_restore(cr);
}

static void draw_footer(pdf_pass *p)
{
	pdf_doc *d = p->d;
	cairo_t *cr = p->cr;
	g_autofree char *num = page_label(d, p->page, p->total);
	g_autofree char *office = d->lh ? pdf_office_line(d->lh, true) : g_strdup("");
	GString *text = g_string_new(NULL);
	PangoLayout *l;

	hline(cr, PDF_LEFT, PDF_RIGHT, FOOTER_TOP - PDF_MM(1.5), 0.4, 0.6);
	join(text, "\n", office);
	join(text, "\n", d->footer);
	gray(cr, 0.2);
	l = pdf_layout(p, text->str, SMALL, false, false, PDF_TEXT_W - PDF_MM(32));
	pango_layout_set_height(l, -3);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pdf_show(p, l, PDF_LEFT, FOOTER_TOP);
	g_object_unref(l);
	g_string_free(text, TRUE);
	l = pdf_layout(p, num, SMALL, false, false, PDF_MM(30));
	pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
	pdf_show(p, l, PDF_RIGHT - PDF_MM(30), FOOTER_TOP);
	g_object_unref(l);
	gray(cr, 0);
}

static void draw_header(pdf_pass *p)
{
	pdf_doc *d = p->d;
	const char *right = d->lh ? d->lh->region_name : "";
	PangoLayout *l;

	gray(p->cr, 0.2);
	l = line_layout(p, d->header, SMALL + 0.5, false, PDF_TEXT_W * (*right ? 0.6 : 1.0));
	pdf_show(p, l, PDF_LEFT, HEADER_TOP);
	g_object_unref(l);
	if (*right) {
		l = line_layout(p, right, SMALL + 0.5, false, PDF_TEXT_W * 0.38);
		pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
		pdf_show(p, l, PDF_RIGHT - PDF_TEXT_W * 0.38, HEADER_TOP);
		g_object_unref(l);
	}
	hline(p->cr, PDF_LEFT, PDF_RIGHT, HEADER_TOP + PDF_MM(5.5), 0.4, 0.6);
	gray(p->cr, 0);
}

/* The letterhead of a document (not a letter): region, office, address
 * and contact on the left, the logo on the right, a rule below. */
static void draw_doc_letterhead(pdf_pass *p)
{
	pdf_letterhead *lh = p->d->lh;
	double w = p->logo ? PDF_MM(95) : PDF_TEXT_W;
	double y = PDF_MM(12);
	g_autofree char *place = g_strstrip(g_strconcat(lh->postcode, " ", lh->city, NULL));
	GString *address = g_string_new(NULL);
	GString *contact = g_string_new(NULL);
	GString *unit = g_string_new(NULL);
	PangoLayout *l;

	if (p->logo)
		pdf_image_draw(p->cr, p->logo, PDF_MM(125), PDF_MM(10), PDF_MM(65), PDF_MM(24), true);
	l = line_layout(p, lh->region_name, 15, true, w);
	pdf_show(p, l, PDF_LEFT, y);
	y += pdf_layout_height(l) + 1;
	g_object_unref(l);
	join(unit, " · ", lh->office_name);
	join(unit, " · ", lh->office_unit);
	if (unit->len) {
		l = line_layout(p, unit->str, 9, false, w);
		pdf_show(p, l, PDF_LEFT, y);
		y += pdf_layout_height(l);
		g_object_unref(l);
	}
	/* Address and contact: at most three lines of small print. */
	join(address, " · ", lh->street);
	join(address, " · ", place);
	if (*lh->phone) {
		g_autofree char *tel = g_strconcat(pdf_label(p->d, "tel"), " ", lh->phone, NULL);
		join(contact, " · ", tel);
	}
	join(contact, " · ", lh->email);
	join(contact, " · ", lh->website);
	join(address, "\n", contact->str);
	if (address->len) {
		gray(p->cr, 0.25);
		l = pdf_layout(p, address->str, 8, false, false, w);
		pango_layout_set_height(l, -3);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		pdf_show(p, l, PDF_LEFT, y);
		g_object_unref(l);
		gray(p->cr, 0);
	}
	hline(p->cr, PDF_LEFT, PDF_RIGHT, PDF_MM(40), 0.6, 0.5);
	g_string_free(address, TRUE);
	g_string_free(contact, TRUE);
	g_string_free(unit, TRUE);
}

/* Folding marks (DIN 5008 form B: 105 and 210 mm) and the hole mark
 * (148.5 mm) on the left edge. */
static void draw_marks(cairo_t *cr)
{
	hline(cr, PDF_MM(3), PDF_MM(8), PDF_MM(105), 0.5, 0.4);
	hline(cr, PDF_MM(3), PDF_MM(8), PDF_MM(210), 0.5, 0.4);
	hline(cr, PDF_MM(3), PDF_MM(11), PDF_MM(148.5), 0.5, 0.4);
}

void pdf_new_page(pdf_pass *p)
{
	pdf_doc *d = p->d;

	if (p->cr && p->page > 0) {
		/* The page's furniture belongs to no paragraph or table: end the
		 * open tags here and open them again below. */
		for (int i = p->ntags - 1; i >= 0; i--)
			cairo_tag_end(p->cr, p->tags[i]);
		cairo_show_page(p->cr);
	}
	p->page++;
	if (p->page > PDF_MAX_PAGES)
		p->too_long = true;
	p->top = p->page == 1 ? d->first_top : FOLLOW_TOP;
	p->bottom = BODY_BOTTOM;
	p->y = p->top;
	if (!p->cr || p->too_long)
		return;
	cairo_save(p->cr);
	if (p->page == 1) {
		if (d->first_page)
			d->first_page(p);
		else if (d->lh)
			draw_doc_letterhead(p);
	} else {
		draw_header(p);
	}
	draw_footer(p);
	if (d->fold_marks)
		draw_marks(p->cr);
	cairo_restore(p->cr);
	if (p->page > 1)
		for (int i = 0; i < p->ntags; i++)
			cairo_tag_begin(p->cr, p->tags[i], NULL);
}

static bool at_top(const pdf_pass *p)
{
	return p->y <= p->top + 0.01;
}

void pdf_need(pdf_pass *p, double h)
{
	if (p->y + h > p->bottom + 0.01 && !at_top(p))
		pdf_new_page(p);
}

/* ---- structure tags ---------------------------------------------------- */

static void tag_begin(pdf_pass *p, const char *tag)
{
	if (!p->cr || !tag)
		return;
	if (p->ntags == (int)G_N_ELEMENTS(p->tags)) {
		p->tags_dropped++;
		return;
	}
	cairo_tag_begin(p->cr, tag, NULL);
	p->tags[p->ntags++] = tag;
}

static void tag_end(pdf_pass *p, const char *tag)
{
	if (!p->cr || !tag)
		return;
	if (p->tags_dropped > 0) {
		p->tags_dropped--;
		return;
	}
	g_assert(p->ntags > 0 && !strcmp(p->tags[p->ntags - 1], tag));
	cairo_tag_end(p->cr, p->tags[--p->ntags]);
}

/* A string for a cairo tag attribute: in single quotes, with \ and '
 * escaped. New. */
static char *attr_string(const char *s)
{
	GString *out = g_string_new("'");
	for (const char *c = s; *c; c++) {
		if (*c == '\\' || *c == '\'')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *c);
	}
	g_string_append_c(out, '\'');
	return g_string_free(out, FALSE);
}

static bool linkable(const char *uri)
{
	return uri && (!g_ascii_strncasecmp(uri, "https://", 8) ||
		       !g_ascii_strncasecmp(uri, "http://", 7) ||
		       !g_ascii_strncasecmp(uri, "mailto:", 7)) &&
	       !strpbrk(uri, " \n\r\t");
}

/* ---- text blocks ------------------------------------------------------- */

static double style_size(const pdf_doc *d, text_style s)
{
	switch (s) {
	case STYLE_H1:
		return d->base_size + 5;
	case STYLE_H2:
		return d->base_size + 2.5;
	case STYLE_H3:
		return d->base_size + 1;
	case STYLE_CODE:
		return d->base_size - 1;
	default:
		return d->base_size;
	}
}

static int heading_level(text_style s)
{
	return s == STYLE_H1 ? 1 : s == STYLE_H2 ? 2 : s == STYLE_H3 ? 3 : 0;
}

typedef struct line_box {
	double top, height, baseline, x; /* in layout space, pt */
	PangoLayoutLine *line;           /* borrowed from the layout */
} line_box;

static void draw_links(pdf_pass *p, const blk *b, const line_box *lb, double x, double y)
{
	int ls = lb->line->start_index, le = ls + lb->line->length;

	for (guint i = 0; b->links && i < b->links->len; i++) {
		const pdf_link *k = &g_array_index(b->links, pdf_link, i);
		int s = MAX(k->start, ls), e = MIN(k->end, le), *ranges = NULL, n = 0;
		g_autofree char *uri = NULL;

		if (s >= e || !linkable(k->uri))
			continue;
		uri = attr_string(k->uri);
		pango_layout_line_get_x_ranges(lb->line, s, e, &ranges, &n);
		for (int r = 0; r < n; r++) {
			double rx = x + (double)ranges[2 * r] / PANGO_SCALE;
			double rw = (double)(ranges[2 * r + 1] - ranges[2 * r]) / PANGO_SCALE;
			g_autofree char *attrs = NULL;
			if (rw <= 0)
				continue;
			attrs = g_strdup_printf("uri=%s rect=[%.2f %.2f %.2f %.2f]", uri, rx, y, rw,
						lb->height);
			cairo_tag_begin(p->cr, CAIRO_TAG_LINK, attrs);
			cairo_tag_end(p->cr, CAIRO_TAG_LINK);
		}
		g_free(ranges);
	}
}

static void render_text(pdf_pass *p, const blk *b, const blk *next)
{
	pdf_doc *d = p->d;
	double size = style_size(d, b->style);
	bool heading = heading_level(b->style) > 0;
	bool code = b->style == STYLE_CODE;
	double indent = MIN(b->indent, PDF_TEXT_W * 0.5);
	double pad = code ? 3.0 : 0.0;
	double x = PDF_LEFT + indent, w = PDF_TEXT_W - indent;
	PangoLayout *l = pdf_layout(p, b->text, size, heading || b->style == STYLE_STRONG, code,
				    w - 2 * pad);
	PangoLayoutIter *it;
	g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(line_box));
	guint i = 0;
	bool tagged = false;

	if (b->attrs)
		set_attributes(l, b->attrs);
	it = pango_layout_get_iter(l);
	do {
		PangoRectangle r;
		line_box lb;
		pango_layout_iter_get_line_extents(it, NULL, &r);
		lb.top = (double)r.y / PANGO_SCALE;
		lb.height = (double)r.height / PANGO_SCALE;
		lb.x = (double)r.x / PANGO_SCALE;
		lb.baseline = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
		lb.line = pango_layout_iter_get_line_readonly(it);
		g_array_append_val(lines, lb);
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);

	if (!at_top(p))
		p->y += b->space_before;
	{
		/* Keep the first two lines together, and a heading with the
		 * first lines of what follows. */
		const line_box *last = &g_array_index(lines, line_box, MIN(lines->len, 2) - 1);
		double need = last->top + last->height + 2 * pad;
		if ((heading || b->keep_with_next) && next)
			need += b->space_after + d->base_size * 1.4 * 3;
		pdf_need(p, need);
	}
	while (i < lines->len && !p->too_long) {
		const line_box *first = &g_array_index(lines, line_box, i);
		double seg_top = first->top, seg_h;
		guint j = i;

		while (j < lines->len) {
			const line_box *lb = &g_array_index(lines, line_box, j);
			if (p->y + 2 * pad + lb->top + lb->height - seg_top > p->bottom + 0.01)
				break;
			j++;
		}
		if (j == i) {
			if (!at_top(p)) {
				pdf_new_page(p);
				continue;
			}
			j = i + 1; /* a line higher than a page: drawn all the same */
		}
		/* No single last line at the top of the next page. */
		if (j < lines->len && j + 1 == lines->len && j - i >= 3)
			j--;
		{
			const line_box *lb = &g_array_index(lines, line_box, j - 1);
			seg_h = lb->top + lb->height - seg_top + 2 * pad;
		}
		if (p->cr) {
			if (!tagged) {
				tag_begin(p, b->tag);
				tagged = true;
			}
			if (code) {
				cairo_save(p->cr);
				gray(p->cr, 0.94);
				cairo_rectangle(p->cr, x, p->y, w, seg_h);
				cairo_fill(p->cr);
				cairo_restore(p->cr);
			}
			if (i == 0 && b->marker) {
				PangoLayout *m = pdf_layout(p, b->marker, size, false, false, 0);
				const line_box *lb = &g_array_index(lines, line_box, 0);
				double mw = pdf_layout_width(m);
				cairo_move_to(p->cr, x - mw - size * 0.5,
					      p->y + pad + lb->baseline - seg_top);
				pango_cairo_show_layout_line(p->cr, pango_layout_get_line_readonly(m, 0));
				g_object_unref(m);
			}
			if (i == 0 && heading) {
				int lv = heading_level(b->style);
				g_autofree char *dest = g_strdup_printf("page=%d pos=[%.2f %.2f]", p->page,
									x, p->y);
				int id = cairo_pdf_surface_add_outline(p->surface, p->outline[lv - 1],
								       b->text, dest, 0);
				for (int k = lv; k < 4; k++)
					p->outline[k] = id;
			}
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			for (guint k = i; k < j; k++) {
				const line_box *lb = &g_array_index(lines, line_box, k);
				double ly = p->y + pad + lb->top - seg_top;
				cairo_move_to(p->cr, x + pad + lb->x, p->y + pad + lb->baseline - seg_top);
				pango_cairo_show_layout_line(p->cr, lb->line);
				draw_links(p, b, lb, x + pad, ly);
			}
		}
		p->y += seg_h;
		i = j;
		if (i < lines->len)
			pdf_new_page(p);
	}
	if (tagged)
		tag_end(p, b->tag);
	p->y += b->space_after;
	g_object_unref(l);
}

/* ---- tables ------------------------------------------------------------ */

#define CELL_PAD 2.5

typedef struct table_ctx {
	pdf_pass *p;
	const pdf_table *t;
	double size;
	double x[PDF_MAX_COLS + 1];
	PangoLayout *cell[PDF_MAX_COLS]; /* reused for every row */
	PangoLayout *head[PDF_MAX_COLS];
	double head_h;
	double max_row_h;
} table_ctx;

static PangoLayout *cell_layout(table_ctx *tc, size_t c, bool bold)
{
	double w = tc->x[c + 1] - tc->x[c] - 2 * CELL_PAD;
	PangoLayout *l = pdf_layout(tc->p, "", tc->size, bold, false, MAX(w, 4.0));
	pango_layout_set_alignment(l, tc->t->align[c] == PDF_ALIGN_RIGHT    ? PANGO_ALIGN_RIGHT
				      : tc->t->align[c] == PDF_ALIGN_CENTER ? PANGO_ALIGN_CENTER
									    : PANGO_ALIGN_LEFT);
	/* A cell taller than a page is cut with "…". */
	pango_layout_set_height(l, (int)(tc->max_row_h * PANGO_SCALE));
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	return l;
}

/* Sets the row's texts into the layouts and returns the row height. */
static double measure_row(PangoLayout **ls, size_t n, char *const *cells)
{
	double h = 0;
	for (size_t c = 0; c < n; c++) {
		pango_layout_set_text(ls[c], cells[c], -1);
		h = MAX(h, pdf_layout_height(ls[c]));
	}
	return h + 2 * CELL_PAD;
}

static void draw_row(table_ctx *tc, PangoLayout **ls, double h, bool header)
{
	pdf_pass *p = tc->p;
	cairo_t *cr = p->cr;
	double x0 = tc->x[0], x1 = tc->x[tc->t->ncols];

	if (!cr)
		return;
	if (header) {
		cairo_save(cr);
		gray(cr, 0.88);
		cairo_rectangle(cr, x0, p->y, x1 - x0, h);
		cairo_fill(cr);
		cairo_restore(cr);
	}
	tag_begin(p, "TR");
	for (size_t c = 0; c < tc->t->ncols; c++) {
		tag_begin(p, header ? "TH" : "TD");
		pdf_show(p, ls[c], tc->x[c] + CELL_PAD, p->y + CELL_PAD);
		tag_end(p, header ? "TH" : "TD");
	}
	tag_end(p, "TR");
	hline(cr, x0, x1, p->y + h, header ? 0.8 : 0.3, header ? 0.3 : 0.75);
}

static void render_table(pdf_pass *p, const blk *b)
{
	table_ctx tc = {.p = p, .t = b->table, .size = p->d->base_size - 1};
	const pdf_table *t = b->table;
	bool tagged = false;
	double x = PDF_LEFT;

	for (size_t c = 0; c < t->ncols; c++) {
		tc.x[c] = x;
		x += t->widths[c] * PDF_TEXT_W;
	}
	tc.x[t->ncols] = PDF_RIGHT;
	tc.max_row_h = (BODY_BOTTOM - FOLLOW_TOP) / 3;
	for (size_t c = 0; c < t->ncols; c++) {
		tc.head[c] = cell_layout(&tc, c, true);
		tc.cell[c] = cell_layout(&tc, c, false);
	}
	tc.head_h = measure_row(tc.head, t->ncols, t->titles);

	if (!at_top(p))
		p->y += b->space_before;
	{
		double first = t->rows->len ? measure_row(tc.cell, t->ncols, g_ptr_array_index(t->rows, 0))
					    : 0;
		pdf_need(p, tc.head_h + first);
	}
	tag_begin(p, "Table");
	tagged = p->cr != NULL;
	draw_row(&tc, tc.head, tc.head_h, true);
	p->y += tc.head_h;
	for (guint r = 0; r < t->rows->len && !p->too_long; r++) {
		double h = measure_row(tc.cell, t->ncols, g_ptr_array_index(t->rows, r));
		if (p->y + h > p->bottom + 0.01) {
			pdf_new_page(p);
			if (p->too_long)
				break;
			draw_row(&tc, tc.head, tc.head_h, true);
			p->y += tc.head_h;
		}
		draw_row(&tc, tc.cell, h, false);
		p->y += h;
	}
	if (tagged)
		tag_end(p, "Table");
	p->y += b->space_after;
	for (size_t c = 0; c < t->ncols; c++) {
		g_object_unref(tc.head[c]);
		g_object_unref(tc.cell[c]);
	}
}

/* ---- the document ------------------------------------------------------ */

static void render_blocks(pdf_pass *p)
{
	pdf_doc *d = p->d;

	pdf_new_page(p);
	for (guint i = 0; i < d->blocks->len && !p->too_long; i++) {
		const blk *b = g_ptr_array_index(d->blocks, i);
		const blk *next = i + 1 < d->blocks->len ? g_ptr_array_index(d->blocks, i + 1) : NULL;

		for (int k = 0; k < b->lists_open; k++)
			tag_begin(p, "L");
		switch (b->kind) {
		case BLK_TEXT:
			render_text(p, b, next);
			break;
		case BLK_TABLE:
			render_table(p, b);
			break;
		case BLK_CHART: {
			double h = pdf_chart_height(b->chart);
			if (!at_top(p))
				p->y += b->space_before;
			pdf_need(p, h);
			if (p->cr) {
				tag_begin(p, "Figure");
				pdf_chart_draw(p, b->chart, PDF_LEFT, p->y, PDF_TEXT_W);
				tag_end(p, "Figure");
			}
			p->y += h + b->space_after;
			break;
		}
		case BLK_SPACE:
			if (!at_top(p))
				p->y += b->height;
			break;
		case BLK_BREAK:
			if (!at_top(p))
				pdf_new_page(p);
			break;
		case BLK_RULE:
			pdf_need(p, d->para_space * 2);
			if (p->cr)
				hline(p->cr, PDF_LEFT, PDF_RIGHT, p->y + d->para_space * 0.5, 0.5, 0.6);
			p->y += d->para_space * 2;
			break;
		}
		for (int k = 0; k < b->lists_close; k++)
			tag_end(p, "L");
	}
}

static cairo_status_t write_bytes(void *closure, const unsigned char *data, unsigned int len)
{
	g_byte_array_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static const guint8 *find(const guint8 *hay, size_t n, const char *needle, size_t from)
{
	size_t k = strlen(needle);
	for (size_t i = from; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

/* Adds /Lang and /ViewerPreferences to the catalogue (see the top of this
 * file). Leaves the file as it is when its end does not look as cairo 1.16
 * writes it. */
static void add_catalog_entries(GByteArray *pdf, const char *lang)
{
	static const char close_seq[] = "\n>>\nendobj\n";
	const guint8 *buf = pdf->data;
	size_t n = pdf->len, clen = strlen(close_seq), xref, at, ilen;
	const guint8 *sx, *cat = NULL, *c;
	const char *num_at;
	char *num_end = NULL;
	g_autofree char *insert = NULL, *num = NULL;
	GByteArray *out;

	/* startxref and its offset end the file; the cross-reference table
	 * follows the catalogue directly. */
	sx = find(buf, n, "startxref\n", n > 64 ? n - 64 : 0);
	if (!sx)
		goto skip;
	num_at = (const char *)sx + strlen("startxref\n");
	xref = (size_t)g_ascii_strtoull(num_at, &num_end, 10);
	if (num_end == num_at || xref < clen || xref + 5 > n || memcmp(buf + xref, "xref\n", 5) ||
	    memcmp(buf + xref - clen, close_seq, clen))
		goto skip;
	for (c = find(buf, xref, "/Type /Catalog", xref > 4096 ? xref - 4096 : 0); c;
	     c = find(buf, xref, "/Type /Catalog", (size_t)(c - buf) + 1))
		cat = c;
	at = xref - clen;
	if (!cat || find(buf, at, "endobj", (size_t)(cat - buf)) || find(buf, at, "/Lang", (size_t)(cat - buf)))
		goto skip;
	insert = g_strdup_printf("\n   /Lang (%s)\n   /ViewerPreferences << /DisplayDocTitle true >>",
				 !strcmp(lang, "en") ? "en" : "de-DE");
	ilen = strlen(insert);
	num = g_strdup_printf("%zu", xref + ilen);
	out = g_byte_array_sized_new((guint)(n + ilen + 8));
	g_byte_array_append(out, buf, (guint)at);
	g_byte_array_append(out, (const guint8 *)insert, (guint)ilen);
	g_byte_array_append(out, buf + at, (guint)((const guint8 *)num_at - (buf + at)));
	g_byte_array_append(out, (const guint8 *)num, (guint)strlen(num));
	g_byte_array_append(out, (const guint8 *)num_end,
			    (guint)(n - (size_t)((const guint8 *)num_end - buf)));
	/* The caller keeps its array; only the contents change. */
	g_byte_array_set_size(pdf, 0);
	g_byte_array_append(pdf, out->data, out->len);
	g_byte_array_unref(out);
	return;
skip:
	log_warn("PDF: the end of the file is not as cairo 1.16 writes it; /Lang not set");
}

static PangoContext *make_context(PangoFontMap *fm, const char *lang)
{
	PangoContext *pc = pango_font_map_create_context(fm);
	cairo_font_options_t *fo = cairo_font_options_create();

	/* Unhinted metrics: the same line breaks at every size and on every
	 * machine. */
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(pc, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_language(pc, pango_language_from_string(lang));
	pango_context_set_base_dir(pc, PANGO_DIRECTION_LTR);
	return pc;
}

GBytes *pdf_doc_render(pdf_doc *d, GError **err)
{
	PangoFontMap *fm = pdf_fonts_map(err);
	pdf_pass p = {.d = d};
	GByteArray *out;
	cairo_surface_t *surface;
	cairo_status_t status;
	int total;

	if (!fm)
		return NULL;
	p.pc = make_context(fm, d->lang);
	if (d->lh && d->lh->logo) {
		g_autoptr(GError) e = NULL;
		p.logo = pdf_image_load(d->lh->logo, &e);
		if (!p.logo)
			log_warn("PDF \"%s\": the logo is left out: %s", d->title, e->message);
	}
	render_blocks(&p);
	total = p.page;
	if (p.too_long) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT,
			    "the document would have more than %d pages", PDF_MAX_PAGES);
		goto fail;
	}

	out = g_byte_array_new();
	surface = cairo_pdf_surface_create_for_stream(write_bytes, out, PDF_PAGE_W, PDF_PAGE_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, d->author);
	if (d->subject && *d->subject)
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, d->subject);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "bireg " BIREG_VERSION);
	p = (pdf_pass){.d = d, .pc = p.pc, .logo = p.logo, .total = total, .surface = surface};
	p.cr = cairo_create(surface);
	cairo_tag_begin(p.cr, "Document", NULL);
	render_blocks(&p);
	cairo_tag_end(p.cr, "Document");
	cairo_show_page(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(surface);
	status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_byte_array_unref(out);
		g_set_error(err, PDF_ERROR, PDF_ERROR_RENDER, "cairo: %s",
			    cairo_status_to_string(status));
		goto fail;
	}
	if (p.page != total)
		log_warn("PDF \"%s\": counted %d pages, drew %d", d->title, total, p.page);
	add_catalog_entries(out, d->lang);
	g_clear_pointer(&p.logo, cairo_surface_destroy);
	g_object_unref(p.pc);
	return g_byte_array_free_to_bytes(out);
fail:
	g_clear_pointer(&p.logo, cairo_surface_destroy);
	g_object_unref(p.pc);
	return NULL;
}
