/*
 * test_i18n.c — language negotiation, German translation through the
 * compiled catalogue in <builddir>/po, thread-local language switching, and
 * the completeness of po/de.po: every msgid must have a German text that is
 * not fuzzy, and every text marked in src/ (with xgettext) or in templates/
 * (with tools/extract-msgids) must be in de.po.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "view/format.h"
#include "view/i18n.h"

static char *source_root(void)
{
	const char *env = g_getenv("BIREG_SOURCE_ROOT");
	return g_strdup(env && *env ? env : BIREG_SOURCE_ROOT);
}

/*
 * The uninstalled catalogues: <builddir>/po, found from this binary at
 * <builddir>/tests/test_i18n. BIREG_TEST_LOCALEDIR overrides it.
 */
static char *dev_localedir(void)
{
	const char *env = g_getenv("BIREG_TEST_LOCALEDIR");
	if (env && *env)
		return g_strdup(env);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_assert_nonnull(exe);
	g_autofree char *tests = g_path_get_dirname(exe);
	g_autofree char *build = g_path_get_dirname(tests);
	return g_build_filename(build, "po", NULL);
}

/* ------------------------------------------------------------ negotiation */

static void test_negotiate(void)
{
	static const struct {
		const char *header;
		const char *want;
	} cases[] = {
		{ NULL, "de" },
		{ "", "de" },
		{ "de", "de" },
		{ "en", "en" },
		{ "EN", "en" },
		{ "en-US", "en" },
		{ "de-DE", "de" },
		{ "de-AT,de;q=0.9", "de" },
		{ "en-US,en;q=0.9", "en" },
		{ "de-DE,de;q=0.9,en;q=0.8", "de" },
		{ "en-GB,en;q=0.9,de;q=0.8", "en" },
		/* q-values, not order, decide */
		{ "en;q=0.8, de;q=0.9", "de" },
		{ "de;q=0.5,en", "en" },
		{ "de;q=0.001,en;q=0.002", "en" },
		{ "en ; q=0.7 , de ; q=0.6", "en" },
		{ "de;Q=0.2,en;q=0.3", "en" },
		{ "fr-FR,fr;q=0.9,en;q=0.5", "en" },
		{ "fr", "de" },
		{ "zh-Hant-TW, ja", "de" },
		/* equal weights: the range listed first */
		{ "en;q=0.5, de;q=0.5", "en" },
		{ "de, en", "de" },
		/* the best weight of any range naming a language counts */
		{ "de;q=0.1, en;q=0.5, de-CH;q=0.9", "de" },
		/* wildcards stand for languages not named */
		{ "*", "de" },
		{ "fr, *;q=0.5", "de" },
		{ "de;q=0, *", "en" },
		{ "en;q=0, *", "de" },
		{ "*;q=0.1, en;q=0.2", "en" },
		{ "*;q=0", "de" },
		/* q=0 means "not acceptable"; nothing left gives the default */
		{ "en;q=0", "de" },
		{ "de;q=0, en;q=0", "de" },
		{ "de;q=0.000, en", "en" },
		/* malformed elements are skipped, the rest still counts */
		{ "en;q=1.5", "de" },
		{ "en;q=abc", "de" },
		{ "en;q=0.0001", "de" },
		{ "en;q=", "de" },
		{ "en;level=1", "de" },
		{ "en;;q=1", "de" },
		{ "en;q=0.5;q=0.6", "de" },
		{ "en-", "de" },
		{ "-en", "de" },
		{ "english", "de" },
		{ "e", "de" },
		{ "deu", "de" },
		{ "en_US", "de" },
		{ "en\x01", "de" },
		{ "\xff\xfe, en", "en" },
		{ "garbage;;;,,,", "de" },
		{ ",,, en", "en" },
		{ "x-klingon, en;q=0.3", "en" },
		{ "en-a-bbbbbbbbb", "de" },
		{ "en-US-x-private", "en" },
		{ "en;q=1.000", "en" },
		{ "en;q=1.001", "de" },
		{ "en;q=0.9 , de;q=0.91", "de" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *got = i18n_negotiate(cases[i].header);
		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("Accept-Language \"%s\": got %s, want %s",
				cases[i].header ? cases[i].header : "(null)", got, cases[i].want);
	}
}

static void test_negotiate_long(void)
{
	/* Over the limit: ignored as a whole, even though it asks for English. */
	GString *h = g_string_new("en");
	while (h->len <= 1024)
		g_string_append(h, ",en;q=0.9");
	g_assert_cmpstr(i18n_negotiate(h->str), ==, "de");
	/* Just under the limit it is read. */
	g_string_truncate(h, 0);
	g_string_append(h, "en");
	while (h->len + 9 <= 1024)
		g_string_append(h, ",fr;q=0.5");
	g_assert_cmpuint(h->len, <=, 1024);
	g_assert_cmpstr(i18n_negotiate(h->str), ==, "en");
	g_string_free(h, TRUE);

	/* Returns static strings that outlive the header. */
	char buf[8];
	g_strlcpy(buf, "en", sizeof buf);
	const char *lang = i18n_negotiate(buf);
	memset(buf, 'x', sizeof buf - 1);
	g_assert_cmpstr(lang, ==, "en");
}

static void test_supported(void)
{
	g_assert_cmpstr(i18n_lang_supported("de"), ==, "de");
	g_assert_cmpstr(i18n_lang_supported("de-AT"), ==, "de");
	g_assert_cmpstr(i18n_lang_supported("EN_gb"), ==, "en");
	g_assert_cmpstr(i18n_lang_supported("en"), ==, "en");
	g_assert_null(i18n_lang_supported("fr"));
	g_assert_null(i18n_lang_supported("eng"));
	g_assert_null(i18n_lang_supported(""));
	g_assert_null(i18n_lang_supported(NULL));
}

static void test_normalize(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Skip to content", "Skip to content" },
		{ "  Hello \n\t {{name}},\r\n  welcome  ", "Hello {{name}}, welcome" },
		{ "a\fb\vc", "a b c" },
		{ "42\u00a0%", "42\u00a0%" },
		{ " \u00a0 x", "\u00a0 x" },
		{ "   ", "" },
		{ "", "" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = i18n_normalize_msgid(cases[i].in);
		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

/* ------------------------------------------------------------ translation */

static void test_init(void)
{
	g_autofree char *dir = dev_localedir();
	g_autoptr(GError) err = NULL;
	/* main() already initialised with this directory: a no-op. */
	g_assert_true(i18n_init(dir, &err));
	g_assert_no_error(err);
	/* A second, different directory is refused. */
	g_assert_false(i18n_init("/nonexistent", &err));
	g_assert_error(err, I18N_ERROR, I18N_ERROR_LOCALE);
	g_assert_true(i18n_locale("de") != (locale_t)0);
	g_assert_true(i18n_locale("en") != (locale_t)0);
	g_assert_true(i18n_locale("de") != i18n_locale("en"));
	/* gettext would let LANGUAGE override the request's language. */
	g_assert_null(g_getenv("LANGUAGE"));
}

static void test_translate(void)
{
	static const struct {
		const char *msgid, *de;
	} cases[] = {
		{ "Skip to content", "Zum Inhalt springen" },
		{ "Page not found", "Seite nicht gefunden" },
		{ "Bad request", "Ungültige Anfrage" },
		{ "Method not allowed", "Methode nicht erlaubt" },
		{ "Request too large", "Anfrage zu groß" },
		{ "Internal error", "Interner Fehler" },
		{ "Service unavailable", "Dienst nicht verfügbar" },
		{ "Imprint", "Impressum" },
		{ "Accessibility", "Barrierefreiheit" },
		{ "Contact", "Kontakt" },
		{ "Home", "Startseite" },
		{ "Main navigation", "Hauptnavigation" },
		{ "Language", "Sprache" },
		{ "This date does not exist.", "Dieses Datum gibt es nicht." },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpstr(i18n_translate("de", cases[i].msgid), ==, cases[i].de);
		g_assert_cmpstr(i18n_translate("de-DE", cases[i].msgid), ==, cases[i].de);
		g_assert_cmpstr(i18n_translate_cb((void *)"de", cases[i].msgid), ==, cases[i].de);
		/* English is the msgid itself, the very pointer. */
		g_assert_true(i18n_translate("en", cases[i].msgid) == cases[i].msgid);
		g_assert_true(i18n_translate_cb((void *)"en", cases[i].msgid) == cases[i].msgid);
	}
	const char *unknown = "No such message, surely";
	g_assert_true(i18n_translate("de", unknown) == unknown);
	/* "" would be the catalogue's header. */
	g_assert_cmpstr(i18n_translate("de", ""), ==, "");
	g_assert_cmpstr(i18n_translate("de", NULL), ==, "");

	g_assert_cmpstr(i18n_ntranslate("en", "%lu item", "%lu items", 1), ==, "%lu item");
	g_assert_cmpstr(i18n_ntranslate("en", "%lu item", "%lu items", 0), ==, "%lu items");
	g_assert_cmpstr(i18n_ntranslate("de", "%lu item", "%lu items", 2), ==, "%lu items");
}

/* The parse errors of format.c come out as msgids that translate. */
static void test_translate_format_errors(void)
{
	g_autoptr(GError) err = NULL;
	int64_t cents;
	g_assert_false(format_parse_money("de", "zwölf", &cents, &err));
	g_assert_cmpstr(i18n_translate("de", err->message), ==,
		"Bitte geben Sie einen Betrag wie 1.234,56 ein.");
	g_assert_cmpstr(i18n_translate("en", err->message), ==, "Enter an amount such as 1,234.56.");
}

/* _() follows the thread's locale, as the request layer sets it. */
static void test_uselocale_macro(void)
{
	locale_t prev = uselocale(i18n_locale("de"));
	const char *de = _("Page not found");
	uselocale(i18n_locale("en"));
	const char *en = _("Page not found");
	uselocale(prev);
	g_assert_cmpstr(de, ==, "Seite nicht gefunden");
	g_assert_cmpstr(en, ==, "Page not found");
}

static gpointer translate_worker(gpointer data)
{
	const char *lang = data;
	const char *want = strcmp(lang, "de") == 0 ? "Seite nicht gefunden" : "Page not found";
	for (int i = 0; i < 5000; i++) {
		if (strcmp(i18n_translate(lang, "Page not found"), want) != 0)
			return GINT_TO_POINTER(1);
		/* The thread's own locale is back to what it was after each call. */
		if (uselocale((locale_t)0) != LC_GLOBAL_LOCALE)
			return GINT_TO_POINTER(2);
	}
	return GINT_TO_POINTER(0);
}

static void test_threads(void)
{
	GThread *threads[8];
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("i18n", translate_worker, (gpointer)(i % 2 ? "en" : "de"));
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(threads[i])), ==, 0);
}

static void test_numeric_untouched(void)
{
	(void)i18n_translate("de", "Page not found");
	locale_t prev = uselocale(i18n_locale("de"));
	/* Even inside a German request printf keeps the decimal point. */
	char buf[16];
	snprintf(buf, sizeof buf, "%.1f", 1.5);
	const char *point = localeconv()->decimal_point;
	uselocale(prev);
	g_assert_cmpstr(buf, ==, "1.5");
	g_assert_cmpstr(point, ==, ".");
	g_assert_cmpstr(setlocale(LC_NUMERIC, NULL), ==, "C");
}

/* ----------------------------------------------------------- completeness */

typedef struct po_entry {
	char *msgctxt;
	char *msgid;
	char *msgid_plural;
	GPtrArray *msgstr; /* of char *; [0] for a singular entry */
	char *refs;        /* "#:" lines joined with spaces */
	bool fuzzy;
	bool obsolete;
	int line;
} po_entry;

static void po_entry_free(po_entry *e)
{
	g_free(e->msgctxt);
	g_free(e->msgid);
	g_free(e->msgid_plural);
	g_ptr_array_unref(e->msgstr);
	g_free(e->refs);
	g_free(e);
}

/* Appends the C-escaped contents of one "..." token to out; false if malformed. */
static bool po_unquote(const char *s, GString *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s++ != '"')
		return false;
	for (; *s && *s != '"'; s++) {
		if (*s != '\\') {
			g_string_append_c(out, *s);
			continue;
		}
		switch (*++s) {
		case 'n': g_string_append_c(out, '\n'); break;
		case 't': g_string_append_c(out, '\t'); break;
		case 'r': g_string_append_c(out, '\r'); break;
		case '"': g_string_append_c(out, '"'); break;
		case '\\': g_string_append_c(out, '\\'); break;
		default: return false;
		}
	}
	if (*s != '"')
		return false;
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	return *s == '\0';
}

static const char *skip_word(const char *line, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\t'))
		return line + n;
	return NULL;
}

/*
 * A small reader for the PO files gettext tools write: comments, flags,
 * references, msgctxt/msgid/msgid_plural/msgstr[n] with continuation lines,
 * and "#~" obsolete entries. Entries are returned in file order, the header
 * (msgid "") included. Fails the test on a line it does not understand.
 */
static GPtrArray *po_parse(const char *path)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &text, NULL, &err))
		g_error("%s: %s", path, err->message);
	GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)po_entry_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	po_entry *cur = NULL;
	GString *field = NULL; /* the string a continuation line extends */
	bool seen_msgstr = false;
	for (int n = 0; lines[n]; n++) {
		const char *l = lines[n];
		bool obsolete = false;
		if (g_str_has_prefix(l, "#~")) {
			obsolete = true;
			l += 2;
			while (*l == ' ')
				l++;
			if (*l == '|') /* previous msgid of an obsolete entry */
				continue;
		}
		if (*l == '\0') {
			if (!obsolete)
				cur = NULL, field = NULL;
			continue;
		}
		bool starts_entry = l[0] == '#' || skip_word(l, "msgctxt") || skip_word(l, "msgid");
		if (starts_entry && (!cur || seen_msgstr)) {
			cur = g_new0(po_entry, 1);
			cur->msgstr = g_ptr_array_new_with_free_func(g_free);
			cur->line = n + 1;
			g_ptr_array_add(entries, cur);
			seen_msgstr = false;
			field = NULL;
		}
		if (!cur)
			g_error("%s:%d: no entry for \"%s\"", path, n + 1, lines[n]);
		cur->obsolete |= obsolete;
		if (l[0] == '#') {
			if (l[1] == ',' && strstr(l, "fuzzy"))
				cur->fuzzy = true;
			if (l[1] == ':') {
				g_autofree char *old = cur->refs;
				cur->refs = g_strjoin(" ", old ? old : "", g_strstrip(g_strdup(l + 2)), NULL);
			}
			continue;
		}
		const char *rest;
		GString *target = g_string_new(NULL);
		char **slot = NULL;
		if ((rest = skip_word(l, "msgctxt")))
			slot = &cur->msgctxt;
		else if ((rest = skip_word(l, "msgid_plural")))
			slot = &cur->msgid_plural;
		else if ((rest = skip_word(l, "msgid")))
			slot = &cur->msgid;
		else if (g_str_has_prefix(l, "msgstr")) {
			rest = strchr(l, ' ');
			seen_msgstr = true;
		} else if (l[0] == '"' && field) {
			g_string_free(target, TRUE);
			if (!po_unquote(l, field))
				g_error("%s:%d: bad string", path, n + 1);
			/* Keep the owned copies current. */
			po_entry *e = cur;
			char **dst = NULL;
			if (e->msgstr->len && field == g_ptr_array_index(e->msgstr, e->msgstr->len - 1))
				dst = NULL;
			(void)dst;
			continue;
		} else {
			g_error("%s:%d: cannot read \"%s\"", path, n + 1, lines[n]);
		}
		if (!rest || !po_unquote(rest, target))
			g_error("%s:%d: bad string", path, n + 1);
		if (slot) {
			g_free(*slot);
			/* Field values are GStrings until the entry ends; keep the
			 * GString alive through the entry's pointer array. */
			*slot = NULL;
		}
		field = target;
		/* Store every field's GString in msgstr's sibling list by kind. */
		if (slot == &cur->msgctxt || slot == &cur->msgid || slot == &cur->msgid_plural) {
			*slot = (char *)target; /* temporarily a GString, fixed below */
		} else {
			g_ptr_array_add(cur->msgstr, target);
		}
	}
	/* Turn the GStrings into plain strings. */
	for (guint i = 0; i < entries->len; i++) {
		po_entry *e = g_ptr_array_index(entries, i);
		char **fields[] = { &e->msgctxt, &e->msgid, &e->msgid_plural };
		for (size_t k = 0; k < G_N_ELEMENTS(fields); k++)
			if (*fields[k])
				*fields[k] = g_string_free((GString *)*fields[k], FALSE);
		for (guint k = 0; k < e->msgstr->len; k++)
			e->msgstr->pdata[k] = g_string_free((GString *)e->msgstr->pdata[k], FALSE);
	}
	return entries;
}
