/*
 * test_form.c — edit forms from field tables (src/view/form.c) and the
 * pagination of long lists (src/view/listing.c). Runs in English: without
 * a catalogue the msgids come back as they are, with placeholders filled.
 */
#include <glib.h>
#include <string.h>

#include "http/http.h"
#include "view/form.h"
#include "view/listing.h"

/* jansson has no autoptr cleanup of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

static const form_field fields[] = {
	{"last_name", "Last name", NULL, .kind = FORM_TEXT, .required = true, .max_chars = 10},
	{"email", "Email address", "For example name@example.org.", .kind = FORM_EMAIL},
	{"website", "Website", NULL, .kind = FORM_URL},
	{"postcode", "Postcode", NULL, .kind = FORM_POSTCODE},
	{"start_day", "From", NULL, .kind = FORM_DATE, .group = "Period"},
	{"days", "Days", NULL, .kind = FORM_INT, .min = 0, .max = 365},
	{"kind", "Kind", NULL, .kind = FORM_SELECT, .required = true},
	{"public", "Public", NULL, .kind = FORM_CHECKBOX},
	{"notes", "Notes", NULL, .kind = FORM_TEXTAREA, .max_chars = 100},
};

typedef struct fixture {
	http_request *req;
	req_ctx rc;
} fixture;

static void fixture_set_up(fixture *fx, gconstpointer data)
{
	fx->req = http_request_new();
	fx->req->lang = "en";
	fx->req->form = http_params_new();
	fx->req->query = http_params_new();
	memset(&fx->rc, 0, sizeof fx->rc);
	fx->rc.req = fx->req;
}

static void fixture_tear_down(fixture *fx, gconstpointer data)
{
	http_request_free(fx->req);
}

static form *make_form(void)
{
	form *f = form_new(fields, G_N_ELEMENTS(fields), "t");
	form_add_option(f, "kind", "", "(none)");
	form_add_option(f, "kind", "a", "Alpha");
	form_add_option(f, "kind", "b", "Beta");
	return f;
}

static const char *error_of(json_t *model, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(model, "errors"), i, e)
		if (!g_strcmp0(json_string_value(json_object_get(e, "field")), field))
			return json_string_value(json_object_get(e, "message"));
	return NULL;
}

static void test_valid(fixture *fx, gconstpointer data)
{
	g_autoptr(form) f = make_form();
	http_params_add(fx->req->form, "last_name", "  Müller\t ");
	http_params_add(fx->req->form, "email", "a.b@example.org");
	http_params_add(fx->req->form, "website", "https://www.example.org/x");
	http_params_add(fx->req->form, "postcode", "47051");
	http_params_add(fx->req->form, "start_day", "1.8.2026");
	http_params_add(fx->req->form, "days", "14");
	http_params_add(fx->req->form, "kind", "b");
	http_params_add(fx->req->form, "public", "1");
	http_params_add(fx->req->form, "notes", "line one\r\nline\x01 two");

	g_assert_true(form_read(f, &fx->rc));
	g_assert_cmpstr(form_value(f, "last_name"), ==, "Müller");
	g_assert_cmpstr(form_value(f, "start_day"), ==, "2026-08-01");
	g_assert_cmpint(form_int(f, "days"), ==, 14);
	g_assert_true(form_bool(f, "public"));
	g_assert_cmpstr(form_value(f, "notes"), ==, "line one\nline two");
}

static void test_errors(fixture *fx, gconstpointer data)
{
	g_autoptr(form) f = make_form();
	g_autoptr(json_t) model = NULL;

	http_params_add(fx->req->form, "last_name", "");
	http_params_add(fx->req->form, "email", "not an address");
	http_params_add(fx->req->form, "website", "javascript:alert(1)");
	http_params_add(fx->req->form, "postcode", "4705");
	http_params_add(fx->req->form, "start_day", "31.02.2026");
	http_params_add(fx->req->form, "days", "366");
	http_params_add(fx->req->form, "kind", "zzz");
	http_params_add(fx->req->form, "notes", "x");

	g_assert_false(form_read(f, &fx->rc));
	model = form_model(f, &fx->rc);
	g_assert_true(json_is_true(json_object_get(model, "has_errors")));
	g_assert_cmpstr(error_of(model, "last_name"), ==, "Last name: please fill in this field.");
	g_assert_nonnull(strstr(error_of(model, "email"), "e-mail address"));
	g_assert_nonnull(strstr(error_of(model, "website"), "https://"));
	g_assert_cmpstr(error_of(model, "postcode"), ==, "Postcode: please enter five digits.");
	g_assert_nonnull(strstr(error_of(model, "start_day"), "26.11.2026"));
	g_assert_cmpstr(error_of(model, "days"), ==, "Days: please enter a whole number from 0 to 365.");
	g_assert_cmpstr(error_of(model, "kind"), ==, "Kind: please choose one of the entries.");
	g_assert_null(error_of(model, "notes"));
	/* the entered values are kept for the page */
	g_assert_cmpstr(form_value(f, "email"), ==, "not an address");
	g_assert_cmpstr(form_value(f, "start_day"), ==, "31.02.2026");
}

static void test_too_long_and_store_errors(fixture *fx, gconstpointer data)
{
	g_autoptr(form) f = make_form();
	g_autoptr(json_t) model = NULL;
	json_t *groups, *g0, *field;

	http_params_add(fx->req->form, "last_name", "Ääääääääääö"); /* 11 characters */
	http_params_add(fx->req->form, "kind", "a");
	g_assert_false(form_read(f, &fx->rc));
	form_error(f, "days", "Days: refused by the store.");
	form_error(f, "days", "a second message is dropped");
	form_error(f, "", "A message for the whole form.");
	model = form_model(f, &fx->rc);
	g_assert_cmpstr(error_of(model, "last_name"), ==, "Last name: at most 10 characters.");
	g_assert_cmpstr(error_of(model, "days"), ==, "Days: refused by the store.");
	g_assert_cmpstr(error_of(model, ""), ==, "A message for the whole form.");
	/* two groups: the fields before "Period" and from there on */
	groups = json_object_get(model, "groups");
	g_assert_cmpuint(json_array_size(groups), ==, 2);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(groups, 1), "legend")), ==,
			"Period");
	g0 = json_array_get(groups, 0);
	field = json_array_get(json_object_get(g0, "fields"), 0);
	g_assert_cmpstr(json_string_value(json_object_get(field, "id")), ==, "t-last_name");
	g_assert_cmpstr(json_string_value(json_object_get(field, "describedby")), ==,
			"t-last_name-error");
	g_assert_true(json_is_true(json_object_get(field, "is_text")));
	field = json_array_get(json_object_get(g0, "fields"), 1);
	g_assert_cmpstr(json_string_value(json_object_get(field, "describedby")), ==, "t-email-hint");
}

static void test_set_json(fixture *fx, gconstpointer data)
{
	g_autoptr(form) f = make_form();
	g_autoptr(json_t) rec = json_pack("{s:s,s:I,s:b,s:n,s:s}", "last_name", "Beispiel", "days",
					  (json_int_t)7, "public", 0, "start_day", "kind", "a");
	g_autoptr(json_t) model = NULL;
	g_autoptr(json_t) values = NULL;
	json_t *sel;

	form_set_json(f, rec);
	g_assert_cmpstr(form_value(f, "days"), ==, "7");
	g_assert_false(form_bool(f, "public"));
	g_assert_null(form_value_or_null(f, "start_day"));
	model = form_model(f, &fx->rc);
	sel = json_array_get(json_object_get(json_array_get(json_object_get(model, "groups"), 1),
					     "fields"), 2);
	g_assert_true(json_is_true(json_object_get(sel, "is_select")));
	g_assert_true(json_is_true(json_object_get(
		json_array_get(json_object_get(sel, "options"), 1), "selected")));
	values = form_values_json(f);
	g_assert_cmpstr(json_string_value(json_object_get(values, "last_name")), ==, "Beispiel");
	g_assert_true(json_is_false(json_object_get(values, "public")));
}

static void test_pagination(fixture *fx, gconstpointer data)
{
	g_autoptr(json_t) m = NULL;
	list_page p;
	json_t *pages;
	g_autofree char *href = NULL;

	http_params_add(fx->req->query, "typ", "school");
	http_params_add(fx->req->query, "leer", "");
	http_params_add(fx->req->query, "seite", "7");
	p = list_page_from(&fx->rc, 50);
	g_assert_cmpint(p.page, ==, 7);
	g_assert_cmpint(p.offset, ==, 300);
	m = list_pagination_model(&fx->rc, "/register/personen", 1234, p);
	g_assert_cmpstr(json_string_value(json_object_get(m, "range_label")), ==, "301–350 of 1,234");
	g_assert_cmpstr(json_string_value(json_object_get(m, "prev_href")), ==,
			"/register/personen?typ=school&seite=6");
	g_assert_cmpstr(json_string_value(json_object_get(m, "next_href")), ==,
			"/register/personen?typ=school&seite=8");
	pages = json_object_get(m, "pages");
	/* 1 … 5 6 [7] 8 9 … 25 */
	g_assert_cmpuint(json_array_size(pages), ==, 9);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(pages, 0), "href")), ==,
			"/register/personen?typ=school");
	g_assert_true(json_is_true(json_object_get(json_array_get(pages, 1), "gap")));
	g_assert_true(json_is_true(json_object_get(json_array_get(pages, 4), "current")));
	href = list_href_with(&fx->rc, "/register/personen", "typ", "a b&c");
	g_assert_cmpstr(href, ==, "/register/personen?seite=7&typ=a%20b%26c");
}

static void test_page_parsing(fixture *fx, gconstpointer data)
{
	list_page p;
	http_params_add(fx->req->query, "seite", "-3");
	p = list_page_from(&fx->rc, 20);
	g_assert_cmpint(p.page, ==, 1);
	g_assert_cmpint(p.offset, ==, 0);
	{
		g_autoptr(json_t) m = list_pagination_model(&fx->rc, "/x", 0, p);
		g_assert_false(json_is_true(json_object_get(m, "has_pages")));
		g_assert_cmpstr(json_string_value(json_object_get(m, "range_label")), ==, "0–0 of 0");
	}
}

static const char *page_label(json_t *pages, size_t i)
{
	json_t *e = json_array_get(pages, i);
	return json_is_true(json_object_get(e, "gap")) ? "…"
						       : json_string_value(json_object_get(e, "label"));
}

/* A list counted only up to a cap: "more than", no last page, always a
 * next page; on a page after the cap, what the caller knows. */
static void test_pagination_open(fixture *fx, gconstpointer data)
{
	list_page p = list_page_from(&fx->rc, 50);
	json_t *pages;

	{
		g_autoptr(json_t) m = list_pagination_model_open(&fx->rc, "/p", 10000, true, p);
		g_assert_cmpstr(json_string_value(json_object_get(m, "range_label")), ==,
				"1–50 of more than 10,000");
		g_assert_true(json_is_true(json_object_get(m, "more")));
		g_assert_true(json_is_true(json_object_get(m, "has_pages")));
		g_assert_cmpstr(json_string_value(json_object_get(m, "prev_href")), ==, "");
		g_assert_cmpstr(json_string_value(json_object_get(m, "next_href")), ==, "/p?seite=2");
		pages = json_object_get(m, "pages");
		/* [1] 2 3 … — no link to a "last" page 200 */
		g_assert_cmpuint(json_array_size(pages), ==, 4);
		g_assert_cmpstr(page_label(pages, 2), ==, "3");
		g_assert_cmpstr(page_label(pages, 3), ==, "…");
	}
	/* page 250, after the cap, a row after it: known up to its end */
	http_params_add(fx->req->query, "seite", "250");
	p = list_page_from(&fx->rc, 50);
	{
		g_autoptr(json_t) m = list_pagination_model_open(&fx->rc, "/p", 12500, true, p);
		g_assert_cmpstr(json_string_value(json_object_get(m, "range_label")), ==,
				"12,451–12,500 of more than 12,500");
		g_assert_cmpstr(json_string_value(json_object_get(m, "prev_href")), ==,
				"/p?seite=249");
		g_assert_cmpstr(json_string_value(json_object_get(m, "next_href")), ==,
				"/p?seite=251");
		pages = json_object_get(m, "pages");
		/* 1 … 248 249 [250] … */
		g_assert_cmpuint(json_array_size(pages), ==, 6);
		g_assert_cmpstr(page_label(pages, 0), ==, "1");
		g_assert_cmpstr(page_label(pages, 1), ==, "…");
		g_assert_cmpstr(page_label(pages, 2), ==, "248");
		g_assert_true(json_is_true(json_object_get(json_array_get(pages, 4), "current")));
		g_assert_cmpstr(page_label(pages, 5), ==, "…");
	}
	/* the list ends on page 250: exact again, no next page */
	{
		g_autoptr(json_t) m = list_pagination_model_open(&fx->rc, "/p", 12470, false, p);
		g_assert_cmpstr(json_string_value(json_object_get(m, "range_label")), ==,
				"12,451–12,470 of 12,470");
		g_assert_false(json_is_true(json_object_get(m, "more")));
		g_assert_cmpstr(json_string_value(json_object_get(m, "next_href")), ==, "");
		pages = json_object_get(m, "pages");
		g_assert_cmpstr(page_label(pages, json_array_size(pages) - 1), ==, "250");
	}
	/* a short list that is known to go on: still a next page and a gap */
	{
		list_page q = {.page = 2, .per_page = 50, .offset = 50};
		g_autoptr(json_t) m = list_pagination_model_open(&fx->rc, "/p", 100, true, q);
		pages = json_object_get(m, "pages");
		g_assert_cmpuint(json_array_size(pages), ==, 3); /* 1 [2] … */
		g_assert_cmpstr(page_label(pages, 2), ==, "…");
		g_assert_cmpstr(json_string_value(json_object_get(m, "next_href")), ==,
				"/p?seite=3");
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/form/valid", fixture, NULL, fixture_set_up, test_valid, fixture_tear_down);
	g_test_add("/form/errors", fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
	g_test_add("/form/too-long-and-store-errors", fixture, NULL, fixture_set_up,
		   test_too_long_and_store_errors, fixture_tear_down);
	g_test_add("/form/set-json", fixture, NULL, fixture_set_up, test_set_json, fixture_tear_down);
	g_test_add("/listing/pagination", fixture, NULL, fixture_set_up, test_pagination,
		   fixture_tear_down);
	g_test_add("/listing/pagination-open", fixture, NULL, fixture_set_up,
		   test_pagination_open, fixture_tear_down);
	g_test_add("/listing/page-parsing", fixture, NULL, fixture_set_up, test_page_parsing,
		   fixture_tear_down);
	return g_test_run();
}
