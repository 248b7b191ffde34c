/*
 * test_router.c — route matching, specificity, 405 detection, parameter
 * rules, and the installation's real route table.
 */
#include <glib.h>

#include "app.h"
#include "http/http.h"

static int h(req_ctx *rc)
{
	(void)rc;
	return 0;
}

static const param_rule rules[] = {
	{.name = "page", .kind = PARAM_INT, .min = 1, .max = 1000},
	{.name = "sort", .kind = PARAM_ENUM, .choices = "name|date"},
	{.name = "slug", .kind = PARAM_SLUG, .max_len = 10},
	{.name = "q", .kind = PARAM_STRING, .max_len = 5, .required = true},
	{0},
};

static const route table[] = {
	{HTTP_GET, "/", "root", NULL, NULL, NULL, h, 0, 0},
	{HTTP_GET, "/gremien", "bodies", NULL, NULL, NULL, h, 0, 0},
	{HTTP_GET | HTTP_POST, "/gremien/{id}", "body", NULL, NULL, rules, h, 0, 0},
	{HTTP_GET, "/gremien/neu", "body.new", NULL, NULL, NULL, h, 0, 0},
	{HTTP_GET, "/static/{v}/{path*}", "static", NULL, NULL, NULL, h, 0, 0},
	{0},
};

static router *make(void)
{
	const route *const tables[] = {table};
	GError *err = NULL;
	router *r = router_new(tables, 1, &err);
	g_assert_no_error(err);
	return r;
}

static const route *match(router *r, http_method m, const char *path, GHashTable **params,
			  router_result *res)
{
	const route *rt = NULL;
	*params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	*res = router_match(r, m, path, &rt, *params, NULL);
	return rt;
}

static void test_basic(void)
{
	router *r = make();
	GHashTable *p;
	router_result res;
	const route *rt;

	rt = match(r, HTTP_GET, "/", &p, &res);
	g_assert_cmpint(res, ==, ROUTER_MATCH);
	g_assert_cmpstr(rt->name, ==, "root");
	g_hash_table_unref(p);

	rt = match(r, HTTP_GET, "/gremien/", &p, &res); /* trailing slash */
	g_assert_cmpstr(rt->name, ==, "bodies");
	g_hash_table_unref(p);

	rt = match(r, HTTP_GET, "/gremien/42", &p, &res);
	g_assert_cmpstr(rt->name, ==, "body");
	g_assert_cmpstr(g_hash_table_lookup(p, "id"), ==, "42");
	g_hash_table_unref(p);

	/* The literal beats the parameter, whatever the table order. */
	rt = match(r, HTTP_GET, "/gremien/neu", &p, &res);
	g_assert_cmpstr(rt->name, ==, "body.new");
	g_hash_table_unref(p);

	rt = match(r, HTTP_HEAD, "/gremien", &p, &res);
	g_assert_cmpint(res, ==, ROUTER_MATCH);
	g_hash_table_unref(p);

	rt = match(r, HTTP_GET, "/static/abc/vendor/kern/kern.css", &p, &res);
	g_assert_cmpstr(rt->name, ==, "static");
	g_assert_cmpstr(g_hash_table_lookup(p, "path"), ==, "vendor/kern/kern.css");
	g_hash_table_unref(p);
	router_free(r);
}

static void test_not_found(void)
{
	router *r = make();
	const char *paths[] = {"/nix", "/gremien/1/2", "//", "/gremien//1", "/static/abc",
			       "/gremien/..", "/gremien/."};
	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
		GHashTable *p;
		router_result res;
		const route *rt = match(r, HTTP_GET, paths[i], &p, &res);
		g_assert_cmpint(res, ==, ROUTER_NOT_FOUND);
		g_assert_null(rt);
		g_hash_table_unref(p);
	}
	router_free(r);
}

static void test_method_not_allowed(void)
{
	router *r = make();
	GHashTable *p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const route *rt;
	unsigned allowed = 0;
	g_assert_cmpint(router_match(r, HTTP_DELETE, "/gremien/1", &rt, p, &allowed), ==,
			ROUTER_METHOD_NOT_ALLOWED);
	g_assert_true(allowed & HTTP_GET);
	g_assert_true(allowed & HTTP_POST);
	g_assert_true(allowed & HTTP_HEAD);
	g_assert_false(allowed & HTTP_DELETE);
	g_hash_table_unref(p);
	router_free(r);
}

static void test_params(void)
{
	http_params *p = http_params_new();
	const char *bad = NULL;

	g_assert_false(router_check_params(&table[2], p, &bad));
	g_assert_cmpstr(bad, ==, "q"); /* required */
	http_params_add(p, "q", "abc");
	g_assert_true(router_check_params(&table[2], p, &bad));
	http_params_add(p, "page", "0");
	g_assert_false(router_check_params(&table[2], p, &bad));
	g_assert_cmpstr(bad, ==, "page");
	http_params_free(p);

	p = http_params_new();
	http_params_add(p, "q", "abcdef"); /* too long */
	g_assert_false(router_check_params(&table[2], p, &bad));
	http_params_free(p);

	p = http_params_new();
	http_params_add(p, "q", "a");
	http_params_add(p, "sort", "name");
	http_params_add(p, "slug", "kreis-wesel");
	g_assert_false(router_check_params(&table[2], p, &bad)); /* 11 > 10 */
	g_assert_cmpstr(bad, ==, "slug");
	http_params_free(p);

	p = http_params_new();
	http_params_add(p, "q", "a");
	http_params_add(p, "sort", "Name");
	g_assert_false(router_check_params(&table[2], p, &bad));
	g_assert_cmpstr(bad, ==, "sort");
	http_params_free(p);

	p = http_params_new();
	http_params_add(p, "q", "a");
	http_params_add(p, "slug", "Wesel");
	g_assert_false(router_check_params(&table[2], p, &bad));
	http_params_free(p);
}

static void test_bad_tables(void)
{
	static const route dup[] = {
		{HTTP_GET, "/a", "same", NULL, NULL, NULL, h, 0, 0},
		{HTTP_GET, "/b", "same", NULL, NULL, NULL, h, 0, 0},
		{0},
	};
	static const route rest_mid[] = {
		{HTTP_GET, "/a/{x*}/b", "rest", NULL, NULL, NULL, h, 0, 0},
		{0},
	};
	static const route no_slash[] = {
		{HTTP_GET, "a", "rel", NULL, NULL, NULL, h, 0, 0},
		{0},
	};
	const route *const *cases[] = {(const route *const[]){dup},
				       (const route *const[]){rest_mid},
				       (const route *const[]){no_slash}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GError *err = NULL;
		router *r = router_new(cases[i], 1, &err);
		g_assert_null(r);
		g_assert_nonnull(err);
		g_error_free(err);
	}
}

static void check_route(const route *rt, void *ud)
{
	guint *n = ud;
	(*n)++;
	g_assert_nonnull(rt->permission);
	g_assert_true(g_str_has_prefix(rt->pattern, "/"));
}

/* The installation's own table builds, and every route names its
 * permission (the authorization matrix will list them). */
static void test_app_routes(void)
{
	GError *err = NULL;
	router *r = router_new(app_route_tables, app_route_table_count, &err);
	guint n = 0;
	g_assert_no_error(err);
	router_foreach(r, check_route, &n);
	g_assert_cmpuint(n, >=, 8);
	router_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/router/basic", test_basic);
	g_test_add_func("/router/not-found", test_not_found);
	g_test_add_func("/router/method-not-allowed", test_method_not_allowed);
	g_test_add_func("/router/params", test_params);
	g_test_add_func("/router/bad-tables", test_bad_tables);
	g_test_add_func("/router/app-routes", test_app_routes);
	return g_test_run();
}
