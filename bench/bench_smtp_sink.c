/*
** bench_smtp_sink.c - a minimal SMTP responder for bench/mail_drain.py: it
** accepts every mail and keeps nothing, so that a drain benchmark measures
** the sender, not the sink (the tests' aiosmtpd sink writes two files a
** message and takes about 130/s).
**
** Usage: bench_smtp_sink [PORT]   (0 or none: a free port)
** Prints "port N" on stdout once listening; then, on each line read from
** stdin, the number of messages taken so far ("count N"); ends at EOF.
** One thread a connection; commands may be pipelined (answers are written
** when the input buffer is drained). Speaks EHLO/HELO, MAIL, RCPT, DATA,
** RSET, NOOP and QUIT; nothing is checked.
*/
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static _Atomic long taken;

typedef struct conn {
    int fd;
    char in[65536];
    size_t start, end;
    char out[4096];
    size_t olen;
} conn;

static int put(conn *c, const char *s)
{
    size_t n = strlen(s);
    if (c->olen + n > sizeof c->out) {
        if (write(c->fd, c->out, c->olen) != (ssize_t)c->olen) return -1;
        c->olen = 0;
    }
    memcpy(c->out + c->olen, s, n);
    c->olen += n;
    return 0;
}

/* The next line (without CRLF) into *line, reading when needed and writing
** the pending answers first when the input is drained. 0 at EOF. */
static int next_line(conn *c, char **line)
{
    for (;;) {
        char *nl = memchr(c->in + c->start, '\n', c->end - c->start);
        if (nl) {
            *nl = '\0';
            if (nl > c->in + c->start && nl[-1] == '\r') nl[-1] = '\0';
            *line = c->in + c->start;
            c->start = (size_t)(nl - c->in) + 1;
            return 1;
        }
        if (c->start > 0) {
            memmove(c->in, c->in + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        if (c->end == sizeof c->in) c->end = 0; /* a line longer than the buffer: dropped */
        if (c->olen) {
            if (write(c->fd, c->out, c->olen) != (ssize_t)c->olen) return 0;
            c->olen = 0;
        }
        ssize_t n = read(c->fd, c->in + c->end, sizeof c->in - c->end);
        if (n <= 0) return 0;
        c->end += (size_t)n;
    }
}

static void *serve(void *arg)
{
    conn *c = arg;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    put(c, "220 sink ESMTP\r\n");
    char *line;
    while (next_line(c, &line)) {
        if (!strncasecmp(line, "EHLO", 4)) {
            put(c, "250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n");
        } else if (!strncasecmp(line, "DATA", 4)) {
            put(c, "354 go on\r\n");
            while (next_line(c, &line) && strcmp(line, ".") != 0) {
            }
            atomic_fetch_add(&taken, 1);
            put(c, "250 2.0.0 taken\r\n");
        } else if (!strncasecmp(line, "QUIT", 4)) {
            put(c, "221 bye\r\n");
            break;
        } else {
            put(c, "250 ok\r\n");
        }
    }
    if (c->olen && write(c->fd, c->out, c->olen) < 0) {
    }
    close(c->fd);
    free(c);
    return NULL;
}

static void *acceptor(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) continue;
        conn *c = calloc(1, sizeof *c);
        pthread_t t;
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        if (pthread_create(&t, NULL, serve, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 128) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
        perror("bench_smtp_sink");
        return 1;
    }
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);
    pthread_t t;
    if (pthread_create(&t, NULL, acceptor, &lfd) != 0) return 1;
    char buf[64];
    while (fgets(buf, sizeof buf, stdin)) {
        printf("count %ld\n", atomic_load(&taken));
        fflush(stdout);
    }
    return 0;
}
