/*
 * import_store.h — the register's imports as rows (migration 0012, tables
 * import_batch and import_mapping): one batch per uploaded file from the
 * upload through the preview to the commit, and the saved column mappings
 * of the generic import.
 *
 * A batch keeps its file in the file store (file_put) until the retention
 * job removes it; its report is a JSON object the importer fills:
 *   schools (school_import.h): {encoding, rows, in_region, new: [...],
 *     changed: [...], unchanged, vanished: [...], rejected: [{line, reason}]}
 *   people/institutions (register_import.h): {rows, new, changed,
 *     rejected: [{line, field, reason}], preview: [...]}
 * States: preview → (queued → running →) done | failed; preview → cancelled.
 *
 * Every function works in ctx->region_id and joins the caller's
 * transaction. Returned json_t are new references.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdint.h>
#include "core/ctx.h"

typedef struct import_batch_input {
	const char *kind;      /* "schools", "people", "institutions" */
	const char *file_name; /* as uploaded (sanitised by the caller) */
	const char *format;    /* "csv" or "xlsx" */
	const char *encoding;  /* "utf-8" or "windows-1252" */
	const void *data;      /* the file's bytes, stored with file_put */
	size_t len;
	int64_t rows_total;
	json_t *mapping;       /* borrowed; NULL: {} */
	json_t *report;        /* borrowed; NULL: {} */
} import_batch_input;

/* Creates a batch in state "preview" with its file; returns its id or -1. */
int64_t import_batch_create(const bireg_ctx *ctx, const import_batch_input *in, GError **err);

/* The batch: {id, kind, state, file_id, file_name, format, encoding,
 * mapping, rows_total, rows_done, report, job_id, created_by,
 * created_by_name, created_at, updated_at, finished_at}; NULL with
 * REGISTER_ERROR_NOT_FOUND when none in the region. */
json_t *import_batch_get(const bireg_ctx *ctx, int64_t id, GError **err);

/* The file's bytes (NULL with NOT_FOUND when it is gone). */
GBytes *import_batch_file(const bireg_ctx *ctx, int64_t id, GError **err);

/* Newest first, kind NULL for all: {total, rows: [batch without report
 * except its counts]}. limit 1..200 (0: 50). */
json_t *import_batch_list(const bireg_ctx *ctx, const char *kind, int64_t limit, int64_t offset,
			  GError **err);

/* Sets state (and finished_at for done/failed/cancelled), and report and
 * mapping when not NULL. Only allowed transitions (see above); else
 * REGISTER_ERROR_INVALID field "state". */
int import_batch_set_state(const bireg_ctx *ctx, int64_t id, const char *state, json_t *report,
			   json_t *mapping, GError **err);
int import_batch_set_job(const bireg_ctx *ctx, int64_t id, int64_t job_id, GError **err);

/* Progress of a running batch (a background job in its own short
 * transactions, so a page can show it while the import runs). */
int import_batch_progress(const bireg_ctx *ctx, int64_t id, int64_t rows_done, GError **err);

/* Retention: deletes the files of batches finished before `before` (UTC
 * text) and of cancelled ones; a batch left in preview since before
 * `before` (uploaded, never committed nor discarded) is cancelled first, so
 * an abandoned upload does not keep its personal data for ever. The rows and
 * reports stay. Returns the number of files removed or -1. */
int64_t import_batch_drop_files(const bireg_ctx *ctx, const char *before, GError **err);

/* Saved mappings of kind ("people", "institutions"): [{id, name, mapping,
 * updated_at}] by name. */
json_t *import_mapping_list(const bireg_ctx *ctx, const char *kind, GError **err);
json_t *import_mapping_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* Saves mapping under name (replacing one of the same name); returns its
 * id or -1 (INVALID "mapping_name" for an empty or too long name). */
int64_t import_mapping_save(const bireg_ctx *ctx, const char *kind, const char *name,
			    json_t *mapping, GError **err);
int import_mapping_delete(const bireg_ctx *ctx, int64_t id, GError **err);
