/*
 * person_web.c — the office's pages of the people of the register
 * (person_web.h): list, detail, form, affiliations, consents, deletion.
 *
 * Every page is one model, shown as HTML or answered as JSON. Forms use
 * form.h: bad input comes back with 422, the values kept and the message
 * next to each field; a rule the store refuses (register.h) lands next to
 * its field the same way. Nothing is stored then. The person and its
 * account link are written in one transaction.
 *
 * Memberships are shown here but written by the bodies' pages.
 */
#include "modules/register/person_web.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "modules/account/perm.h"
#include "modules/register/body_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "modules/register/register_export.h"
#include "modules/register/register_page.h"
#include "search/search.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

#define PER_PAGE 50
#define LIST_PATH "/register/personen"

/* ---- labels (person_web.h) ---------------------------------------------- */

const char *person_address_form_label(const req_ctx *rc, const char *v)
{
	if (!g_strcmp0(v, "frau"))
		return view_t(rc, N_("Ms"));
	if (!g_strcmp0(v, "herr"))
		return view_t(rc, N_("Mr"));
	return view_t(rc, N_("No form of address"));
}

const char *person_channel_label(const req_ctx *rc, const char *v)
{
	return !g_strcmp0(v, "post") ? view_t(rc, N_("Post")) : view_t(rc, N_("E-mail"));
}

const char *person_legal_basis_label(const req_ctx *rc, const char *v)
{
	if (!g_strcmp0(v, "consent"))
		return view_t(rc, N_("Consent (Art. 6(1)(a) GDPR)"));
	if (!g_strcmp0(v, "contract"))
		return view_t(rc, N_("Contract (Art. 6(1)(b) GDPR)"));
	if (!g_strcmp0(v, "legitimate_interest"))
		return view_t(rc, N_("Legitimate interest (Art. 6(1)(f) GDPR)"));
	return view_t(rc, N_("Public task (Art. 6(1)(e) GDPR)"));
}

const char *person_consent_kind_label(const req_ctx *rc, const char *kind)
{
	if (!g_strcmp0(kind, "photos"))
		return view_t(rc, N_("Photos"));
	if (!g_strcmp0(kind, "newsletter"))
		return view_t(rc, N_("Newsletter"));
	return view_t(rc, N_("Publication of the name on public pages"));
}

const char *person_consent_state_label(const req_ctx *rc, const char *state)
{
	if (!g_strcmp0(state, "given"))
		return view_t(rc, N_("Given"));
	if (!g_strcmp0(state, "withdrawn"))
		return view_t(rc, N_("Withdrawn"));
	return view_t(rc, N_("Not recorded"));
}

static const char *partner_side_label(const req_ctx *rc, const char *side)
{
	if (!g_strcmp0(side, "land"))
		return view_t(rc, N_("State (Land)"));
	if (!g_strcmp0(side, "kommune"))
		return view_t(rc, N_("Municipality (Kommune)"));
	return "";
}

/* "since 01.08.2021", "until 31.07.2022", "01.08.2020–31.07.2021", or "". */
static char *period_label(const req_ctx *rc, const char *start, const char *end)
{
	g_autofree char *s = register_day_label(rc, start);
	g_autofree char *e = register_day_label(rc, end);

	if (*s && *e)
		return g_strconcat(s, " – ", e, NULL);
	if (*s)
		return view_tf(rc, N_("since {day}"), "day", s, NULL);
	if (*e)
		return view_tf(rc, N_("until {day}"), "day", e, NULL);
	return g_strdup("");
}

/* prefix, the id in decimal, suffix. Newly allocated. */
static char *id_path(const char *prefix, int64_t id, const char *suffix)
{
	return g_strdup_printf("%s%" G_GINT64_FORMAT "%s", prefix, id, suffix);
}

static json_t *breadcrumb(const req_ctx *rc, bool with_list)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *list = view_href(rc, LIST_PATH);
	json_t *b = json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);

	if (with_list)
		json_array_append_new(b, json_pack("{s:s,s:s}", "label", view_t(rc, N_("People")),
						   "href", list));
	return b;
}

/* ---- the person form ---------------------------------------------------- */

static const form_field person_fields[] = {
	{"address_form", N_("Form of address"), NULL, FORM_SELECT, .group = N_("Name")},
	{"title", N_("Academic title"), N_("For example Dr. or Prof. Dr."), FORM_TEXT,
	 .max_chars = 60},
	{"first_name", N_("First name"), NULL, FORM_TEXT, .max_chars = 100},
	{"last_name", N_("Last name"), NULL, FORM_TEXT, .required = true, .max_chars = 100},
	{"letter_salutation", N_("Letter salutation"), NULL, FORM_TEXT, .max_chars = 200},
	{"function", N_("Function"), N_("For example Schulleitung or Fachbereichsleitung."),
	 FORM_TEXT, .max_chars = 200},
	{"email", N_("Email address"), NULL, FORM_EMAIL, .max_chars = 254,
	 .group = N_("Contact")},
	{"phone", N_("Phone"), N_("For example +49 203 283-1234."), FORM_TEL, .max_chars = 50},
	{"mobile", N_("Mobile phone"), NULL, FORM_TEL, .max_chars = 50},
	{"street", N_("Street and number"), NULL, FORM_TEXT, .max_chars = 200},
	{"postcode", N_("Postcode"), N_("Five digits."), FORM_POSTCODE, .required = false},
	{"city", N_("Town or city"), NULL, FORM_TEXT, .max_chars = 100},
	{"preferred_channel", N_("Preferred channel"),
	 N_("E-mail needs an e-mail address; post needs street, postcode and town."), FORM_SELECT,
	 .required = true},
	{"legal_basis", N_("Legal basis of processing"),
	 N_("Work in the bodies rests on the public task, not on consent. Consents to publication, photos and newsletters are recorded separately on the person's page."),
	 FORM_SELECT, .required = true, .group = N_("Data protection")},
	{"legal_basis_note", N_("Note on the legal basis"),
	 N_("For example the decision or agreement the processing rests on."), FORM_TEXTAREA,
	 .max_chars = 500, .rows = 2},
	{"account_email", N_("Linked user account"),
	 N_("The login e-mail address of an existing user account, if this person has one. Leave empty for none."),
	 FORM_EMAIL, .max_chars = 254},
	{"notes", N_("Notes"), N_("Internal notes of the office. Like all data here, they are disclosed when the person asks for their data."),
	 FORM_TEXTAREA, .max_chars = 5000, .group = N_("Other")},
};

static form *person_form_new(const req_ctx *rc)
{
	form *f = form_new(person_fields, G_N_ELEMENTS(person_fields), "person");

	form_add_option(f, "address_form", "", view_t(rc, N_("No form of address")));
	form_add_option(f, "address_form", "frau", view_t(rc, N_("Ms")));
	form_add_option(f, "address_form", "herr", view_t(rc, N_("Mr")));
	form_add_option(f, "preferred_channel", "email", view_t(rc, N_("E-mail")));
	form_add_option(f, "preferred_channel", "post", view_t(rc, N_("Post")));
	static const char *const bases[] = {"public_task", "consent", "contract",
					    "legitimate_interest"};
	for (size_t i = 0; i < G_N_ELEMENTS(bases); i++)
		form_add_option(f, "legal_basis", bases[i], person_legal_basis_label(rc, bases[i]));
	form_set(f, "preferred_channel", "email");
	form_set(f, "legal_basis", "public_task");
	return f;
}

/* The form's model with the generated salutation as the hint of the free
 * one: the office sees what letters say when it leaves the field empty. */
static json_t *person_form_model(const form *f, const req_ctx *rc)
{
	json_t *m = form_model(f, rc);
	g_autofree char *generated = person_letter_salutation(
		form_value(f, "address_form"), form_value(f, "title"), form_value(f, "first_name"),
		form_value(f, "last_name"));
	g_autofree char *hint = NULL;
	size_t gi, fi;
	json_t *g, *fld;

	if (*form_value(f, "last_name"))
		hint = view_tf(rc, N_("Leave empty to use the generated salutation: “{salutation}”"),
			       "salutation", generated, NULL);
	else
		hint = g_strdup(view_t(rc, N_("Leave empty to use the salutation generated from form of address, title and name, e.g. “Sehr geehrte Frau Dr. Beispiel,” or “Guten Tag Alex Muster,”.")));
	json_array_foreach(json_object_get(m, "groups"), gi, g) {
		json_array_foreach(json_object_get(g, "fields"), fi, fld) {
			if (strcmp(register_jstr(fld, "name"), "letter_salutation"))
				continue;
			g_autofree char *id = g_strdup(register_jstr(fld, "id"));
			g_autoptr(GString) described = g_string_new(NULL);
			g_string_append_printf(described, "%s-hint", id);
			if (*register_jstr(fld, "error"))
				g_string_append_printf(described, " %s-error", id);
			json_object_set_new(fld, "hint", json_string(hint));
			json_object_set_new(fld, "describedby", json_string(described->str));
		}
	}
	json_object_set_new(m, "generated_salutation", json_string(generated));
	return m;
}

/* The new/edit page: status 200 or 422. person: the stored record (edit)
 * or NULL (new). Takes nothing. */
static int form_page(req_ctx *rc, int status, const form *f, json_t *person)
{
	int64_t id = person ? json_integer_value(json_object_get(person, "id")) : 0;
	g_autofree char *action = id ? register_href_id(rc, LIST_PATH "/", id, "/bearbeiten")
				     : view_href(rc, LIST_PATH "/neu");
	g_autofree char *cancel = id ? register_href_id(rc, LIST_PATH "/", id, "")
				     : view_href(rc, LIST_PATH);
	g_autofree char *title = NULL;
	json_t *fm = person_form_model(f, rc);
	json_t *crumbs = breadcrumb(rc, true);
	json_t *model;

	if (id) {
		title = view_tf(rc, N_("Edit {name}"), "name", register_jstr(person, "display_name"), NULL);
		g_autofree char *detail = register_href_id(rc, LIST_PATH "/", id, "");
		json_array_append_new(crumbs, json_pack("{s:s,s:s}", "label",
							register_jstr(person, "display_name"), "href", detail));
	} else {
		title = g_strdup(view_t(rc, N_("New person")));
	}
	model = json_pack("{s:s,s:s,s:s,s:b,s:O,s:o,s:o}", "title", title, "action", action,
			  "cancel_href", cancel, "is_new", id == 0, "errors",
			  json_object_get(fm, "errors"), "values", form_values_json(f), "form", fm);
	return view_page_full(rc, status, "pages/register_person_form", title, model, crumbs);
}

static int person_new(req_ctx *rc)
{
	g_autoptr(form) f = person_form_new(rc);
	return form_page(rc, 200, f, NULL);
}

/* Editing an erased person is refused: 409 with the reason. */
static int refuse_erased(req_ctx *rc, json_t *p)
{
	if (!json_is_true(json_object_get(p, "erased")))
		return 0;
	rc->error_message = N_("The data of this person have been erased; the record cannot be changed.");
	return 409;
}

static int person_edit(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = person_form_new(rc);
	int64_t id = register_path_id(rc, "id");
	json_t *p;
	int r;

	if (!id)
		return 404;
	p = person_store_get(&rc->ctx, id, &err);
	if (!p)
		return register_store_failed(rc, "reading a person", err);
	if ((r = refuse_erased(rc, p))) {
		json_decref(p);
		return r;
	}
	form_set_json(f, p);
	json_t *acc = json_object_get(p, "account");
	form_set(f, "account_email", json_is_object(acc) ? register_jstr(acc, "email") : "");
	r = form_page(rc, 200, f, p);
	json_decref(p);
	return r;
}

/* The checks that concern several fields, each message next to its field
 * (the store would name only the first). */
static void cross_checks(form *f, const req_ctx *rc)
{
	if (!strcmp(form_value(f, "preferred_channel"), "post")) {
		if (!*form_value(f, "street"))
			form_error(f, "street", view_t(rc, N_("Post is the preferred channel: please enter the street and number.")));
		if (!*form_value(f, "postcode"))
			form_error(f, "postcode", view_t(rc, N_("Post is the preferred channel: please enter the postcode.")));
		if (!*form_value(f, "city"))
			form_error(f, "city", view_t(rc, N_("Post is the preferred channel: please enter the town or city.")));
	} else if (!*form_value(f, "email")) {
		form_error(f, "email", view_t(rc, N_("E-mail is the preferred channel: please enter an e-mail address, or choose post.")));
	}
}

static person_input input_from(const form *f)
{
	return (person_input){
		.address_form = form_value(f, "address_form"),
		.title = form_value(f, "title"),
		.first_name = form_value(f, "first_name"),
		.last_name = form_value(f, "last_name"),
		.letter_salutation = form_value(f, "letter_salutation"),
		.function = form_value(f, "function"),
		.phone = form_value(f, "phone"),
		.mobile = form_value(f, "mobile"),
		.email = form_value(f, "email"),
		.street = form_value(f, "street"),
		.postcode = form_value(f, "postcode"),
		.city = form_value(f, "city"),
		.preferred_channel = form_value(f, "preferred_channel"),
		.legal_basis = form_value(f, "legal_basis"),
		.legal_basis_note = form_value(f, "legal_basis_note"),
		.notes = form_value(f, "notes"),
	};
}

/* Creates (id 0) or updates the person and sets its account link, in one
 * transaction. Returns the id, 0 when the form got a message (answer 422),
 * or -1 with err. */
static int64_t save_person(req_ctx *rc, form *f, int64_t id, GError **err)
{
	g_autoptr(account) acc = NULL;
	const char *account_email = form_value(f, "account_email");
	person_input in = input_from(f);
	int64_t rid = id;

	if (*account_email) {
		acc = account_store_get_by_email(&rc->ctx, account_email, err);
		if (!acc) {
			if (err && *err)
				return -1;
			form_error(f, "account_email", view_t(rc, N_("No user account has this e-mail address. Check the spelling, or leave the field empty.")));
			return 0;
		}
	}
	if (db_begin(rc->ctx.db, err) != DB_OK)
		return -1;
	if (id)
		rid = person_store_update(&rc->ctx, id, &in, err) < 0 ? -1 : id;
	else
		rid = person_store_create(&rc->ctx, &in, err);
	if (rid > 0) {
		int r = acc ? person_link_account(&rc->ctx, rid, acc->id, err)
			    : person_unlink_account(&rc->ctx, rid, err);
		if (r < 0)
			rid = -1;
	}
	if (rid < 0) {
		db_rollback(rc->ctx.db);
		if (register_error_to_form(f, rc, *err)) {
			g_clear_error(err);
			return 0;
		}
		return -1;
	}
	if (db_commit(rc->ctx.db, err) != DB_OK) {
		db_rollback(rc->ctx.db);
		return -1;
	}
	return rid;
}

static int person_detail_page(req_ctx *rc, int64_t id, int status, const char *notice,
			      form *aff_form, form *consent_form);

static int person_save(req_ctx *rc, int64_t id)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = person_form_new(rc);
	json_t *p = NULL;
	int64_t saved = 0;
	int r;

	if (id) {
		p = person_store_get(&rc->ctx, id, &err);
		if (!p)
			return register_store_failed(rc, "reading a person", err);
		if ((r = refuse_erased(rc, p))) {
			json_decref(p);
			return r;
		}
	}
	/* Every message at once: the field checks, then those across fields. */
	form_read(f, rc);
	cross_checks(f, rc);
	if (!form_has_errors(f)) {
		saved = save_person(rc, f, id, &err);
		if (saved < 0) {
			json_decref(p);
			return register_store_failed(rc, "saving a person", err);
		}
	}
	if (saved <= 0) {
		r = form_page(rc, 422, f, p);
		json_decref(p);
		return r;
	}
	json_decref(p);
	log_info("request %s: person %" G_GINT64_FORMAT " %s by account %" G_GINT64_FORMAT,
		 rc->req->request_id, saved, id ? "changed" : "created", rc->ctx.user_id);
	if (rc->req->wants_json)
		return person_detail_page(rc, saved, id ? 200 : 201,
					  view_t(rc, N_("The person has been saved.")), NULL, NULL);
	g_autofree char *to = id_path(LIST_PATH "/", saved, "?gespeichert=person");
	return view_redirect(rc, to);
}

static int person_create(req_ctx *rc)
{
	return person_save(rc, 0);
}

static int person_update(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	return id ? person_save(rc, id) : 404;
}

/* ---- the detail page ---------------------------------------------------- */

static const form_field affiliation_fields[] = {
	{"institution_id", N_("Institution"), NULL, FORM_SELECT, .required = true},
	{"function", N_("Function"), N_("For example Schulleitung."), FORM_TEXT, .max_chars = 200},
	{"start_day", N_("From"), N_("For example 1.8.2026. Leave empty when not known."),
	 FORM_DATE, .required = false},
	{"end_day", N_("Until"), N_("Leave empty while the affiliation lasts."), FORM_DATE,
	 .required = false},
};

static const form_field consent_fields[] = {
	{"kind", N_("Consent to"), NULL, FORM_SELECT, .required = true},
	{"given", N_("Answer"), NULL, FORM_SELECT, .required = true},
	{"day", N_("Day"), N_("The day the consent was given or withdrawn, e.g. 26.11.2026."),
	 FORM_DATE, .required = true},
	{"source", N_("Source"),
	 N_("How it reached the office, e.g. consent form of 3.2.2026 or e-mail of 5.2.2026."),
	 FORM_TEXT, .max_chars = 300},
};

static form *affiliation_form_new(req_ctx *rc, GError **err)
{
	json_t *choices = person_institution_choices(&rc->ctx, err);
	form *f;
	size_t i;
	json_t *c;

	if (!choices)
		return NULL;
	f = form_new(affiliation_fields, G_N_ELEMENTS(affiliation_fields), "affiliation");
	form_add_option(f, "institution_id", "", view_t(rc, N_("Please choose")));
	json_array_foreach(choices, i, c) {
		g_autofree char *v = g_strdup_printf("%" JSON_INTEGER_FORMAT,
						     json_integer_value(json_object_get(c, "id")));
		form_add_option(f, "institution_id", v, register_jstr(c, "name"));
	}
	json_decref(choices);
	return f;
}

static form *consent_form_new(req_ctx *rc)
{
	form *f = form_new(consent_fields, G_N_ELEMENTS(consent_fields), "consent");
	g_autofree char *today = register_today();

	form_add_option(f, "kind", "", view_t(rc, N_("Please choose")));
	for (size_t i = 0; person_consent_kinds[i]; i++)
		form_add_option(f, "kind", person_consent_kinds[i],
				person_consent_kind_label(rc, person_consent_kinds[i]));
	form_add_option(f, "given", "1", view_t(rc, N_("Given")));
	form_add_option(f, "given", "0", view_t(rc, N_("Withdrawn")));
	form_set(f, "given", "1");
	form_set(f, "day", today);
	return f;
}

static void decorate_affiliations(req_ctx *rc, json_t *p, int64_t id)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(p, "affiliations"), i, a) {
		int64_t aid = json_integer_value(json_object_get(a, "id"));
		g_autofree char *inst = register_href_id(rc, "/register/institutionen/",
						json_integer_value(json_object_get(a, "institution_id")), "");
		g_autofree char *path = g_strdup_printf(LIST_PATH "/%" G_GINT64_FORMAT
							"/zugehoerigkeiten/%" G_GINT64_FORMAT
							"/loeschen", id, aid);
		g_autofree char *del = view_href(rc, path);
		g_autofree char *period = period_label(
			rc, json_string_value(json_object_get(a, "start_day")),
			json_string_value(json_object_get(a, "end_day")));
		g_autofree char *del_label = view_tf(rc, N_("Remove the affiliation to {name}"),
						     "name", register_jstr(a, "institution_name"), NULL);
		bool current = json_is_true(json_object_get(a, "current"));
		json_object_set_new(a, "institution_href", json_string(inst));
		json_object_set_new(a, "delete_action", json_string(del));
		json_object_set_new(a, "delete_label", json_string(del_label));
		json_object_set_new(a, "period_label", json_string(period));
		json_object_set_new(a, "status_label",
				    json_string(current ? view_t(rc, N_("current"))
							: view_t(rc, N_("former"))));
	}
}

static void decorate_memberships(req_ctx *rc, json_t *p)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(p, "memberships"), i, m) {
		g_autofree char *body = register_href_id(rc, "/register/gremien/",
						json_integer_value(json_object_get(m, "body_id")), "");
		g_autofree char *period = period_label(
			rc, json_string_value(json_object_get(m, "start_day")),
			json_string_value(json_object_get(m, "end_day")));
		const char *inst = json_string_value(json_object_get(m, "institution_name"));
		const char *side = partner_side_label(rc, register_jstr(m, "partner_side"));
		g_autofree char *represents = NULL;
		bool current = json_is_true(json_object_get(m, "current"));

		if (inst && *side)
			represents = g_strconcat(inst, " (", side, ")", NULL);
		else
			represents = g_strdup(inst ? inst : side);
		json_object_set_new(m, "body_href", json_string(body));
		json_object_set_new(m, "role_label",
				    json_string(membership_role_label(rc, register_jstr(m, "role"))));
		json_object_set_new(m, "represents_label", json_string(represents));
		json_object_set_new(m, "voting_label",
				    json_string(json_is_true(json_object_get(m, "voting"))
							? view_t(rc, N_("yes"))
							: view_t(rc, N_("no"))));
		json_object_set_new(m, "period_label", json_string(period));
		json_object_set_new(m, "status_label",
				    json_string(current ? view_t(rc, N_("current"))
							: view_t(rc, N_("former"))));
	}
}

static void decorate_consents(req_ctx *rc, json_t *p)
{
	size_t i, k;
	json_t *c, *h;

	json_array_foreach(json_object_get(p, "consents"), i, c) {
		const char *state = register_jstr(c, "state");
		g_autofree char *day = register_day_label(rc, json_string_value(json_object_get(c, "day")));
		json_t *history = json_object_get(c, "history");
		json_object_set_new(c, "label",
				    json_string(person_consent_kind_label(rc, register_jstr(c, "kind"))));
		json_object_set_new(c, "state_label", json_string(person_consent_state_label(rc, state)));
		json_object_set_new(c, "is_given", json_boolean(!strcmp(state, "given")));
		json_object_set_new(c, "day_label", json_string(day));
		json_object_set_new(c, "has_history", json_boolean(json_array_size(history) > 1));
		json_array_foreach(history, k, h) {
			g_autofree char *hday = register_day_label(rc, register_jstr(h, "day"));
			g_autofree char *at = view_datetime(rc, register_jstr(h, "recorded_at"));
			json_object_set_new(h, "answer_label",
					    json_string(json_is_true(json_object_get(h, "given"))
								? view_t(rc, N_("Given"))
								: view_t(rc, N_("Withdrawn"))));
			json_object_set_new(h, "day_label", json_string(hday));
			json_object_set_new(h, "recorded_label", json_string(at));
		}
	}
}

/* The detail page. The two forms show their values and messages when
 * given (after a refused POST), else empty. */
static int person_detail_page(req_ctx *rc, int64_t id, int status, const char *notice,
			      form *aff_form, form *consent_form)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) own_aff = NULL;
	g_autoptr(form) own_consent = NULL;
	json_t *p = person_store_get(&rc->ctx, id, &err);
	json_t *model, *errors;

	if (!p)
		return register_store_failed(rc, "reading a person", err);
	if (!aff_form) {
		own_aff = affiliation_form_new(rc, &err);
		if (!own_aff) {
			json_decref(p);
			return register_store_failed(rc, "reading the institutions", err);
		}
		aff_form = own_aff;
	}
	if (!consent_form) {
		own_consent = consent_form_new(rc);
		consent_form = own_consent;
	}
	decorate_affiliations(rc, p, id);
	decorate_memberships(rc, p);
	decorate_consents(rc, p);

	/* An erased person (Art. 17, privacy.h) shows the translation of
	 * "Anonymisierte Person" and offers no edits. */
	bool erased = json_is_true(json_object_get(p, "erased"));
	if (erased)
		json_object_set_new(p, "display_name", json_string(view_t(rc, N_("Anonymised person"))));
	const char *display = register_jstr(p, "display_name");
	g_autofree char *erased_at = view_datetime(rc, register_jstr(p, "erased_at"));
	g_autofree char *export_href = register_href_id(rc, LIST_PATH "/", id, "/auskunft");
	g_autofree char *erase_href = register_href_id(rc, LIST_PATH "/", id, "/loeschen-dsgvo");
	g_autofree char *edit = register_href_id(rc, LIST_PATH "/", id, "/bearbeiten");
	g_autofree char *del = register_href_id(rc, LIST_PATH "/", id, "/loeschen");
	g_autofree char *aff_action = register_href_id(rc, LIST_PATH "/", id, "/zugehoerigkeiten");
	g_autofree char *consent_action =
		register_href_id(rc, LIST_PATH "/", id, "/einwilligungen");
	json_t *affm = form_model(aff_form, rc);
	json_t *conm = form_model(consent_form, rc);
	bool uses_default = !*register_jstr(p, "letter_salutation");

	json_object_set_new(p, "address_form_label",
			    json_string(person_address_form_label(rc, register_jstr(p, "address_form"))));
	json_object_set_new(p, "channel_label",
			    json_string(person_channel_label(rc, register_jstr(p, "preferred_channel"))));
	json_object_set_new(p, "legal_basis_label",
			    json_string(person_legal_basis_label(rc, register_jstr(p, "legal_basis"))));
	json_object_set_new(p, "salutation_is_default", json_boolean(uses_default));
	json_object_set_new(p, "has_address",
			    json_boolean(*register_jstr(p, "street") || *register_jstr(p, "postcode") ||
					 *register_jstr(p, "city")));
	{
		g_autofree char *updated = view_datetime(rc, register_jstr(p, "updated_at"));
		json_object_set_new(p, "updated_label", json_string(updated));
	}
	errors = json_array();
	json_array_extend(errors, json_object_get(affm, "errors"));
	json_array_extend(errors, json_object_get(conm, "errors"));
	model = json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:o,s:o,s:o}", "person", p, "notice",
			  notice ? notice : "", "edit_href", edit, "delete_href", del,
			  "affiliation_action", aff_action, "consent_action", consent_action,
			  "has_affiliations", json_array_size(json_object_get(p, "affiliations")) > 0,
			  "has_memberships", json_array_size(json_object_get(p, "memberships")) > 0,
			  "affiliation_form", affm, "consent_form", conm, "errors", errors);
	json_object_set_new(model, "erased", json_boolean(erased));
	json_object_set_new(model, "erased_label", json_string(erased_at));
	json_object_set_new(model, "export_href", json_string(export_href));
	json_object_set_new(model, "erase_href", json_string(erase_href));
	{
		g_autofree char *log_href = register_href_id(rc, LIST_PATH "/", id, "/protokoll");
		json_object_set_new(model, "changelog_href", json_string(log_href));
	}
	return view_page_full(rc, status, "pages/register_person", display, model,
			      breadcrumb(rc, true));
}

static int person_show(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	const char *notice = NULL;

	if (!id)
		return 404;
	if (!g_strcmp0(saved, "person"))
		notice = view_t(rc, N_("The person has been saved."));
	else if (!g_strcmp0(saved, "zugehoerigkeit"))
		notice = view_t(rc, N_("The affiliation has been added."));
	else if (!g_strcmp0(saved, "zugehoerigkeit-entfernt"))
		notice = view_t(rc, N_("The affiliation has been removed."));
	else if (!g_strcmp0(saved, "einwilligung"))
		notice = view_t(rc, N_("The answer on the consent has been recorded."));
	return person_detail_page(rc, id, 200, notice, NULL, NULL);
}

/* 0 when the person exists in the region, else the status to answer. */
static int person_exists_status(const req_ctx *rc, int64_t id)
{
	g_autoptr(GError) err = NULL;
	int r = person_store_exists(&rc->ctx, id, &err);

	if (r < 0)
		return register_store_failed(rc, "looking up a person", err);
	return r ? 0 : 404;
}

/* After a change on the detail page: back to it (303), or its model. */
static int back_to_person(req_ctx *rc, int64_t id, const char *what, const char *notice)
{
	if (rc->req->wants_json)
		return person_detail_page(rc, id, 200, notice, NULL, NULL);
	g_autofree char *to = g_strdup_printf(LIST_PATH "/%" G_GINT64_FORMAT "?gespeichert=%s", id,
					      what);
	return view_redirect(rc, to);
}

static int affiliation_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = NULL;
	int64_t id = register_path_id(rc, "id");
	int r;

	if (!id)
		return 404;
	r = person_exists_status(rc, id);
	if (r)
		return r;
	f = affiliation_form_new(rc, &err);
	if (!f)
		return register_store_failed(rc, "reading the institutions", err);
	if (form_read(f, rc)) {
		if (affiliation_add(&rc->ctx, id, form_int(f, "institution_id"),
				    form_value(f, "function"), form_value_or_null(f, "start_day"),
				    form_value_or_null(f, "end_day"), &err) > 0) {
			log_info("request %s: affiliation of person %" G_GINT64_FORMAT
				 " added by account %" G_GINT64_FORMAT, rc->req->request_id, id,
				 rc->ctx.user_id);
			return back_to_person(rc, id, "zugehoerigkeit",
					      view_t(rc, N_("The affiliation has been added.")));
		}
		if (!register_error_to_form(f, rc, err))
			return register_store_failed(rc, "adding an affiliation", err);
	}
	return person_detail_page(rc, id, 422, NULL, f, NULL);
}

static int affiliation_delete_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	int64_t aid = register_path_id(rc, "aid");

	if (!id || !aid)
		return 404;
	if (affiliation_delete(&rc->ctx, id, aid, &err) < 0)
		return register_store_failed(rc, "removing an affiliation", err);
	log_info("request %s: affiliation %" G_GINT64_FORMAT " of person %" G_GINT64_FORMAT
		 " removed by account %" G_GINT64_FORMAT, rc->req->request_id, aid, id,
		 rc->ctx.user_id);
	return back_to_person(rc, id, "zugehoerigkeit-entfernt",
			      view_t(rc, N_("The affiliation has been removed.")));
}

static int consent_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = consent_form_new(rc);
	int64_t id = register_path_id(rc, "id");
	int r;

	if (!id)
		return 404;
	r = person_exists_status(rc, id);
	if (r)
		return r;
	if (form_read(f, rc)) {
		bool given = !strcmp(form_value(f, "given"), "1");
		if (person_consent_record(&rc->ctx, id, form_value(f, "kind"), given,
					  form_value(f, "day"), form_value(f, "source"), &err) > 0) {
			log_info("request %s: consent %s of person %" G_GINT64_FORMAT
				 " recorded as %s by account %" G_GINT64_FORMAT, rc->req->request_id,
				 form_value(f, "kind"), id, given ? "given" : "withdrawn",
				 rc->ctx.user_id);
			return back_to_person(rc, id, "einwilligung",
					      view_t(rc, N_("The answer on the consent has been recorded.")));
		}
		if (!register_error_to_form(f, rc, err))
			return register_store_failed(rc, "recording a consent", err);
	}
	return person_detail_page(rc, id, 422, NULL, NULL, f);
}

/* ---- delete ------------------------------------------------------------- */

static int delete_page(req_ctx *rc, int64_t id, int status, const char *error)
{
	g_autoptr(GError) err = NULL;
	json_t *p = person_store_get(&rc->ctx, id, &err);
	size_t consents = 0, i;
	json_t *c;

	if (!p)
		return register_store_failed(rc, "reading a person", err);
	json_array_foreach(json_object_get(p, "consents"), i, c)
		consents += json_array_size(json_object_get(c, "history"));
	size_t memberships = json_array_size(json_object_get(p, "memberships"));
	size_t affiliations = json_array_size(json_object_get(p, "affiliations"));
	g_autofree char *action = register_href_id(rc, LIST_PATH "/", id, "/loeschen");
	g_autofree char *back = register_href_id(rc, LIST_PATH "/", id, "");
	g_autofree char *title = view_tf(rc, N_("Delete {name}"), "name", register_jstr(p, "display_name"),
					 NULL);
	g_autofree char *n_aff = format_int(rc->req->lang, (int64_t)affiliations);
	g_autofree char *n_con = format_int(rc->req->lang, (int64_t)consents);
	g_autofree char *n_mem = format_int(rc->req->lang, (int64_t)memberships);
	g_autofree char *aff_label = view_tf(rc, affiliations == 1 ? N_("{n} affiliation to an institution")
								    : N_("{n} affiliations to institutions"),
					     "n", n_aff, NULL);
	g_autofree char *con_label = view_tf(rc, consents == 1 ? N_("{n} recorded answer on consents")
								: N_("{n} recorded answers on consents"),
					     "n", n_con, NULL);
	g_autofree char *blocked = view_tf(rc, memberships == 1 ? N_("{name} has {n} membership in a body (current or former) and cannot be deleted. Memberships are part of the bodies' history; remove them on the body's page first if they were entered by mistake.")
							       : N_("{name} has {n} memberships in bodies (current or former) and cannot be deleted. Memberships are part of the bodies' history; remove them on the bodies' pages first if they were entered by mistake."),
					   "name", register_jstr(p, "display_name"), "n", n_mem, NULL);
	json_t *crumbs = breadcrumb(rc, true);
	json_array_append_new(crumbs, json_pack("{s:s,s:s}", "label", register_jstr(p, "display_name"),
						"href", back));
	json_t *model = json_pack(
		"{s:s,s:I,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:b,s:s,s:o}", "title", title, "id", (json_int_t)id,
		"display_name", register_jstr(p, "display_name"), "action", action, "cancel_href", back,
		"can_delete", memberships == 0, "blocked_message", memberships ? blocked : "",
		"affiliations_label", aff_label, "consents_label", con_label, "has_account",
		json_is_object(json_object_get(p, "account")), "error", error ? error : "",
		"errors", error ? json_pack("[{s:s,s:s}]", "field", "", "message", error)
				: json_array());
	json_object_set_new(model, "memberships", json_incref(json_object_get(p, "memberships")));
	decorate_memberships(rc, model);
	json_decref(p);
	return view_page_full(rc, status, "pages/register_person_delete", title, model, crumbs);
}

static int person_delete_confirm(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	return id ? delete_page(rc, id, 200, NULL) : 404;
}

static int person_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");

	if (!id)
		return 404;
	if (person_store_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE)) {
			int r = delete_page(rc, id, 409, view_t(rc, err->message));
			return r ? r : 0;
		}
		return register_store_failed(rc, "deleting a person", err);
	}
	log_info("request %s: person %" G_GINT64_FORMAT " deleted by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	if (rc->req->wants_json) {
		view_json(rc->resp, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", true));
		return 0;
	}
	return view_redirect(rc, LIST_PATH "?geloescht=1");
}

/* ---- the list ------------------------------------------------------------- */

/* Options [{value, label, selected}] from choices [{id, name}]. */
static json_t *id_options(const req_ctx *rc, json_t *choices, int64_t current)
{
	json_t *opts = json_array();
	size_t i;
	json_t *c;

	json_array_append_new(opts, json_pack("{s:s,s:s,s:b}", "value", "", "label",
					      view_t(rc, N_("All")), "selected", current == 0));
	json_array_foreach(choices, i, c) {
		int64_t id = json_integer_value(json_object_get(c, "id"));
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, id);
		json_array_append_new(opts, json_pack("{s:s,s:s,s:b}", "value", v, "label",
						      register_jstr(c, "name"), "selected", id == current));
	}
	return opts;
}

static void decorate_rows(req_ctx *rc, json_t *rows)
{
	size_t i, k;
	json_t *r, *inst;

	json_array_foreach(rows, i, r) {
		g_autofree char *href = register_href_id(rc, LIST_PATH "/",
						json_integer_value(json_object_get(r, "id")), "");
		json_object_set_new(r, "href", json_string(href));
		json_object_set_new(r, "channel_label",
				    json_string(person_channel_label(rc, register_jstr(r, "preferred_channel"))));
		json_array_foreach(json_object_get(r, "institutions"), k, inst) {
			g_autofree char *ih = register_href_id(rc, "/register/institutionen/",
						      json_integer_value(json_object_get(inst, "id")), "");
			json_object_set_new(inst, "href", json_string(ih));
		}
		json_object_set_new(r, "has_institutions",
				    json_boolean(json_array_size(json_object_get(r, "institutions")) > 0));
	}
}

static int person_list(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *raw_q = http_params_get(rc->req->query, "q");
	g_autofree char *q = text_collapse_ws(raw_q ? raw_q : "");
	const char *channel = http_params_get(rc->req->query, "kanal");
	const char *consent = http_params_get(rc->req->query, "einwilligung");
	const char *sort = http_params_get(rc->req->query, "sortierung");
	int64_t institution = register_query_id(rc, "institution");
	int64_t body = register_query_id(rc, "gremium");
	list_page pg = list_page_from(rc, PER_PAGE);
	const char *q_error = NULL;
	int status = 200;
	json_t *list = NULL, *rows, *institutions, *bodies;

	if (institution < 0 || body < 0) {
		rc->error_field = institution < 0 ? "institution" : "gremium";
		return 400;
	}
	person_filter f = {
		.institution_id = institution,
		.body_id = body,
		.channel = channel,
		.publish_consent = !g_strcmp0(consent, "ja") ? 1 : !g_strcmp0(consent, "nein") ? 0 : -1,
		.q = q,
		.sort = !g_strcmp0(sort, "email") ? "email"
			: !g_strcmp0(sort, "geaendert") ? "updated" : "name",
		.limit = pg.per_page,
		.offset = pg.offset,
	};
	list = person_store_list(&rc->ctx, &f, &err);
	if (!list) {
		if (!err || err->domain != BIREG_SEARCH_ERROR)
			return register_store_failed(rc, "listing people", err);
		q_error = register_query_error(rc, err);
		status = 422;
		list = json_pack("{s:i,s:b,s:b,s:[]}", "total", 0, "more", false, "capped", false,
				 "rows");
		g_clear_error(&err);
	}
	institutions = person_institution_choices(&rc->ctx, &err);
	bodies = institutions ? person_body_choices(&rc->ctx, &err) : NULL;
	if (!bodies) {
		json_decref(institutions);
		json_decref(list);
		return register_store_failed(rc, "reading the choices", err);
	}

	int64_t total = json_integer_value(json_object_get(list, "total"));
	/* a long list is counted only up to a point: "more than {n}" */
	bool more = json_is_true(json_object_get(list, "more"));
	rows = json_incref(json_object_get(list, "rows"));
	decorate_rows(rc, rows);
	bool filtered = *q || institution || body || (channel && *channel) || f.publish_consent >= 0;
	g_autofree char *action = view_href(rc, LIST_PATH);
	g_autofree char *new_href = view_href(rc, LIST_PATH "/neu");
	g_autofree char *n = format_int(rc->req->lang, total);
	g_autofree char *max = format_int(rc->req->lang, PERSON_SEARCH_MAX);
	g_autofree char *count = NULL;
	if (*q)
		count = view_tf(rc, total == 1 ? N_("1 person found for “{q}”.")
					       : N_("{n} people found for “{q}”."),
				"n", n, "q", q, NULL);
	else if (more && filtered)
		count = view_tf(rc, N_("More than {n} people match the filters."), "n", n, NULL);
	else if (more)
		count = view_tf(rc, N_("More than {n} people in the register."), "n", n, NULL);
	else if (filtered)
		count = view_tf(rc, total == 1 ? N_("1 person matches the filters.")
					       : N_("{n} people match the filters."),
				"n", n, NULL);
	else
		count = view_tf(rc, total == 1 ? N_("1 person in the register.")
					       : N_("{n} people in the register."),
				"n", n, NULL);
	g_autofree char *capped = view_tf(rc, N_("Only the {max} best hits of the search were filtered; a more precise search term finds the others."),
					  "max", max, NULL);
	const char *q_fields[] = {"q"};
	const char *q_msgs[] = {q_error};

	json_t *filter = json_pack(
		"{s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:s}", "action", action, "q", q,
		"q_error", q_error ? q_error : "", "has_errors", q_error != NULL, "errors",
		view_form_errors(q_fields, q_msgs, 1), "institution_options",
		id_options(rc, institutions, institution), "body_options",
		id_options(rc, bodies, body), "channel_options",
		json_pack("[o,o,o]", register_option("", view_t(rc, N_("All")), !channel || !*channel),
			  register_option("email", view_t(rc, N_("E-mail")), !g_strcmp0(channel, "email")),
			  register_option("post", view_t(rc, N_("Post")), !g_strcmp0(channel, "post"))),
		"consent_options",
		json_pack("[o,o,o]", register_option("", view_t(rc, N_("All")), !consent || !*consent),
			  register_option("ja", view_t(rc, N_("Given")), !g_strcmp0(consent, "ja")),
			  register_option("nein", view_t(rc, N_("Not given")), !g_strcmp0(consent, "nein"))),
		"sort_options",
		json_pack("[o,o,o]", register_option("name", view_t(rc, N_("Name")), !g_strcmp0(f.sort, "name")),
			  register_option("email", view_t(rc, N_("Email address")), !strcmp(f.sort, "email")),
			  register_option("geaendert", view_t(rc, N_("Last changed")), !strcmp(f.sort, "updated"))),
		"active", filtered, "reset_href", action);
	json_decref(institutions);
	json_decref(bodies);

	const char *notice = http_params_get(rc->req->query, "geloescht")
				     ? view_t(rc, N_("The person has been deleted."))
				     : "";
	json_t *model = json_pack(
		"{s:o,s:I,s:b,s:s,s:b,s:s,s:o,s:b,s:s,s:o,s:s,s:b,s:I,s:o}", "filter", filter,
		"total", (json_int_t)total, "more", more, "count_label", count, "capped",
		json_is_true(json_object_get(list, "capped")), "capped_label", capped, "people",
		rows, "has_people", json_array_size(rows) > 0, "new_href", new_href, "pagination",
		list_pagination_model_open(rc, LIST_PATH, total, more, pg), "notice", notice,
		"searching", *q != '\0', "page", (json_int_t)pg.page, "errors",
		view_form_errors(q_fields, q_msgs, 1));
	json_decref(list);
	register_export_links(rc, model, LIST_PATH);
	return view_page_full(rc, status, "pages/register_person_list", view_t(rc, N_("People")),
			      model, breadcrumb(rc, false));
}

/* ---- routes --------------------------------------------------------------- */

static const param_rule list_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "institution", .kind = PARAM_STRING, .max_len = 20},
	{.name = "gremium", .kind = PARAM_STRING, .max_len = 20},
	{.name = "kanal", .kind = PARAM_ENUM, .choices = "|email|post"},
	{.name = "einwilligung", .kind = PARAM_ENUM, .choices = "|ja|nein"},
	{.name = "sortierung", .kind = PARAM_ENUM, .choices = "|name|email|geaendert"},
	{.name = "seite", .kind = PARAM_STRING, .max_len = 20},
	{.name = "geloescht", .kind = PARAM_ENUM, .choices = "1"},
	{0},
};

static const param_rule show_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM,
	 .choices = "person|zugehoerigkeit|zugehoerigkeit-entfernt|einwilligung"},
	{0},
};

#define FORM_BODY (64 * 1024)

const route person_routes[] = {
	{HTTP_GET, LIST_PATH, "register.people.list", perm_office, "office", list_params,
	 person_list, ROUTE_REGION, 0},
	{HTTP_GET, LIST_PATH "/neu", "register.people.new", perm_office, "office", NULL, person_new,
	 ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/neu", "register.people.create", perm_office, "office", NULL,
	 person_create, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, LIST_PATH "/{id}", "register.people.show", perm_office, "office", show_params,
	 person_show, ROUTE_REGION, 0},
	{HTTP_GET, LIST_PATH "/{id}/bearbeiten", "register.people.edit", perm_office, "office",
	 NULL, person_edit, ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/{id}/bearbeiten", "register.people.update", perm_office, "office",
	 NULL, person_update, ROUTE_REGION, FORM_BODY},
	{HTTP_GET, LIST_PATH "/{id}/loeschen", "register.people.delete_confirm", perm_office,
	 "office", NULL, person_delete_confirm, ROUTE_REGION, 0},
	{HTTP_POST, LIST_PATH "/{id}/loeschen", "register.people.delete", perm_office, "office",
	 NULL, person_delete, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, LIST_PATH "/{id}/zugehoerigkeiten", "register.people.affiliation.add",
	 perm_office, "office", NULL, affiliation_post, ROUTE_REGION, FORM_BODY},
	{HTTP_POST, LIST_PATH "/{id}/zugehoerigkeiten/{aid}/loeschen",
	 "register.people.affiliation.delete", perm_office, "office", NULL,
	 affiliation_delete_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, LIST_PATH "/{id}/einwilligungen", "register.people.consent.add", perm_office,
	 "office", NULL, consent_post, ROUTE_REGION, FORM_BODY},
	{0},
};
