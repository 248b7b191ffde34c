/*
 * util.h — small helpers every layer uses: the current time as stored.
 */
#pragma once
#include <glib.h>

/* The current UTC time as stored in the database: "2026-11-26T13:30:00Z". */
void util_now_iso(char out[static 21]);
