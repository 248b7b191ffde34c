/*
 * token.c — random tokens, their digests and constant-time comparison (see
 * token.h), all on libsodium so that there is one source of randomness and
 * one audited implementation of each primitive in the program.
 */
#include "core/token.h"

#include <sodium.h>
#include <string.h>

#define TOKEN_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

int token_init(void)
{
	/* sodium_init() returns 1 when it already ran; that is fine too. */
	return sodium_init() < 0 ? -1 : 0;
}

char *token_random(size_t nbytes)
{
	size_t out_len = sodium_base64_ENCODED_LEN(nbytes, TOKEN_B64);
	/* g_malloc(0) returns NULL; one byte keeps the buffer a real pointer. */
	g_autofree unsigned char *raw = g_malloc(nbytes ? nbytes : 1);
	char *out = g_malloc(out_len);

	randombytes_buf(raw, nbytes);
	sodium_bin2base64(out, out_len, raw, nbytes, TOKEN_B64);
	/* The raw bytes are the secret in another spelling; do not leave them
	 * lying around in freed heap memory. */
	sodium_memzero(raw, nbytes);
	return out;
}

char *token_digest(const char *s)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char *hex;

	g_return_val_if_fail(s != NULL, NULL);
	hex = g_malloc(crypto_hash_sha256_BYTES * 2 + 1);
	crypto_hash_sha256(hash, (const unsigned char *)s, strlen(s));
	/* sodium_bin2hex writes lower-case digits and the final NUL. */
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, hash, sizeof hash);
	return hex;
}

bool token_equal(const char *a, const char *b)
{
	size_t len;

	if (!a || !b)
		return false;
	/* The length is not secret (tokens have a fixed, public length); only
	 * the bytes must not leak through an early exit. */
	len = strlen(a);
	if (len != strlen(b))
		return false;
	return sodium_memcmp(a, b, len) == 0;
}
