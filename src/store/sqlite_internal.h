/*
** sqlite_internal.h - what the SQLite backend's files share.
**
** sqlite.c owns the database: opening, pragmas, migrations, the read pool,
** the write connection and transactions. sqlite_accounts.c (with
** sqlite_users.c and sqlite_sessions.c), sqlite_tickets.c, sqlite_sla.c
** and the others implement one area each on top of the helpers here
** (sqlite_helpers.c). SQL goes only through prepared statements with bound
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

/* Bind v, or NULL if v is 0 (an absent instant or reference). */
int gs_sqlite_bind_int64_or_null(sqlite3_stmt *st, int i, int64_t v);

/* A required text argument of at most max bytes: GARANT_EINVAL if empty,
** GARANT_ELIMIT if longer, naming what. */
int gs_sqlite_check_text(const char *s, size_t max, const char *what);

/* Copy s lower-cased (ASCII) into dst of cap bytes, cut to fit. */
void gs_sqlite_lower_copy(char *dst, size_t cap, const char *s);

/* Step a query expected to yield one row: 0 with the row ready to read
** (the caller resets the statement after reading), GARANT_ENOTFOUND if
** there is none, another error otherwise; on error the statement is reset
** and the record named from fmt. */
int gs_sqlite_step_row(gs_sqlite_conn *c, sqlite3_stmt *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Run an UPDATE or DELETE (bound) and answer GARANT_ENOTFOUND if it
** touched no row. */
int gs_sqlite_exec_update(gs_sqlite_conn *c, sqlite3_stmt *st, const char *what);

/* Run sql, of one integer parameter (id), to completion. */
int gs_sqlite_exec_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what);

/* The integer a one-row query of one integer parameter, id, yields
** (GARANT_ENOTFOUND without a row). */
int gs_sqlite_query_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what, int64_t *out);

/* Look up the one row whose key column (parameter 1) equals key
** lower-cased (domains and e-mails are stored lower-case): checks the key
** (1..max bytes, max at most GARANT_MAX_EMAIL), binds it and steps to the
** row. On success *out is positioned on the row; the caller reads its
** columns and resets it. `key_label` names the key when it is malformed
** ("user e-mail"), `label` the record in the other messages ("user"). */
int gs_sqlite_lookup_lower(gs_sqlite_conn *c, const char *sql, const char *key, size_t max, const char *key_label,
                           const char *label, sqlite3_stmt **out);

/* Reads the row at st into rec (zeroed before); 0, or a garant_err (want
** of memory for a record that owns a copy), naming what. */
typedef int gs_sqlite_read_fn(sqlite3_stmt *st, void *rec, const char *what);

/* Run a query (already bound) and read every row into an array of
** records of size bytes with read_row, grown as needed:
** (*out)[0..*out_n), at most max rows (GARANT_ELIMIT past them; a query
** with a LIMIT passes it). Caller owns *out (NULL when *out_n is 0); free
** with free(), after freeing what each record owns. On failure nothing is
** left allocated: undo (NULL for records that own nothing: plain free())
** frees the records read so far, the failed one included, and the array. */
int gs_sqlite_rows(gs_sqlite_conn *c, sqlite3_stmt *st, size_t size, size_t max, gs_sqlite_read_fn *read_row,
                   void (*undo)(void *recs, size_t n), void **out, size_t *out_n, const char *what);

/* The ceiling of a list the API does not page (organizations, products,
** groups and their members, webhooks, policy versions): far above any
** desk, well below memory. */
#define GS_SQLITE_MAX_ROWS ((size_t)1 << 20)

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

/* The accounts area (store_accounts.h) in three files by job:
** sqlite_accounts.c the organizations, their domains, the products and
** the area's table; sqlite_users.c the users, their list and pending
** sign-ups; sqlite_sessions.c single-use tokens, sessions and login
** throttling. The table's entries the other two define: */
int gs_sqlite_user_insert(garant_store_conn *c, garant_user *io);
int gs_sqlite_user_get(garant_store_conn *c, int64_t id, garant_user *out);
int gs_sqlite_user_by_email(garant_store_conn *c, const char *email, garant_user *out);
int gs_sqlite_user_set_password(garant_store_conn *c, int64_t id, const char *hash);
int gs_sqlite_user_set_verified(garant_store_conn *c, int64_t id, int64_t at);
int gs_sqlite_user_set_deactivated(garant_store_conn *c, int64_t id, int64_t at);
int gs_sqlite_user_delete(garant_store_conn *c, int64_t id);
int gs_sqlite_user_list(garant_store_conn *c, const garant_user_filter *f, garant_user_row **out, size_t *out_n);
int gs_sqlite_signup_insert(garant_store_conn *c, garant_signup *io, const uint8_t token_hash[32]);
int gs_sqlite_signup_take(garant_store_conn *c, const uint8_t token_hash[32], int64_t now, garant_signup *out);
int gs_sqlite_signup_latest(garant_store_conn *c, const char *email, int64_t now, garant_signup *out);
int gs_sqlite_token_insert(garant_store_conn *c, garant_token_kind kind, int64_t user_id, const uint8_t hash[32],
                           int64_t expires_at);
int gs_sqlite_token_consume(garant_store_conn *c, garant_token_kind kind, const uint8_t hash[32], int64_t now,
                            int64_t *out_user_id);
int gs_sqlite_session_insert(garant_store_conn *c, garant_session *io);
int gs_sqlite_session_get(garant_store_conn *c, const uint8_t hash[32], int64_t now, garant_session *out);
int gs_sqlite_session_revoke(garant_store_conn *c, const uint8_t hash[32], int64_t now);
int gs_sqlite_session_revoke_user(garant_store_conn *c, int64_t user_id, int64_t now);
int gs_sqlite_throttle_record(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count);
int gs_sqlite_throttle_count(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count);
int gs_sqlite_throttle_clear(garant_store_conn *c, const char *key);
int gs_sqlite_throttle_recent(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count,
                              int64_t *out_last_at);
int gs_sqlite_throttle_clear_prefix(garant_store_conn *c, const char *prefix);

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
