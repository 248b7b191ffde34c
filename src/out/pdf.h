/*
 * pdf.h — PDF documents in the region's letterhead: a small document model
 * (headings, Markdown text, lists, tables that break across pages, charts)
 * and the DIN 5008 letter.
 *
 * Text is set by Pango on Cairo's PDF surface, so every word is real,
 * extractable text (umlauts and all), in fonts bireg registers itself
 * (fonts.h). Every PDF has its title, author and creator in its metadata,
 * the language in its catalogue (/Lang, added after cairo, which cannot set
 * it), structure tags (Document, H1–H3, P, L/LI, Table/TR/TH/TD, Figure),
 * an outline entry per heading, and link annotations for links. What cairo
 * 1.16 (Debian 12) cannot do: alternate text (/Alt) for figures and the
 * logo, and table header scope attributes — structure tags take no
 * attributes there; a chart therefore always has its numbers in a table
 * or the text beside it too (the caller's job).
 *
 * Pages are A4. The first page carries the letterhead (region name, logo,
 * office and its address) when one is given; every page has a footer with
 * "Seite 1 von 3" (English: "Page 1 of 3"); pages after the first have a
 * running header with the title. Layout runs twice — once to count the
 * pages, once to draw — so the total is known on page one.
 *
 * Numbers and dates come formatted from the caller (src/view/format.h);
 * only a chart's axis labels are formatted here, with format.h.
 *
 * Bad input never crashes and never gives a broken file: text is made valid
 * UTF-8, raw HTML in Markdown is shown as text (never interpreted), images
 * in Markdown are shown as their text, nesting deeper than 8 levels is
 * drawn at level 8, a table cell taller than a page is cut with "…". Limits
 * that end in a PDF_ERROR_INPUT error: Markdown over 1 MiB, more than
 * PDF_MAX_PAGES pages. A logo that cannot be read (not PNG/JPEG/WebP,
 * broken, more than 40 megapixels) is left out with a warning in the log:
 * a letter must not fail because of its logo.
 *
 * Threads: a pdf_doc belongs to one thread at a time; rendering uses that
 * thread's font map (fonts.h), so any number of threads render at once.
 *
 * Ownership: constructors hand the caller a new object to free with its
 * _free function; every string and array passed in is copied, so the
 * caller's data need not outlive the call. GBytes results are new
 * references (g_bytes_unref).
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "core/ctx.h"
#include "out/fonts.h"

/* A document longer than this is refused (PDF_ERROR_INPUT). */
#define PDF_MAX_PAGES 2000
/* Markdown longer than this (bytes) is refused (PDF_ERROR_INPUT). */
#define PDF_MAX_MARKDOWN ((size_t)1024 * 1024)

/* ---- the letterhead ---------------------------------------------------- */

typedef struct pdf_letterhead {      /* from the region row (+ logo bytes), see pdf_letterhead_from_region */
	char *region_name, *office_name, *office_unit, *street, *postcode, *city, *phone, *email,
	     *website, *sender_line, *footer;
	GBytes *logo;                /* PNG/JPEG/WebP bytes or NULL */
} pdf_letterhead;

/* The letterhead of a region model (region_store.h: name, office{...},
 * letterhead{sender_line, footer}, logo_file_id) with the logo's bytes read
 * from the file store in ctx->region_id. Empty fields are "" (never NULL).
 * When the region has no sender line, one is made from the office's name
 * and address ("Bildungsregion Duisburg · Musterstraße 12 · 47051
 * Duisburg"). A logo file that is missing or not the region's public logo
 * is left out with a warning; a storage error returns NULL with err set. */
pdf_letterhead *pdf_letterhead_from_region(const bireg_ctx *ctx, json_t *region, GError **err);
void pdf_letterhead_free(pdf_letterhead *lh);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pdf_letterhead, pdf_letterhead_free)

/* ---- the DIN 5008 letter ----------------------------------------------- */

typedef struct pdf_letter {
	const pdf_letterhead *letterhead;
	const char *const *recipient_lines;  /* address field lines, NULL-terminated */
	const char *your_ref, *our_ref, *contact_name, *contact_phone, *contact_email; /* reference line, may be NULL */
	const char *date;                    /* already formatted German date, e.g. "26. November 2026" */
	const char *subject;                 /* bold Betreff */
	const char *salutation;              /* "Sehr geehrte Frau Muster," */
	const char *body_markdown;           /* the text, Markdown (raw HTML is shown as text) */
	const char *closing;                 /* "Mit freundlichen Grüßen" */
	const char *signature;               /* name(s), lines separated by \n */
	const char *title;                   /* PDF metadata title */
	const char *lang;                    /* "de" or "en" */
} pdf_letter;

/*
 * A complete PDF of the letter in DIN 5008 form B: letterhead above 45 mm;
 * the address field for a window envelope 45 mm from the top and 20 mm
 * from the left, 85 × 45 mm, with the sender line in its top zone and at
 * most 6 address lines (more are cut) in the address zone; the information
 * block to its right (your/our reference, contact, phone, e-mail, date);
 * the subject in bold 98.5 mm from the top; salutation, body, closing and
 * signature; folding marks at 105 and 210 mm and the hole mark at 148.5 mm
 * on the left edge. Pages after the first repeat a short header. Every
 * field but letterhead may be NULL or "".
 */
GBytes *pdf_render_letter(const pdf_letter *l, GError **err);

/* ---- the general document ---------------------------------------------- */

typedef struct pdf_doc pdf_doc;
typedef struct pdf_table pdf_table;

typedef struct pdf_doc_info {
	const char *title;       /* metadata title and running header; required */
	const char *author;      /* metadata; NULL: the letterhead's region name */
	const char *subject;     /* metadata; may be NULL */
	const char *lang;        /* "de" (default) or "en": page labels and /Lang */
	const pdf_letterhead *letterhead; /* on the first page; NULL: none (copied) */
	const char *footer;      /* left part of every footer; NULL: the letterhead's footer */
} pdf_doc_info;

pdf_doc *pdf_doc_new(const pdf_doc_info *info);
void pdf_doc_free(pdf_doc *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pdf_doc, pdf_doc_free)

/* A heading of level 1–3 (others are clamped), also an outline entry. */
void pdf_doc_heading(pdf_doc *d, int level, const char *text);
/* A paragraph of plain text (no Markdown); "\n" breaks the line. */
void pdf_doc_paragraph(pdf_doc *d, const char *text);
/* Markdown (CommonMark with GitHub's tables, strikethrough and autolinks):
 * emphasis, strong, code, links (drawn as "text (URL)" and clickable for
 * http, https and mailto), lists, block quotes, headings (# is level 1),
 * tables, rules. Raw HTML is shown as text. Returns 0, or -1 with a
 * PDF_ERROR_INPUT error when the text is longer than PDF_MAX_MARKDOWN. */
int pdf_doc_markdown(pdf_doc *d, const char *markdown, GError **err);
/* A bulleted (•) or numbered (1., 2., …) list of plain-text items. */
void pdf_doc_list(pdf_doc *d, bool numbered, const char *const *items, size_t n);
/* Vertical space in millimetres. */
void pdf_doc_space(pdf_doc *d, double mm);
/* The next block starts on a new page. */
void pdf_doc_page_break(pdf_doc *d);

typedef enum { PDF_ALIGN_LEFT, PDF_ALIGN_RIGHT, PDF_ALIGN_CENTER } pdf_align;

typedef struct pdf_column {
	const char *title;  /* header cell */
	double width;       /* share of the text width, relative to the other columns (0 = 1) */
	pdf_align align;    /* numbers: PDF_ALIGN_RIGHT */
} pdf_column;

/* A table with ncols columns (1–32; more are cut). Its header row is
 * repeated on every page it continues on; a row is never split. The table
 * belongs to d (do not free it); add its rows before rendering. */
pdf_table *pdf_doc_table(pdf_doc *d, const pdf_column *cols, size_t ncols);
/* One row: ncols cells (NULL cells are empty; plain text, "\n" breaks). */
void pdf_table_add_row(pdf_table *t, const char *const *cells);

typedef enum { PDF_CHART_BAR, PDF_CHART_LINE } pdf_chart_kind;

typedef struct pdf_series {
	const char *name;      /* legend; may be NULL with one series */
	const double *values;  /* one per label; NAN: no value */
} pdf_series;

typedef struct pdf_chart {
	pdf_chart_kind kind;
	const char *title;            /* above the chart; may be NULL */
	const char *const *labels;    /* categories along the x axis */
	size_t n;                     /* number of labels (at most 200) */
	const pdf_series *series;     /* at most 6 */
	size_t nseries;
	int decimals;                 /* places of the value labels (0–4) */
	const char *unit;             /* after axis and value labels, e.g. "%"; may be NULL */
	double height_mm;             /* 0: 70 mm */
} pdf_chart;

/* A bar chart (grouped bars, each with its value) or a line chart (one
 * line per series; its values labelled with one series, the last value of
 * each with several), with a y axis from 0 (or the lowest
 * negative value) in steps of 1, 2 or 5 × 10^k, labels in the document's
 * language ("1.234,5"). */
void pdf_doc_chart(pdf_doc *d, const pdf_chart *c);

/* The document as a complete PDF. The document can be rendered again. */
GBytes *pdf_doc_render(pdf_doc *d, GError **err);
