/*
 * format.c — German and English display formats, and form input parsing.
 *
 * Everything here is a pure function of its arguments plus the Europe/Berlin
 * zone, which is loaded once and never changed, so any thread may call in.
 * Names of months and weekdays are our own tables and numbers are assembled
 * from digits, because the C library's locales may be missing on a server
 * and LC_NUMERIC must stay "C" for JSON, SQL and PDF.
 */
#include "view/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view/i18n.h"

G_DEFINE_QUARK(bireg-format-error-quark, format_error)

#define NBSP "\u00a0"
#define EN_DASH "\u2013"

/* Form fields longer than this are not dates or amounts; refuse early. */
#define MAX_INPUT_BYTES 64

/* ------------------------------------------------------------------ zone */

typedef struct zone_state {
	GTimeZone *tz;
	bool from_tzdata;
} zone_state;

static const zone_state *zone_state_get(void)
{
	/* Written once under g_once, read-only afterwards. */
	static zone_state *state;
	if (g_once_init_enter(&state)) {
		zone_state *s = g_new0(zone_state, 1);
		s->tz = g_time_zone_new_identifier("Europe/Berlin");
		s->from_tzdata = s->tz != NULL;
		if (!s->tz) {
			/* Minimal containers often lack tzdata. The EU rule has been
			 * the same since 1996, which covers every date bireg stores. */
			s->tz = g_time_zone_new_identifier("CET-1CEST,M3.5.0,M10.5.0/3");
		}
		g_assert(s->tz != NULL);
		g_once_init_leave(&state, s);
	}
	return state;
}

bool format_init(void)
{
	return zone_state_get()->from_tzdata;
}

GTimeZone *format_zone(void)
{
	return zone_state_get()->tz;
}

bool format_lang_is_en(const char *lang)
{
	return lang && g_ascii_strncasecmp(lang, "en", 2) == 0 &&
		(lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');
}

/* ----------------------------------------------------------------- names */

/* Tables indexed [lang][n - 1] with lang 0 = German, 1 = English. */
enum { DE = 0, EN = 1 };
static const char *const weekday_names[2][7] = {
	{ "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag" },
	{ "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" },
};
static const char *const weekday_shorts[2][7] = {
	{ "Mo", "Di", "Mi", "Do", "Fr", "Sa", "So" },
	{ "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" },
};
static const char *const month_names[2][12] = {
	{ "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
	  "Oktober", "November", "Dezember" },
	{ "January", "February", "March", "April", "May", "June", "July", "August", "September",
	  "October", "November", "December" },
};
/* German: Duden abbreviations, the short months stay whole. */
static const char *const month_shorts[2][12] = {
	{ "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
	  "Dez." },
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" },
};

static int lang_index(const char *lang)
{
	return format_lang_is_en(lang) ? EN : DE;
}

const char *format_weekday_name(const char *lang, int weekday)
{
	if (weekday < 1 || weekday > 7)
		return "";
	return weekday_names[lang_index(lang)][weekday - 1];
}

const char *format_weekday_short(const char *lang, int weekday)
{
	if (weekday < 1 || weekday > 7)
		return "";
	return weekday_shorts[lang_index(lang)][weekday - 1];
}

const char *format_month_name(const char *lang, int month)
{
	if (month < 1 || month > 12)
		return "";
	return month_names[lang_index(lang)][month - 1];
}

const char *format_month_short(const char *lang, int month)
{
	if (month < 1 || month > 12)
		return "";
	return month_shorts[lang_index(lang)][month - 1];
}

/* ------------------------------------------------------- calendar days */

bool format_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month == 2 && format_is_leap_year(year))
		return 29;
	return days[month - 1];
}

bool format_date_valid(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
		day <= days_in_month(year, month);
}

/*
 * Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
 * civil-days algorithm: shift the year to start in March so the leap day is
 * last, then count whole 400-year eras).
 */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int format_date_weekday(const bireg_date *d)
{
	int64_t days = days_from_civil(d->year, d->month, d->day);
	/* 1970-01-01 was a Thursday (ISO 4). */
	int64_t w = (days % 7 + 7 + 3) % 7;
	return (int)w + 1;
}

int64_t format_date_diff(const bireg_date *a, const bireg_date *b)
{
	return days_from_civil(b->year, b->month, b->day) - days_from_civil(a->year, a->month, a->day);
}

/* A new reference to t in Europe/Berlin. */
static GDateTime *to_local(GDateTime *t)
{
	return g_date_time_to_timezone(t, format_zone());
}

bireg_date format_date_of(GDateTime *t)
{
	g_autoptr(GDateTime) local = to_local(t);
	bireg_date d = { 0 };
	g_date_time_get_ymd(local, &d.year, &d.month, &d.day);
	return d;
}

static void append_day(GString *out, bool en, const bireg_date *d)
{
	if (en)
		g_string_append_printf(out, "%d %s %04d", d->day, month_shorts[EN][d->month - 1], d->year);
	else
		g_string_append_printf(out, "%02d.%02d.%04d", d->day, d->month, d->year);
}

static bool day_ok(const bireg_date *d)
{
	return d && format_date_valid(d->year, d->month, d->day);
}

char *format_day(const char *lang, const bireg_date *d)
{
	g_return_val_if_fail(day_ok(d), g_strdup(""));
	GString *out = g_string_new(NULL);
	append_day(out, format_lang_is_en(lang), d);
	return g_string_free(out, FALSE);
}

char *format_day_long(const char *lang, const bireg_date *d)
{
	g_return_val_if_fail(day_ok(d), g_strdup(""));
	int wd = format_date_weekday(d);
	if (format_lang_is_en(lang))
		return g_strdup_printf("%s, %d %s %04d", weekday_names[EN][wd - 1], d->day,
			month_names[EN][d->month - 1], d->year);
	return g_strdup_printf("%s, %d. %s %04d", weekday_names[DE][wd - 1], d->day,
		month_names[DE][d->month - 1], d->year);
}

char *format_day_range(const char *lang, const bireg_date *a, const bireg_date *b)
{
	g_return_val_if_fail(day_ok(a) && day_ok(b), g_strdup(""));
	bool en = format_lang_is_en(lang);
	bool same_year = a->year == b->year;
	if (same_year && a->month == b->month && a->day == b->day)
		return format_day(lang, a);
	if (!en) {
		if (same_year)
			return g_strdup_printf("%02d.%02d." EN_DASH "%02d.%02d.%04d",
				a->day, a->month, b->day, b->month, b->year);
		return g_strdup_printf("%02d.%02d.%04d" EN_DASH "%02d.%02d.%04d",
			a->day, a->month, a->year, b->day, b->month, b->year);
	}
	/* UK style: an unspaced dash between bare numbers, a spaced one
	 * between parts that contain spaces themselves. */
	if (same_year && a->month == b->month)
		return g_strdup_printf("%d" EN_DASH "%d %s %04d", a->day, b->day,
			month_shorts[EN][b->month - 1], b->year);
	if (same_year)
		return g_strdup_printf("%d %s " EN_DASH " %d %s %04d", a->day, month_shorts[EN][a->month - 1],
			b->day, month_shorts[EN][b->month - 1], b->year);
	GString *out = g_string_new(NULL);
	append_day(out, true, a);
	g_string_append(out, " " EN_DASH " ");
	append_day(out, true, b);
	return g_string_free(out, FALSE);
}

/* -------------------------------------------------------------- instants */

char *format_date(const char *lang, GDateTime *t)
{
	g_return_val_if_fail(t != NULL, g_strdup(""));
	bireg_date d = format_date_of(t);
	return format_day(lang, &d);
}

char *format_date_long(const char *lang, GDateTime *t)
{
	g_return_val_if_fail(t != NULL, g_strdup(""));
	bireg_date d = format_date_of(t);
	return format_day_long(lang, &d);
}

static void append_clock(GString *out, GDateTime *local)
{
	g_string_append_printf(out, "%02d:%02d", g_date_time_get_hour(local),
		g_date_time_get_minute(local));
}

char *format_time(const char *lang, GDateTime *t)
{
	g_return_val_if_fail(t != NULL, g_strdup(""));
	g_autoptr(GDateTime) local = to_local(t);
	GString *out = g_string_new(NULL);
	append_clock(out, local);
	if (!format_lang_is_en(lang))
		g_string_append(out, " Uhr");
	return g_string_free(out, FALSE);
}

char *format_datetime(const char *lang, GDateTime *t)
{
	g_return_val_if_fail(t != NULL, g_strdup(""));
	g_autoptr(GDateTime) local = to_local(t);
	bool en = format_lang_is_en(lang);
	bireg_date d = format_date_of(local);
	GString *out = g_string_new(NULL);
	append_day(out, en, &d);
	g_string_append(out, ", ");
	append_clock(out, local);
	if (!en)
		g_string_append(out, " Uhr");
	return g_string_free(out, FALSE);
}

char *format_range(const char *lang, GDateTime *start, GDateTime *end)
{
	g_return_val_if_fail(start != NULL && end != NULL, g_strdup(""));
	g_autoptr(GDateTime) ls = to_local(start);
	g_autoptr(GDateTime) le = to_local(end);
	bireg_date ds = format_date_of(ls), de = format_date_of(le);
	if (format_date_diff(&ds, &de) != 0)
		return format_day_range(lang, &ds, &de);
	bool en = format_lang_is_en(lang);
	GString *out = g_string_new(NULL);
	append_day(out, en, &ds);
	g_string_append(out, ", ");
	append_clock(out, ls);
	g_string_append(out, EN_DASH);
	append_clock(out, le);
	if (!en)
		g_string_append(out, " Uhr");
	return g_string_free(out, FALSE);
}

char *format_relative_day(const char *lang, const bireg_date *day, GDateTime *now)
{
	g_return_val_if_fail(day_ok(day) && now != NULL, g_strdup(""));
	bool en = format_lang_is_en(lang);
	bireg_date today = format_date_of(now);
	int64_t n = format_date_diff(&today, day);
	switch (n) {
	case 0: return g_strdup(en ? "today" : "heute");
	case 1: return g_strdup(en ? "tomorrow" : "morgen");
	case -1: return g_strdup(en ? "yesterday" : "gestern");
	default: break;
	}
	g_autofree char *count = format_int(lang, n < 0 ? -n : n);
	if (n > 0)
		return g_strdup_printf(en ? "in %s days" : "in %s Tagen", count);
	return g_strdup_printf(en ? "%s days ago" : "vor %s Tagen", count);
}

char *format_relative(const char *lang, GDateTime *when, GDateTime *now)
{
	g_return_val_if_fail(when != NULL && now != NULL, g_strdup(""));
	bireg_date d = format_date_of(when);
	return format_relative_day(lang, &d, now);
}

/* --------------------------------------------------------------- numbers */

/* Appends a run of decimal digits with `sep` between groups of three. */
static void append_grouped(GString *out, const char *digits, size_t n, const char *sep)
{
	size_t head = n % 3 ? n % 3 : 3;
	g_string_append_len(out, digits, (gssize)(head < n ? head : n));
	for (size_t i = head; i < n; i += 3) {
		g_string_append(out, sep);
		g_string_append_len(out, digits + i, 3);
	}
}

/* |v| without overflow: INT64_MIN's magnitude fits an unsigned 64-bit value. */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static void append_uint_grouped(GString *out, uint64_t v, bool en)
{
	char buf[24];
	int n = g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
	append_grouped(out, buf, (size_t)n, en ? "," : ".");
}

char *format_int(const char *lang, int64_t v)
{
	GString *out = g_string_new(NULL);
	if (v < 0)
		g_string_append_c(out, '-');
	append_uint_grouped(out, magnitude(v), format_lang_is_en(lang));
	return g_string_free(out, FALSE);
}

char *format_money(const char *lang, int64_t cents)
{
	bool en = format_lang_is_en(lang);
	uint64_t mag = magnitude(cents);
	GString *out = g_string_new(NULL);
	/* ASCII minus rather than U+2212: amounts get copied into
	 * spreadsheets and mails, and only "-" survives that as a sign. */
	if (cents < 0)
		g_string_append_c(out, '-');
	if (en)
		g_string_append(out, "€");
	append_uint_grouped(out, mag / 100, en);
	g_string_append_printf(out, "%s%02u", en ? "." : ",", (unsigned)(mag % 100));
	if (!en)
		g_string_append(out, NBSP "€");
	return g_string_free(out, FALSE);
}

/*
 * The shortest decimal digits that read back as exactly |v|, and the
 * position of the decimal point (digits before it; may be <= 0). Rounding
 * these digits, not the binary value, is what a reader expects: 1.005 is
 * stored as 1.00499999999999989…, but was typed and is read as 1.005.
 */
static void shortest_digits(double a, GString *digits, int *point)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (a == 0) {
		g_string_assign(digits, "0");
		*point = 1;
		return;
	}
	for (int prec = 0; prec <= 17; prec++) {
		char fmt[16];
		g_snprintf(fmt, sizeof fmt, "%%.%de", prec);
		g_ascii_formatd(buf, sizeof buf, fmt, a);
		if (prec == 17 || g_ascii_strtod(buf, NULL) == a)
			break;
	}
	/* buf is "d[.ddd]e±XX" */
	g_string_truncate(digits, 0);
	const char *p = buf;
	for (; *p && *p != 'e'; p++)
		if (g_ascii_isdigit(*p))
			g_string_append_c(digits, *p);
	int exp10 = *p == 'e' ? atoi(p + 1) : 0;
	*point = exp10 + 1;
}

char *format_decimal(const char *lang, double v, int places)
{
	g_return_val_if_fail(places >= 0 && places <= 15, g_strdup(""));
	if (!isfinite(v))
		return g_strdup(EN_DASH);
	bool en = format_lang_is_en(lang);
	g_autoptr(GString) d = g_string_new(NULL);
	int point = 0;
	shortest_digits(fabs(v), d, &point);

	/* Lay the digits out as fixed point: at least one integer digit and
	 * places + 1 fraction digits (the last one decides the rounding). */
	g_autoptr(GString) s = g_string_new(NULL);
	if (point <= 0) {
		for (int i = 0; i < 1 - point; i++)
			g_string_append_c(s, '0');
		point = 1;
	}
	g_string_append_len(s, d->str, (gssize)d->len);
	while (s->len < (size_t)point + (size_t)places + 1)
		g_string_append_c(s, '0');
	size_t keep = (size_t)point + (size_t)places;
	bool up = s->str[keep] >= '5';
	g_string_truncate(s, keep);
	if (up) {
		/* Half away from zero: bump the magnitude, carrying left. */
		size_t i = keep;
		while (i > 0 && s->str[i - 1] == '9')
			s->str[--i] = '0';
		if (i > 0) {
			s->str[i - 1]++;
		} else {
			g_string_prepend_c(s, '1');
			point++;
		}
	}
	/* No "-0,0": a value that rounds to zero has no sign. */
	bool zero = strspn(s->str, "0") == s->len;
	size_t lead = 0;
	while (lead + 1 < (size_t)point && s->str[lead] == '0')
		lead++;

	GString *out = g_string_new(NULL);
	if (v < 0 && !zero)
		g_string_append_c(out, '-');
	append_grouped(out, s->str + lead, (size_t)point - lead, en ? "," : ".");
	if (places > 0) {
		g_string_append_c(out, en ? '.' : ',');
		g_string_append_len(out, s->str + point, places);
	}
	return g_string_free(out, FALSE);
}

char *format_percent(const char *lang, double percent, int places)
{
	g_autofree char *num = format_decimal(lang, percent, places);
	return g_strconcat(num, format_lang_is_en(lang) ? "%" : NBSP "%", NULL);
}

/* --------------------------------------------------------------- parsing */

static const char msg_date[] = N_("Enter a date as DD.MM.YYYY.");
static const char msg_no_date[] = N_("This date does not exist.");
static const char msg_time[] = N_("Enter a time as HH:MM.");
static const char msg_no_time[] = N_("This time does not exist.");
static const char msg_dst_gap[] = N_("This time does not exist on that day because the clocks go forward.");
static const char msg_datetime[] = N_("Enter a date and time as DD.MM.YYYY HH:MM.");
static const char msg_number[] = N_("Enter a number such as 1,234.5.");
static const char msg_amount[] = N_("Enter an amount such as 1,234.56.");
static const char msg_places[] = N_("The number has too many decimal places.");
static const char msg_too_large[] = N_("The number is too large.");

/* Is s[0..] the start of one of the spaces people paste around values? */
static size_t space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	if (g_str_has_prefix(s, "\u00a0") || g_str_has_prefix(s, "\u202f"))
		return 2; /* both are two bytes in UTF-8 */
	return 0;
}

/*
 * A trimmed copy of s, or NULL (with err set to `msg`) when s is missing or
 * too long to be a value of this kind. Trimming takes no-break spaces too:
 * "1.234,56 €" copied from a page carries U+00A0.
 */
static char *trimmed(const char *s, const char *msg, GError **err)
{
	if (!s || strlen(s) > MAX_INPUT_BYTES || !g_utf8_validate(s, -1, NULL)) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg);
		return NULL;
	}
	size_t n;
	while ((n = space_len(s)) > 0)
		s += n;
	size_t len = strlen(s);
	for (;;) {
		if (len >= 1 && space_len(s + len - 1) == 1)
			len -= 1;
		else if (len >= 2 && space_len(s + len - 2) == 2)
			len -= 2;
		else
			break;
	}
	return g_strndup(s, len);
}

/* Reads 1..max digits at *p into *v; returns how many were read (0 = none). */
static int read_digits(const char **p, int max, int *v)
{
	int n = 0, acc = 0;
	while (n < max && g_ascii_isdigit((*p)[0])) {
		acc = acc * 10 + ((*p)[0] - '0');
		(*p)++;
		n++;
	}
	*v = acc;
	return n;
}

/* Parses a trimmed date at *p and advances past it; false if the shape is wrong. */
static bool scan_date(const char **p, bireg_date *d)
{
	const char *s = *p;
	int a, b, c;
	/* ISO: exactly YYYY-MM-DD. */
	if (read_digits(&s, 4, &a) == 4 && *s == '-') {
		s++;
		if (read_digits(&s, 2, &b) != 2 || *s != '-')
			return false;
		s++;
		if (read_digits(&s, 2, &c) != 2 || g_ascii_isdigit(*s))
			return false;
		*d = (bireg_date){ a, b, c };
		*p = s;
		return true;
	}
	/* German: D.M.YYYY with one or two digits for day and month. Two-digit
	 * years are not accepted: "26.11.26" leaves the century to guessing. */
	s = *p;
	if (read_digits(&s, 2, &a) == 0 || *s != '.')
		return false;
	s++;
	if (read_digits(&s, 2, &b) == 0 || *s != '.')
		return false;
	s++;
	if (read_digits(&s, 4, &c) != 4 || g_ascii_isdigit(*s))
		return false;
	*d = (bireg_date){ c, b, a };
	*p = s;
	return true;
}

static bool check_date(const bireg_date *d, GError **err)
{
	if (!format_date_valid(d->year, d->month, d->day)) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_no_date);
		return false;
	}
	return true;
}

bool format_parse_date(const char *s, bireg_date *out, GError **err)
{
	g_autofree char *t = trimmed(s, msg_date, err);
	if (!t)
		return false;
	const char *p = t;
	bireg_date d;
	if (!scan_date(&p, &d) || *p) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg_date);
		return false;
	}
	if (!check_date(&d, err))
		return false;
	*out = d;
	return true;
}

/* Parses "H:MM", "HH:MM", "HH:MM:00" (":" or ".") with an optional "Uhr". */
static bool scan_time(const char *s, int *hour, int *minute, GError **err)
{
	int h, m, sec = 0;
	if (read_digits(&s, 2, &h) == 0 || (*s != ':' && *s != '.'))
		goto syntax;
	char sep = *s++;
	if (read_digits(&s, 2, &m) != 2)
		goto syntax;
	if (*s == sep) {
		s++;
		if (read_digits(&s, 2, &sec) != 2)
			goto syntax;
	}
	while (*s == ' ')
		s++;
	if (g_ascii_strcasecmp(s, "Uhr") == 0)
		s += 3;
	if (*s)
		goto syntax;
	/* Seconds are refused rather than dropped: no form asks for them. */
	if (h > 23 || m > 59 || sec != 0) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_no_time);
		return false;
	}
	*hour = h;
	*minute = m;
	return true;
syntax:
	g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg_time);
	return false;
}

bool format_parse_time(const char *s, int *hour, int *minute, GError **err)
{
	g_autofree char *t = trimmed(s, msg_time, err);
	return t && scan_time(t, hour, minute, err);
}

/* True if s[0..n) is d{1,3}(sep d{3})*, the only grouping we read. */
static bool well_grouped(const char *s, size_t n, char sep)
{
	size_t first = 0;
	while (first < n && g_ascii_isdigit(s[first]))
		first++;
	if (first < 1 || first > 3)
		return false;
	for (size_t i = first; i < n; i += 4) {
		if (i + 4 > n || s[i] != sep)
			return false;
		for (size_t k = 1; k <= 3; k++)
			if (!g_ascii_isdigit(s[i + k]))
				return false;
	}
	return true;
}

/*
 * The number in the trimmed body s (no sign), scaled by 10^places, as a
 * magnitude up to 2^63 (so that INT64_MIN can be typed); the sign is the
 * caller's. `msg` is the syntax message for this kind of field.
 */
static bool scan_number(bool en, const char *s, int places, const char *msg, uint64_t *mag,
	GError **err)
{
	char dec = en ? '.' : ',', grp = en ? ',' : '.';
	size_t len = strlen(s);
	if (len == 0 || strspn(s, "0123456789.,") != len)
		goto syntax;
	const char *dp = strchr(s, dec);
	if (dp && strchr(dp + 1, dec))
		goto syntax;
	if (!dp && !en) {
		/* <input type="number"> sends "1234.56"; a dot before one or two
		 * final digits cannot be a thousands separator, so it is the
		 * decimal point. A dot before three digits stays a separator. */
		const char *dot = strchr(s, '.');
		size_t tail = dot ? len - (size_t)(dot - s) - 1 : 0;
		if (dot && !strchr(dot + 1, '.') && (tail == 1 || tail == 2) && dot > s)
			dp = dot, grp = 0;
	}
	size_t int_len = dp ? (size_t)(dp - s) : len;
	const char *frac = dp ? dp + 1 : s + len;
	size_t frac_len = dp ? len - int_len - 1 : 0;
	/* ",5" and "12," are unfinished rather than 0.5 and twelve. */
	if (int_len == 0 || (dp && frac_len == 0))
		goto syntax;
	if (strspn(s, "0123456789") < int_len && (grp == 0 || !well_grouped(s, int_len, grp)))
		goto syntax;
	if (strspn(frac, "0123456789") != frac_len)
		goto syntax;

	uint64_t acc = 0;
	const uint64_t limit = (uint64_t)INT64_MAX + 1;
	bool overflow = false;
	for (size_t i = 0; i < int_len; i++) {
		if (!g_ascii_isdigit(s[i]))
			continue;
		unsigned dgt = (unsigned)(s[i] - '0');
		if (acc > (limit - dgt) / 10)
			overflow = true;
		else
			acc = acc * 10 + dgt;
	}
	for (int i = 0; i < places; i++) {
		unsigned dgt = (size_t)i < frac_len ? (unsigned)(frac[i] - '0') : 0;
		if (acc > (limit - dgt) / 10)
			overflow = true;
		else
			acc = acc * 10 + dgt;
	}
	/* Extra decimals are fine only while they are zeros: "12,500" is 12,50
	 * but "12,505" would have to be rounded, and we never guess. */
	for (size_t i = (size_t)places; i < frac_len; i++) {
		if (frac[i] != '0') {
			g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_places);
			return false;
		}
	}
	if (overflow) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_too_large);
		return false;
	}
	*mag = acc;
	return true;
syntax:
	g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg);
	return false;
}

/* Takes a leading "-" or U+2212 off *s; true if there was one. */
static bool take_sign(const char **s)
{
	if (**s == '-') {
		(*s)++;
		return true;
	}
	if (g_str_has_prefix(*s, "\u2212")) {
		*s += strlen("\u2212");
		return true;
	}
	return false;
}

static bool apply_sign(bool neg, uint64_t mag, int64_t *out, GError **err)
{
	if (!neg && mag > (uint64_t)INT64_MAX) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_too_large);
		return false;
	}
	/* mag <= 2^63 here; 0 - mag wraps to the right two's complement value. */
	*out = neg ? (int64_t)((uint64_t)0 - mag) : (int64_t)mag;
	return true;
}

bool format_parse_decimal(const char *lang, const char *s, int places, int64_t *out, GError **err)
{
	g_return_val_if_fail(places >= 0 && places <= 9, false);
	g_autofree char *t = trimmed(s, msg_number, err);
	if (!t)
		return false;
	const char *p = t;
	bool neg = take_sign(&p);
	uint64_t mag;
	if (!scan_number(format_lang_is_en(lang), p, places, msg_number, &mag, err))
		return false;
	return apply_sign(neg, mag, out, err);
}

/* Strips `word` (case-insensitive) from the front or back of t, in place. */
static bool strip_word(char *t, const char *word)
{
	size_t n = strlen(word), len = strlen(t);
	if (len >= n && g_ascii_strncasecmp(t, word, n) == 0) {
		memmove(t, t + n, len - n + 1);
		return true;
	}
	if (len >= n && g_ascii_strcasecmp(t + len - n, word) == 0) {
		t[len - n] = '\0';
		return true;
	}
	return false;
}

bool format_parse_money(const char *lang, const char *s, int64_t *cents, GError **err)
{
	g_autofree char *t = trimmed(s, msg_amount, err);
	if (!t)
		return false;
	/* "-12 €", "€ -12", "-€12" and "EUR 12" are all seen in the wild. */
	const char *p = t;
	bool neg = take_sign(&p);
	g_autofree char *rest = g_strdup(p);
	if (!strip_word(rest, "€"))
		strip_word(rest, "EUR");
	g_autofree char *body = trimmed(rest, msg_amount, err);
	if (!body)
		return false;
	p = body;
	if (!neg)
		neg = take_sign(&p);
	else if (*p == '-' || g_str_has_prefix(p, "\u2212"))
		goto syntax;
	uint64_t mag;
	if (!scan_number(format_lang_is_en(lang), p, 2, msg_amount, &mag, err))
		return false;
	return apply_sign(neg, mag, cents, err);
syntax:
	g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg_amount);
	return false;
}

GDateTime *format_local_to_utc(const bireg_date *d, int hour, int minute, GError **err)
{
	if (!d || !check_date(d, err))
		return NULL;
	if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_no_time);
		return NULL;
	}
	GTimeZone *tz = format_zone();
	/* The wall-clock time read as if it were UTC. The real instant is that
	 * minus the zone's offset, and the offset can only be one of those in
	 * force a day either side (Berlin changes at most once in two days). */
	int64_t naive = days_from_civil(d->year, d->month, d->day) * 86400 + hour * 3600 + minute * 60;
	int64_t best = 0;
	bool found = false;
	for (int side = -1; side <= 1; side += 2) {
		int iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, naive + side * 86400);
		int64_t offset = g_time_zone_get_offset(tz, iv);
		int64_t utc = naive - offset;
		int back = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, utc);
		if (g_time_zone_get_offset(tz, back) != offset)
			continue; /* that offset is not in force at that instant */
		/* A time that exists twice: the earlier instant is the first
		 * occurrence, which is summer time. */
		if (!found || utc < best)
			best = utc;
		found = true;
	}
	if (!found) {
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_NONEXISTENT, msg_dst_gap);
		return NULL;
	}
	GDateTime *t = g_date_time_new_from_unix_utc(best);
	if (!t) /* 0001-01-01 before 01:00 would fall before year 1 in UTC */
		g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_RANGE, msg_no_date);
	return t;
}

GDateTime *format_parse_local_datetime(const char *s, GError **err)
{
	g_autofree char *t = trimmed(s, msg_datetime, err);
	if (!t)
		return NULL;
	const char *p = t;
	bireg_date d;
	if (!scan_date(&p, &d))
		goto syntax;
	/* "T" from <input type="datetime-local">, or a space and/or a comma. */
	if (*p == 'T') {
		p++;
	} else {
		const char *start = p;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
		if (p == start)
			goto syntax;
	}
	if (!check_date(&d, err))
		return NULL;
	int hour, minute;
	if (!scan_time(p, &hour, &minute, err))
		return NULL;
	return format_local_to_utc(&d, hour, minute, err);
syntax:
	g_set_error_literal(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX, msg_datetime);
	return NULL;
}

GDateTime *format_parse_utc(const char *iso)
{
	if (!iso)
		return NULL;
	/* No default zone: a stored instant without a zone is a bug, not local time. */
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso, NULL);
	if (!t)
		return NULL;
	return g_date_time_to_utc(t);
}
