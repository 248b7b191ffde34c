/*
 * import_web.c — the office's pages of the generic import (import_web.h).
 *
 * A batch goes upload → mapping → preview → commit. The upload reads the
 * file once (bad files are refused with the reader's reason and line) and
 * keeps it in the batch; the mapping step offers the file's columns for
 * each field of the register, proposed from the header names or from a
 * saved mapping; the preview is the import's own plan (nothing written).
 * The commit writes everything or nothing: in the request for up to
 * REGISTER_IMPORT_SYNC_MAX rows, else through the job "register.import",
 * whose progress the batch page shows (register_import.h says how).
 */
#include "modules/register/import_web.h"

#include <string.h>

#include "core/log.h"
#include "core/tabular.h"
#include "core/util.h"
#include "db/db.h"
#include "files/file_store.h"
#include "jobs/job.h"
#include "modules/account/perm.h"
#include "modules/register/import_store.h"
#include "modules/register/register.h"
#include "modules/register/register_import.h"
#include "modules/register/register_page.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"

/* jansson has no g_autoptr support; this file's own. */
#include "view/view.h"

#define BASE "/register/import"
#define UPLOAD_BODY (REGISTER_IMPORT_MAX_BYTES + 1024 * 1024)
#define FORM_BODY (64 * 1024)

/* ---- labels ------------------------------------------------------------- */

static const char *kind_label(const req_ctx *rc, const char *kind)
{
	if (!g_strcmp0(kind, "people"))
		return view_t(rc, N_("People"));
	if (!g_strcmp0(kind, "institutions"))
		return view_t(rc, N_("Institutions"));
	return view_t(rc, N_("School directory"));
}

static const char *state_label(const req_ctx *rc, const char *state)
{
	if (!g_strcmp0(state, "preview"))
		return view_t(rc, N_("Preview"));
	if (!g_strcmp0(state, "queued"))
		return view_t(rc, N_("Waiting"));
	if (!g_strcmp0(state, "running"))
		return view_t(rc, N_("Running"));
	if (!g_strcmp0(state, "done"))
		return view_t(rc, N_("Imported"));
	if (!g_strcmp0(state, "failed"))
		return view_t(rc, N_("Failed"));
	return view_t(rc, N_("Discarded"));
}

static const char *art_of(const char *kind)
{
	return !g_strcmp0(kind, "institutions") ? "institutionen" : "personen";
}

static const char *kind_of_art(const char *art)
{
	if (!g_strcmp0(art, "personen"))
		return "people";
	if (!g_strcmp0(art, "institutionen"))
		return "institutions";
	return NULL;
}

static json_t *breadcrumb(const req_ctx *rc, bool with_overview)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *imp = view_href(rc, BASE);
	json_t *b = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (with_overview)
		json_array_append_new(b, json_pack("{s:s,s:s}", "label",
						   view_t(rc, N_("Imports")), "href", imp));
	return b;
}

static char *num(const req_ctx *rc, int64_t n)
{
	return format_int(rc->req->lang, n);
}

/* A rejected row's reason in the request's language. */
static char *reason_text(const req_ctx *rc, json_t *r)
{
	return view_tf(rc, register_jstr(r, "reason"), "arg", register_jstr(r, "arg"), NULL);
}

static const char *field_label(const req_ctx *rc, const char *kind, const char *field)
{
	size_t n;
	const register_import_field *f = register_import_fields(kind, &n);

	for (size_t i = 0; f && i < n; i++)
		if (!strcmp(f[i].name, field))
			return view_t(rc, f[i].label);
	if (!strcmp(field, "rows"))
		return view_t(rc, N_("File"));
	return field;
}

/* ---- overview ------------------------------------------------------------ */

static const param_rule overview_params[] = {
	{"hinweis", PARAM_ENUM, false, 0, 0, 0, "verworfen|zuordnung-geloescht"},
	{0},
};

static json_t *batch_row(req_ctx *rc, json_t *b)
{
	const char *kind = register_jstr(b, "kind");
	int64_t id = register_jint(b, "id");
	g_autofree char *href = register_href_id(rc, !strcmp(kind, "schools") ? BASE "/schulen/"
									     : BASE "/",
						 id, NULL);
	g_autofree char *when = view_datetime(rc, register_jstr(b, "created_at"));
	json_t *report = json_object_get(b, "report");
	g_autofree char *rows = num(rc, register_jint(b, "rows_total"));
	g_autofree char *n_new = num(rc, register_jint(report, "new"));
	g_autofree char *n_changed = num(rc, register_jint(report, "changed"));
	int64_t rej = json_is_array(json_object_get(report, "rejected"))
			      ? (int64_t)json_array_size(json_object_get(report, "rejected"))
			      : register_jint(report, "rejected");
	g_autofree char *n_rej = num(rc, rej);
	g_autofree char *counts = view_tf(rc, N_("{rows} rows: {new} new, {changed} changed, {rejected} rejected"),
					  "rows", rows, "new", n_new, "changed", n_changed,
					  "rejected", n_rej, NULL);

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id, "kind",
			 kind, "kind_label", kind_label(rc, kind), "file_name",
			 register_jstr(b, "file_name"), "state", register_jstr(b, "state"),
			 "state_label", state_label(rc, register_jstr(b, "state")), "counts_label",
			 counts, "created_by_name", register_jstr(b, "created_by_name"),
			 "created_label", when, "href", href);
}

static int overview(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *list = import_batch_list(&rc->ctx, NULL, 100, 0, &err);
	json_t *batches = json_array(), *mappings = json_array(), *b, *model;
	const char *hint = http_params_get(rc->req->query, "hinweis");
	const char *notice = "";
	size_t i;

	if (!list) {
		json_decref(batches);
		json_decref(mappings);
		return register_store_failed(rc, "listing imports", err);
	}
	json_array_foreach(json_object_get(list, "rows"), i, b)
		json_array_append_new(batches, batch_row(rc, b));
	json_decref(list);
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "institutions" : "people";
		json_t *ms = import_mapping_list(&rc->ctx, kind, &err), *m;
		if (!ms) {
			json_decref(batches);
			json_decref(mappings);
			return register_store_failed(rc, "listing mappings", err);
		}
		json_array_foreach(ms, i, m) {
			g_autofree char *del = register_href_id(rc, BASE "/zuordnungen/",
								register_jint(m, "id"), "/loeschen");
			g_autofree char *when = view_datetime(rc, register_jstr(m, "updated_at"));
			g_autofree char *label = view_tf(rc, N_("Delete the mapping {name}"), "name",
							 register_jstr(m, "name"), NULL);
			json_array_append_new(mappings,
				json_pack("{s:I,s:s,s:s,s:s,s:O,s:s,s:s,s:s}", "id",
					  (json_int_t)register_jint(m, "id"), "name",
					  register_jstr(m, "name"), "kind", kind, "kind_label",
					  kind_label(rc, kind), "mapping", json_object_get(m, "mapping"),
					  "updated_label", when, "delete_action", del, "delete_label",
					  label));
		}
		json_decref(ms);
	}
	if (!g_strcmp0(hint, "verworfen"))
		notice = view_t(rc, N_("The import has been discarded. Nothing was imported."));
	else if (!g_strcmp0(hint, "zuordnung-geloescht"))
		notice = view_t(rc, N_("The saved mapping has been deleted."));
	{
		g_autofree char *people = view_href(rc, BASE "/neu?art=personen");
		g_autofree char *inst = view_href(rc, BASE "/neu?art=institutionen");
		g_autofree char *schools = view_href(rc, BASE "/schulen");
		model = json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:b,s:o}", "notice", notice,
				  "people_href", people, "institutions_href", inst, "schools_href",
				  schools, "has_batches", json_array_size(batches) > 0, "batches",
				  batches, "has_mappings", json_array_size(mappings) > 0, "mappings",
				  mappings);
	}
	return view_page_full(rc, 200, "pages/register_import", view_t(rc, N_("Imports")), model,
			      breadcrumb(rc, false));
}

/* ---- upload --------------------------------------------------------------- */

static const param_rule new_params[] = {
	{"art", PARAM_ENUM, false, 0, 0, 0, "personen|institutionen"},
	{0},
};

/* art_error: the form came without a valid kind (a hand-made or
 * truncated request); the page then lets the user choose it. */
static int upload_page_full(req_ctx *rc, int status, const char *kind, const char *error,
			    const char *art_error)
{
	g_autofree char *action = view_href(rc, BASE "/neu");
	g_autofree char *cancel = view_href(rc, BASE);
	g_autofree char *limit_n = num(rc, (int64_t)(REGISTER_IMPORT_MAX_BYTES / (1024 * 1024)));
	g_autofree char *limit = view_tf(rc, N_("A CSV file (separated by semicolons, commas or tabs; UTF-8 or Windows-1252) or an Excel file (XLSX), at most {size} MB. The first row holds the column names."),
					 "size", limit_n, NULL);
	g_autofree char *sync = num(rc, REGISTER_IMPORT_SYNC_MAX);
	g_autofree char *jobnote = view_tf(rc, N_("Files of more than {n} rows are imported in the background; the page shows the progress."),
					   "n", sync, NULL);
	const char *title = !strcmp(kind, "people") ? view_t(rc, N_("Import people"))
						    : view_t(rc, N_("Import institutions"));
	json_t *errors = json_array();
	json_t *model;

	if (art_error) {
		title = view_t(rc, N_("Import people or institutions"));
		json_array_append_new(errors, json_pack("{s:s,s:s}", "field", "art", "message",
							art_error));
	}
	if (error)
		json_array_append_new(errors, json_pack("{s:s,s:s}", "field", "import-file",
							"message", error));
	model = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:b,s:s}", "title", title,
			  "kind", kind, "art", art_of(kind), "action", action, "cancel_href", cancel,
			  "hint", limit, "job_note", jobnote, "file_error", error ? error : "",
			  "has_errors", error != NULL || art_error != NULL, "errors", errors,
			  "choose_art", art_error != NULL, "art_error", art_error ? art_error : "");
	return view_page_full(rc, status, "pages/register_import_new", title, model,
			      breadcrumb(rc, true));
}

static int upload_page(req_ctx *rc, int status, const char *kind, const char *error)
{
	return upload_page_full(rc, status, kind, error, NULL);
}

static int upload_form(req_ctx *rc)
{
	const char *kind = kind_of_art(http_params_get(rc->req->query, "art"));
	return upload_page(rc, 200, kind ? kind : "people", NULL);
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
	const char *kind = kind_of_art(view_form_field(rc, "art"));
	const http_upload *up = find_upload(rc, "file");
	tabular t = {0};
	const void *data = NULL;
	gsize len = 0;
	int64_t id, rows = 0;
	json_t *mapping;

	if (up)
		data = g_bytes_get_data(up->data, &len);
	if (!kind)
		return upload_page_full(rc, 422, "people",
					!up || len == 0 ? view_t(rc, N_("Please choose a CSV or XLSX file."))
							: NULL,
					view_t(rc, N_("Please choose what the file holds: people or institutions.")));
	if (!up || len == 0)
		return upload_page(rc, 422, kind, view_t(rc, N_("Please choose a CSV or XLSX file.")));
	if (len > REGISTER_IMPORT_MAX_BYTES) {
		g_autofree char *limit = num(rc, (int64_t)(REGISTER_IMPORT_MAX_BYTES / (1024 * 1024)));
		g_autofree char *msg = view_tf(rc, N_("The file is too large: at most {size} MB."),
					       "size", limit, NULL);
		return upload_page(rc, 422, kind, msg);
	}
	if (register_import_read(data, len, &t, &err) < 0) {
		g_autofree char *msg = tabular_error_message(err);
		log_info("request %s: import file refused: %s", rc->req->request_id, err->message);
		return upload_page(rc, 422, kind, msg);
	}
	for (guint i = 1; i < t.table->records->len; i++) {
		const csv_record *r = g_ptr_array_index(t.table->records, i);
		bool any = false;
		for (size_t k = 0; k < r->n && !any; k++)
			for (const char *p = r->fields[k]; *p && !any; p++)
				any = !g_ascii_isspace(*p);
		rows += any;
	}
	mapping = register_import_propose(kind, t.table);
	{
		import_batch_input in = {
			.kind = kind,
			.file_name = up->filename,
			.format = t.format == TABULAR_XLSX ? "xlsx" : "csv",
			.encoding = t.encoding,
			.data = data,
			.len = len,
			.rows_total = rows,
			.mapping = mapping,
			.report = NULL,
		};
		id = import_batch_create(&rc->ctx, &in, &err);
	}
	json_decref(mapping);
	tabular_clear(&t);
	if (id < 0) {
		if (err->domain == BIREG_FILE_ERROR)
			return upload_page(rc, 422, kind, view_t(rc, N_("The file cannot be stored. Please check its size and upload it again.")));
		return register_store_failed(rc, "storing an import", err);
	}
	log_info("request %s: import %" G_GINT64_FORMAT " (%s, %" G_GINT64_FORMAT " rows) uploaded by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, kind, rows, rc->ctx.user_id);
	{
		g_autofree char *to = g_strdup_printf(BASE "/%" G_GINT64_FORMAT, id);
		return view_redirect(rc, to);
	}
}

/* ---- the batch page ------------------------------------------------------- */

static form_field people_map_fields[17];
static form_field institution_map_fields[17];

/* The form of the mapping step: one select per field, built once per
 * kind from register_import_fields() (static tables, filled on first use
 * under a GOnce, read-only afterwards). */
static gpointer build_map_fields(gpointer data)
{
	const char *kind = data;
	form_field *out = !strcmp(kind, "people") ? people_map_fields : institution_map_fields;
	size_t n;
	const register_import_field *f = register_import_fields(kind, &n);

	for (size_t i = 0; i < n; i++)
		out[i] = (form_field){.name = f[i].name, .label = f[i].label, .kind = FORM_SELECT,
				      .required = f[i].required, .hint = NULL};
	out[n] = (form_field){.name = "mapping_name", .label = N_("Save this mapping as"),
			      .hint = N_("Optional: a name, so that the mapping can be chosen again for the next file."),
			      .kind = FORM_TEXT, .max_chars = 100};
	return GSIZE_TO_POINTER(n + 1);
}

static form *map_form_new(req_ctx *rc, const char *kind, json_t *headers)
{
	static GOnce once_people = G_ONCE_INIT, once_inst = G_ONCE_INIT;
	bool people = !strcmp(kind, "people");
	size_t n = GPOINTER_TO_SIZE(g_once(people ? &once_people : &once_inst, build_map_fields,
					   (gpointer)(people ? "people" : "institutions")));
	form *f = form_new(people ? people_map_fields : institution_map_fields, n, "importmap");
	size_t nf;
	const register_import_field *fields = register_import_fields(kind, &nf);
	size_t i;
	json_t *h;

	for (size_t k = 0; k < nf; k++) {
		form_add_option(f, fields[k].name, "", view_t(rc, N_("(do not import)")));
		json_array_foreach(headers, i, h)
			if (*json_string_value(h))
				form_add_option(f, fields[k].name, json_string_value(h),
						json_string_value(h));
	}
	return f;
}

/* The file of the batch read again (it was read at the upload). */
static int batch_table(req_ctx *rc, int64_t id, tabular *t, GError **err)
{
	g_autoptr(GBytes) bytes = import_batch_file(&rc->ctx, id, err);
	const void *data;
	gsize len;

	if (!bytes)
		return -1;
	data = g_bytes_get_data(bytes, &len);
	return register_import_read(data, len, t, err);
}

static void decorate_report(req_ctx *rc, const char *kind, json_t *report)
{
	size_t i, k;
	json_t *r;
	size_t nf;
	const register_import_field *fields = register_import_fields(kind, &nf);

	json_array_foreach(json_object_get(report, "rejected"), i, r) {
		g_autofree char *msg = reason_text(rc, r);
		g_autofree char *line = num(rc, register_jint(r, "line"));
		json_object_set_new(r, "message", json_string(msg));
		json_object_set_new(r, "line_label", json_string(line));
		json_object_set_new(r, "field_label",
				    json_string(field_label(rc, kind, register_jstr(r, "field"))));
	}
	json_array_foreach(json_object_get(report, "preview"), i, r) {
		json_t *cells = json_array();
		const char *action = register_jstr(r, "action");
		json_t *values = json_object_get(r, "values");
		for (k = 0; k < nf; k++) {
			json_t *v = json_object_get(values, fields[k].name);
			if (json_object_get(report, "columns_shown") &&
			    !json_object_get(json_object_get(report, "columns_shown"), fields[k].name))
				continue;
			json_array_append_new(cells, json_pack("{s:s}", "value",
							       v ? json_string_value(v) : ""));
		}
		json_object_set_new(r, "cells", cells);
		json_object_set_new(r, "action_label",
			json_string(!strcmp(action, "new") ? view_t(rc, N_("new"))
				    : !strcmp(action, "update") ? view_t(rc, N_("changed"))
				    : !strcmp(action, "unchanged") ? view_t(rc, N_("unchanged"))
				    : view_t(rc, N_("rejected"))));
	}
}

/* The columns of the preview table: the mapped fields. */
static json_t *preview_columns(req_ctx *rc, const char *kind, json_t *mapping, json_t *report)
{
	size_t nf;
	const register_import_field *fields = register_import_fields(kind, &nf);
	json_t *cols = json_array(), *shown = json_object();

	for (size_t k = 0; k < nf; k++) {
		json_t *m = json_object_get(mapping, fields[k].name);
		if (!json_is_string(m) || !*json_string_value(m))
			continue;
		json_array_append_new(cols, json_pack("{s:s,s:s}", "name", fields[k].name, "label",
						      view_t(rc, fields[k].label)));
		json_object_set_new(shown, fields[k].name, json_true());
	}
	json_object_set_new(report, "columns_shown", shown);
	return cols;
}

/* Links to the created and changed records of a done batch. */
static json_t *record_links(req_ctx *rc, const char *kind, json_t *ids)
{
	json_t *out = json_array(), *v;
	size_t i;
	const char *prefix = !strcmp(kind, "people") ? "/register/personen/"
						     : "/register/institutionen/";

	json_array_foreach(ids, i, v) {
		g_autofree char *href = register_href_id(rc, prefix, json_integer_value(v), NULL);
		g_autofree char *label = g_strdup_printf("Nr. %" JSON_INTEGER_FORMAT,
							 json_integer_value(v));
		json_array_append_new(out, json_pack("{s:s,s:s}", "href", href, "label", label));
	}
	return out;
}

static int batch_page(req_ctx *rc, int64_t id, int status, form *mapf, const char *notice,
		      bool force_mapping)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) own = NULL;
	json_t *b = import_batch_get(&rc->ctx, id, &err);
	json_t *report, *model, *mapping, *headers = NULL, *saved = json_array();
	const char *kind, *state;
	bool is_mapping, is_preview, is_progress, has_report;
	int64_t rows_done, rows_total;
	g_autofree char *title = NULL;

	if (!b) {
		json_decref(saved);
		return register_store_failed(rc, "reading an import", err);
	}
	kind = register_jstr(b, "kind");
	if (!register_import_kind_valid(kind)) {
		json_decref(b);
		json_decref(saved);
		return 404; /* school batches have their own pages */
	}
	state = register_jstr(b, "state");
	report = json_object_get(b, "report");
	mapping = json_object_get(b, "mapping");
	has_report = json_object_get(report, "rows") != NULL;
	is_mapping = !strcmp(state, "preview") && (!has_report || force_mapping || mapf);
	is_preview = !strcmp(state, "preview") && !is_mapping;
	is_progress = !strcmp(state, "queued") || !strcmp(state, "running");
	rows_total = register_jint(b, "rows_total");
	rows_done = register_jint(b, "rows_done");
	if (is_progress) {
		int64_t mine = register_import_progress(id);
		if (mine > rows_done)
			rows_done = mine;
		if (mine >= 0 && !strcmp(state, "queued"))
			state = "running";
	}

	if (is_mapping) {
		tabular t = {0};
		int64_t tmpl = register_query_id(rc, "vorlage");
		json_t *ms, *m;
		size_t i;

		if (batch_table(rc, id, &t, &err) < 0) {
			json_decref(b);
			json_decref(saved);
			if (err->domain == BIREG_TABULAR_ERROR || err->domain == BIREG_CSV_ERROR)
				return 404;
			return register_store_failed(rc, "reading an import's file", err);
		}
		headers = register_import_headers(t.table);
		tabular_clear(&t);
		if (!mapf) {
			json_t *use = mapping;
			g_autoptr(json_t) chosen = NULL;
			if (tmpl > 0) {
				chosen = import_mapping_get(&rc->ctx, tmpl, NULL);
				if (chosen && !strcmp(register_jstr(chosen, "kind"), kind))
					use = json_object_get(chosen, "mapping");
			}
			own = map_form_new(rc, kind, headers);
			form_set_json(own, use);
			form_set(own, "mapping_name", "");
			mapf = own;
		}
		ms = import_mapping_list(&rc->ctx, kind, &err);
		if (!ms) {
			json_decref(b);
			json_decref(saved);
			json_decref(headers);
			return register_store_failed(rc, "listing mappings", err);
		}
		json_array_foreach(ms, i, m) {
			g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT,
							     (gint64)register_jint(m, "id"));
			json_array_append_new(saved, register_option(v, register_jstr(m, "name"),
								     register_jint(m, "id") == tmpl));
		}
		json_decref(ms);
	}

	{
		g_autofree char *self = register_href_id(rc, BASE "/", id, NULL);
		g_autofree char *map_action = register_href_id(rc, BASE "/", id, "/zuordnung");
		g_autofree char *commit_action = register_href_id(rc, BASE "/", id, "/uebernehmen");
		g_autofree char *cancel_action = register_href_id(rc, BASE "/", id, "/verwerfen");
		g_autofree char *remap = register_href_id(rc, BASE "/", id, "?zuordnung=1");
		g_autofree char *overview_href = view_href(rc, BASE);
		g_autofree char *when = view_datetime(rc, register_jstr(b, "created_at"));
		g_autofree char *rows_label = num(rc, rows_total);
		g_autofree char *done_label = num(rc, rows_done);
		g_autofree char *progress_text = view_tf(rc, N_("{done} of {total} rows written"),
							 "done", done_label, "total", rows_label,
							 NULL);
		g_autofree char *n_new = num(rc, register_jint(report, "new"));
		g_autofree char *n_changed = num(rc, register_jint(report, "changed"));
		g_autofree char *n_unchanged = num(rc, register_jint(report, "unchanged"));
		g_autofree char *n_rej = num(rc, (int64_t)json_array_size(json_object_get(report, "rejected")));
		g_autofree char *n_aff = num(rc, register_jint(report, "affiliations"));
		bool large = rows_total > REGISTER_IMPORT_SYNC_MAX;
		int64_t rejected = (int64_t)json_array_size(json_object_get(report, "rejected"));
		json_t *columns = preview_columns(rc, kind, mapping, report);
		json_t *fm = mapf ? form_model(mapf, rc) : json_null();
		json_t *errors = mapf ? json_incref(json_object_get(fm, "errors")) : json_array();

		decorate_report(rc, kind, report);
		g_autofree char *id_text = g_strdup_printf("%" G_GINT64_FORMAT, id);
		title = view_tf(rc, N_("Import no. {id}: {file}"), "id", id_text, "file",
				register_jstr(b, "file_name"), NULL);
		model = json_pack("{s:O,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "batch", b, "kind_label",
				  kind_label(rc, kind), "state_label", state_label(rc, state),
				  "format_label",
				  !strcmp(register_jstr(b, "format"), "xlsx") ? "Excel (XLSX)" : "CSV",
				  "encoding_label",
				  !strcmp(register_jstr(b, "encoding"), "windows-1252") ? "Windows-1252"
											 : "UTF-8",
				  "created_label", when, "self_href", self, "overview_href",
				  overview_href);
		json_object_update_new(model, json_pack(
			"{s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:b}",
			"is_mapping", is_mapping, "is_preview", is_preview, "is_progress", is_progress,
			"is_done", !strcmp(state, "done"), "is_failed", !strcmp(state, "failed"),
			"is_cancelled", !strcmp(state, "cancelled"), "map_action", map_action,
			"commit_action", commit_action, "cancel_action", cancel_action,
			"remap_href", remap, "notice", notice ? notice : "", "form", fm, "errors",
			errors, "saved_mappings", saved, "has_saved_mappings",
			json_array_size(saved) > 0));
		json_object_update_new(model, json_pack(
			"{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:o,s:b,s:s}",
			"rows_total", (json_int_t)rows_total, "rows_done", (json_int_t)rows_done,
			"rows_label", rows_label, "progress_text", progress_text, "new_label", n_new,
			"changed_label", n_changed, "unchanged_label", n_unchanged, "rejected_label",
			n_rej, "affiliations_label", n_aff, "is_people", !strcmp(kind, "people"),
			"has_rejected", rejected > 0, "can_commit", rejected == 0, "columns", columns,
			"large", large, "error_text",
			register_jstr(report, "error_kind")[0] == 'r'
				? view_t(rc, N_("Rows of the file were rejected: the register changed since the preview. Nothing was imported."))
				: view_t(rc, N_("The import failed. Nothing was imported. Please try again or ask the administrator."))));
		json_object_set_new(model, "heading", json_string(title));
		json_object_set_new(model, "headers", headers ? headers : json_array());
		json_object_set_new(model, "created_links",
				    record_links(rc, kind, json_object_get(report, "created")));
		json_object_set_new(model, "updated_links",
				    record_links(rc, kind, json_object_get(report, "updated")));
		json_object_set_new(model, "has_created",
				    json_boolean(json_array_size(json_object_get(report, "created")) > 0));
		json_object_set_new(model, "has_updated",
				    json_boolean(json_array_size(json_object_get(report, "updated")) > 0));
		json_object_set_new(model, "refresh", json_boolean(is_progress));
	}
	json_decref(b);
	return view_page_full(rc, status, "pages/register_import_batch", title, model,
			      breadcrumb(rc, true));
}

static const param_rule show_params[] = {
	{"vorlage", PARAM_INT, false, 1, G_MAXINT64, 0, NULL},
	{"zuordnung", PARAM_ENUM, false, 0, 0, 0, "1"},
	{0},
};

static int batch_show(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	bool remap = !g_strcmp0(http_params_get(rc->req->query, "zuordnung"), "1") ||
		     http_params_get(rc->req->query, "vorlage");
	return id ? batch_page(rc, id, 200, NULL, NULL, remap) : 404;
}

/* ---- mapping ------------------------------------------------------------ */

static int map_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = NULL;
	g_autoptr(json_t) b = NULL;
	g_autoptr(json_t) headers = NULL;
	g_autoptr(json_t) mapping = NULL;
	g_autoptr(json_t) report = NULL;
	tabular t = {0};
	int64_t id = register_path_id(rc, "id");
	const char *kind, *name;
	size_t nf;
	const register_import_field *fields;

	if (!id)
		return 404;
	b = import_batch_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading an import", err);
	kind = register_jstr(b, "kind");
	if (!register_import_kind_valid(kind))
		return 404;
	if (strcmp(register_jstr(b, "state"), "preview"))
		return 409;
	if (batch_table(rc, id, &t, &err) < 0)
		return register_store_failed(rc, "reading an import's file", err);
	headers = register_import_headers(t.table);
	f = map_form_new(rc, kind, headers);
	if (!form_read(f, rc)) {
		tabular_clear(&t);
		return batch_page(rc, id, 422, f, NULL, true);
	}
	mapping = json_object();
	fields = register_import_fields(kind, &nf);
	for (size_t i = 0; i < nf; i++)
		if (*form_value(f, fields[i].name))
			json_object_set_new(mapping, fields[i].name,
					    json_string(form_value(f, fields[i].name)));
	if (register_import_check_mapping(kind, t.table, mapping, &err) < 0) {
		tabular_clear(&t);
		if (!register_error_to_form(f, rc, err))
			return register_store_failed(rc, "checking a mapping", err);
		return batch_page(rc, id, 422, f, NULL, true);
	}
	if (db_begin(rc->ctx.db, &err) != DB_OK) {
		tabular_clear(&t);
		return register_store_failed(rc, "previewing an import", err);
	}
	report = register_import_preview(&rc->ctx, kind, t.table, mapping, &err);
	tabular_clear(&t);
	name = form_value(f, "mapping_name");
	if (!report || (*name && import_mapping_save(&rc->ctx, kind, name, mapping, &err) < 0) ||
	    import_batch_set_state(&rc->ctx, id, "preview", report, mapping, &err) < 0 ||
	    db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		if (register_error_to_form(f, rc, err))
			return batch_page(rc, id, 422, f, NULL, true);
		return register_store_failed(rc, "previewing an import", err);
	}
	{
		g_autofree char *to = g_strdup_printf(BASE "/%" G_GINT64_FORMAT, id);
		return view_redirect(rc, to);
	}
}

/* ---- commit and cancel ----------------------------------------------------- */

/* Moves batch id from "preview" to `to` inside the caller's transaction:
 * 1 when this request took it, 0 when another one did first (the state
 * read before the transaction is stale), -1 on error. A conditional UPDATE
 * rather than a re-read: on PostgreSQL a second request blocks on the row
 * until the first commits and then finds the state changed; on SQLite the
 * write lock orders them. */
static int claim_batch(req_ctx *rc, int64_t id, const char *to, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(rc->ctx.db,
		"UPDATE import_batch SET state = $3, updated_at = $4 "
		"WHERE region_id = $1 AND id = $2 AND state = 'preview'", err);
	char now[21];

	if (!st)
		return -1;
	util_now_iso(now);
	db_bind_int64(st, 1, rc->ctx.region_id);
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, to);
	db_bind_text(st, 4, now);
	if (db_run(st, err) != DB_OK)
		return -1;
	return db_changes(rc->ctx.db) == 1 ? 1 : 0;
}

static int commit_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) b = NULL;
	json_t *report, *rejected = NULL;
	int64_t id = register_path_id(rc, "id"), job_id = 0;
	json_t *r;
	bool sync;
	int claimed;

	if (!id)
		return 404;
	b = import_batch_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading an import", err);
	if (!register_import_kind_valid(register_jstr(b, "kind")))
		return 404;
	r = json_object_get(b, "report");
	if (strcmp(register_jstr(b, "state"), "preview") || !json_object_get(r, "rows"))
		return 409;
	if (json_array_size(json_object_get(r, "rejected")) > 0)
		return batch_page(rc, id, 422, NULL,
				  view_t(rc, N_("Rows of the file were rejected: nothing was imported. Please correct the file and upload it again.")),
				  false);
	sync = register_jint(b, "rows_total") <= REGISTER_IMPORT_SYNC_MAX;
	if (db_begin(rc->ctx.db, &err) != DB_OK)
		return register_store_failed(rc, "importing", err);
	claimed = claim_batch(rc, id, sync ? "running" : "queued", &err);
	if (claimed <= 0) {
		db_rollback(rc->ctx.db);
		if (claimed < 0)
			return register_store_failed(rc, "importing", err);
		log_info("request %s: import %" G_GINT64_FORMAT " was already committed or discarded",
			 rc->req->request_id, id);
		return 409;
	}
	if (sync) {
		report = register_import_commit_batch(&rc->ctx, id, NULL, NULL, &rejected, &err);
		if (!report || db_commit(rc->ctx.db, &err) != DB_OK) {
			db_rollback(rc->ctx.db);
			if (rejected) {
				/* The register changed since the preview: show the
				 * rows as they are now. */
				import_batch_set_state(&rc->ctx, id, "preview", rejected, NULL, NULL);
				json_decref(rejected);
				return batch_page(rc, id, 422, NULL,
						  view_t(rc, N_("Rows of the file were rejected: nothing was imported. Please correct the file and upload it again.")),
						  false);
			}
			return register_store_failed(rc, "importing", err);
		}
		log_info("request %s: import %" G_GINT64_FORMAT " committed by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, rc->ctx.user_id);
		json_decref(report);
	} else {
		g_autoptr(json_t) payload = json_pack("{s:I}", "batch_id", (json_int_t)id);
		g_autofree char *key = g_strdup_printf(REGISTER_IMPORT_JOB_KIND ":%" G_GINT64_FORMAT, id);
		if (job_enqueue(&rc->ctx, rc->ctx.region_id, REGISTER_IMPORT_JOB_KIND, payload, NULL,
				key, &job_id, &err) < 0 ||
		    import_batch_set_job(&rc->ctx, id, job_id, &err) < 0 ||
		    db_commit(rc->ctx.db, &err) != DB_OK) {
			db_rollback(rc->ctx.db);
			return register_store_failed(rc, "queueing an import", err);
		}
		log_info("request %s: import %" G_GINT64_FORMAT " queued as job %" G_GINT64_FORMAT,
			 rc->req->request_id, id, job_id);
	}
	{
		g_autofree char *to = g_strdup_printf(BASE "/%" G_GINT64_FORMAT, id);
		return view_redirect(rc, to);
	}
}

static int cancel_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) b = NULL;
	int64_t id = register_path_id(rc, "id");
	const char *state;

	if (!id)
		return 404;
	b = import_batch_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading an import", err);
	if (!register_import_kind_valid(register_jstr(b, "kind")))
		return 404;
	state = register_jstr(b, "state");
	if (strcmp(state, "preview") && strcmp(state, "queued"))
		return 409;
	if (db_begin(rc->ctx.db, &err) != DB_OK)
		return register_store_failed(rc, "discarding an import", err);
	if ((!strcmp(state, "queued") && register_jint(b, "job_id") > 0 &&
	     job_cancel(&rc->ctx, register_jint(b, "job_id"), &err) < 0) ||
	    import_batch_set_state(&rc->ctx, id, "cancelled", NULL, NULL, &err) < 0 ||
	    db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		if (err && err->domain == BIREG_REGISTER_ERROR)
			return 409; /* the job started meanwhile */
		return register_store_failed(rc, "discarding an import", err);
	}
	return view_redirect(rc, BASE "?hinweis=verworfen");
}

static int mapping_delete_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");

	if (!id)
		return 404;
	if (import_mapping_delete(&rc->ctx, id, &err) < 0)
		return register_store_failed(rc, "deleting a mapping", err);
	return view_redirect(rc, BASE "?hinweis=zuordnung-geloescht");
}

const route import_routes[] = {
	{HTTP_GET, BASE, "register.import.list", perm_office, "office", overview_params, overview,
	 ROUTE_REGION, 0},
	{HTTP_GET, BASE "/neu", "register.import.new", perm_office, "office", new_params,
	 upload_form, ROUTE_REGION, 0},
	{HTTP_POST, BASE "/neu", "register.import.upload", perm_office, "office", NULL,
	 upload_post, ROUTE_REGION, UPLOAD_BODY},
	{HTTP_GET, BASE "/{id}", "register.import.show", perm_office, "office", show_params,
	 batch_show, ROUTE_REGION, 0},
	{HTTP_POST, BASE "/{id}/zuordnung", "register.import.map", perm_office, "office", NULL,
	 map_post, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, BASE "/{id}/uebernehmen", "register.import.commit", perm_office, "office", NULL,
	 commit_post, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, BASE "/{id}/verwerfen", "register.import.cancel", perm_office, "office", NULL,
	 cancel_post, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, BASE "/zuordnungen/{id}/loeschen", "register.import.mapping.delete",
	 perm_office, "office", NULL, mapping_delete_post, ROUTE_REGION, FORM_BODY},
	{0},
};
