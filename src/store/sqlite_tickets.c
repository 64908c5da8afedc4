/*
** sqlite_tickets.c - the SQLite backend's tickets: the ticket rows, their
** conversation (replies), their append-only history (ticket_events), the
** agents' queue and the figures reports and /metrics read.
**
** Mapping between records and columns: a deadline or warning instant of
** GARANT_NO_DUE is stored as NULL, a first_response_at of 0 as NULL; JSON
** outputs carry NULL as null and every instant as INTEGER UTC epoch seconds
** (the HTTP layer formats them).
**
** Every statement is static text with bound parameters, so each is prepared
** once per connection (gs_sqlite_prepare). Where a filter is optional the
** SQL says "(? = '' OR col = ?)" instead of growing the text at run time;
** where that would keep SQLite from an index (the organization filter, the
** queue's two halves) there is one statement per shape instead.
*/
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "sqlite_tickets.h"
#include "garant/error_wrap.h"

/* ---- mapping ---- */

static const char *const statuses[] = {"open", "pending", "solved", "closed"};

/* What append_event accepts. 'created' is not among them: insert records
** it, as the ticket's row (created_event). */
static const char *const event_kinds[] = {
    "priority_changed", "replied",     "noted",     "first_response", "status_changed",
    "deadline_recomputed", "sla_warning", "sla_breach", "deadline_corrected", "assigned",
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return 1;
    return 0;
}

int gs_sqlite_valid_status(const char *s) { return in_list(s, statuses, sizeof statuses / sizeof statuses[0]); }

/* GARANT_NO_DUE is NULL in the database. */
static int bind_due(sqlite3_stmt *st, int i, int64_t due)
{
    return due == GARANT_NO_DUE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, due);
}

void gs_sqlite_read_ticket(sqlite3_stmt *st, garant_ticket *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->org_id = sqlite3_column_int64(st, 1);
    t->requester_id = sqlite3_column_int64(st, 2);
    gs_sqlite_text(t->subject, sizeof t->subject, st, 3);
    t->priority = sqlite3_column_int(st, 4);
    t->initial_priority = sqlite3_column_int(st, 5);
    gs_sqlite_text(t->plan, sizeof t->plan, st, 6);
    gs_sqlite_text(t->product, sizeof t->product, st, 7);
    gs_sqlite_text(t->stage, sizeof t->stage, st, 8);
    gs_sqlite_text(t->environment, sizeof t->environment, st, 9);
    gs_sqlite_text(t->impact, sizeof t->impact, st, 10);
    gs_sqlite_text(t->status, sizeof t->status, st, 11);
    t->submitted_at = sqlite3_column_int64(st, 12);
    t->first_response_due = gs_sqlite_col_due(st, 13);
    t->warn_at = gs_sqlite_col_due(st, 14);
    /* A NULL column reads as 0 (SQLite's conversion), the records' "none". */
    t->first_response_at = sqlite3_column_int64(st, 15);
    t->policy_version = sqlite3_column_int64(st, 16);
    t->breached_at = sqlite3_column_int64(st, 17);
    t->awaiting_since = sqlite3_column_int64(st, 18);
    t->follow_up_of = sqlite3_column_int64(st, 19);
    t->assignee_id = sqlite3_column_int64(st, 20);
    t->group_id = sqlite3_column_int64(st, 21);
    t->filed_by = sqlite3_column_int64(st, 22);
}

void gs_sqlite_read_ticket_row(sqlite3_stmt *st, garant_ticket_row *row)
{
    gs_sqlite_read_ticket(st, &row->t);
    row->t.updated_at = sqlite3_column_int64(st, 23);
    gs_sqlite_text(row->org_name, sizeof row->org_name, st, 24);
    gs_sqlite_text(row->requester_name, sizeof row->requester_name, st, 25);
    gs_sqlite_text(row->requester_email, sizeof row->requester_email, st, 26);
    gs_sqlite_text(row->assignee_name, sizeof row->assignee_name, st, 27);
    gs_sqlite_text(row->group_name, sizeof row->group_name, st, 28);
}

/* An UPDATE or DELETE by id that touched nothing: the row is not there. */
static int changed_or_notfound(gs_sqlite_conn *c, const char *what, int64_t id)
{
    if (sqlite3_changes(c->db) > 0) return 0;
    return garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)id);
}

static const char SQL_EXISTS[] = "SELECT 1 FROM tickets WHERE id = ?1";

/* 0 if the ticket exists, GARANT_ENOTFOUND if not. Used when a listing of
** a ticket's rows comes back empty, to tell "none yet" from "no ticket". */
static int ticket_exists(gs_sqlite_conn *c, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_EXISTS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) err = 0;
    else if (rc == SQLITE_DONE) err = garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)id);
    else err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

/* ---- tickets ---- */

/* A missing organization or requester is refused by the foreign keys
** (every connection turns them on), which gs_sqlite_fail reports as
** ENOTFOUND; checking with EXISTS as well looked both up twice on the
** path every filed ticket takes. */
static const char SQL_INSERT[] =
    "INSERT INTO tickets (org_id, requester_id, subject, body, priority, initial_priority, plan,"
    " product, stage, environment, impact, status, submitted_at, first_response_due, warn_at,"
    " first_response_at, initial_due, initial_warn_at, created_in_events, policy_version, follow_up_of,"
    " filed_by_mail, assignee_id, group_id, filed_assignee_id, filed_group_id, filed_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?14, ?15, 0, ?17, ?18,"
    " ?19, ?20, ?21, ?20, ?21, ?22)";

/* An id bound as NULL when 0 (none). */
static void bind_id(sqlite3_stmt *st, int i, int64_t id)
{
    if (id) sqlite3_bind_int64(st, i, id);
    else sqlite3_bind_null(st, i);
}

/* Bind text that outlives the statement's run: tk_insert steps and resets
** its statement before it returns, and gs_sqlite_prepare clears the
** bindings before the next use, so SQLite need not copy it. */
static int bind_borrowed(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* An empty status means "open" and an empty stage "ga", as in the schema;
** both are written back into io with its new id. The row is also the
** ticket's 'created' event (tk_events reads it back): io's deadline and
** warning instant are kept as the initial ones. */
static int tk_insert(garant_store_conn *conn, garant_ticket *io, const char *body)
{
    static const char what[] = "tickets.insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(io && body);
    if (!io->status[0]) memcpy(io->status, "open", 5);
    if (!io->stage[0]) memcpy(io->stage, "ga", 3);
    if (!gs_sqlite_valid_status(io->status))
        return garant__error(GARANT_EINVAL, "%s: unknown status \"%.15s\"", what, io->status);
    if (io->priority < 1 || io->priority > 9 || io->initial_priority < 1 || io->initial_priority > 9)
        return garant__error(GARANT_EINVAL, "%s: priority must be 1 to 9 (got %d, initial %d)", what, io->priority,
                             io->initial_priority);
    if (strlen(io->subject) > GARANT_MAX_SUBJECT)
        return garant__error(GARANT_ELIMIT, "%s: subject longer than %d bytes", what, GARANT_MAX_SUBJECT);
    if (strlen(body) > GARANT_MAX_BODY)
        return garant__error(GARANT_ELIMIT, "%s: body longer than %d bytes", what, GARANT_MAX_BODY);

    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, io->org_id);
    sqlite3_bind_int64(st, 2, io->requester_id);
    sqlite3_bind_int(st, 5, io->priority);
    sqlite3_bind_int(st, 6, io->initial_priority);
    sqlite3_bind_int64(st, 13, io->submitted_at);
    int rc = bind_borrowed(st, 3, io->subject);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 4, body);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 7, io->plan);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 8, io->product);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 9, io->stage);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 10, io->environment);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 11, io->impact);
    if (rc == SQLITE_OK) rc = bind_borrowed(st, 12, io->status);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    bind_due(st, 14, io->first_response_due);
    bind_due(st, 15, io->warn_at);
    if (io->first_response_at) sqlite3_bind_int64(st, 16, io->first_response_at);
    else sqlite3_bind_null(st, 16);
    if (io->policy_version) sqlite3_bind_int64(st, 17, io->policy_version);
    else sqlite3_bind_null(st, 17);
    if (io->follow_up_of) sqlite3_bind_int64(st, 18, io->follow_up_of);
    else sqlite3_bind_null(st, 18);
    sqlite3_bind_int(st, 19, io->filed_by_mail);
    bind_id(st, 20, io->assignee_id);
    bind_id(st, 21, io->group_id);
    bind_id(st, 22, io->filed_by);
    err = gs_sqlite_exec_stmt(c, st, what);
    if (err == GARANT_ENOTFOUND)
        return garant__error(GARANT_ENOTFOUND, "%s: organization %lld or requester %lld not found", what,
                             (long long)io->org_id, (long long)io->requester_id);
    if (err) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    /* In a transaction the commit indexes it for search (migration 24). */
    return sqlite3_get_autocommit(c->db) ? gs_search_flush(c) : 0;
}

/* The record, and after its columns its last update (store_tickets.h). */
static const char SQL_GET[] =
    "SELECT " GS_SQLITE_TICKET_COLS ", " GS_SQLITE_TICKET_UPDATED_AT " FROM tickets t WHERE t.id = ?1";

static int tk_get(garant_store_conn *conn, int64_t id, garant_ticket *out)
{
    static const char what[] = "tickets.get";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        gs_sqlite_read_ticket(st, out);
        out->updated_at = sqlite3_column_int64(st, sqlite3_column_count(st) - 1);
    } else if (rc == SQLITE_DONE)
        err = garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)id);
    else err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_BODY[] = "SELECT body FROM tickets WHERE id = ?1";

/* Caller owns *out; free with free(). */
static int tk_body(garant_store_conn *conn, int64_t id, char **out)
{
    static const char what[] = "tickets.body";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_BODY, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (!(*out = malloc(n + 1))) {
            err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
        } else {
            if (n) memcpy(*out, text, n);
            (*out)[n] = '\0';
        }
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)id);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static const char SQL_EVENT_INSERT[] = "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data)"
                                       " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ?1)";

/* data is stored as compact JSON text; NULL data is stored as {}. */
static int tk_append_event(garant_store_conn *conn, const garant_event_in *ev)
{
    static const char what[] = "tickets.append_event";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(ev && ev->kind);
    if (strcmp(ev->kind, "created") == 0)
        return garant__error(GARANT_EINVAL, "%s: a ticket's 'created' event is recorded by its insert", what);
    if (!in_list(ev->kind, event_kinds, sizeof event_kinds / sizeof event_kinds[0]))
        return garant__error(GARANT_EINVAL, "%s: unknown event kind \"%.40s\"", what, ev->kind);
    if (ev->data && !json_is_object(ev->data))
        return garant__error(GARANT_EINVAL, "%s: event data must be a JSON object", what);
    /* Most events' data fits a small buffer on the stack; the writer
    ** appends one for every ticket filed, and json_dumps would grow a heap
    ** buffer from 16 bytes. */
    char small[1024], *data = small;
    size_t n = ev->data ? json_dumpb(ev->data, small, sizeof small - 1, JSON_COMPACT) : 2;
    if (!ev->data)
        memcpy(small, "{}", 2);
    else if (n == 0)
        return garant__error(GARANT_ENOMEM, "%s: out of memory encoding the event data", what);
    if (n >= sizeof small && !(data = json_dumps(ev->data, JSON_COMPACT)))
        return garant__error(GARANT_ENOMEM, "%s: out of memory encoding the event data", what);
    if (data == small) small[n] = '\0';
    if (strlen(data) > GARANT_MAX_BODY) {
        if (data != small) free(data);
        return garant__error(GARANT_ELIMIT, "%s: event data longer than %d bytes", what, GARANT_MAX_BODY);
    }
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_EVENT_INSERT, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, ev->ticket_id);
        sqlite3_bind_int64(st, 2, ev->at);
        if (ev->actor_id) sqlite3_bind_int64(st, 3, ev->actor_id);
        else sqlite3_bind_null(st, 3);
        int rc = gs_sqlite_bind_text(st, 4, ev->kind);
        if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 5, data);
        err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    }
    if (data != small) free(data);
    if (!err && sqlite3_changes(c->db) == 0)
        err = garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)ev->ticket_id);
    return err;
}

static const char SQL_EVENTS[] =
    "SELECT e.id, e.at, COALESCE(e.actor_id, 0), u.name, e.kind, e.data"
    " FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id"
    " WHERE e.ticket_id = ?1 ORDER BY e.id";

/* The event row at st (columns of SQL_EVENTS) through fn. */
static int event_row(sqlite3_stmt *st, garant_event_row_fn *fn, void *ctx)
{
    garant_event_row ev;
    ev.id = sqlite3_column_int64(st, 0);
    ev.at = sqlite3_column_int64(st, 1);
    ev.actor_id = sqlite3_column_int64(st, 2);
    gs_sqlite_text(ev.actor_name, sizeof ev.actor_name, st, 3);
    gs_sqlite_text(ev.kind, sizeof ev.kind, st, 4);
    ev.data = (const char *)sqlite3_column_text(st, 5);
    if (!ev.data) ev.data = "{}";
    return fn(ctx, &ev);
}

/* The 'created' event of a ticket whose row is its creation (migration 5):
** what create_write recorded as an event before, read from the columns
** that the tickets_creation_is_history trigger keeps as written. */
static const char SQL_CREATED[] =
    "SELECT t.created_in_events, t.submitted_at, t.requester_id, u.name, t.initial_priority, t.plan,"
    " t.product, COALESCE(t.filed_stage, t.stage), t.environment, t.initial_due, t.initial_warn_at,"
    " t.filed_group_id, t.filed_assignee_id, t.filed_by, (SELECT name FROM users WHERE id = t.filed_by)"
    " FROM tickets t LEFT JOIN users u ON u.id = t.requester_id WHERE t.id = ?1";

/* The routing and the agent of a ticket's filing, into its 'created'
** event's data (store_tickets.h, insert): only what was set. */
static int created_extras(json_t *data, sqlite3_stmt *st)
{
    static const char *const keys[] = {"group_id", "assignee_id", "filed_by", "filed_by_name"};
    for (int i = 0; i < 4; i++) {
        if (sqlite3_column_type(st, 11 + i) == SQLITE_NULL) continue;
        if (json_object_set_new(data, keys[i], gs_sqlite_json_col(st, 11 + i)) != 0) return -1;
    }
    return 0;
}

/* An instant of event data: RFC 3339 as the HTTP layer records it, null
** for "no guarantee". New reference, NULL only for want of memory. */
static json_t *data_instant(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return json_null();
    char buf[GARANT_RFC3339_UTC_LEN];
    return json_string(garant_time_format_utc(buf, sqlite3_column_int64(st, i)));
}

/* Give fn the ticket's 'created' event first when its row is its
** creation, with id 0: event ids are ticket_events rows, and this one is
** the ticket's own. Its data is written as desk_file_write wrote it into
** the history before migration 5 (the stored format, not the API's).
** GARANT_ENOTFOUND if there is no such ticket. */
static int created_event(gs_sqlite_conn *c, int64_t ticket_id, garant_event_row_fn *fn, void *ctx, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CREATED, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        err = garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)ticket_id);
    else if (rc != SQLITE_ROW)
        err = gs_sqlite_fail(c, rc, what);
    else if (sqlite3_column_int(st, 0) == 0) {
        const char *product = (const char *)sqlite3_column_text(st, 6);
        /* "o" steals its reference even when packing fails. */
        json_t *data = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "priority", sqlite3_column_int(st, 4),
                                 "plan", gs_sqlite_json_col(st, 5), "product",
                                 product && product[0] ? json_string(product) : json_null(), "stage",
                                 gs_sqlite_json_col(st, 7), "environment", gs_sqlite_json_col(st, 8), "due",
                                 data_instant(st, 9), "warn_at", data_instant(st, 10));
        if (data && created_extras(data, st) != 0) {
            json_decref(data);
            data = NULL;
        }
        char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
        json_decref(data);
        if (!text) {
            err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
        } else {
            garant_event_row ev = {0};
            ev.id = 0;
            ev.at = sqlite3_column_int64(st, 1);
            ev.actor_id = sqlite3_column_int64(st, 2);
            gs_sqlite_text(ev.actor_name, sizeof ev.actor_name, st, 3);
            memcpy(ev.kind, "created", 8);
            ev.data = text;
            err = fn(ctx, &ev);
            free(text);
        }
    }
    sqlite3_reset(st);
    return err;
}

/* ENOTFOUND for an unknown ticket (created_event says). The 'created'
** event's statement is reset before the history's runs, so fn may read. */
static int tk_events(garant_store_conn *conn, int64_t ticket_id, garant_event_row_fn *fn, void *ctx)
{
    static const char what[] = "tickets.events";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int err = created_event(c, ticket_id, fn, ctx, what);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_EVENTS, &st))) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !(err = event_row(st, fn, ctx))) {
    }
    if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_PRIORITY_CHANGES[] = "SELECT id, at, data FROM ticket_events"
                                           " WHERE ticket_id = ?1 AND kind = 'priority_changed' ORDER BY at, id";

/* Appends the change of the row at st (columns id, at, data from column
** `col`) to *v. */
int gs_sqlite_read_priority_change(sqlite3_stmt *st, int col, garant_priority_change **v, size_t *len,
                                   size_t *cap, const char *what)
{
    json_t *data = json_loads((const char *)sqlite3_column_text(st, col + 2), 0, NULL);
    json_t *to = json_object_get(data, "to");
    int prio = json_is_integer(to) ? (int)json_integer_value(to) : 0;
    json_decref(data);
    if (prio < 1 || prio > 9)
        return garant__error(GARANT_ESTORE, "%s: event %lld has no priority 1-9 in \"to\"", what,
                             (long long)sqlite3_column_int64(st, col));
    if (garant__grow((void **)v, cap, *len + 1, sizeof **v) != 0) return GARANT_ENOMEM;
    (*v)[*len].at_s = sqlite3_column_int64(st, col + 1);
    (*v)[*len].priority = prio;
    (*len)++;
    return 0;
}

/* Caller owns *out; free with free(). *out is NULL when *n is 0. */
static int tk_priority_changes(garant_store_conn *conn, int64_t ticket_id, garant_priority_change **out, size_t *n)
{
    static const char what[] = "tickets.priority_changes";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRIORITY_CHANGES, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    garant_priority_change *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !(err = gs_sqlite_read_priority_change(st, 0, &v, &len, &cap, what))) {
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (!err && len == 0) err = ticket_exists(c, ticket_id, what);
    if (err) {
        free(v);
        return err;
    }
    *out = v;
    *n = len;
    return 0;
}

static const char SQL_SET_PRIORITY[] = "UPDATE tickets SET priority = ?2 WHERE id = ?1";

static int tk_set_priority(garant_store_conn *conn, int64_t id, int priority)
{
    static const char what[] = "tickets.set_priority";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (priority < 1 || priority > 9)
        return garant__error(GARANT_EINVAL, "%s: priority must be 1 to 9 (got %d)", what, priority);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_PRIORITY, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, priority);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

/* A ticket whose breach is recorded keeps it (docs/SLA.md): its breach
** marker follows the new deadline, so the monitor raises no second one. */
static const char SQL_SET_DEADLINE[] =
    "UPDATE tickets SET first_response_due = ?2, warn_at = ?3,"
    " breached_due = CASE WHEN breached_at IS NULL THEN breached_due ELSE ?2 END WHERE id = ?1";

/* due and warn_at may be GARANT_NO_DUE (no guarantee). */
static int tk_set_deadline(garant_store_conn *conn, int64_t id, int64_t due, int64_t warn_at)
{
    static const char what[] = "tickets.set_deadline";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_DEADLINE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    bind_due(st, 2, due);
    bind_due(st, 3, warn_at);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

static const char SQL_SET_TERMS[] =
    "UPDATE tickets SET policy_version = ?2, first_response_due = ?3, warn_at = ?4,"
    " breached_due = CASE WHEN breached_at IS NULL THEN breached_due ELSE ?3 END WHERE id = ?1";

/* set_policy_version and set_deadline in one write: a correction moves
** hundreds of thousands of tickets, and each write rewrites the row. */
static int tk_set_terms(garant_store_conn *conn, int64_t id, int64_t version, int64_t due, int64_t warn_at)
{
    static const char what[] = "tickets.set_terms";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_TERMS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    bind_due(st, 3, due);
    bind_due(st, 4, warn_at);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

static const char SQL_SET_POLICY_VERSION[] = "UPDATE tickets SET policy_version = ?2 WHERE id = ?1";

/* A correction moves the ticket onto another policy version (docs/SLA.md). */
static int tk_set_policy_version(garant_store_conn *conn, int64_t id, int64_t version)
{
    static const char what[] = "tickets.set_policy_version";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_POLICY_VERSION, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

static const char SQL_SET_STATUS[] = "UPDATE tickets SET status = ?2 WHERE id = ?1";

static int tk_set_status(garant_store_conn *conn, int64_t id, const char *status)
{
    static const char what[] = "tickets.set_status";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (!status || !gs_sqlite_valid_status(status))
        return garant__error(GARANT_EINVAL, "%s: unknown status \"%.15s\"", what, status ? status : "");
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_STATUS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = gs_sqlite_bind_text(st, 2, status);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    return err ? err : changed_or_notfound(c, what, id);
}

static const char SQL_SET_FIRST_RESPONSE[] =
    "UPDATE tickets SET first_response_at = ?2 WHERE id = ?1 AND first_response_at IS NULL";

/* The first response happens once: a second call leaves the first instant
** and returns GARANT_ECONFLICT, so the caller records no second event. */
static int tk_set_first_response(garant_store_conn *conn, int64_t id, int64_t at)
{
    static const char what[] = "tickets.set_first_response";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (at == 0) return garant__error(GARANT_EINVAL, "%s: 0 means \"no response\"; give an instant", what);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_FIRST_RESPONSE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    err = gs_sqlite_exec_stmt(c, st, what);
    if (err || sqlite3_changes(c->db) > 0) return err;
    err = ticket_exists(c, id, what);
    if (err) return err;
    return garant__error(GARANT_ECONFLICT, "%s: ticket %lld has had its first response already", what,
                         (long long)id);
}

static const char SQL_SET_AWAITING[] = "UPDATE tickets SET awaiting_since = ?2 WHERE id = ?1";

static int tk_set_awaiting(garant_store_conn *conn, int64_t id, int64_t since)
{
    static const char what[] = "tickets.set_awaiting";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_AWAITING, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    if (since) sqlite3_bind_int64(st, 2, since);
    else sqlite3_bind_null(st, 2);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

static const char SQL_SET_ASSIGNMENT[] = "UPDATE tickets SET assignee_id = ?2, group_id = ?3 WHERE id = ?1";

static int tk_set_assignment(garant_store_conn *conn, int64_t id, int64_t assignee_id, int64_t group_id)
{
    static const char what[] = "tickets.set_assignment";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SET_ASSIGNMENT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    bind_id(st, 2, assignee_id);
    bind_id(st, 3, group_id);
    err = gs_sqlite_exec_stmt(c, st, what);
    return err ? err : changed_or_notfound(c, what, id);
}

/* ---- conversation ---- */

static const char SQL_REPLY_INSERT[] = "INSERT INTO replies (ticket_id, author_id, body, public, at)"
                                       " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ?1)";

static int tk_reply_insert(garant_store_conn *conn, int64_t ticket_id, int64_t author_id, const char *body,
                           int public_, int64_t at, int64_t *out_id)
{
    static const char what[] = "tickets.reply_insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(body);
    if (strlen(body) > GARANT_MAX_BODY)
        return garant__error(GARANT_ELIMIT, "%s: reply longer than %d bytes", what, GARANT_MAX_BODY);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_REPLY_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int64(st, 2, author_id);
    sqlite3_bind_int(st, 4, public_ ? 1 : 0);
    sqlite3_bind_int64(st, 5, at);
    int rc = gs_sqlite_bind_text(st, 3, body);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: ticket %lld not found", what, (long long)ticket_id);
    if (out_id) *out_id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static const char SQL_REPLIES[] =
    "SELECT r.id, r.author_id, u.name, u.role, r.body, r.public, r.at"
    " FROM replies r JOIN users u ON u.id = r.author_id WHERE r.ticket_id = ?1 ORDER BY r.id";

static int tk_replies(garant_store_conn *conn, int64_t ticket_id, garant_reply_row_fn *fn, void *ctx)
{
    static const char what[] = "tickets.replies";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_REPLIES, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    garant_reply_row m;
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m.id = sqlite3_column_int64(st, 0);
        m.author_id = sqlite3_column_int64(st, 1);
        gs_sqlite_text(m.author_name, sizeof m.author_name, st, 2);
        gs_sqlite_text(m.author_role, sizeof m.author_role, st, 3);
        m.body = (const char *)sqlite3_column_text(st, 4);
        if (!m.body) m.body = "";
        m.public_ = sqlite3_column_int(st, 5) != 0;
        m.at = sqlite3_column_int64(st, 6);
        n++;
        if ((err = fn(ctx, &m))) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    /* None: a ticket without replies yet, or no ticket. */
    if (!err && n == 0) err = ticket_exists(c, ticket_id, what);
    return err;
}

const garant_store_tickets_ops gs_sqlite_tickets_ops = {
    .insert = tk_insert,
    .get = tk_get,
    .body = tk_body,
    .list = gs_sqlite_tk_list,
    .list_page = gs_sqlite_tk_list_page,
    .append_event = tk_append_event,
    .events = tk_events,
    .priority_changes = tk_priority_changes,
    .set_priority = tk_set_priority,
    .set_deadline = tk_set_deadline,
    .set_policy_version = tk_set_policy_version,
    .set_terms = tk_set_terms,
    .set_awaiting = tk_set_awaiting,
    .set_assignment = tk_set_assignment,
    .follow_ups = gs_sqlite_tk_follow_ups,
    .set_status = tk_set_status,
    .set_first_response = tk_set_first_response,
    .reply_insert = tk_reply_insert,
    .replies = tk_replies,
    .queue_where = gs_sqlite_tk_queue_where,
    .each_awaiting = gs_sqlite_tk_each_awaiting,
    .each_for_report = gs_sqlite_tk_each_for_report,
    .counts = gs_sqlite_tk_counts,
};
