/*
 * register_page.c — helpers of the register's web pages (register_page.h).
 */
#include "modules/register/register_page.h"

#include "core/log.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

int64_t register_path_id(const req_ctx *rc, const char *name)
{
	gint64 id = 0;
	const char *s = http_request_path_param(rc->req, name);

	if (!s || !g_ascii_string_to_signed(s, 10, 1, G_MAXINT64, &id, NULL))
		return 0;
	return id;
}

int64_t register_query_id(const req_ctx *rc, const char *name)
{
	const char *s = http_params_get(rc->req->query, name);
	gint64 v = 0;

	if (!s || !*s)
		return 0;
	if (!g_ascii_string_to_signed(s, 10, 1, G_MAXINT64, &v, NULL))
		return -1;
	return v;
}

int register_store_failed(const req_ctx *rc, const char *what, const GError *err)
{
	int status = register_status_for(err);

	if (status >= 500)
		log_error("request %s: %s failed: %s", rc->req->request_id, what,
			  err ? err->message : "?");
	return status;
}

void register_put_form(json_t *model, const form *f, const req_ctx *rc)
{
	json_t *fm = form_model(f, rc);

	json_object_set(model, "errors", json_object_get(fm, "errors"));
	json_object_set_new(model, "form", fm);
}

const char *register_query_error(const req_ctx *rc, const GError *err)
{
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG))
		return view_t(rc, N_("The search term is too long: at most 200 characters."));
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_TOO_MANY_WORDS))
		return view_t(rc, N_("The search term has too many words: at most 10."));
	return view_t(rc, N_("The search term contains characters that cannot be searched."));
}

char *register_href_id(const req_ctx *rc, const char *prefix, int64_t id, const char *suffix)
{
	g_autofree char *path = g_strdup_printf("%s%" G_GINT64_FORMAT "%s", prefix, (gint64)id,
						suffix ? suffix : "");
	return view_href(rc, path);
}

char *register_day_label(const req_ctx *rc, const char *iso)
{
	bireg_date d;

	if (!iso || !*iso || !format_parse_date(iso, &d, NULL))
		return g_strdup("");
	return format_day(rc->req->lang, &d);
}

json_t *register_option(const char *value, const char *label, bool selected)
{
	return json_pack("{s:s,s:s,s:b}", "value", value, "label", label, "selected", selected);
}
