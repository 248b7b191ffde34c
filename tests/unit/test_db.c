/*
 * test_db.c — unit tests of the storage layer on its SQLite backend.
 *
 * Each test gets a fresh temporary directory with a database file in it, so
 * WAL, locking and reopening are exercised on a real file. The tests use
 * db_internal.h for what callers never see: a short busy timeout, the $N
 * rewrite and migrations fed from arrays.
 *
 * The cases under /db/any/ run on the backend the environment chooses
 * (test_dbenv.h: BIREG_TEST_BACKEND=postgres with a cluster from
 * tools/pg-test-cluster, else SQLite), through the serving role on a freshly
 * installed database; the DDL they need goes through the owner. The cases
 * under /db/pg/ are PostgreSQL's own (row-level security, roles,
 * reconnecting) and are skipped on SQLite.
 */
#include "db/db.h"
#include "db/db_internal.h"
#include "test_dbenv.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *dir;
	char *path;
	db *d;
} fixture;

static db *open_ok(const char *path)
{
	g_autoptr(GError) err = NULL;
	db *d = db_open(path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(d);
	return d;
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("bireg-test-db-XXXXXX", &err);
	g_assert_no_error(err);
	f->path = g_build_filename(f->dir, "test.db", NULL);
	f->d = open_ok(f->path);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	db_close(f->d);
	/* The WAL and shared-memory files go away on the last close; remove
	 * whatever is left either way. */
	g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
	const char *name;
	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(f->dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static void exec_ok(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	db_status rc = db_exec(d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(rc, ==, DB_OK);
}

/* The first column of the first row of sql as an integer (no parameters). */
static int64_t query_int(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(s, 0);
}

static char *query_text(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	return g_strdup(db_col_text(s, 0));
}

static bool table_exists(db *d, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d,
			"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $1", &err);
	g_assert_no_error(err);
	db_bind_text(s, 1, name);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	return db_col_int64(s, 0) == 1;
}

static db_status insert_region(db *d, const char *slug, const char *created, GError **err);

/* ---- opening ----------------------------------------------------------- */

static void test_open_close(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_get_backend(f->d), ==, DB_BACKEND_SQLITE);
	g_assert_cmpint(db_ping(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_true(g_file_test(f->path, G_FILE_TEST_IS_REGULAR));

	/* A second connection to the same file works alongside the first. */
	db *d2 = open_ok(f->path);
	g_assert_cmpint(db_ping(d2, &err), ==, DB_OK);
	db_close(d2);
	db_close(NULL);
}

static void test_open_errors(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *missing = g_build_filename(f->dir, "no-such-dir", "x.db", NULL);
	g_assert_null(db_open(missing, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "does not exist"));
	g_clear_error(&err);

	/* A PostgreSQL server that is not there: unavailable, and the message
	 * names database, host and port but not the password. */
	g_assert_null(db_open("postgresql://bireg:secret@127.0.0.1:1/bireg", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_assert_nonnull(strstr(err->message, "\"bireg\""));
	g_assert_nonnull(strstr(err->message, "127.0.0.1"));
	g_assert_null(strstr(err->message, "secret"));
	g_clear_error(&err);
	g_assert_null(db_open("postgres://127.0.0.1:1/bireg", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_clear_error(&err);
	/* A malformed URL is refused without quoting it when it holds a
	 * password, since libpq's message may quote any part of it. */
	g_assert_null(db_open("postgresql://bireg:secret@[::1/bireg", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_null(strstr(err->message, "secret"));
	g_clear_error(&err);
	g_assert_null(db_open("postgresql://bireg@/bireg?password=secret&nonsense=1", &err));
	g_assert_null(strstr(err->message, "secret"));
	g_clear_error(&err);
	g_autofree char *shown = db_url_describe("postgresql://bireg:secret@db.example:5433/bireg");
	g_assert_null(strstr(shown, "secret"));
	g_assert_nonnull(strstr(shown, "db.example"));
	g_assert_nonnull(strstr(shown, "5433"));

	g_assert_null(db_open("", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);

	/* A file that is not a database is refused at open, not at first use. */
	g_autofree char *junk = g_build_filename(f->dir, "junk.db", NULL);
	g_assert_true(g_file_set_contents(junk, "this is not a database, not at all. 0123456789", -1,
			NULL));
	g_assert_null(db_open(junk, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
}

static void test_in_memory(void)
{
	g_autoptr(GError) err = NULL;
	db *d = db_open(":memory:", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_migrate(d, &err), >=, 1);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(d, "PRAGMA foreign_keys"), ==, 1);
	g_assert_cmpint(insert_region(d, "duisburg", "2026-11-26T13:30:00Z", &err), ==, DB_OK);
	db_close(d);
}

/* A statement still borrowed at db_close() is a caller's bug; it is
 * reported, and freeing it afterwards is still safe. */
static void test_close_with_borrowed(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db_stmt *s = db_prepare(f->d, "SELECT 1", &err);
	db_stmt *s2 = db_prepare(f->d, "SELECT 1", &err);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*still in use*");
	db_close(f->d);
	g_test_assert_expected_messages();
	f->d = NULL;
	g_assert_cmpint(db_col_int64(s, 0), ==, 1);
	db_stmt_free(s);
	db_stmt_free(s2);
}

static void test_pragmas(fixture *f, gconstpointer data)
{
	g_autofree char *mode = query_text(f->d, "PRAGMA journal_mode");
	g_assert_cmpstr(mode, ==, "wal");
	g_assert_cmpint(query_int(f->d, "PRAGMA foreign_keys"), ==, 1);
	g_assert_cmpint(query_int(f->d, "PRAGMA synchronous"), ==, 1); /* NORMAL */
	g_assert_cmpint(query_int(f->d, "PRAGMA busy_timeout"), ==, DB_DEFAULT_BUSY_TIMEOUT_MS);
}

/* ---- migrations -------------------------------------------------------- */

/* How many migrations are embedded, and the highest number among them. */
static unsigned embedded_migrations(int *highest)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) names = g_resources_enumerate_children("/bireg/migrations/sqlite/", 0, &err);
	g_assert_no_error(err);
	unsigned n = 0;
	*highest = 0;
	for (char **p = names; *p; p++) {
		if (!g_str_has_suffix(*p, ".sql"))
			continue;
		n++;
		*highest = MAX(*highest, atoi(*p));
	}
	return n;
}

static void test_migrate_embedded(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int highest = 0;
	unsigned n = embedded_migrations(&highest);
	g_assert_cmpuint(n, >=, 1);
	g_assert_cmpint(highest, >=, 1);

	g_assert_cmpint(db_schema_version(f->d, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(db_migrate(f->d, &err), ==, (int)n);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, highest);
	/* Idempotent: the second run finds nothing to do. */
	g_assert_cmpint(db_migrate(f->d, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, highest);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM schema_migrations"), ==, n);
	/* Up to date, it takes no write lock: it goes through while another
	 * connection writes (a server starting next to a running one). */
	db *writer = open_ok(f->path);
	g_assert_cmpint(db_begin(writer, &err), ==, DB_OK);
	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(db_migrate(f->d, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
	db_rollback(writer);
	db_close(writer);
	/* The migration switched foreign keys off for its run and back on. */
	g_assert_cmpint(query_int(f->d, "PRAGMA foreign_keys"), ==, 1);

	g_autoptr(db_stmt) s = db_prepare(f->d,
			"SELECT name, applied_at FROM schema_migrations WHERE version = 1", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_cmpstr(db_col_text(s, 0), ==, "0001_regions.sql");
	g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
			db_col_text(s, 1), 0, 0));
}

static db_status insert_region(db *d, const char *slug, const char *created, GError **err)
{
	g_autoptr(db_stmt) s = db_prepare(d,
			"INSERT INTO region (slug, name, network, created_at, updated_at) "
			"VALUES ($1, 'Bildungsregion Duisburg', 'Regionale Bildungsnetzwerke NRW', $2, $2)",
			err);
	g_assert_nonnull(s);
	db_bind_text(s, 1, slug);
	db_bind_text(s, 2, created);
	return db_run(s, err);
}

static void test_region_schema(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_migrate(f->d, &err), >=, 1);
	g_assert_no_error(err);

	g_assert_cmpint(insert_region(f->d, "duisburg", "2026-11-26T13:30:00Z", &err), ==, DB_OK);
	g_assert_no_error(err);
	int64_t id = db_last_insert_id(f->d);
	g_assert_cmpint(id, >, 0);
	g_autofree char *settings = query_text(f->d, "SELECT settings FROM region");
	g_assert_cmpstr(settings, ==, "{}");

	const char *bad_slugs[] = { "Duisburg", "-duisburg", "duisburg-", "duis burg", "duis_burg",
		"" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_slugs); i++) {
		g_assert_cmpint(insert_region(f->d, bad_slugs[i], "2026-11-26T13:30:00Z", &err), ==,
				DB_CONSTRAINT);
		g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
		g_clear_error(&err);
	}
	g_assert_cmpint(insert_region(f->d, "kreis-wesel", "2026-11-26 13:30:00", &err), ==,
			DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "region_created_at_format"));
	g_clear_error(&err);
	g_assert_cmpint(insert_region(f->d, "duisburg", "2026-11-26T13:30:00Z", &err), ==,
			DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "UNIQUE"));
	g_clear_error(&err);

	/* Levels belong to an existing region; they go when the region goes. */
	g_autoptr(db_stmt) lv = db_prepare(f->d,
			"INSERT INTO region_level (region_id, position, name) VALUES ($1, $2, $3)", &err);
	g_assert_no_error(err);
	const char *levels[] = { "Strategische Ebene", "Steuerungsebene", "Operative Ebene" };
	for (int i = 0; i < 3; i++) {
		db_bind_int64(lv, 1, id);
		db_bind_int64(lv, 2, i + 1);
		db_bind_text(lv, 3, levels[i]);
		g_assert_cmpint(db_run(lv, &err), ==, DB_OK);
		g_assert_no_error(err);
	}
	db_bind_int64(lv, 1, id + 100);
	db_bind_int64(lv, 2, 1);
	db_bind_text(lv, 3, "Ebene ohne Region");
	g_assert_cmpint(db_run(lv, &err), ==, DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "FOREIGN KEY"));
	g_clear_error(&err);
	db_bind_int64(lv, 1, id);
	db_bind_int64(lv, 2, 2);
	g_assert_cmpint(db_run(lv, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);

	exec_ok(f->d, "DELETE FROM region");
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM region_level"), ==, 0);
}

static const char *const good_names[] = { "0001_a.sql", "0002_b.sql" };
static const char *const good_sqls[] = {
	"CREATE TABLE a (x INTEGER NOT NULL) STRICT;",
	"CREATE TABLE b (y INTEGER NOT NULL) STRICT; INSERT INTO a VALUES (42);",
};

static void test_migrate_broken(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_migrate_from(f->d, good_names, good_sqls, 1, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 1);

	/* 0002 does several things before it hits a syntax error; none of them
	 * may remain. */
	const char *const broken[] = {
		good_sqls[0],
		("CREATE TABLE b (y INTEGER NOT NULL) STRICT; INSERT INTO a VALUES (1);"
		 "ALTER TABLE a ADD COLUMN z TEXT; CREATE TABLE oops (;"),
	};
	g_assert_cmpint(db_migrate_from(f->d, good_names, broken, 2, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "0002_b.sql"));
	g_clear_error(&err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 1);
	g_assert_false(table_exists(f->d, "b"));
	g_assert_false(table_exists(f->d, "oops"));
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM a"), ==, 0);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM pragma_table_info('a')"), ==, 1);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM schema_migrations"), ==, 1);
	g_assert_cmpint(query_int(f->d, "PRAGMA foreign_keys"), ==, 1);

	/* The fixed migration goes through afterwards. */
	g_assert_cmpint(db_migrate_from(f->d, good_names, good_sqls, 2, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 2);
	g_assert_true(table_exists(f->d, "b"));
	g_assert_cmpint(query_int(f->d, "SELECT x FROM a"), ==, 42);
}

static void test_migrate_order_and_names(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	/* Given out of order, applied by number: 0002 needs 0001's table. */
	const char *const names[] = { "0002_b.sql", "0001_a.sql" };
	const char *const sqls[] = { good_sqls[1], good_sqls[0] };
	g_assert_cmpint(db_migrate_from(f->d, names, sqls, 2, &err), ==, 2);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 2);

	const char *const bad_name[] = { "first.sql" };
	g_assert_cmpint(db_migrate_from(f->d, bad_name, good_sqls, 1, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	const char *const zero[] = { "0000_zero.sql" };
	g_assert_cmpint(db_migrate_from(f->d, zero, good_sqls, 1, &err), ==, -1);
	g_clear_error(&err);
	/* A migration may not end its transaction; nothing of it remains. */
	const char *const own_tx[] = { "0003_c.sql" };
	const char *const own_tx_sqls[] = {
		"CREATE TABLE c (z INTEGER) STRICT; COMMIT; CREATE TABLE d (z INTEGER) STRICT; BEGIN;",
		"CREATE TABLE c (z INTEGER) STRICT;\n  -- done\n  /* really */ end transaction",
		"CREATE TABLE c (z INTEGER) STRICT; rollback;",
		"begin; CREATE TABLE c (z INTEGER) STRICT;",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(own_tx_sqls); i++) {
		g_assert_cmpint(db_migrate_from(f->d, own_tx, &own_tx_sqls[i], 1, &err), ==, -1);
		g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
		g_assert_nonnull(strstr(err->message, "must not contain BEGIN"));
		g_clear_error(&err);
		g_assert_false(table_exists(f->d, "c"));
		g_assert_false(table_exists(f->d, "d"));
	}
	/* ... but a trigger body with BEGIN and END is fine. */
	const char *const trigger[] = {
		("CREATE TABLE c (z INTEGER) STRICT;\n"
		 "CREATE TRIGGER c_count AFTER INSERT ON c BEGIN\n"
		 "  UPDATE a SET x = x + 1;\n"
		 "END;\n-- the end\n"),
	};
	g_assert_cmpint(db_migrate_from(f->d, own_tx, trigger, 1, &err), ==, 1);
	g_assert_no_error(err);
	exec_ok(f->d, "INSERT INTO c VALUES (1)");
	g_assert_cmpint(query_int(f->d, "SELECT x FROM a"), ==, 43);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 3);
	const char *const dup[] = { "0001_a.sql", "0001_again.sql" };
	g_assert_cmpint(db_migrate_from(f->d, dup, good_sqls, 2, &err), ==, -1);
	g_assert_nonnull(strstr(err->message, "same number"));
	g_clear_error(&err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 3);
}

static void test_migrate_newer_schema(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_migrate_from(f->d, good_names, good_sqls, 2, &err), ==, 2);
	g_assert_no_error(err);

	/* An older program knows only 0001. */
	g_assert_cmpint(db_migrate_from(f->d, good_names, good_sqls, 1, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "newer"));
	g_clear_error(&err);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 2);

	/* The embedded migrations are older than a schema at version 9999. */
	exec_ok(f->d, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', "
			"'2030-01-01T00:00:00Z')");
	g_assert_cmpint(db_migrate(f->d, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	g_assert_false(table_exists(f->d, "region"));
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 9999);
}

static void test_migrate_foreign_keys(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const char *const names[] = { "0001_p.sql", "0002_rebuild.sql", "0003_orphan.sql" };
	const char *const sqls[] = {
		("CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT) STRICT;"
		 "CREATE TABLE c (id INTEGER PRIMARY KEY,"
		 " p_id INTEGER NOT NULL REFERENCES p(id) ON DELETE CASCADE) STRICT;"
		 "INSERT INTO p VALUES (1, 'x'); INSERT INTO c VALUES (10, 1);"),
		/* A table rebuild: with foreign keys on, dropping p would cascade
		 * and delete c's row. */
		("CREATE TABLE p_new (id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT '') STRICT;"
		 "INSERT INTO p_new SELECT id, v FROM p; DROP TABLE p; ALTER TABLE p_new RENAME TO p;"),
		"INSERT INTO c VALUES (11, 99);",
	};
	g_assert_cmpint(db_migrate_from(f->d, names, sqls, 2, &err), ==, 2);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM c"), ==, 1);

	/* A migration that leaves a dangling reference fails as a whole. */
	g_assert_cmpint(db_migrate_from(f->d, names, sqls, 3, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "0003_orphan.sql"));
	g_clear_error(&err);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM c"), ==, 1);
	g_assert_cmpint(db_schema_version(f->d, &err), ==, 2);
	g_assert_cmpint(query_int(f->d, "PRAGMA foreign_keys"), ==, 1);
}

/* ---- values ------------------------------------------------------------ */

static void test_types(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	exec_ok(f->d, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB,"
			" flag INTEGER CHECK (flag IN (0, 1))) STRICT");

	const char *umlauts = "Grüße aus Köln – Straße, Übergang, Ärger, Öl, €";
	const unsigned char blob[] = { 0x00, 0xff, 0x10, 0x00, 'x', 0x80 };
	struct {
		int64_t i;
		const char *s;
		const void *b;
		size_t blen;
		bool blob_null;
		bool flag;
	} rows[] = {
		{ INT64_MIN, umlauts, blob, sizeof blob, false, true },
		{ INT64_MAX, "", "", 0, false, false },
		{ 0, NULL, NULL, 0, true, false },
		/* NULL with length 0 is an empty blob, not SQL NULL. */
		{ -1, "x", NULL, 0, false, true },
	};

	g_autoptr(db_stmt) ins = db_prepare(f->d, "INSERT INTO t (i, s, b, flag) VALUES ($1, $2, $3, $4)",
			&err);
	g_assert_no_error(err);
	for (size_t r = 0; r < G_N_ELEMENTS(rows); r++) {
		db_bind_int64(ins, 1, rows[r].i);
		db_bind_text(ins, 2, rows[r].s);
		if (rows[r].blob_null)
			db_bind_null(ins, 3);
		else
			db_bind_blob(ins, 3, rows[r].b, rows[r].blen);
		db_bind_bool(ins, 4, rows[r].flag);
		g_assert_cmpint(db_run(ins, &err), ==, DB_OK);
		g_assert_no_error(err);
		g_assert_cmpint(db_changes(f->d), ==, 1);
		g_assert_cmpint(db_last_insert_id(f->d), ==, (int64_t)r + 1);
	}

	g_autoptr(db_stmt) sel = db_prepare(f->d, "SELECT i, s, b, flag, NULL FROM t ORDER BY id", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_count(sel), ==, 5);
	for (size_t r = 0; r < G_N_ELEMENTS(rows); r++) {
		g_assert_cmpint(db_step(sel, &err), ==, DB_ROW);
		g_assert_no_error(err);
		g_assert_cmpint(db_col_int64(sel, 0), ==, rows[r].i);
		g_assert_cmpstr(db_col_text(sel, 1), ==, rows[r].s);
		g_assert_cmpint(db_col_is_null(sel, 1), ==, rows[r].s == NULL);
		size_t len = 12345;
		const void *b = db_col_blob(sel, 2, &len);
		g_assert_cmpuint(len, ==, rows[r].blen);
		if (rows[r].blen)
			g_assert_cmpmem(b, len, rows[r].b, rows[r].blen);
		/* An empty blob is a value, not NULL. */
		g_assert_cmpint(db_col_is_null(sel, 2), ==, rows[r].blob_null);
		g_assert_cmpint(db_col_bool(sel, 3), ==, rows[r].flag);
		g_assert_true(db_col_is_null(sel, 4));
		g_assert_null(db_col_text(sel, 4));
	}
	g_assert_cmpint(db_step(sel, &err), ==, DB_DONE);

	/* The umlauts came back byte for byte and SQLite saw characters. */
	g_autoptr(db_stmt) chars = db_prepare(f->d, "SELECT length(s) FROM t WHERE id = 1", &err);
	g_assert_cmpint(db_step(chars, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(chars, 0), ==, g_utf8_strlen(umlauts, -1));

	/* Parameters are found by number, in any order and repeated. */
	g_autoptr(db_stmt) num = db_prepare(f->d, "SELECT $2 || '-' || $1 || '-' || $2", &err);
	db_bind_text(num, 1, "a");
	db_bind_text(num, 2, "b");
	g_assert_cmpint(db_step(num, &err), ==, DB_ROW);
	g_assert_cmpstr(db_col_text(num, 0), ==, "b-a-b");
}

static void test_bind_errors(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(f->d, "SELECT $1", &err);
	g_assert_no_error(err);
	db_bind_int64(s, 2, 1);
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "$2"));
	g_clear_error(&err);

	db_reset(s);
	db_bind_text(s, 1, "caf\xc3"); /* cut in the middle of a character */
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "UTF-8"));
	g_clear_error(&err);

	/* Binding while the statement runs is a bug that shows at the step. */
	db_reset(s);
	db_bind_int64(s, 1, 5);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	db_bind_int64(s, 1, 6);
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_clear_error(&err);

	g_assert_null(db_prepare(f->d, "SELEKT 1", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "SELEKT"));
	g_clear_error(&err);
	g_assert_null(db_prepare(f->d, "SELECT 1; SELECT 2", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	g_assert_null(db_prepare(f->d, "  -- nothing", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	/* A trailing semicolon and comment are fine. */
	g_autoptr(db_stmt) ok = db_prepare(f->d, "SELECT 1; -- done", &err);
	g_assert_no_error(err);
	g_assert_nonnull(ok);
}

static void test_constraint(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	exec_ok(f->d, "CREATE TABLE u (k TEXT NOT NULL UNIQUE, n INTEGER CHECK (n > 0)) STRICT");
	g_autoptr(db_stmt) s = db_prepare(f->d, "INSERT INTO u (k, n) VALUES ($1, $2)", &err);
	db_bind_text(s, 1, "a");
	db_bind_int64(s, 2, 1);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);

	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT); /* same values again */
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_text(s, 1, NULL);
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT);
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_text(s, 1, "b");
	db_bind_int64(s, 2, -1);
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	/* STRICT: a text in an INTEGER column is refused too. */
	db_bind_text(s, 2, "zwei");
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_int64(s, 2, 2);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM u"), ==, 2);

	/* INSERT ... RETURNING through db_run completes the insert. */
	g_autoptr(db_stmt) r = db_prepare(f->d, "INSERT INTO u (k, n) VALUES ('c', 3) RETURNING n",
			&err);
	g_assert_cmpint(db_run(r, &err), ==, DB_OK);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM u"), ==, 3);
}

/* ---- transactions ------------------------------------------------------ */

static void insert_n(db *d, int64_t n)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d, "INSERT INTO tx (n) VALUES ($1)", &err);
	g_assert_no_error(err);
	db_bind_int64(s, 1, n);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);
	g_assert_no_error(err);
}

static void test_transactions(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	exec_ok(f->d, "CREATE TABLE tx (n INTEGER NOT NULL) STRICT");
	db *other = open_ok(f->path);

	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	insert_n(f->d, 1);
	/* Not visible to another connection before the commit. */
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 0);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 1);

	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	insert_n(f->d, 2);
	db_rollback(f->d);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM tx"), ==, 1);
	db_rollback(f->d); /* no transaction: nothing happens */

	/* A commit that fails (a deferred foreign key) rolls back, leaving no
	 * transaction open. */
	exec_ok(f->d, "CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;"
			"CREATE TABLE child (p INTEGER REFERENCES parent(id)"
			" DEFERRABLE INITIALLY DEFERRED) STRICT");
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	insert_n(f->d, 3);
	exec_ok(f->d, "INSERT INTO child VALUES (7)");
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_CONSTRAINT);
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM tx"), ==, 1);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM child"), ==, 0);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	db_rollback(f->d);

	/* Nested BEGIN is a bug and says so. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_ERROR);
	g_clear_error(&err);
	db_rollback(f->d);
	db_close(other);
}

static void test_persist(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_migrate(f->d, &err), >=, 1);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(insert_region(f->d, "duisburg", "2026-11-26T13:30:00Z", &err), ==, DB_OK);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	db_close(f->d);

	f->d = open_ok(f->path);
	g_autofree char *slug = query_text(f->d, "SELECT slug FROM region");
	g_assert_cmpstr(slug, ==, "duisburg");
	g_assert_cmpint(db_migrate(f->d, &err), ==, 0);
	g_assert_no_error(err);
}

/* ---- the $N rewrite ---------------------------------------------------- */

static void test_rewrite(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "SELECT $1", "SELECT ?1" },
		{ "SELECT * FROM t WHERE a = $1 AND b=$12", "SELECT * FROM t WHERE a = ?1 AND b=?12" },
		{ "SELECT '$1', $2", "SELECT '$1', ?2" },
		{ "SELECT 'it''s $1', $2", "SELECT 'it''s $1', ?2" },
		{ "SELECT \"col$1\", \"a\"\"$2\", $3", "SELECT \"col$1\", \"a\"\"$2\", ?3" },
		{ "SELECT $1 -- and $2\n, $3", "SELECT ?1 -- and $2\n, ?3" },
		{ "SELECT /* $1 */ $2 /* $3", "SELECT /* $1 */ ?2 /* $3" },
		{ "SELECT a$1, $x, $, $$1", "SELECT a$1, $x, $, $$1" },
		{ "SELECT ($1,$2)", "SELECT (?1,?2)" },
		{ "SELECT 'unterminated $1", "SELECT 'unterminated $1" },
		{ "", "" },
		{ "SELECT 'ä$1', ä$2, $3", "SELECT 'ä$1', ä$2, ?3" },
		{ "SELECT 1-$1, 2/$2", "SELECT 1-?1, 2/?2" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = db_sqlite_rewrite_params(cases[i].in);
		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

static void test_rewrite_live(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(f->d, "SELECT '$1' || $1 /* $2 */", &err);
	g_assert_no_error(err);
	db_bind_text(s, 1, "x");
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_cmpstr(db_col_text(s, 0), ==, "$1x");
}

/* ---- busy -------------------------------------------------------------- */

static void test_busy(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db_options o;
	db_options_init(&o);
	o.busy_timeout_ms = 150;
	exec_ok(f->d, "CREATE TABLE tx (n INTEGER NOT NULL) STRICT");
	db *d1 = db_open_with(f->path, &o, &err);
	g_assert_no_error(err);
	db *d2 = db_open_with(f->path, &o, &err);
	g_assert_no_error(err);

	g_assert_cmpint(db_begin(d2, &err), ==, DB_OK);
	insert_n(d2, 1);

	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(db_begin(d1, &err), ==, DB_BUSY);
	gint64 waited_ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_error(err, BIREG_DB_ERROR, DB_BUSY);
	g_clear_error(&err);
	g_assert_cmpint(waited_ms, >=, o.busy_timeout_ms);
	g_assert_cmpint(waited_ms, <, 4 * o.busy_timeout_ms + 1000);

	/* A write outside a transaction waits and gives up the same way. */
	g_autoptr(db_stmt) s = db_prepare(d1, "INSERT INTO tx (n) VALUES (2)", &err);
	g_assert_cmpint(db_run(s, &err), ==, DB_BUSY);
	g_clear_error(&err);

	/* WAL: reading goes on meanwhile and sees the last commit. */
	g_assert_cmpint(query_int(d1, "SELECT count(*) FROM tx"), ==, 0);

	g_assert_cmpint(db_commit(d2, &err), ==, DB_OK);
	g_assert_cmpint(db_begin(d1, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);
	g_assert_cmpint(db_commit(d1, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d2, "SELECT count(*) FROM tx"), ==, 2);
	g_clear_pointer(&s, db_stmt_free);
	db_close(d1);
	db_close(d2);
}

/* ---- statement cache --------------------------------------------------- */

static void test_stmt_cache(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	exec_ok(f->d, "CREATE TABLE n (v INTEGER) STRICT; INSERT INTO n VALUES (1), (2), (3)");
	const char *sql = "SELECT v FROM n ORDER BY v";

	/* Same SQL twice in a row: the same prepared statement, reused. */
	db_stmt *a = db_prepare(f->d, sql, &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(a, &err), ==, DB_ROW);
	db_stmt_free(a); /* in the middle of the rows */
	db_stmt *again = db_prepare(f->d, sql, &err);
	g_assert_true(again == a);
	/* ... and it starts over from the first row. */
	g_assert_cmpint(db_step(again, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(again, 0), ==, 1);

	/* Borrowed twice at once (a nested loop): two independent statements. */
	db_stmt *b = db_prepare(f->d, sql, &err);
	g_assert_no_error(err);
	g_assert_true(b != again);
	db_reset(again);
	int64_t sum = 0, pairs = 0;
	while (db_step(again, &err) == DB_ROW) {
		while (db_step(b, &err) == DB_ROW) {
			sum += db_col_int64(again, 0) * 10 + db_col_int64(b, 0);
			pairs++;
		}
		db_reset(b);
	}
	g_assert_no_error(err);
	g_assert_cmpint(pairs, ==, 9);
	g_assert_cmpint(sum, ==, (10 + 20 + 30) * 3 + (1 + 2 + 3) * 3);
	db_stmt_free(b);
	db_stmt_free(again);
	/* The cached one comes back after both are freed. */
	db_stmt *c = db_prepare(f->d, sql, &err);
	g_assert_true(c == a);
	db_stmt_free(c);

	/* A statement returns to the cache without its bindings. */
	db_stmt *p = db_prepare(f->d, "SELECT $1", &err);
	db_bind_int64(p, 1, 7);
	g_assert_cmpint(db_step(p, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(p, 0), ==, 7);
	db_stmt_free(p);
	db_stmt *q = db_prepare(f->d, "SELECT $1", &err);
	g_assert_true(q == p);
	g_assert_cmpint(db_step(q, &err), ==, DB_ROW);
	g_assert_true(db_col_is_null(q, 0));
	db_stmt_free(q);

	/* Cached statements survive a schema change (SQLite re-prepares). */
	exec_ok(f->d, "ALTER TABLE n ADD COLUMN w TEXT");
	db_stmt *r = db_prepare(f->d, sql, &err);
	g_assert_cmpint(db_step(r, &err), ==, DB_ROW);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_int64(r, 0), ==, 1);
	db_stmt_free(r);
}

/* ---- on the backend the environment chooses ----------------------------- */

typedef struct {
	db *d;     /* the serving role's connection */
	db *owner; /* opened on demand by owner_of() */
} anyfx;

static void any_setup(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
}

static void any_teardown(anyfx *f, gconstpointer data)
{
	db_close(f->owner);
	test_db_dispose(f->d);
}

static bool is_pg(const anyfx *f)
{
	return db_get_backend(f->d) == DB_BACKEND_POSTGRES;
}

/* A PostgreSQL-only case returns early (skipped) on SQLite. */
static bool require_pg(const anyfx *f)
{
	if (is_pg(f))
		return true;
	g_test_skip("PostgreSQL only (BIREG_TEST_BACKEND=postgres)");
	return false;
}

/* The schema owner's connection (SQLite: the same file). */
static db *owner_of(anyfx *f)
{
	if (!f->owner)
		f->owner = open_ok(test_db_owner_url(f->d));
	return f->owner;
}

/* Creates test tables through the owner, in the backend's dialect, and
 * gives the serving role the same rights on them that db_install gives. */
static void make_tables(anyfx *f, const char *sqlite_ddl, const char *pg_ddl)
{
	g_autoptr(GError) err = NULL;
	db *o = owner_of(f);
	exec_ok(o, is_pg(f) ? pg_ddl : sqlite_ddl);
	if (is_pg(f)) {
		g_assert_cmpint(db_pg_grant_serving_role(o, f->d, &err), ==, DB_OK);
		g_assert_no_error(err);
	}
}

/* The URL of the test database as another role (PostgreSQL). */
static char *url_as(const anyfx *f, const char *role)
{
	const char *url = test_db_url(f->d);
	const char *at = strstr(url, "bireg_app@");
	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (int)(at - url), url, role, at + strlen("bireg_app"));
}

static int64_t insert_region_id(db *d, const char *slug)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d,
			"INSERT INTO region (slug, name, created_at, updated_at) "
			"VALUES ($1, 'Bildungsregion', $2, $2) RETURNING id", &err);
	g_assert_no_error(err);
	db_bind_text(s, 1, slug);
	db_bind_text(s, 2, "2026-11-26T13:30:00Z");
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_no_error(err);
	int64_t id = db_col_int64(s, 0);
	g_assert_cmpint(id, >, 0);
	return id;
}

static db_status insert_level(db *d, int64_t region_id, int64_t position, const char *name,
		GError **err)
{
	g_autoptr(db_stmt) s = db_prepare(d,
			"INSERT INTO region_level (region_id, position, name) VALUES ($1, $2, $3)", err);
	g_assert_nonnull(s);
	db_bind_int64(s, 1, region_id);
	db_bind_int64(s, 2, position);
	db_bind_text(s, 3, name);
	return db_run(s, err);
}

static int64_t query_int_param(db *d, const char *sql, int64_t p)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	db_bind_int64(s, 1, p);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(s, 0);
}

static void test_any_install(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int highest = 0;
	g_autofree char *dir = g_strconcat("/bireg/migrations/", is_pg(f) ? "postgres" : "sqlite",
			"/", NULL);
	g_auto(GStrv) names = g_resources_enumerate_children(dir, 0, &err);
	g_assert_no_error(err);
	for (char **p = names; *p; p++)
		if (g_str_has_suffix(*p, ".sql"))
			highest = MAX(highest, atoi(*p));
	g_assert_cmpint(db_schema_version(f->d, &err), ==, highest);
	g_assert_true(db_schema_current(f->d, &err));
	g_assert_no_error(err);
	/* Installing again finds nothing to do. */
	g_assert_cmpint(db_install(test_db_url(f->d), is_pg(f) ? test_db_owner_url(f->d) : NULL,
			&err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(db_ping(f->d, &err), ==, DB_OK);

	/* A row of a migration this program does not know: not current. */
	exec_ok(owner_of(f), "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', "
			"'2030-01-01T00:00:00Z')");
	g_assert_false(db_schema_current(f->d, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "newer"));
	g_clear_error(&err);

	/* The owner URL is for PostgreSQL only. */
	if (!is_pg(f)) {
		g_assert_cmpint(db_install(test_db_url(f->d), "postgresql://x@/y", &err), ==, -1);
		g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
		g_assert_nonnull(strstr(err->message, "PostgreSQL only"));
	}
}

static void test_any_region_schema(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	int64_t id = insert_region_id(d, "duisburg");
	g_autofree char *settings = query_text(d, "SELECT settings FROM region");
	g_assert_cmpstr(settings, ==, "{}");

	const char *bad_slugs[] = { "Duisburg", "-duisburg", "duisburg-", "duis burg", "duis_burg",
		"", "düsseldorf" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_slugs); i++) {
		g_assert_cmpint(insert_region(d, bad_slugs[i], "2026-11-26T13:30:00Z", &err), ==,
				DB_CONSTRAINT);
		g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
		g_assert_nonnull(strstr(err->message, "region_slug_format"));
		g_clear_error(&err);
	}
	g_assert_cmpint(insert_region(d, "kreis-wesel", "2026-11-26 13:30:00", &err), ==,
			DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "region_created_at_format"));
	g_clear_error(&err);
	g_assert_cmpint(insert_region(d, "duisburg", "2026-11-26T13:30:00Z", &err), ==,
			DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(insert_region(d, "a--b", "2026-11-26T13:30:00Z", &err), ==, DB_OK);
	g_assert_no_error(err);

	/* Levels belong to an existing region; they go when the region goes. */
	db_set_region(d, id);
	const char *levels[] = { "Strategische Ebene", "Steuerungsebene", "Operative Ebene" };
	for (int i = 0; i < 3; i++) {
		g_assert_cmpint(insert_level(d, id, i + 1, levels[i], &err), ==, DB_OK);
		g_assert_no_error(err);
	}
	db_set_region(d, id + 100);
	g_assert_cmpint(insert_level(d, id + 100, 1, "Ebene ohne Region", &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	db_set_region(d, id);
	g_assert_cmpint(insert_level(d, id, 2, "doppelt", &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM region_level"), ==, 3);

	g_autoptr(db_stmt) del = db_prepare(d, "DELETE FROM region WHERE id = $1", &err);
	db_bind_int64(del, 1, id);
	g_assert_cmpint(db_run(del, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_cmpint(db_changes(d), ==, 1);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM region_level"), ==, 0);
}

static void test_any_types(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f,
			"CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB,"
			" flag INTEGER CHECK (flag IN (0, 1))) STRICT",
			"CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
			" i bigint, s text, b bytea, flag integer CHECK (flag IN (0, 1)))");

	const char *umlauts = "Grüße aus Köln – Straße, Übergang, Ärger, Öl, €, 𝄞";
	const unsigned char blob[] = { 0x00, 0xff, 0x10, 0x00, 'x', 0x80, '\\', '\'' };
	struct {
		int64_t i;
		const char *s;
		const void *b;
		size_t blen;
		bool blob_null;
		bool flag;
	} rows[] = {
		{ INT64_MIN, umlauts, blob, sizeof blob, false, true },
		{ INT64_MAX, "", "", 0, false, false },
		{ 0, NULL, NULL, 0, true, false },
		/* NULL with length 0 is an empty blob, not SQL NULL. */
		{ -1, "x'; --", NULL, 0, false, true },
	};

	g_autoptr(db_stmt) ins = db_prepare(d,
			"INSERT INTO t (i, s, b, flag) VALUES ($1, $2, $3, $4) RETURNING id", &err);
	g_assert_no_error(err);
	int64_t last = 0;
	for (size_t r = 0; r < G_N_ELEMENTS(rows); r++) {
		db_bind_int64(ins, 1, rows[r].i);
		db_bind_text(ins, 2, rows[r].s);
		if (rows[r].blob_null)
			db_bind_null(ins, 3);
		else
			db_bind_blob(ins, 3, rows[r].b, rows[r].blen);
		db_bind_bool(ins, 4, rows[r].flag);
		g_assert_cmpint(db_step(ins, &err), ==, DB_ROW);
		g_assert_no_error(err);
		g_assert_cmpint(db_col_int64(ins, 0), >, last);
		last = db_col_int64(ins, 0);
		g_assert_cmpint(db_step(ins, &err), ==, DB_DONE);
		g_assert_cmpint(db_changes(d), ==, 1);
		db_reset(ins);
	}

	g_autoptr(db_stmt) sel = db_prepare(d, "SELECT i, s, b, flag, NULL, length(b) FROM t "
			"ORDER BY id", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_count(sel), ==, 6);
	for (size_t r = 0; r < G_N_ELEMENTS(rows); r++) {
		g_assert_cmpint(db_step(sel, &err), ==, DB_ROW);
		g_assert_no_error(err);
		g_assert_cmpint(db_col_int64(sel, 0), ==, rows[r].i);
		g_assert_cmpstr(db_col_text(sel, 1), ==, rows[r].s);
		g_assert_cmpint(db_col_is_null(sel, 1), ==, rows[r].s == NULL);
		size_t len = 12345;
		const void *b = db_col_blob(sel, 2, &len);
		g_assert_cmpuint(len, ==, rows[r].blen);
		if (rows[r].blen)
			g_assert_cmpmem(b, len, rows[r].b, rows[r].blen);
		g_assert_cmpint(db_col_is_null(sel, 2), ==, rows[r].blob_null);
		g_assert_cmpint(db_col_bool(sel, 3), ==, rows[r].flag);
		g_assert_true(db_col_is_null(sel, 4));
		g_assert_null(db_col_text(sel, 4));
		/* The database counted the bytes it stored. */
		if (!rows[r].blob_null)
			g_assert_cmpint(db_col_int64(sel, 5), ==, (int64_t)rows[r].blen);
	}
	g_assert_cmpint(db_step(sel, &err), ==, DB_DONE);

	/* The database saw characters, not bytes, and returns them unchanged. */
	g_assert_cmpint(query_int(d, "SELECT length(s) FROM t WHERE i = -9223372036854775807 - 1"),
			==, g_utf8_strlen(umlauts, -1));
	g_autoptr(db_stmt) eq = db_prepare(d, "SELECT count(*) FROM t WHERE s = $1", &err);
	db_bind_text(eq, 1, umlauts);
	g_assert_cmpint(db_step(eq, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(eq, 0), ==, 1);

	/* Parameters are found by number, in any order and repeated. */
	g_autoptr(db_stmt) num = db_prepare(d,
			"SELECT CAST($2 AS text) || '-' || CAST($1 AS text) || '-' || CAST($2 AS text)",
			&err);
	g_assert_no_error(err);
	db_bind_text(num, 1, "a");
	db_bind_text(num, 2, "b");
	g_assert_cmpint(db_step(num, &err), ==, DB_ROW);
	g_assert_cmpstr(db_col_text(num, 0), ==, "b-a-b");

	/* A comparison is a boolean on either backend. */
	g_autoptr(db_stmt) b = db_prepare(d, "SELECT 1 = 1, 1 = 2", &err);
	g_assert_cmpint(db_step(b, &err), ==, DB_ROW);
	g_assert_true(db_col_bool(b, 0));
	g_assert_false(db_col_bool(b, 1));
}

static void test_any_bind_errors(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) s = db_prepare(f->d, "SELECT CAST($1 AS bigint)", &err);
	g_assert_no_error(err);
	db_bind_int64(s, 2, 1);
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "$2"));
	g_clear_error(&err);

	db_reset(s);
	g_autoptr(db_stmt) t = db_prepare(f->d, "SELECT CAST($1 AS text)", &err);
	db_bind_text(t, 1, "caf\xc3"); /* cut in the middle of a character */
	g_assert_cmpint(db_step(t, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "UTF-8"));
	g_clear_error(&err);

	/* Binding while the statement runs is a bug that shows at the step. */
	db_reset(s);
	db_bind_int64(s, 1, 5);
	g_assert_cmpint(db_step(s, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(s, 0), ==, 5);
	db_bind_int64(s, 1, 6);
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_clear_error(&err);

	g_assert_null(db_prepare(f->d, "SELEKT 1", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "SELEKT"));
	g_clear_error(&err);
	g_assert_null(db_prepare(f->d, "SELECT 1; SELECT 2", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	g_assert_null(db_prepare(f->d, "  -- nothing", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);
	g_autoptr(db_stmt) ok = db_prepare(f->d, "SELECT 1; -- done", &err);
	g_assert_no_error(err);
	g_assert_nonnull(ok);
	/* The connection is still fine after all this. */
	g_assert_cmpint(db_ping(f->d, &err), ==, DB_OK);
}

static void test_any_constraint(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "CREATE TABLE u (k TEXT NOT NULL UNIQUE, n INTEGER CHECK (n > 0)) STRICT",
			"CREATE TABLE u (k text NOT NULL UNIQUE, n integer CHECK (n > 0))");
	g_autoptr(db_stmt) s = db_prepare(d, "INSERT INTO u (k, n) VALUES ($1, $2)", &err);
	db_bind_text(s, 1, "a");
	db_bind_int64(s, 2, 1);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT); /* same values again */
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_text(s, 1, NULL);
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_text(s, 1, "b");
	db_bind_int64(s, 2, -1);
	g_assert_cmpint(db_run(s, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	db_bind_int64(s, 2, 2);
	g_assert_cmpint(db_run(s, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM u"), ==, 2);

	/* INSERT ... RETURNING through db_run completes the insert. */
	g_autoptr(db_stmt) r = db_prepare(d, "INSERT INTO u (k, n) VALUES ('c', 3) RETURNING n",
			&err);
	g_assert_cmpint(db_run(r, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM u"), ==, 3);

	/* ON CONFLICT works the same on both. */
	g_autoptr(db_stmt) up = db_prepare(d, "INSERT INTO u (k, n) VALUES ($1, $2) "
			"ON CONFLICT (k) DO UPDATE SET n = u.n + excluded.n RETURNING n", &err);
	g_assert_no_error(err);
	db_bind_text(up, 1, "c");
	db_bind_int64(up, 2, 4);
	g_assert_cmpint(db_step(up, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(up, 0), ==, 7);
	g_autoptr(db_stmt) nothing = db_prepare(d, "INSERT INTO u (k, n) VALUES ('c', 9) "
			"ON CONFLICT (k) DO NOTHING", &err);
	g_assert_cmpint(db_run(nothing, &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 0);
}

static void test_any_transactions(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f,
			"CREATE TABLE tx (n INTEGER NOT NULL) STRICT;"
			"CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;"
			"CREATE TABLE child (p INTEGER REFERENCES parent(id)"
			" DEFERRABLE INITIALLY DEFERRED) STRICT",
			"CREATE TABLE tx (n integer NOT NULL);"
			"CREATE TABLE parent (id integer PRIMARY KEY);"
			"CREATE TABLE child (p integer REFERENCES parent(id)"
			" DEFERRABLE INITIALLY DEFERRED)");
	db *other = open_ok(test_db_url(d));

	g_assert_false(db_in_transaction(d));
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_true(db_in_transaction(d));
	insert_n(d, 1);
	/* Not visible to another connection before the commit. */
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 0);
	g_assert_cmpint(db_commit(d, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_false(db_in_transaction(d));
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 1);

	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 2);
	db_rollback(d);
	g_assert_false(db_in_transaction(d));
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 1);
	db_rollback(d); /* no transaction: nothing happens */

	/* A commit that fails (a deferred foreign key) rolls back, leaving no
	 * transaction open. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 3);
	exec_ok(d, "INSERT INTO child VALUES (7)");
	g_assert_cmpint(db_commit(d, &err), ==, DB_CONSTRAINT);
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_false(db_in_transaction(d));
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 1);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM child"), ==, 0);
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_no_error(err);
	db_rollback(d);

	/* Nested BEGIN is a bug and says so; the open one is untouched. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 4);
	g_assert_cmpint(db_begin(d, &err), ==, DB_ERROR);
	g_clear_error(&err);
	g_assert_cmpint(db_commit(d, &err), ==, DB_OK);
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 2);
	g_assert_cmpint(db_commit(d, &err), ==, DB_ERROR); /* none open */
	g_clear_error(&err);

	/* A statement outside a transaction commits at once. */
	insert_n(d, 5);
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM tx"), ==, 3);
	db_close(other);
}

static const char *const any_names[] = { "9001_a.sql", "9002_b.sql" };
static const char *const any_sqls[] = {
	"CREATE TABLE a (x integer NOT NULL);",
	"CREATE TABLE b (y integer NOT NULL); INSERT INTO a VALUES (42);",
};

static bool any_table_exists(db *d, const char *name)
{
	g_autoptr(GError) err = NULL;
	int r = d->ops->table_exists(d, name, &err);
	g_assert_no_error(err);
	return r == 1;
}

static void test_any_migrate_broken(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *o = owner_of(f);
	int before = db_schema_version(o, &err);
	g_assert_cmpint(db_migrate_from(o, any_names, any_sqls, 1, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(o, &err), ==, 9001);

	/* 9002 does several things before it hits a syntax error; none of them
	 * may remain. */
	const char *const broken[] = {
		any_sqls[0],
		("CREATE TABLE b (y integer NOT NULL); INSERT INTO a VALUES (1);"
		 "ALTER TABLE a ADD COLUMN z text; CREATE TABLE oops (;"),
	};
	g_assert_cmpint(db_migrate_from(o, any_names, broken, 2, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "9002_b.sql"));
	g_clear_error(&err);
	g_assert_cmpint(db_schema_version(o, &err), ==, 9001);
	g_assert_false(any_table_exists(o, "b"));
	g_assert_false(any_table_exists(o, "oops"));
	g_assert_cmpint(query_int(o, "SELECT count(*) FROM a"), ==, 0);
	g_autoptr(db_stmt) cols = db_prepare(o, "SELECT * FROM a", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_count(cols), ==, 1);
	g_clear_pointer(&cols, db_stmt_free);
	g_assert_cmpint(query_int(o, "SELECT count(*) FROM schema_migrations"), ==, before + 1);

	/* The fixed migration goes through afterwards. */
	g_assert_cmpint(db_migrate_from(o, any_names, any_sqls, 2, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(db_schema_version(o, &err), ==, 9002);
	g_assert_true(any_table_exists(o, "b"));
	g_assert_cmpint(query_int(o, "SELECT x FROM a"), ==, 42);
	/* An older program (knowing only up to 9001) leaves it alone. */
	g_assert_cmpint(db_migrate_from(o, any_names, any_sqls, 1, &err), ==, -1);
	g_assert_nonnull(strstr(err->message, "newer"));
}

static void test_any_migrate_own_tx(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *o = owner_of(f);
	const char *const own_tx[] = { "9003_c.sql" };
	const char *const own_tx_sqls[] = {
		"CREATE TABLE c (z integer); COMMIT; CREATE TABLE d (z integer); BEGIN;",
		"CREATE TABLE c (z integer);\n  -- done\n  /* really */ end transaction",
		"CREATE TABLE c (z integer); rollback;",
		"begin; CREATE TABLE c (z integer);",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(own_tx_sqls); i++) {
		g_assert_cmpint(db_migrate_from(o, own_tx, &own_tx_sqls[i], 1, &err), ==, -1);
		g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
		g_assert_nonnull(strstr(err->message, "must not contain BEGIN"));
		g_clear_error(&err);
		g_assert_false(any_table_exists(o, "c"));
		g_assert_false(any_table_exists(o, "d"));
	}
	/* Words in literals, identifiers and comments do not count. */
	const char *const fine[] = {
		("CREATE TABLE c (z text DEFAULT 'x; COMMIT; y', \"begin\" integer);\n"
		 "-- COMMIT;\n/* ROLLBACK; END; */\n"
		 "INSERT INTO c (z) VALUES ('a'';commit;');"),
	};
	g_assert_cmpint(db_migrate_from(o, own_tx, fine, 1, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(o, "SELECT count(*) FROM c"), ==, 1);
	if (is_pg(f)) {
		/* PL/pgSQL bodies have BEGIN and END of their own. */
		const char *const n4[] = { "9004_f.sql" };
		const char *const body[] = {
			("CREATE FUNCTION c_count() RETURNS bigint LANGUAGE plpgsql AS $fn$\n"
			 "BEGIN\n  RETURN (SELECT count(*) FROM c);\nEND;\n$fn$;\n"
			 "DO $$ BEGIN PERFORM c_count(); END $$;\n"
			 "/* ROLLBACK; /* nested */ END; */\n"
			 "SELECT E'it\\'s; COMMIT', $x$; ROLLBACK;$x$;"),
		};
		g_assert_cmpint(db_migrate_from(o, n4, body, 1, &err), ==, 1);
		g_assert_no_error(err);
		g_assert_cmpint(query_int(o, "SELECT c_count()"), ==, 1);
		const char *const n5[] = { "9005_g.sql" };
		const char *const start[] = { "CREATE TABLE g (x integer); START TRANSACTION;" };
		g_assert_cmpint(db_migrate_from(o, n5, start, 1, &err), ==, -1);
		g_assert_nonnull(strstr(err->message, "must not contain BEGIN"));
		g_clear_error(&err);
		g_assert_false(any_table_exists(o, "g"));
	}
}

static void test_any_statements(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "CREATE TABLE n (v INTEGER) STRICT; INSERT INTO n VALUES (1), (2), (3)",
			"CREATE TABLE n (v integer); INSERT INTO n VALUES (1), (2), (3)");
	const char *sql = "SELECT v FROM n ORDER BY v";

	/* The same SQL borrowed twice at once (a nested loop): independent. */
	db_stmt *a = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	db_stmt *b = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	int64_t sum = 0, pairs = 0;
	while (db_step(a, &err) == DB_ROW) {
		while (db_step(b, &err) == DB_ROW) {
			sum += db_col_int64(a, 0) * 10 + db_col_int64(b, 0);
			pairs++;
		}
		db_reset(b);
	}
	g_assert_no_error(err);
	g_assert_cmpint(pairs, ==, 9);
	g_assert_cmpint(sum, ==, (10 + 20 + 30) * 3 + (1 + 2 + 3) * 3);
	db_stmt_free(a);
	db_stmt_free(b);

	/* A statement comes back without its bindings. */
	db_stmt *p = db_prepare(d, "SELECT CAST($1 AS bigint)", &err);
	db_bind_int64(p, 1, 7);
	g_assert_cmpint(db_step(p, &err), ==, DB_ROW);
	g_assert_cmpint(db_col_int64(p, 0), ==, 7);
	db_stmt_free(p);
	db_stmt *q = db_prepare(d, "SELECT CAST($1 AS bigint)", &err);
	g_assert_cmpint(db_step(q, &err), ==, DB_ROW);
	g_assert_true(db_col_is_null(q, 0));
	db_stmt_free(q);

	/* db_changes counts the rows the last change touched. */
	g_autoptr(db_stmt) upd = db_prepare(d, "UPDATE n SET v = v + 10 WHERE v >= $1", &err);
	db_bind_int64(upd, 1, 2);
	g_assert_cmpint(db_run(upd, &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 2);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM n"), ==, 3);
	g_assert_cmpint(db_changes(d), ==, 2); /* a SELECT changes nothing */

	/* Cached statements survive a schema change. */
	db_stmt *r = db_prepare(d, sql, &err);
	db_stmt_free(r);
	exec_ok(owner_of(f), "ALTER TABLE n ADD COLUMN w text");
	r = db_prepare(d, sql, &err);
	g_assert_cmpint(db_step(r, &err), ==, DB_ROW);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_int64(r, 0), ==, 1);
	db_stmt_free(r);
	/* ... and many distinct texts (built at run time) still work. */
	for (int i = 0; i < 600; i++) {
		g_autofree char *s = g_strdup_printf("SELECT %d + CAST($1 AS bigint)", i);
		g_assert_cmpint(query_int_param(d, s, 1), ==, i + 1);
	}
}

static void test_any_serving_role(anyfx *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_check_serving_role(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
}

/* ---- PostgreSQL's own ---------------------------------------------------- */

static void test_pg_rls(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	int64_t r1 = insert_region_id(d, "eins"), r2 = insert_region_id(d, "zwei");
	const char *count_sql = "SELECT count(*) FROM region_level";
	const char *count_r1 = "SELECT count(*) FROM region_level WHERE region_id = $1";

	db_set_region(d, r1);
	g_assert_cmpint(insert_level(d, r1, 1, "Ebene eins", &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(d, count_sql), ==, 1);

	/* Without a region, or with another one, the row is not there. */
	db_set_region(d, 0);
	g_assert_cmpint(query_int(d, count_sql), ==, 0);
	g_assert_cmpint(query_int_param(d, count_r1, r1), ==, 0);
	db_set_region(d, r2);
	g_assert_cmpint(query_int(d, count_sql), ==, 0);
	g_assert_cmpint(query_int_param(d, count_r1, r1), ==, 0);
	/* ... nor can it be changed or deleted from there. */
	g_autoptr(db_stmt) upd = db_prepare(d, "UPDATE region_level SET name = 'x'", &err);
	g_assert_cmpint(db_run(upd, &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 0);
	g_assert_cmpint(db_exec(d, "DELETE FROM region_level", &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 0);

	/* A row for another region than the connection's is refused. */
	g_assert_cmpint(insert_level(d, r1, 2, "fremd", &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "row-level security"));
	g_clear_error(&err);
	db_set_region(d, 0);
	g_assert_cmpint(insert_level(d, r1, 2, "ohne Region", &err), ==, DB_ERROR);
	g_clear_error(&err);
	/* Moving a visible row into another region is refused too. */
	db_set_region(d, r1);
	g_autoptr(db_stmt) move = db_prepare(d, "UPDATE region_level SET region_id = $1", &err);
	db_bind_int64(move, 1, r2);
	g_assert_cmpint(db_run(move, &err), ==, DB_ERROR);
	g_clear_error(&err);

	/* Inside a transaction the region switches with the next statement. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d, count_sql), ==, 1);
	db_set_region(d, r2);
	g_assert_cmpint(query_int(d, count_sql), ==, 0);
	g_assert_cmpint(db_exec(d, "UPDATE region_level SET name = 'y'", &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 0);
	db_set_region(d, r1);
	g_assert_cmpint(db_exec(d, "UPDATE region_level SET name = 'y'", &err), ==, DB_OK);
	g_assert_cmpint(db_changes(d), ==, 1);
	db_rollback(d);

	/* The feedback table is guarded the same way. */
	g_autoptr(db_stmt) fb = db_prepare(d,
			"INSERT INTO accessibility_feedback (region_id, message, created_at) "
			"VALUES ($1, 'Kontrast', '2026-11-26T13:30:00Z') RETURNING id", &err);
	db_bind_int64(fb, 1, r1);
	g_assert_cmpint(db_step(fb, &err), ==, DB_ROW);
	g_assert_no_error(err);
	g_clear_pointer(&fb, db_stmt_free);
	const char *fb_count = "SELECT count(*) FROM accessibility_feedback";
	g_assert_cmpint(query_int(d, fb_count), ==, 1);
	db_set_region(d, r2);
	g_assert_cmpint(query_int(d, fb_count), ==, 0);
	db_set_region(d, 0);
	g_assert_cmpint(query_int(d, fb_count), ==, 0);

	/* The rows are there: the superuser (who bypasses the policies) sees
	 * them. */
	g_autofree char *admin_url = url_as(f, "postgres");
	db *admin = open_ok(admin_url);
	g_assert_cmpint(query_int(admin, count_sql), ==, 1);
	g_assert_cmpint(query_int(admin, fb_count), ==, 1);
	db_close(admin);
	/* The owner is held to the policies too (FORCE). */
	db *o = owner_of(f);
	g_assert_cmpint(query_int(o, count_sql), ==, 0);
	db_set_region(o, r1);
	g_assert_cmpint(query_int(o, count_sql), ==, 1);
}

static void test_pg_region_setting(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	const char *setting = "SELECT coalesce(current_setting('bireg.region_id', true), '')";
	const char *current = "SELECT coalesce(bireg_current_region(), 0)";

	/* A statement outside a transaction runs in one that set the region. */
	db_set_region(d, 7);
	g_autofree char *s7 = query_text(d, setting);
	g_assert_cmpstr(s7, ==, "7");
	g_assert_cmpint(query_int(d, current), ==, 7);
	db_set_region(d, 0);
	g_autofree char *s0 = query_text(d, setting);
	g_assert_cmpstr(s0, ==, "");
	g_assert_cmpint(query_int(d, current), ==, 0);

	/* In a transaction: set at BEGIN, changed with db_set_region, gone
	 * after the end (SET LOCAL). */
	db_set_region(d, 8);
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d, current), ==, 8);
	db_set_region(d, 9);
	g_assert_cmpint(query_int(d, current), ==, 9);
	g_assert_cmpint(db_commit(d, &err), ==, DB_OK);
	db_set_region(d, 0);
	g_assert_cmpint(query_int(d, current), ==, 0);
	/* A plain connection outside bireg's transactions has none set: a
	 * statement without a region runs without set_config, so the setting
	 * was never even defined in that session. */
	g_autofree char *admin_url = url_as(f, "postgres");
	db *admin = open_ok(admin_url);
	g_autoptr(db_stmt) raw = db_prepare(admin,
			"SELECT coalesce(current_setting('bireg.region_id', true), 'unset')", &err);
	g_assert_cmpint(db_step(raw, &err), ==, DB_ROW);
	g_assert_cmpstr(db_col_text(raw, 0), ==, "unset");
	g_clear_pointer(&raw, db_stmt_free);
	db_close(admin);
}

static void test_pg_serving_role(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_check_serving_role(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);

	g_assert_cmpint(db_check_serving_role(owner_of(f), &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "owns table"));
	g_assert_nonnull(strstr(err->message, "bireg_owner"));
	g_clear_error(&err);

	g_autofree char *admin_url = url_as(f, "postgres");
	db *admin = open_ok(admin_url);
	g_assert_cmpint(db_check_serving_role(admin, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "superuser"));
	g_clear_error(&err);

	/* A role with BYPASSRLS, and one that is a member of the owner. */
	g_autofree char *bypass = g_strdup_printf("bireg_t_bypass_%08x", g_random_int());
	g_autofree char *member = g_strdup_printf("bireg_t_member_%08x", g_random_int());
	g_autofree char *create = g_strdup_printf(
			"CREATE ROLE %s LOGIN BYPASSRLS; CREATE ROLE %s LOGIN IN ROLE bireg_owner",
			bypass, member);
	exec_ok(admin, create);
	g_autofree char *bypass_url = url_as(f, bypass);
	g_autofree char *member_url = url_as(f, member);
	db *b = open_ok(bypass_url);
	g_assert_cmpint(db_check_serving_role(b, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "BYPASSRLS"));
	g_clear_error(&err);
	db_close(b);
	db *m = open_ok(member_url);
	g_assert_cmpint(db_check_serving_role(m, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "owns table"));
	g_clear_error(&err);
	db_close(m);
	g_autofree char *drop = g_strdup_printf("DROP ROLE %s; DROP ROLE %s", bypass, member);
	exec_ok(admin, drop);
	db_close(admin);
}

static void test_pg_migrate_broken(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *o = owner_of(f);
	int version = db_schema_version(o, &err);
	const char *const names[] = { "9001_wide.sql" };
	const char *const sqls[] = {
		("CREATE TABLE x (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);\n"
		 "CREATE INDEX x_id ON x (id);\n"
		 "ALTER TABLE region ADD COLUMN extra text;\n"
		 "ALTER TABLE region_level NO FORCE ROW LEVEL SECURITY;\n"
		 "DROP POLICY region_level_region ON region_level;\n"
		 "CREATE FUNCTION xf() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n"
		 "INSERT INTO x DEFAULT VALUES;\n"
		 "SELECT 1 / 0;\n"),
	};
	g_assert_cmpint(db_migrate_from(o, names, sqls, 1, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "9001_wide.sql"));
	g_assert_nonnull(strstr(err->message, "division by zero"));
	g_clear_error(&err);
	g_assert_cmpint(db_schema_version(o, &err), ==, version);
	g_assert_false(any_table_exists(o, "x"));
	g_assert_cmpint(query_int(o, "SELECT count(*) FROM information_schema.columns "
			"WHERE table_name = 'region' AND column_name = 'extra'"), ==, 0);
	g_assert_cmpint(query_int(o, "SELECT count(*) FROM pg_policies "
			"WHERE policyname = 'region_level_region'"), ==, 1);
	g_assert_cmpint(query_int(o, "SELECT CAST(relforcerowsecurity AS integer) FROM pg_class "
			"WHERE relname = 'region_level'"), ==, 1);
	g_assert_cmpint(query_int(o, "SELECT CAST(to_regprocedure('xf()') IS NULL AS integer)"), ==,
			1);
	g_assert_true(db_schema_current(f->d, &err));
	g_assert_no_error(err);
	/* The owner's connection is fine afterwards. */
	g_assert_cmpint(db_ping(o, &err), ==, DB_OK);
}

/* Ends the server process of d's session from another connection, and
 * waits until it is gone. */
static void terminate_backend(anyfx *f, db *d)
{
	g_autoptr(GError) err = NULL;
	int64_t pid = query_int(d, "SELECT pg_backend_pid()");
	g_autofree char *admin_url = url_as(f, "postgres");
	db *admin = open_ok(admin_url);
	g_assert_cmpint(query_int_param(admin,
			"SELECT CAST(pg_terminate_backend(CAST($1 AS integer), 5000) AS integer)", pid),
			==, 1);
	db_close(admin);
}

static void test_pg_reconnect(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "", "CREATE TABLE tx (n integer NOT NULL)");
	int64_t pid = query_int(d, "SELECT pg_backend_pid()");

	/* Outside a transaction: the next call notices and reconnects (or, if
	 * it met the broken connection first, says so; the one after works). */
	g_autoptr(db_stmt) prepared = db_prepare(d, "SELECT CAST($1 AS bigint) + 1", &err);
	g_assert_no_error(err);
	terminate_backend(f, d);
	db_status rc = db_ping(d, &err);
	if (rc != DB_OK) {
		g_assert_cmpint(rc, ==, DB_UNAVAILABLE);
		g_clear_error(&err);
		g_assert_cmpint(db_ping(d, &err), ==, DB_OK);
	}
	g_assert_no_error(err);
	g_assert_cmpint(query_int(d, "SELECT pg_backend_pid()"), !=, pid);
	/* A statement prepared before is prepared again on the new session. */
	db_bind_int64(prepared, 1, 41);
	g_assert_cmpint(db_step(prepared, &err), ==, DB_ROW);
	g_assert_no_error(err);
	g_assert_cmpint(db_col_int64(prepared, 0), ==, 42);
	/* The session settings are back too. */
	g_autofree char *tz = query_text(d, "SHOW TimeZone");
	g_assert_cmpstr(tz, ==, "UTC");
	g_autofree char *app = query_text(d, "SHOW application_name");
	g_assert_cmpstr(app, ==, "bireg");

	/* Inside a transaction: the transaction is gone, the caller learns it
	 * and rolls back; the next transaction works. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 1);
	terminate_backend(f, d);
	g_autoptr(db_stmt) ins = db_prepare(d, "INSERT INTO tx (n) VALUES (2)", &err);
	rc = ins ? db_run(ins, &err) : DB_UNAVAILABLE;
	g_assert_cmpint(rc, ==, DB_UNAVAILABLE);
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_assert_nonnull(strstr(err->message, "bireg_t_"));
	g_clear_error(&err);
	g_assert_true(db_in_transaction(d));
	g_assert_cmpint(db_commit(d, &err), <, 0);
	g_clear_error(&err);
	g_assert_false(db_in_transaction(d));
	db_rollback(d);
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_assert_no_error(err);
	insert_n(d, 3);
	g_assert_cmpint(db_commit(d, &err), ==, DB_OK);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 1);
	g_assert_cmpint(query_int(d, "SELECT max(n) FROM tx"), ==, 3);

	/* The connection breaks before COMMIT: not committed, and said so. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 4);
	terminate_backend(f, d);
	g_assert_cmpint(db_commit(d, &err), ==, DB_UNAVAILABLE);
	g_clear_error(&err);
	g_assert_false(db_in_transaction(d));
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 1);

	/* A server that is gone: DB_UNAVAILABLE at once, not a hang. */
	g_autofree char *gone = g_strdup_printf("postgresql://bireg_app@127.0.0.1:1/x");
	gint64 t0 = g_get_monotonic_time();
	g_assert_null(db_open(gone, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 4 * G_USEC_PER_SEC);
}

static void test_pg_values(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "", "CREATE TABLE bin (id integer PRIMARY KEY, b bytea, s text)");
	const unsigned char blob[] = { 0x00, 0x00, 0xff, 0x5c, 0x78, 0x00, 0x27, 0x01 };
	const char *text = "Übermäßig große Öfen – „Anführungszeichen“ ß ẞ 😀";
	g_autoptr(db_stmt) ins = db_prepare(d, "INSERT INTO bin VALUES (1, $1, $2)", &err);
	db_bind_blob(ins, 1, blob, sizeof blob);
	db_bind_text(ins, 2, text);
	g_assert_cmpint(db_run(ins, &err), ==, DB_OK);
	g_assert_no_error(err);
	/* The server has the very bytes and characters. */
	g_assert_cmpint(query_int(d, "SELECT CAST(b = '\\x0000ff5c78002701'::bytea AS integer) "
			"FROM bin"), ==, 1);
	g_assert_cmpint(query_int(d, "SELECT length(s) FROM bin"), ==, g_utf8_strlen(text, -1));
	g_assert_cmpint(query_int(d, "SELECT octet_length(s) FROM bin"), ==, (int64_t)strlen(text));
	g_autoptr(db_stmt) sel = db_prepare(d, "SELECT b, s, upper(s) FROM bin", &err);
	g_assert_cmpint(db_step(sel, &err), ==, DB_ROW);
	size_t len = 0;
	const void *b = db_col_blob(sel, 0, &len);
	g_assert_cmpmem(b, len, blob, sizeof blob);
	g_assert_cmpstr(db_col_text(sel, 1), ==, text);
	/* Times come in UTC whatever the server's zone. */
	g_autofree char *tz = query_text(d, "SHOW TimeZone");
	g_assert_cmpstr(tz, ==, "UTC");
	g_autofree char *enc = query_text(d, "SHOW client_encoding");
	g_assert_cmpstr(enc, ==, "UTF8");
	/* jsonb settings read back as JSON text. */
	int64_t r = insert_region_id(d, "json");
	g_autoptr(db_stmt) put = db_prepare(d, "UPDATE region SET settings = $1 WHERE id = $2", &err);
	db_bind_text(put, 1, "{\"require_totp_for_office\":true}");
	db_bind_int64(put, 2, r);
	g_assert_cmpint(db_run(put, &err), ==, DB_OK);
	db_bind_text(put, 1, "[1]");
	g_assert_cmpint(db_run(put, &err), ==, DB_CONSTRAINT);
	g_assert_nonnull(strstr(err->message, "region_settings_object"));
	g_clear_error(&err);
	g_autofree char *json = query_text(d, "SELECT settings FROM region WHERE slug = 'json'");
	g_assert_cmpstr(json, ==, "{\"require_totp_for_office\": true}");
	g_assert_cmpint(db_last_insert_id(d), ==, -1);
}

/* A schema change under a prepared statement, or a server that forgot it:
 * prepared again, and the statement runs. */
static void test_pg_stale_statements(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "", "CREATE TABLE n (v integer); INSERT INTO n VALUES (1)");
	const char *sql = "SELECT * FROM n";
	g_assert_cmpint(query_int(d, sql), ==, 1);
	exec_ok(owner_of(f), "ALTER TABLE n ALTER COLUMN v TYPE text");
	g_autofree char *v = query_text(d, sql);
	g_assert_cmpstr(v, ==, "1");
	exec_ok(d, "DEALLOCATE ALL");
	g_autofree char *v2 = query_text(d, sql);
	g_assert_cmpstr(v2, ==, "1");
	/* Inside a transaction the transaction fails (it cannot go on), and
	 * the statement works again in the next one. */
	exec_ok(owner_of(f), "ALTER TABLE n ALTER COLUMN v TYPE bigint USING CAST(v AS bigint)");
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	g_autoptr(db_stmt) s = db_prepare(d, sql, &err);
	g_assert_cmpint(db_step(s, &err), ==, DB_ERROR);
	g_clear_error(&err);
	g_clear_pointer(&s, db_stmt_free);
	db_rollback(d);
	g_assert_cmpint(query_int(d, sql), ==, 1);
}

static void test_pg_failed_transaction(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	db *d = f->d;
	make_tables(f, "", "CREATE TABLE tx (n integer NOT NULL UNIQUE)");
	insert_n(d, 1);
	/* After a failed statement PostgreSQL accepts nothing but the end of
	 * the transaction; COMMIT then rolls back and says so. */
	g_assert_cmpint(db_begin(d, &err), ==, DB_OK);
	insert_n(d, 2);
	g_autoptr(db_stmt) dup = db_prepare(d, "INSERT INTO tx (n) VALUES (1)", &err);
	g_assert_cmpint(db_run(dup, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(db_commit(d, &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "rolled back"));
	g_clear_error(&err);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 1);
	/* Outside a transaction a failing statement leaves nothing open. */
	g_assert_cmpint(db_run(dup, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_false(db_in_transaction(d));
	insert_n(d, 3);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM tx"), ==, 2);
	/* A statement cancelled by the statement timeout is "busy". */
	db_options o;
	db_options_init(&o);
	o.statement_timeout_ms = 100;
	db *slow = db_open_with(test_db_url(d), &o, &err);
	g_assert_no_error(err);
	g_autoptr(db_stmt) sleep = db_prepare(slow, "SELECT pg_sleep(2)", &err);
	g_assert_cmpint(db_step(sleep, &err), ==, DB_BUSY);
	g_clear_error(&err);
	g_clear_pointer(&sleep, db_stmt_free);
	g_assert_cmpint(db_ping(slow, &err), ==, DB_OK);
	db_close(slow);
}

static void test_pg_open_errors(anyfx *f, gconstpointer data)
{
	if (!require_pg(f))
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *nodb = test_dbenv_pg_url("bireg_app", "bireg_no_such_db");
	g_assert_null(db_open(nodb, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_assert_nonnull(strstr(err->message, "bireg_no_such_db"));
	g_assert_nonnull(strstr(err->message, "does not exist"));
	g_clear_error(&err);
	g_autofree char *norole = url_as(f, "bireg_no_such_role");
	g_assert_null(db_open(norole, &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_UNAVAILABLE);
	g_assert_nonnull(strstr(err->message, "bireg_no_such_role"));
	g_clear_error(&err);
	/* The serving role cannot change the schema. */
	g_assert_cmpint(db_exec(f->d, "CREATE TABLE z (x integer)", &err), ==, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "permission denied"));
	g_clear_error(&err);
	g_assert_cmpint(db_exec(f->d, "DROP TABLE account", &err), ==, DB_ERROR);
	g_clear_error(&err);
	g_assert_cmpint(db_ping(f->d, &err), ==, DB_OK);
}

/* db_install on an empty database: what `bireg init` does. */
static void test_pg_install(void)
{
	if (!test_db_is_postgres()) {
		g_test_skip("PostgreSQL only (BIREG_TEST_BACKEND=postgres)");
		return;
	}
	g_autoptr(GError) err = NULL;
	g_autofree char *name = g_strdup_printf("bireg_t_%08x%08x", g_random_int(), g_random_int());
	g_autofree char *create = g_strdup_printf("CREATE DATABASE %s OWNER bireg_owner", name);
	g_assert_true(test_dbenv_admin_exec(create, &err));
	g_autofree char *app_url = test_dbenv_pg_url("bireg_app", name);
	g_autofree char *owner_url = test_dbenv_pg_url("bireg_owner", name);

	db *app = open_ok(app_url);
	g_assert_false(db_schema_current(app, &err));
	g_assert_nonnull(strstr(err->message, "lacks migrations 0001_regions.sql"));
	g_clear_error(&err);
	/* The serving role alone cannot install (it may not create tables). */
	g_assert_cmpint(db_install(app_url, NULL, &err), ==, -1);
	g_assert_nonnull(strstr(err->message, "permission denied"));
	g_clear_error(&err);
	g_autofree char *bad_owner = test_dbenv_pg_url("bireg_nobody", name);
	g_assert_cmpint(db_install(app_url, bad_owner, &err), ==, -1);
	g_assert_nonnull(strstr(err->message, "schema owner"));
	g_clear_error(&err);

	int n = db_install(app_url, owner_url, &err);
	g_assert_no_error(err);
	g_assert_cmpint(n, >=, 3);
	g_assert_true(db_schema_current(app, &err));
	g_assert_no_error(err);
	g_assert_cmpint(db_check_serving_role(app, &err), ==, DB_OK);
	/* Exactly the rights to serve: rows yes, schema no. */
	g_assert_cmpint(insert_region_id(app, "neu"), >, 0);
	g_assert_cmpint(query_int(app, "SELECT count(*) FROM account"), ==, 0);
	g_assert_cmpint(query_int(app,
			"SELECT CAST(has_table_privilege('region', 'TRUNCATE') AS integer) + "
			"CAST(has_table_privilege('region', 'REFERENCES') AS integer) + "
			"CAST(has_schema_privilege('public', 'CREATE') AS integer)"), ==, 0);
	g_assert_cmpint(db_install(app_url, owner_url, &err), ==, 0);
	g_assert_no_error(err);
	db_close(app);
	g_autofree char *drop = g_strdup_printf("DROP DATABASE %s WITH (FORCE)", name);
	g_assert_true(test_dbenv_admin_exec(drop, &err));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define FX(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	FX("/db/open-close", test_open_close);
	FX("/db/open-errors", test_open_errors);
	FX("/db/pragmas", test_pragmas);
	g_test_add_func("/db/in-memory", test_in_memory);
	FX("/db/close-with-borrowed", test_close_with_borrowed);
	FX("/db/migrate/embedded", test_migrate_embedded);
	FX("/db/migrate/region-schema", test_region_schema);
	FX("/db/migrate/broken", test_migrate_broken);
	FX("/db/migrate/order-and-names", test_migrate_order_and_names);
	FX("/db/migrate/newer-schema", test_migrate_newer_schema);
	FX("/db/migrate/foreign-keys", test_migrate_foreign_keys);
	FX("/db/types", test_types);
	FX("/db/bind-errors", test_bind_errors);
	FX("/db/constraint", test_constraint);
	FX("/db/transactions", test_transactions);
	FX("/db/persist", test_persist);
	g_test_add_func("/db/rewrite", test_rewrite);
	FX("/db/rewrite-live", test_rewrite_live);
	FX("/db/busy", test_busy);
	FX("/db/stmt-cache", test_stmt_cache);
#undef FX
#define ANY(path, fn) g_test_add(path, anyfx, NULL, any_setup, fn, any_teardown)
	ANY("/db/any/install", test_any_install);
	ANY("/db/any/region-schema", test_any_region_schema);
	ANY("/db/any/types", test_any_types);
	ANY("/db/any/bind-errors", test_any_bind_errors);
	ANY("/db/any/constraint", test_any_constraint);
	ANY("/db/any/transactions", test_any_transactions);
	ANY("/db/any/migrate-broken", test_any_migrate_broken);
	ANY("/db/any/migrate-own-transaction", test_any_migrate_own_tx);
	ANY("/db/any/statements", test_any_statements);
	ANY("/db/any/serving-role", test_any_serving_role);
	ANY("/db/pg/rls-isolation", test_pg_rls);
	ANY("/db/pg/region-setting", test_pg_region_setting);
	ANY("/db/pg/serving-role", test_pg_serving_role);
	ANY("/db/pg/migrate-broken", test_pg_migrate_broken);
	ANY("/db/pg/reconnect", test_pg_reconnect);
	ANY("/db/pg/values", test_pg_values);
	ANY("/db/pg/failed-transaction", test_pg_failed_transaction);
	ANY("/db/pg/stale-statements", test_pg_stale_statements);
	ANY("/db/pg/open-errors", test_pg_open_errors);
	g_test_add_func("/db/pg/install", test_pg_install);
#undef ANY
	return g_test_run();
}
