/*
** pool.c - the worker pools (pool.h).
*/
#include <pthread.h>
#include <stdlib.h>

#include "garant/error_wrap.h"
#include "pool.h"
#include "desk.h"

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
    http_pool_item *job;        /* handed over by http_pool_hand */
    struct http_worker *next_idle;
} http_worker;

struct http_pool {
    const char *thread_name;
    pthread_mutex_t mu;
    http_pool_item *head, *tail; /* items waiting for a worker, FIFO */
    void (*run)(http_pool_item *item);
    int waiting;                /* queued or about to be (reserved) */
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
    desk_thread_name(p->thread_name);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        http_pool_item *cs = w->job;
        w->job = NULL;
        if (!cs && (cs = p->head)) {
            p->head = cs->next;
            if (!p->head) p->tail = NULL;
            p->waiting--;
        }
        if (!cs) {
            if (p->stop) break;
            w->next_idle = p->idle;
            p->idle = w;
            while (!w->job && !p->stop) pthread_cond_wait(&w->cv, &p->mu);
            continue; /* http_pool_hand took it off the idle stack, or stopping */
        }
        p->busy++;
        while (p->held && !p->stop) pthread_cond_wait(&p->held_cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        p->run(cs);
        pthread_mutex_lock(&p->mu);
        p->busy--;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int http_pool_reserve(http_pool *p)
{
    pthread_mutex_lock(&p->mu);
    if (p->max_waiting && !p->idle && p->waiting >= p->max_waiting) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    p->waiting++;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void http_pool_hand(http_pool *p, http_pool_item *item)
{
    item->next = NULL;
    pthread_mutex_lock(&p->mu);
    http_worker *w = p->idle;
    if (w) {
        p->idle = w->next_idle;
        w->job = item;
        p->waiting--;
        pthread_cond_signal(&w->cv);
    } else {
        if (p->tail)
            p->tail->next = item;
        else
            p->head = item;
        p->tail = item;
    }
    pthread_mutex_unlock(&p->mu);
}

const char *http_pool_refusal(const http_pool *p) { return p->refusal; }

http_pool *http_pool_start(const char *thread_name, int n, int max_waiting, const char *refusal,
                           void (*run)(http_pool_item *item))
{
    http_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)n, sizeof *p->workers))) {
        free(p);
        garant__error(GARANT_ENOMEM, "out of memory for the worker threads");
        return NULL;
    }
    p->thread_name = thread_name;
    p->max_waiting = max_waiting;
    p->refusal = refusal;
    p->run = run;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->held_cv, NULL);
    while (p->n < n) {
        http_worker *w = &p->workers[p->n];
        w->pool = p;
        pthread_cond_init(&w->cv, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            pthread_cond_destroy(&w->cv);
            http_pool_stop(p);
            garant__error(GARANT_ENOMEM, "cannot start %s thread %d", thread_name, p->n + 1);
            return NULL;
        }
        p->n++;
    }
    return p;
}

void http_pool_stop(http_pool *p)
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
