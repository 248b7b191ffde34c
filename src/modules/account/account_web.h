/*
 * account_web.h — logging in and out, the second factor, the account page;
 * and the office's and admin's pages (admin_web.c). Also the cookies of the
 * session and of the anonymous CSRF token.
 */
#pragma once
#include "http/http.h"

#define AUTH_SESSION_COOKIE "bireg_session"
#define AUTH_CSRF_COOKIE "bireg_csrf"

extern const route account_routes[];
extern const route admin_routes[];

/* The translated name of a role bit ("Geschäftsstelle"), "" for others. */
const char *account_role_label(const req_ctx *rc, unsigned role);

/* Sets a cookie (HttpOnly, SameSite=Lax, Path=/, Secure when the
 * installation runs behind TLS). max_age < 0: a browser-session cookie;
 * 0: delete it. */
void auth_set_cookie(req_ctx *rc, const char *name, const char *value, int max_age);
