/*
 * search.c — the search index (see search.h; schema in
 * migrations/{sqlite,postgres}/0006_search.sql).
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
			gunichar c = g_utf8_get_char(p);
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
 * SQLite: the MATCH runs first, over the whole FTS table, in a materialized
 * CTE; only its hits are joined to search_entry by primary key and filtered
 * by region and kind. Without the CTE SQLite's planner starts from the
 * region's rows and probes the FTS table once per row. The total is counted
 * by a second, cheaper statement and only when the page is full or not the
 * first: a window count(*) OVER () costs more than the search itself on
 * SQLite (at 100,000 entries, "m" takes 425 ms with it and 175 ms without),
 * and bm25() may not stand next to a window function anyway.
 */
static const char sqlite_query[] =
	"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts) AS r FROM search_fts "
	"WHERE search_fts MATCH $2) "
	"SELECT e.kind, e.ref_id, e.title FROM m "
	"JOIN search_entry e ON e.id = m.id WHERE e.region_id = $1";
static const char sqlite_order[] = " ORDER BY m.r, e.sort_key, e.kind, e.ref_id";
static const char sqlite_count[] =
	"SELECT count(*) FROM search_fts CROSS JOIN search_entry e ON e.id = search_fts.rowid "
	"WHERE search_fts MATCH $2 AND e.region_id = $1";
/* PostgreSQL: the GIN index on tsv answers tsv @@ q (once ts_match_vq is
 * LEAKPROOF, see search_index_usable); the policy on search_entry adds
 * region_id = bireg_current_region(). The window count is nearly free here. */
static const char pg_query[] =
	"SELECT e.kind, e.ref_id, e.title, count(*) OVER () "
	"FROM search_entry e, to_tsquery('simple', $2) AS q "
	"WHERE e.region_id = $1 AND e.tsv @@ q";
static const char pg_order[] = " ORDER BY ts_rank(e.tsv, q) DESC, e.sort_key, e.kind, e.ref_id";
static const char pg_count[] =
	"SELECT count(*) FROM search_entry e, to_tsquery('simple', $2) AS q "
	"WHERE e.region_id = $1 AND e.tsv @@ q";

/* The query as the backend's search syntax, from words of letters and
 * digits only. */
static char *match_expression(db_backend backend, char **ws)
{
	GString *m = g_string_new(NULL);

	for (char **w = ws; *w; w++) {
		if (backend == DB_BACKEND_POSTGRES)
			g_string_append_printf(m, "%s%s:*", m->len ? " & " : "", *w);
		else
			g_string_append_printf(m, "%s\"%s\"*", m->len ? " " : "", *w);
	}
	return g_string_free(m, FALSE);
}

/* Number of matching entries ($1 region, $2 match, $3… kinds). */
static int64_t count_only(const bireg_ctx *ctx, const char *match, const char *const *kinds,
			  size_t nkinds, GError **err)
{
	bool pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	g_autoptr(GString) sql = g_string_new(pg ? pg_count : sqlite_count);
	g_autoptr(db_stmt) st = NULL;

	for (size_t i = 0; i < nkinds; i++)
		g_string_append_printf(sql, "%s$%zu", i ? ", " : " AND e.kind IN (", i + 3);
	if (nkinds)
		g_string_append_c(sql, ')');
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, match);
	for (size_t i = 0; i < nkinds; i++)
		db_bind_text(st, (int)(i + 3), kinds[i]);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

/* The search statement for nkinds kinds: $1 region, $2 the match
 * expression, $3 limit, $4 offset, $5… the kinds. */
static char *query_sql(db_backend backend, size_t nkinds)
{
	GString *sql = g_string_new(backend == DB_BACKEND_POSTGRES ? pg_query : sqlite_query);

	for (size_t i = 0; i < nkinds; i++)
		g_string_append_printf(sql, "%s$%zu", i ? ", " : " AND e.kind IN (", i + 5);
	if (nkinds)
		g_string_append_c(sql, ')');
	g_string_append(sql, backend == DB_BACKEND_POSTGRES ? pg_order : sqlite_order);
	g_string_append(sql, " LIMIT $3 OFFSET $4");
	return g_string_free(sql, FALSE);
}

/* Checks the arguments of a query and prepares its statement (with `prefix`
 * in front of the SQL, e.g. "EXPLAIN "), bound. NULL with err set, or NULL
 * with *empty set when the query has no word (no statement needed). */
static db_stmt *prepare_query(const bireg_ctx *ctx, const char *prefix, const char *q,
			      const char *const *kinds, int limit, int offset, bool *empty,
			      char **match_out, size_t *nkinds_out, GError **err)
{
	g_auto(GStrv) ws = NULL;
	g_autofree char *match = NULL;
	g_autofree char *sql = NULL;
	g_autofree char *full = NULL;
	db_backend backend;
	size_t nkinds = 0;
	db_stmt *st;

	*empty = false;
	if (check_scope(ctx, NULL, err) < 0)
		return NULL;
	if (limit < 1 || limit > SEARCH_LIMIT_MAX || offset < 0) {
		search_fail(err, SEARCH_ERROR_ARGUMENT, "search: limit or offset out of range");
		return NULL;
	}
	for (; kinds && kinds[nkinds]; nkinds++) {
		if (!kind_valid(kinds[nkinds]) || nkinds >= SEARCH_KINDS_MAX) {
			search_fail(err, SEARCH_ERROR_ARGUMENT, "search: bad kind filter");
			return NULL;
		}
	}
	ws = search_query_words(q, err);
	if (!ws)
		return NULL;
	/* No word, or an empty kind filter: nothing can match. */
	if (!ws[0] || (kinds && nkinds == 0)) {
		*empty = true;
		return NULL;
	}
	backend = db_get_backend(ctx->db);
	match = match_expression(backend, ws);
	sql = query_sql(backend, nkinds);
	full = g_strconcat(prefix ? prefix : "", sql, NULL);
	st = db_prepare(ctx->db, full, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, match);
	db_bind_int64(st, 3, limit);
	db_bind_int64(st, 4, offset);
	for (size_t i = 0; i < nkinds; i++)
		db_bind_text(st, (int)(i + 5), kinds[i]);
	if (match_out)
		*match_out = g_steal_pointer(&match);
	if (nkinds_out)
		*nkinds_out = nkinds;
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
	g_autofree char *match = NULL;
	g_autoptr(db_stmt) st = NULL;
	g_autoptr(GArray) hits = NULL;
	size_t nkinds = 0;
	int64_t total = 0;
	bool empty, pg;
	db_status r;

	search_hits_clear(out);
	st = prepare_query(ctx, NULL, q, kinds, limit, offset, &empty, &match, &nkinds, err);
	if (!st)
		return empty ? 0 : -1;
	pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	hits = g_array_new(FALSE, TRUE, sizeof(search_hit));
	while ((r = db_step(st, err)) == DB_ROW) {
		search_hit h = {
			.kind = g_strdup(db_col_text(st, 0)),
			.ref_id = db_col_int64(st, 1),
			.title = g_strdup(db_col_text(st, 2)),
		};
		if (pg)
			total = db_col_int64(st, 3);
		g_array_append_val(hits, h);
	}
	if (r < 0) {
		clear_hit_array(hits);
		return -1;
	}
	/* A first page that is not full holds every hit; otherwise count,
	 * unless PostgreSQL's window count came with the rows. */
	if (offset == 0 && hits->len < (guint)limit) {
		total = hits->len;
	} else if (!pg || hits->len == 0) {
		total = count_only(ctx, match, kinds, nkinds, err);
		if (total < 0) {
			clear_hit_array(hits);
			return -1;
		}
	}
	out->n = hits->len;
	out->total = total;
	out->hits = (search_hit *)(void *)g_array_free(g_steal_pointer(&hits), FALSE);
	return (int)out->n;
}

int search_explain(const bireg_ctx *ctx, const char *q, const char *const *kinds, GString *out,
		   GError **err)
{
	bool pg = db_get_backend(ctx->db) == DB_BACKEND_POSTGRES;
	g_autoptr(db_stmt) st = NULL;
	bool empty;
	db_status r;

	st = prepare_query(ctx, pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ", q, kinds, 100, 0, &empty,
			   NULL, NULL, err);
	if (!st)
		return empty ? 0 : -1;
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
