/*
 * test_i18n.c — language negotiation, German translation through the
 * compiled catalogue in <builddir>/po, thread-local language switching, and
 * the completeness of po/de.po: every msgid must have a German text that is
 * not fuzzy, and every text marked in src/ (with xgettext) or in templates/
 * (with tools/extract-msgids) must be in de.po.
 */
#include <glib/gstdio.h>
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
	GString *msgctxt;      /* NULL when absent, like msgid_plural */
	GString *msgid;
	GString *msgid_plural;
	GPtrArray *msgstr;     /* of GString *; [0] alone for a singular entry */
	GString *refs;         /* the "#:" references, space separated */
	bool fuzzy;
	bool obsolete;
	int line;
} po_entry;

static void gstring_free_all(gpointer s)
{
	if (s)
		g_string_free(s, TRUE);
}

static void po_entry_free(po_entry *e)
{
	gstring_free_all(e->msgctxt);
	gstring_free_all(e->msgid);
	gstring_free_all(e->msgid_plural);
	g_ptr_array_unref(e->msgstr);
	g_string_free(e->refs, TRUE);
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

/* The rest of `line` after keyword `word` and a blank, or NULL. */
static const char *after_word(const char *line, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\t'))
		return line + n;
	return NULL;
}

/*
 * A small reader for the PO files gettext tools write: comments, flags,
 * references, msgctxt / msgid / msgid_plural / msgstr[n] with continuation
 * lines, and "#~" obsolete entries. Entries come in file order, the header
 * (msgid "") included. A line it does not understand fails the test.
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
			for (l += 2; *l == ' '; l++)
				;
			if (*l == '|') /* the previous msgid of an obsolete entry */
				continue;
		}
		if (*l == '\0') {
			cur = NULL;
			field = NULL;
			continue;
		}
		bool starts = l[0] == '#' || after_word(l, "msgctxt") || after_word(l, "msgid");
		if (starts && (!cur || seen_msgstr)) {
			cur = g_new0(po_entry, 1);
			cur->msgstr = g_ptr_array_new_with_free_func(gstring_free_all);
			cur->refs = g_string_new(NULL);
			cur->line = n + 1;
			g_ptr_array_add(entries, cur);
			seen_msgstr = false;
			field = NULL;
		}
		if (!cur)
			g_error("%s:%d: text outside an entry", path, n + 1);
		cur->obsolete |= obsolete;
		if (l[0] == '#') {
			if (l[1] == ',' && strstr(l, "fuzzy"))
				cur->fuzzy = true;
			if (l[1] == ':') {
				if (cur->refs->len)
					g_string_append_c(cur->refs, ' ');
				g_string_append(cur->refs, l + 3);
			}
			continue;
		}
		if (l[0] == '"') {
			if (!field || !po_unquote(l, field))
				g_error("%s:%d: stray or bad string", path, n + 1);
			continue;
		}
		const char *rest;
		GString **slot = NULL;
		if ((rest = after_word(l, "msgctxt")))
			slot = &cur->msgctxt;
		else if ((rest = after_word(l, "msgid_plural")))
			slot = &cur->msgid_plural;
		else if ((rest = after_word(l, "msgid")))
			slot = &cur->msgid;
		else if (g_str_has_prefix(l, "msgstr") && (rest = strchr(l, ' ')))
			seen_msgstr = true;
		else
			g_error("%s:%d: cannot read this line", path, n + 1);
		field = g_string_new(NULL);
		if (slot) {
			gstring_free_all(*slot);
			*slot = field;
		} else {
			g_ptr_array_add(cur->msgstr, field);
		}
		if (!po_unquote(rest, field))
			g_error("%s:%d: bad string", path, n + 1);
	}
	for (guint i = 0; i < entries->len; i++) {
		po_entry *e = g_ptr_array_index(entries, i);
		if (!e->msgid)
			g_error("%s:%d: entry without msgid", path, e->line);
	}
	return entries;
}

static bool po_is_header(const po_entry *e)
{
	return !e->msgctxt && e->msgid->len == 0;
}

static char *po_key(const po_entry *e)
{
	return g_strconcat(e->msgctxt ? e->msgctxt->str : "", "\004", e->msgid->str, NULL);
}

/* What keeps a catalogue from being complete: untranslated and fuzzy entries. */
static GPtrArray *po_problems(const char *name, GPtrArray *entries)
{
	GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < entries->len; i++) {
		const po_entry *e = g_ptr_array_index(entries, i);
		if (e->obsolete)
			continue;
		if (po_is_header(e)) {
			/* msgfmt ignores a fuzzy header, charset included. */
			if (e->fuzzy)
				g_ptr_array_add(problems, g_strdup_printf("%s:%d: fuzzy header", name, e->line));
			continue;
		}
		bool empty = e->msgstr->len == 0 || (e->msgid_plural && e->msgstr->len < 2);
		for (guint k = 0; k < e->msgstr->len; k++)
			empty |= ((GString *)g_ptr_array_index(e->msgstr, k))->len == 0;
		if (empty || e->fuzzy)
			g_ptr_array_add(problems, g_strdup_printf("%s:%d: %s msgid \"%s\"", name, e->line,
				empty ? "untranslated" : "fuzzy", e->msgid->str));
	}
	return problems;
}

/* Msgids of `wanted` that `catalogue` lacks (obsolete entries count as lacking). */
static GPtrArray *po_missing(GPtrArray *catalogue, GPtrArray *wanted)
{
	g_autoptr(GHashTable) have = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < catalogue->len; i++) {
		const po_entry *e = g_ptr_array_index(catalogue, i);
		if (!e->obsolete)
			g_hash_table_add(have, po_key(e));
	}
	GPtrArray *missing = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < wanted->len; i++) {
		const po_entry *e = g_ptr_array_index(wanted, i);
		g_autofree char *key = po_key(e);
		if (!po_is_header(e) && !e->obsolete && !g_hash_table_contains(have, key))
			g_ptr_array_add(missing, g_strdup_printf("\"%s\" (%s)", e->msgid->str, e->refs->str));
	}
	return missing;
}

static void fail_on(const char *what, GPtrArray *problems, const char *hint)
{
	if (problems->len == 0)
		return;
	GString *msg = g_string_new(NULL);
	g_string_printf(msg, "%s (%u):", what, problems->len);
	for (guint i = 0; i < problems->len; i++)
		g_string_append_printf(msg, "\n  %s", (char *)g_ptr_array_index(problems, i));
	g_string_append_printf(msg, "\n%s", hint);
	g_test_message("%s", msg->str);
	g_test_fail_printf("%s", msg->str);
	g_string_free(msg, TRUE);
}

static void run_or_fail(char **argv, const char *cwd)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *out = NULL, *errout = NULL;
	int status = 0;
	if (!g_spawn_sync(cwd, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &err))
		g_error("cannot run %s: %s", argv[0], err->message);
	if (!g_spawn_check_wait_status(status, &err))
		g_error("%s failed: %s\n%s", argv[0], err->message, errout);
}

/* Every .c file under dir, relative to root. */
static void collect_c_files(const char *root, const char *rel, GPtrArray *out)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	if (!dir)
		return;
	const char *name;
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *child = g_build_filename(rel, name, NULL);
		g_autofree char *full = g_build_filename(root, child, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR))
			collect_c_files(root, child, out);
		else if (g_str_has_suffix(name, ".c"))
			g_ptr_array_add(out, g_steal_pointer(&child));
	}
}

/* The checker itself must be able to fail: feed it a broken catalogue. */
static void test_po_checker(void)
{
	g_autofree char *tmp = g_dir_make_tmp("bireg-po-XXXXXX", NULL);
	g_assert_nonnull(tmp);
	g_autofree char *path = g_build_filename(tmp, "x.po", NULL);
	const char *po =
		"msgid \"\"\n"
		"msgstr \"\"\n"
		"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
		"\n"
		"#: src/a.c:1\n"
		"msgid \"Done\"\n"
		"msgstr \"Fertig\"\n"
		"\n"
		"#: src/a.c:2\n"
		"msgid \"\"\n"
		"\"Two \\\"lines\\\" \"\n"
		"\"here\"\n"
		"msgstr \"\"\n"
		"\n"
		"#, fuzzy\n"
		"msgid \"Close\"\n"
		"msgstr \"Schließen\"\n"
		"\n"
		"msgctxt \"verb\"\n"
		"msgid \"Open\"\n"
		"msgstr \"Öffnen\"\n"
		"\n"
		"msgid \"%d file\"\n"
		"msgid_plural \"%d files\"\n"
		"msgstr[0] \"%d Datei\"\n"
		"msgstr[1] \"\"\n"
		"\n"
		"#~ msgid \"Gone\"\n"
		"#~ msgstr \"\"\n";
	g_assert_true(g_file_set_contents(path, po, -1, NULL));
	g_autoptr(GPtrArray) entries = po_parse(path);
	g_assert_cmpuint(entries->len, ==, 7);
	po_entry *two = g_ptr_array_index(entries, 2);
	g_assert_cmpstr(two->msgid->str, ==, "Two \"lines\" here");
	g_assert_cmpstr(two->refs->str, ==, "src/a.c:2");
	po_entry *open = g_ptr_array_index(entries, 4);
	g_assert_cmpstr(open->msgctxt->str, ==, "verb");
	po_entry *gone = g_ptr_array_index(entries, 6);
	g_assert_true(gone->obsolete);

	g_autoptr(GPtrArray) problems = po_problems("x.po", entries);
	g_assert_cmpuint(problems->len, ==, 3);
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 0), "untranslated msgid \"Two"));
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 1), "fuzzy msgid \"Close\""));
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 2), "untranslated msgid \"%d file\""));

	/* "Open" without its context, "Gone" (obsolete) and a new msgid are missing. */
	g_autofree char *want_path = g_build_filename(tmp, "want.pot", NULL);
	g_assert_true(g_file_set_contents(want_path,
		"msgid \"Done\"\nmsgstr \"\"\n\nmsgid \"Open\"\nmsgstr \"\"\n\n"
		"msgid \"Gone\"\nmsgstr \"\"\n\n#: templates/t.mustache:3\nmsgid \"New\"\nmsgstr \"\"\n",
		-1, NULL));
	g_autoptr(GPtrArray) wanted = po_parse(want_path);
	g_autoptr(GPtrArray) missing = po_missing(entries, wanted);
	g_assert_cmpuint(missing->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(missing, 0), ==, "\"Open\" ()");
	g_assert_cmpstr(g_ptr_array_index(missing, 2), ==, "\"New\" (templates/t.mustache:3)");

	g_remove(path);
	g_remove(want_path);
	g_rmdir(tmp);
}

/* po/de.po: every entry translated, none fuzzy. */
static void test_de_complete(void)
{
	g_autofree char *root = source_root();
	g_autofree char *path = g_build_filename(root, "po", "de.po", NULL);
	g_autoptr(GPtrArray) de = po_parse(path);
	g_assert_cmpuint(de->len, >, 20);
	g_autoptr(GPtrArray) problems = po_problems("po/de.po", de);
	fail_on("po/de.po is incomplete", problems,
		"Translate these entries (and delete \"#, fuzzy\" once right).");
}

/* Every msgid in src/ and templates/ has an entry in de.po. */
static void test_de_covers_sources(void)
{
	g_autofree char *root = source_root();
	g_autofree char *tmp = g_dir_make_tmp("bireg-msgids-XXXXXX", NULL);
	g_assert_nonnull(tmp);
	g_autofree char *de_path = g_build_filename(root, "po", "de.po", NULL);
	g_autoptr(GPtrArray) de = po_parse(de_path);

	/* Template text, extracted the way tools/update-po does it. */
	g_autofree char *tpot = g_build_filename(tmp, "templates.pot", NULL);
	g_autofree char *extractor = g_build_filename(root, "tools", "extract-msgids", NULL);
	char *extract_argv[] = { "python3", extractor, "--root", root, "-o", tpot, NULL };
	run_or_fail(extract_argv, root);
	g_autoptr(GPtrArray) tmsgids = po_parse(tpot);

	/* C text: xgettext over every .c file in src/, listed or not. */
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	collect_c_files(root, "src", files);
	g_assert_cmpuint(files->len, >, 0);
	g_autofree char *cpot = g_build_filename(tmp, "c.pot", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *fixed[] = { "xgettext", "--from-code=UTF-8", "--force-po", "--keyword=_",
		"--keyword=N_", "--keyword=i18n_translate:2", "--keyword=i18n_ntranslate:2,3", "-o" };
	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
		g_ptr_array_add(argv, (char *)fixed[i]);
	g_ptr_array_add(argv, cpot);
	for (guint i = 0; i < files->len; i++)
		g_ptr_array_add(argv, g_ptr_array_index(files, i));
	g_ptr_array_add(argv, NULL);
	run_or_fail((char **)argv->pdata, root);
	g_autoptr(GPtrArray) cmsgids = po_parse(cpot);

	g_autoptr(GPtrArray) missing_t = po_missing(de, tmsgids);
	g_autoptr(GPtrArray) missing_c = po_missing(de, cmsgids);
	const char *hint = "Run tools/update-po, then translate the new entries in po/de.po.";
	fail_on("template text missing from po/de.po", missing_t, hint);
	fail_on("C text missing from po/de.po", missing_c, hint);

	/* POTFILES.in must name every C file with text, or `ninja bireg-pot`
	 * would lose it. */
	g_autofree char *potfiles_path = g_build_filename(root, "po", "POTFILES.in", NULL);
	g_autofree char *potfiles = NULL;
	g_assert_true(g_file_get_contents(potfiles_path, &potfiles, NULL, NULL));
	g_auto(GStrv) listed = g_strsplit(potfiles, "\n", -1);
	g_autoptr(GPtrArray) unlisted = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < cmsgids->len; i++) {
		const po_entry *e = g_ptr_array_index(cmsgids, i);
		g_auto(GStrv) refs = g_strsplit(e->refs->str, " ", -1);
		for (char **r = refs; *r && **r; r++) {
			g_autofree char *file = g_strndup(*r, strcspn(*r, ":"));
			bool found = g_strv_contains((const char *const *)listed, file);
			for (guint k = 0; !found && k < unlisted->len; k++)
				found = strcmp(g_ptr_array_index(unlisted, k), file) == 0;
			if (!found)
				g_ptr_array_add(unlisted, g_steal_pointer(&file));
		}
	}
	fail_on("C files with text not listed in po/POTFILES.in", unlisted, "Run tools/update-po.");

	g_remove(tpot);
	g_remove(cpot);
	g_rmdir(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* Simulates a service started with LANGUAGE set: i18n_init must undo it. */
	g_setenv("LANGUAGE", "en", TRUE);
	g_autofree char *dir = dev_localedir();
	g_autoptr(GError) err = NULL;
	if (!i18n_init(dir, &err))
		g_error("i18n_init(%s): %s", dir, err->message);

	g_test_add_func("/i18n/negotiate", test_negotiate);
	g_test_add_func("/i18n/negotiate-long", test_negotiate_long);
	g_test_add_func("/i18n/supported", test_supported);
	g_test_add_func("/i18n/normalize", test_normalize);
	g_test_add_func("/i18n/init", test_init);
	g_test_add_func("/i18n/translate", test_translate);
	g_test_add_func("/i18n/translate-format-errors", test_translate_format_errors);
	g_test_add_func("/i18n/uselocale-macro", test_uselocale_macro);
	g_test_add_func("/i18n/threads", test_threads);
	g_test_add_func("/i18n/numeric-untouched", test_numeric_untouched);
	g_test_add_func("/i18n/po/checker", test_po_checker);
	g_test_add_func("/i18n/po/de-complete", test_de_complete);
	g_test_add_func("/i18n/po/de-covers-sources", test_de_covers_sources);
	return g_test_run();
}
