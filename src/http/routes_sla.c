/*
** routes_sla.c - webhook targets and their deliveries (admins only).
**
** A webhook receives the SLA monitor's events (monitor.c) as signed JSON
** POSTs (webhook.h). Its secret is chosen by the admin or generated, and
** shown once, in the answer to its creation; listings never show it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "http.h"
#include "webhook.h"

/* The events a webhook may subscribe to; "*" means all, present and future. */
static const char *const known_events[] = {"sla.warning", "sla.breach"};
#define NKNOWN (sizeof known_events / sizeof known_events[0])

/* Bounds of an admin-chosen secret (bytes). */
#define SECRET_MIN 16
#define SECRET_MAX GARANT_MAX_WEBHOOK_SECRET

/* An instant as RFC 3339 UTC, or JSON null for 0 ("not yet"). Caller owns. */
static json_t *instant_or_null(int64_t t)
{
    if (t == 0) return json_null();
    char buf[GARANT_RFC3339_UTC_LEN];
    return json_string(garant_time_format_utc(buf, t));
}

/* "a,b" -> ["a", "b"]. Caller owns. */
static json_t *events_array(const char *events)
{
    json_t *a = json_array();
    const char *p = events ? events : "";
    while (a && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (comma ? 1 : 0);
    }
    return a;
}

/* The API's form of a webhook: events as an array, times as RFC 3339.
** Caller owns; NULL if out of memory. */
static json_t *webhook_json(const garant_webhook *h)
{
    return json_pack("{s:I,s:s,s:o,s:o}", "id", (json_int_t)h->id, "url", h->url, "events", events_array(h->events),
                     "created_at", instant_or_null(h->created_at));
}

/* Append v to arr, taking ownership; 0 or GARANT_ENOMEM. */
static int push(json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0) return garant__error(GARANT_ENOMEM, "out of memory");
    return 0;
}

/* The subscription list from the body's events (NULL: all), in a canonical
** order, as the store keeps it ("*" or names joined by commas). */
static int parse_events(char *out, size_t cap, json_t *events)
{
    if (!events) {
        snprintf(out, cap, "*");
        return 0;
    }
    if (json_array_size(events) == 0)
        return garant__error(GARANT_EINVAL, "'events' must name at least one event (or \"*\" for all)");
    int want[NKNOWN] = {0}, all = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        const char *s = json_string_value(e);
        if (!strcmp(s, "*")) {
            all = 1;
            continue;
        }
        size_t k = 0;
        while (k < NKNOWN && strcmp(known_events[k], s) != 0) k++;
        if (k == NKNOWN)
            return garant__error(GARANT_EINVAL, "unknown event '%.64s' in 'events'; known: sla.warning, sla.breach, or \"*\"",
                                 s);
        want[k] = 1;
    }
    if (all) {
        snprintf(out, cap, "*");
        return 0;
    }
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < NKNOWN; k++) {
        if (!want[k]) continue;
        int n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", known_events[k]);
        if (n < 0 || (size_t)n >= cap - len) return garant__error(GARANT_EINVAL, "'events' is too long");
        len += (size_t)n;
    }
    return 0;
}

static int check_secret(const char *s)
{
    size_t n = strlen(s);
    if (n < SECRET_MIN || n > SECRET_MAX)
        return garant__error(GARANT_EINVAL, "'secret' must be %d to %d characters (got %zu)", SECRET_MIN, SECRET_MAX, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return garant__error(GARANT_EINVAL, "'secret' must be printable ASCII without spaces");
    return 0;
}

static const http_field webhook_create_body[] = {
    {"url", HTTP_F_STRING, 1, DESK_WEBHOOK_MAX_URL},
    {"events", HTTP_F_ARRAY, 0, 8},
    {"secret", HTTP_F_STRING, 0, SECRET_MAX},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/webhooks {url, events?, secret?} */
static int webhook_create(http_req *r)
{
    json_t *v[3];
    int rc = http_body_fields(r, webhook_create_body, v);
    if (rc) return rc;
    const char *url = json_string_value(v[0]);
    char events[128];
    rc = parse_events(events, sizeof events, v[1]);
    if (rc) return rc;
    char secret[SECRET_MAX + 1];
    if (v[2]) {
        rc = check_secret(json_string_value(v[2]));
        if (rc) return rc;
        snprintf(secret, sizeof secret, "%s", json_string_value(v[2]));
    } else {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(secret, sizeof secret, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);
    }
    int64_t id;
    rc = desk_webhook_add(&id, r->desk, url, secret, events, r->now);
    if (rc) {
        sodium_memzero(secret, sizeof secret);
        return rc;
    }
    char created[GARANT_RFC3339_UTC_LEN];
    json_t *body = json_pack("{s:I,s:s,s:o,s:s,s:s}", "id", (json_int_t)id, "url", url, "events",
                             events_array(events), "secret", secret, "created_at",
                             garant_time_format_utc(created, r->now));
    sodium_memzero(secret, sizeof secret);
    snprintf(r->location, sizeof r->location, "/api/v1/webhooks/%lld", (long long)id);
    return http_reply(r, 201, body);
}

/* GET /api/v1/webhooks */
static int webhook_list(http_req *r)
{
    garant_webhook *hooks = NULL;
    size_t n = 0;
    int rc = GS(r->db)->sla->webhook_list(r->db, &hooks, &n);
    if (rc) return rc;
    json_t *rows = json_array();
    if (!rows) rc = garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) rc = push(rows, webhook_json(&hooks[i]));
    free(hooks);
    if (rc) goto fail;
    json_t *body = json_pack("{s:o}", "webhooks", rows);
    if (!body) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, body);
fail:
    json_decref(rows);
    return rc;
}

/* DELETE /api/v1/webhooks/{id}: the target goes with its outbox rows,
** delivered or not (the store's rule), so it is never called again. */
static int webhook_delete(http_req *r)
{
    int rc = desk_webhook_remove(r->desk, r->id);
    if (rc) return rc;
    return http_reply(r, 204, NULL);
}

/* GET /api/v1/webhooks/deliveries: the latest deliveries, oldest first,
** each with a status: delivered, pending (will be tried again) or failed
** (given up after DESK_WEBHOOK_MAX_ATTEMPTS). */
static int delivery_list(http_req *r)
{
    garant_outbox_row *items = NULL;
    size_t n = 0;
    int rc = GS(r->db)->sla->outbox_list(r->db, &items, &n);
    if (rc) return rc;
    json_t *rows = json_array();
    if (!rows) rc = garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        const garant_outbox_row *o = &items[i];
        const char *status = o->delivered_at ? "delivered"
                             : o->attempts >= DESK_WEBHOOK_MAX_ATTEMPTS ? "failed"
                                                                        : "pending";
        rc = push(rows, json_pack("{s:I,s:s,s:s,s:i,s:o,s:o,s:s}", "id", (json_int_t)o->id, "event", o->event, "url",
                                  o->url, "attempts", o->attempts, "delivered_at", instant_or_null(o->delivered_at),
                                  "last_error", o->has_error ? json_string(o->last_error) : json_null(), "status",
                                  status));
    }
    free(items);
    if (rc) goto fail;
    json_t *body = json_pack("{s:o}", "deliveries", rows);
    if (!body) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, body);
fail:
    json_decref(rows);
    return rc;
}

const http_route http_routes_sla[] = {
    {"POST", "/api/v1/webhooks", HTTP_ADMIN, webhook_create,
     "register a webhook for SLA events (secret shown once)", HTTP_RUN_WORKER, webhook_create_body, NULL},
    {"GET", "/api/v1/webhooks", HTTP_ADMIN, webhook_list, "list webhooks (without secrets)", HTTP_RUN_WORKER, NULL,
     NULL},
    {"GET", "/api/v1/webhooks/deliveries", HTTP_ADMIN, delivery_list,
     "latest webhook deliveries and their state", HTTP_RUN_WORKER, NULL, NULL},
    {"DELETE", "/api/v1/webhooks/{id}", HTTP_ADMIN, webhook_delete,
     "remove a webhook and its deliveries", HTTP_RUN_WORKER, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
