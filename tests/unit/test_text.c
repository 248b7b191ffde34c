/*
 * test_text.c — unit tests for src/core/text.c: UTF-8 validation, control
 * characters, trimming, truncation and the German search folding.
 */
#include <string.h>

#include "core/text.h"

static void test_valid_utf8(void)
{
	g_assert_true(text_is_valid_utf8("", 0));
	g_assert_true(text_is_valid_utf8(NULL, 0));
	g_assert_true(text_is_valid_utf8("Müller", strlen("Müller")));
	g_assert_true(text_is_valid_utf8("\xF0\x9F\x98\x80", 4)); /* emoji */
	/* An explicit length may stop inside a string: only those bytes count. */
	g_assert_true(text_is_valid_utf8("ab\xff", 2));
	g_assert_false(text_is_valid_utf8("ab\xff", 3));
	g_assert_false(text_is_valid_utf8("a\0b", 3));          /* embedded NUL */
	g_assert_false(text_is_valid_utf8("\xC0\xAF", 2));      /* overlong '/' */
	g_assert_false(text_is_valid_utf8("\xE0\x80\xAF", 3));  /* overlong */
	g_assert_false(text_is_valid_utf8("\xED\xA0\x80", 3));  /* surrogate */
	g_assert_false(text_is_valid_utf8("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	g_assert_false(text_is_valid_utf8("\xC3", 1));          /* truncated */
	g_assert_false(text_is_valid_utf8("\x80", 1));          /* lone continuation */
}

static void test_control_chars(void)
{
	g_assert_false(text_has_control_chars("Zeile 1\r\nZeile 2\tTab"));
	g_assert_false(text_has_control_chars(""));
	g_assert_false(text_has_control_chars(NULL));
	g_assert_true(text_has_control_chars("a\x01z"));
	g_assert_true(text_has_control_chars("a\x1bz"));   /* ESC */
	g_assert_true(text_has_control_chars("a\x7fz"));   /* DEL */
	g_assert_true(text_has_control_chars("a\xC2\x85z")); /* NEL, C1 */
	g_assert_true(text_has_control_chars("a\xC2\x9Fz")); /* last C1 */
	g_assert_false(text_has_control_chars("a\xC2\xA0z")); /* NBSP is fine */
	g_assert_true(text_has_control_chars("a\xffz"));   /* invalid UTF-8 */
	g_assert_true(text_has_control_chars_len("a\0b", 3));
	g_assert_false(text_has_control_chars_len("ab\x01", 2));
}

static void test_strip_control(void)
{
	g_autofree char *a = text_strip_control_chars("a\x01" "b\tc\r\nd\xC2\x85" "e\x7f");
	g_autofree char *b = text_strip_control_chars("Bär.pdf");

	g_assert_cmpstr(a, ==, "abcde");
	g_assert_cmpstr(b, ==, "Bär.pdf");
	g_assert_null(text_strip_control_chars("\xff"));
	g_assert_null(text_strip_control_chars(NULL));
}

static void test_trim_collapse(void)
{
	g_autofree char *t1 = text_trim_dup("  \t Hallo Welt \n ");
	g_autofree char *t2 = text_trim_dup("\xC2\xA0x\xC2\xA0"); /* NBSP on both sides */
	g_autofree char *t3 = text_trim_dup("   ");
	g_autofree char *t4 = text_trim_dup("ä");
	g_autofree char *c1 = text_collapse_ws("  Anne \t\n  Müller\xC2\xA0 Schmidt  ");
	g_autofree char *c2 = text_collapse_ws(" \n ");
	g_autofree char *c3 = text_collapse_ws("ein");

	g_assert_cmpstr(t1, ==, "Hallo Welt");
	g_assert_cmpstr(t2, ==, "x");
	g_assert_cmpstr(t3, ==, "");
	g_assert_cmpstr(t4, ==, "ä");
	g_assert_cmpstr(c1, ==, "Anne Müller Schmidt");
	g_assert_cmpstr(c2, ==, "");
	g_assert_cmpstr(c3, ==, "ein");
	g_assert_null(text_trim_dup("a\xff"));
	g_assert_null(text_collapse_ws("a\xff"));
	g_assert_null(text_trim_dup(NULL));
}

static void test_truncate(void)
{
	/* "Größe": G r ö(2) ß(2) e = 7 bytes */
	g_autofree char *a = text_truncate_utf8("Größe", 3);
	g_autofree char *b = text_truncate_utf8("Größe", 4);
	g_autofree char *c = text_truncate_utf8("Größe", 5);
	g_autofree char *d = text_truncate_utf8("Größe", 100);
	g_autofree char *e = text_truncate_utf8("Größe", 0);
	g_autofree char *f = text_truncate_utf8("\xF0\x9F\x98\x80x", 3);

	g_assert_cmpstr(a, ==, "Gr");
	g_assert_cmpstr(b, ==, "Grö");
	g_assert_cmpstr(c, ==, "Grö");
	g_assert_cmpstr(d, ==, "Größe");
	g_assert_cmpstr(e, ==, "");
	g_assert_cmpstr(f, ==, "");
	g_assert_cmpuint(text_utf8_prefix_len("Größe", 7, 6), ==, 6);
	g_assert_cmpuint(text_utf8_prefix_len("Größe", 7, 7), ==, 7);
	g_assert_null(text_truncate_utf8(NULL, 3));
}

/* All of the given spellings must fold to the same key, and that key must
 * be `want`. */
static void assert_all_fold_to(const char *want, const char *const *words)
{
	for (size_t i = 0; words[i] != NULL; i++) {
		g_autofree char *f = text_search_fold(words[i]);

		g_assert_cmpstr(f, ==, want);
	}
}

static void test_fold_german(void)
{
	const char *const mueller[] = { "Müller", "Mueller", "muller", "MÜLLER", "MUELLER",
					"mu\xCC\x88ller", /* decomposed ü */
					"Müeller", NULL };
	const char *const strasse[] = { "Straße", "strasse", "STRASSE", "STRAẞE", NULL };
	const char *const koeln[] = { "Köln", "Koeln", "KÖLN", "koln", NULL };
	const char *const baer[] = { "Bär", "Baer", "bar", NULL };
	const char *const jose[] = { "José", "JOSÉ", "jose", "Jose\xCC\x81", NULL };

	assert_all_fold_to("muller", mueller);
	assert_all_fold_to("strasse", strasse);
	assert_all_fold_to("koln", koeln);
	assert_all_fold_to("bar", baer);
	assert_all_fold_to("jose", jose);
}

static void test_fold_other(void)
{
	struct { const char *in, *want; } cases[] = {
		{ "Ærø", "aro" },            /* æ→ae→a, ø→o */
		{ "Łódź", "lodz" },
		{ "Ñandú", "nandu" },
		{ "Œuvre", "ouvre" },
		{ "ﬁnal", "final" },         /* ligature, NFKD */
		{ "Ｆｕｌｌ", "full" },       /* full-width, NFKD */
		{ "Goethe", "gothe" },
		{ "Michael", "michal" },     /* documented false friend */
		{ "Feuer", "feur" },
		{ "Queen", "qun" },
		{ "Kaffee", "kaffee" },      /* e after f stays */
		{ "İstanbul", "istanbul" },
		{ "a-e", "a-e" },            /* not adjacent letters */
		{ "42 Äpfel!", "42 apfel!" },
		{ "", "" },
		{ "Ελληνικά", "ελληνικα" },   /* other scripts: lower case, accents off */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *f = text_search_fold(cases[i].in);

		g_assert_cmpstr(f, ==, cases[i].want);
	}
	/* Different words stay different. */
	{
		g_autofree char *a = text_search_fold("Müller");
		g_autofree char *b = text_search_fold("Möller");

		g_assert_cmpstr(a, !=, b);
	}
	g_assert_null(text_search_fold("M\xfcller")); /* Latin-1, not UTF-8 */
	g_assert_null(text_search_fold("\xC0\xAF"));
	g_assert_null(text_search_fold(NULL));
}

static void test_fold_idempotent(void)
{
	const char *words[] = { "Müeeller", "Aee", "Ærøe", "Queue", "Straße", "Œe", "ÄÖÜ äöü ß",
				"ueue", "Israel" };

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		g_autofree char *once = text_search_fold(words[i]);
		g_autofree char *twice = text_search_fold(once);

		g_assert_nonnull(once);
		g_assert_cmpstr(once, ==, twice);
	}
}

static void test_tokens(void)
{
	g_auto(GStrv) t = text_search_tokens("  Müller-Lüdenscheidt, Straße 12; José!  ");
	g_auto(GStrv) empty = text_search_tokens(" ,;- ");
	g_auto(GStrv) dup = text_search_tokens("Mueller Müller");

	g_assert_nonnull(t);
	g_assert_cmpuint(g_strv_length(t), ==, 5);
	g_assert_cmpstr(t[0], ==, "muller");
	g_assert_cmpstr(t[1], ==, "ludenscheidt");
	g_assert_cmpstr(t[2], ==, "strasse");
	g_assert_cmpstr(t[3], ==, "12");
	g_assert_cmpstr(t[4], ==, "jose");
	g_assert_nonnull(empty);
	g_assert_cmpuint(g_strv_length(empty), ==, 0);
	g_assert_cmpuint(g_strv_length(dup), ==, 2);
	g_assert_cmpstr(dup[0], ==, dup[1]);
	g_assert_null(text_search_tokens("a\xff"));
	g_assert_null(text_search_tokens(NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/text/valid_utf8", test_valid_utf8);
	g_test_add_func("/text/control_chars", test_control_chars);
	g_test_add_func("/text/strip_control", test_strip_control);
	g_test_add_func("/text/trim_collapse", test_trim_collapse);
	g_test_add_func("/text/truncate", test_truncate);
	g_test_add_func("/text/fold_german", test_fold_german);
	g_test_add_func("/text/fold_other", test_fold_other);
	g_test_add_func("/text/fold_idempotent", test_fold_idempotent);
	g_test_add_func("/text/tokens", test_tokens);
	return g_test_run();
}
