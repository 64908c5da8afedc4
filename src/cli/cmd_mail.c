/*
** cmd_mail.c - the two mail doors into the desk (issue 14): the LMTP
** server that `garant serve --lmtp-listen HOST:PORT` runs beside HTTP, and
** `garant mail deliver`, one message on stdin (an MTA's pipe transport,
** fetchmail's mda). Both only carry bytes and answers: what a mail means
** is desk_inbound_deliver's (src/desk/desk_inbound.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk_inbound.h"
#include "garant/error_wrap.h"
#include "http.h"
#include "lmtp.h"

/* sysexits.h's EX_TEMPFAIL: the MTA keeps the message and retries. */
#define EXIT_TEMPFAIL 75
/* The largest message either door takes (the LMTP SIZE it advertises). */
#define MAIL_MAX_BYTES ((size_t)32 * 1024 * 1024)

/* ---- the LMTP door ----------------------------------------------------- */

static void lmtp_rcpt(void *ctx, garant_lmtp_reply *out, const char *rcpt, const char *mail_from)
{
    (void)mail_from;
    desk_inbound_result r;
    desk_inbound_rcpt(&r, ctx, rcpt);
    out->code = r.status == DESK_INBOUND_OK ? 250 : 550;
    snprintf(out->text, sizeof out->text, "%s", r.why);
}

static void lmtp_deliver(void *ctx, garant_lmtp_reply *out, const char *bytes, size_t len, const char *rcpt,
                         const char *mail_from, int64_t accepted_at_s)
{
    desk_inbound_result r;
    desk_inbound_deliver(&r, ctx, bytes, len, rcpt, mail_from, accepted_at_s);
    out->code = r.status == DESK_INBOUND_OK ? 250 : r.status == DESK_INBOUND_TEMPORARY ? 451 : 550;
    snprintf(out->text, sizeof out->text, "%s", r.why);
}

static int64_t lmtp_now(void *ctx) { return desk_now(ctx); }

typedef struct lmtp_door {
    const char *listen; /* "HOST:PORT" */
    garant_lmtp_server *srv;
} lmtp_door;

static int lmtp_door_start(void *ctx, garant_desk *d)
{
    lmtp_door *door = ctx;
    if (!desk_support_address(d)[0])
        return garant__error(GARANT_EINVAL, "--lmtp-listen needs --support-address or --mail-from");
    const char *colon = strrchr(door->listen, ':');
    char host[256];
    if (!colon || colon == door->listen || (size_t)(colon - door->listen) >= sizeof host || !colon[1])
        return garant__error(GARANT_EINVAL, "--lmtp-listen: expected HOST:PORT, got '%.100s'", door->listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - door->listen), door->listen);
    garant_lmtp_callbacks cb = {d, lmtp_rcpt, lmtp_deliver, lmtp_now};
    garant_lmtp_options o = {.max_message_bytes = MAIL_MAX_BYTES};
    int rc = garant_lmtp_server_start(&door->srv, host, colon + 1, &cb, &o);
    if (rc) return garant__error(rc, "--lmtp-listen: %s", garant_error_last());
    /* On stderr (the log): stdout's first line is the HTTP one scripts wait for. */
    fprintf(stderr, "garant: lmtp listening on %s:%d\n", host, garant_lmtp_server_port(door->srv));
    return 0;
}

static void lmtp_door_stop(void *ctx)
{
    lmtp_door *door = ctx;
    garant_lmtp_server_stop(door->srv);
    door->srv = NULL;
}

/* --autoreply-limit N (0-1000) as desk_options.autoreply_max (0 there is
** the default, negative none) into *out; 0, or a usage error's code. */
static int autoreply_limit(const cli_args *a, const char *cmd, int *out)
{
    const char *v = cli_get(a, "autoreply-limit");
    if (!v) return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (!v[0] || *end || n < 0 || n > 1000) return cli_usage_error("%s: --autoreply-limit must be 0-1000", cmd);
    *out = n == 0 ? -1 : (int)n;
    return 0;
}

int cmd_serve_doors(garant_server_options *o, const cli_args *a)
{
    static lmtp_door door;
    int rc = autoreply_limit(a, "serve", &o->autoreply_max);
    if (rc) return rc;
    o->mail_key_file = cli_get(a, "mail-key-file");
    o->support_address = cli_get(a, "support-address");
    door.listen = cli_get(a, "lmtp-listen");
    if (!door.listen) return 0;
    o->door_start = lmtp_door_start;
    o->door_stop = lmtp_door_stop;
    o->door_ctx = &door;
    return 0;
}

/* ---- garant mail deliver -------------------------------------------- */

/* All of stdin, up to max bytes. Caller owns *out; free with free().
** GARANT_ELIMIT when larger, GARANT_EIO on a read error. */
static int read_stdin(char **out, size_t *out_len, size_t max)
{
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    if (!buf) return garant__error(GARANT_ENOMEM, "out of memory reading the message");
    for (;;) {
        if (len == cap) {
            if (cap > max) {
                free(buf);
                return garant__error(GARANT_ELIMIT, "the message is larger than %zu bytes", max);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return garant__error(GARANT_ENOMEM, "out of memory reading the message");
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0) break;
    }
    if (ferror(stdin)) {
        free(buf);
        return garant__error(GARANT_EIO, "cannot read the message from stdin");
    }
    if (len > max) {
        free(buf);
        return garant__error(GARANT_ELIMIT, "the message is larger than %zu bytes", max);
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int cmd_mail_deliver(const cli_args *a)
{
    desk_options o;
    memset(&o, 0, sizeof o);
    o.db_path = cli_get(a, "db");
    o.config_path = cli_get(a, "config");
    o.mail_from = cli_get(a, "mail-from");
    o.mail_key_file = cli_get(a, "mail-key-file");
    o.support_address = cli_get(a, "support-address");
    o.monitor_interval_ms = 1000;
    o.quiet = cli_get(a, "quiet") != NULL;
    if (!o.db_path) return cli_usage_error("mail deliver: --db FILE is required");
    int urc = autoreply_limit(a, "mail deliver", &o.autoreply_max);
    if (urc) return urc;
    const char *start = cli_get(a, "test-clock");
    if (start) {
        if (garant_time_parse_rfc3339(&o.test_clock_start_s, start, strlen(start)) != 0)
            return cli_usage_error("mail deliver: --test-clock: %s", garant_error_last());
        o.test_clock = 1;
    }
    const char *sender = cli_get(a, "sender");
    if (!sender) sender = getenv("SENDER"); /* Postfix's pipe(8) and local(8) set it */
    if (!sender) sender = "";
    char *msg = NULL;
    size_t len = 0;
    int rc = read_stdin(&msg, &len, MAIL_MAX_BYTES);
    if (rc) {
        int code = cli_fail(rc);
        return rc == GARANT_ENOMEM || rc == GARANT_EIO ? EXIT_TEMPFAIL : code;
    }
    garant_desk *d = NULL;
    if ((rc = desk_open(&d, &o))) {
        free(msg);
        int code = cli_fail(rc);
        /* A database that cannot be opened now may open later. */
        return rc == GARANT_ESTORE || rc == GARANT_EIO || rc == GARANT_EBUSY ? EXIT_TEMPFAIL : code;
    }
    /* The clock once, when the input ended: the SLA clock starts there. */
    int64_t accepted_at = desk_now(d);
    const char *rcpt = cli_get(a, "recipient");
    if (!rcpt) rcpt = getenv("RECIPIENT");
    if (!rcpt) rcpt = desk_support_address(d);
    int code = CLI_OK;
    if (!rcpt[0]) {
        code = cli_usage_error("mail deliver: --recipient, --support-address or --mail-from is required");
    } else {
        desk_inbound_result r;
        desk_inbound_deliver(&r, d, msg, len, rcpt, sender, accepted_at);
        if (r.status == DESK_INBOUND_TEMPORARY) code = EXIT_TEMPFAIL;
        else if (r.status == DESK_INBOUND_REFUSED) code = 67; /* EX_NOUSER */
        if (!o.quiet || code != CLI_OK) fprintf(code ? stderr : stdout, "garant: %s: %s\n",
                                                desk_inbound_outcome_name((int)r.outcome), r.why);
    }
    desk_free(d);
    free(msg);
    return code;
}
