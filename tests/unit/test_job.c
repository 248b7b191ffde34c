/*
 * test_job.c — unit tests of the job queue (src/jobs): enqueue, claim, run,
 * retry with backoff, permanent failure, leases that run out, dedupe keys,
 * enqueueing inside a transaction, the admin functions, the built-in kinds,
 * and two runner threads on two connections running 500 jobs exactly once.
 *
 * Runs on the backend the environment chooses (tests/unit/test_dbenv.h).
 * Time comes from a fake clock the tests move forward, except in the runner
 * test, where it stands still (so no lease can run out).
 */
#include "db/db.h"
#include "jobs/builtin.h"
#include "jobs/job.h"
#include "jobs/runner.h"
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
	bireg_ctx ctx;    /* installation (region 0) */
	int64_t region_a; /* slug "alpha" */
	int64_t region_b; /* slug "beta" */
} fixture;

/* ---- a counting kind for the exactly-once tests -------------------------- */

static gint count_runs; /* handler invocations (atomic) */

static job_result count_handler(job_ctx *jc, json_t *payload, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db,
		"INSERT INTO job_test_effect (job_id, node, at) VALUES ($1, $2, $3)", err);

	g_atomic_int_inc(&count_runs);
	if (!st)
		return JOB_RETRY;
	job_iso_at(job_now(), now);
	db_bind_int64(st, 1, jc->id);
	db_bind_text(st, 2, jc->node);
	db_bind_text(st, 3, now);
	return db_run(st, err) < 0 ? JOB_RETRY : JOB_OK;
}

static const job_kind count_kind = {"test.count", count_handler, 5, 600, NULL};

/* A handler that checks it runs in its region's transaction. */
static int64_t seen_region;
static bool seen_transaction;

static job_result region_handler(job_ctx *jc, json_t *payload, GError **err)
{
	seen_region = jc->ctx.region_id;
	seen_transaction = db_in_transaction(jc->ctx.db);
	if (db_get_region(jc->ctx.db) != jc->ctx.region_id) {
		g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER, "wrong region scope");
		return JOB_FAIL;
	}
	return JOB_OK;
}

static const job_kind region_kind = {"test.region", region_handler, 1, 0, NULL};

/* ---- helpers ------------------------------------------------------------- */


/* A text column of job id (newly allocated, NULL for SQL NULL). */
static char *job_text(db *d, const char *col, int64_t id)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *sql = g_strdup_printf("SELECT %s FROM job WHERE id = $1", col);
	g_autoptr(db_stmt) st = db_prepare(d, sql, &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, id);
	g_assert_cmpint(db_step(st, &err), ==, DB_ROW);
	return g_strdup(db_col_text(st, 0));
}

static int64_t job_int(db *d, const char *col, int64_t id)
{
	g_autofree char *sql = g_strdup_printf("SELECT %s FROM job WHERE id = $1", col);
	return test_db_query_int(d, sql, id);
}

static void assert_state(db *d, int64_t id, const char *state)
{
	g_autofree char *s = job_text(d, "state", id);
	g_assert_cmpstr(s, ==, state);
}

static char *iso(int64_t t)
{
	char out[21];
	job_iso_at(t, out);
	return g_strdup(out);
}

/* Enqueues a job now; takes payload (may be NULL). */
static int64_t enqueue_ok(fixture *f, int64_t region, const char *kind, json_t *payload)
{
	g_autoptr(GError) err = NULL;
	int64_t id = 0;
	g_assert_cmpint(job_enqueue(&f->ctx, region, kind, payload, NULL, NULL, &id, &err), ==, 1);
	json_decref(payload);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

static job *claim_ok(fixture *f, const char *node)
{
	g_autoptr(GError) err = NULL;
	job *j = job_claim(f->d, node, &err);
	g_assert_no_error(err);
	g_assert_nonnull(j);
	return j;
}

static void claim_none(fixture *f, const char *node)
{
	g_autoptr(GError) err = NULL;
	job *j = job_claim(f->d, node, &err);
	g_assert_no_error(err);
	g_assert_null(j);
}

static int run_ok(fixture *f, job *j, const char *node)
{
	g_autoptr(GError) err = NULL;
	int r = job_run(f->d, j, node, &err);
	g_assert_no_error(err);
	g_assert_cmpint(r, >=, 0);
	return r;
}

static int64_t effects(fixture *f, int64_t job_id)
{
	return test_db_query_int(f->d, "SELECT count(*) FROM job_test_effect WHERE job_id = $1", job_id);
}

static void fx_setup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	fake_now = T0;
	job_set_clock_for_tests(fake_clock);
	account_store_set_clock_for_tests(fake_clock);
	job_register_builtin(true);
	job_register(&count_kind);
	job_register(&region_kind);
	f->d = test_db_open(&err);
	g_assert_no_error(err);
	g_assert_nonnull(f->d);
	test_db_exec(f->d, "INSERT INTO region (id, slug, name, created_at, updated_at) VALUES "
		      "(1, 'alpha', 'Bildungsregion Alpha', '2026-01-01T00:00:00Z', "
		      "'2026-01-01T00:00:00Z'), "
		      "(2, 'beta', 'Bildungsregion Beta', '2026-01-01T00:00:00Z', "
		      "'2026-01-01T00:00:00Z')");
	f->region_a = 1;
	f->region_b = 2;
	f->ctx = (bireg_ctx){.db = f->d};
	g_atomic_int_set(&count_runs, 0);
}

static void fx_teardown(fixture *f, gconstpointer data)
{
	test_db_dispose(f->d);
	job_set_clock_for_tests(NULL);
	account_store_set_clock_for_tests(NULL);
}

/* ---- enqueue, claim, finish ---------------------------------------------- */

static void test_enqueue_claim_finish(fixture *f, gconstpointer data)
{
	int64_t id = enqueue_ok(f, f->region_a, "test.record", json_pack("{s:i}", "n", 1));
	g_autoptr(job) j = NULL;
	g_autofree char *payload = NULL, *created = NULL, *finished = NULL, *locked = NULL;

	assert_state(f->d, id, "queued");
	g_assert_cmpint(job_int(f->d, "attempts", id), ==, 0);
	g_assert_cmpint(job_int(f->d, "max_attempts", id), ==, 3); /* the kind's */
	created = job_text(f->d, "created_at", id);
	g_assert_cmpstr(created, ==, "2026-11-26T13:30:00Z");

	j = claim_ok(f, "node-a");
	g_assert_cmpint(j->id, ==, id);
	g_assert_cmpint(j->region_id, ==, f->region_a);
	g_assert_cmpstr(j->kind, ==, "test.record");
	g_assert_cmpint(j->attempts, ==, 1);
	g_assert_true(strstr(j->payload, "\"n\"") != NULL);
	/* test.record has a 60 s lease */
	g_assert_cmpstr(j->locked_until, ==, "2026-11-26T13:31:00Z");
	assert_state(f->d, id, "running");
	locked = job_text(f->d, "locked_by", id);
	g_assert_cmpstr(locked, ==, "node-a");
	claim_none(f, "node-b"); /* nothing else is due */

	fake_now += 5;
	g_assert_cmpint(run_ok(f, j, "node-a"), ==, JOB_RAN_DONE);
	assert_state(f->d, id, "done");
	finished = job_text(f->d, "finished_at", id);
	g_assert_cmpstr(finished, ==, "2026-11-26T13:30:05Z");
	g_assert_null(job_text(f->d, "locked_by", id));
	g_assert_cmpint(effects(f, id), ==, 1);
	claim_none(f, "node-a");

	/* The payload is stored as given (an object). */
	payload = job_text(f->d, "payload", id);
	g_assert_true(strstr(payload, "\"n\"") != NULL);
}

static void test_claim_order(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *later = iso(T0 + 3600);
	g_autofree char *earlier = iso(T0 - 60);
	int64_t a = 0, b = 0, c = 0;

	g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", NULL, later, NULL, &a, &err), ==, 1);
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", NULL, NULL, NULL, &b, &err), ==, 1);
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", NULL, earlier, NULL, &c, &err), ==, 1);
	g_assert_no_error(err);
	{
		g_autoptr(job) j1 = claim_ok(f, "n");
		g_autoptr(job) j2 = claim_ok(f, "n");
		g_assert_cmpint(j1->id, ==, c); /* oldest run_at first */
		g_assert_cmpint(j2->id, ==, b);
		g_assert_cmpint(j1->region_id, ==, 0);
		run_ok(f, j1, "n");
		run_ok(f, j2, "n");
	}
	claim_none(f, "n"); /* a is not due yet */
	fake_now = T0 + 3600;
	{
		g_autoptr(job) j3 = claim_ok(f, "n");
		g_assert_cmpint(j3->id, ==, a);
	}
}

/* ---- failures ------------------------------------------------------------ */

static void test_backoff_times(fixture *f, gconstpointer data)
{
	g_assert_cmpint(job_backoff_seconds(1, 0), ==, 30);
	g_assert_cmpint(job_backoff_seconds(2, 0), ==, 60);
	g_assert_cmpint(job_backoff_seconds(3, 0), ==, 120);
	g_assert_cmpint(job_backoff_seconds(10, 0), ==, 30 * 512);
	g_assert_cmpint(job_backoff_seconds(11, 0), ==, 6 * 3600); /* 30 * 1024 > 6 h */
	g_assert_cmpint(job_backoff_seconds(1000, 0), ==, 6 * 3600);
	/* jitter takes off up to a fifth */
	g_assert_cmpint(job_backoff_seconds(1, 0.5), ==, 27);
	g_assert_cmpint(job_backoff_seconds(1, 0.9999), ==, 25);
	g_assert_cmpint(job_backoff_seconds(1000, 0.9999), >, 6 * 3600 * 4 / 5);
	for (int i = 0; i < 200; i++) {
		int s = job_backoff_seconds(3, g_random_double());
		g_assert_cmpint(s, >, 96);
		g_assert_cmpint(s, <=, 120);
	}
}

static void test_retry_with_backoff(fixture *f, gconstpointer data)
{
	int64_t id = enqueue_ok(f, f->region_a, "test.fail", NULL); /* 3 attempts */
	int64_t lo, hi, start;
	g_autofree char *err1 = NULL;

	for (int attempt = 1; attempt <= 2; attempt++) {
		g_autoptr(job) j = claim_ok(f, "node-a");
		g_autofree char *run_at = NULL, *low = NULL, *high = NULL;
		g_assert_cmpint(j->attempts, ==, attempt);
		start = fake_now;
		g_assert_cmpint(run_ok(f, j, "node-a"), ==, JOB_RAN_RETRY);
		assert_state(f->d, id, "queued");
		g_assert_cmpint(job_int(f->d, "attempts", id), ==, attempt);
		g_assert_null(job_text(f->d, "locked_by", id));
		g_assert_null(job_text(f->d, "finished_at", id));
		/* 30 s * 2^(attempt-1), less up to a fifth of jitter */
		hi = 30 << (attempt - 1);
		lo = hi - hi / 5;
		run_at = job_text(f->d, "run_at", id);
		low = iso(start + lo);
		high = iso(start + hi);
		g_assert_cmpstr(run_at, >=, low);
		g_assert_cmpstr(run_at, <=, high);
		/* not due before its time */
		fake_now = start + lo - 1;
		claim_none(f, "node-a");
		fake_now = start + hi;
	}
	err1 = job_text(f->d, "last_error", id);
	g_assert_true(strstr(err1, "test failure") != NULL);

	/* The third attempt is the last: failed for good. */
	{
		g_autoptr(job) j = claim_ok(f, "node-a");
		g_autofree char *finished = NULL;
		g_assert_cmpint(j->attempts, ==, 3);
		g_assert_cmpint(run_ok(f, j, "node-a"), ==, JOB_RAN_FAILED);
		assert_state(f->d, id, "failed");
		finished = job_text(f->d, "finished_at", id);
		g_assert_nonnull(finished);
	}
	fake_now += 24 * 3600;
	claim_none(f, "node-a");
}

static void test_permanent_failure(fixture *f, gconstpointer data)
{
	int64_t id = enqueue_ok(f, f->region_a, "test.fail", json_pack("{s:b}", "permanent", 1));
	g_autoptr(job) j = claim_ok(f, "node-a");
	g_autofree char *last = NULL;

	g_assert_cmpint(run_ok(f, j, "node-a"), ==, JOB_RAN_FAILED);
	assert_state(f->d, id, "failed");
	g_assert_cmpint(job_int(f->d, "attempts", id), ==, 1);
	last = job_text(f->d, "last_error", id);
	g_assert_cmpstr(last, ==, "test failure (permanent, as asked)");
}

/* A handler's writes are rolled back with a failed attempt. */
static job_result write_then_fail(job_ctx *jc, json_t *payload, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db,
		"INSERT INTO job_test_effect (job_id, node, at) VALUES ($1, 'x', 'y')", err);
	if (!st)
		return JOB_FAIL;
	db_bind_int64(st, 1, jc->id);
	if (db_run(st, err) < 0)
		return JOB_FAIL;
	g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER, "failed after writing");
	return JOB_RETRY;
}

static const job_kind write_fail_kind = {"test.write_fail", write_then_fail, 2, 0, NULL};

static void test_failure_rolls_back(fixture *f, gconstpointer data)
{
	int64_t id;
	job_register(&write_fail_kind);
	id = enqueue_ok(f, 0, "test.write_fail", NULL);
	{
		g_autoptr(job) j = claim_ok(f, "n");
		g_assert_cmpint(run_ok(f, j, "n"), ==, JOB_RAN_RETRY);
	}
	g_assert_cmpint(effects(f, id), ==, 0);
	fake_now += 60;
	{
		g_autoptr(job) j = claim_ok(f, "n");
		g_assert_cmpint(run_ok(f, j, "n"), ==, JOB_RAN_FAILED);
	}
	g_assert_cmpint(effects(f, id), ==, 0);
}

/* ---- leases -------------------------------------------------------------- */

static void test_lease_expiry(fixture *f, gconstpointer data)
{
	int64_t id = enqueue_ok(f, f->region_a, "test.record", NULL); /* lease 60 s */
	g_autoptr(job) ja = claim_ok(f, "node-a");
	g_autoptr(job) jb = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *last = NULL, *by = NULL;

	/* Within the lease nobody else gets it. */
	fake_now += 59;
	claim_none(f, "node-b");
	g_assert_cmpint(job_reclaim_expired(f->d, &err), ==, 0);
	/* Node a went quiet; after the lease node b takes over. */
	fake_now += 2;
	jb = claim_ok(f, "node-b");
	g_assert_cmpint(jb->id, ==, id);
	g_assert_cmpint(jb->attempts, ==, 2);
	by = job_text(f->d, "locked_by", id);
	g_assert_cmpstr(by, ==, "node-b");
	last = job_text(f->d, "last_error", id);
	g_assert_true(strstr(last, "node-a") != NULL);

	/* Node a comes back and finishes: its lease is gone, so its work is
	 * rolled back and does not count. */
	g_assert_cmpint(run_ok(f, ja, "node-a"), ==, JOB_RAN_LOST);
	g_assert_cmpint(effects(f, id), ==, 0);
	assert_state(f->d, id, "running");
	/* Node b's run counts, once. */
	g_assert_cmpint(run_ok(f, jb, "node-b"), ==, JOB_RAN_DONE);
	assert_state(f->d, id, "done");
	g_assert_cmpint(effects(f, id), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job_test_effect WHERE job_id = $1 "
				  "AND node = 'node-b'", id), ==, 1);
}

static void test_lease_expiry_last_attempt(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	job_spec spec = {.kind = "test.record", .max_attempts = 1};
	int64_t id = 0;
	g_autoptr(job) j = NULL;
	g_autofree char *finished = NULL;

	g_assert_cmpint(job_enqueue_spec(&f->ctx, &spec, &id, &err), ==, 1);
	j = claim_ok(f, "node-a");
	fake_now += 3600;
	g_assert_cmpint(job_reclaim_expired(f->d, &err), ==, 1);
	g_assert_no_error(err);
	assert_state(f->d, id, "failed");
	finished = job_text(f->d, "finished_at", id);
	g_assert_nonnull(finished);
	claim_none(f, "node-b");
	/* The late node cannot mark it done either. */
	g_assert_cmpint(run_ok(f, j, "node-a"), ==, JOB_RAN_LOST);
	assert_state(f->d, id, "failed");
	g_assert_cmpint(effects(f, id), ==, 0);
}

/* ---- enqueue details ----------------------------------------------------- */

static void test_dedupe(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t a = 0, b = 0, c = 0;

	g_assert_cmpint(job_enqueue(&f->ctx, 0, "session.cleanup", NULL, NULL,
				    "session.cleanup:2026-11-26T13", &a, &err), ==, 1);
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "session.cleanup", NULL, NULL,
				    "session.cleanup:2026-11-26T13", &b, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(a, >, 0);
	g_assert_cmpint(b, ==, a);
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "session.cleanup", NULL, NULL,
				    "session.cleanup:2026-11-26T14", &c, &err), ==, 1);
	g_assert_cmpint(c, !=, a);
	/* No key: no limit. */
	enqueue_ok(f, 0, "session.cleanup", NULL);
	enqueue_ok(f, 0, "session.cleanup", NULL);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE kind = 'session.cleanup'", 0),
			==, 4);
	/* The key stays taken after the job ran. */
	{
		g_autoptr(job) j = claim_ok(f, "n");
		run_ok(f, j, "n");
	}
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "session.cleanup", NULL, NULL,
				    "session.cleanup:2026-11-26T13", &b, &err), ==, 0);
	g_assert_cmpint(b, ==, a);
}

static void test_enqueue_joins_transaction(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t id = 0;

	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(job_enqueue(&f->ctx, f->region_a, "test.record", NULL, NULL, "k1", &id, &err),
			==, 1);
	g_assert_true(db_in_transaction(f->d));
	db_rollback(f->d);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job", 0), ==, 0);
	/* The key is free again. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(job_enqueue(&f->ctx, f->region_a, "test.record", NULL, NULL, "k1", &id, &err),
			==, 1);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE dedupe_key = 'k1'", 0), ==, 1);
}

static void test_enqueue_invalid(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	json_t *arr = json_array();
	static const char *const bad_kinds[] = {"", "nodot", "Mail.send", "mail.", ".send",
						"mail..send", "mail.sénd", "mail send.x"};

	for (size_t i = 0; i < G_N_ELEMENTS(bad_kinds); i++) {
		g_assert_cmpint(job_enqueue(&f->ctx, 0, bad_kinds[i], NULL, NULL, NULL, NULL, &err),
				==, -1);
		g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID);
		g_clear_error(&err);
	}
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "mail.unknown", NULL, NULL, NULL, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_UNKNOWN_KIND);
	g_clear_error(&err);
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", arr, NULL, NULL, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID);
	g_clear_error(&err);
	json_decref(arr);
	static const char *const bad_times[] = {"2026-11-26", "2026-11-26 13:30:00Z",
						"2026-11-26T13:30:00+01:00", "2026-13-26T13:30:00Z"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad_times); i++) {
		g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", NULL, bad_times[i], NULL, NULL,
					    &err), ==, -1);
		g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID);
		g_clear_error(&err);
	}
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "test.record", NULL, NULL, "", NULL, &err), ==, -1);
	g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID);
	g_clear_error(&err);
	/* A region that does not exist: the foreign key refuses. */
	g_assert_cmpint(job_enqueue(&f->ctx, 99, "test.record", NULL, NULL, NULL, NULL, &err), ==, -1);
	g_assert_error(err, BIREG_DB_ERROR, DB_CONSTRAINT);
	g_clear_error(&err);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job", 0), ==, 0);
}

/* ---- admin functions ----------------------------------------------------- */

static void test_list_scope(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	bireg_ctx in_a = {.db = f->d, .region_id = f->region_a};
	bireg_ctx in_b = {.db = f->d, .region_id = f->region_b};
	int64_t a = enqueue_ok(f, f->region_a, "test.record", NULL);
	int64_t b = enqueue_ok(f, f->region_b, "test.record", NULL);
	int64_t inst = enqueue_ok(f, 0, "session.cleanup", NULL);
	json_t *list, *one;

	list = job_list(&in_a, NULL, 100, &err);
	g_assert_no_error(err);
	g_assert_cmpint(json_array_size(list), ==, 2);
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, inst);
	g_assert_true(json_is_null(json_object_get(json_array_get(list, 0), "region_id")));
	g_assert_cmpint(json_integer_value(json_object_get(json_array_get(list, 1), "id")), ==, a);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 1), "state")), ==,
			"queued");
	json_decref(list);
	list = job_list(&f->ctx, NULL, 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 3);
	json_decref(list);
	list = job_list(&f->ctx, NULL, 1, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);
	list = job_list(&in_b, "queued", 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 2);
	json_decref(list);
	list = job_list(&in_b, "failed", 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);
	list = job_list(&f->ctx, "bogus", 100, &err);
	g_assert_null(list);
	g_assert_error(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID);
	g_clear_error(&err);

	/* Installation jobs that are done drop out of a region's list (the
	 * hourly clean-up would crowd it); the CLI still sees them. */
	test_db_exec(f->d, "UPDATE job SET state = 'done', finished_at = '2026-11-26T13:30:00Z' "
		      "WHERE kind = 'session.cleanup'");
	list = job_list(&in_a, NULL, 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);
	list = job_list(&in_a, "done", 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 0);
	json_decref(list);
	list = job_list(&f->ctx, "done", 100, &err);
	g_assert_cmpint(json_array_size(list), ==, 1);
	json_decref(list);

	one = job_get(&in_b, a, &err);
	g_assert_null(one); /* another region's */
	g_assert_no_error(err);
	one = job_get(&in_b, b, &err);
	g_assert_nonnull(one);
	json_decref(one);
}

static void test_retry_cancel(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	bireg_ctx in_a = {.db = f->d, .region_id = f->region_a};
	bireg_ctx in_b = {.db = f->d, .region_id = f->region_b};
	job_spec spec = {.region_id = f->region_a, .kind = "test.fail", .max_attempts = 1};
	job_spec inst_spec = {.kind = "test.fail", .max_attempts = 1};
	int64_t failed = 0, inst = 0, queued;
	g_autofree char *run_at = NULL;

	g_assert_cmpint(job_enqueue_spec(&f->ctx, &spec, &failed, &err), ==, 1);
	g_assert_cmpint(job_enqueue_spec(&f->ctx, &inst_spec, &inst, &err), ==, 1);
	for (int i = 0; i < 2; i++) {
		g_autoptr(job) j = claim_ok(f, "n");
		g_assert_cmpint(run_ok(f, j, "n"), ==, JOB_RAN_FAILED);
	}
	assert_state(f->d, failed, "failed");
	queued = enqueue_ok(f, f->region_a, "test.record", NULL);

	/* Scope: another region's job, the installation's, a missing one. */
	g_assert_cmpint(job_retry(&in_b, failed, &err), ==, JOB_CHANGE_NOT_FOUND);
	g_assert_cmpint(job_retry(&in_a, inst, &err), ==, JOB_CHANGE_NOT_FOUND);
	g_assert_cmpint(job_retry(&in_a, 9999, &err), ==, JOB_CHANGE_NOT_FOUND);
	g_assert_cmpint(job_retry(&in_a, queued, &err), ==, JOB_CHANGE_WRONG_STATE);
	g_assert_no_error(err);
	assert_state(f->d, failed, "failed");

	fake_now += 600;
	g_assert_cmpint(job_retry(&in_a, failed, &err), ==, JOB_CHANGE_DONE);
	assert_state(f->d, failed, "queued");
	g_assert_cmpint(job_int(f->d, "attempts", failed), ==, 0);
	run_at = job_text(f->d, "run_at", failed);
	g_assert_cmpstr(run_at, ==, "2026-11-26T13:40:00Z");
	g_assert_null(job_text(f->d, "finished_at", failed));
	g_assert_cmpint(job_retry(&in_a, failed, &err), ==, JOB_CHANGE_WRONG_STATE);
	/* The CLI (region 0) may retry the installation's job. */
	g_assert_cmpint(job_retry(&f->ctx, inst, &err), ==, JOB_CHANGE_DONE);

	g_assert_cmpint(job_cancel(&in_b, queued, &err), ==, JOB_CHANGE_NOT_FOUND);
	g_assert_cmpint(job_cancel(&in_a, queued, &err), ==, JOB_CHANGE_DONE);
	assert_state(f->d, queued, "cancelled");
	g_assert_cmpint(job_cancel(&in_a, queued, &err), ==, JOB_CHANGE_WRONG_STATE);
	g_assert_no_error(err);
	/* A cancelled job is never claimed. */
	{
		g_autoptr(job) j1 = claim_ok(f, "n");
		g_autoptr(job) j2 = claim_ok(f, "n");
		g_assert_cmpint(j1->id, !=, queued);
		g_assert_cmpint(j2->id, !=, queued);
	}
	claim_none(f, "n");
}

/* ---- handlers' context --------------------------------------------------- */

static void test_handler_region(fixture *f, gconstpointer data)
{
	int64_t id = enqueue_ok(f, f->region_b, "test.region", NULL);
	g_autoptr(job) j = claim_ok(f, "n");

	seen_region = -1;
	g_assert_cmpint(run_ok(f, j, "n"), ==, JOB_RAN_DONE);
	g_assert_cmpint(seen_region, ==, f->region_b);
	g_assert_true(seen_transaction);
	assert_state(f->d, id, "done");
	/* The runner's connection is back to no region afterwards. */
	g_assert_cmpint(db_get_region(f->d), ==, 0);
}

static void test_unknown_kind_in_table(fixture *f, gconstpointer data)
{
	g_autoptr(job) j = NULL;
	int64_t id;
	g_autofree char *last = NULL;

	/* A job a newer node wrote, of a kind this node does not know. */
	test_db_exec(f->d, "INSERT INTO job (kind, payload, state, run_at, attempts, max_attempts, "
		      "created_at, updated_at) VALUES ('future.kind', '{}', 'queued', "
		      "'2026-11-26T13:00:00Z', 0, 5, '2026-11-26T13:00:00Z', '2026-11-26T13:00:00Z')");
	j = claim_ok(f, "n");
	id = j->id;
	g_assert_cmpint(run_ok(f, j, "n"), ==, JOB_RAN_RETRY);
	assert_state(f->d, id, "queued");
	last = job_text(f->d, "last_error", id);
	g_assert_true(strstr(last, "no handler for future.kind") != NULL);
}

/* ---- built-in kinds ------------------------------------------------------ */

static void run_all_due(fixture *f)
{
	g_autoptr(GError) err = NULL;
	int r;
	while ((r = job_run_next(f->d, "n", &err)) > 0)
		;
	g_assert_no_error(err);
	g_assert_cmpint(r, ==, 0);
}

static void test_schedule_recurring(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	/* cleanup, purge, 2 regions × (feedback.retention, register.retention) */
	g_assert_cmpint(job_schedule_recurring(&f->ctx, &err), ==, 6);
	g_assert_no_error(err);
	g_assert_cmpint(job_schedule_recurring(&f->ctx, &err), ==, 0);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE dedupe_key = "
				  "'session.cleanup:2026-11-26T13'", 0), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE dedupe_key = "
				  "'feedback.retention:2:2026-11-26' AND region_id = 2", 0), ==, 1);
	fake_now += 3600; /* a new hour, the same day */
	g_assert_cmpint(job_schedule_recurring(&f->ctx, &err), ==, 1);
	fake_now += 86400; /* a new day */
	g_assert_cmpint(job_schedule_recurring(&f->ctx, &err), ==, 6);
	run_all_due(f);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE state <> 'done'", 0), ==, 0);
}

static void test_session_cleanup(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	int64_t acc = account_store_create(&f->ctx, "anna@example.org", "Anna", "$argon2id$x", NULL,
					   0, &err);
	g_autofree char *sql = NULL;

	g_assert_no_error(err);
	/* one live, one idle too long, one past the absolute limit */
	sql = g_strdup_printf(
		"INSERT INTO session (token_digest, account_id, csrf_token, created_at, last_seen_at) "
		"VALUES ('d1', %" G_GINT64_FORMAT ", 'c', '2026-11-26T13:00:00Z', '2026-11-26T13:29:00Z'), "
		"('d2', %" G_GINT64_FORMAT ", 'c', '2026-11-26T10:00:00Z', '2026-11-26T11:00:00Z'), "
		"('d3', %" G_GINT64_FORMAT ", 'c', '2026-11-25T23:00:00Z', '2026-11-26T13:29:00Z')",
		acc, acc, acc);
	test_db_exec(f->d, sql);
	test_db_exec(f->d, "INSERT INTO login_throttle (key, failures, first_failure_at, wait_until) VALUES "
		      "('addr:old', 5, '2026-11-26T12:00:00Z', '2026-11-26T12:01:00Z'), "
		      "('addr:new', 5, '2026-11-26T13:25:00Z', '2026-11-26T13:26:00Z')");
	enqueue_ok(f, 0, "session.cleanup", NULL);
	run_all_due(f);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM session", 0), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM session WHERE token_digest = 'd1'", 0),
			==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM login_throttle", 0), ==, 1);
}

static void add_feedback(fixture *f, int64_t region, const char *status, const char *created)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(db_stmt) st = NULL;

	/* A region table: on PostgreSQL only visible in its region's scope. */
	db_set_region(f->d, region);
	st = db_prepare(f->d, "INSERT INTO accessibility_feedback (region_id, message, status, "
			      "created_at) VALUES ($1, 'Nachricht', $2, $3)", &err);
	g_assert_no_error(err);
	db_bind_int64(st, 1, region);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, created);
	g_assert_cmpint(db_run(st, &err), ==, DB_OK);
	g_assert_no_error(err);
	db_set_region(f->d, 0);
}

static int64_t feedback_count(fixture *f, int64_t region)
{
	int64_t n;
	db_set_region(f->d, region);
	n = test_db_query_int(f->d, "SELECT count(*) FROM accessibility_feedback WHERE region_id = $1", region);
	db_set_region(f->d, 0);
	return n;
}

static void test_feedback_retention(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	/* Region a keeps 30 days, region b the default (365). */
	test_db_exec(f->d, "UPDATE region SET settings = '{\"feedback_retention_days\":30}' WHERE id = 1");
	add_feedback(f, f->region_a, "closed", "2026-10-01T00:00:00Z"); /* gone */
	add_feedback(f, f->region_a, "closed", "2026-11-20T00:00:00Z"); /* kept: young */
	add_feedback(f, f->region_a, "answered", "2026-01-01T00:00:00Z"); /* kept: open */
	add_feedback(f, f->region_b, "closed", "2026-10-01T00:00:00Z"); /* kept: 365 days */
	add_feedback(f, f->region_b, "closed", "2025-10-01T00:00:00Z"); /* gone */
	g_assert_cmpint(job_enqueue(&f->ctx, f->region_a, "feedback.retention", NULL, NULL, NULL, NULL,
				    &err), ==, 1);
	g_assert_cmpint(job_enqueue(&f->ctx, f->region_b, "feedback.retention", NULL, NULL, NULL, NULL,
				    &err), ==, 1);
	run_all_due(f);
	g_assert_cmpint(feedback_count(f, f->region_a), ==, 2);
	g_assert_cmpint(feedback_count(f, f->region_b), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE state = 'done'", 0), ==, 2);
	/* Without a region the job fails at once. */
	g_assert_cmpint(job_enqueue(&f->ctx, 0, "feedback.retention", NULL, NULL, NULL, NULL, &err),
			==, 1);
	run_all_due(f);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE state = 'failed'", 0), ==, 1);
}

static void test_job_purge(fixture *f, gconstpointer data)
{
	int64_t old_done = enqueue_ok(f, 0, "test.record", NULL);
	int64_t old_failed, young_done;
	job_spec fail = {.kind = "test.fail", .max_attempts = 1};
	g_autoptr(GError) err = NULL;

	run_all_due(f);
	g_assert_cmpint(job_enqueue_spec(&f->ctx, &fail, &old_failed, &err), ==, 1);
	run_all_due(f);
	fake_now += 40 * 86400;
	young_done = enqueue_ok(f, 0, "test.record", NULL);
	run_all_due(f);
	enqueue_ok(f, 0, "job.purge", NULL);
	run_all_due(f);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE id = $1", old_done), ==, 0);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE id = $1", old_failed), ==, 1);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE id = $1", young_done), ==, 1);
	fake_now += 200 * 86400;
	enqueue_ok(f, 0, "job.purge", NULL);
	run_all_due(f);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE id = $1", old_failed), ==, 0);
}

/* ---- two runners, 500 jobs, each once ------------------------------------ */

static void test_two_runners_exactly_once(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	const int n = 500;
	job_runner_opts opts = {.database = test_db_url(f->d), .threads = 2, .poll_ms = 20};
	job_runner *r;
	gint64 deadline;
	int64_t done = 0;

	/* All 500 are written first, in one transaction, so the two threads
	 * compete for every one of them. */
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	for (int i = 0; i < n; i++)
		g_assert_cmpint(job_enqueue(&f->ctx, i % 2 ? f->region_a : f->region_b, "test.count",
					    NULL, NULL, NULL, NULL, &err), ==, 1);
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);

	r = job_runner_start(&opts, &err);
	g_assert_no_error(err);
	g_assert_nonnull(r);
	deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline) {
		done = test_db_query_int(f->d, "SELECT count(*) FROM job WHERE state = 'done'", 0);
		if (done == n)
			break;
		g_usleep(50 * 1000);
	}
	job_runner_stop(r);
	g_assert_cmpint(done, ==, n);
	g_assert_cmpint(g_atomic_int_get(&count_runs), ==, n);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job_test_effect", 0), ==, n);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(DISTINCT job_id) FROM job_test_effect", 0), ==, n);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job WHERE attempts <> 1", 0), ==, 0);
	g_assert_cmpint(test_db_query_int(f->d, "SELECT count(*) FROM job_test_effect e JOIN job j ON "
				  "j.id = e.job_id WHERE j.state = 'done'", 0), ==, n);
	/* Both threads (two nodes) took part. */
	g_test_message("nodes: %" G_GINT64_FORMAT,
		       test_db_query_int(f->d, "SELECT count(DISTINCT node) FROM job_test_effect", 0));
}

/* An enqueue wakes an idle runner at once, well before its poll interval. */
static void test_runner_wakes_on_enqueue(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	job_runner_opts opts = {.database = test_db_url(f->d), .threads = 1, .poll_ms = 60000};
	job_runner *r = job_runner_start(&opts, &err);
	int64_t id;
	gint64 start, deadline;

	g_assert_no_error(err);
	g_usleep(200 * 1000); /* let it look once and fall asleep */
	start = g_get_monotonic_time();
	id = enqueue_ok(f, f->region_a, "test.record", NULL);
	deadline = start + 10 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline && effects(f, id) == 0)
		g_usleep(10 * 1000);
	g_assert_cmpint(effects(f, id), ==, 1);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
	job_runner_stop(r);
	assert_state(f->d, id, "done");
}

/* A job enqueued inside a transaction wakes the runner before it is
 * visible; the runner looks again soon after and finds it once committed. */
static void test_runner_finds_job_after_commit(fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	job_runner_opts opts = {.database = test_db_url(f->d), .threads = 1, .poll_ms = 60000};
	job_runner *r = job_runner_start(&opts, &err);
	int64_t id = 0;
	gint64 committed, deadline;

	g_assert_no_error(err);
	g_usleep(200 * 1000);
	g_assert_cmpint(db_begin(f->d, &err), ==, DB_OK);
	g_assert_cmpint(job_enqueue(&f->ctx, f->region_a, "test.record", NULL, NULL, NULL, &id, &err),
			==, 1);
	g_usleep(50 * 1000); /* the runner looks and finds nothing yet */
	g_assert_cmpint(db_commit(f->d, &err), ==, DB_OK);
	g_assert_no_error(err);
	committed = g_get_monotonic_time();
	deadline = committed + 10 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline && effects(f, id) == 0)
		g_usleep(10 * 1000);
	g_assert_cmpint(effects(f, id), ==, 1);
	/* well before the 60 s poll */
	g_assert_cmpint(g_get_monotonic_time() - committed, <, 5 * G_USEC_PER_SEC);
	job_runner_stop(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("/job/enqueue_claim_finish", test_enqueue_claim_finish);
	ADD("/job/claim_order", test_claim_order);
	ADD("/job/backoff_times", test_backoff_times);
	ADD("/job/retry_with_backoff", test_retry_with_backoff);
	ADD("/job/permanent_failure", test_permanent_failure);
	ADD("/job/failure_rolls_back", test_failure_rolls_back);
	ADD("/job/lease_expiry", test_lease_expiry);
	ADD("/job/lease_expiry_last_attempt", test_lease_expiry_last_attempt);
	ADD("/job/dedupe", test_dedupe);
	ADD("/job/enqueue_joins_transaction", test_enqueue_joins_transaction);
	ADD("/job/enqueue_invalid", test_enqueue_invalid);
	ADD("/job/list_scope", test_list_scope);
	ADD("/job/retry_cancel", test_retry_cancel);
	ADD("/job/handler_region", test_handler_region);
	ADD("/job/unknown_kind_in_table", test_unknown_kind_in_table);
	ADD("/job/schedule_recurring", test_schedule_recurring);
	ADD("/job/session_cleanup", test_session_cleanup);
	ADD("/job/feedback_retention", test_feedback_retention);
	ADD("/job/job_purge", test_job_purge);
	ADD("/job/two_runners_exactly_once", test_two_runners_exactly_once);
	ADD("/job/runner_wakes_on_enqueue", test_runner_wakes_on_enqueue);
	ADD("/job/runner_finds_job_after_commit", test_runner_finds_job_after_commit);
	return g_test_run();
}
