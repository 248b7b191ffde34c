/*
 * test_register_merge.c — likely duplicates and merging in the register
 * (register_dupes.c, register_merge.c) on the backend the environment
 * chooses (tests/unit/test_dbenv.h).
 *
 * The merge of two people with memberships in two bodies (one of them
 * named by a substitute's membership), affiliations (one identical),
 * consents (the other's newer answer must win), an account link and change
 * log entries: afterwards every reference points to the kept id, the counts
 * are the sums (less the collapsed affiliation), no table of the reference
 * list names the deleted id, and the merge entry exists. Refusals change
 * nothing. Institutions: tags united, affiliations and memberships moved.
 * Finding: Müller/Mueller with the e-mail in another case, an initial, a
 * typing error, an erased person never, a dismissed pair no more.
 */
#include <string.h>

#include "core/text.h"
#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/changelog.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "modules/register/register_dupes.h"
#include "modules/register/register_merge.h"
#include "test_dbenv.h"

typedef struct {
	db *d;
	bireg_ctx ctx;
	int64_t region, other_region;
	int64_t type_id;
	int64_t account, account2;
	int seq; /* for made-up e-mail addresses */
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
	fx->account2 = test_db_insert_id(fx->d,
		"INSERT INTO account (email, display_name, password_hash, created_at, updated_at) "
		"VALUES ('c@x.de', 'Carl Konto', 'x', '2026-01-01T00:00:00Z', "
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

static int64_t add_person(fixture *fx, const char *first, const char *last, const char *email,
			  const char *phone)
{
	g_autoptr(GError) err = NULL;
	/* e-mail is the default channel: everyone has an address */
	g_autofree char *made_up = g_strdup_printf("nr%d@example.org", ++fx->seq);
	person_input in = {.first_name = first, .last_name = last,
			   .email = email ? email : made_up, .phone = phone};
	int64_t id = person_store_create(&fx->ctx, &in, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_inst(fixture *fx, const char *name, const char *postcode, const char *website,
			const char *tags)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) t = institution_tags_parse(tags ? tags : "");
	institution_input in = {.type_id = fx->type_id, .name = name, .postcode = postcode,
				.website = website, .tags = (const char *const *)t};
	int64_t id = institution_store_create(&fx->ctx, &in, &err);

	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_body(fixture *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	body_input in;

	body_input_defaults(&in);
	in.name = name;
	in.type = "forum";
	int64_t id = body_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static int64_t add_member(fixture *fx, int64_t body, int64_t person, const char *role,
			  int64_t substitute_for, int64_t institution)
{
	g_autoptr(GError) err = NULL;
	membership_input in = {.body_id = body, .person_id = person, .role = role,
			       .substitute_for_id = substitute_for, .institution_id = institution,
			       .partner_side = "", .voting = true, .start_day = "2024-01-01"};
	int64_t id = membership_store_create(&fx->ctx, &in, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void add_log(fixture *fx, const char *entity, int64_t id, int64_t person_id)
{
	g_autoptr(GError) err = NULL;
	changelog_entry e = {.entity = entity, .entity_id = id, .person_id = person_id,
			     .action = "update", .summary = "Test"};
	g_assert_cmpint(changelog_add(&fx->ctx, &e, &err), >, 0);
	g_assert_no_error(err);
}

static int64_t count(fixture *fx, const char *sql, int64_t param)
{
	return test_db_query_int(fx->d, sql, param);
}

/* Rows of every reference of the table naming id of entity. */
static int64_t refs_to(fixture *fx, const char *entity, int64_t id)
{
	g_autoptr(GError) err = NULL;
	int64_t n = register_refs_count(&fx->ctx, entity, id, NULL, &err);
	g_assert_no_error(err);
	return n;
}

/* Every reference of the table, one by one: no row names id. */
static void assert_nothing_refers(fixture *fx, const char *entity, int64_t id)
{
	size_t n;
	const register_ref *r = register_refs(&n);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].entity, entity))
			continue;
		g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM %s WHERE %s = $1%s%s",
						       r[i].table, r[i].column,
						       r[i].where ? " AND " : "",
						       r[i].where ? r[i].where : "");
		g_test_message("%s.%s", r[i].table, r[i].column);
		g_assert_cmpint(count(fx, sql, id), ==, 0);
	}
}

static void consent(fixture *fx, int64_t person, const char *kind, bool given, const char *day)
{
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(person_consent_record(&fx->ctx, person, kind, given, day, "Formular", &err),
			>, 0);
	g_assert_no_error(err);
}

/* ---- merging people ---------------------------------------------------------- */

static void test_merge_people(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t x = add_inst(fx, "Schule X", "", "", NULL);
	int64_t y = add_inst(fx, "Schule Y", "", "", NULL);
	int64_t b1 = add_body(fx, "Forum eins"), b2 = add_body(fx, "Forum zwei");
	int64_t keep = add_person(fx, "Jörg", "Müller", "J.Mueller@example.org", NULL);
	int64_t other = add_person(fx, "Joerg", "Mueller", "j.mueller@example.org", "+49 203 000 1");
	int64_t sub = add_person(fx, "Sina", "Stellvertretung", NULL, NULL);

	add_member(fx, b1, keep, "member", 0, x);
	int64_t m_other = add_member(fx, b2, other, "member", 0, y);
	int64_t m_sub = add_member(fx, b2, sub, "substitute", m_other, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, keep, x, "Lehrer", "2024-01-01", NULL, &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, other, x, "Lehrer", "2024-01-01", NULL, &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, other, y, "Beratung", NULL, NULL, &err), >, 0);
	g_assert_no_error(err);
	/* the other's withdrawal is newer by day but recorded first: it must
	 * still be the current answer after the merge */
	consent(fx, other, "publish_name", false, "2025-05-01");
	consent(fx, keep, "publish_name", true, "2023-01-01");
	consent(fx, other, "newsletter", true, "2024-02-01");
	g_assert_cmpint(person_consent_current(&fx->ctx, keep, "publish_name", &err), ==, 1);
	g_assert_cmpint(person_link_account(&fx->ctx, other, fx->account2, &err), ==, 0);
	g_assert_no_error(err);
	add_log(fx, "person", keep, keep);
	add_log(fx, "person", other, other);
	add_log(fx, "body", b2, other);
	g_autofree char *dismiss = g_strdup_printf(
		"INSERT INTO duplicate_dismissed (region_id, entity, low_id, high_id, dismissed_at) "
		"VALUES (%" G_GINT64_FORMAT ", 'person', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		", '2026-01-01T00:00:00Z')", fx->region, MIN(other, sub), MAX(other, sub));
	test_db_exec(fx->d, dismiss);

	int64_t logs_before = count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1", fx->region);
	g_assert_cmpint(refs_to(fx, "person", other), >, 0);

	/* the preview: defaults and counts */
	json_t *pv = register_merge_preview(&fx->ctx, "person", keep, other, &err);
	g_assert_no_error(err);
	g_assert_nonnull(pv);
	g_assert_true(json_is_null(json_object_get(pv, "blocked")));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(pv, "fields"), i, f) {
		const char *name = register_jstr(f, "field");
		if (!strcmp(name, "phone"))
			g_assert_cmpstr(register_jstr(f, "take"), ==, "other");
		if (!strcmp(name, "first_name"))
			g_assert_cmpstr(register_jstr(f, "take"), ==, "keep");
	}
	json_decref(pv);

	json_t *take = json_pack("{s:s}", "last_name", "other");
	g_assert_cmpint(register_merge_person(&fx->ctx, keep, other, take, &err), ==, 0);
	g_assert_no_error(err);
	json_decref(take);

	/* the other is gone, with its search entry */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", other), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM search_entry WHERE kind = 'person' AND ref_id = $1",
			      other), ==, 0);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM search_entry WHERE kind = 'person' AND ref_id = $1",
			      keep), ==, 1);
	assert_nothing_refers(fx, "person", other);
	g_assert_cmpint(refs_to(fx, "person", other), ==, 0);

	/* every reference moved: 1 + 1 memberships, 1 + 2 - 1 (identical)
	 * affiliations, 1 + 2 consents, the account link */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM membership WHERE person_id = $1", keep), ==, 2);
	g_assert_cmpint(count(fx, "SELECT substitute_for_id FROM membership WHERE id = $1", m_sub), ==,
			m_other);
	g_assert_cmpint(count(fx, "SELECT person_id FROM membership WHERE id = $1", m_other), ==, keep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE person_id = $1", keep),
			==, 2);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_consent WHERE person_id = $1", keep), ==,
			3);
	g_assert_cmpint(person_consent_current(&fx->ctx, keep, "publish_name", &err), ==, 0);
	g_assert_cmpint(person_consent_current(&fx->ctx, keep, "newsletter", &err), ==, 1);
	g_assert_cmpint(count(fx, "SELECT account_id FROM account_person WHERE person_id = $1", keep),
			==, fx->account2);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM duplicate_dismissed WHERE low_id = $1 OR high_id = $1",
			      other), ==, 0);

	/* the values: the kept e-mail, the other's phone (kept had none) and
	 * the last name chosen */
	json_t *p = person_store_get(&fx->ctx, keep, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(register_jstr(p, "email"), ==, "J.Mueller@example.org");
	g_assert_cmpstr(register_jstr(p, "phone"), ==, "+49 203 000 1");
	g_assert_cmpstr(register_jstr(p, "last_name"), ==, "Mueller");
	g_assert_cmpstr(register_jstr(p, "first_name"), ==, "Jörg");
	json_decref(p);

	/* the log: the other's entries are the kept one's now, and the merge
	 * entry names the other */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE person_id = $1", keep), >=, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE action = 'merge' AND "
			      "entity = 'person' AND sub_id = $1", other), ==, 1);
	g_assert_cmpint(count(fx, "SELECT entity_id FROM change_log WHERE action = 'merge'", 0), ==, keep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE region_id = $1", fx->region), >,
			logs_before);
}

static void test_merge_refusals(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t a = add_person(fx, "Anna", "Modell", "anna@example.org", NULL);
	int64_t b = add_person(fx, "Anna", "Modell", NULL, NULL);

	/* itself */
	g_assert_cmpint(register_merge_person(&fx->ctx, a, a, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);

	/* a person of another region is not found */
	bireg_ctx other = {.db = fx->d, .region_id = fx->other_region};
	db_set_region(fx->d, fx->other_region);
	person_input in = {.last_name = "Fremd", .email = "fremd@example.org"};
	int64_t foreign = person_store_create(&other, &in, &err);
	g_assert_no_error(err);
	db_set_region(fx->d, fx->region);
	g_assert_cmpint(register_merge_person(&fx->ctx, a, foreign, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
	g_clear_error(&err);

	/* both linked to an account */
	g_assert_cmpint(person_link_account(&fx->ctx, a, fx->account, &err), ==, 0);
	g_assert_cmpint(person_link_account(&fx->ctx, b, fx->account2, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(register_merge_person(&fx->ctx, a, b, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_clear_error(&err);
	json_t *pv = register_merge_preview(&fx->ctx, "person", a, b, &err);
	g_assert_no_error(err);
	g_assert_true(json_is_string(json_object_get(pv, "blocked")));
	json_decref(pv);
	g_assert_cmpint(person_unlink_account(&fx->ctx, b, &err), ==, 0);

	/* a chosen value the store refuses: post without an address */
	g_autofree char *post = g_strdup_printf("UPDATE person SET preferred_channel = 'post', "
						"street = 'Weg 1', postcode = '47051', city = 'Duisburg' "
						"WHERE id = %" G_GINT64_FORMAT, b);
	test_db_exec(fx->d, post);
	json_t *take = json_pack("{s:s,s:s}", "preferred_channel", "other", "street", "keep");
	g_assert_cmpint(register_merge_person(&fx->ctx, a, b, take, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	json_decref(take);

	/* an erased person */
	g_autofree char *erase = g_strdup_printf("UPDATE person SET erased_at = '2026-01-01T00:00:00Z' "
						 "WHERE id = %" G_GINT64_FORMAT, b);
	test_db_exec(fx->d, erase);
	g_assert_cmpint(register_merge_person(&fx->ctx, a, b, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
	g_clear_error(&err);

	/* nothing changed */
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person WHERE id = $1", b), ==, 1);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE action = 'merge'", 0), ==, 0);
}

static void test_substitute_of_each_other(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t body = add_body(fx, "Forum");
	int64_t a = add_person(fx, "Uwe", "Beispiel", NULL, NULL);
	int64_t b = add_person(fx, "Uwe", "Beispiel", NULL, NULL);
	int64_t m = add_member(fx, body, a, "member", 0, 0);

	add_member(fx, body, b, "substitute", m, 0);
	g_assert_cmpint(register_merge_person(&fx->ctx, a, b, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_IN_USE);
}

/* ---- merging institutions ---------------------------------------------------- */

static void test_merge_institutions(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t keep = add_inst(fx, "Kita-Verbund Beispielhafen gGmbH", "47057", "", "Kita, Träger");
	int64_t other = add_inst(fx, "Kita Verbund Beispielhafen GmbH", "47057",
				 "https://kita.example.org", "Träger, Frühe Bildung");
	int64_t p = add_person(fx, "Katharina", "Musterfrau", NULL, NULL);
	int64_t q = add_person(fx, "Lea", "Attrappe", NULL, NULL);
	int64_t body = add_body(fx, "Forum");

	g_assert_cmpint(affiliation_add(&fx->ctx, p, keep, "Leitung", NULL, NULL, &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, p, other, "Leitung", NULL, NULL, &err), >, 0);
	g_assert_cmpint(affiliation_add(&fx->ctx, q, other, "", NULL, NULL, &err), >, 0);
	g_assert_no_error(err);
	int64_t m = add_member(fx, body, q, "member", 0, other);
	add_log(fx, "institution", other, 0);

	g_assert_cmpint(register_merge_institution(&fx->ctx, keep, other, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution WHERE id = $1", other), ==, 0);
	assert_nothing_refers(fx, "institution", other);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM institution_tag WHERE institution_id = $1", keep),
			==, 3);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM person_affiliation WHERE institution_id = $1", keep),
			==, 2);
	g_assert_cmpint(count(fx, "SELECT institution_id FROM membership WHERE id = $1", m), ==, keep);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM change_log WHERE entity = 'institution' AND "
			      "entity_id = $1", keep), >=, 2);
	json_t *i = institution_store_get(&fx->ctx, keep, &err);
	g_assert_no_error(err);
	/* the website was empty in the kept record: the other's is taken */
	g_assert_cmpstr(register_jstr(i, "website"), ==, "https://kita.example.org");
	g_assert_cmpstr(register_jstr(i, "name"), ==, "Kita-Verbund Beispielhafen gGmbH");
	json_decref(i);
}

/* ---- finding ------------------------------------------------------------------ */

/* The reasons of the pair (a, b) in list as "email,name", or NULL when the
 * pair is not listed. */
static char *reasons_of(json_t *list, int64_t a, int64_t b)
{
	size_t i, k;
	json_t *p, *r;

	json_array_foreach(json_object_get(list, "pairs"), i, p) {
		int64_t x = register_jint(json_object_get(p, "a"), "id");
		int64_t y = register_jint(json_object_get(p, "b"), "id");
		if (!((x == a && y == b) || (x == b && y == a)))
			continue;
		GString *s = g_string_new(NULL);
		json_array_foreach(json_object_get(p, "reasons"), k, r)
			g_string_append_printf(s, "%s%s", s->len ? "," : "", json_string_value(r));
		return g_string_free(s, FALSE);
	}
	return NULL;
}

/* A register without any pair (here: without anyone) lists none. */
static void test_find_nothing(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *l;

	(void)data;
	l = register_dupes_people(&fx->ctx, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(l, "total")), ==, 0);
	g_assert_cmpuint(json_array_size(json_object_get(l, "pairs")), ==, 0);
	json_decref(l);
	add_person(fx, "Einzige", "Person", "einzige@example.org", NULL);
	l = register_dupes_people(&fx->ctx, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_integer_value(json_object_get(l, "total")), ==, 0);
	json_decref(l);
	l = register_dupes_institutions(&fx->ctx, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(json_object_get(l, "pairs")), ==, 0);
	json_decref(l);
}

static void test_find_people(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t j1 = add_person(fx, "Jörg", "Müller", "joerg.mueller@example.org", NULL);
	int64_t j2 = add_person(fx, "Joerg", "Mueller", "Joerg.Mueller@Example.org", NULL);
	int64_t j3 = add_person(fx, "J.", "Müller", NULL, NULL);
	int64_t k1 = add_person(fx, "Katharina", "Musterfrau", "k1@example.org", NULL);
	int64_t k2 = add_person(fx, "Katharina", "Mustefrau", "k2@example.org", NULL);
	int64_t h1 = add_person(fx, "Hans", "Beispiel", NULL, NULL);
	int64_t h2 = add_person(fx, "Hans-Peter", "Beispiel", NULL, NULL);
	int64_t a1 = add_person(fx, "Anna", "Modell", "anna@example.org", NULL);
	int64_t e1 = add_person(fx, "Erika", "Gelöscht", "anna@example.org", NULL);
	g_autofree char *erase = g_strdup_printf("UPDATE person SET erased_at = '2026-01-01T00:00:00Z' "
						 "WHERE id = %" G_GINT64_FORMAT, e1);
	test_db_exec(fx->d, erase);

	json_t *l = register_dupes_people(&fx->ctx, &err);
	g_assert_no_error(err);
	g_autofree char *r_j = reasons_of(l, j1, j2);
	g_autofree char *r_j3 = reasons_of(l, j1, j3);
	g_autofree char *r_k = reasons_of(l, k1, k2);
	g_autofree char *r_h = reasons_of(l, h1, h2);
	g_autofree char *r_a = reasons_of(l, a1, e1);
	g_autofree char *r_x = reasons_of(l, a1, k1);
	g_assert_cmpstr(r_j, ==, "email,name");
	g_assert_cmpstr(r_j3, ==, "similar_name");
	g_assert_cmpstr(r_k, ==, "similar_name");
	g_assert_cmpstr(r_h, ==, "similar_name");
	g_assert_null(r_a);
	g_assert_null(r_x);
	/* the strongest pair comes first, a the lower id */
	json_t *first = json_array_get(json_object_get(l, "pairs"), 0);
	g_assert_cmpint(register_jint(json_object_get(first, "a"), "id"), ==, j1);
	g_assert_cmpint(register_jint(json_object_get(first, "b"), "id"), ==, j2);
	g_assert_cmpstr(register_jstr(json_object_get(first, "a"), "display_name"), ==, "Jörg Müller");
	json_decref(l);

	/* dismissed: gone from the list, marking again is no error */
	g_assert_cmpint(register_dupes_dismiss(&fx->ctx, "person", j2, j1, &err), ==, 0);
	g_assert_cmpint(register_dupes_dismiss(&fx->ctx, "person", j1, j2, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(count(fx, "SELECT count(*) FROM duplicate_dismissed WHERE low_id = $1", j1), ==, 1);
	l = register_dupes_people(&fx->ctx, &err);
	g_autofree char *r_gone = reasons_of(l, j1, j2);
	g_autofree char *r_still = reasons_of(l, j1, j3);
	g_assert_null(r_gone);
	g_assert_nonnull(r_still);
	json_decref(l);

	g_assert_cmpint(register_dupes_dismiss(&fx->ctx, "person", j1, j1, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_INVALID);
	g_clear_error(&err);
	g_assert_cmpint(register_dupes_dismiss(&fx->ctx, "person", j1, 999999, &err), ==, -1);
	g_assert_error(err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND);
}

static void test_find_institutions(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t v1 = add_inst(fx, "Förderverein Schule am Park e. V.", "", "", NULL);
	int64_t v2 = add_inst(fx, "Förderverein Schule am Park eV", "", "", NULL);
	int64_t g1 = add_inst(fx, "Grundschule Am Berg", "47051", "", NULL);
	int64_t g2 = add_inst(fx, "Grundschule Am Bergk", "47051", "", NULL);
	int64_t g3 = add_inst(fx, "Grundschule Am Berge", "47053", "", NULL);
	int64_t s1 = add_inst(fx, "1. Gesamtschule", "47051", "", NULL);
	int64_t s2 = add_inst(fx, "2. Gesamtschule", "47051", "", NULL);
	int64_t w1 = add_inst(fx, "Bibliothek", "", "https://www.bib.example.org/", NULL);
	int64_t w2 = add_inst(fx, "Stadtbücherei", "", "http://bib.example.org", NULL);

	json_t *l = register_dupes_institutions(&fx->ctx, &err);
	g_assert_no_error(err);
	g_autofree char *r_v = reasons_of(l, v1, v2);
	g_autofree char *r_g = reasons_of(l, g1, g2);
	g_autofree char *r_g3 = reasons_of(l, g1, g3);
	g_autofree char *r_s = reasons_of(l, s1, s2);
	g_autofree char *r_w = reasons_of(l, w1, w2);
	g_assert_cmpstr(r_v, ==, "name");
	g_assert_cmpstr(r_g, ==, "postcode_name");
	g_assert_null(r_g3);
	g_assert_null(r_s);
	g_assert_cmpstr(r_w, ==, "website");
	json_decref(l);
}

static void test_keys(void)
{
	g_autofree char *k1 = register_dupes_person_key("Jörg", "Müller");
	g_autofree char *k2 = register_dupes_person_key(" Joerg ", "MUELLER");
	g_autofree char *k3 = register_dupes_person_key("jorg", "muller");
	g_autofree char *i1 = register_dupes_institution_key("Förderverein Schule am Park e. V.");
	g_autofree char *i2 = register_dupes_institution_key("Foerderverein \"Schule am Park\" e.V.");
	g_autofree char *i3 = register_dupes_institution_key("Kita-Verbund Beispielhafen gGmbH");

	g_assert_cmpstr(k1, ==, "jorg muller");
	g_assert_cmpstr(k2, ==, k1);
	g_assert_cmpstr(k3, ==, k1);
	g_assert_cmpstr(i1, ==, "forderverein schule am park");
	g_assert_cmpstr(i2, ==, i1);
	g_assert_cmpstr(i3, ==, "kita verbund beispielhafen");
	g_assert_true(register_dupes_first_names_alike("J.", "Jörg"));
	g_assert_true(register_dupes_first_names_alike("Jörg", "Joerg"));
	g_assert_false(register_dupes_first_names_alike("Jan", "Jörg"));
	g_assert_false(register_dupes_first_names_alike("", "Jörg"));
	g_assert_cmpint(register_dupes_distance("musterfrau", "musterfrua", 2), ==, 2);
	g_assert_cmpint(register_dupes_distance("beispiel", "beispil", 1), ==, 1);
	g_assert_cmpint(register_dupes_distance("müller", "muller", 1), ==, 1);
	g_assert_cmpint(register_dupes_distance("abc", "xyzabc", 2), ==, 3);
	g_assert_cmpint(register_dupes_distance("", "", 1), ==, 0);

	/* the key's shortcut for ASCII folds exactly as text_search_fold */
	static const char *const ascii[] = {"Mueller", "  KOELN  am  Rhein ", "Goethe", "Queen",
					    "Aeeeb", "uE-oe.ae", "Michael", "J. P.", "\tTab\nLine", NULL};
	for (size_t i = 0; ascii[i]; i++) {
		g_autofree char *mine = register_dupes_person_key("", ascii[i]);
		g_autofree char *c = text_collapse_ws(ascii[i]);
		g_autofree char *want = text_search_fold(c);
		g_assert_cmpstr(mine, ==, want);
	}
}

static void test_refs_table(fixture *fx, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t body = add_body(fx, "Forum");
	int64_t a = add_person(fx, "Uwe", "Beispiel", NULL, NULL);
	const register_ref_erase official[] = {REGISTER_ERASE_KEEP, 0};

	g_assert_cmpint(register_refs_count(&fx->ctx, "person", a, official, &err), ==, 0);
	add_member(fx, body, a, "member", 0, 0);
	g_assert_cmpint(register_refs_count(&fx->ctx, "person", a, official, &err), ==, 1);
	g_assert_no_error(err);
	/* every table of the list exists with its column on this backend */
	size_t n;
	const register_ref *r = register_refs(&n);
	for (size_t i = 0; i < n; i++)
		g_assert_cmpint(register_refs_count(&fx->ctx, r[i].entity, 1, NULL, &err), >=, 0);
	g_assert_no_error(err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/register/merge/people", test_merge_people);
	ADD("/register/merge/refusals", test_merge_refusals);
	ADD("/register/merge/substitutes", test_substitute_of_each_other);
	ADD("/register/merge/institutions", test_merge_institutions);
	ADD("/register/merge/refs", test_refs_table);
	ADD("/register/dupes/nothing", test_find_nothing);
	ADD("/register/dupes/people", test_find_people);
	ADD("/register/dupes/institutions", test_find_institutions);
	g_test_add_func("/register/dupes/keys", test_keys);
	return g_test_run();
}
