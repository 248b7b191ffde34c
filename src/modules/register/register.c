/*
 * register.c — the register stores' shared error handling (register.h).
 *
 * An INVALID error carries its field in the message as "field\nmsgid": the
 * msgid is a constant English text (translated by the web layer), the field
 * a form field name, so neither can contain a line break.
 */
#include "modules/register/register.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "view/form.h"
#include "view/format.h"
#include "view/view.h"

G_DEFINE_QUARK(bireg-register-error-quark, bireg_register_error)

int register_invalid(GError **err, const char *field, const char *msgid)
{
	g_set_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID, "%s\n%s", field ? field : "",
		    msgid);
	return -1;
}

int register_fail(GError **err, register_error_code code, const char *msgid)
{
	if (code == REGISTER_ERROR_INVALID)
		return register_invalid(err, "", msgid);
	g_set_error_literal(err, BIREG_REGISTER_ERROR, (gint)code, msgid);
	return -1;
}

static bool is_invalid(const GError *err)
{
	return err && err->domain == BIREG_REGISTER_ERROR && err->code == REGISTER_ERROR_INVALID;
}

const char *register_error_msgid(const GError *err)
{
	const char *nl;

	if (!err)
		return "";
	if (!is_invalid(err))
		return err->message;
	nl = strchr(err->message, '\n');
	return nl ? nl + 1 : err->message;
}

char *register_error_field(const GError *err)
{
	const char *nl;

	if (!is_invalid(err))
		return g_strdup("");
	nl = strchr(err->message, '\n');
	return nl ? g_strndup(err->message, (gsize)(nl - err->message)) : g_strdup("");
}

bool register_error_to_form(struct form *f, const req_ctx *rc, const GError *err)
{
	if (!err || err->domain != BIREG_REGISTER_ERROR)
		return false;
	if (err->code == REGISTER_ERROR_INVALID) {
		g_autofree char *field = register_error_field(err);
		form_error(f, field, view_t(rc, register_error_msgid(err)));
		return true;
	}
	if (err->code == REGISTER_ERROR_IN_USE) {
		form_error(f, "", view_t(rc, err->message));
		return true;
	}
	return false;
}

int register_status_for(const GError *err)
{
	if (err && err->domain == BIREG_REGISTER_ERROR) {
		switch (err->code) {
		case REGISTER_ERROR_NOT_FOUND:
			return 404;
		case REGISTER_ERROR_IN_USE:
			return 409;
		case REGISTER_ERROR_INVALID:
			return 422;
		default:
			return 500;
		}
	}
	if (err && err->domain == BIREG_DB_ERROR &&
	    (err->code == DB_BUSY || err->code == DB_UNAVAILABLE))
		return 503;
	if (err && err->domain == BIREG_DB_ERROR && err->code == DB_CONSTRAINT)
		return 409;
	return 500;
}

char *register_today(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	bireg_date d = format_date_of(now);

	return g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
}

char *register_sort_key(const char *a, const char *b)
{
	g_autofree char *joined = g_strconcat(a ? a : "", (a && *a && b && *b) ? " " : "",
					      b ? b : "", NULL);
	char *folded = text_search_fold(joined);

	return folded ? folded : g_strdup("");
}

/* ---- small helpers of the stores ---------------------------------------- */

const char *register_nz(const char *s)
{
	return s ? s : "";
}

const char *register_nullable(const char *s)
{
	return s && *s ? s : NULL;
}

long register_chars(const char *s)
{
	if (!s)
		return 0;
	if (!g_utf8_validate(s, -1, NULL))
		return -1;
	return g_utf8_strlen(s, -1);
}

bool register_text_ok(const char *s, long min, long max)
{
	long n = register_chars(s);
	return n >= min && n <= max;
}

bool register_digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

bool register_one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; v && set[i]; i++)
		if (!strcmp(v, set[i]))
			return true;
	return false;
}

bool register_is_day(const char *s)
{
	bireg_date d;
	return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
	       format_parse_date(s, &d, NULL);
}

bool register_within(const char *today, const char *from, const char *until)
{
	return (!from || strcmp(from, today) <= 0) && (!until || strcmp(until, today) >= 0);
}

json_t *register_col_text_or_null(db_stmt *st, int col)
{
	return db_col_is_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

json_t *register_col_id_or_null(db_stmt *st, int col)
{
	return db_col_is_null(st, col) ? json_null() : json_integer(db_col_int64(st, col));
}

/* sql prepared with $1 = region and $2 = id, stepped once: DB_ROW, DB_DONE
 * or a negative status; *out the statement unless the prepare failed. */
static int step_by_id(const bireg_ctx *ctx, const char *sql, int64_t id, db_stmt **out,
		      GError **err)
{
	db_stmt *st = db_prepare(ctx->db, sql, err);

	*out = st;
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	return db_step(st, err);
}

int register_run(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;

	return step_by_id(ctx, sql, id, &st, err) < 0 ? -1 : 0;
}

db_stmt *register_get_row(const bireg_ctx *ctx, const char *sql, int64_t id, const char *msgid,
			  GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	int r = step_by_id(ctx, sql, id, &st, err);

	if (r < 0)
		return NULL;
	if (r != DB_ROW) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, msgid);
		return NULL;
	}
	return g_steal_pointer(&st);
}

int register_exists(const bireg_ctx *ctx, const char *sql, int64_t id, bool *found, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	int r = step_by_id(ctx, sql, id, &st, err);

	if (r < 0)
		return -1;
	*found = r == DB_ROW;
	return 0;
}

int register_require(const bireg_ctx *ctx, const char *sql, int64_t id, const char *msgid,
		     GError **err)
{
	bool found = false;

	if (register_exists(ctx, sql, id, &found, err) < 0)
		return -1;
	return found ? 0 : register_fail(err, REGISTER_ERROR_NOT_FOUND, msgid);
}

int register_check_ref(const bireg_ctx *ctx, const char *sql, int64_t id, const char *field,
		       const char *msgid, GError **err)
{
	bool found = false;

	if (register_exists(ctx, sql, id, &found, err) < 0)
		return -1;
	return found ? 0 : register_invalid(err, field, msgid);
}

int64_t register_count(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;

	if (step_by_id(ctx, sql, id, &st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

json_t *register_collect(db_stmt *st, json_t *(*row)(db_stmt *st, void *data), void *data,
			 GError **err)
{
	json_t *list = json_array();
	int r;

	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, row(st, data));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

const char *register_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int64_t register_jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}
