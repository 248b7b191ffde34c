/*
 * account_store.h — user accounts, their roles per region, sessions, login
 * throttling and the second factor's stored state.
 *
 * An account is installation-wide (one official may work in several regions);
 * roles (admin, office, applicant) are granted per region. Everything else a
 * person may do (chair, member, coordinator, board) follows later from their
 * memberships in the register, through user_person (prepared now).
 *
 * Sessions live in the database (several nodes share them). The client gets a
 * random token; only its SHA-256 digest is stored. A session has an idle and
 * an absolute timeout, its own CSRF token, and a flag for "password checked,
 * second factor still due".
 *
 * All functions return 0 / an id on success and -1 with err (BIREG_DB_ERROR)
 * on failure; lookups return NULL with err unset for "not found". Structs
 * returned are newly allocated; free them with the matching _free function.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/roles.h"

/* "admin", "office", "applicant" <-> bits; NULL/0 for unknown. */
const char *account_role_name(account_role r);
account_role account_role_from_name(const char *name);

typedef struct account {
	int64_t id;
	char *email;          /* lower-case, as used for login */
	char *display_name;
	char *lang;           /* "de" or "en" */
	char *status;         /* "active" or "disabled" */
	char *password_hash;  /* argon2id string; never leaves the server */
	bool totp_enabled;
	char *totp_secret;    /* base32; NULL unless set up (pending or enabled) */
	int64_t totp_last_step;
	int64_t demo_region_id; /* 0, or the only region this (demo) account may log in to */
	char *created_at;
	char *last_login_at;  /* NULL before the first login */
} account;
void account_free(account *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(account, account_free)

/* Accounts ignore ctx->region_id except where noted. */
int64_t account_store_create(const bireg_ctx *ctx, const char *email, const char *display_name,
			     const char *password_hash, const char *lang, int64_t demo_region_id,
			     GError **err);
account *account_store_get(const bireg_ctx *ctx, int64_t id, GError **err);
account *account_store_get_by_email(const bireg_ctx *ctx, const char *email, GError **err);
int account_store_set_password(const bireg_ctx *ctx, int64_t id, const char *password_hash,
			       GError **err);
int account_store_set_lang(const bireg_ctx *ctx, int64_t id, const char *lang, GError **err);
int account_store_set_status(const bireg_ctx *ctx, int64_t id, const char *status, GError **err);
int account_store_touch_login(const bireg_ctx *ctx, int64_t id, GError **err);

/* Roles of an account in ctx->region_id (a bit set). -1 on error. */
int account_store_roles(const bireg_ctx *ctx, int64_t account_id, GError **err);
/* Grant and revoke also put or remove the account's search entry in
 * region_id (search_index_account), in the same transaction: the caller's
 * if one is open (its connection region must then be region_id), else one
 * of their own run with the connection's region set to region_id. Whatever
 * later changes an account's display name or e-mail must do the same in
 * every region where it has a role. */
int account_store_grant(const bireg_ctx *ctx, int64_t account_id, int64_t region_id,
			account_role role, GError **err);
int account_store_revoke(const bireg_ctx *ctx, int64_t account_id, int64_t region_id,
			 account_role role, GError **err);
/* Accounts that have any role in ctx->region_id, with their roles there:
 * [{id, email, display_name, status, totp_enabled, last_login_at, roles: ["office", …]}],
 * ordered by display name. With region_id 0: every account, roles as
 * [{region_slug, role}] (for `bireg user list`). */
json_t *account_store_list(const bireg_ctx *ctx, GError **err);

/* Second factor. */
int account_store_totp_set_secret(const bireg_ctx *ctx, int64_t id, const char *secret_b32,
				  GError **err); /* pending: enabled stays false */
int account_store_totp_enable(const bireg_ctx *ctx, int64_t id, int64_t step,
			      char *const *recovery_codes, GError **err); /* stores digests */
int account_store_totp_disable(const bireg_ctx *ctx, int64_t id, GError **err);
/* Records step as the last used time step if it is newer than the stored
 * one: 0 when recorded, 1 when a step at least as new was used already (a
 * replayed code: refuse the login), -1 on error. */
int account_store_totp_used_step(const bireg_ctx *ctx, int64_t id, int64_t step, GError **err);
/* Consumes a recovery code (canonical form): 1 if it was valid and unused,
 * 0 if not, -1 on error. */
int account_store_recovery_use(const bireg_ctx *ctx, int64_t id, const char *code, GError **err);
int account_store_recovery_left(const bireg_ctx *ctx, int64_t id, GError **err);

/* Sessions. */
typedef struct session {
	int64_t id;
	int64_t account_id;
	char *csrf_token;
	bool second_factor_pending;
	char *created_at;
	char *last_seen_at;
	char *ip;
	char *user_agent;
} session;
void session_free(session *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(session, session_free)

#define SESSION_IDLE_SECONDS (2 * 3600)
#define SESSION_ABSOLUTE_SECONDS (12 * 3600)

/* Creates a session; *token_out receives the token for the cookie (newly
 * allocated; only its digest is stored). */
session *session_store_create(const bireg_ctx *ctx, int64_t account_id, bool second_factor_pending,
			      const char *ip, const char *user_agent, char **token_out,
			      GError **err);
/* The live session for token, or NULL (unknown, idle or absolute timeout
 * passed: an expired one is deleted). Refreshes last_seen_at at most once a
 * minute, so a page view is not a write. */
session *session_store_lookup(const bireg_ctx *ctx, const char *token, GError **err);
int session_store_complete_second_factor(const bireg_ctx *ctx, int64_t session_id, GError **err);
int session_store_delete(const bireg_ctx *ctx, int64_t session_id, GError **err);
/* Deletes every session of the account except keep_id (0: all). */
int session_store_delete_all(const bireg_ctx *ctx, int64_t account_id, int64_t keep_id,
			     GError **err);
/* Live sessions of an account, newest first: [{id, created_at, last_seen_at, ip, user_agent}]. */
json_t *session_store_list(const bireg_ctx *ctx, int64_t account_id, GError **err);
/* Deletes every expired session of every account (for a periodic job; a
 * login already removes its own account's). Returns the number deleted. */
int64_t session_store_purge_expired(const bireg_ctx *ctx, GError **err);

/* Login throttling. Keys are "account:<email>" and "addr:<ip>". */
/* Four failures within the window cost nothing; the fifth makes the next
 * attempt wait 2 s, and each further one doubles the wait. */
#define THROTTLE_FREE_FAILURES 4
#define THROTTLE_WINDOW_SECONDS 900
#define THROTTLE_ACCOUNT_MAX_WAIT 60  /* an attacker can hold a real user off for a minute at most */
#define THROTTLE_ADDR_MAX_WAIT 900
/* Seconds the key must still wait before the next attempt (0 = go ahead). */
int throttle_store_wait(const bireg_ctx *ctx, const char *key, GError **err);
/* Records a failure; returns the wait now imposed, or -1. */
int throttle_store_fail(const bireg_ctx *ctx, const char *key, int max_wait, GError **err);
int throttle_store_clear(const bireg_ctx *ctx, const char *key, GError **err);
/* Deletes rows whose window and wait have both passed (a periodic job).
 * Returns the number deleted. */
int64_t throttle_store_purge(const bireg_ctx *ctx, GError **err);

/* Tests only: replaces the clock every time in this store comes from (unix
 * seconds; NULL restores the real clock). Call before other threads run. */
void account_store_set_clock_for_tests(int64_t (*now)(void));
