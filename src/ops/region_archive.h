/*
 * region_archive.h — one region as one file: `bireg export --region SLUG
 * FILE` and `bireg import FILE [--slug NEW]`, to move a region between
 * installations and between backends (SQLite to PostgreSQL and back).
 *
 * The archive is a single JSON document (format "bireg-region-archive",
 * format version ARCHIVE_FORMAT_VERSION) with the schema version it was
 * taken at, a description of every table in it (columns, types, which
 * table a column refers to), and per table its rows as objects keyed by
 * column name; binary columns are base64. It holds the region row, every
 * region table's rows, and the accounts that hold a role in the region
 * (or are linked to a person or are its demo accounts) with their roles,
 * person links, password hashes, TOTP secrets and recovery code digests,
 * so logins keep working after a move. It is therefore as secret as the
 * database: it is written with mode 0600. Not in it: sessions, login
 * throttling, jobs (transient), and the search index (rebuilt on import).
 *
 * Import runs in one transaction: every row is inserted without its id,
 * the new id comes back with RETURNING id, and every reference is
 * translated through the map old id -> new id, so the archive fits into
 * any installation. Accounts whose e-mail exists in the target are not
 * inserted but reused as they are there (their password stays, their
 * archived recovery codes are dropped). Anything wrong — unreadable
 * archive, newer format or schema, a missing table, a bad row, a slug
 * that exists — fails the whole import and changes nothing.
 *
 * What goes into an archive is one list of table descriptors in
 * region_archive.c; a new region table is one more entry there.
 *
 * Errors are in BIREG_ARCHIVE_ERROR with an archive_error code; the
 * message names the table, row and column concerned.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"

#define BIREG_ARCHIVE_ERROR (bireg_archive_error_quark())
GQuark bireg_archive_error_quark(void);

typedef enum {
	ARCHIVE_ERROR_FAILED = 1, /* the database or the file system failed */
	ARCHIVE_ERROR_NO_REGION,  /* export: no region with that slug */
	ARCHIVE_ERROR_EXISTS,     /* the file exists (no --force), or the slug exists in the target */
	ARCHIVE_ERROR_FORMAT,     /* not an archive, damaged, truncated, a table or value missing */
	ARCHIVE_ERROR_VERSION,    /* made by a newer bireg, or the database's schema does not fit */
	ARCHIVE_ERROR_USAGE,      /* a bad argument (slug format) */
} archive_error;

#define ARCHIVE_FORMAT_NAME "bireg-region-archive"
#define ARCHIVE_FORMAT_VERSION 1

/* What an export wrote or an import did, per table in archive order. */
typedef struct archive_count {
	const char *table; /* static */
	int64_t rows;      /* rows exported, or imported (inserted) */
	int64_t reused;    /* import: rows matched in the target instead (accounts by e-mail) */
	int64_t skipped;   /* import: rows dropped because they belong to a reused row */
} archive_count;

typedef struct archive_summary {
	char *slug;         /* the region's slug (in the target, after an import) */
	int64_t region_id;  /* its id in the database worked on */
	int schema_version; /* of the archive */
	GArray *counts;     /* of archive_count */
	bool reindexed;     /* import: the search index was rebuilt */
} archive_summary;

void archive_summary_clear(archive_summary *s);
/* "  region_level          3 rows" per table, for the CLI. */
void archive_summary_print(const archive_summary *s, bool import, FILE *out);

/* Writes region slug of d into file (replaced only when force). Reads one
 * consistent snapshot. The schema of d must be this program's. */
int region_archive_export(db *d, const char *slug, const char *file, bool force,
			  archive_summary *sum, GError **err);

/* Imports the archive at file into d as a new region, under new_slug if not
 * NULL. All or nothing. */
int region_archive_import(db *d, const char *file, const char *new_slug, archive_summary *sum,
			  GError **err);

/* The tables an archive holds, in import order, NULL-terminated (for tests
 * and documentation). */
const char *const *region_archive_table_names(void);
