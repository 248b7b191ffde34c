/*
 * router.c — matching a request path to a route, and checking declared
 * parameters before any handler runs.
 *
 * Patterns are split into segments once, when the router is built. A path
 * matches a route when every segment matches: a literal exactly, "{x}" any one
 * non-empty segment, "{x*}" the (non-empty) rest of the path. When several
 * routes match, the most specific wins, compared segment by segment (literal
 * before {x} before {x*}), so the order of the tables does not matter.
 */
#include <gio/gio.h>
#include <string.h>

#include "http/http.h"

typedef enum { SEG_LITERAL, SEG_PARAM, SEG_REST } seg_kind;

typedef struct seg {
	seg_kind kind;
	char *text; /* literal text or parameter name */
} seg;

typedef struct compiled {
	const route *rt;
	seg *segs;
	int nsegs;
} compiled;

struct router {
	compiled *routes;
	size_t n;
};

static void compiled_clear(compiled *c)
{
	for (int i = 0; i < c->nsegs; i++)
		g_free(c->segs[i].text);
	g_free(c->segs);
}

static int compile(const route *rt, compiled *c, GError **err)
{
	g_auto(GStrv) parts = NULL;
	int n = 0;

	c->rt = rt;
	if (!rt->pattern || rt->pattern[0] != '/' || !rt->name || !rt->handler || !rt->methods) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "route %s: needs a pattern starting with '/', a name, methods and a handler",
			    rt->name ? rt->name : rt->pattern);
		return -1;
	}
	parts = g_strsplit(rt->pattern + 1, "/", -1);
	c->segs = g_new0(seg, g_strv_length(parts) + 1);
	for (char **p = parts; *p; p++) {
		size_t len = strlen(*p);
		seg *s = &c->segs[n];
		if (len == 0 && !p[1] && p == parts) /* the root "/" */
			break;
		if (len == 0) {
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "route %s: empty segment in %s", rt->name, rt->pattern);
			return -1;
		}
		if ((*p)[0] == '{' && (*p)[len - 1] == '}' && len > 2) {
			bool rest = (*p)[len - 2] == '*';
			if (rest && p[1]) {
				g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
					    "route %s: {x*} must be the last segment", rt->name);
				return -1;
			}
			s->kind = rest ? SEG_REST : SEG_PARAM;
			s->text = g_strndup(*p + 1, len - (rest ? 3 : 2));
		} else {
			s->kind = SEG_LITERAL;
			s->text = g_strdup(*p);
		}
		n++;
		c->nsegs = n;
	}
	return 0;
}

router *router_new(const route *const *tables, size_t ntables, GError **err)
{
	router *r = g_new0(router, 1);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	size_t total = 0;

	for (size_t t = 0; t < ntables; t++)
		for (const route *rt = tables[t]; rt->pattern; rt++)
			total++;
	r->routes = g_new0(compiled, total);
	for (size_t t = 0; t < ntables; t++) {
		for (const route *rt = tables[t]; rt->pattern; rt++) {
			if (compile(rt, &r->routes[r->n++], err) < 0)
				goto fail;
			if (!g_hash_table_add(names, (gpointer)rt->name)) {
				g_set_error(err, G_IO_ERROR, G_IO_ERROR_EXISTS,
					    "two routes are named %s", rt->name);
				goto fail;
			}
		}
	}
	return r;
fail:
	router_free(r);
	return NULL;
}

void router_free(router *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		compiled_clear(&r->routes[i]);
	g_free(r->routes);
	g_free(r);
}

/* Splits path into segments in place; returns their count or -1 when the
 * path has too many or empty inner segments ("//"). A trailing slash is
 * ignored. */
static int split_path(char *path, char **out, int max)
{
	int n = 0;
	char *p = path + 1;

	if (!*p)
		return 0;
	for (;;) {
		char *slash = strchr(p, '/');
		if (n == max)
			return -1;
		out[n++] = p;
		if (!slash)
			break;
		*slash = '\0';
		if (!slash[1])
			break; /* trailing slash */
		p = slash + 1;
	}
	for (int i = 0; i < n; i++)
		if (!*out[i])
			return -1;
	return n;
}

/* Matches c against segs; returns a specificity score (higher is more
 * specific) or -1. */
static long match(const compiled *c, char **segs, int nsegs)
{
	long score = 0;
	for (int i = 0; i < c->nsegs; i++) {
		const seg *s = &c->segs[i];
		if (s->kind == SEG_REST)
			return i < nsegs ? score * 3 : -1;
		if (i >= nsegs)
			return -1;
		if (s->kind == SEG_LITERAL) {
			if (strcmp(s->text, segs[i]))
				return -1;
			score = score * 3 + 2;
		} else {
			/* "." and ".." never name a resource */
			if (!strcmp(segs[i], ".") || !strcmp(segs[i], ".."))
				return -1;
			score = score * 3 + 1;
		}
	}
	return c->nsegs == nsegs ? score : -1;
}

#define MAX_SEGS 32

router_result router_match(const router *r, http_method method, const char *path,
			   const route **out, GHashTable *params, unsigned *allowed)
{
	g_autofree char *copy = g_strdup(path);
	char *segs[MAX_SEGS];
	int nsegs = split_path(copy, segs, MAX_SEGS);
	const compiled *best = NULL;
	long best_score = -1;
	unsigned methods = 0;
	http_method want = method == HTTP_HEAD ? HTTP_GET : method;

	*out = NULL;
	if (allowed)
		*allowed = 0;
	if (nsegs < 0)
		return ROUTER_NOT_FOUND;
	for (size_t i = 0; i < r->n; i++) {
		long score = match(&r->routes[i], segs, nsegs);
		if (score < 0)
			continue;
		methods |= r->routes[i].rt->methods;
		if (!(r->routes[i].rt->methods & (method | want)))
			continue;
		if (score > best_score) {
			best = &r->routes[i];
			best_score = score;
		}
	}
	if (!best) {
		if (!methods)
			return ROUTER_NOT_FOUND;
		if (allowed)
			*allowed = methods & HTTP_GET ? methods | HTTP_HEAD : methods;
		return ROUTER_METHOD_NOT_ALLOWED;
	}
	for (int i = 0; i < best->nsegs; i++) {
		const seg *s = &best->segs[i];
		if (s->kind == SEG_PARAM) {
			g_hash_table_replace(params, g_strdup(s->text), g_strdup(segs[i]));
		} else if (s->kind == SEG_REST) {
			/* Re-join the rest from the original path. */
			const char *start = path + (segs[i] - copy);
			g_autofree char *rest = g_strdup(start);
			size_t len = strlen(rest);
			if (len && rest[len - 1] == '/')
				rest[len - 1] = '\0';
			g_hash_table_replace(params, g_strdup(s->text), g_steal_pointer(&rest));
		}
	}
	*out = best->rt;
	return ROUTER_MATCH;
}

void router_foreach(const router *r, void (*fn)(const route *rt, void *ud), void *ud)
{
	for (size_t i = 0; i < r->n; i++)
		fn(r->routes[i].rt, ud);
}

static bool check_one(const param_rule *pr, const char *v)
{
	size_t max_len = pr->max_len ? pr->max_len : 1000;
	size_t len = strlen(v);

	switch (pr->kind) {
	case PARAM_STRING:
		return len <= max_len;
	case PARAM_SLUG:
		if (len == 0 || len > max_len)
			return false;
		for (const char *p = v; *p; p++)
			if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
				return false;
		return true;
	case PARAM_INT: {
		gint64 n;
		return g_ascii_string_to_signed(v, 10, pr->min, pr->max, &n, NULL);
	}
	case PARAM_ENUM: {
		g_auto(GStrv) choices = g_strsplit(pr->choices, "|", -1);
		return g_strv_contains((const char *const *)choices, v);
	}
	}
	return false;
}

bool router_check_params(const route *rt, const http_params *p, const char **bad)
{
	*bad = NULL;
	if (!rt->params)
		return true;
	for (const param_rule *pr = rt->params; pr->name; pr++) {
		const GPtrArray *vals = http_params_get_all(p, pr->name);
		if (pr->required && vals->len == 0) {
			*bad = pr->name;
			return false;
		}
		for (guint i = 0; i < vals->len; i++) {
			if (!check_one(pr, g_ptr_array_index(vals, i))) {
				*bad = pr->name;
				return false;
			}
		}
	}
	return true;
}
