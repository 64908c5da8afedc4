/*
** test_store_views.c - the storage contract of saved views
** (store_views.h): a view round-trips with its owner's and group's names;
** a name is unique per owner in any case, another owner may use it; the
** count per owner; what list_for returns, in which order (own views first,
** then the shared views of the caller's groups, or every shared view, each
** part by name); a deleted group unshares its views, a deleted user's
** views go with them; a missing view is GARANT_ENOTFOUND everywhere.
**
** The suite is run_views_contract(ops, target), every backend's. Each case
** opens a fresh store at "<target>-<n>" and removes it afterwards.
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
    const garant_store_views_ops *vw;
    char target[512];
    int64_t ann, ben, cat;   /* agents: Ann and Cat in Billing, Ben in none */
    int64_t billing, ops_group;
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday */

static int64_t add_agent(fixture *fx, const char *email, const char *name)
{
    return st_add_user(fx->w, email, name, GARANT_ROLE_AGENT, 0, T0 - 86400);
}

static int64_t add_group(fixture *fx, const char *name, const int64_t *members, size_t n)
{
    return st_add_group(fx->w, name, members, n, T0);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->vw = suite.ops->views;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    fx->ann = add_agent(fx, "ann@vendor.example", "Ann");
    fx->ben = add_agent(fx, "ben@vendor.example", "Ben");
    fx->cat = add_agent(fx, "cat@vendor.example", "Cat");
    int64_t billing[] = {fx->ann, fx->cat};
    fx->billing = add_group(fx, "Billing", billing, 2);
    fx->ops_group = add_group(fx, "Ops", NULL, 0);
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

/* A view of owner's, shared with group (0: private); its id. */
static int64_t add_view(fixture *fx, int64_t owner, const char *name, const char *query, int64_t group)
{
    garant_view v;
    memset(&v, 0, sizeof v);
    v.owner_id = owner;
    v.group_id = group;
    snprintf(v.name, sizeof v.name, "%s", name);
    snprintf(v.query, sizeof v.query, "%s", query);
    v.created_at = v.updated_at = T0;
    st_check(fx->vw->insert(fx->w, &v), name);
    assert_true(v.id > 0);
    return v.id;
}

/* The names list_for returns for user, as "a,b,c". */
static const char *listed(fixture *fx, int64_t user, int every_shared)
{
    static char buf[1024];
    garant_view *v = NULL;
    size_t n = 0, len = 0;
    st_check(fx->vw->list_for(fx->w, user, every_shared, &v, &n), "list_for");
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "", v[i].name);
        assert_true(k > 0 && (size_t)k < sizeof buf - len);
        len += (size_t)k;
    }
    free(v);
    return buf;
}

static void ct_round_trip_and_names(void **state)
{
    fixture *fx = *state;
    int64_t id = add_view(fx, fx->ann, "P1 unassigned", "priority=1&assignee=none", fx->billing);
    garant_view v;
    st_check(fx->vw->get(fx->w, id, &v), "get");
    assert_int_equal(v.id, id);
    assert_int_equal(v.owner_id, fx->ann);
    assert_int_equal(v.group_id, fx->billing);
    assert_string_equal(v.name, "P1 unassigned");
    assert_string_equal(v.query, "priority=1&assignee=none");
    assert_int_equal(v.created_at, T0);
    assert_int_equal(v.updated_at, T0);
    assert_string_equal(v.owner_name, "Ann");
    assert_string_equal(v.group_name, "Billing");
    /* Unique per owner, in any case; another owner may use the name. */
    garant_view dup = v;
    snprintf(dup.name, sizeof dup.name, "p1 UNASSIGNED");
    st_expect_err(fx->vw->insert(fx->w, &dup), GARANT_ECONFLICT, "the same name in another case");
    dup.owner_id = fx->ben;
    st_check(fx->vw->insert(fx->w, &dup), "the name for another owner");
    /* A private view has no group. */
    int64_t mine = add_view(fx, fx->ann, "Mine", "assignee=me", 0);
    st_check(fx->vw->get(fx->w, mine, &v), "get private");
    assert_int_equal(v.group_id, 0);
    assert_string_equal(v.group_name, "");
    /* Update: name, query, sharing and the instant; a taken name is refused
    ** and leaves the row as it was. */
    v.group_id = fx->ops_group;
    snprintf(v.name, sizeof v.name, "Mine, open");
    snprintf(v.query, sizeof v.query, "status=open&assignee=me");
    v.updated_at = T0 + 60;
    st_check(fx->vw->update(fx->w, &v), "update");
    garant_view got;
    st_check(fx->vw->get(fx->w, mine, &got), "get after update");
    assert_string_equal(got.name, "Mine, open");
    assert_string_equal(got.query, "status=open&assignee=me");
    assert_int_equal(got.group_id, fx->ops_group);
    assert_string_equal(got.group_name, "Ops");
    assert_int_equal(got.created_at, T0);
    assert_int_equal(got.updated_at, T0 + 60);
    snprintf(v.name, sizeof v.name, "P1 UNASSIGNED");
    st_expect_err(fx->vw->update(fx->w, &v), GARANT_ECONFLICT, "update to a taken name");
    st_check(fx->vw->get(fx->w, mine, &got), "get after refused update");
    assert_string_equal(got.name, "Mine, open");
    /* Counted per owner. */
    int64_t n = -1;
    st_check(fx->vw->count_owned(fx->w, fx->ann, &n), "count ann");
    assert_int_equal(n, 2);
    st_check(fx->vw->count_owned(fx->w, fx->cat, &n), "count cat");
    assert_int_equal(n, 0);
}

static void ct_refusals_and_not_found(void **state)
{
    fixture *fx = *state;
    garant_view v;
    memset(&v, 0, sizeof v);
    v.owner_id = fx->ann;
    v.created_at = v.updated_at = T0;
    st_expect_err(fx->vw->insert(fx->w, &v), GARANT_EINVAL, "no name");
    snprintf(v.name, sizeof v.name, "Orphan");
    v.group_id = 999999;
    st_expect_err(fx->vw->insert(fx->w, &v), GARANT_ENOTFOUND, "a group that does not exist");
    v.group_id = 0;
    v.owner_id = 999999;
    st_expect_err(fx->vw->insert(fx->w, &v), GARANT_ENOTFOUND, "an owner who does not exist");
    int64_t n = -1;
    st_check(fx->vw->count_owned(fx->w, fx->ann, &n), "count");
    assert_int_equal(n, 0);
    st_expect_err(fx->vw->get(fx->w, 999999, &v), GARANT_ENOTFOUND, "get");
    v.id = 999999;
    v.owner_id = fx->ann;
    st_expect_err(fx->vw->update(fx->w, &v), GARANT_ENOTFOUND, "update");
    st_expect_err(fx->vw->remove(fx->w, 999999), GARANT_ENOTFOUND, "remove");
    int64_t id = add_view(fx, fx->ann, "Gone", "", 0);
    st_check(fx->vw->remove(fx->w, id), "remove");
    st_expect_err(fx->vw->get(fx->w, id, &v), GARANT_ENOTFOUND, "get removed");
    st_expect_err(fx->vw->remove(fx->w, id), GARANT_ENOTFOUND, "remove twice");
}

static void ct_who_sees_what_in_which_order(void **state)
{
    fixture *fx = *state;
    add_view(fx, fx->ann, "zeta", "q=z", 0);
    add_view(fx, fx->ann, "Alpha", "q=a", fx->billing);
    add_view(fx, fx->cat, "Cat's billing", "q=c", fx->billing);
    add_view(fx, fx->cat, "cat private", "q=p", 0);
    add_view(fx, fx->ben, "Ben's ops", "q=o", fx->ops_group);
    add_view(fx, fx->ben, "ben private", "q=b", 0);
    /* Own first (shared or not), then others' shared with my groups, each
    ** by name in any case. */
    assert_string_equal(listed(fx, fx->ann, 0), "Alpha,zeta,Cat's billing");
    assert_string_equal(listed(fx, fx->cat, 0), "cat private,Cat's billing,Alpha");
    /* Ben is in no group: his own only, even those shared with a group. */
    assert_string_equal(listed(fx, fx->ben, 0), "ben private,Ben's ops");
    /* Every shared view (an admin's list), never another's private one. */
    assert_string_equal(listed(fx, fx->ben, 1), "ben private,Ben's ops,Alpha,Cat's billing");
    int64_t joined[] = {fx->ben};
    st_check(fx->ops->groups->set_members(fx->w, fx->ops_group, joined, 1), "members");
    int64_t both[] = {fx->ann, fx->ben};
    st_check(fx->ops->groups->set_members(fx->w, fx->billing, both, 2), "members");
    assert_string_equal(listed(fx, fx->ben, 0), "ben private,Ben's ops,Alpha,Cat's billing");
    /* Cat left Billing: she keeps her own views, shared or not. */
    assert_string_equal(listed(fx, fx->cat, 0), "cat private,Cat's billing");
}

static void ct_deleting_groups_and_users(void **state)
{
    fixture *fx = *state;
    int64_t shared = add_view(fx, fx->ann, "Billing queue", "group=mine", fx->billing);
    add_view(fx, fx->ben, "Ben's", "q=b", 0);
    assert_string_equal(listed(fx, fx->cat, 0), "Billing queue");
    st_check(fx->ops->groups->remove(fx->w, fx->billing), "remove the group");
    garant_view v;
    st_check(fx->vw->get(fx->w, shared, &v), "the view stays");
    assert_int_equal(v.group_id, 0);
    assert_string_equal(v.group_name, "");
    assert_string_equal(listed(fx, fx->cat, 0), "");
    assert_string_equal(listed(fx, fx->ann, 0), "Billing queue");
    /* A user deleted (one without history) takes their views along. */
    st_check(fx->ops->accounts->user_delete(fx->w, fx->ben), "delete Ben");
    int64_t n = -1;
    st_check(fx->vw->count_owned(fx->w, fx->ben, &n), "count");
    assert_int_equal(n, 0);
    assert_string_equal(listed(fx, fx->ann, 1), "Billing queue");
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static int run_views_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        CASE(ct_round_trip_and_names),
        CASE(ct_refusals_and_not_found),
        CASE(ct_who_sees_what_in_which_order),
        CASE(ct_deleting_groups_and_users),
    };
    char name[64];
    snprintf(name, sizeof name, "store views contract (%s)", ops->name);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("views", run_views_contract, &garant_store_sqlite_ops));
}
