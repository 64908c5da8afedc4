/*
** routes_policy.c - the SLA policy over the API: reading it (staff: the
** YAML and its meaning; every signed-in user: the summary the ticket form
** shows), and replacing it (admins); moving open tickets onto a version is
** routes_corrections.c.
**
** A saved policy is a new version (docs/SLA.md, "The terms a ticket was
** filed under"): it applies to tickets filed after it, and moves no open
** deadline. It takes effect in one transaction of the writer thread: the
** YAML is stored as the newest version and the server's policy is swapped
** before the transaction's other writes run, so no ticket filed after it
** is counted under the old one. Tickets keep the version, plan and stage
** they were filed under.
**
** A saved policy may not name files (holidays_ics): the server reloads the
** newest saved version on start, and a file named by an admin through the
** API would make the server read whatever path it names. Holidays go
** inline; files belong in the config given with --config.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"
#include "desk_calendar.h"
#include "desk_policy.h"
#include "loader.h"
#include "log.h"
#include "tickets.h"

/* ---- describing a policy --------------------------------------------- */

static const char *const env_names[] = {"production", "staging", "development"};

/* A target as the API shows it: {priority, kind, seconds, calendar, text},
** the text in the reader's language (as a ticket's sla.target). */
static json_t *target_json(const garant_policy *pol, const char *plan, int level)
{
    garant_ticket_terms terms = {plan, level, "ga"};
    garant_target t;
    if (garant_policy_target(&t, pol, &terms) != 0) return NULL;
    char text[96];
    garant_target_format_in(text, sizeof text, &t, desk_words());
    if (t.kind == GARANT_TARGET_NONE)
        return json_pack("{s:i,s:s,s:n,s:n,s:s}", "priority", level, "kind", "none", "seconds", "calendar", "text",
                         text);
    return json_pack("{s:i,s:s,s:I,s:o,s:s}", "priority", level, "kind",
                     t.kind == GARANT_TARGET_WALL ? "24/7" : "business", "seconds", (json_int_t)t.seconds, "calendar",
                     t.kind == GARANT_TARGET_BUSINESS ? json_string(garant_calendar_name(t.cal)) : json_null(), "text",
                     text);
}

/* Append v to arr, taking ownership; 0 or GARANT_ENOMEM. */
static int push(json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0) return garant__error(GARANT_ENOMEM, "out of memory describing the policy");
    return 0;
}

/* plans, priorities, stages, default_priority, warning_percent and, with
** calendars set, the calendars. Caller owns *out. json_pack takes its
** "o" values even when it fails, so each is forgotten once passed. */
static int policy_json(json_t **out, const garant_policy *pol, int calendars)
{
    *out = NULL;
    json_t *o = NULL, *plans = json_array(), *prios = json_array(), *stages = json_array();
    json_t *targets = NULL, *e = NULL, *tr = NULL, *cals = NULL, *more = NULL;
    if (!plans || !prios || !stages) goto oom;
    for (size_t i = 0; i < garant_policy_plan_count(pol); i++) {
        const char *plan = garant_policy_plan_name(pol, i);
        if (!(targets = json_array())) goto oom;
        for (size_t k = 0; k < garant_policy_priority_count(pol); k++)
            if (push(targets, target_json(pol, plan, garant_policy_priority_level(pol, k)))) goto fail;
        json_t *p = json_pack("{s:s,s:o}", "name", plan, "targets", targets);
        targets = NULL;
        if (push(plans, p)) goto fail;
    }
    for (size_t k = 0; k < garant_policy_priority_count(pol); k++) {
        int level = garant_policy_priority_level(pol, k);
        unsigned envs = garant_policy_priority_envs(pol, level);
        if (!(e = json_array())) goto oom;
        for (size_t b = 0; b < 3; b++)
            if (envs & (1u << b) && json_array_append_new(e, json_string(env_names[b])) != 0) goto oom;
        /* {"ro": {"name": ..., "definition": ...}}: the pages pick theirs. */
        if (!(tr = json_object())) goto oom;
        for (size_t i = 0; i < garant_policy_priority_translation_count(pol, level); i++) {
            const char *lang, *tname, *tdef;
            if (garant_policy_priority_translation_at(pol, level, i, &lang, &tname, &tdef) != 0 ||
                json_object_set_new(tr, lang, json_pack("{s:s,s:s}", "name", tname, "definition", tdef)) != 0)
                goto oom;
        }
        const char *def = garant_policy_priority_definition(pol, level);
        json_t *p = json_pack("{s:i,s:s,s:s,s:o,s:o}", "level", level, "name", garant_policy_priority_name(pol, level),
                              "definition", def ? def : "", "environments", e, "translations", tr);
        e = tr = NULL;
        if (push(prios, p)) goto fail;
    }
    for (size_t i = 0; i < garant_policy_stage_count(pol); i++)
        if (push(stages, json_pack("{s:s,s:b}", "name", garant_policy_stage_name(pol, i), "guaranteed",
                                   garant_policy_stage_guaranteed(pol, i))))
            goto fail;
    int permille = garant_policy_warning_permille(pol);
    o = json_pack("{s:o,s:o,s:o,s:i,s:o}", "plans", plans, "priorities", prios, "stages", stages, "default_priority",
                  garant_policy_default_priority(pol), "warning_percent",
                  permille % 10 ? json_real(permille / 10.0) : json_integer(permille / 10));
    plans = prios = stages = NULL;
    if (!o) goto oom;
    if (calendars) {
        if (!(cals = json_array())) goto oom;
        for (size_t i = 0; i < garant_policy_calendar_count(pol); i++) {
            const garant_calendar *cal = garant_policy_calendar_at(pol, i);
            if (push(cals, json_pack("{s:s,s:s}", "name", garant_calendar_name(cal), "timezone",
                                     garant_tz_name(garant_calendar_tz(cal)))))
                goto fail;
        }
        const garant_calendar *shown = garant_policy_display_calendar(pol);
        more = json_pack("{s:o,s:o}", "calendars", cals, "display_calendar",
                         shown ? json_string(garant_calendar_name(shown)) : json_null());
        cals = NULL;
        if (!more || json_object_update(o, more) != 0) goto oom;
        json_decref(more);
    }
    *out = o;
    return 0;
oom:
    garant__error(GARANT_ENOMEM, "out of memory describing the policy");
fail: /* every failure above is want of memory, its message set */
    json_decref(o);
    json_decref(plans);
    json_decref(prios);
    json_decref(stages);
    json_decref(targets);
    json_decref(e);
    json_decref(tr);
    json_decref(cals);
    json_decref(more);
    return GARANT_ENOMEM;
}

/* GET /api/v1/policy[?version=N] (staff): the version in force, or
** version N, with its YAML and meaning. */
static int policy_get(http_req *r)
{
    int64_t current = 0;
    http_policy_current(r->srv, &current);
    int64_t version = current;
    const char *q = http_query(r, "version");
    if (q) {
        char *end;
        long long v = strtoll(q, &end, 10);
        if (!q[0] || *end || v < 1) return garant__error(GARANT_EINVAL, "'version' must be a positive whole number");
        version = v;
    }
    const garant_policy *pol;
    garant_policy_version saved;
    json_t *o = NULL, *more = NULL;
    int rc = GS(r->db)->sla->policy_get(r->db, version, &saved);
    if (rc == GARANT_ENOTFOUND) return garant__error(rc, "no policy version %lld", (long long)version);
    if (rc) return rc;
    if ((rc = http_policy_version(&pol, r->srv, r->db, version))) goto out;
    if ((rc = policy_json(&o, pol, 1))) goto out;
    more = json_pack("{s:s,s:I,s:b}", "yaml", saved.yaml, "version", (json_int_t)version, "in_force",
                     version == current);
    if (!more || json_object_update(o, more) != 0) {
        rc = garant__error(GARANT_ENOMEM, "out of memory");
        goto out;
    }
    rc = http_reply(r, 200, o);
    o = NULL;
out:
    free(saved.yaml);
    json_decref(more);
    json_decref(o);
    return rc;
}

/* The product stage change that saved `version`, as {product, from, to},
** or null: a version saved by PUT /policy or the configuration. */
static json_t *stage_change_of(const garant_stage_change *changes, size_t n, json_int_t version)
{
    for (size_t i = 0; i < n; i++) {
        if (changes[i].policy_version == version)
            return json_pack("{s:s,s:s,s:s}", "product", changes[i].product, "from", changes[i].old_value, "to",
                             changes[i].new_value);
    }
    return json_null();
}

/* GET /api/v1/policy/versions (staff): every version, newest first, who
** saved it (null: the server's configuration), how many tickets run on
** it, and the product stage change it is, if one. */
static int policy_versions(http_req *r)
{
    garant_policy_listed *vs = NULL;
    size_t n = 0;
    garant_stage_change *changes = NULL;
    size_t nchanges = 0;
    json_t *list = NULL;
    int64_t current = 0;
    http_policy_current(r->srv, &current);
    int rc = GS(r->db)->begin_read(r->db);
    if (rc) return rc;
    /* Both in one read transaction, so they describe the same versions. */
    if ((rc = GS(r->db)->sla->policy_list(r->db, &vs, &n))) goto read_done;
    rc = GS(r->db)->admin->stage_changes(r->db, &changes, &nchanges);
read_done:
    GS(r->db)->rollback(r->db);
    if (rc) goto out;
    if (!(list = json_array())) goto oom;
    for (size_t i = 0; i < n; i++) {
        const garant_policy_listed *v = &vs[i];
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:I,s:b,s:o}", "version", (json_int_t)v->version, "created_at",
                              http_time_json(v->created_at), "created_by",
                              v->created_by ? json_integer((json_int_t)v->created_by) : json_null(),
                              "created_by_email",
                              v->created_by_email[0] ? json_string(v->created_by_email) : json_null(), "tickets",
                              (json_int_t)v->tickets, "in_force", v->version == current, "product_stage",
                              stage_change_of(changes, nchanges, (json_int_t)v->version));
        if (!o || json_array_append_new(list, o)) goto oom;
    }
    json_t *body = json_pack("{s:I,s:o}", "in_force", (json_int_t)current, "versions", list);
    list = NULL;
    if (!body) goto oom;
    rc = http_reply(r, 200, body);
    goto out;
oom:
    rc = garant__error(GARANT_ENOMEM, "out of memory");
out:
    free(vs);
    json_decref(list);
    free(changes);
    return rc;
}

/* GET /api/v1/policy/summary (signed in): what the ticket form explains;
** for a customer also their organization's plan. */
static int policy_summary(http_req *r)
{
    json_t *o = NULL;
    int rc = policy_json(&o, http_policy(r), 0);
    if (rc) return rc;
    json_t *plan = json_null();
    if (r->user.role == GARANT_ROLE_CUSTOMER) {
        garant_org org;
        if (GS(r->db)->accounts->org_get(r->db, r->user.org_id, &org) == 0) plan = json_string(org.plan);
    }
    if (json_object_set_new(o, "your_plan", plan) != 0) {
        json_decref(o);
        return garant__error(GARANT_ENOMEM, "out of memory");
    }
    return http_reply(r, 200, o);
}

/* ---- replacing the policy -------------------------------------------- */

/* Resources of a policy saved through the API: zones from the system's
** zoneinfo, and no files (see the top of this file). */
static int api_resource(void *ctx, garant_resource_kind kind, const char *name, uint8_t **out_data, size_t *out_len)
{
    (void)ctx;
    if (kind != GARANT_RESOURCE_ZONE)
        return garant__error(GARANT_EINVAL,
                             "a policy saved through the API cannot read files ('%.200s'): list the holidays inline",
                             name);
    return garant_io_resource(NULL, kind, name, out_data, out_len);
}

/* 422 (413 for an oversized text) with every finding of the config reader. */
static int reply_diagnostics(http_req *r, int rc, const garant_diags *diags)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s", garant_error_last());
    json_t *list = json_array();
    size_t n = diags ? garant_diags_count(diags) : 0;
    for (size_t i = 0; list && i < n; i++) {
        const garant_diag *d = garant_diags_get(diags, i);
        if (json_array_append_new(list, json_pack("{s:i,s:i,s:s}", "line", d->line, "column", d->column, "message",
                                                  d->message ? d->message : "")) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (n) {
        const garant_diag *d = garant_diags_get(diags, 0);
        if (n == 1)
            snprintf(msg, sizeof msg, garant__tr("the policy has 1 problem; line %d, column %d: %.600s"), d->line,
                     d->column, d->message ? d->message : "");
        else
            snprintf(msg, sizeof msg, garant__tr("the policy has %zu problems; line %d, column %d: %.600s"), n,
                     d->line, d->column, d->message ? d->message : "");
    } else if (!msg[0]) {
        snprintf(msg, sizeof msg, "%s", garant__tr("the policy is not valid"));
    }
    int status = rc == GARANT_ELIMIT ? 413 : rc == GARANT_ENOMEM ? 503 : 422;
    json_t *e = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", desk_err_name(rc == GARANT_ELIMIT ? rc : GARANT_ECONFIG),
                          "message", msg, "diagnostics", list ? list : json_array());
    if (!e) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, status, e);
}

static const http_field policy_put_body[] = {{"yaml", HTTP_F_STRING, 1, 0}, {NULL, 0, 0, 0}};

/* PUT /api/v1/policy {yaml} (admins). */
static int policy_put(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, policy_put_body, v);
    if (rc) return rc;
    const char *yaml = json_string_value(v[0]);
    garant_policy *pol_new = NULL;
    garant_diags *diags = NULL;
    rc = garant_config_load(&pol_new, &diags, yaml, json_string_length(v[0]), api_resource, NULL);
    if (rc) {
        rc = reply_diagnostics(r, rc, diags);
        garant_diags_free(diags);
        return rc;
    }
    garant_diags_free(diags);
    int64_t version;
    desk_policy_by by = {r->user.id, r->now};
    if ((rc = desk_policy_save(&version, r->desk, pol_new, yaml, &by))) return rc;
    const garant_policy *pol;
    json_t *o = NULL;
    if ((rc = http_policy_version(&pol, r->srv, r->db, version))) return rc;
    if ((rc = policy_json(&o, pol, 1))) return rc;
    json_t *out = json_pack("{s:b,s:I,s:s,s:o}", "saved", 1, "version", (json_int_t)version, "applies_to",
                            "tickets filed from now on; open tickets keep the version they were filed under",
                            "policy", o);
    if (!out) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, out);
}

/* ---- a product's stage ------------------------------------------------ */

/* A product's stage is part of the terms a ticket is filed under, like
** the policy's targets: changing it saves a new policy version (the YAML
** in force, unchanged) whose products' stages differ (desk_policy.h).
** Tickets filed after it take the new stage; open tickets keep theirs
** until an admin moves them onto the new version with a correction
** (preview, then apply: a product going GA gives its open tickets a
** deadline, earlier for the customer, so no reason is needed; one leaving
** GA takes it away, which needs one). */
static const http_field product_update_body[] = {{"stage", HTTP_F_STRING, 1, GARANT_MAX_KEY}, {NULL, 0, 0, 0}};

/* PATCH /api/v1/products/{id} {stage} (admins). */
static int product_update(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, product_update_body, v);
    if (rc) return rc;
    desk_stage_change ch;
    desk_policy_by by = {r->user.id, r->now};
    if ((rc = desk_product_stage(&ch, r->desk, r->db, r->id, json_string_value(v[0]), &by))) return rc;
    char at[GARANT_RFC3339_UTC_LEN];
    json_t *o = json_pack("{s:{s:I,s:s,s:s,s:s},s:s,s:o,s:s}", "product", "id", (json_int_t)ch.product.id, "name",
                          ch.product.name, "stage", ch.product.stage, "created_at",
                          garant_time_format_utc(at, ch.product.created_at), "previous_stage", ch.old_stage,
                          "version", ch.version ? json_integer(ch.version) : json_null(), "applies_to",
                          ch.version ? "tickets filed from now on; open tickets keep the stage and version they were "
                                      "filed under until a correction moves them onto this version"
                                    : "nothing: the product was in that stage already");
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, o);
}

/* ---- the business calendar ------------------------------------------- */

/* Longest range GET /api/v1/calendar answers: two months, one month view
** with its neighbours' days. */
#define CALENDAR_MAX_DAYS 62

/* Minutes of a day as "HH:MM", clamped to 00:00-24:00. */
static void hm(char out[8], int64_t min)
{
    if (min < 0) min = 0;
    if (min > GARANT_DAY_MIN) min = GARANT_DAY_MIN;
    snprintf(out, 8, "%02u:%02u", (unsigned)(min / 60) % 100u, (unsigned)(min % 60));
}

/* A date query parameter "YYYY-MM-DD" as a day count. */
static int query_date(http_req *r, const char *name, int64_t *out)
{
    const char *s = http_query(r, name);
    if (!s)
        return garant__error(GARANT_EINVAL, "query parameter '%s' is required: a date such as 2026-12-01", name);
    if (garant_time_parse_date(out, s, strlen(s)) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", garant_error_last());
        return garant__error(GARANT_EINVAL, "query parameter '%s' must be a date such as 2026-12-01: %s", name, why);
    }
    return 0;
}

/* One local day as {date, weekday, open_seconds, windows, holidays},
** appended to the array ctx (desk_calendar_days' callback). */
static int calendar_day(void *ctx, const desk_calendar_day *day)
{
    json_t *windows = json_array(), *hols = json_array();
    int rc = windows && hols ? 0 : garant__error(GARANT_ENOMEM, "out of memory describing the calendar");
    for (size_t i = 0; !rc && i < day->nwindows; i++) {
        const desk_calendar_window *w = &day->windows[i];
        char a[GARANT_RFC3339_UTC_LEN], b[GARANT_RFC3339_UTC_LEN], la[8], lb[8];
        hm(la, w->local_start_min);
        hm(lb, w->local_end_min);
        rc = push(windows, json_pack("{s:s,s:s,s:s,s:s}", "start", garant_time_format_utc(a, w->start_s), "end",
                                     garant_time_format_utc(b, w->end_s), "local_start", la, "local_end", lb));
    }
    for (size_t i = 0; !rc && i < day->nclosures; i++) {
        const garant_holiday *h = day->closures[i];
        char from[8], to[8];
        hm(from, h->closed_from_min);
        hm(to, h->closed_to_min);
        rc = push(hols, json_pack("{s:s,s:s,s:s,s:b}", "name", h->name ? h->name : "", "closed_from", from,
                                  "closed_to", to, "all_day",
                                  h->closed_from_min == 0 && h->closed_to_min == GARANT_DAY_MIN));
    }
    int64_t y;
    unsigned m, dd;
    garant_civil_from_days(&y, &m, &dd, day->day);
    char date[16];
    snprintf(date, sizeof date, "%04lld-%02u-%02u", (long long)y, m, dd);
    json_t *o = rc ? NULL
                   : json_pack("{s:s,s:i,s:I,s:O,s:O}", "date", date, "weekday",
                               (int)garant_weekday_from_days(day->day), "open_seconds", (json_int_t)day->open_s,
                               "windows", windows, "holidays", hols);
    json_decref(windows);
    json_decref(hols);
    if (!rc && !o) rc = garant__error(GARANT_ENOMEM, "out of memory describing the calendar");
    if (rc) return rc;
    return push(ctx, o);
}

/* GET /api/v1/calendar?from=YYYY-MM-DD&to=YYYY-MM-DD[&calendar=NAME]
** (staff): the open windows of each local day from..to (inclusive, in the
** calendar's zone) and the holidays that close any of it, by name; for
** the admin page's month view. */
static int calendar_get(http_req *r)
{
    const garant_policy *pol = http_policy(r);
    const char *name = http_query(r, "calendar");
    const garant_calendar *cal = name ? garant_policy_calendar(pol, name) : garant_policy_display_calendar(pol);
    if (!cal) {
        char names[256];
        if (name)
            return garant__error(GARANT_EINVAL, "query parameter 'calendar': unknown calendar '%.64s'; the policy has %s",
                                 name, garant_policy_names(names, sizeof names, pol, GARANT_NAMES_CALENDARS));
        return garant__error(GARANT_ENOTFOUND, "the policy has no business calendar");
    }
    int64_t from, to;
    int rc = query_date(r, "from", &from);
    if (rc) return rc;
    if ((rc = query_date(r, "to", &to))) return rc;
    if (to < from) return garant__error(GARANT_EINVAL, "'to' must not be before 'from'");
    if (to - from + 1 > CALENDAR_MAX_DAYS)
        return garant__error(GARANT_EINVAL, "the range is %lld days; ask for at most %d at a time",
                             (long long)(to - from + 1), CALENDAR_MAX_DAYS);
    json_t *days = json_array();
    if (!days) return garant__error(GARANT_ENOMEM, "out of memory describing the calendar");
    rc = desk_calendar_days(cal, from, to, calendar_day, days);
    if (rc) {
        json_decref(days);
        return rc;
    }
    char now[GARANT_RFC3339_UTC_LEN];
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "calendar", garant_calendar_name(cal), "timezone",
                          garant_tz_name(garant_calendar_tz(cal)), "from", http_query(r, "from"), "to",
                          http_query(r, "to"), "now", garant_time_format_utc(now, r->now), "days", days);
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory describing the calendar");
    return http_reply(r, 200, o);
}

/* The query parameters each route reads (http_route.query). */
static const char *const policy_get_query[] = {"version", NULL};
static const char *const calendar_query[] = {"from", "to", "calendar", NULL};

const http_route http_routes_policy[] = {
    {"GET", "/api/v1/policy", HTTP_STAFF, policy_get,
     "the SLA policy in force (or ?version=N): its YAML, plans with targets, priorities, stages, calendars",
     HTTP_RUN_WORKER, NULL, policy_get_query},
    {"GET", "/api/v1/policy/summary", HTTP_USER, policy_summary,
     "plans, priorities with definitions and stages, for the ticket form", HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/api/v1/policy/versions", HTTP_STAFF, policy_versions,
     "every saved version of the policy, who saved it and how many tickets run on it", HTTP_RUN_WORKER, NULL, NULL},
    {"PUT", "/api/v1/policy", HTTP_ADMIN, policy_put,
     "save a new policy version {yaml} for tickets filed from now on (422 lists every problem with its line)",
     HTTP_RUN_WORKER, policy_put_body, NULL},
    {"PATCH", "/api/v1/products/{id}", HTTP_ADMIN, product_update,
     "change a product's stage {stage}: a new policy version for tickets filed from now on; open tickets move "
     "onto it only by a correction", HTTP_RUN_WORKER, product_update_body, NULL},
    {"GET", "/api/v1/calendar", HTTP_USER, calendar_get,
     "a business calendar's open hours and holidays per local day, ?from=&to= (at most 62 days)",
     HTTP_RUN_WORKER, NULL, calendar_query},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
