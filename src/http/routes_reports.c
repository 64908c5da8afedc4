/*
** routes_reports.c - the SLA report over the API: first-response
** attainment and times over the tickets submitted in a period, grouped by
** plan, priority and organization, as JSON or CSV (docs/api.md, "GET
** /api/v1/reports/sla"). This file parses the query and renders; the desk
** computes the report and defines its figures (src/desk/reports.c,
** desk_reports.h). The CSV text is bounded by REPORT_MAX_CSV.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_reports.h"
#include "http.h"
#include "text.h"

/* Default period when `from` is absent: the 30 days before `to`. */
#define REPORT_DEFAULT_DAYS 30
/* Largest CSV answer; at the ticket ceiling a report has far fewer groups. */
#define REPORT_MAX_CSV (64u * 1024 * 1024)

/* ---- the query ------------------------------------------------------- */

typedef struct report_query {
    desk_report_query q; /* the period and the keys, in the order asked */
    int csv;
} report_query;

/* A bound of the period: "YYYY-MM-DD" (midnight UTC) or RFC 3339. */
static int parse_instant(int64_t *out, const char *name, const char *text)
{
    size_t len = strlen(text);
    int rc;
    if (len == 10) {
        int64_t days;
        rc = garant_time_parse_date(&days, text, len);
        if (!rc) {
            *out = days * 86400;
            return 0;
        }
    } else {
        rc = garant_time_parse_rfc3339(out, text, len);
        if (!rc) return 0;
    }
    char why[256];
    snprintf(why, sizeof why, "%s", garant_error_last());
    return garant__error(GARANT_EINVAL,
                         "'%s' must be a date (2026-11-01) or an RFC 3339 instant (2026-11-01T00:00:00Z): %s", name,
                         why);
}

/* group_by: a comma-separated subset of plan, priority, org, each once. */
static int parse_group_by(report_query *q, const char *text)
{
    q->q.nkeys = 0;
    if (!text || !text[0]) return 0;
    if (strlen(text) > 64) return garant__error(GARANT_EINVAL, "'group_by' is too long");
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!n) return garant__error(GARANT_EINVAL, "'group_by' has an empty key (a stray comma?)");
        int d = -1;
        for (int i = 0; i < DESK_REPORT_NKEYS; i++) {
            const char *name = desk_report_key_name((desk_report_key)i);
            if (strlen(name) == n && !memcmp(p, name, n)) d = i;
        }
        if (d < 0)
            return garant__error(GARANT_EINVAL, "'group_by': unknown key '%.*s'; use plan, priority and org", (int)n,
                                 p);
        for (int i = 0; i < q->q.nkeys; i++)
            if ((int)q->q.keys[i] == d)
                return garant__error(GARANT_EINVAL, "'group_by': '%s' is given twice",
                                     desk_report_key_name((desk_report_key)d));
        q->q.keys[q->q.nkeys++] = (desk_report_key)d;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

static int parse_query(report_query *q, http_req *r)
{
    memset(q, 0, sizeof *q);
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    int rc = 0;
    q->q.to_s = r->now;
    if (to) rc = parse_instant(&q->q.to_s, "to", to);
    if (rc) return rc;
    q->q.from_s = q->q.to_s - (int64_t)REPORT_DEFAULT_DAYS * 86400;
    if (q->q.from_s < GARANT_TIME_MIN_S) q->q.from_s = GARANT_TIME_MIN_S; /* stays printable */
    if (from) rc = parse_instant(&q->q.from_s, "from", from);
    if (rc) return rc;
    if (q->q.from_s >= q->q.to_s) return garant__error(GARANT_EINVAL, "'from' must be before 'to'");
    if (q->q.to_s - q->q.from_s > (int64_t)DESK_REPORT_MAX_DAYS * 86400)
        return garant__error(GARANT_EINVAL, "the period is longer than %d days; ask for a shorter one", DESK_REPORT_MAX_DAYS);
    rc = parse_group_by(q, http_query(r, "group_by"));
    if (rc) return rc;
    const char *format = http_query(r, "format");
    if (format) {
        if (!strcmp(format, "csv"))
            q->csv = 1;
        else if (strcmp(format, "json") != 0)
            return garant__error(GARANT_EINVAL, "'format' must be json or csv");
    } else {
        const char *accept = http_header(r, "Accept");
        q->csv = accept && strstr(accept, "text/csv") != NULL;
    }
    return 0;
}

static json_t *opt_int(int64_t v) { return v < 0 ? json_null() : json_integer(v); }

static int put_figures(json_t *o, const desk_report_figures *f)
{
    double a = f->attainment_percent;
    json_t *fig = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "tickets", (json_int_t)f->tickets,
                            "with_target", (json_int_t)f->with_target, "responded", (json_int_t)f->responded,
                            "responded_in_time", (json_int_t)f->responded_in_time, "breached",
                            (json_int_t)f->breached, "still_open", (json_int_t)f->still_open, "attainment_percent",
                            a < 0 ? json_null() : json_real(a), "business_median_s", opt_int(f->business_median_s),
                            "business_p90_s", opt_int(f->business_p90_s), "wall_median_s", opt_int(f->wall_median_s),
                            "wall_p90_s", opt_int(f->wall_p90_s));
    if (!fig || json_object_update(o, fig) != 0) {
        json_decref(fig);
        return garant__error(GARANT_ENOMEM, "out of memory writing the report");
    }
    json_decref(fig);
    return 0;
}

/* ---- CSV ------------------------------------------------------------- */

/* A number cell: printf-style, at most 63 bytes. */
static int sb_printf(http_text *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sb_printf(http_text *s, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) return garant__error(GARANT_EINVAL, "CSV cell too long");
    return http_text_add(s, tmp, (size_t)n);
}

/* A text cell, RFC 4180: quoted when it holds a comma, a quote, CR or LF,
** with quotes doubled. A cell a spreadsheet would run as a formula (=, +,
** -, @, tab, CR first) is written with a leading apostrophe, as OWASP advises, since
** organization names come from customers. */
static int csv_text(http_text *s, const char *v)
{
    int formula = v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r';
    int quote = formula || strpbrk(v, ",\"\r\n") != NULL;
    int rc = 0;
    if (quote) rc = http_text_add(s, "\"", 1);
    if (!rc && formula) rc = http_text_add(s, "'", 1);
    for (const char *p = v; !rc && *p; p++) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        rc = http_text_add(s, p, n);
        if (!rc && q) rc = http_text_add(s, "\"\"", 2);
        p += n;
        if (!q) break;
    }
    if (!rc && quote) rc = http_text_add(s, "\"", 1);
    return rc;
}

static int csv_opt(http_text *s, int64_t v) { return v < 0 ? 0 : sb_printf(s, "%" PRId64, v); }

static int csv_figures(http_text *s, const desk_report_figures *f)
{
    double a = f->attainment_percent;
    int rc = sb_printf(s, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",", f->tickets,
                       f->with_target, f->responded, f->responded_in_time, f->breached, f->still_open);
    if (!rc && a >= 0) rc = sb_printf(s, "%.2f", a);
    const int64_t t[4] = {f->business_median_s, f->business_p90_s, f->wall_median_s, f->wall_p90_s};
    for (int i = 0; !rc && i < 4; i++) {
        rc = http_text_add(s, ",", 1);
        if (!rc) rc = csv_opt(s, t[i]);
    }
    if (!rc) rc = http_text_add(s, "\r\n", 2);
    return rc;
}

static const char csv_columns[] = "tickets,with_target,responded,responded_in_time,breached,still_open,"
                                  "attainment_percent,business_median_s,business_p90_s,wall_median_s,wall_p90_s\r\n";

/* ---- the handler ----------------------------------------------------- */

/* The key cells of group g. */
static int group_json(json_t *g, const report_query *q, const desk_report_group *grp)
{
    int rc = 0;
    for (int d = 0; !rc && d < q->q.nkeys; d++) {
        switch (q->q.keys[d]) {
        case DESK_REPORT_PLAN: rc = json_object_set_new(g, "plan", json_string(grp->plan)); break;
        case DESK_REPORT_PRIORITY: rc = json_object_set_new(g, "priority", json_integer(grp->priority)); break;
        case DESK_REPORT_ORG:
            rc = json_object_set_new(g, "org_id", json_integer(grp->org_id));
            if (!rc) rc = json_object_set_new(g, "org", json_string(grp->org));
            break;
        case DESK_REPORT_NKEYS: break;
        }
    }
    return rc ? garant__error(GARANT_ENOMEM, "out of memory writing the report") : 0;
}

static int group_csv(http_text *s, const report_query *q, const desk_report_group *grp)
{
    int rc = 0;
    for (int d = 0; !rc && d < q->q.nkeys; d++) {
        switch (q->q.keys[d]) {
        case DESK_REPORT_PLAN: rc = csv_text(s, grp->plan); break;
        case DESK_REPORT_PRIORITY: rc = sb_printf(s, "%d", grp->priority); break;
        case DESK_REPORT_ORG: rc = csv_text(s, grp->org); break;
        case DESK_REPORT_NKEYS: break;
        }
        if (!rc) rc = http_text_add(s, ",", 1);
    }
    return rc;
}

/* Answer with the groups and the total, as JSON or as CSV. */
static int render(http_req *r, const desk_report *rep, const report_query *q)
{
    json_t *groups = json_array(), *total = json_object();
    http_text s = {.max = REPORT_MAX_CSV, .limit_message = GARANT_N_("the CSV report would exceed")};
    int rc = groups && total ? 0 : garant__error(GARANT_ENOMEM, "out of memory writing the report");
    if (!rc && q->csv) {
        for (int d = 0; !rc && d < q->q.nkeys; d++) {
            const char *name = desk_report_key_name(q->q.keys[d]);
            rc = http_text_add(&s, name, strlen(name));
            if (!rc) rc = http_text_add(&s, ",", 1);
        }
        if (!rc) rc = http_text_add(&s, csv_columns, sizeof csv_columns - 1);
    }
    for (size_t i = 0; !rc && i < rep->ngroups; i++) {
        const desk_report_group *grp = &rep->groups[i];
        if (q->csv) {
            rc = group_csv(&s, q, grp);
            if (!rc) rc = csv_figures(&s, &grp->fig);
        } else {
            json_t *g = json_object();
            if (!g || json_array_append_new(groups, g) != 0) rc = garant__error(GARANT_ENOMEM, "out of memory");
            if (!rc) rc = group_json(g, q, grp);
            if (!rc) rc = put_figures(g, &grp->fig);
        }
    }
    if (!rc) {
        if (q->csv) {
            /* The total row leaves the group cells empty. */
            for (int d = 0; !rc && d < q->q.nkeys; d++) rc = http_text_add(&s, ",", 1);
            if (!rc) rc = csv_figures(&s, &rep->total);
        } else {
            rc = put_figures(total, &rep->total);
        }
    }
    if (!rc && q->csv) {
        json_decref(groups);
        json_decref(total);
        return http_reply_text(r, 200, "text/csv; charset=utf-8", s.s);
    }
    free(s.s);
    json_t *dims = json_array(), *doc = NULL;
    for (int d = 0; !rc && dims && d < q->q.nkeys; d++)
        if (json_array_append_new(dims, json_string(desk_report_key_name(q->q.keys[d]))) != 0) rc = GARANT_ENOMEM;
    char from[GARANT_RFC3339_UTC_LEN], to[GARANT_RFC3339_UTC_LEN], now[GARANT_RFC3339_UTC_LEN];
    if (!rc && dims)
        doc = json_pack("{s:s,s:s,s:s,s:O,s:O,s:O}", "from", garant_time_format_utc(from, q->q.from_s), "to",
                        garant_time_format_utc(to, q->q.to_s), "now", garant_time_format_utc(now, r->now),
                        "group_by", dims, "groups", groups, "total", total);
    json_decref(dims);
    json_decref(groups);
    json_decref(total);
    if (rc || !doc) {
        json_decref(doc);
        return garant__error(GARANT_ENOMEM, "out of memory writing the report");
    }
    /* Dumped here rather than by the server so that attainment prints as
    ** 66.67, not as the nearest double's 17 digits. */
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(doc);
    if (!text) return garant__error(GARANT_ENOMEM, "out of memory writing the report");
    return http_reply_text(r, 200, "application/json", text);
}

/* GET /api/v1/reports/sla?from=&to=&group_by=&format= */
static int report_sla(http_req *r)
{
    report_query q;
    int rc = parse_query(&q, r);
    if (rc) return rc;
    desk_report *rep = NULL;
    rc = desk_report_sla(&rep, http_desk(r->srv), r->db, &q.q, r->now);
    if (!rc) rc = render(r, rep, &q);
    desk_report_free(rep);
    return rc;
}

/* The query parameters each route reads (http_route.query). */
static const char *const report_sla_query[] = {"from", "to", "group_by", "format", NULL};

const http_route http_routes_reports[] = {
    {"GET", "/api/v1/reports/sla", HTTP_STAFF, report_sla,
     "first-response SLA report for a period, grouped by plan, priority, org (JSON or CSV)", HTTP_RUN_WORKER, NULL,
     report_sla_query},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
