/*
 * test_files.c — unit tests of the file store (src/files): type by content,
 * image sizes, names, limits, content-addressed blobs shared within a region
 * and never across regions, deletion of the last reference, transactions,
 * and the download headers' pieces (Content-Disposition, ETag matching).
 *
 * The store tests run on the backend the environment chooses
 * (tests/unit/test_dbenv.h): SQLite by default, PostgreSQL with
 * BIREG_TEST_BACKEND=postgres, where the connection is the serving role and
 * row-level security applies. Rows are counted with plain SQL, so every
 * assertion is about what really is in the database.
 */
#include "db/db.h"
#include "files/file_store.h"
#include "files/file_web.h"
#include "test_dbenv.h"

#include <string.h>

/* ---- sample files ---------------------------------------------------- */

static void put_be32(GByteArray *a, guint32 v)
{
	guint8 b[4] = {v >> 24, v >> 16, v >> 8, v};
	g_byte_array_append(a, b, 4);
}

static guint32 crc32_of(guint32 crc, const guint8 *p, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void png_chunk(GByteArray *a, const char *type, const guint8 *data, guint32 len)
{
	guint32 crc = crc32_of(0, (const guint8 *)type, 4);
	crc = crc32_of(crc, data, len);
	put_be32(a, len);
	g_byte_array_append(a, (const guint8 *)type, 4);
	g_byte_array_append(a, data, len);
	put_be32(a, crc);
}

/* raw as a zlib stream of stored (uncompressed) deflate blocks: valid for
 * every PNG reader, and needs no zlib here. */
static GByteArray *zlib_stored(const GByteArray *raw)
{
	GByteArray *z = g_byte_array_new();
	guint32 s1 = 1, s2 = 0;
	guint pos = 0;

	g_byte_array_append(z, (const guint8 *)"\x78\x01", 2);
	do {
		guint n = MIN(raw->len - pos, 65535u);
		guint8 hdr[5] = {pos + n == raw->len, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff};
		g_byte_array_append(z, hdr, 5);
		g_byte_array_append(z, raw->data + pos, n);
		pos += n;
	} while (pos < raw->len);
	for (guint i = 0; i < raw->len; i++) {
		s1 = (s1 + raw->data[i]) % 65521;
		s2 = (s2 + s1) % 65521;
	}
	put_be32(z, s2 << 16 | s1);
	return z;
}

/* A real PNG of w × h pixels of one colour (RGBA), readable by any viewer. */
static GBytes *make_png(guint32 w, guint32 h, guint8 red)
{
	static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	g_autoptr(GByteArray) a = g_byte_array_new();
	g_autoptr(GByteArray) raw = g_byte_array_new();
	g_autoptr(GByteArray) z = NULL;
	guint8 ihdr[13];

	g_byte_array_append(a, sig, 8);
	ihdr[0] = w >> 24; ihdr[1] = w >> 16; ihdr[2] = w >> 8; ihdr[3] = w;
	ihdr[4] = h >> 24; ihdr[5] = h >> 16; ihdr[6] = h >> 8; ihdr[7] = h;
	ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
	png_chunk(a, "IHDR", ihdr, 13);
	for (guint32 y = 0; y < h; y++) {
		guint8 filter = 0, px[4] = {red, 40, 90, 255};
		g_byte_array_append(raw, &filter, 1);
		for (guint32 x = 0; x < w; x++)
			g_byte_array_append(raw, px, 4);
	}
	z = zlib_stored(raw);
	png_chunk(a, "IDAT", z->data, z->len);
	png_chunk(a, "IEND", (const guint8 *)"", 0);
	return g_byte_array_free_to_bytes(g_steal_pointer(&a));
}

/* A baseline JPEG header (JFIF, SOF0 with the size) and EOI: enough for
 * libmagic and for the size reader. */
static GBytes *make_jpeg_header(guint16 w, guint16 h)
{
	guint8 d[] = {0xff, 0xd8,                                        /* SOI */
		      0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
		      0x00, 0x01, 0x00, 0x01, 0x00, 0x00,                 /* APP0 JFIF */
		      0xff, 0xdb, 0x00, 0x04, 0x00, 0x00,                 /* a short DQT */
		      0xff, 0xc0, 0x00, 0x11, 0x08, h >> 8, h & 0xff, w >> 8, w & 0xff, 0x03,
		      0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, /* SOF0 */
		      0xff, 0xd9};
	return g_bytes_new(d, sizeof d);
}

/* A lossless WebP header (RIFF, VP8L) of w × h. */
static GBytes *make_webp_header(guint32 w, guint32 h)
{
	guint32 wm = w - 1, hm = h - 1;
	guint8 d[40] = {'R', 'I', 'F', 'F', 32, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L',
			20, 0, 0, 0, 0x2f};
	d[21] = wm & 0xff;
	d[22] = ((wm >> 8) & 0x3f) | ((hm & 0x3) << 6);
	d[23] = (hm >> 2) & 0xff;
	d[24] = (hm >> 10) & 0x0f;
	return g_bytes_new(d, sizeof d);
}

/* ---- fixture --------------------------------------------------------- */

typedef struct {
	db *d;
	int64_t region_a, region_b, account;
	bireg_ctx a, b; /* contexts of the two regions */
} fixture;


static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
	f->region_a = test_db_add_region(f->d, "alpha", "Bildungsregion Alpha");
	f->region_b = test_db_add_region(f->d, "beta", "Bildungsregion Beta");
	f->account = test_db_insert_id(f->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('admin@alpha.example', 'Admin Alpha', 'x', '2026-01-01T00:00:00Z', "
		"'2026-01-01T00:00:00Z') RETURNING id");
	f->a = (bireg_ctx){.db = f->d, .region_id = f->region_a, .user_id = f->account};
	f->b = (bireg_ctx){.db = f->d, .region_id = f->region_b};
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

/* Works as region r: the store scopes by ctx, PostgreSQL's policies by the
 * connection's region; a request sets both, so the tests do too. */
static const bireg_ctx *as(fixture *f, const bireg_ctx *ctx)
{
	db_set_region(f->d, ctx->region_id);
	return ctx;
}

static int64_t count(fixture *f, const char *sql, int64_t region)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;

	db_set_region(f->d, region);
	st = db_prepare(f->d, sql, &err);
	g_assert_no_error(err);
	if (strstr(sql, "$1"))
		db_bind_int64(st, 1, region);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

#define FILES(f, r) count(f, "SELECT count(*) FROM file WHERE region_id = $1", r)
#define BLOBS(f, r) count(f, "SELECT count(*) FROM file_blob WHERE region_id = $1", r)

static const file_rules any_file = {.purpose = "test.any", .visibility = "office"};

static int64_t put_ok(fixture *f, const bireg_ctx *ctx, const char *name, GBytes *data,
		      const file_rules *rules)
{
	g_autoptr(GError) err = NULL;
	gsize len;
	const void *p = g_bytes_get_data(data, &len);
	int64_t id = 0;

	g_assert_cmpint(file_put(as(f, ctx), name, p, len, rules, &id, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* ---- type by content ------------------------------------------------- */

static void test_detect_types(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(3, 2, 1);
	g_autoptr(GBytes) jpeg = make_jpeg_header(64, 48);
	g_autoptr(GBytes) webp = make_webp_header(300, 150);
	static const char text[] = "Sehr geehrte Damen und Herren,\nanbei der Bericht.\n";
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
	struct {
		const void *data;
		size_t len;
		const char *type;
	} cases[] = {
		{g_bytes_get_data(png, NULL), g_bytes_get_size(png), "image/png"},
		{g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), "image/jpeg"},
		{g_bytes_get_data(webp, NULL), g_bytes_get_size(webp), "image/webp"},
		{"GIF89a\x10\x00\x08\x00\x00\x00\x00;", 14, "image/gif"},
		{text, sizeof text - 1, "text/plain"},
		{pdf, sizeof pdf - 1, "application/pdf"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = file_detect_type(cases[i].data, cases[i].len, &err);
		g_assert_no_error(err);
		g_assert_cmpstr(t, ==, cases[i].type);
	}
}

/* Detection from several threads at once: each has its own libmagic
 * handle, so the answers never mix. */
static gpointer detect_many(gpointer data)
{
	GBytes *png = data;
	for (int i = 0; i < 50; i++) {
		g_autofree char *t = file_detect_type(g_bytes_get_data(png, NULL),
						      g_bytes_get_size(png), NULL);
		if (g_strcmp0(t, "image/png"))
			return GINT_TO_POINTER(1);
		g_autofree char *u = file_detect_type("plain words\n", 12, NULL);
		if (g_strcmp0(u, "text/plain"))
			return GINT_TO_POINTER(1);
	}
	return NULL;
}

static void test_detect_threads(void)
{
	g_autoptr(GBytes) png = make_png(8, 8, 2);
	GThread *t[4];

	for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("detect", detect_many, png);
	for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
		g_assert_null(g_thread_join(t[i]));
}

static void test_image_sizes(void)
{
	g_autoptr(GBytes) png = make_png(320, 100, 3);
	g_autoptr(GBytes) jpeg = make_jpeg_header(640, 480);
	g_autoptr(GBytes) webp = make_webp_header(1000, 250);
	static const guint8 vp8x[30] = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
					'V', 'P', '8', 'X', 10, 0, 0, 0, 0x10, 0, 0, 0,
					0x1f, 0x03, 0x00, 0xc7, 0x00, 0x00}; /* 800 × 200 */
	int w = 0, h = 0;

	g_assert_true(file_image_size(g_bytes_get_data(png, NULL), g_bytes_get_size(png), "image/png", &w, &h));
	g_assert_cmpint(w, ==, 320);
	g_assert_cmpint(h, ==, 100);
	g_assert_true(file_image_size(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), "image/jpeg", &w, &h));
	g_assert_cmpint(w, ==, 640);
	g_assert_cmpint(h, ==, 480);
	g_assert_true(file_image_size(g_bytes_get_data(webp, NULL), g_bytes_get_size(webp), "image/webp", &w, &h));
	g_assert_cmpint(w, ==, 1000);
	g_assert_cmpint(h, ==, 250);
	g_assert_true(file_image_size(vp8x, sizeof vp8x, "image/webp", &w, &h));
	g_assert_cmpint(w, ==, 800);
	g_assert_cmpint(h, ==, 200);
	g_assert_true(file_image_size("GIF89a\x10\x00\x08\x00\x00\x00\x00;", 14, "image/gif", &w, &h));
	g_assert_cmpint(w, ==, 16);
	g_assert_cmpint(h, ==, 8);

	/* Cut short, wrong type, zero size: no size. */
	w = h = -1;
	g_assert_false(file_image_size(g_bytes_get_data(png, NULL), 20, "image/png", &w, &h));
	g_assert_false(file_image_size(g_bytes_get_data(jpeg, NULL), 30, "image/jpeg", &w, &h));
	g_assert_false(file_image_size(g_bytes_get_data(png, NULL), g_bytes_get_size(png), "image/jpeg", &w, &h));
	g_assert_false(file_image_size("%PDF-1.4", 8, "application/pdf", &w, &h));
	g_assert_false(file_image_size("GIF89a\x00\x00\x08\x00", 10, "image/gif", &w, &h));
	g_assert_cmpint(w, ==, -1);
}

/* ---- names ----------------------------------------------------------- */

static void test_sanitize_names(void)
{
	struct {
		const char *in, *type, *out;
	} cases[] = {
		{"../../etc/passwd", NULL, "passwd"},
		{"C:\\Users\\kim\\Bericht.pdf", NULL, "Bericht.pdf"},
		{"/abs/path/Übersicht.pdf", NULL, "Übersicht.pdf"},
		{"Einladung \"Sitzung\".pdf", NULL, "Einladung _Sitzung_.pdf"},
		{"a<b>c:d|e?f*g.txt", NULL, "a_b_c_d_e_f_g.txt"},
		{"Zeile1\r\nZeile2.txt", NULL, "Zeile1 Zeile2.txt"},
		{"Tab\there\x01\x7f.txt", NULL, "Tab here.txt"},
		{"Förderanträge Größe ß.xlsx", NULL, "Förderanträge Größe ß.xlsx"},
		{"U\xcc\x88" "bersicht.pdf", NULL, "Übersicht.pdf"}, /* decomposed Ü becomes NFC */
		{"rechnung\xe2\x80\xaegnp.exe", NULL, "rechnunggnp.exe"}, /* U+202E bidi override */
		{"null\xe2\x80\x8b" "breite.txt", NULL, "nullbreite.txt"},   /* U+200B zero width space */
		{"   viel    Platz   .txt  ", NULL, "viel Platz .txt"},
		{"..", "image/png", "datei.png"},
		{".bashrc", NULL, "bashrc"},
		{"Ende...", NULL, "Ende"},
		{"", "image/png", "datei.png"},
		{NULL, "application/pdf", "datei.pdf"},
		{"\xff\xfe.txt", NULL, "__.txt"},
		{"?", NULL, "datei"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = file_sanitize_name(cases[i].in, cases[i].type);
		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

static void test_sanitize_long_names(void)
{
	g_autoptr(GString) in = g_string_new(NULL);
	g_autofree char *got = NULL;

	/* 300 characters (600 bytes) of umlauts and an extension. */
	for (int i = 0; i < 300; i++)
		g_string_append(in, "ä");
	g_string_append(in, ".pdf");
	got = file_sanitize_name(in->str, NULL);
	g_assert_cmpuint(strlen(got), <=, FILE_NAME_MAX);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	g_assert_true(g_str_has_suffix(got, ".pdf"));
	g_assert_true(g_str_has_prefix(got, "ää"));
	g_assert_cmpuint(strlen(got), >=, FILE_NAME_MAX - 1);

	/* Without an extension: cut at a character boundary. */
	g_string_truncate(in, 0);
	g_string_append_c(in, 'x');
	for (int i = 0; i < 300; i++)
		g_string_append(in, "ö");
	g_clear_pointer(&got, g_free);
	got = file_sanitize_name(in->str, NULL);
	g_assert_cmpuint(strlen(got), <=, FILE_NAME_MAX);
	g_assert_true(g_utf8_validate(got, -1, NULL));
}

/* ---- download headers ------------------------------------------------ */

static void test_content_disposition(void)
{
	struct {
		const char *name, *type, *out;
	} cases[] = {
		{"logo.png", "image/png", "inline; filename=\"logo.png\"; filename*=UTF-8''logo.png"},
		{"Bericht Größe ä.pdf", "application/pdf",
		 "attachment; filename=\"Bericht Groesse ae.pdf\"; "
		 "filename*=UTF-8''Bericht%20Gr%C3%B6%C3%9Fe%20%C3%A4.pdf"},
		{"Zitat \"x\" \\ y.txt", "text/plain",
		 "attachment; filename=\"Zitat x  y.txt\"; filename*=UTF-8''Zitat%20%22x%22%20%5C%20y.txt"},
		{"a\r\nb;c.svg", "image/svg+xml", "attachment; filename=\"ab;c.svg\"; filename*=UTF-8''a%0D%0Ab%3Bc.svg"},
		{"日本.webp", "image/webp", "inline; filename=\"__.webp\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.webp"},
		{"", "application/pdf", "attachment; filename=\"datei\"; filename*=UTF-8''"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = file_content_disposition(cases[i].name, cases[i].type);
		g_assert_cmpstr(got, ==, cases[i].out);
		/* Never a line break or a control character in the header. */
		for (const char *p = got; *p; p++)
			g_assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	}
	g_assert_true(file_shown_inline("image/jpeg"));
	g_assert_false(file_shown_inline("image/svg+xml"));
	g_assert_false(file_shown_inline("text/html"));
}

static void test_etag_matches(void)
{
	const char *etag = "\"0123abcd\"";

	g_assert_true(file_etag_matches("\"0123abcd\"", etag));
	g_assert_true(file_etag_matches("\"x\", W/\"0123abcd\"", etag));
	g_assert_true(file_etag_matches(" \"y\" ,\"0123abcd\" ", etag));
	g_assert_true(file_etag_matches("*", etag));
	g_assert_false(file_etag_matches("\"0123abce\"", etag));
	g_assert_false(file_etag_matches("0123abcd", etag));
	g_assert_false(file_etag_matches("", etag));
	g_assert_false(file_etag_matches(NULL, etag));
}

/* ---- the store ------------------------------------------------------- */

static void test_put_get_roundtrip(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(320, 100, 10);
	g_autoptr(file_info) got = NULL, stat = NULL;
	g_autofree char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, png);
	int64_t id = put_ok(f, &f->a, "Logo Bildungsregion.png", png, &file_rules_region_logo);

	got = file_get(as(f, &f->a), id, &err);
	g_assert_no_error(err);
	g_assert_nonnull(got);
	g_assert_cmpint(got->id, ==, id);
	g_assert_cmpstr(got->name, ==, "Logo Bildungsregion.png");
	g_assert_cmpstr(got->media_type, ==, "image/png");
	g_assert_cmpint(got->size, ==, (int64_t)g_bytes_get_size(png));
	g_assert_cmpstr(got->purpose, ==, "region.logo");
	g_assert_cmpstr(got->visibility, ==, "public");
	g_assert_cmpstr(got->sha256, ==, sha);
	g_assert_cmpint(got->width, ==, 320);
	g_assert_cmpint(got->height, ==, 100);
	g_assert_cmpint(got->created_by, ==, f->account);
	g_assert_cmpuint(strlen(got->created_at), ==, 20);
	g_assert_true(g_bytes_equal(got->data, png));

	stat = file_stat(&f->a, id, &err);
	g_assert_no_error(err);
	g_assert_nonnull(stat);
	g_assert_null(stat->data);
	g_assert_cmpstr(stat->sha256, ==, sha);

	/* Not there: NULL without an error. */
	g_assert_null(file_get(&f->a, id + 1000, &err));
	g_assert_no_error(err);
}

static void test_type_by_content(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(10, 10, 20);
	static const char text[] = "Das ist kein Bild, nur Text mit der Endung .png.\n";
	g_autoptr(file_info) got = NULL;
	int64_t id = 0;

	/* A PNG called .pdf is a PNG. */
	id = put_ok(f, &f->a, "bericht.pdf", png, &any_file);
	got = file_stat(&f->a, id, &err);
	g_assert_cmpstr(got->media_type, ==, "image/png");
	g_assert_cmpstr(got->name, ==, "bericht.pdf");

	/* Text called .png is refused as a logo, and nothing is stored. */
	id = 0;
	g_assert_cmpint(file_put(as(f, &f->a), "logo.png", text, sizeof text - 1,
				 &file_rules_region_logo, &id, &err), ==, -1);
	g_assert_error(err, BIREG_FILE_ERROR, FILE_ERROR_TYPE);
	g_assert_cmpint(id, ==, 0);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
	g_clear_error(&err);

	/* An SVG is no logo either (it can carry script). */
	static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
				  "width=\"10\" height=\"10\"><script>alert(1)</script></svg>\n";
	g_assert_cmpint(file_put(as(f, &f->a), "logo.svg", svg, sizeof svg - 1,
				 &file_rules_region_logo, &id, &err), ==, -1);
	g_assert_error(err, BIREG_FILE_ERROR, FILE_ERROR_TYPE);
	g_clear_error(&err);

	/* A PNG signature with a broken header is refused where an image is required. */
	g_autoptr(GByteArray) broken = g_byte_array_new();
	g_byte_array_append(broken, g_bytes_get_data(png, NULL), 16);
	g_byte_array_append(broken, (const guint8 *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	g_assert_cmpint(file_put(as(f, &f->a), "kaputt.png", broken->data, broken->len,
				 &file_rules_region_logo, &id, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_FILE_ERROR, FILE_ERROR_IMAGE) ||
		      g_error_matches(err, BIREG_FILE_ERROR, FILE_ERROR_TYPE));
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
}

static void test_limits(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	file_rules small = any_file;
	g_autofree char *bytes = g_malloc(101);
	int64_t id = 0;

	memset(bytes, 'a', 101);
	small.max_bytes = 100;
	g_assert_cmpint(file_put(as(f, &f->a), "zu-gross.txt", bytes, 101, &small, &id, &err), ==, -1);
	g_assert_error(err, BIREG_FILE_ERROR, FILE_ERROR_TOO_LARGE);
	g_clear_error(&err);
	/* Exactly the limit is fine. */
	g_assert_cmpint(file_put(&f->a, "passt.txt", bytes, 100, &small, &id, &err), ==, 0);
	g_assert_no_error(err);
	/* Empty is refused, with and without a pointer. */
	g_assert_cmpint(file_put(&f->a, "leer.txt", bytes, 0, &small, &id, &err), ==, -1);
	g_assert_error(err, BIREG_FILE_ERROR, FILE_ERROR_EMPTY);
	g_clear_error(&err);
	g_assert_cmpint(file_put(&f->a, "leer.txt", NULL, 0, &small, &id, &err), ==, -1);
	g_assert_error(err, BIREG_FILE_ERROR, FILE_ERROR_EMPTY);
	g_clear_error(&err);
	/* The logo's own limit. */
	g_assert_cmpuint(file_rules_region_logo.max_bytes, ==, FILE_LOGO_MAX_BYTES);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
}

static void test_dedupe_and_delete(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(40, 20, 30);
	g_autoptr(GBytes) other = make_png(40, 20, 31);
	g_autoptr(file_info) g = NULL;
	int64_t one = put_ok(f, &f->a, "eins.png", png, &file_rules_region_logo);
	int64_t two = put_ok(f, &f->a, "zwei.png", png, &any_file);
	int64_t three = put_ok(f, &f->a, "drei.png", other, &any_file);

	g_assert_cmpint(one, !=, two);
	/* Two files, one blob for the same bytes. */
	g_assert_cmpint(FILES(f, f->region_a), ==, 3);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 2);
	g_assert_cmpint(count(f, "SELECT count(DISTINCT blob_id) FROM file WHERE region_id = $1 "
				 "AND name IN ('eins.png', 'zwei.png')", f->region_a), ==, 1);

	/* The first goes; the blob stays for the second, whose bytes are intact. */
	g_assert_cmpint(file_delete(as(f, &f->a), one, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(FILES(f, f->region_a), ==, 2);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 2);
	g_assert_null(file_stat(as(f, &f->a), one, &err));
	g_assert_no_error(err);
	g = file_get(&f->a, two, &err);
	g_assert_nonnull(g);
	g_assert_true(g_bytes_equal(g->data, png));

	/* The last reference goes: the blob goes with it. */
	g_assert_cmpint(file_delete(&f->a, two, &err), ==, 1);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
	g_assert_cmpint(file_delete(as(f, &f->a), two, &err), ==, 0); /* gone already */
	g_assert_no_error(err);

	/* The same bytes again make a new blob. */
	int64_t four = put_ok(f, &f->a, "vier.png", png, &any_file);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 2);
	g_assert_cmpint(file_delete(as(f, &f->a), four, &err), ==, 1);
	g_assert_cmpint(file_delete(as(f, &f->a), three, &err), ==, 1);
	g_assert_cmpint(FILES(f, f->region_a), ==, 0);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 0);
}

/* A blob still referred to cannot be deleted behind the store's back: the
 * foreign key refuses. */
static void test_blob_foreign_key(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(4, 4, 40);
	g_autoptr(db_stmt) st = NULL;

	put_ok(f, &f->a, "x.png", png, &any_file);
	db_set_region(f->d, f->region_a);
	st = db_prepare(f->d, "DELETE FROM file_blob WHERE region_id = $1", &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, f->region_a);
	g_assert_cmpint(db_run(st, &err), ==, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
}

static void test_regions_separate(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(12, 12, 50);
	int64_t in_a = put_ok(f, &f->a, "a.png", png, &any_file);
	int64_t in_b;

	/* Region B does not see, read or delete A's file. */
	g_assert_null(file_stat(as(f, &f->b), in_a, &err));
	g_assert_no_error(err);
	g_assert_null(file_get(as(f, &f->b), in_a, &err));
	g_assert_no_error(err);
	g_assert_cmpint(file_delete(as(f, &f->b), in_a, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);

	/* The same bytes in B are a blob of B's own: regions share no rows. */
	in_b = put_ok(f, &f->b, "b.png", png, &any_file);
	g_assert_cmpint(in_b, !=, in_a);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_b), ==, 1);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file f JOIN file_blob b ON b.id = f.blob_id "
				 "WHERE f.region_id = $1 AND b.region_id <> f.region_id", f->region_a), ==, 0);

	/* Deleting B's file leaves A's bytes alone. */
	g_assert_cmpint(file_delete(as(f, &f->b), in_b, &err), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_b), ==, 0);
	g_autoptr(file_info) still = file_get(as(f, &f->a), in_a, &err);
	g_assert_nonnull(still);
	g_assert_true(g_bytes_equal(still->data, png));

	/* Without a region the store refuses outright. */
	bireg_ctx none = {.db = f->d};
	int64_t id = 0;
	g_assert_cmpint(file_put(&none, "x.png", "x", 1, &any_file, &id, &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);
	g_assert_null(file_stat(&none, in_a, &err));
	g_assert_nonnull(err);
}

/* PostgreSQL: row-level security hides a region's files from a
 * connection set to another region, or to none, even in plain SQL without
 * a region condition. */
static void test_rls(fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) png = make_png(6, 6, 60);

	if (!test_db_is_postgres()) {
		g_test_skip("row-level security is PostgreSQL's");
		return;
	}
	put_ok(f, &f->a, "a.png", png, &any_file);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file", f->region_a), ==, 1);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file_blob", f->region_a), ==, 1);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file", f->region_b), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file_blob", f->region_b), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file", 0), ==, 0);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file_blob", 0), ==, 0);

	/* Nor can B write a row claiming to be A's. */
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;
	db_set_region(f->d, f->region_b);
	st = db_prepare(f->d, "INSERT INTO file_blob (region_id, sha256, size, content, created_at) "
			      "VALUES ($1, $2, 1, $3, '2026-01-01T00:00:00Z')", &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, f->region_a);
	db_bind_text(st, 2, "0000000000000000000000000000000000000000000000000000000000000000");
	db_bind_blob(st, 3, "x", 1);
	g_assert_cmpint(db_run(st, &err), <, 0);
}

static void test_joins_transaction(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(5, 5, 70);
	int64_t id = 0, kept;

	/* Rolled back with the caller's transaction. */
	as(f, &f->a);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(file_put(&f->a, "weg.png", g_bytes_get_data(png, NULL),
				 g_bytes_get_size(png), &any_file, &id, &err), ==, 0);
	g_assert_true(db_in_transaction(f->d));
	db_rollback(f->d);
	g_assert_cmpint(FILES(f, f->region_a), ==, 0);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 0);

	/* Committed with it; a delete inside it too. */
	kept = put_ok(f, &f->a, "bleibt.png", png, &any_file);
	as(f, &f->a);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(file_delete(&f->a, kept, &err), ==, 1);
	db_rollback(f->d);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
	as(f, &f->a);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(file_delete(&f->a, kept, &err), ==, 1);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_cmpint(FILES(f, f->region_a), ==, 0);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 0);
}

static void test_created_by_optional(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(3, 3, 80);
	int64_t id = put_ok(f, &f->b, "system.png", png, &any_file); /* no user in ctx b */
	g_autoptr(file_info) got = file_stat(as(f, &f->b), id, &err);

	g_assert_cmpint(got->created_by, ==, 0);
	g_assert_cmpint(got->width, ==, 3);
	g_assert_cmpstr(got->visibility, ==, "office");
	g_assert_cmpstr(got->purpose, ==, "test.any");
}

/* ---- two connections at once ------------------------------------------ */

typedef struct {
	const char *url;
	int64_t region, file; /* file: what to delete; 0: put bytes instead */
	GBytes *bytes;
	int rc;
	char *error;
} racer;

/* Runs one store call on a connection of its own (a second node, or a
 * second worker), waiting for whatever the main thread holds. */
static gpointer race(gpointer data)
{
	racer *r = data;
	g_autoptr(GError) err = NULL;
	db *d = db_open(r->url, &err);
	bireg_ctx ctx = {.db = d, .region_id = r->region};
	int64_t id = 0;

	if (!d) {
		r->error = g_strdup(err->message);
		r->rc = -1;
		return NULL;
	}
	db_set_region(d, r->region);
	if (r->file)
		r->rc = file_delete(&ctx, r->file, &err);
	else
		r->rc = file_put(&ctx, "wieder.png", g_bytes_get_data(r->bytes, NULL),
				 g_bytes_get_size(r->bytes), &any_file, &id, &err);
	if (err)
		r->error = g_strdup(err->message);
	db_close(d);
	return NULL;
}

/* The last file of a blob is deleted while the same bytes are stored
 * again, in both orders: the blob is never lost under a new file, and
 * never left behind without one. */
static void test_put_delete_race(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) png = make_png(16, 16, 90);
	racer r = {.url = test_db_url(f->d), .region = f->region_a, .bytes = png};
	GThread *t;
	int64_t first = put_ok(f, &f->a, "erst.png", png, &any_file);

	/* 1. The delete holds the blob; the put waits, then stores the bytes anew. */
	as(f, &f->a);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(file_delete(&f->a, first, &err), ==, 1);
	t = g_thread_new("put", race, &r);
	g_usleep(300 * 1000);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_thread_join(t);
	g_assert_cmpstr(r.error, ==, NULL);
	g_assert_cmpint(r.rc, ==, 0);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
	g_assert_cmpint(count(f, "SELECT count(*) FROM file WHERE region_id = $1 AND name = 'wieder.png'",
			      f->region_a), ==, 1);

	/* 2. The put holds the blob; the delete of the old file waits, then
	 * sees the new file and keeps the blob. */
	int64_t old = count(f, "SELECT min(id) FROM file WHERE region_id = $1", f->region_a);
	int64_t fresh = 0;
	as(f, &f->a);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(file_put(&f->a, "neu.png", g_bytes_get_data(png, NULL), g_bytes_get_size(png),
				 &any_file, &fresh, &err), ==, 0);
	racer del = {.url = r.url, .region = f->region_a, .file = old};
	t = g_thread_new("delete", race, &del);
	g_usleep(300 * 1000);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_thread_join(t);
	g_assert_cmpstr(del.error, ==, NULL);
	g_assert_cmpint(del.rc, ==, 1);
	g_assert_cmpint(FILES(f, f->region_a), ==, 1);
	g_assert_cmpint(BLOBS(f, f->region_a), ==, 1);
	g_autoptr(file_info) got = file_get(as(f, &f->a), fresh, &err);
	g_assert_nonnull(got);
	g_assert_true(g_bytes_equal(got->data, png));
	g_free(r.error);
	g_free(del.error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/files/detect/types", test_detect_types);
	g_test_add_func("/files/detect/threads", test_detect_threads);
	g_test_add_func("/files/image-size", test_image_sizes);
	g_test_add_func("/files/name/sanitize", test_sanitize_names);
	g_test_add_func("/files/name/long", test_sanitize_long_names);
	g_test_add_func("/files/web/content-disposition", test_content_disposition);
	g_test_add_func("/files/web/etag", test_etag_matches);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/files/store/roundtrip", test_put_get_roundtrip);
	ADD("/files/store/type-by-content", test_type_by_content);
	ADD("/files/store/limits", test_limits);
	ADD("/files/store/dedupe-and-delete", test_dedupe_and_delete);
	ADD("/files/store/blob-foreign-key", test_blob_foreign_key);
	ADD("/files/store/regions-separate", test_regions_separate);
	ADD("/files/store/rls", test_rls);
	ADD("/files/store/transaction", test_joins_transaction);
	ADD("/files/store/created-by", test_created_by_optional);
	ADD("/files/store/put-delete-race", test_put_delete_race);
	return g_test_run();
}
