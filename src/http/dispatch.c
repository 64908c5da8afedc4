/*
** dispatch.c - a request's way through the server (dispatch.h): from
** libmicrohttpd's callbacks to the route's handler and back to the answer.
** The server (server.c) starts the daemon with these callbacks; what a
** request carries and its routing are request.c's, the gate auth.c's, a
** streamed upload upload.c's.
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
**     (src/desk/writer.c, docs/durability.md).
** An earlier design gave each connection a thread that blocked through
** its commit: 250 us of CPU a submission, mostly thread wake-ups, malloc
** contention and store reads (docs/performance.md, "Where the time goes").
*/
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "garant/error_wrap.h"
#include "desk_attachments.h"
#include "dispatch.h"
#include "log.h"
#include "request.h"
#include "static.h"
#include "upload.h"

/* Largest request body: a ticket body is at most 64 KiB, a policy YAML at
** most 1 MiB; anything larger is refused with 413 without buffering it. */
#define MAX_BODY (1024 * 1024 + 4096)
#define DEFAULT_WORKERS 32
/* Workers for the routes that hash passwords: as many as may hash at once
** (MAX_CONCURRENT_HASHES in routes_accounts.c); more would only wait. */
#define HASHING_WORKERS 8
/* Requests that may wait for them (--max-waiting-sign-ins): at ~50 ms a
** hash, the last waits about 1.6 s; more are answered 503 at once rather
** than held, each with its connection, while a flood lasts. */
#define DEFAULT_WAITING_HASHES 256
/* Largest body buffer a connection keeps for its next request. */
#define KEPT_BODY (16 * 1024)
/* Largest http_alloc block a connection keeps for its next request. */
#define KEPT_BLOCK (8 * 1024)

struct http_dispatch {
    http_dispatch_options opt;
    /* Worker threads for handlers that may block: the general pool, and a
    ** small one for the routes that hash passwords. */
    http_pool *general, *hashing;
    /* Requests suspended while a worker or the writer has them; the
    ** daemon may only be stopped when none is (MHD's rule). */
    _Atomic int inflight;
    _Atomic int draining; /* shutting down: new API requests get 503 */
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

/* The error response for err (a garant_err) with message. */
static void reply_error(http_req *r, int err, const char *message)
{
    json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", desk_err_name(err), "message",
                          message && message[0] ? message : desk_err_name(err));
    http_reply(r, http_status_of(err), e);
}

/* Nanoseconds from a to b, read from the same clock. */
static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

/* ---- the request lifecycle ------------------------------------------ */

/* One line a request: "METHOD PATH STATUS TIMEms". The method and the
** path are the client's (the path URL-decoded by libmicrohttpd): escaped,
** spaces too, so that neither can end the line or add a field to it
** (log.h). A path is cut at about 1 KiB in the log. */
static void log_request(const http_dispatch *d, http_req *r, double ms)
{
    if (d->opt.quiet) return;
    char method[64], path[1024];
    desk_log_escape(method, sizeof method, r->method, strlen(r->method), DESK_LOG_SPACE);
    desk_log_escape(path, sizeof path, r->path, strlen(r->path), DESK_LOG_SPACE);
    fprintf(stderr, "%s %s %d %.1fms\n", method, path, r->status, ms);
}

static void handle(http_req *r, conn_state *cs)
{
    const http_route *rt = cs->rt;
    garant_store *store = desk_store(r->desk);
    const garant_store_ops *ops = garant_store_ops_of(store);
    int rc = rt->run == HTTP_RUN_INLINE ? 0 : ops->acquire(&r->db, store);
    /* This thread writes the request's messages in its language (a
    ** session may change it to the user's, auth.c). */
    garant__msgcat_use(r->messages);
    if (rc) goto refused;
    if ((rc = http_gate_check(cs->dispatch->opt.gate, r, rt))) goto refused;
    garant__error_clear();
    if (!(rc = rt->fn(r))) goto done;
refused:
    assert(!cs->pending);
    reply_error(r, rc, garant_error_last());
done:
    garant__msgcat_use(NULL);
    if (r->db) ops->release(r->db);
    r->db = NULL;
}

/* The request is away (a worker or the writer has it), suspended: it
** counts as in flight until it is back. */
static void suspend_away(conn_state *cs)
{
    MHD_suspend_connection(cs->conn);
    atomic_store(&cs->phase, PH_AWAY);
    atomic_fetch_add(&cs->dispatch->inflight, 1);
    cs->counted = 1;
}

/* Hand a suspended request back to the event loop. After this the caller
** must not touch cs: the loop may finish and free it at once. */
static void resume(conn_state *cs, phase next)
{
    atomic_store(&cs->phase, next);
    MHD_resume_connection(cs->conn);
}

/* ---- asynchronous writes (http_write_then) ----------------------------- */

static void write_done(desk_write_job *job)
{
    resume(job->owner, PH_WRITTEN);
}

/* Under the writer's lock, before it can see the job: suspended first,
** since the writer resumes the connection once committed, and resuming
** one not suspended is not allowed. */
static void write_queued(desk_write_job *job)
{
    conn_state *cs = job->owner;
    suspend_away(cs);
    cs->pending = 1;
}

int http_write_then(http_req *r, desk_write_fn fn, void *ctx, http_then_fn then, desk_write_undo undo)
{
    conn_state *cs = r->impl;
    assert(cs->rt->run == HTTP_RUN_INLINE && !cs->pending);
    memset(&cs->job, 0, sizeof cs->job);
    cs->job.fn = fn;
    cs->job.ctx = ctx;
    cs->job.undo = undo;
    cs->job.on_done = write_done;
    cs->job.owner = cs;
    cs->then = then;
    return desk_write_queue(r->desk, &cs->job, write_queued);
}

/* ---- the workers (pool.h) -------------------------------------------- */

/* A worker runs a request handed over by the loop. */
static void run_on_worker(http_pool_item *item)
{
    conn_state *cs = (conn_state *)((char *)item - offsetof(conn_state, work));
    handle(&cs->req, cs);
    http_render(&cs->req);
    /* The parsed body too is freed where it was allocated. */
    json_decref(cs->req.body_json);
    cs->req.body_json = NULL;
    resume(cs, PH_ANSWERED);
}

/* Suspend the request and hand it to a worker of pool p, or queue it if
** all are busy: 0, or -1 (nothing done) if the queue is full. A place in
** the queue is taken before the suspension, which is not made under the
** pool's lock. */
static int to_worker(http_pool *p, conn_state *cs)
{
    if (http_pool_reserve(p) != 0) return -1;
    suspend_away(cs);
    http_pool_hand(p, &cs->work);
    return 0;
}

/* ---- the event loop's side ----------------------------------------------- */

/* Send the response the request holds, count and log it, and release
** the request's data (the body buffer stays for on_completed). */
static enum MHD_Result finish(http_dispatch *d, struct MHD_Connection *conn, conn_state *cs)
{
    http_req *r = &cs->req;
    int ret = http_send_response(conn, r);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = elapsed_ns(&cs->t0, &t1);
    http_metrics_request(d->opt.metrics, r->status, ns);
    log_request(d, r, ns / 1e6);
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
static void fill_request(http_dispatch *d, struct MHD_Connection *conn, conn_state *cs, const char *url,
                         const char *method)
{
    clock_gettime(CLOCK_MONOTONIC, &cs->t0);
    http_req *r = &cs->req;
    r->srv = d->opt.srv;
    r->desk = d->opt.desk;
    r->method = method;
    r->path = url;
    r->body = cs->len ? cs->body : ""; /* the buffer may hold an earlier request's body */
    r->body_len = cs->len;
    r->now = desk_now(d->opt.desk);
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
    http_client_addr(cs->ip, peer, d->opt.ntrusted ? forwarded_for(r, conn) : NULL, d->opt.trusted,
                     d->opt.ntrusted);
    r->client_ip = cs->ip;
    http_language_from_header(r);
}

/* Fill the request from the connection and pick its route; 0, or the
** response is set already (no route, method not allowed, body too large,
** shutting down). */
static int prepare(http_dispatch *d, struct MHD_Connection *conn, conn_state *cs, const char *url,
                   const char *method)
{
    fill_request(d, conn, cs, url, method);
    http_req *r = &cs->req;
    int path_known;
    cs->rt = http_route_find(method, url, &r->id, &r->id2, &path_known);
    if (!cs->rt) {
        reply_error(r, path_known ? GARANT_EINVAL : GARANT_ENOTFOUND,
                    path_known ? garant__tr("method not allowed on this resource") : garant__tr("no such resource"));
        if (path_known) r->status = 405;
        return -1;
    }
    if (cs->too_large) {
        reply_error(r, GARANT_ELIMIT, garant__tr("request body larger than 1 MiB"));
        return -1;
    }
    const char *unknown = http_unknown_query(conn, cs->rt);
    if (unknown) {
        http_refuse_unknown_query(unknown, cs->rt->query);
        reply_error(r, GARANT_EPARSE, garant_error_last());
        return -1;
    }
    if (atomic_load(&d->draining)) {
        reply_error(r, GARANT_EBUSY, garant__tr("the server is shutting down; try again shortly"));
        r->retry_after_s = 1;
        return -1;
    }
    return 0;
}

/* The request is back from a worker or the writer, or its connection ended
** while it was away (the client hung up): it no longer counts as in
** flight. Once per count, whichever comes first; on the event loop. */
static void uncount(http_dispatch *d, conn_state *cs)
{
    if (!cs->counted) return;
    cs->counted = 0;
    atomic_fetch_sub(&d->inflight, 1);
}

/* Answer a request before its body is read: an upload over the limit or
** one that cannot be spooled (upload.h). MHD then reads no more of the
** body and closes the connection after the answer. */
static enum MHD_Result answer_early(http_dispatch *d, struct MHD_Connection *conn, conn_state *cs,
                                    const char *url, const char *method, int err)
{
    fill_request(d, conn, cs, url, method); /* and so the request's language */
    if (err == GARANT_ELIMIT)
        garant__error(err, "the file is larger than the limit of %lld bytes",
                      (long long)desk_attachment_max_bytes(d->opt.desk));
    else
        garant__error(err, "cannot take a file now; try again later");
    reply_error(&cs->req, err, garant_error_last());
    cs->close = 1;
    return finish(d, conn, cs);
}

/* The headers are all in: a new request on cs. Ambiguous framing is
** refused before the body is read, and the connection closed after the
** answer; a file upload opens its spool. */
static enum MHD_Result on_headers(http_dispatch *d, struct MHD_Connection *conn, conn_state *cs, const char *url,
                                  const char *method, const char *version)
{
    int status;
    const char *problem = http_framing_problem(conn, version, &status);
    if (!problem) {
        int err = http_upload_begin(cs, conn, url, method, desk_attachment_max_bytes(d->opt.desk));
        return err ? answer_early(d, conn, cs, url, method, err) : MHD_YES;
    }
    fill_request(d, conn, cs, url, method);
    reply_error(&cs->req, GARANT_EPARSE, garant__tr(problem));
    cs->req.status = status;
    cs->close = 1;
    return finish(d, conn, cs);
}

/* A piece of the body: into the body buffer, or the upload's spool. */
static enum MHD_Result on_body(http_dispatch *d, conn_state *cs, const char *data, size_t n)
{
    if (cs->spooling) return http_upload_piece(cs, data, n, desk_attachment_max_bytes(d->opt.desk));
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
    memcpy(cs->body + cs->len, data, n);
    cs->len += n;
    cs->body[cs->len] = '\0';
    return MHD_YES;
}

/* The request is back from its write (http_write_then): its `then`
** sets the answer, or the write's error does. */
static void after_write(conn_state *cs)
{
    http_req *r = &cs->req;
    cs->pending = 0;
    int rc = cs->job.rc;
    if (rc) {
        reply_error(r, rc, cs->job.message);
    } else {
        garant__error_clear();
        if ((rc = cs->then(r, cs->job.ctx))) reply_error(r, rc, garant_error_last());
    }
}

enum MHD_Result http_dispatch_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    http_dispatch *d = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (!ci || !(cs = ci->socket_context)) return MHD_NO; /* on_connection could not allocate */
        http_request_start(cs);
        *con_cls = cs;
        return on_headers(d, conn, cs, url, method, version);
    }
    /* The loop serves many requests: this one's language. */
    garant__msgcat_use(cs->req.messages);
    switch ((phase)atomic_load(&cs->phase)) {
    case PH_BODY: break;
    case PH_AWAY: return MHD_YES; /* not expected while suspended */
    case PH_ANSWERED:
        uncount(d, cs);
        return finish(d, conn, cs);
    case PH_WRITTEN:
        uncount(d, cs);
        after_write(cs);
        return finish(d, conn, cs);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_body(d, cs, upload_data, n);
    }
    /* Pages and assets: anything that is not the API, on GET. */
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && strncmp(url, "/api/", 5) != 0 &&
        strcmp(url, "/healthz") != 0 && strcmp(url, "/metrics") != 0) {
        int sret = http_static_serve(conn, d->opt.web_root, url);
        if (sret >= 0) return sret == MHD_YES ? MHD_YES : MHD_NO;
    }
    if (cs->spooling && cs->too_large) {
        cs->too_large = 0; /* prepare's 1 MiB message is not this one */
        return answer_early(d, conn, cs, url, method, GARANT_ELIMIT);
    }
    if (prepare(d, conn, cs, url, method) != 0) return finish(d, conn, cs);
    if (cs->spooling) http_upload_done(cs);
    if (cs->rt->run != HTTP_RUN_INLINE) {
        http_pool *p = http_dispatch_pool(d, cs->rt->run);
        if (to_worker(p, cs) == 0) return MHD_YES;
        reply_error(&cs->req, GARANT_EBUSY, garant__tr(http_pool_refusal(p)));
        cs->req.retry_after_s = 1;
        return finish(d, conn, cs);
    }
    handle(&cs->req, cs);
    if (cs->pending) return MHD_YES; /* suspended until the commit */
    return finish(d, conn, cs);
}

/* The end of a request: free what it owned; the connection keeps cs. */
void http_dispatch_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    (void)conn, (void)toe;
    conn_state *cs = *con_cls;
    if (!cs) return;
    /* A client that hung up while its request was away: MHD ends the
    ** request without calling on_request again, so it is uncounted here
    ** (else SIGTERM would wait 30 s for a request nobody will finish). */
    uncount(cls, cs);
    http_upload_end(cs);
    json_decref(cs->req.json);
    json_decref(cs->req.body_json);
    free(cs->req.text);
    http_request_free_arena(cs, KEPT_BLOCK);
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
** http_dispatch_completed for a request in progress before it reports
** the close. */
void http_dispatch_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    conn_state *cs = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* NULL if out of memory: http_dispatch_request then refuses its
        ** requests. */
        if ((cs = calloc(1, sizeof *cs))) {
            cs->conn = conn;
            cs->dispatch = cls;
        }
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

int http_dispatch_new(http_dispatch **out, const http_dispatch_options *opt)
{
    *out = NULL;
    http_dispatch *d = calloc(1, sizeof *d);
    if (!d) return garant__error(GARANT_ENOMEM, "out of memory");
    d->opt = *opt;
    d->general = http_pool_start("garant-worker", opt->workers > 0 ? opt->workers : DEFAULT_WORKERS, 0, NULL,
                                 run_on_worker);
    if (!d->general) goto fail;
    d->hashing = http_pool_start("garant-hashing", HASHING_WORKERS,
                                 opt->max_waiting_hashes > 0 ? opt->max_waiting_hashes : DEFAULT_WAITING_HASHES,
                                 GARANT_N_("too many sign-ins, sign-ups and password resets are waiting; try again "
                                           "in a moment"),
                                 run_on_worker);
    if (!d->hashing) goto fail;
    *out = d;
    return 0;

fail:
    http_dispatch_free(d);
    return GARANT_ENOMEM;
}

void http_dispatch_free(http_dispatch *d)
{
    if (!d) return;
    http_pool_stop(d->general);
    http_pool_stop(d->hashing);
    free(d);
}

int http_dispatch_drain(http_dispatch *d, int max_ms)
{
    atomic_store(&d->draining, 1);
    http_pool_hold(d->general, 0);
    http_pool_hold(d->hashing, 0);
    for (int waited_ms = 0; atomic_load(&d->inflight) > 0 && waited_ms < max_ms; waited_ms += 5)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    return atomic_load(&d->inflight);
}

http_pool *http_dispatch_pool(const http_dispatch *d, http_run run)
{
    return run == HTTP_RUN_HASHING ? d->hashing : d->general;
}
