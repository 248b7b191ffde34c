/*
 * body_web.c — the office's pages of bodies and memberships:
 *
 *   /register/gremien                      list with filters (level, type, current/all)
 *   /register/gremien/neu                  new body (form with the rules of procedure)
 *   /register/gremien/{id}                 detail: data, rules in plain sentences,
 *                                          reports to / reporting bodies, members by
 *                                          role with substitutes, former members
 *   /register/gremien/{id}/bearbeiten      edit
 *   /register/gremien/{id}/loeschen        confirm and delete (only without memberships)
 *   /register/gremien/{id}/mitglieder/neu  add a membership (search a person first)
 *   /register/mitgliedschaften/{id}/…      bearbeiten, beenden, loeschen
 *
 * A region may have thousands of people, so the membership form has no
 * select of all of them: a GET search (kind "person" of the search index)
 * lists matches with a link that chooses one; the chosen person (and the
 * matches) are the options of the person field. Every form is read and
 * checked by form.c; rules across fields and rows are the stores', and a
 * refusal comes back next to its field with 422 and nothing stored.
 */
#include "modules/register/body_web.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
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

#define BODIES_PER_PAGE 50
/* Matches of the person search shown at once; a more precise name finds
 * the others. */
#define PERSON_HITS 20

/* ---- small helpers ---------------------------------------------------- */

static const char *jstr_or_null(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *id_text(int64_t id)
{
	return g_strdup_printf("%" G_GINT64_FORMAT, id);
}

/* view_href of prefix + id + suffix ("/register/gremien/", 7, "/bearbeiten"). */
static char *href_for(const req_ctx *rc, const char *prefix, int64_t id, const char *suffix)
{
	g_autofree char *path = g_strdup_printf("%s%" G_GINT64_FORMAT "%s", prefix, id, suffix);
	return view_href(rc, path);
}

char *body_period_label(const req_ctx *rc, const char *from, const char *until)
{
	g_autofree char *f = register_day_label(rc, from);
	g_autofree char *u = register_day_label(rc, until);

	if (*f && *u)
		return view_tf(rc, N_("{from} to {until}"), "from", f, "until", u, NULL);
	if (*f)
		return view_tf(rc, N_("since {date}"), "date", f, NULL);
	if (*u)
		return view_tf(rc, N_("until {date}"), "date", u, NULL);
	return g_strdup("");
}

static char *days_label(const req_ctx *rc, int64_t n)
{
	g_autofree char *num = format_int(rc->req->lang, n);

	if (n == 1)
		return g_strdup(view_t(rc, N_("1 day")));
	return view_tf(rc, N_("{n} days"), "n", num, NULL);
}

/* The breadcrumb of the office's body pages: Register › Gremien (› the
 * body, when name is given). */
static json_t *office_crumbs(const req_ctx *rc, const char *name, const char *href)
{
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *list = view_href(rc, "/register/gremien");
	json_t *c = json_pack("[{s:s,s:s},{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href",
			      reg, "label", view_t(rc, N_("Bodies")), "href", list);

	if (name)
		json_array_append_new(c, json_pack("{s:s,s:s}", "label", name, "href", href));
	return c;
}

/* ---- labels of the rules of procedure --------------------------------- */

typedef struct choice {
	const char *value, *msgid;
} choice;

static const choice chair_choices[] = {
	{"single", N_("One chair")},
	{"co_chairs", N_("Two equal co-chairs")},
};
static const choice decision_choices[] = {
	{"consensus", N_("Consensus")},
	{"majority", N_("Majority of the votes cast")},
	{"unanimity", N_("Unanimity")},
	{"recommendation", N_("Recommendations only, no decisions")},
};
static const choice quorum_choices[] = {
	{"none", N_("No quorum rule")},
	{"share", N_("A share of the voting members present")},
	{"both_partners", N_("Both partners (Land and Kommune) represented")},
};
static const choice written_choices[] = {
	{"none", N_("Not allowed")},
	{"majority", N_("Allowed, decided by majority")},
	{"all_consent", N_("Allowed only with every member's consent in text form")},
};
static const choice access_choices[] = {
	{"members", N_("Members and their personal substitutes")},
	{"voting", N_("Voting members only")},
	{"office", N_("The office only")},
};
static const choice partner_choices[] = {
	{"", N_("None")},
	{"land", N_("Land")},
	{"kommune", N_("Kommune")},
};

static const char *choice_label(const req_ctx *rc, const choice *c, size_t n, const char *value)
{
	for (size_t i = 0; value && i < n; i++)
		if (!strcmp(c[i].value, value))
			return view_t(rc, c[i].msgid);
	return "";
}
#define CHOICE_LABEL(rc, table, value) choice_label(rc, table, G_N_ELEMENTS(table), value)

const char *body_chair_mode_label(const req_ctx *rc, const char *v)
{
	return CHOICE_LABEL(rc, chair_choices, v);
}

const char *body_decision_mode_label(const req_ctx *rc, const char *v)
{
	return CHOICE_LABEL(rc, decision_choices, v);
}

const char *body_quorum_rule_label(const req_ctx *rc, const char *v)
{
	return CHOICE_LABEL(rc, quorum_choices, v);
}

const char *body_written_procedure_label(const req_ctx *rc, const char *v)
{
	return CHOICE_LABEL(rc, written_choices, v);
}

const char *body_nonpublic_access_label(const req_ctx *rc, const char *v)
{
	return CHOICE_LABEL(rc, access_choices, v);
}

const char *membership_partner_side_label(const req_ctx *rc, const char *v)
{
	/* "" is the form's "None"; in the log an empty side is no value */
	return v && *v ? CHOICE_LABEL(rc, partner_choices, v) : "";
}

static void add_choices(form *f, const req_ctx *rc, const char *field, const choice *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		form_add_option(f, field, c[i].value, view_t(rc, c[i].msgid));
}
#define ADD_CHOICES(f, rc, field, table) add_choices(f, rc, field, table, G_N_ELEMENTS(table))

static void add_rule(json_t *list, const char *key, const char *label, const char *text)
{
	json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "key", key, "label", label, "text",
					      text));
}

json_t *body_rules_model(const req_ctx *rc, json_t *body)
{
	json_t *rules = json_array();
	const char *chair = register_jstr(body, "chair_mode"), *decision = register_jstr(body, "decision_mode");
	const char *quorum = register_jstr(body, "quorum_rule"), *written = register_jstr(body, "written_procedure");
	const char *access = register_jstr(body, "nonpublic_access");
	int64_t inv = register_jint(body, "invitation_days"), urgent = register_jint(body, "invitation_days_urgent");
	int64_t papers = register_jint(body, "papers_days"), objection = register_jint(body, "objection_days");
	g_autofree char *inv_l = days_label(rc, inv);
	g_autofree char *urgent_l = days_label(rc, urgent);
	g_autofree char *papers_l = days_label(rc, papers);
	g_autofree char *objection_l = days_label(rc, objection);
	g_autofree char *share = format_percent(rc->req->lang, (double)register_jint(body, "quorum_share_pct"), 0);
	g_autofree char *text = NULL;

	add_rule(rules, "chair_mode", view_t(rc, N_("Chair")),
		 !strcmp(chair, "co_chairs") ? view_t(rc, N_("Two equal co-chairs lead the body together."))
					     : view_t(rc, N_("The body has one chair.")));
	if (!strcmp(decision, "consensus"))
		text = g_strdup(view_t(rc, N_("Decisions by consensus.")));
	else if (!strcmp(decision, "unanimity"))
		text = g_strdup(view_t(rc, N_("Decisions only unanimously.")));
	else if (!strcmp(decision, "recommendation"))
		text = g_strdup(view_t(rc, N_("The body makes recommendations; it does not take decisions.")));
	else
		text = g_strdup(view_t(rc, N_("Decisions by a majority of the votes cast.")));
	add_rule(rules, "decision_mode", view_t(rc, N_("Decisions")), text);
	g_clear_pointer(&text, g_free);
	if (!strcmp(quorum, "both_partners"))
		text = g_strdup(view_t(rc, N_("It has a quorum when both partners – Land and Kommune – are represented.")));
	else if (!strcmp(quorum, "share"))
		text = view_tf(rc, N_("It has a quorum when at least {share} of the voting members are present."),
			       "share", share, NULL);
	else
		text = g_strdup(view_t(rc, N_("It has a quorum without a minimum attendance.")));
	add_rule(rules, "quorum_rule", view_t(rc, N_("Quorum")), text);
	g_clear_pointer(&text, g_free);
	if (urgent < inv)
		text = view_tf(rc, N_("Ladungsfrist {days}, in urgent cases {urgent}."), "days", inv_l,
			       "urgent", urgent_l, NULL);
	else
		text = view_tf(rc, N_("Ladungsfrist {days}, also in urgent cases."), "days", inv_l,
			       NULL);
	add_rule(rules, "invitation_days", view_t(rc, N_("Ladungsfrist")), text);
	g_clear_pointer(&text, g_free);
	if (papers > 0)
		text = view_tf(rc, N_("The papers reach the members at least {days} before the meeting."),
			       "days", papers_l, NULL);
	else
		text = g_strdup(view_t(rc, N_("Papers may still be handed in up to the meeting.")));
	add_rule(rules, "papers_days", view_t(rc, N_("Unterlagenfrist")), text);
	g_clear_pointer(&text, g_free);
	if (objection > 0)
		text = view_tf(rc, N_("Einwendungsfrist {days}: if no member objects within this period after the minutes are sent, they count as approved."),
			       "days", objection_l, NULL);
	else
		text = g_strdup(view_t(rc, N_("The minutes are approved in the next meeting.")));
	add_rule(rules, "objection_days", view_t(rc, N_("Minutes")), text);
	g_clear_pointer(&text, g_free);
	add_rule(rules, "written_procedure", view_t(rc, N_("Umlaufverfahren")),
		 !strcmp(written, "majority")
			 ? view_t(rc, N_("Decisions in writing (Umlaufverfahren) are possible by majority."))
		 : !strcmp(written, "all_consent")
			 ? view_t(rc, N_("Decisions in writing (Umlaufverfahren) need every member's consent in text form."))
			 : view_t(rc, N_("Decisions in writing (Umlaufverfahren) are not provided for.")));
	add_rule(rules, "public", view_t(rc, N_("Public")),
		 json_is_true(json_object_get(body, "public")) ? view_t(rc, N_("The meetings are public."))
							       : view_t(rc, N_("The meetings are not public.")));
	add_rule(rules, "nonpublic_access", view_t(rc, N_("Non-public papers")),
		 !strcmp(access, "voting")
			 ? view_t(rc, N_("Non-public papers are seen by the voting members only."))
		 : !strcmp(access, "office")
			 ? view_t(rc, N_("Non-public papers are seen by the office only."))
			 : view_t(rc, N_("Non-public papers are seen by the members and their personal substitutes.")));
	return rules;
}

/* ---- members grouped by role ------------------------------------------ */

static const choice role_headings[] = {
	{"chair", N_("Chair")},
	{"vice_chair", N_("Vice chair")},
	{"coordination", N_("Coordination")},
	{"management", N_("Management")},
	{"member", N_("Members")},
	{"substitute", N_("Personal substitutes")},
	{"advisory", N_("Advisory members")},
	{"guest", N_("Guests")},
};

static json_t *member_model(const req_ctx *rc, json_t *m, bool office)
{
	int64_t id = register_jint(m, "id");
	g_autofree char *period = body_period_label(rc, jstr_or_null(m, "start_day"),
						    jstr_or_null(m, "end_day"));
	g_autofree char *person_href = office ? href_for(rc, "/register/personen/", register_jint(m, "person_id"), "")
					      : g_strdup("");
	g_autofree char *edit = office ? href_for(rc, "/register/mitgliedschaften/", id, "/bearbeiten") : g_strdup("");
	g_autofree char *end = office ? href_for(rc, "/register/mitgliedschaften/", id, "/beenden") : g_strdup("");
	g_autofree char *del = office ? href_for(rc, "/register/mitgliedschaften/", id, "/loeschen") : g_strdup("");
	const char *side = register_jstr(m, "partner_side");
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:[]}",
		"id", (json_int_t)id, "person_id", (json_int_t)register_jint(m, "person_id"), "person_name",
		json_is_true(json_object_get(m, "person_erased")) ? view_t(rc, N_("Anonymised person"))
								  : register_jstr(m, "person_name"),
		"role", register_jstr(m, "role"), "role_label",
		membership_role_label(rc, register_jstr(m, "role")), "institution_name",
		register_jstr(m, "institution_name"), "partner_side", side, "partner_label",
		*side ? CHOICE_LABEL(rc, partner_choices, side) : "", "voting",
		json_is_true(json_object_get(m, "voting")), "period_label", period, "note",
		register_jstr(m, "note"), "substitute_for_name", register_jstr(m, "substitute_for_name"), "person_href",
		person_href, "edit_href", edit, "end_href", end, "delete_href", del,
		"has_substitutes", false, "substitutes");

	json_object_set_new(o, "voting_label", json_string(json_is_true(json_object_get(m, "voting"))
							   ? view_t(rc, N_("voting"))
							   : view_t(rc, N_("no vote"))));
	json_object_set_new(o, "start_day", json_incref(json_object_get(m, "start_day")));
	json_object_set_new(o, "end_day", json_incref(json_object_get(m, "end_day")));
	json_object_set_new(o, "substitute_for_id", json_incref(json_object_get(m, "substitute_for_id")));
	json_object_set_new(o, "institution_id", json_incref(json_object_get(m, "institution_id")));
	return o;
}

json_t *body_member_groups(const req_ctx *rc, json_t *memberships, bool office)
{
	json_t *groups = json_array();
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autofree gint64 *keys = g_new0(gint64, json_array_size(memberships) + 1);
	json_t *orphans = json_array();
	size_t i;
	json_t *m;

	/* Members (not substitutes) first, so substitutes find them. */
	for (size_t r = 0; r < G_N_ELEMENTS(role_headings); r++) {
		const char *role = role_headings[r].value;
		json_t *members;
		if (!strcmp(role, "substitute"))
			continue;
		members = json_array();
		json_array_foreach(memberships, i, m) {
			json_t *mm;
			if (strcmp(register_jstr(m, "role"), role))
				continue;
			mm = member_model(rc, m, office);
			keys[i] = register_jint(m, "id");
			g_hash_table_insert(by_id, &keys[i], mm);
			json_array_append_new(members, mm);
		}
		if (json_array_size(members))
			json_array_append_new(groups, json_pack("{s:s,s:s,s:o}", "role", role,
								"heading", view_t(rc, role_headings[r].msgid),
								"members", members));
		else
			json_decref(members);
	}
	json_array_foreach(memberships, i, m) {
		json_t *owner;
		gint64 target;
		if (strcmp(register_jstr(m, "role"), "substitute"))
			continue;
		target = register_jint(m, "substitute_for_id");
		owner = g_hash_table_lookup(by_id, &target);
		if (owner) {
			json_array_append_new(json_object_get(owner, "substitutes"),
					      member_model(rc, m, office));
			json_object_set_new(owner, "has_substitutes", json_true());
		} else {
			json_array_append_new(orphans, member_model(rc, m, office));
		}
	}
	if (json_array_size(orphans)) {
		/* Substitutes of members who left: shown so that the office
		 * notices and assigns them anew. */
		json_array_append_new(groups, json_pack("{s:s,s:s,s:o}", "role", "substitute",
							"heading",
							view_t(rc, N_("Personal substitutes")),
							"members", orphans));
	} else {
		json_decref(orphans);
	}
	return groups;
}

/* ---- the list ---------------------------------------------------------- */

static int bodies_list(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *level_q = http_params_get(rc->req->query, "ebene");
	const char *type_q = http_params_get(rc->req->query, "art");
	const char *state_q = http_params_get(rc->req->query, "stand");
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	list_page p = list_page_from(rc, BODIES_PER_PAGE);
	body_filter f = {.limit = p.per_page, .offset = p.offset};
	json_t *choices, *list, *rows, *row, *levels_opt, *types_opt, *state_opt, *lv;
	g_autofree char *action = view_href(rc, "/register/gremien");
	g_autofree char *new_href = view_href(rc, "/register/gremien/neu");
	size_t i;

	if (level_q && *level_q) {
		gint64 n = 0;
		if (!strcmp(level_q, "ohne"))
			f.level_id = -1;
		else if (g_ascii_string_to_signed(level_q, 10, 1, G_MAXINT64, &n, NULL))
			f.level_id = n;
		else
			return 400;
	}
	f.type = type_q && *type_q ? type_q : NULL;
	f.current_only = !state_q || !*state_q || !strcmp(state_q, "aktuell");

	choices = body_store_choices(&rc->ctx, &err);
	if (!choices)
		return register_store_failed(rc, "listing the levels", err);
	list = body_store_list(&rc->ctx, &f, &err);
	if (!list) {
		json_decref(choices);
		return register_store_failed(rc, "listing the bodies", err);
	}

	levels_opt = json_array();
	json_array_append_new(levels_opt, register_option("", view_t(rc, N_("All levels")), f.level_id == 0));
	json_array_foreach(json_object_get(choices, "levels"), i, lv) {
		g_autofree char *v = id_text(register_jint(lv, "id"));
		json_array_append_new(levels_opt, register_option(v, register_jstr(lv, "name"), f.level_id == register_jint(lv, "id")));
	}
	json_array_append_new(levels_opt, register_option("ohne", view_t(rc, N_("Without a level")),
						 f.level_id == -1));
	types_opt = json_array();
	json_array_append_new(types_opt, register_option("", view_t(rc, N_("All types")), !f.type));
	for (size_t t = 0; body_types[t]; t++)
		json_array_append_new(types_opt, register_option(body_types[t], body_type_label(rc, body_types[t]),
							f.type && !strcmp(f.type, body_types[t])));
	state_opt = json_array();
	json_array_append_new(state_opt, register_option("aktuell", view_t(rc, N_("Active bodies")), f.current_only));
	json_array_append_new(state_opt, register_option("alle", view_t(rc, N_("All bodies, also former ones")),
						!f.current_only));
	json_decref(choices);

	rows = json_array();
	json_array_foreach(json_object_get(list, "rows"), i, row) {
		g_autofree char *href = href_for(rc, "/register/gremien/", register_jint(row, "id"), "");
		g_autofree char *members = format_int(rc->req->lang, register_jint(row, "current_members"));
		g_autofree char *period = body_period_label(rc, jstr_or_null(row, "active_from"),
							    jstr_or_null(row, "active_until"));
		json_t *r = json_deep_copy(row);
		json_object_set_new(r, "href", json_string(href));
		json_object_set_new(r, "type_label", json_string(body_type_label(rc, register_jstr(row, "type"))));
		json_object_set_new(r, "members_label", json_string(members));
		json_object_set_new(r, "period_label", json_string(period));
		json_object_set_new(r, "public_label", json_string(json_is_true(json_object_get(row, "public"))
								   ? view_t(rc, N_("public"))
								   : view_t(rc, N_("not public"))));
		json_array_append_new(rows, r);
	}
	int64_t total = register_jint(list, "total");
	json_decref(list);
	g_autofree char *total_label = format_int(rc->req->lang, total);
	json_t *model = json_pack(
		"{s:s,s:s,s:{s:s,s:o,s:o,s:o},s:b,s:o,s:I,s:s,s:o,s:s}", "new_href", new_href,
		"region_name", register_jstr(rc->region, "name"), "filter", "action", action, "levels",
		levels_opt, "types", types_opt, "states", state_opt, "has_rows",
		json_array_size(rows) > 0, "bodies", rows, "total", (json_int_t)total, "total_label",
		total_label, "pagination", list_pagination_model(rc, "/register/gremien", total, p),
		"notice", !g_strcmp0(saved, "geloescht") ? view_t(rc, N_("The body has been deleted.")) : "");
	register_export_links(rc, model, "/register/gremien");
	return view_page(rc, "pages/register_body_list", view_t(rc, N_("Bodies")), model);
}

/* ---- the body form ----------------------------------------------------- */

static const form_field body_fields[] = {
	{"name", N_("Name"), NULL, FORM_TEXT, .required = true, .max_chars = 200},
	{"short_name", N_("Short name"), N_("For example LK. Shown in lists and calendars."),
	 FORM_TEXT, .max_chars = 60},
	{"type", N_("Type of body"), NULL, FORM_SELECT, .required = true},
	{"level_id", N_("Level"), NULL, FORM_SELECT, .required = false},
	{"area_id", N_("Area"), N_("For a body that works for one Stadtbezirk, Ortsteil or Sozialraum."),
	 FORM_SELECT, .required = false},
	{"parent_id", N_("Reports to"), N_("The body this one reports to, for example a forum to the Lenkungskreis."),
	 FORM_SELECT, .required = false},
	{"description", N_("Description"), NULL, FORM_TEXTAREA, .max_chars = 10000, .rows = 5},
	{"goals", N_("Goals"), NULL, FORM_TEXTAREA, .max_chars = 10000, .rows = 5},
	{"active_from", N_("Active from"), N_("For example 1.8.2024. Leave empty when not known."),
	 FORM_DATE, .required = false},
	{"active_until", N_("Active until"), N_("Leave empty while the body is at work."), FORM_DATE, .required = false},
	{"chair_mode", N_("Chair"), NULL, FORM_SELECT, .required = true,
	 .group = N_("Rules of procedure")},
	{"decision_mode", N_("Decisions"), NULL, FORM_SELECT, .required = true},
	{"quorum_rule", N_("Quorum"), NULL, FORM_SELECT, .required = true},
	{"quorum_share_pct", N_("Quorum share in percent"),
	 N_("Only for the rule “a share of the voting members present”: how many percent of the voting members must be present, from 1 to 100."),
	 FORM_INT, .min = 1, .max = 100},
	{"invitation_days", N_("Ladungsfrist in days"),
	 N_("Days between sending the invitation and the meeting."), FORM_INT, .required = true,
	 .min = 0, .max = 365},
	{"invitation_days_urgent", N_("Ladungsfrist for urgent meetings in days"),
	 N_("The shortened period; at most the normal Ladungsfrist."), FORM_INT, .required = true,
	 .min = 0, .max = 365},
	{"papers_days", N_("Unterlagenfrist in days"),
	 N_("The papers reach the members at least this many days before the meeting."), FORM_INT,
	 .required = true, .min = 0, .max = 365},
	{"objection_days", N_("Einwendungsfrist in days"),
	 N_("Days after the minutes are sent in which members may object; afterwards the minutes count as approved. 0 means the minutes are approved in the next meeting."),
	 FORM_INT, .required = true, .min = 0, .max = 365},
	{"written_procedure", N_("Decisions in writing (Umlaufverfahren)"), NULL, FORM_SELECT,
	 .required = true},
	{"public", N_("The meetings are public"),
	 N_("A public body is shown on the public pages, with the names of the members who consented to publication."),
	 FORM_CHECKBOX, .required = false},
	{"nonpublic_access", N_("Who may see non-public papers"), NULL, FORM_SELECT,
	 .required = true},
};

static char *area_label(const req_ctx *rc, json_t *a)
{
	const char *parent = register_jstr(a, "parent_name");
	if (*parent)
		return view_tf(rc, N_("{kind} {name} ({parent})"), "kind", register_jstr(a, "kind"), "name",
			       register_jstr(a, "name"), "parent", parent, NULL);
	return view_tf(rc, N_("{kind} {name}"), "kind", register_jstr(a, "kind"), "name", register_jstr(a, "name"),
		       NULL);
}

/* A new body form with its options; self (0 for a new body) is left out
 * of "reports to". NULL with err when the choices cannot be read. */
static form *body_form_new(const req_ctx *rc, int64_t self, GError **err)
{
	json_t *choices = body_store_choices(&rc->ctx, err);
	form *f;
	size_t i;
	json_t *o;

	if (!choices)
		return NULL;
	f = form_new(body_fields, G_N_ELEMENTS(body_fields), "body");
	for (size_t t = 0; body_types[t]; t++)
		form_add_option(f, "type", body_types[t], body_type_label(rc, body_types[t]));
	form_add_option(f, "level_id", "", view_t(rc, N_("No level")));
	json_array_foreach(json_object_get(choices, "levels"), i, o) {
		g_autofree char *v = id_text(register_jint(o, "id"));
		form_add_option(f, "level_id", v, register_jstr(o, "name"));
	}
	form_add_option(f, "area_id", "", view_t(rc, N_("No area")));
	json_array_foreach(json_object_get(choices, "areas"), i, o) {
		g_autofree char *v = id_text(register_jint(o, "id"));
		g_autofree char *label = area_label(rc, o);
		form_add_option(f, "area_id", v, label);
	}
	form_add_option(f, "parent_id", "", view_t(rc, N_("No other body")));
	json_array_foreach(json_object_get(choices, "bodies"), i, o) {
		g_autofree char *v = id_text(register_jint(o, "id"));
		if (register_jint(o, "id") != self)
			form_add_option(f, "parent_id", v, register_jstr(o, "name"));
	}
	ADD_CHOICES(f, rc, "chair_mode", chair_choices);
	ADD_CHOICES(f, rc, "decision_mode", decision_choices);
	ADD_CHOICES(f, rc, "quorum_rule", quorum_choices);
	ADD_CHOICES(f, rc, "written_procedure", written_choices);
	ADD_CHOICES(f, rc, "nonpublic_access", access_choices);
	json_decref(choices);
	return f;
}

static void body_input_from_form(body_input *in, const form *f)
{
	body_input_defaults(in);
	in->name = form_value(f, "name");
	in->short_name = form_value(f, "short_name");
	in->type = form_value(f, "type");
	in->level_id = form_int(f, "level_id");
	in->area_id = form_int(f, "area_id");
	in->parent_id = form_int(f, "parent_id");
	in->description = form_value(f, "description");
	in->goals = form_value(f, "goals");
	in->active_from = form_value_or_null(f, "active_from");
	in->active_until = form_value_or_null(f, "active_until");
	in->chair_mode = form_value(f, "chair_mode");
	in->decision_mode = form_value(f, "decision_mode");
	in->quorum_rule = form_value(f, "quorum_rule");
	in->quorum_share_pct = form_int(f, "quorum_share_pct");
	in->invitation_days = form_int(f, "invitation_days");
	in->invitation_days_urgent = form_int(f, "invitation_days_urgent");
	in->papers_days = form_int(f, "papers_days");
	in->objection_days = form_int(f, "objection_days");
	in->written_procedure = form_value(f, "written_procedure");
	in->public = form_bool(f, "public");
	in->nonpublic_access = form_value(f, "nonpublic_access");
}

/* The form page; for a JSON client the model carries `errors` and the
 * values as sent. */
static int body_form_page(req_ctx *rc, int status, form *f, int64_t id, const char *body_name)
{
	json_t *fm = form_model(f, rc);
	g_autofree char *action = id ? href_for(rc, "/register/gremien/", id, "/bearbeiten")
				     : view_href(rc, "/register/gremien/neu");
	g_autofree char *cancel = id ? href_for(rc, "/register/gremien/", id, "")
				     : view_href(rc, "/register/gremien");
	g_autofree char *title = id ? view_tf(rc, N_("Edit {name}"), "name", body_name, NULL)
				    : g_strdup(view_t(rc, N_("New body")));
	json_t *model = json_pack("{s:s,s:s,s:s,s:b,s:O,s:o,s:o}", "heading", title, "action", action,
				  "cancel_href", cancel, "is_new", id == 0, "errors",
				  json_object_get(fm, "errors"), "values", form_values_json(f),
				  "form", fm);
	json_t *crumbs = office_crumbs(rc, id ? body_name : NULL, cancel);

	if (id)
		json_object_set_new(model, "id", json_integer(id));
	return view_page_full(rc, status, "pages/register_body_form", title, model, crumbs);
}

static int detail_page(req_ctx *rc, int64_t id, const char *notice);

static int body_new(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = body_form_new(rc, 0, &err);
	body_input d;
	char num[24];

	if (!f)
		return register_store_failed(rc, "reading the body form's choices", err);
	body_input_defaults(&d);
	form_set(f, "type", "forum");
	form_set(f, "chair_mode", d.chair_mode);
	form_set(f, "decision_mode", d.decision_mode);
	form_set(f, "quorum_rule", d.quorum_rule);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, d.quorum_share_pct);
	form_set(f, "quorum_share_pct", num);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, d.invitation_days);
	form_set(f, "invitation_days", num);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, d.invitation_days_urgent);
	form_set(f, "invitation_days_urgent", num);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, d.papers_days);
	form_set(f, "papers_days", num);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, d.objection_days);
	form_set(f, "objection_days", num);
	form_set(f, "written_procedure", d.written_procedure);
	form_set(f, "nonpublic_access", d.nonpublic_access);
	return body_form_page(rc, 200, f, 0, "");
}

static int body_create(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = body_form_new(rc, 0, &err);
	body_input in;
	int64_t id;

	if (!f)
		return register_store_failed(rc, "reading the body form's choices", err);
	if (!form_read(f, rc))
		return body_form_page(rc, 422, f, 0, "");
	body_input_from_form(&in, f);
	id = body_store_create(&rc->ctx, &in, &err);
	if (id < 0) {
		if (register_error_to_form(f, rc, err))
			return body_form_page(rc, 422, f, 0, "");
		return register_store_failed(rc, "creating a body", err);
	}
	log_info("request %s: body %" G_GINT64_FORMAT " created by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	if (rc->req->wants_json)
		return detail_page(rc, id, view_t(rc, N_("The body has been saved.")));
	g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT "?gespeichert=gremium", id);
	return view_redirect(rc, to);
}

static int body_edit(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	g_autoptr(form) f = NULL;
	json_t *b;

	if (!id)
		return 404;
	b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	f = body_form_new(rc, id, &err);
	if (!f) {
		json_decref(b);
		return register_store_failed(rc, "reading the body form's choices", err);
	}
	form_set_json(f, b);
	g_autofree char *name = g_strdup(register_jstr(b, "name"));
	json_decref(b);
	return body_form_page(rc, 200, f, id, name);
}

static int body_update(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	g_autoptr(form) f = NULL;
	body_input in;
	json_t *b;

	if (!id)
		return 404;
	b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	g_autofree char *name = g_strdup(register_jstr(b, "name"));
	json_decref(b);
	f = body_form_new(rc, id, &err);
	if (!f)
		return register_store_failed(rc, "reading the body form's choices", err);
	if (!form_read(f, rc))
		return body_form_page(rc, 422, f, id, name);
	body_input_from_form(&in, f);
	if (body_store_update(&rc->ctx, id, &in, &err) < 0) {
		if (register_error_to_form(f, rc, err))
			return body_form_page(rc, 422, f, id, name);
		return register_store_failed(rc, "updating a body", err);
	}
	log_info("request %s: body %" G_GINT64_FORMAT " changed by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	if (rc->req->wants_json)
		return detail_page(rc, id, view_t(rc, N_("The body has been saved.")));
	g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT "?gespeichert=gremium", id);
	return view_redirect(rc, to);
}

/* ---- the detail page --------------------------------------------------- */

static const char *saved_notice(const req_ctx *rc, const char *saved)
{
	if (!g_strcmp0(saved, "gremium"))
		return view_t(rc, N_("The body has been saved."));
	if (!g_strcmp0(saved, "mitglied"))
		return view_t(rc, N_("The membership has been added."));
	if (!g_strcmp0(saved, "mitgliedschaft"))
		return view_t(rc, N_("The membership has been saved."));
	if (!g_strcmp0(saved, "beendet"))
		return view_t(rc, N_("The membership has been ended. It stays in the body's history."));
	if (!g_strcmp0(saved, "geloescht"))
		return view_t(rc, N_("The membership has been deleted."));
	return "";
}

/* The facts of a body for the detail pages (office and public). */
void body_add_labels(const req_ctx *rc, json_t *b)
{
	g_autofree char *period = body_period_label(rc, jstr_or_null(b, "active_from"),
						    jstr_or_null(b, "active_until"));
	json_object_set_new(b, "type_label", json_string(body_type_label(rc, register_jstr(b, "type"))));
	json_object_set_new(b, "period_label", json_string(period));
	json_object_set_new(b, "chair_label", json_string(CHOICE_LABEL(rc, chair_choices, register_jstr(b, "chair_mode"))));
	json_object_set_new(b, "decision_label",
			    json_string(CHOICE_LABEL(rc, decision_choices, register_jstr(b, "decision_mode"))));
	json_object_set_new(b, "quorum_label", json_string(CHOICE_LABEL(rc, quorum_choices, register_jstr(b, "quorum_rule"))));
	json_object_set_new(b, "written_label",
			    json_string(CHOICE_LABEL(rc, written_choices, register_jstr(b, "written_procedure"))));
	json_object_set_new(b, "access_label",
			    json_string(CHOICE_LABEL(rc, access_choices, register_jstr(b, "nonpublic_access"))));
	json_object_set_new(b, "public_label", json_string(json_is_true(json_object_get(b, "public"))
							   ? view_t(rc, N_("public"))
							   : view_t(rc, N_("not public"))));
}

static int detail_page(req_ctx *rc, int64_t id, const char *notice)
{
	g_autoptr(GError) err = NULL;
	json_t *b = body_store_get(&rc->ctx, id, &err);
	json_t *all, *current, *former, *upcoming, *kids, *k, *m, *parent = json_null();
	g_autofree char *today = register_today();
	size_t i;

	if (!b)
		return register_store_failed(rc, "reading a body", err);
	all = membership_store_for_body(&rc->ctx, id, false, &err);
	if (!all) {
		json_decref(b);
		return register_store_failed(rc, "reading the memberships", err);
	}
	current = json_array();
	former = json_array();
	upcoming = json_array();
	json_array_foreach(all, i, m) {
		const char *start = jstr_or_null(m, "start_day");
		if (json_is_true(json_object_get(m, "current")))
			json_array_append(current, m);
		else if (start && strcmp(start, today) > 0)
			json_array_append_new(upcoming, member_model(rc, m, true));
		else
			json_array_append_new(former, member_model(rc, m, true));
	}
	json_decref(all);

	body_add_labels(rc, b);
	if (register_jint(b, "parent_id")) {
		g_autofree char *href = href_for(rc, "/register/gremien/", register_jint(b, "parent_id"), "");
		parent = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)register_jint(b, "parent_id"), "name",
				   register_jstr(b, "parent_name"), "href", href);
	}
	kids = json_array();
	json_array_foreach(json_object_get(b, "children"), i, k) {
		g_autofree char *href = href_for(rc, "/register/gremien/", register_jint(k, "id"), "");
		json_array_append_new(kids, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)register_jint(k, "id"),
						      "name", register_jstr(k, "name"), "type_label",
						      body_type_label(rc, register_jstr(k, "type")), "href", href));
	}
	g_autofree char *edit = href_for(rc, "/register/gremien/", id, "/bearbeiten");
	g_autofree char *del = href_for(rc, "/register/gremien/", id, "/loeschen");
	g_autofree char *add = href_for(rc, "/register/gremien/", id, "/mitglieder/neu");
	g_autofree char *pub = href_for(rc, "/gremien/", id, "");
	g_autofree char *title = g_strdup(register_jstr(b, "name"));
	json_t *groups = body_member_groups(rc, current, true);
	json_t *model = json_pack(
		"{s:s,s:o,s:o,s:o,s:b,s:o,s:b,s:o,s:b,s:o,s:b,s:o,s:b,s:o,s:{s:s,s:s,s:s,s:s}}",
		"notice", notice ? notice : "", "rules", body_rules_model(rc, b), "parent", parent,
		"children", kids, "has_children", json_array_size(kids) > 0, "member_groups", groups,
		"has_members", json_array_size(current) > 0, "memberships", current, "has_former",
		json_array_size(former) > 0, "former", former, "has_upcoming",
		json_array_size(upcoming) > 0, "upcoming", upcoming, "has_parent",
		!json_is_null(parent), "body", b, "links", "edit", edit, "delete", del,
		"add_member", add, "public", pub);
	{
		g_autofree char *log_href = href_for(rc, "/register/gremien/", id, "/protokoll");
		g_autofree char *members = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT
							   "/mitglieder", id);
		g_autofree char *csv_path = g_strconcat(members, ".csv", NULL);
		g_autofree char *xlsx_path = g_strconcat(members, ".xlsx", NULL);
		g_autofree char *csv = view_href(rc, csv_path);
		g_autofree char *xlsx = view_href(rc, xlsx_path);
		json_object_set_new(json_object_get(model, "links"), "changelog",
				    json_string(log_href));
		json_object_set_new(model, "export",
				    json_pack("{s:s,s:s}", "csv_href", csv, "xlsx_href", xlsx));
	}
	return view_page_full(rc, 200, "pages/register_body", title, model,
			      office_crumbs(rc, NULL, NULL));
}

static int body_show(req_ctx *rc)
{
	int64_t id = register_path_id(rc, "id");
	const char *saved = http_params_get(rc->req->query, "gespeichert");

	if (!id)
		return 404;
	return detail_page(rc, id, saved_notice(rc, saved));
}

/* ---- deleting a body --------------------------------------------------- */

static int body_delete_page(req_ctx *rc, int status, json_t *b, const char *error)
{
	int64_t id = register_jint(b, "id");
	g_autofree char *action = href_for(rc, "/register/gremien/", id, "/loeschen");
	g_autofree char *back = href_for(rc, "/register/gremien/", id, "");
	g_autofree char *title = view_tf(rc, N_("Delete {name}"), "name", register_jstr(b, "name"), NULL);
	json_t *model = json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:[]}", "id", (json_int_t)id, "name",
				  register_jstr(b, "name"), "action", action, "back_href", back, "error",
				  error ? error : "", "has_errors", error != NULL, "errors");

	if (error)
		json_array_append_new(json_object_get(model, "errors"),
				      json_pack("{s:s,s:s}", "field", "", "message", error));
	return view_page_full(rc, status, "pages/register_body_delete", title, model,
			      office_crumbs(rc, register_jstr(b, "name"), back));
}

static int body_delete_confirm(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *b;
	int r;

	if (!id)
		return 404;
	b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	r = body_delete_page(rc, 200, b, NULL);
	json_decref(b);
	return r;
}

static int body_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *b;
	int r;

	if (!id)
		return 404;
	b = body_store_get(&rc->ctx, id, &err);
	if (!b)
		return register_store_failed(rc, "reading a body", err);
	if (body_store_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE))
			r = body_delete_page(rc, 409, b, view_t(rc, err->message));
		else
			r = register_store_failed(rc, "deleting a body", err);
		json_decref(b);
		return r;
	}
	log_info("request %s: body %" G_GINT64_FORMAT " deleted by account %" G_GINT64_FORMAT,
		 rc->req->request_id, id, rc->ctx.user_id);
	json_decref(b);
	if (rc->req->wants_json) {
		view_json(rc->resp, 200, json_pack("{s:b,s:I}", "deleted", true, "id", (json_int_t)id));
		return 0;
	}
	return view_redirect(rc, "/register/gremien?gespeichert=geloescht");
}

/* ---- the membership form ----------------------------------------------- */

static const form_field membership_fields[] = {
	{"person_id", N_("Person"),
	 N_("Search for the person above and choose them; this list holds the people found."),
	 FORM_SELECT, .required = true},
	{"role", N_("Role"), NULL, FORM_SELECT, .required = true},
	{"substitute_for_id", N_("Personal substitute for"),
	 N_("Only for the role personal substitute: the member this person stands in for."),
	 FORM_SELECT, .required = false},
	{"institution_id", N_("Represented institution"), NULL, FORM_SELECT, .required = false},
	{"partner_side", N_("Partner side"),
	 N_("Whether the person sits for the Land or the Kommune; needed where the quorum asks for both partners."),
	 FORM_SELECT, .required = false},
	{"voting", N_("Has a vote"), NULL, FORM_CHECKBOX, .required = false},
	{"start_day", N_("Member from"), N_("For example 1.8.2026."), FORM_DATE, .required = false},
	{"end_day", N_("Member until"), N_("Leave empty while the membership lasts."), FORM_DATE, .required = false},
	{"note", N_("Note"), NULL, FORM_TEXT, .max_chars = 500},
};

/* The person search of the membership pages: ?q= lists matches, each with
 * a link that chooses it (?person_id=). */
typedef struct person_search {
	char *q;
	const char *error;
	search_hits hits;
	bool active;
} person_search;

static void person_search_clear(person_search *s)
{
	g_free(s->q);
	search_hits_clear(&s->hits);
}

static int person_search_run(req_ctx *rc, person_search *s, GError **err)
{
	static const char *const kinds[] = {SEARCH_KIND_PERSON, NULL};
	const char *raw = http_params_get(rc->req->query, "q");
	g_autoptr(GError) local = NULL;

	s->q = text_collapse_ws(raw ? raw : "");
	if (!s->q)
		s->q = g_strdup("");
	s->active = *s->q != '\0';
	if (!s->active)
		return 0;
	if (search_query(&rc->ctx, s->q, kinds, PERSON_HITS, 0, &s->hits, &local) < 0) {
		if (local->domain != BIREG_SEARCH_ERROR) {
			g_propagate_error(err, g_steal_pointer(&local));
			return -1;
		}
		s->error = g_error_matches(local, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG)
				   ? view_t(rc, N_("The search term is too long: at most 200 characters."))
			   : g_error_matches(local, BIREG_SEARCH_ERROR, SEARCH_ERROR_TOO_MANY_WORDS)
				   ? view_t(rc, N_("The search term has too many words: at most 10."))
				   : view_t(rc, N_("The search term contains characters that cannot be searched."));
	}
	return 0;
}

static json_t *person_search_model(req_ctx *rc, const person_search *s, const char *path)
{
	g_autofree char *action = view_href(rc, path);
	json_t *hits = json_array();
	g_autofree char *count = format_int(rc->req->lang, s->hits.total);

	for (size_t i = 0; i < s->hits.n; i++) {
		g_autofree char *v = id_text(s->hits.hits[i].ref_id);
		g_autofree char *href = list_href_with(rc, path, "person_id", v);
		json_array_append_new(hits, json_pack("{s:I,s:s,s:s}", "id",
						      (json_int_t)s->hits.hits[i].ref_id, "title",
						      s->hits.hits[i].title, "choose_href", href));
	}
	return json_pack("{s:s,s:s,s:b,s:s,s:b,s:o,s:b,s:b,s:s,s:b}", "action", action, "q", s->q,
			 "active", s->active, "error", s->error ? s->error : "", "has_hits",
			 s->hits.n > 0, "hits", hits, "none",
			 s->active && !s->error && s->hits.n == 0, "more",
			 s->hits.total > (int64_t)s->hits.n, "count", count, "has_error",
			 s->error != NULL);
}

/* A membership form for body_id with its options: the person chosen
 * (chosen_person, 0 for none) and the search hits as people, the body's
 * current members (not `self`) for "substitute for". */
static form *membership_form_new(req_ctx *rc, int64_t body_id, int64_t self, int64_t chosen_person,
				 const person_search *s, GError **err)
{
	json_t *choices = membership_store_choices(&rc->ctx, body_id, err);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	gint64 chosen_key = chosen_person;
	form *f;
	size_t i;
	json_t *o;

	if (!choices)
		return NULL;
	f = form_new(membership_fields, G_N_ELEMENTS(membership_fields), "membership");
	form_add_option(f, "person_id", "", chosen_person || (s && s->hits.n)
						    ? view_t(rc, N_("Please choose"))
						    : view_t(rc, N_("Search for a person first")));
	if (chosen_person > 0) {
		g_autoptr(GError) local = NULL;
		json_t *p = membership_store_person(&rc->ctx, chosen_person, &local);
		if (p) {
			g_autofree char *v = id_text(chosen_person);
			form_add_option(f, "person_id", v, register_jstr(p, "name"));
			g_hash_table_add(seen, &chosen_key);
			json_decref(p);
		} else if (!g_error_matches(local, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND)) {
			g_propagate_error(err, g_steal_pointer(&local));
			json_decref(choices);
			form_free(f);
			return NULL;
		}
	}
	for (size_t h = 0; s && h < s->hits.n; h++) {
		g_autofree char *v = NULL;
		if (g_hash_table_contains(seen, &s->hits.hits[h].ref_id))
			continue;
		v = id_text(s->hits.hits[h].ref_id);
		form_add_option(f, "person_id", v, s->hits.hits[h].title);
	}
	for (size_t r = 0; membership_roles[r]; r++)
		form_add_option(f, "role", membership_roles[r],
				membership_role_label(rc, membership_roles[r]));
	form_add_option(f, "substitute_for_id", "", view_t(rc, N_("Nobody (not a substitute)")));
	json_array_foreach(json_object_get(choices, "members"), i, o) {
		g_autofree char *v = NULL;
		g_autofree char *label = NULL;
		if (register_jint(o, "id") == self)
			continue;
		v = id_text(register_jint(o, "id"));
		label = view_tf(rc, N_("{name} ({role})"), "name", register_jstr(o, "person_name"), "role",
				membership_role_label(rc, register_jstr(o, "role")), NULL);
		form_add_option(f, "substitute_for_id", v, label);
	}
	form_add_option(f, "institution_id", "", view_t(rc, N_("No institution")));
	json_array_foreach(json_object_get(choices, "institutions"), i, o) {
		g_autofree char *v = id_text(register_jint(o, "id"));
		form_add_option(f, "institution_id", v, register_jstr(o, "name"));
	}
	ADD_CHOICES(f, rc, "partner_side", partner_choices);
	json_decref(choices);
	return f;
}

/* Keeps a membership's former "substitute for" choosable on its edit page
 * even when that member is no longer current (the store allows an
 * unchanged one). */
static void keep_substitute_option(req_ctx *rc, form *f, json_t *m)
{
	int64_t target = register_jint(m, "substitute_for_id");
	g_autoptr(GError) err = NULL;
	json_t *t;

	if (!target)
		return;
	t = membership_store_get(&rc->ctx, target, &err);
	if (!t || json_is_true(json_object_get(t, "current"))) {
		json_decref(t);
		return;
	}
	g_autofree char *v = id_text(target);
	g_autofree char *label = view_tf(rc, N_("{name} (former member)"), "name",
					 register_jstr(t, "person_name"), NULL);
	form_add_option(f, "substitute_for_id", v, label);
	json_decref(t);
}

static void membership_input_from_form(membership_input *in, const form *f, int64_t body_id)
{
	memset(in, 0, sizeof *in);
	in->body_id = body_id;
	in->person_id = form_int(f, "person_id");
	in->role = form_value(f, "role");
	in->substitute_for_id = form_int(f, "substitute_for_id");
	in->institution_id = form_int(f, "institution_id");
	in->partner_side = form_value(f, "partner_side");
	in->voting = form_bool(f, "voting");
	in->start_day = form_value_or_null(f, "start_day");
	in->end_day = form_value_or_null(f, "end_day");
	in->note = form_value(f, "note");
}

/* The page of the membership form. membership_id 0: a new one. */
static int membership_form_page(req_ctx *rc, int status, form *f, json_t *body, int64_t membership_id,
				const person_search *s, const char *person_name)
{
	int64_t body_id = register_jint(body, "id");
	g_autofree char *path = membership_id
		? g_strdup_printf("/register/mitgliedschaften/%" G_GINT64_FORMAT "/bearbeiten", membership_id)
		: g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT "/mitglieder/neu", body_id);
	g_autofree char *action = view_href(rc, path);
	g_autofree char *back = href_for(rc, "/register/gremien/", body_id, "");
	g_autofree char *title = membership_id
		? view_tf(rc, N_("Membership of {person} in {body}"), "person", person_name, "body",
			  register_jstr(body, "name"), NULL)
		: view_tf(rc, N_("New member of {body}"), "body", register_jstr(body, "name"), NULL);
	json_t *fm = form_model(f, rc);
	json_t *model = json_pack("{s:s,s:s,s:s,s:b,s:I,s:s,s:O,s:o,s:o,s:o}", "heading", title,
				  "action", action, "cancel_href", back, "is_new", membership_id == 0,
				  "body_id", (json_int_t)body_id, "body_name", register_jstr(body, "name"),
				  "errors", json_object_get(fm, "errors"), "values", form_values_json(f),
				  "search", person_search_model(rc, s, path), "form", fm);

	return view_page_full(rc, status, "pages/register_membership_form", title, model,
			      office_crumbs(rc, register_jstr(body, "name"), back));
}

/* The person_id a request names: the posted one, else ?person_id=. */
static int64_t requested_person(const req_ctx *rc)
{
	const char *raw = rc->req->method == HTTP_POST ? http_params_get(rc->req->form, "person_id")
						       : http_params_get(rc->req->query, "person_id");
	gint64 n = 0;

	if (!raw || !g_ascii_string_to_signed(raw, 10, 1, G_MAXINT64, &n, NULL))
		return 0;
	return n;
}

static int membership_new_or_create(req_ctx *rc, bool post)
{
	g_autoptr(GError) err = NULL;
	int64_t body_id = register_path_id(rc, "id");
	person_search s = {0};
	g_autoptr(form) f = NULL;
	json_t *body;
	int r;

	if (!body_id)
		return 404;
	body = body_store_get(&rc->ctx, body_id, &err);
	if (!body)
		return register_store_failed(rc, "reading a body", err);
	if (person_search_run(rc, &s, &err) < 0) {
		r = register_store_failed(rc, "searching people", err);
		goto out;
	}
	f = membership_form_new(rc, body_id, 0, requested_person(rc), &s, &err);
	if (!f) {
		r = register_store_failed(rc, "reading the membership form's choices", err);
		goto out;
	}
	if (!post) {
		g_autofree char *today = register_today();
		g_autofree char *chosen = requested_person(rc) ? id_text(requested_person(rc)) : NULL;
		form_set(f, "role", "member");
		form_set(f, "voting", "1");
		form_set(f, "start_day", today);
		if (chosen)
			form_set(f, "person_id", chosen);
		r = membership_form_page(rc, s.error ? 422 : 200, f, body, 0, &s, "");
		goto out;
	}
	if (!form_read(f, rc)) {
		r = membership_form_page(rc, 422, f, body, 0, &s, "");
		goto out;
	}
	{
		membership_input in;
		int64_t id;
		membership_input_from_form(&in, f, body_id);
		id = membership_store_create(&rc->ctx, &in, &err);
		if (id < 0) {
			if (register_error_to_form(f, rc, err))
				r = membership_form_page(rc, 422, f, body, 0, &s, "");
			else
				r = register_store_failed(rc, "adding a membership", err);
			goto out;
		}
		log_info("request %s: membership %" G_GINT64_FORMAT " in body %" G_GINT64_FORMAT
			 " added by account %" G_GINT64_FORMAT, rc->req->request_id, id, body_id,
			 rc->ctx.user_id);
		if (rc->req->wants_json) {
			r = detail_page(rc, body_id, view_t(rc, N_("The membership has been added.")));
		} else {
			g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT
							      "?gespeichert=mitglied", body_id);
			r = view_redirect(rc, to);
		}
	}
out:
	person_search_clear(&s);
	json_decref(body);
	return r;
}

static int membership_new(req_ctx *rc)
{
	return membership_new_or_create(rc, false);
}

static int membership_create(req_ctx *rc)
{
	return membership_new_or_create(rc, true);
}

static int membership_edit_or_update(req_ctx *rc, bool post)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	person_search s = {0};
	g_autoptr(form) f = NULL;
	json_t *m = NULL, *body = NULL;
	int64_t person;
	int r;

	if (!id)
		return 404;
	m = membership_store_get(&rc->ctx, id, &err);
	if (!m)
		return register_store_failed(rc, "reading a membership", err);
	body = body_store_get(&rc->ctx, register_jint(m, "body_id"), &err);
	if (!body) {
		r = register_store_failed(rc, "reading a body", err);
		goto out;
	}
	if (person_search_run(rc, &s, &err) < 0) {
		r = register_store_failed(rc, "searching people", err);
		goto out;
	}
	person = requested_person(rc) ? requested_person(rc) : register_jint(m, "person_id");
	f = membership_form_new(rc, register_jint(m, "body_id"), id, person, &s, &err);
	if (!f) {
		r = register_store_failed(rc, "reading the membership form's choices", err);
		goto out;
	}
	keep_substitute_option(rc, f, m);
	if (!post) {
		g_autofree char *chosen = id_text(person);
		form_set_json(f, m);
		form_set(f, "person_id", chosen);
		r = membership_form_page(rc, s.error ? 422 : 200, f, body, id, &s, register_jstr(m, "person_name"));
		goto out;
	}
	if (!form_read(f, rc)) {
		r = membership_form_page(rc, 422, f, body, id, &s, register_jstr(m, "person_name"));
		goto out;
	}
	{
		membership_input in;
		membership_input_from_form(&in, f, register_jint(m, "body_id"));
		if (membership_store_update(&rc->ctx, id, &in, &err) < 0) {
			if (register_error_to_form(f, rc, err))
				r = membership_form_page(rc, 422, f, body, id, &s, register_jstr(m, "person_name"));
			else
				r = register_store_failed(rc, "changing a membership", err);
			goto out;
		}
		log_info("request %s: membership %" G_GINT64_FORMAT " changed by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, rc->ctx.user_id);
		if (rc->req->wants_json) {
			r = detail_page(rc, register_jint(m, "body_id"), view_t(rc, N_("The membership has been saved.")));
		} else {
			g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT
							      "?gespeichert=mitgliedschaft", register_jint(m, "body_id"));
			r = view_redirect(rc, to);
		}
	}
out:
	person_search_clear(&s);
	json_decref(m);
	json_decref(body);
	return r;
}

static int membership_edit(req_ctx *rc)
{
	return membership_edit_or_update(rc, false);
}

static int membership_update(req_ctx *rc)
{
	return membership_edit_or_update(rc, true);
}

/* ---- ending and deleting a membership ---------------------------------- */

static const form_field end_fields[] = {
	{"end_day", N_("Last day of the membership"),
	 N_("For example 31.7.2026. The membership counts up to and including this day."), FORM_DATE,
	 .required = true},
};

/* The confirmation pages of ending (end set) and deleting a membership. */
static int membership_action_page(req_ctx *rc, int status, json_t *m, bool end, form *f,
				  const char *error)
{
	int64_t id = register_jint(m, "id"), body_id = register_jint(m, "body_id");
	g_autofree char *action = href_for(rc, "/register/mitgliedschaften/", id,
					   end ? "/beenden" : "/loeschen");
	g_autofree char *back = href_for(rc, "/register/gremien/", body_id, "");
	g_autofree char *title = view_tf(rc, end ? N_("End the membership of {person}")
						 : N_("Delete the membership of {person}"),
					 "person", register_jstr(m, "person_name"), NULL);
	g_autofree char *period = body_period_label(rc, jstr_or_null(m, "start_day"),
						    jstr_or_null(m, "end_day"));
	json_t *model = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:b,s:[]}", "heading", title,
				  "person_name", register_jstr(m, "person_name"), "body_name",
				  register_jstr(m, "body_name"), "role_label",
				  membership_role_label(rc, register_jstr(m, "role")), "period_label", period,
				  "action", action, "back_href", back, "is_end", end, "error",
				  error ? error : "", "has_errors", error != NULL, "errors");

	if (error)
		json_array_append_new(json_object_get(model, "errors"),
				      json_pack("{s:s,s:s}", "field", "", "message", error));
	json_object_set_new(model, "membership", json_incref(m));
	if (f) {
		json_t *fm = form_model(f, rc);
		json_object_set(model, "errors", json_object_get(fm, "errors"));
		json_object_set_new(model, "form", fm);
	} else {
		json_object_set_new(model, "form", json_null());
	}
	return view_page_full(rc, status, end ? "pages/register_membership_end"
					      : "pages/register_membership_delete",
			      title, model,
			      office_crumbs(rc, register_jstr(m, "body_name"), back));
}

static int membership_end_or_confirm(req_ctx *rc, bool post)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(end_fields, G_N_ELEMENTS(end_fields), "membership-end");
	int64_t id = register_path_id(rc, "id");
	json_t *m;
	int r;

	if (!id)
		return 404;
	m = membership_store_get(&rc->ctx, id, &err);
	if (!m)
		return register_store_failed(rc, "reading a membership", err);
	if (!post) {
		g_autofree char *today = register_today();
		form_set(f, "end_day", today);
		r = membership_action_page(rc, 200, m, true, f, NULL);
	} else if (!form_read(f, rc)) {
		r = membership_action_page(rc, 422, m, true, f, NULL);
	} else if (membership_store_end(&rc->ctx, id, form_value(f, "end_day"), &err) < 0) {
		if (register_error_to_form(f, rc, err))
			r = membership_action_page(rc, 422, m, true, f, NULL);
		else
			r = register_store_failed(rc, "ending a membership", err);
	} else {
		log_info("request %s: membership %" G_GINT64_FORMAT " ended by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, rc->ctx.user_id);
		if (rc->req->wants_json) {
			r = detail_page(rc, register_jint(m, "body_id"),
					view_t(rc, N_("The membership has been ended. It stays in the body's history.")));
		} else {
			g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT
							      "?gespeichert=beendet", register_jint(m, "body_id"));
			r = view_redirect(rc, to);
		}
	}
	json_decref(m);
	return r;
}

static int membership_end_confirm(req_ctx *rc)
{
	return membership_end_or_confirm(rc, false);
}

static int membership_end(req_ctx *rc)
{
	return membership_end_or_confirm(rc, true);
}

static int membership_delete_confirm(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *m;
	int r;

	if (!id)
		return 404;
	m = membership_store_get(&rc->ctx, id, &err);
	if (!m)
		return register_store_failed(rc, "reading a membership", err);
	r = membership_action_page(rc, 200, m, false, NULL, NULL);
	json_decref(m);
	return r;
}

static int membership_delete(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	json_t *m;
	int r;

	if (!id)
		return 404;
	m = membership_store_get(&rc->ctx, id, &err);
	if (!m)
		return register_store_failed(rc, "reading a membership", err);
	if (membership_store_delete(&rc->ctx, id, &err) < 0) {
		if (g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE))
			r = membership_action_page(rc, 409, m, false, NULL, view_t(rc, err->message));
		else
			r = register_store_failed(rc, "deleting a membership", err);
	} else {
		log_info("request %s: membership %" G_GINT64_FORMAT " deleted by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, rc->ctx.user_id);
		if (rc->req->wants_json) {
			r = detail_page(rc, register_jint(m, "body_id"), view_t(rc, N_("The membership has been deleted.")));
		} else {
			g_autofree char *to = g_strdup_printf("/register/gremien/%" G_GINT64_FORMAT
							      "?gespeichert=geloescht", register_jint(m, "body_id"));
			r = view_redirect(rc, to);
		}
	}
	json_decref(m);
	return r;
}

/* ---- routes ------------------------------------------------------------ */

static const param_rule list_params[] = {
	{.name = "ebene", .kind = PARAM_STRING, .max_len = 20},
	{.name = "art", .kind = PARAM_ENUM,
	 .choices = "|conference|steering|forum|district_forum|board|working_group|other"},
	{.name = "stand", .kind = PARAM_ENUM, .choices = "|aktuell|alle"},
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "geloescht"},
	{0},
};

static const param_rule show_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM,
	 .choices = "gremium|mitglied|mitgliedschaft|beendet|geloescht"},
	{0},
};

static const param_rule person_params[] = {
	{.name = "q", .kind = PARAM_STRING, .max_len = 2000},
	{.name = "person_id", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

/* Two text areas of 10,000 characters, percent-encoded. */
#define BODY_FORM_MAX_BODY ((size_t)512 * 1024)

const route body_routes[] = {
	{HTTP_GET, "/register/gremien", "register.bodies.list", perm_office, "office", list_params,
	 bodies_list, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien/neu", "register.bodies.new", perm_office, "office", NULL,
	 body_new, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gremien/neu", "register.bodies.create", perm_office, "office", NULL,
	 body_create, ROUTE_REGION, BODY_FORM_MAX_BODY},
	{HTTP_GET, "/register/gremien/{id}", "register.bodies.show", perm_office, "office",
	 show_params, body_show, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien/{id}/bearbeiten", "register.bodies.edit", perm_office,
	 "office", NULL, body_edit, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gremien/{id}/bearbeiten", "register.bodies.update", perm_office,
	 "office", NULL, body_update, ROUTE_REGION, BODY_FORM_MAX_BODY},
	{HTTP_GET, "/register/gremien/{id}/loeschen", "register.bodies.delete_confirm", perm_office,
	 "office", NULL, body_delete_confirm, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gremien/{id}/loeschen", "register.bodies.delete", perm_office,
	 "office", NULL, body_delete, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/register/gremien/{id}/mitglieder/neu", "register.memberships.new", perm_office,
	 "office", person_params, membership_new, ROUTE_REGION, 0},
	{HTTP_POST, "/register/gremien/{id}/mitglieder/neu", "register.memberships.create",
	 perm_office, "office", NULL, membership_create, ROUTE_REGION, 64 * 1024},
	{HTTP_GET, "/register/mitgliedschaften/{id}/bearbeiten", "register.memberships.edit",
	 perm_office, "office", person_params, membership_edit, ROUTE_REGION, 0},
	{HTTP_POST, "/register/mitgliedschaften/{id}/bearbeiten", "register.memberships.update",
	 perm_office, "office", NULL, membership_update, ROUTE_REGION, 64 * 1024},
	{HTTP_GET, "/register/mitgliedschaften/{id}/beenden", "register.memberships.end_confirm",
	 perm_office, "office", NULL, membership_end_confirm, ROUTE_REGION, 0},
	{HTTP_POST, "/register/mitgliedschaften/{id}/beenden", "register.memberships.end",
	 perm_office, "office", NULL, membership_end, ROUTE_REGION, 16 * 1024},
	{HTTP_GET, "/register/mitgliedschaften/{id}/loeschen", "register.memberships.delete_confirm",
	 perm_office, "office", NULL, membership_delete_confirm, ROUTE_REGION, 0},
	{HTTP_POST, "/register/mitgliedschaften/{id}/loeschen", "register.memberships.delete",
	 perm_office, "office", NULL, membership_delete, ROUTE_REGION, 16 * 1024},
	{0},
};
