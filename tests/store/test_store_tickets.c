/*
** test_store_tickets.c - the storage contract of tickets (store_tickets.h):
** records and their NULL/none mapping, lists and their keyset pages, the
** append-only history, the conversation, the agents' queue, the walk over
** awaiting tickets, reports and counts.
**
** The suite is run_tickets_contract(ops, target): every backend runs the
** same cases. Each case opens a fresh store at "<target>-<n>" and removes
** it afterwards (wipe_target). A few cases look inside SQLite (triggers,
** query plans): they are not part of the contract but a group of their
** own, run_tickets_sqlite_cases(), which only the SQLite program runs. A
** case that does not apply to a backend is thus never run against it, and
** never shows up as a skipped case of a passing suite (cmocka counts a
** skip as a pass).
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

#include "sqlite_internal.h"
#include "store.h"
#include "store_support.h"
#include "support.h"

int run_tickets_contract(const garant_store_ops *ops, const char *target);
int run_tickets_sqlite_cases(const char *target);

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w; /* the write connection */
    const garant_store_ops *ops;
    char target[512];
    int64_t acme, globex;       /* organizations */
    int64_t alice, bob, agent;  /* alice@acme, bob@globex, an agent */
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday: the instants of the cases */

static int64_t add_org(fixture *fx, const char *name, const char *plan)
{
    return st_add_org(fx->w, name, plan, T0 - 86400);
}

static int64_t add_user(fixture *fx, const char *email, const char *name, garant_role role, int64_t org)
{
    return st_add_user(fx->w, email, name, role, org, T0 - 86400);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    fx->acme = add_org(fx, "Acme", "professional");
    fx->globex = add_org(fx, "Globex", "enterprise");
    fx->alice = add_user(fx, "alice@acme.example", "Alice", GARANT_ROLE_CUSTOMER, fx->acme);
    fx->bob = add_user(fx, "bob@globex.example", "Bob", GARANT_ROLE_CUSTOMER, fx->globex);
    fx->agent = add_user(fx, "agent@garant.example", "Agnes", GARANT_ROLE_AGENT, 0);
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

/* A ticket of org/requester with the given priority, submission and SLA
** instants; returns its id. */
static int64_t add_ticket(fixture *fx, int64_t org, int64_t requester, int prio, int64_t submitted, int64_t due,
                          int64_t warn)
{
    garant_ticket t = {0};
    t.org_id = org;
    t.requester_id = requester;
    snprintf(t.subject, sizeof t.subject, "ticket at %lld", (long long)submitted);
    t.priority = t.initial_priority = prio;
    snprintf(t.plan, sizeof t.plan, "%s", org == fx->globex ? "enterprise" : "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = submitted;
    t.first_response_due = due;
    t.warn_at = warn;
    st_check(fx->ops->tickets->insert(fx->w, &t, "It is broken."), "insert");
    assert_true(t.id > 0);
    return t.id;
}

static int64_t jint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) fail_msg("\"%s\" is not an integer", key);
    return (int64_t)json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

/* A list's rows, collected: the lists give them through a callback. */
typedef struct rows {
    garant_ticket_row *v;
    size_t n, cap;
} rows;

static int collect(void *ctx, const garant_ticket_row *row)
{
    rows *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        garant_ticket_row *v = realloc(r->v, cap * sizeof *v);
        if (!v) return GARANT_ENOMEM;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = *row;
    return 0;
}

static void rows_free(rows *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* r emptied for a list to fill. */
static rows *fresh(rows *r)
{
    rows_free(r);
    return r;
}

/* The ids of a list's rows, as "3,2,1". */
static const char *ids_of(const rows *r)
{
    static char buf[4096];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        int w = snprintf(buf + n, sizeof buf - n, "%s%lld", i ? "," : "", (long long)r->v[i].t.id);
        assert_true(w > 0 && (size_t)w < sizeof buf - n);
        n += (size_t)w;
    }
    return buf;
}

static garant_ticket_filter filter(int limit)
{
    garant_ticket_filter f;
    memset(&f, 0, sizeof f);
    f.limit = limit;
    return f;
}

/* A conversation's messages, collected with copies of their bodies (the
** store lends each for its call only). */
typedef struct msg {
    int64_t id, author_id, at;
    char author_name[GARANT_MAX_NAME + 1], author_role[16], body[256];
    int public_;
} msg;

typedef struct msgs {
    msg v[8];
    size_t n;
} msgs;

static int collect_msg(void *ctx, const garant_reply_row *m)
{
    msgs *l = ctx;
    assert_true(l->n < 8);
    msg *o = &l->v[l->n++];
    o->id = m->id;
    o->author_id = m->author_id;
    o->at = m->at;
    o->public_ = m->public_;
    snprintf(o->author_name, sizeof o->author_name, "%s", m->author_name);
    snprintf(o->author_role, sizeof o->author_role, "%s", m->author_role);
    snprintf(o->body, sizeof o->body, "%s", m->body);
    return 0;
}

/* ---- records ---- */

static void test_insert_get_round_trip(void **state)
{
    fixture *fx = *state;
    garant_ticket t = {0};
    t.org_id = fx->acme;
    t.requester_id = fx->alice;
    snprintf(t.subject, sizeof t.subject, "Checkout fails with 502");
    t.priority = 2;
    t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.product, sizeof t.product, "Payments");
    snprintf(t.stage, sizeof t.stage, "beta");
    snprintf(t.environment, sizeof t.environment, "staging");
    snprintf(t.impact, sizeof t.impact, "all customers");
    snprintf(t.status, sizeof t.status, "pending");
    t.submitted_at = T0;
    t.first_response_due = T0 + 3600;
    t.warn_at = T0 + 2700;
    t.first_response_at = T0 + 60;
    st_check(fx->ops->tickets->insert(fx->w, &t, "Since 10:00 UTC."), "insert");
    assert_true(t.id > 0);

    garant_ticket g;
    st_check(fx->ops->tickets->get(fx->w, t.id, &g), "get");
    assert_int_equal(g.id, t.id);
    assert_int_equal(g.org_id, fx->acme);
    assert_int_equal(g.requester_id, fx->alice);
    assert_string_equal(g.subject, "Checkout fails with 502");
    assert_int_equal(g.priority, 2);
    assert_int_equal(g.initial_priority, 3);
    assert_string_equal(g.plan, "professional");
    assert_string_equal(g.product, "Payments");
    assert_string_equal(g.stage, "beta");
    assert_string_equal(g.environment, "staging");
    assert_string_equal(g.impact, "all customers");
    assert_string_equal(g.status, "pending");
    assert_int_equal(g.submitted_at, T0);
    assert_int_equal(g.first_response_due, T0 + 3600);
    assert_int_equal(g.warn_at, T0 + 2700);
    assert_int_equal(g.first_response_at, T0 + 60);

    char *body = NULL;
    st_check(fx->ops->tickets->body(fx->w, t.id, &body), "body");
    assert_string_equal(body, "Since 10:00 UTC.");
    free(body);

    /* Reads through a pooled read connection see the committed row. */
    garant_store_conn *r;
    st_check(fx->ops->acquire(&r, fx->st), "acquire");
    memset(&g, 0, sizeof g);
    st_check(fx->ops->tickets->get(r, t.id, &g), "get (reader)");
    assert_string_equal(g.subject, "Checkout fails with 502");
    fx->ops->release(r);
}

/* No guarantee and no response are GARANT_NO_DUE and 0 in records, null in
** JSON; empty status and stage mean "open" and "ga". */
static void test_none_mapping(void **state)
{
    fixture *fx = *state;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 4, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    garant_ticket g;
    st_check(fx->ops->tickets->get(fx->w, id, &g), "get");
    assert_true(g.first_response_due == GARANT_NO_DUE);
    assert_true(g.warn_at == GARANT_NO_DUE);
    assert_int_equal(g.first_response_at, 0);
    assert_string_equal(g.status, "open");
    assert_string_equal(g.stage, "ga");
    assert_string_equal(g.product, "");

    garant_ticket_filter f = filter(10);
    rows arr = {0};
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&arr)), "list");
    assert_int_equal(arr.n, 1);
    const garant_ticket *o = &arr.v[0].t;
    assert_true(o->first_response_due == GARANT_NO_DUE);
    assert_true(o->warn_at == GARANT_NO_DUE);
    assert_int_equal(o->first_response_at, 0);
    assert_string_equal(o->stage, "ga");
    assert_string_equal(o->product, "");
    rows_free(&arr);

    /* And back: a deadline set, then withdrawn. */
    st_check(fx->ops->tickets->set_deadline(fx->w, id, T0 + 100, T0 + 50), "set_deadline");
    st_check(fx->ops->tickets->get(fx->w, id, &g), "get");
    assert_int_equal(g.first_response_due, T0 + 100);
    assert_int_equal(g.warn_at, T0 + 50);
    st_check(fx->ops->tickets->set_deadline(fx->w, id, GARANT_NO_DUE, GARANT_NO_DUE), "set_deadline none");
    st_check(fx->ops->tickets->get(fx->w, id, &g), "get");
    assert_true(g.first_response_due == GARANT_NO_DUE);
    assert_true(g.warn_at == GARANT_NO_DUE);
}

static void test_insert_refused(void **state)
{
    fixture *fx = *state;
    garant_ticket t = {0};
    t.org_id = fx->acme;
    t.requester_id = fx->alice;
    snprintf(t.subject, sizeof t.subject, "x");
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;

    garant_ticket bad = t;
    bad.org_id = 999;
    assert_int_equal(fx->ops->tickets->insert(fx->w, &bad, "b"), GARANT_ENOTFOUND);
    bad = t;
    bad.requester_id = 999;
    assert_int_equal(fx->ops->tickets->insert(fx->w, &bad, "b"), GARANT_ENOTFOUND);
    bad = t;
    bad.priority = 0;
    assert_int_equal(fx->ops->tickets->insert(fx->w, &bad, "b"), GARANT_EINVAL);
    bad = t;
    snprintf(bad.status, sizeof bad.status, "lost");
    assert_int_equal(fx->ops->tickets->insert(fx->w, &bad, "b"), GARANT_EINVAL);

    char *big = malloc(GARANT_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, 'a', GARANT_MAX_BODY + 1);
    big[GARANT_MAX_BODY + 1] = '\0';
    bad = t;
    assert_int_equal(fx->ops->tickets->insert(fx->w, &bad, big), GARANT_ELIMIT);
    big[GARANT_MAX_BODY] = '\0'; /* exactly the ceiling is fine */
    st_check(fx->ops->tickets->insert(fx->w, &bad, big), "insert at the ceiling");
    free(big);

    garant_ticket_filter f = filter(10);
    rows arr = {0};
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&arr)), "list");
    assert_int_equal(arr.n, 1);
    rows_free(&arr);
}

static void test_not_found(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    garant_ticket g;
    json_t *j = NULL;
    char *body = NULL;
    assert_int_equal(tk->get(fx->w, 42, &g), GARANT_ENOTFOUND);
    assert_int_equal(tk->body(fx->w, 42, &body), GARANT_ENOTFOUND);
    assert_null(body);
    assert_int_equal(st_events(fx->w, 42, &j), GARANT_ENOTFOUND);
    assert_null(j);
    msgs m = {0};
    assert_int_equal(tk->replies(fx->w, 42, collect_msg, &m), GARANT_ENOTFOUND);
    assert_int_equal(m.n, 0);
    garant_priority_change *pc = NULL;
    size_t n = 7;
    assert_int_equal(tk->priority_changes(fx->w, 42, &pc, &n), GARANT_ENOTFOUND);
    assert_null(pc);
    assert_int_equal(n, 0);
    assert_int_equal(tk->set_priority(fx->w, 42, 2), GARANT_ENOTFOUND);
    assert_int_equal(tk->set_deadline(fx->w, 42, T0, T0), GARANT_ENOTFOUND);
    assert_int_equal(tk->set_status(fx->w, 42, "solved"), GARANT_ENOTFOUND);
    assert_int_equal(tk->set_first_response(fx->w, 42, T0), GARANT_ENOTFOUND);
    assert_int_equal(tk->set_policy_version(fx->w, 42, 1), GARANT_ENOTFOUND);
    garant_event_in ev = {.ticket_id = 42, .at = T0, .kind = "noted"};
    assert_int_equal(tk->append_event(fx->w, &ev), GARANT_ENOTFOUND);
    int64_t rid = 0;
    assert_int_equal(tk->reply_insert(fx->w, 42, fx->agent, "hi", 1, T0, &rid), GARANT_ENOTFOUND);
    assert_true(strlen(garant_error_last()) > 0);
}

static void test_setters(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    st_check(tk->set_priority(fx->w, id, 1), "set_priority");
    assert_int_equal(tk->set_priority(fx->w, id, 0), GARANT_EINVAL);
    assert_int_equal(tk->set_priority(fx->w, id, 10), GARANT_EINVAL);
    st_check(tk->set_status(fx->w, id, "pending"), "set_status");
    assert_int_equal(tk->set_status(fx->w, id, "archived"), GARANT_EINVAL);
    assert_int_equal(tk->set_first_response(fx->w, id, 0), GARANT_EINVAL);
    st_check(tk->set_first_response(fx->w, id, T0 + 120), "set_first_response");
    /* Only the first response is the first: a second keeps the first. */
    assert_int_equal(tk->set_first_response(fx->w, id, T0 + 999), GARANT_ECONFLICT);
    garant_ticket g;
    st_check(tk->get(fx->w, id, &g), "get");
    assert_int_equal(g.priority, 1);
    assert_int_equal(g.initial_priority, 3);
    assert_string_equal(g.status, "pending");
    assert_int_equal(g.first_response_at, T0 + 120);
    /* A ticket's policy version: none until set, then the version named;
    ** a version that does not exist is refused. */
    assert_int_equal(g.policy_version, 0);
    assert_int_equal(g.breached_at, 0);
    int64_t v1 = 0, v2 = 0;
    st_check(fx->ops->sla->policy_insert(fx->w, "version: 1\n", T0, 0, &v1), "policy v1");
    st_check(fx->ops->sla->policy_insert(fx->w, "version: 2\n", T0, 0, &v2), "policy v2");
    st_check(tk->set_policy_version(fx->w, id, v2), "set_policy_version");
    st_check(tk->get(fx->w, id, &g), "get");
    assert_int_equal(g.policy_version, v2);
    assert_int_equal(tk->set_policy_version(fx->w, id, v2 + 100), GARANT_ENOTFOUND);
    /* Tickets without a version adopt one; those with one keep it. */
    int64_t other = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    st_check(fx->ops->sla->policy_adopt(fx->w, v1), "adopt");
    st_check(tk->get(fx->w, other, &g), "get other");
    assert_int_equal(g.policy_version, v1);
    st_check(tk->get(fx->w, id, &g), "get");
    assert_int_equal(g.policy_version, v2);
}

/* ---- lists ---- */

static void test_list_fields_and_filters(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    /* 1: acme, late answer (breached). 2: acme, unanswered, overdue at now.
    ** 3: globex, answered in time. 4: globex, no guarantee. 5: acme, due later. */
    int64_t t1 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 100, T0 + 50);
    int64_t t2 = add_ticket(fx, fx->acme, fx->alice, 3, T0 + 1, T0 + 200, T0 + 150);
    int64_t t3 = add_ticket(fx, fx->globex, fx->bob, 2, T0 + 2, T0 + 300, T0 + 250);
    int64_t t4 = add_ticket(fx, fx->globex, fx->bob, 5, T0 + 3, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t t5 = add_ticket(fx, fx->acme, fx->alice, 3, T0 + 4, T0 + 5000, T0 + 4000);
    st_check(tk->set_first_response(fx->w, t1, T0 + 101), "fr1");
    st_check(tk->set_first_response(fx->w, t3, T0 + 300), "fr3"); /* at the deadline: in time */
    st_check(tk->set_status(fx->w, t3, "solved"), "status3");

    garant_ticket_filter f = filter(50);
    rows arr = {0};
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list all");
    assert_string_equal(ids_of(&arr), "5,4,3,2,1");
    /* Every field of the record, and the names, as get reads them. */
    const garant_ticket_row *o = &arr.v[4]; /* ticket 1 */
    garant_ticket g;
    st_check(tk->get(fx->w, t1, &g), "get");
    assert_memory_equal(&o->t, &g, sizeof g);
    assert_int_equal(o->t.id, t1);
    assert_int_equal(o->t.org_id, fx->acme);
    assert_string_equal(o->org_name, "Acme");
    assert_int_equal(o->t.requester_id, fx->alice);
    assert_string_equal(o->requester_name, "Alice");
    assert_string_equal(o->requester_email, "alice@acme.example");
    assert_string_equal(o->t.status, "open");
    assert_int_equal(o->t.submitted_at, T0);
    assert_int_equal(o->t.first_response_due, T0 + 100);
    assert_int_equal(o->t.warn_at, T0 + 50);
    assert_int_equal(o->t.first_response_at, T0 + 101);
    assert_int_equal(o->t.priority, 2);
    assert_int_equal(o->t.updated_at, T0); /* nobody changed it since */
    assert_int_equal(o->t.assignee_id, 0);
    assert_string_equal(o->assignee_name, "");
    assert_int_equal(o->t.group_id, 0);
    assert_string_equal(o->group_name, "");
    rows_free(&arr);

    f.org_id = fx->acme;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list acme");
    assert_string_equal(ids_of(&arr), "5,2,1");
    rows_free(&arr);

    f = filter(50);
    snprintf(f.status, sizeof f.status, "solved");
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list solved");
    assert_string_equal(ids_of(&arr), "3");
    rows_free(&arr);
    snprintf(f.status, sizeof f.status, "bogus");
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);

    f = filter(50);
    f.priority = 2;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list p2");
    assert_string_equal(ids_of(&arr), "3,1");
    rows_free(&arr);

    f = filter(50);
    snprintf(f.plan, sizeof f.plan, "enterprise");
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list plan");
    assert_string_equal(ids_of(&arr), "4,3");
    rows_free(&arr);

    f = filter(50);
    snprintf(f.product, sizeof f.product, "Nothing");
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list product");
    assert_int_equal(arr.n, 0);
    rows_free(&arr);

    /* Breached at T0+1000: 1 (answered late) and 2 (overdue); 5 is not yet
    ** due, 3 was answered at its deadline, 4 has none. */
    f = filter(50);
    f.breached = 1;
    f.now = T0 + 1000;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list breached");
    assert_string_equal(ids_of(&arr), "2,1");
    rows_free(&arr);
    f.breached = -1;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list not breached");
    assert_string_equal(ids_of(&arr), "5,4,3");
    rows_free(&arr);
    /* At the deadline itself an unanswered ticket is not yet breached. */
    f.breached = 1;
    f.now = T0 + 200;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list breached at due");
    assert_string_equal(ids_of(&arr), "1");
    rows_free(&arr);
    /* Filters combine. */
    f = filter(50);
    f.org_id = fx->acme;
    f.breached = 1;
    f.now = T0 + 1000;
    f.priority = 3;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list combined");
    assert_string_equal(ids_of(&arr), "2");
    rows_free(&arr);
    (void)t2;
    (void)t4;
    (void)t5;
}

/* requester and sla (store_tickets.h): the SLA states at now as the desk
** defines them, each on every shape of the list (the walks of their own
** indexes, an organization's, a search's), and combined. */
static void test_list_requester_and_sla(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t carol = add_user(fx, "carol@acme.example", "Carol", GARANT_ROLE_CUSTOMER, fx->acme);
    /* At now = T0 + 1000:
    **   1 alice  answered late             breached
    **   2 alice  unanswered, overdue       breached
    **   3 bob    answered in time          ok (met)
    **   4 bob    no guarantee              none
    **   5 alice  warned, due later         warning
    **   6 carol  before its warning        ok (active)
    **   7 carol  breach recorded, and then a later deadline: breached
    **   8 carol  due at now exactly, warned: warning (not yet breached)
    **   9 alice  no guarantee, solved      none */
    int64_t t1 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 100, T0 + 50);
    int64_t t2 = add_ticket(fx, fx->acme, fx->alice, 3, T0 + 1, T0 + 200, T0 + 150);
    int64_t t3 = add_ticket(fx, fx->globex, fx->bob, 2, T0 + 2, T0 + 300, T0 + 250);
    int64_t t4 = add_ticket(fx, fx->globex, fx->bob, 5, T0 + 3, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t t5 = add_ticket(fx, fx->acme, fx->alice, 3, T0 + 4, T0 + 5000, T0 + 900);
    int64_t t6 = add_ticket(fx, fx->acme, carol, 3, T0 + 5, T0 + 9000, T0 + 8000);
    int64_t t7 = add_ticket(fx, fx->acme, carol, 3, T0 + 6, T0 + 50, T0 + 40);
    int64_t t8 = add_ticket(fx, fx->acme, carol, 3, T0 + 7, T0 + 1000, T0 + 1000);
    int64_t t9 = add_ticket(fx, fx->acme, fx->alice, 4, T0 + 8, GARANT_NO_DUE, GARANT_NO_DUE);
    st_check(tk->set_first_response(fx->w, t1, T0 + 101), "fr1");
    st_check(tk->set_first_response(fx->w, t3, T0 + 300), "fr3");
    st_check(tk->set_status(fx->w, t9, "solved"), "status9");
    st_check(fx->ops->sla->record_event(fx->w, t7, "breach", T0 + 50, T0 + 60), "breach7");
    st_check(tk->set_deadline(fx->w, t7, T0 + 9000, T0 + 8000), "deadline7");
    static const struct {
        int sla;
        const char *ids;
    } want[] = {
        {GARANT_SLA_BREACHED, "7,2,1"},
        {GARANT_SLA_WARNING, "8,5"},
        {GARANT_SLA_OK, "6,3"},
        {GARANT_SLA_NONE, "9,4"},
    };
    rows arr = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        garant_ticket_filter f = filter(50);
        f.now = T0 + 1000;
        f.sla = want[i].sla;
        st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list sla");
        if (strcmp(ids_of(&arr), want[i].ids) != 0)
            fail_msg("sla %d: got %s, want %s", want[i].sla, ids_of(&arr), want[i].ids);
        rows_free(&arr);
        /* A search of a word every ticket has finds the same. */
        snprintf(f.q, sizeof f.q, "broken");
        st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "search sla");
        if (strcmp(ids_of(&arr), want[i].ids) != 0)
            fail_msg("search, sla %d: got %s, want %s", want[i].sla, ids_of(&arr), want[i].ids);
        rows_free(&arr);
    }
    /* With an organization, a requester, pages. */
    garant_ticket_filter f = filter(50);
    f.now = T0 + 1000;
    f.sla = GARANT_SLA_NONE;
    f.org_id = fx->globex;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "none of globex");
    assert_string_equal(ids_of(&arr), "4");
    rows_free(&arr);
    f = filter(1);
    f.now = T0 + 1000;
    f.sla = GARANT_SLA_WARNING;
    int64_t next = 0;
    st_check(tk->list_page(fx->w, &f, collect, fresh(&arr), &next), "warning, page 1");
    assert_string_equal(ids_of(&arr), "8");
    assert_int_equal(next, t8);
    rows_free(&arr);
    f.after_id = t8;
    st_check(tk->list_page(fx->w, &f, collect, fresh(&arr), &next), "warning, page 2");
    assert_string_equal(ids_of(&arr), "5");
    assert_int_equal(next, t5);
    rows_free(&arr);
    f.after_id = t5;
    st_check(tk->list_page(fx->w, &f, collect, fresh(&arr), &next), "warning, the end");
    assert_string_equal(ids_of(&arr), "");
    assert_int_equal(next, 0);
    rows_free(&arr);
    f = filter(50);
    f.now = T0 + 1000;
    f.sla = GARANT_SLA_WARNING;
    f.org_id = fx->acme;
    f.priority = 3;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "warning, acme's P3");
    assert_string_equal(ids_of(&arr), "8,5");
    rows_free(&arr);
    f.org_id = fx->globex;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "warning, globex's");
    assert_string_equal(ids_of(&arr), "");
    rows_free(&arr);
    f = filter(50);
    f.requester_id = carol;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "carol's");
    assert_string_equal(ids_of(&arr), "8,7,6");
    rows_free(&arr);
    f.now = T0 + 1000;
    f.sla = GARANT_SLA_BREACHED;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "carol's breached");
    assert_string_equal(ids_of(&arr), "7");
    rows_free(&arr);
    f = filter(2);
    f.requester_id = fx->alice;
    f.org_id = fx->acme;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "alice's, page 1");
    assert_string_equal(ids_of(&arr), "9,5");
    rows_free(&arr);
    f.after_id = t5;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "alice's, page 2");
    assert_string_equal(ids_of(&arr), "2,1");
    rows_free(&arr);
    f = filter(50);
    f.requester_id = fx->alice;
    f.org_id = fx->globex;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "alice's in globex");
    assert_int_equal(arr.n, 0);
    rows_free(&arr);
    /* With a search: every ticket's subject says "ticket". */
    f = filter(50);
    snprintf(f.q, sizeof f.q, "ticket");
    f.requester_id = carol;
    f.now = T0 + 1000;
    f.sla = GARANT_SLA_OK;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "search carol's ok");
    assert_string_equal(ids_of(&arr), "6");
    rows_free(&arr);
    f.sla = 9;
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);
    (void)t2;
    (void)t4;
    (void)t6;
}

static void test_list_pages(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    for (int i = 0; i < 5; i++) add_ticket(fx, fx->acme, fx->alice, 3, T0 + i, T0 + 3600, T0 + 1800);
    add_ticket(fx, fx->globex, fx->bob, 3, T0 + 9, T0 + 3600, T0 + 1800); /* id 6, another org */

    garant_ticket_filter f = filter(2);
    f.org_id = fx->acme;
    rows arr = {0};
    const char *want[] = {"5,4", "3,2", "1", ""};
    for (int page = 0; page < 4; page++) {
        st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list page");
        assert_string_equal(ids_of(&arr), want[page]);
        if (arr.n) f.after_id = arr.v[arr.n - 1].t.id;
        rows_free(&arr);
    }
    /* A page that ends exactly at the last ticket, then an empty one. */
    f = filter(6);
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list 6");
    assert_string_equal(ids_of(&arr), "6,5,4,3,2,1");
    rows_free(&arr);
    f.after_id = 1;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list after 1");
    assert_int_equal(arr.n, 0);
    rows_free(&arr);
    f = filter(1);
    f.after_id = 4;
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list after 4");
    assert_string_equal(ids_of(&arr), "3");
    rows_free(&arr);

    f = filter(0);
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);
    assert_int_equal(arr.n, 0);
    f = filter(201);
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);
    f = filter(200);
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list 200");
    rows_free(&arr);
}

/* ---- search ---- */

/* A ticket with this subject and body by alice (Acme) or bob (Globex). */
static int64_t add_text(fixture *fx, int64_t requester, const char *subject, const char *body)
{
    garant_ticket t = {0};
    t.org_id = requester == fx->bob ? fx->globex : fx->acme;
    t.requester_id = requester;
    snprintf(t.subject, sizeof t.subject, "%s", subject);
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    st_check(fx->ops->tickets->insert(fx->w, &t, body), "insert");
    return t.id;
}

/* The ids a search finds, as "3,2,1", for a customer's view (public_only)
** or staff's. */
static const char *search(fixture *fx, const char *q, int64_t org, int public_only, int64_t after, int limit)
{
    garant_ticket_filter f = filter(limit);
    snprintf(f.q, sizeof f.q, "%s", q);
    f.org_id = org;
    f.public_only = public_only;
    f.after_id = after;
    rows arr = {0};
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&arr)), q);
    static char out[4096];
    snprintf(out, sizeof out, "%s", ids_of(&arr));
    rows_free(&arr);
    return out;
}

static void test_search(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t a = add_text(fx, fx->alice, "Checkout is down", "The checkout page answers 502 since 9:00.");
    int64_t b = add_text(fx, fx->alice, "Invoice question", "Where do I download last month's invoice?");
    int64_t c = add_text(fx, fx->bob, "Checkout slow", "Sistemul de plată merge încet, coșul se încarcă greu.");
    int64_t d = add_text(fx, fx->alice, "Export", "CSV export misses the \"amount\" column.");
    assert_int_equal(b, a + 1);

    /* Words, newest first; every word must match; case does not matter. */
    assert_string_equal(search(fx, "checkout", 0, 0, 0, 50), "3,1");
    assert_string_equal(search(fx, "CHECKOUT 502", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "checkout invoice", 0, 0, 0, 50), "");
    /* Diacritics are folded both ways: "plata" finds "plată", "coșul" "cosul". */
    assert_string_equal(search(fx, "plata cosul", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "încărca*", 0, 0, 0, 50), "3"); /* the query's are folded too */
    assert_string_equal(search(fx, "incarc*", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "incarcat*", 0, 0, 0, 50), "");
    /* A prefix, a phrase, the requester's name and address. */
    assert_string_equal(search(fx, "check*", 0, 0, 0, 50), "3,1");
    assert_string_equal(search(fx, "\"page answers\"", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "\"answers page\"", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "bob@globex.example", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "alice invoice", 0, 0, 0, 50), "2");
    /* Nothing typed is FTS5 syntax: operators, columns, quotes and stars
    ** are words or nothing, never an error or a wider match. */
    assert_string_equal(search(fx, "checkout OR invoice", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "subject:checkout", 0, 0, 0, 50), "");
    /* "NEAR(checkout" is one word, the phrase "near checkout": no operator. */
    assert_string_equal(search(fx, "NEAR(checkout down)", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "checkout) (down", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "\"amount\" csv", 0, 0, 0, 50), "4");
    assert_string_equal(search(fx, "csv \"amount", 0, 0, 0, 50), "4");
    assert_string_equal(search(fx, "- * ( ) checkout", 0, 0, 0, 50), "3,1");
    /* An organization's tickets only; pages by keyset. */
    assert_string_equal(search(fx, "checkout", fx->acme, 1, 0, 50), "1");
    assert_string_equal(search(fx, "checkout", 0, 0, 0, 1), "3");
    assert_string_equal(search(fx, "checkout", 0, 0, 3, 1), "1");
    assert_string_equal(search(fx, "checkout", 0, 0, 1, 1), "");

    /* Replies are found from the moment they are written; internal notes
    ** by staff only. */
    st_check(tk->reply_insert(fx->w, b, fx->agent, "Billing, then Downloads.", 1, T0 + 10, NULL), "reply");
    st_check(tk->reply_insert(fx->w, b, fx->agent, "Customer is on the old billing engine.", 0, T0 + 20, NULL), "note");
    st_check(tk->reply_insert(fx->w, b, fx->alice, "Found it in Downloads, thanks", 1, T0 + 30, NULL), "reply 2");
    assert_string_equal(search(fx, "downloads", fx->acme, 1, 0, 50), "2");
    assert_string_equal(search(fx, "engine", 0, 0, 0, 50), "2");
    assert_string_equal(search(fx, "engine", fx->acme, 1, 0, 50), "");
    assert_string_equal(search(fx, "billing engine", fx->acme, 1, 0, 50), "");
    assert_string_equal(search(fx, "billing", fx->acme, 1, 0, 50), "2");

    /* A very long conversation keeps its newest 64 K characters for search
    ** (migration 14): a reply never re-indexes more than that. */
    st_check(tk->reply_insert(fx->w, d, fx->agent, "Zebra stripes in the export.", 1, T0 + 40, NULL), "zebra");
    assert_string_equal(search(fx, "zebra", 0, 0, 0, 50), "4");
    static char filler[5700 * 7 + 1];
    for (int i = 0; i < 5700; i++) memcpy(filler + 7 * i, "filler ", 7);
    filler[sizeof filler - 1] = '\0';
    st_check(tk->reply_insert(fx->w, d, fx->agent, filler, 1, T0 + 50, NULL), "filler");
    assert_string_equal(search(fx, "zebra", 0, 0, 0, 50), "4"); /* 40 K: still in */
    st_check(tk->reply_insert(fx->w, d, fx->agent, filler, 1, T0 + 60, NULL), "filler 2");
    assert_string_equal(search(fx, "zebra", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "filler", 0, 0, 0, 50), "4");
    assert_string_equal(search(fx, "csv", 0, 0, 0, 50), "4"); /* the body stays whole */

    /* With filters. */
    garant_ticket_filter f = filter(50);
    snprintf(f.q, sizeof f.q, "checkout");
    snprintf(f.plan, sizeof f.plan, "professional");
    f.org_id = fx->globex;
    rows arr = {0};
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "search with filters");
    assert_string_equal(ids_of(&arr), "3");
    rows_free(&arr);
    snprintf(f.status, sizeof f.status, "closed");
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "search with filters");
    assert_string_equal(ids_of(&arr), "");
    rows_free(&arr);

    /* Refused: no word at all, too many words. */
    f = filter(50);
    snprintf(f.q, sizeof f.q, "  - * \"\"  ");
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);
    assert_int_equal(arr.n, 0);
    snprintf(f.q, sizeof f.q, "a b c d e f g h i j k l m n o p q");
    assert_int_equal(tk->list(fx->w, &f, collect, fresh(&arr)), GARANT_EINVAL);
    snprintf(f.q, sizeof f.q, "a b c d e f g h i j k l m n o p");
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "16 words");
    rows_free(&arr);
    /* The longest text of quotes, each doubled in the query, fits. */
    memset(f.q, '"', GARANT_MAX_SEARCH);
    f.q[0] = 'x';
    f.q[GARANT_MAX_SEARCH] = '\0';
    st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "quotes");
    rows_free(&arr);
    (void)c;
    (void)d;
}
/* A search obeys every filter of the list: each, set so that it leaves
** the one ticket out, leaves the search empty, and set so that it keeps
** it, finds it. */
static void test_search_each_filter(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_text(fx, fx->alice, "Checkout is down", "502 since 9:00.");
    st_check(tk->set_deadline(fx->w, id, T0 + 100, T0 + 50), "deadline");
    garant_ticket_filter base = filter(50);
    snprintf(base.q, sizeof base.q, "checkout");
    base.now = T0 + 1000; /* overdue: breached */
    garant_ticket_filter out[9], in[9];
    for (int i = 0; i < 9; i++) out[i] = in[i] = base;
    snprintf(out[0].status, sizeof out[0].status, "closed");
    snprintf(in[0].status, sizeof in[0].status, "open");
    out[1].priority = 2;
    in[1].priority = 3;
    out[2].breached = -1;
    in[2].breached = 1;
    snprintf(out[3].plan, sizeof out[3].plan, "enterprise");
    snprintf(in[3].plan, sizeof in[3].plan, "professional");
    snprintf(out[4].product, sizeof out[4].product, "Payments");
    in[4].product[0] = '\0'; /* none: every product */
    out[5].assignee_id = fx->agent;
    in[5].assignee_id = GARANT_NOBODY;
    out[6].group_id = 424242;
    in[6].group_id = GARANT_NOBODY;
    out[7].groups_of = fx->agent; /* a member of no group */
    in[7].groups_of = 0;
    out[8].sla = GARANT_SLA_OK;
    in[8].sla = GARANT_SLA_BREACHED;
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)id);
    rows arr = {0};
    for (int i = 0; i < 9; i++) {
        st_check(tk->list(fx->w, &out[i], collect, fresh(&arr)), "left out");
        if (arr.n) fail_msg("filter %d: the search kept a ticket the filter leaves out", i);
        st_check(tk->list(fx->w, &in[i], collect, fresh(&arr)), "kept");
        if (strcmp(ids_of(&arr), want) != 0) fail_msg("filter %d: got \"%s\", want %s", i, ids_of(&arr), want);
    }
    rows_free(&arr);
}

static int64_t add_group(fixture *fx, const char *name, const int64_t *members, size_t n)
{
    return st_add_group(fx->w, name, members, n, T0);
}

/* The rows of arr as the numbers i of their ids in id[1..12], "12,8,4",
** into got. */
static const char *numbers_of(const rows *arr, const int64_t *id, char *got, size_t cap)
{
    size_t len = 0;
    got[0] = '\0';
    for (size_t r = 0; r < arr->n; r++)
        for (int i = 1; i <= 12; i++)
            if (arr->v[r].t.id == id[i] && len < cap)
                len += (size_t)snprintf(got + len, cap - len, "%s%d", r ? "," : "", i);
    return got;
}

/* The agents' views: "mine" (assignee), one group, "my groups" across
** several groups, newest first and paged, with and without a filter.
** Tickets 1..12: group g1 when i % 3 == 0, g2 when i % 3 == 1, g3 (not
** the agent's) when i % 3 == 2; the agent's when i % 4 == 0; priority 2
** when i % 2 == 0, else 3. */
static void test_list_assigned(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t agent = fx->agent, both[] = {fx->agent, fx->bob};
    int64_t g1 = add_group(fx, "Billing", both, 2), g2 = add_group(fx, "Payments", &agent, 1);
    int64_t g3 = add_group(fx, "Mobile", &fx->bob, 1), id[13] = {0};
    for (int i = 1; i <= 12; i++) {
        id[i] = add_ticket(fx, fx->acme, fx->alice, i % 2 ? 3 : 2, T0 + i, T0 + 1000, GARANT_NO_DUE);
        st_check(tk->set_assignment(fx->w, id[i], i % 4 ? 0 : agent, i % 3 == 0 ? g1 : i % 3 == 1 ? g2 : g3),
                 "assign");
    }
    struct {
        int64_t assignee, group, groups_of;
        int priority, limit;
        const char *pages[4]; /* the tickets' numbers i, page by page */
    } want[] = {
        {agent, 0, 0, 0, 50, {"12,8,4"}},
        {agent, 0, 0, 2, 2, {"12,8", "4"}},
        {0, g2, 0, 0, 50, {"10,7,4,1"}},
        {0, g3, 0, 3, 50, {"11,5"}},
        {0, 0, agent, 0, 50, {"12,10,9,7,6,4,3,1"}},
        {0, 0, agent, 0, 3, {"12,10,9", "7,6,4", "3,1"}},
        {0, 0, agent, 3, 2, {"9,7", "3,1"}},
        {0, 0, fx->bob, 0, 4, {"12,11,9,8", "6,5,3,2"}},
        {GARANT_NOBODY, 0, agent, 0, 50, {"10,9,7,6,3,1"}},
        {0, GARANT_NOBODY, agent, 0, 50, {""}},
        {0, 0, fx->alice, 0, 50, {""}}, /* a member of no group */
    };
    rows arr = {0};
    /* Each view as a list, then as a search of a word every ticket has
    ** ("It is broken."), which finds the same pages. */
    const size_t nviews = sizeof want / sizeof want[0];
    for (size_t run = 0; run < 2 * nviews; run++) {
        size_t k = run % nviews;
        garant_ticket_filter f = filter(want[k].limit);
        if (run >= nviews) snprintf(f.q, sizeof f.q, "broken");
        f.assignee_id = want[k].assignee;
        f.group_id = want[k].group;
        f.groups_of = want[k].groups_of;
        f.priority = want[k].priority;
        for (int page = 0; page < 4; page++) {
            int64_t next = 0;
            st_check(tk->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
            char got[128];
            numbers_of(&arr, id, got, sizeof got);
            const char *w = want[k].pages[page] ? want[k].pages[page] : "";
            if (strcmp(got, w) != 0)
                fail_msg("view %zu%s, page %d: got \"%s\", want \"%s\"", k, f.q[0] ? " (search)" : "", page + 1, got,
                         w);
            rows_free(&arr);
            if (!next) {
                if (page + 1 < 4 && want[k].pages[page + 1])
                    fail_msg("view %zu: no page after %d, want \"%s\"", k, page + 1, want[k].pages[page + 1]);
                break;
            }
            f.after_id = next;
        }
    }
    /* A member of more groups than the store merges (32) lists them the
    ** plain way, with or without an organization. */
    for (int g = 0; g < 31; g++) {
        char name[32];
        snprintf(name, sizeof name, "Team %d", g);
        add_group(fx, name, &fx->bob, 1);
    }
    for (int org = 0; org < 2; org++) {
        garant_ticket_filter f = filter(50);
        f.groups_of = fx->bob;
        f.org_id = org ? fx->acme : 0;
        st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "33 groups");
        char got[128];
        numbers_of(&arr, id, got, sizeof got);
        if (strcmp(got, "12,11,9,8,6,5,3,2") != 0) fail_msg("33 groups, org %d: got \"%s\"", org, got);
        rows_free(&arr);
    }
}

/* A list's callback that stops the list at its second row. */
static int stop_at_two(void *ctx, const garant_ticket_row *row)
{
    int *n = ctx;
    (void)row;
    return ++*n == 2 ? -77 : 0;
}

/* The callback's nonzero value stops every list and is its answer. */
static void test_list_callback_stops(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id[3];
    for (int i = 0; i < 3; i++) id[i] = add_text(fx, fx->alice, "Checkout is down", "502.");
    for (int i = 0; i < 3; i++) st_check(tk->set_awaiting(fx->w, id[i], T0 + i), "awaiting");
    garant_ticket_filter f = filter(50);
    int n = 0;
    assert_int_equal(tk->list(fx->w, &f, stop_at_two, &n), -77);
    assert_int_equal(n, 2);
    snprintf(f.q, sizeof f.q, "checkout");
    n = 0;
    int64_t next = -1;
    assert_int_equal(tk->list_page(fx->w, &f, stop_at_two, &n, &next), -77);
    assert_int_equal(n, 2);
    garant_queue_filter q = {.limit = 50};
    n = 0;
    assert_int_equal(tk->queue_where(fx->w, &q, stop_at_two, &n), -77);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(tk->follow_ups(fx->w, 0, 0, 50, stop_at_two, &n), -77);
    assert_int_equal(n, 2);
    /* The connection is usable after a stopped list. */
    rows arr = {0};
    st_check(tk->queue_where(fx->w, &q, collect, fresh(&arr)), "queue after");
    assert_int_equal(arr.n, 3);
    rows_free(&arr);
}


/* A prefix is found by its definition, whatever its length: a token of
** the searched columns that starts with it (the SQLite backend reads a
** 3-character prefix from an index of its own, looks a longer one up by its
** first 3 and checks the rest, and checks a shorter one on every ticket the
** other words leave: the three must agree). */
/* A ticket is searchable once its transaction commits, with the replies
** written in the same transaction, and a rolled-back one never (the index
** is written at the commit: migration 24). */
static void test_search_at_commit(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    st_check(fx->ops->begin_write(fx->w), "begin");
    int64_t g = add_text(fx, fx->alice, "Gazebo collapsed", "The gazebo widget is gone from the page.");
    st_check(tk->reply_insert(fx->w, g, fx->agent, "Umbrella fix deployed.", 1, T0 + 10, NULL), "reply");
    st_check(tk->reply_insert(fx->w, g, fx->agent, "Parasol cache was stale.", 0, T0 + 20, NULL), "note");
    st_check(fx->ops->commit(fx->w), "commit");
    assert_string_equal(search(fx, "gazebo", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "umbrella gazebo", fx->acme, 1, 0, 50), "1");
    assert_string_equal(search(fx, "parasol", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "parasol", fx->acme, 1, 0, 50), ""); /* internal */
    assert_string_equal(search(fx, "alice gazebo", 0, 0, 0, 50), "1"); /* the requester */
    /* A later reply goes into the indexed row. */
    st_check(tk->reply_insert(fx->w, g, fx->alice, "Trampoline works now", 1, T0 + 30, NULL), "reply 2");
    assert_string_equal(search(fx, "trampoline umbrella", fx->acme, 1, 0, 50), "1");

    st_check(fx->ops->begin_write(fx->w), "begin 2");
    int64_t w = add_text(fx, fx->alice, "Walrus", "Walrus in the pipeline.");
    st_check(fx->ops->rollback(fx->w), "rollback");
    st_check(fx->ops->begin_write(fx->w), "begin 3");
    int64_t n = add_text(fx, fx->bob, "Narwhal", "Narwhal and walrus.");
    st_check(fx->ops->commit(fx->w), "commit 3");
    assert_int_equal(n, w); /* the id of the rolled-back ticket was free again */
    assert_string_equal(search(fx, "walrus", 0, 0, 0, 50), "2");
    assert_string_equal(search(fx, "walrus", fx->acme, 1, 0, 50), "");
    assert_string_equal(search(fx, "narwhal", fx->globex, 1, 0, 50), "2");
    /* Outside a transaction, at once. */
    int64_t o = add_text(fx, fx->alice, "Ocelot", "Ocelot outage.");
    assert_string_equal(search(fx, "ocelot", 0, 0, 0, 50), "3");
    assert_int_equal(o, 3);
}

static void test_search_prefixes(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t p1 = add_text(fx, fx->alice, "Zebra crossing", "A kayak trip.");
    int64_t p2 = add_text(fx, fx->alice, "Zeppelin", "Kayaking and zebu.");
    int64_t p3 = add_text(fx, fx->bob, "Quiet", "The zenith of kay.");
    assert_int_equal(p2, p1 + 1);
    assert_int_equal(p3, p1 + 2);
    st_check(tk->reply_insert(fx->w, p3, fx->agent, "Zucchini in the notes.", 0, T0 + 10, NULL), "note");

    /* One character, two, three, more; case does not matter. */
    assert_string_equal(search(fx, "z*", 0, 0, 0, 50), "3,2,1");
    assert_string_equal(search(fx, "ze*", 0, 0, 0, 50), "3,2,1");
    assert_string_equal(search(fx, "zeb*", 0, 0, 0, 50), "2,1");
    assert_string_equal(search(fx, "ZEBR*", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "zebras*", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "kay*", 0, 0, 0, 50), "3,2,1");
    assert_string_equal(search(fx, "kaya*", 0, 0, 0, 50), "2,1");
    assert_string_equal(search(fx, "kayaki*", 0, 0, 0, 50), "2");
    /* In a word of several tokens the prefix is the last, right after the
    ** others, as in a phrase. */
    assert_string_equal(search(fx, "kayak-tr*", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "kayaking-an*", 0, 0, 0, 50), "2");
    assert_string_equal(search(fx, "a-kayak-t*", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "trip-ka*", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "zenith-o*", 0, 0, 0, 50), "3");
    /* With other words: all must match. */
    assert_string_equal(search(fx, "zeb* kay*", 0, 0, 0, 50), "2,1");
    assert_string_equal(search(fx, "z* quiet", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "zebra kayaki*", 0, 0, 0, 50), "");
    /* Pages. */
    assert_string_equal(search(fx, "z*", 0, 0, 0, 2), "3,2");
    assert_string_equal(search(fx, "z*", 0, 0, 2, 2), "1");
    assert_string_equal(search(fx, "kaya*", 0, 0, 2, 1), "1");
    /* An internal note: staff find it by any prefix, its customer by none. */
    assert_string_equal(search(fx, "zu*", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "zuc*", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "zucchin*", 0, 0, 0, 50), "3");
    assert_string_equal(search(fx, "zu*", fx->globex, 1, 0, 50), "");
    assert_string_equal(search(fx, "zuc*", fx->globex, 1, 0, 50), "");
    assert_string_equal(search(fx, "zucchin*", fx->globex, 1, 0, 50), "");
    assert_string_equal(search(fx, "ze* zu*", fx->globex, 1, 0, 50), "");
    assert_string_equal(search(fx, "z*", fx->globex, 1, 0, 50), "3");
    /* An organization's tickets only, and a page full of them. */
    assert_string_equal(search(fx, "z*", fx->acme, 1, 0, 50), "2,1");
    assert_string_equal(search(fx, "z*", fx->acme, 1, 0, 1), "2");
    assert_string_equal(search(fx, "z*", fx->acme, 0, 3, 1), "2");
    assert_string_equal(search(fx, "kay*", fx->acme, 0, 0, 50), "2,1");
    assert_string_equal(search(fx, "kay", fx->globex, 0, 0, 50), "3");
    /* One requester's tickets (a customer who sees her own only), a page
    ** full of them; not her tickets of another organization. */
    int64_t carol = add_user(fx, "carol@acme.example", "Carol", GARANT_ROLE_CUSTOMER, fx->acme);
    int64_t p4 = add_text(fx, carol, "Zealous", "Kayak club.");
    garant_ticket_filter rf = filter(1);
    snprintf(rf.q, sizeof rf.q, "kay*");
    rf.org_id = fx->acme;
    rf.requester_id = fx->alice;
    rf.public_only = 1;
    rows arr = {0};
    st_check(tk->list(fx->w, &rf, collect, fresh(&arr)), "alice's");
    assert_string_equal(ids_of(&arr), "2");
    rows_free(&arr);
    rf.limit = 50;
    rf.requester_id = carol;
    st_check(tk->list(fx->w, &rf, collect, fresh(&arr)), "carol's");
    assert_int_equal(arr.n, 1);
    assert_int_equal(arr.v[0].t.id, p4);
    rows_free(&arr);
    snprintf(rf.q, sizeof rf.q, "z*"); /* checked: no word drives */
    st_check(tk->list(fx->w, &rf, collect, fresh(&arr)), "carol's z*");
    assert_int_equal(arr.n, 1);
    rows_free(&arr);
    rf.org_id = fx->globex;
    st_check(tk->list(fx->w, &rf, collect, fresh(&arr)), "carol's in globex");
    assert_int_equal(arr.n, 0);
    rows_free(&arr);
    /* Whatever the index keeps besides the text (the SQLite backend's
    ** organization and requester tokens) is never found by a word. */
    char q[32];
    snprintf(q, sizeof q, "o%lld", (long long)fx->acme);
    assert_string_equal(search(fx, q, 0, 0, 0, 50), "");
    snprintf(q, sizeof q, "r%lld", (long long)fx->alice);
    assert_string_equal(search(fx, q, 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "t", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "o*", 0, 0, 0, 50), "3"); /* "of" */
    assert_string_equal(search(fx, "r*", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "t*", fx->acme, 1, 0, 50), "1"); /* "trip" */
    /* A word of no token matches nothing, prefix or not. */
    assert_string_equal(search(fx, "zebra \xe2\x82\xac", 0, 0, 0, 50), "");
    assert_string_equal(search(fx, "\xe2\x82\xac*", 0, 0, 0, 50), "");
}

/* The ids of every page of f's search, list_page after list_page, as
** "3,2|1" (pages separated by '|'). */
static const char *search_pages(fixture *fx, garant_ticket_filter f)
{
    static char out[8192];
    size_t n = 0;
    out[0] = '\0';
    for (int page = 0; page < 100; page++) {
        rows arr = {0};
        int64_t next = -1;
        st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
        assert_true(next >= 0);
        size_t len = arr.n;
        /* A full page always has a next; a short one only if it stopped
        ** at its bound of work, before its last ticket. */
        if (len == (size_t)f.limit) assert_int_equal(next, arr.v[len - 1].t.id);
        if (next && len) assert_true(next <= arr.v[len - 1].t.id);
        int w = snprintf(out + n, sizeof out - n, "%s%s", page ? "|" : "", ids_of(&arr));
        assert_true(w >= 0 && (size_t)w < sizeof out - n);
        n += (size_t)w;
        rows_free(&arr);
        if (!next) return out;
        f.after_id = next;
    }
    fail_msg("more than 100 pages");
    return out;
}

/* Paging through a search with list_page finds every ticket once, newest
** first, however the backend cuts its work into pages; a page without a
** next is the last. */
/* Many tickets a search for "alpha" finds: the first three filed
** pending, the 10,047 after them open, ids 1 to 10,050. */
static void add_alphas(fixture *fx)
{
    st_check(fx->ops->begin_write(fx->w), "begin");
    for (int i = 0; i < 10050; i++) {
        garant_ticket t = {0};
        t.org_id = fx->acme;
        t.requester_id = fx->alice;
        snprintf(t.subject, sizeof t.subject, "Alpha %d", i);
        t.priority = t.initial_priority = 3;
        snprintf(t.plan, sizeof t.plan, "professional");
        snprintf(t.environment, sizeof t.environment, "production");
        snprintf(t.status, sizeof t.status, "%s", i < 3 ? "pending" : "open");
        t.submitted_at = T0;
        t.first_response_due = t.warn_at = GARANT_NO_DUE;
        st_check(fx->ops->tickets->insert(fx->w, &t, "alphabet soup"), "insert");
        assert_int_equal(t.id, i + 1);
    }
    st_check(fx->ops->commit(fx->w), "commit");
}

/* The last page of search_pages's answer, after checking that every page
** before it is empty. */
static const char *last_page(const char *pages)
{
    const char *tail = strrchr(pages, '|') ? strrchr(pages, '|') + 1 : pages;
    for (const char *p = pages; p < tail; p++) assert_true(*p == '|');
    return tail;
}

static void test_search_pages(void **state)
{
    fixture *fx = *state;
    add_alphas(fx);
    garant_ticket_filter f = filter(50);
    snprintf(f.q, sizeof f.q, "alpha");
    snprintf(f.status, sizeof f.status, "pending");
    /* However many pages (the SQLite backend answers an empty first one:
    ** its bound), the tickets are the three, once, in order. */
    assert_string_equal(last_page(search_pages(fx, f)), "3,2,1");
    /* A prefix, and a prefix left to check. */
    snprintf(f.q, sizeof f.q, "alph*");
    assert_string_equal(last_page(search_pages(fx, f)), "3,2,1");
    snprintf(f.q, sizeof f.q, "al*");
    assert_string_equal(last_page(search_pages(fx, f)), "3,2,1");
    /* Without the filter: full pages, each with its next. */
    f = filter(5000);
    snprintf(f.q, sizeof f.q, "soup");
    f.limit = 200;
    rows arr = {0};
    int64_t next = 0;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_int_equal(arr.n, 200);
    assert_int_equal(next, 10050 - 199);
    rows_free(&arr);
    f.after_id = 3;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_string_equal(ids_of(&arr), "2,1");
    assert_int_equal(next, 0);
    rows_free(&arr);
    /* A list without a search: next as before. */
    f = filter(2);
    f.after_id = 3;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_string_equal(ids_of(&arr), "2,1");
    assert_int_equal(next, 1);
    rows_free(&arr);
    f.after_id = 1;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_string_equal(ids_of(&arr), "");
    assert_int_equal(next, 0);
    rows_free(&arr);
}

/* ---- history ---- */

static void test_events(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    int64_t nodue = add_ticket(fx, fx->acme, fx->alice, 2, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    json_t *arr;
    /* The insert is the 'created' event, with the terms it was filed on. */
    st_check(st_events(fx->w, id, &arr), "events (created only)");
    assert_int_equal(json_array_size(arr), 1);
    json_t *want = json_pack("{s:i, s:s, s:n, s:s, s:s, s:s, s:s}", "priority", 3, "plan", "professional", "product",
                             "stage", "ga", "environment", "production", "due", "2026-09-21T15:13:20Z", "warn_at",
                             "2026-09-21T14:58:20Z");
    json_t *e0 = json_array_get(arr, 0);
    assert_int_equal(jint(e0, "id"), 0);
    assert_int_equal(jint(e0, "at"), T0);
    assert_int_equal(jint(e0, "actor_id"), fx->alice);
    assert_string_equal(jstr(e0, "actor_name"), "Alice");
    assert_string_equal(jstr(e0, "kind"), "created");
    assert_true(json_equal(json_object_get(e0, "data"), want));
    json_decref(want);
    json_decref(arr);
    st_check(st_events(fx->w, nodue, &arr), "events (no guarantee)");
    want = json_pack("{s:i, s:s, s:n, s:s, s:s, s:n, s:n}", "priority", 2, "plan", "professional", "product", "stage",
                     "ga", "environment", "production", "due", "warn_at");
    assert_true(json_equal(json_object_get(json_array_get(arr, 0), "data"), want));
    json_decref(want);
    json_decref(arr);

    /* Deadline and priority move on; the creation stays as filed. */
    st_check(tk->set_priority(fx->w, id, 1), "set_priority");
    st_check(tk->set_deadline(fx->w, id, T0 + 600, T0 + 450), "set_deadline");
    json_t *d2 = json_pack("{s:i, s:i}", "from", 3, "to", 1);
    garant_event_in ev = {.ticket_id = id, .at = T0 + 60, .actor_id = fx->agent, .kind = "priority_changed",
                          .data = d2};
    st_check(tk->append_event(fx->w, &ev), "append priority_changed");
    ev = (garant_event_in){.ticket_id = id, .at = T0 + 61, .actor_id = 0, .kind = "deadline_recomputed", .data = NULL};
    st_check(tk->append_event(fx->w, &ev), "append system event");
    ev.kind = "exploded";
    assert_int_equal(tk->append_event(fx->w, &ev), GARANT_EINVAL);
    ev.kind = "created"; /* only the insert records it */
    assert_int_equal(tk->append_event(fx->w, &ev), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "insert"));
    json_t *notobj = json_integer(1);
    ev.kind = "noted";
    ev.data = notobj;
    assert_int_equal(tk->append_event(fx->w, &ev), GARANT_EINVAL);
    json_decref(notobj);

    st_check(st_events(fx->w, id, &arr), "events");
    assert_int_equal(json_array_size(arr), 3);
    e0 = json_array_get(arr, 0);
    json_t *e1 = json_array_get(arr, 1), *e2 = json_array_get(arr, 2);
    assert_string_equal(jstr(e0, "kind"), "created");
    assert_int_equal(jint(json_object_get(e0, "data"), "priority"), 3);
    assert_string_equal(jstr(json_object_get(e0, "data"), "due"), "2026-09-21T15:13:20Z");
    assert_true(0 < jint(e1, "id") && jint(e1, "id") < jint(e2, "id"));
    assert_string_equal(jstr(e1, "actor_name"), "Agnes");
    assert_true(json_equal(json_object_get(e1, "data"), d2));
    assert_int_equal(jint(e2, "actor_id"), 0);
    assert_true(json_is_null(json_object_get(e2, "actor_name")));
    assert_true(json_is_object(json_object_get(e2, "data")));
    assert_int_equal(json_object_size(json_object_get(e2, "data")), 0);
    json_decref(arr);
    json_decref(d2);
}

/* A ticket's last update: its latest event with an actor, else its
** submission; the system's events (the SLA monitor's) do not count. The
** same in get, list and queue. */
static void test_updated_at(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    int64_t other = add_ticket(fx, fx->acme, fx->alice, 3, T0 + 5, T0 + 3605, T0 + 2705);
    garant_ticket t;
    rows arr = {0};
    garant_ticket_filter f = filter(50);
    garant_queue_filter q = {.limit = 50};
#define UPDATED(want)                                                              \
    do {                                                                           \
        st_check(tk->get(fx->w, id, &t), "get");                                   \
        assert_int_equal(t.updated_at, (want));                                    \
        st_check(tk->list(fx->w, &f, collect, fresh(&arr)), "list");               \
        assert_int_equal(arr.n, 2);                                                \
        assert_int_equal(arr.v[1].t.id, id);                                       \
        assert_int_equal(arr.v[1].t.updated_at, (want));                           \
        assert_int_equal(arr.v[0].t.updated_at, T0 + 5);                           \
        st_check(tk->queue_where(fx->w, &q, collect, fresh(&arr)), "queue");       \
        assert_int_equal(arr.n, 2);                                                \
        assert_int_equal(arr.v[0].t.id, id);                                       \
        assert_int_equal(arr.v[0].t.updated_at, (want));                           \
        rows_free(&arr);                                                           \
    } while (0)
    UPDATED(T0);
    garant_event_in ev = {.ticket_id = id, .at = T0 + 60, .actor_id = 0, .kind = "sla_warning"};
    st_check(tk->append_event(fx->w, &ev), "system event");
    UPDATED(T0);
    ev = (garant_event_in){.ticket_id = id, .at = T0 + 120, .actor_id = fx->agent, .kind = "noted"};
    st_check(tk->append_event(fx->w, &ev), "a note");
    UPDATED(T0 + 120);
    ev = (garant_event_in){.ticket_id = id, .at = T0 + 180, .actor_id = 0, .kind = "sla_breach"};
    st_check(tk->append_event(fx->w, &ev), "system event after");
    UPDATED(T0 + 120);
    ev = (garant_event_in){.ticket_id = id, .at = T0 + 240, .actor_id = fx->alice, .kind = "replied"};
    st_check(tk->append_event(fx->w, &ev), "the customer's reply");
    UPDATED(T0 + 240);
#undef UPDATED
    st_check(tk->get(fx->w, other, &t), "get the other");
    assert_int_equal(t.updated_at, T0 + 5);
}

/* SQLite only: the schema, not only the code, keeps the history
** append-only. */
/* A ticket noted for the index but not indexed (a process stopped
** between the two outside a transaction) is indexed when the store opens. */
static void test_search_pending_at_open(void **state)
{
    fixture *fx = *state;
    int64_t id = add_text(fx, fx->alice, "Pelican", "Pelican report missing.");
    assert_string_equal(search(fx, "pelican", 0, 0, 0, 50), "1");
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->target, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM ticket_search WHERE rowid = %lld; INSERT INTO search_pending VALUES (%lld)",
             (long long)id, (long long)id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_string_equal(search(fx, "pelican", 0, 0, 0, 50), "");
    st_reopen(&fx->st, &fx->w, fx->ops, fx->target);
    assert_string_equal(search(fx, "pelican", 0, 0, 0, 50), "1");
    assert_string_equal(search(fx, "alice pelican", fx->acme, 1, 0, 50), "1");
}

static void test_events_append_only(void **state)
{
    fixture *fx = *state;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    garant_event_in ev = {.ticket_id = id, .at = T0, .kind = "noted"};
    st_check(fx->ops->tickets->append_event(fx->w, &ev), "append");

    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->target, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    /* The row's creation columns are the 'created' event: as fixed. */
    static const char *const sql[] = {
        "UPDATE ticket_events SET kind = 'priority_changed'", "DELETE FROM ticket_events",
        "UPDATE tickets SET initial_due = initial_due + 60",  "UPDATE tickets SET plan = 'basic'",
        "UPDATE tickets SET initial_priority = 1",            "UPDATE tickets SET submitted_at = 0",
        "UPDATE tickets SET created_in_events = 1",           "UPDATE tickets SET requester_id = requester_id",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_CONSTRAINT);
        assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    json_t *arr;
    st_check(st_events(fx->w, id, &arr), "events");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(jstr(json_array_get(arr, 0), "kind"), "created");
    assert_string_equal(jstr(json_array_get(arr, 1), "kind"), "noted");
    json_decref(arr);
}

static void append(fixture *fx, int64_t id, int64_t at, const char *kind, json_t *data)
{
    garant_event_in ev = {.ticket_id = id, .at = at, .actor_id = fx->agent, .kind = kind, .data = data};
    st_check(fx->ops->tickets->append_event(fx->w, &ev), "append");
    json_decref(data);
}

static void test_priority_changes(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    int64_t other = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    garant_priority_change *pc = NULL;
    size_t n = 5;
    st_check(tk->priority_changes(fx->w, id, &pc, &n), "none");
    assert_int_equal(n, 0);
    free(pc);

    append(fx, id, T0 + 300, "priority_changed", json_pack("{s:i, s:i}", "from", 3, "to", 1));
    append(fx, other, T0 + 400, "priority_changed", json_pack("{s:i, s:i}", "from", 3, "to", 2));
    append(fx, id, T0 + 500, "noted", json_pack("{s:s}", "to", "not a priority change"));
    append(fx, id, T0 + 900, "priority_changed", json_pack("{s:i, s:i}", "from", 1, "to", 4));
    st_check(tk->priority_changes(fx->w, id, &pc, &n), "changes");
    assert_int_equal(n, 2);
    assert_int_equal(pc[0].at_s, T0 + 300);
    assert_int_equal(pc[0].priority, 1);
    assert_int_equal(pc[1].at_s, T0 + 900);
    assert_int_equal(pc[1].priority, 4);
    free(pc);
}

/* ---- conversation ---- */

static void test_replies(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 3600, T0 + 2700);
    msgs m = {0};
    st_check(tk->replies(fx->w, id, collect_msg, &m), "replies (none)");
    assert_int_equal(m.n, 0);

    int64_t r1 = 0, r2 = 0, r3 = 0;
    st_check(tk->reply_insert(fx->w, id, fx->agent, "Internal: looks like the LB.", 0, T0 + 10, &r1), "note");
    st_check(tk->reply_insert(fx->w, id, fx->agent, "We are on it.", 7, T0 + 20, &r2), "reply");
    st_check(tk->reply_insert(fx->w, id, fx->alice, "Thanks!", 1, T0 + 30, &r3), "customer reply");
    assert_true(r1 > 0 && r1 < r2 && r2 < r3);
    assert_int_equal(tk->reply_insert(fx->w, id, 999, "who?", 1, T0, NULL), GARANT_ENOTFOUND);

    st_check(tk->replies(fx->w, id, collect_msg, &m), "replies");
    assert_int_equal(m.n, 3);
    const msg *a = &m.v[0], *b = &m.v[1], *c = &m.v[2];
    assert_int_equal(a->id, r1);
    assert_int_equal(a->author_id, fx->agent);
    assert_string_equal(a->author_name, "Agnes");
    assert_string_equal(a->author_role, "agent");
    assert_string_equal(a->body, "Internal: looks like the LB.");
    assert_int_equal(a->public_, 0);
    assert_int_equal(a->at, T0 + 10);
    assert_int_equal(b->public_, 1); /* any nonzero is public */
    assert_string_equal(b->body, "We are on it.");
    assert_string_equal(c->author_role, "customer");
    assert_string_equal(c->author_name, "Alice");
    assert_int_equal(c->at, T0 + 30);
}

/* ---- the queue ---- */

/* The keyset of the last ticket of a page: (deadline or NO_DUE, id). */
static void last_key(const rows *page, int64_t *due, int64_t *id)
{
    const garant_ticket *o = &page->v[page->n - 1].t;
    *due = o->first_response_due;
    *id = o->id;
}

/* The unfiltered queue's page after the keyset (due, id), into *page. */
static int queue_page(fixture *fx, int64_t due, int64_t id, int limit, rows *page)
{
    garant_queue_filter f;
    memset(&f, 0, sizeof f);
    f.after_due = due;
    f.after_id = id;
    f.limit = limit;
    return fx->ops->tickets->queue_where(fx->w, &f, collect, fresh(page));
}

static void test_queue_order_and_pages(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t now = T0 + 1000;
    /* Ids 1..9 in submission order. */
    int64_t a = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 5000, T0 + 4000);         /* 1: due later */
    int64_t nd1 = add_ticket(fx, fx->acme, fx->alice, 5, T0 + 1, GARANT_NO_DUE, GARANT_NO_DUE); /* 2 */
    int64_t b = add_ticket(fx, fx->globex, fx->bob, 1, T0 + 2, T0 + 500, T0 + 400);       /* 3: breached */
    int64_t answered = add_ticket(fx, fx->acme, fx->alice, 1, T0 + 3, T0 + 100, T0 + 50); /* 4 */
    int64_t solved = add_ticket(fx, fx->acme, fx->alice, 1, T0 + 4, T0 + 100, T0 + 50);   /* 5 */
    int64_t d = add_ticket(fx, fx->acme, fx->alice, 2, T0 + 5, T0 + 500, T0 + 400);       /* 6: ties with 3 */
    int64_t pend = add_ticket(fx, fx->globex, fx->bob, 2, T0 + 6, T0 + 2000, T0 + 1500);  /* 7: pending */
    int64_t nd2 = add_ticket(fx, fx->globex, fx->bob, 5, T0 + 7, GARANT_NO_DUE, GARANT_NO_DUE); /* 8 */
    int64_t early = add_ticket(fx, fx->acme, fx->alice, 1, T0 + 8, T0 + 200, T0 + 150);   /* 9: most overdue */
    st_check(tk->set_first_response(fx->w, answered, T0 + 60), "answered");
    st_check(tk->set_status(fx->w, solved, "solved"), "solved");
    st_check(tk->set_status(fx->w, pend, "pending"), "pending");
    (void)now;

    rows page = {0};
    st_check(queue_page(fx, 0, 0, 50, &page), "queue");
    char want[128];
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld,%lld,%lld", (long long)early, (long long)b, (long long)d,
             (long long)pend, (long long)a, (long long)nd1, (long long)nd2);
    assert_string_equal(ids_of(&page), want);
    assert_string_equal(page.v[0].org_name, "Acme");
    assert_string_equal(page.v[0].requester_email, "alice@acme.example");
    assert_true(page.v[6].t.first_response_due == GARANT_NO_DUE);
    rows_free(&page);

    /* Every page size walks the same order, across the boundary between
    ** tickets with and without a deadline, and ends with an empty page. */
    for (int limit = 1; limit <= 8; limit++) {
        char got[128] = "";
        size_t len = 0;
        int64_t due = 0, id = 0;
        int pages = 0;
        for (;;) {
            st_check(queue_page(fx, due, id, limit, &page), "queue page");
            assert_true(page.n <= (size_t)limit);
            if (page.n == 0) {
                rows_free(&page);
                break;
            }
            int w = snprintf(got + len, sizeof got - len, "%s%s", len ? "," : "", ids_of(&page));
            len += (size_t)w;
            last_key(&page, &due, &id);
            rows_free(&page);
            assert_true(++pages <= 8);
        }
        if (strcmp(got, want) != 0) fail_msg("limit %d: got %s, want %s", limit, got, want);
    }
    assert_int_equal(queue_page(fx, 0, 0, 0, &page), GARANT_EINVAL);
    assert_int_equal(queue_page(fx, 0, 0, 201, &page), GARANT_EINVAL);
}

/* The filtered queue keeps the queue's order and pages over the filter. */
static void test_queue_where(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t a1 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 900, T0 + 800);
    int64_t g1 = add_ticket(fx, fx->globex, fx->bob, 2, T0, T0 + 100, T0 + 50);
    int64_t a2 = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 100, T0 + 50);
    int64_t a3 = add_ticket(fx, fx->acme, fx->alice, 2, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t g2 = add_ticket(fx, fx->globex, fx->bob, 3, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t a4 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 50, T0 + 10);
    st_check(tk->set_first_response(fx->w, a4, T0 + 1), "answered");
    garant_ticket t = {0};
    t.org_id = fx->acme;
    t.requester_id = fx->alice;
    snprintf(t.subject, sizeof t.subject, "with product");
    t.priority = t.initial_priority = 2;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.product, sizeof t.product, "Payments");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = T0 + 500;
    t.warn_at = T0 + 400;
    st_check(tk->insert(fx->w, &t, "b"), "insert product");
    int64_t p1 = t.id;

    garant_queue_filter f;
    memset(&f, 0, sizeof f);
    f.limit = 50;
    rows page = {0};
    char want[128];
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "unfiltered");
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld,%lld", (long long)g1, (long long)a2, (long long)p1,
             (long long)a1, (long long)a3, (long long)g2);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);

    /* One organization, a page at a time, across the boundary. */
    f.org_id = fx->acme;
    f.limit = 2;
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "acme page 1");
    snprintf(want, sizeof want, "%lld,%lld", (long long)a2, (long long)p1);
    assert_string_equal(ids_of(&page), want);
    last_key(&page, &f.after_due, &f.after_id);
    rows_free(&page);
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "acme page 2");
    snprintf(want, sizeof want, "%lld,%lld", (long long)a1, (long long)a3);
    assert_string_equal(ids_of(&page), want);
    last_key(&page, &f.after_due, &f.after_id);
    rows_free(&page);
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "acme page 3");
    assert_int_equal(page.n, 0);
    rows_free(&page);

    memset(&f, 0, sizeof f);
    f.limit = 50;
    f.priority = 3;
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "priority 3");
    snprintf(want, sizeof want, "%lld,%lld", (long long)a2, (long long)g2);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);
    f.priority = 0;
    snprintf(f.plan, sizeof f.plan, "enterprise");
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "plan");
    snprintf(want, sizeof want, "%lld,%lld", (long long)g1, (long long)g2);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);
    f.plan[0] = '\0';
    snprintf(f.product, sizeof f.product, "Payments");
    st_check(tk->queue_where(fx->w, &f, collect, fresh(&page)), "product");
    snprintf(want, sizeof want, "%lld", (long long)p1);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);
    f.limit = 0;
    assert_int_equal(tk->queue_where(fx->w, &f, collect, fresh(&page)), GARANT_EINVAL);
}

/* Whether a query plan (EXPLAIN QUERY PLAN of sql on db) mentions want and
** sorts nothing in a temporary b-tree. */
static void assert_plan(sqlite3 *db, const char *sql, const char *want)
{
    char eqp[4096];
    int w = snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
    assert_true(w > 0 && (size_t)w < sizeof eqp);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, eqp, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    char plan[2048] = "";
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(plan + len, sizeof plan - len, "%s | ", (const char *)sqlite3_column_text(st, 3));
        if (n > 0 && (size_t)n < sizeof plan - len) len += (size_t)n;
    }
    sqlite3_finalize(st);
    if (!strstr(plan, want) || strstr(plan, "TEMP B-TREE"))
        fail_msg("plan of\n  %s\nis\n  %s\nwanted %s and no sort", sql, plan, want);
}

/* Calls the SQL statements the connection has prepared that contain
** marker through assert_plan; returns how many there were. */
static int assert_plans_of(garant_store_conn *c, const char *marker, const char *want)
{
    sqlite3 *db = gs_sqlite(c)->db;
    int n = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        const char *sql = sqlite3_sql(st);
        if (sql && strstr(sql, marker)) {
            assert_plan(db, sql, want);
            n++;
        }
    }
    return n;
}

/* SQLite only: the queue must stay O(page) with a million open tickets:
** both of its statements walk the partial index and sort nothing. */
static void test_queue_uses_index(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 20; i++)
        add_ticket(fx, fx->acme, fx->alice, 3, T0 + i, i % 3 ? T0 + 1000 - i : GARANT_NO_DUE, GARANT_NO_DUE);
    rows page = {0};
    st_check(queue_page(fx, 0, 0, 50, &page), "queue"); /* prepares both halves */
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "t.first_response_at IS NULL AND t.status IN ('open', 'pending')",
                                     "INDEX tickets_awaiting"),
                     2);
    /* An organization's list walks tickets_org. */
    garant_ticket_filter f = filter(10);
    f.org_id = fx->acme;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "list");
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "WHERE t.org_id = ?1", "INDEX tickets_org"), 1);
}

/* SQLite only: the list's requester= and sla= filters do not read the
** whole table when few tickets match: one requester's tickets walk
** tickets_requester and sla=none the tickets without a guarantee, newest
** first, sorting nothing; sla=warning reads only the running clocks due
** from now on, from the index alone (tickets_clock_running), and sorts
** their ids. */
static void test_list_filters_use_indexes(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 20; i++)
        add_ticket(fx, fx->acme, fx->alice, 3, T0 + i, i % 3 ? T0 + 1000 - i : GARANT_NO_DUE, GARANT_NO_DUE);
    rows page = {0};
    garant_ticket_filter f = filter(10);
    f.requester_id = fx->alice;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "requester");
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "WHERE t.requester_id = ?15", "INDEX tickets_requester"), 1);
    f = filter(10);
    f.sla = GARANT_SLA_NONE;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "sla=none");
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "WHERE t.first_response_due IS NULL AND", "INDEX tickets_no_guarantee"),
                     1);
    f = filter(10);
    f.sla = GARANT_SLA_WARNING;
    f.now = T0;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "sla=warning");
    rows_free(&page);
    sqlite3 *db = gs_sqlite(fx->w)->db;
    int n = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        const char *sql = sqlite3_sql(st);
        if (!sql || !strstr(sql, "t.first_response_due >= ?8")) continue;
        char eqp[4096];
        snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, eqp, -1, &q, NULL) != SQLITE_OK) fail_msg("%s", sqlite3_errmsg(db));
        int ranged = 0;
        while (sqlite3_step(q) == SQLITE_ROW)
            ranged = ranged || strstr((const char *)sqlite3_column_text(q, 3),
                                      "COVERING INDEX tickets_clock_running (first_response_due>?)") != NULL;
        sqlite3_finalize(q);
        if (!ranged) fail_msg("sla=warning does not walk tickets_clock_running from now: %s", sql);
        n++;
    }
    assert_int_equal(n, 1);
    /* Every tickets' list with a filter walks the narrow index by id and
    ** reads the table only for the tickets it lists. */
    f = filter(10);
    f.sla = GARANT_SLA_BREACHED;
    f.now = T0;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "sla=breached");
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "WHERE ?1 = 0 AND t.id < ?6", "INDEX tickets_search_filter"), 1);
    /* "Mine" walks tickets_assignee, a group tickets_group. */
    f = filter(10);
    f.assignee_id = fx->agent;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "assignee");
    rows_free(&page);
    f = filter(10);
    f.group_id = 7;
    st_check(fx->ops->tickets->list(fx->w, &f, collect, fresh(&page)), "group");
    rows_free(&page);
    assert_int_equal(assert_plans_of(fx->w, "WHERE t.assignee_id = ?11", "INDEX tickets_assignee"), 1);
    assert_int_equal(assert_plans_of(fx->w, "WHERE t.group_id = ?12", "INDEX tickets_group"), 1);
    /* An organization's list checks its filters in tickets_org: the index
    ** holds every column they read (migration 25). */
    static const char *const read[] = {"org_id", "id", "requester_id", "status", "priority", "plan", "product",
                                       "assignee_id", "group_id", "first_response_due", "first_response_at",
                                       "warn_at", "breached_at"};
    for (size_t i = 0; i < sizeof read / sizeof read[0]; i++) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_index_info('tickets_org') WHERE name = ?", -1, &q, NULL) !=
            SQLITE_OK)
            fail_msg("%s", sqlite3_errmsg(db));
        sqlite3_bind_text(q, 1, read[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW) fail_msg("tickets_org lacks %s", read[i]);
        sqlite3_finalize(q);
    }
}

/* The follow-ups: only open tickets with awaiting_since, longest waiting
** first, paged by (since, id), from the partial index. */
static void test_follow_ups(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t id[6];
    for (int i = 0; i < 6; i++) id[i] = add_ticket(fx, fx->acme, fx->alice, 3, T0 + i, T0 + 1000, GARANT_NO_DUE);
    rows page = {0};
    st_check(tk->follow_ups(fx->w, 0, 0, 10, collect, fresh(&page)), "none");
    assert_string_equal(ids_of(&page), "");
    rows_free(&page);
    st_check(tk->set_awaiting(fx->w, id[0], T0 + 50), "0");
    st_check(tk->set_awaiting(fx->w, id[1], T0 + 40), "1");
    st_check(tk->set_awaiting(fx->w, id[2], T0 + 40), "2");
    st_check(tk->set_awaiting(fx->w, id[3], T0 + 10), "3");
    st_check(tk->set_awaiting(fx->w, id[4], T0 + 5), "4");
    st_check(tk->set_status(fx->w, id[4], "pending"), "pending is not the desk's"); /* the index holds open only */
    garant_ticket t;
    st_check(tk->get(fx->w, id[1], &t), "get");
    assert_int_equal(t.awaiting_since, T0 + 40);
    st_check(tk->follow_ups(fx->w, 0, 0, 10, collect, fresh(&page)), "all");
    char want[64];
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld", (long long)id[3], (long long)id[1], (long long)id[2],
             (long long)id[0]);
    assert_string_equal(ids_of(&page), want);
    assert_int_equal(page.v[0].t.awaiting_since, T0 + 10);
    rows_free(&page);
    st_check(tk->follow_ups(fx->w, T0 + 40, id[1], 10, collect, fresh(&page)), "after (40, id1)");
    snprintf(want, sizeof want, "%lld,%lld", (long long)id[2], (long long)id[0]);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);
    st_check(tk->set_awaiting(fx->w, id[3], 0), "answered");
    st_check(tk->get(fx->w, id[3], &t), "get");
    assert_int_equal(t.awaiting_since, 0);
    st_check(tk->follow_ups(fx->w, 0, 0, 1, collect, fresh(&page)), "limit 1");
    snprintf(want, sizeof want, "%lld", (long long)id[1]);
    assert_string_equal(ids_of(&page), want);
    rows_free(&page);
    assert_int_equal(tk->set_awaiting(fx->w, 999999, T0), GARANT_ENOTFOUND);
    assert_int_equal(tk->follow_ups(fx->w, 0, 0, 0, collect, fresh(&page)), GARANT_EINVAL);
    assert_int_equal(assert_plans_of(fx->w, "t.awaiting_since IS NOT NULL", "INDEX tickets_follow_ups"), 1);
}

/* ---- the walk over awaiting tickets ---- */

/* More than two of each_awaiting's batches (1,024 tickets). */
#define WALK_TICKETS 2500

typedef struct walk {
    fixture *fx;
    int seen[WALK_TICKETS + 1];
    int calls;
    int stop_after;
} walk;

/* Ticket i's priority changes: every 3rd has one (to 2, at T0 + i + 5),
** every 9th a second (to 1, at T0 + i + 6). */
static size_t walk_changes(int i)
{
    return i % 9 == 0 ? 2 : i % 3 == 0 ? 1 : 0;
}

/* Moves each ticket's deadline while the walk runs, as a correction does. */
static int walk_fn(void *ctx, const garant_ticket *t, const garant_priority_change *ch, size_t n)
{
    walk *wk = ctx;
    assert_true(t->id > 0 && t->id <= WALK_TICKETS);
    assert_true(t->first_response_at == 0);
    assert_true(strcmp(t->status, "open") == 0 || strcmp(t->status, "pending") == 0);
    int i = (int)t->id;
    if (n != walk_changes(i)) fail_msg("ticket %d came with %zu priority changes, want %zu", i, n, walk_changes(i));
    assert_true((n == 0) == (ch == NULL));
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(ch[k].at_s, T0 + i + 5 + (int64_t)k);
        assert_int_equal(ch[k].priority, 2 - (int)k);
    }
    wk->seen[i]++;
    wk->calls++;
    int64_t due = t->first_response_due == GARANT_NO_DUE ? T0 + 1 : t->first_response_due + 100000;
    st_check(wk->fx->ops->tickets->set_deadline(wk->fx->w, t->id, due, due - 10), "set_deadline in walk");
    if (wk->stop_after && wk->calls == wk->stop_after) return 42;
    return 0;
}

static void test_each_awaiting(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    st_check(fx->ops->begin_write(fx->w), "begin");
    for (int i = 1; i <= WALK_TICKETS; i++) {
        add_ticket(fx, fx->acme, fx->alice, 3, T0 + i, i % 5 ? T0 + 10000 - i : GARANT_NO_DUE, GARANT_NO_DUE);
        if (walk_changes(i) >= 1)
            append(fx, i, T0 + i + 5, "priority_changed", json_pack("{s:i, s:i}", "from", 3, "to", 2));
        if (walk_changes(i) >= 2)
            append(fx, i, T0 + i + 6, "priority_changed", json_pack("{s:i, s:i}", "from", 2, "to", 1));
        if (i % 4 == 0) append(fx, i, T0 + i + 7, "noted", json_pack("{s:i}", "to", 9));
    }
    st_check(fx->ops->commit(fx->w), "commit");
    /* Not awaiting: answered (every 7th), solved or closed (every 11th). */
    int awaiting = 0;
    for (int i = 1; i <= WALK_TICKETS; i++) {
        if (i % 7 == 0) st_check(tk->set_first_response(fx->w, i, T0 + 1), "fr");
        else if (i % 11 == 0) st_check(tk->set_status(fx->w, i, i % 2 ? "solved" : "closed"), "status");
        else {
            if (i % 13 == 0) st_check(tk->set_status(fx->w, i, "pending"), "pending");
            awaiting++;
        }
    }
    walk *wk = calloc(1, sizeof *wk);
    assert_non_null(wk);
    wk->fx = fx;
    st_check(tk->each_awaiting(fx->w, walk_fn, wk), "each_awaiting");
    assert_int_equal(wk->calls, awaiting);
    for (int i = 1; i <= WALK_TICKETS; i++) {
        int want = (i % 7 && i % 11) ? 1 : 0;
        if (wk->seen[i] != want) fail_msg("ticket %d seen %d times, want %d", i, wk->seen[i], want);
    }
    /* A nonzero answer stops the walk and is returned, in the second batch. */
    memset(wk, 0, sizeof *wk);
    wk->fx = fx;
    wk->stop_after = 1300;
    assert_int_equal(tk->each_awaiting(fx->w, walk_fn, wk), 42);
    assert_int_equal(wk->calls, 1300);
    free(wk);
}

/* ---- reports, counts ---- */

typedef struct report_walk {
    int64_t ids[16];
    garant_ticket seen[16];
    int n;
    int stop_at;
} report_walk;

static int report_fn(void *ctx, const garant_ticket *t)
{
    report_walk *rw = ctx;
    assert_true(rw->n < 16);
    rw->seen[rw->n] = *t;
    rw->ids[rw->n++] = t->id;
    return rw->stop_at && rw->n == rw->stop_at ? -99 : 0;
}

/* The period's bounds: from is in, to is out; and the fields a report
** reads, with none mapped to GARANT_NO_DUE and 0. */
static void test_each_for_report_period(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t t1 = add_ticket(fx, fx->acme, fx->alice, 2, T0 - 1, T0 + 100, T0 + 50); /* before */
    int64_t t2 = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 100, T0 + 50);     /* at from */
    int64_t t3 = add_ticket(fx, fx->globex, fx->bob, 4, T0 + 50, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t t4 = add_ticket(fx, fx->acme, fx->alice, 2, T0 + 100, T0 + 200, T0 + 150); /* at to */
    st_check(tk->set_first_response(fx->w, t2, T0 + 90), "fr");
    report_walk rw;
    memset(&rw, 0, sizeof rw);
    st_check(tk->each_for_report(fx->w, T0, T0 + 100, report_fn, &rw), "each_for_report");
    assert_int_equal(rw.n, 2);
    assert_int_equal(rw.ids[0], t2);
    assert_int_equal(rw.ids[1], t3);
    const garant_ticket *a = &rw.seen[0], *b = &rw.seen[1];
    assert_int_equal(a->org_id, fx->acme);
    assert_string_equal(a->plan, "professional");
    assert_int_equal(a->priority, 3);
    assert_int_equal(a->submitted_at, T0);
    assert_int_equal(a->first_response_due, T0 + 100);
    assert_int_equal(a->first_response_at, T0 + 90);
    assert_int_equal(b->org_id, fx->globex);
    assert_true(b->first_response_due == GARANT_NO_DUE);
    assert_int_equal(b->first_response_at, 0);
    memset(&rw, 0, sizeof rw);
    st_check(tk->each_for_report(fx->w, T0 + 1000, T0 + 2000, report_fn, &rw), "empty report");
    assert_int_equal(rw.n, 0);
    (void)t1;
    (void)t4;
}

static void test_each_for_report(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t late = add_ticket(fx, fx->acme, fx->alice, 2, T0 + 50, T0 + 100, T0 + 60);
    int64_t early = add_ticket(fx, fx->globex, fx->bob, 4, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    add_ticket(fx, fx->acme, fx->alice, 2, T0 + 100, T0 + 200, T0 + 150); /* at `to`: out */
    add_ticket(fx, fx->acme, fx->alice, 2, T0 - 1, T0 + 200, T0 + 150);   /* before: out */
    st_check(tk->set_first_response(fx->w, late, T0 + 70), "fr");
    st_check(tk->set_status(fx->w, late, "solved"), "status");
    report_walk rw;
    memset(&rw, 0, sizeof rw);
    st_check(tk->each_for_report(fx->w, T0, T0 + 100, report_fn, &rw), "each_for_report");
    assert_int_equal(rw.n, 2);
    assert_int_equal(rw.ids[0], early); /* by submission, not by id */
    assert_int_equal(rw.ids[1], late);
    assert_int_equal(rw.seen[0].org_id, fx->globex);
    assert_string_equal(rw.seen[0].plan, "enterprise");
    assert_int_equal(rw.seen[0].priority, 4);
    assert_string_equal(rw.seen[0].stage, "ga");
    assert_string_equal(rw.seen[0].status, "open");
    assert_true(rw.seen[0].first_response_due == GARANT_NO_DUE);
    assert_int_equal(rw.seen[0].first_response_at, 0);
    assert_int_equal(rw.seen[1].submitted_at, T0 + 50);
    assert_int_equal(rw.seen[1].first_response_due, T0 + 100);
    assert_int_equal(rw.seen[1].first_response_at, T0 + 70);
    assert_string_equal(rw.seen[1].status, "solved");
    memset(&rw, 0, sizeof rw);
    rw.stop_at = 1;
    assert_int_equal(tk->each_for_report(fx->w, T0, T0 + 100, report_fn, &rw), -99);
    assert_int_equal(rw.n, 1);
}

static void test_counts(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    garant_ticket_counts k;
    memset(&k, 0xff, sizeof k);
    st_check(tk->counts(fx->w, T0, &k), "counts (empty)");
    assert_int_equal(k.open, 0);
    assert_int_equal(k.pending, 0);
    assert_int_equal(k.solved, 0);
    assert_int_equal(k.closed, 0);
    assert_int_equal(k.awaiting, 0);
    assert_int_equal(k.breached, 0);

    int64_t t1 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 100, T0 + 50);   /* open, overdue */
    int64_t t2 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 100, T0 + 50);   /* answered late, solved */
    int64_t t3 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 5000, T0 + 50);  /* pending, in time */
    int64_t t4 = add_ticket(fx, fx->acme, fx->alice, 2, T0, GARANT_NO_DUE, GARANT_NO_DUE); /* open */
    int64_t t5 = add_ticket(fx, fx->acme, fx->alice, 2, T0, T0 + 100, T0 + 50);   /* answered, closed */
    st_check(tk->set_first_response(fx->w, t2, T0 + 101), "fr2");
    st_check(tk->set_status(fx->w, t2, "solved"), "s2");
    st_check(tk->set_status(fx->w, t3, "pending"), "s3");
    st_check(tk->set_first_response(fx->w, t5, T0 + 99), "fr5");
    st_check(tk->set_status(fx->w, t5, "closed"), "s5");
    st_check(tk->counts(fx->w, T0 + 1000, &k), "counts");
    assert_int_equal(k.open, 2);
    assert_int_equal(k.pending, 1);
    assert_int_equal(k.solved, 1);
    assert_int_equal(k.closed, 1);
    assert_int_equal(k.awaiting, 3);
    assert_int_equal(k.breached, 2);
    st_check(tk->counts(fx->w, T0 + 100, &k), "counts at the deadline");
    assert_int_equal(k.breached, 1);
    (void)t1;
    (void)t4;
}

/* Writes in a rolled-back transaction leave nothing behind. */
static void test_rollback(void **state)
{
    fixture *fx = *state;
    st_check(fx->ops->begin_write(fx->w), "begin");
    int64_t id = add_ticket(fx, fx->acme, fx->alice, 3, T0, T0 + 100, T0 + 50);
    append(fx, id, T0, "noted", json_object());
    st_check(fx->ops->rollback(fx->w), "rollback");
    garant_ticket g;
    assert_int_equal(fx->ops->tickets->get(fx->w, id, &g), GARANT_ENOTFOUND);
}

/* SQLite: a search page's work is bounded. The scan stops after 10,000
** tickets the words find (GS_SEARCH_MAX_ROWS), or after 1 MB of text
** checked for a prefix (GS_SEARCH_MAX_BYTES), and the page says where the
** next starts: there, not at its last ticket. */
static void test_search_work_bounded(void **state)
{
    fixture *fx = *state;
    add_alphas(fx);
    garant_ticket_filter f = filter(50);
    snprintf(f.q, sizeof f.q, "alpha");
    snprintf(f.status, sizeof f.status, "pending");
    rows arr = {0};
    int64_t next = 0;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_string_equal(ids_of(&arr), "");
    assert_int_equal(next, 10050 - 9999); /* the 10,000th, newest first */
    rows_free(&arr);
    assert_string_equal(search_pages(fx, f), "|3,2,1");

    /* Text: 40 tickets of 80,000 characters of conversation each (the index
    ** keeps 64 K of it), the oldest of them the one with a word starting
    ** with "ab"; a prefix of 2 characters is checked in every ticket. */
    static char filler[40000 + 1];
    for (int i = 0; i < 5000; i++) memcpy(filler + 8 * i, "fillers ", 8);
    filler[sizeof filler - 1] = '\0';
    int64_t first = 0, last = 0;
    for (int i = 0; i < 40; i++) {
        last = add_text(fx, fx->bob, i ? "Long thread" : "Long abacus thread", "Many replies.");
        if (!i) first = last;
        st_check(fx->ops->tickets->reply_insert(fx->w, last, fx->agent, filler, 1, T0 + 10, NULL), "reply");
        st_check(fx->ops->tickets->reply_insert(fx->w, last, fx->agent, filler, 1, T0 + 20, NULL), "reply");
    }
    f = filter(50);
    snprintf(f.q, sizeof f.q, "ab*");
    f.org_id = fx->globex;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_string_equal(ids_of(&arr), "");
    /* 1 MB is about 16 of them. */
    assert_true(next > first && next <= last - 14);
    rows_free(&arr);
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)first);
    const char *pages = search_pages(fx, f);
    assert_string_equal(last_page(pages), want);
    assert_true(last_page(pages) - pages >= 2); /* two empty pages, at least, before it */
    /* A prefix found in the subject needs no conversation read. */
    snprintf(f.q, sizeof f.q, "lo*");
    f.limit = 40;
    st_check(fx->ops->tickets->list_page(fx->w, &f, collect, fresh(&arr), &next), "list_page");
    assert_int_equal(arr.n, 40);
    rows_free(&arr);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int run_tickets_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        CASE(test_insert_get_round_trip),
        CASE(test_none_mapping),
        CASE(test_insert_refused),
        CASE(test_not_found),
        CASE(test_setters),
        CASE(test_list_fields_and_filters),
        CASE(test_list_pages),
        CASE(test_list_requester_and_sla),
        CASE(test_search),
        CASE(test_search_each_filter),
        CASE(test_list_assigned),
        CASE(test_list_callback_stops),
        CASE(test_search_at_commit),
        CASE(test_search_prefixes),
        CASE(test_search_pages),
        CASE(test_events),
        CASE(test_updated_at),
        CASE(test_priority_changes),
        CASE(test_replies),
        CASE(test_queue_order_and_pages),
        CASE(test_queue_where),
        CASE(test_each_awaiting),
        CASE(test_follow_ups),
        CASE(test_each_for_report_period),
        CASE(test_each_for_report),
        CASE(test_counts),
        CASE(test_rollback),
    };
    char name[64];
    snprintf(name, sizeof name, "store tickets (%s)", ops->name);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

/* The cases that look inside SQLite, on the SQLite backend. */
int run_tickets_sqlite_cases(const char *target)
{
    st_suite_begin(&suite, &garant_store_sqlite_ops, target);
    const struct CMUnitTest tests[] = {
        CASE(test_events_append_only),
        CASE(test_queue_uses_index),
        CASE(test_list_filters_use_indexes),
        CASE(test_search_work_bounded),
        CASE(test_search_pending_at_open),
    };
    return cmocka_run_group_tests_name("store tickets (sqlite only)", tests, NULL, NULL);
}

/* The contract, then the cases of SQLite's own. */
static int run_sqlite(const garant_store_ops *ops, const char *target)
{
    return run_tickets_contract(ops, target) + run_tickets_sqlite_cases(target);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("tickets", run_sqlite, &garant_store_sqlite_ops));
}
