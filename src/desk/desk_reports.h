/*
** desk_reports.h - the SLA report: first-response attainment and times
** over the tickets submitted in a period, grouped by plan, priority and
** organization, for every door (the API's GET /api/v1/reports/sla renders
** it as JSON or CSV). The figures are defined in reports.c.
*/
#ifndef GARANT_DESK_REPORTS_H
#define GARANT_DESK_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"

/* The longest period a report covers, in days. */
#define DESK_REPORT_MAX_DAYS 366
/* The most tickets a report holds (about 60 MB at the ceiling). */
#define DESK_REPORT_MAX_TICKETS 1000000

/* What a report groups by. */
typedef enum desk_report_key {
    DESK_REPORT_PLAN = 0,
    DESK_REPORT_PRIORITY = 1,
    DESK_REPORT_ORG = 2,
    DESK_REPORT_NKEYS = 3
} desk_report_key;

/* "plan", "priority", "org". Static storage. */
const char *desk_report_key_name(desk_report_key k);

/* The period and the grouping. */
typedef struct desk_report_query {
    int64_t from_s, to_s;                 /* UTC epoch seconds, [from, to) */
    desk_report_key keys[DESK_REPORT_NKEYS]; /* each at most once, the first
                                          ** sorts highest */
    int nkeys;                            /* 0: the total alone */
} desk_report_query;

/* The figures of a set of tickets (definitions in reports.c). */
typedef struct desk_report_figures {
    int64_t tickets, with_target, responded, responded_in_time, breached, still_open;
    double attainment_percent;            /* two decimals; < 0 when undefined */
    int64_t business_median_s, business_p90_s, wall_median_s, wall_p90_s; /* -1: none */
} desk_report_figures;

/* One group: its keys (those the query asked for) and its figures. */
typedef struct desk_report_group {
    const char *plan;                     /* DESK_REPORT_PLAN; borrowed from
                                          ** the report */
    int priority;                         /* DESK_REPORT_PRIORITY */
    int64_t org_id;                       /* DESK_REPORT_ORG */
    const char *org;                      /* DESK_REPORT_ORG: its name, or
                                          ** "#ID" if it is gone; borrowed from
                                          ** the report */
    desk_report_figures fig;
} desk_report_group;

typedef struct desk_report {
    desk_report_group *groups;            /* in the order of the keys: plans as
                                          ** the policy lists them (plans it no
                                          ** longer has after, as first met),
                                          ** priorities ascending, organizations
                                          ** by name */
    size_t ngroups;
    desk_report_figures total;            /* every ticket of the period */
    /* The names the groups borrow. */
    char (*plans)[65];
    size_t nplans;
    char **orgs;
    size_t norgs;
} desk_report;

/* The SLA report of q's period at now_s (UTC epoch seconds), reading the
** tickets and organization names through c, under the policy in force (the
** plans' order) and each ticket's own version (its business time).
** GARANT_EINVAL for a period over DESK_REPORT_MAX_DAYS or holding more than
** DESK_REPORT_MAX_TICKETS tickets (ask for a shorter one). Caller owns *out;
** free with desk_report_free. */
int desk_report_sla(desk_report **out, garant_desk *d, garant_store_conn *c, const desk_report_query *q,
                    int64_t now_s);
/* NULL does nothing. */
void desk_report_free(desk_report *r);

#endif
