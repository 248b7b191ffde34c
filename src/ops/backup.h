/*
 * backup.h — `bireg backup` and `bireg restore`: a SQLite installation's
 * database copied out while it runs, and put back while it does not.
 *
 * A backup is one self-contained SQLite file (no -wal beside it) made with
 * SQLite's online backup API, checked with PRAGMA integrity_check, written
 * under a temporary name, fsync'd and renamed, so FILE is either the whole
 * copy or not there. A restore checks that a file is a bireg database this
 * program can serve and moves it into place the same way. PostgreSQL
 * installations use pg_dump and pg_restore instead (docs/OPERATIONS.md);
 * ops_pg_dump_hint() says how.
 *
 * Errors are in BIREG_BACKUP_ERROR with a backup_error code; the message
 * names the file and what is wrong with it.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define BIREG_BACKUP_ERROR (bireg_backup_error_quark())
GQuark bireg_backup_error_quark(void);

typedef enum {
	BACKUP_ERROR_FAILED = 1, /* I/O or database failure */
	BACKUP_ERROR_EXISTS,     /* the target exists and --force was not given */
	BACKUP_ERROR_IN_USE,     /* the database is open in another process */
	BACKUP_ERROR_BAD_FILE,   /* not a bireg database, damaged, or too new */
	BACKUP_ERROR_BACKEND,    /* PostgreSQL: use pg_dump / pg_restore */
} backup_error;

/* True for a postgresql:// or postgres:// URL. */
bool ops_is_postgres_url(const char *url);

/* What `bireg backup` and `bireg restore` say on PostgreSQL: the pg_dump
 * command that backs up the database of url into file (made by a role that
 * bypasses row-level security, see docs/OPERATIONS.md), or the pg_restore
 * command that loads file into it (as the owner, into an empty database).
 * The URL's user name and password are left out. Newly allocated, several
 * lines. */
char *ops_pg_dump_hint(const char *url, const char *file);
char *ops_pg_restore_hint(const char *url, const char *file);

/* The highest migration number built into this program for SQLite. */
int ops_known_schema_version(void);

/* Backs up the SQLite database at db_path (which may be in use) into file.
 * An existing file is only replaced when force is true. On success
 * *schema_version (may be NULL) is the copy's schema version. */
int ops_backup(const char *db_path, const char *file, bool force, int *schema_version,
	       GError **err);

/* Replaces the SQLite database at db_path with the backup file. Refuses an
 * existing db_path unless force is true, and refuses (whatever force says)
 * while another process has db_path open. file must be a bireg database
 * that passes PRAGMA integrity_check and foreign_key_check and whose schema
 * is not newer than this program's. The replaced database is kept beside
 * it as <db_path>.replaced-<UTC time> (its name goes to *kept_as, newly
 * allocated, NULL when there was none). */
int ops_restore(const char *db_path, const char *file, bool force, int *schema_version,
		char **kept_as, GError **err);

/* File handling shared by the ops commands. ops_temp_beside() creates an
 * empty file of mode 0600 (backups and archives hold password hashes) with
 * a unique hidden name in final's directory and returns that name;
 * ops_commit_file() fsyncs it, renames it over final and fsyncs the
 * directory, so final is the whole new file or what it was before. */
char *ops_temp_beside(const char *final, const char *what, GError **err);
int ops_commit_file(const char *tmp, const char *final, GError **err);
