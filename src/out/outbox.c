/*
 * outbox.c — the mail outbox: queueing, the delivery job, the office's
 * list, and the development folder (see outbox.h and mail.h).
 *
 * The job's handler runs inside the transaction that marks the job done, so
 * "sent" commits together with the job. A failed attempt rolls that
 * transaction back; what the server answered reaches the row through the
 * kind's failure hook (job_set_failure_hook, job.h), which runs in the transaction that records
 * the failure. The answer may name the recipient, so it goes to the row
 * through jc->failure_detail and never into the job's last_error or the log.
 */
#include "out/outbox.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>

#include "core/log.h"
#include "core/token.h"
#include "core/util.h"
#include "db/db.h"
#include "jobs/job.h"
#include "out/smtp.h"
#include "view/i18n.h"

#define DEV_FILE_MAX_BYTES ((gsize)64 * 1024 * 1024)

/* ---- settings (written by outbox_setup at start, read-only afterwards) -- */

static struct {
	bool ready;
	char *smtp_url, *smtp_user, *smtp_password, *starttls;
	char *from, *dev_dir, *base_url;
	int timeout;
} S;

static job_result deliver(job_ctx *jc, json_t *payload, GError **err);
static int deliver_failed(job_ctx *jc, json_t *payload, const char *error, bool final,
			  GError **err);

static const job_kind deliver_kind = {
	.kind = "mail.deliver",
	.handler = deliver,
	.max_attempts = OUTBOX_MAX_ATTEMPTS,
	/* mail.timeout is at most 120 s: a session never outlives the lease. */
	.lease_seconds = 300,
	.label = N_("Send e-mail"),
};

void outbox_setup(const bireg_config *cfg)
{
	g_autofree char *host = NULL;

	g_free(S.smtp_url);
	g_free(S.smtp_user);
	g_free(S.smtp_password);
	g_free(S.starttls);
	g_free(S.from);
	g_free(S.dev_dir);
	g_free(S.base_url);
	S.smtp_url = g_strdup(cfg->smtp_url ? cfg->smtp_url : "");
	S.smtp_user = g_strdup(cfg->smtp_user ? cfg->smtp_user : "");
	S.smtp_password = g_strdup(cfg->smtp_password ? cfg->smtp_password : "");
	S.starttls = g_strdup(cfg->smtp_starttls && *cfg->smtp_starttls ? cfg->smtp_starttls
									  : "required");
	S.dev_dir = g_strdup(cfg->mail_dev_dir && *cfg->mail_dev_dir ? cfg->mail_dev_dir : "var/mail");
	S.base_url = g_strdup(cfg->base_url ? cfg->base_url : "http://localhost:8080");
	host = mail_url_host(S.base_url);
	S.from = cfg->mail_from && *cfg->mail_from ? g_strdup(cfg->mail_from)
						    : g_strdup_printf("bireg@%s", host);
	S.timeout = cfg->mail_timeout > 0 ? cfg->mail_timeout : 30;
	if (token_init() < 0)
		log_error("outbox: libsodium failed to start; mail cannot be queued");
	mail_init();
	smtp_global_init();
	job_register(&deliver_kind);
	job_set_failure_hook(deliver_kind.kind, deliver_failed);
	S.ready = true;
}

bool outbox_smtp_configured(void)
{
	return S.smtp_url && *S.smtp_url;
}

char *outbox_dev_dir_for(const char *region_slug)
{
	return g_build_filename(S.dev_dir ? S.dev_dir : "var/mail", region_slug, NULL);
}

bool outbox_status_valid(const char *s)
{
	static const char *const states[] = {"queued", "sending", "sent", "failed"};
	for (size_t i = 0; s && i < G_N_ELEMENTS(states); i++)
		if (!strcmp(s, states[i]))
			return true;
	return false;
}

/* ---- transactions ------------------------------------------------------ */

/* Joins the caller's transaction or opens one (db.h). */
#define tx_start db_join_begin
#define tx_finish db_join_end

/* ---- queueing ------------------------------------------------------------ */

/* The region's name as a display name: control characters (a line break
 * someone typed into the settings) become spaces, so that a stored name can
 * never stop the region's mail. Newly allocated. */
static char *one_line(const char *s)
{
	g_autofree char *v = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);

	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029)
			c = ' ';
		g_string_append_unichar(out, c);
	}
	if (out->len > MAIL_NAME_MAX_BYTES) {
		const char *end = g_utf8_find_prev_char(out->str, out->str + MAIL_NAME_MAX_BYTES + 1);
		g_string_truncate(out, end ? (gsize)(end - out->str) : 0);
	}
	return g_string_free(out, FALSE);
}

int outbox_enqueue(const bireg_ctx *ctx, const mail_message *m, int64_t *id_out, GError **err)
{
	g_autoptr(db_stmt) q = NULL, ins = NULL, upd = NULL;
	g_autofree char *from_name = NULL, *reply_to = NULL, *message_id = NULL;
	g_autoptr(GBytes) mime = NULL;
	json_t *payload = NULL;
	job_spec spec = {0};
	int64_t id = 0, job_id = 0;
	char now[21];
	gsize len;
	const void *data;
	bool own;
	int rc = -1, r;

	if (id_out)
		*id_out = 0;
	if (!S.ready)
		return util_fail(err, BIREG_MAIL_ERROR, MAIL_ERROR_INVALID,
				 "outbox: outbox_setup() has not run");
	if (ctx->region_id <= 0)
		return util_fail(err, BIREG_MAIL_ERROR, MAIL_ERROR_NO_REGION,
				 "outbox: a mail belongs to a region, and none is set");

	/* The sender: the region's office, answering to its mailbox. */
	q = db_prepare(ctx->db, "SELECT name, coalesce(office_name, ''), coalesce(email, '') "
				"FROM region WHERE id = $1", err);
	if (!q)
		return -1;
	db_bind_int64(q, 1, ctx->region_id);
	r = db_step(q, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return util_fail(err, BIREG_MAIL_ERROR, MAIL_ERROR_NO_REGION,
				 "outbox: region %" PRId64 " does not exist", ctx->region_id);
	from_name = one_line(*db_col_text(q, 1) ? db_col_text(q, 1) : db_col_text(q, 0));
	reply_to = mail_address_valid(db_col_text(q, 2)) ? g_strdup(db_col_text(q, 2)) : NULL;
	g_clear_pointer(&q, db_stmt_free);

	message_id = mail_message_id_new(S.base_url);
	mime = mail_compose(m, &(mail_sender){.from_addr = S.from, .from_name = from_name,
					      .reply_to = reply_to},
			    message_id, NULL, err);
	if (!mime)
		return -1;
	data = g_bytes_get_data(mime, &len);
	util_now_iso(now);

	if (tx_start(ctx->db, &own, err) < 0)
		return -1;
	ins = db_prepare(ctx->db,
		"INSERT INTO mail_outbox (region_id, kind, to_addr, to_name, subject, message_id, "
		"mime, size, status, attempts, created_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9) RETURNING id", err);
	if (!ins)
		goto out;
	db_bind_int64(ins, 1, ctx->region_id);
	db_bind_text(ins, 2, m->kind);
	db_bind_text(ins, 3, m->to_addr);
	db_bind_text(ins, 4, m->to_name ? m->to_name : "");
	db_bind_text(ins, 5, m->subject);
	db_bind_text(ins, 6, message_id);
	db_bind_blob(ins, 7, data, len);
	db_bind_int64(ins, 8, (int64_t)len);
	db_bind_text(ins, 9, now);
	if (db_step(ins, err) != DB_ROW)
		goto out;
	id = db_col_int64(ins, 0);
	db_reset(ins);

	payload = json_pack("{s:I}", "outbox_id", (json_int_t)id);
	spec.region_id = ctx->region_id;
	spec.kind = deliver_kind.kind;
	spec.payload = payload;
	if (job_enqueue_spec(ctx, &spec, &job_id, err) < 0)
		goto out;
	upd = db_prepare(ctx->db, "UPDATE mail_outbox SET job_id = $1 WHERE id = $2", err);
	if (!upd)
		goto out;
	db_bind_int64(upd, 1, job_id);
	db_bind_int64(upd, 2, id);
	if (db_run(upd, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(payload);
	g_clear_pointer(&ins, db_stmt_free);
	g_clear_pointer(&upd, db_stmt_free);
	if (tx_finish(ctx->db, own, rc, err) < 0)
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
}

/* ---- delivery ------------------------------------------------------------ */

/* A database error is worth another attempt unless the data conflicts. */
static job_result db_result(const GError *err)
{
	return err && err->domain == BIREG_DB_ERROR && err->code == DB_CONSTRAINT ? JOB_FAIL
										 : JOB_RETRY;
}

/* Writes the message into the region's development folder, atomically
 * (temporary file, fsync, rename): <id>-<Message-ID>.eml. */
static int dev_write(const char *slug, int64_t id, const char *message_id, GBytes *mime,
		     char **path_out, GError **err)
{
	g_autofree char *dir = outbox_dev_dir_for(slug);
	g_autofree char *safe = g_strdup(message_id);
	g_autofree char *name = NULL;
	gsize len;
	const char *data = g_bytes_get_data(mime, &len);

	for (char *p = safe; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._@-", *p))
			*p = '_';
	name = g_strdup_printf("%08" PRId64 "-%s.eml", id, safe);
	if (g_mkdir_with_parents(dir, 0750) < 0) {
		int e = errno;
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
			    "the development folder %s cannot be made: %s", dir, g_strerror(e));
		return -1;
	}
	*path_out = g_build_filename(dir, name, NULL);
	if (!g_file_set_contents_full(*path_out, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT,
				      0640, err))
		return -1;
	return 0;
}

static job_result deliver(job_ctx *jc, json_t *payload, GError **err)
{
	json_t *idv = json_object_get(payload, "outbox_id");
	int64_t id = json_is_integer(idv) ? json_integer_value(idv) : 0;
	g_autoptr(db_stmt) st = NULL, upd = NULL;
	g_autofree char *to = NULL, *message_id = NULL, *slug = NULL, *response = NULL;
	g_autoptr(GBytes) mime = NULL;
	char now[21];
	int r;

	if (id <= 0) {
		g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID,
				    "mail.deliver: the payload names no outbox entry");
		return JOB_FAIL;
	}
	st = db_prepare(jc->ctx.db,
		"SELECT o.status, o.to_addr, o.message_id, o.job_id, o.mime, r.slug "
		"FROM mail_outbox o JOIN region r ON r.id = o.region_id "
		"WHERE o.id = $1 AND o.region_id = $2", err);
	if (!st)
		return db_result(*err);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, jc->ctx.region_id);
	r = db_step(st, err);
	if (r < 0)
		return db_result(*err);
	if (r != DB_ROW) {
		log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " is gone; nothing to send",
			 jc->id, id);
		return JOB_OK;
	}
	if (db_col_is_null(st, 3) || db_col_int64(st, 3) != jc->id) {
		log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " belongs to job %" PRId64
			 " now; nothing to do", jc->id, id,
			 db_col_is_null(st, 3) ? (int64_t)0 : db_col_int64(st, 3));
		return JOB_OK;
	}
	if (!strcmp(db_col_text(st, 0), "sent")) {
		log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " was sent already",
			 jc->id, id);
		return JOB_OK;
	}
	to = g_strdup(db_col_text(st, 1));
	message_id = g_strdup(db_col_text(st, 2));
	slug = g_strdup(db_col_text(st, 5));
	{
		size_t len;
		const void *p = db_col_blob(st, 4, &len);
		mime = g_bytes_new(p, len);
	}
	g_clear_pointer(&st, db_stmt_free);

	if (outbox_smtp_configured()) {
		smtp_config c = {
			.url = S.smtp_url, .user = S.smtp_user, .password = S.smtp_password,
			.starttls = S.starttls, .from = S.from, .timeout = S.timeout,
		};
		smtp_result res;
		gsize len;
		const void *data = g_bytes_get_data(mime, &len);
		smtp_outcome o = smtp_send(&c, to, data, len, &res);
		if (o != SMTP_SENT) {
			/* The answer (it may name the recipient) goes to the outbox
			 * row through the failure hook; the job and the log get the
			 * summary. */
			jc->failure_detail = g_steal_pointer(&res.response);
			g_set_error(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER,
				    "outbox entry %" PRId64 ": %s", id, res.summary);
			smtp_result_clear(&res);
			return o == SMTP_PERMANENT ? JOB_FAIL : JOB_RETRY;
		}
		response = g_steal_pointer(&res.response);
		log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " %s", jc->id, id,
			 res.summary);
		smtp_result_clear(&res);
	} else {
		g_autofree char *path = NULL;
		g_autoptr(GError) e = NULL;
		if (dev_write(slug, id, message_id, mime, &path, &e) < 0) {
			jc->failure_detail = g_strdup(e->message);
			g_set_error(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER,
				    "outbox entry %" PRId64 ": writing into the development folder "
				    "failed: %s", id, e->message);
			return JOB_RETRY;
		}
		log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " written to %s", jc->id,
			 id, path);
		response = g_strdup(OUTBOX_DEV_RESPONSE);
	}

	/* Sent. From here to the commit of the job's transaction is the window
	 * in which a crash sends the message twice (outbox.h). */
	util_now_iso(now);
	upd = db_prepare(jc->ctx.db,
		"UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, last_response = $2, "
		"sent_at = $3, last_attempt_at = $3 WHERE id = $1", err);
	if (!upd)
		return db_result(*err);
	db_bind_int64(upd, 1, id);
	db_bind_text(upd, 2, response);
	db_bind_text(upd, 3, now);
	if (db_run(upd, err) < 0)
		return db_result(*err);
	return JOB_OK;
}

/* At most max bytes of valid UTF-8 (cut at a character). Newly allocated. */
static char *clip_utf8(const char *s, size_t max)
{
	char *v = g_utf8_make_valid(s, -1);
	const char *end;

	if (strlen(v) <= max)
		return v;
	end = g_utf8_find_prev_char(v, v + max + 1);
	v[end ? end - v : 0] = '\0';
	return v;
}

/* After a failed attempt (see job_failure_fn): the row stays queued with
 * the server's answer, or is failed for good. Only the row of this job. */
static int deliver_failed(job_ctx *jc, json_t *payload, const char *error, bool final,
			  GError **err)
{
	json_t *idv = json_object_get(payload, "outbox_id");
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db,
		"UPDATE mail_outbox SET status = $3, attempts = attempts + $4, "
		"last_response = coalesce($5, last_response), last_attempt_at = $6 "
		"WHERE id = $1 AND job_id = $2 AND status <> 'sent'", err);

	if (!st)
		return -1;
	if (!json_is_integer(idv))
		return 0;
	util_now_iso(now);
	db_bind_int64(st, 1, json_integer_value(idv));
	db_bind_int64(st, 2, jc->id);
	db_bind_text(st, 3, final ? "failed" : "queued");
	/* Only an attempt that reached delivery counts (a database error
	 * before it leaves no detail). */
	db_bind_int64(st, 4, jc->failure_detail ? 1 : 0);
	{
		g_autofree char *detail = jc->failure_detail ? clip_utf8(jc->failure_detail, 1900)
							     : NULL;
		db_bind_text(st, 5, detail);
	}
	db_bind_text(st, 6, now);
	if (db_run(st, err) < 0)
		return -1;
	log_info("job %" PRId64 " mail.deliver: outbox entry %" PRId64 " %s after attempt %d: %s",
		 jc->id, (int64_t)json_integer_value(idv), final ? "failed for good" : "stays queued",
		 jc->attempts, error ? error : "?");
	return 0;
}

/* ---- the office's list ---------------------------------------------------- */

/* The status as shown (outbox.h): from the row and its current job. */
#define SHOWN_STATUS                                                                   \
	"CASE WHEN o.status = 'sent' THEN 'sent' WHEN j.state = 'running' THEN 'sending' "   \
	"WHEN j.state = 'queued' THEN 'queued' ELSE 'failed' END"

#define OUTBOX_COLS                                                                    \
	"o.id, o.kind, o.to_addr, o.to_name, o.subject, o.message_id, " SHOWN_STATUS        \
	" AS shown, o.attempts, o.last_response, o.created_at, o.sent_at, "                  \
	"o.last_attempt_at, o.job_id, o.size"

static json_t *text_or_null(db_stmt *st, int col)
{
	return db_col_is_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *row_json(db_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
	json_object_set_new(o, "kind", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "to_addr", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "to_name", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "subject", json_string(db_col_text(st, 4)));
	json_object_set_new(o, "message_id", json_string(db_col_text(st, 5)));
	json_object_set_new(o, "status", json_string(db_col_text(st, 6)));
	json_object_set_new(o, "attempts", json_integer(db_col_int64(st, 7)));
	json_object_set_new(o, "last_response", text_or_null(st, 8));
	json_object_set_new(o, "created_at", json_string(db_col_text(st, 9)));
	json_object_set_new(o, "sent_at", text_or_null(st, 10));
	json_object_set_new(o, "last_attempt_at", text_or_null(st, 11));
	json_object_set_new(o, "job_id",
			    db_col_is_null(st, 12) ? json_null() : json_integer(db_col_int64(st, 12)));
	json_object_set_new(o, "size", json_integer(db_col_int64(st, 13)));
	return o;
}

json_t *outbox_list(const bireg_ctx *ctx, const char *status, int limit, GError **err)
{
	/* Fixed text only; the filter on the computed status needs the
	 * subquery on both backends. */
	g_autofree char *sql = g_strdup_printf(
		"SELECT * FROM (SELECT " OUTBOX_COLS " FROM mail_outbox o "
		"LEFT JOIN job j ON j.id = o.job_id WHERE o.region_id = $1) x %s "
		"ORDER BY x.id DESC LIMIT $2", status ? "WHERE x.shown = $3" : "");
	g_autoptr(db_stmt) st = NULL;
	json_t *list;
	int r;

	if (status && !outbox_status_valid(status)) {
		util_fail(err, BIREG_MAIL_ERROR, MAIL_ERROR_INVALID, "status: unknown");
		return NULL;
	}
	st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, CLAMP(limit, 1, 1000));
	if (status)
		db_bind_text(st, 3, status);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, row_json(st));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *outbox_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " OUTBOX_COLS " FROM mail_outbox o LEFT JOIN job j ON j.id = o.job_id "
		"WHERE o.region_id = $1 AND o.id = $2", err);
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	return r == DB_ROW ? row_json(st) : NULL;
}

GBytes *outbox_get_mime(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT mime FROM mail_outbox WHERE region_id = $1 AND id = $2", err);
	size_t len;
	const void *p;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	if (db_step(st, err) != DB_ROW)
		return NULL;
	p = db_col_blob(st, 0, &len);
	return g_bytes_new(p, len);
}

int outbox_resend(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) q = NULL, mark = NULL, link = NULL;
	json_t *payload = NULL;
	job_spec spec = {0};
	int64_t old_job = 0, job_id = 0;
	bool own;
	int rc = -1, r;

	if (tx_start(ctx->db, &own, err) < 0)
		return -1;
	q = db_prepare(ctx->db,
		"SELECT " SHOWN_STATUS ", o.job_id FROM mail_outbox o "
		"LEFT JOIN job j ON j.id = o.job_id WHERE o.region_id = $1 AND o.id = $2", err);
	if (!q)
		goto out;
	db_bind_int64(q, 1, ctx->region_id);
	db_bind_int64(q, 2, id);
	r = db_step(q, err);
	if (r < 0)
		goto out;
	if (r != DB_ROW) {
		rc = OUTBOX_CHANGE_NOT_FOUND;
		goto out;
	}
	if (strcmp(db_col_text(q, 0), "failed")) {
		rc = OUTBOX_CHANGE_WRONG_STATE;
		goto out;
	}
	old_job = db_col_is_null(q, 1) ? 0 : db_col_int64(q, 1);
	g_clear_pointer(&q, db_stmt_free);
	/* Claim the row first: a second click (or node) that read the same
	 * job id changes nothing. */
	mark = db_prepare(ctx->db,
		"UPDATE mail_outbox SET status = 'queued' "
		"WHERE region_id = $1 AND id = $2 AND coalesce(job_id, 0) = $3 AND status <> 'sent'",
		err);
	if (!mark)
		goto out;
	db_bind_int64(mark, 1, ctx->region_id);
	db_bind_int64(mark, 2, id);
	db_bind_int64(mark, 3, old_job);
	if (db_run(mark, err) < 0)
		goto out;
	if (db_changes(ctx->db) != 1) {
		rc = OUTBOX_CHANGE_WRONG_STATE;
		goto out;
	}
	payload = json_pack("{s:I}", "outbox_id", (json_int_t)id);
	spec.region_id = ctx->region_id;
	spec.kind = deliver_kind.kind;
	spec.payload = payload;
	if (job_enqueue_spec(ctx, &spec, &job_id, err) < 0)
		goto out;
	link = db_prepare(ctx->db, "UPDATE mail_outbox SET job_id = $1 WHERE id = $2", err);
	if (!link)
		goto out;
	db_bind_int64(link, 1, job_id);
	db_bind_int64(link, 2, id);
	if (db_run(link, err) < 0)
		goto out;
	rc = OUTBOX_CHANGE_DONE;
out:
	json_decref(payload);
	g_clear_pointer(&q, db_stmt_free);
	g_clear_pointer(&mark, db_stmt_free);
	g_clear_pointer(&link, db_stmt_free);
	/* Nothing changed unless DONE: roll back our own transaction then. */
	if (own && rc != OUTBOX_CHANGE_DONE) {
		db_rollback(ctx->db);
		return rc;
	}
	return tx_finish(ctx->db, own, rc < 0 ? -1 : rc, err);
}

/* ---- the development folder ------------------------------------------------ */

bool outbox_dev_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	const char *p = name;

	if (len < 10 || len > 255 || !g_str_has_suffix(name, ".eml"))
		return false;
	if (!g_ascii_isdigit(*p))
		return false;
	while (g_ascii_isdigit(*p))
		p++;
	if (*p != '-' || p - name > 19)
		return false;
	for (p++; p < name + len - 4; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._@-", *p))
			return false;
	return strchr(name, '@') != NULL;
}

static gint compare_dev_names(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	guint64 nx = g_ascii_strtoull(x, NULL, 10), ny = g_ascii_strtoull(y, NULL, 10);

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(y, x);
}

json_t *outbox_dev_list(const char *region_slug, int limit, GError **err)
{
	g_autofree char *dir = outbox_dev_dir_for(region_slug);
	g_autoptr(GError) e = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, &e);
	json_t *list = json_array();
	const char *n;

	if (!d) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return list;
		json_decref(list);
		g_propagate_error(err, g_steal_pointer(&e));
		return NULL;
	}
	while ((n = g_dir_read_name(d)))
		if (outbox_dev_name_valid(n))
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_dev_names);
	for (guint i = 0; i < names->len && (int)i < limit; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		GStatBuf sb;
		char mtime[21] = "";
		json_t *info = NULL;

		if (g_lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue; /* not a plain file (a link, a folder): not ours */
		util_iso_at((int64_t)sb.st_mtime, mtime);
		if ((gsize)sb.st_size <= DEV_FILE_MAX_BYTES && g_file_get_contents(path, &data, &len, NULL))
			info = mail_describe(data, len, NULL);
		json_array_append_new(list, json_pack(
			"{s:s,s:I,s:s,s:s,s:s,s:s}", "name", name, "size", (json_int_t)sb.st_size,
			"modified_at", mtime, "subject",
			info ? json_string_value(json_object_get(info, "subject")) : "", "to",
			info ? json_string_value(json_object_get(info, "to")) : "", "date",
			info ? json_string_value(json_object_get(info, "date")) : ""));
		json_decref(info);
	}
	return list;
}

GBytes *outbox_dev_read(const char *region_slug, const char *name, GError **err)
{
	g_autofree char *dir = outbox_dev_dir_for(region_slug);
	g_autofree char *path = NULL;
	g_autoptr(GError) e = NULL;
	char *data = NULL;
	gsize len = 0;
	GStatBuf sb;

	if (!outbox_dev_name_valid(name))
		return NULL;
	path = g_build_filename(dir, name, NULL);
	if (g_lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return NULL; /* none, or not a plain file (a link): never followed */
	if ((gsize)sb.st_size > DEV_FILE_MAX_BYTES) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s is too large to show", name);
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return NULL;
		g_propagate_error(err, g_steal_pointer(&e));
		return NULL;
	}
	return g_bytes_new_take(data, len);
}
