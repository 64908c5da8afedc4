/*
** request.h - a request's life on the server's side: the connection's
** state that carries it, its memory, reading what the client sent (query,
** headers, cookies, the body against its field table), routing, and
** turning the response into text. Seen by dispatch.c (the lifecycle),
** upload.c and request.c; route handlers see only http.h.
*/
#ifndef GARANT_HTTP_REQUEST_H
#define GARANT_HTTP_REQUEST_H

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "http.h"
#include "pool.h"
#include "desk_write.h"

/* Memory that lives as long as a request (http_alloc). */
typedef struct arena_block {
    struct arena_block *next;
    size_t size;                 /* bytes of data */
    max_align_t data[];
} arena_block;

/* Where a request is in its life (dispatch.c, "Threading"). */
typedef enum phase {
    PH_BODY = 0,   /* receiving the body; then dispatched */
    PH_AWAY,       /* suspended: a worker runs it, or its write is queued */
    PH_ANSWERED,   /* resumed with the response set: send it */
    PH_WRITTEN     /* resumed after http_write_then's commit: run `then` */
} phase;

/* A connection's state (MHD's socket_context), made when it opens and
** freed when it closes; each request on it starts with http_request_start.
** One per connection, not per request: a request allocating and zeroing
** its 2.3 KiB state sent every submission through malloc's slow path
** (a large chunk consolidates the small ones freed before it). */
typedef struct conn_state {
    /* The connection's, kept from one request to the next. */
    struct MHD_Connection *conn;
    struct http_dispatch *dispatch; /* the dispatch serving it (dispatch.h) */
    char *body;                  /* the body buffer, reused */
    size_t cap;
    arena_block *spare;          /* a block for the next http_alloc */
    /* The request's, zeroed by http_request_start: from len to the end. */
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
    int counted;                 /* counted in the server's inflight; event loop only */
    desk_write_job job;          /* that write */
    http_then_fn then;
    http_pool_item work;         /* the worker queue's */
    arena_block *arena;
    /* A streamed upload (http_upload): spooling is 1 while its body goes
    ** to up.fd, which is then open; over once it passed the limit. */
    int spooling;
    http_upload up;
    crypto_hash_sha256_state sha;
} conn_state;

/* Begin a request on cs: everything of the last request gone, the
** connection's part kept. */
void http_request_start(conn_state *cs);
/* Free what the request allocated; the connection keeps one block of it
** (at most keep_bytes) for the next request. */
void http_request_free_arena(conn_state *cs, size_t keep_bytes);

/* The route for method and path, with its {id} and {id2}; NULL if none,
** and *path_known tells 404 from 405. */
const http_route *http_route_find(const char *method, const char *path, int64_t *id, int64_t *id2,
                                  int *path_known);

/* A query parameter of the request that rt does not read (rt->query), or
** NULL if there is none. Borrowed; valid for the request. */
const char *http_unknown_query(struct MHD_Connection *conn, const http_route *rt);

/* The request's framing as libmicrohttpd parsed its headers: NULL if it
** is unambiguous, else why not, with *status 400 (or 501 for a transfer
** coding other than chunked, RFC 9112 6.1). libmicrohttpd 0.9.75 accepts
** what a proxy in front may read differently (request smuggling): two
** different Content-Length values, Transfer-Encoding with Content-Length
** (it uses the former and keeps the connection), CR or NUL inside a
** header value, more than one Host; and with 'gzip, chunked' it waits
** for a body that never ends. Such a request is answered before its
** body is read, and the connection is closed after the answer (RFC 9112
** 6.1 requires that for TE with CL). docs/deploy.md lists what the bare
** port does and does not refuse. */
const char *http_framing_problem(struct MHD_Connection *conn, const char *version, int *status);

/* Turn the JSON response into text, on the thread that built it. */
void http_render(http_req *r);
/* Queue the request's response on conn (rendering it first); an MHD
** result. */
int http_send_response(struct MHD_Connection *conn, http_req *r);

/* A cookie the request carries, or NULL. Borrowed; valid for the request. */
const char *http_cookie(http_req *r, const char *name);

/* The language an Accept-Language value prefers among those the desk
** speaks (RFC 9110 12.5.4: the range with the highest weight whose primary
** tag is "en" or "ro", the first of equals; "*" and q=0 choose nothing):
** "en", "ro", or NULL when it names neither. Static. */
const char *http_accept_language(const char *value);
/* Choose the request's language from its Accept-Language header and write
** this thread's messages in it (http_req.messages); called as the request
** is read. */
void http_language_from_header(http_req *r);
/* Without a language from the header, the signed-in user's (their
** preference, PATCH /api/v1/me); called once the session is known. */
void http_language_from_user(http_req *r);

/* Case-insensitive prefix: does s start with lower-case word? */
int http_starts_ci(const char *s, const char *word);
/* RFC 9110's token characters (header names, media types, parameters). */
int http_tchar(char c);

#endif
