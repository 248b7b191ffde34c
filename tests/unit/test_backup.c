/*
 * test_backup.c — `bireg backup` and `bireg restore` (src/ops/backup.c) and
 * the online copy under them (db_sqlite_backup), on real SQLite files.
 *
 * SQLite only: PostgreSQL is backed up with pg_dump (docs/OPERATIONS.md),
 * so on the PostgreSQL pass (BIREG_TEST_BACKEND=postgres) every case is
 * reported as skipped. Each test works in a temporary
 * directory of its own; what is left in it at the end is checked, so a
 * leftover temporary file is a failure too.
 */
#include "db/db.h"
#include "ops/backup.h"
#include "test_dbenv.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
	char *dir;
	char *src; /* a migrated bireg database */
} fixture;

static char *path_in(const fixture *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

static db *open_ok(const char *path)
{
	g_autoptr(GError) err = NULL;
	db *d = db_open(path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(d);
	return d;
}

static void exec_ok(db *d, const char *sql)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(db_exec(d, sql, &err), ==, DB_OK);
	g_assert_no_error(err);
}

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

/* Counts rows of table in the database file at path. */
static int64_t count_in(const char *path, const char *table)
{
	db *d = open_ok(path);
	g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
	int64_t n = query_int(d, sql);
	db_close(d);
	return n;
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("bireg-test-backup-XXXXXX", &err);
	g_assert_no_error(err);
	f->src = path_in(f, "src.db");
	db *d = open_ok(f->src);
	g_assert_cmpint(db_migrate(d, &err), >, 0);
	g_assert_no_error(err);
	exec_ok(d, "INSERT INTO region (slug, name, created_at, updated_at) VALUES "
		   "('alpha', 'Alpha', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	db_close(d);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The names in the test's directory, sorted, joined by spaces. */
static char *dir_listing(const fixture *f)
{
	g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while (dir && (name = g_dir_read_name(dir)))
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_names);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
	const char *name;
	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(f->dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->src);
	g_free(f->dir);
}

static char *read_all(const char *path)
{
	char *data = NULL;
	g_autoptr(GError) err = NULL;
	g_file_get_contents(path, &data, NULL, &err);
	g_assert_no_error(err);
	return data;
}

/* ---- backup under writes -------------------------------------------------- */

typedef struct {
	const char *path;
	gint committed; /* rows committed so far (atomic) */
	gint stop;      /* set by the main thread (atomic) */
	char *error;
} writer;

/* Inserts rows one transaction each until told to stop; rows get the ids
 * 1, 2, 3 ... in commit order (there is no other writer). */
static gpointer writer_thread(gpointer p)
{
	writer *w = p;
	g_autoptr(GError) err = NULL;
	db *d = db_open(w->path, &err);
	char pad[1000];

	memset(pad, 'w', sizeof pad);
	if (!d) {
		w->error = g_strdup(err->message);
		return NULL;
	}
	g_autoptr(db_stmt) ins = db_prepare(d, "INSERT INTO t (v) VALUES ($1)", &err);
	while (ins && !g_atomic_int_get(&w->stop)) {
		db_bind_blob(ins, 1, pad, sizeof pad);
		if (db_run(ins, &err) < 0) {
			/* A busy moment is not a failure of the backup. */
			if (err->code == DB_BUSY) {
				g_clear_error(&err);
				continue;
			}
			w->error = g_strdup(err->message);
			break;
		}
		g_atomic_int_inc(&w->committed);
		g_usleep(200);
	}
	if (!ins && !w->error)
		w->error = g_strdup(err->message);
	g_clear_pointer(&ins, db_stmt_free);
	db_close(d);
	return NULL;
}

/* A backup of a database that another connection writes to all along: the
 * copy is intact and holds every row committed before the backup began, as
 * one consistent prefix of the writer's rows (no holes). The database is
 * large enough (about 24 MB) that the copy takes several steps, so the
 * writer's commits make it start over. */
static void test_backup_under_writes(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *copy = path_in(f, "copy.db");
	db *d = open_ok(f->src);

	exec_ok(d, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	exec_ok(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 24000) "
		   "INSERT INTO t (v) SELECT zeroblob(1000) FROM n");
	db_close(d);

	writer w = {.path = f->src};
	GThread *th = g_thread_new("writer", writer_thread, &w);
	/* Let the writer get going, so rows are committed while we copy. */
	while (g_atomic_int_get(&w.committed) < 20 && !w.error)
		g_usleep(1000);
	int64_t before = 24000 + g_atomic_int_get(&w.committed);
	int version = 0;
	int rc = ops_backup(f->src, copy, false, &version, &err);
	int64_t after = 24000 + g_atomic_int_get(&w.committed);
	g_atomic_int_set(&w.stop, 1);
	g_thread_join(th);
	g_assert_null(w.error);
	g_assert_no_error(err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(version, ==, ops_known_schema_version());
	g_test_message("rows committed before: %" G_GINT64_FORMAT ", when the backup ended: %"
		       G_GINT64_FORMAT, before, after);
	g_assert_cmpint(after, >, before); /* the writer did write during the copy */

	/* One file, rollback journal mode: no -wal beside it, header bytes 18
	 * and 19 (write/read version) are 1 (legacy), not 2 (WAL). */
	g_autofree char *copy_wal = g_strconcat(copy, "-wal", NULL);
	g_assert_false(g_file_test(copy_wal, G_FILE_TEST_EXISTS));
	g_autofree char *head = read_all(copy);
	g_assert_cmpint(head[18], ==, 1);
	g_assert_cmpint(head[19], ==, 1);
	GStatBuf sb;
	g_assert_cmpint(g_stat(copy, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 0777, ==, 0600);

	d = open_ok(copy);
	g_autofree char *ic = query_text(d, "PRAGMA integrity_check");
	g_assert_cmpstr(ic, ==, "ok");
	int64_t n = query_int(d, "SELECT count(*) FROM t");
	g_assert_cmpint(n, >=, before);
	g_assert_cmpint(n, <=, after);
	g_assert_cmpint(query_int(d, "SELECT max(id) FROM t"), ==, n); /* no holes */
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM region WHERE slug = 'alpha'"), ==, 1);
	db_close(d);
}

/* ---- backup: the target file ---------------------------------------------- */

static void test_backup_target(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *copy = path_in(f, "copy.db");

	g_assert_true(g_file_set_contents(copy, "not yet a backup", -1, NULL));
	/* An existing file stays without --force. */
	g_assert_cmpint(ops_backup(f->src, copy, false, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_EXISTS);
	g_assert_nonnull(strstr(err->message, "--force"));
	g_clear_error(&err);
	g_autofree char *kept = read_all(copy);
	g_assert_cmpstr(kept, ==, "not yet a backup");

	/* With --force it is replaced by a whole backup. */
	g_assert_cmpint(ops_backup(f->src, copy, true, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count_in(copy, "region"), ==, 1);

	/* The database itself is never a target, not even with --force. */
	g_assert_cmpint(ops_backup(f->src, f->src, true, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_EXISTS);
	g_clear_error(&err);

	/* A directory that does not exist is named. */
	g_autofree char *nodir = path_in(f, "missing/copy.db");
	g_assert_cmpint(ops_backup(f->src, nodir, false, NULL, &err), <, 0);
	g_assert_nonnull(strstr(err->message, "does not exist"));
	g_clear_error(&err);

	/* No database: said so, nothing created. */
	g_autofree char *none = path_in(f, "none.db");
	g_autofree char *copy2 = path_in(f, "copy2.db");
	g_assert_cmpint(ops_backup(none, copy2, false, NULL, &err), <, 0);
	g_assert_nonnull(strstr(err->message, "no database"));
	g_clear_error(&err);

	/* On PostgreSQL: pg_dump, without the URL's password. */
	g_assert_cmpint(ops_backup("postgresql://app:secret@db.example/bireg", copy2, false, NULL,
				   &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_BACKEND);
	g_clear_error(&err);
	g_autofree char *hint = ops_pg_dump_hint("postgresql://app:secret@db.example/bireg", "x.dump");
	g_assert_nonnull(strstr(hint, "pg_dump --format=custom"));
	g_assert_nonnull(strstr(hint, "'postgresql://db.example/bireg'"));
	g_assert_null(strstr(hint, "secret"));
	g_autofree char *rhint = ops_pg_restore_hint(
		"postgresql://app:secret@db.example:5433/bireg?sslmode=require", "x.dump");
	g_assert_nonnull(strstr(rhint, "pg_restore --exit-on-error --single-transaction"));
	g_assert_nonnull(strstr(rhint, "'postgresql://db.example:5433/bireg_restored?sslmode=require'"));
	g_assert_null(strstr(rhint, "secret"));

	/* Nothing else was left behind (temporary files, -wal of the copy). */
	g_autofree char *ls = dir_listing(f);
	g_assert_cmpstr(ls, ==, "copy.db src.db");
}

/* ---- restore --------------------------------------------------------------- */

/* A backup of src in "backup.db", then a change to src that the restore
 * must undo. */
static char *make_backup(fixture *f)
{
	g_autoptr(GError) err = NULL;
	char *backup = path_in(f, "backup.db");
	g_assert_cmpint(ops_backup(f->src, backup, false, NULL, &err), ==, 0);
	g_assert_no_error(err);
	db *d = open_ok(f->src);
	exec_ok(d, "INSERT INTO region (slug, name, created_at, updated_at) VALUES "
		   "('beta', 'Beta', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z')");
	db_close(d);
	return backup;
}

static void test_restore_refusals(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *backup = make_backup(f);

	/* An existing database needs --force. */
	g_assert_cmpint(ops_restore(f->src, backup, false, NULL, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_EXISTS);
	g_assert_nonnull(strstr(err->message, "stop bireg"));
	g_clear_error(&err);

	/* Not while another connection (a running server) has it open, even
	 * with --force. */
	db *other = open_ok(f->src);
	g_assert_cmpint(query_int(other, "SELECT count(*) FROM region"), ==, 2);
	g_assert_cmpint(ops_restore(f->src, backup, true, NULL, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_IN_USE);
	g_assert_nonnull(strstr(err->message, "in use"));
	g_clear_error(&err);
	db_close(other);
	g_assert_cmpint(count_in(f->src, "region"), ==, 2);

	/* Files that are no (usable) bireg database. */
	g_autofree char *garbage = path_in(f, "garbage.db");
	g_assert_true(g_file_set_contents(garbage, "this is not a database, just some text that "
						   "is long enough to have a header ...........",
					  -1, NULL));
	g_autofree char *plain = path_in(f, "plain.db");
	db *p = open_ok(plain);
	exec_ok(p, "CREATE TABLE notes (x TEXT)");
	db_close(p);
	g_autofree char *newer = path_in(f, "newer.db");
	g_assert_cmpint(ops_backup(f->src, newer, false, NULL, &err), ==, 0);
	p = open_ok(newer);
	exec_ok(p, "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
		   "(9999, '9999_future.sql', '2030-01-01T00:00:00Z')");
	db_close(p);
	g_autofree char *missing = path_in(f, "missing.db");
	const struct {
		const char *file;
		const char *says;
	} bad[] = {
		{garbage, "not a usable SQLite database"},
		{plain, "not a bireg database"},
		{newer, "newer than this bireg"},
		{missing, "no file"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(ops_restore(f->src, bad[i].file, true, NULL, NULL, &err), <, 0);
		g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_BAD_FILE);
		if (!strstr(err->message, bad[i].says))
			g_error("restore of %s: \"%s\" does not say \"%s\"", bad[i].file, err->message,
				bad[i].says);
		g_clear_error(&err);
		g_assert_cmpint(count_in(f->src, "region"), ==, 2);
	}

	/* A live database's file without its WAL is incomplete. */
	db *live = open_ok(plain);
	exec_ok(live, "PRAGMA wal_autocheckpoint = 0");
	exec_ok(live, "INSERT INTO notes VALUES ('in the WAL only')");
	g_assert_cmpint(ops_restore(f->src, plain, true, NULL, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_BAD_FILE);
	g_assert_nonnull(strstr(err->message, "write-ahead log"));
	g_clear_error(&err);
	db_close(live);

	g_autofree char *ls = dir_listing(f);
	g_assert_cmpstr(ls, ==, "backup.db garbage.db newer.db plain.db src.db");
}

/* A damaged page: the integrity check finds it and the restore refuses. */
static void test_restore_damaged(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *backup = path_in(f, "backup.db");
	db *d = open_ok(f->src);
	exec_ok(d, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
	exec_ok(d, "CREATE INDEX t_v ON t (v)");
	exec_ok(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
		   "INSERT INTO t (v) SELECT printf('value %08d', i) FROM n");
	db_close(d);
	g_assert_cmpint(ops_backup(f->src, backup, false, NULL, &err), ==, 0);

	/* Scribble over the middle of the file: pages of t and its index. */
	gsize len;
	char *bytes;
	g_assert_true(g_file_get_contents(backup, &bytes, &len, NULL));
	g_assert_cmpuint(len, >, 100000);
	for (gsize i = len / 2; i < len / 2 + 6000; i++)
		bytes[i] = (char)(i * 7);
	g_assert_true(g_file_set_contents(backup, bytes, (gssize)len, NULL));
	g_free(bytes);

	g_assert_cmpint(ops_restore(f->src, backup, true, NULL, NULL, &err), <, 0);
	g_assert_error(err, BIREG_BACKUP_ERROR, BACKUP_ERROR_BAD_FILE);
	g_test_message("%s", err->message);
	g_clear_error(&err);
	g_assert_cmpint(count_in(f->src, "t"), ==, 5000);
	g_autofree char *ls = dir_listing(f);
	g_assert_cmpstr(ls, ==, "backup.db src.db");
}

/* The replaced database had committed rows only in its WAL (as after a
 * crash): they end up in the kept copy, and no stale WAL is applied to the
 * restored file. */
static void test_restore_replaces(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *backup = make_backup(f);
	g_autofree char *crashed = path_in(f, "crashed.db");
	g_autofree char *crashed_wal = g_strconcat(crashed, "-wal", NULL);
	g_autofree char *src_wal = g_strconcat(f->src, "-wal", NULL);

	/* A crash leaves the file and its WAL; copying both while a connection
	 * holds uncheckpointed commits makes that state. */
	db *d = open_ok(f->src);
	exec_ok(d, "PRAGMA wal_autocheckpoint = 0");
	exec_ok(d, "INSERT INTO region (slug, name, created_at, updated_at) VALUES "
		   "('gamma', 'Gamma', '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z')");
	g_autofree char *main_bytes = NULL, *wal_bytes = NULL;
	gsize main_len, wal_len;
	g_assert_true(g_file_get_contents(f->src, &main_bytes, &main_len, NULL));
	g_assert_true(g_file_get_contents(src_wal, &wal_bytes, &wal_len, NULL));
	g_assert_cmpuint(wal_len, >, 0);
	db_close(d);
	g_assert_true(g_file_set_contents(crashed, main_bytes, (gssize)main_len, NULL));
	g_assert_true(g_file_set_contents(crashed_wal, wal_bytes, (gssize)wal_len, NULL));

	int version = 0;
	g_autofree char *kept = NULL;
	g_assert_cmpint(ops_restore(crashed, backup, true, &version, &kept, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(version, ==, ops_known_schema_version());
	g_assert_nonnull(kept);
	g_assert_true(g_str_has_prefix(kept, crashed));
	g_assert_nonnull(strstr(kept, ".replaced-"));

	g_assert_false(g_file_test(crashed_wal, G_FILE_TEST_EXISTS));
	/* The restored database is the backup: alpha only. */
	d = open_ok(crashed);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM region"), ==, 1);
	g_assert_cmpint(query_int(d, "SELECT count(*) FROM region WHERE slug = 'alpha'"), ==, 1);
	g_autofree char *ic = query_text(d, "PRAGMA integrity_check");
	g_assert_cmpstr(ic, ==, "ok");
	db_close(d);
	/* The replaced one, kept, with what was only in its WAL. */
	g_assert_cmpint(count_in(kept, "region"), ==, 3);
	GStatBuf sb;
	g_assert_cmpint(g_stat(crashed, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
	/* The backup file itself is untouched by the restore. */
	g_autofree char *head = read_all(backup);
	g_assert_cmpint(head[18], ==, 1);

	g_unlink(kept);
	g_autofree char *ls = dir_listing(f);
	g_assert_cmpstr(ls, ==, "backup.db crashed.db src.db");
}

/* A restore into a place where no database is needs no --force. */
static void test_restore_fresh(fixture *f, gconstpointer data)
{
	if (!test_db_require_sqlite())
		return;
	g_autoptr(GError) err = NULL;
	g_autofree char *backup = make_backup(f);
	g_autofree char *fresh = path_in(f, "fresh.db");
	g_autofree char *kept = NULL;

	g_assert_cmpint(ops_restore(fresh, backup, false, NULL, &kept, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_null(kept);
	g_assert_cmpint(count_in(fresh, "region"), ==, 1);
	g_autofree char *ls = dir_listing(f);
	g_assert_cmpstr(ls, ==, "backup.db fresh.db src.db");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define FX(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	FX("/backup/under-writes", test_backup_under_writes);
	FX("/backup/target", test_backup_target);
	FX("/restore/refusals", test_restore_refusals);
	FX("/restore/damaged", test_restore_damaged);
	FX("/restore/replaces", test_restore_replaces);
	FX("/restore/fresh", test_restore_fresh);
	return g_test_run();
}
