/*
 * config.h — bireg's settings: an INI file (GLib key file) with environment
 * overrides, checked once at start.
 *
 * Every setting has a key "group.name" in the file and an environment variable
 * BIREG_<NAME> (e.g. database.url / BIREG_DATABASE). The environment wins
 * over the file, the file over the defaults. A wrong value names its key and
 * makes config_load() fail; bireg then exits non-zero.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct bireg_config {
	char *database;        /* database.url      BIREG_DATABASE: file path or postgresql:// URL
				* of the serving role */
	char *database_owner;  /* database.owner_url BIREG_DATABASE_OWNER: PostgreSQL only, the
				* schema owner that runs the migrations ("" = none) */
	char *listen;          /* server.listen     BIREG_LISTEN: host:port, port 0 = any free */
	int workers;           /* server.workers    BIREG_WORKERS: request worker threads */
	int loops;             /* server.loops      BIREG_LOOPS: event loops (0 = one per core) */
	char *static_dir;      /* server.static_dir BIREG_STATIC_DIR: front-end assets */
	char *locale_dir;      /* server.locale_dir BIREG_LOCALE_DIR: compiled translations */
	char *base_url;        /* server.base_url   BIREG_BASE_URL: public URL, for links in mail */
	bool secure_cookies;   /* server.secure_cookies BIREG_SECURE_COOKIES: behind TLS */
	char *trusted_proxies; /* server.trusted_proxies BIREG_TRUSTED_PROXIES: reverse proxies
				* whose X-Forwarded-For is believed (IP addresses) */
	char **proxies;        /* the same, parsed and canonical; NULL-terminated */
	gint64 max_body_bytes; /* limits.max_body_bytes: hard cap on any request body */
	gint64 max_form_bytes; /* limits.max_form_bytes: body limit of routes without uploads */
	int max_header_bytes;  /* limits.max_header_bytes */
	int request_timeout;   /* limits.request_timeout: seconds a client may stay silent */
	int queue_limit;       /* limits.queue: requests waiting for a worker before 503 */
	int file_bytes;        /* limits.file_bytes BIREG_FILE_BYTES: largest file stored (uploads) */
	int job_workers;       /* jobs.workers BIREG_JOB_WORKERS: job runner threads of serve (0 = none) */
	int job_poll_ms;       /* jobs.poll_ms BIREG_JOB_POLL_MS: longest pause between looks at the queue */
	char *smtp_url;        /* mail.smtp_url BIREG_SMTP_URL: smtp://host:port or smtps://host:port;
				* "" = no SMTP: mail is written into mail.dev_dir */
	char *smtp_user;       /* mail.smtp_user BIREG_SMTP_USER: login at the SMTP server ("" = none) */
	char *smtp_password;   /* mail.smtp_password BIREG_SMTP_PASSWORD (never printed) */
	char *smtp_starttls;   /* mail.starttls BIREG_SMTP_STARTTLS: required, opportunistic or off */
	char *mail_from;       /* mail.from BIREG_MAIL_FROM: envelope and From address
				* ("" = bireg@<host of server.base_url>) */
	char *mail_dev_dir;    /* mail.dev_dir BIREG_MAIL_DEV_DIR: where mail goes without SMTP */
	int mail_timeout;      /* mail.timeout BIREG_MAIL_TIMEOUT: seconds for one SMTP delivery */
	bool test_routes;      /* BIREG_TEST_ROUTES=1 only: routes that tests use */
	char *source;          /* the file that was read, or NULL */
	bool max_form_explicit; /* limits.max_form_bytes came from the file or environment */
} bireg_config;

/* Fills c with defaults, then the file at path (may be NULL: then
 * $BIREG_CONFIG, else none), then the environment. On error sets err with a
 * message that names the key, and returns -1; c is then cleared. */
int config_load(bireg_config *c, const char *path, GError **err);
/* True if addr (as the server saw it) is one of server.trusted_proxies. */
bool config_is_trusted_proxy(const bireg_config *c, const char *addr);
void config_clear(bireg_config *c);

/* Prints every effective setting as "key = value" lines (for
 * `bireg serve --check-config`). */
void config_print(const bireg_config *c, FILE *out);
