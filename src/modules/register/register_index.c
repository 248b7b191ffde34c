/*
 * register_index.c — rebuilding and searching the register's entries (see
 * register_index.h).
 *
 * Why the name-hit ranking is done here and not by the database: an entry
 * is one folded text (title and text together), so bm25 and ts_rank only
 * see how often and in how short a text a word occurs. For the office,
 * "Schulte" typed into the register's search must bring up Frau Schulte
 * before the twelve people who work at the Schulte-Schule; the title is
 * the name, so whether every query word starts a word of the title says
 * exactly that. The database ranks at most REGISTER_SEARCH_MAX hits; they
 * are split into name hits and the others, each group keeping the
 * database's order, and the page is cut from the result. On both backends
 * the split is the same (it is computed in C from the same titles), so the
 * groups hold the same sets there too.
 */
#include "modules/register/register_index.h"

#include <string.h>

#include "db/db.h"
#include "modules/register/body_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"

const char *const register_search_kinds[] = {SEARCH_KIND_PERSON, SEARCH_KIND_INSTITUTION,
					     SEARCH_KIND_BODY, NULL};

int register_reindex(const bireg_ctx *ctx, GError **err)
{
	bool own = false;
	int total = 0, n = 0;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	/* Institutions first: a person's text names the institutions of the
	 * person's affiliations, read from the rows, not from their entries,
	 * so the order is not needed for correctness; it is the order of the
	 * dependencies all the same. */
	if ((n = institution_store_reindex_all(ctx, err)) < 0)
		return db_join_end(ctx->db, own, -1, err);
	total += n;
	if ((n = person_store_reindex_all(ctx, err)) < 0)
		return db_join_end(ctx->db, own, -1, err);
	total += n;
	if ((n = body_store_reindex_all(ctx, err)) < 0)
		return db_join_end(ctx->db, own, -1, err);
	total += n;
	if (db_join_end(ctx->db, own, 0, err) < 0)
		return -1;
	return total;
}

bool register_title_matches(const char *title, char **query_words)
{
	g_autofree char *folded = search_index_text(title ? title : "", NULL);
	g_auto(GStrv) words = NULL;

	if (!folded || !query_words || !query_words[0])
		return false;
	words = g_strsplit(folded, " ", -1);
	for (char **q = query_words; *q; q++) {
		bool found = false;
		for (char **w = words; *w && !found; w++)
			found = g_str_has_prefix(*w, *q);
		if (!found)
			return false;
	}
	return true;
}

int register_search(const bireg_ctx *ctx, const char *q, const char *const *kinds, int limit,
		    int offset, search_hits *out, register_search_info *info, GError **err)
{
	search_hits all = {0};
	g_auto(GStrv) words = NULL;
	g_autofree bool *is_name = NULL;
	register_search_info got = {0};
	size_t pos = 0;

	search_hits_clear(out);
	if (info)
		*info = got;
	if (limit < 1 || limit > REGISTER_SEARCH_MAX || offset < 0) {
		g_set_error_literal(err, BIREG_SEARCH_ERROR, SEARCH_ERROR_ARGUMENT,
				    "register search: limit or offset out of range");
		return -1;
	}
	words = search_query_words(q, err);
	if (!words)
		return -1;
	if (search_query(ctx, q, kinds ? kinds : register_search_kinds, REGISTER_SEARCH_MAX, 0,
			 &all, err) < 0)
		return -1;

	is_name = g_new0(bool, all.n + 1);
	for (size_t i = 0; i < all.n; i++) {
		const char *k = all.hits[i].kind;
		if ((is_name[i] = register_title_matches(all.hits[i].title, words)))
			got.name_hits++;
		if (!strcmp(k, SEARCH_KIND_PERSON))
			got.persons++;
		else if (!strcmp(k, SEARCH_KIND_INSTITUTION))
			got.institutions++;
		else if (!strcmp(k, SEARCH_KIND_BODY))
			got.bodies++;
	}
	got.ranked = (int64_t)all.n;
	got.complete = (int64_t)all.n >= all.total;

	out->total = all.total;
	out->hits = g_new0(search_hit, (size_t)limit);
	/* Name hits, then the others; each in the database's order. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < all.n; i++) {
			if (is_name[i] != (pass == 0))
				continue;
			if (pos++ < (size_t)offset || out->n >= (size_t)limit)
				continue;
			/* Moved, not copied: `all` gives up what it hands over. */
			out->hits[out->n].kind = g_steal_pointer(&all.hits[i].kind);
			out->hits[out->n].title = g_steal_pointer(&all.hits[i].title);
			out->hits[out->n].ref_id = all.hits[i].ref_id;
			out->n++;
		}
	}
	search_hits_clear(&all);
	if (info)
		*info = got;
	return (int)out->n;
}
