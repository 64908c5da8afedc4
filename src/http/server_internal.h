/*
** server_internal.h - the server's state, shared by the files of src/http.
*/
#ifndef GARANT_HTTP_SERVER_INTERNAL_H
#define GARANT_HTTP_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "accounts.h"
#include "client_addr.h"
#include "http.h"
#include "sessions.h"
#include "webhook.h"

typedef struct http_pool http_pool;

/* One write waiting for the writer thread: either a waiting thread's
** (http_write: on its stack, cv signalled when done) or a suspended
** request's (http_write_then: in the request's state, on_done called
** after the commit, outside the queue's lock). */
typedef struct http_write_job {
    http_write_fn fn;
    void *ctx;
    http_write_undo undo;       /* HTTP_WRITE_SAVEPOINT for http_write */
    int rc;
    int done;
    pthread_cond_t cv;          /* signalled when done: one wake-up per job */
    void (*on_done)(struct http_write_job *job); /* NULL for http_write */
    void *owner;                /* the request state, for on_done */
    char message[512];          /* garant_error_last() of a failed fn */
    struct http_write_job *next;
} http_write_job;

/* A compiled policy version, kept until shutdown: tickets filed under it
** are counted under it for as long as they live. */
typedef struct policy_node {
    garant_policy *pol;
    int64_t version;           /* policies.id; 0 if not (yet) saved */
    struct policy_node *next;
} policy_node;

struct garant_server {
    garant_server_options opt;
    garant_store *store;
    struct MHD_Daemon *daemon;

    pthread_mutex_t policy_mu;
    garant_policy *policy;      /* current: new tickets are filed under it */
    int64_t policy_version;     /* its version */
    policy_node *versions;      /* every version compiled so far, current
                                ** included (owns them) */
    char *config_dir;           /* folder of --config, for files it names */

    /* The write path: a queue drained by one writer thread. */
    pthread_mutex_t write_mu;
    pthread_cond_t write_cv;    /* jobs queued, or stopping */
    http_write_job *queue_head, *queue_tail;
    int stopping;
    pthread_t writer;

    /* Deferred sync (store.h): committed batches waiting for the syncer's
    ** fsync, as one list of jobs. */
    int deferred_sync;
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    http_write_job *sync_head, *sync_tail;
    int sync_stop;
    int sync_busy;              /* the syncer has work in hand; under write_mu */
    _Atomic int sync_failed;    /* an fsync failed: every write fails */
    pthread_t syncer;

    /* Worker threads for handlers that may block (server.c): the general
    ** pool, and a small one for the routes that hash passwords. */
    http_pool *general, *hashing;

    /* Requests suspended while a worker or the writer has them; the
    ** daemon may only be stopped when none is (MHD's rule). */
    _Atomic int inflight;
    _Atomic int draining;       /* shutting down: new API requests get 503 */

    http_sessions *sessions;

    /* --trusted-proxy: peers whose X-Forwarded-For names the client. */
    http_cidr *trusted;
    size_t ntrusted;
    /* --test-resolve: the webhook resolver's fixed names (tests only). */
    http_webhook_hosts *test_hosts;
    /* The bearer token that may read /metrics (--metrics-token-file), or
    ** NULL; owned, freed at shutdown. */
    char *metrics_token;

    pthread_t monitor;
    int monitor_started;

    /* The test clock (UTC epoch seconds): with opt.test_clock, http_now
    ** returns it and nothing else; it starts at opt.test_clock_start_s and
    ** moves only by POST /api/v1/test/clock. */
    _Atomic int64_t fixed_now;

    /* Rounds the SLA monitor and the webhook deliverer have completed,
    ** for /metrics: a test waits for a round to pass instead of sleeping. */
    _Atomic uint64_t monitor_rounds;
    _Atomic uint64_t delivery_rounds;

    /* Password hashes verified by sign-ins, known addresses and unknown
    ** ones alike (the latter against a dummy hash), for /metrics. */
    _Atomic uint64_t password_checks;

    /* Free-mail domains for sign-up and organizations' domains. */
    http_freemail freemail;

    /* Counters for /metrics. */
    _Atomic uint64_t requests_total;
    _Atomic uint64_t responses_by_class[6]; /* 1xx..5xx */
    _Atomic uint64_t write_batches;
    _Atomic uint64_t write_jobs;
    _Atomic uint64_t write_cpu_ns;
    _Atomic uint64_t write_syncs;   /* fsyncs by the syncer */
    _Atomic uint64_t write_sync_ns; /* their wall time */ /* the writer thread's CPU time in batches */
    _Atomic uint64_t request_ns_total;
};

/* A pool's workers with a request in hand, and requests queued for one. */
void http_pool_stats(http_pool *p, int *out_busy, int *out_waiting);
/* Tests only: hold (1) the requests the pool's workers take before they
** run, or let them go (0). Stopping the server lets them go too. */
void http_pool_hold(http_pool *p, int held);

/* Name the calling thread (for top -H, perf, gdb); at most 15 chars. */
void http_thread_name(const char *name);

/* The SLA monitor thread's body (monitor.c): checks warnings and breaches
** and delivers webhooks until srv->stopping. */
void *http_monitor_main(void *srv);


/* All route tables, in dispatch order, ended by NULL. */
extern const http_route *const http_route_tables[];

#endif
