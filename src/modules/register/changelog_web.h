/*
 * changelog_web.h — the register's change log (Änderungsprotokoll) for the
 * office: a record's log (/register/personen/{id}/protokoll,
 * /register/institutionen/{id}/protokoll, /register/gremien/{id}/protokoll:
 * a person's page also shows the entries about the person — memberships,
 * affiliations, consents) and the region's log (/register/protokoll, with
 * filters by kind of record, action and days). Newest first, paged.
 */
#pragma once
#include "http/http.h"

extern const route changelog_routes[];
