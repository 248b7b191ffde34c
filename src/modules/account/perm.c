/*
 * perm.c — permission hooks (see perm.h).
 */
#include "modules/account/perm.h"

#include <string.h>

#include "modules/account/account_store.h"
#include "view/view.h"

/* Sends an anonymous browser to the login page with a way back; JSON
 * clients and non-GET requests just get the refusal. */
static bool to_login(req_ctx *rc)
{
	if (rc->req->method == HTTP_GET && !rc->req->wants_json && !rc->user) {
		g_autofree char *here = g_uri_escape_string(rc->route_path, "/", FALSE);
		g_autofree char *login = view_href(rc, "/anmelden");
		rc->redirect = g_strdup_printf("%s?next=%s%s", login, here,
					       rc->session_expired ? "&abgelaufen=1" : "");
	}
	return false;
}

bool perm_user(req_ctx *rc)
{
	return rc->user ? true : to_login(rc);
}

bool perm_pending(req_ctx *rc)
{
	return rc->pending != NULL;
}

bool perm_region_requires_totp(const req_ctx *rc)
{
	json_t *settings = rc->region ? json_object_get(rc->region, "settings") : NULL;
	return json_is_true(json_object_get(settings, "require_totp_for_office"));
}

bool perm_office(req_ctx *rc)
{
	if (!rc->user)
		return to_login(rc);
	if (!(rc->user->roles & (ROLE_OFFICE | ROLE_ADMIN)))
		return false;
	if (perm_region_requires_totp(rc) && !rc->user->totp_enabled) {
		if (rc->req->method == HTTP_GET && !rc->req->wants_json)
			rc->redirect = view_href(rc, "/konto/zwei-faktor");
		return false;
	}
	return true;
}

bool perm_admin(req_ctx *rc)
{
	if (!rc->user)
		return to_login(rc);
	return (rc->user->roles & ROLE_ADMIN) != 0;
}
