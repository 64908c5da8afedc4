/*
** lmtp_test_server.c - the LMTP server of src/mail/lmtp.h with callbacks
** for tests/mail/lmtp_client.py, which drives it with Python's smtplib.
**
** Usage: lmtp_test_server DIR
** Prints "PORT n" once listening on 127.0.0.1, then serves until its stdin
** closes, then stops the server and prints "STOPPED". Recipients by local
** part: unknown* refused (550), busy* refused for now (452), everything
** else accepted; at delivery, tempfail* gets 451 (the store is down),
** reject* 554, the rest is written to DIR/N.eml with a first line
** "rcpt=R from=F at=T" (T from the test clock, not the real one).
** Limits: 64 KB messages, 5 recipients, 3 connections, 2 s idle timeout.
*/
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmtp.h"

typedef struct state {
    const char *dir;
    pthread_mutex_t lock;
    int64_t clock_s; /* the test clock: starts at 2026-12-07T10:00:00Z, one second a call */
    unsigned delivered;
} state;

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static void on_rcpt(void *ctx, garant_lmtp_reply *out, const char *rcpt, const char *mail_from)
{
    (void)ctx;
    (void)mail_from;
    if (starts(rcpt, "unknown")) {
        out->code = 550;
        snprintf(out->text, sizeof out->text, "5.1.1 <%s>: no such ticket address", rcpt);
    } else if (starts(rcpt, "busy")) {
        out->code = 452;
    } else {
        out->code = 250;
    }
}

static void on_deliver(void *ctx, garant_lmtp_reply *out, const char *bytes, size_t len, const char *rcpt,
                       const char *mail_from, int64_t accepted_at_s)
{
    state *st = ctx;
    if (starts(rcpt, "tempfail")) {
        out->code = 451;
        snprintf(out->text, sizeof out->text, "4.3.0 store unavailable, try again later");
        return;
    }
    if (starts(rcpt, "reject")) {
        out->code = 554;
        return;
    }
    pthread_mutex_lock(&st->lock);
    unsigned n = ++st->delivered;
    pthread_mutex_unlock(&st->lock);
    char path[4096];
    snprintf(path, sizeof path, "%s/%u.eml", st->dir, n);
    FILE *f = fopen(path, "wb");
    if (!f) {
        out->code = 451;
        return;
    }
    fprintf(f, "rcpt=%s from=%s at=%lld\n", rcpt, mail_from, (long long)accepted_at_s);
    fwrite(bytes, 1, len, f);
    fclose(f);
    out->code = 250;
    snprintf(out->text, sizeof out->text, "2.0.0 <%s> delivered as %u", rcpt, n);
}

static int64_t on_now(void *ctx)
{
    state *st = ctx;
    pthread_mutex_lock(&st->lock);
    int64_t t = st->clock_s++;
    pthread_mutex_unlock(&st->lock);
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    state st = {.dir = argv[1], .clock_s = 1796637600};
    pthread_mutex_init(&st.lock, NULL);
    garant_lmtp_callbacks cb = {.ctx = &st, .rcpt = on_rcpt, .deliver = on_deliver, .now_s = on_now};
    garant_lmtp_options opt = {.hostname = "lmtp.test", .max_message_bytes = 64 * 1024, .max_recipients = 5,
                               .max_clients = 3, .timeout_s = 2};
    garant_lmtp_server *srv = NULL;
    if (garant_lmtp_server_start(&srv, "127.0.0.1", "0", &cb, &opt) != 0) {
        fprintf(stderr, "lmtp_test_server: %s\n", garant_error_last());
        return 1;
    }
    printf("PORT %d\n", garant_lmtp_server_port(srv));
    fflush(stdout);
    char buf[256];
    while (fgets(buf, sizeof buf, stdin)) {
    }
    garant_lmtp_server_stop(srv);
    pthread_mutex_destroy(&st.lock);
    printf("STOPPED\n");
    return 0;
}
