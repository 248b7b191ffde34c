/*
 * view.h — from a view model to a response: HTML through the templates and
 * the KERN layout, or the same model as JSON.
 *
 * A handler builds one view model (a jansson object) and calls view_page();
 * the request's Accept header decides the representation. Templates are
 * compiled once at start from the embedded resources (strict mode: an unknown
 * partial stops the start, an unknown name fails the render and so the test
 * that renders it).
 */
#pragma once
#include <glib.h>
#include <jansson.h>

#include "http/http.h"

typedef struct view view;

/* Compiles every template under the embedded "templates/" folder.
 * static_prefix is the URL prefix of the static assets ("/static/ab12cd34").
 * Returns NULL with err naming the template and line on a compile error. */
view *view_new(const char *static_prefix, GError **err);
void view_free(view *v);

/* Renders template tmpl (e.g. "pages/region_home") with model into the
 * layout and fills rc->resp with status 200; with Accept: application/json
 * answers the model itself. Takes ownership of model. Returns 0, or 500 when
 * rendering failed (logged). title is already translated. */
int view_page(req_ctx *rc, const char *tmpl, const char *title, json_t *model);

/* Like view_page but with an explicit status and breadcrumb (list of
 * {label, href}; the page itself is appended). Takes ownership of model and
 * breadcrumb (may be NULL). */
int view_page_full(req_ctx *rc, int status, const char *tmpl, const char *title, json_t *model,
		   json_t *breadcrumb);

/* Fills rc->resp with the error page for status (400, 403, 404, 405, 413,
 * 500, 503, ...) in the request's language, as HTML or JSON. Never shows
 * request data. field may name the offending parameter (JSON only). */
void view_error(req_ctx *rc, int status, const char *field);

/* The 503 page for an overloaded server, rendered once at start (German,
 * no region). */
GBytes *view_busy_page(const view *v);

/* Sets the response to JSON with the given status; takes ownership of body. */
void view_json(http_response *resp, int status, json_t *body);

/* Renders one template without the layout (mail bodies later, tests). */
int view_render(const view *v, const char *tmpl, const char *lang, json_t *model, GString *out,
		GError **err);

/* The msgid's translation for the request's language. */
const char *view_t(const req_ctx *rc, const char *msgid);

/* Answers 303 See Other to path inside the request's region (view_href).
 * Returns 0, so a handler can `return view_redirect(rc, "/konto");`. */
int view_redirect(req_ctx *rc, const char *path);

/* A form field as sent, "" when absent (never NULL). Owned by the request. */
const char *view_form_field(const req_ctx *rc, const char *name);

/* The error summary of a form: [{field, message}] for every non-empty
 * message, in the order given (fields[i] names the input of messages[i]). */
json_t *view_form_errors(const char *const *fields, const char *const *messages, size_t n);

/* A stored UTC time ("2026-11-26T13:30:00Z") as German or English date and
 * time in Europe/Berlin; "" when iso is NULL or invalid. Newly allocated. */
char *view_datetime(const req_ctx *rc, const char *iso);

/* A link to path inside the request's region: "/impressum" stays as it is
 * for the installation's default region and becomes "/r/<slug>/impressum"
 * otherwise. Newly allocated. */
char *view_href(const req_ctx *rc, const char *path);
