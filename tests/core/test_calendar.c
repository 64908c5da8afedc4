/*
** test_calendar.c - compiling calendars and querying them: weekly hours,
** holidays, partial closures, DST gaps and repeated hours, range limits.
** Expected instants are worked out by hand from `zdump -v` (see comments).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

/* A calendar in zone `zone` open on the weekdays in `days` (bit 0 = Sunday)
** from start to end (minutes), compiled for 2020-2035. */
static garant_calendar *mk(const char *zone, unsigned days, int start, int end,
                           const garant_holiday *hol, size_t nhol)
{
    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "test"), 0);
    if (zone) assert_int_equal(garant_calspec_set_tz(s, t_zone(zone)), 0);
    for (unsigned wd = 0; wd < 7; wd++)
        if (days & (1u << wd)) assert_int_equal(garant_calspec_add_hours(s, wd, start, end), 0);
    for (size_t i = 0; i < nhol; i++) assert_int_equal(garant_calspec_add_holiday(s, &hol[i]), 0);
    garant_calendar *c;
    assert_int_equal(garant_calendar_compile(&c, s, 2020, 2035), 0);
    garant_calspec_free(s);
    return c;
}

#define MON_FRI 0x3eu
#define SUNDAY 0x01u

static int64_t add(const garant_calendar *c, const char *from, int64_t seconds)
{
    int64_t due;
    int rc = garant_calendar_add(&due, c, t_at(from), seconds);
    if (rc) fail_msg("add(%s, %lld): %s", from, (long long)seconds, garant_error_last());
    return due;
}

static int64_t elapsed(const garant_calendar *c, const char *a, const char *b)
{
    int64_t e;
    assert_int_equal(garant_calendar_elapsed(&e, c, t_at(a), t_at(b)), 0);
    return e;
}

static void test_week(void **state)
{
    (void)state;
    garant_calendar *c = mk("Europe/Bratislava", MON_FRI, 9 * 60, 17 * 60, NULL, 0);
    /* Mon 23 Nov 2026 00:00 CET to Mon 30 Nov 00:00 CET: 5 x 8 h. */
    assert_int_equal(elapsed(c, "2026-11-22T23:00:00Z", "2026-11-29T23:00:00Z"), 40 * 3600);
    assert_int_equal(elapsed(c, "2026-11-29T23:00:00Z", "2026-11-22T23:00:00Z"), -40 * 3600);
    assert_false(garant_calendar_is_open(c, t_at("2026-11-25T07:59:59Z")));
    assert_true(garant_calendar_is_open(c, t_at("2026-11-25T08:00:00Z")));
    assert_true(garant_calendar_is_open(c, t_at("2026-11-25T15:59:59Z")));
    assert_false(garant_calendar_is_open(c, t_at("2026-11-25T16:00:00Z")));
    assert_false(garant_calendar_is_open(c, t_at("2026-11-28T10:00:00Z")));
    /* Summer: 09:00 CEST = 07:00Z. */
    assert_true(garant_calendar_is_open(c, t_at("2026-07-15T07:00:00Z")));
    assert_false(garant_calendar_is_open(c, t_at("2026-07-15T06:59:59Z")));
    /* Zero business time is due at once, open or not. */
    assert_string_equal(t_fmt(add(c, "2026-11-28T10:00:00Z", 0)), "2026-11-28T10:00:00Z");
    garant_calendar_free(c);
}

/* A Sunday open all day has 23 h on the spring-forward day and 25 h on the
** fall-back day (zdump: 29 Mar 2026 01:00Z CET->CEST, 25 Oct 01:00Z back). */
static void test_dst_day_lengths(void **state)
{
    (void)state;
    garant_calendar *c = mk("Europe/Bratislava", SUNDAY, 0, GARANT_DAY_MIN, NULL, 0);
    /* Sun 29 Mar 00:00 CET = 28 Mar 23:00Z; Mon 00:00 CEST = 29 Mar 22:00Z. */
    assert_int_equal(elapsed(c, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"), 23 * 3600);
    /* Sun 25 Oct 00:00 CEST = 24 Oct 22:00Z; Mon 00:00 CET = 25 Oct 23:00Z. */
    assert_int_equal(elapsed(c, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"), 25 * 3600);
    /* An ordinary Sunday: 24 h. */
    assert_int_equal(elapsed(c, "2026-11-28T23:00:00Z", "2026-11-29T23:00:00Z"), 24 * 3600);
    /* 24 h of Sunday time from the start of 29 Mar ends at the start of 5 Apr + 1 h. */
    assert_string_equal(t_fmt(add(c, "2026-03-28T23:00:00Z", 24 * 3600)), "2026-04-04T23:00:00Z");
    garant_calendar_free(c);
}

/* 02:00-03:00 does not exist on 29 Mar 2026 and happens twice on 25 Oct. */
static void test_gap_and_repeated_hour(void **state)
{
    (void)state;
    garant_calendar *c = mk("Europe/Bratislava", SUNDAY, 2 * 60, 3 * 60, NULL, 0);
    assert_int_equal(elapsed(c, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"), 0);
    /* 02:00 CEST = 00:00Z to 03:00 CET = 02:00Z: both occurrences, 2 h. */
    assert_int_equal(elapsed(c, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z"), 2 * 3600);
    assert_true(garant_calendar_is_open(c, t_at("2026-10-25T00:00:00Z")));
    assert_true(garant_calendar_is_open(c, t_at("2026-10-25T01:59:59Z")));
    assert_false(garant_calendar_is_open(c, t_at("2026-10-25T02:00:00Z")));
    /* Filed Sat 28 Mar, 30 min needed: the gap Sunday has none, so the next
    ** Sunday 5 Apr 02:00 CEST (00:00Z) + 30 min. */
    assert_string_equal(t_fmt(add(c, "2026-03-28T12:00:00Z", 1800)), "2026-04-05T00:30:00Z");
    /* Filed in the first 02:30 CEST, 1 h needed: 30 min left of the first
    ** pass, then 30 min of the repeated hour: 02:30 CET = 01:30Z. */
    assert_string_equal(t_fmt(add(c, "2026-10-25T00:30:00Z", 3600)), "2026-10-25T01:30:00Z");
    garant_calendar_free(c);

    /* A window that starts inside the gap opens when the gap ends. */
    c = mk("Europe/Bratislava", SUNDAY, 2 * 60 + 30, 4 * 60, NULL, 0);
    assert_int_equal(elapsed(c, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"), 3600);
    assert_false(garant_calendar_is_open(c, t_at("2026-03-29T00:59:59Z")));
    assert_true(garant_calendar_is_open(c, t_at("2026-03-29T01:00:00Z")));
    garant_calendar_free(c);
}

static void test_holidays(void **state)
{
    (void)state;
    garant_holiday hol[] = {
        {.kind = GARANT_HOLIDAY_FIXED, .month = 12, .day = 25, .closed_to_min = GARANT_DAY_MIN, .name = "Xmas"},
        {.kind = GARANT_HOLIDAY_EASTER, .easter_offset = -2, .closed_to_min = GARANT_DAY_MIN, .name = "GF"},
        {.kind = GARANT_HOLIDAY_EASTER, .easter_offset = 1, .closed_to_min = GARANT_DAY_MIN, .name = "EM"},
        /* New Year's Eve 2026 closes at 13:00. */
        {.kind = GARANT_HOLIDAY_DATE, .year = 2026, .month = 12, .day = 31, .closed_from_min = 13 * 60,
         .closed_to_min = GARANT_DAY_MIN, .name = "NYE"},
        /* A leap-day holiday closes leap years only. */
        {.kind = GARANT_HOLIDAY_FIXED, .month = 2, .day = 29, .closed_to_min = GARANT_DAY_MIN, .name = "Leap"},
        /* A closure inside the day splits it: 11:00-12:00 on 15 Jul 2026. */
        {.kind = GARANT_HOLIDAY_DATE, .year = 2026, .month = 7, .day = 15, .closed_from_min = 11 * 60,
         .closed_to_min = 12 * 60, .name = "Training"},
        /* Overlapping closures merge. */
        {.kind = GARANT_HOLIDAY_DATE, .year = 2026, .month = 7, .day = 15, .closed_from_min = 11 * 60 + 30,
         .closed_to_min = 12 * 60 + 30, .name = "Training, longer"},
    };
    garant_calendar *c = mk("Europe/Bratislava", MON_FRI, 9 * 60, 17 * 60, hol, sizeof hol / sizeof hol[0]);
    /* Fri 25 Dec 2026 closed. */
    assert_int_equal(elapsed(c, "2026-12-24T23:00:00Z", "2026-12-25T23:00:00Z"), 0);
    /* Easter 2026 is 5 Apr: Fri 3 Apr and Mon 6 Apr closed. */
    assert_int_equal(elapsed(c, "2026-04-02T22:00:00Z", "2026-04-06T22:00:00Z"), 0);
    assert_int_equal(elapsed(c, "2026-04-06T22:00:00Z", "2026-04-07T22:00:00Z"), 8 * 3600);
    /* Thu 31 Dec 2026: 09:00-13:00 only. */
    assert_int_equal(elapsed(c, "2026-12-30T23:00:00Z", "2026-12-31T23:00:00Z"), 4 * 3600);
    /* 12:30 CET + 1 h: 30 min to 13:00, then Fri 1 Jan 2027 (no holiday in
    ** this calendar) 09:00 + 30 min = 09:30 CET = 08:30Z. */
    assert_string_equal(t_fmt(add(c, "2026-12-31T11:30:00Z", 3600)), "2027-01-01T08:30:00Z");
    /* 12:00 CET + 1 h ends exactly at the early closing. */
    assert_string_equal(t_fmt(add(c, "2026-12-31T11:00:00Z", 3600)), "2026-12-31T12:00:00Z");
    /* Thu 29 Feb 2024 closed, Mon 1 Mar 2027 not affected (no 29 Feb). */
    assert_int_equal(elapsed(c, "2024-02-28T23:00:00Z", "2024-02-29T23:00:00Z"), 0);
    assert_int_equal(elapsed(c, "2027-02-28T23:00:00Z", "2027-03-01T23:00:00Z"), 8 * 3600);
    /* Wed 15 Jul 2026 (CEST): closed 11:00-12:30, so 6 h 30 min open. */
    assert_int_equal(elapsed(c, "2026-07-14T22:00:00Z", "2026-07-15T22:00:00Z"), 6 * 3600 + 1800);
    /* 10:00 CEST + 2 h: 1 h before the closure, 1 h after 12:30 -> 13:30 CEST. */
    assert_string_equal(t_fmt(add(c, "2026-07-15T08:00:00Z", 7200)), "2026-07-15T11:30:00Z");
    /* The compiled calendar keeps the closures with their names, and says
    ** which fall on a local day (the calendar view of the admin page). */
    assert_int_equal(garant_calendar_holiday_count(c), sizeof hol / sizeof hol[0]);
    assert_string_equal(garant_calendar_holiday(c, 0)->name, "Xmas");
    assert_null(garant_calendar_holiday(c, sizeof hol / sizeof hol[0]));
    assert_true(garant_calendar_holiday_on(garant_calendar_holiday(c, 0), garant_days_from_civil(2031, 12, 25)));
    assert_false(garant_calendar_holiday_on(garant_calendar_holiday(c, 0), garant_days_from_civil(2031, 12, 24)));
    assert_true(garant_calendar_holiday_on(garant_calendar_holiday(c, 1), garant_days_from_civil(2026, 4, 3)));
    assert_true(garant_calendar_holiday_on(garant_calendar_holiday(c, 2), garant_days_from_civil(2027, 3, 29)));
    assert_false(garant_calendar_holiday_on(garant_calendar_holiday(c, 2), garant_days_from_civil(2026, 3, 29)));
    assert_true(garant_calendar_holiday_on(garant_calendar_holiday(c, 3), garant_days_from_civil(2026, 12, 31)));
    assert_false(garant_calendar_holiday_on(garant_calendar_holiday(c, 3), garant_days_from_civil(2027, 12, 31)));
    assert_true(garant_calendar_holiday_on(garant_calendar_holiday(c, 4), garant_days_from_civil(2028, 2, 29)));
    /* An Easter offset that reaches into the year before: Easter 2027 is
    ** 28 Mar, so -100 days is 18 Dec 2026. */
    garant_holiday far = {.kind = GARANT_HOLIDAY_EASTER, .easter_offset = -100, .closed_to_min = GARANT_DAY_MIN};
    assert_true(garant_calendar_holiday_on(&far, garant_days_from_civil(2026, 12, 18)));
    garant_calendar_free(c);
}

static void test_lunch_break_and_midnight(void **state)
{
    (void)state;
    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "split"), 0);
    /* Added out of order on purpose. */
    assert_int_equal(garant_calspec_add_hours(s, 3, 13 * 60, 17 * 60), 0);
    assert_int_equal(garant_calspec_add_hours(s, 3, 9 * 60, 12 * 60), 0);
    /* Wednesday night into Thursday morning. */
    assert_int_equal(garant_calspec_add_hours(s, 3, 22 * 60, GARANT_DAY_MIN), 0);
    assert_int_equal(garant_calspec_add_hours(s, 4, 0, 2 * 60), 0);
    /* Overlaps are refused and named. */
    assert_int_equal(garant_calspec_add_hours(s, 3, 11 * 60, 14 * 60), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "11:00-14:00 overlap 09:00-12:00"));
    assert_int_equal(garant_calspec_add_hours(s, 3, 17 * 60, 17 * 60), GARANT_EINVAL);
    assert_int_equal(garant_calspec_add_hours(s, 7, 0, 60), GARANT_EINVAL);
    assert_int_equal(garant_calspec_add_hours(s, 1, -1, 60), GARANT_EINVAL);
    assert_int_equal(garant_calspec_add_hours(s, 1, 0, GARANT_DAY_MIN + 1), GARANT_EINVAL);
    garant_calendar *c;
    assert_int_equal(garant_calendar_compile(&c, s, 2026, 2026), 0);
    garant_calspec_free(s);
    /* UTC zone. Wed 25 Nov 2026 11:30 + 1 h: 30 min to 12:00, lunch, 13:30. */
    assert_string_equal(t_fmt(add(c, "2026-11-25T11:30:00Z", 3600)), "2026-11-25T13:30:00Z");
    /* 16:30 + 2 h: 30 min, then 22:00-23:30. */
    assert_string_equal(t_fmt(add(c, "2026-11-25T16:30:00Z", 7200)), "2026-11-25T23:30:00Z");
    /* 23:00 + 2 h runs across midnight without a break: Thu 01:00. */
    assert_string_equal(t_fmt(add(c, "2026-11-25T23:00:00Z", 7200)), "2026-11-26T01:00:00Z");
    /* Ends exactly at 12:00: due at 12:00, not at 13:00. */
    assert_string_equal(t_fmt(add(c, "2026-11-25T11:00:00Z", 3600)), "2026-11-25T12:00:00Z");
    garant_calendar_free(c);
}

static void test_other_zones(void **state)
{
    (void)state;
    /* New York: Fri 6 Mar 2026 16:00 EST = 21:00Z; 1 h Fri, DST starts Sun
    ** 8 Mar; Mon 9 Mar 09:00 EDT + 2 h = 11:00 EDT = 15:00Z. */
    garant_calendar *c = mk("America/New_York", MON_FRI, 9 * 60, 17 * 60, NULL, 0);
    assert_string_equal(t_fmt(add(c, "2026-03-06T21:00:00Z", 3 * 3600)), "2026-03-09T15:00:00Z");
    garant_calendar_free(c);
    /* Sydney: Fri 3 Apr 2026 16:00 AEDT = 05:00Z; DST ends Sun 5 Apr;
    ** Mon 6 Apr 09:00 AEST + 2 h = 11:00 AEST = 01:00Z. */
    c = mk("Australia/Sydney", MON_FRI, 9 * 60, 17 * 60, NULL, 0);
    assert_string_equal(t_fmt(add(c, "2026-04-03T05:00:00Z", 3 * 3600)), "2026-04-06T01:00:00Z");
    garant_calendar_free(c);
    /* Kolkata (+05:30): Wed 25 Nov 16:00 IST = 10:30Z; Thu 09:00 + 2 h = 05:30Z. */
    c = mk("Asia/Kolkata", MON_FRI, 9 * 60, 17 * 60, NULL, 0);
    assert_string_equal(t_fmt(add(c, "2026-11-25T10:30:00Z", 3 * 3600)), "2026-11-26T05:30:00Z");
    garant_calendar_free(c);
}

static void test_ranges_and_empty(void **state)
{
    (void)state;
    garant_calendar *c = mk("Europe/Bratislava", MON_FRI, 9 * 60, 17 * 60, NULL, 0);
    int64_t due, from, to;
    garant_calendar_range(c, &from, &to);
    assert_string_equal(t_fmt(from), "2020-01-01T00:00:00Z");
    assert_string_equal(t_fmt(to), "2036-01-01T00:00:00Z");
    assert_int_equal(garant_calendar_add(&due, c, from - 1, 60), GARANT_ERANGE);
    assert_non_null(strstr(garant_error_last(), "outside the compiled range"));
    assert_int_equal(garant_calendar_add(&due, c, to, 60), GARANT_ERANGE);
    /* The last week of 2035 cannot hold 100 business hours. */
    assert_int_equal(garant_calendar_add(&due, c, t_at("2035-12-24T00:00:00Z"), 100 * 3600), GARANT_ERANGE);
    assert_int_equal(garant_calendar_add(&due, c, t_at("2035-12-24T00:00:00Z"), -1), GARANT_EINVAL);
    assert_int_equal(garant_calendar_add(&due, c, INT64_MIN, 60), GARANT_ERANGE);
    assert_int_equal(garant_calendar_add(&due, c, INT64_MAX, 60), GARANT_ERANGE);
    garant_calendar_free(c);

    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "empty"), 0);
    assert_int_equal(garant_calendar_compile(&c, s, 2026, 2026), 0);
    assert_int_equal(garant_calendar_open_total(c), 0);
    assert_int_equal(garant_calendar_add(&due, c, t_at("2026-06-01T00:00:00Z"), 60), GARANT_ERANGE);
    garant_calendar_free(c);
    assert_int_equal(garant_calendar_compile(&c, s, 2027, 2026), GARANT_EINVAL);
    assert_int_equal(garant_calendar_compile(&c, s, 1800, 2026), GARANT_EINVAL);
    garant_calspec_free(s);
}

static void test_always_open(void **state)
{
    (void)state;
    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "24/7"), 0);
    assert_int_equal(garant_calspec_set_always_open(s), 0);
    garant_calendar *c;
    assert_int_equal(garant_calendar_compile(&c, s, 2026, 2027), 0);
    garant_calspec_free(s);
    assert_string_equal(t_fmt(add(c, "2026-11-28T23:30:00Z", 3600)), "2026-11-29T00:30:00Z");
    assert_int_equal(garant_calendar_open_total(c), 730 * 86400LL);
    garant_calendar_free(c);
}

static void test_bad_holidays(void **state)
{
    (void)state;
    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "h"), 0);
    garant_holiday h = {.kind = GARANT_HOLIDAY_FIXED, .month = 2, .day = 30, .closed_to_min = GARANT_DAY_MIN};
    assert_int_equal(garant_calspec_add_holiday(s, &h), GARANT_EINVAL);
    h = (garant_holiday){.kind = GARANT_HOLIDAY_DATE, .year = 2026, .month = 2, .day = 29,
                         .closed_to_min = GARANT_DAY_MIN};
    assert_int_equal(garant_calspec_add_holiday(s, &h), GARANT_EINVAL);
    h = (garant_holiday){.kind = GARANT_HOLIDAY_FIXED, .month = 1, .day = 1, .closed_from_min = 600,
                         .closed_to_min = 600};
    assert_int_equal(garant_calspec_add_holiday(s, &h), GARANT_EINVAL);
    h = (garant_holiday){.kind = GARANT_HOLIDAY_EASTER, .easter_offset = 1000, .closed_to_min = GARANT_DAY_MIN};
    assert_int_equal(garant_calspec_add_holiday(s, &h), GARANT_EINVAL);
    assert_int_equal(garant_calspec_holiday_count(s), 0);
    garant_calspec_free(s);
}

/* 1970-2100 in Bratislava fits comfortably in memory. */
static void test_memory(void **state)
{
    (void)state;
    garant_calendar_spec *s;
    assert_int_equal(garant_calspec_new(&s, "business"), 0);
    assert_int_equal(garant_calspec_set_tz(s, t_zone("Europe/Bratislava")), 0);
    for (unsigned wd = 1; wd <= 5; wd++) assert_int_equal(garant_calspec_add_hours(s, wd, 540, 1020), 0);
    garant_calendar *c;
    assert_int_equal(garant_calendar_compile(&c, s, 1970, 2100), 0);
    garant_calspec_free(s);
    assert_true(garant_calendar_memory(c) < 2u << 20);
    /* 131 years of 8 h weekdays, about 34,000 days. */
    assert_true(garant_calendar_open_total(c) > 34000LL * 8 * 3600);
    assert_true(garant_calendar_open_total(c) < 34300LL * 8 * 3600);
    garant_calendar_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_week),          cmocka_unit_test(test_dst_day_lengths),
        cmocka_unit_test(test_gap_and_repeated_hour), cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_lunch_break_and_midnight), cmocka_unit_test(test_other_zones),
        cmocka_unit_test(test_ranges_and_empty), cmocka_unit_test(test_always_open),
        cmocka_unit_test(test_bad_holidays),  cmocka_unit_test(test_memory),
    };
    return t_exit_status(cmocka_run_group_tests_name("calendar", tests, NULL, NULL));
}
