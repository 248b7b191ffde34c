/*
 * http.h — what a handler sees of HTTP: a plain request, a response to fill,
 * and the route table that connects them.
 *
 * Nothing here mentions libevent: the server (server.c) turns each request
 * into an http_request on its event loop and runs the handler on a worker
 * thread; the handler is an ordinary synchronous function. So the HTTP library
 * can change without touching a module.
 *
 * Ownership: the server owns http_request and http_response and frees both
 * after the response is written. Everything a handler hangs on them (headers,
 * body) is freed with them.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "http/parse.h"

typedef enum {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_PATCH = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
} http_method;

const char *http_method_name(http_method m);

typedef struct http_request {
	http_method method;
	char *path;        /* percent-decoded, valid UTF-8, starts with '/' */
	char *raw_query;   /* as sent, without '?'; "" when none */
	GHashTable *headers; /* lower-case name -> value (last one wins) */
	GBytes *body;      /* never NULL; may be empty */
	char *remote_addr;
	char request_id[17]; /* 16 hex digits, also in the access log */
	/* Filled by the router before the handler runs: */
	http_params *query;  /* query string */
	http_params *form;   /* urlencoded or multipart text fields (POST) */
	GPtrArray *uploads;  /* http_upload* from multipart bodies */
	GHashTable *cookies;
	GHashTable *path_params; /* {name} segments of the route pattern */
	const char *lang;    /* "de" or "en" */
	int early_status;    /* set by the server when the request is unusable (400) */
	gint64 started_us;   /* monotonic time the request was complete */
	bool wants_json;     /* Accept prefers application/json over text/html */
} http_request;

typedef struct http_response {
	int status;
	GPtrArray *headers;  /* alternating name, value (owned strings) */
	GString *body;
	GBytes *body_bytes;  /* used instead of body when set (static files) */
	const char *route_name; /* static string for logs and metrics; "-" when none */
} http_response;

http_request *http_request_new(void);
void http_request_free(http_request *req);
http_response *http_response_new(void);
void http_response_free(http_response *resp);

/* Header of the request, case-insensitive name; NULL when absent. */
const char *http_request_header(const http_request *req, const char *name);
const char *http_request_path_param(const http_request *req, const char *name);

/* Replaces a header of that name, or adds it. */
void http_response_set_header(http_response *resp, const char *name, const char *value);
/* Adds a header even if one of that name exists (Set-Cookie). */
void http_response_add_header(http_response *resp, const char *name, const char *value);
const char *http_response_get_header(const http_response *resp, const char *name);

struct app;
struct route;
struct view;

/* The logged-in account of a request (owned by the request's req_ctx). */
typedef struct req_user {
	int64_t id;
	char *email;
	char *display_name;
	char *lang;
	bool totp_enabled;
	int64_t session_id;
	bool second_factor_pending; /* password checked, second factor still due */
	int64_t demo_region_id;     /* a demo account counts only in this region */
	unsigned roles;             /* account_role bits in the request's region */
} req_user;

/* Everything one request's handler works with. */
typedef struct req_ctx {
	http_request *req;
	http_response *resp;
	bireg_ctx ctx;            /* db, region, user of this request */
	const struct route *route;
	const struct app *app;    /* read-only after start */
	const struct view *view;  /* templates, read-only */
	const char *route_path;   /* path the router matched: req->path without the region prefix */
	json_t *region;           /* the request's region as loaded by the router, or NULL */
	char region_prefix[80];   /* "" for the default region, else "/r/<slug>" */
	const char *error_field;  /* the parameter that failed its check (static string) */
	const char *error_message; /* msgid replacing the error page's standard text, or NULL */
	req_user *user;           /* NULL for anonymous requests (and a pending second factor) */
	req_user *pending;        /* a session whose second factor is still due */
	char *csrf_token;         /* the token forms of this response must carry */
	char *redirect;           /* set by a permit hook: answer 303 to this URL */
	bool set_csrf_cookie;     /* csrf_token is new: send it as the anonymous CSRF cookie */
	bool session_expired;     /* a session cookie came, but its session is over */
} req_ctx;

/* A handler fills rc->resp and returns 0, or returns an HTTP status >= 400
 * (and leaves resp alone) to let the error page machinery answer. */
typedef int (*http_handler_fn)(req_ctx *rc);

/* Permission hook: true when the request may run the route. The accounts
 * issue fills these in; until then routes are public or test-only. */
typedef bool (*http_permit_fn)(req_ctx *rc);

typedef enum {
	PARAM_STRING, /* valid UTF-8 up to max_len bytes */
	PARAM_INT,    /* decimal integer within [min, max] */
	PARAM_SLUG,   /* [a-z0-9-]{1,max_len} */
	PARAM_ENUM,   /* one of a '|'-separated list in `choices` */
} param_kind;

/* A query or form parameter the route accepts. Parameters not declared are
 * ignored by helpers; declared ones are checked before the handler runs and a
 * violation is answered 400 (or re-shown in the form by the handler for
 * form fields marked `form_field`). */
typedef struct param_rule {
	const char *name;
	param_kind kind;
	bool required;
	int64_t min, max;   /* PARAM_INT */
	size_t max_len;     /* PARAM_STRING/PARAM_SLUG; 0 = 1000 */
	const char *choices; /* PARAM_ENUM */
} param_rule;

enum route_flags {
	ROUTE_REGION = 1 << 0,  /* a page of a region: from a /r/<slug> prefix or the default (404 if unknown) */
	ROUTE_TEST_ONLY = 1 << 2, /* only when BIREG_TEST_ROUTES=1 */
	ROUTE_NO_SESSION = 1 << 3, /* no session lookup: assets, health, metrics */
};

typedef struct route {
	unsigned methods;         /* http_method bits; GET implies HEAD */
	const char *pattern;      /* "/r/{region}/impressum"; "{x}" matches one segment, "{x*}" the rest */
	const char *name;         /* stable name for logs, metrics and the authz matrix */
	http_permit_fn permit;    /* NULL = anyone */
	const char *permission;   /* human-readable name of permit, for the authz matrix */
	const param_rule *params; /* terminated by {0}; may be NULL */
	http_handler_fn handler;
	unsigned flags;
	size_t max_body;          /* 0 = server default */
} route;

typedef struct router router;

/* Builds a router over a static route table (borrowed, must outlive the
 * router). Fails on a malformed pattern or two routes with the same name. */
router *router_new(const route *const *tables, size_t ntables, GError **err);
void router_free(router *r);

typedef enum {
	ROUTER_MATCH,
	ROUTER_NOT_FOUND,
	ROUTER_METHOD_NOT_ALLOWED,
} router_result;

/* Finds the route for method and path. On ROUTER_MATCH sets *out and fills
 * params (name -> value, both newly allocated, table must free both) ; on
 * ROUTER_METHOD_NOT_ALLOWED sets *allowed to the methods the path accepts. */
router_result router_match(const router *r, http_method method, const char *path,
			   const route **out, GHashTable *params, unsigned *allowed);

/* Iterates every route (for the authz matrix test and docs). */
void router_foreach(const router *r, void (*fn)(const route *rt, void *ud), void *ud);

/* Checks the declared param rules against query (GET) or form (POST). On
 * failure returns false with the offending parameter's name in *bad. */
bool router_check_params(const route *rt, const http_params *p, const char **bad);
