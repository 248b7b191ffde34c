/*
 * form.h — an edit form described once as a table of fields: it reads and
 * checks the posted values, keeps them for the page that shows the form
 * again, carries the German (or English) messages next to each field, and
 * builds the model the partial "partials/form" renders (labels, hints,
 * inputs, selects, check boxes, text areas, error summary).
 *
 *   static const form_field fields[] = {
 *           {"last_name", N_("Last name"), NULL, .kind = FORM_TEXT, .required = true, .max_chars = 100},
 *           {"email", N_("Email address"), NULL, .kind = FORM_EMAIL},
 *           {"start_day", N_("From"), N_("For example 1.8.2026."), .kind = FORM_DATE},
 *   (write .kind = … designated: -Wmissing-field-initializers refuses a
 *   positional initializer that stops before the last member)
 *   };
 *   g_autoptr(form) f = form_new(fields, G_N_ELEMENTS(fields), "person");
 *   if (!form_read(f, rc)) → show the page again with form_model(f, rc), status 422
 *   form_value(f, "last_name") …; a store rule fails → form_error(f, "field", msg), 422
 *
 * Checks done by form_read for every field: valid UTF-8, no control
 * characters (text areas keep line breaks), trimmed, at most max_chars
 * characters, required; then per kind: e-mail shape, http(s) URL, five-digit
 * post code, date (26.11.2026 or 2026-11-26; stored as ISO), whole number in
 * [min, max], select value among the options. Messages name the field's label.
 *
 * The form owns copies of everything; labels and hints are msgids translated
 * when the model is built.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

typedef enum {
	FORM_TEXT,
	FORM_TEXTAREA,
	FORM_EMAIL,
	FORM_URL,      /* http:// or https:// */
	FORM_TEL,
	FORM_POSTCODE, /* five digits */
	FORM_DATE,     /* value kept as ISO "YYYY-MM-DD" once read */
	FORM_INT,      /* whole number within [min, max] */
	FORM_SELECT,   /* one of the options added with form_add_option */
	FORM_CHECKBOX, /* value "1" when checked, "" when not */
} form_kind;

typedef struct form_field {
	const char *name;  /* form field name, model key, id suffix */
	const char *label; /* msgid */
	const char *hint;  /* msgid or NULL */
	form_kind kind;
	bool required;
	long max_chars;    /* 0: 200 (text area 5000) */
	int64_t min, max;  /* FORM_INT */
	/* A msgid: this field starts a new group (fieldset) with this legend. */
	const char *group;
	const char *autocomplete; /* NULL: "off" */
	int rows;                 /* FORM_TEXTAREA: 0 = 4 */
} form_field;

typedef struct form form;

/* fields must outlive the form (a static table). id_prefix makes the
 * element ids ("person-last_name") unique on the page. */
form *form_new(const form_field *fields, size_t n, const char *id_prefix);
void form_free(form *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(form, form_free)

/* Initial value of a field (from the stored record); unknown names are a
 * bug and logged. NULL counts as "". */
void form_set(form *f, const char *name, const char *value);
/* Every field from record[name]: strings as they are, integers in decimal,
 * true/false as "1"/"", null or missing as "". */
void form_set_json(form *f, json_t *record);
/* An option of a FORM_SELECT (label already translated, or data). Options
 * show in the order added; add {"", label} first for "none chosen". */
void form_add_option(form *f, const char *name, const char *value, const char *label);

/* Reads and checks every field from the posted form of rc. Returns true
 * when all passed. Values are kept (normalised) either way. */
bool form_read(form *f, const req_ctx *rc);

/* The field's current value, "" when empty (never NULL). */
const char *form_value(const form *f, const char *name);
/* The value, or NULL when empty: for nullable columns (dates, references). */
const char *form_value_or_null(const form *f, const char *name);
/* FORM_INT / FORM_SELECT of ids: the value as a number, 0 when empty. */
int64_t form_int(const form *f, const char *name);
/* FORM_CHECKBOX: checked? */
bool form_bool(const form *f, const char *name);

/* Sets a message for a field (already translated); the first message of a
 * field wins. Name "" or an unknown name puts it in the summary only. */
void form_error(form *f, const char *name, const char *message);
bool form_has_errors(const form *f);

/* The model for partials/form:
 *   {"id_prefix", "groups": [{"legend", "has_legend", "fields": [...]}],
 *    "has_errors", "errors": [{"field" (element id), "message"}]}
 * Each field: name, id, label, hint, value, error, required, describedby
 * and one of is_text (with input type), is_textarea, is_select (options
 * [{value, label, selected}]), is_checkbox (checked). */
json_t *form_model(const form *f, const req_ctx *rc);

/* The values as a JSON object (name → string; check boxes as booleans):
 * what a JSON client sent, for the answer to a refused form. */
json_t *form_values_json(const form *f);

/* The translation of msgid with "{key}" placeholders replaced by values
 * (pairs of key, value, ended by NULL). Newly allocated. */
G_GNUC_NULL_TERMINATED char *view_tf(const req_ctx *rc, const char *msgid, ...);
