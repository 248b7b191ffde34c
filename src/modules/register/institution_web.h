/*
 * institution_web.h — the office's pages of institutions and their kinds:
 * /register/institutionen (list with filters art, gebiet, schlagwort, the
 * search q, sortierung name|plz|art|relevanz and pages by seite), the
 * detail page with the institution's people and the bodies it is
 * represented in, the form for new and changed institutions, deletion; and
 * /register/institutionsarten (list, add, rename, delete).
 */
#pragma once
#include "http/http.h"

extern const route institution_routes[];

/* The name of a kind of institution as shown: a built-in kind that is not
 * renamed in the request's language ("School" / "Schule"), any other as
 * the office named it. Borrowed from the catalogue or from name. */
const char *institution_type_label(const req_ctx *rc, const char *key, const char *name);
