/*
 * account_web.c — the login (password, then the second factor when it is
 * on), logout, and the account page: language, password, second factor,
 * sessions.
 *
 * What the login never tells: whether an account exists. An unknown e-mail,
 * a wrong password, a disabled account and a demo account outside its region
 * all get the same message, after the same work (a dummy hash for unknown
 * accounts). Failed attempts slow down per account and per address
 * (throttle_store), and each is logged with the account id (or "unknown") and
 * the address, never with the password.
 */
#include "modules/account/account_web.h"

#include <string.h>
#include <time.h>

#include "app.h"
#include "core/log.h"
#include "core/text.h"
#include "core/token.h"
#include "modules/account/account_store.h"
#include "modules/account/password.h"
#include "modules/account/perm.h"
#include "modules/account/totp.h"
#include "modules/region/region_web.h"
#include "view/i18n.h"
#include "view/view.h"

#define RECOVERY_CODES 10

void auth_set_cookie(req_ctx *rc, const char *name, const char *value, int max_age)
{
	g_autoptr(GString) c = g_string_new(NULL);
	g_string_append_printf(c, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, max_age == 0 ? "" : value);
	if (max_age >= 0)
		g_string_append_printf(c, "; Max-Age=%d", max_age);
	if (rc->app->cfg.secure_cookies)
		g_string_append(c, "; Secure");
	http_response_add_header(rc->resp, "Set-Cookie", c->str);
}

/* The page to return to after login: only a path of this site. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 500 ||
	    text_has_control_chars(next))
		return "/konto";
	return next;
}

/* "Please wait 8 seconds": translated text with a {seconds} placeholder
 * (translations never act as printf formats). */
static char *wait_message(const req_ctx *rc, int seconds)
{
	GString *s = g_string_new(view_t(rc, N_("Too many failed attempts. Please wait {seconds} seconds and try again.")));
	char num[16];
	g_snprintf(num, sizeof num, "%d", seconds);
	g_string_replace(s, "{seconds}", num, 0);
	return g_string_free(s, FALSE);
}

/* ---- login ---------------------------------------------------------- */

typedef struct login_form {
	const char *email, *next;
	const char *email_error, *password_error, *failed, *notice;
} login_form;

static int login_page(req_ctx *rc, int status, const login_form *f)
{
	g_autofree char *action = view_href(rc, "/anmelden");
	g_autofree char *forgot = view_href(rc, "/passwort-vergessen");
	const char *fields[] = {"email", "password"};
	const char *msgs[] = {f->email_error, f->password_error};
	json_t *errors = view_form_errors(fields, msgs, 2);
	json_t *model = json_pack(
		"{s:{s:s,s:s,s:s,s:b,s:o,s:s,s:s,s:s},s:s}", "form", "action", action, "next",
		f->next ? f->next : "/konto", "email", f->email ? f->email : "", "has_errors",
		json_array_size(errors) > 0, "errors", errors, "email_error",
		f->email_error ? f->email_error : "", "password_error",
		f->password_error ? f->password_error : "", "failed", f->failed ? f->failed : "",
		"notice", f->notice ? f->notice : "");
	json_object_set_new(model, "forgot_href", json_string(forgot));
	return view_page_full(rc, status, "pages/login", view_t(rc, N_("Log in")), model, NULL);
}

static int login_get(req_ctx *rc)
{
	const char *next = safe_next(http_params_get(rc->req->query, "next"));
	login_form f = {.next = next};

	if (rc->user)
		return view_redirect(rc, next);
	if (http_params_get(rc->req->query, "abgemeldet"))
		f.notice = view_t(rc, N_("You have been logged out."));
	else if (http_params_get(rc->req->query, "abgelaufen"))
		f.notice = view_t(rc, N_("Your session has expired. Please log in again."));
	else if (http_params_get(rc->req->query, "passwort"))
		f.notice = view_t(rc, N_("Your new password has been saved and you have been logged out everywhere. Please log in with the new password."));
	return login_page(rc, 200, &f);
}

/* Creates the session after a successful check and sets its cookie; a
 * session the client had before is ended (no session fixation). */
static int start_session(req_ctx *rc, int64_t account_id, bool pending)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *token = NULL;
	const char *ua = http_request_header(rc->req, "User-Agent");
	g_autofree char *ua_clean = ua ? text_strip_control_chars(ua) : NULL;
	g_autoptr(session) s = NULL;
	req_user *old = rc->user ? rc->user : rc->pending;

	if (old)
		session_store_delete(&rc->ctx, old->session_id, NULL);
	s = session_store_create(&rc->ctx, account_id, pending, rc->req->remote_addr,
				 ua_clean ? ua_clean : "", &token, &err);
	if (!s) {
		log_error("request %s: creating a session failed: %s", rc->req->request_id,
			  err->message);
		return region_web_status_for(err);
	}
	auth_set_cookie(rc, AUTH_SESSION_COOKIE, token, -1);
	return 0;
}

static int login_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *email = text_collapse_ws(view_form_field(rc, "email"));
	const char *password = view_form_field(rc, "password");
	const char *next = safe_next(view_form_field(rc, "next"));
	g_autofree char *lower = email ? g_utf8_strdown(email, -1) : g_strdup("");
	g_autofree char *acct_key = g_strconcat("account:", lower, NULL);
	g_autofree char *addr_key = g_strconcat("addr:", rc->req->remote_addr, NULL);
	login_form f = {.email = email ? email : "", .next = next};
	g_autoptr(account) a = NULL;
	password_status ps;
	int wait, st;

	if (!*f.email)
		f.email_error = view_t(rc, N_("Please enter your e-mail address."));
	if (!*password)
		f.password_error = view_t(rc, N_("Please enter your password."));
	if (f.email_error || f.password_error)
		return login_page(rc, 422, &f);

	wait = throttle_store_wait(&rc->ctx, acct_key, &err);
	if (wait >= 0)
		wait = MAX(wait, throttle_store_wait(&rc->ctx, addr_key, &err));
	if (wait < 0)
		return region_web_status_for(err);
	if (wait > 0) {
		log_warn("request %s: login refused while throttled (%d s) from %s",
			 rc->req->request_id, wait, rc->req->remote_addr);
		g_autofree char *msg = wait_message(rc, wait);
		f.failed = msg;
		char secs[16];
		g_snprintf(secs, sizeof secs, "%d", wait);
		http_response_set_header(rc->resp, "Retry-After", secs);
		return login_page(rc, 429, &f);
	}

	a = account_store_get_by_email(&rc->ctx, lower, &err);
	if (err)
		return region_web_status_for(err);
	if (!a) {
		password_verify_dummy(password);
		ps = PASSWORD_MISMATCH;
	} else {
		ps = password_verify(a->password_hash, password);
		if (ps == PASSWORD_OK &&
		    (strcmp(a->status, "active") ||
		     (a->demo_region_id && a->demo_region_id != rc->ctx.region_id)))
			ps = PASSWORD_MISMATCH;
	}
	if (ps == PASSWORD_BUSY)
		return 503;
	if (ps == PASSWORD_ERROR)
		return 500;
	if (ps == PASSWORD_MISMATCH) {
		throttle_store_fail(&rc->ctx, acct_key, THROTTLE_ACCOUNT_MAX_WAIT, NULL);
		throttle_store_fail(&rc->ctx, addr_key, THROTTLE_ADDR_MAX_WAIT, NULL);
		if (a)
			log_warn("request %s: login failed for account %" G_GINT64_FORMAT " from %s",
				 rc->req->request_id, a->id, rc->req->remote_addr);
		else
			log_warn("request %s: login failed for an unknown account from %s",
				 rc->req->request_id, rc->req->remote_addr);
		f.failed = view_t(rc, N_("Login failed. Please check your e-mail address and password."));
		return login_page(rc, 401, &f);
	}

	throttle_store_clear(&rc->ctx, acct_key, NULL);
	throttle_store_clear(&rc->ctx, addr_key, NULL);
	st = start_session(rc, a->id, a->totp_enabled);
	if (st)
		return st;
	if (a->totp_enabled) {
		g_autofree char *esc = g_uri_escape_string(next, "/", FALSE);
		g_autofree char *to = g_strconcat("/anmelden/zweiter-faktor?next=", esc, NULL);
		return view_redirect(rc, to);
	}
	account_store_touch_login(&rc->ctx, a->id, NULL);
	log_info("request %s: account %" G_GINT64_FORMAT " logged in", rc->req->request_id, a->id);
	return view_redirect(rc, next);
}

/* ---- second step ---------------------------------------------------- */

static int totp_login_page(req_ctx *rc, int status, const char *code_error)
{
	g_autofree char *action = NULL;
	g_autofree char *cancel = view_href(rc, "/anmelden/abbrechen");
	const char *next = safe_next(http_params_get(rc->req->query, "next"));
	g_autofree char *esc = g_uri_escape_string(next, "/", FALSE);
	g_autofree char *path = g_strconcat("/anmelden/zweiter-faktor?next=", esc, NULL);
	const char *fields[] = {"code"};
	const char *msgs[] = {code_error};
	json_t *errors = view_form_errors(fields, msgs, 1);

	action = view_href(rc, path);
	return view_page_full(rc, status, "pages/login_totp", view_t(rc, N_("Second factor")),
			      json_pack("{s:{s:s,s:b,s:o,s:s},s:s}", "form", "action", action,
					"has_errors", json_array_size(errors) > 0, "errors", errors,
					"code_error", code_error ? code_error : "", "cancel_action",
					cancel),
			      NULL);
}

static int totp_login_get(req_ctx *rc)
{
	return totp_login_page(rc, 200, NULL);
}

/* Six digits (spaces allowed) are a TOTP code; anything else may be a
 * recovery code, which can start with a digit too. */
static bool looks_like_totp(const char *code)
{
	int digits = 0;
	for (const char *p = code; *p; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (*p != ' ')
			return false;
	}
	return digits == 6;
}

static int totp_login_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *acct_key = NULL;
	g_autofree char *code = text_collapse_ws(view_form_field(rc, "code"));
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->pending->id, &err);
	bool ok = false;
	int wait;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	acct_key = g_strconcat("account:", a->email, NULL);
	wait = throttle_store_wait(&rc->ctx, acct_key, &err);
	if (wait < 0)
		return region_web_status_for(err);
	if (wait > 0) {
		g_autofree char *msg = wait_message(rc, wait);
		return totp_login_page(rc, 429, msg);
	}
	if (code && *code && a->totp_secret) {
		if (looks_like_totp(code)) {
			int64_t step = totp_verify(a->totp_secret, code, (int64_t)time(NULL),
						   a->totp_last_step);
			if (step >= 0 && account_store_totp_used_step(&rc->ctx, a->id, step, &err) == 0)
				ok = true;
		} else {
			g_autofree char *canon = totp_recovery_normalise(code);
			if (canon && account_store_recovery_use(&rc->ctx, a->id, canon, &err) == 1) {
				ok = true;
				log_info("request %s: account %" G_GINT64_FORMAT " used a recovery code",
					 rc->req->request_id, a->id);
			}
		}
	}
	if (err)
		return region_web_status_for(err);
	if (!ok) {
		throttle_store_fail(&rc->ctx, acct_key, THROTTLE_ACCOUNT_MAX_WAIT, NULL);
		log_warn("request %s: second factor failed for account %" G_GINT64_FORMAT " from %s",
			 rc->req->request_id, a->id, rc->req->remote_addr);
		return totp_login_page(rc, 401,
				       view_t(rc, N_("The code is not valid. Please enter the current code from your app or an unused recovery code.")));
	}
	throttle_store_clear(&rc->ctx, acct_key, NULL);
	/* A fresh session id once the login is complete. */
	int st = start_session(rc, a->id, false);
	if (st)
		return st;
	account_store_touch_login(&rc->ctx, a->id, NULL);
	log_info("request %s: account %" G_GINT64_FORMAT " logged in with a second factor",
		 rc->req->request_id, a->id);
	return view_redirect(rc, safe_next(http_params_get(rc->req->query, "next")));
}

static int end_session(req_ctx *rc)
{
	req_user *u = rc->user ? rc->user : rc->pending;
	if (u) {
		session_store_delete(&rc->ctx, u->session_id, NULL);
		log_info("request %s: account %" G_GINT64_FORMAT " logged out", rc->req->request_id,
			 u->id);
	}
	auth_set_cookie(rc, AUTH_SESSION_COOKIE, "", 0);
	return view_redirect(rc, "/anmelden?abgemeldet=1");
}

static int totp_cancel(req_ctx *rc)
{
	return end_session(rc);
}

static int logout(req_ctx *rc)
{
	return end_session(rc);
}

/* ---- the account page ----------------------------------------------- */

typedef struct password_form {
	const char *current_error, *new_error, *confirm_error;
} password_form;

const char *account_role_label(const req_ctx *rc, unsigned role)
{
	switch (role) {
	case ROLE_ADMIN: return view_t(rc, N_("Administration"));
	case ROLE_OFFICE: return view_t(rc, N_("Office"));
	case ROLE_APPLICANT: return view_t(rc, N_("Applicant"));
	}
	return "";
}

static int profile_page(req_ctx *rc, int status, const char *notice, const password_form *pf)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->user->id, &err);
	json_t *sessions, *roles = json_array(), *options = json_array();
	const char *region_name = json_string_value(json_object_get(rc->region, "name"));
	password_form none = {0};
	size_t i;
	json_t *s;
	int left;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	if (!pf)
		pf = &none;
	sessions = session_store_list(&rc->ctx, a->id, &err);
	if (!sessions)
		return region_web_status_for(err);
	left = a->totp_enabled ? account_store_recovery_left(&rc->ctx, a->id, &err) : 0;
	if (left < 0)
		return region_web_status_for(err);
	json_array_foreach(sessions, i, s) {
		g_autofree char *created = view_datetime(rc, json_string_value(json_object_get(s, "created_at")));
		g_autofree char *seen = view_datetime(rc, json_string_value(json_object_get(s, "last_seen_at")));
		json_int_t id = json_integer_value(json_object_get(s, "id"));
		json_object_set_new(s, "created", json_string(created));
		json_object_set_new(s, "last_seen", json_string(seen));
		json_object_set_new(s, "current", json_boolean(id == rc->user->session_id));
	}
	for (unsigned r = ROLE_ADMIN; r <= ROLE_APPLICANT; r <<= 1)
		if (rc->user->roles & r)
			json_array_append_new(roles, json_pack("{s:s,s:s}", "region_name",
							       region_name ? region_name : "",
							       "role_label", account_role_label(rc, r)));
	const char *langs[][2] = {{"de", "Deutsch"}, {"en", "English"}};
	for (size_t k = 0; k < G_N_ELEMENTS(langs); k++)
		json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value", langs[k][0], "label",
							 langs[k][1], "selected",
							 !strcmp(a->lang, langs[k][0])));

	const char *fields[] = {"current", "new", "confirm"};
	const char *msgs[] = {pf->current_error, pf->new_error, pf->confirm_error};
	json_t *errors = view_form_errors(fields, msgs, 3);
	g_autofree char *lang_action = view_href(rc, "/konto/sprache");
	g_autofree char *pw_action = view_href(rc, "/konto/passwort");
	g_autofree char *totp_href = view_href(rc, "/konto/zwei-faktor");
	g_autofree char *sessions_action = view_href(rc, "/konto/sitzungen");
	json_t *model = json_pack(
		"{s:{s:s,s:s,s:b,s:i,s:b,s:o},s:s,s:{s:s,s:o},s:{s:s,s:b,s:o,s:s,s:s,s:s},s:s,s:o,s:s}",
		"account", "email", a->email, "display_name", a->display_name, "totp_enabled",
		a->totp_enabled, "recovery_left", left, "has_roles", json_array_size(roles) > 0,
		"roles", roles, "notice", notice ? notice : "", "lang_form", "action", lang_action,
		"options", options, "password_form", "action", pw_action, "has_errors",
		json_array_size(errors) > 0, "errors", errors, "current_error",
		pf->current_error ? pf->current_error : "", "new_error",
		pf->new_error ? pf->new_error : "", "confirm_error",
		pf->confirm_error ? pf->confirm_error : "", "totp_href", totp_href, "sessions",
		sessions, "sessions_action", sessions_action);
	return view_page_full(rc, status, "pages/profile", view_t(rc, N_("Your account")), model,
			      NULL);
}

static const char *profile_notice(const req_ctx *rc)
{
	const char *n = http_params_get(rc->req->query, "gespeichert");
	if (!n)
		return NULL;
	if (!strcmp(n, "sprache"))
		return view_t(rc, N_("Your language has been saved."));
	if (!strcmp(n, "passwort"))
		return view_t(rc, N_("Your password has been changed. Other devices have been logged out."));
	if (!strcmp(n, "sitzungen"))
		return view_t(rc, N_("All other devices have been logged out."));
	if (!strcmp(n, "zwei-faktor-aus"))
		return view_t(rc, N_("The second factor has been turned off."));
	return NULL;
}

static int profile(req_ctx *rc)
{
	return profile_page(rc, 200, profile_notice(rc), NULL);
}

static int set_language(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *lang = i18n_lang_supported(view_form_field(rc, "lang"));
	if (!lang) {
		rc->error_field = "lang";
		return 400;
	}
	if (account_store_set_lang(&rc->ctx, rc->user->id, lang, &err) < 0)
		return region_web_status_for(err);
	auth_set_cookie(rc, "lang", lang, 31536000);
	return view_redirect(rc, "/konto?gespeichert=sprache");
}

static int change_password(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->user->id, &err);
	const char *current = view_form_field(rc, "current"), *new_pw = view_form_field(rc, "new"),
		   *confirm = view_form_field(rc, "confirm");
	password_form pf = {0};
	password_status ps;
	pw_quality q;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	ps = password_verify(a->password_hash, current);
	if (ps == PASSWORD_BUSY)
		return 503;
	if (ps == PASSWORD_ERROR)
		return 500;
	if (ps == PASSWORD_MISMATCH)
		pf.current_error = view_t(rc, N_("The current password is not correct."));
	q = password_check_quality(new_pw, a->email);
	if (q != PW_QUALITY_OK)
		pf.new_error = view_t(rc, password_quality_message(q));
	else if (strcmp(new_pw, confirm))
		pf.confirm_error = view_t(rc, N_("The two new passwords are not the same."));
	if (pf.current_error || pf.new_error || pf.confirm_error)
		return profile_page(rc, 422, NULL, &pf);

	g_autofree char *hash = password_hash(new_pw, &ps);
	if (!hash)
		return ps == PASSWORD_BUSY ? 503 : 500;
	if (account_store_set_password(&rc->ctx, a->id, hash, &err) < 0 ||
	    session_store_delete_all(&rc->ctx, a->id, rc->user->session_id, &err) < 0)
		return region_web_status_for(err);
	log_info("request %s: account %" G_GINT64_FORMAT " changed its password", rc->req->request_id,
		 a->id);
	return view_redirect(rc, "/konto?gespeichert=passwort");
}

static int end_other_sessions(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	if (session_store_delete_all(&rc->ctx, rc->user->id, rc->user->session_id, &err) < 0)
		return region_web_status_for(err);
	return view_redirect(rc, "/konto?gespeichert=sitzungen");
}

/* ---- setting up the second factor ------------------------------------ */

static char *group4(const char *s)
{
	GString *g = g_string_new(NULL);
	for (size_t i = 0; s[i]; i++) {
		if (i && i % 4 == 0)
			g_string_append_c(g, ' ');
		g_string_append_c(g, s[i]);
	}
	return g_string_free(g, FALSE);
}

static int totp_page(req_ctx *rc, int status, const char *code_error, const char *password_error)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->user->id, &err);
	g_autofree char *secret = NULL, *uri = NULL, *svg = NULL, *grouped = NULL;
	g_autofree char *action = view_href(rc, "/konto/zwei-faktor");
	g_autofree char *off = view_href(rc, "/konto/zwei-faktor/aus");
	g_autofree char *profile_href = view_href(rc, "/konto");
	const char *issuer = json_string_value(json_object_get(rc->region, "name"));
	int left = 0;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	if (!a->totp_enabled) {
		/* A pending secret stays the same across reloads until confirmed. */
		if (a->totp_secret) {
			secret = g_strdup(a->totp_secret);
		} else {
			secret = totp_secret_new();
			if (account_store_totp_set_secret(&rc->ctx, a->id, secret, &err) < 0)
				return region_web_status_for(err);
		}
		uri = totp_uri(issuer ? issuer : "bireg", a->email, secret);
		svg = totp_qr_svg(uri, view_t(rc, N_("QR code for your authenticator app")));
		grouped = group4(secret);
		if (!svg)
			return 500;
	} else {
		left = account_store_recovery_left(&rc->ctx, a->id, &err);
		if (left < 0)
			return region_web_status_for(err);
	}
	const char *f1[] = {"code"}, *m1[] = {code_error};
	const char *f2[] = {"password"}, *m2[] = {password_error};
	json_t *e1 = view_form_errors(f1, m1, 1), *e2 = view_form_errors(f2, m2, 1);
	json_t *model = json_pack(
		"{s:b,s:b,s:s,s:s,s:{s:s,s:b,s:o,s:s},s:i,s:{s:s,s:b,s:o,s:s},s:s}", "enabled",
		a->totp_enabled, "required",
		perm_region_requires_totp(rc) && (rc->user->roles & (ROLE_OFFICE | ROLE_ADMIN)),
		"qr_svg", svg ? svg : "", "secret_grouped", grouped ? grouped : "", "form", "action",
		action, "has_errors", json_array_size(e1) > 0, "errors", e1, "code_error",
		code_error ? code_error : "", "recovery_left", left, "disable_form", "action", off,
		"has_errors", json_array_size(e2) > 0, "errors", e2, "password_error",
		password_error ? password_error : "", "profile_href", profile_href);
	return view_page_full(rc, status, "pages/totp_setup", view_t(rc, N_("Second factor")), model,
			      NULL);
}

static int totp_setup_get(req_ctx *rc)
{
	return totp_page(rc, 200, NULL, NULL);
}

static int totp_setup_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->user->id, &err);
	g_auto(GStrv) codes = NULL;
	g_autofree char *profile_href = view_href(rc, "/konto");
	int64_t step;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	if (a->totp_enabled || !a->totp_secret)
		return view_redirect(rc, "/konto/zwei-faktor");
	step = totp_verify(a->totp_secret, view_form_field(rc, "code"), (int64_t)time(NULL), a->totp_last_step);
	if (step < 0)
		return totp_page(rc, 422, view_t(rc, N_("The code is not valid. Please check the time on your phone and enter the current code.")), NULL);
	codes = totp_recovery_codes(RECOVERY_CODES);
	if (account_store_totp_enable(&rc->ctx, a->id, step, codes, &err) < 0)
		return region_web_status_for(err);
	log_info("request %s: account %" G_GINT64_FORMAT " turned on the second factor",
		 rc->req->request_id, a->id);
	json_t *list = json_array();
	for (char **c = codes; *c; c++)
		json_array_append_new(list, json_string(*c));
	/* Shown once, never stored in clear: not cached anywhere. */
	return view_page(rc, "pages/totp_recovery", view_t(rc, N_("Recovery codes")),
			 json_pack("{s:o,s:s}", "codes", list, "profile_href", profile_href));
}

static int totp_disable(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = account_store_get(&rc->ctx, rc->user->id, &err);
	password_status ps;

	if (!a)
		return err ? region_web_status_for(err) : 403;
	if (perm_region_requires_totp(rc) && (rc->user->roles & (ROLE_OFFICE | ROLE_ADMIN))) {
		rc->error_message = N_("This region requires a second factor for office staff; it cannot be turned off.");
		return 403;
	}
	ps = password_verify(a->password_hash, view_form_field(rc, "password"));
	if (ps == PASSWORD_BUSY)
		return 503;
	if (ps != PASSWORD_OK)
		return totp_page(rc, 422, NULL, view_t(rc, N_("The password is not correct.")));
	if (account_store_totp_disable(&rc->ctx, a->id, &err) < 0)
		return region_web_status_for(err);
	log_info("request %s: account %" G_GINT64_FORMAT " turned off the second factor",
		 rc->req->request_id, a->id);
	return view_redirect(rc, "/konto?gespeichert=zwei-faktor-aus");
}

static const param_rule login_params[] = {
	{.name = "email", .kind = PARAM_STRING, .max_len = 320},
	{.name = "password", .kind = PARAM_STRING, .max_len = 1024},
	{.name = "next", .kind = PARAM_STRING, .max_len = 500},
	{0},
};
static const param_rule next_params[] = {
	{.name = "next", .kind = PARAM_STRING, .max_len = 500},
	{.name = "abgemeldet", .kind = PARAM_ENUM, .choices = "1"},
	{.name = "abgelaufen", .kind = PARAM_ENUM, .choices = "1"},
	{.name = "passwort", .kind = PARAM_ENUM, .choices = "neu"},
	{0},
};
static const param_rule code_params[] = {
	{.name = "code", .kind = PARAM_STRING, .max_len = 64},
	{0},
};
static const param_rule profile_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM,
	 .choices = "sprache|passwort|sitzungen|zwei-faktor-aus"},
	{0},
};
static const param_rule lang_params[] = {
	{.name = "lang", .kind = PARAM_ENUM, .choices = "de|en", .required = true},
	{0},
};
static const param_rule password_params[] = {
	{.name = "current", .kind = PARAM_STRING, .max_len = 1024},
	{.name = "new", .kind = PARAM_STRING, .max_len = 1024},
	{.name = "confirm", .kind = PARAM_STRING, .max_len = 1024},
	{0},
};

static const param_rule disable_params[] = {
	{.name = "password", .kind = PARAM_STRING, .max_len = 1024},
	{0},
};

const route account_routes[] = {
	{HTTP_GET, "/anmelden", "account.login", NULL, "public", next_params, login_get,
	 ROUTE_REGION, 0},
	{HTTP_POST, "/anmelden", "account.login.submit", NULL, "public", login_params, login_post,
	 ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/anmelden/zweiter-faktor", "account.login.totp", perm_pending, "pending",
	 next_params, totp_login_get, ROUTE_REGION, 0},
	{HTTP_POST, "/anmelden/zweiter-faktor", "account.login.totp.submit", perm_pending,
	 "pending", code_params, totp_login_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/anmelden/abbrechen", "account.login.cancel", perm_pending, "pending", NULL,
	 totp_cancel, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/abmelden", "account.logout", perm_user, "user", NULL, logout, ROUTE_REGION,
	 16 * 1024},
	{HTTP_GET, "/konto", "account.profile", perm_user, "user", profile_params, profile,
	 ROUTE_REGION, 0},
	{HTTP_POST, "/konto/sprache", "account.language", perm_user, "user", lang_params,
	 set_language, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/konto/passwort", "account.password", perm_user, "user", password_params,
	 change_password, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/konto/sitzungen", "account.sessions.end", perm_user, "user", NULL,
	 end_other_sessions, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/konto/zwei-faktor", "account.totp", perm_user, "user", NULL, totp_setup_get,
	 ROUTE_REGION, 0},
	{HTTP_POST, "/konto/zwei-faktor", "account.totp.enable", perm_user, "user", code_params,
	 totp_setup_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/konto/zwei-faktor/aus", "account.totp.disable", perm_user, "user",
	 disable_params, totp_disable, ROUTE_REGION, 16 * 1024},
	{0},
};
