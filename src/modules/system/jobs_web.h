/*
 * jobs_web.h — the admin page of background jobs (/verwaltung/auftraege)
 * and, when BIREG_TEST_ROUTES=1, POST /_test/jobs to enqueue a test job.
 */
#pragma once
#include "http/http.h"

extern const route jobs_routes[];
