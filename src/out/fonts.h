/*
 * fonts.h — the fonts bireg's PDFs are set in, registered with fontconfig
 * from files bireg knows, so that a PDF looks the same on every machine.
 *
 * At start (pdf_fonts_init(), also called by every PDF function) bireg
 * builds its own FcConfig holding only the font files of a fixed list: Noto
 * Sans (Debian's fonts-noto-core: regular, bold, italic, bold italic, and
 * Noto Sans Mono) and DejaVu Sans (fonts-dejavu-core). The first family of
 * which a regular and a bold file exist is the text family; the other one's
 * files are registered too, as a fallback for characters the first lacks.
 * The machine's own fonts and its fonts.conf are never consulted, so another
 * installed font cannot change a letter's line breaks. KERN's Fira Sans is
 * not used: the npm package ships it only as WOFF2, which FreeType in
 * Debian 12 reads unreliably (cairo then embeds a fallback).
 *
 * Threads: the FcConfig is built once and only read afterwards (fontconfig
 * is safe for that). Pango font maps are not safe to share between threads
 * for creating fonts, so each thread gets its own PangoCairoFontMap on that
 * config (a GPrivate, freed when the thread ends); a request worker renders
 * with its own map and never waits for another.
 */
#pragma once
#include <glib.h>
#include <pango/pango.h>
#include <stdbool.h>

#define PDF_ERROR (pdf_error_quark())
GQuark pdf_error_quark(void);

typedef enum {
	PDF_ERROR_FONTS = 1, /* no usable font file found */
	PDF_ERROR_INPUT,     /* the caller's input breaks a limit (too long, too many pages) */
	PDF_ERROR_RENDER,    /* cairo failed (out of memory, a broken surface) */
} pdf_error_code;

/* Registers the fonts once per process (thread-safe; later calls return
 * the first call's result). Returns 0, or -1 with a PDF_ERROR_FONTS error
 * naming the packages to install. */
int pdf_fonts_init(GError **err);

/* The text family ("Noto Sans" or "DejaVu Sans") and the monospace family
 * for code; static strings. Only valid after pdf_fonts_init() succeeded. */
const char *pdf_fonts_family(void);
const char *pdf_fonts_mono_family(void);

/* The calling thread's font map on bireg's FcConfig, set to 72 dpi (one
 * Pango point is one PDF point). Borrowed: it lives until the thread ends.
 * NULL with err set when the fonts cannot be registered. */
PangoFontMap *pdf_fonts_map(GError **err);

/* ---- pieces, public for their unit tests ------------------------------- */

/* A font family and the files that make it, as searched for. */
typedef struct pdf_font_family {
	const char *family;
	const char *mono_family;
	const char *dir;
	const char *regular, *bold, *italic, *bold_italic; /* file names in dir; italic ones may be missing */
	const char *mono, *mono_bold;
} pdf_font_family;

/* Builds an FcConfig from the first of families[0..n) whose regular and
 * bold files exist (the others' existing files are added as fallbacks) and
 * sets *chosen to it. NULL with a PDF_ERROR_FONTS error when none does.
 * The caller owns the config (FcConfigDestroy; returned as void * so this
 * header needs no fontconfig include). */
void *pdf_fonts_config_new(const pdf_font_family *families, size_t n,
			   const pdf_font_family **chosen, GError **err);
