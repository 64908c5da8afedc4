/*
** contract.h - the storage contract suites, run against every backend.
**
** A backend's test program includes this header once and calls
** run_accounts_contract(ops, target) with its ops table and a target its
** open accepts (an empty SQLite file; later a PostgreSQL database). The
** suite opens the store once and never assumes the database is empty: each
** test makes its names unique (a per-test prefix), so the suite can run
** against a shared database and twice in a row. Every test writes in
** autocommit mode through the write connection, as the CLI does, so a
** refused statement never poisons an enclosing transaction (PostgreSQL
** aborts the whole transaction on an error).
**
** Instants are made-up UTC epoch seconds; the store never reads the clock.
*/
#ifndef GARANT_TEST_STORE_CONTRACT_H
#define GARANT_TEST_STORE_CONTRACT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"

typedef struct contract_env {
    const garant_store_ops *ops;
    const char *target;
    garant_store *st;
    garant_store_conn *w;
    int seq;          /* bumped per test */
    char prefix[32];  /* "c<seq>x", unique per test and per run */
} contract_env;

static contract_env contract_g;

/* A name unique to the running test: "<prefix><suffix>" in one of 8
** rotating buffers. Borrowed; valid for the next 7 calls. */
static const char *cn(const char *suffix)
{
    static char bufs[8][256];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof bufs[0], "%s%s", contract_g.prefix, suffix);
    return b;
}

#define ACC (GS(contract_g.w)->accounts)
#define W (contract_g.w)

/* An error code with a message saying something. */
#define assert_err(expr, code)                                                    \
    do {                                                                          \
        int rc_ = (expr);                                                         \
        if (rc_ != (code))                                                        \
            fail_msg("%s: got %s (%s), want %s", #expr, garant_err_name(rc_),     \
                     garant_error_last(), garant_err_name(code));                 \
        if ((code) != 0) assert_true(garant_error_last()[0] != '\0');             \
    } while (0)
#define assert_ok(expr) assert_err(expr, 0)

static int contract_group_setup(void **state)
{
    (void)state;
    int rc = contract_g.ops->open(&contract_g.st, contract_g.target, 2);
    if (rc) {
        fprintf(stderr, "contract: cannot open %s: %s\n", contract_g.target, garant_error_last());
        return -1;
    }
    contract_g.w = contract_g.ops->writer(contract_g.st);
    return 0;
}

static int contract_group_teardown(void **state)
{
    (void)state;
    contract_g.ops->close(contract_g.st);
    contract_g.st = NULL;
    contract_g.w = NULL;
    return 0;
}

static int contract_setup(void **state)
{
    (void)state;
    contract_g.seq++;
    /* The time and the process make prefixes differ between runs on one
    ** database; seq between tests and between suites of one run. */
    snprintf(contract_g.prefix, sizeof contract_g.prefix, "c%dt%lldp%ldx", contract_g.seq,
             (long long)time(NULL) % 1000000, (long)getpid());
    return 0;
}

static garant_org c_org(const char *suffix, const char *plan)
{
    garant_org o = {0};
    snprintf(o.name, sizeof o.name, "%s", cn(suffix));
    snprintf(o.plan, sizeof o.plan, "%s", plan);
    o.created_at = 1767225600; /* 2026-01-01T00:00:00Z */
    assert_ok(ACC->org_insert(W, &o));
    assert_true(o.id > 0);
    return o;
}

static garant_user c_user(const char *email_suffix, garant_role role, int64_t org_id)
{
    garant_user u = {0};
    snprintf(u.email, sizeof u.email, "%s", cn(email_suffix));
    snprintf(u.name, sizeof u.name, "User %s", email_suffix);
    u.role = role;
    u.org_id = org_id;
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    u.created_at = 1767225600;
    assert_ok(ACC->user_insert(W, &u));
    assert_true(u.id > 0);
    return u;
}

/* A 32-byte hash that differs per test and per n. */
static void c_hash(uint8_t out[32], int n)
{
    memset(out, 0, 32);
    out[0] = (uint8_t)n;
    memcpy(out + 1, contract_g.prefix, strnlen(contract_g.prefix, 31));
}

/* The element of a JSON array whose "name" is name, or NULL. Borrowed. */
static const garant_org_entry *c_find_org(const garant_org_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->orgs[i].org.name, name) == 0) return &l->orgs[i];
    return NULL;
}

/* ---- organizations and domains ---- */

static void ct_org_insert_get(void **state)
{
    (void)state;
    garant_org o = c_org("Acme", "professional");
    garant_org got;
    assert_ok(ACC->org_get(W, o.id, &got));
    assert_int_equal(got.id, o.id);
    assert_string_equal(got.name, o.name);
    assert_string_equal(got.plan, "professional");
    assert_int_equal(got.created_at, 1767225600);

    /* The same name again is a conflict, and the first row is untouched. */
    garant_org dup = o;
    dup.id = 0;
    snprintf(dup.plan, sizeof dup.plan, "basic");
    assert_err(ACC->org_insert(W, &dup), GARANT_ECONFLICT);
    assert_ok(ACC->org_get(W, o.id, &got));
    assert_string_equal(got.plan, "professional");

    assert_err(ACC->org_get(W, o.id + 1000000, &got), GARANT_ENOTFOUND);
}

static void ct_org_set_plan(void **state)
{
    (void)state;
    garant_org o = c_org("Plan", "basic");
    assert_ok(ACC->org_set_plan(W, o.id, "enterprise"));
    garant_org got;
    assert_ok(ACC->org_get(W, o.id, &got));
    assert_string_equal(got.plan, "enterprise");
    assert_err(ACC->org_set_plan(W, o.id + 1000000, "basic"), GARANT_ENOTFOUND);
}

static void ct_org_list_with_domains(void **state)
{
    (void)state;
    garant_org a = c_org("ListA", "basic");
    garant_org b = c_org("ListB", "enterprise");
    assert_ok(ACC->domain_add(W, a.id, cn("-Zeta.EXAMPLE")));
    assert_ok(ACC->domain_add(W, a.id, cn("-alpha.example")));

    garant_org_list list;
    assert_ok(ACC->org_list(W, &list));
    const garant_org_entry *ja = c_find_org(&list, a.name);
    const garant_org_entry *jb = c_find_org(&list, b.name);
    assert_non_null(ja);
    assert_non_null(jb);
    assert_int_equal(ja->org.id, a.id);
    assert_string_equal(ja->org.plan, "basic");
    assert_int_equal(ja->org.created_at, 1767225600);
    assert_int_equal(ja->deactivated_at, 0);
    assert_int_equal(ja->ndomains, 2);
    /* Lower-cased and sorted. */
    char want0[128], want1[128];
    snprintf(want0, sizeof want0, "%s-alpha.example", contract_g.prefix);
    snprintf(want1, sizeof want1, "%s-zeta.example", contract_g.prefix);
    assert_string_equal(ja->domains[0], want0);
    assert_string_equal(ja->domains[1], want1);
    /* An organization without domains has none, and takes none of another's. */
    assert_int_equal(jb->ndomains, 0);
    assert_string_equal(jb->org.plan, "enterprise");
    /* Organizations by id. */
    for (size_t i = 1; i < list.n; i++) assert_true(list.orgs[i - 1].org.id < list.orgs[i].org.id);
    garant_org_list_free(&list);
    assert_null(list.orgs);
    garant_org_list_free(&list); /* twice, and NULL, do nothing */
    garant_org_list_free(NULL);
}

static void ct_domains(void **state)
{
    (void)state;
    garant_org a = c_org("DomA", "basic");
    garant_org b = c_org("DomB", "basic");
    assert_ok(ACC->domain_add(W, a.id, cn("-Example.COM")));

    int64_t org_id = 0;
    assert_ok(ACC->domain_org(W, cn("-example.com"), &org_id));
    assert_int_equal(org_id, a.id);
    org_id = 0;
    assert_ok(ACC->domain_org(W, cn("-EXAMPLE.com"), &org_id));
    assert_int_equal(org_id, a.id);

    /* Unique across organizations, whatever the case. */
    assert_err(ACC->domain_add(W, b.id, cn("-example.COM")), GARANT_ECONFLICT);
    assert_err(ACC->domain_add(W, a.id, cn("-example.com")), GARANT_ECONFLICT);
    assert_err(ACC->domain_org(W, cn("-nowhere.example"), &org_id), GARANT_ENOTFOUND);
    /* A domain of an organization that does not exist. */
    assert_err(ACC->domain_add(W, b.id + 1000000, cn("-orphan.example")), GARANT_ENOTFOUND);
    assert_err(ACC->domain_add(W, a.id, ""), GARANT_EINVAL);
}

/* ---- users ---- */

static void ct_user_insert_get(void **state)
{
    (void)state;
    garant_org o = c_org("Users", "basic");
    garant_user u = c_user("-Alice@Example.COM", GARANT_ROLE_CUSTOMER, o.id);
    char lower[255];
    snprintf(lower, sizeof lower, "%s-alice@example.com", contract_g.prefix);
    /* insert hands back the address as stored. */
    assert_string_equal(u.email, lower);

    garant_user got;
    assert_ok(ACC->user_get(W, u.id, &got));
    assert_int_equal(got.id, u.id);
    assert_string_equal(got.email, lower);
    assert_string_equal(got.name, u.name);
    assert_int_equal(got.role, GARANT_ROLE_CUSTOMER);
    assert_int_equal(got.org_id, o.id);
    assert_string_equal(got.password_hash, u.password_hash);
    assert_int_equal(got.verified_at, 0);
    assert_int_equal(got.created_at, 1767225600);

    memset(&got, 0, sizeof got);
    assert_ok(ACC->user_by_email(W, cn("-ALICE@example.com"), &got));
    assert_int_equal(got.id, u.id);

    /* Staff belong to no organization. */
    garant_user s = c_user("-agent@example.com", GARANT_ROLE_AGENT, 0);
    assert_ok(ACC->user_get(W, s.id, &got));
    assert_int_equal(got.role, GARANT_ROLE_AGENT);
    assert_int_equal(got.org_id, 0);
    garant_user adm = c_user("-admin@example.com", GARANT_ROLE_ADMIN, 0);
    assert_ok(ACC->user_get(W, adm.id, &got));
    assert_int_equal(got.role, GARANT_ROLE_ADMIN);

    assert_err(ACC->user_get(W, u.id + 1000000, &got), GARANT_ENOTFOUND);
    assert_err(ACC->user_by_email(W, cn("-bob@example.com"), &got), GARANT_ENOTFOUND);
}

static void ct_user_conflicts_and_checks(void **state)
{
    (void)state;
    garant_org o = c_org("UserChecks", "basic");
    garant_user u = c_user("-carol@example.com", GARANT_ROLE_CUSTOMER, o.id);

    /* The same address in another case is the same address. */
    garant_user dup = u;
    dup.id = 0;
    snprintf(dup.email, sizeof dup.email, "%s-CAROL@EXAMPLE.COM", contract_g.prefix);
    assert_err(ACC->user_insert(W, &dup), GARANT_ECONFLICT);

    /* A customer needs an organization; staff have none. */
    garant_user bad = u;
    bad.id = 0;
    snprintf(bad.email, sizeof bad.email, "%s-dave@example.com", contract_g.prefix);
    bad.org_id = 0;
    assert_err(ACC->user_insert(W, &bad), GARANT_EINVAL);
    bad.role = GARANT_ROLE_AGENT;
    bad.org_id = o.id;
    assert_err(ACC->user_insert(W, &bad), GARANT_EINVAL);
    bad.role = (garant_role)7;
    assert_err(ACC->user_insert(W, &bad), GARANT_EINVAL);
    /* ... and an organization that exists. */
    bad.role = GARANT_ROLE_CUSTOMER;
    bad.org_id = o.id + 1000000;
    assert_err(ACC->user_insert(W, &bad), GARANT_ENOTFOUND);
    garant_user got;
    assert_err(ACC->user_by_email(W, bad.email, &got), GARANT_ENOTFOUND);
}

static void ct_user_updates(void **state)
{
    (void)state;
    garant_user u = c_user("-erin@example.com", GARANT_ROLE_AGENT, 0);
    assert_ok(ACC->user_set_password(W, u.id, "$argon2id$new"));
    assert_ok(ACC->user_set_verified(W, u.id, 1767229200));
    garant_user got;
    assert_ok(ACC->user_get(W, u.id, &got));
    assert_string_equal(got.password_hash, "$argon2id$new");
    assert_int_equal(got.verified_at, 1767229200);
    assert_err(ACC->user_set_password(W, u.id + 1000000, "$argon2id$x"), GARANT_ENOTFOUND);
    assert_err(ACC->user_set_verified(W, u.id + 1000000, 1), GARANT_ENOTFOUND);
}

/* The ids of a user list, newest first, into ids (at most n); the count. */
static size_t c_list_ids(const garant_user_filter *f, int64_t *ids, size_t n)
{
    garant_user_row *list = NULL;
    size_t got = 0;
    assert_ok(ACC->user_list(W, f, &list, &got));
    for (size_t i = 0; i < got && i < n; i++) ids[i] = list[i].user.id;
    free(list);
    return got;
}

static void ct_user_list(void **state)
{
    (void)state;
    garant_org a = c_org("ListOrgA", "basic");
    garant_org b = c_org("ListOrgB", "basic");
    garant_org empty = c_org("ListOrgEmpty", "basic");
    garant_user a1 = c_user("-ann@a.example", GARANT_ROLE_CUSTOMER, a.id);
    garant_user a2 = c_user("-Bob@A.example", GARANT_ROLE_CUSTOMER, a.id);
    garant_user b1 = c_user("-cy@b.example", GARANT_ROLE_CUSTOMER, b.id);
    garant_user ag = c_user("-agent@vendor.example", GARANT_ROLE_AGENT, 0);
    garant_user ad = c_user("-admin@vendor.example", GARANT_ROLE_ADMIN, 0);
    assert_ok(ACC->user_set_verified(W, a1.id, 1767229200));

    /* One organization, newest first, every field but the secrets. */
    garant_user_filter f = {0};
    f.org_id = a.id;
    f.limit = 50;
    garant_user_row *list = NULL;
    size_t n = 0;
    assert_ok(ACC->user_list(W, &f, &list, &n));
    assert_int_equal(n, 2);
    const garant_user_row *first = &list[0], *second = &list[1];
    assert_int_equal(first->user.id, a2.id);
    assert_string_equal(first->user.email, a2.email);
    assert_string_equal(first->user.name, a2.name);
    assert_int_equal(first->user.role, GARANT_ROLE_CUSTOMER);
    assert_int_equal(first->user.org_id, a.id);
    assert_string_equal(first->org_name, a.name);
    assert_int_equal(first->user.verified_at, 0);
    assert_int_equal(first->user.created_at, 1767225600);
    assert_int_equal(second->user.id, a1.id);
    assert_int_equal(second->user.verified_at, 1767229200);
    /* Never a secret, whatever the row holds. */
    assert_string_equal(first->user.password_hash, "");
    assert_string_equal(second->user.password_hash, "");
    assert_int_equal(first->user.deactivated_at, 0);
    /* Where she stands in her organization (issue 15): no manager, never waited. */
    assert_int_equal(first->user.org_manager, 0);
    assert_int_equal(first->user.approval, GARANT_APPROVAL_NONE);
    free(list);

    /* Everyone of this test (the search text is its prefix), by role. */
    int64_t ids[8];
    memset(&f, 0, sizeof f);
    f.limit = 50;
    snprintf(f.q, sizeof f.q, "%s", contract_g.prefix);
    assert_int_equal(c_list_ids(&f, ids, 8), 5);
    assert_int_equal(ids[0], ad.id);
    assert_int_equal(ids[4], a1.id);
    snprintf(f.role, sizeof f.role, "customer");
    assert_int_equal(c_list_ids(&f, ids, 8), 3);
    assert_int_equal(ids[0], b1.id);
    snprintf(f.role, sizeof f.role, "agent");
    assert_int_equal(c_list_ids(&f, ids, 8), 1);
    assert_int_equal(ids[0], ag.id);
    /* Staff have no organization. */
    assert_ok(ACC->user_list(W, &f, &list, &n));
    assert_int_equal(n, 1);
    assert_int_equal(list[0].user.role, GARANT_ROLE_AGENT);
    assert_int_equal(list[0].user.org_id, 0);
    assert_string_equal(list[0].org_name, "");
    free(list);
    f.role[0] = '\0';

    /* The search: the e-mail or the name, ASCII letters in any case. */
    snprintf(f.q, sizeof f.q, "%s-BOB@", contract_g.prefix);
    assert_int_equal(c_list_ids(&f, ids, 8), 1);
    assert_int_equal(ids[0], a2.id);
    f.org_id = a.id;
    snprintf(f.q, sizeof f.q, "USER -ANN");
    assert_int_equal(c_list_ids(&f, ids, 8), 1);
    assert_int_equal(ids[0], a1.id);
    /* '%' and '_' are plain characters, not patterns. */
    snprintf(f.q, sizeof f.q, "%%");
    assert_int_equal(c_list_ids(&f, ids, 8), 0);
    snprintf(f.q, sizeof f.q, "user_");
    assert_int_equal(c_list_ids(&f, ids, 8), 0);
    f.q[0] = '\0';

    /* Pages: a keyset of the last id. */
    f.limit = 1;
    assert_int_equal(c_list_ids(&f, ids, 8), 1);
    assert_int_equal(ids[0], a2.id);
    f.after_id = a2.id;
    assert_int_equal(c_list_ids(&f, ids, 8), 1);
    assert_int_equal(ids[0], a1.id);
    f.after_id = a1.id;
    assert_int_equal(c_list_ids(&f, ids, 8), 0);
    /* No users, or no such organization: an empty page. */
    f.after_id = 0;
    f.org_id = empty.id;
    assert_int_equal(c_list_ids(&f, ids, 8), 0);
    f.org_id = empty.id + 1000000;
    assert_int_equal(c_list_ids(&f, ids, 8), 0);

    /* Refused: page sizes outside 1..200, an unknown role, an unended search. */
    f.org_id = 0;
    f.limit = 0;
    assert_err(ACC->user_list(W, &f, &list, &n), GARANT_EINVAL);
    f.limit = 201;
    assert_err(ACC->user_list(W, &f, &list, &n), GARANT_EINVAL);
    f.limit = 10;
    snprintf(f.role, sizeof f.role, "boss");
    assert_err(ACC->user_list(W, &f, &list, &n), GARANT_EINVAL);
    assert_null(list);
    assert_int_equal(n, 0);
    f.role[0] = '\0';
    memset(f.q, 'q', sizeof f.q);
    assert_err(ACC->user_list(W, &f, &list, &n), GARANT_ELIMIT);
}

/* ---- tokens ---- */

static void ct_tokens_single_use(void **state)
{
    (void)state;
    garant_user u = c_user("-tok@example.com", GARANT_ROLE_AGENT, 0);
    uint8_t h[32];
    c_hash(h, 1);
    const int64_t t0 = 1767225600;
    assert_ok(ACC->token_insert(W, GARANT_TOKEN_RESET, u.id, h, t0 + 3600));
    assert_err(ACC->token_insert(W, GARANT_TOKEN_RESET, u.id, h, t0 + 3600), GARANT_ECONFLICT);

    int64_t uid = 0;
    /* The kind must match. */
    assert_err(ACC->token_consume(W, GARANT_TOKEN_VERIFY, h, t0, &uid), GARANT_ENOTFOUND);
    assert_ok(ACC->token_consume(W, GARANT_TOKEN_RESET, h, t0 + 10, &uid));
    assert_int_equal(uid, u.id);
    /* Once only. */
    assert_err(ACC->token_consume(W, GARANT_TOKEN_RESET, h, t0 + 20, &uid), GARANT_ENOTFOUND);

    uint8_t unknown[32];
    c_hash(unknown, 99);
    assert_err(ACC->token_consume(W, GARANT_TOKEN_RESET, unknown, t0, &uid), GARANT_ENOTFOUND);
}

static void ct_tokens_expiry(void **state)
{
    (void)state;
    garant_user u = c_user("-exp@example.com", GARANT_ROLE_AGENT, 0);
    uint8_t h1[32], h2[32];
    c_hash(h1, 1);
    c_hash(h2, 2);
    const int64_t exp = 1767225600 + 86400;
    assert_ok(ACC->token_insert(W, GARANT_TOKEN_VERIFY, u.id, h1, exp));
    assert_ok(ACC->token_insert(W, GARANT_TOKEN_VERIFY, u.id, h2, exp));
    int64_t uid = 0;
    /* Expired at expires_at itself and after; the second before still works. */
    assert_err(ACC->token_consume(W, GARANT_TOKEN_VERIFY, h1, exp, &uid), GARANT_ENOTFOUND);
    assert_err(ACC->token_consume(W, GARANT_TOKEN_VERIFY, h1, exp + 1, &uid), GARANT_ENOTFOUND);
    assert_ok(ACC->token_consume(W, GARANT_TOKEN_VERIFY, h2, exp - 1, &uid));
    assert_int_equal(uid, u.id);
}

/* ---- sessions ---- */

static garant_session c_session(int64_t user_id, int n, int64_t created, int64_t expires)
{
    garant_session s = {0};
    s.user_id = user_id;
    c_hash(s.token_hash, n);
    snprintf(s.csrf, sizeof s.csrf, "%064d", n);
    s.created_at = created;
    s.expires_at = expires;
    assert_ok(ACC->session_insert(W, &s));
    assert_true(s.id > 0);
    return s;
}

static void ct_sessions(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600;
    garant_user u = c_user("-sess@example.com", GARANT_ROLE_AGENT, 0);
    garant_session s = c_session(u.id, 1, t0, t0 + 3600);

    garant_session got;
    assert_ok(ACC->session_get(W, s.token_hash, t0 + 10, &got));
    assert_int_equal(got.id, s.id);
    assert_int_equal(got.user_id, u.id);
    assert_memory_equal(got.token_hash, s.token_hash, 32);
    assert_string_equal(got.csrf, s.csrf);
    assert_int_equal(got.created_at, t0);
    assert_int_equal(got.expires_at, t0 + 3600);

    /* Expired from expires_at on. */
    assert_ok(ACC->session_get(W, s.token_hash, t0 + 3599, &got));
    assert_err(ACC->session_get(W, s.token_hash, t0 + 3600, &got), GARANT_ENOTFOUND);

    /* The same token hash twice is a conflict. */
    garant_session dup = s;
    dup.id = 0;
    assert_err(ACC->session_insert(W, &dup), GARANT_ECONFLICT);

    uint8_t unknown[32];
    c_hash(unknown, 99);
    assert_err(ACC->session_get(W, unknown, t0, &got), GARANT_ENOTFOUND);
    assert_err(ACC->session_revoke(W, unknown, t0), GARANT_ENOTFOUND);
}

static void ct_session_revoke(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600;
    garant_user u = c_user("-rev@example.com", GARANT_ROLE_AGENT, 0);
    garant_user v = c_user("-other@example.com", GARANT_ROLE_AGENT, 0);
    garant_session s1 = c_session(u.id, 1, t0, t0 + 3600);
    garant_session s2 = c_session(u.id, 2, t0, t0 + 3600);
    garant_session s3 = c_session(u.id, 3, t0, t0 + 3600);
    garant_session sv = c_session(v.id, 4, t0, t0 + 3600);
    garant_session got;

    assert_ok(ACC->session_revoke(W, s1.token_hash, t0 + 5));
    assert_err(ACC->session_get(W, s1.token_hash, t0 + 6, &got), GARANT_ENOTFOUND);
    /* Logging out twice is fine. */
    assert_ok(ACC->session_revoke(W, s1.token_hash, t0 + 7));
    assert_ok(ACC->session_get(W, s2.token_hash, t0 + 6, &got));

    /* All of one user's sessions, and nobody else's. */
    assert_ok(ACC->session_revoke_user(W, u.id, t0 + 8));
    assert_err(ACC->session_get(W, s2.token_hash, t0 + 9, &got), GARANT_ENOTFOUND);
    assert_err(ACC->session_get(W, s3.token_hash, t0 + 9, &got), GARANT_ENOTFOUND);
    assert_ok(ACC->session_get(W, sv.token_hash, t0 + 9, &got));
    assert_int_equal(got.user_id, v.id);
    /* A user without live sessions is not an error. */
    assert_ok(ACC->session_revoke_user(W, u.id, t0 + 10));
}

/* ---- throttling ---- */

static void ct_throttle_window(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600, win = 60;
    const char *key = cn("email:x@example.com");
    int n = -1;
    assert_ok(ACC->throttle_count(W, key, t0, win, &n));
    assert_int_equal(n, 0);
    assert_ok(ACC->throttle_record(W, key, t0, win, &n));
    assert_int_equal(n, 1);
    assert_ok(ACC->throttle_record(W, key, t0 + 10, win, &n));
    assert_int_equal(n, 2);
    assert_ok(ACC->throttle_record(W, key, t0 + 20, win, &n));
    assert_int_equal(n, 3);
    assert_ok(ACC->throttle_count(W, key, t0 + 20, win, &n));
    assert_int_equal(n, 3);
    /* [now - window, now], both ends included. */
    assert_ok(ACC->throttle_count(W, key, t0 + 60, win, &n));
    assert_int_equal(n, 3);
    assert_ok(ACC->throttle_count(W, key, t0 + 61, win, &n));
    assert_int_equal(n, 2);
    assert_ok(ACC->throttle_count(W, key, t0 + 81, win, &n));
    assert_int_equal(n, 0);
    /* Failures after now are not counted (a caller with a late clock). */
    assert_ok(ACC->throttle_count(W, key, t0 + 5, win, &n));
    assert_int_equal(n, 1);

    /* Keys are independent. */
    const char *other = cn("ip:192.0.2.1");
    assert_ok(ACC->throttle_record(W, other, t0 + 20, win, &n));
    assert_int_equal(n, 1);
    assert_ok(ACC->throttle_count(W, key, t0 + 20, win, &n));
    assert_int_equal(n, 3);

    assert_ok(ACC->throttle_clear(W, key));
    assert_ok(ACC->throttle_count(W, key, t0 + 20, win, &n));
    assert_int_equal(n, 0);
    assert_ok(ACC->throttle_count(W, other, t0 + 20, win, &n));
    assert_int_equal(n, 1);
    assert_err(ACC->throttle_count(W, key, t0, -1, &n), GARANT_EINVAL);
}

static void ct_throttle_prunes(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600, win = 60;
    const char *key = cn("email:prune@example.com");
    int n = -1;
    for (int i = 0; i < 5; i++) assert_ok(ACC->throttle_record(W, key, t0 + i, win, &n));
    assert_int_equal(n, 5);
    /* Recording long after forgets the old failures for good: a wider
    ** window afterwards no longer sees them. */
    assert_ok(ACC->throttle_record(W, key, t0 + 1000, win, &n));
    assert_int_equal(n, 1);
    assert_ok(ACC->throttle_count(W, key, t0 + 1000, 100000, &n));
    assert_int_equal(n, 1);
}

static void ct_throttle_recent_and_prefix(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600, win = 60;
    const char *a = cn("login:a@example.com|192.0.2.1"), *b = cn("login:a@example.com|192.0.2.2");
    const char *c = cn("login:a@example.comx|192.0.2.1");
    int n = -1;
    int64_t last = -1;
    assert_ok(ACC->throttle_recent(W, a, t0, win, &n, &last));
    assert_true(n == 0 && last == 0);
    assert_ok(ACC->throttle_record(W, a, t0, win, &n));
    assert_ok(ACC->throttle_record(W, a, t0 + 7, win, &n));
    assert_ok(ACC->throttle_record(W, b, t0 + 3, win, &n));
    assert_ok(ACC->throttle_record(W, c, t0 + 3, win, &n));
    assert_ok(ACC->throttle_recent(W, a, t0 + 10, win, &n, &last));
    assert_true(n == 2 && last == t0 + 7);
    /* The prefix "login:a@example.com|" clears a and b, not c. */
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s", a);
    *strrchr(prefix, '|') = '\0';
    strncat(prefix, "|", sizeof prefix - strlen(prefix) - 1);
    assert_ok(ACC->throttle_clear_prefix(W, prefix));
    assert_ok(ACC->throttle_count(W, a, t0 + 10, win, &n));
    assert_int_equal(n, 0);
    assert_ok(ACC->throttle_count(W, b, t0 + 10, win, &n));
    assert_int_equal(n, 0);
    assert_ok(ACC->throttle_count(W, c, t0 + 10, win, &n));
    assert_int_equal(n, 1);
}

/* ---- pending sign-ups ---- */

static void ct_signups(void **state)
{
    (void)state;
    const int64_t t0 = 1767225600;
    garant_signup s1 = {0}, s2 = {0}, got;
    snprintf(s1.email, sizeof s1.email, "%s", cn("Pending@Example.com"));
    snprintf(s1.name, sizeof s1.name, "First");
    snprintf(s1.password_hash, sizeof s1.password_hash, "hash-one");
    s1.created_at = t0;
    s1.expires_at = t0 + 100;
    s2 = s1;
    snprintf(s2.name, sizeof s2.name, "Second");
    snprintf(s2.password_hash, sizeof s2.password_hash, "hash-two");
    s2.created_at = t0 + 10;
    s2.expires_at = t0 + 110;
    uint8_t h1[32], h2[32], h3[32];
    c_hash(h1, 901);
    c_hash(h2, 902);
    c_hash(h3, 903);
    assert_ok(ACC->signup_insert(W, &s1, h1));
    assert_ok(ACC->signup_insert(W, &s2, h2));
    assert_true(s2.id > s1.id);
    assert_err(ACC->signup_insert(W, &s2, h2), GARANT_ECONFLICT);
    /* The newest live one; none once all have expired. */
    assert_ok(ACC->signup_latest(W, s1.email, t0 + 20, &got));
    assert_string_equal(got.password_hash, "hash-two");
    assert_ok(ACC->signup_latest(W, s1.email, t0 + 105, &got));
    assert_string_equal(got.password_hash, "hash-two");
    assert_err(ACC->signup_latest(W, s1.email, t0 + 110, &got), GARANT_ENOTFOUND);
    /* Taking the first yields its own password and ends the other. */
    assert_err(ACC->signup_take(W, h1, t0 + 100, &got), GARANT_ENOTFOUND);
    assert_ok(ACC->signup_take(W, h1, t0 + 20, &got));
    assert_string_equal(got.name, "First");
    assert_string_equal(got.password_hash, "hash-one");
    assert_err(ACC->signup_take(W, h2, t0 + 20, &got), GARANT_ENOTFOUND);
    assert_err(ACC->signup_take(W, h1, t0 + 20, &got), GARANT_ENOTFOUND);
    assert_err(ACC->signup_take(W, h3, t0 + 20, &got), GARANT_ENOTFOUND);
}

static void ct_delete_and_deactivate(void **state)
{
    (void)state;
    garant_org o = c_org("Doomed", "basic");
    assert_ok(ACC->domain_add(W, o.id, cn("doomed.example")));
    garant_user u = c_user("gone@doomed.example", GARANT_ROLE_CUSTOMER, o.id);
    assert_err(ACC->org_delete(W, o.id), GARANT_ECONFLICT);
    assert_ok(ACC->user_set_deactivated(W, u.id, 1767225600));
    garant_user got;
    assert_ok(ACC->user_get(W, u.id, &got));
    assert_int_equal(got.deactivated_at, 1767225600);
    assert_ok(ACC->user_set_deactivated(W, u.id, 0));
    assert_ok(ACC->user_get(W, u.id, &got));
    assert_int_equal(got.deactivated_at, 0);
    assert_ok(ACC->user_delete(W, u.id));
    assert_err(ACC->user_get(W, u.id, &got), GARANT_ENOTFOUND);
    assert_err(ACC->user_delete(W, u.id), GARANT_ENOTFOUND);
    assert_err(ACC->user_set_deactivated(W, u.id, 1), GARANT_ENOTFOUND);
    assert_ok(ACC->org_set_name(W, o.id, cn("Renamed")));
    assert_ok(ACC->org_delete(W, o.id));
    int64_t owner;
    assert_err(ACC->domain_org(W, cn("doomed.example"), &owner), GARANT_ENOTFOUND);
    assert_err(ACC->org_delete(W, o.id), GARANT_ENOTFOUND);
    assert_err(ACC->org_set_name(W, o.id, cn("Again")), GARANT_ENOTFOUND);
}

/* ---- products ---- */

static void ct_products(void **state)
{
    (void)state;
    garant_product p = {0};
    snprintf(p.name, sizeof p.name, "%s", cn("Widget"));
    snprintf(p.stage, sizeof p.stage, "beta");
    p.created_at = 1767225600;
    assert_ok(ACC->product_insert(W, &p));
    assert_true(p.id > 0);
    garant_product dup = p;
    dup.id = 0;
    assert_err(ACC->product_insert(W, &dup), GARANT_ECONFLICT);

    garant_product got;
    assert_ok(ACC->product_by_name(W, p.name, &got));
    assert_int_equal(got.id, p.id);
    assert_string_equal(got.name, p.name);
    assert_string_equal(got.stage, "beta");
    assert_int_equal(got.created_at, 1767225600);
    assert_err(ACC->product_by_name(W, cn("Gadget"), &got), GARANT_ENOTFOUND);

    garant_product *list = NULL;
    size_t n = 0;
    assert_ok(ACC->product_list(W, &list, &n));
    const garant_product *jp = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].name, p.name)) jp = &list[i];
    assert_non_null(jp);
    assert_int_equal(jp->id, p.id);
    assert_string_equal(jp->stage, "beta");
    assert_int_equal(jp->created_at, 1767225600);
    /* By name. */
    for (size_t i = 1; i < n; i++) assert_true(strcmp(list[i - 1].name, list[i].name) <= 0);
    free(list);
}

/* ---- ceilings ---- */

static void ct_limits(void **state)
{
    (void)state;
    char long_name[GARANT_MAX_NAME + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';

    garant_product p = {0};
    memcpy(p.name, long_name, sizeof p.name - 1); /* fills the field: 200 bytes is allowed */
    p.name[sizeof p.name - 1] = '\0';
    snprintf(p.stage, sizeof p.stage, "ga");
    memcpy(p.name, contract_g.prefix, strlen(contract_g.prefix));
    assert_ok(ACC->product_insert(W, &p));
    garant_product got;
    assert_err(ACC->product_by_name(W, long_name, &got), GARANT_ELIMIT);
    assert_err(ACC->org_set_plan(W, 1, ""), GARANT_EINVAL);

    char long_email[GARANT_MAX_EMAIL + 2];
    memset(long_email, 'e', sizeof long_email - 1);
    long_email[sizeof long_email - 1] = '\0';
    garant_user u;
    assert_err(ACC->user_by_email(W, long_email, &u), GARANT_ELIMIT);
    assert_err(ACC->domain_org(W, "", &(int64_t){0}), GARANT_EINVAL);
}

/* ---- the pool ---- */

/* What the writer committed, a pooled read connection sees. */
static void ct_read_connection_sees_writes(void **state)
{
    (void)state;
    garant_org o = c_org("Pool", "basic");
    garant_store_conn *r = NULL;
    assert_ok(contract_g.ops->acquire(&r, contract_g.st));
    garant_org got;
    assert_ok(GS(r)->accounts->org_get(r, o.id, &got));
    assert_string_equal(got.name, o.name);
    contract_g.ops->release(r);
}

/* Run the accounts contract against ops, opening target once. Returns the
** number of failed tests. */
static int run_accounts_contract(const garant_store_ops *ops, const char *target)
{
    contract_g.ops = ops;
    contract_g.target = target;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(ct_org_insert_get, contract_setup),
        cmocka_unit_test_setup(ct_org_set_plan, contract_setup),
        cmocka_unit_test_setup(ct_org_list_with_domains, contract_setup),
        cmocka_unit_test_setup(ct_domains, contract_setup),
        cmocka_unit_test_setup(ct_user_insert_get, contract_setup),
        cmocka_unit_test_setup(ct_user_conflicts_and_checks, contract_setup),
        cmocka_unit_test_setup(ct_user_updates, contract_setup),
        cmocka_unit_test_setup(ct_user_list, contract_setup),
        cmocka_unit_test_setup(ct_tokens_single_use, contract_setup),
        cmocka_unit_test_setup(ct_tokens_expiry, contract_setup),
        cmocka_unit_test_setup(ct_sessions, contract_setup),
        cmocka_unit_test_setup(ct_session_revoke, contract_setup),
        cmocka_unit_test_setup(ct_throttle_window, contract_setup),
        cmocka_unit_test_setup(ct_throttle_recent_and_prefix, contract_setup),
        cmocka_unit_test_setup(ct_signups, contract_setup),
        cmocka_unit_test_setup(ct_delete_and_deactivate, contract_setup),
        cmocka_unit_test_setup(ct_throttle_prunes, contract_setup),
        cmocka_unit_test_setup(ct_products, contract_setup),
        cmocka_unit_test_setup(ct_limits, contract_setup),
        cmocka_unit_test_setup(ct_read_connection_sees_writes, contract_setup),
    };
    return cmocka_run_group_tests_name("accounts contract", tests, contract_group_setup, contract_group_teardown);
}

#endif
