/*
 * fuzz_parse.c — libFuzzer target for the request parsers (src/http/parse.c)
 * and the text helpers they rely on (src/core/text.c).
 *
 * The first input byte picks what the rest is fed to:
 *   low 3 bits  0 query string, 1 urlencoded body, 2 multipart body with a
 *               fixed boundary, 3 multipart whose Content-Type header is the
 *               first line of the input, 4 Cookie header, 5 search folding
 *               and the other text helpers, 6-7 query then multipart;
 *   bit 3       tight limits (so that the limit paths are reached too).
 * Besides crashes and sanitizer reports, the target aborts when an output
 * breaks a promise of parse.h or text.h: names and values that are not valid
 * UTF-8, a failed parse that left output behind, a fold that is not
 * idempotent.
 *
 * Build and run (from the repository root; <builddir> holds config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Isrc -I<builddir> tests/fuzz/fuzz_parse.c src/http/parse.c \
 *     src/core/text.c $(pkg-config --cflags --libs glib-2.0 gmime-3.0) \
 *     -o fuzz_parse
 *   mkdir -p /tmp/fuzz-parse && ./fuzz_parse -max_total_time=60 \
 *     /tmp/fuzz-parse tests/fuzz/corpus/parse
 *
 * New inputs go to the first directory; tests/fuzz/corpus/parse keeps the
 * seeds and every crasher found so far (replay them with
 * ./fuzz_parse tests/fuzz/corpus/parse/ *).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_BOUNDARY "XyZfuzzBoundary"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_params(const http_params *p)
{
	for (size_t i = 0; i < http_params_count(p); i++) {
		const char *n, *v;

		http_params_nth(p, i, &n, &v);
		check(n != NULL && v != NULL);
		check(g_utf8_validate(n, -1, NULL) && g_utf8_validate(v, -1, NULL));
		check(http_params_get_all(p, n)->len > 0);
	}
}

static void run_form(const char *s, size_t len, const http_limits *lim, gboolean body)
{
	g_autoptr(http_params) p = http_params_new();
	g_autoptr(GError) err = NULL;
	http_parse_status st = body ? http_parse_urlencoded(s, len, lim, p, &err)
				    : http_parse_query(s, len, lim, p, &err);

	check((st == HTTP_PARSE_OK) == (err == NULL));
	if (st != HTTP_PARSE_OK)
		check(http_params_count(p) == 0);
	check(http_params_count(p) <= lim->max_fields);
	check_params(p);
}

static void run_multipart(const char *ct, const char *s, size_t len, const http_limits *lim)
{
	g_autoptr(http_params) fields = http_params_new();
	g_autoptr(GPtrArray) uploads =
		g_ptr_array_new_with_free_func((GDestroyNotify)http_upload_free);
	g_autoptr(GError) err = NULL;
	http_parse_status st = http_parse_multipart(ct, s, len, lim, fields, uploads, &err);

	check((st == HTTP_PARSE_OK) == (err == NULL));
	if (st != HTTP_PARSE_OK)
		check(http_params_count(fields) == 0 && uploads->len == 0);
	check(uploads->len <= lim->max_files);
	check(http_params_count(fields) + uploads->len <= lim->max_fields);
	check_params(fields);
	for (guint i = 0; i < uploads->len; i++) {
		const http_upload *u = g_ptr_array_index(uploads, i);

		check(g_utf8_validate(u->field, -1, NULL) && g_utf8_validate(u->filename, -1, NULL));
		check(strchr(u->filename, '/') == NULL && strchr(u->filename, '\\') == NULL);
		check(!text_has_control_chars(u->filename));
		check(g_bytes_get_size(u->data) <= lim->max_file_bytes);
		check(u->content_type != NULL && g_utf8_validate(u->content_type, -1, NULL));
		check(!text_has_control_chars(u->content_type));
	}
}

static void run_cookies(const char *s, size_t len)
{
	g_autofree char *header = g_strndup(s, len);
	g_autoptr(GHashTable) t = http_cookies_new();
	GHashTableIter it;
	gpointer k, v;

	http_parse_cookies(header, t);
	check(g_hash_table_size(t) <= 50);
	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		check(g_utf8_validate(k, -1, NULL) && !text_has_control_chars(k));
		check(g_utf8_validate(v, -1, NULL) && !text_has_control_chars(v));
		check(strlen(v) <= 4096);
	}
}

static void run_text(const char *s, size_t len)
{
	g_autofree char *str = g_strndup(s, len);
	g_autofree char *folded = text_search_fold(str);
	gboolean valid = g_utf8_validate(str, -1, NULL);

	check((folded != NULL) == valid);
	check(text_is_valid_utf8(s, len) == (valid && strlen(str) == len));
	if (folded != NULL) {
		g_autofree char *again = text_search_fold(folded);
		g_auto(GStrv) tokens = text_search_tokens(str);
		g_autofree char *trimmed = text_trim_dup(str);
		g_autofree char *collapsed = text_collapse_ws(str);
		g_autofree char *stripped = text_strip_control_chars(str);
		g_autofree char *cut = text_truncate_utf8(str, len / 2);

		check(again != NULL && strcmp(folded, again) == 0);
		check(tokens != NULL);
		for (size_t i = 0; tokens[i] != NULL; i++)
			check(tokens[i][0] != '\0' && g_utf8_validate(tokens[i], -1, NULL));
		check(trimmed != NULL && collapsed != NULL && stripped != NULL);
		check(!text_has_control_chars(stripped));
		check(strlen(cut) <= len / 2 && g_utf8_validate(cut, -1, NULL));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	http_parse_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const http_limits tight = {
		.max_fields = 8,
		.max_name_bytes = 16,
		.max_value_bytes = 64,
		.max_files = 3,
		.max_file_bytes = 128,
	};
	const http_limits *lim;
	const char *s;
	size_t len;

	if (size < 1)
		return 0;
	lim = (data[0] & 0x08) ? &tight : &http_limits_default;
	s = (const char *)data + 1;
	len = size - 1;
	switch (data[0] & 0x07) {
	case 0:
		run_form(s, len, lim, FALSE);
		break;
	case 1:
		run_form(s, len, lim, TRUE);
		break;
	case 2:
		run_multipart("multipart/form-data; boundary=" FUZZ_BOUNDARY, s, len, lim);
		break;
	case 3: {
		const char *nl = memchr(s, '\n', len);
		size_t hlen = nl != NULL ? (size_t)(nl - s) : len;
		g_autofree char *ct = g_strndup(s, hlen);

		run_multipart(ct, nl != NULL ? nl + 1 : s + len, nl != NULL ? len - hlen - 1 : 0,
			      lim);
		break;
	}
	case 4:
		run_cookies(s, len);
		break;
	case 5:
		run_text(s, len);
		break;
	default: {
		/* The same bytes through two parsers, to share one corpus. */
		run_form(s, len, lim, FALSE);
		run_multipart("multipart/form-data; boundary=" FUZZ_BOUNDARY, s, len, lim);
		break;
	}
	}
	return 0;
}
