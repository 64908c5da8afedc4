/*
** test_store_admin.c - the storage contract of the admin operations
** (store_admin.h): roles with their organization, an organization
** deactivated with its users and back, product stages by policy version,
** the stage a ticket is counted under after a correction (its history
** keeps the filed one), and the audit trail.
**
** The suite is run_admin_contract(ops, target); each case opens a fresh
** store at "<target>-<n>" and removes it afterwards, as the SLA suite
** does: admin_count and the audit trail look at the whole store.
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

int run_admin_contract(const garant_store_ops *ops, const char *target);

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_admin_ops *ad;
    const garant_store_accounts_ops *acc;
    char target[512];
    int64_t org, customer, admin;
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday */

static int64_t add_user(fixture *fx, const char *email, garant_role role, int64_t org)
{
    return st_add_user(fx->w, email, NULL, role, org, T0 - 86400);
}

static int64_t add_org(fixture *fx, const char *name)
{
    return st_add_org(fx->w, name, "professional", T0 - 86400);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->ad = suite.ops->admin;
    fx->acc = suite.ops->accounts;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    fx->org = add_org(fx, "Acme");
    fx->customer = add_user(fx, "alice@acme.example", GARANT_ROLE_CUSTOMER, fx->org);
    fx->admin = add_user(fx, "ada@garant.example", GARANT_ROLE_ADMIN, 0);
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

static void ct_roles(void **state)
{
    fixture *fx = *state;
    int64_t n = 0;
    st_check(fx->ad->admin_count(fx->w, &n), "admin_count");
    assert_int_equal(n, 1);
    /* A customer made an admin leaves the organization. */
    st_check(fx->ad->user_set_role(fx->w, fx->customer, GARANT_ROLE_ADMIN, 0), "customer to admin");
    garant_user u;
    st_check(fx->acc->user_get(fx->w, fx->customer, &u), "user_get");
    assert_int_equal(u.role, GARANT_ROLE_ADMIN);
    assert_int_equal(u.org_id, 0);
    st_check(fx->ad->admin_count(fx->w, &n), "admin_count");
    assert_int_equal(n, 2);
    /* A deactivated admin is not counted. */
    st_check(fx->acc->user_set_deactivated(fx->w, fx->customer, T0), "deactivate");
    st_check(fx->ad->admin_count(fx->w, &n), "admin_count");
    assert_int_equal(n, 1);
    /* Back to a customer: an organization is needed, staff take none. */
    st_expect_err(fx->ad->user_set_role(fx->w, fx->customer, GARANT_ROLE_CUSTOMER, 0), GARANT_EINVAL, "customer, no org");
    st_expect_err(fx->ad->user_set_role(fx->w, fx->customer, GARANT_ROLE_AGENT, fx->org), GARANT_EINVAL, "agent with org");
    st_expect_err(fx->ad->user_set_role(fx->w, fx->customer, GARANT_ROLE_CUSTOMER, 4242), GARANT_ENOTFOUND,
               "no such org");
    st_expect_err(fx->ad->user_set_role(fx->w, 4242, GARANT_ROLE_AGENT, 0), GARANT_ENOTFOUND, "no such user");
    st_check(fx->ad->user_set_role(fx->w, fx->customer, GARANT_ROLE_CUSTOMER, fx->org), "admin to customer");
    st_check(fx->acc->user_get(fx->w, fx->customer, &u), "user_get");
    assert_int_equal(u.role, GARANT_ROLE_CUSTOMER);
    assert_int_equal(u.org_id, fx->org);
}

static void ct_org_deactivation(void **state)
{
    fixture *fx = *state;
    int64_t bob = add_user(fx, "bob@acme.example", GARANT_ROLE_CUSTOMER, fx->org);
    int64_t cy = add_user(fx, "cy@acme.example", GARANT_ROLE_CUSTOMER, fx->org);
    /* Bob was deactivated alone, before. */
    st_check(fx->acc->user_set_deactivated(fx->w, bob, T0 - 10), "bob alone");
    garant_session s = {0};
    s.user_id = fx->customer;
    memset(s.token_hash, 7, sizeof s.token_hash);
    snprintf(s.csrf, sizeof s.csrf, "csrf");
    s.created_at = T0 - 100;
    s.expires_at = T0 + 86400;
    st_check(fx->acc->session_insert(fx->w, &s), "session");
    int64_t at = 0, changed = 0;
    st_check(fx->ad->org_deactivated_at(fx->w, fx->org, &at), "deactivated_at");
    assert_int_equal(at, 0);
    st_check(fx->ad->org_set_deactivated(fx->w, fx->org, T0, &changed), "deactivate org");
    assert_int_equal(changed, 2); /* alice and cy */
    st_check(fx->ad->org_deactivated_at(fx->w, fx->org, &at), "deactivated_at");
    assert_int_equal(at, T0);
    garant_user u;
    st_check(fx->acc->user_get(fx->w, fx->customer, &u), "alice");
    assert_int_equal(u.deactivated_at, T0);
    garant_session got;
    st_expect_err(fx->acc->session_get(fx->w, s.token_hash, T0 + 1, &got), GARANT_ENOTFOUND, "her session ended");
    /* Twice changes nothing. */
    st_check(fx->ad->org_set_deactivated(fx->w, fx->org, T0 + 5, &changed), "again");
    assert_int_equal(changed, 0);
    /* Someone joining it meanwhile goes with it. */
    int64_t dee = add_user(fx, "dee@acme.example", GARANT_ROLE_CUSTOMER, fx->org);
    st_check(fx->ad->user_deactivate_with_org(fx->w, dee, T0), "dee joins");
    /* Back: those deactivated with it, not Bob. */
    st_check(fx->ad->org_set_deactivated(fx->w, fx->org, 0, &changed), "reactivate org");
    assert_int_equal(changed, 3);
    int64_t ids[] = {fx->customer, cy, dee};
    for (size_t i = 0; i < 3; i++) {
        st_check(fx->acc->user_get(fx->w, ids[i], &u), "user_get");
        assert_int_equal(u.deactivated_at, 0);
    }
    st_check(fx->acc->user_get(fx->w, bob, &u), "bob");
    assert_int_equal(u.deactivated_at, T0 - 10);
    st_check(fx->ad->org_deactivated_at(fx->w, fx->org, &at), "deactivated_at");
    assert_int_equal(at, 0);
    st_expect_err(fx->ad->org_set_deactivated(fx->w, 4242, T0, &changed), GARANT_ENOTFOUND, "no such org");
    st_expect_err(fx->ad->org_deactivated_at(fx->w, 4242, &at), GARANT_ENOTFOUND, "no such org");
    /* The list says which are active. */
    st_check(fx->ad->org_set_deactivated(fx->w, add_org(fx, "Globex"), T0, &changed), "globex");
    garant_org_list orgs;
    st_check(fx->acc->org_list(fx->w, &orgs), "org_list");
    assert_int_equal(orgs.n, 2);
    assert_int_equal(orgs.orgs[0].deactivated_at, 0);
    assert_int_equal(orgs.orgs[1].deactivated_at, T0);
    garant_org_list_free(&orgs);
}

static const char *stage_in(const garant_product_stage *stages, size_t n, const char *product)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(stages[i].product, product)) return stages[i].stage;
    fail_msg("no stage for product %s", product);
    return NULL;
}

static void ct_product_stages_by_version(void **state)
{
    fixture *fx = *state;
    const garant_store_sla_ops *sla = fx->ops->sla;
    int64_t v1, v2, v3;
    st_check(sla->policy_insert(fx->w, "version: 1\n", T0, 0, &v1), "v1");
    garant_product lab = {0}, cloud = {0};
    snprintf(lab.name, sizeof lab.name, "Lab");
    snprintf(lab.stage, sizeof lab.stage, "preview");
    snprintf(cloud.name, sizeof cloud.name, "Cloud");
    snprintf(cloud.stage, sizeof cloud.stage, "ga");
    st_check(fx->acc->product_insert(fx->w, &lab), "lab");
    st_check(fx->acc->product_insert(fx->w, &cloud), "cloud");
    /* Lab: preview -> ga at v2, ga -> beta at v3. */
    st_check(sla->policy_insert(fx->w, "version: 1\n", T0 + 10, fx->admin, &v2), "v2");
    st_check(fx->ad->product_set_stage(fx->w, lab.id, "ga"), "lab ga");
    garant_audit_in a = {T0 + 10, fx->admin, "product_stage", lab.id, "preview", "ga", v2};
    st_check(fx->ad->audit_insert(fx->w, &a), "audit v2");
    st_check(sla->policy_insert(fx->w, "version: 1\n", T0 + 20, fx->admin, &v3), "v3");
    st_check(fx->ad->product_set_stage(fx->w, lab.id, "beta"), "lab beta");
    garant_audit_in b = {T0 + 20, fx->admin, "product_stage", lab.id, "ga", "beta", v3};
    st_check(fx->ad->audit_insert(fx->w, &b), "audit v3");
    garant_product got;
    st_check(fx->ad->product_get(fx->w, lab.id, &got), "product_get");
    assert_string_equal(got.stage, "beta");
    assert_string_equal(got.name, "Lab");
    st_expect_err(fx->ad->product_get(fx->w, 4242, &got), GARANT_ENOTFOUND, "no such product");
    st_expect_err(fx->ad->product_set_stage(fx->w, 4242, "ga"), GARANT_ENOTFOUND, "no such product");
    st_expect_err(fx->ad->product_set_stage(fx->w, lab.id, ""), GARANT_EINVAL, "empty stage");
    garant_stage_change *changes = NULL;
    size_t nchanges = 0;
    st_check(fx->ad->stage_changes(fx->w, &changes, &nchanges), "stage_changes");
    assert_int_equal(nchanges, 2);
    assert_int_equal(changes[0].policy_version, v2);
    assert_string_equal(changes[0].product, "Lab");
    assert_string_equal(changes[0].old_value, "preview");
    assert_string_equal(changes[0].new_value, "ga");
    assert_int_equal(changes[1].policy_version, v3);
    assert_string_equal(changes[1].new_value, "beta");
    free(changes);
    const int64_t versions[] = {v1, v2, v3, v3 + 1};
    const char *const want[] = {"preview", "ga", "beta", "beta"};
    for (size_t i = 0; i < 4; i++) {
        garant_product_stage *stages = NULL;
        size_t n = 0;
        st_check(fx->ad->product_stages_at(fx->w, versions[i], &stages, &n), "product_stages_at");
        assert_int_equal(n, 2);
        assert_string_equal(stage_in(stages, n, "Lab"), want[i]);
        assert_string_equal(stage_in(stages, n, "Cloud"), "ga"); /* never changed */
        free(stages);
    }
}

static void ct_ticket_stage_keeps_the_filed_one(void **state)
{
    fixture *fx = *state;
    garant_ticket t = {0};
    t.org_id = fx->org;
    t.requester_id = fx->customer;
    snprintf(t.subject, sizeof t.subject, "on the lab");
    t.priority = t.initial_priority = 2;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.product, sizeof t.product, "Lab");
    snprintf(t.stage, sizeof t.stage, "preview");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    st_check(fx->ops->tickets->insert(fx->w, &t, "body"), "insert");
    st_check(fx->ad->ticket_set_stage(fx->w, t.id, "ga"), "to ga");
    st_check(fx->ad->ticket_set_stage(fx->w, t.id, "ga"), "to ga again");
    st_check(fx->ad->ticket_set_stage(fx->w, t.id, "beta"), "to beta");
    garant_ticket got;
    st_check(fx->ops->tickets->get(fx->w, t.id, &got), "get");
    assert_string_equal(got.stage, "beta");
    json_t *events = NULL;
    st_check(st_events(fx->w, t.id, &events), "events");
    json_t *created = json_array_get(events, 0);
    assert_string_equal(json_string_value(json_object_get(created, "kind")), "created");
    assert_string_equal(json_string_value(json_object_get(json_object_get(created, "data"), "stage")), "preview");
    json_decref(events);
    st_expect_err(fx->ad->ticket_set_stage(fx->w, 4242, "ga"), GARANT_ENOTFOUND, "no such ticket");
    st_expect_err(fx->ad->ticket_set_stage(fx->w, t.id, ""), GARANT_EINVAL, "empty stage");
}

static void ct_audit(void **state)
{
    fixture *fx = *state;
    garant_audit_in rows[] = {
        {T0, fx->admin, "user_role", fx->customer, "customer", "agent", 0},
        {T0 + 1, 0, "org_name", fx->org, "Acme", "Acme Corp", 0},
        {T0 + 2, fx->admin, "user_active", fx->customer, "true", "false", 0},
    };
    for (size_t i = 0; i < 3; i++) st_check(fx->ad->audit_insert(fx->w, &rows[i]), "audit_insert");
    garant_audit_row *list = NULL;
    size_t n = 0;
    st_check(fx->ad->audit_list(fx->w, 2, &list, &n), "audit_list");
    assert_int_equal(n, 2);
    const garant_audit_row *newest = &list[0], *cli = &list[1];
    assert_string_equal(newest->action, "user_active");
    assert_string_equal(newest->by_email, "ada@garant.example");
    assert_int_equal(newest->by_user, fx->admin);
    assert_int_equal(newest->at, T0 + 2);
    assert_int_equal(newest->subject_id, fx->customer);
    assert_int_equal(newest->policy_version, 0);
    assert_true(newest->has_old_value && newest->has_new_value);
    assert_string_equal(newest->old_value, "true");
    assert_true(cli->by_user == 0 && cli->by_email[0] == '\0');
    assert_string_equal(cli->new_value, "Acme Corp");
    free(list);
    st_expect_err(fx->ad->audit_list(fx->w, 0, &list, &n), GARANT_EINVAL, "limit 0");
    st_expect_err(fx->ad->audit_list(fx->w, 501, &list, &n), GARANT_EINVAL, "limit 501");
    /* None is told apart from an empty text. */
    garant_audit_in none = {T0 + 3, fx->admin, "user_deleted", fx->customer, "", NULL, 0};
    st_check(fx->ad->audit_insert(fx->w, &none), "a value of none");
    st_check(fx->ad->audit_list(fx->w, 1, &list, &n), "audit_list");
    assert_int_equal(n, 1);
    assert_true(list[0].has_old_value && !list[0].has_new_value);
    assert_string_equal(list[0].old_value, "");
    free(list);
    char big[GARANT_MAX_NAME + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    garant_audit_in over = {T0, 0, "org_name", fx->org, NULL, big, 0};
    st_expect_err(fx->ad->audit_insert(fx->w, &over), GARANT_ELIMIT, "a value too long");
}

int run_admin_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ct_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_org_deactivation, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_product_stages_by_version, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_ticket_stage_keeps_the_filed_one, setup, teardown),
        cmocka_unit_test_setup_teardown(ct_audit, setup, teardown),
    };
    return cmocka_run_group_tests_name("store admin contract", tests, NULL, NULL);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("admin", run_admin_contract, &garant_store_sqlite_ops));
}
