/*
 * test_token.c — unit tests of random tokens, their digests and the
 * constant-time comparison (core/token.c).
 */
#include "core/token.h"

#include <string.h>

static void test_init_twice(void)
{
	g_assert_cmpint(token_init(), ==, 0);
	g_assert_cmpint(token_init(), ==, 0);
}

static bool is_base64url(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static void test_random_shape(void)
{
	g_autofree char *a = token_random(32);
	g_autofree char *b = token_random(32);
	g_autofree char *one = token_random(1);
	g_autofree char *none = token_random(0);
	g_autofree char *odd = token_random(20);

	g_assert_cmpuint(strlen(a), ==, 43);
	g_assert_true(is_base64url(a));
	g_assert_true(is_base64url(b));
	g_assert_cmpstr(a, !=, b);
	g_assert_cmpuint(strlen(one), ==, 2);
	g_assert_cmpstr(none, ==, "");
	g_assert_cmpuint(strlen(odd), ==, 27);
	g_assert_null(strchr(odd, '='));
}

/* Many tokens, no repeats: a broken generator (a constant, a counter that
 * resets) shows up at once. */
static void test_random_unique(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; i < 2000; i++) {
		char *t = token_random(16);
		g_assert_false(g_hash_table_contains(seen, t));
		g_hash_table_add(seen, t);
	}
}

static void test_digest_vectors(void)
{
	g_autofree char *empty = token_digest("");
	g_autofree char *abc = token_digest("abc");
	g_autofree char *umlaut = token_digest("Grüße");
	g_autofree char *again = token_digest("Grüße");

	/* FIPS 180-2 test vectors. */
	g_assert_cmpstr(empty, ==,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_assert_cmpstr(abc, ==,
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	g_assert_cmpuint(strlen(umlaut), ==, 64);
	g_assert_cmpstr(umlaut, ==, again);
	for (const char *p = umlaut; *p; p++)
		g_assert_true(g_ascii_isdigit(*p) || (*p >= 'a' && *p <= 'f'));
}

static void test_equal(void)
{
	g_autofree char *t = token_random(32);
	g_autofree char *copy = g_strdup(t);
	g_autofree char *other = g_strdup(t);

	other[42] = other[42] == 'A' ? 'B' : 'A';
	g_assert_true(token_equal(t, copy));
	g_assert_false(token_equal(t, other));
	g_assert_false(token_equal(t, "short"));
	g_assert_false(token_equal("abc", "abcd"));
	g_assert_false(token_equal("abcd", "abc"));
	g_assert_false(token_equal(NULL, t));
	g_assert_false(token_equal(t, NULL));
	g_assert_false(token_equal(NULL, NULL));
	g_assert_true(token_equal("", ""));
	g_assert_false(token_equal("", "a"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (token_init() != 0)
		return 1;
	g_test_add_func("/token/init-twice", test_init_twice);
	g_test_add_func("/token/random-shape", test_random_shape);
	g_test_add_func("/token/random-unique", test_random_unique);
	g_test_add_func("/token/digest-vectors", test_digest_vectors);
	g_test_add_func("/token/equal", test_equal);
	return g_test_run();
}
