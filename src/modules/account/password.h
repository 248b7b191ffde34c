/*
 * password.h — password rules, hashing and checking.
 *
 * Hashes are argon2id strings from libsodium (crypto_pwhash_str, with the
 * MODERATE-ish limits chosen in password.c and documented there). Hashing is
 * slow on purpose, so at most `max_concurrent` hashes run at once in the
 * whole process: a flood of logins cannot occupy every request worker. A
 * caller that cannot get a slot within a short wait gets PASSWORD_BUSY
 * (answer 503).
 *
 * Rules follow the BSI's current advice: length over composition. A password
 * must have 12 to 256 characters, must not be one of a list of common
 * passwords (German and English, embedded), and must not contain the login
 * e-mail's local part.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>

typedef enum {
	PASSWORD_OK = 0,
	PASSWORD_MISMATCH = 1, /* password_verify: wrong password */
	PASSWORD_BUSY = -2,    /* no hashing slot free: try again later */
	PASSWORD_ERROR = -1,
} password_status;

typedef enum {
	PW_QUALITY_OK = 0,
	PW_QUALITY_TOO_SHORT,
	PW_QUALITY_TOO_LONG,
	PW_QUALITY_COMMON,
	PW_QUALITY_CONTAINS_EMAIL,
	PW_QUALITY_INVALID, /* not valid UTF-8 or contains control characters */
} pw_quality;

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 256

/* Once at start, after token_init(). */
int password_init(int max_concurrent);

pw_quality password_check_quality(const char *password, const char *email);
/* An English msgid (translate with view_t / i18n_translate) explaining q. */
const char *password_quality_message(pw_quality q);

/* Returns a newly allocated argon2id hash string, or NULL with *status set. */
char *password_hash(const char *password, password_status *status);
/* PASSWORD_OK when password matches hash, PASSWORD_MISMATCH when not,
 * PASSWORD_BUSY or PASSWORD_ERROR. */
password_status password_verify(const char *hash, const char *password);
/* Spends the same time as a real verification (for unknown accounts, so
 * that the answer time does not tell whether an account exists). */
void password_verify_dummy(const char *password);
/* The dummy's hash string, for the unit test that checks it carries the
 * same argon2id parameters (and so the same cost) as real hashes. */
const char *password_dummy_hash(void);
