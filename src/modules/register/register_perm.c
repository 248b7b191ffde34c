/*
 * register_perm.c — permissions that follow from the register (see
 * register_perm.h): the account's person in the region and the body page
 * hook.
 *
 * The hook reads the body and the membership directly (two small indexed
 * queries) rather than loading the whole body: it runs before every view
 * of a body page.
 */
#include "modules/register/register_perm.h"

#include "core/log.h"
#include "core/roles.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"

int64_t register_user_person(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;
	int r;

	if (!rc->user || rc->ctx.region_id <= 0)
		return 0;
	st = db_prepare(rc->ctx.db,
		"SELECT ap.person_id FROM account_person ap JOIN person p ON p.id = ap.person_id "
		"AND p.region_id = ap.region_id WHERE ap.account_id = $1 AND ap.region_id = $2",
		&err);
	if (!st)
		goto fail;
	db_bind_int64(st, 1, rc->user->id);
	db_bind_int64(st, 2, rc->ctx.region_id);
	r = db_step(st, &err);
	if (r < 0)
		goto fail;
	return r == DB_ROW ? db_col_int64(st, 0) : 0;
fail:
	log_warn("request %s: the person of account %" G_GINT64_FORMAT " cannot be read: %s",
		 rc->req->request_id, rc->user->id, err ? err->message : "?");
	return 0;
}

bool register_is_office(const req_ctx *rc)
{
	if (!rc->user || !(rc->user->roles & (ROLE_OFFICE | ROLE_ADMIN)))
		return false;
	/* Where the region asks office staff for a second factor, an account
	 * without one has no office rights (perm_office sends it to set one
	 * up); here it counts as an ordinary user. */
	return !(perm_region_requires_totp(rc) && !rc->user->totp_enabled);
}

bool perm_body_view(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;
	const char *raw = http_request_path_param(rc->req, "id");
	gint64 id = 0;
	int r;

	if (register_is_office(rc))
		return true;
	if (!raw || !g_ascii_string_to_signed(raw, 10, 1, G_MAXINT64, &id, NULL))
		return true; /* the handler answers 404 */
	st = db_prepare(rc->ctx.db, "SELECT public FROM body WHERE region_id = $1 AND id = $2",
			&err);
	if (!st)
		goto fail;
	db_bind_int64(st, 1, rc->ctx.region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, &err);
	if (r < 0)
		goto fail;
	if (r != DB_ROW)
		return true; /* none such: the handler answers 404 */
	if (db_col_int64(st, 0))
		return true;
	if (!rc->user)
		return perm_user(rc); /* sends an anonymous browser to the login page */
	{
		int64_t person = register_user_person(rc);
		bool member = person > 0 &&
			      membership_store_current_for_person_in_body(&rc->ctx, person, id, &err);
		if (err)
			goto fail;
		return member;
	}
fail:
	/* Refusing is the safe answer when the database cannot tell. */
	log_warn("request %s: permission for body %s cannot be checked: %s", rc->req->request_id,
		 raw, err ? err->message : "?");
	return false;
}
