/*
 * outbox_web.c — the outbox pages of a region's office (see outbox_web.h).
 *
 * The list shows one row per mail and recipient, newest first: what it is
 * (kind, in German), subject, recipient, status, attempts, the SMTP server's
 * last answer, when it was queued and sent. A failed mail can be sent again:
 * the same stored bytes with the same Message-ID, under a new delivery job.
 * The detail page shows the message's headers and its text part as the
 * recipient gets them, and names the attachments; attachments themselves are
 * never shown or offered (a mail is not a way around the files' rights).
 *
 * Without mail.smtp_url bireg delivers into the development folder
 * (outbox.h); the list says so, and admins get a page listing that folder's
 * files with a view of each (parsed with GMime), so that a newcomer sees
 * what bireg would send.
 */
#include "modules/system/outbox_web.h"

#include <string.h>

#include "core/log.h"
#include "core/roles.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/region/region_web.h"
#include "out/mail.h"
#include "out/outbox.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

#define OUTBOX_PAGE_LIMIT 200
#define DEV_PAGE_LIMIT 200
#define TEST_MAIL_MAX_BODY ((size_t)4 * 1024 * 1024)

static const char *const statuses[] = {"queued", "sending", "sent", "failed"};

static const char *status_label(const req_ctx *rc, const char *status)
{
	if (!strcmp(status, "queued"))
		return view_t(rc, N_("Waiting to be sent"));
	if (!strcmp(status, "sending"))
		return view_t(rc, N_("Being sent"));
	if (!strcmp(status, "sent"))
		return view_t(rc, N_("Sent"));
	return view_t(rc, N_("Not delivered"));
}

/* What a mail is for, as the office calls it; the kind itself when it is
 * not one bireg knows (a newer node may send kinds this one does not). */
static const struct {
	const char *kind, *label;
} kind_labels[] = {
	{"account.password_reset", N_("Password reset")},
	{"account.password_changed", N_("Password changed")},
	{"feedback.received", N_("Accessibility feedback received")},
	{"meeting.invitation", N_("Invitation to a meeting")},
	{"meeting.cancelled", N_("Meeting cancelled")},
	{"test.mail", N_("Test mail")},
	{"test.ical_invite", N_("Test invitation")},
};

static const char *kind_label(const req_ctx *rc, const char *kind)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kind_labels); i++)
		if (!strcmp(kind_labels[i].kind, kind))
			return view_t(rc, kind_labels[i].label);
	return kind;
}

/* "12 KB", "1,5 MB", "300 Byte". Newly allocated. */
static char *size_label(const req_ctx *rc, int64_t bytes)
{
	const int64_t mib = 1024 * 1024;

	if (bytes >= mib) {
		g_autofree char *n = format_decimal(rc->req->lang, (double)bytes / (double)mib, 1);
		return g_strconcat(n, " MB", NULL);
	}
	if (bytes >= 1024) {
		g_autofree char *n = format_int(rc->req->lang, (bytes + 512) / 1024);
		return g_strconcat(n, " KB", NULL);
	}
	{
		g_autofree char *n = format_int(rc->req->lang, bytes);
		return g_strconcat(n, " Byte", NULL);
	}
}

static bool is_admin(const req_ctx *rc)
{
	return rc->user && (rc->user->roles & ROLE_ADMIN);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "Anna Muster <anna@example.org>" or the address alone. Newly allocated. */
static char *recipient_label(json_t *m)
{
	const char *name = jstr(m, "to_name"), *addr = jstr(m, "to_addr");
	return *name ? g_strdup_printf("%s <%s>", name, addr) : g_strdup(addr);
}

/* One mail of outbox_list() as the pages show it (the stored fields stay,
 * for the JSON view, with labels and German times added). */
static json_t *mail_row(req_ctx *rc, json_t *m, const char *filter)
{
	gint64 id = json_integer_value(json_object_get(m, "id"));
	const char *status = jstr(m, "status");
	g_autofree char *created = view_datetime(rc, jstr(m, "created_at"));
	g_autofree char *sent = view_datetime(rc, json_string_value(json_object_get(m, "sent_at")));
	g_autofree char *last = view_datetime(rc, json_string_value(json_object_get(m, "last_attempt_at")));
	g_autofree char *show_path = g_strdup_printf("/verwaltung/postausgang/%" G_GINT64_FORMAT, id);
	g_autofree char *resend_path = g_strdup_printf("/verwaltung/postausgang/%" G_GINT64_FORMAT "/erneut", id);
	g_autofree char *show = view_href(rc, show_path);
	g_autofree char *resend = view_href(rc, resend_path);
	g_autofree char *recipient = recipient_label(m);
	g_autofree char *size = size_label(rc, json_integer_value(json_object_get(m, "size")));
	json_t *row = json_deep_copy(m);
	json_t *resp = json_object_get(m, "last_response");

	json_object_set_new(row, "kind_label", json_string(kind_label(rc, jstr(m, "kind"))));
	json_object_set_new(row, "status_label", json_string(status_label(rc, status)));
	json_object_set_new(row, "recipient", json_string(recipient));
	json_object_set_new(row, "created", json_string(created));
	json_object_set_new(row, "sent", json_string(sent));
	json_object_set_new(row, "last_attempt", json_string(last));
	json_object_set_new(row, "response", json_string(json_is_string(resp) ? json_string_value(resp) : ""));
	json_object_set_new(row, "size_label", json_string(size));
	json_object_set_new(row, "can_resend", json_boolean(!strcmp(status, "failed")));
	json_object_set_new(row, "is_failed", json_boolean(!strcmp(status, "failed")));
	json_object_set_new(row, "is_sent", json_boolean(!strcmp(status, "sent")));
	json_object_set_new(row, "show_href", json_string(show));
	json_object_set_new(row, "resend_action", json_string(resend));
	json_object_set_new(row, "filter", json_string(filter));
	return row;
}

static const char *notice_text(const req_ctx *rc, bool *warning)
{
	const char *n = http_params_get(rc->req->query, "hinweis");

	*warning = false;
	if (!n)
		return NULL;
	if (!strcmp(n, "erneut"))
		return view_t(rc, N_("The mail is queued again and will be sent in a moment."));
	*warning = true;
	return view_t(rc, N_("Nothing was changed: only a mail that was not delivered can be sent again. Here is its current state."));
}

/* What the pages say about the delivery: SMTP or the development folder. */
static void add_delivery(req_ctx *rc, json_t *model)
{
	g_autofree char *dev = view_href(rc, "/verwaltung/postausgang/entwicklungsordner");
	json_object_set_new(model, "smtp_configured", json_boolean(outbox_smtp_configured()));
	json_object_set_new(model, "dev_mode", json_boolean(!outbox_smtp_configured()));
	json_object_set_new(model, "is_admin", json_boolean(is_admin(rc)));
	json_object_set_new(model, "dev_href", json_string(dev));
}

static json_t *list_breadcrumb(req_ctx *rc)
{
	g_autofree char *list = view_href(rc, "/verwaltung/postausgang");
	return json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Outbox")), "href", list);
}

/* ---- the list ------------------------------------------------------------ */

static int outbox_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *filter = http_params_get(rc->req->query, "status");
	const char *status = filter && strcmp(filter, "all") ? filter : NULL;
	json_t *list = outbox_list(&rc->ctx, status, OUTBOX_PAGE_LIMIT, &err);
	json_t *rows = json_array(), *options = json_array(), *model;
	const char *notice;
	bool warning;
	size_t i;
	json_t *m;

	if (!list)
		return region_web_status_for(err);
	json_array_foreach(list, i, m)
		json_array_append_new(rows, mail_row(rc, m, status ? status : "all"));
	json_decref(list);
	json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value", "all", "label",
						 view_t(rc, N_("All mails")), "selected", !status));
	for (size_t k = 0; k < G_N_ELEMENTS(statuses); k++)
		json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value", statuses[k],
							 "label", status_label(rc, statuses[k]),
							 "selected", status && !strcmp(status, statuses[k])));
	notice = notice_text(rc, &warning);
	g_autofree char *action = view_href(rc, "/verwaltung/postausgang");
	model = json_pack("{s:s,s:s,s:o,s:b,s:o,s:i,s:b,s:s,s:b,s:s}", "region_name",
			  jstr(rc->region, "name"), "filter", status ? status : "all", "options",
			  options, "has_mails", json_array_size(rows) > 0, "mails", rows, "limit",
			  OUTBOX_PAGE_LIMIT, "at_limit", json_array_size(rows) >= OUTBOX_PAGE_LIMIT,
			  "filter_action", action, "warning", warning, "notice", notice ? notice : "");
	add_delivery(rc, model);
	return view_page(rc, "pages/admin_outbox", view_t(rc, N_("Outbox")), model);
}

/* ---- one mail -------------------------------------------------------------- */

static bool path_id(req_ctx *rc, gint64 *id)
{
	return g_ascii_string_to_signed(http_request_path_param(rc->req, "id"), 10, 1, G_MAXINT64,
					id, NULL);
}

/* The message as the views show it: mail_describe() with German sizes. */
static json_t *message_view(req_ctx *rc, GBytes *mime, GError **err)
{
	gsize len;
	const void *data = g_bytes_get_data(mime, &len);
	json_t *msg = mail_describe(data, len, err);
	size_t i;
	json_t *a;

	if (!msg)
		return NULL;
	json_array_foreach(json_object_get(msg, "attachments"), i, a) {
		g_autofree char *size = size_label(rc, json_integer_value(json_object_get(a, "size")));
		json_object_set_new(a, "size_label", json_string(size));
	}
	json_object_set_new(msg, "has_attachments",
			    json_boolean(json_array_size(json_object_get(msg, "attachments")) > 0));
	json_object_set_new(msg, "has_text", json_boolean(*jstr(msg, "text") != '\0'));
	return msg;
}

static int outbox_show(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GBytes) mime = NULL;
	json_t *m, *msg, *model;
	const char *notice;
	bool warning;
	gint64 id;

	if (!path_id(rc, &id))
		return 404;
	m = outbox_get(&rc->ctx, id, &err);
	if (!m)
		return err ? region_web_status_for(err) : 404;
	mime = outbox_get_mime(&rc->ctx, id, &err);
	msg = mime ? message_view(rc, mime, &err) : NULL;
	if (!msg) {
		json_decref(m);
		if (err)
			log_warn("request %s: outbox entry %" G_GINT64_FORMAT " cannot be shown: %s",
				 rc->req->request_id, id, err->message);
		return err && err->domain == BIREG_DB_ERROR ? region_web_status_for(err) : 500;
	}
	notice = notice_text(rc, &warning);
	g_autofree char *back = view_href(rc, "/verwaltung/postausgang");
	model = json_pack("{s:o,s:o,s:s,s:b,s:s}", "mail", mail_row(rc, m, "all"), "message", msg,
			  "back_href", back, "warning", warning, "notice", notice ? notice : "");
	json_decref(m);
	add_delivery(rc, model);
	g_autofree char *title = g_strdup_printf("%s: %s", view_t(rc, N_("Mail")),
						 jstr(json_object_get(model, "message"), "subject"));
	return view_page_full(rc, 200, "pages/admin_outbox_mail", title, model, list_breadcrumb(rc));
}

static int outbox_resend_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *filter = http_params_get(rc->req->form, "status");
	const char *back = http_params_get(rc->req->form, "zurueck");
	gint64 id;
	int r;

	if (!path_id(rc, &id))
		return 404;
	r = outbox_resend(&rc->ctx, id, &err);
	if (r < 0)
		return region_web_status_for(err);
	if (r == OUTBOX_CHANGE_NOT_FOUND)
		return 404;
	if (r == OUTBOX_CHANGE_WRONG_STATE && rc->req->wants_json) {
		rc->error_message = N_("Only a mail that was not delivered can be sent again.");
		rc->error_field = "id";
		return 409;
	}
	if (r == OUTBOX_CHANGE_DONE)
		log_info("request %s: outbox entry %" G_GINT64_FORMAT " queued again by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, rc->user->id);
	if (rc->req->wants_json) {
		json_t *m = outbox_get(&rc->ctx, id, &err);
		if (!m)
			return err ? region_web_status_for(err) : 404;
		view_json(rc->resp, 200, m);
		return 0;
	}
	const char *hint = r == OUTBOX_CHANGE_DONE ? "erneut" : "veraltet";
	g_autofree char *target =
		back && !strcmp(back, "detail")
			? g_strdup_printf("/verwaltung/postausgang/%" G_GINT64_FORMAT "?hinweis=%s", id, hint)
			: g_strdup_printf("/verwaltung/postausgang?hinweis=%s%s%s", hint,
					  filter && strcmp(filter, "all") ? "&status=" : "",
					  filter && strcmp(filter, "all") ? filter : "");
	return view_redirect(rc, target);
}

/* ---- the development folder ------------------------------------------------ */

static int dev_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *slug = jstr(rc->region, "slug");
	g_autofree char *folder = outbox_dev_dir_for(slug);
	json_t *files = outbox_dev_list(slug, DEV_PAGE_LIMIT, &err);
	json_t *rows = json_array(), *model;
	size_t i;
	json_t *f;

	if (!files) {
		log_warn("request %s: the development folder %s cannot be read: %s",
			 rc->req->request_id, folder, err->message);
		json_decref(rows);
		return 500;
	}
	json_array_foreach(files, i, f) {
		g_autofree char *path = g_strdup_printf("/verwaltung/postausgang/entwicklungsordner/%s",
							jstr(f, "name"));
		g_autofree char *href = view_href(rc, path);
		g_autofree char *modified = view_datetime(rc, jstr(f, "modified_at"));
		g_autofree char *size = size_label(rc, json_integer_value(json_object_get(f, "size")));
		json_t *row = json_deep_copy(f);
		json_object_set_new(row, "show_href", json_string(href));
		json_object_set_new(row, "modified", json_string(modified));
		json_object_set_new(row, "size_label", json_string(size));
		json_object_set_new(row, "index", json_integer((json_int_t)i));
		json_array_append_new(rows, row);
	}
	json_decref(files);
	g_autofree char *list = view_href(rc, "/verwaltung/postausgang");
	model = json_pack("{s:s,s:s,s:b,s:o,s:i,s:b}", "folder", folder, "region_name",
			  jstr(rc->region, "name"), "has_files", json_array_size(rows) > 0, "files",
			  rows, "limit", DEV_PAGE_LIMIT, "at_limit",
			  json_array_size(rows) >= DEV_PAGE_LIMIT);
	add_delivery(rc, model);
	return view_page_full(rc, 200, "pages/admin_outbox_dev", view_t(rc, N_("Development folder")),
			      model, list_breadcrumb(rc));
}

static int dev_show(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *slug = jstr(rc->region, "slug");
	const char *name = http_request_path_param(rc->req, "name");
	g_autoptr(GBytes) mime = NULL;
	json_t *msg, *model, *crumbs;

	if (!outbox_dev_name_valid(name))
		return 404;
	mime = outbox_dev_read(slug, name, &err);
	if (!mime) {
		if (!err)
			return 404;
		log_warn("request %s: %s cannot be read: %s", rc->req->request_id, name, err->message);
		return 500;
	}
	msg = message_view(rc, mime, &err);
	if (!msg) {
		/* A file that is not a message (someone put it there). */
		rc->error_message = N_("This file in the development folder is not a readable e-mail message.");
		return 422;
	}
	g_autofree char *dev = view_href(rc, "/verwaltung/postausgang/entwicklungsordner");
	model = json_pack("{s:s,s:o,s:s}", "name", name, "message", msg, "back_href", dev);
	add_delivery(rc, model);
	crumbs = list_breadcrumb(rc);
	json_array_append_new(crumbs, json_pack("{s:s,s:s}", "label",
						view_t(rc, N_("Development folder")), "href", dev));
	g_autofree char *title = g_strdup_printf("%s: %s", view_t(rc, N_("Mail")),
						 jstr(msg, "subject"));
	return view_page_full(rc, 200, "pages/admin_outbox_dev_mail", title, model, crumbs);
}

/* ---- test only ----------------------------------------------------------- */

/* The field a mail error names (its message starts with "field:"), as a
 * static string for rc->error_field. */
static const char *error_field_of(const GError *err)
{
	static const char *const fields[] = {"to_addr", "to_name", "subject", "text", "html",
					     "list_unsubscribe", "kind", "reply_to", "lang",
					     "attachments.filename", "attachments.media_type",
					     "attachments.data", "attachments"};
	static const char *const form_names[] = {"to", "to_name", "subject", "text", "html",
						 "list_unsubscribe", "kind", "reply_to", "lang",
						 "attachment_name", "attachment_type",
						 "attachment_data", "attachment_data"};
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		size_t n = strlen(fields[i]);
		if (!strncmp(err->message, fields[i], n) && err->message[n] == ':')
			return form_names[i];
	}
	return "to";
}

/* Test only: queues a mail in the request's region from the form fields
 * to, to_name, subject, text, html, kind (default test.mail),
 * list_unsubscribe, reply_to, lang, person=1 (written by a person), and
 * attachments as parallel repeated fields attachment_name, attachment_type,
 * attachment_data (base64). Answers {id, message_id, job_id} as JSON (201),
 * or 400 naming the field. */
static int test_mail(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const http_params *f = rc->req->form;
	const GPtrArray *names = http_params_get_all(f, "attachment_name");
	const GPtrArray *types = http_params_get_all(f, "attachment_type");
	const GPtrArray *datas = http_params_get_all(f, "attachment_data");
	g_autoptr(GArray) atts = g_array_new(FALSE, TRUE, sizeof(mail_attachment));
	g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	const char *kind = http_params_get(f, "kind");
	const char *person = http_params_get(f, "person");
	int64_t id = 0;
	json_t *m;

	if (names->len != types->len || names->len != datas->len) {
		rc->error_field = "attachment_name";
		return 400;
	}
	for (guint i = 0; i < names->len; i++) {
		gsize len = 0;
		guchar *bytes = g_base64_decode(g_ptr_array_index(datas, i), &len);
		GBytes *b = g_bytes_new_take(bytes, len);
		mail_attachment a = {.filename = g_ptr_array_index(names, i),
				     .media_type = g_ptr_array_index(types, i), .data = b};
		g_ptr_array_add(blobs, b);
		g_array_append_val(atts, a);
	}
	mail_message msg = {
		.to_addr = http_params_get(f, "to"),
		.to_name = http_params_get(f, "to_name"),
		.subject = http_params_get(f, "subject"),
		.text = http_params_get(f, "text"),
		.html = http_params_get(f, "html"),
		.attachments = (const mail_attachment *)(void *)atts->data,
		.n_attachments = atts->len,
		.list_unsubscribe = http_params_get(f, "list_unsubscribe"),
		.kind = kind && *kind ? kind : "test.mail",
		.reply_to = http_params_get(f, "reply_to"),
		.lang = http_params_get(f, "lang"),
		.written_by_person = person && !strcmp(person, "1"),
	};
	if (outbox_enqueue(&rc->ctx, &msg, &id, &err) < 0) {
		if (err->domain == BIREG_MAIL_ERROR) {
			rc->error_field = error_field_of(err);
			return 400;
		}
		return region_web_status_for(err);
	}
	m = outbox_get(&rc->ctx, id, &err);
	if (!m)
		return err ? region_web_status_for(err) : 500;
	view_json(rc->resp, 201, json_pack("{s:I,s:O,s:O}", "id", (json_int_t)id, "message_id",
					   json_object_get(m, "message_id"), "job_id",
					   json_object_get(m, "job_id")));
	json_decref(m);
	return 0;
}

/* ---- routes ---------------------------------------------------------------- */

static const param_rule list_params[] = {
	{.name = "status", .kind = PARAM_ENUM, .choices = "all|queued|sending|sent|failed"},
	{.name = "hinweis", .kind = PARAM_ENUM, .choices = "erneut|veraltet"},
	{0},
};

static const param_rule show_params[] = {
	{.name = "hinweis", .kind = PARAM_ENUM, .choices = "erneut|veraltet"},
	{0},
};

static const param_rule resend_params[] = {
	{.name = "status", .kind = PARAM_ENUM, .choices = "all|queued|sending|sent|failed"},
	{.name = "zurueck", .kind = PARAM_ENUM, .choices = "liste|detail"},
	{0},
};

static const param_rule test_params[] = {
	{.name = "to", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "to_name", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "subject", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "text", .kind = PARAM_STRING, .max_len = 1024 * 1024},
	{.name = "html", .kind = PARAM_STRING, .max_len = 1024 * 1024},
	{.name = "kind", .kind = PARAM_STRING, .max_len = 200},
	{.name = "list_unsubscribe", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "reply_to", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "lang", .kind = PARAM_STRING, .max_len = 10},
	{.name = "person", .kind = PARAM_ENUM, .choices = "0|1"},
	{.name = "attachment_name", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "attachment_type", .kind = PARAM_STRING, .max_len = 1000},
	{.name = "attachment_data", .kind = PARAM_STRING, .max_len = 3 * 1024 * 1024},
	{0},
};

const route outbox_routes[] = {
	{HTTP_GET, "/verwaltung/postausgang", "office.outbox", perm_office, "office", list_params,
	 outbox_page, ROUTE_REGION, 0},
	{HTTP_GET, "/verwaltung/postausgang/{id}", "office.outbox.show", perm_office, "office",
	 show_params, outbox_show, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/postausgang/{id}/erneut", "office.outbox.resend", perm_office,
	 "office", resend_params, outbox_resend_post, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/verwaltung/postausgang/entwicklungsordner", "admin.outbox.dev", perm_admin,
	 "admin", NULL, dev_page, ROUTE_REGION, 0},
	{HTTP_GET, "/verwaltung/postausgang/entwicklungsordner/{name}", "admin.outbox.dev.show",
	 perm_admin, "admin", NULL, dev_show, ROUTE_REGION, 0},
	{HTTP_POST, "/_test/mail", "system.test_mail", NULL, "test", test_params, test_mail,
	 ROUTE_TEST_ONLY | ROUTE_REGION, TEST_MAIL_MAX_BODY},
	{0},
};
