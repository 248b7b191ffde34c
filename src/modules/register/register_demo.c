/*
 * register_demo.c — the demo region's register (see register_demo.h).
 *
 * Facts come from the shared data files: the areas, the school directory
 * and the structure of the Bildungsregion (levels, bodies, forums). The
 * post-code table is public knowledge of Duisburg's post codes. Everything
 * about people is made up: names built on Muster/Beispiel, addresses at
 * example.org, phone numbers +49 203 000 …; the real institutions carry no
 * contact data beyond their town.
 *
 * Everything goes through the stores, so the demo obeys the same rules as
 * the office's forms (a substitute stands in for a current member of the
 * same body, two co-chairs at most …) and every row gets its search entry.
 */
#include "modules/register/register_demo.h"

#include <string.h>

#include "core/csv.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "modules/register/area_store.h"
#include "modules/register/body_store.h"
#include "modules/register/import_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/privacy.h"
#include "modules/register/register.h"
#include "modules/register/school_import.h"

#define AREAS_FILE "duisburg_stadtbezirke_ortsteile.csv"
#define SCHOOLS_FILE "schuldaten_duisburg_2022-06.csv"

/* The day the demo's memberships, affiliations and consents start. */
#define DEMO_START "2024-01-01"

/* ---- areas and post codes --------------------------------------------------- */

/* Duisburg's post codes and the Stadtbezirk each lies in; codes that
 * reach into a second Stadtbezirk get a row for that quarter (Ortsteil). */
static const struct {
	const char *postcode, *district, *quarter;
} postcodes[] = {
	{"47051", "Mitte", NULL},	{"47053", "Mitte", NULL},
	{"47055", "Mitte", NULL},	{"47057", "Mitte", NULL},
	{"47058", "Mitte", NULL},	{"47059", "Mitte", NULL},
	{"47119", "Homberg/Ruhrort/Baerl", NULL},
	{"47119", "Meiderich/Beeck", "Laar"},
	{"47137", "Meiderich/Beeck", NULL},
	{"47138", "Meiderich/Beeck", NULL},
	{"47139", "Meiderich/Beeck", NULL},
	{"47166", "Hamborn", NULL},	{"47166", "Meiderich/Beeck", "Bruckhausen"},
	{"47167", "Hamborn", NULL},	{"47169", "Hamborn", NULL},
	{"47169", "Walsum", "Fahrn"},	{"47178", "Walsum", NULL},
	{"47179", "Walsum", NULL},	{"47198", "Homberg/Ruhrort/Baerl", NULL},
	{"47199", "Homberg/Ruhrort/Baerl", NULL},
	{"47226", "Rheinhausen", NULL}, {"47228", "Rheinhausen", NULL},
	{"47229", "Rheinhausen", NULL}, {"47239", "Rheinhausen", NULL},
	{"47249", "Süd", NULL},		{"47259", "Süd", NULL},
	{"47269", "Süd", NULL},		{"47279", "Süd", NULL},
};

/* The Sozialräume of the language project (structure JSON: "Sozialräume
 * Hochheide, dann Meiderich"). */
static const char *const social_areas[] = {"Hochheide", "Meiderich"};

static char *data_path(const char *data_dir, const char *name)
{
	return g_build_filename(data_dir, name, NULL);
}

/* The areas of the CSV (stadtbezirk_nr;stadtbezirk;ortsteil), the social
 * areas and the post-code table. */
static int load_areas(const bireg_ctx *ctx, const char *data_dir, GError **err)
{
	g_autofree char *path = data_path(data_dir, AREAS_FILE);
	g_autoptr(csv_table) t = csv_read_file(path, NULL, err);
	g_autoptr(GHashTable) districts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
								 g_free);
	int c_nr, c_district, c_quarter;

	if (!t)
		return -1;
	if (t->records->len < 2)
		return util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no areas", path);
	csv_record *h = g_ptr_array_index(t->records, 0);
	c_nr = csv_header_index(h, "stadtbezirk_nr");
	c_district = csv_header_index(h, "stadtbezirk");
	c_quarter = csv_header_index(h, "ortsteil");
	if (c_nr < 0 || c_district < 0 || c_quarter < 0)
		return util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				 "%s: expected the columns stadtbezirk_nr, stadtbezirk, ortsteil",
				 path);
	for (guint i = 1; i < t->records->len; i++) {
		csv_record *r = g_ptr_array_index(t->records, i);
		const char *nr = csv_record_get(r, (size_t)c_nr);
		const char *district = csv_record_get(r, (size_t)c_district);
		int64_t *parent = g_hash_table_lookup(districts, district);
		if (!parent) {
			area_input a = {.hierarchy = AREA_HIERARCHY_ADMIN, .kind = "Stadtbezirk",
					.code = nr, .name = district,
					.position = g_ascii_strtoll(nr, NULL, 10)};
			int64_t id = area_store_create(ctx, &a, err);
			if (id < 0)
				return -1;
			parent = g_memdup2(&id, sizeof id);
			g_hash_table_insert(districts, g_strdup(district), parent);
		}
		area_input q = {.hierarchy = AREA_HIERARCHY_ADMIN, .parent_id = *parent,
				.kind = "Ortsteil", .name = csv_record_get(r, (size_t)c_quarter),
				.position = (int64_t)i};
		if (area_store_create(ctx, &q, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(social_areas); i++) {
		area_input s = {.hierarchy = AREA_HIERARCHY_SOCIAL, .kind = "Sozialraum",
				.name = social_areas[i], .position = (int64_t)i + 1};
		if (area_store_create(ctx, &s, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(postcodes); i++) {
		int64_t *district = g_hash_table_lookup(districts, postcodes[i].district);
		int64_t area;
		if (!district)
			return util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
					 "%s: no Stadtbezirk %s", path, postcodes[i].district);
		area = *district;
		if (postcodes[i].quarter) {
			area = area_store_find(ctx, AREA_HIERARCHY_ADMIN, *district,
					       postcodes[i].quarter, err);
			if (area <= 0)
				return area < 0 ? -1
						: util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
							    "%s: no Ortsteil %s", path,
							    postcodes[i].quarter);
		}
		if (area_postcode_add(ctx, postcodes[i].postcode, postcodes[i].quarter, area, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- schools ----------------------------------------------------------------- */

/* The demo region's Gemeinde: Duisburg. */
#define DEMO_SCHOOL_KEY "05112000"

/* The schools of the file, through the school directory import
 * (school_import.c) as an office would import them: the region's key, one
 * batch in the import history. A second run leaves the schools as the
 * office keeps them (it imports the directory itself then). Returns 0 or -1. */
static int load_schools(const bireg_ctx *ctx, const char *data_dir, GError **err)
{
	g_autofree char *path = data_path(data_dir, SCHOOLS_FILE);
	g_autofree char *data = NULL;
	g_auto(GStrv) keys = school_keys_get(ctx, err);
	gsize len = 0;
	int64_t done;

	if (!keys)
		return -1;
	if (!keys[0]) {
		const char *const demo_keys[] = {DEMO_SCHOOL_KEY, NULL};
		if (school_keys_set(ctx, demo_keys, err) < 0)
			return -1;
	}
	done = register_count(ctx, "SELECT count(*) FROM import_batch WHERE region_id = $1 "
			      "AND kind = 'schools' AND state = 'done' AND id > $2", 0, err);
	if (done < 0)
		return -1;
	if (done > 0)
		return 0;
	if (!g_file_get_contents(path, &data, &len, err))
		return -1;
	if (school_import_run(ctx, SCHOOLS_FILE, data, len, false, NULL, err) < 0) {
		g_prefix_error(err, "%s: ", path);
		return -1;
	}
	return 0;
}

/* ---- other institutions --------------------------------------------------- */

static const struct demo_institution {
	const char *key, *type, *name, *name_extra, *street, *postcode, *city, *tags;
} institutions[] = {
	{"stadt", "authority", "Stadt Duisburg", "Dezernat für Bildung, Arbeit und Soziales", NULL,
	 NULL, "Duisburg", "Kommune, Kooperationspartner"},
	{"brd", "authority", "Bezirksregierung Düsseldorf", "Schulaufsicht des Landes NRW", NULL, NULL,
	 "Düsseldorf", "Land, Kooperationspartner"},
	{"amt_schule", "authority", "Amt für schulische Bildung", "Stadt Duisburg", NULL, NULL,
	 "Duisburg", "Kommune, Schulträger"},
	{"jugendamt", "authority", "Jugendamt der Stadt Duisburg", NULL, NULL, NULL, "Duisburg",
	 "Kommune, Jugendhilfe"},
	{"vhs", "other", "Volkshochschule Duisburg",
	 "mit dem Zentrum für Bildungs- und Lernberatung", NULL, NULL, "Duisburg",
	 "Kommune, Weiterbildung"},
	{"bib", "other", "Stadtbibliothek Duisburg", NULL, NULL, NULL, "Duisburg", "Kommune"},
	{"ki", "authority", "Kommunales Integrationszentrum Duisburg", NULL, NULL, NULL, "Duisburg",
	 "Kommune, Integration, Sprachbildung"},
	{"referat", "authority", "Referat für Gleichberechtigung und Chancengleichheit",
	 "Stadt Duisburg", NULL, NULL, "Duisburg", "Kommune"},
	{"buero", "authority", "Büro Bildungsregion Duisburg",
	 "Stabsstelle im Dezernat für Bildung, Arbeit und Soziales", NULL, NULL, "Duisburg",
	 "Kommune, Geschäftsstelle"},
	{"verein", "association", "Verein zur Förderung der Bildungsregion Duisburg e. V.", NULL,
	 NULL, NULL, "Duisburg", "Förderverein"},
	{"traeger", "provider", "Kita-Verbund Beispielhafen gGmbH", "Träger von Kindertageseinrichtungen",
	 "Straße der Kinderrechte 3", "47057", "Duisburg", "Kita-Träger, Frühkindliche Bildung"},
	{"kita", "kita", "Familienzentrum Regenbogenland", "Kita des Kita-Verbunds Beispielhafen",
	 "Musterweg 5", "47057", "Duisburg", "Frühkindliche Bildung, Sprachbildung"},
	{"ihk", "chamber", "Niederrheinische IHK Duisburg-Wesel-Kleve", NULL, NULL, NULL, "Duisburg",
	 "Wirtschaft, Ausbildung"},
	{"hwk", "chamber", "Handwerkskammer Düsseldorf", NULL, NULL, NULL, "Düsseldorf",
	 "Handwerk, Ausbildung"},
	{"ude", "university", "Universität Duisburg-Essen", NULL, NULL, NULL, "Duisburg",
	 "Hochschule"},
	{"aa", "authority", "Agentur für Arbeit Duisburg", NULL, NULL, NULL, "Duisburg",
	 "Berufsberatung, Übergang Schule–Beruf"},
	{"jobcenter", "authority", "Jobcenter Duisburg", NULL, NULL, NULL, "Duisburg",
	 "Übergang Schule–Beruf"},
	/* Entered twice, spelt a little differently: a likely duplicate of
	 * the Kita-Verbund for the office to merge (register_dupes.h). */
	{"traeger2", "provider", "Kita Verbund Beispielhafen GmbH", NULL, "Straße der Kinderrechte 3",
	 "47057", "Duisburg", "Kita-Träger"},
};

/* Schools the demo's people work at: key -> Schulnummer. */
static const struct {
	const char *key, *school_number;
} schools[] = {
	{"schulamt", "600112"},     /* Schulamt für die Stadt Duisburg */
	{"ge_walsum", "189583"},    /* Gesamtschule Walsum */
	{"ge_hamborn", "187793"},   /* Gottfried-Wilhelm-Leibniz-Schule */
	{"ge_meiderich", "189261"}, /* Städt. Gesamtschule Meiderich */
	{"gy_homberg", "165979"},   /* Franz-Haniel-Gymnasium */
	{"gs_hochheide", "109046"}, /* Ottoschule */
	{"gy_mitte", "164549"},     /* Landfermann-Gymnasium */
	{"ge_mitte", "193252"},     /* Globus am Dellplatz */
	{"fs_mitte", "152020"},     /* Förderschule Eschenstraße */
	{"ge_rheinhausen", "192193"}, /* Lise-Meitner-Gesamtschule */
	{"ge_sued", "185267"},      /* Städt. Gesamtschule Süd */
};

/* key -> institution id, for the people and memberships below. */
typedef struct demo_ids {
	GHashTable *inst;   /* key -> int64_t* */
	GHashTable *person; /* key -> int64_t* */
	GHashTable *body;   /* key -> int64_t* */
	GHashTable *membership; /* "body/person" -> int64_t* */
} demo_ids;

static void ids_put(GHashTable *t, const char *key, int64_t id)
{
	g_hash_table_insert(t, g_strdup(key), g_memdup2(&id, sizeof id));
}

static int64_t ids_get(GHashTable *t, const char *key)
{
	int64_t *v = key ? g_hash_table_lookup(t, key) : NULL;
	return v ? *v : 0;
}

static int load_institutions(const bireg_ctx *ctx, demo_ids *ids, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(institutions); i++) {
		const struct demo_institution *d = &institutions[i];
		int64_t type = institution_type_id_by_key(ctx, d->type, err);
		if (type <= 0)
			return type < 0 ? -1
					: util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
						    "no kind of institution %s", d->type);
		g_auto(GStrv) tags = institution_tags_parse(d->tags);
		institution_input in = {.type_id = type, .name = d->name, .name_extra = d->name_extra,
					.street = d->street, .postcode = d->postcode,
					.city = d->city, .tags = (const char *const *)tags};
		int64_t id = institution_store_create(ctx, &in, err);
		if (id < 0)
			return -1;
		ids_put(ids->inst, d->key, id);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(schools); i++) {
		int64_t id = institution_store_by_school_number(ctx, schools[i].school_number, err);
		if (id <= 0)
			return id < 0 ? -1
				      : util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
						  "the school directory has no Schulnummer %s",
						  schools[i].school_number);
		ids_put(ids->inst, schools[i].key, id);
	}
	return 0;
}

/* ---- people --------------------------------------------------------------------- */

/* publish: consent to publish the name: 1 given, 0 withdrawn, -1 never asked. */
static const struct demo_person {
	const char *key, *address_form, *title, *first, *last, *function, *inst, *email;
	int publish;
	const char *salutation;
} people[] = {
	/* The demo accounts' people. */
	{"mika", "", NULL, "Mika", "Vorsitz", "Beigeordnete*r für Bildung, Arbeit und Soziales",
	 "stadt", "mika.vorsitz@example.org", 1, NULL},
	{"sam", "", NULL, "Sam", "Mitglied", "Berufsberatung", "aa", "sam.mitglied@example.org", -1,
	 NULL},
	{"jo", "", NULL, "Jo", "Koordination", "Koordination Inklusion", "amt_schule",
	 "jo.koordination@example.org", 1, NULL},
	{"luca", "", NULL, "Luca", "Vorstand", "Vorsitz des Fördervereins", "verein",
	 "luca.vorstand@example.org", 1, NULL},
	/* Conference and Lenkungskreis. */
	{"ob", "herr", "Dr.", "Reinhard", "Musterstadt", "Oberbürgermeister", "stadt",
	 "oberbuergermeister@example.org", 1, "Sehr geehrter Herr Oberbürgermeister,"},
	{"petra", "frau", "Dr.", "Petra", "Beispiel", "Regionaldezernentin", "brd",
	 "petra.beispiel@example.org", 1, NULL},
	{"jan", "herr", NULL, "Jan", "Probe", "Dezernent für Schulaufsicht", "brd",
	 "jan.probe@example.org", -1, NULL},
	{"nina", "frau", NULL, "Nina", "Muster", "Abteilungsleiterin Bildung", "stadt",
	 "nina.muster@example.org", -1, NULL},
	{"thomas", "herr", NULL, "Thomas", "Musterfeld", "Schulrat", "schulamt",
	 "thomas.musterfeld@example.org", 1, NULL},
	{"sabine", "frau", NULL, "Sabine", "Mustermann", "Leiterin des Amtes", "amt_schule",
	 "sabine.mustermann@example.org", 0, NULL},
	{"oliver", "herr", NULL, "Oliver", "Beispielmann", "Leiter des Jugendamtes", "jugendamt",
	 "oliver.beispielmann@example.org", -1, NULL},
	{"claudia", "frau", NULL, "Claudia", "Exempel", "Direktorin", "vhs",
	 "claudia.exempel@example.org", 1, NULL},
	{"frank", "herr", NULL, "Frank", "Vorlage", "Leiter der Stadtbibliothek", "bib",
	 "frank.vorlage@example.org", -1, NULL},
	{"aylin", "frau", NULL, "Aylin", "Beispiel-Yıldız", "Leiterin", "ki",
	 "aylin.beispiel-yildiz@example.org", 1, NULL},
	{"martina", "frau", NULL, "Martina", "Musterhaus", "Referentin", "referat",
	 "martina.musterhaus@example.org", -1, NULL},
	{"jana", "frau", "Dr.", "Jana", "Platzhalter", "Leiterin des Büros Bildungsregion", "buero",
	 "jana.platzhalter@example.org", 1, NULL},
	{"werner", "herr", NULL, "Werner", "Altbeispiel", "Abteilungsleiter a. D.", NULL,
	 "werner.altbeispiel@example.org", -1, NULL},
	/* Handlungsforum Bildungsberatung im Lebenslauf. */
	{"heike", "frau", NULL, "Heike", "Beispielberg",
	 "Leiterin des Zentrums für Bildungs- und Lernberatung", "vhs",
	 "heike.beispielberg@example.org", 1, NULL},
	{"markus", "herr", NULL, "Markus", "Entwurf", "Bildungsberater", "vhs",
	 "markus.entwurf@example.org", -1, NULL},
	{"juergen", "herr", NULL, "Jürgen", "Müller-Muster", "Studienberater", "ude",
	 "juergen.mueller-muster@example.org", -1, NULL},
	{"selin", "frau", NULL, "Selin", "Vorbild", "Ausbildungsberaterin", "ihk",
	 "selin.vorbild@example.org", 1, NULL},
	{"tobias", "herr", NULL, "Tobias", "Skizze", "Ausbildungsberater", "ihk",
	 "tobias.skizze@example.org", -1, NULL},
	/* Handlungsforum Die Verkehrs- und Bildungssprache Deutsch stärken. */
	{"anna", "frau", "Dr.", "Anna", "Modell", "Sprachbildung", "ki", "anna.modell@example.org",
	 1, NULL},
	{"murat", "herr", NULL, "Murat", "Exemplar", "Sprachbildung", "ki",
	 "murat.exemplar@example.org", -1, NULL},
	{"katharina", "frau", NULL, "Katharina", "Musterfrau", "Leiterin", "kita",
	 "katharina.musterfrau@example.org", -1, NULL},
	{"renate", "frau", NULL, "Renate", "Beispielhain", "Schulleiterin", "gs_hochheide",
	 "renate.beispielhain@example.org", -1, NULL},
	{"stefan", "herr", NULL, "Stefan", "Schablone", "Fachberater Sprache", "schulamt",
	 "stefan.schablone@example.org", -1, NULL},
	{"lea", "frau", NULL, "Lea", "Attrappe", "Fachberaterin", "schulamt",
	 "lea.attrappe@example.org", -1, NULL},
	/* Handlungsforum Die inklusive Bildungsstadt. */
	{"elena", "frau", NULL, "Elena", "Platzhalter-Nowak", "Inklusionsberatung", "amt_schule",
	 "elena.platzhalter-nowak@example.org", -1, NULL},
	{"uwe", "herr", NULL, "Uwe", "Beispielhaus", "Schulleiter", "fs_mitte",
	 "uwe.beispielhaus@example.org", -1, NULL},
	{"miriam", "frau", NULL, "Miriam", "Mustergut", "Eingliederungshilfe", "jugendamt",
	 "miriam.mustergut@example.org", -1, NULL},
	{"can", "herr", NULL, "Can", "Beispieloğlu", "Eingliederungshilfe", "jugendamt",
	 "can.beispieloglu@example.org", -1, NULL},
	/* Handlungsforum Scheitern von Bildungslaufbahnen vermeiden. */
	{"andreas", "herr", NULL, "Andreas", "Musterberg", "Schulleiter", "ge_mitte",
	 "andreas.musterberg@example.org", 1, NULL},
	{"julia", "frau", NULL, "Julia", "Beispielweg", "Stellvertretende Schulleiterin", "ge_mitte",
	 "julia.beispielweg@example.org", -1, NULL},
	{"sevda", "frau", NULL, "Sevda", "Muster-Kaya", "Teamleiterin U25", "jobcenter",
	 "sevda.muster-kaya@example.org", -1, NULL},
	{"dirk", "herr", NULL, "Dirk", "Exempelmann", "Ausbildungsberater", "hwk",
	 "dirk.exempelmann@example.org", -1, NULL},
	/* The office's coordinators of the district forums. */
	{"marie", "frau", NULL, "Marie", "Beispielfeld", "Bildungskoordinatorin Nord", "buero",
	 "marie.beispielfeld@example.org", 1, NULL},
	{"ben", "herr", NULL, "Ben", "Musterweg", "Bildungskoordinator Süd und West", "buero",
	 "ben.musterweg@example.org", 1, NULL},
	/* Heads of schools in the districts. */
	{"birgit", "frau", NULL, "Birgit", "Beispielhof", "Schulleiterin", "ge_walsum",
	 "birgit.beispielhof@example.org", 1, NULL},
	{"ralf", "herr", NULL, "Ralf", "Musterhagen", "Schulleiter", "ge_hamborn",
	 "ralf.musterhagen@example.org", 1, NULL},
	{"derya", "frau", NULL, "Derya", "Exempel-Aydın", "Schulleiterin", "ge_meiderich",
	 "derya.exempel-aydin@example.org", -1, NULL},
	{"klaus", "herr", NULL, "Klaus", "Probemann", "Schulleiter", "gy_homberg",
	 "klaus.probemann@example.org", -1, NULL},
	{"susanne", "frau", NULL, "Susanne", "Musterhain", "Schulleiterin", "gy_mitte",
	 "susanne.musterhain@example.org", 1, NULL},
	{"tanja", "frau", NULL, "Tanja", "Vorlagenberg", "Schulleiterin", "ge_rheinhausen",
	 "tanja.vorlagenberg@example.org", -1, NULL},
	{"michael", "herr", NULL, "Michael", "Beispielsen", "Schulleiter", "ge_sued",
	 "michael.beispielsen@example.org", -1, NULL},
	/* The Förderverein's board. */
	{"gabriele", "frau", NULL, "Gabriele", "Beispielkamp", "Stellvertretende Vorsitzende",
	 "verein", "gabriele.beispielkamp@example.org", 1, NULL},
	{"holger", "herr", NULL, "Holger", "Exempelberg", "Schatzmeister", "verein",
	 "holger.exempelberg@example.org", -1, NULL},
	/* Likely duplicates for the office to merge (register_dupes.h): the
	 * same teacher entered twice (umlauts written out, the e-mail address
	 * in another case), and the Kita's head once more with an initial. */
	{"joerg", "herr", NULL, "Jörg", "Müller", "Lehrer", "ge_sued", "joerg.mueller@example.org",
	 -1, NULL},
	{"joerg2", "herr", NULL, "Joerg", "Mueller", "Lehrer, Beratung", "ge_sued",
	 "Joerg.Mueller@example.org", -1, NULL},
	{"katharina2", "frau", NULL, "K.", "Musterfrau", "Kita-Leitung", "kita",
	 "k.musterfrau@example.org", -1, NULL},
};

static int load_people(const bireg_ctx *ctx, demo_ids *ids, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(people); i++) {
		const struct demo_person *p = &people[i];
		g_autofree char *phone = g_strdup_printf("+49 203 000 1%03zu", i + 1);
		person_input in = {
			.address_form = p->address_form,
			.title = p->title,
			.first_name = p->first,
			.last_name = p->last,
			.letter_salutation = p->salutation,
			.function = p->function,
			.phone = phone,
			.email = p->email,
			.preferred_channel = "email",
			.legal_basis = "public_task",
		};
		int64_t id = person_store_create(ctx, &in, err);
		if (id < 0) {
			g_prefix_error(err, "demo person %s: ", p->key);
			return -1;
		}
		ids_put(ids->person, p->key, id);
		if (p->inst && affiliation_add(ctx, id, ids_get(ids->inst, p->inst), p->function,
					       DEMO_START, NULL, err) < 0)
			return -1;
		if (p->publish >= 0 &&
		    person_consent_record(ctx, id, "publish_name", true, "2023-11-15",
					  "Einwilligungsformular der Bildungskonferenz 2023",
					  err) < 0)
			return -1;
		if (p->publish == 0 &&
		    person_consent_record(ctx, id, "publish_name", false, "2024-03-04",
					  "Widerruf per E-Mail an die Geschäftsstelle", err) < 0)
			return -1;
	}
	/* The former member worked for the city until 2022. */
	return affiliation_add(ctx, ids_get(ids->person, "werner"), ids_get(ids->inst, "stadt"),
			       "Abteilungsleiter Bildung", "2008-06-01", "2022-12-31", err) < 0
		       ? -1
		       : 0;
}

/* ---- bodies ---------------------------------------------------------------- */

static const char *const districts[] = {"Walsum",	 "Hamborn",	"Meiderich/Beeck",
					"Homberg/Ruhrort/Baerl", "Mitte", "Rheinhausen",
					"Süd"};

/* The level of a position (1–3), 0 when the region has none there. */
static int64_t level_at(const bireg_ctx *ctx, int position, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM region_level WHERE region_id = $1 AND position = $2", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, position);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW ? db_col_int64(st, 0) : 0;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The text of a level of the structure JSON: its role, lead and rhythm. */
static char *level_text(json_t *level)
{
	GString *s = g_string_new(str(level, "rolle"));
	if (*str(level, "leitung"))
		g_string_append_printf(s, "%sLeitung: %s.", s->len ? ". " : "", str(level, "leitung"));
	if (*str(level, "turnus"))
		g_string_append_printf(s, " Turnus: %s.", str(level, "turnus"));
	return g_string_free(s, FALSE);
}

/* "- a\n- b" from an array of strings. */
static char *bullets(json_t *list)
{
	GString *s = g_string_new(NULL);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		g_string_append_printf(s, "%s- %s", i ? "\n" : "", json_string_value(v));
	return g_string_free(s, FALSE);
}

static int64_t create_body(const bireg_ctx *ctx, demo_ids *ids, const char *key,
			   const body_input *in, GError **err)
{
	int64_t id = body_store_create(ctx, in, err);
	if (id < 0) {
		g_prefix_error(err, "demo body %s: ", in->name);
		return -1;
	}
	ids_put(ids->body, key, id);
	return id;
}

static int load_bodies(const bireg_ctx *ctx, json_t *structure, demo_ids *ids, GError **err)
{
	json_t *levels = json_object_get(structure, "ebenen");
	json_t *forums = json_object_get(structure, "handlungsforen");
	int64_t level[4] = {0};
	body_input in;

	for (int p = 1; p <= 3; p++)
		if ((level[p] = level_at(ctx, p, err)) < 0)
			return -1;

	/* The conference: recommends, does not decide. */
	{
		json_t *l = json_array_get(levels, 0);
		g_autofree char *desc = level_text(l);
		g_autofree char *goals = bullets(json_object_get(l, "aufgaben"));
		const char *first = str(json_array_get(json_object_get(structure,
								       "bildungskonferenzen"), 0),
					"datum");
		body_input_defaults(&in);
		in.name = "Regionale Bildungskonferenz";
		in.short_name = "Bildungskonferenz";
		in.type = "conference";
		in.level_id = level[1];
		in.description = desc;
		in.goals = goals;
		in.active_from = *first ? first : NULL;
		in.decision_mode = "recommendation";
		in.quorum_rule = "none";
		in.invitation_days = 42;
		in.invitation_days_urgent = 14;
		in.papers_days = 14;
		in.objection_days = 28;
		in.public = true;
		in.nonpublic_access = "office";
		if (create_body(ctx, ids, "conference", &in, err) < 0)
			return -1;
	}
	/* The Lenkungskreis: two equal chairs (city and Land), consensus,
	 * quorate when both partners are represented. */
	{
		g_autofree char *desc = level_text(json_array_get(levels, 1));
		body_input_defaults(&in);
		in.name = "Lenkungskreis";
		in.type = "steering";
		in.level_id = level[2];
		in.parent_id = ids_get(ids->body, "conference");
		in.description = desc;
		in.goals = "- strategische Steuerung der Bildungsregion\n- Jahresplanung der "
			   "Handlungsforen\n- Vorbereitung der Regionalen Bildungskonferenz";
		in.active_from = "2008-06-01";
		in.chair_mode = "co_chairs";
		in.decision_mode = "consensus";
		in.quorum_rule = "both_partners";
		in.invitation_days = 14;
		in.invitation_days_urgent = 5;
		in.papers_days = 7;
		in.objection_days = 14;
		in.public = false;
		in.nonpublic_access = "members";
		if (create_body(ctx, ids, "steering", &in, err) < 0)
			return -1;
	}
	/* The four Handlungsforen of the JSON. */
	{
		static const char *const keys[] = {"hf_beratung", "hf_sprache", "hf_inklusion",
						   "hf_laufbahn"};
		static const char *const shorts[] = {"HF Bildungsberatung", "HF Sprache",
						     "HF Inklusion", "HF Bildungslaufbahnen"};
		const char *role = str(json_array_get(levels, 2), "rolle");
		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
			json_t *f = json_array_get(forums, i);
			if (!f)
				return util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
						 "the structure has fewer than four Handlungsforen");
			g_autofree char *name = g_strconcat("Handlungsforum ", str(f, "name"), NULL);
			g_autofree char *desc = *str(f, "ergebnis")
							? g_strdup_printf("%s.\n\nErgebnis: %s.", role,
									  str(f, "ergebnis"))
							: g_strdup_printf("%s.", role);
			body_input_defaults(&in);
			in.name = name;
			in.short_name = shorts[i];
			in.type = "forum";
			in.level_id = level[3];
			in.parent_id = ids_get(ids->body, "steering");
			in.description = desc;
			in.active_from = "2014-06-26";
			in.decision_mode = "consensus";
			in.quorum_rule = "none";
			in.public = false;
			if (create_body(ctx, ids, keys[i], &in, err) < 0)
				return -1;
		}
	}
	/* A regional forum per Stadtbezirk. */
	for (size_t i = 0; i < G_N_ELEMENTS(districts); i++) {
		int64_t area = area_store_find(ctx, AREA_HIERARCHY_ADMIN, 0, districts[i], err);
		if (area <= 0)
			return area < 0 ? -1
					: util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
						    "no Stadtbezirk %s", districts[i]);
		g_autofree char *name = g_strconcat("Regionales Bildungsforum ", districts[i], NULL);
		g_autofree char *short_name = g_strconcat("Forum ", districts[i], NULL);
		g_autofree char *desc = g_strdup_printf(
			"Das regionale Bildungsforum bringt die Bildungsakteure des Stadtbezirks %s "
			"zusammen: Schulen, Kitas, Jugendhilfe und Weiterbildung. Das Büro "
			"Bildungsregion begleitet es.",
			districts[i]);
		g_autofree char *key = g_strdup_printf("district_%zu", i);
		body_input_defaults(&in);
		in.name = name;
		in.short_name = short_name;
		in.type = "district_forum";
		in.level_id = level[3];
		in.area_id = area;
		in.parent_id = ids_get(ids->body, "steering");
		in.description = desc;
		in.active_from = "2015-01-01";
		in.decision_mode = "consensus";
		in.quorum_rule = "none";
		in.invitation_days = 21;
		in.public = true;
		if (create_body(ctx, ids, key, &in, err) < 0)
			return -1;
	}
	/* The association's board: decisions in text form need everyone. */
	body_input_defaults(&in);
	in.name = "Vorstand des Fördervereins";
	in.short_name = "Vorstand";
	in.type = "board";
	in.description = "Vorstand des Vereins zur Förderung der Bildungsregion Duisburg e. V.; "
			 "entscheidet über Förderanträge an den Verein.";
	in.active_from = "2010-03-01";
	in.decision_mode = "majority";
	in.quorum_rule = "share";
	in.quorum_share_pct = 50;
	in.written_procedure = "all_consent";
	in.public = false;
	in.nonpublic_access = "members";
	return create_body(ctx, ids, "board", &in, err) < 0 ? -1 : 0;
}

/* ---- memberships ------------------------------------------------------------ */

/* A membership: body and person by key; substitute_for names the person
 * whose membership of the same body this one stands in for; inst NULL: the
 * person's institution; end_day for a former member. */
static const struct demo_membership {
	const char *body, *person, *role, *substitute_for, *inst, *side;
	bool voting;
	const char *start, *end;
} memberships[] = {
	/* Lenkungskreis: the co-chairs of city and Land, their substitutes,
	 * the members named in the structure, the office's head. */
	{"steering", "mika", "chair", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "petra", "chair", NULL, NULL, "land", true, NULL, NULL},
	{"steering", "nina", "substitute", "mika", NULL, "kommune", true, NULL, NULL},
	{"steering", "jan", "substitute", "petra", NULL, "land", true, NULL, NULL},
	{"steering", "thomas", "member", NULL, NULL, "land", true, NULL, NULL},
	{"steering", "sabine", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "oliver", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "claudia", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "frank", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "aylin", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "martina", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"steering", "jana", "management", NULL, NULL, "kommune", false, NULL, NULL},
	{"steering", "werner", "member", NULL, "stadt", "kommune", true, "2008-06-01",
	 "2022-12-31"},
	/* The conference: the Oberbürgermeister in the chair, many members. */
	{"conference", "ob", "chair", NULL, NULL, "kommune", true, NULL, NULL},
	{"conference", "mika", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"conference", "petra", "member", NULL, NULL, "land", true, NULL, NULL},
	{"conference", "thomas", "member", NULL, NULL, "land", true, NULL, NULL},
	{"conference", "sabine", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"conference", "oliver", "member", NULL, NULL, "kommune", true, NULL, NULL},
	{"conference", "claudia", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "frank", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "aylin", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "heike", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "anna", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "jo", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "andreas", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "luca", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "selin", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "juergen", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "dirk", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "katharina", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "birgit", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "ralf", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "derya", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "klaus", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "susanne", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "tanja", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "michael", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"conference", "sevda", "advisory", NULL, NULL, NULL, false, NULL, NULL},
	{"conference", "martina", "guest", NULL, NULL, NULL, false, NULL, NULL},
	{"conference", "jana", "management", NULL, NULL, NULL, false, NULL, NULL},
	/* Handlungsforum Bildungsberatung im Lebenslauf. */
	{"hf_beratung", "heike", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "markus", "substitute", "heike", NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "sam", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "juergen", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "selin", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "tobias", "substitute", "selin", NULL, NULL, true, NULL, NULL},
	{"hf_beratung", "claudia", "advisory", NULL, NULL, NULL, false, NULL, NULL},
	/* Handlungsforum Die Verkehrs- und Bildungssprache Deutsch stärken. */
	{"hf_sprache", "anna", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "murat", "substitute", "anna", NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "katharina", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "renate", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "stefan", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "lea", "substitute", "stefan", NULL, NULL, true, NULL, NULL},
	{"hf_sprache", "frank", "member", NULL, NULL, NULL, true, NULL, NULL},
	/* Handlungsforum Die inklusive Bildungsstadt. */
	{"hf_inklusion", "jo", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_inklusion", "elena", "substitute", "jo", NULL, NULL, true, NULL, NULL},
	{"hf_inklusion", "uwe", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_inklusion", "miriam", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_inklusion", "can", "substitute", "miriam", NULL, NULL, true, NULL, NULL},
	{"hf_inklusion", "susanne", "member", NULL, NULL, NULL, true, NULL, NULL},
	/* Handlungsforum Scheitern von Bildungslaufbahnen vermeiden. */
	{"hf_laufbahn", "andreas", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_laufbahn", "julia", "substitute", "andreas", NULL, NULL, true, NULL, NULL},
	{"hf_laufbahn", "sevda", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_laufbahn", "dirk", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_laufbahn", "ralf", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"hf_laufbahn", "sam", "guest", NULL, NULL, NULL, false, NULL, NULL},
	/* The regional forums, district by district (districts[] order). */
	{"district_0", "marie", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_0", "birgit", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_1", "marie", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_1", "ralf", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_1", "miriam", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_2", "marie", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_2", "derya", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_3", "marie", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_3", "klaus", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_3", "renate", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_4", "ben", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_4", "susanne", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_4", "andreas", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_4", "uwe", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_4", "katharina", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_5", "ben", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_5", "tanja", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"district_6", "ben", "coordination", NULL, NULL, NULL, true, NULL, NULL},
	{"district_6", "michael", "member", NULL, NULL, NULL, true, NULL, NULL},
	/* The Förderverein's board. */
	{"board", "luca", "chair", NULL, NULL, NULL, true, NULL, NULL},
	{"board", "gabriele", "vice_chair", NULL, NULL, NULL, true, NULL, NULL},
	{"board", "holger", "member", NULL, NULL, NULL, true, NULL, NULL},
	{"board", "jana", "management", NULL, NULL, NULL, false, NULL, NULL},
};

/* The institution a person works at (people[].inst), 0 when none. */
static int64_t person_inst(demo_ids *ids, const char *person)
{
	for (size_t i = 0; i < G_N_ELEMENTS(people); i++)
		if (!strcmp(people[i].key, person))
			return ids_get(ids->inst, people[i].inst);
	return 0;
}

static int load_memberships(const bireg_ctx *ctx, demo_ids *ids, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(memberships); i++) {
		const struct demo_membership *m = &memberships[i];
		g_autofree char *sub_key = m->substitute_for
						   ? g_strconcat(m->body, "/", m->substitute_for, NULL)
						   : NULL;
		g_autofree char *key = g_strconcat(m->body, "/", m->person, NULL);
		membership_input in = {
			.body_id = ids_get(ids->body, m->body),
			.person_id = ids_get(ids->person, m->person),
			.role = m->role,
			.substitute_for_id = sub_key ? ids_get(ids->membership, sub_key) : 0,
			.institution_id = m->inst ? ids_get(ids->inst, m->inst)
						  : person_inst(ids, m->person),
			.partner_side = m->side ? m->side : "",
			.voting = m->voting,
			.start_day = m->start ? m->start : DEMO_START,
			.end_day = m->end,
		};
		if (!in.body_id || !in.person_id || (sub_key && !in.substitute_for_id))
			return util_fail(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
					 "demo membership %s: unknown body, person or member", key);
		int64_t id = membership_store_create(ctx, &in, err);
		if (id < 0) {
			g_prefix_error(err, "demo membership %s: ", key);
			return -1;
		}
		ids_put(ids->membership, key, id);
	}
	return 0;
}

/* ---- the demo accounts' persons ---------------------------------------------- */

static const struct {
	const char *email, *person;
} account_people[] = {
	{"vorsitz@demo.bireg.example", "mika"},
	{"mitglied@demo.bireg.example", "sam"},
	{"koordination@demo.bireg.example", "jo"},
	{"vorstand@demo.bireg.example", "luca"},
};

static int link_accounts(const bireg_ctx *ctx, demo_ids *ids, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(account_people); i++) {
		g_autoptr(account) a = account_store_get_by_email(ctx, account_people[i].email, err);
		if (!a)
			return err && *err ? -1
					   : util_fail(err, G_FILE_ERROR, G_FILE_ERROR_NOENT,
						       "no demo account %s", account_people[i].email);
		if (person_link_account(ctx, ids_get(ids->person, account_people[i].person), a->id,
					err) < 0)
			return -1;
	}
	return 0;
}

/* ---- data protection --------------------------------------------------------- */

/* Werner Altbeispiel, a former member of the Lenkungskreis, asked for
 * erasure (Art. 17): his row stays as "Anonymisierte Person", so the body's
 * history holds. And the region's retention periods and its
 * data-protection officer (privacy.h). */
static int load_privacy(const bireg_ctx *ctx, demo_ids *ids, GError **err)
{
	json_t *days = json_pack("{s:i,s:i,s:i,s:i}", "change_log", 3650, "import_files", 30,
				 "former_affiliations", 1825, "inactive_contacts", 0);
	int r = privacy_retention_set(ctx, days, err);

	json_decref(days);
	if (r < 0 || privacy_dpo_set(ctx, "Datenschutzbeauftragte der Stadt Duisburg (Demo)",
				     "datenschutz@example.org", "+49 203 000 00-99", err) < 0)
		return -1;
	return privacy_erase(ctx, ids_get(ids->person, "werner"), err) < 0 ? -1 : 0;
}

/* ---- imports ------------------------------------------------------------------ */

/* A saved column mapping of the people import (import_store.h), as the
 * office would keep one for the Schulamt's yearly address list. */
static int load_import_mapping(const bireg_ctx *ctx, GError **err)
{
	json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "address_form", "Anrede",
			      "title", "Titel", "first_name", "Vorname", "last_name", "Nachname",
			      "function", "Funktion", "email", "E-Mail", "phone", "Telefon",
			      "institution", "Schulnummer");
	int64_t id = import_mapping_save(ctx, "people", "Adressliste Schulamt (Schulleitungen)", m,
					 err);

	json_decref(m);
	return id < 0 ? -1 : 0;
}

/* ---- a second run ----------------------------------------------------------- */

static int64_t count_bodies(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT count(*) FROM body WHERE region_id = $1", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

int register_demo_load(const bireg_ctx *ctx, const char *data_dir, json_t *structure,
		       GError **err)
{
	demo_ids ids = {
		.inst = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.person = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.body = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.membership = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	};
	int64_t bodies = count_bodies(ctx, err);
	int rc = -1;

	if (bodies < 0)
		goto out;
	if (bodies == 0 && load_areas(ctx, data_dir, err) < 0)
		goto out;
	if (load_schools(ctx, data_dir, err) < 0)
		goto out;
	if (bodies > 0) {
		/* A second run: the register stays as the office left it. */
		rc = 0;
		goto out;
	}
	if (load_institutions(ctx, &ids, err) < 0 || load_people(ctx, &ids, err) < 0 ||
	    load_bodies(ctx, structure, &ids, err) < 0 || load_memberships(ctx, &ids, err) < 0 ||
	    link_accounts(ctx, &ids, err) < 0 || load_privacy(ctx, &ids, err) < 0 ||
	    load_import_mapping(ctx, err) < 0)
		goto out;
	rc = 0;
out:
	g_hash_table_unref(ids.inst);
	g_hash_table_unref(ids.person);
	g_hash_table_unref(ids.body);
	g_hash_table_unref(ids.membership);
	return rc;
}
