/*
 * fonts.c — bireg's own fontconfig configuration and one Pango font map per
 * thread (see fonts.h for the why).
 */
#include "out/fonts.h"

#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>

#include "core/log.h"

G_DEFINE_QUARK(bireg-pdf-error-quark, pdf_error)

/* In order of preference. Debian's paths: fonts-noto-core and
 * fonts-dejavu-core (tools/install-deps installs both). */
static const pdf_font_family known_families[] = {
	{"Noto Sans", "Noto Sans Mono", "/usr/share/fonts/truetype/noto", "NotoSans-Regular.ttf",
	 "NotoSans-Bold.ttf", "NotoSans-Italic.ttf", "NotoSans-BoldItalic.ttf",
	 "NotoSansMono-Regular.ttf", "NotoSansMono-Bold.ttf"},
	{"DejaVu Sans", "DejaVu Sans Mono", "/usr/share/fonts/truetype/dejavu", "DejaVuSans.ttf",
	 "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
	 "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"},
};

/* Set once by init_once(), read-only afterwards. */
static FcConfig *app_config;
static const pdf_font_family *app_family;
static char *init_error;
static bool mono_found;

static GPrivate thread_map = G_PRIVATE_INIT(g_object_unref);

static bool file_there(const char *dir, const char *name, char **path)
{
	if (!name)
		return false;
	*path = g_build_filename(dir, name, NULL);
	if (g_file_test(*path, G_FILE_TEST_IS_REGULAR))
		return true;
	g_clear_pointer(path, g_free);
	return false;
}

/* Adds the existing files of f to cfg; returns how many. */
static int add_family(FcConfig *cfg, const pdf_font_family *f)
{
	const char *names[] = {f->regular, f->bold, f->italic, f->bold_italic, f->mono, f->mono_bold};
	int added = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = NULL;
		if (!file_there(f->dir, names[i], &path))
			continue;
		if (!FcConfigAppFontAddFile(cfg, (const FcChar8 *)path)) {
			log_warn("PDF fonts: fontconfig cannot read %s; skipped", path);
			continue;
		}
		added++;
	}
	return added;
}

void *pdf_fonts_config_new(const pdf_font_family *families, size_t n,
			   const pdf_font_family **chosen, GError **err)
{
	const pdf_font_family *first = NULL;
	FcConfig *cfg;

	for (size_t i = 0; i < n && !first; i++) {
		g_autofree char *r = NULL, *b = NULL;
		if (file_there(families[i].dir, families[i].regular, &r) &&
		    file_there(families[i].dir, families[i].bold, &b))
			first = &families[i];
	}
	if (!first) {
		GString *where = g_string_new(NULL);
		for (size_t i = 0; i < n; i++)
			g_string_append_printf(where, "%s%s/%s", i ? ", " : "", families[i].dir,
					       families[i].regular);
		g_set_error(err, PDF_ERROR, PDF_ERROR_FONTS,
			    "no font for PDF documents found (looked for %s); install the Debian "
			    "packages fonts-noto-core or fonts-dejavu-core (tools/install-deps)",
			    where->str);
		g_string_free(where, TRUE);
		return NULL;
	}
	/* An empty configuration: no fonts.conf, no system fonts, no cache. */
	cfg = FcConfigCreate();
	if (!cfg) {
		g_set_error(err, PDF_ERROR, PDF_ERROR_FONTS, "fontconfig: out of memory");
		return NULL;
	}
	if (add_family(cfg, first) < 2) {
		FcConfigDestroy(cfg);
		g_set_error(err, PDF_ERROR, PDF_ERROR_FONTS,
			    "fontconfig cannot read the font files of %s in %s", first->family,
			    first->dir);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (&families[i] != first)
			add_family(cfg, &families[i]);
	*chosen = first;
	return cfg;
}

static gpointer init_once(gpointer unused)
{
	g_autoptr(GError) err = NULL;

	app_config = pdf_fonts_config_new(known_families, G_N_ELEMENTS(known_families),
					  &app_family, &err);
	if (!app_config)
		init_error = g_strdup(err->message);
	else {
		g_autofree char *mono = NULL;
		mono_found = file_there(app_family->dir, app_family->mono, &mono);
		log_debug("PDF fonts: %s from %s", app_family->family, app_family->dir);
	}
	return NULL;
}

int pdf_fonts_init(GError **err)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, init_once, NULL);
	if (!app_config) {
		g_set_error_literal(err, PDF_ERROR, PDF_ERROR_FONTS, init_error);
		return -1;
	}
	return 0;
}

const char *pdf_fonts_family(void)
{
	return app_family ? app_family->family : "Sans";
}

const char *pdf_fonts_mono_family(void)
{
	return app_family && mono_found ? app_family->mono_family : pdf_fonts_family();
}

PangoFontMap *pdf_fonts_map(GError **err)
{
	PangoFontMap *fm;

	if (pdf_fonts_init(err) < 0)
		return NULL;
	fm = g_private_get(&thread_map);
	if (fm)
		return fm;
	fm = pango_cairo_font_map_new();
	if (!PANGO_IS_FC_FONT_MAP(fm)) {
		g_object_unref(fm);
		g_set_error(err, PDF_ERROR, PDF_ERROR_FONTS,
			    "Pango's cairo font map does not use fontconfig (PANGOCAIRO_BACKEND set?)");
		return NULL;
	}
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), app_config);
	pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(fm), 72.0);
	g_private_set(&thread_map, fm);
	return fm;
}
