/*
** sqlite_sla.c - the SQLite backend's SLA memory: which warnings and
** breaches were raised (sla_events), the webhook targets, the outbox that
** delivers events to them, and the versions of the policy.
**
** Exactly once: the monitor asks due_events for tickets whose warning or
** deadline has come and that have no sla_events row for their current
** deadline, then, in one write transaction per ticket, record_event (the
** unique key (ticket, kind, due) makes a second recording ECONFLICT),
** outbox_enqueue and append_event. A crash before the commit loses
** nothing (the ticket is still due); a crash after it repeats nothing.
** A moved deadline is a new key, so a ticket whose deadline is recomputed
** is warned again for the new one.
*/
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* Ceilings of the webhook columns: the sizes of the records' fields. */
#define GS_MAX_URL GARANT_MAX_WEBHOOK_URL
#define GS_MAX_SECRET GARANT_MAX_WEBHOOK_SECRET
#define GS_MAX_EVENT GARANT_MAX_WEBHOOK_EVENT
#define GS_MAX_EVENTS_LIST GARANT_MAX_WEBHOOK_EVENTS
/* Kept of a delivery's last error message. */
#define GS_MAX_ERROR GARANT_MAX_DELIVERY_ERROR
/* Largest policy text: a policy is a few kilobytes of YAML. */
#define GS_MAX_POLICY (1024 * 1024)

/* ---- warnings and breaches ---- */

/* Both walk tickets awaiting a first response, in the order of the instant
** they compare with now. Each is a range of a partial index (schema
** migration 3) that holds only tickets whose current deadline has not had
** that event yet: tickets.warned_due / breached_due, set by record_event,
** take a ticket out, so a round costs what is due, not what is waiting
** (with 600,000 tickets past their deadline and raised, a round of both
** queries went from 3 s to well under a millisecond). The terms
** "x_due IS NOT t.first_response_due" must stay as written: they are what
** lets SQLite use those indexes. NOT EXISTS keeps the answer exact even
** where a marker lags (an event recorded for an earlier deadline). */
#define DUE_AWAITING "WHERE t.first_response_at IS NULL AND t.status IN ('open', 'pending')"
#define DUE_SELECT                                                                                   \
    "SELECT t.id, t.first_response_due, t.warn_at, t.subject, o.name, u.email"                     \
    " FROM tickets t JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.requester_id "
static const char SQL_DUE_WARNING[] = DUE_SELECT DUE_AWAITING
    " AND t.warned_due IS NOT t.first_response_due"
    " AND t.first_response_due IS NOT NULL AND t.warn_at <= ?1"
    " AND NOT EXISTS (SELECT 1 FROM sla_events e"
    "   WHERE e.ticket_id = t.id AND e.kind = 'warning' AND e.due = t.first_response_due)"
    " ORDER BY t.warn_at, t.id LIMIT ?2";
static const char SQL_DUE_BREACH[] = DUE_SELECT DUE_AWAITING
    " AND t.breached_due IS NOT t.first_response_due"
    " AND t.first_response_due <= ?1 AND t.breached_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM sla_events e"
    "   WHERE e.ticket_id = t.id AND e.kind = 'breach' AND e.due = t.first_response_due)"
    " ORDER BY t.first_response_due, t.id LIMIT ?2";

static const char *due_sql(const char *kind)
{
    if (kind && strcmp(kind, "warning") == 0) return SQL_DUE_WARNING;
    if (kind && strcmp(kind, "breach") == 0) return SQL_DUE_BREACH;
    return NULL;
}

/* The row at st (DUE_SELECT) into rec, a garant_sla_due. */
static int read_due(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_sla_due *d = rec;
    d->ticket_id = sqlite3_column_int64(st, 0);
    d->first_response_due = sqlite3_column_int64(st, 1);
    d->warn_at = sqlite3_column_type(st, 2) == SQLITE_NULL ? GARANT_NO_DUE : sqlite3_column_int64(st, 2);
    gs_sqlite_text(d->subject, sizeof d->subject, st, 3);
    gs_sqlite_text(d->org_name, sizeof d->org_name, st, 4);
    gs_sqlite_text(d->requester_email, sizeof d->requester_email, st, 5);
    return 0;
}

/* Earliest warning (or deadline) first. Caller owns *out; free with free(). */
static int sla_due_events(garant_store_conn *conn, const char *kind, int64_t now, int limit, garant_sla_due **out,
                          size_t *out_n)
{
    static const char what[] = "sla.due_events";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    const char *sql = due_sql(kind);
    if (!sql) return garant__error(GARANT_EINVAL, "%s: kind must be \"warning\" or \"breach\"", what);
    if (limit < 1 || limit > GARANT_MAX_SLA_DUE)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GARANT_MAX_SLA_DUE, limit);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    return gs_sqlite_rows(c, st, sizeof **out, (size_t)limit, read_due, NULL, (void **)out, out_n, what);
}

/* DO NOTHING on the key alone: any other failure (an unknown ticket) is
** still an error, and "already recorded" is told by the count of rows. */
static const char SQL_RECORD[] = "INSERT INTO sla_events (ticket_id, kind, due, at) VALUES (?1, ?2, ?3, ?4)"
                                 " ON CONFLICT (ticket_id, kind, due) DO NOTHING";
/* The ticket's marker, when due is its current deadline: takes it out of
** the due query's index (see above). Set on a conflict too, so a marker
** that lags heals. */
static const char SQL_MARK_WARNING[] = "UPDATE tickets SET warned_due = ?2 WHERE id = ?1 AND first_response_due = ?2"
                                       " AND warned_due IS NOT ?2";
/* A breach also records when it happened, once: breached_at is a fact. */
static const char SQL_MARK_BREACH[] = "UPDATE tickets SET breached_due = ?2, breached_at = coalesce(breached_at, ?3)"
                                      " WHERE id = ?1 AND first_response_due = ?2"
                                      " AND (breached_due IS NOT ?2 OR breached_at IS NULL)";

static int sla_record_event(garant_store_conn *conn, int64_t ticket_id, const char *kind, int64_t due, int64_t at)
{
    static const char what[] = "sla.record_event";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (!due_sql(kind)) return garant__error(GARANT_EINVAL, "%s: kind must be \"warning\" or \"breach\"", what);
    if (due == GARANT_NO_DUE) return garant__error(GARANT_EINVAL, "%s: a ticket without deadline has no %s", what, kind);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_RECORD, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int64(st, 3, due);
    sqlite3_bind_int64(st, 4, at);
    int rc = gs_sqlite_bind_text(st, 2, kind);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    int recorded = sqlite3_changes(c->db) > 0;
    err = gs_sqlite_prepare(c, strcmp(kind, "warning") == 0 ? SQL_MARK_WARNING : SQL_MARK_BREACH, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int64(st, 2, due);
    if (strcmp(kind, "breach") == 0) sqlite3_bind_int64(st, 3, at);
    err = gs_sqlite_exec_stmt(c, st, what);
    if (err) return err;
    if (!recorded)
        return garant__error(GARANT_ECONFLICT, "%s: %s for ticket %lld due %lld recorded already", what, kind,
                             (long long)ticket_id, (long long)due);
    return 0;
}

/* ---- webhooks ---- */

/* events: "*" or a comma-separated list of event names, without spaces. */
static int valid_events(const char *events)
{
    size_t n = strlen(events);
    if (n == 0 || n > GS_MAX_EVENTS_LIST) return 0;
    if (events[0] == ',' || events[n - 1] == ',' || strstr(events, ",,")) return 0;
    for (const char *p = events; *p; p++)
        if (*p == ' ' || *p == '\t') return 0;
    return 1;
}

static const char SQL_WEBHOOK_INSERT[] = "INSERT INTO webhooks (url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4)";

static int sla_webhook_insert(garant_store_conn *conn, const char *url, const char *secret, const char *events,
                              int64_t at, int64_t *out_id)
{
    static const char what[] = "sla.webhook_insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(url && secret && events);
    if (!*url) return garant__error(GARANT_EINVAL, "%s: empty url", what);
    if (strlen(url) > GS_MAX_URL) return garant__error(GARANT_ELIMIT, "%s: url longer than %d bytes", what, GS_MAX_URL);
    if (strlen(secret) > GS_MAX_SECRET)
        return garant__error(GARANT_ELIMIT, "%s: secret longer than %d bytes", what, GS_MAX_SECRET);
    if (!valid_events(events))
        return garant__error(GARANT_EINVAL, "%s: events must be \"*\" or names separated by commas", what);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_WEBHOOK_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 4, at);
    /* Text is copied (transient), which can fail for want of memory. */
    int rc = gs_sqlite_bind_text(st, 1, url);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, secret);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, events);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    if (out_id) *out_id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static const char SQL_WEBHOOK_LIST[] = "SELECT id, url, events, created_at FROM webhooks ORDER BY id";

/* The row at st (SQL_WEBHOOK_LIST) into rec, a garant_webhook. */
static int read_webhook(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_webhook *h = rec;
    h->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(h->url, sizeof h->url, st, 1);
    gs_sqlite_text(h->events, sizeof h->events, st, 2);
    h->created_at = sqlite3_column_int64(st, 3);
    return 0;
}

/* Secrets are not listed. Caller owns *out; free with free(). */
static int sla_webhook_list(garant_store_conn *conn, garant_webhook **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_WEBHOOK_LIST, &st);
    if (err) return err;
    return gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_webhook, NULL, (void **)out, out_n,
                          "sla.webhook_list");
}

static const char SQL_WEBHOOK_DELETE_OUTBOX[] = "DELETE FROM outbox WHERE webhook_id = ?1";
static const char SQL_WEBHOOK_DELETE[] = "DELETE FROM webhooks WHERE id = ?1";

static int run_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    return gs_sqlite_exec_stmt(c, st, what);
}

/* The webhook's outbox rows go with it, delivered or not: they refer to it
** (a foreign key), and a target that is gone must not be called again. In
** the caller's transaction under a savepoint, or in one of its own. */
static int sla_webhook_delete(garant_store_conn *conn, int64_t id)
{
    static const char what[] = "sla.webhook_delete";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int own = sqlite3_get_autocommit(c->db);
    int err = own ? GS(conn)->begin_write(conn) : GS(conn)->savepoint(conn, "webhook_delete");
    if (err) return err;
    err = run_by_id(c, SQL_WEBHOOK_DELETE_OUTBOX, id, what);
    if (!err) err = run_by_id(c, SQL_WEBHOOK_DELETE, id, what);
    if (!err && sqlite3_changes(c->db) == 0)
        err = garant__error(GARANT_ENOTFOUND, "%s: webhook %lld not found", what, (long long)id);
    if (own) {
        if (err) GS(conn)->rollback(conn);
        else err = GS(conn)->commit(conn);
    } else if (err) {
        GS(conn)->rollback_to(conn, "webhook_delete");
        GS(conn)->release_savepoint(conn, "webhook_delete");
    } else {
        err = GS(conn)->release_savepoint(conn, "webhook_delete");
    }
    return err;
}

/* ---- the outbox ---- */

/* One row per subscribed webhook: its list, fenced with commas, contains
** the event or "*". */
static const char SQL_ENQUEUE[] =
    "INSERT INTO outbox (webhook_id, event, payload, attempts, next_attempt_at)"
    " SELECT w.id, ?1, ?2, 0, ?3 FROM webhooks w"
    " WHERE instr(',' || w.events || ',', ',' || ?1 || ',') > 0 OR instr(',' || w.events || ',', ',*,') > 0"
    " ORDER BY w.id";

static int sla_outbox_enqueue(garant_store_conn *conn, const char *event, const char *payload, int64_t now)
{
    static const char what[] = "sla.outbox_enqueue";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(event && payload);
    size_t n = strlen(event);
    if (n == 0 || n > GS_MAX_EVENT || strchr(event, ',') || strcmp(event, "*") == 0)
        return garant__error(GARANT_EINVAL, "%s: bad event name \"%.63s\"", what, event);
    if (strlen(payload) > GARANT_MAX_BODY)
        return garant__error(GARANT_ELIMIT, "%s: payload longer than %d bytes", what, GARANT_MAX_BODY);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ENQUEUE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 3, now);
    int rc = gs_sqlite_bind_text(st, 1, event);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, payload);
    return rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
}

/* A range of the partial index outbox_due, oldest due first. */
static const char SQL_OUTBOX_DUE[] =
    "SELECT o.id, o.webhook_id, w.url, w.secret, o.event, o.payload, o.attempts, o.next_attempt_at"
    " FROM outbox o JOIN webhooks w ON w.id = o.webhook_id"
    " WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?1"
    " ORDER BY o.next_attempt_at, o.id LIMIT ?2";

/* Fills out[0..*out_n). Caller owns each item's payload; free with free().
** On failure no payload is left allocated and *out_n is 0. */
static int sla_outbox_due(garant_store_conn *conn, int64_t now, garant_outbox_item *out, int limit, int *out_n)
{
    static const char what[] = "sla.outbox_due";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_n = 0;
    if (limit < 1) return garant__error(GARANT_EINVAL, "%s: limit must be positive (got %d)", what, limit);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_OUTBOX_DUE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        garant_outbox_item *it = &out[n];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->webhook_id = sqlite3_column_int64(st, 1);
        gs_sqlite_text(it->url, sizeof it->url, st, 2);
        gs_sqlite_text(it->secret, sizeof it->secret, st, 3);
        gs_sqlite_text(it->event, sizeof it->event, st, 4);
        it->payload = garant__strdup((const char *)sqlite3_column_text(st, 5));
        if (!it->payload) {
            err = GARANT_ENOMEM;
            break;
        }
        it->attempts = sqlite3_column_int(st, 6);
        it->next_attempt_at = sqlite3_column_int64(st, 7);
        n++;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) {
        for (int i = 0; i < n; i++) {
            free(out[i].payload);
            out[i].payload = NULL;
        }
        return err;
    }
    *out_n = n;
    return 0;
}

static const char SQL_DELIVERED[] = "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL"
                                    " WHERE id = ?1 AND delivered_at IS NULL";
static const char SQL_FAILED[] = "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,"
                                 " last_error = substr(?3, 1, ?4) WHERE id = ?1 AND delivered_at IS NULL";

static int outbox_update(gs_sqlite_conn *c, const char *sql, int64_t id, int64_t at, const char *error,
                         const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    int rc = SQLITE_OK;
    if (sql == SQL_FAILED) {
        sqlite3_bind_int(st, 4, GS_MAX_ERROR);
        rc = gs_sqlite_bind_text(st, 3, error ? error : "");
    }
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: outbox item %lld not found or delivered already", what,
                             (long long)id);
    return 0;
}

/* The delivery counts as an attempt. ENOTFOUND if unknown or delivered. */
static int sla_outbox_delivered(garant_store_conn *conn, int64_t id, int64_t at)
{
    return outbox_update(gs_sqlite(conn), SQL_DELIVERED, id, at, NULL, "sla.outbox_delivered");
}

/* Counts the attempt and schedules the next; the caller chooses the
** back-off. error is kept (its first GS_MAX_ERROR characters). */
static int sla_outbox_failed(garant_store_conn *conn, int64_t id, int64_t next_attempt_at, const char *error)
{
    return outbox_update(gs_sqlite(conn), SQL_FAILED, id, next_attempt_at, error, "sla.outbox_failed");
}

/* The latest GARANT_MAX_OUTBOX_LISTED rows, oldest first. */
static const char SQL_OUTBOX_LIST[] =
    "SELECT id, event, url, attempts, delivered_at, last_error FROM ("
    " SELECT o.id AS id, o.event AS event, w.url AS url, o.attempts AS attempts,"
    " o.delivered_at AS delivered_at, o.last_error AS last_error"
    " FROM outbox o JOIN webhooks w ON w.id = o.webhook_id ORDER BY o.id DESC LIMIT ?1) ORDER BY id";

/* The row at st (SQL_OUTBOX_LIST) into rec, a garant_outbox_row. */
static int read_outbox_row(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_outbox_row *o = rec;
    o->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(o->event, sizeof o->event, st, 1);
    gs_sqlite_text(o->url, sizeof o->url, st, 2);
    o->attempts = sqlite3_column_int(st, 3);
    o->delivered_at = sqlite3_column_int64(st, 4);
    o->has_error = sqlite3_column_type(st, 5) != SQLITE_NULL;
    gs_sqlite_text(o->last_error, sizeof o->last_error, st, 5);
    return 0;
}

/* Caller owns *out; free with free(). */
static int sla_outbox_list(garant_store_conn *conn, garant_outbox_row **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_OUTBOX_LIST, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, GARANT_MAX_OUTBOX_LISTED);
    return gs_sqlite_rows(c, st, sizeof **out, GARANT_MAX_OUTBOX_LISTED, read_outbox_row, NULL, (void **)out, out_n,
                          "sla.outbox_list");
}

/* ---- policy versions ---- */

static const char SQL_POLICY_INSERT[] = "INSERT INTO policies (yaml, created_at, created_by) VALUES (?1, ?2, ?3)";

/* by_user 0: installed by the system (the first start, the CLI). */
static int sla_policy_insert(garant_store_conn *conn, const char *yaml, int64_t at, int64_t by_user,
                             int64_t *out_version)
{
    static const char what[] = "sla.policy_insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(yaml);
    if (strlen(yaml) > GS_MAX_POLICY)
        return garant__error(GARANT_ELIMIT, "%s: policy longer than %d bytes", what, GS_MAX_POLICY);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_POLICY_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 2, at);
    if (by_user) sqlite3_bind_int64(st, 3, by_user);
    else sqlite3_bind_null(st, 3);
    int rc = gs_sqlite_bind_text(st, 1, yaml);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (!err && out_version) *out_version = sqlite3_last_insert_rowid(c->db);
    return err;
}

static const char SQL_POLICY_LATEST[] = "SELECT yaml, id, created_by FROM policies ORDER BY id DESC LIMIT 1";
static const char SQL_POLICY_GET[] = "SELECT yaml, id, created_by FROM policies WHERE id = ?1";

/* One version: yaml (caller owns; free()), its number and who saved it
** (0: the configuration). ENOTFOUND when there is none. */
static int policy_row(gs_sqlite_conn *c, sqlite3_stmt *st, garant_policy_version *out, const char *what)
{
    memset(out, 0, sizeof *out);
    int err = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        out->yaml = garant__strdup(s ? s : "");
        out->version = sqlite3_column_int64(st, 1);
        out->by_user = sqlite3_column_int64(st, 2);
        if (!out->yaml) err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "%s: no such policy version", what);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static int sla_policy_latest(garant_store_conn *conn, garant_policy_version *out)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    int err = gs_sqlite_prepare(c, SQL_POLICY_LATEST, &st);
    return err ? err : policy_row(c, st, out, "sla.policy_latest");
}

static int sla_policy_get(garant_store_conn *conn, int64_t version, garant_policy_version *out)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    int err = gs_sqlite_prepare(c, SQL_POLICY_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, version);
    return policy_row(c, st, out, "sla.policy_get");
}

static const char SQL_POLICY_LIST[] =
    "SELECT p.id AS version, p.created_at AS created_at, p.created_by AS created_by, u.email AS created_by_email,"
    " (SELECT count(*) FROM tickets t WHERE t.policy_version = p.id) AS tickets"
    " FROM policies p LEFT JOIN users u ON u.id = p.created_by ORDER BY p.id DESC";

/* The row at st (SQL_POLICY_LIST) into rec, a garant_policy_listed. */
static int read_policy_listed(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_policy_listed *p = rec;
    p->version = sqlite3_column_int64(st, 0);
    p->created_at = sqlite3_column_int64(st, 1);
    p->created_by = sqlite3_column_int64(st, 2);
    gs_sqlite_text(p->created_by_email, sizeof p->created_by_email, st, 3);
    p->tickets = sqlite3_column_int64(st, 4);
    return 0;
}

static int sla_policy_list(garant_store_conn *conn, garant_policy_listed **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    *out = NULL;
    *out_n = 0;
    int err = gs_sqlite_prepare(c, SQL_POLICY_LIST, &st);
    if (err) return err;
    return gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_policy_listed, NULL, (void **)out, out_n,
                          "sla.policy_list");
}

static const char SQL_POLICY_ADOPT[] = "UPDATE tickets SET policy_version = ?1 WHERE policy_version IS NULL";

static int sla_policy_adopt(garant_store_conn *conn, int64_t version)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_POLICY_ADOPT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, version);
    return gs_sqlite_exec_stmt(c, st, "sla.policy_adopt");
}

/* Longest reason a correction keeps (the API's limit is 1,000). */
#define GS_MAX_REASON 4000

static const char SQL_CORRECTION_INSERT[] =
    "INSERT INTO corrections (at, by_user, to_version, reason, examined, moved, earlier, later)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int sla_correction_insert(garant_store_conn *conn, const garant_correction *rec, int64_t *out_id)
{
    static const char what[] = "sla.correction_insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (rec->reason && strlen(rec->reason) > GS_MAX_REASON)
        return garant__error(GARANT_ELIMIT, "%s: reason longer than %d bytes", what, GS_MAX_REASON);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CORRECTION_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, rec->at);
    sqlite3_bind_int64(st, 2, rec->by_user);
    sqlite3_bind_int64(st, 3, rec->to_version);
    int rc = rec->reason ? gs_sqlite_bind_text(st, 4, rec->reason) : sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, rec->examined);
    sqlite3_bind_int64(st, 6, rec->moved);
    sqlite3_bind_int64(st, 7, rec->earlier);
    sqlite3_bind_int64(st, 8, rec->later);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (!err && out_id) *out_id = sqlite3_last_insert_rowid(c->db);
    return err;
}

static const char SQL_CORRECTIONS[] =
    "SELECT k.id, k.at, k.by_user, COALESCE(u.email, ''), k.to_version, k.reason, k.examined, k.moved, k.earlier,"
    " k.later FROM corrections k LEFT JOIN users u ON u.id = k.by_user ORDER BY k.id DESC LIMIT ?1";

static int sla_corrections(garant_store_conn *conn, int limit, garant_correction_fn *fn, void *ctx)
{
    static const char what[] = "sla.corrections";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CORRECTIONS, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        garant_correction k = {
            .id = sqlite3_column_int64(st, 0),
            .at = sqlite3_column_int64(st, 1),
            .by_user = sqlite3_column_int64(st, 2),
            .by_email = (const char *)sqlite3_column_text(st, 3),
            .to_version = sqlite3_column_int64(st, 4),
            .reason = (const char *)sqlite3_column_text(st, 5),
            .examined = sqlite3_column_int64(st, 6),
            .moved = sqlite3_column_int64(st, 7),
            .earlier = sqlite3_column_int64(st, 8),
            .later = sqlite3_column_int64(st, 9),
        };
        if (!k.by_email) k.by_email = "";
        if ((err = fn(ctx, &k))) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

const garant_store_sla_ops gs_sqlite_sla_ops = {
    .due_events = sla_due_events,
    .record_event = sla_record_event,
    .webhook_insert = sla_webhook_insert,
    .webhook_list = sla_webhook_list,
    .webhook_delete = sla_webhook_delete,
    .outbox_enqueue = sla_outbox_enqueue,
    .outbox_due = sla_outbox_due,
    .outbox_delivered = sla_outbox_delivered,
    .outbox_failed = sla_outbox_failed,
    .outbox_list = sla_outbox_list,
    .policy_insert = sla_policy_insert,
    .policy_latest = sla_policy_latest,
    .policy_get = sla_policy_get,
    .policy_list = sla_policy_list,
    .policy_adopt = sla_policy_adopt,
    .correction_insert = sla_correction_insert,
    .corrections = sla_corrections,
};
