/*
 * totp.c — the optional second factor (see totp.h).
 *
 * Time-based one-time passwords follow RFC 6238 with the parameters every
 * authenticator app understands: HMAC-SHA1, 6 digits, 30-second steps,
 * counted from the Unix epoch. liboath computes the codes; this file adds
 * what liboath leaves to its callers: a strict check of the user's input,
 * replay protection through the last accepted step, and a comparison that
 * takes the same time whether or not a code matches. Secrets come from
 * libsodium's CSPRNG and are wiped from memory once decoded copies are no
 * longer needed.
 *
 * The QR code for the setup page is drawn as a small standalone SVG: one
 * <path> for all dark modules, presentation attributes only (the page's CSP
 * forbids inline styles), so it can be embedded directly in the HTML.
 *
 * Recovery codes use an alphabet without look-alikes (no 0/o, 1/l/i), so a
 * code read from paper is typed correctly the first time; normalisation
 * forgives case, spaces and hyphens but nothing else.
 *
 * Every function is safe to call from several request workers at once: there
 * is no mutable state apart from the one-time library initialisation, which
 * runs under g_once.
 */
#include "modules/account/totp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TOTP_DIGITS 6
#define TOTP_PERIOD 30
/* Accepted clock drift, in steps, either way. */
#define TOTP_WINDOW 1
/* A new secret has 160 bits, the HMAC-SHA1 block-friendly size RFC 4226
 * recommends. */
#define TOTP_SECRET_BYTES 20
/* Decoded secrets shorter than 80 bits are refused as too weak, longer than
 * this as nonsense; the base32 text is capped before decoding. */
#define TOTP_SECRET_MIN_BYTES 10
#define TOTP_SECRET_MAX_BYTES 128
#define TOTP_SECRET_MAX_CHARS 256

/* Pixel size of one module in the width/height attributes; the viewBox is
 * in modules, so a stylesheet may scale the image freely. */
#define QR_MODULE_PX 5
#define QR_QUIET_ZONE 4

#define RECOVERY_ALPHABET "abcdefghjkmnpqrstuvwxyz23456789"
#define RECOVERY_GROUPS 3
#define RECOVERY_GROUP_LEN 4
#define RECOVERY_CHARS (RECOVERY_GROUPS * RECOVERY_GROUP_LEN)
/* "xxxx-xxxx-xxxx" */
#define RECOVERY_TEXT_LEN (RECOVERY_CHARS + RECOVERY_GROUPS - 1)
/* More than anyone would paste into a form field for one code. */
#define RECOVERY_INPUT_MAX 64
#define RECOVERY_MAX_COUNT 100

static int init_result;

/* sodium_init and oath_init both must run before first use; oath_init is not
 * documented as thread-safe, so both run exactly once under g_once, also when
 * a function is called before totp_init (for example from a test). */
static int ensure_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		int rc = 0;
		if (sodium_init() < 0)
			rc = -1;
		if (oath_init() != OATH_OK)
			rc = -1;
		init_result = rc;
		g_once_init_leave(&done, 1);
	}
	return init_result;
}

int totp_init(void)
{
	return ensure_init();
}

/* Wipes and frees a buffer that liboath allocated with malloc. */
static void secret_free(char *buf, size_t len)
{
	if (!buf)
		return;
	sodium_memzero(buf, len);
	free(buf);
}

/* Decodes a base32 secret into a malloc'd buffer (free with secret_free).
 * Returns false for missing, overlong, undecodable or too short secrets. */
static bool secret_decode(const char *secret_b32, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!secret_b32)
		return false;
	size_t in_len = strnlen(secret_b32, TOTP_SECRET_MAX_CHARS + 1);
	if (in_len == 0 || in_len > TOTP_SECRET_MAX_CHARS)
		return false;

	char *buf = NULL;
	size_t len = 0;
	if (oath_base32_decode(secret_b32, in_len, &buf, &len) != OATH_OK) {
		secret_free(buf, len);
		return false;
	}
	if (len < TOTP_SECRET_MIN_BYTES || len > TOTP_SECRET_MAX_BYTES) {
		secret_free(buf, len);
		return false;
	}
	*out = buf;
	*out_len = len;
	return true;
}

char *totp_secret_new(void)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char *enc = NULL;
	size_t enc_len = 0;

	if (ensure_init() < 0)
		return NULL;
	randombytes_buf(raw, sizeof raw);
	int rc = oath_base32_encode((const char *)raw, sizeof raw, &enc, &enc_len);
	sodium_memzero(raw, sizeof raw);
	if (rc != OATH_OK) {
		secret_free(enc, enc_len);
		return NULL;
	}
	/* 20 bytes are exactly 32 base32 characters, so there is no padding;
	 * strip it anyway in case the secret size ever changes. */
	while (enc_len > 0 && enc[enc_len - 1] == '=')
		enc_len--;
	char *secret = g_strndup(enc, enc_len);
	secret_free(enc, enc_len);
	return secret;
}

char *totp_uri(const char *issuer, const char *account, const char *secret_b32)
{
	g_return_val_if_fail(issuer != NULL, NULL);
	g_return_val_if_fail(account != NULL, NULL);
	g_return_val_if_fail(secret_b32 != NULL, NULL);

	/* No reserved characters pass unescaped: a ':' in the issuer would
	 * otherwise split the label in the wrong place, and '&' or '#' would
	 * end the parameter. Spaces become %20, which apps read correctly
	 * (a '+' would be shown literally by some of them). */
	g_autofree char *e_issuer = g_uri_escape_string(issuer, NULL, FALSE);
	g_autofree char *e_account = g_uri_escape_string(account, NULL, FALSE);
	g_autofree char *e_secret = g_uri_escape_string(secret_b32, NULL, FALSE);

	return g_strdup_printf("otpauth://totp/%s:%s?secret=%s&issuer=%s"
			       "&algorithm=SHA1&digits=%d&period=%d",
			       e_issuer, e_account, e_secret, e_issuer, TOTP_DIGITS, TOTP_PERIOD);
}

/* The code for time step `step` into out (TOTP_DIGITS + 1 bytes). */
static bool code_for_step(const char *secret, size_t secret_len, int64_t step,
			  char out[TOTP_DIGITS + 1])
{
	if (step < 0 || step > G_MAXINT64 / TOTP_PERIOD)
		return false;
	time_t t = (time_t)(step * TOTP_PERIOD);
	int rc = oath_totp_generate2(secret, secret_len, t, TOTP_PERIOD,
				     OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, 0, out);
	return rc == OATH_OK;
}

/* Copies the user's code without spaces into out; false unless exactly six
 * ASCII digits remain. Anything else (letters, other white space, signs)
 * is refused rather than guessed at. */
static bool code_parse(const char *code, char out[TOTP_DIGITS + 1])
{
	size_t n = 0;

	if (!code)
		return false;
	for (const char *p = code; *p; p++) {
		if (*p == ' ')
			continue;
		if (!g_ascii_isdigit(*p) || n == TOTP_DIGITS)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n == TOTP_DIGITS;
}

int64_t totp_verify(const char *secret_b32, const char *code, int64_t now, int64_t last_step)
{
	char given[TOTP_DIGITS + 1];
	char *secret = NULL;
	size_t secret_len = 0;
	int64_t found = -1;

	if (ensure_init() < 0 || now < 0)
		return -1;
	if (!code_parse(code, given))
		return -1;
	if (!secret_decode(secret_b32, &secret, &secret_len))
		return -1;

	/* Not oath_totp_validate3: it compares with strcmp and stops at the
	 * first match, and it cannot skip an already used step when the same
	 * code happens to be valid in another step of the window. Every
	 * candidate is computed and compared in constant time instead; the
	 * current step wins over the past one, the past over the future. */
	const int64_t base = now / TOTP_PERIOD;
	static const int order[] = {0, -1, 1};
	G_STATIC_ASSERT(G_N_ELEMENTS(order) == 2 * TOTP_WINDOW + 1);
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
		const int64_t step = base + order[i];
		char expected[TOTP_DIGITS + 1];
		if (!code_for_step(secret, secret_len, step, expected))
			continue;
		const bool match = sodium_memcmp(expected, given, TOTP_DIGITS) == 0;
		sodium_memzero(expected, sizeof expected);
		if (match && step > last_step && found < 0)
			found = step;
	}

	secret_free(secret, secret_len);
	sodium_memzero(given, sizeof given);
	return found;
}

char *totp_code_at(const char *secret_b32, int64_t now)
{
	char out[TOTP_DIGITS + 1];
	char *secret = NULL;
	size_t secret_len = 0;

	if (ensure_init() < 0 || now < 0)
		return NULL;
	if (!secret_decode(secret_b32, &secret, &secret_len))
		return NULL;
	bool ok = code_for_step(secret, secret_len, now / TOTP_PERIOD, out);
	secret_free(secret, secret_len);
	return ok ? g_strdup(out) : NULL;
}

/* Appends s escaped for an XML attribute value in double quotes. Invalid
 * UTF-8 is repaired and characters XML 1.0 forbids (C0 controls other than
 * tab, line feed and carriage return) are dropped, so the result is always
 * well-formed whatever the caller passed. */
static void append_xml_attr(GString *out, const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s, -1);

	for (const char *p = valid; *p; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		/* Kept, but as references: a literal tab or line break in an
		 * attribute is normalised to a space by XML parsers. */
		case '\t': g_string_append(out, "&#9;"); break;
		case '\n': g_string_append(out, "&#10;"); break;
		case '\r': g_string_append(out, "&#13;"); break;
		default:
			if ((unsigned char)*p >= 0x20 && *p != 0x7f)
				g_string_append_c(out, *p);
			break;
		}
	}
}

char *totp_qr_svg(const char *text, const char *aria_label)
{
	g_return_val_if_fail(text != NULL, NULL);
	g_return_val_if_fail(aria_label != NULL, NULL);
	if (!*text)
		return NULL;

	/* Version 0 lets libqrencode pick the smallest that fits; 8-bit mode
	 * keeps the URI byte for byte; case-sensitive (last argument 1). */
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;

	const int width = qr->width;
	const int size = width + 2 * QR_QUIET_ZONE;
	GString *svg = g_string_sized_new(4096);

	g_string_append_printf(svg,
			       "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
			       "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
			       size, size, size * QR_MODULE_PX, size * QR_MODULE_PX);
	append_xml_attr(svg, aria_label);
	g_string_append_printf(svg, "\" shape-rendering=\"crispEdges\">"
				    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
				    "<path fill=\"#000\" d=\"",
			       size, size);

	/* One closed rectangle per horizontal run of dark modules: a few
	 * hundred short segments instead of one element per module. */
	for (int y = 0; y < width; y++) {
		const unsigned char *row = qr->data + (size_t)y * (size_t)width;
		int x = 0;
		while (x < width) {
			if (!(row[x] & 1)) {
				x++;
				continue;
			}
			int start = x;
			while (x < width && (row[x] & 1))
				x++;
			int run = x - start;
			g_string_append_printf(svg, "M%d %dh%dv1h-%dz", start + QR_QUIET_ZONE,
					       y + QR_QUIET_ZONE, run, run);
		}
	}
	g_string_append(svg, "\"/></svg>");
	QRcode_free(qr);
	return g_string_free(svg, FALSE);
}

/* One random code "xxxx-xxxx-xxxx"; randombytes_uniform avoids modulo bias. */
static char *recovery_code_new(void)
{
	const uint32_t n = (uint32_t)strlen(RECOVERY_ALPHABET);
	char buf[RECOVERY_TEXT_LEN + 1];
	size_t k = 0;

	for (int g = 0; g < RECOVERY_GROUPS; g++) {
		if (g > 0)
			buf[k++] = '-';
		for (int i = 0; i < RECOVERY_GROUP_LEN; i++)
			buf[k++] = RECOVERY_ALPHABET[randombytes_uniform(n)];
	}
	buf[k] = '\0';
	char *code = g_strdup(buf);
	sodium_memzero(buf, sizeof buf);
	return code;
}

char **totp_recovery_codes(int n)
{
	g_return_val_if_fail(n >= 0 && n <= RECOVERY_MAX_COUNT, NULL);
	if (ensure_init() < 0)
		return NULL;

	/* With ~59 bits per code a duplicate is practically impossible, but
	 * two equal codes would silently be one; the check costs nothing. */
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	char **codes = g_new0(char *, (size_t)n + 1);
	int have = 0;
	while (have < n) {
		char *code = recovery_code_new();
		if (!g_hash_table_add(seen, code)) {
			g_free(code);
			continue;
		}
		codes[have++] = code;
	}
	return codes;
}

char *totp_recovery_normalise(const char *input)
{
	char plain[RECOVERY_CHARS];
	size_t n = 0;

	if (!input)
		return NULL;
	size_t len = strnlen(input, RECOVERY_INPUT_MAX + 1);
	if (len > RECOVERY_INPUT_MAX)
		return NULL;

	/* Leading and trailing ASCII white space is trimmed; inside, only
	 * spaces and hyphens are separators. No look-alike is mapped (0 to o
	 * would map to a letter that is not in the alphabet either): a code
	 * that does not read cleanly is refused, not guessed. */
	size_t a = 0, b = len;
	while (a < b && g_ascii_isspace(input[a]))
		a++;
	while (b > a && g_ascii_isspace(input[b - 1]))
		b--;
	for (size_t i = a; i < b; i++) {
		char c = g_ascii_tolower(input[i]);
		if (c == ' ' || c == '-')
			continue;
		if (c == '\0' || !strchr(RECOVERY_ALPHABET, c) || n == RECOVERY_CHARS) {
			sodium_memzero(plain, sizeof plain);
			return NULL;
		}
		plain[n++] = c;
	}
	if (n != RECOVERY_CHARS) {
		sodium_memzero(plain, sizeof plain);
		return NULL;
	}

	GString *out = g_string_sized_new(RECOVERY_TEXT_LEN + 1);
	for (size_t i = 0; i < RECOVERY_CHARS; i++) {
		if (i > 0 && i % RECOVERY_GROUP_LEN == 0)
			g_string_append_c(out, '-');
		g_string_append_c(out, plain[i]);
	}
	sodium_memzero(plain, sizeof plain);
	return g_string_free(out, FALSE);
}
