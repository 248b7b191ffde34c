/*
 * test_db.c — unit tests of the storage layer on its SQLite backend.
 *
 * Each test gets a fresh temporary directory with a database file in it, so
 * WAL, locking and reopening are exercised on a real file. The tests use
 * db_internal.h for what callers never see: a short busy timeout, the $N
 * rewrite and migrations fed from arrays.
 */
#include "db/db.h"
#include "db/db_internal.h"

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

	g_assert_null(db_open("postgresql://bireg:secret@localhost/bireg", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_assert_nonnull(strstr(err->message, "PostgreSQL support is not built yet"));
	g_assert_null(strstr(err->message, "secret"));
	g_clear_error(&err);
	g_assert_null(db_open("postgres://localhost/bireg", &err));
	g_assert_error(err, BIREG_DB_ERROR, DB_ERROR);
	g_clear_error(&err);

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
	return g_test_run();
}
