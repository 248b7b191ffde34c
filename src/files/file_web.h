/*
 * file_web.h — files over HTTP: the download route GET /dateien/{id}/{name}
 * of a region, and the helpers a page needs to link to a file.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

extern const route file_routes[];

/* The download path of a file inside the request's region:
 * "/dateien/<id>/<name, percent-encoded>" (with the region prefix). The
 * name part must match the stored name. Newly allocated. */
char *file_href(const req_ctx *rc, int64_t id, const char *name);

/* Types a browser shows in place: the raster images (not SVG, which can
 * carry script). Everything else is offered as a download. */
bool file_shown_inline(const char *media_type);

/* The Content-Disposition value for a file: "inline" or "attachment", a
 * quoted ASCII fallback name (umlauts transliterated, quotes, backslashes
 * and control characters removed) and the exact name as
 * filename*=UTF-8''... (RFC 5987/6266). Newly allocated. */
char *file_content_disposition(const char *name, const char *media_type);

/* Does an If-None-Match header value name etag (a quoted strong tag)?
 * Weak comparison, as RFC 9110 asks for If-None-Match; "*" matches. */
bool file_etag_matches(const char *if_none_match, const char *etag);
