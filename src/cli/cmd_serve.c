/*
** cmd_serve.c - `garant serve` starts the ticket service; `garant routes`
** prints its route table (the source of docs/api.md's endpoint list, and
** with --json of the checks of docs/openapi.yaml).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"

/* --NAME N in [min, max] into *out, if given; 0 after a usage error. */
static int int_option(const cli_args *a, const char *name, long min, long max, int *out)
{
    const char *v = cli_get(a, name);
    if (!v) return 1;
    char *end;
    long n = strtol(v, &end, 10);
    if (!v[0] || *end || n < min || n > max) {
        cli_usage_error("serve: --%s must be %ld-%ld", name, min, max);
        return 0;
    }
    *out = (int)n;
    return 1;
}

int cmd_serve(const cli_args *a)
{
    garant_server_options o;
    memset(&o, 0, sizeof o);
    o.db_path = cli_get(a, "db");
    o.listen = cli_get(a, "listen");
    o.config_path = cli_get(a, "config");
    o.smtp_url = cli_get(a, "smtp-url");
    o.mail_from = cli_get(a, "mail-from");
    o.mail_key_file = cli_get(a, "mail-key-file");
    o.mail_templates = cli_get(a, "mail-templates");
    o.base_url = cli_get(a, "base-url");
    o.web_root = cli_get(a, "web-root");
    o.freemail_path = cli_get(a, "freemail");
    o.metrics_token_file = cli_get(a, "metrics-token-file");
    o.limits = cli_get(a, "limits");
    o.allow_private_webhooks = cli_get(a, "allow-private-webhooks") != NULL;
    o.quiet = cli_get(a, "quiet") != NULL;
    o.monitor_interval_ms = 1000;
    static const char *proxies[CLI_MAX_REPEATED], *names[CLI_MAX_REPEATED];
    o.ntrusted_proxies = cli_get_all(a, "trusted-proxy", proxies, CLI_MAX_REPEATED);
    o.trusted_proxies = proxies;
    o.ntest_resolve = cli_get_all(a, "test-resolve", names, CLI_MAX_REPEATED);
    o.test_resolve = names;
    static const char *lists[CLI_MAX_REPEATED];
    o.nnotify = cli_get_all(a, "notify", lists, CLI_MAX_REPEATED);
    o.notify = lists;
    if (!o.db_path) return cli_usage_error("serve: --db FILE is required");
    const char *start = cli_get(a, "test-clock");
    if (start) {
        if (garant_time_parse_rfc3339(&o.test_clock_start_s, start, strlen(start)) != 0)
            return cli_usage_error("serve: --test-clock: %s", garant_error_last());
        o.test_clock = 1;
    }
    if (o.ntest_resolve && !o.test_clock)
        return cli_usage_error("serve: --test-resolve is for tests only and needs --test-clock");
    if (!o.listen) o.listen = "127.0.0.1:8080";
    if (!int_option(a, "threads", 1, 64, &o.threads) || !int_option(a, "workers", 1, 1024, &o.workers) ||
        !int_option(a, "max-waiting-sign-ins", 1, 100000, &o.max_waiting_hashes) ||
        !int_option(a, "monitor-interval-ms", 10, 3600000, &o.monitor_interval_ms))
        return CLI_USAGE;
    /* Every connection through a proxy comes from the proxy's address, so
    ** the proxy limits per client (docs/haproxy.cfg), unless told here. */
    o.max_per_address = o.ntrusted_proxies ? 0 : 64;
    if (!int_option(a, "max-connections-per-address", 0, 4096, &o.max_per_address))
        return CLI_USAGE;
    int file_max = 0, ticket_max = 0;
    if (!int_option(a, "attachment-max-bytes", 1, 2000000000, &file_max) ||
        !int_option(a, "ticket-attachments-max-bytes", 1, 2000000000, &ticket_max))
        return CLI_USAGE;
    o.attachment_max_bytes = file_max;
    o.ticket_attachments_max_bytes = ticket_max;
    int keep_days = -1;
    if (!int_option(a, "mail-keep-days", 0, 36500, &keep_days)) return CLI_USAGE;
    if (keep_days >= 0) o.mail_keep_days = keep_days == 0 ? -1 : keep_days;
    if (cmd_serve_doors(&o, a)) return CLI_USAGE;
    int rc = garant_server_run(&o);
    return rc ? cli_fail(rc) : CLI_OK;
}

static const char *auth_name(http_auth a)
{
    static const char *const names[] = {"public", "user", "staff", "admin", "metrics", "account"};
    return names[a];
}

/* Where a route's handler runs: "hashing" routes can answer 503 when
** their pool's queue is full. */
static const char *run_name(http_run r)
{
    static const char *const names[] = {"worker", "inline", "hashing"};
    return names[r];
}

/* JSON Schema's name for a body field's type. */
static const char *ftype_name(http_ftype t)
{
    static const char *const names[] = {"string", "integer", "boolean", "array", "object", "array", "integer"};
    return names[t];
}

/* A field's "type": its name, or for one that may be null [name, "null"]
** (JSON Schema 2020-12, as OpenAPI 3.1 writes it). Caller owns. */
static json_t *ftype_json(http_ftype t)
{
    if (t == HTTP_F_INT_NULL) return json_pack("[s,s]", ftype_name(t), "null");
    return json_string(ftype_name(t));
}

/* A route's body fields as JSON: [{name, type, required, max?}], max being
** the effective ceiling of a string (bytes) or an array (elements, whose
** strings have at most item_max bytes); null if the route reads no body.
** Caller owns; free with json_decref. NULL if out of memory. */
static json_t *body_json(const http_field *spec)
{
    if (!spec) return json_null();
    json_t *a = json_array(), *o = NULL;
    if (!a) return NULL;
    for (size_t i = 0; spec[i].name; i++) {
        const http_field *f = &spec[i];
        o = json_pack("{s:s,s:o,s:b}", "name", f->name, "type", ftype_json(f->type), "required", f->required);
        if (!o) goto fail;
        if ((f->type == HTTP_F_STRING || f->type == HTTP_F_ARRAY) &&
            json_object_set_new(o, "max", json_integer((json_int_t)(f->max ? f->max : HTTP_FIELD_MAX_DEFAULT))))
            goto fail;
        if (f->type == HTTP_F_ARRAY && json_object_set_new(o, "item_max", json_integer(HTTP_ARRAY_ITEM_MAX)))
            goto fail;
        if (f->type == HTTP_F_IDS && (json_object_set_new(o, "max", json_integer((json_int_t)f->max)) ||
                                      json_object_set_new(o, "items", json_string("integer"))))
            goto fail;
        int appended = json_array_append_new(a, o) == 0; /* takes o either way */
        o = NULL;
        if (!appended) goto fail;
    }
    return a;

fail:
    json_decref(o);
    json_decref(a);
    return NULL;
}

/* The query parameters a route reads, as a JSON array of names. */
static json_t *query_json(const char *const *names)
{
    json_t *a = json_array();
    for (size_t i = 0; a && names && names[i]; i++)
        if (json_array_append_new(a, json_string(names[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* `garant routes`: one line a route; with --json, every route with where
** it runs and its body's fields, from the route tables themselves (the test of
** docs/openapi.yaml compares the document against this). */
int cmd_routes(const cli_args *a)
{
    extern const http_route *const http_route_tables[];
    if (!cli_get(a, "json")) {
        for (size_t t = 0; http_route_tables[t]; t++)
            for (const http_route *rt = http_route_tables[t]; rt->method; rt++)
                printf("%-6s %-44s %-6s %s\n", rt->method, rt->pattern, auth_name(rt->auth), rt->summary);
        return CLI_OK;
    }
    json_t *all = json_array();
    for (size_t t = 0; all && http_route_tables[t]; t++)
        for (const http_route *rt = http_route_tables[t]; all && rt->method; rt++) {
            json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o*,s:o*}", "method", rt->method, "path", rt->pattern,
                                  "auth", auth_name(rt->auth), "summary", rt->summary, "run", run_name(rt->run),
                                  "body", body_json(rt->body), "query", query_json(rt->query));
            /* The upload's body is the file itself, streamed (http_upload). */
            if (o && !strcmp(rt->method, "POST") && !strcmp(rt->pattern, HTTP_UPLOAD_PATH) &&
                json_object_set_new(o, "raw_body", json_true())) {
                json_decref(o);
                o = NULL;
            }
            if (!o || json_array_append_new(all, o)) {
                json_decref(all);
                all = NULL;
            }
        }
    char *text = all ? json_dumps(all, JSON_INDENT(2)) : NULL;
    json_decref(all);
    if (!text) {
        fprintf(stderr, "garant: out of memory listing the routes\n");
        return CLI_FAIL;
    }
    int bad = printf("%s\n", text) < 0 || fflush(stdout) != 0;
    free(text);
    return bad ? CLI_FAIL : CLI_OK;
}
