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
