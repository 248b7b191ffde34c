/*
 * job.c — the job table: enqueue, claim, run, retry, list (see job.h).
 *
 * Every statement here runs unchanged on SQLite and PostgreSQL except the
 * claim, whose subquery takes FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite
 * the claim's transaction is BEGIN IMMEDIATE (db_begin), whose write lock
 * already makes it exclusive.
 */
#include "jobs/job.h"

#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "db/db.h"

G_DEFINE_QUARK(bireg-job-error-quark, bireg_job_error)

#define MAX_KINDS 64
#define KIND_MAX_BYTES 100
#define DEDUPE_KEY_MAX_BYTES 200

/* ---- registry and plumbing (written at start only, see job.h) ---------- */

static const job_kind *kinds[MAX_KINDS];
static job_failure_fn failure_hooks[MAX_KINDS];
static int nkinds;

static void (*waker)(void *ud);
static void *waker_ud;

/* NULL: the real clock. Set only by tests, before any other thread runs. */
static int64_t (*clock_now)(void);

void job_register(const job_kind *k)
{
	for (int i = 0; i < nkinds; i++) {
		if (!strcmp(kinds[i]->kind, k->kind)) {
			kinds[i] = k;
			return;
		}
	}
	g_return_if_fail(nkinds < MAX_KINDS);
	kinds[nkinds++] = k;
}

void job_set_failure_hook(const char *kind, job_failure_fn hook)
{
	for (int i = 0; kind && i < nkinds; i++) {
		if (!strcmp(kinds[i]->kind, kind)) {
			failure_hooks[i] = hook;
			return;
		}
	}
	g_return_if_reached();
}

/* The failure hook of kind, or NULL. */
static job_failure_fn failure_hook(const char *kind)
{
	for (int i = 0; kind && i < nkinds; i++)
		if (!strcmp(kinds[i]->kind, kind))
			return failure_hooks[i];
	return NULL;
}

const job_kind *job_kind_find(const char *kind)
{
	for (int i = 0; kind && i < nkinds; i++)
		if (!strcmp(kinds[i]->kind, kind))
			return kinds[i];
	return NULL;
}

static int kind_max_attempts(const job_kind *k)
{
	return k && k->max_attempts > 0 ? k->max_attempts : JOB_DEFAULT_MAX_ATTEMPTS;
}

static int kind_lease(const job_kind *k)
{
	return k && k->lease_seconds > 0 ? k->lease_seconds : JOB_DEFAULT_LEASE_SECONDS;
}

void job_set_waker(void (*wake)(void *ud), void *ud)
{
	waker = wake;
	waker_ud = ud;
}

void job_set_clock_for_tests(int64_t (*now)(void))
{
	clock_now = now;
}

int64_t job_now(void)
{
	return clock_now ? clock_now() : g_get_real_time() / G_USEC_PER_SEC;
}

void job_iso_at(int64_t t, char out[static 21])
{
	util_iso_at(t, out);
}

/* ---- checks -------------------------------------------------------------- */

#define job_fail(err, code, ...) util_fail(err, BIREG_JOB_ERROR, code, __VA_ARGS__)

/* "area.what": lower-case letters, digits, '_' and at least one inner dot. */
static bool kind_valid(const char *k)
{
	size_t len = k ? strlen(k) : 0;
	bool dot = false;

	if (len < 3 || len > KIND_MAX_BYTES || !g_ascii_islower(k[0]) || k[len - 1] == '.')
		return false;
	for (const char *p = k; *p; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return false;
			dot = true;
		} else if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_') {
			return false;
		}
	}
	return dot;
}

/* Exactly "YYYY-MM-DDTHH:MM:SSZ" and a real time. */
static bool iso_valid(const char *s)
{
	static const char shape[] = "9999-99-99T99:99:99Z";
	g_autoptr(GDateTime) dt = NULL;

	if (!s || strlen(s) != sizeof shape - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '9' ? !g_ascii_isdigit(s[i]) : s[i] != shape[i])
			return false;
	}
	dt = g_date_time_new_from_iso8601(s, NULL);
	return dt != NULL;
}

bool job_state_valid(const char *s)
{
	static const char *const states[] = {"queued", "running", "done", "failed", "cancelled"};
	for (size_t i = 0; s && i < G_N_ELEMENTS(states); i++)
		if (!strcmp(s, states[i]))
			return true;
	return false;
}

/* At most max bytes of s, cut at a character boundary. Newly allocated. */
static char *clip_utf8(const char *s, size_t max)
{
	const char *end;

	if (!s)
		s = "";
	if (!g_utf8_validate(s, -1, &end))
		s = "(error message not valid UTF-8)";
	if (strlen(s) <= max)
		return g_strdup(s);
	end = g_utf8_find_prev_char(s, s + max + 1);
	return g_strndup(s, (gsize)(end ? end - s : 0));
}

/* ---- enqueue ------------------------------------------------------------- */

int job_enqueue_spec(const bireg_ctx *ctx, const job_spec *spec, int64_t *id_out, GError **err)
{
	const job_kind *k = job_kind_find(spec->kind);
	char now[21];
	g_autofree char *payload = NULL;
	g_autoptr(db_stmt) st = NULL;
	int max_attempts = spec->max_attempts > 0 ? spec->max_attempts : kind_max_attempts(k);
	int r;

	if (id_out)
		*id_out = 0;
	if (!kind_valid(spec->kind))
		return job_fail(err, JOB_ERROR_INVALID, "job kind must look like area.what");
	if (!k)
		return job_fail(err, JOB_ERROR_UNKNOWN_KIND, "no job kind %s is registered",
				spec->kind);
	if (spec->payload && !json_is_object(spec->payload))
		return job_fail(err, JOB_ERROR_INVALID, "job payload must be a JSON object");
	if (spec->run_at && !iso_valid(spec->run_at))
		return job_fail(err, JOB_ERROR_INVALID, "run_at must be YYYY-MM-DDTHH:MM:SSZ");
	if (spec->dedupe_key && (!*spec->dedupe_key || strlen(spec->dedupe_key) > DEDUPE_KEY_MAX_BYTES ||
				 !g_utf8_validate(spec->dedupe_key, -1, NULL)))
		return job_fail(err, JOB_ERROR_INVALID, "dedupe key must have 1 to %d bytes of UTF-8",
				DEDUPE_KEY_MAX_BYTES);
	if (max_attempts > 100)
		return job_fail(err, JOB_ERROR_INVALID, "max_attempts must be 1 to 100");

	payload = spec->payload ? json_dumps(spec->payload, JSON_COMPACT | JSON_SORT_KEYS)
				: g_strdup("{}");
	job_iso_at(job_now(), now);
	/* One statement: inside the caller's transaction when one is open, so
	 * the job commits or rolls back with the change that caused it. */
	st = db_prepare(ctx->db,
		"INSERT INTO job (region_id, kind, payload, state, run_at, attempts, max_attempts, "
		"dedupe_key, created_at, updated_at) "
		"VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, $7, $7) "
		"ON CONFLICT (dedupe_key) DO NOTHING RETURNING id", err);
	if (!st)
		return -1;
	if (spec->region_id > 0)
		db_bind_int64(st, 1, spec->region_id);
	else
		db_bind_null(st, 1);
	db_bind_text(st, 2, spec->kind);
	db_bind_text(st, 3, payload);
	db_bind_text(st, 4, spec->run_at ? spec->run_at : now);
	db_bind_int64(st, 5, max_attempts);
	db_bind_text(st, 6, spec->dedupe_key);
	db_bind_text(st, 7, now);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r == DB_ROW) {
		if (id_out)
			*id_out = db_col_int64(st, 0);
		db_reset(st);
		if (waker)
			waker(waker_ud);
		return 1;
	}
	db_reset(st);
	/* DO NOTHING: the key is taken; report whose it is. */
	if (id_out && spec->dedupe_key) {
		g_autoptr(db_stmt) q = db_prepare(ctx->db, "SELECT id FROM job WHERE dedupe_key = $1", err);
		if (!q)
			return -1;
		db_bind_text(q, 1, spec->dedupe_key);
		r = db_step(q, err);
		if (r < 0)
			return -1;
		if (r == DB_ROW)
			*id_out = db_col_int64(q, 0);
	}
	return 0;
}

int job_enqueue(const bireg_ctx *ctx, int64_t region_id, const char *kind, json_t *payload,
		const char *run_at, const char *dedupe_key, int64_t *id_out, GError **err)
{
	job_spec spec = {
		.region_id = region_id,
		.kind = kind,
		.payload = payload,
		.run_at = run_at,
		.dedupe_key = dedupe_key,
	};
	return job_enqueue_spec(ctx, &spec, id_out, err);
}

/* ---- claim --------------------------------------------------------------- */

void job_free(job *j)
{
	if (!j)
		return;
	g_free(j->kind);
	g_free(j->payload);
	g_free(j->locked_until);
	g_free(j);
}

int64_t job_reclaim_expired(struct db *d, GError **err)
{
	char now[21];
	int64_t n;
	g_autoptr(db_stmt) st = db_prepare(d,
		"UPDATE job SET "
		"state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
		"finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, "
		"last_error = 'the lease ran out before the job finished (node ' || locked_by || ')', "
		"locked_by = NULL, locked_until = NULL, updated_at = $1 "
		"WHERE state = 'running' AND locked_until < $1", err);

	if (!st)
		return -1;
	job_iso_at(job_now(), now);
	db_bind_text(st, 1, now);
	if (db_run(st, err) < 0)
		return -1;
	n = db_changes(d);
	if (n > 0)
		log_warn("jobs: %" G_GINT64_FORMAT " jobs whose lease ran out were put back", n);
	return n;
}

static const char CLAIM_SQLITE[] =
	"UPDATE job SET state = 'running', locked_by = $1, locked_until = $2, "
	"attempts = attempts + 1, updated_at = $3 "
	"WHERE id = (SELECT id FROM job WHERE state = 'queued' AND run_at <= $3 "
	"ORDER BY run_at, id LIMIT 1) "
	"RETURNING id, region_id, kind, payload, attempts, max_attempts";

/* Nodes skip each other's locked rows instead of queueing behind them. */
static const char CLAIM_POSTGRES[] =
	"UPDATE job SET state = 'running', locked_by = $1, locked_until = $2, "
	"attempts = attempts + 1, updated_at = $3 "
	"WHERE id = (SELECT id FROM job WHERE state = 'queued' AND run_at <= $3 "
	"ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	"RETURNING id, region_id, kind, payload, attempts, max_attempts";

/* Is anything to do: a due job or a lease that ran out? A plain read, so
 * that an idle runner's look at the queue takes no write lock (SQLite) and
 * opens no write transaction (PostgreSQL). */
static int anything_due(struct db *d, const char *now, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(d,
		"SELECT 1 FROM job WHERE (state = 'queued' AND run_at <= $1) "
		"OR (state = 'running' AND locked_until < $1) LIMIT 1", err);
	int r;

	if (!st)
		return -1;
	db_bind_text(st, 1, now);
	r = db_step(st, err);
	return r < 0 ? -1 : r == DB_ROW;
}

job *job_claim(struct db *d, const char *node, GError **err)
{
	char now[21], until[21];
	int64_t t = job_now();
	g_autoptr(job) j = NULL;
	g_autoptr(db_stmt) st = NULL;
	const job_kind *k;
	int r;

	db_set_region(d, 0);
	job_iso_at(t, now);
	r = anything_due(d, now, err);
	if (r <= 0)
		return NULL;
	if (db_begin(d, err) < 0)
		return NULL;
	if (job_reclaim_expired(d, err) < 0)
		goto fail;
	job_iso_at(t + JOB_DEFAULT_LEASE_SECONDS, until);
	st = db_prepare(d, db_get_backend(d) == DB_BACKEND_POSTGRES ? CLAIM_POSTGRES : CLAIM_SQLITE,
			err);
	if (!st)
		goto fail;
	db_bind_text(st, 1, node);
	db_bind_text(st, 2, until);
	db_bind_text(st, 3, now);
	r = db_step(st, err);
	if (r < 0)
		goto fail;
	if (r == DB_ROW) {
		j = g_new0(job, 1);
		j->id = db_col_int64(st, 0);
		j->region_id = db_col_is_null(st, 1) ? 0 : db_col_int64(st, 1);
		j->kind = g_strdup(db_col_text(st, 2));
		j->payload = g_strdup(db_col_text(st, 3));
		j->attempts = (int)db_col_int64(st, 4);
		j->max_attempts = (int)db_col_int64(st, 5);
		j->locked_until = g_strdup(until);
	}
	db_reset(st);
	/* A kind with its own lease: set it in the same transaction. */
	k = j ? job_kind_find(j->kind) : NULL;
	if (k && kind_lease(k) != JOB_DEFAULT_LEASE_SECONDS) {
		g_autoptr(db_stmt) lease = db_prepare(d,
			"UPDATE job SET locked_until = $1 WHERE id = $2 AND locked_by = $3", err);
		if (!lease)
			goto fail;
		job_iso_at(t + kind_lease(k), until);
		db_bind_text(lease, 1, until);
		db_bind_int64(lease, 2, j->id);
		db_bind_text(lease, 3, node);
		if (db_run(lease, err) < 0)
			goto fail;
		g_free(j->locked_until);
		j->locked_until = g_strdup(until);
	}
	if (db_commit(d, err) < 0)
		return NULL;
	return g_steal_pointer(&j);
fail:
	db_rollback(d);
	return NULL;
}

/* ---- run ----------------------------------------------------------------- */

int job_backoff_seconds(int attempts, double jitter01)
{
	int64_t delay = JOB_BACKOFF_BASE_SECONDS;

	for (int i = 1; i < attempts && delay < JOB_BACKOFF_MAX_SECONDS; i++)
		delay *= 2;
	if (delay > JOB_BACKOFF_MAX_SECONDS)
		delay = JOB_BACKOFF_MAX_SECONDS;
	if (jitter01 < 0)
		jitter01 = 0;
	if (jitter01 >= 1)
		jitter01 = 0.999999;
	return (int)(delay - (int64_t)((double)delay / 5.0 * jitter01));
}

/* The handler's work and the state change to done, in one transaction.
 * Returns JOB_OK, JOB_RETRY/JOB_FAIL (rolled back, herr set), JOB_RAN_LOST
 * as -2, or -1 on a database error outside the handler (err). */
static int run_in_transaction(struct db *d, const job *j, const job_kind *k, const char *node,
			      job_ctx *jc, json_t *payload, GError **herr, GError **err)
{
	char now[21];
	job_result res;
	g_autoptr(db_stmt) st = NULL;

	/* The region scope (RLS) is taken when the transaction starts. */
	db_set_region(d, j->region_id);
	if (db_begin(d, err) < 0)
		return -1;
	res = k->handler(jc, payload, herr);
	if (res != JOB_OK) {
		db_rollback(d);
		if (herr && !*herr)
			g_set_error_literal(herr, BIREG_JOB_ERROR, JOB_ERROR_HANDLER,
					    "the handler failed without saying why");
		return res == JOB_FAIL ? JOB_FAIL : JOB_RETRY;
	}
	if (herr)
		g_clear_error(herr);
	if (!db_in_transaction(d)) {
		/* The handler committed or rolled back on its own: its writes are
		 * no longer tied to this job. A bug in the handler. */
		log_error("job %" G_GINT64_FORMAT " %s: the handler ended the job's transaction",
			  j->id, j->kind);
		g_set_error_literal(herr, BIREG_JOB_ERROR, JOB_ERROR_HANDLER,
				    "the handler ended the job's transaction (a bug)");
		return JOB_FAIL;
	}
	job_iso_at(job_now(), now);
	st = db_prepare(d,
		"UPDATE job SET state = 'done', locked_by = NULL, locked_until = NULL, "
		"last_error = NULL, finished_at = $3, updated_at = $3 "
		"WHERE id = $1 AND locked_by = $2 AND state = 'running'", err);
	if (!st)
		goto fail;
	db_bind_int64(st, 1, j->id);
	db_bind_text(st, 2, node);
	db_bind_text(st, 3, now);
	if (db_run(st, err) < 0)
		goto fail;
	if (db_changes(d) != 1) {
		/* Another node took the job over: its run counts, not ours. */
		db_rollback(d);
		return -2;
	}
	if (db_commit(d, err) < 0)
		return -1;
	return JOB_OK;
fail:
	db_rollback(d);
	return -1;
}

/* After a failed attempt: back to the queue with a backoff, or failed. */
static int record_failure(struct db *d, const job *j, const char *node, bool permanent,
			  const char *message, int *delay_out, GError **err)
{
	char now[21], next[21];
	int64_t t = job_now();
	bool give_up = permanent || j->attempts >= j->max_attempts;
	g_autofree char *msg = clip_utf8(message, JOB_LAST_ERROR_MAX_BYTES);
	g_autoptr(db_stmt) st = db_prepare(d,
		"UPDATE job SET state = $3, run_at = $4, last_error = $5, locked_by = NULL, "
		"locked_until = NULL, finished_at = $6, updated_at = $7 "
		"WHERE id = $1 AND locked_by = $2 AND state = 'running'", err);

	if (!st)
		return -1;
	*delay_out = give_up ? 0 : job_backoff_seconds(j->attempts, g_random_double());
	job_iso_at(t, now);
	job_iso_at(t + *delay_out, next);
	db_bind_int64(st, 1, j->id);
	db_bind_text(st, 2, node);
	db_bind_text(st, 3, give_up ? "failed" : "queued");
	db_bind_text(st, 4, next);
	db_bind_text(st, 5, msg);
	db_bind_text(st, 6, give_up ? now : NULL);
	db_bind_text(st, 7, now);
	if (db_run(st, err) < 0)
		return -1;
	if (db_changes(d) != 1)
		return JOB_RAN_LOST;
	return give_up ? JOB_RAN_FAILED : JOB_RAN_RETRY;
}

/* record_failure(), and the kind's failure hook in the same transaction
 * (see job_failure_fn). A hook that fails is logged and left out. */
static int record_failure_hooked(struct db *d, const job *j, const job_kind *k, job_ctx *jc,
				 json_t *payload, const char *node, bool permanent,
				 const char *message, int *delay_out, GError **err)
{
	g_autoptr(GError) hook_err = NULL;
	job_failure_fn hook = k ? failure_hook(k->kind) : NULL;
	int r;

	if (!hook)
		return record_failure(d, j, node, permanent, message, delay_out, err);
	db_set_region(d, j->region_id);
	if (db_begin(d, err) < 0) {
		db_set_region(d, 0);
		return -1;
	}
	r = record_failure(d, j, node, permanent, message, delay_out, err);
	if (r == JOB_RAN_RETRY || r == JOB_RAN_FAILED) {
		g_autofree char *msg = clip_utf8(message, JOB_LAST_ERROR_MAX_BYTES);
		if (hook(jc, payload, msg, r == JOB_RAN_FAILED, &hook_err) < 0) {
			log_warn("job %" G_GINT64_FORMAT " %s: its failure hook failed: %s", j->id,
				 j->kind, hook_err ? hook_err->message : "?");
			db_rollback(d);
			db_set_region(d, 0);
			return record_failure(d, j, node, permanent, message, delay_out, err);
		}
	}
	if (r < 0 || r == JOB_RAN_LOST) {
		db_rollback(d);
	} else if (db_commit(d, err) < 0) {
		r = -1;
	}
	db_set_region(d, 0);
	return r;
}

int job_run(struct db *d, const job *j, const char *node, GError **err)
{
	const job_kind *k = job_kind_find(j->kind);
	g_autoptr(GError) herr = NULL;
	json_t *payload = NULL;
	gint64 started = g_get_monotonic_time();
	int r, delay = 0;
	job_ctx jc = {
		.ctx = {.db = d, .region_id = j->region_id},
		.id = j->id,
		.kind = j->kind,
		.attempts = j->attempts,
		.max_attempts = j->max_attempts,
		.node = node,
	};

	log_info("job %" G_GINT64_FORMAT " %s: attempt %d of %d started on %s", j->id, j->kind,
		 j->attempts, j->max_attempts, node);
	if (!k) {
		/* A node of another version may know it; try again later. */
		g_set_error(&herr, BIREG_JOB_ERROR, JOB_ERROR_UNKNOWN_KIND,
			    "no handler for %s on node %s", j->kind, node);
		r = JOB_RETRY;
	} else {
		payload = json_loads(j->payload ? j->payload : "{}", 0, NULL);
		if (!json_is_object(payload)) {
			json_decref(payload);
			payload = json_object();
		}
		r = run_in_transaction(d, j, k, node, &jc, payload, &herr, err);
		db_set_region(d, 0);
	}
	if (r == -1) {
		/* Nothing of the handler's work was committed (or, if a commit
		 * that failed did go through, the job is done and the update
		 * below finds it no longer running). Count it as a failed
		 * attempt now rather than wait for the lease to run out. */
		g_autofree char *msg = g_strdup_printf("database error: %s",
						       err && *err ? (*err)->message : "?");
		g_autoptr(GError) ferr = NULL;
		log_warn("job %" G_GINT64_FORMAT " %s: %s", j->id, j->kind, msg);
		if (record_failure(d, j, node, false, msg, &delay, &ferr) < 0)
			log_warn("job %" G_GINT64_FORMAT " %s: recording the failure failed too; the "
				 "lease will run out: %s", j->id, j->kind, ferr->message);
		json_decref(payload);
		g_free(jc.failure_detail);
		return -1;
	}
	if (r == -2) {
		log_warn("job %" G_GINT64_FORMAT " %s: lease lost to another node; this run was "
			 "rolled back", j->id, j->kind);
		json_decref(payload);
		g_free(jc.failure_detail);
		return JOB_RAN_LOST;
	}
	if (r == JOB_OK) {
		log_info("job %" G_GINT64_FORMAT " %s: done in %.1f ms", j->id, j->kind,
			 (double)(g_get_monotonic_time() - started) / 1000.0);
		json_decref(payload);
		g_free(jc.failure_detail);
		return JOB_RAN_DONE;
	}
	r = record_failure_hooked(d, j, k, &jc, payload, node, r == JOB_FAIL,
				  herr ? herr->message : NULL, &delay, err);
	json_decref(payload);
	g_clear_pointer(&jc.failure_detail, g_free);
	switch (r) {
	case JOB_RAN_RETRY:
		log_warn("job %" G_GINT64_FORMAT " %s: attempt %d of %d failed, next in %d s: %s",
			 j->id, j->kind, j->attempts, j->max_attempts, delay,
			 herr ? herr->message : "?");
		break;
	case JOB_RAN_FAILED:
		log_error("job %" G_GINT64_FORMAT " %s: failed for good after %d attempts: %s", j->id,
			  j->kind, j->attempts, herr ? herr->message : "?");
		break;
	case JOB_RAN_LOST:
		log_warn("job %" G_GINT64_FORMAT " %s: failed, and the lease was lost meanwhile",
			 j->id, j->kind);
		break;
	default:
		log_warn("job %" G_GINT64_FORMAT " %s: failed, and recording it failed: %s", j->id,
			 j->kind, err && *err ? (*err)->message : "?");
		break;
	}
	return r;
}

int job_run_next(struct db *d, const char *node, GError **err)
{
	g_autoptr(job) j = job_claim(d, node, err);

	if (!j)
		return err && *err ? -1 : 0;
	return job_run(d, j, node, err) < 0 ? -1 : 1;
}

/* ---- admin --------------------------------------------------------------- */

#define JOB_COLS                                                                      \
	"id, region_id, kind, state, run_at, attempts, max_attempts, last_error, "     \
	"created_at, updated_at, finished_at, locked_by"

static json_t *text_or_null(db_stmt *st, int col)
{
	return db_col_is_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *job_from_row(db_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
	json_object_set_new(o, "region_id",
			    db_col_is_null(st, 1) ? json_null() : json_integer(db_col_int64(st, 1)));
	json_object_set_new(o, "kind", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "state", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "run_at", json_string(db_col_text(st, 4)));
	json_object_set_new(o, "attempts", json_integer(db_col_int64(st, 5)));
	json_object_set_new(o, "max_attempts", json_integer(db_col_int64(st, 6)));
	json_object_set_new(o, "last_error", text_or_null(st, 7));
	json_object_set_new(o, "created_at", json_string(db_col_text(st, 8)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(st, 9)));
	json_object_set_new(o, "finished_at", text_or_null(st, 10));
	json_object_set_new(o, "locked_by", text_or_null(st, 11));
	return o;
}

json_t *job_list(const bireg_ctx *ctx, const char *state, int limit, GError **err)
{
	/* Fixed fragments only (the SQL never contains input); each parameter
	 * appears only when used, so PostgreSQL can type every one. */
	bool region = ctx->region_id > 0;
	g_autofree char *sql = g_strdup_printf(
		"SELECT " JOB_COLS " FROM job WHERE %s%s%s ORDER BY id DESC LIMIT $1",
		region ? "(region_id = $2 OR (region_id IS NULL AND state <> 'done'))" : "",
		region && state ? " AND " : (!region && !state ? "1 = 1" : ""),
		state ? (region ? "state = $3" : "state = $2") : "");
	g_autoptr(db_stmt) st = NULL;
	json_t *list;
	int r;

	if (state && !job_state_valid(state)) {
		job_fail(err, JOB_ERROR_INVALID, "unknown job state");
		return NULL;
	}
	st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, CLAMP(limit, 1, 1000));
	if (region)
		db_bind_int64(st, 2, ctx->region_id);
	if (state)
		db_bind_text(st, region ? 3 : 2, state);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, job_from_row(st));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *job_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool region = ctx->region_id > 0;
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		region ? "SELECT " JOB_COLS " FROM job WHERE id = $1 AND (region_id = $2 OR region_id IS NULL)"
		       : "SELECT " JOB_COLS " FROM job WHERE id = $1", err);
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, id);
	if (region)
		db_bind_int64(st, 2, ctx->region_id);
	r = db_step(st, err);
	if (r == DB_ROW)
		return job_from_row(st);
	return NULL;
}

/* Runs one of two state changes (sql_any for ctx->region_id 0, sql_region
 * with $3 = the region otherwise); tells not-found from wrong-state
 * afterwards. */
static int change_state(const bireg_ctx *ctx, int64_t id, const char *sql_any,
			const char *sql_region, GError **err)
{
	char now[21];
	bool region = ctx->region_id > 0;
	g_autoptr(db_stmt) st = db_prepare(ctx->db, region ? sql_region : sql_any, err);
	g_autoptr(db_stmt) q = NULL;
	int r;

	if (!st)
		return -1;
	job_iso_at(job_now(), now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	if (region)
		db_bind_int64(st, 3, ctx->region_id);
	if (db_run(st, err) < 0)
		return -1;
	if (db_changes(ctx->db) == 1) {
		if (waker)
			waker(waker_ud);
		return JOB_CHANGE_DONE;
	}
	q = db_prepare(ctx->db, "SELECT region_id FROM job WHERE id = $1", err);
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	r = db_step(q, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return JOB_CHANGE_NOT_FOUND;
	if (region && (db_col_is_null(q, 0) || db_col_int64(q, 0) != ctx->region_id))
		return JOB_CHANGE_NOT_FOUND;
	return JOB_CHANGE_WRONG_STATE;
}

#define RETRY_SQL                                                                          \
	"UPDATE job SET state = 'queued', attempts = 0, run_at = $2, locked_by = NULL, "   \
	"locked_until = NULL, finished_at = NULL, updated_at = $2 "                       \
	"WHERE id = $1 AND state = 'failed'"

int job_retry(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return change_state(ctx, id, RETRY_SQL, RETRY_SQL " AND region_id = $3", err);
}

#define CANCEL_SQL                                                                 \
	"UPDATE job SET state = 'cancelled', finished_at = $2, updated_at = $2 "   \
	"WHERE id = $1 AND state = 'queued'"

int job_cancel(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return change_state(ctx, id, CANCEL_SQL, CANCEL_SQL " AND region_id = $3", err);
}
