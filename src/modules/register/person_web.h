/*
 * person_web.h — the office's pages of the people of the register
 * (/register/personen…): the list with filters, search and pages, the
 * detail page with institutions, bodies and consents both ways, the edit
 * form, affiliations, consents and deletion.
 */
#pragma once
#include "http/http.h"

extern const route person_routes[];
