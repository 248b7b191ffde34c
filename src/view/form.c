/*
 * form.c — edit forms from a table of fields (see form.h).
 *
 * Values are kept as the form shows them: trimmed text, dates in ISO (what
 * <input type="date"> sends and shows), check boxes "1" or "". A value that
 * failed its check is kept as typed, so the user sees and corrects it.
 */
#include "view/form.h"

#include <stdarg.h>
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

typedef struct form_option {
	char *value;
	char *label;
} form_option;

typedef struct form_slot {
	const form_field *field;
	char *value;
	char *error;
	GArray *options; /* form_option, FORM_SELECT only */
} form_slot;

struct form {
	form_slot *slots;
	size_t n;
	char *id_prefix;
	GPtrArray *extra_errors; /* messages without a field (char *) */
};

static void option_clear(gpointer p)
{
	form_option *o = p;
	g_free(o->value);
	g_free(o->label);
}

form *form_new(const form_field *fields, size_t n, const char *id_prefix)
{
	form *f = g_new0(form, 1);

	f->slots = g_new0(form_slot, n);
	f->n = n;
	f->id_prefix = g_strdup(id_prefix ? id_prefix : "form");
	f->extra_errors = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < n; i++) {
		f->slots[i].field = &fields[i];
		f->slots[i].value = g_strdup("");
		if (fields[i].kind == FORM_SELECT) {
			f->slots[i].options = g_array_new(FALSE, TRUE, sizeof(form_option));
			g_array_set_clear_func(f->slots[i].options, option_clear);
		}
	}
	return f;
}

void form_free(form *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		g_free(f->slots[i].value);
		g_free(f->slots[i].error);
		if (f->slots[i].options)
			g_array_unref(f->slots[i].options);
	}
	g_free(f->slots);
	g_free(f->id_prefix);
	g_ptr_array_unref(f->extra_errors);
	g_free(f);
}

static form_slot *slot(const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->slots[i].field->name, name))
			return &f->slots[i];
	return NULL;
}

void form_set(form *f, const char *name, const char *value)
{
	form_slot *s = slot(f, name);

	if (!s) {
		log_warn("form %s: no field named %s", f->id_prefix, name);
		return;
	}
	g_free(s->value);
	s->value = g_strdup(value ? value : "");
}

void form_set_json(form *f, json_t *record)
{
	for (size_t i = 0; i < f->n; i++) {
		form_slot *s = &f->slots[i];
		json_t *v = json_object_get(record, s->field->name);
		char *text;

		if (json_is_string(v))
			text = g_strdup(json_string_value(v));
		else if (json_is_integer(v))
			text = g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_true(v))
			text = g_strdup("1");
		else
			text = g_strdup("");
		/* A check box stored as 0/1 shows as unchecked/checked. */
		if (s->field->kind == FORM_CHECKBOX && !strcmp(text, "0")) {
			g_free(text);
			text = g_strdup("");
		}
		g_free(s->value);
		s->value = text;
	}
}

void form_add_option(form *f, const char *name, const char *value, const char *label)
{
	form_slot *s = slot(f, name);
	form_option o;

	if (!s || !s->options) {
		log_warn("form %s: %s is not a select field", f->id_prefix, name);
		return;
	}
	o.value = g_strdup(value ? value : "");
	o.label = g_strdup(label ? label : "");
	g_array_append_val(s->options, o);
}

static void set_error(form_slot *s, char *message)
{
	if (s->error) {
		g_free(message);
		return;
	}
	s->error = message;
}

void form_error(form *f, const char *name, const char *message)
{
	form_slot *s = name && *name ? slot(f, name) : NULL;

	if (!s) {
		g_ptr_array_add(f->extra_errors, g_strdup(message));
		return;
	}
	set_error(s, g_strdup(message));
}

bool form_has_errors(const form *f)
{
	if (f->extra_errors->len)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (f->slots[i].error)
			return true;
	return false;
}

char *view_tf(const req_ctx *rc, const char *msgid, ...)
{
	GString *s = g_string_new(view_t(rc, msgid));
	va_list ap;
	const char *key;

	va_start(ap, msgid);
	while ((key = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		g_autofree char *tag = g_strconcat("{", key, "}", NULL);
		g_string_replace(s, tag, value ? value : "", 0);
	}
	va_end(ap);
	return g_string_free(s, FALSE);
}

static long max_chars_of(const form_field *fd)
{
	if (fd->max_chars > 0)
		return fd->max_chars;
	return fd->kind == FORM_TEXTAREA ? 5000 : 200;
}

/* name@domain.tld with no spaces, one @, a dot in the domain. */
static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot;

	if (!at || at == s || strchr(at + 1, '@') || strpbrk(s, " \t,;<>()[]\\\""))
		return false;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

static bool url_ok(const char *s)
{
	const char *rest;

	if (g_str_has_prefix(s, "https://"))
		rest = s + 8;
	else if (g_str_has_prefix(s, "http://"))
		rest = s + 7;
	else
		return false;
	return *rest && *rest != '/' && !strpbrk(s, " \t<>\"") && strchr(rest, '.');
}

static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

/* Checks one value; on success may replace *value with its normal form.
 * Returns a newly allocated message, or NULL. */
static char *check(const form_slot *s, const req_ctx *rc, char **value)
{
	const form_field *fd = s->field;
	const char *label = view_t(rc, fd->label);
	const char *v = *value;

	if (!*v) {
		if (fd->required)
			return view_tf(rc, fd->kind == FORM_SELECT
						   ? N_("{label}: please choose an entry.")
						   : N_("{label}: please fill in this field."),
				       "label", label, NULL);
		return NULL;
	}
	if ((long)g_utf8_strlen(v, -1) > max_chars_of(fd)) {
		g_autofree char *n = format_int(rc->req->lang, max_chars_of(fd));
		return view_tf(rc, N_("{label}: at most {n} characters."), "label", label, "n", n,
			       NULL);
	}
	switch (fd->kind) {
	case FORM_EMAIL:
		if (!email_ok(v))
			return view_tf(rc, N_("{label}: please enter an e-mail address such as name@example.org."),
				       "label", label, NULL);
		break;
	case FORM_URL:
		if (!url_ok(v))
			return view_tf(rc, N_("{label}: please enter a web address beginning with https:// or http://."),
				       "label", label, NULL);
		break;
	case FORM_POSTCODE:
		if (!digits(v, 5))
			return view_tf(rc, N_("{label}: please enter five digits."), "label", label,
				       NULL);
		break;
	case FORM_DATE: {
		bireg_date d;
		if (!format_parse_date(v, &d, NULL))
			return view_tf(rc, N_("{label}: please enter a date such as 26.11.2026."),
				       "label", label, NULL);
		g_free(*value);
		*value = g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
		break;
	}
	case FORM_INT: {
		gint64 n;
		char *end = NULL;
		bool ok = true;
		for (const char *p = v; *p; p++)
			if (!g_ascii_isdigit(*p) && !(p == v && *p == '-'))
				ok = false;
		if (ok) {
			n = g_ascii_strtoll(v, &end, 10);
			ok = end && !*end && n >= fd->min && n <= fd->max;
		}
		if (!ok) {
			g_autofree char *lo = format_int(rc->req->lang, fd->min);
			g_autofree char *hi = format_int(rc->req->lang, fd->max);
			return view_tf(rc, N_("{label}: please enter a whole number from {min} to {max}."),
				       "label", label, "min", lo, "max", hi, NULL);
		}
		break;
	}
	case FORM_SELECT: {
		bool found = false;
		for (guint i = 0; i < s->options->len && !found; i++)
			found = !strcmp(g_array_index(s->options, form_option, i).value, v);
		if (!found)
			return view_tf(rc, N_("{label}: please choose one of the entries."), "label",
				       label, NULL);
		break;
	}
	default:
		break;
	}
	return NULL;
}

bool form_read(form *f, const req_ctx *rc)
{
	const http_params *posted = rc->req->form;

	for (size_t i = 0; i < f->n; i++) {
		form_slot *s = &f->slots[i];
		const form_field *fd = s->field;
		const char *raw = posted ? http_params_get(posted, fd->name) : NULL;
		char *v;

		g_free(s->error);
		s->error = NULL;
		if (fd->kind == FORM_CHECKBOX) {
			g_free(s->value);
			s->value = g_strdup(raw && *raw && strcmp(raw, "0") ? "1" : "");
			continue;
		}
		if (!raw)
			raw = "";
		if (!text_is_valid_utf8(raw, strlen(raw))) {
			g_free(s->value);
			s->value = g_strdup("");
			set_error(s, view_tf(rc, N_("{label}: the text contains characters that cannot be stored."),
					     "label", view_t(rc, fd->label), NULL));
			continue;
		}
		{
			/* Text areas keep their line breaks (as \n); every other
			 * control character goes, and single-line fields become
			 * one line. */
			g_autofree char *unix_nl = g_strdup(raw);
			g_autofree char *clean = NULL;
			char *w = unix_nl;
			for (const char *p = raw; *p; p++)
				if (*p != '\r')
					*w++ = *p;
			*w = '\0';
			if (fd->kind == FORM_TEXTAREA) {
				GString *keep = g_string_new(NULL);
				for (const char *p = unix_nl; *p; p++) {
					unsigned char c = (unsigned char)*p;
					if (c == '\n' || c == '\t' || c >= 0x20)
						g_string_append_c(keep, (char)c);
				}
				clean = g_string_free(keep, FALSE);
			} else {
				for (char *p = unix_nl; *p; p++)
					if (*p == '\n' || *p == '\t')
						*p = ' ';
				clean = text_strip_control_chars(unix_nl);
			}
			v = text_trim_dup(clean ? clean : "");
		}
		g_free(s->value);
		s->value = v;
		{
			char *msg = check(s, rc, &s->value);
			if (msg)
				set_error(s, msg);
		}
	}
	return !form_has_errors(f);
}

const char *form_value(const form *f, const char *name)
{
	form_slot *s = slot(f, name);

	if (!s) {
		log_warn("form %s: no field named %s", f->id_prefix, name);
		return "";
	}
	return s->value;
}

const char *form_value_or_null(const form *f, const char *name)
{
	const char *v = form_value(f, name);
	return *v ? v : NULL;
}

int64_t form_int(const form *f, const char *name)
{
	const char *v = form_value(f, name);
	char *end = NULL;
	gint64 n;

	if (!*v)
		return 0;
	n = g_ascii_strtoll(v, &end, 10);
	return end && !*end ? n : 0;
}

bool form_bool(const form *f, const char *name)
{
	return *form_value(f, name) != '\0';
}

static const char *input_type(form_kind k)
{
	switch (k) {
	case FORM_EMAIL:
		return "email";
	case FORM_URL:
		return "url";
	case FORM_TEL:
		return "tel";
	case FORM_DATE:
		return "date";
	default:
		return "text";
	}
}

static json_t *field_model(const form *f, const form_slot *s, const req_ctx *rc)
{
	const form_field *fd = s->field;
	g_autofree char *id = g_strconcat(f->id_prefix, "-", fd->name, NULL);
	g_autoptr(GString) described = g_string_new(NULL);
	json_t *m;

	if (fd->hint)
		g_string_append_printf(described, "%s-hint", id);
	if (s->error)
		g_string_append_printf(described, "%s%s-error", described->len ? " " : "", id);
	m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "name", fd->name, "id", id, "label",
		      view_t(rc, fd->label), "hint", fd->hint ? view_t(rc, fd->hint) : "", "value",
		      s->value, "error", s->error ? s->error : "", "required", fd->required,
		      "describedby", described->str, "autocomplete",
		      fd->autocomplete ? fd->autocomplete : "off");
	/* Every key the partial names is set on every field, so that a name
	 * missing here is never looked up in the page's model around it. */
	json_object_set_new(m, "is_text", json_false());
	json_object_set_new(m, "is_textarea", json_false());
	json_object_set_new(m, "is_select", json_false());
	json_object_set_new(m, "is_checkbox", json_false());
	json_object_set_new(m, "type", json_string(""));
	json_object_set_new(m, "inputmode", json_string(""));
	json_object_set_new(m, "rows", json_integer(0));
	json_object_set_new(m, "maxlength", json_integer(max_chars_of(fd)));
	json_object_set_new(m, "options", json_array());
	json_object_set_new(m, "checked", json_false());
	switch (fd->kind) {
	case FORM_TEXTAREA:
		json_object_set_new(m, "is_textarea", json_true());
		json_object_set_new(m, "rows", json_integer(fd->rows > 0 ? fd->rows : 4));
		break;
	case FORM_SELECT: {
		json_t *opts = json_array();
		for (guint i = 0; i < s->options->len; i++) {
			const form_option *o = &g_array_index(s->options, form_option, i);
			json_array_append_new(opts, json_pack("{s:s,s:s,s:b}", "value", o->value,
							      "label", o->label, "selected",
							      !strcmp(o->value, s->value)));
		}
		json_object_set_new(m, "is_select", json_true());
		json_object_set_new(m, "options", opts);
		break;
	}
	case FORM_CHECKBOX:
		json_object_set_new(m, "is_checkbox", json_true());
		json_object_set_new(m, "checked", json_boolean(*s->value != '\0'));
		break;
	default:
		json_object_set_new(m, "is_text", json_true());
		json_object_set_new(m, "type", json_string(input_type(fd->kind)));
		if (fd->kind == FORM_POSTCODE || fd->kind == FORM_INT)
			json_object_set_new(m, "inputmode", json_string("numeric"));
		break;
	}
	return m;
}

json_t *form_model(const form *f, const req_ctx *rc)
{
	json_t *groups = json_array();
	json_t *errors = json_array();
	json_t *current = NULL;

	for (guint i = 0; i < f->extra_errors->len; i++)
		json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "field", "", "id", "",
							"message",
							(const char *)g_ptr_array_index(f->extra_errors, i)));
	for (size_t i = 0; i < f->n; i++) {
		const form_slot *s = &f->slots[i];
		if (!current || s->field->group) {
			const char *legend = s->field->group ? view_t(rc, s->field->group) : "";
			current = json_pack("{s:s,s:b,s:[]}", "legend", legend, "has_legend",
					    *legend != '\0', "fields");
			json_array_append_new(groups, current);
		}
		json_array_append_new(json_object_get(current, "fields"), field_model(f, s, rc));
		if (s->error) {
			g_autofree char *id = g_strconcat(f->id_prefix, "-", s->field->name, NULL);
			json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "field",
								s->field->name, "id", id,
								"message", s->error));
		}
	}
	return json_pack("{s:s,s:o,s:b,s:o}", "id_prefix", f->id_prefix, "groups", groups,
			 "has_errors", json_array_size(errors) > 0, "errors", errors);
}

json_t *form_values_json(const form *f)
{
	json_t *o = json_object();

	for (size_t i = 0; i < f->n; i++) {
		const form_slot *s = &f->slots[i];
		if (s->field->kind == FORM_CHECKBOX)
			json_object_set_new(o, s->field->name, json_boolean(*s->value != '\0'));
		else
			json_object_set_new(o, s->field->name, json_string(s->value));
	}
	return o;
}
