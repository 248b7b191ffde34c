/*
 * privacy_web.c — the data-protection pages of the register (privacy_web.h):
 *
 *   /register/personen/{id}/auskunft        what a person's Art. 15 export
 *                                           holds, with its downloads
 *   /register/personen/{id}/auskunft.json   the export as JSON
 *   /register/personen/{id}/auskunft.pdf    the export as a readable PDF
 *   /register/personen/{id}/loeschen-dsgvo  erasure (Art. 17), confirmed
 *   /register/datenschutz                   retention periods, last run,
 *                                           the data-protection officer
 *                                           (the office sees, admins edit)
 *   /register/datenschutz/verzeichnis       the Art. 30 record (.pdf, .json)
 *
 * Every download of a person's data is written to the change log (action
 * "export") before it leaves; a failed log write refuses the download.
 */
#include "modules/register/privacy_web.h"

#include <string.h>

#include "core/log.h"
#include "core/roles.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"
#include "modules/register/person_store.h"
#include "modules/register/person_web.h"
#include "modules/register/privacy.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "out/pdf.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

#define PEOPLE "/register/personen/"
#define PRIVACY_PATH "/register/datenschutz"

/* ---- labels ------------------------------------------------------------- */

static const char *action_label(const req_ctx *rc, const char *a)
{
	static const struct {
		const char *action, *label;
	} labels[] = {
		{"create", N_("created")}, {"update", N_("changed")}, {"delete", N_("deleted")},
		{"merge", N_("merged")},   {"export", N_("exported")}, {"erase", N_("erased")},
		{"import", N_("imported")}, {"restrict", N_("restricted")},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (!g_strcmp0(a, labels[i].action))
			return view_t(rc, labels[i].label);
	return a ? a : "";
}

/* "01.08.2020 – 31.07.2021", "since …", "until …" or "". */
static char *period_label(const req_ctx *rc, json_t *o)
{
	g_autofree char *s = register_day_label(rc, json_string_value(json_object_get(o, "start_day")));
	g_autofree char *e = register_day_label(rc, json_string_value(json_object_get(o, "end_day")));

	if (*s && *e)
		return g_strconcat(s, " – ", e, NULL);
	if (*s)
		return view_tf(rc, N_("since {day}"), "day", s, NULL);
	if (*e)
		return view_tf(rc, N_("until {day}"), "day", e, NULL);
	return g_strdup("");
}

/* "23 days" / "keep" for a retention period. */
static char *days_label(const req_ctx *rc, int64_t days)
{
	g_autofree char *n = format_int(rc->req->lang, days);

	if (days <= 0)
		return g_strdup(view_t(rc, N_("kept (no automatic deletion)")));
	return view_tf(rc, days == 1 ? N_("{n} day") : N_("{n} days"), "n", n, NULL);
}

/* The name a page shows: the translation of "Anonymised person" for an
 * erased person, else the display name. Borrowed. */
static const char *shown_name(const req_ctx *rc, json_t *person)
{
	if (json_is_true(json_object_get(person, "erased")) ||
	    (json_is_string(json_object_get(person, "erased_at")) &&
	     *register_jstr(person, "erased_at")))
		return view_t(rc, N_("Anonymised person"));
	return register_jstr(person, "display_name");
}

static json_t *crumbs_person(const req_ctx *rc, int64_t id, const char *name)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *list = view_href(rc, "/register/personen");
	g_autofree char *detail = register_href_id(rc, PEOPLE, id, "");

	return json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "label", view_t(rc, N_("Register")),
			 "href", reg, "label", view_t(rc, N_("People")), "href", list, "label", name,
			 "href", detail);
}

static void download(req_ctx *rc, const char *type, const char *disposition, const char *name)
{
	g_autofree char *d = g_strdup_printf("%s; filename=\"%s\"", disposition, name);

	http_response_set_header(rc->resp, "Content-Type", type);
	http_response_set_header(rc->resp, "Content-Disposition", d);
	/* Personal data: never in a shared cache. */
	http_response_set_header(rc->resp, "Cache-Control", "private, no-store");
}

/* ---- Art. 15: the page -------------------------------------------------- */

static json_t *section(const req_ctx *rc, const char *id, const char *label, size_t n)
{
	g_autofree char *count = format_int(rc->req->lang, (int64_t)n);
	g_autofree char *text = view_tf(rc, n == 1 ? N_("{n} entry") : N_("{n} entries"), "n",
					count, NULL);
	return json_pack("{s:s,s:s,s:I,s:s}", "id", id, "label", label, "count", (json_int_t)n,
			 "count_label", text);
}

static int export_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *x, *sections, *acc;
	size_t consents = 0, i;
	json_t *c;

	if (!id)
		return 404;
	x = privacy_export(&rc->ctx, id, &err);
	if (!x)
		return register_store_failed(rc, "reading a person's data", err);
	json_t *person = json_object_get(x, "person");
	/* copied: x is gone before the breadcrumb is made */
	g_autofree char *name = g_strdup(shown_name(rc, person));
	g_autofree char *title = view_tf(rc, N_("Data of {name} (Art. 15 GDPR)"), "name", name, NULL);
	g_autofree char *json_href = register_href_id(rc, PEOPLE, id, "/auskunft.json");
	g_autofree char *pdf_href = register_href_id(rc, PEOPLE, id, "/auskunft.pdf");
	g_autofree char *back = register_href_id(rc, PEOPLE, id, "");
	g_autofree char *record = view_href(rc, PRIVACY_PATH "/verzeichnis");

	json_array_foreach(json_object_get(x, "consents"), i, c)
		consents += json_array_size(json_object_get(c, "history"));
	acc = json_object_get(x, "account");
	sections = json_array();
	json_array_append_new(sections, section(rc, "person", view_t(rc, N_("Names, contact details and notes")), 1));
	json_array_append_new(sections, section(rc, "consents", view_t(rc, N_("Answers on consents, with their history")), consents));
	json_array_append_new(sections, section(rc, "affiliations", view_t(rc, N_("Affiliations to institutions")),
						json_array_size(json_object_get(x, "affiliations"))));
	json_array_append_new(sections, section(rc, "memberships", view_t(rc, N_("Memberships in bodies")),
						json_array_size(json_object_get(x, "memberships"))));
	json_array_append_new(sections, section(rc, "account", view_t(rc, N_("Linked user account (without password and second factor)")),
						json_is_object(acc) ? 1 : 0));
	json_array_append_new(sections, section(rc, "change_log", view_t(rc, N_("Entries of the change log")),
						json_array_size(json_object_get(x, "change_log"))));
	json_array_append_new(sections, section(rc, "imports", view_t(rc, N_("Imports that touched the person")),
						json_array_size(json_object_get(x, "imports"))));
	json_array_append_new(sections, section(rc, "processing", view_t(rc, N_("Purposes, legal bases, recipients and retention periods")),
						json_array_size(json_object_get(json_object_get(x, "processing"), "activities"))));
	json_t *model = json_pack(
		"{s:s,s:I,s:s,s:o,s:s,s:s,s:s,s:s,s:s}", "title", title, "id", (json_int_t)id,
		"name", name, "sections", sections, "json_href", json_href, "pdf_href", pdf_href,
		"back_href", back, "record_href", record, "legal_basis_label",
		person_legal_basis_label(rc, register_jstr(person, "legal_basis")));
	json_decref(x);
	return view_page_full(rc, 200, "pages/register_privacy_export", title, model,
			      crumbs_person(rc, id, name));
}

/* Writes the export's change-log entry in a transaction of its own (the
 * download must not leave without it). 0, or the status to answer. */
static int log_export(req_ctx *rc, int64_t id, const char *format)
{
	g_autoptr(GError) err = NULL;

	if (privacy_export_log(&rc->ctx, id, format, &err) < 0)
		return register_store_failed(rc, "recording an export", err);
	log_info("request %s: data of person %" G_GINT64_FORMAT " exported as %s by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, format, rc->ctx.user_id);
	return 0;
}

static char *export_name(int64_t id, const char *ext)
{
	g_autofree char *today = register_today();
	return g_strdup_printf("auskunft-person-%" G_GINT64_FORMAT "-%s.%s", id, today, ext);
}

static int export_json(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *x;
	int r;

	if (!id)
		return 404;
	x = privacy_export(&rc->ctx, id, &err);
	if (!x)
		return register_store_failed(rc, "reading a person's data", err);
	r = log_export(rc, id, "json");
	if (r) {
		json_decref(x);
		return r;
	}
	view_json(rc->resp, 200, x);
	g_autofree char *name = export_name(id, "json");
	download(rc, "application/json; charset=utf-8", "attachment", name);
	return 0;
}

/* ---- Art. 15: the PDF ------------------------------------------------------ */

static void pdf_facts(pdf_doc *d, const req_ctx *rc, const char *const *pairs)
{
	const pdf_column cols[] = {
		{view_t(rc, N_("Field")), 1.2, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Stored value")), 2.8, PDF_ALIGN_LEFT},
	};
	pdf_table *t = pdf_doc_table(d, cols, G_N_ELEMENTS(cols));

	for (size_t i = 0; pairs[i]; i += 2) {
		const char *cells[] = {pairs[i], pairs[i + 1] && *pairs[i + 1] ? pairs[i + 1] : "–"};
		pdf_table_add_row(t, cells);
	}
}

static void pdf_person(pdf_doc *d, const req_ctx *rc, json_t *p)
{
	g_autofree char *created = view_datetime(rc, register_jstr(p, "created_at"));
	g_autofree char *updated = view_datetime(rc, register_jstr(p, "updated_at"));
	g_autofree char *erased = view_datetime(rc, json_string_value(json_object_get(p, "erased_at")));
	const char *af = register_jstr(p, "address_form");
	const char *const pairs[] = {
		view_t(rc, N_("Form of address")),
		*af ? person_address_form_label(rc, af) : "",
		view_t(rc, N_("Academic title")), register_jstr(p, "title"),
		view_t(rc, N_("First name")), register_jstr(p, "first_name"),
		view_t(rc, N_("Last name")), register_jstr(p, "last_name"),
		view_t(rc, N_("Letter salutation")), register_jstr(p, "letter_salutation"),
		view_t(rc, N_("Function")), register_jstr(p, "function"),
		view_t(rc, N_("Email address")), register_jstr(p, "email"),
		view_t(rc, N_("Phone")), register_jstr(p, "phone"),
		view_t(rc, N_("Mobile phone")), register_jstr(p, "mobile"),
		view_t(rc, N_("Street and number")), register_jstr(p, "street"),
		view_t(rc, N_("Postcode")), register_jstr(p, "postcode"),
		view_t(rc, N_("Town or city")), register_jstr(p, "city"),
		view_t(rc, N_("Preferred channel")),
		person_channel_label(rc, register_jstr(p, "preferred_channel")),
		view_t(rc, N_("Legal basis of processing")),
		person_legal_basis_label(rc, register_jstr(p, "legal_basis")),
		view_t(rc, N_("Note on the legal basis")), register_jstr(p, "legal_basis_note"),
		view_t(rc, N_("Notes")), register_jstr(p, "notes"),
		view_t(rc, N_("Recorded on")), created,
		view_t(rc, N_("Last changed")), updated,
		view_t(rc, N_("Erased on")), erased,
		NULL,
	};
	pdf_facts(d, rc, pairs);
}

static void pdf_consents(pdf_doc *d, const req_ctx *rc, json_t *consents)
{
	const pdf_column cols[] = {
		{view_t(rc, N_("Consent to")), 2.0, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Answer")), 1.0, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Day")), 1.0, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Source")), 2.0, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Recorded on")), 1.4, PDF_ALIGN_LEFT},
	};
	pdf_table *t = NULL;
	size_t i, k;
	json_t *c, *h;

	json_array_foreach(consents, i, c) {
		json_array_foreach(json_object_get(c, "history"), k, h) {
			g_autofree char *day = register_day_label(rc, register_jstr(h, "day"));
			g_autofree char *at = view_datetime(rc, register_jstr(h, "recorded_at"));
			const char *cells[] = {
				person_consent_kind_label(rc, register_jstr(c, "kind")),
				person_consent_state_label(rc, json_is_true(json_object_get(h, "given"))
									       ? "given"
									       : "withdrawn"),
				day, register_jstr(h, "source"), at,
			};
			if (!t)
				t = pdf_doc_table(d, cols, G_N_ELEMENTS(cols));
			pdf_table_add_row(t, cells);
		}
	}
	if (!t)
		pdf_doc_paragraph(d, view_t(rc, N_("No answers on consents are recorded.")));
}

/* A table of cols for list's rows; the sentence empty instead (and NULL)
 * when the list has none. */
static pdf_table *list_table(pdf_doc *d, const pdf_column *cols, size_t n, json_t *list,
			     const char *empty)
{
	if (!json_array_size(list)) {
		pdf_doc_paragraph(d, empty);
		return NULL;
	}
	return pdf_doc_table(d, cols, n);
}

static void pdf_affiliations(pdf_doc *d, const req_ctx *rc, json_t *list)
{
	const pdf_column cols[] = {
		{view_t(rc, N_("Institution")), 2.4, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Function")), 1.6, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Period")), 1.6, PDF_ALIGN_LEFT},
	};
	size_t i;
	json_t *a;

	pdf_table *t = list_table(d, cols, G_N_ELEMENTS(cols), list,
				  view_t(rc, N_("No affiliations are recorded.")));
	json_array_foreach(list, i, a) {
		g_autofree char *period = period_label(rc, a);
		const char *cells[] = {register_jstr(a, "institution_name"), register_jstr(a, "function"),
				       period};
		pdf_table_add_row(t, cells);
	}
}

static void pdf_memberships(pdf_doc *d, const req_ctx *rc, json_t *list)
{
	const pdf_column cols[] = {
		{view_t(rc, N_("Body")), 2.2, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Role")), 1.4, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Represents")), 1.8, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Period")), 1.6, PDF_ALIGN_LEFT},
	};
	size_t i;
	json_t *m;

	pdf_table *t = list_table(d, cols, G_N_ELEMENTS(cols), list,
				  view_t(rc, N_("No memberships are recorded.")));
	json_array_foreach(list, i, m) {
		g_autofree char *period = period_label(rc, m);
		const char *inst = json_string_value(json_object_get(m, "institution_name"));
		const char *cells[] = {register_jstr(m, "body_name"),
				       membership_role_label(rc, register_jstr(m, "role")),
				       inst ? inst : "", period};
		pdf_table_add_row(t, cells);
	}
}

static void pdf_account(pdf_doc *d, const req_ctx *rc, json_t *acc)
{
	if (!json_is_object(acc)) {
		pdf_doc_paragraph(d, view_t(rc, N_("No user account is linked to the person.")));
		return;
	}
	g_autofree char *created = view_datetime(rc, register_jstr(acc, "created_at"));
	g_autofree char *login = view_datetime(rc, json_string_value(json_object_get(acc, "last_login_at")));
	g_autoptr(GString) roles = g_string_new(NULL);
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(acc, "roles"), i, r)
		g_string_append_printf(roles, "%s%s", roles->len ? ", " : "", json_string_value(r));
	const char *const pairs[] = {
		view_t(rc, N_("Login e-mail address")), register_jstr(acc, "email"),
		view_t(rc, N_("Display name")), register_jstr(acc, "display_name"),
		view_t(rc, N_("Roles in this education region")), roles->str,
		view_t(rc, N_("Second factor")),
		json_is_true(json_object_get(acc, "totp_enabled")) ? view_t(rc, N_("yes"))
								   : view_t(rc, N_("no")),
		view_t(rc, N_("Created on")), created,
		view_t(rc, N_("Last login")), login,
		NULL,
	};
	pdf_facts(d, rc, pairs);
	pdf_doc_paragraph(d, view_t(rc, N_("The password is stored only as a one-way hash and the secret of the second factor is never disclosed; neither is part of this information.")));
}

/* "email: a@x.de → b@x.de; city: – → Duisburg" */
static char *changes_text(json_t *changes)
{
	GString *s = g_string_new(NULL);
	size_t i;
	json_t *c;

	json_array_foreach(changes, i, c) {
		const char *o = json_string_value(json_object_get(c, "old"));
		const char *n = json_string_value(json_object_get(c, "new"));
		g_string_append_printf(s, "%s%s: %s → %s", s->len ? "\n" : "", register_jstr(c, "field"),
				       o ? o : "–", n ? n : "–");
	}
	return g_string_free(s, FALSE);
}

static void pdf_log(pdf_doc *d, const req_ctx *rc, json_t *log)
{
	const pdf_column cols[] = {
		{view_t(rc, N_("When")), 1.3, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Who")), 1.2, PDF_ALIGN_LEFT},
		{view_t(rc, N_("What")), 1.5, PDF_ALIGN_LEFT},
		{view_t(rc, N_("Changes")), 2.6, PDF_ALIGN_LEFT},
	};
	size_t i;
	json_t *e;

	pdf_table *t = list_table(d, cols, G_N_ELEMENTS(cols), log,
				  view_t(rc, N_("The change log holds no entries about the person.")));
	json_array_foreach(log, i, e) {
		g_autofree char *at = view_datetime(rc, register_jstr(e, "at"));
		g_autofree char *changes = changes_text(json_object_get(e, "changes"));
		const char *summary = register_jstr(e, "summary");
		g_autofree char *what = *summary ? g_strconcat(action_label(rc, register_jstr(e, "action")),
							       "\n", summary, NULL)
						 : g_strdup(action_label(rc, register_jstr(e, "action")));
		const char *actor = register_jstr(e, "actor");
		const char *cells[] = {at, *actor ? actor : view_t(rc, N_("System")), what, changes};
		pdf_table_add_row(t, cells);
	}
}

static void pdf_processing(pdf_doc *d, const req_ctx *rc, json_t *activities)
{
	size_t i;
	json_t *a;

	json_array_foreach(activities, i, a) {
		pdf_doc_heading(d, 3, register_jstr(a, "name"));
		const char *const pairs[] = {
			"Zweck", register_jstr(a, "purpose"),
			"Rechtsgrundlage", register_jstr(a, "legal_basis"),
			"Empfänger", register_jstr(a, "recipients"),
			"Übermittlung in Drittländer", register_jstr(a, "transfers"),
			"Speicherdauer", register_jstr(a, "retention"),
			NULL,
		};
		pdf_facts(d, rc, pairs);
	}
}

static int export_pdf(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = NULL;
	g_autoptr(pdf_doc) d = NULL;
	int64_t id = register_path_id(rc, "id");
	GBytes *pdf;
	json_t *x;
	int r;

	if (!id)
		return 404;
	x = privacy_export(&rc->ctx, id, &err);
	if (!x)
		return register_store_failed(rc, "reading a person's data", err);
	lh = pdf_letterhead_from_region(&rc->ctx, rc->region, &err);
	if (!lh) {
		json_decref(x);
		return register_store_failed(rc, "reading the letterhead", err);
	}
	json_t *person = json_object_get(x, "person");
	const char *name = shown_name(rc, person);
	g_autofree char *title = view_tf(rc, N_("Information on the data of {name} (Art. 15 GDPR)"),
					 "name", name, NULL);
	g_autofree char *made = view_datetime(rc, register_jstr(x, "generated_at"));
	g_autofree char *intro = view_tf(rc, N_("This information lists everything the office of {region} stores about the person in bireg, as of {when}."),
					 "region", register_jstr(json_object_get(x, "region"), "name"),
					 "when", made, NULL);
	json_t *ctl = json_object_get(x, "controller");
	json_t *dpo = json_object_get(x, "dpo");
	g_autofree char *controller = g_strdup_printf(
		"%s\n%s%s%s\n%s\n%s %s\n%s", register_jstr(ctl, "region"), register_jstr(ctl, "name"),
		*register_jstr(ctl, "unit") ? ", " : "", register_jstr(ctl, "unit"),
		register_jstr(ctl, "street"), register_jstr(ctl, "postcode"), register_jstr(ctl, "city"),
		register_jstr(ctl, "email"));
	g_autofree char *dpo_text = *register_jstr(dpo, "name")
		? g_strdup_printf("%s\n%s\n%s", register_jstr(dpo, "name"), register_jstr(dpo, "email"),
				  register_jstr(dpo, "phone"))
		: g_strdup(view_t(rc, N_("No data-protection officer is named yet; please contact the office.")));

	d = pdf_doc_new(&(pdf_doc_info){.title = title, .subject = view_t(rc, N_("Information under Art. 15 GDPR")),
					.lang = rc->req->lang, .letterhead = lh});
	pdf_doc_heading(d, 1, title);
	pdf_doc_paragraph(d, intro);
	pdf_doc_heading(d, 2, view_t(rc, N_("Controller")));
	pdf_doc_paragraph(d, controller);
	pdf_doc_heading(d, 2, view_t(rc, N_("Data-protection officer")));
	pdf_doc_paragraph(d, dpo_text);
	pdf_doc_heading(d, 2, view_t(rc, N_("Names, contact details and notes")));
	pdf_person(d, rc, person);
	pdf_doc_heading(d, 2, view_t(rc, N_("Answers on consents, with their history")));
	pdf_consents(d, rc, json_object_get(x, "consents"));
	pdf_doc_heading(d, 2, view_t(rc, N_("Affiliations to institutions")));
	pdf_affiliations(d, rc, json_object_get(x, "affiliations"));
	pdf_doc_heading(d, 2, view_t(rc, N_("Memberships in bodies")));
	pdf_memberships(d, rc, json_object_get(x, "memberships"));
	pdf_doc_heading(d, 2, view_t(rc, N_("User account")));
	pdf_account(d, rc, json_object_get(x, "account"));
	pdf_doc_heading(d, 2, view_t(rc, N_("Entries of the change log")));
	pdf_log(d, rc, json_object_get(x, "change_log"));
	pdf_doc_heading(d, 2, view_t(rc, N_("Imports that touched the person")));
	{
		json_t *imports = json_object_get(x, "imports");
		size_t i;
		json_t *e;
		if (!json_array_size(imports))
			pdf_doc_paragraph(d, view_t(rc, N_("No import is recorded for the person.")));
		json_array_foreach(imports, i, e) {
			g_autofree char *at = view_datetime(rc, register_jstr(e, "at"));
			g_autofree char *line = g_strdup_printf("%s: %s", at, register_jstr(e, "summary"));
			pdf_doc_paragraph(d, line);
		}
	}
	pdf_doc_heading(d, 2, view_t(rc, N_("Purposes, legal bases, recipients and retention periods")));
	{
		g_autofree char *basis = view_tf(rc, N_("Legal basis recorded for the person: {basis}"), "basis",
						 person_legal_basis_label(rc, register_jstr(person, "legal_basis")), NULL);
		pdf_doc_paragraph(d, basis);
	}
	pdf_processing(d, rc, json_object_get(json_object_get(x, "processing"), "activities"));
	pdf_doc_heading(d, 2, view_t(rc, N_("Your rights")));
	pdf_doc_paragraph(d, view_t(rc, N_("You may ask for the correction of wrong data (Art. 16 GDPR), for erasure (Art. 17), for restriction of processing (Art. 18) and object to processing (Art. 21). You may withdraw a consent at any time with effect for the future. You may complain to the supervisory authority, in North Rhine-Westphalia the Landesbeauftragte für Datenschutz und Informationsfreiheit NRW.")));
	json_decref(x);
	pdf = pdf_doc_render(d, &err);
	if (!pdf) {
		log_error("request %s: the PDF cannot be made: %s", rc->req->request_id, err->message);
		return 500;
	}
	r = log_export(rc, id, "pdf");
	if (r) {
		g_bytes_unref(pdf);
		return r;
	}
	g_autofree char *fname = export_name(id, "pdf");
	rc->resp->status = 200;
	download(rc, "application/pdf", "attachment", fname);
	rc->resp->body_bytes = pdf;
	return 0;
}

/* ---- Art. 17: erasure ---------------------------------------------------- */

static const form_field erase_fields[] = {
	{"confirm", N_("I have checked that the person asked for erasure or that the data are no longer needed, and I want to erase them now."),
	 NULL, FORM_CHECKBOX, .required = true},
};

static char *count_text(const req_ctx *rc, int64_t n, const char *one, const char *many)
{
	g_autofree char *s = format_int(rc->req->lang, n);
	return view_tf(rc, n == 1 ? one : many, "n", s, NULL);
}

static int erase_page(req_ctx *rc, int64_t id, int status, form *f)
{
	g_autoptr(GError) err = NULL;
	privacy_erase_plan plan;
	json_t *p;

	if (privacy_erase_plan_get(&rc->ctx, id, &plan, &err) < 0)
		return register_store_failed(rc, "planning an erasure", err);
	p = person_store_get(&rc->ctx, id, &err);
	if (!p)
		return register_store_failed(rc, "reading a person", err);
	/* copied: p is gone before the breadcrumb is made */
	g_autofree char *name = g_strdup(shown_name(rc, p));
	g_autofree char *title = view_tf(rc, N_("Erase the data of {name} (Art. 17 GDPR)"), "name",
					 name, NULL);
	g_autofree char *action = register_href_id(rc, PEOPLE, id, "/loeschen-dsgvo");
	g_autofree char *back = register_href_id(rc, PEOPLE, id, "");
	g_autofree char *export_href = register_href_id(rc, PEOPLE, id, "/auskunft");
	g_autofree char *mem = count_text(rc, plan.memberships,
					  N_("{n} membership in a body is kept as an official record; the person appears there as “Anonymisierte Person”."),
					  N_("{n} memberships in bodies are kept as official records; the person appears there as “Anonymisierte Person”."));
	g_autofree char *cur = count_text(rc, plan.current_memberships,
					  N_("{n} current membership ends today; the person is not invited again."),
					  N_("{n} current memberships end today; the person is not invited again."));
	g_autofree char *aff = count_text(rc, plan.affiliations,
					  N_("{n} affiliation to an institution is deleted."),
					  N_("{n} affiliations to institutions are deleted."));
	g_autofree char *con = count_text(rc, plan.consents,
					  N_("{n} recorded answer on consents is deleted."),
					  N_("{n} recorded answers on consents are deleted."));
	g_autofree char *log = count_text(rc, plan.log_entries,
					  N_("{n} entry of the change log loses its values about the person."),
					  N_("{n} entries of the change log lose their values about the person."));
	g_autofree char *imports = count_text(rc, plan.import_reports,
					      N_("{n} stored import report loses its row about the person."),
					      N_("{n} stored import reports lose their rows about the person."));
	/* The uploaded files themselves stay until the retention job. */
	json_t *days = privacy_retention_get(&rc->ctx, &err);
	if (!days) {
		json_decref(p);
		return register_store_failed(rc, "reading the retention periods", err);
	}
	int64_t file_days = json_integer_value(json_object_get(days, "import_files"));
	json_decref(days);
	g_autofree char *nd = format_int(rc->req->lang, file_days);
	g_autofree char *files = view_tf(rc, file_days == 1
		? N_("Uploaded import files are kept until the import is finished or discarded and then for at most {n} day; until then they still hold the person's data.")
		: N_("Uploaded import files are kept until the import is finished or discarded and then for at most {n} days; until then they still hold the person's data."),
		"n", nd, NULL);
	json_t *fm = form_model(f, rc);
	json_t *model = json_pack(
		"{s:s,s:I,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:O,s:o}",
		"title", title, "id", (json_int_t)id, "name", name, "action", action, "cancel_href",
		back, "export_href", export_href, "erased", plan.erased, "delete_entirely",
		plan.delete_entirely, "has_account", plan.has_account, "memberships_label", mem,
		"current_label", cur, "affiliations_label", aff, "consents_label", con, "log_label",
		log, "memberships", (json_int_t)plan.memberships, "current_memberships",
		(json_int_t)plan.current_memberships, "affiliations", (json_int_t)plan.affiliations,
		"consents", (json_int_t)plan.consents, "log_entries", (json_int_t)plan.log_entries,
		"errors", json_object_get(fm, "errors"), "form", fm);
	json_object_set_new(model, "has_memberships", json_boolean(plan.memberships > 0));
	json_object_set_new(model, "import_reports", json_integer(plan.import_reports));
	json_object_set_new(model, "import_reports_label", json_string(imports));
	json_object_set_new(model, "has_import_reports", json_boolean(plan.import_reports > 0));
	json_object_set_new(model, "import_files_label", json_string(files));
	json_object_set_new(model, "import_files_days", json_integer(file_days));
	json_decref(p);
	return view_page_full(rc, status, "pages/register_privacy_erase", title, model,
			      crumbs_person(rc, id, name));
}

static int erase_confirm(req_ctx *rc)
{
	g_autoptr(form) f = form_new(erase_fields, G_N_ELEMENTS(erase_fields), "erase");
	int64_t id = register_path_id(rc, "id");

	return id ? erase_page(rc, id, 200, f) : 404;
}

static int erase_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(erase_fields, G_N_ELEMENTS(erase_fields), "erase");
	int64_t id = register_path_id(rc, "id");
	int r;

	if (!id)
		return 404;
	if (!form_read(f, rc) || !form_bool(f, "confirm")) {
		if (!form_has_errors(f))
			form_error(f, "confirm", view_t(rc, N_("Please confirm the erasure.")));
		return erase_page(rc, id, 422, f);
	}
	r = privacy_erase(&rc->ctx, id, &err);
	if (r < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE)) {
			rc->error_message = N_("The data of this person have already been erased.");
			return 409;
		}
		return register_store_failed(rc, "erasing a person", err);
	}
	log_info("request %s: person %" G_GINT64_FORMAT " %s (Art. 17) by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, r == PRIVACY_DELETED ? "deleted" : "anonymised",
		 rc->ctx.user_id);
	if (rc->req->wants_json) {
		view_json(rc->resp, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "result",
						   r == PRIVACY_DELETED ? "deleted" : "erased"));
		return 0;
	}
	if (r == PRIVACY_DELETED)
		return view_redirect(rc, "/register/personen?geloescht=1");
	g_autofree char *to = g_strdup_printf(PEOPLE "%" G_GINT64_FORMAT, id);
	return view_redirect(rc, to);
}

/* ---- the data-protection page -------------------------------------------- */

static const form_field settings_fields[] = {
	{"change_log", N_("Change log (days)"), N_("From 1 to 36500 days."), FORM_INT,
	 .required = true, .min = 1, .max = 36500, .group = N_("Retention periods")},
	{"import_files", N_("Imported files (days)"), N_("From 1 to 3650 days."), FORM_INT,
	 .required = true, .min = 1, .max = 3650},
	{"former_affiliations", N_("Former affiliations (days)"), N_("From 1 to 36500 days."),
	 FORM_INT, .required = true, .min = 1, .max = 36500},
	{"inactive_contacts", N_("Inactive contacts (days)"),
	 N_("0 keeps them; otherwise from 1 to 36500 days."), FORM_INT, .required = true, .min = 0,
	 .max = 36500},
	{"dpo_name", N_("Name"), N_("Person or office that is the data-protection officer."),
	 FORM_TEXT, .max_chars = 200, .group = N_("Data-protection officer")},
	{"dpo_email", N_("Email address"), NULL, FORM_EMAIL, .max_chars = 254},
	{"dpo_phone", N_("Phone"), NULL, FORM_TEL, .max_chars = 50},
};

static form *settings_form_new(void)
{
	return form_new(settings_fields, G_N_ELEMENTS(settings_fields), "privacy");
}

/* The stored values into f. 0 or -1. */
static int settings_fill(req_ctx *rc, form *f, GError **err)
{
	g_autoptr(json_t) days = privacy_retention_get(&rc->ctx, err);
	g_autoptr(json_t) dpo = days ? privacy_dpo_get(&rc->ctx, err) : NULL;

	if (!dpo)
		return -1;
	form_set_json(f, days);
	form_set(f, "dpo_name", register_jstr(dpo, "name"));
	form_set(f, "dpo_email", register_jstr(dpo, "email"));
	form_set(f, "dpo_phone", register_jstr(dpo, "phone"));
	return 0;
}

static int privacy_page(req_ctx *rc, int status, form *f, const char *notice)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) days = privacy_retention_get(&rc->ctx, &err);
	g_autoptr(json_t) last = days ? privacy_retention_last_run(&rc->ctx, &err) : NULL;
	g_autoptr(json_t) dpo = last ? privacy_dpo_get(&rc->ctx, &err) : NULL;
	json_t *kinds = json_array();
	bool admin = rc->user && (rc->user->roles & ROLE_ADMIN);

	if (!dpo) {
		json_decref(kinds);
		return register_store_failed(rc, "reading the data-protection settings", err);
	}
	for (const privacy_retention_kind *k = privacy_retention_kinds; k->key; k++) {
		int64_t n = json_integer_value(json_object_get(days, k->key));
		g_autofree char *label = days_label(rc, n);
		json_t *done = json_object_get(last, k->key);
		g_autofree char *done_label = json_is_integer(done)
			? format_int(rc->req->lang, json_integer_value(done)) : g_strdup("–");
		json_array_append_new(kinds, json_pack(
			"{s:s,s:s,s:s,s:I,s:s,s:s}", "key", k->key, "label", view_t(rc, k->label),
			"hint", view_t(rc, k->hint), "days", (json_int_t)n, "days_label", label,
			"last_count_label", done_label));
	}
	g_autofree char *last_at = json_is_object(last) ? view_datetime(rc, register_jstr(last, "at"))
							: g_strdup("");
	g_autofree char *action = view_href(rc, PRIVACY_PATH);
	g_autofree char *record = view_href(rc, PRIVACY_PATH "/verzeichnis");
	g_autofree char *record_pdf = view_href(rc, PRIVACY_PATH "/verzeichnis.pdf");
	g_autofree char *record_json = view_href(rc, PRIVACY_PATH "/verzeichnis.json");
	g_autofree char *people = view_href(rc, "/register/personen");
	g_autofree char *reg = view_href(rc, "/register");
	json_t *fm = f ? form_model(f, rc) : json_null();
	json_t *model = json_pack(
		"{s:o,s:O,s:s,s:b,s:O,s:b,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o}", "kinds", kinds,
		"retention_days", days, "last_run_label", last_at, "has_last_run",
		json_is_object(last), "dpo", dpo, "has_dpo", *register_jstr(dpo, "name") != '\0',
		"action", action, "record_href", record, "record_pdf_href", record_pdf,
		"record_json_href", record_json, "people_href", people, "can_edit", admin, "notice",
		notice ? notice : "", "errors",
		f ? json_incref(json_object_get(fm, "errors")) : json_array(), "form", fm);
	return view_page_full(rc, status, "pages/register_privacy",
			      view_t(rc, N_("Data protection")), model,
			      json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg));
}

static int privacy_show(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = NULL;
	bool admin = rc->user && (rc->user->roles & ROLE_ADMIN);
	const char *saved = http_params_get(rc->req->query, "gespeichert");

	if (admin) {
		f = settings_form_new();
		if (settings_fill(rc, f, &err) < 0)
			return register_store_failed(rc, "reading the data-protection settings", err);
	}
	return privacy_page(rc, 200, f, saved ? view_t(rc, N_("The settings have been saved.")) : NULL);
}

static int privacy_save(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = settings_form_new();
	g_autoptr(json_t) days = json_object();
	int r;

	if (!form_read(f, rc))
		return privacy_page(rc, 422, f, NULL);
	for (const privacy_retention_kind *k = privacy_retention_kinds; k->key; k++)
		json_object_set_new(days, k->key, json_integer(form_int(f, k->key)));
	if (db_begin(rc->ctx.db, &err) != DB_OK)
		return register_store_failed(rc, "saving the data-protection settings", err);
	r = privacy_retention_set(&rc->ctx, days, &err);
	if (r == 0)
		r = privacy_dpo_set(&rc->ctx, form_value(f, "dpo_name"), form_value(f, "dpo_email"),
				    form_value(f, "dpo_phone"), &err);
	if (r < 0) {
		db_rollback(rc->ctx.db);
		if (register_error_to_form(f, rc, err))
			return privacy_page(rc, 422, f, NULL);
		return register_store_failed(rc, "saving the data-protection settings", err);
	}
	if (db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		return register_store_failed(rc, "saving the data-protection settings", err);
	}
	log_info("request %s: data-protection settings changed by account %" G_GINT64_FORMAT,
		 rc->req->request_id, rc->ctx.user_id);
	if (rc->req->wants_json)
		return privacy_page(rc, 200, NULL, view_t(rc, N_("The settings have been saved.")));
	return view_redirect(rc, PRIVACY_PATH "?gespeichert=1");
}

/* ---- Art. 30 ------------------------------------------------------------- */

static int record_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *rec = privacy_record(&rc->ctx, &err);
	g_autofree char *pdf = view_href(rc, PRIVACY_PATH "/verzeichnis.pdf");
	g_autofree char *json = view_href(rc, PRIVACY_PATH "/verzeichnis.json");
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *priv = view_href(rc, PRIVACY_PATH);

	if (!rec)
		return register_store_failed(rc, "reading the record of processing activities", err);
	g_autofree char *made = view_datetime(rc, register_jstr(rec, "generated_at"));
	json_t *dpo = json_object_get(rec, "dpo");
	json_object_set_new(rec, "generated_label", json_string(made));
	json_object_set_new(rec, "has_dpo", json_boolean(*register_jstr(dpo, "name") != '\0'));
	json_object_set_new(rec, "pdf_href", json_string(pdf));
	json_object_set_new(rec, "json_href", json_string(json));
	json_object_set_new(rec, "settings_href", json_string(priv));
	return view_page_full(rc, 200, "pages/register_privacy_record",
			      view_t(rc, N_("Record of processing activities")), rec,
			      json_pack("[{s:s,s:s},{s:s,s:s}]", "label", view_t(rc, N_("Register")),
					"href", reg, "label", view_t(rc, N_("Data protection")),
					"href", priv));
}

static char *record_name(const req_ctx *rc, const char *ext)
{
	g_autofree char *today = register_today();
	const char *slug = json_string_value(json_object_get(rc->region, "slug"));
	return g_strdup_printf("verarbeitungsverzeichnis-%s-%s.%s", slug ? slug : "region", today, ext);
}

static int record_json(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *rec = privacy_record(&rc->ctx, &err);

	if (!rec)
		return register_store_failed(rc, "reading the record of processing activities", err);
	view_json(rc->resp, 200, rec);
	g_autofree char *name = record_name(rc, "json");
	download(rc, "application/json; charset=utf-8", "attachment", name);
	return 0;
}

static int record_pdf(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = NULL;
	g_autoptr(pdf_doc) d = NULL;
	g_autoptr(json_t) rec = privacy_record(&rc->ctx, &err);
	GBytes *pdf;
	size_t i;
	json_t *a, *m;

	if (!rec)
		return register_store_failed(rc, "reading the record of processing activities", err);
	lh = pdf_letterhead_from_region(&rc->ctx, rc->region, &err);
	if (!lh)
		return register_store_failed(rc, "reading the letterhead", err);
	/* A legal document in German: its headings are German whatever the
	 * request's language. */
	const char *region = register_jstr(json_object_get(rec, "region"), "name");
	g_autofree char *title = g_strdup_printf("Verzeichnis von Verarbeitungstätigkeiten – %s", region);
	g_autofree char *made = view_datetime(rc, register_jstr(rec, "generated_at"));
	g_autofree char *asof = g_strdup_printf("Nach Art. 30 Abs. 1 DSGVO. Stand: %s.", made);
	json_t *ctl = json_object_get(rec, "controller");
	json_t *dpo = json_object_get(rec, "dpo");

	d = pdf_doc_new(&(pdf_doc_info){.title = title, .subject = "Art. 30 DSGVO", .lang = "de",
					.letterhead = lh});
	pdf_doc_heading(d, 1, title);
	pdf_doc_paragraph(d, asof);
	pdf_doc_heading(d, 2, "Verantwortlicher");
	{
		const char *const pairs[] = {
			"Bildungsregion", register_jstr(ctl, "region"),
			"Stelle", register_jstr(ctl, "name"),
			"Einheit", register_jstr(ctl, "unit"),
			"Anschrift", register_jstr(ctl, "street"),
			"Ort", register_jstr(ctl, "city"),
			"Postleitzahl", register_jstr(ctl, "postcode"),
			"Telefon", register_jstr(ctl, "phone"),
			"E-Mail", register_jstr(ctl, "email"),
			"Internet", register_jstr(ctl, "website"),
			NULL,
		};
		pdf_facts(d, rc, pairs);
	}
	pdf_doc_heading(d, 2, "Datenschutzbeauftragte oder Datenschutzbeauftragter");
	{
		const char *const pairs[] = {
			"Name", register_jstr(dpo, "name"),
			"E-Mail", register_jstr(dpo, "email"),
			"Telefon", register_jstr(dpo, "phone"),
			NULL,
		};
		pdf_facts(d, rc, pairs);
	}
	pdf_doc_heading(d, 2, "Verarbeitungstätigkeiten");
	json_array_foreach(json_object_get(rec, "activities"), i, a) {
		g_autofree char *h = g_strdup_printf("%zu. %s", i + 1, register_jstr(a, "name"));
		pdf_doc_heading(d, 3, h);
		const char *const pairs[] = {
			"Zweck", register_jstr(a, "purpose"),
			"Rechtsgrundlage", register_jstr(a, "legal_basis"),
			"Betroffene Personen", register_jstr(a, "persons"),
			"Kategorien personenbezogener Daten", register_jstr(a, "data"),
			"Empfänger", register_jstr(a, "recipients"),
			"Übermittlung in Drittländer", register_jstr(a, "transfers"),
			"Löschfristen", register_jstr(a, "retention"),
			NULL,
		};
		pdf_facts(d, rc, pairs);
	}
	pdf_doc_heading(d, 2, "Technische und organisatorische Maßnahmen (Art. 32 DSGVO)");
	{
		json_t *list = json_object_get(rec, "measures");
		g_autofree const char **items = g_new0(const char *, json_array_size(list) + 1);
		json_array_foreach(list, i, m)
			items[i] = json_string_value(m);
		pdf_doc_list(d, false, items, json_array_size(list));
	}
	pdf = pdf_doc_render(d, &err);
	if (!pdf) {
		log_error("request %s: the PDF cannot be made: %s", rc->req->request_id, err->message);
		return 500;
	}
	g_autofree char *name = record_name(rc, "pdf");
	rc->resp->status = 200;
	download(rc, "application/pdf", "inline", name);
	rc->resp->body_bytes = pdf;
	return 0;
}

/* ---- routes ---------------------------------------------------------------- */

static const param_rule privacy_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};

#define FORM_BODY (16 * 1024)

const route privacy_routes[] = {
	{HTTP_GET, PEOPLE "{id}/auskunft", "register.privacy.export", perm_office, "office", NULL,
	 export_page, ROUTE_REGION, 0},
	{HTTP_GET, PEOPLE "{id}/auskunft.json", "register.privacy.export_json", perm_office,
	 "office", NULL, export_json, ROUTE_REGION, 0},
	{HTTP_GET, PEOPLE "{id}/auskunft.pdf", "register.privacy.export_pdf", perm_office,
	 "office", NULL, export_pdf, ROUTE_REGION, 0},
	{HTTP_GET, PEOPLE "{id}/loeschen-dsgvo", "register.privacy.erase_confirm", perm_office,
	 "office", NULL, erase_confirm, ROUTE_REGION, 0},
	{HTTP_POST, PEOPLE "{id}/loeschen-dsgvo", "register.privacy.erase", perm_office, "office",
	 NULL, erase_post, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, PRIVACY_PATH, "register.privacy.show", perm_office, "office", privacy_params,
	 privacy_show, ROUTE_REGION, 0},
	{HTTP_POST, PRIVACY_PATH, "register.privacy.save", perm_admin, "admin", NULL, privacy_save,
	 ROUTE_REGION, FORM_BODY},
	{HTTP_GET, PRIVACY_PATH "/verzeichnis", "register.privacy.record", perm_office, "office",
	 NULL, record_page, ROUTE_REGION, 0},
	{HTTP_GET, PRIVACY_PATH "/verzeichnis.pdf", "register.privacy.record_pdf", perm_office,
	 "office", NULL, record_pdf, ROUTE_REGION, 0},
	{HTTP_GET, PRIVACY_PATH "/verzeichnis.json", "register.privacy.record_json", perm_office,
	 "office", NULL, record_json, ROUTE_REGION, 0},
	{0},
};
