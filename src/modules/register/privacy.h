/*
 * privacy.h — data protection in the register (DSGVO with DSG NRW): the
 * export of everything stored about a person (Art. 15), their erasure
 * (Art. 17), the retention periods per kind of data and the daily job that
 * enforces them, the data-protection officer, and the record of processing
 * activities (Art. 30).
 *
 * Erasure keeps official records consistent (Art. 17(3)(b)): a person who
 * is or was a member of a body keeps their row as "Anonymisierte Person"
 * (names, contact data and notes emptied, erased_at set), their current
 * memberships end today and every membership row stays, so a body's history
 * and later minutes still add up; consents, affiliations, the account link
 * and the search entry go, and the change log loses every value about them.
 * A person without any such record is deleted entirely instead.
 *
 * Region settings (region.settings JSON):
 *   "retention_days": {"change_log", "import_files", "former_affiliations",
 *                      "inactive_contacts"} whole days; 0 = keep for ever
 *                      (only "inactive_contacts" may be 0 by default)
 *   "dpo": {"name", "email", "phone"} the data-protection officer
 *   "retention_last_run": {"at", counts...} written by the job
 *
 * Every function works in ctx->region_id and joins the caller's transaction
 * (db_join_begin). Returned json_t are new references.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "jobs/job.h"

/* What an erased person's last name becomes (German data; pages show the
 * translation when erased_at is set). */
#define PRIVACY_ERASED_NAME "Anonymisierte Person"

/* The daily job of a region (dedupe key "register.retention:<region>:<day>"). */
#define PRIVACY_RETENTION_JOB "register.retention"

/* ---- retention periods -------------------------------------------------- */

typedef struct privacy_retention_kind {
	const char *key;      /* "change_log", "import_files", "former_affiliations",
				 "inactive_contacts" */
	int default_days;
	int min_days;         /* 0: may be switched off (keep) */
	int max_days;
	const char *label;    /* msgid */
	const char *hint;     /* msgid: what is removed after the period */
} privacy_retention_kind;

/* The kinds, ended by an entry with key NULL. */
extern const privacy_retention_kind privacy_retention_kinds[];

/* The region's periods: {key: days} for every kind, defaults for missing or
 * invalid values. */
json_t *privacy_retention_get(const bireg_ctx *ctx, GError **err);
/* Sets the periods from days ({key: integer}); every kind must be present
 * and within its range, else REGISTER_ERROR_INVALID naming the key. */
int privacy_retention_set(const bireg_ctx *ctx, json_t *days, GError **err);
/* What the job found last time: {at, change_log, import_files,
 * former_affiliations, inactive_contacts, reindexed} or null. */
json_t *privacy_retention_last_run(const bireg_ctx *ctx, GError **err);

/* ---- the data-protection officer ---------------------------------------- */

/* {name, email, phone} ("" when unset). */
json_t *privacy_dpo_get(const bireg_ctx *ctx, GError **err);
/* INVALID "dpo_name", "dpo_email", "dpo_phone" for too long text or an
 * e-mail address that is not one. Empty values are allowed (no officer
 * named yet). */
int privacy_dpo_set(const bireg_ctx *ctx, const char *name, const char *email, const char *phone,
		    GError **err);

/* ---- Art. 30: the record of processing activities ----------------------- */

/*
 * The record as data (German text; a legal document of the region):
 *   {generated_at, region: {name, slug}, controller: {name, unit, street,
 *    postcode, city, phone, email, website}, dpo: {name, email, phone},
 *    activities: [{key, name, purpose, legal_basis, persons, data,
 *      recipients, transfers, retention, measures}],
 *    measures: [text, ...]}
 * Retention texts name the region's periods.
 */
json_t *privacy_record(const bireg_ctx *ctx, GError **err);

/* ---- Art. 15: the export of a person's data ----------------------------- */

/*
 * Everything stored about the person:
 *   {format: "bireg-auskunft/1", generated_at, region: {name, slug},
 *    controller: {...}, dpo: {...},
 *    person: {id, address_form, title, first_name, last_name,
 *      letter_salutation, function, phone, mobile, email, street, postcode,
 *      city, preferred_channel, legal_basis, legal_basis_note, notes,
 *      created_at, updated_at, erased_at (or null), display_name},
 *    consents: [{kind, state, day, source, history: [...]}],
 *    affiliations: [{id, institution_id, institution_name, function,
 *      start_day, end_day, current}],
 *    memberships: [{id, body_id, body_name, role, institution_name,
 *      partner_side, voting, start_day, end_day, current}],
 *    account: null or {id, email, display_name, lang, status, created_at,
 *      last_login_at, totp_enabled, roles: ["office", ...]} — never the
 *      password hash or the TOTP secret,
 *    change_log: [{id, at, actor, entity, entity_id, sub, sub_id, action,
 *      summary, changes}],
 *    imports: [{at, summary}] (change-log entries of imports that touched
 *      the person),
 *    processing: {legal_basis, activities: [the Art. 30 activities that
 *      concern a person of the register]}}
 * NULL with REGISTER_ERROR_NOT_FOUND when there is no such person.
 */
json_t *privacy_export(const bireg_ctx *ctx, int64_t person_id, GError **err);
/* Records an export (format "json", "pdf") in the change log: entity
 * "person", action "export". Returns the entry's id or -1. */
int64_t privacy_export_log(const bireg_ctx *ctx, int64_t person_id, const char *format,
			   GError **err);

/* ---- Art. 17: erasure --------------------------------------------------- */

typedef struct privacy_erase_plan {
	bool erased;                 /* already erased */
	bool delete_entirely;        /* no official record refers to the person */
	int64_t memberships;         /* every membership row (kept) */
	int64_t current_memberships; /* ended today */
	int64_t affiliations;        /* deleted */
	int64_t consents;            /* answers deleted */
	bool has_account;            /* the link is removed, the account stays */
	int64_t log_entries;         /* change-log entries scrubbed */
	int64_t import_reports;      /* stored import reports the person is taken out of */
} privacy_erase_plan;

/* What an erasure would do. NOT_FOUND when there is no such person. */
int privacy_erase_plan_get(const bireg_ctx *ctx, int64_t person_id, privacy_erase_plan *plan,
			   GError **err);

typedef enum {
	PRIVACY_ERASED = 1,  /* anonymised; the row stays */
	PRIVACY_DELETED = 2, /* no official record: deleted entirely */
} privacy_erase_result;

/* Erases the person in one transaction (see above) and writes one change-log
 * entry (action "erase", no personal data). The person's rows of the stored
 * reports of people imports (import_store.h: preview rows by id, e-mail or,
 * for rows without a record, name) lose their values; the uploaded files
 * themselves are deleted by the retention job ("import_files"). Returns PRIVACY_ERASED or
 * PRIVACY_DELETED, or -1 (NOT_FOUND; IN_USE when already erased). */
int privacy_erase(const bireg_ctx *ctx, int64_t person_id, GError **err);

/* 1 when the person is erased, 0 when not (or none such), -1 on error. */
int privacy_is_erased(const bireg_ctx *ctx, int64_t person_id, GError **err);

/* ---- the retention job -------------------------------------------------- */

typedef struct privacy_retention_counts {
	int64_t change_log;          /* entries deleted */
	int64_t import_files;        /* files deleted */
	int64_t former_affiliations; /* affiliations deleted */
	int64_t inactive_contacts;   /* people erased (deleted) */
	int64_t reindexed;           /* search entries rebuilt */
} privacy_retention_counts;

/* Applies the region's periods as of now (Unix seconds; job_now() in the
 * job) and records the counts in the settings ("retention_last_run"). */
int privacy_retention_run(const bireg_ctx *ctx, int64_t now, privacy_retention_counts *out,
			  GError **err);

/* The handler of PRIVACY_RETENTION_JOB (registered by builtin.c). */
job_result privacy_retention_job(job_ctx *jc, json_t *payload, GError **err);
