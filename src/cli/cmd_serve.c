/*
** cmd_serve.c - `garant serve` starts the ticket service; `garant routes`
** prints its route table (the source of docs/api.md's endpoint list).
*/
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
    o.base_url = cli_get(a, "base-url");
    o.web_root = cli_get(a, "web-root");
    o.freemail_path = cli_get(a, "freemail");
    o.metrics_token_file = cli_get(a, "metrics-token-file");
    o.allow_private_webhooks = cli_get(a, "allow-private-webhooks") != NULL;
    o.quiet = cli_get(a, "quiet") != NULL;
    o.monitor_interval_ms = 1000;
    if (!o.db_path) return cli_usage_error("serve: --db FILE is required");
    const char *start = cli_get(a, "test-clock");
    if (start) {
        if (garant_time_parse_rfc3339(&o.test_clock_start_s, start, strlen(start)) != 0)
            return cli_usage_error("serve: --test-clock: %s", garant_error_last());
        o.test_clock = 1;
    }
    if (!o.listen) o.listen = "127.0.0.1:8080";
    if (!int_option(a, "threads", 1, 64, &o.threads) || !int_option(a, "workers", 1, 1024, &o.workers) ||
        !int_option(a, "max-waiting-sign-ins", 1, 100000, &o.max_waiting_hashes) ||
        !int_option(a, "monitor-interval-ms", 10, 3600000, &o.monitor_interval_ms))
        return CLI_USAGE;
    int rc = garant_server_run(&o);
    return rc ? cli_fail(rc) : CLI_OK;
}

static const char *auth_name(http_auth a)
{
    static const char *const names[] = {"public", "user", "staff", "admin", "metrics"};
    return names[a];
}

int cmd_routes(const cli_args *a)
{
    (void)a;
    extern const http_route *const http_route_tables[];
    for (size_t t = 0; http_route_tables[t]; t++)
        for (const http_route *rt = http_route_tables[t]; rt->method; rt++)
            printf("%-6s %-44s %-6s %s\n", rt->method, rt->pattern, auth_name(rt->auth), rt->summary);
    return CLI_OK;
}
