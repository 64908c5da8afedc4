/*
** routes_ticket_previews.c - what a deadline would be, changing nothing:
** for a ticket filed now (POST /api/v1/deadline/preview) and for a
** change of a ticket's priority (POST /api/v1/tickets/{id}/reclassify-preview).
** The desk computes (desk_ticket_clock.h); this file parses and answers.
*/
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "routes_ticket_previews.h"
#include "tickets.h"

static int is_staff(const http_req *r) { return r->user.role != GARANT_ROLE_CUSTOMER; }

/* A ticket the caller may see (desk_ticket_visible). */
static int visible_ticket(http_req *r, garant_ticket *t)
{
    desk_actor who = {&r->user, r->now};
    return desk_ticket_visible(t, r->db, &who, r->id);
}

const http_field http_deadline_preview_body[] = {
    {"priority", HTTP_F_INT, 0, 0},
    {"product", HTTP_F_STRING, 0, GARANT_MAX_NAME},
    {"environment", HTTP_F_STRING, 0, 15},
    {"plan", HTTP_F_STRING, 0, 64},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/deadline/preview: the deadline a ticket filed now would get. */
int http_deadline_preview(http_req *r)
{
    json_t *v[4];
    int rc = http_body_fields(r, http_deadline_preview_body, v);
    if (rc) return rc;
    const garant_policy *pol = http_policy(r);
    garant_ticket t;
    memset(&t, 0, sizeof t);
    if (is_staff(r)) {
        if (!v[3]) return garant__error(GARANT_EINVAL, "'plan' is required: which plan's deadline to preview");
        const char *plan = json_string_value(v[3]);
        size_t i = 0;
        while (i < garant_policy_plan_count(pol) && strcmp(garant_policy_plan_name(pol, i), plan) != 0) i++;
        char known[256];
        if (i == garant_policy_plan_count(pol))
            return garant__error(GARANT_EINVAL, "unknown plan '%.64s' (plans: %s)", plan,
                                 garant_policy_names(known, sizeof known, pol, GARANT_NAMES_PLANS));
        snprintf(t.plan, sizeof t.plan, "%s", plan);
    } else {
        if (v[3]) return garant__error(GARANT_EINVAL, "'plan' is for staff: your organization's plan applies");
        garant_org org;
        rc = GS(r->db)->accounts->org_get(r->db, r->user.org_id, &org);
        if (rc) return rc;
        snprintf(t.plan, sizeof t.plan, "%s", org.plan);
        t.org_id = org.id;
    }
    json_int_t prio = v[0] ? json_integer_value(v[0]) : garant_policy_default_priority(pol);
    if ((rc = desk_check_priority(pol, prio))) return rc;
    t.priority = t.initial_priority = (int)prio;
    const char *env = v[2] ? json_string_value(v[2]) : "production";
    if (!desk_environment_known(env))
        return garant__error(GARANT_EINVAL, "'environment' must be production, staging or development (got '%.15s')",
                             env);
    if ((rc = desk_check_environment(pol, t.priority, env))) return rc;
    snprintf(t.environment, sizeof t.environment, "%s", env);
    snprintf(t.stage, sizeof t.stage, "ga");
    snprintf(t.status, sizeof t.status, "open");
    if (v[1] && json_string_length(v[1])) {
        garant_product p;
        rc = GS(r->db)->accounts->product_by_name(r->db, json_string_value(v[1]), &p);
        if (rc == GARANT_ENOTFOUND)
            return garant__error(GARANT_EINVAL, "unknown product '%.200s'", json_string_value(v[1]));
        if (rc) return rc;
        snprintf(t.product, sizeof t.product, "%s", p.name);
        snprintf(t.stage, sizeof t.stage, "%s", p.stage);
    }
    t.submitted_at = r->now;
    if ((rc = desk_initial_deadline(pol, &t))) return rc;
    json_t *o = NULL;
    rc = http_ticket_json(&o, NULL, pol, &t, r->now);
    if (rc) return rc;
    static const char *const keep[] = {"plan", "priority", "priority_name", "product", "stage", "environment",
                                       "submitted_at", "first_response_due", "warn_at", "sla"};
    json_t *out = json_object();
    for (size_t i = 0; out && i < sizeof keep / sizeof keep[0]; i++)
        if (json_object_set(out, keep[i], json_object_get(o, keep[i])) != 0) {
            json_decref(out);
            out = NULL;
        }
    json_decref(o);
    if (!out) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, out);
}

const http_field http_reclassify_preview_body[] = {{"priority", HTTP_F_INT, 1, 0}, {NULL, 0, 0, 0}};

/* POST /api/v1/tickets/{id}/reclassify-preview: the deadline a change of
** priority would give, changing nothing. */
int http_reclassify_preview(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, http_reclassify_preview_body, v);
    if (rc) return rc;
    garant_ticket t;
    if ((rc = visible_ticket(r, &t))) return rc;
    const garant_policy *pol;
    if ((rc = http_policy_version(&pol, r->srv, r->db, t.policy_version))) return rc;
    json_int_t to = json_integer_value(v[0]);
    if ((rc = desk_check_priority(pol, to))) return rc;
    if (to == t.priority)
        return garant__error(GARANT_EINVAL, "ticket %lld is priority %d already", (long long)t.id, t.priority);
    int64_t due, warn;
    if ((rc = desk_reclassified(pol, &t, (int)to, r->now, &due, &warn))) return rc;
    const char *rule = t.first_response_at ? "answered already: the deadline no longer changes"
                       : to < t.priority   ? "raised: the new target counts from now and never ends later than "
                                             "the current deadline"
                                           : "lowered: the new target counts from submission";
    return http_reply(r, 200,
                      json_pack("{s:I,s:i,s:I,s:o,s:o,s:o,s:s,s:o}", "ticket_id", (json_int_t)t.id, "from", t.priority,
                                "to", (json_int_t)to, "old_due", http_time_json(t.first_response_due), "new_due",
                                http_time_json(due), "new_warn_at", http_time_json(warn), "rule", rule, "at",
                                http_time_json(r->now)));
}
