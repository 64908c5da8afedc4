/*
** monitor.c - the SLA monitor: raises each warning and breach exactly once
** and delivers them to the webhooks from the persistent outbox.
**
** Two threads. The monitor thread (started by the desk) wakes every
** opt.monitor_interval_ms, asks the store for tickets whose warning time or
** deadline has come on the desk's clock (desk_now, so the test clock
** drives it), and raises each in one write: the sla_events row (unique per
** ticket, kind and deadline), the ticket's history event and the outbox
** rows, in the same transaction. A crash before the commit loses nothing
** (the ticket is still due on restart); after it, nothing repeats (the key
** exists). The write re-reads the ticket first, so a ticket answered or
** given a new deadline since the read is skipped: nothing fires for a
** deadline that no longer exists, and a new deadline is a new key.
**
** The delivery thread (started by the monitor) sends what the outbox holds
** (webhook.c), outside any transaction, and marks each result through
** desk_write: 2xx is delivered, anything else is retried with exponential
** back-off on the same clock, up to DESK_WEBHOOK_MAX_ATTEMPTS. Rows stay
** until delivered, so a restart loses none; a delivery cut off by a stop
** is sent again after the restart (receivers dedupe on X-Garant-Delivery).
** Keeping delivery off the monitor thread means a slow receiver (up to
** 10 s a try) never delays a warning or a breach.
**
** Both threads ask the writer whether it is stopping and sleep in slices
** of at most STOP_CHECK_MS, so a stop is noticed promptly.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "garant/error_wrap.h"
#include "log.h"
#include "monitor.h"
#include "webhook.h"

/* Longest sleep between two looks at whether the server stops. */
#define STOP_CHECK_MS 50
/* Tickets raised per write, and rounds of that per kind and tick. */
#define EVENT_BATCH 100
#define EVENT_ROUNDS 20
/* Outbox items delivered at once (concurrently). */
#define DELIVERY_BATCH 16
/* Back-off after the Nth failure: BASE * 2^(N-1) seconds, at most MAX. */
#define BACKOFF_BASE_S 10
#define BACKOFF_MAX_S 3600

/* ---- stopping and sleeping ---------------------------------------------- */

static int stopping(garant_desk *d) { return desk_stopping(d); }

static int stop_fn(void *d) { return stopping(d); }

/* Sleep about ms milliseconds; returns 1 as soon as the server stops. */
static int nap(garant_desk *d, int ms)
{
    while (ms > 0) {
        if (stopping(d)) return 1;
        int slice = ms < STOP_CHECK_MS ? ms : STOP_CHECK_MS;
        struct timespec ts = {slice / 1000, (long)(slice % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
    return stopping(d);
}

static void log_line(garant_desk *d, int always, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void log_line(garant_desk *d, int always, const char *fmt, ...)
{
    if (!always && desk_options_of(d)->quiet) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Lines name webhook URLs and the errors their targets caused. */
    desk_log("%s", line);
}

/* An instant as RFC 3339 UTC, or JSON null for GARANT_NO_DUE. Caller owns. */
static json_t *instant_json(int64_t t)
{
    if (t == GARANT_NO_DUE) return json_null();
    char buf[GARANT_RFC3339_UTC_LEN];
    return json_string(garant_time_format_utc(buf, t));
}

/* ---- raising warnings and breaches ---------------------------------------- */

/* One kind of event: its sla_events kind, history kind and webhook event. */
typedef struct event_kind {
    const char *kind;    /* "warning", "breach" (store_sla.h) */
    const char *history; /* "sla_warning", "sla_breach" (store_tickets.h) */
    const char *event;   /* "sla.warning", "sla.breach" (the webhook's) */
} event_kind;

static const event_kind kinds[] = {
    {"warning", "sla_warning", "sla.warning"},
    {"breach", "sla_breach", "sla.breach"},
};

typedef struct raise_ctx {
    garant_desk *d;
    const event_kind *k;
    const garant_sla_due *tickets; /* due_events rows; borrowed */
    size_t n;
    int64_t now;
    int raised;
} raise_ctx;

/* The webhook body. Caller owns; free with free(). NULL if out of memory. */
static char *payload_of(const event_kind *k, const garant_ticket *t, const char *org_name, int64_t now)
{
    char id[96];
    snprintf(id, sizeof id, "%s-%lld-%lld", k->kind, (long long)t->id, (long long)t->first_response_due);
    json_t *p = json_pack("{s:s,s:s,s:o,s:{s:I,s:s,s:i,s:s,s:I,s:s,s:o,s:o}}", "event", k->event, "id", id, "at",
                          instant_json(now), "ticket", "id", (json_int_t)t->id, "subject", t->subject, "priority",
                          t->priority, "plan", t->plan, "org_id", (json_int_t)t->org_id, "org_name", org_name,
                          "first_response_due", instant_json(t->first_response_due), "warn_at",
                          instant_json(t->warn_at));
    if (!p) return NULL;
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return s;
}

/* Raise one event for the ticket row, if it is still due: 0 and *raised
** set to 1 when raised, 0 when no longer due or raised already. */
static int raise_one(garant_store_conn *w, const event_kind *k, const garant_sla_due *row, int64_t now, int *raised)
{
    *raised = 0;
    garant_ticket t;
    int rc = GS(w)->tickets->get(w, row->ticket_id, &t);
    if (rc == GARANT_ENOTFOUND) return 0;
    if (rc) return rc;
    /* The row was read outside this transaction: judge the ticket as it is now. */
    if (t.first_response_at != 0 || (strcmp(t.status, "open") != 0 && strcmp(t.status, "pending") != 0))
        return 0;
    if (t.first_response_due == GARANT_NO_DUE) return 0;
    int64_t when = strcmp(k->kind, "warning") == 0 ? t.warn_at : t.first_response_due;
    if (when == GARANT_NO_DUE || when > now) return 0;
    rc = GS(w)->sla->record_event(w, t.id, k->kind, t.first_response_due, now);
    if (rc == GARANT_ECONFLICT) return 0; /* raised already for this deadline */
    if (rc) return rc;
    json_t *data = json_pack("{s:o,s:o}", "due", instant_json(t.first_response_due), "at", instant_json(now));
    if (!data) return garant__error(GARANT_ENOMEM, "out of memory");
    garant_event_in ev = {t.id, now, 0, k->history, data};
    rc = GS(w)->tickets->append_event(w, &ev);
    json_decref(data);
    if (rc) return rc;
    char *payload = payload_of(k, &t, row->org_name, now);
    if (!payload) return garant__error(GARANT_ENOMEM, "out of memory building the webhook payload");
    rc = GS(w)->sla->outbox_enqueue(w, k->event, payload, now);
    free(payload);
    if (rc) return rc;
    *raised = 1;
    return 0;
}

/* desk_write body: raise every ticket of ctx, each under its own savepoint
** so that one failing ticket does not hold back the others. */
static int raise_batch(garant_store_conn *w, void *arg)
{
    raise_ctx *ctx = arg;
    /* The round's instant, unless the clock now reads earlier: only a test
    ** clock moves back, and a ticket filed after it moved (read by this
    ** round's query) must not be judged by the instant before it. */
    int64_t now = desk_now(ctx->d);
    if (now > ctx->now) now = ctx->now;
    for (size_t i = 0; i < ctx->n; i++) {
        const garant_sla_due *row = &ctx->tickets[i];
        int rc = GS(w)->savepoint(w, "sla_raise");
        if (rc) return rc;
        int raised = 0;
        rc = raise_one(w, ctx->k, row, now, &raised);
        if (rc) {
            log_line(ctx->d, 1, "sla monitor: ticket %lld: %s not raised: %s", (long long)row->ticket_id,
                     ctx->k->kind, garant_error_last());
            GS(w)->rollback_to(w, "sla_raise");
        }
        rc = GS(w)->release_savepoint(w, "sla_raise");
        if (rc) return rc;
        if (raised) {
            ctx->raised++;
            log_line(ctx->d, 0, "sla %s: ticket %lld", ctx->k->kind, (long long)row->ticket_id);
        }
    }
    return 0;
}

/* Raise what is due at now, warnings first. */
static void raise_due(garant_desk *d, int64_t now)
{
    const garant_store_ops *ops = garant_store_ops_of(desk_store(d));
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int round = 0; round < EVENT_ROUNDS && !stopping(d); round++) {
            garant_store_conn *c;
            garant_sla_due *rows = NULL;
            size_t n = 0;
            int rc = ops->acquire(&c, desk_store(d));
            if (!rc) {
                rc = ops->sla->due_events(c, kinds[k].kind, now, EVENT_BATCH, &rows, &n);
                ops->release(c);
            }
            if (rc) {
                log_line(d, 1, "sla monitor: cannot read due %ss: %s", kinds[k].kind, garant_error_last());
                return;
            }
            raise_ctx ctx = {d, &kinds[k], rows, n, now, 0};
            if (n) rc = desk_write(d, raise_batch, &ctx, DESK_WRITE_SAVEPOINT);
            free(rows);
            if (rc) {
                if (!stopping(d)) log_line(d, 1, "sla monitor: cannot record %ss: %s", kinds[k].kind,
                                             garant_error_last());
                return;
            }
            /* A short page was the last; a page where nothing could be
            ** raised would come back the same, so stop there too. */
            if (n < EVENT_BATCH || ctx.raised == 0) break;
        }
    }
}

/* ---- delivering --------------------------------------------------------- */

typedef struct mark_ctx {
    garant_desk *d;
    const garant_outbox_item *items;
    const desk_webhook_result *res;
    int n;
    int64_t now;
} mark_ctx;

/* Seconds to wait after the attempts-th failed attempt (1, 2, ...). */
static int64_t backoff_s(int attempts)
{
    int64_t d = BACKOFF_BASE_S;
    for (int i = 1; i < attempts && d < BACKOFF_MAX_S; i++) d *= 2;
    return d < BACKOFF_MAX_S ? d : BACKOFF_MAX_S;
}

/* desk_write body: record each attempt's outcome. An item deleted with
** its webhook meanwhile (ENOTFOUND) needs nothing. */
static int mark_batch(garant_store_conn *w, void *arg)
{
    mark_ctx *ctx = arg;
    for (int i = 0; i < ctx->n; i++) {
        const garant_outbox_item *it = &ctx->items[i];
        const desk_webhook_result *r = &ctx->res[i];
        if (!r->attempted) continue;
        int rc;
        if (r->delivered) {
            rc = GS(w)->sla->outbox_delivered(w, it->id, ctx->now);
        } else {
            int attempts = it->attempts + 1;
            char error[400];
            int64_t next;
            if (attempts >= DESK_WEBHOOK_MAX_ATTEMPTS) {
                /* Kept, undelivered, never due again: the admin sees why. */
                next = INT64_MAX;
                snprintf(error, sizeof error, "gave up after %d attempts: %s", attempts, r->error);
            } else {
                next = ctx->now + backoff_s(attempts);
                snprintf(error, sizeof error, "%s", r->error);
            }
            rc = GS(w)->sla->outbox_failed(w, it->id, next, error);
        }
        if (rc && rc != GARANT_ENOTFOUND) return rc;
    }
    return 0;
}

/* Deliver one batch of what is due; returns the number of items taken (0
** when the outbox has nothing due, -1 on a store error). */
static int deliver_round(garant_desk *d)
{
    const garant_store_ops *ops = garant_store_ops_of(desk_store(d));
    garant_outbox_item items[DELIVERY_BATCH];
    desk_webhook_result res[DELIVERY_BATCH];
    int64_t now = desk_now(d);
    int n = 0;
    garant_store_conn *c;
    int rc = ops->acquire(&c, desk_store(d));
    if (!rc) {
        rc = ops->sla->outbox_due(c, now, items, DELIVERY_BATCH, &n);
        ops->release(c);
    }
    if (rc) {
        log_line(d, 1, "webhooks: cannot read the outbox: %s", garant_error_last());
        return -1;
    }
    if (n == 0) {
        desk_count_delivery_round(d);
        return 0;
    }
    rc = desk_deliver_webhooks(items, n, d, now, stop_fn, res);
    if (rc) {
        log_line(d, 1, "webhooks: %s", garant_error_last());
    } else {
        for (int i = 0; i < n; i++) {
            if (!res[i].attempted) continue;
            if (res[i].delivered)
                log_line(d, 0, "webhook %s delivery %lld to %s: HTTP %ld", items[i].event, (long long)items[i].id,
                         items[i].url, res[i].status);
            else
                log_line(d, 1, "webhook %s delivery %lld to %s failed (attempt %d): %s", items[i].event,
                         (long long)items[i].id, items[i].url, items[i].attempts + 1, res[i].error);
        }
        mark_ctx ctx = {d, items, res, n, now};
        rc = desk_write(d, mark_batch, &ctx, DESK_WRITE_SAVEPOINT);
        if (rc && !stopping(d)) log_line(d, 1, "webhooks: cannot record deliveries: %s", garant_error_last());
    }
    for (int i = 0; i < n; i++) free(items[i].payload);
    desk_count_delivery_round(d);
    return rc ? -1 : n;
}

static void *delivery_main(void *arg)
{
    garant_desk *d = arg;
    desk_thread_name("garant-webhooks");
    int interval = desk_options_of(d)->monitor_interval_ms > 0 ? desk_options_of(d)->monitor_interval_ms : 1000;
    while (!stopping(d)) {
        int n = deliver_round(d);
        /* A full batch suggests more is waiting: go on at once. */
        if (n == DELIVERY_BATCH) continue;
        if (nap(d, interval)) break;
    }
    return NULL;
}

/* ---- the thread --------------------------------------------------------- */

void *desk_monitor_main(void *arg)
{
    garant_desk *d = arg;
    desk_thread_name("garant-monitor");
    int interval = desk_options_of(d)->monitor_interval_ms > 0 ? desk_options_of(d)->monitor_interval_ms : 1000;
    if (desk_webhook_global_init() != 0) log_line(d, 1, "webhooks: %s", garant_error_last());
    pthread_t deliverer;
    int own_deliverer = pthread_create(&deliverer, NULL, delivery_main, d) == 0;
    if (!own_deliverer) log_line(d, 1, "webhooks: no delivery thread; delivering from the monitor");
    while (!stopping(d)) {
        raise_due(d, desk_now(d));
        desk_count_monitor_round(d);
        if (!own_deliverer) deliver_round(d);
        if (nap(d, interval)) break;
    }
    if (own_deliverer) pthread_join(deliverer, NULL);
    return NULL;
}
