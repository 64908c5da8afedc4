/*
** metrics.h - the counters /metrics reports and its Prometheus text.
**
** Each part counts its own: the lifecycle its requests here, the desk
** its writes and monitor rounds (desk.h), the pools their queues (pool.h); this file
** prints them together. Thread-safe: atomic counters.
*/
#ifndef GARANT_HTTP_METRICS_H
#define GARANT_HTTP_METRICS_H

#include <stdint.h>

#include <jansson.h>

#include "pool.h"
#include "text.h"
#include "desk.h"

typedef struct http_metrics http_metrics;

/* Zeroed counters. Caller owns; free with free(). NULL if out of memory. */
http_metrics *http_metrics_new(void);

/* A request answered with status after ns nanoseconds. */
void http_metrics_request(http_metrics *m, int status, int64_t ns);
/* A password hash verified (a sign-in; unknown addresses too). */
void http_metrics_password_check(http_metrics *m);

/* Append the Prometheus text of m, the desk's counters, the two pools
** (general, hashing) and the ticket counts (tickets->counts) to b. */
int http_metrics_print(http_text *b, http_metrics *m, const desk_stats *desk, http_pool *general,
                       http_pool *hashing, json_t *counts);

#endif
