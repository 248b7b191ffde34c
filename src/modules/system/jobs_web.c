/*
 * jobs_web.c — background jobs for a region's admins (see jobs_web.h).
 *
 * The page lists the region's jobs and, marked as such, those of the whole
 * installation (session clean-up and the like), newest first. A failed job
 * of the region can be tried again and a waiting one cancelled; jobs of the
 * whole installation are only shown: the operators handle them with
 * `bireg jobs`. Payloads are never shown (they may hold personal data).
 */
#include "modules/system/jobs_web.h"

#include <string.h>

#include "core/log.h"
#include "jobs/job.h"
#include "modules/account/perm.h"
#include "modules/region/region_web.h"
#include "view/i18n.h"
#include "view/view.h"

#define JOBS_PAGE_LIMIT 200

static const char *const states[] = {"queued", "running", "done", "failed", "cancelled"};

static const char *state_label(const req_ctx *rc, const char *state)
{
	if (!strcmp(state, "queued"))
		return view_t(rc, N_("Waiting"));
	if (!strcmp(state, "running"))
		return view_t(rc, N_("Running"));
	if (!strcmp(state, "done"))
		return view_t(rc, N_("Completed"));
	if (!strcmp(state, "failed"))
		return view_t(rc, N_("Failed"));
	return view_t(rc, N_("Cancelled"));
}

static const char *kind_label(const req_ctx *rc, const char *kind)
{
	const job_kind *k = job_kind_find(kind);
	return k && k->label ? view_t(rc, k->label) : kind;
}

static const char *notice_text(const req_ctx *rc, bool *warning)
{
	const char *n = http_params_get(rc->req->query, "hinweis");

	*warning = false;
	if (!n)
		return NULL;
	if (!strcmp(n, "erneut"))
		return view_t(rc, N_("The job will be tried again in a moment."));
	if (!strcmp(n, "abgebrochen"))
		return view_t(rc, N_("The job has been cancelled."));
	*warning = true;
	return view_t(rc, N_("Nothing was changed: the job's state had changed meanwhile. Here is the current list."));
}

/* One job of job_list() as the page shows it. */
static json_t *job_row(req_ctx *rc, json_t *j, const char *filter)
{
	gint64 id = json_integer_value(json_object_get(j, "id"));
	const char *state = json_string_value(json_object_get(j, "state"));
	const char *kind = json_string_value(json_object_get(j, "kind"));
	bool installation = json_is_null(json_object_get(j, "region_id"));
	g_autofree char *run_at = view_datetime(rc, json_string_value(json_object_get(j, "run_at")));
	g_autofree char *created = view_datetime(rc, json_string_value(json_object_get(j, "created_at")));
	g_autofree char *finished = view_datetime(rc, json_string_value(json_object_get(j, "finished_at")));
	g_autofree char *retry_path = g_strdup_printf("/verwaltung/auftraege/%" G_GINT64_FORMAT "/erneut", id);
	g_autofree char *cancel_path = g_strdup_printf("/verwaltung/auftraege/%" G_GINT64_FORMAT "/abbrechen", id);
	g_autofree char *retry = view_href(rc, retry_path);
	g_autofree char *cancel = view_href(rc, cancel_path);
	json_t *err = json_object_get(j, "last_error");

	return json_pack("{s:I,s:s,s:s,s:b,s:s,s:s,s:O,s:O,s:s,s:O,s:s,s:O,s:s,s:O,s:s,s:b,s:b,s:s,s:s,s:s}",
			 "id", (json_int_t)id, "kind", kind, "kind_label", kind_label(rc, kind),
			 "installation", installation, "state", state, "state_label",
			 state_label(rc, state), "attempts", json_object_get(j, "attempts"),
			 "max_attempts", json_object_get(j, "max_attempts"), "run_at", run_at,
			 "run_at_utc", json_object_get(j, "run_at"), "created", created,
			 "created_at_utc", json_object_get(j, "created_at"), "finished", finished,
			 "finished_at_utc", json_object_get(j, "finished_at"), "last_error",
			 json_is_string(err) ? json_string_value(err) : "", "can_retry",
			 !installation && !strcmp(state, "failed"), "can_cancel",
			 !installation && !strcmp(state, "queued"), "retry_action", retry,
			 "cancel_action", cancel, "filter", filter);
}

static int jobs_page(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *filter = http_params_get(rc->req->query, "status");
	const char *state = filter && strcmp(filter, "all") ? filter : NULL;
	json_t *list = job_list(&rc->ctx, state, JOBS_PAGE_LIMIT, &err);
	json_t *rows = json_array(), *options = json_array();
	const char *notice;
	bool warning;
	size_t i;
	json_t *j;

	if (!list)
		return region_web_status_for(err);
	json_array_foreach(list, i, j)
		json_array_append_new(rows, job_row(rc, j, state ? state : "all"));
	json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value", "all", "label",
						 view_t(rc, N_("All states")), "selected", !state));
	for (size_t k = 0; k < G_N_ELEMENTS(states); k++)
		json_array_append_new(options, json_pack("{s:s,s:s,s:b}", "value", states[k], "label",
							 state_label(rc, states[k]), "selected",
							 state && !strcmp(state, states[k])));
	notice = notice_text(rc, &warning);
	g_autofree char *action = view_href(rc, "/verwaltung/auftraege");
	json_t *model = json_pack(
		"{s:s,s:s,s:o,s:b,s:o,s:i,s:b,s:s,s:b,s:s}", "region_name",
		json_string_value(json_object_get(rc->region, "name")), "filter",
		state ? state : "all", "options", options, "has_jobs", json_array_size(rows) > 0,
		"jobs", rows, "limit", JOBS_PAGE_LIMIT, "at_limit",
		json_array_size(rows) >= JOBS_PAGE_LIMIT, "filter_action", action, "warning",
		warning, "notice", notice ? notice : "");
	json_decref(list);
	return view_page(rc, "pages/admin_jobs", view_t(rc, N_("Background jobs")), model);
}

static int job_action(req_ctx *rc, bool retry)
{
	g_autoptr(GError) err = NULL;
	const char *filter = http_params_get(rc->req->form, "status");
	gint64 id = 0;
	int r;

	if (!g_ascii_string_to_signed(http_request_path_param(rc->req, "id"), 10, 1, G_MAXINT64, &id,
				      NULL))
		return 404;
	r = retry ? job_retry(&rc->ctx, id, &err) : job_cancel(&rc->ctx, id, &err);
	if (r < 0)
		return region_web_status_for(err);
	if (r == JOB_CHANGE_NOT_FOUND)
		return 404; /* none such of this region */
	if (r == JOB_CHANGE_WRONG_STATE && rc->req->wants_json) {
		rc->error_message = retry ? N_("Only a failed job can be tried again.")
					  : N_("Only a waiting job can be cancelled.");
		rc->error_field = "id";
		return 409;
	}
	if (r == JOB_CHANGE_DONE)
		log_info("request %s: job %" G_GINT64_FORMAT " %s by account %" G_GINT64_FORMAT,
			 rc->req->request_id, id, retry ? "queued again" : "cancelled", rc->user->id);
	if (rc->req->wants_json) {
		json_t *j = job_get(&rc->ctx, id, &err);
		if (!j)
			return err ? region_web_status_for(err) : 404;
		view_json(rc->resp, 200, j);
		return 0;
	}
	g_autofree char *back = g_strdup_printf(
		"/verwaltung/auftraege?hinweis=%s%s%s",
		r == JOB_CHANGE_WRONG_STATE ? "veraltet" : retry ? "erneut" : "abgebrochen",
		filter && strcmp(filter, "all") ? "&status=" : "",
		filter && strcmp(filter, "all") ? filter : "");
	return view_redirect(rc, back);
}

static int job_retry_post(req_ctx *rc)
{
	return job_action(rc, true);
}

static int job_cancel_post(req_ctx *rc)
{
	return job_action(rc, false);
}

/* Test only: enqueues a test job in the request's region (or the
 * installation's with scope=installation) and answers its id as JSON. */
static int test_enqueue(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *max = http_params_get(rc->req->form, "max_attempts");
	const char *permanent = http_params_get(rc->req->form, "permanent");
	const char *scope = http_params_get(rc->req->form, "scope");
	json_t *payload = json_object();
	job_spec spec = {
		.region_id = scope && !strcmp(scope, "installation") ? 0 : rc->ctx.region_id,
		.kind = http_params_get(rc->req->form, "kind"),
		.payload = payload,
		.run_at = http_params_get(rc->req->form, "run_at"),
		.dedupe_key = http_params_get(rc->req->form, "dedupe_key"),
		.max_attempts = max ? (int)g_ascii_strtoll(max, NULL, 10) : 0,
	};
	int64_t id = 0;
	int r;

	if (permanent && !strcmp(permanent, "1"))
		json_object_set_new(payload, "permanent", json_true());
	if (spec.run_at && !*spec.run_at)
		spec.run_at = NULL;
	if (spec.dedupe_key && !*spec.dedupe_key)
		spec.dedupe_key = NULL;
	r = job_enqueue_spec(&rc->ctx, &spec, &id, &err);
	json_decref(payload);
	if (r < 0) {
		if (err->domain == BIREG_JOB_ERROR) {
			rc->error_field = "kind";
			return 400;
		}
		return region_web_status_for(err);
	}
	view_json(rc->resp, r ? 201 : 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "created", r));
	return 0;
}

static const param_rule list_params[] = {
	{.name = "status", .kind = PARAM_ENUM, .choices = "all|queued|running|done|failed|cancelled"},
	{.name = "hinweis", .kind = PARAM_ENUM, .choices = "erneut|abgebrochen|veraltet"},
	{0},
};

static const param_rule action_params[] = {
	{.name = "status", .kind = PARAM_ENUM, .choices = "all|queued|running|done|failed|cancelled"},
	{0},
};

static const param_rule test_params[] = {
	{.name = "kind", .kind = PARAM_ENUM, .choices = "test.record|test.fail", .required = true},
	{.name = "max_attempts", .kind = PARAM_INT, .min = 1, .max = 100},
	{.name = "run_at", .kind = PARAM_STRING, .max_len = 20},
	{.name = "dedupe_key", .kind = PARAM_STRING, .max_len = 200},
	{.name = "permanent", .kind = PARAM_ENUM, .choices = "0|1"},
	{.name = "scope", .kind = PARAM_ENUM, .choices = "region|installation"},
	{0},
};

const route jobs_routes[] = {
	{HTTP_GET, "/verwaltung/auftraege", "admin.jobs", perm_admin, "admin", list_params,
	 jobs_page, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/auftraege/{id}/erneut", "admin.jobs.retry", perm_admin, "admin",
	 action_params, job_retry_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/verwaltung/auftraege/{id}/abbrechen", "admin.jobs.cancel", perm_admin, "admin",
	 action_params, job_cancel_post, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/_test/jobs", "system.test_jobs", NULL, "test", test_params, test_enqueue,
	 ROUTE_TEST_ONLY | ROUTE_REGION, 16 * 1024},
	{0},
};
