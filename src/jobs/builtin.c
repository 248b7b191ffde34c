/*
 * builtin.c — the built-in job kinds and their schedule (see builtin.h).
 */
#include "jobs/builtin.h"

#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "jobs/job.h"
#include "modules/account/account_store.h"
#include "modules/region/region_store.h"
#include "modules/register/privacy.h"
#include "view/i18n.h"

/* A database error is worth another attempt; anything else is not. */
static job_result db_result(const GError *err)
{
	return err && err->domain == BIREG_DB_ERROR && err->code == DB_CONSTRAINT ? JOB_FAIL
										 : JOB_RETRY;
}

static job_result session_cleanup(job_ctx *jc, json_t *payload, GError **err)
{
	int64_t sessions = session_store_purge_expired(&jc->ctx, err);
	int64_t throttles;

	if (sessions < 0)
		return db_result(*err);
	throttles = throttle_store_purge(&jc->ctx, err);
	if (throttles < 0)
		return db_result(*err);
	log_info("job %" G_GINT64_FORMAT " session.cleanup: %" G_GINT64_FORMAT
		 " expired sessions and %" G_GINT64_FORMAT " login-throttle rows deleted",
		 jc->id, sessions, throttles);
	return JOB_OK;
}

/* The region's feedback_retention_days, or the default when unset or not a
 * whole number of at least 1 day. */
static int retention_days(job_ctx *jc, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db, "SELECT settings FROM region WHERE id = $1",
					   err);
	json_t *settings, *v;
	int days = FEEDBACK_RETENTION_DEFAULT_DAYS;
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, jc->ctx.region_id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return 0; /* the region is gone: nothing to do */
	settings = json_loads(db_col_text(st, 0), 0, NULL);
	v = json_object_get(settings, "feedback_retention_days");
	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 36500)
		days = (int)json_integer_value(v);
	json_decref(settings);
	return days;
}

static job_result feedback_retention(job_ctx *jc, json_t *payload, GError **err)
{
	char cut[21];
	int days;
	g_autoptr(db_stmt) st = NULL;

	if (jc->ctx.region_id <= 0) {
		g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID,
				    "feedback.retention needs a region");
		return JOB_FAIL;
	}
	days = retention_days(jc, err);
	if (days < 0)
		return db_result(*err);
	if (days == 0)
		return JOB_OK;
	job_iso_at(job_now() - (int64_t)days * 86400, cut);
	st = db_prepare(jc->ctx.db,
		"DELETE FROM accessibility_feedback WHERE region_id = $1 AND status = 'closed' "
		"AND created_at < $2", err);
	if (!st)
		return db_result(*err);
	db_bind_int64(st, 1, jc->ctx.region_id);
	db_bind_text(st, 2, cut);
	if (db_run(st, err) < 0)
		return db_result(*err);
	log_info("job %" G_GINT64_FORMAT " feedback.retention: %" G_GINT64_FORMAT
		 " closed feedback older than %d days deleted in region %" G_GINT64_FORMAT,
		 jc->id, db_changes(jc->ctx.db), days, jc->ctx.region_id);
	return JOB_OK;
}

static job_result job_purge(job_ctx *jc, json_t *payload, GError **err)
{
	char done_cut[21], failed_cut[21];
	int64_t now = job_now();
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db,
		"DELETE FROM job WHERE (state IN ('done', 'cancelled') AND finished_at < $1) "
		"OR (state = 'failed' AND finished_at < $2)", err);

	if (!st)
		return db_result(*err);
	job_iso_at(now - (int64_t)JOB_PURGE_DONE_DAYS * 86400, done_cut);
	job_iso_at(now - (int64_t)JOB_PURGE_FAILED_DAYS * 86400, failed_cut);
	db_bind_text(st, 1, done_cut);
	db_bind_text(st, 2, failed_cut);
	if (db_run(st, err) < 0)
		return db_result(*err);
	log_info("job %" G_GINT64_FORMAT " job.purge: %" G_GINT64_FORMAT " old jobs deleted", jc->id,
		 db_changes(jc->ctx.db));
	return JOB_OK;
}

static job_result test_record(job_ctx *jc, json_t *payload, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(jc->ctx.db,
		"INSERT INTO job_test_effect (job_id, node, at) VALUES ($1, $2, $3)", err);

	if (!st)
		return db_result(*err);
	job_iso_at(job_now(), now);
	db_bind_int64(st, 1, jc->id);
	db_bind_text(st, 2, jc->node);
	db_bind_text(st, 3, now);
	if (db_run(st, err) < 0)
		return db_result(*err);
	return JOB_OK;
}

static job_result test_fail(job_ctx *jc, json_t *payload, GError **err)
{
	bool permanent = json_is_true(json_object_get(payload, "permanent"));
	g_set_error(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER, "test failure (%s, as asked)",
		    permanent ? "permanent" : "retryable");
	return permanent ? JOB_FAIL : JOB_RETRY;
}

static const job_kind builtin_kinds[] = {
	{"session.cleanup", session_cleanup, 3, 600, N_("Clean up expired sessions")},
	{"feedback.retention", feedback_retention, 3, 600, N_("Delete old accessibility feedback")},
	{"job.purge", job_purge, 3, 600, N_("Delete old finished jobs")},
	{PRIVACY_RETENTION_JOB, privacy_retention_job, 3, 1800,
	 N_("Apply the register's retention periods")},
};

static const job_kind test_kinds[] = {
	{"test.record", test_record, 3, 60, N_("Test: record a run")},
	{"test.fail", test_fail, 3, 60, N_("Test: always fails")},
};

void job_register_builtin(bool testing)
{
	for (size_t i = 0; i < G_N_ELEMENTS(builtin_kinds); i++)
		job_register(&builtin_kinds[i]);
	if (testing)
		for (size_t i = 0; i < G_N_ELEMENTS(test_kinds); i++)
			job_register(&test_kinds[i]);
}

/* Enqueues kind once under key; adds 1 to *created when it is new. */
static int once(const bireg_ctx *ctx, int64_t region_id, const char *kind, const char *key,
		int *created, GError **err)
{
	int r = job_enqueue(ctx, region_id, kind, NULL, NULL, key, NULL, err);
	if (r > 0)
		(*created)++;
	return r < 0 ? -1 : 0;
}

int job_schedule_recurring(const bireg_ctx *ctx, GError **err)
{
	char now[21];
	int created = 0;
	json_t *regions;
	size_t i;
	json_t *r;

	job_iso_at(job_now(), now);
	/* "2026-11-26T13:30:00Z": the hour is the first 13 characters, the day 10. */
	g_autofree char *hour_key = g_strdup_printf("session.cleanup:%.13s", now);
	g_autofree char *purge_key = g_strdup_printf("job.purge:%.10s", now);

	if (once(ctx, 0, "session.cleanup", hour_key, &created, err) < 0 ||
	    once(ctx, 0, "job.purge", purge_key, &created, err) < 0)
		return -1;
	regions = region_store_list(ctx, err);
	if (!regions)
		return -1;
	json_array_foreach(regions, i, r) {
		gint64 id = json_integer_value(json_object_get(r, "id"));
		g_autofree char *key = g_strdup_printf("feedback.retention:%" G_GINT64_FORMAT ":%.10s",
						       id, now);
		g_autofree char *rkey = g_strdup_printf(PRIVACY_RETENTION_JOB ":%" G_GINT64_FORMAT
							":%.10s", id, now);
		if (once(ctx, id, "feedback.retention", key, &created, err) < 0 ||
		    once(ctx, id, PRIVACY_RETENTION_JOB, rkey, &created, err) < 0) {
			json_decref(regions);
			return -1;
		}
	}
	json_decref(regions);
	return created;
}
