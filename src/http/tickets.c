/*
** tickets.c - a ticket as the API shows it: its fields with instants as
** RFC 3339 UTC, and its SLA state (tickets.h defines the states); and the
** recomputation of every open deadline after a policy change.
**
** The SLA object is computed from the stored deadline, never recomputed
** from scratch, so that what the API shows is what the monitor acts on
** (it reads first_response_due and warn_at). Only the explanation needs
** the clock's reasoning: which instant the deadline counts from and under
** which priority, which is the submission unless a raised priority's
** stricter clock took over (docs/SLA.md, "Reclassification").
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "http.h"
#include "text.h"
#include "tickets.h"

/* An instant as RFC 3339 in buf, or NULL for none (GARANT_NO_DUE, or 0:
** not yet): the one rule behind http_time_json and the 201's text. */
static const char *instant_text(char buf[GARANT_RFC3339_UTC_LEN], int64_t t)
{
    return t == GARANT_NO_DUE || t == 0 ? NULL : garant_time_format_utc(buf, t);
}

json_t *http_time_json(int64_t t)
{
    char buf[GARANT_RFC3339_UTC_LEN];
    const char *s = instant_text(buf, t);
    return s ? json_string(s) : json_null();
}

/* Set key to value on o, taking ownership of value; GARANT_ENOMEM if
** either is missing. */
static int put(json_t *o, const char *key, json_t *value)
{
    if (!value || json_object_set_new(o, key, value) != 0)
        return garant__error(GARANT_ENOMEM, "out of memory building the ticket's JSON");
    return 0;
}

/* An instant as a JSON value, as http_time_json gives it. */
static int text_time(http_text *b, int64_t t)
{
    char buf[GARANT_RFC3339_UTC_LEN];
    const char *s = instant_text(buf, t);
    return s ? http_text_json_string(b, s) : http_text_add(b, "null", 4);
}

int http_ticket_created_text(char **out, const garant_ticket *t, int64_t now)
{
    http_text b = {0};
    *out = NULL;
    /* Room for the whole answer at once (about 300 bytes), and one
    ** formatting pass for the numbers, not http_text_printf's two. */
    char head[64];
    int n = snprintf(head, sizeof head, "{\"id\":%lld,\"priority\":%d,\"plan\":", (long long)t->id, t->priority);
    int rc = garant__grow((void **)&b.s, &b.cap, 512, 1);
    if (!rc) rc = http_text_add(&b, head, (size_t)n);
    if (!rc) rc = http_text_json_string(&b, t->plan);
    if (!rc) rc = http_text_puts(&b, ",\"stage\":");
    if (!rc) rc = http_text_json_string(&b, t->stage[0] ? t->stage : "ga");
    if (!rc) rc = http_text_puts(&b, ",\"environment\":");
    if (!rc) rc = http_text_json_string(&b, t->environment);
    if (!rc) rc = http_text_puts(&b, ",\"status\":");
    if (!rc) rc = http_text_json_string(&b, t->status);
    if (!rc) rc = http_text_puts(&b, ",\"submitted_at\":");
    if (!rc) rc = text_time(&b, t->submitted_at);
    if (!rc) rc = http_text_puts(&b, ",\"first_response_due\":");
    if (!rc) rc = text_time(&b, t->first_response_due);
    if (!rc) rc = http_text_puts(&b, ",\"warn_at\":");
    if (!rc) rc = text_time(&b, t->warn_at);
    if (!rc) rc = http_text_puts(&b, ",\"sla\":{\"state\":");
    if (!rc) rc = http_text_json_string(&b, desk_ticket_sla_state(t, now));
    if (!rc) rc = http_text_puts(&b, "}}");
    if (rc) {
        free(b.s);
        return garant__error(GARANT_ENOMEM, "out of memory writing the ticket's JSON");
    }
    *out = b.s;
    return 0;
}

/* The "sla" object of a ticket at now (tickets.h). Never fails for want
** of a plan the policy no longer knows: the state then rests on the stored
** instants alone and the explanation says what is missing. */
static int sla_json(json_t **out, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                    int64_t now)
{
    json_t *o = json_object();
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory building the ticket's JSON");
    garant_ticket_terms terms = desk_ticket_terms(t, t->priority);
    int64_t due = t->first_response_due;
    int answered = t->first_response_at != 0;
    const char *state = desk_ticket_sla_state(t, now);

    garant_target target;
    int known = garant_policy_target(&target, pol, &terms) == 0;
    char problem[256] = "";
    if (!known)
        snprintf(problem, sizeof problem,
                 garant__tr("policy version %lld has no terms for plan '%s', priority %d, stage '%s'"),
                 (long long)t->policy_version, terms.plan, terms.priority, terms.stage);
    char dur[64], text[96];
    json_t *target_text = json_null(), *target_s = json_null(), *kind = json_string("none"), *cal = json_null();
    if (known && target.kind != GARANT_TARGET_NONE) {
        garant_duration_format(dur, sizeof dur, target.seconds);
        snprintf(text, sizeof text, "%s %s", dur, target.kind == GARANT_TARGET_WALL ? "24/7" : "business");
        json_decref(target_text);
        json_decref(target_s);
        json_decref(kind);
        target_text = json_string(text);
        target_s = json_integer(target.seconds);
        kind = json_string(target.kind == GARANT_TARGET_WALL ? "24/7" : "business");
        if (target.kind == GARANT_TARGET_BUSINESS) {
            json_decref(cal);
            cal = json_string(garant_calendar_name(target.cal));
        }
    } else if (known) {
        json_decref(target_text);
        target_text = json_string("none");
    }
    int rc = put(o, "state", json_string(state));
    if (!rc) rc = put(o, "target", target_text);
    else json_decref(target_text);
    if (!rc) rc = put(o, "target_kind", kind);
    else json_decref(kind);
    if (!rc) rc = put(o, "target_seconds", target_s);
    else json_decref(target_s);
    if (!rc) rc = put(o, "calendar", cal);
    else json_decref(cal);

    /* Remaining target time: at now while awaiting, at the first response
    ** once answered. */
    json_t *remaining = json_null(), *remaining_text = json_null();
    if (due != GARANT_NO_DUE) {
        int64_t left;
        int business;
        desk_ticket_remaining(&left, &business, pol, t, due, answered ? t->first_response_at : now);
        json_decref(remaining);
        json_decref(remaining_text);
        remaining = json_integer(left);
        remaining_text = json_string(garant_lateness_format(text, sizeof text, left, business));
    }
    if (!rc) rc = put(o, "remaining_business_seconds", remaining);
    else json_decref(remaining);
    if (!rc) rc = put(o, "remaining", remaining_text);
    else json_decref(remaining_text);

    /* The explanation, in the request's language. */
    json_t *start_j = json_null();
    char reason[256];
    const char *expl = NULL;
    garant_explanation *ex = NULL;
    if (!rc && !known) {
        expl = problem;
    } else if (!rc && due == GARANT_NO_DUE) {
        expl = garant_policy_no_guarantee_reason_in(reason, sizeof reason, pol, &terms, desk_words());
    } else if (!rc) {
        int64_t start;
        int prio;
        desk_ticket_clock_source(&start, &prio, c, pol, t);
        garant_ticket_terms src = desk_ticket_terms(t, prio);
        json_decref(start_j);
        start_j = http_time_json(start);
        if (start <= due && garant_clock_explain_in(&ex, pol, &src, start, due, desk_words()) == 0) {
            expl = garant_explanation_text(ex);
        } else {
            snprintf(reason, sizeof reason, garant__tr("the deadline cannot be explained: %s"), garant_error_last());
            expl = reason;
        }
    }
    if (!rc) rc = put(o, "clock_start", start_j);
    else json_decref(start_j);
    if (!rc) rc = put(o, "explanation", json_string(expl ? expl : ""));
    garant_explanation_free(ex);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* The fields computed from the record, set on o (replacing the store's
** integer instants when o is a store row): instants as RFC 3339, the
** product as null when none, the priority's name and "sla". */
static int add_derived(json_t *o, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t, int64_t now)
{
    const char *pname = garant_policy_priority_name(pol, t->priority);
    int rc = put(o, "priority_name", pname ? json_string(pname) : json_null());
    if (!rc) rc = put(o, "product", t->product[0] ? json_string(t->product) : json_null());
    if (!rc) rc = put(o, "stage", json_string(t->stage[0] ? t->stage : "ga"));
    if (!rc) rc = put(o, "submitted_at", http_time_json(t->submitted_at));
    if (!rc) rc = put(o, "first_response_due", http_time_json(t->first_response_due));
    if (!rc) rc = put(o, "warn_at", http_time_json(t->warn_at));
    if (!rc) rc = put(o, "first_response_at", http_time_json(t->first_response_at));
    if (!rc) rc = put(o, "policy_version", t->policy_version ? json_integer(t->policy_version) : json_null());
    if (!rc) rc = put(o, "breached_at", http_time_json(t->breached_at));
    if (!rc) rc = put(o, "awaiting_reply_since", t->awaiting_since ? http_time_json(t->awaiting_since) : json_null());
    if (!rc) rc = put(o, "follow_up_of", t->follow_up_of ? json_integer(t->follow_up_of) : json_null());
    if (!rc) rc = put(o, "updated_at", http_time_json(t->updated_at ? t->updated_at : t->submitted_at));
    json_t *sla = NULL;
    if (!rc) rc = sla_json(&sla, c, pol, t, now);
    if (!rc) rc = put(o, "sla", sla);
    return rc;
}

int http_ticket_json(json_t **out, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                     int64_t now, const json_t *row)
{
    *out = NULL;
    json_t *o = json_object();
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory building the ticket's JSON");
    int rc = put(o, "id", json_integer(t->id));
    if (!rc) rc = put(o, "subject", json_string(t->subject));
    if (!rc) rc = put(o, "priority", json_integer(t->priority));
    if (!rc) rc = put(o, "initial_priority", json_integer(t->initial_priority));
    if (!rc) rc = put(o, "plan", json_string(t->plan));
    if (!rc) rc = put(o, "environment", json_string(t->environment));
    if (!rc) rc = put(o, "impact", json_string(t->impact));
    if (!rc) rc = put(o, "status", json_string(t->status));
    if (!rc) rc = put(o, "org_id", json_integer(t->org_id));
    if (!rc) rc = put(o, "requester_id", json_integer(t->requester_id));
    if (!rc && row) {
        static const char *const copied[] = {"org_name", "requester_name", "requester_email"};
        for (size_t i = 0; !rc && i < sizeof copied / sizeof copied[0]; i++) {
            json_t *v = json_object_get(row, copied[i]);
            rc = put(o, copied[i], v ? json_incref(v) : json_null());
        }
    } else if (!rc) {
        garant_org org;
        garant_user u;
        int have_org = c && GS(c)->accounts->org_get(c, t->org_id, &org) == 0;
        int have_user = c && GS(c)->accounts->user_get(c, t->requester_id, &u) == 0;
        rc = put(o, "org_name", have_org ? json_string(org.name) : json_null());
        if (!rc) rc = put(o, "requester_name", have_user ? json_string(u.name) : json_null());
        if (!rc) rc = put(o, "requester_email", have_user ? json_string(u.email) : json_null());
        /* The assignment, as the lists' rows carry it (staff only: the
        ** routes take it off for customers). */
        garant_user a;
        garant_group g;
        int have_a = c && t->assignee_id && GS(c)->accounts->user_get(c, t->assignee_id, &a) == 0;
        int have_g = c && t->group_id && GS(c)->groups->get(c, t->group_id, &g) == 0;
        if (!rc) rc = put(o, "assignee_id", t->assignee_id ? json_integer(t->assignee_id) : json_null());
        if (!rc) rc = put(o, "assignee_name", have_a ? json_string(a.name) : json_null());
        if (!rc) rc = put(o, "group_id", t->group_id ? json_integer(t->group_id) : json_null());
        if (!rc) rc = put(o, "group_name", have_g ? json_string(g.name) : json_null());
    }
    if (!rc) rc = add_derived(o, c, pol, t, now);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Copy a string field of a row into a fixed buffer. */
static int row_text(char *dst, size_t cap, const json_t *row, const char *key, int required)
{
    json_t *v = json_object_get(row, key);
    if (!json_is_string(v)) {
        if (!required && (!v || json_is_null(v))) {
            dst[0] = '\0';
            return 0;
        }
        return garant__error(GARANT_ESTORE, "a ticket row lacks the text field '%s'", key);
    }
    snprintf(dst, cap, "%s", json_string_value(v));
    return 0;
}

/* An integer field; null maps to none_value. */
static int row_int(int64_t *dst, const json_t *row, const char *key, int64_t none_value)
{
    json_t *v = json_object_get(row, key);
    if (json_is_integer(v)) {
        *dst = (int64_t)json_integer_value(v);
        return 0;
    }
    if (!v || json_is_null(v)) {
        *dst = none_value;
        return none_value == -1 ? garant__error(GARANT_ESTORE, "a ticket row lacks '%s'", key) : 0;
    }
    return garant__error(GARANT_ESTORE, "a ticket row's '%s' is not an integer", key);
}

int http_ticket_from_row(garant_ticket *out, const json_t *row)
{
    memset(out, 0, sizeof *out);
    int64_t prio = 0, initial = 0;
    int rc = row_int(&out->id, row, "id", -1);
    if (!rc) rc = row_int(&out->org_id, row, "org_id", -1);
    if (!rc) rc = row_int(&out->requester_id, row, "requester_id", -1);
    if (!rc) rc = row_int(&prio, row, "priority", -1);
    if (!rc) rc = row_int(&initial, row, "initial_priority", -1);
    if (!rc) rc = row_int(&out->submitted_at, row, "submitted_at", -1);
    if (!rc) rc = row_int(&out->first_response_due, row, "first_response_due", GARANT_NO_DUE);
    if (!rc) rc = row_int(&out->warn_at, row, "warn_at", GARANT_NO_DUE);
    if (!rc) rc = row_int(&out->first_response_at, row, "first_response_at", 0);
    if (!rc) rc = row_int(&out->policy_version, row, "policy_version", 0);
    if (!rc) rc = row_int(&out->breached_at, row, "breached_at", 0);
    if (!rc) rc = row_int(&out->awaiting_since, row, "awaiting_reply_since", 0);
    if (!rc) rc = row_int(&out->follow_up_of, row, "follow_up_of", 0);
    if (!rc) rc = row_int(&out->updated_at, row, "updated_at", 0);
    if (!rc) rc = row_text(out->subject, sizeof out->subject, row, "subject", 1);
    if (!rc) rc = row_text(out->plan, sizeof out->plan, row, "plan", 1);
    if (!rc) rc = row_text(out->product, sizeof out->product, row, "product", 0);
    if (!rc) rc = row_text(out->stage, sizeof out->stage, row, "stage", 0);
    if (!rc) rc = row_text(out->environment, sizeof out->environment, row, "environment", 1);
    if (!rc) rc = row_text(out->impact, sizeof out->impact, row, "impact", 0);
    if (!rc) rc = row_text(out->status, sizeof out->status, row, "status", 1);
    out->priority = (int)prio;
    out->initial_priority = (int)initial;
    return rc;
}

/* A store row already holds the ticket's own fields under the API's names:
** it is completed in place rather than copied, which keeps a page of the
** queue to a few allocations per ticket. */
int http_ticket_rows(json_t **out, garant_store_conn *c, garant_server *srv, json_t *rows, int64_t now)
{
    *out = NULL;
    int rc = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        garant_ticket t;
        rc = http_ticket_from_row(&t, row);
        if (!rc) rc = add_derived(row, c, http_ticket_policy(srv, c, t.policy_version), &t, now);
        if (rc) break;
    }
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = rows;
    return 0;
}
