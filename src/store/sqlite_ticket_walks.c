/*
** sqlite_ticket_walks.c - the SQLite backend's walks over many tickets:
** every ticket still awaiting its first response, with its priority
** changes, for the deadline correction walk (each_awaiting), and the
** tickets and figures that reports and /metrics read.
*/
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "sqlite_tickets.h"
#include "garant/error_wrap.h"

/* Tickets read per batch by each_awaiting; see there. */
#define GS_AWAITING_BATCH 1024

/* By id, on the table itself (NOT INDEXED): the callback may move a
** ticket's deadline, which would move it within tickets_awaiting and let a
** walk of that index meet it twice. */
static const char SQL_AWAITING[] = "SELECT " GS_SQLITE_TICKET_COLS " FROM tickets NOT INDEXED"
                                   " WHERE id > ?1 AND first_response_at IS NULL AND status IN ('open', 'pending')"
                                   " ORDER BY id LIMIT ?2";

/* The priority changes of a batch's id range, in one walk of the partial
** index ticket_events_priority (migration 7) instead of a query per
** ticket. */
static const char SQL_BATCH_PRIORITY_CHANGES[] = "SELECT ticket_id, id, at, data FROM ticket_events"
                                                 " WHERE kind = 'priority_changed' AND ticket_id BETWEEN ?1 AND ?2"
                                                 " ORDER BY ticket_id, at, id";

/* Reads the priority changes of tickets first..last into *v, ordered by
** ticket, and each change's ticket into (*owner)[i]. */
static int batch_priority_changes(gs_sqlite_conn *c, int64_t first, int64_t last, garant_priority_change **v,
                                  int64_t **owner, size_t *len, size_t *cap, size_t *owner_cap, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_BATCH_PRIORITY_CHANGES, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    *len = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (garant__grow((void **)owner, owner_cap, *len + 1, sizeof **owner) != 0) {
            err = GARANT_ENOMEM;
            break;
        }
        (*owner)[*len] = sqlite3_column_int64(st, 0);
        if ((err = gs_sqlite_read_priority_change(st, 1, v, len, cap, what))) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

/* Tickets are read a batch at a time, with their priority changes, and
** the statements reset before fn runs, so fn may write through this same
** connection (set_deadline, append_event) and no read snapshot is held
** across it. Returns fn's nonzero value if it stopped the walk. */
int gs_sqlite_tk_each_awaiting(garant_store_conn *conn, garant_awaiting_fn *fn, void *ctx)
{
    static const char what[] = "tickets.each_awaiting";
    gs_sqlite_conn *c = gs_sqlite(conn);
    garant_ticket *batch = malloc(GS_AWAITING_BATCH * sizeof *batch);
    if (!batch) return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    garant_priority_change *ch = NULL;
    int64_t *owner = NULL;
    size_t nch = 0, cap = 0, owner_cap = 0;
    int64_t after = 0;
    int err = 0;
    for (;;) {
        sqlite3_stmt *st;
        err = gs_sqlite_prepare(c, SQL_AWAITING, &st);
        if (err) break;
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_int(st, 2, GS_AWAITING_BATCH);
        int n = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) gs_sqlite_read_ticket(st, &batch[n++]);
        if (rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
        sqlite3_reset(st);
        if (!err && n > 0)
            err = batch_priority_changes(c, batch[0].id, batch[n - 1].id, &ch, &owner, &nch, &cap, &owner_cap, what);
        if (err) break;
        size_t k = 0;
        for (int i = 0; i < n && !err; i++) {
            while (k < nch && owner[k] < batch[i].id) k++;
            size_t from = k;
            while (k < nch && owner[k] == batch[i].id) k++;
            err = fn(ctx, &batch[i], k > from ? ch + from : NULL, k - from);
        }
        if (err || n < GS_AWAITING_BATCH) break;
        after = batch[n - 1].id;
    }
    free(owner);
    free(ch);
    free(batch);
    return err;
}

/* ---- reports and metrics ---- */

static const char SQL_REPORT_EACH[] =
    "SELECT id, org_id, plan, priority, stage, status, submitted_at, first_response_due, first_response_at,"
    " policy_version, breached_at FROM tickets WHERE submitted_at >= ?1 AND submitted_at < ?2 ORDER BY submitted_at, id";

/* Every ticket of the period, one row at a time into a stack record:
** reports are run by staff over periods they choose, and the caller
** decides what to keep (the report keeps a few integers per ticket). */
int gs_sqlite_tk_each_for_report(garant_store_conn *conn, int64_t from, int64_t to,
                                 int (*fn)(void *ctx, const garant_ticket *t), void *ctx)
{
    static const char what[] = "tickets.each_for_report";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_REPORT_EACH, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    garant_ticket t;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&t, 0, sizeof t);
        t.id = sqlite3_column_int64(st, 0);
        t.org_id = sqlite3_column_int64(st, 1);
        gs_sqlite_text(t.plan, sizeof t.plan, st, 2);
        t.priority = sqlite3_column_int(st, 3);
        gs_sqlite_text(t.stage, sizeof t.stage, st, 4);
        gs_sqlite_text(t.status, sizeof t.status, st, 5);
        t.submitted_at = sqlite3_column_int64(st, 6);
        t.first_response_due = gs_sqlite_col_due(st, 7);
        t.warn_at = GARANT_NO_DUE;
        t.first_response_at = sqlite3_column_int64(st, 8);
        t.policy_version = sqlite3_column_int64(st, 9);
        t.breached_at = sqlite3_column_int64(st, 10);
        err = fn(ctx, &t);
        if (err) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

/* One pass over the table. breached is the list filter's definition: a
** recorded breach, or a deadline and a late answer or none while now (?1)
** is past it. */
static const char SQL_COUNTS[] =
    "SELECT COALESCE(SUM(status = 'open'), 0) AS open,"
    " COALESCE(SUM(status = 'pending'), 0) AS pending,"
    " COALESCE(SUM(status = 'solved'), 0) AS solved,"
    " COALESCE(SUM(status = 'closed'), 0) AS closed,"
    " COALESCE(SUM(first_response_at IS NULL AND status IN ('open', 'pending')), 0) AS awaiting,"
    " COALESCE(SUM(CASE WHEN breached_at IS NOT NULL THEN 1"
    "                   WHEN first_response_due IS NULL THEN 0"
    "                   WHEN first_response_at IS NULL THEN ?1 > first_response_due"
    "                   ELSE first_response_at > first_response_due END), 0) AS breached"
    " FROM tickets";

int gs_sqlite_tk_counts(garant_store_conn *conn, int64_t now, garant_ticket_counts *out)
{
    static const char what[] = "tickets.counts";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_COUNTS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->open = sqlite3_column_int64(st, 0);
        out->pending = sqlite3_column_int64(st, 1);
        out->solved = sqlite3_column_int64(st, 2);
        out->closed = sqlite3_column_int64(st, 3);
        out->awaiting = sqlite3_column_int64(st, 4);
        out->breached = sqlite3_column_int64(st, 5);
    } else {
        err = rc == SQLITE_DONE ? garant__error(GARANT_ESTORE, "%s: no result", what) : gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}
