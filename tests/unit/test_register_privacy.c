/*
 * test_register_privacy.c — data protection in the register (privacy.c) on
 * the backend the environment chooses (tests/unit/test_dbenv.h): erasure of
 * a member of a body keeps the memberships (and the body's count of them),
 * empties every personal column, removes consents, affiliations, the
 * account link and the search entry, scrubs the change log and writes one
 * "erase" entry; a person without official records is deleted entirely;
 * erasure takes the person out of stored import reports; the retention job
 * purges old log entries and affiliations (test clock) and leaves young
 * ones, erases inactive contacts but not one with a future affiliation or
 * an account, and logs that the period ran out; the Art. 15 export has every section and never the
 * password hash; the Art. 30 record and the settings.
 */
#include <string.h>

#include "db/db.h"
#include "jobs/builtin.h"
#include "jobs/job.h"
#include "modules/register/body_store.h"
#include "modules/register/changelog.h"
#include "modules/register/import_store.h"
#include "modules/register/person_store.h"
#include "modules/register/privacy.h"
#include "modules/register/register.h"
#include "modules/register/register_import.h"
#include "search/search.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	bireg_ctx ctx;
	int64_t region, level, body, inst, account;
} fixture;

static int64_t fake_now;

static int64_t test_clock(void)
{
	return fake_now;
}

static int64_t insert(fixture *fx, const char *sql, const char *text)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(fx->d, sql, &err);

	g_assert_no_error(err);
	db_bind_int64(st, 1, fx->region);
	if (text)
		db_bind_text(st, 2, text);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

static void fx_setup(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fx->d = test_db_open(&err);
	g_assert_no_error(err);
	fx->region = test_db_add_region(fx->d, "eins", "Bildungsregion Eins");
	db_set_region(fx->d, fx->region);
	fx->ctx = (bireg_ctx){.db = fx->d, .region_id = fx->region};
	fx->level = insert(fx, "INSERT INTO region_level (region_id, position, name) VALUES ($1, 1, $2) "
			   "RETURNING id", "Regionale Ebene");
	int64_t type = insert(fx, "INSERT INTO institution_type (region_id, name) VALUES ($1, $2) "
			      "RETURNING id", "Schule");
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO institution (region_id, name, type_id, sort_name, created_at, updated_at) "
		"VALUES ($1, $2, %" G_GINT64_FORMAT ", 'gesamtschule', '2026-01-01T00:00:00Z', "
		"'2026-01-01T00:00:00Z') RETURNING id", type);
	fx->inst = insert(fx, sql, "Gesamtschule Mitte");
	body_input in;
	body_input_defaults(&in);
	in.name = "Lenkungskreis";
	in.type = "steering";
	in.level_id = fx->level;
	in.public = true;
	fx->body = body_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(fx->body, >, 0);
	fx->account = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, totp_secret, created_at, "
		"updated_at) VALUES ('petra@example.org', 'Petra', '$argon2id$geheim', 'TOTPGEHEIM', "
		"'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id");
	fake_now = 0;
}

static void fx_teardown(fixture *fx, gconstpointer data)
{
	job_set_clock_for_tests(NULL);
	test_db_dispose(fx->d);
}

static int64_t count(fixture *fx, const char *sql, int64_t id)
{
	return test_db_query_int(fx->d, sql, id);
}

static int64_t add_person(fixture *fx, const char *first, const char *last, const char *email)
{
	g_autoptr(GError) err = NULL;
	person_input in = {.title = "Dr.", .first_name = first, .last_name = last, .email = email,
			   .phone = "0203 1234", .street = "Musterstraße 1", .postcode = "47051",
			   .city = "Duisburg", .notes = "vertraulich", .function = "Schulleitung",
			   .letter_salutation = "Liebe Petra,", .legal_basis_note = "Ratsbeschluss"};
	int64_t id = person_store_create(&fx->ctx, &in, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_member(fixture *fx, int64_t person, const char *start)
{
	g_autoptr(GError) err = NULL;
	membership_input m = {.body_id = fx->body, .person_id = person, .role = "member",
			      .voting = true, .start_day = start};
	int64_t id = membership_store_create(&fx->ctx, &m, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void log_update(fixture *fx, int64_t person, const char *old_email, const char *new_email)
{
	g_autoptr(GError) err = NULL;
	json_t *before = json_pack("{s:s}", "email", old_email);
	json_t *after = json_pack("{s:s}", "email", new_email);

	g_assert_cmpint(changelog_record(&fx->ctx, "person", person, NULL, 0, person, "update",
					 before, after, NULL, "Petra Beispiel", &err), >, 0);
	g_assert_no_error(err);
	json_decref(before);
	json_decref(after);
}

/* How many search hits q has among people. */
static size_t hits(fixture *fx, const char *q)
{
	static const char *const kinds[] = {SEARCH_KIND_PERSON, NULL};
	g_autoptr(GError) err = NULL;
	search_hits h = {0};
	size_t n;

	g_assert_cmpint(search_query(&fx->ctx, q, kinds, 50, 0, &h, &err), >=, 0);
	g_assert_no_error(err);
	n = h.n;
	search_hits_clear(&h);
	return n;
}

static void test_erase_member(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t p = add_person(fx, "Petra", "Beispiel", "petra@example.org");
	int64_t other = add_person(fx, "Karl", "Weiß", "karl@example.org");
	privacy_erase_plan plan;

	add_member(fx, p, "2024-01-01");
	add_member(fx, other, "2024-01-01");
	/* a former membership of the same body (history) */
	{
		g_autoptr(db_stmt) st = db_prepare(fx->d,
			"INSERT INTO membership (region_id, body_id, person_id, role, voting, start_day, "
			"end_day, created_at, updated_at) VALUES ($1, $2, $3, 'guest', 0, '2020-01-01', "
			"'2020-12-31', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')", &err);
		g_assert_no_error(err);
		db_bind_int64(st, 1, fx->region);
		db_bind_int64(st, 2, fx->body);
		db_bind_int64(st, 3, p);
		g_assert_cmpint(db_run(st, &err), >=, 0);
		g_assert_no_error(err);
	}
	g_assert_cmpint(affiliation_add(&fx->ctx, p, fx->inst, "Leitung", "2020-01-01", NULL, &err), >, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, p, "publish_name", true, "2024-01-01",
					      "Formular", &err), >, 0);
	g_assert_cmpint(person_link_account(&fx->ctx, p, fx->account, &err), ==, 0);
	g_assert_no_error(err);
	log_update(fx, p, "alt@example.org", "petra@example.org");
	g_assert_cmpuint(hits(fx, "Beispiel"), ==, 1);

	int64_t members_before = count(fx, "SELECT count(*) FROM membership WHERE body_id = $1", fx->body);
	g_assert_cmpint(members_before, ==, 3);

	g_assert_cmpint(privacy_erase_plan_get(&fx->ctx, p, &plan, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_false(plan.delete_entirely);
	g_assert_false(plan.erased);
	g_assert_cmpint(plan.memberships, ==, 2);
	g_assert_cmpint(plan.current_memberships, ==, 1);
	g_assert_cmpint(plan.affiliations, ==, 1);
	g_assert_cmpint(plan.consents, ==, 1);
	g_assert_true(plan.has_account);

	g_assert_cmpint(privacy_erase(&fx->ctx, p, &err), ==, PRIVACY_ERASED);
	g_assert_no_error(err);

	/* the body keeps every membership row; the current one ended today */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM membership WHERE body_id = $1", fx->body), ==,
			members_before);
	g_autofree char *today = register_today();
	{
		g_autoptr(db_stmt) st = db_prepare(fx->d,
			"SELECT count(*) FROM membership WHERE person_id = $1 AND end_day IS NOT NULL "
			"AND end_day <= $2", &err);
		db_bind_int64(st, 1, p);
		db_bind_text(st, 2, today);
		g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
		g_assert_cmpint(db_col_int64(st, 0), ==, 2);
	}
	/* every personal column is empty, the name is the neutral one */
	{
		g_autoptr(db_stmt) st = db_prepare(fx->d,
			"SELECT address_form || title || first_name || letter_salutation || function || "
			"phone || mobile || email || street || postcode || city || legal_basis_note || "
			"notes, last_name, erased_at FROM person WHERE id = $1", &err);
		db_bind_int64(st, 1, p);
		g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
		g_assert_cmpstr(db_col_text(st, 0), ==, "");
		g_assert_cmpstr(db_col_text(st, 1), ==, PRIVACY_ERASED_NAME);
		g_assert_false(db_col_is_null(st, 2));
	}
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_consent WHERE person_id = $1", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE person_id = $1", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM account_person WHERE person_id = $1", p), ==, 0);
	/* the account itself stays: it is its user's */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM account WHERE id = $1", fx->account), ==, 1);
	g_assert_cmpuint(hits(fx, "Beispiel"), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM search_entry WHERE kind = 'person' AND ref_id = $1", p), ==, 0);
	/* the log: no value about the person left, one erase entry */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE (person_id = $1 OR "
			      "(entity = 'person' AND entity_id = $1)) AND (changes LIKE '%example.org%' "
			      "OR summary LIKE '%Beispiel%')", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE entity = 'person' AND "
			      "entity_id = $1 AND action = 'erase'", p), ==, 1);
	/* the person is out of the list but still in the body's history */
	{
		person_filter f = {.publish_consent = -1};
		json_t *list = person_store_list(&fx->ctx, &f, &err);
		g_assert_no_error(err);
		g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 1);
		json_decref(list);
		f.include_erased = true;
		list = person_store_list(&fx->ctx, &f, &err);
		g_assert_cmpint(json_integer_value(json_object_get(list, "total")), ==, 2);
		json_decref(list);
	}
	/* the reindex of the retention job does not bring the entry back */
	g_assert_cmpint(person_store_reindex_all(&fx->ctx, &err), ==, 1);
	g_assert_cmpuint(hits(fx, "Anonymisierte"), ==, 0);
	/* an erased person takes no changes and no second erasure */
	{
		person_input in = {.last_name = "Neu", .email = "neu@example.org"};
		g_assert_cmpint(person_store_update(&fx->ctx, p, &in, &err), ==, -1);
		g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE));
		g_clear_error(&err);
		g_assert_cmpint(privacy_erase(&fx->ctx, p, &err), ==, -1);
		g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE));
		g_clear_error(&err);
		g_assert_cmpint(person_consent_record(&fx->ctx, p, "newsletter", true, "2024-01-01",
						      NULL, &err), ==, -1);
		g_clear_error(&err);
	}
	g_assert_cmpint(privacy_is_erased(&fx->ctx, p, &err), ==, 1);
	g_assert_cmpint(privacy_is_erased(&fx->ctx, other, &err), ==, 0);
	/* the other member is untouched */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM membership WHERE person_id = $1 AND end_day IS NULL",
			      other), ==, 1);
}

static void test_erase_deletes_without_records(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t p = add_person(fx, "Lena", "Quelle", "lena@example.org");
	privacy_erase_plan plan;

	g_assert_cmpint(affiliation_add(&fx->ctx, p, fx->inst, NULL, NULL, NULL, &err), >, 0);
	log_update(fx, p, "a@example.org", "lena@example.org");
	g_assert_cmpint(privacy_erase_plan_get(&fx->ctx, p, &plan, &err), ==, 0);
	g_assert_true(plan.delete_entirely);
	g_assert_cmpint(privacy_erase(&fx->ctx, p, &err), ==, PRIVACY_DELETED);
	g_assert_no_error(err);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE person_id = $1", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE entity_id = $1 AND "
			      "changes LIKE '%lena%'", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE entity = 'person' AND "
			      "entity_id = $1 AND action = 'erase'", p), ==, 1);
	g_assert_cmpint(privacy_erase(&fx->ctx, p, &err), ==, -1);
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
}

/* A people import waiting in its preview (as the upload page stores it), with
 * the person by e-mail (matched: the row has their id), once more under
 * another e-mail (a new row: matched by name) and someone else. Erasure
 * takes the person out of the stored report; the other row stays. */
static void test_erase_scrubs_import_report(fixture *fx, gconstpointer data)
{
	static const char csv[] =
		"Vorname;Nachname;E-Mail;Telefon\r\n"
		"Petra;Beispiel;petra@example.org;0203 777\r\n"
		"Nora;Neu;nora@example.org;0203 888\r\n"
		"petra;beispiel;petra.privat@example.org;0170 999\r\n";
	g_autoptr(GError) err = NULL;
	int64_t p = add_person(fx, "Petra", "Beispiel", "petra@example.org");
	privacy_erase_plan plan;
	tabular t = {0};

	g_assert_cmpint(register_import_read(csv, strlen(csv), &t, &err), ==, 0);
	g_assert_no_error(err);
	json_t *mapping = json_pack("{s:s,s:s,s:s,s:s}", "first_name", "Vorname", "last_name",
				    "Nachname", "email", "E-Mail", "phone", "Telefon");
	json_t *report = register_import_preview(&fx->ctx, "people", t.table, mapping, &err);
	g_assert_no_error(err);
	g_assert_nonnull(report);
	import_batch_input in = {.kind = "people", .file_name = "kontakte.csv", .data = csv,
				 .len = strlen(csv), .rows_total = 3, .mapping = mapping,
				 .report = report};
	int64_t batch = import_batch_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(batch, >, 0);
	tabular_clear(&t);
	json_decref(report);
	json_decref(mapping);
	/* a batch of another kind is not read (its rows are institutions) */
	{
		json_t *r = json_pack("{s:[{s:I,s:s,s:n,s:{s:s}}]}", "preview", "line", (json_int_t)2,
				      "action", "new", "id", "values", "email", "petra@example.org");
		import_batch_input other = {.kind = "institutions", .report = r};
		g_assert_cmpint(import_batch_create(&fx->ctx, &other, &err), >, 0);
		json_decref(r);
	}
	g_assert_cmpint(count(fx, "SELECT count(*) FROM import_batch WHERE id = $1 AND "
			      "report LIKE '%petra.privat@example.org%'", batch), ==, 1);

	g_assert_cmpint(privacy_erase_plan_get(&fx->ctx, p, &plan, &err), ==, 0);
	g_assert_cmpint(plan.import_reports, ==, 1);
	g_assert_cmpint(privacy_erase(&fx->ctx, p, &err), ==, PRIVACY_DELETED);
	g_assert_no_error(err);

	json_t *b = import_batch_get(&fx->ctx, batch, &err);
	g_assert_no_error(err);
	g_autofree char *text = json_dumps(json_object_get(b, "report"), JSON_COMPACT);
	g_assert_null(strstr(text, "petra"));
	g_assert_null(strstr(text, "Petra"));
	g_assert_null(strstr(text, "eispiel"));
	g_assert_null(strstr(text, "0203 777"));
	g_assert_null(strstr(text, "0170 999"));
	json_t *preview = json_object_get(json_object_get(b, "report"), "preview");
	g_assert_cmpuint(json_array_size(preview), ==, 3);
	size_t i, erased = 0;
	json_t *row;
	json_array_foreach(preview, i, row) {
		json_t *values = json_object_get(row, "values");
		if (json_is_true(json_object_get(row, "erased"))) {
			erased++;
			g_assert_cmpuint(json_object_size(values), ==, 0);
			g_assert_true(json_is_integer(json_object_get(row, "line")));
		} else {
			g_assert_cmpstr(json_string_value(json_object_get(values, "last_name")), ==, "Neu");
			g_assert_cmpstr(json_string_value(json_object_get(values, "email")), ==,
					"nora@example.org");
		}
	}
	g_assert_cmpuint(erased, ==, 2);
	/* the counts of the report stay */
	g_assert_cmpint(json_integer_value(json_object_get(json_object_get(b, "report"), "rows")), ==, 3);
	json_decref(b);
	/* the institutions batch is untouched */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM import_batch WHERE region_id = $1 AND "
			      "kind = 'institutions' AND report LIKE '%petra@example.org%'",
			      fx->region), ==, 1);
}

static void test_export(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t p = add_person(fx, "Petra", "Beispiel", "petra@example.org");
	static const char *const sections[] = {"format", "generated_at", "region", "controller",
					       "dpo", "person", "consents", "affiliations",
					       "memberships", "account", "change_log", "imports",
					       "processing", NULL};

	add_member(fx, p, "2024-01-01");
	g_assert_cmpint(affiliation_add(&fx->ctx, p, fx->inst, "Leitung", "2020-01-01", NULL, &err), >, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, p, "photos", true, "2024-01-01", "Formular",
					      &err), >, 0);
	g_assert_cmpint(person_consent_record(&fx->ctx, p, "photos", false, "2024-02-01", "E-Mail",
					      &err), >, 0);
	g_assert_cmpint(person_link_account(&fx->ctx, p, fx->account, &err), ==, 0);
	{
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO account_role (account_id, region_id, role, granted_at) VALUES "
			"(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'office', '2026-01-01T00:00:00Z')",
			fx->account, fx->region);
		test_db_exec(fx->d, sql);
	}
	log_update(fx, p, "alt@example.org", "petra@example.org");
	{
		changelog_entry e = {.entity = "person", .entity_id = p, .person_id = p,
				     .action = "import", .summary = "Import Nr. 7"};
		g_assert_cmpint(changelog_add(&fx->ctx, &e, &err), >, 0);
	}

	json_t *x = privacy_export(&fx->ctx, p, &err);
	g_assert_no_error(err);
	g_assert_nonnull(x);
	for (size_t i = 0; sections[i]; i++)
		g_assert_nonnull(json_object_get(x, sections[i]));
	json_t *person = json_object_get(x, "person");
	g_assert_cmpstr(json_string_value(json_object_get(person, "last_name")), ==, "Beispiel");
	g_assert_cmpstr(json_string_value(json_object_get(person, "notes")), ==, "vertraulich");
	g_assert_true(json_is_null(json_object_get(person, "erased_at")));
	g_assert_cmpuint(json_array_size(json_object_get(x, "memberships")), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(json_object_get(x, "memberships"), 0),
							  "body_name")), ==, "Lenkungskreis");
	g_assert_cmpuint(json_array_size(json_object_get(x, "affiliations")), ==, 1);
	/* the whole consent history: photos has two answers */
	size_t i;
	json_t *c;
	bool photos = false;
	json_array_foreach(json_object_get(x, "consents"), i, c) {
		if (!strcmp(json_string_value(json_object_get(c, "kind")), "photos")) {
			photos = true;
			g_assert_cmpuint(json_array_size(json_object_get(c, "history")), ==, 2);
			g_assert_cmpstr(json_string_value(json_object_get(c, "state")), ==, "withdrawn");
		}
	}
	g_assert_true(photos);
	json_t *acc = json_object_get(x, "account");
	g_assert_true(json_is_object(acc));
	g_assert_cmpstr(json_string_value(json_object_get(acc, "email")), ==, "petra@example.org");
	g_assert_cmpstr(json_string_value(json_array_get(json_object_get(acc, "roles"), 0)), ==, "office");
	g_assert_cmpuint(json_array_size(json_object_get(x, "change_log")), >=, 2);
	g_assert_cmpuint(json_array_size(json_object_get(x, "imports")), ==, 1);
	g_assert_cmpuint(json_array_size(json_object_get(json_object_get(x, "processing"), "activities")), >=, 3);
	/* never the password hash or the TOTP secret */
	g_autofree char *text = json_dumps(x, 0);
	g_assert_null(strstr(text, "$argon2id$geheim"));
	g_assert_null(strstr(text, "TOTPGEHEIM"));
	g_assert_null(strstr(text, "password_hash"));
	json_decref(x);

	g_assert_cmpint(privacy_export_log(&fx->ctx, p, "json", &err), >, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE entity = 'person' AND "
			      "entity_id = $1 AND action = 'export'", p), ==, 1);
	g_assert_null(privacy_export(&fx->ctx, 999999, &err));
	g_assert_true(g_error_matches(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND));
}

static void set_log_time(fixture *fx, const char *at)
{
	g_autoptr(GError) err = NULL;
	/* every entry so far, also those the stores' hooks wrote */
	g_autoptr(db_stmt) st = db_prepare(fx->d, "UPDATE change_log SET at = $1", &err);
	db_bind_text(st, 1, at);
	g_assert_cmpint(db_run(st, &err), >=, 0);
}

static void test_retention(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t p = add_person(fx, "Petra", "Beispiel", "petra@example.org");
	int64_t lonely = add_person(fx, "Sam", "Allein", "sam@example.org");
	int64_t kept = add_person(fx, "Uwe", "Ueberall", "uwe@example.org");
	privacy_retention_counts c;

	/* the clock: 2030-06-01 12:00 UTC */
	fake_now = 1906545600;
	job_set_clock_for_tests(test_clock);
	log_update(fx, p, "a@example.org", "b@example.org");
	set_log_time(fx, "2019-01-01T00:00:00Z"); /* older than 3650 days */
	log_update(fx, p, "b@example.org", "petra@example.org"); /* young: now */
	/* former affiliations: one ended 2020 (older than 1825 days), one 2029 */
	g_assert_cmpint(affiliation_add(&fx->ctx, p, fx->inst, "alt", "2010-01-01", "2020-01-31", &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, p, fx->inst, "jung", "2021-01-01", "2029-12-31", &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, kept, fx->inst, "aktuell", "2021-01-01", NULL, &err), >, 0);
	/* nobody is inactive while the period is 0 */
	test_db_exec(fx->d, "UPDATE person SET updated_at = '2020-01-01T00:00:00Z'");

	g_assert_cmpint(privacy_retention_run(&fx->ctx, job_now(), &c, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(c.change_log, >=, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
			      "at < '2020-01-01T00:00:00Z'", fx->region), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1 AND "
			      "action = 'update'", fx->region), ==, 1);
	g_assert_cmpint(c.former_affiliations, ==, 1);
	g_assert_cmpint(c.inactive_contacts, ==, 0);
	g_assert_cmpint(c.reindexed, ==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE person_id = $1", p), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", lonely), ==, 1);
	{
		json_t *last = privacy_retention_last_run(&fx->ctx, &err);
		g_assert_cmpstr(json_string_value(json_object_get(last, "at")), ==, "2030-06-01T12:00:00Z");
		g_assert_cmpint(json_integer_value(json_object_get(last, "change_log")), ==, c.change_log);
		json_decref(last);
	}

	/* inactive contacts after 365 days: those without a current
	 * affiliation and never a member are erased (here: deleted) */
	json_t *days = json_pack("{s:i,s:i,s:i,s:i}", "change_log", 3650, "import_files", 30,
				 "former_affiliations", 1825, "inactive_contacts", 365);
	g_assert_cmpint(privacy_retention_set(&fx->ctx, days, &err), ==, 0);
	json_decref(days);
	int64_t member = add_person(fx, "Mika", "Mitglied", "mika@example.org");
	add_member(fx, member, "2024-01-01");
	/* kept as well: one who starts at an institution next year, and the
	 * person of a user account (an office member's own record) */
	int64_t future = add_person(fx, "Fritz", "Kuenftig", "fritz@example.org");
	g_assert_cmpint(affiliation_add(&fx->ctx, future, fx->inst, "ab 2031", "2031-01-01", NULL,
					&err), >, 0);
	g_assert_no_error(err);
	int64_t linked = add_person(fx, "Petra", "Konto", "petra.konto@example.org");
	g_assert_cmpint(person_link_account(&fx->ctx, linked, fx->account, &err), ==, 0);
	g_assert_no_error(err);
	test_db_exec(fx->d, "UPDATE person SET updated_at = '2020-01-01T00:00:00Z'");

	/* the same through the job, as the runner runs it */
	job_register_builtin(true);
	g_assert_cmpint(job_enqueue(&fx->ctx, fx->region, PRIVACY_RETENTION_JOB, NULL, NULL, NULL,
				    NULL, &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(job_run_next(fx->d, "test", &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM job WHERE kind = 'register.retention' AND "
			      "state = 'done' AND region_id = $1", fx->region), ==, 1);
	db_set_region(fx->d, fx->region);
	/* p (an affiliation ended 2029) and lonely go; kept (current) and the member stay */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", p), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", lonely), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", kept), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", member), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1 AND erased_at IS NULL",
			      future), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1 AND erased_at IS NULL",
			      linked), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM account_person WHERE person_id = $1",
			      linked), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE action = 'erase' AND "
			      "region_id = $1", fx->region), ==, 2);
	/* nobody asked for erasure: the log says the period ran out */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE action = 'erase' AND "
			      "region_id = $1 AND summary LIKE 'Aufbewahrungsfrist abgelaufen%'",
			      fx->region), ==, 2);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE action = 'erase' AND "
			      "region_id = $1 AND summary LIKE '%Art. 17%'", fx->region), ==, 0);
}

static void test_settings_and_record(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *days = privacy_retention_get(&fx->ctx, &err);

	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(days, "change_log")), ==, 3650);
	g_assert_cmpint(json_integer_value(json_object_get(days, "import_files")), ==, 30);
	g_assert_cmpint(json_integer_value(json_object_get(days, "former_affiliations")), ==, 1825);
	g_assert_cmpint(json_integer_value(json_object_get(days, "inactive_contacts")), ==, 0);
	json_object_set_new(days, "change_log", json_integer(0));
	g_assert_cmpint(privacy_retention_set(&fx->ctx, days, &err), ==, -1);
	g_autofree char *field = register_error_field(err);
	g_assert_cmpstr(field, ==, "change_log");
	g_clear_error(&err);
	json_object_set_new(days, "change_log", json_integer(400));
	g_assert_cmpint(privacy_retention_set(&fx->ctx, days, &err), ==, 0);
	json_decref(days);

	g_assert_cmpint(privacy_dpo_set(&fx->ctx, "Dana Schutz", "kein-at", "", &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(privacy_dpo_set(&fx->ctx, "Dana Schutz", "dsb@example.org", "0203 99", &err), ==, 0);

	json_t *rec = privacy_record(&fx->ctx, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(rec, "dpo"), "name")), ==,
			"Dana Schutz");
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(rec, "controller"), "region")),
			==, "Bildungsregion Eins");
	g_assert_cmpuint(json_array_size(json_object_get(rec, "activities")), ==, 7);
	g_assert_cmpuint(json_array_size(json_object_get(rec, "measures")), >, 3);
	/* the region's period is named in the change log's retention */
	size_t i;
	json_t *a;
	bool found = false;
	json_array_foreach(json_object_get(rec, "activities"), i, a) {
		if (strcmp(json_string_value(json_object_get(a, "key")), "change_log"))
			continue;
		found = true;
		g_assert_nonnull(strstr(json_string_value(json_object_get(a, "retention")), "400 Tage"));
		g_assert_nonnull(strstr(json_string_value(json_object_get(a, "legal_basis")), "Art. 6 Abs. 1 lit. e"));
	}
	g_assert_true(found);
	json_decref(rec);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/register_privacy/erase_member", test_erase_member);
	ADD("/register_privacy/erase_deletes_without_records", test_erase_deletes_without_records);
	ADD("/register_privacy/erase_scrubs_import_report", test_erase_scrubs_import_report);
	ADD("/register_privacy/export", test_export);
	ADD("/register_privacy/retention", test_retention);
	ADD("/register_privacy/settings_and_record", test_settings_and_record);
	return g_test_run();
}
