/*
 * person_store.h — the people of the register (Person / Kontakt): their
 * names, letter salutation, contact data and legal basis of processing;
 * their consents (publication of the name, photos, newsletter) with the
 * history of every answer; their affiliations to institutions; the link of
 * a user account to its person; and their entries in the search index.
 *
 * Every function works in ctx->region_id (every statement filters by it),
 * joins the caller's transaction when there is one (db_join_begin) and puts
 * the person's search entry (kind SEARCH_KIND_PERSON) in the same
 * transaction as the change. Input rules that need the database or the whole
 * record are refused with REGISTER_ERROR_INVALID naming the form field
 * (register.h); a missing row of the region is REGISTER_ERROR_NOT_FOUND.
 * Nothing is written when a call fails.
 *
 * Memberships (body, role) belong to body_store/membership_store; this store
 * only reads them for the person's page and refuses to delete a person who
 * still has any.
 *
 * Days are "YYYY-MM-DD" (Europe/Berlin), NULL or "" when open; times UTC
 * text. An affiliation or membership is current when its start is open or
 * not after today and its end is open or not before today.
 *
 * Ownership: returned json_t are new references (json_decref), returned
 * strings newly allocated (g_free).
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

#define SEARCH_KIND_PERSON "person"

/* The columns of person a caller sets; NULL and "" mean empty. */
typedef struct person_input {
	const char *address_form;      /* "", "frau", "herr" */
	const char *title;             /* "Dr.", "Prof. Dr." */
	const char *first_name;
	const char *last_name;         /* required */
	const char *letter_salutation; /* free Briefanrede; "" = the generated one */
	const char *function;
	const char *phone;
	const char *mobile;
	const char *email;
	const char *street;
	const char *postcode;          /* five digits or "" */
	const char *city;
	const char *preferred_channel; /* "email" (default) or "post" */
	const char *legal_basis;       /* "public_task" (default), "consent", "contract",
					  "legitimate_interest" */
	const char *legal_basis_note;
	const char *notes;
	/* The change-log entry this write makes (changelog.h): action NULL
	 * for the usual "create"/"update", e.g. "import"; summary NULL for
	 * none (e.g. "Import Nr. 12 (kontakte.xlsx)"). */
	const char *log_action, *log_summary;
} person_input;

/*
 * The generated letter salutation (German; the letters are German data):
 *   frau: "Sehr geehrte Frau Dr. Beispiel,"
 *   herr: "Sehr geehrter Herr Muster,"
 *   none: "Guten Tag Alex Muster," (title, first and last name)
 * Names as typed (white space collapsed). Newly allocated.
 */
char *person_letter_salutation(const char *address_form, const char *title,
			       const char *first_name, const char *last_name);
/* "Dr. Petra Beispiel": title, first and last name. Newly allocated. */
char *person_display_name(const char *title, const char *first_name, const char *last_name);

/*
 * Checks what the store checks before writing (also used by the web layer
 * to put every message next to its field at once): last name present, the
 * enumerations, the post code, "post" needs street, postcode and city, "e-mail"
 * needs an address. Returns 0, or -1 with the first REGISTER_ERROR_INVALID.
 */
int person_input_check(const person_input *in, GError **err);

/* Creates a person; returns its id or -1. */
int64_t person_store_create(const bireg_ctx *ctx, const person_input *in, GError **err);
/* Replaces every column of in. 0 or -1 (NOT_FOUND when none such). */
int person_store_update(const bireg_ctx *ctx, int64_t id, const person_input *in, GError **err);
/* Deletes the person with affiliations, consents, the account link and the
 * search entry. Refused with REGISTER_ERROR_IN_USE while the person has any
 * membership (current or former: the history of the bodies keeps it). */
int person_store_delete(const bireg_ctx *ctx, int64_t id, GError **err);

/* 1 when the person exists in ctx->region_id, 0 when not, -1 on error. */
int person_store_exists(const bireg_ctx *ctx, int64_t id, GError **err);

/*
 * The person with everything the detail page shows, or NULL (NOT_FOUND, or
 * another error):
 *   the columns (id, address_form, title, first_name, last_name,
 *   letter_salutation, function, phone, mobile, email, street, postcode,
 *   city, preferred_channel, legal_basis, legal_basis_note, notes,
 *   sort_name, created_at, updated_at, erased_at ("" when not erased)), plus
 *   erased (bool: Art. 17 erasure, privacy.h; names are then empty and
 *   last_name is "Anonymisierte Person"),
 *   display_name, letter_salutation_default (generated),
 *   letter_salutation_effective (the free one, else the default);
 *   account: null or {id, email, display_name};
 *   affiliations: [{id, institution_id, institution_name, function,
 *     start_day, end_day, current}] current ones first, then by start;
 *   memberships: [{id, body_id, body_name, body_public, role,
 *     institution_id, institution_name, partner_side, voting, start_day,
 *     end_day, current}] current first;
 *   consents: [{kind, state ("given", "withdrawn" or "none"), day,
 *     source, history: [{id, given, day, source, recorded_at,
 *     recorded_by_name}] newest first}] for each kind of
 *     person_consent_kinds, in that order.
 */
json_t *person_store_get(const bireg_ctx *ctx, int64_t id, GError **err);

typedef struct person_filter {
	int64_t institution_id; /* 0: any; else a current affiliation to it */
	int64_t body_id;        /* 0: any; else a current membership in it */
	const char *channel;    /* NULL/"": any; "email" or "post" */
	int publish_consent;    /* -1: any; 1: current consent to publish the name
				   given; 0: not given (withdrawn or never asked) */
	const char *q;          /* NULL/"": no search; else search words (rank order) */
	const char *sort;       /* "name" (default), "email", "updated" (newest first) */
	bool include_erased;    /* false: people erased under Art. 17 are left out */
	int64_t limit;          /* rows per page, 1..200 (0: 50) */
	int64_t offset;
} person_filter;

/* At most this many search hits are filtered further when q and a filter
 * are both given (the best ones by rank); "capped" says when it mattered. */
#define PERSON_SEARCH_MAX 1000

/* Without a search, the people of a list are counted up to this many (the
 * count's cost grows with it, not with the register); beyond, the list
 * knows "more than". */
#define PERSON_COUNT_MAX 10000

/*
 * One page of people: {total, more, capped, rows: [{id, title, first_name,
 * last_name, display_name, function, email, phone, city,
 * preferred_channel, updated_at, institutions: [{id, name}]}]} — the
 * institutions of the current affiliations, fetched for the whole page in
 * one query. A query the search refuses fails with BIREG_SEARCH_ERROR.
 * more (only without q): the list has more rows than total, which is then
 * PERSON_COUNT_MAX, or on a page after it the end of that page; total is
 * exact when more is false (also on the page where a long list ends).
 */
json_t *person_store_list(const bireg_ctx *ctx, const person_filter *f, GError **err);

/* One person of person_store_export: the columns of person_store_list's
 * rows; institutions: the names of the current affiliations' institutions,
 * in the list's order, separated by ", " ("" when none). Borrowed: valid
 * during the callback only. */
typedef struct person_export_row {
	int64_t id;
	const char *title, *first_name, *last_name, *function, *email, *phone, *city,
		*preferred_channel, *updated_at, *institutions;
} person_export_row;

/* Called once per row; a negative return (with err set) stops the export. */
typedef int (*person_export_fn)(const person_export_row *row, void *user, GError **err);

/*
 * Every person the filter selects, in the list's order (f->sort), one
 * callback per row — the rows person_store_list would page through, read
 * in one query (two for sort "email", as the list pages it) and the
 * institutions of all of them in one more, so that exporting a list costs
 * one pass instead of a count and an OFFSET per page. Only without a
 * search (f->q empty: a search stays ranked and capped, page by page);
 * limit and offset are ignored. Returns the number of rows or -1.
 */
int64_t person_store_export(const bireg_ctx *ctx, const person_filter *f, person_export_fn fn,
			    void *user, GError **err);

/* The kinds of consent, NULL-terminated: "publish_name", "photos",
 * "newsletter". */
extern const char *const person_consent_kinds[];
bool person_consent_kind_valid(const char *kind);

/* Records a consent given (true) or withdrawn (false) on day from source
 * ("Einwilligungsformular vom …"); the row is kept, the newest answer per
 * kind counts. Returns the new row's id or -1 (INVALID field "kind", "day",
 * "source"; NOT_FOUND for the person). recorded_by is ctx->user_id. */
int64_t person_consent_record(const bireg_ctx *ctx, int64_t person_id, const char *kind,
			      bool given, const char *day, const char *source, GError **err);
/* 1 when the newest answer of kind is "given", 0 when withdrawn or none,
 * -1 on error. */
int person_consent_current(const bireg_ctx *ctx, int64_t person_id, const char *kind,
			   GError **err);

/* Adds an affiliation and re-indexes the person; returns its id or -1
 * (INVALID "institution_id" for none such in the region, "end_day" when it
 * ends before it starts; NOT_FOUND for the person). */
int64_t affiliation_add(const bireg_ctx *ctx, int64_t person_id, int64_t institution_id,
			const char *function, const char *start_day, const char *end_day,
			GError **err);
/* Deletes an affiliation of person_id (0: of whichever person) and
 * re-indexes the person. NOT_FOUND when there is none such. */
int affiliation_delete(const bireg_ctx *ctx, int64_t person_id, int64_t affiliation_id,
		       GError **err);
/* The affiliations to an institution (for its page): [{id, person_id,
 * display_name, function, start_day, end_day, current}], current first,
 * then by the person's sort name. */
json_t *affiliation_list_for_institution(const bireg_ctx *ctx, int64_t institution_id,
					 GError **err);

/* Institutions' names are part of their people's search text. After an
 * institution was renamed (same transaction): re-index its people. */
int person_store_reindex_institution(const bireg_ctx *ctx, int64_t institution_id, GError **err);
/* Before an institution is deleted (same transaction): deletes its
 * affiliations and re-indexes the people concerned. */
int person_store_detach_institution(const bireg_ctx *ctx, int64_t institution_id, GError **err);

/* Links an existing account to the person in ctx->region_id (replacing the
 * person's previous link). INVALID "account_email" when the account is
 * linked to another person of the region or is a demo account of another
 * region; NOT_FOUND for the person or the account. */
int person_link_account(const bireg_ctx *ctx, int64_t person_id, int64_t account_id,
			GError **err);
/* Removes the person's account link, if any. */
int person_unlink_account(const bireg_ctx *ctx, int64_t person_id, GError **err);
/* The person of the account in ctx->region_id, 0 when none, -1 on error. */
int64_t person_for_account(const bireg_ctx *ctx, int64_t account_id, GError **err);

/* Puts the person's search entry (title "Title First Last"; text: function,
 * e-mail, city, the names of the institutions of current affiliations), or
 * removes it when the person does not exist. */
int person_store_index(const bireg_ctx *ctx, int64_t id, GError **err);
/* Rebuilds every person entry of ctx->region_id (and drops entries of
 * people that are gone). Returns the number written, or -1. */
int person_store_reindex_all(const bireg_ctx *ctx, GError **err);

/* Choices for the person pages' selects: [{id, name}] of the region's
 * institutions / bodies, sorted by sort_name. */
json_t *person_institution_choices(const bireg_ctx *ctx, GError **err);
json_t *person_body_choices(const bireg_ctx *ctx, GError **err);
