/*
 * school_import.h — the NRW school directory (Schulverzeichnis,
 * schuldaten_nrw_*.csv) into the register: read (CSV in UTF-8 or
 * Windows-1252, or XLSX, through tabular.h), filtered to the region's
 * Gemeindeschlüssel, checked row by row, compared with the region's schools
 * by Schulnummer, and written all-or-nothing through institution_store.
 *
 * The web pages (school_import_web.c), the command `bireg import schools`
 * and the demo region only present what this module does.
 *
 * The plan of a file is a report (the batch's report, import_store.h):
 *   {format, encoding, separator, keys: ["05112000"], rows, in_region,
 *    skipped (rows of other Gemeinden),
 *    new: [{line, school_number, name, school_form, city}],
 *    changed: [{line, id, school_number, name, changes: [{field, old, new}]}],
 *    unchanged,
 *    vanished: [{id, school_number, name}],
 *    rejected: [{line, school_number, field, reason (English msgid),
 *                first_line (duplicates only)}]}
 * After a commit the batch holds the same report plus "committed": true.
 *
 * A school the directory adds is created with the region's "school" kind.
 * A changed school gets only the fields the directory owns (name,
 * name_extra, short_name, street, postcode, city, phone, email, website,
 * school_form, legal_form, carrier_number); its kind, notes, tags, people
 * and areas the office set by hand stay. Vanished schools are reported,
 * never deleted. Each created or updated school gets one change-log entry
 * (action "import", summary "Schulverzeichnis, Import Nr. N").
 *
 * Mapping of the directory's columns: name = Schulbezeichnung_1,
 * name_extra = Schulbezeichnung_2 and _3 joined by a space, phone =
 * Telefonvorwahl and Telefon joined by a space, website = Homepage (with
 * "http://" put in front when it has no scheme).
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

#define BIREG_SCHOOL_IMPORT_ERROR (bireg_school_import_error_quark())
GQuark bireg_school_import_error_quark(void);

typedef enum {
	SCHOOL_IMPORT_ERROR_NO_KEYS = 1, /* the region has no Gemeindeschlüssel set */
	SCHOOL_IMPORT_ERROR_COLUMNS,     /* the header lacks columns (message lists them) */
	SCHOOL_IMPORT_ERROR_REJECTED,    /* rows were rejected: nothing imported */
	SCHOOL_IMPORT_ERROR_STATE,       /* the batch is not a school import in preview */
	SCHOOL_IMPORT_ERROR_NO_KIND,     /* the region has no kind of institution "school" */
} school_import_error_code;

/* The English prefix of a COLUMNS error's message; the missing column
 * names follow after a space, separated by ", ". */
#define SCHOOL_IMPORT_COLUMNS_MSGID "The file lacks these columns of the NRW school directory:"

/* The columns a directory file must have (NULL-terminated). */
extern const char *const school_import_columns[];

/* ---- the region's Gemeindeschlüssel ------------------------------------ */

/* The keys of ctx's region (settings "school_keys"): a new GStrv, empty
 * when none are set; NULL on a database error. */
char **school_keys_get(const bireg_ctx *ctx, GError **err);
/* Splits "05112000, 05170" (commas, semicolons or white space) into keys
 * of 2 (a state), 5 (a Kreis) or 8 (a Gemeinde) digits, duplicates
 * dropped; NULL with REGISTER_ERROR_INVALID field "school_keys" for any
 * other key. An empty text gives an empty GStrv. */
char **school_keys_parse(const char *text, GError **err);
/* Stores the keys (a checked GStrv; empty removes them). */
int school_keys_set(const bireg_ctx *ctx, const char *const *keys, GError **err);
/* "05112000, 05170". Newly allocated. */
char *school_keys_text(const char *const *keys);

/* ---- import ------------------------------------------------------------- */

/* Reads and checks len bytes and compares them with the region: the
 * report (see above), nothing written. NULL with err for a file that
 * cannot be used at all (tabular.h's errors, COLUMNS, NO_KEYS, NO_KIND). */
json_t *school_import_plan(const bireg_ctx *ctx, const char *data, size_t len, GError **err);

/* Plans the file and keeps it as a batch in state "preview" (also with
 * rejected rows, which the preview lists); returns the batch id, or -1
 * for a file that cannot be used (as school_import_plan). */
int64_t school_import_upload(const bireg_ctx *ctx, const char *file_name, const char *data,
			     size_t len, GError **err);

/* Commits batch id: plans its file again against the register as it is
 * now and writes every new and changed school in one transaction, then
 * marks the batch done with the report (a new reference in *report when
 * report is not NULL). Refused with REJECTED when a row is rejected, STATE
 * when the batch is not a school import in preview; nothing written then. */
int school_import_commit(const bireg_ctx *ctx, int64_t batch_id, json_t **report, GError **err);

/* Cancels batch id (preview → cancelled); STATE when not possible. */
int school_import_cancel(const bireg_ctx *ctx, int64_t batch_id, GError **err);

/* Plan and commit in one (the command line and the demo). With dry_run
 * nothing is written; else a batch is kept as with upload and committed.
 * The report comes in *report (a new reference) also when rows were
 * rejected (the call fails with REJECTED then). Returns the batch id (0
 * for a dry run) or -1. */
int64_t school_import_run(const bireg_ctx *ctx, const char *file_name, const char *data,
			  size_t len, bool dry_run, json_t **report, GError **err);

/* The message of an error of this module, of tabular.h or of a store for
 * the UI in lang ("de"/"en"). Newly allocated. */
char *school_import_error_text(const GError *err, const char *lang);

/* The German (lang) name of a field of a report's changes or rejections
 * ("name" → "Name", "postcode" → "PLZ"). Static. */
const char *school_import_field_label(const char *field, const char *lang);
