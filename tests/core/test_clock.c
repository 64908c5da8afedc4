/*
** test_clock.c - deadlines on the default policy from the golden case files
** in tests/core/cases/ (one scenario a file, expected instants worked out by
** hand), plus elapsed/remaining time, reclassification and error paths.
**
** Case file keys: plan, priority (omit for the default), stage, submitted,
** change ("INSTANT PRIORITY", repeatable, in order), due ("none" for no
** guarantee), explain (the expected explanation text).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static garant_policy *pol;

static int setup(void **state)
{
    (void)state;
    pol = t_default_policy();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    garant_policy_free(pol);
    return 0;
}

typedef struct golden {
    char plan[64], stage[64], explain[512], due[64];
    int priority;
    int64_t submitted;
    garant_priority_change changes[8];
    size_t nchanges;
} golden;

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

static void read_case(golden *g, const char *path)
{
    memset(g, 0, sizeof *g);
    snprintf(g->stage, sizeof g->stage, "ga");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        trim(line);
        if (!line[0] || line[0] == '#') continue;
        char *colon = strchr(line, ':');
        if (!colon) fail_msg("%s: no 'key: value' in '%s'", path, line);
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ') v++;
        if (!strcmp(line, "plan")) snprintf(g->plan, sizeof g->plan, "%s", v);
        else if (!strcmp(line, "stage")) snprintf(g->stage, sizeof g->stage, "%s", v);
        else if (!strcmp(line, "priority")) g->priority = (int)strtol(v, NULL, 10);
        else if (!strcmp(line, "submitted")) g->submitted = t_at(v);
        else if (!strcmp(line, "due")) snprintf(g->due, sizeof g->due, "%s", v);
        else if (!strcmp(line, "explain")) snprintf(g->explain, sizeof g->explain, "%s", v);
        else if (!strcmp(line, "change")) {
            char ts[64];
            int p;
            if (sscanf(v, "%63s %d", ts, &p) != 2 || g->nchanges == 8) fail_msg("%s: bad change '%s'", path, v);
            g->changes[g->nchanges].at_s = t_at(ts);
            g->changes[g->nchanges++].priority = p;
        } else fail_msg("%s: unknown key '%s'", path, line);
    }
    fclose(f);
    if (!g->plan[0] || !g->due[0] || !g->submitted) fail_msg("%s: needs plan, submitted and due", path);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_case(const char *path)
{
    golden g;
    read_case(&g, path);
    garant_ticket_terms terms = {g.plan, g.priority, g.stage};
    int64_t due;
    int rc = garant_clock_replay(&due, pol, &terms, g.submitted, g.changes, g.nchanges);
    if (rc) fail_msg("%s: %s", path, garant_error_last());
    if (strcmp(t_fmt(due), g.due)) fail_msg("%s: due %s, expected %s", path, t_fmt(due), g.due);
    if (g.nchanges == 0) {
        int64_t direct;
        assert_int_equal(garant_clock_due(&direct, pol, &terms, g.submitted), 0);
        assert_int_equal(direct, due);
        garant_target t;
        assert_int_equal(garant_policy_target(&t, pol, &terms), 0);
        if (due != GARANT_NO_DUE) {
            /* The whole target elapses between submission and deadline. */
            int64_t e, left;
            assert_int_equal(garant_clock_elapsed(&e, pol, &terms, g.submitted, due), 0);
            assert_int_equal(e, t.seconds);
            assert_int_equal(garant_clock_remaining(&left, pol, &terms, due, g.submitted), 0);
            assert_int_equal(left, t.seconds);
            assert_int_equal(garant_clock_remaining(&left, pol, &terms, due, due), 0);
            assert_int_equal(left, 0);
        }
    } else if (g.nchanges == 1) {
        /* A single change through reclassify directly gives the same. */
        int64_t first, direct;
        assert_int_equal(garant_clock_due(&first, pol, &terms, g.submitted), 0);
        garant_ticket_terms to = terms;
        to.priority = g.changes[0].priority;
        assert_int_equal(garant_clock_reclassify(&direct, pol, &terms, &to, g.submitted, first, g.changes[0].at_s), 0);
        assert_int_equal(direct, due);
    }
    if (g.explain[0]) {
        garant_explanation *ex;
        assert_int_equal(garant_clock_explain(&ex, pol, &terms, g.submitted, due), 0);
        if (strcmp(garant_explanation_text(ex), g.explain))
            fail_msg("%s: explanation\n  got  %s\n  want %s", path, garant_explanation_text(ex), g.explain);
        garant_explanation_free(ex);
    }
}

static void test_golden_cases(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/core/cases", t_source_dir());
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char *names[512] = {0};
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".case")) {
            /* More cases than names: fail rather than leave some unrun. */
            if (n == sizeof names / sizeof names[0]) fail_msg("more than %zu cases in %s", n, dir);
            names[n] = malloc(strlen(dir) + len + 2);
            assert_non_null(names[n]);
            snprintf(names[n], strlen(dir) + len + 2, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        run_case(names[i]);
        free(names[i]);
    }
    print_message("%zu golden cases passed\n", n);
}

static void test_remaining_overdue(void **state)
{
    (void)state;
    garant_ticket_terms terms = {"professional", 2, "ga"};
    int64_t left;
    /* Due Mon 30 Nov 14:30 CET; at Tue 1 Dec 10:00 CET it is 2 h 30 + 1 h over. */
    assert_int_equal(garant_clock_remaining(&left, pol, &terms, t_at("2026-11-30T13:30:00Z"),
                                            t_at("2026-12-01T09:00:00Z")), 0);
    assert_int_equal(left, -(2 * 3600 + 1800 + 3600));
    /* At Sat 28 Nov noon: 5 h 30 min of business time left. */
    assert_int_equal(garant_clock_remaining(&left, pol, &terms, t_at("2026-11-30T13:30:00Z"),
                                            t_at("2026-11-28T11:00:00Z")), 0);
    assert_int_equal(left, 5 * 3600 + 1800);
    assert_int_equal(garant_clock_remaining(&left, pol, &terms, GARANT_NO_DUE, 0), GARANT_EINVAL);
    /* 24/7 counts wall time. */
    garant_ticket_terms p1 = {"advanced", 1, "ga"};
    assert_int_equal(garant_clock_remaining(&left, pol, &p1, t_at("2026-11-29T00:30:00Z"),
                                            t_at("2026-11-29T01:00:00Z")), 0);
    assert_int_equal(left, -1800);
}

static void test_errors(void **state)
{
    (void)state;
    int64_t due;
    garant_ticket_terms t = {"gold", 1, "ga"};
    assert_int_equal(garant_clock_due(&due, pol, &t, 0), GARANT_ENOTFOUND);
    assert_non_null(strstr(garant_error_last(), "gold"));
    t = (garant_ticket_terms){"professional", 4, "ga"};
    assert_int_equal(garant_clock_due(&due, pol, &t, 0), GARANT_EINVAL);
    t = (garant_ticket_terms){"professional", -1, "ga"};
    assert_int_equal(garant_clock_due(&due, pol, &t, 0), GARANT_EINVAL);
    t = (garant_ticket_terms){"professional", 1, "alpha"};
    assert_int_equal(garant_clock_due(&due, pol, &t, 0), GARANT_ENOTFOUND);
    t = (garant_ticket_terms){NULL, 1, NULL};
    assert_int_equal(garant_clock_due(&due, pol, &t, 0), GARANT_ENOTFOUND);
    /* Outside the compiled years (1970-2100). */
    t = (garant_ticket_terms){"professional", 1, NULL};
    assert_int_equal(garant_clock_due(&due, pol, &t, t_at("2101-01-01T00:00:00Z")), GARANT_ERANGE);
    assert_int_equal(garant_clock_due(&due, pol, &t, t_at("1969-12-31T23:59:59Z")), GARANT_ERANGE);
    /* 24/7 deadlines have no calendar range, but stay within year 9999
    ** (found by fuzzing: a 9999-12-31T23:30Z submission was due in 9999-01-01). */
    t = (garant_ticket_terms){"advanced", 1, NULL};
    assert_int_equal(garant_clock_due(&due, pol, &t, t_at("9999-12-31T23:30:00Z")), GARANT_ERANGE);
    assert_int_equal(garant_clock_due(&due, pol, &t, t_at("9999-12-31T22:59:59Z")), 0);
    assert_string_equal(t_fmt(due), "9999-12-31T23:59:59Z");
    /* A change cannot precede the submission; replayed changes stay in order. */
    garant_ticket_terms to = {"professional", 2, NULL};
    assert_int_equal(garant_clock_reclassify(&due, pol, &t, &to, 1000, 2000, 999), GARANT_EINVAL);
    garant_priority_change ch[2] = {{t_at("2026-11-25T12:00:00Z"), 2}, {t_at("2026-11-25T11:00:00Z"), 3}};
    assert_int_equal(garant_clock_replay(&due, pol, &t, t_at("2026-11-25T10:00:00Z"), ch, 2), GARANT_EINVAL);
}

static void test_explain_none(void **state)
{
    (void)state;
    garant_ticket_terms t = {"basic", 1, NULL};
    garant_explanation *ex;
    assert_int_equal(garant_clock_explain(&ex, pol, &t, 0, GARANT_NO_DUE), 0);
    assert_int_equal(garant_explanation_count(ex), 0);
    assert_string_equal(garant_explanation_text(ex), "no guaranteed response time");
    garant_explanation_free(ex);
    garant_explanation_free(NULL);
}

/* The words of the explanation and of the reason for no guarantee come
** from the caller's table (a door's language); a missing word is English,
** and a format whose conversions differ from the English one's is not
** used. */
static void test_explain_in_words(void **state)
{
    (void)state;
    garant_words ro = {.weekday = {"dum", "lun", "mar", "mie", "joi", "vin", "sâm"},
                       .month = {"ian", "feb", "mar", "apr", "mai", "iun", "iul", "aug", "sept", "oct", "nov", NULL},
                       .no_guarantee = "fără timp de răspuns garantat",
                       .due_immediately = "termenul este imediat",
                       .stage_none = "produsele în etapa „%s” nu au timp de răspuns garantat",
                       .plan_none = "planul „%s” nu garantează un timp de răspuns pentru prioritatea %s"};
    garant_ticket_terms t = {"professional", 2, NULL};
    int64_t at = t_at("2026-11-27T15:30:00Z"), due;
    assert_int_equal(garant_clock_due(&due, pol, &t, at), 0);
    garant_explanation *ex;
    assert_int_equal(garant_clock_explain_in(&ex, pol, &t, at, due, &ro), 0);
    assert_string_equal(garant_explanation_text(ex),
                        "vin 27 nov 16:30-17:00 CET (30 min), lun 30 nov 09:00-14:30 CET (5 h 30 min)");
    garant_explanation_free(ex);
    assert_int_equal(garant_clock_explain_in(&ex, pol, &t, at, due, NULL), 0);
    assert_string_equal(garant_explanation_text(ex),
                        "Fri 27 Nov 16:30-17:00 CET (30 min), Mon 30 Nov 09:00-14:30 CET (5 h 30 min)");
    garant_explanation_free(ex);
    /* December has no word here: English. */
    int64_t dec = t_at("2026-12-03T15:30:00Z");
    assert_int_equal(garant_clock_due(&due, pol, &t, dec), 0);
    assert_int_equal(garant_clock_explain_in(&ex, pol, &t, dec, due, &ro), 0);
    assert_string_equal(garant_explanation_text(ex), "joi 3 Dec 16:30-17:00 CET (30 min), vin 4 Dec 09:00-14:30 CET (5 h 30 min)");
    garant_explanation_free(ex);
    assert_int_equal(garant_clock_explain_in(&ex, pol, &t, at, at, &ro), 0);
    assert_string_equal(garant_explanation_text(ex), "termenul este imediat");
    garant_explanation_free(ex);
    garant_ticket_terms basic = {"basic", 1, NULL}, beta = {"advanced", 1, "beta"};
    assert_int_equal(garant_clock_explain_in(&ex, pol, &basic, 0, GARANT_NO_DUE, &ro), 0);
    assert_string_equal(garant_explanation_text(ex), "fără timp de răspuns garantat");
    garant_explanation_free(ex);
    char why[160];
    assert_string_equal(garant_policy_no_guarantee_reason_in(why, sizeof why, pol, &beta, &ro),
                        "produsele în etapa „beta” nu au timp de răspuns garantat");
    /* "%s" for the priority's "%d": refused, the English format is used. */
    assert_string_equal(garant_policy_no_guarantee_reason_in(why, sizeof why, pol, &basic, &ro),
                        "plan 'basic' guarantees no response time for priority 1");
}

/* The lateness figure and a target in the caller's words: whole phrases
** with the figure where the language puts it; NULL words, a missing word
** or a format with other conversions is English, as garant_lateness_format
** writes it. */
static void test_lateness_and_target_in_words(void **state)
{
    (void)state;
    garant_words ro = {.left = "au mai rămas %s",
                       .left_business = "au mai rămas %s (ore lucrătoare)",
                       .late = "întârziere de %s",
                       .late_business = "întârziere de %s (ore lucrătoare)",
                       .under_minute = "a mai rămas mai puțin de 1 min",
                       .under_minute_business = "a mai rămas mai puțin de 1 min (ore lucrătoare)",
                       .target_business = "%s (ore lucrătoare)",
                       .target_wall = "%s non-stop",
                       .target_none = "niciuna"};
    char b[96];
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 10799, 1, &ro), "au mai rămas 2 h 59 min (ore lucrătoare)");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 2700, 0, &ro), "au mai rămas 45 min");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, -104400, 1, &ro), "întârziere de 29 h (ore lucrătoare)");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, -3601, 0, &ro), "întârziere de 1 h 1 min");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 59, 0, &ro), "a mai rămas mai puțin de 1 min");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 0, 1, &ro), "a mai rămas mai puțin de 1 min (ore lucrătoare)");
    /* NULL: today's English, word for word. */
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 10799, 1, NULL), "2 h 59 min left (business hours)");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, -3601, 0, NULL), "1 h 1 min late");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 0, 1, NULL), "under 1 min left (business hours)");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 59, 0, NULL), "under 1 min left");
    /* Cut to cap like any text of the clock's. */
    char small[12];
    assert_string_equal(garant_lateness_format_in(small, sizeof small, -104400, 1, &ro), "întârzier");
    garant_target business = {GARANT_TARGET_BUSINESS, 3 * 3600, NULL}, wall = {GARANT_TARGET_WALL, 3600, NULL},
                  none = {GARANT_TARGET_NONE, 0, NULL}, odd = {GARANT_TARGET_BUSINESS, 5400, NULL};
    assert_string_equal(garant_target_format_in(b, sizeof b, &business, &ro), "3 h (ore lucrătoare)");
    assert_string_equal(garant_target_format_in(b, sizeof b, &odd, &ro), "1 h 30 min (ore lucrătoare)");
    assert_string_equal(garant_target_format_in(b, sizeof b, &wall, &ro), "1 h non-stop");
    assert_string_equal(garant_target_format_in(b, sizeof b, &none, &ro), "niciuna");
    assert_string_equal(garant_target_format_in(b, sizeof b, &business, NULL), "3 h business");
    assert_string_equal(garant_target_format_in(b, sizeof b, &wall, NULL), "1 h 24/7");
    assert_string_equal(garant_target_format_in(b, sizeof b, &none, NULL), "none");
    /* A missing word is English; so is a format with another conversion. */
    ro.left = NULL;
    ro.late = "întârziere de %d";
    ro.target_wall = "non-stop";
    assert_string_equal(garant_lateness_format_in(b, sizeof b, 2700, 0, &ro), "45 min left");
    assert_string_equal(garant_lateness_format_in(b, sizeof b, -3601, 0, &ro), "1 h 1 min late");
    assert_string_equal(garant_target_format_in(b, sizeof b, &wall, &ro), "1 h 24/7");
}

/* Every default holiday closes the day in each year 2025-2030. */
static void test_default_holidays(void **state)
{
    (void)state;
    const garant_calendar *cal = garant_policy_calendar(pol, "business");
    assert_non_null(cal);
    static const char *const days[] = {
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-12-24", "2025-12-25", "2025-12-26",
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-24", "2026-12-25", "2027-01-01",
        "2027-03-26", "2027-03-29", "2027-12-24", "2028-04-14", "2028-04-17", "2028-05-01", "2028-12-25",
        "2028-12-26", "2029-01-01", "2029-03-30", "2029-04-02", "2029-05-01", "2029-12-24", "2029-12-25",
        "2029-12-26", "2030-01-01", "2030-04-19", "2030-04-22", "2030-05-01", "2030-12-24", "2030-12-25",
        "2030-12-26"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        char noon[32];
        snprintf(noon, sizeof noon, "%sT11:00:00Z", days[i]);
        if (garant_calendar_is_open(cal, t_at(noon))) fail_msg("%s should be a holiday", days[i]);
    }
    /* Ordinary weekdays around them are open. */
    assert_true(garant_calendar_is_open(cal, t_at("2026-04-02T11:00:00Z")));
    assert_true(garant_calendar_is_open(cal, t_at("2026-04-07T11:00:00Z")));
    assert_true(garant_calendar_is_open(cal, t_at("2026-12-23T11:00:00Z")));
    assert_true(garant_calendar_is_open(cal, t_at("2026-12-31T11:00:00Z")));
}

/* Warnings at 75 % of the target: a quarter of it left before the deadline. */
static void test_warning_at(void **state)
{
    (void)state;
    int64_t w;
    /* Professional P2 (6 h) due Mon 30 Nov 14:30 CET: 1 h 30 min left at
    ** Mon 13:00 CET = 12:00Z. */
    garant_ticket_terms p2 = {"professional", 2, NULL};
    assert_int_equal(garant_clock_warning_at(&w, pol, &p2, t_at("2026-11-30T13:30:00Z")), 0);
    assert_string_equal(t_fmt(w), "2026-11-30T12:00:00Z");
    /* Professional P1 (3 h) due Thu 26 Nov 09:30 CET: 45 min left at Wed
    ** 16:45 CET (the evening does not count). */
    garant_ticket_terms p1 = {"professional", 1, NULL};
    assert_int_equal(garant_clock_warning_at(&w, pol, &p1, t_at("2026-11-26T08:30:00Z")), 0);
    assert_string_equal(t_fmt(w), "2026-11-25T15:45:00Z");
    /* Due exactly at Mon 09:45 CET with 45 min left: Fri 17:00 CET is the
    ** earliest instant with only 45 min to go (the weekend does not count). */
    assert_int_equal(garant_clock_warning_at(&w, pol, &p1, t_at("2026-11-30T08:45:00Z")), 0);
    assert_string_equal(t_fmt(w), "2026-11-27T16:00:00Z");
    /* Advanced P1 (1 h, 24/7): 15 min before. */
    garant_ticket_terms a1 = {"advanced", 1, NULL};
    assert_int_equal(garant_clock_warning_at(&w, pol, &a1, t_at("2026-11-29T00:30:00Z")), 0);
    assert_string_equal(t_fmt(w), "2026-11-29T00:15:00Z");
    garant_ticket_terms b = {"basic", 1, NULL};
    assert_int_equal(garant_clock_warning_at(&w, pol, &b, GARANT_NO_DUE), 0);
    assert_int_equal(w, GARANT_NO_DUE);
}

/* A ticket's clock from its history: deadline, warning instant, where the
** counted time starts and whose target it is. Instants worked out by hand
** (Professional: P1 3 h, P2 6 h, P3 9 h of Mon-Fri 09:00-17:00 CET; the
** warning when a quarter of the target is left; Advanced P1 1 h 24/7). */
static void expect_state(const char *plan, int initial, const garant_priority_change *ch, size_t n,
                         const char *due, const char *warn, const char *start, int priority, int current)
{
    garant_ticket_terms terms = {plan, initial, NULL};
    garant_clock_state st;
    /* Filed Wed 25 Nov 2026 09:00 CET. */
    assert_int_equal(garant_clock_history(&st, pol, &terms, t_at("2026-11-25T08:00:00Z"), ch, n), 0);
    if (due) assert_string_equal(t_fmt(st.due_s), due);
    else assert_int_equal(st.due_s, GARANT_NO_DUE);
    if (warn) assert_string_equal(t_fmt(st.warn_s), warn);
    else assert_int_equal(st.warn_s, GARANT_NO_DUE);
    assert_string_equal(t_fmt(st.start_s), start);
    assert_int_equal(st.priority, priority);
    assert_int_equal(st.current, current);
}

static void test_history(void **state)
{
    (void)state;
    /* P3 as filed: 8 h on Wed, 1 h on Thu -> Thu 10:00 CET; warned 2 h 15
    ** min before: 1 h on Thu, 1 h 15 min on Wed -> Wed 15:45 CET. */
    expect_state("professional", 3, NULL, 0, "2026-11-26T09:00:00Z", "2026-11-25T14:45:00Z", "2026-11-25T08:00:00Z", 3,
                 3);
    /* Raised to P1 at Wed 11:00 CET: 3 h from then, 14:00 CET, beats Thu
    ** 10:00; it counts from the raise; warned 45 min before. */
    garant_priority_change up[] = {{t_at("2026-11-25T10:00:00Z"), 1}};
    expect_state("professional", 3, up, 1, "2026-11-25T13:00:00Z", "2026-11-25T12:15:00Z", "2026-11-25T10:00:00Z", 1,
                 1);
    /* Raised to P2 at Wed 16:00 CET: 6 h from then ends Thu 14:00 CET,
    ** later than Thu 10:00, so P3's deadline from submission stays; the
    ** warning is P2's quarter (1 h 30 min) before it: Wed 16:30 CET. */
    garant_priority_change late_up[] = {{t_at("2026-11-25T15:00:00Z"), 2}};
    expect_state("professional", 3, late_up, 1, "2026-11-26T09:00:00Z", "2026-11-25T15:30:00Z", "2026-11-25T08:00:00Z",
                 3, 2);
    /* Filed P1 (due 12:00 CET), lowered to P3 at 10:00 CET: P3 from
    ** submission. */
    garant_priority_change down[] = {{t_at("2026-11-25T09:00:00Z"), 3}};
    expect_state("professional", 1, down, 1, "2026-11-26T09:00:00Z", "2026-11-25T14:45:00Z", "2026-11-25T08:00:00Z", 3,
                 3);
    /* Raised to P1 at 11:00 CET, then lowered to P2 at 12:00 CET: P2 from
    ** submission, Wed 15:00 CET, warned at 13:30 CET. */
    garant_priority_change both[] = {{t_at("2026-11-25T10:00:00Z"), 1}, {t_at("2026-11-25T11:00:00Z"), 2}};
    expect_state("professional", 3, both, 2, "2026-11-25T14:00:00Z", "2026-11-25T12:30:00Z", "2026-11-25T08:00:00Z", 2,
                 2);
    /* Advanced P3 (6 h business, Wed 15:00 CET) raised to P1 at 10:00 CET:
    ** 1 h around the clock, 11:00 CET, warned 15 min before. */
    garant_priority_change adv[] = {{t_at("2026-11-25T09:00:00Z"), 1}};
    expect_state("advanced", 3, adv, 1, "2026-11-25T10:00:00Z", "2026-11-25T09:45:00Z", "2026-11-25T09:00:00Z", 1, 1);
    /* No guarantee: no deadline, no warning. */
    expect_state("basic", 1, NULL, 0, NULL, NULL, "2026-11-25T08:00:00Z", 1, 1);
    /* The default priority stands for a missing one. */
    expect_state("professional", 0, NULL, 0, "2026-11-26T09:00:00Z", "2026-11-25T14:45:00Z", "2026-11-25T08:00:00Z", 3,
                 3);
    /* A local day as people read it (days since 1970-01-01). */
    char day[40];
    assert_string_equal(garant_format_day(day, sizeof day, 20811), "Thu 24 Dec 2026");
    assert_string_equal(garant_format_day(day, sizeof day, 0), "Thu 1 Jan 1970");
    /* Replay is the history's deadline. */
    int64_t due;
    garant_ticket_terms p3 = {"professional", 3, NULL};
    assert_int_equal(garant_clock_replay(&due, pol, &p3, t_at("2026-11-25T08:00:00Z"), both, 2), 0);
    assert_string_equal(t_fmt(due), "2026-11-25T14:00:00Z");
    /* Changes out of order, or before the submission, are refused. */
    garant_clock_state st;
    garant_priority_change bad[] = {{t_at("2026-11-25T11:00:00Z"), 1}, {t_at("2026-11-25T10:00:00Z"), 2}};
    assert_int_equal(garant_clock_history(&st, pol, &p3, t_at("2026-11-25T08:00:00Z"), bad, 2), GARANT_EINVAL);
    garant_priority_change early[] = {{t_at("2026-11-25T07:00:00Z"), 1}};
    assert_int_equal(garant_clock_history(&st, pol, &p3, t_at("2026-11-25T08:00:00Z"), early, 1), GARANT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases), cmocka_unit_test(test_remaining_overdue),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_explain_none),
        cmocka_unit_test(test_default_holidays), cmocka_unit_test(test_warning_at),
        cmocka_unit_test(test_history),      cmocka_unit_test(test_explain_in_words),
        cmocka_unit_test(test_lateness_and_target_in_words),
    };
    return t_exit_status(cmocka_run_group_tests_name("clock", tests, setup, teardown));
}
