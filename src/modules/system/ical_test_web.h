/*
 * ical_test_web.h — test-only routes (BIREG_TEST_ROUTES=1) that show the
 * calendar entries of src/out/ical.c to an independent parser
 * (tests/http/test_ical.py): GET /_test/ical/{request|cancel|publish}, and
 * POST /_test/ical/invite, which queues an invitation mail with the .ics.
 */
#pragma once
#include "http/http.h"

extern const route ical_test_routes[];
