/*
 * register_index.h — the register's part of the search index as a whole:
 * rebuilding the entries of people, institutions and bodies of a region,
 * and the search across the three kinds that the overview page
 * (/register/suche) and its tests use.
 *
 * Each store keeps its own entries in step with its rows (person_store,
 * institution_store, body_store: *_store_index in the same transaction as
 * every change); register_reindex() is for when the rows arrived without
 * them: after a region import (src/ops/region_archive.c), after bulk SQL
 * (bench/), and as a repair.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "search/search.h"

/* Rebuilds the person, institution and body entries of ctx->region_id
 * (entries of rows that are gone are dropped), in the caller's
 * transaction when there is one, else in one of its own. Returns the number
 * of entries written, or -1 with err. */
int register_reindex(const bireg_ctx *ctx, GError **err);

/* The kinds of the register's entries, NULL-terminated: "person",
 * "institution", "body". */
extern const char *const register_search_kinds[];

/* At most this many hits of one query are ranked (and can be paged
 * through); more are counted in total but not reachable: a more precise
 * query finds them. */
#define REGISTER_SEARCH_MAX SEARCH_LIMIT_MAX

/* What register_search learnt beyond the page. */
typedef struct register_search_info {
	int64_t name_hits; /* name hits among the ranked hits */
	int64_t ranked;    /* hits ranked: all of them, or the best REGISTER_SEARCH_MAX */
	bool complete;     /* every match was ranked (total <= REGISTER_SEARCH_MAX) */
	/* The ranked hits by kind: person, institution, body (with complete,
	 * the totals per kind). */
	int64_t persons, institutions, bodies;
} register_search_info;

/*
 * Searches the register of ctx->region_id for q (search.h: every word must
 * match as a prefix, German spelling folded) in the given kinds (NULL: all
 * three of register_search_kinds). Ranking: a hit whose name (the entry's
 * title) holds every word of the query — a *name hit* — comes before one
 * that matches only through its text (function, institution, address,
 * description); within each group the database's rank (bm25 / ts_rank),
 * then the folded title, kind and id decide, as in search_query().
 *
 * Fills *out (cleared first) with up to `limit` hits after `offset`, and
 * out->total with every match; *info (may be NULL) with the counts above.
 * Errors as search_query (BIREG_SEARCH_ERROR for a query it refuses).
 * Returns the number of hits in *out, or -1.
 */
int register_search(const bireg_ctx *ctx, const char *q, const char *const *kinds, int limit,
		    int offset, search_hits *out, register_search_info *info, GError **err);

/* True when every word of the query (search_query_words) is the beginning
 * of a word of title after folding (search_index_text): the "name hit"
 * test of register_search. */
bool register_title_matches(const char *title, char **query_words);
