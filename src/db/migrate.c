/*
 * migrate.c — brings a database's schema up to the one this program knows.
 *
 * Migrations are SQL files named NNNN_what.sql, embedded under
 * /bireg/migrations/<backend>/. Each is applied in its own transaction
 * together with its row in schema_migrations, so a migration is either
 * wholly there or not at all (DDL is transactional on SQLite and
 * PostgreSQL alike). A database that has seen a newer program than this one
 * is left alone: an old binary must not write to a schema it does not know.
 */
#include "db/db_internal.h"

#include "bireg-resources.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct migration {
	int version;
	const char *name; /* borrowed from the caller */
	const char *sql;  /* borrowed from the caller */
} migration;

/* The number in front of "NNNN_what.sql", or -1 if the name is not of that
 * form. Version 0 is not allowed: it means "nothing applied". */
static int parse_version(const char *name)
{
	int v = 0;
	const char *p = name;
	if (!g_ascii_isdigit(*p))
		return -1;
	for (; g_ascii_isdigit(*p); p++) {
		if (v > 9999999)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p != '_' || !g_str_has_suffix(name, ".sql") || v == 0)
		return -1;
	return v;
}

static int compare_version(const void *a, const void *b)
{
	const migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

int db_schema_version(db *d, GError **err)
{
	int exists = d->ops->table_exists(d, "schema_migrations", err);
	if (exists <= 0)
		return exists;
	g_autoptr(db_stmt) s = db_prepare(d, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
			err);
	if (!s)
		return -1;
	if (db_step(s, err) != DB_ROW)
		return -1;
	return (int)db_col_int64(s, 0);
}

/* Versions recorded in schema_migrations, as a set of GINT_TO_POINTER. */
static GHashTable *applied_versions(db *d, GError **err)
{
	g_autoptr(db_stmt) s = db_prepare(d, "SELECT version FROM schema_migrations", err);
	if (!s)
		return NULL;
	g_autoptr(GHashTable) set = g_hash_table_new(g_direct_hash, g_direct_equal);
	db_status rc;
	while ((rc = db_step(s, err)) == DB_ROW)
		g_hash_table_add(set, GINT_TO_POINTER((int)db_col_int64(s, 0)));
	if (rc < 0)
		return NULL;
	return g_steal_pointer(&set);
}

/* Applies one migration: 1 if applied, 0 if someone else applied it
 * meanwhile, -1 on failure with nothing of it left behind. */
static int apply_one(db *d, const migration *m, GError **err)
{
	const struct db_ops *ops = d->ops;
	int ret = -1;

	if (ops->migration_begin(d, err) < 0)
		goto out;
	/* Checked again under the write lock: another process running the same
	 * migrations may have got there first. */
	{
		g_autoptr(db_stmt) s = db_prepare(d,
				"SELECT 1 FROM schema_migrations WHERE version = $1", err);
		if (!s)
			goto out;
		db_bind_int64(s, 1, m->version);
		db_status rc = db_step(s, err);
		if (rc < 0)
			goto out;
		if (rc == DB_ROW) {
			ret = 0;
			goto out;
		}
	}
	if (ops->migration_exec(d, m->sql, err) < 0)
		goto out;
	{
		char now[21];
		util_now_iso(now);
		g_autoptr(db_stmt) s = db_prepare(d,
				"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				err);
		if (!s)
			goto out;
		db_bind_int64(s, 1, m->version);
		db_bind_text(s, 2, m->name);
		db_bind_text(s, 3, now);
		if (db_run(s, err) < 0)
			goto out;
	}
	if (ops->migration_commit(d, err) < 0)
		goto out;
	ret = 1;
out:
	/* Rolls back whatever is still open, so a failure leaves the schema
	 * as it was before this migration. */
	ops->migration_end(d);
	if (ret < 0)
		g_prefix_error(err, "migration %s failed: ", m->name);
	return ret;
}

int db_migrate_from(db *d, const char *const *names, const char *const *sqls, size_t n,
		GError **err)
{
	g_autofree migration *m = g_new0(migration, n ? n : 1);

	for (size_t i = 0; i < n; i++) {
		m[i].version = parse_version(names[i]);
		m[i].name = names[i];
		m[i].sql = sqls[i];
		if (m[i].version < 0) {
			db_fail(err, DB_ERROR, "migration file name %s is not of the form NNNN_name.sql",
					names[i]);
			return -1;
		}
	}
	qsort(m, n, sizeof *m, compare_version);
	for (size_t i = 1; i < n; i++) {
		if (m[i].version == m[i - 1].version) {
			db_fail(err, DB_ERROR, "migrations %s and %s have the same number", m[i - 1].name,
					m[i].name);
			return -1;
		}
	}

	/* Only created when missing: on an up-to-date database (every start of
	 * the server) migrating then takes no write lock at all. */
	int exists = d->ops->table_exists(d, "schema_migrations", err);
	if (exists < 0)
		return -1;
	if (!exists && db_exec(d, d->ops->migrations_table_sql, err) < 0)
		return -1;
	int current = db_schema_version(d, err);
	if (current < 0)
		return -1;
	int newest = n ? m[n - 1].version : 0;
	if (current > newest) {
		db_fail(err, DB_ERROR,
				"the database has schema version %d, newer than this program knows (%d); "
				"it was used by a newer bireg, which must be used again",
				current, newest);
		return -1;
	}

	/* Read once outside a transaction; only missing ones take the lock. */
	g_autoptr(GHashTable) applied = applied_versions(d, err);
	if (!applied)
		return -1;
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		if (g_hash_table_contains(applied, GINT_TO_POINTER(m[i].version)))
			continue;
		int r = apply_one(d, &m[i], err);
		if (r < 0)
			return -1;
		count += r;
	}
	return count;
}

/* The migrations built in for d's backend: names (owned), their SQL
 * (borrowed from data, which keeps the resources alive). */
typedef struct embedded {
	GPtrArray *names;
	GPtrArray *sqls;
	GPtrArray *data;
} embedded;

static void embedded_clear(embedded *e)
{
	g_clear_pointer(&e->names, g_ptr_array_unref);
	g_clear_pointer(&e->sqls, g_ptr_array_unref);
	g_clear_pointer(&e->data, g_ptr_array_unref);
}

static bool load_embedded(db *d, embedded *out, GError **err)
{
	const char *dir = d->ops->migrations_dir;
	GResource *res = bireg_get_resource();
	g_autoptr(GError) e = NULL;
	g_auto(GStrv) children = g_resource_enumerate_children(res, dir,
			G_RESOURCE_LOOKUP_FLAGS_NONE, &e);
	if (!children) {
		db_fail(err, DB_ERROR, "no migrations are built in for %s (%s): %s", d->ops->name, dir,
				e->message);
		return false;
	}

	out->names = g_ptr_array_new_with_free_func(g_free);
	out->sqls = g_ptr_array_new();
	out->data = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (char **c = children; *c; c++) {
		/* Sub-folders end in '/'; anything else not .sql (a README) is
		 * not a migration. */
		if (!g_str_has_suffix(*c, ".sql"))
			continue;
		g_autofree char *path = g_strconcat(dir, *c, NULL);
		GBytes *b = g_resource_lookup_data(res, path, G_RESOURCE_LOOKUP_FLAGS_NONE, &e);
		if (!b) {
			db_fail(err, DB_ERROR, "cannot read migration %s: %s", path, e->message);
			embedded_clear(out);
			return false;
		}
		g_ptr_array_add(out->data, b);
		g_ptr_array_add(out->names, g_strdup(*c));
		/* Resource data is always NUL-terminated (GResource guarantees it),
		 * so it can be used as a string in place. */
		g_ptr_array_add(out->sqls, (gpointer)g_bytes_get_data(b, NULL));
	}
	return true;
}

int db_migrate(db *d, GError **err)
{
	embedded e = {0};
	if (!load_embedded(d, &e, err))
		return -1;
	int n = db_migrate_from(d, (const char *const *)e.names->pdata,
			(const char *const *)e.sqls->pdata, e.names->len, err);
	embedded_clear(&e);
	return n;
}

/* What db_schema_current() checks, given the embedded migrations. */
static bool schema_current(db *d, const embedded *e, GError **err)
{
	int exists = d->ops->table_exists(d, "schema_migrations", err);
	if (exists < 0)
		return false;
	g_autoptr(GHashTable) applied = exists ? applied_versions(d, err)
					       : g_hash_table_new(g_direct_hash, g_direct_equal);
	if (!applied)
		return false;
	int current = exists ? db_schema_version(d, err) : 0;
	if (current < 0)
		return false;
	g_autoptr(GString) missing = g_string_new(NULL);
	int newest = 0;
	for (guint i = 0; i < e->names->len; i++) {
		const char *name = e->names->pdata[i];
		int v = parse_version(name);
		newest = MAX(newest, v);
		if (!g_hash_table_contains(applied, GINT_TO_POINTER(v)))
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", name);
	}
	if (current > newest) {
		db_fail(err, DB_ERROR,
				"the database has schema version %d, newer than this program knows (%d)",
				current, newest);
		return false;
	}
	if (missing->len) {
		db_fail(err, DB_ERROR, "the database schema is at version %d and lacks migrations %s",
				current, missing->str);
		return false;
	}
	return true;
}

bool db_schema_current(db *d, GError **err)
{
	embedded e = {0};
	if (!load_embedded(d, &e, err))
		return false;
	bool ok = schema_current(d, &e, err);
	embedded_clear(&e);
	return ok;
}

int db_install(const char *url, const char *owner_url, GError **err)
{
	bool pg = db_url_is_postgres(url);
	bool has_owner = owner_url && *owner_url;

	if (has_owner && !pg) {
		db_fail(err, DB_ERROR, "database.owner_url is for PostgreSQL only, but database.url "
				"is a SQLite file");
		return -1;
	}
	if (has_owner && !db_url_is_postgres(owner_url)) {
		db_fail(err, DB_ERROR, "database.owner_url must be a postgresql:// URL");
		return -1;
	}
	db *m = db_open(has_owner ? owner_url : url, err);
	if (!m) {
		if (has_owner)
			g_prefix_error(err, "as the schema owner (database.owner_url): ");
		return -1;
	}
	int applied = db_migrate(m, err);
	if (applied >= 0 && has_owner) {
		/* Granted on every run: a migration may have added tables. */
		db *app = db_open(url, err);
		if (!app) {
			g_prefix_error(err, "as the serving role (database.url): ");
			applied = -1;
		} else {
			if (db_pg_grant_serving_role(m, app, err) < 0)
				applied = -1;
			db_close(app);
		}
	}
	db_close(m);
	return applied;
}
