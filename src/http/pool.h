/*
** pool.h - pools of worker threads for the requests that may block.
**
** A pool runs items handed to it, each once, on one of its threads. An
** item is embedded in its owner (an HTTP connection's state), so handing
** one over allocates nothing; the pool calls run(item) and the owner finds
** itself from the item.
**
** Thread-safe.
*/
#ifndef GARANT_HTTP_POOL_H
#define GARANT_HTTP_POOL_H

typedef struct http_pool http_pool;

/* A unit of work; embed it in what the run function needs. */
typedef struct http_pool_item {
    struct http_pool_item *next; /* the pool's queue */
} http_pool_item;

/* A pool of n threads named thread_name (at most 15 chars; a string that
** outlives the pool) that call run(item) for each item handed over. At
** most max_waiting items may wait for a thread (0: no limit); refusal is
** the message to answer the rest with. NULL and the error set if any
** thread cannot start (those started are stopped). Caller owns; free with
** http_pool_stop. */
http_pool *http_pool_start(const char *thread_name, int n, int max_waiting, const char *refusal,
                           void (*run)(http_pool_item *item));
/* Stop the workers once they have finished what they hold, and free the
** pool. NULL does nothing. */
void http_pool_stop(http_pool *p);

/* Take a place in the queue: 0, or -1 if the queue is full (answer with
** http_pool_refusal). Each 0 must be followed by one http_pool_hand. */
int http_pool_reserve(http_pool *p);
/* Hand item to an idle worker, or queue it, in the place reserved. */
void http_pool_hand(http_pool *p, http_pool_item *item);
/* Why a reservation was refused. Borrowed; valid while p lives. */
const char *http_pool_refusal(const http_pool *p);

/* A pool's workers with a request in hand, and requests queued for one. */
void http_pool_stats(http_pool *p, int *out_busy, int *out_waiting);
/* Tests only: hold (1) the requests the pool's workers take before they
** run, or let them go (0). Stopping the pool lets them go too. */
void http_pool_hold(http_pool *p, int held);

#endif
