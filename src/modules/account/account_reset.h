/*
 * account_reset.h — "Passwort vergessen?": a new password through a link
 * sent by e-mail (routes /passwort-vergessen and /passwort-neu/{token}).
 */
#pragma once
#include "http/http.h"

/* How long a link works. */
#define PASSWORD_RESET_SECONDS 3600

extern const route account_reset_routes[];
