/*
 * file_web.c — serving stored files: GET /dateien/{id}/{name} of a region.
 *
 * The response carries the type detected when the file was stored (never
 * one guessed from the name), nosniff, a Content-Disposition whose name
 * cannot break the header, and the SHA-256 of the bytes as its ETag, so a
 * browser revalidates with If-None-Match and gets 304 without the bytes
 * being read from the database. The bytes go to the server as the GBytes
 * the store filled: one copy out of the database, none after it.
 *
 * Who may read: public files anyone, office files the office and admins of
 * the region. The permission hook decides (and sends an anonymous browser
 * to the login page for an office file); the handler checks again before
 * it hands out a byte. A wrong id, a file of another region and a name that
 * does not match are all 404.
 */
#include "files/file_web.h"

#include <string.h>

#include "core/log.h"
#include "core/roles.h"
#include "db/db.h"
#include "files/file_store.h"
#include "modules/account/perm.h"
#include "view/view.h"

/* A day: a public file never changes under its id (a new upload is a new
 * id), but one that is deleted should not live on in caches for long. */
#define PUBLIC_MAX_AGE "86400"

char *file_href(const req_ctx *rc, int64_t id, const char *name)
{
	g_autofree char *esc = g_uri_escape_string(name, NULL, FALSE);
	g_autofree char *path = g_strdup_printf("/dateien/%" G_GINT64_FORMAT "/%s", id, esc);
	return view_href(rc, path);
}

bool file_shown_inline(const char *media_type)
{
	static const char *const types[] = {"image/png", "image/jpeg", "image/gif", "image/webp"};
	for (size_t i = 0; media_type && i < G_N_ELEMENTS(types); i++)
		if (!strcmp(types[i], media_type))
			return true;
	return false;
}

/* RFC 5987 attr-char: what may stand unencoded in filename*=. */
static bool attr_char(unsigned char c)
{
	return g_ascii_isalnum(c) || (c && strchr("!#$&+-.^_`|~", c) != NULL);
}

char *file_content_disposition(const char *name, const char *media_type)
{
	GString *s = g_string_new(file_shown_inline(media_type) ? "inline" : "attachment");
	/* "de": ä becomes ae, ß becomes ss; what has no ASCII form becomes '?'. */
	g_autofree char *ascii = g_str_to_ascii(name ? name : "", "de");
	gsize start;

	g_string_append(s, "; filename=\"");
	start = s->len;
	for (const char *p = ascii; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			continue;
		g_string_append_c(s, c == '?' ? '_' : (char)c);
	}
	if (s->len == start)
		g_string_append(s, "datei");
	g_string_append(s, "\"; filename*=UTF-8''");
	for (const char *p = name ? name : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (attr_char(c))
			g_string_append_c(s, (char)c);
		else
			g_string_append_printf(s, "%%%02X", c);
	}
	return g_string_free(s, FALSE);
}

bool file_etag_matches(const char *if_none_match, const char *etag)
{
	g_auto(GStrv) tags = NULL;

	if (!if_none_match || !etag)
		return false;
	tags = g_strsplit(if_none_match, ",", -1);
	for (char **t = tags; *t; t++) {
		const char *v = g_strstrip(*t);
		if (!strcmp(v, "*"))
			return true;
		if (g_str_has_prefix(v, "W/"))
			v += 2;
		if (!strcmp(v, etag))
			return true;
	}
	return false;
}

static int status_for(const GError *err)
{
	if (err && err->domain == BIREG_DB_ERROR &&
	    (err->code == DB_BUSY || err->code == DB_UNAVAILABLE))
		return 503;
	return 500;
}

/* The {id} of the path: a positive decimal number, else 0. */
static int64_t path_id(const req_ctx *rc)
{
	gint64 id = 0;
	const char *v = http_request_path_param(rc->req, "id");
	if (!v || !g_ascii_string_to_signed(v, 10, 1, G_MAXINT64, &id, NULL))
		return 0;
	return id;
}

static bool office_of_region(const req_ctx *rc)
{
	return rc->user && (rc->user->roles & (ROLE_OFFICE | ROLE_ADMIN));
}

/* Permission hook. A request for a file that is not there (bad id, other
 * region, wrong name) passes, so that the handler answers 404 for it just
 * as for a file that exists: the refusal does not tell which ids exist. */
static bool perm_file(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(file_info) f = NULL;
	int64_t id = path_id(rc);

	if (!id)
		return true;
	f = file_stat(&rc->ctx, id, &err);
	if (!f || g_strcmp0(f->name, http_request_path_param(rc->req, "name")))
		return true; /* the handler answers 404, or 5xx on err */
	if (!strcmp(f->visibility, "public"))
		return true;
	return perm_office(rc);
}

static int download(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(file_info) f = NULL;
	g_autofree char *etag = NULL, *disposition = NULL;
	const char *inm = http_request_header(rc->req, "If-None-Match");
	bool public_file;
	int64_t id = path_id(rc);

	if (!id)
		return 404;
	/* A revalidation needs only the digest; the bytes are read when sent. */
	f = inm ? file_stat(&rc->ctx, id, &err) : file_get(&rc->ctx, id, &err);
	if (!f) {
		if (err)
			log_error("request %s: reading file %" G_GINT64_FORMAT " failed: %s",
				  rc->req->request_id, id, err->message);
		return err ? status_for(err) : 404;
	}
	if (strcmp(f->name, http_request_path_param(rc->req, "name")))
		return 404;
	public_file = !strcmp(f->visibility, "public");
	if (!public_file && !office_of_region(rc))
		return 404; /* the hook let it through: not ours to explain */

	etag = g_strdup_printf("\"%s\"", f->sha256);
	http_response_set_header(rc->resp, "ETag", etag);
	http_response_set_header(rc->resp, "Cache-Control",
				 public_file ? "public, max-age=" PUBLIC_MAX_AGE : "private, no-store");
	http_response_set_header(rc->resp, "X-Content-Type-Options", "nosniff");
	if (inm && file_etag_matches(inm, etag)) {
		rc->resp->status = 304;
		return 0;
	}
	if (!f->data) {
		g_clear_pointer(&f, file_info_free);
		f = file_get(&rc->ctx, id, &err);
		if (!f)
			return err ? status_for(err) : 404;
	}
	disposition = file_content_disposition(f->name, f->media_type);
	http_response_set_header(rc->resp, "Content-Type", f->media_type);
	http_response_set_header(rc->resp, "Content-Disposition", disposition);
	rc->resp->status = 200;
	rc->resp->body_bytes = g_bytes_ref(f->data);
	/* A download sets no cookie: a public one may sit in a shared cache,
	 * and a form's CSRF cookie comes with the page of the form. */
	rc->set_csrf_cookie = false;
	return 0;
}

const route file_routes[] = {
	{HTTP_GET, "/dateien/{id}/{name}", "file.download", perm_file, "public or office (by file)",
	 NULL, download, ROUTE_REGION, 0},
	{0},
};
