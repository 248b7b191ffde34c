/*
 * school_import_web.c — the pages of the NRW school directory import and of
 * the Schulform labels (school_import_web.h). Everything the import does is
 * in school_import.c; this file only presents it.
 *
 *   GET  /register/import/schulen                 keys, upload, past imports
 *   POST /register/import/schulen/schluessel      saves the Gemeindeschlüssel
 *   POST /register/import/schulen                 upload → 303 to the preview
 *   GET  /register/import/schulen/{id}            preview, or the result
 *   POST /register/import/schulen/{id}/uebernehmen   commit
 *   POST /register/import/schulen/{id}/verwerfen     cancel
 *   GET  /register/schulformen                    the label table
 *   POST /register/schulformen                    labels (admin)
 *
 * The upload's limit is the route's body limit (SCHOOL_UPLOAD_MAX_BODY);
 * the server's own cap, limits.max_body_bytes (32 MiB by default), comes
 * first: a larger file needs that setting raised (docs/handbuch).
 */
#include "modules/register/school_import_web.h"

#include <string.h>

#include "core/log.h"
#include "core/tabular.h"
#include "db/db.h"
#include "files/file_store.h"
#include "http/parse.h"
#include "modules/account/perm.h"
#include "modules/register/import_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "modules/register/school_import.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

#define BASE "/register/import/schulen"
/* 64 MiB of file and the multipart envelope around it. */
#define SCHOOL_UPLOAD_MAX_BODY ((size_t)64 * 1024 * 1024 + 64 * 1024)

static const form_field key_fields[] = {
	{"school_keys", N_("Gemeindeschlüssel (several separated by commas)"),
	 N_("Only the schools of these Gemeinden are imported: 8 digits for a town (Duisburg: 05112000), 5 digits for a whole Kreis (Kreis Wesel: 05170)."),
	 .kind = FORM_TEXT, .max_chars = 1000},
};

static json_t *crumbs(const req_ctx *rc, bool with_import)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *imp = view_href(rc, BASE);
	json_t *c = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (with_import)
		json_array_append_new(c, json_pack("{s:s,s:s}", "label",
						   view_t(rc, N_("Import the school directory")), "href",
						   imp));
	return c;
}

static const char *state_label(const req_ctx *rc, const char *state)
{
	static const struct {
		const char *state, *msgid;
	} labels[] = {
		{"preview", N_("waiting for confirmation")},
		{"queued", N_("queued")},
		{"running", N_("running")},
		{"done", N_("imported")},
		{"failed", N_("failed")},
		{"cancelled", N_("discarded")},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (!g_strcmp0(labels[i].state, state))
			return view_t(rc, labels[i].msgid);
	return state ? state : "";
}

static const char *encoding_label(const req_ctx *rc, const char *enc)
{
	if (!g_strcmp0(enc, "windows-1252"))
		return view_t(rc, N_("Windows-1252 (detected)"));
	return view_t(rc, N_("UTF-8 (detected)"));
}

static char *int_label(const req_ctx *rc, int64_t v)
{
	return format_int(rc->req->lang, v);
}

/* ---- the page ------------------------------------------------------------ */

typedef struct page_state {
	int status;
	form *keys;           /* NULL: filled from the region */
	const char *file_error;
	const char *notice;
} page_state;

static json_t *batch_rows(req_ctx *rc, GError **err)
{
	json_t *list = import_batch_list(&rc->ctx, "schools", 20, 0, err), *rows, *b;
	size_t i;

	if (!list)
		return NULL;
	rows = json_array();
	json_array_foreach(json_object_get(list, "rows"), i, b) {
		json_t *c = json_object_get(b, "counts");
		g_autofree char *href = register_href_id(rc, BASE "/", register_jint(b, "id"), NULL);
		g_autofree char *when = view_datetime(rc, register_jstr(b, "created_at"));
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "id",
				      (json_int_t)register_jint(b, "id"), "href", href, "state",
				      register_jstr(b, "state"), "state_label",
				      state_label(rc, register_jstr(b, "state")), "file_name",
				      register_jstr(b, "file_name"), "created_at", when,
				      "created_by_name", register_jstr(b, "created_by_name"), "new",
				      (json_int_t)register_jint(c, "new"), "changed",
				      (json_int_t)register_jint(c, "changed"), "vanished",
				      (json_int_t)register_jint(c, "vanished"), "rejected",
				      (json_int_t)register_jint(c, "rejected"));
		json_array_append_new(rows, o);
	}
	json_decref(list);
	return rows;
}

static int schools_page(req_ctx *rc, const page_state *ps)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) own = NULL;
	form *f = ps->keys;
	g_auto(GStrv) keys = school_keys_get(&rc->ctx, &err);
	g_autofree char *action = view_href(rc, BASE);
	g_autofree char *keys_action = view_href(rc, BASE "/schluessel");
	g_autofree char *forms = view_href(rc, "/register/schulformen");
	g_autofree char *overview = view_href(rc, "/register/import");
	json_t *rows, *model, *errors;

	if (!keys)
		return register_store_failed(rc, "reading the region's keys", err);
	rows = batch_rows(rc, &err);
	if (!rows)
		return register_store_failed(rc, "reading the school imports", err);
	if (!f) {
		g_autofree char *text = school_keys_text((const char *const *)keys);
		own = form_new(key_fields, G_N_ELEMENTS(key_fields), "keys");
		form_set(own, "school_keys", text);
		f = own;
	}
	model = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:b,s:s,s:s,s:s}", "action", action,
			  "keys_action", keys_action, "forms_href", forms, "overview_href", overview,
			  "keys", json_array(), "batches", rows, "has_batches",
			  json_array_size(rows) > 0, "has_keys", keys[0] != NULL, "file_error",
			  register_nz(ps->file_error), "notice", register_nz(ps->notice), "limit",
			  "64 MB");
	for (size_t i = 0; keys[i]; i++)
		json_array_append_new(json_object_get(model, "keys"), json_string(keys[i]));
	register_put_form(model, f, rc);
	/* The file's error joins the summary (and the JSON's errors). */
	errors = json_object_get(model, "errors");
	if (!json_is_array(errors)) {
		errors = json_array();
		json_object_set_new(model, "errors", errors);
	}
	if (ps->file_error)
		json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "field", "file", "id",
							"schools-file", "message", ps->file_error));
	json_object_set_new(model, "has_errors", json_boolean(json_array_size(errors) > 0));
	return view_page_full(rc, ps->status ? ps->status : 200, "pages/register_import_schools",
			      view_t(rc, N_("Import the school directory")), model,
			      crumbs(rc, false));
}

static int schools_get(req_ctx *rc)
{
	const char *h = http_params_get(rc->req->query, "hinweis");
	page_state ps = {0};

	if (!g_strcmp0(h, "schluessel"))
		ps.notice = view_t(rc, N_("The Gemeindeschlüssel have been saved."));
	else if (!g_strcmp0(h, "verworfen"))
		ps.notice = view_t(rc, N_("The import has been discarded. Nothing was changed."));
	return schools_page(rc, &ps);
}

static int keys_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(key_fields, G_N_ELEMENTS(key_fields), "keys");
	g_auto(GStrv) keys = NULL;
	page_state ps = {.status = 422};

	if (form_read(f, rc))
		keys = school_keys_parse(form_value(f, "school_keys"), &err);
	if (keys) {
		if (school_keys_set(&rc->ctx, (const char *const *)keys, &err) < 0)
			return register_store_failed(rc, "saving the region's keys", err);
		log_info("request %s: school keys of region %" G_GINT64_FORMAT " set to %u keys",
			 rc->req->request_id, rc->ctx.region_id, g_strv_length(keys));
		if (rc->req->wants_json) {
			page_state ok = {.notice = view_t(rc, N_("The Gemeindeschlüssel have been saved."))};
			return schools_page(rc, &ok);
		}
		return view_redirect(rc, BASE "?hinweis=schluessel");
	}
	if (err && !register_error_to_form(f, rc, err))
		return register_store_failed(rc, "reading the keys", err);
	ps.keys = f;
	return schools_page(rc, &ps);
}

static const http_upload *find_upload(const req_ctx *rc, const char *field)
{
	for (guint i = 0; rc->req->uploads && i < rc->req->uploads->len; i++) {
		const http_upload *u = g_ptr_array_index(rc->req->uploads, i);
		if (!strcmp(u->field, field))
			return u;
	}
	return NULL;
}

static int upload_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const http_upload *up = find_upload(rc, "file");
	g_autofree char *msg = NULL;
	page_state ps = {.status = 422};
	const char *data = NULL;
	gsize len = 0;
	int64_t id;

	if (up)
		data = g_bytes_get_data(up->data, &len);
	if (!up || len == 0) {
		ps.file_error = view_t(rc, N_("Please choose the file of the school directory (CSV or XLSX)."));
		return schools_page(rc, &ps);
	}
	id = school_import_upload(&rc->ctx, up->filename, data, len, &err);
	if (id > 0) {
		g_autofree char *to = g_strdup_printf(BASE "/%" G_GINT64_FORMAT, (gint64)id);
		log_info("request %s: school import %" G_GINT64_FORMAT " uploaded (%zu bytes)",
			 rc->req->request_id, (gint64)id, (size_t)len);
		return view_redirect(rc, to);
	}
	if (err->domain == BIREG_DB_ERROR)
		return register_store_failed(rc, "storing the school import", err);
	if (err->domain == BIREG_FILE_ERROR && err->code == FILE_ERROR_FAILED)
		return register_store_failed(rc, "storing the school import", err);
	msg = school_import_error_text(err, rc->req->lang);
	log_info("request %s: school import refused: %s", rc->req->request_id, err->message);
	if (g_error_matches(err, BIREG_SCHOOL_IMPORT_ERROR, SCHOOL_IMPORT_ERROR_NO_KEYS)) {
		g_autoptr(form) f = form_new(key_fields, G_N_ELEMENTS(key_fields), "keys");
		form_error(f, "school_keys", msg);
		ps.keys = f;
		return schools_page(rc, &ps);
	}
	ps.file_error = msg;
	return schools_page(rc, &ps);
}

/* ---- one batch ------------------------------------------------------------ */

/* Translates the report's rejections and changes for the page. */
static void dress_report(req_ctx *rc, json_t *report)
{
	json_t *x, *c;
	size_t i, j;

	json_array_foreach(json_object_get(report, "rejected"), i, x) {
		const char *reason = view_t(rc, register_jstr(x, "reason"));
		json_object_set_new(x, "field_label",
				    json_string(school_import_field_label(register_jstr(x, "field"),
									  rc->req->lang)));
		if (register_jint(x, "first_line") > 0) {
			g_autofree char *first = g_strdup_printf("%" G_GINT64_FORMAT,
								 (gint64)register_jint(x, "first_line"));
			g_autofree char *more = view_tf(rc, N_("First in line {line}."), "line", first,
							NULL);
			g_autofree char *both = g_strconcat(reason, " ", more, NULL);
			json_object_set_new(x, "reason_text", json_string(both));
		} else {
			json_object_set_new(x, "reason_text", json_string(reason));
		}
	}
	json_array_foreach(json_object_get(report, "changed"), i, x) {
		g_autofree char *href = register_href_id(rc, "/register/institutionen/",
							 register_jint(x, "id"), NULL);
		json_object_set_new(x, "href", json_string(href));
		json_array_foreach(json_object_get(x, "changes"), j, c)
			json_object_set_new(c, "field_label",
					    json_string(school_import_field_label(
						    register_jstr(c, "field"), rc->req->lang)));
	}
	json_array_foreach(json_object_get(report, "vanished"), i, x) {
		g_autofree char *href = register_href_id(rc, "/register/institutionen/",
							 register_jint(x, "id"), NULL);
		json_object_set_new(x, "href", json_string(href));
	}
}

static int batch_page(req_ctx *rc, int status, int64_t id, const char *error, const char *notice)
{
	g_autoptr(GError) err = NULL;
	json_t *b = import_batch_get(&rc->ctx, id, &err), *report, *model;
	g_autofree char *commit = NULL, *cancel = NULL, *back = NULL, *title = NULL;
	g_autofree char *idtext = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)id);
	g_autofree char *when = NULL, *finished = NULL;
	const char *state;
	int64_t rejected;

	if (!b)
		return register_store_failed(rc, "reading a school import", err);
	if (strcmp(register_jstr(b, "kind"), "schools")) {
		json_decref(b);
		return 404;
	}
	state = register_jstr(b, "state");
	report = json_object_get(b, "report");
	dress_report(rc, report);
	rejected = (int64_t)json_array_size(json_object_get(report, "rejected"));
	commit = register_href_id(rc, BASE "/", id, "/uebernehmen");
	cancel = register_href_id(rc, BASE "/", id, "/verwerfen");
	back = view_href(rc, BASE);
	title = view_tf(rc, N_("School import no. {id}"), "id", idtext, NULL);
	when = view_datetime(rc, register_jstr(b, "created_at"));
	finished = view_datetime(rc, register_jstr(b, "finished_at"));
	{
		g_autofree char *n_new = int_label(rc, (int64_t)json_array_size(json_object_get(report, "new")));
		g_autofree char *n_changed = int_label(rc, (int64_t)json_array_size(json_object_get(report, "changed")));
		g_autofree char *n_unchanged = int_label(rc, register_jint(report, "unchanged"));
		g_autofree char *n_vanished = int_label(rc, (int64_t)json_array_size(json_object_get(report, "vanished")));
		g_autofree char *n_rejected = int_label(rc, rejected);
		g_autofree char *n_skipped = int_label(rc, register_jint(report, "skipped"));
		g_autofree char *n_rows = int_label(rc, register_jint(report, "rows"));
		g_autofree char *skipped_text = view_tf(rc, N_("{count} schools of other Gemeinden skipped"),
							"count", n_skipped, NULL);
		model = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:I,"
				  "s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}",
				  "id", (json_int_t)id, "state", state, "state_label",
				  state_label(rc, state), "file_name", register_jstr(b, "file_name"),
				  "created_at", when, "finished_at", finished, "created_by_name",
				  register_jstr(b, "created_by_name"), "encoding_label",
				  encoding_label(rc, register_jstr(report, "encoding")), "skipped_text",
				  skipped_text, "is_preview", !strcmp(state, "preview"), "is_done",
				  !strcmp(state, "done"), "can_commit",
				  !strcmp(state, "preview") && rejected == 0, "has_rejected", rejected > 0,
				  "is_xlsx", !strcmp(register_jstr(report, "format"), "xlsx"), "rejected_count",
				  (json_int_t)rejected, "labels", "new", n_new, "changed", n_changed,
				  "unchanged", n_unchanged, "vanished", n_vanished, "rejected", n_rejected,
				  "skipped", n_skipped, "rows", n_rows);
	}
	json_object_set_new(model, "has_new", json_boolean(json_array_size(json_object_get(report, "new")) > 0));
	json_object_set_new(model, "has_changed", json_boolean(json_array_size(json_object_get(report, "changed")) > 0));
	json_object_set_new(model, "has_vanished", json_boolean(json_array_size(json_object_get(report, "vanished")) > 0));
	json_object_set_new(model, "report", json_incref(report));
	json_object_set_new(model, "batch", b);
	json_object_set_new(model, "commit_action", json_string(commit));
	json_object_set_new(model, "cancel_action", json_string(cancel));
	json_object_set_new(model, "back_href", json_string(back));
	json_object_set_new(model, "error", json_string(register_nz(error)));
	json_object_set_new(model, "notice", json_string(register_nz(notice)));
	{
		g_autofree char *keys = NULL;
		json_t *k = json_object_get(report, "keys");
		GString *s = g_string_new(NULL);
		size_t i;
		json_t *v;
		json_array_foreach(k, i, v)
			g_string_append_printf(s, "%s%s", i ? ", " : "", json_string_value(v));
		keys = g_string_free(s, FALSE);
		json_object_set_new(model, "keys_text", json_string(keys));
	}
	return view_page_full(rc, status, "pages/register_import_schools_batch", title, model,
			      crumbs(rc, true));
}

static int batch_get(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	const char *h = http_params_get(rc->req->query, "hinweis");

	if (id <= 0)
		return 404;
	return batch_page(rc, 200, id, NULL,
			  !g_strcmp0(h, "uebernommen")
				  ? view_t(rc, N_("The schools have been imported."))
				  : NULL);
}

/* The status and message for a refused commit or cancel; 0 when err is
 * not a refusal. */
static int refusal(req_ctx *rc, const GError *err, char **msg)
{
	if (err->domain == BIREG_SCHOOL_IMPORT_ERROR || err->domain == BIREG_TABULAR_ERROR ||
	    err->domain == BIREG_CSV_ERROR) {
		*msg = school_import_error_text(err, rc->req->lang);
		return g_error_matches(err, BIREG_SCHOOL_IMPORT_ERROR, SCHOOL_IMPORT_ERROR_STATE) ? 409
															      : 422;
	}
	if (err->domain == BIREG_REGISTER_ERROR && err->code == REGISTER_ERROR_INVALID) {
		/* A row the store refused after all: name it. */
		*msg = g_strdup_printf("%s (%s)", view_t(rc, register_error_msgid(err)), err->message);
		return 422;
	}
	return 0;
}

static int commit_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *msg = NULL;
	int64_t id = register_path_id(rc, "id");
	int status;

	if (id <= 0)
		return 404;
	if (school_import_commit(&rc->ctx, id, NULL, &err) == 0) {
		g_autofree char *to = g_strdup_printf(BASE "/%" G_GINT64_FORMAT "?hinweis=uebernommen",
						      (gint64)id);
		log_info("request %s: school import %" G_GINT64_FORMAT " committed by account %" G_GINT64_FORMAT,
			 rc->req->request_id, (gint64)id, rc->ctx.user_id);
		if (rc->req->wants_json)
			return batch_page(rc, 200, id, NULL, view_t(rc, N_("The schools have been imported.")));
		return view_redirect(rc, to);
	}
	status = refusal(rc, err, &msg);
	if (!status)
		return register_store_failed(rc, "committing a school import", err);
	log_info("request %s: school import %" G_GINT64_FORMAT " refused: %s", rc->req->request_id,
		 (gint64)id, err->message);
	return batch_page(rc, status, id, msg, NULL);
}

static int cancel_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *msg = NULL;
	int64_t id = register_path_id(rc, "id");
	int status;

	if (id <= 0)
		return 404;
	if (school_import_cancel(&rc->ctx, id, &err) == 0) {
		if (rc->req->wants_json)
			return batch_page(rc, 200, id, NULL,
					  view_t(rc, N_("The import has been discarded. Nothing was changed.")));
		return view_redirect(rc, BASE "?hinweis=verworfen");
	}
	status = refusal(rc, err, &msg);
	if (!status)
		return register_store_failed(rc, "discarding a school import", err);
	return batch_page(rc, status, id, msg, NULL);
}

/* ---- Schulform labels ------------------------------------------------------ */

static int forms_page(req_ctx *rc, int status, json_t *errors, const char *notice)
{
	g_autoptr(GError) err = NULL;
	json_t *list = school_form_list(&rc->ctx, &err), *model, *x;
	g_autofree char *action = view_href(rc, "/register/schulformen");
	bool admin = perm_admin(rc);
	size_t i;

	if (!list)
		return register_store_failed(rc, "reading the school forms", err);
	json_array_foreach(list, i, x) {
		g_autofree char *input = g_strdup_printf("label_%s", register_jstr(x, "code"));
		g_autofree char *href = NULL;
		json_t *e;
		size_t j;
		json_object_set_new(x, "input", json_string(input));
		json_object_set_new(x, "error", json_string(""));
		/* The value just posted, when the form came back refused. */
		json_array_foreach(errors, j, e)
			if (!strcmp(register_jstr(e, "field"), input)) {
				json_object_set_new(x, "error", json_string(register_jstr(e, "message")));
				json_object_set_new(x, "region_label", json_string(register_jstr(e, "value")));
			}
		json_object_set_new(x, "has_error", json_boolean(*register_jstr(x, "error")));
	}
	model = json_pack("{s:o,s:b,s:s,s:s,s:o}", "forms", list, "editable", admin, "action", action,
			  "notice", register_nz(notice), "errors", errors ? json_incref(errors) : json_array());
	json_object_set_new(model, "has_errors", json_boolean(json_array_size(json_object_get(model, "errors")) > 0));
	return view_page_full(rc, status, "pages/register_school_forms",
			      view_t(rc, N_("School forms")), model, crumbs(rc, false));
}

static int forms_get(req_ctx *rc)
{
	return forms_page(rc, 200, NULL,
			  http_params_get(rc->req->query, "gespeichert")
				  ? view_t(rc, N_("The labels have been saved."))
				  : NULL);
}

static int forms_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = school_form_list(&rc->ctx, &err), *x, *errors;
	size_t i;
	int status;

	if (!list)
		return register_store_failed(rc, "reading the school forms", err);
	errors = json_array();
	json_array_foreach(list, i, x) {
		g_autofree char *input = g_strdup_printf("label_%s", register_jstr(x, "code"));
		const char *v = http_params_get(rc->req->form, input);
		g_autofree char *clean = NULL;
		if (!v)
			continue;
		clean = g_strstrip(g_strdup(v));
		if (!register_text_ok(clean, 0, 200))
			json_array_append_new(errors, json_pack("{s:s,s:s,s:s,s:s}", "field", input, "id",
								input, "message",
								view_t(rc, N_("A label has at most 200 characters.")),
								"value", g_utf8_validate(clean, -1, NULL) ? clean : ""));
	}
	if (json_array_size(errors)) {
		json_decref(list);
		status = forms_page(rc, 422, errors, NULL);
		json_decref(errors);
		return status;
	}
	json_decref(errors);
	if (db_begin(rc->ctx.db, &err) != DB_OK) {
		json_decref(list);
		return register_store_failed(rc, "saving the school forms", err);
	}
	json_array_foreach(list, i, x) {
		g_autofree char *input = g_strdup_printf("label_%s", register_jstr(x, "code"));
		const char *v = http_params_get(rc->req->form, input);
		g_autofree char *clean = v ? g_strstrip(g_strdup(v)) : NULL;
		/* The built-in label entered again is no label of the region's own. */
		if (!v || !strcmp(clean, register_jstr(x, "region_label")))
			continue;
		if (!strcmp(clean, register_jstr(x, "builtin_label")))
			clean[0] = '\0';
		if (school_form_set_label(&rc->ctx, register_jstr(x, "code"), clean, &err) < 0) {
			db_rollback(rc->ctx.db);
			json_decref(list);
			return register_store_failed(rc, "saving the school forms", err);
		}
	}
	json_decref(list);
	if (db_commit(rc->ctx.db, &err) != DB_OK)
		return register_store_failed(rc, "saving the school forms", err);
	log_info("request %s: school form labels saved by account %" G_GINT64_FORMAT,
		 rc->req->request_id, rc->ctx.user_id);
	if (rc->req->wants_json)
		return forms_page(rc, 200, NULL, view_t(rc, N_("The labels have been saved.")));
	return view_redirect(rc, "/register/schulformen?gespeichert=1");
}

/* ---- routes ------------------------------------------------------------- */

static const param_rule schools_params[] = {
	{.name = "hinweis", .kind = PARAM_ENUM, .choices = "schluessel|verworfen"},
	{0},
};
static const param_rule batch_params[] = {
	{.name = "hinweis", .kind = PARAM_ENUM, .choices = "uebernommen"},
	{0},
};
static const param_rule keys_params[] = {
	{.name = "school_keys", .kind = PARAM_STRING, .max_len = 4000},
	{0},
};
static const param_rule forms_params[] = {
	{.name = "gespeichert", .kind = PARAM_STRING, .max_len = 10},
	{0},
};

const route school_import_routes[] = {
	{HTTP_GET, BASE, "register.import.schools", perm_office, "office", schools_params,
	 schools_get, ROUTE_REGION, 0},
	{HTTP_POST, BASE, "register.import.schools.upload", perm_office, "office", NULL,
	 upload_post, ROUTE_REGION, SCHOOL_UPLOAD_MAX_BODY},
	{HTTP_POST, BASE "/schluessel", "register.import.schools.keys", perm_office, "office",
	 keys_params, keys_post, ROUTE_REGION, 64 * 1024},
	{HTTP_GET, BASE "/{id}", "register.import.schools.batch", perm_office, "office",
	 batch_params, batch_get, ROUTE_REGION, 0},
	{HTTP_POST, BASE "/{id}/uebernehmen", "register.import.schools.commit", perm_office,
	 "office", NULL, commit_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, BASE "/{id}/verwerfen", "register.import.schools.cancel", perm_office, "office",
	 NULL, cancel_post, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/register/schulformen", "register.school_forms", perm_office, "office",
	 forms_params, forms_get, ROUTE_REGION, 0},
	{HTTP_POST, "/register/schulformen", "register.school_forms.save", perm_admin, "admin", NULL,
	 forms_post, ROUTE_REGION, 256 * 1024},
	{0},
};
