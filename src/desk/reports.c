/*
** reports.c - the SLA report (desk_reports.h): first-response attainment
** and times over the tickets submitted in a period, grouped by plan,
** priority and organization.
**
** The store streams the period's tickets (tickets->each_for_report); this
** file keeps a few integers per ticket, sorts them into groups and computes
** the figures. Definitions, per ticket, at now (UTC epoch s):
**   with_target        it had a first-response deadline
**   responded_in_time  answered at or before the deadline
**   breached           answered after it, or unanswered with now past it
**   still_open         unanswered, deadline not yet passed
** so with_target = responded_in_time + breached + still_open. Attainment is
** responded_in_time / (responded_in_time + breached) * 100, rounded to two
** decimals, undefined when both are 0. First-response times are taken over
** the tickets that were answered: wall = first response - submission
** (seconds); business = garant_clock_elapsed under the ticket's terms (plan,
** current priority, stage) in the policy version it was filed under - open
** seconds of its calendar for a business target, wall seconds for 24/7 -
** and only for tickets that carry a target. Percentiles use the
** nearest-rank method: the p-th percentile of n sorted values is the value
** at 1-based rank ceil(p*n/100), so it is always one of the observed times
** (the median of an even count is the lower middle value).
**
** Ceilings: a period of at most DESK_REPORT_MAX_DAYS, at most
** DESK_REPORT_MAX_TICKETS tickets held (40 bytes each plus 16 bytes of
** scratch: about 60 MB at the ceiling, plus one name per organization of
** the period); beyond either the report is refused (GARANT_EINVAL), asking
** for a shorter period.
*/
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_reports.h"
#include "desk_tickets.h"

/* Distinct plan names a report tells apart (the policy has a handful). */
#define REPORT_MAX_PLANS 1024

static const char *const key_names[DESK_REPORT_NKEYS] = {"plan", "priority", "org"};

const char *desk_report_key_name(desk_report_key k)
{
    return (unsigned)k < DESK_REPORT_NKEYS ? key_names[k] : "";
}

/* ---- collecting the tickets ----------------------------------------- */

enum { OUT_NO_TARGET = 0, OUT_IN_TIME = 1, OUT_BREACHED = 2, OUT_OPEN = 3 };

/* What the report keeps of a ticket. */
typedef struct report_row {
    uint64_t key;        /* the group, as sortable bits (see group_keys) */
    int64_t org_id;
    int64_t wall_s;      /* first response - submission; -1 if unanswered */
    int64_t business_s;  /* target time to the first response; -1 if not measured */
    int32_t plan;        /* index into out->plans */
    int16_t priority;
    uint8_t outcome;     /* OUT_* */
    uint8_t pad;
} report_row;

typedef struct org_name {
    int64_t id;
    uint64_t rank;       /* position by name */
    char *name;          /* owned until handed to the report */
} org_name;

/* The work of one report; out is what it hands back. */
typedef struct report {
    desk_report *out;
    const garant_policy *pol;  /* in force: ranks the plans */
    garant_desk *desk;         /* a ticket's own version: its business time */
    garant_store_conn *c;
    int64_t now;
    report_row *rows;
    size_t n, cap;
    size_t plans_cap;
    int32_t last_plan;   /* plan_index's last answer */
    uint64_t *plan_rank; /* by plans index */
    org_name *orgs;      /* sorted by id once collected */
    size_t norgs;
} report;

static void report_release(report *rep)
{
    for (size_t i = 0; i < rep->norgs; i++) free(rep->orgs[i].name);
    free(rep->rows);
    free(rep->plan_rank);
    free(rep->orgs);
}

void desk_report_free(desk_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->norgs; i++) free(r->orgs[i]);
    free(r->orgs);
    free(r->plans);
    free(r->groups);
    free(r);
}

/* The index of a plan name in out->plans, added if new. A handful of
** plans and tickets mostly in runs: the last one found is tried first. */
static int plan_index(report *rep, const char *plan, int32_t *out)
{
    desk_report *o = rep->out;
    if (o->nplans && !strcmp(o->plans[rep->last_plan], plan)) {
        *out = rep->last_plan;
        return 0;
    }
    for (size_t i = 0; i < o->nplans; i++)
        if (!strcmp(o->plans[i], plan)) {
            *out = rep->last_plan = (int32_t)i;
            return 0;
        }
    if (o->nplans == REPORT_MAX_PLANS)
        return garant__error(GARANT_EINVAL, "the period's tickets name more than %d plans", REPORT_MAX_PLANS);
    int rc = garant__grow((void **)&o->plans, &rep->plans_cap, o->nplans + 1, sizeof o->plans[0]);
    if (rc) return rc;
    snprintf(o->plans[o->nplans], sizeof o->plans[0], "%s", plan);
    *out = rep->last_plan = (int32_t)o->nplans++;
    return 0;
}

/* Target time from submission to the first response, or -1 when the
** terms carry no target in the policy version the ticket was filed under. */
static int64_t business_time(const report *rep, const garant_ticket *t)
{
    garant_ticket_terms terms = {t->plan, t->priority, t->stage[0] ? t->stage : NULL};
    garant_target target;
    const garant_policy *pol = desk_ticket_policy(rep->desk, rep->c, t->policy_version);
    if (garant_policy_target(&target, pol, &terms) != 0 || target.kind == GARANT_TARGET_NONE) return -1;
    int64_t s;
    if (garant_clock_elapsed(&s, pol, &terms, t->submitted_at, t->first_response_at) != 0) return -1;
    return s;
}

/* each_for_report's callback: classify and keep one ticket. */
static int collect(void *ctx, const garant_ticket *t)
{
    report *rep = ctx;
    if (rep->n == DESK_REPORT_MAX_TICKETS)
        return garant__error(GARANT_EINVAL, "the period holds more than %d tickets; ask for a shorter period",
                             DESK_REPORT_MAX_TICKETS);
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

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The organizations of the period with their names, ranked by name. ids
** is scratch for rep->n values; only the distinct organizations are kept,
** each with its name as long as it is. */
static int load_orgs(report *rep, int64_t *ids)
{
    for (size_t i = 0; i < rep->n; i++) ids[i] = rep->rows[i].org_id;
    qsort(ids, rep->n, sizeof *ids, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < rep->n; i++)
        if (!u || ids[i] != ids[u - 1]) ids[u++] = ids[i];
    if (!u) return 0;
    rep->orgs = calloc(u, sizeof *rep->orgs);
    if (!rep->orgs) return garant__error(GARANT_ENOMEM, "out of memory for %zu organizations", u);
    for (size_t i = 0; i < u; i++) {
        garant_org o;
        char unknown[32];
        int rc = GS(rep->c)->accounts->org_get(rep->c, ids[i], &o);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        if (rc) snprintf(unknown, sizeof unknown, "#%" PRId64, ids[i]);
        rep->orgs[i].id = ids[i];
        rep->orgs[i].name = garant__strdup(rc ? unknown : o.name);
        rep->norgs = i + 1; /* so that report_release frees what is set */
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
    size_t nplans = rep->out->nplans;
    rep->plan_rank = calloc(nplans ? nplans : 1, sizeof *rep->plan_rank);
    if (!rep->plan_rank) return garant__error(GARANT_ENOMEM, "out of memory ranking plans");
    size_t np = garant_policy_plan_count(rep->pol);
    for (size_t i = 0; i < nplans; i++) {
        rep->plan_rank[i] = np + i;
        for (size_t k = 0; k < np; k++)
            if (!strcmp(garant_policy_plan_name(rep->pol, k), rep->out->plans[i])) rep->plan_rank[i] = k;
    }
    return 0;
}

/* Pack each row's group into 64 sortable bits, the first key asked
** highest: plan rank < 2^16 (policy plans + REPORT_MAX_PLANS), priority
** < 2^4 (1..9), organization rank < 2^24 (> DESK_REPORT_MAX_TICKETS). */
static void group_keys(report *rep, const desk_report_query *q)
{
    static const int bits[DESK_REPORT_NKEYS] = {16, 4, 24};
    for (size_t i = 0; i < rep->n; i++) {
        report_row *w = &rep->rows[i];
        uint64_t key = 0;
        for (int d = 0; d < q->nkeys; d++) {
            uint64_t v = 0;
            switch (q->keys[d]) {
            case DESK_REPORT_PLAN: v = rep->plan_rank[w->plan] & 0xffff; break;
            case DESK_REPORT_PRIORITY: v = (uint64_t)(w->priority & 15); break;
            case DESK_REPORT_ORG: v = org_find(rep, w->org_id)->rank; break;
            case DESK_REPORT_NKEYS: break;
            }
            key = (key << bits[q->keys[d]]) | v;
        }
        w->key = key;
    }
}

static int cmp_row(const void *a, const void *b)
{
    const report_row *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* ---- figures ---------------------------------------------------------- */

/* Nearest rank: the value at 1-based rank ceil(p * n / 100). */
static int64_t percentile(int64_t *v, size_t n, int p)
{
    if (!n) return -1;
    size_t rank = ((size_t)p * n + 99) / 100;
    if (rank < 1) rank = 1;
    return v[rank - 1];
}

/* The figures of rows[0..n); scratch holds 2n values. */
static void figure(desk_report_figures *f, const report_row *rows, size_t n, int64_t *scratch)
{
    memset(f, 0, sizeof *f);
    int64_t *wall = scratch, *biz = scratch + n;
    size_t nw = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        const report_row *w = &rows[i];
        f->tickets++;
        if (w->outcome != OUT_NO_TARGET) f->with_target++;
        if (w->outcome == OUT_IN_TIME) f->responded_in_time++;
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
    f->wall_median_s = percentile(wall, nw, 50);
    f->wall_p90_s = percentile(wall, nw, 90);
    f->business_median_s = percentile(biz, nb, 50);
    f->business_p90_s = percentile(biz, nb, 90);
    int64_t den = f->responded_in_time + f->breached;
    f->attainment_percent = den ? round((double)f->responded_in_time * 10000.0 / (double)den) / 100.0 : -1;
}

/* The groups of the sorted rows, each with its keys and figures. */
static int make_groups(report *rep, const desk_report_query *q, int64_t *scratch)
{
    desk_report *o = rep->out;
    size_t ng = 0;
    for (size_t i = 0; q->nkeys && i < rep->n; i++)
        if (!i || rep->rows[i].key != rep->rows[i - 1].key) ng++;
    if (ng) {
        o->groups = calloc(ng, sizeof *o->groups);
        if (!o->groups) return garant__error(GARANT_ENOMEM, "out of memory writing the report");
    }
    /* The report takes the organizations' names, in rank order. */
    if (rep->norgs) {
        o->orgs = calloc(rep->norgs, sizeof *o->orgs);
        if (!o->orgs) return garant__error(GARANT_ENOMEM, "out of memory for %zu organizations", rep->norgs);
        for (size_t i = 0; i < rep->norgs; i++) {
            o->orgs[rep->orgs[i].rank] = rep->orgs[i].name;
            rep->orgs[i].name = NULL;
        }
        o->norgs = rep->norgs;
    }
    for (size_t i = 0; i < rep->n && ng;) {
        size_t j = i + 1;
        while (j < rep->n && rep->rows[j].key == rep->rows[i].key) j++;
        const report_row *w = &rep->rows[i];
        desk_report_group *g = &o->groups[o->ngroups++];
        g->plan = o->plans[w->plan];
        g->priority = w->priority;
        g->org_id = w->org_id;
        const org_name *on = rep->norgs ? org_find(rep, w->org_id) : NULL;
        g->org = on ? o->orgs[on->rank] : "";
        figure(&g->fig, rep->rows + i, j - i, scratch);
        i = j;
    }
    figure(&o->total, rep->rows, rep->n, scratch);
    return 0;
}

int desk_report_sla(desk_report **out, garant_desk *d, garant_store_conn *c, const desk_report_query *q,
                    int64_t now_s)
{
    if (q->from_s >= q->to_s) return garant__error(GARANT_EINVAL, "'from' must be before 'to'");
    if (q->to_s - q->from_s > (int64_t)DESK_REPORT_MAX_DAYS * 86400)
        return garant__error(GARANT_EINVAL, "the period is longer than %d days; ask for a shorter one",
                             DESK_REPORT_MAX_DAYS);
    int want_orgs = 0;
    for (int k = 0; k < q->nkeys; k++) {
        assert((unsigned)q->keys[k] < DESK_REPORT_NKEYS);
        if (q->keys[k] == DESK_REPORT_ORG) want_orgs = 1;
    }
    report rep;
    memset(&rep, 0, sizeof rep);
    rep.out = calloc(1, sizeof *rep.out);
    if (!rep.out) return garant__error(GARANT_ENOMEM, "out of memory writing the report");
    rep.pol = desk_policy_current(d, NULL);
    rep.desk = d;
    rep.c = c;
    rep.now = now_s;
    int64_t *scratch = NULL;
    int rc = GS(c)->tickets->each_for_report(c, q->from_s, q->to_s, collect, &rep);
    if (rc) goto done;
    rc = rank_plans(&rep);
    if (rc) goto done;
    scratch = malloc((rep.n ? rep.n : 1) * 2 * sizeof *scratch);
    if (!scratch) {
        rc = garant__error(GARANT_ENOMEM, "out of memory for %zu tickets", rep.n);
        goto done;
    }
    if (want_orgs) {
        rc = load_orgs(&rep, scratch);
        if (rc) goto done;
    }
    group_keys(&rep, q);
    if (rep.n) qsort(rep.rows, rep.n, sizeof *rep.rows, cmp_row);
    rc = make_groups(&rep, q, scratch);
done:
    free(scratch);
    report_release(&rep);
    if (rc) {
        desk_report_free(rep.out);
        return rc;
    }
    *out = rep.out;
    return 0;
}
