/*
** server.c - the HTTP server: libmicrohttpd setup, the request lifecycle
** (body, routing, authentication, CSRF, response), the error-to-status
** table, the writer thread (group commit) and the policy holder.
**
** Threading: a few event-loop threads (libmicrohttpd's epoll, `--threads
** N`, default 2) read requests and send responses, and never wait:
**   - A route marked HTTP_RUN_INLINE (filing a ticket) runs on the loop:
**     its session comes from the session cache (sessions.h), it checks its
**     input, queues its write with http_write_then and the connection is
**     suspended; it is resumed once its commit is durable, and the loop
**     builds and sends the answer. Nothing waits for the fsync but the
**     client.
**   - Every other route is suspended and handed to a worker thread
**     (`--workers N`, default 32) that may block: store reads, http_write,
**     mail. The worker resumes the connection with the response set, and
**     the loop sends it. Routes that hash passwords (argon2id) have a pool
**     of 8 of their own, so a flood of sign-ins cannot take them all.
**   - One writer thread commits every queued write, many in one
**     transaction (group commit), without waiting for the disk; a syncer
**     thread makes each committed batch durable with one fdatasync while
**     the writer builds the next, then answers its requests
**     (docs/durability.md).
** An earlier design gave each connection a thread that blocked through
** its commit: 250 us of CPU a submission, mostly thread wake-ups, malloc
** contention and store reads (docs/performance.md, "Where the time goes").
*/
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "../core/internal.h"
#include "loader.h"
#include "log.h"
#include "server_internal.h"
#include "text.h"

/* Largest request body: a ticket body is at most 64 KiB, a policy YAML at
** most 1 MiB; anything larger is refused with 413 without buffering it. */
#define MAX_BODY (1024 * 1024 + 4096)
/* Most writes one transaction commits. */
#define MAX_BATCH 4096
/* Threads: event loops and workers ("Threading" above). */
#define DEFAULT_LOOPS 2
#define DEFAULT_WORKERS 32
/* Workers for the routes that hash passwords: as many as may hash at once
** (MAX_CONCURRENT_HASHES in routes_accounts.c); more would only wait. */
#define HASHING_WORKERS 8
/* Requests that may wait for them (--max-waiting-sign-ins): at ~50 ms a
** hash, the last waits about 1.6 s; more are answered 503 at once rather
** than held, each with its connection, while a flood lasts. */
#define DEFAULT_WAITING_HASHES 256
/* Memory for a connection's headers and buffers (MHD's default is 32
** KiB). MHD zeroes all of it, more than once, for every request on a
** kept-alive connection, from memory gone cold among hundreds of
** connections: at 16 KiB that was 3.5 % of a submission's CPU. 10 KiB
** holds requests with up to 9 KB of headers (8 KB is a common ceiling:
** Tomcat's default, nginx's buffer for a line); larger ones get 431.
** Bodies stream through on_request in pieces and need none of it. */
#define CONNECTION_MEMORY (10 * 1024)
/* Largest body buffer a connection keeps for its next request. */
#define KEPT_BODY (16 * 1024)
/* Largest http_alloc block a connection keeps for its next request. */
#define KEPT_BLOCK (8 * 1024)
/* How long shutdown waits for requests in flight to be answered. */
#define DRAIN_MS 30000
/* The session cache (sessions.h): entries, and how long one is trusted
** without reading the store again. */
#define SESSION_CACHE_SLOTS 4096 /* ~3 MiB */
#define SESSION_CACHE_TTL_S 10

const http_route *const http_route_tables[] = {
    http_routes_system, http_routes_accounts, http_routes_admin,   http_routes_tickets,
    http_routes_policy, http_routes_sla,      http_routes_reports, NULL,
};

/* ---- errors ---------------------------------------------------------- */

/* garant_err -> HTTP status: the one table. */
static const struct {
    int err;
    int status;
} status_table[] = {
    {GARANT_OK, 200},        {GARANT_EINVAL, 422},     {GARANT_EPARSE, 400},   {GARANT_ENOTFOUND, 404},
    {GARANT_ECONFLICT, 409}, {GARANT_EAUTH, 401},      {GARANT_EPERM, 403},    {GARANT_ETHROTTLED, 429},
    {GARANT_ELIMIT, 413},    {GARANT_ERANGE, 422},     {GARANT_ECONFIG, 422},  {GARANT_ENOMEM, 503},
    {GARANT_ESTORE, 500},    {GARANT_EIO, 500},        {GARANT_ETZIF, 500},    {GARANT_EBUSY, 503},
};

int http_status_of(int err)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].err == err) return status_table[i].status;
    return 500;
}

/* ---- clock and policy ------------------------------------------------ */

/* Business time, UTC epoch seconds. Under --test-clock only the test
** clock: a server under test never reads the real one. */
int64_t http_now(garant_server *srv)
{
    if (srv->opt.test_clock) return atomic_load(&srv->fixed_now);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

const garant_policy *http_policy(http_req *r) { return http_policy_current(r->srv, NULL); }

const garant_policy *http_policy_current(garant_server *srv, int64_t *out_version)
{
    pthread_mutex_lock(&srv->policy_mu);
    const garant_policy *p = srv->policy;
    if (out_version) *out_version = srv->policy_version;
    pthread_mutex_unlock(&srv->policy_mu);
    return p;
}

/* The compiled version, or NULL; under policy_mu. */
static const garant_policy *find_version(garant_server *srv, int64_t version)
{
    for (policy_node *n = srv->versions; n; n = n->next)
        if (n->version == version) return n->pol;
    return NULL;
}

/* Keep pol as version; under policy_mu. Takes ownership of pol (freed on
** GARANT_ENOMEM). */
static int keep_version(garant_server *srv, garant_policy *pol, int64_t version)
{
    policy_node *n = malloc(sizeof *n);
    if (!n) {
        garant_policy_free(pol);
        return garant__error(GARANT_ENOMEM, "out of memory keeping policy version %lld", (long long)version);
    }
    n->pol = pol;
    n->version = version;
    n->next = srv->versions;
    srv->versions = n;
    return 0;
}

int http_policy_compile(garant_policy **out, garant_diags **out_diags, garant_server *srv, const char *yaml)
{
    garant_io_ctx io = {srv->config_dir, NULL};
    return garant_config_load(out, out_diags, yaml, strlen(yaml), garant_io_resource, &io);
}

int http_policy_version(const garant_policy **out, garant_server *srv, garant_store_conn *c, int64_t version)
{
    pthread_mutex_lock(&srv->policy_mu);
    *out = version == 0 || version == srv->policy_version ? srv->policy : find_version(srv, version);
    pthread_mutex_unlock(&srv->policy_mu);
    if (*out) return 0;
    garant_policy_version v;
    int rc = GS(c)->sla->policy_get(c, version, &v);
    garant_policy *pol = NULL;
    if (!rc) rc = http_policy_compile(&pol, NULL, srv, v.yaml);
    free(v.yaml);
    if (rc) return garant__error(rc, "policy version %lld: %s", (long long)version, garant_error_last());
    pthread_mutex_lock(&srv->policy_mu);
    /* Another thread may have compiled it meanwhile: keep one. */
    const garant_policy *had = find_version(srv, version);
    if (had) {
        garant_policy_free(pol);
        *out = had;
    } else if ((rc = keep_version(srv, pol, version)) == 0) {
        *out = pol;
    }
    pthread_mutex_unlock(&srv->policy_mu);
    return rc;
}

const garant_policy *http_ticket_policy(garant_server *srv, garant_store_conn *c, int64_t version)
{
    const garant_policy *pol;
    if (http_policy_version(&pol, srv, c, version) == 0) return pol;
    http_log("%s; showing the ticket under the current policy", garant_error_last());
    return http_policy_current(srv, NULL);
}

int http_policy_swap(garant_server *srv, garant_policy *pol, int64_t version)
{
    pthread_mutex_lock(&srv->policy_mu);
    const garant_policy *had = find_version(srv, version);
    int rc = 0;
    if (had) {
        /* Restoring a version compiled before: use that one. */
        garant_policy_free(pol);
        pol = (garant_policy *)had;
    } else {
        rc = keep_version(srv, pol, version);
    }
    if (!rc) {
        srv->policy = pol;
        srv->policy_version = version;
    }
    pthread_mutex_unlock(&srv->policy_mu);
    return rc;
}

garant_store *http_store(garant_server *srv) { return srv->store; }

const http_freemail *http_freemail_list(const garant_server *srv) { return &srv->freemail; }

/* ---- threads ---------------------------------------------------------- */

/* Nanoseconds from a to b, read from the same clock. */
static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

void http_thread_name(const char *name)
{
    /* Names show in top -H, perf and gdb; Linux keeps 15 characters. */
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/* ---- the writer (group commit) --------------------------------------- */

/* Append the jobs first..last (linked by next) to the list *head..*tail:
** the writer's queue, and the syncer's. The caller holds the list's lock. */
static void append_jobs(http_write_job **head, http_write_job **tail, http_write_job *first, http_write_job *last)
{
    if (*tail)
        (*tail)->next = first;
    else
        *head = first;
    *tail = last;
}

int http_write(garant_server *srv, http_write_fn fn, void *ctx)
{
    return http_write_undone(srv, fn, ctx, HTTP_WRITE_SAVEPOINT);
}

int http_write_undone(garant_server *srv, http_write_fn fn, void *ctx, http_write_undo undo)
{
    http_write_job job;
    memset(&job, 0, sizeof job);
    job.fn = fn;
    job.ctx = ctx;
    job.undo = undo;
    if (pthread_cond_init(&job.cv, NULL) != 0) return garant__error(GARANT_ENOMEM, "cannot wait for a write");
    pthread_mutex_lock(&srv->write_mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->write_mu);
        pthread_cond_destroy(&job.cv);
        return garant__error(GARANT_ESTORE, "the server is shutting down");
    }
    /* The job lives on this stack frame while queued: this function does
    ** not return before the writer has marked it done. */
    append_jobs(&srv->queue_head, &srv->queue_tail, &job, &job);
    pthread_cond_signal(&srv->write_cv);
    while (!job.done) pthread_cond_wait(&job.cv, &srv->write_mu);
    pthread_mutex_unlock(&srv->write_mu);
    pthread_cond_destroy(&job.cv);
    if (job.rc) return garant__error(job.rc, "%s", job.message);
    return 0;
}

/* Is the writer's transaction still open? After a failed write SQLite
** may have rolled all of it back (an I/O error, want of memory); a
** savepoint opens only inside a transaction. */
static int still_open(const garant_store_ops *ops, garant_store_conn *w)
{
    if (ops->savepoint(w, "job") != 0) return 0;
    ops->release_savepoint(w, "job");
    return 1;
}

/* Run each job of list in the writer's open transaction (begin_rc: the
** transaction could not be started, and every job fails with why). A
** failed job is undone alone: by rolling back to its own savepoint, or,
** one statement long (http_write_then), by SQLite; an HTTP_WRITE_WHOLE job
** by rolling back the whole transaction. Returns 1 if a failure
** took the whole transaction with it: the later jobs fail rather than run
** outside it, and the caller must commit at once, which fails the earlier
** ones, before it runs more. */
static int run_jobs(garant_server *srv, http_write_job *list, int begin_rc, const char *why)
{
    const garant_store_ops *ops = garant_store_ops_of(srv->store);
    garant_store_conn *w = ops->writer(srv->store);
    char lost[sizeof list->message] = ""; /* why the transaction is gone, if it is */
    for (http_write_job *j = list; j; j = j->next) {
        if (begin_rc || lost[0]) {
            j->rc = GARANT_ESTORE;
            if (begin_rc)
                snprintf(j->message, sizeof j->message, "the database could not start a transaction: %s", why);
            else
                memcpy(j->message, lost, sizeof lost);
            continue;
        }
        int own_savepoint = j->undo == HTTP_WRITE_SAVEPOINT;
        garant__error_clear();
        if (own_savepoint && (j->rc = ops->savepoint(w, "job"))) {
            snprintf(j->message, sizeof j->message, "%s", garant_error_last());
            own_savepoint = 0;
        } else if ((j->rc = j->fn(w, j->ctx))) {
            snprintf(j->message, sizeof j->message, "%s", garant_error_last());
            if (own_savepoint) ops->rollback_to(w, "job");
            if (j->undo == HTTP_WRITE_WHOLE) ops->rollback(w);
        }
        if (own_savepoint) ops->release_savepoint(w, "job");
        if (j->rc && !still_open(ops, w))
            snprintf(lost, sizeof lost, "the transaction was rolled back after an earlier write failed: %.300s",
                     j->message);
    }
    return lost[0] != 0;
}

/* Commit the writer's open transaction; if that fails, roll back and fail
** every job of list that had succeeded. */
static void commit_jobs(garant_server *srv, http_write_job *list)
{
    const garant_store_ops *ops = garant_store_ops_of(srv->store);
    garant_store_conn *w = ops->writer(srv->store);
    if (ops->commit(w) == 0) return;
    char why[400];
    snprintf(why, sizeof why, "%s", garant_error_last());
    ops->rollback(w);
    for (http_write_job *j = list; j; j = j->next) {
        if (j->rc) continue;
        j->rc = GARANT_ESTORE;
        snprintf(j->message, sizeof j->message, "the database could not commit: %s", why);
    }
}

/* Answer every job of a committed (and durable) list: wake each waiting
** requester under the lock (their jobs live on their stacks, and none can
** return and free its job before the lock is released; one signal per job,
** as a broadcast woke every waiting thread on every commit), then resume
** the suspended requests outside it. */
static void complete_jobs(garant_server *srv, http_write_job *jobs)
{
    http_write_job *resume = NULL;
    pthread_mutex_lock(&srv->write_mu);
    for (http_write_job *j = jobs, *next; j; j = next) {
        next = j->next;
        if (j->on_done) {
            j->next = resume;
            resume = j;
            continue;
        }
        j->done = 1;
        pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&srv->write_mu);
    for (http_write_job *j = resume, *next; j; j = next) {
        next = j->next; /* j is freed once resumed */
        j->on_done(j);
    }
}

/* The writer. Without deferred sync it commits each batch it takes. With
** it, a commit is only worth making when the syncer can fsync it at once:
** while the syncer is busy with the previous commit, the writer keeps its
** transaction open and runs what arrives into it, and commits when the
** syncer is free. The jobs wait no longer than they would have (their
** fsync could not start earlier), and each fsync then follows one commit
** instead of several, whose fixed cost (the log's frames of the pages
** each commit touches, locks) is about 130 us. */
static void *writer_main(void *arg)
{
    garant_server *srv = arg;
    http_thread_name("garant-writer");
    const garant_store_ops *ops = garant_store_ops_of(srv->store);
    garant_store_conn *w = ops->writer(srv->store);
    /* Jobs run but not committed; between rounds, there are some exactly
    ** when a transaction is open (a batch that could not begin one is
    ** handed on in the same round). */
    http_write_job *done = NULL, *done_tail = NULL;
    size_t ndone = 0;
    pthread_mutex_lock(&srv->write_mu);
    for (;;) {
        while (!srv->queue_head && !srv->stopping && !(done && !srv->sync_busy))
            pthread_cond_wait(&srv->write_cv, &srv->write_mu);
        /* Take what is queued (up to MAX_BATCH): everything that arrived
        ** while the previous jobs ran shares this transaction. */
        http_write_job *batch = srv->queue_head, *last = batch;
        size_t n = batch ? 1 : 0;
        while (last && last->next && n < MAX_BATCH) {
            last = last->next;
            n++;
        }
        if (batch) {
            srv->queue_head = last->next;
            if (!srv->queue_head) srv->queue_tail = NULL;
            last->next = NULL;
        }
        pthread_mutex_unlock(&srv->write_mu);
        /* The writer is the one serial stage: its CPU time per write is
        ** the ceiling on writes per second (/metrics, bench/load.sh). */
        struct timespec c0, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        int begin_rc = 0, lost = 0;
        if (batch) {
            char why[400] = "";
            if (!done) {
                begin_rc = atomic_load(&srv->sync_failed)
                               ? garant__error(GARANT_ESTORE,
                                               "an earlier commit could not be made durable; restart the server")
                               : ops->begin_write(w);
                if (begin_rc) snprintf(why, sizeof why, "%s", garant_error_last());
            }
            lost = run_jobs(srv, batch, begin_rc, why);
            append_jobs(&done, &done_tail, batch, last);
            ndone += n;
            atomic_fetch_add(&srv->write_jobs, n);
        }
        pthread_mutex_lock(&srv->write_mu);
        int commit_now = !srv->deferred_sync || !srv->sync_busy || ndone >= MAX_BATCH || begin_rc || lost ||
                         (srv->stopping && !srv->queue_head);
        pthread_mutex_unlock(&srv->write_mu);
        if (commit_now && done) {
            if (!begin_rc) {
                commit_jobs(srv, done);
                atomic_fetch_add(&srv->write_batches, 1);
            }
            if (!srv->deferred_sync) {
                complete_jobs(srv, done);
            } else {
                /* Committed, not yet durable: the syncer answers the jobs
                ** after its fsync, while this thread runs the next ones.
                ** Busy from now until it finds nothing more to sync; the
                ** locks in the syncer's order (sync_mu, then write_mu). */
                pthread_mutex_lock(&srv->sync_mu);
                append_jobs(&srv->sync_head, &srv->sync_tail, done, done_tail);
                pthread_mutex_lock(&srv->write_mu);
                srv->sync_busy = 1;
                pthread_mutex_unlock(&srv->write_mu);
                pthread_cond_signal(&srv->sync_cv);
                pthread_mutex_unlock(&srv->sync_mu);
            }
            done = done_tail = NULL;
            ndone = 0;
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        atomic_fetch_add(&srv->write_cpu_ns, (uint64_t)elapsed_ns(&c0, &c1));
        pthread_mutex_lock(&srv->write_mu);
        if (srv->stopping && !srv->queue_head && !done) break;
    }
    pthread_mutex_unlock(&srv->write_mu);
    return NULL;
}

/* The second stage of group commit when the store defers sync: one fsync
** makes every transaction committed since the last one durable, then their
** jobs are answered. While it waits for the disk the writer runs the next
** writes (and commits them once this thread is free: writer_main), so an
** fsync never stalls the serial stage. A failed fsync
** leaves the file's state unknown (fsyncgate): the jobs fail, and so does
** every later write until a restart recovers from the log. */
static void *syncer_main(void *arg)
{
    garant_server *srv = arg;
    http_thread_name("garant-syncer");
    const garant_store_ops *ops = garant_store_ops_of(srv->store);
    pthread_mutex_lock(&srv->sync_mu);
    for (;;) {
        while (!srv->sync_head && !srv->sync_stop) pthread_cond_wait(&srv->sync_cv, &srv->sync_mu);
        http_write_job *jobs = srv->sync_head;
        if (!jobs) break;
        srv->sync_head = srv->sync_tail = NULL;
        pthread_mutex_unlock(&srv->sync_mu);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = atomic_load(&srv->sync_failed) ? GARANT_EIO : ops->sync(srv->store);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        atomic_fetch_add(&srv->write_syncs, 1);
        atomic_fetch_add(&srv->write_sync_ns, (uint64_t)elapsed_ns(&t0, &t1));
        if (rc) {
            char why[400];
            snprintf(why, sizeof why, "%s", garant_error_last());
            if (!atomic_exchange(&srv->sync_failed, 1))
                fprintf(stderr, "garant: writes are failing from now on, restart the server: %s\n", why);
            for (http_write_job *j = jobs; j; j = j->next) {
                if (j->rc) continue;
                j->rc = GARANT_ESTORE;
                snprintf(j->message, sizeof j->message, "the write could not be made durable: %s", why);
            }
        }
        complete_jobs(srv, jobs);
        pthread_mutex_lock(&srv->sync_mu);
        if (!srv->sync_head) {
            /* Free: the writer may commit what it holds open. Told under
            ** its lock, so that it cannot miss it between looking and
            ** waiting. */
            pthread_mutex_lock(&srv->write_mu);
            srv->sync_busy = 0;
            pthread_cond_signal(&srv->write_cv);
            pthread_mutex_unlock(&srv->write_mu);
        }
    }
    pthread_mutex_unlock(&srv->sync_mu);
    return NULL;
}

/* ---- responses ------------------------------------------------------- */

int http_reply(http_req *r, int status, json_t *body)
{
    json_decref(r->json);
    free(r->text);
    r->text = NULL;
    r->status = status;
    r->json = body;
    return 0;
}

int http_reply_text(http_req *r, int status, const char *content_type, char *text)
{
    json_decref(r->json);
    r->json = NULL;
    free(r->text);
    r->status = status;
    r->text = text;
    r->content_type = content_type;
    return 0;
}

static void reply_error(http_req *r, int err, const char *message)
{
    json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", garant_err_name(err), "message",
                          message && message[0] ? message : garant_err_name(err));
    http_reply(r, http_status_of(err), e);
}

/* ---- request data ---------------------------------------------------- */

/* Memory that lives as long as a request (http_alloc). */
typedef struct arena_block {
    struct arena_block *next;
    size_t size;                 /* bytes of data */
    max_align_t data[];
} arena_block;

/* Where a request is in its life (server.c, "Threading"). */
typedef enum phase {
    PH_BODY = 0,   /* receiving the body; then dispatched */
    PH_AWAY,       /* suspended: a worker runs it, or its write is queued */
    PH_ANSWERED,   /* resumed with the response set: send it */
    PH_WRITTEN     /* resumed after http_write_then's commit: run `then` */
} phase;

/* A connection's state (MHD's socket_context), made when it opens and
** freed when it closes; each request on it starts with request_start.
** One per connection, not per request: a request allocating and zeroing
** its 2.3 KiB state sent every submission through malloc's slow path
** (a large chunk consolidates the small ones freed before it). */
typedef struct conn_state {
    /* The connection's, kept from one request to the next. */
    struct MHD_Connection *conn;
    char *body;                  /* the body buffer, reused */
    size_t cap;
    arena_block *spare;          /* a block for the next http_alloc */
    /* The request's, zeroed by request_start: from len to the end. */
    size_t len;
    int too_large;
    _Atomic int phase;
    const http_route *rt;
    http_req req;
    char ip[INET6_ADDRSTRLEN];
    struct timespec t0;          /* CLOCK_MONOTONIC, when dispatched */
    int close;                   /* answer with Connection: close (a
                                 ** request whose framing was refused) */
    int pending;                 /* http_write_then queued a write */
    int counted;                 /* counted in srv->inflight; event loop only */
    http_write_job job;          /* that write */
    http_then_fn then;
    struct conn_state *next_work; /* the worker queue */
    arena_block *arena;
} conn_state;

/* Begin a request on cs: everything of the last request gone, the
** connection's part kept. */
static void request_start(conn_state *cs)
{
    memset((char *)cs + offsetof(conn_state, len), 0, sizeof *cs - offsetof(conn_state, len));
}

/* A connection keeps one block of its last request for the next one's
** first http_alloc: filing a ticket allocates 1.2 KiB, and malloc serves a
** chunk that large on its slow path. */
void *http_alloc(http_req *r, size_t n)
{
    conn_state *cs = r->impl;
    arena_block *b = cs->spare;
    if (b && b->size >= n) {
        cs->spare = NULL;
        memset(b->data, 0, n);
    } else {
        if (!(b = calloc(1, sizeof *b + n))) return NULL;
        b->size = n;
    }
    b->next = cs->arena;
    cs->arena = b;
    return b->data;
}

const char *http_query(http_req *r, const char *name)
{
    conn_state *cs = r->impl;
    return MHD_lookup_connection_value(cs->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_query_int(http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *s = http_query(r, name);
    if (!s) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!s[0] || *end || errno || v < min || v > max)
        return garant__error(GARANT_EINVAL, "query parameter '%s' must be an integer from %lld to %lld", name,
                             (long long)min, (long long)max);
    *out = v;
    return 1;
}

const char *http_header(http_req *r, const char *name)
{
    conn_state *cs = r->impl;
    return MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, name);
}

static const char *ftype_name(http_ftype t)
{
    static const char *const names[] = {"a string", "an integer", "true or false", "an array of strings",
                                        "an object"};
    return names[t];
}

/* Case-insensitive prefix: does s start with lower-case word? */
static int starts_ci(const char *s, const char *word)
{
    for (; *word; s++, word++)
        if (!*s || (*s >= 'A' && *s <= 'Z' ? *s + 32 : *s) != *word) return 0;
    return 1;
}

/* RFC 9110's token characters (header names, media types, parameters). */
static int tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* A request body's Content-Type must be JSON in UTF-8 (RFC 8259): the
** media type application/json in any case (RFC 9110 8.3.1), with optional
** parameters; a charset parameter, if any, must be utf-8. Anything else is
** refused with GARANT_EPARSE naming the header (the value quoted escaped:
** it is the client's). */
static int check_json_type(const char *ct)
{
    const char *p = skip_ows(ct);
    const char *why = "expected Content-Type application/json";
    if (!starts_ci(p, "application/json")) goto bad;
    p = skip_ows(p + 16);
    while (*p == ';') {
        p = skip_ows(p + 1);
        const char *name = p;
        while (tchar(*p)) p++;
        size_t name_len = (size_t)(p - name);
        if (!name_len || *p++ != '=') goto bad;
        const char *val = p;
        size_t val_len;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"' && *p != '\\') p++;
            if (*p != '"') goto bad; /* unterminated, or an escape no charset needs */
            val_len = (size_t)(p++ - val);
        } else {
            while (tchar(*p)) p++;
            val_len = (size_t)(p - val);
            if (!val_len) goto bad;
        }
        if (name_len == 7 && starts_ci(name, "charset") && !(val_len == 5 && starts_ci(val, "utf-8"))) {
            why = "Content-Type application/json must be in charset utf-8";
            goto bad;
        }
        p = skip_ows(p);
    }
    if (*p) goto bad;
    return 0;
bad:;
    char shown[200];
    return garant__error(GARANT_EPARSE, "%s, got '%s'", why,
                         http_log_escape(shown, sizeof shown, ct, strnlen(ct, 64), 0));
}

int http_body_fields(http_req *r, const http_field *spec, json_t **out)
{
    /* The route table declares what a handler reads: `garant routes --json`
    ** and docs/openapi.yaml's test rely on it. */
    assert(!r->impl || spec == ((conn_state *)r->impl)->rt->body);
    size_t nspec = 0;
    while (spec[nspec].name) out[nspec++] = NULL;
    const char *ct = http_header(r, "Content-Type");
    int rc = ct ? check_json_type(ct) : 0;
    if (rc) return rc;
    json_error_t jerr;
    json_t *root = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return garant__error(GARANT_EPARSE, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return garant__error(GARANT_EPARSE, "the request body must be a JSON object");
    }
    /* The parsed body lives as long as the request, through r->impl's owner. */
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        size_t i = 0;
        while (i < nspec && strcmp(spec[i].name, key) != 0) i++;
        if (i == nspec) {
            rc = garant__error(GARANT_EINVAL, "unknown field '%.64s'", key);
            break;
        }
        const http_field *f = &spec[i];
        size_t max = f->max ? f->max : HTTP_FIELD_MAX_DEFAULT;
        int ok = 0;
        switch (f->type) {
        case HTTP_F_STRING: ok = json_is_string(val); break;
        case HTTP_F_INT: ok = json_is_integer(val); break;
        case HTTP_F_BOOL: ok = json_is_boolean(val); break;
        case HTTP_F_OBJECT: ok = json_is_object(val); break;
        case HTTP_F_ARRAY: {
            ok = json_is_array(val);
            size_t k;
            json_t *el;
            json_array_foreach(val, k, el) ok =
                ok && json_is_string(el) && json_string_length(el) <= HTTP_ARRAY_ITEM_MAX;
            if (ok && json_array_size(val) > max) {
                rc = garant__error(GARANT_EINVAL, "'%s' has more than %zu elements", f->name, max);
                goto done;
            }
            break;
        }
        }
        if (!ok) {
            rc = garant__error(GARANT_EINVAL, "'%s' must be %s", f->name, ftype_name(f->type));
            break;
        }
        if (f->type == HTTP_F_STRING && json_string_length(val) > max) {
            rc = garant__error(f->max >= 65536 ? GARANT_ELIMIT : GARANT_EINVAL, "'%s' is longer than %zu bytes",
                               f->name, max);
            break;
        }
        if (f->type == HTTP_F_STRING && memchr(json_string_value(val), '\0', json_string_length(val))) {
            rc = garant__error(GARANT_EINVAL, "'%s' contains a NUL character", f->name);
            break;
        }
        out[i] = val;
    }
done:
    for (size_t i = 0; !rc && i < nspec; i++)
        if (spec[i].required && !out[i]) rc = garant__error(GARANT_EINVAL, "'%s' is required", spec[i].name);
    if (rc) {
        json_decref(root);
        for (size_t i = 0; i < nspec; i++) out[i] = NULL;
        return rc;
    }
    /* The values stay valid until the request ends. */
    json_decref(r->body_json);
    r->body_json = root;
    return 0;
}

/* ---- routing --------------------------------------------------------- */

/* The largest id a route takes: 2^53 - 1, the largest integer a JSON
** number keeps exactly in every client (JavaScript's
** Number.MAX_SAFE_INTEGER). Ids are written as JSON numbers; a larger one
** could name a different object in the client than in the server. */
#define MAX_ROUTE_ID ((INT64_C(1) << 53) - 1)

/* Match path against pattern; {id} and {id2} take an id: a positive
** integer in canonical decimal (no sign, no leading zero) up to
** MAX_ROUTE_ID. Anything else there ("01", "+1", 2^53) matches no route,
** so it is answered 404 like any other path that names nothing. */
static int match(const char *pattern, const char *path, int64_t *id, int64_t *id2)
{
    const char *p = pattern, *s = path;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            int second = strncmp(p, "{id2}", 5) == 0;
            int64_t v = 0;
            if (*s == '0') return 0; /* a leading zero, or the id 0 */
            int digits = 0;
            while (*s >= '0' && *s <= '9') {
                int d = *s++ - '0';
                if (v > (MAX_ROUTE_ID - d) / 10) return 0;
                v = v * 10 + d;
                digits++;
            }
            if (!digits) return 0;
            *(second ? id2 : id) = v;
            p = close + 1;
            continue;
        }
        if (*p++ != *s++) return 0;
    }
    return *s == '\0';
}

/* The route for method and path; *path_known tells 404 from 405. */
static const http_route *find_route(const char *method, const char *path, int64_t *id, int64_t *id2,
                                    int *path_known)
{
    *path_known = 0;
    for (size_t t = 0; http_route_tables[t]; t++)
        for (const http_route *rt = http_route_tables[t]; rt->method; rt++) {
            int64_t a = 0, b = 0;
            if (!match(rt->pattern, path, &a, &b)) continue;
            *path_known = 1;
            /* HEAD is GET without the body (RFC 9110 9.3.2): MHD sends
            ** the headers of the answer, Content-Length included, and
            ** leaves the body out. GET routes change nothing. */
            if (strcmp(rt->method, method) != 0 && !(!strcmp(method, "HEAD") && !strcmp(rt->method, "GET")))
                continue;
            *id = a;
            *id2 = b;
            return rt;
        }
    return NULL;
}

/* ---- authentication -------------------------------------------------- */

/* The token of "Authorization: Bearer T", or NULL. The scheme is
** case-insensitive and followed by one or more spaces (RFC 9110 11.1,
** 11.4); clients send "bearer" too. */
static const char *bearer_token(http_req *r)
{
    const char *auth = http_header(r, "Authorization");
    if (!auth || !starts_ci(auth, "bearer") || auth[6] != ' ') return NULL;
    const char *t = auth + 6;
    while (*t == ' ') t++;
    return t;
}

/* The session token from "Authorization: Bearer T" or the garant_session
** cookie; NULL if none. Sets *via_cookie. */
static const char *presented_token(http_req *r, int *via_cookie)
{
    conn_state *cs = r->impl;
    const char *bearer = bearer_token(r);
    *via_cookie = 0;
    if (bearer) return bearer;
    const char *cookie = MHD_lookup_connection_value(cs->conn, MHD_COOKIE_KIND, "garant_session");
    if (cookie) *via_cookie = 1;
    return cookie;
}

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* The presented session, from the session cache or else the store (a
** read connection: r->db, or one borrowed for the lookup by an inline
** handler, which has none). */
static int authenticate(http_req *r)
{
    int via_cookie;
    const char *token = presented_token(r, &via_cookie);
    if (!token || !token[0]) return 0;
    if (strlen(token) > 128) return garant__error(GARANT_EAUTH, "the session token is not valid");
    uint8_t hash[32];
    http_token_hash(hash, token);
    http_sessions *cache = r->srv->sessions;
    int64_t mono = monotonic_s();
    if (!http_sessions_get(cache, hash, r->now, mono, &r->session, &r->user)) {
        uint64_t gen = http_sessions_generation(cache);
        const garant_store_ops *ops = garant_store_ops_of(r->srv->store);
        garant_store_conn *c = r->db;
        int rc = c ? 0 : ops->acquire(&c, r->srv->store);
        if (!rc) rc = ops->accounts->session_get(c, hash, r->now, &r->session);
        if (rc == GARANT_ENOTFOUND) rc = garant__error(GARANT_EAUTH, "the session has expired or was ended; log in again");
        if (!rc) rc = ops->accounts->user_get(c, r->session.user_id, &r->user);
        if (rc == GARANT_ENOTFOUND) rc = garant__error(GARANT_EAUTH, "the session's account no longer exists");
        if (c && c != r->db) ops->release(c);
        if (rc) return rc;
        http_sessions_put(cache, gen, &r->session, &r->user, mono);
        memset(r->user.password_hash, 0, sizeof r->user.password_hash);
    }
    r->authed = 1;
    r->via_cookie = via_cookie;
    return 0;
}

void http_forget_session(garant_server *srv, const uint8_t hash[32]) { http_sessions_forget(srv->sessions, hash); }

void http_forget_user_sessions(garant_server *srv, int64_t user_id)
{
    http_sessions_forget_user(srv->sessions, user_id);
}

/* Does the request carry the metrics token (--metrics-token-file)? The
** comparison takes the same time wherever the tokens differ. */
static int metrics_token_presented(http_req *r)
{
    const char *want = r->srv->metrics_token, *got = bearer_token(r);
    if (!want || !got) return 0;
    size_t n = strlen(want);
    return strlen(got) == n && sodium_memcmp(got, want, n) == 0;
}

static int authorize(http_req *r, const http_route *rt)
{
    if (rt->auth == HTTP_PUBLIC) return 0;
    if (!r->authed)
        return garant__error(GARANT_EAUTH, rt->auth == HTTP_METRICS
                                               ? "authentication required: send the metrics token "
                                                 "(--metrics-token-file) or an admin's session"
                                               : "authentication required: log in and send the session");
    /* Sessions are only made for confirmed, active accounts; an account
    ** deactivated since (its sessions end with it) or unconfirmed again
    ** sees nothing, whatever a cache still holds. */
    if (!r->user.verified_at || r->user.deactivated_at)
        return garant__error(GARANT_EAUTH, "the session's account is not active; log in again");
    if (rt->auth == HTTP_STAFF && r->user.role == GARANT_ROLE_CUSTOMER)
        return garant__error(GARANT_EPERM, "only agents and admins may do this");
    if (rt->auth == HTTP_ADMIN && r->user.role != GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EPERM, "only admins may do this");
    if (rt->auth == HTTP_METRICS && r->user.role != GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EPERM, "only admins, or the metrics token (--metrics-token-file), may do this");
    return 0;
}

/* Cookie-authenticated writes must echo the session's CSRF token: a form
** on another site can send the cookie but cannot read the token. */
static int check_csrf(http_req *r)
{
    if (!r->authed || !r->via_cookie) return 0;
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) return 0;
    const char *t = http_header(r, "X-CSRF-Token");
    if (!t || strlen(t) != strlen(r->session.csrf) || sodium_memcmp(t, r->session.csrf, strlen(t)) != 0)
        return garant__error(GARANT_EPERM, "missing or wrong X-CSRF-Token header for a cookie-authenticated request");
    return 0;
}

/* ---- static pages ---------------------------------------------------- */

/* Content types by extension; anything else is not served. */
static const struct {
    const char *ext;
    const char *type;
    int immutable;   /* assets may be cached; pages are revalidated */
} static_types[] = {
    {".html", "text/html; charset=utf-8", 0},   {".js", "text/javascript; charset=utf-8", 1},
    {".css", "text/css; charset=utf-8", 1},     {".svg", "image/svg+xml", 1},
    {".png", "image/png", 1},                   {".ico", "image/x-icon", 1},
    {".json", "application/json", 1},          {".webmanifest", "application/manifest+json", 1},
    {".woff2", "font/woff2", 1},
};

/* The strict policy the pages are written for: no inline script or style,
** nothing from other origins, no framing. */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " \
            "form-action 'self'; frame-ancestors 'none'"

/* Serve GET path from the web root; returns an MHD result, or -1 if the
** path names no servable file (the caller answers 404). Paths with "..",
** hidden segments or unknown extensions are never served. "/" and paths
** without an extension map to their .html page ("/agent" -> agent.html). */
static int serve_static(struct MHD_Connection *conn, garant_server *srv, const char *url)
{
    const char *root = srv->opt.web_root;
    if (!root || url[0] != '/' || strstr(url, "..") || strstr(url, "/.") || strlen(url) > 200) return -1;
    char rel[256];
    const char *base = strrchr(url, '/');
    if (!strcmp(url, "/"))
        snprintf(rel, sizeof rel, "/index.html");
    else if (!strchr(base, '.'))
        snprintf(rel, sizeof rel, "%s.html", url);
    else
        snprintf(rel, sizeof rel, "%s", url);
    for (const char *p = rel; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '-' || c == '_'))
            return -1;
    }
    const char *ext = strrchr(rel, '.');
    size_t k = 0, nt = sizeof static_types / sizeof static_types[0];
    while (k < nt && strcmp(static_types[k].ext, ext) != 0) k++;
    if (k == nt) return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, rel);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat stt;
    if (fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode) || stt.st_size > 8 * 1024 * 1024) {
        fclose(f);
        return -1;
    }
    size_t len = (size_t)stt.st_size;
    char *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, f) != len) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", static_types[k].type);
    MHD_add_response_header(resp, "Cache-Control", static_types[k].immutable ? "public, max-age=300" : "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    int ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- the request lifecycle ------------------------------------------ */

/* One line a request: "METHOD PATH STATUS TIMEms". The method and the
** path are the client's (the path URL-decoded by libmicrohttpd): escaped,
** spaces too, so that neither can end the line or add a field to it
** (log.h). A path is cut at about 1 KiB in the log. */
static void log_request(http_req *r, double ms)
{
    if (r->srv->opt.quiet) return;
    char method[64], path[1024];
    http_log_escape(method, sizeof method, r->method, strlen(r->method), HTTP_LOG_SPACE);
    http_log_escape(path, sizeof path, r->path, strlen(r->path), HTTP_LOG_SPACE);
    fprintf(stderr, "%s %s %d %.1fms\n", method, path, r->status, ms);
}

/* libmicrohttpd's own messages, through the same escaping: some name
** what a client sent. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[1024], line[sizeof text * HTTP_LOG_ESCAPE_MAX + 4];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    while (len && text[len - 1] == '\n') len--; /* its messages end in a line break */
    fprintf(stderr, "garant: libmicrohttpd: %s\n", http_log_escape(line, sizeof line, text, len, 0));
}

/* json_dump_callback's sink: 0, or -1 when the text cannot grow. */
static int dump_append(const char *buffer, size_t size, void *data)
{
    return http_text_add(data, buffer, size) == 0 ? 0 : -1;
}

/* Turn the JSON response into text, on the thread that built it: its
** objects are then freed where they were allocated, and glibc's
** per-thread caches serve the next request. A worker that built a page
** and an event loop that freed it sent every allocation down malloc's slow
** path (17 % of a queue page's CPU). One pass into a buffer that starts at
** a likely size and doubles: json_dumps starts at 16 bytes. */
static void render(http_req *r)
{
    if (!r->json) return;
    http_text b = {0};
    int ok = garant__grow((void **)&b.s, &b.cap, 4096, 1) == 0 &&
             json_dump_callback(r->json, dump_append, &b, JSON_COMPACT | JSON_ENCODE_ANY) == 0 &&
             http_text_add(&b, "", 0) == 0; /* NUL-terminated even if empty; JSON text holds no NUL */
    json_decref(r->json);
    r->json = NULL;
    free(r->text);
    r->text = NULL;
    if (!ok) {
        free(b.s);
        r->status = 503; /* out of memory: an empty answer says so */
        return;
    }
    r->text = b.s;
    r->content_type = "application/json";
}

static int send_response(struct MHD_Connection *conn, http_req *r)
{
    render(r);
    char *text = r->text;
    r->text = NULL;
    size_t len = text ? strlen(text) : 0;
    const char *ct = r->content_type ? r->content_type : "text/plain; charset=utf-8";
    if (!text && !(text = malloc(1))) return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    if (len) MHD_add_response_header(resp, "Content-Type", ct);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->set_cookie[0]) MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->location[0]) MHD_add_response_header(resp, "Location", r->location);
    if (r->retry_after_s > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", r->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (r->status == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (((conn_state *)r->impl)->close) MHD_add_response_header(resp, "Connection", "close");
    int ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Run the route's handler: authentication, authorization, CSRF, then the
** handler itself; any failure becomes the error response. Worker routes
** get a read connection for the handler's lifetime; inline ones none. */
static void handle(http_req *r, conn_state *cs)
{
    const http_route *rt = cs->rt;
    const garant_store_ops *ops = garant_store_ops_of(r->srv->store);
    int rc = rt->run == HTTP_RUN_INLINE ? 0 : ops->acquire(&r->db, r->srv->store);
    /* The metrics token is no session: it stands in for one on its route. */
    int by_token = rt->auth == HTTP_METRICS && metrics_token_presented(r);
    if (!rc && !by_token) rc = authenticate(r);
    /* A public route (login, sign-up, password reset) needs no session: a
    ** stale cookie, or a cookie without its CSRF token, must not lock the
    ** browser out of logging in again; the request runs unauthenticated. */
    if (rc == GARANT_EAUTH && rt->auth == HTTP_PUBLIC) rc = 0;
    if (!rc && !by_token) rc = authorize(r, rt);
    if (!rc) rc = check_csrf(r);
    if (rc == GARANT_EPERM && rt->auth == HTTP_PUBLIC && r->authed && r->via_cookie) {
        r->authed = 0;
        rc = 0;
    }
    if (!rc) {
        garant__error_clear();
        rc = rt->fn(r);
    }
    if (rc) {
        assert(!cs->pending);
        reply_error(r, rc, garant_error_last());
    }
    if (r->db) ops->release(r->db);
    r->db = NULL;
}

/* Hand a suspended request back to the event loop. After this the caller
** must not touch cs: the loop may finish and free it at once. */
static void resume(conn_state *cs, phase next)
{
    atomic_store(&cs->phase, next);
    MHD_resume_connection(cs->conn);
}

/* ---- asynchronous writes (http_write_then) ----------------------------- */

static void write_done(http_write_job *job)
{
    resume(job->owner, PH_WRITTEN);
}

int http_write_then(http_req *r, http_write_fn fn, void *ctx, http_then_fn then, http_write_undo undo)
{
    conn_state *cs = r->impl;
    garant_server *srv = r->srv;
    assert(cs->rt->run == HTTP_RUN_INLINE && !cs->pending);
    memset(&cs->job, 0, sizeof cs->job);
    cs->job.fn = fn;
    cs->job.ctx = ctx;
    cs->job.undo = undo;
    cs->job.on_done = write_done;
    cs->job.owner = cs;
    cs->then = then;
    pthread_mutex_lock(&srv->write_mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->write_mu);
        return garant__error(GARANT_ESTORE, "the server is shutting down");
    }
    /* Suspended before the writer can see the job: it resumes the
    ** connection once committed, and resuming one not suspended is not
    ** allowed. */
    MHD_suspend_connection(cs->conn);
    atomic_store(&cs->phase, PH_AWAY);
    atomic_fetch_add(&srv->inflight, 1);
    cs->counted = 1;
    cs->pending = 1;
    append_jobs(&srv->queue_head, &srv->queue_tail, &cs->job, &cs->job);
    pthread_cond_signal(&srv->write_cv);
    pthread_mutex_unlock(&srv->write_mu);
    return 0;
}

/* ---- the workers ------------------------------------------------------- */

/* A pool of worker threads. Idle workers wait on their own condition
** variable in a stack, and a request goes to the one idle most recently:
** its stack, its malloc caches and its read connection's pages are still
** warm. A shared condition variable wakes whichever thread waited longest,
** the coldest (a queue page cost 2.0 ms of CPU that way, 1.8 ms this way).
**
** There are two pools. Routes that hash a password (HTTP_RUN_HASHING:
** sign-up, login, reset; argon2id, 19 MiB and tens of milliseconds each)
** have a small one of their own: 48 sign-ins at once held every general
** worker and a GET /api/v1/me sent meanwhile waited 0.8 s behind them. */
typedef struct http_worker {
    struct http_pool *pool;
    pthread_t thread;
    pthread_cond_t cv;
    conn_state *job;            /* handed over by to_worker */
    struct http_worker *next_idle;
} http_worker;

struct http_pool {
    const char *thread_name;
    pthread_mutex_t mu;
    conn_state *head, *tail;    /* requests waiting for a worker, FIFO */
    int waiting;                /* queued or about to be (to_worker) */
    int max_waiting;            /* more are refused; 0: no limit */
    const char *refusal;        /* the 503's message then */
    http_worker *idle;          /* idle workers, most recently idle first */
    int stop;
    http_worker *workers;
    int n;
    int busy;                   /* workers with a request in hand */
    /* Tests only (POST /api/v1/test/hold, under --test-clock): while held,
    ** a worker that takes a request waits before running it, so a test can
    ** fill the pool and its queue and see what happens to the rest without
    ** racing the handlers. Stopping the server lets them go. */
    int held;
    pthread_cond_t held_cv;
};

static void *worker_main(void *arg)
{
    http_worker *w = arg;
    http_pool *p = w->pool;
    http_thread_name(p->thread_name);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        conn_state *cs = w->job;
        w->job = NULL;
        if (!cs && (cs = p->head)) {
            p->head = cs->next_work;
            if (!p->head) p->tail = NULL;
            p->waiting--;
        }
        if (!cs) {
            if (p->stop) break;
            w->next_idle = p->idle;
            p->idle = w;
            while (!w->job && !p->stop) pthread_cond_wait(&w->cv, &p->mu);
            continue; /* to_worker took it off the idle stack, or stopping */
        }
        p->busy++;
        while (p->held && !p->stop) pthread_cond_wait(&p->held_cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        handle(&cs->req, cs);
        render(&cs->req);
        /* The parsed body too is freed where it was allocated. */
        json_decref(cs->req.body_json);
        cs->req.body_json = NULL;
        resume(cs, PH_ANSWERED);
        pthread_mutex_lock(&p->mu);
        p->busy--;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Suspend the request and hand it to a worker of pool p, or queue it if
** all are busy: 0, or -1 (nothing done) if the queue is full. A place in
** the queue is taken before the suspension, which is not made under the
** pool's lock. */
static int to_worker(garant_server *srv, http_pool *p, conn_state *cs)
{
    pthread_mutex_lock(&p->mu);
    if (p->max_waiting && !p->idle && p->waiting >= p->max_waiting) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    p->waiting++;
    pthread_mutex_unlock(&p->mu);
    MHD_suspend_connection(cs->conn);
    atomic_store(&cs->phase, PH_AWAY);
    atomic_fetch_add(&srv->inflight, 1);
    cs->counted = 1;
    cs->next_work = NULL;
    pthread_mutex_lock(&p->mu);
    http_worker *w = p->idle;
    if (w) {
        p->idle = w->next_idle;
        w->job = cs;
        p->waiting--;
        pthread_cond_signal(&w->cv);
    } else {
        if (p->tail)
            p->tail->next_work = cs;
        else
            p->head = cs;
        p->tail = cs;
    }
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* A pool of n workers named thread_name; NULL and the error set if any
** cannot start (those started are stopped). Caller owns; free with
** pool_stop. */
static void pool_stop(http_pool *p);
static http_pool *pool_start(const char *thread_name, int n)
{
    http_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)n, sizeof *p->workers))) {
        free(p);
        garant__error(GARANT_ENOMEM, "out of memory for the worker threads");
        return NULL;
    }
    p->thread_name = thread_name;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->held_cv, NULL);
    while (p->n < n) {
        http_worker *w = &p->workers[p->n];
        w->pool = p;
        pthread_cond_init(&w->cv, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            pthread_cond_destroy(&w->cv);
            pool_stop(p);
            garant__error(GARANT_ENOMEM, "cannot start %s thread %d", thread_name, p->n + 1);
            return NULL;
        }
        p->n++;
    }
    return p;
}

/* Stop the workers once they have finished what they hold, and free the
** pool. NULL does nothing. */
static void pool_stop(http_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    for (http_worker *w = p->idle; w; w = w->next_idle) pthread_cond_signal(&w->cv);
    p->idle = NULL;
    pthread_cond_broadcast(&p->held_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++) {
        pthread_join(p->workers[i].thread, NULL);
        pthread_cond_destroy(&p->workers[i].cv);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->held_cv);
    free(p->workers);
    free(p);
}

void http_pool_stats(http_pool *p, int *out_busy, int *out_waiting)
{
    pthread_mutex_lock(&p->mu);
    *out_busy = p->busy;
    *out_waiting = p->waiting;
    pthread_mutex_unlock(&p->mu);
}

void http_pool_hold(http_pool *p, int held)
{
    pthread_mutex_lock(&p->mu);
    p->held = held;
    if (!held) pthread_cond_broadcast(&p->held_cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- the event loop's side ----------------------------------------------- */

/* Send the response the request holds, count and log it, and release
** the request's data (the body buffer stays for on_completed). */
static enum MHD_Result finish(garant_server *srv, struct MHD_Connection *conn, conn_state *cs)
{
    http_req *r = &cs->req;
    int ret = send_response(conn, r);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = elapsed_ns(&cs->t0, &t1);
    atomic_fetch_add(&srv->requests_total, 1);
    atomic_fetch_add(&srv->request_ns_total, (uint64_t)ns);
    int cls_i = r->status / 100;
    if (cls_i >= 1 && cls_i <= 5) atomic_fetch_add(&srv->responses_by_class[cls_i], 1);
    log_request(r, ns / 1e6);
    json_decref(r->json);
    r->json = NULL;
    json_decref(r->body_json);
    r->body_json = NULL;
    free(r->text);
    r->text = NULL;
    return ret == MHD_YES ? MHD_YES : MHD_NO;
}

/* Every X-Forwarded-For header of the request, joined by commas in the
** order they came (RFC 7230: one list), or NULL if none. Owned by the
** request (http_alloc); NULL too if out of memory, which leaves the peer
** as the client. */
typedef struct xff_join {
    char *out;     /* NULL while measuring */
    size_t len;
} xff_join;

static enum MHD_Result xff_each(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    xff_join *j = cls;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || !value) return MHD_YES;
    size_t n = strlen(value);
    if (j->out) {
        if (j->len) j->out[j->len] = ',';
        memcpy(j->out + j->len + (j->len != 0), value, n + 1);
    }
    j->len += n + (j->len != 0);
    return MHD_YES;
}

static const char *forwarded_for(http_req *r, struct MHD_Connection *conn)
{
    xff_join j = {NULL, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_each, &j);
    if (!j.len) return NULL;
    size_t need = j.len + 1;
    if (!(j.out = http_alloc(r, need))) return NULL;
    j.len = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_each, &j);
    return j.out;
}

/* Fill the request from the connection. */
static void fill_request(garant_server *srv, struct MHD_Connection *conn, conn_state *cs, const char *url,
                         const char *method)
{
    clock_gettime(CLOCK_MONOTONIC, &cs->t0);
    http_req *r = &cs->req;
    r->srv = srv;
    r->method = method;
    r->path = url;
    r->body = cs->len ? cs->body : ""; /* the buffer may hold an earlier request's body */
    r->body_len = cs->len;
    r->now = http_now(srv);
    r->impl = cs;
    r->status = 200;
    char peer[INET6_ADDRSTRLEN];
    snprintf(peer, sizeof peer, "unknown");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
    }
    http_client_addr(cs->ip, peer, srv->ntrusted ? forwarded_for(r, conn) : NULL, srv->trusted, srv->ntrusted);
    r->client_ip = cs->ip;
}

/* Fill the request from the connection and pick its route; 0, or the
** response is set already (no route, method not allowed, body too large,
** shutting down). */
static int prepare(garant_server *srv, struct MHD_Connection *conn, conn_state *cs, const char *url,
                   const char *method)
{
    fill_request(srv, conn, cs, url, method);
    http_req *r = &cs->req;
    int path_known;
    cs->rt = find_route(method, url, &r->id, &r->id2, &path_known);
    if (!cs->rt) {
        reply_error(r, path_known ? GARANT_EINVAL : GARANT_ENOTFOUND,
                    path_known ? "method not allowed on this resource" : "no such resource");
        if (path_known) r->status = 405;
        return -1;
    }
    if (cs->too_large) {
        reply_error(r, GARANT_ELIMIT, "request body larger than 1 MiB");
        return -1;
    }
    if (atomic_load(&srv->draining)) {
        reply_error(r, GARANT_EBUSY, "the server is shutting down; try again shortly");
        r->retry_after_s = 1;
        return -1;
    }
    return 0;
}

/* The request is back from a worker or the writer, or its connection ended
** while it was away (the client hung up): it no longer counts as in
** flight. Once per count, whichever comes first; on the event loop. */
static void uncount(garant_server *srv, conn_state *cs)
{
    if (!cs->counted) return;
    cs->counted = 0;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- framing the bare port refuses ------------------------------------ */

/* What framing_problem learns from the headers, one at a time. */
typedef struct framing {
    const char *problem;        /* why the request is refused; NULL if not */
    int status;                 /* 400, or 501 for a transfer coding */
    int hosts, lengths, encodings;
    const char *length;         /* the first Content-Length */
    size_t length_size;
} framing;

/* Is value (n bytes) the single word `chunked`, in any case? Exactly what
** libmicrohttpd takes for chunked: it does not trim a trailing space, and
** "chunked " left it waiting for a body of unknown length. */
static int just_chunked(const char *value, size_t n)
{
    return n == 7 && starts_ci(value, "chunked");
}

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size)
{
    (void)kind;
    framing *f = cls;
    for (size_t i = 0; i < key_size; i++)
        if (!tchar(key[i])) {
            f->problem = "a header name contains a character other than a token's (RFC 9110 5.1)";
            return MHD_NO;
        }
    /* Field values hold no control characters but HTAB (RFC 9110 5.5):
    ** libmicrohttpd keeps a lone CR (or another control) inside one, and a
    ** proxy in front may end the line there where this server does not.
    ** (A NUL cannot be seen here: libmicrohttpd cuts the value at it.) */
    for (size_t i = 0; i < value_size; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            f->problem = "a header value contains a control character (a CR or another)";
            return MHD_NO;
        }
    }
    if (key_size == 4 && starts_ci(key, "host")) {
        f->hosts++;
    } else if (key_size == 14 && starts_ci(key, "content-length")) {
        if (f->lengths++ && (value_size != f->length_size || memcmp(value, f->length, value_size) != 0)) {
            f->problem = "two different Content-Length values";
            return MHD_NO;
        }
        f->length = value;
        f->length_size = value_size;
    } else if (key_size == 17 && starts_ci(key, "transfer-encoding")) {
        f->encodings++;
        if (!just_chunked(value, value_size)) {
            f->problem = "only the transfer coding 'chunked' is supported";
            f->status = 501;
            return MHD_NO;
        }
    }
    return MHD_YES;
}

/* The request's framing as libmicrohttpd parsed its headers: NULL if it
** is unambiguous, else why not, with *status 400 (or 501 for a transfer
** coding other than chunked, RFC 9112 6.1). libmicrohttpd 0.9.75 accepts
** what a proxy in front may read differently (request smuggling): two
** different Content-Length values, Transfer-Encoding with Content-Length
** (it uses the former and keeps the connection), CR or NUL inside a
** header value, more than one Host; and with 'gzip, chunked' it waits
** for a body that never ends. Such a request is answered here, before its
** body is read, and the connection is closed after the answer (RFC 9112
** 6.1 requires that for TE with CL). docs/deploy.md lists what the bare
** port does and does not refuse. */
static const char *framing_problem(struct MHD_Connection *conn, const char *version, int *status)
{
    framing f = {NULL, 400, 0, 0, 0, NULL, 0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, framing_header, &f);
    if (!f.problem && f.hosts > 1) f.problem = "more than one Host header (RFC 9112 3.2)";
    if (!f.problem && f.encodings > 1) {
        f.problem = "only the transfer coding 'chunked' is supported, once";
        f.status = 501;
    }
    if (!f.problem && f.encodings && f.lengths)
        f.problem = "both Transfer-Encoding and Content-Length: the length of the body is ambiguous";
    if (!f.problem && f.encodings && strcmp(version, "HTTP/1.1") != 0)
        f.problem = "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)";
    *status = f.status;
    return f.problem;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    garant_server *srv = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (!ci || !(cs = ci->socket_context)) return MHD_NO; /* on_connection could not allocate */
        request_start(cs);
        *con_cls = cs;
        /* The headers are all in: refuse ambiguous framing before the
        ** body is read, and close the connection after the answer. */
        int status;
        const char *problem = framing_problem(conn, version, &status);
        if (!problem) return MHD_YES;
        fill_request(srv, conn, cs, url, method);
        reply_error(&cs->req, GARANT_EPARSE, problem);
        cs->req.status = status;
        cs->close = 1;
        return finish(srv, conn, cs);
    }
    switch ((phase)atomic_load(&cs->phase)) {
    case PH_BODY: break;
    case PH_AWAY: return MHD_YES; /* not expected while suspended */
    case PH_ANSWERED:
        uncount(srv, cs);
        return finish(srv, conn, cs);
    case PH_WRITTEN: {
        uncount(srv, cs);
        http_req *r = &cs->req;
        cs->pending = 0;
        int rc = cs->job.rc;
        if (rc) {
            reply_error(r, rc, cs->job.message);
        } else {
            garant__error_clear();
            if ((rc = cs->then(r, cs->job.ctx))) reply_error(r, rc, garant_error_last());
        }
        return finish(srv, conn, cs);
    }
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (cs->too_large || cs->len + n > MAX_BODY) {
            cs->too_large = 1;
            free(cs->body);
            cs->body = NULL;
            cs->len = cs->cap = 0;
            return MHD_YES;
        }
        if (cs->len + n + 1 > cs->cap) {
            size_t ncap = cs->cap ? cs->cap : 1024;
            while (ncap < cs->len + n + 1) ncap *= 2;
            char *nb = realloc(cs->body, ncap);
            if (!nb) return MHD_NO;
            cs->body = nb;
            cs->cap = ncap;
        }
        memcpy(cs->body + cs->len, upload_data, n);
        cs->len += n;
        cs->body[cs->len] = '\0';
        return MHD_YES;
    }
    /* Pages and assets: anything that is not the API, on GET. */
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && strncmp(url, "/api/", 5) != 0 &&
        strcmp(url, "/healthz") != 0 && strcmp(url, "/metrics") != 0) {
        int sret = serve_static(conn, srv, url);
        if (sret >= 0) return sret == MHD_YES ? MHD_YES : MHD_NO;
    }
    if (prepare(srv, conn, cs, url, method) != 0) return finish(srv, conn, cs);
    if (cs->rt->run != HTTP_RUN_INLINE) {
        http_pool *p = cs->rt->run == HTTP_RUN_HASHING ? srv->hashing : srv->general;
        if (to_worker(srv, p, cs) == 0) return MHD_YES;
        reply_error(&cs->req, GARANT_EBUSY, p->refusal);
        cs->req.retry_after_s = 1;
        return finish(srv, conn, cs);
    }
    handle(&cs->req, cs);
    if (cs->pending) return MHD_YES; /* suspended until the commit */
    return finish(srv, conn, cs);
}

/* The end of a request: free what it owned; the connection keeps cs. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn, (void)toe;
    conn_state *cs = *con_cls;
    if (!cs) return;
    /* A client that hung up while its request was away: MHD ends the
    ** request without calling on_request again, so it is uncounted here
    ** (else SIGTERM would wait 30 s for a request nobody will finish). */
    uncount(cls, cs);
    json_decref(cs->req.json);
    json_decref(cs->req.body_json);
    free(cs->req.text);
    for (arena_block *b = cs->arena, *next; b; b = next) {
        next = b->next;
        if (!cs->spare && b->size <= KEPT_BLOCK) {
            cs->spare = b;
            continue;
        }
        free(b);
    }
    cs->arena = NULL;
    cs->req.json = cs->req.body_json = NULL;
    cs->req.text = NULL;
    /* A kept body buffer is for the common small body: 4,096 idle
    ** connections must not each hold a megabyte. */
    if (cs->cap > KEPT_BODY) {
        free(cs->body);
        cs->body = NULL;
        cs->cap = 0;
    }
    *con_cls = NULL;
}

/* A connection opens (its state) or closes (frees it). MHD calls
** on_completed for a request in progress before it reports the close. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    conn_state *cs = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* NULL if out of memory: on_request then refuses its requests. */
        if ((cs = calloc(1, sizeof *cs))) cs->conn = conn;
        *socket_context = cs;
        return;
    }
    if (cs) {
        uncount(cls, cs);
        free(cs->body);
        free(cs->spare);
    }
    free(cs);
    *socket_context = NULL;
}

/* ---- start and stop -------------------------------------------------- */

static int parse_listen(struct sockaddr_storage *ss, socklen_t *len, const char *listen)
{
    memset(ss, 0, sizeof *ss);
    const char *colon = strrchr(listen, ':');
    if (!colon) return garant__error(GARANT_EINVAL, "--listen '%s': expected HOST:PORT", listen);
    char host[256];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) return garant__error(GARANT_EINVAL, "--listen '%s': host too long", listen);
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return garant__error(GARANT_EINVAL, "--listen '%s': port must be 0-65535", listen);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return garant__error(GARANT_EINVAL, "--listen '%s': bad IPv6 address", listen);
        *len = sizeof *a6;
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    if (!host[0] || !strcmp(host, "*")) snprintf(host, sizeof host, "0.0.0.0");
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return garant__error(GARANT_EINVAL, "--listen '%s': '%s' is not an IPv4 address", listen, host);
    *len = sizeof *a4;
    return 0;
}

/* n bytes of s as a string. Caller owns; free with free(). */
static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The policy in force at start (docs/SLA.md, "The terms a ticket was
** filed under"). The first start on a database saves the configured policy
** (--config, else the built-in one) as version 1 and files the tickets that
** predate versions under it. Later starts use the newest saved version; a
** changed --config is saved as a new version only while the newest one
** also came from the configuration (an admin's save rules after it). */
static int load_policy(garant_server *srv)
{
    if (srv->opt.config_path) {
        const char *slash = strrchr(srv->opt.config_path, '/');
        size_t n = slash ? (size_t)(slash - srv->opt.config_path) : 0;
        if (slash && !(srv->config_dir = dup_n(srv->opt.config_path, n ? n : 1)))
            return garant__error(GARANT_ENOMEM, "out of memory");
    }
    char *config = NULL;
    if (srv->opt.config_path) {
        uint8_t *data;
        size_t len;
        int rc = garant_io_read_file(&data, &len, srv->opt.config_path, GARANT_IO_MAX_FILE);
        if (rc) {
            fprintf(stderr, "garant: %s: %s\n", srv->opt.config_path, garant_error_last());
            return rc;
        }
        config = dup_n((const char *)data, len);
        free(data);
    } else {
        size_t len;
        const char *text = garant_io_default_config(&len);
        config = dup_n(text, len);
    }
    if (!config) return garant__error(GARANT_ENOMEM, "out of memory");
    const garant_store_ops *ops = garant_store_ops_of(srv->store);
    garant_store_conn *w = ops->writer(srv->store);
    garant_policy_version latest = {0};
    int rc = ops->begin_write(w);
    if (!rc) rc = ops->sla->policy_latest(w, &latest);
    int first = rc == GARANT_ENOTFOUND;
    const char *yaml = NULL;
    int64_t version = 0;
    if (first || (!rc && latest.by_user == 0 && strcmp(latest.yaml, config) != 0)) {
        rc = ops->sla->policy_insert(w, config, http_now(srv), 0, &version);
        if (!rc && first) rc = ops->sla->policy_adopt(w, version);
        if (!rc && !first)
            fprintf(stderr, "garant: the configured policy changed: saved as version %lld; open tickets keep the "
                            "version they were filed under\n", (long long)version);
        yaml = config;
    } else if (!rc) {
        if (srv->opt.config_path && strcmp(latest.yaml, config) != 0)
            fprintf(stderr, "garant: %s differs from the policy an admin saved (version %lld), which stays in "
                            "force; change it with PUT /api/v1/policy\n", srv->opt.config_path,
                    (long long)latest.version);
        yaml = latest.yaml;
        version = latest.version;
    }
    if (!rc) rc = ops->commit(w);
    else ops->rollback(w);
    garant_diags *diags = NULL;
    garant_policy *pol = NULL;
    if (!rc) {
        rc = http_policy_compile(&pol, &diags, srv, yaml);
        if (rc) http_log("policy version %lld does not load: %s", (long long)version, garant_error_last());
    } else {
        http_log("cannot read or save the policy: %s", garant_error_last());
    }
    for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
        const garant_diag *d = garant_diags_get(diags, i);
        http_log("policy:%d:%d: %s", d->line, d->column, d->message);
    }
    garant_diags_free(diags);
    free(latest.yaml);
    free(config);
    if (!rc) rc = http_policy_swap(srv, pol, version);
    return rc;
}

/* Read the metrics token from --metrics-token-file into srv: the file's
** text without its trailing line break, 16 to 512 characters of an
** RFC 6750 bearer token (token68), so that a scraper can send it as is. */
static int load_metrics_token(garant_server *srv)
{
    const char *path = srv->opt.metrics_token_file;
    if (!path) return 0;
    uint8_t *data;
    size_t len;
    int rc = garant_io_read_file(&data, &len, path, 4096);
    if (rc) return garant__error(rc, "--metrics-token-file %s: %s", path, garant_error_last());
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' || data[len - 1] == '\t'))
        len--;
    size_t k = 0;
    while (k < len && ((data[k] >= 'a' && data[k] <= 'z') || (data[k] >= 'A' && data[k] <= 'Z') ||
                       (data[k] >= '0' && data[k] <= '9') || (data[k] && strchr("-._~+/", data[k]))))
        k++;
    while (k < len && data[k] == '=') k++;
    if (len < 16 || len > 512 || k != len) {
        free(data);
        return garant__error(GARANT_EINVAL,
                             "--metrics-token-file %s: the token must be one line of 16 to 512 characters from "
                             "A-Z a-z 0-9 - . _ ~ + / (then = for padding), like the output of "
                             "'openssl rand -base64 32'", path);
    }
    srv->metrics_token = dup_n((const char *)data, len);
    sodium_memzero(data, len);
    free(data);
    return srv->metrics_token ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
}

int garant_server_run(const garant_server_options *opt)
{
    if (sodium_init() < 0) return garant__error(GARANT_ENOMEM, "libsodium failed to initialize");
    /* Signals are taken by sigwait below; threads started from here on
    ** inherit the mask, so none of them is interrupted instead. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    garant_server *srv = calloc(1, sizeof *srv);
    if (!srv) return garant__error(GARANT_ENOMEM, "out of memory");
    srv->opt = *opt;
    atomic_store(&srv->fixed_now, srv->opt.test_clock ? srv->opt.test_clock_start_s : INT64_MIN);
    pthread_mutex_init(&srv->policy_mu, NULL);
    pthread_mutex_init(&srv->write_mu, NULL);
    pthread_cond_init(&srv->write_cv, NULL);
    pthread_mutex_init(&srv->sync_mu, NULL);
    pthread_cond_init(&srv->sync_cv, NULL);
    struct sockaddr_storage ss;
    socklen_t sslen;
    int rc = parse_listen(&ss, &sslen, opt->listen);
    if (!rc && opt->ntrusted_proxies && !(srv->trusted = calloc(opt->ntrusted_proxies, sizeof *srv->trusted)))
        rc = garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < opt->ntrusted_proxies; i++) {
        rc = http_cidr_parse(&srv->trusted[srv->ntrusted], opt->trusted_proxies[i]);
        if (rc) rc = garant__error(rc, "--trusted-proxy: %s", garant_error_last());
        else srv->ntrusted++;
    }
    /* A fixed resolver is for tests: a server on real time must ask DNS. */
    if (!rc && opt->ntest_resolve && !opt->test_clock)
        rc = garant__error(GARANT_EINVAL, "--test-resolve is for tests only: it needs --test-clock");
    for (size_t i = 0; !rc && i < opt->ntest_resolve; i++) {
        rc = http_webhook_hosts_add(&srv->test_hosts, opt->test_resolve[i]);
        if (rc) rc = garant__error(rc, "--test-resolve: %s", garant_error_last());
    }
    if (!rc) rc = load_metrics_token(srv);
    if (!rc) rc = garant_store_open(&srv->store, opt->db_path, 64);
    if (!rc) rc = load_policy(srv);
    if (!rc) rc = http_freemail_load(&srv->freemail, srv->opt.freemail_path);
    int writer_started = 0;
    if (!rc && !(srv->sessions = http_sessions_new(SESSION_CACHE_SLOTS, SESSION_CACHE_TTL_S)))
        rc = garant__error(GARANT_ENOMEM, "out of memory for the session cache");
    const garant_store_ops *sops = rc ? NULL : garant_store_ops_of(srv->store);
    int syncer_started = 0;
    if (!rc && sops->defer_sync && sops->sync) {
        if (sops->defer_sync(srv->store) != 0) {
            /* Commits then sync by themselves (synchronous=FULL): slower,
            ** equally durable. */
            fprintf(stderr, "garant: commits will sync one by one: %s\n", garant_error_last());
        } else if (pthread_create(&srv->syncer, NULL, syncer_main, srv) != 0) {
            rc = garant__error(GARANT_ENOMEM, "cannot start the syncer thread");
        } else {
            srv->deferred_sync = 1;
            syncer_started = 1;
        }
    }
    if (!rc) {
        if (pthread_create(&srv->writer, NULL, writer_main, srv) != 0)
            rc = garant__error(GARANT_ENOMEM, "cannot start the writer thread");
        else
            writer_started = 1;
    }
    if (!rc && !(srv->general = pool_start("garant-worker", opt->workers > 0 ? opt->workers : DEFAULT_WORKERS)))
        rc = GARANT_ENOMEM;
    if (!rc && !(srv->hashing = pool_start("garant-hashing", HASHING_WORKERS))) rc = GARANT_ENOMEM;
    if (!rc) {
        srv->hashing->max_waiting = opt->max_waiting_hashes > 0 ? opt->max_waiting_hashes : DEFAULT_WAITING_HASHES;
        srv->hashing->refusal = "too many sign-ins, sign-ups and password resets are waiting; try again in a moment";
    }
    if (!rc) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                         MHD_USE_ERROR_LOG;
        if (((struct sockaddr *)&ss)->sa_family == AF_INET6) flags |= MHD_USE_IPv6;
        unsigned loops = opt->threads > 0 ? (unsigned)opt->threads : DEFAULT_LOOPS;
        /* The logger first: MHD logs the options that follow it. A pool
        ** of one is no pool: MHD wants the option left out then. */
        srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                                       NULL, MHD_OPTION_SOCK_ADDR, &ss,
                                       MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                       MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                                       MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                                       /* One address cannot hold every
                                       ** connection: slowloris, issue 13. */
                                       MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->max_per_address,
                                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                                       /* HTTP/1.1 without Host, and a space
                                       ** inside the request target, are
                                       ** refused (docs/deploy.md). */
                                       MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
                                       loops > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, loops,
                                       MHD_OPTION_END);
        if (!srv->daemon) rc = garant__error(GARANT_EIO, "cannot listen on %s: %s", opt->listen, strerror(errno));
    }
    if (!rc) {
        if (pthread_create(&srv->monitor, NULL, http_monitor_main, srv) == 0) srv->monitor_started = 1;
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        unsigned port = di ? di->port : 0;
        char host[64];
        snprintf(host, sizeof host, "%.*s", (int)(strrchr(opt->listen, ':') - opt->listen), opt->listen);
        /* The line tests and scripts wait for; keep its shape. */
        printf("garant: listening on http://%s:%u/\n", host, port);
        fflush(stdout);
        int sig;
        sigwait(&sigs, &sig);
        fprintf(stderr, "garant: stopping (signal %d)\n", sig);
        /* Answer what is in flight, refuse what comes: MHD must not be
        ** stopped with a suspended connection. */
        atomic_store(&srv->draining, 1);
        http_pool_hold(srv->general, 0);
        http_pool_hold(srv->hashing, 0);
        for (int waited_ms = 0; atomic_load(&srv->inflight) > 0 && waited_ms < DRAIN_MS; waited_ms += 5)
            nanosleep(&(struct timespec){0, 5000000}, NULL);
        if (atomic_load(&srv->inflight) > 0)
            fprintf(stderr, "garant: %d requests still unanswered after %d s; stopping anyway\n",
                    atomic_load(&srv->inflight), DRAIN_MS / 1000);
        MHD_stop_daemon(srv->daemon);
    }
    int saved = rc;
    char saved_msg[512];
    snprintf(saved_msg, sizeof saved_msg, "%s", garant_error_last());
    pool_stop(srv->general);
    pool_stop(srv->hashing);
    pthread_mutex_lock(&srv->write_mu);
    srv->stopping = 1;
    pthread_cond_broadcast(&srv->write_cv);
    pthread_mutex_unlock(&srv->write_mu);
    if (srv->monitor_started) pthread_join(srv->monitor, NULL);
    if (writer_started) pthread_join(srv->writer, NULL);
    pthread_mutex_lock(&srv->sync_mu);
    srv->sync_stop = 1;
    pthread_cond_broadcast(&srv->sync_cv);
    pthread_mutex_unlock(&srv->sync_mu);
    if (syncer_started) pthread_join(srv->syncer, NULL);
    http_sessions_free(srv->sessions);
    for (policy_node *n = srv->versions, *next; n; n = next) {
        next = n->next;
        garant_policy_free(n->pol);
        free(n);
    }
    free(srv->config_dir);
    free(srv->trusted);
    http_webhook_hosts_free(srv->test_hosts);
    if (srv->metrics_token) sodium_memzero(srv->metrics_token, strlen(srv->metrics_token));
    free(srv->metrics_token);
    http_freemail_free(&srv->freemail);
    garant_store_close(srv->store);
    free(srv);
    if (saved) garant__error(saved, "%s", saved_msg);
    return saved;
}
