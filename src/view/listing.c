/*
 * listing.c — pages of long lists (see listing.h).
 *
 * Links keep the request's query parameters in their order and replace only
 * the one that changes, so a filtered, sorted list stays filtered and sorted
 * from page to page. Values are percent-encoded again; nothing of the query
 * reaches the page unescaped (the template escapes the href once more).
 */
#include "view/listing.h"

#include <string.h>

#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* Page links shown around the current page; the first and last page are
 * always shown, a gap marks what is left out. */
#define PAGE_NEIGHBOURS 2

list_page list_page_from(const req_ctx *rc, int64_t per_page)
{
	const char *s = rc->req->query ? http_params_get(rc->req->query, "seite") : NULL;
	list_page p = {.page = 1, .per_page = per_page > 0 ? per_page : 50};

	if (s && *s && strlen(s) <= 9) {
		char *end = NULL;
		gint64 n = g_ascii_strtoll(s, &end, 10);
		if (end && !*end && n >= 1)
			p.page = n;
	}
	p.offset = (p.page - 1) * p.per_page;
	return p;
}

char *list_href_with(const req_ctx *rc, const char *path, const char *name, const char *value)
{
	GString *q = g_string_new(NULL);
	const http_params *params = rc->req->query;
	size_t n = params ? http_params_count(params) : 0;
	g_autofree char *href = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		http_params_nth(params, i, &k, &v);
		if (!strcmp(k, name) || (!*v && strcmp(k, "q")))
			continue;
		g_autofree char *ek = g_uri_escape_string(k, NULL, FALSE);
		g_autofree char *ev = g_uri_escape_string(v, NULL, FALSE);
		g_string_append_printf(q, "%s%s=%s", q->len ? "&" : "", ek, ev);
	}
	if (value) {
		g_autofree char *ek = g_uri_escape_string(name, NULL, FALSE);
		g_autofree char *ev = g_uri_escape_string(value, NULL, FALSE);
		g_string_append_printf(q, "%s%s=%s", q->len ? "&" : "", ek, ev);
	}
	href = view_href(rc, path);
	if (!q->len) {
		g_string_free(q, TRUE);
		return g_steal_pointer(&href);
	}
	g_string_prepend_c(q, '?');
	g_string_prepend(q, href);
	return g_string_free(q, FALSE);
}

static json_t *page_link(const req_ctx *rc, const char *path, int64_t page, bool current)
{
	g_autofree char *num = g_strdup_printf("%" G_GINT64_FORMAT, page);
	g_autofree char *href = list_href_with(rc, path, "seite", page > 1 ? num : NULL);
	g_autofree char *label = format_int(rc->req->lang, page);

	return json_pack("{s:s,s:s,s:b,s:b}", "label", label, "href", href, "current", current,
			 "gap", false);
}

json_t *list_pagination_model_open(const req_ctx *rc, const char *path, int64_t total, bool more,
				   list_page p)
{
	int64_t pages = total > 0 ? (total + p.per_page - 1) / p.per_page : 1;
	int64_t first = total > 0 ? MIN(p.offset + 1, total) : 0;
	int64_t last = MIN(p.offset + p.per_page, total);
	g_autofree char *s_first = format_int(rc->req->lang, first);
	g_autofree char *s_last = format_int(rc->req->lang, last);
	g_autofree char *s_total = format_int(rc->req->lang, total);
	g_autofree char *range = NULL;
	g_autofree char *prev = NULL, *next = NULL;
	json_t *list = json_array();
	int64_t shown = 0;

	if (more) {
		/* rows after what is known: this page is full */
		g_autofree char *f = format_int(rc->req->lang, p.offset + 1);
		g_autofree char *l = format_int(rc->req->lang, p.offset + p.per_page);
		range = view_tf(rc, N_("{first}–{last} of more than {total}"), "first", f, "last", l,
				"total", s_total, NULL);
		pages = MAX(pages, p.page);
	} else if (p.offset >= total && total > 0) {
		g_autofree char *s_page = format_int(rc->req->lang, p.page);
		range = view_tf(rc, N_("Page {page} is beyond the end of the list ({total} entries)."),
				"page", s_page, "total", s_total, NULL);
	}
	else
		range = view_tf(rc, N_("{first}–{last} of {total}"), "first", s_first, "last",
				s_last, "total", s_total, NULL);
	for (int64_t i = 1; i <= pages; i++) {
		bool near = i == 1 || (i == pages && !more) ||
			    (i >= p.page - PAGE_NEIGHBOURS && i <= p.page + PAGE_NEIGHBOURS);
		if (near) {
			json_array_append_new(list, page_link(rc, path, i, i == p.page));
			shown = i;
		} else if (shown == i - 1) {
			json_array_append_new(list, json_pack("{s:s,s:s,s:b,s:b}", "label", "…",
							      "href", "", "current", false, "gap",
							      true));
		}
	}
	if (more && !json_is_true(json_object_get(json_array_get(list, json_array_size(list) - 1),
						  "gap")))
		/* the list goes on after the pages known */
		json_array_append_new(list, json_pack("{s:s,s:s,s:b,s:b}", "label", "…", "href", "",
						      "current", false, "gap", true));
	if (p.page > 1) {
		g_autofree char *num = g_strdup_printf("%" G_GINT64_FORMAT,
						       more ? p.page - 1 : MIN(p.page - 1, pages));
		prev = list_href_with(rc, path, "seite", p.page - 1 > 1 ? num : NULL);
	}
	if (p.page < pages || more) {
		g_autofree char *num = g_strdup_printf("%" G_GINT64_FORMAT, p.page + 1);
		next = list_href_with(rc, path, "seite", num);
	}
	return json_pack("{s:b,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:b}", "has_pages", pages > 1 || more,
			 "range_label", range, "prev_href", prev ? prev : "", "next_href",
			 next ? next : "", "pages", list, "total", (json_int_t)total, "page",
			 (json_int_t)p.page, "page_count", (json_int_t)pages, "more", more);
}

json_t *list_pagination_model(const req_ctx *rc, const char *path, int64_t total, list_page p)
{
	return list_pagination_model_open(rc, path, total, false, p);
}
