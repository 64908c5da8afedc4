/*
** test_reports.c - the SLA report (desk_reports.h) over a handful of
** tickets whose figures were worked out by hand under the default policy
** (config/garant.yaml: professional P3 is 9 h of business time on
** Europe/Bratislava's Monday-Friday 09:00-17:00, CET = UTC+1 in December;
** advanced P1 is 1 h 24/7; basic has no target): the outcomes, the
** business and wall times, nearest-rank percentiles, attainment, groups
** in the policy's plan order and by organization name, the period's
** bounds.
**
** The period is [2026-12-01T00:00Z, 2026-12-06T00:00Z), now is
** 2026-12-05T12:30Z (2026-12-01 is a Tuesday):
**   T1 Acme professional P3, filed Tue 09:00 CET, answered 11:30 CET: in
**      time (due Wed 10:00 CET), business 2.5 h = 9000 s, wall 9000 s.
**   T2 Acme professional P3, filed Tue 16:00 CET, answered Thu 10:00 CET,
**      after its due (Wed 17:00 CET): breached; business Tue 1 h + Wed 8 h
**      + Thu 1 h = 36000 s; wall 42 h = 151200 s.
**   T3 Beta advanced P1, filed Sat 12:00Z, due 13:00Z, unanswered at
**      12:30Z: still open.
**   T4 Beta basic P3, no target, answered after 600 s.
**   T5 Acme professional P2, unanswered, due after now, but a breach was
**      recorded (a fact, whatever its deadline says now): breached.
**   T6 Beta on plan "legacy" the policy no longer has: no target,
**      unanswered.
**   and two tickets just outside the period, which count nowhere.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "desk_reports.h"
#include "desk_support.h"
#include "support.h"

typedef struct world {
    t_desk desk;
    garant_store_conn *c;
} world;

static int add_ticket(garant_store_conn *w, const garant_store_ops *ops, int64_t org, int64_t user, const char *plan,
                      int priority, const char *submitted, const char *due, const char *answered, int64_t *out_id)
{
    garant_ticket t = t_desk_ticket(org, user, plan, priority, t_at(submitted));
    snprintf(t.stage, sizeof t.stage, "ga");
    t.first_response_due = t.warn_at = due ? t_at(due) : GARANT_NO_DUE;
    t.first_response_at = answered ? t_at(answered) : 0;
    int rc = ops->tickets->insert(w, &t, "It answers 502.");
    if (out_id) *out_id = t.id;
    return rc;
}

static int setup_write(garant_store_conn *w, void *ctx)
{
    (void)ctx;
    const garant_store_ops *ops = GS(w);
    /* Beta first: its id is lower, its name sorts after Acme's. */
    int64_t org[2], user[2];
    int rc = t_desk_add_customer(&org[0], &user[0], w, "Beta", "professional", "c0@Beta.example", "C", 0);
    if (!rc) rc = t_desk_add_customer(&org[1], &user[1], w, "Acme", "professional", "c1@Acme.example", "C", 0);
    if (rc) return rc;
    int64_t beta = org[0], acme = org[1], t5;
    rc = add_ticket(w, ops, acme, user[1], "professional", 3, "2026-12-01T08:00:00Z", "2026-12-02T09:00:00Z",
                    "2026-12-01T10:30:00Z", NULL);
    if (!rc)
        rc = add_ticket(w, ops, acme, user[1], "professional", 3, "2026-12-01T15:00:00Z", "2026-12-02T16:00:00Z",
                        "2026-12-03T09:00:00Z", NULL);
    if (!rc)
        rc = add_ticket(w, ops, beta, user[0], "advanced", 1, "2026-12-05T12:00:00Z", "2026-12-05T13:00:00Z", NULL,
                        NULL);
    if (!rc)
        rc = add_ticket(w, ops, beta, user[0], "basic", 3, "2026-12-04T10:00:00Z", NULL, "2026-12-04T10:10:00Z",
                        NULL);
    if (!rc)
        rc = add_ticket(w, ops, acme, user[1], "professional", 2, "2026-12-02T08:00:00Z", "2026-12-07T12:00:00Z",
                        NULL, &t5);
    if (!rc) rc = ops->sla->record_event(w, t5, "breach", t_at("2026-12-07T12:00:00Z"), t_at("2026-12-02T14:00:00Z"));
    if (!rc)
        rc = add_ticket(w, ops, beta, user[0], "legacy", 3, "2026-12-03T10:00:00Z", NULL, NULL, NULL);
    /* Outside [from, to). */
    if (!rc)
        rc = add_ticket(w, ops, acme, user[1], "professional", 3, "2026-11-30T23:59:59Z", "2026-12-01T10:00:00Z",
                        NULL, NULL);
    if (!rc)
        rc = add_ticket(w, ops, acme, user[1], "professional", 3, "2026-12-06T00:00:00Z", "2026-12-07T10:00:00Z",
                        NULL, NULL);
    return rc;
}

static int open_world(void **state)
{
    world *wd = calloc(1, sizeof *wd);
    assert_non_null(wd);
    t_desk_open(&wd->desk, "reports", NULL, t_at("2026-12-05T12:30:00Z"));
    assert_int_equal(desk_write(wd->desk.d, setup_write, NULL, DESK_WRITE_SAVEPOINT), 0);
    garant_store *st = desk_store(wd->desk.d);
    assert_int_equal(garant_store_ops_of(st)->acquire(&wd->c, st), 0);
    *state = wd;
    return 0;
}

static int close_world(void **state)
{
    world *wd = *state;
    garant_store_ops_of(desk_store(wd->desk.d))->release(wd->c);
    t_desk_close(&wd->desk);
    free(wd);
    return 0;
}

static desk_report *report(world *wd, int nkeys, desk_report_key k0, desk_report_key k1)
{
    desk_report_query q = {t_at("2026-12-01T00:00:00Z"), t_at("2026-12-06T00:00:00Z"), {k0, k1, 0}, nkeys};
    desk_report *r = NULL;
    int rc = desk_report_sla(&r, wd->desk.d, wd->c, &q, t_at("2026-12-05T12:30:00Z"));
    if (rc) fail_msg("report: %s", garant_error_last());
    return r;
}

/* The figures, in the order of desk_report_figures; attainment in
** hundredths of a percent (-1: undefined). */
static void figures_are(const desk_report_figures *f, int64_t tickets, int64_t with_target, int64_t responded,
                        int64_t in_time, int64_t breached, int64_t still_open, long attainment_x100,
                        int64_t biz_median, int64_t biz_p90, int64_t wall_median, int64_t wall_p90)
{
    assert_int_equal(f->tickets, tickets);
    assert_int_equal(f->with_target, with_target);
    assert_int_equal(f->responded, responded);
    assert_int_equal(f->responded_in_time, in_time);
    assert_int_equal(f->breached, breached);
    assert_int_equal(f->still_open, still_open);
    if (attainment_x100 < 0)
        assert_true(f->attainment_percent < 0);
    else
        assert_int_equal(lround(f->attainment_percent * 100), attainment_x100);
    assert_int_equal(f->business_median_s, biz_median);
    assert_int_equal(f->business_p90_s, biz_p90);
    assert_int_equal(f->wall_median_s, wall_median);
    assert_int_equal(f->wall_p90_s, wall_p90);
}

static void test_total(void **state)
{
    desk_report *r = report(*state, 0, DESK_REPORT_PLAN, DESK_REPORT_PLAN);
    assert_int_equal(r->ngroups, 0);
    /* In time: T1; breached: T2, T5; open: T3; business [9000, 36000];
    ** wall [600, 9000, 151200]; attainment 1/3. */
    figures_are(&r->total, 6, 4, 3, 1, 2, 1, 3333, 9000, 36000, 9000, 151200);
    desk_report_free(r);
    desk_report_free(NULL);
}

static void test_by_plan(void **state)
{
    desk_report *r = report(*state, 1, DESK_REPORT_PLAN, DESK_REPORT_PLAN);
    assert_int_equal(r->ngroups, 4);
    assert_string_equal(r->groups[0].plan, "basic");
    figures_are(&r->groups[0].fig, 1, 0, 1, 0, 0, 0, -1, -1, -1, 600, 600);
    assert_string_equal(r->groups[1].plan, "professional");
    figures_are(&r->groups[1].fig, 3, 3, 2, 1, 2, 0, 3333, 9000, 36000, 9000, 151200);
    assert_string_equal(r->groups[2].plan, "advanced");
    figures_are(&r->groups[2].fig, 1, 1, 0, 0, 0, 1, -1, -1, -1, -1, -1);
    assert_string_equal(r->groups[3].plan, "legacy");
    figures_are(&r->groups[3].fig, 1, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1);
    figures_are(&r->total, 6, 4, 3, 1, 2, 1, 3333, 9000, 36000, 9000, 151200);
    desk_report_free(r);
}

/* Organizations by name (Acme before Beta, though Beta's id is lower),
** then priorities ascending. */
static void test_by_org_and_priority(void **state)
{
    desk_report *r = report(*state, 2, DESK_REPORT_ORG, DESK_REPORT_PRIORITY);
    assert_int_equal(r->ngroups, 4);
    const char *org[4] = {"Acme", "Acme", "Beta", "Beta"};
    const int prio[4] = {2, 3, 1, 3};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r->groups[i].org, org[i]);
        assert_int_equal(r->groups[i].priority, prio[i]);
    }
    assert_true(r->groups[0].org_id > r->groups[2].org_id);
    figures_are(&r->groups[0].fig, 1, 1, 0, 0, 1, 0, 0, -1, -1, -1, -1);
    figures_are(&r->groups[1].fig, 2, 2, 2, 1, 1, 0, 5000, 9000, 36000, 9000, 151200);
    figures_are(&r->groups[2].fig, 1, 1, 0, 0, 0, 1, -1, -1, -1, -1, -1);
    figures_are(&r->groups[3].fig, 2, 0, 1, 0, 0, 0, -1, -1, -1, 600, 600);
    desk_report_free(r);
}

static void test_period_is_checked(void **state)
{
    world *wd = *state;
    desk_report *r = NULL;
    desk_report_query q = {t_at("2026-12-01T00:00:00Z"), t_at("2026-12-01T00:00:00Z"), {0}, 0};
    assert_int_equal(desk_report_sla(&r, wd->desk.d, wd->c, &q, t_at("2026-12-05T12:30:00Z")), GARANT_EINVAL);
    q.from_s = t_at("2025-11-30T00:00:00Z"); /* 366 days: the most */
    q.to_s = t_at("2026-12-01T00:00:00Z");
    assert_int_equal(desk_report_sla(&r, wd->desk.d, wd->c, &q, t_at("2026-12-05T12:30:00Z")), 0);
    figures_are(&r->total, 1, 1, 0, 0, 1, 0, 0, -1, -1, -1, -1); /* the one of 2026-11-30, unanswered, late */
    desk_report_free(r);
    r = NULL;
    q.from_s = t_at("2025-11-29T00:00:00Z"); /* 367 days */
    assert_int_equal(desk_report_sla(&r, wd->desk.d, wd->c, &q, t_at("2026-12-05T12:30:00Z")), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "longer than 366 days"));
    assert_null(r);
    /* An empty period: every figure is nought or undefined. */
    q.from_s = t_at("2026-10-01T00:00:00Z");
    q.to_s = t_at("2026-11-01T00:00:00Z");
    q.keys[0] = DESK_REPORT_ORG;
    q.nkeys = 1;
    assert_int_equal(desk_report_sla(&r, wd->desk.d, wd->c, &q, t_at("2026-12-05T12:30:00Z")), 0);
    assert_int_equal(r->ngroups, 0);
    figures_are(&r->total, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1);
    desk_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total),
        cmocka_unit_test(test_by_plan),
        cmocka_unit_test(test_by_org_and_priority),
        cmocka_unit_test(test_period_is_checked),
    };
    return t_exit_status(cmocka_run_group_tests(tests, open_world, close_world));
}
