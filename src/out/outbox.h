/*
 * outbox.h — the region's mail outbox (table mail_outbox, migration 0007)
 * and its delivery job "mail.deliver".
 *
 * outbox_enqueue() (declared in mail.h) composes a message, stores its
 * RFC 5322 bytes in the outbox and enqueues one mail.deliver job, all in the
 * caller's transaction when one is open: a mail exists exactly when the
 * change that causes it commits. The job sends the stored bytes unchanged,
 * so every attempt sends the same message with the same Message-ID.
 *
 * Delivery (the job):
 *   - mail.smtp_url set: one SMTP session through libcurl (smtp.h). Accepted:
 *     the row becomes "sent" with the server's answer, in the transaction
 *     that finishes the job. A temporary failure (4xx, no connection,
 *     time-out, connection closed mid-message, TLS or login trouble): the job
 *     is retried with the job queue's backoff (30 s, 1 min, 2 min, ... at
 *     most 6 h between attempts, OUTBOX_MAX_ATTEMPTS in all, about 14 hours);
 *     the row stays "queued" with the server's answer and the attempt count.
 *     A permanent refusal (5xx to MAIL, RCPT or DATA): the row is "failed" at
 *     once with the server's answer, and the job fails for good. The office
 *     sees both on /verwaltung/postausgang and can send a failed mail again.
 *   - mail.smtp_url empty (development): the message is written as an .eml
 *     file into mail.dev_dir/<region slug>/ (temporary file, fsync, rename),
 *     named <outbox id, 8 digits>-<Message-ID>.eml, and the row is "sent"
 *     with the answer "in den Entwicklungsordner geschrieben". The admin page
 *     /verwaltung/postausgang/entwicklungsordner lists these files.
 *
 * AT LEAST ONCE. The job marks the row sent in the transaction that marks
 * the job done (job.h). If the process dies, or that commit fails, after the
 * SMTP server accepted the message and before the commit, the job runs again
 * and the message is sent a second time — with the same bytes and the same
 * Message-ID, so mail clients that de-duplicate by Message-ID show it once.
 * That window (server's acceptance to commit) is the only way to a
 * duplicate: a retry after any failure sends only what was not accepted.
 * A job whose outbox row has moved on (sent, or sent again under a newer job
 * after "Erneut senden") does nothing.
 *
 * SQLite: the job's transaction holds the database's write lock while the
 * SMTP session runs (job.h), so mail.timeout (default 30 s, at most 120 s)
 * bounds how long other writers may wait on a hanging server; a normal
 * delivery takes well under a second.
 *
 * Status as shown (outbox_list): "sent"; "sending" while its job runs;
 * "queued" while its job waits (also for the next attempt); "failed" when
 * its job is failed, cancelled or gone without the mail being sent.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/ctx.h"
#include "out/mail.h"

#define OUTBOX_MAX_ATTEMPTS 12
#define OUTBOX_DEV_RESPONSE "in den Entwicklungsordner geschrieben"

/* Takes the mail.* settings and server.base_url (copied), registers the job
 * kind mail.deliver, and initialises GMime, libcurl and libsodium. Call once
 * at start, before any thread runs jobs or requests (`bireg serve` and
 * `bireg jobs`); the settings are read-only afterwards. */
void outbox_setup(const bireg_config *cfg);

/* Is SMTP configured (mail.smtp_url)? Otherwise mail goes to the dev folder. */
bool outbox_smtp_configured(void);
/* The development folder of a region: mail.dev_dir/<slug>. Newly allocated. */
char *outbox_dev_dir_for(const char *region_slug);

/* Is s one of queued, sending, sent, failed? */
bool outbox_status_valid(const char *s);

/* Mails of ctx->region_id, newest first, at most limit (1..1000); status
 * NULL: all. Items: {id, kind, to_addr, to_name, subject, message_id,
 * status (as shown, see above), attempts, last_response (or null),
 * created_at, sent_at (or null), last_attempt_at (or null), job_id (or
 * null), size}. NULL with err on failure. */
json_t *outbox_list(const bireg_ctx *ctx, const char *status, int limit, GError **err);
/* One mail of ctx->region_id in the same form, NULL (err unset) when none. */
json_t *outbox_get(const bireg_ctx *ctx, int64_t id, GError **err);
/* The stored message bytes of a mail of ctx->region_id; NULL (err unset)
 * when none. */
GBytes *outbox_get_mime(const bireg_ctx *ctx, int64_t id, GError **err);

enum {
	OUTBOX_CHANGE_NOT_FOUND = 0,
	OUTBOX_CHANGE_DONE = 1,
	OUTBOX_CHANGE_WRONG_STATE = 2, /* not failed */
};
/* A failed mail is queued again with a new delivery job: the same bytes,
 * the same Message-ID. Joins the caller's transaction when one is open.
 * Returns an OUTBOX_CHANGE_* value or -1. */
int outbox_resend(const bireg_ctx *ctx, int64_t id, GError **err);

/* ---- the development folder ------------------------------------------- */

/* Is name one of ours: "<digits>-<Message-ID>.eml", no path? */
bool outbox_dev_name_valid(const char *name);
/* The messages in the region's development folder, newest first, at most
 * limit: [{name, size, modified_at (UTC ISO), subject, to, date}] (a file
 * that cannot be read as mail is listed with an empty subject). A missing
 * folder is an empty list. NULL with err when the folder cannot be read. */
json_t *outbox_dev_list(const char *region_slug, int limit, GError **err);
/* The bytes of one file of the region's development folder; NULL with err
 * unset when there is no such file (or the name is not one of ours). */
GBytes *outbox_dev_read(const char *region_slug, const char *name, GError **err);
