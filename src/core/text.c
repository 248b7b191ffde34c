/*
 * text.c — UTF-8 validation, tidying and German search folding.
 *
 * See text.h for the contracts. Everything here is pure: no locale, no
 * global state (but for one table computed once from the code beside it,
 * the fold of the characters up to U+00FF), so the result of
 * text_search_fold is the same on every machine and both database backends
 * can index what it returns.
 */
#include "core/text.h"

#include <string.h>

gboolean text_is_valid_utf8(const char *s, size_t len)
{
	if (len == 0)
		return TRUE;
	if (s == NULL)
		return FALSE;
	/* g_utf8_validate_len rejects NUL bytes inside the given length, which
	 * is what we want: a NUL would cut the string short further on. */
	return g_utf8_validate_len(s, len, NULL);
}

static gboolean is_control(gunichar c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return FALSE;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

gboolean text_has_control_chars_len(const char *s, size_t len)
{
	const char *p = s;
	const char *end = s + len;

	if (len == 0)
		return FALSE;
	if (!text_is_valid_utf8(s, len))
		return TRUE;
	while (p < end) {
		if (is_control(g_utf8_get_char(p)))
			return TRUE;
		p = g_utf8_next_char(p);
	}
	return FALSE;
}

gboolean text_has_control_chars(const char *s)
{
	if (s == NULL)
		return FALSE;
	return text_has_control_chars_len(s, strlen(s));
}

char *text_strip_control_chars(const char *s)
{
	GString *out;

	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return NULL;
	out = g_string_sized_new(strlen(s));
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (is_control(c) || c == '\t' || c == '\n' || c == '\r')
			continue;
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

/* Start and end (exclusive) of s without surrounding white space. */
static void trim_bounds(const char *s, const char **start, const char **end)
{
	const char *b = s;
	const char *e = s;

	while (*b && g_unichar_isspace(g_utf8_get_char(b)))
		b = g_utf8_next_char(b);
	/* Walk forwards and remember the end of the last non-space character:
	 * walking backwards would need g_utf8_prev_char on every step. */
	e = b;
	for (const char *p = b; *p; p = g_utf8_next_char(p)) {
		if (!g_unichar_isspace(g_utf8_get_char(p)))
			e = g_utf8_next_char(p);
	}
	*start = b;
	*end = e;
}

char *text_trim_dup(const char *s)
{
	const char *b, *e;

	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return NULL;
	trim_bounds(s, &b, &e);
	return g_strndup(b, (gsize)(e - b));
}

char *text_collapse_ws(const char *s)
{
	const char *b, *e;
	GString *out;
	gboolean in_space = FALSE;

	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return NULL;
	trim_bounds(s, &b, &e);
	out = g_string_sized_new((gsize)(e - b));
	for (const char *p = b; p < e; p = g_utf8_next_char(p)) {
		if (g_unichar_isspace(g_utf8_get_char(p))) {
			in_space = TRUE;
			continue;
		}
		/* The trimmed range starts and ends with non-space, so a pending
		 * space always has a word on both sides. */
		if (in_space)
			g_string_append_c(out, ' ');
		in_space = FALSE;
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

size_t text_utf8_prefix_len(const char *s, size_t len, size_t max_bytes)
{
	size_t n;

	if (len <= max_bytes)
		return len;
	n = max_bytes;
	/* s[n] is the first byte cut off; while it is a continuation byte
	 * (10xxxxxx) the cut would split a sequence, so move the cut back. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

char *text_truncate_utf8(const char *s, size_t max_bytes)
{
	if (s == NULL)
		return NULL;
	return g_strndup(s, text_utf8_prefix_len(s, strlen(s), max_bytes));
}

/* Letters that NFKD leaves alone but a German reader treats as a plain
 * Latin letter. Input is already case folded, so lower case suffices. */
static const char *fold_special(gunichar c)
{
	switch (c) {
	case 0x00F8: return "o";  /* ø */
	case 0x00E6: return "ae"; /* æ */
	case 0x0153: return "oe"; /* œ */
	case 0x0142: return "l";  /* ł */
	case 0x0111: return "d";  /* đ */
	case 0x00F0: return "d";  /* ð */
	case 0x00FE: return "th"; /* þ */
	case 0x0131: return "i";  /* ı */
	case 0x0127: return "h";  /* ħ */
	case 0x0167: return "t";  /* ŧ */
	default: return NULL;
	}
}

/* Appends c to out unless it is an 'e' right after a, o or u (step 3 in
 * text.h). *last is the last character appended. */
static void fold_emit(GString *out, gunichar c, gunichar *last)
{
	if (c == 'e' && (*last == 'a' || *last == 'o' || *last == 'u'))
		return;
	g_string_append_unichar(out, c);
	*last = c;
}

/* Steps 1–2 of the fold (text.h) of utf8, valid UTF-8: the characters
 * before step 3 drops an "e" after a, o or u, appended to units. FALSE if
 * GLib cannot normalise it. */
static gboolean fold_units(const char *utf8, GArray *units)
{
	g_autofree char *nfkd = NULL;
	g_autofree char *folded = NULL;
	g_autofree char *again = NULL;

	nfkd = g_utf8_normalize(utf8, -1, G_NORMALIZE_NFKD);
	if (nfkd == NULL)
		return FALSE;
	folded = g_utf8_casefold(nfkd, -1);
	/* Case folding can produce precomposed letters again; decompose once
	 * more so their marks can be dropped below. */
	again = g_utf8_normalize(folded, -1, G_NORMALIZE_NFKD);
	if (again == NULL)
		return FALSE;
	for (const char *p = again; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeType t = g_unichar_type(c);
		const char *sp;

		/* Marks are dropped (before step 3, so "u" + diaeresis + "e"
		 * still counts as "ue"). */
		if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_ENCLOSING_MARK)
			continue;
		sp = fold_special(c);
		if (sp != NULL) {
			for (; *sp; sp++) {
				gunichar u = (gunichar)*sp;
				g_array_append_val(units, u);
			}
			continue;
		}
		g_array_append_val(units, c);
	}
	return TRUE;
}

/* Steps 1–2 of one character U+0001–U+00FF, taken from fold_units() once:
 * NFKD, case folding and the dropped marks work character by character on
 * text of these characters alone (none is a combining mark, and each
 * decomposes into a starter and at most one mark), so the fold of such a
 * text is its characters' units run through step 3 — which is most names
 * and addresses, and GLib's normalisation is the slow part of the fold. */
#define FOLD_UNITS_MAX 4
typedef struct fold_latin1 {
	guint8 n; /* > FOLD_UNITS_MAX: not by the table */
	gunichar c[FOLD_UNITS_MAX];
} fold_latin1;

static const fold_latin1 *fold_latin1_table(void)
{
	static fold_latin1 table[256];
	static gsize ready;

	if (g_once_init_enter(&ready)) {
		g_autoptr(GArray) units = g_array_new(FALSE, FALSE, sizeof(gunichar));
		for (gunichar c = 1; c < 256; c++) {
			char s[8];
			s[g_unichar_to_utf8(c, s)] = '\0';
			g_array_set_size(units, 0);
			if (!fold_units(s, units) || units->len > FOLD_UNITS_MAX) {
				table[c].n = FOLD_UNITS_MAX + 1;
				continue;
			}
			table[c].n = (guint8)units->len;
			for (guint i = 0; i < units->len; i++)
				table[c].c[i] = g_array_index(units, gunichar, i);
		}
		g_once_init_leave(&ready, 1);
	}
	return table;
}

/* The fold of utf8 (valid) by the table, or NULL when utf8 has a character
 * above U+00FF (or one the table does not hold). */
static char *fold_by_table(const char *utf8)
{
	const fold_latin1 *table = fold_latin1_table();
	const unsigned char *p = (const unsigned char *)utf8;
	GString *out = g_string_sized_new(strlen(utf8));
	gunichar last = 0;

	while (*p) {
		gunichar c = *p;
		const fold_latin1 *f;
		if (c >= 0x80) {
			/* U+0080–U+00FF are C2 xx and C3 xx (utf8 is valid). */
			if (c != 0xC2 && c != 0xC3)
				goto other;
			c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
			p++;
		}
		p++;
		f = &table[c];
		if (f->n > FOLD_UNITS_MAX)
			goto other;
		for (guint8 i = 0; i < f->n; i++)
			fold_emit(out, f->c[i], &last);
	}
	return g_string_free(out, FALSE);
other:
	g_string_free(out, TRUE);
	return NULL;
}

char *text_search_fold(const char *utf8)
{
	g_autoptr(GArray) units = NULL;
	GString *out;
	gunichar last = 0;
	char *quick;

	if (utf8 == NULL || !g_utf8_validate(utf8, -1, NULL))
		return NULL;
	quick = fold_by_table(utf8);
	if (quick)
		return quick;
	units = g_array_new(FALSE, FALSE, sizeof(gunichar));
	if (!fold_units(utf8, units))
		return NULL;
	out = g_string_sized_new(strlen(utf8));
	for (guint i = 0; i < units->len; i++)
		fold_emit(out, g_array_index(units, gunichar, i), &last);
	return g_string_free(out, FALSE);
}

static gboolean is_word_char(gunichar c)
{
	return g_unichar_isalnum(c) || g_unichar_ismark(c);
}

char **text_search_tokens(const char *utf8)
{
	g_autofree char *folded = text_search_fold(utf8);
	GPtrArray *tokens;
	const char *start = NULL;
	const char *p;

	if (folded == NULL)
		return NULL;
	tokens = g_ptr_array_new();
	for (p = folded; *p; p = g_utf8_next_char(p)) {
		if (is_word_char(g_utf8_get_char(p))) {
			if (start == NULL)
				start = p;
		} else if (start != NULL) {
			g_ptr_array_add(tokens, g_strndup(start, (gsize)(p - start)));
			start = NULL;
		}
	}
	if (start != NULL)
		g_ptr_array_add(tokens, g_strndup(start, (gsize)(p - start)));
	g_ptr_array_add(tokens, NULL);
	return (char **)g_ptr_array_free(tokens, FALSE);
}
