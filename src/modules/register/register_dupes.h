/*
 * register_dupes.h — finding likely duplicates among the people and the
 * institutions of a region (the same person or institution entered twice,
 * imported twice, spelt differently), for the office to merge
 * (register_merge.h) or to mark as "not a duplicate".
 *
 * People are likely the same when they have
 *   - the same e-mail address (case and surrounding space ignored),
 *   - the same name after folding (text_search_fold of first and last
 *     name: "Müller" = "Mueller" = "muller"),
 *   - a similar name: the same folded last name, and first names where one
 *     is the other or its beginning ("J." / "Jörg", "Hans" / "Hans-Peter"),
 *     or full names of six or more characters one edit apart.
 * Institutions when they have the same name after folding (punctuation and
 * the legal forms "e. V.", "gGmbH", "GmbH", "gUG", "UG" ignored), the same
 * post code and names at most two edits apart (same numbers in them), or
 * the same e-mail address or website.
 *
 * Erased people never appear; pairs in duplicate_dismissed are left out.
 * The work is one read of the region's rows and grouping in memory: keys
 * sorted or hashed, edit distances only within small blocks (for people a
 * deletion neighbourhood of the folded name; for institutions one post
 * code). A key shared by very many records (a shared mailbox, a common
 * name) says little and is not paired out beyond a few records.
 *
 * Returned json_t are new references.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

typedef enum register_dupe_reason {
	REGISTER_DUPE_EMAIL = 1 << 0,        /* "email": same e-mail address */
	REGISTER_DUPE_NAME = 1 << 1,         /* "name": same name after folding */
	REGISTER_DUPE_SIMILAR = 1 << 2,      /* "similar_name" */
	REGISTER_DUPE_WEBSITE = 1 << 3,      /* "website": same website (institutions) */
	REGISTER_DUPE_NEAR_POSTCODE = 1 << 4, /* "postcode_name": similar name, same post code */
} register_dupe_reason;

/* The code ("email", …) and the English msgid ("same e-mail address") of
 * one reason bit; NULL for others. */
const char *register_dupe_reason_code(unsigned reason);
const char *register_dupe_reason_msgid(unsigned reason);

/* At most this many pairs are listed (the strongest first); "capped" says
 * when there were more. */
#define REGISTER_DUPES_MAX_PAIRS 2000

/*
 * The likely duplicate people of ctx->region_id:
 * {total, capped, pairs: [{a: {id, title, first_name, last_name,
 * display_name, email, city}, b: {…}, reasons: ["email", "name", …]}]}
 * with a.id < b.id, the strongest pairs (most reasons, same e-mail or name
 * before similar names) first, then by a's name.
 */
json_t *register_dupes_people(const bireg_ctx *ctx, GError **err);

/* The same for institutions: a and b {id, name, name_extra, postcode,
 * city, email, website, school_number, type_name}. */
json_t *register_dupes_institutions(const bireg_ctx *ctx, GError **err);

/* Marks the pair (entity "person" or "institution") as not a duplicate:
 * it leaves the lists. Both must exist in the region (NOT_FOUND) and be two
 * (INVALID "b"). Marking a pair again is no error. 0 or -1. */
int register_dupes_dismiss(const bireg_ctx *ctx, const char *entity, int64_t a, int64_t b,
			   GError **err);

/* ---- the keys, exposed for tests -------------------------------------- */

/* The folded name of a person: "first last" through text_search_fold, white
 * space collapsed. Newly allocated ("" for no name). */
char *register_dupes_person_key(const char *first_name, const char *last_name);
/* The folded name of an institution without punctuation and legal forms:
 * "Förderverein Schule am Park e. V." → "forderverein schule am park". */
char *register_dupes_institution_key(const char *name);
/* Are two first names (raw) alike: equal after folding, or one the
 * beginning of the other ("J." and "Jörg")? Empty names are not alike. */
bool register_dupes_first_names_alike(const char *a, const char *b);
/* The edit distance (Levenshtein, in characters) of two UTF-8 strings,
 * or max + 1 when it is more than max. */
int register_dupes_distance(const char *a, const char *b, int max);
