/*
** routes_reports.c - the SLA report: first-response attainment and times
** over the tickets submitted in a period, grouped by plan, priority and
** organization, as JSON or CSV (docs/api.md, "GET /api/v1/reports/sla").
**
** The store streams the period's tickets (tickets->each_for_report); this
** file keeps a few integers per ticket, sorts them into groups and computes
** the figures. Definitions, per ticket, at the server's now (UTC epoch s):
**   with_target        it had a first-response deadline
**   responded_in_time  answered at or before the deadline
**   breached           answered after it, or unanswered with now past it
**   still_open         unanswered, deadline not yet passed
** so with_target = responded_in_time + breached + still_open. Attainment is
** responded_in_time / (responded_in_time + breached) * 100, rounded to two
** decimals, null when both are 0. First-response times are taken over the
** tickets that were answered: wall = first response - submission (seconds);
** business = garant_clock_elapsed under the ticket's terms (plan, current
** priority, stage) in the policy in force - open seconds of its calendar
** for a business target, wall seconds for 24/7 - and only for tickets that
** carry a target. Percentiles use the nearest-rank method: the p-th
** percentile of n sorted values is the value at 1-based rank ceil(p*n/100),
** so it is always one of the observed times (the median of an even count is
** the lower middle value).
**
** Ceilings: a period of at most REPORT_MAX_DAYS, at most REPORT_MAX_TICKETS
** tickets held (40 bytes each plus 16 bytes of scratch: about 60 MB at the
** ceiling, plus one name per organization of the period); beyond either
** the request is answered 422, asking for a shorter period. The CSV text
** is bounded by REPORT_MAX_CSV.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "http.h"
#include "text.h"

#define REPORT_MAX_DAYS 366
#define REPORT_MAX_TICKETS 1000000
/* Default period when `from` is absent: the 30 days before `to`. */
#define REPORT_DEFAULT_DAYS 30
/* Distinct plan names a report tells apart (the policy has a handful). */
#define REPORT_MAX_PLANS 1024
/* Largest CSV answer; at the ticket ceiling a report has far fewer groups. */
#define REPORT_MAX_CSV (64u * 1024 * 1024)

/* ---- the query ------------------------------------------------------- */

enum { DIM_PLAN = 0, DIM_PRIORITY = 1, DIM_ORG = 2, NDIMS = 3 };
static const char *const dim_names[NDIMS] = {"plan", "priority", "org"};

typedef struct report_query {
    int64_t from, to;   /* UTC epoch seconds, [from, to) */
    int dims[NDIMS];    /* DIM_* in the order asked */
    int ndims;
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
    q->ndims = 0;
    if (!text || !text[0]) return 0;
    if (strlen(text) > 64) return garant__error(GARANT_EINVAL, "'group_by' is too long");
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!n) return garant__error(GARANT_EINVAL, "'group_by' has an empty key (a stray comma?)");
        int d = -1;
        for (int i = 0; i < NDIMS; i++)
            if (strlen(dim_names[i]) == n && !memcmp(p, dim_names[i], n)) d = i;
        if (d < 0)
            return garant__error(GARANT_EINVAL, "'group_by': unknown key '%.*s'; use plan, priority and org", (int)n,
                                 p);
        for (int i = 0; i < q->ndims; i++)
            if (q->dims[i] == d) return garant__error(GARANT_EINVAL, "'group_by': '%s' is given twice", dim_names[d]);
        q->dims[q->ndims++] = d;
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
    q->to = r->now;
    if (to) rc = parse_instant(&q->to, "to", to);
    if (rc) return rc;
    q->from = q->to - (int64_t)REPORT_DEFAULT_DAYS * 86400;
    if (q->from < GARANT_TIME_MIN_S) q->from = GARANT_TIME_MIN_S; /* stays printable */
    if (from) rc = parse_instant(&q->from, "from", from);
    if (rc) return rc;
    if (q->from >= q->to) return garant__error(GARANT_EINVAL, "'from' must be before 'to'");
    if (q->to - q->from > (int64_t)REPORT_MAX_DAYS * 86400)
        return garant__error(GARANT_EINVAL, "the period is longer than %d days; ask for a shorter one", REPORT_MAX_DAYS);
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

/* ---- collecting the tickets ----------------------------------------- */

enum { OUT_NO_TARGET = 0, OUT_IN_TIME = 1, OUT_BREACHED = 2, OUT_OPEN = 3 };

/* What the report keeps of a ticket. */
typedef struct report_row {
    uint64_t key;        /* the group, as sortable bits (see group_keys) */
    int64_t org_id;
    int64_t wall_s;      /* first response - submission; -1 if unanswered */
    int64_t business_s;  /* target time to the first response; -1 if not measured */
    int32_t plan;        /* index into report.plans */
    int16_t priority;
    uint8_t outcome;     /* OUT_* */
    uint8_t pad;
} report_row;

typedef struct org_name {
    int64_t id;
    uint64_t rank;       /* position by name */
    char *name;          /* owned */
} org_name;

typedef struct report {
    const garant_policy *pol;  /* in force: ranks the plans */
    garant_server *srv;        /* a ticket's own version: its business time */
    garant_store_conn *c;
    int64_t now;
    report_row *rows;
    size_t n, cap;
    char (*plans)[65];
    size_t nplans, plans_cap;
    int32_t last_plan;   /* plan_index's last answer */
    uint64_t *plan_rank; /* by plans index */
    org_name *orgs;      /* sorted by id once collected */
    size_t norgs;
} report;

static void report_free(report *rep)
{
    for (size_t i = 0; i < rep->norgs; i++) free(rep->orgs[i].name);
    free(rep->rows);
    free(rep->plans);
    free(rep->plan_rank);
    free(rep->orgs);
}

/* The index of a plan name in rep->plans, added if new. A handful of
** plans and tickets mostly in runs: the last one found is tried first. */
static int plan_index(report *rep, const char *plan, int32_t *out)
{
    if (rep->nplans && !strcmp(rep->plans[rep->last_plan], plan)) {
        *out = rep->last_plan;
        return 0;
    }
    for (size_t i = 0; i < rep->nplans; i++)
        if (!strcmp(rep->plans[i], plan)) {
            *out = rep->last_plan = (int32_t)i;
            return 0;
        }
    if (rep->nplans == REPORT_MAX_PLANS)
        return garant__error(GARANT_EINVAL, "the period's tickets name more than %d plans", REPORT_MAX_PLANS);
    int rc = garant__grow((void **)&rep->plans, &rep->plans_cap, rep->nplans + 1, sizeof rep->plans[0]);
    if (rc) return rc;
    snprintf(rep->plans[rep->nplans], sizeof rep->plans[0], "%s", plan);
    *out = rep->last_plan = (int32_t)rep->nplans++;
    return 0;
}

/* Target time from submission to the first response, or -1 when the
** terms carry no target in the policy version the ticket was filed under. */
static int64_t business_time(const report *rep, const garant_ticket *t)
{
    garant_ticket_terms terms = {t->plan, t->priority, t->stage[0] ? t->stage : NULL};
    garant_target target;
    const garant_policy *pol = http_ticket_policy(rep->srv, rep->c, t->policy_version);
    if (garant_policy_target(&target, pol, &terms) != 0 || target.kind == GARANT_TARGET_NONE) return -1;
    int64_t s;
    if (garant_clock_elapsed(&s, pol, &terms, t->submitted_at, t->first_response_at) != 0) return -1;
    return s;
}

/* each_for_report's callback: classify and keep one ticket. */
static int collect(void *ctx, const garant_ticket *t)
{
    report *rep = ctx;
    if (rep->n == REPORT_MAX_TICKETS)
        return garant__error(GARANT_EINVAL,
                             "the period holds more than %d tickets; ask for a shorter period", REPORT_MAX_TICKETS);
    int rc = garant__grow((void **)&rep->rows, &rep->cap, rep->n + 1, sizeof rep->rows[0]);
    if (rc) return rc;
    report_row *w = &rep->rows[rep->n];
    memset(w, 0, sizeof *w);
    rc = plan_index(rep, t->plan, &w->plan);
    if (rc) return rc;
    w->org_id = t->org_id;
    w->priority = (int16_t)t->priority;
    int answered = t->first_response_at != 0;
    w->wall_s = answered ? (t->first_response_at > t->submitted_at ? t->first_response_at - t->submitted_at : 0) : -1;
    w->business_s = -1;
    int64_t due = t->first_response_due;
    if (t->breached_at)
        w->outcome = OUT_BREACHED; /* a recorded breach is a fact (docs/SLA.md) */
    else if (due == GARANT_NO_DUE)
        w->outcome = OUT_NO_TARGET;
    else if (answered)
        w->outcome = t->first_response_at <= due ? OUT_IN_TIME : OUT_BREACHED;
    else
        w->outcome = rep->now > due ? OUT_BREACHED : OUT_OPEN;
    if (answered && due != GARANT_NO_DUE) w->business_s = business_time(rep, t);
    rep->n++;
    return 0;
}

/* ---- groups ---------------------------------------------------------- */

static int cmp_org_id(const void *a, const void *b)
{
    const org_name *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_org_name(const void *a, const void *b)
{
    const org_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static const org_name *org_find(const report *rep, int64_t id)
{
    org_name k = {id, 0, NULL};
    return bsearch(&k, rep->orgs, rep->norgs, sizeof *rep->orgs, cmp_org_id);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The organizations of the period with their names, ranked by name. ids
** is scratch for rep->n values; only the distinct organizations are kept,
** each with its name as long as it is. */
static int load_orgs(report *rep, http_req *r, int64_t *ids)
{
    for (size_t i = 0; i < rep->n; i++) ids[i] = rep->rows[i].org_id;
    qsort(ids, rep->n, sizeof *ids, cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < rep->n; i++)
        if (!u || ids[i] != ids[u - 1]) ids[u++] = ids[i];
    if (!u) return 0;
    rep->orgs = calloc(u, sizeof *rep->orgs);
    if (!rep->orgs) return garant__error(GARANT_ENOMEM, "out of memory for %zu organizations", u);
    for (size_t i = 0; i < u; i++) {
        garant_org o;
        char unknown[32];
        int rc = GS(r->db)->accounts->org_get(r->db, ids[i], &o);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        if (rc) snprintf(unknown, sizeof unknown, "#%" PRId64, ids[i]);
        rep->orgs[i].id = ids[i];
        rep->orgs[i].name = garant__strdup(rc ? unknown : o.name);
        rep->norgs = i + 1; /* so that report_free frees what is set */
        if (!rep->orgs[i].name) return GARANT_ENOMEM;
    }
    qsort(rep->orgs, rep->norgs, sizeof *rep->orgs, cmp_org_name);
    for (size_t i = 0; i < rep->norgs; i++) rep->orgs[i].rank = i;
    qsort(rep->orgs, rep->norgs, sizeof *rep->orgs, cmp_org_id);
    return 0;
}

/* Plans rank in the policy's order (basic, professional, advanced); plans
** the policy no longer has follow, in the order first met. */
static int rank_plans(report *rep)
{
    rep->plan_rank = calloc(rep->nplans ? rep->nplans : 1, sizeof *rep->plan_rank);
    if (!rep->plan_rank) return garant__error(GARANT_ENOMEM, "out of memory ranking plans");
    size_t np = garant_policy_plan_count(rep->pol);
    for (size_t i = 0; i < rep->nplans; i++) {
        rep->plan_rank[i] = np + i;
        for (size_t k = 0; k < np; k++)
            if (!strcmp(garant_policy_plan_name(rep->pol, k), rep->plans[i])) rep->plan_rank[i] = k;
    }
    return 0;
}

/* Pack each row's group into 64 sortable bits, the first dimension asked
** highest: plan rank < 2^16 (policy plans + REPORT_MAX_PLANS), priority
** < 2^4 (1..9), organization rank < 2^24 (> REPORT_MAX_TICKETS). */
static void group_keys(report *rep, const report_query *q)
{
    static const int bits[NDIMS] = {16, 4, 24};
    for (size_t i = 0; i < rep->n; i++) {
        report_row *w = &rep->rows[i];
        uint64_t key = 0;
        for (int d = 0; d < q->ndims; d++) {
            uint64_t v = 0;
            switch (q->dims[d]) {
            case DIM_PLAN: v = rep->plan_rank[w->plan] & 0xffff; break;
            case DIM_PRIORITY: v = (uint64_t)(w->priority & 15); break;
            case DIM_ORG: v = org_find(rep, w->org_id)->rank; break;
            }
            key = (key << bits[q->dims[d]]) | v;
        }
        w->key = key;
    }
}

static int cmp_row(const void *a, const void *b)
{
    const report_row *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- figures ---------------------------------------------------------- */

typedef struct figures {
    int64_t tickets, with_target, responded, in_time, breached, still_open;
    int64_t business_median, business_p90, wall_median, wall_p90; /* -1: none */
} figures;

/* Nearest rank: the value at 1-based rank ceil(p * n / 100). */
static int64_t percentile(int64_t *v, size_t n, int p)
{
    if (!n) return -1;
    size_t rank = ((size_t)p * n + 99) / 100;
    if (rank < 1) rank = 1;
    return v[rank - 1];
}

/* The figures of rows[0..n); scratch holds 2n values. */
static void figure(figures *f, const report_row *rows, size_t n, int64_t *scratch)
{
    memset(f, 0, sizeof *f);
    int64_t *wall = scratch, *biz = scratch + n;
    size_t nw = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        const report_row *w = &rows[i];
        f->tickets++;
        if (w->outcome != OUT_NO_TARGET) f->with_target++;
        if (w->outcome == OUT_IN_TIME) f->in_time++;
        if (w->outcome == OUT_BREACHED) f->breached++;
        if (w->outcome == OUT_OPEN) f->still_open++;
        if (w->wall_s >= 0) {
            f->responded++;
            wall[nw++] = w->wall_s;
        }
        if (w->business_s >= 0) biz[nb++] = w->business_s;
    }
    qsort(wall, nw, sizeof *wall, cmp_i64);
    qsort(biz, nb, sizeof *biz, cmp_i64);
    f->wall_median = percentile(wall, nw, 50);
    f->wall_p90 = percentile(wall, nw, 90);
    f->business_median = percentile(biz, nb, 50);
    f->business_p90 = percentile(biz, nb, 90);
}

/* Attainment in percent with two decimals; < 0 when undefined. */
static double attainment(const figures *f)
{
    int64_t den = f->in_time + f->breached;
    if (!den) return -1;
    return round((double)f->in_time * 10000.0 / (double)den) / 100.0;
}

static json_t *opt_int(int64_t v) { return v < 0 ? json_null() : json_integer(v); }

/* The figures as the API names them. Caller owns; NULL if out of memory. */
static json_t *figures_json(const figures *f)
{
    double a = attainment(f);
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "tickets", (json_int_t)f->tickets,
                     "with_target", (json_int_t)f->with_target, "responded", (json_int_t)f->responded,
                     "responded_in_time", (json_int_t)f->in_time, "breached", (json_int_t)f->breached, "still_open",
                     (json_int_t)f->still_open, "attainment_percent", a < 0 ? json_null() : json_real(a),
                     "business_median_s", opt_int(f->business_median), "business_p90_s", opt_int(f->business_p90),
                     "wall_median_s", opt_int(f->wall_median), "wall_p90_s", opt_int(f->wall_p90));
}

/* ---- CSV ------------------------------------------------------------- */

/* The CSV writers append to s and leave a failure in s->err (text.h),
** which the caller looks at once. */

/* A text cell, RFC 4180: quoted when it holds a comma, a quote, CR or LF,
** with quotes doubled. A cell a spreadsheet would run as a formula (=, +,
** -, @, tab, CR first) is written with a leading apostrophe, as OWASP advises, since
** organization names come from customers. */
static void csv_text(http_text *s, const char *v)
{
    int formula = v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r';
    int quote = formula || strpbrk(v, ",\"\r\n") != NULL;
    if (quote) http_text_add(s, "\"", 1);
    if (formula) http_text_add(s, "'", 1);
    for (const char *p = v; *p; p++) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        http_text_add(s, p, n);
        if (q) http_text_add(s, "\"\"", 2);
        p += n;
        if (!q) break;
    }
    if (quote) http_text_add(s, "\"", 1);
}

/* A number cell, empty when v < 0 (none). */
static void csv_opt(http_text *s, int64_t v)
{
    if (v >= 0) http_text_printf(s, "%" PRId64, v);
}

static void csv_figures(http_text *s, const figures *f)
{
    double a = attainment(f);
    http_text_printf(s, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",", f->tickets,
                     f->with_target, f->responded, f->in_time, f->breached, f->still_open);
    if (a >= 0) http_text_printf(s, "%.2f", a);
    const int64_t t[4] = {f->business_median, f->business_p90, f->wall_median, f->wall_p90};
    for (int i = 0; i < 4; i++) {
        http_text_add(s, ",", 1);
        csv_opt(s, t[i]);
    }
    http_text_add(s, "\r\n", 2);
}

static const char csv_columns[] = "tickets,with_target,responded,responded_in_time,breached,still_open,"
                                  "attainment_percent,business_median_s,business_p90_s,wall_median_s,wall_p90_s\r\n";

/* The key cells of the group that w opens. */
static void group_csv(http_text *s, const report *rep, const report_query *q, const report_row *w)
{
    for (int d = 0; d < q->ndims; d++) {
        switch (q->dims[d]) {
        case DIM_PLAN: csv_text(s, rep->plans[w->plan]); break;
        case DIM_PRIORITY: http_text_printf(s, "%d", w->priority); break;
        case DIM_ORG: csv_text(s, org_find(rep, w->org_id)->name); break;
        }
        http_text_add(s, ",", 1);
    }
}

/* ---- the handler ----------------------------------------------------- */

/* The group that w opens, its key cells then its figures f. Caller owns;
** NULL if out of memory. */
static json_t *group_json(const report *rep, const report_query *q, const report_row *w, const figures *f)
{
    json_t *g = json_object(), *part = NULL;
    if (!g) return NULL;
    for (int d = 0; d < q->ndims; d++) {
        switch (q->dims[d]) {
        case DIM_PLAN: part = json_pack("{s:s}", "plan", rep->plans[w->plan]); break;
        case DIM_PRIORITY: part = json_pack("{s:i}", "priority", w->priority); break;
        case DIM_ORG:
            part = json_pack("{s:I,s:s}", "org_id", (json_int_t)w->org_id, "org", org_find(rep, w->org_id)->name);
            break;
        }
        if (!part || json_object_update(g, part) != 0) goto fail;
        json_decref(part);
        part = NULL;
    }
    if (!(part = figures_json(f)) || json_object_update(g, part) != 0) goto fail;
    json_decref(part);
    return g;
fail:
    json_decref(part);
    json_decref(g);
    return NULL;
}

/* The end of each group of rep->rows (sorted by group) after row i. */
static size_t group_end(const report *rep, size_t i)
{
    size_t j = i + 1;
    while (j < rep->n && rep->rows[j].key == rep->rows[i].key) j++;
    return j;
}

/* Answer with the groups and the total as CSV. scratch holds 2 * rep->n values. */
static int render_csv(http_req *r, const report *rep, const report_query *q, int64_t *scratch)
{
    http_text s = {.max = REPORT_MAX_CSV, .limit_message = GARANT_N_("the CSV report would exceed")};
    for (int d = 0; d < q->ndims; d++) {
        http_text_puts(&s, dim_names[q->dims[d]]);
        http_text_add(&s, ",", 1);
    }
    http_text_add(&s, csv_columns, sizeof csv_columns - 1);
    figures f;
    for (size_t i = 0, j; !s.err && q->ndims && i < rep->n; i = j) {
        j = group_end(rep, i);
        figure(&f, rep->rows + i, j - i, scratch);
        group_csv(&s, rep, q, &rep->rows[i]);
        csv_figures(&s, &f);
    }
    /* The total row leaves the group cells empty. */
    figure(&f, rep->rows, rep->n, scratch);
    for (int d = 0; d < q->ndims; d++) http_text_add(&s, ",", 1);
    csv_figures(&s, &f);
    if (s.err) {
        free(s.s);
        return s.err;
    }
    return http_reply_text(r, 200, "text/csv; charset=utf-8", s.s);
}

/* Answer with the groups and the total as JSON. */
static int render_json(http_req *r, const report *rep, const report_query *q, int64_t *scratch)
{
    json_t *groups = json_array(), *dims = json_array(), *total = NULL, *doc = NULL;
    char *text = NULL;
    if (!groups || !dims) goto oom;
    for (int d = 0; d < q->ndims; d++)
        if (json_array_append_new(dims, json_string(dim_names[q->dims[d]])) != 0) goto oom;
    figures f;
    for (size_t i = 0, j; q->ndims && i < rep->n; i = j) {
        j = group_end(rep, i);
        figure(&f, rep->rows + i, j - i, scratch);
        json_t *g = group_json(rep, q, &rep->rows[i], &f);
        if (!g || json_array_append_new(groups, g) != 0) goto oom;
    }
    figure(&f, rep->rows, rep->n, scratch);
    if (!(total = figures_json(&f))) goto oom;
    char from[GARANT_RFC3339_UTC_LEN], to[GARANT_RFC3339_UTC_LEN], now[GARANT_RFC3339_UTC_LEN];
    doc = json_pack("{s:s,s:s,s:s,s:O,s:O,s:O}", "from", garant_time_format_utc(from, q->from), "to",
                    garant_time_format_utc(to, q->to), "now", garant_time_format_utc(now, r->now), "group_by", dims,
                    "groups", groups, "total", total);
    if (!doc) goto oom;
    /* Dumped here rather than by the server so that attainment prints as
    ** 66.67, not as the nearest double's 17 digits. */
    if (!(text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15)))) goto oom;
    json_decref(doc);
    json_decref(dims);
    json_decref(groups);
    json_decref(total);
    return http_reply_text(r, 200, "application/json", text);
oom:
    json_decref(doc);
    json_decref(dims);
    json_decref(groups);
    json_decref(total);
    return garant__error(GARANT_ENOMEM, "out of memory writing the report");
}

/* GET /api/v1/reports/sla?from=&to=&group_by=&format= */
static int report_sla(http_req *r)
{
    report_query q;
    int rc = parse_query(&q, r);
    if (rc) return rc;
    report rep;
    memset(&rep, 0, sizeof rep);
    rep.pol = http_policy(r);
    rep.srv = r->srv;
    rep.c = r->db;
    rep.now = r->now;
    int64_t *scratch = NULL;
    if ((rc = GS(r->db)->tickets->each_for_report(r->db, q.from, q.to, collect, &rep))) goto out;
    if ((rc = rank_plans(&rep))) goto out;
    if (!(scratch = malloc((rep.n ? rep.n : 1) * 2 * sizeof *scratch))) {
        rc = garant__error(GARANT_ENOMEM, "out of memory for %zu tickets", rep.n);
        goto out;
    }
    for (int d = 0; d < q.ndims; d++)
        if (q.dims[d] == DIM_ORG && (rc = load_orgs(&rep, r, scratch))) goto out;
    group_keys(&rep, &q);
    if (rep.n) qsort(rep.rows, rep.n, sizeof *rep.rows, cmp_row);
    rc = q.csv ? render_csv(r, &rep, &q, scratch) : render_json(r, &rep, &q, scratch);
out:
    free(scratch);
    report_free(&rep);
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
