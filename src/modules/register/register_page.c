/*
 * register_page.c — helpers of the register's web pages (register_page.h).
 */
#include "modules/register/register_page.h"

#include <string.h>

#include "core/log.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

int64_t register_path_id(const req_ctx *rc, const char *name)
{
	gint64 id = 0;
	const char *s = http_request_path_param(rc->req, name);

	if (!s || !g_ascii_string_to_signed(s, 10, 1, G_MAXINT64, &id, NULL))
		return 0;
	return id;
}

int64_t register_query_id(const req_ctx *rc, const char *name)
{
	const char *s = http_params_get(rc->req->query, name);
	gint64 v = 0;

	if (!s || !*s)
		return 0;
	if (!g_ascii_string_to_signed(s, 10, 1, G_MAXINT64, &v, NULL))
		return -1;
	return v;
}

int register_store_failed(const req_ctx *rc, const char *what, const GError *err)
{
	int status = register_status_for(err);

	if (status >= 500)
		log_error("request %s: %s failed: %s", rc->req->request_id, what,
			  err ? err->message : "?");
	return status;
}

void register_put_form(json_t *model, const form *f, const req_ctx *rc)
{
	json_t *fm = form_model(f, rc);

	json_object_set(model, "errors", json_object_get(fm, "errors"));
	json_object_set_new(model, "form", fm);
}

const char *register_query_error(const req_ctx *rc, const GError *err)
{
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_QUERY_TOO_LONG))
		return view_t(rc, N_("The search term is too long: at most 200 characters."));
	if (g_error_matches(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_TOO_MANY_WORDS))
		return view_t(rc, N_("The search term has too many words: at most 10."));
	return view_t(rc, N_("The search term contains characters that cannot be searched."));
}

char *register_href_id(const req_ctx *rc, const char *prefix, int64_t id, const char *suffix)
{
	g_autofree char *path = g_strdup_printf("%s%" G_GINT64_FORMAT "%s", prefix, (gint64)id,
						suffix ? suffix : "");
	return view_href(rc, path);
}

char *register_day_label(const req_ctx *rc, const char *iso)
{
	bireg_date d;

	if (!iso || !*iso || !format_parse_date(iso, &d, NULL))
		return g_strdup("");
	return format_day(rc->req->lang, &d);
}

json_t *register_option(const char *value, const char *label, bool selected)
{
	return json_pack("{s:s,s:s,s:b}", "value", value, "label", label, "selected", selected);
}

/* Field -> the label of its form field (same English text, so the same
 * German), or a label of its own. */
static const struct {
	const char *field, *msgid;
} field_labels[] = {
	{"address_form", N_("Form of address")},
	{"title", N_("Academic title")},
	{"first_name", N_("First name")},
	{"last_name", N_("Last name")},
	{"letter_salutation", N_("Letter salutation")},
	{"function", N_("Function")},
	{"phone", N_("Phone")},
	{"mobile", N_("Mobile phone")},
	{"email", N_("Email address")},
	{"street", N_("Street and number")},
	{"postcode", N_("Postcode")},
	{"city", N_("Town or city")},
	{"preferred_channel", N_("Preferred channel")},
	{"legal_basis", N_("Legal basis of processing")},
	{"legal_basis_note", N_("Note on the legal basis")},
	{"notes", N_("Notes")},
	{"kind", N_("Kind")},
	{"given", N_("Answer")},
	{"day", N_("Day")},
	{"source", N_("Source")},
	{"institution_id", N_("Institution")},
	{"start_day", N_("From")},
	{"end_day", N_("Until")},
	{"account_id", N_("User account")},
	{"account_email", N_("Linked user account")},
	{"type_id", N_("Kind of institution")},
	{"name", N_("Name")},
	{"name_extra", N_("Addition to the name")},
	{"short_name", N_("Short name")},
	{"website", N_("Website")},
	{"school_number", N_("School number")},
	{"school_form", N_("School form")},
	{"legal_form", N_("Legal form")},
	{"carrier_number", N_("Provider number")},
	{"area_admin_id", N_("Stadtbezirk or Ortsteil")},
	{"area_social_id", N_("Sozialraum")},
	{"areas", N_("Areas")},
	{"tags", N_("Tags")},
	{"type", N_("Type of body")},
	{"level_id", N_("Level")},
	{"area_id", N_("Area")},
	{"parent_id", N_("Reports to")},
	{"description", N_("Description")},
	{"goals", N_("Goals")},
	{"active_from", N_("Active from")},
	{"active_until", N_("Active until")},
	{"chair_mode", N_("Chair")},
	{"decision_mode", N_("Decisions")},
	{"quorum_rule", N_("Quorum")},
	{"quorum_share_pct", N_("Quorum share in percent")},
	{"invitation_days", N_("Ladungsfrist in days")},
	{"invitation_days_urgent", N_("Ladungsfrist for urgent meetings in days")},
	{"papers_days", N_("Unterlagenfrist in days")},
	{"objection_days", N_("Einwendungsfrist in days")},
	{"written_procedure", N_("Decisions in writing (Umlaufverfahren)")},
	{"public", N_("The meetings are public")},
	{"nonpublic_access", N_("Who may see non-public papers")},
	{"person_id", N_("Person")},
	{"role", N_("Role")},
	{"substitute_for_id", N_("Personal substitute for")},
	{"partner_side", N_("Partner side")},
	{"voting", N_("Has a vote")},
	{"note", N_("Note")},
	{"hierarchy", N_("Hierarchy")},
	{"code", N_("Official number")},
	{"position", N_("Position in the list")},
	{"key", N_("Key")},
	{"is_school", N_("Institutions of this kind have school fields (school number, school form)")},
};

const char *register_field_label(const req_ctx *rc, const char *field)
{
	for (size_t i = 0; field && i < G_N_ELEMENTS(field_labels); i++)
		if (!strcmp(field_labels[i].field, field))
			return view_t(rc, field_labels[i].msgid);
	return field ? field : "";
}
