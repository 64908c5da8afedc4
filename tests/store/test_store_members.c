/*
** test_store_members.c - the storage contract of an organization's members
** (issue 15; store_admin.h, schema migration 20): which tickets its members
** see and whether new members wait for approval, both off until set and
** kept per organization; the manager's flag and the approval state, a
** customer's only, dropped when she leaves the organization or becomes
** staff; the managers that can be mailed; the user list by approval; a
** refused member who stays out when her organization comes back; and the
** ticket list narrowed to one requester (a member who sees her own only).
**
** The suite is run_members_contract(ops, target); each case opens a fresh
** store at "<target>-<n>" (tests/support.c) and removes it afterwards.
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

int run_members_contract(const garant_store_ops *ops, const char *target);

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_admin_ops *ad;
    const garant_store_accounts_ops *acc;
    char target[512];
    int64_t acme, globex, alice, bob, agent;
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->ad = suite.ops->admin;
    fx->acc = suite.ops->accounts;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    fx->acme = st_add_org(fx->w, "Acme", "professional", T0 - 86400);
    fx->globex = st_add_org(fx->w, "Globex", "basic", T0 - 86400);
    fx->alice = st_add_user(fx->w, "alice@acme.example", NULL, GARANT_ROLE_CUSTOMER, fx->acme, T0 - 86400);
    fx->bob = st_add_user(fx->w, "bob@acme.example", NULL, GARANT_ROLE_CUSTOMER, fx->acme, T0 - 86400);
    fx->agent = st_add_user(fx->w, "ann@vendor.example", NULL, GARANT_ROLE_AGENT, 0, T0 - 86400);
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

static garant_user user(fixture *fx, int64_t id)
{
    garant_user u;
    st_check(fx->acc->user_get(fx->w, id, &u), "user_get");
    return u;
}

static const garant_org *org_row(const garant_org_list *orgs, int64_t id)
{
    for (size_t i = 0; i < orgs->n; i++)
        if (orgs->orgs[i].org.id == id) return &orgs->orgs[i].org;
    fail_msg("organization %lld not listed", (long long)id);
    return NULL;
}

static void ct_org_rules(void **state)
{
    fixture *fx = *state;
    garant_org o;
    /* A new organization: every member sees every ticket, nobody waits
    ** (what every organization did before migration 20). */
    st_check(fx->acc->org_get(fx->w, fx->acme, &o), "org_get");
    assert_string_equal(o.ticket_visibility, GARANT_VISIBILITY_ORG);
    assert_int_equal(o.approval_required, 0);
    st_check(fx->ad->org_set_visibility(fx->w, fx->acme, GARANT_VISIBILITY_OWN), "own");
    st_check(fx->ad->org_set_approval_required(fx->w, fx->acme, 1), "approval on");
    st_check(fx->acc->org_get(fx->w, fx->acme, &o), "org_get");
    assert_string_equal(o.ticket_visibility, "own");
    assert_int_equal(o.approval_required, 1);
    /* Per organization: Globex keeps its own. */
    st_check(fx->acc->org_get(fx->w, fx->globex, &o), "globex");
    assert_string_equal(o.ticket_visibility, "organization");
    assert_int_equal(o.approval_required, 0);
    /* Only the two visibilities; only organizations that exist. */
    st_expect_err(fx->ad->org_set_visibility(fx->w, fx->acme, "everyone"), GARANT_EINVAL, "an unknown visibility");
    st_expect_err(fx->ad->org_set_visibility(fx->w, fx->acme, NULL), GARANT_EINVAL, "no visibility");
    st_expect_err(fx->ad->org_set_visibility(fx->w, 4242, "own"), GARANT_ENOTFOUND, "no such org");
    st_expect_err(fx->ad->org_set_approval_required(fx->w, 4242, 1), GARANT_ENOTFOUND, "no such org");
    st_check(fx->acc->org_get(fx->w, fx->acme, &o), "org_get");
    assert_string_equal(o.ticket_visibility, "own"); /* the refusal changed nothing */
    /* The list says both. */
    garant_org_list orgs;
    st_check(fx->acc->org_list(fx->w, &orgs), "org_list");
    assert_string_equal(org_row(&orgs, fx->acme)->ticket_visibility, "own");
    assert_int_equal(org_row(&orgs, fx->acme)->approval_required, 1);
    assert_string_equal(org_row(&orgs, fx->globex)->ticket_visibility, "organization");
    assert_int_equal(org_row(&orgs, fx->globex)->approval_required, 0);
    garant_org_list_free(&orgs);
    /* And back. */
    st_check(fx->ad->org_set_visibility(fx->w, fx->acme, GARANT_VISIBILITY_ORG), "organization");
    st_check(fx->ad->org_set_approval_required(fx->w, fx->acme, 0), "approval off");
    st_check(fx->acc->org_get(fx->w, fx->acme, &o), "org_get");
    assert_string_equal(o.ticket_visibility, "organization");
    assert_int_equal(o.approval_required, 0);
}

static void ct_manager_and_approval(void **state)
{
    fixture *fx = *state;
    garant_user u = user(fx, fx->alice);
    assert_int_equal(u.org_manager, 0);
    assert_int_equal(u.approval, GARANT_APPROVAL_NONE);
    st_check(fx->ad->user_set_org_manager(fx->w, fx->alice, 1), "alice manages");
    st_check(fx->ad->user_set_approval(fx->w, fx->bob, GARANT_APPROVAL_PENDING), "bob waits");
    u = user(fx, fx->alice);
    assert_int_equal(u.org_manager, 1);
    assert_int_equal(u.approval, GARANT_APPROVAL_NONE);
    u = user(fx, fx->bob);
    assert_int_equal(u.org_manager, 0);
    assert_int_equal(u.approval, GARANT_APPROVAL_PENDING);
    garant_user by_mail;
    st_check(fx->acc->user_by_email(fx->w, "bob@acme.example", &by_mail), "user_by_email");
    assert_int_equal(by_mail.approval, GARANT_APPROVAL_PENDING);
    /* A customer's only. */
    st_expect_err(fx->ad->user_set_org_manager(fx->w, fx->agent, 1), GARANT_EINVAL, "an agent manages");
    st_expect_err(fx->ad->user_set_approval(fx->w, fx->agent, GARANT_APPROVAL_PENDING), GARANT_EINVAL, "an agent waits");
    st_check(fx->ad->user_set_org_manager(fx->w, fx->agent, 0), "an agent is no manager: nothing to do");
    st_check(fx->ad->user_set_approval(fx->w, fx->agent, GARANT_APPROVAL_NONE), "an agent waits for nothing");
    assert_int_equal(user(fx, fx->agent).org_manager, 0);
    st_expect_err(fx->ad->user_set_org_manager(fx->w, 4242, 1), GARANT_ENOTFOUND, "no such user");
    st_expect_err(fx->ad->user_set_approval(fx->w, 4242, GARANT_APPROVAL_APPROVED), GARANT_ENOTFOUND, "no such user");
    st_expect_err(fx->ad->user_set_approval(fx->w, fx->bob, (garant_approval)9), GARANT_EINVAL, "no such state");
    /* Each state round-trips. */
    garant_approval states[] = {GARANT_APPROVAL_APPROVED, GARANT_APPROVAL_REFUSED, GARANT_APPROVAL_NONE,
                                GARANT_APPROVAL_PENDING};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        st_check(fx->ad->user_set_approval(fx->w, fx->bob, states[i]), "set approval");
        assert_int_equal(user(fx, fx->bob).approval, states[i]);
    }
    /* The user list: by approval, with both fields. */
    garant_user_filter f = {0};
    f.org_id = fx->acme;
    f.limit = 50;
    f.approval = GARANT_APPROVAL_PENDING;
    garant_user_row *list = NULL;
    size_t n = 0;
    st_check(fx->acc->user_list(fx->w, &f, &list, &n), "pending");
    assert_int_equal(n, 1);
    assert_int_equal(list[0].user.id, fx->bob);
    assert_int_equal(list[0].user.approval, GARANT_APPROVAL_PENDING);
    free(list);
    f.approval = GARANT_APPROVAL_NONE;
    st_check(fx->acc->user_list(fx->w, &f, &list, &n), "everyone");
    assert_int_equal(n, 2);
    const garant_user *a = &list[1].user; /* newest first: alice is the older */
    assert_int_equal(a->id, fx->alice);
    assert_int_equal(a->org_manager, 1);
    assert_int_equal(a->approval, GARANT_APPROVAL_NONE);
    free(list);
}

static void ct_leaving_drops_both(void **state)
{
    fixture *fx = *state;
    st_check(fx->ad->user_set_org_manager(fx->w, fx->alice, 1), "alice manages");
    st_check(fx->ad->user_set_approval(fx->w, fx->alice, GARANT_APPROVAL_APPROVED), "alice approved");
    /* Customer of the same organization again: both stay. */
    st_check(fx->ad->user_set_role(fx->w, fx->alice, GARANT_ROLE_CUSTOMER, fx->acme), "same");
    garant_user u = user(fx, fx->alice);
    assert_int_equal(u.org_manager, 1);
    assert_int_equal(u.approval, GARANT_APPROVAL_APPROVED);
    /* Another organization's customer: both were Acme's. */
    st_check(fx->ad->user_set_role(fx->w, fx->alice, GARANT_ROLE_CUSTOMER, fx->globex), "to globex");
    u = user(fx, fx->alice);
    assert_int_equal(u.org_id, fx->globex);
    assert_int_equal(u.org_manager, 0);
    assert_int_equal(u.approval, GARANT_APPROVAL_NONE);
    /* Staff: neither, and the schema would refuse them. */
    st_check(fx->ad->user_set_org_manager(fx->w, fx->bob, 1), "bob manages");
    st_check(fx->ad->user_set_approval(fx->w, fx->bob, GARANT_APPROVAL_PENDING), "bob waits");
    st_check(fx->ad->user_set_role(fx->w, fx->bob, GARANT_ROLE_AGENT, 0), "bob to agent");
    u = user(fx, fx->bob);
    assert_int_equal(u.role, GARANT_ROLE_AGENT);
    assert_int_equal(u.org_manager, 0);
    assert_int_equal(u.approval, GARANT_APPROVAL_NONE);
}

static void ct_managers_to_mail(void **state)
{
    fixture *fx = *state;
    int64_t cy = st_add_user(fx->w, "cy@acme.example", NULL, GARANT_ROLE_CUSTOMER, fx->acme, T0 - 86400);
    int64_t dee = st_add_user(fx->w, "dee@acme.example", NULL, GARANT_ROLE_CUSTOMER, fx->acme, T0 - 86400);
    int64_t eve = st_add_user(fx->w, "eve@acme.example", NULL, GARANT_ROLE_CUSTOMER, fx->acme, T0 - 86400);
    int64_t gil = st_add_user(fx->w, "gil@globex.example", NULL, GARANT_ROLE_CUSTOMER, fx->globex, T0 - 86400);
    int64_t every[] = {fx->alice, fx->bob, cy, dee, eve, gil};
    for (size_t i = 0; i < 6; i++) {
        st_check(fx->acc->user_set_verified(fx->w, every[i], T0), "verified");
        st_check(fx->ad->user_set_org_manager(fx->w, every[i], 1), "manager");
    }
    st_check(fx->acc->user_set_verified(fx->w, cy, 0), "cy's address unproven");
    st_check(fx->acc->user_set_deactivated(fx->w, dee, T0), "dee deactivated");
    st_check(fx->ad->user_set_approval(fx->w, eve, GARANT_APPROVAL_PENDING), "eve waits herself");
    garant_user out[4];
    size_t n = 0;
    st_check(fx->ad->org_managers(fx->w, fx->acme, out, 4, &n), "org_managers");
    /* Alice and Bob, oldest first; not Cy, Dee, Eve, nor Globex's Gil. */
    assert_int_equal(n, 2);
    assert_int_equal(out[0].id, fx->alice);
    assert_string_equal(out[0].email, "alice@acme.example");
    assert_int_equal(out[1].id, fx->bob);
    assert_string_equal(out[1].password_hash, "");
    st_check(fx->ad->org_managers(fx->w, fx->acme, out, 1, &n), "at most one");
    assert_int_equal(n, 1);
    st_check(fx->ad->user_set_org_manager(fx->w, fx->alice, 0), "alice no more");
    st_check(fx->ad->org_managers(fx->w, fx->acme, out, 4, &n), "org_managers");
    assert_int_equal(n, 1);
    assert_int_equal(out[0].id, fx->bob);
    st_check(fx->ad->org_managers(fx->w, 4242, out, 4, &n), "no such org: none");
    assert_int_equal(n, 0);
}

static void ct_refused_stay_out(void **state)
{
    fixture *fx = *state;
    int64_t changed = 0;
    st_check(fx->ad->user_set_approval(fx->w, fx->bob, GARANT_APPROVAL_PENDING), "bob waits");
    st_check(fx->ad->org_set_deactivated(fx->w, fx->acme, T0, &changed), "acme off");
    assert_int_equal(changed, 2);
    /* Refused while Acme was off. */
    st_check(fx->ad->user_set_approval(fx->w, fx->bob, GARANT_APPROVAL_REFUSED), "bob refused");
    st_check(fx->ad->org_set_deactivated(fx->w, fx->acme, 0, &changed), "acme back");
    assert_int_equal(changed, 1);
    assert_int_equal(user(fx, fx->alice).deactivated_at, 0);
    assert_int_equal(user(fx, fx->bob).deactivated_at, T0);
}

/* The ids of a list, into ids (at most max of them). */
typedef struct id_list {
    int64_t *ids;
    size_t n, max;
} id_list;

static int keep_id(void *ctx, const garant_ticket_row *row)
{
    id_list *l = ctx;
    if (l->n < l->max) l->ids[l->n] = row->t.id;
    l->n++;
    return 0;
}

static size_t list_ids(fixture *fx, const garant_ticket_filter *f, int64_t *ids, size_t max)
{
    id_list l = {ids, 0, max};
    st_check(fx->ops->tickets->list(fx->w, f, keep_id, &l), "tickets.list");
    return l.n;
}

static void ct_tickets_requested_by(void **state)
{
    fixture *fx = *state;
    int64_t a1 = st_add_ticket(fx->w, fx->acme, fx->alice, "Alice's printer", T0);
    int64_t b1 = st_add_ticket(fx->w, fx->acme, fx->bob, "Bob's printer", T0 + 60);
    int64_t a2 = st_add_ticket(fx->w, fx->acme, fx->alice, "Alice's network", T0 + 120);
    /* Alice moves to Globex; her Acme tickets stay Acme's. */
    st_check(fx->ad->user_set_role(fx->w, fx->alice, GARANT_ROLE_CUSTOMER, fx->globex), "to globex");
    int64_t a3 = st_add_ticket(fx->w, fx->globex, fx->alice, "Alice at Globex", T0 + 180);
    garant_ticket_filter f = {0};
    f.limit = 50;
    int64_t ids[8];
    f.org_id = fx->acme;
    assert_int_equal(list_ids(fx, &f, ids, 8), 3);
    f.requester_id = fx->alice;
    assert_int_equal(list_ids(fx, &f, ids, 8), 2);
    assert_int_equal(ids[0], a2);
    assert_int_equal(ids[1], a1);
    f.requester_id = fx->bob;
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], b1);
    /* With the other filters, pages and a search. */
    f.requester_id = fx->alice;
    f.limit = 1;
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], a2);
    f.after_id = a2;
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], a1);
    f.after_id = 0;
    f.limit = 50;
    snprintf(f.q, sizeof f.q, "printer");
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], a1);
    f.requester_id = fx->bob;
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], b1);
    /* Her organization and her own: Globex's one. */
    memset(&f, 0, sizeof f);
    f.limit = 50;
    f.org_id = fx->globex;
    f.requester_id = fx->alice;
    assert_int_equal(list_ids(fx, &f, ids, 8), 1);
    assert_int_equal(ids[0], a3);
    /* Any organization. */
    f.org_id = 0;
    assert_int_equal(list_ids(fx, &f, ids, 8), 3);
}

int run_members_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ct_org_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_manager_and_approval, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_leaving_drops_both, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_managers_to_mail, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_refused_stay_out, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_tickets_requested_by, setup, teardown),
    };
    return cmocka_run_group_tests_name("store members contract", tests, NULL, NULL);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("members", run_members_contract, &garant_store_sqlite_ops));
}
