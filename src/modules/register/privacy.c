/*
 * privacy.c — data protection in the register (privacy.h): the Art. 15
 * export, erasure, retention periods and their daily job, the
 * data-protection officer and the Art. 30 record.
 *
 * The record of processing activities is one C table (activities[]) of
 * German text: it is a legal document of the region in German, not UI
 * text, so it is data here and not msgids. A later module adds its row.
 */
#include "modules/register/privacy.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "jobs/builtin.h"
#include "modules/region/region_store.h"
#include "modules/register/changelog.h"
#include "modules/register/import_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register_merge.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/format.h"
#include "view/i18n.h"

/* json_t under a name of this file for g_autoptr (jansson has no GLib
 * cleanup of its own). */
typedef json_t privacy_json;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(privacy_json, json_decref)

const privacy_retention_kind privacy_retention_kinds[] = {
	{"change_log", 3650, 1, 36500, N_("Change log"),
	 N_("Entries of the change log older than this are deleted.")},
	{"import_files", 30, 1, 3650, N_("Imported files"),
	 N_("The uploaded files of finished or discarded imports are deleted after this many days; the import's report stays.")},
	{"former_affiliations", 1825, 1, 36500, N_("Former affiliations"),
	 N_("Affiliations to institutions that ended longer ago than this are deleted.")},
	{"inactive_contacts", 0, 0, 36500, N_("Inactive contacts"),
	 N_("People without a current or future affiliation, who never were a member of a body, are not linked to a user account and were not changed for this many days, are deleted. 0 keeps them.")},
	{NULL, 0, 0, 0, NULL, NULL},
};

static int no_region(GError **err)
{
	g_set_error_literal(err, BIREG_DB_ERROR, DB_ERROR, "privacy called without a region");
	return -1;
}

/* ---- region settings ---------------------------------------------------- */

/* The region's settings object (new; {} when unset). */
static json_t *settings_get(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	json_t *s;
	db_status r;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	st = db_prepare(ctx->db, "SELECT settings FROM region WHERE id = $1", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	s = r == DB_ROW ? json_loads(register_nz(db_col_text(st, 0)), 0, NULL) : NULL;
	if (!json_is_object(s)) {
		json_decref(s);
		s = json_object();
	}
	return s;
}

static int64_t days_of(json_t *days, const privacy_retention_kind *k)
{
	json_t *v = json_object_get(days, k->key);

	if (json_is_integer(v) && json_integer_value(v) >= k->min_days &&
	    json_integer_value(v) <= k->max_days)
		return json_integer_value(v);
	return k->default_days;
}

json_t *privacy_retention_get(const bireg_ctx *ctx, GError **err)
{
	json_t *s = settings_get(ctx, err);
	json_t *stored, *out;

	if (!s)
		return NULL;
	stored = json_object_get(s, "retention_days");
	out = json_object();
	for (const privacy_retention_kind *k = privacy_retention_kinds; k->key; k++)
		json_object_set_new(out, k->key, json_integer(days_of(stored, k)));
	json_decref(s);
	return out;
}

int privacy_retention_set(const bireg_ctx *ctx, json_t *days, GError **err)
{
	g_autoptr(privacy_json) clean = json_object();

	if (ctx->region_id <= 0)
		return no_region(err);
	for (const privacy_retention_kind *k = privacy_retention_kinds; k->key; k++) {
		json_t *v = json_object_get(days, k->key);
		if (!json_is_integer(v) || json_integer_value(v) < k->min_days ||
		    json_integer_value(v) > k->max_days)
			return register_invalid(err, k->key,
						k->min_days == 0
							? N_("Please enter a whole number of days from 0 to 36500 (0 keeps the data).")
							: N_("Please enter a whole number of days from 1 to the upper limit of this kind."));
		json_object_set_new(clean, k->key, json_integer(json_integer_value(v)));
	}
	return region_store_set_setting(ctx, ctx->region_id, "retention_days", clean, err);
}

json_t *privacy_retention_last_run(const bireg_ctx *ctx, GError **err)
{
	json_t *s = settings_get(ctx, err);
	json_t *v;

	if (!s)
		return NULL;
	v = json_object_get(s, "retention_last_run");
	v = json_is_object(v) ? json_incref(v) : json_null();
	json_decref(s);
	return v;
}

json_t *privacy_dpo_get(const bireg_ctx *ctx, GError **err)
{
	json_t *s = settings_get(ctx, err);
	json_t *d, *out;

	if (!s)
		return NULL;
	d = json_object_get(s, "dpo");
	out = json_pack("{s:s,s:s,s:s}", "name", register_jstr(d, "name"), "email",
			register_jstr(d, "email"), "phone", register_jstr(d, "phone"));
	json_decref(s);
	return out;
}

static bool email_shape(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (g_ascii_isspace(*p))
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

int privacy_dpo_set(const bireg_ctx *ctx, const char *name, const char *email, const char *phone,
		    GError **err)
{
	g_autoptr(privacy_json) dpo = NULL;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (!register_text_ok(name, 0, 200))
		return register_invalid(err, "dpo_name", N_("This entry is too long."));
	if (!register_text_ok(email, 0, 254))
		return register_invalid(err, "dpo_email", N_("This entry is too long."));
	if (email && *email && !email_shape(email))
		return register_invalid(err, "dpo_email",
					N_("Please enter a valid e-mail address, e.g. name@example.org, or leave the field empty."));
	if (!register_text_ok(phone, 0, 50))
		return register_invalid(err, "dpo_phone", N_("This entry is too long."));
	dpo = json_pack("{s:s,s:s,s:s}", "name", register_nz(name), "email", register_nz(email),
			"phone", register_nz(phone));
	return region_store_set_setting(ctx, ctx->region_id, "dpo", dpo, err);
}

/* ---- Art. 30 ------------------------------------------------------------ */

/* One processing activity of bireg. Texts are German data; "{key}" in
 * retention is replaced by the region's period of that kind. */
typedef struct activity {
	const char *key;
	bool concerns_person; /* part of a person's Art. 15 export */
	const char *name, *purpose, *legal_basis, *persons, *data, *recipients, *transfers,
		*retention;
} activity;

static const activity activities[] = {
	{"register", true, "Register der Personen und Institutionen",
	 "Erfüllung der Aufgaben der Geschäftsstelle der Bildungsregion: Kontakt zu den Akteuren "
	 "des Bildungsnetzwerks, Einladungen, Anschreiben, Übersicht über Schulen, Kitas, Träger "
	 "und weitere Institutionen.",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW (Wahrnehmung einer Aufgabe im "
	 "öffentlichen Interesse); für die Veröffentlichung von Namen, für Fotos und für den "
	 "Newsletter Art. 6 Abs. 1 lit. a DSGVO (Einwilligung, jederzeit widerruflich).",
	 "Ansprechpersonen von Schulen, Kitas, Trägern, Verbänden, Kammern, Unternehmen und "
	 "Behörden; Mitglieder und Gäste der Gremien.",
	 "Anrede, Titel, Vor- und Nachname, Briefanrede, Funktion, dienstliche Kontaktdaten "
	 "(Telefon, Mobiltelefon, E-Mail, Anschrift), bevorzugter Kontaktweg, Rechtsgrundlage, "
	 "Notizen der Geschäftsstelle, Zugehörigkeiten zu Institutionen mit Zeitraum, "
	 "Einwilligungen mit ihrem Verlauf, Verknüpfung mit einem Benutzerkonto.",
	 "Mitarbeitende der Geschäftsstelle und Administration der Bildungsregion; Namen mit "
	 "Einwilligung zur Veröffentlichung auch die Öffentlichkeit (Gremienseiten).",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Bis zur Löschung auf Antrag oder bis die Aufgabe entfällt. Aufbewahrung beendeter "
	 "Zugehörigkeiten: {former_affiliations}. Kontakte ohne aktuelle oder künftige "
	 "Zugehörigkeit, ohne Gremienmitgliedschaft und ohne Verknüpfung mit einem "
	 "Benutzerkonto, die nicht geändert wurden: {inactive_contacts}."},
	{"bodies", true, "Gremien und Mitgliedschaften",
	 "Arbeit der Gremien der Bildungsregion (Bildungskonferenz, Lenkungskreis, "
	 "Handlungsfelder, Arbeitsgruppen): Zusammensetzung, Vorsitz, Stellvertretung, "
	 "Stimmrecht, Nachweis der Zusammensetzung für Protokolle und Beschlüsse.",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW; Veröffentlichung der Namen "
	 "nur mit Einwilligung (Art. 6 Abs. 1 lit. a DSGVO).",
	 "Mitglieder, persönliche Stellvertretungen, beratende Mitglieder und Gäste der Gremien.",
	 "Name, Rolle im Gremium, vertretene Institution oder Partnerseite, Stimmrecht, Zeitraum "
	 "der Mitgliedschaft.",
	 "Geschäftsstelle; die Mitglieder des jeweiligen Gremiums; die Öffentlichkeit nur für "
	 "Mitglieder öffentlicher Gremien mit Einwilligung zur Veröffentlichung.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Mitgliedschaften bleiben als Teil der Geschichte der Gremien erhalten (Art. 17 Abs. 3 "
	 "lit. b DSGVO); nach einer Löschung erscheint die Person als „Anonymisierte Person“."},
	{"accounts", true, "Benutzerkonten und Anmeldungen",
	 "Zugang zu bireg für Geschäftsstelle, Administration und Mitglieder; Schutz vor "
	 "unbefugtem Zugriff.",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW; Art. 32 DSGVO (Sicherheit der "
	 "Verarbeitung).",
	 "Nutzerinnen und Nutzer von bireg.",
	 "E-Mail-Adresse, Anzeigename, Sprache, Rollen je Bildungsregion, Passwort als "
	 "argon2id-Hash, optional zweiter Faktor (TOTP), Zeitpunkt der letzten Anmeldung, "
	 "Sitzungen (IP-Adresse, Browserkennung), fehlgeschlagene Anmeldeversuche.",
	 "Administration der Bildungsregion.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Sitzungen enden nach 2 Stunden ohne Aktivität oder 12 Stunden insgesamt und werden "
	 "stündlich gelöscht; das Konto bis zu seiner Löschung."},
	{"outbox", true, "E-Mail-Versand (Postausgang)",
	 "Versand von E-Mails der Geschäftsstelle und des Systems (z. B. Passwort zurücksetzen, "
	 "Eingangsbestätigungen).",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW.",
	 "Empfängerinnen und Empfänger von E-Mails.",
	 "E-Mail-Adresse, Name, Inhalt der Nachricht, Zustellstatus.",
	 "Der beauftragte Mailserver (SMTP) der Bildungsregion.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Versandaufträge werden 30 Tage nach dem Versand gelöscht (fehlgeschlagene nach 180 "
	 "Tagen); die Nachrichten im Postausgang werden derzeit nicht automatisch gelöscht."},
	{"imports", true, "Importe in das Register",
	 "Übernahme von Daten aus dem Schulverzeichnis NRW und aus Tabellen (CSV, XLSX) in das "
	 "Register.",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW.",
	 "Personen und Institutionen in den importierten Dateien.",
	 "Die Inhalte der hochgeladenen Datei, der Importbericht (Vorschau der ersten Zeilen mit "
	 "ihren Werten, abgelehnte Zeilen mit Grund).",
	 "Geschäftsstelle.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Die hochgeladene Datei wird bis zum Abschluss oder Verwerfen des Imports und danach "
	 "höchstens {import_files} aufbewahrt; der Bericht bleibt. Bei einer Löschung nach "
	 "Art. 17 DSGVO werden die Werte zur Person sofort aus den gespeicherten Importberichten "
	 "entfernt; in einer noch aufbewahrten hochgeladenen Datei bleiben sie, bis die Datei "
	 "nach dieser Frist gelöscht wird."},
	{"feedback", false, "Rückmeldungen zur Barrierefreiheit",
	 "Bearbeitung von Rückmeldungen nach der Erklärung zur Barrierefreiheit (BITV NRW).",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW.",
	 "Personen, die eine Rückmeldung senden.",
	 "Name und E-Mail-Adresse (freiwillig), Nachricht, betroffene Seite.",
	 "Geschäftsstelle.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Aufbewahrung erledigter Rückmeldungen: {feedback}."},
	{"change_log", true, "Änderungsprotokoll",
	 "Nachvollziehbarkeit der Änderungen am Register: wer hat wann was geändert, "
	 "exportiert oder gelöscht.",
	 "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW; Art. 5 Abs. 2 DSGVO "
	 "(Rechenschaftspflicht).",
	 "Personen des Registers; Nutzerinnen und Nutzer, die Änderungen vornehmen.",
	 "Zeitpunkt, handelnde Person, betroffener Datensatz, alte und neue Werte der geänderten "
	 "Felder.",
	 "Geschäftsstelle und Administration.",
	 "Keine Übermittlung in Drittländer oder an internationale Organisationen.",
	 "Aufbewahrung der Einträge: {change_log}; bei einer Löschung nach Art. 17 DSGVO werden "
	 "die Werte zur Person sofort entfernt."},
};

static const char *const measures[] = {
	"Rollen und Rechte je Bildungsregion (Administration, Geschäftsstelle, Antragstellende); "
	"jede Seite prüft die Berechtigung vor der Verarbeitung.",
	"Trennung der Bildungsregionen in der Datenbank; unter PostgreSQL zusätzlich durch "
	"Zeilensicherheit (Row-Level Security).",
	"Übertragung nur verschlüsselt (TLS); Sitzungscookies nur über HTTPS, HttpOnly, SameSite.",
	"Passwörter nur als argon2id-Hash gespeichert; optional zweiter Faktor (TOTP), für die "
	"Geschäftsstelle vorschreibbar; Bremse bei fehlgeschlagenen Anmeldungen.",
	"Schutz vor Cross-Site-Request-Forgery bei jeder Änderung; Content-Security-Policy ohne "
	"eingebettete Skripte.",
	"Regelmäßige Sicherungen der Datenbank (bireg backup) und Wiederherstellung (bireg "
	"restore); Transaktionen ohne Datenverlust bei Abbruch.",
	"Änderungsprotokoll für Änderungen, Exporte und Löschungen personenbezogener Daten.",
	"Löschfristen je Art der Daten, durch einen täglichen Auftrag durchgesetzt.",
};

/* "3650 Tage", "1 Tag" or, for 0, "unbegrenzt (keine automatische Löschung)". */
static char *period_text(int64_t days)
{
	if (days <= 0)
		return g_strdup("unbegrenzt (keine automatische Löschung)");
	return g_strdup_printf("%" G_GINT64_FORMAT " %s", days, days == 1 ? "Tag" : "Tage");
}

/* text with "{key}" replaced by the periods of days. Newly allocated. */
static char *fill_periods(const char *text, json_t *days)
{
	GString *out = g_string_new(NULL);
	const char *p = text;

	while (*p) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		g_autofree char *key = g_strndup(open + 1, (gsize)(close - open - 1));
		json_t *v = json_object_get(days, key);
		if (json_is_integer(v)) {
			g_autofree char *t = period_text(json_integer_value(v));
			g_string_append(out, t);
		} else {
			g_string_append_len(out, open, close - open + 1);
		}
		p = close + 1;
	}
	return g_string_free(out, FALSE);
}

/* {name, slug} and the office as controller: {name, unit, street, postcode,
 * city, phone, email, website} under "region" and "controller" of out. */
static int put_region(const bireg_ctx *ctx, json_t *out, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT name, slug, coalesce(office_name, ''), coalesce(office_unit, ''), "
		"coalesce(street, ''), coalesce(postcode, ''), coalesce(city, ''), "
		"coalesce(phone, ''), coalesce(email, ''), coalesce(website, '') "
		"FROM region WHERE id = $1", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This page does not exist."));
	json_object_set_new(out, "region", json_pack("{s:s,s:s}", "name", db_col_text(st, 0),
						     "slug", db_col_text(st, 1)));
	json_object_set_new(out, "controller",
			    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "region",
				      db_col_text(st, 0), "name", db_col_text(st, 2), "unit",
				      db_col_text(st, 3), "street", db_col_text(st, 4), "postcode",
				      db_col_text(st, 5), "city", db_col_text(st, 6), "phone",
				      db_col_text(st, 7), "email", db_col_text(st, 8), "website",
				      db_col_text(st, 9)));
	return 0;
}

/* The activities with the region's periods; only those concerning a person
 * of the register when person_only. */
static json_t *activity_list(json_t *days, bool person_only)
{
	json_t *list = json_array();

	for (size_t i = 0; i < G_N_ELEMENTS(activities); i++) {
		const activity *a = &activities[i];
		if (person_only && !a->concerns_person)
			continue;
		g_autofree char *retention = fill_periods(a->retention, days);
		json_array_append_new(list, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "key", a->key, "name", a->name,
			"purpose", a->purpose, "legal_basis", a->legal_basis, "persons", a->persons,
			"data", a->data, "recipients", a->recipients, "transfers", a->transfers,
			"retention", retention));
	}
	return list;
}

/* The periods of the register and the feedback's, as the record names them. */
static json_t *record_days(const bireg_ctx *ctx, GError **err)
{
	json_t *days = privacy_retention_get(ctx, err);
	json_t *s;
	json_t *fb;

	if (!days)
		return NULL;
	s = settings_get(ctx, err);
	if (!s) {
		json_decref(days);
		return NULL;
	}
	fb = json_object_get(s, "feedback_retention_days");
	json_object_set_new(days, "feedback",
			    json_integer(json_is_integer(fb) && json_integer_value(fb) >= 1
						 ? json_integer_value(fb)
						 : FEEDBACK_RETENTION_DEFAULT_DAYS));
	json_decref(s);
	return days;
}

json_t *privacy_record(const bireg_ctx *ctx, GError **err)
{
	char now[21];
	json_t *out, *days, *dpo, *m;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	days = record_days(ctx, err);
	if (!days)
		return NULL;
	dpo = privacy_dpo_get(ctx, err);
	if (!dpo) {
		json_decref(days);
		return NULL;
	}
	util_now_iso(now);
	out = json_pack("{s:s,s:o,s:o,s:O}", "generated_at", now, "dpo", dpo, "activities",
			activity_list(days, false), "retention_days", days);
	json_decref(days);
	if (put_region(ctx, out, err) < 0) {
		json_decref(out);
		return NULL;
	}
	m = json_array();
	for (size_t i = 0; i < G_N_ELEMENTS(measures); i++)
		json_array_append_new(m, json_string(measures[i]));
	json_object_set_new(out, "measures", m);
	return out;
}

/* ---- Art. 15 ------------------------------------------------------------ */

static const char *const person_fields[] = {
	"id", "address_form", "title", "first_name", "last_name", "letter_salutation",
	"function", "phone", "mobile", "email", "street", "postcode", "city",
	"preferred_channel", "legal_basis", "legal_basis_note", "notes", "created_at",
	"updated_at", "display_name", NULL,
};

/* erased_at of the person, NULL when not erased; *found says whether the
 * person exists. Newly allocated. */
static int erased_at(const bireg_ctx *ctx, int64_t id, bool *found, char **at, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT erased_at FROM person WHERE region_id = $1 AND id = $2", err);
	db_status r;

	*found = false;
	*at = NULL;
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r == DB_ROW) {
		*found = true;
		*at = g_strdup(db_col_text(st, 0));
	}
	return 0;
}

int privacy_is_erased(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autofree char *at = NULL;
	bool found;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (erased_at(ctx, person_id, &found, &at, err) < 0)
		return -1;
	return found && at ? 1 : 0;
}

static json_t *account_of(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.email, a.display_name, a.lang, a.status, a.created_at, "
		"a.last_login_at, a.totp_enabled FROM account_person ap "
		"JOIN account a ON a.id = ap.account_id WHERE ap.region_id = $1 AND ap.person_id = $2 "
		"ORDER BY a.id LIMIT 1", err);
	json_t *acc;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, person_id);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r != DB_ROW)
		return json_null();
	acc = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:[]}", "id",
			(json_int_t)db_col_int64(st, 0), "email", db_col_text(st, 1),
			"display_name", db_col_text(st, 2), "lang", db_col_text(st, 3), "status",
			db_col_text(st, 4), "created_at", db_col_text(st, 5), "last_login_at",
			register_col_text_or_null(st, 6), "totp_enabled", db_col_int64(st, 7) != 0,
			"roles");
	{
		g_autoptr(db_stmt) rs = db_prepare(ctx->db,
			"SELECT role FROM account_role WHERE account_id = $1 AND region_id = $2 "
			"ORDER BY role", err);
		if (!rs) {
			json_decref(acc);
			return NULL;
		}
		db_bind_int64(rs, 1, json_integer_value(json_object_get(acc, "id")));
		db_bind_int64(rs, 2, ctx->region_id);
		while ((r = db_step(rs, err)) == DB_ROW)
			json_array_append_new(json_object_get(acc, "roles"),
					      json_string(db_col_text(rs, 0)));
		if (r < 0) {
			json_decref(acc);
			return NULL;
		}
	}
	return acc;
}

/* Every change-log entry concerning the person, newest first. */
static json_t *log_of(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	json_t *all = json_array();

	for (int64_t offset = 0;; offset += 500) {
		changelog_filter f = {.entity = "person", .entity_id = person_id,
				      .person_id = person_id, .limit = 500, .offset = offset};
		json_t *page = changelog_list(ctx, &f, err);
		json_t *rows;
		if (!page) {
			json_decref(all);
			return NULL;
		}
		rows = json_object_get(page, "rows");
		json_array_extend(all, rows);
		bool last = json_array_size(rows) < 500;
		json_decref(page);
		if (last)
			break;
	}
	return all;
}

json_t *privacy_export(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autoptr(privacy_json) p = NULL;
	g_autofree char *erased = NULL;
	char now[21];
	bool found;
	json_t *out, *person, *days, *dpo, *acc, *log, *imports;
	size_t i;
	json_t *e;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	if (erased_at(ctx, person_id, &found, &erased, err) < 0)
		return NULL;
	if (!found) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This person does not exist."));
		return NULL;
	}
	p = person_store_get(ctx, person_id, err);
	if (!p)
		return NULL;
	util_now_iso(now);
	person = json_object();
	for (size_t k = 0; person_fields[k]; k++) {
		json_t *v = json_object_get(p, person_fields[k]);
		json_object_set(person, person_fields[k], v ? v : json_null());
	}
	json_object_set_new(person, "erased_at", erased ? json_string(erased) : json_null());
	out = json_pack("{s:s,s:s,s:o,s:O,s:O,s:O}", "format", "bireg-auskunft/1", "generated_at",
			now, "person", person, "consents", json_object_get(p, "consents"),
			"affiliations", json_object_get(p, "affiliations"), "memberships",
			json_object_get(p, "memberships"));
	if (put_region(ctx, out, err) < 0)
		goto fail;
	dpo = privacy_dpo_get(ctx, err);
	if (!dpo)
		goto fail;
	json_object_set_new(out, "dpo", dpo);
	acc = account_of(ctx, person_id, err);
	if (!acc)
		goto fail;
	json_object_set_new(out, "account", acc);
	log = log_of(ctx, person_id, err);
	if (!log)
		goto fail;
	json_object_set_new(out, "change_log", log);
	imports = json_array();
	json_array_foreach(log, i, e)
		if (!strcmp(register_jstr(e, "action"), "import"))
			json_array_append_new(imports, json_pack("{s:s,s:s}", "at",
								 register_jstr(e, "at"), "summary",
								 register_jstr(e, "summary")));
	json_object_set_new(out, "imports", imports);
	days = record_days(ctx, err);
	if (!days)
		goto fail;
	json_object_set_new(out, "processing",
			    json_pack("{s:s,s:s,s:o}", "legal_basis",
				      register_jstr(p, "legal_basis"), "legal_basis_note",
				      register_jstr(p, "legal_basis_note"), "activities",
				      activity_list(days, true)));
	json_decref(days);
	return out;
fail:
	json_decref(out);
	return NULL;
}

int64_t privacy_export_log(const bireg_ctx *ctx, int64_t person_id, const char *format,
			   GError **err)
{
	g_autofree char *summary = g_strdup_printf("Auskunft nach Art. 15 DSGVO (%s)",
						   !g_strcmp0(format, "pdf") ? "PDF" : "JSON");
	changelog_entry e = {.entity = "person", .entity_id = person_id, .person_id = person_id,
			     .action = "export", .summary = summary};

	if (ctx->region_id <= 0)
		return no_region(err);
	return changelog_add(ctx, &e, err);
}

/* ---- Art. 17 ------------------------------------------------------------ */

/* How many rows sql ($1 region, $2 person) counts, or -1. */
static int64_t count_of(const bireg_ctx *ctx, const char *sql, int64_t id, GError **err)
{
	return register_count(ctx, sql, id, err);
}

/* ---- the person in stored import reports ---------------------------------- */

/* a and b are equal but for case. */
static bool same_text(const char *a, const char *b)
{
	g_autofree char *x = g_utf8_casefold(a, -1), *y = g_utf8_casefold(b, -1);

	return !strcmp(x, y);
}

/* Whether preview row r of a people import (register_import.c plan_report:
 * {line, action, id, values: {first_name, last_name, email ...}}) is the
 * person: by id; by e-mail; a row without a record (a new person of a
 * preview not committed) also by first and last name. */
static bool report_row_is(json_t *r, int64_t id, const char *email, const char *first,
			  const char *last)
{
	json_t *values = json_object_get(r, "values");
	json_t *rid = json_object_get(r, "id");
	const char *e = json_string_value(json_object_get(values, "email"));
	const char *f = json_string_value(json_object_get(values, "first_name"));
	const char *l = json_string_value(json_object_get(values, "last_name"));

	if (json_is_integer(rid))
		return json_integer_value(rid) == id;
	if (*email && e && same_text(e, email))
		return true;
	return *first && *last && f && l && same_text(f, first) && same_text(l, last);
}

/* Takes the person out of the reports of the region's people imports: the
 * matching preview rows keep their line and action but lose their values
 * ("erased": true). Only counts when !apply. Returns the number of reports
 * concerned or -1. Reads the person, so it runs before the person is
 * emptied. The uploaded file is not touched: the retention job deletes it. */
static int64_t scrub_imports(const bireg_ctx *ctx, int64_t id, bool apply, GError **err)
{
	g_autofree char *email = NULL, *first = NULL, *last = NULL;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	int64_t n = 0;
	db_status r;

	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT email, first_name, last_name FROM person WHERE region_id = $1 AND "
			"id = $2", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		if ((r = db_step(st, err)) < 0)
			return -1;
		if (r != DB_ROW)
			return 0;
		email = g_strstrip(g_strdup(register_nz(db_col_text(st, 0))));
		first = g_strstrip(g_strdup(register_nz(db_col_text(st, 1))));
		last = g_strstrip(g_strdup(register_nz(db_col_text(st, 2))));
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT id, report FROM import_batch WHERE region_id = $1 AND kind = 'people' "
			"ORDER BY id", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		while ((r = db_step(st, err)) == DB_ROW) {
			int64_t bid = db_col_int64(st, 0);
			g_array_append_val(ids, bid);
			g_ptr_array_add(texts, g_strdup(register_nz(db_col_text(st, 1))));
		}
		if (r < 0)
			return -1;
	}
	for (guint b = 0; b < ids->len; b++) {
		g_autoptr(privacy_json) report = json_loads(g_ptr_array_index(texts, b), 0, NULL);
		json_t *row;
		size_t i;
		bool hit = false;

		json_array_foreach(json_object_get(report, "preview"), i, row) {
			if (!json_is_object(row) || json_is_true(json_object_get(row, "erased")) ||
			    !report_row_is(row, id, email, first, last))
				continue;
			hit = true;
			json_object_set_new(row, "values", json_object());
			json_object_set_new(row, "changed_fields", json_array());
			json_object_set_new(row, "erased", json_true());
		}
		if (!hit)
			continue;
		n++;
		if (!apply)
			continue;
		/* no NULL: the report was read from JSON text and holds strings only */
		g_autofree char *text = json_dumps(report, JSON_COMPACT);
		g_autoptr(db_stmt) up = db_prepare(ctx->db,
			"UPDATE import_batch SET report = $3 WHERE region_id = $1 AND id = $2", err);
		if (!up)
			return -1;
		db_bind_int64(up, 1, ctx->region_id);
		db_bind_int64(up, 2, g_array_index(ids, int64_t, b));
		db_bind_text(up, 3, text);
		if (db_run(up, err) < 0)
			return -1;
	}
	return n;
}

/* Official records (memberships today; meetings, minutes and decisions
 * later) are the references the reference table (register_merge.h) marks
 * REGISTER_ERASE_KEEP. */
static int plan_in(const bireg_ctx *ctx, int64_t id, privacy_erase_plan *plan, GError **err)
{
	g_autofree char *today = register_today();
	g_autofree char *at = NULL;
	bool found;

	memset(plan, 0, sizeof *plan);
	if (erased_at(ctx, id, &found, &at, err) < 0)
		return -1;
	if (!found)
		return register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This person does not exist."));
	plan->erased = at != NULL;
	if ((plan->memberships = count_of(ctx,
		"SELECT count(*) FROM membership WHERE region_id = $1 AND person_id = $2", id,
		err)) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT count(*) FROM membership WHERE region_id = $1 AND person_id = $2 AND "
			"(end_day IS NULL OR end_day >= $3)", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, today);
		if (db_step(st, err) != DB_ROW)
			return -1;
		plan->current_memberships = db_col_int64(st, 0);
	}
	if ((plan->affiliations = count_of(ctx,
		"SELECT count(*) FROM person_affiliation WHERE region_id = $1 AND person_id = $2",
		id, err)) < 0)
		return -1;
	if ((plan->consents = count_of(ctx,
		"SELECT count(*) FROM person_consent WHERE region_id = $1 AND person_id = $2", id,
		err)) < 0)
		return -1;
	{
		int64_t n = count_of(ctx,
			"SELECT count(*) FROM account_person WHERE region_id = $1 AND person_id = $2",
			id, err);
		if (n < 0)
			return -1;
		plan->has_account = n > 0;
	}
	if ((plan->import_reports = scrub_imports(ctx, id, false, err)) < 0)
		return -1;
	if ((plan->log_entries = count_of(ctx,
		"SELECT count(*) FROM change_log WHERE region_id = $1 AND (person_id = $2 OR "
		"(entity = 'person' AND entity_id = $2))", id, err)) < 0)
		return -1;
	{
		static const register_ref_erase official[] = {REGISTER_ERASE_KEEP, 0};
		int64_t n = register_refs_count(ctx, "person", id, official, err);
		if (n < 0)
			return -1;
		plan->delete_entirely = n == 0;
	}
	return 0;
}

int privacy_erase_plan_get(const bireg_ctx *ctx, int64_t person_id, privacy_erase_plan *plan,
			   GError **err)
{
	if (ctx->region_id <= 0)
		return no_region(err);
	return plan_in(ctx, person_id, plan, err);
}

/* Runs sql with $1 region, $2 person, $3 text. */
static int run3(const bireg_ctx *ctx, const char *sql, int64_t id, const char *text, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, text);
	return db_run(st, err) < 0 ? -1 : 0;
}

/* Deletes the person's rows of every reference the reference table
 * (register_merge.h) marks REGISTER_ERASE_DELETE: consents, affiliations,
 * the account link, pairs marked "not a duplicate" ... */
static int delete_refs(const bireg_ctx *ctx, int64_t id, GError **err)
{
	size_t n;
	const register_ref *refs = register_refs(&n);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(refs[i].entity, "person") || refs[i].erase != REGISTER_ERASE_DELETE)
			continue;
		/* table, column and where are constant text of the table */
		g_autofree char *sql = g_strdup_printf(
			"DELETE FROM %s WHERE region_id = $1 AND %s = $2%s%s%s", refs[i].table,
			refs[i].column, refs[i].where ? " AND (" : "",
			refs[i].where ? refs[i].where : "", refs[i].where ? ")" : "");
		if (register_run(ctx, sql, id, err) < 0)
			return -1;
	}
	return 0;
}

/* Erases person id; expired: the retention job's erasure of an inactive
 * contact (its period ran out, nobody asked under Art. 17), which the
 * change log says so. */
static int erase_in(const bireg_ctx *ctx, int64_t id, bool expired, GError **err)
{
	g_autofree char *today = register_today();
	g_autofree char *sort_name = register_sort_key(PRIVACY_ERASED_NAME, NULL);
	privacy_erase_plan plan;
	char now[21];
	int result;

	if (plan_in(ctx, id, &plan, err) < 0)
		return -1;
	if (plan.erased)
		return register_fail(err, REGISTER_ERROR_IN_USE,
				     N_("The data of this person have already been erased."));
	util_now_iso(now);
	/* first: it finds the person's rows by their e-mail and name */
	if (scrub_imports(ctx, id, true, err) < 0)
		return -1;
	if (delete_refs(ctx, id, err) < 0)
		return -1;
	if (search_remove(ctx, SEARCH_KIND_PERSON, id, err) < 0)
		return -1;
	if (plan.delete_entirely) {
		if (register_run(ctx, "DELETE FROM person WHERE region_id = $1 AND id = $2", id,
				 err) < 0)
			return -1;
		result = PRIVACY_DELETED;
	} else {
		/* Memberships that have not begun yet never happened: they
		 * become one day, today, like the current ones that end today. */
		if (run3(ctx,
			 "UPDATE membership SET start_day = $3, end_day = $3 WHERE region_id = $1 "
			 "AND person_id = $2 AND start_day > $3",
			 id, today, err) < 0 ||
		    run3(ctx,
			 "UPDATE membership SET end_day = $3 WHERE region_id = $1 AND person_id = $2 "
			 "AND (end_day IS NULL OR end_day > $3)", id, today, err) < 0)
			return -1;
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE person SET address_form = '', title = '', first_name = '', "
			"last_name = $3, letter_salutation = '', function = '', phone = '', "
			"mobile = '', email = '', street = '', postcode = '', city = '', "
			"legal_basis_note = '', notes = '', sort_name = $4, updated_at = $5, "
			"erased_at = $5 WHERE region_id = $1 AND id = $2", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, PRIVACY_ERASED_NAME);
		db_bind_text(st, 4, sort_name);
		db_bind_text(st, 5, now);
		if (db_run(st, err) < 0)
			return -1;
		result = PRIVACY_ERASED;
	}
	if (changelog_scrub_person(ctx, id, err) < 0)
		return -1;
	/* German data of the log (changelog.h), not UI text */
	const char *why = expired ? "Aufbewahrungsfrist abgelaufen" : "Löschung nach Art. 17 DSGVO";
	g_autofree char *summary = g_strdup_printf(
		"%s: %s", why,
		result == PRIVACY_DELETED
			? "Person vollständig gelöscht"
			: "Person anonymisiert, Mitgliedschaften bleiben erhalten");
	changelog_entry e = {
		.entity = "person", .entity_id = id, .person_id = id, .action = "erase",
		.summary = summary,
	};
	if (changelog_add(ctx, &e, err) < 0)
		return -1;
	return result;
}

int privacy_erase(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	bool own;
	int r;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	r = erase_in(ctx, person_id, false, err);
	if (db_join_end(ctx->db, own, r < 0 ? -1 : 0, err) < 0)
		return -1;
	return r;
}

/* ---- retention ---------------------------------------------------------- */

/* The Europe/Berlin day of Unix time t as "YYYY-MM-DD". Newly allocated. */
static char *day_at(int64_t t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	bireg_date d = format_date_of(dt);

	return g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
}

/* People to erase as inactive: no current or future affiliation (one that
 * has not ended), never a member, not linked to an account (the person of
 * a user: an office member's own record), not erased, unchanged since cut. */
static GArray *inactive_people(const bireg_ctx *ctx, const char *cut, const char *today,
			       GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT p.id FROM person p WHERE p.region_id = $1 AND p.erased_at IS NULL AND "
		"p.updated_at < $2 AND NOT EXISTS (SELECT 1 FROM membership m WHERE "
		"m.region_id = $1 AND m.person_id = p.id) AND NOT EXISTS (SELECT 1 FROM "
		"person_affiliation a WHERE a.region_id = $1 AND a.person_id = p.id AND "
		"(a.end_day IS NULL OR a.end_day >= $3)) AND NOT EXISTS (SELECT 1 FROM "
		"account_person ap WHERE ap.region_id = $1 AND ap.person_id = p.id) ORDER BY p.id",
		err);
	GArray *ids;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, cut);
	db_bind_text(st, 3, today);
	ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	if (r < 0) {
		g_array_unref(ids);
		return NULL;
	}
	return ids;
}

static int retention_in(const bireg_ctx *ctx, int64_t now, privacy_retention_counts *c,
			GError **err)
{
	g_autoptr(privacy_json) days = privacy_retention_get(ctx, err);
	g_autofree char *today = day_at(now);
	char cut[21], at[21];
	int64_t d;

	memset(c, 0, sizeof *c);
	if (!days)
		return -1;
	if ((d = json_integer_value(json_object_get(days, "change_log"))) > 0) {
		job_iso_at(now - d * 86400, cut);
		if ((c->change_log = changelog_purge_before(ctx, cut, err)) < 0)
			return -1;
	}
	if ((d = json_integer_value(json_object_get(days, "import_files"))) > 0) {
		job_iso_at(now - d * 86400, cut);
		if ((c->import_files = import_batch_drop_files(ctx, cut, err)) < 0)
			return -1;
	}
	if ((d = json_integer_value(json_object_get(days, "former_affiliations"))) > 0) {
		g_autofree char *day = day_at(now - d * 86400);
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"DELETE FROM person_affiliation WHERE region_id = $1 AND end_day IS NOT NULL "
			"AND end_day < $2", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, day);
		if (db_run(st, err) < 0)
			return -1;
		c->former_affiliations = db_changes(ctx->db);
	}
	if ((d = json_integer_value(json_object_get(days, "inactive_contacts"))) > 0) {
		job_iso_at(now - d * 86400, cut);
		g_autoptr(GArray) ids = inactive_people(ctx, cut, today, err);
		if (!ids)
			return -1;
		for (guint i = 0; i < ids->len; i++) {
			if (erase_in(ctx, g_array_index(ids, int64_t, i), true, err) < 0)
				return -1;
			c->inactive_contacts++;
		}
	}
	if ((c->reindexed = person_store_reindex_all(ctx, err)) < 0)
		return -1;
	job_iso_at(now, at);
	g_autoptr(privacy_json) last = json_pack(
		"{s:s,s:I,s:I,s:I,s:I,s:I}", "at", at, "change_log", (json_int_t)c->change_log,
		"import_files", (json_int_t)c->import_files, "former_affiliations",
		(json_int_t)c->former_affiliations, "inactive_contacts",
		(json_int_t)c->inactive_contacts, "reindexed", (json_int_t)c->reindexed);
	return region_store_set_setting(ctx, ctx->region_id, "retention_last_run", last, err);
}

int privacy_retention_run(const bireg_ctx *ctx, int64_t now, privacy_retention_counts *out,
			  GError **err)
{
	privacy_retention_counts local;
	bool own;
	int r;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (!out)
		out = &local;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	r = retention_in(ctx, now, out, err);
	return db_join_end(ctx->db, own, r, err);
}

job_result privacy_retention_job(job_ctx *jc, json_t *payload, GError **err)
{
	privacy_retention_counts c;

	(void)payload;
	if (jc->ctx.region_id <= 0) {
		g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID,
				    PRIVACY_RETENTION_JOB " needs a region");
		return JOB_FAIL;
	}
	if (privacy_retention_run(&jc->ctx, job_now(), &c, err) < 0)
		return *err && (*err)->domain == BIREG_DB_ERROR && (*err)->code != DB_CONSTRAINT
			       ? JOB_RETRY
			       : JOB_FAIL;
	log_info("job %" G_GINT64_FORMAT " " PRIVACY_RETENTION_JOB " in region %" G_GINT64_FORMAT
		 ": %" G_GINT64_FORMAT " change-log entries, %" G_GINT64_FORMAT
		 " import files, %" G_GINT64_FORMAT " former affiliations deleted; %" G_GINT64_FORMAT
		 " inactive people erased; %" G_GINT64_FORMAT " search entries rebuilt",
		 jc->id, jc->ctx.region_id, c.change_log, c.import_files, c.former_affiliations,
		 c.inactive_contacts, c.reindexed);
	return JOB_OK;
}
