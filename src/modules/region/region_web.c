/*
 * region_web.c — the region's public pages: start page, imprint, privacy
 * notice, accessibility statement with its feedback form, and the list of
 * regions of an installation that hosts several. Feedback that names an
 * e-mail address is acknowledged by mail (template feedback.received,
 * src/out/message.h), queued in the transaction that stores the feedback.
 */
#include "modules/region/region_web.h"

#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "modules/region/region_store.h"
#include "out/mail.h"
#include "out/message.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* The date the accessibility statement was last reviewed. It changes with
 * the software, so it lives here and not in the database. */
#define STATEMENT_YEAR 2026
#define STATEMENT_MONTH 11
#define STATEMENT_DAY 26

#define FEEDBACK_MESSAGE_MAX 5000
#define FEEDBACK_NAME_MAX 200
#define FEEDBACK_EMAIL_MAX 254

int region_web_status_for(const GError *err)
{
	if (err && err->domain == BIREG_DB_ERROR &&
	    (err->code == DB_BUSY || err->code == DB_UNAVAILABLE))
		return 503;
	return 500;
}

static int list_regions(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = region_store_list(&rc->ctx, &err);
	size_t i;
	json_t *r;

	if (!list)
		return region_web_status_for(err);
	json_array_foreach(list, i, r) {
		g_autofree char *href = g_strdup_printf("/r/%s/", json_string_value(json_object_get(r, "slug")));
		json_object_set_new(r, "href", json_string(href));
	}
	return view_page(rc, "pages/regions", view_t(rc, N_("Education regions")),
			 json_pack("{s:o}", "regions", list));
}

static int home(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;

	/* An installation with several regions lists them at its root. */
	if (!*rc->region_prefix) {
		int n = region_store_count(&rc->ctx, &err);
		if (n < 0)
			return region_web_status_for(err);
		if (n > 1)
			return list_regions(rc);
	}
	/* The layout adds the region's name to the title: "Startseite – …". */
	return view_page(rc, "pages/region_home", view_t(rc, N_("Home")),
			 json_pack("{s:O}", "region", rc->region));
}

/* The legal pages are long texts, kept per language in two templates. */
static int legal_page(req_ctx *rc, const char *base, const char *title, json_t *extra)
{
	g_autofree char *tmpl = g_strdup_printf("pages/%s.%s", base, rc->req->lang);
	json_t *model = json_pack("{s:O}", "region", rc->region);
	if (extra)
		json_object_update(model, extra);
	json_decref(extra);
	return view_page(rc, tmpl, title, model);
}

static int imprint(req_ctx *rc)
{
	return legal_page(rc, "imprint", view_t(rc, N_("Imprint")), NULL);
}

static int privacy(req_ctx *rc)
{
	return legal_page(rc, "privacy", view_t(rc, N_("Privacy notice")), NULL);
}

typedef struct feedback_form {
	const char *name, *email, *message;
	const char *name_error, *email_error, *message_error;
} feedback_form;

static json_t *feedback_model(req_ctx *rc, const feedback_form *f, bool sent)
{
	g_autofree char *action = view_href(rc, "/barrierefreiheit");
	const char *fields[] = {"name", "email", "message"};
	const char *msgs[] = {f->name_error, f->email_error, f->message_error};
	json_t *errors = view_form_errors(fields, msgs, 3);
	return json_pack("{s:s,s:b,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "action", action,
			 "has_errors", json_array_size(errors) > 0, "errors", errors,
			 "name", f->name ? f->name : "", "email", f->email ? f->email : "",
			 "message", f->message ? f->message : "", "name_error",
			 f->name_error ? f->name_error : "", "email_error",
			 f->email_error ? f->email_error : "", "message_error",
			 f->message_error ? f->message_error : "", "sent", sent);
}

static int accessibility_page(req_ctx *rc, int status, const feedback_form *f, bool sent)
{
	bireg_date day = {.year = STATEMENT_YEAR, .month = STATEMENT_MONTH, .day = STATEMENT_DAY};
	g_autofree char *date = format_day(rc->req->lang, &day);
	g_autofree char *privacy = view_href(rc, "/datenschutz");
	json_t *model = json_pack("{s:O,s:s,s:o,s:s}", "region", rc->region, "statement_date",
				  date, "feedback", feedback_model(rc, f, sent), "privacy_href",
				  privacy);
	g_autofree char *tmpl = g_strdup_printf("pages/accessibility.%s", rc->req->lang);
	return view_page_full(rc, status, tmpl, view_t(rc, N_("Accessibility statement")), model,
			      NULL);
}

static int accessibility(req_ctx *rc)
{
	feedback_form f = {0};
	const char *sent = http_params_get(rc->req->query, "gesendet");
	return accessibility_page(rc, 200, &f, sent && !strcmp(sent, "1"));
}

static bool plausible_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (g_ascii_isspace(*p) || *p == '<' || *p == '>' || *p == ',')
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

/* A form field tidied for storing: "" when absent. Multi-line text keeps its
 * line breaks; one-line fields get their white space collapsed. */
static char *form_text(const req_ctx *rc, const char *name, bool multiline)
{
	const char *v = view_form_field(rc, name);
	char *r = multiline ? text_trim_dup(v) : text_collapse_ws(v);
	return r ? r : g_strdup("");
}

/* Queues the acknowledgement (template feedback.received) to the address
 * the person gave, in the caller's transaction. The form is public, so it
 * must not become a way to send mail to anyone: acknowledgements to one
 * address, and from one client, are counted like failed logins
 * (throttle_store), and while one is held back the feedback is stored
 * without its acknowledgement. The mail does not repeat the message. */
static int queue_acknowledgement(req_ctx *rc, int64_t id, const char *name, const char *email,
				 GError **err)
{
	g_autofree char *lower = g_utf8_strdown(email, -1);
	g_autofree char *mail_key = g_strconcat("feedback-mail:", lower, NULL);
	g_autofree char *addr_key = g_strconcat("feedback-mail-addr:", rc->req->remote_addr, NULL);
	const char *base = rc->app && rc->app->cfg.base_url ? rc->app->cfg.base_url : "";
	g_autofree char *page = view_href(rc, "/barrierefreiheit");
	g_autofree char *link = NULL, *date = NULL, *number = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	bireg_date today = format_date_of(now);
	const char *region = json_string_value(json_object_get(rc->region, "name"));
	size_t n = strlen(base);
	int wait;
	json_t *values;
	int r;

	wait = throttle_store_wait(&rc->ctx, mail_key, err);
	if (wait == 0)
		wait = throttle_store_wait(&rc->ctx, addr_key, err);
	if (wait < 0)
		return -1;
	if (wait > 0) {
		log_warn("request %s: acknowledgement of feedback %" G_GINT64_FORMAT
			 " held back: too many in a short time", rc->req->request_id, id);
		return 0;
	}
	if (throttle_store_fail(&rc->ctx, mail_key, THROTTLE_ADDR_MAX_WAIT, err) < 0 ||
	    throttle_store_fail(&rc->ctx, addr_key, THROTTLE_ADDR_MAX_WAIT, err) < 0)
		return -1;
	while (n > 0 && base[n - 1] == '/')
		n--;
	link = g_strdup_printf("%.*s%s", (int)n, base, page);
	date = format_day(rc->req->lang, &today);
	number = g_strdup_printf("%" G_GINT64_FORMAT, id);
	values = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "datum", date, "nummer", number,
			   "link", link, "region", region ? region : "");
	r = message_send_mail(&rc->ctx, "feedback.received", rc->req->lang, values, email, name,
			      NULL, err);
	json_decref(values);
	if (r < 0 && err && *err && (*err)->domain == BIREG_MAIL_ERROR) {
		/* Refused before anything was written (outbox_enqueue): the
		 * feedback counts more than its acknowledgement. */
		log_warn("request %s: no acknowledgement for feedback %" G_GINT64_FORMAT ": %s",
			 rc->req->request_id, id, (*err)->message);
		g_clear_error(err);
		return 0;
	}
	return r;
}

static int feedback_post(req_ctx *rc)
{
	g_autofree char *name = form_text(rc, "name", false);
	g_autofree char *email = form_text(rc, "email", false);
	g_autofree char *message = form_text(rc, "message", true);
	feedback_form f = {.name = name, .email = email, .message = message};
	g_autoptr(GError) err = NULL;

	if (!*message)
		f.message_error = view_t(rc, N_("Please enter your message."));
	else if (g_utf8_strlen(message, -1) > FEEDBACK_MESSAGE_MAX)
		f.message_error = view_t(rc, N_("Your message is too long: at most 5,000 characters."));
	if (g_utf8_strlen(name, -1) > FEEDBACK_NAME_MAX)
		f.name_error = view_t(rc, N_("The name is too long: at most 200 characters."));
	/* An address bireg can send the acknowledgement to (plain ASCII). */
	if (*email && (strlen(email) > FEEDBACK_EMAIL_MAX || !plausible_email(email) ||
		       !mail_address_valid(email)))
		f.email_error = view_t(rc, N_("Please enter a valid e-mail address, e.g. name@example.org, or leave the field empty."));
	if (f.message_error || f.name_error || f.email_error)
		return accessibility_page(rc, 422, &f, false);

	feedback_input in = {.name = name, .email = email, .message = message,
			     .page = http_request_header(rc->req, "Referer")};
	/* Only keep a referring page of our own site, and not too much of it. */
	if (in.page && (!g_str_has_prefix(in.page, "http") || strlen(in.page) > 500))
		in.page = NULL;
	/* The feedback and its acknowledgement commit together. */
	int64_t id = -1;
	if (db_begin(rc->ctx.db, &err) != DB_OK ||
	    (id = region_store_add_feedback(&rc->ctx, &in, &err)) < 0 ||
	    (*email && queue_acknowledgement(rc, id, name, email, &err) < 0) ||
	    db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		log_error("request %s: storing feedback failed: %s", rc->req->request_id,
			  err ? err->message : "?");
		return region_web_status_for(err);
	}
	log_info("request %s: accessibility feedback received for region %" G_GINT64_FORMAT,
		 rc->req->request_id, rc->ctx.region_id);
	if (rc->req->wants_json) {
		view_json(rc->resp, 201, json_pack("{s:b}", "sent", 1));
		return 0;
	}
	/* Post/redirect/get: a reload does not send the feedback twice. */
	return view_redirect(rc, "/barrierefreiheit?gesendet=1");
}

static const param_rule feedback_params[] = {
	{.name = "name", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "email", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "message", .kind = PARAM_STRING, .max_len = 40000},
	{0},
};

static const param_rule accessibility_params[] = {
	{.name = "gesendet", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};

const route region_routes[] = {
	{HTTP_GET, "/", "region.home", NULL, "public", NULL, home, ROUTE_REGION, 0},
	{HTTP_GET, "/regionen", "region.list", NULL, "public", NULL, list_regions, 0, 0},
	{HTTP_GET, "/impressum", "region.imprint", NULL, "public", NULL, imprint, ROUTE_REGION, 0},
	{HTTP_GET, "/datenschutz", "region.privacy", NULL, "public", NULL, privacy, ROUTE_REGION, 0},
	{HTTP_GET, "/barrierefreiheit", "region.accessibility", NULL, "public", accessibility_params,
	 accessibility, ROUTE_REGION, 0},
	{HTTP_POST, "/barrierefreiheit", "region.accessibility.feedback", NULL, "public",
	 feedback_params, feedback_post, ROUTE_REGION, 64 * 1024},
	{0},
};
