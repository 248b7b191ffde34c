/*
 * region_store.h — regions (the tenants), their levels, and the feedback
 * received through the accessibility statement.
 *
 * Models are jansson objects shaped for the views:
 *   {id, slug, name, network, description, paragraphs: [..],
 *    office: {name, unit, street, postcode, city, phone, email, website,
 *             phone_href, email_href},
 *    logo_file_id (0: none),
 *    letterhead: {sender_line, footer} ("" when not set),
 *    levels: [{position, name, description}]}
 * Functions returning json_t* hand over a new reference (caller decrefs);
 * NULL with err unset means "not found". Errors are in BIREG_DB_ERROR.
 */
#pragma once
#include <glib.h>
#include <jansson.h>

#include "core/ctx.h"

/* The lookups that pick the region ignore ctx->region_id (there is none yet)
 * and make the region they find the connection's region (db_set_region). */
json_t *region_store_get_by_slug(const bireg_ctx *ctx, const char *slug, GError **err);
/* The installation's default region: the only one, or the one with the
 * lowest id when there are several. NULL when there is none. */
json_t *region_store_get_default(const bireg_ctx *ctx, GError **err);
/* All regions as [{id, slug, name, network}], ordered by name. */
json_t *region_store_list(const bireg_ctx *ctx, GError **err);
/* Number of regions, or -1. */
int region_store_count(const bireg_ctx *ctx, GError **err);

typedef struct region_input {
	const char *slug, *name, *network, *description;
	const char *office_name, *office_unit, *street, *postcode, *city, *phone, *email, *website;
	const char *letterhead_sender_line, *letterhead_footer;
} region_input;

/* Creates a region, or updates the one with the same slug. Returns its id
 * or -1. Runs in the caller's transaction if one is open. */
int64_t region_store_upsert(const bireg_ctx *ctx, const region_input *in, GError **err);
/* Sets the levels of ctx->region_id to names[i]/descriptions[i] (position
 * i + 1), updating existing rows in place so bodies keep their level;
 * levels beyond n are removed (their bodies lose the level). */
int region_store_set_levels(const bireg_ctx *ctx, const char *const *names,
			    const char *const *descriptions, size_t n, GError **err);

/* Sets one key of the region's settings object (value is borrowed). Known
 * keys: "require_totp_for_office" (bool). Returns 0 or -1. */
int region_store_set_setting(const bireg_ctx *ctx, int64_t region_id, const char *key,
			     json_t *value, GError **err);

/* The office's contact data (all optional; "" or NULL stores NULL). */
typedef struct region_contact {
	const char *office_name, *office_unit, *street, *postcode, *city, *phone, *email, *website;
} region_contact;

/* Replaces the office's contact data of ctx->region_id. Returns 0 or -1. */
int region_store_update_contact(const bireg_ctx *ctx, const region_contact *in, GError **err);

/* Sets the logo of ctx->region_id to file_id (0: none) and reports the
 * previous one in *old_file_id (0: none), so the caller can delete that
 * file in the same transaction; the caller checks that file_id is a logo
 * file of the region (region.logo_file_id has no foreign key: see
 * migrations 0005). Call inside a transaction. Returns 0 or -1. */
int region_store_set_logo(const bireg_ctx *ctx, int64_t file_id, int64_t *old_file_id,
			  GError **err);

typedef struct feedback_input {
	const char *name, *email, *message, *page;
} feedback_input;

/* Stores accessibility feedback for ctx->region_id; returns its id or -1. */
int64_t region_store_add_feedback(const bireg_ctx *ctx, const feedback_input *in, GError **err);
/* Sets the status ("new", "answered", "closed") of feedback id in
 * ctx->region_id. Returns 1 when changed, 0 when there is no such feedback
 * in the region, -1 on error. */
int region_store_set_feedback_status(const bireg_ctx *ctx, int64_t id, const char *status,
				     GError **err);
/* Feedback of ctx->region_id, newest first: [{id, name, email, message, page, status, created_at}]. */
json_t *region_store_list_feedback(const bireg_ctx *ctx, GError **err);
