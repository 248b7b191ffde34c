/*
 * test_config.c — defaults, the INI file, environment overrides, and the
 * errors that name the key.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static const char *const vars[] = {"BIREG_CONFIG", "BIREG_DATABASE", "BIREG_LISTEN",
				   "BIREG_WORKERS", "BIREG_TEST_ROUTES", "BIREG_MAX_FORM_BYTES",
				   "BIREG_MAX_BODY_BYTES", "BIREG_TRUSTED_PROXIES",
				   "BIREG_DATABASE_OWNER"};

static void clean_env(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		g_unsetenv(vars[i]);
}

static char *write_file(const char *text)
{
	GError *err = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("bireg-config-XXXXXX.ini", &path, &err);
	g_assert_no_error(err);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void test_defaults(void)
{
	bireg_config c;
	GError *err = NULL;
	clean_env();
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpstr(c.database, ==, "var/bireg.db");
	g_assert_cmpstr(c.listen, ==, "127.0.0.1:8080");
	g_assert_cmpint(c.workers, ==, 4);
	g_assert_false(c.test_routes);
	g_assert_cmpint(c.max_form_bytes, ==, 1048576);
	config_clear(&c);
}

static void test_file_and_env(void)
{
	bireg_config c;
	GError *err = NULL;
	g_autofree char *path = write_file("[database]\nurl = /srv/bireg/bireg.db\n"
					   "[server]\nworkers = 8\nlisten = [::1]:9000\n");
	clean_env();
	g_assert_cmpint(config_load(&c, path, &err), ==, 0);
	g_assert_cmpstr(c.database, ==, "/srv/bireg/bireg.db");
	g_assert_cmpint(c.workers, ==, 8);
	g_assert_cmpstr(c.listen, ==, "[::1]:9000");
	config_clear(&c);

	/* The environment wins over the file. */
	g_setenv("BIREG_WORKERS", "2", TRUE);
	g_setenv("BIREG_TEST_ROUTES", "1", TRUE);
	g_assert_cmpint(config_load(&c, path, &err), ==, 0);
	g_assert_cmpint(c.workers, ==, 2);
	g_assert_true(c.test_routes);
	config_clear(&c);
	clean_env();
	g_unlink(path);
}

static void expect_error(const char *file_text, const char *env, const char *env_value,
			 const char *needle)
{
	bireg_config c;
	GError *err = NULL;
	g_autofree char *path = file_text ? write_file(file_text) : NULL;
	clean_env();
	if (env)
		g_setenv(env, env_value, TRUE);
	g_assert_cmpint(config_load(&c, path, &err), ==, -1);
	g_assert_nonnull(err);
	if (!strstr(err->message, needle))
		g_error("expected \"%s\" in \"%s\"", needle, err->message);
	g_error_free(err);
	clean_env();
	if (path)
		g_unlink(path);
}

static void test_errors(void)
{
	expect_error(NULL, "BIREG_WORKERS", "abc", "server.workers");
	expect_error(NULL, "BIREG_WORKERS", "0", "server.workers");
	expect_error(NULL, "BIREG_WORKERS", "100000", "server.workers");
	expect_error(NULL, "BIREG_LISTEN", "localhost", "server.listen");
	expect_error(NULL, "BIREG_LISTEN", "127.0.0.1:99999", "server.listen");
	expect_error(NULL, "BIREG_DATABASE", "", "database.url");
	expect_error(NULL, "BIREG_TEST_ROUTES", "maybe", "testing.routes");
	expect_error("[server]\nfoo = 1\n", NULL, NULL, "server.foo");
	expect_error("[server\nworkers = 1\n", NULL, NULL, "bireg-config");
	expect_error("[limits]\nmax_form_bytes = 99999999\nmax_body_bytes = 2048\n", NULL, NULL,
		     "limits.max_form_bytes");
	expect_error(NULL, "BIREG_TRUSTED_PROXIES", "proxy.example", "server.trusted_proxies");
	expect_error(NULL, "BIREG_TRUSTED_PROXIES", "10.0.0.0/8", "server.trusted_proxies");
	expect_error(NULL, "BIREG_DATABASE_OWNER", "var/owner.db", "database.owner_url");
}

/* Proxies are compared in canonical form; anything else is not one. */
static void test_trusted_proxies(void)
{
	bireg_config c;
	GError *err = NULL;
	clean_env();
	g_setenv("BIREG_TRUSTED_PROXIES", "10.0.0.5, 0:0::1\t192.0.2.1,", TRUE);
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_true(config_is_trusted_proxy(&c, "10.0.0.5"));
	g_assert_true(config_is_trusted_proxy(&c, "::1"));
	g_assert_true(config_is_trusted_proxy(&c, "192.0.2.1"));
	g_assert_false(config_is_trusted_proxy(&c, "10.0.0.6"));
	g_assert_false(config_is_trusted_proxy(&c, "-"));
	g_assert_false(config_is_trusted_proxy(&c, NULL));
	config_clear(&c);
	clean_env();
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_false(config_is_trusted_proxy(&c, "127.0.0.1"));
	config_clear(&c);
}

/* Lowering only the hard cap lowers the default form limit with it. */
static void test_body_cap_alone(void)
{
	bireg_config c;
	GError *err = NULL;
	clean_env();
	g_setenv("BIREG_MAX_BODY_BYTES", "65536", TRUE);
	g_assert_cmpint(config_load(&c, NULL, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(c.max_body_bytes, ==, 65536);
	g_assert_cmpint(c.max_form_bytes, ==, 65536);
	config_clear(&c);
	clean_env();
}

static void test_missing_file(void)
{
	bireg_config c;
	GError *err = NULL;
	clean_env();
	g_assert_cmpint(config_load(&c, "/nonexistent/bireg.ini", &err), ==, -1);
	g_assert_nonnull(strstr(err->message, "/nonexistent/bireg.ini"));
	g_error_free(err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/file-and-env", test_file_and_env);
	g_test_add_func("/config/errors", test_errors);
	g_test_add_func("/config/missing-file", test_missing_file);
	g_test_add_func("/config/body-cap-alone", test_body_cap_alone);
	g_test_add_func("/config/trusted-proxies", test_trusted_proxies);
	return g_test_run();
}
