/*
 * runner.c — runner threads (see runner.h).
 */
#include "jobs/runner.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "jobs/builtin.h"
#include "jobs/job.h"

typedef struct runner_thread {
	struct job_runner *owner;
	int index;
	db *conn;
	char *node;
	GThread *thread;
} runner_thread;

struct job_runner {
	job_runner_opts opts;
	runner_thread *threads;
	int nthreads;
	GMutex lock;
	GCond cond;
	guint64 generation; /* under lock: bumped by every wake */
	bool stopping;      /* under lock */
	gint jobs_run;      /* atomic */
};

static void wake(void *ud)
{
	job_runner *r = ud;
	g_mutex_lock(&r->lock);
	r->generation++;
	g_cond_broadcast(&r->cond);
	g_mutex_unlock(&r->lock);
}

void job_runner_wake(job_runner *r)
{
	wake(r);
}

guint job_runner_jobs_run(job_runner *r)
{
	return (guint)g_atomic_int_get(&r->jobs_run);
}

/* Waits until woken, stopped or ms passed; returns false when stopping.
 * *woken tells whether a wake (not the timeout) ended the wait. */
static bool wait_for_work(job_runner *r, guint64 seen, int ms, bool *woken)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	bool go_on;

	g_mutex_lock(&r->lock);
	while (!r->stopping && r->generation == seen)
		if (!g_cond_wait_until(&r->cond, &r->lock, end))
			break;
	go_on = !r->stopping;
	*woken = r->generation != seen;
	g_mutex_unlock(&r->lock);
	return go_on;
}

/* After a wake that found nothing due, look again soon: a job enqueued
 * inside a transaction wakes the runners before its commit makes it
 * visible. Milliseconds of the quick looks, then the normal poll. */
static const int quick_looks_ms[] = {20, 100, 400};

static bool stopping(job_runner *r, guint64 *generation)
{
	bool s;
	g_mutex_lock(&r->lock);
	s = r->stopping;
	if (generation)
		*generation = r->generation;
	g_mutex_unlock(&r->lock);
	return s;
}

/* The recurring jobs once per hour (thread 0); retried at the next look
 * when the database is away. */
static void maybe_schedule(runner_thread *t, char last_hour[static 14])
{
	char now[21];
	g_autoptr(GError) err = NULL;
	bireg_ctx ctx = {.db = t->conn};
	int n;

	job_iso_at(job_now(), now);
	if (!strncmp(now, last_hour, 13))
		return;
	n = job_schedule_recurring(&ctx, &err);
	if (n < 0) {
		log_warn("jobs: scheduling the recurring jobs failed: %s", err->message);
		return;
	}
	if (n > 0)
		log_info("jobs: %d recurring jobs scheduled", n);
	memcpy(last_hour, now, 13);
	last_hour[13] = '\0';
}

static gpointer thread_main(gpointer data)
{
	runner_thread *t = data;
	job_runner *r = t->owner;
	char last_hour[14] = "";
	bool failing = false, woken = false;
	size_t quick = G_N_ELEMENTS(quick_looks_ms);
	guint64 seen;

	log_info("job runner %s started", t->node);
	while (!stopping(r, &seen)) {
		g_autoptr(GError) err = NULL;
		int rc;

		if (t->index == 0 && r->opts.schedule)
			maybe_schedule(t, last_hour);
		rc = job_run_next(t->conn, t->node, &err);
		if (rc > 0) {
			g_atomic_int_inc(&r->jobs_run);
			failing = false;
			quick = G_N_ELEMENTS(quick_looks_ms);
			continue;
		}
		if (rc < 0) {
			/* Once per outage, not once per poll. */
			if (!failing)
				log_warn("job runner %s: %s; trying again every %d ms", t->node,
					 err ? err->message : "database error", r->opts.poll_ms);
			failing = true;
		} else if (failing) {
			log_info("job runner %s: the database answers again", t->node);
			failing = false;
		}
		if (woken)
			quick = 0;
		if (!wait_for_work(r, seen,
				   quick < G_N_ELEMENTS(quick_looks_ms)
					   ? MIN(quick_looks_ms[quick], r->opts.poll_ms)
					   : r->opts.poll_ms,
				   &woken))
			break;
		if (quick < G_N_ELEMENTS(quick_looks_ms))
			quick++;
	}
	log_info("job runner %s stopped", t->node);
	return NULL;
}

job_runner *job_runner_start(const job_runner_opts *opts, GError **err)
{
	job_runner *r = g_new0(job_runner, 1);
	char host[256] = "localhost";
	sigset_t block, old;

	r->opts = *opts;
	r->opts.database = NULL; /* borrowed only for opening */
	r->opts.poll_ms = MAX(opts->poll_ms, 10);
	r->nthreads = MAX(opts->threads, 1);
	g_mutex_init(&r->lock);
	g_cond_init(&r->cond);
	if (gethostname(host, sizeof host - 1) < 0)
		g_strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	r->threads = g_new0(runner_thread, r->nthreads);
	for (int i = 0; i < r->nthreads; i++) {
		runner_thread *t = &r->threads[i];
		t->owner = r;
		t->index = i;
		t->node = g_strdup_printf("%s:%d:%d", host, (int)getpid(), i);
		t->conn = db_open(opts->database, err);
		if (!t->conn) {
			g_prefix_error(err, "job runner: ");
			job_runner_stop(r);
			return NULL;
		}
	}
	/* The server waits for SIGTERM/SIGINT with sigwait(); no other thread
	 * may take them. Threads inherit the mask they are created with. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < r->nthreads; i++) {
		g_autofree char *name = g_strdup_printf("job-%d", i);
		r->threads[i].thread = g_thread_new(name, thread_main, &r->threads[i]);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	job_set_waker(wake, r);
	return r;
}

void job_runner_stop(job_runner *r)
{
	if (!r)
		return;
	g_mutex_lock(&r->lock);
	r->stopping = true;
	g_cond_broadcast(&r->cond);
	g_mutex_unlock(&r->lock);
	for (int i = 0; i < r->nthreads; i++) {
		runner_thread *t = &r->threads[i];
		if (t->thread)
			g_thread_join(t->thread);
		db_close(t->conn);
		g_free(t->node);
	}
	/* Only now: a runner thread may have been enqueueing until it ended. */
	job_set_waker(NULL, NULL);
	g_free(r->threads);
	g_cond_clear(&r->cond);
	g_mutex_clear(&r->lock);
	g_free(r);
}
