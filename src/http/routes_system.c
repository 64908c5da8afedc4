/*
** routes_system.c - health, Prometheus metrics, the API's OpenAPI
** description and the test clock.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "openapi.h"
#include "server.h"
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
    garant_ticket_counts k;
    int rc = GS(r->db)->tickets->counts(r->db, r->now, &k);
    if (rc) return rc;
    /* By status first, in this order: the page lists them so. */
    json_t *counts = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "open", (json_int_t)k.open, "pending",
                               (json_int_t)k.pending, "solved", (json_int_t)k.solved, "closed", (json_int_t)k.closed,
                               "awaiting", (json_int_t)k.awaiting, "breached", (json_int_t)k.breached);
    if (!counts) return garant__error(GARANT_ENOMEM, "out of memory");
    http_text b = {0};
    rc = http_server_print_metrics(&b, r->srv, counts);
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
    if (!http_server_options(r->srv)->test_clock) return garant__error(GARANT_ENOTFOUND, "no such resource");
    json_t *v[1];
    int rc = http_body_fields(r, test_clock_body, v);
    if (rc) return rc;
    int64_t t;
    rc = garant_time_parse_rfc3339(&t, json_string_value(v[0]), json_string_length(v[0]));
    if (rc) return rc;
    if ((rc = desk_set_test_clock(r->desk, t))) return rc;
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
    if (!http_server_options(r->srv)->test_clock) return garant__error(GARANT_ENOTFOUND, "no such resource");
    json_t *v[2];
    int rc = http_body_fields(r, test_hold_body, v);
    if (rc) return rc;
    if (strcmp(json_string_value(v[0]), "hashing") != 0)
        return garant__error(GARANT_EINVAL, "'pool' must be \"hashing\"");
    int hold = json_is_true(v[1]);
    http_pool_hold(http_server_hashing_pool(r->srv), hold);
    return http_reply(r, 200, json_pack("{s:s,s:b}", "pool", "hashing", "hold", hold));
}

const http_route http_routes_system[] = {
    {"GET", "/healthz", HTTP_PUBLIC, healthz, "liveness: the database answers", HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/metrics", HTTP_METRICS, metrics, "Prometheus metrics", HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/api/v1/openapi.json", HTTP_PUBLIC, openapi, "this API's OpenAPI 3.1 description (docs/openapi.yaml)",
     HTTP_RUN_INLINE, NULL, NULL},
    {"POST", "/api/v1/test/clock", HTTP_PUBLIC, test_clock,
     "set the server's clock (only with --test-clock)", HTTP_RUN_WORKER, test_clock_body, NULL},
    {"POST", "/api/v1/test/hold", HTTP_PUBLIC, test_hold,
     "hold or release a worker pool (only with --test-clock)", HTTP_RUN_WORKER, test_hold_body, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
