/*
 * ical_test_web.c — sample calendar entries of the request's region, for the
 * HTTP tests only (see ical_test_web.h).
 *
 * The samples are fixed (German text with umlauts, commas, semicolons and
 * line breaks; one event on each DST day of 2026 and one in November), so
 * their UIDs are the same on every request; only DTSTAMP changes. The
 * organizer is the region's office e-mail and name, the links go to
 * server.base_url. Without an office e-mail in the region an invitation or
 * cancellation answers 409 (it needs its organizer); the feed goes without.
 */
#include "modules/system/ical_test_web.h"

#include <string.h>

#include "app.h"
#include "core/log.h"
#include "core/util.h"
#include "modules/region/region_web.h"
#include "out/ical.h"
#include "out/mail.h"
#include "view/view.h"

#define N_SAMPLES 3

typedef struct sample {
	int id;
	gint64 start_utc, end_utc;
	const char *summary, *location, *description;
} sample;

static const sample samples[N_SAMPLES] = {
	{1, 1774771200, 1774778400, /* 2026-03-29 10:00-12:00 CEST, the day the clocks go forward */
	 "Sitzung des Lenkungskreises „Übergänge gestalten“",
	 "Rathaus, Großer Sitzungssaal; Burgplatz 19, 47051 Duisburg",
	 "Tagesordnung:\n"
	 "1. Begrüßung durch die Geschäftsstelle\n"
	 "2. Berichte aus den Arbeitsgruppen (Übergang Kita–Grundschule; Schule–Beruf)\n"
	 "3. Haushalt, Förderanträge und Verschiedenes\n"
	 "Bitte bringen Sie die Unterlagen der letzten Sitzung mit. Für Rückfragen "
	 "erreichen Sie uns werktags zwischen 9 und 15 Uhr."},
	{2, 1792918800, 1792924200, /* 2026-10-25 10:00-11:30 CET, the day the clocks go back */
	 "Arbeitsgruppe Schülerinnen- und Schülerbefragung",
	 "Geschäftsstelle, Raum Ä 0.14",
	 "Auswertung der Befragung; Vorbereitung des Berichts für den Ausschuss."},
	{3, 1795699800, 1795708800, /* 2026-11-26 14:30-17:00 CET */
	 "Bildungskonferenz 2026: Öffentliche Veranstaltung",
	 "Mercatorhalle, Foyer",
	 "Vorträge, Gespräche und Mitmachstände. Der Eintritt ist frei; um Anmeldung "
	 "über bireg wird gebeten."},
};

static const char *const sample_attendees[] = {"anna.mueller@example.org",
					       "joerg.schaefer@example.net", NULL};

/* What every sample event of the region shares; strings owned here. */
typedef struct sample_ctx {
	char *host, *base, *office_email, *office_name, *region_name, *slug;
	char *uid[N_SAMPLES], *url[N_SAMPLES];
} sample_ctx;

static void sample_ctx_clear(sample_ctx *s)
{
	g_free(s->host);
	g_free(s->base);
	g_free(s->office_email);
	g_free(s->office_name);
	g_free(s->region_name);
	g_free(s->slug);
	for (int i = 0; i < N_SAMPLES; i++) {
		g_free(s->uid[i]);
		g_free(s->url[i]);
	}
}

static char *json_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return g_strdup(v && *v ? v : NULL);
}

/* Fills s from the request's region and server.base_url. */
static void sample_ctx_init(sample_ctx *s, req_ctx *rc)
{
	const char *base_url = rc->app->cfg.base_url ? rc->app->cfg.base_url : "";
	json_t *office = json_object_get(rc->region, "office");
	g_autoptr(GUri) uri = g_uri_parse(base_url, G_URI_FLAGS_NONE, NULL);

	memset(s, 0, sizeof(*s));
	s->host = g_strdup(uri && g_uri_get_host(uri) && *g_uri_get_host(uri) ? g_uri_get_host(uri)
									  : "localhost");
	s->base = g_strdup(base_url);
	while (*s->base && g_str_has_suffix(s->base, "/"))
		s->base[strlen(s->base) - 1] = '\0';
	s->office_email = json_str(office, "email");
	s->region_name = json_str(rc->region, "name");
	s->office_name = json_str(office, "name");
	if (!s->office_name)
		s->office_name = g_strdup(s->region_name);
	s->slug = json_str(rc->region, "slug");
	for (int i = 0; i < N_SAMPLES; i++) {
		g_autofree char *path = g_strdup_printf("/sitzungen/%d", samples[i].id);
		g_autofree char *href = view_href(rc, path);
		s->uid[i] = g_strdup_printf("bireg-test-%s-%d@%s", s->slug ? s->slug : "region",
					    samples[i].id, s->host);
		s->url[i] = g_strconcat(s->base, href, NULL);
	}
}

static ical_event sample_event(const sample_ctx *s, int i, int sequence)
{
	return (ical_event){
		.uid = s->uid[i],
		.sequence = sequence,
		.summary = samples[i].summary,
		.description = samples[i].description,
		.location = samples[i].location,
		.url = s->url[i],
		.start_utc = samples[i].start_utc,
		.end_utc = samples[i].end_utc,
		.organizer_email = s->office_email,
		.organizer_name = s->office_name,
		.attendees = sample_attendees,
		.status = "CONFIRMED",
	};
}

static int test_ical(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *kind = http_request_path_param(rc->req, "kind");
	const char *method;
	g_autofree char *ics = NULL;
	g_autofree char *type = NULL;
	sample_ctx s;

	sample_ctx_init(&s, rc);
	if (!strcmp(kind, "request")) {
		ical_event ev = sample_event(&s, 0, 1);
		method = "REQUEST";
		ics = s.office_email ? ical_request(&ev, &err) : NULL;
	} else if (!strcmp(kind, "cancel")) {
		ical_event ev = sample_event(&s, 0, 2); /* one change after the invitation */
		method = "CANCEL";
		ics = s.office_email ? ical_cancel(&ev, &err) : NULL;
	} else if (!strcmp(kind, "publish")) {
		ical_event evs[N_SAMPLES];
		g_autofree char *calname = g_strdup_printf("Termine – %s",
							   s.region_name ? s.region_name : "bireg");
		for (int i = 0; i < N_SAMPLES; i++)
			evs[i] = sample_event(&s, i, i);
		method = "PUBLISH"; /* a feed may go without organizer */
		ics = ical_publish(calname, evs, N_SAMPLES, &err);
	} else {
		sample_ctx_clear(&s);
		return 404;
	}
	if (!ics && !err) {
		log_warn("request %s: region %s has no office e-mail: no organizer for a calendar entry",
			 rc->req->request_id, s.slug ? s.slug : "?");
		sample_ctx_clear(&s);
		return 409;
	}
	sample_ctx_clear(&s);
	if (!ics) {
		log_error("request %s: calendar entry: %s", rc->req->request_id, err->message);
		return 500;
	}
	type = g_strdup_printf("text/calendar; charset=utf-8; method=%s", method);
	rc->resp->status = 200;
	http_response_set_header(rc->resp, "Content-Type", type);
	http_response_set_header(rc->resp, "Cache-Control", "no-store");
	g_string_assign(rc->resp->body, ics);
	return 0;
}

/* Test only: queues an invitation to the first sample event to the form
 * field `to` (name `to_name`) through the outbox: text and HTML, and the
 * .ics (METHOD:REQUEST, the recipient its one attendee) as attachment
 * "einladung.ics" of type text/calendar; method=REQUEST; charset=UTF-8.
 * Answers {id, uid} as JSON (201); 400 naming `to` for a bad address, 409
 * when the region has no office e-mail. */
static int test_ical_invite(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *to = http_params_get(rc->req->form, "to");
	const char *to_name = http_params_get(rc->req->form, "to_name");
	const char *attendee[] = {to, NULL};
	g_autofree char *ics = NULL;
	g_autofree char *uid = NULL;
	char start_iso[21];
	int64_t id = 0;
	sample_ctx s;
	ical_event ev;
	int status = 0;

	sample_ctx_init(&s, rc);
	ev = sample_event(&s, 0, 1);
	ev.attendees = attendee;
	if (!s.office_email) {
		log_warn("request %s: region %s has no office e-mail: no organizer for an invitation",
			 rc->req->request_id, s.slug ? s.slug : "?");
		status = 409;
		goto out;
	}
	ics = ical_request(&ev, &err);
	if (!ics) {
		rc->error_field = "to"; /* the rest is fixed: only the address can be bad */
		status = 400;
		goto out;
	}
	util_iso_at(ev.start_utc, start_iso);
	{
		g_autofree char *when = view_datetime(rc, start_iso);
		g_autofree char *subject = g_strdup_printf("Einladung: %s", ev.summary);
		g_autofree char *text = g_strdup_printf(
			"Guten Tag,\n\nwir laden Sie herzlich ein:\n\n%s\n%s\n%s\n\n"
			"Bitte sagen Sie zu oder ab unter:\n%s\n\n"
			"Den Termin für Ihren Kalender finden Sie im Anhang.\n\n"
			"Mit freundlichen Grüßen\n%s\n",
			ev.summary, when, ev.location, ev.url, s.office_name ? s.office_name : "");
		g_autofree char *h_summary = g_markup_escape_text(ev.summary, -1);
		g_autofree char *h_when = g_markup_escape_text(when, -1);
		g_autofree char *h_location = g_markup_escape_text(ev.location, -1);
		g_autofree char *h_url = g_markup_escape_text(ev.url, -1);
		g_autofree char *h_office = g_markup_escape_text(s.office_name ? s.office_name : "", -1);
		g_autofree char *html = g_strdup_printf(
			"<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
			"<title>%s</title></head><body>\n<p>Guten Tag,</p>\n"
			"<p>wir laden Sie herzlich ein:</p>\n<p><strong>%s</strong><br>%s<br>%s</p>\n"
			"<p><a href=\"%s\">Zusagen oder absagen</a></p>\n"
			"<p>Den Termin für Ihren Kalender finden Sie im Anhang.</p>\n"
			"<p>Mit freundlichen Grüßen<br>%s</p>\n</body></html>\n",
			h_summary, h_summary, h_when, h_location, h_url, h_office);
		g_autoptr(GBytes) data = g_bytes_new(ics, strlen(ics));
		const mail_attachment att = {
			.filename = "einladung.ics",
			.media_type = "text/calendar; method=REQUEST; charset=UTF-8",
			.data = data,
		};
		const mail_message msg = {
			.to_addr = to,
			.to_name = to_name && *to_name ? to_name : NULL,
			.subject = subject,
			.text = text,
			.html = html,
			.attachments = &att,
			.n_attachments = 1,
			.kind = "test.ical_invite",
			.lang = "de",
		};
		if (outbox_enqueue(&rc->ctx, &msg, &id, &err) < 0) {
			if (err->domain == BIREG_MAIL_ERROR) {
				rc->error_field = "to";
				status = 400;
			} else {
				status = region_web_status_for(err);
			}
			goto out;
		}
	}
	uid = g_strdup(ev.uid);
	view_json(rc->resp, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "uid", uid));
out:
	if (err && status >= 500)
		log_error("request %s: invitation: %s", rc->req->request_id, err->message);
	sample_ctx_clear(&s);
	return status;
}

static const param_rule invite_params[] = {
	{.name = "to", .kind = PARAM_STRING, .max_len = 254, .required = true},
	{.name = "to_name", .kind = PARAM_STRING, .max_len = 200},
	{0},
};

const route ical_test_routes[] = {
	{HTTP_GET, "/_test/ical/{kind}", "system.test_ical", NULL, "test", NULL, test_ical,
	 ROUTE_TEST_ONLY | ROUTE_REGION, 0},
	{HTTP_POST, "/_test/ical/invite", "system.test_ical_invite", NULL, "test", invite_params,
	 test_ical_invite, ROUTE_TEST_ONLY | ROUTE_REGION, 16 * 1024},
	{0},
};
