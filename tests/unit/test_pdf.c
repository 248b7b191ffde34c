/*
 * test_pdf.c — PDF documents (src/out/pdf.h), checked by what a reader gets:
 * every file is read back with poppler's tools (pdftotext, pdfinfo,
 * pdfimages, pdffonts, pdftoppm), run as subprocesses, and must contain
 * every word that went in, umlauts included.
 *
 *   fonts      bireg's own fonts, embedded; a clear error when none exist
 *   letter     DIN 5008: the address field, sender line, subject and
 *              information block where the standard puts them (word boxes
 *              from pdftotext -bbox), folding marks (pixels from pdftoppm),
 *              "Seite i von N" on every page of a long letter
 *   markdown   umlauts, ß, €, „quotes“, emphasis, lists, a link (text, URL
 *              and annotation), raw HTML shown as text
 *   table      300 rows: the header row and "Seite i von N" on every page,
 *              every row once; 10,000 rows still a valid file
 *   chart      labels and German numbers as text
 *   logo       PNG, JPEG (embedded as it is) and WebP logos; a broken,
 *              huge or empty logo gives the PDF without it
 *   hostile    deep nesting, long words, too long a text
 *   region     the letterhead read from a region and its logo file (both
 *              backends)
 *   threads    four threads render at once
 */
#include <cairo.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <webp/encode.h>

#include "files/file_store.h"
#include "modules/region/region_store.h"
#include "out/pdf.h"
#include "test_dbenv.h"

/* A 16 × 8 px JPEG (libjpeg, quality 50). */
static const char jpeg_logo[] =
	"\xff\xd8\xff\xe0\x00\x10\x4a\x46\x49\x46\x00\x01\x01\x00\x00\x01"
	"\x00\x01\x00\x00\xff\xdb\x00\x43\x00\x10\x0b\x0c\x0e\x0c\x0a\x10"
	"\x0e\x0d\x0e\x12\x11\x10\x13\x18\x28\x1a\x18\x16\x16\x18\x31\x23"
	"\x25\x1d\x28\x3a\x33\x3d\x3c\x39\x33\x38\x37\x40\x48\x5c\x4e\x40"
	"\x44\x57\x45\x37\x38\x50\x6d\x51\x57\x5f\x62\x67\x68\x67\x3e\x4d"
	"\x71\x79\x70\x64\x78\x5c\x65\x67\x63\xff\xdb\x00\x43\x01\x11\x12"
	"\x12\x18\x15\x18\x2f\x1a\x1a\x2f\x63\x42\x38\x42\x63\x63\x63\x63"
	"\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
	"\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
	"\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\xff\xc0"
	"\x00\x11\x08\x00\x08\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11"
	"\x01\xff\xc4\x00\x15\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x05\xff\xc4\x00\x14\x10\x01\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xc4"
	"\x00\x14\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x04\xff\xc4\x00\x14\x11\x01\x00\x00\x00\x00\x00\x00"
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xda\x00\x0c\x03\x01"
	"\x00\x02\x11\x03\x11\x00\x3f\x00\x82\x01\xc1\x3f\xff\xd9";

/* ---- helpers ------------------------------------------------------------ */

typedef struct pdf_file {
	char *dir;
	char *path;
	GBytes *bytes;
} pdf_file;

static void pdf_file_free(pdf_file *f)
{
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_bytes_unref(f->bytes);
	g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pdf_file, pdf_file_free)

/* Takes pdf (may be NULL: the test fails with err). */
static pdf_file *save(GBytes *pdf, GError *err)
{
	g_autoptr(GError) e = NULL;
	pdf_file *f;
	gsize len;
	const char *data;

	g_assert_no_error(err);
	g_assert_nonnull(pdf);
	data = g_bytes_get_data(pdf, &len);
	g_assert_cmpuint(len, >, 100);
	g_assert_true(!memcmp(data, "%PDF-", 5));
	f = g_new0(pdf_file, 1);
	f->dir = g_dir_make_tmp("bireg-pdf-XXXXXX", &e);
	g_assert_no_error(e);
	f->path = g_build_filename(f->dir, "t.pdf", NULL);
	g_file_set_contents(f->path, data, (gssize)len, &e);
	g_assert_no_error(e);
	f->bytes = pdf;
	return f;
}

/* Runs argv; returns its standard output; the test fails if it fails or
 * complains on stderr (poppler prints "Syntax Error" for a broken file). */
static char *tool(const char *const *argv)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *err_out = NULL;
	char *out = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
			  &err_out, &status, &err))
		g_error("%s: %s (install poppler-utils: tools/install-deps check)", argv[0],
			err->message);
	if (!g_spawn_check_wait_status(status, &err))
		g_error("%s failed: %s\n%s", argv[0], err->message, err_out);
	if (err_out && *err_out)
		g_error("%s wrote to stderr: %s", argv[0], err_out);
	return out;
}

static char *text_of(const pdf_file *f, int page)
{
	g_autofree char *p = g_strdup_printf("%d", page);
	if (page > 0)
		return tool((const char *[]){"pdftotext", "-f", p, "-l", p, f->path, "-", NULL});
	return tool((const char *[]){"pdftotext", f->path, "-", NULL});
}

static char *info_of(const pdf_file *f)
{
	return tool((const char *[]){"pdfinfo", f->path, NULL});
}

/* The value of "Key:   value" in pdfinfo's output. New. */
static char *info_field(const char *info, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(info, "\n", -1);
	size_t klen = strlen(key);
	for (size_t i = 0; lines[i]; i++)
		if (!strncmp(lines[i], key, klen) && lines[i][klen] == ':')
			return g_strstrip(g_strdup(lines[i] + klen + 1));
	return NULL;
}

static int pages_of(const pdf_file *f)
{
	g_autofree char *info = info_of(f);
	g_autofree char *pages = info_field(info, "Pages");
	g_assert_nonnull(pages);
	return atoi(pages);
}

/* Every word of expected (split at spaces and punctuation) occurs in text. */
static void assert_words(const char *text, const char *expected)
{
	g_auto(GStrv) words = g_strsplit_set(expected, " \n\t.,;:!?()\"„“‚‘»«*", -1);
	for (size_t i = 0; words[i]; i++) {
		if (!*words[i])
			continue;
		if (!strstr(text, words[i]))
			g_error("the PDF's text lacks \"%s\":\n%s", words[i], text);
	}
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static bool bytes_contain(GBytes *b, const char *needle)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	return memmem(data, len, needle, strlen(needle)) != NULL;
}

#define PT_PER_MM (72.0 / 25.4)

/* The box of the first word "word" on page 1, in mm from the top-left. */
static void word_box(const pdf_file *f, const char *word, double *x0, double *y0, double *x1,
		     double *y1)
{
	g_autofree char *html = tool((const char *[]){"pdftotext", "-bbox", "-f", "1", "-l", "1",
						      f->path, "-", NULL});
	g_autofree char *needle = g_strdup_printf(">%s</word>", word);
	const char *hit = strstr(html, needle), *start;

	if (!hit)
		g_error("no word \"%s\" on page 1:\n%s", word, html);
	start = g_strrstr_len(html, hit - html, "<word ");
	g_assert_nonnull(start);
	g_assert_cmpint(sscanf(start, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", x0,
			       y0, x1, y1), ==, 4);
	*x0 /= PT_PER_MM;
	*y0 /= PT_PER_MM;
	*x1 /= PT_PER_MM;
	*y1 /= PT_PER_MM;
}

static int images_of(const pdf_file *f, char **list)
{
	g_autofree char *out = tool((const char *[]){"pdfimages", "-list", f->path, NULL});
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	int n = 0;
	/* Two header lines, then one per image or soft mask (alpha). */
	for (size_t i = 2; lines[0] && lines[1] && lines[i]; i++) {
		g_auto(GStrv) cols = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
		size_t k = 0, col = 0;
		for (; cols[k]; k++)
			if (*cols[k] && ++col == 3)
				break;
		if (cols[k] && !strcmp(cols[k], "image"))
			n++;
	}
	if (list)
		*list = g_steal_pointer(&out);
	return n;
}

static cairo_status_t append_bytes(void *closure, const unsigned char *data, unsigned int len)
{
	g_byte_array_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static GBytes *png_logo(int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);
	GByteArray *out = g_byte_array_new();

	cairo_set_source_rgb(cr, 0.1, 0.3, 0.5);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 1, 0.8, 0);
	cairo_rectangle(cr, w / 4.0, h / 4.0, w / 2.0, h / 2.0);
	cairo_fill(cr);
	cairo_destroy(cr);
	g_assert_cmpint(cairo_surface_write_to_png_stream(s, append_bytes, out), ==,
			CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	return g_byte_array_free_to_bytes(out);
}

static GBytes *webp_logo(int w, int h)
{
	guint8 *rgba = g_malloc((size_t)w * h * 4), *out = NULL;
	size_t len;
	GBytes *b;

	for (int i = 0; i < w * h; i++) {
		rgba[i * 4] = 200;
		rgba[i * 4 + 1] = 40;
		rgba[i * 4 + 2] = 40;
		rgba[i * 4 + 3] = i % 2 ? 255 : 128;
	}
	len = WebPEncodeLosslessRGBA(rgba, w, h, w * 4, &out);
	g_assert_cmpuint(len, >, 0);
	b = g_bytes_new(out, len);
	WebPFree(out);
	g_free(rgba);
	return b;
}

/* The letterhead of the tests (logo: taken, may be NULL). */
static pdf_letterhead *sample_letterhead(GBytes *logo)
{
	pdf_letterhead *lh = g_new0(pdf_letterhead, 1);

	lh->region_name = g_strdup("Bildungsregion Duisburg");
	lh->office_name = g_strdup("Geschäftsstelle der Bildungsregion");
	lh->office_unit = g_strdup("Amt für Schulische Bildung");
	lh->street = g_strdup("Musterstraße 12");
	lh->postcode = g_strdup("47051");
	lh->city = g_strdup("Duisburg");
	lh->phone = g_strdup("+49 203 283-1234");
	lh->email = g_strdup("bildungsregion@stadt.example");
	lh->website = g_strdup("https://www.bildungsregion.example");
	lh->sender_line = g_strdup("Absender: Geschäftsstelle · Postfach 100 · 47049 Duisburg");
	lh->footer = g_strdup("Sparkasse Duisburg · IBAN DE12 3505 0000 0000 0000 00");
	lh->logo = logo;
	return lh;
}

static const char *const recipient[] = {"Frau Erika Musterfrau", "Musterschule",
					"Musterweg 1", "47051 Duisburg", NULL};

static const char sample_body[] =
	"wir laden Sie herzlich zur **Bildungskonferenz** am Donnerstag, dem "
	"26. November 2026, in das Rathaus ein. Die Tagesordnung finden Sie *unten*.\n\n"
	"- Begrüßung durch den Oberbürgermeister\n"
	"- Bericht der Geschäftsstelle über Übergänge\n\n"
	"Bitte geben Sie bis zum 12. November Bescheid, ob Sie teilnehmen.";

static pdf_letter sample_letter(const pdf_letterhead *lh)
{
	return (pdf_letter){
		.letterhead = lh,
		.recipient_lines = recipient,
		.your_ref = "Ihr Schreiben vom 3. November",
		.our_ref = "BR-40/2026",
		.contact_name = "Alex Beispiel",
		.contact_phone = "+49 203 283-4711",
		.contact_email = "alex.beispiel@stadt.example",
		.date = "26. November 2026",
		.subject = "Einladung zur Bildungskonferenz 2027",
		.salutation = "Sehr geehrte Frau Musterfrau,",
		.body_markdown = sample_body,
		.closing = "Mit freundlichen Grüßen",
		.signature = "Alex Beispiel\nGeschäftsstelle",
		.title = "Einladung zur Bildungskonferenz",
		.lang = "de",
	};
}

/* ---- fonts ---------------------------------------------------------------- */

static void test_fonts(void)
{
	g_autoptr(GError) err = NULL;
	static const pdf_font_family none[] = {
		{"Nowhere Sans", "Nowhere Mono", "/nonexistent/fonts", "N-Regular.ttf", "N-Bold.ttf",
		 NULL, NULL, NULL, NULL},
	};
	const pdf_font_family *chosen = NULL;
	g_autoptr(pdf_letterhead) lh = sample_letterhead(NULL);
	pdf_letter l = sample_letter(lh);
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *fonts = NULL;
	g_autofree char *family = NULL;
	g_auto(GStrv) lines = NULL;
	int rows = 0;

	g_assert_cmpint(pdf_fonts_init(&err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(!strcmp(pdf_fonts_family(), "Noto Sans") ||
		      !strcmp(pdf_fonts_family(), "DejaVu Sans"));
	g_assert_nonnull(pdf_fonts_map(&err));

	/* No font at all: a clear error that names the packages. */
	g_assert_null(pdf_fonts_config_new(none, 1, &chosen, &err));
	g_assert_error(err, PDF_ERROR, PDF_ERROR_FONTS);
	g_assert_nonnull(strstr(err->message, "fonts-noto-core"));
	g_assert_nonnull(strstr(err->message, "/nonexistent/fonts/N-Regular.ttf"));
	g_clear_error(&err);

	/* Every font of a PDF is embedded and is bireg's family. */
	f = save(pdf_render_letter(&l, &err), err);
	fonts = tool((const char *[]){"pdffonts", f->path, NULL});
	family = g_strdelimit(g_strdup(pdf_fonts_family()), " ", '\0');
	lines = g_strsplit(fonts, "\n", -1);
	for (size_t i = 2; lines[0] && lines[1] && lines[i]; i++) {
		if (!*lines[i])
			continue;
		rows++;
		if (!strstr(lines[i], family) || !strstr(lines[i], " yes yes "))
			g_error("a font that is not %s or not embedded:\n%s", pdf_fonts_family(), fonts);
	}
	g_assert_cmpint(rows, >=, 2); /* regular and bold at least */
}

/* ---- the letter ------------------------------------------------------------ */

/* The darkest grey (0 black … 255 white) of page 1 rendered at 144 dpi
 * within ±1 mm around (x, y) mm. */
static int darkest_near(const pdf_file *f, double x_mm, double y_mm)
{
	g_autofree char *prefix = g_build_filename(f->dir, "page", NULL);
	g_autofree char *pgm = g_strconcat(prefix, "-1.pgm", NULL);
	g_autofree char *data = NULL;
	gsize len;
	int w, h, maxval, off = 0, darkest = 255;
	double px = 144.0 / 25.4;

	g_free(tool((const char *[]){"pdftoppm", "-r", "144", "-gray", "-f", "1", "-l", "1",
				     f->path, prefix, NULL}));
	if (!g_file_get_contents(pgm, &data, &len, NULL)) {
		g_autofree char *alt = g_strconcat(prefix, "-01.pgm", NULL);
		g_assert_true(g_file_get_contents(alt, &data, &len, NULL));
		g_unlink(alt);
	}
	g_unlink(pgm);
	g_assert_cmpint(sscanf(data, "P5 %d %d %d%n", &w, &h, &maxval, &off), ==, 3);
	off++;
	for (int y = (int)((y_mm - 1) * px); y <= (int)((y_mm + 1) * px); y++)
		for (int x = (int)((x_mm - 1) * px); x <= (int)((x_mm + 1) * px); x++)
			if (x >= 0 && y >= 0 && x < w && y < h && (gsize)(off + y * w + x) < len)
				darkest = MIN(darkest, (guint8)data[off + y * w + x]);
	return darkest;
}

static void test_letter(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = sample_letterhead(png_logo(400, 120));
	pdf_letter l = sample_letter(lh);
	g_autoptr(pdf_file) f = save(pdf_render_letter(&l, &err), err);
	g_autofree char *text = text_of(f, 0);
	g_autofree char *info = info_of(f);
	g_autofree char *title = info_field(info, "Title");
	g_autofree char *author = info_field(info, "Author");
	g_autofree char *creator = info_field(info, "Creator");
	g_autofree char *tagged = info_field(info, "Tagged");
	g_autofree char *size = info_field(info, "Page size");
	double x0, y0, x1, y1;

	assert_words(text, "Bildungsregion Duisburg Geschäftsstelle der Bildungsregion "
			   "Amt für Schulische Bildung");
	assert_words(text, "Absender: Geschäftsstelle · Postfach 100 · 47049 Duisburg");
	for (size_t i = 0; recipient[i]; i++)
		assert_words(text, recipient[i]);
	assert_words(text, "Ihr Zeichen Ihr Schreiben vom 3. November Unser Zeichen BR-40/2026 "
			   "Ansprechperson Alex Beispiel Telefon +49 203 283-4711 E-Mail "
			   "alex.beispiel@stadt.example Datum 26. November 2026");
	assert_words(text, l.subject);
	assert_words(text, l.salutation);
	assert_words(text, "wir laden Sie herzlich zur Bildungskonferenz am Donnerstag dem "
			   "26. November 2026 in das Rathaus ein Die Tagesordnung finden Sie unten");
	assert_words(text, "Begrüßung durch den Oberbürgermeister Bericht der Geschäftsstelle "
			   "über Übergänge Bitte geben Sie bis zum 12. November Bescheid ob Sie "
			   "teilnehmen");
	assert_words(text, "Mit freundlichen Grüßen Alex Beispiel Geschäftsstelle");
	assert_words(text, "Musterstraße 12 Tel. +49 203 283-1234 bildungsregion@stadt.example "
			   "https://www.bildungsregion.example Sparkasse Duisburg IBAN DE12");
	assert_words(text, "Seite 1 von 1");
	g_assert_cmpint(pages_of(f), ==, 1);
	g_assert_cmpstr(title, ==, "Einladung zur Bildungskonferenz");
	g_assert_cmpstr(author, ==, "Bildungsregion Duisburg");
	g_assert_true(g_str_has_prefix(creator, "bireg "));
	g_assert_cmpstr(tagged, ==, "yes");
	g_assert_nonnull(strstr(size, "595.276 x 841.89"));
	g_assert_true(bytes_contain(f->bytes, "/Lang (de-DE)"));
	g_assert_true(bytes_contain(f->bytes, "/DisplayDocTitle true"));
	g_assert_cmpint(images_of(f, NULL), ==, 1);

	/* DIN 5008 form B. The address zone: 20–105 mm from the left, text
	 * from 25 mm; 62.7–90 mm from the top. */
	word_box(f, "Musterfrau", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(x0, >=, 24.5);
	g_assert_cmpfloat(x1, <=, 105.0);
	g_assert_cmpfloat(y0, >=, 62.7);
	g_assert_cmpfloat(y1, <=, 90.0);
	word_box(f, "47051", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(y1, <=, 90.0);
	/* The sender line in the top zone, 45–62.7 mm. */
	word_box(f, "Postfach", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(x0, >=, 24.5);
	g_assert_cmpfloat(y0, >=, 45.0);
	g_assert_cmpfloat(y1, <=, 62.7);
	/* The information block from 125 mm, starting at 50 mm. */
	word_box(f, "Datum", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(x0, >=, 124.5);
	g_assert_cmpfloat(y0, >=, 50.0);
	g_assert_cmpfloat(y1, <=, 98.0);
	word_box(f, "BR-40/2026", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(x0, >=, 124.5);
	/* The subject at 98.5 mm, from the left margin. */
	word_box(f, "Einladung", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(fabs(x0 - 25.0), <, 1.0);
	g_assert_cmpfloat(y0, >=, 97.5);
	g_assert_cmpfloat(y0, <=, 101.5);
	/* Letterhead above the address field. */
	word_box(f, "Bildungsregion", &x0, &y0, &x1, &y1);
	g_assert_cmpfloat(y1, <=, 45.0);

	/* Folding marks at 105 and 210 mm, the hole mark at 148.5 mm, on the
	 * left edge; nothing drawn between them. */
	g_assert_cmpint(darkest_near(f, 5.5, 105), <, 180);
	g_assert_cmpint(darkest_near(f, 5.5, 210), <, 180);
	g_assert_cmpint(darkest_near(f, 7, 148.5), <, 180);
	g_assert_cmpint(darkest_near(f, 5.5, 125), >, 250);
}

static void test_letter_pages(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = sample_letterhead(NULL);
	pdf_letter l = sample_letter(lh);
	GString *body = g_string_new(NULL);
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *all = NULL;
	int n;

	for (int i = 1; i <= 40; i++)
		g_string_append_printf(body, "Absatz %d: Die Geschäftsstelle berichtet über die "
					     "Übergänge von der Kita in die Grundschule und "
					     "über die Arbeit der Handlungsfelder im Jahr 2026.\n\n", i);
	l.body_markdown = body->str;
	f = save(pdf_render_letter(&l, &err), err);
	n = pages_of(f);
	g_assert_cmpint(n, >=, 3);
	for (int p = 1; p <= n; p++) {
		g_autofree char *t = text_of(f, p);
		g_autofree char *label = g_strdup_printf("Seite %d von %d", p, n);
		if (!strstr(t, label))
			g_error("page %d lacks \"%s\":\n%s", p, label, t);
		if (p > 1)
			assert_words(t, "Einladung zur Bildungskonferenz 2027 Bildungsregion Duisburg");
	}
	all = text_of(f, 0);
	for (int i = 1; i <= 40; i++) {
		g_autofree char *a = g_strdup_printf("Absatz %d:", i);
		g_assert_cmpint(count_of(all, a), ==, 1);
	}
	assert_words(all, "Mit freundlichen Grüßen Alex Beispiel");
	g_string_free(body, TRUE);

	/* English labels. */
	l.lang = "en";
	l.body_markdown = "Short.";
	{
		g_autoptr(pdf_file) e = save(pdf_render_letter(&l, &err), err);
		g_autofree char *t = text_of(e, 0);
		assert_words(t, "Page 1 of 1 Your reference Our reference Contact Phone Email Date");
		g_assert_true(bytes_contain(e->bytes, "/Lang (en)"));
	}
}

/* ---- Markdown ---------------------------------------------------------------- */

static const char md_text[] =
	"# Überschrift mit Umlauten\n\n"
	"Äpfel, Öl und Übermut; ärgerlich, öde, üppig: Straße, Maß und Fuß kosten 12,50 €. "
	"Sie sagte „Guten Tag“ und ‚bis bald‘ – so war es.\n\n"
	"Ein *kursives* Wort, ein **fettes** Wort, `quelltext()` und ~~gestrichen~~.\n\n"
	"<script>alert('x')</script>\n\n"
	"Ein <b>rohes</b> Tag und <img src=x onerror=alert(1)> bleiben Text.\n\n"
	"## Liste\n\n"
	"- Punkt eins\n"
	"- Punkt zwei\n"
	"  1. Unterpunkt alpha\n"
	"  2. Unterpunkt beta\n\n"
	"Mehr im [Bildungsportal](https://www.schulministerium.nrw/).\n\n"
	"Siehe <https://example.org/automatisch>.\n\n"
	"Kein Link: [böse](javascript:alert(1)).\n\n"
	"> Ein Zitat mit Gänsefüßchen.\n\n"
	"![Logo der Stadt](https://example.org/logo.png)\n\n"
	"### Tabelle\n\n"
	"| Schule | Schülerzahl |\n"
	"|--------|-----------:|\n"
	"| Grundschule Nord | 1.234 |\n"
	"| Gesamtschule Süd | 987 |\n\n"
	"---\n\n"
	"    eingerückter Code\n";

static void test_markdown(void)
{
	g_autoptr(GError) err = NULL;
	pdf_doc_info info = {.title = "Markdown-Test äöü", .lang = "de"};
	g_autoptr(pdf_doc) d = pdf_doc_new(&info);
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *text = NULL;
	g_autofree char *pdfinfo = NULL;
	g_autofree char *title = NULL;
	g_autofree char *qpdf = NULL;

	g_assert_cmpint(pdf_doc_markdown(d, md_text, &err), ==, 0);
	f = save(pdf_doc_render(d, &err), err);
	text = text_of(f, 0);
	assert_words(text, "Überschrift mit Umlauten Äpfel Öl und Übermut ärgerlich öde üppig "
			   "Straße Maß und Fuß kosten 12,50 € Sie sagte „Guten Tag“ und ‚bis bald‘ "
			   "– so war es");
	g_assert_nonnull(strstr(text, "„Guten Tag“"));
	g_assert_nonnull(strstr(text, "12,50 €"));
	assert_words(text, "Ein kursives Wort ein fettes Wort quelltext gestrichen");
	/* Raw HTML is text, character for character. */
	g_assert_nonnull(strstr(text, "<script>alert('x')</script>"));
	g_assert_nonnull(strstr(text, "<b>rohes</b>"));
	g_assert_nonnull(strstr(text, "<img src=x onerror=alert(1)>"));
	assert_words(text, "Liste Punkt eins Punkt zwei Unterpunkt alpha Unterpunkt beta");
	g_assert_nonnull(strstr(text, "•"));
	g_assert_nonnull(strstr(text, "1."));
	/* A link shows its URL and is clickable; a javascript: one is not. */
	g_assert_nonnull(strstr(text, "Bildungsportal (https://www.schulministerium.nrw/)"));
	g_assert_nonnull(strstr(text, "https://example.org/automatisch"));
	g_assert_nonnull(strstr(text, "böse (javascript:alert(1))"));
	g_assert_true(bytes_contain(f->bytes, "/URI (https://www.schulministerium.nrw/)"));
	g_assert_true(bytes_contain(f->bytes, "/URI (https://example.org/automatisch)"));
	g_assert_false(bytes_contain(f->bytes, "javascript"));
	assert_words(text, "Ein Zitat mit Gänsefüßchen");
	assert_words(text, "Bild: Logo der Stadt");
	assert_words(text, "Tabelle Schule Schülerzahl Grundschule Nord 1.234 Gesamtschule Süd 987");
	assert_words(text, "eingerückter Code");
	g_assert_cmpint(images_of(f, NULL), ==, 0); /* images are never fetched */
	/* Headings are outline entries; the document is tagged. */
	g_assert_true(bytes_contain(f->bytes, "/Outlines"));
	g_assert_true(bytes_contain(f->bytes, "/StructTreeRoot"));
	pdfinfo = info_of(f);
	title = info_field(pdfinfo, "Title");
	g_assert_cmpstr(title, ==, "Markdown-Test äöü");
	qpdf = g_find_program_in_path("qpdf");
	if (qpdf) {
		g_autofree char *q = tool((const char *[]){"qpdf", "--check", f->path, NULL});
		g_assert_nonnull(strstr(q, "No syntax or stream encoding errors"));
	}
}

/* ---- tables ---------------------------------------------------------------------- */

static const char *const forms[] = {"Grundschule", "Hauptschule", "Realschule", "Gymnasium",
				    "Gesamtschule"};

static void test_table(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = sample_letterhead(png_logo(200, 80));
	pdf_doc_info info = {.title = "Schulen der Bildungsregion", .letterhead = lh};
	g_autoptr(pdf_doc) d = pdf_doc_new(&info);
	static const pdf_column cols[] = {
		{"Nr.", 0.6, PDF_ALIGN_RIGHT},
		{"Schule", 3, PDF_ALIGN_LEFT},
		{"Schulform", 1.6, PDF_ALIGN_LEFT},
		{"Schulnummer", 1.2, PDF_ALIGN_RIGHT},
		{"Schülerzahl", 1.1, PDF_ALIGN_RIGHT},
	};
	pdf_table *t;
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *all = NULL;
	int n;

	pdf_doc_heading(d, 1, "Schulen der Bildungsregion");
	pdf_doc_paragraph(d, "Alle Schulen mit Schulform und Schulnummer, Stand 1. Oktober 2026.");
	t = pdf_doc_table(d, cols, G_N_ELEMENTS(cols));
	for (int i = 1; i <= 300; i++) {
		g_autofree char *nr = g_strdup_printf("%d", i);
		g_autofree char *name = g_strdup_printf("Musterschule %03d", i);
		g_autofree char *num = g_strdup_printf("1%05d", i * 7);
		g_autofree char *pupils = g_strdup_printf("%d", 150 + i % 700);
		const char *row[] = {nr, name, forms[i % 5], num, pupils};
		pdf_table_add_row(t, row);
	}
	pdf_doc_paragraph(d, "Ende der Liste.");
	f = save(pdf_doc_render(d, &err), err);
	n = pages_of(f);
	g_assert_cmpint(n, >=, 5);
	for (int p = 1; p <= n; p++) {
		g_autofree char *text = text_of(f, p);
		g_autofree char *label = g_strdup_printf("Seite %d von %d", p, n);
		if (!strstr(text, label))
			g_error("page %d lacks \"%s\":\n%s", p, label, text);
		/* the header row on every page */
		assert_words(text, "Nr. Schule Schulform Schulnummer Schülerzahl");
		if (p == 1)
			assert_words(text, "Bildungsregion Duisburg Geschäftsstelle der Bildungsregion");
		else
			assert_words(text, "Schulen der Bildungsregion");
	}
	all = text_of(f, 0);
	for (int i = 1; i <= 300; i++) {
		g_autofree char *name = g_strdup_printf("Musterschule %03d", i);
		g_assert_cmpint(count_of(all, name), ==, 1);
	}
	assert_words(all, "Ende der Liste");
	g_assert_true(bytes_contain(f->bytes, "/StructTreeRoot"));
	g_assert_true(bytes_contain(f->bytes, "/Lang (de-DE)"));
}

static void test_table_10000(void)
{
	g_autoptr(GError) err = NULL;
	pdf_doc_info info = {.title = "Zehntausend Zeilen"};
	g_autoptr(pdf_doc) d = pdf_doc_new(&info);
	static const pdf_column cols[] = {{"Zeile", 1, PDF_ALIGN_LEFT},
					  {"Wert", 1, PDF_ALIGN_RIGHT},
					  {"Bemerkung", 3, PDF_ALIGN_LEFT}};
	pdf_table *t = pdf_doc_table(d, cols, 3);
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *last = NULL;
	int n;

	for (int i = 1; i <= 10000; i++) {
		g_autofree char *a = g_strdup_printf("Zeile %d", i);
		g_autofree char *b = g_strdup_printf("%d,%02d", i * 3, i % 100);
		const char *row[] = {a, b, i % 1000 == 0 ? "ein langer Eintrag, der über mehrere "
							   "Zeilen der Zelle umbrochen wird und "
							   "trotzdem in eine Zeile der Tabelle gehört"
							 : "kurz"};
		pdf_table_add_row(t, row);
	}
	f = save(pdf_doc_render(d, &err), err);
	n = pages_of(f);
	g_assert_cmpint(n, >, 100);
	g_assert_cmpint(n, <, PDF_MAX_PAGES);
	g_assert_true(bytes_contain(f->bytes, "/Lang (de-DE)"));
	last = text_of(f, n);
	assert_words(last, "Zeile 10000 Zeile Wert Bemerkung");
	{
		g_autofree char *label = g_strdup_printf("Seite %d von %d", n, n);
		g_assert_nonnull(strstr(last, label));
	}
}

/* ---- charts ------------------------------------------------------------------------ */

static void test_chart(void)
{
	g_autoptr(GError) err = NULL;
	pdf_doc_info info = {.title = "Kennzahlen"};
	g_autoptr(pdf_doc) d = pdf_doc_new(&info);
	static const char *const labels[] = {"Grundschule", "Hauptschule", "Realschule",
					     "Gymnasium", "Gesamtschule"};
	static const double counts[] = {1234.5, 456, 789.25, 1500, 980};
	static const double y2024[] = {12.5, 14, NAN, 17.25, 16};
	static const double y2025[] = {13, 15.5, 16, 18, 19.75};
	pdf_series bar = {"Schülerzahl", counts};
	pdf_series lines[] = {{"2024", y2024}, {"2025", y2025}};
	pdf_chart c1 = {PDF_CHART_BAR, "Schülerinnen und Schüler nach Schulform", labels, 5, &bar,
			1, 1, NULL, 0};
	pdf_chart c2 = {PDF_CHART_LINE, "Übergangsquote", labels, 5, lines, 2, 2, "%", 60};
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *text = NULL;

	pdf_doc_heading(d, 1, "Kennzahlen");
	pdf_doc_chart(d, &c1);
	pdf_doc_chart(d, &c2);
	f = save(pdf_doc_render(d, &err), err);
	text = text_of(f, 0);
	assert_words(text, "Schülerinnen und Schüler nach Schulform Übergangsquote");
	assert_words(text, "Grundschule Hauptschule Realschule Gymnasium Gesamtschule");
	/* values in German, axis in round steps */
	g_assert_nonnull(strstr(text, "1.234,5"));
	g_assert_nonnull(strstr(text, "789,3"));
	g_assert_nonnull(strstr(text, "1.500,0"));
	g_assert_nonnull(strstr(text, "1.000"));
	g_assert_nonnull(strstr(text, "19,75"));
	g_assert_nonnull(strstr(text, "%"));
	assert_words(text, "Schülerzahl 2024 2025");
}

/* ---- logos ------------------------------------------------------------------------- */

static int images_with(GBytes *logo, char **list)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = sample_letterhead(logo);
	pdf_letter l = sample_letter(lh);
	g_autoptr(pdf_file) f = save(pdf_render_letter(&l, &err), err);
	g_autofree char *text = text_of(f, 0);

	assert_words(text, "Bildungsregion Duisburg Frau Erika Musterfrau Seite 1 von 1");
	return images_of(f, list);
}

static void test_logos(void)
{
	g_autofree char *list = NULL;
	/* a PNG header that claims 50000 × 50000 pixels, then garbage */
	static const guint8 huge_png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
					  'I', 'H', 'D', 'R', 0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50,
					  8, 6, 0, 0, 0, 1, 2, 3};
	static const guint8 cut_jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F'};

	g_assert_cmpint(images_with(png_logo(600, 200), NULL), ==, 1);
	g_assert_cmpint(images_with(g_bytes_new_static(jpeg_logo, sizeof(jpeg_logo) - 1), &list),
			==, 1);
	g_assert_nonnull(strstr(list, "jpeg")); /* embedded as it is */
	g_assert_cmpint(images_with(webp_logo(64, 32), NULL), ==, 1);
	/* Broken logos: the letter without one (and a warning in the log). */
	g_assert_cmpint(images_with(g_bytes_new_static("GIF89a not really", 17), NULL), ==, 0);
	g_assert_cmpint(images_with(g_bytes_new_static(huge_png, sizeof(huge_png)), NULL), ==, 0);
	g_assert_cmpint(images_with(g_bytes_new_static(cut_jpeg, sizeof(cut_jpeg)), NULL), ==, 0);
	g_assert_cmpint(images_with(g_bytes_new_static("", 0), NULL), ==, 0);
	g_assert_cmpint(images_with(g_bytes_new_static("RIFF\0\0\0\0WEBPVP8 junk", 20), NULL), ==, 0);
}

/* ---- hostile input ------------------------------------------------------------------ */

static void test_hostile(void)
{
	g_autoptr(GError) err = NULL;
	GString *md = g_string_new(NULL);
	pdf_doc_info info = {.title = "Feindselig"};
	g_autoptr(pdf_doc) d = pdf_doc_new(&info);
	g_autoptr(pdf_doc) big = pdf_doc_new(&info);
	g_autoptr(pdf_file) f = NULL;
	g_autofree char *text = NULL;
	g_autofree char *too_long = NULL;
	gint64 t0 = g_get_monotonic_time();

	/* 5000 nested quotes, 2000 nested lists, 5000 nested emphasis, 10000
	 * brackets, a word of 60000 letters, control characters, bad UTF-8. */
	for (int i = 0; i < 5000; i++)
		g_string_append_c(md, '>');
	g_string_append(md, " tief zitiert\n\n");
	for (int i = 0; i < 2000; i++)
		g_string_append(md, "- ");
	g_string_append(md, "tief gelistet\n\n");
	for (int i = 0; i < 5000; i++)
		g_string_append(md, "*a ");
	g_string_append(md, "mitte");
	for (int i = 0; i < 5000; i++)
		g_string_append(md, "* ");
	g_string_append(md, "\n\n");
	for (int i = 0; i < 10000; i++)
		g_string_append_c(md, '[');
	g_string_append(md, "\n\n");
	for (int i = 0; i < 60000; i++)
		g_string_append_c(md, 'x');
	g_string_append(md, "\n\nSteuer\x01zeichen\x1b[31m, kaputtes \xff\xfe UTF-8, "
			    "Richtung\u202eumgekehrt\u202c und Ende.\n");
	g_assert_cmpint(pdf_doc_markdown(d, md->str, &err), ==, 0);
	f = save(pdf_doc_render(d, &err), err);
	text = text_of(f, 0);
	assert_words(text, "tief zitiert tief gelistet mitte Ende");
	g_assert_nonnull(strstr(text, "Steuerzeichen"));
	g_assert_cmpint(pages_of(f), <, 200);
	if (g_get_monotonic_time() - t0 > 60 * G_USEC_PER_SEC)
		g_error("hostile Markdown took %.1f s", (g_get_monotonic_time() - t0) / 1e6);
	g_string_free(md, TRUE);

	/* Too long a text: a clear error, nothing added. */
	too_long = g_malloc(PDF_MAX_MARKDOWN + 2);
	memset(too_long, 'a', PDF_MAX_MARKDOWN + 1);
	too_long[PDF_MAX_MARKDOWN + 1] = '\0';
	g_assert_cmpint(pdf_doc_markdown(big, too_long, &err), ==, -1);
	g_assert_error(err, PDF_ERROR, PDF_ERROR_INPUT);
	g_clear_error(&err);
	{
		pdf_letter l = sample_letter(NULL);
		l.body_markdown = too_long;
		g_assert_null(pdf_render_letter(&l, &err));
		g_assert_error(err, PDF_ERROR, PDF_ERROR_INPUT);
		g_clear_error(&err);
	}
	/* Everything NULL but the letterhead: still a letter. */
	{
		pdf_letter l = {0};
		g_autoptr(pdf_file) e = save(pdf_render_letter(&l, &err), err);
		g_autofree char *t = text_of(e, 0);
		assert_words(t, "Seite 1 von 1");
	}
}

/* ---- the letterhead of a region ------------------------------------------------------ */


static void exec(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_run(st, &err), ==, DB_OK);
}

static void test_region_letterhead(void)
{
	g_autoptr(GError) err = NULL;
	db *d = test_db_open(&err);
	g_autoptr(GBytes) png = png_logo(300, 100);
	bireg_ctx ctx = {.db = d};
	int64_t logo = 0, old = 0;
	gsize len;
	const void *data = g_bytes_get_data(png, &len);

	g_assert_no_error(err);
	ctx.region_id = test_db_insert_id(d,
		"INSERT INTO region (slug, name, office_name, street, postcode, city, phone, email, "
		"letterhead_footer, created_at, updated_at) VALUES ('alpha', 'Bildungsregion Alpha', "
		"'Geschäftsstelle Alpha', 'Hauptstraße 1', '12345', 'Alphastadt', '+49 1 2', "
		"'gs@alpha.example', 'Fußzeile Alpha', '2026-01-01T00:00:00Z', "
		"'2026-01-01T00:00:00Z') RETURNING id");
	db_set_region(d, ctx.region_id);
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_cmpint(file_put(&ctx, "logo.png", data, len, &file_rules_region_logo, &logo, &err),
			==, 0);
	g_assert_cmpint(region_store_set_logo(&ctx, logo, &old, &err), ==, 0);
	g_assert_cmpint(db_commit(d, &err), ==, DB_OK);
	g_assert_no_error(err);

	{
		json_t *region = region_store_get_by_slug(&ctx, "alpha", &err);
		g_autoptr(pdf_letterhead) lh = NULL;
		g_assert_no_error(err);
		lh = pdf_letterhead_from_region(&ctx, region, &err);
		g_assert_no_error(err);
		g_assert_cmpstr(lh->region_name, ==, "Bildungsregion Alpha");
		g_assert_cmpstr(lh->office_name, ==, "Geschäftsstelle Alpha");
		g_assert_cmpstr(lh->office_unit, ==, "");
		g_assert_cmpstr(lh->city, ==, "Alphastadt");
		g_assert_cmpstr(lh->footer, ==, "Fußzeile Alpha");
		/* no sender line stored: made from the office's address */
		g_assert_cmpstr(lh->sender_line, ==,
				"Geschäftsstelle Alpha · Hauptstraße 1 · 12345 Alphastadt");
		g_assert_nonnull(lh->logo);
		g_assert_true(g_bytes_equal(lh->logo, png));
		json_decref(region);
	}
	exec(d, "UPDATE region SET letterhead_sender_line = 'GS Alpha · Postfach 9 · 12340 Alphastadt'");
	exec(d, "UPDATE region SET logo_file_id = 999999");
	{
		json_t *region = region_store_get_by_slug(&ctx, "alpha", &err);
		g_autoptr(pdf_letterhead) lh = pdf_letterhead_from_region(&ctx, region, &err);
		g_assert_no_error(err);
		g_assert_cmpstr(lh->sender_line, ==, "GS Alpha · Postfach 9 · 12340 Alphastadt");
		g_assert_null(lh->logo); /* a missing logo file: no logo, no error */
		json_decref(region);
	}
	test_db_dispose(d);
}

/* ---- threads --------------------------------------------------------------------------- */

static gpointer render_some(gpointer data)
{
	const pdf_letterhead *lh = data;
	pdf_letter l = sample_letter(lh);
	for (int i = 0; i < 5; i++) {
		g_autoptr(GError) err = NULL;
		GBytes *b = pdf_render_letter(&l, &err);
		if (!b)
			return g_strdup(err->message);
		g_bytes_unref(b);
	}
	return NULL;
}

static void test_threads(void)
{
	g_autoptr(pdf_letterhead) lh = sample_letterhead(png_logo(200, 60));
	GThread *t[4];

	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("pdf", render_some, lh);
	for (int i = 0; i < 4; i++) {
		g_autofree char *failure = g_thread_join(t[i]);
		g_assert_null(failure);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pdf/fonts", test_fonts);
	g_test_add_func("/pdf/letter/din5008", test_letter);
	g_test_add_func("/pdf/letter/pages", test_letter_pages);
	g_test_add_func("/pdf/markdown", test_markdown);
	g_test_add_func("/pdf/table/300", test_table);
	g_test_add_func("/pdf/table/10000", test_table_10000);
	g_test_add_func("/pdf/chart", test_chart);
	g_test_add_func("/pdf/logos", test_logos);
	g_test_add_func("/pdf/hostile", test_hostile);
	g_test_add_func("/pdf/region-letterhead", test_region_letterhead);
	g_test_add_func("/pdf/threads", test_threads);
	return g_test_run();
}
