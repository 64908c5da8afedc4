/*
** test_store_sla.c - the storage contract of the SLA monitor's memory
** (store_sla.h): which warnings and breaches are due, recording each
** exactly once per deadline, webhook targets, the outbox and its delivery
** bookkeeping, and the policy versions.
**
** The suite is run_sla_contract(ops, target): every backend runs the same
** cases. Each case opens a fresh store at "<target>-<n>" and removes it
** afterwards (wipe_target): the monitor's and the outbox's queries look at
** the whole store, so a case can only know their exact answer on a store
** whose contents it made. The query-plan case looks inside SQLite: it is
** not part of the contract but a group of its own, run_sla_sqlite_cases(),
** which only the SQLite program runs, so that no backend ever counts it
** as a skipped case of a passing suite (cmocka counts a skip as a pass).
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

int run_sla_contract(const garant_store_ops *ops, const char *target);
int run_sla_sqlite_cases(const char *target);

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_sla_ops *sla;
    char target[512];
    int64_t org, customer, agent;
} fixture;

#define T0 1790000000 /* 2026-09-21, a Monday: the instants of the cases */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->sla = suite.ops->sla;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);

    fx->org = st_add_org(fx->w, "Acme", "professional", T0 - 86400);
    fx->customer = st_add_user(fx->w, "alice@acme.example", "Alice", GARANT_ROLE_CUSTOMER, fx->org, T0 - 86400);
    fx->agent = st_add_user(fx->w, "admin@garant.example", "Ada", GARANT_ROLE_ADMIN, 0, T0 - 86400);
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

static int64_t add_ticket(fixture *fx, int64_t submitted, int64_t due, int64_t warn)
{
    garant_ticket t = {0};
    t.org_id = fx->org;
    t.requester_id = fx->customer;
    snprintf(t.subject, sizeof t.subject, "ticket at %lld", (long long)submitted);
    t.priority = t.initial_priority = 2;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = submitted;
    t.first_response_due = due;
    t.warn_at = warn;
    st_check(fx->ops->tickets->insert(fx->w, &t, "body"), "insert");
    return t.id;
}

/* The ids due for kind at now, as "1,2". */
static const char *due_ids(fixture *fx, const char *kind, int64_t now)
{
    garant_sla_due *due;
    size_t n;
    st_check(fx->sla->due_events(fx->w, kind, now, 100, &due, &n), "due_events");
    static char buf[4096];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof buf - len, "%s%lld", i ? "," : "", (long long)due[i].ticket_id);
        assert_true(w > 0 && (size_t)w < sizeof buf - len);
        len += (size_t)w;
    }
    free(due);
    return buf;
}

static const char *fmt_ids(int n, const int64_t *ids)
{
    static char buf[512];
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    return buf;
}

/* ---- warnings and breaches ---- */

static void test_due_events(void **state)
{
    fixture *fx = *state;
    const garant_store_tickets_ops *tk = fx->ops->tickets;
    int64_t t1 = add_ticket(fx, T0, T0 + 200, T0 + 100);
    int64_t t2 = add_ticket(fx, T0, T0 + 180, T0 + 150);
    int64_t none = add_ticket(fx, T0, GARANT_NO_DUE, GARANT_NO_DUE);
    int64_t answered = add_ticket(fx, T0, T0 + 100, T0 + 50);
    int64_t solved = add_ticket(fx, T0, T0 + 100, T0 + 50);
    int64_t pending = add_ticket(fx, T0, T0 + 300, T0 + 120);
    st_check(tk->set_first_response(fx->w, answered, T0 + 10), "answered");
    st_check(tk->set_status(fx->w, solved, "solved"), "solved");
    st_check(tk->set_status(fx->w, pending, "pending"), "pending");
    (void)none;

    assert_string_equal(due_ids(fx, "warning", T0 + 99), "");
    /* warn_at <= now: at the instant itself. */
    assert_string_equal(due_ids(fx, "warning", T0 + 100), fmt_ids(1, &t1));
    /* Earliest warning first; breaches earliest deadline first. */
    int64_t w3[] = {t1, pending, t2};
    assert_string_equal(due_ids(fx, "warning", T0 + 160), fmt_ids(3, w3));
    assert_string_equal(due_ids(fx, "breach", T0 + 179), "");
    int64_t b2[] = {t2, t1};
    assert_string_equal(due_ids(fx, "breach", T0 + 200), fmt_ids(2, b2));

    /* The rows say which ticket, its deadline, and whose it is. */
    garant_sla_due *due;
    size_t n;
    st_check(fx->sla->due_events(fx->w, "breach", T0 + 200, 1, &due, &n), "due_events limit 1");
    assert_int_equal(n, 1);
    assert_int_equal(due[0].ticket_id, t2);
    assert_int_equal(due[0].first_response_due, T0 + 180);
    assert_int_equal(due[0].warn_at, T0 + 150);
    assert_string_equal(due[0].org_name, "Acme");
    assert_string_equal(due[0].requester_email, "alice@acme.example");
    assert_string_equal(due[0].subject, "ticket at 1790000000");
    free(due);

    /* Recorded for the current deadline: no longer due. */
    st_check(fx->sla->record_event(fx->w, t1, "warning", T0 + 200, T0 + 160), "record warning");
    int64_t w2[] = {pending, t2};
    assert_string_equal(due_ids(fx, "warning", T0 + 160), fmt_ids(2, w2));
    /* The breach is a separate kind. */
    assert_string_equal(due_ids(fx, "breach", T0 + 200), fmt_ids(2, b2));
    /* A new deadline is a new key: warned again. */
    st_check(tk->set_deadline(fx->w, t1, T0 + 400, T0 + 300), "set_deadline");
    assert_string_equal(due_ids(fx, "warning", T0 + 299), fmt_ids(2, w2));
    int64_t w3b[] = {pending, t2, t1};
    assert_string_equal(due_ids(fx, "warning", T0 + 300), fmt_ids(3, w3b));
    /* An answer ends it. */
    st_check(tk->set_first_response(fx->w, t2, T0 + 301), "answer t2");
    int64_t w2b[] = {pending, t1};
    assert_string_equal(due_ids(fx, "warning", T0 + 1000), fmt_ids(2, w2b));

    assert_int_equal(fx->sla->due_events(fx->w, "late", T0, 10, &due, &n), GARANT_EINVAL);
    assert_int_equal(fx->sla->due_events(fx->w, "breach", T0, 0, &due, &n), GARANT_EINVAL);
    assert_int_equal(fx->sla->due_events(fx->w, "breach", T0, GARANT_MAX_SLA_DUE + 1, &due, &n), GARANT_EINVAL);
}

static void test_record_event_once(void **state)
{
    fixture *fx = *state;
    int64_t t = add_ticket(fx, T0, T0 + 200, T0 + 100);
    st_check(fx->sla->record_event(fx->w, t, "breach", T0 + 200, T0 + 201), "first");
    assert_int_equal(fx->sla->record_event(fx->w, t, "breach", T0 + 200, T0 + 205), GARANT_ECONFLICT);
    assert_true(strlen(garant_error_last()) > 0);
    /* Another kind, another deadline: other keys. */
    st_check(fx->sla->record_event(fx->w, t, "warning", T0 + 200, T0 + 100), "warning");
    st_check(fx->sla->record_event(fx->w, t, "breach", T0 + 500, T0 + 501), "new deadline");
    assert_int_equal(fx->sla->record_event(fx->w, t, "warning", T0 + 200, T0 + 100), GARANT_ECONFLICT);
    assert_int_equal(fx->sla->record_event(fx->w, 999, "breach", T0, T0), GARANT_ENOTFOUND);
    assert_int_equal(fx->sla->record_event(fx->w, t, "nudge", T0, T0), GARANT_EINVAL);
    assert_int_equal(fx->sla->record_event(fx->w, t, "breach", GARANT_NO_DUE, T0), GARANT_EINVAL);

    /* In the monitor's transaction: a conflict inside one leaves the
    ** transaction usable, and a rolled-back recording is not remembered. */
    st_check(fx->ops->begin_write(fx->w), "begin");
    assert_int_equal(fx->sla->record_event(fx->w, t, "breach", T0 + 200, T0 + 300), GARANT_ECONFLICT);
    st_check(fx->sla->record_event(fx->w, t, "breach", T0 + 900, T0 + 901), "in transaction");
    st_check(fx->ops->rollback(fx->w), "rollback");
    st_check(fx->sla->record_event(fx->w, t, "breach", T0 + 900, T0 + 902), "after rollback");
}

/* Each query walks the partial index of tickets not yet warned of or
** breached for their current deadline (schema migration 3), so a round
** costs what is due, not what waits, and sorts nothing. */
static void check_due_plan(fixture *fx, const char *kind, const char *index)
{
    garant_sla_due *due;
    size_t ndue;
    st_check(fx->sla->due_events(fx->w, kind, T0, 10, &due, &ndue), "due_events");
    free(due);
    char marker[64];
    snprintf(marker, sizeof marker, "e.kind = '%s'", kind);
    sqlite3 *db = gs_sqlite(fx->w)->db;
    int found = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        const char *sql = sqlite3_sql(st);
        if (!sql || !strstr(sql, marker)) continue;
        found++;
        char eqp[4096];
        snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &q, NULL), SQLITE_OK);
        char plan[2048] = "";
        size_t len = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            int n = snprintf(plan + len, sizeof plan - len, "%s | ", (const char *)sqlite3_column_text(q, 3));
            if (n > 0 && (size_t)n < sizeof plan - len) len += (size_t)n;
        }
        sqlite3_finalize(q);
        if (!strstr(plan, index) || strstr(plan, "TEMP B-TREE")) fail_msg("%s query plan: %s", kind, plan);
    }
    assert_int_equal(found, 1);
}

/* SQLite only: the monitor's due queries walk their partial indexes. */
static void test_due_events_plan(void **state)
{
    fixture *fx = *state;
    check_due_plan(fx, "breach", "INDEX tickets_breach_due");
    check_due_plan(fx, "warning", "INDEX tickets_warn_due");
}

/* ---- webhooks and the outbox ---- */

static int64_t add_hook(fixture *fx, const char *url, const char *events)
{
    int64_t id = 0;
    st_check(fx->sla->webhook_insert(fx->w, url, "s3cret", events, T0, &id), "webhook_insert");
    assert_true(id > 0);
    return id;
}

static void test_webhooks(void **state)
{
    fixture *fx = *state;
    garant_webhook *hooks;
    size_t n;
    st_check(fx->sla->webhook_list(fx->w, &hooks, &n), "list (empty)");
    assert_int_equal(n, 0);
    assert_null(hooks);
    int64_t a = add_hook(fx, "https://a.example/hook", "*");
    int64_t b = add_hook(fx, "https://b.example/hook", "sla.breach,sla.warning");
    st_check(fx->sla->webhook_list(fx->w, &hooks, &n), "list");
    assert_int_equal(n, 2);
    assert_int_equal(hooks[0].id, a);
    assert_string_equal(hooks[0].events, "*");
    assert_int_equal(hooks[1].id, b);
    assert_string_equal(hooks[1].url, "https://b.example/hook");
    assert_string_equal(hooks[1].events, "sla.breach,sla.warning");
    assert_int_equal(hooks[1].created_at, T0);
    free(hooks);

    int64_t id;
    assert_int_equal(fx->sla->webhook_insert(fx->w, "https://c.example", "s", "", T0, &id), GARANT_EINVAL);
    assert_int_equal(fx->sla->webhook_insert(fx->w, "https://c.example", "s", "a,,b", T0, &id), GARANT_EINVAL);
    assert_int_equal(fx->sla->webhook_insert(fx->w, "", "s", "*", T0, &id), GARANT_EINVAL);
    char secret[200];
    memset(secret, 'k', sizeof secret - 1);
    secret[sizeof secret - 1] = '\0';
    assert_int_equal(fx->sla->webhook_insert(fx->w, "https://c.example", secret, "*", T0, &id), GARANT_ELIMIT);

    /* Deleting takes its queued items along, inside or outside a transaction. */
    st_check(fx->sla->outbox_enqueue(fx->w, "sla.breach", "{}", T0), "enqueue");
    st_check(fx->sla->webhook_delete(fx->w, a), "delete a");
    assert_int_equal(fx->sla->webhook_delete(fx->w, a), GARANT_ENOTFOUND);
    st_check(fx->ops->begin_write(fx->w), "begin");
    assert_int_equal(fx->sla->webhook_delete(fx->w, 999), GARANT_ENOTFOUND);
    st_check(fx->sla->webhook_delete(fx->w, b), "delete b");
    st_check(fx->ops->commit(fx->w), "commit");
    st_check(fx->sla->webhook_list(fx->w, &hooks, &n), "list after delete");
    assert_int_equal(n, 0);
    garant_outbox_row *rows;
    st_check(fx->sla->outbox_list(fx->w, &rows, &n), "outbox after delete");
    assert_int_equal(n, 0);
    free(rows);
}

/* The webhook ids of the outbox rows for event, in id order, as "1,2". */
static const char *hooks_for(fixture *fx, const char *event)
{
    static char buf[256];
    garant_outbox_item items[16];
    int n = 0;
    st_check(fx->sla->outbox_due(fx->w, INT64_MAX, items, 16, &n), "outbox_due");
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(items[i].event, event) == 0)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", len ? "," : "",
                                    (long long)items[i].webhook_id);
        free(items[i].payload);
    }
    return buf;
}

static void test_outbox_subscriptions(void **state)
{
    fixture *fx = *state;
    int64_t all = add_hook(fx, "https://all.example", "*");
    int64_t breach = add_hook(fx, "https://breach.example", "sla.breach");
    int64_t warn = add_hook(fx, "https://warn.example", "ticket.created,sla.warning");
    int64_t trap = add_hook(fx, "https://trap.example", "sla.breached,xsla.breach,sla");
    int64_t star = add_hook(fx, "https://star.example", "ticket.created,*");
    (void)trap;

    st_check(fx->sla->outbox_enqueue(fx->w, "sla.breach", "{\"ticket\":1}", T0), "enqueue breach");
    int64_t b[] = {all, breach, star};
    assert_string_equal(hooks_for(fx, "sla.breach"), fmt_ids(3, b));
    st_check(fx->sla->outbox_enqueue(fx->w, "sla.warning", "{\"ticket\":2}", T0), "enqueue warning");
    int64_t w[] = {all, warn, star};
    assert_string_equal(hooks_for(fx, "sla.warning"), fmt_ids(3, w));
    /* An event nobody but the catch-alls wants. */
    st_check(fx->sla->outbox_enqueue(fx->w, "ticket.solved", "{}", T0), "enqueue solved");
    int64_t s[] = {all, star};
    assert_string_equal(hooks_for(fx, "ticket.solved"), fmt_ids(2, s));

    assert_int_equal(fx->sla->outbox_enqueue(fx->w, "*", "{}", T0), GARANT_EINVAL);
    assert_int_equal(fx->sla->outbox_enqueue(fx->w, "a,b", "{}", T0), GARANT_EINVAL);
    assert_int_equal(fx->sla->outbox_enqueue(fx->w, "", "{}", T0), GARANT_EINVAL);
}

static void test_outbox_no_webhooks(void **state)
{
    fixture *fx = *state;
    st_check(fx->sla->outbox_enqueue(fx->w, "sla.breach", "{}", T0), "enqueue");
    garant_outbox_item items[4];
    int n = -1;
    st_check(fx->sla->outbox_due(fx->w, INT64_MAX, items, 4, &n), "due");
    assert_int_equal(n, 0);
}

static void test_outbox_delivery(void **state)
{
    fixture *fx = *state;
    int64_t h1 = add_hook(fx, "https://one.example/h", "*");
    st_check(fx->sla->outbox_enqueue(fx->w, "sla.warning", "{\"n\":1}", T0), "enqueue 1");
    int64_t h2 = add_hook(fx, "https://two.example/h", "sla.breach");
    st_check(fx->sla->outbox_enqueue(fx->w, "sla.breach", "{\"n\":2}", T0 + 10), "enqueue 2");

    garant_outbox_item items[8];
    int n = -1;
    st_check(fx->sla->outbox_due(fx->w, T0 - 1, items, 8, &n), "due before");
    assert_int_equal(n, 0);
    st_check(fx->sla->outbox_due(fx->w, T0, items, 8, &n), "due at T0");
    assert_int_equal(n, 1);
    assert_int_equal(items[0].webhook_id, h1);
    assert_string_equal(items[0].url, "https://one.example/h");
    assert_string_equal(items[0].secret, "s3cret");
    assert_string_equal(items[0].event, "sla.warning");
    assert_string_equal(items[0].payload, "{\"n\":1}");
    assert_int_equal(items[0].attempts, 0);
    assert_int_equal(items[0].next_attempt_at, T0);
    int64_t first = items[0].id;
    free(items[0].payload);

    /* Oldest due first; the limit holds. */
    st_check(fx->sla->outbox_due(fx->w, T0 + 10, items, 2, &n), "due at T0+10");
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, first);
    assert_int_equal(items[1].webhook_id, h1);
    assert_string_equal(items[1].event, "sla.breach");
    for (int i = 0; i < n; i++) free(items[i].payload);
    st_check(fx->sla->outbox_due(fx->w, T0 + 10, items, 8, &n), "due at T0+10, all");
    assert_int_equal(n, 3);
    assert_int_equal(items[2].webhook_id, h2);
    int64_t second = items[1].id, third = items[2].id;
    for (int i = 0; i < n; i++) free(items[i].payload);

    /* A failure counts the attempt and schedules the next one. */
    st_check(fx->sla->outbox_failed(fx->w, first, T0 + 100, "HTTP 503"), "failed");
    st_check(fx->sla->outbox_due(fx->w, T0 + 99, items, 8, &n), "due while backing off");
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, second);
    for (int i = 0; i < n; i++) free(items[i].payload);
    st_check(fx->sla->outbox_delivered(fx->w, second, T0 + 20), "delivered");
    st_check(fx->sla->outbox_due(fx->w, T0 + 100, items, 8, &n), "due after back-off");
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, third); /* due at T0+10, before first's T0+100 */
    assert_int_equal(items[1].id, first);
    assert_int_equal(items[1].attempts, 1);
    assert_int_equal(items[1].next_attempt_at, T0 + 100);
    for (int i = 0; i < n; i++) free(items[i].payload);

    /* Delivered once only; unknown items are not found. */
    assert_int_equal(fx->sla->outbox_delivered(fx->w, second, T0 + 30), GARANT_ENOTFOUND);
    assert_int_equal(fx->sla->outbox_failed(fx->w, second, T0 + 30, "late"), GARANT_ENOTFOUND);
    assert_int_equal(fx->sla->outbox_delivered(fx->w, 999, T0), GARANT_ENOTFOUND);
    assert_int_equal(fx->sla->outbox_failed(fx->w, 999, T0, "x"), GARANT_ENOTFOUND);

    /* A long error is kept, cut short. */
    char longerr[5000];
    memset(longerr, 'e', sizeof longerr - 1);
    longerr[sizeof longerr - 1] = '\0';
    st_check(fx->sla->outbox_failed(fx->w, third, T0 + 200, longerr), "failed long");

    garant_outbox_row *rows;
    size_t nrows;
    st_check(fx->sla->outbox_list(fx->w, &rows, &nrows), "outbox_list");
    assert_int_equal(nrows, 3);
    assert_int_equal(rows[0].id, first);
    assert_int_equal(rows[1].id, second);
    assert_int_equal(rows[2].id, third);
    const garant_outbox_row *a = &rows[0], *b = &rows[1], *c = &rows[2];
    assert_string_equal(a->event, "sla.warning");
    assert_string_equal(a->url, "https://one.example/h");
    assert_int_equal(a->attempts, 1);
    assert_int_equal(a->delivered_at, 0);
    assert_true(a->has_error);
    assert_string_equal(a->last_error, "HTTP 503");
    assert_int_equal(b->attempts, 1);
    assert_int_equal(b->delivered_at, T0 + 20);
    assert_false(b->has_error);
    assert_true(c->has_error);
    assert_true(strlen(c->last_error) < sizeof longerr - 1);
    assert_true(strlen(c->last_error) >= 200);
    free(rows);

    st_check(fx->sla->outbox_delivered(fx->w, first, T0 + 100), "delivered after retry");
    st_check(fx->sla->outbox_delivered(fx->w, third, T0 + 200), "delivered third");
    st_check(fx->sla->outbox_due(fx->w, INT64_MAX, items, 8, &n), "nothing left");
    assert_int_equal(n, 0);
    assert_int_equal(fx->sla->outbox_due(fx->w, T0, items, 0, &n), GARANT_EINVAL);
}

/* A recorded breach is a fact (docs/SLA.md): breached_at is set once, and
** a later deadline neither clears it nor brings the ticket back to the
** monitor's breach query. */
static void test_breach_is_a_fact(void **state)
{
    fixture *fx = *state;
    int64_t t = add_ticket(fx, T0, T0 + 100, T0 + 50);
    assert_string_equal(due_ids(fx, "breach", T0 + 150), fmt_ids(1, &t));
    st_check(fx->sla->record_event(fx->w, t, "breach", T0 + 100, T0 + 150), "record breach");
    garant_ticket g;
    st_check(fx->ops->tickets->get(fx->w, t, &g), "get");
    assert_int_equal(g.breached_at, T0 + 150);
    st_check(fx->ops->tickets->set_deadline(fx->w, t, T0 + 1000, T0 + 900), "a later deadline");
    assert_string_equal(due_ids(fx, "breach", T0 + 2000), "");
    st_check(fx->ops->tickets->get(fx->w, t, &g), "get");
    assert_int_equal(g.breached_at, T0 + 150);
    assert_int_equal(g.first_response_due, T0 + 1000);
    /* Another ticket, never breached, is due as ever. */
    int64_t u = add_ticket(fx, T0, T0 + 300, T0 + 200);
    assert_string_equal(due_ids(fx, "breach", T0 + 2000), fmt_ids(1, &u));
}

/* ---- policy versions ---- */

static void test_policy_versions(void **state)
{
    fixture *fx = *state;
    /* Not found: the out record is cleared, whatever it held. */
    char sentinel[] = "x";
    garant_policy_version v = {sentinel, 7, 7};
    assert_int_equal(fx->sla->policy_latest(fx->w, &v), GARANT_ENOTFOUND);
    assert_null(v.yaml);
    assert_int_equal(v.version, 0);
    int64_t v1 = 0, v2 = 0, v3 = 0;
    st_check(fx->sla->policy_insert(fx->w, "version: 1\n", T0, 0, &v1), "insert system");
    st_check(fx->sla->policy_insert(fx->w, "version: 2\n", T0 + 10, fx->agent, &v2), "insert by admin");
    assert_true(v1 > 0 && v2 > v1);
    st_check(fx->sla->policy_latest(fx->w, &v), "latest");
    assert_string_equal(v.yaml, "version: 2\n");
    assert_int_equal(v.version, v2);
    assert_int_equal(v.by_user, fx->agent);
    free(v.yaml);
    /* The latest is the last stored, whatever its instant. */
    st_check(fx->sla->policy_insert(fx->w, "version: 3\n", T0 - 1000, 0, &v3), "insert older instant");
    st_check(fx->sla->policy_latest(fx->w, &v), "latest");
    assert_string_equal(v.yaml, "version: 3\n");
    assert_int_equal(v.version, v3);
    assert_int_equal(v.by_user, 0);
    free(v.yaml);
    /* Every version stays readable. */
    st_check(fx->sla->policy_get(fx->w, v1, &v), "get v1");
    assert_string_equal(v.yaml, "version: 1\n");
    assert_int_equal(v.version, v1);
    free(v.yaml);
    assert_int_equal(fx->sla->policy_get(fx->w, v3 + 1, &v), GARANT_ENOTFOUND);
    assert_null(v.yaml);
    garant_policy_listed *list = NULL;
    size_t n = 0;
    st_check(fx->sla->policy_list(fx->w, &list, &n), "list");
    assert_int_equal(n, 3);
    assert_int_equal(list[0].version, v3);
    assert_int_equal(list[0].created_at, T0 - 1000);
    assert_int_equal(list[1].version, v2);
    assert_int_equal(list[1].created_by, fx->agent);
    assert_string_equal(list[1].created_by_email, "admin@garant.example");
    assert_int_equal(list[2].created_by, 0);
    assert_string_equal(list[2].created_by_email, "");
    assert_int_equal(list[2].tickets, 0);
    free(list);
    assert_int_equal(fx->sla->policy_insert(fx->w, "version: 4\n", T0, 999, NULL), GARANT_ENOTFOUND);
}

/* ---- corrections ---- */

typedef struct seen_corrections {
    int n;
    int64_t ids[4];
    char emails[4][64];
    char reasons[4][64];
    int64_t counts[4][4];
} seen_corrections;

static int note_correction(void *ctx, const garant_correction *k)
{
    seen_corrections *s = ctx;
    assert_true(s->n < 4);
    s->ids[s->n] = k->id;
    snprintf(s->emails[s->n], sizeof s->emails[0], "%s", k->by_email);
    snprintf(s->reasons[s->n], sizeof s->reasons[0], "%s", k->reason ? k->reason : "(none)");
    int64_t c[4] = {k->examined, k->moved, k->earlier, k->later};
    memcpy(s->counts[s->n], c, sizeof c);
    s->n++;
    return s->n == 3 ? 7 : 0;
}

static void test_corrections(void **state)
{
    fixture *fx = *state;
    int64_t v1 = 0, v2 = 0;
    st_check(fx->sla->policy_insert(fx->w, "version: 1\n", T0, 0, &v1), "v1");
    st_check(fx->sla->policy_insert(fx->w, "version: 2\n", T0, 0, &v2), "v2");
    seen_corrections s = {0};
    st_check(fx->sla->corrections(fx->w, 10, note_correction, &s), "none yet");
    assert_int_equal(s.n, 0);
    garant_correction a = {0, T0 + 1, fx->agent, NULL, v2, NULL, 10, 4, 4, 0};
    garant_correction b = {0, T0 + 2, fx->agent, NULL, v1, "the targets were set wrong", 10, 3, 1, 2};
    int64_t ia = 0, ib = 0;
    st_check(fx->sla->correction_insert(fx->w, &a, &ia), "a");
    st_check(fx->sla->correction_insert(fx->w, &b, &ib), "b");
    assert_true(ia > 0 && ib > ia);
    /* Newest first, limited, each field back. */
    st_check(fx->sla->corrections(fx->w, 10, note_correction, &s), "list");
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], ib);
    assert_string_equal(s.emails[0], "admin@garant.example");
    assert_string_equal(s.reasons[0], "the targets were set wrong");
    assert_string_equal(s.reasons[1], "(none)");
    int64_t want_b[4] = {10, 3, 1, 2}, want_a[4] = {10, 4, 4, 0};
    assert_memory_equal(s.counts[0], want_b, sizeof want_b);
    assert_memory_equal(s.counts[1], want_a, sizeof want_a);
    memset(&s, 0, sizeof s);
    st_check(fx->sla->corrections(fx->w, 1, note_correction, &s), "limit");
    assert_int_equal(s.n, 1);
    /* The callback's nonzero answer stops the walk and is returned. */
    st_check(fx->sla->correction_insert(fx->w, &a, NULL), "c");
    memset(&s, 0, sizeof s);
    assert_int_equal(fx->sla->corrections(fx->w, 10, note_correction, &s), 7);
    assert_int_equal(s.n, 3);
    /* Unknown version or admin: refused; a record is history. */
    garant_correction bad = a;
    bad.to_version = v2 + 100;
    assert_int_not_equal(fx->sla->correction_insert(fx->w, &bad, NULL), 0);
    bad = a;
    bad.by_user = 9999;
    assert_int_not_equal(fx->sla->correction_insert(fx->w, &bad, NULL), 0);
}

/* The monitor's unit of work, end to end: due, recorded once, queued for
** the subscribers, recorded in the history; the second pass finds nothing. */
static void test_monitor_round(void **state)
{
    fixture *fx = *state;
    int64_t hook = add_hook(fx, "https://ops.example", "sla.breach");
    int64_t t = add_ticket(fx, T0, T0 + 100, T0 + 50);
    for (int pass = 0; pass < 2; pass++) {
        garant_sla_due *due;
        size_t n;
        st_check(fx->sla->due_events(fx->w, "breach", T0 + 101, 10, &due, &n), "due");
        assert_int_equal(n, pass == 0 ? 1 : 0);
        for (size_t i = 0; i < n; i++) {
            const garant_sla_due *o = &due[i];
            st_check(fx->ops->begin_write(fx->w), "begin");
            int rc = fx->sla->record_event(fx->w, o->ticket_id, "breach", o->first_response_due, T0 + 101);
            st_check(rc, "record");
            st_check(fx->sla->outbox_enqueue(fx->w, "sla.breach", "{\"ticket\":1}", T0 + 101), "enqueue");
            garant_event_in ev = {.ticket_id = o->ticket_id, .at = T0 + 101, .kind = "sla_breach"};
            st_check(fx->ops->tickets->append_event(fx->w, &ev), "append");
            st_check(fx->ops->commit(fx->w), "commit");
        }
        free(due);
    }
    garant_outbox_item items[4];
    int n = 0;
    st_check(fx->sla->outbox_due(fx->w, T0 + 101, items, 4, &n), "outbox");
    assert_int_equal(n, 1);
    assert_int_equal(items[0].webhook_id, hook);
    free(items[0].payload);
    json_t *ev;
    st_check(st_events(fx->w, t, &ev), "events");
    assert_int_equal(json_array_size(ev), 2); /* created (the insert), then the breach once */
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "kind")), "sla_breach");
    json_decref(ev);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int run_sla_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        CASE(test_due_events),
        CASE(test_record_event_once),
        CASE(test_webhooks),
        CASE(test_outbox_subscriptions),
        CASE(test_outbox_no_webhooks),
        CASE(test_outbox_delivery),
        CASE(test_breach_is_a_fact),
        CASE(test_policy_versions),
        CASE(test_corrections),
        CASE(test_monitor_round),
    };
    char name[64];
    snprintf(name, sizeof name, "store sla (%s)", ops->name);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

/* The cases that look inside SQLite, on the SQLite backend. */
int run_sla_sqlite_cases(const char *target)
{
    st_suite_begin(&suite, &garant_store_sqlite_ops, target);
    const struct CMUnitTest tests[] = {
        CASE(test_due_events_plan),
    };
    return cmocka_run_group_tests_name("store sla (sqlite only)", tests, NULL, NULL);
}

/* The contract, then the cases of SQLite's own. */
static int run_sqlite(const garant_store_ops *ops, const char *target)
{
    return run_sla_contract(ops, target) + run_sla_sqlite_cases(target);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("sla", run_sqlite, &garant_store_sqlite_ops));
}
