/*
 * i18n.h — the language of a request and the translation of UI text.
 *
 * msgids are English; German is a translation (po/de.po) that must be
 * complete; English output is the msgid itself. The language of a request is
 * negotiated from the Accept-Language header (a user's setting, once there is
 * one, wins over it) and is one of the static strings "de" or "en".
 *
 * Translation goes through gettext with one locale_t per language, switched
 * per call with uselocale(), so any number of threads can translate into
 * different languages at once. LC_NUMERIC is never touched (see format.h for
 * numbers).
 *
 * Catalogues: `<localedir>/<lang>/LC_MESSAGES/bireg.mo`. Installed, that is
 * BIREG_LOCALEDIR from config.h; uninstalled (tests, `bireg serve` from the
 * build tree) it is `<builddir>/po`, where po/meson.build compiles them.
 *
 * Marking text in C: _("…") translates into the language of the calling
 * thread (set by the request layer with uselocale(i18n_locale(lang))), N_("…")
 * only marks a constant for extraction; i18n_translate(lang, "…") is also
 * extracted. Templates mark text as {{#t}}…{{/t}} (see i18n_normalize_msgid).
 * tools/update-po refreshes po/bireg.pot and po/de.po from all of these.
 */
#pragma once
#include <glib.h>
#include <libintl.h>
#include <locale.h>
#include <stdbool.h>

#include "build_config.h"

#ifndef _
#define _(s) dgettext(GETTEXT_PACKAGE, (s))
#endif
#ifndef N_
#define N_(s) (s)
#endif

#define I18N_ERROR (i18n_error_quark())
GQuark i18n_error_quark(void);
typedef enum {
	I18N_ERROR_LOCALE, /* a required system locale is not generated */
} i18n_error_code;

/* The language used when nothing else decides. */
#define I18N_DEFAULT_LANG "de"

/*
 * Once at start-up, before any thread translates: binds the text domain to
 * `localedir` (UTF-8 output) and creates the locales for "de" (de_DE.UTF-8,
 * required: without it the call fails and tells the admin to generate it)
 * and "en" (en_US.UTF-8, else C.UTF-8). It also unsets LANGUAGE, which
 * would otherwise override the per-request locale inside gettext. Calling it
 * again with the same localedir is a no-op; a different localedir is an error
 * (translations are process-wide).
 */
bool i18n_init(const char *localedir, GError **err);

/*
 * Picks "de" or "en" from an Accept-Language header (q-values honoured,
 * "de-DE" counts as "de", "*" as any; equal weights go to the range listed
 * first). NULL, empty, malformed or overlong (> 1024 bytes) headers give
 * I18N_DEFAULT_LANG. Returns a static string.
 */
const char *i18n_negotiate(const char *accept_language);

/* "de" or "en" for a supported tag ("de", "de-AT", "EN_gb" …), else NULL. Static. */
const char *i18n_lang_supported(const char *tag);

/*
 * The translation of `msgid` into `lang` (anything but English is German).
 * English returns msgid itself; a msgid missing from the catalogue, or a call
 * before i18n_init(), returns msgid too. The result is static (it points into
 * the catalogue or is msgid), valid while msgid is.
 */
const char *i18n_translate(const char *lang, const char *msgid);
/* Plural forms: msgid for n == 1 in English, msgid_plural otherwise. */
const char *i18n_ntranslate(const char *lang, const char *msgid, const char *msgid_plural,
	unsigned long n);
/* i18n_translate with the language as a void * (a template engine's callback). */
const char *i18n_translate_cb(void *lang, const char *msgid);

/*
 * The locale of a language for uselocale() around code that uses _(); the
 * caller restores the previous locale afterwards. (locale_t)0 before
 * i18n_init(). Owned by this module.
 */
locale_t i18n_locale(const char *lang);

/*
 * The msgid of template text between {{#t}} and {{/t}}: trimmed, each run of
 * ASCII white space (space, tab, CR, LF, FF, VT) turned into one space;
 * other spaces such as U+00A0 are kept. tools/extract-msgids applies the same
 * rule. Returns a new string (g_free).
 */
char *i18n_normalize_msgid(const char *text);
