/*
 * mail.c — composing a message with GMime, and reading one back for the
 * office's views (see mail.h).
 *
 * GMime does the hard parts: RFC 2047 encoded words for names and subjects
 * (it picks Q or B per word and quotes what a phrase cannot hold), RFC 2231
 * parameters for file names, quoted-printable and base64, line folding.
 * What is ours: checking every value before it reaches a header (GMime would
 * fold a value with a line break in it, but it must never be asked to), the
 * shape of the MIME tree, UTF-8 everywhere (GMime on its own picks
 * ISO-8859-1 for German text), and CRLF line ends throughout.
 */
#include "out/mail.h"

#include <gmime/gmime.h>
#include <string.h>

#include "core/token.h"
#include "core/util.h"
#include "view/format.h"

G_DEFINE_QUARK(bireg-mail-error-quark, bireg_mail_error)

#define TEXT_MAX_BYTES ((size_t)2 * 1024 * 1024)
#define HTML_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define ATTACHMENTS_MAX_BYTES ((size_t)25 * 1024 * 1024)
#define FILENAME_MAX_BYTES 255
#define URL_MAX_BYTES 2000

#define mail_fail(err, code, ...) util_fail(err, BIREG_MAIL_ERROR, code, __VA_ARGS__)

void mail_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* ---- checks ---------------------------------------------------------- */

/* A value for a header: present when required, UTF-8, at most max bytes,
 * no line break and no other control character (a tab is fine). */
static int check_header_value(const char *field, const char *v, size_t max, bool required,
			      GError **err)
{
	if (!v || !*v) {
		if (required)
			return mail_fail(err, MAIL_ERROR_INVALID, "%s: is required", field);
		return 0;
	}
	if (!g_utf8_validate(v, -1, NULL))
		return mail_fail(err, MAIL_ERROR_INVALID, "%s: is not valid UTF-8", field);
	if (strpbrk(v, "\r\n"))
		return mail_fail(err, MAIL_ERROR_HEADER_INJECTION,
				 "%s: contains a line break (CR or LF), which a mail header cannot hold",
				 field);
	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if ((c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029)
			return mail_fail(err, MAIL_ERROR_HEADER_INJECTION,
					 "%s: contains a control character, which a mail header "
					 "cannot hold", field);
	}
	if (strlen(v) > max)
		return mail_fail(err, MAIL_ERROR_INVALID, "%s: is longer than %zu bytes", field, max);
	return 0;
}

bool mail_address_valid(const char *addr)
{
	const char *at, *dom;
	size_t len = addr ? strlen(addr) : 0;

	if (len < 3 || len > MAIL_ADDRESS_MAX_BYTES)
		return false;
	at = strchr(addr, '@');
	if (!at || at == addr || strrchr(addr, '@') != at || at - addr > 64)
		return false;
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]", c))
			return false;
	}
	if (addr[0] == '.' || at[-1] == '.' || strstr(addr, ".."))
		return false;
	dom = at + 1;
	if (!*dom || *dom == '.' || *dom == '-' || dom[strlen(dom) - 1] == '.')
		return false;
	for (const char *p = dom; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
			return false;
	return strchr(dom, '.') || !g_ascii_strcasecmp(dom, "localhost");
}

static int check_address(const char *field, const char *v, GError **err)
{
	if (check_header_value(field, v, MAIL_ADDRESS_MAX_BYTES, true, err) < 0)
		return -1;
	if (!mail_address_valid(v))
		return mail_fail(err, MAIL_ERROR_INVALID, "%s: is not an e-mail address", field);
	return 0;
}

/* "area.what": lower-case letters, digits, '_' and dots, as job kinds. */
static bool kind_valid(const char *k)
{
	size_t len = k ? strlen(k) : 0;

	if (len < 3 || len > MAIL_KIND_MAX_BYTES || !g_ascii_islower(k[0]) || !strchr(k, '.') ||
	    k[len - 1] == '.')
		return false;
	for (const char *p = k; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_' && *p != '.')
			return false;
	return true;
}

/* An unsubscribe target: an http(s) or mailto URL in printable ASCII
 * without blanks, angle brackets or commas (which separate several). */
static int check_unsubscribe(const char *v, GError **err)
{
	if (!v || !*v)
		return 0;
	if (check_header_value("list_unsubscribe", v, URL_MAX_BYTES, false, err) < 0)
		return -1;
	if (!g_str_has_prefix(v, "https://") && !g_str_has_prefix(v, "http://") &&
	    !g_str_has_prefix(v, "mailto:"))
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "list_unsubscribe: must be an https://, http:// or mailto: URL");
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',')
			return mail_fail(err, MAIL_ERROR_INVALID,
					 "list_unsubscribe: must be a URL without blanks, commas, "
					 "angle brackets or non-ASCII characters");
	}
	return 0;
}

static int check_body(const char *field, const char *v, size_t max, bool required, GError **err)
{
	if (!v || (!*v && !required))
		return required ? mail_fail(err, MAIL_ERROR_INVALID, "%s: is required", field) : 0;
	if (!g_utf8_validate(v, -1, NULL))
		return mail_fail(err, MAIL_ERROR_INVALID, "%s: is not valid UTF-8", field);
	if (strlen(v) > max)
		return mail_fail(err, MAIL_ERROR_INVALID, "%s: is longer than %zu bytes", field, max);
	return 0;
}

static int check_attachment(const mail_attachment *a, size_t *total, GError **err)
{
	GMimeContentType *ct;
	bool ok;

	if (check_header_value("attachments.filename", a->filename, FILENAME_MAX_BYTES, true,
			       err) < 0 ||
	    check_header_value("attachments.media_type", a->media_type, 200, true, err) < 0)
		return -1;
	if (strchr(a->filename, '/') || strchr(a->filename, '\\'))
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "attachments.filename: must be a name without a path");
	for (const char *p = a->media_type; *p; p++)
		if ((unsigned char)*p >= 0x7f)
			return mail_fail(err, MAIL_ERROR_INVALID,
					 "attachments.media_type: must be ASCII");
	ct = g_mime_content_type_parse(NULL, a->media_type);
	ok = ct && g_mime_content_type_get_media_type(ct) &&
	     g_mime_content_type_get_media_subtype(ct) && strchr(a->media_type, '/') &&
	     g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "multipart") &&
	     g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "message");
	if (ct)
		g_object_unref(ct);
	if (!ok)
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "attachments.media_type: must be a media type such as application/pdf");
	if (!a->data)
		return mail_fail(err, MAIL_ERROR_INVALID, "attachments.data: is required");
	*total += g_bytes_get_size(a->data);
	if (*total > ATTACHMENTS_MAX_BYTES)
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "attachments: more than %zu bytes in all", ATTACHMENTS_MAX_BYTES);
	return 0;
}

static int check_message(const mail_message *m, const mail_sender *s, const char *message_id,
			 GError **err)
{
	size_t total = 0;

	if (check_address("to_addr", m->to_addr, err) < 0 ||
	    check_header_value("to_name", m->to_name, MAIL_NAME_MAX_BYTES, false, err) < 0 ||
	    check_header_value("subject", m->subject, MAIL_SUBJECT_MAX_BYTES, true, err) < 0 ||
	    check_body("text", m->text, TEXT_MAX_BYTES, true, err) < 0 ||
	    check_body("html", m->html, HTML_MAX_BYTES, false, err) < 0 ||
	    check_unsubscribe(m->list_unsubscribe, err) < 0)
		return -1;
	if (!kind_valid(m->kind))
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "kind: must look like area.what (lower-case letters, digits, _)");
	if (m->reply_to && *m->reply_to && check_address("reply_to", m->reply_to, err) < 0)
		return -1;
	if (m->lang && strcmp(m->lang, "de") && strcmp(m->lang, "en"))
		return mail_fail(err, MAIL_ERROR_INVALID, "lang: must be de or en");
	if (m->n_attachments && !m->attachments)
		return mail_fail(err, MAIL_ERROR_INVALID, "attachments: missing");
	for (size_t i = 0; i < m->n_attachments; i++)
		if (check_attachment(&m->attachments[i], &total, err) < 0)
			return -1;
	if (check_address("from", s->from_addr, err) < 0 ||
	    check_header_value("from_name", s->from_name, MAIL_NAME_MAX_BYTES, false, err) < 0)
		return -1;
	if (s->reply_to && *s->reply_to && check_address("reply_to", s->reply_to, err) < 0)
		return -1;
	if (check_header_value("message_id", message_id, 250, true, err) < 0)
		return -1;
	if (strpbrk(message_id, " <>\t") || !strchr(message_id, '@'))
		return mail_fail(err, MAIL_ERROR_INVALID,
				 "message_id: must look like random@host, without angle brackets");
	return 0;
}

/* ---- composing --------------------------------------------------------- */

char *mail_url_host(const char *url)
{
	g_autoptr(GUri) u = url ? g_uri_parse(url, G_URI_FLAGS_NONE, NULL) : NULL;
	g_autofree char *host = u && g_uri_get_host(u) ? g_ascii_strdown(g_uri_get_host(u), -1)
						       : NULL;
	bool ok = host && *host && g_ascii_isalnum(host[0]) && strlen(host) <= 200;

	for (const char *p = host; ok && *p; p++)
		ok = g_ascii_isalnum(*p) || *p == '.' || *p == '-';
	return ok ? g_steal_pointer(&host) : g_strdup("localhost");
}

char *mail_message_id_new(const char *base_url)
{
	g_autofree char *rnd = token_random(18);
	g_autofree char *host = mail_url_host(base_url);
	return g_strdup_printf("%s@%s", rnd, host);
}

/* Line ends as one '\n' (the writer turns them into CRLF). Newly allocated. */
static char *normalise_newlines(const char *s)
{
	GString *out = g_string_sized_new(strlen(s) + 1);

	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

static GMimeObject *text_part(const char *subtype, const char *text)
{
	g_autofree char *norm = normalise_newlines(text);
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(norm, strlen(norm));
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(w);
	g_object_unref(st);
	return GMIME_OBJECT(part);
}

static GMimeObject *attachment_part(const mail_attachment *a)
{
	GMimeContentType *ct = g_mime_content_type_parse(NULL, a->media_type);
	GMimePart *part = g_mime_part_new();
	gsize len;
	const guint8 *data = g_bytes_get_data(a->data, &len);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_object_set_content_type(GMIME_OBJECT(part), ct);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, a->filename);
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(w);
	g_object_unref(st);
	g_object_unref(ct);
	return GMIME_OBJECT(part);
}

static void add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
			const char *addr)
{
	InternetAddress *ia = internet_address_mailbox_new(name && *name ? name : NULL, addr);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
	g_object_unref(ia);
}

GBytes *mail_compose(const mail_message *m, const mail_sender *s, const char *message_id,
		     GDateTime *date, GError **err)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GMimeFormatOptions *fo;
	GMimeStream *out;
	GByteArray *bytes;
	g_autoptr(GDateTime) now = NULL, local = NULL;
	const char *reply_to = m->reply_to && *m->reply_to ? m->reply_to : s->reply_to;

	mail_init();
	if (check_message(m, s, message_id, err) < 0)
		return NULL;

	msg = g_mime_message_new(TRUE);
	if (!date)
		date = now = g_date_time_new_now_utc();
	local = g_date_time_to_timezone(date, format_zone());
	g_mime_message_set_date(msg, local);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, s->from_name, s->from_addr);
	if (reply_to && *reply_to)
		add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, reply_to);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to_addr);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	g_mime_message_set_message_id(msg, message_id);
	if (!m->written_by_person)
		g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
	if (m->list_unsubscribe && *m->list_unsubscribe) {
		g_autofree char *v = g_strdup_printf("<%s>", m->list_unsubscribe);
		g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe", v, NULL);
		/* RFC 8058: one click, answered by a POST without a login. */
		if (!g_str_has_prefix(m->list_unsubscribe, "mailto:"))
			g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe-Post",
						 "List-Unsubscribe=One-Click", NULL);
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "Content-Language",
				 m->lang && !strcmp(m->lang, "en") ? "en" : "de", NULL);

	body = text_part("plain", m->text);
	if (m->html && *m->html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		GMimeObject *html = text_part("html", m->html);
		g_mime_multipart_add(alt, body);
		g_mime_multipart_add(alt, html);
		g_object_unref(body);
		g_object_unref(html);
		body = GMIME_OBJECT(alt);
	}
	if (m->n_attachments) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, body);
		g_object_unref(body);
		for (size_t i = 0; i < m->n_attachments; i++) {
			GMimeObject *a = attachment_part(&m->attachments[i]);
			g_mime_multipart_add(mixed, a);
			g_object_unref(a);
		}
		body = GMIME_OBJECT(mixed);
	}
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_format_options_set_param_encoding_method(fo, GMIME_PARAM_ENCODING_METHOD_RFC2231);
	bytes = g_byte_array_new();
	out = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, out) < 0 ||
	    g_mime_stream_flush(out) < 0) {
		g_object_unref(out);
		g_byte_array_unref(bytes);
		g_mime_format_options_free(fo);
		g_object_unref(msg);
		mail_fail(err, MAIL_ERROR_INVALID, "message: GMime could not write it");
		return NULL;
	}
	g_object_unref(out);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return g_byte_array_free_to_bytes(bytes);
}

/* ---- reading ------------------------------------------------------------ */

/* Valid UTF-8 with '\n' line ends. Newly allocated. */
static char *clean_text(const char *s, gssize len)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", s ? len : 0);
	return normalise_newlines(valid);
}

/* A part's decoded content (transfer encoding undone), in UTF-8 when
 * to_utf8. Newly allocated; *len_out gets the byte count. */
static char *part_content(GMimePart *part, bool to_utf8, gsize *len_out)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *arr;
	char *out;

	*len_out = 0;
	if (!w)
		return g_strdup("");
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*len_out = arr->len;
	if (to_utf8) {
		const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
		g_autofree char *conv = NULL;
		if (cs && g_ascii_strcasecmp(cs, "utf-8") && g_ascii_strcasecmp(cs, "us-ascii"))
			conv = g_convert((const char *)arr->data, arr->len, "UTF-8",
					 g_mime_charset_iconv_name(cs), NULL, NULL, NULL);
		out = conv ? clean_text(conv, -1) : clean_text((const char *)arr->data, (gssize)arr->len);
	} else {
		out = NULL;
	}
	g_object_unref(mem);
	return out;
}

typedef struct describe_state {
	json_t *attachments;
	char *text;
	bool has_html;
} describe_state;

static void describe_part(GMimeObject *parent, GMimeObject *obj, gpointer ud)
{
	describe_state *st = ud;
	GMimeContentType *ct;
	GMimePart *part;
	gsize size = 0;

	(void)parent;
	if (!GMIME_IS_PART(obj))
		return;
	part = GMIME_PART(obj);
	ct = g_mime_object_get_content_type(obj);
	if (g_mime_part_is_attachment(part) || g_mime_part_get_filename(part)) {
		g_autofree char *type = g_mime_content_type_get_mime_type(ct);
		const char *name = g_mime_part_get_filename(part);
		g_autofree char *lower = g_ascii_strdown(type, -1);
		g_free(part_content(part, false, &size));
		json_array_append_new(st->attachments,
				      json_pack("{s:s%,s:s,s:I}", "filename", name ? name : "",
						name ? strlen(name) : 0, "media_type", lower, "size",
						(json_int_t)size));
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "plain") && !st->text) {
		st->text = part_content(part, true, &size);
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "html"))
		st->has_html = true;
}

static json_t *string_or_empty(const char *s)
{
	g_autofree char *v = g_utf8_make_valid(s ? s : "", -1);
	return json_string(v);
}

/* A header's value for display: address headers as their parsed, decoded
 * list; every other value decoded (GMime) with folding white space
 * collapsed. Newly allocated. */
static char *header_display(GMimeHeader *h)
{
	static const char *const address_headers[] = {"From", "To", "Cc", "Bcc", "Reply-To",
						      "Sender"};
	const char *name = g_mime_header_get_name(h);
	const char *value = g_mime_header_get_value(h);
	GString *out = g_string_new(NULL);
	bool space = false;

	for (size_t i = 0; i < G_N_ELEMENTS(address_headers); i++) {
		if (!g_ascii_strcasecmp(name, address_headers[i])) {
			InternetAddressList *l = internet_address_list_parse(NULL,
				g_mime_header_get_raw_value(h));
			if (l) {
				char *s = internet_address_list_to_string(l, NULL, FALSE);
				g_object_unref(l);
				g_string_free(out, TRUE);
				return s;
			}
			break;
		}
	}
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static void add_headers(json_t *list, GMimeHeaderList *hl)
{
	for (int i = 0; hl && i < g_mime_header_list_get_count(hl); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		g_autofree char *v = header_display(h);
		json_array_append_new(list, json_pack("{s:o,s:o}", "name",
						      string_or_empty(g_mime_header_get_name(h)),
						      "value", string_or_empty(v)));
	}
}

json_t *mail_describe(const void *data, size_t len, GError **err)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeHeaderList *hl;
	describe_state ds = {.attachments = json_array()};
	json_t *headers = json_array(), *out;
	const char *date;

	mail_init();
	st = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	if (!msg || !g_mime_message_get_mime_part(msg)) {
		if (msg)
			g_object_unref(msg);
		json_decref(ds.attachments);
		json_decref(headers);
		mail_fail(err, MAIL_ERROR_PARSE, "message: not a readable e-mail message");
		return NULL;
	}
	/* The message's own headers, then those GMime files under its top
	 * part (Content-Type, Content-Transfer-Encoding, Content-Language). */
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	add_headers(headers, hl);
	hl = g_mime_object_get_header_list(g_mime_message_get_mime_part(msg));
	add_headers(headers, hl);
	g_mime_message_foreach(msg, describe_part, &ds);
	{
		g_autofree char *from = internet_address_list_to_string(
			g_mime_message_get_from(msg), NULL, FALSE);
		g_autofree char *to = internet_address_list_to_string(
			g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), NULL, FALSE);
		g_autofree char *reply = internet_address_list_to_string(
			g_mime_message_get_reply_to(msg), NULL, FALSE);
		date = g_mime_object_get_header(GMIME_OBJECT(msg), "Date");
		out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "message_id",
				string_or_empty(g_mime_message_get_message_id(msg)), "subject",
				string_or_empty(g_mime_message_get_subject(msg)), "from",
				string_or_empty(from), "to", string_or_empty(to), "reply_to",
				string_or_empty(reply), "date", string_or_empty(date), "headers",
				headers, "text", string_or_empty(ds.text), "has_html", ds.has_html,
				"attachments", ds.attachments);
	}
	g_free(ds.text);
	g_object_unref(msg);
	return out;
}
