/*
 * search.h — the full-text search index of a region, the same on SQLite and
 * PostgreSQL.
 *
 * One logical index, search_entry: per region, entries of some kind
 * ("account", later "person", "institution", "body", …) that point at a row
 * of their own table (ref_id) and carry a display title and a text. The
 * owner of the row puts and removes its entry in the same transaction as the
 * change of the row, so the index never lags behind.
 *
 * German spelling is folded once, in C (text_search_fold: lower case, ä→a,
 * "ae"→a, ß→ss, …), and only the folded words reach the database: FTS5 on
 * SQLite (tokenizer unicode61 remove_diacritics 0), a tsvector of the
 * `simple` configuration with a GIN index on PostgreSQL. Index and query are
 * folded by the same function, so "Müller", "Mueller", "MÜLLER" and "muller"
 * all meet, and the folded text is reduced to words of letters and digits
 * separated by single spaces, which both backends split into exactly the
 * same words. So both return the same result sets; only the order of hits
 * with different ranks can differ (bm25 against ts_rank).
 *
 * Queries: every word must match (AND), every word as a prefix ("gesamt"
 * finds "Gesamtschule", "kim gesch" finds "Kim Geschäftsstelle"). Nothing a
 * user types reaches FTS5's MATCH or PostgreSQL's to_tsquery as syntax:
 * quotes, *, :, &, |, !, (, ), NEAR, - are separators after folding.
 *
 * Every function works in ctx->region_id (which must be set) and says so in
 * its SQL; on PostgreSQL row-level security checks the same region a second
 * time (the connection's db_set_region() must match).
 *
 * Errors: BIREG_SEARCH_ERROR for a query or argument this module refuses,
 * BIREG_DB_ERROR from the database. Functions return 0 (or a count) on
 * success and -1 with err set on failure.
 */
#pragma once
#include <glib.h>
#include <stdint.h>

#include "core/ctx.h"

#define BIREG_SEARCH_ERROR (bireg_search_error_quark())
GQuark bireg_search_error_quark(void);

typedef enum {
	SEARCH_ERROR_QUERY_INVALID = 1, /* not valid UTF-8 */
	SEARCH_ERROR_QUERY_TOO_LONG,    /* more than SEARCH_QUERY_MAX_CHARS characters */
	SEARCH_ERROR_TOO_MANY_WORDS,    /* more than SEARCH_QUERY_MAX_WORDS distinct words */
	SEARCH_ERROR_ARGUMENT,          /* a bug in the caller: no region, bad kind, ref_id, limit */
} search_error_code;

/* A query may be this many characters long (after trimming). */
#define SEARCH_QUERY_MAX_CHARS 200
/* … and have this many distinct words: each is a prefix scan of the index,
 * so a query of a hundred one-letter words would be a cheap way to keep the
 * database busy. */
#define SEARCH_QUERY_MAX_WORDS 10
/* Longer words are cut (index and query alike, so a long word still finds
 * itself); nobody types more of a word, and PostgreSQL drops words over
 * 2047 bytes while FTS5 keeps them. */
#define SEARCH_WORD_MAX_BYTES 100
/* The folded text of one entry is cut after this many bytes (at a word):
 * a tsvector may not exceed 1 MB, and both backends must see the same
 * words. */
#define SEARCH_TEXT_MAX_BYTES (256 * 1024)
/* Kinds are [a-z_]{1,32}. */
#define SEARCH_KIND_MAX_BYTES 32
/* At most this many hits per call. */
#define SEARCH_LIMIT_MAX 1000
/* A query with at most this many hits is ranked (bm25 / ts_rank); one with
 * more is not: its hits come in the order of their folded titles, kind and
 * ref_id — the same order on both backends. Ranking costs about 1.5 µs per
 * hit, which a broad prefix ("sch": a third of 100,000 entries) cannot
 * afford, and its order says little among that many hits anyway. */
#define SEARCH_RANK_MAX 2000

typedef struct search_hit {
	char *kind;
	int64_t ref_id;
	char *title;
} search_hit;

typedef struct search_hits {
	search_hit *hits; /* n of them, best first */
	size_t n;
	int64_t total;    /* matches in all, ignoring limit and offset */
} search_hits;
/* Frees what search_query put into h and empties it (h itself is the
 * caller's). Safe on a zeroed struct. */
void search_hits_clear(search_hits *h);

/* The text as indexed: title and text folded (text_search_fold), split into
 * words of letters and digits, each cut to SEARCH_WORD_MAX_BYTES, joined by
 * single spaces and cut to SEARCH_TEXT_MAX_BYTES. text may be NULL. NULL if
 * either is not valid UTF-8. Newly allocated. */
char *search_index_text(const char *title, const char *text);

/* The words of a query, folded like search_index_text, without
 * duplicates, in order; an empty vector (not NULL) when nothing searchable
 * is left. NULL with err (BIREG_SEARCH_ERROR) for invalid UTF-8, more than
 * SEARCH_QUERY_MAX_CHARS characters or SEARCH_QUERY_MAX_WORDS words. q NULL
 * counts as "". Free with g_strfreev. */
char **search_query_words(const char *q, GError **err);

/* Adds or replaces the entry (ctx->region_id, kind, ref_id). Runs as one
 * statement, inside the caller's transaction when there is one. text may be
 * NULL. An unchanged entry is not rewritten. */
int search_put(const bireg_ctx *ctx, const char *kind, int64_t ref_id, const char *title,
	       const char *text, GError **err);
/* search_put() for n entries of one kind at once, in one statement (bulk
 * writes such as imports): titles[i] and texts[i] (texts or texts[i] may
 * be NULL) for ref_ids[i]; a ref_id given twice gets its last entry. */
int search_put_many(const bireg_ctx *ctx, const char *kind, size_t n, const int64_t *ref_ids,
		    const char *const *titles, const char *const *texts, GError **err);
/* Removes the entry if there is one (none is not an error). */
int search_remove(const bireg_ctx *ctx, const char *kind, int64_t ref_id, GError **err);

/* Searches ctx->region_id for q (see above) in the given kinds (NULL: all;
 * else a NULL-terminated list). Fills *out (cleared first) with up to
 * `limit` hits after skipping `offset`, best first (bm25 / ts_rank), equal
 * ranks by folded title, kind and ref_id; with more than SEARCH_RANK_MAX
 * hits in all, by folded title, kind and ref_id alone. out->total is exact.
 * A query without any word gives no hits and total 0. Returns the number of
 * hits in *out, or -1. */
int search_query(const bireg_ctx *ctx, const char *q, const char *const *kinds, int limit,
		 int offset, search_hits *out, GError **err);

/* The plan of the statement search_query runs for q's page (ranked or
 * broad, as the count of q's hits decides; EXPLAIN on PostgreSQL, EXPLAIN
 * QUERY PLAN on SQLite), one line per row, appended to out; nothing for a
 * query without words. For tests, bench/ and operators. */
int search_explain(const bireg_ctx *ctx, const char *q, const char *const *kinds, GString *out,
		   GError **err);

/*
 * PostgreSQL: 1 when the GIN index can serve searches, 0 when every search
 * reads the whole table, -1 on error; SQLite: always 1.
 *
 * Row-level security lets the planner use an index condition ahead of the
 * policy only if its function is LEAKPROOF, and tsvector @@ tsquery
 * (ts_match_vq) is not marked so. Results are right either way; without it
 * a search costs a sequential scan (about 50-100 ms per query at 100,000
 * entries), with it a few milliseconds. Only a superuser can mark it, once
 * per database:
 *   ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
 * It is safe to: the function compares a stored tsvector with a tsquery
 * built by this module and raises no error that depends on the data.
 */
int search_index_usable(const bireg_ctx *ctx, GError **err);

/*
 * Accounts. An account is installation-wide, but the admin looks for it in
 * a region's user list: it has an entry of kind "account" (title: its
 * display name, text: its e-mail address) in every region where it has a
 * role, and none elsewhere.
 */
#define SEARCH_KIND_ACCOUNT "account"

/* Brings the entry of one account in ctx->region_id up to date: put when it
 * has a role there, removed otherwise. Joins the caller's transaction. */
int search_index_account(const bireg_ctx *ctx, int64_t account_id, GError **err);
/* Rebuilds the account entries of ctx->region_id (in the caller's
 * transaction, if any), or with region_id 0 of every region, each in a
 * transaction of its own with the connection's region set to it (and reset
 * afterwards; not allowed inside a transaction). For `bireg demo`, after
 * migrations, and whenever the index may have missed a change. Returns the
 * number of entries written, or -1. */
int search_reindex_accounts(const bireg_ctx *ctx, GError **err);
