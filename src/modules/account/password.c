/*
 * password.c — password rules, argon2id hashing and checking, and the
 * counting semaphore that bounds how many hashes run at once (see
 * password.h).
 *
 * Every password is brought to Unicode NFC before it is hashed, checked or
 * counted: "ü" typed as one code point or as "u" plus a combining diaeresis
 * (some systems send the latter) is the same password to a person, so it
 * must be to bireg too.
 */
#include "modules/account/password.h"

#include <sodium.h>
#include <string.h>

#include "view/i18n.h"

#include "modules/account/common_passwords.inc"

/*
 * The cost of one hash: argon2id with 3 passes over 64 MiB (RFC 9106's
 * second recommended setting, with libsodium's single lane). Measured on the
 * project machine (2 cores, Debian 12, libsodium 1.0.18): about 100 ms per
 * hash and per verification (3 passes: 101 ms; for comparison 2 passes 74 ms,
 * 4 passes 118 ms, 2 passes over 128 MiB 154 ms). Each running hash holds
 * 64 MiB, so max_concurrent also bounds memory: 4 slots take 256 MiB.
 * Existing hashes keep the limits they were made with (they are part of the
 * string), so raising these later needs no migration.
 */
#define PW_OPSLIMIT 3
#define PW_MEMLIMIT ((size_t)64 * 1024 * 1024)

/* How long a caller waits for a hashing slot before PASSWORD_BUSY. Long
 * enough to ride out a burst of ordinary logins, short enough that a
 * flooded server answers 503 before the client gives up. */
#define SLOT_WAIT_US (2 * G_USEC_PER_SEC)

/* Longer input is refused before any work is done on it: 256 characters
 * take at most 1024 bytes in UTF-8 (and a little more before NFC). */
#define PW_MAX_INPUT_BYTES (16 * 1024)

/* The semaphore: set up by password_init, then only changed under the
 * mutex. A static GMutex/GCond needs no g_mutex_init. */
static GMutex slot_mutex;
static GCond slot_cond;
static int slots_max;  /* 0 until password_init */
static int slots_used;
/* A hash of a random password, made once by password_init, so that
 * password_verify_dummy costs exactly what a real verification costs. */
static char dummy_hash[crypto_pwhash_STRBYTES];

/* A copy of a password: wiped before it is freed, so it does not linger in
 * the heap for a later bug to leak. */
typedef char *pw_copy;
static void pw_copy_free(char *s)
{
	sodium_memzero(s, strlen(s));
	g_free(s);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(pw_copy, pw_copy_free, NULL)

/* The form of a password that is hashed: NFC when it is valid UTF-8, else
 * the bytes as they are (such a password was never accepted by
 * password_check_quality, so it can only fail to verify). */
static char *pw_normalise(const char *password)
{
	char *nfc = NULL;

	if (g_utf8_validate(password, -1, NULL))
		nfc = g_utf8_normalize(password, -1, G_NORMALIZE_NFC);
	return nfc ? nfc : g_strdup(password);
}

static password_status slot_acquire(void)
{
	gint64 deadline = g_get_monotonic_time() + SLOT_WAIT_US;
	password_status st = PASSWORD_OK;

	g_mutex_lock(&slot_mutex);
	if (slots_max == 0) {
		g_mutex_unlock(&slot_mutex);
		g_critical("password: password_init() was not called");
		return PASSWORD_ERROR;
	}
	/* The loop also absorbs spurious wake-ups and a slot taken by another
	 * waiter first; only the deadline ends it without a slot. */
	while (slots_used >= slots_max) {
		if (!g_cond_wait_until(&slot_cond, &slot_mutex, deadline) &&
		    slots_used >= slots_max) {
			st = PASSWORD_BUSY;
			break;
		}
	}
	if (st == PASSWORD_OK)
		slots_used++;
	g_mutex_unlock(&slot_mutex);
	return st;
}

static void slot_release(void)
{
	g_mutex_lock(&slot_mutex);
	slots_used--;
	g_cond_signal(&slot_cond);
	g_mutex_unlock(&slot_mutex);
}

int password_init(int max_concurrent)
{
	char fresh[crypto_pwhash_STRBYTES];
	bool need_dummy;

	if (max_concurrent < 1)
		return -1;
	if (sodium_init() < 0)
		return -1;
	g_mutex_lock(&slot_mutex);
	slots_max = max_concurrent;
	need_dummy = dummy_hash[0] == '\0';
	/* More slots may have become free for those waiting. */
	g_cond_broadcast(&slot_cond);
	g_mutex_unlock(&slot_mutex);
	if (!need_dummy)
		return 0;

	/* The dummy's password is random and forgotten: nothing verifies
	 * against it, which is the point. */
	g_auto(pw_copy) secret = g_malloc(33);
	randombytes_buf(secret, 32);
	for (int i = 0; i < 32; i++)
		secret[i] = (char)('a' + (unsigned char)secret[i] % 26);
	secret[32] = '\0';
	if (crypto_pwhash_str(fresh, secret, 32, PW_OPSLIMIT, PW_MEMLIMIT) != 0)
		return -1;
	g_mutex_lock(&slot_mutex);
	memcpy(dummy_hash, fresh, sizeof dummy_hash);
	g_mutex_unlock(&slot_mutex);
	return 0;
}

const char *password_dummy_hash(void)
{
	return dummy_hash;
}

/* ---- hashing ------------------------------------------------------------ */

char *password_hash(const char *password, password_status *status)
{
	char out[crypto_pwhash_STRBYTES];
	password_status dummy_status, st;
	int rc;

	if (!status)
		status = &dummy_status;
	if (!password || strlen(password) > PW_MAX_INPUT_BYTES) {
		*status = PASSWORD_ERROR;
		return NULL;
	}
	g_auto(pw_copy) norm = pw_normalise(password);
	st = slot_acquire();
	if (st != PASSWORD_OK) {
		*status = st;
		return NULL;
	}
	rc = crypto_pwhash_str(out, norm, strlen(norm), PW_OPSLIMIT, PW_MEMLIMIT);
	slot_release();
	/* The only failure is running out of memory for the 64 MiB. */
	if (rc != 0) {
		*status = PASSWORD_ERROR;
		return NULL;
	}
	*status = PASSWORD_OK;
	return g_strdup(out);
}

password_status password_verify(const char *hash, const char *password)
{
	password_status st;
	int rc;

	if (!hash || !password || strlen(password) > PW_MAX_INPUT_BYTES)
		return PASSWORD_ERROR;
	/* libsodium reads the hash as a string of at most STRBYTES - 1
	 * characters; anything else is not a hash bireg made. */
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES ||
	    !g_str_has_prefix(hash, "$argon2"))
		return PASSWORD_ERROR;
	g_auto(pw_copy) norm = pw_normalise(password);
	st = slot_acquire();
	if (st != PASSWORD_OK)
		return st;
	rc = crypto_pwhash_str_verify(hash, norm, strlen(norm));
	slot_release();
	return rc == 0 ? PASSWORD_OK : PASSWORD_MISMATCH;
}

void password_verify_dummy(const char *password)
{
	char hash[crypto_pwhash_STRBYTES];

	if (!password || strlen(password) > PW_MAX_INPUT_BYTES)
		return;
	g_mutex_lock(&slot_mutex);
	memcpy(hash, dummy_hash, sizeof hash);
	g_mutex_unlock(&slot_mutex);
	if (!hash[0])
		return;
	g_auto(pw_copy) norm = pw_normalise(password);
	/* Busy costs the same wait as for a real account, so it is fine to
	 * give up here as password_verify would. */
	if (slot_acquire() != PASSWORD_OK)
		return;
	/* The result is meaningless (the dummy's password is unknown); only
	 * the time spent matters. */
	if (crypto_pwhash_str_verify(hash, norm, strlen(norm)) == 0)
		g_warning("password: the dummy hash matched a password");
	slot_release();
}

/* ---- quality ------------------------------------------------------------ */

/* The characters stripped from both ends to find a password's core. */
static bool is_edge_punct(gunichar c)
{
	return c < 0x80 && (g_ascii_ispunct((char)c) || g_ascii_isspace((char)c));
}

/* s without leading and trailing ASCII punctuation and spaces, and digits
 * too when with_digits. Newly allocated. */
static char *strip_edges(const char *s, bool with_digits)
{
	const char *start = s, *end = s + strlen(s);

	while (*start && (is_edge_punct((unsigned char)*start) ||
			  (with_digits && g_ascii_isdigit(*start))))
		start++;
	while (end > start && (is_edge_punct((unsigned char)end[-1]) ||
			       (with_digits && g_ascii_isdigit(end[-1]))))
		end--;
	return g_strndup(start, (gsize)(end - start));
}

/* The usual digit-for-letter spellings turned back into letters
 * ("p@ssw0rt" -> "passwort"). Newly allocated. */
static char *unleet(const char *s)
{
	static const char from[] = "0134578@$", to[] = "oieastbas";
	char *out = g_strdup(s);

	for (char *p = out; *p; p++) {
		const char *hit = strchr(from, *p);
		if (hit)
			*p = to[hit - from];
	}
	return out;
}

static bool in_list(const char *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(common_passwords); i++)
		if (strcmp(s, common_passwords[i]) == 0)
			return true;
	return false;
}

/* A short unit said again and again: "aaaaaaaaaaaa", "abcabcabcabc",
 * "passpasspass". */
static bool is_repetition(const gunichar *c, glong n)
{
	for (glong period = 1; period <= 4 && period * 2 <= n; period++) {
		glong i = period;
		while (i < n && c[i] == c[i - period])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* One step up or down the alphabet or the digits all the way through:
 * "123456789012" (digits wrap round), "987654321098", "abcdefghijkl". */
static bool is_sequence(const gunichar *c, glong n)
{
	for (int dir = -1; dir <= 1; dir += 2) {
		glong i = 1;
		for (; i < n; i++) {
			gunichar want = c[i - 1] + (gunichar)dir;
			if (c[i - 1] >= '0' && c[i - 1] <= '9')
				want = '0' + (gunichar)((c[i - 1] - '0' + 10 + dir) % 10);
			if (c[i] != want)
				break;
		}
		if (n > 1 && i == n)
			return true;
	}
	return false;
}

/* Repetitions and sequences, on the code points of s. */
static bool is_pattern(const char *s)
{
	glong n = 0;
	g_autofree gunichar *c = g_utf8_to_ucs4_fast(s, -1, &n);
	return n > 0 && (is_repetition(c, n) || is_sequence(c, n));
}

/* lower is the NFC, lower-case password. */
static bool is_common(const char *lower)
{
	g_autofree char *trimmed = strip_edges(lower, false);
	g_autofree char *core = strip_edges(lower, true);
	g_autofree char *core_unleet = unleet(core);

	if (in_list(lower) || is_pattern(lower))
		return true;
	if (*trimmed && (in_list(trimmed) || is_pattern(trimmed)))
		return true;
	return *core && (in_list(core) || in_list(core_unleet));
}

/* Whether lower (the NFC, lower-case password) contains the e-mail's local
 * part or one of its pieces between dots, hyphens, underscores and plus
 * signs ("anna.schmidt" -> "anna", "schmidt"); pieces shorter than four
 * characters are too common to refuse. */
static bool contains_email(const char *lower, const char *email)
{
	const char *at;

	if (!email || !*email || !g_utf8_validate(email, -1, NULL))
		return false;
	at = strrchr(email, '@');
	g_autofree char *local = at ? g_strndup(email, (gsize)(at - email)) : g_strdup(email);
	g_autofree char *stripped = g_strstrip(g_strdup(local));
	g_autofree char *nfc = g_utf8_normalize(stripped, -1, G_NORMALIZE_NFC);
	g_autofree char *local_lower = g_utf8_strdown(nfc ? nfc : stripped, -1);
	g_auto(GStrv) pieces = g_strsplit_set(local_lower, ".-_+", -1);

	if (g_utf8_strlen(local_lower, -1) >= 4 && strstr(lower, local_lower))
		return true;
	for (char **p = pieces; *p; p++)
		if (g_utf8_strlen(*p, -1) >= 4 && strstr(lower, *p))
			return true;
	return false;
}

pw_quality password_check_quality(const char *password, const char *email)
{
	glong chars;

	if (!password)
		return PW_QUALITY_INVALID;
	/* Bound the work on absurd input before looking at it closely. */
	if (strlen(password) > PW_MAX_INPUT_BYTES)
		return PW_QUALITY_TOO_LONG;
	if (!g_utf8_validate(password, -1, NULL))
		return PW_QUALITY_INVALID;
	for (const char *p = password; *p; p = g_utf8_next_char(p))
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			return PW_QUALITY_INVALID;

	g_auto(pw_copy) nfc = g_utf8_normalize(password, -1, G_NORMALIZE_NFC);
	if (!nfc)
		return PW_QUALITY_INVALID;
	chars = g_utf8_strlen(nfc, -1);
	if (chars < PASSWORD_MIN_CHARS)
		return PW_QUALITY_TOO_SHORT;
	if (chars > PASSWORD_MAX_CHARS)
		return PW_QUALITY_TOO_LONG;

	g_auto(pw_copy) lower = g_utf8_strdown(nfc, -1);
	if (is_common(lower))
		return PW_QUALITY_COMMON;
	if (contains_email(lower, email))
		return PW_QUALITY_CONTAINS_EMAIL;
	return PW_QUALITY_OK;
}

/* The messages name the limits as numbers, so they must follow the
 * constants; a change there is a change of these msgids too. */
G_STATIC_ASSERT(PASSWORD_MIN_CHARS == 12);
G_STATIC_ASSERT(PASSWORD_MAX_CHARS == 256);

const char *password_quality_message(pw_quality q)
{
	switch (q) {
	case PW_QUALITY_OK:
		/* Nothing to explain; callers ask only about a failed check. */
		return NULL;
	case PW_QUALITY_TOO_SHORT:
		return N_("The password must have at least 12 characters.");
	case PW_QUALITY_TOO_LONG:
		return N_("The password must not have more than 256 characters.");
	case PW_QUALITY_COMMON:
		return N_("This password is too common or too easy to guess. Please choose another one.");
	case PW_QUALITY_CONTAINS_EMAIL:
		return N_("The password must not contain your e-mail address or a part of it.");
	case PW_QUALITY_INVALID:
		return N_("The password contains characters that are not allowed.");
	}
	return N_("The password contains characters that are not allowed.");
}
