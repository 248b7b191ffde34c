/*
 * main.c — the bireg command and its subcommands.
 *
 *   bireg serve    run the HTTP server
 *   bireg init     create or upgrade the database
 *   bireg demo     load the demo region (Bildungsregion Duisburg)
 *   bireg user     manage user accounts
 *   bireg backup / restore   copy the SQLite database out / put a copy back
 *   bireg export / import    a whole region as one archive file
 *   bireg jobs     list, retry or run background jobs
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
#include <unistd.h>

#include "app.h"
#include "build_config.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "http/parse.h"
#include "http/server.h"
#include "jobs/builtin.h"
#include "modules/register/register_import.h"
#include "jobs/job.h"
#include "jobs/runner.h"
#include "core/token.h"
#include "modules/account/account_store.h"
#include "modules/account/password.h"
#include "modules/account/totp.h"
#include "modules/region/demo.h"
#include "modules/region/region_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/school_import.h"
#include "ops/backup.h"
#include "out/outbox.h"
#include "out/ical.h"
#include "ops/region_archive.h"
#include "search/search.h"
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
		 "Database: SQLite file path (default var/bireg.db) or postgresql:// URL of the "
		 "serving role; overrides database.url and BIREG_DATABASE",
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

/* Brings the schema up to date as `bireg init` does (db_install: through
 * database.owner_url on PostgreSQL, which then grants the serving role its
 * rights) and opens the serving connection (database.url). */
static db *open_migrated(const bireg_config *cfg, GError **err)
{
	g_autofree char *where = db_url_describe(cfg->database);
	int applied = db_install(cfg->database, cfg->database_owner, err);
	db *d;

	if (applied < 0)
		return NULL;
	d = db_open(cfg->database, err);
	if (d && applied > 0)
		log_info("database %s: %d migrations applied, schema version %d", where, applied,
			 db_schema_version(d, NULL));
	/* A migration may have created or changed the search index: the
	 * accounts' entries are rebuilt from their roles (a few rows). */
	if (d && applied > 0 && search_reindex_accounts(&(bireg_ctx){.db = d}, err) < 0) {
		db_close(d);
		return NULL;
	}
	return d;
}

/* The serving connection of `bireg serve`, checked before it listens: the
 * schema is brought up to date (SQLite, or PostgreSQL with an owner URL) or
 * must be current (PostgreSQL without one: the serving role may not change
 * the schema), and the serving role must be subject to row-level security. */
static db *open_for_serving(const bireg_config *cfg, GError **err)
{
	bool migrate = !db_url_is_postgres(cfg->database) || *cfg->database_owner;
	db *d = migrate ? open_migrated(cfg, err) : db_open(cfg->database, err);

	if (!d)
		return NULL;
	if (!migrate) {
		g_autoptr(GError) e = NULL;
		if (!db_schema_current(d, &e)) {
			g_autofree char *where = db_url_describe(cfg->database);
			g_set_error(err, e->domain, e->code,
				    "%s: %s; bireg serve does not migrate without database.owner_url "
				    "(BIREG_DATABASE_OWNER): run `bireg init` with it set, or set it for "
				    "bireg serve too", where, e->message);
			db_close(d);
			return NULL;
		}
	}
	if (db_check_serving_role(d, err) < 0) {
		db_close(d);
		return NULL;
	}
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
		g_autofree char *where = db_url_describe(cfg.database);
		printf("bireg: database %s is at schema version %d\n", where,
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
		oc, "Creates or refreshes the demo region \"Bildungsregion Duisburg\" with its levels,\n"
		    "office and register (areas, the schools of the NRW school directory, other\n"
		    "institutions, the bodies with their rules of procedure, people and memberships),\n"
		    "from public facts; all people and contact data are made up.");
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
	if (token_init() < 0 || password_init(2) < 0) {
		fprintf(stderr, "bireg demo: libsodium failed to start\n");
		rc = 1;
		goto demo_out;
	}
	d = open_migrated(&cfg, &err);
	if (d) {
		bireg_ctx ctx = {.db = d};
		gint64 id = demo_load(&ctx, data_dir, &err);
		/* The demo accounts' search entries, also where they already
		 * existed before this run. */
		if (id > 0 && search_reindex_accounts(&ctx, &err) >= 0)
			demo_print_logins(stdout);
		else
			rc = 1;
		db_close(d);
	} else {
		rc = 1;
	}
	if (rc)
		fprintf(stderr, "bireg demo: %s\n", err ? err->message : "failed");
demo_out:
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
	job_runner *jobs = NULL;
	int rc;
	db *d;

	g_option_context_set_summary(
		oc, "Serves the web interface, the JSON views and /healthz and /metrics.\n"
		    "Stops cleanly on SIGTERM or SIGINT: requests in flight are finished.\n\n"
		    "Settings (file key / environment variable):\n"
		    "  database.url            BIREG_DATABASE        SQLite file (default var/bireg.db) or\n"
		    "                                                postgresql:// URL of the serving role\n"
		    "  database.owner_url      BIREG_DATABASE_OWNER  PostgreSQL: URL of the schema owner;\n"
		    "                                                migrates and grants at start\n"
		    "  server.listen           BIREG_LISTEN          host:port (default 127.0.0.1:8080)\n"
		    "  server.workers          BIREG_WORKERS         request worker threads (default 4)\n"
		    "  server.loops            BIREG_LOOPS           event loops (default: one per core)\n"
		    "  server.static_dir       BIREG_STATIC_DIR      front-end assets (default: web/ of the source)\n"
		    "  server.locale_dir       BIREG_LOCALE_DIR      compiled translations\n"
		    "  server.base_url         BIREG_BASE_URL        public URL of this installation\n"
		    "  server.secure_cookies   BIREG_SECURE_COOKIES  true behind TLS\n"
		    "  server.trusted_proxies  BIREG_TRUSTED_PROXIES IP addresses of reverse proxies whose\n"
		    "                                                X-Forwarded-For names the client\n"
		    "  limits.max_body_bytes   BIREG_MAX_BODY_BYTES  hard cap on a request body\n"
		    "  limits.max_form_bytes   BIREG_MAX_FORM_BYTES  body limit of ordinary forms\n"
		    "  limits.max_header_bytes BIREG_MAX_HEADER_BYTES\n"
		    "  limits.request_timeout  BIREG_REQUEST_TIMEOUT seconds a client may stay silent\n"
		    "  limits.queue            BIREG_QUEUE           waiting requests before 503\n"
		    "  limits.file_bytes       BIREG_FILE_BYTES      largest stored file (default 20 MiB)\n"
		    "  jobs.workers            BIREG_JOB_WORKERS     background job threads (default 1, 0 = none)\n"
		    "  jobs.poll_ms            BIREG_JOB_POLL_MS     longest pause between looks at the job queue\n"
		    "                                                (default 1000)\n"
		    "  mail.smtp_url           BIREG_SMTP_URL        SMTP server, smtp://host:587 or smtps://host:465;\n"
		    "                                                empty: mail is written into mail.dev_dir\n"
		    "  mail.smtp_user          BIREG_SMTP_USER       login at the SMTP server (empty: no AUTH)\n"
		    "  mail.smtp_password      BIREG_SMTP_PASSWORD   its password\n"
		    "  mail.starttls           BIREG_SMTP_STARTTLS   required (default), opportunistic or off\n"
		    "  mail.from               BIREG_MAIL_FROM       sender address (default bireg@<host of base_url>)\n"
		    "  mail.dev_dir            BIREG_MAIL_DEV_DIR    .eml files when there is no SMTP (default var/mail)\n"
		    "  mail.timeout            BIREG_MAIL_TIMEOUT    seconds for one SMTP delivery (default 30)");
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
	if (token_init() < 0 || password_init(2) < 0 || totp_init() < 0) {
		fprintf(stderr, "bireg serve: libsodium or liboath failed to start\n");
		goto out;
	}
	d = open_for_serving(&a.cfg, &err);
	if (!d) {
		/* PostgreSQL's messages name the database, host and role. */
		if (db_url_is_postgres(a.cfg.database))
			fprintf(stderr, "bireg serve: %s\n", err->message);
		else
			fprintf(stderr, "bireg serve: database %s: %s\n", a.cfg.database, err->message);
		goto out;
	}
	if (search_index_usable(&(bireg_ctx){.db = d}, NULL) == 0)
		log_warn("PostgreSQL: searches read the whole search_entry table, since row-level "
			 "security keeps them from the GIN index; as a superuser, run once in this "
			 "database: ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF "
			 "(docs/OPERATIONS.md)");
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
	job_register_builtin(a.cfg.test_routes);
	register_import_setup(a.cfg.database);
	outbox_setup(&a.cfg);
	if (a.cfg.job_workers > 0) {
		/* Before the server: runner threads start with the stop signals
		 * blocked, and stop only after the last request was answered. */
		job_runner_opts jo = {.database = a.cfg.database, .threads = a.cfg.job_workers,
				      .poll_ms = a.cfg.job_poll_ms, .schedule = true};
		jobs = job_runner_start(&jo, &err);
		if (!jobs) {
			fprintf(stderr, "bireg serve: %s\n", err->message);
			goto out;
		}
	}
	if (server_run(&so, &hooks, &err) < 0) {
		fprintf(stderr, "bireg serve: %s\n", err->message);
		goto out;
	}
	log_info("stopped");
	rc = 0;
out:
	/* Each runner finishes the job it is running, then ends. */
	job_runner_stop(jobs);
	app_clear(&a);
	return rc;
}

/* Reads one line (the password) from stdin, without its line end. */
static char *read_password_line(void)
{
	char buf[1100];
	size_t n;
	if (!fgets(buf, sizeof buf, stdin))
		return NULL;
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return g_strdup(buf);
}

/* The password for add/passwd: from stdin, or a generated one printed once. */
static char *obtain_password(gboolean from_stdin, const char *email, bool *generated)
{
	char *pw;
	pw_quality q;

	*generated = false;
	if (!from_stdin) {
		*generated = true;
		return token_random(18);
	}
	pw = read_password_line();
	if (!pw) {
		fprintf(stderr, "bireg user: no password on standard input\n");
		return NULL;
	}
	q = password_check_quality(pw, email);
	if (q != PW_QUALITY_OK) {
		fprintf(stderr, "bireg user: %s\n", password_quality_message(q));
		g_free(pw);
		return NULL;
	}
	return pw;
}

static int user_action(const char *action, const char *email, const char *name, const char *lang,
		       const char *region_slug, const char *role, gboolean pw_stdin, db *d)
{
	bireg_ctx ctx = {.db = d};
	g_autoptr(GError) err = NULL;
	g_autoptr(account) a = NULL;
	g_autofree char *lower = NULL;

	if (!strcmp(action, "list")) {
		json_t *list = account_store_list(&ctx, &err);
		size_t i;
		json_t *u;
		if (!list)
			goto db_fail;
		json_array_foreach(list, i, u) {
			printf("%-40s %-30s %-8s totp=%s", json_string_value(json_object_get(u, "email")),
			       json_string_value(json_object_get(u, "display_name")),
			       json_string_value(json_object_get(u, "status")),
			       json_is_true(json_object_get(u, "totp_enabled")) ? "on" : "off");
			size_t k;
			json_t *r;
			json_array_foreach(json_object_get(u, "roles"), k, r)
				printf(" %s:%s", json_string_value(json_object_get(r, "region_slug")),
				       json_string_value(json_object_get(r, "role")));
			printf("\n");
		}
		json_decref(list);
		return 0;
	}
	if (!email) {
		fprintf(stderr, "bireg user %s: --email is required\n", action);
		return 2;
	}
	lower = g_utf8_strdown(email, -1);
	a = account_store_get_by_email(&ctx, lower, &err);
	if (err)
		goto db_fail;

	if (!strcmp(action, "add")) {
		bool generated;
		password_status ps;
		if (a) {
			fprintf(stderr, "bireg user add: an account with this e-mail exists\n");
			return 1;
		}
		if (!name || !*name) {
			fprintf(stderr, "bireg user add: --name is required\n");
			return 2;
		}
		if (!strchr(lower, '@') || strlen(lower) > 254) {
			fprintf(stderr, "bireg user add: --email is not an e-mail address\n");
			return 2;
		}
		if (lang && !i18n_lang_supported(lang)) {
			fprintf(stderr, "bireg user add: --lang must be de or en\n");
			return 2;
		}
		g_autofree char *pw = obtain_password(pw_stdin, lower, &generated);
		if (!pw)
			return 1;
		g_autofree char *hash = password_hash(pw, &ps);
		if (!hash || account_store_create(&ctx, lower, name, hash,
						  lang ? i18n_lang_supported(lang) : "de", 0, &err) < 0)
			goto db_fail;
		printf("bireg: account %s created\n", lower);
		if (generated)
			printf("bireg: password (shown once): %s\n", pw);
		return 0;
	}
	if (!a) {
		fprintf(stderr, "bireg user %s: no account with this e-mail\n", action);
		return 1;
	}
	if (!strcmp(action, "passwd")) {
		bool generated;
		password_status ps;
		g_autofree char *pw = obtain_password(pw_stdin, lower, &generated);
		if (!pw)
			return 1;
		g_autofree char *hash = password_hash(pw, &ps);
		if (!hash || account_store_set_password(&ctx, a->id, hash, &err) < 0 ||
		    session_store_delete_all(&ctx, a->id, 0, &err) < 0)
			goto db_fail;
		printf("bireg: password of %s changed; its sessions were ended\n", lower);
		if (generated)
			printf("bireg: password (shown once): %s\n", pw);
		return 0;
	}
	if (!strcmp(action, "grant") || !strcmp(action, "revoke")) {
		account_role r = role ? account_role_from_name(role) : 0;
		json_t *region;
		int rc;
		if (!r || !region_slug) {
			fprintf(stderr, "bireg user %s: --region SLUG and --role admin|office|applicant are required\n",
				action);
			return 2;
		}
		region = region_store_get_by_slug(&ctx, region_slug, &err);
		if (!region) {
			if (err)
				goto db_fail;
			fprintf(stderr, "bireg user %s: no region with slug %s\n", action, region_slug);
			return 1;
		}
		gint64 rid = json_integer_value(json_object_get(region, "id"));
		json_decref(region);
		rc = !strcmp(action, "grant") ? account_store_grant(&ctx, a->id, rid, r, &err)
					      : account_store_revoke(&ctx, a->id, rid, r, &err);
		if (rc < 0)
			goto db_fail;
		printf("bireg: %s %s role %s in region %s\n", lower,
		       !strcmp(action, "grant") ? "has the" : "no longer has the", role, region_slug);
		return 0;
	}
	if (!strcmp(action, "reset-totp")) {
		if (account_store_totp_disable(&ctx, a->id, &err) < 0 ||
		    session_store_delete_all(&ctx, a->id, 0, &err) < 0)
			goto db_fail;
		printf("bireg: second factor of %s turned off; its sessions were ended\n", lower);
		return 0;
	}
	if (!strcmp(action, "disable") || !strcmp(action, "enable")) {
		if (account_store_set_status(&ctx, a->id, !strcmp(action, "disable") ? "disabled" : "active",
					     &err) < 0 ||
		    (!strcmp(action, "disable") && session_store_delete_all(&ctx, a->id, 0, &err) < 0))
			goto db_fail;
		printf("bireg: account %s %sd\n", lower, action);
		return 0;
	}
	fprintf(stderr, "bireg user: unknown action \"%s\" (add, passwd, grant, revoke, reset-totp, disable, enable, list)\n",
		action);
	return 2;
db_fail:
	fprintf(stderr, "bireg user %s: %s\n", action, err ? err->message : "failed");
	return 1;
}

static int cmd_user(int argc, char **argv)
{
	common_opts co = {0};
	char *email = NULL, *name = NULL, *lang = NULL, *region = NULL, *role = NULL;
	gboolean pw_stdin = FALSE;
	g_autoptr(GOptionContext) oc =
		g_option_context_new("add|passwd|grant|revoke|reset-totp|disable|enable|list - manage user accounts");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"email", 'e', 0, G_OPTION_ARG_STRING, &email, "The account's login e-mail", "EMAIL"},
		{"name", 'n', 0, G_OPTION_ARG_STRING, &name, "Display name (add)", "NAME"},
		{"lang", 0, 0, G_OPTION_ARG_STRING, &lang, "Language de or en (add; default de)", "LANG"},
		{"region", 'r', 0, G_OPTION_ARG_STRING, &region, "Region slug (grant, revoke)", "SLUG"},
		{"role", 0, 0, G_OPTION_ARG_STRING, &role, "admin, office or applicant (grant, revoke)",
		 "ROLE"},
		{"password-stdin", 0, 0, G_OPTION_ARG_NONE, &pw_stdin,
		 "Read the password from standard input (add, passwd); otherwise one is generated "
		 "and shown once",
		 NULL},
		{NULL},
	};
	bireg_config cfg;
	const char *action;
	int rc;
	db *d;

	g_option_context_set_summary(
		oc, "Accounts and their roles per region.\n\n"
		    "  add      create an account (--email, --name)\n"
		    "  passwd   set a new password and end the account's sessions\n"
		    "  grant    give a role in a region (--region, --role)\n"
		    "  revoke   take a role away\n"
		    "  reset-totp  turn off the second factor (lost phone and codes)\n"
		    "  disable  lock an account and end its sessions; enable unlocks it\n"
		    "  list     every account with its roles\n\n"
		    "Passwords need 12 to 256 characters and must not be a common password.");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "bireg user: %s\n", err->message);
		rc = 2;
		goto out;
	}
	if (argc != 2) {
		fprintf(stderr, "bireg user: name one action (see bireg user --help)\n");
		rc = 2;
		goto out;
	}
	action = argv[1];
	if ((rc = load_config(&co, &cfg)))
		goto out;
	if (token_init() < 0 || password_init(2) < 0) {
		fprintf(stderr, "bireg user: libsodium failed to start\n");
		rc = 1;
		config_clear(&cfg);
		goto out;
	}
	d = open_migrated(&cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg user: %s\n", err->message);
		rc = 1;
	} else {
		rc = user_action(action, email, name, lang, region, role, pw_stdin, d);
		db_close(d);
	}
	config_clear(&cfg);
out:
	common_clear(&co);
	g_free(email);
	g_free(name);
	g_free(lang);
	g_free(region);
	g_free(role);
	return rc;
}

static int cmd_region(int argc, char **argv)
{
	common_opts co = {0};
	char *slug = NULL, *name = NULL, *totp = NULL;
	int retention = 0;
	g_autoptr(GOptionContext) oc = g_option_context_new("add|set|list - regions of this installation");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"slug", 's', 0, G_OPTION_ARG_STRING, &slug,
		 "Short name in URLs: a-z, 0-9 and inner hyphens (add)", "SLUG"},
		{"name", 'n', 0, G_OPTION_ARG_STRING, &name, "Name, e.g. \"Bildungsregion Kreis Wesel\" (add)",
		 "NAME"},
		{"require-totp-office", 0, 0, G_OPTION_ARG_STRING, &totp,
		 "yes or no: office staff must use a second factor (set)", "YES|NO"},
		{"feedback-retention-days", 0, 0, G_OPTION_ARG_INT, &retention,
		 "Days after which closed accessibility feedback is deleted (set; default 365)", "DAYS"},
		{NULL},
	};
	bireg_config cfg;
	int rc = 0;
	db *d;

	g_option_context_set_summary(oc, "  add   create a region (or rename the one with this slug)\n"
					 "  set   change a setting of the region --slug\n"
					 "  list  every region with its slug");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "bireg region: %s\n", err ? err->message : "name one action: add or list");
		rc = 2;
		goto out;
	}
	if ((rc = load_config(&co, &cfg)))
		goto out;
	d = open_migrated(&cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg region: %s\n", err->message);
		rc = 1;
	} else {
		bireg_ctx ctx = {.db = d};
		if (!strcmp(argv[1], "list")) {
			json_t *list = region_store_list(&ctx, &err);
			size_t i;
			json_t *r;
			json_array_foreach(list, i, r)
				printf("%-24s %s\n", json_string_value(json_object_get(r, "slug")),
				       json_string_value(json_object_get(r, "name")));
			rc = list ? 0 : 1;
			json_decref(list);
		} else if (!strcmp(argv[1], "set") && slug && totp &&
			   (!strcmp(totp, "yes") || !strcmp(totp, "no"))) {
			json_t *r = region_store_get_by_slug(&ctx, slug, &err);
			rc = 1;
			if (r) {
				rc = region_store_set_setting(
					     &ctx, json_integer_value(json_object_get(r, "id")),
					     "require_totp_for_office", json_boolean(!strcmp(totp, "yes")),
					     &err) < 0;
				json_decref(r);
				if (!rc)
					printf("bireg: region %s: second factor for office staff %s\n", slug,
					       !strcmp(totp, "yes") ? "required" : "optional");
			} else if (!err) {
				fprintf(stderr, "bireg region: no region with slug %s\n", slug);
			}
		} else if (!strcmp(argv[1], "set") && slug && !totp && retention >= 1 &&
			   retention <= 36500) {
			/* Read by the daily job feedback.retention (src/jobs/builtin.c). */
			json_t *r = region_store_get_by_slug(&ctx, slug, &err);
			rc = 1;
			if (r) {
				json_t *days = json_integer(retention);
				rc = region_store_set_setting(&ctx, json_integer_value(json_object_get(r, "id")),
							      "feedback_retention_days", days, &err) < 0;
				json_decref(days);
				json_decref(r);
				if (!rc)
					printf("bireg: region %s: closed feedback is deleted after %d days\n",
					       slug, retention);
			} else if (!err) {
				fprintf(stderr, "bireg region: no region with slug %s\n", slug);
			}
		} else if (!strcmp(argv[1], "add") && slug && name && *name) {
			region_input in = {.slug = slug, .name = name};
			int64_t id = -1;
			/* The region and its built-in kinds of institution, together. */
			if (db_begin(d, &err) == DB_OK) {
				bireg_ctx rctx = ctx;
				id = region_store_upsert(&ctx, &in, &err);
				if (id > 0) {
					rctx.region_id = id;
					db_set_region(d, id);
					if (institution_type_seed(&rctx, &err) < 0 ||
					    db_commit(d, &err) < 0)
						id = -1;
				}
				if (id <= 0)
					db_rollback(d);
				db_set_region(d, 0);
			}
			rc = id > 0 ? 0 : 1;
			if (!rc)
				printf("bireg: region %s is ready\n", slug);
		} else {
			fprintf(stderr, "bireg region: use add --slug SLUG --name NAME, set --slug SLUG "
					"--require-totp-office yes|no, set --slug SLUG "
					"--feedback-retention-days 1..36500, or list\n");
			rc = 2;
		}
		if (err)
			fprintf(stderr, "bireg region: %s\n", err->message);
		db_close(d);
	}
	config_clear(&cfg);
out:
	common_clear(&co);
	g_free(slug);
	g_free(name);
	g_free(totp);
	return rc;
}

/* One line per job for `bireg jobs list`. */
static void print_job(json_t *j)
{
	json_t *region = json_object_get(j, "region_id");
	g_autofree char *region_text = json_is_integer(region)
		? g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(region))
		: g_strdup("-");
	const char *last_error = json_string_value(json_object_get(j, "last_error"));

	printf("%-8" JSON_INTEGER_FORMAT " %-9s %-24s %-6s %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT
	       "  %s  %s\n",
	       json_integer_value(json_object_get(j, "id")),
	       json_string_value(json_object_get(j, "state")),
	       json_string_value(json_object_get(j, "kind")), region_text,
	       json_integer_value(json_object_get(j, "attempts")),
	       json_integer_value(json_object_get(j, "max_attempts")),
	       json_string_value(json_object_get(j, "run_at")), last_error ? last_error : "");
}

static int jobs_action(const char *action, char **args, int nargs, const char *state, int limit,
		       db *d)
{
	bireg_ctx ctx = {.db = d};
	g_autoptr(GError) err = NULL;

	if (!strcmp(action, "list")) {
		json_t *list;
		size_t i;
		json_t *j;
		if (nargs) {
			fprintf(stderr, "bireg jobs list: unexpected argument %s\n", args[0]);
			return 2;
		}
		if (state && !job_state_valid(state)) {
			fprintf(stderr, "bireg jobs list: --state must be queued, running, done, failed or cancelled\n");
			return 2;
		}
		list = job_list(&ctx, state, limit, &err);
		if (!list)
			goto db_fail;
		printf("%-8s %-9s %-24s %-6s %-5s %-20s  %s\n", "ID", "STATE", "KIND", "REGION",
		       "TRIES", "RUN AT", "LAST ERROR");
		json_array_foreach(list, i, j)
			print_job(j);
		json_decref(list);
		return 0;
	}
	if (!strcmp(action, "retry") || !strcmp(action, "cancel")) {
		gint64 id;
		int r;
		if (nargs != 1 || !g_ascii_string_to_signed(args[0], 10, 1, G_MAXINT64, &id, NULL)) {
			fprintf(stderr, "bireg jobs %s: name one job id\n", action);
			return 2;
		}
		r = !strcmp(action, "retry") ? job_retry(&ctx, id, &err) : job_cancel(&ctx, id, &err);
		if (r < 0)
			goto db_fail;
		if (r == JOB_CHANGE_NOT_FOUND) {
			fprintf(stderr, "bireg jobs %s: no job %" G_GINT64_FORMAT "\n", action, id);
			return 1;
		}
		if (r == JOB_CHANGE_WRONG_STATE) {
			fprintf(stderr, "bireg jobs %s: job %" G_GINT64_FORMAT " is not %s\n", action, id,
				!strcmp(action, "retry") ? "failed" : "queued");
			return 1;
		}
		printf("bireg: job %" G_GINT64_FORMAT " %s\n", id,
		       !strcmp(action, "retry") ? "is queued again" : "is cancelled");
		return 0;
	}
	if (!strcmp(action, "run-once")) {
		char host[256] = "localhost";
		int ran = 0, r = 0;
		if (nargs) {
			fprintf(stderr, "bireg jobs run-once: unexpected argument %s\n", args[0]);
			return 2;
		}
		gethostname(host, sizeof host - 1);
		host[sizeof host - 1] = '\0';
		g_autofree char *node = g_strdup_printf("%s:%d:cli", host, (int)getpid());
		if (job_schedule_recurring(&ctx, &err) < 0)
			goto db_fail;
		while (ran < limit && (r = job_run_next(d, node, &err)) > 0)
			ran++;
		if (r < 0)
			goto db_fail;
		printf("bireg: %d jobs run\n", ran);
		return 0;
	}
	fprintf(stderr, "bireg jobs: unknown action \"%s\" (list, retry, cancel, run-once)\n", action);
	return 2;
db_fail:
	fprintf(stderr, "bireg jobs %s: %s\n", action, err ? err->message : "failed");
	return 1;
}

static int cmd_jobs(int argc, char **argv)
{
	common_opts co = {0};
	char *state = NULL;
	int limit = 0;
	g_autoptr(GOptionContext) oc =
		g_option_context_new("list|retry ID|cancel ID|run-once - background jobs");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"state", 's', 0, G_OPTION_ARG_STRING, &state,
		 "Only jobs in this state: queued, running, done, failed or cancelled (list)", "STATE"},
		{"limit", 'n', 0, G_OPTION_ARG_INT, &limit,
		 "At most this many jobs (list: newest first, default 100; run-once: default 1000)",
		 "N"},
		{NULL},
	};
	bireg_config cfg;
	int rc;
	db *d;

	g_option_context_set_summary(
		oc, "The durable background jobs (e-mail, clean-up, retention, ...).\n\n"
		    "  list       the newest jobs of every region with state, attempts and last error\n"
		    "  retry ID   put a failed job back in the queue, due now, with fresh attempts\n"
		    "  cancel ID  cancel a queued job\n"
		    "  run-once   schedule the recurring jobs, run every due job, then exit (for cron\n"
		    "             when bireg serve runs with jobs.workers = 0)\n\n"
		    "bireg serve runs jobs itself in jobs.workers threads (default 1).");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "bireg jobs: %s\n", err->message);
		rc = 2;
		goto out;
	}
	if (argc < 2) {
		fprintf(stderr, "bireg jobs: name one action (see bireg jobs --help)\n");
		rc = 2;
		goto out;
	}
	if (limit < 0 || limit > 100000) {
		fprintf(stderr, "bireg jobs: --limit must be 1 to 100000\n");
		rc = 2;
		goto out;
	}
	if ((rc = load_config(&co, &cfg)))
		goto out;
	job_register_builtin(cfg.test_routes);
	register_import_setup(cfg.database);
	outbox_setup(&cfg);
	d = open_migrated(&cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg jobs: %s\n", err->message);
		rc = 1;
	} else {
		if (!limit)
			limit = !strcmp(argv[1], "run-once") ? 1000 : 100;
		rc = jobs_action(argv[1], argv + 2, argc - 2, state, limit, d);
		db_close(d);
	}
	config_clear(&cfg);
out:
	common_clear(&co);
	g_free(state);
	return rc;
}

/* ---- backup, restore, export, import (logic in src/ops) ---- */

/* Parses argv for a command that takes one FILE argument. */
static int parse_file_arg(GOptionContext *oc, int *argc, char ***argv, const char **file)
{
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), err->message);
		return 2;
	}
	if (*argc != 2) {
		fprintf(stderr, "%s: name one FILE (see %s --help)\n", g_get_prgname(), g_get_prgname());
		return 2;
	}
	*file = (*argv)[1];
	return 0;
}

static int cmd_backup_restore(int argc, char **argv, bool restore)
{
	common_opts co = {0};
	gboolean force = FALSE;
	const char *file = NULL;
	bireg_config cfg;
	g_autoptr(GError) err = NULL;
	g_autoptr(GOptionContext) oc = g_option_context_new(
		restore ? "FILE - put a backup back in place of the database"
			: "FILE - copy the database into FILE while bireg runs");
	GOptionEntry entries[] = {
		{"force", 'f', 0, G_OPTION_ARG_NONE, &force,
		 restore ? "Replace the existing database (stop bireg first)"
			 : "Replace FILE if it exists",
		 NULL},
		{NULL},
	};
	int rc, version = 0;

	g_option_context_set_summary(
		oc, restore ? "SQLite only. Checks that FILE is an intact bireg database whose schema\n"
			      "this bireg knows, and moves a copy of it into place as the database\n"
			      "(database.url). An existing database is only replaced with --force, never\n"
			      "while a bireg process has it open, and is kept beside it as\n"
			      "<database>.replaced-<time>. Stop bireg serve before, start it after.\n"
			      "On PostgreSQL use pg_restore (docs/OPERATIONS.md)."
			    : "SQLite only. Makes a consistent copy of the live database with SQLite's\n"
			      "online backup API (the server keeps serving), checks it with\n"
			      "PRAGMA integrity_check and writes it to FILE in one step (a temporary\n"
			      "file, fsync, rename). FILE holds password hashes: keep it private.\n"
			      "On PostgreSQL it prints the pg_dump command to use instead.");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if ((rc = parse_file_arg(oc, &argc, &argv, &file)) || (rc = load_config(&co, &cfg))) {
		common_clear(&co);
		return rc;
	}
	common_clear(&co);
	if (ops_is_postgres_url(cfg.database)) {
		g_autofree char *hint = restore ? ops_pg_restore_hint(cfg.database, file)
						: ops_pg_dump_hint(cfg.database, file);
		fprintf(stderr, "%s: %s", g_get_prgname(), hint);
		config_clear(&cfg);
		return 2;
	}
	if (restore) {
		g_autofree char *kept = NULL;
		rc = ops_restore(cfg.database, file, force, &version, &kept, &err);
		if (!rc) {
			printf("bireg: %s restored as the database %s (schema version %d)\n", file,
			       cfg.database, version);
			if (kept)
				printf("bireg: the database it replaced is kept as %s\n", kept);
		}
	} else {
		rc = ops_backup(cfg.database, file, force, &version, &err);
		if (!rc)
			printf("bireg: backup of %s written to %s (schema version %d)\n", cfg.database,
			       file, version);
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", g_get_prgname(), err->message);
	config_clear(&cfg);
	return rc ? 1 : 0;
}

static int cmd_backup(int argc, char **argv)
{
	return cmd_backup_restore(argc, argv, false);
}

static int cmd_restore(int argc, char **argv)
{
	return cmd_backup_restore(argc, argv, true);
}

/* The connection for export and import: migrated where this command may
 * migrate (SQLite, or PostgreSQL with database.owner_url), else required to
 * be current, as for `bireg serve`. */
static db *open_current(const bireg_config *cfg, GError **err)
{
	if (!db_url_is_postgres(cfg->database) || *cfg->database_owner)
		return open_migrated(cfg, err);
	db *d = db_open(cfg->database, err);
	if (d && !db_schema_current(d, err)) {
		g_prefix_error(err, "run `bireg init` with database.owner_url first: ");
		db_close(d);
		return NULL;
	}
	return d;
}

static int cmd_export_import(int argc, char **argv, bool import)
{
	common_opts co = {0};
	gboolean force = FALSE;
	char *slug = NULL;
	const char *file = NULL;
	bireg_config cfg;
	archive_summary sum = {0};
	g_autoptr(GError) err = NULL;
	g_autoptr(GOptionContext) oc = g_option_context_new(
		import ? "FILE - add the region in an archive to this installation"
		       : "--region SLUG FILE - write a whole region into an archive");
	GOptionEntry entries[] = {
		{import ? "slug" : "region", import ? 's' : 'r', 0, G_OPTION_ARG_STRING, &slug,
		 import ? "Slug the region gets here (default: its slug in the archive)"
			: "Slug of the region to export",
		 "SLUG"},
		{"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace FILE if it exists", NULL},
		{NULL},
	};
	int rc;
	db *d;

	if (import)
		entries[1] = (GOptionEntry){NULL};
	g_option_context_set_summary(
		oc, import ? "Adds the region of an archive made by bireg export, with its levels,\n"
			     "feedback and accounts, in one transaction: all or nothing. Ids are\n"
			     "assigned anew; an account whose e-mail exists here is kept as it is and\n"
			     "gets the archive's roles. Refuses a slug that exists. Works on SQLite\n"
			     "and PostgreSQL alike, so it moves a region between them.\n"
			     "\n"
			     "bireg import schools FILE --region SLUG [--dry-run] imports the NRW\n"
			     "school directory instead (see bireg import schools --help)."
			   : "Writes the region with everything in it (levels, feedback, files) and\n"
			     "the accounts that hold roles in it (password hashes and second-factor\n"
			     "secrets included, so logins keep working; no sessions) into one JSON\n"
			     "file of mode 0600. Keep it as secret as the database.");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if ((rc = parse_file_arg(oc, &argc, &argv, &file)) || (rc = load_config(&co, &cfg)))
		goto out;
	if (!import && !slug) {
		fprintf(stderr, "bireg export: --region SLUG is required\n");
		config_clear(&cfg);
		rc = 2;
		goto out;
	}
	d = open_current(&cfg, &err);
	if (!d) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), err->message);
		config_clear(&cfg);
		rc = 1;
		goto out;
	}
	if (import)
		rc = region_archive_import(d, file, slug, &sum, &err);
	else
		rc = region_archive_export(d, slug, file, force, &sum, &err);
	db_close(d);
	if (rc) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), err->message);
		if (import)
			fprintf(stderr, "%s: nothing was imported\n", g_get_prgname());
		rc = err->domain == BIREG_ARCHIVE_ERROR && err->code == ARCHIVE_ERROR_USAGE ? 2 : 1;
	} else {
		if (import)
			printf("bireg: region %s imported from %s (schema version %d):\n", sum.slug, file,
			       sum.schema_version);
		else
			printf("bireg: region %s exported to %s (schema version %d):\n", sum.slug, file,
			       sum.schema_version);
		archive_summary_print(&sum, import, stdout);
		if (sum.reindexed)
			printf("bireg: the region's search index was rebuilt\n");
	}
	archive_summary_clear(&sum);
	config_clear(&cfg);
out:
	common_clear(&co);
	g_free(slug);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	return cmd_export_import(argc, argv, false);
}

/* `bireg import schools FILE --region SLUG [--dry-run]`: the NRW school
 * directory into a region's register (school_import.c does the work). */
static int cmd_import_schools(int argc, char **argv)
{
	common_opts co = {0};
	gboolean dry_run = FALSE;
	char *slug = NULL;
	const char *file = NULL;
	bireg_config cfg;
	g_autoptr(GError) err = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;
	json_t *report = NULL, *region = NULL, *x;
	g_autoptr(GOptionContext) oc = g_option_context_new(
		"FILE --region SLUG - import the NRW school directory into a region");
	GOptionEntry entries[] = {
		{"region", 'r', 0, G_OPTION_ARG_STRING, &slug, "Slug of the region", "SLUG"},
		{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		 "Only check and compare; change nothing", NULL},
		{NULL},
	};
	int64_t batch;
	size_t i;
	int rc;
	db *d = NULL;

	g_option_context_set_summary(
		oc, "Reads the NRW school directory (schuldaten_nrw_*.csv: CSV in UTF-8 or\n"
		    "Windows-1252, or XLSX), keeps the schools whose Gemeindeschluessel starts\n"
		    "with one of the region's keys (set on the page Register > Import the school\n"
		    "directory), and creates or updates them by Schulnummer in one transaction:\n"
		    "all or nothing. Prints the counts and every rejected row; with a rejected\n"
		    "row nothing is imported and the exit status is 1.");
	add_common(oc, &co);
	g_option_context_add_main_entries(oc, entries, NULL);
	if ((rc = parse_file_arg(oc, &argc, &argv, &file)) || (rc = load_config(&co, &cfg)))
		goto out;
	if (!slug) {
		fprintf(stderr, "bireg import schools: --region SLUG is required\n");
		config_clear(&cfg);
		rc = 2;
		goto out;
	}
	rc = 1;
	if (!g_file_get_contents(file, &data, &len, &err)) {
		fprintf(stderr, "bireg import schools: %s\n", err->message);
		goto done;
	}
	d = open_current(&cfg, &err);
	if (!d) {
		fprintf(stderr, "bireg import schools: %s\n", err->message);
		goto done;
	}
	{
		bireg_ctx ctx = {.db = d};
		region = region_store_get_by_slug(&ctx, slug, &err);
		if (!region) {
			fprintf(stderr, "bireg import schools: %s\n",
				err ? err->message : "no region with this slug");
			goto done;
		}
		ctx.region_id = json_integer_value(json_object_get(region, "id"));
		db_set_region(d, ctx.region_id);
		{
			g_autofree char *base = g_path_get_basename(file);
			batch = school_import_run(&ctx, base, data, len, dry_run, &report, &err);
		}
	}
	if (report) {
		printf("bireg: %s: %" JSON_INTEGER_FORMAT " rows (%s, %s), %" JSON_INTEGER_FORMAT
		       " of the region, %" JSON_INTEGER_FORMAT " of other Gemeinden skipped\n",
		       file, json_integer_value(json_object_get(report, "rows")),
		       json_string_value(json_object_get(report, "format")),
		       json_string_value(json_object_get(report, "encoding")),
		       json_integer_value(json_object_get(report, "in_region")),
		       json_integer_value(json_object_get(report, "skipped")));
		printf("bireg: new %zu, changed %zu, unchanged %" JSON_INTEGER_FORMAT
		       ", vanished %zu, rejected %zu\n",
		       json_array_size(json_object_get(report, "new")),
		       json_array_size(json_object_get(report, "changed")),
		       json_integer_value(json_object_get(report, "unchanged")),
		       json_array_size(json_object_get(report, "vanished")),
		       json_array_size(json_object_get(report, "rejected")));
		json_array_foreach(json_object_get(report, "rejected"), i, x)
			printf("line %" JSON_INTEGER_FORMAT ": %s: %s\n",
			       json_integer_value(json_object_get(x, "line")),
			       json_string_value(json_object_get(x, "field")),
			       json_string_value(json_object_get(x, "reason")));
		json_array_foreach(json_object_get(report, "vanished"), i, x)
			printf("vanished: %s %s\n", json_string_value(json_object_get(x, "school_number")),
			       json_string_value(json_object_get(x, "name")));
	}
	if (batch < 0) {
		fprintf(stderr, "bireg import schools: %s\n", err->message);
		fprintf(stderr, "bireg import schools: nothing was imported\n");
		goto done;
	}
	if (dry_run)
		printf("bireg: dry run, nothing was imported\n");
	else
		printf("bireg: import no. %" G_GINT64_FORMAT " done\n", (gint64)batch);
	rc = 0;
done:
	json_decref(report);
	json_decref(region);
	if (d)
		db_close(d);
	config_clear(&cfg);
out:
	common_clear(&co);
	g_free(slug);
	return rc;
}

static int cmd_import(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "schools"))
		return cmd_import_schools(argc - 1, argv + 1);
	return cmd_export_import(argc, argv, true);
}

static void print_route(const route *rt, void *ud)
{
	g_autoptr(GString) m = g_string_new(NULL);
	(void)ud;
	for (unsigned b = HTTP_GET; b <= HTTP_OPTIONS; b <<= 1)
		if (rt->methods & b)
			g_string_append_printf(m, "%s%s", m->len ? "," : "", http_method_name(b));
	printf("%s\t%s\t%s\t%s%s\n", rt->name, m->str, rt->pattern, rt->permission ? rt->permission : "-",
	       rt->flags & ROUTE_TEST_ONLY ? "\ttest-only" : "");
}

static int cmd_routes(int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("- list every route");
	g_autoptr(GError) err = NULL;
	router *r;
	int rc;

	g_option_context_set_summary(oc, "Prints one line per route: name, methods, path pattern and\n"
					 "permission, separated by tabs (the authorization matrix in\n"
					 "tests/authz.tsv has a row for each).");
	if ((rc = parse_args(oc, &argc, &argv)))
		return rc;
	r = router_new(app_route_tables, app_route_table_count, &err);
	if (!r) {
		fprintf(stderr, "bireg routes: %s\n", err->message);
		return 1;
	}
	router_foreach(r, print_route, NULL);
	router_free(r);
	return 0;
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
	{"user", cmd_user, "manage user accounts and their roles"},
	{"region", cmd_region, "add or list the regions of this installation"},
	{"backup", cmd_backup, "copy the SQLite database while bireg runs"},
	{"restore", cmd_restore, "put a SQLite backup back in place"},
	{"export", cmd_export, "write a whole region into an archive file"},
	{"import", cmd_import, "add the region of an archive file; import schools FILE: the NRW school directory"},
	{"jobs", cmd_jobs, "list, retry or run background jobs"},
	{"routes", cmd_routes, "list every route with its permission"},
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
	{
		/* The calendar's time zone, once before any thread (ical.h). */
		g_autoptr(GError) ierr = NULL;
		if (ical_init(&ierr) < 0)
			log_warn("calendar entries unavailable: %s", ierr->message);
	}

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
