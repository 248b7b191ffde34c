/*
 * register_page.h — what the register's web pages (areas, institutions,
 * people, bodies, the public body pages, search and network) share: reading
 * an id from the path or the query, answering a failed store call, putting
 * a form into a page's model, and small readers of the stores' JSON.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "http/http.h"

struct form;

/* The path parameter name (e.g. "id") as a positive number; 0 when it is
 * missing or not one (answer 404 then). */
int64_t register_path_id(const req_ctx *rc, const char *name);
/* The query parameter name as a positive number: 0 when it is missing or
 * empty (no choice), -1 when it is something else (answer 400 or show the
 * form's error). */
int64_t register_query_id(const req_ctx *rc, const char *name);

/* The HTTP status for a failed store call (register_status_for()); a
 * status of 500 or more is logged with what was being done ("reading an
 * institution"), err's message and the request id. */
int register_store_failed(const req_ctx *rc, const char *what, const GError *err);

/* The form's model under "form" of model, and its errors at the top of the
 * model as well (for JSON clients: [{field, message}]). */
void register_put_form(json_t *model, const struct form *f, const req_ctx *rc);

/* The search term's error (SEARCH_ERROR_*) as a translated sentence for the
 * page; borrowed. */
const char *register_query_error(const req_ctx *rc, const GError *err);

/* view_href() of prefix, id and suffix (NULL for none), e.g.
 * ("/register/institutionen/", 5, "/loeschen"). Newly allocated. */
char *register_href_id(const req_ctx *rc, const char *prefix, int64_t id, const char *suffix);

/* A "YYYY-MM-DD" day as the request's language writes it; "" for NULL, ""
 * or no valid day. Newly allocated. */
char *register_day_label(const req_ctx *rc, const char *iso);

/* A <select>'s option {value, label, selected}. New. */
json_t *register_option(const char *value, const char *label, bool selected);

/* The translated label of a record's field as the change log and the merge
 * page name it ("last_name" -> "Last name"); the field itself when unknown,
 * "" for NULL. Borrowed. */
const char *register_field_label(const req_ctx *rc, const char *field);
