/*
 * parse.c — query strings, urlencoded forms, multipart/form-data bodies and
 * Cookie headers turned into checked values (contracts in parse.h).
 *
 * The rule everywhere: find out how big a thing is, check it against the
 * limits, only then copy it; and validate UTF-8 on the decoded bytes. A
 * parse either succeeds and appends everything it found, or fails and
 * appends nothing, so a handler never sees half a form.
 *
 * Multipart: the body is split at its delimiter lines here, following RFC
 * 2046 strictly (a delimiter starts a line, a body without its closing
 * "--boundary--" is truncated and rejected), and each part's header block is
 * parsed by GMime. Splitting ourselves instead of letting GMime build the
 * whole tree keeps uploads byte-exact even when a browser labels a file
 * message/rfc822 or multipart/mixed (GMime would parse such a part into objects
 * and not give the bytes back), lets us check sizes before any copy, and
 * makes the missing closing boundary an error instead of a warning.
 * The Content-Disposition parameters are read from GMime's raw header value
 * by hand, because GMime's parameter decoder is made for mail: it silently
 * converts invalid UTF-8 from Latin-1, drops control characters and treats
 * backslashes as escapes (turning "C:\dir\a.txt" into "C:dira.txt"), while
 * browsers send raw UTF-8 and escape only the quote, as "%22" (HTML spec,
 * "multipart/form-data encoding algorithm").
 */
#include "http/parse.h"

#include <gmime/gmime.h>
#include <string.h>

#include "core/text.h"

/* GMime 3.2 declares no auto-cleanup functions for its objects. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeContentType, g_object_unref)

G_DEFINE_QUARK(bireg-parse-error-quark, bireg_parse_error)

const http_limits http_limits_default = {
	.max_fields = 1000,
	.max_name_bytes = 256,
	.max_value_bytes = 1024 * 1024,
	.max_files = 20,
	.max_file_bytes = 20 * 1024 * 1024,
};

/* A part's header block holds little more than a name and a file name;
 * anything much larger is an attack on the header parser. */
#define MP_HEADER_MAX ((size_t)16384)
/* RFC 2046: a boundary has 1 to 70 characters. */
#define MP_BOUNDARY_MAX 70
#define COOKIE_MAX_COUNT 50
#define COOKIE_MAX_VALUE 4096

void http_parse_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* ---- http_params ---------------------------------------------------- */

struct http_params {
	GPtrArray *names;  /* borrowed from the keys of index, in input order */
	GPtrArray *values; /* owned, in input order */
	GHashTable *index; /* owned name -> GPtrArray of borrowed values */
	GPtrArray *empty;  /* what get_all answers for an unknown name */
};

http_params *http_params_new(void)
{
	http_params *p = g_new0(http_params, 1);

	p->names = g_ptr_array_new();
	p->values = g_ptr_array_new_with_free_func(g_free);
	p->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 (GDestroyNotify)g_ptr_array_unref);
	p->empty = g_ptr_array_new();
	return p;
}

void http_params_free(http_params *p)
{
	if (p == NULL)
		return;
	g_ptr_array_unref(p->names);
	g_ptr_array_unref(p->values);
	g_hash_table_unref(p->index);
	g_ptr_array_unref(p->empty);
	g_free(p);
}

/* Takes ownership of name and value. */
static void params_add_take(http_params *p, char *name, char *value)
{
	gpointer key = NULL;
	gpointer vals = NULL;

	if (g_hash_table_lookup_extended(p->index, name, &key, &vals)) {
		g_free(name);
	} else {
		key = name;
		vals = g_ptr_array_new();
		g_hash_table_insert(p->index, key, vals);
	}
	g_ptr_array_add(vals, value);
	g_ptr_array_add(p->names, key);
	g_ptr_array_add(p->values, value);
}

void http_params_add(http_params *p, const char *name, const char *value)
{
	g_return_if_fail(p != NULL && name != NULL && value != NULL);
	g_return_if_fail(g_utf8_validate(name, -1, NULL) && g_utf8_validate(value, -1, NULL));
	params_add_take(p, g_strdup(name), g_strdup(value));
}

const char *http_params_get(const http_params *p, const char *name)
{
	const GPtrArray *vals;

	g_return_val_if_fail(p != NULL, NULL);
	vals = http_params_get_all(p, name);
	return vals->len > 0 ? g_ptr_array_index(vals, 0) : NULL;
}

const GPtrArray *http_params_get_all(const http_params *p, const char *name)
{
	const GPtrArray *vals;

	g_return_val_if_fail(p != NULL, NULL);
	if (name == NULL)
		return p->empty;
	vals = g_hash_table_lookup(p->index, name);
	return vals != NULL ? vals : p->empty;
}

size_t http_params_count(const http_params *p)
{
	g_return_val_if_fail(p != NULL, 0);
	return p->values->len;
}

void http_params_nth(const http_params *p, size_t i, const char **name, const char **value)
{
	*name = NULL;
	*value = NULL;
	g_return_if_fail(p != NULL && i < p->values->len);
	*name = g_ptr_array_index(p->names, i);
	*value = g_ptr_array_index(p->values, i);
}

/* Pairs collected during one parse, alternating owned name and value, moved
 * into the caller's http_params only when the whole parse succeeded. */
static void pending_commit(GPtrArray *pending, http_params *out)
{
	for (guint i = 0; i + 1 < pending->len; i += 2) {
		params_add_take(out, pending->pdata[i], pending->pdata[i + 1]);
		pending->pdata[i] = NULL;
		pending->pdata[i + 1] = NULL;
	}
}

static http_parse_status fail(GError **err, http_parse_status st, const char *what)
{
	g_set_error_literal(err, BIREG_PARSE_ERROR, st, what);
	return st;
}

/* A field name: valid UTF-8 without NUL and without any control character,
 * tab and line breaks included — no form of ours has such names. */
static gboolean name_is_clean(const char *s, size_t len)
{
	if (!text_is_valid_utf8(s, len) || text_has_control_chars_len(s, len))
		return FALSE;
	return memchr(s, '\t', len) == NULL && memchr(s, '\n', len) == NULL &&
	       memchr(s, '\r', len) == NULL;
}

/* ---- query strings and urlencoded forms ---------------------------- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of raw[0..n) once decoded, or -1 if it holds an invalid percent
 * escape. A first pass, so that limits are checked before allocating. */
static gssize form_decoded_len(const char *raw, size_t n)
{
	size_t out = 0;
	size_t i = 0;

	while (i < n) {
		if (raw[i] == '%') {
			if (n - i < 3 || hex_value(raw[i + 1]) < 0 || hex_value(raw[i + 2]) < 0)
				return -1;
			i += 3;
		} else {
			i++;
		}
		out++;
	}
	return (gssize)out;
}

/* Decodes raw[0..n) whose decoded length form_decoded_len gave as outlen. */
static char *form_decode(const char *raw, size_t n, size_t outlen)
{
	char *out = g_malloc(outlen + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; o++) {
		if (raw[i] == '%') {
			out[o] = (char)(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
			i += 3;
		} else {
			out[o] = raw[i] == '+' ? ' ' : raw[i];
			i++;
		}
	}
	g_assert(o == outlen);
	out[o] = '\0';
	return out;
}

/* Decodes one name or value into *res, checking escapes, size and UTF-8. */
static http_parse_status form_component(const char *raw, size_t n, size_t max, gboolean is_name,
					char **res, GError **err)
{
	gssize len = form_decoded_len(raw, n);
	g_autofree char *s = NULL;

	if (len < 0)
		return fail(err, HTTP_PARSE_BAD, "form: invalid percent escape");
	if ((size_t)len > max)
		return fail(err, HTTP_PARSE_TOO_LARGE,
			    is_name ? "form: field name too long" : "form: value too long");
	s = form_decode(raw, n, (size_t)len);
	if (is_name ? !name_is_clean(s, (size_t)len) : !text_is_valid_utf8(s, (size_t)len))
		return fail(err, HTTP_PARSE_BAD,
			    is_name ? "form: field name not clean UTF-8" : "form: value not valid UTF-8");
	*res = g_steal_pointer(&s);
	return HTTP_PARSE_OK;
}

static http_parse_status form_parse(const char *s, size_t len, const http_limits *lim,
				    http_params *out, GError **err)
{
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func(g_free);
	size_t fields = 0;
	size_t pos = 0;

	g_return_val_if_fail(lim != NULL && out != NULL, HTTP_PARSE_BAD);
	if (s == NULL && len > 0)
		return fail(err, HTTP_PARSE_BAD, "form: no data");

	while (pos < len) {
		const char *pair = s + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t plen = amp != NULL ? (size_t)(amp - pair) : len - pos;
		const char *eq;
		size_t nlen;
		char *name = NULL;
		char *value = NULL;
		http_parse_status st;

		pos += plen + 1;
		/* "a=1&&b=2": empty pairs carry nothing; "=x" has no name that a
		 * handler could ask for, so it is skipped as well. */
		if (plen == 0)
			continue;
		eq = memchr(pair, '=', plen);
		nlen = eq != NULL ? (size_t)(eq - pair) : plen;
		if (nlen == 0)
			continue;
		if (++fields > lim->max_fields)
			return fail(err, HTTP_PARSE_TOO_LARGE, "form: too many fields");
		st = form_component(pair, nlen, lim->max_name_bytes, TRUE, &name, err);
		if (st != HTTP_PARSE_OK)
			return st;
		g_ptr_array_add(pending, name);
		if (eq != NULL)
			st = form_component(eq + 1, plen - nlen - 1, lim->max_value_bytes, FALSE,
					    &value, err);
		else
			value = g_strdup("");
		if (st != HTTP_PARSE_OK)
			return st;
		g_ptr_array_add(pending, value);
	}
	pending_commit(pending, out);
	return HTTP_PARSE_OK;
}

http_parse_status http_parse_query(const char *qs, size_t len, const http_limits *lim,
				   http_params *out, GError **err)
{
	return form_parse(qs, len, lim, out, err);
}

http_parse_status http_parse_urlencoded(const void *body, size_t len, const http_limits *lim,
					http_params *out, GError **err)
{
	return form_parse(body, len, lim, out, err);
}

/* ---- multipart/form-data ------------------------------------------- */

void http_upload_free(http_upload *u)
{
	if (u == NULL)
		return;
	g_free(u->field);
	g_free(u->filename);
	g_free(u->content_type);
	g_clear_pointer(&u->data, g_bytes_unref);
	g_free(u);
}

typedef struct mp_state {
	const char *body;
	size_t len;
	char *dash; /* "--" + boundary */
	size_t dash_len;
	const http_limits *lim;
	GMimeParserOptions *options;
	gboolean header_fatal; /* set by the GMime warning callback */
	size_t fields;         /* parts seen, files included */
	size_t files;
	GPtrArray *pending;    /* name, value, name, value ... (owned) */
	GPtrArray *uploads;    /* http_upload* (owned) */
	GError **err;
} mp_state;

/*
 * Finds the next delimiter line at or after from: "--boundary" at the start
 * of a line, then either "--" (the close delimiter) or optional spaces and
 * tabs and a line end. A "--boundary" inside a line, or followed by anything
 * else, is content. On success *line is where "--boundary" starts and *next
 * where the following part starts.
 */
static gboolean mp_find_delimiter(const mp_state *mp, size_t from, size_t *line, size_t *next,
				  gboolean *final)
{
	size_t pos = from;

	while (pos < mp->len) {
		const char *hit = memmem(mp->body + pos, mp->len - pos, mp->dash, mp->dash_len);
		size_t t, q;

		if (hit == NULL)
			return FALSE;
		t = (size_t)(hit - mp->body);
		pos = t + 1;
		if (t > 0 && mp->body[t - 1] != '\n')
			continue;
		q = t + mp->dash_len;
		if (mp->len - q >= 2 && mp->body[q] == '-' && mp->body[q + 1] == '-') {
			/* Whatever follows the close delimiter is epilogue. */
			*line = t;
			*next = mp->len;
			*final = TRUE;
			return TRUE;
		}
		while (q < mp->len && (mp->body[q] == ' ' || mp->body[q] == '\t'))
			q++;
		if (q < mp->len && mp->body[q] == '\n') {
			*next = q + 1;
		} else if (mp->len - q >= 2 && mp->body[q] == '\r' && mp->body[q + 1] == '\n') {
			*next = q + 2;
		} else {
			continue;
		}
		*line = t;
		*final = FALSE;
		return TRUE;
	}
	return FALSE;
}

static void mp_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	mp_state *mp = data;

	(void)offset;
	(void)item;
	/* A header line GMime cannot read is skipped by GMime; we must not
	 * guess what the client meant, so such a part is rejected. Other
	 * warnings concern bodies (of nested multiparts, messages) that GMime
	 * never gets to see here, or things we check ourselves. */
	if (code == GMIME_CRIT_INVALID_HEADER_NAME || code == GMIME_CRIT_CONFLICTING_HEADER)
		mp->header_fatal = TRUE;
}

static gboolean is_http_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_ws(const char *p)
{
	while (is_http_ws(*p))
		p++;
	return p;
}

/* One parameter value of Content-Disposition: where it starts, how long it
 * is, whether it was there at all. */
typedef struct cd_span {
	const char *s;
	size_t len;
	gboolean present;
} cd_span;

/*
 * Reads `form-data; name="..."; filename="..."` from a raw header value.
 * Quoted values end at the next '"' (browsers do not backslash-escape, see
 * the top of the file); unquoted values end at ';' or white space. Unknown
 * parameters (filename* among them, which RFC 7578 forbids) are ignored; a
 * repeated name or filename makes the part ambiguous and is rejected.
 */
static gboolean cd_parse(const char *raw, cd_span *name, cd_span *filename)
{
	const char *p = skip_ws(raw);
	const char *tok = p;

	while (*p && *p != ';' && !is_http_ws(*p))
		p++;
	if ((size_t)(p - tok) != strlen("form-data") ||
	    g_ascii_strncasecmp(tok, "form-data", (gsize)(p - tok)) != 0)
		return FALSE;
	p = skip_ws(p);
	while (*p) {
		const char *attr, *val;
		size_t alen, vlen;
		cd_span *dst = NULL;

		if (*p != ';')
			return FALSE;
		p = skip_ws(p + 1);
		if (*p == '\0')
			break;
		attr = p;
		while (*p && *p != '=' && *p != ';' && *p != '"' && !is_http_ws(*p))
			p++;
		alen = (size_t)(p - attr);
		if (alen == 0)
			return FALSE;
		p = skip_ws(p);
		if (*p != '=')
			return FALSE;
		p = skip_ws(p + 1);
		if (*p == '"') {
			const char *close = strchr(p + 1, '"');

			if (close == NULL)
				return FALSE;
			val = p + 1;
			vlen = (size_t)(close - val);
			p = close + 1;
		} else {
			val = p;
			while (*p && *p != ';' && !is_http_ws(*p))
				p++;
			vlen = (size_t)(p - val);
		}
		p = skip_ws(p);
		if (alen == 4 && g_ascii_strncasecmp(attr, "name", 4) == 0)
			dst = name;
		else if (alen == 8 && g_ascii_strncasecmp(attr, "filename", 8) == 0)
			dst = filename;
		if (dst == NULL)
			continue;
		if (dst->present)
			return FALSE;
		dst->s = val;
		dst->len = vlen;
		dst->present = TRUE;
	}
	return TRUE;
}

/* The file name to keep: valid UTF-8, "%22" back to '"', only the part after
 * the last '/' or '\' (old browsers send whole Windows paths), without
 * control characters, and never "." or "..". NULL if not valid UTF-8. */
static char *mp_clean_filename(const char *s, size_t len)
{
	g_autoptr(GString) buf = NULL;
	const char *base;
	char *clean;

	if (!text_is_valid_utf8(s, len))
		return NULL;
	buf = g_string_new_len(s, (gssize)len);
	g_string_replace(buf, "%22", "\"", 0);
	base = buf->str;
	for (const char *p = buf->str; *p; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	clean = text_strip_control_chars(base);
	if (clean == NULL)
		return NULL;
	if (strcmp(clean, ".") == 0 || strcmp(clean, "..") == 0)
		clean[0] = '\0';
	return clean;
}

/* Counts the headers called name in the part's header list. */
static int mp_header_count(GMimeObject *obj, const char *name, GMimeHeader **first)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = 0;

	*first = NULL;
	for (int i = 0; i < g_mime_header_list_get_count(hl); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0) {
			if (n++ == 0)
				*first = h;
		}
	}
	return n;
}

/* The upload's type as GMime read it ("type/subtype", parameters dropped),
 * or application/octet-stream when none was sent or it is not clean text:
 * everything that leaves this file is valid UTF-8. */
static char *mp_upload_type(GMimeObject *obj, gboolean sent)
{
	char *t = NULL;

	if (sent)
		t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
	if (t == NULL || !g_utf8_validate(t, -1, NULL) || text_has_control_chars(t) ||
	    strpbrk(t, "\t\r\n") != NULL) {
		g_free(t);
		t = g_strdup("application/octet-stream");
	}
	return t;
}

/* The charsets a text field may declare: browsers send UTF-8 for our
 * UTF-8 pages, and ASCII is a subset. */
static gboolean mp_charset_ok(const char *cs)
{
	return cs == NULL || g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	       g_ascii_strcasecmp(cs, "utf8") == 0 || g_ascii_strcasecmp(cs, "us-ascii") == 0;
}

/* Parses the header block (which ends with the line end before the empty
 * line) with GMime. NULL if GMime could not make sense of it. */
static GMimeObject *mp_parse_headers(mp_state *mp, const char *hdr, size_t hlen)
{
	g_autoptr(GByteArray) buf = g_byte_array_sized_new((guint)hlen + 2);
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;

	g_byte_array_append(buf, (const guint8 *)hdr, (guint)hlen);
	g_byte_array_append(buf, (const guint8 *)"\r\n", 2);
	stream = g_mime_stream_mem_new_with_buffer((const char *)buf->data, buf->len);
	parser = g_mime_parser_new_with_stream(stream);
	mp->header_fatal = FALSE;
	return g_mime_parser_construct_part(parser, mp->options);
}

static http_parse_status mp_part(mp_state *mp, const char *raw, size_t n)
{
	size_t hend = 0, cstart = 0;
	gboolean found = FALSE;
	size_t scan = MIN(n, MP_HEADER_MAX);
	g_autoptr(GMimeObject) obj = NULL;
	GMimeHeader *cd = NULL, *cth = NULL, *cte = NULL;
	cd_span name = { 0 }, filename = { 0 };
	const char *content;
	size_t clen;

	if (++mp->fields > mp->lim->max_fields)
		return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: too many fields");

	/* The header block ends at the first empty line. A part that starts
	 * with one has no headers, hence no name. */
	for (size_t i = 0; i < scan && !found; i++) {
		if (raw[i] != '\n')
			continue;
		if (i + 1 < n && raw[i + 1] == '\n') {
			hend = i + 1;
			cstart = i + 2;
			found = TRUE;
		} else if (i + 2 < n && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
			hend = i + 1;
			cstart = i + 3;
			found = TRUE;
		}
	}
	if (!found && n > MP_HEADER_MAX)
		return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: part headers too large");
	if (!found || raw[0] == '\n' || raw[0] == '\r')
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: part without headers");
	if (memchr(raw, '\0', hend) != NULL)
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: NUL in part headers");

	obj = mp_parse_headers(mp, raw, hend);
	if (obj == NULL || mp->header_fatal)
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: unreadable part headers");
	if (mp_header_count(obj, "Content-Disposition", &cd) != 1 ||
	    mp_header_count(obj, "Content-Type", &cth) > 1 ||
	    mp_header_count(obj, "Content-Transfer-Encoding", &cte) > 1)
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: missing or repeated part header");
	if (!cd_parse(g_mime_header_get_raw_value(cd), &name, &filename) || !name.present)
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: part without form-data name");
	if (name.len > mp->lim->max_name_bytes)
		return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: field name too long");
	if (name.len == 0 || !name_is_clean(name.s, name.len))
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: field name not clean UTF-8");
	if (cte != NULL) {
		/* RFC 7578 4.7: senders must not encode parts; only the identity
		 * labels are accepted, so the bytes are the content. */
		g_autofree char *v = g_strstrip(g_strdup(g_mime_header_get_raw_value(cte)));

		if (g_ascii_strcasecmp(v, "binary") != 0 && g_ascii_strcasecmp(v, "8bit") != 0 &&
		    g_ascii_strcasecmp(v, "7bit") != 0)
			return fail(mp->err, HTTP_PARSE_BAD, "multipart: transfer encoding not supported");
	}

	content = raw + cstart;
	clen = n - cstart;
	if (filename.present) {
		http_upload *u;
		char *fname;

		if (++mp->files > mp->lim->max_files)
			return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: too many files");
		if (clen > mp->lim->max_file_bytes)
			return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: file too large");
		fname = mp_clean_filename(filename.s, filename.len);
		if (fname == NULL)
			return fail(mp->err, HTTP_PARSE_BAD, "multipart: file name not valid UTF-8");
		u = g_new0(http_upload, 1);
		u->field = g_strndup(name.s, name.len);
		u->filename = fname;
		u->content_type = mp_upload_type(obj, cth != NULL);
		u->data = g_bytes_new(content, clen);
		g_ptr_array_add(mp->uploads, u);
		return HTTP_PARSE_OK;
	}

	if (clen > mp->lim->max_value_bytes)
		return fail(mp->err, HTTP_PARSE_TOO_LARGE, "multipart: value too long");
	if (cth != NULL &&
	    !mp_charset_ok(g_mime_content_type_get_parameter(g_mime_object_get_content_type(obj),
							     "charset")))
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: text field not in UTF-8");
	if (!text_is_valid_utf8(content, clen))
		return fail(mp->err, HTTP_PARSE_BAD, "multipart: value not valid UTF-8");
	g_ptr_array_add(mp->pending, g_strndup(name.s, name.len));
	g_ptr_array_add(mp->pending, g_strndup(content, clen));
	return HTTP_PARSE_OK;
}

/* The boundary from the Content-Type header, checked against RFC 2046:
 * 1 to 70 printable ASCII characters, not ending in a space. */
static char *mp_boundary(const char *content_type)
{
	g_autoptr(GMimeContentType) ct = NULL;
	const char *b;
	size_t blen;

	if (content_type == NULL || text_has_control_chars(content_type) ||
	    strpbrk(content_type, "\t\r\n") != NULL)
		return NULL;
	ct = g_mime_content_type_parse(NULL, content_type);
	if (ct == NULL || !g_mime_content_type_is_type(ct, "multipart", "form-data"))
		return NULL;
	b = g_mime_content_type_get_parameter(ct, "boundary");
	if (b == NULL)
		return NULL;
	blen = strlen(b);
	if (blen == 0 || blen > MP_BOUNDARY_MAX || b[blen - 1] == ' ')
		return NULL;
	for (size_t i = 0; i < blen; i++) {
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7e)
			return NULL;
	}
	return g_strdup(b);
}

http_parse_status http_parse_multipart(const char *content_type, const void *body, size_t len,
				       const http_limits *lim, http_params *fields,
				       GPtrArray *uploads, GError **err)
{
	g_autofree char *boundary = NULL;
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify)http_upload_free);
	mp_state mp = { 0 };
	http_parse_status st = HTTP_PARSE_OK;
	size_t line = 0, next = 0;
	gboolean final = FALSE;

	g_return_val_if_fail(lim != NULL && fields != NULL && uploads != NULL, HTTP_PARSE_BAD);
	/* Cheap after the first time; guards against a caller that forgot. */
	http_parse_init();
	boundary = mp_boundary(content_type);
	if (boundary == NULL)
		return fail(err, HTTP_PARSE_BAD, "multipart: not multipart/form-data with a boundary");
	if (body == NULL && len > 0)
		return fail(err, HTTP_PARSE_BAD, "multipart: no body");

	mp.body = body;
	mp.len = len;
	mp.dash = g_strconcat("--", boundary, NULL);
	mp.dash_len = strlen(mp.dash);
	mp.lim = lim;
	mp.options = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(mp.options, mp_warning, &mp);
	mp.pending = pending;
	mp.uploads = files;
	mp.err = err;

	/* Anything before the first delimiter is preamble (RFC 2046) and
	 * ignored; a body without any delimiter is not multipart. */
	if (!mp_find_delimiter(&mp, 0, &line, &next, &final)) {
		st = fail(err, HTTP_PARSE_BAD, "multipart: no boundary in body");
		goto out;
	}
	while (!final) {
		size_t start = next;
		size_t end;

		if (!mp_find_delimiter(&mp, start, &line, &next, &final)) {
			st = fail(err, HTTP_PARSE_BAD, "multipart: body truncated (no closing boundary)");
			goto out;
		}
		/* The line end before "--boundary" belongs to the delimiter. When
		 * line == start that line end was the previous delimiter's own. */
		end = line;
		if (end > start) {
			end--; /* the '\n' */
			if (end > start && mp.body[end - 1] == '\r')
				end--;
		}
		st = mp_part(&mp, mp.body + start, end - start);
		if (st != HTTP_PARSE_OK)
			goto out;
	}

	pending_commit(pending, fields);
	for (guint i = 0; i < files->len; i++)
		g_ptr_array_add(uploads, g_steal_pointer(&files->pdata[i]));
	g_ptr_array_set_size(files, 0);
out:
	g_free(mp.dash);
	g_mime_parser_options_free(mp.options);
	return st;
}

/* ---- cookies -------------------------------------------------------- */

GHashTable *http_cookies_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static gboolean cookie_text_ok(const char *s, size_t len)
{
	return text_is_valid_utf8(s, len) && !text_has_control_chars_len(s, len) &&
	       memchr(s, '\t', len) == NULL && memchr(s, '\n', len) == NULL &&
	       memchr(s, '\r', len) == NULL;
}

void http_parse_cookies(const char *header, GHashTable *out)
{
	const char *p = header;

	g_return_if_fail(out != NULL);
	if (header == NULL)
		return;
	while (*p && g_hash_table_size(out) < COOKIE_MAX_COUNT) {
		const char *semi = strchr(p, ';');
		const char *end = semi != NULL ? semi : p + strlen(p);
		const char *ns = p, *ne, *vs, *ve;
		const char *eq;

		p = semi != NULL ? semi + 1 : end;
		while (ns < end && (*ns == ' ' || *ns == '\t'))
			ns++;
		eq = memchr(ns, '=', (size_t)(end - ns));
		if (eq == NULL)
			continue;
		ne = eq;
		while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		vs = eq + 1;
		ve = end;
		while (vs < ve && (*vs == ' ' || *vs == '\t'))
			vs++;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (ne == ns || (size_t)(ve - vs) > COOKIE_MAX_VALUE)
			continue;
		if (!cookie_text_ok(ns, (size_t)(ne - ns)) || !cookie_text_ok(vs, (size_t)(ve - vs)))
			continue;
		/* A name with white space or a quote inside is not a cookie any
		 * browser set; the value may contain spaces (some servers do). */
		if (memchr(ns, ' ', (size_t)(ne - ns)) != NULL ||
		    memchr(ns, '"', (size_t)(ne - ns)) != NULL)
			continue;
		{
			g_autofree char *name = g_strndup(ns, (gsize)(ne - ns));

			if (g_hash_table_contains(out, name))
				continue;
			g_hash_table_insert(out, g_steal_pointer(&name), g_strndup(vs, (gsize)(ve - vs)));
		}
	}
}
