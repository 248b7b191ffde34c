/*
 * ctx.h — the context every store call takes.
 *
 * A store function never runs a query without knowing the region it works in
 * and the user it works for: both come in this struct, filled by the HTTP layer
 * for a request (or by a command for the CLI). region_id 0 means "no region
 * chosen" and is only valid for calls that say so (e.g. listing regions).
 * The context borrows its members; it owns nothing.
 */
#pragma once
#include <stdint.h>

struct db;

typedef struct bireg_ctx {
	struct db *db;          /* the connection of this worker or command */
	int64_t region_id;      /* tenant every query is scoped to */
	int64_t user_id;        /* 0 for anonymous and for the system */
	const char *request_id; /* for logs; may be NULL */
} bireg_ctx;
