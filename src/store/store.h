/*
** store.h - garant's storage interface: one table of functions per backend.
**
** The server and the CLI talk to storage only through this interface, so
** that SQLite (the embedded default, src/store/sqlite*.c) and PostgreSQL
** (a later backend) are interchangeable. A garant_store is the database; a
** garant_store_conn is one connection, used by one thread at a time:
**   - read connections come from a pool (garant_store_acquire/release);
**   - there is exactly one write connection (garant_store_writer), owned by
**     the desk's writer thread, which commits many requests in one
**     transaction (group commit; see src/desk/writer.c), or by the CLI.
**
** The operations are grouped by area, each area a table of its own in its
** own header (store_accounts.h, store_tickets.h, store_sla.h, store_admin.h,
** store_mail.h, store_attachments.h, store_groups.h, store_views.h), so
** that the areas grow independently. Every function returns 0 or a negative
** garant_err with garant_error_last() set. Strings in records are fixed-size
** arrays, so records can be copied and need no freeing; lists of tickets
** come back as typed rows, one at a time through a callback (store_tickets.h),
** never as the API's JSON, which the HTTP door alone writes.
**
** Instants are UTC epoch seconds (int64_t); 0 or GARANT_NO_DUE mark "none"
** where a field's comment says so.
*/
#ifndef GARANT_STORE_H
#define GARANT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "garant/garant.h"
#include "garant/service_error.h"

typedef struct garant_store garant_store;
typedef struct garant_store_conn garant_store_conn;
typedef struct garant_store_ops garant_store_ops;

/* Largest texts the store accepts; the API checks them first and answers
** 413/422, the store refuses them again (GARANT_ELIMIT) as a backstop.
** Before the areas' headers: their records are sized by them. */
#define GARANT_MAX_EMAIL 254
#define GARANT_MAX_NAME 200
#define GARANT_MAX_SUBJECT 300
#define GARANT_MAX_BODY (64 * 1024)
#define GARANT_MAX_KEY 64

#include "store_accounts.h"
#include "store_tickets.h"
#include "store_sla.h"
#include "store_admin.h"
#include "store_mail.h"
#include "store_notify.h"
#include "store_inbound.h"
#include "store_attachments.h"
#include "store_groups.h"
#include "store_views.h"

/* The operations of one backend. */
struct garant_store_ops {
    const char *name; /* "sqlite" */
    /* Open the database at `target` (a file for SQLite), creating it and
    ** running migrations if needed. Caller owns *out; free with close. */
    int (*open)(garant_store **out, const char *target, int read_pool_size);
    void (*close)(garant_store *st);
    int (*acquire)(garant_store_conn **out, garant_store *st);
    void (*release)(garant_store_conn *c);
    /* The one write connection. Borrowed; valid until close. */
    garant_store_conn *(*writer)(garant_store *st);
    /* Transactions. begin_write takes the write lock at once. Savepoints
    ** nest inside a transaction; name is [a-z0-9_]. */
    int (*begin_read)(garant_store_conn *c);
    int (*begin_write)(garant_store_conn *c);
    int (*commit)(garant_store_conn *c);
    int (*rollback)(garant_store_conn *c);
    int (*savepoint)(garant_store_conn *c, const char *name);
    int (*release_savepoint)(garant_store_conn *c, const char *name);
    int (*rollback_to)(garant_store_conn *c, const char *name);
    /* Schema version after migrations. */
    int (*schema_version)(garant_store_conn *c, int *out);
    /* Deferred durability, for a caller that pipelines its commits (the
    ** server's group commit). After defer_sync, commit on the writer makes
    ** a transaction visible but not yet durable; sync makes every
    ** transaction committed before it was called durable. sync may run on
    ** another thread while the writer goes on committing, and must succeed
    ** before a commit is acknowledged. A backend whose commits are durable
    ** by themselves leaves both NULL. */
    int (*defer_sync)(garant_store *st);
    int (*sync)(garant_store *st);
    /* After defer_sync: copy what the writer committed into the database
    ** file (a checkpoint of SQLite's log), from a connection of its own,
    ** when enough has gathered; 0 at once otherwise. For a thread beside
    ** the writer and sync, which it never blocks: the writer then leaves
    ** checkpoints to it, and makes one itself only when the log has grown
    ** far (the log restarts after one of those). NULL where the backend
    ** needs none. */
    int (*checkpoint)(garant_store *st);
    /* Bytes of memory the backend holds now, its caches included (for
    ** /metrics); NULL where the backend cannot tell. */
    int64_t (*memory_used)(garant_store *st);

    const garant_store_accounts_ops *accounts;
    const garant_store_tickets_ops *tickets;
    const garant_store_sla_ops *sla;
    const garant_store_admin_ops *admin;
    const garant_store_mail_ops *mail;
    const garant_store_notify_ops *notify;
    const garant_store_inbound_ops *inbound;
    const garant_store_attachments_ops *attachments;
    const garant_store_groups_ops *groups;
    const garant_store_views_ops *views;
};

/* Every connection starts with its backend's ops, so callers can write
** GS(c)->tickets->insert(c, ...). Backends extend this struct. */
struct garant_store_conn {
    const garant_store_ops *ops;
};

#define GS(c) ((c)->ops)

/* Open a store from a target string: "sqlite:PATH" or a bare PATH (SQLite).
** Caller owns *out; free with garant_store_close. */
int garant_store_open(garant_store **out, const char *target, int read_pool_size);
void garant_store_close(garant_store *st);

/* The backend's ops of an open store. Borrowed; static storage. */
const garant_store_ops *garant_store_ops_of(const garant_store *st);

/* Every store begins with its ops; backends extend this struct. */
struct garant_store {
    const garant_store_ops *ops;
};

/* The SQLite backend's table. */
extern const garant_store_ops garant_store_sqlite_ops;

#endif
