/*
 * file_store.c — files and their content-addressed bytes in the database
 * (see file_store.h).
 *
 * Concurrency: a blob may lose its last file in one transaction while another
 * transaction stores the same bytes again. Both sides therefore lock the
 * blob row first, with a no-op UPDATE that runs unchanged on both backends
 * (SQLite has no SELECT ... FOR UPDATE; its writers are serialised by
 * BEGIN IMMEDIATE anyway, on PostgreSQL the row lock orders them):
 *   put:    lock the blob by (region, sha256); none there: insert it (ON
 *           CONFLICT DO NOTHING, then look again); insert the file row.
 *   delete: lock the blob, delete the file, delete the blob where no file
 *           refers to it any more. Under READ COMMITTED that last statement
 *           sees every file committed by a put that waited for the lock.
 * Whichever comes second sees the first one's outcome: a put that waited
 * for a delete finds the blob gone and inserts it again; a delete that
 * waited for a put sees the new file and keeps the blob.
 */
#include "files/file_store.h"

#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "db/db.h"

G_DEFINE_QUARK(bireg-file-error-quark, bireg_file_error)

static const char *const logo_types[] = {"image/png", "image/jpeg", "image/webp", NULL};

const file_rules file_rules_region_logo = {
	.purpose = "region.logo",
	.visibility = "public",
	.types = logo_types,
	.max_bytes = FILE_LOGO_MAX_BYTES,
	.image = true,
};

void file_info_free(file_info *f)
{
	if (!f)
		return;
	g_free(f->name);
	g_free(f->media_type);
	g_free(f->purpose);
	g_free(f->visibility);
	if (f->data)
		g_bytes_unref(f->data);
	g_free(f);
}

/* ---- names ----------------------------------------------------------- */

static bool forbidden_in_name(gunichar c)
{
	return c < 0x80 && strchr("<>:\"/\\|?*", (int)c) != NULL;
}

static bool dropped_from_name(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:             /* C0, DEL, C1: CR, LF, tab too */
	case G_UNICODE_FORMAT:              /* bidi overrides, zero-width characters */
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
	case G_UNICODE_SURROGATE:
	case G_UNICODE_PRIVATE_USE:
	case G_UNICODE_UNASSIGNED:
		return true;
	default:
		return false;
	}
}

/* Removes leading and trailing spaces and dots ("..", ".bashrc" hidden,
 * Windows drops trailing dots). */
static void trim_name(GString *s)
{
	gsize start = 0, end = s->len;

	while (start < end && (s->str[start] == ' ' || s->str[start] == '.'))
		start++;
	while (end > start && (s->str[end - 1] == ' ' || s->str[end - 1] == '.'))
		end--;
	g_string_truncate(s, end);
	g_string_erase(s, 0, (gssize)start);
}

/* Cuts s to FILE_NAME_MAX bytes at a character boundary, in the stem when
 * there is a short extension, so "bericht.pdf" stays a PDF. */
static void limit_name(GString *s)
{
	const char *dot;
	size_t ext_len = 0, keep;

	if (s->len <= FILE_NAME_MAX)
		return;
	dot = strrchr(s->str, '.');
	if (dot && dot != s->str && strlen(dot) <= 16 && !strchr(dot, ' '))
		ext_len = strlen(dot);
	g_autofree char *ext = g_strdup(s->str + s->len - ext_len);
	keep = text_utf8_prefix_len(s->str, s->len - ext_len, FILE_NAME_MAX - ext_len);
	g_string_truncate(s, keep);
	while (s->len && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
		g_string_truncate(s, s->len - 1);
	g_string_append(s, ext);
}

char *file_sanitize_name(const char *name, const char *media_type)
{
	g_autofree char *valid = g_utf8_make_valid(name ? name : "", -1);
	g_autofree char *nfc = NULL;
	const char *base = valid;
	GString *out;
	bool space = false;

	/* Only the last path element: browsers on Windows used to send the
	 * whole path, and a name must never climb out of anything. */
	for (const char *p = valid; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	nfc = g_utf8_normalize(base, -1, G_NORMALIZE_NFC);
	out = g_string_new(NULL);
	for (const char *p = nfc ? nfc : ""; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isspace(c) || g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR) {
			space = out->len > 0;
			continue;
		}
		if (dropped_from_name(c))
			continue;
		if (space)
			g_string_append_c(out, ' ');
		space = false;
		if (forbidden_in_name(c) || c == 0xfffd)
			g_string_append_c(out, '_');
		else
			g_string_append_unichar(out, c);
	}
	trim_name(out);
	limit_name(out);
	trim_name(out);
	if (out->len == 0 || !strcmp(out->str, "_")) {
		g_string_assign(out, "datei");
		g_string_append(out, file_type_extension(media_type));
	}
	return g_string_free(out, FALSE);
}

/* ---- transactions ---------------------------------------------------- */

/* Joins the caller's transaction or opens one (db.h). */
#define tx_start db_join_begin
#define tx_finish db_join_end

static int no_region(GError **err)
{
	g_set_error(err, BIREG_DB_ERROR, DB_ERROR, "file store called without a region");
	return -1;
}

/* ---- put ------------------------------------------------------------- */

/* The id of the blob with these bytes in the region, locked for this
 * transaction; inserted when missing. 0 on error. */
static int64_t blob_for(const bireg_ctx *ctx, const char *sha, const void *data, size_t len,
			GError **err)
{
	char now[21];

	util_now_iso(now);
	/* Twice at most: a PostgreSQL transaction may insert the same bytes
	 * between our look and our insert; then the second look finds them. */
	for (int attempt = 0; attempt < 3; attempt++) {
		g_autoptr(db_stmt) lock = db_prepare(ctx->db,
			"UPDATE file_blob SET size = size WHERE region_id = $1 AND sha256 = $2 "
			"RETURNING id", err);
		g_autoptr(db_stmt) ins = NULL;
		int r;

		if (!lock)
			return 0;
		db_bind_int64(lock, 1, ctx->region_id);
		db_bind_text(lock, 2, sha);
		r = db_step(lock, err);
		if (r == DB_ROW)
			return db_col_int64(lock, 0);
		if (r < 0)
			return 0;
		ins = db_prepare(ctx->db,
			"INSERT INTO file_blob (region_id, sha256, size, content, created_at) "
			"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (region_id, sha256) DO NOTHING "
			"RETURNING id", err);
		if (!ins)
			return 0;
		db_bind_int64(ins, 1, ctx->region_id);
		db_bind_text(ins, 2, sha);
		db_bind_int64(ins, 3, (int64_t)len);
		db_bind_blob(ins, 4, data, len);
		db_bind_text(ins, 5, now);
		r = db_step(ins, err);
		if (r == DB_ROW)
			return db_col_int64(ins, 0);
		if (r < 0)
			return 0;
	}
	g_set_error(err, BIREG_DB_ERROR, DB_BUSY, "file blob: lost the race three times");
	return 0;
}

static bool type_allowed(const file_rules *rules, const char *type)
{
	if (!rules->types)
		return true;
	for (const char *const *t = rules->types; *t; t++)
		if (!strcmp(*t, type))
			return true;
	return false;
}

/* The checks of file_put() that need no database. */
static int check_content(const void *data, size_t len, const file_rules *rules, char **type_out,
			 int *w, int *h, GError **err)
{
	size_t max = rules->max_bytes ? rules->max_bytes : FILE_MAX_BYTES_DEFAULT;
	g_autofree char *type = NULL;

	if (len == 0 || !data) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_EMPTY, "the file is empty");
		return -1;
	}
	if (len > max) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_TOO_LARGE,
			    "the file has %zu bytes, the limit is %zu", len, max);
		return -1;
	}
	type = file_detect_type(data, len, err);
	if (!type)
		return -1;
	if (!type_allowed(rules, type)) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_TYPE, "type %s is not allowed for %s",
			    type, rules->purpose);
		return -1;
	}
	*w = *h = 0;
	if (!file_image_size(data, len, type, w, h) && rules->image) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_IMAGE,
			    "%s: cannot read the image's size", type);
		return -1;
	}
	*type_out = g_steal_pointer(&type);
	return 0;
}

int file_put(const bireg_ctx *ctx, const char *name, const void *data, size_t len,
	     const file_rules *rules, int64_t *id_out, GError **err)
{
	g_autofree char *type = NULL, *clean = NULL, *sha = NULL;
	g_autoptr(db_stmt) ins = NULL;
	char now[21];
	int w, h, rc = -1;
	int64_t blob;
	bool own;

	g_return_val_if_fail(rules && rules->purpose && rules->visibility && id_out, -1);
	if (ctx->region_id <= 0)
		return no_region(err);
	if (check_content(data, len, rules, &type, &w, &h, err) < 0)
		return -1;
	clean = file_sanitize_name(name, type);
	sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	util_now_iso(now);

	if (tx_start(ctx->db, &own, err) < 0)
		return -1;
	blob = blob_for(ctx, sha, data, len, err);
	if (!blob)
		goto out;
	ins = db_prepare(ctx->db,
		"INSERT INTO file (region_id, blob_id, name, media_type, size, purpose, visibility, "
		"width, height, created_by, created_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id", err);
	if (!ins)
		goto out;
	db_bind_int64(ins, 1, ctx->region_id);
	db_bind_int64(ins, 2, blob);
	db_bind_text(ins, 3, clean);
	db_bind_text(ins, 4, type);
	db_bind_int64(ins, 5, (int64_t)len);
	db_bind_text(ins, 6, rules->purpose);
	db_bind_text(ins, 7, rules->visibility);
	if (w > 0) {
		db_bind_int64(ins, 8, w);
		db_bind_int64(ins, 9, h);
	} else {
		db_bind_null(ins, 8);
		db_bind_null(ins, 9);
	}
	if (ctx->user_id > 0)
		db_bind_int64(ins, 10, ctx->user_id);
	else
		db_bind_null(ins, 10);
	db_bind_text(ins, 11, now);
	if (db_step(ins, err) != DB_ROW)
		goto out;
	*id_out = db_col_int64(ins, 0);
	rc = 0;
out:
	g_clear_pointer(&ins, db_stmt_free);
	return tx_finish(ctx->db, own, rc, err);
}

/* ---- get ------------------------------------------------------------- */

#define FILE_COLS                                                                            \
	"f.id, f.name, f.media_type, f.size, f.purpose, f.visibility, b.sha256, "           \
	"coalesce(f.width, 0), coalesce(f.height, 0), coalesce(f.created_by, 0), f.created_at"

static file_info *load(const bireg_ctx *ctx, int64_t id, bool with_data, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	file_info *f;
	int r;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	st = db_prepare(ctx->db,
		with_data ? "SELECT " FILE_COLS ", b.content FROM file f JOIN file_blob b "
			    "ON b.id = f.blob_id AND b.region_id = f.region_id "
			    "WHERE f.id = $1 AND f.region_id = $2"
			  : "SELECT " FILE_COLS " FROM file f JOIN file_blob b "
			    "ON b.id = f.blob_id AND b.region_id = f.region_id "
			    "WHERE f.id = $1 AND f.region_id = $2", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, ctx->region_id);
	r = db_step(st, err);
	if (r != DB_ROW)
		return NULL; /* DB_DONE: none such (err unset) */
	f = g_new0(file_info, 1);
	f->id = db_col_int64(st, 0);
	f->name = g_strdup(db_col_text(st, 1));
	f->media_type = g_strdup(db_col_text(st, 2));
	f->size = db_col_int64(st, 3);
	f->purpose = g_strdup(db_col_text(st, 4));
	f->visibility = g_strdup(db_col_text(st, 5));
	g_strlcpy(f->sha256, db_col_text(st, 6), sizeof f->sha256);
	f->width = (int)db_col_int64(st, 7);
	f->height = (int)db_col_int64(st, 8);
	f->created_by = db_col_int64(st, 9);
	g_strlcpy(f->created_at, db_col_text(st, 10), sizeof f->created_at);
	if (with_data) {
		size_t len = 0;
		const void *p = db_col_blob(st, 11, &len);
		f->data = g_bytes_new(p, len);
	}
	return f;
}

file_info *file_stat(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return load(ctx, id, false, err);
}

file_info *file_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return load(ctx, id, true, err);
}

/* ---- delete ---------------------------------------------------------- */

static int run_id2(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, ctx->region_id);
	return db_run(st, err) < 0 ? -1 : 0;
}

int file_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) find = NULL;
	int64_t blob;
	int rc = -1, r;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (tx_start(ctx->db, &own, err) < 0)
		return -1;
	find = db_prepare(ctx->db, "SELECT blob_id FROM file WHERE id = $1 AND region_id = $2", err);
	if (!find)
		goto out;
	db_bind_int64(find, 1, id);
	db_bind_int64(find, 2, ctx->region_id);
	r = db_step(find, err);
	if (r < 0)
		goto out;
	if (r == DB_DONE) {
		rc = 0;
		goto out;
	}
	blob = db_col_int64(find, 0);
	g_clear_pointer(&find, db_stmt_free);
	if (run_id2(ctx, "UPDATE file_blob SET size = size WHERE id = $1 AND region_id = $2", blob,
		    err) < 0 ||
	    run_id2(ctx, "DELETE FROM file WHERE id = $1 AND region_id = $2", id, err) < 0 ||
	    run_id2(ctx,
		    "DELETE FROM file_blob WHERE id = $1 AND region_id = $2 AND NOT EXISTS "
		    "(SELECT 1 FROM file WHERE blob_id = $1 AND region_id = $2)", blob, err) < 0)
		goto out;
	rc = 1;
out:
	g_clear_pointer(&find, db_stmt_free);
	return tx_finish(ctx->db, own, rc, err);
}
