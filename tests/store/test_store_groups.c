/*
** test_store_groups.c - the storage contract of groups of agents
** (store_groups.h): unique names in any case, one default group at most
** (the flag moves), members replaced as a whole, a group with tickets
** kept, and whose turn it is in round-robin: the active staff member after
** the one the group's last routed ticket went to, by id, wrapping around,
** read from the tickets (so it survives a reopened store); the routing a
** ticket was filed with never changes.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_support.h"
#include "support.h"

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_groups_ops *gr;
    char target[512];
    int64_t org, customer, ann, ben, cat;
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday */

static int64_t add_user(fixture *fx, const char *email, garant_role role, int64_t org)
{
    return st_add_user(fx->w, email, NULL, role, org, T0 - 86400);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->gr = suite.ops->groups;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    fx->org = st_add_org(fx->w, "Acme", "professional", 0);
    fx->customer = add_user(fx, "alice@acme.example", GARANT_ROLE_CUSTOMER, fx->org);
    fx->ann = add_user(fx, "ann@vendor.example", GARANT_ROLE_AGENT, 0);
    fx->ben = add_user(fx, "ben@vendor.example", GARANT_ROLE_ADMIN, 0);
    fx->cat = add_user(fx, "cat@vendor.example", GARANT_ROLE_AGENT, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    st_close(fx->st, fx->ops, fx->target);
    free(fx);
    return 0;
}

static int64_t group(fixture *fx, const char *name, int rr, int dflt)
{
    garant_group g = {0};
    snprintf(g.name, sizeof g.name, "%s", name);
    g.round_robin = rr;
    g.is_default = dflt;
    g.created_at = T0;
    st_check(fx->gr->insert(fx->w, &g), name);
    return g.id;
}

/* A ticket filed with the routing (group, assignee) given. */
static int64_t file(fixture *fx, int64_t group_id, int64_t assignee_id)
{
    garant_ticket t = {0};
    t.org_id = fx->org;
    t.requester_id = fx->customer;
    snprintf(t.subject, sizeof t.subject, "help");
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    t.group_id = group_id;
    t.assignee_id = assignee_id;
    st_check(fx->ops->tickets->insert(fx->w, &t, "body"), "insert");
    return t.id;
}

static void ct_names_default_members(void **state)
{
    fixture *fx = *state;
    int64_t a = group(fx, "Billing", 0, 1);
    garant_group g = {0};
    snprintf(g.name, sizeof g.name, "BILLING");
    st_expect_err(fx->gr->insert(fx->w, &g), GARANT_ECONFLICT, "a name in another case");
    int64_t b = group(fx, "Ops", 0, 1);
    garant_group d;
    st_check(fx->gr->default_group(fx->w, &d), "default");
    assert_int_equal(d.id, b);
    st_check(fx->gr->get(fx->w, a, &g), "get");
    assert_int_equal(g.is_default, 0);
    int64_t two[] = {fx->ann, fx->cat}, one[] = {fx->ben};
    st_check(fx->gr->set_members(fx->w, a, two, 2), "members");
    st_check(fx->gr->set_members(fx->w, a, one, 1), "members again");
    int in = 1;
    st_check(fx->gr->is_member(fx->w, a, fx->ann, &in), "is_member");
    assert_int_equal(in, 0);
    st_check(fx->gr->is_member(fx->w, a, fx->ben, &in), "is_member");
    assert_int_equal(in, 1);
    g.id = b;
    snprintf(g.name, sizeof g.name, "Ops");
    g.is_default = 0;
    st_check(fx->gr->update(fx->w, &g), "no default");
    st_expect_err(fx->gr->default_group(fx->w, &d), GARANT_ENOTFOUND, "none is the default");
    file(fx, a, 0);
    st_expect_err(fx->gr->remove(fx->w, a), GARANT_ECONFLICT, "a group with a ticket");
    st_check(fx->gr->remove(fx->w, b), "remove");
    st_expect_err(fx->gr->get(fx->w, b, &g), GARANT_ENOTFOUND, "gone");
}

/* The list: every group by name (any case), each with its own members by
** id, none of another's; an empty group has none. */
static void ct_list_groups_with_members(void **state)
{
    fixture *fx = *state;
    int64_t ops = group(fx, "ops", 1, 0), billing = group(fx, "Billing", 0, 1), empty = group(fx, "Audit", 0, 0);
    int64_t billing_members[] = {fx->cat, fx->ann}, ops_members[] = {fx->ben};
    st_check(fx->gr->set_members(fx->w, billing, billing_members, 2), "billing");
    st_check(fx->gr->set_members(fx->w, ops, ops_members, 1), "ops");
    garant_group_list l;
    st_check(fx->gr->list(fx->w, &l), "list");
    assert_int_equal(l.n, 3);
    assert_int_equal(l.nmembers, 3);
    assert_int_equal(l.groups[0].group.id, empty);
    assert_int_equal(l.groups[0].nmembers, 0);
    assert_int_equal(l.groups[1].group.id, billing);
    assert_string_equal(l.groups[1].group.name, "Billing");
    assert_int_equal(l.groups[1].group.is_default, 1);
    assert_int_equal(l.groups[1].group.round_robin, 0);
    assert_int_equal(l.groups[1].group.created_at, T0);
    assert_int_equal(l.groups[1].nmembers, 2);
    assert_int_equal(l.groups[1].members[0].id, fx->ann);
    assert_string_equal(l.groups[1].members[0].email, "ann@vendor.example");
    assert_int_equal(l.groups[1].members[0].role, GARANT_ROLE_AGENT);
    assert_int_equal(l.groups[1].members[1].id, fx->cat);
    assert_int_equal(l.groups[2].group.id, ops);
    assert_int_equal(l.groups[2].group.round_robin, 1);
    assert_int_equal(l.groups[2].nmembers, 1);
    assert_int_equal(l.groups[2].members[0].id, fx->ben);
    assert_int_equal(l.groups[2].members[0].role, GARANT_ROLE_ADMIN);
    garant_group_list_free(&l);
    assert_null(l.groups);
    /* No groups: an empty list. */
    st_check(fx->gr->remove(fx->w, ops), "remove ops");
    st_check(fx->gr->remove(fx->w, billing), "remove billing");
    st_check(fx->gr->remove(fx->w, empty), "remove audit");
    st_check(fx->gr->list(fx->w, &l), "list none");
    assert_int_equal(l.n, 0);
    assert_null(l.groups);
    garant_group_list_free(&l);
}

static void ct_round_robin_turns(void **state)
{
    fixture *fx = *state;
    int64_t g = group(fx, "First line", 1, 1);
    int64_t next = -1;
    st_check(fx->gr->next_in_turn(fx->w, g, &next), "no members");
    assert_int_equal(next, 0);
    int64_t all[] = {fx->cat, fx->ann, fx->ben, fx->customer};
    st_check(fx->gr->set_members(fx->w, g, all, 4), "members");
    /* Ann, Ben, Cat by id, then Ann again; the customer is never one. */
    int64_t want[] = {fx->ann, fx->ben, fx->cat, fx->ann};
    for (int i = 0; i < 4; i++) {
        st_check(fx->gr->next_in_turn(fx->w, g, &next), "turn");
        assert_int_equal(next, want[i]);
        file(fx, g, next);
    }
    /* A ticket assigned later does not move the turn: only the filing's. */
    int64_t t = file(fx, g, 0);
    st_check(fx->ops->tickets->set_assignment(fx->w, t, fx->cat, g), "reassign");
    st_check(fx->gr->next_in_turn(fx->w, g, &next), "turn");
    assert_int_equal(next, fx->ben);
    /* A deactivated member is skipped. */
    st_check(fx->ops->accounts->user_set_deactivated(fx->w, fx->ben, T0), "deactivate");
    st_check(fx->gr->next_in_turn(fx->w, g, &next), "turn");
    assert_int_equal(next, fx->cat);
    /* The filed routing stays in the history: it cannot be rewritten. */
    garant_ticket row;
    st_check(fx->ops->tickets->get(fx->w, t, &row), "get");
    assert_int_equal(row.assignee_id, fx->cat);
    json_t *ev = NULL;
    st_check(st_events(fx->w, t, &ev), "events");
    json_t *data = json_object_get(json_array_get(ev, 0), "data");
    assert_int_equal(json_integer_value(json_object_get(data, "group_id")), g);
    assert_null(json_object_get(data, "assignee_id"));
    json_decref(ev);
}

static void ct_turn_survives_reopening(void **state)
{
    fixture *fx = *state;
    int64_t g = group(fx, "Night", 1, 1);
    int64_t all[] = {fx->ann, fx->cat};
    st_check(fx->gr->set_members(fx->w, g, all, 2), "members");
    file(fx, g, fx->ann);
    st_reopen(&fx->st, &fx->w, fx->ops, fx->target);
    int64_t next = 0;
    st_check(fx->gr->next_in_turn(fx->w, g, &next), "turn");
    assert_int_equal(next, fx->cat);
}

static int run_groups_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ct_names_default_members, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_list_groups_with_members, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_round_robin_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_turn_survives_reopening, setup, teardown),
    };
    return cmocka_run_group_tests_name("store groups contract", tests, NULL, NULL);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("groups", run_groups_contract, &garant_store_sqlite_ops));
}
