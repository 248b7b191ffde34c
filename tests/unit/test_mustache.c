/* test_mustache.c — unit tests for the Mustache engine (src/view/mustache.c).
 *
 * The first half runs every case of the required official spec modules
 * (../shared/mustache-spec/ beside the repository) as its own test in SPEC
 * mode; a missing spec file is a failure, not a skip, because CI always has
 * it.  The second half tests what bireg adds: strict mode, the translation
 * tag, escaping of hostile data, limits and concurrent rendering.
 */
#include "view/mustache.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const spec_modules[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials", "sections",
};

static gint spec_passed; /* updated atomically; only counts, never decides */
static guint spec_total;

typedef struct {
	char *file;
	json_t *test; /* one entry of "tests" (owned reference) */
} spec_case;

static void spec_case_free(gpointer p)
{
	spec_case *c = p;
	g_free(c->file);
	json_decref(c->test);
	g_free(c);
}

/* Spec cases report a mismatch with g_test_fail_printf() instead of an
 * assertion, so one failing case does not abort the others and the final
 * count is exact. */
static void test_spec_case(gconstpointer p)
{
	const spec_case *c = p;
	json_t *t = c->test;
	const char *tmpl = json_string_value(json_object_get(t, "template"));
	const char *expected = json_string_value(json_object_get(t, "expected"));
	if (!tmpl || !expected) {
		g_test_fail_printf("%s: case without template or expected", c->file);
		return;
	}

	g_autoptr(mustache_set) s = mustache_set_new(MUSTACHE_SPEC);
	g_autoptr(GError) err = NULL;
	json_t *partials = json_object_get(t, "partials");
	const char *pname;
	json_t *psrc;
	json_object_foreach(partials, pname, psrc) {
		const char *src = json_string_value(psrc);
		if (mustache_set_add(s, pname, src, strlen(src), &err) < 0) {
			g_test_fail_printf("partial %s: %s", pname, err->message);
			return;
		}
	}
	if (mustache_set_add(s, "(spec template)", tmpl, strlen(tmpl), &err) < 0 ||
			mustache_set_link(s, &err) < 0) {
		g_test_fail_printf("compile/link: %s", err->message);
		return;
	}
	g_autoptr(GString) out = g_string_new(NULL);
	if (mustache_render(s, "(spec template)", json_object_get(t, "data"), NULL, out, &err) < 0) {
		g_test_fail_printf("render: %s", err->message);
		return;
	}
	if (strcmp(out->str, expected) != 0) {
		g_autofree char *want = g_strescape(expected, NULL);
		g_autofree char *got = g_strescape(out->str, NULL);
		g_test_fail_printf("expected \"%s\", got \"%s\"", want, got);
		return;
	}
	g_atomic_int_inc(&spec_passed);
}

static void test_spec_missing(gconstpointer p)
{
	g_test_fail_printf("mustache spec file %s could not be loaded", (const char *)p);
}

static void add_spec_tests(void)
{
	const char *root = g_getenv("BIREG_SOURCE_ROOT");
	g_autofree char *dir = g_build_filename(root ? root : ".", "..", "shared", "mustache-spec", NULL);

	for (size_t m = 0; m < G_N_ELEMENTS(spec_modules); m++) {
		g_autofree char *file = g_strdup_printf("%s/%s.json", dir, spec_modules[m]);
		json_error_t jerr;
		json_t *doc = json_load_file(file, 0, &jerr);
		json_t *tests = json_object_get(doc, "tests");
		if (!json_is_array(tests) || json_array_size(tests) == 0) {
			g_autofree char *path = g_strdup_printf("/mustache/spec/%s/load", spec_modules[m]);
			g_test_add_data_func_full(path, g_strdup(file), test_spec_missing, g_free);
			json_decref(doc);
			continue;
		}
		size_t i;
		json_t *t;
		json_array_foreach(tests, i, t) {
			const char *name = json_string_value(json_object_get(t, "name"));
			g_autofree char *clean = g_strdelimit(g_strdup(name ? name : "unnamed"), "/", '-');
			g_autofree char *path = g_strdup_printf("/mustache/spec/%s/%s", spec_modules[m], clean);
			spec_case *c = g_new0(spec_case, 1);
			c->file = g_strdup(file);
			c->test = json_incref(t);
			g_test_add_data_func_full(path, c, test_spec_case, spec_case_free);
			spec_total++;
		}
		json_decref(doc);
	}
}

/* ------------------------------------------------------------------ */
/* helpers                                                            */

static json_t *J(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!v)
		g_error("bad test JSON %s: %s", text, jerr.text);
	return v;
}

static mustache_set *set_of(mustache_mode mode, const char *name, const char *src, ...)
	G_GNUC_NULL_TERMINATED;

/* A linked set made from name/source pairs; aborts the test on any error. */
static mustache_set *set_of(mustache_mode mode, const char *name, const char *src, ...)
{
	mustache_set *s = mustache_set_new(mode);
	GError *err = NULL;
	va_list ap;
	va_start(ap, src);
	while (name) {
		mustache_set_add(s, name, src, strlen(src), &err);
		g_assert_no_error(err);
		name = va_arg(ap, const char *);
		if (name)
			src = va_arg(ap, const char *);
	}
	va_end(ap);
	mustache_set_link(s, &err);
	g_assert_no_error(err);
	return s;
}

/* Renders and returns the output, or NULL with *err set. */
static char *render(const mustache_set *s, const char *name, const char *data_json,
		const mustache_render_opts *opts, GError **err)
{
	json_t *data = J(data_json);
	GString *out = g_string_new(NULL);
	int rc = mustache_render(s, name, data, opts, out, err);
	json_decref(data);
	if (rc < 0) {
		g_assert_cmpuint(out->len, ==, 0);
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

static char *render1(mustache_mode mode, const char *src, const char *data_json, GError **err)
{
	g_autoptr(mustache_set) s = set_of(mode, "t", src, NULL);
	return render(s, "t", data_json, NULL, err);
}

static void assert_renders(mustache_mode mode, const char *src, const char *data_json,
		const char *expected)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *out = render1(mode, src, data_json, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(out, ==, expected);
}

static void assert_compile_error(const char *src, const char *expected_prefix)
{
	g_autoptr(mustache_set) s = mustache_set_new(MUSTACHE_STRICT);
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(mustache_set_add(s, "page", src, strlen(src), &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE);
	if (!g_str_has_prefix(err->message, expected_prefix))
		g_error("for %s: message '%s' does not start with '%s'", src, err->message,
				expected_prefix);
	g_assert_false(mustache_set_has(s, "page"));
}

/* ------------------------------------------------------------------ */
/* strict mode                                                        */

static void test_strict_unknown_partial(void)
{
	g_autoptr(mustache_set) s = mustache_set_new(MUSTACHE_STRICT);
	g_autoptr(GError) err = NULL;
	const char *page = "<h1>x</h1>\n  {{> missing}}\n{{#a}}{{>also_missing}}{{/a}}{{>known}}";
	g_assert_cmpint(mustache_set_add(s, "page", page, strlen(page), &err), ==, 0);
	g_assert_cmpint(mustache_set_add(s, "known", "k", 1, &err), ==, 0);
	g_assert_cmpint(mustache_set_link(s, &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_LINK);
	g_assert_cmpstr(err->message, ==,
			"page:2:3: unknown partial 'missing'\n"
			"page:3:7: unknown partial 'also_missing'");

	/* an unlinked set refuses to render */
	g_autoptr(GString) out = g_string_new(NULL);
	g_clear_error(&err);
	g_assert_cmpint(mustache_render(s, "known", NULL, NULL, out, &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_LINK);

	/* the same set in spec mode links fine and renders the partial as empty */
	g_autoptr(mustache_set) sp = set_of(MUSTACHE_SPEC, "p", "[{{>missing}}]", NULL);
	g_clear_error(&err);
	g_autofree char *r = render(sp, "p", "{}", NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(r, ==, "[]");
}

static void test_strict_unknown_name(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "page",
			"<p>\n  {{user.name}} {{user.nmae}}\n</p>", NULL);
	g_autoptr(GError) err = NULL;
	json_t *data = J("{\"user\": {\"name\": \"Ada\"}}");
	g_autoptr(GString) out = g_string_new("kept|");
	g_assert_cmpint(mustache_render(s, "page", data, NULL, out, &err), ==, -1);
	json_decref(data);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
	g_assert_cmpstr(err->message, ==, "page:2:17: unknown name 'user.nmae'");
	/* nothing half-rendered is left behind */
	g_assert_cmpstr(out->str, ==, "kept|");

	/* sections and inverted sections over absent names fail too */
	g_clear_error(&err);
	g_assert_null(render1(MUSTACHE_STRICT, "{{#items}}x{{/items}}", "{}", &err));
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
	g_assert_true(strstr(err->message, "'items'") != NULL);
	g_clear_error(&err);
	g_assert_null(render1(MUSTACHE_STRICT, "a\n\n{{^items}}x{{/items}}", "{}", &err));
	g_assert_cmpstr(err->message, ==, "t:3:1: unknown name 'items'");

	/* an error inside a partial names the partial */
	g_autoptr(mustache_set) s2 = set_of(MUSTACHE_STRICT, "page", "{{>row}}", "row",
			"ok\n{{nope}}", NULL);
	g_clear_error(&err);
	g_assert_null(render(s2, "page", "{}", NULL, &err));
	g_assert_cmpstr(err->message, ==, "row:2:1: unknown name 'nope'");

	/* broken dotted chain: first part found, rest absent */
	g_clear_error(&err);
	g_assert_null(render1(MUSTACHE_STRICT, "{{a.b.c}}", "{\"a\": {\"b\": 1}}", &err));
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);

	/* the same templates in spec mode render the miss as empty */
	assert_renders(MUSTACHE_SPEC, "[{{user.nmae}}|{{#items}}x{{/items}}|{{^items}}y{{/items}}]",
			"{}", "[||y]");
}

static void test_strict_falsey_is_fine(void)
{
	const char *src = "{{#v}}T{{/v}}{{^v}}F{{/v}}[{{v}}]";
	assert_renders(MUSTACHE_STRICT, src, "{\"v\": false}", "F[false]");
	assert_renders(MUSTACHE_STRICT, src, "{\"v\": null}", "F[]");
	assert_renders(MUSTACHE_STRICT, "{{#v}}T{{/v}}{{^v}}F{{/v}}", "{\"v\": []}", "F");
	assert_renders(MUSTACHE_STRICT, src, "{\"v\": \"\"}", "F[]");
	assert_renders(MUSTACHE_STRICT, src, "{\"v\": 0}", "T[0]");
	/* a name found in an outer context is not absent */
	assert_renders(MUSTACHE_STRICT, "{{#list}}{{title}}:{{.}} {{/list}}",
			"{\"title\": \"n\", \"list\": [1, 2]}", "n:1 n:2 ");
}

static void test_strict_optional(void)
{
	assert_renders(MUSTACHE_STRICT, "[{{x?}}|{{{x?}}}|{{& x?}}]", "{}", "[||]");
	assert_renders(MUSTACHE_STRICT, "[{{x?}}]", "{\"x\": \"<\"}", "[&lt;]");
	assert_renders(MUSTACHE_STRICT, "[{{#x?}}yes{{/x}}{{^x?}}no{{/x?}}]", "{}", "[no]");
	assert_renders(MUSTACHE_STRICT, "[{{#x?}}{{.}}{{/x}}]", "{\"x\": [1, 2]}", "[12]");
	assert_renders(MUSTACHE_STRICT, "[{{#a.b?}}y{{/a.b}}]", "{\"a\": {}}", "[]");
}

static void test_strict_print_container(void)
{
	g_autoptr(GError) err = NULL;
	g_assert_null(render1(MUSTACHE_STRICT, "{{o}}", "{\"o\": {\"a\": 1}}", &err));
	g_assert_cmpstr(err->message, ==, "t:1:1: 'o' is an object and cannot be printed");
	assert_renders(MUSTACHE_SPEC, "[{{o}}{{l}}]", "{\"o\": {\"a\": 1}, \"l\": [1]}", "[]");
}

static void test_compile_errors(void)
{
	assert_compile_error("line one\n  {{#items}}\n  x\n", "page:2:3: unclosed section {{#items}}");
	assert_compile_error("{{#a}}\n{{#b}}{{/a}}{{/b}}", "page:2:7: closing tag {{/a}} does not match {{#b}}");
	assert_compile_error("ok\n\nx {{name", "page:3:3: unclosed tag");
	assert_compile_error("x {{{name}}", "page:1:3: unclosed tag");
	assert_compile_error("{{=<% =}}", "page:1:1: bad set-delimiter tag");
	assert_compile_error("{{= a=b c =}}", "page:1:1: bad set-delimiter tag");
	assert_compile_error("{{=<% %>=}}\n<%x", "page:2:1: unclosed tag");
	assert_compile_error("a {{/a}}", "page:1:3: closing tag {{/a}} without an open section");
	assert_compile_error("{{}}", "page:1:1: invalid name");
	assert_compile_error("{{a b}}", "page:1:1: invalid name");
	assert_compile_error("{{a..b}}", "page:1:1: invalid name");
	assert_compile_error("{{>}}", "page:1:1: invalid partial name");
	/* the translation tag's own rules */
	assert_compile_error("{{#t}}a {{>p}}{{/t}}", "page:1:9: partial inside {{#t}}");
	assert_compile_error("{{#t}}a {{#t}}b{{/t}}{{/t}}", "page:1:9: {{#t}} inside {{#t}}");
	assert_compile_error("{{#t}}a {{=| |=}}|/t|", "page:1:9: set-delimiter tag inside {{#t}}");
	assert_compile_error("x\n {{#t}} \n {{/t}}", "page:2:2: empty {{#t}} section");

	/* a name can only be added once */
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "a", "x", NULL);
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(mustache_set_add(s, "a", "y", 1, &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE);
}

static void test_nesting_limits(void)
{
	g_autoptr(GString) deep = g_string_new(NULL);
	for (int i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		g_string_append(deep, "{{#a}}");
	g_string_append(deep, "{{n}}");
	for (int i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		g_string_append(deep, "{{/a}}");
	/* 64 levels compile and render (a = true pushes itself) */
	assert_renders(MUSTACHE_STRICT, deep->str, "{\"a\": true, \"n\": 7}", "7");

	g_string_prepend(deep, "{{#a}}");
	g_string_append(deep, "{{/a}}");
	assert_compile_error(deep->str, "page:1:");

	/* endless partial recursion stops with an error, in both modes */
	for (int mode = MUSTACHE_STRICT; mode <= MUSTACHE_SPEC; mode++) {
		g_autoptr(mustache_set) s = set_of(mode, "r", "x{{>r}}", NULL);
		g_autoptr(GError) err = NULL;
		g_assert_null(render(s, "r", "{}", NULL, &err));
		g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
		g_assert_true(strstr(err->message, "nested deeper than 64") != NULL);
	}

	/* a recursive partial on a leaf without "kids" finds the parent's list
	 * again; the depth limit ends it on the first way down */
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "node", "{{#kids}}<{{n}}{{>node}}>{{/kids}}",
			NULL);
	g_autoptr(GError) err = NULL;
	g_assert_null(render(s, "node", "{\"kids\": [{\"n\": 1}, {\"n\": 2}]}", NULL, &err));
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
	g_assert_true(strstr(err->message, "nested deeper") != NULL);
	g_clear_error(&err);
	/* nested loops over one list of 30: 30^5 visits exceed the step budget */
	g_autoptr(GString) big = g_string_new("[");
	for (int i = 0; i < 30; i++)
		g_string_append(big, i ? ",1" : "1");
	g_string_append(big, "]");
	g_autofree char *loops_data = g_strdup_printf("{\"l\": %s}", big->str);
	g_autoptr(mustache_set) loops = set_of(MUSTACHE_STRICT, "l",
			"{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}", NULL);
	g_assert_null(render(loops, "l", loops_data, NULL, &err));
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
	g_assert_true(strstr(err->message, "more than 10000000 steps") != NULL);
	g_clear_error(&err);
	/* with leaves that say "kids": [] it is a normal tree */
	g_autofree char *ok = render(s, "node",
			"{\"kids\": [{\"n\": 1, \"kids\": [{\"n\": 3, \"kids\": []}]}, {\"n\": 2, \"kids\": []}]}",
			NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(ok, ==, "<1<3>><2>");
}

static void test_values(void)
{
	assert_renders(MUSTACHE_STRICT, "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}",
			"{\"a\": 1.21, \"b\": 0.30000000000000004, \"c\": -5, \"d\": 3.0, \"e\": 1e300,"
			" \"f\": true, \"g\": 9007199254740993, \"h\": 0.1}",
			"1.21 0.30000000000000004 -5 3 1e+300 true 9007199254740993 0.1");
	assert_renders(MUSTACHE_STRICT, "{{s}}|{{{s}}}|{{&s}}", "{\"s\": \"&<>\\\"'\"}",
			"&amp;&lt;&gt;&quot;&#39;|&<>\"'|&<>\"'");
	/* NUL bytes in template text are kept */
	g_autoptr(mustache_set) s = mustache_set_new(MUSTACHE_STRICT);
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(mustache_set_add(s, "z", "a\0b", 3, &err), ==, 0);
	g_assert_cmpint(mustache_set_link(s, &err), ==, 0);
	g_autoptr(GString) out = g_string_new(NULL);
	g_assert_cmpint(mustache_render(s, "z", NULL, NULL, out, &err), ==, 0);
	g_assert_cmpmem(out->str, out->len, "a\0b", 3);
	/* unknown template */
	g_assert_cmpint(mustache_render(s, "nope", NULL, NULL, out, &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_RENDER);
}

static void test_nested_partial_indent(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT,
			"page", "<ul>\n  {{>items}}\n</ul>\n",
			"items", "{{#list}}\n<li>\n  {{>item}}\n</li>\n{{/list}}\n",
			"item", "<b>{{.}}</b>\n{{.}}\n", NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *out = render(s, "page", "{\"list\": [\"a\", \"x\\ny\"]}", NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(out, ==,
			"<ul>\n"
			"  <li>\n"
			"    <b>a</b>\n"
			"    a\n"
			"  </li>\n"
			"  <li>\n"
			"    <b>x\ny</b>\n"
			"    x\ny\n"
			"  </li>\n"
			"</ul>\n");
}

/* ------------------------------------------------------------------ */
/* hostile data                                                       */

static const char *de_translate(void *ud, const char *msgid)
{
	if (strcmp(msgid, "Hello {{name}}, welcome!") == 0)
		return "Hallo {{name}}, willkommen!";
	if (strcmp(msgid, "Hello {{name}}") == 0)
		return "Grüß dich, {{name}}";
	return msgid;
}

static void test_xss(void)
{
	const char *data = "{\"x\": \"<script>alert(1)</script>\", \"y\": \"\\\"><img onerror=x>\","
		" \"z\": \"{{x}} {{#y}}{{/y}} {{{x}}} {{>p}}\", \"name\": \"{{x}}<i>\"}";
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT,
			"page", "<a title=\"{{y}}\">{{x}}</a>{{z}}|{{#t}}Hello {{name}}{{/t}}",
			"p", "PARTIAL", NULL);
	g_autoptr(GError) err = NULL;
	mustache_render_opts de = { .translate = de_translate };
	g_autofree char *out = render(s, "page", data, &de, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(out, ==,
			"<a title=\"&quot;&gt;&lt;img onerror=x&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</a>"
			"{{x}} {{#y}}{{/y}} {{{x}}} {{&gt;p}}|Grüß dich, {{x}}&lt;i&gt;");
	g_assert_null(strstr(out, "<script"));
	g_assert_null(strstr(out, "<img"));
	g_assert_null(strstr(out, "PARTIAL"));
}

/* ------------------------------------------------------------------ */
/* translation                                                        */

static void test_translate_basic(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "page",
			"<p>{{#t}}\n  Hello   {{name}},\n\twelcome!\n{{/t}}</p>\n"
			"<p>\n  {{#t}}Hello {{name}}{{/t}}\n</p>", NULL);
	g_autoptr(GError) err = NULL;
	const char *data = "{\"name\": \"<b>Jörg & Co</b>\"}";

	mustache_render_opts de = { .translate = de_translate };
	g_autofree char *out = render(s, "page", data, &de, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(out, ==,
			"<p>Hallo &lt;b&gt;Jörg &amp; Co&lt;/b&gt;, willkommen!</p>\n"
			"<p>\n  Grüß dich, &lt;b&gt;Jörg &amp; Co&lt;/b&gt;\n</p>");

	/* no callback: the normalised msgid is rendered */
	g_autofree char *en = render(s, "page", data, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(en, ==,
			"<p>Hello &lt;b&gt;Jörg &amp; Co&lt;/b&gt;, welcome!</p>\n"
			"<p>\n  Hello &lt;b&gt;Jörg &amp; Co&lt;/b&gt;\n</p>");

	/* strict mode still applies inside translated text */
	g_autofree char *bad = render(s, "page", "{}", &de, &err);
	g_assert_null(bad);
	g_assert_cmpstr(err->message, ==, "page:1:4: unknown name 'name'");
}

static const char *null_translate(void *ud, const char *msgid)
{
	return NULL;
}

/* Returns whatever ud points to, for every msgid. */
static const char *fixed_translate(void *ud, const char *msgid)
{
	return ud;
}

static void test_translate_fallbacks(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "page",
			"{{#t}}Hi {{name}}{{/t}}", NULL);
	const char *data = "{\"name\": \"A\", \"secret\": \"S\"}";
	g_autoptr(GError) err = NULL;

	mustache_render_opts o = { .translate = null_translate };
	g_autofree char *a = render(s, "page", data, &o, &err);
	g_assert_cmpstr(a, ==, "Hi A");

	/* a translation that does not compile, uses another name, or a
	 * partial falls back to the msgid */
	const char *bad[] = { "Hallo {{name", "Hallo {{secret}}", "Hallo {{>page}}",
		"Hallo {{#name}}", "{{=| |=}}|name|", "Hallo {{name?}}" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mustache_render_opts f = { .translate = fixed_translate, .translate_ud = (void *)bad[i] };
		g_autofree char *r = render(s, "page", data, &f, &err);
		g_assert_no_error(err);
		g_assert_cmpstr(r, ==, "Hi A");
	}

	/* the cache is keyed by content: the same buffer with new text is
	 * recompiled, the old text is still found */
	char buf[64];
	mustache_render_opts f = { .translate = fixed_translate, .translate_ud = buf };
	for (int round = 0; round < 2; round++) {
		g_strlcpy(buf, "Hallo {{name}}", sizeof buf);
		g_autofree char *r1 = render(s, "page", data, &f, &err);
		g_assert_cmpstr(r1, ==, "Hallo A");
		g_strlcpy(buf, "Servus {{name}}!", sizeof buf);
		g_autofree char *r2 = render(s, "page", data, &f, &err);
		g_assert_cmpstr(r2, ==, "Servus A!");
	}
	/* a translation may drop a name or use sections/names of the msgid */
	g_strlcpy(buf, "Hallo{{#name}}, {{name}}{{/name}}", sizeof buf);
	g_autofree char *r3 = render(s, "page", data, &f, &err);
	g_assert_cmpstr(r3, ==, "Hallo, A");
	g_strlcpy(buf, "Hallo", sizeof buf);
	g_autofree char *r4 = render(s, "page", data, &f, &err);
	g_assert_cmpstr(r4, ==, "Hallo");
}

static void test_translate_delimiters(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "page",
			"{{=<% %>=}}<%#t%>Hi <%name%><%/t%>", NULL);
	g_autoptr(GError) err = NULL;
	mustache_render_opts f = { .translate = fixed_translate, .translate_ud = (void *)"Moin <%name%> {{x}}" };
	g_autofree char *r = render(s, "page", "{\"name\": \"A\"}", &f, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(r, ==, "Moin A {{x}}");
}

static void test_translation_check(void)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(mustache_translation_check("Hello {{name}}", "Hallo {{name}}", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(mustache_translation_check("Hello {{name}}", "Hallo", &err), ==, 0);
	g_assert_cmpint(mustache_translation_check("Hello {{name}}", "Hallo {{user}}", &err), ==, -1);
	g_assert_true(strstr(err->message, "'user'") != NULL);
	g_clear_error(&err);
	g_assert_cmpint(mustache_translation_check("Hello {{name}}", "Hallo {{name", &err), ==, -1);
	g_assert_error(err, MUSTACHE_ERROR, MUSTACHE_ERROR_COMPILE);
	g_clear_error(&err);
	g_assert_cmpint(mustache_translation_check("Hello {{name", "Hallo", &err), ==, -1);
}

typedef struct {
	GString *log;
} msgid_log;

static void collect_msgid(void *ud, const char *tmpl, unsigned line, const char *msgid)
{
	msgid_log *l = ud;
	g_string_append_printf(l->log, "%s:%u:%s\n", tmpl, line, msgid);
}

static void test_foreach_msgid(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT,
			"b", "{{#t}}First{{/t}}\n{{#list}}\n  {{#t}}Item\n  {{name}}{{/t}}\n{{/list}}",
			"a", "\n\n\n{{#t}} Save {{/t}}", "none", "x", NULL);
	msgid_log l = { g_string_new(NULL) };
	mustache_set_foreach_msgid(s, collect_msgid, &l);
	g_assert_cmpstr(l.log->str, ==, "b:1:First\nb:3:Item {{name}}\na:4:Save\n");
	g_string_free(l.log, TRUE);
}

/* ------------------------------------------------------------------ */
/* threads                                                            */

static const char *lang_translate(void *ud, const char *msgid)
{
	const char *lang = ud;
	if (strcmp(lang, "de") != 0)
		return msgid;
	if (strcmp(msgid, "Row {{n}} of {{total}}") == 0)
		return "Zeile {{n}} von {{total}}";
	if (strcmp(msgid, "Title") == 0)
		return "Titel";
	return msgid;
}

typedef struct {
	const mustache_set *set;
	int id;
	int failures;
} worker;

static gpointer worker_run(gpointer p)
{
	worker *w = p;
	json_t *data = J("{\"total\": 3, \"rows\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}");
	const char *want_de = "<h1>Titel</h1><li>Zeile 1 von 3</li><li>Zeile 2 von 3</li><li>Zeile 3 von 3</li>";
	const char *want_en = "<h1>Title</h1><li>Row 1 of 3</li><li>Row 2 of 3</li><li>Row 3 of 3</li>";
	for (int i = 0; i < 3000; i++) {
		bool de = (i + w->id) % 2 == 0;
		mustache_render_opts o = { .translate = lang_translate, .translate_ud = (void *)(de ? "de" : "en") };
		GString *out = g_string_new(NULL);
		GError *err = NULL;
		if (mustache_render(w->set, "page", data, &o, out, &err) != 0 ||
				strcmp(out->str, de ? want_de : want_en) != 0)
			w->failures++;
		g_clear_error(&err);
		g_string_free(out, TRUE);
	}
	json_decref(data);
	return NULL;
}

static void test_threads(void)
{
	g_autoptr(mustache_set) s = set_of(MUSTACHE_STRICT, "page",
			"<h1>{{#t}}Title{{/t}}</h1>{{#rows}}{{>row}}{{/rows}}",
			"row", "<li>{{#t}}Row {{n}} of {{total}}{{/t}}</li>", NULL);
	worker w[4];
	GThread *th[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){ .set = s, .id = i };
		th[i] = g_thread_new("render", worker_run, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		g_thread_join(th[i]);
		g_assert_cmpint(w[i].failures, ==, 0);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	add_spec_tests();
	g_test_add_func("/mustache/strict/unknown-partial", test_strict_unknown_partial);
	g_test_add_func("/mustache/strict/unknown-name", test_strict_unknown_name);
	g_test_add_func("/mustache/strict/falsey-is-fine", test_strict_falsey_is_fine);
	g_test_add_func("/mustache/strict/optional", test_strict_optional);
	g_test_add_func("/mustache/strict/print-container", test_strict_print_container);
	g_test_add_func("/mustache/compile-errors", test_compile_errors);
	g_test_add_func("/mustache/nesting-limits", test_nesting_limits);
	g_test_add_func("/mustache/values", test_values);
	g_test_add_func("/mustache/nested-partial-indent", test_nested_partial_indent);
	g_test_add_func("/mustache/xss", test_xss);
	g_test_add_func("/mustache/translate/basic", test_translate_basic);
	g_test_add_func("/mustache/translate/fallbacks", test_translate_fallbacks);
	g_test_add_func("/mustache/translate/delimiters", test_translate_delimiters);
	g_test_add_func("/mustache/translate/check", test_translation_check);
	g_test_add_func("/mustache/translate/foreach-msgid", test_foreach_msgid);
	g_test_add_func("/mustache/threads", test_threads);
	int rc = g_test_run();
	printf("# mustache spec: %d of %u cases passed\n", g_atomic_int_get(&spec_passed), spec_total);
	return rc;
}
