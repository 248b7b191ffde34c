/*
 * register.h — what the stores of the register (areas, institutions,
 * people, bodies, memberships) share: their error domain, and how a rule a
 * store refuses reaches the field of the form it came from.
 *
 * The web layer checks the shape of every input (form.h); a store checks
 * what needs the database or the whole record — a reference to another
 * region's row, a membership ending before it starts, a substitute for
 * someone not in the body, a quorum share over 100 % — and refuses with
 * REGISTER_ERROR_INVALID naming the field and an English msgid. Nothing is
 * written then. register_error_to_form() puts such a refusal next to its
 * field; any other error is the store's and becomes 503 or 500.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "http/http.h"

struct form;

#define BIREG_REGISTER_ERROR (bireg_register_error_quark())
GQuark bireg_register_error_quark(void);

typedef enum {
	REGISTER_ERROR_INVALID = 1, /* an input rule: field and msgid in the error */
	REGISTER_ERROR_NOT_FOUND,   /* no such row in the context's region */
	REGISTER_ERROR_IN_USE,      /* cannot be deleted: still referred to (msgid says by what) */
} register_error_code;

/* Sets err to REGISTER_ERROR_INVALID for field with the English msgid
 * (marked N_() by the caller). Returns -1. */
int register_invalid(GError **err, const char *field, const char *msgid);
/* Sets err to code with msgid (no field). Returns -1. */
int register_fail(GError **err, register_error_code code, const char *msgid);

/* The field of a REGISTER_ERROR_INVALID error ("" for other errors);
 * newly allocated. */
char *register_error_field(const GError *err);
/* The error's msgid (for INVALID the message without the field); borrowed
 * from err. */
const char *register_error_msgid(const GError *err);

/* A refused input (INVALID or IN_USE) goes into the form, translated, next
 * to its field, and the function returns true (answer 422 with the form).
 * Any other error: false, and the caller answers register_status_for(). */
bool register_error_to_form(struct form *f, const req_ctx *rc, const GError *err);

/* The HTTP status for a failed store call: 404 for NOT_FOUND, 409 for
 * IN_USE, 422 for INVALID, 503 when the database is busy or unreachable,
 * 500 otherwise. */
int register_status_for(const GError *err);

/* Today in Europe/Berlin as "YYYY-MM-DD" (memberships and affiliations
 * are current when start_day <= today and end_day is NULL or >= today).
 * Newly allocated. */
char *register_today(void);

/* The folded sort key of a name (text_search_fold: lower case, umlauts
 * folded), so that lists sort the same on both backends. Newly allocated. */
char *register_sort_key(const char *a, const char *b);
