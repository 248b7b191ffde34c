/*
 * test_register_import.c — the generic import of people and institutions
 * (register_import.c) on the backend the environment chooses: proposing a
 * mapping from German and English headers, refusing a bad mapping, preview
 * counts, the commit with the mapped values in the database and a change-
 * log entry per record, a re-import that changes nothing, a changed row,
 * a bad e-mail in line 7 (rejected with its line; commit refused, nothing
 * written), the same e-mail twice, a Windows-1252 file with umlauts, an
 * XLSX file made by the sheet writer, affiliations by institution name or
 * Schulnummer, institutions matched by Schulnummer and by name + post
 * code, a saved mapping reused, and 5,000 rows through the background job.
 */
#include <string.h>

#include "core/tabular.h"
#include "db/db.h"
#include "jobs/job.h"
#include "modules/register/import_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "modules/register/register_import.h"
#include "out/sheet.h"
#include "test_dbenv.h"


typedef struct {
	db *d;
	bireg_ctx ctx;
	int64_t region;
} fixture;

static void fx_setup(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fx->d = test_db_open(&err);
	g_assert_no_error(err);
	fx->region = test_db_add_region(fx->d, "eins", "Region eins");
	db_set_region(fx->d, fx->region);
	fx->ctx = (bireg_ctx){.db = fx->d, .region_id = fx->region};
	g_assert_cmpint(institution_type_seed(&fx->ctx, &err), >=, 0);
	g_assert_no_error(err);
}

static void fx_teardown(fixture *fx, gconstpointer data)
{
	test_db_dispose(fx->d);
}

static int64_t count(fixture *fx, const char *sql)
{
	return test_db_query_int(fx->d, sql, fx->region);
}

static void read_table(const char *text, size_t len, tabular *t)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(register_import_read(text, len ? len : strlen(text), t, &err), ==, 0);
	g_assert_no_error(err);
}

static const char PEOPLE[] =
	"Anrede;Titel;Vorname;Nachname;E-Mail;Telefon;PLZ;Ort\r\n"
	"Frau;Dr.;Petra;Beispiel;petra.beispiel@example.org;0203 1;47051;Duisburg\r\n"
	"Herr;;Max;Muster;max@example.org;;47057;Duisburg\r\n"
	";;Alex;Quelle;ALEX@example.org;;;\r\n";

static json_t *people_mapping(void)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "address_form", "Anrede", "title",
			 "Titel", "first_name", "Vorname", "last_name", "Nachname", "email",
			 "E-Mail", "phone", "Telefon", "postcode", "PLZ", "city", "Ort");
}

static json_t *commit(fixture *fx, const char *kind, const char *text, size_t len,
		      json_t *mapping, GError **err)
{
	tabular t = {0};
	json_t *r;

	read_table(text, len, &t);
	r = register_import_commit(&fx->ctx, 1, kind, "test.csv", t.table, mapping, NULL, NULL,
				   NULL, err);
	tabular_clear(&t);
	return r;
}

static void test_propose(fixture *fx, gconstpointer data)
{
	tabular t = {0};
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = NULL;
	g_autoptr(json_t) bad = NULL;

	read_table("Name;Vorname;Mail;PLZ;Straße;Handy;Firma\nA;B;a@x.de;47051;Weg 1;01;X\n", 0, &t);
	m = register_import_propose("people", t.table);
	g_assert_cmpstr(json_string_value(json_object_get(m, "last_name")), ==, "Name");
	g_assert_cmpstr(json_string_value(json_object_get(m, "first_name")), ==, "Vorname");
	g_assert_cmpstr(json_string_value(json_object_get(m, "email")), ==, "Mail");
	g_assert_cmpstr(json_string_value(json_object_get(m, "postcode")), ==, "PLZ");
	g_assert_cmpstr(json_string_value(json_object_get(m, "street")), ==, "Straße");
	g_assert_cmpstr(json_string_value(json_object_get(m, "mobile")), ==, "Handy");
	g_assert_null(json_object_get(m, "institution"));
	g_assert_cmpint(register_import_check_mapping("people", t.table, m, &err), ==, 0);
	tabular_clear(&t);

	read_table("Nachname;Name;last name;E-Mail-Adresse\nA;B;C;d@x.de\n", 0, &t);
	json_decref(m);
	m = register_import_propose("people", t.table);
	/* "Nachname" wins over "Name" for the last name. */
	g_assert_cmpstr(json_string_value(json_object_get(m, "last_name")), ==, "Nachname");
	g_assert_cmpstr(json_string_value(json_object_get(m, "email")), ==, "E-Mail-Adresse");

	/* A column used twice, and the required field missing. */
	bad = json_pack("{s:s,s:s}", "last_name", "Nachname", "first_name", "Nachname");
	g_assert_cmpint(register_import_check_mapping("people", t.table, bad, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	json_decref(bad);
	bad = json_pack("{s:s}", "email", "E-Mail-Adresse");
	g_assert_cmpint(register_import_check_mapping("people", t.table, bad, &err), ==, -1);
	{
		g_autofree char *field = register_error_field(err);
		g_assert_cmpstr(field, ==, "last_name");
	}
	g_clear_error(&err);
	json_decref(bad);
	bad = json_pack("{s:s}", "last_name", "Gibt es nicht");
	g_assert_cmpint(register_import_check_mapping("people", t.table, bad, &err), ==, -1);
	g_clear_error(&err);
	tabular_clear(&t);
}

static void test_people_commit_and_again(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = people_mapping();
	tabular t = {0};
	json_t *rep;

	read_table(PEOPLE, 0, &t);
	rep = register_import_preview(&fx->ctx, "people", t.table, m, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 3);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "changed")), ==, 0);
	g_assert_cmpint(json_array_size(json_object_get(rep, "rejected")), ==, 0);
	g_assert_cmpint(json_array_size(json_object_get(rep, "preview")), ==, 3);
	json_decref(rep);
	tabular_clear(&t);
	/* The preview wrote nothing. */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 0);

	rep = commit(fx, "people", PEOPLE, 0, m, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 3);
	g_assert_cmpint(json_array_size(json_object_get(rep, "created")), ==, 3);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND "
				  "address_form = 'frau' AND title = 'Dr.' AND first_name = 'Petra' "
				  "AND last_name = 'Beispiel' AND phone = '0203 1' AND postcode = '47051' "
				  "AND city = 'Duisburg' AND email = 'petra.beispiel@example.org'"),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
				  "entity = 'person' AND action = 'import' AND summary = 'Import Nr. 1 (test.csv)'"),
			==, 3);

	/* Again: nothing new, nothing changed (e-mail matched case-insensitively). */
	{
		static const char again[] =
			"Anrede;Titel;Vorname;Nachname;E-Mail;Telefon;PLZ;Ort\r\n"
			"Frau;Dr.;Petra;Beispiel;Petra.Beispiel@example.org;0203 1;47051;Duisburg\r\n"
			"Herr;;Max;Muster;max@example.org;;47057;Duisburg\r\n"
			";;Alex;Quelle;ALEX@example.org;;;\r\n";
		g_autoptr(json_t) m2 = people_mapping();
		json_object_del(m2, "email");
		json_object_set_new(m2, "email", json_string("E-Mail"));
		read_table(again, 0, &t);
		rep = register_import_preview(&fx->ctx, "people", t.table, m2, &err);
		tabular_clear(&t);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 0);
		/* Petra's address differs only in case: that is a change of the field. */
		g_assert_cmpint(json_integer_value(json_object_get(rep, "changed")), ==, 1);
		json_decref(rep);
	}
	rep = commit(fx, "people", PEOPLE, 0, m, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 0);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "changed")), ==, 0);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "unchanged")), ==, 3);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1"), ==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
				  "action <> 'import'"),
			==, 0);

	/* A changed row, and an empty cell keeps the stored value. */
	{
		static const char changed[] =
			"Vorname;Nachname;E-Mail;Telefon\n"
			"Max;Muster-Neu;max@example.org;\n";
		g_autoptr(json_t) m3 = json_pack("{s:s,s:s,s:s,s:s}", "first_name", "Vorname",
						 "last_name", "Nachname", "email", "E-Mail", "phone",
						 "Telefon");
		rep = commit(fx, "people", changed, 0, m3, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "changed")), ==, 1);
		json_decref(rep);
	}
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND "
				  "last_name = 'Muster-Neu' AND postcode = '47057' AND city = 'Duisburg'"),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
				  "action = 'import' AND changes LIKE '%Muster-Neu%'"),
			==, 1);
}

static void test_bad_email_line_7(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s}", "last_name", "Nachname", "email", "E-Mail");
	g_autoptr(json_t) report = NULL;
	static const char text[] = "Nachname;E-Mail\n"
				   "A;a@example.org\n"
				   "B;b@example.org\n"
				   "C;c@example.org\n"
				   "D;d@example.org\n"
				   "E;e@example.org\n"
				   "F;kein-at-zeichen\n"
				   "G;g@example.org\n";
	tabular t = {0};
	json_t *rep, *rej;

	read_table(text, 0, &t);
	rep = register_import_preview(&fx->ctx, "people", t.table, m, &err);
	g_assert_no_error(err);
	rej = json_object_get(rep, "rejected");
	g_assert_cmpint(json_array_size(rej), ==, 1);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rej, 0), "line")), ==, 7);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rej, 0), "field")), ==,
			"email");
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 6);
	json_decref(rep);

	rep = register_import_commit(&fx->ctx, 1, "people", "x.csv", t.table, m, NULL, NULL,
				     &report, &err);
	tabular_clear(&t);
	g_assert_null(rep);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_assert_nonnull(report);
	g_assert_cmpint(json_array_size(json_object_get(report, "rejected")), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1"), ==, 0);
}

static void test_same_email_twice(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s}", "last_name", "Nachname", "email", "E-Mail");
	tabular t = {0};
	json_t *rep, *rej;

	read_table("Nachname;E-Mail\nA;x@example.org\nB;y@example.org\nC;X@Example.org\n", 0, &t);
	rep = register_import_preview(&fx->ctx, "people", t.table, m, &err);
	tabular_clear(&t);
	g_assert_no_error(err);
	rej = json_object_get(rep, "rejected");
	g_assert_cmpint(json_array_size(rej), ==, 2);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rej, 0), "line")), ==, 2);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(rej, 0), "arg")), ==, "4");
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(rej, 1), "line")), ==, 4);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 1);
	json_decref(rep);
}

static void test_windows_1252(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s,s:s}", "last_name", "Nachname", "email", "E-Mail",
					"city", "Ort");
	/* "Müller", "Köln", "Straße" in Windows-1252. */
	static const char text[] = "Nachname;E-Mail;Ort\r\nM\xfcller;m@example.org;K\xf6ln\r\n";
	tabular t = {0};
	json_t *rep;

	read_table(text, 0, &t);
	g_assert_cmpstr(t.encoding, ==, "windows-1252");
	tabular_clear(&t);
	rep = commit(fx, "people", text, 0, m, &err);
	g_assert_no_error(err);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND "
				  "last_name = 'Müller' AND city = 'Köln'"),
			==, 1);
}

static void test_xlsx(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	static const sheet_column cols[] = {{"Vorname", SHEET_TEXT, 0}, {"Nachname", SHEET_TEXT, 0},
					    {"E-Mail", SHEET_TEXT, 0}, {"PLZ", SHEET_TEXT, 0}};
	g_autoptr(sheet_writer) w = sheet_writer_new(SHEET_XLSX, "Kontakte", cols, 4, &err);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(json_t) m = NULL;
	const char *rows[][4] = {{"Jörg", "Groß", "j@example.org", "47051"},
				 {"Ana", "Ölmann", "ana@example.org", "47057"}};
	tabular t = {0};
	gsize len;
	const char *data_;
	json_t *rep;

	g_assert_no_error(err);
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		g_assert_cmpint(sheet_writer_row(w, rows[i], 4, &err), ==, 0);
	bytes = sheet_writer_finish(g_steal_pointer(&w), &err);
	g_assert_no_error(err);
	data_ = g_bytes_get_data(bytes, &len);
	read_table(data_, len, &t);
	g_assert_cmpint(t.format, ==, TABULAR_XLSX);
	m = register_import_propose("people", t.table);
	rep = register_import_commit(&fx->ctx, 2, "people", "k.xlsx", t.table, m, NULL, NULL, NULL,
				     &err);
	tabular_clear(&t);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 2);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND "
				  "first_name = 'Jörg' AND last_name = 'Groß' AND postcode = '47051'"),
			==, 1);
}

static void test_institutions_and_affiliations(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) mi = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "Name", "school_number",
					 "Schulnummer", "postcode", "PLZ", "city", "Ort", "type",
					 "Art");
	g_autoptr(json_t) mp = json_pack("{s:s,s:s,s:s,s:s}", "last_name", "Nachname", "email",
					 "E-Mail", "institution", "Institution", "function",
					 "Funktion");
	static const char inst[] = "Name;Schulnummer;PLZ;Ort;Art\n"
				   "GGS Am Park;112233;47051;Duisburg;\n"
				   "Kita Sonnenschein;;47057;Duisburg;Kindertageseinrichtung\n"
				   "Bildungswerk;;47058;Duisburg;Verein / Verband\n";
	json_t *rep;

	rep = commit(fx, "institutions", inst, 0, mi, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 3);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution i JOIN institution_type t ON "
				  "t.id = i.type_id WHERE i.region_id = $1 AND t.key = 'school' AND "
				  "i.school_number = '112233'"),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution i JOIN institution_type t ON "
				  "t.id = i.type_id WHERE i.region_id = $1 AND t.key = 'kita'"),
			==, 1);

	/* Again with a new name of the school (matched by its number) and the
	 * Kita matched by name + post code: 1 changed, 2 unchanged. */
	{
		static const char again[] = "Name;Schulnummer;PLZ;Ort;Art\n"
					    "GGS Am Park (neu);112233;47051;Duisburg;\n"
					    "KITA  Sonnenschein;;47057;Duisburg;\n"
					    "Bildungswerk;;47058;Duisburg;\n";
		rep = commit(fx, "institutions", again, 0, mi, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 0);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "changed")), ==, 2);
		json_decref(rep);
	}
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution WHERE region_id = $1"), ==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution WHERE region_id = $1 AND "
				  "name = 'GGS Am Park (neu)'"),
			==, 1);

	/* An unknown kind is rejected. */
	{
		tabular t = {0};
		read_table("Name;Schulnummer;PLZ;Ort;Art\nX;;47051;D;Raumstation\n", 0, &t);
		rep = register_import_preview(&fx->ctx, "institutions", t.table, mi, &err);
		tabular_clear(&t);
		g_assert_no_error(err);
		g_assert_cmpstr(json_string_value(json_object_get(
					json_array_get(json_object_get(rep, "rejected"), 0), "field")),
				==, "type");
		json_decref(rep);
	}

	/* People with affiliations by Schulnummer and by name; an unknown
	 * institution rejects its row. */
	{
		static const char people[] = "Nachname;E-Mail;Institution;Funktion\n"
					     "Leitung;l@example.org;112233;Schulleitung\n"
					     "Erzieherin;e@example.org;Kita Sonnenschein;Leitung\n";
		static const char unknown[] = "Nachname;E-Mail;Institution;Funktion\n"
					      "X;x@example.org;Gibt es nicht;\n";
		tabular t = {0};
		rep = commit(fx, "people", people, 0, mp, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "affiliations")), ==, 2);
		json_decref(rep);
		g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation a JOIN institution i ON "
					  "i.id = a.institution_id WHERE a.region_id = $1 AND "
					  "i.school_number = '112233' AND a.function = 'Schulleitung'"),
				==, 1);
		/* Again: the affiliations exist, nothing changes. */
		rep = commit(fx, "people", people, 0, mp, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(rep, "unchanged")), ==, 2);
		json_decref(rep);
		g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE region_id = $1"), ==, 2);
		read_table(unknown, 0, &t);
		rep = register_import_preview(&fx->ctx, "people", t.table, mp, &err);
		tabular_clear(&t);
		g_assert_cmpint(json_array_size(json_object_get(rep, "rejected")), ==, 1);
		g_assert_cmpstr(json_string_value(json_object_get(
					json_array_get(json_object_get(rep, "rejected"), 0), "field")),
				==, "institution");
		json_decref(rep);
	}
}

static int64_t make_batch(fixture *fx, const char *text, size_t len, json_t *mapping,
			  int64_t rows)
{
	g_autoptr(GError) err = NULL;
	import_batch_input in = {.kind = "people", .file_name = "gross.csv", .format = "csv",
				 .encoding = "utf-8", .data = text, .len = len, .rows_total = rows,
				 .mapping = mapping};
	int64_t id = import_batch_create(&fx->ctx, &in, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void test_saved_mapping(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = people_mapping();
	g_autoptr(json_t) list = NULL;
	g_autoptr(json_t) got = NULL;
	int64_t mid = import_mapping_save(&fx->ctx, "people", "Schulleitungen", m, &err);
	int64_t bid;
	json_t *rep;

	g_assert_no_error(err);
	g_assert_cmpint(mid, >, 0);
	list = import_mapping_list(&fx->ctx, "people", &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	got = import_mapping_get(&fx->ctx, mid, &err);
	g_assert_no_error(err);
	bid = make_batch(fx, PEOPLE, strlen(PEOPLE), json_object_get(got, "mapping"), 3);
	rep = register_import_commit_batch(&fx->ctx, bid, NULL, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 3);
	json_decref(rep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND title = 'Dr.'"),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM import_batch WHERE region_id = $1 AND "
				  "state = 'done'"),
			==, 1);
}

/* Review finding 4: a batch committed once is never written again — the
 * second commit (as a second request racing the first would do it, in its
 * own transaction) is refused and the people exist once. Without e-mail
 * addresses nothing would match them: a second write would double them. */
static void test_commit_twice(fixture *fx, gconstpointer data)
{
	static const char text[] = "Nachname;Straße;PLZ;Ort\r\n"
				   "Zweimal;Hauptstr. 1;47051;Duisburg\r\n"
				   "Nochmal;Hauptstr. 2;47051;Duisburg\r\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s,s:s,s:s}", "last_name", "Nachname", "street",
					"Straße", "postcode", "PLZ", "city", "Ort");
	int64_t bid = make_batch(fx, text, strlen(text), m, 2);
	json_t *rep;

	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	rep = register_import_commit_batch(&fx->ctx, bid, NULL, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(rep, "new")), ==, 2);
	json_decref(rep);
	g_assert_cmpint(db_commit(fx->d, &err), ==, DB_OK);

	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	g_assert_null(register_import_commit_batch(&fx->ctx, bid, NULL, NULL, NULL, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	{
		g_autofree char *field = register_error_field(err);
		g_assert_cmpstr(field, ==, "state");
	}
	g_clear_error(&err);
	db_rollback(fx->d);
	/* Outside a transaction as well. */
	g_assert_null(register_import_commit_batch(&fx->ctx, bid, NULL, NULL, NULL, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);

	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1 AND "
				  "last_name IN ('Zweimal', 'Nochmal')"),
			==, 2);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
				  "action = 'import'"),
			==, 2);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM import_batch WHERE region_id = $1 AND "
				  "state = 'done'"),
			==, 1);
}

static int64_t progress_calls;
static void on_progress(void *ud, int64_t done, int64_t total)
{
	int64_t *last = ud;
	g_assert_cmpint(done, >, *last);
	g_assert_cmpint(done, <=, total);
	*last = done;
	progress_calls++;
}

static void test_job_5000(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s,s:s}", "first_name", "Vorname", "last_name",
					"Nachname", "email", "E-Mail");
	GString *s = g_string_new("Vorname;Nachname;E-Mail\n");
	g_autoptr(json_t) payload = NULL;
	int64_t bid, job_id = 0, last = 0;
	int r;

	for (int i = 0; i < 5000; i++)
		g_string_append_printf(s, "Vorname%d;Nachname%d;p%d@example.org\n", i, i, i);
	bid = make_batch(fx, s->str, s->len, m, 5000);

	/* The progress callback counts up to the total. */
	{
		tabular t = {0};
		json_t *rep;
		g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
		read_table(s->str, s->len, &t);
		rep = register_import_commit(&fx->ctx, bid, "people", "gross.csv", t.table, m,
					     on_progress, &last, NULL, &err);
		tabular_clear(&t);
		g_assert_no_error(err);
		json_decref(rep);
		db_rollback(fx->d);
		g_assert_cmpint(last, ==, 5000);
		g_assert_cmpint(progress_calls, >=, 10);
	}
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 0);

	register_import_setup(NULL);
	payload = json_pack("{s:I}", "batch_id", (json_int_t)bid);
	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	g_assert_cmpint(import_batch_set_state(&fx->ctx, bid, "queued", NULL, NULL, &err), ==, 0);
	g_assert_cmpint(job_enqueue(&fx->ctx, fx->region, REGISTER_IMPORT_JOB_KIND, payload, NULL,
				    NULL, &job_id, &err),
			==, 1);
	g_assert_cmpint(db_commit(fx->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	r = job_run_next(fx->d, "test:1:0", &err);
	g_assert_no_error(err);
	g_assert_cmpint(r, ==, 1);
	db_set_region(fx->d, fx->region);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM import_batch WHERE region_id = $1 AND "
				  "state = 'done'"),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 5000);
	g_assert_cmpint(register_import_progress(bid), ==, -1);
	g_string_free(s, TRUE);
}

static void test_job_fails(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(json_t) m = json_pack("{s:s,s:s}", "last_name", "Nachname", "email", "E-Mail");
	g_autoptr(json_t) payload = NULL;
	g_autoptr(json_t) b = NULL;
	static const char text[] = "Nachname;E-Mail\nA;a@example.org\nB;falsch\n";
	int64_t bid = make_batch(fx, text, strlen(text), m, 2), job_id = 0;

	register_import_setup(NULL);
	payload = json_pack("{s:I}", "batch_id", (json_int_t)bid);
	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	g_assert_cmpint(import_batch_set_state(&fx->ctx, bid, "queued", NULL, NULL, &err), ==, 0);
	g_assert_cmpint(job_enqueue(&fx->ctx, fx->region, REGISTER_IMPORT_JOB_KIND, payload, NULL,
				    NULL, &job_id, &err),
			==, 1);
	g_assert_cmpint(db_commit(fx->d, &err), ==, DB_OK);
	g_assert_cmpint(job_run_next(fx->d, "test:1:0", &err), ==, 1);
	g_assert_no_error(err);
	db_set_region(fx->d, fx->region);
	b = import_batch_get(&fx->ctx, bid, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(b, "state")), ==, "failed");
	g_assert_cmpint(json_array_size(json_object_get(json_object_get(b, "report"), "rejected")),
			==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE region_id = $1"), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/import/propose", test_propose);
	ADD("/import/people/commit-and-again", test_people_commit_and_again);
	ADD("/import/people/bad-email-line-7", test_bad_email_line_7);
	ADD("/import/people/same-email-twice", test_same_email_twice);
	ADD("/import/people/windows-1252", test_windows_1252);
	ADD("/import/people/xlsx", test_xlsx);
	ADD("/import/institutions-and-affiliations", test_institutions_and_affiliations);
	ADD("/import/saved-mapping", test_saved_mapping);
	ADD("/import/commit-twice", test_commit_twice);
	ADD("/import/job/5000", test_job_5000);
	ADD("/import/job/fails", test_job_fails);
	return g_test_run();
}
