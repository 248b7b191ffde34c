/*
 * parse.h — turning the bytes of a request into checked values.
 *
 * Pure functions, no I/O and no libevent: query strings, urlencoded forms,
 * multipart/form-data bodies (through GMime) and Cookie headers. Every name
 * and text value that comes out is valid UTF-8 without NUL bytes; limits are
 * checked before anything is kept. Errors are in the BIREG_PARSE_ERROR domain:
 * HTTP_PARSE_BAD (answer 400) or HTTP_PARSE_TOO_LARGE (answer 413); the
 * message is for the log and never echoes the input.
 */
#pragma once
#include <glib.h>
#include <stddef.h>

#define BIREG_PARSE_ERROR (bireg_parse_error_quark())
GQuark bireg_parse_error_quark(void);

typedef enum {
	HTTP_PARSE_OK = 0,
	HTTP_PARSE_BAD = -1,
	HTTP_PARSE_TOO_LARGE = -2,
} http_parse_status;

typedef struct http_limits {
	size_t max_fields;      /* names in a query string or form, files included */
	size_t max_name_bytes;  /* one field name */
	size_t max_value_bytes; /* one text value */
	size_t max_files;       /* file parts in one multipart body */
	size_t max_file_bytes;  /* one uploaded file */
} http_limits;

/* Defaults used by the server unless configured otherwise: 1000 fields,
 * 256-byte names, 1 MiB values, 20 files of at most 20 MiB each. */
extern const http_limits http_limits_default;

/* Initialises GMime for http_parse_multipart. Call once at startup, before
 * worker threads run; later calls do nothing (http_parse_multipart makes
 * one itself, so a forgotten call is not fatal). */
void http_parse_init(void);

/* A multi-map from field name to values, in the order they came. */
typedef struct http_params http_params;
http_params *http_params_new(void);
void http_params_free(http_params *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(http_params, http_params_free)
/* Adds a copy of name and value (both must already be valid UTF-8). */
void http_params_add(http_params *p, const char *name, const char *value);
/* First value of name, or NULL. Owned by p. */
const char *http_params_get(const http_params *p, const char *name);
/* All values of name (possibly empty, never NULL). Owned by p. */
const GPtrArray *http_params_get_all(const http_params *p, const char *name);
/* Number of (name, value) pairs. */
size_t http_params_count(const http_params *p);
/* Iterates in input order; i from 0 to count-1. */
void http_params_nth(const http_params *p, size_t i, const char **name, const char **value);

typedef struct http_upload {
	char *field;        /* form field name, UTF-8 */
	char *filename;     /* as sent, reduced to its last path element, UTF-8; may be "" */
	char *content_type; /* as sent by the client; not trusted */
	GBytes *data;
} http_upload;
void http_upload_free(http_upload *u);

/* "a=1&b=%C3%A4" (no leading '?'); '+' is a space. Adds to out, in order,
 * duplicates kept; "a=" and "a" give "", empty pairs ("a&&b") and pairs
 * without a name ("=x") are skipped. Names must not contain control
 * characters (tab and line breaks included); values may hold tab, CR and LF.
 * All or nothing: on an error out is left as it was. qs need not be
 * NUL-terminated; only len bytes are read. */
http_parse_status http_parse_query(const char *qs, size_t len, const http_limits *lim,
				   http_params *out, GError **err);
/* application/x-www-form-urlencoded body: same rules as a query string. */
http_parse_status http_parse_urlencoded(const void *body, size_t len, const http_limits *lim,
					http_params *out, GError **err);
/* multipart/form-data. content_type is the request's Content-Type header
 * (with its boundary). Text parts go to fields; file parts (those with a
 * filename) to uploads as http_upload* (the array must free with
 * http_upload_free). All or nothing, like http_parse_query. A body without
 * its closing "--boundary--" is truncated and BAD; so are parts without a
 * form-data name, text parts that are not UTF-8 (or declare another
 * charset), and parts with a Content-Transfer-Encoding other than
 * 7bit/8bit/binary. An upload's content_type is "type/subtype" without
 * parameters, "application/octet-stream" when none was sent; its filename
 * has "%22" turned back into '"', no path, no control characters, and is
 * never "." or "..". A file input left empty gives an upload with filename
 * "" and no data. */
http_parse_status http_parse_multipart(const char *content_type, const void *body, size_t len,
				       const http_limits *lim, http_params *fields,
				       GPtrArray *uploads, GError **err);
/* Cookie header "a=1; b=2" into name -> value (both owned by the table,
 * created with g_str_hash/g_free). Malformed pairs are skipped, not fatal;
 * the first of duplicate names wins. Values lose surrounding quotes but are
 * not percent-decoded. Pairs with invalid UTF-8, control characters or a
 * value over 4096 bytes are skipped; at most 50 cookies are kept. */
void http_parse_cookies(const char *header, GHashTable *out);
/* A new table suitable for http_parse_cookies. */
GHashTable *http_cookies_new(void);
