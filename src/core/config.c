/*
 * config.c — reading and checking settings (see config.h).
 *
 * The table below is the single list of settings: its entries drive the key
 * file lookup, the environment override, the range check and --check-config,
 * so a new setting is one line here plus its field.
 */
#include "core/config.h"

#include <gio/gio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"

typedef enum { SET_STRING, SET_INT, SET_BOOL } setting_kind;

typedef struct setting {
	const char *group, *key, *env;
	setting_kind kind;
	size_t offset;
	const char *def;
	gint64 min, max;
} setting;

#define F(field) offsetof(bireg_config, field)

static const setting settings[] = {
	{"database", "url", "BIREG_DATABASE", SET_STRING, F(database), "var/bireg.db", 0, 0},
	{"database", "owner_url", "BIREG_DATABASE_OWNER", SET_STRING, F(database_owner), "", 0, 0},
	{"server", "listen", "BIREG_LISTEN", SET_STRING, F(listen), "127.0.0.1:8080", 0, 0},
	{"server", "workers", "BIREG_WORKERS", SET_INT, F(workers), "4", 1, 256},
	{"server", "loops", "BIREG_LOOPS", SET_INT, F(loops), "0", 0, 64},
	{"server", "static_dir", "BIREG_STATIC_DIR", SET_STRING, F(static_dir), "", 0, 0},
	{"server", "locale_dir", "BIREG_LOCALE_DIR", SET_STRING, F(locale_dir), BIREG_LOCALEDIR, 0, 0},
	{"server", "base_url", "BIREG_BASE_URL", SET_STRING, F(base_url), "http://localhost:8080", 0, 0},
	{"server", "secure_cookies", "BIREG_SECURE_COOKIES", SET_BOOL, F(secure_cookies), "false", 0, 0},
	{"server", "trusted_proxies", "BIREG_TRUSTED_PROXIES", SET_STRING, F(trusted_proxies), "", 0, 0},
	{"limits", "max_body_bytes", "BIREG_MAX_BODY_BYTES", SET_INT, F(max_body_bytes), "33554432", 1024, G_GINT64_CONSTANT(1) << 32},
	{"limits", "max_form_bytes", "BIREG_MAX_FORM_BYTES", SET_INT, F(max_form_bytes), "1048576", 1024, G_GINT64_CONSTANT(1) << 30},
	{"limits", "max_header_bytes", "BIREG_MAX_HEADER_BYTES", SET_INT, F(max_header_bytes), "16384", 1024, 1 << 20},
	{"limits", "request_timeout", "BIREG_REQUEST_TIMEOUT", SET_INT, F(request_timeout), "10", 1, 3600},
	{"limits", "queue", "BIREG_QUEUE", SET_INT, F(queue_limit), "1024", 1, 1 << 20},
	{"limits", "file_bytes", "BIREG_FILE_BYTES", SET_INT, F(file_bytes), "20971520", 1024, 1 << 30},
	{"jobs", "workers", "BIREG_JOB_WORKERS", SET_INT, F(job_workers), "1", 0, 64},
	{"jobs", "poll_ms", "BIREG_JOB_POLL_MS", SET_INT, F(job_poll_ms), "1000", 50, 600000},
	{"mail", "smtp_url", "BIREG_SMTP_URL", SET_STRING, F(smtp_url), "", 0, 0},
	{"mail", "smtp_user", "BIREG_SMTP_USER", SET_STRING, F(smtp_user), "", 0, 0},
	{"mail", "smtp_password", "BIREG_SMTP_PASSWORD", SET_STRING, F(smtp_password), "", 0, 0},
	{"mail", "starttls", "BIREG_SMTP_STARTTLS", SET_STRING, F(smtp_starttls), "required", 0, 0},
	{"mail", "from", "BIREG_MAIL_FROM", SET_STRING, F(mail_from), "", 0, 0},
	{"mail", "dev_dir", "BIREG_MAIL_DEV_DIR", SET_STRING, F(mail_dev_dir), "var/mail", 0, 0},
	{"mail", "timeout", "BIREG_MAIL_TIMEOUT", SET_INT, F(mail_timeout), "30", 1, 120},
	{"testing", "routes", "BIREG_TEST_ROUTES", SET_BOOL, F(test_routes), "false", 0, 0},
};

static int parse_bool(const char *v, bool *out)
{
	if (!g_ascii_strcasecmp(v, "true") || !strcmp(v, "1") || !g_ascii_strcasecmp(v, "yes")) {
		*out = true;
		return 0;
	}
	if (!g_ascii_strcasecmp(v, "false") || !strcmp(v, "0") || !g_ascii_strcasecmp(v, "no")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* server.trusted_proxies: addresses separated by commas or blanks, each a
 * literal IPv4 or IPv6 address (no names: a lookup could be spoofed, and
 * no ranges: two nodes behind one or two proxies do not need them). Kept
 * in canonical form, so that "::1" and "0:0::1" compare equal. */
static int parse_proxies(bireg_config *c, GError **err)
{
	g_auto(GStrv) parts = g_strsplit_set(c->trusted_proxies, ", \t", -1);
	GPtrArray *out = g_ptr_array_new();

	for (char **p = parts; *p; p++) {
		if (!**p)
			continue;
		g_autoptr(GInetAddress) a = g_inet_address_new_from_string(*p);
		if (!a) {
			g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "server.trusted_proxies: \"%s\" is not an IP address", *p);
			g_ptr_array_free(out, TRUE);
			return -1;
		}
		g_ptr_array_add(out, g_inet_address_to_string(a));
	}
	g_ptr_array_add(out, NULL);
	c->proxies = (char **)g_ptr_array_free(out, FALSE);
	return 0;
}

bool config_is_trusted_proxy(const bireg_config *c, const char *addr)
{
	if (!c->proxies || !c->proxies[0] || !addr)
		return false;
	g_autoptr(GInetAddress) a = g_inet_address_new_from_string(addr);
	if (!a)
		return false;
	g_autofree char *canon = g_inet_address_to_string(a);
	return g_strv_contains((const char *const *)c->proxies, canon);
}

/* Stores value into the field of s; names the key and origin on error. */
static int apply(bireg_config *c, const setting *s, const char *value, const char *origin,
		 GError **err)
{
	char *field = (char *)c + s->offset;

	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s.%s (%s): not valid UTF-8", s->group, s->key, origin);
		return -1;
	}
	switch (s->kind) {
	case SET_STRING:
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case SET_BOOL:
		if (parse_bool(value, (bool *)field) < 0) {
			g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "%s.%s (%s): expected true or false", s->group, s->key, origin);
			return -1;
		}
		return 0;
	case SET_INT: {
		gint64 v;
		if (!g_ascii_string_to_signed(value, 10, s->min, s->max, &v, NULL)) {
			g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "%s.%s (%s): expected a whole number from %" G_GINT64_FORMAT
				    " to %" G_GINT64_FORMAT,
				    s->group, s->key, origin, s->min, s->max);
			return -1;
		}
		if (s->offset == F(max_form_bytes) && strcmp(origin, "default"))
			c->max_form_explicit = true;
		if (s->offset == F(max_body_bytes) || s->offset == F(max_form_bytes))
			*(gint64 *)field = v;
		else
			*(int *)field = (int)v;
		return 0;
	}
	}
	g_assert_not_reached();
}

static bool known_key(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
		if (!strcmp(settings[i].group, group) && !strcmp(settings[i].key, key))
			return true;
	return false;
}

static int check_file(GKeyFile *kf, const char *path, GError **err)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++) {
		g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
		for (char **k = keys; k && *k; k++) {
			if (!known_key(*g, *k)) {
				g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
					    "%s: unknown setting %s.%s", path, *g, *k);
				return -1;
			}
		}
	}
	return 0;
}

static int check_listen(const char *listen, GError **err)
{
	const char *colon = strrchr(listen, ':');
	guint64 port;

	if (!colon || colon == listen ||
	    !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "server.listen: expected host:port, e.g. 127.0.0.1:8080");
		return -1;
	}
	return 0;
}

/* The mail.* settings: a URL libcurl can use for SMTP, a known STARTTLS
 * policy, and no line breaks or blanks where they would end up in mail
 * headers or the SMTP envelope. */
static int check_mail(const bireg_config *c, GError **err)
{
	const char *from = c->mail_from;

	if (*c->smtp_url && !g_str_has_prefix(c->smtp_url, "smtp://") &&
	    !g_str_has_prefix(c->smtp_url, "smtps://")) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "mail.smtp_url: expected smtp://host:port or smtps://host:port, or empty");
		return -1;
	}
	if (strcmp(c->smtp_starttls, "required") && strcmp(c->smtp_starttls, "opportunistic") &&
	    strcmp(c->smtp_starttls, "off")) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "mail.starttls: expected required, opportunistic or off");
		return -1;
	}
	if (*from && (strpbrk(from, " \t\r\n<>()[],;:\"") || !strchr(from, '@') || from[0] == '@' ||
		      strchr(from, '@') != strrchr(from, '@') || !strchr(from, '@')[1])) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "mail.from: expected a plain e-mail address such as bireg@example.org");
		return -1;
	}
	if (strpbrk(c->smtp_url, "\r\n") || strpbrk(c->smtp_user, "\r\n") ||
	    strpbrk(c->smtp_password, "\r\n")) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "mail.smtp_url, mail.smtp_user, mail.smtp_password: no line breaks allowed");
		return -1;
	}
	if (!*c->mail_dev_dir) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "mail.dev_dir: must not be empty");
		return -1;
	}
	return 0;
}

int config_load(bireg_config *c, const char *path, GError **err)
{
	g_autoptr(GKeyFile) kf = NULL;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
		if (apply(c, &settings[i], settings[i].def, "default", err) < 0)
			goto fail;

	if (!path)
		path = g_getenv("BIREG_CONFIG");
	if (path && *path) {
		kf = g_key_file_new();
		if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, err)) {
			g_prefix_error(err, "%s: ", path);
			goto fail;
		}
		if (check_file(kf, path, err) < 0)
			goto fail;
		c->source = g_strdup(path);
		for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
			g_autofree char *v = g_key_file_get_string(kf, settings[i].group,
								   settings[i].key, NULL);
			if (v && apply(c, &settings[i], g_strstrip(v), path, err) < 0)
				goto fail;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
		const char *v = g_getenv(settings[i].env);
		if (v && apply(c, &settings[i], v, settings[i].env, err) < 0)
			goto fail;
	}

	if (!*c->database) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "database.url: must not be empty");
		goto fail;
	}
	/* The owner runs the migrations on PostgreSQL; SQLite has no roles. */
	if (*c->database_owner && !g_str_has_prefix(c->database_owner, "postgresql://") &&
	    !g_str_has_prefix(c->database_owner, "postgres://")) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "database.owner_url: expected a postgresql:// URL");
		goto fail;
	}
	if (*c->database_owner && !g_str_has_prefix(c->database, "postgresql://") &&
	    !g_str_has_prefix(c->database, "postgres://")) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "database.owner_url: only for PostgreSQL, but database.url is a SQLite file");
		goto fail;
	}
	if (check_listen(c->listen, err) < 0)
		goto fail;
	if (check_mail(c, err) < 0)
		goto fail;
	if (parse_proxies(c, err) < 0)
		goto fail;
	/* A lowered hard cap lowers the default form limit with it; only a form
	 * limit someone set above the cap is a contradiction. */
	if (c->max_form_bytes > c->max_body_bytes && !c->max_form_explicit)
		c->max_form_bytes = c->max_body_bytes;
	if (c->max_form_bytes > c->max_body_bytes) {
		g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "limits.max_form_bytes: must not exceed limits.max_body_bytes");
		goto fail;
	}
	if (!*c->static_dir) {
		g_free(c->static_dir);
		c->static_dir = g_build_filename(BIREG_SOURCE_ROOT, "web", NULL);
	}
	return 0;
fail:
	config_clear(c);
	return -1;
}

void config_clear(bireg_config *c)
{
	g_clear_pointer(&c->proxies, g_strfreev);
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
		if (settings[i].kind == SET_STRING)
			g_clear_pointer((char **)((char *)c + settings[i].offset), g_free);
	g_clear_pointer(&c->source, g_free);
}

void config_print(const bireg_config *c, FILE *out)
{
	fprintf(out, "# settings from %s and the environment\n", c->source ? c->source : "defaults");
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
		const setting *s = &settings[i];
		const char *field = (const char *)c + s->offset;
		fprintf(out, "%s.%s = ", s->group, s->key);
		switch (s->kind) {
		case SET_STRING: {
			const char *v = *(char *const *)field;
			/* A PostgreSQL URL may carry a password (user:pw@ or
			 * ?password=): never print it. */
			if (g_str_has_prefix(v, "postgres") && (strchr(v, '@') || strstr(v, "password")))
				fprintf(out, "(a PostgreSQL URL, not shown)\n");
			else if (s->offset == F(smtp_password))
				fprintf(out, "%s\n", *v ? "(set, not shown)" : "");
			else if (s->offset == F(smtp_url) && strchr(v, '@'))
				fprintf(out, "(an SMTP URL with a login, not shown)\n");
			else
				fprintf(out, "%s\n", v);
			break;
		}
		case SET_BOOL:
			fprintf(out, "%s\n", *(const bool *)field ? "true" : "false");
			break;
		case SET_INT:
			if (s->offset == F(max_body_bytes) || s->offset == F(max_form_bytes))
				fprintf(out, "%" G_GINT64_FORMAT "\n", *(const gint64 *)field);
			else
				fprintf(out, "%d\n", *(const int *)field);
			break;
		}
	}
}
