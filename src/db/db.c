/*
 * db.c — the generic front of the storage layer.
 *
 * Picks the backend from the URL and forwards every db.h call through the
 * backend's struct db_ops (see db_internal.h). What is the same on every
 * backend lives here: argument checks, bool as integer, db_run() and
 * db_ping(). The dialect itself stays inside db_sqlite.c and db_pg.c.
 */
#include "db/db_internal.h"

#include <string.h>

G_DEFINE_QUARK(bireg-db-error-quark, bireg_db_error)

db_status db_fail(GError **err, db_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		g_autofree char *msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		g_set_error_literal(err, BIREG_DB_ERROR, code, msg);
	}
	return code;
}

void db_options_init(db_options *o)
{
	o->busy_timeout_ms = DB_DEFAULT_BUSY_TIMEOUT_MS;
	o->busy_retries = DB_DEFAULT_BUSY_RETRIES;
	o->connect_timeout_s = DB_DEFAULT_CONNECT_TIMEOUT_S;
	o->statement_timeout_ms = DB_DEFAULT_STATEMENT_TIMEOUT_MS;
}

bool db_url_is_postgres(const char *url)
{
	return url && (g_str_has_prefix(url, "postgresql://") || g_str_has_prefix(url, "postgres://"));
}

char *db_url_describe(const char *url)
{
	if (!url || !*url)
		return g_strdup("(no database)");
	if (db_url_is_postgres(url))
		return db_pg_describe_url(url);
	return g_strdup(url);
}

db *db_open_with(const char *url, const db_options *opts, GError **err)
{
	db_options defaults;
	if (!opts) {
		db_options_init(&defaults);
		opts = &defaults;
	}
	if (!url || !*url) {
		db_fail(err, DB_ERROR, "no database given (a file path or a postgresql:// URL)");
		return NULL;
	}
	/* The URL is not repeated in messages: it may carry a password. */
	if (db_url_is_postgres(url))
		return db_pg_open(url, opts, err);
	return db_sqlite_open(url, opts, err);
}

db *db_open(const char *url, GError **err)
{
	return db_open_with(url, NULL, err);
}

void db_close(db *d)
{
	if (d)
		d->ops->close(d);
}

db_backend db_get_backend(const db *d)
{
	return d->ops->backend;
}

int db_join_begin(db *d, bool *own, GError **err)
{
	*own = !db_in_transaction(d);
	if (*own && db_begin(d, err) != DB_OK)
		return -1;
	return 0;
}

int db_join_end(db *d, bool own, int rc, GError **err)
{
	if (!own)
		return rc;
	if (rc < 0) {
		db_rollback(d);
		return rc;
	}
	if (db_commit(d, err) != DB_OK)
		return -1;
	return rc;
}

void db_set_region(db *d, int64_t region_id)
{
	d->region_id = region_id > 0 ? region_id : 0;
}

int64_t db_get_region(const db *d)
{
	return d->region_id;
}

db_status db_begin(db *d, GError **err)
{
	return d->ops->begin(d, err);
}

db_status db_commit(db *d, GError **err)
{
	return d->ops->commit(d, err);
}

void db_rollback(db *d)
{
	if (!d)
		return;
	d->ops->rollback(d);
}

bool db_in_transaction(db *d)
{
	return d->ops->in_transaction(d);
}

db_status db_exec(db *d, const char *sql, GError **err)
{
	return d->ops->exec(d, sql, err);
}

db_stmt *db_prepare(db *d, const char *sql, GError **err)
{
	return d->ops->prepare(d, sql, err);
}

void db_stmt_free(db_stmt *s)
{
	if (s)
		s->ops->stmt_free(s);
}

void db_bind_int64(db_stmt *s, int idx, int64_t v)
{
	s->ops->bind_int64(s, idx, v);
}

void db_bind_text(db_stmt *s, int idx, const char *v)
{
	if (v)
		s->ops->bind_text(s, idx, v);
	else
		s->ops->bind_null(s, idx);
}

void db_bind_bool(db_stmt *s, int idx, bool v)
{
	/* Booleans are INTEGER 0/1 on SQLite; the PostgreSQL backend will map
	 * this onto its own boolean when it binds. */
	s->ops->bind_int64(s, idx, v ? 1 : 0);
}

void db_bind_null(db_stmt *s, int idx)
{
	s->ops->bind_null(s, idx);
}

void db_bind_blob(db_stmt *s, int idx, const void *data, size_t len)
{
	s->ops->bind_blob(s, idx, data, len);
}

db_status db_step(db_stmt *s, GError **err)
{
	return s->ops->step(s, err);
}

db_status db_run(db_stmt *s, GError **err)
{
	db_status rc;
	/* Rows (INSERT ... RETURNING run through db_run) are read and dropped so
	 * the statement really completes. */
	while ((rc = s->ops->step(s, err)) == DB_ROW)
		;
	/* Reset either way: the statement can be bound and run again at once,
	 * and holds no lock meanwhile. */
	s->ops->reset(s);
	return rc == DB_DONE ? DB_OK : rc;
}

void db_reset(db_stmt *s)
{
	s->ops->reset(s);
}

int db_col_count(db_stmt *s)
{
	return s->ops->col_count(s);
}

bool db_col_is_null(db_stmt *s, int col)
{
	return s->ops->col_is_null(s, col);
}

int64_t db_col_int64(db_stmt *s, int col)
{
	return s->ops->col_int64(s, col);
}

bool db_col_bool(db_stmt *s, int col)
{
	/* 1 or 0 from integer columns on both backends; PostgreSQL's own
	 * booleans ('t'/'f') are mapped by its col_int64. */
	return s->ops->col_int64(s, col) != 0;
}

const char *db_col_text(db_stmt *s, int col)
{
	return s->ops->col_text(s, col);
}

const void *db_col_blob(db_stmt *s, int col, size_t *len)
{
	size_t dummy;
	return s->ops->col_blob(s, col, len ? len : &dummy);
}

int64_t db_last_insert_id(db *d)
{
	return d->ops->last_insert_id(d);
}

int64_t db_changes(db *d)
{
	return d->ops->changes(d);
}

db_status db_ping(db *d, GError **err)
{
	GError *e = NULL;
	g_autoptr(db_stmt) s = db_prepare(d, "SELECT 1", &e);
	if (!s) {
		db_status code = (db_status)e->code;
		g_propagate_error(err, e);
		return code;
	}
	db_status rc = db_step(s, err);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || db_col_int64(s, 0) != 1)
		return db_fail(err, DB_ERROR, "SELECT 1 did not return 1");
	return DB_OK;
}

db_status db_check_serving_role(db *d, GError **err)
{
	if (!d->ops->check_serving_role)
		return DB_OK;
	return d->ops->check_serving_role(d, err);
}

char *db_json_rows(db *d, int param, const char *alias, const char *const *cols)
{
	GString *s = g_string_new(NULL);
	bool pg = db_get_backend(d) == DB_BACKEND_POSTGRES;

	if (pg) {
		g_string_append_printf(s, "json_to_recordset($%d::json) AS %s(", param, alias);
		for (size_t i = 0; cols[i]; i++)
			g_string_append_printf(s, "%s%s", i ? ", " : "", cols[i]);
		g_string_append_c(s, ')');
		return g_string_free(s, FALSE);
	}
	/* SQLite: the columns by name from each element; json_extract gives
	 * JSON integers as INTEGER, strings as TEXT, true/false as 1/0 and null
	 * as NULL, which is what the STRICT tables take. */
	g_string_append(s, "(SELECT ");
	for (size_t i = 0; cols[i]; i++) {
		const char *sp = strchr(cols[i], ' ');
		g_autofree char *name = sp ? g_strndup(cols[i], (gsize)(sp - cols[i])) : g_strdup(cols[i]);
		g_string_append_printf(s, "%sjson_extract(j.value, '$.%s') AS %s", i ? ", " : "", name,
				       name);
	}
	g_string_append_printf(s, " FROM json_each($%d) AS j) AS %s", param, alias);
	return g_string_free(s, FALSE);
}

void db_json_text(GString *out, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(v ? v : "");
	const unsigned char *run = p;

	g_string_append_c(out, '"');
	for (; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		g_string_append_len(out, (const char *)run, (gssize)(p - run));
		if (*p == '"' || *p == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (char)*p);
		} else {
			g_string_append(out, "\\u00");
			g_string_append_c(out, hex[*p >> 4]);
			g_string_append_c(out, hex[*p & 15]);
		}
		run = p + 1;
	}
	g_string_append_len(out, (const char *)run, (gssize)(p - run));
	g_string_append_c(out, '"');
}
