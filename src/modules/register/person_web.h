/*
 * person_web.h — the office's pages of the people of the register
 * (/register/personen…): the list with filters, search and pages, the
 * detail page with institutions, bodies and consents both ways, the edit
 * form, affiliations, consents and deletion.
 */
#pragma once
#include "http/http.h"

extern const route person_routes[];

/* The labels of a person's codes in the request's language, for every page
 * and export that shows them (borrowed): form of address ("frau", "herr",
 * other: none), preferred channel ("post", other: e-mail), legal basis
 * ("consent", "contract", "legitimate_interest", other: public task),
 * consent kind ("photos", "newsletter", other: publication of the name) and
 * consent answer ("given", "withdrawn", other: not recorded). */
const char *person_address_form_label(const req_ctx *rc, const char *v);
const char *person_channel_label(const req_ctx *rc, const char *v);
const char *person_legal_basis_label(const req_ctx *rc, const char *v);
const char *person_consent_kind_label(const req_ctx *rc, const char *kind);
const char *person_consent_state_label(const req_ctx *rc, const char *state);
