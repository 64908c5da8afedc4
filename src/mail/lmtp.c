/*
** lmtp.c - the LMTP server of lmtp.h.
**
** One acceptor thread polls the listening socket and a stop pipe; each
** connection gets a thread of its own from a fixed table of max_clients
** slots (a full table answers 421 and closes, so an MTA retries later).
** A connection reads with poll() on its socket and the stop pipe, so both
** an idle client (timeout_s) and garant_lmtp_server_stop end it without
** signals. Replies are buffered and written when the client has sent
** nothing more: that is all PIPELINING asks of a server.
*/
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "lmtp.h"
#include "mail_internal.h"

/* RFC 5321 allows 512 bytes for a command line; extensions make it longer. */
#define MAX_COMMAND_LINE 2048
/* A connection that keeps sending nonsense is closed after this many errors. */
#define MAX_ERRORS 20
#define READ_CHUNK 16384
/* RFC 5322 allows 998 bytes a line; real mail (HTML on one line) goes far
** beyond, but not this far, and the line buffer must not double the
** message ceiling per connection. */
#define MAX_DATA_LINE (1024 * 1024)

typedef struct slot {
    pthread_t thread;
    int fd;      /* -1 once the connection closed it */
    int used;    /* a thread was started and not yet joined */
    int done;    /* the thread has finished; join before reuse */
    struct garant_lmtp_server *srv;
} slot;

struct garant_lmtp_server {
    garant_lmtp_callbacks cb;
    garant_lmtp_options opt;
    char hostname[128];
    int listen_fd;
    int port;
    int stop_pipe[2]; /* [0] becomes readable when the server stops */
    pthread_t acceptor;
    pthread_mutex_t lock;
    slot *slots;
};

typedef struct conn {
    garant_lmtp_server *srv;
    int fd;
    char in[READ_CHUNK];
    size_t in_start, in_end;
    mail_buf out;
    int closed;  /* EOF, error, timeout or stop: no more reading */
    int stopped; /* the server is stopping */
    int timed_out;
    int errors;
    /* The transaction. */
    int greeted;
    int in_mail;
    char *mail_from;
    char **rcpts;
    size_t n_rcpts, cap_rcpts;
} conn;

/* --- output --------------------------------------------------------------- */

static void flush_out(conn *c)
{
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + off, c->out.len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            c->closed = 1;
            break;
        }
        off += (size_t)n;
    }
    c->out.len = 0;
}

static const char *default_text(int code)
{
    switch (code) {
    case 250: return "2.0.0 OK";
    case 450: return "4.2.0 mailbox unavailable, try again later";
    case 451: return "4.3.0 temporary failure, try again later";
    case 452: return "4.3.1 insufficient resources, try again later";
    case 550: return "5.1.1 no such recipient";
    case 552: return "5.3.4 message too big";
    case 553: return "5.1.3 bad recipient address";
    case 554: return "5.6.0 message refused";
    default: return code >= 500 ? "5.0.0 refused" : code >= 400 ? "4.0.0 try again later" : "2.0.0 OK";
    }
}

static void reply(conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply(conn *c, int code, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%d ", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One line: a callback's text must not inject a second reply. */
    for (char *p = line; *p; p++)
        if (*p == '\r' || *p == '\n') *p = ' ';
    mail_buf_adds(&c->out, line);
    mail_buf_adds(&c->out, "\r\n");
}

/* A callback's reply, checked: a code out of range is a temporary failure
** (never a silent acceptance or a loss). */
static void reply_from(conn *c, const garant_lmtp_reply *r)
{
    int code = r->code;
    if (code < 200 || code > 599 || (code >= 300 && code < 400)) code = 451;
    const char *text = r->text[0] ? r->text : default_text(code);
    reply(c, code, "%.255s", text);
}

/* --- input ---------------------------------------------------------------- */

/* Waits for bytes; 0 on EOF, error, timeout or server stop. */
static int fill(conn *c)
{
    if (c->closed) return 0;
    if (c->in_start > 0) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
    }
    /* Nothing more to read in the buffer: the client waits for answers. */
    flush_out(c);
    for (;;) {
        struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = c->srv->stop_pipe[0], .events = POLLIN}};
        int timeout_ms = (int)c->srv->opt.timeout_s * 1000;
        int r = poll(p, 2, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
            c->timed_out = 1;
            c->closed = 1;
            return 0;
        }
        if (r < 0 || (p[1].revents & POLLIN)) {
            c->stopped = r > 0;
            c->closed = 1;
            return 0;
        }
        ssize_t n = recv(c->fd, c->in + c->in_end, sizeof c->in - c->in_end, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            c->closed = 1;
            return 0;
        }
        c->in_end += (size_t)n;
        return 1;
    }
}

/* Reads one line into line (without its CRLF or LF), keeping at most max
** bytes; *too_long says bytes were dropped. Returns 0 at end of input. */
static int read_line(conn *c, mail_buf *line, size_t max, int *too_long)
{
    line->len = 0;
    if (line->p) line->p[0] = '\0';
    *too_long = 0;
    for (;;) {
        char *start = c->in + c->in_start;
        size_t avail = c->in_end - c->in_start;
        char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        size_t keep = take;
        if (line->len + keep > max) {
            keep = line->len < max ? max - line->len : 0;
            *too_long = 1;
        }
        mail_buf_add(line, start, keep);
        c->in_start += nl ? take + 1 : take;
        if (nl) break;
        if (c->in_end == c->in_start) {
            c->in_start = c->in_end = 0;
        }
        if (!fill(c)) return 0;
    }
    if (line->failed) {
        c->closed = 1;
        return 0;
    }
    if (line->len && line->p[line->len - 1] == '\r') line->p[--line->len] = '\0';
    if (!line->p) mail_buf_add(line, "", 0);
    return 1;
}

/* --- the transaction -------------------------------------------------------- */

static void reset(conn *c)
{
    free(c->mail_from);
    c->mail_from = NULL;
    for (size_t i = 0; i < c->n_rcpts; i++) free(c->rcpts[i]);
    c->n_rcpts = 0;
    c->in_mail = 0;
}

/* The address in "<addr>" after a MAIL FROM: or RCPT TO: keyword; *rest
** points after it (the parameters). Caller owns; free with free(). NULL
** when there is no bracketed path. */
static char *path_of(const char *s, const char **rest)
{
    while (*s == ' ') s++;
    if (*s != '<') return NULL;
    const char *end = strchr(s, '>');
    if (!end) return NULL;
    const char *a = s + 1;
    /* A source route ("<@a,@b:user@c>") is obsolete: keep the mailbox. */
    if (*a == '@') {
        const char *colon = memchr(a, ':', (size_t)(end - a));
        if (colon) a = colon + 1;
    }
    size_t n = (size_t)(end - a);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= ' ' || a[i] == '<') return NULL;
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, a, n);
    r[n] = '\0';
    *rest = end + 1;
    return r;
}

static void cmd_mail(conn *c, const char *args)
{
    if (!c->greeted) { reply(c, 503, "5.5.1 send LHLO first"); return; }
    if (c->in_mail) { reply(c, 503, "5.5.1 nested MAIL command"); return; }
    if (strncasecmp(args, "FROM:", 5) != 0) { reply(c, 501, "5.5.4 syntax: MAIL FROM:<address>"); return; }
    const char *rest = NULL;
    char *from = path_of(args + 5, &rest);
    if (!from) { reply(c, 501, "5.1.7 bad sender address syntax"); return; }
    /* Parameters: SIZE= and BODY= are what we offer. */
    while (rest && *rest) {
        while (*rest == ' ') rest++;
        if (!*rest) break;
        size_t n = strcspn(rest, " ");
        if (n > 5 && strncasecmp(rest, "SIZE=", 5) == 0) {
            char *end = NULL;
            unsigned long long size = strtoull(rest + 5, &end, 10);
            if (end != rest + n) {
                free(from);
                reply(c, 501, "5.5.4 bad SIZE parameter");
                return;
            }
            if (size > c->srv->opt.max_message_bytes) {
                free(from);
                reply(c, 552, "5.3.4 message size exceeds the fixed maximum of %zu bytes",
                      c->srv->opt.max_message_bytes);
                return;
            }
        } else if (n > 5 && strncasecmp(rest, "BODY=", 5) == 0) {
            if (!(n == 9 && strncasecmp(rest + 5, "7BIT", 4) == 0) &&
                !(n == 13 && strncasecmp(rest + 5, "8BITMIME", 8) == 0)) {
                free(from);
                reply(c, 501, "5.5.4 BODY must be 7BIT or 8BITMIME");
                return;
            }
        } else {
            free(from);
            reply(c, 555, "5.5.4 unsupported MAIL parameter");
            return;
        }
        rest += n;
    }
    c->mail_from = from;
    c->in_mail = 1;
    reply(c, 250, "2.1.0 sender OK");
}

static void cmd_rcpt(conn *c, const char *args)
{
    if (!c->in_mail) { reply(c, 503, "5.5.1 send MAIL first"); return; }
    if (strncasecmp(args, "TO:", 3) != 0) { reply(c, 501, "5.5.4 syntax: RCPT TO:<address>"); return; }
    const char *rest = NULL;
    char *to = path_of(args + 3, &rest);
    if (!to) { reply(c, 501, "5.1.3 bad recipient address syntax"); return; }
    while (rest && *rest == ' ') rest++;
    if (!*to) {
        free(to);
        reply(c, 501, "5.1.3 empty recipient");
        return;
    }
    if (rest && *rest) {
        free(to);
        reply(c, 555, "5.5.4 unsupported RCPT parameter");
        return;
    }
    if (c->n_rcpts >= c->srv->opt.max_recipients) {
        free(to);
        reply(c, 452, "4.5.3 too many recipients");
        return;
    }
    garant_lmtp_reply r = {0};
    c->srv->cb.rcpt(c->srv->cb.ctx, &r, to, c->mail_from);
    if (r.code >= 200 && r.code < 300) {
        if (garant__grow((void **)&c->rcpts, &c->cap_rcpts, c->n_rcpts + 1, sizeof *c->rcpts)) {
            free(to);
            reply(c, 452, "4.3.1 out of memory");
            return;
        }
        c->rcpts[c->n_rcpts++] = to;
        if (!r.text[0]) snprintf(r.text, sizeof r.text, "2.1.5 recipient OK");
    } else {
        free(to);
    }
    reply_from(c, &r);
}

static void cmd_data(conn *c)
{
    if (!c->in_mail) { reply(c, 503, "5.5.1 send MAIL first"); return; }
    if (c->n_rcpts == 0) { reply(c, 503, "5.5.1 no valid recipients"); return; }
    reply(c, 354, "end data with <CR><LF>.<CR><LF>");
    size_t max = c->srv->opt.max_message_bytes;
    mail_buf data = {0}, line = {0};
    int too_big = 0, too_long = 0, ended = 0, line_too_long = 0;
    while (read_line(c, &line, MAX_DATA_LINE, &too_long)) {
        if (!too_long && line.len == 1 && line.p[0] == '.') {
            ended = 1;
            break;
        }
        const char *s = line.p;
        size_t n = line.len;
        if (n > 0 && s[0] == '.') s++, n--; /* dot-unstuffing */
        if (too_long) line_too_long = 1;
        if (too_long || data.len + n + 2 > max) {
            too_big = 1;
            data.len = 0;
            continue;
        }
        mail_buf_add(&data, s, n);
        mail_buf_add(&data, "\r\n", 2);
        if (data.failed) {
            too_big = 1;
            mail_buf_free(&data);
            memset(&data, 0, sizeof data);
        }
    }
    mail_buf_free(&line);
    if (!ended) {
        /* Cut off mid-message: no replies, the MTA retries the whole. */
        mail_buf_free(&data);
        return;
    }
    int64_t accepted_at_s = c->srv->cb.now_s(c->srv->cb.ctx);
    for (size_t i = 0; i < c->n_rcpts; i++) {
        if (line_too_long) {
            reply(c, 554, "5.6.0 a line is longer than %d bytes", MAX_DATA_LINE);
            continue;
        }
        if (too_big) {
            reply(c, 552, "5.3.4 message exceeds the fixed maximum of %zu bytes", max);
            continue;
        }
        garant_lmtp_reply r = {0};
        c->srv->cb.deliver(c->srv->cb.ctx, &r, data.p ? data.p : "", data.len, c->rcpts[i],
                           c->mail_from, accepted_at_s);
        reply_from(c, &r);
    }
    mail_buf_free(&data);
    reset(c);
}

static void cmd_lhlo(conn *c, const char *args)
{
    while (*args == ' ') args++;
    if (!*args) { reply(c, 501, "5.5.4 syntax: LHLO hostname"); return; }
    reset(c);
    c->greeted = 1;
    char buf[512];
    snprintf(buf, sizeof buf,
             "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE %zu\r\n",
             c->srv->hostname, c->srv->opt.max_message_bytes);
    mail_buf_adds(&c->out, buf);
}

/* Returns 0 when the connection should close. */
static int command(conn *c, const char *line)
{
    size_t verb_len = strcspn(line, " ");
    const char *args = line + verb_len;
    while (*args == ' ') args++;
#define IS(v) (verb_len == sizeof v - 1 && strncasecmp(line, v, verb_len) == 0)
    if (IS("LHLO")) cmd_lhlo(c, args);
    else if (IS("MAIL")) cmd_mail(c, args);
    else if (IS("RCPT")) cmd_rcpt(c, args);
    else if (IS("DATA")) cmd_data(c);
    else if (IS("RSET")) {
        reset(c);
        reply(c, 250, "2.0.0 OK");
    } else if (IS("NOOP")) reply(c, 250, "2.0.0 OK");
    else if (IS("QUIT")) {
        reply(c, 221, "2.0.0 %s closing connection", c->srv->hostname);
        return 0;
    } else if (IS("VRFY") || IS("EXPN")) {
        reply(c, 502, "5.5.1 %s is not offered", IS("VRFY") ? "VRFY" : "EXPN");
        c->errors++;
    } else if (IS("HELO") || IS("EHLO")) {
        reply(c, 500, "5.5.1 this is LMTP: use LHLO");
        c->errors++;
    } else {
        reply(c, 500, "5.5.2 command not recognised");
        c->errors++;
    }
#undef IS
    return 1;
}

static void serve(conn *c)
{
    reply(c, 220, "%s LMTP garant ready", c->srv->hostname);
    mail_buf line = {0};
    int too_long = 0;
    while (!c->closed) {
        if (!read_line(c, &line, MAX_COMMAND_LINE, &too_long)) break;
        if (too_long) {
            reply(c, 500, "5.5.2 line too long");
            c->errors++;
        } else if (memchr(line.p, '\0', line.len)) {
            reply(c, 500, "5.5.2 NUL in command");
            c->errors++;
        } else if (!command(c, line.p)) {
            break;
        }
        if (c->errors >= MAX_ERRORS) {
            reply(c, 421, "4.7.0 %s too many errors, closing", c->srv->hostname);
            break;
        }
    }
    if (c->timed_out) reply(c, 421, "4.4.2 %s idle too long, closing", c->srv->hostname);
    else if (c->stopped) reply(c, 421, "4.3.2 %s shutting down, try again later", c->srv->hostname);
    c->closed = 0;
    flush_out(c);
    mail_buf_free(&line);
}

static void *conn_main(void *arg)
{
    slot *s = arg;
    conn *c = calloc(1, sizeof *c);
    int fd = s->fd;
    if (c) {
        c->srv = s->srv;
        c->fd = fd;
        serve(c);
        reset(c);
        free(c->rcpts);
        mail_buf_free(&c->out);
        free(c);
    }
    pthread_mutex_lock(&s->srv->lock);
    s->fd = -1;
    s->done = 1;
    pthread_mutex_unlock(&s->srv->lock);
    close(fd);
    return NULL;
}

/* --- accepting -------------------------------------------------------------- */

static void refuse(int fd, const char *host)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "421 4.3.2 %s too many connections, try again later\r\n", host);
    if (n > 0) (void)!send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
}

static void *acceptor_main(void *arg)
{
    garant_lmtp_server *srv = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = srv->listen_fd, .events = POLLIN}, {.fd = srv->stop_pipe[0], .events = POLLIN}};
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || (p[1].revents & POLLIN)) break;
        int fd = accept(srv->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        pthread_mutex_lock(&srv->lock);
        slot *free_slot = NULL;
        for (unsigned i = 0; i < srv->opt.max_clients; i++) {
            slot *s = &srv->slots[i];
            if (s->used && s->done) {
                pthread_join(s->thread, NULL);
                s->used = s->done = 0;
            }
            if (!s->used && !free_slot) free_slot = s;
        }
        if (free_slot) {
            free_slot->fd = fd;
            free_slot->srv = srv;
            free_slot->used = 1;
            free_slot->done = 0;
            if (pthread_create(&free_slot->thread, NULL, conn_main, free_slot) != 0) {
                free_slot->used = 0;
                free_slot->fd = -1;
                free_slot = NULL;
            }
        }
        pthread_mutex_unlock(&srv->lock);
        if (!free_slot) refuse(fd, srv->hostname);
    }
    return NULL;
}

int garant_lmtp_server_start(garant_lmtp_server **out, const char *host, const char *port,
                             const garant_lmtp_callbacks *cb, const garant_lmtp_options *opt)
{
    *out = NULL;
    if (!cb || !cb->rcpt || !cb->deliver || !cb->now_s)
        return garant__error(GARANT_EINVAL, "LMTP server needs rcpt, deliver and now_s callbacks");
    garant_lmtp_server *srv = calloc(1, sizeof *srv);
    if (!srv) return garant__error(GARANT_ENOMEM, "out of memory starting the LMTP server");
    int rc = 0;
    struct addrinfo *ai = NULL;
    srv->listen_fd = -1;
    srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
    srv->cb = *cb;
    if (opt) srv->opt = *opt;
    if (!srv->opt.max_message_bytes) srv->opt.max_message_bytes = GARANT_LMTP_DEFAULT_MAX_MESSAGE;
    if (!srv->opt.max_recipients) srv->opt.max_recipients = GARANT_LMTP_DEFAULT_MAX_RECIPIENTS;
    if (!srv->opt.max_clients) srv->opt.max_clients = GARANT_LMTP_DEFAULT_MAX_CLIENTS;
    if (!srv->opt.timeout_s) srv->opt.timeout_s = GARANT_LMTP_DEFAULT_TIMEOUT_S;
    if (srv->opt.timeout_s > 24 * 3600) {
        rc = garant__error(GARANT_EINVAL, "LMTP timeout of %u s is longer than a day", srv->opt.timeout_s);
        goto fail;
    }
    snprintf(srv->hostname, sizeof srv->hostname, "%s", srv->opt.hostname ? srv->opt.hostname : "garant");
    srv->opt.hostname = srv->hostname;
    for (char *p = srv->hostname; *p; p++)
        if ((unsigned char)*p <= ' ') *p = '-';
    pthread_mutex_init(&srv->lock, NULL);
    srv->slots = calloc(srv->opt.max_clients, sizeof *srv->slots);
    if (!srv->slots) {
        rc = garant__error(GARANT_ENOMEM, "out of memory for %u LMTP connection slots", srv->opt.max_clients);
        goto fail_lock;
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        rc = garant__error(GARANT_EIO, "LMTP listen address %s:%s: %s", host ? host : "*", port, gai_strerror(gai));
        goto fail_lock;
    }
    srv->listen_fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (srv->listen_fd < 0 || setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(srv->listen_fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(srv->listen_fd, 128) != 0) {
        rc = garant__error(GARANT_EIO, "LMTP cannot listen on %s:%s: %s", host ? host : "*", port, strerror(errno));
        goto fail_lock;
    }
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    if (getsockname(srv->listen_fd, (struct sockaddr *)&sa, &sl) == 0)
        srv->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                   : ((struct sockaddr_in *)&sa)->sin_port);
    if (pipe(srv->stop_pipe) != 0) {
        rc = garant__error(GARANT_EIO, "LMTP stop pipe: %s", strerror(errno));
        goto fail_lock;
    }
    if (pthread_create(&srv->acceptor, NULL, acceptor_main, srv) != 0) {
        rc = garant__error(GARANT_EIO, "LMTP cannot start its thread");
        goto fail_lock;
    }
    freeaddrinfo(ai);
    *out = srv;
    return 0;

fail_lock:
    pthread_mutex_destroy(&srv->lock);
fail:
    if (ai) freeaddrinfo(ai);
    if (srv->listen_fd >= 0) close(srv->listen_fd);
    if (srv->stop_pipe[0] >= 0) close(srv->stop_pipe[0]);
    if (srv->stop_pipe[1] >= 0) close(srv->stop_pipe[1]);
    free(srv->slots);
    free(srv);
    return rc;
}

int garant_lmtp_server_port(const garant_lmtp_server *srv) { return srv->port; }

void garant_lmtp_server_stop(garant_lmtp_server *srv)
{
    if (!srv) return;
    /* The pipe stays readable: the acceptor and every connection see it. */
    (void)!write(srv->stop_pipe[1], "x", 1);
    pthread_join(srv->acceptor, NULL);
    for (unsigned i = 0; i < srv->opt.max_clients; i++)
        if (srv->slots[i].used) pthread_join(srv->slots[i].thread, NULL);
    close(srv->listen_fd);
    close(srv->stop_pipe[0]);
    close(srv->stop_pipe[1]);
    pthread_mutex_destroy(&srv->lock);
    free(srv->slots);
    free(srv);
}
