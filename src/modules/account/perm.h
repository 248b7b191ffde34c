/*
 * perm.h — the permission hooks route tables name. Handlers never check
 * roles themselves; the router calls the route's hook before the handler.
 *
 * A hook answers for the request's region: roles are granted per region, so
 * the office of one region is a stranger in another. A hook that wants the
 * client elsewhere (the login page, the second-factor setup) sets
 * rc->redirect and returns false.
 */
#pragma once
#include "http/http.h"

/* Any logged-in account (second factor done). Anonymous GETs are sent to
 * the login page. */
bool perm_user(req_ctx *rc);
/* A session whose password was checked and whose second factor is due. */
bool perm_pending(req_ctx *rc);
/* The office (Geschäftsstelle) or an admin of the request's region. When
 * the region requires a second factor for office staff and the account has
 * none, the client is sent to set it up. */
bool perm_office(req_ctx *rc);
/* An admin of the request's region. */
bool perm_admin(req_ctx *rc);

/* Does the request's region require a second factor for office staff? */
bool perm_region_requires_totp(const req_ctx *rc);
