/*
 * server.h — the HTTP server: event loops for I/O, a worker pool for handlers.
 *
 * The loops (one per core, each with its own listening socket on the shared
 * port through SO_REUSEPORT) read and limit requests, turn each into an
 * http_request and queue it. A worker thread takes it, calls hooks->handle
 * with its own per-worker state (a database connection), and hands the
 * finished response back to the loop that owns the connection. Only this file
 * knows libevent.
 */
#pragma once
#include <glib.h>

#include "http/http.h"

typedef struct server_hooks {
	/* Called once in each worker thread before it takes requests; returns the
	 * worker's state (e.g. its database connection) or NULL with err set. */
	void *(*worker_init)(void *ud, GError **err);
	void (*worker_done)(void *worker_state);
	/* Answers one request; must always leave a complete response in resp. */
	void (*handle)(void *ud, void *worker_state, http_request *req, http_response *resp);
	/* After the handler, on the worker (metrics, access log). Requests the
	 * loop answers itself with 503 are only counted in server_stats. */
	void (*observe)(void *ud, const http_request *req, const http_response *resp,
			gint64 duration_us);
	/* Adds the headers every response carries (security headers) to a
	 * response the loop answers itself (503 when full or stopping). Must be
	 * cheap and thread-safe. */
	void (*decorate)(void *ud, http_response *resp);
	void *ud;
} server_hooks;

/* Counters the server keeps up to date (atomically) for /metrics; owned by
 * the caller, which may read them from any thread with g_atomic_int_get. */
typedef struct server_stats {
	gint queued;    /* requests waiting for a worker */
	gint in_flight; /* requests accepted and not yet answered */
	gint rejected;  /* requests answered 503 because the queue was full */
} server_stats;

typedef struct server_opts {
	const char *listen;      /* host:port; port 0 picks a free one */
	int loops;               /* 0 = one per core */
	int workers;
	gint64 max_body_bytes;
	int max_header_bytes;
	int request_timeout;     /* seconds */
	int queue_limit;
	GBytes *busy_page;       /* HTML answered with 503 when the queue is full */
	int shutdown_grace;      /* seconds in-flight requests get after SIGTERM */
	server_stats *stats;     /* required */
} server_opts;

/* Runs until SIGTERM or SIGINT, then stops accepting, lets in-flight requests
 * finish (up to shutdown_grace) and returns 0. Prints
 * "bireg: listening on http://HOST:PORT/" to stdout once listening. Returns -1
 * with err set when it cannot start (address in use, a worker failed). */
int server_run(const server_opts *opts, const server_hooks *hooks, GError **err);
