/*
 * file_type.c — what a file is, from its bytes: the media type through
 * libmagic, and the pixel size of the image formats bireg shows.
 *
 * libmagic's handle (magic_t) must not be used by two threads at once. Each
 * thread gets its own, created on first use and closed when the thread ends
 * (a GPrivate with magic_close as its destructor). That costs one
 * magic_load() per worker, a few milliseconds once, and little memory:
 * libmagic maps the compiled database (magic.mgc) read-only, so the workers
 * share its pages. A single handle behind a mutex would be as small but
 * would make uploads wait for each other while libmagic scans up to a
 * megabyte of each; per-thread handles never wait.
 */
#include "files/file_store.h"

#include <magic.h>
#include <string.h>

/* Compressed files are typed as such and never unpacked (libmagic would
 * otherwise run decompressors over untrusted input). */
#define MAGIC_FLAGS (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)

static void magic_close_cb(gpointer p)
{
	magic_close(p);
}

static GPrivate magic_handle = G_PRIVATE_INIT(magic_close_cb);

static magic_t thread_magic(GError **err)
{
	magic_t m = g_private_get(&magic_handle);

	if (m)
		return m;
	m = magic_open(MAGIC_FLAGS);
	if (!m) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_FAILED, "libmagic: cannot open a handle");
		return NULL;
	}
	if (magic_load(m, NULL) != 0) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_FAILED, "libmagic: cannot load its database: %s",
			    magic_error(m) ? magic_error(m) : "unknown error");
		magic_close(m);
		return NULL;
	}
	g_private_set(&magic_handle, m);
	return m;
}

char *file_detect_type(const void *data, size_t len, GError **err)
{
	magic_t m = thread_magic(err);
	const char *t;

	if (!m)
		return NULL;
	if (len == 0)
		return g_strdup("application/x-empty");
	t = magic_buffer(m, data, len);
	if (!t) {
		g_set_error(err, BIREG_FILE_ERROR, FILE_ERROR_FAILED, "libmagic: %s",
			    magic_error(m) ? magic_error(m) : "unknown error");
		return NULL;
	}
	/* MAGIC_MIME_TYPE gives "type/subtype" alone; be strict anyway, since
	 * the result goes into a header. */
	for (const char *p = t; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("/.+-_", *p))
			return g_strdup("application/octet-stream");
	if (!strchr(t, '/'))
		return g_strdup("application/octet-stream");
	return g_ascii_strdown(t, -1);
}

/* ---- image sizes ----------------------------------------------------- */

static unsigned be16(const guint8 *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const guint8 *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static guint32 be32(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static guint32 le24(const guint8 *p)
{
	return (guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0];
}

static bool png_size(const guint8 *d, size_t len, guint32 *w, guint32 *h)
{
	static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	if (len < 24 || memcmp(d, sig, 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0)
		return false;
	*w = be32(d + 16);
	*h = be32(d + 20);
	return true;
}

static bool gif_size(const guint8 *d, size_t len, guint32 *w, guint32 *h)
{
	if (len < 10 || (memcmp(d, "GIF87a", 6) != 0 && memcmp(d, "GIF89a", 6) != 0))
		return false;
	*w = le16(d + 6);
	*h = le16(d + 8);
	return true;
}

/* Walks the marker segments up to the first frame header (SOFn). */
static bool jpeg_size(const guint8 *d, size_t len, guint32 *w, guint32 *h)
{
	size_t i = 2;

	if (len < 4 || d[0] != 0xff || d[1] != 0xd8)
		return false;
	while (i + 4 <= len) {
		guint8 m;
		size_t seg;

		if (d[i] != 0xff)
			return false;
		while (i < len && d[i] == 0xff) /* fill bytes */
			i++;
		if (i >= len)
			return false;
		m = d[i++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8))
			continue; /* markers without a length */
		if (m == 0xd9 || m == 0xda || i + 2 > len)
			return false; /* end of image or scan data before any frame */
		seg = be16(d + i);
		if (seg < 2)
			return false;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (seg < 7 || i + 7 > len)
				return false;
			*h = be16(d + i + 3);
			*w = be16(d + i + 5);
			return true;
		}
		i += seg;
	}
	return false;
}

static bool webp_size(const guint8 *d, size_t len, guint32 *w, guint32 *h)
{
	if (len < 30 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WEBP", 4) != 0)
		return false;
	if (memcmp(d + 12, "VP8 ", 4) == 0) {
		/* Lossy: a key frame's start code, then 14-bit sizes. */
		if (d[23] != 0x9d || d[24] != 0x01 || d[25] != 0x2a)
			return false;
		*w = le16(d + 26) & 0x3fff;
		*h = le16(d + 28) & 0x3fff;
		return true;
	}
	if (memcmp(d + 12, "VP8L", 4) == 0) {
		/* Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each. */
		guint32 bits;

		if (d[20] != 0x2f)
			return false;
		bits = (guint32)d[21] | (guint32)d[22] << 8 | (guint32)d[23] << 16 |
		       (guint32)d[24] << 24;
		*w = 1 + (bits & 0x3fff);
		*h = 1 + ((bits >> 14) & 0x3fff);
		return true;
	}
	if (memcmp(d + 12, "VP8X", 4) == 0) {
		/* Extended: canvas width-1 and height-1 in 24 bits each. */
		*w = 1 + le24(d + 24);
		*h = 1 + le24(d + 27);
		return true;
	}
	return false;
}

bool file_image_size(const void *data, size_t len, const char *media_type, int *width,
		     int *height)
{
	const guint8 *d = data;
	guint32 w = 0, h = 0;
	bool ok;

	if (!data || !media_type)
		return false;
	if (!strcmp(media_type, "image/png"))
		ok = png_size(d, len, &w, &h);
	else if (!strcmp(media_type, "image/jpeg"))
		ok = jpeg_size(d, len, &w, &h);
	else if (!strcmp(media_type, "image/gif"))
		ok = gif_size(d, len, &w, &h);
	else if (!strcmp(media_type, "image/webp"))
		ok = webp_size(d, len, &w, &h);
	else
		return false;
	/* Zero is no picture; beyond 2^24 pixels a side is no picture we show. */
	if (!ok || w == 0 || h == 0 || w > (1u << 24) || h > (1u << 24))
		return false;
	*width = (int)w;
	*height = (int)h;
	return true;
}

/* ---- extensions ------------------------------------------------------ */

static const struct {
	const char *type, *ext;
} extensions[] = {
	{"image/png", ".png"},
	{"image/jpeg", ".jpg"},
	{"image/webp", ".webp"},
	{"image/gif", ".gif"},
	{"image/svg+xml", ".svg"},
	{"application/pdf", ".pdf"},
	{"text/plain", ".txt"},
	{"text/csv", ".csv"},
	{"application/zip", ".zip"},
	{"application/vnd.oasis.opendocument.text", ".odt"},
	{"application/vnd.oasis.opendocument.spreadsheet", ".ods"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
	{"application/msword", ".doc"},
	{"application/vnd.ms-excel", ".xls"},
};

const char *file_type_extension(const char *media_type)
{
	for (size_t i = 0; media_type && i < G_N_ELEMENTS(extensions); i++)
		if (!strcmp(extensions[i].type, media_type))
			return extensions[i].ext;
	return "";
}
