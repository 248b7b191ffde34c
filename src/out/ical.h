/*
 * ical.h — calendar entries (iCalendar, RFC 5545 and iTIP, RFC 5546), made
 * with libical: invitations (METHOD:REQUEST), cancellations (METHOD:CANCEL)
 * and feeds (METHOD:PUBLISH).
 *
 * Times are stored in UTC and written as local times of Europe/Berlin
 * (DTSTART;TZID=Europe/Berlin:20261126T143000) with one VTIMEZONE for that
 * zone (only a time in the hour repeated when the clocks go back is written
 * in UTC: clients disagree on which pass such a local time means), taken from libical's built-in zone (read from the system's tzdata)
 * and cut to the years the events need. libical 3.0 puts a prefix before
 * the TZID of its built-in zones ("/freeassociation.sourceforge.net/") and
 * ignores an empty prefix, so ical_init() copies the built-in zone once
 * under the plain TZID "Europe/Berlin", which clients know by name.
 *
 * Invitations carry the office's mailbox as ORGANIZER and every attendee
 * with RSVP=FALSE: replies go through bireg's own links, not the calendar
 * client. A feed never carries attendees' addresses.
 *
 * Output is UTF-8 with CRLF line ends, lines folded at 75 octets (never
 * inside a UTF-8 sequence), ready to be served as text/calendar or attached
 * to a mail as "text/calendar; method=REQUEST; charset=UTF-8".
 */
#pragma once
#include <glib.h>

#define BIREG_ICAL_ERROR (bireg_ical_error_quark())
GQuark bireg_ical_error_quark(void);

typedef enum {
	ICAL_ERROR_INVALID, /* the event (or feed) given is not usable; the message says why */
	ICAL_ERROR_ZONE,    /* the time zone Europe/Berlin is missing (tzdata not installed) */
	ICAL_ERROR_LIBICAL, /* libical failed to build or write the calendar */
} ical_error_code;

typedef struct ical_event {
	const char *uid;            /* stable, e.g. "meeting-42@<host of server.base_url>";
				     * 1-255 visible ASCII characters */
	int sequence;               /* raised on every change by the caller (>= 0; a
				     * cancellation is a change too, so >= 1 there) */
	const char *summary, *description, *location; /* summary required; UTF-8, newlines kept,
						       * white space at either end dropped */
	const char *url;            /* link back to bireg, absolute http(s) (required in feeds);
				     * also appended to the description */
	gint64 start_utc, end_utc;  /* unix seconds; written as local Europe/Berlin times with
				     * TZID; end after start; years 1970-2199 */
	const char *organizer_email, *organizer_name; /* the office (email required for
						       * REQUEST and CANCEL) */
	const char *const *attendees;       /* e-mail addresses, NULL-terminated (REQUEST, at least
					     * one; CANCEL lists them too when given; never in feeds) */
	const char *status;         /* NULL, "CONFIRMED", "TENTATIVE" or "CANCELLED" */
} ical_event;

/* Loads the time zone once (thread-safe and idempotent). Called at start by
 * main() and by tests; the functions below call it too. Returns 0, or -1
 * with ICAL_ERROR_ZONE when tzdata lacks Europe/Berlin. */
int ical_init(GError **err);

/* Each returns a new NUL-terminated string (g_free), or NULL with err set
 * (BIREG_ICAL_ERROR) when the input is not usable; nothing is written for
 * bad input. */
char *ical_request(const ical_event *ev, GError **err);     /* METHOD:REQUEST, RSVP=FALSE */
char *ical_cancel(const ical_event *ev, GError **err);      /* METHOD:CANCEL, STATUS:CANCELLED */
/* A feed (METHOD:PUBLISH, X-WR-CALNAME calname) of evs[0..n-1] (n may be 0);
 * every event needs its url. */
char *ical_publish(const char *calname, const ical_event *evs, size_t n, GError **err);
