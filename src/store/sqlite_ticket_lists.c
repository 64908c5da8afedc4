/*
** sqlite_ticket_lists.c - the SQLite backend's ticket lists: the filtered
** and paged list, the full-text search (FTS5), the agents' queue (due
** tickets first, by deadline, then those without one) and the follow-ups
** awaiting a reply. Each gives its rows one at a time to the caller's
** callback (garant_ticket_row, columns GS_SQLITE_TICKET_ROW_COLS), read
** straight from the statement. Where a filter would keep SQLite from an
** index there is one statement per shape (see sqlite_tickets.c).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "sqlite_search.h"
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
** a guarantee (tickets_no_guarantee); all tickets walk the table
** backwards from the keyset, or with a filter the narrow index
** tickets_search_filter. sla=warning takes the ids of the running clocks
** due from now on (tickets_clock_running: a ticket in its warning is
** neither answered nor breached, has a warning instant at or before now
** and is due at or after now) and sorts them, as they are few, then reads
** a page's rows (page_by_ids). The shapes but the organization's are
** pinned (INDEXED BY): the planner would rather walk the table in the
** order asked for than sort, which reads it all when few tickets match. */
static const char SQL_LIST_ORG[] = GS_SQLITE_TICKET_ROW_COLS GS_SQLITE_TICKET_ROW_FROM
    "WHERE t.org_id = ?1 AND t.id < ?6" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_REQUESTER[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM tickets t INDEXED BY tickets_requester JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.requester_id"
    " WHERE t.requester_id = ?15 AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_NO_GUARANTEE[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM tickets t INDEXED BY tickets_no_guarantee JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE t.first_response_due IS NULL AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
/* One agent's tickets ("mine") walk tickets_assignee, one group's
** tickets_group: both few of all, whose walk of every ticket would read
** the whole table to fill a page. */
static const char SQL_LIST_ASSIGNEE[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM tickets t INDEXED BY tickets_assignee JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE t.assignee_id = ?11 AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_GROUP[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM tickets t INDEXED BY tickets_group JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE t.group_id = ?12 AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
/* "My groups" (groups_of, ?13): a page of each of the agent's groups'
** ids, merged newest first in C (groups_of_ids); then a page's rows by
** SQL_SEARCH_ROWS. */
static const char SQL_GROUPS_OF[] = "SELECT group_id FROM agent_group_members WHERE user_id = ?1 ORDER BY group_id";
static const char SQL_LIST_GROUP_IDS[] = "SELECT t.id FROM tickets t INDEXED BY tickets_group"
    " WHERE t.group_id = ?12 AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " ORDER BY t.id DESC LIMIT ?9";
/* sla=warning's ids, from the index alone (it covers the filters,
** migration 25), sorted; then a page's rows by SQL_SEARCH_ROWS. */
static const char SQL_LIST_WARNING_IDS[] = "SELECT t.id FROM tickets t INDEXED BY tickets_clock_running"
    " WHERE t.first_response_at IS NULL AND t.breached_at IS NULL AND t.warn_at IS NOT NULL"
    " AND t.first_response_due >= ?8 AND t.warn_at <= ?8"
    " AND t.id < ?6 AND (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";
static const char SQL_LIST_ALL[] = GS_SQLITE_TICKET_ROW_COLS GS_SQLITE_TICKET_ROW_FROM
    "WHERE ?1 = 0 AND t.id < ?6" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";
/* All tickets with a filter walk the narrow index by id, which holds
** every column the filters read (as tickets_org does for one
** organization), and read a ticket's row only if it is listed; the
** table's rows hold the text besides, ten times the pages. */
static const char SQL_LIST_ALL_FILTERED[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM tickets t INDEXED BY tickets_search_filter JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id"
    " WHERE ?1 = 0 AND t.id < ?6" LIST_FILTERS " ORDER BY t.id DESC LIMIT ?9";

/* A search (sqlite_search.c) in two statements. The scan walks the
** full-text index newest first (its rowid is the ticket's id) and says of
** each ticket it meets whether it is one to list: the filters, if any,
** read from the narrow index tickets_search_filter (migration 23), then
** the items the FTS5 query only approximates (?20, checked by
** gs_search_has in the columns of the mask ?21; ?22 counts the text it
** reads). The caller steps it and stops at a page or at its bound of work.
** Without a filter the scan reads no index of the tickets table: a rare
** word's tickets are far apart, and each would cost a page of the narrow
** index besides its own row, read from disk when the cache is cold. The
** organization and the requester, if any, are in the FTS5 query
** (sqlite_search.c). */
static const char SQL_SEARCH_SCAN[] =
    "SELECT s.rowid, CASE WHEN ?20 = '' THEN 1 ELSE gs_search_has(ticket_search, ?20, ?21, ?22) END"
    " FROM ticket_search s WHERE ticket_search MATCH ?10 AND s.rowid < ?6 ORDER BY s.rowid DESC";
static const char SQL_SEARCH_SCAN_FILTERED[] =
    "SELECT s.rowid, CASE WHEN (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " THEN (CASE WHEN ?20 = '' THEN 1 ELSE gs_search_has(ticket_search, ?20, ?21, ?22) END) ELSE 0 END"
    " FROM ticket_search s CROSS JOIN tickets t INDEXED BY tickets_search_filter ON t.id = s.rowid"
    " WHERE ticket_search MATCH ?10 AND s.rowid < ?6 ORDER BY s.rowid DESC";
/* With a selective filter's tickets in a set (?23, a gs_id_set): the walk
** skips the words' matches outside it before it looks them up. */
static const char SQL_SEARCH_SCAN_SET[] =
    "SELECT s.rowid, CASE WHEN (?1 = 0 OR t.org_id = ?1)" LIST_FILTERS
    " THEN (CASE WHEN ?20 = '' THEN 1 ELSE gs_search_has(ticket_search, ?20, ?21, ?22) END) ELSE 0 END"
    " FROM ticket_search s CROSS JOIN tickets t INDEXED BY tickets_search_filter ON t.id = s.rowid"
    " WHERE ticket_search MATCH ?10 AND s.rowid < ?6 AND gs_search_in(?23, s.rowid) ORDER BY s.rowid DESC";
/* The sets' tickets, below the keyset (?2), at most ?3 of them, each from
** an index of its own: an agent's, a group's (sorted by id), the tickets
** in their warning at ?1 (not sorted). */
static const char SQL_SET_ASSIGNEE[] =
    "SELECT id FROM tickets INDEXED BY tickets_assignee WHERE assignee_id = ?1 AND id < ?2 ORDER BY id LIMIT ?3";
static const char SQL_SET_GROUP[] =
    "SELECT id FROM tickets INDEXED BY tickets_group WHERE group_id = ?1 AND id < ?2 ORDER BY id LIMIT ?3";
static const char SQL_SET_WARNING[] = "SELECT id FROM tickets INDEXED BY tickets_clock_running"
    " WHERE first_response_at IS NULL AND breached_at IS NULL AND warn_at IS NOT NULL"
    " AND first_response_due >= ?1 AND warn_at <= ?1 AND id < ?2 LIMIT ?3";
/* Then the rows of the tickets found, by id (?1, a JSON array), each of
** the organization ?2 and the requester ?3 if not 0: the visibility rule
** is the table's. */
static const char SQL_SEARCH_ROWS[] = GS_SQLITE_TICKET_ROW_COLS
    " FROM json_each(?1) k CROSS JOIN tickets t ON t.id = k.value JOIN orgs o ON o.id = t.org_id"
    " JOIN users u ON u.id = t.requester_id WHERE (?2 = 0 OR t.org_id = ?2) AND (?3 = 0 OR t.requester_id = ?3)"
    " ORDER BY t.id DESC";

/* The bound of a search page's work: the tickets the scan looks at, and
** the text gs_search_has tokenizes, in bytes. A page that reaches either
** answers what it found, and the next page starts where it stopped.
** Each is some 10 ms of one core at a million tickets (docs/performance.md,
** "Search"). */
#define GS_SEARCH_MAX_ROWS 10000
#define GS_SEARCH_MAX_BYTES (1024 * 1024)
/* A filter's set holds at most GS_SET_MAX tickets; one that keeps more
** keeps enough of the words' matches for the walk to look each up. The
** walk with a set meets at most GS_SET_WALK matches (FTS5 gives 15
** million a second, newest first, on this machine's cores). */
#define GS_SET_MAX 20000
#define GS_SET_WALK 100000
/* The groups an agent is a member of that groups_of_ids merges and
** filter_set reads; one with more lists the way every filter does
** (list_shape), and searches without a set. */
#define GS_GROUPS_MERGED 32

/* Whether f filters by more than its search text, organization and
** requester (which the FTS5 query holds), and the instant, keyset and
** page size, which are no filters. Field by field: a field added to
** garant_ticket_filter is to be added here too (a test in
** test_store_tickets.c sets each filter and checks the search obeys it). */
static int has_filters(const garant_ticket_filter *f)
{
    return f->status[0] || f->priority || f->breached || f->plan[0] || f->product[0] || f->assignee_id ||
           f->group_id || f->groups_of || f->sla;
}

/* The statement for f's shape without a search (see above). */
static const char *list_shape(const garant_ticket_filter *f)
{
    if (f->requester_id) return SQL_LIST_REQUESTER;
    if (f->assignee_id > 0) return SQL_LIST_ASSIGNEE;
    if (f->group_id > 0) return SQL_LIST_GROUP;
    /* One organization's tickets may be fewer than all those without a
    ** guarantee; the running clocks are few at any time. */
    if (f->sla == GARANT_SLA_NONE && !f->org_id) return SQL_LIST_NO_GUARANTEE;
    if (f->org_id) return SQL_LIST_ORG;
    return has_filters(f) ? SQL_LIST_ALL_FILTERED : SQL_LIST_ALL;
}

/* The list's parameters common to every shape: the organization (?1) and
** the filters of LIST_FILTERS, the keyset (?6) and the page's size (?9). */
static int bind_list(gs_sqlite_conn *c, sqlite3_stmt *st, const garant_ticket_filter *f, const char *what)
{
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
    return 0;
}

/* Give each row of the bound statement st to fn; *out_n rows were given
** and *out_last is the last one's id (0 if none). Resets st. */
static int each_row(gs_sqlite_conn *c, sqlite3_stmt *st, garant_ticket_row_fn *fn, void *ctx, int *out_n,
                    int64_t *out_last, const char *what)
{
    garant_ticket_row row;
    int rc, err = 0, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gs_sqlite_read_ticket_row(st, &row);
        n++;
        if (out_last) *out_last = row.t.id;
        if ((err = fn(ctx, &row))) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (out_n) *out_n = n;
    return err;
}

/* A page's ids, picked before its rows are read: into ids as a JSON
** array text of at most f->limit ids, *out_next the keyset of the next
** page (0 if none). Each picker's arg is its own. */
typedef int ids_pick_fn(gs_sqlite_conn *c, const garant_ticket_filter *f, const void *arg, char *ids, size_t cap,
                        int64_t *out_next, const char *what);

/* The bound of an ids text: f->limit ids of at most 20 characters with
** their commas. */
#define GS_IDS_CAP (GS_PAGE_MAX * 21 + 4)

/* Appends id to the array text ids (len bytes so far, n ids). */
static int put_id(char *ids, size_t cap, size_t *len, int n, int64_t id, const char *what)
{
    if (*len + 24 > cap) return garant__error(GARANT_ELIMIT, "%s: too many tickets for a page", what);
    *len += (size_t)snprintf(ids + *len, cap - *len, "%s%lld", n ? "," : "", (long long)id);
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int groups_of(gs_sqlite_conn *c, int64_t user_id, int64_t *groups, int *out_many, const char *what);

/* Appends to set the ids sql (a SQL_SET_* bound with key, the keyset and
** room for one more) gives; *out_full if they would pass GS_SET_MAX. */
static int set_add(gs_sqlite_conn *c, gs_id_set *set, const char *sql, int64_t key, int64_t below, int *out_full,
                   const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, key);
    sqlite3_bind_int64(st, 2, below);
    sqlite3_bind_int64(st, 3, (int64_t)(GS_SET_MAX - set->n) + 1);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (set->n == GS_SET_MAX) {
            *out_full = 1;
            rc = SQLITE_DONE;
            break;
        }
        set->ids[set->n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
}

/* The set of the most selective of f's filters that has an index of its
** own (an agent's, a group's, the agent's groups', the warning's), sorted,
** into *set; set->ids NULL if f has none or it keeps more than GS_SET_MAX
** tickets. Free set->ids with sqlite3_free. */
static int filter_set(gs_sqlite_conn *c, const garant_ticket_filter *f, gs_id_set *set, const char *what)
{
    memset(set, 0, sizeof *set);
    set->walk_max = GS_SET_WALK;
    int64_t below = f->after_id > 0 ? f->after_id : INT64_MAX, groups[GS_GROUPS_MERGED + 1] = {0};
    int err = 0, full = 0, many = 0;
    if (f->assignee_id <= 0 && f->group_id <= 0 && f->sla != GARANT_SLA_WARNING &&
        !(f->groups_of && !f->group_id))
        return 0;
    if (!(set->ids = sqlite3_malloc64(sizeof *set->ids * GS_SET_MAX)))
        return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    if (f->assignee_id > 0) {
        err = set_add(c, set, SQL_SET_ASSIGNEE, f->assignee_id, below, &full, what);
    } else if (f->group_id > 0) {
        err = set_add(c, set, SQL_SET_GROUP, f->group_id, below, &full, what);
    } else if (f->sla == GARANT_SLA_WARNING) {
        err = set_add(c, set, SQL_SET_WARNING, f->now, below, &full, what);
    } else if (!(err = groups_of(c, f->groups_of, groups, &many, what)) && !many) {
        for (int g = 0; !err && !full && groups[g]; g++)
            err = set_add(c, set, SQL_SET_GROUP, groups[g], below, &full, what);
    }
    if (err || full || many) {
        sqlite3_free(set->ids);
        set->ids = NULL;
        set->n = 0;
        return err;
    }
    qsort(set->ids, set->n, sizeof *set->ids, cmp_id);
    return 0;
}

/* A search's ids (arg: its gs_search_plan): step the scan, stopping at a
** page or at the bound of its work. With a filter's set (filter_set), the
** scan starts below its newest ticket and skips the others unread. */
static int search_ids(gs_sqlite_conn *c, const garant_ticket_filter *f, const void *arg, char *ids, size_t cap,
                      int64_t *out_next, const char *what)
{
    const gs_search_plan *plan = arg;
    gs_id_set set = {0};
    int err = has_filters(f) ? filter_set(c, f, &set, what) : 0;
    if (err) return err;
    if (set.ids && !set.n) { /* the filter keeps no ticket */
        sqlite3_free(set.ids);
        *out_next = 0;
        snprintf(ids, cap, "[]");
        return 0;
    }
    sqlite3_stmt *st;
    const char *sql = set.ids ? SQL_SEARCH_SCAN_SET : has_filters(f) ? SQL_SEARCH_SCAN_FILTERED : SQL_SEARCH_SCAN;
    if (!(err = gs_sqlite_prepare(c, sql, &st))) err = bind_list(c, st, f, what);
    gs_search_work work = {0};
    int rc = SQLITE_OK;
    if (!err) rc = gs_sqlite_bind_text(st, 10, plan->match);
    if (!err && rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 20, plan->check);
    if (!err && rc == SQLITE_OK) rc = sqlite3_bind_int(st, 21, plan->colmask);
    if (!err && rc == SQLITE_OK) rc = sqlite3_bind_pointer(st, 22, &work, "gs_search_work", NULL);
    if (!err && rc == SQLITE_OK && set.ids) {
        rc = sqlite3_bind_pointer(st, 23, &set, "gs_id_set", NULL);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 6, set.ids[set.n - 1] + 1); /* below the keyset too */
    }
    if (!err && rc != SQLITE_OK) err = gs_sqlite_fail(c, rc, what);
    if (err) {
        sqlite3_free(set.ids);
        return err;
    }
    size_t len = (size_t)snprintf(ids, cap, "[");
    int n = 0, seen = 0;
    int64_t last = 0;
    *out_next = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        last = sqlite3_column_int64(st, 0);
        seen++;
        if (sqlite3_column_int(st, 1)) {
            if ((err = put_id(ids, cap, &len, n, last, what))) break;
            if (++n == f->limit) {
                *out_next = last;
                break;
            }
        }
        if (seen >= GS_SEARCH_MAX_ROWS || work.bytes >= GS_SEARCH_MAX_BYTES || set.stopped) {
            *out_next = last;
            break;
        }
    }
    if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    sqlite3_free(set.ids);
    if (err) return err;
    snprintf(ids + len, cap - len, "]");
    return 0;
}

/* The ids of the bound statement st (its first column) into ids; resets
** st. */
static int step_ids(gs_sqlite_conn *c, sqlite3_stmt *st, const garant_ticket_filter *f, char *ids, size_t cap,
                    int64_t *out_next, const char *what)
{
    size_t len = (size_t)snprintf(ids, cap, "[");
    int rc, err = 0, n = 0;
    int64_t last = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        last = sqlite3_column_int64(st, 0);
        err = put_id(ids, cap, &len, n++, last, what);
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) return err;
    snprintf(ids + len, cap - len, "]");
    *out_next = n == f->limit ? last : 0;
    return 0;
}

/* sla=warning's ids (SQL_LIST_WARNING_IDS; arg unused). */
static int warning_ids(gs_sqlite_conn *c, const garant_ticket_filter *f, const void *arg, char *ids, size_t cap,
                       int64_t *out_next, const char *what)
{
    (void)arg;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LIST_WARNING_IDS, &st);
    if (!err) err = bind_list(c, st, f, what);
    return err ? err : step_ids(c, st, f, ids, cap, out_next, what);
}

/* "My groups" (arg: the agent's groups, an int64_t array ending in 0): a
** page of each group's ids, newest first, merged into the newest
** f->limit. */
static int groups_of_ids(gs_sqlite_conn *c, const garant_ticket_filter *f, const void *arg, char *ids, size_t cap,
                         int64_t *out_next, const char *what)
{
    const int64_t *groups = arg;
    int64_t page[GS_GROUPS_MERGED][GS_PAGE_MAX];
    int have[GS_GROUPS_MERGED], at[GS_GROUPS_MERGED], k = 0, err = 0;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_LIST_GROUP_IDS, &st)) || (err = bind_list(c, st, f, what))) return err;
    for (; !err && groups[k]; k++) {
        int rc;
        have[k] = at[k] = 0;
        sqlite3_bind_int64(st, 12, groups[k]);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && have[k] < f->limit)
            page[k][have[k]++] = sqlite3_column_int64(st, 0);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
        sqlite3_reset(st);
    }
    if (err) return err;
    size_t len = (size_t)snprintf(ids, cap, "[");
    int n = 0;
    int64_t last = 0;
    while (!err && n < f->limit) {
        int best = -1;
        for (int g = 0; g < k; g++)
            if (at[g] < have[g] && (best < 0 || page[g][at[g]] > page[best][at[best]])) best = g;
        if (best < 0) break;
        last = page[best][at[best]++];
        err = put_id(ids, cap, &len, n++, last, what);
    }
    if (err) return err;
    snprintf(ids + len, cap - len, "]");
    *out_next = n == f->limit ? last : 0;
    return 0;
}

/* The groups of agent user_id into groups (ending in 0); *out_many if
** there are more than GS_GROUPS_MERGED. */
static int groups_of(gs_sqlite_conn *c, int64_t user_id, int64_t *groups, int *out_many, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_GROUPS_OF, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    int rc, n = 0;
    *out_many = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == GS_GROUPS_MERGED) {
            *out_many = 1;
            rc = SQLITE_DONE;
            break;
        }
        groups[n++] = sqlite3_column_int64(st, 0);
    }
    groups[n] = 0;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
}

/* A page whose ids pick picks first, in one snapshot; then the tickets'
** rows, by id. groups_of_ids reads the agent's groups in the same
** snapshot (arg NULL); with too many, the page is the plain list's
** (list_shape). */
static int page_by_ids(garant_store_conn *conn, const garant_ticket_filter *f, ids_pick_fn *pick, const void *arg,
                       garant_ticket_row_fn *fn, void *ctx, int64_t *out_next, const char *what)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    /* A caller's transaction is its snapshot; else one of our own. */
    int err, own = sqlite3_get_autocommit(c->db);
    if (own && (err = GS(conn)->begin_read(conn))) return err;
    sqlite3_stmt *st = NULL;
    char ids[GS_IDS_CAP];
    int64_t groups[GS_GROUPS_MERGED + 1];
    int many = 0;
    err = 0;
    if (pick == groups_of_ids && !(err = groups_of(c, f->groups_of, groups, &many, what))) arg = groups;
    if (!err && many) {
        int n = 0;
        int64_t last = 0;
        err = gs_sqlite_prepare(c, list_shape(f), &st);
        if (!err) err = bind_list(c, st, f, what);
        if (!err) err = each_row(c, st, fn, ctx, &n, &last, what);
        *out_next = !err && n == f->limit ? last : 0;
    } else if (!err) {
        err = pick(c, f, arg, ids, sizeof ids, out_next, what);
        if (!err) err = gs_sqlite_prepare(c, SQL_SEARCH_ROWS, &st);
        if (!err && gs_sqlite_bind_text(st, 1, ids) != SQLITE_OK) err = gs_sqlite_fail(c, SQLITE_NOMEM, what);
        if (!err) sqlite3_bind_int64(st, 2, f->org_id);
        if (!err) sqlite3_bind_int64(st, 3, f->requester_id);
        if (!err) err = each_row(c, st, fn, ctx, NULL, NULL, what);
    }
    if (own) {
        /* A read transaction: ending it cannot lose anything. */
        int end = GS(conn)->commit(conn);
        if (!err) err = end;
    }
    return err;
}

/* A search's page: the scan, then the tickets it found. */
static int search_page(garant_store_conn *conn, const garant_ticket_filter *f, garant_ticket_row_fn *fn, void *ctx,
                       int64_t *out_next, const char *what)
{
    gs_search_plan plan;
    int err = gs_sqlite_search_plan(gs_sqlite(conn), &plan, f->q, f->public_only, f->org_id, f->requester_id);
    if (err || plan.nothing) return err;
    return page_by_ids(conn, f, search_ids, &plan, fn, ctx, out_next, what);
}

int gs_sqlite_tk_list_page(garant_store_conn *conn, const garant_ticket_filter *f, garant_ticket_row_fn *fn,
                           void *ctx, int64_t *out_next)
{
    static const char what[] = "tickets.list";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_next = 0;
    if (f->limit < 1 || f->limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_PAGE_MAX, f->limit);
    if (f->status[0] && !gs_sqlite_valid_status(f->status))
        return garant__error(GARANT_EINVAL, "%s: unknown status \"%.15s\"", what, f->status);
    if (f->sla < GARANT_SLA_ANY || f->sla > GARANT_SLA_NONE)
        return garant__error(GARANT_EINVAL, "%s: unknown SLA state %d", what, f->sla);
    if (f->q[0]) return search_page(conn, f, fn, ctx, out_next, what);
    if (!f->requester_id && f->assignee_id <= 0 && f->group_id <= 0) {
        if (f->sla == GARANT_SLA_WARNING) return page_by_ids(conn, f, warning_ids, NULL, fn, ctx, out_next, what);
        /* (group=none and group=mine together list nothing, as the SQL says.) */
        if (f->groups_of && !f->group_id) return page_by_ids(conn, f, groups_of_ids, NULL, fn, ctx, out_next, what);
    }
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, list_shape(f), &st);
    if (!err) err = bind_list(c, st, f, what);
    int n = 0;
    int64_t last = 0;
    if (!err) err = each_row(c, st, fn, ctx, &n, &last, what);
    if (!err && n == f->limit) *out_next = last;
    return err;
}

int gs_sqlite_tk_list(garant_store_conn *conn, const garant_ticket_filter *f, garant_ticket_row_fn *fn, void *ctx)
{
    int64_t next;
    return gs_sqlite_tk_list_page(conn, f, fn, ctx, &next);
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
static const char SQL_QUEUE_DUE[] = GS_SQLITE_TICKET_ROW_COLS GS_SQLITE_TICKET_ROW_FROM
    "WHERE t.first_response_at IS NULL AND t.status IN ('open', 'pending')"
    " AND (t.first_response_due, t.id) > (?1, ?2)" QUEUE_FILTERS
    " ORDER BY t.first_response_due, t.id LIMIT ?3";
/* Then those without, after the id ?2 (?1 is unused): */
static const char SQL_QUEUE_NODUE[] = GS_SQLITE_TICKET_ROW_COLS GS_SQLITE_TICKET_ROW_FROM
    "WHERE t.first_response_at IS NULL AND t.status IN ('open', 'pending')"
    " AND t.first_response_due IS NULL AND t.id > ?2 AND ?1 IS NULL" QUEUE_FILTERS
    " ORDER BY t.id LIMIT ?3";

/* One half of a queue page, at most limit rows through fn; *out_n says
** how many. */
static int queue_half(gs_sqlite_conn *c, const char *sql, int64_t after_due, int64_t after_id, int limit,
                      const garant_queue_filter *f, garant_ticket_row_fn *fn, void *ctx, int *out_n, const char *what)
{
    sqlite3_stmt *st;
    *out_n = 0;
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
    return each_row(c, st, fn, ctx, out_n, NULL, what);
}

int gs_sqlite_tk_queue_where(garant_store_conn *conn, const garant_queue_filter *f, garant_ticket_row_fn *fn,
                             void *ctx)
{
    static const char what[] = "tickets.queue";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (f->limit < 1 || f->limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_PAGE_MAX, f->limit);
    int err = 0, got = 0;
    int in_nodue = f->after_id > 0 && f->after_due == GARANT_NO_DUE;
    if (!in_nodue) {
        /* From the top: (INT64_MIN, 0) precedes every stored deadline, as
        ** INT64_MIN itself is stored as NULL. */
        err = queue_half(c, SQL_QUEUE_DUE, f->after_id > 0 ? f->after_due : INT64_MIN,
                         f->after_id > 0 ? f->after_id : 0, f->limit, f, fn, ctx, &got, what);
    }
    int rest;
    if (!err && got < f->limit)
        err = queue_half(c, SQL_QUEUE_NODUE, 0, in_nodue ? f->after_id : 0, f->limit - got, f, fn, ctx, &rest, what);
    return err;
}

/* The follow-ups, longest waiting first: a walk of the partial index
** tickets_follow_ups (migration 8; the WHERE repeats its condition). */
static const char SQL_FOLLOW_UPS[] = GS_SQLITE_TICKET_ROW_COLS GS_SQLITE_TICKET_ROW_FROM
    "WHERE t.awaiting_since IS NOT NULL AND t.status = 'open'"
    " AND (t.awaiting_since, t.id) > (?1, ?2) ORDER BY t.awaiting_since, t.id LIMIT ?3";

int gs_sqlite_tk_follow_ups(garant_store_conn *conn, int64_t after_since, int64_t after_id, int limit,
                            garant_ticket_row_fn *fn, void *ctx)
{
    static const char what[] = "tickets.follow_ups";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (limit < 1 || limit > GS_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d", what, GS_PAGE_MAX);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_FOLLOW_UPS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, after_id > 0 ? after_since : INT64_MIN);
    sqlite3_bind_int64(st, 2, after_id > 0 ? after_id : 0);
    sqlite3_bind_int(st, 3, limit);
    return each_row(c, st, fn, ctx, NULL, NULL, what);
}
