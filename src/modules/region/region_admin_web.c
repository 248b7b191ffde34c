/*
 * region_admin_web.c — the region settings page (/verwaltung/region) of a
 * region's admins: the logo shown in every page's header, and the office's
 * contact data shown in the footer and the imprint.
 *
 * The logo is a file (src/files) with purpose "region.logo", public, PNG,
 * JPEG or WebP by content. Replacing it stores the new file, points the
 * region at it and deletes the old file, all in one transaction: a failed
 * upload changes nothing. region.logo_file_id has no foreign key (the
 * region is an installation table, files are region tables), so this is
 * the one place that sets it, and region_logo_attach() shows only a file
 * that really is a public logo of the same region.
 *
 * Bad input is answered 422 with the page, the German message next to the
 * field and in the error summary, and nothing stored; a JSON client gets
 * the same model with its errors ({field, message}).
 */
#include "modules/region/region_admin_web.h"

#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "files/file_store.h"
#include "files/file_web.h"
#include "modules/account/perm.h"
#include "modules/region/letterhead_web.h"
#include "modules/region/region_store.h"
#include "modules/region/region_web.h"
#include "view/form.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* The header shows a logo 40 px high and at most 200 px wide; the settings
 * page's preview fits it into 320 × 160 (never enlarged). */
#define HEADER_LOGO_HEIGHT 40
#define HEADER_LOGO_MAX_WIDTH 200
#define PREVIEW_MAX_WIDTH 320
#define PREVIEW_MAX_HEIGHT 160
/* A logo upload's body may be this large, so that a file over the logo
 * limit still reaches the handler and gets its message next to the field;
 * beyond it the server answers 413 with its error page. */
#define LOGO_MAX_BODY ((size_t)8 * 1024 * 1024)

/* ---- helpers --------------------------------------------------------- */

/* "2 MB", "1,5 MB", "12 KB", "300 Byte". Newly allocated. */
static char *size_label(const req_ctx *rc, int64_t bytes)
{
	const int64_t mib = 1024 * 1024;

	if (bytes >= mib) {
		g_autofree char *n = format_decimal(rc->req->lang, (double)bytes / (double)mib,
						    bytes % mib ? 1 : 0);
		return g_strconcat(n, " MB", NULL);
	}
	if (bytes >= 1024) {
		g_autofree char *n = format_int(rc->req->lang, (bytes + 512) / 1024);
		return g_strconcat(n, " KB", NULL);
	}
	g_autofree char *n = format_int(rc->req->lang, bytes);
	return view_tf(rc, N_("{n} bytes"), "n", n, NULL);
}

static const char *type_label(const char *media_type)
{
	if (!g_strcmp0(media_type, "image/png"))
		return "PNG";
	if (!g_strcmp0(media_type, "image/jpeg"))
		return "JPEG";
	if (!g_strcmp0(media_type, "image/webp"))
		return "WebP";
	return media_type ? media_type : "";
}

/* Fits w × h into max_w × max_h keeping the proportions; enlarges only
 * when grow is set. */
static void fit(int w, int h, int max_w, int max_h, bool grow, int *out_w, int *out_h)
{
	double scale = MIN((double)max_w / w, (double)max_h / h);

	if (!grow && scale > 1.0)
		scale = 1.0;
	*out_w = MAX(1, (int)(w * scale + 0.5));
	*out_h = MAX(1, (int)(h * scale + 0.5));
}

static size_t logo_limit(const req_ctx *rc)
{
	size_t limit = file_rules_region_logo.max_bytes;
	if (rc->app && rc->app->cfg.file_bytes > 0 && (size_t)rc->app->cfg.file_bytes < limit)
		limit = (size_t)rc->app->cfg.file_bytes;
	return limit;
}

/* ---- the logo in the header ----------------------------------------- */

void region_logo_attach(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(file_info) f = NULL;
	g_autofree char *src = NULL;
	int64_t id;
	int hw, hh;

	if (!rc->region)
		return;
	json_object_del(rc->region, "logo");
	id = json_integer_value(json_object_get(rc->region, "logo_file_id"));
	if (id <= 0)
		return;
	f = file_stat(&rc->ctx, id, &err);
	if (!f) {
		if (err)
			log_warn("request %s: the logo of region %" G_GINT64_FORMAT
				 " cannot be read: %s", rc->req->request_id, rc->ctx.region_id,
				 err->message);
		else
			log_warn("request %s: region %" G_GINT64_FORMAT " names logo file %" G_GINT64_FORMAT
				 ", which it does not have", rc->req->request_id, rc->ctx.region_id, id);
		return;
	}
	if (strcmp(f->purpose, file_rules_region_logo.purpose) || strcmp(f->visibility, "public") ||
	    f->width <= 0 || f->height <= 0) {
		log_warn("request %s: file %" G_GINT64_FORMAT " is not a public logo; not shown",
			 rc->req->request_id, id);
		return;
	}
	fit(f->width, f->height, HEADER_LOGO_MAX_WIDTH, HEADER_LOGO_HEIGHT, true, &hw, &hh);
	src = file_href(rc, id, f->name);
	json_object_set_new(rc->region, "logo",
			    json_pack("{s:I,s:s,s:s,s:s,s:I,s:i,s:i,s:i,s:i}", "id", (json_int_t)id,
				      "src", src, "name", f->name, "media_type", f->media_type,
				      "size", (json_int_t)f->size, "width", f->width, "height",
				      f->height, "header_width", hw, "header_height", hh));
}

/* ---- the page -------------------------------------------------------- */

typedef struct contact_field {
	const char *name;      /* form field, column of region */
	const char *office;    /* key in the region model's "office" */
	const char *label;     /* msgid */
	const char *hint;      /* msgid or NULL */
	const char *type;      /* input type */
	const char *inputmode; /* or NULL */
	long max_chars;
	bool required;
} contact_field;

static const contact_field contact_fields[] = {
	{"office_name", "name", N_("Name of the office"),
	 N_("As it appears in the footer and the imprint."), "text", NULL, 200, true},
	{"office_unit", "unit", N_("Organisational unit"),
	 N_("For example the department the office belongs to."), "text", NULL, 200, false},
	{"street", "street", N_("Street and number"), NULL, "text", NULL, 200, false},
	{"postcode", "postcode", N_("Postcode"), N_("Five digits."), "text", "numeric", 5, false},
	{"city", "city", N_("Town or city"), NULL, "text", NULL, 100, false},
	{"phone", "phone", N_("Phone"), N_("For example +49 203 283-1234."), "tel", NULL, 50, false},
	{"email", "email", N_("Email address"), N_("For example bildungsregion@stadt.example."),
	 "email", NULL, 254, false},
	{"website", "website", N_("Website"), N_("For example https://www.bildungsregion.example."),
	 "url", NULL, 300, false},
};
#define N_CONTACT G_N_ELEMENTS(contact_fields)

typedef struct page_state {
	int status;
	const char *notice;
	const char *logo_error;                  /* message next to the file input */
	bool contact_posted;                     /* values come from the form */
	const char *contact_values[N_CONTACT];
	const char *contact_errors[N_CONTACT];
} page_state;

static const char *office_value(const req_ctx *rc, const contact_field *cf)
{
	json_t *office = json_object_get(rc->region, "office");
	const char *v = json_string_value(json_object_get(office, cf->office));
	return v ? v : "";
}

static json_t *logo_model(req_ctx *rc)
{
	json_t *logo = json_object_get(rc->region, "logo");
	const char *region_name = json_string_value(json_object_get(rc->region, "name"));
	g_autofree char *alt = NULL, *facts = NULL, *size = NULL, *w = NULL, *h = NULL;
	int pw, ph;

	if (!logo)
		return json_pack("{s:b}", "has_logo", false);
	fit((int)json_integer_value(json_object_get(logo, "width")),
	    (int)json_integer_value(json_object_get(logo, "height")), PREVIEW_MAX_WIDTH,
	    PREVIEW_MAX_HEIGHT, false, &pw, &ph);
	alt = view_tf(rc, N_("Logo of {region}"), "region", region_name ? region_name : "", NULL);
	size = size_label(rc, json_integer_value(json_object_get(logo, "size")));
	w = format_int(rc->req->lang, json_integer_value(json_object_get(logo, "width")));
	h = format_int(rc->req->lang, json_integer_value(json_object_get(logo, "height")));
	facts = view_tf(rc, N_("{type}, {width} × {height} pixels, {size}"), "type",
			type_label(json_string_value(json_object_get(logo, "media_type"))), "width",
			w, "height", h, "size", size, NULL);
	return json_pack("{s:b,s:O,s:O,s:s,s:s,s:i,s:i}", "has_logo", true, "src",
			 json_object_get(logo, "src"), "name", json_object_get(logo, "name"), "alt",
			 alt, "facts", facts, "width", pw, "height", ph);
}

static json_t *contact_model(req_ctx *rc, const page_state *ps)
{
	json_t *fields = json_array();

	for (size_t i = 0; i < N_CONTACT; i++) {
		const contact_field *cf = &contact_fields[i];
		const char *value = ps->contact_posted ? ps->contact_values[i] : office_value(rc, cf);
		const char *error = ps->contact_errors[i] ? ps->contact_errors[i] : "";
		g_autoptr(GString) described = g_string_new(NULL);
		g_autofree char *id = g_strconcat("region-", cf->name, NULL);

		if (cf->hint)
			g_string_append_printf(described, "%s-hint", id);
		if (*error)
			g_string_append_printf(described, "%s%s-error", described->len ? " " : "", id);
		json_array_append_new(fields, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "name", cf->name, "id", id,
			"label", view_t(rc, cf->label), "hint", cf->hint ? view_t(rc, cf->hint) : "",
			"type", cf->type, "inputmode", cf->inputmode ? cf->inputmode : "", "value",
			value ? value : "", "error", error, "required", cf->required, "describedby",
			described->str));
	}
	return fields;
}

static int settings_page(req_ctx *rc, const page_state *ps)
{
	g_autofree char *logo_action = view_href(rc, "/verwaltung/region/logo");
	g_autofree char *remove_action = view_href(rc, "/verwaltung/region/logo/entfernen");
	g_autofree char *contact_action = view_href(rc, "/verwaltung/region/kontakt");
	g_autofree char *letter_pdf = view_href(rc, "/verwaltung/region/briefbogen.pdf");
	g_autofree char *table_pdf = view_href(rc, "/verwaltung/region/tabelle.pdf");
	g_autofree char *limit = size_label(rc, (int64_t)logo_limit(rc));
	g_autofree char *hint = view_tf(rc, N_("A PNG, JPEG or WebP image of at most {size}. It is shown 40 pixels high at the top of every page; a wide logo with a transparent or white background works best."),
					"size", limit, NULL);
	const char *fields[N_CONTACT + 1];
	const char *messages[N_CONTACT + 1];
	json_t *errors;

	fields[0] = "logo";
	messages[0] = ps->logo_error;
	for (size_t i = 0; i < N_CONTACT; i++) {
		fields[i + 1] = contact_fields[i].name;
		messages[i + 1] = ps->contact_errors[i];
	}
	errors = view_form_errors(fields, messages, N_CONTACT + 1);
	json_t *model = json_pack(
		"{s:s,s:s,s:b,s:o,s:o,s:{s:s,s:s,s:s,s:s,s:s},s:{s:s,s:o}}", "region_name",
		json_string_value(json_object_get(rc->region, "name")), "notice",
		ps->notice ? ps->notice : "", "has_errors", json_array_size(errors) > 0, "errors",
		errors, "logo", logo_model(rc), "logo_form", "action", logo_action,
		"remove_action", remove_action, "hint", hint, "error",
		ps->logo_error ? ps->logo_error : "", "accept", "image/png,image/jpeg,image/webp",
		"contact", "action", contact_action, "fields", contact_model(rc, ps));
	json_object_set_new(model, "letterhead",
			    json_pack("{s:s,s:s}", "letter", letter_pdf, "table", table_pdf));
	return view_page_full(rc, ps->status ? ps->status : 200, "pages/admin_region",
			      view_t(rc, N_("Region settings")), model, NULL);
}

static int settings_get(req_ctx *rc)
{
	page_state ps = {0};
	const char *saved = http_params_get(rc->req->query, "gespeichert");

	if (!g_strcmp0(saved, "logo"))
		ps.notice = view_t(rc, N_("The logo has been saved. It now appears at the top of every page."));
	else if (!g_strcmp0(saved, "logo-entfernt"))
		ps.notice = view_t(rc, N_("The logo has been removed."));
	else if (!g_strcmp0(saved, "kontakt"))
		ps.notice = view_t(rc, N_("The contact details have been saved."));
	return settings_page(rc, &ps);
}

/* After a change: the region as stored now, for a JSON answer. */
static void reload_region(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	json_t *fresh = region_store_get_by_slug(
		&rc->ctx, json_string_value(json_object_get(rc->region, "slug")), &err);

	if (!fresh) {
		log_warn("request %s: reloading the region failed: %s", rc->req->request_id,
			 err ? err->message : "not found");
		return;
	}
	json_decref(rc->region);
	rc->region = fresh;
	region_logo_attach(rc);
}

static int saved(req_ctx *rc, const char *what, const char *notice)
{
	if (rc->req->wants_json) {
		page_state ps = {.notice = notice};
		reload_region(rc);
		return settings_page(rc, &ps);
	}
	g_autofree char *to = g_strconcat("/verwaltung/region?gespeichert=", what, NULL);
	return view_redirect(rc, to);
}

/* ---- logo ------------------------------------------------------------ */

static const http_upload *find_upload(const req_ctx *rc, const char *field)
{
	for (guint i = 0; rc->req->uploads && i < rc->req->uploads->len; i++) {
		const http_upload *u = g_ptr_array_index(rc->req->uploads, i);
		if (!strcmp(u->field, field))
			return u;
	}
	return NULL;
}

/* The message next to the file input for a file the rules refused. */
static char *logo_message(req_ctx *rc, const GError *err)
{
	g_autofree char *limit = NULL;

	switch (err->code) {
	case FILE_ERROR_EMPTY:
		return g_strdup(view_t(rc, N_("Please choose an image file for the logo.")));
	case FILE_ERROR_TOO_LARGE:
		limit = size_label(rc, (int64_t)logo_limit(rc));
		return view_tf(rc, N_("The file is too large: the logo may have at most {size}. Please make the image smaller or save it with stronger compression."),
			       "size", limit, NULL);
	case FILE_ERROR_TYPE:
		return g_strdup(view_t(rc, N_("This file is not a PNG, JPEG or WebP image. Please choose an image in one of these formats.")));
	default:
		return g_strdup(view_t(rc, N_("The image cannot be read. Please save it again as PNG, JPEG or WebP and upload it once more.")));
	}
}

/* Deletes the region's previous logo file, if it is one. Inside the
 * caller's transaction. */
static int drop_old_logo(req_ctx *rc, int64_t old, GError **err)
{
	g_autoptr(file_info) f = NULL;

	if (old <= 0)
		return 0;
	f = file_stat(&rc->ctx, old, err);
	if (!f)
		return err && *err ? -1 : 0; /* named a file the region does not have */
	if (strcmp(f->purpose, file_rules_region_logo.purpose)) {
		log_warn("request %s: the old logo %" G_GINT64_FORMAT " is a %s file; kept",
			 rc->req->request_id, old, f->purpose);
		return 0;
	}
	return file_delete(&rc->ctx, old, err) < 0 ? -1 : 0;
}

static int logo_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const http_upload *up = find_upload(rc, "logo");
	file_rules rules = file_rules_region_logo;
	const void *data = NULL;
	gsize len = 0;
	int64_t id = 0, old = 0;

	if (up)
		data = g_bytes_get_data(up->data, &len);
	rules.max_bytes = logo_limit(rc);
	if (db_begin(rc->ctx.db, &err) != DB_OK)
		return region_web_status_for(err);
	if (file_put(&rc->ctx, up ? up->filename : NULL, data, len, &rules, &id, &err) < 0) {
		db_rollback(rc->ctx.db);
		if (err->domain == BIREG_FILE_ERROR && err->code != FILE_ERROR_FAILED) {
			g_autofree char *msg = logo_message(rc, err);
			page_state ps = {.status = 422, .logo_error = msg};
			log_info("request %s: logo refused: %s", rc->req->request_id, err->message);
			return settings_page(rc, &ps);
		}
		log_error("request %s: storing the logo failed: %s", rc->req->request_id,
			  err->message);
		return region_web_status_for(err);
	}
	if (region_store_set_logo(&rc->ctx, id, &old, &err) < 0 ||
	    (old != id && drop_old_logo(rc, old, &err) < 0) || db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		log_error("request %s: setting the logo failed: %s", rc->req->request_id,
			  err ? err->message : "?");
		return region_web_status_for(err);
	}
	log_info("request %s: logo of region %" G_GINT64_FORMAT " is now file %" G_GINT64_FORMAT
		 " (%zu bytes), set by account %" G_GINT64_FORMAT, rc->req->request_id,
		 rc->ctx.region_id, id, (size_t)len, rc->ctx.user_id);
	return saved(rc, "logo", view_t(rc, N_("The logo has been saved. It now appears at the top of every page.")));
}

static int logo_remove(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	int64_t old = 0;

	if (db_begin(rc->ctx.db, &err) != DB_OK)
		return region_web_status_for(err);
	if (region_store_set_logo(&rc->ctx, 0, &old, &err) < 0 || drop_old_logo(rc, old, &err) < 0 ||
	    db_commit(rc->ctx.db, &err) != DB_OK) {
		db_rollback(rc->ctx.db);
		log_error("request %s: removing the logo failed: %s", rc->req->request_id,
			  err ? err->message : "?");
		return region_web_status_for(err);
	}
	log_info("request %s: logo of region %" G_GINT64_FORMAT " removed by account %" G_GINT64_FORMAT,
		 rc->req->request_id, rc->ctx.region_id, rc->ctx.user_id);
	return saved(rc, "logo-entfernt", view_t(rc, N_("The logo has been removed.")));
}

/* ---- contact --------------------------------------------------------- */

static bool plausible_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (g_ascii_isspace(*p) || strchr("<>,;\"()[]\\", *p))
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

static bool plausible_phone(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (!strchr(" +-/()", *p))
			return false;
	}
	return digits >= 3;
}

static bool plausible_website(const char *s)
{
	g_autoptr(GUri) uri = NULL;
	const char *scheme;

	if (strpbrk(s, " \t\"<>"))
		return false;
	uri = g_uri_parse(s, G_URI_FLAGS_NONE, NULL);
	if (!uri)
		return false;
	scheme = g_uri_get_scheme(uri);
	return (!g_ascii_strcasecmp(scheme, "https") || !g_ascii_strcasecmp(scheme, "http")) &&
	       g_uri_get_host(uri) && strchr(g_uri_get_host(uri), '.') && !g_uri_get_userinfo(uri);
}

static bool five_digits(const char *s)
{
	if (strlen(s) != 5)
		return false;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	return true;
}

/* The message for field i with value v, or NULL when v is fine. */
static char *contact_error(req_ctx *rc, size_t i, const char *v)
{
	const contact_field *cf = &contact_fields[i];

	if (!*v)
		return cf->required ? g_strdup(view_t(rc, N_("Please enter the name of the office.")))
				    : NULL;
	if (g_utf8_strlen(v, -1) > cf->max_chars) {
		g_autofree char *max = format_int(rc->req->lang, cf->max_chars);
		return view_tf(rc, N_("This entry is too long: at most {max} characters."), "max",
			       max, NULL);
	}
	if (!strcmp(cf->name, "postcode") && !five_digits(v))
		return g_strdup(view_t(rc, N_("Please enter a postcode of five digits, e.g. 47051, or leave the field empty.")));
	if (!strcmp(cf->name, "phone") && !plausible_phone(v))
		return g_strdup(view_t(rc, N_("Please enter a phone number of digits, spaces and + - / ( ), e.g. +49 203 283-1234, or leave the field empty.")));
	if (!strcmp(cf->name, "email") && !plausible_email(v))
		return g_strdup(view_t(rc, N_("Please enter a valid e-mail address, e.g. name@example.org, or leave the field empty.")));
	if (!strcmp(cf->name, "website") && !plausible_website(v))
		return g_strdup(view_t(rc, N_("Please enter a web address that starts with https://, e.g. https://www.bildungsregion.example, or leave the field empty.")));
	return NULL;
}

static int contact_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	char *values[N_CONTACT] = {0};
	char *errors[N_CONTACT] = {0};
	page_state ps = {.status = 422, .contact_posted = true};
	bool bad = false;
	int status;

	for (size_t i = 0; i < N_CONTACT; i++) {
		char *v = text_collapse_ws(view_form_field(rc, contact_fields[i].name));
		values[i] = v ? v : g_strdup("");
		errors[i] = contact_error(rc, i, values[i]);
		bad |= errors[i] != NULL;
		ps.contact_values[i] = values[i];
		ps.contact_errors[i] = errors[i];
	}
	if (bad) {
		status = settings_page(rc, &ps);
	} else {
		region_contact in = {
			.office_name = values[0], .office_unit = values[1], .street = values[2],
			.postcode = values[3], .city = values[4], .phone = values[5],
			.email = values[6], .website = values[7],
		};
		/* Contact addresses are stored as typed, except that an e-mail
		 * address is compared and used in lower case everywhere. */
		g_autofree char *email = g_utf8_strdown(values[6], -1);
		in.email = email;
		if (region_store_update_contact(&rc->ctx, &in, &err) < 0) {
			log_error("request %s: saving the contact details failed: %s",
				  rc->req->request_id, err->message);
			status = region_web_status_for(err);
		} else {
			log_info("request %s: contact details of region %" G_GINT64_FORMAT
				 " changed by account %" G_GINT64_FORMAT, rc->req->request_id,
				 rc->ctx.region_id, rc->ctx.user_id);
			status = saved(rc, "kontakt", view_t(rc, N_("The contact details have been saved.")));
		}
	}
	for (size_t i = 0; i < N_CONTACT; i++) {
		g_free(values[i]);
		g_free(errors[i]);
	}
	return status;
}

/* ---- routes ---------------------------------------------------------- */

static const param_rule settings_params[] = {
	{.name = "gespeichert", .kind = PARAM_ENUM, .choices = "logo|logo-entfernt|kontakt"},
	{0},
};

/* Generous bounds: the handler gives the precise message. */
static const param_rule contact_params[] = {
	{.name = "office_name", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "office_unit", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "street", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "postcode", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "city", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "phone", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "email", .kind = PARAM_STRING, .max_len = 4000},
	{.name = "website", .kind = PARAM_STRING, .max_len = 4000},
	{0},
};

const route region_admin_routes[] = {
	{HTTP_GET, "/verwaltung/region", "admin.region", perm_admin, "admin", settings_params,
	 settings_get, ROUTE_REGION, 0},
	{HTTP_POST, "/verwaltung/region/logo", "admin.region.logo", perm_admin, "admin", NULL,
	 logo_post, ROUTE_REGION, LOGO_MAX_BODY},
	{HTTP_POST, "/verwaltung/region/logo/entfernen", "admin.region.logo.remove", perm_admin,
	 "admin", NULL, logo_remove, ROUTE_REGION, 16 * 1024},
	{HTTP_POST, "/verwaltung/region/kontakt", "admin.region.contact", perm_admin, "admin",
	 contact_params, contact_post, ROUTE_REGION, 64 * 1024},
	/* Letterhead previews (letterhead_web.c): the office may check them too. */
	{HTTP_GET, "/verwaltung/region/briefbogen.pdf", "admin.region.letterhead_pdf", perm_office,
	 "office", NULL, letterhead_letter_pdf, ROUTE_REGION, 0},
	{HTTP_GET, "/verwaltung/region/tabelle.pdf", "admin.region.table_pdf", perm_office, "office",
	 NULL, letterhead_table_pdf, ROUTE_REGION, 0},
	{0},
};
