/*
 * register_perm.h — permissions that follow from the register: who a
 * logged-in account is in the region (its person), and who may see a
 * body's page with its member list.
 *
 * The office and the admins of a region see every body. Everyone sees a
 * public body's page (with only the names of members who consented to
 * publication). A person who holds a current membership of a body sees its
 * page with the full member list, also when the body is not public.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

/* The person of rc->user in the request's region (account_person), 0 for
 * an anonymous request, an account without a person there, or an error
 * (logged). */
int64_t register_user_person(req_ctx *rc);

/* True for the office and admins of the region (with their second factor
 * where the region requires one for office staff). */
bool register_is_office(const req_ctx *rc);

/* Route hook for /gremien/{id}: the office and admins always; anyone for a
 * public body; else the user's person must hold a current membership of
 * the body. An anonymous GET is sent to the login page; an id the region
 * does not have passes, so the handler answers 404. */
bool perm_body_view(req_ctx *rc);
