/*
 * test_totp.c — unit tests for src/modules/account/totp.c: the RFC 6238
 * vectors, clock drift and replay, strict code input, agreement with the
 * oathtool command, the otpauth URI, the QR code SVG (well-formed, no
 * styles, and readable by zbarimg when that is installed) and recovery
 * codes.
 */
#include <glib/gstdio.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modules/account/totp.h"

/* "12345678901234567890" in base32: the RFC 6238 SHA1 test secret. */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void test_rfc6238_vectors(void)
{
	static const struct {
		int64_t t;
		const char *code;
	} vectors[] = {
		/* RFC 6238 appendix B, SHA1, last six of the eight digits. */
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"}, /* beyond 2038: 64-bit time */
	};
	char *enc = NULL;
	size_t enc_len = 0;

	g_assert_cmpint(oath_base32_encode("12345678901234567890", 20, &enc, &enc_len), ==, OATH_OK);
	g_assert_cmpmem(enc, enc_len, RFC_SECRET, strlen(RFC_SECRET));
	free(enc);

	for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
		g_autofree char *code = totp_code_at(RFC_SECRET, vectors[i].t);
		g_assert_cmpstr(code, ==, vectors[i].code);
		g_assert_cmpint(totp_verify(RFC_SECRET, vectors[i].code, vectors[i].t, -1), ==,
				vectors[i].t / 30);
	}
	/* The last second of a step and the first of the next differ. */
	g_autofree char *c29 = totp_code_at(RFC_SECRET, 29);
	g_autofree char *c30 = totp_code_at(RFC_SECRET, 30);
	g_autofree char *c0 = totp_code_at(RFC_SECRET, 0);
	g_assert_cmpstr(c29, ==, c0);
	g_assert_cmpstr(c29, !=, c30);
}

static void test_secret_new(void)
{
	g_autofree char *a = totp_secret_new();
	g_autofree char *b = totp_secret_new();
	char *raw = NULL;
	size_t raw_len = 0;

	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_cmpuint(strlen(a), ==, 32);
	g_assert_cmpstr(a, !=, b);
	for (const char *p = a; *p; p++)
		g_assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7'));
	g_assert_cmpint(oath_base32_decode(a, strlen(a), &raw, &raw_len), ==, OATH_OK);
	g_assert_cmpuint(raw_len, ==, 20);
	free(raw);

	g_autofree char *code = totp_code_at(a, 1700000000);
	g_assert_nonnull(code);
	g_assert_cmpint(totp_verify(a, code, 1700000000, -1), ==, 1700000000 / 30);
}

static void test_bad_secret(void)
{
	g_assert_null(totp_code_at(NULL, 59));
	g_assert_null(totp_code_at("", 59));
	g_assert_null(totp_code_at("!!!!????", 59));
	g_assert_null(totp_code_at("GEZDGNBV", 59)); /* 5 bytes: too short */
	g_assert_null(totp_code_at(RFC_SECRET, -1));
	g_assert_cmpint(totp_verify(NULL, "287082", 59, -1), ==, -1);
	g_assert_cmpint(totp_verify("", "287082", 59, -1), ==, -1);
	g_assert_cmpint(totp_verify("GEZDGNBV", "287082", 59, -1), ==, -1);
	g_assert_cmpint(totp_verify(RFC_SECRET, "287082", -5, -1), ==, -1);

	g_autofree char *huge = g_strnfill(10000, 'A');
	g_assert_null(totp_code_at(huge, 59));
}

static void test_drift(void)
{
	const int64_t t = 1111111109;
	const int64_t step = t / 30;

	for (int off = -3; off <= 3; off++) {
		g_autofree char *code = totp_code_at(RFC_SECRET, t + 30 * off);
		int64_t got = totp_verify(RFC_SECRET, code, t, -1);
		if (off >= -1 && off <= 1)
			g_assert_cmpint(got, ==, step + off);
		else
			g_assert_cmpint(got, ==, -1);
	}
	/* Near the epoch there is no step -1; that must not break anything. */
	g_assert_cmpint(totp_verify(RFC_SECRET, "287082", 10, -1), ==, 1);
}

static void test_replay(void)
{
	const int64_t t = 1234567890;
	const int64_t step = t / 30;
	g_autofree char *code = totp_code_at(RFC_SECRET, t);
	g_autofree char *prev = totp_code_at(RFC_SECRET, t - 30);
	g_autofree char *next = totp_code_at(RFC_SECRET, t + 30);

	int64_t used = totp_verify(RFC_SECRET, code, t, -1);
	g_assert_cmpint(used, ==, step);
	/* The same code again, even a few seconds later, is refused ... */
	g_assert_cmpint(totp_verify(RFC_SECRET, code, t, used), ==, -1);
	g_assert_cmpint(totp_verify(RFC_SECRET, code, t + 5, used), ==, -1);
	/* ... and so is the older code still inside the drift window ... */
	g_assert_cmpint(totp_verify(RFC_SECRET, prev, t, used), ==, -1);
	/* ... but the next one is fine, once. */
	g_assert_cmpint(totp_verify(RFC_SECRET, next, t + 30, used), ==, step + 1);
	g_assert_cmpint(totp_verify(RFC_SECRET, next, t + 30, step + 1), ==, -1);
	/* A code that was used "in the future" (drift) blocks the present. */
	g_assert_cmpint(totp_verify(RFC_SECRET, code, t, step + 1), ==, -1);
}

static void test_code_format(void)
{
	const int64_t t = 1234567890; /* code 005924 */

	g_assert_cmpint(totp_verify(RFC_SECRET, "005924", t, -1), >=, 0);
	g_assert_cmpint(totp_verify(RFC_SECRET, "005 924", t, -1), >=, 0);
	g_assert_cmpint(totp_verify(RFC_SECRET, " 005924 ", t, -1), >=, 0);
	g_assert_cmpint(totp_verify(RFC_SECRET, "0 0 5 9 2 4", t, -1), >=, 0);

	static const char *const bad[] = {
		"", " ", "05924", "0059240", "5924", "00592a", "abcdef", "+05924",
		"-05924", "005924\n", "005\t924", "005-924", "00592\xef\xbc\x94", /* fullwidth 4 */
		"\xd9\xa0\xd9\xa0\xd9\xa5\xd9\xa9\xd9\xa2\xd9\xa4", /* Arabic-Indic digits */
		"0059245", "5924  ", "0x1724",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(totp_verify(RFC_SECRET, bad[i], t, -1), ==, -1);
	g_assert_cmpint(totp_verify(RFC_SECRET, NULL, t, -1), ==, -1);
	/* A wrong but well-formed code. */
	g_assert_cmpint(totp_verify(RFC_SECRET, "005925", t, -1), ==, -1);
}

/* Runs oathtool with argv; returns its stripped stdout or NULL. */
static char *run_oathtool(const char *const *argv)
{
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL, NULL, &out, NULL, &status, &error))
		return NULL;
	if (!g_spawn_check_wait_status(status, NULL))
		return NULL;
	return g_strdup(g_strstrip(out));
}

static void test_oathtool(void)
{
	g_autofree char *tool = g_find_program_in_path("oathtool");
	if (!tool) {
		g_test_skip("oathtool is not installed");
		return;
	}
	g_autofree char *secret = totp_secret_new();

	/* At a fixed time the codes must be identical ... */
	const char *const argv_fixed[] = {"oathtool", "--totp", "-b", "-N", "@1700000000", secret,
					  NULL};
	g_autofree char *fixed = run_oathtool(argv_fixed);
	g_autofree char *ours = totp_code_at(secret, 1700000000);
	g_assert_nonnull(fixed);
	g_assert_cmpstr(fixed, ==, ours);

	/* ... and oathtool's code for "now" verifies now (a step boundary
	 * between the two clocks is covered by the drift window). */
	const char *const argv_now[] = {"oathtool", "--totp", "-b", secret, NULL};
	g_autofree char *now_code = run_oathtool(argv_now);
	g_assert_nonnull(now_code);
	g_assert_cmpint(totp_verify(secret, now_code, g_get_real_time() / G_USEC_PER_SEC, -1), >=, 0);
}

static void test_uri(void)
{
	g_autofree char *uri = totp_uri("Bildungsregion Duisburg", "jörg@example.org", RFC_SECRET);
	g_assert_cmpstr(uri, ==,
			"otpauth://totp/Bildungsregion%20Duisburg:j%C3%B6rg%40example.org"
			"?secret=" RFC_SECRET "&issuer=Bildungsregion%20Duisburg"
			"&algorithm=SHA1&digits=6&period=30");

	/* Characters with a meaning in the URI cannot break out of their part. */
	g_autofree char *tricky = totp_uri("A:B&C", "x?y#z/ü", "ABC");
	g_assert_cmpstr(tricky, ==,
			"otpauth://totp/A%3AB%26C:x%3Fy%23z%2F%C3%BC?secret=ABC&issuer=A%3AB%26C"
			"&algorithm=SHA1&digits=6&period=30");

	g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_NONE, NULL);
	g_assert_nonnull(parsed);
	g_assert_cmpstr(g_uri_get_scheme(parsed), ==, "otpauth");
}

/* Collects what the GMarkup parser saw in an SVG. */
typedef struct {
	int elements;
	int svg;
	int path;
	int rect;
	int depth_max;
	int depth;
	char *view_box;
	char *aria_label;
	char *d;
	gboolean has_style_attr;
} svg_info;

static void svg_start(GMarkupParseContext *ctx, const char *name, const char **names,
		      const char **values, gpointer data, GError **error)
{
	svg_info *info = data;

	info->elements++;
	info->depth++;
	if (info->depth > info->depth_max)
		info->depth_max = info->depth;
	if (strcmp(name, "svg") == 0)
		info->svg++;
	else if (strcmp(name, "path") == 0)
		info->path++;
	else if (strcmp(name, "rect") == 0)
		info->rect++;
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], "style") == 0)
			info->has_style_attr = TRUE;
		if (strcmp(name, "svg") == 0 && strcmp(names[i], "viewBox") == 0)
			info->view_box = g_strdup(values[i]);
		if (strcmp(name, "svg") == 0 && strcmp(names[i], "aria-label") == 0)
			info->aria_label = g_strdup(values[i]);
		if (strcmp(name, "path") == 0 && strcmp(names[i], "d") == 0)
			info->d = g_strdup(values[i]);
	}
}

static void svg_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
	((svg_info *)data)->depth--;
}

static void svg_info_clear(svg_info *info)
{
	g_free(info->view_box);
	g_free(info->aria_label);
	g_free(info->d);
}

static void svg_parse(const char *svg, svg_info *info)
{
	static const GMarkupParser parser = {svg_start, svg_end, NULL, NULL, NULL};
	g_autoptr(GError) error = NULL;

	memset(info, 0, sizeof *info);
	GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, info, NULL);
	gboolean ok = g_markup_parse_context_parse(ctx, svg, -1, &error) &&
		      g_markup_parse_context_end_parse(ctx, &error);
	g_markup_parse_context_free(ctx);
	g_assert_no_error(error);
	g_assert_true(ok);
}

/* Draws the path back into a module bitmap (size x size, 1 = dark). Only
 * the segment form totp_qr_svg writes is understood. */
static guint8 *svg_rasterise(const char *d, int size)
{
	guint8 *bits = g_malloc0((size_t)size * (size_t)size);
	const char *p = d;

	while (*p) {
		int x, y, w, w2, used = 0;
		g_assert_cmpint(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &w, &w2, &used), ==, 4);
		g_assert_cmpint(used, >, 0);
		g_assert_cmpint(w, ==, w2);
		g_assert_cmpint(w, >, 0);
		g_assert_cmpint(x, >=, 4);
		g_assert_cmpint(y, >=, 4);
		g_assert_cmpint(x + w, <=, size - 4);
		g_assert_cmpint(y, <, size - 4);
		for (int i = 0; i < w; i++)
			bits[y * size + x + i] = 1;
		p += used;
	}
	return bits;
}

/* Writes the bitmap as a PGM with `scale` pixels per module and asks
 * zbarimg what it reads. */
static char *zbar_read(const guint8 *bits, int size, int scale)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("test_totp_XXXXXX.pgm", &path, &error);
	g_assert_no_error(error);
	close(fd);

	const int px = size * scale;
	GString *img = g_string_new(NULL);
	g_string_append_printf(img, "P5\n%d %d\n255\n", px, px);
	for (int y = 0; y < px; y++)
		for (int x = 0; x < px; x++)
			g_string_append_c(img, bits[(y / scale) * size + x / scale] ? 0 : 255);
	g_assert_true(g_file_set_contents(path, img->str, (gssize)img->len, &error));
	g_string_free(img, TRUE);

	const char *argv[] = {"zbarimg", "--raw", "-q", path, NULL};
	g_autofree char *out = NULL;
	int status = 0;
	gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
				   &out, NULL, &status, &error);
	g_unlink(path);
	g_assert_no_error(error);
	if (!ok || !g_spawn_check_wait_status(status, NULL))
		return NULL;
	return g_strdup(g_strchomp(out));
}

static void test_qr_svg(void)
{
	g_autofree char *uri = totp_uri("Bildungsregion Duisburg", "jörg@example.org", RFC_SECRET);
	const char *label = "QR-Code für <Jörg> & \"Team\" 'Süd'";
	g_autofree char *svg = totp_qr_svg(uri, label);
	svg_info info;

	g_assert_nonnull(svg);
	g_assert_true(g_str_has_prefix(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	g_assert_true(g_str_has_suffix(svg, "</svg>"));
	g_assert_null(strstr(svg, "style=")); /* shape-rendering is fine, style is not */
	g_assert_null(strstr(svg, "<style"));
	g_assert_null(strstr(svg, "script"));
	g_assert_nonnull(strstr(svg, "role=\"img\""));
	g_assert_nonnull(strstr(svg, "fill=\"#000\""));
	g_assert_nonnull(strstr(svg, "fill=\"#fff\""));
	g_assert_nonnull(strstr(svg, "aria-label=\"QR-Code für &lt;Jörg&gt; &amp; &quot;Team&quot; "
				     "&#39;Süd&#39;\""));

	svg_parse(svg, &info);
	g_assert_cmpint(info.svg, ==, 1);
	g_assert_cmpint(info.path, ==, 1);
	g_assert_cmpint(info.rect, ==, 1);
	g_assert_cmpint(info.elements, ==, 3);
	g_assert_cmpint(info.depth_max, ==, 2);
	g_assert_false(info.has_style_attr);
	g_assert_cmpstr(info.aria_label, ==, label); /* escaping round-trips */

	/* The viewBox is the symbol plus a quiet zone of 4 modules each side. */
	QRcode *qr = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	g_assert_nonnull(qr);
	const int size = qr->width + 8;
	g_autofree char *want_box = g_strdup_printf("0 0 %d %d", size, size);
	g_assert_cmpstr(info.view_box, ==, want_box);

	/* The path draws exactly the dark modules, nothing in the quiet zone. */
	g_autofree guint8 *bits = svg_rasterise(info.d, size);
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			int dark = 0;
			if (x >= 4 && y >= 4 && x < size - 4 && y < size - 4)
				dark = qr->data[(y - 4) * qr->width + (x - 4)] & 1;
			g_assert_cmpint(bits[y * size + x], ==, dark);
		}
	QRcode_free(qr);
	svg_info_clear(&info);

	/* Controls and invalid UTF-8 in the label cannot break the XML. */
	g_autofree char *odd = totp_qr_svg("x", "a\x01" "b\xff" "c\td");
	g_assert_nonnull(odd);
	svg_parse(odd, &info);
	g_assert_cmpint(info.path, ==, 1);
	svg_info_clear(&info);

	g_assert_null(totp_qr_svg("", "leer"));
	/* Beyond the largest QR version. */
	g_autofree char *too_long = g_strnfill(5000, 'x');
	g_assert_null(totp_qr_svg(too_long, "zu lang"));
}

static void test_qr_zbar(void)
{
	g_autofree char *tool = g_find_program_in_path("zbarimg");
	if (!tool) {
		g_test_skip("zbarimg is not installed");
		return;
	}
	/* The URI is pure ASCII after percent-encoding, so zbarimg's charset
	 * guessing cannot get in the way. */
	g_autofree char *uri = totp_uri("Bildungsregion Duisburg", "jörg@example.org", RFC_SECRET);
	g_autofree char *svg = totp_qr_svg(uri, "QR-Code");
	svg_info info;

	svg_parse(svg, &info);
	int size = 0;
	g_assert_cmpint(sscanf(info.view_box, "0 0 %d", &size), ==, 1);
	g_autofree guint8 *bits = svg_rasterise(info.d, size);
	g_autofree char *read = zbar_read(bits, size, 4);
	g_assert_cmpstr(read, ==, uri);
	svg_info_clear(&info);
}

static gboolean in_alphabet(char c)
{
	return c != '\0' && strchr("abcdefghjkmnpqrstuvwxyz23456789", c) != NULL;
}

static void test_recovery_codes(void)
{
	g_auto(GStrv) codes = totp_recovery_codes(10);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	g_assert_nonnull(codes);
	g_assert_cmpuint(g_strv_length(codes), ==, 10);
	for (int i = 0; codes[i]; i++) {
		const char *c = codes[i];
		g_assert_cmpuint(strlen(c), ==, 14);
		for (int k = 0; k < 14; k++) {
			if (k == 4 || k == 9)
				g_assert_cmpint(c[k], ==, '-');
			else
				g_assert_true(in_alphabet(c[k]));
		}
		g_assert_true(g_hash_table_add(seen, (char *)c));
		/* A canonical code normalises to itself. */
		g_autofree char *n = totp_recovery_normalise(c);
		g_assert_cmpstr(n, ==, c);
	}

	/* Over many codes, every alphabet letter turns up and no look-alike. */
	g_auto(GStrv) many = totp_recovery_codes(100);
	g_autoptr(GHashTable) seen_many = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean used[256] = {FALSE};
	for (int i = 0; many[i]; i++) {
		g_assert_true(g_hash_table_add(seen_many, many[i]));
		for (const char *p = many[i]; *p; p++)
			used[(unsigned char)*p] = TRUE;
	}
	for (const char *p = "abcdefghjkmnpqrstuvwxyz23456789"; *p; p++)
		g_assert_true(used[(unsigned char)*p]);
	for (const char *p = "01oli"; *p; p++)
		g_assert_false(used[(unsigned char)*p]);

	g_auto(GStrv) none = totp_recovery_codes(0);
	g_assert_nonnull(none);
	g_assert_null(none[0]);
}

static void test_recovery_normalise(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"abcd-efgh-jkmn", "abcd-efgh-jkmn"},
		{"ABCD-EFGH-JKMN", "abcd-efgh-jkmn"},
		{"abcdefghjkmn", "abcd-efgh-jkmn"},
		{"  abcd efgh jkmn\n", "abcd-efgh-jkmn"},
		{"ab-cd-ef-gh-jk-mn", "abcd-efgh-jkmn"},
		{"abcd--efgh -- jkmn", "abcd-efgh-jkmn"},
		{"\tp2r3-s4t5-u6v7 ", "p2r3-s4t5-u6v7"},
		{"-abcd-efgh-jkmn-", "abcd-efgh-jkmn"},
		{"abcd-efgh-jkm", NULL},        /* 11 characters */
		{"abcd-efgh-jkmnp", NULL},      /* 13 characters */
		{"abcd-efgh-jkm0", NULL},       /* 0 is not in the alphabet */
		{"abcd-efgh-jkmo", NULL},       /* neither is o */
		{"abcd-efgh-jkm1", NULL},
		{"abcd-efgh-jkml", NULL},
		{"abcd-efgh-jkmi", NULL},
		{"abcd_efgh_jkmn", NULL},
		{"abcd\tefgh-jkmn", NULL},      /* inner tab: not a separator */
		{"abcd-efgh-jkm\xc3\xa4", NULL}, /* ä */
		{"abcd\xe2\x80\x93" "efgh-jkmn", NULL}, /* en dash */
		{"", NULL},
		{"   ", NULL},
		{"------------", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = totp_recovery_normalise(cases[i].in);
		g_assert_cmpstr(got, ==, cases[i].out);
	}
	g_assert_null(totp_recovery_normalise(NULL));
	/* Overlong input is refused before it is looked at. */
	g_autofree char *long_input = g_strnfill(1000, ' ');
	g_assert_null(totp_recovery_normalise(long_input));
}

/* Several request workers use the module at once: nothing may be shared. */
static gpointer worker(gpointer data)
{
	for (int i = 0; i < 100; i++) {
		g_autofree char *secret = totp_secret_new();
		const int64_t t = 1700000000 + 30 * i;
		g_autofree char *code = totp_code_at(secret, t);
		g_assert_cmpint(totp_verify(secret, code, t, -1), ==, t / 30);
		g_autofree char *rfc = totp_code_at(RFC_SECRET, 59);
		g_assert_cmpstr(rfc, ==, "287082");
		g_autofree char *uri = totp_uri("Issuer", "acc", secret);
		g_autofree char *svg = totp_qr_svg(uri, "QR");
		g_assert_nonnull(svg);
		g_auto(GStrv) rc = totp_recovery_codes(3);
		g_autofree char *norm = totp_recovery_normalise(rc[0]);
		g_assert_cmpstr(norm, ==, rc[0]);
	}
	return NULL;
}

static void test_threads(void)
{
	GThread *threads[4];

	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("totp", worker, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(totp_init(), ==, 0);
	g_assert_cmpint(totp_init(), ==, 0); /* idempotent */

	g_test_add_func("/totp/rfc6238", test_rfc6238_vectors);
	g_test_add_func("/totp/secret-new", test_secret_new);
	g_test_add_func("/totp/bad-secret", test_bad_secret);
	g_test_add_func("/totp/drift", test_drift);
	g_test_add_func("/totp/replay", test_replay);
	g_test_add_func("/totp/code-format", test_code_format);
	g_test_add_func("/totp/oathtool", test_oathtool);
	g_test_add_func("/totp/uri", test_uri);
	g_test_add_func("/totp/qr-svg", test_qr_svg);
	g_test_add_func("/totp/qr-zbar", test_qr_zbar);
	g_test_add_func("/totp/recovery-codes", test_recovery_codes);
	g_test_add_func("/totp/recovery-normalise", test_recovery_normalise);
	g_test_add_func("/totp/threads", test_threads);
	return g_test_run();
}
