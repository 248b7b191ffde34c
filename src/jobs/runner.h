/*
 * runner.h — the threads that run jobs inside `bireg serve`.
 *
 * Each runner thread has its own database connection and node id
 * ("host:pid:thread") and loops: claim the oldest due job, run it
 * (job_run_next), and when none is due wait up to poll_ms — or less: an
 * enqueue in the same process wakes the runners at once (job_set_waker).
 * Thread 0 also enqueues the recurring jobs (builtin.h) at start and when the
 * hour changes. Stopping lets each thread finish the job it is running, then
 * joins it.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>

typedef struct job_runner job_runner;

typedef struct job_runner_opts {
	const char *database; /* database.url: each thread opens its own connection */
	int threads;          /* jobs.workers, at least 1 */
	int poll_ms;          /* jobs.poll_ms: longest wait between looks at the queue */
	bool schedule;        /* enqueue the recurring jobs (thread 0) */
} job_runner_opts;

/* Opens the connections and starts the threads (with SIGTERM and SIGINT
 * blocked, so that the server's sigwait() receives them). Registers the
 * waker. Returns NULL with err when a connection cannot be opened. */
job_runner *job_runner_start(const job_runner_opts *opts, GError **err);
/* Wakes every thread now (what an enqueue does). */
void job_runner_wake(job_runner *r);
/* Jobs finished by this runner so far (all outcomes). */
guint job_runner_jobs_run(job_runner *r);
/* Lets the current jobs finish, stops and joins the threads, closes the
 * connections and unregisters the waker. NULL is fine. */
void job_runner_stop(job_runner *r);
