/*
 * account_store.c — SQL for accounts, their roles per region, sessions,
 * login throttling and the second factor's stored state (see
 * account_store.h; schema in migrations/sqlite/0003_accounts.sql).
 *
 * Times are stored as ISO 8601 UTC text to the second, so comparing two of
 * them as text compares them as times; deadlines are computed here in C as
 * such text ("now minus the idle timeout") and handed to SQL as parameters,
 * which keeps the SQL the same on SQLite and PostgreSQL. Every time comes
 * from one clock function that the tests replace, so expiry and throttling
 * are tested without sleeping.
 */
#include "modules/account/account_store.h"

#include <string.h>
#include <time.h>

#include "core/token.h"
#include "core/util.h"
#include "db/db.h"
#include "search/search.h"

/* Stored ip and user agent are cut to these many bytes (on a character
 * boundary): enough to recognise a device in the session list, too little
 * to fill the table with junk. */
#define SESSION_IP_MAX_BYTES 64
#define SESSION_UA_MAX_BYTES 300
/* last_seen_at is rewritten at most this often, so browsing is not a write
 * per page. */
#define SESSION_TOUCH_SECONDS 60
/* Throttle keys longer than this (or not valid UTF-8) are stored as their
 * digest: an attacker's megabyte "e-mail address" costs 71 bytes. */
#define THROTTLE_KEY_MAX_BYTES 200
/* A TOTP secret in base32: 20 bytes take 32 characters. */
#define TOTP_SECRET_MAX_CHARS 128

/* ---- time --------------------------------------------------------------- */

/* NULL: the real clock. Set only by tests, before any other thread runs. */
static int64_t (*clock_now)(void);

void account_store_set_clock_for_tests(int64_t (*now)(void))
{
	clock_now = now;
}

static int64_t now_unix(void)
{
	return clock_now ? clock_now() : g_get_real_time() / G_USEC_PER_SEC;
}

/* t (unix seconds) as stored: "2026-11-26T13:30:00Z". */
#define iso_at util_iso_at

/* Unix seconds of a stored time, or -1 when it is not one. */
static int64_t iso_parse(const char *s)
{
	g_autoptr(GDateTime) dt = s ? g_date_time_new_from_iso8601(s, NULL) : NULL;
	return dt ? g_date_time_to_unix(dt) : -1;
}

/* ---- helpers ------------------------------------------------------------ */

#define store_fail(err, code, ...) util_fail(err, BIREG_DB_ERROR, code, __VA_ARGS__)

/* A store function that writes several rows joins the caller's transaction
 * when there is one (the caller then rolls back the whole on -1) and opens
 * its own otherwise. *own tells tx_end which case it was. */
#define tx_begin db_join_begin
#define tx_end(d, own, ok, err) db_join_end(d, own, (ok) ? 0 : -1, err)

static char *dup_or_null(const char *s)
{
	return s ? g_strdup(s) : NULL;
}

/* The login form of an address: trimmed and lower case. NULL when it is not
 * valid UTF-8 (it can then be no stored address either). */
static char *email_normalise(const char *email)
{
	if (!email || !g_utf8_validate(email, -1, NULL))
		return NULL;
	g_autofree char *trimmed = g_strstrip(g_strdup(email));
	return g_utf8_strdown(trimmed, -1);
}

/* s cut to at most max bytes without splitting a character; "" for NULL or
 * text that is not valid UTF-8 (it would say nothing useful anyway).
 * Newly allocated. */
static char *clip_utf8(const char *s, size_t max)
{
	size_t len;

	if (!s || !g_utf8_validate(s, -1, NULL))
		return g_strdup("");
	len = strlen(s);
	if (len <= max)
		return g_strdup(s);
	/* s[max] is the first byte cut off; if it continues a character, that
	 * whole character goes. */
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return g_strndup(s, len);
}

/* Runs an UPDATE/DELETE bound as $1 = id plus what bind added; -1 with err
 * when no row matched. */
static int run_expect_row(db_stmt *st, db *d, const char *what, int64_t id, GError **err)
{
	if (db_run(st, err) < 0)
		return -1;
	if (db_changes(d) == 0)
		return store_fail(err, DB_ERROR, "%s %" G_GINT64_FORMAT " does not exist", what, id);
	return 0;
}

/* ---- roles -------------------------------------------------------------- */

static const struct {
	account_role bit;
	const char *name;
} role_names[] = {
	{ROLE_ADMIN, "admin"},
	{ROLE_OFFICE, "office"},
	{ROLE_APPLICANT, "applicant"},
};

const char *account_role_name(account_role r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(role_names); i++)
		if (role_names[i].bit == r)
			return role_names[i].name;
	return NULL;
}

account_role account_role_from_name(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(role_names); i++)
		if (strcmp(role_names[i].name, name) == 0)
			return role_names[i].bit;
	return 0;
}

/* The names of the bits in roles, in the fixed order admin, office,
 * applicant. */
static json_t *role_list(unsigned roles)
{
	json_t *list = json_array();
	for (size_t i = 0; i < G_N_ELEMENTS(role_names); i++)
		if (roles & role_names[i].bit)
			json_array_append_new(list, json_string(role_names[i].name));
	return list;
}

/* ---- accounts ----------------------------------------------------------- */

#define ACCOUNT_COLS                                                                  \
	"id, email, display_name, lang, status, password_hash, totp_enabled, totp_secret, " \
	"totp_last_step, coalesce(demo_region_id, 0), created_at, last_login_at"

void account_free(account *a)
{
	if (!a)
		return;
	g_free(a->email);
	g_free(a->display_name);
	g_free(a->lang);
	g_free(a->status);
	g_free(a->password_hash);
	g_free(a->totp_secret);
	g_free(a->created_at);
	g_free(a->last_login_at);
	g_free(a);
}

static account *account_from_row(db_stmt *st)
{
	account *a = g_new0(account, 1);

	a->id = db_col_int64(st, 0);
	a->email = g_strdup(db_col_text(st, 1));
	a->display_name = g_strdup(db_col_text(st, 2));
	a->lang = g_strdup(db_col_text(st, 3));
	a->status = g_strdup(db_col_text(st, 4));
	a->password_hash = g_strdup(db_col_text(st, 5));
	a->totp_enabled = db_col_bool(st, 6);
	a->totp_secret = dup_or_null(db_col_text(st, 7));
	a->totp_last_step = db_col_int64(st, 8);
	a->demo_region_id = db_col_int64(st, 9);
	a->created_at = g_strdup(db_col_text(st, 10));
	a->last_login_at = dup_or_null(db_col_text(st, 11));
	return a;
}

int64_t account_store_create(const bireg_ctx *ctx, const char *email, const char *display_name,
			     const char *password_hash, const char *lang, int64_t demo_region_id,
			     GError **err)
{
	char now[21];
	g_autofree char *norm = email_normalise(email);
	g_autoptr(db_stmt) st = NULL;

	if (!norm)
		return store_fail(err, DB_CONSTRAINT,
				  "CHECK constraint failed: account_email_format (not valid UTF-8)");
	st = db_prepare(ctx->db,
		"INSERT INTO account (email, display_name, lang, password_hash, demo_region_id, "
		"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id", err);
	if (!st)
		return -1;
	iso_at(now_unix(), now);
	db_bind_text(st, 1, norm);
	db_bind_text(st, 2, display_name);
	db_bind_text(st, 3, lang ? lang : "de");
	db_bind_text(st, 4, password_hash);
	if (demo_region_id > 0)
		db_bind_int64(st, 5, demo_region_id);
	else
		db_bind_null(st, 5);
	db_bind_text(st, 6, now);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

static account *get_account(const bireg_ctx *ctx, const char *sql, int64_t id, const char *email,
			    GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return NULL;
	if (email)
		db_bind_text(st, 1, email);
	else
		db_bind_int64(st, 1, id);
	if (db_step(st, err) != DB_ROW)
		return NULL;
	return account_from_row(st);
}

account *account_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return get_account(ctx, "SELECT " ACCOUNT_COLS " FROM account WHERE id = $1", id, NULL, err);
}

account *account_store_get_by_email(const bireg_ctx *ctx, const char *email, GError **err)
{
	g_autofree char *norm = email_normalise(email);

	if (!norm || !*norm)
		return NULL;
	return get_account(ctx, "SELECT " ACCOUNT_COLS " FROM account WHERE email = $1", 0, norm,
			   err);
}

/* UPDATE account SET <column> = $2, updated_at = $3 WHERE id = $1. */
static int set_text_column(const bireg_ctx *ctx, const char *sql, int64_t id, const char *value,
			   GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return -1;
	iso_at(now_unix(), now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, value);
	db_bind_text(st, 3, now);
	return run_expect_row(st, ctx->db, "account", id, err);
}

int account_store_set_password(const bireg_ctx *ctx, int64_t id, const char *password_hash,
			       GError **err)
{
	return set_text_column(ctx,
		"UPDATE account SET password_hash = $2, updated_at = $3 WHERE id = $1", id,
		password_hash, err);
}

int account_store_set_lang(const bireg_ctx *ctx, int64_t id, const char *lang, GError **err)
{
	return set_text_column(ctx, "UPDATE account SET lang = $2, updated_at = $3 WHERE id = $1",
			       id, lang, err);
}

int account_store_set_status(const bireg_ctx *ctx, int64_t id, const char *status, GError **err)
{
	return set_text_column(ctx, "UPDATE account SET status = $2, updated_at = $3 WHERE id = $1",
			       id, status, err);
}

int account_store_touch_login(const bireg_ctx *ctx, int64_t id, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"UPDATE account SET last_login_at = $2 WHERE id = $1", err);

	if (!st)
		return -1;
	iso_at(now_unix(), now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	return run_expect_row(st, ctx->db, "account", id, err);
}

/* ---- roles per region --------------------------------------------------- */

int account_store_roles(const bireg_ctx *ctx, int64_t account_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT role FROM account_role WHERE account_id = $1 AND region_id = $2", err);
	int roles = 0;
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW)
		roles |= (int)account_role_from_name(db_col_text(st, 0));
	return r < 0 ? -1 : roles;
}

/*
 * A role change also changes where the account can be found: the admin's
 * user list of a region searches the accounts with a role there. So the
 * role and the account's search entry in that region change in one
 * transaction. When the store opens that transaction itself, it runs with
 * the connection's region set to region_id (and back afterwards), since
 * the entry is a row of that region and PostgreSQL's row-level security
 * checks it; joining a caller's transaction, the caller has set the region.
 */
static int role_change(const bireg_ctx *ctx, int64_t account_id, int64_t region_id,
		       account_role role, bool grant, GError **err)
{
	const char *name = account_role_name(role);
	bireg_ctx rctx = *ctx;
	int64_t previous = db_get_region(ctx->db);
	bool own, ok = false;
	char now[21];
	int rc;

	if (!name)
		return store_fail(err, DB_CONSTRAINT, "CHECK constraint failed: account_role_name");
	rctx.region_id = region_id;
	if (!db_in_transaction(ctx->db))
		db_set_region(ctx->db, region_id);
	if (tx_begin(ctx->db, &own, err) < 0) {
		db_set_region(ctx->db, previous);
		return -1;
	}
	{
		/* Granting a role the account has already is not an error. */
		g_autoptr(db_stmt) st = db_prepare(ctx->db, grant
			? "INSERT INTO account_role (account_id, region_id, role, granted_at) "
			  "VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, region_id, role) DO NOTHING"
			: "DELETE FROM account_role WHERE account_id = $1 AND region_id = $2 AND role = $3",
			err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, account_id);
		db_bind_int64(st, 2, region_id);
		db_bind_text(st, 3, name);
		if (grant) {
			iso_at(now_unix(), now);
			db_bind_text(st, 4, now);
		}
		if (db_run(st, err) < 0)
			goto out;
	}
	if (search_index_account(&rctx, account_id, err) < 0)
		goto out;
	ok = true;
out:
	rc = tx_end(ctx->db, own, ok, err);
	db_set_region(ctx->db, previous);
	return rc;
}

int account_store_grant(const bireg_ctx *ctx, int64_t account_id, int64_t region_id,
			account_role role, GError **err)
{
	return role_change(ctx, account_id, region_id, role, true, err);
}

int account_store_revoke(const bireg_ctx *ctx, int64_t account_id, int64_t region_id,
			 account_role role, GError **err)
{
	return role_change(ctx, account_id, region_id, role, false, err);
}

/* The account fields of a list entry from columns 0..5 of st. */
static json_t *list_entry(db_stmt *st)
{
	const char *last = db_col_text(st, 5);
	return json_pack("{s:I,s:s,s:s,s:s,s:b,s:o}", "id", (json_int_t)db_col_int64(st, 0),
			 "email", db_col_text(st, 1), "display_name", db_col_text(st, 2), "status",
			 db_col_text(st, 3), "totp_enabled", db_col_bool(st, 4), "last_login_at",
			 last ? json_string(last) : json_null());
}

/* Accounts with a role in one region. One row per (account, role); the
 * rows of an account are adjacent, so they are folded into one entry. */
static json_t *list_region(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.email, a.display_name, a.status, a.totp_enabled, a.last_login_at, "
		"r.role FROM account a JOIN account_role r ON r.account_id = a.id "
		"WHERE r.region_id = $1 ORDER BY lower(a.display_name), a.id", err);
	json_t *list, *cur = NULL;
	int64_t cur_id = 0;
	unsigned roles = 0;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		if (!cur || id != cur_id) {
			if (cur)
				json_object_set_new(cur, "roles", role_list(roles));
			cur = list_entry(st);
			json_array_append_new(list, cur);
			cur_id = id;
			roles = 0;
		}
		roles |= account_role_from_name(db_col_text(st, 6));
	}
	if (cur)
		json_object_set_new(cur, "roles", role_list(roles));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* Every account with its roles in every region (for `bireg user list`). */
static json_t *list_all(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.email, a.display_name, a.status, a.totp_enabled, a.last_login_at, "
		"g.slug, r.role FROM account a "
		"LEFT JOIN account_role r ON r.account_id = a.id "
		"LEFT JOIN region g ON g.id = r.region_id "
		"ORDER BY lower(a.display_name), a.id, g.slug, "
		"CASE r.role WHEN 'admin' THEN 1 WHEN 'office' THEN 2 ELSE 3 END", err);
	json_t *list, *roles = NULL;
	int64_t cur_id = 0;
	db_status r;

	if (!st)
		return NULL;
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		if (!roles || id != cur_id) {
			json_t *entry = list_entry(st);
			roles = json_array();
			json_object_set_new(entry, "roles", roles);
			json_array_append_new(list, entry);
			cur_id = id;
		}
		/* An account without roles has one row with NULLs from the joins. */
		if (!db_col_is_null(st, 7) && !db_col_is_null(st, 6))
			json_array_append_new(roles, json_pack("{s:s,s:s}", "region_slug",
							       db_col_text(st, 6), "role",
							       db_col_text(st, 7)));
	}
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *account_store_list(const bireg_ctx *ctx, GError **err)
{
	return ctx->region_id ? list_region(ctx, err) : list_all(ctx, err);
}

/* ---- second factor ------------------------------------------------------ */

static bool is_base32(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!(g_ascii_isupper(*s) || (*s >= '2' && *s <= '7')))
			return false;
	return n > 0 && n <= TOTP_SECRET_MAX_CHARS;
}

int account_store_totp_set_secret(const bireg_ctx *ctx, int64_t id, const char *secret_b32,
				  GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = NULL;

	if (!secret_b32 || !is_base32(secret_b32))
		return store_fail(err, DB_CONSTRAINT, "a TOTP secret must be base32 (A-Z, 2-7)");
	/* Only while the factor is off: replacing the secret of an enabled
	 * factor would switch it to a device nobody has confirmed. A new secret
	 * has had no code used yet, so the replay guard starts over: the last
	 * step of the old secret must not refuse the new one's current code. */
	st = db_prepare(ctx->db,
		"UPDATE account SET totp_secret = $2, totp_last_step = 0, updated_at = $3 "
		"WHERE id = $1 AND totp_enabled = 0", err);
	if (!st)
		return -1;
	iso_at(now_unix(), now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, secret_b32);
	db_bind_text(st, 3, now);
	if (db_run(st, err) < 0)
		return -1;
	if (db_changes(ctx->db) == 0)
		return store_fail(err, DB_CONSTRAINT,
				  "account %" G_GINT64_FORMAT
				  " does not exist or has its second factor turned on already", id);
	return 0;
}

/* Replaces the account's recovery codes by the digests of codes. */
static int replace_recovery_codes(const bireg_ctx *ctx, int64_t id, char *const *codes,
				  GError **err)
{
	g_autoptr(db_stmt) del = db_prepare(ctx->db,
		"DELETE FROM recovery_code WHERE account_id = $1", err);
	g_autoptr(db_stmt) ins = NULL;

	if (!del)
		return -1;
	db_bind_int64(del, 1, id);
	if (db_run(del, err) < 0)
		return -1;
	if (!codes)
		return 0;
	/* A code listed twice is stored once; it then works once. */
	ins = db_prepare(ctx->db,
		"INSERT INTO recovery_code (account_id, code_digest) VALUES ($1, $2) "
		"ON CONFLICT (account_id, code_digest) DO NOTHING", err);
	if (!ins)
		return -1;
	for (char *const *c = codes; *c; c++) {
		g_autofree char *digest = token_digest(*c);
		db_bind_int64(ins, 1, id);
		db_bind_text(ins, 2, digest);
		if (db_run(ins, err) < 0)
			return -1;
	}
	return 0;
}

int account_store_totp_enable(const bireg_ctx *ctx, int64_t id, int64_t step,
			      char *const *recovery_codes, GError **err)
{
	char now[21];
	bool own, ok = false;

	if (tx_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		/* The confirming code's step counts as used; the stored step
		 * never goes back. */
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE account SET totp_enabled = 1, "
			"totp_last_step = CASE WHEN totp_last_step < $2 THEN $2 ELSE totp_last_step END, "
			"updated_at = $3 WHERE id = $1 AND totp_secret IS NOT NULL", err);
		if (!st)
			goto out;
		iso_at(now_unix(), now);
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, step);
		db_bind_text(st, 3, now);
		if (db_run(st, err) < 0)
			goto out;
		if (db_changes(ctx->db) == 0) {
			store_fail(err, DB_CONSTRAINT,
				   "account %" G_GINT64_FORMAT " does not exist or has no TOTP secret",
				   id);
			goto out;
		}
	}
	if (replace_recovery_codes(ctx, id, recovery_codes, err) < 0)
		goto out;
	ok = true;
out:
	return tx_end(ctx->db, own, ok, err);
}

int account_store_totp_disable(const bireg_ctx *ctx, int64_t id, GError **err)
{
	char now[21];
	bool own, ok = false;

	if (tx_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE account SET totp_enabled = 0, totp_secret = NULL, updated_at = $2 "
			"WHERE id = $1", err);
		if (!st)
			goto out;
		iso_at(now_unix(), now);
		db_bind_int64(st, 1, id);
		db_bind_text(st, 2, now);
		if (run_expect_row(st, ctx->db, "account", id, err) < 0)
			goto out;
	}
	if (replace_recovery_codes(ctx, id, NULL, err) < 0)
		goto out;
	ok = true;
out:
	return tx_end(ctx->db, own, ok, err);
}

int account_store_totp_used_step(const bireg_ctx *ctx, int64_t id, int64_t step, GError **err)
{
	/* Compare and set in one statement: of two requests racing with the
	 * same code (two nodes, say), only one records the step. */
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"UPDATE account SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2", err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, step);
	if (db_run(st, err) < 0)
		return -1;
	return db_changes(ctx->db) == 1 ? 0 : 1;
}

int account_store_recovery_use(const bireg_ctx *ctx, int64_t id, const char *code, GError **err)
{
	char now[21];
	g_autofree char *digest = NULL;
	g_autoptr(db_stmt) st = NULL;

	if (!code || !*code)
		return 0;
	digest = token_digest(code);
	/* One statement: a code used by two requests at once counts once. */
	st = db_prepare(ctx->db,
		"UPDATE recovery_code SET used_at = $3 "
		"WHERE account_id = $1 AND code_digest = $2 AND used_at IS NULL", err);
	if (!st)
		return -1;
	iso_at(now_unix(), now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, digest);
	db_bind_text(st, 3, now);
	if (db_run(st, err) < 0)
		return -1;
	return db_changes(ctx->db) == 1 ? 1 : 0;
}

int account_store_recovery_left(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT count(*) FROM recovery_code WHERE account_id = $1 AND used_at IS NULL", err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, id);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return (int)db_col_int64(st, 0);
}

/* ---- sessions ----------------------------------------------------------- */

#define SESSION_COLS                                                              \
	"id, account_id, csrf_token, second_factor_pending, created_at, last_seen_at, " \
	"ip, user_agent"

void session_free(session *s)
{
	if (!s)
		return;
	g_free(s->csrf_token);
	g_free(s->created_at);
	g_free(s->last_seen_at);
	g_free(s->ip);
	g_free(s->user_agent);
	g_free(s);
}

static session *session_from_row(db_stmt *st)
{
	session *s = g_new0(session, 1);

	s->id = db_col_int64(st, 0);
	s->account_id = db_col_int64(st, 1);
	s->csrf_token = g_strdup(db_col_text(st, 2));
	s->second_factor_pending = db_col_bool(st, 3);
	s->created_at = g_strdup(db_col_text(st, 4));
	s->last_seen_at = g_strdup(db_col_text(st, 5));
	s->ip = g_strdup(db_col_text(st, 6));
	s->user_agent = g_strdup(db_col_text(st, 7));
	return s;
}

/* The two cut-off times of live sessions at now: a session last seen before
 * idle_cut or created before abs_cut has expired. */
static void session_cuts(int64_t now, char idle_cut[static 21], char abs_cut[static 21])
{
	iso_at(now - SESSION_IDLE_SECONDS, idle_cut);
	iso_at(now - SESSION_ABSOLUTE_SECONDS, abs_cut);
}

static bool session_expired(const session *s, int64_t now)
{
	char idle_cut[21], abs_cut[21];

	session_cuts(now, idle_cut, abs_cut);
	return strcmp(s->last_seen_at, idle_cut) < 0 || strcmp(s->created_at, abs_cut) < 0;
}

/* Deletes the expired sessions of one account (account_id > 0) or of all. */
static int64_t delete_expired(const bireg_ctx *ctx, int64_t account_id, GError **err)
{
	char idle_cut[21], abs_cut[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"DELETE FROM session WHERE ($1 = 0 OR account_id = $1) "
		"AND (last_seen_at < $2 OR created_at < $3)", err);

	if (!st)
		return -1;
	session_cuts(now_unix(), idle_cut, abs_cut);
	db_bind_int64(st, 1, account_id);
	db_bind_text(st, 2, idle_cut);
	db_bind_text(st, 3, abs_cut);
	if (db_run(st, err) < 0)
		return -1;
	return db_changes(ctx->db);
}

session *session_store_create(const bireg_ctx *ctx, int64_t account_id, bool second_factor_pending,
			      const char *ip, const char *user_agent, char **token_out,
			      GError **err)
{
	char now[21];
	g_autofree char *token = token_random(32);
	g_autofree char *digest = token_digest(token);
	g_autofree char *csrf = token_random(32);
	g_autofree char *ip_clean = clip_utf8(ip, SESSION_IP_MAX_BYTES);
	g_autofree char *ua_clean = clip_utf8(user_agent, SESSION_UA_MAX_BYTES);
	g_autoptr(db_stmt) st = NULL;
	session *s;

	/* Housekeeping on the way: the account's dead sessions would
	 * otherwise only go when the purge job runs. */
	if (delete_expired(ctx, account_id, err) < 0)
		return NULL;
	st = db_prepare(ctx->db,
		"INSERT INTO session (token_digest, account_id, csrf_token, second_factor_pending, "
		"created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7) "
		"RETURNING id", err);
	if (!st)
		return NULL;
	iso_at(now_unix(), now);
	db_bind_text(st, 1, digest);
	db_bind_int64(st, 2, account_id);
	db_bind_text(st, 3, csrf);
	db_bind_bool(st, 4, second_factor_pending);
	db_bind_text(st, 5, now);
	db_bind_text(st, 6, ip_clean);
	db_bind_text(st, 7, ua_clean);
	if (db_step(st, err) != DB_ROW)
		return NULL;

	s = g_new0(session, 1);
	s->id = db_col_int64(st, 0);
	s->account_id = account_id;
	s->csrf_token = g_steal_pointer(&csrf);
	s->second_factor_pending = second_factor_pending;
	s->created_at = g_strdup(now);
	s->last_seen_at = g_strdup(now);
	s->ip = g_steal_pointer(&ip_clean);
	s->user_agent = g_steal_pointer(&ua_clean);
	if (token_out)
		*token_out = g_steal_pointer(&token);
	return s;
}

static session *session_by_digest(const bireg_ctx *ctx, const char *digest, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " SESSION_COLS " FROM session WHERE token_digest = $1", err);

	if (!st)
		return NULL;
	db_bind_text(st, 1, digest);
	if (db_step(st, err) != DB_ROW)
		return NULL;
	return session_from_row(st);
}

session *session_store_lookup(const bireg_ctx *ctx, const char *token, GError **err)
{
	g_autofree char *digest = NULL;
	g_autoptr(session) s = NULL;
	int64_t now = now_unix();
	char now_iso[21], touch_cut[21];

	if (!token || !*token)
		return NULL;
	digest = token_digest(token);
	s = session_by_digest(ctx, digest, err);
	if (!s)
		return NULL;
	if (session_expired(s, now)) {
		session_store_delete(ctx, s->id, err);
		return NULL;
	}
	iso_at(now - SESSION_TOUCH_SECONDS, touch_cut);
	if (strcmp(s->last_seen_at, touch_cut) < 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE session SET last_seen_at = $2 WHERE id = $1", err);
		if (!st)
			return NULL;
		iso_at(now, now_iso);
		db_bind_int64(st, 1, s->id);
		db_bind_text(st, 2, now_iso);
		if (db_run(st, err) < 0)
			return NULL;
		g_free(s->last_seen_at);
		s->last_seen_at = g_strdup(now_iso);
	}
	return g_steal_pointer(&s);
}

int session_store_complete_second_factor(const bireg_ctx *ctx, int64_t session_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"UPDATE session SET second_factor_pending = 0 WHERE id = $1", err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, session_id);
	return run_expect_row(st, ctx->db, "session", session_id, err);
}

int session_store_delete(const bireg_ctx *ctx, int64_t session_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, "DELETE FROM session WHERE id = $1", err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, session_id);
	return db_run(st, err) < 0 ? -1 : 0;
}

int session_store_delete_all(const bireg_ctx *ctx, int64_t account_id, int64_t keep_id,
			     GError **err)
{
	/* Ids start at 1, so keep_id 0 keeps nothing. */
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"DELETE FROM session WHERE account_id = $1 AND id <> $2", err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, keep_id);
	return db_run(st, err) < 0 ? -1 : 0;
}

json_t *session_store_list(const bireg_ctx *ctx, int64_t account_id, GError **err)
{
	char idle_cut[21], abs_cut[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, created_at, last_seen_at, ip, user_agent FROM session "
		"WHERE account_id = $1 AND last_seen_at >= $2 AND created_at >= $3 "
		"ORDER BY created_at DESC, id DESC", err);
	json_t *list;
	db_status r;

	if (!st)
		return NULL;
	session_cuts(now_unix(), idle_cut, abs_cut);
	db_bind_int64(st, 1, account_id);
	db_bind_text(st, 2, idle_cut);
	db_bind_text(st, 3, abs_cut);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s}", "id",
						      (json_int_t)db_col_int64(st, 0), "created_at",
						      db_col_text(st, 1), "last_seen_at",
						      db_col_text(st, 2), "ip", db_col_text(st, 3),
						      "user_agent", db_col_text(st, 4)));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int64_t session_store_purge_expired(const bireg_ctx *ctx, GError **err)
{
	return delete_expired(ctx, 0, err);
}

/* ---- login throttling --------------------------------------------------- */

/* The stored form of a key: trimmed and lower case, so that "account:Anna@…"
 * and "account:anna@…" are throttled together; a key that is too long or not
 * valid UTF-8 becomes "sha256:<digest>". Newly allocated. */
static char *throttle_key(const char *key)
{
	g_autofree char *lower = NULL;

	if (!key)
		key = "";
	if (g_utf8_validate(key, -1, NULL)) {
		g_autofree char *trimmed = g_strstrip(g_strdup(key));
		lower = g_utf8_strdown(trimmed, -1);
		if (strlen(lower) <= THROTTLE_KEY_MAX_BYTES)
			return g_steal_pointer(&lower);
	} else {
		lower = g_ascii_strdown(key, -1);
	}
	g_autofree char *digest = token_digest(lower);
	return g_strconcat("sha256:", digest, NULL);
}

/* Seconds from now until the stored time wait_until, at least 0. */
static int remaining(const char *wait_until, int64_t now)
{
	int64_t until = iso_parse(wait_until);
	return until > now ? (int)MIN(until - now, (int64_t)G_MAXINT) : 0;
}

int throttle_store_wait(const bireg_ctx *ctx, const char *key, GError **err)
{
	g_autofree char *k = throttle_key(key);
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT wait_until FROM login_throttle WHERE key = $1", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_text(st, 1, k);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW ? remaining(db_col_text(st, 0), now_unix()) : 0;
}

/* The wait after the failures-th failure in the window: nothing for the
 * first THROTTLE_FREE_FAILURES, then 2 s, 4 s, 8 s … up to max_wait. */
/* The wait after `failures` failures in the window: the first
 * THROTTLE_FREE_FAILURES cost nothing, the next makes the following attempt
 * wait 2 s, then 4 s, 8 s ... up to max_wait. */
static int wait_for(int64_t failures, int max_wait)
{
	int64_t over = failures - THROTTLE_FREE_FAILURES;

	if (over <= 0 || max_wait <= 0)
		return 0;
	if (over >= 30)
		return max_wait;
	return (int)MIN((int64_t)1 << over, (int64_t)max_wait);
}

int throttle_store_fail(const bireg_ctx *ctx, const char *key, int max_wait, GError **err)
{
	g_autofree char *k = throttle_key(key);
	int64_t now = now_unix(), failures;
	char now_iso[21], window_cut[21], until_iso[21];
	int wait;

	iso_at(now, now_iso);
	iso_at(now - THROTTLE_WINDOW_SECONDS, window_cut);
	{
		/* One statement counts the failure, so that failures arriving
		 * at once on several workers or nodes are all counted. A
		 * first failure older than the window starts a new count. */
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO login_throttle (key, failures, first_failure_at, wait_until) "
			"VALUES ($1, 1, $2, $2) ON CONFLICT (key) DO UPDATE SET "
			"failures = CASE WHEN login_throttle.first_failure_at < $3 THEN 1 "
			"ELSE login_throttle.failures + 1 END, "
			"first_failure_at = CASE WHEN login_throttle.first_failure_at < $3 THEN $2 "
			"ELSE login_throttle.first_failure_at END "
			"RETURNING failures", err);
		if (!st)
			return -1;
		db_bind_text(st, 1, k);
		db_bind_text(st, 2, now_iso);
		db_bind_text(st, 3, window_cut);
		if (db_step(st, err) != DB_ROW)
			return -1;
		failures = db_col_int64(st, 0);
	}
	wait = wait_for(failures, max_wait);
	if (wait == 0)
		return 0;
	iso_at(now + wait, until_iso);
	{
		/* A wait is only ever extended: a concurrent failure that
		 * imposed a longer one keeps it. */
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE login_throttle SET wait_until = "
			"CASE WHEN wait_until < $2 THEN $2 ELSE wait_until END "
			"WHERE key = $1 RETURNING wait_until", err);
		db_status r;
		if (!st)
			return -1;
		db_bind_text(st, 1, k);
		db_bind_text(st, 2, until_iso);
		r = db_step(st, err);
		if (r < 0)
			return -1;
		/* The row can only be missing if a clear raced in between. */
		return r == DB_ROW ? remaining(db_col_text(st, 0), now) : wait;
	}
}

int throttle_store_clear(const bireg_ctx *ctx, const char *key, GError **err)
{
	g_autofree char *k = throttle_key(key);
	g_autoptr(db_stmt) st = db_prepare(ctx->db, "DELETE FROM login_throttle WHERE key = $1", err);

	if (!st)
		return -1;
	db_bind_text(st, 1, k);
	return db_run(st, err) < 0 ? -1 : 0;
}

int64_t throttle_store_purge(const bireg_ctx *ctx, GError **err)
{
	int64_t now = now_unix();
	char now_iso[21], window_cut[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"DELETE FROM login_throttle WHERE first_failure_at < $1 AND wait_until < $2", err);

	if (!st)
		return -1;
	iso_at(now, now_iso);
	iso_at(now - THROTTLE_WINDOW_SECONDS, window_cut);
	db_bind_text(st, 1, window_cut);
	db_bind_text(st, 2, now_iso);
	if (db_run(st, err) < 0)
		return -1;
	return db_changes(ctx->db);
}
