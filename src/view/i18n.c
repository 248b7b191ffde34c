/*
 * i18n.c — language negotiation and gettext lookups per request language.
 *
 * The catalogues are bound once at start-up and one locale_t per language is
 * created then; both stay untouched afterwards. A lookup switches the calling
 * thread to the language's locale with uselocale(), asks dgettext() and
 * switches back, so threads serving German and English requests never see
 * each other's language and the process locale (LC_NUMERIC above all) is
 * never changed.
 */
#include "view/i18n.h"

#include <stdlib.h>
#include <string.h>

#include "view/format.h"

G_DEFINE_QUARK(bireg-i18n-error-quark, i18n_error)

/* Longer Accept-Language headers are not from a browser; ignore them. */
#define MAX_ACCEPT_LANGUAGE 1024

typedef struct i18n_state {
	char *localedir;
	locale_t de;
	locale_t en;
} i18n_state;

/* Set once by i18n_init() (published atomically), never changed after. */
static i18n_state *i18n_state_ptr;

static const i18n_state *state_get(void)
{
	return g_atomic_pointer_get(&i18n_state_ptr);
}

bool i18n_init(const char *localedir, GError **err)
{
	static GMutex init_lock;
	g_return_val_if_fail(localedir != NULL, false);
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&init_lock);

	const i18n_state *old = state_get();
	if (old) {
		if (strcmp(old->localedir, localedir) == 0)
			return true;
		g_set_error(err, I18N_ERROR, I18N_ERROR_LOCALE,
			"i18n already initialised with localedir %s, not %s", old->localedir, localedir);
		return false;
	}

	g_autofree char *mo = g_build_filename(localedir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
	if (!g_file_test(mo, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(err, I18N_ERROR, I18N_ERROR_LOCALE,
			"Übersetzungskatalog fehlt: %s (ninja baut ihn nach <builddir>/po, "
			"meson install nach BIREG_LOCALEDIR)", mo);
		return false;
	}

	/* LC_CTYPE along with LC_MESSAGES keeps a translating thread in UTF-8;
	 * every other category of these locales is "C", LC_NUMERIC included. */
	const int mask = LC_MESSAGES_MASK | LC_CTYPE_MASK;
	locale_t de = newlocale(mask, "de_DE.UTF-8", (locale_t)0);
	if (!de) {
		g_set_error_literal(err, I18N_ERROR, I18N_ERROR_LOCALE,
			"locale de_DE.UTF-8 fehlt: in /etc/locale.gen freischalten und erzeugen, "
			"z. B. sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen && locale-gen");
		return false;
	}
	locale_t en = newlocale(mask, "en_US.UTF-8", (locale_t)0);
	if (!en)
		en = newlocale(mask, "C.UTF-8", (locale_t)0);
	if (!en)
		en = newlocale(mask, "C", (locale_t)0); /* always exists */

	if (!bindtextdomain(GETTEXT_PACKAGE, localedir) ||
	    !bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8")) {
		freelocale(de);
		freelocale(en);
		g_set_error(err, I18N_ERROR, I18N_ERROR_LOCALE, "bindtextdomain(%s) failed", localedir);
		return false;
	}
	/* gettext lets LANGUAGE override the locale's language: LANGUAGE=en in
	 * the service's environment would turn every German page English. Start-
	 * up runs before any thread, so changing the environment is still safe. */
	g_unsetenv("LANGUAGE");

	i18n_state *s = g_new0(i18n_state, 1);
	s->localedir = g_strdup(localedir);
	s->de = de;
	s->en = en;
	g_atomic_pointer_set(&i18n_state_ptr, s);
	return true;
}

const char *i18n_lang_supported(const char *tag)
{
	if (!tag)
		return NULL;
	size_t n = strcspn(tag, "-_");
	if (n != 2)
		return NULL;
	if (g_ascii_strncasecmp(tag, "de", 2) == 0)
		return "de";
	if (g_ascii_strncasecmp(tag, "en", 2) == 0)
		return "en";
	return NULL;
}

/* --------------------------------------------------------- negotiation */

static const char *const supported[] = { "de", "en" };
#define N_SUPPORTED G_N_ELEMENTS(supported)

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A language-range as in RFC 4647: "*" or 1*8ALPHA *("-" 1*8alphanum).
 * Returns its length at s (0 if there is none).
 */
static size_t scan_range(const char *s, const char *end)
{
	if (s < end && *s == '*')
		return 1;
	const char *p = s;
	for (int part = 0;; part++) {
		const char *q = p;
		while (q < end && q - p < 9 && (part == 0 ? g_ascii_isalpha(*q) : g_ascii_isalnum(*q)))
			q++;
		if (q == p || q - p > 8)
			return 0;
		p = q;
		if (p < end && *p == '-' && p + 1 < end && g_ascii_isalnum(p[1]))
			p++;
		else
			return (size_t)(p - s);
	}
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if malformed. */
static int scan_qvalue(const char *s, const char *end)
{
	if (s >= end || (*s != '0' && *s != '1'))
		return -1;
	int q = (*s - '0') * 1000;
	s++;
	if (s < end && *s == '.') {
		s++;
		int scale = 100;
		for (int i = 0; i < 3 && s < end && g_ascii_isdigit(*s); i++, s++, scale /= 10)
			q += (*s - '0') * scale;
	}
	if (s != end || q > 1000)
		return -1;
	return q;
}

/*
 * Parses one list element [s, end) into its range (start and length) and
 * weight; false if it is malformed or carries parameters other than q.
 */
static bool scan_element(const char *s, const char *end, const char **range, size_t *range_len,
	int *q)
{
	while (s < end && is_ows(*s))
		s++;
	while (end > s && is_ows(end[-1]))
		end--;
	size_t n = scan_range(s, end);
	if (n == 0)
		return false;
	*range = s;
	*range_len = n;
	*q = 1000;
	const char *p = s + n;
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		return true;
	if (*p != ';')
		return false;
	p++;
	while (p < end && is_ows(*p))
		p++;
	if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return false;
	*q = scan_qvalue(p + 2, end);
	return *q >= 0;
}

const char *i18n_negotiate(const char *header)
{
	if (!header || strlen(header) > MAX_ACCEPT_LANGUAGE)
		return I18N_DEFAULT_LANG;
	/* Per supported language: the best weight of a range naming it and
	 * the position of that range; "*" stands for languages not named. */
	int q[N_SUPPORTED], pos[N_SUPPORTED];
	int star_q = -1, star_pos = 0;
	for (size_t i = 0; i < N_SUPPORTED; i++)
		q[i] = -1, pos[i] = 0;

	const char *p = header;
	for (int index = 0; *p; index++) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *range;
		size_t range_len;
		int weight;
		if (scan_element(p, end, &range, &range_len, &weight)) {
			if (range_len == 1 && range[0] == '*') {
				if (star_q < 0)
					star_q = weight, star_pos = index;
			} else {
				/* "de-DE" and "de-AT" are served by "de". */
				const char *dash = memchr(range, '-', range_len);
				size_t primary = dash ? (size_t)(dash - range) : range_len;
				for (size_t i = 0; i < N_SUPPORTED; i++) {
					if (primary == 2 &&
					    g_ascii_strncasecmp(range, supported[i], 2) == 0 && weight > q[i]) {
						/* Equal weights keep the earlier position. */
						q[i] = weight;
						pos[i] = index;
					}
				}
			}
		}
		p = *end ? end + 1 : end;
	}

	int best = -1, best_q = 0, best_pos = 0;
	for (size_t i = 0; i < N_SUPPORTED; i++) {
		int qi = q[i] >= 0 ? q[i] : star_q;
		int pi = q[i] >= 0 ? pos[i] : star_pos;
		if (qi <= 0)
			continue;
		if (best < 0 || qi > best_q || (qi == best_q && pi < best_pos)) {
			best = (int)i;
			best_q = qi;
			best_pos = pi;
		}
	}
	return best >= 0 ? supported[best] : I18N_DEFAULT_LANG;
}

/* --------------------------------------------------------- translation */

locale_t i18n_locale(const char *lang)
{
	const i18n_state *s = state_get();
	if (!s)
		return (locale_t)0;
	return format_lang_is_en(lang) ? s->en : s->de;
}

const char *i18n_translate(const char *lang, const char *msgid)
{
	if (!msgid)
		return "";
	/* "" would return the catalogue header, English needs no lookup. */
	if (!msgid[0] || format_lang_is_en(lang))
		return msgid;
	const i18n_state *s = state_get();
	if (!s)
		return msgid;
	locale_t prev = uselocale(s->de);
	const char *text = dgettext(GETTEXT_PACKAGE, msgid);
	uselocale(prev);
	return text;
}

const char *i18n_ntranslate(const char *lang, const char *msgid, const char *msgid_plural,
	unsigned long n)
{
	g_return_val_if_fail(msgid != NULL && msgid_plural != NULL, "");
	const i18n_state *s = state_get();
	if (format_lang_is_en(lang) || !s)
		return n == 1 ? msgid : msgid_plural;
	locale_t prev = uselocale(s->de);
	const char *text = dngettext(GETTEXT_PACKAGE, msgid, msgid_plural, n);
	uselocale(prev);
	return text;
}

const char *i18n_translate_cb(void *lang, const char *msgid)
{
	return i18n_translate(lang, msgid);
}

char *i18n_normalize_msgid(const char *text)
{
	GString *out = g_string_new(NULL);
	bool gap = false;
	for (const char *p = text ? text : ""; *p; p++) {
		/* Only ASCII white space: a no-break space in "42 %" is content. */
		if (strchr(" \t\r\n\f\v", *p)) {
			gap = out->len > 0;
			continue;
		}
		if (gap)
			g_string_append_c(out, ' ');
		gap = false;
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}
