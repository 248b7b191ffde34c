/*
 * backup.c — `bireg backup` and `bireg restore` for SQLite (see backup.h).
 *
 * Both end the same way: the new file is complete under a temporary name
 * in the target's directory, fsync'd, then renamed over the target and the
 * directory fsync'd, so a crash leaves either the old file or the new one,
 * never a mix. The copy itself is SQLite's business (db_sqlite_backup);
 * this file adds the file handling and the checks.
 */
#include "ops/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bireg-resources.h"
#include "core/util.h"
#include "db/db.h"

G_DEFINE_QUARK(bireg-backup-error-quark, bireg_backup_error)

#define fail(err, code, ...) util_fail(err, BIREG_BACKUP_ERROR, code, __VA_ARGS__)

bool ops_is_postgres_url(const char *url)
{
	return url && db_url_is_postgres(url);
}

/* url without "user:password@": the dump needs a role of its own, and a
 * password does not belong on a terminal. */
static char *url_without_user(const char *url)
{
	const char *rest = strstr(url, "://") + 3;
	const char *end = rest + strcspn(rest, "/?");
	const char *at = g_strstr_len(rest, end - rest, "@");
	if (!at)
		return g_strdup(url);
	g_autofree char *scheme = g_strndup(url, (gsize)(rest - url));
	return g_strconcat(scheme, at + 1, NULL);
}

char *ops_pg_dump_hint(const char *url, const char *file)
{
	g_autofree char *bare = url_without_user(url);
	g_autofree char *qurl = g_shell_quote(bare);
	g_autofree char *qfile = g_shell_quote(file);
	return g_strdup_printf(
		"The database is PostgreSQL: back it up with pg_dump, as a role that bypasses\n"
		"row-level security (the backup role of docs/OPERATIONS.md, or a superuser):\n\n"
		"  pg_dump --format=custom --username=bireg_backup --file=%s %s\n\n"
		"and put it back with pg_restore (docs/OPERATIONS.md, \"Backup and restore\").\n",
		qfile, qurl);
}

/* url with its database name replaced by name. */
static char *url_with_database(const char *url, const char *name)
{
	const char *rest = strstr(url, "://") + 3;
	const char *path = rest + strcspn(rest, "/?");
	const char *query = path + strcspn(path, "?");
	g_autofree char *head = g_strndup(url, (gsize)(path - url));
	return g_strconcat(head, "/", name, query, NULL);
}

char *ops_pg_restore_hint(const char *url, const char *file)
{
	g_autofree char *bare = url_without_user(url);
	g_autofree char *fresh = url_with_database(bare, "bireg_restored");
	g_autofree char *qurl = g_shell_quote(fresh);
	g_autofree char *qfile = g_shell_quote(file);
	return g_strdup_printf(
		"The database is PostgreSQL: restore a pg_dump archive with pg_restore, as the\n"
		"schema owner, into a new empty database that the owner owns (here bireg_restored,\n"
		"on the server configured now), then point database.url and database.owner_url\n"
		"at it (docs/OPERATIONS.md, \"Backup and restore\"):\n\n"
		"  pg_restore --exit-on-error --single-transaction --username=bireg_owner --dbname=%s %s\n",
		qurl, qfile);
}

int ops_known_schema_version(void)
{
	g_auto(GStrv) names = g_resource_enumerate_children(bireg_get_resource(),
			"/bireg/migrations/sqlite/", G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	int newest = 0;
	for (char **n = names; n && *n; n++) {
		if (!g_str_has_suffix(*n, ".sql") || !g_ascii_isdigit(**n))
			continue;
		int v = (int)g_ascii_strtoll(*n, NULL, 10);
		newest = MAX(newest, v);
	}
	return newest;
}

/* ---- files -------------------------------------------------------------- */

static int fsync_path(const char *path, bool dir, GError **err)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, BACKUP_ERROR_FAILED, "cannot open %s: %s", path, g_strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc < 0)
		return fail(err, BACKUP_ERROR_FAILED, "fsync of %s failed: %s", path, g_strerror(e));
	return 0;
}

int ops_commit_file(const char *tmp, const char *final, GError **err)
{
	if (fsync_path(tmp, false, err) < 0)
		return -1;
	if (g_rename(tmp, final) < 0)
		return fail(err, BACKUP_ERROR_FAILED, "cannot rename %s to %s: %s", tmp, final,
			    g_strerror(errno));
	g_autofree char *dir = g_path_get_dirname(final);
	return fsync_path(dir, true, err);
}

char *ops_temp_beside(const char *final, const char *what, GError **err)
{
	g_autofree char *dir = g_path_get_dirname(final);
	g_autofree char *base = g_path_get_basename(final);
	char *tmpl = g_strdup_printf("%s/.%s.%s-XXXXXX", dir, base, what);
	int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(err, BACKUP_ERROR_FAILED, "cannot create a file in %s: %s", dir, g_strerror(errno));
		g_free(tmpl);
		return NULL;
	}
	close(fd);
	return tmpl;
}

/* Removes path and SQLite's companions of it. */
static void unlink_db_files(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *p = g_strconcat(path, suffixes[i], NULL);
		g_unlink(p);
	}
}

static int copy_file(const char *from, const char *to, GError **err)
{
	g_autoptr(GFile) src = g_file_new_for_path(from);
	g_autoptr(GFile) dst = g_file_new_for_path(to);
	g_autoptr(GError) e = NULL;
	if (!g_file_copy(src, dst, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL,
			 NULL, &e))
		return fail(err, BACKUP_ERROR_FAILED, "cannot copy %s: %s", from, e->message);
	/* g_file_copy gives the copy the default mode; keep it private. */
	g_chmod(to, 0600);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	GStatBuf sa, sb;
	return g_stat(a, &sa) == 0 && g_stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int check_dir_of(const char *path, GError **err)
{
	g_autofree char *dir = g_path_get_dirname(path);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return fail(err, BACKUP_ERROR_FAILED, "the directory %s does not exist", dir);
	return 0;
}

/* ---- backup ------------------------------------------------------------- */

int ops_backup(const char *db_path, const char *file, bool force, int *schema_version,
	       GError **err)
{
	g_autoptr(GError) e = NULL;

	if (ops_is_postgres_url(db_path))
		return fail(err, BACKUP_ERROR_BACKEND, "the database is PostgreSQL; use pg_dump");
	if (!g_file_test(db_path, G_FILE_TEST_IS_REGULAR))
		return fail(err, BACKUP_ERROR_FAILED, "there is no database at %s", db_path);
	if (check_dir_of(file, err) < 0)
		return -1;
	if (g_file_test(file, G_FILE_TEST_EXISTS)) {
		if (same_file(file, db_path))
			return fail(err, BACKUP_ERROR_EXISTS, "%s is the database itself", file);
		if (!force)
			return fail(err, BACKUP_ERROR_EXISTS,
				    "%s exists; give --force to replace it", file);
		if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
			return fail(err, BACKUP_ERROR_EXISTS, "%s is not a regular file", file);
	}

	db *d = db_open(db_path, &e);
	if (!d)
		return fail(err, BACKUP_ERROR_FAILED, "%s", e->message);
	g_autofree char *tmp = ops_temp_beside(file, "tmp", err);
	int rc = -1;
	if (!tmp)
		goto out;
	/* Read before the copy, not from it: opening the copy would turn it
	 * back into a WAL database with companions. */
	int version = db_schema_version(d, &e);
	if (version < 0) {
		fail(err, BACKUP_ERROR_FAILED, "%s cannot be read: %s", db_path, e->message);
		goto out;
	}
	if (db_sqlite_backup(d, tmp, &e) < 0) {
		fail(err, e->code == DB_BUSY ? BACKUP_ERROR_IN_USE : BACKUP_ERROR_FAILED,
		     "backup of %s failed: %s", db_path, e->message);
		goto out;
	}
	if (ops_commit_file(tmp, file, err) < 0)
		goto out;
	if (schema_version)
		*schema_version = version;
	rc = 0;
out:
	db_close(d);
	if (rc < 0 && tmp)
		unlink_db_files(tmp);
	return rc;
}

/* ---- restore ------------------------------------------------------------ */

/* Checks the restored copy at path: a SQLite database with bireg's schema,
 * not newer than this program, intact. */
static int check_candidate(const char *path, const char *shown_as, int *version, GError **err)
{
	g_autoptr(GError) e = NULL;
	db *d = db_open(path, &e);
	int rc = -1;

	if (!d)
		return fail(err, BACKUP_ERROR_BAD_FILE, "%s is not a usable SQLite database: %s",
			    shown_as, e->message);
	int v = db_schema_version(d, &e);
	int known = ops_known_schema_version();
	if (v < 0) {
		fail(err, BACKUP_ERROR_BAD_FILE, "%s cannot be read: %s", shown_as, e->message);
		goto out;
	}
	if (v == 0) {
		fail(err, BACKUP_ERROR_BAD_FILE,
		     "%s is not a bireg database (it has no applied migrations)", shown_as);
		goto out;
	}
	if (v > known) {
		fail(err, BACKUP_ERROR_BAD_FILE,
		     "%s has schema version %d, newer than this bireg knows (%d); restore it with "
		     "the bireg that made it", shown_as, v, known);
		goto out;
	}
	{
		g_autoptr(db_stmt) s = db_prepare(d, "PRAGMA integrity_check", &e);
		if (!s || db_step(s, &e) != DB_ROW) {
			fail(err, BACKUP_ERROR_BAD_FILE, "%s: integrity check failed: %s", shown_as,
			     e ? e->message : "no result");
			goto out;
		}
		if (g_strcmp0(db_col_text(s, 0), "ok") != 0) {
			fail(err, BACKUP_ERROR_BAD_FILE, "%s is damaged: %s", shown_as,
			     db_col_text(s, 0));
			goto out;
		}
	}
	{
		g_autoptr(db_stmt) s = db_prepare(d, "PRAGMA foreign_key_check", &e);
		db_status st = s ? db_step(s, &e) : DB_ERROR;
		if (st < 0) {
			fail(err, BACKUP_ERROR_BAD_FILE, "%s: foreign key check failed: %s", shown_as,
			     e->message);
			goto out;
		}
		if (st == DB_ROW) {
			fail(err, BACKUP_ERROR_BAD_FILE,
			     "%s is damaged: rows of table %s refer to missing rows of %s", shown_as,
			     db_col_text(s, 0), db_col_text(s, 2));
			goto out;
		}
	}
	*version = v;
	rc = 0;
out:
	db_close(d);
	return rc;
}

/* Makes sure no process has the database at path open, and folds its WAL
 * into the main file so that no -wal is left to be applied to the file
 * that replaces it (SQLite would replay a stale WAL into the new file).
 * Leaving WAL mode needs the only connection to the file, so its success
 * is the test: every running bireg holds its connections open. */
static int take_over(const char *path, GError **err)
{
	g_autoptr(GError) e = NULL;
	db *d = db_open(path, &e);
	if (!d) {
		if (e->code == DB_BUSY)
			return fail(err, BACKUP_ERROR_IN_USE,
				    "%s is in use by another process; stop bireg first", path);
		/* Not a database (or a damaged one): there is nothing to keep
		 * consistent, and --force was given. Its companions go. */
		g_autofree char *wal = g_strconcat(path, "-wal", NULL);
		g_autofree char *shm = g_strconcat(path, "-shm", NULL);
		g_unlink(wal);
		g_unlink(shm);
		return 0;
	}
	g_autoptr(db_stmt) s = db_prepare(d, "PRAGMA journal_mode = DELETE", &e);
	db_status st = s ? db_step(s, &e) : DB_ERROR;
	bool ok = st == DB_ROW && g_ascii_strcasecmp(db_col_text(s, 0), "delete") == 0;
	g_clear_pointer(&s, db_stmt_free);
	db_close(d);
	if (!ok)
		return fail(err, BACKUP_ERROR_IN_USE,
			    "%s is in use by another process (%s); stop bireg first", path,
			    e ? e->message : "it stays in WAL mode");
	return 0;
}

/* Hard-links path to <path>.replaced-<time>, so the database a restore
 * replaces can still be had. Returns the new name, or NULL if the file
 * system cannot link (then nothing is kept; said in the output). */
static char *keep_old(const char *path)
{
	char now[21];
	util_now_iso(now);
	GString *stamp = g_string_new(NULL);
	for (const char *p = now; *p; p++)
		if (*p != '-' && *p != ':')
			g_string_append_c(stamp, *p);
	g_autofree char *st = g_string_free(stamp, FALSE);
	for (int i = 0; i < 100; i++) {
		char *name = i ? g_strdup_printf("%s.replaced-%s-%d", path, st, i)
			       : g_strdup_printf("%s.replaced-%s", path, st);
		if (link(path, name) == 0)
			return name;
		int e = errno;
		g_free(name);
		if (e != EEXIST)
			return NULL;
	}
	return NULL;
}

int ops_restore(const char *db_path, const char *file, bool force, int *schema_version,
		char **kept_as, GError **err)
{
	g_autofree char *file_wal = g_strconcat(file, "-wal", NULL);
	GStatBuf sb;
	int version = 0;

	if (kept_as)
		*kept_as = NULL;
	if (ops_is_postgres_url(db_path))
		return fail(err, BACKUP_ERROR_BACKEND, "the database is PostgreSQL; use pg_restore");
	if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
		return fail(err, BACKUP_ERROR_BAD_FILE, "there is no file %s", file);
	if (check_dir_of(db_path, err) < 0)
		return -1;
	bool exists = g_file_test(db_path, G_FILE_TEST_EXISTS);
	if (exists && same_file(file, db_path))
		return fail(err, BACKUP_ERROR_BAD_FILE, "%s is the database itself", file);
	if (exists && !force)
		return fail(err, BACKUP_ERROR_EXISTS,
			    "the database %s exists; stop bireg (every bireg serve on it), then run "
			    "again with --force to replace it", db_path);
	/* A copy of a live database without its WAL misses what the WAL holds. */
	if (g_stat(file_wal, &sb) == 0 && sb.st_size > 0)
		return fail(err, BACKUP_ERROR_BAD_FILE,
			    "%s has a write-ahead log beside it (%s): it is a live database or an "
			    "incomplete copy; make backups with bireg backup", file, file_wal);

	/* Checked as a copy beside the target: opening it may write to it
	 * (WAL mode), and the file given stays as it is. */
	g_autofree char *tmp = ops_temp_beside(db_path, "restore", err);
	if (!tmp)
		return -1;
	int rc = -1;
	if (copy_file(file, tmp, err) < 0 || check_candidate(tmp, file, &version, err) < 0)
		goto out;
	{
		/* A clean close removes them; a leftover would belong to the
		 * temporary name only, and must not travel. */
		g_autofree char *wal = g_strconcat(tmp, "-wal", NULL);
		g_autofree char *shm = g_strconcat(tmp, "-shm", NULL);
		g_unlink(wal);
		g_unlink(shm);
	}
	if (exists) {
		if (take_over(db_path, err) < 0)
			goto out;
		char *kept = keep_old(db_path);
		if (kept_as)
			*kept_as = kept;
		else
			g_free(kept);
	}
	if (ops_commit_file(tmp, db_path, err) < 0)
		goto out;
	if (schema_version)
		*schema_version = version;
	rc = 0;
out:
	if (rc < 0)
		unlink_db_files(tmp);
	return rc;
}
