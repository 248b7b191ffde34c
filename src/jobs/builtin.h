/*
 * builtin.h — the job kinds bireg itself brings, and the schedule of the
 * recurring ones.
 *
 *   session.cleanup     hourly, installation: deletes sessions past their idle
 *                       or absolute limit and login-throttle rows whose window
 *                       and wait have passed (account_store.h)
 *   feedback.retention  daily, per region: deletes accessibility feedback with
 *                       status "closed" received more than the region setting
 *                       feedback_retention_days (default 365) days ago
 *   job.purge           daily, installation: deletes done and cancelled jobs
 *                       finished more than 30 days ago, failed ones after 180
 *   test.record, test.fail   only with testing.routes (BIREG_TEST_ROUTES=1):
 *                       test.record writes one row into job_test_effect (a
 *                       second run of the same job would violate its key);
 *                       test.fail always fails, retryably, or permanently
 *                       with payload {"permanent": true}
 */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "core/ctx.h"

#define FEEDBACK_RETENTION_DEFAULT_DAYS 365
#define JOB_PURGE_DONE_DAYS 30
#define JOB_PURGE_FAILED_DAYS 180

/* Registers the built-in kinds (with the test kinds when testing). Call at
 * start, before any runner thread. */
void job_register_builtin(bool testing);

/* Enqueues the recurring jobs due in the current hour and day; their dedupe
 * keys make this safe to call as often as wanted and from several nodes.
 * Returns the number of jobs created, or -1. */
int job_schedule_recurring(const bireg_ctx *ctx, GError **err);
