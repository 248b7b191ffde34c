/*
 * system_web.h — routes for operations: health, metrics, static assets, and
 * the test-only error pages.
 */
#pragma once
#include "http/http.h"

extern const route system_routes[];
