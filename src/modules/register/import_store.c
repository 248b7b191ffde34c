/*
 * import_store.c — SQL for the register's import batches and saved column
 * mappings (import_store.h, migration 0012).
 *
 * A batch's file lives in the file store with purpose "register.import"
 * and visibility "office"; the batch row keeps its file_id until the
 * retention job drops the file. Reports and mappings are stored as compact
 * JSON text on both backends (the columns are text with a JSON check).
 */
#include "modules/register/import_store.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"
#include "files/file_store.h"
#include "modules/register/register.h"
#include "view/i18n.h"

/* Imports accept any type by content (CSV is text/plain or text/csv, XLSX
 * a zip): the importer itself decides what it can read. 64 MiB covers the
 * whole NRW directory (about 2 MB) many times over. */
static const file_rules import_file_rules = {
	.purpose = "register.import",
	.visibility = "office",
	.types = NULL,
	.max_bytes = (size_t)64 * 1024 * 1024,
	.image = false,
};

static const char *const batch_kinds[] = {"schools", "people", "institutions", NULL};
static const char *const mapping_kinds[] = {"people", "institutions", NULL};
static const char *const formats[] = {"csv", "xlsx", NULL};
static const char *const encodings[] = {"utf-8", "windows-1252", NULL};

/* Compact JSON text of o (an object), "{}" for NULL. Newly allocated. */
static char *json_text(json_t *o)
{
	char *s;

	if (!o)
		return g_strdup("{}");
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!s)
		return g_strdup("{}");
	/* json_dumps allocates with malloc; hand out a GLib string. */
	{
		char *g = g_strdup(s);
		free(s);
		return g;
	}
}

/* The JSON object stored as text in column col ({} when unreadable). New. */
static json_t *col_json(db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);
	json_t *o = s ? json_loads(s, 0, NULL) : NULL;

	if (!o)
		o = json_object();
	return o;
}

/* ---- batches ---------------------------------------------------------- */

int64_t import_batch_create(const bireg_ctx *ctx, const import_batch_input *in, GError **err)
{
	g_autofree char *mapping = NULL, *report = NULL;
	char now[21];
	int64_t file_id = 0, id = -1;
	bool own;

	if (!register_one_of(in->kind, batch_kinds))
		return register_invalid(err, "kind", N_("Choose what to import."));
	if (!register_one_of(in->format ? in->format : "csv", formats))
		return register_invalid(err, "format", N_("The file is neither CSV nor XLSX."));
	if (!register_one_of(in->encoding ? in->encoding : "utf-8", encodings))
		return register_invalid(err, "encoding", N_("The file's character set is not supported."));
	if (in->mapping && !json_is_object(in->mapping))
		return register_invalid(err, "mapping", N_("The column mapping is not valid."));
	if (in->report && !json_is_object(in->report))
		return register_invalid(err, "report", N_("The import report is not valid."));
	mapping = json_text(in->mapping);
	report = json_text(in->report);
	util_now_iso(now);

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (in->data && in->len > 0 &&
	    file_put(ctx, in->file_name, in->data, in->len, &import_file_rules, &file_id, err) < 0)
		goto out;
	{
		/* The name as stored: sanitised, and at most 255 characters. */
		g_autofree char *name = file_sanitize_name(in->file_name, NULL);
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO import_batch (region_id, kind, state, file_id, file_name, format, "
			"encoding, mapping, rows_total, rows_done, report, created_by, created_at, "
			"updated_at) VALUES ($1, $2, 'preview', $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, "
			"$11) RETURNING id", err);
		if (!st)
			goto out;
		if (g_utf8_strlen(name, -1) > 255) {
			char *end = g_utf8_offset_to_pointer(name, 255);
			*end = '\0';
		}
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, in->kind);
		if (file_id > 0)
			db_bind_int64(st, 3, file_id);
		else
			db_bind_null(st, 3);
		db_bind_text(st, 4, in->file_name && *in->file_name ? name : "");
		db_bind_text(st, 5, in->format ? in->format : "csv");
		db_bind_text(st, 6, in->encoding ? in->encoding : "utf-8");
		db_bind_text(st, 7, mapping);
		db_bind_int64(st, 8, in->rows_total);
		db_bind_text(st, 9, report);
		if (ctx->user_id > 0)
			db_bind_int64(st, 10, ctx->user_id);
		else
			db_bind_null(st, 10);
		db_bind_text(st, 11, now);
		if (db_step(st, err) == DB_ROW)
			id = db_col_int64(st, 0);
	}
out:
	if (db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

#define BATCH_COLS                                                                             \
	"b.id, b.kind, b.state, b.file_id, b.file_name, b.format, b.encoding, b.mapping, "     \
	"b.rows_total, b.rows_done, b.report, b.job_id, b.created_by, "                        \
	"coalesce(a.display_name, ''), b.created_at, b.updated_at, b.finished_at"
#define BATCH_FROM "FROM import_batch b LEFT JOIN account a ON a.id = b.created_by "

/* The counts of a report: its integers as they are and its arrays by
 * their length ({new: 3, rejected: 0, rows: 140, ...}). New. */
static json_t *report_counts(json_t *report)
{
	json_t *counts = json_object();
	const char *key;
	json_t *v;

	json_object_foreach (report, key, v) {
		if (json_is_integer(v))
			json_object_set(counts, key, v);
		else if (json_is_array(v))
			json_object_set_new(counts, key, json_integer((json_int_t)json_array_size(v)));
	}
	return counts;
}

static json_t *batch_row(db_stmt *st, bool full)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "id",
			      (json_int_t)db_col_int64(st, 0), "kind", db_col_text(st, 1), "state",
			      db_col_text(st, 2), "file_name", register_nz(db_col_text(st, 4)),
			      "format", db_col_text(st, 5), "encoding", db_col_text(st, 6),
			      "rows_total", (json_int_t)db_col_int64(st, 8), "rows_done",
			      (json_int_t)db_col_int64(st, 9), "created_by_name",
			      register_nz(db_col_text(st, 13)), "created_at", db_col_text(st, 14),
			      "updated_at", db_col_text(st, 15));
	json_t *report = col_json(st, 10);

	json_object_set_new(o, "file_id", register_col_id_or_null(st, 3));
	json_object_set_new(o, "mapping", col_json(st, 7));
	json_object_set_new(o, "job_id", register_col_id_or_null(st, 11));
	json_object_set_new(o, "created_by", register_col_id_or_null(st, 12));
	json_object_set_new(o, "finished_at", register_col_text_or_null(st, 16));
	json_object_set_new(o, "counts", report_counts(report));
	if (full)
		json_object_set_new(o, "report", report);
	else
		json_decref(report);
	return o;
}

static json_t *batch_row_short(db_stmt *st, void *data)
{
	(void)data;
	return batch_row(st, false);
}

json_t *import_batch_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT " BATCH_COLS " " BATCH_FROM "WHERE b.region_id = $1 AND b.id = $2", id,
		N_("No such import."), err);

	return st ? batch_row(st, true) : NULL;
}

GBytes *import_batch_file(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(file_info) f = NULL;
	int64_t file_id;

	{
		g_autoptr(db_stmt) st = register_get_row(ctx,
			"SELECT coalesce(file_id, 0) FROM import_batch WHERE region_id = $1 AND id = $2",
			id, N_("No such import."), err);
		if (!st)
			return NULL;
		file_id = db_col_int64(st, 0);
	}
	if (file_id <= 0) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("The import's file is no longer kept."));
		return NULL;
	}
	f = file_get(ctx, file_id, err);
	if (!f) {
		if (err && !*err)
			register_fail(err, REGISTER_ERROR_NOT_FOUND,
				      N_("The import's file is no longer kept."));
		return NULL;
	}
	return g_bytes_ref(f->data);
}

json_t *import_batch_list(const bireg_ctx *ctx, const char *kind, int64_t limit, int64_t offset,
			  GError **err)
{
	g_autoptr(db_stmt) cnt = NULL, st = NULL;
	json_t *rows, *out;
	int64_t total;

	if (limit <= 0)
		limit = 50;
	if (limit > 200)
		limit = 200;
	if (offset < 0)
		offset = 0;
	cnt = db_prepare(ctx->db, "SELECT count(*) FROM import_batch WHERE region_id = $1 AND "
			 "($2 = '' OR kind = $2)", err);
	if (!cnt)
		return NULL;
	db_bind_int64(cnt, 1, ctx->region_id);
	db_bind_text(cnt, 2, register_nz(kind));
	if (db_step(cnt, err) != DB_ROW)
		return NULL;
	total = db_col_int64(cnt, 0);
	st = db_prepare(ctx->db, "SELECT " BATCH_COLS " " BATCH_FROM
			"WHERE b.region_id = $1 AND ($2 = '' OR b.kind = $2) "
			"ORDER BY b.id DESC LIMIT $3 OFFSET $4", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, register_nz(kind));
	db_bind_int64(st, 3, limit);
	db_bind_int64(st, 4, offset);
	rows = register_collect(st, batch_row_short, NULL, err);
	if (!rows)
		return NULL;
	out = json_pack("{s:I,s:o}", "total", (json_int_t)total, "rows", rows);
	return out;
}

/* May a batch go from state `from` to state `to`? */
static bool transition_ok(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} allowed[] = {
		/* preview → preview: the generic import stores a new mapping
		 * and its preview report (H3). */
		{"preview", "preview"},
		{"preview", "queued"},  {"preview", "running"}, {"preview", "done"},
		{"preview", "failed"},  {"preview", "cancelled"}, {"queued", "running"},
		{"queued", "done"},     {"queued", "failed"},   {"queued", "cancelled"},
		{"running", "done"},    {"running", "failed"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++)
		if (!g_strcmp0(allowed[i].from, from) && !g_strcmp0(allowed[i].to, to))
			return true;
	return false;
}

int import_batch_set_state(const bireg_ctx *ctx, int64_t id, const char *state, json_t *report,
			   json_t *mapping, GError **err)
{
	g_autofree char *from = NULL, *report_text = NULL, *mapping_text = NULL;
	char now[21];
	bool own, final;
	int rc = -1;

	if ((report && !json_is_object(report)) || (mapping && !json_is_object(mapping)))
		return register_invalid(err, "report", N_("The import report is not valid."));
	report_text = report ? json_text(report) : NULL;
	mapping_text = mapping ? json_text(mapping) : NULL;
	final = register_one_of(state, (const char *const[]){"done", "failed", "cancelled", NULL});
	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = register_get_row(ctx,
			"SELECT state FROM import_batch WHERE region_id = $1 AND id = $2", id,
			N_("No such import."), err);
		if (!st)
			goto out;
		from = g_strdup(db_col_text(st, 0));
	}
	if (!transition_ok(from, state)) {
		register_invalid(err, "state",
				 N_("This import cannot change to that state any more."));
		goto out;
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE import_batch SET state = $3, report = coalesce($4, report), "
			"mapping = coalesce($5, mapping), updated_at = $6, "
			"finished_at = CASE WHEN $7 = 1 THEN $6 ELSE finished_at END "
			"WHERE region_id = $1 AND id = $2", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, state);
		db_bind_text(st, 4, report_text);
		db_bind_text(st, 5, mapping_text);
		db_bind_text(st, 6, now);
		db_bind_int64(st, 7, final ? 1 : 0);
		if (db_run(st, err) == DB_OK)
			rc = 0;
	}
out:
	return db_join_end(ctx->db, own, rc, err);
}

/* UPDATE import_batch SET <set> with $3 = v, $4 = now. */
static int batch_set_int(const bireg_ctx *ctx, int64_t id, const char *sql, int64_t v,
			 GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	char now[21];

	if (!st)
		return -1;
	util_now_iso(now);
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, v);
	db_bind_text(st, 4, now);
	if (db_run(st, err) != DB_OK)
		return -1;
	if (db_changes(ctx->db) == 0)
		return register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("No such import."));
	return 0;
}

int import_batch_set_job(const bireg_ctx *ctx, int64_t id, int64_t job_id, GError **err)
{
	return batch_set_int(ctx, id,
			     "UPDATE import_batch SET job_id = $3, updated_at = $4 "
			     "WHERE region_id = $1 AND id = $2",
			     job_id, err);
}

int import_batch_progress(const bireg_ctx *ctx, int64_t id, int64_t rows_done, GError **err)
{
	return batch_set_int(ctx, id,
			     "UPDATE import_batch SET rows_done = $3, updated_at = $4 "
			     "WHERE region_id = $1 AND id = $2",
			     rows_done, err);
}

int64_t import_batch_drop_files(const bireg_ctx *ctx, const char *before, GError **err)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GArray) files = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t n = 0;
	bool own;
	int rc = -1, r;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		/* Abandoned previews count as discarded. */
		char now[21];
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE import_batch SET state = 'cancelled', finished_at = $3, updated_at = $3 "
			"WHERE region_id = $1 AND state = 'preview' AND updated_at < $2", err);
		if (!st)
			goto out;
		util_now_iso(now);
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, register_nz(before));
		db_bind_text(st, 3, now);
		if (db_run(st, err) < 0)
			goto out;
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT id, file_id FROM import_batch WHERE region_id = $1 AND file_id IS NOT NULL "
			"AND (state = 'cancelled' OR (state IN ('done', 'failed') AND finished_at < $2))",
			err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, register_nz(before));
		while ((r = db_step(st, err)) == DB_ROW) {
			int64_t bid = db_col_int64(st, 0), fid = db_col_int64(st, 1);
			g_array_append_val(ids, bid);
			g_array_append_val(files, fid);
		}
		if (r < 0)
			goto out;
	}
	for (guint i = 0; i < ids->len; i++) {
		int d;
		if (register_run(ctx, "UPDATE import_batch SET file_id = NULL WHERE region_id = $1 "
				 "AND id = $2", g_array_index(ids, int64_t, i), err) < 0)
			goto out;
		d = file_delete(ctx, g_array_index(files, int64_t, i), err);
		if (d < 0)
			goto out;
		n += d;
	}
	rc = 0;
out:
	if (db_join_end(ctx->db, own, rc, err) < 0)
		return -1;
	return n;
}

/* ---- saved mappings ---------------------------------------------------- */

static json_t *mapping_row(db_stmt *st, void *data)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0), "kind",
			      db_col_text(st, 1), "name", db_col_text(st, 2), "updated_at",
			      db_col_text(st, 4));
	(void)data;
	json_object_set_new(o, "mapping", col_json(st, 3));
	return o;
}

static int mapping_cmp(gconstpointer a, gconstpointer b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	g_autofree char *kx = register_sort_key(register_jstr(x, "name"), NULL);
	g_autofree char *ky = register_sort_key(register_jstr(y, "name"), NULL);
	int c = g_strcmp0(kx, ky);

	return c ? c : g_strcmp0(register_jstr(x, "name"), register_jstr(y, "name"));
}

json_t *import_mapping_list(const bireg_ctx *ctx, const char *kind, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, kind, name, mapping, updated_at FROM import_mapping "
		"WHERE region_id = $1 AND kind = $2", err);
	json_t *rows;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, register_nz(kind));
	rows = register_collect(st, mapping_row, NULL, err);
	if (!rows)
		return NULL;
	/* By name in C: the backends' collations differ. */
	{
		size_t n = json_array_size(rows);
		g_autoptr(GPtrArray) v = g_ptr_array_new();
		json_t *sorted = json_array();
		for (size_t i = 0; i < n; i++)
			g_ptr_array_add(v, json_array_get(rows, i));
		g_ptr_array_sort(v, mapping_cmp);
		for (guint i = 0; i < v->len; i++)
			json_array_append(sorted, g_ptr_array_index(v, i));
		json_decref(rows);
		rows = sorted;
	}
	return rows;
}

json_t *import_mapping_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT id, kind, name, mapping, updated_at FROM import_mapping "
		"WHERE region_id = $1 AND id = $2", id, N_("No such saved mapping."), err);

	return st ? mapping_row(st, NULL) : NULL;
}

int64_t import_mapping_save(const bireg_ctx *ctx, const char *kind, const char *name,
			    json_t *mapping, GError **err)
{
	g_autofree char *text = NULL, *clean = NULL;
	char now[21];
	int64_t id = -1;
	bool own;

	if (!register_one_of(kind, mapping_kinds))
		return register_invalid(err, "kind", N_("Choose what to import."));
	clean = g_strstrip(g_strdup(register_nz(name)));
	if (!register_text_ok(clean, 1, 100))
		return register_invalid(err, "mapping_name",
					N_("Give the mapping a name of at most 100 characters."));
	if (!json_is_object(mapping))
		return register_invalid(err, "mapping", N_("The column mapping is not valid."));
	text = json_text(mapping);
	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO import_mapping (region_id, kind, name, mapping, created_by, "
			"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) "
			"ON CONFLICT (region_id, kind, name) DO UPDATE SET mapping = excluded.mapping, "
			"updated_at = excluded.updated_at RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, kind);
			db_bind_text(st, 3, clean);
			db_bind_text(st, 4, text);
			if (ctx->user_id > 0)
				db_bind_int64(st, 5, ctx->user_id);
			else
				db_bind_null(st, 5);
			db_bind_text(st, 6, now);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
	}
	if (db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

int import_mapping_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool own;
	int rc = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (register_require(ctx, "SELECT 1 FROM import_mapping WHERE region_id = $1 AND id = $2",
			     id, N_("No such saved mapping."), err) == 0)
		rc = register_run(ctx, "DELETE FROM import_mapping WHERE region_id = $1 AND id = $2",
				  id, err);
	return db_join_end(ctx->db, own, rc, err);
}
