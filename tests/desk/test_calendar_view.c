/*
** test_calendar_view.c - a calendar day by day (desk_calendar.h): the
** windows of each local day in UTC and in wall time, a partial closure
** by name, a day of 23 hours when the clocks go forward, the compiled
** years' bounds. Expected values worked out by hand from the zone's
** rules (zdump -v Europe/Bratislava: CET +1 until 2026-03-29T01:00:00Z,
** CEST +2 after).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "desk_calendar.h"
#include "loader.h"
#include "support.h"

/* Sundays 01:00-05:00 and weekdays 09:00-17:00 in Bratislava, 2026 only;
** on the Sunday the clocks go forward the last hour is closed. */
static const char policy_yaml[] =
    "version: 1\n"
    "calendars:\n"
    "  night:\n"
    "    timezone: Europe/Bratislava\n"
    "    hours:\n"
    "      monday-friday: [\"09:00-17:00\"]\n"
    "      sunday: [\"01:00-05:00\"]\n"
    "    holidays:\n"
    "      - { name: \"Maintenance\", date: \"2026-03-29\", closed: \"04:00-05:00\" }\n"
    "      - { name: \"Labour Day\", date: \"05-01\" }\n"
    "    years: 2026-2026\n"
    "plans: [basic]\n"
    "priorities:\n"
    "  1: { name: Normal, definition: Anything. }\n"
    "default_priority: 1\n"
    "stages:\n"
    "  ga: { guaranteed: true }\n"
    "targets:\n"
    "  basic:\n"
    "    1: { within: 1h, calendar: night }\n"
    "warning_at: 75%\n";

static garant_policy *load(void)
{
    garant_policy *pol = NULL;
    garant_diags *diags = NULL;
    int rc = garant_config_load(&pol, &diags, policy_yaml, strlen(policy_yaml), garant_io_resource, NULL);
    for (size_t i = 0; rc && i < garant_diags_count(diags); i++)
        print_error("%s\n", garant_diags_get(diags, i)->message);
    garant_diags_free(diags);
    if (rc) fail_msg("policy: %s", garant_error_last());
    return pol;
}

static int64_t day_of(const char *date)
{
    int64_t d;
    if (garant_time_parse_date(&d, date, strlen(date)) != 0) fail_msg("bad date %s", date);
    return d;
}

/* What the walk saw, copied out of the borrowed days. */
typedef struct seen {
    int ndays;
    int64_t day[4], start_s[4], end_s[4], open_s[4];
    size_t nwindows[4], nclosures[4];
    desk_calendar_window w[4][4];
    const char *closure[4];
    int closed_from[4], closed_to[4];
} seen;

static int record(void *ctx, const desk_calendar_day *d)
{
    seen *s = ctx;
    int i = s->ndays++;
    assert_true(i < 4);
    s->day[i] = d->day;
    s->start_s[i] = d->start_s;
    s->end_s[i] = d->end_s;
    s->open_s[i] = d->open_s;
    s->nwindows[i] = d->nwindows;
    s->nclosures[i] = d->nclosures;
    for (size_t k = 0; k < d->nwindows && k < 4; k++) s->w[i][k] = d->windows[k];
    if (d->nclosures) {
        s->closure[i] = d->closures[0]->name;
        s->closed_from[i] = d->closures[0]->closed_from_min;
        s->closed_to[i] = d->closures[0]->closed_to_min;
    }
    return 0;
}

/* Sunday 2026-03-29: CET until 01:00Z, then CEST. Its local day runs from
** 2026-03-28T23:00Z to 2026-03-29T22:00Z, 23 hours. Open 01:00-05:00
** wall time is 00:00Z-03:00Z (02:00-03:00 never happens), less the
** closure 04:00-05:00 CEST = 02:00Z-03:00Z: one window 00:00Z-02:00Z,
** 7200 s, reading 01:00 to 04:00 on the wall. Monday 2026-03-30, CEST:
** 09:00-17:00 is 07:00Z-15:00Z, 28800 s, from midnight 2026-03-29T22:00Z. */
static void test_dst_day_with_a_closure(void **state)
{
    (void)state;
    garant_policy *pol = load();
    const garant_calendar *cal = garant_policy_calendar(pol, "night");
    assert_non_null(cal);
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(desk_calendar_days(cal, day_of("2026-03-29"), day_of("2026-03-30"), record, &s), 0);
    assert_int_equal(s.ndays, 2);

    assert_int_equal(s.day[0], day_of("2026-03-29"));
    assert_string_equal(t_fmt(s.start_s[0]), "2026-03-28T23:00:00Z");
    assert_string_equal(t_fmt(s.end_s[0]), "2026-03-29T22:00:00Z");
    assert_int_equal(s.end_s[0] - s.start_s[0], 23 * 3600);
    assert_int_equal(s.nwindows[0], 1);
    assert_string_equal(t_fmt(s.w[0][0].start_s), "2026-03-29T00:00:00Z");
    assert_string_equal(t_fmt(s.w[0][0].end_s), "2026-03-29T02:00:00Z");
    assert_int_equal(s.w[0][0].local_start_min, 60);
    assert_int_equal(s.w[0][0].local_end_min, 240);
    assert_int_equal(s.open_s[0], 7200);
    assert_int_equal(s.nclosures[0], 1);
    assert_string_equal(s.closure[0], "Maintenance");
    assert_int_equal(s.closed_from[0], 240);
    assert_int_equal(s.closed_to[0], 300);

    assert_int_equal(s.day[1], day_of("2026-03-30"));
    assert_string_equal(t_fmt(s.start_s[1]), "2026-03-29T22:00:00Z");
    assert_int_equal(s.end_s[1] - s.start_s[1], 24 * 3600);
    assert_int_equal(s.nwindows[1], 1);
    assert_string_equal(t_fmt(s.w[1][0].start_s), "2026-03-30T07:00:00Z");
    assert_string_equal(t_fmt(s.w[1][0].end_s), "2026-03-30T15:00:00Z");
    assert_int_equal(s.w[1][0].local_start_min, 9 * 60);
    assert_int_equal(s.w[1][0].local_end_min, 17 * 60);
    assert_int_equal(s.open_s[1], 28800);
    assert_int_equal(s.nclosures[1], 0);
    garant_policy_free(pol);
}

/* Friday 2026-05-01 is closed all day by name; the window list is empty. */
static void test_closed_day(void **state)
{
    (void)state;
    garant_policy *pol = load();
    const garant_calendar *cal = garant_policy_calendar(pol, "night");
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(desk_calendar_days(cal, day_of("2026-05-01"), day_of("2026-05-01"), record, &s), 0);
    assert_int_equal(s.ndays, 1);
    assert_int_equal(s.nwindows[0], 0);
    assert_int_equal(s.open_s[0], 0);
    assert_int_equal(s.nclosures[0], 1);
    assert_string_equal(s.closure[0], "Labour Day");
    assert_int_equal(s.closed_from[0], 0);
    assert_int_equal(s.closed_to[0], 1440);
    garant_policy_free(pol);
}

static int stop_at_first(void *ctx, const desk_calendar_day *d)
{
    (void)d;
    ++*(int *)ctx;
    return GARANT_ELIMIT;
}

/* Days outside 2026 are refused before any is walked; so is a reversed
** range; the callback's error stops the walk. */
static void test_bounds(void **state)
{
    (void)state;
    garant_policy *pol = load();
    const garant_calendar *cal = garant_policy_calendar(pol, "night");
    assert_int_equal(desk_calendar_covers(cal, day_of("2026-01-01"), day_of("2026-12-31")), 0);
    assert_int_equal(desk_calendar_covers(cal, day_of("2025-12-31"), day_of("2026-01-01")), GARANT_ERANGE);
    assert_non_null(strstr(garant_error_last(), "covers 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z only"));
    int calls = 0;
    assert_int_equal(desk_calendar_days(cal, day_of("2026-12-31"), day_of("2027-01-01"), stop_at_first, &calls),
                     GARANT_ERANGE);
    assert_int_equal(desk_calendar_days(cal, day_of("2026-03-02"), day_of("2026-03-01"), stop_at_first, &calls),
                     GARANT_EINVAL);
    assert_int_equal(calls, 0);
    assert_int_equal(desk_calendar_days(cal, day_of("2026-03-01"), day_of("2026-03-05"), stop_at_first, &calls),
                     GARANT_ELIMIT);
    assert_int_equal(calls, 1);
    garant_policy_free(pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dst_day_with_a_closure),
        cmocka_unit_test(test_closed_day),
        cmocka_unit_test(test_bounds),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
