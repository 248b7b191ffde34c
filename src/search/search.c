/*
 * search.c — the search index (see search.h; schema in
 * migrations/{sqlite,postgres}/0006_search.sql and 0010_search_speed.sql).
 *
 * The one place in bireg with SQL per backend: FTS5 and tsvector have no
 * common syntax. Everything that decides *what* matches happens here in C,
 * before the database sees it, so that the two backends cannot disagree:
 *
 *   - text_search_fold() folds German spelling (and case, accents, ß);
 *   - the folded text is cut into words of letters and digits only; marks
 *     are dropped and everything else separates. Both FTS5's unicode61 and
 *     PostgreSQL's default parser then see one word per word: they agree on
 *     runs of letters and digits with one exception, which words() below
 *     takes care of (PostgreSQL reads "1e5x" as the number 1e5 and "x");
 *   - a query is reduced to such words, each becomes a prefix term, all are
 *     ANDed. On FTS5 each word is double-quoted, on PostgreSQL it is
 *     followed by :* and the words are joined by " & " — the words can hold
 *     no quote, star, colon, operator or parenthesis, so the quoting is a
 *     second line of defence, not the first.
 */
#include "search/search.h"

#include <string.h>

#include "core/text.h"
#include "db/db.h"

G_DEFINE_QUARK(bireg-search-error-quark, bireg_search_error)

/* A kind filter of more than this many kinds is a bug. */
#define SEARCH_KINDS_MAX 16
/* The tie-break key of a hit (its folded title) is cut to this many bytes. */
#define SORT_KEY_MAX_BYTES 200

static int search_fail(GError **err, search_error_code code, const char *msg)
{
	g_set_error_literal(err, BIREG_SEARCH_ERROR, code, msg);
	return -1;
}

void search_hits_clear(search_hits *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		g_free(h->hits[i].kind);
		g_free(h->hits[i].title);
	}
	g_free(h->hits);
	h->hits = NULL;
	h->n = 0;
	h->total = 0;
}

/* ---- words ------------------------------------------------------------ */

/* Modifier letters that stand for an apostrophe ("Oʼ Brien" typed on a
 * keyboard that makes U+02BC): they separate, like ' and ’ do. */
static gboolean is_apostrophe_letter(gunichar c)
{
	return c == 0x02B9 || (c >= 0x02BB && c <= 0x02BF);
}

/* Adds w to words, cut to SEARCH_WORD_MAX_BYTES. */
static void add_word(GPtrArray *words, const char *w, size_t len)
{
	len = text_utf8_prefix_len(w, len, SEARCH_WORD_MAX_BYTES);
	if (len > 0)
		g_ptr_array_add(words, g_strndup(w, len));
}

/* Adds the word w (letters and digits only), split where PostgreSQL's parser
 * would split it: a word that starts like a number in scientific notation
 * (digits, 'e', digits) and goes on is read as that number and a second
 * word ("1e5x" is "1e5" and "x"). FTS5 gets the same split, so both agree. */
static void add_split_word(GPtrArray *words, const char *w, size_t len)
{
	size_t i = 0, mantissa;

	while (i < len && g_ascii_isdigit(w[i]))
		i++;
	if (i > 0 && i + 1 < len && w[i] == 'e' && g_ascii_isdigit(w[i + 1])) {
		mantissa = i + 1;
		while (mantissa < len && g_ascii_isdigit(w[mantissa]))
			mantissa++;
		if (mantissa < len) {
			add_word(words, w, mantissa);
			/* The rest starts with a non-digit: no further split. */
			add_word(words, w + mantissa, len - mantissa);
			return;
		}
	}
	add_word(words, w, len);
}

/* The words of utf8 as indexed and queried (see the top of this file), or
 * NULL if utf8 is not valid UTF-8. */
static GPtrArray *words(const char *utf8)
{
	g_auto(GStrv) tokens = text_search_tokens(utf8);
	GPtrArray *out;

	if (!tokens)
		return NULL;
	out = g_ptr_array_new_with_free_func(g_free);
	for (char **t = tokens; *t; t++) {
		g_autoptr(GString) w = g_string_new(NULL);
		for (const char *p = *t; *p; p = g_utf8_next_char(p)) {
			gunichar c = (unsigned char)*p;
			/* ASCII (most of any text) needs no Unicode tables: no
			 * marks, and its letters and digits are g_ascii_isalnum's. */
			if (c < 0x80) {
				if (g_ascii_isalnum((char)c)) {
					g_string_append_c(w, (char)c);
				} else {
					add_split_word(out, w->str, w->len);
					g_string_truncate(w, 0);
				}
				continue;
			}
			c = g_utf8_get_char(p);
			/* Spacing marks survive the fold (it drops only
			 * non-spacing ones); FTS5 would split at them. */
			if (g_unichar_ismark(c))
				continue;
			if (!g_unichar_isalnum(c) || is_apostrophe_letter(c)) {
				add_split_word(out, w->str, w->len);
				g_string_truncate(w, 0);
				continue;
			}
			g_string_append_unichar(w, c);
		}
		add_split_word(out, w->str, w->len);
	}
	return out;
}

char *search_index_text(const char *title, const char *text)
{
	g_autoptr(GPtrArray) tw = words(title ? title : "");
	g_autoptr(GPtrArray) xw = words(text ? text : "");
	GString *out;

	if (!tw || !xw)
		return NULL;
	out = g_string_new(NULL);
	for (int part = 0; part < 2; part++) {
		GPtrArray *ws = part ? xw : tw;
		for (guint i = 0; i < ws->len; i++) {
			const char *w = g_ptr_array_index(ws, i);
			size_t need = strlen(w) + (out->len ? 1 : 0);
			if (out->len + need > SEARCH_TEXT_MAX_BYTES)
				return g_string_free(out, FALSE);
			if (out->len)
				g_string_append_c(out, ' ');
			g_string_append(out, w);
		}
	}
	return g_string_free(out, FALSE);
}

char **search_query_words(const char *q, GError **err)
{
	g_autoptr(GPtrArray) ws = NULL;
	GPtrArray *uniq;

	if (!q)
		q = "";
	if (!g_utf8_validate(q, -1, NULL)) {
		search_fail(err, SEARCH_ERROR_QUERY_INVALID, "the search query is not valid UTF-8");
		return NULL;
	}
	/* Measured before the query is folded and split: a megabyte of input
	 * is refused after one copy, without building a million words. */
	{
		g_autofree char *trimmed = text_trim_dup(q);
		if (g_utf8_strlen(trimmed, -1) > SEARCH_QUERY_MAX_CHARS) {
			search_fail(err, SEARCH_ERROR_QUERY_TOO_LONG, "the search query is too long");
			return NULL;
		}
	}
	ws = words(q);
	if (!ws) {
		search_fail(err, SEARCH_ERROR_QUERY_INVALID, "the search query is not valid UTF-8");
		return NULL;
	}
	uniq = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < ws->len; i++) {
		const char *w = g_ptr_array_index(ws, i);
		gboolean seen = FALSE;
		for (guint k = 0; k < uniq->len && !seen; k++)
			seen = strcmp(g_ptr_array_index(uniq, k), w) == 0;
		if (!seen)
			g_ptr_array_add(uniq, g_strdup(w));
	}
	if (uniq->len > SEARCH_QUERY_MAX_WORDS) {
		g_ptr_array_free(uniq, TRUE);
		search_fail(err, SEARCH_ERROR_TOO_MANY_WORDS, "the search query has too many words");
		return NULL;
	}
	g_ptr_array_set_free_func(uniq, NULL);
	g_ptr_array_add(uniq, NULL);
	return (char **)g_ptr_array_free(uniq, FALSE);
}

/* ---- writing ---------------------------------------------------------- */

static gboolean kind_valid(const char *kind)
{
	size_t n = kind ? strlen(kind) : 0;

	if (n == 0 || n > SEARCH_KIND_MAX_BYTES)
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (!(kind[i] >= 'a' && kind[i] <= 'z') && kind[i] != '_')
			return FALSE;
	return TRUE;
}

static int check_scope(const bireg_ctx *ctx, const char *kind, GError **err)
{
	if (!ctx || !ctx->db || ctx->region_id <= 0)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: no region");
	if (kind && !kind_valid(kind))
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: a kind is [a-z_]{1,32}");
	return 0;
}

int search_put(const bireg_ctx *ctx, const char *kind, int64_t ref_id, const char *title,
	       const char *text, GError **err)
{
	g_autofree char *folded = NULL;
	g_autofree char *key = NULL;
	g_autofree char *key_full = NULL;
	g_autoptr(db_stmt) st = NULL;

	if (!kind)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: no kind");
	if (check_scope(ctx, kind, err) < 0)
		return -1;
	if (ref_id <= 0)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: ref_id must be positive");
	if (!title || !g_utf8_validate(title, -1, NULL) ||
	    (text && !g_utf8_validate(text, -1, NULL)))
		return search_fail(err, SEARCH_ERROR_ARGUMENT,
				   "search: title and text must be valid UTF-8");
	folded = search_index_text(title, text);
	key_full = text_search_fold(title);
	key = text_truncate_utf8(key_full, SORT_KEY_MAX_BYTES);
	/* An unchanged entry is left alone: rewriting it would only churn
	 * the full-text index (reindexing touches every entry). */
	st = db_prepare(ctx->db,
		"INSERT INTO search_entry (region_id, kind, ref_id, title, body, folded, sort_key) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7) "
		"ON CONFLICT (region_id, kind, ref_id) DO UPDATE SET title = excluded.title, "
		"body = excluded.body, folded = excluded.folded, sort_key = excluded.sort_key "
		"WHERE search_entry.title <> excluded.title OR search_entry.body <> excluded.body "
		"OR search_entry.folded <> excluded.folded", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, kind);
	db_bind_int64(st, 3, ref_id);
	db_bind_text(st, 4, title);
	db_bind_text(st, 5, text ? text : "");
	db_bind_text(st, 6, folded);
	db_bind_text(st, 7, key);
	return db_run(st, err) < 0 ? -1 : 0;
}

int search_put_many(const bireg_ctx *ctx, const char *kind, size_t n, const int64_t *ref_ids,
		    const char *const *titles, const char *const *texts, GError **err)
{
	static const char *const cols[] = {"ref_id bigint", "title text", "body text",
					   "folded text", "sort_key text", NULL};
	g_autoptr(GHashTable) last = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(db_rows) rows = NULL;

	if (!kind)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: no kind");
	if (check_scope(ctx, kind, err) < 0)
		return -1;
	/* One statement may not upsert the same entry twice (PostgreSQL
	 * refuses): the last of several puts of a ref_id wins, as it would
	 * one by one. */
	for (size_t i = 0; i < n; i++) {
		if (ref_ids[i] <= 0)
			return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: ref_id must be positive");
		if (!titles[i] || !g_utf8_validate(titles[i], -1, NULL) ||
		    (texts && texts[i] && !g_utf8_validate(texts[i], -1, NULL)))
			return search_fail(err, SEARCH_ERROR_ARGUMENT,
					   "search: title and text must be valid UTF-8");
		g_hash_table_insert(last, (gpointer)&ref_ids[i], GSIZE_TO_POINTER(i));
	}
	rows = db_rows_new(ctx->db, cols);
	/* FTS5 (SQLite) flushes at every statement: one for all. */
	db_rows_set_single(rows);
	for (size_t i = 0; i < n; i++) {
		const char *text = texts && texts[i] ? texts[i] : "";
		g_autofree char *folded = NULL, *key_full = NULL, *key = NULL;
		if (GPOINTER_TO_SIZE(g_hash_table_lookup(last, &ref_ids[i])) != i)
			continue;
		folded = search_index_text(titles[i], text);
		key_full = text_search_fold(titles[i]);
		key = text_truncate_utf8(key_full, SORT_KEY_MAX_BYTES);
		db_rows_int(rows, ref_ids[i]);
		db_rows_text(rows, titles[i]);
		db_rows_text(rows, text);
		db_rows_text(rows, folded);
		db_rows_text(rows, key);
	}
	/* As search_put ("WHERE true": SQLite's parser needs it between a
	 * SELECT and ON CONFLICT). */
	return db_rows_run(ctx->db,
		"INSERT INTO search_entry (region_id, kind, ref_id, title, body, folded, sort_key) "
		"SELECT $1, $2, x.ref_id, x.title, x.body, x.folded, x.sort_key FROM {rows} WHERE true "
		"ON CONFLICT (region_id, kind, ref_id) DO UPDATE SET title = excluded.title, "
		"body = excluded.body, folded = excluded.folded, sort_key = excluded.sort_key "
		"WHERE search_entry.title <> excluded.title OR search_entry.body <> excluded.body "
		"OR search_entry.folded <> excluded.folded",
		(db_param[]){{.i = ctx->region_id}, {.text = kind}}, 2, rows, err) < 0 ? -1 : 0;
}

int search_remove(const bireg_ctx *ctx, const char *kind, int64_t ref_id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;

	if (!kind)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: no kind");
	if (check_scope(ctx, kind, err) < 0)
		return -1;
	st = db_prepare(ctx->db,
		"DELETE FROM search_entry WHERE region_id = $1 AND kind = $2 AND ref_id = $3", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, kind);
	db_bind_int64(st, 3, ref_id);
	return db_run(st, err) < 0 ? -1 : 0;
}

/* ---- querying --------------------------------------------------------- */

/*
 * Every search is two statements: it counts its hits, then fetches one page
 * of them, ranked when there are at most SEARCH_RANK_MAX, else in the order
 * of their folded titles (see search.h). Ranking is what costs: bm25 and
 * ts_rank take about 1.3–1.5 µs per hit, 40–50 ms for the 32,000 hits of
 * "sch" at 100,000 entries, while counting them takes 4 ms. (The two
 * statements may see different snapshots outside a transaction; a
 * concurrent write can make the total one off, nothing worse.)
 *
 * SQLite: the FTS table indexes region and kind of each entry (column
 * `scope`, migrations/sqlite/0010_search_speed.sql), so the count is the
 * MATCH alone, without a join (4 ms for the 32,000 hits of "sch"; joined
 * to search_entry for the region, 10–15 ms). The page statements match the
 * words only and test region and kind on search_entry: bm25 counts the
 * rows of every phrase of the MATCH once per statement, and a scope phrase
 * has a row per entry of the region (≈ 10 ms at 100,000), and a membership
 * test needs no scope either. Ranked, the MATCH runs first, in a
 * materialized CTE (without it SQLite's planner starts from the region's
 * rows and probes the FTS table once per row) and its hits are joined by
 * primary key. Broad, the statement walks the index search_entry_order
 * (region_id, sort_key, kind, ref_id) and keeps the entries in the
 * (materialized) set of matches: with more than SEARCH_RANK_MAX hits the
 * first page is near.
 *
 * PostgreSQL: the GIN index on tsv answers tsv @@ q (once ts_match_vq is
 * LEAKPROOF, see search_index_usable); the policy on search_entry adds
 * region_id = bireg_current_region(). A broad query is ordered by the
 * same key as on SQLite, which the planner reads from search_entry_order
 * (0.5 ms for the first 50 of "sch"). Counting is the floor here: every
 * hit's heap row must be read for the region and kind (and the policy),
 * 13–22 ms for the 32,000 of "sch"; a capped total would take most of it
 * (see bench/README.md).
 */
static const char sqlite_count[] = "SELECT count(*) FROM search_fts WHERE search_fts MATCH $2";
static const char sqlite_ranked[] =
	"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, 1.0, 0.0) AS r "
	"FROM search_fts WHERE search_fts MATCH $2) "
	"SELECT e.kind, e.ref_id, e.title FROM m "
	"JOIN search_entry e ON e.id = m.id WHERE e.region_id = $1";
static const char sqlite_ranked_order[] = " ORDER BY m.r, e.sort_key, e.kind, e.ref_id";
static const char sqlite_broad[] =
	"SELECT e.kind, e.ref_id, e.title FROM search_entry e INDEXED BY search_entry_order "
	"WHERE e.region_id = $1 AND e.id IN "
	"(SELECT rowid FROM search_fts WHERE search_fts MATCH $2)";
static const char pg_count[] =
	"SELECT count(*) FROM search_entry e, to_tsquery('simple', $2) AS q "
	"WHERE e.region_id = $1 AND e.tsv @@ q";
static const char pg_query[] =
	"SELECT e.kind, e.ref_id, e.title "
	"FROM search_entry e, to_tsquery('simple', $2) AS q "
	"WHERE e.region_id = $1 AND e.tsv @@ q";
static const char pg_ranked_order[] =
	" ORDER BY ts_rank(e.tsv, q) DESC, e.sort_key, e.kind, e.ref_id";
static const char broad_order[] = " ORDER BY e.sort_key, e.kind, e.ref_id";

/* The query as the backend's search syntax, from words of letters and
 * digits only. On SQLite it also names the region and the kinds (its
 * `scope` column): scope : "r7" for every kind, scope : ("r7_person" OR
 * "r7_body") for some; kinds are [a-z_] (checked). */
static char *match_expression(db_backend backend, char **ws, int64_t region_id,
			      const char *const *kinds, size_t nkinds)
{
	GString *m = g_string_new(NULL);

	if (backend == DB_BACKEND_POSTGRES) {
		for (char **w = ws; *w; w++)
			g_string_append_printf(m, "%s%s:*", m->len ? " & " : "", *w);
		return g_string_free(m, FALSE);
	}
	g_string_append(m, "folded : (");
	for (char **w = ws; *w; w++)
		g_string_append_printf(m, "%s\"%s\"*", w == ws ? "" : " AND ", *w);
	g_string_append_c(m, ')');
	if (region_id <= 0)
		return g_string_free(m, FALSE);
	g_string_append(m, " AND scope : ");
	if (nkinds == 0) {
		g_string_append_printf(m, "\"r%" G_GINT64_FORMAT "\"", region_id);
		return g_string_free(m, FALSE);
	}
	g_string_append_c(m, '(');
	for (size_t i = 0; i < nkinds; i++)
		g_string_append_printf(m, "%s\"r%" G_GINT64_FORMAT "_%s\"", i ? " OR " : "",
				       region_id, kinds[i]);
	g_string_append_c(m, ')');
	return g_string_free(m, FALSE);
}

/* A checked query: its match expression and kinds. */
typedef struct parsed_query {
	char *match;              /* NULL: nothing can match */
	char *words_match;        /* SQLite: the words alone, without scope */
	const char *const *kinds; /* NULL or NULL-terminated, nkinds of them */
	size_t nkinds;
} parsed_query;

static void parsed_query_clear(parsed_query *pq)
{
	g_clear_pointer(&pq->match, g_free);
	g_clear_pointer(&pq->words_match, g_free);
}

/* Checks the arguments of a query and builds its match expression; 0 with
 * pq->match NULL when the query has no word or the kind filter is empty. */
static int parse_query(const bireg_ctx *ctx, const char *q, const char *const *kinds, int limit,
		       int offset, parsed_query *pq, GError **err)
{
	g_auto(GStrv) ws = NULL;
	size_t nkinds = 0;

	*pq = (parsed_query){0};
	if (check_scope(ctx, NULL, err) < 0)
		return -1;
	if (limit < 1 || limit > SEARCH_LIMIT_MAX || offset < 0)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: limit or offset out of range");
	for (; kinds && kinds[nkinds]; nkinds++) {
		if (!kind_valid(kinds[nkinds]) || nkinds >= SEARCH_KINDS_MAX)
			return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: bad kind filter");
	}
	ws = search_query_words(q, err);
	if (!ws)
		return -1;
	/* No word, or an empty kind filter: nothing can match. */
	if (!ws[0] || (kinds && nkinds == 0))
		return 0;
	pq->kinds = kinds;
	pq->nkinds = nkinds;
	pq->match = match_expression(db_get_backend(ctx->db), ws, ctx->region_id, kinds, nkinds);
	pq->words_match = match_expression(db_get_backend(ctx->db), ws, 0, NULL, 0);
	return 0;
}

/* " AND e.kind IN ($first, …)" for nkinds kinds. */
static void append_kinds(GString *sql, size_t nkinds, size_t first)
{
	for (size_t i = 0; i < nkinds; i++)
		g_string_append_printf(sql, "%s$%zu", i ? ", " : " AND e.kind IN (", i + first);
	if (nkinds)
		g_string_append_c(sql, ')');
}

/* Number of matching entries ($1 region, $2 match, $3… kinds; on SQLite
 * the match names region and kinds, and the statement has only $2: SQLite
 * takes a bound $1 it does not use, PostgreSQL would not). */
static int64_t count_matches(const bireg_ctx *ctx, const parsed_query *pq, GError **err)
{
	bool pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	g_autoptr(GString) sql = g_string_new(pg ? pg_count : sqlite_count);
	g_autoptr(db_stmt) st = NULL;

	if (pg)
		append_kinds(sql, pq->nkinds, 3);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, pq->match);
	for (size_t i = 0; pg && i < pq->nkinds; i++)
		db_bind_text(st, (int)(i + 3), pq->kinds[i]);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

/* The page statement (with `prefix` in front, e.g. "EXPLAIN "), bound: $1
 * region, $2 the match expression, $3 limit, $4 offset, $5… the kinds;
 * ranked or broad. */
static db_stmt *prepare_page(const bireg_ctx *ctx, const char *prefix, const parsed_query *pq,
			     bool ranked, int limit, int offset, GError **err)
{
	bool pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	g_autoptr(GString) sql = g_string_new(prefix);
	db_stmt *st;

	if (pg)
		g_string_append(sql, pg_query);
	else
		g_string_append(sql, ranked ? sqlite_ranked : sqlite_broad);
	append_kinds(sql, pq->nkinds, 5);
	if (!ranked)
		g_string_append(sql, broad_order);
	else
		g_string_append(sql, pg ? pg_ranked_order : sqlite_ranked_order);
	g_string_append(sql, " LIMIT $3 OFFSET $4");
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, pg ? pq->match : pq->words_match);
	db_bind_int64(st, 3, limit);
	db_bind_int64(st, 4, offset);
	for (size_t i = 0; i < pq->nkinds; i++)
		db_bind_text(st, (int)(i + 5), pq->kinds[i]);
	return st;
}

/* Frees the strings of the hits in a (the array itself is freed by its
 * owner). */
static void clear_hit_array(GArray *a)
{
	for (guint i = 0; i < a->len; i++) {
		g_free(g_array_index(a, search_hit, i).kind);
		g_free(g_array_index(a, search_hit, i).title);
	}
	g_array_set_size(a, 0);
}

int search_query(const bireg_ctx *ctx, const char *q, const char *const *kinds, int limit,
		 int offset, search_hits *out, GError **err)
{
	parsed_query pq;
	g_autoptr(db_stmt) st = NULL;
	g_autoptr(GArray) hits = NULL;
	int64_t total;
	db_status r;

	search_hits_clear(out);
	if (parse_query(ctx, q, kinds, limit, offset, &pq, err) < 0)
		return -1;
	if (!pq.match)
		return 0;
	total = count_matches(ctx, &pq, err);
	if (total < 0 || total <= offset) {
		parsed_query_clear(&pq);
		if (total < 0)
			return -1;
		out->total = total;
		return 0;
	}
	st = prepare_page(ctx, "", &pq, total <= SEARCH_RANK_MAX, limit, offset, err);
	parsed_query_clear(&pq);
	if (!st)
		return -1;
	hits = g_array_new(FALSE, TRUE, sizeof(search_hit));
	while ((r = db_step(st, err)) == DB_ROW) {
		search_hit h = {
			.kind = g_strdup(db_col_text(st, 0)),
			.ref_id = db_col_int64(st, 1),
			.title = g_strdup(db_col_text(st, 2)),
		};
		g_array_append_val(hits, h);
	}
	if (r < 0) {
		clear_hit_array(hits);
		return -1;
	}
	out->n = hits->len;
	out->total = MAX(total, (int64_t)offset + hits->len);
	out->hits = (search_hit *)(void *)g_array_free(g_steal_pointer(&hits), FALSE);
	return (int)out->n;
}

int search_explain(const bireg_ctx *ctx, const char *q, const char *const *kinds, GString *out,
		   GError **err)
{
	bool pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	parsed_query pq;
	g_autoptr(db_stmt) st = NULL;
	int64_t total;
	db_status r;

	if (parse_query(ctx, q, kinds, 100, 0, &pq, err) < 0)
		return -1;
	if (!pq.match)
		return 0;
	total = count_matches(ctx, &pq, err);
	if (total >= 0)
		st = prepare_page(ctx, pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ", &pq,
				  total <= SEARCH_RANK_MAX, 100, 0, err);
	parsed_query_clear(&pq);
	if (!st)
		return -1;
	/* PostgreSQL: one line of text per row; SQLite: id, parent, notused,
	 * detail. */
	while ((r = db_step(st, err)) == DB_ROW)
		g_string_append_printf(out, "%s\n", db_col_text(st, pg ? 0 : 3));
	return r < 0 ? -1 : 0;
}

int search_index_usable(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = NULL;

	if (db_get_backend(ctx->db) != DB_BACKEND_POSTGRES)
		return 1;
	st = db_prepare(ctx->db,
		"SELECT count(*) FROM pg_catalog.pg_proc WHERE oid = "
		"'pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure AND proleakproof", err);
	if (!st || db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0) > 0 ? 1 : 0;
}

/* ---- accounts --------------------------------------------------------- */

int search_index_account(const bireg_ctx *ctx, int64_t account_id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	db_status r;

	if (check_scope(ctx, NULL, err) < 0)
		return -1;
	/* count(*) rather than EXISTS: a bigint on both backends. */
	st = db_prepare(ctx->db,
		"SELECT a.display_name, a.email, (SELECT count(*) FROM account_role r "
		"WHERE r.account_id = a.id AND r.region_id = $2) FROM account a WHERE a.id = $1", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, account_id);
	db_bind_int64(st, 2, ctx->region_id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r == DB_ROW && db_col_int64(st, 2) > 0)
		return search_put(ctx, SEARCH_KIND_ACCOUNT, account_id, db_col_text(st, 0),
				  db_col_text(st, 1), err);
	return search_remove(ctx, SEARCH_KIND_ACCOUNT, account_id, err);
}

/* The account entries of ctx->region_id, in the caller's transaction. */
static int reindex_region(const bireg_ctx *ctx, GError **err)
{
	int count = 0;
	db_status r;

	{
		g_autoptr(db_stmt) del = db_prepare(ctx->db,
			"DELETE FROM search_entry WHERE region_id = $1 AND kind = $2 AND ref_id NOT IN "
			"(SELECT account_id FROM account_role WHERE region_id = $1)", err);
		if (!del)
			return -1;
		db_bind_int64(del, 1, ctx->region_id);
		db_bind_text(del, 2, SEARCH_KIND_ACCOUNT);
		if (db_run(del, err) < 0)
			return -1;
	}
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.display_name, a.email FROM account a WHERE a.id IN "
		"(SELECT account_id FROM account_role WHERE region_id = $1) ORDER BY a.id", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		if (search_put(ctx, SEARCH_KIND_ACCOUNT, db_col_int64(st, 0), db_col_text(st, 1),
			       db_col_text(st, 2), err) < 0)
			return -1;
		count++;
	}
	return r < 0 ? -1 : count;
}

int search_reindex_accounts(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(GArray) regions = NULL;
	int64_t previous;
	int total = 0;
	db_status r;

	if (!ctx || !ctx->db)
		return search_fail(err, SEARCH_ERROR_ARGUMENT, "search: no database");
	if (ctx->region_id > 0)
		return reindex_region(ctx, err);
	if (db_in_transaction(ctx->db))
		return search_fail(err, SEARCH_ERROR_ARGUMENT,
				   "search: reindexing every region needs a transaction per region");

	regions = g_array_new(FALSE, FALSE, sizeof(int64_t));
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db, "SELECT id FROM region ORDER BY id", err);
		if (!st)
			return -1;
		while ((r = db_step(st, err)) == DB_ROW) {
			int64_t id = db_col_int64(st, 0);
			g_array_append_val(regions, id);
		}
		if (r < 0)
			return -1;
	}
	/* Each region in its own transaction, with the connection's region
	 * set to it, so that row-level security lets the writes through. */
	previous = db_get_region(ctx->db);
	for (guint i = 0; i < regions->len; i++) {
		bireg_ctx rctx = *ctx;
		int n;

		rctx.region_id = g_array_index(regions, int64_t, i);
		db_set_region(ctx->db, rctx.region_id);
		if (db_begin(ctx->db, err) < 0)
			goto fail;
		n = reindex_region(&rctx, err);
		if (n < 0) {
			db_rollback(ctx->db);
			goto fail;
		}
		if (db_commit(ctx->db, err) < 0)
			goto fail;
		total += n;
	}
	db_set_region(ctx->db, previous);
	return total;
fail:
	db_set_region(ctx->db, previous);
	return -1;
}
