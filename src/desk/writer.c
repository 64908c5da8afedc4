/*
** writer.c - the write path (desk_write.h): group commit by one writer thread,
** durability by one syncer thread.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "garant/error_wrap.h"
#include "desk.h"

/* Most writes one transaction commits. */
#define MAX_BATCH 4096

struct desk_writer {
    garant_store *store;

    /* The queue, drained by one writer thread. */
    pthread_mutex_t write_mu;
    pthread_cond_t write_cv;    /* jobs queued, or stopping */
    desk_write_job *queue_head, *queue_tail;
    int stopping;
    pthread_t writer;
    int writer_started;

    /* Deferred sync (store.h): committed batches waiting for the syncer's
    ** fsync, as one list of jobs. */
    int deferred_sync;
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    desk_write_job *sync_head, *sync_tail;
    int sync_stop;
    int sync_busy;              /* the syncer has work in hand; under write_mu */
    _Atomic int sync_failed;    /* an fsync failed: every write fails */
    pthread_t syncer;
    int syncer_started;

    /* Checkpoints (store.h checkpoint) off the writer: asked for by the
    ** syncer after each fsync, made by a thread of their own. */
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    int ckpt_asked, ckpt_stop;
    pthread_t checkpointer;
    int checkpointer_started;

    /* Counters for /metrics. */
    _Atomic uint64_t write_batches;
    _Atomic uint64_t write_jobs;
    _Atomic uint64_t write_cpu_ns;  /* the writer thread's CPU time in batches */
    _Atomic uint64_t write_syncs;   /* fsyncs by the syncer */
    _Atomic uint64_t write_sync_ns; /* their wall time */
};

/* Nanoseconds from a to b, read from the same clock. */
static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

/* ---- the writer (group commit) --------------------------------------- */

/* Append the jobs first..last (linked by next) to the list *head..*tail:
** the writer's queue, and the syncer's. The caller holds the list's lock. */
static void append_jobs(desk_write_job **head, desk_write_job **tail, desk_write_job *first, desk_write_job *last)
{
    if (*tail)
        (*tail)->next = first;
    else
        *head = first;
    *tail = last;
}

int desk_writer_run(desk_writer *wr, desk_write_fn fn, void *ctx, desk_write_undo undo)
{
    desk_write_job job;
    memset(&job, 0, sizeof job);
    job.fn = fn;
    job.ctx = ctx;
    job.undo = undo;
    job.cat = garant__msgcat_current();
    if (pthread_cond_init(&job.cv, NULL) != 0) return garant__error(GARANT_ENOMEM, "cannot wait for a write");
    pthread_mutex_lock(&wr->write_mu);
    if (wr->stopping) {
        pthread_mutex_unlock(&wr->write_mu);
        pthread_cond_destroy(&job.cv);
        return garant__error(GARANT_ESTORE, "the server is shutting down");
    }
    /* The job lives on this stack frame while queued: this function does
    ** not return before the writer has marked it done. */
    append_jobs(&wr->queue_head, &wr->queue_tail, &job, &job);
    pthread_cond_signal(&wr->write_cv);
    while (!job.done) pthread_cond_wait(&job.cv, &wr->write_mu);
    pthread_mutex_unlock(&wr->write_mu);
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
** one statement long (DESK_WRITE_ONE_STATEMENT), by SQLite; a DESK_WRITE_WHOLE job
** by rolling back the whole transaction. Returns 1 if a failure
** took the whole transaction with it: the later jobs fail rather than run
** outside it, and the caller must commit at once, which fails the earlier
** ones, before it runs more. */
static int run_jobs(desk_writer *wr, desk_write_job *list, int begin_rc, const char *why)
{
    const garant_store_ops *ops = garant_store_ops_of(wr->store);
    garant_store_conn *w = ops->writer(wr->store);
    char lost[sizeof list->message] = ""; /* the failure that took the transaction, if one did */
    for (desk_write_job *j = list; j; j = j->next) {
        if (begin_rc || lost[0]) {
            j->rc = GARANT_ESTORE;
            if (begin_rc)
                snprintf(j->message, sizeof j->message,
                         garant__msgcat_lookup(j->cat, "the database could not start a transaction: %s"), why);
            else
                snprintf(j->message, sizeof j->message,
                         garant__msgcat_lookup(j->cat, "the transaction was rolled back after an earlier write failed: "
                                                       "%.300s"),
                         lost);
            continue;
        }
        int own_savepoint = j->undo == DESK_WRITE_SAVEPOINT;
        /* The job's messages in its caller's language. */
        const garant_msgcat *was = garant__msgcat_use(j->cat);
        garant__error_clear();
        if (own_savepoint && (j->rc = ops->savepoint(w, "job"))) {
            snprintf(j->message, sizeof j->message, "%s", garant_error_last());
            own_savepoint = 0;
        } else if ((j->rc = j->fn(w, j->ctx))) {
            snprintf(j->message, sizeof j->message, "%s", garant_error_last());
            if (own_savepoint) ops->rollback_to(w, "job");
            if (j->undo == DESK_WRITE_WHOLE) ops->rollback(w);
        }
        if (own_savepoint) ops->release_savepoint(w, "job");
        garant__msgcat_use(was);
        if (j->rc && !still_open(ops, w))
            snprintf(lost, sizeof lost, "%.300s", j->message);
    }
    return lost[0] != 0;
}

/* Commit the writer's open transaction; if that fails, roll back and fail
** every job of list that had succeeded. */
static void commit_jobs(desk_writer *wr, desk_write_job *list)
{
    const garant_store_ops *ops = garant_store_ops_of(wr->store);
    garant_store_conn *w = ops->writer(wr->store);
    if (ops->commit(w) == 0) return;
    char why[400];
    snprintf(why, sizeof why, "%s", garant_error_last());
    ops->rollback(w);
    for (desk_write_job *j = list; j; j = j->next) {
        if (j->rc) continue;
        j->rc = GARANT_ESTORE;
        snprintf(j->message, sizeof j->message, garant__msgcat_lookup(j->cat, "the database could not commit: %s"), why);
    }
}

/* Answer every job of a committed (and durable) list: wake each waiting
** requester under the lock (their jobs live on their stacks, and none can
** return and free its job before the lock is released; one signal per job,
** as a broadcast woke every waiting thread on every commit), then resume
** the suspended requests outside it. */
static void complete_jobs(desk_writer *wr, desk_write_job *jobs)
{
    desk_write_job *resume = NULL;
    pthread_mutex_lock(&wr->write_mu);
    for (desk_write_job *j = jobs, *next; j; j = next) {
        next = j->next;
        if (j->on_done) {
            j->next = resume;
            resume = j;
            continue;
        }
        j->done = 1;
        pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&wr->write_mu);
    for (desk_write_job *j = resume, *next; j; j = next) {
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
    desk_writer *wr = arg;
    desk_thread_name("garant-writer");
    const garant_store_ops *ops = garant_store_ops_of(wr->store);
    garant_store_conn *w = ops->writer(wr->store);
    /* Jobs run but not committed; between rounds, there are some exactly
    ** when a transaction is open (a batch that could not begin one is
    ** handed on in the same round). */
    desk_write_job *done = NULL, *done_tail = NULL;
    size_t ndone = 0;
    pthread_mutex_lock(&wr->write_mu);
    for (;;) {
        while (!wr->queue_head && !wr->stopping && !(done && !wr->sync_busy))
            pthread_cond_wait(&wr->write_cv, &wr->write_mu);
        /* Take what is queued (up to MAX_BATCH): everything that arrived
        ** while the previous jobs ran shares this transaction. */
        desk_write_job *batch = wr->queue_head, *last = batch;
        size_t n = batch ? 1 : 0;
        while (last && last->next && n < MAX_BATCH) {
            last = last->next;
            n++;
        }
        if (batch) {
            wr->queue_head = last->next;
            if (!wr->queue_head) wr->queue_tail = NULL;
            last->next = NULL;
        }
        pthread_mutex_unlock(&wr->write_mu);
        /* The writer is the one serial stage: its CPU time per write is
        ** the ceiling on writes per second (/metrics, bench/load.sh). */
        struct timespec c0, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        int begin_rc = 0, lost = 0;
        if (batch) {
            char why[400] = "";
            if (!done) {
                begin_rc = atomic_load(&wr->sync_failed)
                               ? garant__error(GARANT_ESTORE,
                                               "an earlier commit could not be made durable; restart the server")
                               : ops->begin_write(w);
                if (begin_rc) snprintf(why, sizeof why, "%s", garant_error_last());
            }
            lost = run_jobs(wr, batch, begin_rc, why);
            append_jobs(&done, &done_tail, batch, last);
            ndone += n;
            atomic_fetch_add(&wr->write_jobs, n);
        }
        pthread_mutex_lock(&wr->write_mu);
        int commit_now = !wr->deferred_sync || !wr->sync_busy || ndone >= MAX_BATCH || begin_rc || lost ||
                         (wr->stopping && !wr->queue_head);
        pthread_mutex_unlock(&wr->write_mu);
        if (commit_now && done) {
            if (!begin_rc) {
                commit_jobs(wr, done);
                atomic_fetch_add(&wr->write_batches, 1);
            }
            if (!wr->deferred_sync) {
                complete_jobs(wr, done);
            } else {
                /* Committed, not yet durable: the syncer answers the jobs
                ** after its fsync, while this thread runs the next ones.
                ** Busy from now until it finds nothing more to sync; the
                ** locks in the syncer's order (sync_mu, then write_mu). */
                pthread_mutex_lock(&wr->sync_mu);
                append_jobs(&wr->sync_head, &wr->sync_tail, done, done_tail);
                pthread_mutex_lock(&wr->write_mu);
                wr->sync_busy = 1;
                pthread_mutex_unlock(&wr->write_mu);
                pthread_cond_signal(&wr->sync_cv);
                pthread_mutex_unlock(&wr->sync_mu);
            }
            done = done_tail = NULL;
            ndone = 0;
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        atomic_fetch_add(&wr->write_cpu_ns, (uint64_t)elapsed_ns(&c0, &c1));
        pthread_mutex_lock(&wr->write_mu);
        if (wr->stopping && !wr->queue_head && !done) break;
    }
    pthread_mutex_unlock(&wr->write_mu);
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
    desk_writer *wr = arg;
    desk_thread_name("garant-syncer");
    const garant_store_ops *ops = garant_store_ops_of(wr->store);
    pthread_mutex_lock(&wr->sync_mu);
    for (;;) {
        while (!wr->sync_head && !wr->sync_stop) pthread_cond_wait(&wr->sync_cv, &wr->sync_mu);
        desk_write_job *jobs = wr->sync_head;
        if (!jobs) break;
        wr->sync_head = wr->sync_tail = NULL;
        pthread_mutex_unlock(&wr->sync_mu);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = atomic_load(&wr->sync_failed) ? GARANT_EIO : ops->sync(wr->store);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        atomic_fetch_add(&wr->write_syncs, 1);
        atomic_fetch_add(&wr->write_sync_ns, (uint64_t)elapsed_ns(&t0, &t1));
        if (rc) {
            char why[400];
            snprintf(why, sizeof why, "%s", garant_error_last());
            if (!atomic_exchange(&wr->sync_failed, 1))
                fprintf(stderr, "garant: writes are failing from now on, restart the server: %s\n", why);
            for (desk_write_job *j = jobs; j; j = j->next) {
                if (j->rc) continue;
                j->rc = GARANT_ESTORE;
                snprintf(j->message, sizeof j->message,
                         garant__msgcat_lookup(j->cat, "the write could not be made durable: %s"), why);
            }
        }
        complete_jobs(wr, jobs);
        if (wr->checkpointer_started) {
            pthread_mutex_lock(&wr->ckpt_mu);
            wr->ckpt_asked = 1;
            pthread_cond_signal(&wr->ckpt_cv);
            pthread_mutex_unlock(&wr->ckpt_mu);
        }
        pthread_mutex_lock(&wr->sync_mu);
        if (!wr->sync_head) {
            /* Free: the writer may commit what it holds open. Told under
            ** its lock, so that it cannot miss it between looking and
            ** waiting. */
            pthread_mutex_lock(&wr->write_mu);
            wr->sync_busy = 0;
            pthread_cond_signal(&wr->write_cv);
            pthread_mutex_unlock(&wr->write_mu);
        }
    }
    pthread_mutex_unlock(&wr->sync_mu);
    return NULL;
}

/* The third thread with deferred sync. SQLite's automatic checkpoint ran
** inside the writer's commit that took the log past 1,000 pages: the
** writer copied those pages into the database and waited for two fsyncs
** (the log's, then the database's), and no write ran meanwhile. Here the
** store copies them beside the writer whenever enough has gathered
** (store.h); the syncer asks after each fsync, and the store says whether
** it is worth it. A failed checkpoint is logged once and tried again
** later: the writer's own checkpoint, when the log has grown far, still
** bounds the log. */
static void *checkpointer_main(void *arg)
{
    desk_writer *wr = arg;
    desk_thread_name("garant-ckpt");
    const garant_store_ops *ops = garant_store_ops_of(wr->store);
    int told = 0;
    pthread_mutex_lock(&wr->ckpt_mu);
    for (;;) {
        while (!wr->ckpt_asked && !wr->ckpt_stop) pthread_cond_wait(&wr->ckpt_cv, &wr->ckpt_mu);
        if (wr->ckpt_stop) break;
        wr->ckpt_asked = 0;
        pthread_mutex_unlock(&wr->ckpt_mu);
        /* After a failed fsync nothing more is copied from the log. */
        if (!atomic_load(&wr->sync_failed) && ops->checkpoint(wr->store) != 0 && !told) {
            fprintf(stderr, "garant: checkpoint failed, the writer will make them: %s\n", garant_error_last());
            told = 1;
        }
        pthread_mutex_lock(&wr->ckpt_mu);
    }
    pthread_mutex_unlock(&wr->ckpt_mu);
    return NULL;
}

/* ---- start and stop --------------------------------------------------- */

int desk_writer_start(desk_writer **out, garant_store *store)
{
    *out = NULL;
    int rc = 0;
    desk_writer *wr = calloc(1, sizeof *wr);
    if (!wr) return garant__error(GARANT_ENOMEM, "out of memory for the writer");
    wr->store = store;
    pthread_mutex_init(&wr->write_mu, NULL);
    pthread_cond_init(&wr->write_cv, NULL);
    pthread_mutex_init(&wr->sync_mu, NULL);
    pthread_cond_init(&wr->sync_cv, NULL);
    pthread_mutex_init(&wr->ckpt_mu, NULL);
    pthread_cond_init(&wr->ckpt_cv, NULL);
    const garant_store_ops *ops = garant_store_ops_of(store);
    if (ops->defer_sync && ops->sync) {
        if (ops->defer_sync(store) != 0) {
            /* Commits then sync by themselves (synchronous=FULL): slower,
            ** equally durable. */
            fprintf(stderr, "garant: commits will sync one by one: %s\n", garant_error_last());
        } else if (pthread_create(&wr->syncer, NULL, syncer_main, wr) != 0) {
            rc = garant__error(GARANT_ENOMEM, "cannot start the syncer thread");
            goto fail;
        } else {
            wr->deferred_sync = 1;
            wr->syncer_started = 1;
            /* Without the thread the writer still checkpoints, later. */
            if (ops->checkpoint && pthread_create(&wr->checkpointer, NULL, checkpointer_main, wr) == 0)
                wr->checkpointer_started = 1;
        }
    }
    if (pthread_create(&wr->writer, NULL, writer_main, wr) != 0) {
        rc = garant__error(GARANT_ENOMEM, "cannot start the writer thread");
        goto fail;
    }
    wr->writer_started = 1;
    *out = wr;
    return 0;
fail:
    desk_writer_free(wr);
    return rc;
}

void desk_writer_stop(desk_writer *wr)
{
    pthread_mutex_lock(&wr->write_mu);
    wr->stopping = 1;
    pthread_cond_broadcast(&wr->write_cv);
    pthread_mutex_unlock(&wr->write_mu);
}

int desk_writer_stopping(desk_writer *wr)
{
    pthread_mutex_lock(&wr->write_mu);
    int s = wr->stopping;
    pthread_mutex_unlock(&wr->write_mu);
    return s;
}

void desk_writer_free(desk_writer *wr)
{
    if (!wr) return;
    desk_writer_stop(wr);
    if (wr->writer_started) pthread_join(wr->writer, NULL);
    pthread_mutex_lock(&wr->sync_mu);
    wr->sync_stop = 1;
    pthread_cond_broadcast(&wr->sync_cv);
    pthread_mutex_unlock(&wr->sync_mu);
    if (wr->syncer_started) pthread_join(wr->syncer, NULL);
    pthread_mutex_lock(&wr->ckpt_mu);
    wr->ckpt_stop = 1;
    pthread_cond_broadcast(&wr->ckpt_cv);
    pthread_mutex_unlock(&wr->ckpt_mu);
    if (wr->checkpointer_started) pthread_join(wr->checkpointer, NULL);
    pthread_mutex_destroy(&wr->write_mu);
    pthread_cond_destroy(&wr->write_cv);
    pthread_mutex_destroy(&wr->sync_mu);
    pthread_cond_destroy(&wr->sync_cv);
    pthread_mutex_destroy(&wr->ckpt_mu);
    pthread_cond_destroy(&wr->ckpt_cv);
    free(wr);
}

int desk_writer_queue(desk_writer *wr, desk_write_job *job, void (*queued)(desk_write_job *job))
{
    pthread_mutex_lock(&wr->write_mu);
    if (wr->stopping) {
        pthread_mutex_unlock(&wr->write_mu);
        return garant__error(GARANT_ESTORE, "the server is shutting down");
    }
    job->cat = garant__msgcat_current();
    if (queued) queued(job);
    append_jobs(&wr->queue_head, &wr->queue_tail, job, job);
    pthread_cond_signal(&wr->write_cv);
    pthread_mutex_unlock(&wr->write_mu);
    return 0;
}

void desk_writer_stats_get(desk_writer *wr, desk_writer_stats *out)
{
    out->batches = atomic_load(&wr->write_batches);
    out->jobs = atomic_load(&wr->write_jobs);
    out->cpu_ns = atomic_load(&wr->write_cpu_ns);
    out->syncs = atomic_load(&wr->write_syncs);
    out->sync_ns = atomic_load(&wr->write_sync_ns);
}
