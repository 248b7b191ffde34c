/*
 * pdf_internal.h — what the files of the PDF module share (pdf.c the model
 * and the page engine, pdf_text.c Markdown, pdf_image.c logos, pdf_chart.c
 * charts, pdf_letter.c the letter and the letterhead). Not for callers.
 *
 * A document is a list of blocks. Rendering walks the list twice with a
 * pdf_pass: first without a cairo context (cr == NULL) only to place
 * everything and count the pages, then with one to draw; both walks take
 * the same decisions, so the page total drawn in every footer is right.
 * Lengths are PDF points (1/72 inch) from the top-left corner of the page.
 */
#pragma once
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "out/pdf.h"

#define PDF_MM(x) ((x) * 72.0 / 25.4)
#define PDF_PAGE_W PDF_MM(210.0)
#define PDF_PAGE_H PDF_MM(297.0)
#define PDF_LEFT PDF_MM(25.0)
#define PDF_RIGHT PDF_MM(190.0)
#define PDF_TEXT_W (PDF_RIGHT - PDF_LEFT)
/* Deeper nesting (lists, quotes) is drawn at this depth. */
#define PDF_MAX_DEPTH 8
#define PDF_MAX_COLS 32

typedef enum {
	BLK_TEXT,
	BLK_TABLE,
	BLK_CHART,
	BLK_SPACE,
	BLK_BREAK,
	BLK_RULE,
} blk_kind;

typedef enum {
	STYLE_BODY,
	STYLE_H1,
	STYLE_H2,
	STYLE_H3,
	STYLE_CODE,   /* monospace, shaded, lines kept as they are */
	STYLE_STRONG, /* bold body text (the letter's subject) */
} text_style;

/* A link in a text block: bytes [start, end) of its text. */
typedef struct pdf_link {
	int start, end;
	char *uri; /* http, https or mailto only (others get no annotation) */
} pdf_link;

struct pdf_table {
	size_t ncols;
	char *titles[PDF_MAX_COLS];
	double widths[PDF_MAX_COLS]; /* shares, summing to 1 */
	pdf_align align[PDF_MAX_COLS];
	GPtrArray *rows;             /* char ** (ncols strings each, g_strfreev) */
};

typedef struct pdf_chart_data {
	pdf_chart_kind kind;
	char *title;
	char *unit;
	char **labels; /* n */
	size_t n;
	size_t nseries;
	char **names;   /* nseries, may hold NULL */
	double *values; /* nseries * n, row-major by series */
	int decimals;
	double height; /* pt */
} pdf_chart_data;

typedef struct blk {
	blk_kind kind;
	/* BLK_TEXT */
	char *text;
	PangoAttrList *attrs; /* may be NULL */
	GArray *links;        /* pdf_link, may be NULL */
	text_style style;
	double indent;        /* pt from the text column's left edge */
	char *marker;         /* list marker drawn before indent, or NULL */
	double space_before, space_after;
	const char *tag;      /* structure tag: "P", "H1", "LI", "Code", "BlockQuote" */
	int lists_open;       /* structure: "L" tags opened before this block */
	int lists_close;      /* and closed after it */
	bool keep_with_next;  /* on the page of the next block's first lines (headings too) */
	/* BLK_SPACE */
	double height;
	/* BLK_TABLE */
	pdf_table *table;
	/* BLK_CHART */
	pdf_chart_data *chart;
} blk;

typedef struct pdf_pass pdf_pass;

struct pdf_doc {
	char *title, *author, *subject, *lang, *footer;
	char *header;               /* running header on pages after the first */
	pdf_letterhead *lh;         /* own copy, or NULL */
	GPtrArray *blocks;          /* blk * */
	double base_size;           /* body text, pt */
	double para_space;          /* between paragraphs, pt */
	double first_top;           /* where the body starts on page 1 */
	/* Draws what page 1 has above first_top (the letterhead, or the
	 * letter's address field and information block); NULL: the plain
	 * letterhead of a document. */
	void (*first_page)(pdf_pass *p);
	void *letter;               /* the letter's own fields (pdf_letter.c) */
	GDestroyNotify letter_free;
	bool fold_marks;            /* folding and hole marks on every page */
	int pending_lists;          /* "L" tags for the next block (Markdown) */
};

struct pdf_pass {
	pdf_doc *d;
	cairo_t *cr;               /* NULL while counting pages */
	cairo_surface_t *surface;  /* NULL while counting */
	PangoContext *pc;
	cairo_surface_t *logo;     /* decoded once per render, or NULL */
	int page;                  /* 1-based; 0 before the first */
	int total;                 /* pages, known while drawing (0 while counting) */
	double y;                  /* next free position on the page */
	double top, bottom;        /* the body area of this page */
	int outline[4];            /* last outline id of level 1..3 (0: root) */
	bool too_long;             /* more than PDF_MAX_PAGES */
	/* Open structure tags below "Document" (pdf.c: closed before a page
	 * ends and opened again after the next page's header and footer, so
	 * that those are not read as part of a paragraph or table). */
	const char *tags[32];
	int ntags;
	int tags_dropped;          /* nesting deeper than tags[] holds: not tagged */
};

/* pdf.c */
blk *pdf_blk_text(pdf_doc *d, const char *text, PangoAttrList *attrs, GArray *links,
		  text_style style);
pdf_table *pdf_table_new(const char *const *titles, const double *widths,
			 const pdf_align *align, size_t ncols);
void pdf_blk_add(pdf_doc *d, blk *b);
/* Starts the next page: draws the page furniture (letterhead, header,
 * footer, marks) and sets p->y to the top of the body area. */
void pdf_new_page(pdf_pass *p);
/* Starts a new page unless h more points fit below p->y. */
void pdf_need(pdf_pass *p, double h);
/* A layout in the document's font at size pt (bold, italic, mono), width
 * in pt (<= 0: no wrapping). New reference. */
PangoLayout *pdf_layout(pdf_pass *p, const char *text, double size, bool bold, bool mono,
			double width);
/* Draws layout with its top-left corner at x, y (no-op while counting). */
void pdf_show(pdf_pass *p, PangoLayout *l, double x, double y);
double pdf_layout_height(PangoLayout *l);
double pdf_layout_width(PangoLayout *l);
/* Text made valid UTF-8 without control characters but \n and \t. New. */
char *pdf_clean_text(const char *s);
const char *pdf_label(const pdf_doc *d, const char *key);
void pdf_letterhead_copy_into(pdf_letterhead *dst, const pdf_letterhead *src);
/* The office's one-line address: "Geschäftsstelle · Straße 1 · 47051 Ort". New. */
char *pdf_office_line(const pdf_letterhead *lh, bool with_contact);

/* pdf_text.c */
int pdf_text_markdown(pdf_doc *d, const char *markdown, double indent, GError **err);
void pdf_text_init(void);

/* pdf_image.c: the logo as a surface cairo can draw into a PDF (JPEG is
 * embedded as it is). NULL with err set when it cannot be read. */
cairo_surface_t *pdf_image_load(GBytes *data, GError **err);
/* Draws img scaled into the box (keeping its proportions, never enlarged
 * beyond 1 px = 1 pt), aligned right (align_right) or left, top. */
void pdf_image_draw(cairo_t *cr, cairo_surface_t *img, double x, double y, double w, double h,
		    bool align_right);

/* pdf_chart.c */
double pdf_chart_height(const pdf_chart_data *c);
void pdf_chart_draw(pdf_pass *p, const pdf_chart_data *c, double x, double y, double w);
void pdf_chart_data_free(pdf_chart_data *c);
pdf_chart_data *pdf_chart_data_new(const pdf_chart *c, double base_size);
