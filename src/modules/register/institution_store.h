/*
 * institution_store.h — the institutions (Institutionen, Akteure) of a
 * region and their kinds.
 *
 * Kinds (institution_type) are editable per region. The eleven built-in
 * kinds carry a stable key ("school", "kita", …) and come with the region;
 * a kind with is_school set gives its institutions the school fields of the
 * NRW school directory (Schulnummer, Schulform, Rechtsform, Trägernummer).
 *
 * An institution lies in at most one area per hierarchy (area_store.h);
 * when none is chosen and its post code is in the post-code table, the area
 * of each hierarchy is taken from there. Its tags (Schlagworte) are free
 * text. Every institution has a search entry (SEARCH_KIND_INSTITUTION),
 * put and removed in the same transaction as the row.
 *
 * Every function takes the context first, works in ctx->region_id, joins
 * the caller's transaction when one is open and returns -1 (or NULL) with
 * err set on failure: BIREG_REGISTER_ERROR (register.h) for a refused input
 * (INVALID naming the form field: "type_id", "name", "postcode",
 * "school_number", "school_form", "legal_form", "carrier_number",
 * "area_admin", "area_social", "tags", …), a row not in the region
 * (NOT_FOUND) or a delete refused while the row is used (IN_USE);
 * BIREG_DB_ERROR otherwise. Records are jansson objects the caller owns.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

#define SEARCH_KIND_INSTITUTION "institution"

/* ---- kinds of institution -------------------------------------------- */

/* Inserts the eleven built-in kinds exactly as migration 0009 does, when
 * the region has no kind yet (called when a region is created). Returns the
 * number inserted (0 when the region had kinds), or -1. */
int institution_type_seed(const bireg_ctx *ctx, GError **err);

/* The msgid of a built-in kind's name (English, "School"), when key is a
 * built-in key and name still is its built-in German name; NULL otherwise
 * (renamed, or the office's own kind: show name as it is). */
const char *institution_type_msgid(const char *key, const char *name);

/* [{id, key, name, is_school, position, builtin, institutions (count)}]
 * ordered by position and name. */
json_t *institution_type_list(const bireg_ctx *ctx, GError **err);
/* One kind ({id, key, name, is_school, position, builtin, institutions}),
 * NOT_FOUND when the region has none such. */
json_t *institution_type_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* Adds a kind of the office (key ""), after the others. name 1–80
 * characters, unique in the region ("name"). Returns its id. */
int64_t institution_type_add(const bireg_ctx *ctx, const char *name, bool is_school,
			     GError **err);
/* Renames a kind (the search entries of its institutions follow). */
int institution_type_rename(const bireg_ctx *ctx, int64_t id, const char *name, GError **err);
/* Deletes a kind; refused (IN_USE) while institutions have it. */
int institution_type_delete(const bireg_ctx *ctx, int64_t id, GError **err);
/* The id of the kind with this key ("school"), 0 when the region has none,
 * -1 on error. */
int64_t institution_type_id_by_key(const bireg_ctx *ctx, const char *key, GError **err);

/* ---- school codes ------------------------------------------------------ */

/* The German name of an NRW Schulform code ("02" → "Grundschule"), NULL
 * for a code not in the table. */
const char *school_form_label(const char *code);
/* The table of codes in order: n entries of {code, label}. */
typedef struct school_form_entry {
	const char *code;
	const char *label;
} school_form_entry;
const school_form_entry *school_form_table(size_t *n);
/* A well-formed Schulform code: 1–10 ASCII letters or digits. */
bool school_form_code_ok(const char *code);
/* The label of a code in ctx's region: the region's own (table
 * school_form_label, set by an admin), else the built-in one; NULL when
 * neither (err unset) or on a database error (err set). Newly allocated. */
char *school_form_label_for(const bireg_ctx *ctx, const char *code, GError **err);
/* Every code the region meets, by code: the built-in ones, those with a
 * region label and those its institutions carry:
 * [{code, label (shown), builtin_label, region_label ("" when none),
 *   builtin (bool), institutions (count)}]. */
json_t *school_form_list(const bireg_ctx *ctx, GError **err);
/* Sets the region's label of code; an empty label removes it (the
 * built-in label shows again). INVALID "code" or "label". */
int school_form_set_label(const bireg_ctx *ctx, const char *code, const char *label,
			  GError **err);
/* The German name of a Rechtsform ("1" öffentlich, "2" privat); NULL for
 * others. */
const char *school_legal_form_label(const char *code);

/* ---- institutions ------------------------------------------------------ */

typedef struct institution_input {
	int64_t type_id;
	const char *name, *name_extra, *short_name;
	const char *street, *postcode, *city;
	const char *phone, *email, *website;
	const char *notes;
	/* Only for a kind with school fields; refused ("school_number") for
	 * others. school_number: six digits, unique in the region;
	 * school_form: a code of school_form_table(); legal_form "1" or "2";
	 * carrier_number: up to ten digits. */
	const char *school_number, *school_form, *legal_form, *carrier_number;
	/* At most one area per hierarchy; an id 0 is skipped. A hierarchy
	 * without an area here gets the one of the post-code table
	 * (area_for_postcode), if the table decides. */
	const int64_t *area_ids;
	size_t n_areas;
	/* NULL-terminated list of tags (or NULL); each trimmed, 1–60
	 * characters, duplicates dropped. */
	const char *const *tags;
	/* The NRW school directory import (school_import.h): school_form may
	 * be any code of 1–10 letters and digits, not only a known one (the
	 * ministry adds codes; the label table shows them). */
	bool school_form_any;
	/* The change-log entry this write makes (changelog.h): action NULL
	 * for the usual "create"/"update", e.g. "import"; summary NULL for
	 * none (e.g. "Schulverzeichnis, Import Nr. 3"). */
	const char *log_action, *log_summary;
} institution_input;

/* Splits the comma-separated input of the form into tags (trimmed, empty
 * ones dropped, duplicates dropped, order kept). Free with g_strfreev. */
char **institution_tags_parse(const char *text);

/* Checks what create (self 0) or update of institution self would check,
 * without writing: the kind, lengths, post code, school fields (a school
 * number another institution has), tags and areas. 0, or -1 with the
 * first refusal (REGISTER_ERROR_INVALID naming the field) or a database
 * error. For imports that report every row before writing any. */
int institution_input_check(const bireg_ctx *ctx, const institution_input *in, int64_t self,
			    GError **err);

int64_t institution_store_create(const bireg_ctx *ctx, const institution_input *in,
				 GError **err);
/* Creates (ids[i] 0) and updates (ids[i] > 0: as institution_store_update)
 * n institutions at once, all or none (for imports): every input is
 * checked first, as create and update check it one by one (school
 * numbers as if the earlier inputs were written), then the rows, areas,
 * tags, search entries and change-log entries are written with a few
 * statements whatever n is. The new ids come back in ids. 0, or -1 with
 * *failed (may be NULL) the index of the refused input; nothing written. */
int institution_store_write_many(const bireg_ctx *ctx, size_t n, const institution_input *ins,
				 int64_t *ids, size_t *failed, GError **err);
/* Replaces every column, the areas and the tags. */
int institution_store_update(const bireg_ctx *ctx, int64_t id, const institution_input *in,
			     GError **err);
/* Deletes the institution and its search entry. Refused (IN_USE) while
 * people are affiliated with it or memberships name it. */
int institution_store_delete(const bireg_ctx *ctx, int64_t id, GError **err);
/* The institution: every column, plus type_key, type_name, is_school,
 * school_form_label, legal_form_label ("" when none), areas [{id,
 * hierarchy, kind, name, label}], area_admin_id, area_social_id (0 when
 * none), tags ["…"], tags_text ("a, b"). NOT_FOUND when none such. */
json_t *institution_store_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* The people of the institution, current and former:
 * [{affiliation_id, person_id, title, first_name, last_name, function,
 *   start_day, end_day, current}] — current first, then by name. */
json_t *institution_store_people(const bireg_ctx *ctx, int64_t id, GError **err);
/* The memberships that represent the institution:
 * [{membership_id, body_id, body_name, role, person_id, title, first_name,
 *   last_name, partner_side, voting, start_day, end_day, current}] —
 * current first, then by body and person. */
json_t *institution_store_bodies(const bireg_ctx *ctx, int64_t id, GError **err);
/* The id of the institution with this Schulnummer, 0 when none, -1. */
int64_t institution_store_by_school_number(const bireg_ctx *ctx, const char *number,
					   GError **err);

typedef struct institution_filter {
	int64_t type_id;   /* 0: every kind */
	int64_t area_id;   /* 0: anywhere; else in the area or one of its sub-areas */
	const char *tag;   /* NULL/"": any; else exactly this tag */
	const char *q;     /* NULL/"": no search; else the search's hits only */
	const char *sort;  /* "name" (default), "postcode", "type", or "relevance"
			    * (the default with q: best hit first) */
	int64_t limit;     /* 0: all */
	int64_t offset;
} institution_filter;

/* {total, rows: [{id, name, name_extra, short_name, type_id, type_key,
 * type_name, street, postcode, city, school_number, school_form, areas
 * [{id, hierarchy, name}], tags [..]}]}. With q, search errors come as
 * BIREG_SEARCH_ERROR (search.h); at most SEARCH_LIMIT_MAX hits count. */
json_t *institution_store_list(const bireg_ctx *ctx, const institution_filter *f,
			       GError **err);
/* Every tag used in the region, sorted, without duplicates. */
json_t *institution_store_tags(const bireg_ctx *ctx, GError **err);

/* The search entry of one institution, put (or removed when it is gone). */
int institution_store_index(const bireg_ctx *ctx, int64_t id, GError **err);
/* Rebuilds the search entries of every institution of ctx->region_id;
 * returns the number written, or -1. */
int institution_store_reindex_all(const bireg_ctx *ctx, GError **err);
