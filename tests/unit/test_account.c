/*
 * test_account.c — unit tests of the account store (accounts, roles per
 * region, sessions, login throttling, second-factor state and recovery
 * codes) on a fresh database with every migration applied, on the backend
 * the environment chooses (tests/unit/test_dbenv.h: SQLite, or PostgreSQL as
 * the serving role).
 *
 * Time comes from a fake clock the tests move forward, so expiry and
 * throttling run without sleeping.
 */
#include "core/token.h"
#include "db/db.h"
#include "modules/account/account_store.h"
#include "test_dbenv.h"

#include <string.h>

/* 2026-11-26T13:30:00Z */
#define T0 INT64_C(1795699800)

static int64_t fake_now = T0;

static int64_t fake_clock(void)
{
	return fake_now;
}

typedef struct {
	db *d;
	bireg_ctx ctx;    /* region A */
	int64_t region_a; /* slug "alpha" */
	int64_t region_b; /* slug "beta" */
} fixture;

static int64_t query_int(db *d, const char *sql, const char *param)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	if (param)
		db_bind_text(st, 1, param);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	return db_col_int64(st, 0);
}

/* A region row; its id comes from the database (RETURNING works on both
 * backends, and an explicit id would not advance PostgreSQL's identity). */
static int64_t region_ok(db *d, const char *slug, const char *name)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = db_prepare(d,
					   "INSERT INTO region (slug, name, created_at, updated_at) "
					   "VALUES ($1, $2, '2026-01-01T00:00:00Z', "
					   "'2026-01-01T00:00:00Z') RETURNING id",
					   &err);
	g_assert_no_error(err);
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, name);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	g_assert_no_error(err);
	return db_col_int64(st, 0);
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fake_now = T0;
	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
	f->region_a = region_ok(f->d, "alpha", "Bildungsregion Alpha");
	f->region_b = region_ok(f->d, "beta", "Bildungsregion Beta");
	f->ctx = (bireg_ctx){.db = f->d, .region_id = f->region_a};
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
}

static int64_t create_ok(fixture *f, const char *email, const char *name)
{
	g_autoptr(GError) err = NULL;
	int64_t id = account_store_create(&f->ctx, email, name, "$argon2id$dummy", NULL, 0, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static void assert_db_error(GError *err, db_status code)
{
	g_assert_nonnull(err);
	g_assert_true(err->domain == BIREG_DB_ERROR);
	g_assert_cmpint(err->code, ==, code);
}

/* ---- accounts ----------------------------------------------------------- */

static void test_create_get(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "  Anna.Koch@Example.ORG ", "Anna Koch");
	g_autoptr(account) a = account_store_get(&f->ctx, id, &err);
	g_autoptr(account) b = NULL;

	g_assert_no_error(err);
	g_assert_nonnull(a);
	g_assert_cmpint(a->id, ==, id);
	g_assert_cmpstr(a->email, ==, "anna.koch@example.org");
	g_assert_cmpstr(a->display_name, ==, "Anna Koch");
	g_assert_cmpstr(a->lang, ==, "de");
	g_assert_cmpstr(a->status, ==, "active");
	g_assert_cmpstr(a->password_hash, ==, "$argon2id$dummy");
	g_assert_false(a->totp_enabled);
	g_assert_null(a->totp_secret);
	g_assert_cmpint(a->totp_last_step, ==, 0);
	g_assert_cmpint(a->demo_region_id, ==, 0);
	g_assert_cmpstr(a->created_at, ==, "2026-11-26T13:30:00Z");
	g_assert_null(a->last_login_at);

	b = account_store_get_by_email(&f->ctx, " ANNA.koch@example.org", &err);
	g_assert_no_error(err);
	g_assert_nonnull(b);
	g_assert_cmpint(b->id, ==, id);

	/* Not found is NULL without an error. */
	g_assert_null(account_store_get(&f->ctx, id + 100, &err));
	g_assert_no_error(err);
	g_assert_null(account_store_get_by_email(&f->ctx, "nobody@example.org", &err));
	g_assert_no_error(err);
	g_assert_null(account_store_get_by_email(&f->ctx, "\xff@example.org", &err));
	g_assert_no_error(err);
	g_assert_null(account_store_get_by_email(&f->ctx, NULL, &err));
	g_assert_no_error(err);
	g_assert_null(account_store_get_by_email(&f->ctx, "  ", &err));
	g_assert_no_error(err);
}

static void test_umlaut_email(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "J\u00dcRGEN.M\u00dcLLER@Example.org", "J\u00fcrgen M\u00fcller");
	g_autoptr(account) a = account_store_get_by_email(&f->ctx,
		"j\u00fcrgen.m\u00fcller@example.ORG", &err);

	g_assert_no_error(err);
	g_assert_nonnull(a);
	g_assert_cmpint(a->id, ==, id);
	g_assert_cmpstr(a->email, ==, "j\u00fcrgen.m\u00fcller@example.org");
}

static void test_create_invalid(fixture *f, gconstpointer data)
{
	create_ok(f, "anna@example.org", "Anna");
	struct {
		const char *email, *name, *lang;
		int64_t demo;
	} bad[] = {
		{"ANNA@example.org", "Anna Zwei", NULL, 0}, /* duplicate, other case */
		{"anna@example.org ", "Anna Drei", NULL, 0},
		{"no-at-sign", "X", NULL, 0},
		{"\xff@example.org", "X", NULL, 0},
		{NULL, "X", NULL, 0},
		{"x@example.org", "", NULL, 0},
		{"x@example.org", NULL, NULL, 0},
		{"x@example.org", "X", "fr", 0},
		{"x@example.org", "X", NULL, 999}, /* no such region */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		int64_t id = account_store_create(&f->ctx, bad[i].email, bad[i].name, "h",
						  bad[i].lang, bad[i].demo, &err);
		g_assert_cmpint(id, ==, -1);
		assert_db_error(err, DB_CONSTRAINT);
	}
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM account", NULL), ==, 1);
}

static void test_updates(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	int64_t demo;
	g_autoptr(account) a = NULL;
	g_autoptr(account) d = NULL;

	fake_now = T0 + 60;
	g_assert_cmpint(account_store_set_password(&f->ctx, id, "$argon2id$new", &err), ==, 0);
	g_assert_cmpint(account_store_set_lang(&f->ctx, id, "en", &err), ==, 0);
	g_assert_cmpint(account_store_set_status(&f->ctx, id, "disabled", &err), ==, 0);
	g_assert_cmpint(account_store_touch_login(&f->ctx, id, &err), ==, 0);
	g_assert_no_error(err);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_cmpstr(a->password_hash, ==, "$argon2id$new");
	g_assert_cmpstr(a->lang, ==, "en");
	g_assert_cmpstr(a->status, ==, "disabled");
	g_assert_cmpstr(a->last_login_at, ==, "2026-11-26T13:31:00Z");

	g_assert_cmpint(account_store_set_lang(&f->ctx, id, "fr", &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_set_status(&f->ctx, id, "gone", &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_set_lang(&f->ctx, id + 100, "de", &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);
	g_assert_cmpint(account_store_touch_login(&f->ctx, id + 100, &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);

	demo = account_store_create(&f->ctx, "demo@example.org", "Demo", "h", "en", f->region_b,
				    &err);
	g_assert_no_error(err);
	d = account_store_get(&f->ctx, demo, &err);
	g_assert_cmpint(d->demo_region_id, ==, f->region_b);
	g_assert_cmpstr(d->lang, ==, "en");
}

/* ---- roles -------------------------------------------------------------- */

static void test_role_names(fixture *f, gconstpointer data)
{
	account_role all[] = {ROLE_ADMIN, ROLE_OFFICE, ROLE_APPLICANT};

	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		g_assert_cmpint(account_role_from_name(account_role_name(all[i])), ==, all[i]);
	g_assert_cmpstr(account_role_name(ROLE_OFFICE), ==, "office");
	g_assert_null(account_role_name(ROLE_ADMIN | ROLE_OFFICE));
	g_assert_null(account_role_name(0));
	g_assert_cmpint(account_role_from_name("chair"), ==, 0);
	g_assert_cmpint(account_role_from_name(NULL), ==, 0);
}

static void test_roles(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	bireg_ctx in_b = {.db = f->d, .region_id = f->region_b};
	bireg_ctx nowhere = {.db = f->d, .region_id = 0};

	g_assert_cmpint(account_store_roles(&f->ctx, id, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, id, f->region_a, ROLE_OFFICE, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, id, f->region_a, ROLE_ADMIN, &err), ==, 0);
	/* Granting twice is fine. */
	g_assert_cmpint(account_store_grant(&f->ctx, id, f->region_a, ROLE_ADMIN, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, id, f->region_b, ROLE_APPLICANT, &err), ==, 0);
	g_assert_no_error(err);

	/* Roles of region A are invisible in region B and the other way. */
	g_assert_cmpint(account_store_roles(&f->ctx, id, &err), ==, ROLE_ADMIN | ROLE_OFFICE);
	g_assert_cmpint(account_store_roles(&in_b, id, &err), ==, ROLE_APPLICANT);
	g_assert_cmpint(account_store_roles(&nowhere, id, &err), ==, 0);

	g_assert_cmpint(account_store_revoke(&f->ctx, id, f->region_a, ROLE_OFFICE, &err), ==, 0);
	g_assert_cmpint(account_store_revoke(&f->ctx, id, f->region_a, ROLE_OFFICE, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(account_store_roles(&f->ctx, id, &err), ==, ROLE_ADMIN);
	g_assert_cmpint(account_store_roles(&in_b, id, &err), ==, ROLE_APPLICANT);

	g_assert_cmpint(account_store_grant(&f->ctx, id, f->region_a, ROLE_ADMIN | ROLE_OFFICE,
					    &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_grant(&f->ctx, id, 999, ROLE_OFFICE, &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_grant(&f->ctx, id + 100, f->region_a, ROLE_OFFICE, &err), ==,
			-1);
	assert_db_error(err, DB_CONSTRAINT);
}

static json_t *roles_of(json_t *list, size_t i)
{
	return json_object_get(json_array_get(list, i), "roles");
}

static void test_list(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t zoe = create_ok(f, "zoe@example.org", "Zoe Zander");
	int64_t anna = create_ok(f, "anna@example.org", "anna Arndt");
	int64_t bert = create_ok(f, "bert@example.org", "Bert Berg");
	int64_t none = create_ok(f, "none@example.org", "Nora Niemand");
	bireg_ctx in_b = {.db = f->d, .region_id = f->region_b};
	bireg_ctx all = {.db = f->d, .region_id = 0};
	json_t *list, *e, *r;

	g_assert_cmpint(account_store_grant(&f->ctx, zoe, f->region_a, ROLE_APPLICANT, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, zoe, f->region_a, ROLE_ADMIN, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, anna, f->region_a, ROLE_OFFICE, &err), ==, 0);
	g_assert_cmpint(account_store_grant(&f->ctx, bert, f->region_b, ROLE_OFFICE, &err), ==, 0);
	g_assert_cmpint(account_store_touch_login(&f->ctx, anna, &err), ==, 0);
	g_assert_no_error(err);

	/* Region A: Anna and Zoe, ordered by name regardless of case. */
	list = account_store_list(&f->ctx, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 2);
	e = json_array_get(list, 0);
	g_assert_cmpint(json_integer_value(json_object_get(e, "id")), ==, anna);
	g_assert_cmpstr(json_string_value(json_object_get(e, "email")), ==, "anna@example.org");
	g_assert_cmpstr(json_string_value(json_object_get(e, "display_name")), ==, "anna Arndt");
	g_assert_cmpstr(json_string_value(json_object_get(e, "status")), ==, "active");
	g_assert_true(json_is_false(json_object_get(e, "totp_enabled")));
	g_assert_cmpstr(json_string_value(json_object_get(e, "last_login_at")), ==,
			"2026-11-26T13:30:00Z");
	g_assert_cmpuint(json_array_size(roles_of(list, 0)), ==, 1);
	g_assert_cmpstr(json_string_value(json_array_get(roles_of(list, 0), 0)), ==, "office");
	e = json_array_get(list, 1);
	g_assert_cmpint(json_integer_value(json_object_get(e, "id")), ==, zoe);
	g_assert_true(json_is_null(json_object_get(e, "last_login_at")));
	g_assert_cmpuint(json_array_size(roles_of(list, 1)), ==, 2);
	g_assert_cmpstr(json_string_value(json_array_get(roles_of(list, 1), 0)), ==, "admin");
	g_assert_cmpstr(json_string_value(json_array_get(roles_of(list, 1), 1)), ==, "applicant");
	json_decref(list);

	/* Region B: only Bert. */
	list = account_store_list(&in_b, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 1);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, bert);
	json_decref(list);

	/* Every account, roles with their region. */
	list = account_store_list(&all, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 4);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, anna);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 1), "id")), ==, bert);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 2), "id")), ==, none);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 3), "id")), ==, zoe);
	r = json_array_get(roles_of(list, 1), 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "region_slug")), ==, "beta");
	g_assert_cmpstr(json_string_value(json_object_get(r, "role")), ==, "office");
	g_assert_cmpuint(json_array_size(roles_of(list, 2)), ==, 0);
	g_assert_cmpuint(json_array_size(roles_of(list, 3)), ==, 2);
	r = json_array_get(roles_of(list, 3), 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "region_slug")), ==, "alpha");
	g_assert_cmpstr(json_string_value(json_object_get(r, "role")), ==, "admin");
	json_decref(list);
}

/* ---- sessions ----------------------------------------------------------- */

static session *session_ok(fixture *f, int64_t account_id, bool pending, char **token)
{
	g_autoptr(GError) err = NULL;
	session *s = session_store_create(&f->ctx, account_id, pending, "192.0.2.1",
					  "Mozilla/5.0 (Test)", token, &err);
	g_assert_no_error(err);
	g_assert_nonnull(s);
	return s;
}

static session *lookup(fixture *f, const char *token)
{
	g_autoptr(GError) err = NULL;
	session *s = session_store_lookup(&f->ctx, token, &err);
	g_assert_no_error(err);
	return s;
}

static void test_session_basic(fixture *f, gconstpointer data)
{
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	g_autofree char *token = NULL;
	g_autofree char *digest = NULL;
	g_autoptr(session) s = session_ok(f, id, true, &token);
	g_autoptr(session) found = NULL;
	g_autofree char *wrong = g_strdup(token);

	g_assert_cmpuint(strlen(token), ==, 43);
	g_assert_cmpuint(strlen(s->csrf_token), ==, 43);
	g_assert_cmpstr(s->csrf_token, !=, token);
	g_assert_true(s->second_factor_pending);
	g_assert_cmpstr(s->created_at, ==, "2026-11-26T13:30:00Z");
	g_assert_cmpstr(s->ip, ==, "192.0.2.1");
	g_assert_cmpstr(s->user_agent, ==, "Mozilla/5.0 (Test)");

	/* Only the digest is stored. */
	digest = token_digest(token);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session WHERE token_digest = $1",
				  digest), ==, 1);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session WHERE token_digest = $1",
				  token), ==, 0);

	found = lookup(f, token);
	g_assert_nonnull(found);
	g_assert_cmpint(found->id, ==, s->id);
	g_assert_cmpint(found->account_id, ==, id);
	g_assert_cmpstr(found->csrf_token, ==, s->csrf_token);
	g_assert_true(found->second_factor_pending);

	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	g_assert_null(lookup(f, wrong));
	g_assert_null(lookup(f, ""));
	g_assert_null(lookup(f, NULL));
	g_assert_null(lookup(f, digest));
	g_assert_null(lookup(f, "\xff\xfe"));

	g_autoptr(GError) err = NULL;
	g_assert_cmpint(session_store_complete_second_factor(&f->ctx, s->id, &err), ==, 0);
	g_assert_no_error(err);
	g_clear_pointer(&found, session_free);
	found = lookup(f, token);
	g_assert_false(found->second_factor_pending);
	g_assert_cmpint(session_store_complete_second_factor(&f->ctx, s->id + 100, &err), ==, -1);
	g_assert_nonnull(err);
	g_clear_error(&err);

	g_assert_cmpint(session_store_delete(&f->ctx, s->id, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_null(lookup(f, token));

	/* A token is not needed back. */
	g_autoptr(session) t = session_store_create(&f->ctx, id, false, NULL, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(t->ip, ==, "");
	g_assert_cmpstr(t->user_agent, ==, "");
}

static void test_session_clip(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	g_autofree char *long_ip = g_strnfill(100, '1');
	g_autoptr(GString) ua = g_string_new("x");
	g_autoptr(session) s = NULL;
	g_autoptr(session) bad = NULL;
	g_autofree char *token = NULL;
	g_autoptr(session) found = NULL;

	/* "x" then two-byte characters: byte 300 falls inside one. */
	while (ua->len < 400)
		g_string_append(ua, "\u00fc");
	s = session_store_create(&f->ctx, id, false, long_ip, ua->str, &token, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(strlen(s->ip), ==, 64);
	g_assert_cmpuint(strlen(s->user_agent), ==, 299);
	g_assert_true(g_utf8_validate(s->user_agent, -1, NULL));
	found = lookup(f, token);
	g_assert_cmpstr(found->user_agent, ==, s->user_agent);
	g_assert_cmpstr(found->ip, ==, s->ip);

	bad = session_store_create(&f->ctx, id, false, "\xff", "Mozilla \xc3", NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(bad->ip, ==, "");
	g_assert_cmpstr(bad->user_agent, ==, "");
}

static void test_session_idle(fixture *f, gconstpointer data)
{
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	g_autofree char *token = NULL;
	g_autoptr(session) s = session_ok(f, id, false, &token);
	session *x;

	/* Within a minute nothing is written. */
	fake_now = T0 + 30;
	x = lookup(f, token);
	g_assert_cmpstr(x->last_seen_at, ==, "2026-11-26T13:30:00Z");
	session_free(x);
	fake_now = T0 + 61;
	x = lookup(f, token);
	g_assert_cmpstr(x->last_seen_at, ==, "2026-11-26T13:31:01Z");
	session_free(x);

	/* Idle exactly the limit: still live, and seen again now. */
	fake_now = T0 + 61 + SESSION_IDLE_SECONDS;
	x = lookup(f, token);
	g_assert_nonnull(x);
	session_free(x);
	/* One second more than the limit: gone, and deleted. */
	fake_now += SESSION_IDLE_SECONDS + 1;
	g_assert_null(lookup(f, token));
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session", NULL), ==, 0);
}

static void test_session_absolute(fixture *f, gconstpointer data)
{
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	g_autofree char *token = NULL;
	g_autoptr(session) s = session_ok(f, id, false, &token);
	session *x;

	/* Used every hour: the idle limit never strikes, the absolute one
	 * does. */
	for (int h = 1; h <= SESSION_ABSOLUTE_SECONDS / 3600; h++) {
		fake_now = T0 + (int64_t)h * 3600;
		x = lookup(f, token);
		g_assert_nonnull(x);
		session_free(x);
	}
	fake_now = T0 + SESSION_ABSOLUTE_SECONDS + 1;
	g_assert_null(lookup(f, token));
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session", NULL), ==, 0);
}

static void test_session_delete_all(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t anna = create_ok(f, "anna@example.org", "Anna");
	int64_t bert = create_ok(f, "bert@example.org", "Bert");
	g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *tb = NULL;
	g_autoptr(session) s1 = session_ok(f, anna, false, &t1);
	g_autoptr(session) s2 = session_ok(f, anna, false, &t2);
	g_autoptr(session) s3 = session_ok(f, anna, false, &t3);
	g_autoptr(session) sb = session_ok(f, bert, false, &tb);
	session *x;

	g_assert_cmpint(session_store_delete_all(&f->ctx, anna, s2->id, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_null(lookup(f, t1));
	g_assert_null(lookup(f, t3));
	x = lookup(f, t2);
	g_assert_nonnull(x);
	session_free(x);
	x = lookup(f, tb);
	g_assert_nonnull(x);
	session_free(x);

	g_assert_cmpint(session_store_delete_all(&f->ctx, anna, 0, &err), ==, 0);
	g_assert_null(lookup(f, t2));
	x = lookup(f, tb);
	g_assert_nonnull(x);
	session_free(x);
}

static void test_session_list(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t anna = create_ok(f, "anna@example.org", "Anna");
	int64_t bert = create_ok(f, "bert@example.org", "Bert");
	g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	g_autoptr(session) s1 = session_ok(f, anna, false, &t1);
	g_autoptr(session) s2 = NULL;
	g_autoptr(session) s3 = NULL;
	g_autoptr(session) sb = session_ok(f, bert, false, NULL);
	json_t *list, *e;

	fake_now = T0 + 600;
	s2 = session_ok(f, anna, false, &t2);
	fake_now = T0 + 1200;
	s3 = session_ok(f, anna, false, &t3);

	list = session_store_list(&f->ctx, anna, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 3);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, s3->id);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 2), "id")), ==, s1->id);
	e = json_array_get(list, 0);
	g_assert_cmpstr(json_string_value(json_object_get(e, "created_at")), ==,
			"2026-11-26T13:50:00Z");
	g_assert_cmpstr(json_string_value(json_object_get(e, "last_seen_at")), ==,
			"2026-11-26T13:50:00Z");
	g_assert_cmpstr(json_string_value(json_object_get(e, "ip")), ==, "192.0.2.1");
	g_assert_cmpstr(json_string_value(json_object_get(e, "user_agent")), ==,
			"Mozilla/5.0 (Test)");
	json_decref(list);

	/* s1 idles out; s2 and s3 are kept alive. Expired sessions are not
	 * listed even before anything deleted them. */
	fake_now = T0 + SESSION_IDLE_SECONDS + 300;
	session_free(lookup(f, t2));
	session_free(lookup(f, t3));
	fake_now = T0 + SESSION_IDLE_SECONDS + 400;
	list = session_store_list(&f->ctx, anna, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(json_array_size(list), ==, 2);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 1), "id")), ==, s2->id);
	json_decref(list);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session", NULL), ==, 4);

	/* The purge removes s1 and Bert's idle session. */
	g_assert_cmpint(session_store_purge_expired(&f->ctx, &err), ==, 2);
	g_assert_no_error(err);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session", NULL), ==, 2);

	/* A new login removes its own account's dead sessions. */
	fake_now = T0 + SESSION_ABSOLUTE_SECONDS + 1;
	g_autoptr(session) s4 = session_ok(f, anna, false, NULL);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM session", NULL), ==, 1);
}

/* ---- throttling --------------------------------------------------------- */

static int fail_ok(fixture *f, const char *key, int max_wait)
{
	g_autoptr(GError) err = NULL;
	int w = throttle_store_fail(&f->ctx, key, max_wait, &err);
	g_assert_no_error(err);
	g_assert_cmpint(w, >=, 0);
	return w;
}

static int wait_ok(fixture *f, const char *key)
{
	g_autoptr(GError) err = NULL;
	int w = throttle_store_wait(&f->ctx, key, &err);
	g_assert_no_error(err);
	g_assert_cmpint(w, >=, 0);
	return w;
}

static void test_throttle_account(fixture *f, gconstpointer data)
{
	const char *key = "account:anna@example.org";
	int want[] = {2, 4, 8, 16, 32, 60, 60, 60};

	g_assert_cmpint(wait_ok(f, key), ==, 0);
	for (int i = 0; i < THROTTLE_FREE_FAILURES; i++) {
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 0);
		g_assert_cmpint(wait_ok(f, key), ==, 0);
	}
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 2);
	g_assert_cmpint(wait_ok(f, key), ==, 2);
	fake_now += 1;
	g_assert_cmpint(wait_ok(f, key), ==, 1);
	fake_now += 1;
	g_assert_cmpint(wait_ok(f, key), ==, 0);

	for (size_t i = 1; i < G_N_ELEMENTS(want); i++) {
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, want[i]);
		g_assert_cmpint(wait_ok(f, key), ==, want[i]);
		fake_now += want[i];
		g_assert_cmpint(wait_ok(f, key), ==, 0);
	}

	/* Other keys are not affected; case and spaces do not make a new key. */
	g_assert_cmpint(wait_ok(f, "account:bert@example.org"), ==, 0);
	g_assert_cmpint(fail_ok(f, " ACCOUNT:Anna@Example.org", THROTTLE_ACCOUNT_MAX_WAIT), ==, 60);
	g_assert_cmpint(wait_ok(f, "account:ANNA@example.org"), ==, 60);
}

static void test_throttle_addr(fixture *f, gconstpointer data)
{
	const char *key = "addr:2001:db8::1";
	int w = 0;

	for (int i = 0; i < THROTTLE_FREE_FAILURES; i++)
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT), ==, 0);
	/* 2, 4 … 256, a second apart ... */
	for (int expect = 2; expect <= 256; expect *= 2) {
		w = fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT);
		g_assert_cmpint(w, ==, expect);
		fake_now += 1;
	}
	/* ... then 512 and the cap of 900, however often it fails. */
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT), ==, 512);
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT), ==, 900);
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT), ==, 900);
	g_assert_cmpint(wait_ok(f, key), ==, 900);
	for (int i = 0; i < 40; i++)
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ADDR_MAX_WAIT), ==, 900);
	/* The account cap of the same count would be 60. */
	for (int i = 0; i < 60; i++)
		fail_ok(f, "account:x@example.org", THROTTLE_ACCOUNT_MAX_WAIT);
	g_assert_cmpint(wait_ok(f, "account:x@example.org"), ==, 60);
}

static void test_throttle_window(fixture *f, gconstpointer data)
{
	const char *key = "account:anna@example.org";

	/* Five failures spread over the window still count together. */
	for (int i = 0; i < THROTTLE_FREE_FAILURES; i++) {
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 0);
		fake_now += THROTTLE_WINDOW_SECONDS / 5 - 1;
	}
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 2);

	/* Once the window since the first failure has passed, the count
	 * starts again. */
	fake_now = T0 + THROTTLE_WINDOW_SECONDS + 1;
	for (int i = 0; i < THROTTLE_FREE_FAILURES; i++)
		g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 0);
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 2);
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 4);
}

static void test_throttle_clear(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const char *key = "account:anna@example.org";
	g_autofree char *long_key = NULL;
	GString *lk = g_string_new("account:");

	for (int i = 0; i < THROTTLE_FREE_FAILURES + 3; i++)
		fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT);
	g_assert_cmpint(wait_ok(f, key), ==, 8);
	g_assert_cmpint(throttle_store_clear(&f->ctx, "Account:Anna@example.org", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(wait_ok(f, key), ==, 0);
	g_assert_cmpint(fail_ok(f, key, THROTTLE_ACCOUNT_MAX_WAIT), ==, 0);

	/* Overlong and broken keys are throttled like any other. */
	while (lk->len < 5000)
		g_string_append(lk, "sehr-lang-");
	long_key = g_string_free(lk, FALSE);
	for (int i = 0; i < THROTTLE_FREE_FAILURES + 1; i++)
		fail_ok(f, long_key, THROTTLE_ACCOUNT_MAX_WAIT);
	g_assert_cmpint(wait_ok(f, long_key), ==, 2);
	for (int i = 0; i < THROTTLE_FREE_FAILURES + 1; i++)
		fail_ok(f, "addr:\xff\xfe", THROTTLE_ADDR_MAX_WAIT);
	g_assert_cmpint(wait_ok(f, "addr:\xff\xfe"), ==, 2);
	g_assert_cmpint(query_int(f->d, "SELECT max(length(key)) FROM login_throttle", NULL), <=,
			200);

	/* The purge keeps rows whose window or wait still runs. */
	g_assert_cmpint(throttle_store_purge(&f->ctx, &err), ==, 0);
	fake_now += THROTTLE_WINDOW_SECONDS + 1;
	g_assert_cmpint(throttle_store_purge(&f->ctx, &err), ==, 3);
	g_assert_no_error(err);
}

/* ---- second factor ------------------------------------------------------ */

static void test_totp(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	int64_t other = create_ok(f, "bert@example.org", "Bert");
	char *codes[] = {"abcd-efgh-jkmn", "pqrs-tuvw-xyz2", "3456-789a-bcde", NULL};
	char *codes2[] = {"new1-new2-new3", NULL};
	char *other_codes[] = {"bert-bert-bert", NULL};
	g_autofree char *digest = NULL;
	account *a;

	/* Enabling needs a secret first. */
	g_assert_cmpint(account_store_totp_enable(&f->ctx, id, 100, codes, &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 0);

	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, id, "not base32!", &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, id, "JBSWY3DPEHPK3PXP", &err), ==, 0);
	/* A pending secret may be replaced. */
	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, id, "GEZDGNBVGY3TQOJQ", &err), ==, 0);
	g_assert_no_error(err);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_cmpstr(a->totp_secret, ==, "GEZDGNBVGY3TQOJQ");
	g_assert_false(a->totp_enabled);
	account_free(a);

	g_assert_cmpint(account_store_totp_enable(&f->ctx, id, 100, codes, &err), ==, 0);
	g_assert_no_error(err);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_true(a->totp_enabled);
	g_assert_cmpint(a->totp_last_step, ==, 100);
	account_free(a);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 3);

	/* The codes are stored as digests only. */
	digest = token_digest(codes[0]);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM recovery_code WHERE code_digest = $1",
				  digest), ==, 1);
	g_assert_cmpint(query_int(f->d, "SELECT count(*) FROM recovery_code WHERE code_digest = $1",
				  codes[0]), ==, 0);

	/* An enabled factor's secret is not replaced. */
	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, id, "JBSWY3DPEHPK3PXP", &err), ==, -1);
	assert_db_error(err, DB_CONSTRAINT);
	g_clear_error(&err);

	/* Time steps only move forward. */
	g_assert_cmpint(account_store_totp_used_step(&f->ctx, id, 100, &err), ==, 1);
	g_assert_cmpint(account_store_totp_used_step(&f->ctx, id, 99, &err), ==, 1);
	g_assert_cmpint(account_store_totp_used_step(&f->ctx, id, 101, &err), ==, 0);
	g_assert_cmpint(account_store_totp_used_step(&f->ctx, id, 101, &err), ==, 1);
	g_assert_no_error(err);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_cmpint(a->totp_last_step, ==, 101);
	account_free(a);

	/* Each recovery code works once, and only for its own account. */
	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, other, "JBSWY3DPEHPK3PXP", &err), ==, 0);
	g_assert_cmpint(account_store_totp_enable(&f->ctx, other, 5, other_codes, &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, codes[1], &err), ==, 1);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, codes[1], &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, "zzzz-zzzz-zzzz", &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, other_codes[0], &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, "", &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 2);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, other, &err), ==, 1);

	/* Enabling again replaces the codes. */
	g_assert_cmpint(account_store_totp_enable(&f->ctx, id, 50, codes2, &err), ==, 0);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 1);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, codes[0], &err), ==, 0);
	g_assert_cmpint(account_store_recovery_use(&f->ctx, id, codes2[0], &err), ==, 1);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_cmpint(a->totp_last_step, ==, 101); /* never back */
	account_free(a);

	g_assert_cmpint(account_store_totp_disable(&f->ctx, id, &err), ==, 0);
	g_assert_no_error(err);
	a = account_store_get(&f->ctx, id, &err);
	g_assert_false(a->totp_enabled);
	g_assert_null(a->totp_secret);
	account_free(a);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 0);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, other, &err), ==, 1);
	g_assert_cmpint(account_store_totp_disable(&f->ctx, id + 100, &err), ==, -1);
	g_assert_nonnull(err);
}

/* Inside a caller's transaction the store joins it: the caller's rollback
 * takes the store's writes with it. */
static void test_totp_joins_transaction(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = create_ok(f, "anna@example.org", "Anna");
	char *codes[] = {"abcd-efgh-jkmn", NULL};
	account *a;

	g_assert_cmpint(account_store_totp_set_secret(&f->ctx, id, "JBSWY3DPEHPK3PXP", &err), ==, 0);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_true(db_in_transaction(f->d));
	g_assert_cmpint(account_store_totp_enable(&f->ctx, id, 7, codes, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(db_in_transaction(f->d));
	db_rollback(f->d);
	g_assert_false(db_in_transaction(f->d));
	a = account_store_get(&f->ctx, id, &err);
	g_assert_false(a->totp_enabled);
	account_free(a);
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 0);

	/* On its own it commits. */
	g_assert_cmpint(account_store_totp_enable(&f->ctx, id, 7, codes, &err), ==, 0);
	g_assert_false(db_in_transaction(f->d));
	g_assert_cmpint(account_store_recovery_left(&f->ctx, id, &err), ==, 1);
	g_assert_no_error(err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (token_init() != 0)
		return 1;
	account_store_set_clock_for_tests(fake_clock);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/account/create-get", test_create_get);
	ADD("/account/umlaut-email", test_umlaut_email);
	ADD("/account/create-invalid", test_create_invalid);
	ADD("/account/updates", test_updates);
	ADD("/account/role-names", test_role_names);
	ADD("/account/roles", test_roles);
	ADD("/account/list", test_list);
	ADD("/session/basic", test_session_basic);
	ADD("/session/clip", test_session_clip);
	ADD("/session/idle", test_session_idle);
	ADD("/session/absolute", test_session_absolute);
	ADD("/session/delete-all", test_session_delete_all);
	ADD("/session/list", test_session_list);
	ADD("/throttle/account", test_throttle_account);
	ADD("/throttle/addr", test_throttle_addr);
	ADD("/throttle/window", test_throttle_window);
	ADD("/throttle/clear", test_throttle_clear);
	ADD("/totp/state", test_totp);
	ADD("/totp/joins-transaction", test_totp_joins_transaction);
#undef ADD
	return g_test_run();
}
