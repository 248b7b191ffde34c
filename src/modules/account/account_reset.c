/*
 * account_reset.c — "Passwort vergessen?": a new password through a link
 * sent by e-mail.
 *
 *   GET/POST /passwort-vergessen      the form asking for the e-mail address
 *   GET/POST /passwort-neu/{token}    the form for the new password
 *
 * What it never tells: whether an account exists. Every well-formed address
 * gets the same answer ("Wenn ein Konto mit dieser Adresse besteht, …"), as
 * a 303 to the same page, whether a mail went out or not. Requests are
 * counted like failed logins (throttle_store) per address typed
 * ("reset:<e-mail>") and per client ("reset-addr:<ip>"): the fifth within
 * 15 minutes makes the next one wait, and a waiting request gets 429 for
 * every address alike. So a stranger can neither find out who has an
 * account nor flood someone's mailbox.
 *
 * Demo accounts (valid only in the demo region; their passwords are printed
 * in the README) cannot reset their password: a reset would lock the other
 * visitors of the demo out. The form says so next to the field. This tells
 * nobody anything new: the demo addresses are public. Disabled accounts get
 * no mail (and the same answer as everyone).
 *
 * The link's token is 32 random bytes; only its SHA-256 digest is stored
 * (table password_reset, an installation table: accounts serve every
 * region). A new request replaces the account's earlier unused links. The
 * token row and the mail (template account.password_reset, through the
 * outbox) are written in one transaction. A link works once and for an
 * hour: using it sets the password, marks the link used, ends every session
 * of the account, clears its login throttle and queues a confirmation mail
 * (account.password_changed), all in one transaction. The second factor
 * stays as it is: the reset replaces the password, not the code.
 *
 * Tokens never reach a log: the access log has neither paths nor queries,
 * and nothing here logs the token.
 */
#include "modules/account/account_reset.h"

#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/text.h"
#include "core/token.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "modules/account/account_web.h"
#include "modules/account/password.h"
#include "modules/region/region_web.h"
#include "out/mail.h"
#include "out/message.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

#define EMAIL_MAX_BYTES 254
#define TOKEN_BYTES 32
#define TOKEN_MAX_CHARS 100
/* Rows of links that ran out are deleted this long after (at the next
 * request): long enough to see in the table what happened. */
#define RESET_KEEP_SECONDS (7 * 24 * 3600)

/* ---- helpers --------------------------------------------------------- */

static bool plausible_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (g_ascii_isspace(*p) || strchr("<>,;\"()[]\\", *p))
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

/* The translation of msgid with "{key}" replaced by value. Newly allocated. */
static char *fill(const req_ctx *rc, const char *msgid, const char *key, const char *value)
{
	GString *s = g_string_new(view_t(rc, msgid));
	g_autofree char *tag = g_strconcat("{", key, "}", NULL);
	g_string_replace(s, tag, value, 0);
	return g_string_free(s, FALSE);
}

static int64_t now_unix(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* server.base_url without a trailing slash, then path. Newly allocated. */
static char *absolute_url(const req_ctx *rc, const char *path)
{
	const char *base = rc->app && rc->app->cfg.base_url ? rc->app->cfg.base_url : "";
	g_autofree char *href = view_href(rc, path);
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return g_strdup_printf("%.*s%s", (int)n, base, href);
}

/* A stored UTC time as date and time in Europe/Berlin in lang. */
static char *datetime_in(const char *lang, const char *iso)
{
	g_autoptr(GDateTime) t = format_parse_utc(iso);
	return t ? format_datetime(lang, t) : g_strdup(iso);
}

static const char *region_name(const req_ctx *rc)
{
	const char *n = rc->region ? json_string_value(json_object_get(rc->region, "name")) : NULL;
	return n ? n : "bireg";
}

/* A token as token_random() makes them: base64url, not too long. */
static bool token_well_formed(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n < 20 || n > TOKEN_MAX_CHARS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(t[i]) && t[i] != '-' && t[i] != '_')
			return false;
	return true;
}

/* ---- the token rows ---------------------------------------------------- */

/* Stores a new link of account_id (replacing its unused ones and dropping
 * long expired rows of everyone). In the caller's transaction. */
static int reset_store_create(const bireg_ctx *ctx, int64_t account_id, const char *digest,
			      const char *created, const char *expires, GError **err)
{
	char cut[21];
	util_iso_at(now_unix() - RESET_KEEP_SECONDS, cut);
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"DELETE FROM password_reset WHERE (account_id = $1 AND used_at IS NULL) "
			"OR expires_at < $2", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, account_id);
		db_bind_text(st, 2, cut);
		if (db_run(st, err) != DB_OK)
			return -1;
	}
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"INSERT INTO password_reset (account_id, token_digest, created_at, expires_at) "
		"VALUES ($1, $2, $3, $4)", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, account_id);
	db_bind_text(st, 2, digest);
	db_bind_text(st, 3, created);
	db_bind_text(st, 4, expires);
	return db_run(st, err) == DB_OK ? 0 : -1;
}

/* The account a live link belongs to (unused, not expired, the account
 * active and no demo account): its id and the link's id, 0 when there is
 * none, -1 on error. */
static int64_t reset_store_find(const bireg_ctx *ctx, const char *token, int64_t *reset_id,
				GError **err)
{
	g_autofree char *digest = token_digest(token);
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT r.id, r.account_id FROM password_reset r JOIN account a ON a.id = r.account_id "
		"WHERE r.token_digest = $1 AND r.used_at IS NULL AND r.expires_at > $2 "
		"AND a.status = 'active' AND a.demo_region_id IS NULL", err);
	db_status r;

	if (!st)
		return -1;
	util_now_iso(now);
	db_bind_text(st, 1, digest);
	db_bind_text(st, 2, now);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return 0;
	*reset_id = db_col_int64(st, 0);
	return db_col_int64(st, 1);
}

/* Marks link reset_id used, and drops the account's other unused links.
 * 1 when it was still live, 0 when another request used it meanwhile. In
 * the caller's transaction. */
static int reset_store_use(const bireg_ctx *ctx, int64_t reset_id, int64_t account_id,
			   GError **err)
{
	char now[21];
	util_now_iso(now);
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE password_reset SET used_at = $2 "
			"WHERE id = $1 AND used_at IS NULL AND expires_at > $2", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, reset_id);
		db_bind_text(st, 2, now);
		if (db_run(st, err) != DB_OK)
			return -1;
		if (db_changes(ctx->db) != 1)
			return 0;
	}
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"DELETE FROM password_reset WHERE account_id = $1 AND used_at IS NULL", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, account_id);
	return db_run(st, err) == DB_OK ? 1 : -1;
}

/* ---- asking for a link --------------------------------------------------- */

typedef struct forgot_form {
	const char *email;
	const char *email_error;
	const char *failed;
	bool sent;
} forgot_form;

static int forgot_page(req_ctx *rc, int status, const forgot_form *f)
{
	g_autofree char *action = view_href(rc, "/passwort-vergessen");
	g_autofree char *login = view_href(rc, "/anmelden");
	const char *fields[] = {"email"};
	const char *msgs[] = {f->email_error};
	json_t *errors = view_form_errors(fields, msgs, 1);
	json_t *model = json_pack("{s:{s:s,s:s,s:b,s:o,s:s,s:s},s:b,s:s}", "form", "action", action,
				  "email", f->email ? f->email : "", "has_errors",
				  json_array_size(errors) > 0, "errors", errors, "email_error",
				  f->email_error ? f->email_error : "", "failed",
				  f->failed ? f->failed : "", "sent", f->sent, "login_href", login);
	return view_page_full(rc, status, "pages/password_forgot",
			      view_t(rc, N_("Forgotten your password?")), model, NULL);
}

static int forgot_get(req_ctx *rc)
{
	forgot_form f = {.sent = http_params_get(rc->req->query, "gesendet") != NULL};
	return forgot_page(rc, 200, &f);
}

/* Writes the link and its mail for account a, in one transaction. */
static int send_link(req_ctx *rc, const account *a, GError **err)
{
	g_autofree char *token = token_random(TOKEN_BYTES);
	g_autofree char *digest = token_digest(token);
	g_autofree char *path = g_strconcat("/passwort-neu/", token, NULL);
	g_autofree char *link = absolute_url(rc, path);
	char created[21], expires[21];
	int64_t now = now_unix();

	util_iso_at(now, created);
	util_iso_at(now + PASSWORD_RESET_SECONDS, expires);
	g_autofree char *until = datetime_in(a->lang, expires);
	json_t *values = json_pack("{s:s,s:s,s:s,s:s}", "name", a->display_name, "link", link,
				   "ablauf", until, "region", region_name(rc));
	int r = -1;

	if (db_begin(rc->ctx.db, err) != DB_OK)
		goto out;
	if (reset_store_create(&rc->ctx, a->id, digest, created, expires, err) < 0 ||
	    message_send_mail(&rc->ctx, "account.password_reset", a->lang, values, a->email,
			      a->display_name, NULL, err) < 0 ||
	    db_commit(rc->ctx.db, err) != DB_OK) {
		db_rollback(rc->ctx.db);
		goto out;
	}
	r = 0;
out:
	json_decref(values);
	return r;
}

static int forgot_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *email = text_collapse_ws(view_form_field(rc, "email"));
	g_autofree char *lower = email ? g_utf8_strdown(email, -1) : g_strdup("");
	g_autofree char *mail_key = g_strconcat("reset:", lower, NULL);
	g_autofree char *addr_key = g_strconcat("reset-addr:", rc->req->remote_addr, NULL);
	forgot_form f = {.email = email ? email : ""};
	g_autoptr(account) a = NULL;
	int wait;

	if (!*f.email)
		f.email_error = view_t(rc, N_("Please enter your e-mail address."));
	else if (strlen(lower) > EMAIL_MAX_BYTES || !plausible_email(lower))
		f.email_error = view_t(rc, N_("Please enter a valid e-mail address, e.g. name@example.org."));
	if (f.email_error)
		return forgot_page(rc, 422, &f);

	wait = throttle_store_wait(&rc->ctx, mail_key, &err);
	if (wait >= 0)
		wait = MAX(wait, throttle_store_wait(&rc->ctx, addr_key, &err));
	if (wait < 0)
		return region_web_status_for(err);
	if (wait > 0) {
		char secs[16];
		g_snprintf(secs, sizeof secs, "%d", wait);
		g_autofree char *msg = fill(rc, N_("Too many requests. Please wait {seconds} seconds and try again."),
					    "seconds", secs);
		log_warn("request %s: password reset refused while throttled (%d s) from %s",
			 rc->req->request_id, wait, rc->req->remote_addr);
		f.failed = msg;
		http_response_set_header(rc->resp, "Retry-After", secs);
		return forgot_page(rc, 429, &f);
	}
	/* Every request counts, whether the account exists or not. */
	if (throttle_store_fail(&rc->ctx, mail_key, THROTTLE_ACCOUNT_MAX_WAIT, &err) < 0 ||
	    throttle_store_fail(&rc->ctx, addr_key, THROTTLE_ADDR_MAX_WAIT, &err) < 0)
		return region_web_status_for(err);

	a = account_store_get_by_email(&rc->ctx, lower, &err);
	if (err)
		return region_web_status_for(err);
	if (a && a->demo_region_id) {
		f.email_error = view_t(rc, N_("The password of a demo account cannot be reset. The demo passwords are listed in the instructions of this installation."));
		log_info("request %s: password reset refused for demo account %" G_GINT64_FORMAT,
			 rc->req->request_id, a->id);
		return forgot_page(rc, 422, &f);
	}
	if (a && !strcmp(a->status, "active")) {
		if (send_link(rc, a, &err) < 0 && err->domain == BIREG_MAIL_ERROR) {
			/* The account's address is not one mail can go to:
			 * nothing was written, and the answer stays the same. */
			log_warn("request %s: no password reset mail for account %" G_GINT64_FORMAT
				 ": %s", rc->req->request_id, a->id, err->message);
		} else if (err) {
			log_error("request %s: queueing the password reset mail for account %" G_GINT64_FORMAT
				  " failed: %s", rc->req->request_id, a->id, err->message);
			return region_web_status_for(err);
		} else {
			log_info("request %s: password reset link sent to account %" G_GINT64_FORMAT,
				 rc->req->request_id, a->id);
		}
	} else {
		log_info("request %s: password reset asked for %s from %s; no mail sent",
			 rc->req->request_id, a ? "a disabled account" : "an unknown address",
			 rc->req->remote_addr);
	}
	if (rc->req->wants_json) {
		view_json(rc->resp, 202, json_pack("{s:s}", "message",
			view_t(rc, N_("If an account with this address exists, we have sent it an e-mail."))));
		return 0;
	}
	return view_redirect(rc, "/passwort-vergessen?gesendet=1");
}

/* ---- the new password ---------------------------------------------------- */

typedef struct new_form {
	const char *new_error, *confirm_error;
} new_form;

/* The page for a link that does not work (unknown, used or expired). */
static int link_gone(req_ctx *rc)
{
	g_autofree char *forgot = view_href(rc, "/passwort-vergessen");
	g_autofree char *login = view_href(rc, "/anmelden");
	json_t *model = json_pack("{s:b,s:s,s:s,s:s,s:{s:s,s:b,s:o,s:s,s:s}}", "valid", false,
				  "forgot_href", forgot, "login_href", login, "email", "", "form",
				  "action", "", "has_errors", false, "errors", json_array(),
				  "new_error", "", "confirm_error", "");
	if (rc->req->wants_json) {
		json_decref(model);
		view_json(rc->resp, 410, json_pack("{s:{s:i,s:s}}", "error", "status", 410, "message",
			view_t(rc, N_("This link no longer works: it was used already, it is older than an hour, or a newer link replaced it. Please ask for a new one."))));
		return 0;
	}
	return view_page_full(rc, 410, "pages/password_new", view_t(rc, N_("Link no longer valid")),
			      model, NULL);
}

static int new_page(req_ctx *rc, int status, const account *a, const new_form *nf)
{
	const char *token = http_request_path_param(rc->req, "token");
	g_autofree char *path = g_strconcat("/passwort-neu/", token, NULL);
	g_autofree char *action = view_href(rc, path);
	g_autofree char *forgot = view_href(rc, "/passwort-vergessen");
	g_autofree char *login = view_href(rc, "/anmelden");
	const char *fields[] = {"new", "confirm"};
	const char *msgs[] = {nf->new_error, nf->confirm_error};
	json_t *errors = view_form_errors(fields, msgs, 2);
	json_t *model = json_pack("{s:b,s:s,s:s,s:s,s:{s:s,s:b,s:o,s:s,s:s}}", "valid", true,
				  "forgot_href", forgot, "login_href", login, "email", a->email,
				  "form", "action", action, "has_errors",
				  json_array_size(errors) > 0, "errors", errors, "new_error",
				  nf->new_error ? nf->new_error : "", "confirm_error",
				  nf->confirm_error ? nf->confirm_error : "");
	return view_page_full(rc, status, "pages/password_new", view_t(rc, N_("Set a new password")),
			      model, NULL);
}

/* The live link of the request's token and its account, or NULL (*status
 * then says what to answer: 410 or an error status). */
static account *link_account(req_ctx *rc, int64_t *reset_id, int *status)
{
	g_autoptr(GError) err = NULL;
	const char *token = http_request_path_param(rc->req, "token");
	int64_t id;
	account *a;

	*status = 410;
	if (!token_well_formed(token))
		return NULL;
	id = reset_store_find(&rc->ctx, token, reset_id, &err);
	if (id < 0) {
		*status = region_web_status_for(err);
		return NULL;
	}
	if (id == 0)
		return NULL;
	a = account_store_get(&rc->ctx, id, &err);
	if (!a && err)
		*status = region_web_status_for(err);
	return a;
}

static int new_get(req_ctx *rc)
{
	int64_t reset_id = 0;
	int status;
	g_autoptr(account) a = link_account(rc, &reset_id, &status);
	new_form nf = {0};

	if (!a)
		return status == 410 ? link_gone(rc) : status;
	return new_page(rc, 200, a, &nf);
}

static int new_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t reset_id = 0;
	int status;
	g_autoptr(account) a = link_account(rc, &reset_id, &status);
	const char *new_pw = view_form_field(rc, "new"), *confirm = view_form_field(rc, "confirm");
	new_form nf = {0};
	password_status ps;
	pw_quality q;
	json_t *values = NULL;
	char now[21];
	int used;

	if (!a)
		return status == 410 ? link_gone(rc) : status;
	q = password_check_quality(new_pw, a->email);
	if (q != PW_QUALITY_OK)
		nf.new_error = view_t(rc, password_quality_message(q));
	else if (strcmp(new_pw, confirm))
		nf.confirm_error = view_t(rc, N_("The two new passwords are not the same."));
	if (nf.new_error || nf.confirm_error)
		return new_page(rc, 422, a, &nf);

	g_autofree char *hash = password_hash(new_pw, &ps);
	if (!hash)
		return ps == PASSWORD_BUSY ? 503 : 500;

	util_now_iso(now);
	g_autofree char *when = datetime_in(a->lang, now);
	g_autofree char *login = absolute_url(rc, "/anmelden");
	g_autofree char *acct_key = g_strconcat("account:", a->email, NULL);
	values = json_pack("{s:s,s:s,s:s,s:s}", "name", a->display_name, "zeit", when, "link",
			   login, "region", region_name(rc));
	if (db_begin(rc->ctx.db, &err) != DB_OK) {
		json_decref(values);
		return region_web_status_for(err);
	}
	used = reset_store_use(&rc->ctx, reset_id, a->id, &err);
	if (used == 1 &&
	    (account_store_set_password(&rc->ctx, a->id, hash, &err) < 0 ||
	     session_store_delete_all(&rc->ctx, a->id, 0, &err) < 0 ||
	     throttle_store_clear(&rc->ctx, acct_key, &err) < 0 ||
	     message_send_mail(&rc->ctx, "account.password_changed", a->lang, values, a->email,
			       a->display_name, NULL, &err) < 0))
		used = -1;
	json_decref(values);
	if (used != 1 || db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		if (used == 0)
			return link_gone(rc);
		log_error("request %s: setting a new password through a link failed: %s",
			  rc->req->request_id, err ? err->message : "?");
		return region_web_status_for(err);
	}
	log_info("request %s: account %" G_GINT64_FORMAT " set a new password through a reset link; "
		 "all its sessions ended", rc->req->request_id, a->id);
	/* This browser's session (if it was this account's) has ended too. */
	{
		req_user *u = rc->user ? rc->user : rc->pending;
		if (u && u->id == a->id)
			auth_set_cookie(rc, AUTH_SESSION_COOKIE, "", 0);
	}
	if (rc->req->wants_json) {
		view_json(rc->resp, 200, json_pack("{s:b}", "changed", 1));
		return 0;
	}
	return view_redirect(rc, "/anmelden?passwort=neu");
}

/* ---- routes ---------------------------------------------------------- */

static const param_rule forgot_get_params[] = {
	{.name = "gesendet", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};
static const param_rule forgot_params[] = {
	{.name = "email", .kind = PARAM_STRING, .max_len = 1000},
	{0},
};
static const param_rule new_params[] = {
	{.name = "new", .kind = PARAM_STRING, .max_len = 1024},
	{.name = "confirm", .kind = PARAM_STRING, .max_len = 1024},
	{0},
};

const route account_reset_routes[] = {
	{HTTP_GET, "/passwort-vergessen", "account.password_forgot", NULL, "public",
	 forgot_get_params, forgot_get, ROUTE_REGION, 0},
	{HTTP_POST, "/passwort-vergessen", "account.password_forgot.submit", NULL, "public",
	 forgot_params, forgot_post, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/passwort-neu/{token}", "account.password_new", NULL, "public", NULL, new_get,
	 ROUTE_REGION, 0},
	{HTTP_POST, "/passwort-neu/{token}", "account.password_new.submit", NULL, "public",
	 new_params, new_post, ROUTE_REGION, 16 * 1024},
	{0},
};
