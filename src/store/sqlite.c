/*
** sqlite.c - the SQLite backend's core: opening the file, pragmas,
** migrations, the read pool, the one write connection and transactions;
** the statement helpers the area files build on are in sqlite_helpers.c.
** Also the backend-neutral garant_store_open.
**
** Durability: journal_mode=WAL with synchronous=FULL, so a commit that was
** acknowledged survives a power loss or a machine crash, not just a crash of
** the process (with synchronous=NORMAL alone the last commits could be lost;
** a lost ticket would be a lost promise). The server instead defers the
** fsync to a stage of its own (defer_sync and sync below, docs/durability.md)
** and acknowledges nothing before it. WAL also lets readers run while the
** writer commits.
**
** Threads: every connection is opened with SQLITE_OPEN_NOMUTEX because it is
** used by one thread at a time (a pooled read connection between acquire and
** release, the write connection by its owner); SQLite's own per-connection
** mutex would only cost time. The pool is guarded by our mutex.
**
** The read pool opens connections on demand, up to read_pool_size; when all
** of them are in use, acquire waits on a condition variable until one is
** released. Opening on demand keeps a CLI run that never reads from paying
** for connections; the cap bounds file descriptors and memory, and waiting
** (rather than failing) is right because a read holds a connection for
** milliseconds. Read connections are PRAGMA query_only, so a write through
** one is refused instead of racing the writer for the lock.
*/
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_internal.h"
#include "sqlite_search.h"
#include "garant/error_wrap.h"

/* Checkpoints with deferred sync (sq_checkpoint): the checkpointer copies
** the log into the database once this many pages have gathered since its
** last try (SQLite's own automatic checkpoint's threshold) ... */
#define GS_CHECKPOINT_PAGES 1000
/* ... and the writer makes one itself at its commit once the log holds
** this many (32 MiB of 4 KiB pages). The log starts again from its
** beginning only when a transaction of the writer begins after a
** checkpoint has copied all of it: the checkpointer's, beside a writer
** that begins its next transaction as soon as it commits, seldom ends in
** time; the writer's own, at its commit, does. By then the checkpointer
** has copied most of the log, so the writer copies the rest. */
#define GS_WRITER_CHECKPOINT_PAGES 8000

/* Read connections when open is given no positive size. */
#define GS_DEFAULT_READ_POOL 4
/* Longest savepoint name. */
#define GS_MAX_SAVEPOINT 63

typedef struct sq_store sq_store;

/* A connection and the store it belongs to, so that release finds its
** pool from the connection alone. gs_sqlite_conn comes first: a
** garant_store_conn * of this backend points at one of these. */
typedef struct sq_conn {
    gs_sqlite_conn c;
    sq_store *st;
} sq_conn;

struct sq_store {
    garant_store base;
    char *path;
    sq_conn *writer;
    pthread_mutex_t mu;
    pthread_cond_t freed;
    sq_conn *free_list; /* idle read connections, linked by c.next_free */
    int nread;          /* read connections open (idle or in use) */
    int read_cap;
    /* Deferred sync (sq_defer_sync): the write-ahead log, opened by us. */
    pthread_mutex_t sync_mu;
    int wal_fd;         /* -1 until defer_sync */
    char *wal_path;     /* path + "-wal", set by defer_sync */
    /* Checkpoints off the writer (sq_checkpoint), after defer_sync. */
    _Atomic int wal_pages;  /* pages in the log after the writer's last commit (wal_hook) */
    sq_conn *ckpt;          /* the checkpointer's connection, opened at its first checkpoint */
    int ckpt_pages;         /* wal_pages at the checkpointer's last try; its own */
};

/* ---- connections ---- */

/* Run SQL text that is not cached: the statements of a migration, or the
** few statements whose text must carry a value (savepoint names, the
** schema version), which SQLite cannot take as parameters. Each of those
** values is checked or produced by this file. */
static int exec_uncached(gs_sqlite_conn *c, const char *sql, const char *what)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(c->db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(st);
            return gs_sqlite_fail(c, rc, what);
        }
        if (!st) break; /* only whitespace or comments left */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        }
        int err = rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
        sqlite3_finalize(st);
        if (err) return err;
    }
    return 0;
}

/* Run SQL text, ignoring failure and leaving the thread's error message
** alone: for cleanup after an error that is being reported. */
static void exec_quiet(gs_sqlite_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK && st) sqlite3_step(st);
    sqlite3_finalize(st);
}

/* One integer from a query without parameters (a pragma). */
static int query_int(gs_sqlite_conn *c, const char *sql, int *out, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    err = rc == SQLITE_DONE ? garant__error(GARANT_ESTORE, "%s: no result", what) : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static void conn_close(sq_conn *p)
{
    if (!p) return;
    for (int i = 0; i < p->c.ncache; i++) sqlite3_finalize(p->c.cache[i].stmt);
    for (int i = 0; i < p->c.nsavepoints; i++) sqlite3_finalize(p->c.savepoints[i].stmt);
    /* Every statement is finalized, so close cannot be refused as busy; an
    ** open transaction is rolled back. */
    sqlite3_close(p->c.db);
    free(p);
}

static const char SQL_FOREIGN_KEYS[] = "PRAGMA foreign_keys = ON";
static const char SQL_SYNCHRONOUS[] = "PRAGMA synchronous = FULL";
static const char SQL_QUERY_ONLY[] = "PRAGMA query_only = ON";
static const char SQL_JOURNAL_WAL[] = "PRAGMA journal_mode = WAL";
static const char SQL_USER_VERSION[] = "PRAGMA user_version";
/* The writer's page cache: 1 GiB (SQLite's default is 2 MiB). A
** correction moves every open ticket in one transaction; at 1 M tickets it
** dirties most of the tickets table and its deadline indexes, and a cache
** smaller than that spills pages to the log and reads them back
** (docs/performance.md, "Corrections of open tickets"). Pages are allocated as they are read,
** so a small desk never holds this much. */
static const char SQL_WRITER_CACHE[] = "PRAGMA cache_size = -1048576";
/* The writer's statement journals (the savepoint of each queued write
** keeps the pages it changes there first) in memory: in a file they spill
** past 64 KiB, and a reply that updates the search index wrote tens of
** pages to a file in /var/tmp through pwrite: in memory the writer spends
** a quarter to two fifths less CPU on a 5 KB mailed reply (bench/lmtp.py,
** docs/performance.md). Bounded by the pages one write changes. */
static const char SQL_WRITER_TEMP[] = "PRAGMA temp_store = MEMORY";

/* Open one connection to path with the pragmas every connection needs.
** Caller owns *out; free with conn_close. */
static int conn_open(sq_conn **out, sq_store *st, int writer)
{
    *out = NULL;
    sq_conn *p = calloc(1, sizeof *p);
    if (!p) return garant__error(GARANT_ENOMEM, "%s: out of memory opening a connection", st->path);
    p->c.base.ops = &garant_store_sqlite_ops;
    p->st = st;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(st->path, &p->c.db, flags, NULL);
    if (rc != SQLITE_OK) {
        int err = p->c.db ? garant__error(rc == SQLITE_NOMEM ? GARANT_ENOMEM : GARANT_ESTORE, "%s: cannot open: %s",
                                          st->path, sqlite3_errmsg(p->c.db))
                          : garant__error(GARANT_ENOMEM, "%s: out of memory opening", st->path);
        sqlite3_close(p->c.db);
        free(p);
        return err;
    }
    sqlite3_extended_result_codes(p->c.db, 1);
    sqlite3_busy_timeout(p->c.db, GS_BUSY_TIMEOUT_MS);

    const char *what = st->path;
    int err = 0;
    if (writer) {
        /* The first statement to read the file: it is where a file that is
        ** not a database shows (SQLITE_NOTADB), at prepare or at step. The
        ** mode is persistent in the file; readers inherit it. */
        sqlite3_stmt *s = NULL;
        rc = sqlite3_prepare_v2(p->c.db, SQL_JOURNAL_WAL, -1, &s, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(s, 0);
            if (!mode || strcmp(mode, "wal") != 0)
                err = garant__error(GARANT_ESTORE, "%s: cannot use write-ahead logging (journal mode %s)", what,
                                    mode ? mode : "unknown");
        } else {
            err = gs_sqlite_fail(&p->c, rc, what);
        }
        sqlite3_finalize(s);
    }
    if (!err) err = exec_uncached(&p->c, SQL_FOREIGN_KEYS, what);
    if (!err) err = exec_uncached(&p->c, SQL_SYNCHRONOUS, what);
    if (!err && !writer) err = exec_uncached(&p->c, SQL_QUERY_ONLY, what);
    if (!err && writer) err = exec_uncached(&p->c, SQL_WRITER_CACHE, what);
    if (!err && writer) err = exec_uncached(&p->c, SQL_WRITER_TEMP, what);
    if (!err) err = gs_sqlite_search_open(&p->c);
    if (err) {
        conn_close(p);
        return err;
    }
    *out = p;
    return 0;
}

/* Bring the schema up to date, one migration per transaction, so that a
** failure leaves the file at the last complete version. The version is
** read again under the write lock: another process may have migrated the
** file meanwhile. */
static int migrate(sq_conn *w, const char *path)
{
    gs_sqlite_conn *c = &w->c;
    for (;;) {
        int err = exec_uncached(c, "BEGIN IMMEDIATE", path);
        if (err) return err;
        int v = 0;
        err = query_int(c, SQL_USER_VERSION, &v, path);
        if (!err && v > gs_sqlite_migration_count)
            err = garant__error(GARANT_ESTORE,
                                "%s: database schema version %d is newer than this garant knows (%d); "
                                "upgrade garant or use a backup",
                                path, v, gs_sqlite_migration_count);
        if (!err && v < 0)
            err = garant__error(GARANT_ESTORE, "%s: bad schema version %d", path, v);
        if (err || v == gs_sqlite_migration_count) {
            if (err) {
                exec_quiet(c, "ROLLBACK");
                return err;
            }
            return exec_uncached(c, "COMMIT", path);
        }
        char what[128];
        snprintf(what, sizeof what, "schema migration %d", v + 1);
        err = exec_uncached(c, gs_sqlite_migrations[v], what);
        if (!err) {
            /* user_version takes no parameter; v + 1 is our own integer. */
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            err = exec_uncached(c, sql, what);
        }
        if (!err) err = exec_uncached(c, "COMMIT", what);
        if (err) {
            exec_quiet(c, "ROLLBACK");
            return err;
        }
    }
}

/* ---- the store ---- */

static void sq_close(garant_store *base)
{
    if (!base) return;
    sq_store *st = (sq_store *)base;
    int freed = 0;
    while (st->free_list) {
        sq_conn *p = st->free_list;
        st->free_list = (sq_conn *)p->c.next_free;
        conn_close(p);
        freed++;
    }
    /* Closing with a read connection still acquired is a programming error. */
    assert(freed == st->nread);
    (void)freed;
    conn_close(st->ckpt);
    conn_close(st->writer);
    if (st->wal_fd >= 0) close(st->wal_fd);
    free(st->wal_path);
    pthread_mutex_destroy(&st->sync_mu);
    pthread_cond_destroy(&st->freed);
    pthread_mutex_destroy(&st->mu);
    free(st->path);
    free(st);
}

/* path is a file name, not a "sqlite:" target (see garant_store_open). The
** file is created if missing; ":memory:" is refused, as it cannot be
** shared by the read pool and has no write-ahead log. */
static int sq_open(garant_store **out, const char *path, int read_pool_size)
{
    *out = NULL;
    if (!path || !*path) return garant__error(GARANT_EINVAL, "sqlite: empty database path");
    if (strlen(path) > 4096) return garant__error(GARANT_ELIMIT, "sqlite: database path longer than 4096 bytes");
    if (!sqlite3_threadsafe())
        return garant__error(GARANT_ESTORE, "sqlite: the SQLite library was built without thread support");
    sq_store *st = calloc(1, sizeof *st);
    if (!st) return garant__error(GARANT_ENOMEM, "%s: out of memory", path);
    st->base.ops = &garant_store_sqlite_ops;
    st->read_cap = read_pool_size > 0 ? read_pool_size : GS_DEFAULT_READ_POOL;
    st->wal_fd = -1;
    pthread_mutex_init(&st->sync_mu, NULL); /* default attributes: cannot fail on Linux, holds no resources */
    st->path = garant__strdup(path);
    if (!st->path) {
        free(st);
        return GARANT_ENOMEM;
    }
    if (pthread_mutex_init(&st->mu, NULL) != 0) {
        free(st->path);
        free(st);
        return garant__error(GARANT_ENOMEM, "%s: cannot create the pool's mutex", path);
    }
    if (pthread_cond_init(&st->freed, NULL) != 0) {
        pthread_mutex_destroy(&st->mu);
        free(st->path);
        free(st);
        return garant__error(GARANT_ENOMEM, "%s: cannot create the pool's condition variable", path);
    }
    int err = conn_open(&st->writer, st, 1);
    if (!err) err = migrate(st->writer, path);
    /* Tickets inserted outside a transaction by a process that stopped
    ** before indexing them (gs_search_flush). */
    if (!err) err = gs_search_flush(&st->writer->c);
    if (err) {
        sq_close(&st->base);
        return err;
    }
    *out = &st->base;
    return 0;
}

static int sq_acquire(garant_store_conn **out, garant_store *base)
{
    *out = NULL;
    sq_store *st = (sq_store *)base;
    pthread_mutex_lock(&st->mu);
    while (!st->free_list && st->nread >= st->read_cap) pthread_cond_wait(&st->freed, &st->mu);
    sq_conn *p = st->free_list;
    if (p) {
        st->free_list = (sq_conn *)p->c.next_free;
        p->c.next_free = NULL;
        pthread_mutex_unlock(&st->mu);
        *out = &p->c.base;
        return 0;
    }
    /* Reserve the slot, then open outside the lock: opening touches the disk. */
    st->nread++;
    pthread_mutex_unlock(&st->mu);
    int err = conn_open(&p, st, 0);
    if (err) {
        pthread_mutex_lock(&st->mu);
        st->nread--;
        pthread_cond_signal(&st->freed);
        pthread_mutex_unlock(&st->mu);
        return err;
    }
    *out = &p->c.base;
    return 0;
}

/* A connection comes back with no transaction open: one left open by a
** failed caller is rolled back, or it would pin an old snapshot and keep
** the write-ahead log from being checkpointed. */
static void sq_release(garant_store_conn *c)
{
    if (!c) return;
    sq_conn *p = (sq_conn *)c;
    sq_store *st = p->st;
    assert(p != st->writer && "the write connection is not pooled");
    if (!sqlite3_get_autocommit(p->c.db)) exec_quiet(&p->c, "ROLLBACK");
    pthread_mutex_lock(&st->mu);
    p->c.next_free = st->free_list ? &st->free_list->c : NULL;
    st->free_list = p;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->mu);
}

static garant_store_conn *sq_writer(garant_store *base) { return &((sq_store *)base)->writer->c.base; }

static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int run_cached(garant_store_conn *c, const char *sql, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(gs_sqlite(c), sql, &st);
    if (err) return err;
    return gs_sqlite_exec_stmt(gs_sqlite(c), st, what);
}

/* A deferred transaction: the snapshot is taken by its first read and kept
** to the end, so several reads agree with each other. */
static int sq_begin_read(garant_store_conn *c) { return run_cached(c, SQL_BEGIN, "begin read transaction"); }

/* IMMEDIATE takes the write lock now, so a transaction never fails half way
** because another writer got there first (SQLITE_BUSY on upgrade). */
static int sq_begin_write(garant_store_conn *c)
{
    return run_cached(c, SQL_BEGIN_IMMEDIATE, "begin write transaction");
}

/* The tickets filed in this transaction join the search index in one
** statement, one segment of FTS5's (migration 24 says why): the ticket's
** words, its conversation so far (replies to a ticket still pending
** updated no row of the index) cut as the reply trigger cuts it, its
** requester and its scope. */
static const char SQL_SEARCH_PENDING[] = "SELECT EXISTS (SELECT 1 FROM search_pending)";
static const char SQL_SEARCH_FLUSH[] =
    "INSERT INTO ticket_search (rowid, subject, body, public, internal, requester, scope)"
    " SELECT t.id, t.subject, t.body,"
    "  coalesce((SELECT substr(group_concat(body, ' '), -65536) FROM"
    "    (SELECT body FROM replies WHERE ticket_id = t.id AND public ORDER BY id)), ''),"
    "  coalesce((SELECT substr(group_concat(body, ' '), -65536) FROM"
    "    (SELECT body FROM replies WHERE ticket_id = t.id AND NOT public ORDER BY id)), ''),"
    "  (SELECT name || ' ' || email FROM users WHERE id = t.requester_id),"
    "  't o' || t.org_id || ' r' || t.requester_id"
    " FROM search_pending p CROSS JOIN tickets t ON t.id = p.ticket_id ORDER BY p.ticket_id";
static const char SQL_SEARCH_DONE[] = "DELETE FROM search_pending";

static int search_flush_in_txn(gs_sqlite_conn *c)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SEARCH_PENDING, &st);
    if (err) return err;
    int rc = sqlite3_step(st);
    int pending = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return gs_sqlite_fail(c, rc, "search index: pending tickets");
    if (!pending) return 0;
    if ((err = gs_sqlite_prepare(c, SQL_SEARCH_FLUSH, &st))) return err;
    if ((err = gs_sqlite_exec_stmt(c, st, "search index: the new tickets"))) return err;
    if ((err = gs_sqlite_prepare(c, SQL_SEARCH_DONE, &st))) return err;
    return gs_sqlite_exec_stmt(c, st, "search index: pending tickets done");
}

int gs_search_flush(gs_sqlite_conn *c)
{
    if (!sqlite3_get_autocommit(c->db)) {
        /* Only a transaction that wrote can have noted a ticket; a read
        ** transaction ends without looking (a read connection cannot write). */
        if (sqlite3_txn_state(c->db, "main") != SQLITE_TXN_WRITE) return 0;
        return search_flush_in_txn(c);
    }
    /* A ticket inserted outside a transaction: the index and the note's
    ** removal in one transaction, so a crash between them cannot index a
    ** ticket twice. */
    garant_store_conn *base = (garant_store_conn *)c;
    int err = run_cached(base, SQL_BEGIN_IMMEDIATE, "search index: begin");
    if (err) return err;
    if ((err = search_flush_in_txn(c)) || (err = run_cached(base, SQL_COMMIT, "search index: commit"))) {
        if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, SQL_ROLLBACK, NULL, NULL, NULL);
        return err;
    }
    return 0;
}

static int sq_commit(garant_store_conn *c)
{
    int err = gs_search_flush(gs_sqlite(c));
    if (err) return err;
    return run_cached(c, SQL_COMMIT, "commit");
}

static int sq_rollback(garant_store_conn *c)
{
    /* Rolling back nothing is not an error: SQLite may have rolled back
    ** already after a failure (SQLITE_FULL, SQLITE_IOERR). */
    if (sqlite3_get_autocommit(gs_sqlite(c)->db)) return 0;
    return run_cached(c, SQL_ROLLBACK, "rollback");
}

/* Savepoint names go into the SQL text, so they are checked first. */
static int savepoint_sql(char *sql, size_t cap, const char *verb, const char *name, garant_store_conn *c)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > GS_MAX_SAVEPOINT)
        return garant__error(GARANT_EINVAL, "savepoint name must be 1 to %d characters", GS_MAX_SAVEPOINT);
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return garant__error(GARANT_EINVAL, "savepoint name \"%.*s\": only a-z, 0-9 and _ are allowed",
                                 GS_MAX_SAVEPOINT, name);
    }
    /* Outside a transaction SAVEPOINT would begin a deferred one of its own,
    ** which is not what the caller of a savepoint means. */
    if (sqlite3_get_autocommit(gs_sqlite(c)->db))
        return garant__error(GARANT_EINVAL, "savepoint %s: no transaction is open", name);
    snprintf(sql, cap, "%s %s", verb, name);
    return 0;
}

/* Run a savepoint statement, prepared once per connection and text: the
** writer runs SAVEPOINT and RELEASE for every queued write, and preparing
** them afresh each time cost 2 % of the server's CPU under load. Beyond
** the cache's few entries (a caller using many names) it runs uncached. */
static int savepoint_run(garant_store_conn *c, const char *verb, const char *name)
{
    char sql[sizeof ((gs_sqlite_named_stmt *)0)->sql];
    int err = savepoint_sql(sql, sizeof sql, verb, name, c);
    if (err) return err;
    gs_sqlite_conn *sc = gs_sqlite(c);
    sqlite3_stmt *st = NULL;
    for (int i = 0; i < sc->nsavepoints && !st; i++)
        if (!strcmp(sc->savepoints[i].sql, sql)) st = sc->savepoints[i].stmt;
    if (!st && sc->nsavepoints < GS_SQLITE_SAVEPOINT_CACHE) {
        int rc = sqlite3_prepare_v3(sc->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(st);
            return gs_sqlite_fail(sc, rc, sql);
        }
        memcpy(sc->savepoints[sc->nsavepoints].sql, sql, sizeof sql);
        sc->savepoints[sc->nsavepoints++].stmt = st;
    }
    if (!st) return exec_uncached(sc, sql, sql);
    return gs_sqlite_exec_stmt(sc, st, sql);
}

static int sq_savepoint(garant_store_conn *c, const char *name) { return savepoint_run(c, "SAVEPOINT", name); }

static int sq_release_savepoint(garant_store_conn *c, const char *name)
{
    return savepoint_run(c, "RELEASE SAVEPOINT", name);
}

/* Undoes the work since the savepoint; the savepoint stays open (release
** it, or roll back to it again), as in SQL. */
static int sq_rollback_to(garant_store_conn *c, const char *name)
{
    return savepoint_run(c, "ROLLBACK TO SAVEPOINT", name);
}

/* ---- deferred sync ---- */

/* Why this is safe (store.h gives the contract). With synchronous=NORMAL
** in WAL mode SQLite writes a transaction's frames into the log at commit
** without fsync; it still syncs the log before every checkpoint and the
** database after it, so frames are only ever overwritten (when the log
** restarts) once their pages are durable in the database. fsync and
** fdatasync act on the file, not on the descriptor: syncing our own
** descriptor of the log makes durable every frame any connection wrote
** into it before the call. Recovery after a crash keeps the frames up to
** the last valid commit. The log is not deleted while the store's
** connections are open; if it ever were replaced, sync opens the new file. */

static int open_wal(sq_store *st, int *out_fd, const char *what)
{
    int fd = open(st->wal_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return garant__error(GARANT_ESTORE, "%s: cannot open %s: %s", what, st->wal_path, strerror(errno));
    *out_fd = fd;
    return 0;
}

/* Make the log's directory entry durable, as SQLite does at its first
** sync of a new log. */
static int sync_folder(const sq_store *st, const char *what)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", st->path);
    int dfd = open(dirname(dir), O_RDONLY | O_CLOEXEC);
    int err = dfd < 0 || fsync(dfd) != 0
                  ? garant__error(GARANT_ESTORE, "%s: cannot sync the folder of %s: %s", what, st->path,
                                  strerror(errno))
                  : 0;
    if (dfd >= 0) close(dfd);
    return err;
}

/* The writer's commit hook (sqlite3_wal_hook, in place of SQLite's
** automatic checkpoint): note the log's size for the checkpointer, and
** checkpoint here only once the log has grown to
** GS_WRITER_CHECKPOINT_PAGES, as SQLite's own hook does at its threshold
** (a busy checkpointer makes it return at once). */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    sq_store *st = arg;
    atomic_store(&st->wal_pages, pages);
    if (pages >= GS_WRITER_CHECKPOINT_PAGES)
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static int sq_defer_sync(garant_store *base)
{
    sq_store *st = (sq_store *)base;
    static const char what[] = "deferring sync";
    size_t n = strlen(st->path) + sizeof "-wal";
    if (!st->wal_path && !(st->wal_path = malloc(n)))
        return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    snprintf(st->wal_path, n, "%s-wal", st->path);
    /* The log exists from the writer's first transaction (the migrations'
    ** check at open). */
    static const char SQL_NORMAL[] = "PRAGMA synchronous = NORMAL";
    int err = open_wal(st, &st->wal_fd, what);
    if (!err) err = sync_folder(st, what);
    if (!err) err = exec_uncached(&st->writer->c, SQL_NORMAL, what);
    if (!err) sqlite3_wal_hook(st->writer->c.db, wal_hook, st);
    if (err && st->wal_fd >= 0) {
        close(st->wal_fd);
        st->wal_fd = -1;
    }
    return err;
}

static int sq_sync(garant_store *base)
{
    sq_store *st = (sq_store *)base;
    static const char what[] = "making commits durable";
    assert(st->wal_fd >= 0 && "defer_sync first");
    pthread_mutex_lock(&st->sync_mu);
    struct stat a, b;
    int err = 0;
    if (fstat(st->wal_fd, &a) != 0 || stat(st->wal_path, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        /* Not expected while the store is open (see above); the frames
        ** of the commits to make durable are in the file the name now
        ** names. */
        int fd = -1;
        err = open_wal(st, &fd, what);
        if (!err) {
            close(st->wal_fd);
            st->wal_fd = fd;
        }
    }
    if (!err && fdatasync(st->wal_fd) != 0)
        err = garant__error(GARANT_EIO, "%s: fdatasync of %s failed: %s", what, st->wal_path, strerror(errno));
    pthread_mutex_unlock(&st->sync_mu);
    return err;
}

/* A checkpoint that never waits for the writer (PASSIVE): it copies the
** committed pages no reader still needs from the log into the database.
** It runs on a connection of its own with synchronous = FULL, so SQLite
** syncs the log before copying and the database after, as it does for its
** automatic checkpoints: the writer restarts the log only over pages that
** are durable in the database (see "Why this is safe" above). */
/* SQLite's heap, every connection's page cache and statements included:
** process-wide, and this process opens one store. */
static int64_t sq_memory_used(garant_store *base)
{
    (void)base;
    return (int64_t)sqlite3_memory_used();
}

static int sq_checkpoint(garant_store *base)
{
    sq_store *st = (sq_store *)base;
    static const char what[] = "checkpointing the log";
    int pages = atomic_load(&st->wal_pages);
    if (pages < st->ckpt_pages) st->ckpt_pages = 0; /* the log started again */
    if (pages - st->ckpt_pages < GS_CHECKPOINT_PAGES) return 0;
    /* Tried at this size whatever comes of it: neither a reader holding an
    ** old snapshot nor a connection that cannot be opened is retried at
    ** every fsync. */
    st->ckpt_pages = pages;
    int err = st->ckpt ? 0 : conn_open(&st->ckpt, st, 0);
    if (err) return err;
    int rc = sqlite3_wal_checkpoint_v2(st->ckpt->c.db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc == SQLITE_BUSY) return 0; /* the writer's own checkpoint is running */
    return rc == SQLITE_OK ? 0 : gs_sqlite_fail(&st->ckpt->c, rc, what);
}

static int sq_schema_version(garant_store_conn *c, int *out)
{
    return query_int(gs_sqlite(c), SQL_USER_VERSION, out, "reading the schema version");
}

const garant_store_ops garant_store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .acquire = sq_acquire,
    .release = sq_release,
    .writer = sq_writer,
    .begin_read = sq_begin_read,
    .begin_write = sq_begin_write,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release_savepoint = sq_release_savepoint,
    .rollback_to = sq_rollback_to,
    .defer_sync = sq_defer_sync,
    .sync = sq_sync,
    .checkpoint = sq_checkpoint,
    .memory_used = sq_memory_used,
    .schema_version = sq_schema_version,
    .accounts = &gs_sqlite_accounts_ops,
    .tickets = &gs_sqlite_tickets_ops,
    .sla = &gs_sqlite_sla_ops,
    .admin = &gs_sqlite_admin_ops,
    .mail = &gs_sqlite_mail_ops,
    .notify = &gs_sqlite_notify_ops,
    .inbound = &gs_sqlite_inbound_ops,
    .attachments = &gs_sqlite_attachments_ops,
    .groups = &gs_sqlite_groups_ops,
    .views = &gs_sqlite_views_ops,
};

/* ---- backend-neutral opening ---- */

/* The backends this build knows, by target prefix. */
static const struct {
    const char *scheme;
    const garant_store_ops *ops;
} backends[] = {
    {"sqlite", &garant_store_sqlite_ops},
};

/* A target is "SCHEME:REST" when it starts with a lower-case word and a
** colon; anything else is a bare SQLite path. (A file whose name looks like
** a scheme is reached as "sqlite:name".) */
int garant_store_open(garant_store **out, const char *target, int read_pool_size)
{
    *out = NULL;
    if (!target || !*target) return garant__error(GARANT_EINVAL, "store: empty target");
    size_t n = 0;
    while ((target[n] >= 'a' && target[n] <= 'z') || (n > 0 && target[n] >= '0' && target[n] <= '9')) n++;
    if (n == 0 || target[n] != ':') return garant_store_sqlite_ops.open(out, target, read_pool_size);
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strlen(backends[i].scheme) == n && memcmp(backends[i].scheme, target, n) == 0)
            return backends[i].ops->open(out, target + n + 1, read_pool_size);
    return garant__error(GARANT_EINVAL, "store: unknown backend \"%.*s\" in \"%s\" (known: sqlite)", (int)n, target,
                         target);
}

void garant_store_close(garant_store *st)
{
    if (st) st->ops->close(st);
}

const garant_store_ops *garant_store_ops_of(const garant_store *st) { return st->ops; }

