/*
 * db_sqlite.c — the SQLite backend of db.h.
 *
 * One sqlite3 handle per connection, opened without SQLite's own mutexes
 * because a connection belongs to one worker thread at a time. Every
 * connection runs in WAL mode (readers never wait for the writer) with
 * foreign keys on, and keeps a cache of prepared statements keyed by their
 * SQL text: the handlers run the same few dozen statements over and over,
 * and preparing is a large share of a short query's cost.
 *
 * SQL arrives in PostgreSQL's dialect of parameters ($1, $2, ...) and is
 * rewritten to SQLite's ?1, ?2 ... once, when a statement is first prepared.
 */
#include "db/db_internal.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

/* More distinct SQL texts than this means someone builds SQL at run time
 * (say IN lists of varying length); those statements are then prepared
 * fresh each time instead of growing the cache without bound. */
#define STMT_CACHE_MAX 512

typedef struct sq_db sq_db;

typedef struct sq_stmt {
	struct db_stmt base; /* first: a db_stmt * is a sq_stmt * */
	sq_db *owner;
	sqlite3_stmt *st;
	bool cached;      /* owned by owner->cache, handed back by stmt_free */
	bool in_use;      /* borrowed by a caller right now */
	bool started;     /* stepped since the last reset: no more retries */
	char *bind_error; /* first failed bind, reported by the next step */
} sq_stmt;

struct sq_db {
	struct db base; /* first: a db * is a sq_db * */
	sqlite3 *h;
	db_options opts;
	GHashTable *cache; /* SQL text as given (owned) -> sq_stmt (owned) */
	/* Transaction control runs on every write request; prepared once. */
	sqlite3_stmt *begin_st;
	sqlite3_stmt *commit_st;
	sqlite3_stmt *rollback_st;
};

static const struct db_ops sq_ops;

/* ---- the $N rewrite ---------------------------------------------------- */

static bool is_ident_char(char c)
{
	/* Bytes >= 0x80 are parts of UTF-8 letters, which identifiers may hold. */
	return g_ascii_isalnum(c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

char *db_sqlite_rewrite_params(const char *sql)
{
	char *out = g_strdup(sql);
	char *p = out;
	char prev = ' ';

	while (*p) {
		if (*p == '\'' || *p == '"') {
			/* A literal or quoted identifier; a doubled quote is an
			 * escaped quote and does not end it. */
			char q = *p++;
			while (*p) {
				if (*p == q) {
					if (p[1] != q)
						break;
					p++;
				}
				p++;
			}
			if (*p)
				p++;
			prev = q;
			continue;
		}
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			prev = ' ';
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (*p)
				p += 2;
			prev = ' ';
			continue;
		}
		if (*p == '$' && g_ascii_isdigit(p[1]) && !is_ident_char(prev))
			*p = '?';
		prev = *p++;
	}
	return out;
}

/* ---- errors and busy handling ------------------------------------------ */

static db_status sq_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return DB_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	default:
		return DB_ERROR;
	}
}

/* Reports the connection's current error; call it before anything else
 * touches the handle, or the message is lost. */
static db_status sq_fail(sq_db *d, int rc, GError **err, const char *what)
{
	db_status code = sq_code(rc);
	if (code >= 0)
		code = DB_ERROR;
	return db_fail(err, code, "%s (SQLite code %d, in: %s)", sqlite3_errmsg(d->h), rc, what);
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/*
 * Steps st, retrying on BUSY/LOCKED when the caller says a retry is safe.
 *
 * The busy timeout already makes SQLite wait for a lock held by another
 * connection. Some conflicts return at once without that wait (a database
 * being recovered, LOCKED from a table lock, a WAL snapshot that moved), and
 * those usually clear within milliseconds, so a few retries with a short,
 * growing, jittered pause follow. Retries stop as soon as the busy timeout
 * has been spent in this call, so a lock that is simply held costs the
 * timeout once and not once per retry (at worst about twice the timeout).
 */
static int sq_step_retrying(sq_db *d, sqlite3_stmt *st, bool retryable)
{
	gint64 start = g_get_monotonic_time();
	gint64 budget_us = (gint64)d->opts.busy_timeout_ms * 1000;
	int rc = sqlite3_step(st);

	for (int attempt = 0; retryable && is_busy(rc) && attempt < d->opts.busy_retries;
			attempt++) {
		if (g_get_monotonic_time() - start >= budget_us)
			break;
		sqlite3_reset(st);
		gint32 base_us = 5000 << MIN(attempt, 6); /* 5 ms, 10 ms, ... 320 ms */
		g_usleep((gulong)(base_us + g_random_int_range(0, base_us)));
		rc = sqlite3_step(st);
	}
	return rc;
}

/* Runs one of the prepared transaction-control statements. */
static db_status sq_control(sq_db *d, sqlite3_stmt *st, GError **err, const char *what)
{
	int rc = sq_step_retrying(d, st, true);
	db_status ret = rc == SQLITE_DONE ? DB_OK : sq_fail(d, rc, err, what);
	sqlite3_reset(st);
	return ret;
}

/* ---- statements -------------------------------------------------------- */

static void sq_stmt_destroy(gpointer p)
{
	sq_stmt *s = p;
	sqlite3_finalize(s->st);
	g_free(s->bind_error);
	g_free(s);
}

static db_stmt *sq_prepare(db *base, const char *sql, GError **err)
{
	sq_db *d = (sq_db *)base;
	sq_stmt *s = g_hash_table_lookup(d->cache, sql);

	if (s && !s->in_use) {
		s->in_use = true;
		return &s->base;
	}
	/* Not cached, or the cached one is borrowed (a nested loop over the
	 * same query): prepare a private copy that is finalized when freed. */
	bool cache = !s && g_hash_table_size(d->cache) < STMT_CACHE_MAX;
	g_autofree char *rewritten = db_sqlite_rewrite_params(sql);
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(d->h, rewritten, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &st,
			&tail);
	if (rc != SQLITE_OK) {
		sq_fail(d, rc, err, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	if (!st) {
		db_fail(err, DB_ERROR, "prepare \"%s\": no SQL statement in it", sql);
		return NULL;
	}
	/* Whatever follows the statement must be empty (or comments): a second
	 * statement would be silently ignored otherwise. */
	if (tail && *tail) {
		sqlite3_stmt *extra = NULL;
		rc = sqlite3_prepare_v3(d->h, tail, -1, 0, &extra, NULL);
		sqlite3_finalize(extra);
		if (rc != SQLITE_OK || extra) {
			sqlite3_finalize(st);
			db_fail(err, DB_ERROR, "prepare \"%s\": db_prepare takes one statement", sql);
			return NULL;
		}
	}
	s = g_new0(sq_stmt, 1);
	s->base.ops = &sq_ops;
	s->owner = d;
	s->st = st;
	s->in_use = true;
	s->cached = cache;
	if (cache)
		g_hash_table_insert(d->cache, g_strdup(sql), s);
	return &s->base;
}

static void sq_stmt_free(db_stmt *base)
{
	sq_stmt *s = (sq_stmt *)base;
	if (!s->cached) {
		sq_stmt_destroy(s);
		return;
	}
	/* Back to the cache, clean: a reset statement holds no read snapshot
	 * (which would keep the WAL from being checkpointed), and cleared
	 * bindings keep one request's values from leaking into the next. */
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	g_clear_pointer(&s->bind_error, g_free);
	s->started = false;
	s->in_use = false;
}

/* Remembers the first failed bind; db_step reports it. Binding is void in
 * db.h so that calls chain without checks, and a bad bind is always a bug
 * (wrong index, binding while a statement is running). */
static void sq_bind_check(sq_stmt *s, int rc, int idx)
{
	if (rc == SQLITE_OK || s->bind_error)
		return;
	s->bind_error = g_strdup_printf("binding $%d of \"%s\": %s", idx, sqlite3_sql(s->st),
			sqlite3_errmsg(s->owner->h));
}

static void sq_bind_int64(db_stmt *base, int idx, int64_t v)
{
	sq_stmt *s = (sq_stmt *)base;
	sq_bind_check(s, sqlite3_bind_int64(s->st, idx, v), idx);
}

static void sq_bind_text(db_stmt *base, int idx, const char *v)
{
	sq_stmt *s = (sq_stmt *)base;
	size_t len = strlen(v);
	if (!g_utf8_validate(v, (gssize)len, NULL)) {
		if (!s->bind_error)
			s->bind_error = g_strdup_printf("binding $%d of \"%s\": text is not valid UTF-8",
					idx, sqlite3_sql(s->st));
		return;
	}
	sq_bind_check(s, sqlite3_bind_text64(s->st, idx, v, len, SQLITE_TRANSIENT, SQLITE_UTF8), idx);
}

static void sq_bind_null(db_stmt *base, int idx)
{
	sq_stmt *s = (sq_stmt *)base;
	sq_bind_check(s, sqlite3_bind_null(s->st, idx), idx);
}

static void sq_bind_blob(db_stmt *base, int idx, const void *data, size_t len)
{
	sq_stmt *s = (sq_stmt *)base;
	int rc;
	/* sqlite3_bind_blob with a NULL pointer binds NULL; an empty blob is
	 * still a blob. */
	if (len == 0)
		rc = sqlite3_bind_zeroblob(s->st, idx, 0);
	else
		rc = sqlite3_bind_blob64(s->st, idx, data, len, SQLITE_TRANSIENT);
	sq_bind_check(s, rc, idx);
}

static db_status sq_step(db_stmt *base, GError **err)
{
	sq_stmt *s = (sq_stmt *)base;
	sq_db *d = s->owner;

	if (s->bind_error)
		return db_fail(err, DB_ERROR, "%s", s->bind_error);
	/* A retry re-runs the statement from the start, which is only the same
	 * as the first attempt if nothing was returned yet and no explicit
	 * transaction is open. Inside a transaction BUSY means a conflict that
	 * waiting cannot resolve; it is reported at once. */
	bool retryable = !s->started && sqlite3_get_autocommit(d->h);
	s->started = true;
	int rc = sq_step_retrying(d, s->st, retryable);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_fail(d, rc, err, sqlite3_sql(s->st));
}

static void sq_reset(db_stmt *base)
{
	sq_stmt *s = (sq_stmt *)base;
	sqlite3_reset(s->st);
	g_clear_pointer(&s->bind_error, g_free);
	s->started = false;
}

static int sq_col_count(db_stmt *base)
{
	return sqlite3_column_count(((sq_stmt *)base)->st);
}

static bool sq_col_is_null(db_stmt *base, int col)
{
	return sqlite3_column_type(((sq_stmt *)base)->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int64(db_stmt *base, int col)
{
	return sqlite3_column_int64(((sq_stmt *)base)->st, col);
}

static const char *sq_col_text(db_stmt *base, int col)
{
	/* NULL for SQL NULL. Text was bound as UTF-8 and is returned as such. */
	return (const char *)sqlite3_column_text(((sq_stmt *)base)->st, col);
}

static const void *sq_col_blob(db_stmt *base, int col, size_t *len)
{
	sqlite3_stmt *st = ((sq_stmt *)base)->st;
	/* Order matters: column_bytes after column_blob gives the blob's size. */
	const void *p = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	return p;
}

/* ---- connection -------------------------------------------------------- */

static db_status sq_begin(db *base, GError **err)
{
	sq_db *d = (sq_db *)base;
	return sq_control(d, d->begin_st, err, "BEGIN IMMEDIATE");
}

static void sq_rollback(db *base)
{
	sq_db *d = (sq_db *)base;
	if (sqlite3_get_autocommit(d->h))
		return;
	int rc = sqlite3_step(d->rollback_st);
	if (rc != SQLITE_DONE)
		g_warning("ROLLBACK failed: %s", sqlite3_errmsg(d->h));
	sqlite3_reset(d->rollback_st);
}

static bool sq_in_transaction(db *base)
{
	return !sqlite3_get_autocommit(((sq_db *)base)->h);
}

static db_status sq_commit(db *base, GError **err)
{
	sq_db *d = (sq_db *)base;
	db_status rc = sq_control(d, d->commit_st, err, "COMMIT");
	/* A failed COMMIT (a deferred foreign key, say) leaves the transaction
	 * open; it is rolled back so the connection is never left half-way. */
	if (rc != DB_OK)
		sq_rollback(base);
	return rc;
}

static db_status sq_exec(db *base, const char *sql, GError **err)
{
	sq_db *d = (sq_db *)base;
	char *msg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return DB_OK;
	db_status code = sq_code(rc);
	db_fail(err, code >= 0 ? DB_ERROR : code, "%s (SQLite code %d)",
			msg ? msg : sqlite3_errstr(rc), rc);
	sqlite3_free(msg);
	return code >= 0 ? DB_ERROR : code;
}

static int64_t sq_last_insert_id(db *base)
{
	return sqlite3_last_insert_rowid(((sq_db *)base)->h);
}

static int64_t sq_changes(db *base)
{
	return sqlite3_changes64(((sq_db *)base)->h);
}

static int sq_table_exists(db *base, const char *name, GError **err)
{
	g_autoptr(db_stmt) s = sq_prepare(base,
			"SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = $1", err);
	if (!s)
		return -1;
	db_bind_text(s, 1, name);
	db_status rc = db_step(s, err);
	if (rc < 0)
		return -1;
	return rc == DB_ROW ? 1 : 0;
}

/* Migrations run with foreign keys off: a table rebuild (create new, copy,
 * drop old, rename — SQLite's way to change a column) would otherwise run
 * ON DELETE CASCADE on the children when the old table is dropped. The
 * foreign keys are checked as a whole before commit instead. The pragma
 * has no effect inside a transaction, hence before BEGIN. */
static db_status sq_migration_begin(db *base, GError **err)
{
	sq_db *d = (sq_db *)base;
	if (!sqlite3_get_autocommit(d->h))
		return db_fail(err, DB_ERROR, "migrations cannot run inside a transaction");
	db_status rc = sq_exec(base, "PRAGMA foreign_keys = OFF", err);
	if (rc < 0)
		return rc;
	return sq_begin(base, err);
}

/* Skips blanks and comments at the start of one statement's text. */
static const char *skip_blanks(const char *p)
{
	for (;;) {
		while (g_ascii_isspace(*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			p = end ? end + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

/* True for BEGIN, COMMIT, END and ROLLBACK, which would end or nest the
 * transaction a migration runs in. SQLite has parsed st as one statement,
 * so its first word is the statement's kind: the END of a trigger body is
 * part of a CREATE TRIGGER and never comes first. */
static bool ends_transaction(sqlite3_stmt *st)
{
	static const char *const words[] = { "BEGIN", "COMMIT", "END", "ROLLBACK" };
	/* Cheap filter: transaction control counts as read-only. */
	if (!sqlite3_stmt_readonly(st))
		return false;
	const char *p = skip_blanks(sqlite3_sql(st));
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		size_t n = strlen(words[i]);
		if (g_ascii_strncasecmp(p, words[i], n) == 0 && !is_ident_char(p[n]))
			return true;
	}
	return false;
}

/* A migration is run statement by statement (what sqlite3_exec does), so
 * that each statement can be looked at before it runs. */
static db_status sq_migration_exec(db *base, const char *sql, GError **err)
{
	sq_db *d = (sq_db *)base;
	const char *p = sql;

	while (*p) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(d->h, p, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			g_autofree char *what = g_strndup(skip_blanks(p), 80);
			return sq_fail(d, rc, err, what);
		}
		if (!st) /* only blanks and comments were left */
			break;
		if (ends_transaction(st)) {
			db_status ret = db_fail(err, DB_ERROR,
					"a migration must not contain BEGIN, COMMIT, END or ROLLBACK "
					"(it runs in a transaction of its own): %s", sqlite3_sql(st));
			sqlite3_finalize(st);
			return ret;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		db_status ret = rc == SQLITE_DONE ? DB_OK : sq_fail(d, rc, err, sqlite3_sql(st));
		sqlite3_finalize(st);
		if (ret < 0)
			return ret;
		p = tail;
	}
	return DB_OK;
}

static db_status sq_migration_commit(db *base, GError **err)
{
	/* Too late to undo by then, but at least said clearly. */
	if (sqlite3_get_autocommit(((sq_db *)base)->h))
		return db_fail(err, DB_ERROR,
				"the migration ended its own transaction; remove BEGIN/COMMIT from it");
	g_autoptr(db_stmt) s = sq_prepare(base, "PRAGMA foreign_key_check", err);
	if (!s)
		return DB_ERROR;
	db_status rc = db_step(s, err);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW)
		return db_fail(err, DB_CONSTRAINT,
				"rows of table %s (rowid %" G_GINT64_FORMAT ") refer to missing rows of %s",
				db_col_text(s, 0), db_col_int64(s, 1), db_col_text(s, 2));
	g_clear_pointer(&s, db_stmt_free);
	return sq_commit(base, err);
}

static void sq_migration_end(db *base)
{
	sq_rollback(base);
	g_autoptr(GError) e = NULL;
	if (sq_exec(base, "PRAGMA foreign_keys = ON", &e) < 0)
		g_warning("could not switch foreign keys back on: %s", e->message);
}

static void sq_close(db *base)
{
	sq_db *d = (sq_db *)base;
	GHashTableIter it;
	gpointer key, val;

	/* A statement still borrowed is a bug in the caller; it is detached
	 * from the cache so that its later db_stmt_free() finalizes it, and
	 * sqlite3_close_v2() keeps the handle alive until then. */
	g_hash_table_iter_init(&it, d->cache);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		sq_stmt *s = val;
		if (s->in_use) {
			g_warning("db_close: statement still in use: %s", (const char *)key);
			s->cached = false;
			g_hash_table_iter_steal(&it);
			g_free(key);
		}
	}
	g_hash_table_destroy(d->cache);
	sqlite3_finalize(d->begin_st);
	sqlite3_finalize(d->commit_st);
	sqlite3_finalize(d->rollback_st);
	/* Closing rolls back an open transaction. */
	sqlite3_close_v2(d->h);
	g_free(d);
}

/* Runs a statement that returns one text value (PRAGMAs) into *out. */
static db_status sq_query_text(sq_db *d, const char *sql, char **out, GError **err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	db_status ret = DB_OK;
	if (rc == SQLITE_ROW)
		*out = g_strdup((const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		*out = g_strdup("");
	else
		ret = sq_fail(d, rc, err, sql);
	sqlite3_finalize(st);
	return ret;
}

static db_status sq_setup(sq_db *d, bool in_memory, GError **err)
{
	g_autofree char *mode = NULL;
	g_autofree char *fk = NULL;

	/* The first statement reads the file header: a file that is not a
	 * database fails here. WAL lets readers go on while one writer
	 * writes; the setting is stored in the file. */
	if (sq_query_text(d, "PRAGMA journal_mode = WAL", &mode, err) < 0)
		return DB_ERROR;
	if (!in_memory && g_ascii_strcasecmp(mode, "wal") != 0)
		return db_fail(err, DB_ERROR,
				"could not switch the database to WAL mode (it stays in \"%s\"); "
				"is it on a network file system?", mode);
	/*
	 * synchronous=NORMAL: in WAL mode a commit is written to the WAL file
	 * (into the OS page cache) before COMMIT returns, and fsynced at each
	 * checkpoint. If the bireg process is killed or crashes, every committed
	 * transaction survives: the data is in the OS, not in our memory. Only
	 * an OS crash or power cut can lose the last transactions before the
	 * next checkpoint, and even then the file stays consistent. FULL would
	 * add an fsync to every commit to cover that too; the requirement is
	 * "a killed server loses no committed data", which NORMAL meets, and
	 * installations that need more durability than that run PostgreSQL
	 * with synchronous replication.
	 */
	if (sq_exec(&d->base, "PRAGMA synchronous = NORMAL", err) < 0)
		return DB_ERROR;
	if (sq_exec(&d->base, "PRAGMA foreign_keys = ON", err) < 0)
		return DB_ERROR;
	/* The pragma is silently ignored by a library built without foreign
	 * keys; reading it back catches that. */
	if (sq_query_text(d, "PRAGMA foreign_keys", &fk, err) < 0)
		return DB_ERROR;
	if (strcmp(fk, "1") != 0)
		return db_fail(err, DB_ERROR, "this SQLite library cannot enforce foreign keys");

	const struct {
		sqlite3_stmt **st;
		const char *sql;
	} control[] = {
		{ &d->begin_st, "BEGIN IMMEDIATE" },
		{ &d->commit_st, "COMMIT" },
		{ &d->rollback_st, "ROLLBACK" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(control); i++) {
		int rc = sqlite3_prepare_v3(d->h, control[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				control[i].st, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(d, rc, err, control[i].sql);
	}
	return DB_OK;
}

db *db_sqlite_open(const char *path, const db_options *opts, GError **err)
{
	/* STRICT tables, which every migration uses, came with 3.37. */
	if (sqlite3_libversion_number() < 3037000) {
		db_fail(err, DB_ERROR, "SQLite %s is too old: bireg needs 3.37 or newer",
				sqlite3_libversion());
		return NULL;
	}
	bool in_memory = strcmp(path, ":memory:") == 0;
	if (!in_memory) {
		/* SQLite would create the file but not its directory; a clear
		 * message beats "unable to open database file". */
		g_autofree char *dir = g_path_get_dirname(path);
		if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
			db_fail(err, DB_ERROR, "cannot open database %s: the directory %s does not exist",
					path, dir);
			return NULL;
		}
	}

	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
			SQLITE_OPEN_EXRESCODE;
	int rc = sqlite3_open_v2(path, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		db_fail(err, rc == SQLITE_BUSY ? DB_BUSY : DB_ERROR, "cannot open database %s: %s",
				path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close_v2(h);
		return NULL;
	}

	sq_db *d = g_new0(sq_db, 1);
	d->base.ops = &sq_ops;
	d->h = h;
	d->opts = *opts;
	d->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sq_stmt_destroy);
	sqlite3_busy_timeout(h, opts->busy_timeout_ms);
	/* Refuse the few SQL features that can corrupt a database file
	 * (writable_schema and the like), as a second line after bound
	 * parameters. */
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

	g_autoptr(GError) e = NULL;
	if (sq_setup(d, in_memory, &e) < 0) {
		db_status code = (db_status)e->code;
		db_fail(err, code, "cannot open database %s: %s", path, e->message);
		sq_close(&d->base);
		return NULL;
	}
	return &d->base;
}

static const struct db_ops sq_ops = {
	.backend = DB_BACKEND_SQLITE,
	.name = "sqlite",
	.migrations_dir = "/bireg/migrations/sqlite/",
	.migrations_table_sql = "CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version INTEGER PRIMARY KEY, "
		"name TEXT NOT NULL, "
		"applied_at TEXT NOT NULL) STRICT",
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.in_transaction = sq_in_transaction,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.stmt_free = sq_stmt_free,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.bind_blob = sq_bind_blob,
	.step = sq_step,
	.reset = sq_reset,
	.col_count = sq_col_count,
	.col_is_null = sq_col_is_null,
	.col_int64 = sq_col_int64,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.last_insert_id = sq_last_insert_id,
	.changes = sq_changes,
	.table_exists = sq_table_exists,
	.migration_begin = sq_migration_begin,
	.migration_exec = sq_migration_exec,
	.migration_commit = sq_migration_commit,
	.migration_end = sq_migration_end,
};

/* ---- online backup (db_sqlite_backup, db.h) ---------------------------- */

/* Pages copied per step: 4 MiB with the default page size. Between steps
 * the source is not locked at all, so a running server writes on. */
#define BACKUP_STEP_PAGES 1024
/* A write by another connection makes the next step start over. After this
 * many restarts the rest is copied in one step, which holds one read
 * snapshot to the end: in WAL mode that does not block writers either, and
 * the copy is sure to finish. */
#define BACKUP_MAX_RESTARTS 3
/* How long BUSY/LOCKED (a checkpoint or recovery holding a lock) is waited
 * out before the backup gives up. */
#define BACKUP_BUSY_GIVE_UP_US (60 * G_USEC_PER_SEC)

db_status db_sqlite_backup(db *base, const char *dest, GError **err)
{
	if (base->ops != &sq_ops)
		return db_fail(err, DB_ERROR, "the online backup is only for SQLite databases");
	sq_db *d = (sq_db *)base;
	if (!sqlite3_get_autocommit(d->h))
		return db_fail(err, DB_ERROR, "cannot back up inside a transaction");
	/* A file in the way could be someone's database; an empty one is the
	 * caller's placeholder (made with the right mode and a unique name). */
	GStatBuf sb;
	if (g_stat(dest, &sb) == 0 && (sb.st_size > 0 || !S_ISREG(sb.st_mode)))
		return db_fail(err, DB_ERROR, "%s exists already and is not empty", dest);

	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(dest, &out,
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
			SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		db_status ret = db_fail(err, DB_ERROR, "cannot create %s: %s", dest,
				out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		sqlite3_close_v2(out);
		return ret;
	}
	sqlite3_busy_timeout(out, d->opts.busy_timeout_ms);

	db_status ret = DB_OK;
	sqlite3_backup *b = sqlite3_backup_init(out, "main", d->h, "main");
	if (!b) {
		ret = db_fail(err, DB_ERROR, "cannot start the backup: %s", sqlite3_errmsg(out));
		goto close_out;
	}
	int restarts = 0, prev_remaining = -1;
	gint64 busy_since = 0;
	for (;;) {
		int pages = restarts >= BACKUP_MAX_RESTARTS ? -1 : BACKUP_STEP_PAGES;
		rc = sqlite3_backup_step(b, pages);
		if (rc == SQLITE_DONE)
			break;
		if (is_busy(rc)) {
			gint64 now = g_get_monotonic_time();
			if (!busy_since)
				busy_since = now;
			if (now - busy_since > BACKUP_BUSY_GIVE_UP_US) {
				ret = db_fail(err, DB_BUSY,
						"the database stayed locked for a minute; backup given up");
				break;
			}
			g_usleep(50000 + g_random_int_range(0, 50000));
			continue;
		}
		if (rc != SQLITE_OK) {
			ret = db_fail(err, DB_ERROR, "backup step failed: %s (SQLite code %d)",
					sqlite3_errstr(rc), rc);
			break;
		}
		busy_since = 0;
		/* Progress shows as a shrinking remainder; one that did not shrink
		 * means the copy started over after another connection wrote. */
		int remaining = sqlite3_backup_remaining(b);
		if (prev_remaining >= 0 && remaining >= prev_remaining)
			restarts++;
		prev_remaining = remaining;
	}
	/* finish reports the first error of the steps again, or OK. */
	rc = sqlite3_backup_finish(b);
	if (ret == DB_OK && rc != SQLITE_OK)
		ret = db_fail(err, DB_ERROR, "backup failed: %s", sqlite3_errmsg(out));
	if (ret != DB_OK)
		goto close_out;

	/* The copy carries the source's WAL flag in its header. A backup is
	 * better one self-contained file: rollback journal mode, so opening it
	 * (even read-only) needs no -wal or -shm beside it. bireg switches it
	 * back to WAL when it opens the restored file. */
	{
		sqlite3_stmt *st = NULL;
		const char *sqls[] = { "PRAGMA journal_mode = DELETE", "PRAGMA integrity_check" };
		for (size_t i = 0; i < G_N_ELEMENTS(sqls) && ret == DB_OK; i++) {
			rc = sqlite3_prepare_v2(out, sqls[i], -1, &st, NULL);
			if (rc == SQLITE_OK)
				rc = sqlite3_step(st);
			const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
			if (!v)
				ret = db_fail(err, DB_ERROR, "%s on the copy failed: %s", sqls[i],
						sqlite3_errmsg(out));
			else if (i == 0 && g_ascii_strcasecmp(v, "delete") != 0)
				ret = db_fail(err, DB_ERROR, "the copy stays in journal mode %s", v);
			else if (i == 1 && strcmp(v, "ok") != 0)
				ret = db_fail(err, DB_ERROR, "the copy fails the integrity check: %s", v);
			sqlite3_finalize(st);
			st = NULL;
		}
	}
close_out:
	rc = sqlite3_close(out);
	if (rc != SQLITE_OK && ret == DB_OK)
		ret = db_fail(err, DB_ERROR, "closing the copy failed: %s", sqlite3_errstr(rc));
	return ret;
}
