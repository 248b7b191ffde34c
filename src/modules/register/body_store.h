/*
 * body_store.h — the bodies (Gremien) of a region with their rules of
 * procedure (Geschäftsordnung), and the memberships of people in them.
 *
 * A body sits on a level of the region (region_level), may belong to an
 * area, and may report to another body (parent_id; never in a cycle). Its
 * rules of procedure are plain columns (see migrations/…/0009_register.sql):
 * chair mode, decision mode, quorum rule and share, Ladungsfrist and the
 * shortened period for urgent meetings, Unterlagenfrist, Einwendungsfrist,
 * written procedure (Umlaufverfahren), public or not, and who may see the
 * non-public papers.
 *
 * A membership puts a person into a body with a role, the institution
 * and/or partner side (Land, Kommune) represented, a voting right and a
 * period. Ending one sets its end_day; the row stays, so the composition's
 * history is kept. A membership is current on a day when start_day is NULL
 * or <= the day and end_day is NULL or >= the day.
 *
 * Every function takes the context first and works in ctx->region_id (each
 * statement filters by it), joins the caller's transaction
 * (db_join_begin/db_join_end) and keeps the search index (kind "body") in
 * step in the same transaction. Rules are refused with
 * REGISTER_ERROR_INVALID naming the form field (register.h) and nothing is
 * written; a missing row is REGISTER_ERROR_NOT_FOUND; a row still in use is
 * REGISTER_ERROR_IN_USE. Functions return -1 / NULL / false with err set on
 * failure.
 *
 * Ownership: returned json_t * belong to the caller (json_decref); input
 * structs and their strings are borrowed.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "http/http.h"

#define SEARCH_KIND_BODY "body"

/* ---- bodies ---------------------------------------------------------- */

/* Columns of body. Strings NULL or "" = empty (enumerations then take
 * their default); ids 0 = none. quorum_share_pct <= 0 means "not given":
 * refused when quorum_rule is "share", stored as 50 otherwise. The day
 * counts must be 0–365; body_input_defaults() fills the usual values. */
typedef struct body_input {
	const char *name;
	const char *short_name;
	const char *type;              /* conference, steering, forum, district_forum, board, working_group, other */
	int64_t level_id;              /* region_level of the region */
	int64_t area_id;               /* area of the region */
	int64_t parent_id;             /* the body it reports to */
	const char *description;
	const char *goals;
	const char *active_from;       /* "YYYY-MM-DD" or NULL */
	const char *active_until;
	const char *chair_mode;        /* single, co_chairs */
	const char *decision_mode;     /* consensus, majority, unanimity, recommendation */
	const char *quorum_rule;       /* none, share, both_partners */
	int64_t quorum_share_pct;      /* 1–100 */
	int64_t invitation_days;       /* Ladungsfrist */
	int64_t invitation_days_urgent; /* shortened, <= invitation_days */
	int64_t papers_days;           /* Unterlagenfrist */
	int64_t objection_days;        /* Einwendungsfrist; 0 = approval in the next meeting */
	const char *written_procedure; /* none, majority, all_consent */
	bool public;
	const char *nonpublic_access;  /* members, voting, office */
} body_input;

/* Zeroes in and sets the schema's defaults: type other, single chair,
 * majority, quorum share 50 %, Ladungsfrist 14 days (urgent 3), papers 7,
 * objections 14, no written procedure, not public, papers for members. */
void body_input_defaults(body_input *in);

/* Creates a body; returns its id. Checks: name 1–200 characters, short
 * name <= 60, enumerations, quorum share 1–100 when the rule is "share",
 * day counts 0–365 and the urgent period <= the normal one, active_until >=
 * active_from, level, area and parent of the region, no cycle. */
int64_t body_store_create(const bireg_ctx *ctx, const body_input *in, GError **err);
/* Replaces every column of body id (same checks; a parent that is the body
 * itself or one of the bodies below it is refused; a single chair is
 * refused while the body has two current chairs). */
int body_store_update(const bireg_ctx *ctx, int64_t id, const body_input *in, GError **err);
/* Deletes a body that has no memberships (also no former ones: that
 * history belongs to the record) — else REGISTER_ERROR_IN_USE. Bodies that
 * reported to it then report to none. */
int body_store_delete(const bireg_ctx *ctx, int64_t id, GError **err);

/* The body with every column, and: level_name, level_position (0 when
 * none), area_name, parent_name ("" when none), children [{id, name,
 * short_name, type, public}] (the bodies reporting to it, by sort_name),
 * current_members (count of current memberships today), is_active (today
 * within the active period). NULL with REGISTER_ERROR_NOT_FOUND when the
 * region has no such body. */
json_t *body_store_get(const bireg_ctx *ctx, int64_t id, GError **err);

typedef struct body_filter {
	int64_t level_id;  /* 0: all; -1: bodies without a level */
	const char *type;  /* NULL or "": all */
	int64_t area_id;   /* 0: all */
	bool current_only; /* only bodies active today */
	bool public_only;
	int64_t limit;     /* 0: all */
	int64_t offset;
} body_filter;

/* {total, rows}: rows ordered by sort_name, id, each with the columns of
 * body (without description and goals) plus level_name, level_position,
 * area_name, parent_name, current_members, is_active. */
json_t *body_store_list(const bireg_ctx *ctx, const body_filter *f, GError **err);

/* Puts the search entry of body id (title: name; text: short name, type,
 * level, area, description). */
int body_store_index(const bireg_ctx *ctx, int64_t id, GError **err);
/* Rebuilds the entries of every body of the region; returns the count. */
int body_store_reindex_all(const bireg_ctx *ctx, GError **err);

/* What the body form offers: {levels: [{id, name, position}], areas:
 * [{id, name, kind, hierarchy, parent_id, parent_name}] (each hierarchy
 * with a parent before its children), bodies: [{id, name}] (by sort_name)}. */
json_t *body_store_choices(const bireg_ctx *ctx, GError **err);

/* The type's label in the request's language ("Lenkungskreis"); "" for an
 * unknown type. Static or owned by the catalogue. */
const char *body_type_label(const req_ctx *rc, const char *type);
/* The type's German label, as indexed for search. */
const char *body_type_label_de(const char *type);
/* The keys of the types in form order, NULL-terminated. */
extern const char *const body_types[];

/* ---- memberships ----------------------------------------------------- */

typedef struct membership_input {
	int64_t body_id;           /* ignored by update: a membership stays in its body */
	int64_t person_id;
	const char *role;          /* chair, vice_chair, member, substitute, advisory, guest, management, coordination */
	int64_t substitute_for_id; /* the membership a substitute stands in for; only with role substitute */
	int64_t institution_id;    /* represented institution, 0: none */
	const char *partner_side;  /* "", land, kommune */
	bool voting;
	const char *start_day;     /* "YYYY-MM-DD" or NULL */
	const char *end_day;
	const char *note;
} membership_input;

/* Creates a membership; returns its id. Checks: body, person and
 * institution of the region; end_day >= start_day; a substitute stands in
 * for a current membership of the same body that is not itself a
 * substitute and not the person's own; the person has no other membership
 * of the body in an overlapping period; a single-chair body has at most one
 * chair and a co-chair body at most two at any time. */
int64_t membership_store_create(const bireg_ctx *ctx, const membership_input *in, GError **err);
/* Replaces the columns of membership id (not its body), same checks. */
int membership_store_update(const bireg_ctx *ctx, int64_t id, const membership_input *in,
			    GError **err);
/* Ends membership id on day ("YYYY-MM-DD"; NULL: today). Refused when day
 * is before its start. The membership counts up to and including day. */
int membership_store_end(const bireg_ctx *ctx, int64_t id, const char *day, GError **err);
/* Deletes an erroneous membership; refused (IN_USE) while substitutes
 * stand in for it. */
int membership_store_delete(const bireg_ctx *ctx, int64_t id, GError **err);

/* One membership: its columns and person_name (title first last),
 * person_sort, body_name, body_chair_mode, institution_name,
 * substitute_for_person_id, substitute_for_name, current (today),
 * publish_name (the person's current consent to publishing the name on
 * public pages: the newest person_consent row of that kind),
 * person_erased (the person was erased under Art. 17; the row stays as
 * "Anonymisierte Person"). NULL with
 * NOT_FOUND when the region has none such. */
json_t *membership_store_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* The memberships of a body (as membership_store_get, without the body's
 * fields), ordered by role (chair, vice chair, coordination, management,
 * member, substitute, advisory, guest), then person_sort, id. current_only:
 * those current today; else former ones too (ordered the same). */
json_t *membership_store_for_body(const bireg_ctx *ctx, int64_t body_id, bool current_only,
				  GError **err);
/* The memberships of a person with body_name, body_type, body_public
 * (former ones too), current first, then by body sort_name. */
json_t *membership_store_for_person(const bireg_ctx *ctx, int64_t person_id, GError **err);
/* True when person holds a membership of body that is current today.
 * false with err set on failure. */
bool membership_store_current_for_person_in_body(const bireg_ctx *ctx, int64_t person_id,
						 int64_t body_id, GError **err);

/* What the membership form of body_id offers: {members: [{id, person_id,
 * person_name, role}] (its current memberships that are not substitutes,
 * for "substitute for"), institutions: [{id, name}] (by sort_name)}. */
json_t *membership_store_choices(const bireg_ctx *ctx, int64_t body_id, GError **err);
/* A person of the region as {id, name (title first last), sort_name};
 * NULL with NOT_FOUND when the region has none such. */
json_t *membership_store_person(const bireg_ctx *ctx, int64_t person_id, GError **err);

/* The role's label in the request's language ("Vorsitz"); "" for unknown. */
const char *membership_role_label(const req_ctx *rc, const char *role);
/* The keys of the roles in display order, NULL-terminated. */
extern const char *const membership_roles[];
