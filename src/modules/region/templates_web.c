/*
 * templates_web.c — the office's editor of mail and letter templates
 * (src/out/message.h) for its region:
 *
 *   GET  /verwaltung/vorlagen                        every message, per language: default or own
 *   GET  /verwaltung/vorlagen/{key}?sprache=de|en    subject, text, placeholders
 *   POST /verwaltung/vorlagen/{key}                  save (sprache, subject, body)
 *   POST /verwaltung/vorlagen/{key}/vorschau         preview with sample values, nothing saved
 *   POST /verwaltung/vorlagen/{key}/standard         back to the default (deletes the own version)
 *   GET  /verwaltung/vorlagen/{key}/vorschau.pdf     a letter as PDF (the saved text, sample values)
 *   POST /verwaltung/vorlagen/{key}/vorschau.pdf     the same for the text in the form, unsaved
 *
 * Office and admins of the region. A template that names an unknown
 * placeholder, or is too long, is answered 422 with the German message next
 * to its field ("Unbekannter Platzhalter {{foo}}.") and nothing stored, for
 * saving, the preview and the PDF alike; so a stored template always
 * renders when bireg sends it. JSON clients get the same model with
 * errors [{field, message}].
 */
#include "modules/region/templates_web.h"

#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/text.h"
#include "modules/account/perm.h"
#include "modules/region/region_web.h"
#include "out/message.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* A form's body limit: 20,000 characters of up to four bytes each,
 * percent-encoded, and the subject. */
#define TEMPLATE_MAX_BODY ((size_t)512 * 1024)

/* ---- helpers --------------------------------------------------------- */

static const char *lang_label(const req_ctx *rc, const char *lang)
{
	return !strcmp(lang, "en") ? view_t(rc, N_("English")) : view_t(rc, N_("German"));
}

static const char *kind_label(const req_ctx *rc, const message_def *d)
{
	return d->kind == MESSAGE_LETTER ? view_t(rc, N_("Letter")) : view_t(rc, N_("E-mail"));
}

/* The translation of msgid with "{key}" replaced by value. Newly allocated. */
static char *fill(const req_ctx *rc, const char *msgid, const char *key, const char *value)
{
	GString *s = g_string_new(view_t(rc, msgid));
	g_autofree char *tag = g_strconcat("{", key, "}", NULL);
	g_string_replace(s, tag, value ? value : "", 0);
	return g_string_free(s, FALSE);
}

/* "/verwaltung/vorlagen/<key><rest>" inside the region. */
static char *template_href(const req_ctx *rc, const message_def *d, const char *rest)
{
	g_autofree char *path = g_strconcat("/verwaltung/vorlagen/", d->key, rest, NULL);
	return view_href(rc, path);
}

/* The language of the request: ?sprache= (GET) or the form field (POST),
 * German when absent (the route's rules allow only de and en). */
static const char *request_lang(const req_ctx *rc)
{
	const char *l = rc->req->method == HTTP_POST ? view_form_field(rc, "sprache")
						      : http_params_get(rc->req->query, "sprache");
	return l && !strcmp(l, "en") ? "en" : "de";
}

static const message_def *request_def(const req_ctx *rc)
{
	return message_def_find(http_request_path_param(rc->req, "key"));
}

/* "Angepasst am 26.11.2026, 14:30 Uhr von Kim …" or "Standardtext". */
static char *status_text(const req_ctx *rc, bool custom, const char *updated_at, const char *by)
{
	g_autofree char *when = NULL;
	char *s;

	if (!custom)
		return g_strdup(view_t(rc, N_("Default text")));
	when = view_datetime(rc, updated_at);
	if (by && *by) {
		GString *g = g_string_new(view_t(rc, N_("Changed on {when} by {name}")));
		g_string_replace(g, "{when}", when, 0);
		g_string_replace(g, "{name}", by, 0);
		return g_string_free(g, FALSE);
	}
	s = fill(rc, N_("Changed on {when}"), "when", when);
	return s;
}

/* The sample values of d in lang for this region: its own name, and links
 * that point at this installation. */
static json_t *samples(const req_ctx *rc, const message_def *d, const char *lang)
{
	json_t *v = message_sample_values(d, lang);
	const char *name = rc->region ? json_string_value(json_object_get(rc->region, "name")) : NULL;
	const char *base = rc->app && rc->app->cfg.base_url ? rc->app->cfg.base_url : "";
	static const char example[] = "https://bildungsregion.example";
	g_autofree char *prefix = view_href(rc, "");
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	for (const message_placeholder *p = d->placeholders; p->name; p++) {
		const char *s = json_string_value(json_object_get(v, p->name));
		if (s && g_str_has_prefix(s, example)) {
			g_autofree char *url = g_strdup_printf("%.*s%s%s", (int)n, base, prefix,
							       s + strlen(example));
			json_object_set_new(v, p->name, json_string(url));
		}
	}
	if (name && message_def_placeholder(d, "region"))
		json_object_set_new(v, "region", json_string(name));
	return v;
}

/* Text from a textarea: line ends as "\n". Newly allocated. */
static char *form_body(const req_ctx *rc)
{
	GString *s = g_string_new(view_form_field(rc, "body"));
	g_string_replace(s, "\r\n", "\n", 0);
	g_string_replace(s, "\r", "\n", 0);
	return g_string_free(s, FALSE);
}

static char *form_subject(const req_ctx *rc)
{
	char *s = text_trim_dup(view_form_field(rc, "subject"));
	return s ? s : g_strdup(view_form_field(rc, "subject"));
}

/* ---- the list ------------------------------------------------------------ */

static json_t *find_custom(json_t *list, const char *key, const char *lang)
{
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c) {
		if (!g_strcmp0(json_string_value(json_object_get(c, "key")), key) &&
		    !g_strcmp0(json_string_value(json_object_get(c, "lang")), lang))
			return c;
	}
	return NULL;
}

static int list_get(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *custom = message_template_list_custom(&rc->ctx, &err);
	json_t *messages = json_array();

	if (!custom) {
		json_decref(messages);
		return region_web_status_for(err);
	}
	for (size_t i = 0; i < message_def_count(); i++) {
		const message_def *d = message_def_at(i);
		json_t *langs = json_array();
		for (int l = 0; l < MESSAGE_LANGS; l++) {
			const char *lang = message_langs[l];
			json_t *c = find_custom(custom, d->key, lang);
			g_autofree char *q = g_strconcat("?sprache=", lang, NULL);
			g_autofree char *href = template_href(rc, d, q);
			g_autofree char *status = status_text(
				rc, c != NULL, c ? json_string_value(json_object_get(c, "updated_at")) : NULL,
				c ? json_string_value(json_object_get(c, "updated_by_name")) : NULL);
			json_array_append_new(langs, json_pack("{s:s,s:s,s:s,s:b,s:s}", "lang", lang,
							       "lang_label", lang_label(rc, lang),
							       "href", href, "custom", c != NULL,
							       "status", status));
		}
		json_array_append_new(messages, json_pack(
			"{s:s,s:s,s:s,s:s,s:b,s:o}", "key", d->key, "label", view_t(rc, d->label),
			"purpose", view_t(rc, d->purpose), "kind_label", kind_label(rc, d), "is_letter",
			d->kind == MESSAGE_LETTER, "langs", langs));
	}
	json_decref(custom);
	return view_page(rc, "pages/admin_templates", view_t(rc, N_("Templates for e-mails and letters")),
			 json_pack("{s:s,s:s,s:o}", "region_name",
				   json_string_value(json_object_get(rc->region, "name")), "example_tag",
				   "{{anrede}}", "messages", messages));
}

/* ---- the edit page -------------------------------------------------------- */

typedef struct edit_state {
	int status;
	const char *notice;
	const char *subject, *body;  /* the form's values (NULL: the stored ones) */
	GPtrArray *issues;           /* message_issue*, or NULL */
	message_out *preview;        /* rendered draft, or NULL */
} edit_state;

/* All messages of one field, one sentence after the other. */
static char *field_messages(const req_ctx *rc, GPtrArray *issues, const char *field)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; issues && i < issues->len; i++) {
		const message_issue *is = g_ptr_array_index(issues, i);
		if (strcmp(is->field, field))
			continue;
		g_autofree char *m = fill(rc, is->msgid, "tag", is->arg);
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append(s, m);
	}
	return g_string_free(s, FALSE);
}

static json_t *issue_list(const req_ctx *rc, GPtrArray *issues)
{
	json_t *list = json_array();
	for (guint i = 0; issues && i < issues->len; i++) {
		const message_issue *is = g_ptr_array_index(issues, i);
		g_autofree char *m = fill(rc, is->msgid, "tag", is->arg);
		json_array_append_new(list, json_pack("{s:s,s:s}", "field", is->field, "message", m));
	}
	return list;
}

static int edit_page(req_ctx *rc, const message_def *d, const char *lang, const edit_state *es)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(message_template) t = message_template_get(&rc->ctx, d->key, lang, &err);
	int li = message_lang_index(lang);
	const char *other = li == 0 ? "en" : "de";

	if (!t)
		return region_web_status_for(err);

	g_autofree char *q_self = g_strconcat("?sprache=", lang, NULL);
	g_autofree char *q_other = g_strconcat("?sprache=", other, NULL);
	g_autofree char *action = template_href(rc, d, "");
	g_autofree char *preview_action = template_href(rc, d, "/vorschau");
	g_autofree char *reset_action = template_href(rc, d, "/standard");
	g_autofree char *pdf_action = template_href(rc, d, "/vorschau.pdf");
	g_autofree char *pdf_href = template_href(rc, d, "/vorschau.pdf");
	g_autofree char *pdf_href_q = g_strconcat(pdf_href, q_self, NULL);
	g_autofree char *other_href = template_href(rc, d, q_other);
	g_autofree char *list_href = view_href(rc, "/verwaltung/vorlagen");
	g_autofree char *status = status_text(rc, t->custom, t->updated_at, t->updated_by_name);
	g_autofree char *subject_error = field_messages(rc, es->issues, "subject");
	g_autofree char *body_error = field_messages(rc, es->issues, "body");
	g_autofree char *title = g_strdup_printf("%s (%s)", view_t(rc, d->label), lang_label(rc, lang));
	json_t *errors = issue_list(rc, es->issues);
	json_t *placeholders = json_array();
	json_t *preview = json_null();

	for (const message_placeholder *p = d->placeholders; p->name; p++) {
		g_autofree char *tag = g_strdup_printf("{{%s}}", p->name);
		json_array_append_new(placeholders, json_pack("{s:s,s:s,s:s}", "name", p->name, "tag",
							      tag, "description",
							      view_t(rc, p->description)));
	}
	if (es->preview) {
		/* The page shows the HTML part's body (the text part has the
		 * links as "text (address)", the HTML part as links). */
		preview = json_pack("{s:s,s:s,s:s?,s:s}", "subject", es->preview->subject, "text",
				    es->preview->text, "html", es->preview->html, "html_body",
				    es->preview->html_body ? es->preview->html_body : "");
	}
	json_t *model = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:s,s:{s:s,s:s},s:s,s:s}", "key", d->key,
		"label", view_t(rc, d->label), "purpose", view_t(rc, d->purpose), "lang", lang,
		"lang_label", lang_label(rc, lang), "is_letter", d->kind == MESSAGE_LETTER, "custom",
		t->custom, "status", status, "kind_label", kind_label(rc, d), "other_href", other_href,
		"other_label",
		li == 0 ? view_t(rc, N_("Edit the English version")) : view_t(rc, N_("Edit the German version")),
		"default", "subject", d->subject[li], "body", d->body[li], "list_href", list_href,
		"notice", es->notice ? es->notice : "");
	json_object_set_new(model, "form", json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "action", action, "preview_action",
		preview_action, "pdf_action", pdf_action, "subject", es->subject ? es->subject : t->subject,
		"body", es->body ? es->body : t->body, "subject_error", subject_error, "body_error",
		body_error, "has_errors", json_array_size(errors) > 0, "errors", errors));
	json_object_set_new(model, "reset_action", json_string(reset_action));
	json_object_set_new(model, "pdf_href", json_string(pdf_href_q));
	json_object_set_new(model, "placeholders", placeholders);
	json_object_set_new(model, "preview", preview);
	json_object_set_new(model, "has_preview", json_boolean(es->preview != NULL));
	json_object_set_new(model, "section_open", json_string("{{#name}}"));
	json_object_set_new(model, "section_close", json_string("{{/name}}"));
	json_object_set_new(model, "inverted_open", json_string("{{^name}}"));
	json_t *crumbs = json_pack("[{s:s,s:s}]", "label",
				   view_t(rc, N_("Templates for e-mails and letters")), "href", list_href);
	return view_page_full(rc, es->status ? es->status : 200, "pages/admin_templates_edit", title,
			      model, crumbs);
}

static int edit_get(req_ctx *rc)
{
	const message_def *d = request_def(rc);
	edit_state es = {0};

	if (!d)
		return 404;
	if (http_params_get(rc->req->query, "gespeichert"))
		es.notice = view_t(rc, N_("The template has been saved. bireg uses it from now on."));
	else if (http_params_get(rc->req->query, "zurueckgesetzt"))
		es.notice = view_t(rc, N_("The template has been reset: bireg uses the default text again."));
	return edit_page(rc, d, request_lang(rc), &es);
}

/* Checks the form's template; on issues answers the page with 422 and
 * returns the status, else returns 0 and hands over subject and body. */
static int checked_form(req_ctx *rc, const message_def *d, const char *lang, char **subject,
			char **body)
{
	g_autofree char *s = form_subject(rc);
	g_autofree char *b = form_body(rc);
	g_autoptr(GPtrArray) issues = message_check(d, s, b);

	if (issues->len) {
		edit_state es = {.status = 422, .subject = s, .body = b, .issues = issues};
		log_info("request %s: template %s (%s) refused: %u problem(s)", rc->req->request_id,
			 d->key, lang, issues->len);
		int r = edit_page(rc, d, lang, &es);
		return r ? r : 422;
	}
	*subject = g_steal_pointer(&s);
	*body = g_steal_pointer(&b);
	return 0;
}

static int save_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const message_def *d = request_def(rc);
	const char *lang = request_lang(rc);
	g_autofree char *subject = NULL, *body = NULL;
	int st;

	if (!d)
		return 404;
	st = checked_form(rc, d, lang, &subject, &body);
	if (st)
		return st == 422 ? 0 : st;
	if (message_template_save(&rc->ctx, d->key, lang, subject, body, &err) < 0) {
		log_error("request %s: saving template %s (%s) failed: %s", rc->req->request_id,
			  d->key, lang, err->message);
		return region_web_status_for(err);
	}
	log_info("request %s: template %s (%s) of region %" G_GINT64_FORMAT " saved by account %"
		 G_GINT64_FORMAT, rc->req->request_id, d->key, lang, rc->ctx.region_id,
		 rc->ctx.user_id);
	if (rc->req->wants_json) {
		edit_state es = {.notice = view_t(rc, N_("The template has been saved. bireg uses it from now on."))};
		return edit_page(rc, d, lang, &es);
	}
	g_autofree char *q = g_strconcat("?sprache=", lang, "&gespeichert=1", NULL);
	g_autofree char *path = g_strconcat("/verwaltung/vorlagen/", d->key, q, NULL);
	return view_redirect(rc, path);
}

static int preview_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const message_def *d = request_def(rc);
	const char *lang = request_lang(rc);
	g_autofree char *subject = NULL, *body = NULL;
	g_autoptr(message_out) m = NULL;
	json_t *values;
	int st;

	if (!d)
		return 404;
	st = checked_form(rc, d, lang, &subject, &body);
	if (st)
		return st == 422 ? 0 : st;
	values = samples(rc, d, lang);
	m = message_render(d, lang, subject, body, values, &err);
	json_decref(values);
	if (!m) {
		log_error("request %s: preview of template %s (%s) failed: %s", rc->req->request_id,
			  d->key, lang, err->message);
		return 500;
	}
	edit_state es = {
		.notice = view_t(rc, N_("This is a preview with sample values. The text has not been saved yet.")),
		.subject = subject, .body = body, .preview = m,
	};
	return edit_page(rc, d, lang, &es);
}

static int reset_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const message_def *d = request_def(rc);
	const char *lang = request_lang(rc);
	int r;

	if (!d)
		return 404;
	r = message_template_reset(&rc->ctx, d->key, lang, &err);
	if (r < 0)
		return region_web_status_for(err);
	log_info("request %s: template %s (%s) of region %" G_GINT64_FORMAT " reset to the default "
		 "by account %" G_GINT64_FORMAT "%s", rc->req->request_id, d->key, lang,
		 rc->ctx.region_id, rc->ctx.user_id, r ? "" : " (it was the default already)");
	if (rc->req->wants_json) {
		edit_state es = {.notice = view_t(rc, N_("The template has been reset: bireg uses the default text again."))};
		return edit_page(rc, d, lang, &es);
	}
	g_autofree char *q = g_strconcat("?sprache=", lang, "&zurueckgesetzt=1", NULL);
	g_autofree char *path = g_strconcat("/verwaltung/vorlagen/", d->key, q, NULL);
	return view_redirect(rc, path);
}

/* ---- the letter as PDF ---------------------------------------------------- */

static int send_pdf(req_ctx *rc, const message_def *d, const char *lang, const char *subject,
		    const char *body)
{
	g_autoptr(GError) err = NULL;
	json_t *values = samples(rc, d, lang);
	g_autoptr(message_out) m = message_render(d, lang, subject, body, values, &err);
	GBytes *pdf;
	const char *const recipient[] = {
		!strcmp(lang, "en") ? "Ms" : "Frau", "Alex Muster", "Musterstraße 12",
		"47051 Duisburg", NULL,
	};
	const char *office = NULL;
	g_autofree char *signature = NULL;
	g_autofree char *date = NULL;

	json_decref(values);
	if (!m) {
		log_error("request %s: rendering template %s (%s) failed: %s", rc->req->request_id,
			  d->key, lang, err->message);
		return 500;
	}
	{
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		bireg_date day = format_date_of(now);
		date = format_day_long(lang, &day);
		/* "Donnerstag, 26. November 2026": a letter's date has no weekday. */
		const char *comma = strchr(date, ',');
		if (comma) {
			char *plain = g_strdup(comma + 2);
			g_free(date);
			date = plain;
		}
	}
	office = json_string_value(json_object_get(json_object_get(rc->region, "office"), "name"));
	signature = g_strdup_printf("%s%s%s", rc->user ? rc->user->display_name : "",
				    office && *office ? "\n" : "", office ? office : "");
	pdf = message_letter_pdf(&rc->ctx, rc->region, m, lang, recipient, date, signature, &err);
	if (!pdf) {
		log_error("request %s: the PDF of template %s (%s) failed: %s", rc->req->request_id,
			  d->key, lang, err->message);
		return region_web_status_for(err);
	}
	g_autofree char *disposition = g_strdup_printf("inline; filename=\"vorschau-%s-%s.pdf\"",
						       d->key, lang);
	rc->resp->status = 200;
	http_response_set_header(rc->resp, "Content-Type", "application/pdf");
	http_response_set_header(rc->resp, "Content-Disposition", disposition);
	rc->resp->body_bytes = pdf;
	return 0;
}

static int pdf_get(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const message_def *d = request_def(rc);
	const char *lang = request_lang(rc);
	g_autoptr(message_template) t = NULL;

	if (!d || d->kind != MESSAGE_LETTER)
		return 404;
	t = message_template_get(&rc->ctx, d->key, lang, &err);
	if (!t)
		return region_web_status_for(err);
	return send_pdf(rc, d, lang, t->subject, t->body);
}

static int pdf_post(req_ctx *rc)
{
	const message_def *d = request_def(rc);
	const char *lang = request_lang(rc);
	g_autofree char *subject = NULL, *body = NULL;
	int st;

	if (!d || d->kind != MESSAGE_LETTER)
		return 404;
	st = checked_form(rc, d, lang, &subject, &body);
	if (st)
		return st == 422 ? 0 : st;
	return send_pdf(rc, d, lang, subject, body);
}

/* ---- routes ---------------------------------------------------------- */

static const param_rule edit_params[] = {
	{.name = "sprache", .kind = PARAM_ENUM, .choices = "de|en"},
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "1"},
	{.name = "zurueckgesetzt", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};
static const param_rule pdf_params[] = {
	{.name = "sprache", .kind = PARAM_ENUM, .choices = "de|en"},
	{0},
};
/* Generous bounds: the handler gives the precise message. */
static const param_rule form_params[] = {
	{.name = "sprache", .kind = PARAM_ENUM, .choices = "de|en", .required = true},
	{.name = "subject", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "body", .kind = PARAM_STRING, .max_len = 200000},
	{0},
};
static const param_rule reset_params[] = {
	{.name = "sprache", .kind = PARAM_ENUM, .choices = "de|en", .required = true},
	{0},
};

const route templates_routes[] = {
	{HTTP_GET, "/verwaltung/vorlagen", "office.templates", perm_office, "office", NULL,
	 list_get, ROUTE_REGION, 0},
	{HTTP_GET, "/verwaltung/vorlagen/{key}", "office.templates.edit", perm_office, "office",
	 edit_params, edit_get, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/vorlagen/{key}", "office.templates.save", perm_office, "office",
	 form_params, save_post, ROUTE_REGION, TEMPLATE_MAX_BODY},
	{HTTP_POST, "/verwaltung/vorlagen/{key}/vorschau", "office.templates.preview", perm_office,
	 "office", form_params, preview_post, ROUTE_REGION, TEMPLATE_MAX_BODY},
	{HTTP_POST, "/verwaltung/vorlagen/{key}/standard", "office.templates.reset", perm_office,
	 "office", reset_params, reset_post, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/verwaltung/vorlagen/{key}/vorschau.pdf", "office.templates.pdf", perm_office,
	 "office", pdf_params, pdf_get, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/vorlagen/{key}/vorschau.pdf", "office.templates.pdf.draft",
	 perm_office, "office", form_params, pdf_post, ROUTE_REGION, TEMPLATE_MAX_BODY},
	{0},
};
