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

/* ---- many rows in one statement --------------------------------------- */

/* Appends v (valid UTF-8; NULL as "") as a JSON string to out. */
static void json_text(GString *out, const char *v)
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

typedef struct rows_value {
	char *text;   /* NULL: integer or null */
	int64_t i;
	bool null;
} rows_value;

struct db_rows {
	bool pg;
	bool json;         /* the rows as one JSON parameter (PostgreSQL, or asked for) */
	GPtrArray *names;  /* column names (owned) */
	GPtrArray *cols;   /* "name type" as given (borrowed) */
	size_t col;        /* columns of the current row given so far */
	size_t n;          /* complete rows */
	GString *text;     /* json: the rows as a JSON array */
	GArray *values;    /* else: rows_value, row after row */
};

db_rows *db_rows_new(db *d, const char *const *cols)
{
	db_rows *r = g_new0(db_rows, 1);

	r->pg = db_get_backend(d) == DB_BACKEND_POSTGRES;
	r->names = g_ptr_array_new_with_free_func(g_free);
	r->cols = g_ptr_array_new();
	for (size_t i = 0; cols[i]; i++) {
		g_ptr_array_add(r->names, g_strndup(cols[i], strcspn(cols[i], " ")));
		g_ptr_array_add(r->cols, (gpointer)cols[i]);
	}
	r->json = r->pg;
	r->text = g_string_new("[");
	r->values = g_array_new(FALSE, TRUE, sizeof(rows_value));
	return r;
}

void db_rows_set_single(db_rows *r)
{
	g_return_if_fail(r->n == 0 && r->col == 0);
	r->json = true;
}

void db_rows_free(db_rows *r)
{
	if (!r)
		return;
	g_ptr_array_free(r->names, TRUE);
	g_ptr_array_free(r->cols, TRUE);
	g_string_free(r->text, TRUE);
	if (r->values) {
		for (guint i = 0; i < r->values->len; i++)
			g_free(g_array_index(r->values, rows_value, i).text);
		g_array_free(r->values, TRUE);
	}
	g_free(r);
}

/* Starts the next value: the row's '{' or a ',' and the key. */
static void rows_next(db_rows *r)
{
	if (!r->json)
		return;
	if (r->col == 0)
		g_string_append(r->text, r->n ? ",{" : "{");
	else
		g_string_append_c(r->text, ',');
	g_string_append_printf(r->text, "\"%s\":", (const char *)g_ptr_array_index(r->names, r->col));
}

static void rows_done(db_rows *r)
{
	if (++r->col < r->names->len)
		return;
	if (r->json)
		g_string_append_c(r->text, '}');
	r->col = 0;
	r->n++;
}

void db_rows_int(db_rows *r, int64_t v)
{
	rows_next(r);
	if (r->json) {
		g_string_append_printf(r->text, "%" G_GINT64_FORMAT, (gint64)v);
	} else {
		rows_value x = {.i = v};
		g_array_append_val(r->values, x);
	}
	rows_done(r);
}

void db_rows_text(db_rows *r, const char *v)
{
	rows_next(r);
	if (r->json) {
		if (v)
			json_text(r->text, v);
		else
			g_string_append(r->text, "null");
	} else {
		rows_value x = {.text = g_strdup(v), .null = !v};
		g_array_append_val(r->values, x);
	}
	rows_done(r);
}

void db_rows_null(db_rows *r)
{
	db_rows_text(r, NULL);
}

size_t db_rows_count(const db_rows *r)
{
	return r->n;
}

static void bind_params(db_stmt *st, const db_param *params, int n_params)
{
	for (int i = 0; i < n_params; i++) {
		if (params[i].null)
			db_bind_null(st, i + 1);
		else if (params[i].text)
			db_bind_text(st, i + 1, params[i].text);
		else
			db_bind_int64(st, i + 1, params[i].i);
	}
}

db_status db_rows_run(db *d, const char *sql, const db_param *params, int n_params, db_rows *r,
		      GError **err)
{
	const char *mark = strstr(sql, "{rows}");
	g_autoptr(GString) from = g_string_new(NULL);
	g_autoptr(GString) full = NULL;
	g_autoptr(db_stmt) st = NULL;
	int first = n_params + 1;

	g_return_val_if_fail(mark && r->col == 0, DB_ERROR);
	if (r->n == 0)
		return DB_OK;
	if (r->pg) {
		g_string_append_printf(from, "json_to_recordset($%d::json) AS x(", first);
		for (guint i = 0; i < r->cols->len; i++)
			g_string_append_printf(from, "%s%s", i ? ", " : "",
					       (const char *)g_ptr_array_index(r->cols, i));
		g_string_append_c(from, ')');
	} else if (r->json) {
		/* json_extract gives JSON integers as INTEGER, strings as TEXT
		 * and null as NULL, as the STRICT tables want them. */
		g_string_append(from, "(SELECT ");
		for (guint i = 0; i < r->names->len; i++) {
			const char *name = g_ptr_array_index(r->names, i);
			g_string_append_printf(from, "%sjson_extract(j.value, '$.%s') AS %s",
					       i ? ", " : "", name, name);
		}
		g_string_append_printf(from, " FROM json_each($%d) AS j) AS x", first);
	} else {
		/* One row per run of the statement, its values bound. */
		g_string_append(from, "(SELECT ");
		for (guint i = 0; i < r->names->len; i++)
			g_string_append_printf(from, "%s$%u AS %s", i ? ", " : "", first + i,
					       (const char *)g_ptr_array_index(r->names, i));
		g_string_append(from, ") AS x");
	}
	full = g_string_new_len(sql, mark - sql);
	g_string_append(full, from->str);
	g_string_append(full, mark + strlen("{rows}"));
	st = db_prepare(d, full->str, err);
	if (!st)
		return DB_ERROR;
	if (r->json) {
		bind_params(st, params, n_params);
		g_string_append_c(r->text, ']');
		db_bind_text(st, first, r->text->str);
		g_string_truncate(r->text, r->text->len - 1);
		return db_run(st, err);
	}
	for (size_t row = 0; row < r->n; row++) {
		db_status rc;
		bind_params(st, params, n_params);
		for (guint c = 0; c < r->names->len; c++) {
			const rows_value *v = &g_array_index(r->values, rows_value,
							     row * r->names->len + c);
			if (v->null)
				db_bind_null(st, first + (int)c);
			else if (v->text)
				db_bind_text(st, first + (int)c, v->text);
			else
				db_bind_int64(st, first + (int)c, v->i);
		}
		rc = db_run(st, err);
		if (rc < 0)
			return rc;
	}
	return DB_OK;
}
