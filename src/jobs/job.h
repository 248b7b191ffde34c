/*
 * job.h — the durable background job queue: mail, reminders, imports, PDF
 * batches, partner sync, retention and housekeeping run as jobs.
 *
 * A job is a row of the installation table `job` (migration 0004): a kind
 * ("area.what"), a JSON payload, the region it belongs to (0/NULL for jobs of
 * the whole installation), when it is due (run_at), how often it was tried
 * (attempts of max_attempts) and its state:
 *
 *   queued ──claim──> running ──handler ok──> done
 *     ^                  │ ├──retryable error, attempts left──> queued (run_at = now + backoff)
 *     │                  │ └──permanent error or attempts used up──> failed
 *     │                  └──lease expired (node died)──> queued, or failed when attempts are used up
 *     └──job_retry() (admin)── failed            queued ──job_cancel()──> cancelled
 *
 * Claiming: a runner (runner.h) takes the oldest due job with
 * UPDATE ... WHERE id = (SELECT ... ORDER BY run_at, id LIMIT 1 [FOR UPDATE
 * SKIP LOCKED]) RETURNING ... — on PostgreSQL with SKIP LOCKED so that nodes
 * never wait on each other, on SQLite inside BEGIN IMMEDIATE, whose write
 * lock makes the same statement exclusive. The claim sets a lease
 * (locked_by = the node, locked_until = now + the kind's lease); a job whose
 * lease ran out is put back by whichever runner looks next.
 *
 * Exactly once (database effects): the handler runs inside the transaction
 * that marks the job done, and that UPDATE only matches while this node still
 * holds the lease (WHERE id = $1 AND locked_by = $2 AND state = 'running').
 * If the lease was lost to another node meanwhile, the update changes no row
 * and the whole transaction — the handler's writes included — is rolled back.
 * So what a handler writes to the database happens exactly once, even with
 * several nodes. Consequences for handler authors:
 *  - Write only through jc->ctx.db (the job's transaction); never open a
 *    transaction of your own and never commit.
 *  - External effects (sending mail over SMTP, calling a partner's API) are
 *    AT LEAST ONCE: the transaction may still roll back after the mail left.
 *    Make them idempotent by key (e.g. a Message-ID derived from the job id,
 *    an idempotency key the partner honours), and keep them short.
 *  - On SQLite the handler holds the database's write lock while it runs:
 *    keep handlers to seconds, split large work into several jobs.
 *  - Set a lease longer than the handler can take; a handler that outlives
 *    its lease may be run a second time elsewhere (whose result then wins).
 *  - Region tables: jc->ctx.region_id is the job's region and the
 *    transaction runs with db_set_region() set to it (row-level security on
 *    PostgreSQL); a job of the whole installation (region 0) sees no region
 *    rows until the handler itself calls db_set_region() — which takes effect
 *    from the next transaction, so such a handler enqueues one job per region
 *    instead.
 *  - Never put personal data into error messages: they are logged and shown
 *    to admins. Payloads are never logged.
 *
 * Enqueueing joins the caller's transaction when one is open, so a job is
 * written atomically with the change that causes it and disappears with it on
 * rollback. A dedupe key makes enqueueing idempotent ("session.cleanup once
 * per hour": INSERT ... ON CONFLICT (dedupe_key) DO NOTHING).
 *
 * Times are stored as TEXT "YYYY-MM-DDTHH:MM:SSZ" (UTC) on both backends.
 * Errors are in BIREG_JOB_ERROR (bad input, unknown kind) or BIREG_DB_ERROR.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

struct db;

#define BIREG_JOB_ERROR (bireg_job_error_quark())
GQuark bireg_job_error_quark(void);

typedef enum {
	JOB_ERROR_INVALID = 1, /* a malformed kind, payload, time or key */
	JOB_ERROR_UNKNOWN_KIND,
	JOB_ERROR_HANDLER,     /* a handler failed without saying why */
} job_error_code;

/* What a handler reports. */
typedef enum {
	JOB_OK = 0,    /* done: its writes are committed with the state */
	JOB_RETRY = 1, /* try again later (backoff) while attempts are left */
	JOB_FAIL = 2,  /* give up at once: state failed */
} job_result;

/* The context a handler runs in. */
typedef struct job_ctx {
	bireg_ctx ctx;       /* db in the job's open transaction; region_id = the job's (0: none) */
	int64_t id;
	const char *kind;
	int attempts;        /* this attempt's number, from 1 */
	int max_attempts;
	const char *node;    /* "host:pid:thread" of the runner */
	/* A handler that fails may leave text here for its kind's failure
	 * hook (newly allocated; freed after the hook): detail that must stay
	 * out of err, which is logged and shown to admins — e.g. an SMTP
	 * server's answer naming the recipient. */
	char *failure_detail;
} job_ctx;

/* Runs one job. payload is borrowed. Returns JOB_OK, or JOB_RETRY/JOB_FAIL
 * with err set (its message becomes last_error; no personal data). */
typedef job_result (*job_handler_fn)(job_ctx *jc, json_t *payload, GError **err);

/* Optional per kind (job_set_failure_hook): runs after a failed attempt
 * (the handler returned JOB_RETRY or JOB_FAIL and its transaction was rolled
 * back), inside the transaction that records the failure (db_set_region =
 * the job's region), so that a module can keep its own rows in step with the
 * job — the mail outbox records the SMTP server's answer and the attempt
 * there. error is the handler's message (what becomes last_error);
 * jc->failure_detail what the handler left for the hook (or NULL). final:
 * the job is failed for good (permanent error or the last attempt). Not
 * called when the attempt ends by a lease running out (a node died).
 * Returns 0, or -1 with err: then the hook's writes are rolled back and the
 * failure is recorded without them. */
typedef int (*job_failure_fn)(job_ctx *jc, json_t *payload, const char *error, bool final,
			      GError **err);

typedef struct job_kind {
	const char *kind;        /* "area.what": a-z, 0-9, '_' and dots */
	job_handler_fn handler;
	int max_attempts;        /* 0: JOB_DEFAULT_MAX_ATTEMPTS */
	int lease_seconds;       /* 0: JOB_DEFAULT_LEASE_SECONDS */
	const char *label;       /* msgid (N_()) shown to admins, e.g. N_("Send e-mail") */
} job_kind;

#define JOB_DEFAULT_MAX_ATTEMPTS 5
#define JOB_DEFAULT_LEASE_SECONDS 300
#define JOB_BACKOFF_BASE_SECONDS 30
#define JOB_BACKOFF_MAX_SECONDS (6 * 3600)
#define JOB_LAST_ERROR_MAX_BYTES 1000

/* Registers a kind (borrowed; a static struct). Call at start, before any
 * thread runs jobs: the registry is read-only afterwards. Registering a kind
 * again replaces the earlier entry. */
void job_register(const job_kind *k);
/* The registered kind, or NULL. */
const job_kind *job_kind_find(const char *kind);
/* Sets the failure hook of a registered kind (NULL: none). Call at start,
 * after job_register(), before any thread runs jobs. */
void job_set_failure_hook(const char *kind, job_failure_fn hook);

/* What a new job looks like; only kind is required. */
typedef struct job_spec {
	int64_t region_id;      /* 0: a job of the whole installation */
	const char *kind;       /* must be registered */
	json_t *payload;        /* a JSON object (borrowed); NULL: {} */
	const char *run_at;     /* "YYYY-MM-DDTHH:MM:SSZ"; NULL: now */
	const char *dedupe_key; /* NULL: none; else at most one job ever has it */
	int max_attempts;       /* 0: the kind's */
} job_spec;

/* Writes a job (in the caller's transaction if one is open on ctx->db) and
 * wakes this process's runners. Returns 1 when created, 0 when a job with
 * the same dedupe key exists already (*id_out is then that job's id), -1 on
 * error. id_out may be NULL. */
int job_enqueue_spec(const bireg_ctx *ctx, const job_spec *spec, int64_t *id_out, GError **err);
/* The same with the common arguments. */
int job_enqueue(const bireg_ctx *ctx, int64_t region_id, const char *kind, json_t *payload,
		const char *run_at, const char *dedupe_key, int64_t *id_out, GError **err);

/* ---- running jobs (the runner and `bireg jobs run-once`) ---------------- */

/* A claimed job (state running, leased to the claiming node). */
typedef struct job {
	int64_t id;
	int64_t region_id; /* 0 for installation jobs */
	char *kind;
	char *payload;     /* JSON text */
	int attempts;      /* including this one */
	int max_attempts;
	char *locked_until;
} job;
void job_free(job *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(job, job_free)

/* Puts jobs whose lease ran out back in the queue (or fails them when their
 * attempts are used up). Returns how many, or -1. Runs in the caller's
 * transaction if one is open. */
int64_t job_reclaim_expired(struct db *d, GError **err);

/* In one short transaction: reclaims expired leases, then claims the oldest
 * due job for node (attempts + 1, lease of the kind). Returns the job, or
 * NULL with err unset when none is due. */
job *job_claim(struct db *d, const char *node, GError **err);

typedef enum {
	JOB_RAN_DONE = 0,    /* handler succeeded, done committed */
	JOB_RAN_RETRY = 1,   /* failed, queued again for later */
	JOB_RAN_FAILED = 2,  /* failed for good */
	JOB_RAN_LOST = 3,    /* the lease was lost meanwhile: everything rolled back */
} job_outcome;

/* Runs a claimed job: its handler and the state change to done in one
 * transaction (with db_set_region(job's region)), or, when the handler
 * fails, the rollback and the retry/failure bookkeeping. Logs start and end.
 * Returns a job_outcome, or -1 when the database failed (the lease then runs
 * out and another attempt follows). */
int job_run(struct db *d, const job *j, const char *node, GError **err);

/* job_claim() + job_run(): 1 when a job ran (whatever its outcome), 0 when
 * none was due, -1 on a database error. */
int job_run_next(struct db *d, const char *node, GError **err);

/* Seconds until the next attempt after `attempts` failed ones:
 * 30 s * 2^(attempts-1), at most 6 h, minus up to a fifth of that as jitter
 * (jitter01 in [0, 1), e.g. g_random_double()), so that jobs that failed
 * together do not come back together. */
int job_backoff_seconds(int attempts, double jitter01);

/* ---- looking at jobs (admin page, CLI) ---------------------------------- */

/* Jobs newest first, at most limit (1..1000). ctx->region_id > 0: the
 * region's jobs, and those of the whole installation that are not done
 * (the hourly clean-up would crowd out the region's own); 0: every job. state
 * NULL: all states. Items: {id, region_id (null for installation jobs),
 * kind, state, run_at, attempts, max_attempts, last_error (or null),
 * created_at, updated_at, finished_at (or null), locked_by (or null)}.
 * NULL with err on failure. */
json_t *job_list(const bireg_ctx *ctx, const char *state, int limit, GError **err);
/* One job in the same form (scoped like job_list), NULL when none. */
json_t *job_get(const bireg_ctx *ctx, int64_t id, GError **err);

/* Results of job_retry() / job_cancel(). */
enum {
	JOB_CHANGE_NOT_FOUND = 0, /* no such job (in the region, for ctx->region_id > 0) */
	JOB_CHANGE_DONE = 1,
	JOB_CHANGE_WRONG_STATE = 2, /* not failed (retry) / not queued (cancel) */
};
/* A failed job goes back to the queue, due now, with a fresh allowance of
 * attempts. ctx->region_id > 0: only that region's own jobs (not those of
 * the whole installation); 0: any. Returns a JOB_CHANGE_* value or -1. */
int job_retry(const bireg_ctx *ctx, int64_t id, GError **err);
/* A queued job is cancelled (it will not run). Scoped like job_retry(). */
int job_cancel(const bireg_ctx *ctx, int64_t id, GError **err);

/* Is s one of queued, running, done, failed, cancelled? */
bool job_state_valid(const char *s);

/* ---- process plumbing --------------------------------------------------- */

/* The function job_enqueue() calls to wake this process's runners (set by
 * the runner at start, before requests are served; NULL to unset). */
void job_set_waker(void (*wake)(void *ud), void *ud);

/* Unix seconds now (the test clock when set). */
int64_t job_now(void);
/* t as stored: "2026-11-26T13:30:00Z". */
void job_iso_at(int64_t t, char out[static 21]);
/* Tests only: replaces the clock (NULL restores the real one). Call before
 * other threads run. */
void job_set_clock_for_tests(int64_t (*now)(void));
