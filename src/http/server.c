/*
 * server.c — libevent's evhttp on several loops, handlers on a worker pool.
 *
 * Flow of one request (see docs/ARCHITECTURE.md):
 *   1. A loop thread's evhttp has read the whole request within the limits
 *      (header bytes, body bytes, idle timeout) and calls on_request().
 *   2. on_request() copies what a handler needs into a plain http_request and
 *      pushes a job onto the worker queue (or answers 503 when it is full).
 *   3. A worker pops the job, calls hooks->handle() and schedules send_job()
 *      on the job's loop with event_base_once(): libevent's objects are only
 *      ever touched by the thread that runs their loop.
 *   4. send_job() writes the response and frees the job.
 * A connection that closes while its request is with a worker is detached by
 * libevent and freed by evhttp_send_reply() in step 4, so the job never
 * dangles.
 *
 * Shutdown: SIGTERM/SIGINT reach the main thread through sigwait(); it
 * removes the listening sockets, waits until every accepted request has been
 * answered (up to the grace period), then stops the workers and the loops.
 */
#include "http/server.h"

#include <errno.h>
#include <gio/gio.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

typedef struct loop {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	GThread *thread;
	struct server *srv;
} loop;

typedef struct server {
	const server_opts *opts;
	const server_hooks *hooks;
	loop *loops;
	int nloops;
	GAsyncQueue *queue;     /* job* ; a job with req == NULL stops a worker */
	GThread **workers;
	int nworkers;
	gint workers_ready;     /* workers that finished worker_init */
	gint workers_failed;
	gint stopping;          /* set at SIGTERM: no new jobs, close connections */
	gint unflushed;         /* replies handed to libevent and not yet fully written */
	gint loops_closed;      /* loops that have removed their listener */
	GMutex init_lock;
	char *init_error;       /* first worker_init failure, under init_lock */
} server;

typedef struct job {
	server *srv;
	loop *lp;
	struct evhttp_request *ev;
	http_request *req;
	http_response *resp;
} job;

static const unsigned short ALL_METHODS = EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					  EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
					  EVHTTP_REQ_OPTIONS;

static http_method map_method(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return HTTP_GET;
	case EVHTTP_REQ_HEAD: return HTTP_HEAD;
	case EVHTTP_REQ_POST: return HTTP_POST;
	case EVHTTP_REQ_PUT: return HTTP_PUT;
	case EVHTTP_REQ_DELETE: return HTTP_DELETE;
	case EVHTTP_REQ_PATCH: return HTTP_PATCH;
	case EVHTTP_REQ_OPTIONS: return HTTP_OPTIONS;
	default: return 0;
	}
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void free_gbytes_ref(const void *data, size_t len, void *extra)
{
	(void)data;
	(void)len;
	g_bytes_unref(extra);
}

static void job_free(job *j)
{
	http_request_free(j->req);
	http_response_free(j->resp);
	g_free(j);
}

static void on_flushed(struct evhttp_request *ev, void *arg)
{
	server *srv = arg;
	(void)ev;
	g_atomic_int_dec_and_test(&srv->unflushed);
}

/* Runs on the loop thread of the job's connection. */
static void send_job(evutil_socket_t fd, short what, void *arg)
{
	job *j = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(j->ev);
	struct evbuffer *buf = evbuffer_new();
	http_response *resp = j->resp;
	(void)fd;
	(void)what;

	for (guint i = 0; i + 1 < resp->headers->len; i += 2)
		evhttp_add_header(out, g_ptr_array_index(resp->headers, i),
				  g_ptr_array_index(resp->headers, i + 1));
	/* While stopping, keep-alive clients are told to go. */
	if (g_atomic_int_get(&j->srv->stopping))
		evhttp_add_header(out, "Connection", "close");
	if (j->req->method == HTTP_HEAD) {
		/* HEAD: the length of the body GET would send, and no body. */
		gsize len = resp->body_bytes ? g_bytes_get_size(resp->body_bytes) : resp->body->len;
		char num[32];
		g_snprintf(num, sizeof num, "%" G_GSIZE_FORMAT, len);
		evhttp_add_header(out, "Content-Length", num);
	} else if (resp->body_bytes) {
		gsize len;
		const void *data = g_bytes_get_data(resp->body_bytes, &len);
		evbuffer_add_reference(buf, data, len, free_gbytes_ref,
				       g_bytes_ref(resp->body_bytes));
	} else if (resp->body->len) {
		evbuffer_add(buf, resp->body->str, resp->body->len);
	}
	/* Count replies until their last byte is written, so that shutdown
	 * does not free a loop with a reply still in its buffers. A reply to a
	 * connection that is already gone is never written (nor counted). */
	if (evhttp_request_get_connection(j->ev)) {
		g_atomic_int_inc(&j->srv->unflushed);
		evhttp_request_set_on_complete_cb(j->ev, on_flushed, j->srv);
	}
	evhttp_send_reply(j->ev, resp->status, reason_phrase(resp->status), buf);
	evbuffer_free(buf);
	g_atomic_int_dec_and_test(&j->srv->opts->stats->in_flight);
	job_free(j);
}

static void *worker_main(void *arg)
{
	server *srv = arg;
	GError *err = NULL;
	void *state = srv->hooks->worker_init ? srv->hooks->worker_init(srv->hooks->ud, &err) : NULL;

	if (srv->hooks->worker_init && !state) {
		g_mutex_lock(&srv->init_lock);
		if (!srv->init_error)
			srv->init_error = g_strdup(err ? err->message : "worker start failed");
		g_mutex_unlock(&srv->init_lock);
		g_clear_error(&err);
		g_atomic_int_inc(&srv->workers_failed);
		return NULL;
	}
	g_atomic_int_inc(&srv->workers_ready);

	for (;;) {
		job *j = g_async_queue_pop(srv->queue);
		if (!j->req) {
			g_free(j);
			break;
		}
		g_atomic_int_add(&srv->opts->stats->queued, -1);
		srv->hooks->handle(srv->hooks->ud, state, j->req, j->resp);
		/* Metrics and the access log are written here, not on the loop: a
		 * slow log pipe must never stall network I/O. */
		if (srv->hooks->observe)
			srv->hooks->observe(srv->hooks->ud, j->req, j->resp,
					    g_get_monotonic_time() - j->req->started_us);
		/* Hand the response back to the loop that owns the connection. */
		if (event_base_once(j->lp->base, -1, EV_TIMEOUT, send_job, j, NULL) < 0) {
			log_error("cannot schedule a response on its loop; dropping request %s",
				  j->req->request_id);
			g_atomic_int_dec_and_test(&srv->opts->stats->in_flight);
			job_free(j);
		}
	}
	if (srv->hooks->worker_done)
		srv->hooks->worker_done(state);
	return NULL;
}

static void random_request_id(char out[17])
{
	guint32 a = g_random_int(), b = g_random_int();
	g_snprintf(out, 17, "%08x%08x", a, b);
}

/* Copies the evhttp request into a plain http_request. Sets early_status
 * when the target cannot be used (the worker then answers with the error
 * page, so even that page comes from one place). */
static http_request *convert(struct evhttp_request *ev)
{
	http_request *req = http_request_new();
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
	struct evbuffer *body = evhttp_request_get_input_buffer(ev);
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	size_t body_len = evbuffer_get_length(body);

	req->started_us = g_get_monotonic_time();
	random_request_id(req->request_id);
	req->method = map_method(evhttp_request_get_command(ev));

	for (struct evkeyval *h = in->tqh_first; h; h = h->next.tqe_next) {
		g_hash_table_replace(req->headers, g_ascii_strdown(h->key, -1),
				     g_strdup(h->value));
	}
	if (body_len) {
		void *data = g_malloc(body_len);
		evbuffer_remove(body, data, body_len);
		g_bytes_unref(req->body);
		req->body = g_bytes_new_take(data, body_len);
	}
	if (conn) {
		const char *addr = NULL;
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(conn, (char **)&addr, &port);
		req->remote_addr = g_strdup(addr ? addr : "-");
	} else {
		req->remote_addr = g_strdup("-");
	}

	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	g_free(req->raw_query);
	req->raw_query = g_strdup(query ? query : "");
	if (!raw_path || !*raw_path) {
		if (uri && !raw_path) {
			req->early_status = 400;
			req->path = g_strdup("/");
		} else {
			req->path = g_strdup("/");
		}
		return req;
	}
	size_t len = 0;
	char *decoded = evhttp_uridecode(raw_path, 0, &len);
	if (!decoded || raw_path[0] != '/' || strlen(decoded) != len ||
	    !g_utf8_validate(decoded, (gssize)len, NULL)) {
		req->early_status = 400;
		req->path = g_strdup("/");
	} else {
		req->path = g_strdup(decoded);
	}
	free(decoded);
	return req;
}

/* Answers 503 from the loop with the page rendered at start. */
static void answer_busy(job *j)
{
	j->resp->status = 503;
	j->resp->route_name = "-";
	http_response_set_header(j->resp, "Content-Type", "text/html; charset=utf-8");
	http_response_set_header(j->resp, "Retry-After", "5");
	j->resp->body_bytes = g_bytes_ref(j->srv->opts->busy_page);
	if (j->srv->hooks->decorate)
		j->srv->hooks->decorate(j->srv->hooks->ud, j->resp);
	send_job(-1, 0, j);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	loop *lp = arg;
	server *srv = lp->srv;
	job *j;

	g_atomic_int_inc(&srv->opts->stats->in_flight);
	j = g_new0(job, 1);
	j->srv = srv;
	j->lp = lp;
	j->ev = ev;
	j->req = convert(ev);
	j->resp = http_response_new();

	/* in_flight was raised before this check, so the main thread either
	 * waits for this job or we answer here: no job can slip past shutdown. */
	if (g_atomic_int_get(&srv->stopping)) {
		answer_busy(j);
		return;
	}
	if (g_atomic_int_get(&srv->opts->stats->queued) >= srv->opts->queue_limit) {
		/* Overloaded: answer at once from the loop instead of queueing
		 * without bound. The page was rendered at start. */
		g_atomic_int_inc(&srv->opts->stats->rejected);
		answer_busy(j);
		return;
	}
	g_atomic_int_inc(&srv->opts->stats->queued);
	g_async_queue_push(srv->queue, j);
}

static void *loop_main(void *arg)
{
	loop *lp = arg;
	/* Keep running while connections only wait for workers: the loop must
	 * still be there to write their responses after the listener is gone. */
	event_base_loop(lp->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int split_listen(const char *listen, char **host, char **port)
{
	const char *colon = strrchr(listen, ':');
	if (!colon)
		return -1;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close + 1 != colon)
			return -1;
		*host = g_strndup(listen + 1, (gsize)(close - listen - 1));
	} else {
		*host = g_strndup(listen, (gsize)(colon - listen));
	}
	*port = g_strdup(colon + 1);
	return 0;
}

/* Opens one listening socket with SO_REUSEPORT so that every loop can have
 * its own and the kernel spreads connections among them. */
static evutil_socket_t open_listener(const char *host, const char *port, struct sockaddr_storage *bound,
				     socklen_t *bound_len, GError **err)
{
	struct addrinfo hints = {0}, *res = NULL;
	evutil_socket_t fd = -1;
	int one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "server.listen: cannot resolve %s: %s",
			    host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0 ||
	    evutil_make_socket_nonblocking(fd) < 0) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
			    "server.listen: cannot listen on %s:%s: %s", host, port, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	*bound_len = sizeof *bound;
	getsockname(fd, (struct sockaddr *)bound, bound_len);
	freeaddrinfo(res);
	return fd;
}

static int bound_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void stop_accepting(evutil_socket_t fd, short what, void *arg)
{
	loop *lp = arg;
	(void)fd;
	(void)what;
	if (lp->bound) {
		evhttp_del_accept_socket(lp->http, lp->bound);
		lp->bound = NULL;
	}
	g_atomic_int_inc(&lp->srv->loops_closed);
}

static void stop_loop(evutil_socket_t fd, short what, void *arg)
{
	loop *lp = arg;
	(void)fd;
	(void)what;
	event_base_loopexit(lp->base, NULL);
}

static int start_workers(server *srv, GError **err)
{
	srv->nworkers = srv->opts->workers;
	srv->workers = g_new0(GThread *, srv->nworkers);
	for (int i = 0; i < srv->nworkers; i++) {
		g_autofree char *name = g_strdup_printf("worker-%d", i);
		srv->workers[i] = g_thread_new(name, worker_main, srv);
	}
	/* Wait until every worker has its database connection, so that a bad
	 * database setting fails the start and not the first request. */
	while (g_atomic_int_get(&srv->workers_ready) + g_atomic_int_get(&srv->workers_failed) <
	       srv->nworkers)
		g_usleep(2000);
	if (g_atomic_int_get(&srv->workers_failed) > 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", srv->init_error);
		return -1;
	}
	return 0;
}

static void stop_workers(server *srv)
{
	for (int i = 0; i < srv->nworkers; i++)
		g_async_queue_push(srv->queue, g_new0(job, 1));
	for (int i = 0; i < srv->nworkers; i++)
		if (srv->workers[i])
			g_thread_join(srv->workers[i]);
	g_free(srv->workers);
}

int server_run(const server_opts *opts, const server_hooks *hooks, GError **err)
{
	server srv = {.opts = opts, .hooks = hooks};
	g_autofree char *host = NULL, *port = NULL;
	sigset_t sigs;
	int rc = -1, sig = 0;

	if (split_listen(opts->listen, &host, &port) < 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "server.listen: expected host:port");
		return -1;
	}
	if (evthread_use_pthreads() < 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "libevent without thread support");
		return -1;
	}

	/* Block the stop signals in every thread; the main thread waits for
	 * them with sigwait() below. Threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	g_mutex_init(&srv.init_lock);
	srv.queue = g_async_queue_new();
	if (start_workers(&srv, err) < 0)
		goto out_workers;

	srv.nloops = opts->loops > 0 ? opts->loops : (int)g_get_num_processors();
	srv.loops = g_new0(loop, srv.nloops);
	for (int i = 0; i < srv.nloops; i++) {
		loop *lp = &srv.loops[i];
		struct sockaddr_storage ss;
		socklen_t sslen;
		evutil_socket_t fd;

		lp->srv = &srv;
		lp->base = event_base_new();
		lp->http = evhttp_new(lp->base);
		evhttp_set_max_headers_size(lp->http, opts->max_header_bytes);
		evhttp_set_max_body_size(lp->http, opts->max_body_bytes);
		evhttp_set_timeout(lp->http, opts->request_timeout);
		evhttp_set_allowed_methods(lp->http, ALL_METHODS);
		evhttp_set_default_content_type(lp->http, "text/html; charset=utf-8");
		evhttp_set_gencb(lp->http, on_request, lp);
		fd = open_listener(host, port, &ss, &sslen, err);
		if (fd < 0)
			goto out_loops;
		if (i == 0) {
			/* Port 0: the kernel chose one; the other loops share it. */
			g_free(port);
			port = g_strdup_printf("%d", bound_port(&ss));
		}
		lp->bound = evhttp_accept_socket_with_handle(lp->http, fd);
		if (!lp->bound) {
			close(fd);
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot accept on the socket");
			goto out_loops;
		}
	}
	for (int i = 0; i < srv.nloops; i++) {
		g_autofree char *name = g_strdup_printf("loop-%d", i);
		srv.loops[i].thread = g_thread_new(name, loop_main, &srv.loops[i]);
	}
	printf("bireg: listening on http://%s%s%s:%s/\n", strchr(host, ':') ? "[" : "",
	       *host ? host : "0.0.0.0", strchr(host, ':') ? "]" : "", port);
	fflush(stdout);
	log_info("listening on %s:%s with %d loops and %d workers", host, port, srv.nloops,
		 srv.nworkers);

	sigwait(&sigs, &sig);
	log_info("signal %d: stopping; finishing %d requests in flight", sig,
		 g_atomic_int_get(&opts->stats->in_flight));
	g_atomic_int_set(&srv.stopping, 1);
	for (int i = 0; i < srv.nloops; i++)
		event_base_once(srv.loops[i].base, -1, EV_TIMEOUT, stop_accepting, &srv.loops[i], NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)opts->shutdown_grace * G_USEC_PER_SEC;
	/* First every listener is gone, then every accepted request answered. */
	while ((g_atomic_int_get(&srv.loops_closed) < srv.nloops ||
		g_atomic_int_get(&opts->stats->in_flight) > 0) &&
	       g_get_monotonic_time() < deadline)
		g_usleep(5000);
	if (g_atomic_int_get(&opts->stats->in_flight) > 0)
		log_warn("%d requests still in flight after the grace period",
			 g_atomic_int_get(&opts->stats->in_flight));
	/* Then let the loops write out what they hold; a client that went away
	 * mid-reply never completes, so this wait is short and bounded. */
	deadline = MIN(deadline, g_get_monotonic_time() + 2 * G_USEC_PER_SEC);
	while (g_atomic_int_get(&srv.unflushed) > 0 && g_get_monotonic_time() < deadline)
		g_usleep(2000);
	rc = 0;

out_loops:
	for (int i = 0; i < srv.nloops; i++) {
		loop *lp = &srv.loops[i];
		if (lp->thread) {
			event_base_once(lp->base, -1, EV_TIMEOUT, stop_loop, lp, NULL);
			g_thread_join(lp->thread);
		}
	}
out_workers:
	/* Workers may still hold jobs only if the grace period ran out; their
	 * responses are then dropped with the loops. */
	stop_workers(&srv);
	for (int i = 0; srv.loops && i < srv.nloops; i++) {
		if (srv.loops[i].http)
			evhttp_free(srv.loops[i].http);
		if (srv.loops[i].base)
			event_base_free(srv.loops[i].base);
	}
	g_free(srv.loops);
	g_async_queue_unref(srv.queue);
	g_free(srv.init_error);
	g_mutex_clear(&srv.init_lock);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	return rc;
}
