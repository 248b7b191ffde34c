/*
 * register_import.h — the generic import of people and institutions from a
 * CSV or XLSX file (issue 8): read the file, map its columns to the
 * register's fields, check every row (preview), write all rows or none
 * (commit). The web pages (import_web.c) and tests use the same functions;
 * the batch and its file live in import_store.h.
 *
 * Flow: register_import_read() → register_import_propose() (a mapping from
 * the header names) → register_import_check_mapping() →
 * register_import_preview() (nothing written) → register_import_commit()
 * (everything in the caller's transaction, or nothing).
 *
 * A mapping is a JSON object {"target field": "column header"} (what
 * import_batch.mapping and import_mapping.mapping store). A column is named
 * by its header text; when a header occurs twice the first column counts.
 *
 * Matching: people by e-mail (case-insensitive) → update, else new.
 * Institutions by Schulnummer when mapped and given, else by the folded
 * name plus post code → update, else new. An update changes only the
 * mapped fields, and an empty cell keeps the stored value (a blank in a
 * spreadsheet means "not known here", not "delete"). Two rows of a file
 * with the same key (e-mail; Schulnummer; name + post code) are both
 * rejected. People: optional columns "institution" (name or Schulnummer of
 * an institution of the region) and "function" add an affiliation (when the
 * person has no current one to it); an institution that is not found
 * rejects the row.
 *
 * Reports (import_store.h): {rows, new, changed, unchanged, rejected:
 * [{line, field, reason, arg}], preview: [{line, action, id, values,
 * changed_fields}] (first 50 rows)}; reason is an English msgid with an
 * optional "{arg}" placeholder (the page translates it). After a commit
 * also created: [ids], updated: [ids] (at most 200 each) and
 * affiliations (count).
 *
 * Large files (more than REGISTER_IMPORT_SYNC_MAX rows) are committed by a
 * background job of kind "register.import" (payload {batch_id}). The job
 * writes everything in the job's one transaction (job.h: exactly once).
 * Progress while it runs: on PostgreSQL the job writes rows_done (and the
 * state "running") through a second connection of its own in short
 * transactions of their own, so every node's pages see it; the job's own
 * transaction touches the batch row only at the end, so the two never wait
 * on each other. On SQLite a second connection cannot write while the job
 * holds the write lock, so the job also notes its progress in this
 * process's memory (register_import_progress()), which the pages of the
 * same process read — SQLite serves from one process. A failed job leaves
 * nothing of its rows; its failure hook marks the batch failed with the
 * reason (and the rejected rows when the data changed since the preview).
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/csv.h"
#include "core/ctx.h"
#include "core/tabular.h"

/* Files of at most this many data rows are committed in the request. */
#define REGISTER_IMPORT_SYNC_MAX 1000
/* Largest file accepted (bytes). */
#define REGISTER_IMPORT_MAX_BYTES ((size_t)20 * 1024 * 1024)
/* Rows shown in the preview. */
#define REGISTER_IMPORT_PREVIEW_ROWS 50
#define REGISTER_IMPORT_JOB_KIND "register.import"

/* A field a column can be mapped to. */
typedef struct register_import_field {
	const char *name;     /* "last_name", stored in the mapping */
	const char *label;    /* msgid */
	bool required;
	/* Header names that propose this field, folded (text_search_fold,
	 * without spaces, '-', '_', '.'); NULL-terminated. */
	const char *const *synonyms;
} register_import_field;

/* The target fields of kind ("people", "institutions"); NULL for another
 * kind. */
const register_import_field *register_import_fields(const char *kind, size_t *n);
/* Is kind "people" or "institutions"? */
bool register_import_kind_valid(const char *kind);

/* Reads an uploaded file (tabular_read with the import's limits). The
 * first record is the header. Errors as tabular_read's, plus
 * TABULAR_ERROR_EMPTY for a file with a header only. */
int register_import_read(const void *data, size_t len, tabular *out, GError **err);

/* The header names of t (its first record), as a new JSON array of strings. */
json_t *register_import_headers(const csv_table *t);

/* A mapping proposed from the header names: every target field whose
 * synonym matches a header (each header used once). New object. */
json_t *register_import_propose(const char *kind, const csv_table *t);

/* Checks mapping against the header: only known fields, columns that exist,
 * no column used twice, the required field mapped. 0, or -1 with
 * REGISTER_ERROR_INVALID naming the target field and a msgid. */
int register_import_check_mapping(const char *kind, const csv_table *t, json_t *mapping,
				  GError **err);

/* Checks every row against the register of ctx->region_id and counts what
 * a commit would do; writes nothing. The report as above (new object), or
 * NULL with err when the database fails or the mapping is invalid. */
json_t *register_import_preview(const bireg_ctx *ctx, const char *kind, const csv_table *t,
				json_t *mapping, GError **err);

/* Called every few hundred rows of a commit. */
typedef void (*register_import_progress_fn)(void *ud, int64_t done, int64_t total);

/* Writes every row (created and updated records, affiliations, change-log
 * entries "import" with summary "Import Nr. {batch_id} ({file_name})") in
 * the caller's transaction (or its own). Refused with REGISTER_ERROR_INVALID
 * field "rows" when any row is rejected (*report_out then holds the report
 * with the rejections, when report_out is given). Returns the report (new)
 * or NULL; nothing is written on failure. progress may be NULL. */
json_t *register_import_commit(const bireg_ctx *ctx, int64_t batch_id, const char *kind,
			       const char *file_name, const csv_table *t, json_t *mapping,
			       register_import_progress_fn progress, void *ud,
			       json_t **report_out, GError **err);

/* Commits batch_id (state preview or queued/running): reads its file and
 * mapping, commits, and sets state done with the report — all in the
 * caller's transaction. Used by the job and for small files by the page. */
json_t *register_import_commit_batch(const bireg_ctx *ctx, int64_t batch_id,
				     register_import_progress_fn progress, void *ud,
				     json_t **report_out, GError **err);

/* Registers the job kind "register.import" and its failure hook. database
 * is the URL the job opens its progress connection with (PostgreSQL; may be
 * NULL: no second connection). Call at start, before runners start. */
void register_import_setup(const char *database);

/* This process's note of a running import job's progress: rows done, or
 * -1 when no job of this process runs batch_id. */
int64_t register_import_progress(int64_t batch_id);
