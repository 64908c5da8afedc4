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
    /* Quoted as it is: "YYYY-MM-DDTHH:MM:SSZ" has nothing to escape. */
    char buf[GARANT_RFC3339_UTC_LEN + 2];
    if (!instant_text(buf + 1, t)) return http_text_add(b, "null", 4);
    buf[0] = '"';
    buf[GARANT_RFC3339_UTC_LEN] = '"';
    return http_text_add(b, buf, GARANT_RFC3339_UTC_LEN + 1);
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

/* What a ticket's "sla" object says at now (tickets.h), computed once for
** either writer (sla_json, sla_text). Never fails for want of a plan the
** policy no longer knows: the state then rests on the stored instants
** alone and the explanation says what is missing. */
typedef struct sla_view {
    const char *state;
    const char *target_text;  /* NULL: null (terms unknown) */
    const char *kind;         /* "none", "24/7", "business" */
    int has_target;           /* target_s and, if business, calendar */
    int64_t target_s;
    const char *calendar;     /* NULL: null */
    int has_remaining;
    int64_t remaining_s;      /* remaining_business_seconds */
    int64_t clock_start;      /* GARANT_NO_DUE: null */
    const char *explanation;  /* into one of the buffers below, or ex */
    garant_explanation *ex;   /* free with sla_view_done */
    char text[96], remaining[96], reason[256];
} sla_view;

static void sla_view_compute(sla_view *v, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                             int64_t now)
{
    garant_ticket_terms terms = desk_ticket_terms(t, t->priority);
    int64_t due = t->first_response_due;
    v->state = desk_ticket_sla_state(t, now);
    v->target_text = NULL;
    v->kind = "none";
    v->has_target = 0;
    v->calendar = NULL;
    v->has_remaining = 0;
    v->clock_start = GARANT_NO_DUE;
    v->ex = NULL;
    garant_target target;
    int known = garant_policy_target(&target, pol, &terms) == 0;
    /* target and remaining in the reader's language, as the explanation;
    ** target_kind stays the API's word. */
    const garant_words *words = desk_words();
    if (known) v->target_text = garant_target_format_in(v->text, sizeof v->text, &target, words);
    if (known && target.kind != GARANT_TARGET_NONE) {
        v->kind = target.kind == GARANT_TARGET_WALL ? "24/7" : "business";
        v->has_target = 1;
        v->target_s = target.seconds;
        if (target.kind == GARANT_TARGET_BUSINESS) v->calendar = garant_calendar_name(target.cal);
    }
    /* Remaining target time: at now while awaiting, at the first response
    ** once answered. */
    if (due != GARANT_NO_DUE) {
        int business;
        desk_ticket_remaining(&v->remaining_s, &business, pol, t, due, t->first_response_at ? t->first_response_at : now);
        garant_lateness_format_in(v->remaining, sizeof v->remaining, v->remaining_s, business, words);
        v->has_remaining = 1;
    }
    /* The explanation. */
    if (!known) {
        snprintf(v->reason, sizeof v->reason,
                 garant__tr("policy version %lld has no terms for plan '%s', priority %d, stage '%s'"),
                 (long long)t->policy_version, terms.plan, terms.priority, terms.stage);
        v->explanation = v->reason;
    } else if (due == GARANT_NO_DUE) {
        v->explanation = garant_policy_no_guarantee_reason_in(v->reason, sizeof v->reason, pol, &terms, words);
    } else {
        int64_t start;
        int prio;
        desk_ticket_clock_source(&start, &prio, c, pol, t);
        garant_ticket_terms src = desk_ticket_terms(t, prio);
        v->clock_start = start;
        if (desk_ticket_explain(&v->ex, pol, &src, start, due) == 0) {
            v->explanation = garant_explanation_text(v->ex);
        } else {
            snprintf(v->reason, sizeof v->reason, garant__tr("the deadline cannot be explained: %s"), garant_error_last());
            v->explanation = v->reason;
        }
    }
    if (!v->explanation) v->explanation = "";
}

static void sla_view_done(sla_view *v) { garant_explanation_free(v->ex); }

/* A JSON string, or null for NULL. New reference; NULL only for want of
** memory. */
static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* The "sla" object as a jansson tree. Caller owns *out. */
static int sla_json(json_t **out, const sla_view *v)
{
    json_t *o = json_object();
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory building the ticket's JSON");
    int rc = put(o, "state", json_string(v->state));
    if (!rc) rc = put(o, "target", string_or_null(v->target_text));
    if (!rc) rc = put(o, "target_kind", json_string(v->kind));
    if (!rc) rc = put(o, "target_seconds", v->has_target ? json_integer(v->target_s) : json_null());
    if (!rc) rc = put(o, "calendar", string_or_null(v->calendar));
    if (!rc) rc = put(o, "remaining_business_seconds", v->has_remaining ? json_integer(v->remaining_s) : json_null());
    if (!rc) rc = put(o, "remaining", v->has_remaining ? json_string(v->remaining) : json_null());
    if (!rc) rc = put(o, "clock_start", http_time_json(v->clock_start));
    if (!rc) rc = put(o, "explanation", json_string(v->explanation));
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* The fields computed from the record, set on o: instants as RFC 3339,
** the product as null when none, the priority's name and "sla". */
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
    if (!rc) {
        sla_view v;
        sla_view_compute(&v, c, pol, t, now);
        rc = sla_json(&sla, &v);
        sla_view_done(&v);
    }
    if (!rc) rc = put(o, "sla", sla);
    return rc;
}

int http_ticket_json(json_t **out, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                     int64_t now)
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
    if (!rc) {
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

/* ---- a list's rows, written as JSON text ------------------------------ */

/* Append a literal. */
#define TEXT_LIT(b, lit) http_text_add((b), (lit), sizeof(lit) - 1)

/* A decimal integer, without printf's format engine: a page writes some
** fifteen a ticket. */
static int text_int(http_text *b, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return http_text_add(b, p, (size_t)(buf + sizeof buf - p));
}

/* An id, or null for 0 (none). */
static int text_id(http_text *b, int64_t v) { return v ? text_int(b, v) : TEXT_LIT(b, "null"); }

/* A string, or null for NULL. */
static int text_str(http_text *b, const char *s) { return s ? http_text_json_string(b, s) : TEXT_LIT(b, "null"); }

/* The "sla" object as JSON text, as sla_json writes it. */
static int sla_text(http_text *b, const sla_view *v)
{
    int rc = TEXT_LIT(b, "{\"state\":");
    if (!rc) rc = http_text_json_string(b, v->state);
    if (!rc) rc = TEXT_LIT(b, ",\"target\":");
    if (!rc) rc = text_str(b, v->target_text);
    if (!rc) rc = TEXT_LIT(b, ",\"target_kind\":");
    if (!rc) rc = http_text_json_string(b, v->kind);
    if (!rc) rc = TEXT_LIT(b, ",\"target_seconds\":");
    if (!rc) rc = v->has_target ? text_int(b, v->target_s) : TEXT_LIT(b, "null");
    if (!rc) rc = TEXT_LIT(b, ",\"calendar\":");
    if (!rc) rc = text_str(b, v->calendar);
    if (!rc) rc = TEXT_LIT(b, ",\"remaining_business_seconds\":");
    if (!rc) rc = v->has_remaining ? text_int(b, v->remaining_s) : TEXT_LIT(b, "null");
    if (!rc) rc = TEXT_LIT(b, ",\"remaining\":");
    if (!rc) rc = text_str(b, v->has_remaining ? v->remaining : NULL);
    if (!rc) rc = TEXT_LIT(b, ",\"clock_start\":");
    if (!rc) rc = text_time(b, v->clock_start);
    if (!rc) rc = TEXT_LIT(b, ",\"explanation\":");
    if (!rc) rc = http_text_json_string(b, v->explanation);
    if (!rc) rc = TEXT_LIT(b, "}");
    return rc;
}

int http_ticket_row_text(http_text *b, garant_store_conn *c, const garant_policy *pol, const garant_ticket_row *row,
                         int64_t now, int staff)
{
    const garant_ticket *t = &row->t;
    const char *pname = garant_policy_priority_name(pol, t->priority);
    int rc = TEXT_LIT(b, "{\"id\":");
    if (!rc) rc = text_int(b, t->id);
    if (!rc) rc = TEXT_LIT(b, ",\"org_id\":");
    if (!rc) rc = text_int(b, t->org_id);
    if (!rc) rc = TEXT_LIT(b, ",\"org_name\":");
    if (!rc) rc = http_text_json_string(b, row->org_name);
    if (!rc) rc = TEXT_LIT(b, ",\"requester_id\":");
    if (!rc) rc = text_int(b, t->requester_id);
    if (!rc) rc = TEXT_LIT(b, ",\"requester_name\":");
    if (!rc) rc = http_text_json_string(b, row->requester_name);
    if (!rc) rc = TEXT_LIT(b, ",\"requester_email\":");
    if (!rc) rc = http_text_json_string(b, row->requester_email);
    if (!rc) rc = TEXT_LIT(b, ",\"subject\":");
    if (!rc) rc = http_text_json_string(b, t->subject);
    if (!rc) rc = TEXT_LIT(b, ",\"priority\":");
    if (!rc) rc = text_int(b, t->priority);
    if (!rc) rc = TEXT_LIT(b, ",\"initial_priority\":");
    if (!rc) rc = text_int(b, t->initial_priority);
    if (!rc) rc = TEXT_LIT(b, ",\"plan\":");
    if (!rc) rc = http_text_json_string(b, t->plan);
    if (!rc) rc = TEXT_LIT(b, ",\"product\":");
    if (!rc) rc = text_str(b, t->product[0] ? t->product : NULL);
    if (!rc) rc = TEXT_LIT(b, ",\"stage\":");
    if (!rc) rc = http_text_json_string(b, t->stage[0] ? t->stage : "ga");
    if (!rc) rc = TEXT_LIT(b, ",\"environment\":");
    if (!rc) rc = http_text_json_string(b, t->environment);
    if (!rc) rc = TEXT_LIT(b, ",\"impact\":");
    if (!rc) rc = http_text_json_string(b, t->impact);
    if (!rc) rc = TEXT_LIT(b, ",\"status\":");
    if (!rc) rc = http_text_json_string(b, t->status);
    if (!rc) rc = TEXT_LIT(b, ",\"submitted_at\":");
    if (!rc) rc = text_time(b, t->submitted_at);
    if (!rc) rc = TEXT_LIT(b, ",\"first_response_due\":");
    if (!rc) rc = text_time(b, t->first_response_due);
    if (!rc) rc = TEXT_LIT(b, ",\"warn_at\":");
    if (!rc) rc = text_time(b, t->warn_at);
    if (!rc) rc = TEXT_LIT(b, ",\"first_response_at\":");
    if (!rc) rc = text_time(b, t->first_response_at);
    if (!rc) rc = TEXT_LIT(b, ",\"policy_version\":");
    if (!rc) rc = text_id(b, t->policy_version);
    if (!rc) rc = TEXT_LIT(b, ",\"breached_at\":");
    if (!rc) rc = text_time(b, t->breached_at);
    if (!rc) rc = TEXT_LIT(b, ",\"awaiting_reply_since\":");
    if (!rc) rc = text_time(b, t->awaiting_since);
    if (!rc) rc = TEXT_LIT(b, ",\"follow_up_of\":");
    if (!rc) rc = text_id(b, t->follow_up_of);
    /* The assignment and the last update are the desk's own (staff only). */
    if (!rc && staff) {
        rc = TEXT_LIT(b, ",\"assignee_id\":");
        if (!rc) rc = text_id(b, t->assignee_id);
        if (!rc) rc = TEXT_LIT(b, ",\"assignee_name\":");
        if (!rc) rc = text_str(b, t->assignee_id && row->assignee_name[0] ? row->assignee_name : NULL);
        if (!rc) rc = TEXT_LIT(b, ",\"group_id\":");
        if (!rc) rc = text_id(b, t->group_id);
        if (!rc) rc = TEXT_LIT(b, ",\"group_name\":");
        if (!rc) rc = text_str(b, t->group_id && row->group_name[0] ? row->group_name : NULL);
        if (!rc) rc = TEXT_LIT(b, ",\"updated_at\":");
        if (!rc) rc = text_time(b, t->updated_at ? t->updated_at : t->submitted_at);
    }
    if (!rc) rc = TEXT_LIT(b, ",\"priority_name\":");
    if (!rc) rc = text_str(b, pname);
    if (!rc) rc = TEXT_LIT(b, ",\"sla\":");
    if (!rc) {
        sla_view v;
        sla_view_compute(&v, c, pol, t, now);
        rc = sla_text(b, &v);
        sla_view_done(&v);
    }
    if (!rc) rc = TEXT_LIT(b, "}");
    return rc ? garant__error(GARANT_ENOMEM, "out of memory writing the ticket list's JSON") : 0;
}

/* ---- a page of a list ------------------------------------------------- */

int http_ticket_page_begin(http_ticket_page *p, garant_store_conn *c, garant_server *srv, int64_t now, int staff,
                           int limit)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->srv = srv;
    p->now = now;
    p->staff = staff;
    p->pol_version = -1;
    /* Room for the whole page at once: some 1.5 KB a ticket. */
    if (garant__grow((void **)&p->b.s, &p->b.cap, 256 + (size_t)(limit > 0 ? limit : 1) * 2048, 1) != 0 ||
        TEXT_LIT(&p->b, "{\"tickets\":[") != 0)
        return garant__error(GARANT_ENOMEM, "out of memory");
    return 0;
}

int http_ticket_page_row(void *ctx, const garant_ticket_row *row)
{
    http_ticket_page *p = ctx;
    /* A page's tickets are mostly of one policy version: looked up once. */
    if (row->t.policy_version != p->pol_version) {
        p->pol = http_ticket_policy(p->srv, p->c, row->t.policy_version);
        p->pol_version = row->t.policy_version;
    }
    int rc = p->n ? TEXT_LIT(&p->b, ",") : 0;
    if (!rc) rc = http_ticket_row_text(&p->b, p->c, p->pol, row, p->now, p->staff);
    if (rc) return rc;
    p->n++;
    p->last_id = row->t.id;
    p->last_due = row->t.first_response_due;
    p->last_since = row->t.awaiting_since;
    return 0;
}

int http_ticket_page_end(char **out, http_ticket_page *p, const char *next)
{
    *out = NULL;
    int rc = TEXT_LIT(&p->b, "],\"next\":");
    if (!rc) rc = text_str(&p->b, next);
    if (!rc) rc = TEXT_LIT(&p->b, ",\"count\":");
    if (!rc) rc = text_int(&p->b, p->n);
    if (!rc) rc = TEXT_LIT(&p->b, "}");
    if (rc) {
        http_ticket_page_free(p);
        return garant__error(GARANT_ENOMEM, "out of memory");
    }
    *out = p->b.s;
    p->b.s = NULL;
    return 0;
}

void http_ticket_page_free(http_ticket_page *p)
{
    free(p->b.s);
    p->b.s = NULL;
}
