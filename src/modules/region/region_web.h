/*
 * region_web.h — routes of the region's public pages.
 */
#pragma once
#include <glib.h>

#include "http/http.h"

extern const route region_routes[];

/* The HTTP status for a failed store call: 503 when the database is busy or
 * unreachable (try again), 500 otherwise. */
int region_web_status_for(const GError *err);
