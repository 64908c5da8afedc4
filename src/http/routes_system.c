/*
** routes_system.c - health, Prometheus metrics, the API's OpenAPI
** description and the test clock.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "openapi.h"
#include "server_internal.h"
#include "text.h"

/* GET /healthz: the database answers and a policy is loaded. */
static int healthz(http_req *r)
{
    int version = 0;
    int rc = GS(r->db)->schema_version(r->db, &version);
    if (rc) return rc;
    return http_reply(r, 200, json_pack("{s:s,s:i,s:s}", "status", "ok", "schema_version", version, "version",
                                        GARANT_VERSION));
}

/* GET /metrics in the Prometheus text format. Volumes of tickets and
** sign-ins are the desk's business: only admins and the scraper's token
** (HTTP_METRICS, --metrics-token-file) read them. */
static int metrics(http_req *r)
{
    garant_server *srv = r->srv;
    json_t *counts = NULL;
    int rc = GS(r->db)->tickets->counts(r->db, r->now, &counts);
    if (rc) return rc;
    http_text b = {0};
    rc = http_text_printf(&b,
                 "# HELP garant_http_requests_total HTTP requests answered.\n"
                 "# TYPE garant_http_requests_total counter\n"
                 "garant_http_requests_total %llu\n"
                 "# HELP garant_http_responses_total HTTP responses by status class.\n"
                 "# TYPE garant_http_responses_total counter\n",
                 (unsigned long long)atomic_load(&srv->requests_total));
    for (int c = 1; !rc && c <= 5; c++)
        rc = http_text_printf(&b, "garant_http_responses_total{class=\"%dxx\"} %llu\n", c,
                     (unsigned long long)atomic_load(&srv->responses_by_class[c]));
    if (!rc)
        rc = http_text_printf(&b,
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
                     (double)atomic_load(&srv->request_ns_total) / 1e9,
                     (unsigned long long)atomic_load(&srv->write_batches),
                     (unsigned long long)atomic_load(&srv->write_jobs),
                     (double)atomic_load(&srv->write_cpu_ns) / 1e9,
                     (unsigned long long)atomic_load(&srv->write_syncs),
                     (double)atomic_load(&srv->write_sync_ns) / 1e9,
                     (unsigned long long)atomic_load(&srv->monitor_rounds),
                     (unsigned long long)atomic_load(&srv->delivery_rounds),
                     (unsigned long long)atomic_load(&srv->password_checks));
    static const char *const pool_names[] = {"general", "hashing"};
    http_pool *const pools[] = {srv->general, srv->hashing};
    if (!rc)
        rc = http_text_printf(&b, "# HELP garant_pool_busy Workers answering a request, by pool.\n"
                                  "# TYPE garant_pool_busy gauge\n");
    int busy[2], waiting[2];
    for (int i = 0; i < 2; i++) http_pool_stats(pools[i], &busy[i], &waiting[i]);
    for (int i = 0; !rc && i < 2; i++)
        rc = http_text_printf(&b, "garant_pool_busy{pool=\"%s\"} %d\n", pool_names[i], busy[i]);
    if (!rc)
        rc = http_text_printf(&b, "# HELP garant_pool_waiting Requests queued for a worker, by pool.\n"
                                  "# TYPE garant_pool_waiting gauge\n");
    for (int i = 0; !rc && i < 2; i++)
        rc = http_text_printf(&b, "garant_pool_waiting{pool=\"%s\"} %d\n", pool_names[i], waiting[i]);
    const char *key;
    json_t *val;
    json_object_foreach(counts, key, val) {
        if (rc) break;
        if (!strcmp(key, "awaiting") || !strcmp(key, "breached")) continue;
        rc = http_text_printf(&b, "garant_tickets{status=\"%s\"} %lld\n", key, (long long)json_integer_value(val));
    }
    if (!rc)
        rc = http_text_printf(&b,
                     "# HELP garant_tickets_awaiting_first_response Open tickets without a first response.\n"
                     "# TYPE garant_tickets_awaiting_first_response gauge\n"
                     "garant_tickets_awaiting_first_response %lld\n"
                     "# HELP garant_tickets_breached Tickets awaiting a first response past their deadline.\n"
                     "# TYPE garant_tickets_breached gauge\n"
                     "garant_tickets_breached %lld\n",
                     (long long)json_integer_value(json_object_get(counts, "awaiting")),
                     (long long)json_integer_value(json_object_get(counts, "breached")));
    json_decref(counts);
    if (rc) {
        free(b.s);
        return rc;
    }
    return http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.s);
}

static const http_field test_clock_body[] = {{"now", HTTP_F_STRING, 1, 64}, {NULL, 0, 0, 0}};

/* GET /api/v1/openapi.json: docs/openapi.yaml, embedded as JSON at build
** time (scripts/openapi_json.py). */
static int openapi(http_req *r)
{
    size_t len;
    const char *doc = http_openapi_json(&len);
    char *text = malloc(len + 1);
    if (!text) return garant__error(GARANT_ENOMEM, "out of memory sending the OpenAPI description");
    memcpy(text, doc, len + 1);
    return http_reply_text(r, 200, "application/json", text);
}

/* POST /api/v1/test/clock {"now": RFC3339}: only with --test-clock. The
** clock cannot be released to real time: a server under test reads none. */
static int test_clock(http_req *r)
{
    if (!r->srv->opt.test_clock) return garant__error(GARANT_ENOTFOUND, "no such resource");
    json_t *v[1];
    int rc = http_body_fields(r, test_clock_body, v);
    if (rc) return rc;
    int64_t t;
    rc = garant_time_parse_rfc3339(&t, json_string_value(v[0]), json_string_length(v[0]));
    if (rc) return rc;
    atomic_store(&r->srv->fixed_now, t);
    char buf[GARANT_RFC3339_UTC_LEN];
    return http_reply(r, 200, json_pack("{s:s}", "now", garant_time_format_utc(buf, t)));
}

static const http_field test_hold_body[] = {
    {"pool", HTTP_F_STRING, 1, 16},
    {"hold", HTTP_F_BOOL, 1, 0},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/test/hold {"pool": "hashing", "hold": bool}: only with
** --test-clock. Held, the pool's workers take requests and wait before
** running them, so a test can fill the pool and its queue deterministically.
** Only the hashing pool: the general one answers this very route. */
static int test_hold(http_req *r)
{
    if (!r->srv->opt.test_clock) return garant__error(GARANT_ENOTFOUND, "no such resource");
    json_t *v[2];
    int rc = http_body_fields(r, test_hold_body, v);
    if (rc) return rc;
    if (strcmp(json_string_value(v[0]), "hashing") != 0)
        return garant__error(GARANT_EINVAL, "'pool' must be \"hashing\"");
    int hold = json_is_true(v[1]);
    http_pool_hold(r->srv->hashing, hold);
    return http_reply(r, 200, json_pack("{s:s,s:b}", "pool", "hashing", "hold", hold));
}

const http_route http_routes_system[] = {
    {"GET", "/healthz", HTTP_PUBLIC, healthz, "liveness: the database answers", HTTP_RUN_WORKER, NULL},
    {"GET", "/metrics", HTTP_METRICS, metrics, "Prometheus metrics", HTTP_RUN_WORKER, NULL},
    {"GET", "/api/v1/openapi.json", HTTP_PUBLIC, openapi, "this API's OpenAPI 3.1 description (docs/openapi.yaml)",
     HTTP_RUN_INLINE, NULL},
    {"POST", "/api/v1/test/clock", HTTP_PUBLIC, test_clock,
     "set the server's clock (only with --test-clock)", HTTP_RUN_WORKER, test_clock_body},
    {"POST", "/api/v1/test/hold", HTTP_PUBLIC, test_hold,
     "hold or release a worker pool (only with --test-clock)", HTTP_RUN_WORKER, test_hold_body},
    {NULL, NULL, 0, NULL, NULL, 0, NULL},
};
