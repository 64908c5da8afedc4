/*
** desk_write.h - the desk's write path (writer.c): one writer thread commits every queued write,
** many in one transaction (group commit), and a syncer thread makes each
** committed batch durable with one fdatasync while the writer builds the
** next (docs/durability.md). It knows the store and nothing of HTTP: a
** write is a function to run in the writer's transaction, and its caller
** either waits for it (desk_writer_run) or is called back once it is
** durable (desk_writer_queue).
**
** Thread-safe. The writer owns its queue, its threads and its counters.
*/
#ifndef GARANT_DESK_WRITE_H
#define GARANT_DESK_WRITE_H

#include <pthread.h>
#include <stdint.h>

#include "garant/error_wrap.h"
#include "store.h"

typedef struct desk_writer desk_writer;

/* A write: runs in the writer thread, in its open transaction; 0, or a
** negative garant_err with garant_error_last() set. */
typedef int (*desk_write_fn)(garant_store_conn *w, void *ctx);

/* How a write's failure is undone (desk_write, and http_write_then at the door):
**   - DESK_WRITE_SAVEPOINT: fn runs in its own savepoint, as desk_write's
**     usually do; it may change the database in any number of statements.
**   - DESK_WRITE_ONE_STATEMENT: fn changes the database in at most one SQL
**     statement (reads before it are free) and runs without a savepoint,
**     because a failed statement undoes itself: SQLite checks a row's
**     constraints before it writes anything, and an I/O error or want of
**     memory rolls back the whole transaction, which the writer notices
**     (every later write of it fails too). A savepoint copied each page
**     the write touched into a statement journal first: 14 % of the
**     writer's time filing a ticket.
**   - DESK_WRITE_WHOLE: fn may change the database in any number of
**     statements and runs without a savepoint; if it fails, the writer's
**     whole transaction is rolled back, and every job that shared it fails
**     too. For long writes that fail only when the store does (a
**     correction of every open ticket): there the savepoint copied each of
**     the hundreds of thousands of pages the write touched into a
**     journal first, which took most of its time. */
typedef enum desk_write_undo {
    DESK_WRITE_SAVEPOINT = 0,
    DESK_WRITE_ONE_STATEMENT = 1,
    DESK_WRITE_WHOLE = 2
} desk_write_undo;

/* One write waiting for the writer thread: either a waiting thread's
** (desk_writer_run: on its stack, cv signalled when done) or a queued
** one's (desk_writer_queue: in its owner's memory, on_done called after
** the commit is durable, outside the queue's lock). The caller fills fn,
** ctx, undo, on_done and owner; the rest is the writer's. */
typedef struct desk_write_job {
    desk_write_fn fn;
    void *ctx;
    desk_write_undo undo;       /* DESK_WRITE_SAVEPOINT usually */
    int rc;                     /* fn's result, or the commit's failure */
    int done;
    pthread_cond_t cv;          /* signalled when done: one wake-up per job */
    void (*on_done)(struct desk_write_job *job); /* NULL for a waiting job */
    void *owner;                /* the caller's, for on_done */
    char message[512];          /* garant_error_last() of a failed job */
    const garant_msgcat *cat;   /* the caller's language for messages
                                ** (garant__msgcat_current()), set when queued */
    struct desk_write_job *next;
} desk_write_job;

/* Counters for /metrics. */
typedef struct desk_writer_stats {
    uint64_t batches;           /* transactions committed */
    uint64_t jobs;              /* writes run */
    uint64_t cpu_ns;            /* the writer thread's CPU time in batches */
    uint64_t syncs;             /* fsyncs by the syncer */
    uint64_t sync_ns;           /* their wall time */
} desk_writer_stats;

/* Start the writer (and the syncer, when the store can defer its syncs)
** on store's writer connection. Caller owns *out; stop it with
** desk_writer_stop, then free it with desk_writer_free. */
int desk_writer_start(desk_writer **out, garant_store *store);
/* Refuse new writes; the writer finishes what is queued. */
void desk_writer_stop(desk_writer *w);
/* Has desk_writer_stop been called? */
int desk_writer_stopping(desk_writer *w);
/* Wait for the threads to finish what they hold, and free w. Stops it if
** not stopped. NULL does nothing. */
void desk_writer_free(desk_writer *w);

/* Run fn(writer, ctx) in the writer's transaction, undone as undo says,
** and return once the transaction is durably committed: fn's result, or
** GARANT_ESTORE if the commit failed. */
int desk_writer_run(desk_writer *w, desk_write_fn fn, void *ctx, desk_write_undo undo);

/* Queue job (fn, ctx, undo, on_done and owner filled) and return 0 at
** once; job->on_done(job) runs on the syncer or writer thread once the
** write is durable or has failed (job->rc, job->message). queued(job), if
** not NULL, runs under the queue's lock just before the writer can see the
** job (an HTTP connection is suspended there, before it can be resumed).
** GARANT_ESTORE, nothing queued, once the writer is stopping. job must
** live until on_done. */
int desk_writer_queue(desk_writer *w, desk_write_job *job, void (*queued)(desk_write_job *job));

void desk_writer_stats_get(desk_writer *w, desk_writer_stats *out);


#endif
