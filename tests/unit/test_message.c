/*
 * test_message.c — unit tests of the message templates (src/out/message.h):
 * the built-in defaults (every key, both languages, each renders and uses
 * only its own placeholders), checking what the office writes (unknown
 * placeholders, other tags, sections, lengths), strict rendering, the text
 * and HTML parts, letters, and the region's own versions in the database
 * (override per region, reset, fallback to the default, row-level security)
 * on the backend the environment chooses (tests/unit/test_dbenv.h).
 */
#include "db/db.h"
#include "out/message.h"
#include "test_dbenv.h"

#include <string.h>

/* The keys the issue asks for, each with its kind. */
static const struct {
	const char *key;
	message_kind kind;
} required_keys[] = {
	{"account.password_reset", MESSAGE_MAIL},
	{"account.password_changed", MESSAGE_MAIL},
	{"feedback.received", MESSAGE_MAIL},
	{"meeting.invitation", MESSAGE_MAIL},
	{"meeting.cancelled", MESSAGE_MAIL},
	{"letter.generic", MESSAGE_LETTER},
};

/* The issues of a check as "field:msgid:arg" lines, for readable asserts. */
static char *issues_text(GPtrArray *issues)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < issues->len; i++) {
		const message_issue *is = g_ptr_array_index(issues, i);
		g_string_append_printf(s, "%s:%s:%s\n", is->field, is->msgid, is->arg ? is->arg : "");
	}
	return g_string_free(s, FALSE);
}

static char *check(const char *key, const char *subject, const char *body)
{
	const message_def *d = message_def_find(key);
	g_assert_nonnull(d);
	g_autoptr(GPtrArray) issues = message_check(d, subject, body);
	return issues_text(issues);
}


/* ---- defaults ---------------------------------------------------------- */

static void test_defaults(void)
{
	g_assert_cmpint(message_def_count(), >=, G_N_ELEMENTS(required_keys));
	for (size_t k = 0; k < G_N_ELEMENTS(required_keys); k++) {
		const message_def *d = message_def_find(required_keys[k].key);
		g_assert_nonnull(d);
		g_assert_cmpint(d->kind, ==, required_keys[k].kind);
	}
	for (size_t i = 0; i < message_def_count(); i++) {
		const message_def *d = message_def_at(i);
		g_assert_true(message_def_find(d->key) == d); /* keys are unique */
		g_assert_true(d->label && *d->label && d->purpose && *d->purpose);
		g_assert_nonnull(d->placeholders[0].name);
		for (const message_placeholder *p = d->placeholders; p->name; p++) {
			g_assert_true(p->description && *p->description);
			g_assert_cmpstr(p->name, !=, "t"); /* the engine's translation tag */
			for (int l = 0; l < MESSAGE_LANGS; l++)
				g_assert_true(p->sample[l] && *p->sample[l]);
		}
		for (int l = 0; l < MESSAGE_LANGS; l++) {
			const char *lang = message_langs[l];
			g_autoptr(GPtrArray) issues = message_check(d, d->subject[l], d->body[l]);
			g_autofree char *text = issues_text(issues);
			g_assert_cmpstr(text, ==, "");
			g_autoptr(GError) err = NULL;
			json_t *v = message_sample_values(d, lang);
			g_autoptr(message_out) m = message_render(d, lang, d->subject[l], d->body[l], v,
								  &err);
			json_decref(v);
			g_assert_no_error(err);
			g_assert_nonnull(m);
			g_assert_true(*m->subject && *m->text);
			g_assert_null(strstr(m->subject, "{{"));
			g_assert_null(strstr(m->text, "{{"));
			if (d->kind == MESSAGE_MAIL) {
				g_assert_nonnull(m->html);
				g_assert_nonnull(strstr(m->html, lang[0] == 'd' ? "<html lang=\"de\">"
										   : "<html lang=\"en\">"));
			} else {
				g_assert_null(m->html);
			}
		}
		/* The two languages are really two texts. */
		g_assert_cmpstr(d->body[0], !=, d->body[1]);
	}
	g_assert_null(message_def_find("no.such.key"));
	g_assert_cmpint(message_lang_index("de"), ==, 0);
	g_assert_cmpint(message_lang_index("en"), ==, 1);
	g_assert_cmpint(message_lang_index("fr"), ==, -1);
	g_assert_cmpint(message_lang_index(NULL), ==, -1);
}

/* The German password reset mail with its values in place. */
static void test_default_content(void)
{
	g_autoptr(GError) err = NULL;
	const message_def *d = message_def_find("account.password_reset");
	json_t *v = json_pack("{s:s,s:s,s:s,s:s}", "name", "Dana Leitung", "link",
			      "https://bireg.example/passwort-neu/abc", "ablauf", "26.11.2026, 15:30 Uhr",
			      "region", "Bildungsregion Kreis Wesel");
	g_autoptr(message_out) m = message_render(d, "de", d->subject[0], d->body[0], v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m->subject, ==, "Neues Passwort für Bildungsregion Kreis Wesel");
	g_assert_true(g_str_has_prefix(m->text, "Guten Tag Dana Leitung,\n\n"));
	g_assert_nonnull(strstr(m->text, "\nhttps://bireg.example/passwort-neu/abc\n"));
	g_assert_nonnull(strstr(m->text, "26.11.2026, 15:30 Uhr"));
	g_assert_nonnull(strstr(m->html, "<a href=\"https://bireg.example/passwort-neu/abc\">"
					 "https://bireg.example/passwort-neu/abc</a>"));
}

/* ---- checking ---------------------------------------------------------- */

static void test_unknown_placeholders(void)
{
	g_autofree char *a = check("account.password_reset", "Hallo", "Hallo {{foo}}, {{name}}");
	g_assert_cmpstr(a, ==, "body:Unknown placeholder {tag}.:{{foo}}\n");
	/* once per name, in order, and in the subject separately */
	g_autofree char *b = check("account.password_reset", "Für {{gremium}}",
				   "{{foo}} {{bar}} {{foo}} {{ foo }}");
	g_assert_cmpstr(b, ==, "subject:Unknown placeholder {tag}.:{{gremium}}\n"
			       "body:Unknown placeholder {tag}.:{{foo}}\n"
			       "body:Unknown placeholder {tag}.:{{bar}}\n");
	/* a placeholder of another message is unknown here */
	g_autofree char *c = check("feedback.received", "x", "{{anrede}}");
	g_assert_cmpstr(c, ==, "body:Unknown placeholder {tag}.:{{anrede}}\n");
	/* inside parts that would not be rendered with the sample values too:
	 * the check looks at every tag, not at one render */
	g_autofree char *d = check("feedback.received", "x", "{{^name}}{{foo}}{{/name}}{{#name}}{{#bar}}y{{/bar}}{{/name}}");
	g_assert_cmpstr(d, ==, "body:Unknown placeholder {tag}.:{{foo}}\n"
			       "body:Unknown placeholder {tag}.:{{bar}}\n");
	/* names are exact: case, dots, the optional marker */
	g_autofree char *e = check("feedback.received", "x", "{{Name}} {{name.x}} {{name?}}");
	g_assert_cmpstr(e, ==, "body:Unknown placeholder {tag}.:{{Name}}\n"
			       "body:Unknown placeholder {tag}.:{{name.x}}\n"
			       "body:Unknown placeholder {tag}.:{{name?}}\n");
	g_autofree char *f = check("feedback.received", "x", "{{t}}");
	g_assert_cmpstr(f, ==, "body:Unknown placeholder {tag}.:{{t}}\n");
	g_autofree char *ok = check("feedback.received", "Nr. {{ nummer }}",
				    "Guten Tag{{#name}} {{name}}{{/name}}{{^name}}!{{/name}}");
	g_assert_cmpstr(ok, ==, "");
}

static void test_other_tags(void)
{
	const char *bad[] = {"{{{name}}}", "{{&name}}", "{{>partial}}", "{{! note }}",
			     "{{=<% %>=}}", "{{<parent}}", "{{$block}}"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *body = g_strdup_printf("Text %s Text", bad[i]);
		g_autofree char *got = check("feedback.received", "x", body);
		g_autofree char *want = g_strdup_printf(
			"body:{tag} is not allowed: write placeholders as {{name}}.:%s\n", bad[i]);
		g_assert_cmpstr(got, ==, want);
	}
	g_autofree char *open = check("feedback.received", "x", "Hallo {{name und so weiter");
	g_assert_true(g_str_has_prefix(open, "body:The placeholder {tag} is not closed"));
	g_autofree char *nl = check("feedback.received", "x", "Hallo {{name\n}}");
	g_assert_true(g_str_has_prefix(nl, "body:The placeholder {tag} is not closed"));
	g_autofree char *sect = check("feedback.received", "x", "{{#name}}Hallo");
	g_assert_cmpstr(sect, ==, "body:The part {tag} is not ended: add {{/name}} after it, with its name.:{{#name}}\n");
	g_autofree char *stray = check("feedback.received", "x", "Hallo{{/name}}");
	g_assert_cmpstr(stray, ==, "body:{tag} ends a part that was not started.:{{/name}}\n");
	g_autofree char *cross = check("feedback.received", "x", "{{#name}}{{#link}}a{{/name}}{{/link}}");
	g_assert_true(g_str_has_prefix(cross, "body:{tag} does not end the part started last.:{{/name}}\n"));
	/* braces that are no tag are text */
	g_autofree char *text = check("feedback.received", "a { b } c }}", "{ x } y }} {z}");
	g_assert_cmpstr(text, ==, "");
}

static void test_lengths(void)
{
	g_autoptr(GString) s200 = g_string_new(NULL), s201 = g_string_new(NULL);
	g_autoptr(GString) b20000 = g_string_new(NULL), b20001 = g_string_new(NULL);

	for (int i = 0; i < 200; i++)
		g_string_append(s200, "ä"); /* characters count, not bytes */
	g_string_append(g_string_assign(s201, s200->str), "a");
	for (int i = 0; i < 20000; i++)
		g_string_append(b20000, "ü");
	g_string_append(g_string_assign(b20001, b20000->str), "u");

	g_autofree char *ok = check("feedback.received", s200->str, b20000->str);
	g_assert_cmpstr(ok, ==, "");
	g_autofree char *long_s = check("feedback.received", s201->str, "x");
	g_assert_cmpstr(long_s, ==, "subject:The subject is too long: at most 200 characters.:\n");
	g_autofree char *long_b = check("feedback.received", "x", b20001->str);
	g_assert_cmpstr(long_b, ==, "body:The text is too long: at most 20,000 characters.:\n");
	g_autofree char *empty = check("feedback.received", " ", " \n ");
	g_assert_cmpstr(empty, ==, "subject:Please enter a subject.:\nbody:Please enter a text.:\n");
	g_autofree char *lines = check("feedback.received", "zwei\nZeilen", "x");
	g_assert_cmpstr(lines, ==, "subject:The subject must be one line of text.:\n");
	g_autofree char *ctl = check("feedback.received", "x", "a\x01" "b");
	g_assert_true(g_str_has_prefix(ctl, "body:The text contains characters"));
	g_autofree char *bad_utf8 = check("feedback.received", "x", "a\xc3(");
	g_assert_true(g_str_has_prefix(bad_utf8, "body:The text contains characters"));
}

/* ---- rendering --------------------------------------------------------- */

static json_t *feedback_values(const char *name)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "datum", "26.11.2026", "nummer", "7",
			 "link", "https://bireg.example/barrierefreiheit", "region",
			 "Bildungsregion Duisburg");
}

static void test_render_strict(void)
{
	const message_def *d = message_def_find("feedback.received");
	g_autoptr(GError) err = NULL;
	json_t *v = json_pack("{s:s}", "name", "Alex");
	message_out *m = message_render(d, "de", "x", "{{name}}", v, &err);
	json_decref(v);
	g_assert_null(m);
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_VALUES);
	g_clear_error(&err);

	v = feedback_values("Alex");
	m = message_render(d, "de", "x", "Hallo {{foo}}", v, &err);
	g_assert_null(m);
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_INVALID);
	g_clear_error(&err);
	m = message_render(d, "fr", "x", "y", v, &err);
	g_assert_null(m);
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY);
	g_clear_error(&err);
	json_decref(v);
}

static void test_render_sections_and_escaping(void)
{
	const message_def *d = message_def_find("feedback.received");
	const char *body = "Guten Tag{{#name}} {{name}}{{/name}},\n\nNr. {{nummer}}{{^name}} (ohne Namen){{/name}}";
	g_autoptr(GError) err = NULL;
	json_t *v = feedback_values("Müller & Söhne <b>\"x\"</b>");
	g_autoptr(message_out) m = message_render(d, "de", "Eingang {{nummer}}", body, v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m->subject, ==, "Eingang 7");
	/* the text part is plain text: values exactly as given */
	g_assert_cmpstr(m->text, ==, "Guten Tag Müller & Söhne <b>\"x\"</b>,\n\nNr. 7");
	/* the HTML part escapes everything */
	g_assert_nonnull(strstr(m->html, "<p>Guten Tag Müller &amp; Söhne &lt;b&gt;&quot;x&quot;&lt;/b&gt;,</p>"));
	g_assert_null(strstr(m->html, "<b>"));

	v = feedback_values("");
	g_autoptr(message_out) m2 = message_render(d, "de", "x", body, v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m2->text, ==, "Guten Tag,\n\nNr. 7 (ohne Namen)");

	/* a value with line breaks cannot break the subject into two lines */
	v = feedback_values("Zeile eins\r\nBcc: x@example.org");
	g_autoptr(message_out) m3 = message_render(d, "de", "Von {{name}}", "x", v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m3->subject, ==, "Von Zeile eins Bcc: x@example.org");
	/* data is never a template */
	v = feedback_values("{{region}} {{{x}}}");
	g_autoptr(message_out) m4 = message_render(d, "de", "x", "{{name}}", v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m4->text, ==, "{{region}} {{{x}}}");
}

static void test_html(void)
{
	g_autofree char *h = message_text_to_html_fragment(
		"Erster Absatz\nzweite Zeile.\n\n- eins\n- zwei: https://a.example/x?y=1&z=2.\n\n"
		"Siehe [die Seite](https://b.example/s) oder javascript:alert(1) und "
		"[böse](javascript:alert(1)).\n\n<script>x</script>");
	g_assert_cmpstr(h, ==,
		"<p>Erster Absatz<br>\nzweite Zeile.</p>\n"
		"<ul>\n<li>eins</li>\n<li>zwei: <a href=\"https://a.example/x?y=1&amp;z=2\">"
		"https://a.example/x?y=1&amp;z=2</a>.</li>\n</ul>\n"
		"<p>Siehe <a href=\"https://b.example/s\">die Seite</a> oder javascript:alert(1) und "
		"[böse](javascript:alert(1)).</p>\n"
		"<p>&lt;script&gt;x&lt;/script&gt;</p>\n");
	g_autofree char *doc = message_text_to_html("a", "en", "Betreff <x>");
	g_assert_true(g_str_has_prefix(doc, "<!DOCTYPE html>\n<html lang=\"en\">"));
	g_assert_nonnull(strstr(doc, "<title>Betreff &lt;x&gt;</title>"));
	g_assert_nonnull(strstr(doc, "<body>\n<p>a</p>\n</body>"));

	/* [text](url) in the text part */
	const message_def *d = message_def_find("feedback.received");
	g_autoptr(GError) err = NULL;
	json_t *v = feedback_values("A");
	g_autoptr(message_out) m = message_render(d, "de", "x", "Hier: [Erklärung]({{link}}).", v, &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m->text, ==, "Hier: Erklärung (https://bireg.example/barrierefreiheit).");
	g_assert_nonnull(strstr(m->html, "<a href=\"https://bireg.example/barrierefreiheit\">Erklärung</a>"));
}

static void test_letter(void)
{
	const message_def *d = message_def_find("letter.generic");
	g_autoptr(GError) err = NULL;
	json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "anrede", "Sehr geehrter Herr *Muster*",
			      "name", "Max_Muster", "betreff", "Ihr Antrag [Nr. 3]", "inhalt",
			      "vielen **Dank**.\n\n- eins\n- zwei", "datum", "26. November 2026",
			      "region", "Bildungsregion Duisburg");
	g_autoptr(message_out) m = message_render(d, "de", d->subject[0], d->body[0], v, &err);
	json_decref(v);
	g_assert_no_error(err);
	/* the subject is plain text; in the body values are escaped for
	 * Markdown, and the letter's text is Markdown */
	g_assert_cmpstr(m->subject, ==, "Ihr Antrag [Nr. 3]");
	g_assert_cmpstr(m->text, ==, "Sehr geehrter Herr \\*Muster\\*,\n\nvielen **Dank**.\n\n- eins\n- zwei\n\n"
				     "Mit freundlichen Grüßen\n");
	g_autofree char *sal = NULL, *text = NULL, *closing = NULL;
	message_letter_split(m->text, &sal, &text, &closing);
	g_assert_cmpstr(sal, ==, "Sehr geehrter Herr *Muster*,");
	g_assert_cmpstr(text, ==, "vielen **Dank**.\n\n- eins\n- zwei");
	g_assert_cmpstr(closing, ==, "Mit freundlichen Grüßen");

	g_autofree char *s2 = NULL, *t2 = NULL, *c2 = NULL;
	message_letter_split("Nur ein Absatz\nmit zwei Zeilen\n\nund noch einer", &s2, &t2, &c2);
	g_assert_cmpstr(s2, ==, "");
	g_assert_cmpstr(c2, ==, "");
	g_assert_cmpstr(t2, ==, "Nur ein Absatz\nmit zwei Zeilen\n\nund noch einer");
}

/* ---- the region's own versions --------------------------------------- */

typedef struct {
	db *d;
	int64_t region_a, region_b, account;
	bireg_ctx a, b;
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
		"VALUES ('kim@alpha.example', 'Kim Geschäftsstelle', 'x', '2026-01-01T00:00:00Z', "
		"'2026-01-01T00:00:00Z') RETURNING id");
	f->a = (bireg_ctx){.db = f->d, .region_id = f->region_a, .user_id = f->account};
	f->b = (bireg_ctx){.db = f->d, .region_id = f->region_b};
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

static const bireg_ctx *as(fixture *f, const bireg_ctx *ctx)
{
	db_set_region(f->d, ctx->region_id);
	return ctx;
}

/* Rows of message_template as the connection of region r sees them. */
static int64_t rows_seen(fixture *f, int64_t r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;

	db_set_region(f->d, r);
	st = db_prepare(f->d, "SELECT count(*) FROM message_template", &err);
	g_assert_no_error(err);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	return db_col_int64(st, 0);
}

static void test_store_override(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const char *key = "feedback.received";
	const message_def *d = message_def_find(key);

	/* the default at first, in both regions */
	message_template *t = message_template_get(as(f, &f->a), key, "de", &err);
	g_assert_no_error(err);
	g_assert_false(t->custom);
	g_assert_cmpstr(t->subject, ==, d->subject[0]);
	g_assert_cmpstr(t->body, ==, d->body[0]);
	g_assert_null(t->updated_at);
	message_template_free(t);

	/* the region's own text for German only */
	g_assert_cmpint(message_template_save(as(f, &f->a), key, "de", "Danke, {{name}}!",
					      "Eingang Nr. {{nummer}} bei {{region}}.", &err), ==, 0);
	g_assert_no_error(err);
	t = message_template_get(as(f, &f->a), key, "de", &err);
	g_assert_true(t->custom);
	g_assert_cmpstr(t->subject, ==, "Danke, {{name}}!");
	g_assert_cmpstr(t->updated_by_name, ==, "Kim Geschäftsstelle");
	g_assert_nonnull(t->updated_at);
	message_template_free(t);
	t = message_template_get(as(f, &f->a), key, "en", &err);
	g_assert_false(t->custom);
	message_template_free(t);
	t = message_template_get(as(f, &f->b), key, "de", &err);
	g_assert_false(t->custom); /* another region keeps the default */
	message_template_free(t);

	/* saving again replaces; rendering uses it */
	g_assert_cmpint(message_template_save(as(f, &f->a), key, "de", "Danke!",
					      "Nr. {{nummer}}, {{region}}.", &err), ==, 0);
	json_t *v = feedback_values("Alex");
	message_out *m = message_render_stored(as(f, &f->a), key, "de", v, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(m->subject, ==, "Danke!");
	g_assert_cmpstr(m->text, ==, "Nr. 7, Bildungsregion Duisburg.");
	message_out_free(m);
	m = message_render_stored(as(f, &f->b), key, "de", v, &err);
	g_assert_cmpstr(m->subject, ==, "Ihre Rückmeldung zur Barrierefreiheit ist eingegangen");
	message_out_free(m);

	json_t *list = message_template_list_custom(as(f, &f->a), &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "key")), ==, key);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "lang")), ==, "de");
	json_decref(list);
	list = message_template_list_custom(as(f, &f->b), &err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);

	/* a bad template is refused and the stored one stays */
	g_assert_cmpint(message_template_save(as(f, &f->a), key, "de", "x", "Hallo {{foo}}", &err),
			==, -1);
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_INVALID);
	g_clear_error(&err);
	t = message_template_get(as(f, &f->a), key, "de", &err);
	g_assert_cmpstr(t->subject, ==, "Danke!");
	message_template_free(t);
	g_assert_cmpint(message_template_save(as(f, &f->a), "no.such", "de", "x", "y", &err), ==, -1);
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY);
	g_clear_error(&err);
	g_assert_null(message_template_get(as(f, &f->a), key, "fr", &err));
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY);
	g_clear_error(&err);

	/* back to the default */
	g_assert_cmpint(message_template_reset(as(f, &f->b), key, "de", &err), ==, 0);
	g_assert_cmpint(message_template_reset(as(f, &f->a), key, "de", &err), ==, 1);
	g_assert_cmpint(message_template_reset(as(f, &f->a), key, "de", &err), ==, 0);
	g_assert_no_error(err);
	m = message_render_stored(as(f, &f->a), key, "de", v, &err);
	g_assert_cmpstr(m->subject, ==, "Ihre Rückmeldung zur Barrierefreiheit ist eingegangen");
	message_out_free(m);
	json_decref(v);
}

static void test_store_rls(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(message_template_save(as(f, &f->a), "meeting.invitation", "en", "Hi",
					      "{{anrede}}, {{link}}", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(rows_seen(f, f->region_a), ==, 1);
	/* On PostgreSQL row-level security hides region alpha's row from a
	 * connection of region beta; SQLite has only the query's scope. */
	g_assert_cmpint(rows_seen(f, f->region_b), ==, test_db_is_postgres() ? 0 : 1);
	/* the store scopes by ctx on both */
	message_template *t = message_template_get(as(f, &f->b), "meeting.invitation", "en", &err);
	g_assert_false(t->custom);
	message_template_free(t);
	/* one row per region, key and language */
	g_assert_cmpint(message_template_save(as(f, &f->a), "meeting.invitation", "en", "Hi again",
					      "{{anrede}}", &err), ==, 0);
	g_assert_cmpint(rows_seen(f, f->region_a), ==, 1);
}

/* A region's own text that no longer renders (it names a placeholder a
 * newer bireg dropped) does not stop the mail: the default is used. */
static void test_store_fallback(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;

	db_set_region(f->d, f->region_a);
	st = db_prepare(f->d,
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_at) "
		"VALUES ($1, 'feedback.received', 'de', 'Alt {{weg}}', 'Alt', '2026-01-01T00:00:00Z')",
		&err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, f->region_a);
	g_assert_cmpint(db_run(st, &err), ==, DB_OK);
	json_t *v = feedback_values("Alex");
	g_autoptr(message_out) m = message_render_stored(as(f, &f->a), "feedback.received", "de", v,
							 &err);
	json_decref(v);
	g_assert_no_error(err);
	g_assert_cmpstr(m->subject, ==, "Ihre Rückmeldung zur Barrierefreiheit ist eingegangen");
	/* a caller that forgets a value is still told */
	v = json_pack("{s:s}", "name", "x");
	g_assert_null(message_render_stored(as(f, &f->a), "feedback.received", "de", v, &err));
	g_assert_error(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_VALUES);
	json_decref(v);
}

/* The database refuses what the program would refuse, too. */
static void test_store_constraints(fixture *f, gconstpointer data)
{
	const char *bad[] = {
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_at) "
		"VALUES ($1, 'Feedback', 'de', 'x', 'y', '2026-01-01T00:00:00Z')",
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_at) "
		"VALUES ($1, 'a.b', 'fr', 'x', 'y', '2026-01-01T00:00:00Z')",
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_at) "
		"VALUES ($1, 'a.b', 'de', '', 'y', '2026-01-01T00:00:00Z')",
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_at) "
		"VALUES ($1, 'a.b', 'de', 'x', 'y', 'gestern')",
	};
	db_set_region(f->d, f->region_a);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(db_stmt) st = db_prepare(f->d, bad[i], &err);
		g_assert_no_error(err);
		db_bind_int64(st, 1, f->region_a);
		g_assert_cmpint(db_run(st, &err), ==, DB_CONSTRAINT);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/message/defaults", test_defaults);
	g_test_add_func("/message/defaults/content", test_default_content);
	g_test_add_func("/message/check/unknown-placeholders", test_unknown_placeholders);
	g_test_add_func("/message/check/other-tags", test_other_tags);
	g_test_add_func("/message/check/lengths", test_lengths);
	g_test_add_func("/message/render/strict", test_render_strict);
	g_test_add_func("/message/render/sections-and-escaping", test_render_sections_and_escaping);
	g_test_add_func("/message/render/html", test_html);
	g_test_add_func("/message/render/letter", test_letter);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/message/store/override", test_store_override);
	ADD("/message/store/rls", test_store_rls);
	ADD("/message/store/fallback", test_store_fallback);
	ADD("/message/store/constraints", test_store_constraints);
	return g_test_run();
}
