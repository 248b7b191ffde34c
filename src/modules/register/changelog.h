/*
 * changelog.h — the register's change log (Änderungsprotokoll): who changed
 * what and when, with old and new values, kept per record (migration 0012,
 * table change_log).
 *
 * An entry belongs to a record (entity, entity_id): "person", "institution",
 * "body", "area", "institution_type", "level", and for exports of lists the
 * pseudo record ("person_list", 0) and so on. It may name a part of that
 * record (sub, sub_id): "membership", "affiliation", "consent", "account".
 * person_id is the person the entry concerns (their own record, a
 * membership's member, an affiliation's person): a person's data export
 * (Art. 15) and erasure (Art. 17) find every entry about them through it.
 *
 * Actions: "create", "update", "delete", "merge", "export", "erase",
 * "import", "restrict". changes is a JSON array of
 * {"field": "email", "old": "a@x.de" or null, "new": "b@x.de" or null};
 * values are text (numbers and booleans as their text) or null.
 *
 * Every function joins the caller's transaction (db_join_begin): the entry
 * is written with the change it records, or not at all. The actor is
 * ctx->user_id (0: the system — a job or the command line) with the
 * account's display name at that moment, kept in the row.
 *
 * Personal data: values of a person's fields are personal data; the log is
 * office-only, and changelog_scrub_person() empties them on erasure.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"

typedef struct changelog_entry {
	const char *entity;  /* required */
	int64_t entity_id;   /* 0 for list pseudo records */
	const char *sub;     /* NULL or "" for the record itself */
	int64_t sub_id;      /* 0: none */
	int64_t person_id;   /* 0: concerns no single person */
	const char *action;  /* required, one of the actions above */
	const char *summary; /* short text (German data, e.g. "Import Nr. 12", "Schulverzeichnis
				2022-06"); NULL: none. At most 500 characters (cut). */
	json_t *changes;     /* borrowed array of {field, old, new}; NULL: [] */
} changelog_entry;

/* Writes one entry. Returns its id or -1. */
int64_t changelog_add(const bireg_ctx *ctx, const changelog_entry *e, GError **err);

/* The fields that differ between two flat JSON objects as a new array of
 * {field, old, new}, in the order of fields (NULL-terminated), or of the
 * keys of after then before when fields is NULL. Values are turned into
 * text (integers, reals, true/false) or null (JSON null, missing, ""). Nested
 * objects and arrays are compared by their JSON text. before or after may be
 * NULL (a created or deleted record: every non-empty field). */
json_t *changelog_diff(json_t *before, json_t *after, const char *const *fields);

/* changelog_diff() and changelog_add() in one: writes nothing for an
 * "update" whose diff is empty (returns 0 then). Returns the id, 0, or -1. */
int64_t changelog_record(const bireg_ctx *ctx, const char *entity, int64_t entity_id,
			 const char *sub, int64_t sub_id, int64_t person_id, const char *action,
			 json_t *before, json_t *after, const char *const *fields,
			 const char *summary, GError **err);

typedef struct changelog_filter {
	const char *entity;  /* NULL: any */
	int64_t entity_id;   /* with entity: that record's own entries */
	int64_t person_id;   /* 0: any; else also every entry concerning the person
				(with entity "person": entity_id's entries OR person_id's) */
	const char *action;  /* NULL: any */
	const char *from_day, *until_day; /* "YYYY-MM-DD" (Europe/Berlin), NULL: open */
	int64_t limit;       /* 1..500 (0: 50) */
	int64_t offset;
} changelog_filter;

/* Entries newest first: {total, rows: [{id, at, account_id, actor, entity,
 * entity_id, sub, sub_id, person_id, action, summary, changes: [...]}]}. */
json_t *changelog_list(const bireg_ctx *ctx, const changelog_filter *f, GError **err);

/* Erasure: every entry concerning person_id (entity person with that id, or
 * person_id) loses its values (changes []) and summary. Returns the number
 * of entries scrubbed or -1. */
int64_t changelog_scrub_person(const bireg_ctx *ctx, int64_t person_id, GError **err);

/* Merge: entries of entity (person or institution) from_id now belong to
 * into_id (entity_id, and person_id for people), so the kept record shows
 * the whole history. Returns the number moved or -1. */
int64_t changelog_reassign(const bireg_ctx *ctx, const char *entity, int64_t from_id,
			   int64_t into_id, GError **err);

/* Retention: deletes entries older than before ("YYYY-MM-DDTHH:MM:SSZ").
 * Returns the number deleted or -1. */
int64_t changelog_purge_before(const bireg_ctx *ctx, const char *before, GError **err);

/* ---- hooks of the stores (added by H4) ----------------------------------
 *
 * The stores log their changes through these two, so that what a record's
 * entry holds is defined once, here: kind is a record ("person",
 * "institution", "body", "area", "institution_type", "level") or a part
 * ("consent", "affiliation" and "membership" by their row id; "account": the
 * account link of the person id). A snapshot is a flat JSON object of the
 * fields the log keeps (no derived keys: sort_name, updated_at ...);
 * institutions carry "areas" (names, comma-separated) and "tags".
 *
 * Pattern, inside the store's transaction:
 *   json_t *before = NULL;
 *   changelog_snapshot(ctx, "person", id, &before, err)   (update, delete)
 *   ... the change ...
 *   changelog_track(ctx, "person", id, "update", before, NULL, err)
 *   json_decref(before);
 */

/* The record's snapshot in *out (a new object), or NULL when there is no
 * such row. 0, or -1 when the database fails. */
int changelog_snapshot(const bireg_ctx *ctx, const char *kind, int64_t id, json_t **out,
		       GError **err);

/* Logs action on kind id: "delete" compares before with nothing, every
 * other action before (NULL for "create") with a fresh snapshot. entity,
 * entity_id, sub, sub_id and person_id follow from the kind (a consent's
 * and an affiliation's entity is their person, a membership's its body with
 * the member as person_id). Returns the entry's id, 0 (an "update" or an
 * "import" of an existing record that changed nothing, or no row at all),
 * or -1. */
int64_t changelog_track(const bireg_ctx *ctx, const char *kind, int64_t id, const char *action,
			json_t *before, const char *summary, GError **err);

/* ---- many records at once (bulk imports) ------------------------------
 *
 * The same entries as one changelog_add() / changelog_track() per record,
 * written with a few statements instead of a few per record. */

/* changelog_add() for n entries, in one statement, in their order. Returns
 * n or -1 (nothing written). */
int64_t changelog_add_many(const bireg_ctx *ctx, const changelog_entry *e, size_t n,
			   GError **err);
/* changelog_snapshot() of ids[0..n) of one kind (for now "institution"
 * only) in three queries: an array parallel to ids, a snapshot object or
 * JSON null where there is no such row. NULL on error. */
json_t *changelog_snapshot_many(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
				size_t n, GError **err);
/* changelog_track() of ids[0..n) (kind "institution" only; action not
 * "delete"): befores NULL (every record created) or an array parallel to
 * ids of changelog_snapshot_many()'s snapshots taken before the change.
 * Returns the number of entries written (updates and imports that changed
 * nothing write none), or -1. */
int64_t changelog_track_many(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
			     size_t n, const char *action, json_t *befores, const char *summary,
			     GError **err);

/* changelog_track_many() when the caller knows each record's state after
 * the change (it has just written it), so nothing is read back: fields
 * are the fields the kind's entries compare (for "institution" the
 * columns of changelog_snapshot() and "areas", "tags", in that order; the
 * call fails on any other list), afters the text of each, n × those
 * fields row by row, as changelog_snapshot() would read it (NULL or ""
 * for none; areas and tags their names sorted by byte and joined by
 * ", "). Every record exists after the change. The entries are the same,
 * byte for byte, as changelog_track_many()'s. */
int64_t changelog_track_many_known(const bireg_ctx *ctx, const char *kind, const int64_t *ids,
				   size_t n, const char *action, json_t *befores,
				   const char *const *fields, const char *const *afters,
				   const char *summary, GError **err);

/* The levels of a region change all at once (region_store_set_levels):
 * changelog_levels_snapshot() takes every level as {"<id>": snapshot};
 * changelog_levels_track() compares it with the levels now and logs a
 * create, update or delete per level that changed. 0/-1 (and NULL on
 * failure for the snapshot). */
json_t *changelog_levels_snapshot(const bireg_ctx *ctx, GError **err);
int changelog_levels_track(const bireg_ctx *ctx, json_t *before, GError **err);
