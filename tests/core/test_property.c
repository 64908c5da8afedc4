/*
** test_property.c - randomized properties of the compiled default calendar
** against a naive reference, over 2025-2030.
**
** The reference knows the default policy's rules independently of the code
** under test: libc's localtime_r (glibc's own TZif reader) decides, minute
** by minute, whether the support team is open, with Easter dates copied
** from published tables; deadlines are then found by walking minute by
** minute. The properties, for >= 100,000 random submissions:
**   due(t, n) == reference(t, n)
**   elapsed(t, due(t, n)) == n
**   t1 <= t2  =>  due(t1, n) <= due(t2, n)
**   n1 <= n2  =>  due(t, n1) <= due(t, n2)
** The seed is fixed (reproducible); GARANT_SEED overrides it.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "support.h"

#define SUBMISSIONS 100000

/* Reference window: 2025-01-01T00:00Z to 2031-03-01T00:00Z (deadlines of
** late-2030 submissions spill into 2031). */
static const int64_t REF_FROM = 1735689600;
static const int64_t REF_TO = 1930089600;
static unsigned char *open_min; /* one byte a minute */

static int holiday(int y, int m, int d)
{
    if ((m == 1 && d == 1) || (m == 5 && d == 1) || (m == 12 && (d == 24 || d == 25 || d == 26))) return 1;
    /* Good Friday and Easter Monday, from published Easter tables. */
    static const int gf_em[][4] = {{2025, 418, 421, 0}, {2026, 403, 406, 0}, {2027, 326, 329, 0},
                                   {2028, 414, 417, 0}, {2029, 330, 402, 0}, {2030, 419, 422, 0},
                                   {2031, 411, 414, 0}};
    for (size_t i = 0; i < sizeof gf_em / sizeof gf_em[0]; i++)
        if (gf_em[i][0] == y && (m * 100 + d == gf_em[i][1] || m * 100 + d == gf_em[i][2])) return 1;
    return 0;
}

static void build_reference(void)
{
    setenv("TZ", "Europe/Bratislava", 1);
    tzset();
    size_t n = (size_t)((REF_TO - REF_FROM) / 60);
    open_min = malloc(n);
    assert_non_null(open_min);
    for (size_t i = 0; i < n; i++) {
        time_t t = (time_t)(REF_FROM + (int64_t)i * 60);
        struct tm tm;
        localtime_r(&t, &tm);
        open_min[i] = tm.tm_wday >= 1 && tm.tm_wday <= 5 && tm.tm_hour >= 9 && tm.tm_hour < 17 &&
                      !holiday(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    }
}

static int ref_open(int64_t t) { return open_min[(t - REF_FROM) / 60]; }

/* Walk minute by minute until n seconds of open time have passed. */
static int64_t ref_due(int64_t t, int64_t n)
{
    int64_t cur = t;
    while (n > 0) {
        int64_t minute_end = (cur / 60 + 1) * 60;
        if (ref_open(cur)) {
            if (minute_end - cur >= n) return cur + n;
            n -= minute_end - cur;
        }
        cur = minute_end;
        assert_true(cur < REF_TO);
    }
    return cur;
}

static int64_t ref_elapsed(int64_t a, int64_t b)
{
    int64_t sum = 0;
    for (int64_t cur = a; cur < b;) {
        int64_t next = (cur / 60 + 1) * 60;
        if (next > b) next = b;
        if (ref_open(cur)) sum += next - cur;
        cur = next;
    }
    return sum;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic and good enough for test inputs. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static int64_t rnd_between(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo)); }

/* A random submission: uniform, or one of the instants around opening and
** closing that off-by-one mistakes love. */
static int64_t rnd_submission(void)
{
    int64_t t = rnd_between(REF_FROM, 1924992000 /* 2031-01-01 */);
    if (rnd() % 4) return t;
    static const int edges[] = {-1, 0, 1};
    int64_t day = t / 86400 * 86400;
    /* 09:00 and 17:00 local are 07/08:00Z and 15/16:00Z depending on DST. */
    int hour = (int)(rnd() % 4);
    static const int hours_utc[] = {7, 8, 15, 16};
    return day + hours_utc[hour] * 3600 + edges[rnd() % 3];
}

static int64_t rnd_target(void)
{
    static const int64_t common[] = {3 * 3600, 6 * 3600, 9 * 3600, 3600};
    if (rnd() % 2) return common[rnd() % 4];
    return rnd_between(1, 40 * 3600);
}

static void test_against_reference(void **state)
{
    (void)state;
    const char *seed = getenv("GARANT_SEED");
    rng_state = seed ? strtoull(seed, NULL, 10) : 20261125;
    if (!rng_state) rng_state = 1;
    print_message("seed %llu\n", (unsigned long long)rng_state);
    build_reference();
    garant_policy *pol = t_default_policy();
    const garant_calendar *cal = garant_policy_calendar(pol, "business");
    assert_non_null(cal);
    for (int i = 0; i < SUBMISSIONS; i++) {
        int64_t t = rnd_submission(), n = rnd_target(), due;
        assert_int_equal(garant_calendar_add(&due, cal, t, n), 0);
        int64_t want = ref_due(t, n);
        if (due != want)
            fail_msg("due(%s, %lld s) = %s, reference %s", t_fmt(t), (long long)n, t_fmt(due), t_fmt(want));
        int64_t e;
        assert_int_equal(garant_calendar_elapsed(&e, cal, t, due), 0);
        if (e != n) fail_msg("elapsed(%s, %s) = %lld, want %lld", t_fmt(t), t_fmt(due), (long long)e, (long long)n);
        int64_t t2 = t + rnd_between(0, 3 * 86400), due2;
        assert_int_equal(garant_calendar_add(&due2, cal, t2, n), 0);
        if (due2 < due) fail_msg("not monotonic in t: %s -> %s but %s -> %s", t_fmt(t), t_fmt(due), t_fmt(t2), t_fmt(due2));
        int64_t n2 = n + rnd_between(0, 10 * 3600), due3;
        assert_int_equal(garant_calendar_add(&due3, cal, t, n2), 0);
        if (due3 < due) fail_msg("not monotonic in n at %s", t_fmt(t));
    }
    /* elapsed over random spans up to a week. */
    for (int i = 0; i < SUBMISSIONS / 10; i++) {
        int64_t a = rnd_submission(), b = a + rnd_between(0, 7 * 86400), e;
        assert_int_equal(garant_calendar_elapsed(&e, cal, a, b), 0);
        if (e != ref_elapsed(a, b)) fail_msg("elapsed(%s, %s) = %lld, reference %lld", t_fmt(a), t_fmt(b),
                                             (long long)e, (long long)ref_elapsed(a, b));
        assert_int_equal(garant_calendar_is_open(cal, a), ref_open(a));
    }
    garant_policy_free(pol);
    free(open_min);
}

/* The policy layer over the same reference: plans, priorities and stages. */
static void test_policy_against_reference(void **state)
{
    (void)state;
    rng_state = 42;
    build_reference();
    garant_policy *pol = t_default_policy();
    static const char *const plans[] = {"basic", "professional", "advanced"};
    static const int64_t hours[3][3] = {{0, 0, 0}, {3, 6, 9}, {1, 3, 6}};
    for (int i = 0; i < SUBMISSIONS; i++) {
        int p = (int)(rnd() % 3), prio = (int)(rnd() % 3) + 1;
        int beta = rnd() % 10 == 0;
        garant_ticket_terms terms = {plans[p], prio, beta ? "beta" : "ga"};
        int64_t t = rnd_submission(), due, want;
        assert_int_equal(garant_clock_due(&due, pol, &terms, t), 0);
        if (p == 0 || beta)
            want = GARANT_NO_DUE;
        else if (p == 2 && prio == 1)
            want = t + 3600; /* 1 hour, 24/7 */
        else
            want = ref_due(t, hours[p][prio - 1] * 3600);
        if (due != want) fail_msg("%s P%d at %s: %s, reference %s", plans[p], prio, t_fmt(t), t_fmt(due), t_fmt(want));
    }
    garant_policy_free(pol);
    free(open_min);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_policy_against_reference),
    };
    return t_exit_status(cmocka_run_group_tests_name("property", tests, NULL, NULL));
}
