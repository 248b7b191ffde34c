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

#include <jansson.h>

#include "core/ctx.h"
#include "db/db.h"
#include "http/http.h"

struct form;

/* g_autoptr(json_t) for the register's files: a reference dropped with
 * json_decref when it goes out of scope. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

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

/* ---- small helpers of the stores ---------------------------------------- */

/* s, or "" for NULL. */
const char *register_nz(const char *s);
/* NULL for NULL or "" (nullable text columns), else s. */
const char *register_nullable(const char *s);
/* Characters of a valid UTF-8 string; 0 for NULL, -1 when it is not valid
 * UTF-8. */
long register_chars(const char *s);
/* Valid UTF-8 (or NULL, which counts as 0 characters) with min to max
 * characters. */
bool register_text_ok(const char *s, long min, long max);
/* Only ASCII digits, min to max of them (NULL counts as none). */
bool register_digits(const char *s, size_t min, size_t max);
/* Is v one of the strings of set (NULL-terminated)? false for NULL. */
bool register_one_of(const char *v, const char *const *set);
/* A calendar day as stored: exactly "YYYY-MM-DD" and a real date. */
bool register_is_day(const char *s);
/* Is today within [from, until] (days as "YYYY-MM-DD"; either end open
 * when NULL)? */
bool register_within(const char *today, const char *from, const char *until);
/* Column col as a JSON string, or null when the column is NULL. New. */
json_t *register_col_text_or_null(db_stmt *st, int col);
/* Column col as a JSON integer, or null when the column is NULL. New. */
json_t *register_col_id_or_null(db_stmt *st, int col);

/* Prepares sql (with $1 = the context's region and $2 = id) and steps to
 * its first row: the statement on that row, for the caller to read and free.
 * NULL when the database fails, or with REGISTER_ERROR_NOT_FOUND and msgid
 * when there is no row. */
db_stmt *register_get_row(const bireg_ctx *ctx, const char *sql, int64_t id, const char *msgid,
			  GError **err);
/* Runs sql ($1 = the context's region, $2 = id), a DELETE or UPDATE:
 * 0, or -1 when the database fails. */
int register_run(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err);
/* Does sql ($1 = the context's region, $2 = id) return a row? 0 with
 * *found set, -1 when the database fails. */
int register_exists(const bireg_ctx *ctx, const char *sql, int64_t id, bool *found, GError **err);
/* 0 when sql ($1 = the context's region, $2 = id) returns a row; else -1
 * with REGISTER_ERROR_NOT_FOUND and msgid (or the database's error). */
int register_require(const bireg_ctx *ctx, const char *sql, int64_t id, const char *msgid,
		     GError **err);
/* A reference a form gave: 0 when sql ($1 = the context's region, $2 = id)
 * returns a row; else -1 with REGISTER_ERROR_INVALID for field and msgid
 * (or the database's error). */
int register_check_ref(const bireg_ctx *ctx, const char *sql, int64_t id, const char *field,
		       const char *msgid, GError **err);
/* The first column of the first row of sql ($1 = the context's region,
 * $2 = id), e.g. a count(*); -1 when the database fails or there is no
 * row. */
int64_t register_count(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err);
/* Steps st (bound) to its end and collects row(st, data) of every row in a
 * new JSON array; NULL when the database fails. */
json_t *register_collect(db_stmt *st, json_t *(*row)(db_stmt *st, void *data), void *data,
			 GError **err);

/* The string member key of o, "" when it is missing or not a string;
 * borrowed from o. */
const char *register_jstr(json_t *o, const char *key);
/* The integer member key of o, 0 when it is missing or not an integer. */
int64_t register_jint(json_t *o, const char *key);
