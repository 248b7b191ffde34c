/*
 * pdf_image.c — a region's logo as something cairo can put into a PDF.
 *
 * The logo store accepts PNG, JPEG and WebP (region_admin_web.c), so these
 * three are read here, by their first bytes (never by a name):
 *   PNG   decoded by cairo (libpng);
 *   JPEG  not decoded at all: the file's bytes are attached to a surface of
 *         its size as CAIRO_MIME_TYPE_JPEG, and cairo's PDF surface embeds
 *         them as they are (DCTDecode), so a photo logo stays small and
 *         sharp. The size comes from the JPEG's frame header;
 *   WebP  decoded with libwebp into premultiplied ARGB.
 * Before decoding, the pixel size is read from the header and anything over
 * 40 megapixels or 20000 pixels a side is refused, so a small file that
 * unpacks into gigabytes cannot exhaust the memory of a worker.
 */
#include "out/pdf_internal.h"

#include <string.h>
#include <webp/decode.h>

#define MAX_SIDE 20000
#define MAX_PIXELS ((gint64)40 * 1000 * 1000)

static bool size_ok(gint64 w, gint64 h, GError **err)
{
	if (w <= 0 || h <= 0) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the image has no size");
		return false;
	}
	if (w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT,
			    "the image is too large (%" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
			    " pixels; at most %d per side and 40 megapixels)",
			    w, h, MAX_SIDE);
		return false;
	}
	return true;
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct reader {
	const guint8 *data;
	size_t len, pos;
} reader;

static cairo_status_t read_png(void *closure, unsigned char *data, unsigned int len)
{
	reader *r = closure;
	if (r->len - r->pos < len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->pos, len);
	r->pos += len;
	return CAIRO_STATUS_SUCCESS;
}

static guint32 be32(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static cairo_surface_t *load_png(const guint8 *data, size_t len, GError **err)
{
	reader r = {data, len, 0};
	cairo_surface_t *s;

	/* Signature (8), IHDR length and type (8), width and height. */
	if (len < 24 || memcmp(data + 12, "IHDR", 4)) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the PNG file is cut short");
		return NULL;
	}
	if (!size_ok(be32(data + 16), be32(data + 20), err))
		return NULL;
	s = cairo_image_surface_create_from_png_stream(read_png, &r);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the PNG file cannot be read (%s)",
			    cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

/* ---- JPEG --------------------------------------------------------------- */

/* Width and height from the first SOFn marker. */
static bool jpeg_size(const guint8 *d, size_t len, int *w, int *h, int *comps)
{
	size_t i = 2;

	while (i + 4 <= len) {
		guint8 m;
		size_t seg;
		if (d[i] != 0xff)
			return false;
		m = d[i + 1];
		if (m == 0xff) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;
			continue;
		}
		seg = (size_t)d[i + 2] << 8 | d[i + 3];
		if (seg < 2 || i + 2 + seg > len)
			return false;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (seg < 8)
				return false;
			*h = d[i + 5] << 8 | d[i + 6];
			*w = d[i + 7] << 8 | d[i + 8];
			*comps = d[i + 9];
			return true;
		}
		if (m == 0xd9 || m == 0xda)
			return false; /* end of image or scan before any frame */
		i += 2 + seg;
	}
	return false;
}

static cairo_surface_t *load_jpeg(GBytes *bytes, GError **err)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	int w = 0, h = 0, comps = 0;
	cairo_surface_t *s;
	cairo_status_t st;

	if (!jpeg_size(data, len, &w, &h, &comps)) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the JPEG file has no readable frame header");
		return NULL;
	}
	if (comps != 1 && comps != 3 && comps != 4) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the JPEG file has %d colour components",
			    comps);
		return NULL;
	}
	if (!size_ok(w, h, err))
		return NULL;
	/* A 1-bit surface of the image's size carries the JPEG bytes; its own
	 * pixels (an eighth of a byte each) are never shown in a PDF. */
	s = cairo_image_surface_create(CAIRO_FORMAT_A1, w, h);
	st = cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, data, len,
					 (cairo_destroy_func_t)g_bytes_unref, g_bytes_ref(bytes));
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || st != CAIRO_STATUS_SUCCESS) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_RENDER, "cairo: %s",
			    cairo_status_to_string(st ? st : cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

/* ---- WebP --------------------------------------------------------------- */

static cairo_surface_t *load_webp(const guint8 *data, size_t len, GError **err)
{
	int w = 0, h = 0, stride;
	guint8 *rgba, *px;
	cairo_surface_t *s;

	if (!WebPGetInfo(data, len, &w, &h)) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the WebP file cannot be read");
		return NULL;
	}
	if (!size_ok(w, h, err))
		return NULL;
	rgba = WebPDecodeRGBA(data, len, &w, &h);
	if (!rgba) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the WebP file cannot be decoded");
		return NULL;
	}
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		WebPFree(rgba);
		g_set_error(err, PDF_ERROR, PDF_ERROR_RENDER, "cairo: %s",
			    cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return NULL;
	}
	cairo_surface_flush(s);
	px = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (int y = 0; y < h; y++) {
		guint32 *row = (guint32 *)(void *)(px + (size_t)y * stride);
		const guint8 *in = rgba + (size_t)y * w * 4;
		for (int x = 0; x < w; x++, in += 4) {
			guint32 a = in[3];
			/* cairo wants premultiplied alpha in native-endian words. */
			row[x] = a << 24 | (in[0] * a / 255) << 16 | (in[1] * a / 255) << 8 |
				 (in[2] * a / 255);
		}
	}
	cairo_surface_mark_dirty(s);
	WebPFree(rgba);
	return s;
}

cairo_surface_t *pdf_image_load(GBytes *bytes, GError **err)
{
	gsize len = 0;
	const guint8 *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;

	if (!data || len == 0) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the image is empty");
		return NULL;
	}
	if (len >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8))
		return load_png(data, len, err);
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return load_jpeg(bytes, err);
	if (len >= 12 && !memcmp(data, "RIFF", 4) && !memcmp(data + 8, "WEBP", 4))
		return load_webp(data, len, err);
	g_set_error(err, PDF_ERROR, PDF_ERROR_INPUT, "the image is not a PNG, JPEG or WebP file");
	return NULL;
}

void pdf_image_draw(cairo_t *cr, cairo_surface_t *img, double x, double y, double w, double h,
		    bool align_right)
{
	double iw, ih, scale;
	cairo_pattern_t *pat;

	if (!cr || !img)
		return;
	iw = cairo_image_surface_get_width(img);
	ih = cairo_image_surface_get_height(img);
	if (iw <= 0 || ih <= 0)
		return;
	/* Fit into the box; a small image is not blown up beyond one point a
	 * pixel (72 dpi), where it would turn into visible squares. */
	scale = MIN(MIN(w / iw, h / ih), 1.0);
	cairo_save(cr);
	cairo_translate(cr, align_right ? x + w - iw * scale : x, y);
	cairo_scale(cr, scale, scale);
	cairo_set_source_surface(cr, img, 0, 0);
	pat = cairo_get_source(cr);
	cairo_pattern_set_filter(pat, CAIRO_FILTER_GOOD);
	cairo_rectangle(cr, 0, 0, iw, ih);
	cairo_fill(cr);
	cairo_restore(cr);
}
