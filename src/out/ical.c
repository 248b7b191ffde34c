/*
 * ical.c — calendar entries with libical (see ical.h).
 *
 * Every function checks its whole input first and only then builds a
 * libical component tree, writes it with icalcomponent_as_ical_string_r()
 * (which escapes TEXT values and folds lines at 75 octets on UTF-8
 * boundaries) and frees the tree: no libical object outlives a call except
 * the time zone made once by ical_init().
 */
#include "out/ical.h"

#include <libical/ical.h>
#include <stdbool.h>
#include <string.h>

#include "build_config.h"

G_DEFINE_QUARK(bireg-ical-error-quark, bireg_ical_error)

#define ZONE_LOCATION "Europe/Berlin"
#define PRODID "-//bireg//bireg " BIREG_VERSION "//DE"
#define MAX_TIME G_GINT64_CONSTANT(7258118400) /* 2200-01-01T00:00:00Z */
#define MAX_SUMMARY 1000
#define MAX_DESCRIPTION (64 * 1024)
#define MAX_NAME 500
#define MAX_URL 2048
#define MAX_EMAIL 254
#define MAX_UID 255
#define MAX_ATTENDEES 1000
#define YEAR_SECONDS (366 * 24 * 3600)

/* Europe/Berlin under its plain TZID: made once by ical_init(), read-only
 * after (libical guards the lazily expanded list of its changes itself). */
static gsize zone_once;
static icaltimezone *zone;

typedef enum { KIND_REQUEST, KIND_CANCEL, KIND_PUBLISH } ical_kind;

static void zone_load(void)
{
	icaltimezone *builtin = icaltimezone_get_builtin_timezone(ZONE_LOCATION);
	icalcomponent *vtz = builtin ? icaltimezone_get_component(builtin) : NULL;
	icalcomponent *copy;
	icalproperty *tzid;
	icaltimezone *z;
	struct icaltimetype far;

	if (!vtz)
		return;
	copy = icalcomponent_new_clone(vtz);
	tzid = icalcomponent_get_first_property(copy, ICAL_TZID_PROPERTY);
	if (!tzid) {
		icalcomponent_free(copy);
		return;
	}
	icalproperty_set_tzid(tzid, ZONE_LOCATION);
	z = icaltimezone_new();
	if (!icaltimezone_set_component(z, copy)) {
		icaltimezone_free(z, 1);
		icalcomponent_free(copy);
		return;
	}
	/* Expand the zone's changes now, on one thread, as far as libical goes. */
	far = icaltime_from_timet_with_zone((time_t)(MAX_TIME - 1), 0,
					    icaltimezone_get_utc_timezone());
	icaltimezone_convert_time(&far, icaltimezone_get_utc_timezone(), z);
	zone = z;
}

int ical_init(GError **err)
{
	if (g_once_init_enter(&zone_once)) {
		zone_load();
		g_once_init_leave(&zone_once, 1);
	}
	if (!zone) {
		g_set_error(err, BIREG_ICAL_ERROR, ICAL_ERROR_ZONE,
			    "time zone %s not found in the system's tzdata (install tzdata)",
			    ZONE_LOCATION);
		return -1;
	}
	return 0;
}

/* ---- input checks -------------------------------------------------------- */

static bool invalid(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool invalid(GError **err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		*err = g_error_new_valist(BIREG_ICAL_ERROR, ICAL_ERROR_INVALID, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Text: UTF-8 within max bytes, no control characters but tab and line
 * breaks (and none of these either when single_line). */
static bool check_text(const char *what, const char *s, size_t max, bool required,
		       bool single_line, GError **err)
{
	size_t len;

	if (!s || !*s || !s[strspn(s, " \t\r\n")])
		return required ? invalid(err, "%s is missing", what) : true;
	len = strlen(s);
	if (len > max)
		return invalid(err, "%s is longer than %zu bytes", what, max);
	if (!g_utf8_validate(s, (gssize)len, NULL))
		return invalid(err, "%s is not valid UTF-8", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (single_line && (*p == '\r' || *p == '\n'))
			return invalid(err, "%s contains a line break", what);
		if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7f)
			return invalid(err, "%s contains a control character", what);
	}
	return true;
}

/* An e-mail address as a calendar address (mailto:): one @ between a local
 * part and a domain, no white space, line break or control character, none
 * of the characters that end an address in a header or a URI. */
static bool check_email(const char *what, const char *s, GError **err)
{
	const char *at;
	size_t len;

	if (!s || !*s)
		return invalid(err, "%s is missing", what);
	len = strlen(s);
	if (len > MAX_EMAIL)
		return invalid(err, "%s is longer than %d bytes", what, MAX_EMAIL);
	if (!g_utf8_validate(s, (gssize)len, NULL))
		return invalid(err, "%s is not valid UTF-8", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\r' || *p == '\n')
			return invalid(err, "%s contains a line break", what);
		if (*p <= 0x20 || *p == 0x7f)
			return invalid(err, "%s contains a space or control character", what);
		if (strchr("\"(),:;<>[\\]", *p))
			return invalid(err, "%s contains the character '%c'", what, *p);
	}
	at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return invalid(err, "%s is not an e-mail address", what);
	return true;
}

/* Visible ASCII only, between 1 and max bytes. */
static bool check_token(const char *what, const char *s, size_t max, GError **err)
{
	if (!s || !*s)
		return invalid(err, "%s is missing", what);
	if (strlen(s) > max)
		return invalid(err, "%s is longer than %zu bytes", what, max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return invalid(err, "%s may only contain visible ASCII characters", what);
	return true;
}

static bool check_url(const char *what, const char *s, bool required, GError **err)
{
	if (!s || !*s)
		return required ? invalid(err, "%s is missing", what) : true;
	if (!check_token(what, s, MAX_URL, err))
		return false;
	if (!(g_ascii_strncasecmp(s, "https://", 8) == 0 && s[8]) &&
	    !(g_ascii_strncasecmp(s, "http://", 7) == 0 && s[7]))
		return invalid(err, "%s is not an absolute http(s) URL", what);
	return true;
}

static bool check_event(const ical_event *ev, ical_kind kind, const char *where, GError **err)
{
	g_autofree char *w_uid = g_strdup_printf("%suid", where);
	g_autofree char *w_summary = g_strdup_printf("%ssummary", where);
	g_autofree char *w_desc = g_strdup_printf("%sdescription", where);
	g_autofree char *w_loc = g_strdup_printf("%slocation", where);
	g_autofree char *w_url = g_strdup_printf("%surl", where);
	g_autofree char *w_org = g_strdup_printf("%sorganizer e-mail", where);
	g_autofree char *w_orgname = g_strdup_printf("%sorganizer name", where);
	size_t n_att = 0;

	if (!check_token(w_uid, ev->uid, MAX_UID, err))
		return false;
	if (ev->sequence < 0)
		return invalid(err, "%ssequence is negative", where);
	if (kind == KIND_CANCEL && ev->sequence < 1)
		return invalid(err, "%ssequence of a cancellation must be raised above the "
				    "invitation's (at least 1)", where);
	if (!check_text(w_summary, ev->summary, MAX_SUMMARY, true, false, err) ||
	    !check_text(w_desc, ev->description, MAX_DESCRIPTION, false, false, err) ||
	    !check_text(w_loc, ev->location, MAX_SUMMARY, false, false, err) ||
	    !check_url(w_url, ev->url, kind == KIND_PUBLISH, err))
		return false;
	if (ev->start_utc < 0 || ev->start_utc >= MAX_TIME)
		return invalid(err, "%sstart is outside the years 1970 to 2199", where);
	if (ev->end_utc <= ev->start_utc)
		return invalid(err, "%send is not after its start", where);
	if (ev->end_utc > MAX_TIME)
		return invalid(err, "%send is outside the years 1970 to 2199", where);
	if (kind != KIND_PUBLISH || (ev->organizer_email && *ev->organizer_email)) {
		if (!check_email(w_org, ev->organizer_email, err))
			return false;
	}
	if (!check_text(w_orgname, ev->organizer_name, MAX_NAME, false, true, err))
		return false;
	if (ev->status && strcmp(ev->status, "CONFIRMED") && strcmp(ev->status, "TENTATIVE") &&
	    strcmp(ev->status, "CANCELLED"))
		return invalid(err, "%sstatus must be CONFIRMED, TENTATIVE or CANCELLED", where);
	if (kind == KIND_REQUEST && ev->status && !strcmp(ev->status, "CANCELLED"))
		return invalid(err, "%san invitation cannot be cancelled: use ical_cancel()", where);
	if (kind == KIND_PUBLISH)
		return true; /* attendees are never published */
	for (; ev->attendees && ev->attendees[n_att]; n_att++) {
		g_autofree char *w_att = g_strdup_printf("%sattendee %zu", where, n_att + 1);
		if (n_att >= MAX_ATTENDEES)
			return invalid(err, "%smore than %d attendees", where, MAX_ATTENDEES);
		if (!check_email(w_att, ev->attendees[n_att], err))
			return false;
	}
	if (kind == KIND_REQUEST && n_att == 0)
		return invalid(err, "%san invitation needs at least one attendee", where);
	return true;
}

/* ---- building ------------------------------------------------------------- */

/* s with CRLF and CR as LF (a newline becomes "\n" in the file), without
 * white space at either end: parsers (libical's among them) drop it. */
static char *text_lf(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));

	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_strstrip(g_string_free(out, FALSE));
}

static icaltimetype utc_time(gint64 t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static int utc_offset(gint64 t)
{
	struct icaltimetype tt = utc_time(t);
	int is_daylight = 0;

	return icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &is_daylight);
}

/* Whether the local time of t names t alone: false in the hour that is
 * repeated when the clocks go back, i.e. when an hour or two earlier or later
 * shows the same clock. RFC 5545 reads such a local time as its first pass,
 * but libical and pytz read it as the second: only UTC is understood alike. */
static bool local_time_is_unique(gint64 t)
{
	gint64 local = t + utc_offset(t);

	for (gint64 d = 3600; d <= 7200; d += 3600) {
		if (t - d >= 0 && t - d + utc_offset(t - d) == local)
			return false;
		if (t + d + utc_offset(t + d) == local)
			return false;
	}
	return true;
}

/* DTSTART/DTEND as local time of the zone with its TZID; in UTC ("Z") only
 * in the repeated hour, where a local time is read differently by clients. */
static icalproperty *local_time_prop(icalproperty *(*make)(struct icaltimetype), gint64 t)
{
	struct icaltimetype tt = utc_time(t);
	icalproperty *p;

	if (!local_time_is_unique(t))
		return make(tt);
	icaltimezone_convert_time(&tt, icaltimezone_get_utc_timezone(), zone);
	tt.zone = zone;
	p = make(tt);
	icalproperty_set_parameter(p, icalparameter_new_tzid(icaltimezone_get_tzid(zone)));
	return p;
}

static icalcomponent *calendar_new(icalproperty_method method, gint64 first_start)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();
	icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	gint64 from = first_start - YEAR_SECONDS;

	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	/* Only the rules in force from a year before the first event: a few
	 * observances (the 32-bit part of tzdata ends in 2037, so the rules of
	 * today come as two pairs) instead of the zone's history since 1893. */
	icaltimezone_truncate_vtimezone(vtz, utc_time(from > 0 ? from : 0), icaltime_null_time(), 1);
	icalcomponent_add_component(cal, vtz);
	return cal;
}

static icalproperty *address_prop(icalproperty *(*make)(const char *), const char *email)
{
	g_autofree char *mailto = g_strconcat("mailto:", email, NULL);
	return make(mailto);
}

static icalcomponent *event_new(const ical_event *ev, ical_kind kind, gint64 now)
{
	icalcomponent *vev = icalcomponent_new_vevent();
	const char *status = kind == KIND_CANCEL ? "CANCELLED" : ev->status;

	icalcomponent_add_property(vev, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(vev, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(vev, icalproperty_new_dtstamp(utc_time(now)));
	icalcomponent_add_property(vev, local_time_prop(icalproperty_new_dtstart, ev->start_utc));
	icalcomponent_add_property(vev, local_time_prop(icalproperty_new_dtend, ev->end_utc));
	{
		g_autofree char *summary = text_lf(ev->summary);
		icalcomponent_add_property(vev, icalproperty_new_summary(summary));
	}
	{
		/* The link back to bireg also in the text, for clients that hide URL. */
		g_autofree char *desc = text_lf(ev->description ? ev->description : "");
		g_autofree char *full = NULL;
		if (ev->url && *ev->url && !strstr(desc, ev->url))
			full = *desc ? g_strconcat(desc, "\n\n", ev->url, NULL) : g_strdup(ev->url);
		if (full || *desc)
			icalcomponent_add_property(vev, icalproperty_new_description(full ? full : desc));
	}
	if (ev->location) {
		g_autofree char *loc = text_lf(ev->location);
		if (*loc)
			icalcomponent_add_property(vev, icalproperty_new_location(loc));
	}
	if (ev->url && *ev->url)
		icalcomponent_add_property(vev, icalproperty_new_url(ev->url));
	if (status)
		icalcomponent_add_property(vev, icalproperty_new_status(icalenum_string_to_status(status)));
	if (ev->organizer_email && *ev->organizer_email) {
		icalproperty *org = address_prop(icalproperty_new_organizer, ev->organizer_email);
		/* libical quotes the name when it holds , ; or : and writes a
		 * double quote as ^' (RFC 6868); umlauts stay UTF-8. */
		g_autofree char *name = ev->organizer_name ? text_lf(ev->organizer_name) : NULL;
		if (name && *name)
			icalproperty_add_parameter(org, icalparameter_new_cn(name));
		icalcomponent_add_property(vev, org);
	}
	if (kind != KIND_PUBLISH) {
		for (size_t i = 0; ev->attendees && ev->attendees[i]; i++) {
			icalproperty *att = address_prop(icalproperty_new_attendee, ev->attendees[i]);
			icalproperty_add_parameter(att, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
			icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
			icalproperty_add_parameter(att,
						   icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
			/* Replies go through bireg's own links, not the calendar. */
			icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
			icalcomponent_add_property(vev, att);
		}
	}
	return vev;
}

/* Writes cal and frees it. */
static char *calendar_finish(icalcomponent *cal, GError **err)
{
	char *s = icalcomponent_as_ical_string_r(cal);
	char *out = s ? g_strdup(s) : NULL;

	if (s)
		icalmemory_free_buffer(s);
	icalcomponent_free(cal);
	if (!out || !*out) {
		g_free(out);
		g_set_error(err, BIREG_ICAL_ERROR, ICAL_ERROR_LIBICAL, "libical could not write the calendar");
		return NULL;
	}
	return out;
}

static char *single(const ical_event *ev, ical_kind kind, GError **err)
{
	icalcomponent *cal;

	if (!ev) {
		invalid(err, "no event given");
		return NULL;
	}
	if (!check_event(ev, kind, "", err) || ical_init(err) < 0)
		return NULL;
	cal = calendar_new(kind == KIND_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST,
			   ev->start_utc);
	icalcomponent_add_component(cal, event_new(ev, kind, g_get_real_time() / G_USEC_PER_SEC));
	return calendar_finish(cal, err);
}

char *ical_request(const ical_event *ev, GError **err)
{
	return single(ev, KIND_REQUEST, err);
}

char *ical_cancel(const ical_event *ev, GError **err)
{
	return single(ev, KIND_CANCEL, err);
}

char *ical_publish(const char *calname, const ical_event *evs, size_t n, GError **err)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, first = now;
	icalcomponent *cal;
	icalproperty *x;

	if (!check_text("calendar name", calname, MAX_NAME, true, true, err))
		return NULL;
	if (n && !evs) {
		invalid(err, "no events given");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		g_autofree char *where = g_strdup_printf("event %zu: ", i + 1);
		if (!check_event(&evs[i], KIND_PUBLISH, where, err))
			return NULL;
		if (evs[i].start_utc < first)
			first = evs[i].start_utc;
	}
	if (ical_init(err) < 0)
		return NULL;
	cal = calendar_new(ICAL_METHOD_PUBLISH, first);
	x = icalproperty_new_x(calname);
	icalproperty_set_x_name(x, "X-WR-CALNAME");
	icalcomponent_add_property(cal, x);
	x = icalproperty_new_x(ZONE_LOCATION);
	icalproperty_set_x_name(x, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, x);
	/* Subscribed clients look again after an hour (Outlook, Google). */
	x = icalproperty_new_x("PT1H");
	icalproperty_set_x_name(x, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, x);
	for (size_t i = 0; i < n; i++)
		icalcomponent_add_component(cal, event_new(&evs[i], KIND_PUBLISH, now));
	return calendar_finish(cal, err);
}
