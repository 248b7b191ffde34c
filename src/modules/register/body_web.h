/*
 * body_web.h — the office's pages of bodies and memberships
 * (/register/gremien…, /register/mitgliedschaften/…), and the pieces of a
 * body page the public pages (public_body_web.c) share with them: the
 * rules of procedure in plain sentences and the members grouped by role.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"

extern const route body_routes[];

/* The rules of procedure of a body record (body_store_get) as
 * [{key, label, text}] in the request's language. */
json_t *body_rules_model(const req_ctx *rc, json_t *body);

/* Calendar days "YYYY-MM-DD" from .. until as "seit 01.08.2024",
 * "bis 31.07.2026", "01.08.2024 bis 31.07.2026", or "". Newly allocated. */
char *body_period_label(const req_ctx *rc, const char *from, const char *until);

/*
 * The current memberships (membership_store_for_body, current only)
 * grouped by role in display order: [{role, heading, members: [m…]}],
 * each member with its personal substitutes nested (m.substitutes); a
 * substitute whose member is not current forms the group "substitute".
 * Each m: id, person_id, person_name, role, role_label, institution_name,
 * partner_side, partner_label, voting, period_label, note,
 * substitute_for_name, has_substitutes, substitutes, and — when office is
 * set — person_href, edit_href, end_href, delete_href ("" otherwise).
 */
json_t *body_member_groups(const req_ctx *rc, json_t *memberships, bool office);

/* Adds the display labels of a body record (body_store_get): type_label,
 * period_label, chair_label, decision_label, quorum_label, written_label,
 * access_label, public_label. */
void body_add_labels(const req_ctx *rc, json_t *body);

/* The labels of a body's and a membership's codes in the request's
 * language, as the body form offers them ("" for an unknown code):
 * chair_mode, decision_mode, quorum_rule, written_procedure,
 * nonpublic_access and a membership's partner_side ("land", "kommune"). */
const char *body_chair_mode_label(const req_ctx *rc, const char *v);
const char *body_decision_mode_label(const req_ctx *rc, const char *v);
const char *body_quorum_rule_label(const req_ctx *rc, const char *v);
const char *body_written_procedure_label(const req_ctx *rc, const char *v);
const char *body_nonpublic_access_label(const req_ctx *rc, const char *v);
const char *membership_partner_side_label(const req_ctx *rc, const char *v);
