/*
 * pdf_letter.c — the DIN 5008 letter (form B) and the letterhead read from
 * a region (see pdf.h).
 *
 * Form B, measured from the top-left corner of the A4 sheet:
 *   0–45 mm     letterhead: region name, office, logo on the right;
 *   45–90 mm    address field at 20 mm from the left, 85 × 45 mm: the
 *               sender line in its top zone (17.7 mm), the recipient in the
 *               address zone (27.3 mm, at most 6 lines); text starts 5 mm
 *               inside the field, at 25 mm, the left margin of the text;
 *   50 mm       information block at 125 mm from the left: references,
 *               contact, phone, e-mail, date;
 *   98.5 mm     subject, bold; then salutation, body, closing, signature;
 *   105/210 mm  folding marks, 148.5 mm hole mark, on the left edge.
 * The text column runs from 25 to 190 mm. Body text is 11 pt with a blank
 * line between paragraphs.
 */
#include "out/pdf_internal.h"

#include <string.h>

#include "core/log.h"
#include "files/file_store.h"

#define ADDRESS_LINES 6

typedef struct letter_fields {
	char **recipient; /* cleaned, NULL-terminated */
	char *your_ref, *our_ref, *contact_name, *contact_phone, *contact_email, *date;
} letter_fields;

static void fields_free(gpointer p)
{
	letter_fields *f = p;
	g_strfreev(f->recipient);
	g_free(f->your_ref);
	g_free(f->our_ref);
	g_free(f->contact_name);
	g_free(f->contact_phone);
	g_free(f->contact_email);
	g_free(f->date);
	g_free(f);
}

static char *opt(const char *s)
{
	return s && *s ? pdf_clean_text(s) : NULL;
}

/* A one-line layout cut with "…". */
static PangoLayout *one_line(pdf_pass *p, const char *text, double size, bool bold, double w)
{
	PangoLayout *l = pdf_layout(p, text, size, bold, false, w);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	return l;
}

static double show_line(pdf_pass *p, const char *text, double size, bool bold, double x,
			double y, double w)
{
	PangoLayout *l = one_line(p, text, size, bold, w);
	double h = pdf_layout_height(l);
	pdf_show(p, l, x, y);
	g_object_unref(l);
	return h;
}

static void info_row(pdf_pass *p, double *y, const char *label, const char *value)
{
	PangoLayout *v;

	if (!value || !*value)
		return;
	cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
	show_line(p, label, 7.5, false, PDF_MM(125), *y + 0.8, PDF_MM(22));
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	v = pdf_layout(p, value, 9, false, false, PDF_MM(50));
	pango_layout_set_height(v, -2);
	pango_layout_set_ellipsize(v, PANGO_ELLIPSIZE_END);
	pdf_show(p, v, PDF_MM(148), *y);
	*y += MAX(pdf_layout_height(v), 11.0) + 1.5;
	g_object_unref(v);
}

/* Page 1 of a letter above the subject. */
static void draw_first_page(pdf_pass *p)
{
	pdf_doc *d = p->d;
	const pdf_letterhead *lh = d->lh;
	const letter_fields *f = d->letter;
	double lw = p->logo ? PDF_MM(95) : PDF_TEXT_W;
	double y = PDF_MM(12);
	GString *unit = g_string_new(NULL);
	g_autofree char *sender = NULL;

	/* Letterhead. */
	if (p->logo)
		pdf_image_draw(p->cr, p->logo, PDF_MM(125), PDF_MM(10), PDF_MM(65), PDF_MM(25), true);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	y += show_line(p, lh->region_name, 15, true, PDF_LEFT, y, lw) + 1;
	if (*lh->office_name)
		g_string_append(unit, lh->office_name);
	if (*lh->office_unit)
		g_string_append_printf(unit, "%s%s", unit->len ? "\n" : "", lh->office_unit);
	if (unit->len) {
		PangoLayout *l = pdf_layout(p, unit->str, 9, false, false, lw);
		pango_layout_set_height(l, -2);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		pdf_show(p, l, PDF_LEFT, y);
		g_object_unref(l);
	}
	g_string_free(unit, TRUE);

	/* Address field: sender line at the bottom of the top zone, then the
	 * recipient. */
	sender = *lh->sender_line ? g_strdup(lh->sender_line) : pdf_office_line(lh, false);
	cairo_set_source_rgb(p->cr, 0.15, 0.15, 0.15);
	show_line(p, sender, 7, false, PDF_MM(25), PDF_MM(45 + 17.7 - 4.2), PDF_MM(80));
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	y = PDF_MM(45 + 17.7 + 0.8);
	for (int i = 0; f->recipient[i] && i < ADDRESS_LINES; i++)
		y += show_line(p, f->recipient[i], 10, false, PDF_MM(25), y, PDF_MM(80));

	/* Information block. */
	y = PDF_MM(50);
	info_row(p, &y, pdf_label(d, "your_ref"), f->your_ref);
	info_row(p, &y, pdf_label(d, "our_ref"), f->our_ref);
	info_row(p, &y, pdf_label(d, "contact"), f->contact_name);
	info_row(p, &y, pdf_label(d, "phone"), f->contact_phone);
	info_row(p, &y, pdf_label(d, "email"), f->contact_email);
	y += 4;
	info_row(p, &y, pdf_label(d, "date"), f->date);
}

GBytes *pdf_render_letter(const pdf_letter *l, GError **err)
{
	pdf_letterhead empty = {0};
	const char *title = l->title && *l->title ? l->title : l->subject;
	pdf_doc_info info = {
		.title = title && *title ? title : (l->lang && !strncmp(l->lang, "en", 2) ? "Letter" : "Brief"),
		.lang = l->lang,
		.letterhead = l->letterhead ? l->letterhead : &empty,
	};
	g_autoptr(pdf_doc) d = NULL;
	letter_fields *f = g_new0(letter_fields, 1);
	GPtrArray *rcpt = g_ptr_array_new();
	double line;
	blk *b;

	for (size_t i = 0; l->recipient_lines && l->recipient_lines[i]; i++) {
		char *s = opt(l->recipient_lines[i]);
		if (s)
			g_ptr_array_add(rcpt, s);
	}
	g_ptr_array_add(rcpt, NULL);
	f->recipient = (char **)g_ptr_array_free(rcpt, FALSE);
	f->your_ref = opt(l->your_ref);
	f->our_ref = opt(l->our_ref);
	f->contact_name = opt(l->contact_name);
	f->contact_phone = opt(l->contact_phone);
	f->contact_email = opt(l->contact_email);
	f->date = opt(l->date);

	d = pdf_doc_new(&info);
	d->letter = f;
	d->letter_free = fields_free;
	d->first_page = draw_first_page;
	d->fold_marks = true;
	d->base_size = 11;
	line = d->base_size * 1.36;
	d->para_space = line;
	d->first_top = PDF_MM(98.5);
	if (l->subject && *l->subject) {
		g_free(d->header);
		d->header = f->date ? g_strconcat(l->subject, " · ", f->date, NULL)
				    : g_strdup(l->subject);
	}

	if (l->subject && *l->subject) {
		b = pdf_blk_text(d, l->subject, NULL, NULL, STYLE_STRONG);
		b->space_after = 2 * line;
		pdf_blk_add(d, b);
	}
	if (l->salutation && *l->salutation) {
		b = pdf_blk_text(d, l->salutation, NULL, NULL, STYLE_BODY);
		b->keep_with_next = true;
		pdf_blk_add(d, b);
	}
	if (pdf_text_markdown(d, l->body_markdown, 0, err) < 0)
		return NULL;
	if (l->closing && *l->closing) {
		b = pdf_blk_text(d, l->closing, NULL, NULL, STYLE_BODY);
		b->space_after = 3 * line; /* room for the handwritten signature */
		b->keep_with_next = true;
		pdf_blk_add(d, b);
	}
	if (l->signature && *l->signature) {
		b = pdf_blk_text(d, l->signature, NULL, NULL, STYLE_BODY);
		pdf_blk_add(d, b);
	}
	return pdf_doc_render(d, err);
}

/* ---- the letterhead of a region ------------------------------------------ */

static char *member(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return pdf_clean_text(s ? s : "");
}

pdf_letterhead *pdf_letterhead_from_region(const bireg_ctx *ctx, json_t *region, GError **err)
{
	json_t *office = json_object_get(region, "office");
	json_t *head = json_object_get(region, "letterhead");
	int64_t logo_id = json_integer_value(json_object_get(region, "logo_file_id"));
	g_autoptr(pdf_letterhead) lh = g_new0(pdf_letterhead, 1);

	lh->region_name = member(region, "name");
	lh->office_name = member(office, "name");
	lh->office_unit = member(office, "unit");
	lh->street = member(office, "street");
	lh->postcode = member(office, "postcode");
	lh->city = member(office, "city");
	lh->phone = member(office, "phone");
	lh->email = member(office, "email");
	lh->website = member(office, "website");
	lh->sender_line = member(head, "sender_line");
	lh->footer = member(head, "footer");
	if (!*lh->sender_line) {
		g_free(lh->sender_line);
		lh->sender_line = pdf_office_line(lh, false);
	}
	if (logo_id > 0) {
		g_autoptr(GError) e = NULL;
		g_autoptr(file_info) fi = file_get(ctx, logo_id, &e);
		if (!fi && e) {
			g_propagate_error(err, g_steal_pointer(&e));
			return NULL;
		}
		if (!fi)
			log_warn("region %" G_GINT64_FORMAT " names logo file %" G_GINT64_FORMAT
				 ", which it does not have; the letterhead has no logo",
				 ctx->region_id, logo_id);
		else if (strcmp(fi->purpose, file_rules_region_logo.purpose) ||
			 strcmp(fi->visibility, "public"))
			log_warn("file %" G_GINT64_FORMAT " is not a public logo; the letterhead "
				 "has no logo", logo_id);
		else
			lh->logo = g_bytes_ref(fi->data);
	}
	return g_steal_pointer(&lh);
}
