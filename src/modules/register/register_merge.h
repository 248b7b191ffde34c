/*
 * register_merge.h — merging two records of the register that are the same
 * person or institution (entered twice, imported twice), and the one table
 * of every column that refers to a person or an institution.
 *
 * The reference table (register_refs()) is the single list of "who points
 * at a person / an institution": the merge moves every reference of the
 * other record to the kept one by it, and erasure (Art. 17, privacy.c)
 * decides by it what an erased person keeps (official records) and what
 * goes. Later modules (meetings' attendance, minutes, decisions …) add
 * their columns there, in register_merge.c, and merge and erasure follow
 * without further change.
 *
 * A merge runs in one transaction (joining the caller's): the kept record
 * gets the chosen values through person_store_update /
 * institution_store_update (so their checks and the search index apply),
 * every reference moves, the change log of the other record moves to the
 * kept one (changelog_reassign) and a "merge" entry is written on the kept
 * record naming the other's id and the fields taken; the other record and
 * its search entry are deleted. Nothing is written when a call fails.
 *
 * Refusals (BIREG_REGISTER_ERROR, register.h): a record merged with itself
 * (INVALID, field "other_id"), a record not in the context's region
 * (NOT_FOUND), an erased person (IN_USE), both people linked to an account
 * (IN_USE), a chosen value the store refuses (INVALID with the store's
 * field).
 *
 * Ownership: returned json_t are new references (json_decref).
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

/* What a merge does with the rows of a reference. */
typedef enum register_ref_merge {
	/* Every row of the other record moves to the kept one. */
	REGISTER_REF_MOVE = 1,
	/* Rows move; a row equal to one of the kept record in the columns of
	 * `same` (the reference column aside) is dropped instead (identical
	 * affiliations, the same tag). */
	REGISTER_REF_COLLAPSE,
	/* A history (consents): every row moves, then the newest answer per
	 * `same` (by day, then time recorded) is made the current one. */
	REGISTER_REF_HISTORY,
	/* At most one row per record (the account link): it moves when the
	 * kept record has none; when both have one the merge is refused. */
	REGISTER_REF_SINGLE,
	/* Chosen in the merge form and written by the store's update (an
	 * institution's area per hierarchy); the other's rows go with it. */
	REGISTER_REF_CHOSEN,
	/* The change log: changelog_reassign() moves the entries. */
	REGISTER_REF_LOG,
	/* Rows naming the other record are deleted (pairs marked "not a
	 * duplicate": the kept record's own rows stay). */
	REGISTER_REF_DROP,
} register_ref_merge;

/* What erasure (Art. 17) does with a person's rows of a reference. */
typedef enum register_ref_erase {
	REGISTER_ERASE_NONE = 0, /* not a reference to a person */
	/* Personal data without an official purpose: deleted (consents,
	 * affiliations, the account link, dismissed pairs). */
	REGISTER_ERASE_DELETE,
	/* An official record (a membership of a body; later: attendance,
	 * minutes): kept, pointing at the anonymised person. A person with
	 * such a row is anonymised, one without any is deleted entirely. */
	REGISTER_ERASE_KEEP,
	/* Kept, with the values about the person emptied
	 * (changelog_scrub_person). */
	REGISTER_ERASE_SCRUB,
} register_ref_erase;

typedef struct register_ref {
	const char *entity; /* the record referred to: "person" or "institution" */
	const char *table;  /* every table here has region_id */
	const char *column; /* holds the record's id */
	/* NULL, or an SQL condition (constant text, both dialects) that
	 * narrows the rows of table that are references, e.g.
	 * "entity = 'person'" for change_log.entity_id. */
	const char *where;
	register_ref_merge merge;
	/* COLLAPSE: the columns (comma-separated) that make two rows equal;
	 * HISTORY: the column grouping the answers ("kind"); else NULL. */
	const char *same;
	register_ref_erase erase;
	const char *what;   /* English, for messages and docs ("membership in a body") */
} register_ref;

/* The reference table, n entries, in the order a merge handles them. */
const register_ref *register_refs(size_t *n);

/* The number of rows referring to the record (entity "person" or
 * "institution", id in ctx->region_id), over every reference of the table
 * whose erase is one of the given kinds (a 0-terminated list; NULL: every
 * reference of the entity). E.g. a person's official records:
 * (REGISTER_ERASE_KEEP, 0). Returns the count or -1. */
int64_t register_refs_count(const bireg_ctx *ctx, const char *entity, int64_t id,
			    const register_ref_erase *kinds, GError **err);

/* ---- merging ----------------------------------------------------------- */

/* The fields a merge chooses between, in the order of the form:
 * people: address_form, title, first_name, last_name, letter_salutation,
 * function, phone, mobile, email, street, postcode, city,
 * preferred_channel, legal_basis, legal_basis_note, notes;
 * institutions: type_id, name, name_extra, short_name, street, postcode,
 * city, phone, email, website, notes, school_number, school_form,
 * legal_form, carrier_number, area_admin_id, area_social_id. NULL-terminated. */
extern const char *const register_merge_person_fields[];
extern const char *const register_merge_institution_fields[];

/*
 * The merge form's model for keeping keep_id and merging other_id into it:
 * {entity, keep: record, other: record, fields: [{field, keep, other
 * (values as text), keep_label, other_label (readable: a label for codes,
 * the area's or kind's name), differ (bool), take ("keep" or "other": the
 * default — the kept value, else the other's when the kept one is
 * empty)}], refs: [{table, column, what, keep, other (row counts)}],
 * blocked: null or the English msgid why the merge is refused (both
 * linked to an account)}. record is the store's get (person_store_get /
 * institution_store_get). Refused as register_merge_* would refuse
 * (itself, NOT_FOUND, erased).
 */
json_t *register_merge_preview(const bireg_ctx *ctx, const char *entity, int64_t keep_id,
			       int64_t other_id, GError **err);

/* Which value to keep per field: take is a JSON object {field: "keep" or
 * "other"}; a field missing (or take NULL) takes the default of the
 * preview. Tags of institutions are always the union. */
int register_merge_person(const bireg_ctx *ctx, int64_t keep_id, int64_t other_id,
			  json_t *take, GError **err);
int register_merge_institution(const bireg_ctx *ctx, int64_t keep_id, int64_t other_id,
			       json_t *take, GError **err);
