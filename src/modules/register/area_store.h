/*
 * area_store.h — the areas of a region and its post-code table.
 *
 * Areas form two separate hierarchies: "admin" (Stadtbezirk > Ortsteil, the
 * city's official cut) and "social" (Sozialräume the office defines). Each
 * area has a parent in the same hierarchy or none, a kind naming its level
 * ("Stadtbezirk", "Ortsteil", "Sozialraum"), an optional official code and a
 * position among its siblings. The post-code table says which area a postal
 * address lies in; institutions without an area chosen by hand get theirs
 * from it.
 *
 * Every function takes the context first, works in ctx->region_id (every
 * statement filters by it), joins the caller's transaction when one is open
 * and returns -1 (or NULL) with err set on failure: BIREG_REGISTER_ERROR
 * (register.h) for a refused input (INVALID with the form field name:
 * "hierarchy", "parent_id", "kind", "code", "name", "postcode", "quarter",
 * "area_id"), for a row not in the region (NOT_FOUND) and for a delete
 * refused while the area is still used (IN_USE), BIREG_DB_ERROR otherwise.
 *
 * Records are jansson objects with the column names (caller owns them):
 *   area: {id, hierarchy, parent_id (null when top level), kind, code, name,
 *          position, depth (0 top level), label ("Mitte › Altstadt": the
 *          names from the top), parent_name ("" at the top)}
 *   post code: {id, postcode, quarter, area_id, area_name, area_label,
 *               hierarchy}
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

#define AREA_HIERARCHY_ADMIN "admin"
#define AREA_HIERARCHY_SOCIAL "social"

/* True for "admin" and "social". */
bool area_hierarchy_valid(const char *hierarchy);

typedef struct area_input {
	const char *hierarchy; /* "admin" or "social"; fixed once the area exists */
	int64_t parent_id;     /* 0: top level; else an area of the same hierarchy */
	const char *kind;      /* 1–60 characters: "Stadtbezirk", "Ortsteil", "Sozialraum" */
	const char *code;      /* official number, at most 20 characters; NULL/"" none */
	const char *name;      /* 1–120 characters, unique among its siblings */
	int64_t position;      /* order among siblings (then by name) */
} area_input;

/* Creates an area; returns its id. */
int64_t area_store_create(const bireg_ctx *ctx, const area_input *in, GError **err);
/* Changes an area (its hierarchy stays; in->hierarchy is ignored). A new
 * parent must not be the area itself or one of its descendants. */
int area_store_update(const bireg_ctx *ctx, int64_t id, const area_input *in, GError **err);
/* Deletes an area and its post-code rows. Refused (IN_USE, with a msgid
 * saying why) while it has sub-areas, institutions or bodies. */
int area_store_delete(const bireg_ctx *ctx, int64_t id, GError **err);
/* The area, plus "children", "institutions", "bodies" and "postcodes"
 * (counts) for the delete page. NOT_FOUND when the region has no such area. */
json_t *area_store_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* The areas of one hierarchy (or of both, admin first, when hierarchy is
 * NULL) in tree order: each parent followed by its children, siblings by
 * position and name. Each record also has "children" (count of sub-areas). */
json_t *area_store_list(const bireg_ctx *ctx, const char *hierarchy, GError **err);
/* The id of the area named name under parent_id (0: top level) in the
 * hierarchy, 0 when there is none, -1 on error. For imports and the demo. */
int64_t area_store_find(const bireg_ctx *ctx, const char *hierarchy, int64_t parent_id,
			const char *name, GError **err);

/* Adds a row of the post-code table: postcode five digits, quarter (at most
 * 120 characters) narrows a post code that spans areas (NULL/"" the whole
 * code), area_id an area of the region. Returns its id; a row that exists
 * already is refused (INVALID, "postcode"). */
int64_t area_postcode_add(const bireg_ctx *ctx, const char *postcode, const char *quarter,
			  int64_t area_id, GError **err);
/* Deletes a row of the post-code table (NOT_FOUND when the region has none). */
int area_postcode_delete(const bireg_ctx *ctx, int64_t id, GError **err);
/* The post-code table ordered by post code, quarter and area label. */
json_t *area_postcode_list(const bireg_ctx *ctx, GError **err);
/* The area of the hierarchy the post code lies in: the area all its rows
 * name, or else the one its row without quarter names; 0 when the table
 * does not decide (no row, or several areas and no row for the whole
 * code); -1 on error. The deepest area is returned as it is in the table
 * (an Ortsteil, say; its Stadtbezirk is its parent). */
int64_t area_for_postcode(const bireg_ctx *ctx, const char *postcode, const char *hierarchy,
			  GError **err);
/* area_for_postcode() for every post code at once (bulk imports): the
 * region's post-code table read in one query into a new table that
 * area_postcode_map_get() answers from, exactly as area_for_postcode()
 * would (0 when the table does not decide). NULL on error. Free with
 * g_hash_table_destroy. */
GHashTable *area_postcode_map(const bireg_ctx *ctx, GError **err);
int64_t area_postcode_map_get(GHashTable *map, const char *postcode, const char *hierarchy);
