/*
** bench_lmtp_client.c - the LMTP load of bench/lmtp.py without Python in
** the way: CONNECTIONS threads, each one LMTP session sending its share of
** MESSAGES, one message a transaction (MAIL, RCPT, DATA), as an MTA's
** delivery agents do. Python's smtplib, one process a session, took most
** of the 2 shared cores itself.
**
** Usage: bench_lmtp_client PORT CONNECTIONS MESSAGES MESSAGE_FILE RCPT_FILE
** RCPT_FILE: one recipient a line; session k uses lines k, k+CONNECTIONS, ...
** in turn. MESSAGE_FILE: the message (CRLF lines, dot-stuffed already).
** Prints one line: "sent N bad B wall_s W p50_ms X p99_ms Y max_ms Z"; the
** latency is from the final "." of DATA to the 250 (acceptance to the
** message on its ticket: the door answers after the durable commit).
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, conns, total;
static char *msg;
static size_t msg_len;
static char **rcpts;
static int nrcpts;
static double *lat;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct sess {
    int k, fd, bad, n;
    char buf[8192];
    size_t len;
} sess;

/* Read one reply (its last line), return its code. */
static int reply(sess *s)
{
    for (;;) {
        char *nl;
        while ((nl = memchr(s->buf, '\n', s->len))) {
            size_t line = (size_t)(nl - s->buf) + 1;
            int last = line >= 4 && s->buf[3] == ' ';
            int code = (int)strtol(s->buf, NULL, 10);
            memmove(s->buf, s->buf + line, s->len - line);
            s->len -= line;
            if (last) return code;
        }
        ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
        if (n <= 0) return -1;
        s->len += (size_t)n;
    }
}

static int say(sess *s, const char *text, size_t n)
{
    while (n) {
        ssize_t w = write(s->fd, text, n);
        if (w <= 0) return -1;
        text += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *run(void *arg)
{
    sess *s = arg;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || reply(s) != 220) goto fail;
    if (say(s, "LHLO bench.test\r\n", 17) || reply(s) != 250) goto fail;
    int per = total / conns;
    char cmd[600];
    for (int i = 0; i < per; i++) {
        const char *r = rcpts[(s->k + (size_t)i * conns) % nrcpts];
        int n = snprintf(cmd, sizeof cmd, "MAIL FROM:<carla@acme.example>\r\nRCPT TO:<%s>\r\nDATA\r\n", r);
        if (say(s, cmd, (size_t)n) || reply(s) != 250 || reply(s) != 250 || reply(s) != 354) goto fail;
        if (say(s, msg, msg_len)) goto fail;
        double t0 = now_s();
        if (say(s, ".\r\n", 3)) goto fail;
        int code = reply(s);
        lat[s->k * per + i] = now_s() - t0;
        s->bad += code != 250;
        s->n++;
    }
    say(s, "QUIT\r\n", 6);
    reply(s);
    close(s->fd);
    return NULL;
fail:
    fprintf(stderr, "session %d failed after %d messages\n", s->k, s->n);
    s->bad += 1;
    close(s->fd);
    return NULL;
}

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (b) b[n] = '\0';
    fclose(f);
    *out_len = (size_t)n;
    return b;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bench_lmtp_client PORT CONNECTIONS MESSAGES MESSAGE_FILE RCPT_FILE\n");
        return 2;
    }
    port = (int)strtol(argv[1], NULL, 10);
    conns = (int)strtol(argv[2], NULL, 10);
    total = (int)strtol(argv[3], NULL, 10);
    size_t rlen;
    msg = slurp(argv[4], &msg_len);
    char *rc = slurp(argv[5], &rlen);
    if (!msg || !rc || conns < 1 || total < conns) return 2;
    rcpts = calloc(rlen + 1, sizeof *rcpts);
    for (char *p = rc; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        if (*p) rcpts[nrcpts++] = p;
        if (!nl) break;
        p = nl + 1;
    }
    if (!nrcpts) return 2;
    int per = total / conns;
    lat = calloc((size_t)per * conns, sizeof *lat);
    sess *ss = calloc((size_t)conns, sizeof *ss);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    double t0 = now_s();
    for (int k = 0; k < conns; k++) {
        ss[k].k = k;
        pthread_create(&th[k], NULL, run, &ss[k]);
    }
    int sent = 0, bad = 0;
    for (int k = 0; k < conns; k++) {
        pthread_join(th[k], NULL);
        sent += ss[k].n;
        bad += ss[k].bad;
    }
    double wall = now_s() - t0;
    int n = per * conns;
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    printf("sent %d bad %d wall_s %.3f p50_ms %.1f p99_ms %.1f max_ms %.1f\n", sent, bad, wall,
           lat[n / 2] * 1e3, lat[(size_t)(n * 0.99)] * 1e3, lat[n - 1] * 1e3);
    return 0;
}
