/*
 * format.h — values to display text and form input back to values.
 *
 * German first, English ("en") second: every function that takes `lang`
 * treats "en" (or any tag starting with "en") as English and everything
 * else, NULL included, as German. Times are kept in UTC and shown in
 * Europe/Berlin. Month and weekday names come from tables in format.c and
 * numbers are built digit by digit, so the output never depends on the C
 * library's locales or on LC_NUMERIC (which bireg keeps at "C").
 *
 * All functions are thread-safe: they only read immutable data (the time
 * zone is loaded once, see format_init()).
 *
 * Ownership: functions returning `char *` hand the caller a new string to
 * free with g_free(); functions returning `const char *` return static text;
 * GDateTime results are new references (g_date_time_unref()).
 *
 * Decisions worth knowing (see format.c for the why):
 *   - negative amounts use ASCII "-" (copy-paste into spreadsheets works):
 *     "-1.234,56 €", "-€1,234.56";
 *   - German groups thousands from four digits on: "1.234", "1.234,56 €";
 *   - the German currency and percent signs follow a no-break space U+00A0:
 *     "1.234,56 €", "42,5 %"; English: "€1,234.56", "42.5%";
 *   - doubles are rounded half away from zero on their shortest decimal
 *     form (1.005 → "1,01"), and never print "-0";
 *   - German numeric dates have leading zeros ("02.01.2027"), English dates
 *     are UK style ("2 Jan 2027");
 *   - form input: a wall-clock time that does not exist (clocks go forward,
 *     02:30 on the last Sunday of March) is rejected; one that exists twice
 *     (clocks go back, 02:30 on the last Sunday of October) means the first
 *     occurrence, in summer time.
 */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* A calendar day without time or zone (due dates, periods, birthdays). */
typedef struct bireg_date {
	int year;  /* 1..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31, valid for the month */
} bireg_date;

/*
 * Errors of the parse functions, domain FORMAT_ERROR. The message is always
 * a constant English msgid (marked N_() in format.c and translated in
 * po/de.po), never the input: show it as i18n_translate(lang, err->message).
 */
#define FORMAT_ERROR (format_error_quark())
GQuark format_error_quark(void);
typedef enum {
	FORMAT_ERROR_SYNTAX,      /* not in an accepted shape */
	FORMAT_ERROR_RANGE,       /* well formed but no such value (31.02., 25:00, too large) */
	FORMAT_ERROR_NONEXISTENT, /* wall-clock time skipped by the change to summer time */
} format_error_code;

/*
 * Loads Europe/Berlin once. Safe to call from any thread and more than once;
 * the first call loads, later calls return the same result. Returns true when
 * the zone came from the system's tzdata; false means tzdata is missing and
 * the built-in EU rule (CET-1CEST,M3.5.0,M10.5.0/3, exact since 1996) is in
 * use — worth a warning in the start-up log. Every other function calls this
 * itself, so calling it at start-up only moves the cost out of the first
 * request.
 */
bool format_init(void);
/* The display zone; borrowed, valid for the life of the process. */
GTimeZone *format_zone(void);

/* True when `lang` selects English. */
bool format_lang_is_en(const char *lang);

/* --- names (static strings; out of range gives "") --- */
const char *format_weekday_name(const char *lang, int weekday);  /* 1 = Monday … 7 = Sunday */
const char *format_weekday_short(const char *lang, int weekday); /* "Do" / "Thu" */
const char *format_month_name(const char *lang, int month);      /* 1 = January … 12 */
const char *format_month_short(const char *lang, int month);     /* "Nov." / "Nov" */

/* --- calendar days --- */
bool format_date_valid(int year, int month, int day);
bool format_is_leap_year(int year);
/* ISO weekday of a valid date, 1 = Monday … 7 = Sunday. */
int format_date_weekday(const bireg_date *d);
/* Days from a to b (positive when b is later). */
int64_t format_date_diff(const bireg_date *a, const bireg_date *b);
/* The Europe/Berlin calendar day of an instant. */
bireg_date format_date_of(GDateTime *t);
/* "26.11.2026" / "26 Nov 2026" */
char *format_day(const char *lang, const bireg_date *d);
/* "Donnerstag, 26. November 2026" / "Thursday, 26 November 2026" */
char *format_day_long(const char *lang, const bireg_date *d);
/*
 * A span of days, both ends included: "26.11.–27.11.2026",
 * "30.12.2026–02.01.2027", one day "26.11.2026"; English "26–27 Nov 2026",
 * "30 Nov – 2 Dec 2026", "30 Dec 2026 – 2 Jan 2027".
 */
char *format_day_range(const char *lang, const bireg_date *first, const bireg_date *last);

/* --- instants (any GDateTime; shown in Europe/Berlin) --- */
char *format_date(const char *lang, GDateTime *t);      /* "26.11.2026" / "26 Nov 2026" */
char *format_date_long(const char *lang, GDateTime *t); /* "Donnerstag, 26. November 2026" */
char *format_time(const char *lang, GDateTime *t);      /* "14:30 Uhr" / "14:30" */
char *format_datetime(const char *lang, GDateTime *t);  /* "26.11.2026, 14:30 Uhr" / "26 Nov 2026, 14:30" */
/*
 * From start to end. On one Berlin day: "26.11.2026, 14:30–16:00 Uhr" /
 * "26 Nov 2026, 14:30–16:00". Across days the times are left out, as for a
 * conference or a period: "26.11.–27.11.2026" (see format_day_range); use
 * format_datetime() twice where the hours matter.
 */
char *format_range(const char *lang, GDateTime *start, GDateTime *end);
/*
 * A deadline relative to now, in Berlin calendar days (not 24-hour periods):
 * "heute", "morgen", "gestern", "in 3 Tagen", "vor 2 Tagen" / "today",
 * "tomorrow", "yesterday", "in 3 days", "2 days ago".
 */
char *format_relative(const char *lang, GDateTime *when, GDateTime *now);
char *format_relative_day(const char *lang, const bireg_date *day, GDateTime *now);

/* --- numbers --- */
/* "12.345", "-1.234", "999" / "12,345" */
char *format_int(const char *lang, int64_t v);
/* Integer cents: "1.234,56 €", "-0,05 €" / "€1,234.56", "-€0.05". Any int64, INT64_MIN included. */
char *format_money(const char *lang, int64_t cents);
/*
 * A double with exactly `places` (0..15) decimals and thousands groups:
 * "1.234,5" / "1,234.5". NaN and infinities give "–" (U+2013).
 */
char *format_decimal(const char *lang, double v, int places);
/* `percent` is already in percent (42.5, not 0.425): "42,5 %" / "42.5%". */
char *format_percent(const char *lang, double percent, int places);

/* --- parsing form input (leading/trailing spaces are ignored) --- */
/*
 * "26.11.2026" (also "1.2.2026") or ISO "2026-11-26" as sent by
 * <input type="date">. Four-digit years only; impossible days are rejected.
 */
bool format_parse_date(const char *s, bireg_date *out, GError **err);
/* "14:30", "9:05", "14:30:00" (seconds must be 00), optional " Uhr". 24:00 is rejected. */
bool format_parse_time(const char *s, int *hour, int *minute, GError **err);
/*
 * A decimal number as typed into a form, returned scaled by 10^places
 * (places 0..9), so "1.234,5" with places 2 gives 123450. German: ","
 * decimal point, "." between groups of three ("1.234.567,89"); a single "."
 * before one or two final digits is read as a decimal point because
 * <input type="number"> sends "1234.56". English: "." decimal point, ","
 * between groups of three. Leading "-" or U+2212 for negatives. More decimals
 * than `places`, bad grouping ("1.23,4", "12.34.56") and values outside int64
 * are rejected rather than guessed.
 */
bool format_parse_decimal(const char *lang, const char *s, int places, int64_t *out, GError **err);
/* Money in cents: format_parse_decimal with two places; a "€" or "EUR" before or after is allowed. */
bool format_parse_money(const char *lang, const char *s, int64_t *cents, GError **err);
/*
 * Europe/Berlin wall-clock time to a UTC instant (new reference). Skipped
 * times fail with FORMAT_ERROR_NONEXISTENT; doubled times take the first
 * (summer-time) occurrence.
 */
GDateTime *format_local_to_utc(const bireg_date *d, int hour, int minute, GError **err);
/* <input type="datetime-local"> value "2026-11-26T14:30" (or "26.11.2026 14:30") to UTC. */
GDateTime *format_parse_local_datetime(const char *s, GError **err);
/* A stored ISO 8601 instant with zone ("2026-11-26T13:30:00Z") to a UTC GDateTime; NULL if invalid. */
GDateTime *format_parse_utc(const char *iso);
