/*
 * pdf_text.c — Markdown into document blocks, with cmark-gfm.
 *
 * cmark-gfm parses the text (CommonMark plus GitHub's tables,
 * strikethrough and autolinks); this file walks the tree with cmark's
 * iterator (no recursion, so deep nesting cannot exhaust the stack) and
 * turns each block into a pdf block: the text of its inlines, and Pango
 * attributes for emphasis, strong, code, strikethrough and links, made
 * directly (no Pango markup, so nothing in the text is ever parsed again).
 *
 * Safety: raw HTML (blocks and inline) is kept as the literal text the
 * author typed: shown, never interpreted. Images are never fetched; their
 * description is shown as "[Bild: …]". A link is drawn as "text (URL)",
 * since paper has no links, and becomes a link annotation only for http,
 * https and mailto URLs. Lists and quotes nested deeper than PDF_MAX_DEPTH
 * are indented as that depth.
 */
#include "out/pdf_internal.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <string.h>

typedef struct list_frame {
	bool ordered;
	bool tight;
	int next; /* number of the next item */
} list_frame;

typedef struct span {
	int start;
	cmark_node_type type;
	bool strike;
} span;

typedef struct md {
	pdf_doc *d;
	double indent;         /* of the whole text */
	int quotes;            /* block quote depth */
	GArray *lists;         /* list_frame */
	bool item_first;       /* the next block is the first of a list item */
	char *marker;          /* its marker */
	/* inlines of the block being collected */
	bool collecting;
	GString *text;
	PangoAttrList *attrs;
	GArray *links;         /* pdf_link */
	GArray *spans;         /* span: open emphasis, strong, links */
	/* a GFM table being collected */
	bool in_table;
	size_t ncols;
	uint8_t *align;        /* borrowed from the table node */
	char **titles;
	GPtrArray *rows;       /* char ** */
	GPtrArray *row;        /* cells of the current row */
	bool row_header;
	blk *last;             /* the last block added */
} md;

static GOnce registered = G_ONCE_INIT;

static gpointer register_extensions(gpointer unused)
{
	cmark_gfm_core_extensions_ensure_registered();
	return NULL;
}

void pdf_text_init(void)
{
	g_once(&registered, register_extensions, NULL);
}

static void append_clean(GString *s, const char *text)
{
	g_autofree char *c = pdf_clean_text(text);
	g_string_append(s, c);
}

static void start_inlines(md *m)
{
	m->collecting = true;
	g_string_truncate(m->text, 0);
	m->attrs = pango_attr_list_new();
	m->links = g_array_new(FALSE, FALSE, sizeof(pdf_link));
	g_array_set_size(m->spans, 0);
}

static void drop_inlines(md *m)
{
	m->collecting = false;
	g_clear_pointer(&m->attrs, pango_attr_list_unref);
	if (m->links) {
		for (guint i = 0; i < m->links->len; i++)
			g_free(g_array_index(m->links, pdf_link, i).uri);
		g_clear_pointer(&m->links, g_array_unref);
	}
}

static void add_attr(md *m, PangoAttribute *a, int start, int end)
{
	a->start_index = (guint)start;
	a->end_index = (guint)end;
	pango_attr_list_insert(m->attrs, a);
}

static double depth_indent(const md *m)
{
	int depth = MIN((int)m->lists->len + m->quotes, PDF_MAX_DEPTH);
	return m->indent + depth * m->d->base_size * 1.8;
}

static void add_block(md *m, blk *b)
{
	pdf_blk_add(m->d, b);
	m->last = b;
}

/* Ends the block being collected and adds it as style. */
static void finish_inlines(md *m, text_style style)
{
	blk *b;
	bool in_list = m->lists->len > 0;

	if (!m->collecting)
		return;
	m->collecting = false;
	b = pdf_blk_text(m->d, m->text->str, m->attrs, m->links, style);
	m->attrs = NULL;
	m->links = NULL;
	if (style == STYLE_BODY) {
		b->indent = depth_indent(m);
		if (in_list) {
			const list_frame *f = &g_array_index(m->lists, list_frame, m->lists->len - 1);
			if (m->item_first) {
				b->marker = g_steal_pointer(&m->marker);
				b->tag = "LI";
				m->item_first = false;
			}
			if (f->tight)
				b->space_after = m->d->para_space * 0.3;
		}
	} else {
		b->indent = m->indent;
	}
	add_block(m, b);
}

static const char *bullet(int depth)
{
	static const char *const bullets[] = {"•", "–", "◦"};
	return bullets[(depth - 1) % 3];
}

static void on_list(md *m, cmark_node *n, bool enter)
{
	if (enter) {
		list_frame f = {cmark_node_get_list_type(n) == CMARK_ORDERED_LIST,
				cmark_node_get_list_tight(n) != 0, cmark_node_get_list_start(n)};
		g_array_append_val(m->lists, f);
		m->d->pending_lists++;
		return;
	}
	g_array_set_size(m->lists, m->lists->len - 1);
	if (m->d->pending_lists > 0)
		m->d->pending_lists--; /* the list gave no block */
	else if (m->last) {
		m->last->lists_close++;
		m->last->space_after = MAX(m->last->space_after, m->d->para_space);
	}
	g_clear_pointer(&m->marker, g_free);
	m->item_first = false;
}

static void on_item(md *m, bool enter)
{
	list_frame *f;

	if (!enter || !m->lists->len)
		return;
	f = &g_array_index(m->lists, list_frame, m->lists->len - 1);
	g_free(m->marker);
	m->marker = f->ordered ? g_strdup_printf("%d.", f->next++)
			       : g_strdup(bullet((int)m->lists->len));
	m->item_first = true;
}

/* A block of literal text (code, raw HTML). */
static void literal_block(md *m, const char *lit)
{
	g_autofree char *text = g_strdup(lit ? lit : "");
	size_t len = strlen(text);
	blk *b;

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	b = pdf_blk_text(m->d, text, NULL, NULL, STYLE_CODE);
	b->indent = depth_indent(m);
	if (m->item_first && m->marker) {
		b->marker = g_steal_pointer(&m->marker);
		m->item_first = false;
	}
	add_block(m, b);
}

static void on_span_enter(md *m, cmark_node *n, bool strike)
{
	span s = {(int)m->text->len, cmark_node_get_type(n), strike};
	g_array_append_val(m->spans, s);
}

static void on_span_exit(md *m, cmark_node *n)
{
	span s;
	int end = (int)m->text->len;

	if (!m->spans->len)
		return;
	s = g_array_index(m->spans, span, m->spans->len - 1);
	g_array_set_size(m->spans, m->spans->len - 1);
	if (s.strike) {
		add_attr(m, pango_attr_strikethrough_new(TRUE), s.start, end);
	} else if (s.type == CMARK_NODE_EMPH) {
		add_attr(m, pango_attr_style_new(PANGO_STYLE_ITALIC), s.start, end);
	} else if (s.type == CMARK_NODE_STRONG) {
		add_attr(m, pango_attr_weight_new(PANGO_WEIGHT_BOLD), s.start, end);
	} else if (s.type == CMARK_NODE_LINK) {
		const char *url = cmark_node_get_url(n);
		g_autofree char *shown = g_strndup(m->text->str + s.start, (gsize)(end - s.start));
		g_autofree char *clean = pdf_clean_text(url ? url : "");
		pdf_link k;

		add_attr(m, pango_attr_foreground_new(0x0b0b, 0x4d4d, 0x8c8c), s.start, end);
		add_attr(m, pango_attr_underline_new(PANGO_UNDERLINE_SINGLE), s.start, end);
		if (*clean && strcmp(shown, clean) &&
		    !(g_str_has_prefix(clean, "mailto:") && !strcmp(clean + 7, shown))) {
			g_string_append_printf(m->text, " (%s)", clean);
			if (end == s.start) /* a link without text: the URL is it */
				end = (int)m->text->len;
		}
		k.start = s.start;
		k.end = MAX(end, (int)m->text->len);
		k.uri = g_strdup(clean);
		g_array_append_val(m->links, k);
	} else if (s.type == CMARK_NODE_IMAGE) {
		g_string_append_c(m->text, ']');
	}
}

static void on_inline(md *m, cmark_node *n, cmark_event_type ev)
{
	cmark_node_type t = cmark_node_get_type(n);
	const char *ts = cmark_node_get_type_string(n);

	if (!m->collecting)
		return;
	if (t == CMARK_NODE_TEXT || t == CMARK_NODE_HTML_INLINE) {
		append_clean(m->text, cmark_node_get_literal(n));
	} else if (t == CMARK_NODE_SOFTBREAK) {
		g_string_append_c(m->text, ' ');
	} else if (t == CMARK_NODE_LINEBREAK) {
		g_string_append_c(m->text, '\n');
	} else if (t == CMARK_NODE_CODE) {
		int start = (int)m->text->len;
		append_clean(m->text, cmark_node_get_literal(n));
		add_attr(m, pango_attr_family_new(pdf_fonts_mono_family()), start, (int)m->text->len);
		add_attr(m, pango_attr_background_new(0xeeee, 0xeeee, 0xeeee), start,
			 (int)m->text->len);
	} else if (t == CMARK_NODE_EMPH || t == CMARK_NODE_STRONG || t == CMARK_NODE_LINK ||
		   (ts && !strcmp(ts, "strikethrough"))) {
		if (ev == CMARK_EVENT_ENTER)
			on_span_enter(m, n, t != CMARK_NODE_EMPH && t != CMARK_NODE_STRONG &&
						   t != CMARK_NODE_LINK);
		else
			on_span_exit(m, n);
	} else if (t == CMARK_NODE_IMAGE) {
		if (ev == CMARK_EVENT_ENTER) {
			g_string_append_printf(m->text, "[%s: ", pdf_label(m->d, "image"));
			on_span_enter(m, n, false);
		} else {
			on_span_exit(m, n);
		}
	}
}

/* ---- GFM tables ----------------------------------------------------------- */

static void on_table(md *m, cmark_node *n, const char *ts, cmark_event_type ev)
{
	bool enter = ev == CMARK_EVENT_ENTER;

	if (!strcmp(ts, "table")) {
		if (enter) {
			m->in_table = true;
			m->ncols = CLAMP(cmark_gfm_extensions_get_table_columns(n), 1, PDF_MAX_COLS);
			m->align = cmark_gfm_extensions_get_table_alignments(n);
			m->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
			return;
		}
		{
			pdf_align al[PDF_MAX_COLS];
			blk *b = g_new0(blk, 1);
			for (size_t c = 0; c < m->ncols; c++)
				al[c] = m->align && m->align[c] == 'r'   ? PDF_ALIGN_RIGHT
					: m->align && m->align[c] == 'c' ? PDF_ALIGN_CENTER
									 : PDF_ALIGN_LEFT;
			b->kind = BLK_TABLE;
			b->table = pdf_table_new((const char *const *)m->titles, NULL, al, m->ncols);
			for (guint r = 0; r < m->rows->len; r++)
				pdf_table_add_row(b->table, g_ptr_array_index(m->rows, r));
			b->space_after = m->d->para_space * 1.5;
			add_block(m, b);
		}
		g_clear_pointer(&m->titles, g_strfreev);
		g_clear_pointer(&m->rows, g_ptr_array_unref);
		m->in_table = false;
		m->align = NULL;
		return;
	}
	if (!m->in_table)
		return;
	if (!strcmp(ts, "table_header") || !strcmp(ts, "table_row")) {
		if (enter) {
			m->row = g_ptr_array_new_with_free_func(g_free);
			m->row_header = !strcmp(ts, "table_header");
			return;
		}
		while (m->row->len < m->ncols)
			g_ptr_array_add(m->row, g_strdup(""));
		g_ptr_array_set_size(m->row, (guint)m->ncols);
		g_ptr_array_add(m->row, NULL);
		if (m->row_header && !m->titles)
			m->titles = (char **)g_ptr_array_free(m->row, FALSE);
		else
			g_ptr_array_add(m->rows, g_ptr_array_free(m->row, FALSE));
		m->row = NULL;
		return;
	}
	if (!strcmp(ts, "table_cell") && m->row) {
		if (enter) {
			start_inlines(m);
			return;
		}
		if (m->row->len < m->ncols)
			g_ptr_array_add(m->row, g_strdup(m->text->str));
		drop_inlines(m);
	}
}

int pdf_text_markdown(pdf_doc *d, const char *markdown, double indent, GError **err)
{
	static const char *const extensions[] = {"table", "strikethrough", "autolink"};
	size_t len = markdown ? strlen(markdown) : 0;
	cmark_parser *parser;
	cmark_node *root;
	cmark_iter *it;
	cmark_event_type ev;
	md m = {.d = d, .indent = indent};

	if (len > PDF_MAX_MARKDOWN) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT,
			    "the text is too long (%zu bytes; at most %zu)", len, PDF_MAX_MARKDOWN);
		return -1;
	}
	pdf_text_init();
	/* Code spans name the monospace family, known once the fonts are in
	 * (an error shows when the document is rendered). */
	pdf_fonts_init(NULL);
	parser = cmark_parser_new(CMARK_OPT_VALIDATE_UTF8);
	for (size_t i = 0; i < G_N_ELEMENTS(extensions); i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(parser, ext);
	}
	cmark_parser_feed(parser, markdown ? markdown : "", len);
	root = cmark_parser_finish(parser);
	m.lists = g_array_new(FALSE, FALSE, sizeof(list_frame));
	m.spans = g_array_new(FALSE, FALSE, sizeof(span));
	m.text = g_string_new(NULL);

	it = cmark_iter_new(root);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		const char *ts = cmark_node_get_type_string(n);
		bool enter = ev == CMARK_EVENT_ENTER;

		if (ts && !strncmp(ts, "table", 5)) {
			on_table(&m, n, ts, ev);
			continue;
		}
		switch (t) {
		case CMARK_NODE_BLOCK_QUOTE:
			m.quotes += enter ? 1 : -1;
			break;
		case CMARK_NODE_LIST:
			on_list(&m, n, enter);
			break;
		case CMARK_NODE_ITEM:
			on_item(&m, enter);
			break;
		case CMARK_NODE_PARAGRAPH:
			if (m.in_table)
				break;
			if (enter)
				start_inlines(&m);
			else
				finish_inlines(&m, STYLE_BODY);
			break;
		case CMARK_NODE_HEADING:
			if (enter) {
				start_inlines(&m);
			} else {
				int lv = cmark_node_get_heading_level(n);
				finish_inlines(&m, lv <= 1 ? STYLE_H1 : lv == 2 ? STYLE_H2 : STYLE_H3);
			}
			break;
		case CMARK_NODE_CODE_BLOCK:
		case CMARK_NODE_HTML_BLOCK:
			literal_block(&m, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_THEMATIC_BREAK: {
			blk *b = g_new0(blk, 1);
			b->kind = BLK_RULE;
			add_block(&m, b);
			break;
		}
		default:
			if ((t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_INLINE)
				on_inline(&m, n, ev);
			break;
		}
	}
	cmark_iter_free(it);
	cmark_node_free(root);
	cmark_parser_free(parser);
	drop_inlines(&m);
	if (m.row)
		g_ptr_array_free(m.row, TRUE);
	g_clear_pointer(&m.titles, g_strfreev);
	g_clear_pointer(&m.rows, g_ptr_array_unref);
	g_free(m.marker);
	g_array_unref(m.lists);
	g_array_unref(m.spans);
	g_string_free(m.text, TRUE);
	/* Lists that gave no block leave nothing open. */
	d->pending_lists = 0;
	return 0;
}
