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
#include "loader.h"
#include "log.h"
#include "tickets.h"

/* ---- describing a policy --------------------------------------------- */

static const char *const env_names[] = {"production", "staging", "development"};

/* A target as the API shows it: {priority, kind, seconds, calendar, text}. */
static json_t *target_json(const garant_policy *pol, const char *plan, int level)
{
    garant_ticket_terms terms = {plan, level, "ga"};
    garant_target t;
    if (garant_policy_target(&t, pol, &terms) != 0) return NULL;
    char dur[64], text[96];
    if (t.kind == GARANT_TARGET_NONE)
        return json_pack("{s:i,s:s,s:n,s:n,s:s}", "priority", level, "kind", "none", "seconds", "calendar", "text",
                         "none");
    garant_duration_format(dur, sizeof dur, t.seconds);
    snprintf(text, sizeof text, "%s %s", dur, t.kind == GARANT_TARGET_WALL ? "24/7" : "business");
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
** calendars set, the calendars. Caller owns *out. */
static int policy_json(json_t **out, const garant_policy *pol, int calendars)
{
    json_t *o = json_object(), *plans = json_array(), *prios = json_array(), *stages = json_array();
    int rc = o && plans && prios && stages ? 0 : garant__error(GARANT_ENOMEM, "out of memory describing the policy");
    for (size_t i = 0; !rc && i < garant_policy_plan_count(pol); i++) {
        const char *plan = garant_policy_plan_name(pol, i);
        json_t *targets = json_array();
        rc = targets ? 0 : garant__error(GARANT_ENOMEM, "out of memory describing the policy");
        for (size_t k = 0; !rc && k < garant_policy_priority_count(pol); k++)
            rc = push(targets, target_json(pol, plan, garant_policy_priority_level(pol, k)));
        if (!rc) rc = push(plans, json_pack("{s:s,s:o}", "name", plan, "targets", targets));
        else json_decref(targets);
    }
    for (size_t k = 0; !rc && k < garant_policy_priority_count(pol); k++) {
        int level = garant_policy_priority_level(pol, k);
        unsigned envs = garant_policy_priority_envs(pol, level);
        json_t *e = json_array();
        for (size_t b = 0; e && b < 3; b++)
            if (envs & (1u << b) && json_array_append_new(e, json_string(env_names[b])) != 0) {
                json_decref(e);
                e = NULL;
            }
        const char *def = garant_policy_priority_definition(pol, level);
        /* {"ro": {"name": ..., "definition": ...}}: the pages pick theirs. */
        json_t *tr = json_object();
        for (size_t i = 0; tr && i < garant_policy_priority_translation_count(pol, level); i++) {
            const char *lang, *tname, *tdef;
            if (garant_policy_priority_translation_at(pol, level, i, &lang, &tname, &tdef) != 0 ||
                json_object_set_new(tr, lang, json_pack("{s:s,s:s}", "name", tname, "definition", tdef)) != 0) {
                json_decref(tr);
                tr = NULL;
            }
        }
        rc = push(prios, e && tr ? json_pack("{s:i,s:s,s:s,s:o,s:o}", "level", level, "name",
                                             garant_policy_priority_name(pol, level), "definition", def ? def : "",
                                             "environments", e, "translations", tr)
                                 : NULL);
        if (!e || !tr) {
            json_decref(e);
            json_decref(tr);
        }
    }
    for (size_t i = 0; !rc && i < garant_policy_stage_count(pol); i++)
        rc = push(stages, json_pack("{s:s,s:b}", "name", garant_policy_stage_name(pol, i), "guaranteed",
                                    garant_policy_stage_guaranteed(pol, i)));
    int permille = garant_policy_warning_permille(pol);
    if (!rc && (json_object_set(o, "plans", plans) || json_object_set(o, "priorities", prios) ||
                json_object_set(o, "stages", stages)))
        rc = garant__error(GARANT_ENOMEM, "out of memory describing the policy");
    if (!rc && (json_object_set_new(o, "default_priority", json_integer(garant_policy_default_priority(pol))) ||
                json_object_set_new(o, "warning_percent", permille % 10 ? json_real(permille / 10.0)
                                                                        : json_integer(permille / 10))))
        rc = garant__error(GARANT_ENOMEM, "out of memory describing the policy");
    if (!rc && calendars) {
        json_t *cals = json_array();
        rc = cals ? 0 : garant__error(GARANT_ENOMEM, "out of memory describing the policy");
        for (size_t i = 0; !rc && i < garant_policy_calendar_count(pol); i++) {
            const garant_calendar *cal = garant_policy_calendar_at(pol, i);
            rc = push(cals, json_pack("{s:s,s:s}", "name", garant_calendar_name(cal), "timezone",
                                      garant_tz_name(garant_calendar_tz(cal))));
        }
        const garant_calendar *shown = garant_policy_display_calendar(pol);
        if (!rc && (json_object_set_new(o, "calendars", cals) ||
                    json_object_set_new(o, "display_calendar",
                                        shown ? json_string(garant_calendar_name(shown)) : json_null())))
            rc = garant__error(GARANT_ENOMEM, "out of memory describing the policy");
        else if (rc)
            json_decref(cals);
    }
    json_decref(plans);
    json_decref(prios);
    json_decref(stages);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
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
    int rc = GS(r->db)->sla->policy_get(r->db, version, &saved);
    if (rc == GARANT_ENOTFOUND) return garant__error(rc, "no policy version %lld", (long long)version);
    if (rc) return rc;
    rc = http_policy_version(&pol, r->srv, r->db, version);
    json_t *o = NULL;
    if (!rc) rc = policy_json(&o, pol, 1);
    if (!rc && (json_object_set_new(o, "yaml", json_string(saved.yaml)) != 0 ||
                json_object_set_new(o, "version", json_integer((json_int_t)version)) != 0 ||
                json_object_set_new(o, "in_force", json_boolean(version == current)) != 0))
        rc = garant__error(GARANT_ENOMEM, "out of memory");
    free(saved.yaml);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return http_reply(r, 200, o);
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
    json_t *list = NULL;
    int64_t current = 0;
    http_policy_current(r->srv, &current);
    garant_stage_change *changes = NULL;
    size_t nchanges = 0;
    int rc = GS(r->db)->begin_read(r->db);
    if (!rc) rc = GS(r->db)->sla->policy_list(r->db, &list);
    if (!rc) rc = GS(r->db)->admin->stage_changes(r->db, &changes, &nchanges);
    GS(r->db)->rollback(r->db);
    if (rc) {
        json_decref(list);
        return rc;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        json_t *at = json_object_get(v, "created_at");
        json_int_t version = json_integer_value(json_object_get(v, "version"));
        if (json_object_set_new(v, "created_at", http_time_json(json_integer_value(at))) != 0 ||
            json_object_set_new(v, "in_force", json_boolean(version == current)) != 0 ||
            json_object_set_new(v, "product_stage", stage_change_of(changes, nchanges, version)) != 0) {
            json_decref(list);
            free(changes);
            return garant__error(GARANT_ENOMEM, "out of memory");
        }
    }
    free(changes);
    return http_reply(r, 200, json_pack("{s:I,s:o}", "in_force", (json_int_t)current, "versions", list));
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

typedef struct put_job {
    http_req *r;
    garant_policy *pol;       /* the new policy; the server's once swapped */
    const char *yaml;
    int64_t version;          /* out: its number */
    int swapped;
} put_job;

/* The new policy must still know every plan an organization is on and
** every stage a product is in, or new tickets could not be filed. */
static int check_accounts(garant_store_conn *w, const garant_policy *pol)
{
    garant_org_list orgs;
    garant_product *products = NULL;
    size_t nproducts = 0;
    int rc = GS(w)->accounts->org_list(w, &orgs);
    if (rc) return rc;
    if ((rc = GS(w)->accounts->product_list(w, &products, &nproducts))) goto out;
    for (size_t i = 0; i < orgs.n; i++) {
        const char *plan = orgs.orgs[i].org.plan;
        size_t k = 0;
        while (k < garant_policy_plan_count(pol) && strcmp(garant_policy_plan_name(pol, k), plan) != 0) k++;
        if (k == garant_policy_plan_count(pol)) {
            rc = garant__error(GARANT_EINVAL,
                               "organization '%.200s' is on plan '%.64s', which the new policy does not have: "
                               "move it to another plan first",
                               orgs.orgs[i].org.name, plan);
            goto out;
        }
    }
    for (size_t i = 0; i < nproducts; i++) {
        const char *stage = products[i].stage;
        size_t k = 0;
        while (k < garant_policy_stage_count(pol) && strcmp(garant_policy_stage_name(pol, k), stage) != 0) k++;
        if (k == garant_policy_stage_count(pol)) {
            rc = garant__error(GARANT_EINVAL, "product '%.200s' is in stage '%.64s', which the new policy does not have",
                               products[i].name, stage);
            goto out;
        }
    }
out:
    free(products);
    garant_org_list_free(&orgs);
    return rc;
}

static int put_write(garant_store_conn *w, void *ctx)
{
    put_job *j = ctx;
    http_req *r = j->r;
    int rc = check_accounts(w, j->pol);
    if (!rc) rc = GS(w)->sla->policy_insert(w, j->yaml, r->now, r->user.id, &j->version);
    if (rc) return rc;
    /* Swap now, inside the writer: the writes queued behind this one in the
    ** same transaction (tickets being filed) take the new version. */
    garant_policy *pol = j->pol;
    j->pol = NULL;
    rc = http_policy_swap(r->srv, pol, j->version);
    if (!rc) j->swapped = 1;
    return rc;
}

/* After a swap whose transaction did not commit: put back the newest
** version saved, so the server acts on what the database says. */
static void restore_policy(garant_server *srv)
{
    garant_store *store = http_store(srv);
    const garant_store_ops *ops = garant_store_ops_of(store);
    garant_store_conn *c;
    if (ops->acquire(&c, store) != 0) return;
    garant_policy_version v;
    garant_policy *pol = NULL;
    int rc = ops->sla->policy_latest(c, &v);
    ops->release(c);
    if (rc == 0) rc = http_policy_compile(&pol, NULL, srv, v.yaml);
    free(v.yaml);
    if (rc == 0) rc = http_policy_swap(srv, pol, v.version);
    if (rc) desk_log("the saved policy could not be restored: %s", garant_error_last());
}

static const http_field policy_put_body[] = {{"yaml", HTTP_F_STRING, 1, 0}, {NULL, 0, 0, 0}};

/* PUT /api/v1/policy {yaml} (admins). */
static int policy_put(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, policy_put_body, v);
    if (rc) return rc;
    put_job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.yaml = json_string_value(v[0]);
    garant_diags *diags = NULL;
    rc = garant_config_load(&j.pol, &diags, j.yaml, json_string_length(v[0]), api_resource, NULL);
    if (rc) {
        rc = reply_diagnostics(r, rc, diags);
        garant_diags_free(diags);
        return rc;
    }
    garant_diags_free(diags);
    rc = http_write(r->srv, put_write, &j);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", garant_error_last());
        if (j.swapped) restore_policy(r->srv);
        garant_policy_free(j.pol);
        return garant__error(rc, "%s", msg);
    }
    const garant_policy *pol;
    json_t *o = NULL;
    rc = http_policy_version(&pol, r->srv, r->db, j.version);
    if (!rc) rc = policy_json(&o, pol, 1);
    if (rc) return rc;
    json_t *out = json_pack("{s:b,s:I,s:s,s:o}", "saved", 1, "version", (json_int_t)j.version, "applies_to",
                            "tickets filed from now on; open tickets keep the version they were filed under",
                            "policy", o);
    if (!out) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, out);
}

/* ---- a product's stage ------------------------------------------------ */

/* A product's stage is part of the terms a ticket is filed under, like
** the policy's targets: changing it saves a new policy version (the YAML
** in force, unchanged) whose products' stages differ, through the same
** path as PUT /api/v1/policy. Tickets filed after it take the new stage;
** open tickets keep theirs until an admin moves them onto the new version
** with a correction (preview, then apply: a product going GA gives its
** open tickets a deadline, earlier for the customer, so no reason is
** needed; one leaving GA takes it away, which needs one). The change is
** a row of the audit trail naming the version it created. */
typedef struct stage_job {
    http_req *r;
    int64_t product_id;
    const char *stage;
    int64_t base_version;     /* the version in force whose YAML is saved again */
    const char *yaml;
    garant_policy *pol;       /* compiled from it; the server's once swapped */
    garant_product product;   /* out: as it is afterwards */
    char old_stage[65];       /* out */
    int64_t version;          /* out: the new version, 0 if the stage was already that */
    int swapped;
} stage_job;

static int stage_write(garant_store_conn *w, void *ctx)
{
    stage_job *j = ctx;
    http_req *r = j->r;
    int rc = GS(w)->admin->product_get(w, j->product_id, &j->product);
    if (rc) return rc;
    snprintf(j->old_stage, sizeof j->old_stage, "%s", j->product.stage);
    if (!strcmp(j->product.stage, j->stage)) return 0;
    garant_policy_version latest;
    if ((rc = GS(w)->sla->policy_latest(w, &latest))) return rc;
    free(latest.yaml);
    if (latest.version != j->base_version)
        return garant__error(GARANT_ECONFLICT, "the policy changed (version %lld) while the stage was being changed: "
                             "try again", (long long)latest.version);
    desk_admin_by by = {r->user.id, r->now};
    rc = GS(w)->sla->policy_insert(w, j->yaml, r->now, r->user.id, &j->version);
    if (!rc) rc = GS(w)->admin->product_set_stage(w, j->product_id, j->stage);
    if (!rc) rc = desk_admin_audit(w, &by, "product_stage", j->product_id, j->product.stage, j->stage, j->version);
    if (rc) return rc;
    snprintf(j->product.stage, sizeof j->product.stage, "%s", j->stage);
    /* Swap inside the writer, as put_write does: tickets filed in the
    ** same transaction after this take the new version and stage. */
    garant_policy *pol = j->pol;
    j->pol = NULL;
    rc = http_policy_swap(r->srv, pol, j->version);
    if (!rc) j->swapped = 1;
    return rc;
}

static const http_field product_update_body[] = {{"stage", HTTP_F_STRING, 1, GARANT_MAX_KEY}, {NULL, 0, 0, 0}};

/* PATCH /api/v1/products/{id} {stage} (admins). */
static int product_update(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, product_update_body, v);
    if (rc) return rc;
    stage_job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.product_id = r->id;
    j.stage = json_string_value(v[0]);
    const garant_policy *now_pol = http_policy_current(r->srv, &j.base_version);
    size_t k = 0, n = garant_policy_stage_count(now_pol);
    while (k < n && strcmp(garant_policy_stage_name(now_pol, k), j.stage) != 0) k++;
    if (k == n) {
        char names[256];
        return garant__error(GARANT_EINVAL, "'stage': '%.64s' is not a product stage of the policy (stages: %s)",
                             j.stage, garant_policy_names(names, sizeof names, now_pol, GARANT_NAMES_STAGES));
    }
    garant_policy_version saved;
    if ((rc = GS(r->db)->sla->policy_get(r->db, j.base_version, &saved))) return rc;
    j.yaml = saved.yaml;
    rc = http_policy_compile(&j.pol, NULL, r->srv, saved.yaml);
    if (!rc) rc = http_write(r->srv, stage_write, &j);
    free(saved.yaml);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", garant_error_last());
        if (j.swapped) restore_policy(r->srv);
        garant_policy_free(j.pol);
        return garant__error(rc, "%s", msg);
    }
    garant_policy_free(j.pol);
    char at[GARANT_RFC3339_UTC_LEN];
    json_t *o = json_pack("{s:{s:I,s:s,s:s,s:s},s:s,s:o,s:s}", "product", "id", (json_int_t)j.product.id, "name",
                          j.product.name, "stage", j.product.stage, "created_at",
                          garant_time_format_utc(at, j.product.created_at), "previous_stage", j.old_stage, "version",
                          j.version ? json_integer(j.version) : json_null(), "applies_to",
                          j.version ? "tickets filed from now on; open tickets keep the stage and version they were "
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
    if (!rc) rc = query_date(r, "to", &to);
    if (rc) return rc;
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
