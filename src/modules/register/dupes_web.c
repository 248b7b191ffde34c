/*
 * dupes_web.c — the pages of likely duplicates and of merging (dupes_web.h).
 *
 * The list is computed on every request from the region's rows
 * (register_dupes.h) and paged in memory. The merge page shows both records
 * side by side: a field where they differ is a group of two radio buttons
 * (take_<field> = "keep" or "other"), preset to the kept value, or to the
 * other's when the kept one is empty; fields that are equal are listed
 * once. A refusal comes back as the page again: 422 for a value the store
 * refuses (next to its field) or a record merged with itself, 409 when the
 * pair cannot be merged (both linked to an account, an erased person).
 */
#include "modules/register/dupes_web.h"

#include <string.h>

#include "core/log.h"
#include "modules/account/perm.h"
#include "modules/register/person_web.h"
#include "modules/register/register.h"
#include "modules/register/register_dupes.h"
#include "modules/register/register_merge.h"
#include "modules/register/register_page.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

#define LIST_PATH "/register/dubletten"
#define PER_PAGE 50

static json_t *breadcrumb(const req_ctx *rc, bool with_list)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *list = view_href(rc, LIST_PATH);
	json_t *b = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (with_list)
		json_array_append_new(b, json_pack("{s:s,s:s}", "label",
						   view_t(rc, N_("Likely duplicates")), "href", list));
	return b;
}

/* "personen" / "institutionen" in paths, "person" / "institution" in the
 * stores. */
static const char *entity_of(const char *art)
{
	return !g_strcmp0(art, "institutionen") ? "institution" : "person";
}

static const char *art_of(const char *entity)
{
	return !g_strcmp0(entity, "institution") ? "institutionen" : "personen";
}

static const char *record_prefix(const char *entity)
{
	return !g_strcmp0(entity, "institution") ? "/register/institutionen/" : "/register/personen/";
}

static char *merge_href(const req_ctx *rc, const char *entity, int64_t keep, int64_t other)
{
	g_autofree char *path = g_strdup_printf(LIST_PATH "/%s/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
						art_of(entity), (gint64)keep, (gint64)other);
	return view_href(rc, path);
}

/* ---- the list ------------------------------------------------------------------ */

static void decorate_side(const req_ctx *rc, const char *entity, json_t *side)
{
	int64_t id = register_jint(side, "id");
	g_autofree char *href = register_href_id(rc, record_prefix(entity), id, "");
	bool person = !strcmp(entity, "person");
	g_autofree char *number = format_int(rc->req->lang, id);
	g_autofree char *number_label = view_tf(rc, N_("No. {n}"), "n", number, NULL);
	g_autofree char *place = NULL;

	json_object_set_new(side, "href", json_string(href));
	json_object_set_new(side, "label", json_string(person ? register_jstr(side, "display_name")
							      : register_jstr(side, "name")));
	json_object_set_new(side, "number_label", json_string(number_label));
	place = g_strstrip(g_strconcat(person ? "" : register_jstr(side, "postcode"), " ",
				       register_jstr(side, "city"), NULL));
	json_object_set_new(side, "place", json_string(place));
}

static json_t *pair_rows(req_ctx *rc, const char *entity, json_t *pairs, size_t from, size_t n)
{
	json_t *rows = json_array();
	g_autofree char *dismiss = view_href(rc, LIST_PATH "/keine-dublette");

	for (size_t i = from; i < from + n && i < json_array_size(pairs); i++) {
		json_t *p = json_array_get(pairs, i);
		json_t *a = json_object_get(p, "a"), *b = json_object_get(p, "b");
		json_t *why = json_array();
		g_autoptr(GString) why_text = g_string_new(NULL);
		size_t k;
		json_t *code;
		int64_t ia = register_jint(a, "id"), ib = register_jint(b, "id");

		decorate_side(rc, entity, a);
		decorate_side(rc, entity, b);
		json_array_foreach(json_object_get(p, "reasons"), k, code) {
			const char *c = json_string_value(code);
			const char *label = "";
			for (unsigned bit = 1; bit <= REGISTER_DUPE_NEAR_POSTCODE; bit <<= 1)
				if (!g_strcmp0(register_dupe_reason_code(bit), c))
					label = view_t(rc, register_dupe_reason_msgid(bit));
			json_array_append_new(why, json_pack("{s:s,s:s}", "code", c, "label", label));
			g_string_append_printf(why_text, "%s%s", why_text->len ? ", " : "", label);
		}
		g_autofree char *merge = merge_href(rc, entity, ia, ib);
		g_autofree char *ida = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)ia);
		g_autofree char *idb = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)ib);
		g_autofree char *pair_label = view_tf(rc, N_("{a} and {b}"), "a",
						      register_jstr(a, "label"), "b",
						      register_jstr(b, "label"), NULL);
		json_array_append_new(rows, json_pack(
			"{s:O,s:O,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "a", a, "b", b, "reasons", why,
			"reasons_label", why_text->str, "merge_href", merge, "dismiss_action", dismiss,
			"art", art_of(entity), "a_id", ida, "b_id", idb, "pair_label", pair_label));
	}
	return rows;
}

static int dupes_list(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *art = http_params_get(rc->req->query, "art");
	const char *entity = entity_of(art);
	bool person = !strcmp(entity, "person");
	list_page pg = list_page_from(rc, PER_PAGE);
	json_t *res = person ? register_dupes_people(&rc->ctx, &err)
			     : register_dupes_institutions(&rc->ctx, &err);

	if (!res)
		return register_store_failed(rc, "finding duplicates", err);
	json_t *pairs = json_object_get(res, "pairs");
	int64_t total = json_array_size(pairs);
	json_t *rows = pair_rows(rc, entity, pairs, (size_t)pg.offset, (size_t)pg.per_page);
	g_autofree char *n = format_int(rc->req->lang, total);
	g_autofree char *max = format_int(rc->req->lang, REGISTER_DUPES_MAX_PAIRS);
	g_autofree char *count = view_tf(rc, person ? (total == 1 ? N_("1 pair of people who may be the same person.")
								  : N_("{n} pairs of people who may be the same person."))
						    : (total == 1 ? N_("1 pair of institutions that may be the same institution.")
								  : N_("{n} pairs of institutions that may be the same institution.")),
					 "n", n, NULL);
	g_autofree char *capped = view_tf(rc, N_("Only the {max} most likely pairs are listed. Merge or mark some of them, and the next ones follow."),
					  "max", max, NULL);
	g_autofree char *people_href = view_href(rc, LIST_PATH);
	g_autofree char *inst_href = view_href(rc, LIST_PATH "?art=institutionen");
	const char *notice = "";
	if (http_params_get(rc->req->query, "verworfen"))
		notice = view_t(rc, N_("The pair has been marked as not a duplicate; it is no longer listed."));
	else if (http_params_get(rc->req->query, "zusammengefuehrt"))
		notice = view_t(rc, N_("The two records have been merged."));
	int64_t kept = register_query_id(rc, "behalten");
	g_autofree char *kept_href = kept > 0 ? register_href_id(rc, record_prefix(entity), kept, "")
					     : g_strdup("");
	json_t *tabs = json_pack("[{s:s,s:s,s:b,s:s},{s:s,s:s,s:b,s:s}]", "label",
				 view_t(rc, N_("People")), "href", people_href, "current", person,
				 "id", "dupes-tab-people", "label", view_t(rc, N_("Institutions")),
				 "href", inst_href, "current", !person, "id", "dupes-tab-institutions");

	json_t *model = json_pack(
		"{s:s,s:s,s:b,s:o,s:I,s:b,s:s,s:s,s:o,s:b,s:o,s:s,s:s,s:b}", "entity", entity, "art",
		art_of(entity), "people", person, "tabs", tabs, "total", (json_int_t)total, "capped",
		json_is_true(json_object_get(res, "capped")), "capped_label", capped, "count_label",
		count, "pairs", rows, "has_pairs", json_array_size(rows) > 0, "pagination",
		list_pagination_model(rc, LIST_PATH, total, pg), "notice", notice, "kept_href",
		kept_href, "has_kept", *kept_href != '\0');
	json_decref(res);
	return view_page_full(rc, 200, "pages/register_dupes", view_t(rc, N_("Likely duplicates")),
			      model, breadcrumb(rc, false));
}

static int dupes_dismiss(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *art = view_form_field(rc, "art");
	const char *entity = entity_of(art);
	int64_t a = g_ascii_strtoll(view_form_field(rc, "a"), NULL, 10);
	int64_t b = g_ascii_strtoll(view_form_field(rc, "b"), NULL, 10);

	if (a <= 0 || b <= 0)
		return 404;
	if (register_dupes_dismiss(&rc->ctx, entity, a, b, &err) < 0) {
		int status = register_store_failed(rc, "marking a pair as not a duplicate", err);
		if (status == 422 && rc->req->wants_json) {
			view_json(rc->resp, 422, json_pack("{s:[{s:s,s:s}]}", "errors", "field", "b",
							   "message", view_t(rc, register_error_msgid(err))));
			return 0;
		}
		return status;
	}
	log_info("request %s: %s %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
		 " marked as not a duplicate by account %" G_GINT64_FORMAT,
		 rc->req->request_id, entity, a, b, rc->ctx.user_id);
	if (rc->req->wants_json) {
		view_json(rc->resp, 200, json_pack("{s:s,s:I,s:I,s:b}", "entity", entity, "a",
						   (json_int_t)MIN(a, b), "b", (json_int_t)MAX(a, b),
						   "dismissed", true));
		return 0;
	}
	g_autofree char *to = g_strdup_printf(LIST_PATH "?art=%s&verworfen=1", art_of(entity));
	return view_redirect(rc, to);
}

/* ---- the merge page -------------------------------------------------------------- */

/* The store's field of a refused value as the merge form's field. */
static const char *form_field_of(const char *store_field)
{
	if (!g_strcmp0(store_field, "area_admin"))
		return "area_admin_id";
	if (!g_strcmp0(store_field, "area_social"))
		return "area_social_id";
	return store_field;
}

/* The readable value of a field of rec (a label for codes and ids). */
static char *value_label(const req_ctx *rc, json_t *rec, const char *field, const char *value)
{
	if (!*value)
		return g_strdup("");
	if (!strcmp(field, "address_form"))
		return g_strdup(person_address_form_label(rc, value));
	if (!strcmp(field, "preferred_channel"))
		return g_strdup(person_channel_label(rc, value));
	if (!strcmp(field, "legal_basis"))
		return g_strdup(person_legal_basis_label(rc, value));
	if (!strcmp(field, "type_id"))
		return g_strdup(register_jstr(rec, "type_name"));
	if (!strcmp(field, "school_form") && *register_jstr(rec, "school_form_label"))
		return g_strdup_printf("%s (%s)", register_jstr(rec, "school_form_label"), value);
	if (!strcmp(field, "legal_form") && *register_jstr(rec, "legal_form_label"))
		return g_strdup(register_jstr(rec, "legal_form_label"));
	if (!strcmp(field, "area_admin_id") || !strcmp(field, "area_social_id")) {
		int64_t id = g_ascii_strtoll(value, NULL, 10);
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(rec, "areas"), i, a)
			if (register_jint(a, "id") == id)
				return g_strdup(*register_jstr(a, "label") ? register_jstr(a, "label")
									   : register_jstr(a, "name"));
	}
	return g_strdup(value);
}

static const char *record_label(json_t *rec, const char *entity)
{
	return !strcmp(entity, "person") ? register_jstr(rec, "display_name")
					 : register_jstr(rec, "name");
}

/* The merge page for the preview (NULL: only an error to show, with a
 * minimal model), take the posted choices (or NULL), errors {field:
 * message} (or NULL), summary an error without field. */
static int merge_page(req_ctx *rc, int status, const char *entity, int64_t keep_id,
		      int64_t other_id, json_t *preview, json_t *take, json_t *errors,
		      const char *summary)
{
	json_t *model, *fields = json_array(), *same = json_array(), *refs = json_array(),
		       *summary_list = json_array();
	json_t *keep = json_object_get(preview, "keep"), *other = json_object_get(preview, "other");
	g_autofree char *action = merge_href(rc, entity, keep_id, other_id);
	g_autofree char *swap = merge_href(rc, entity, other_id, keep_id);
	g_autofree char *list = g_strdup_printf(LIST_PATH "?art=%s", art_of(entity));
	g_autofree char *cancel = view_href(rc, list);
	g_autofree char *keep_href = register_href_id(rc, record_prefix(entity), keep_id, "");
	g_autofree char *other_href = register_href_id(rc, record_prefix(entity), other_id, "");
	g_autofree char *nk = format_int(rc->req->lang, keep_id);
	g_autofree char *no = format_int(rc->req->lang, other_id);
	const char *blocked = json_string_value(json_object_get(preview, "blocked"));
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(preview, "fields"), i, f) {
		const char *name = register_jstr(f, "field");
		g_autofree char *kl = value_label(rc, keep, name, register_jstr(f, "keep"));
		g_autofree char *ol = value_label(rc, other, name, register_jstr(f, "other"));
		if (!json_is_true(json_object_get(f, "differ"))) {
			if (*kl)
				json_array_append_new(same, json_pack("{s:s,s:s}", "label",
								      register_field_label(rc, name), "value", kl));
			continue;
		}
		const char *t = take ? json_string_value(json_object_get(take, name)) : NULL;
		bool other_chosen = t ? !strcmp(t, "other") : !strcmp(register_jstr(f, "take"), "other");
		const char *error = errors ? json_string_value(json_object_get(errors, name)) : NULL;
		g_autofree char *id = g_strdup_printf("merge-take-%s", name);
		json_array_append_new(fields, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:s}", "field", name, "name",
			name, "id", id, "label", register_field_label(rc, name), "keep_value",
			register_jstr(f, "keep"), "other_value", register_jstr(f, "other"), "keep_label", kl,
			"other_label", ol, "keep_empty", !*kl, "other_empty", !*ol, "take_keep",
			!other_chosen, "take_other", other_chosen, "error", error ? error : ""));
		json_t *row = json_array_get(fields, json_array_size(fields) - 1);
		json_object_set_new(row, "take", json_string(other_chosen ? "other" : "keep"));
		json_object_set_new(row, "differ", json_true());
		if (error) {
			g_autofree char *anchor = g_strdup_printf("%s-keep", id);
			json_array_append_new(summary_list, json_pack("{s:s,s:s}", "field", anchor,
								      "message", error));
		}
	}
	if (summary)
		json_array_append_new(summary_list, json_pack("{s:s,s:s}", "field", "", "message",
							      summary));
	json_array_foreach(json_object_get(preview, "refs"), i, f) {
		int64_t k = register_jint(f, "keep"), o = register_jint(f, "other");
		g_autofree char *ks = format_int(rc->req->lang, k);
		g_autofree char *os = format_int(rc->req->lang, o);
		g_autofree char *ts = format_int(rc->req->lang, k + o);
		json_array_append_new(refs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "table",
						      register_jstr(f, "table"), "column",
						      register_jstr(f, "column"), "label",
						      view_t(rc, register_jstr(f, "what")), "keep_label",
						      ks, "other_label", os, "total_label", ts, "keep",
						      (json_int_t)k, "other", (json_int_t)o));
	}
	const char *keep_name = record_label(keep, entity), *other_name = record_label(other, entity);
	g_autofree char *intro = view_tf(rc, N_("{keep} (No. {keep_no}) is kept. {other} (No. {other_no}) is merged into it and then deleted: everything that refers to it moves to the kept record, and the change log records the merge."),
					 "keep", keep_name, "keep_no", nk, "other", other_name,
					 "other_no", no, NULL);
	g_autofree char *swap_label = view_tf(rc, N_("Keep {other} (No. {other_no}) instead"), "other",
					      other_name, "other_no", no, NULL);
	g_autofree char *keep_col = view_tf(rc, N_("Kept: No. {n}"), "n", nk, NULL);
	g_autofree char *other_col = view_tf(rc, N_("Merged: No. {n}"), "n", no, NULL);
	const char *title = view_t(rc, !strcmp(entity, "person") ? N_("Merge two people")
								  : N_("Merge two institutions"));
	model = json_pack(
		"{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:o,s:b,"
		"s:o,s:s,s:b,s:b,s:o}",
		"title", title, "entity", entity, "art", art_of(entity), "keep_id",
		(json_int_t)keep_id, "other_id", (json_int_t)other_id, "keep_name", keep_name,
		"other_name", other_name, "keep_href", keep_href, "other_href", other_href, "action",
		action, "swap_href", swap, "swap_label", swap_label, "cancel_href", cancel, "intro",
		intro, "keep_column", keep_col, "fields", fields, "has_fields",
		json_array_size(fields) > 0, "same", same, "has_same", json_array_size(same) > 0,
		"refs", refs, "blocked", blocked ? view_t(rc, blocked) : "", "is_blocked",
		blocked != NULL, "has_errors", json_array_size(summary_list) > 0, "errors",
		summary_list);
	json_object_set_new(model, "other_column", json_string(other_col));
	json_object_set(model, "keep", keep);
	json_object_set(model, "other", other);
	return view_page_full(rc, status, "pages/register_merge", title, model, breadcrumb(rc, true));
}

/* A page with only the refusal (the pair cannot be shown: itself). */
static int refusal_page(req_ctx *rc, int status, const char *message)
{
	g_autofree char *list = view_href(rc, LIST_PATH);
	json_t *model = json_pack("{s:s,s:s,s:b,s:[{s:s,s:s}]}", "message", message, "back_href",
				  list, "has_errors", true, "errors", "field", "", "message", message);
	return view_page_full(rc, status, "pages/register_merge_refused",
			      view_t(rc, N_("These records cannot be merged")), model,
			      breadcrumb(rc, true));
}

/* The failed preview or merge as a status and page. */
static int merge_failed(req_ctx *rc, const GError *err, const char *what)
{
	if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID) ||
	    g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE)) {
		int status = g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE) ? 409 : 422;
		int r = refusal_page(rc, status, view_t(rc, register_error_msgid(err)));
		return r ? r : 0;
	}
	return register_store_failed(rc, what, err);
}

static int merge_get(req_ctx *rc, const char *entity)
{
	g_autoptr(GError) err = NULL;
	int64_t a = register_path_id(rc, "a"), b = register_path_id(rc, "b");
	json_t *preview;
	int r;

	if (!a || !b)
		return 404;
	preview = register_merge_preview(&rc->ctx, entity, a, b, &err);
	if (!preview)
		return merge_failed(rc, err, "reading a pair to merge");
	r = merge_page(rc, 200, entity, a, b, preview, NULL, NULL, NULL);
	json_decref(preview);
	return r;
}

static int merge_post(req_ctx *rc, const char *entity)
{
	g_autoptr(GError) err = NULL;
	int64_t a = register_path_id(rc, "a"), b = register_path_id(rc, "b");
	bool person = !strcmp(entity, "person");
	const char *const *fields = person ? register_merge_person_fields
					   : register_merge_institution_fields;
	json_t *take;
	int rc_merge, r;

	if (!a || !b)
		return 404;
	take = json_object();
	for (size_t i = 0; fields[i]; i++) {
		const char *v = http_params_get(rc->req->form, fields[i]);
		if (!v || !*v)
			continue;
		if (strcmp(v, "keep") && strcmp(v, "other")) {
			json_decref(take);
			rc->error_field = fields[i];
			return 400;
		}
		json_object_set_new(take, fields[i], json_string(v));
	}
	rc_merge = person ? register_merge_person(&rc->ctx, a, b, take, &err)
			  : register_merge_institution(&rc->ctx, a, b, take, &err);
	if (rc_merge == 0) {
		json_decref(take);
		log_info("request %s: %s %" G_GINT64_FORMAT " merged into %" G_GINT64_FORMAT
			 " by account %" G_GINT64_FORMAT,
			 rc->req->request_id, entity, b, a, rc->ctx.user_id);
		if (rc->req->wants_json) {
			view_json(rc->resp, 200, json_pack("{s:s,s:I,s:I,s:b}", "entity", entity, "id",
							   (json_int_t)a, "merged_id", (json_int_t)b,
							   "merged", true));
			return 0;
		}
		g_autofree char *to = g_strdup_printf(LIST_PATH "?art=%s&zusammengefuehrt=1&behalten=%"
						      G_GINT64_FORMAT, art_of(entity), (gint64)a);
		return view_redirect(rc, to);
	}
	/* A value the store refuses goes next to its field: the page again. */
	g_autofree char *field = register_error_field(err);
	if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID) && *field &&
	    strcmp(field, "other_id")) {
		g_autoptr(GError) perr = NULL;
		json_t *preview = register_merge_preview(&rc->ctx, entity, a, b, &perr);
		if (!preview) {
			json_decref(take);
			return merge_failed(rc, perr, "reading a pair to merge");
		}
		json_t *errors = json_pack("{s:s}", form_field_of(field),
					   view_t(rc, register_error_msgid(err)));
		/* a field both records agree on has no choice to put it next
		 * to: then it goes to the summary */
		bool shown = false;
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(preview, "fields"), i, f)
			if (!strcmp(register_jstr(f, "field"), form_field_of(field)) &&
			    json_is_true(json_object_get(f, "differ")))
				shown = true;
		g_autofree char *summary = shown ? NULL
						 : g_strdup_printf("%s: %s", register_field_label(rc, form_field_of(field)),
								   view_t(rc, register_error_msgid(err)));
		r = merge_page(rc, 422, entity, a, b, preview, take, errors, summary);
		json_decref(errors);
		json_decref(preview);
		json_decref(take);
		return r;
	}
	json_decref(take);
	return merge_failed(rc, err, "merging two records");
}

static int person_merge_form(req_ctx *rc)
{
	return merge_get(rc, "person");
}

static int person_merge(req_ctx *rc)
{
	return merge_post(rc, "person");
}

static int institution_merge_form(req_ctx *rc)
{
	return merge_get(rc, "institution");
}

static int institution_merge(req_ctx *rc)
{
	return merge_post(rc, "institution");
}

/* ---- routes ---------------------------------------------------------------------- */

static const param_rule list_params[] = {
	{.name = "art", .kind = PARAM_ENUM, .choices = "|personen|institutionen"},
	{.name = "seite", .kind = PARAM_STRING, .max_len = 20},
	{.name = "verworfen", .kind = PARAM_ENUM, .choices = "1"},
	{.name = "zusammengefuehrt", .kind = PARAM_ENUM, .choices = "1"},
	{.name = "behalten", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

static const param_rule dismiss_params[] = {
	{.name = "art", .kind = PARAM_ENUM, .required = true, .choices = "personen|institutionen"},
	{.name = "a", .kind = PARAM_INT, .required = true, .min = 1, .max = INT64_MAX},
	{.name = "b", .kind = PARAM_INT, .required = true, .min = 1, .max = INT64_MAX},
	{0},
};

#define FORM_BODY (64 * 1024)

const route dupes_routes[] = {
	{HTTP_GET, LIST_PATH, "register.dupes.list", perm_office, "office", list_params, dupes_list,
	 ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/keine-dublette", "register.dupes.dismiss", perm_office, "office",
	 dismiss_params, dupes_dismiss, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, LIST_PATH "/personen/{a}/{b}", "register.dupes.person.merge_form", perm_office,
	 "office", NULL, person_merge_form, ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/personen/{a}/{b}", "register.dupes.person.merge", perm_office,
	 "office", NULL, person_merge, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, LIST_PATH "/institutionen/{a}/{b}", "register.dupes.institution.merge_form",
	 perm_office, "office", NULL, institution_merge_form, ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/institutionen/{a}/{b}", "register.dupes.institution.merge",
	 perm_office, "office", NULL, institution_merge, ROUTE_REGION, FORM_BODY},
	{0},
};
