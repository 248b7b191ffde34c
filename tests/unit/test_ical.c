/*
 * test_ical.c — calendar entries (src/out/ical.c): invitations, cancellations
 * and feeds are written, parsed back with libical's parser and checked
 * property by property; local times across both DST changes of 2026 (checked
 * against GLib's own reading of the system's tzdata, and back to UTC through
 * the VTIMEZONE the file carries); folding of long German text (every line at
 * most 75 octets, never inside a UTF-8 sequence, the unfolded text equal to
 * the input); escaping; and every kind of bad input.
 *
 * No database: the module only makes text.
 */
#include <libical/ical.h>
#include <string.h>

#include "build_config.h"
#include "out/ical.h"

#define ORGANIZER_EMAIL "bildungsregion@example.org"
#define ORGANIZER_NAME "Geschäftsstelle der Bildungsregion Duisburg, Büro Süd"
#define URL1 "https://bireg.example/r/duisburg/sitzungen/42"

/* 2026-03-29 10:00 CEST .. 11:30 CEST (the clocks went forward at 02:00). */
#define SPRING_START G_GINT64_CONSTANT(1774771200) /* 2026-03-29T08:00:00Z */
#define SPRING_END G_GINT64_CONSTANT(1774776600)   /* 2026-03-29T09:30:00Z */
/* 2026-10-25 10:00 CET .. 12:00 CET (the clocks went back at 03:00). */
#define AUTUMN_START G_GINT64_CONSTANT(1792918800) /* 2026-10-25T09:00:00Z */
#define AUTUMN_END G_GINT64_CONSTANT(1792926000)   /* 2026-10-25T11:00:00Z */

static const char *const attendees[] = {"anna.mueller@example.org", "joerg.schaefer@example.net",
					NULL};

static ical_event sample_event(void)
{
	return (ical_event){
		.uid = "meeting-42@bireg.example",
		.sequence = 1,
		.summary = "Sitzung des Lenkungskreises: Übergänge gestalten",
		.description = "Tagesordnung:\n1. Begrüßung\n2. Berichte aus den Arbeitsgruppen",
		.location = "Rathaus Duisburg, Großer Saal; Burgplatz 19",
		.url = URL1,
		.start_utc = SPRING_START,
		.end_utc = SPRING_END,
		.organizer_email = ORGANIZER_EMAIL,
		.organizer_name = ORGANIZER_NAME,
		.attendees = attendees,
		.status = "CONFIRMED",
	};
}

/* ---- helpers ---------------------------------------------------------------- */

/* A libical string (malloc'd by libical) as a GLib string. */
static char *from_ical(char *s)
{
	char *out = g_strdup(s);
	if (s)
		icalmemory_free_buffer(s);
	return out;
}

static char *param(icalproperty *p, const char *name)
{
	return from_ical(icalproperty_get_parameter_as_string_r(p, name));
}

static char *value(icalproperty *p)
{
	return from_ical(icalproperty_get_value_as_string_r(p));
}

static icalproperty *only_prop(icalcomponent *c, icalproperty_kind kind)
{
	g_assert_cmpint(icalcomponent_count_properties(c, kind), ==, 1);
	return icalcomponent_get_first_property(c, kind);
}

static char *x_prop(icalcomponent *c, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
		if (!strcmp(icalproperty_get_x_name(p), name))
			return g_strdup(icalproperty_get_x(p));
	return NULL;
}

/* The physical lines: each ends with CRLF, has at most 75 octets, is valid
 * UTF-8 on its own (so no fold splits a character), and a continuation line
 * starts with one space. Returns the number of folded lines. */
static int assert_lines(const char *ics)
{
	const char *p = ics;
	int folded = 0;

	g_assert_true(g_str_has_prefix(ics, "BEGIN:VCALENDAR\r\n"));
	g_assert_true(g_str_has_suffix(ics, "END:VCALENDAR\r\n"));
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		g_assert_nonnull(eol);
		size_t len = (size_t)(eol - p);
		if (len > 75)
			g_error("line longer than 75 octets (%zu): %.*s", len, (int)len, p);
		g_assert_null(memchr(p, '\n', len));
		g_assert_null(memchr(p, '\r', len));
		if (!g_utf8_validate(p, (gssize)len, NULL))
			g_error("a line is not valid UTF-8 on its own: %.*s", (int)len, p);
		if (*p == ' ') {
			folded++;
			g_assert_cmpint(len, >, 1);
		}
		p = eol + 2;
	}
	return folded;
}

static icalcomponent *parse(const char *ics)
{
	icalcomponent *cal = icalparser_parse_string(ics);

	g_assert_nonnull(cal);
	g_assert_cmpint(icalcomponent_isa(cal), ==, ICAL_VCALENDAR_COMPONENT);
	g_assert_cmpint(icalcomponent_count_errors(cal), ==, 0);
	return cal;
}

/* The calendar's frame: PRODID, VERSION, METHOD, exactly one VTIMEZONE with
 * the plain TZID, and the number of events. */
static void assert_frame(icalcomponent *cal, icalproperty_method method, int events)
{
	icalcomponent *vtz;
	g_autofree char *prodid = value(only_prop(cal, ICAL_PRODID_PROPERTY));
	g_autofree char *version = value(only_prop(cal, ICAL_VERSION_PROPERTY));

	g_assert_cmpstr(prodid, ==, "-//bireg//bireg " BIREG_VERSION "//DE");
	g_assert_cmpstr(version, ==, "2.0");
	g_assert_cmpint(icalcomponent_get_method(cal), ==, method);
	g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), ==, 1);
	vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	g_autofree char *tzid = value(only_prop(vtz, ICAL_TZID_PROPERTY));
	g_assert_cmpstr(tzid, ==, "Europe/Berlin");
	g_assert_cmpint(icalcomponent_count_components(vtz, ICAL_ANY_COMPONENT), >=, 2);
	g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, events);
}

/* t as local time in Europe/Berlin by GLib (independent of libical). */
static char *glib_local(gint64 t)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier("Europe/Berlin");
	g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) l = g_date_time_to_timezone(u, tz);

	g_assert_nonnull(tz);
	return g_date_time_format(l, "%Y%m%dT%H%M%S");
}

/* DTSTART or DTEND: TZID=Europe/Berlin, the local time GLib gives for want,
 * and back to UTC through the file's own VTIMEZONE. */
static void assert_local_time(icalcomponent *vev, icalproperty_kind kind, gint64 want)
{
	icalproperty *p = only_prop(vev, kind);
	g_autofree char *tzid = param(p, "TZID");
	g_autofree char *v = value(p);
	g_autofree char *local = glib_local(want);
	struct icaltimetype tt;

	g_assert_cmpstr(tzid, ==, "Europe/Berlin");
	g_assert_cmpstr(v, ==, local);
	tt = kind == ICAL_DTSTART_PROPERTY ? icalcomponent_get_dtstart(vev)
					   : icalcomponent_get_dtend(vev);
	g_assert_nonnull(tt.zone);
	g_assert_cmpstr(icaltimezone_get_tzid((icaltimezone *)tt.zone), ==, "Europe/Berlin");
	g_assert_cmpint((gint64)icaltime_as_timet_with_zone(tt, tt.zone), ==, want);
}

/* out is the result of a call that got &err (call it before: the order in
 * which arguments are evaluated is unspecified). */
static void assert_invalid(char *out, GError *err, const char *part)
{
	g_assert_null(out);
	g_assert_error(err, BIREG_ICAL_ERROR, ICAL_ERROR_INVALID);
	if (!strstr(err->message, part))
		g_error("error \"%s\" does not mention \"%s\"", err->message, part);
	g_error_free(err);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_init(void)
{
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(ical_init(&err), ==, 0);
	g_assert_cmpint(ical_init(&err), ==, 0);
	g_assert_no_error(err);
}

static void test_request(void)
{
	g_autoptr(GError) err = NULL;
	ical_event ev = sample_event();
	g_autofree char *ics = ical_request(&ev, &err);
	icalcomponent *cal, *vev;
	icalproperty *p;
	int n = 0;

	g_assert_no_error(err);
	g_assert_nonnull(ics);
	assert_lines(ics);
	g_assert_nonnull(strstr(ics, "\r\nMETHOD:REQUEST\r\n"));
	g_assert_nonnull(strstr(ics, "\r\nDTSTART;TZID=Europe/Berlin:20260329T100000\r\n"));
	g_assert_nonnull(strstr(ics, "\r\nDTEND;TZID=Europe/Berlin:20260329T113000\r\n"));
	/* the name holds a comma: quoted; umlauts stay UTF-8 */
	g_assert_nonnull(strstr(ics, "ORGANIZER;CN=\"Geschäftsstelle der Bildungsregion Duisburg, "));
	g_assert_null(strstr(ics, "freeassociation"));

	cal = parse(ics);
	assert_frame(cal, ICAL_METHOD_REQUEST, 1);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	g_assert_cmpstr(icalcomponent_get_uid(vev), ==, "meeting-42@bireg.example");
	g_assert_cmpint(icalcomponent_get_sequence(vev), ==, 1);
	g_assert_cmpstr(icalcomponent_get_summary(vev), ==, ev.summary);
	g_assert_cmpstr(icalcomponent_get_location(vev), ==, ev.location);
	g_assert_cmpstr(icalcomponent_get_description(vev), ==,
			"Tagesordnung:\n1. Begrüßung\n2. Berichte aus den Arbeitsgruppen\n\n" URL1);
	g_assert_cmpint(icalcomponent_get_status(vev), ==, ICAL_STATUS_CONFIRMED);
	{
		g_autofree char *url = value(only_prop(vev, ICAL_URL_PROPERTY));
		g_assert_cmpstr(url, ==, URL1);
	}
	assert_local_time(vev, ICAL_DTSTART_PROPERTY, SPRING_START);
	assert_local_time(vev, ICAL_DTEND_PROPERTY, SPRING_END);
	{
		struct icaltimetype stamp = icalcomponent_get_dtstamp(vev);
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		g_assert_true(icaltime_is_utc(stamp));
		g_assert_cmpint(llabs(icaltime_as_timet(stamp) - now), <=, 60);
	}
	p = only_prop(vev, ICAL_ORGANIZER_PROPERTY);
	{
		g_autofree char *org = value(p);
		g_autofree char *cn = param(p, "CN");
		g_assert_cmpstr(org, ==, "mailto:" ORGANIZER_EMAIL);
		g_assert_cmpstr(cn, ==, ORGANIZER_NAME);
	}
	g_assert_cmpint(icalcomponent_count_properties(vev, ICAL_ATTENDEE_PROPERTY), ==, 2);
	for (p = icalcomponent_get_first_property(vev, ICAL_ATTENDEE_PROPERTY); p;
	     p = icalcomponent_get_next_property(vev, ICAL_ATTENDEE_PROPERTY), n++) {
		g_autofree char *addr = value(p);
		g_autofree char *rsvp = param(p, "RSVP");
		g_autofree char *partstat = param(p, "PARTSTAT");
		g_autofree char *role = param(p, "ROLE");
		g_autofree char *want = g_strconcat("mailto:", attendees[n], NULL);
		g_assert_cmpstr(addr, ==, want);
		g_assert_cmpstr(rsvp, ==, "FALSE");
		g_assert_cmpstr(partstat, ==, "NEEDS-ACTION");
		g_assert_cmpstr(role, ==, "REQ-PARTICIPANT");
	}
	icalcomponent_free(cal);

	/* Without a description the link alone is the description; no STATUS. */
	ev.description = NULL;
	ev.status = NULL;
	g_free(ics);
	ics = ical_request(&ev, &err);
	g_assert_no_error(err);
	cal = parse(ics);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	g_assert_cmpstr(icalcomponent_get_description(vev), ==, URL1);
	g_assert_cmpint(icalcomponent_count_properties(vev, ICAL_STATUS_PROPERTY), ==, 0);
	icalcomponent_free(cal);
}

static void test_cancel(void)
{
	g_autoptr(GError) err = NULL;
	ical_event ev = sample_event();
	g_autofree char *ics = NULL;
	icalcomponent *cal, *vev;

	ev.sequence = 2;
	ev.status = NULL;
	ics = ical_cancel(&ev, &err);
	g_assert_no_error(err);
	assert_lines(ics);
	g_assert_nonnull(strstr(ics, "\r\nMETHOD:CANCEL\r\n"));
	cal = parse(ics);
	assert_frame(cal, ICAL_METHOD_CANCEL, 1);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	g_assert_cmpstr(icalcomponent_get_uid(vev), ==, "meeting-42@bireg.example");
	g_assert_cmpint(icalcomponent_get_sequence(vev), ==, 2);
	g_assert_cmpint(icalcomponent_get_status(vev), ==, ICAL_STATUS_CANCELLED);
	g_assert_cmpint(icalcomponent_count_properties(vev, ICAL_ATTENDEE_PROPERTY), ==, 2);
	g_assert_cmpint(icalcomponent_count_properties(vev, ICAL_ORGANIZER_PROPERTY), ==, 1);
	assert_local_time(vev, ICAL_DTSTART_PROPERTY, SPRING_START);
	icalcomponent_free(cal);

	/* A cancellation given as CONFIRMED is still CANCELLED. */
	ev.status = "CONFIRMED";
	g_free(ics);
	ics = ical_cancel(&ev, &err);
	g_assert_no_error(err);
	g_assert_nonnull(strstr(ics, "\r\nSTATUS:CANCELLED\r\n"));
	g_assert_null(strstr(ics, "CONFIRMED"));
}

static void test_publish(void)
{
	g_autoptr(GError) err = NULL;
	ical_event evs[3] = {sample_event(), sample_event(), sample_event()};
	g_autofree char *ics = NULL;
	icalcomponent *cal, *vev;
	const char *urls[] = {URL1, "https://bireg.example/r/duisburg/sitzungen/43",
			      "https://bireg.example/r/duisburg/sitzungen/44"};
	int i = 0;

	evs[1].uid = "meeting-43@bireg.example";
	evs[1].url = urls[1];
	evs[1].start_utc = AUTUMN_START;
	evs[1].end_utc = AUTUMN_END;
	evs[1].sequence = 0;
	evs[2].uid = "meeting-44@bireg.example";
	evs[2].url = urls[2];
	evs[2].description = "Schon mit Link: https://bireg.example/r/duisburg/sitzungen/44";
	evs[2].status = "CANCELLED";
	evs[2].organizer_email = NULL; /* optional in a feed */
	evs[2].start_utc = SPRING_START + 7 * 86400;
	evs[2].end_utc = SPRING_END + 7 * 86400;
	ics = ical_publish("Termine der Bildungsregion Duisburg – Übersicht", evs, 3, &err);
	g_assert_no_error(err);
	assert_lines(ics);
	/* attendees' addresses are never published */
	g_assert_null(strstr(ics, "ATTENDEE"));
	g_assert_null(strstr(ics, "mueller"));
	cal = parse(ics);
	assert_frame(cal, ICAL_METHOD_PUBLISH, 3);
	{
		g_autofree char *name = x_prop(cal, "X-WR-CALNAME");
		g_autofree char *tz = x_prop(cal, "X-WR-TIMEZONE");
		g_assert_cmpstr(name, ==, "Termine der Bildungsregion Duisburg – Übersicht");
		g_assert_cmpstr(tz, ==, "Europe/Berlin");
	}
	for (vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); vev;
	     vev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), i++) {
		g_autofree char *url = value(only_prop(vev, ICAL_URL_PROPERTY));
		const char *desc = icalcomponent_get_description(vev);
		g_assert_cmpstr(url, ==, urls[i]);
		g_assert_nonnull(strstr(desc, urls[i]));
		g_assert_cmpstr(icalcomponent_get_uid(vev), ==, evs[i].uid);
		g_assert_cmpint(icalcomponent_get_sequence(vev), ==, evs[i].sequence);
		assert_local_time(vev, ICAL_DTSTART_PROPERTY, evs[i].start_utc);
		assert_local_time(vev, ICAL_DTEND_PROPERTY, evs[i].end_utc);
	}
	/* the link is not repeated when the description has it already */
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	vev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT);
	vev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT);
	g_assert_cmpstr(icalcomponent_get_description(vev), ==, evs[2].description);
	g_assert_cmpint(icalcomponent_get_status(vev), ==, ICAL_STATUS_CANCELLED);
	g_assert_cmpint(icalcomponent_count_properties(vev, ICAL_ORGANIZER_PROPERTY), ==, 0);
	icalcomponent_free(cal);

	/* An empty feed is a valid calendar with its time zone. */
	g_free(ics);
	ics = ical_publish("Leer", NULL, 0, &err);
	g_assert_no_error(err);
	cal = parse(ics);
	assert_frame(cal, ICAL_METHOD_PUBLISH, 0);
	icalcomponent_free(cal);
}

/* Local times on both DST days of 2026, against GLib, and back to UTC
 * through the VTIMEZONE in the file. */
static void test_dst(void)
{
	static const struct {
		gint64 start;
		const char *dtstart; /* the line as written */
	} cases[] = {
		/* 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z) */
		{1774744200, "DTSTART;TZID=Europe/Berlin:20260329T013000"}, /* 00:30Z, CET */
		{1774746000, "DTSTART;TZID=Europe/Berlin:20260329T030000"}, /* 01:00Z, CEST */
		{SPRING_START, "DTSTART;TZID=Europe/Berlin:20260329T100000"},
		{1774735200, "DTSTART;TZID=Europe/Berlin:20260328T230000"}, /* the day before */
		/* 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z) */
		{1792881000, "DTSTART;TZID=Europe/Berlin:20261025T003000"}, /* 22:30Z the 24th */
		/* the repeated hour 02:00-03:00: RFC 5545 reads a local time there as the
		 * first pass, libical and pytz as the second: so these are in UTC */
		{1792888200, "DTSTART:20261025T003000Z"}, /* 02:30 CEST, the 1st pass */
		{1792891800, "DTSTART:20261025T013000Z"}, /* 02:30 CET, the 2nd pass */
		{1792886400, "DTSTART:20261025T000000Z"}, /* 02:00 CEST */
		{1792890000, "DTSTART:20261025T010000Z"}, /* 02:00 CET */
		{1792886340, "DTSTART;TZID=Europe/Berlin:20261025T015900"}, /* 23:59Z, before */
		{1792893600, "DTSTART;TZID=Europe/Berlin:20261025T030000"}, /* 02:00Z, CET */
		{AUTUMN_START, "DTSTART;TZID=Europe/Berlin:20261025T100000"},
		/* winter and summer of other years */
		{1798758000, "DTSTART;TZID=Europe/Berlin:20270101T000000"}, /* 2026-12-31T23:00Z */
		{2224479600, "DTSTART;TZID=Europe/Berlin:20400628T090000"}, /* 2040-06-28T07:00Z */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) err = NULL;
		ical_event ev = sample_event();
		g_autofree char *ics = NULL;
		g_autofree char *want = g_strdup_printf("\r\n%s\r\n", cases[i].dtstart);
		icalcomponent *cal, *vev;
		struct icaltimetype tt;

		ev.start_utc = cases[i].start;
		ev.end_utc = cases[i].start + 1800;
		ics = ical_request(&ev, &err);
		g_assert_no_error(err);
		if (!strstr(ics, want))
			g_error("case %zu: want %s in\n%s", i, cases[i].dtstart, ics);
		cal = parse(ics);
		vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
		tt = icalcomponent_get_dtstart(vev);
		if (g_str_has_suffix(cases[i].dtstart, "Z")) {
			g_assert_true(icaltime_is_utc(tt));
		} else {
			g_autofree char *local = glib_local(cases[i].start);
			g_assert_nonnull(strstr(cases[i].dtstart, local));
			assert_local_time(vev, ICAL_DTSTART_PROPERTY, cases[i].start);
		}
		g_assert_cmpint((gint64)icaltime_as_timet_with_zone(tt, tt.zone), ==, cases[i].start);
		/* DTEND half an hour later, by the same rules */
		tt = icalcomponent_get_dtend(vev);
		g_assert_cmpint((gint64)icaltime_as_timet_with_zone(tt, tt.zone), ==,
				cases[i].start + 1800);
		icalcomponent_free(cal);
	}
}

/* A long German description with umlauts and long words: every line at most
 * 75 octets and valid UTF-8 on its own; unfolded, the text is the input. */
static void test_folding(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) desc = g_string_new(NULL);
	g_autoptr(GString) summary = g_string_new("Überörtliche Übergangsgestaltung: ");
	ical_event ev = sample_event();
	g_autofree char *ics = NULL;
	g_autofree char *unfolded = NULL;
	icalcomponent *cal, *vev;
	int folded;

	for (int i = 0; i < 40; i++)
		g_string_append_printf(desc, "Äußerst größere Übungsräume für Schülerinnen und Schüler "
					     "(Nr. %d); Grüße aus Mülheim, Düsseldorf und Köln.\n", i);
	/* no space, colon or semicolon to fold at: 2-byte and 3-byte characters */
	for (int i = 0; i < 60; i++)
		g_string_append(desc, "ÄÖÜäöüß€");
	g_string_append(desc, "\n");
	for (int i = 0; i < 100; i++)
		g_string_append(desc, i % 3 ? "ü" : "a€");
	for (int i = 0; i < 10; i++)
		g_string_append(summary, "Schulübergänge ");
	ev.description = desc->str;
	ev.summary = summary->str;
	ev.location = "Großer Sitzungssaal im Erdgeschoß, Zimmer Ä 0.14; Gebäude „Möhnestraße“";
	ev.organizer_name = "Geschäftsstelle der Bildungsregion Duisburg – Übergang Schule/Beruf, "
			    "Büro für Öffentlichkeitsarbeit";
	ics = ical_request(&ev, &err);
	g_assert_no_error(err);
	folded = assert_lines(ics);
	g_assert_cmpint(folded, >, 40);

	/* unfolding (RFC 5545 3.1) gives the lines that were written */
	{
		g_auto(GStrv) parts = g_strsplit(ics, "\r\n ", -1);
		unfolded = g_strjoinv("", parts);
	}
	g_assert_nonnull(strstr(unfolded, "\r\nSUMMARY:Überörtliche Übergangsgestaltung: Schulübergänge "));
	cal = parse(ics);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	{
		g_autofree char *want = g_strconcat(desc->str, "\n\n", URL1, NULL);
		g_assert_cmpstr(icalcomponent_get_description(vev), ==, want);
	}
	g_assert_cmpstr(icalcomponent_get_summary(vev), ==, g_strchomp(summary->str));
	g_assert_cmpstr(icalcomponent_get_location(vev), ==, ev.location);
	{
		g_autofree char *cn = param(only_prop(vev, ICAL_ORGANIZER_PROPERTY), "CN");
		g_assert_cmpstr(cn, ==, ev.organizer_name);
	}
	icalcomponent_free(cal);
}

/* Commas, semicolons, backslashes and line breaks in TEXT are escaped by
 * libical and come back as they were; CRLF and CR become LF. */
static void test_escaping(void)
{
	g_autoptr(GError) err = NULL;
	ical_event ev = sample_event();
	g_autofree char *ics = NULL;
	g_autofree char *unfolded = NULL;
	icalcomponent *cal, *vev;

	ev.summary = "Haushalt, Planung; Teil 1 \\ Ende";
	ev.description = "Zeile eins\r\nZeile zwei\rZeile drei\n\"Zitat\", Tab\tEnde";
	ev.location = "Raum 1, 2; 3";
	ev.organizer_name = "Büro \"Süd\"; Duisburg";
	ics = ical_request(&ev, &err);
	g_assert_no_error(err);
	assert_lines(ics);
	{
		g_auto(GStrv) parts = g_strsplit(ics, "\r\n ", -1);
		unfolded = g_strjoinv("", parts);
	}
	g_assert_nonnull(strstr(unfolded, "\r\nSUMMARY:Haushalt\\, Planung\\; Teil 1 \\\\ Ende\r\n"));
	g_assert_nonnull(strstr(unfolded, "\r\nLOCATION:Raum 1\\, 2\\; 3\r\n"));
	g_assert_nonnull(strstr(unfolded, "DESCRIPTION:Zeile eins\\nZeile zwei\\nZeile drei\\n"));
	/* a double quote cannot stand in a quoted parameter: RFC 6868 ^' */
	g_assert_nonnull(strstr(unfolded, "ORGANIZER;CN=\"Büro ^'Süd^'; Duisburg\":mailto:"));
	cal = parse(ics);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	g_assert_cmpstr(icalcomponent_get_summary(vev), ==, ev.summary);
	g_assert_cmpstr(icalcomponent_get_location(vev), ==, ev.location);
	g_assert_cmpstr(icalcomponent_get_description(vev), ==,
			"Zeile eins\nZeile zwei\nZeile drei\n\"Zitat\", Tab\tEnde\n\n" URL1);
	icalcomponent_free(cal);
}

static void test_invalid(void)
{
	const ical_event good = sample_event();
	const char *const no_one[] = {NULL};
	const char *const bad_att[] = {"anna.mueller@example.org", "x@example.org\r\nBCC: y@z", NULL};
	const char *const no_at[] = {"anna.mueller.example.org", NULL};
	const char *const two_at[] = {"anna@mueller@example.org", NULL};
	const char *const with_space[] = {"anna mueller@example.org", NULL};
	const char *const angle[] = {"Anna <anna@example.org>", NULL};
	static const char bad_utf8[] = "Sitzung \xc3\x28";
	static const char ctrl[] = "Sitzung \x01 jetzt";
	GError *err = NULL;
	ical_event ev;

#define TRY(setup, fn, part)                       \
	do {                                       \
		ev = good;                         \
		setup;                             \
		err = NULL;                        \
		char *out_ = fn(&ev, &err);        \
		assert_invalid(out_, err, part);   \
	} while (0)

	TRY(ev.uid = NULL, ical_request, "uid is missing");
	TRY(ev.uid = "", ical_request, "uid is missing");
	TRY(ev.uid = "meeting 42@x", ical_request, "uid may only contain visible ASCII");
	TRY(ev.uid = "meeting-42@x\r\nX-EVIL:1", ical_request, "uid may only contain visible ASCII");
	TRY(ev.sequence = -1, ical_request, "sequence is negative");
	TRY(ev.summary = NULL, ical_request, "summary is missing");
	TRY(ev.summary = "", ical_request, "summary is missing");
	TRY(ev.summary = bad_utf8, ical_request, "summary is not valid UTF-8");
	TRY(ev.description = ctrl, ical_request, "description contains a control character");
	TRY(ev.end_utc = ev.start_utc, ical_request, "end is not after its start");
	TRY(ev.end_utc = ev.start_utc - 60, ical_request, "end is not after its start");
	TRY(ev.start_utc = -1, ical_request, "start is outside");
	TRY((ev.start_utc = G_GINT64_CONSTANT(7258118400), ev.end_utc = ev.start_utc + 60),
	    ical_request, "start is outside");
	TRY(ev.organizer_email = NULL, ical_request, "organizer e-mail is missing");
	TRY(ev.organizer_email = "buero@example.org\r\nBcc: x@y", ical_request,
	    "organizer e-mail contains a line break");
	TRY(ev.organizer_email = "buero@example.org\n", ical_cancel,
	    "organizer e-mail contains a line break");
	TRY(ev.organizer_name = "Büro\r\nX-EVIL: 1", ical_request,
	    "organizer name contains a line break");
	TRY(ev.attendees = NULL, ical_request, "needs at least one attendee");
	TRY(ev.attendees = no_one, ical_request, "needs at least one attendee");
	TRY(ev.attendees = bad_att, ical_request, "attendee 2 contains a line break");
	TRY(ev.attendees = no_at, ical_request, "attendee 1 is not an e-mail address");
	TRY(ev.attendees = two_at, ical_request, "attendee 1 is not an e-mail address");
	TRY(ev.attendees = with_space, ical_request, "attendee 1 contains a space");
	TRY(ev.attendees = angle, ical_request, "attendee 1 contains a space");
	TRY(ev.attendees = bad_att, ical_cancel, "attendee 2 contains a line break");
	TRY(ev.url = "javascript:alert(1)", ical_request, "url is not an absolute http(s) URL");
	TRY(ev.url = "https://", ical_request, "url is not an absolute http(s) URL");
	TRY(ev.url = "https://bireg.example/a b", ical_request, "url may only contain visible ASCII");
	TRY(ev.status = "MAYBE", ical_request, "status must be");
	TRY(ev.status = "CANCELLED", ical_request, "use ical_cancel()");
	TRY(ev.sequence = 0, ical_cancel, "sequence of a cancellation must be raised");
	{
		err = NULL;
		char *out = ical_request(NULL, &err);
		assert_invalid(out, err, "no event given");
	}

	/* feeds */
#define INVALID(call, part)                        \
	do {                                       \
		char *out_ = call;                 \
		assert_invalid(out_, err, part);   \
	} while (0)
	{
		ical_event evs[2] = {good, good};
		evs[1].url = NULL;
		err = NULL;
		INVALID(ical_publish("Termine", evs, 2, &err), "event 2: url is missing");
		evs[1] = good;
		evs[1].end_utc = evs[1].start_utc;
		err = NULL;
		INVALID(ical_publish("Termine", evs, 2, &err),
			       "event 2: end is not after its start");
		evs[1] = good;
		err = NULL;
		INVALID(ical_publish("Termine\nX-EVIL:1", evs, 2, &err),
			       "calendar name contains a line break");
		err = NULL;
		INVALID(ical_publish(NULL, evs, 2, &err), "calendar name is missing");
		err = NULL;
		INVALID(ical_publish("Termine", NULL, 2, &err), "no events given");
		/* the attendees' checks do not apply: they are not published */
		evs[1].attendees = bad_att;
		err = NULL;
		g_autofree char *ok = ical_publish("Termine", evs, 2, &err);
		g_assert_no_error(err);
		g_assert_nonnull(ok);
	}
#undef TRY
#undef INVALID
}

static gpointer thread_run(gpointer data)
{
	for (int i = 0; i < 50; i++) {
		g_autoptr(GError) err = NULL;
		ical_event ev = sample_event();
		ev.start_utc = SPRING_START + (gint64)GPOINTER_TO_INT(data) * 86400 * 37 + i * 86400 * 3;
		ev.end_utc = ev.start_utc + 3600;
		g_autofree char *ics = ical_request(&ev, &err);
		g_autofree char *local = glib_local(ev.start_utc);
		g_assert_no_error(err);
		g_assert_nonnull(strstr(ics, local));
	}
	return NULL;
}

/* Several threads at once, as the job runners and request workers do. */
static void test_threads(void)
{
	GThread *t[4];

	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("ical", thread_run, GINT_TO_POINTER(i));
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;

	g_test_init(&argc, &argv, NULL);
	if (ical_init(&err) < 0)
		g_error("ical_init: %s", err->message);
	g_test_add_func("/ical/init", test_init);
	g_test_add_func("/ical/request", test_request);
	g_test_add_func("/ical/cancel", test_cancel);
	g_test_add_func("/ical/publish", test_publish);
	g_test_add_func("/ical/dst", test_dst);
	g_test_add_func("/ical/folding", test_folding);
	g_test_add_func("/ical/escaping", test_escaping);
	g_test_add_func("/ical/invalid", test_invalid);
	g_test_add_func("/ical/threads", test_threads);
	return g_test_run();
}
