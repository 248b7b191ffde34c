/*
 * test_format.c — German and English display formats and form-input parsing
 * (src/view/format.c): dates and times in Europe/Berlin across both DST
 * changes, ranges, relative days, money and numbers with their rounding and
 * edge values, and every parser with the input it must refuse.
 */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "view/format.h"

#define NBSP "\u00a0"

/* Asserts that a freshly allocated string equals `want`, then frees it. */
#define assert_str(expr, want)                          \
	do {                                            \
		g_autofree char *got_ = (expr);         \
		g_assert_cmpstr(got_, ==, (want));      \
	} while (0)

static GDateTime *utc(const char *iso)
{
	GDateTime *t = format_parse_utc(iso);
	g_assert_nonnull(t);
	return t;
}

static bireg_date ymd(int y, int m, int d)
{
	return (bireg_date){ y, m, d };
}

/* Asserts that `t` is the UTC instant `iso`. */
static void assert_instant(GDateTime *t, const char *iso)
{
	g_assert_nonnull(t);
	g_autoptr(GDateTime) want = utc(iso);
	if (!g_date_time_equal(t, want)) {
		g_autofree char *got = g_date_time_format_iso8601(t);
		g_error("instant %s, expected %s", got, iso);
	}
}

static void test_zone(void)
{
	/* tzdata is installed on the build machines; the fallback rule is
	 * covered by the DST tests giving the same answers either way. */
	g_assert_true(format_init());
	g_assert_nonnull(format_zone());
	g_assert_true(format_zone() == format_zone());
}

static void test_lang(void)
{
	g_assert_true(format_lang_is_en("en"));
	g_assert_true(format_lang_is_en("en-GB"));
	g_assert_true(format_lang_is_en("EN"));
	g_assert_false(format_lang_is_en("de"));
	g_assert_false(format_lang_is_en("eng"));
	g_assert_false(format_lang_is_en(""));
	g_assert_false(format_lang_is_en(NULL));
}

static void test_names(void)
{
	g_assert_cmpstr(format_weekday_name("de", 1), ==, "Montag");
	g_assert_cmpstr(format_weekday_name("de", 4), ==, "Donnerstag");
	g_assert_cmpstr(format_weekday_name("de", 7), ==, "Sonntag");
	g_assert_cmpstr(format_weekday_name("en", 4), ==, "Thursday");
	g_assert_cmpstr(format_weekday_short("de", 6), ==, "Sa");
	g_assert_cmpstr(format_weekday_short("en", 6), ==, "Sat");
	g_assert_cmpstr(format_weekday_name("de", 0), ==, "");
	g_assert_cmpstr(format_weekday_name("en", 8), ==, "");
	g_assert_cmpstr(format_month_name("de", 3), ==, "März");
	g_assert_cmpstr(format_month_name("de", 12), ==, "Dezember");
	g_assert_cmpstr(format_month_name("en", 3), ==, "March");
	g_assert_cmpstr(format_month_short("de", 9), ==, "Sept.");
	g_assert_cmpstr(format_month_short("de", 5), ==, "Mai");
	g_assert_cmpstr(format_month_short("en", 11), ==, "Nov");
	g_assert_cmpstr(format_month_name("de", 13), ==, "");
	g_assert_cmpstr(format_month_short("en", 0), ==, "");
}

static void test_dates(void)
{
	g_autoptr(GDateTime) t = utc("2026-11-26T13:30:00Z");
	assert_str(format_date("de", t), "26.11.2026");
	assert_str(format_date("en", t), "26 Nov 2026");
	assert_str(format_date_long("de", t), "Donnerstag, 26. November 2026");
	assert_str(format_date_long("en", t), "Thursday, 26 November 2026");
	assert_str(format_time("de", t), "14:30 Uhr");
	assert_str(format_time("en", t), "14:30");
	assert_str(format_datetime("de", t), "26.11.2026, 14:30 Uhr");
	assert_str(format_datetime("en", t), "26 Nov 2026, 14:30");
	/* Any language tag that is not English is German. */
	assert_str(format_time(NULL, t), "14:30 Uhr");
	assert_str(format_time("de-AT", t), "14:30 Uhr");

	/* Leading zeros in German numeric dates, none in English. */
	g_autoptr(GDateTime) u = utc("2027-01-02T08:05:00Z");
	assert_str(format_datetime("de", u), "02.01.2027, 09:05 Uhr");
	assert_str(format_datetime("en", u), "2 Jan 2027, 09:05");
	assert_str(format_date_long("de", u), "Samstag, 2. Januar 2027");

	/* A UTC instant late on New Year's Eve is already next year in Berlin. */
	g_autoptr(GDateTime) nye = utc("2026-12-31T23:30:00Z");
	assert_str(format_datetime("de", nye), "01.01.2027, 00:30 Uhr");

	/* Any zone on the way in: the instant counts, not its zone. */
	g_autoptr(GTimeZone) plus5 = g_time_zone_new_identifier("+05:00");
	g_autoptr(GDateTime) other = g_date_time_to_timezone(t, plus5);
	assert_str(format_datetime("de", other), "26.11.2026, 14:30 Uhr");

	bireg_date d = format_date_of(t);
	g_assert_cmpint(d.year, ==, 2026);
	g_assert_cmpint(d.month, ==, 11);
	g_assert_cmpint(d.day, ==, 26);
	bireg_date x = ymd(2026, 11, 26);
	assert_str(format_day("de", &x), "26.11.2026");
	assert_str(format_day("en", &x), "26 Nov 2026");
	assert_str(format_day_long("de", &x), "Donnerstag, 26. November 2026");
}

static void test_dst(void)
{
	/* Spring forward, 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. */
	g_autoptr(GDateTime) a = utc("2026-03-29T00:30:00Z");
	g_autoptr(GDateTime) b = utc("2026-03-29T00:59:00Z");
	g_autoptr(GDateTime) c = utc("2026-03-29T01:00:00Z");
	g_autoptr(GDateTime) d = utc("2026-03-29T01:30:00Z");
	assert_str(format_time("de", a), "01:30 Uhr");
	assert_str(format_time("de", b), "01:59 Uhr");
	assert_str(format_time("de", c), "03:00 Uhr");
	assert_str(format_time("de", d), "03:30 Uhr");
	assert_str(format_time("en", d), "03:30");

	/* Fall back, 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z, so
	 * 02:30 is shown twice, an hour apart. */
	g_autoptr(GDateTime) e = utc("2026-10-25T00:30:00Z");
	g_autoptr(GDateTime) f = utc("2026-10-25T01:30:00Z");
	g_autoptr(GDateTime) g = utc("2026-10-25T02:30:00Z");
	assert_str(format_time("de", e), "02:30 Uhr");
	assert_str(format_time("de", f), "02:30 Uhr");
	assert_str(format_time("de", g), "03:30 Uhr");

	/* Summer and winter offsets. */
	g_autoptr(GDateTime) summer = utc("2026-07-01T10:00:00Z");
	g_autoptr(GDateTime) winter = utc("2026-01-15T10:00:00Z");
	assert_str(format_time("de", summer), "12:00 Uhr");
	assert_str(format_time("de", winter), "11:00 Uhr");
}

static void test_leap_years(void)
{
	g_assert_true(format_is_leap_year(2024));
	g_assert_true(format_is_leap_year(2000));
	g_assert_true(format_is_leap_year(2400));
	g_assert_false(format_is_leap_year(2026));
	g_assert_false(format_is_leap_year(1900));
	g_assert_false(format_is_leap_year(2100));
	g_assert_true(format_date_valid(2024, 2, 29));
	g_assert_true(format_date_valid(2000, 2, 29));
	g_assert_false(format_date_valid(2026, 2, 29));
	g_assert_false(format_date_valid(1900, 2, 29));
	g_assert_false(format_date_valid(2026, 4, 31));
	g_assert_true(format_date_valid(2026, 12, 31));
	g_assert_false(format_date_valid(2026, 0, 1));
	g_assert_false(format_date_valid(2026, 13, 1));
	g_assert_false(format_date_valid(0, 1, 1));
	g_assert_false(format_date_valid(10000, 1, 1));

	bireg_date leap = ymd(2024, 2, 29);
	assert_str(format_day_long("de", &leap), "Donnerstag, 29. Februar 2024");
	assert_str(format_day_long("en", &leap), "Thursday, 29 February 2024");
	bireg_date a = ymd(2024, 2, 28), b = ymd(2024, 3, 1);
	g_assert_cmpint(format_date_diff(&a, &b), ==, 2);
	bireg_date c = ymd(2026, 2, 28), e = ymd(2026, 3, 1);
	g_assert_cmpint(format_date_diff(&c, &e), ==, 1);
	/* A whole leap year and a whole common year. */
	bireg_date y24 = ymd(2024, 1, 1), y25 = ymd(2025, 1, 1), y26 = ymd(2026, 1, 1);
	g_assert_cmpint(format_date_diff(&y24, &y25), ==, 366);
	g_assert_cmpint(format_date_diff(&y25, &y26), ==, 365);
	g_assert_cmpint(format_date_diff(&y26, &y24), ==, -731);

	/* Weekdays on both sides of 1970 and of a leap day. */
	bireg_date epoch = ymd(1970, 1, 1), old = ymd(1900, 1, 1), mar1 = ymd(2024, 3, 1);
	g_assert_cmpint(format_date_weekday(&epoch), ==, 4);
	g_assert_cmpint(format_date_weekday(&old), ==, 1);
	g_assert_cmpint(format_date_weekday(&mar1), ==, 5);
}

static void test_ranges(void)
{
	g_autoptr(GDateTime) s = utc("2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) e = utc("2026-11-26T15:00:00Z");
	assert_str(format_range("de", s, e), "26.11.2026, 14:30–16:00 Uhr");
	assert_str(format_range("en", s, e), "26 Nov 2026, 14:30–16:00");

	g_autoptr(GDateTime) next = utc("2026-11-27T15:00:00Z");
	assert_str(format_range("de", s, next), "26.11.–27.11.2026");
	assert_str(format_range("en", s, next), "26–27 Nov 2026");

	g_autoptr(GDateTime) ny1 = utc("2026-12-30T09:00:00Z");
	g_autoptr(GDateTime) ny2 = utc("2027-01-02T15:00:00Z");
	assert_str(format_range("de", ny1, ny2), "30.12.2026–02.01.2027");
	assert_str(format_range("en", ny1, ny2), "30 Dec 2026 – 2 Jan 2027");

	/* Ends after Berlin midnight although still the same UTC day. */
	g_autoptr(GDateTime) late1 = utc("2026-11-26T22:00:00Z");
	g_autoptr(GDateTime) late2 = utc("2026-11-26T23:30:00Z");
	assert_str(format_range("de", late1, late2), "26.11.–27.11.2026");
	/* Same Berlin day although the UTC days differ. */
	g_autoptr(GDateTime) early1 = utc("2026-11-25T23:15:00Z");
	g_autoptr(GDateTime) early2 = utc("2026-11-26T01:00:00Z");
	assert_str(format_range("de", early1, early2), "26.11.2026, 00:15–02:00 Uhr");

	bireg_date a = ymd(2026, 11, 30), b = ymd(2026, 12, 2), c = ymd(2026, 11, 30);
	assert_str(format_day_range("de", &a, &b), "30.11.–02.12.2026");
	assert_str(format_day_range("en", &a, &b), "30 Nov – 2 Dec 2026");
	assert_str(format_day_range("de", &a, &c), "30.11.2026");
	assert_str(format_day_range("en", &a, &c), "30 Nov 2026");
}

static void test_relative(void)
{
	/* 23:50 in Berlin; the deadline is 00:30 the next Berlin day, only 40
	 * minutes away but a different calendar day. */
	g_autoptr(GDateTime) now = utc("2026-11-26T22:50:00Z");
	g_autoptr(GDateTime) soon = utc("2026-11-26T23:30:00Z");
	assert_str(format_relative("de", soon, now), "morgen");
	assert_str(format_relative("en", soon, now), "tomorrow");
	/* 20 hours away but still today. */
	g_autoptr(GDateTime) morning = utc("2026-11-26T04:00:00Z");
	g_autoptr(GDateTime) evening = utc("2026-11-26T22:00:00Z");
	assert_str(format_relative("de", evening, morning), "heute");
	assert_str(format_relative("en", evening, morning), "today");
	assert_str(format_relative("de", morning, soon), "gestern");
	assert_str(format_relative("en", morning, soon), "yesterday");

	bireg_date in3 = ymd(2026, 11, 29), ago2 = ymd(2026, 11, 24);
	g_autoptr(GDateTime) noon = utc("2026-11-26T11:00:00Z");
	assert_str(format_relative_day("de", &in3, noon), "in 3 Tagen");
	assert_str(format_relative_day("en", &in3, noon), "in 3 days");
	assert_str(format_relative_day("de", &ago2, noon), "vor 2 Tagen");
	assert_str(format_relative_day("en", &ago2, noon), "2 days ago");
	bireg_date far = ymd(2030, 4, 14);
	assert_str(format_relative_day("de", &far, noon), "in 1.235 Tagen");
	assert_str(format_relative_day("en", &far, noon), "in 1,235 days");

	/* Across the spring DST change: 00:30 CET on 29 March, deadline 00:30
	 * CEST on 30 March — 23 real hours, one calendar day. */
	g_autoptr(GDateTime) dst_now = utc("2026-03-28T23:30:00Z");
	g_autoptr(GDateTime) dst_when = utc("2026-03-29T22:30:00Z");
	assert_str(format_relative("de", dst_when, dst_now), "morgen");
	/* Autumn: 25 real hours, still one calendar day. */
	g_autoptr(GDateTime) fall_now = utc("2026-10-24T22:30:00Z");
	g_autoptr(GDateTime) fall_when = utc("2026-10-25T23:30:00Z");
	assert_str(format_relative("de", fall_when, fall_now), "morgen");

	/* Month and year ends. */
	g_autoptr(GDateTime) jan31 = utc("2026-01-31T12:00:00Z");
	bireg_date mar1 = ymd(2026, 3, 1), feb1 = ymd(2026, 2, 1);
	assert_str(format_relative_day("de", &mar1, jan31), "in 29 Tagen");
	assert_str(format_relative_day("de", &feb1, jan31), "morgen");
	g_autoptr(GDateTime) leap_now = utc("2024-02-28T12:00:00Z");
	bireg_date leap_mar1 = ymd(2024, 3, 1);
	assert_str(format_relative_day("de", &leap_mar1, leap_now), "in 2 Tagen");
	g_autoptr(GDateTime) dec31 = utc("2026-12-31T22:59:00Z");
	bireg_date jan1 = ymd(2027, 1, 1), dec30 = ymd(2026, 12, 30);
	assert_str(format_relative_day("de", &jan1, dec31), "morgen");
	assert_str(format_relative_day("de", &dec30, dec31), "gestern");
	/* 23:00Z on 31 Dec is already 1 Jan in Berlin. */
	g_autoptr(GDateTime) ny = utc("2026-12-31T23:00:00Z");
	assert_str(format_relative_day("de", &jan1, ny), "heute");
}

static void test_int(void)
{
	assert_str(format_int("de", 0), "0");
	assert_str(format_int("de", 999), "999");
	assert_str(format_int("de", 1000), "1.000");
	assert_str(format_int("de", 1234), "1.234");
	assert_str(format_int("de", 12345), "12.345");
	assert_str(format_int("de", 123456), "123.456");
	assert_str(format_int("de", 1234567), "1.234.567");
	assert_str(format_int("de", -1234), "-1.234");
	assert_str(format_int("de", -999), "-999");
	assert_str(format_int("en", 12345), "12,345");
	assert_str(format_int("en", -1234567), "-1,234,567");
	assert_str(format_int("de", INT64_MAX), "9.223.372.036.854.775.807");
	assert_str(format_int("de", INT64_MIN), "-9.223.372.036.854.775.808");
}

static void test_money(void)
{
	assert_str(format_money("de", 0), "0,00" NBSP "€");
	assert_str(format_money("de", 5), "0,05" NBSP "€");
	assert_str(format_money("de", -5), "-0,05" NBSP "€");
	assert_str(format_money("de", 99), "0,99" NBSP "€");
	assert_str(format_money("de", 100), "1,00" NBSP "€");
	assert_str(format_money("de", 123456), "1.234,56" NBSP "€");
	assert_str(format_money("de", -123456), "-1.234,56" NBSP "€");
	assert_str(format_money("de", 100000000), "1.000.000,00" NBSP "€");
	assert_str(format_money("de", 123456789012), "1.234.567.890,12" NBSP "€");
	assert_str(format_money("de", INT64_MAX), "92.233.720.368.547.758,07" NBSP "€");
	assert_str(format_money("de", INT64_MIN), "-92.233.720.368.547.758,08" NBSP "€");
	assert_str(format_money("en", 0), "€0.00");
	assert_str(format_money("en", -5), "-€0.05");
	assert_str(format_money("en", 123456), "€1,234.56");
	assert_str(format_money("en", INT64_MIN), "-€92,233,720,368,547,758.08");
}

static void test_decimal(void)
{
	assert_str(format_decimal("de", 3.5, 1), "3,5");
	assert_str(format_decimal("en", 3.5, 1), "3.5");
	assert_str(format_decimal("de", 3.5, 2), "3,50");
	assert_str(format_decimal("de", 1234.5, 1), "1.234,5");
	assert_str(format_decimal("en", 1234.5, 1), "1,234.5");
	assert_str(format_decimal("de", 1234567.891, 2), "1.234.567,89");
	assert_str(format_decimal("de", 0, 0), "0");
	assert_str(format_decimal("de", 0, 3), "0,000");
	assert_str(format_decimal("de", 123.456, 0), "123");
	assert_str(format_decimal("de", 1.0 / 3.0, 3), "0,333");
	assert_str(format_decimal("de", 2.0 / 3.0, 3), "0,667");
	assert_str(format_decimal("de", -2.0 / 3.0, 2), "-0,67");
	assert_str(format_decimal("de", 1e20, 0), "100.000.000.000.000.000.000");
	assert_str(format_decimal("de", 1e-7, 2), "0,00");
	assert_str(format_decimal("de", 0.000123, 5), "0,00012");
	assert_str(format_decimal("de", NAN, 1), "–");
	assert_str(format_decimal("de", INFINITY, 1), "–");
	assert_str(format_decimal("de", -INFINITY, 0), "–");
	g_autofree char *huge = format_decimal("de", 1e300, 1);
	g_assert_true(g_str_has_prefix(huge, "1.000.000"));
	g_assert_true(g_str_has_suffix(huge, ".000,0"));
	g_assert_cmpuint(strlen(huge), ==, 301 + 100 + 2);
}

static void test_rounding(void)
{
	/* Half away from zero, not to even. */
	assert_str(format_decimal("de", 0.5, 0), "1");
	assert_str(format_decimal("de", 1.5, 0), "2");
	assert_str(format_decimal("de", 2.5, 0), "3");
	assert_str(format_decimal("de", -2.5, 0), "-3");
	assert_str(format_decimal("de", 0.125, 2), "0,13");
	assert_str(format_decimal("de", -0.125, 2), "-0,13");
	assert_str(format_decimal("de", 0.49999, 0), "0");
	/* On the decimal form people typed, not the binary value just below. */
	assert_str(format_decimal("de", 1.005, 2), "1,01");
	assert_str(format_decimal("de", 2.675, 2), "2,68");
	assert_str(format_decimal("de", 0.05, 1), "0,1");
	/* Carries through nines into a new digit and a new group. */
	assert_str(format_decimal("de", 9.995, 2), "10,00");
	assert_str(format_decimal("de", 999.95, 1), "1.000,0");
	assert_str(format_decimal("de", -999999.5, 0), "-1.000.000");
	/* Never "-0". */
	assert_str(format_decimal("de", -0.004, 2), "0,00");
	assert_str(format_decimal("de", -0.0, 1), "0,0");
	assert_str(format_decimal("de", -0.4, 0), "0");
	assert_str(format_percent("de", -0.01, 1), "0,0" NBSP "%");
}

static void test_percent(void)
{
	assert_str(format_percent("de", 42.5, 1), "42,5" NBSP "%");
	assert_str(format_percent("en", 42.5, 1), "42.5%");
	assert_str(format_percent("de", 100, 0), "100" NBSP "%");
	assert_str(format_percent("de", 12.345, 2), "12,35" NBSP "%");
	assert_str(format_percent("de", -3.25, 1), "-3,3" NBSP "%");
	assert_str(format_percent("en", 1234.5, 0), "1,235%");
}

static void assert_date_ok(const char *in, int y, int m, int d)
{
	g_autoptr(GError) err = NULL;
	bireg_date out = { 0 };
	if (!format_parse_date(in, &out, &err))
		g_error("\"%s\" rejected: %s", in, err->message);
	g_assert_cmpint(out.year, ==, y);
	g_assert_cmpint(out.month, ==, m);
	g_assert_cmpint(out.day, ==, d);
}

static void assert_date_bad(const char *in, format_error_code code)
{
	g_autoptr(GError) err = NULL;
	bireg_date out = { 7, 7, 7 };
	if (format_parse_date(in, &out, &err))
		g_error("\"%s\" accepted", in ? in : "(null)");
	g_assert_error(err, FORMAT_ERROR, (gint)code);
	/* Nothing is written on failure. */
	g_assert_cmpint(out.year, ==, 7);
}

static void test_parse_date(void)
{
	assert_date_ok("26.11.2026", 2026, 11, 26);
	assert_date_ok("2026-11-26", 2026, 11, 26);
	assert_date_ok("1.2.2026", 2026, 2, 1);
	assert_date_ok("  26.11.2026 ", 2026, 11, 26);
	assert_date_ok(NBSP "26.11.2026" NBSP, 2026, 11, 26);
	assert_date_ok("29.02.2024", 2024, 2, 29);
	assert_date_ok("2000-02-29", 2000, 2, 29);
	assert_date_ok("31.12.9999", 9999, 12, 31);

	assert_date_bad("31.02.2026", FORMAT_ERROR_RANGE);
	assert_date_bad("29.02.2026", FORMAT_ERROR_RANGE);
	assert_date_bad("1900-02-29", FORMAT_ERROR_RANGE);
	assert_date_bad("00.01.2026", FORMAT_ERROR_RANGE);
	assert_date_bad("2026-13-01", FORMAT_ERROR_RANGE);
	assert_date_bad("31.04.2026", FORMAT_ERROR_RANGE);
	assert_date_bad("0000-01-01", FORMAT_ERROR_RANGE);
	assert_date_bad("26.11.26", FORMAT_ERROR_SYNTAX);
	assert_date_bad("2026-1-05", FORMAT_ERROR_SYNTAX);
	assert_date_bad("26/11/2026", FORMAT_ERROR_SYNTAX);
	assert_date_bad("26.11.2026x", FORMAT_ERROR_SYNTAX);
	assert_date_bad("26.11.20266", FORMAT_ERROR_SYNTAX);
	assert_date_bad("126.11.2026", FORMAT_ERROR_SYNTAX);
	assert_date_bad("2026-11-26T10:00", FORMAT_ERROR_SYNTAX);
	assert_date_bad("26. 11. 2026", FORMAT_ERROR_SYNTAX);
	assert_date_bad("", FORMAT_ERROR_SYNTAX);
	assert_date_bad("   ", FORMAT_ERROR_SYNTAX);
	assert_date_bad(NULL, FORMAT_ERROR_SYNTAX);
	assert_date_bad("\xff\xfe", FORMAT_ERROR_SYNTAX);
	g_autofree char *longer = g_strnfill(200, '1');
	assert_date_bad(longer, FORMAT_ERROR_SYNTAX);

	/* The message is the msgid, never the input. */
	g_autoptr(GError) err = NULL;
	bireg_date out;
	g_assert_false(format_parse_date("<script>", &out, &err));
	g_assert_cmpstr(err->message, ==, "Enter a date as DD.MM.YYYY.");
	g_clear_error(&err);
	g_assert_false(format_parse_date("30.02.2026", &out, &err));
	g_assert_cmpstr(err->message, ==, "This date does not exist.");
}

static void assert_time(const char *in, int h, int m)
{
	g_autoptr(GError) err = NULL;
	int hh = -1, mm = -1;
	if (!format_parse_time(in, &hh, &mm, &err))
		g_error("\"%s\" rejected: %s", in, err->message);
	g_assert_cmpint(hh, ==, h);
	g_assert_cmpint(mm, ==, m);
}

static void assert_time_bad(const char *in, format_error_code code)
{
	g_autoptr(GError) err = NULL;
	int hh = -1, mm = -1;
	if (format_parse_time(in, &hh, &mm, &err))
		g_error("\"%s\" accepted", in);
	g_assert_error(err, FORMAT_ERROR, (gint)code);
	g_assert_cmpint(hh, ==, -1);
}

static void test_parse_time(void)
{
	assert_time("14:30", 14, 30);
	assert_time("9:05", 9, 5);
	assert_time("09:05", 9, 5);
	assert_time("00:00", 0, 0);
	assert_time("23:59", 23, 59);
	assert_time("14:30:00", 14, 30);
	assert_time("14:30 Uhr", 14, 30);
	assert_time("14:30Uhr", 14, 30);
	assert_time("14.30", 14, 30);
	assert_time(" 14:30 ", 14, 30);

	assert_time_bad("24:00", FORMAT_ERROR_RANGE);
	assert_time_bad("14:60", FORMAT_ERROR_RANGE);
	assert_time_bad("14:30:15", FORMAT_ERROR_RANGE);
	assert_time_bad("14:3", FORMAT_ERROR_SYNTAX);
	assert_time_bad("14", FORMAT_ERROR_SYNTAX);
	assert_time_bad("14:300", FORMAT_ERROR_SYNTAX);
	assert_time_bad("143:00", FORMAT_ERROR_SYNTAX);
	assert_time_bad("14:30 pm", FORMAT_ERROR_SYNTAX);
	assert_time_bad("14:30.00", FORMAT_ERROR_SYNTAX);
	assert_time_bad("ab:cd", FORMAT_ERROR_SYNTAX);
	assert_time_bad("", FORMAT_ERROR_SYNTAX);
	assert_time_bad("-1:00", FORMAT_ERROR_SYNTAX);
}

static void assert_money(const char *lang, const char *in, int64_t want)
{
	g_autoptr(GError) err = NULL;
	int64_t got = 42;
	if (!format_parse_money(lang, in, &got, &err))
		g_error("%s \"%s\" rejected: %s", lang, in, err->message);
	g_assert_cmpint(got, ==, want);
}

static void assert_money_bad(const char *lang, const char *in, format_error_code code)
{
	g_autoptr(GError) err = NULL;
	int64_t got = 42;
	if (format_parse_money(lang, in, &got, &err))
		g_error("%s \"%s\" accepted as %" G_GINT64_FORMAT, lang, in, got);
	g_assert_error(err, FORMAT_ERROR, (gint)code);
	g_assert_cmpint(got, ==, 42);
}

static void test_parse_money(void)
{
	assert_money("de", "1.234,56", 123456);
	assert_money("de", "1234,56", 123456);
	assert_money("de", "1234", 123400);
	assert_money("de", "1234,5", 123450);
	assert_money("de", "0,05", 5);
	assert_money("de", "0", 0);
	assert_money("de", "007", 700);
	assert_money("de", "1.234", 123400);
	assert_money("de", "1.234.567,89", 123456789);
	assert_money("de", "12,500", 1250);
	/* What <input type="number"> sends. */
	assert_money("de", "1234.56", 123456);
	assert_money("de", "12.5", 1250);
	assert_money("de", "-12,00", -1200);
	assert_money("de", "\u22123,5", -350);
	/* Pasted back from a page, with its no-break space and sign. */
	assert_money("de", "1.234,56" NBSP "€", 123456);
	assert_money("de", "-0,05" NBSP "€", -5);
	assert_money("de", "€ 12", 1200);
	assert_money("de", "12 EUR", 1200);
	assert_money("de", "12 eur", 1200);
	assert_money("de", "-€12", -1200);
	assert_money("de", "€ -12", -1200);
	assert_money("de", "92.233.720.368.547.758,07", INT64_MAX);
	assert_money("de", "-92233720368547758,08", INT64_MIN);
	assert_money("en", "1,234.56", 123456);
	assert_money("en", "1234.56", 123456);
	assert_money("en", "1,234", 123400);
	assert_money("en", "€1,234.56", 123456);
	assert_money("en", "-€0.05", -5);

	assert_money_bad("de", "12,345", FORMAT_ERROR_RANGE);
	assert_money_bad("de", "1.234,567", FORMAT_ERROR_RANGE);
	assert_money_bad("de", "92233720368547758,08", FORMAT_ERROR_RANGE);
	assert_money_bad("de", "-92233720368547758,09", FORMAT_ERROR_RANGE);
	assert_money_bad("de", "99999999999999999999999", FORMAT_ERROR_RANGE);
	assert_money_bad("de", "1.23,4", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "12.34.56", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1.2345", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1234.567,5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1,234.56", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1,2,3", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "12,", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", ",5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", ".5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1 234", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "--5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "- 5 -", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "12 € €", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "1e5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "0x10", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "+5", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "abc", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "€", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", "", FORMAT_ERROR_SYNTAX);
	assert_money_bad("de", NULL, FORMAT_ERROR_SYNTAX);
	assert_money_bad("en", "1234,56", FORMAT_ERROR_SYNTAX);
	assert_money_bad("en", "1.234,56", FORMAT_ERROR_SYNTAX);
	assert_money_bad("en", "1.234", FORMAT_ERROR_RANGE);

	g_autoptr(GError) err = NULL;
	int64_t c;
	g_assert_false(format_parse_money("de", "zwölf", &c, &err));
	g_assert_cmpstr(err->message, ==, "Enter an amount such as 1,234.56.");
}

static void test_parse_decimal(void)
{
	g_autoptr(GError) err = NULL;
	int64_t v = 0;
	g_assert_true(format_parse_decimal("de", "12", 0, &v, &err));
	g_assert_cmpint(v, ==, 12);
	g_assert_true(format_parse_decimal("de", "12,0", 0, &v, &err));
	g_assert_cmpint(v, ==, 12);
	g_assert_true(format_parse_decimal("de", "3,5", 3, &v, &err));
	g_assert_cmpint(v, ==, 3500);
	g_assert_true(format_parse_decimal("de", "-1.234,5", 1, &v, &err));
	g_assert_cmpint(v, ==, -12345);
	g_assert_true(format_parse_decimal("en", "1,234.5", 1, &v, &err));
	g_assert_cmpint(v, ==, 12345);
	g_assert_true(format_parse_decimal("de", "9223372036854775807", 0, &v, &err));
	g_assert_cmpint(v, ==, INT64_MAX);
	g_assert_no_error(err);

	g_assert_false(format_parse_decimal("de", "12,5", 0, &v, &err));
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_assert_cmpstr(err->message, ==, "The number has too many decimal places.");
	g_clear_error(&err);
	g_assert_false(format_parse_decimal("de", "9223372036854775808", 0, &v, &err));
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_assert_cmpstr(err->message, ==, "The number is too large.");
	g_clear_error(&err);
	g_assert_false(format_parse_decimal("de", "922337203685477580,8", 1, &v, &err));
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_clear_error(&err);
	g_assert_false(format_parse_decimal("de", "1,2 €", 2, &v, &err));
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_SYNTAX);
	g_assert_cmpstr(err->message, ==, "Enter a number such as 1,234.5.");
}

/* Every amount we print must read back as itself, in both languages. */
static void test_money_roundtrip(void)
{
	const int64_t samples[] = { 0, 1, -1, 5, -5, 99, 100, 101, 999, 1000, 99999, 100000, 123456,
		-123456, 1000000000, 123456789012345, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	const char *langs[] = { "de", "en" };
	for (size_t l = 0; l < G_N_ELEMENTS(langs); l++) {
		for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
			g_autofree char *text = format_money(langs[l], samples[i]);
			assert_money(langs[l], text, samples[i]);
		}
		for (int64_t c = -2000; c <= 200000; c += 37) {
			g_autofree char *text = format_money(langs[l], c);
			assert_money(langs[l], text, c);
		}
	}
}

static GDateTime *local(int y, int mo, int d, int h, int mi, GError **err)
{
	bireg_date day = ymd(y, mo, d);
	return format_local_to_utc(&day, h, mi, err);
}

static void test_local_to_utc(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDateTime) a = local(2026, 11, 26, 14, 30, &err);
	assert_instant(a, "2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) b = local(2026, 7, 1, 12, 0, &err);
	assert_instant(b, "2026-07-01T10:00:00Z");
	g_autoptr(GDateTime) c = local(2027, 1, 1, 0, 30, &err);
	assert_instant(c, "2026-12-31T23:30:00Z");

	/* Spring: 02:00–02:59 on 29 March 2026 do not exist. */
	g_autoptr(GDateTime) before = local(2026, 3, 29, 1, 59, &err);
	assert_instant(before, "2026-03-29T00:59:00Z");
	g_autoptr(GDateTime) after = local(2026, 3, 29, 3, 0, &err);
	assert_instant(after, "2026-03-29T01:00:00Z");
	g_assert_no_error(err);
	const int gap[][2] = { { 2, 0 }, { 2, 30 }, { 2, 59 } };
	for (size_t i = 0; i < G_N_ELEMENTS(gap); i++) {
		g_autoptr(GDateTime) none = local(2026, 3, 29, gap[i][0], gap[i][1], &err);
		g_assert_null(none);
		g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_NONEXISTENT);
		g_clear_error(&err);
	}

	/* Autumn: 02:00–02:59 on 25 October 2026 happen twice; the first time
	 * (CEST, +02:00) is meant. */
	g_autoptr(GDateTime) amb = local(2026, 10, 25, 2, 30, &err);
	assert_instant(amb, "2026-10-25T00:30:00Z");
	g_autoptr(GDateTime) amb0 = local(2026, 10, 25, 2, 0, &err);
	assert_instant(amb0, "2026-10-25T00:00:00Z");
	g_autoptr(GDateTime) pre = local(2026, 10, 25, 1, 59, &err);
	assert_instant(pre, "2026-10-24T23:59:00Z");
	g_autoptr(GDateTime) post = local(2026, 10, 25, 3, 0, &err);
	assert_instant(post, "2026-10-25T02:00:00Z");
	g_assert_no_error(err);

	g_autoptr(GDateTime) bad_day = local(2026, 2, 29, 10, 0, &err);
	g_assert_null(bad_day);
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_clear_error(&err);
	g_autoptr(GDateTime) bad_hour = local(2026, 2, 28, 24, 0, &err);
	g_assert_null(bad_hour);
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_clear_error(&err);
	/* The edges of what GDateTime can hold. */
	g_autoptr(GDateTime) too_early = local(1, 1, 1, 0, 30, &err);
	g_assert_null(too_early);
	g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_RANGE);
	g_clear_error(&err);
	g_autoptr(GDateTime) last = local(9999, 12, 31, 23, 59, &err);
	assert_instant(last, "9999-12-31T22:59:00Z");
	g_assert_no_error(err);
}

/* Every minute of both change days: what we parse, we show back unchanged. */
static void test_local_roundtrip(void)
{
	const bireg_date days[] = { { 2026, 3, 29 }, { 2026, 10, 25 }, { 2024, 2, 29 } };
	for (size_t i = 0; i < G_N_ELEMENTS(days); i++) {
		int missing = 0;
		for (int h = 0; h < 24; h++) {
			for (int m = 0; m < 60; m++) {
				g_autoptr(GError) err = NULL;
				g_autoptr(GDateTime) t = format_local_to_utc(&days[i], h, m, &err);
				if (!t) {
					g_assert_error(err, FORMAT_ERROR, FORMAT_ERROR_NONEXISTENT);
					missing++;
					continue;
				}
				g_autofree char *want = g_strdup_printf("%02d.%02d.%04d, %02d:%02d Uhr",
					days[i].day, days[i].month, days[i].year, h, m);
				assert_str(format_datetime("de", t), want);
			}
		}
		g_assert_cmpint(missing, ==, i == 0 ? 60 : 0);
	}
}

static void test_parse_local_datetime(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDateTime) a = format_parse_local_datetime("2026-11-26T14:30", &err);
	assert_instant(a, "2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) b = format_parse_local_datetime("26.11.2026 14:30", &err);
	assert_instant(b, "2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) c = format_parse_local_datetime("26.11.2026, 14:30 Uhr", &err);
	assert_instant(c, "2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) d = format_parse_local_datetime("2026-07-01T08:00:00", &err);
	assert_instant(d, "2026-07-01T06:00:00Z");
	g_assert_no_error(err);

	struct {
		const char *in;
		format_error_code code;
	} bad[] = {
		{ "2026-11-26", FORMAT_ERROR_SYNTAX },
		{ "2026-11-26T", FORMAT_ERROR_SYNTAX },
		{ "26.11.202614:30", FORMAT_ERROR_SYNTAX },
		{ "14:30", FORMAT_ERROR_SYNTAX },
		{ "2026-11-26T14:30Z", FORMAT_ERROR_SYNTAX },
		{ "2026-02-30T10:00", FORMAT_ERROR_RANGE },
		{ "2026-11-26T25:00", FORMAT_ERROR_RANGE },
		{ "2026-03-29T02:30", FORMAT_ERROR_NONEXISTENT },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GDateTime) t = format_parse_local_datetime(bad[i].in, &err);
		if (t)
			g_error("\"%s\" accepted", bad[i].in);
		g_assert_error(err, FORMAT_ERROR, (gint)bad[i].code);
		g_clear_error(&err);
	}
	g_autoptr(GDateTime) gap = format_parse_local_datetime("29.03.2026 02:30", &err);
	g_assert_null(gap);
	g_assert_cmpstr(err->message, ==,
		"This time does not exist on that day because the clocks go forward.");
}

static void test_parse_utc(void)
{
	g_autoptr(GDateTime) a = format_parse_utc("2026-11-26T13:30:00Z");
	g_autoptr(GDateTime) b = format_parse_utc("2026-11-26T14:30:00+01:00");
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_true(g_date_time_equal(a, b));
	g_assert_cmpint(g_date_time_get_utc_offset(b), ==, 0);
	g_assert_null(format_parse_utc("2026-11-26T13:30:00"));
	g_assert_null(format_parse_utc("gestern"));
	g_assert_null(format_parse_utc(""));
	g_assert_null(format_parse_utc(NULL));
}

/* Output never follows the C library's locale, LC_NUMERIC above all. */
static void test_locale_independent(void)
{
	locale_t de = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t)0);
	if (!de) {
		g_test_skip("de_DE.UTF-8 not generated");
		return;
	}
	locale_t prev = uselocale(de);
	g_autofree char *d = format_decimal("en", 1234.5, 2);
	g_autofree char *m = format_money("en", 123456);
	g_autofree char *p = format_percent("de", 42.5, 1);
	int64_t cents = 0;
	bool ok = format_parse_money("en", "1,234.56", &cents, NULL);
	uselocale(prev);
	freelocale(de);
	g_assert_cmpstr(d, ==, "1,234.50");
	g_assert_cmpstr(m, ==, "€1,234.56");
	g_assert_cmpstr(p, ==, "42,5" NBSP "%");
	g_assert_true(ok);
	g_assert_cmpint(cents, ==, 123456);
}

/* Many threads formatting at once get the same answers as one. */
static gpointer format_worker(gpointer data)
{
	(void)data;
	g_autoptr(GDateTime) t = utc("2026-03-29T01:30:00Z");
	g_autoptr(GDateTime) now = utc("2026-11-26T22:50:00Z");
	g_autoptr(GDateTime) soon = utc("2026-11-26T23:30:00Z");
	for (int i = 0; i < 2000; i++) {
		g_autofree char *a = format_datetime(i % 2 ? "en" : "de", t);
		g_autofree char *b = format_money("de", -123456 - i);
		g_autofree char *c = format_relative("de", soon, now);
		g_autofree char *want_b = g_strdup_printf("-1.%03d,%02d" NBSP "€", 234 + (56 + i) / 100,
			(56 + i) % 100);
		if (g_strcmp0(a, i % 2 ? "29 Mar 2026, 03:30" : "29.03.2026, 03:30 Uhr") != 0 ||
		    (i < 100 && g_strcmp0(b, want_b) != 0) || g_strcmp0(c, "morgen") != 0)
			return GINT_TO_POINTER(1);
	}
	return GINT_TO_POINTER(0);
}

static void test_threads(void)
{
	GThread *threads[8];
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("format", format_worker, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(threads[i])), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/format/zone", test_zone);
	g_test_add_func("/format/lang", test_lang);
	g_test_add_func("/format/names", test_names);
	g_test_add_func("/format/dates", test_dates);
	g_test_add_func("/format/dst", test_dst);
	g_test_add_func("/format/leap-years", test_leap_years);
	g_test_add_func("/format/ranges", test_ranges);
	g_test_add_func("/format/relative", test_relative);
	g_test_add_func("/format/int", test_int);
	g_test_add_func("/format/money", test_money);
	g_test_add_func("/format/decimal", test_decimal);
	g_test_add_func("/format/rounding", test_rounding);
	g_test_add_func("/format/percent", test_percent);
	g_test_add_func("/format/parse/date", test_parse_date);
	g_test_add_func("/format/parse/time", test_parse_time);
	g_test_add_func("/format/parse/money", test_parse_money);
	g_test_add_func("/format/parse/decimal", test_parse_decimal);
	g_test_add_func("/format/parse/money-roundtrip", test_money_roundtrip);
	g_test_add_func("/format/parse/local-to-utc", test_local_to_utc);
	g_test_add_func("/format/parse/local-roundtrip", test_local_roundtrip);
	g_test_add_func("/format/parse/local-datetime", test_parse_local_datetime);
	g_test_add_func("/format/parse/utc", test_parse_utc);
	g_test_add_func("/format/locale-independent", test_locale_independent);
	g_test_add_func("/format/threads", test_threads);
	return g_test_run();
}
