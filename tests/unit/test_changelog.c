/*
 * test_changelog.c — the register's change log (changelog.c) on the backend
 * the environment chooses (tests/unit/test_dbenv.h): the rules of the diff,
 * writing and listing entries with their filters and the actor's name,
 * scrubbing a person's values on erasure, moving entries on a merge,
 * purging old entries, and the hooks of the stores (a person's update logs
 * exactly the fields that changed; consents, affiliations, memberships and
 * institutions show in the log).
 */
#include <string.h>

#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/changelog.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	bireg_ctx ctx;
	int64_t region, other_region, account, type_id;
} fixture;

static void fx_setup(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fx->d = test_db_open(&err);
	g_assert_no_error(err);
	fx->region = test_db_add_region(fx->d, "eins", "Region eins");
	fx->other_region = test_db_add_region(fx->d, "zwei", "Region zwei");
	fx->account = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('b@x.de', 'Birgit Büro', 'x', '2026-01-01T00:00:00Z', "
		"'2026-01-01T00:00:00Z') RETURNING id");
	db_set_region(fx->d, fx->region);
	fx->ctx = (bireg_ctx){.db = fx->d, .region_id = fx->region, .user_id = fx->account};
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO institution_type (region_id, key, name, is_school, position) VALUES "
		"(%" G_GINT64_FORMAT ", 'school', 'Schule', 1, 1) RETURNING id", fx->region);
	fx->type_id = test_db_insert_id(fx->d, sql);
}

static void fx_teardown(fixture *fx, gconstpointer data)
{
	test_db_dispose(fx->d);
}

/* The change of field in changes, or NULL. Borrowed. */
static json_t *change_of(json_t *changes, const char *field)
{
	size_t i;
	json_t *c;
	json_array_foreach (changes, i, c)
		if (!strcmp(register_jstr(c, "field"), field))
			return c;
	return NULL;
}

static void assert_change(json_t *changes, const char *field, const char *old, const char *new)
{
	json_t *c = change_of(changes, field);
	g_assert_nonnull(c);
	json_t *o = json_object_get(c, "old"), *n = json_object_get(c, "new");
	if (old)
		g_assert_cmpstr(json_string_value(o), ==, old);
	else
		g_assert_true(json_is_null(o));
	if (new)
		g_assert_cmpstr(json_string_value(n), ==, new);
	else
		g_assert_true(json_is_null(n));
}

static json_t *list(fixture *fx, const changelog_filter *f)
{
	g_autoptr(GError) err = NULL;
	json_t *l = changelog_list(&fx->ctx, f, &err);
	g_assert_no_error(err);
	g_assert_nonnull(l);
	return l;
}

/* ---- the diff ---------------------------------------------------------- */

static void test_diff(void)
{
	json_t *before = json_pack("{s:s,s:s,s:I,s:b,s:n,s:[i,i],s:s,s:f}", "name", "Alt", "email",
				   "a@x.de", "n", (json_int_t)3, "flag", 1, "gone", "tags", 1, 2,
				   "empty", "", "share", 0.5);
	json_t *after = json_pack("{s:s,s:s,s:I,s:b,s:s,s:[i,i],s:n,s:f,s:s}", "name", "Neu",
				  "email", "a@x.de", "n", (json_int_t)4, "flag", 0, "gone", "",
				  "tags", 1, 2, "empty", "share", 0.5, "added", "x");
	static const char *const fields[] = {"n", "name", "email", "flag", "missing", NULL};

	/* with a field list: in its order, only changed fields */
	json_t *d = changelog_diff(before, after, fields);
	g_assert_cmpuint(json_array_size(d), ==, 3);
	g_assert_cmpstr(register_jstr(json_array_get(d, 0), "field"), ==, "n");
	assert_change(d, "n", "3", "4");
	assert_change(d, "name", "Alt", "Neu");
	assert_change(d, "flag", "true", "false");
	json_decref(d);

	/* without: keys of after then before; "" and null and missing are the same */
	d = changelog_diff(before, after, NULL);
	g_assert_cmpuint(json_array_size(d), ==, 4);
	g_assert_null(change_of(d, "gone"));
	g_assert_null(change_of(d, "empty"));
	g_assert_null(change_of(d, "tags"));
	g_assert_null(change_of(d, "share"));
	assert_change(d, "added", NULL, "x");
	json_decref(d);

	/* nested values by their JSON text */
	json_object_set_new(after, "tags", json_pack("[i]", 1));
	d = changelog_diff(before, after, NULL);
	assert_change(d, "tags", "[1,2]", "[1]");
	json_decref(d);

	/* created: every non-empty field; deleted: the same as old */
	d = changelog_diff(NULL, before, NULL);
	g_assert_cmpuint(json_array_size(d), ==, 6);
	assert_change(d, "email", NULL, "a@x.de");
	json_decref(d);
	d = changelog_diff(before, NULL, fields);
	g_assert_cmpuint(json_array_size(d), ==, 4);
	assert_change(d, "flag", "true", NULL);
	json_decref(d);

	json_decref(before);
	json_decref(after);
}

/* ---- record and list --------------------------------------------------- */

static void test_record_list(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *before = json_pack("{s:s,s:s}", "email", "a@x.de", "city", "Bonn");
	json_t *after = json_pack("{s:s,s:s}", "email", "b@x.de", "city", "Bonn");

	/* an update without a change writes nothing */
	g_assert_cmpint(changelog_record(&fx->ctx, "person", 7, NULL, 0, 7, "update", before,
					 before, NULL, NULL, &err),
			==, 0);
	g_assert_no_error(err);
	int64_t id = changelog_record(&fx->ctx, "person", 7, NULL, 0, 7, "update", before, after,
				      NULL, "Formular", &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	/* the system as actor, another entity, a membership about person 7 */
	bireg_ctx sys = fx->ctx;
	sys.user_id = 0;
	g_assert_cmpint(changelog_record(&sys, "institution", 3, NULL, 0, 0, "create", NULL, after,
					 NULL, NULL, &err),
			>, 0);
	g_assert_cmpint(changelog_record(&fx->ctx, "body", 5, "membership", 9, 7, "delete", after,
					 NULL, NULL, NULL, &err),
			>, 0);
	/* a summary over 500 characters is cut */
	GString *lng = g_string_new(NULL);
	for (int i = 0; i < 600; i++)
		g_string_append(lng, "ä");
	changelog_entry e = {.entity = "person_list", .action = "export", .summary = lng->str};
	g_assert_cmpint(changelog_add(&fx->ctx, &e, &err), >, 0);
	g_assert_no_error(err);
	g_string_free(lng, TRUE);
	/* a bad action is refused */
	changelog_entry bad = {.entity = "person", .entity_id = 1, .action = "touch"};
	g_assert_cmpint(changelog_add(&fx->ctx, &bad, &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);

	/* everything, newest first */
	json_t *l = list(fx, NULL);
	g_assert_cmpint(register_jint(l, "total"), ==, 4);
	json_t *rows = json_object_get(l, "rows");
	json_t *last = json_array_get(rows, 3);
	g_assert_cmpint(register_jint(last, "id"), ==, id);
	g_assert_cmpstr(register_jstr(last, "actor"), ==, "Birgit Büro");
	g_assert_cmpint(register_jint(last, "account_id"), ==, fx->account);
	g_assert_cmpstr(register_jstr(last, "summary"), ==, "Formular");
	g_assert_cmpuint(json_array_size(json_object_get(last, "changes")), ==, 1);
	assert_change(json_object_get(last, "changes"), "email", "a@x.de", "b@x.de");
	g_assert_cmpint(g_utf8_strlen(register_jstr(json_array_get(rows, 0), "summary"), -1), ==,
			500);
	json_t *inst = json_array_get(rows, 2);
	g_assert_cmpstr(register_jstr(inst, "actor"), ==, "");
	g_assert_true(json_is_null(json_object_get(inst, "account_id")));
	json_decref(l);

	/* a person's entries: own and about them */
	changelog_filter f = {.entity = "person", .entity_id = 7, .person_id = 7};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 2);
	json_decref(l);
	f = (changelog_filter){.entity = "body", .entity_id = 5};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 1);
	g_assert_cmpstr(register_jstr(json_array_get(json_object_get(l, "rows"), 0), "sub"), ==,
			"membership");
	json_decref(l);
	f = (changelog_filter){.action = "create"};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 1);
	json_decref(l);
	/* days in Berlin: today holds all, tomorrow none */
	g_autofree char *today = register_today();
	f = (changelog_filter){.from_day = today, .until_day = today};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 4);
	json_decref(l);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) later = g_date_time_add_days(now, 2);
	g_autofree char *tomorrow = g_date_time_format(later, "%Y-%m-%d");
	f = (changelog_filter){.from_day = tomorrow};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 0);
	json_decref(l);
	f = (changelog_filter){.from_day = "2026-02-30"};
	g_assert_null(changelog_list(&fx->ctx, &f, &err));
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	/* paging */
	f = (changelog_filter){.limit = 2, .offset = 2};
	l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 4);
	g_assert_cmpuint(json_array_size(json_object_get(l, "rows")), ==, 2);
	g_assert_cmpint(register_jint(json_array_get(json_object_get(l, "rows"), 1), "id"), ==, id);
	json_decref(l);

	/* another region sees none of it */
	bireg_ctx other = {.db = fx->d, .region_id = fx->other_region};
	db_set_region(fx->d, fx->other_region);
	json_t *ol = changelog_list(&other, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpint(register_jint(ol, "total"), ==, 0);
	json_decref(ol);
	db_set_region(fx->d, fx->region);

	json_decref(before);
	json_decref(after);
}

static void test_scrub_reassign_purge(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *v = json_pack("{s:s}", "email", "geheim@x.de");

	g_assert_cmpint(changelog_record(&fx->ctx, "person", 1, NULL, 0, 1, "create", NULL, v, NULL,
					 "Import Nr. 1", &err), >, 0);
	g_assert_cmpint(changelog_record(&fx->ctx, "body", 4, "membership", 2, 1, "create", NULL, v,
					 NULL, NULL, &err), >, 0);
	g_assert_cmpint(changelog_record(&fx->ctx, "person", 2, NULL, 0, 2, "create", NULL, v, NULL,
					 NULL, &err), >, 0);
	g_assert_cmpint(changelog_record(&fx->ctx, "institution", 1, NULL, 0, 0, "create", NULL, v,
					 NULL, NULL, &err), >, 0);
	g_assert_no_error(err);

	/* erasure of person 1: its own entry and the membership lose their values */
	g_assert_cmpint(changelog_scrub_person(&fx->ctx, 1, &err), ==, 2);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(fx->d,
		"SELECT count(*) FROM change_log WHERE changes = '[]' AND summary = ''", 0), ==, 2);
	g_assert_cmpint(test_db_query_int(fx->d,
		"SELECT count(*) FROM change_log WHERE changes LIKE '%geheim%'", 0), ==, 2);
	/* again: nothing left to scrub */
	g_assert_cmpint(changelog_scrub_person(&fx->ctx, 1, &err), ==, 0);

	/* merge person 1 into 2: both entries follow, the institution stays */
	g_assert_cmpint(changelog_reassign(&fx->ctx, "person", 1, 2, &err), ==, 2);
	g_assert_no_error(err);
	changelog_filter f = {.entity = "person", .entity_id = 2, .person_id = 2};
	json_t *l = list(fx, &f);
	g_assert_cmpint(register_jint(l, "total"), ==, 3);
	json_decref(l);
	g_assert_cmpint(test_db_query_int(fx->d,
		"SELECT entity_id FROM change_log WHERE sub = 'membership'", 0), ==, 4);
	g_assert_cmpint(changelog_reassign(&fx->ctx, "institution", 1, 9, &err), ==, 1);
	g_assert_cmpint(test_db_query_int(fx->d,
		"SELECT entity_id FROM change_log WHERE entity = 'institution'", 0), ==, 9);

	/* retention */
	test_db_exec(fx->d, "UPDATE change_log SET at = '2020-01-01T00:00:00Z' WHERE entity = 'institution'");
	g_assert_cmpint(changelog_purge_before(&fx->ctx, "2021-01-01T00:00:00Z", &err), ==, 1);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM change_log", 0), ==, 3);
	g_assert_cmpint(changelog_purge_before(&fx->ctx, "gestern", &err), ==, -1);
	g_clear_error(&err);
	json_decref(v);
}

/* A rollback of the caller's transaction takes the entry with it. */
static void test_joins_transaction(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	changelog_entry e = {.entity = "area", .entity_id = 1, .action = "delete"};

	g_assert_cmpint(db_begin(fx->d, &err), ==, DB_OK);
	g_assert_cmpint(changelog_add(&fx->ctx, &e, &err), >, 0);
	db_rollback(fx->d);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM change_log", 0), ==, 0);
}


/* ---- the stores' hooks -------------------------------------------------- */

static json_t *log_of(fixture *fx, const char *entity, int64_t id, int64_t person_id)
{
	changelog_filter f = {.entity = entity, .entity_id = id, .person_id = person_id};
	return list(fx, &f);
}

static void test_person_hooks(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	person_input in = {.title = "Dr.", .first_name = "Petra", .last_name = "Beispiel",
			   .email = "petra@x.de", .city = "Bonn"};
	int64_t id = person_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);

	json_t *l = log_of(fx, "person", id, id);
	g_assert_cmpint(register_jint(l, "total"), ==, 1);
	json_t *e = json_array_get(json_object_get(l, "rows"), 0);
	g_assert_cmpstr(register_jstr(e, "action"), ==, "create");
	g_assert_cmpint(register_jint(e, "person_id"), ==, id);
	assert_change(json_object_get(e, "changes"), "last_name", NULL, "Beispiel");
	/* derived keys are not logged */
	g_assert_null(change_of(json_object_get(e, "changes"), "sort_name"));
	g_assert_null(change_of(json_object_get(e, "changes"), "updated_at"));
	json_decref(l);

	/* an update logs exactly the fields that changed */
	in.email = "p.beispiel@x.de";
	in.city = NULL;
	in.phone = "0228 1234";
	g_assert_cmpint(person_store_update(&fx->ctx, id, &in, &err), ==, 0);
	g_assert_no_error(err);
	l = log_of(fx, "person", id, id);
	g_assert_cmpint(register_jint(l, "total"), ==, 2);
	e = json_array_get(json_object_get(l, "rows"), 0);
	json_t *ch = json_object_get(e, "changes");
	g_assert_cmpstr(register_jstr(e, "action"), ==, "update");
	g_assert_cmpuint(json_array_size(ch), ==, 3);
	assert_change(ch, "phone", NULL, "0228 1234");
	assert_change(ch, "email", "petra@x.de", "p.beispiel@x.de");
	assert_change(ch, "city", "Bonn", NULL);
	g_assert_cmpstr(register_jstr(e, "actor"), ==, "Birgit Büro");
	json_decref(l);
	/* the same data again: no entry */
	g_assert_cmpint(person_store_update(&fx->ctx, id, &in, &err), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM change_log", 0), ==, 2);

	/* a consent and an affiliation show in the person's log */
	g_autofree char *today = register_today();
	g_assert_cmpint(person_consent_record(&fx->ctx, id, "publish_name", true, today,
					      "Formular", &err), >, 0);
	g_assert_no_error(err);
	g_autofree char *isql = g_strdup_printf(
		"INSERT INTO institution (region_id, type_id, name, sort_name, created_at, updated_at) "
		"VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'Schule am See', 'schule am see', "
		"'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
		fx->region, fx->type_id);
	int64_t inst = test_db_insert_id(fx->d, isql);
	int64_t aff = affiliation_add(&fx->ctx, id, inst, "Schulleitung", NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpint(affiliation_delete(&fx->ctx, id, aff, &err), ==, 0);
	g_assert_no_error(err);
	l = log_of(fx, "person", id, id);
	g_assert_cmpint(register_jint(l, "total"), ==, 5);
	json_t *rows = json_object_get(l, "rows");
	e = json_array_get(rows, 0);
	g_assert_cmpstr(register_jstr(e, "sub"), ==, "affiliation");
	g_assert_cmpstr(register_jstr(e, "action"), ==, "delete");
	g_assert_cmpint(register_jint(e, "sub_id"), ==, aff);
	g_autofree char *inst_text = g_strdup_printf("%" G_GINT64_FORMAT, inst);
	assert_change(json_object_get(e, "changes"), "institution_id", inst_text, NULL);
	e = json_array_get(rows, 1);
	g_assert_cmpstr(register_jstr(e, "sub"), ==, "affiliation");
	assert_change(json_object_get(e, "changes"), "function", NULL, "Schulleitung");
	e = json_array_get(rows, 2);
	g_assert_cmpstr(register_jstr(e, "sub"), ==, "consent");
	g_assert_cmpint(register_jint(e, "entity_id"), ==, id);
	assert_change(json_object_get(e, "changes"), "kind", NULL, "publish_name");
	assert_change(json_object_get(e, "changes"), "given", NULL, "1");
	json_decref(l);

	/* account link */
	g_assert_cmpint(person_link_account(&fx->ctx, id, fx->account, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(person_unlink_account(&fx->ctx, id, &err), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d,
		"SELECT count(*) FROM change_log WHERE sub = 'account'", 0), ==, 2);

	/* delete: the old values */
	g_assert_cmpint(person_store_delete(&fx->ctx, id, &err), ==, 0);
	g_assert_no_error(err);
	l = log_of(fx, "person", id, id);
	e = json_array_get(json_object_get(l, "rows"), 0);
	g_assert_cmpstr(register_jstr(e, "action"), ==, "delete");
	assert_change(json_object_get(e, "changes"), "email", "p.beispiel@x.de", NULL);
	json_decref(l);
}

/* A failed store call logs nothing (the entry goes with the change). */
static void test_refused_change_logs_nothing(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	person_input in = {.last_name = "Muster", .preferred_channel = "post"};

	g_assert_cmpint(person_store_create(&fx->ctx, &in, &err), ==, -1);
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM change_log", 0), ==, 0);
}

static void test_institution_body_hooks(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const char *const tags[] = {"MINT", "Ganztag", NULL};
	institution_input ii = {.type_id = fx->type_id, .name = "Realschule Nord", .tags = tags};
	int64_t inst = institution_store_create(&fx->ctx, &ii, &err);
	g_assert_no_error(err);
	ii.city = "Köln";
	const char *const tags2[] = {"MINT", NULL};
	ii.tags = tags2;
	g_assert_cmpint(institution_store_update(&fx->ctx, inst, &ii, &err), ==, 0);
	g_assert_no_error(err);
	json_t *l = log_of(fx, "institution", inst, 0);
	g_assert_cmpint(register_jint(l, "total"), ==, 2);
	json_t *ch = json_object_get(json_array_get(json_object_get(l, "rows"), 0), "changes");
	g_assert_cmpuint(json_array_size(ch), ==, 2);
	assert_change(ch, "city", NULL, "Köln");
	assert_change(ch, "tags", "Ganztag, MINT", "MINT");
	json_decref(l);
	/* an import that changes nothing writes nothing */
	ii.log_action = "import";
	ii.log_summary = "Schulverzeichnis";
	g_assert_cmpint(institution_store_update(&fx->ctx, inst, &ii, &err), ==, 0);
	g_assert_cmpint(test_db_query_int(fx->d, "SELECT count(*) FROM change_log", 0), ==, 2);
	ii.log_action = NULL;
	ii.log_summary = NULL;

	/* a body and a membership: the membership is the body's, about its member */
	body_input bi;
	body_input_defaults(&bi);
	bi.name = "Lenkungskreis";
	bi.type = "steering";
	int64_t body = body_store_create(&fx->ctx, &bi, &err);
	g_assert_no_error(err);
	person_input pi = {.last_name = "Muster", .email = "m@x.de"};
	int64_t person = person_store_create(&fx->ctx, &pi, &err);
	g_assert_no_error(err);
	membership_input mi = {.body_id = body, .person_id = person, .role = "member",
			       .voting = true};
	int64_t m = membership_store_create(&fx->ctx, &mi, &err);
	g_assert_no_error(err);
	g_assert_cmpint(m, >, 0);
	g_autofree char *today = register_today();
	g_assert_cmpint(membership_store_end(&fx->ctx, m, today, &err), ==, 0);
	g_assert_no_error(err);
	l = log_of(fx, "body", body, 0);
	g_assert_cmpint(register_jint(l, "total"), ==, 3);
	json_t *e = json_array_get(json_object_get(l, "rows"), 0);
	g_assert_cmpstr(register_jstr(e, "sub"), ==, "membership");
	g_assert_cmpint(register_jint(e, "person_id"), ==, person);
	assert_change(json_object_get(e, "changes"), "end_day", NULL, today);
	json_decref(l);
	/* and in the member's log */
	l = log_of(fx, "person", person, person);
	g_assert_cmpint(register_jint(l, "total"), ==, 3);
	json_decref(l);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/changelog/diff", test_diff);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/changelog/record_list", test_record_list);
	ADD("/changelog/scrub_reassign_purge", test_scrub_reassign_purge);
	ADD("/changelog/joins_transaction", test_joins_transaction);
	ADD("/changelog/person_hooks", test_person_hooks);
	ADD("/changelog/refused_change_logs_nothing", test_refused_change_logs_nothing);
	ADD("/changelog/institution_body_hooks", test_institution_body_hooks);
	return g_test_run();
}
