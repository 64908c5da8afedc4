/*
** metrics.c - the counters of /metrics and their Prometheus text
** (metrics.h).
*/
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "desk_inbound.h"
#include "metrics.h"

struct http_metrics {
    _Atomic uint64_t requests_total;
    _Atomic uint64_t responses_by_class[6]; /* 1xx..5xx */
    _Atomic uint64_t request_ns_total;
    /* Password hashes verified by sign-ins, known addresses and unknown
    ** ones alike (the latter against a dummy hash). */
    _Atomic uint64_t password_checks;
};

http_metrics *http_metrics_new(void) { return calloc(1, sizeof(http_metrics)); }

void http_metrics_request(http_metrics *m, int status, int64_t ns)
{
    atomic_fetch_add(&m->requests_total, 1);
    atomic_fetch_add(&m->request_ns_total, (uint64_t)ns);
    int cls_i = status / 100;
    if (cls_i >= 1 && cls_i <= 5) atomic_fetch_add(&m->responses_by_class[cls_i], 1);
}

void http_metrics_password_check(http_metrics *m) { atomic_fetch_add(&m->password_checks, 1); }

int http_metrics_print(http_text *b, http_metrics *m, const desk_stats *desk, http_pool *general,
                       http_pool *hashing, json_t *counts)
{
    const desk_writer_stats ws = desk->write;
    int rc = http_text_printf(b,
                 "# HELP garant_http_requests_total HTTP requests answered.\n"
                 "# TYPE garant_http_requests_total counter\n"
                 "garant_http_requests_total %llu\n"
                 "# HELP garant_http_responses_total HTTP responses by status class.\n"
                 "# TYPE garant_http_responses_total counter\n",
                 (unsigned long long)atomic_load(&m->requests_total));
    for (int c = 1; !rc && c <= 5; c++)
        rc = http_text_printf(b, "garant_http_responses_total{class=\"%dxx\"} %llu\n", c,
                     (unsigned long long)atomic_load(&m->responses_by_class[c]));
    if (!rc)
        rc = http_text_printf(b,
                     "# HELP garant_http_request_seconds_total Time spent answering requests.\n"
                     "# TYPE garant_http_request_seconds_total counter\n"
                     "garant_http_request_seconds_total %.6f\n"
                     "# HELP garant_write_batches_total Group-commit transactions.\n"
                     "# TYPE garant_write_batches_total counter\n"
                     "garant_write_batches_total %llu\n"
                     "# HELP garant_write_jobs_total Writes committed through group commit.\n"
                     "# TYPE garant_write_jobs_total counter\n"
                     "garant_write_jobs_total %llu\n"
                     "# HELP garant_writer_cpu_seconds_total CPU time the writer thread spent committing.\n"
                     "# TYPE garant_writer_cpu_seconds_total counter\n"
                     "garant_writer_cpu_seconds_total %.6f\n"
                     "# HELP garant_write_syncs_total fsyncs that made committed batches durable.\n"
                     "# TYPE garant_write_syncs_total counter\n"
                     "garant_write_syncs_total %llu\n"
                     "# HELP garant_write_sync_seconds_total Time spent waiting for those fsyncs.\n"
                     "# TYPE garant_write_sync_seconds_total counter\n"
                     "garant_write_sync_seconds_total %.6f\n"
                     "# HELP garant_monitor_rounds_total Rounds the SLA monitor completed (warnings and breaches raised).\n"
                     "# TYPE garant_monitor_rounds_total counter\n"
                     "garant_monitor_rounds_total %llu\n"
                     "# HELP garant_webhook_rounds_total Rounds the webhook deliverer completed over the due outbox.\n"
                     "# TYPE garant_webhook_rounds_total counter\n"
                     "garant_webhook_rounds_total %llu\n"
                     "# HELP garant_password_checks_total Password hashes verified by sign-ins (unknown addresses too).\n"
                     "# TYPE garant_password_checks_total counter\n"
                     "garant_password_checks_total %llu\n"
                     "# HELP garant_tickets Tickets by status.\n"
                     "# TYPE garant_tickets gauge\n",
                     (double)atomic_load(&m->request_ns_total) / 1e9,
                     (unsigned long long)ws.batches,
                     (unsigned long long)ws.jobs,
                     (double)ws.cpu_ns / 1e9,
                     (unsigned long long)ws.syncs,
                     (double)ws.sync_ns / 1e9,
                     (unsigned long long)desk->monitor_rounds,
                     (unsigned long long)desk->delivery_rounds,
                     (unsigned long long)atomic_load(&m->password_checks));
    if (!rc)
        rc = http_text_printf(b, "# HELP garant_mail_inbound_total Inbound mails (LMTP, mail deliver) by outcome.\n"
                                  "# TYPE garant_mail_inbound_total counter\n");
    for (int i = 0; !rc && i < DESK_INBOUND_NOUTCOMES - 1; i++)
        rc = http_text_printf(b, "garant_mail_inbound_total{outcome=\"%s\"} %llu\n", desk_inbound_outcome_name(i),
                              (unsigned long long)desk->inbound[i]);
    const desk_mail_stats *ms = &desk->mail;
    if (!rc)
        rc = http_text_printf(b,
                     "# HELP garant_mail_rounds_total Rounds the mail sender completed over the due mail outbox.\n"
                     "# TYPE garant_mail_rounds_total counter\n"
                     "garant_mail_rounds_total %llu\n"
                     "# HELP garant_mail_retries_total Mail sends that failed for a while and will be retried.\n"
                     "# TYPE garant_mail_retries_total counter\n"
                     "garant_mail_retries_total %llu\n"
                     "# HELP garant_mail_queued Mails waiting in the outbox (after the sender's last round).\n"
                     "# TYPE garant_mail_queued gauge\n"
                     "garant_mail_queued %lld\n"
                     "# HELP garant_mail_sent Mails the SMTP server took (or the log, without --smtp-url).\n"
                     "# TYPE garant_mail_sent gauge\n"
                     "garant_mail_sent %lld\n"
                     "# HELP garant_mail_failed Mails given up: refused, or retried for too long.\n"
                     "# TYPE garant_mail_failed gauge\n"
                     "garant_mail_failed %lld\n"
                     "# HELP garant_mail_oldest_queued_seconds Age of the oldest queued mail; 0: none.\n"
                     "# TYPE garant_mail_oldest_queued_seconds gauge\n"
                     "garant_mail_oldest_queued_seconds %lld\n"
                     "# HELP garant_mail_pruned_total Sent or failed mails whose bytes retention dropped.\n"
                     "# TYPE garant_mail_pruned_total counter\n"
                     "garant_mail_pruned_total %llu\n"
                     "# HELP garant_store_memory_bytes Memory the store holds now, its page caches included.\n"
                     "# TYPE garant_store_memory_bytes gauge\n"
                     "garant_store_memory_bytes %lld\n",
                     (unsigned long long)ms->rounds, (unsigned long long)ms->retries, (long long)ms->queued,
                     (long long)ms->sent, (long long)ms->failed, (long long)ms->oldest_queued_age_s,
                     (unsigned long long)ms->pruned, (long long)desk->store_memory);
    static const char *const pool_names[] = {"general", "hashing"};
    http_pool *const pools[] = {general, hashing};
    if (!rc)
        rc = http_text_printf(b, "# HELP garant_pool_busy Workers answering a request, by pool.\n"
                                  "# TYPE garant_pool_busy gauge\n");
    int busy[2], waiting[2];
    for (int i = 0; i < 2; i++) http_pool_stats(pools[i], &busy[i], &waiting[i]);
    for (int i = 0; !rc && i < 2; i++)
        rc = http_text_printf(b, "garant_pool_busy{pool=\"%s\"} %d\n", pool_names[i], busy[i]);
    if (!rc)
        rc = http_text_printf(b, "# HELP garant_pool_waiting Requests queued for a worker, by pool.\n"
                                  "# TYPE garant_pool_waiting gauge\n");
    for (int i = 0; !rc && i < 2; i++)
        rc = http_text_printf(b, "garant_pool_waiting{pool=\"%s\"} %d\n", pool_names[i], waiting[i]);
    const char *key;
    json_t *val;
    json_object_foreach(counts, key, val) {
        if (rc) break;
        if (!strcmp(key, "awaiting") || !strcmp(key, "breached")) continue;
        rc = http_text_printf(b, "garant_tickets{status=\"%s\"} %lld\n", key, (long long)json_integer_value(val));
    }
    if (!rc)
        rc = http_text_printf(b,
                     "# HELP garant_tickets_awaiting_first_response Open tickets without a first response.\n"
                     "# TYPE garant_tickets_awaiting_first_response gauge\n"
                     "garant_tickets_awaiting_first_response %lld\n"
                     "# HELP garant_tickets_breached Tickets awaiting a first response past their deadline.\n"
                     "# TYPE garant_tickets_breached gauge\n"
                     "garant_tickets_breached %lld\n",
                     (long long)json_integer_value(json_object_get(counts, "awaiting")),
                     (long long)json_integer_value(json_object_get(counts, "breached")));
    return rc;
}
