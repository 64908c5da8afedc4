/*
** sqlite_tickets.h - what the three files of the SQLite backend's tickets
** share; only they include it. sqlite_tickets.c holds the ticket records,
** their history and conversation and the ops table; sqlite_ticket_lists.c
** the lists, the search and the queue; sqlite_ticket_walks.c the walks
** over many tickets (the deadline correction walk, reports, metrics).
*/
#ifndef GARANT_STORE_SQLITE_TICKETS_H
#define GARANT_STORE_SQLITE_TICKETS_H

#include "sqlite_internal.h"

/* Columns of a ticket record, in the order gs_sqlite_read_ticket expects. */
#define GS_SQLITE_TICKET_COLS                                                                   \
    "id, org_id, requester_id, subject, priority, initial_priority, plan, product, stage,"     \
    " environment, impact, status, submitted_at, first_response_due, warn_at, first_response_at," \
    " policy_version, breached_at, awaiting_since, follow_up_of, assignee_id, group_id, filed_by"

/* The columns of a list's row (garant_ticket_row), in the order
** gs_sqlite_read_ticket_row expects: the record's (GS_SQLITE_TICKET_COLS)
** of the tickets t, its last update, then the names, from the organization
** o and the requester u that GS_SQLITE_TICKET_ROW_FROM joins and the
** assignee and the group if any. Append FROM, or WHERE after
** GS_SQLITE_TICKET_ROW_FROM. */
#define GS_SQLITE_TICKET_ROW_COLS                                                                    \
    "SELECT t.id, t.org_id, t.requester_id, t.subject, t.priority, t.initial_priority, t.plan,"      \
    " t.product, t.stage, t.environment, t.impact, t.status, t.submitted_at, t.first_response_due," \
    " t.warn_at, t.first_response_at, t.policy_version, t.breached_at, t.awaiting_since,"           \
    " t.follow_up_of, t.assignee_id, t.group_id, t.filed_by, " GS_SQLITE_TICKET_UPDATED_AT ","      \
    " o.name, u.name, u.email, (SELECT name FROM users WHERE id = t.assignee_id),"                  \
    " (SELECT name FROM agent_groups WHERE id = t.group_id)"
#define GS_SQLITE_TICKET_ROW_FROM " FROM tickets t JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.requester_id "

/* A deadline column: NULL in the database is GARANT_NO_DUE. */
static inline int64_t gs_sqlite_col_due(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? GARANT_NO_DUE : sqlite3_column_int64(st, i);
}

/* ---- sqlite_tickets.c ---- */

/* 1 if s is one of the ticket statuses (open, pending, solved, closed). */
int gs_sqlite_valid_status(const char *s);

/* The ticket record of the row at st (columns GS_SQLITE_TICKET_COLS). */
void gs_sqlite_read_ticket(sqlite3_stmt *st, garant_ticket *t);

/* The list row at st (columns GS_SQLITE_TICKET_ROW_COLS). */
void gs_sqlite_read_ticket_row(sqlite3_stmt *st, garant_ticket_row *row);

/* Appends the change of the row at st (columns id, at, data from column
** `col`) to *v, grown as needed. */
int gs_sqlite_read_priority_change(sqlite3_stmt *st, int col, garant_priority_change **v, size_t *len,
                                   size_t *cap, const char *what);

/* ---- sqlite_ticket_lists.c: store_tickets.h's list, list_page,
** queue_where and follow_ups ---- */

int gs_sqlite_tk_list(garant_store_conn *conn, const garant_ticket_filter *f, garant_ticket_row_fn *fn, void *ctx);
int gs_sqlite_tk_list_page(garant_store_conn *conn, const garant_ticket_filter *f, garant_ticket_row_fn *fn,
                           void *ctx, int64_t *out_next);
int gs_sqlite_tk_queue_where(garant_store_conn *conn, const garant_queue_filter *f, garant_ticket_row_fn *fn,
                             void *ctx);
int gs_sqlite_tk_follow_ups(garant_store_conn *conn, int64_t after_since, int64_t after_id, int limit,
                            garant_ticket_row_fn *fn, void *ctx);

/* ---- sqlite_ticket_walks.c: store_tickets.h's each_awaiting,
** each_for_report and counts ---- */

int gs_sqlite_tk_each_awaiting(garant_store_conn *conn, garant_awaiting_fn *fn, void *ctx);
int gs_sqlite_tk_each_for_report(garant_store_conn *conn, int64_t from, int64_t to,
                                 int (*fn)(void *ctx, const garant_ticket *t), void *ctx);
int gs_sqlite_tk_counts(garant_store_conn *conn, int64_t now, garant_ticket_counts *out);

#endif
