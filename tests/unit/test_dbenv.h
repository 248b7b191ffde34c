/*
 * test_dbenv.h — a fresh, migrated database for a unit test, on the backend
 * the environment chooses.
 *
 *   BIREG_TEST_BACKEND   unset or "sqlite": a temporary SQLite file;
 *                        "postgres": a new database in the test cluster of
 *                        tools/pg-test-cluster, whose DIR/env supplies
 *   BIREG_TEST_PG_ADMIN_URL, BIREG_TEST_PG_HOST, BIREG_TEST_PG_PORT.
 * tests/run-all sets all of them; see docs/DEVELOPMENT.md.
 *
 * test_db_open() returns a connection to a database at the current schema
 * version, made by db_install() exactly as `bireg init` makes one. On
 * PostgreSQL the database is bireg_t_<random>, owned by bireg_owner, migrated
 * through the owner, and the connection returned is the serving role
 * bireg_app (not owner, not superuser), so row-level security applies as in
 * production. test_db_dispose() closes it and removes the database.
 *
 * test_db_url()/test_db_owner_url() give the URLs of a database returned by
 * test_db_open() (the SQLite path twice), for tests that open a second
 * connection (two nodes, concurrency). test_db_require_sqlite() skips a test
 * that only makes sense on SQLite.
 *
 * Header only (static inline), so that a test needs no change to
 * tests/meson.build; it keeps a small table from connection to database so
 * that test_db_dispose() knows what to drop.
 */
#pragma once
#include "db/db.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	bool postgres;
	char *dir;       /* SQLite: the temporary directory */
	char *name;      /* PostgreSQL: the database name */
	char *url;       /* the serving connection (SQLite: the file) */
	char *owner_url; /* PostgreSQL: the owner; SQLite: the file */
} test_dbenv_entry;

static inline void test_dbenv_entry_free(gpointer p)
{
	test_dbenv_entry *e = p;
	g_free(e->dir);
	g_free(e->name);
	g_free(e->url);
	g_free(e->owner_url);
	g_free(e);
}

/* The table db* -> entry; tests may open databases from several threads. */
static inline GHashTable *test_dbenv_table(GMutex **lock)
{
	static GMutex mutex;
	static GHashTable *table;
	*lock = &mutex;
	g_mutex_lock(&mutex);
	if (!table)
		table = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					      test_dbenv_entry_free);
	g_mutex_unlock(&mutex);
	return table;
}

static inline test_dbenv_entry *test_dbenv_lookup(const db *d)
{
	GMutex *lock;
	GHashTable *t = test_dbenv_table(&lock);
	g_mutex_lock(lock);
	test_dbenv_entry *e = g_hash_table_lookup(t, d);
	g_mutex_unlock(lock);
	return e;
}

/* True when the tests run on PostgreSQL (BIREG_TEST_BACKEND=postgres). */
static inline bool test_db_is_postgres(void)
{
	const char *b = g_getenv("BIREG_TEST_BACKEND");
	return b && (strcmp(b, "postgres") == 0 || strcmp(b, "postgresql") == 0 ||
		     strcmp(b, "pg") == 0);
}

/* For a test that only makes sense on SQLite: returns true on SQLite; on
 * PostgreSQL marks the test skipped and returns false (the test returns). */
static inline bool test_db_require_sqlite(void)
{
	if (!test_db_is_postgres())
		return true;
	g_test_skip("SQLite only");
	return false;
}

/* postgresql://<role>@/<dbname>?host=<host>&port=<port> */
static inline char *test_dbenv_pg_url(const char *role, const char *dbname)
{
	g_autofree char *host = g_uri_escape_string(g_getenv("BIREG_TEST_PG_HOST"), "/", FALSE);
	return g_strdup_printf("postgresql://%s@/%s?host=%s&port=%s", role, dbname, host,
			       g_getenv("BIREG_TEST_PG_PORT"));
}

/* Runs one statement on the cluster as its superuser (CREATE/DROP DATABASE
 * cannot run inside a transaction, so this is a connection of its own). */
static inline bool test_dbenv_admin_exec(const char *sql, GError **err)
{
	const char *admin = g_getenv("BIREG_TEST_PG_ADMIN_URL");
	db *a = db_open(admin, err);
	if (!a)
		return false;
	db_status rc = db_exec(a, sql, err);
	db_close(a);
	return rc == DB_OK;
}

/* A fresh migrated database on the chosen backend, connected as the serving
 * role; NULL with err set on failure. Free with test_db_dispose(). */
static inline db *test_db_open(GError **err)
{
	g_autoptr(GError) local = NULL;
	test_dbenv_entry *e = g_new0(test_dbenv_entry, 1);
	const char *backend = g_getenv("BIREG_TEST_BACKEND");
	db *d = NULL;

	if (backend && *backend && strcmp(backend, "sqlite") != 0 && !test_db_is_postgres()) {
		g_set_error(err, BIREG_DB_ERROR, DB_ERROR,
			    "BIREG_TEST_BACKEND=%s: expected sqlite or postgres", backend);
		test_dbenv_entry_free(e);
		return NULL;
	}
	e->postgres = test_db_is_postgres();
	if (e->postgres) {
		const char *names[] = {"BIREG_TEST_PG_ADMIN_URL", "BIREG_TEST_PG_HOST",
				       "BIREG_TEST_PG_PORT"};
		for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
			if (!g_getenv(names[i]) || !*g_getenv(names[i])) {
				g_set_error(err, BIREG_DB_ERROR, DB_ERROR,
					    "BIREG_TEST_BACKEND=postgres needs %s (tests/run-all sets "
					    "it from tools/pg-test-cluster's DIR/env)",
					    names[i]);
				test_dbenv_entry_free(e);
				return NULL;
			}
		}
		e->name = g_strdup_printf("bireg_t_%08x%08x", g_random_int(), g_random_int());
		g_autofree char *create =
			g_strdup_printf("CREATE DATABASE %s OWNER bireg_owner", e->name);
		if (!test_dbenv_admin_exec(create, err)) {
			test_dbenv_entry_free(e);
			return NULL;
		}
		e->url = test_dbenv_pg_url("bireg_app", e->name);
		e->owner_url = test_dbenv_pg_url("bireg_owner", e->name);
	} else {
		e->dir = g_dir_make_tmp("bireg-test-db-XXXXXX", err);
		if (!e->dir) {
			test_dbenv_entry_free(e);
			return NULL;
		}
		e->url = g_build_filename(e->dir, "test.db", NULL);
		e->owner_url = g_strdup(e->url);
	}

	if (db_install(e->url, e->postgres ? e->owner_url : NULL, &local) < 0 ||
	    !(d = db_open(e->url, &local))) {
		if (!local)
			g_set_error_literal(&local, BIREG_DB_ERROR, DB_ERROR, "failed (no reason given)");
		g_propagate_prefixed_error(err, g_steal_pointer(&local), "test database %s: ",
					   e->postgres ? e->name : e->url);
		if (e->postgres) {
			g_autofree char *drop =
				g_strdup_printf("DROP DATABASE IF EXISTS %s WITH (FORCE)", e->name);
			test_dbenv_admin_exec(drop, NULL);
		} else {
			g_autofree char *dir = g_strdup(e->dir);
			g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
			const char *n;
			while (gd && (n = g_dir_read_name(gd))) {
				g_autofree char *p = g_build_filename(dir, n, NULL);
				g_unlink(p);
			}
			g_rmdir(dir);
		}
		test_dbenv_entry_free(e);
		return NULL;
	}

	GMutex *lock;
	GHashTable *t = test_dbenv_table(&lock);
	g_mutex_lock(lock);
	g_hash_table_insert(t, d, e);
	g_mutex_unlock(lock);
	return d;
}

/* The serving URL of a database from test_db_open() (SQLite: the file). */
static inline const char *test_db_url(const db *d)
{
	test_dbenv_entry *e = test_dbenv_lookup(d);
	g_assert_nonnull(e);
	return e->url;
}

/* Runs sql, an INSERT ... RETURNING id, and returns that id (fixtures). */
static inline int64_t test_db_insert_id(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

/* A region for fixtures (an installation table: no region scope needed). */
static inline int64_t test_db_add_region(db *d, const char *slug, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d,
		"INSERT INTO region (slug, name, created_at, updated_at) VALUES ($1, $2, "
		"'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", &err);
	g_assert_no_error(err);
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, name);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

/* Runs sql (no parameters) and asserts it worked. */
static inline void test_db_exec(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_exec(d, sql, &err), ==, DB_OK);
	g_assert_no_error(err);
}

/* The first column of the first row of sql, an integer; param is bound as
 * $1 when sql has one. */
static inline int64_t test_db_query_int(db *d, const char *sql, int64_t param)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	if (strstr(sql, "$1"))
		db_bind_int64(st, 1, param);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

/* The owner URL (PostgreSQL), or the file (SQLite). */
static inline const char *test_db_owner_url(const db *d)
{
	test_dbenv_entry *e = test_dbenv_lookup(d);
	g_assert_nonnull(e);
	return e->owner_url;
}

/* Closes d and removes its database (any other connection to it too). A
 * database the test wants to keep for a look: BIREG_TEST_KEEP_DB=1. */
static inline void test_db_dispose(db *d)
{
	if (!d)
		return;
	GMutex *lock;
	GHashTable *t = test_dbenv_table(&lock);
	g_mutex_lock(lock);
	test_dbenv_entry *e = NULL;
	gpointer key = NULL;
	if (g_hash_table_steal_extended(t, d, &key, (gpointer *)&e) == FALSE)
		e = NULL;
	g_mutex_unlock(lock);
	db_close(d);
	if (!e)
		return;
	bool keep = g_strcmp0(g_getenv("BIREG_TEST_KEEP_DB"), "1") == 0;
	if (keep) {
		g_printerr("test_db_dispose: kept %s\n", e->postgres ? e->name : e->url);
	} else if (e->postgres) {
		g_autoptr(GError) err = NULL;
		g_autofree char *drop =
			g_strdup_printf("DROP DATABASE IF EXISTS %s WITH (FORCE)", e->name);
		if (!test_dbenv_admin_exec(drop, &err))
			g_printerr("test_db_dispose: cannot drop %s: %s\n", e->name, err->message);
	} else {
		g_autoptr(GDir) gd = g_dir_open(e->dir, 0, NULL);
		const char *n;
		while (gd && (n = g_dir_read_name(gd))) {
			g_autofree char *p = g_build_filename(e->dir, n, NULL);
			g_unlink(p);
		}
		g_rmdir(e->dir);
	}
	test_dbenv_entry_free(e);
}
