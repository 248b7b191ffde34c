/*
 * test_mail.c — unit tests of mail composition (src/out/mail.c) and the
 * outbox (src/out/outbox.c): the composed bytes parsed back with GMime and
 * the exact encodings of umlaut subjects and names, CR/LF injection refused
 * in every header input, the Message-ID made once and kept, the outbox
 * joining its caller's transaction (and vanishing with its rollback), the
 * delivery job into the development folder and its retry after a failed
 * SMTP connection (the failure hook), sending a failed mail again, and the
 * region scope. SMTP answers themselves (4xx, 5xx, a dropped connection) are
 * tested against the real test server in tests/http/test_mail.py.
 *
 * Runs on the backend the environment chooses (tests/unit/test_dbenv.h).
 */
#include <gio/gio.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/token.h"
#include "db/db.h"
#include "jobs/job.h"
#include "out/mail.h"
#include "out/outbox.h"
#include "test_dbenv.h"
#include "view/format.h"

/* 2026-11-26T13:30:00Z */
#define T0 INT64_C(1795699800)

static int64_t fake_now = T0;

static int64_t fake_clock(void)
{
	return fake_now;
}

/* ---- composition ------------------------------------------------------- */

static const mail_sender SENDER = {
	.from_addr = "bireg@bildung.example.org",
	.from_name = "Geschäftsstelle der Bildungsregion Duisburg",
	.reply_to = "buero@bildung.example.org",
};

static GDateTime *t0(void)
{
	return g_date_time_new_from_unix_utc(T0);
}

static GBytes *compose_ok(const mail_message *m, const char *message_id)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDateTime) date = t0();
	GBytes *b = mail_compose(m, &SENDER, message_id, date, &err);
	g_assert_no_error(err);
	g_assert_nonnull(b);
	return b;
}

/* The bytes as a string (NUL-terminated copy). */
static char *text_of(GBytes *b)
{
	gsize len;
	const char *p = g_bytes_get_data(b, &len);
	return g_strndup(p, len);
}

static GMimeMessage *parse(GBytes *b)
{
	gsize len;
	const char *p = g_bytes_get_data(b, &len);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(p, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	g_assert_nonnull(msg);
	return msg;
}

/* Every line ends in CRLF: no bare LF, no bare CR. */
static void assert_crlf(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\n')
			g_assert_true(p > s && p[-1] == '\r');
		if (*p == '\r')
			g_assert_true(p[1] == '\n');
	}
}

static void test_compose_headers(void)
{
	mail_message m = {
		.to_addr = "anna.mueller@example.org",
		.to_name = "Anna Müller",
		.subject = "Prüfung der Maßnahmen",
		.text = "Guten Tag,\r\nhier ist der Text.\nÄußerst wichtig.\n",
		.kind = "test.mail",
	};
	g_autoptr(GBytes) b = compose_ok(&m, "abc123@bildung.example.org");
	g_autofree char *s = text_of(b);
	GMimeMessage *msg = parse(b);
	InternetAddressList *from = g_mime_message_get_from(msg);
	InternetAddressList *to = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
	InternetAddressList *reply = g_mime_message_get_reply_to(msg);
	g_autoptr(GError) err = NULL;
	json_t *d;

	/* The exact encodings (RFC 2047, UTF-8). */
	g_assert_nonnull(strstr(s, "\r\nSubject: =?UTF-8?B?UHLDvGZ1bmcgZGVyIE1hw59uYWhtZW4=?=\r\n"));
	g_assert_nonnull(strstr(s, "\r\nTo: Anna =?UTF-8?b?TcO8bGxlcg==?= <anna.mueller@example.org>\r\n"));
	g_assert_nonnull(strstr(s, "From: =?UTF-8?q?Gesch=C3=A4ftsstelle?= der Bildungsregion Duisburg\r\n"
				   "\t<bireg@bildung.example.org>\r\n"));
	g_assert_nonnull(strstr(s, "\r\nReply-To: buero@bildung.example.org\r\n"));
	g_assert_nonnull(strstr(s, "Date: Thu, 26 Nov 2026 14:30:00 +0100\r\n"));
	g_assert_nonnull(strstr(s, "\r\nMessage-Id: <abc123@bildung.example.org>\r\n"));
	g_assert_nonnull(strstr(s, "\r\nAuto-Submitted: auto-generated\r\n"));
	g_assert_nonnull(strstr(s, "\r\nContent-Language: de\r\n"));
	g_assert_nonnull(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
	g_assert_nonnull(strstr(s, "Content-Type: text/plain; charset=utf-8\r\n"));
	g_assert_nonnull(strstr(s, "Content-Transfer-Encoding: quoted-printable\r\n"));
	g_assert_null(strstr(s, "List-Unsubscribe"));
	/* Not a byte outside ASCII in the whole message. */
	for (const char *p = s; *p; p++)
		g_assert_cmpint((unsigned char)*p, <, 0x80);
	assert_crlf(s);

	/* Parsed back by GMime: everything decodes to what went in. */
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==, "Prüfung der Maßnahmen");
	g_assert_cmpint(internet_address_list_length(from), ==, 1);
	g_assert_cmpstr(internet_address_get_name(internet_address_list_get_address(from, 0)), ==,
			"Geschäftsstelle der Bildungsregion Duisburg");
	g_assert_cmpstr(internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(from, 0))),
			==, "bireg@bildung.example.org");
	g_assert_cmpstr(internet_address_get_name(internet_address_list_get_address(to, 0)), ==,
			"Anna Müller");
	g_assert_cmpstr(internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(reply, 0))),
			==, "buero@bildung.example.org");
	g_assert_cmpstr(g_mime_message_get_message_id(msg), ==, "abc123@bildung.example.org");
	g_object_unref(msg);

	/* And through mail_describe, as the office's views show it. */
	d = mail_describe(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(d, "subject")), ==, "Prüfung der Maßnahmen");
	g_assert_cmpstr(json_string_value(json_object_get(d, "text")), ==,
			"Guten Tag,\nhier ist der Text.\nÄußerst wichtig.\n");
	g_assert_cmpstr(json_string_value(json_object_get(d, "message_id")), ==,
			"abc123@bildung.example.org");
	g_assert_nonnull(strstr(json_string_value(json_object_get(d, "to")), "Anna Müller"));
	g_assert_false(json_is_true(json_object_get(d, "has_html")));
	g_assert_cmpint(json_array_size(json_object_get(d, "attachments")), ==, 0);
	{
		/* Headers of the top part are listed too, decoded. */
		bool lang = false, subject = false;
		size_t i;
		json_t *h;
		json_array_foreach(json_object_get(d, "headers"), i, h) {
			const char *n = json_string_value(json_object_get(h, "name"));
			const char *v = json_string_value(json_object_get(h, "value"));
			if (!strcmp(n, "Content-Language"))
				lang = !strcmp(v, "de");
			if (!strcmp(n, "Subject"))
				subject = !strcmp(v, "Prüfung der Maßnahmen");
		}
		g_assert_true(lang);
		g_assert_true(subject);
	}
	json_decref(d);
}

static void test_compose_structure(void)
{
	static const guint8 pdf[] = "%PDF-1.4\n\x00\x01\x02\xff\xfe binary \r\n\r\n.\r\n%%EOF";
	const char *ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
	g_autoptr(GBytes) pdf_b = g_bytes_new(pdf, sizeof pdf);
	g_autoptr(GBytes) ics_b = g_bytes_new(ics, strlen(ics));
	mail_attachment atts[] = {
		{"Bericht März 2026 – Übersicht.pdf", "application/pdf", pdf_b},
		{"Einladung Lenkungskreis.ics", "text/calendar; method=REQUEST", ics_b},
	};
	mail_message m = {
		.to_addr = "anna@example.org",
		.subject = "Einladung",
		.text = "Text\n.\nmit Punktzeile\n",
		.html = "<p>Text</p>",
		.attachments = atts,
		.n_attachments = 2,
		.kind = "meeting.invitation",
		.lang = "en",
		.list_unsubscribe = "https://bildung.example.org/abmelden/xyz",
		.written_by_person = true,
	};
	g_autoptr(GBytes) b = compose_ok(&m, "id1@bildung.example.org");
	g_autofree char *s = text_of(b);
	GMimeMessage *msg = parse(b);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeMultipart *mixed, *alt;
	GMimeObject *a1, *a2;
	g_autoptr(GError) err = NULL;
	json_t *d;

	assert_crlf(s);
	g_assert_nonnull(strstr(s, "\r\nList-Unsubscribe: <https://bildung.example.org/abmelden/xyz>\r\n"));
	g_assert_nonnull(strstr(s, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	g_assert_null(strstr(s, "Auto-Submitted"));
	g_assert_nonnull(strstr(s, "\r\nContent-Language: en\r\n"));
	/* RFC 2231 for the umlaut file name. */
	g_assert_nonnull(strstr(s, "UTF-8''Bericht%20M%C3%A4rz%202026%20%E2%80%93%20%C3%9Cbersicht.pdf"));

	g_assert_true(GMIME_IS_MULTIPART(top));
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(top), "multipart", "mixed"));
	mixed = GMIME_MULTIPART(top);
	g_assert_cmpint(g_mime_multipart_get_count(mixed), ==, 3);
	g_assert_true(GMIME_IS_MULTIPART(g_mime_multipart_get_part(mixed, 0)));
	alt = GMIME_MULTIPART(g_mime_multipart_get_part(mixed, 0));
	g_assert_true(g_mime_content_type_is_type(
		g_mime_object_get_content_type(GMIME_OBJECT(alt)), "multipart", "alternative"));
	g_assert_true(g_mime_content_type_is_type(
		g_mime_object_get_content_type(g_mime_multipart_get_part(alt, 0)), "text", "plain"));
	g_assert_true(g_mime_content_type_is_type(
		g_mime_object_get_content_type(g_mime_multipart_get_part(alt, 1)), "text", "html"));
	a1 = g_mime_multipart_get_part(mixed, 1);
	a2 = g_mime_multipart_get_part(mixed, 2);
	g_assert_cmpstr(g_mime_part_get_filename(GMIME_PART(a1)), ==, "Bericht März 2026 – Übersicht.pdf");
	g_assert_true(g_mime_part_is_attachment(GMIME_PART(a1)));
	g_assert_cmpstr(g_mime_content_type_get_parameter(g_mime_object_get_content_type(a2), "method"),
			==, "REQUEST");
	{
		/* The attachment's bytes come back exactly. */
		GMimeStream *out = g_mime_stream_mem_new();
		GByteArray *arr;
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(a1)), out);
		arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		g_assert_cmpmem(arr->data, arr->len, pdf, sizeof pdf);
		g_object_unref(out);
	}
	g_object_unref(msg);

	d = mail_describe(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &err);
	g_assert_no_error(err);
	g_assert_true(json_is_true(json_object_get(d, "has_html")));
	g_assert_cmpstr(json_string_value(json_object_get(d, "text")), ==, "Text\n.\nmit Punktzeile\n");
	g_assert_cmpint(json_array_size(json_object_get(d, "attachments")), ==, 2);
	{
		json_t *x = json_array_get(json_object_get(d, "attachments"), 0);
		g_assert_cmpstr(json_string_value(json_object_get(x, "filename")), ==,
				"Bericht März 2026 – Übersicht.pdf");
		g_assert_cmpstr(json_string_value(json_object_get(x, "media_type")), ==, "application/pdf");
		g_assert_cmpint(json_integer_value(json_object_get(x, "size")), ==, sizeof pdf);
	}
	json_decref(d);
}

static void assert_refused(mail_message *m, const mail_sender *s, int code, const char *field)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDateTime) date = t0();
	g_autoptr(GBytes) b = mail_compose(m, s ? s : &SENDER, "x1@bildung.example.org", date, &err);
	g_autofree char *prefix = g_strconcat(field, ":", NULL);

	g_assert_null(b);
	g_assert_error(err, BIREG_MAIL_ERROR, code);
	if (!g_str_has_prefix(err->message, prefix))
		g_error("expected the error to name %s, got: %s", field, err->message);
}

static mail_message plain(void)
{
	return (mail_message){
		.to_addr = "anna@example.org",
		.to_name = "Anna",
		.subject = "Betreff",
		.text = "Text",
		.kind = "test.mail",
	};
}

static void test_compose_injection(void)
{
	static const char *const breaks[] = {"\r\nBcc: x@evil.example", "\nBcc: x@evil.example",
					     "\rBcc: x@evil.example", "x\r\n\r\nbody"};
	g_autoptr(GBytes) data = g_bytes_new_static("x", 1);

	for (size_t i = 0; i < G_N_ELEMENTS(breaks); i++) {
		g_autofree char *subject = g_strconcat("Betreff", breaks[i], NULL);
		g_autofree char *name = g_strconcat("Anna", breaks[i], NULL);
		g_autofree char *addr = g_strconcat("anna@example.org", breaks[i], NULL);
		g_autofree char *url = g_strconcat("https://x.example/a", breaks[i], NULL);
		g_autofree char *fname = g_strconcat("datei", breaks[i], ".pdf", NULL);
		g_autofree char *mtype = g_strconcat("application/pdf", breaks[i], NULL);
		mail_message m = plain();
		m.subject = subject;
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "subject");
		m = plain();
		m.to_name = name;
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "to_name");
		m = plain();
		m.to_addr = addr;
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "to_addr");
		m = plain();
		m.reply_to = addr;
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "reply_to");
		m = plain();
		m.list_unsubscribe = url;
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "list_unsubscribe");
		{
			mail_attachment a = {fname, "application/pdf", data};
			m = plain();
			m.attachments = &a;
			m.n_attachments = 1;
			assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "attachments.filename");
		}
		{
			mail_attachment a = {"datei.pdf", mtype, data};
			m = plain();
			m.attachments = &a;
			m.n_attachments = 1;
			assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "attachments.media_type");
		}
		{
			mail_sender s = SENDER;
			s.from_name = name;
			m = plain();
			assert_refused(&m, &s, MAIL_ERROR_HEADER_INJECTION, "from_name");
		}
	}
	/* Other control characters too. */
	{
		mail_message m = plain();
		m.subject = "Betreff\x01mit Steuerzeichen";
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "subject");
		m = plain();
		m.to_name = "Anna\xc2\x85"; /* U+0085 NEXT LINE */
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "to_name");
		m = plain();
		m.subject = "Betreff\xe2\x80\xa8zwei"; /* U+2028 LINE SEPARATOR */
		assert_refused(&m, NULL, MAIL_ERROR_HEADER_INJECTION, "subject");
	}
	/* Line breaks in the text are fine: that is the body. */
	{
		mail_message m = plain();
		m.text = "Zeile 1\r\nBcc: nicht@kopf.example\r\n";
		g_autoptr(GBytes) b = compose_ok(&m, "ok1@bildung.example.org");
		g_autofree char *s = text_of(b);
		GMimeMessage *msg = parse(b);
		g_assert_null(g_mime_object_get_header(GMIME_OBJECT(msg), "Bcc"));
		g_assert_nonnull(strstr(s, "\r\n\r\nZeile 1\r\nBcc: nicht@kopf.example\r\n"));
		g_object_unref(msg);
	}
}

static void test_compose_invalid(void)
{
	static const guint8 one[] = "x";
	g_autoptr(GBytes) data = g_bytes_new_static(one, 1);
	mail_message m;

	m = plain();
	m.to_addr = "keine adresse";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "to_addr");
	m = plain();
	m.to_addr = NULL;
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "to_addr");
	m = plain();
	m.subject = "";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "subject");
	m = plain();
	m.text = NULL;
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "text");
	m = plain();
	m.text = "\xff\xfe kaputt";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "text");
	m = plain();
	m.kind = "Kein Kind";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "kind");
	m = plain();
	m.kind = NULL;
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "kind");
	m = plain();
	m.lang = "fr";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "lang");
	m = plain();
	m.list_unsubscribe = "javascript:alert(1)";
	assert_refused(&m, NULL, MAIL_ERROR_INVALID, "list_unsubscribe");
	{
		g_autofree char *longsub = g_strnfill(MAIL_SUBJECT_MAX_BYTES + 1, 'x');
		m = plain();
		m.subject = longsub;
		assert_refused(&m, NULL, MAIL_ERROR_INVALID, "subject");
	}
	{
		mail_attachment a = {"datei.pdf", "kein typ", data};
		m = plain();
		m.attachments = &a;
		m.n_attachments = 1;
		assert_refused(&m, NULL, MAIL_ERROR_INVALID, "attachments.media_type");
	}
	{
		mail_attachment a = {"../../etc/passwd", "text/plain", data};
		m = plain();
		m.attachments = &a;
		m.n_attachments = 1;
		assert_refused(&m, NULL, MAIL_ERROR_INVALID, "attachments.filename");
	}
	{
		mail_attachment a = {"a.txt", "multipart/mixed", data};
		m = plain();
		m.attachments = &a;
		m.n_attachments = 1;
		assert_refused(&m, NULL, MAIL_ERROR_INVALID, "attachments.media_type");
	}
	{
		mail_sender s = SENDER;
		s.from_addr = "";
		m = plain();
		assert_refused(&m, &s, MAIL_ERROR_INVALID, "from");
	}
}

static void test_address_valid(void)
{
	static const char *const good[] = {"a@b.de", "anna.mueller+x@example.org", "bireg@localhost",
					   "o'brien@example.ie", "x_y-z@sub.domain.example"};
	static const char *const bad[] = {"", "a", "@b.de", "a@", "a@b", "a b@c.de", "a@b@c.de",
					  "<a@b.de>", "a@b.de>", "\"a\"@b.de", "a@-b.de", "a@b.de.",
					  ".a@b.de", "a.@b.de", "a..b@c.de", "müller@example.org",
					  "a@exämple.org", "a,b@c.de", "a@b_c.de"};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(mail_address_valid(good[i]));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		if (mail_address_valid(bad[i]))
			g_error("%s was taken for an address", bad[i]);
	g_assert_false(mail_address_valid(NULL));
}

static void test_message_id(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *v6 = mail_message_id_new("http://[::1]:8080");
	g_autofree char *none = mail_message_id_new(NULL);

	for (int i = 0; i < 1000; i++) {
		char *id = mail_message_id_new("https://Bildung.Example.org:8443/pfad");
		g_assert_true(g_str_has_suffix(id, "@bildung.example.org"));
		g_assert_cmpint(strlen(id), ==, 24 + strlen("@bildung.example.org"));
		for (const char *p = id; *p != '@'; p++)
			g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
		g_assert_false(g_hash_table_contains(seen, id));
		g_hash_table_add(seen, id);
	}
	g_assert_true(g_str_has_suffix(v6, "@localhost"));
	g_assert_true(g_str_has_suffix(none, "@localhost"));
}

static void test_describe_garbage(void)
{
	g_autoptr(GError) err = NULL;
	json_t *d = mail_describe("", 0, &err);
	g_assert_null(d);
	g_assert_error(err, BIREG_MAIL_ERROR, MAIL_ERROR_PARSE);
	g_clear_error(&err);
	/* Some bytes that are not quite mail still come back without a crash. */
	d = mail_describe("\xff\xfe\x00garbage: \x80\r\n\r\nbody", 22, &err);
	json_decref(d);
}

/* ---- settings ---------------------------------------------------------------- */

static void test_config(void)
{
	static const char *const vars[] = {"BIREG_CONFIG", "BIREG_SMTP_URL", "BIREG_SMTP_USER",
					   "BIREG_SMTP_PASSWORD", "BIREG_SMTP_STARTTLS",
					   "BIREG_MAIL_FROM", "BIREG_MAIL_DEV_DIR", "BIREG_MAIL_TIMEOUT"};
	static const struct {
		const char *var, *value, *key;
	} bad[] = {
		{"BIREG_SMTP_URL", "http://mail.example.org", "mail.smtp_url"},
		{"BIREG_SMTP_STARTTLS", "sometimes", "mail.starttls"},
		{"BIREG_MAIL_FROM", "Bireg <bireg@example.org>", "mail.from"},
		{"BIREG_MAIL_FROM", "keine-adresse", "mail.from"},
		{"BIREG_MAIL_TIMEOUT", "0", "mail.timeout"},
		{"BIREG_MAIL_TIMEOUT", "121", "mail.timeout"},
		{"BIREG_SMTP_USER", "a\nb", "mail.smtp_url, mail.smtp_user"},
		{"BIREG_MAIL_DEV_DIR", "", "mail.dev_dir"},
	};
	bireg_config c;
	g_autoptr(GError) err = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		g_unsetenv(vars[i]);
	/* Defaults: no SMTP, the development folder, STARTTLS required. */
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_cmpstr(c.smtp_url, ==, "");
	g_assert_cmpstr(c.smtp_starttls, ==, "required");
	g_assert_cmpstr(c.mail_from, ==, "");
	g_assert_cmpstr(c.mail_dev_dir, ==, "var/mail");
	g_assert_cmpint(c.mail_timeout, ==, 30);
	config_clear(&c);

	g_setenv("BIREG_SMTP_URL", "smtps://relay:secret@mail.example.org:465", TRUE);
	g_setenv("BIREG_SMTP_USER", "relay", TRUE);
	g_setenv("BIREG_SMTP_PASSWORD", "sehr-geheim", TRUE);
	g_setenv("BIREG_SMTP_STARTTLS", "opportunistic", TRUE);
	g_setenv("BIREG_MAIL_FROM", "bildungsregion@example.org", TRUE);
	g_setenv("BIREG_MAIL_TIMEOUT", "12", TRUE);
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpstr(c.smtp_user, ==, "relay");
	g_assert_cmpstr(c.smtp_starttls, ==, "opportunistic");
	g_assert_cmpint(c.mail_timeout, ==, 12);
	/* --check-config never prints the password, nor a URL with a login. */
	out = open_memstream(&buf, &len);
	config_print(&c, out);
	fclose(out);
	g_assert_null(strstr(buf, "sehr-geheim"));
	g_assert_null(strstr(buf, "secret"));
	g_assert_nonnull(strstr(buf, "mail.smtp_password = (set, not shown)"));
	g_assert_nonnull(strstr(buf, "mail.from = bildungsregion@example.org"));
	free(buf);
	config_clear(&c);
	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		g_unsetenv(vars[i]);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_setenv(bad[i].var, bad[i].value, TRUE);
		g_assert_cmpint(config_load(&c, NULL, &err), ==, -1);
		if (!strstr(err->message, bad[i].key))
			g_error("%s=%s: the error does not name %s: %s", bad[i].var, bad[i].value,
				bad[i].key, err->message);
		g_clear_error(&err);
		g_unsetenv(bad[i].var);
	}
}

/* ---- the outbox ------------------------------------------------------------ */

typedef struct {
	db *d;
	bireg_ctx ctx;     /* region a */
	bireg_ctx ctx_b;   /* region b */
	char *dev_dir;
} fixture;

static void setup_outbox(fixture *f, const char *smtp_url)
{
	bireg_config cfg = {0};
	cfg.smtp_url = (char *)(smtp_url ? smtp_url : "");
	cfg.smtp_user = (char *)"";
	cfg.smtp_password = (char *)"";
	cfg.smtp_starttls = (char *)"off";
	cfg.mail_from = (char *)"bireg@bildung.example.org";
	cfg.mail_dev_dir = f->dev_dir;
	cfg.base_url = (char *)"https://bildung.example.org";
	cfg.mail_timeout = 5;
	outbox_setup(&cfg);
}


static char *query_text(db *d, const char *sql, int64_t param)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, param);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	return g_strdup(db_col_text(st, 0));
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fake_now = T0;
	job_set_clock_for_tests(fake_clock);
	f->dev_dir = g_dir_make_tmp("bireg-mail-XXXXXX", &err);
	g_assert_no_error(err);
	setup_outbox(f, NULL);
	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
	test_db_exec(f->d, "INSERT INTO region (id, slug, name, office_name, email, created_at, updated_at) "
		      "VALUES (1, 'alpha', 'Bildungsregion Alpha', 'Geschäftsstelle Alpha', "
		      "'buero@alpha.example', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), "
		      "(2, 'beta', 'Bildungsregion Beta', NULL, NULL, '2026-01-01T00:00:00Z', "
		      "'2026-01-01T00:00:00Z')");
	f->ctx = (bireg_ctx){.db = f->d, .region_id = 1};
	f->ctx_b = (bireg_ctx){.db = f->d, .region_id = 2};
	db_set_region(f->d, 1);
}

static void rm_rf(const char *path)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileEnumerator) en = g_file_enumerate_children(
		file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
		G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
	GFileInfo *info;

	while (en && (info = g_file_enumerator_next_file(en, NULL, NULL))) {
		g_autofree char *child = g_build_filename(path, g_file_info_get_name(info), NULL);
		if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY)
			rm_rf(child);
		else
			g_unlink(child);
		g_object_unref(info);
	}
	g_rmdir(path);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
	job_set_clock_for_tests(NULL);
	rm_rf(f->dev_dir);
	g_free(f->dev_dir);
}

static int64_t enqueue_ok(fixture *f, const bireg_ctx *ctx, const char *to, const char *subject)
{
	g_autoptr(GError) err = NULL;
	int64_t id = 0;
	mail_message m = {
		.to_addr = to,
		.to_name = "Anna Müller",
		.subject = subject,
		.text = "Guten Tag,\nein Test.\n",
		.kind = "test.mail",
	};
	g_assert_cmpint(outbox_enqueue(ctx, &m, &id, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* Runs every due job; returns how many ran. */
static int run_jobs(fixture *f)
{
	g_autoptr(GError) err = NULL;
	int n = 0, r;
	while ((r = job_run_next(f->d, "test-node", &err)) > 0)
		n++;
	g_assert_no_error(err);
	g_assert_cmpint(r, ==, 0);
	db_set_region(f->d, 1);
	return n;
}

static json_t *get_ok(fixture *f, int64_t id)
{
	g_autoptr(GError) err = NULL;
	json_t *m = outbox_get(&f->ctx, id, &err);
	g_assert_no_error(err);
	g_assert_nonnull(m);
	return m;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void test_enqueue_stored(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = enqueue_ok(f, &f->ctx, "anna@example.org", "Prüfung der Maßnahmen");
	json_t *m = get_ok(f, id);
	g_autoptr(GBytes) mime1 = outbox_get_mime(&f->ctx, id, &err);
	g_autoptr(GBytes) mime2 = outbox_get_mime(&f->ctx, id, &err);
	g_autofree char *payload = NULL;
	GMimeMessage *msg;

	g_assert_cmpstr(jstr(m, "status"), ==, "queued");
	g_assert_cmpstr(jstr(m, "kind"), ==, "test.mail");
	g_assert_cmpstr(jstr(m, "to_addr"), ==, "anna@example.org");
	g_assert_cmpstr(jstr(m, "to_name"), ==, "Anna Müller");
	g_assert_cmpstr(jstr(m, "subject"), ==, "Prüfung der Maßnahmen");
	g_assert_cmpint(jint(m, "attempts"), ==, 0);
	g_assert_true(json_is_null(json_object_get(m, "sent_at")));
	g_assert_true(g_str_has_suffix(jstr(m, "message_id"), "@bildung.example.org"));
	g_assert_cmpint(jint(m, "size"), ==, g_bytes_get_size(mime1));
	/* The Message-ID is made once: the stored bytes carry it, and reading
	 * them again gives the same bytes. */
	g_assert_true(g_bytes_equal(mime1, mime2));
	msg = parse(mime1);
	g_assert_cmpstr(g_mime_message_get_message_id(msg), ==, jstr(m, "message_id"));
	/* From: the region's office name and mail.from; Reply-To its mailbox. */
	g_assert_cmpstr(internet_address_get_name(internet_address_list_get_address(
				g_mime_message_get_from(msg), 0)), ==, "Geschäftsstelle Alpha");
	g_assert_cmpstr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
				internet_address_list_get_address(g_mime_message_get_reply_to(msg), 0))),
			==, "buero@alpha.example");
	g_object_unref(msg);
	/* One delivery job, linked both ways. */
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE kind = 'mail.deliver'", 0), ==, 1);
	g_assert_cmpint(jint(m, "job_id"), ==,
			test_db_query_int(f->d, "SELECT id FROM job WHERE kind = 'mail.deliver'", 0));
	payload = query_text(f->d, "SELECT payload FROM job WHERE id = $1", jint(m, "job_id"));
	{
		/* (jsonb on PostgreSQL writes it its own way: compare parsed.) */
		json_t *p = json_loads(payload, 0, NULL);
		g_assert_nonnull(p);
		g_assert_cmpint(json_object_size(p), ==, 1);
		g_assert_cmpint(jint(p, "outbox_id"), ==, id);
		json_decref(p);
	}
	g_assert_cmpint(test_db_query_int(f->d, "SELECT region_id FROM job WHERE id = $1", jint(m, "job_id")),
			==, 1);
	json_decref(m);

	/* A region without an office name or mailbox: its name, no Reply-To. */
	db_set_region(f->d, 2);
	{
		int64_t idb = enqueue_ok(f, &f->ctx_b, "bob@example.org", "Beta");
		g_autoptr(GBytes) mb = outbox_get_mime(&f->ctx_b, idb, &err);
		GMimeMessage *mm = parse(mb);
		g_assert_cmpstr(internet_address_get_name(internet_address_list_get_address(
					g_mime_message_get_from(mm), 0)), ==, "Bildungsregion Beta");
		g_assert_cmpint(internet_address_list_length(g_mime_message_get_reply_to(mm)), ==, 0);
		g_object_unref(mm);
	}
}

static void test_enqueue_transaction(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = 0;
	mail_message bad = plain();

	/* Joined and rolled back: neither the mail nor its job remain. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	id = enqueue_ok(f, &f->ctx, "anna@example.org", "Im Rollback");
	g_assert_true(db_in_transaction(f->d));
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM mail_outbox", 0), ==, 1);
	db_rollback(f->d);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM mail_outbox", 0), ==, 0);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job", 0), ==, 0);
	g_assert_null(outbox_get(&f->ctx, id, &err));
	g_assert_no_error(err);

	/* Joined and committed with the caller. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	id = enqueue_ok(f, &f->ctx, "anna@example.org", "Im Commit");
	/* Bad input inside the transaction writes nothing and leaves it open. */
	bad.subject = "Betreff\r\nBcc: x@evil.example";
	g_assert_cmpint(outbox_enqueue(&f->ctx, &bad, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_MAIL_ERROR, MAIL_ERROR_HEADER_INJECTION);
	g_clear_error(&err);
	g_assert_true(db_in_transaction(f->d));
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM mail_outbox", 0), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job", 0), ==, 1);
	json_decref(get_ok(f, id));

	/* Without a region there is no sender. */
	{
		bireg_ctx none = {.db = f->d};
		mail_message m = plain();
		g_assert_cmpint(outbox_enqueue(&none, &m, NULL, &err), ==, -1);
		g_assert_error(err, BIREG_MAIL_ERROR, MAIL_ERROR_NO_REGION);
	}
}

static void test_deliver_dev_folder(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = enqueue_ok(f, &f->ctx, "anna@example.org", "In den Ordner");
	json_t *m;
	g_autofree char *dir = g_build_filename(f->dev_dir, "alpha", NULL);
	g_autofree char *name = NULL, *path = NULL, *content = NULL;
	g_autoptr(GBytes) mime = outbox_get_mime(&f->ctx, id, &err);
	g_autoptr(GBytes) read = NULL;
	gsize len;
	json_t *list;

	g_assert_cmpint(run_jobs(f), ==, 1);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "sent");
	g_assert_cmpstr(jstr(m, "last_response"), ==, OUTBOX_DEV_RESPONSE);
	g_assert_cmpint(jint(m, "attempts"), ==, 1);
	g_assert_false(json_is_null(json_object_get(m, "sent_at")));
	name = g_strdup_printf("%08" G_GINT64_FORMAT "-%s.eml", id, jstr(m, "message_id"));
	path = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_get_contents(path, &content, &len, NULL));
	g_assert_cmpmem(content, len, g_bytes_get_data(mime, NULL), g_bytes_get_size(mime));
	/* No temporary file left behind. */
	{
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		int n = 0;
		while (g_dir_read_name(d))
			n++;
		g_assert_cmpint(n, ==, 1);
	}
	json_decref(m);

	/* The admin's list and view of the folder. */
	list = outbox_dev_list("alpha", 10, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	g_assert_cmpstr(jstr(json_array_get(list, 0), "name"), ==, name);
	g_assert_cmpstr(jstr(json_array_get(list, 0), "subject"), ==, "In den Ordner");
	json_decref(list);
	read = outbox_dev_read("alpha", name, &err);
	g_assert_no_error(err);
	g_assert_true(g_bytes_equal(read, mime));
	/* Another region's folder is another folder; a missing one is empty. */
	list = outbox_dev_list("beta", 10, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);
	g_assert_null(outbox_dev_read("beta", name, &err));
	g_assert_no_error(err);
	/* Names that are not ours are never opened. */
	g_assert_false(outbox_dev_name_valid("../alpha/x@y.eml"));
	g_assert_false(outbox_dev_name_valid("00000001-x@y.txt"));
	g_assert_false(outbox_dev_name_valid(".00000001-x@y.eml"));
	g_assert_false(outbox_dev_name_valid("00000001-x/y@z.eml"));
	g_assert_false(outbox_dev_name_valid("00000001-noat.eml"));
	g_assert_true(outbox_dev_name_valid(name));
	g_assert_null(outbox_dev_read("alpha", "../../etc/passwd", &err));
	g_assert_no_error(err);
	/* A link with one of our names is neither listed nor followed. */
	{
		g_autofree char *link = g_build_filename(dir, "99999999-link@bildung.example.org.eml", NULL);
		g_assert_cmpint(symlink(path, link), ==, 0);
		g_assert_null(outbox_dev_read("alpha", "99999999-link@bildung.example.org.eml", &err));
		g_assert_no_error(err);
		list = outbox_dev_list("alpha", 10, &err);
		g_assert_cmpint(json_array_size(list), ==, 1);
		json_decref(list);
	}

	/* The job is done; nothing runs again. */
	g_assert_cmpint(run_jobs(f), ==, 0);
}

static int closed_port(void)
{
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
					     G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	int port;

	g_assert_true(g_socket_bind(s, any, TRUE, NULL));
	bound = g_socket_get_local_address(s, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_close(s, NULL);
	return port;
}

static void test_deliver_retry(fixture *f, gconstpointer data)
{
	g_autofree char *url = g_strdup_printf("smtp://127.0.0.1:%d", closed_port());
	int64_t id, job_id;
	g_autofree char *last_error = NULL;
	json_t *m, *list;
	g_autoptr(GError) err = NULL;

	setup_outbox(f, url);
	id = enqueue_ok(f, &f->ctx, "geheim.person@example.org", "Erst später");
	m = get_ok(f, id);
	job_id = jint(m, "job_id");
	json_decref(m);

	/* No server: a temporary failure. The row keeps what went wrong and
	 * counts the attempt; the job waits for its backoff. */
	g_assert_cmpint(run_jobs(f), ==, 1);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "queued");
	g_assert_cmpint(jint(m, "attempts"), ==, 1);
	g_assert_nonnull(strstr(jstr(m, "last_response"), "onnect"));
	g_assert_false(json_is_null(json_object_get(m, "last_attempt_at")));
	g_assert_cmpint(jint(m, "job_id"), ==, job_id);
	json_decref(m);
	last_error = query_text(f->d, "SELECT last_error FROM job WHERE id = $1", job_id);
	g_assert_nonnull(strstr(last_error, "will try again"));
	/* The job's error (logged, shown to admins) never names the recipient. */
	g_assert_null(strstr(last_error, "geheim.person"));
	g_assert_cmpint(test_db_query_int(f->d, "SELECT attempts FROM job WHERE id = $1", job_id), ==, 1);
	{
		g_autofree char *state = query_text(f->d, "SELECT state FROM job WHERE id = $1", job_id);
		g_assert_cmpstr(state, ==, "queued");
	}
	/* Not due before the backoff. */
	g_assert_cmpint(run_jobs(f), ==, 0);
	list = outbox_list(&f->ctx, "queued", 10, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);

	/* Later, with somewhere to deliver: sent, two attempts in all. */
	setup_outbox(f, NULL);
	fake_now += JOB_BACKOFF_BASE_SECONDS + 1;
	g_assert_cmpint(run_jobs(f), ==, 1);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "sent");
	g_assert_cmpint(jint(m, "attempts"), ==, 2);
	json_decref(m);
}

/* Makes mail id failed as a permanent refusal would: the row and its job. */
static void make_failed(fixture *f, int64_t id, int64_t job_id)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) a = db_prepare(f->d,
		"UPDATE mail_outbox SET status = 'failed', attempts = 1, "
		"last_response = '550 5.1.1 User unknown' WHERE id = $1", &err);
	g_autoptr(db_stmt) b = db_prepare(f->d,
		"UPDATE job SET state = 'failed', attempts = 1, finished_at = '2026-11-26T13:30:00Z' "
		"WHERE id = $1", &err);
	g_assert_no_error(err);
	db_bind_int64(a, 1, id);
	db_bind_int64(b, 1, job_id);
	g_assert_cmpint(db_run(a, &err), ==, DB_OK);
	g_assert_cmpint(db_run(b, &err), ==, DB_OK);
}

static void test_resend(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = enqueue_ok(f, &f->ctx, "anna@example.org", "Noch einmal");
	json_t *m = get_ok(f, id);
	int64_t old_job = jint(m, "job_id"), new_job;
	g_autofree char *msgid = g_strdup(jstr(m, "message_id"));
	g_autoptr(GBytes) before = outbox_get_mime(&f->ctx, id, &err);
	g_autoptr(GBytes) after = NULL;
	json_t *list;

	json_decref(m);
	/* Only a failed mail can be sent again. */
	g_assert_cmpint(outbox_resend(&f->ctx, id, &err), ==, OUTBOX_CHANGE_WRONG_STATE);
	make_failed(f, id, old_job);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "failed");
	json_decref(m);
	list = outbox_list(&f->ctx, "failed", 10, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);
	/* Not another region's. */
	db_set_region(f->d, 2);
	g_assert_cmpint(outbox_resend(&f->ctx_b, id, &err), ==, OUTBOX_CHANGE_NOT_FOUND);
	g_assert_null(outbox_get(&f->ctx_b, id, &err));
	g_assert_no_error(err);
	db_set_region(f->d, 1);
	g_assert_cmpint(outbox_resend(&f->ctx, id + 1000, &err), ==, OUTBOX_CHANGE_NOT_FOUND);

	g_assert_cmpint(outbox_resend(&f->ctx, id, &err), ==, OUTBOX_CHANGE_DONE);
	g_assert_no_error(err);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "queued");
	new_job = jint(m, "job_id");
	g_assert_cmpint(new_job, !=, old_job);
	/* The same message: same Message-ID, same bytes. */
	g_assert_cmpstr(jstr(m, "message_id"), ==, msgid);
	after = outbox_get_mime(&f->ctx, id, &err);
	g_assert_true(g_bytes_equal(before, after));
	json_decref(m);
	/* A second click changes nothing. */
	g_assert_cmpint(outbox_resend(&f->ctx, id, &err), ==, OUTBOX_CHANGE_WRONG_STATE);

	/* The old job, tried again by an admin, does nothing: the mail is the
	 * new job's now. */
	{
		bireg_ctx inst = {.db = f->d};
		g_assert_cmpint(job_retry(&inst, old_job, &err), ==, JOB_CHANGE_DONE);
	}
	{
		g_autoptr(job) j = job_claim(f->d, "test-node", &err);
		g_assert_nonnull(j);
		g_assert_cmpint(j->id, ==, old_job);
		g_assert_cmpint(job_run(f->d, j, "test-node", &err), ==, JOB_RAN_DONE);
		db_set_region(f->d, 1);
		m = get_ok(f, id);
		g_assert_cmpstr(jstr(m, "status"), ==, "queued");
		json_decref(m);
		list = outbox_dev_list("alpha", 10, &err);
		g_assert_cmpint(json_array_size(list), ==, 0);
		json_decref(list);
	}
	g_assert_cmpint(run_jobs(f), ==, 1);
	m = get_ok(f, id);
	g_assert_cmpstr(jstr(m, "status"), ==, "sent");
	g_assert_cmpint(jint(m, "attempts"), ==, 2);
	json_decref(m);
	list = outbox_dev_list("alpha", 10, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);
}

static void test_list_and_scope(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t a1 = enqueue_ok(f, &f->ctx, "a1@example.org", "Eins");
	int64_t a2 = enqueue_ok(f, &f->ctx, "a2@example.org", "Zwei");
	int64_t b1;
	json_t *list, *m;

	db_set_region(f->d, 2);
	b1 = enqueue_ok(f, &f->ctx_b, "b1@example.org", "Beta eins");
	db_set_region(f->d, 1);
	m = get_ok(f, a2);
	{
		/* A running job shows its mail as being sent. */
		g_autoptr(db_stmt) st = db_prepare(f->d,
			"UPDATE job SET state = 'running', locked_by = 'x', "
			"locked_until = '2099-01-01T00:00:00Z' WHERE id = $1", &err);
		db_bind_int64(st, 1, jint(m, "job_id"));
		g_assert_cmpint(db_run(st, &err), ==, DB_OK);
	}
	json_decref(m);

	list = outbox_list(&f->ctx, NULL, 10, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 2);
	g_assert_cmpint(jint(json_array_get(list, 0), "id"), ==, a2); /* newest first */
	g_assert_cmpstr(jstr(json_array_get(list, 0), "status"), ==, "sending");
	g_assert_cmpstr(jstr(json_array_get(list, 1), "status"), ==, "queued");
	json_decref(list);
	list = outbox_list(&f->ctx, "sending", 10, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);
	list = outbox_list(&f->ctx, "sent", 10, &err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);
	g_assert_null(outbox_list(&f->ctx, "bogus", 10, &err));
	g_assert_error(err, BIREG_MAIL_ERROR, MAIL_ERROR_INVALID);
	g_clear_error(&err);

	/* The other region's mail is not in this region's list, nor readable
	 * through it. */
	g_assert_null(outbox_get(&f->ctx, b1, &err));
	g_assert_null(outbox_get_mime(&f->ctx, b1, &err));
	g_assert_no_error(err);
	db_set_region(f->d, 2);
	list = outbox_list(&f->ctx_b, NULL, 10, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	g_assert_cmpint(jint(json_array_get(list, 0), "id"), ==, b1);
	json_decref(list);
	if (test_db_is_postgres()) {
		/* Row-level security: region 2's connection sees none of region 1's
		 * rows, even without a WHERE. */
		g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM mail_outbox", 0), ==, 1);
	}
	(void)a1;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	format_init();
	g_assert_cmpint(token_init(), ==, 0);
	mail_init();
	g_test_add_func("/mail/compose/headers", test_compose_headers);
	g_test_add_func("/mail/compose/structure", test_compose_structure);
	g_test_add_func("/mail/compose/injection", test_compose_injection);
	g_test_add_func("/mail/compose/invalid", test_compose_invalid);
	g_test_add_func("/mail/address", test_address_valid);
	g_test_add_func("/mail/message-id", test_message_id);
	g_test_add_func("/mail/describe/garbage", test_describe_garbage);
	g_test_add_func("/mail/config", test_config);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/outbox/enqueue/stored", test_enqueue_stored);
	ADD("/outbox/enqueue/transaction", test_enqueue_transaction);
	ADD("/outbox/deliver/dev-folder", test_deliver_dev_folder);
	ADD("/outbox/deliver/retry", test_deliver_retry);
	ADD("/outbox/resend", test_resend);
	ADD("/outbox/list-and-scope", test_list_and_scope);
	return g_test_run();
}
