/*
 * db.h — the storage interface every area of bireg uses.
 *
 * One synchronous API over two backends (SQLite and PostgreSQL). A
 * connection belongs to one thread at a time (each request worker owns one).
 * SQL is written once with numbered parameters ($1, $2, ...) and only ever
 * receives values through typed binding; never build SQL from input.
 *
 * Ownership: db_open() returns a connection the caller frees with db_close().
 * db_prepare() returns a statement the caller frees with db_stmt_free() (or
 * g_autoptr(db_stmt)). Text returned by db_col_text() belongs to the
 * statement and is valid until the next db_step() or db_stmt_free().
 *
 * Errors: functions that can fail return a db_status (0 on success, negative
 * on failure) and set a GError in the BIREG_DB_ERROR domain whose code is the
 * same db_status. DB_BUSY is returned only after the busy timeout and retries
 * are exhausted; the HTTP layer answers it with 503.
 *
 * PostgreSQL: a connection that breaks is re-established by itself at the
 * start of the next statement or transaction outside a transaction; the
 * call that met the broken connection may get DB_UNAVAILABLE (a write that
 * may have committed is never sent twice). Inside a transaction a broken
 * connection means DB_UNAVAILABLE and the transaction is gone: roll back.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
	DB_OK = 0,
	DB_ROW = 1,          /* db_step(): a row is ready */
	DB_DONE = 2,         /* db_step(): no (more) rows */
	DB_ERROR = -1,       /* anything else: a bug or a broken database */
	DB_BUSY = -2,        /* locked or overloaded after retries: try later (503) */
	DB_CONSTRAINT = -3,  /* unique, foreign key, check: the input conflicts */
	DB_UNAVAILABLE = -4, /* the server cannot be reached (PostgreSQL) */
} db_status;

#define BIREG_DB_ERROR (bireg_db_error_quark())
GQuark bireg_db_error_quark(void);

typedef enum { DB_BACKEND_SQLITE, DB_BACKEND_POSTGRES } db_backend;

typedef struct db db;
typedef struct db_stmt db_stmt;

/* Opens a connection. url is a file path (SQLite) or a postgresql:// (or
 * postgres://) URL. The SQLite backend turns on WAL, foreign keys and a busy
 * timeout; the PostgreSQL backend connects with a 3 s connect_timeout, UTC,
 * UTF-8 and statement/lock timeouts, and needs PostgreSQL 13 or newer.
 * Returns NULL and sets err on failure (DB_UNAVAILABLE when the server
 * cannot be reached or refuses the login); the message names the database,
 * host and role but never the password. */
db *db_open(const char *url, GError **err);
void db_close(db *d);
db_backend db_get_backend(const db *d);

/* Transactions. db_begin() starts a write transaction (BEGIN IMMEDIATE on
 * SQLite, so lock conflicts show up at the start and not halfway through;
 * BEGIN at READ COMMITTED, PostgreSQL's default, on PostgreSQL). */
db_status db_begin(db *d, GError **err);
db_status db_commit(db *d, GError **err);
/* Never fails from the caller's point of view; safe to call with no
 * transaction open. */
void db_rollback(db *d);
/* True while a transaction is open on d (begun by db_begin() and not yet
 * committed or rolled back), so that a store function can join its caller's
 * transaction instead of trying to open a second one. */
bool db_in_transaction(db *d);

/* The region whose rows this connection may see (0: none). The storage
 * layer scopes every query by region itself; on PostgreSQL row-level
 * security enforces it a second time: every transaction (explicit, or the
 * implicit one around a statement run outside db_begin()) starts with
 * SET LOCAL bireg.region_id to this value, and the policies on region
 * tables compare against it. SQLite only records it. A request worker sets
 * it once the request's region is known and back to 0 for the next
 * request. Takes effect with the next statement, also inside an open
 * transaction (a transaction that creates a region can go on in it). */
void db_set_region(db *d, int64_t region_id);
int64_t db_get_region(const db *d);

/* For store functions that write several rows: they join the caller's
 * transaction when there is one (the caller then rolls back the whole on
 * failure) and open their own otherwise. db_join_begin() tells which in
 * *own; db_join_end() ends what it began — commit when rc >= 0, roll back
 * otherwise — and leaves a caller's transaction to the caller. Returns rc,
 * or -1 (err set) when the commit fails. */
int db_join_begin(db *d, bool *own, GError **err);
int db_join_end(db *d, bool own, int rc, GError **err);

/* Runs one or more statements without parameters (migrations). */
db_status db_exec(db *d, const char *sql, GError **err);

db_stmt *db_prepare(db *d, const char *sql, GError **err);
void db_stmt_free(db_stmt *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(db_stmt, db_stmt_free)

/* Parameters are numbered from 1, as in the SQL ($1). Text must be valid
 * UTF-8; it is copied. */
void db_bind_int64(db_stmt *s, int idx, int64_t v);
void db_bind_text(db_stmt *s, int idx, const char *v); /* NULL binds NULL */
void db_bind_bool(db_stmt *s, int idx, bool v);
void db_bind_null(db_stmt *s, int idx);
void db_bind_blob(db_stmt *s, int idx, const void *data, size_t len);

/* DB_ROW, DB_DONE or a negative status (err set). */
db_status db_step(db_stmt *s, GError **err);
/*
 * Many rows in one statement (bulk writes such as imports): one round trip
 * on PostgreSQL instead of one per row. The rows are collected column by
 * column, row after row, into a db_rows; db_rows_run() runs sql, which
 * names them as the FROM item {rows} (a table x with the columns given):
 *   INSERT INTO t (a, b) SELECT x.a, x.b FROM {rows}
 * PostgreSQL reads them from one JSON parameter (json_to_recordset); SQLite,
 * where a statement costs no round trip, runs the prepared statement once
 * per row with the row's values bound (x is then that one row; but see
 * db_rows_set_single()) — so write
 * statements whose effect is the same either way (INSERT, UPDATE … FROM,
 * DELETE … IN (SELECT x.id FROM {rows})), not queries that need the whole
 * set at once.
 */
typedef struct db_rows db_rows;
/* cols: NULL-terminated "name type" pairs (type bigint, text or boolean;
 * names [a-z_]), from the program, never from input. */
db_rows *db_rows_new(db *d, const char *const *cols);
void db_rows_free(db_rows *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(db_rows, db_rows_free)
/* Before the first value: SQLite too reads the rows in one statement, from
 * one JSON parameter (json_each), for tables where a statement costs much
 * on its own — an FTS5 index writes out its pending terms at the start of
 * every statement of a transaction, so row by row it builds a segment per
 * row. Slower than row by row elsewhere (each value is taken out of its
 * row's JSON text anew). */
void db_rows_set_single(db_rows *r);
/* The next value of the current row (columns in the order of cols); the
 * last column completes the row. Text must be valid UTF-8; NULL binds NULL. */
void db_rows_int(db_rows *r, int64_t v);
void db_rows_text(db_rows *r, const char *v);
void db_rows_null(db_rows *r);
/* Complete rows so far. */
size_t db_rows_count(const db_rows *r);
/* The statement's own parameters $1..$n_params: text (NULL with null
 * false: the integer i). */
typedef struct db_param {
	const char *text;
	int64_t i;
	bool null;
} db_param;
/* Runs sql (with "{rows}" once) over the rows; nothing when there are
 * none. DB_OK or a negative status. */
db_status db_rows_run(db *d, const char *sql, const db_param *params, int n_params, db_rows *r,
		      GError **err);
/* Runs a statement that returns no rows: DB_OK or a negative status. */
db_status db_run(db_stmt *s, GError **err);
/* Makes the statement ready to bind and step again. */
void db_reset(db_stmt *s);

/* Columns are numbered from 0. */
int db_col_count(db_stmt *s);
bool db_col_is_null(db_stmt *s, int col);
int64_t db_col_int64(db_stmt *s, int col);
bool db_col_bool(db_stmt *s, int col);
const char *db_col_text(db_stmt *s, int col); /* NULL for SQL NULL */
const void *db_col_blob(db_stmt *s, int col, size_t *len);

/* Id of the row the last INSERT created (SQLite only; -1 on PostgreSQL):
 * use INSERT ... RETURNING id, which works on both. */
int64_t db_last_insert_id(db *d);
/* Rows changed by the last statement. */
int64_t db_changes(db *d);

/* Cheap liveness check for /healthz: runs SELECT 1. */
db_status db_ping(db *d, GError **err);

/* Migrations: applies every migrations/<backend>/NNNN_*.sql from the
 * embedded resources that is not yet recorded in schema_migrations, each in
 * its own transaction, in order. A failed migration leaves the schema as it
 * was before that migration. Returns the number applied, or -1. */
int db_migrate(db *d, GError **err);
/* The highest applied migration number, 0 for an empty database. */
int db_schema_version(db *d, GError **err);
/* True when every migration built in is applied (and none unknown to this
 * program); false with err saying what is missing or newer, or what
 * failed. `bireg serve` on PostgreSQL without an owner URL checks this
 * instead of migrating. */
bool db_schema_current(db *d, GError **err);

/* Brings the schema of url to the current version, as `bireg init` does.
 * SQLite: opens url and migrates. PostgreSQL: migrates through owner_url
 * (the schema owner; NULL or "" means url itself, the single-role setup),
 * then grants the role of url what serving needs: USAGE on the schema,
 * SELECT/INSERT/UPDATE/DELETE on every table, USAGE/SELECT on every
 * sequence. owner_url on SQLite is an error. Returns the number of
 * migrations applied, or -1 with err set. */
int db_install(const char *url, const char *owner_url, GError **err);

/* PostgreSQL: refuses (DB_ERROR, err naming the reason) a serving
 * connection whose role is a superuser, has BYPASSRLS, or owns (or is a
 * member of the owner of) a table of the schema: row-level security would
 * not apply to it. SQLite: always DB_OK. */
db_status db_check_serving_role(db *d, GError **err);

/* True for postgresql:// and postgres:// URLs. */
bool db_url_is_postgres(const char *url);
/* The database named for messages and logs: the file path, or the
 * PostgreSQL database, host, port and role without any password. Newly
 * allocated. */
char *db_url_describe(const char *url);

/* SQLite only: copies the live database d into the file dest (which must
 * not exist, or be empty) with SQLite's online backup API, in steps, so
 * other connections (a running server) read and write on meanwhile; waits
 * out BUSY/LOCKED. The copy is one self-contained file (rollback journal
 * mode, no -wal) that has passed PRAGMA integrity_check. It holds every
 * transaction committed before the copy's final pass began. On failure
 * dest may be left half-written; the caller removes it. `bireg backup`
 * (src/ops/backup.c) adds the temporary name, fsync and rename. */
db_status db_sqlite_backup(db *d, const char *dest, GError **err);
