/*
 * db_internal.h — what the storage backends share, not for callers of db.h.
 *
 * db.c is the generic front: it checks arguments, picks a backend by the URL
 * and dispatches every call through the backend's table of operations
 * (struct db_ops, in the manner of Redis' dictType). A backend embeds
 * struct db / struct db_stmt as the first member of its own connection and
 * statement structs, so a pointer to either is a pointer to the other.
 * PostgreSQL (db_pg.c) is one more db_ops table and one more branch in
 * db_open_with(); no caller of db.h changed.
 *
 * The tests include this header too: it holds the knobs they need (a short
 * busy timeout) and the functions that are unit-tested on their own (the
 * $N rewrite, migrations from arrays).
 */
#pragma once
#include "db/db.h"
#include <stdarg.h>

/* Settings of one connection. Callers of db.h get the defaults; tests and
 * (later) configuration may pass their own through db_open_with(). */
typedef struct db_options {
	int busy_timeout_ms; /* how long SQLite waits for a lock before BUSY;
			      * PostgreSQL's lock_timeout */
	int busy_retries;    /* extra attempts after BUSY, see db_sqlite.c */
	int connect_timeout_s;    /* PostgreSQL: connecting and reconnecting */
	int statement_timeout_ms; /* PostgreSQL: a statement running longer is
				   * cancelled (DB_BUSY) */
} db_options;

#define DB_DEFAULT_BUSY_TIMEOUT_MS 5000
#define DB_DEFAULT_BUSY_RETRIES 3
#define DB_DEFAULT_CONNECT_TIMEOUT_S 3
/* Far above any page's queries, low enough that a runaway query cannot
 * hold a worker (and its locks) for long. */
#define DB_DEFAULT_STATEMENT_TIMEOUT_MS 30000

/* Fills o with the defaults above. */
void db_options_init(db_options *o);

/* Like db_open() with explicit options; opts NULL means the defaults. */
db *db_open_with(const char *url, const db_options *opts, GError **err);

struct db_ops {
	db_backend backend;
	const char *name;           /* "sqlite", for messages */
	const char *migrations_dir; /* resource folder, ends in '/' */
	/* Creates schema_migrations if missing (idempotent, no transaction). */
	const char *migrations_table_sql;

	void (*close)(db *d);
	db_status (*begin)(db *d, GError **err);
	/* Must leave no transaction open when it fails. */
	db_status (*commit)(db *d, GError **err);
	void (*rollback)(db *d);
	bool (*in_transaction)(db *d);
	db_status (*exec)(db *d, const char *sql, GError **err);
	db_stmt *(*prepare)(db *d, const char *sql, GError **err);
	void (*stmt_free)(db_stmt *s);

	void (*bind_int64)(db_stmt *s, int idx, int64_t v);
	void (*bind_text)(db_stmt *s, int idx, const char *v);
	void (*bind_null)(db_stmt *s, int idx);
	void (*bind_blob)(db_stmt *s, int idx, const void *data, size_t len);
	db_status (*step)(db_stmt *s, GError **err);
	void (*reset)(db_stmt *s);

	int (*col_count)(db_stmt *s);
	bool (*col_is_null)(db_stmt *s, int col);
	int64_t (*col_int64)(db_stmt *s, int col);
	const char *(*col_text)(db_stmt *s, int col);
	const void *(*col_blob)(db_stmt *s, int col, size_t *len);

	int64_t (*last_insert_id)(db *d);
	int64_t (*changes)(db *d);

	/* 1 if a table of that name exists, 0 if not, -1 on error. */
	int (*table_exists)(db *d, const char *name, GError **err);
	/* A migration runs between these two: migration_begin opens the write
	 * transaction (and may switch off what gets in the way of DDL, such as
	 * SQLite's foreign key actions), migration_commit checks and commits,
	 * migration_end restores the connection whatever happened (rolling back
	 * if the transaction is still open). */
	db_status (*migration_begin)(db *d, GError **err);
	/* Runs a migration's SQL; refuses statements that would end the
	 * migration's transaction (BEGIN, COMMIT, END, ROLLBACK). */
	db_status (*migration_exec)(db *d, const char *sql, GError **err);
	db_status (*migration_commit)(db *d, GError **err);
	void (*migration_end)(db *d);
	/* db_check_serving_role(); NULL when the backend has no roles. */
	db_status (*check_serving_role)(db *d, GError **err);
};

struct db {
	const struct db_ops *ops;
	int64_t region_id; /* db_set_region(); backends read it when a transaction starts */
};

struct db_stmt {
	const struct db_ops *ops;
};

/* Sets *err (if err is not NULL) in BIREG_DB_ERROR with the given code and
 * returns the code, so that error paths read `return db_fail(err, ...)`. */
db_status db_fail(GError **err, db_status code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* SQLite backend (db_sqlite.c). */
db *db_sqlite_open(const char *path, const db_options *opts, GError **err);

/* PostgreSQL backend (db_pg.c). */
db *db_pg_open(const char *url, const db_options *opts, GError **err);
/* "PostgreSQL database "x" on host h port p as role "r"", without the
 * password; newly allocated. */
char *db_pg_describe_url(const char *url);
/* Grants the role app is logged in as what serving needs on the schema the
 * owner works in (USAGE on the schema; SELECT, INSERT, UPDATE, DELETE on
 * every table; USAGE, SELECT on every sequence), through owner. Nothing
 * when both are the same role. */
db_status db_pg_grant_serving_role(db *owner, db *app, GError **err);

/* Rewrites PostgreSQL-style parameters $1, $2 ... to SQLite's ?1, ?2 ...
 * outside string literals ('it''s'), quoted identifiers ("a""b") and
 * comments (-- and C style). A '$' that follows a letter, digit, '_' or '$'
 * belongs to an identifier and stays. The result has the same length as sql;
 * the caller frees it with g_free(). */
char *db_sqlite_rewrite_params(const char *sql);

/* Applies the migrations given as parallel arrays of file names
 * ("NNNN_what.sql") and SQL text, in the order of their numbers, skipping
 * those already recorded. Same contract as db_migrate(); db_migrate() is
 * this function fed from the embedded resources. */
int db_migrate_from(db *d, const char *const *names, const char *const *sqls, size_t n,
		GError **err);
