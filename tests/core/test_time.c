/*
** test_time.c - civil dates, Easter, and the RFC 3339 parser's verdicts.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static void test_civil_round_trip(void **state)
{
    (void)state;
    assert_int_equal(garant_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(garant_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(garant_days_from_civil(1969, 12, 31), -1);
    /* Every day from 1900 to 2200 maps back to itself, one after another. */
    int64_t prev = garant_days_from_civil(1900, 1, 1) - 1;
    for (int64_t y = 1900; y <= 2200; y++)
        for (unsigned m = 1; m <= 12; m++)
            for (unsigned d = 1; d <= garant_days_in_month(y, m); d++) {
                int64_t z = garant_days_from_civil(y, m, d);
                assert_int_equal(z, prev + 1);
                prev = z;
                int64_t yy;
                unsigned mm, dd;
                garant_civil_from_days(&yy, &mm, &dd, z);
                assert_true(yy == y && mm == m && dd == d);
            }
    /* 1970-01-01 was a Thursday, 2026-11-25 is a Wednesday. */
    assert_int_equal(garant_weekday_from_days(0), 4);
    assert_int_equal(garant_weekday_from_days(garant_days_from_civil(2026, 11, 25)), 3);
    assert_int_equal(garant_weekday_from_days(-1), 3);
    assert_int_equal(garant_weekday_from_days(-4), 0);
    assert_int_equal(garant_weekday_from_days(-5), 6);
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_int_equal(garant_days_in_month(2024, 2), 29);
    assert_int_equal(garant_days_in_month(2026, 2), 28);
    assert_int_equal(garant_days_in_month(1900, 2), 28);
    assert_int_equal(garant_days_in_month(2000, 2), 29);
    assert_int_equal(garant_days_in_month(2026, 13), 0);
}

/* Easter Sundays from published tables (Western churches). */
static void test_easter(void **state)
{
    (void)state;
    static const struct { int y; unsigned m, d; } e[] = {
        {1970, 3, 29}, {1999, 4, 4}, {2000, 4, 23}, {2008, 3, 23}, {2011, 4, 24},
        {2019, 4, 21}, {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28},
        {2028, 4, 16}, {2029, 4, 1}, {2030, 4, 21}, {2038, 4, 25}, {2100, 3, 28}};
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        assert_int_equal(garant_easter_days(e[i].y), garant_days_from_civil(e[i].y, e[i].m, e[i].d));
}

static void ok(const char *s, const char *want_utc)
{
    int64_t t;
    int rc = garant_time_parse_rfc3339(&t, s, strlen(s));
    if (rc) fail_msg("'%s' rejected: %s", s, garant_error_last());
    assert_string_equal(t_fmt(t), want_utc);
}

static void bad(const char *s, const char *msg_part)
{
    int64_t t = 0;
    assert_int_equal(garant_time_parse_rfc3339(&t, s, strlen(s)), GARANT_EINVAL);
    if (!strstr(garant_error_last(), msg_part))
        fail_msg("'%s': message '%s' lacks '%s'", s, garant_error_last(), msg_part);
}

static void test_rfc3339_accepts(void **state)
{
    (void)state;
    ok("2026-11-27T15:30:00Z", "2026-11-27T15:30:00Z");
    ok("2026-11-27t15:30:00z", "2026-11-27T15:30:00Z");
    ok("2026-11-27 15:30:00Z", "2026-11-27T15:30:00Z");
    ok("2026-11-27T16:30:00+01:00", "2026-11-27T15:30:00Z");
    ok("2026-11-27T10:30:00-05:00", "2026-11-27T15:30:00Z");
    ok("2026-11-28T01:00:00+09:30", "2026-11-27T15:30:00Z");
    ok("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z");
    ok("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z");
    ok("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z");
    ok("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z");
    /* Fractions round up so that a deadline is never early. */
    ok("2026-11-27T15:30:00.000Z", "2026-11-27T15:30:00Z");
    ok("2026-11-27T15:30:00.001Z", "2026-11-27T15:30:01Z");
    ok("2026-11-27T15:30:59.999999999Z", "2026-11-27T15:31:00Z");
}

static void test_rfc3339_rejects(void **state)
{
    (void)state;
    bad("2026-11-27T15:30:00", "no UTC offset");
    bad("2026-02-30T10:00:00Z", "day 30 does not exist in February 2026");
    bad("2025-02-29T10:00:00Z", "day 29 does not exist in February 2025");
    bad("2026-04-31T10:00:00Z", "April");
    bad("2026-13-01T10:00:00Z", "month 13");
    bad("2026-00-01T10:00:00Z", "month 00");
    bad("2026-11-27T24:61:00Z", "hour 24");
    bad("2026-11-27T23:61:00Z", "minute 61");
    bad("2026-11-27T23:59:61Z", "second 61");
    bad("2026-12-31T23:59:60Z", "leap second");
    bad("2026-11-27T15:30:00+1:00", "offset");
    bad("2026-11-27T15:30:00+24:00", "offset +24:00");
    bad("2026-11-27T15:30:00+0100", "offset");
    bad("2026-11-27T15:30Z", "HH:MM:SS");
    bad("2026-11-27", "date alone");
    bad("26-11-27T15:30:00Z", "YYYY-MM-DD");
    bad("2026-11-27X15:30:00Z", "'T'");
    bad("2026-11-27T15:30:00Z trailing", "unexpected text");
    bad("2026-11-27T15:30:00.Z", "fractional");
    bad("", "empty");
    bad("now", "YYYY-MM-DD");
    /* Found by fuzzing: instants that leave years 0000-9999 once in UTC. */
    bad("0000-01-01T00:00:00+05:30", "outside years 0000-9999");
    bad("9999-12-31T23:59:59.5Z", "outside years 0000-9999");
    bad("9999-12-31T23:00:00-01:00", "outside years 0000-9999");
    ok("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z");
    ok("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z");
    /* Embedded NUL: length, not the terminator, decides. */
    int64_t t;
    assert_int_equal(garant_time_parse_rfc3339(&t, "2026-11-27T15:30:00Z\0x", 22), GARANT_EINVAL);
}

static void test_parse_date(void **state)
{
    (void)state;
    int64_t d;
    assert_int_equal(garant_time_parse_date(&d, "2026-11-25", 10), 0);
    assert_int_equal(d, garant_days_from_civil(2026, 11, 25));
    assert_int_equal(garant_time_parse_date(&d, "2026-02-29", 10), GARANT_EINVAL);
    assert_int_equal(garant_time_parse_date(&d, "2026-11-25T", 11), GARANT_EINVAL);
}

static void test_format(void **state)
{
    (void)state;
    char buf[GARANT_RFC3339_UTC_LEN];
    assert_string_equal(garant_time_format_utc(buf, 0), "1970-01-01T00:00:00Z");
    assert_string_equal(garant_time_format_utc(buf, -1), "1969-12-31T23:59:59Z");
    assert_string_equal(garant_time_format_utc(buf, 4102444800), "2100-01-01T00:00:00Z");
    char d[64];
    assert_string_equal(garant_duration_format(d, sizeof d, 19800), "5 h 30 min");
    assert_string_equal(garant_duration_format(d, sizeof d, 1800), "30 min");
    assert_string_equal(garant_duration_format(d, sizeof d, 0), "0 s");
    assert_string_equal(garant_duration_format(d, sizeof d, -3601), "-1 h 1 s");
    assert_string_equal(garant_duration_format(d, sizeof d, 10799), "2 h 59 min 59 s");
}

/* Time left or late, in whole minutes: what is left rounds down (never
** more than remains), lateness rounds up (never less than it is). */
static void test_lateness(void **state)
{
    (void)state;
    char d[64];
    assert_string_equal(garant_lateness_format(d, sizeof d, 10799, 1), "2 h 59 min left (business hours)");
    assert_string_equal(garant_lateness_format(d, sizeof d, -104400, 1), "29 h late (business hours)");
    assert_string_equal(garant_lateness_format(d, sizeof d, -3601, 0), "1 h 1 min late");
    assert_string_equal(garant_lateness_format(d, sizeof d, -1, 0), "1 min late");
    assert_string_equal(garant_lateness_format(d, sizeof d, 59, 0), "under 1 min left");
    assert_string_equal(garant_lateness_format(d, sizeof d, 0, 1), "under 1 min left (business hours)");
    assert_string_equal(garant_lateness_format(d, sizeof d, 3600, 0), "1 h left");
    assert_string_equal(garant_lateness_format(d, sizeof d, 2700, 0), "45 min left");
    /* The figure alone, as the mails word it in their language. */
    assert_string_equal(garant_lateness_span(d, sizeof d, -104400), "29 h");
    assert_string_equal(garant_lateness_span(d, sizeof d, -3601), "1 h 1 min");
    assert_string_equal(garant_lateness_span(d, sizeof d, 10799), "2 h 59 min");
    assert_string_equal(garant_lateness_span(d, sizeof d, 59), "0 min");
    assert_string_equal(garant_lateness_span(d, sizeof d, -1800), "30 min");
    /* 1,000 business hours: no days, whatever the count. */
    assert_string_equal(garant_lateness_format(d, sizeof d, -3600000, 1), "1000 h late (business hours)");
    assert_string_equal(garant_lateness_format(d, sizeof d, INT64_MIN, 0), "2562047788015215 h 31 min late");
    char small[8];
    assert_string_equal(garant_lateness_format(small, sizeof small, -104400, 1), "29 h la");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_round_trip), cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_easter),           cmocka_unit_test(test_rfc3339_accepts),
        cmocka_unit_test(test_rfc3339_rejects),  cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_format),           cmocka_unit_test(test_lateness),
    };
    return t_exit_status(cmocka_run_group_tests_name("time", tests, NULL, NULL));
}
