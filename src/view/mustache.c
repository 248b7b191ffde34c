/* mustache.c — compiler and renderer for bireg's Mustache templates.
 *
 * Compiling runs in three passes over one template: a tokenizer splits the
 * source into text and tag tokens (applying set-delimiter tags as it goes),
 * a second pass finds "standalone" tags (alone on their line with only blanks
 * around them) and trims that line from the neighbouring text, and a third
 * pass builds the node tree.  Rendering walks the tree; it never looks at the
 * source again.
 *
 * Partial indentation follows the spec's model "prefix every line of the
 * partial's source with the indentation, then render": text nodes remember
 * whether they start a source line, a tag at the start of a line gets an
 * INDENT node in front of it, and the renderer writes the current indentation
 * at those points and after every newline inside text.  Newlines that come
 * from data are not indented, exactly as the spec demands.
 *
 * See mustache.h for the modes, the translation tag and the thread rules.
 */
#include "view/mustache.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

G_DEFINE_QUARK(mustache-error-quark, mustache_error)

/* Above this many cached translations further ones are compiled per render
 * and dropped, so a translate callback that returns ever new strings cannot
 * make the cache grow without bound. */
#define TCACHE_MAX 20000

typedef struct mtmpl mtmpl;
typedef struct mnode mnode;

typedef enum {
	N_TEXT,     /* literal text */
	N_INDENT,   /* start of a source line in front of a tag: partial indentation goes here */
	N_VAR,      /* {{x}} escaped */
	N_RAW,      /* {{{x}}} / {{& x}} */
	N_SECTION,  /* {{#x}}…{{/x}} */
	N_INVERTED, /* {{^x}}…{{/x}} */
	N_PARTIAL,  /* {{> x}} */
	N_TRANS,    /* {{#t}}…{{/t}} */
} node_kind;

typedef struct {
	char *full;    /* as written, without a trailing '?'; "." for the implicit iterator */
	char **parts;  /* full split at '.'; NULL for "." */
	bool optional; /* written with a trailing '?' */
} mname;

struct mnode {
	node_kind kind;
	unsigned line, col; /* of the tag (or text) in its template */
	union {
		struct {
			const char *p; /* points into the template's source copy */
			size_t len;
			bool bol;      /* starts a source line */
		} text;
		struct {
			mname name;
			mnode *kids;   /* N_SECTION/N_INVERTED only */
			unsigned nkids;
		} tag;
		struct {
			char *name;
			char *indent;      /* blanks in front of a standalone partial tag */
			bool standalone;   /* inline partials get no indentation at all */
			const mtmpl *target; /* set by mustache_set_link(); NULL if unknown */
		} partial;
		struct {
			char *msgid;
			mtmpl *tmpl;       /* msgid compiled; rendered when there is no translation */
			GHashTable *names; /* names used by the msgid ("x", "x?"); a translation may use no others */
			char *open, *close; /* delimiters in force at the tag, for compiling translations */
		} trans;
	} u;
};

struct mtmpl {
	char *name;
	char *src; /* NUL-terminated copy of the source; text nodes point into it */
	mnode *nodes;
	unsigned nnodes;
};

typedef struct {
	const mnode *node; /* the {{#t}} node */
	char *text;        /* the translated string */
	mtmpl *tmpl;       /* its compiled form; NULL = rejected, render the msgid */
} tentry;

typedef struct {
	GMutex lock;
	GHashTable *map; /* tentry → tentry (owns) */
} tcache;

struct mustache_set {
	mustache_mode mode;
	GPtrArray *list;     /* mtmpl, owning, in the order added */
	GHashTable *by_name; /* name → mtmpl (borrowed from list) */
	bool linked;
	tcache *cache;       /* a pointer so a const set can still fill its cache */
};

static void nodes_free(mnode *nodes, unsigned n);
static void tmpl_free(mtmpl *t);

/* ------------------------------------------------------------------ */
/* Names                                                              */

static void name_clear(mname *n)
{
	g_clear_pointer(&n->full, g_free);
	g_clear_pointer(&n->parts, g_strfreev);
}

/* Parses a trimmed tag name.  Returns false for an empty name, a name with
 * blanks or control characters inside, or an empty dotted part ("a..b"). */
static bool name_parse(const char *p, size_t len, mname *out)
{
	memset(out, 0, sizeof *out);
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return false;
	if (len > 1 && p[len - 1] == '?') {
		out->optional = true;
		len--;
	}
	out->full = g_strndup(p, len);
	if (len == 1 && p[0] == '.')
		return true;
	out->parts = g_strsplit(out->full, ".", -1);
	for (char **q = out->parts; *q; q++) {
		if (**q == '\0') {
			name_clear(out);
			return false;
		}
	}
	return true;
}

/* Key under which a name is recorded for translation checks: the optional
 * marker is part of it, so a translation cannot turn {{x?}} into {{x}}. */
static char *name_key(const mname *n)
{
	return g_strconcat(n->full, n->optional ? "?" : "", NULL);
}

/* ------------------------------------------------------------------ */
/* Tokenizer                                                          */

typedef enum {
	T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_CLOSE, T_PARTIAL, T_COMMENT, T_DELIM,
} tok_kind;

typedef struct {
	tok_kind kind;
	size_t start, end;   /* the whole token in the source */
	size_t cstart, cend; /* tag: trimmed name; text: the part kept after standalone trimming */
	unsigned line, col;
	bool standalone;
	size_t indent_start; /* standalone partial: where its indentation begins */
	const char *open, *close; /* delimiters in force for this tag */
} token;

typedef struct {
	const char *name;
	const char *src;
	size_t len;
	bool translation; /* compiling a msgid or translation: see compile() */
	bool fixed_pos;   /* report every error at fline:fcol (translations) */
	unsigned fline, fcol;
	GError **err;
	GArray *toks;     /* token */
	GPtrArray *strs;  /* delimiter strings the tokens point to */
	size_t cur;       /* line/column cursor, moves forward only */
	unsigned cur_line, cur_col;
} compiler;

static void compile_error(compiler *c, unsigned line, unsigned col, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static void compile_error(compiler *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (c->fixed_pos) {
		g_set_error(c->err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE, "%s:%u:%u: in {{#t}}: %s",
				c->name, c->fline, c->fcol, msg);
		return;
	}
	g_set_error(c->err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE, "%s:%u:%u: %s",
			c->name, line, col, msg);
}

static void advance_to(compiler *c, size_t pos)
{
	for (; c->cur < pos; c->cur++) {
		if (c->src[c->cur] == '\n') {
			c->cur_line++;
			c->cur_col = 1;
		} else {
			c->cur_col++;
		}
	}
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static const char *find(const char *src, size_t from, size_t to, const char *needle)
{
	if (from >= to)
		return NULL;
	return memmem(src + from, to - from, needle, strlen(needle));
}

/* Parses the inside of {{=open close=}}.  Delimiters are non-empty and
 * contain neither blanks nor '='. */
static bool parse_delims(const char *p, size_t len, char **open, char **close)
{
	size_t i = 0, a, b, d, e;
	while (i < len && is_space(p[i]))
		i++;
	a = i;
	while (i < len && !is_space(p[i]) && p[i] != '=' && p[i] != '\0')
		i++;
	b = i;
	while (i < len && is_space(p[i]))
		i++;
	d = i;
	while (i < len && !is_space(p[i]) && p[i] != '=' && p[i] != '\0')
		i++;
	e = i;
	while (i < len && is_space(p[i]))
		i++;
	if (a == b || b == d || d == e || i != len)
		return false;
	*open = g_strndup(p + a, b - a);
	*close = g_strndup(p + d, e - d);
	return true;
}

/* Splits c->src into tokens.  Set-delimiter tags take effect here, so the
 * later passes see plain tags. */
static int tokenize(compiler *c, const char *open0, const char *close0)
{
	const char *open = open0, *close = close0;
	g_autofree char *close_brace = g_strconcat("}", close, NULL);
	g_autofree char *close_eq = g_strconcat("=", close, NULL);
	size_t pos = 0;

	while (pos < c->len) {
		const char *hit = find(c->src, pos, c->len, open);
		size_t q = hit ? (size_t)(hit - c->src) : c->len;
		if (q > pos) {
			advance_to(c, pos);
			token t = { .kind = T_TEXT, .start = pos, .end = q, .cstart = pos, .cend = q,
				.line = c->cur_line, .col = c->cur_col };
			g_array_append_val(c->toks, t);
		}
		if (!hit)
			break;

		advance_to(c, q);
		token t = { .start = q, .line = c->cur_line, .col = c->cur_col, .open = open, .close = close };
		size_t p = q + strlen(open);
		while (p < c->len && is_space(c->src[p]))
			p++;
		const char *end_mark = close;
		switch (p < c->len ? c->src[p] : '\0') {
		case '#': t.kind = T_SECTION; p++; break;
		case '^': t.kind = T_INVERTED; p++; break;
		case '/': t.kind = T_CLOSE; p++; break;
		case '>': t.kind = T_PARTIAL; p++; break;
		case '!': t.kind = T_COMMENT; p++; break;
		case '&': t.kind = T_RAW; p++; break;
		case '{': t.kind = T_RAW; p++; end_mark = close_brace; break;
		case '=': t.kind = T_DELIM; p++; end_mark = close_eq; break;
		default: t.kind = T_VAR; break;
		}
		const char *e = find(c->src, p, c->len, end_mark);
		if (!e) {
			compile_error(c, t.line, t.col, "unclosed tag (no '%s' after '%s')", end_mark, open);
			return -1;
		}
		size_t cs = p, ce = (size_t)(e - c->src);
		t.end = ce + strlen(end_mark);
		while (cs < ce && is_space(c->src[cs]))
			cs++;
		while (ce > cs && is_space(c->src[ce - 1]))
			ce--;
		t.cstart = cs;
		t.cend = ce;

		if (t.kind == T_DELIM) {
			char *o, *cl;
			if (!parse_delims(c->src + cs, ce - cs, &o, &cl)) {
				compile_error(c, t.line, t.col,
						"bad set-delimiter tag (want two delimiters without blanks or '=')");
				return -1;
			}
			g_ptr_array_add(c->strs, o);
			g_ptr_array_add(c->strs, cl);
			open = o;
			close = cl;
			g_free(close_brace);
			g_free(close_eq);
			close_brace = g_strconcat("}", close, NULL);
			close_eq = g_strconcat("=", close, NULL);
		}
		g_array_append_val(c->toks, t);
		pos = t.end;
	}
	return 0;
}

static bool can_stand_alone(tok_kind k)
{
	return k == T_SECTION || k == T_INVERTED || k == T_CLOSE || k == T_PARTIAL ||
		k == T_COMMENT || k == T_DELIM;
}

/* A block tag alone on its line (only blanks around it) removes the whole
 * line from the output: the blanks before it, the blanks after it and the
 * line ending.  Text tokens keep only their [cstart, cend) part. */
static void mark_standalone(compiler *c)
{
	token *tk = (token *)(void *)c->toks->data;
	guint n = c->toks->len;
	const char *src = c->src;

	for (guint i = 0; i < n; i++) {
		token *t = &tk[i];
		if (!can_stand_alone(t->kind))
			continue;

		size_t line_start = t->start;
		if (i > 0) {
			const token *pv = &tk[i - 1];
			if (pv->kind != T_TEXT)
				continue;
			size_t k = pv->end;
			while (k > pv->start && is_blank(src[k - 1]))
				k--;
			if (k > pv->start ? src[k - 1] != '\n' : i - 1 != 0)
				continue;
			line_start = k;
		}

		size_t after = t->end;
		if (i + 1 < n) {
			const token *nx = &tk[i + 1];
			if (nx->kind != T_TEXT)
				continue;
			size_t k = nx->start;
			while (k < nx->end && is_blank(src[k]))
				k++;
			if (k < nx->end && src[k] == '\n')
				after = k + 1;
			else if (k + 1 < nx->end && src[k] == '\r' && src[k + 1] == '\n')
				after = k + 2;
			else if (k == nx->end && i + 2 == n)
				after = k;
			else
				continue;
		}

		t->standalone = true;
		t->indent_start = line_start;
		if (i > 0)
			tk[i - 1].cend = line_start;
		if (i + 1 < n)
			tk[i + 1].cstart = after;
	}
}

/* ------------------------------------------------------------------ */
/* Tree building                                                      */

static void node_clear(mnode *n)
{
	switch (n->kind) {
	case N_TEXT:
	case N_INDENT:
		break;
	case N_VAR:
	case N_RAW:
		name_clear(&n->u.tag.name);
		break;
	case N_SECTION:
	case N_INVERTED:
		name_clear(&n->u.tag.name);
		nodes_free(n->u.tag.kids, n->u.tag.nkids);
		break;
	case N_PARTIAL:
		g_free(n->u.partial.name);
		g_free(n->u.partial.indent);
		break;
	case N_TRANS:
		g_free(n->u.trans.msgid);
		if (n->u.trans.tmpl)
			tmpl_free(n->u.trans.tmpl);
		if (n->u.trans.names)
			g_hash_table_unref(n->u.trans.names);
		g_free(n->u.trans.open);
		g_free(n->u.trans.close);
		break;
	}
}

static void nodes_free(mnode *nodes, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		node_clear(&nodes[i]);
	g_free(nodes);
}

static void tmpl_free(mtmpl *t)
{
	nodes_free(t->nodes, t->nnodes);
	g_free(t->name);
	g_free(t->src);
	g_free(t);
}

static void names_collect(const mnode *nodes, unsigned n, GHashTable *set)
{
	for (unsigned i = 0; i < n; i++) {
		const mnode *nd = &nodes[i];
		switch (nd->kind) {
		case N_VAR:
		case N_RAW:
		case N_SECTION:
		case N_INVERTED:
			g_hash_table_add(set, name_key(&nd->u.tag.name));
			if (nd->kind == N_SECTION || nd->kind == N_INVERTED)
				names_collect(nd->u.tag.kids, nd->u.tag.nkids, set);
			break;
		default:
			break;
		}
	}
}

/* Trims and collapses every run of whitespace into one space. */
static char *normalize_ws(const char *p, size_t len)
{
	GString *s = g_string_sized_new(len);
	bool pending = false;
	for (size_t i = 0; i < len; i++) {
		if (is_space(p[i])) {
			pending = s->len > 0;
			continue;
		}
		if (pending)
			g_string_append_c(s, ' ');
		pending = false;
		g_string_append_c(s, p[i]);
	}
	return g_string_free(s, FALSE);
}

typedef struct {
	mnode node;   /* the section being built; its kids are attached at the close tag */
	GArray *kids; /* mnode */
	const token *open;
	bool is_t;
} frame;

static void frames_free(GArray *stack)
{
	for (guint i = 0; i < stack->len; i++) {
		frame *f = &g_array_index(stack, frame, i);
		name_clear(&f->node.u.tag.name);
		nodes_free((mnode *)(void *)f->kids->data, f->kids->len);
		g_array_free(f->kids, FALSE);
	}
	g_array_free(stack, TRUE);
}

static mtmpl *compile(const char *name, const char *src, size_t len, bool translation,
		const char *open, const char *close, const mnode *at, GError **err);

static bool at_line_start(const compiler *c, size_t p)
{
	return p == 0 || c->src[p - 1] == '\n';
}

static bool partial_name_ok(const char *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return false;
	return true;
}

/* Closes the {{#t}} section in frame f: its msgid is the normalised source
 * between the tags, compiled on its own; the children parsed from the
 * source only served to check the syntax and are dropped. */
static int close_trans(compiler *c, frame *f, const token *close_tok, mnode *out)
{
	const char *body = c->src + f->open->end;
	size_t blen = close_tok->start - f->open->end;
	if (memchr(body, '\0', blen)) {
		compile_error(c, f->open->line, f->open->col, "NUL byte inside {{#t}}");
		return -1;
	}
	g_autofree char *msgid = normalize_ws(body, blen);
	if (*msgid == '\0') {
		compile_error(c, f->open->line, f->open->col, "empty {{#t}} section");
		return -1;
	}
	mnode tn = { .kind = N_TRANS, .line = f->open->line, .col = f->open->col };
	mtmpl *mt = compile(c->name, msgid, strlen(msgid), true, f->open->open, f->open->close, &tn, c->err);
	if (!mt)
		return -1;
	tn.u.trans.tmpl = mt;
	tn.u.trans.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	names_collect(mt->nodes, mt->nnodes, tn.u.trans.names);
	tn.u.trans.msgid = g_steal_pointer(&msgid);
	tn.u.trans.open = g_strdup(f->open->open);
	tn.u.trans.close = g_strdup(f->open->close);
	*out = tn;
	return 0;
}

static int build(compiler *c, mtmpl *t)
{
	GArray *stack = g_array_new(FALSE, TRUE, sizeof(frame));
	frame root = { .kids = g_array_new(FALSE, FALSE, sizeof(mnode)) };
	g_array_append_val(stack, root);
	const token *tk = (const token *)(void *)c->toks->data;
	bool in_t = false;

	for (guint i = 0; i < c->toks->len; i++) {
		const token *tok = &tk[i];
		frame *top = &g_array_index(stack, frame, stack->len - 1);
		mnode nd = { .line = tok->line, .col = tok->col };

		if (tok->kind == T_TEXT) {
			if (tok->cstart < tok->cend) {
				nd.kind = N_TEXT;
				nd.u.text.p = c->src + tok->cstart;
				nd.u.text.len = tok->cend - tok->cstart;
				nd.u.text.bol = !c->translation && at_line_start(c, tok->cstart);
				g_array_append_val(top->kids, nd);
			}
			continue;
		}
		if (!tok->standalone && !c->translation && at_line_start(c, tok->start)) {
			mnode ind = { .kind = N_INDENT, .line = tok->line, .col = tok->col };
			g_array_append_val(top->kids, ind);
		}

		const char *cp = c->src + tok->cstart;
		size_t clen = tok->cend - tok->cstart;
		switch (tok->kind) {
		case T_TEXT:
		case T_COMMENT:
			break;
		case T_DELIM:
			if (c->translation || in_t) {
				compile_error(c, tok->line, tok->col, "set-delimiter tag inside {{#t}}");
				goto fail;
			}
			break;
		case T_VAR:
		case T_RAW:
			nd.kind = tok->kind == T_VAR ? N_VAR : N_RAW;
			if (!name_parse(cp, clen, &nd.u.tag.name)) {
				compile_error(c, tok->line, tok->col, "invalid name in tag");
				goto fail;
			}
			g_array_append_val(top->kids, nd);
			break;
		case T_PARTIAL:
			if (c->translation || in_t) {
				compile_error(c, tok->line, tok->col, "partial inside {{#t}}");
				goto fail;
			}
			if (!partial_name_ok(cp, clen)) {
				compile_error(c, tok->line, tok->col, "invalid partial name");
				goto fail;
			}
			nd.kind = N_PARTIAL;
			nd.u.partial.name = g_strndup(cp, clen);
			nd.u.partial.standalone = tok->standalone;
			if (tok->standalone)
				nd.u.partial.indent = g_strndup(c->src + tok->indent_start,
						tok->start - tok->indent_start);
			g_array_append_val(top->kids, nd);
			break;
		case T_SECTION:
		case T_INVERTED: {
			frame f = { .open = tok };
			f.node = nd;
			f.node.kind = tok->kind == T_SECTION ? N_SECTION : N_INVERTED;
			if (!name_parse(cp, clen, &f.node.u.tag.name)) {
				compile_error(c, tok->line, tok->col, "invalid name in tag");
				goto fail;
			}
			f.is_t = tok->kind == T_SECTION && !f.node.u.tag.name.optional &&
				strcmp(f.node.u.tag.name.full, "t") == 0;
			if (f.is_t && (c->translation || in_t)) {
				name_clear(&f.node.u.tag.name);
				compile_error(c, tok->line, tok->col, "{{#t}} inside {{#t}}");
				goto fail;
			}
			if (stack->len > MUSTACHE_MAX_DEPTH) {
				name_clear(&f.node.u.tag.name);
				compile_error(c, tok->line, tok->col, "sections nested deeper than %d levels",
						MUSTACHE_MAX_DEPTH);
				goto fail;
			}
			in_t = in_t || f.is_t;
			f.kids = g_array_new(FALSE, FALSE, sizeof(mnode));
			g_array_append_val(stack, f);
			break;
		}
		case T_CLOSE: {
			mname cn;
			if (!name_parse(cp, clen, &cn)) {
				compile_error(c, tok->line, tok->col, "invalid name in tag");
				goto fail;
			}
			if (stack->len == 1) {
				compile_error(c, tok->line, tok->col, "closing tag {{/%s}} without an open section",
						cn.full);
				name_clear(&cn);
				goto fail;
			}
			if (strcmp(cn.full, top->node.u.tag.name.full) != 0) {
				compile_error(c, tok->line, tok->col,
						"closing tag {{/%s}} does not match {{#%s}} opened at line %u",
						cn.full, top->node.u.tag.name.full, top->open->line);
				name_clear(&cn);
				goto fail;
			}
			name_clear(&cn);

			mnode done;
			if (top->is_t) {
				if (close_trans(c, top, tok, &done) < 0)
					goto fail;
				in_t = false;
				name_clear(&top->node.u.tag.name);
				nodes_free((mnode *)(void *)top->kids->data, top->kids->len);
				g_array_free(top->kids, FALSE);
			} else {
				done = top->node;
				done.u.tag.nkids = top->kids->len;
				done.u.tag.kids = (mnode *)(void *)g_array_free(top->kids, FALSE);
			}
			g_array_set_size(stack, stack->len - 1);
			top = &g_array_index(stack, frame, stack->len - 1);
			g_array_append_val(top->kids, done);
			break;
		}
		}
	}

	if (stack->len > 1) {
		frame *f = &g_array_index(stack, frame, stack->len - 1);
		compile_error(c, f->open->line, f->open->col, "unclosed section {{#%s}}",
				f->node.u.tag.name.full);
		goto fail;
	}
	frame *r = &g_array_index(stack, frame, 0);
	t->nnodes = r->kids->len;
	t->nodes = (mnode *)(void *)g_array_free(r->kids, FALSE);
	g_array_free(stack, TRUE);
	return 0;

fail:
	frames_free(stack);
	return -1;
}

/* Compiles one template.  `translation` is set for a msgid or a translated
 * string: no partial indentation, no partials, no {{#t}}, no set-delimiter
 * tags, and every error is reported at the {{#t}} node `at`. */
static mtmpl *compile(const char *name, const char *src, size_t len, bool translation,
		const char *open, const char *close, const mnode *at, GError **err)
{
	mtmpl *t = g_new0(mtmpl, 1);
	t->name = g_strdup(name);
	t->src = g_malloc(len + 1);
	memcpy(t->src, src, len);
	t->src[len] = '\0';

	compiler c = {
		.name = name, .src = t->src, .len = len, .translation = translation,
		.fixed_pos = at != NULL, .fline = at ? at->line : 0, .fcol = at ? at->col : 0,
		.err = err, .cur_line = 1, .cur_col = 1,
		.toks = g_array_new(FALSE, FALSE, sizeof(token)),
		.strs = g_ptr_array_new_with_free_func(g_free),
	};
	int rc = tokenize(&c, open, close);
	if (rc == 0) {
		mark_standalone(&c);
		rc = build(&c, t);
	}
	g_array_free(c.toks, TRUE);
	g_ptr_array_free(c.strs, TRUE);
	if (rc < 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

/* ------------------------------------------------------------------ */
/* Translations                                                       */

static int names_check(const mnode *nodes, unsigned n, GHashTable *allowed, GError **err)
{
	for (unsigned i = 0; i < n; i++) {
		const mnode *nd = &nodes[i];
		if (nd->kind != N_VAR && nd->kind != N_RAW && nd->kind != N_SECTION &&
				nd->kind != N_INVERTED)
			continue;
		g_autofree char *key = name_key(&nd->u.tag.name);
		if (!g_hash_table_contains(allowed, key)) {
			g_set_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE,
					"translation uses the name '%s', which the msgid does not", key);
			return -1;
		}
		if ((nd->kind == N_SECTION || nd->kind == N_INVERTED) &&
				names_check(nd->u.tag.kids, nd->u.tag.nkids, allowed, err) < 0)
			return -1;
	}
	return 0;
}

/* Compiles `text` as the translation of {{#t}} node tn.  Returns NULL (with
 * err) when it does not compile or uses names the msgid does not. */
static mtmpl *compile_translation(const char *name, const mnode *tn, const char *text,
		GError **err)
{
	mtmpl *t = compile(name, text, strlen(text), true, tn->u.trans.open, tn->u.trans.close,
			tn, err);
	if (t && names_check(t->nodes, t->nnodes, tn->u.trans.names, err) < 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

int mustache_translation_check(const char *msgid, const char *translation, GError **err)
{
	mnode tn = { .kind = N_TRANS, .line = 1, .col = 1 };
	tn.u.trans.tmpl = compile("msgid", msgid, strlen(msgid), true, "{{", "}}", &tn, err);
	if (!tn.u.trans.tmpl)
		return -1;
	tn.u.trans.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	names_collect(tn.u.trans.tmpl->nodes, tn.u.trans.tmpl->nnodes, tn.u.trans.names);
	tn.u.trans.open = g_strdup("{{");
	tn.u.trans.close = g_strdup("}}");
	mtmpl *t = compile_translation("translation", &tn, translation, err);
	node_clear(&tn);
	if (!t)
		return -1;
	tmpl_free(t);
	return 0;
}

static guint tentry_hash(gconstpointer p)
{
	const tentry *e = p;
	return g_direct_hash(e->node) ^ g_str_hash(e->text);
}

static gboolean tentry_equal(gconstpointer a, gconstpointer b)
{
	const tentry *x = a, *y = b;
	return x->node == y->node && strcmp(x->text, y->text) == 0;
}

static void tentry_free(gpointer p)
{
	tentry *e = p;
	if (e->tmpl)
		tmpl_free(e->tmpl);
	g_free(e->text);
	g_free(e);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */

typedef struct {
	const mustache_set *set;
	const mustache_render_opts *opts;
	GString *out;
	GError **err;
	json_t *stack[MUSTACHE_MAX_DEPTH + 1]; /* context stack; [0] is the root */
	unsigned sp;
	unsigned depth;     /* sections + partials + translations entered */
	unsigned long steps; /* nodes visited, against MUSTACHE_MAX_STEPS */
	const mtmpl *cur;   /* template whose nodes are being rendered */
	const mnode *tnode; /* inside a translation: errors point at its {{#t}} */
	GString *ibuf;      /* indentation of enclosing standalone partials, made on demand */
	size_t istart;      /* the current indentation is ibuf[istart..] */
} rstate;

static void render_error(rstate *st, const mnode *nd, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void render_error(rstate *st, const mnode *nd, const char *fmt, ...)
{
	const mnode *at = st->tnode ? st->tnode : nd;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(st->err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER, "%s:%u:%u: %s",
			st->cur->name, at->line, at->col, msg);
}

/* Finds a name on the context stack.  The first part of a dotted name is
 * searched from the innermost context outwards; the other parts must then
 * follow from there (no fallback to outer contexts).  NULL = absent. */
static json_t *lookup(const rstate *st, const mname *n)
{
	if (!n->parts)
		return st->stack[st->sp - 1];
	json_t *v = NULL;
	for (unsigned i = st->sp; i-- > 0;) {
		if (json_is_object(st->stack[i]) && (v = json_object_get(st->stack[i], n->parts[0])))
			break;
	}
	for (char **p = n->parts + 1; v && *p; p++)
		v = json_is_object(v) ? json_object_get(v, *p) : NULL;
	return v;
}

static bool is_falsey(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_FALSE:
	case JSON_NULL:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	case JSON_STRING:
		return json_string_length(v) == 0;
	default:
		return false;
	}
}

static void append_escaped(GString *out, const char *p, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep;
		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		g_string_append_len(out, p + run, (gssize)(i - run));
		g_string_append(out, rep);
		run = i + 1;
	}
	g_string_append_len(out, p + run, (gssize)(len - run));
}

/* Shortest form that reads back as the same double; always '.', never the
 * locale's decimal comma. */
static void append_real(GString *out, double d)
{
	static const char *const fmts[] = {
		"%.1g", "%.2g", "%.3g", "%.4g", "%.5g", "%.6g", "%.7g", "%.8g", "%.9g",
		"%.10g", "%.11g", "%.12g", "%.13g", "%.14g", "%.15g", "%.16g", "%.17g",
	};
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (!isfinite(d))
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
		g_ascii_formatd(buf, sizeof buf, fmts[i], d);
		if (g_ascii_strtod(buf, NULL) == d)
			break;
	}
	g_string_append(out, buf);
}

static int emit_value(rstate *st, const mnode *nd, json_t *v)
{
	GString *out = st->out;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (nd->kind == N_VAR)
			append_escaped(out, json_string_value(v), json_string_length(v));
		else
			g_string_append_len(out, json_string_value(v), (gssize)json_string_length(v));
		break;
	case JSON_INTEGER:
		g_string_append_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		append_real(out, json_real_value(v));
		break;
	case JSON_TRUE:
		g_string_append(out, "true");
		break;
	case JSON_FALSE:
		g_string_append(out, "false");
		break;
	case JSON_NULL:
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (st->set->mode == MUSTACHE_STRICT) {
			render_error(st, nd, "'%s' is an %s and cannot be printed", nd->u.tag.name.full,
					json_is_object(v) ? "object" : "array");
			return -1;
		}
		break;
	}
	return 0;
}

static const char *indent_str(const rstate *st, size_t *len)
{
	if (!st->ibuf) {
		*len = 0;
		return "";
	}
	*len = st->ibuf->len - st->istart;
	return st->ibuf->str + st->istart;
}

static void emit_text(rstate *st, const mnode *nd)
{
	const char *p = nd->u.text.p;
	size_t len = nd->u.text.len, ilen;
	const char *ind = indent_str(st, &ilen);
	if (ilen == 0) {
		g_string_append_len(st->out, p, (gssize)len);
		return;
	}
	if (nd->u.text.bol)
		g_string_append_len(st->out, ind, (gssize)ilen);
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		if (!nl) {
			g_string_append_len(st->out, p, (gssize)len);
			break;
		}
		size_t k = (size_t)(nl - p) + 1;
		g_string_append_len(st->out, p, (gssize)k);
		p += k;
		len -= k;
		/* a newline at the very end belongs to the next node, which
		 * indents itself if it starts a line */
		if (len > 0)
			g_string_append_len(st->out, ind, (gssize)ilen);
	}
}

static int enter(rstate *st, const mnode *nd)
{
	if (st->depth >= MUSTACHE_MAX_DEPTH) {
		render_error(st, nd, "nested deeper than %d levels (recursive partial?)",
				MUSTACHE_MAX_DEPTH);
		return -1;
	}
	st->depth++;
	return 0;
}

static int missing(rstate *st, const mnode *nd)
{
	if (st->set->mode == MUSTACHE_SPEC || nd->u.tag.name.optional)
		return 0;
	render_error(st, nd, "unknown name '%s'", nd->u.tag.name.full);
	return -1;
}

/* Returns the compiled template to render for {{#t}} node nd.  *owned is set
 * when the result is not cached and must be freed by the caller. */
static const mtmpl *trans_template(rstate *st, const mnode *nd, mtmpl **owned)
{
	const char *msgid = nd->u.trans.msgid;
	const char *tr = NULL;
	*owned = NULL;
	if (st->opts && st->opts->translate)
		tr = st->opts->translate(st->opts->translate_ud, msgid);
	if (!tr || tr == msgid || strcmp(tr, msgid) == 0)
		return nd->u.trans.tmpl;

	tcache *tc = st->set->cache;
	tentry key = { .node = nd, .text = (char *)tr };
	const mtmpl *res;
	g_mutex_lock(&tc->lock);
	tentry *e = g_hash_table_lookup(tc->map, &key);
	if (!e) {
		/* Compiling under the lock is fine: it happens once per distinct
		 * translation, and a rejected one is cached as well. */
		mtmpl *t = compile_translation(st->cur->name, nd, tr, NULL);
		if (g_hash_table_size(tc->map) >= TCACHE_MAX) {
			g_mutex_unlock(&tc->lock);
			*owned = t;
			return t ? t : nd->u.trans.tmpl;
		}
		e = g_new0(tentry, 1);
		e->node = nd;
		e->text = g_strdup(tr);
		e->tmpl = t;
		g_hash_table_add(tc->map, e);
	}
	res = e->tmpl ? e->tmpl : nd->u.trans.tmpl;
	g_mutex_unlock(&tc->lock);
	return res;
}

static int render_nodes(rstate *st, const mnode *nodes, unsigned n);

static int render_in(rstate *st, const mnode *nd, json_t *ctx)
{
	st->stack[st->sp++] = ctx;
	int rc = render_nodes(st, nd->u.tag.kids, nd->u.tag.nkids);
	st->sp--;
	return rc;
}

static int render_section(rstate *st, const mnode *nd)
{
	json_t *v = lookup(st, &nd->u.tag.name);
	if (!v)
		return missing(st, nd);
	if (is_falsey(v))
		return 0;
	if (enter(st, nd) < 0)
		return -1;
	int rc = 0;
	if (json_is_array(v)) {
		for (size_t k = 0; rc == 0 && k < json_array_size(v); k++)
			rc = render_in(st, nd, json_array_get(v, k));
	} else {
		rc = render_in(st, nd, v);
	}
	st->depth--;
	return rc;
}

static int render_inverted(rstate *st, const mnode *nd)
{
	json_t *v = lookup(st, &nd->u.tag.name);
	if (!v && missing(st, nd) < 0)
		return -1;
	if (v && !is_falsey(v))
		return 0;
	if (enter(st, nd) < 0)
		return -1;
	int rc = render_nodes(st, nd->u.tag.kids, nd->u.tag.nkids);
	st->depth--;
	return rc;
}

static int render_partial(rstate *st, const mnode *nd)
{
	const mtmpl *t = nd->u.partial.target;
	if (!t)
		return 0; /* spec mode: an unknown partial renders nothing */
	if (enter(st, nd) < 0)
		return -1;

	const mtmpl *saved_cur = st->cur;
	size_t saved_istart = st->istart, saved_len = st->ibuf ? st->ibuf->len : 0;
	if (nd->u.partial.standalone) {
		/* nested standalone partials add up their indentation */
		if (*nd->u.partial.indent) {
			if (!st->ibuf)
				st->ibuf = g_string_new(NULL);
			g_string_append(st->ibuf, nd->u.partial.indent);
		}
	} else {
		/* an inline partial is not indented at all */
		st->istart = saved_len;
	}
	st->cur = t;
	int rc = render_nodes(st, t->nodes, t->nnodes);
	st->cur = saved_cur;
	st->istart = saved_istart;
	if (st->ibuf)
		g_string_truncate(st->ibuf, saved_len);
	st->depth--;
	return rc;
}

static int render_trans(rstate *st, const mnode *nd)
{
	mtmpl *owned;
	const mtmpl *t = trans_template(st, nd, &owned);
	if (enter(st, nd) < 0) {
		if (owned)
			tmpl_free(owned);
		return -1;
	}
	size_t saved_istart = st->istart;
	if (st->ibuf)
		st->istart = st->ibuf->len; /* translated text is not re-indented */
	st->tnode = nd;
	int rc = render_nodes(st, t->nodes, t->nnodes);
	st->tnode = NULL;
	st->istart = saved_istart;
	st->depth--;
	if (owned)
		tmpl_free(owned);
	return rc;
}

static int render_nodes(rstate *st, const mnode *nodes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const mnode *nd = &nodes[i];
		int rc = 0;
		if (++st->steps > MUSTACHE_MAX_STEPS) {
			render_error(st, nd, "more than %d steps (nested loops over large data?)", MUSTACHE_MAX_STEPS);
			return -1;
		}
		switch (nd->kind) {
		case N_TEXT:
			emit_text(st, nd);
			break;
		case N_INDENT: {
			size_t ilen;
			const char *ind = indent_str(st, &ilen);
			g_string_append_len(st->out, ind, (gssize)ilen);
			break;
		}
		case N_VAR:
		case N_RAW: {
			json_t *v = lookup(st, &nd->u.tag.name);
			rc = v ? emit_value(st, nd, v) : missing(st, nd);
			break;
		}
		case N_SECTION:
			rc = render_section(st, nd);
			break;
		case N_INVERTED:
			rc = render_inverted(st, nd);
			break;
		case N_PARTIAL:
			rc = render_partial(st, nd);
			break;
		case N_TRANS:
			rc = render_trans(st, nd);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int mustache_render(const mustache_set *s, const char *name, json_t *data,
		const mustache_render_opts *opts, GString *out, GError **err)
{
	g_return_val_if_fail(s != NULL && name != NULL && out != NULL, -1);
	if (!s->linked) {
		g_set_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_LINK,
				"template set is not linked (rendering '%s')", name);
		return -1;
	}
	const mtmpl *t = g_hash_table_lookup(s->by_name, name);
	if (!t) {
		g_set_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER, "no template named '%s'", name);
		return -1;
	}
	rstate st = { .set = s, .opts = opts, .out = out, .err = err, .cur = t, .sp = 1 };
	st.stack[0] = data;
	size_t mark = out->len;
	int rc = render_nodes(&st, t->nodes, t->nnodes);
	if (st.ibuf)
		g_string_free(st.ibuf, TRUE);
	if (rc < 0)
		g_string_truncate(out, mark);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Sets                                                               */

mustache_set *mustache_set_new(mustache_mode mode)
{
	mustache_set *s = g_new0(mustache_set, 1);
	s->mode = mode;
	s->list = g_ptr_array_new_with_free_func((GDestroyNotify)tmpl_free);
	s->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	s->cache = g_new0(tcache, 1);
	g_mutex_init(&s->cache->lock);
	s->cache->map = g_hash_table_new_full(tentry_hash, tentry_equal, tentry_free, NULL);
	return s;
}

void mustache_set_free(mustache_set *s)
{
	if (!s)
		return;
	/* cached translations point at nodes of the templates: free them first */
	g_hash_table_destroy(s->cache->map);
	g_mutex_clear(&s->cache->lock);
	g_free(s->cache);
	g_hash_table_destroy(s->by_name);
	g_ptr_array_free(s->list, TRUE);
	g_free(s);
}

int mustache_set_add(mustache_set *s, const char *name, const char *source, size_t len,
		GError **err)
{
	g_return_val_if_fail(s != NULL && name != NULL && (source != NULL || len == 0), -1);
	if (g_hash_table_contains(s->by_name, name)) {
		g_set_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE,
				"%s:1:1: a template with this name was already added", name);
		return -1;
	}
	mtmpl *t = compile(name, source ? source : "", len, false, "{{", "}}", NULL, err);
	if (!t)
		return -1;
	g_ptr_array_add(s->list, t);
	g_hash_table_insert(s->by_name, t->name, t);
	s->linked = false;
	return 0;
}

gboolean mustache_set_has(const mustache_set *s, const char *name)
{
	return g_hash_table_contains(s->by_name, name);
}

static void link_nodes(mustache_set *s, const mtmpl *t, mnode *nodes, unsigned n, GString *msg)
{
	for (unsigned i = 0; i < n; i++) {
		mnode *nd = &nodes[i];
		if (nd->kind == N_SECTION || nd->kind == N_INVERTED) {
			link_nodes(s, t, nd->u.tag.kids, nd->u.tag.nkids, msg);
		} else if (nd->kind == N_PARTIAL) {
			nd->u.partial.target = g_hash_table_lookup(s->by_name, nd->u.partial.name);
			if (!nd->u.partial.target && s->mode == MUSTACHE_STRICT)
				g_string_append_printf(msg, "%s%s:%u:%u: unknown partial '%s'",
						msg->len ? "\n" : "", t->name, nd->line, nd->col,
						nd->u.partial.name);
		}
	}
}

int mustache_set_link(mustache_set *s, GError **err)
{
	g_autoptr(GString) msg = g_string_new(NULL);
	for (guint i = 0; i < s->list->len; i++) {
		mtmpl *t = g_ptr_array_index(s->list, i);
		link_nodes(s, t, t->nodes, t->nnodes, msg);
	}
	if (msg->len) {
		s->linked = false;
		g_set_error_literal(err, MUSTACHE_ERROR, MUSTACHE_ERROR_LINK, msg->str);
		return -1;
	}
	s->linked = true;
	return 0;
}

static void msgids_walk(const mtmpl *t, const mnode *nodes, unsigned n, mustache_msgid_func fn,
		void *ud)
{
	for (unsigned i = 0; i < n; i++) {
		const mnode *nd = &nodes[i];
		if (nd->kind == N_TRANS)
			fn(ud, t->name, nd->line, nd->u.trans.msgid);
		else if (nd->kind == N_SECTION || nd->kind == N_INVERTED)
			msgids_walk(t, nd->u.tag.kids, nd->u.tag.nkids, fn, ud);
	}
}

void mustache_set_foreach_msgid(const mustache_set *s, mustache_msgid_func fn, void *ud)
{
	for (guint i = 0; i < s->list->len; i++) {
		const mtmpl *t = g_ptr_array_index(s->list, i);
		msgids_walk(t, t->nodes, t->nnodes, fn, ud);
	}
}
