/*
 * file_store.h — files kept in the database, the way every feature attaches
 * one (a region's logo now; papers, letters and attachments later).
 *
 * Why in the database: nodes keep no state of their own, so two `bireg
 * serve` on one PostgreSQL see the same files, and a backup of the database
 * is a backup of everything (docs/ARCHITECTURE.md, "Files").
 *
 * Two tables, both region tables (row-level security on PostgreSQL):
 *   file_blob  the bytes, content-addressed per region: one row per
 *              (region, SHA-256), so identical uploads in a region share
 *              their bytes and two regions never share a row;
 *   file       what a feature refers to: name, media type, purpose,
 *              visibility, who stored it. Several files may point at one blob.
 * A blob lives while a file refers to it; file_delete() removes the blob in
 * the same transaction as its last file.
 *
 * The media type comes from the content (libmagic), never from the name or
 * the type the browser sent; a feature names the types it accepts in its
 * file_rules. Every call is scoped to ctx->region_id; a file of another
 * region is "not found". Store calls join the caller's transaction when one
 * is open, else run in their own.
 *
 * Errors: input that breaks a rule is reported in BIREG_FILE_ERROR (codes
 * below, so that a page can show its own German message); storage failures
 * keep their BIREG_DB_ERROR domain and code (busy, unavailable ...).
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

#define BIREG_FILE_ERROR (bireg_file_error_quark())
GQuark bireg_file_error_quark(void);

typedef enum {
	FILE_ERROR_EMPTY = 1,     /* no bytes (or no file chosen) */
	FILE_ERROR_TOO_LARGE = 2, /* more than the rules' or the installation's limit */
	FILE_ERROR_TYPE = 3,      /* the content is not one of the allowed types */
	FILE_ERROR_IMAGE = 4,     /* an image was required, but its size cannot be read */
	FILE_ERROR_FAILED = 5,    /* libmagic itself failed: a broken installation (500) */
} file_error;

/* The installation's limit when limits.file_bytes is not set: 20 MiB. */
#define FILE_MAX_BYTES_DEFAULT ((size_t)20 * 1024 * 1024)
/* Longest stored name, in bytes (what file systems allow). */
#define FILE_NAME_MAX 255

/* What a feature accepts. Static tables (see file_rules_region_logo); a
 * caller that needs a different limit copies one and changes max_bytes. */
typedef struct file_rules {
	const char *purpose;      /* what the file is for, e.g. "region.logo" */
	const char *visibility;   /* "public" (anyone) or "office" (office and admins) */
	const char *const *types; /* allowed media types, NULL-terminated; NULL = any */
	size_t max_bytes;         /* 0 = FILE_MAX_BYTES_DEFAULT */
	bool image;               /* must be an image whose pixel size can be read */
} file_rules;

/* A region's logo: PNG, JPEG or WebP (no SVG: it can carry script), public,
 * at most FILE_LOGO_MAX_BYTES. */
#define FILE_LOGO_MAX_BYTES ((size_t)2 * 1024 * 1024)
extern const file_rules file_rules_region_logo;

/* A stored file. Owned by the caller: file_info_free(). */
typedef struct file_info {
	int64_t id;
	char *name;         /* sanitised original name, valid UTF-8, never empty */
	char *media_type;   /* "image/png", as detected when it was stored */
	int64_t size;       /* bytes */
	char *purpose;
	char *visibility;   /* "public" or "office" */
	char sha256[65];    /* lower-case hex digest of the bytes */
	int width, height;  /* pixels of an image; 0 when not an image or unknown */
	int64_t created_by; /* account id, 0 for none (system, or the account is gone) */
	char created_at[21];
	GBytes *data;       /* the bytes: set by file_get(), NULL from file_stat() */
} file_info;

void file_info_free(file_info *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(file_info, file_info_free)

/* Stores len bytes at data as a new file of ctx->region_id, created by
 * ctx->user_id (0 = nobody). Checks, in this order: not empty, not larger
 * than rules->max_bytes, type by content in rules->types, image size when
 * rules->image. name is what the client called the file (may be NULL or
 * ""); it is sanitised with file_sanitize_name(). Sets *id_out to the new
 * file's id and returns 0, or returns -1 with err set. Nothing is stored
 * on error. */
int file_put(const bireg_ctx *ctx, const char *name, const void *data, size_t len,
	     const file_rules *rules, int64_t *id_out, GError **err);

/* Metadata of file id in ctx->region_id without its bytes. NULL with err
 * unset when there is no such file in the region; NULL with err set on a
 * storage error. */
file_info *file_stat(const bireg_ctx *ctx, int64_t id, GError **err);
/* Like file_stat(), with the bytes in ->data (one copy out of the
 * database; hand the GBytes on with g_bytes_ref instead of copying). */
file_info *file_get(const bireg_ctx *ctx, int64_t id, GError **err);

/* Deletes file id of ctx->region_id, and its blob when no other file
 * refers to it. Returns 1 when deleted, 0 when there is no such file in the
 * region, -1 with err set. */
int file_delete(const bireg_ctx *ctx, int64_t id, GError **err);

/* ---- pieces, public for their unit tests ------------------------------- */

/* The media type of the bytes by their content (libmagic), lower case, e.g.
 * "image/png", "text/plain", "application/octet-stream". NULL with err set
 * only when libmagic itself fails. Thread-safe. Newly allocated. */
char *file_detect_type(const void *data, size_t len, GError **err);

/* Pixel size of a PNG, JPEG, GIF or WebP image read from its header. False
 * when media_type is none of these or the header is not readable. */
bool file_image_size(const void *data, size_t len, const char *media_type, int *width,
		     int *height);

/* A file name safe to store and to offer for download: the last path
 * element only; control, format (bidi override, zero width) and line
 * separator characters removed; characters that Windows forbids in names
 * (<>:"/\|?*) replaced by '_'; white space collapsed; leading and trailing
 * dots and spaces removed; NFC; at most FILE_NAME_MAX bytes, cut in the
 * stem so the extension stays. Umlauts and other letters are kept. When
 * nothing is left, "datei" plus the extension of media_type (if known).
 * name may be NULL or invalid UTF-8. Newly allocated. */
char *file_sanitize_name(const char *name, const char *media_type);

/* The usual extension of a media type (".png"), or "" when unknown. */
const char *file_type_extension(const char *media_type);
