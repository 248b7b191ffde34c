/*
 * token.h — random tokens and their digests (libsodium).
 *
 * Session ids, CSRF tokens and recovery codes are random strings given to a
 * client; the database keeps only their SHA-256 digest, so a leaked database
 * does not hand out live sessions. Comparisons are constant-time.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Initialises libsodium; call once at start. Returns 0 or -1. */
int token_init(void);

/* nbytes random bytes as unpadded base64url (43 chars for 32 bytes).
 * Newly allocated. */
char *token_random(size_t nbytes);

/* Lower-case hex SHA-256 of s (64 chars). Newly allocated. */
char *token_digest(const char *s);

/* Constant-time equality of two NUL-terminated strings (false if either is
 * NULL; the lengths may leak, the contents do not). */
bool token_equal(const char *a, const char *b);
