/*
** server.c - the HTTP server's start and stop: the listening socket, the
** desk, the parts, libmicrohttpd's daemon, the signal that ends it and the
** drain. Its parts own their state behind their headers: a request's way
** through the server and the worker pools (dispatch.h), what a request
** carries and answers and its routing (request.h), a streamed upload
** (upload.h), authentication and CSRF (auth.h), the pages (static.h), the
** counters of /metrics (metrics.h), trusted proxies (client_addr.h). The
** domain is the desk's (src/desk/desk.h): the server opens it, hands it to
** every request (r->desk) and asks it for the clock, the policies and the
** write path (src/desk/writer.c), which routes reach through http.h.
**
** Start-up order: the socket is bound first, so the port is known (the
** listen address may say port 0); the desk learns its base URL (links in
** mails) from it before the daemon takes a connection, so no request,
** mail or monitor round ever sees it unset.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "auth.h"
#include "client_addr.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"

/* Event-loop threads (dispatch.c, "Threading"). */
#define DEFAULT_LOOPS 2
/* Memory for a connection's headers and buffers (MHD's default is 32
** KiB). MHD zeroes all of it, more than once, for every request on a
** kept-alive connection, from memory gone cold among hundreds of
** connections: at 16 KiB that was 3.5 % of a submission's CPU. 10 KiB
** holds requests with up to 9 KB of headers (8 KB is a common ceiling:
** Tomcat's default, nginx's buffer for a line); larger ones get 431.
** Bodies stream through the dispatch in pieces and need none of it. */
#define CONNECTION_MEMORY (10 * 1024)
/* How long shutdown waits for requests in flight to be answered. */
#define DRAIN_MS 30000

struct garant_server {
    garant_server_options opt;
    garant_desk *desk;
    http_dispatch *dispatch;
    http_gate *gate;
    http_metrics *metrics;
    /* --trusted-proxy: peers whose X-Forwarded-For names the client. */
    http_cidr *trusted;
    size_t ntrusted;
};

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

http_metrics *http_server_metrics(const garant_server *srv) { return srv->metrics; }

http_pool *http_server_hashing_pool(const garant_server *srv)
{
    return http_dispatch_pool(srv->dispatch, HTTP_RUN_HASHING);
}

int http_server_print_metrics(http_text *b, garant_server *srv, json_t *counts)
{
    desk_stats ds;
    desk_stats_get(srv->desk, &ds);
    return http_metrics_print(b, srv->metrics, &ds, http_dispatch_pool(srv->dispatch, HTTP_RUN_WORKER),
                              http_dispatch_pool(srv->dispatch, HTTP_RUN_HASHING), counts);
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

/* ---- start and stop -------------------------------------------------- */

/* libmicrohttpd's own messages, through the log's escaping: some name
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

/* A socket bound to ss (its port, if 0, chosen now), not yet listening,
** into *out_fd, and the port it is bound to. Mirrors what libmicrohttpd
** does with an address of its own: address reuse, and an IPv6 socket
** for IPv6 only. */
static int bind_socket(int *out_fd, unsigned *out_port, const struct sockaddr_storage *ss, socklen_t sslen,
                       const char *listen)
{
    *out_fd = -1;
    int family = ss->ss_family, one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) goto fail;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto fail;
    if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) goto fail;
    if (bind(fd, (const struct sockaddr *)ss, sslen) != 0) goto fail;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) goto fail;
    *out_port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                         : ((struct sockaddr_in *)&bound)->sin_port);
    *out_fd = fd;
    return 0;

fail:;
    int e = errno;
    if (fd >= 0) close(fd);
    return garant__error(GARANT_EIO, "cannot listen on %s: %s", listen, strerror(e));
}

/* The base of links in mails: opt.base_url without a trailing slash,
** else http://LISTEN with the port bound (the listen address may say
** port 0), "localhost" for a wildcard host. */
static void base_url(char *out, size_t cap, const garant_server_options *opt, unsigned port)
{
    const char *b = opt->base_url;
    if (b && *b) {
        size_t n = strlen(b);
        while (n && b[n - 1] == '/') n--;
        snprintf(out, cap, "%.*s", (int)n, b);
        return;
    }
    const char *listen = opt->listen;
    int hl = (int)(strrchr(listen, ':') - listen); /* parse_listen found the colon */
    if (hl == 0 || (hl == 1 && listen[0] == '*') || (hl == 7 && !strncmp(listen, "0.0.0.0", 7)))
        snprintf(out, cap, "http://localhost:%u", port);
    else
        snprintf(out, cap, "http://%.*s:%u", hl, listen, port);
}

/* The trusted proxies of --trusted-proxy, parsed. */
static int parse_trusted(garant_server *srv, const garant_server_options *opt)
{
    if (!opt->ntrusted_proxies) return 0;
    if (!(srv->trusted = calloc(opt->ntrusted_proxies, sizeof *srv->trusted)))
        return garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; i < opt->ntrusted_proxies; i++) {
        int rc = http_cidr_parse(&srv->trusted[srv->ntrusted], opt->trusted_proxies[i]);
        if (rc) return garant__error(rc, "--trusted-proxy: %s", garant_error_last());
        srv->ntrusted++;
    }
    return 0;
}

/* The daemon on the listening socket fd, which it owns from then on (it
** closes it when it stops). */
static struct MHD_Daemon *start_daemon(garant_server *srv, int fd, int family)
{
    const garant_server_options *opt = &srv->opt;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (family == AF_INET6) flags |= MHD_USE_IPv6;
    unsigned loops = opt->threads > 0 ? (unsigned)opt->threads : DEFAULT_LOOPS;
    /* The logger first: MHD logs the options that follow it. A pool of
    ** one is no pool: MHD wants the option left out then. */
    return MHD_start_daemon(flags, 0, NULL, NULL, http_dispatch_request, srv->dispatch, MHD_OPTION_EXTERNAL_LOGGER,
                            mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_NOTIFY_COMPLETED, http_dispatch_completed, srv->dispatch,
                            MHD_OPTION_NOTIFY_CONNECTION, http_dispatch_connection, srv->dispatch,
                            MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                            /* One address cannot hold every connection:
                            ** slowloris, issue 13. */
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->max_per_address,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                            /* HTTP/1.1 without Host, and a space inside
                            ** the request target, are refused
                            ** (docs/deploy.md). */
                            MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
                            loops > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, loops, MHD_OPTION_END);
}

/* Wait for SIGINT or SIGTERM (blocked in sigs), then answer what is in
** flight, refuse what comes, and stop the daemon: MHD must not be
** stopped with a suspended connection. */
static void serve_until_signal(garant_server *srv, struct MHD_Daemon *daemon, const sigset_t *sigs)
{
    int sig;
    sigwait(sigs, &sig);
    fprintf(stderr, "garant: stopping (signal %d)\n", sig);
    int left = http_dispatch_drain(srv->dispatch, DRAIN_MS);
    if (left > 0)
        fprintf(stderr, "garant: %d requests still unanswered after %d s; stopping anyway\n", left,
                DRAIN_MS / 1000);
    MHD_stop_daemon(daemon);
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
    int fd = -1, door_started = 0;
    unsigned port = 0;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int rc;
    if ((rc = parse_listen(&ss, &sslen, opt->listen))) goto done;
    if ((rc = parse_trusted(srv, opt))) goto done;
    if ((rc = http_gate_new(&srv->gate, opt->metrics_token_file))) goto done;
    if (!(srv->metrics = http_metrics_new())) {
        rc = garant__error(GARANT_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = bind_socket(&fd, &port, &ss, sslen, opt->listen))) goto done;
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
    if ((rc = desk_open(&srv->desk, &dopt))) goto done;
    /* Before any request can be taken: the port is known, nothing listens
    ** yet. */
    char base[512];
    base_url(base, sizeof base, opt, port);
    desk_set_base_url(srv->desk, base);
    http_dispatch_options dispatch = {
        .srv = srv,
        .desk = srv->desk,
        .gate = srv->gate,
        .metrics = srv->metrics,
        .trusted = srv->trusted,
        .ntrusted = srv->ntrusted,
        .web_root = opt->web_root,
        .quiet = opt->quiet,
        .workers = opt->workers,
        .max_waiting_hashes = opt->max_waiting_hashes,
    };
    if ((rc = http_dispatch_new(&srv->dispatch, &dispatch))) goto done;
    if (listen(fd, SOMAXCONN) != 0) {
        rc = garant__error(GARANT_EIO, "cannot listen on %s: %s", opt->listen, strerror(errno));
        goto done;
    }
    struct MHD_Daemon *daemon = start_daemon(srv, fd, ss.ss_family);
    /* The daemon owns the socket now, and closes it when it stops; if it
    ** did not start, it may have closed it already: a failed start ends
    ** the process, so it is left alone rather than closed twice. */
    fd = -1;
    if (!daemon) {
        rc = garant__error(GARANT_EIO, "cannot listen on %s: %s", opt->listen, strerror(errno));
        goto done;
    }
    if (opt->door_start && (rc = opt->door_start(opt->door_ctx, srv->desk))) {
        MHD_stop_daemon(daemon);
        goto done;
    }
    door_started = opt->door_start != NULL;
    desk_start_monitor(srv->desk);
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(opt->listen, ':') - opt->listen), opt->listen);
    /* The line tests and scripts wait for; keep its shape. */
    printf("garant: listening on http://%s:%u/\n", host, port);
    fflush(stdout);
    serve_until_signal(srv, daemon, &sigs);

done:;
    char saved_msg[512];
    snprintf(saved_msg, sizeof saved_msg, "%s", garant_error_last());
    if (fd >= 0) close(fd);
    if (door_started) opt->door_stop(opt->door_ctx);
    http_dispatch_free(srv->dispatch);
    desk_free(srv->desk);
    http_gate_free(srv->gate);
    free(srv->trusted);
    free(srv->metrics);
    free(srv);
    if (rc) garant__error(rc, "%s", saved_msg);
    return rc;
}
