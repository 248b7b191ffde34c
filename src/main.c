/*
 * main.c — the bireg command and its subcommands.
 *
 *   bireg serve    run the HTTP server
 *   bireg init     create or upgrade the database
 *   bireg demo     load the demo region (Bildungsregion Duisburg)
 *   bireg user     manage user accounts
 *   bireg version  print the version
 *
 * Every subcommand reads the same settings (config.h): --config FILE, then
 * BIREG_* environment variables; --database overrides database.url. Exit
 * codes: 0 success, 1 failure at run time, 2 wrong usage or settings.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "build_config.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "http/parse.h"
#include "http/server.h"
#include "modules/region/demo.h"
#include "view/format.h"
#include "view/i18n.h"

typedef struct common_opts {
	char *config;
	char *database;
} common_opts;

static void add_common(GOptionContext *oc, common_opts *co)
{
	GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &co->config,
		 "Settings file (INI); default $BIREG_CONFIG", "FILE"},
		{"database", 'd', 0, G_OPTION_ARG_STRING, &co->database,
		 "Database: SQLite file path (default var/bireg.db); overrides database.url and "
		 "BIREG_DATABASE",
		 "URL"},
		{NULL},
	};
	g_option_context_add_main_entries(oc, entries, NULL);
}

static void common_clear(common_opts *co)
{
	g_free(co->config);
	g_free(co->database);
}

/* Parses argv for a subcommand; returns 0, or the exit code on error or --help. */
static int parse_args(GOptionContext *oc, int *argc, char ***argv)
{
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "bireg: %s\n", err->message);
		return 2;
	}
	if (*argc > 1) {
		fprintf(stderr, "bireg: unexpected argument: %s\n", (*argv)[1]);
		return 2;
	}
	return 0;
}

static int load_config(const common_opts *co, bireg_config *cfg)
{
	g_autoptr(GError) err = NULL;
	if (co->database)
		g_setenv("BIREG_DATABASE", co->database, TRUE);
	if (config_load(cfg, co->config, &err) < 0) {
		fprintf(stderr, "bireg: setting error: %s\n", err->message);
		return 2;
	}
	return 0;
}

/* Opens the database and brings the schema up to date. */
static db *open_migrated(const bireg_config *cfg, GError **err)
{
	db *d = db_open(cfg->database, err);
	int applied;

	if (!d)
		return NULL;
	applied = db_migrate(d, err);
	if (applied < 0) {
		db_close(d);
		return NULL;
	}
	if (applied > 0)
		log_info("database %s: %d migrations applied, schema version %d", cfg->database,
			 applied, db_schema_version(d, NULL));
	return d;
}

static int cmd_init(int argc, char **argv)
{
	common_opts co = {0};
	bireg_config cfg;
	g_autoptr(GOptionContext) oc = g_option_context_new("- create or upgrade the database");
	g_autoptr(GError) err = NULL;
	int rc;
	db *d;

	g_option_context_set_summary(oc, "Creates the database if it does not exist and applies every "
					 "migration it lacks.\nRunning it again is harmless.");
	add_common(oc, &co);
	if ((rc = parse_args(oc, &argc, &argv)) || (rc = load_config(&co, &cfg))) {
		common_clear(&co);
		return rc;
	}
	d = open_migrated(&cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg init: %s\n", err->message);
		rc = 1;
	} else {
		printf("bireg: database %s is at schema version %d\n", cfg.database,
		       db_schema_version(d, NULL));
		db_close(d);
	}
	config_clear(&cfg);
	common_clear(&co);
	return rc;
}

static int cmd_demo(int argc, char **argv)
{
	common_opts co = {0};
	char *data_dir = NULL;
	bireg_config cfg;
	g_autoptr(GOptionContext) oc = g_option_context_new("- load the demo region");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
		 "Folder with the shared data files (default $BIREG_DATA_DIR, else ../shared/data "
		 "beside the source tree)",
		 "DIR"},
		{NULL},
	};
	int rc;
	db *d;

	g_option_context_set_summary(
		oc, "Creates or refreshes the demo region \"Bildungsregion Duisburg\" with its levels\n"
		    "and office, from public facts; all contact data is made up.");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if ((rc = parse_args(oc, &argc, &argv)) || (rc = load_config(&co, &cfg))) {
		common_clear(&co);
		g_free(data_dir);
		return rc;
	}
	if (!data_dir)
		data_dir = g_strdup(g_getenv("BIREG_DATA_DIR"));
	if (!data_dir)
		data_dir = g_build_filename(BIREG_SOURCE_ROOT, "..", "shared", "data", NULL);
	d = open_migrated(&cfg, &err);
	if (d) {
		bireg_ctx ctx = {.db = d};
		gint64 id = demo_load(&ctx, data_dir, &err);
		if (id > 0)
			printf("bireg: demo region \"Bildungsregion Duisburg\" is ready (slug duisburg)\n");
		else
			rc = 1;
		db_close(d);
	} else {
		rc = 1;
	}
	if (rc)
		fprintf(stderr, "bireg demo: %s\n", err ? err->message : "failed");
	g_free(data_dir);
	config_clear(&cfg);
	common_clear(&co);
	return rc;
}

static int cmd_serve(int argc, char **argv)
{
	common_opts co = {0};
	gboolean check = FALSE;
	char *listen = NULL;
	g_autoptr(GOptionContext) oc = g_option_context_new("- run the web server");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
		 "Address to listen on, host:port (port 0 = any free port); overrides server.listen",
		 "ADDR"},
		{"check-config", 0, 0, G_OPTION_ARG_NONE, &check,
		 "Check the settings, the database and the templates, print the settings, and exit", NULL},
		{NULL},
	};
	app a = {0};
	server_hooks hooks;
	server_opts so;
	int rc;
	db *d;

	g_option_context_set_summary(
		oc, "Serves the web interface, the JSON views and /healthz and /metrics.\n"
		    "Stops cleanly on SIGTERM or SIGINT: requests in flight are finished.\n\n"
		    "Settings (file key / environment variable):\n"
		    "  database.url            BIREG_DATABASE        SQLite file (default var/bireg.db)\n"
		    "  server.listen           BIREG_LISTEN          host:port (default 127.0.0.1:8080)\n"
		    "  server.workers          BIREG_WORKERS         request worker threads (default 4)\n"
		    "  server.loops            BIREG_LOOPS           event loops (default: one per core)\n"
		    "  server.static_dir       BIREG_STATIC_DIR      front-end assets (default: web/ of the source)\n"
		    "  server.locale_dir       BIREG_LOCALE_DIR      compiled translations\n"
		    "  server.base_url         BIREG_BASE_URL        public URL of this installation\n"
		    "  server.secure_cookies   BIREG_SECURE_COOKIES  true behind TLS\n"
		    "  limits.max_body_bytes   BIREG_MAX_BODY_BYTES  hard cap on a request body\n"
		    "  limits.max_form_bytes   BIREG_MAX_FORM_BYTES  body limit of ordinary forms\n"
		    "  limits.max_header_bytes BIREG_MAX_HEADER_BYTES\n"
		    "  limits.request_timeout  BIREG_REQUEST_TIMEOUT seconds a client may stay silent\n"
		    "  limits.queue            BIREG_QUEUE           waiting requests before 503");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if ((rc = parse_args(oc, &argc, &argv))) {
		common_clear(&co);
		g_free(listen);
		return rc;
	}
	if (listen)
		g_setenv("BIREG_LISTEN", listen, TRUE);
	g_free(listen);
	rc = load_config(&co, &a.cfg);
	common_clear(&co);
	if (rc)
		return rc;

	rc = 1;
	if (!i18n_init(a.cfg.locale_dir, &err)) {
		fprintf(stderr, "bireg serve: %s\n", err->message);
		goto out;
	}
	/* Without tzdata the built-in EU rule is used, exact since 1996. */
	if (!format_init())
		log_warn("time zone data for Europe/Berlin not found; using the built-in EU rule");
	http_parse_init();
	d = open_migrated(&a.cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg serve: database %s: %s\n", a.cfg.database, err->message);
		goto out;
	}
	db_close(d);
	if (app_init(&a, &err) < 0) {
		fprintf(stderr, "bireg serve: %s\n", err->message);
		goto out;
	}
	if (check) {
		config_print(&a.cfg, stdout);
		printf("# settings, database, templates and assets are fine\n");
		rc = 0;
		goto out;
	}
	app_server_hooks(&a, &hooks);
	so = (server_opts){
		.listen = a.cfg.listen,
		.loops = a.cfg.loops,
		.workers = a.cfg.workers,
		.max_body_bytes = a.cfg.max_body_bytes,
		.max_header_bytes = a.cfg.max_header_bytes,
		.request_timeout = a.cfg.request_timeout,
		.queue_limit = a.cfg.queue_limit,
		.busy_page = view_busy_page(a.view),
		.shutdown_grace = 30,
		.stats = &a.stats,
	};
	if (server_run(&so, &hooks, &err) < 0) {
		fprintf(stderr, "bireg serve: %s\n", err->message);
		goto out;
	}
	log_info("stopped");
	rc = 0;
out:
	app_clear(&a);
	return rc;
}

static int cmd_user(int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("add|passwd|grant|list - manage user accounts");
	int rc;

	g_option_context_set_summary(oc, "User accounts and roles per region.\n\n"
					 "Not available in this version: accounts, logins and roles "
					 "are the next step of the\nfoundation (see ROADMAP in docs/).");
	if ((rc = parse_args(oc, &argc, &argv)))
		return rc;
	fprintf(stderr, "bireg user: user accounts are not part of this version yet\n");
	return 2;
}

static int cmd_version(int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("- print the version");
	int rc;
	if ((rc = parse_args(oc, &argc, &argv)))
		return rc;
	printf("bireg %s\n", BIREG_VERSION);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{"serve", cmd_serve, "run the web server"},
	{"init", cmd_init, "create or upgrade the database"},
	{"demo", cmd_demo, "load the demo region (Bildungsregion Duisburg)"},
	{"user", cmd_user, "manage user accounts"},
	{"version", cmd_version, "print the version"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: bireg COMMAND [OPTIONS]\n\n"
		     "bireg is the coordination system of a regional education network's office.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "\n\"bireg COMMAND --help\" describes a command and its options.\n");
}

int main(int argc, char **argv)
{
	const char *lvl = g_getenv("BIREG_LOG");

	/* Messages in the C library stay as they are; the UI language is chosen
	 * per request with uselocale(). LC_NUMERIC is never changed. */
	setlocale(LC_CTYPE, "C.UTF-8");
	if (lvl && !g_ascii_strcasecmp(lvl, "debug"))
		log_set_level(LOG_DEBUG);
	else if (lvl && !g_ascii_strcasecmp(lvl, "warn"))
		log_set_level(LOG_WARN);

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			g_autofree char *prg = g_strdup_printf("bireg %s", argv[1]);
			g_set_prgname(prg);
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "bireg: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return 2;
}
