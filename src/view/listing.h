/*
 * listing.h — pages of a long list: which page the query asks for, and the
 * model of the pagination links (partials/pagination) that keep every
 * other query parameter (filters, sort order, search term).
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

typedef struct list_page {
	int64_t page;     /* 1-based, from ?seite= */
	int64_t per_page; /* rows per page */
	int64_t offset;   /* (page - 1) * per_page */
} list_page;

/* The page asked for by ?seite= (1 when absent or not a positive number).
 * per_page: the list's size (e.g. 50). */
list_page list_page_from(const req_ctx *rc, int64_t per_page);

/* The model of partials/pagination for a list of `total` rows at path (in
 * the request's region; view_href is applied), with the request's query
 * parameters kept and "seite" replaced:
 *   {"has_pages", "range_label" ("51–100 von 312"), "prev_href", "next_href",
 *    "pages": [{"label", "href", "current", "gap"}], "total"}
 * A page beyond the last shows the last range label with no rows. */
json_t *list_pagination_model(const req_ctx *rc, const char *path, int64_t total, list_page p);

/* The same for a list whose length is only known up to a point (a capped
 * count): with more false, known is the exact total, as above; with more
 * true, the list has more than `known` rows. Then the range label says
 * "51–100 of more than 10,000", the page links end in a gap instead of a
 * last page, and there is always a next page. The model has "more" as well.
 * Caller's rule: after a page beyond `known`, pass known >= the end of that
 * page and more only when a row after it exists (so "next" ends at the
 * list's end). */
json_t *list_pagination_model_open(const req_ctx *rc, const char *path, int64_t known, bool more,
				   list_page p);

/* path with the request's query parameters, `name` set to value (or removed
 * when value is NULL) — for sort links and filter resets. In the request's
 * region (view_href). Newly allocated. */
char *list_href_with(const req_ctx *rc, const char *path, const char *name, const char *value);
