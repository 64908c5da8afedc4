/*
** dispatch.h - a request's way through the server: libmicrohttpd's
** callbacks, the route's handler on the event loop or on a worker of its
** pool, the write it may queue (http_write_then), and the answer, counted
** and logged. The dispatch owns the worker pools and the count of
** requests in flight; it borrows the rest (the desk, the gate, the
** counters, the trusted proxies) from the server (server.c), which starts
** and stops it.
*/
#ifndef GARANT_HTTP_DISPATCH_H
#define GARANT_HTTP_DISPATCH_H

#include <stddef.h>

#include <microhttpd.h>

#include "auth.h"
#include "client_addr.h"
#include "http.h"
#include "metrics.h"
#include "pool.h"

typedef struct http_dispatch http_dispatch;

/* What a dispatch borrows: everything here must outlive it. */
typedef struct http_dispatch_options {
    garant_server *srv;          /* each request's r->srv */
    garant_desk *desk;           /* each request's r->desk */
    http_gate *gate;             /* authenticates and authorizes */
    http_metrics *metrics;       /* counts each answer */
    const http_cidr *trusted;    /* --trusted-proxy (client_addr.h) */
    size_t ntrusted;
    const char *web_root;        /* the pages; NULL: none */
    int quiet;                   /* no request log */
    int workers;                 /* general workers; 0: the default (32) */
    int max_waiting_hashes;      /* requests that may wait for the hashing
                                 ** workers; 0: the default (256) */
} http_dispatch_options;

/* A dispatch with its worker pools started. Caller owns *out; free with
** http_dispatch_free, after the daemon has stopped. */
int http_dispatch_new(http_dispatch **out, const http_dispatch_options *opt);
/* Stop the pools (once they have finished what they hold) and free d.
** NULL does nothing. */
void http_dispatch_free(http_dispatch *d);

/* libmicrohttpd's callbacks, each with d as its closure:
** MHD_AccessHandlerCallback, MHD_OPTION_NOTIFY_COMPLETED and
** MHD_OPTION_NOTIFY_CONNECTION. */
enum MHD_Result http_dispatch_request(void *d, struct MHD_Connection *conn, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **con_cls);
void http_dispatch_completed(void *d, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe);
void http_dispatch_connection(void *d, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe);

/* Shutting down: answer API requests that come 503, let held workers go,
** and wait up to max_ms for the requests in flight to be answered (the
** daemon must not be stopped with a suspended connection). Returns how
** many are still unanswered. */
int http_dispatch_drain(http_dispatch *d, int max_ms);

/* The pool of a route's run (HTTP_RUN_WORKER or HTTP_RUN_HASHING).
** Borrowed; valid until http_dispatch_free. */
http_pool *http_dispatch_pool(const http_dispatch *d, http_run run);

#endif
