/*
** cmd_report.c - `garant report`: the first-response SLA report of a
** desk's database over a period, as a table: the desk's report
** (desk_report_sla), the same figures as GET /api/v1/reports/sla.
*/
#include <stdlib.h>
#include <string.h>

#include "cli_desk.h"
#include "desk_reports.h"

/* The default period: the 30 days before --to. */
#define REPORT_DEFAULT_DAYS 30

/* A bound: "YYYY-MM-DD" (midnight UTC) or an RFC 3339 instant. */
static int parse_bound(int64_t *out, const char *name, const char *text)
{
    size_t len = strlen(text);
    int64_t days;
    if (len == 10 && garant_time_parse_date(&days, text, len) == 0) {
        *out = days * 86400;
        return 0;
    }
    if (len != 10 && garant_time_parse_rfc3339(out, text, len) == 0) return 0;
    return cli_usage_error("report: --%s must be a date (2026-11-01) or an RFC 3339 instant: %s", name,
                           garant_error_last());
}

/* --group-by: a comma-separated subset of plan, priority, org. */
static int parse_keys(desk_report_query *q, const char *text)
{
    q->nkeys = 0;
    if (text && (!text[0] || text[strlen(text) - 1] == ','))
        return cli_usage_error("report: --group-by takes plan, priority and org, each once (got '%s')", text);
    for (const char *p = text; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int k = -1;
        for (int i = 0; i < DESK_REPORT_NKEYS; i++) {
            const char *name = desk_report_key_name((desk_report_key)i);
            if (strlen(name) == n && !memcmp(p, name, n)) k = i;
        }
        for (int i = 0; k >= 0 && i < q->nkeys; i++)
            if ((int)q->keys[i] == k) k = -1;
        if (k < 0 || q->nkeys == DESK_REPORT_NKEYS)
            return cli_usage_error("report: --group-by takes plan, priority and org, each once (got '%s')", text);
        q->keys[q->nkeys++] = (desk_report_key)k;
        p = comma ? comma + 1 : p + n;
    }
    return CLI_OK;
}

/* A time in seconds as "2 h 30 min", or "-" when there is none. */
static const char *dur(char *buf, size_t cap, int64_t s)
{
    if (s < 0) return "-";
    return garant_duration_format(buf, cap, s);
}

static void print_row(const char *label, const desk_report_figures *f)
{
    char att[16], bm[32], bp[32], wm[32], wp[32];
    if (f->attainment_percent < 0)
        snprintf(att, sizeof att, "-");
    else
        snprintf(att, sizeof att, "%.2f%%", f->attainment_percent);
    printf("%-32s %7lld %6lld %7lld %8lld %4lld %10s  %-14s %-14s %-14s %s\n", label, (long long)f->tickets,
           (long long)f->with_target, (long long)f->responded_in_time, (long long)f->breached,
           (long long)f->still_open, att, dur(bm, sizeof bm, f->business_median_s),
           dur(bp, sizeof bp, f->business_p90_s), dur(wm, sizeof wm, f->wall_median_s), dur(wp, sizeof wp, f->wall_p90_s));
}

/* The group's keys as "professional / P3 / Acme". */
static void group_label(char *out, size_t cap, const desk_report_query *q, const desk_report_group *g)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < q->nkeys && len < cap; k++) {
        const char *sep = k ? " / " : "";
        int n = 0;
        switch (q->keys[k]) {
        case DESK_REPORT_PLAN: n = snprintf(out + len, cap - len, "%s%s", sep, g->plan); break;
        case DESK_REPORT_PRIORITY: n = snprintf(out + len, cap - len, "%sP%d", sep, g->priority); break;
        case DESK_REPORT_ORG: n = snprintf(out + len, cap - len, "%s%s", sep, g->org); break;
        case DESK_REPORT_NKEYS: break;
        }
        if (n > 0) len += (size_t)n;
    }
}

int cmd_report(const cli_args *a)
{
    const char *at = cli_get(a, "at");
    desk_options o;
    memset(&o, 0, sizeof o);
    int rc = cli_db_path(&o.db_path, a, "report");
    if (rc) return rc;
    o.quiet = 1;
    if (at) {
        if (garant_time_parse_rfc3339(&o.test_clock_start_s, at, strlen(at)) != 0)
            return cli_usage_error("report: --at must be an RFC 3339 instant: %s", garant_error_last());
        o.test_clock = 1;
    }
    desk_report_query q;
    memset(&q, 0, sizeof q);
    rc = parse_keys(&q, cli_get(a, "group-by"));
    if (rc) return rc;
    garant_desk *d = NULL;
    if ((rc = desk_open(&d, &o))) return cli_fail(rc);
    int64_t now = desk_now(d);
    q.to_s = now;
    const char *from = cli_get(a, "from"), *to = cli_get(a, "to");
    int code = to ? parse_bound(&q.to_s, "to", to) : CLI_OK;
    q.from_s = q.to_s - (int64_t)REPORT_DEFAULT_DAYS * 86400;
    if (!code && from) code = parse_bound(&q.from_s, "from", from);
    garant_store *st = desk_store(d);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c = NULL;
    desk_report *r = NULL;
    if (!code) {
        rc = ops->acquire(&c, st);
        if (!rc) rc = desk_report_sla(&r, d, c, &q, now);
        if (c) ops->release(c);
        if (rc) code = rc == GARANT_EINVAL ? cli_usage_error("report: %s", garant_error_last()) : cli_fail(rc);
    }
    if (!code) {
        char a1[GARANT_RFC3339_UTC_LEN], a2[GARANT_RFC3339_UTC_LEN], a3[GARANT_RFC3339_UTC_LEN];
        printf("SLA report, tickets submitted %s to %s, at %s\n", garant_time_format_utc(a1, q.from_s),
               garant_time_format_utc(a2, q.to_s), garant_time_format_utc(a3, now));
        printf("%-32s %7s %6s %7s %8s %4s %10s  %-14s %-14s %-14s %s\n", "group", "tickets", "target", "in time",
               "breached", "open", "attainment", "business p50", "business p90", "wall p50", "wall p90");
        char label[512];
        for (size_t i = 0; i < r->ngroups; i++) {
            group_label(label, sizeof label, &q, &r->groups[i]);
            print_row(label, &r->groups[i].fig);
        }
        print_row("total", &r->total);
    }
    desk_report_free(r);
    desk_free(d);
    return code;
}
