/*
 * totp.h — the optional second factor: TOTP (RFC 6238, liboath), its QR
 * code (libqrencode, rendered as SVG) and recovery codes.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Once at start (oath_init). */
int totp_init(void);

/* A new random secret (20 bytes) in base32 without padding. Newly allocated. */
char *totp_secret_new(void);

/* otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded. Newly allocated. */
char *totp_uri(const char *issuer, const char *account, const char *secret_b32);

/* Checks a 6-digit code against secret at time now (unix seconds), allowing
 * one step of clock drift either way. Returns the matched time step (>= 0)
 * or -1. A step <= last_step is refused (no replay of a used code). */
int64_t totp_verify(const char *secret_b32, const char *code, int64_t now, int64_t last_step);

/* The code for a given time (tests and the setup page's self-check). */
char *totp_code_at(const char *secret_b32, int64_t now);

/* The QR code of text as a standalone <svg> element (no scripts, no
 * styles; black modules on white, with a quiet zone; role="img" and an
 * aria-label given by the caller, escaped). Newly allocated; NULL on error. */
char *totp_qr_svg(const char *text, const char *aria_label);

/* n recovery codes "xxxx-xxxx-xxxx" (lower-case letters and digits without
 * look-alikes). Returns a NULL-terminated vector (g_strfreev). */
char **totp_recovery_codes(int n);
/* Normalises user input of a recovery code (trims, lower-cases, accepts
 * missing or extra hyphens/spaces) to the canonical form, or NULL. */
char *totp_recovery_normalise(const char *input);
