/*
** sqlite_internal.h - what the SQLite backend's files share.
**
** sqlite.c owns the database: opening, pragmas, migrations, the read pool,
** the write connection and transactions. sqlite_accounts.c,
** sqlite_tickets.c and sqlite_sla.c implement one area each on top of the
** helpers here. SQL goes only through prepared statements with bound
** parameters, cached per connection.
*/
#ifndef GARANT_STORE_SQLITE_INTERNAL_H
#define GARANT_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Statements cached per connection; more distinct SQL texts than this is a
** programming error (raise it). */
#define GS_SQLITE_STMT_CACHE 256

/* How long a connection waits for another process's lock (the CLI against
** a running server) before failing with GARANT_ESTORE, in milliseconds. */
#define GS_BUSY_TIMEOUT_MS 5000

typedef struct gs_sqlite_stmt {
    const char *sql; /* the static SQL text; identity is its address */
    sqlite3_stmt *stmt;
} gs_sqlite_stmt;

/* Savepoint statements, whose text carries the name: kept prepared by
** their text (the writer runs three of them for every queued write). */
#define GS_SQLITE_SAVEPOINT_CACHE 8
typedef struct gs_sqlite_named_stmt {
    char sql[96];
    sqlite3_stmt *stmt;
} gs_sqlite_named_stmt;

typedef struct gs_sqlite_conn {
    garant_store_conn base;
    sqlite3 *db;
    gs_sqlite_stmt cache[GS_SQLITE_STMT_CACHE];
    int ncache;
    gs_sqlite_named_stmt savepoints[GS_SQLITE_SAVEPOINT_CACHE];
    int nsavepoints;
    struct gs_sqlite_conn *next_free; /* read pool free list */
    fts5_api *fts5;                   /* FTS5's API (sqlite3.h), for searches (sqlite_search.c) */
} gs_sqlite_conn;

/* The connection behind a garant_store_conn of this backend. */
static inline gs_sqlite_conn *gs_sqlite(garant_store_conn *c) { return (gs_sqlite_conn *)c; }

/* A prepared statement for static SQL text, reset and with bindings
** cleared, ready to bind. Borrowed; valid until the connection closes.
** GARANT_ESTORE with SQLite's message on failure. */
int gs_sqlite_prepare(gs_sqlite_conn *c, const char *sql, sqlite3_stmt **out);

/* Map a failed sqlite3 call to a garant_err with a message naming what:
** a unique constraint -> GARANT_ECONFLICT, a foreign key (a referenced
** organization or user that does not exist) -> GARANT_ENOTFOUND,
** SQLITE_TOOBIG -> GARANT_ELIMIT, SQLITE_NOMEM -> GARANT_ENOMEM, anything
** else -> GARANT_ESTORE. */
int gs_sqlite_fail(gs_sqlite_conn *c, int rc, const char *what);

/* Run a statement that returns no rows (already bound) to completion. */
int gs_sqlite_exec_stmt(gs_sqlite_conn *c, sqlite3_stmt *st, const char *what);

/* Index the tickets noted in search_pending (migration 24) and clear the
** note, inside the open write transaction; nothing in a read transaction.
** The commit runs it; outside a transaction it runs in one of its own. */
int gs_search_flush(gs_sqlite_conn *c);

/* Copy column i as text into dst of cap bytes ("" for NULL; truncated). */
void gs_sqlite_text(char *dst, size_t cap, sqlite3_stmt *st, int i);

/* Column i as a JSON value: integer, real, string or null. Caller owns. */
json_t *gs_sqlite_json_col(sqlite3_stmt *st, int i);

/* Run a query and collect every row as a JSON object keyed by column name.
** Caller owns *out. */
int gs_sqlite_rows_json(gs_sqlite_conn *c, sqlite3_stmt *st, json_t **out, const char *what);

/* Bind text, or NULL if s is NULL. Returns SQLite's result code (there is
** no connection to carry a message); a failed bind surfaces again when the
** statement runs. */
int gs_sqlite_bind_text(sqlite3_stmt *st, int i, const char *s);

/* A ticket's last update by a person (store_tickets.h, updated_at): the
** instant of its latest event with an actor, which a trigger keeps on the
** row (schema migration 22), else its submission. */
#define GS_SQLITE_TICKET_UPDATED_AT "COALESCE(t.updated_at, t.submitted_at)"

/* The columns of a ticket as a JSON row (the SLA monitor's due events,
** sqlite_sla.c), joined with its organization and requester; append
** WHERE/ORDER BY. The ticket lists give typed rows instead
** (sqlite_tickets.h, GS_SQLITE_TICKET_ROW_COLS). */
#define GS_SQLITE_TICKET_JSON_COLS                                                              \
    "SELECT t.id AS id, t.org_id AS org_id, o.name AS org_name, t.requester_id AS requester_id," \
    " u.name AS requester_name, u.email AS requester_email, t.subject AS subject,"              \
    " t.priority AS priority, t.initial_priority AS initial_priority, t.plan AS plan,"         \
    " t.product AS product, t.stage AS stage, t.environment AS environment,"                   \
    " t.impact AS impact, t.status AS status, t.submitted_at AS submitted_at,"                 \
    " t.first_response_due AS first_response_due, t.warn_at AS warn_at,"                       \
    " t.first_response_at AS first_response_at, t.policy_version AS policy_version,"            \
    " t.breached_at AS breached_at, t.awaiting_since AS awaiting_reply_since,"                   \
    " t.follow_up_of AS follow_up_of, t.assignee_id AS assignee_id,"                           \
    " (SELECT name FROM users WHERE id = t.assignee_id) AS assignee_name, t.group_id AS group_id," \
    " (SELECT name FROM agent_groups WHERE id = t.group_id) AS group_name,"                     \
    " " GS_SQLITE_TICKET_UPDATED_AT " AS updated_at"
#define GS_SQLITE_TICKET_JSON_SELECT \
    GS_SQLITE_TICKET_JSON_COLS " FROM tickets t JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.requester_id "

/* The schema migrations, in order; migration i brings version i to i+1. */
extern const char *const gs_sqlite_migrations[];
extern const int gs_sqlite_migration_count;

extern const garant_store_accounts_ops gs_sqlite_accounts_ops;
extern const garant_store_tickets_ops gs_sqlite_tickets_ops;
extern const garant_store_sla_ops gs_sqlite_sla_ops;
extern const garant_store_admin_ops gs_sqlite_admin_ops;
extern const garant_store_mail_ops gs_sqlite_mail_ops;
extern const garant_store_notify_ops gs_sqlite_notify_ops;
extern const garant_store_inbound_ops gs_sqlite_inbound_ops;
extern const garant_store_attachments_ops gs_sqlite_attachments_ops;
extern const garant_store_groups_ops gs_sqlite_groups_ops;
extern const garant_store_views_ops gs_sqlite_views_ops;

#endif
