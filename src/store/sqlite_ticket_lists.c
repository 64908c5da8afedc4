/*
** sqlite_ticket_lists.c - the SQLite backend's ticket lists: the filtered
** and paged list, the full-text search (FTS5), the agents' queue (due
** tickets first, by deadline, then those without one) and the follow-ups
** awaiting a reply. Each returns rows as the API lists them
** (GS_SQLITE_TICKET_JSON_COLS). Where a filter would keep SQLite from an
** index there is one statement per shape (see sqlite_tickets.c).
*/
#include <stdint.h>
#include <string.h>

#include "sqlite_internal.h"
#include "sqlite_tickets.h"
#include "garant/error_wrap.h"

/* Page sizes of list and queue: the API's ceiling, checked again here. */
#define GS_PAGE_MAX 200

/* The optional filters of a list. breached (?7) compares with the CASE:
** a ticket is breached when its breach was recorded (a fact, whatever its
** deadline is now), or it has a deadline and either was answered after it
** or is unanswered and now (?8) is past it. sla (?14, a garant_sla_filter)
** is the same walk through the desk's states (desk_ticket_sla_state):
** breached 1, warning 2, met or active 3, no guarantee 4. */
#define LIST_FILTERS                                                                              \
    " AND (?2 = '' OR t.status = ?2) AND (?3 = 0 OR t.priority = ?3)"                             \
    " AND (?4 = '' OR t.plan = ?4) AND (?5 = '' OR t.product = ?5)"                               \
    " AND (?7 = 0 OR (CASE WHEN t.breached_at IS NOT NULL THEN 1"                                 \
    "                      WHEN t.first_response_due IS NULL THEN 0"                              \
    "                      WHEN t.first_response_at IS NULL THEN ?8 > t.first_response_due"      \
    "                      ELSE t.first_response_at > t.first_response_due END) = (?7 = 1))"  \
    " AND (?11 = 0 OR (?11 = -1 AND t.assignee_id IS NULL) OR t.assignee_id = ?11)"            \
    " AND (?12 = 0 OR (?12 = -1 AND t.group_id IS NULL) OR t.group_id = ?12)"                  \
    " AND (?13 = 0 OR t.group_id IN (SELECT group_id FROM agent_group_members WHERE user_id = ?13))" \
    " AND (?14 = 0 OR (CASE WHEN t.breached_at IS NOT NULL THEN 1"                                \
    "                       WHEN t.first_response_due IS NULL THEN 4"                             \
    "                       WHEN t.first_response_at IS NOT NULL THEN"                            \
    "                         (CASE WHEN t.first_response_at > t.first_response_due THEN 1 ELSE 3 END)" \
    "                       WHEN ?8 > t.first_response_due THEN 1"                                \
    "                       WHEN t.warn_at IS NOT NULL AND ?8 >= t.warn_at THEN 2"                \
    "                       ELSE 3 END) = ?14)"                                                   \
    " AND (?15 = 0 OR t.requester_id = ?15)"

/* The shapes without a search, each walking an index newest first: one
** organization's tickets walk tickets_org; one requester's
** tickets_requester; sla=none, of every organization, the tickets without
** a guarantee (tickets_no_guarantee); sla=warning the running clocks due
** from now on (tickets_clock_running: a ticket in its warning is neither
** answered nor breached, has a warning instant at or before now and is
** due at or after now), sorted, as they are few; all tickets walk the
** table backwards from the keyset. The requester's, sla=none's and
** sla=warning's are pinned (INDEXED BY): the planner would rather walk
** the table in the order asked for than sort, which reads it all when few
** tickets match. */
static const char SQL_LIST_ORG[] = GS_SQLITE_TICKET_JSON_SELECT
    "WHERE t.org_id = ?1 AND t.id < ?6" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_REQUESTER[] = GS_SQLITE_TICKET_JSON_COLS
    " FROM tickets t INDEXED BY tickets_requester JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.requester_id"
    " WHERE t.requester_id = ?15 AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_NO_GUARANTEE[] = GS_SQLITE_TICKET_JSON_COLS
    " FROM tickets t INDEXED BY tickets_no_guarantee JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE t.first_response_due IS NULL AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_WARNING[] = GS_SQLITE_TICKET_JSON_COLS
    " FROM tickets t INDEXED BY tickets_clock_running JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE t.first_response_at IS NULL AND t.breached_at IS NULL AND t.first_response_due >= ?8"
    " AND t.warn_at <= ?8"
    " AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_ALL[] = GS_SQLITE_TICKET_JSON_SELECT
    "WHERE ?1 = 0 AND t.id < ?6" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";

/* A search: the full-text index drives, newest first (its rowid is the
** ticket's id), and stops at a page; the filters apply to what it finds. */
static const char SQL_SEARCH[] = GS_SQLITE_TICKET_JSON_COLS
    " FROM ticket_search s CROSS JOIN tickets t ON t.id = s.rowid JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE ticket_search MATCH ?10 AND s.rowid < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY s.rowid DESC LIMIT ?9";

/* The statement for f's shape (see above). */
static const char *list_shape(const garant_ticket_filter *f)
{
    if (f->q[0]) return SQL_SEARCH;
    if (f->requester_id) return SQL_LIST_REQUESTER;
    /* One organization's tickets may be fewer than all those without a
    ** guarantee; the running clocks are few at any time. */
    if (f->sla == GARANT_SLA_NONE && !f->org_id) return SQL_LIST_NO_GUARANTEE;
    if (f->sla == GARANT_SLA_WARNING) return SQL_LIST_WARNING;
    return f->org_id ? SQL_LIST_ORG : SQL_LIST_ALL;
}

/* A search text as an FTS5 query: every word, or "quoted phrase", becomes
** an FTS5 string, so nothing typed is FTS5 syntax; a word ending in * is a
** prefix; all must match. Words without a letter or digit are left out.
** public_only limits the match to what a customer may read. EINVAL for a
** text without a word, or with more than GARANT_MAX_SEARCH_WORDS. */
static int fts_query(const char *q, int public_only, char *out, size_t cap)
{
    static const char what[] = "tickets.list";
    size_t n = 0;
    int words = 0;
#define PUT(ch) do { if (n + 1 >= cap) goto too_long; out[n++] = (ch); } while (0)
    if (public_only)
        for (const char *p = "{subject body public requester} : ("; *p; p++) PUT(*p);
    const char *s = q;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        if (!*s) break;
        const char *start, *end;
        int prefix = 0;
        if (*s == '"') {
            start = ++s;
            while (*s && *s != '"') s++;
            end = s;
            if (*s) s++;
        } else {
            start = s;
            while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '"') s++;
            end = s;
            if (end > start && end[-1] == '*') {
                prefix = 1;
                end--;
            }
        }
        int has_word = 0;
        for (const char *p = start; p < end; p++)
            if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (unsigned char)*p >= 0x80)
                has_word = 1;
        if (!has_word) continue;
        if (++words > GARANT_MAX_SEARCH_WORDS)
            return garant__error(GARANT_EINVAL, "search: at most %d words", GARANT_MAX_SEARCH_WORDS);
        if (words > 1)
            for (const char *p = " AND "; *p; p++) PUT(*p);
        PUT('"');
        for (const char *p = start; p < end; p++) {
            if (*p == '"') PUT('"');
            PUT(*p);
        }
        PUT('"');
        if (prefix) PUT('*');
    }
    if (!words)
        return garant__error(GARANT_EINVAL, "search: '%.60s' has no word to search for", q);
    if (public_only) PUT(')');
    out[n] = '\0';
    return 0;
too_long:
    return garant__error(GARANT_ELIMIT, "%s: search text too long", what);
#undef PUT
}

/* Caller owns *out; free with json_decref. */
int gs_sqlite_tk_list(garant_store_conn *conn, const garant_ticket_filter *f, json_t **out)
{
    static const char what[] = "tickets.list";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    if (f->limit < 1 || f->limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_PAGE_MAX, f->limit);
    if (f->status[0] && !gs_sqlite_valid_status(f->status))
        return garant__error(GARANT_EINVAL, "%s: unknown status \"%.15s\"", what, f->status);
    char match[4 * GARANT_MAX_SEARCH + 64];
    if (f->q[0]) {
        int err = fts_query(f->q, f->public_only, match, sizeof match);
        if (err) return err;
    }
    sqlite3_stmt *st;
    if (f->sla < GARANT_SLA_ANY || f->sla > GARANT_SLA_NONE)
        return garant__error(GARANT_EINVAL, "%s: unknown SLA state %d", what, f->sla);
    int err = gs_sqlite_prepare(c, list_shape(f), &st);
    if (err) return err;
    if (f->q[0] && gs_sqlite_bind_text(st, 10, match) != SQLITE_OK)
        return gs_sqlite_fail(c, SQLITE_NOMEM, what);
    sqlite3_bind_int64(st, 1, f->org_id);
    sqlite3_bind_int(st, 3, f->priority);
    int rc = gs_sqlite_bind_text(st, 2, f->status);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 4, f->plan);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 5, f->product);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    sqlite3_bind_int64(st, 6, f->after_id > 0 ? f->after_id : INT64_MAX);
    sqlite3_bind_int(st, 7, f->breached > 0 ? 1 : f->breached < 0 ? -1 : 0);
    sqlite3_bind_int64(st, 8, f->now);
    sqlite3_bind_int(st, 9, f->limit);
    sqlite3_bind_int64(st, 11, f->assignee_id);
    sqlite3_bind_int64(st, 12, f->group_id);
    sqlite3_bind_int64(st, 13, f->groups_of);
    sqlite3_bind_int(st, 14, f->sla);
    sqlite3_bind_int64(st, 15, f->requester_id);
    return gs_sqlite_rows_json(c, st, out, what);
}

/* ---- the queue ---- */

/* The two halves of the queue, both walking the partial index
** tickets_awaiting (the WHERE repeats its condition so SQLite may use it).
** The index holds NULL deadlines first, but the queue wants them last, so
** the halves are two range scans rather than one ORDER BY over an
** expression: an unfiltered page costs O(limit) however long the queue is.
** The optional filters (?4 priority, ?5 plan, ?6 product, ?7 organization)
** are checked on the rows the walk meets, keeping the walk's order.
** Tickets with a deadline, after the keyset (?1, ?2): */
#define QUEUE_FILTERS                                                                           \
    " AND (?4 = 0 OR t.priority = ?4) AND (?5 = '' OR t.plan = ?5)"                             \
    " AND (?6 = '' OR t.product = ?6) AND (?7 = 0 OR t.org_id = ?7)"
static const char SQL_QUEUE_DUE[] = GS_SQLITE_TICKET_JSON_SELECT
    "WHERE t.first_response_at IS NULL AND t.status IN ('open', 'pending')"
    " AND (t.first_response_due, t.id) > (?1, ?2)" QUEUE_FILTERS
    " ORDER BY t.first_response_due, t.id LIMIT ?3";
/* Then those without, after the id ?2 (?1 is unused): */
static const char SQL_QUEUE_NODUE[] = GS_SQLITE_TICKET_JSON_SELECT
    "WHERE t.first_response_at IS NULL AND t.status IN ('open', 'pending')"
    " AND t.first_response_due IS NULL AND t.id > ?2 AND ?1 IS NULL" QUEUE_FILTERS
    " ORDER BY t.id LIMIT ?3";

/* One half of a queue page, appended to *page (created if NULL). */
static int queue_half(gs_sqlite_conn *c, const char *sql, int64_t after_due, int64_t after_id, int limit,
                      const garant_queue_filter *f, json_t **page, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    if (sql == SQL_QUEUE_DUE) sqlite3_bind_int64(st, 1, after_due);
    else sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, f->priority);
    sqlite3_bind_int64(st, 7, f->org_id);
    int rc = gs_sqlite_bind_text(st, 5, f->plan);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 6, f->product);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    json_t *rows = NULL;
    err = gs_sqlite_rows_json(c, st, &rows, what);
    if (err) return err;
    if (!*page) {
        *page = rows;
        return 0;
    }
    err = json_array_extend(*page, rows) ? garant__error(GARANT_ENOMEM, "%s: out of memory", what) : 0;
    json_decref(rows);
    return err;
}

/* Caller owns *out; free with json_decref. */
int gs_sqlite_tk_queue_where(garant_store_conn *conn, const garant_queue_filter *f, json_t **out)
{
    static const char what[] = "tickets.queue";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    if (f->limit < 1 || f->limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_PAGE_MAX, f->limit);
    json_t *page = NULL;
    int err = 0;
    int in_nodue = f->after_id > 0 && f->after_due == GARANT_NO_DUE;
    if (!in_nodue) {
        /* From the top: (INT64_MIN, 0) precedes every stored deadline, as
        ** INT64_MIN itself is stored as NULL. */
        err = queue_half(c, SQL_QUEUE_DUE, f->after_id > 0 ? f->after_due : INT64_MIN,
                         f->after_id > 0 ? f->after_id : 0, f->limit, f, &page, what);
    }
    size_t got = json_array_size(page);
    if (!err && got < (size_t)f->limit)
        err = queue_half(c, SQL_QUEUE_NODUE, 0, in_nodue ? f->after_id : 0, f->limit - (int)got, f, &page, what);
    if (err) {
        json_decref(page);
        return err;
    }
    *out = page;
    return 0;
}

/* The keyset is the last ticket of the previous page: its deadline (or
** GARANT_NO_DUE) and id; after_id 0 starts from the top. Caller owns *out;
** free with json_decref. */
int gs_sqlite_tk_queue(garant_store_conn *conn, int64_t after_due, int64_t after_id, int limit, json_t **out)
{
    garant_queue_filter f;
    memset(&f, 0, sizeof f);
    f.after_due = after_due;
    f.after_id = after_id;
    f.limit = limit;
    return gs_sqlite_tk_queue_where(conn, &f, out);
}

/* The follow-ups, longest waiting first: a walk of the partial index
** tickets_follow_ups (migration 8; the WHERE repeats its condition). */
static const char SQL_FOLLOW_UPS[] = GS_SQLITE_TICKET_JSON_SELECT
    "WHERE t.awaiting_since IS NOT NULL AND t.status = 'open'"
    " AND (t.awaiting_since, t.id) > (?1, ?2) ORDER BY t.awaiting_since, t.id LIMIT ?3";

int gs_sqlite_tk_follow_ups(garant_store_conn *conn, int64_t after_since, int64_t after_id, int limit, json_t **out)
{
    static const char what[] = "tickets.follow_ups";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    if (limit < 1 || limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d", what, GS_PAGE_MAX);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_FOLLOW_UPS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, after_id > 0 ? after_since : INT64_MIN);
    sqlite3_bind_int64(st, 2, after_id > 0 ? after_id : 0);
    sqlite3_bind_int(st, 3, limit);
    return gs_sqlite_rows_json(c, st, out, what);
}
