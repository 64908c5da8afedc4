/*
** server.c - the HTTP server: libmicrohttpd setup and the request
** lifecycle (body, dispatch, response), start and stop. Its parts own
** their state behind their headers: the worker pools (pool.h), what a
** request carries and answers and its routing (request.h), authentication
** and CSRF (auth.h), the pages (static.h), the counters of /metrics
** (metrics.h). The domain is the desk's (src/desk/desk.h): the server
** opens it, hands it to every request (r->desk) and asks it for the
** clock, the policies and the write path.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "accounts.h"
#include "desk_attachments.h"
#include "auth.h"
#include "client_addr.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "static.h"

/* Largest request body: a ticket body is at most 64 KiB, a policy YAML at
** most 1 MiB; anything larger is refused with 413 without buffering it. */
#define MAX_BODY (1024 * 1024 + 4096)
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

struct garant_server {
    garant_server_options opt;
    struct MHD_Daemon *daemon;
    garant_desk *desk;
    /* Worker threads for handlers that may block: the general pool, and a
    ** small one for the routes that hash passwords. */
    http_pool *general, *hashing;
    http_gate *gate;
    http_metrics *metrics;

    /* Requests suspended while a worker or the writer has them; the
    ** daemon may only be stopped when none is (MHD's rule). */
    _Atomic int inflight;
    _Atomic int draining;       /* shutting down: new API requests get 503 */

    /* --trusted-proxy: peers whose X-Forwarded-For names the client. */
    http_cidr *trusted;
    size_t ntrusted;

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

/* ---- clock and policy ------------------------------------------------ */

/* Business time, UTC epoch seconds. Under --test-clock only the test
** clock: a server under test never reads the real one. */
int64_t http_now(garant_server *srv)
{
    return desk_now(srv->desk);
}

const garant_policy *http_policy(http_req *r) { return http_policy_current(r->srv, NULL); }


const garant_policy *http_policy_current(garant_server *srv, int64_t *out_version)
{
    return desk_policy_current(srv->desk, out_version);
}

int http_policy_compile(garant_policy **out, garant_diags **out_diags, garant_server *srv, const char *yaml)
{
    return desk_policy_compile(out, out_diags, srv->desk, yaml);
}

int http_policy_version(const garant_policy **out, garant_server *srv, garant_store_conn *c, int64_t version)
{
    return desk_policy_version(out, srv->desk, c, version);
}

const garant_policy *http_ticket_policy(garant_server *srv, garant_store_conn *c, int64_t version)
{
    return desk_ticket_policy(srv->desk, c, version);
}


int http_policy_swap(garant_server *srv, garant_policy *pol, int64_t version)
{
    return desk_policy_swap(srv->desk, pol, version);
}

garant_store *http_store(garant_server *srv) { return desk_store(srv->desk); }

garant_desk *http_desk(garant_server *srv) { return srv->desk; }

/* ---- what the server lends (server.h) ------------------------------- */

const garant_server_options *http_server_options(const garant_server *srv) { return &srv->opt; }

unsigned http_server_port(const garant_server *srv)
{
    const union MHD_DaemonInfo *di = srv->daemon ? MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    return di ? di->port : 0;
}

http_metrics *http_server_metrics(const garant_server *srv) { return srv->metrics; }
http_pool *http_server_hashing_pool(const garant_server *srv) { return srv->hashing; }

int http_server_print_metrics(http_text *b, garant_server *srv, json_t *counts)
{
    desk_stats ds;
    desk_stats_get(srv->desk, &ds);
    return http_metrics_print(b, srv->metrics, &ds, srv->general, srv->hashing, counts);
}

void http_forget_session(garant_server *srv, const uint8_t hash[32]) { desk_forget_session(srv->desk, hash); }

void http_forget_user_sessions(garant_server *srv, int64_t user_id)
{
    desk_forget_user_sessions(srv->desk, user_id);
}

/* ---- the write path (desk_write.h) ------------------------------------- */

int http_write(garant_server *srv, desk_write_fn fn, void *ctx)
{
    return desk_write(srv->desk, fn, ctx, DESK_WRITE_SAVEPOINT);
}

int http_write_undone(garant_server *srv, desk_write_fn fn, void *ctx, desk_write_undo undo)
{
    return desk_write(srv->desk, fn, ctx, undo);
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
static void log_request(http_req *r, double ms)
{
    if (r->srv->opt.quiet) return;
    char method[64], path[1024];
    desk_log_escape(method, sizeof method, r->method, strlen(r->method), DESK_LOG_SPACE);
    desk_log_escape(path, sizeof path, r->path, strlen(r->path), DESK_LOG_SPACE);
    fprintf(stderr, "%s %s %d %.1fms\n", method, path, r->status, ms);
}

/* libmicrohttpd's own messages, through the same escaping: some name
** what a client sent. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[1024], line[sizeof text * DESK_LOG_ESCAPE_MAX + 4];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    while (len && text[len - 1] == '\n') len--; /* its messages end in a line break */
    fprintf(stderr, "garant: libmicrohttpd: %s\n", desk_log_escape(line, sizeof line, text, len, 0));
}

static void handle(http_req *r, conn_state *cs)
{
    const http_route *rt = cs->rt;
    garant_store *store = desk_store(r->desk);
    const garant_store_ops *ops = garant_store_ops_of(store);
    int rc = rt->run == HTTP_RUN_INLINE ? 0 : ops->acquire(&r->db, store);
    /* The metrics token is no session: it stands in for one on its route. */
    /* This thread writes the request's messages in its language (a
    ** session may change it to the user's, auth.c). */
    garant__msgcat_use(r->messages);
    if (!rc) rc = http_gate_check(r->srv->gate, r, rt);
    if (!rc) {
        garant__error_clear();
        rc = rt->fn(r);
    }
    if (rc) {
        assert(!cs->pending);
        reply_error(r, rc, garant_error_last());
    }
    garant__msgcat_use(NULL);
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
    MHD_suspend_connection(cs->conn);
    atomic_store(&cs->phase, PH_AWAY);
    atomic_fetch_add(&cs->req.srv->inflight, 1);
    cs->counted = 1;
    cs->pending = 1;
}

int http_write_then(http_req *r, desk_write_fn fn, void *ctx, http_then_fn then, desk_write_undo undo)
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
    return desk_write_queue(srv->desk, &cs->job, write_queued);
}

/* ---- the workers (pool.h) -------------------------------------------- */

/* A worker runs a request handed over by on_request. */
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
static int to_worker(garant_server *srv, http_pool *p, conn_state *cs)
{
    if (http_pool_reserve(p) != 0) return -1;
    MHD_suspend_connection(cs->conn);
    atomic_store(&cs->phase, PH_AWAY);
    atomic_fetch_add(&srv->inflight, 1);
    cs->counted = 1;
    http_pool_hand(p, &cs->work);
    return 0;
}

/* ---- the event loop's side ----------------------------------------------- */

/* Send the response the request holds, count and log it, and release
** the request's data (the body buffer stays for on_completed). */
static enum MHD_Result finish(garant_server *srv, struct MHD_Connection *conn, conn_state *cs)
{
    http_req *r = &cs->req;
    int ret = http_send_response(conn, r);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = elapsed_ns(&cs->t0, &t1);
    http_metrics_request(srv->metrics, r->status, ns);
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
    r->desk = srv->desk;
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
    http_language_from_header(r);
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
    if (atomic_load(&srv->draining)) {
        reply_error(r, GARANT_EBUSY, garant__tr("the server is shutting down; try again shortly"));
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

/* ---- streamed uploads (http_upload) ----------------------------------- */

/* Answer a request before its body is read: an upload over the limit or
** one that cannot be spooled. MHD then reads no more of the body and
** closes the connection after the answer. */
static enum MHD_Result answer_early(garant_server *srv, struct MHD_Connection *conn, conn_state *cs,
                                    const char *url, const char *method, int err)
{
    fill_request(srv, conn, cs, url, method); /* and so the request's language */
    if (err == GARANT_ELIMIT)
        garant__error(err, "the file is larger than the limit of %lld bytes",
                      (long long)desk_attachment_max_bytes(srv->desk));
    else
        garant__error(err, "cannot take a file now; try again later");
    reply_error(&cs->req, err, garant_error_last());
    cs->close = 1;
    return finish(srv, conn, cs);
}

/* Is this request a file upload, whose body goes to a spool file as it
** arrives? Then open the spool; an answer if it cannot be taken at all
** (its Content-Length over the per-file limit: refused before a byte of
** it is read), else MHD_YES with cs->spooling set. */
static int upload_begin(garant_server *srv, struct MHD_Connection *conn, conn_state *cs, const char *url,
                        const char *method, enum MHD_Result *answer)
{
    if (strcmp(method, "POST") != 0 || strcmp(url, HTTP_UPLOAD_PATH) != 0) return 0;
    int64_t max = desk_attachment_max_bytes(srv->desk);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || (long long)n > max) {
            *answer = answer_early(srv, conn, cs, url, method, GARANT_ELIMIT);
            return 1;
        }
    }
    /* Unlinked at once: nothing is left behind by a crash. */
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/garant-upload-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        *answer = answer_early(srv, conn, cs, url, method, GARANT_EBUSY);
        return 1;
    }
    unlink(path);
    cs->spooling = 1;
    cs->up.fd = fd;
    cs->up.size = 0;
    crypto_hash_sha256_init(&cs->sha);
    *answer = MHD_YES;
    return 1;
}

/* Append a piece of an upload to its spool, counting it against the
** per-file limit as it streams. An upload announced too large was refused
** before its body (upload_begin); one without a length (chunked) stops
** being spooled the moment it passes the limit: the rest is read and
** dropped, and answered 413 at its end, or the connection is cut once it
** runs to twice the limit. (libmicrohttpd 0.9.75 queues no answer while
** a body is arriving.) */
static enum MHD_Result upload_piece(garant_server *srv, conn_state *cs, const char *data, size_t n)
{
    int64_t max = desk_attachment_max_bytes(srv->desk);
    if (cs->up.size + (int64_t)n > max) cs->too_large = 1;
    if (cs->too_large) {
        cs->up.size += (int64_t)n;
        return cs->up.size > 2 * max ? MHD_NO : MHD_YES;
    }
    crypto_hash_sha256_update(&cs->sha, (const unsigned char *)data, n);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(cs->up.fd, data + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return MHD_NO; /* the spool's disk is full: cut the upload */
        off += (size_t)w;
    }
    cs->up.size += (int64_t)n;
    return MHD_YES;
}

static void upload_end(conn_state *cs)
{
    if (!cs->spooling) return;
    close(cs->up.fd);
    cs->spooling = 0;
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
        http_request_start(cs);
        *con_cls = cs;
        /* The headers are all in: refuse ambiguous framing before the
        ** body is read, and close the connection after the answer. */
        int status;
        const char *problem = http_framing_problem(conn, version, &status);
        if (!problem) {
            enum MHD_Result answer;
            if (upload_begin(srv, conn, cs, url, method, &answer)) return answer;
            return MHD_YES;
        }
        fill_request(srv, conn, cs, url, method);
        reply_error(&cs->req, GARANT_EPARSE, garant__tr(problem));
        cs->req.status = status;
        cs->close = 1;
        return finish(srv, conn, cs);
    }
    /* The loop serves many requests: this one's language. */
    garant__msgcat_use(cs->req.messages);
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
    if (*upload_data_size && cs->spooling) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return upload_piece(srv, cs, upload_data, n);
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
        int sret = http_static_serve(conn, srv->opt.web_root, url);
        if (sret >= 0) return sret == MHD_YES ? MHD_YES : MHD_NO;
    }
    if (cs->spooling && cs->too_large) {
        cs->too_large = 0; /* prepare's 1 MiB message is not this one */
        return answer_early(srv, conn, cs, url, method, GARANT_ELIMIT);
    }
    if (prepare(srv, conn, cs, url, method) != 0) return finish(srv, conn, cs);
    if (cs->spooling) {
        crypto_hash_sha256_final(&cs->sha, cs->up.sha256);
        cs->req.upload = &cs->up;
    }
    if (cs->rt->run != HTTP_RUN_INLINE) {
        http_pool *p = cs->rt->run == HTTP_RUN_HASHING ? srv->hashing : srv->general;
        if (to_worker(srv, p, cs) == 0) return MHD_YES;
        reply_error(&cs->req, GARANT_EBUSY, garant__tr(http_pool_refusal(p)));
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
    upload_end(cs);
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
    if (!rc) rc = http_gate_new(&srv->gate, opt->metrics_token_file);
    if (!rc && !(srv->metrics = http_metrics_new())) rc = garant__error(GARANT_ENOMEM, "out of memory");
    desk_options dopt = {
        .db_path = opt->db_path,
        .config_path = opt->config_path,
        .test_clock = opt->test_clock,
        .test_clock_start_s = opt->test_clock_start_s,
        .allow_private_webhooks = opt->allow_private_webhooks,
        .test_resolve = opt->test_resolve,
        .ntest_resolve = opt->ntest_resolve,
        .monitor_interval_ms = opt->monitor_interval_ms,
        .freemail_path = opt->freemail_path,
        .mail_key_file = opt->mail_key_file,
        .mail_templates = opt->mail_templates,
        .smtp_url = opt->smtp_url,
        .mail_from = opt->mail_from,
        .quiet = opt->quiet,
        .limits = opt->limits,
        .support_address = opt->support_address,
        .notify = opt->notify,
        .nnotify = opt->nnotify,
        .autoreply_max = opt->autoreply_max,
        .attachment_max_bytes = opt->attachment_max_bytes,
        .ticket_attachments_max_bytes = opt->ticket_attachments_max_bytes,
        .mail_keep_days = opt->mail_keep_days,
    };
    if (!rc) rc = desk_open(&srv->desk, &dopt);
    if (!rc && !(srv->general = http_pool_start("garant-worker", opt->workers > 0 ? opt->workers : DEFAULT_WORKERS,
                                                0, NULL, run_on_worker)))
        rc = GARANT_ENOMEM;
    if (!rc && !(srv->hashing = http_pool_start(
                     "garant-hashing", HASHING_WORKERS,
                     opt->max_waiting_hashes > 0 ? opt->max_waiting_hashes : DEFAULT_WAITING_HASHES,
                     GARANT_N_("too many sign-ins, sign-ups and password resets are waiting; try again in a "
                               "moment"),
                     run_on_worker)))
        rc = GARANT_ENOMEM;
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
    int door_started = 0;
    if (!rc && opt->door_start && !(rc = opt->door_start(opt->door_ctx, srv->desk))) door_started = 1;
    if (!rc) {
        char base[512];
        http_base_url(base, sizeof base, srv);
        desk_set_base_url(srv->desk, base);
        desk_start_monitor(srv->desk);
        unsigned port = http_server_port(srv);
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
    if (door_started) opt->door_stop(opt->door_ctx);
    http_pool_stop(srv->general);
    http_pool_stop(srv->hashing);
    desk_free(srv->desk);
    http_gate_free(srv->gate);
    free(srv->trusted);
    free(srv->metrics);
    free(srv);
    if (saved) garant__error(saved, "%s", saved_msg);
    return saved;
}
