/*
 * test_password.c — unit tests of password hashing, checking, the quality
 * rules and the semaphore that bounds concurrent hashes
 * (modules/account/password.c).
 */
#include "core/token.h"
#include "modules/account/password.h"

#include <string.h>

/* The list password.c embeds; included here to check its form. */
#include "modules/account/common_passwords.inc"

/* Made outside bireg (a separate libsodium program, argon2id with 3 passes
 * over 32 MiB) for "correct horse battery": different limits from bireg's,
 * which the string carries itself. */
#define FOREIGN_HASH                                                                  \
	"$argon2id$v=19$m=32768,t=3,p=1$pqsudYzSnaVtJvn/Kjw9DA$"                      \
	"7K7V1J9rNc+yVjELSnAj2U1eTVh96zgNvwrtnpSpacM"

static char *hash_ok(const char *pw)
{
	password_status st = PASSWORD_ERROR;
	char *h = password_hash(pw, &st);
	g_assert_cmpint(st, ==, PASSWORD_OK);
	g_assert_nonnull(h);
	return h;
}

static void test_roundtrip(void)
{
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");

	g_assert_true(g_str_has_prefix(h, "$argon2id$v=19$m=65536,t=3,p=1$"));
	g_assert_cmpint(password_verify(h, "Fahrrad-Kette-Blau"), ==, PASSWORD_OK);
}

static void test_wrong(void)
{
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");

	g_assert_cmpint(password_verify(h, "fahrrad-kette-blau"), ==, PASSWORD_MISMATCH);
	g_assert_cmpint(password_verify(h, "Fahrrad-Kette-Blau "), ==, PASSWORD_MISMATCH);
	g_assert_cmpint(password_verify(h, ""), ==, PASSWORD_MISMATCH);
}

/* Each hash has its own salt; both verify. */
static void test_salted(void)
{
	g_autofree char *a = hash_ok("Zwei Hashes, ein Passwort");
	g_autofree char *b = hash_ok("Zwei Hashes, ein Passwort");

	g_assert_cmpstr(a, !=, b);
	g_assert_cmpint(password_verify(a, "Zwei Hashes, ein Passwort"), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(b, "Zwei Hashes, ein Passwort"), ==, PASSWORD_OK);
}

static void test_foreign_hash(void)
{
	g_assert_cmpint(password_verify(FOREIGN_HASH, "correct horse battery"), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(FOREIGN_HASH, "correct horse battery!"), ==,
			PASSWORD_MISMATCH);
}

/* "Grüße aus Köln" with precomposed letters (NFC) and with a base letter
 * plus a combining mark (NFD): the same password to the person typing. */
#define KOELN_NFC "Gr\u00fc\u00dfe aus K\u00f6ln 2024"
#define KOELN_NFD "Gru\u0308\u00dfe aus Ko\u0308ln 2024"

static void test_umlauts(void)
{
	g_autofree char *h = hash_ok(KOELN_NFC);
	g_autofree char *h2 = hash_ok(KOELN_NFD);

	g_assert_cmpstr(KOELN_NFC, !=, KOELN_NFD);
	g_assert_cmpint(password_verify(h, KOELN_NFC), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(h, KOELN_NFD), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(h2, KOELN_NFC), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(h, "Gruesse aus Koeln 2024"), ==, PASSWORD_MISMATCH);
	g_assert_cmpint(password_verify(h, "Gr\u00fc\u00dfe aus K\u00f6ln 2025"), ==,
			PASSWORD_MISMATCH);
}

static void test_bad_input(void)
{
	password_status st = PASSWORD_OK;
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");
	g_autofree char *cut = g_strndup(h, strlen(h) - 10);
	g_autofree char *huge = g_strnfill(100000, 'x');

	g_assert_null(password_hash(NULL, &st));
	g_assert_cmpint(st, ==, PASSWORD_ERROR);
	g_assert_null(password_hash(NULL, NULL));
	g_assert_null(password_hash(huge, &st));
	g_assert_cmpint(st, ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify(NULL, "x"), ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify(h, NULL), ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify("", "x"), ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify("$2y$10$bcrypt.is.not.supported", "x"), ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify(huge, "x"), ==, PASSWORD_ERROR);
	g_assert_cmpint(password_verify(cut, "Fahrrad-Kette-Blau"), ==, PASSWORD_MISMATCH);
	/* Not valid UTF-8: hashed as bytes, and it still verifies only itself. */
	g_autofree char *raw = hash_ok("\xff\xfe kaputt \xc3");
	g_assert_cmpint(password_verify(raw, "\xff\xfe kaputt \xc3"), ==, PASSWORD_OK);
	g_assert_cmpint(password_verify(raw, "\xff\xfe kaputt "), ==, PASSWORD_MISMATCH);
	password_verify_dummy(NULL);
}

/* The dummy costs what a real verification costs, so that a login for an
 * unknown address answers as slowly as one for a known address. The cost of
 * an argon2id verification is set by the parameters in the hash string
 * (algorithm, version, memory, passes, lanes), so the test compares those
 * instead of timing anything: timings belong in bench/, not in tests. */
static char *hash_params(const char *h)
{
	/* "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>": everything up to the
	 * fourth '$' */
	const char *p = h;
	for (int n = 0; n < 3 && p; n++)
		p = strchr(p + 1, '$');
	g_assert_nonnull(p);
	return g_strndup(h, (gsize)(p - h));
}

static void test_dummy_cost(void)
{
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");
	const char *dummy = password_dummy_hash();
	g_autofree char *real_params = NULL, *dummy_params = NULL;

	g_assert_true(g_str_has_prefix(dummy, "$argon2id$"));
	real_params = hash_params(h);
	dummy_params = hash_params(dummy);
	g_test_message("real %s, dummy %s", real_params, dummy_params);
	g_assert_cmpstr(dummy_params, ==, real_params);
	/* and it really verifies (always failing) */
	password_verify_dummy("falsch-falsch-falsch");
	g_assert_cmpint(password_verify(dummy, "falsch-falsch-falsch"), ==, PASSWORD_MISMATCH);
}

typedef struct {
	const char *password;
	const char *email;
	pw_quality want;
} quality_case;

/* A password of exactly n characters with no repeating pattern. */
static char *varied(int n)
{
	GString *s = g_string_new(NULL);
	for (int i = 0; s->len < (gsize)n; i++)
		g_string_append_printf(s, "Wort%d-", i * 7 + 3);
	g_string_truncate(s, (gsize)n);
	return g_string_free(s, FALSE);
}

static void test_quality(void)
{
	static const quality_case cases[] = {
		{"Fahrrad-Kette-Blau", NULL, PW_QUALITY_OK},
		{"korrekt Pferd Batterie Heftklammer", "anna@example.org", PW_QUALITY_OK},
		{"839201746512", NULL, PW_QUALITY_OK},
		/* 12 characters, 19 bytes: counted in characters. */
		{"\u00dcbergr\u00f6\u00dfen\u00e4\u00df", NULL, PW_QUALITY_OK},
		/* 11 characters but more than 12 bytes. */
		{"\u00dcbergr\u00f6\u00dfen\u00e4", NULL, PW_QUALITY_TOO_SHORT},
		/* NFD: 14 code points, 11 characters once composed. */
		{"U\u0308bergro\u0308\u00dfena\u0308", NULL, PW_QUALITY_TOO_SHORT},
		{"", NULL, PW_QUALITY_TOO_SHORT},
		{"kurz", NULL, PW_QUALITY_TOO_SHORT},
		{"Tannenbaum1", NULL, PW_QUALITY_TOO_SHORT},
		{"sommer2024!", NULL, PW_QUALITY_TOO_SHORT},
		{NULL, NULL, PW_QUALITY_INVALID},
		{"\xff\xfe\xfd ung\xc3\xbcltig UTF-8", NULL, PW_QUALITY_INVALID},
		{"Passwort\tmit Tabulator", NULL, PW_QUALITY_INVALID},
		{"Zeilen\numbruch im Passwort", NULL, PW_QUALITY_INVALID},
		{"L\x7f\x7f\x7fschzeichen-Passwort", NULL, PW_QUALITY_INVALID},
		{"C1-Steuerzeichen \xc2\x85 drin", NULL, PW_QUALITY_INVALID},
		{"passwort123456", NULL, PW_QUALITY_COMMON},
		{"PASSWORT123456", NULL, PW_QUALITY_COMMON},
		{"Passwort2024!!", NULL, PW_QUALITY_COMMON},
		{"P@ssw0rt2024!", NULL, PW_QUALITY_COMMON},
		{"!!Sommer2024!!", NULL, PW_QUALITY_COMMON},
		{"Fu\u00dfball-2024!", NULL, PW_QUALITY_COMMON},
		{"123456789012", NULL, PW_QUALITY_COMMON},
		{"  123456789012 ", NULL, PW_QUALITY_COMMON},
		{"123456789012!", NULL, PW_QUALITY_COMMON},
		{"901234567890", NULL, PW_QUALITY_COMMON},
		{"987654321098", NULL, PW_QUALITY_COMMON},
		{"abcdefghijklmnop", NULL, PW_QUALITY_COMMON},
		{"111111111111", NULL, PW_QUALITY_COMMON},
		{"\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4\u00e4", NULL,
		 PW_QUALITY_COMMON},
		{"            ", NULL, PW_QUALITY_COMMON},
		{"abcabcabcabc", NULL, PW_QUALITY_COMMON},
		{"121212121212", NULL, PW_QUALITY_COMMON},
		{"qwertzuiop123", NULL, PW_QUALITY_COMMON},
		{"QwertzUiop123", NULL, PW_QUALITY_COMMON},
		{"hallo1234567", NULL, PW_QUALITY_COMMON},
		{"sommer2024!!", NULL, PW_QUALITY_COMMON},
		{"iloveyou1234", NULL, PW_QUALITY_COMMON},
		{"1qay2wsx3edc", NULL, PW_QUALITY_COMMON},
		{"MaxMustermann2024", "max.mustermann@example.org", PW_QUALITY_CONTAINS_EMAIL},
		{"Fahrrad-Mustermann", "Max.Mustermann@Example.org", PW_QUALITY_CONTAINS_EMAIL},
		{"ich-bin-anna.koch-hier", "anna.koch@stadt.example", PW_QUALITY_CONTAINS_EMAIL},
		{"j\u00fcrgen-f\u00e4hrt-Rad-2024", "J\u00dcRGEN@example.org",
		 PW_QUALITY_CONTAINS_EMAIL},
		/* A local part of fewer than four characters is not refused. */
		{"bobs-Garten-Zaun", "bob@example.org", PW_QUALITY_OK},
		{"Fahrrad-Kette-Blau", "", PW_QUALITY_OK},
		{"Fahrrad-Kette-Blau", "\xff@example.org", PW_QUALITY_OK},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		pw_quality got = password_check_quality(cases[i].password, cases[i].email);
		if (got != cases[i].want)
			g_error("case %zu (%s): got %d, want %d", i,
				cases[i].password ? cases[i].password : "NULL", got, cases[i].want);
	}
}

static void test_quality_lengths(void)
{
	g_autofree char *max = varied(PASSWORD_MAX_CHARS);
	g_autofree char *over = varied(PASSWORD_MAX_CHARS + 1);
	g_autofree char *min = varied(PASSWORD_MIN_CHARS);
	g_autofree char *under = varied(PASSWORD_MIN_CHARS - 1);
	g_autofree char *huge = g_strnfill(1 << 20, 'x');

	g_assert_cmpint(password_check_quality(max, NULL), ==, PW_QUALITY_OK);
	g_assert_cmpint(password_check_quality(over, NULL), ==, PW_QUALITY_TOO_LONG);
	g_assert_cmpint(password_check_quality(min, NULL), ==, PW_QUALITY_OK);
	g_assert_cmpint(password_check_quality(under, NULL), ==, PW_QUALITY_TOO_SHORT);
	g_assert_cmpint(password_check_quality(huge, NULL), ==, PW_QUALITY_TOO_LONG);
}

static void test_messages(void)
{
	g_assert_null(password_quality_message(PW_QUALITY_OK));
	for (int q = PW_QUALITY_TOO_SHORT; q <= PW_QUALITY_INVALID; q++) {
		const char *m = password_quality_message((pw_quality)q);
		g_assert_nonnull(m);
		g_assert_cmpuint(strlen(m), >, 10);
	}
	g_assert_cmpstr(password_quality_message(PW_QUALITY_TOO_SHORT), ==,
			"The password must have at least 12 characters.");
}

/* Every entry lower case, valid UTF-8, at least four characters, no
 * duplicates: anything else could never match. */
static void test_list_form(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	g_assert_cmpuint(G_N_ELEMENTS(common_passwords), >=, 300);
	for (size_t i = 0; i < G_N_ELEMENTS(common_passwords); i++) {
		const char *w = common_passwords[i];
		g_autofree char *lower = NULL;
		g_assert_true(g_utf8_validate(w, -1, NULL));
		lower = g_utf8_strdown(w, -1);
		g_assert_cmpstr(w, ==, lower);
		g_assert_cmpint(g_utf8_strlen(w, -1), >=, 4);
		if (g_hash_table_contains(seen, w))
			g_error("duplicate entry %s", w);
		g_hash_table_add(seen, (gpointer)w);
		/* Whole entries of the minimum length are refused as such. */
		if (g_utf8_strlen(w, -1) >= PASSWORD_MIN_CHARS)
			g_assert_cmpint(password_check_quality(w, NULL), ==, PW_QUALITY_COMMON);
	}
}

/* ---- the semaphore ----------------------------------------------------- */

typedef struct {
	const char *hash;
	gint ok, busy, other;
} flood;

static gpointer flood_verify(gpointer data)
{
	flood *f = data;
	password_status st = password_verify(f->hash, "Fahrrad-Kette-Blau");

	if (st == PASSWORD_OK)
		g_atomic_int_inc(&f->ok);
	else if (st == PASSWORD_BUSY)
		g_atomic_int_inc(&f->busy);
	else
		g_atomic_int_inc(&f->other);
	return NULL;
}

static gpointer flood_hash(gpointer data)
{
	flood *f = data;
	password_status st = PASSWORD_ERROR;
	g_autofree char *h = password_hash("Fahrrad-Kette-Blau", &st);

	if (st == PASSWORD_OK && h)
		g_atomic_int_inc(&f->ok);
	else if (st == PASSWORD_BUSY && !h)
		g_atomic_int_inc(&f->busy);
	else
		g_atomic_int_inc(&f->other);
	return NULL;
}

/* One slot, forty callers at once: each hash takes about 100 ms and a
 * caller waits at most 2 s, so some get through and the rest are told
 * BUSY; nobody crashes, errs or gets a wrong answer. */
static void test_semaphore(void)
{
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");
	flood f = {.hash = h};
	GThread *threads[40];
	gint64 start;

	g_assert_cmpint(password_init(1), ==, 0);
	start = g_get_monotonic_time();
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("flood", i % 4 == 0 ? flood_hash : flood_verify, &f);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_test_message("ok %d, busy %d in %" G_GINT64_FORMAT " ms", f.ok, f.busy,
		       (g_get_monotonic_time() - start) / 1000);
	g_assert_cmpint(f.other, ==, 0);
	g_assert_cmpint(f.ok + f.busy, ==, (int)G_N_ELEMENTS(threads));
	g_assert_cmpint(f.ok, >=, 1);
	g_assert_cmpint(f.busy, >=, 1);
	/* Nobody waited much longer than the 2 s limit plus one hash. */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 6 * G_USEC_PER_SEC);

	/* With the flood over, the slot is free again. */
	g_assert_cmpint(password_verify(h, "Fahrrad-Kette-Blau"), ==, PASSWORD_OK);
	g_assert_cmpint(password_init(4), ==, 0);
}

/* Several slots: a few callers at once all get through. */
static void test_parallel(void)
{
	g_autofree char *h = hash_ok("Fahrrad-Kette-Blau");
	flood f = {.hash = h};
	GThread *threads[6];

	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("par", flood_verify, &f);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_assert_cmpint(f.ok, ==, (int)G_N_ELEMENTS(threads));
	g_assert_cmpint(password_init(0), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (token_init() != 0 || password_init(4) != 0)
		return 1;
	g_test_add_func("/password/roundtrip", test_roundtrip);
	g_test_add_func("/password/wrong", test_wrong);
	g_test_add_func("/password/salted", test_salted);
	g_test_add_func("/password/foreign-hash", test_foreign_hash);
	g_test_add_func("/password/umlauts", test_umlauts);
	g_test_add_func("/password/bad-input", test_bad_input);
	g_test_add_func("/password/dummy-cost", test_dummy_cost);
	g_test_add_func("/password/quality", test_quality);
	g_test_add_func("/password/quality-lengths", test_quality_lengths);
	g_test_add_func("/password/messages", test_messages);
	g_test_add_func("/password/list-form", test_list_form);
	g_test_add_func("/password/semaphore", test_semaphore);
	g_test_add_func("/password/parallel", test_parallel);
	return g_test_run();
}
