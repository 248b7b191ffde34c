/*
 * test_parse.c — unit tests for src/http/parse.c: query strings,
 * urlencoded forms, multipart/form-data and Cookie headers, with the hostile
 * inputs each of them must reject (bad escapes, invalid UTF-8, too many or
 * too large fields, truncated bodies).
 */
#include <string.h>

#include "http/parse.h"

/* ---- helpers -------------------------------------------------------- */

static http_parse_status q(const char *s, http_params *out, GError **err)
{
	return http_parse_query(s, strlen(s), &http_limits_default, out, err);
}

/* Parses s as a query with default limits and expects it to fail with
 * status want, without touching the output. */
static void assert_query_fails(const char *s, size_t len, http_parse_status want)
{
	g_autoptr(http_params) p = http_params_new();
	g_autoptr(GError) err = NULL;

	http_params_add(p, "vorher", "da");
	g_assert_cmpint(http_parse_query(s, len, &http_limits_default, p, &err), ==, want);
	g_assert_error(err, BIREG_PARSE_ERROR, want);
	/* The parse is all or nothing. */
	g_assert_cmpuint(http_params_count(p), ==, 1);
	/* The message is for the log and must not echo the input. */
	if (len > 3)
		g_assert_null(strstr(err->message, s));
}

#define BOUNDARY "----biregFormBoundary7MA4YWxkTrZu0gW"
#define CT "multipart/form-data; boundary=" BOUNDARY

static void mp_field(GString *s, const char *name, const char *value)
{
	g_string_append_printf(s, "--" BOUNDARY "\r\n"
			       "Content-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
			       name, value);
}

static void mp_file(GString *s, const char *name, const char *filename, const char *ctype,
		    const void *data, size_t len)
{
	g_string_append_printf(s, "--" BOUNDARY "\r\n"
			       "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n",
			       name, filename);
	if (ctype != NULL)
		g_string_append_printf(s, "Content-Type: %s\r\n", ctype);
	g_string_append(s, "\r\n");
	g_string_append_len(s, data, (gssize)len);
	g_string_append(s, "\r\n");
}

static void mp_end(GString *s)
{
	g_string_append(s, "--" BOUNDARY "--\r\n");
}

typedef struct mp_result {
	http_params *fields;
	GPtrArray *uploads;
	GError *err;
	http_parse_status st;
} mp_result;

static void mp_result_clear(mp_result *r)
{
	g_clear_pointer(&r->fields, http_params_free);
	g_clear_pointer(&r->uploads, g_ptr_array_unref);
	g_clear_error(&r->err);
}

static mp_result mp_run_lim(const char *ct, const char *body, size_t len, const http_limits *lim)
{
	mp_result r = { 0 };

	r.fields = http_params_new();
	r.uploads = g_ptr_array_new_with_free_func((GDestroyNotify)http_upload_free);
	r.st = http_parse_multipart(ct, body, len, lim, r.fields, r.uploads, &r.err);
	if (r.st == HTTP_PARSE_OK) {
		g_assert_no_error(r.err);
	} else {
		g_assert_error(r.err, BIREG_PARSE_ERROR, r.st);
		/* Nothing half parsed reaches the caller. */
		g_assert_cmpuint(http_params_count(r.fields), ==, 0);
		g_assert_cmpuint(r.uploads->len, ==, 0);
	}
	return r;
}

static mp_result mp_run(const GString *body)
{
	return mp_run_lim(CT, body->str, body->len, &http_limits_default);
}

static void assert_mp_status(const GString *body, http_parse_status want)
{
	mp_result r = mp_run(body);

	g_assert_cmpint(r.st, ==, want);
	mp_result_clear(&r);
}

static void assert_bytes(GBytes *b, const void *want, size_t len)
{
	gsize n = 0;
	const void *d = g_bytes_get_data(b, &n);

	g_assert_cmpmem(d, n, want, len);
}

/* ---- params --------------------------------------------------------- */

static void test_params_basic(void)
{
	g_autoptr(http_params) p = http_params_new();
	const char *n = NULL, *v = NULL;

	g_assert_cmpuint(http_params_count(p), ==, 0);
	g_assert_null(http_params_get(p, "a"));
	g_assert_nonnull(http_params_get_all(p, "a"));
	g_assert_cmpuint(http_params_get_all(p, "a")->len, ==, 0);
	http_params_add(p, "a", "1");
	http_params_add(p, "b", "2");
	http_params_add(p, "a", "3");
	g_assert_cmpuint(http_params_count(p), ==, 3);
	g_assert_cmpstr(http_params_get(p, "a"), ==, "1");
	g_assert_cmpuint(http_params_get_all(p, "a")->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(http_params_get_all(p, "a"), 1), ==, "3");
	http_params_nth(p, 2, &n, &v);
	g_assert_cmpstr(n, ==, "a");
	g_assert_cmpstr(v, ==, "3");
	http_params_nth(p, 1, &n, &v);
	g_assert_cmpstr(n, ==, "b");
	g_assert_cmpstr(v, ==, "2");
}

static void test_limits_default(void)
{
	g_assert_cmpuint(http_limits_default.max_fields, ==, 1000);
	g_assert_cmpuint(http_limits_default.max_name_bytes, ==, 256);
	g_assert_cmpuint(http_limits_default.max_value_bytes, ==, 1024 * 1024);
	g_assert_cmpuint(http_limits_default.max_files, ==, 20);
	g_assert_cmpuint(http_limits_default.max_file_bytes, ==, 20 * 1024 * 1024);
}

/* ---- query strings -------------------------------------------------- */

static void test_query_basic(void)
{
	g_autoptr(http_params) p = http_params_new();
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(q("a=1&b=%C3%A4&c=x+y&d=%2B&stra%C3%9Fe=M%C3%BCller", p, &err), ==,
			HTTP_PARSE_OK);
	g_assert_no_error(err);
	g_assert_cmpuint(http_params_count(p), ==, 5);
	g_assert_cmpstr(http_params_get(p, "a"), ==, "1");
	g_assert_cmpstr(http_params_get(p, "b"), ==, "ä");
	g_assert_cmpstr(http_params_get(p, "c"), ==, "x y");
	g_assert_cmpstr(http_params_get(p, "d"), ==, "+");
	g_assert_cmpstr(http_params_get(p, "straße"), ==, "Müller");
}

static void test_query_order_dups(void)
{
	g_autoptr(http_params) p = http_params_new();
	const char *n, *v;
	const GPtrArray *all;

	g_assert_cmpint(q("x=1&y=2&x=3&x=1", p, NULL), ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(p), ==, 4);
	all = http_params_get_all(p, "x");
	g_assert_cmpuint(all->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(all, 0), ==, "1");
	g_assert_cmpstr(g_ptr_array_index(all, 1), ==, "3");
	g_assert_cmpstr(g_ptr_array_index(all, 2), ==, "1");
	http_params_nth(p, 1, &n, &v);
	g_assert_cmpstr(n, ==, "y");
	g_assert_cmpstr(v, ==, "2");
	http_params_nth(p, 3, &n, &v);
	g_assert_cmpstr(n, ==, "x");
}

static void test_query_empty_parts(void)
{
	g_autoptr(http_params) p = http_params_new();
	g_autoptr(http_params) e = http_params_new();
	g_autoptr(http_params) z = http_params_new();

	g_assert_cmpint(q("a=&b&&c=1&&=skipped&d=e=f&", p, NULL), ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(p), ==, 4);
	g_assert_cmpstr(http_params_get(p, "a"), ==, "");
	g_assert_cmpstr(http_params_get(p, "b"), ==, "");
	g_assert_cmpstr(http_params_get(p, "c"), ==, "1");
	g_assert_cmpstr(http_params_get(p, "d"), ==, "e=f");
	g_assert_null(http_params_get(p, ""));

	g_assert_cmpint(q("", e, NULL), ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(e), ==, 0);
	g_assert_cmpint(q("&&&", z, NULL), ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(z), ==, 0);
}

static void test_query_textarea(void)
{
	g_autoptr(http_params) p = http_params_new();

	/* Line breaks and tabs are fine in values (textareas send them). */
	g_assert_cmpint(q("t=Zeile+1%0D%0AZeile%092", p, NULL), ==, HTTP_PARSE_OK);
	g_assert_cmpstr(http_params_get(p, "t"), ==, "Zeile 1\r\nZeile\t2");
}

static void test_query_bad(void)
{
	const char *bad[] = {
		"a=%ZZ", "a=%", "a=%C", "a=%G0", "%ZZ=1",
		"a=%C3",          /* UTF-8 sequence cut short */
		"a=%C0%AF",       /* overlong '/' */
		"a=%ED%A0%80",    /* surrogate */
		"a=%F4%90%80%80", /* above U+10FFFF */
		"a=%00", "a=x%00y", "%00=1",
		"a=\xff", "a\xff=1", "a=%FF",
		"a%0A=1", "a%01=1", "a%09=1", "a%7F=1", /* control characters in names */
		"ok=1&a=%ZZ",     /* a later failure undoes the earlier pair */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_query_fails(bad[i], strlen(bad[i]), HTTP_PARSE_BAD);
	/* A raw NUL byte inside the given length. */
	assert_query_fails("a=b\0c", 5, HTTP_PARSE_BAD);
}

static void test_query_length_arg(void)
{
	g_autoptr(http_params) p = http_params_new();
	const char buf[] = "a=1&b=2GARBAGE%ZZ";

	/* Only len bytes count; the rest of the buffer is not looked at. */
	g_assert_cmpint(http_parse_query(buf, 7, &http_limits_default, p, NULL), ==,
			HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(p), ==, 2);
	g_assert_cmpstr(http_params_get(p, "b"), ==, "2");
}

static void test_query_field_limit(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(http_params) p = http_params_new();

	for (int i = 0; i < 1000; i++)
		g_string_append_printf(s, "%sf%d=%d", i ? "&" : "", i, i);
	g_assert_cmpint(http_parse_query(s->str, s->len, &http_limits_default, p, NULL), ==,
			HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(p), ==, 1000);
	g_string_append(s, "&one=more");
	assert_query_fails(s->str, s->len, HTTP_PARSE_TOO_LARGE);
}

static void test_query_size_limits(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(http_params) p = http_params_new();
	http_limits lim = http_limits_default;

	/* Exactly 256 bytes of name (escapes count decoded) pass, 257 do not. */
	for (int i = 0; i < 256; i++)
		g_string_append(s, "%41");
	g_string_append(s, "=1");
	g_assert_cmpint(http_parse_query(s->str, s->len, &http_limits_default, p, NULL), ==,
			HTTP_PARSE_OK);
	g_string_prepend_c(s, 'B');
	assert_query_fails(s->str, s->len, HTTP_PARSE_TOO_LARGE);

	/* A huge name must be refused, not copied. */
	g_string_truncate(s, 0);
	for (int i = 0; i < 100000; i++)
		g_string_append_c(s, 'n');
	g_string_append(s, "=1");
	assert_query_fails(s->str, s->len, HTTP_PARSE_TOO_LARGE);

	/* Values: default 1 MiB. */
	g_string_assign(s, "v=");
	for (int i = 0; i < 1024 * 1024; i++)
		g_string_append_c(s, 'x');
	{
		g_autoptr(http_params) big = http_params_new();

		g_assert_cmpint(http_parse_query(s->str, s->len, &http_limits_default, big, NULL),
				==, HTTP_PARSE_OK);
		g_assert_cmpuint(strlen(http_params_get(big, "v")), ==, 1024 * 1024);
	}
	g_string_append_c(s, 'x');
	assert_query_fails(s->str, s->len, HTTP_PARSE_TOO_LARGE);

	/* Custom limits are honoured. */
	lim.max_value_bytes = 3;
	lim.max_fields = 2;
	{
		g_autoptr(http_params) c = http_params_new();
		g_autoptr(GError) err = NULL;

		g_assert_cmpint(http_parse_query("a=abc&b=%C3%A4", 14, &lim, c, NULL), ==,
				HTTP_PARSE_OK);
		g_assert_cmpint(http_parse_query("a=abcd", 6, &lim, c, &err), ==,
				HTTP_PARSE_TOO_LARGE);
		g_assert_error(err, BIREG_PARSE_ERROR, HTTP_PARSE_TOO_LARGE);
		g_clear_error(&err);
		g_assert_cmpint(http_parse_query("a&b&c", 5, &lim, c, &err), ==,
				HTTP_PARSE_TOO_LARGE);
		g_assert_cmpuint(http_params_count(c), ==, 2);
	}
}

static void test_urlencoded(void)
{
	g_autoptr(http_params) p = http_params_new();
	g_autoptr(GError) err = NULL;
	const char body[] = "name=Anne+M%C3%BCller&ort=K%C3%B6ln&leer=";

	g_assert_cmpint(http_parse_urlencoded(body, sizeof body - 1, &http_limits_default, p,
					      &err), ==, HTTP_PARSE_OK);
	g_assert_no_error(err);
	g_assert_cmpstr(http_params_get(p, "name"), ==, "Anne Müller");
	g_assert_cmpstr(http_params_get(p, "ort"), ==, "Köln");
	g_assert_cmpstr(http_params_get(p, "leer"), ==, "");
	g_assert_cmpint(http_parse_urlencoded("x=%C3", 5, &http_limits_default, p, &err), ==,
			HTTP_PARSE_BAD);
	g_assert_error(err, BIREG_PARSE_ERROR, HTTP_PARSE_BAD);
	g_assert_cmpuint(http_params_count(p), ==, 3);
	g_assert_cmpint(http_parse_urlencoded(NULL, 0, &http_limits_default, p, NULL), ==,
			HTTP_PARSE_OK);
}

/* ---- multipart ------------------------------------------------------ */

static void test_mp_basic(void)
{
	static const char file[] = "PDF\0binary\r\n--" BOUNDARY "x\r\r\n\xff\xfe";
	g_autoptr(GString) b = g_string_new(NULL);
	mp_result r;
	http_upload *u;

	mp_field(b, "titel", "Sitzung");
	mp_field(b, "straße", "Müller");
	mp_file(b, "anhang", "C:\\Users\\anne\\Bär Bericht.pdf", "application/pdf", file,
		sizeof file - 1);
	mp_field(b, "titel", "zweiter Wert");
	mp_end(b);
	r = mp_run(b);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(r.fields), ==, 3);
	g_assert_cmpstr(http_params_get(r.fields, "titel"), ==, "Sitzung");
	g_assert_cmpstr(http_params_get(r.fields, "straße"), ==, "Müller");
	g_assert_cmpuint(http_params_get_all(r.fields, "titel")->len, ==, 2);
	g_assert_cmpuint(r.uploads->len, ==, 1);
	u = g_ptr_array_index(r.uploads, 0);
	g_assert_cmpstr(u->field, ==, "anhang");
	g_assert_cmpstr(u->filename, ==, "Bär Bericht.pdf");
	g_assert_cmpstr(u->content_type, ==, "application/pdf");
	/* Byte for byte, including NUL, bare CR and the boundary text that
	 * does not form a delimiter line. */
	assert_bytes(u->data, file, sizeof file - 1);
	mp_result_clear(&r);
}

static void test_mp_umlaut_names(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	mp_result r;
	http_upload *u;

	mp_field(b, "straße", "Müller");
	mp_file(b, "größe", "Übersicht.txt", "text/plain; charset=utf-8", "äöü", strlen("äöü"));
	mp_end(b);
	r = mp_run(b);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpstr(http_params_get(r.fields, "straße"), ==, "Müller");
	u = g_ptr_array_index(r.uploads, 0);
	g_assert_cmpstr(u->field, ==, "größe");
	g_assert_cmpstr(u->filename, ==, "Übersicht.txt");
	g_assert_cmpstr(u->content_type, ==, "text/plain");
	assert_bytes(u->data, "äöü", strlen("äöü"));
	mp_result_clear(&r);
}

static void test_mp_filenames(void)
{
	struct { const char *sent, *want; } cases[] = {
		{ "../../etc/passwd", "passwd" },
		{ "..", "" },
		{ "a/.", "" },
		{ "C:\\temp\\..", "" },
		{ "Bericht %22final%22.pdf", "Bericht \"final\".pdf" },
		{ "a\x01" "b\x7f" "c.txt", "abc.txt" },
		{ "dir/", "" },
		{ "", "" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) b = g_string_new(NULL);
		mp_result r;
		http_upload *u;

		mp_file(b, "f", cases[i].sent, NULL, "x", 1);
		mp_end(b);
		r = mp_run(b);
		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		g_assert_cmpuint(r.uploads->len, ==, 1);
		u = g_ptr_array_index(r.uploads, 0);
		g_assert_cmpstr(u->filename, ==, cases[i].want);
		/* No Content-Type sent: the safe default. */
		g_assert_cmpstr(u->content_type, ==, "application/octet-stream");
		mp_result_clear(&r);
	}
}

static void test_mp_empty_file_input(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	mp_result r;
	http_upload *u;

	/* What a browser sends for a file input without a chosen file. */
	mp_file(b, "anhang", "", "application/octet-stream", "", 0);
	mp_field(b, "leer", "");
	mp_end(b);
	r = mp_run(b);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(r.uploads->len, ==, 1);
	u = g_ptr_array_index(r.uploads, 0);
	g_assert_cmpstr(u->filename, ==, "");
	g_assert_cmpuint(g_bytes_get_size(u->data), ==, 0);
	g_assert_cmpstr(http_params_get(r.fields, "leer"), ==, "");
	mp_result_clear(&r);
}

static void test_mp_truncated(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	g_autoptr(GString) c = NULL;

	mp_field(b, "a", "1");
	mp_file(b, "f", "x.bin", NULL, "0123456789", 10);
	/* No closing delimiter at all. */
	assert_mp_status(b, HTTP_PARSE_BAD);
	/* Cut inside the file content. */
	c = g_string_new_len(b->str, (gssize)b->len - 6);
	assert_mp_status(c, HTTP_PARSE_BAD);
	/* Cut inside the closing delimiter. */
	g_string_append(b, "--" BOUNDARY "-");
	assert_mp_status(b, HTTP_PARSE_BAD);
	g_string_truncate(b, b->len - 1);
	assert_mp_status(b, HTTP_PARSE_BAD);
	/* The closing delimiter without a final line end is complete. */
	g_string_append(b, "--");
	{
		mp_result r = mp_run(b);
		http_upload *u;

		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		u = g_ptr_array_index(r.uploads, 0);
		assert_bytes(u->data, "0123456789", 10);
		mp_result_clear(&r);
	}
}

static void test_mp_empty_and_garbage(void)
{
	g_autoptr(GString) empty = g_string_new(NULL);
	g_autoptr(GString) garbage = g_string_new("hello world\r\n");
	g_autoptr(GString) only_close = g_string_new(NULL);
	g_autoptr(GString) other_boundary = g_string_new(
		"--other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--other--\r\n");
	mp_result r;

	assert_mp_status(empty, HTTP_PARSE_BAD);
	assert_mp_status(garbage, HTTP_PARSE_BAD);
	assert_mp_status(other_boundary, HTTP_PARSE_BAD);
	/* A form without any field: just the closing delimiter. */
	mp_end(only_close);
	r = mp_run(only_close);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(r.fields), ==, 0);
	mp_result_clear(&r);
}

static void test_mp_content_type_header(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	const char *bad[] = {
		NULL,
		"multipart/form-data",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"",
		"application/x-www-form-urlencoded; boundary=" BOUNDARY,
		"multipart/mixed; boundary=" BOUNDARY,
		"multipart/form-data; boundary=" BOUNDARY "\r\nX-Injected: 1",
		/* 71 characters */
		"multipart/form-data; boundary="
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	const char *good[] = {
		CT,
		"Multipart/Form-Data; charset=utf-8; boundary=\"" BOUNDARY "\"",
		"multipart/form-data;boundary=" BOUNDARY,
	};

	mp_field(b, "a", "1");
	mp_end(b);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mp_result r = mp_run_lim(bad[i], b->str, b->len, &http_limits_default);

		g_assert_cmpint(r.st, ==, HTTP_PARSE_BAD);
		mp_result_clear(&r);
	}
	/* RFC 2046 forbids a boundary ending in a space, even when the body
	 * matches it. */
	{
		const char body[] = "--ab \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
				    "1\r\n--ab --\r\n";
		mp_result r = mp_run_lim("multipart/form-data; boundary=\"ab \"", body,
					 sizeof body - 1, &http_limits_default);

		g_assert_cmpint(r.st, ==, HTTP_PARSE_BAD);
		mp_result_clear(&r);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		mp_result r = mp_run_lim(good[i], b->str, b->len, &http_limits_default);

		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		g_assert_cmpstr(http_params_get(r.fields, "a"), ==, "1");
		mp_result_clear(&r);
	}
}

static void test_mp_boundary_in_data(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	const char *value = "vorher--" BOUNDARY "nachher --" BOUNDARY "\r\n--" BOUNDARY "X\r\n"
			    "-" BOUNDARY;
	mp_result r;

	/* The boundary text inside a line, or at a line start but followed by
	 * other characters, is content and must not split the part. */
	mp_field(b, "a", value);
	mp_end(b);
	r = mp_run(b);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(r.fields), ==, 1);
	g_assert_cmpstr(http_params_get(r.fields, "a"), ==, value);
	mp_result_clear(&r);
}

static void test_mp_line_ends(void)
{
	/* LF only, transport padding after delimiters, preamble and epilogue. */
	g_autoptr(GString) b = g_string_new(
		"Dies ist die Präambel.\r\n"
		"--" BOUNDARY "  \n"
		"Content-Disposition: form-data; name=\"a\"\n\n"
		"eins\n"
		"--" BOUNDARY "\t\r\n"
		"content-disposition: FORM-DATA;\r\n\tname=b\r\n\r\n"
		"\r\n"
		"--" BOUNDARY "--\r\n"
		"Epilog --" BOUNDARY "\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\nx\r\n");
	mp_result r = mp_run(b);

	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(http_params_count(r.fields), ==, 2);
	g_assert_cmpstr(http_params_get(r.fields, "a"), ==, "eins");
	g_assert_cmpstr(http_params_get(r.fields, "b"), ==, "");
	g_assert_null(http_params_get(r.fields, "c"));
	mp_result_clear(&r);
}

static void test_mp_file_limits(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	http_limits lim = http_limits_default;
	mp_result r;

	for (int i = 0; i < 20; i++)
		mp_file(b, "f", "a.txt", "text/plain", "x", 1);
	{
		g_autoptr(GString) ok = g_string_new_len(b->str, (gssize)b->len);

		mp_end(ok);
		r = mp_run(ok);
		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		g_assert_cmpuint(r.uploads->len, ==, 20);
		mp_result_clear(&r);
	}
	mp_file(b, "f", "a.txt", "text/plain", "x", 1);
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_TOO_LARGE);

	/* File size: exactly the limit passes, one byte more does not. */
	lim.max_file_bytes = 10;
	g_string_truncate(b, 0);
	mp_file(b, "f", "a.bin", NULL, "0123456789", 10);
	mp_end(b);
	r = mp_run_lim(CT, b->str, b->len, &lim);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	mp_result_clear(&r);
	g_string_truncate(b, 0);
	mp_file(b, "f", "a.bin", NULL, "0123456789A", 11);
	mp_end(b);
	r = mp_run_lim(CT, b->str, b->len, &lim);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_TOO_LARGE);
	mp_result_clear(&r);
}

static void test_mp_big_file_default(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	gsize big = 20 * 1024 * 1024 + 1;
	g_autofree char *data = g_malloc0(big);

	mp_file(b, "f", "gross.bin", NULL, data, big);
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_TOO_LARGE);
}

static void test_mp_field_limits(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	http_limits lim = http_limits_default;
	g_autofree char *longname = g_strnfill(257, 'n');
	mp_result r;

	/* max_fields counts files too. */
	lim.max_fields = 3;
	mp_field(b, "a", "1");
	mp_field(b, "b", "2");
	mp_file(b, "c", "c.txt", NULL, "3", 1);
	{
		g_autoptr(GString) ok = g_string_new_len(b->str, (gssize)b->len);

		mp_end(ok);
		r = mp_run_lim(CT, ok->str, ok->len, &lim);
		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		mp_result_clear(&r);
	}
	mp_file(b, "d", "d.txt", NULL, "4", 1);
	mp_end(b);
	r = mp_run_lim(CT, b->str, b->len, &lim);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_TOO_LARGE);
	mp_result_clear(&r);

	/* 1001 fields with the default limits. */
	g_string_truncate(b, 0);
	for (int i = 0; i < 1001; i++)
		mp_field(b, "f", "v");
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_TOO_LARGE);

	/* Value and name sizes. */
	lim = http_limits_default;
	lim.max_value_bytes = 5;
	g_string_truncate(b, 0);
	mp_field(b, "a", "12345");
	mp_end(b);
	r = mp_run_lim(CT, b->str, b->len, &lim);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	mp_result_clear(&r);
	g_string_truncate(b, 0);
	mp_field(b, "a", "123456");
	mp_end(b);
	r = mp_run_lim(CT, b->str, b->len, &lim);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_TOO_LARGE);
	mp_result_clear(&r);

	g_string_truncate(b, 0);
	mp_field(b, longname, "x");
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_TOO_LARGE);
	g_string_truncate(b, 0);
	mp_field(b, longname + 1, "x");
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_OK);
}

static void test_mp_huge_headers(void)
{
	g_autoptr(GString) b = g_string_new("--" BOUNDARY "\r\n"
					    "Content-Disposition: form-data; name=\"a\"\r\n");

	for (int i = 0; i < 2000; i++)
		g_string_append_printf(b, "X-Filler-%d: aaaaaaaaaaaaaaaaaaaa\r\n", i);
	g_string_append(b, "\r\nv\r\n");
	mp_end(b);
	assert_mp_status(b, HTTP_PARSE_TOO_LARGE);
}

static void test_mp_bad_text(void)
{
	struct { const char *name, *value; } cases[] = {
		{ "a", "M\xfcller" },        /* Latin-1 */
		{ "a", "\xC0\xAF" },         /* overlong */
		{ "a", "x\xED\xA0\x80" },    /* surrogate */
		{ "M\xfcller", "x" },        /* name in Latin-1 */
		{ "a\x01", "x" },            /* control character in name */
		{ "", "x" },                 /* empty name */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) b = g_string_new(NULL);

		mp_field(b, "ok", "1");
		mp_field(b, cases[i].name, cases[i].value);
		mp_end(b);
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* NUL in a text value. */
	{
		g_autoptr(GString) b = g_string_new(NULL);

		mp_field(b, "a", "x");
		g_string_insert_c(b, (gssize)b->len - 3, '\0');
		mp_end(b);
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* A file name in Latin-1. */
	{
		g_autoptr(GString) b = g_string_new(NULL);

		mp_file(b, "f", "B\xe4r.txt", NULL, "x", 1);
		mp_end(b);
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* File content is binary and not checked. */
	{
		g_autoptr(GString) b = g_string_new(NULL);

		mp_file(b, "f", "b.bin", NULL, "\xff\x00\xfe", 3);
		mp_end(b);
		assert_mp_status(b, HTTP_PARSE_OK);
	}
}

static void test_mp_charset(void)
{
#define CHARSET_PART(cs) \
	"--" BOUNDARY "\r\n" \
	"Content-Disposition: form-data; name=\"a\"\r\n" \
	"Content-Type: text/plain; charset=%s\r\n\r\n" \
	"ok\r\n" \
	"--" BOUNDARY "--\r\n", cs
	const char *good[] = { "utf-8", "UTF-8", "\"utf-8\"", "us-ascii" };
	const char *bad[] = { "iso-8859-1", "windows-1252", "utf-16" };

	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GString) b = g_string_new(NULL);

		g_string_printf(b, CHARSET_PART(good[i]));
		assert_mp_status(b, HTTP_PARSE_OK);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GString) b = g_string_new(NULL);

		g_string_printf(b, CHARSET_PART(bad[i]));
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
}

static void test_mp_bad_parts(void)
{
	const char *heads[] = {
		"",                                                     /* no headers */
		"Content-Type: text/plain\r\n",                         /* no disposition */
		"Content-Disposition: form-data\r\n",                   /* no name */
		"Content-Disposition: attachment; name=\"a\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; filename=\"x\"; filename=\"y\"\r\n",
		"Content-Disposition: form-data; name=\"a\r\n",        /* unclosed quote */
		"Content-Disposition: form-data; name\r\n",
		"Content-Disposition: form-data name=\"a\"\r\n",
		"Content-Disposition: form-data; name=\"a\"\r\n"
		"Content-Disposition: form-data; name=\"b\"\r\n",
		"Content-Disposition: form-data; name=\"a\"\r\n"
		"Content-Transfer-Encoding: base64\r\n",
		"Content-Disposition: form-data; name=\"a\"\r\nX Bad: y\r\n",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++) {
		g_autoptr(GString) b = g_string_new(NULL);

		g_string_printf(b, "--" BOUNDARY "\r\n%s\r\nwert\r\n--" BOUNDARY "--\r\n", heads[i]);
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* A NUL byte inside the header block. */
	{
		g_autoptr(GString) b = g_string_new("--" BOUNDARY "\r\n"
						    "Content-Disposition: form-data; name=\"a\"");

		g_string_append_len(b, "\0\"; name=\"b\"\r\n\r\nwert\r\n", 22);
		mp_end(b);
		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* A part with nothing at all between two delimiters. */
	{
		g_autoptr(GString) b = g_string_new("--" BOUNDARY "\r\n--" BOUNDARY "--\r\n");

		assert_mp_status(b, HTTP_PARSE_BAD);
	}
	/* Identity transfer encodings are harmless. */
	{
		g_autoptr(GString) b = g_string_new(
			"--" BOUNDARY "\r\n"
			"Content-Disposition: form-data; name=\"a\"\r\n"
			"Content-Transfer-Encoding: binary\r\n\r\n"
			"wert\r\n--" BOUNDARY "--\r\n");
		mp_result r = mp_run(b);

		g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
		g_assert_cmpstr(http_params_get(r.fields, "a"), ==, "wert");
		mp_result_clear(&r);
	}
}

static void test_mp_message_upload(void)
{
	/* A saved e-mail or a multipart file must come back byte for byte,
	 * not parsed into MIME objects. */
	const char eml[] = "From: a@example.org\r\nSubject: Hallo\r\n"
			   "Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
			   "--inner\r\n\r\nText\r\n--inner--\r\n";
	g_autoptr(GString) b = g_string_new(NULL);
	mp_result r;
	http_upload *u;

	mp_file(b, "f", "Nachricht.eml", "message/rfc822", eml, sizeof eml - 1);
	mp_file(b, "g", "teile.mime", "multipart/mixed; boundary=inner", eml, sizeof eml - 1);
	mp_end(b);
	r = mp_run(b);
	g_assert_cmpint(r.st, ==, HTTP_PARSE_OK);
	g_assert_cmpuint(r.uploads->len, ==, 2);
	u = g_ptr_array_index(r.uploads, 0);
	g_assert_cmpstr(u->content_type, ==, "message/rfc822");
	assert_bytes(u->data, eml, sizeof eml - 1);
	u = g_ptr_array_index(r.uploads, 1);
	g_assert_cmpstr(u->content_type, ==, "multipart/mixed");
	assert_bytes(u->data, eml, sizeof eml - 1);
	mp_result_clear(&r);
}

static void test_mp_atomic(void)
{
	g_autoptr(GString) b = g_string_new(NULL);
	g_autoptr(http_params) fields = http_params_new();
	g_autoptr(GPtrArray) uploads =
		g_ptr_array_new_with_free_func((GDestroyNotify)http_upload_free);
	g_autoptr(GError) err = NULL;

	http_params_add(fields, "vorher", "1");
	mp_field(b, "a", "1");
	mp_file(b, "f", "x.txt", NULL, "x", 1);
	mp_field(b, "b", "\xff");
	mp_end(b);
	g_assert_cmpint(http_parse_multipart(CT, b->str, b->len, &http_limits_default, fields,
					     uploads, &err), ==, HTTP_PARSE_BAD);
	g_assert_cmpuint(http_params_count(fields), ==, 1);
	g_assert_cmpuint(uploads->len, ==, 0);
}

/* ---- cookies -------------------------------------------------------- */

static GHashTable *cookies(const char *header)
{
	GHashTable *t = http_cookies_new();

	http_parse_cookies(header, t);
	return t;
}

static void test_cookies_basic(void)
{
	g_autoptr(GHashTable) a = cookies("a=1; b=2");
	g_autoptr(GHashTable) b = cookies("a=1;b=2;  c = drei ;d=");
	g_autoptr(GHashTable) c = cookies("s=\"x y\"; t=\"; u=\"\"");
	g_autoptr(GHashTable) d = cookies("name=M\xc3\xbcller; sid=ab%20cd");

	g_assert_cmpuint(g_hash_table_size(a), ==, 2);
	g_assert_cmpstr(g_hash_table_lookup(a, "a"), ==, "1");
	g_assert_cmpstr(g_hash_table_lookup(a, "b"), ==, "2");
	g_assert_cmpuint(g_hash_table_size(b), ==, 4);
	g_assert_cmpstr(g_hash_table_lookup(b, "c"), ==, "drei");
	g_assert_cmpstr(g_hash_table_lookup(b, "d"), ==, "");
	g_assert_cmpstr(g_hash_table_lookup(c, "s"), ==, "x y");
	g_assert_cmpstr(g_hash_table_lookup(c, "t"), ==, "\"");
	g_assert_cmpstr(g_hash_table_lookup(c, "u"), ==, "");
	g_assert_cmpstr(g_hash_table_lookup(d, "name"), ==, "Müller");
	/* Values are not percent-decoded. */
	g_assert_cmpstr(g_hash_table_lookup(d, "sid"), ==, "ab%20cd");
}

static void test_cookies_malformed(void)
{
	g_autoptr(GHashTable) a = cookies("junk; a=1; =x; ;; b c=2; \"q\"=3; z=9");
	g_autoptr(GHashTable) b = cookies("a=1; a=2; A=3");
	g_autoptr(GHashTable) c = cookies("bad=\xff; ctl=x\x01y; tab=x\ty; \xc3=1; ok=1");
	g_autoptr(GHashTable) e = cookies("");
	g_autoptr(GHashTable) n = http_cookies_new();

	g_assert_cmpuint(g_hash_table_size(a), ==, 2);
	g_assert_cmpstr(g_hash_table_lookup(a, "a"), ==, "1");
	g_assert_cmpstr(g_hash_table_lookup(a, "z"), ==, "9");
	/* The first of duplicates wins; names are case-sensitive. */
	g_assert_cmpuint(g_hash_table_size(b), ==, 2);
	g_assert_cmpstr(g_hash_table_lookup(b, "a"), ==, "1");
	g_assert_cmpstr(g_hash_table_lookup(b, "A"), ==, "3");
	g_assert_cmpuint(g_hash_table_size(c), ==, 1);
	g_assert_cmpstr(g_hash_table_lookup(c, "ok"), ==, "1");
	g_assert_cmpuint(g_hash_table_size(e), ==, 0);
	http_parse_cookies(NULL, n);
	g_assert_cmpuint(g_hash_table_size(n), ==, 0);
}

static void test_cookies_limits(void)
{
	g_autoptr(GString) h = g_string_new(NULL);
	g_autoptr(GHashTable) many = NULL;
	g_autoptr(GHashTable) sizes = NULL;
	g_autofree char *v4096 = g_strnfill(4096, 'v');
	g_autofree char *v4097 = g_strnfill(4097, 'w');

	for (int i = 0; i < 60; i++)
		g_string_append_printf(h, "c%d=%d; ", i, i);
	many = cookies(h->str);
	g_assert_cmpuint(g_hash_table_size(many), ==, 50);
	g_assert_cmpstr(g_hash_table_lookup(many, "c49"), ==, "49");
	g_assert_null(g_hash_table_lookup(many, "c50"));

	g_string_printf(h, "big=%s; huge=%s; small=1", v4096, v4097);
	sizes = cookies(h->str);
	g_assert_cmpuint(strlen(g_hash_table_lookup(sizes, "big")), ==, 4096);
	g_assert_null(g_hash_table_lookup(sizes, "huge"));
	g_assert_cmpstr(g_hash_table_lookup(sizes, "small"), ==, "1");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	http_parse_init();
	http_parse_init(); /* a second call does nothing */

	g_test_add_func("/parse/params/basic", test_params_basic);
	g_test_add_func("/parse/limits/default", test_limits_default);
	g_test_add_func("/parse/query/basic", test_query_basic);
	g_test_add_func("/parse/query/order_dups", test_query_order_dups);
	g_test_add_func("/parse/query/empty_parts", test_query_empty_parts);
	g_test_add_func("/parse/query/textarea", test_query_textarea);
	g_test_add_func("/parse/query/bad", test_query_bad);
	g_test_add_func("/parse/query/length_arg", test_query_length_arg);
	g_test_add_func("/parse/query/field_limit", test_query_field_limit);
	g_test_add_func("/parse/query/size_limits", test_query_size_limits);
	g_test_add_func("/parse/urlencoded", test_urlencoded);
	g_test_add_func("/parse/multipart/basic", test_mp_basic);
	g_test_add_func("/parse/multipart/umlaut_names", test_mp_umlaut_names);
	g_test_add_func("/parse/multipart/filenames", test_mp_filenames);
	g_test_add_func("/parse/multipart/empty_file_input", test_mp_empty_file_input);
	g_test_add_func("/parse/multipart/truncated", test_mp_truncated);
	g_test_add_func("/parse/multipart/empty_and_garbage", test_mp_empty_and_garbage);
	g_test_add_func("/parse/multipart/content_type_header", test_mp_content_type_header);
	g_test_add_func("/parse/multipart/boundary_in_data", test_mp_boundary_in_data);
	g_test_add_func("/parse/multipart/line_ends", test_mp_line_ends);
	g_test_add_func("/parse/multipart/file_limits", test_mp_file_limits);
	g_test_add_func("/parse/multipart/big_file_default", test_mp_big_file_default);
	g_test_add_func("/parse/multipart/field_limits", test_mp_field_limits);
	g_test_add_func("/parse/multipart/huge_headers", test_mp_huge_headers);
	g_test_add_func("/parse/multipart/bad_text", test_mp_bad_text);
	g_test_add_func("/parse/multipart/charset", test_mp_charset);
	g_test_add_func("/parse/multipart/bad_parts", test_mp_bad_parts);
	g_test_add_func("/parse/multipart/message_upload", test_mp_message_upload);
	g_test_add_func("/parse/multipart/atomic", test_mp_atomic);
	g_test_add_func("/parse/cookies/basic", test_cookies_basic);
	g_test_add_func("/parse/cookies/malformed", test_cookies_malformed);
	g_test_add_func("/parse/cookies/limits", test_cookies_limits);
	return g_test_run();
}
