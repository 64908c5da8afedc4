/*
** tickets.c - the desk's rules for tickets (desk_tickets.h).
**
** Every write reads the ticket again on the write connection and computes
** with the policy in force at that moment (a policy change swaps it inside
** the writer), so a deadline is never computed from a stale ticket or a
** retired policy. The history is append-only: nothing here edits or
** deletes an event, and the store's triggers refuse it anyway.
**
** Environment: a ticket filed without one is for "production"; P1 and P2
** (in general: priorities whose `environments` exclude the ticket's) are
** refused for staging and development with the priority's definition as
** the reason. An agent's reclassification is not bound by that rule:
** agents judge the impact.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "garant/error_wrap.h"
#include "desk_groups.h"
#include "desk_tickets.h"
#include "desk_attachments.h"

/* snprintf(dst, size, "%s", src) without printf's format engine, for the
** fields copied on every ticket filed, on the writer's thread. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* An instant for a history event's data: RFC 3339 UTC, or null for none
** (GARANT_NO_DUE, or 0: not yet). Caller owns (NULL if out of memory). */
static json_t *event_time(int64_t t)
{
    char buf[GARANT_RFC3339_UTC_LEN];
    return t == GARANT_NO_DUE || t == 0 ? json_null() : json_string(garant_time_format_utc(buf, t));
}

/* Set key to value on o, taking ownership of value; GARANT_ENOMEM if
** either is missing. */
static int put(json_t *o, const char *key, json_t *value)
{
    if (!value || json_object_set_new(o, key, value) != 0)
        return garant__error(GARANT_ENOMEM, "out of memory building a history event");
    return 0;
}

static int is_staff(const garant_user *u) { return u->role != GARANT_ROLE_CUSTOMER; }

/* ---- filing ------------------------------------------------------------------ */

/* The customer an agent files for: an address or a decimal id naming an
** active customer. */
static int filing_requester(garant_store_conn *w, desk_filing *j)
{
    const char *s = j->requester;
    garant_user u;
    int rc;
    size_t n = strlen(s), digits = strspn(s, "0123456789");
    if (n && digits == n && n <= 18) {
        long long id = strtoll(s, NULL, 10);
        rc = GS(w)->accounts->user_get(w, id, &u);
    } else {
        char email[GARANT_MAX_EMAIL + 1];
        size_t k;
        for (k = 0; k < n && k < GARANT_MAX_EMAIL; k++)
            email[k] = (s[k] >= 'A' && s[k] <= 'Z') ? (char)(s[k] - 'A' + 'a') : s[k];
        email[k] = '\0';
        rc = GS(w)->accounts->user_by_email(w, email, &u);
    }
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "'requester': there is no customer '%.254s'", s);
    if (rc) return rc;
    if (u.role != GARANT_ROLE_CUSTOMER || !u.org_id)
        return garant__error(GARANT_EINVAL, "'requester': %s is not a customer", u.email);
    if (u.deactivated_at) return garant__error(GARANT_EINVAL, "'requester': %s is deactivated", u.email);
    /* She could not see the ticket filed for her. */
    if (u.approval == GARANT_APPROVAL_PENDING || u.approval == GARANT_APPROVAL_REFUSED)
        return garant__error(GARANT_EINVAL, "'requester': %s waits for their organization's manager to approve them",
                             u.email);
    j->t.requester_id = u.id;
    j->t.org_id = u.org_id;
    return 0;
}

int desk_file_write(garant_store_conn *w, void *ctx)
{
    desk_filing *j = ctx;
    garant_ticket *t = &j->t;
    garant_org org;
    int rc = j->requester ? filing_requester(w, j) : 0;
    if (rc) return rc;
    rc = GS(w)->accounts->org_get(w, t->org_id, &org);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_EINVAL, "your account belongs to no organization");
    if (rc) return rc;
    copy(t->plan, sizeof t->plan, org.plan);
    copy(t->stage, sizeof t->stage, "ga");
    if (j->product[0]) {
        garant_product p;
        rc = GS(w)->accounts->product_by_name(w, j->product, &p);
        if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_EINVAL, "unknown product '%.200s'", j->product);
        if (rc) return rc;
        copy(t->product, sizeof t->product, p.name);
        copy(t->stage, sizeof t->stage, p.stage);
    }
    if (t->follow_up_of) {
        /* Only a closed ticket the requester may read is followed up
        ** (desk_ticket_scope: her organization's, or her own). */
        garant_ticket prev;
        garant_user req;
        desk_scope scope = {0};
        rc = GS(w)->accounts->user_get(w, t->requester_id, &req);
        if (!rc) rc = desk_ticket_scope(&scope, w, &req);
        if (!rc) rc = GS(w)->tickets->get(w, t->follow_up_of, &prev);
        if (rc == GARANT_ENOTFOUND || (!rc && (prev.org_id != t->org_id || !desk_scope_holds(&scope, &prev))))
            return garant__error(GARANT_EINVAL, "'follow_up_of': there is no ticket #%lld of yours",
                                 (long long)t->follow_up_of);
        if (rc) return rc;
        if (strcmp(prev.status, "closed") != 0)
            return garant__error(GARANT_EINVAL,
                                 "'follow_up_of': ticket #%lld is %s, not closed: reply on it instead",
                                 (long long)prev.id, prev.status);
    }
    j->pol = desk_policy_current(j->desk, &t->policy_version);
    if ((rc = desk_initial_deadline(j->pol, t))) return rc;
    if ((rc = desk_route_new_ticket(w, t))) return rc;
    /* The insert is also the history's 'created' event (store_tickets.h). */
    if ((rc = GS(w)->tickets->insert(w, t, j->body))) return rc;
    if ((rc = desk_attachments_link(w, j->desk, t->requester_id, t->id, 0, 0, j->files, j->nfiles))) return rc;
    return desk_attachment_link_audit(w, t->requester_id, t->id, 0, j->audit_file);
}

/* ---- changing a ticket ------------------------------------------------------ */

/* Change t's priority (0: unchanged; with reason) and/or status (NULL:
** unchanged) on w, recorded by who. A change t has already is refused
** (GARANT_EINVAL), or with skip_same left out. *changed is 1 if anything
** was written. */
static int change_on(garant_store_conn *w, garant_desk *d, const desk_actor *who, const garant_ticket *tp,
                     int priority, const char *status, const char *reason, int skip_same, int *changed)
{
    garant_ticket t = *tp;
    int rc = 0;
    *changed = 0;
    if (priority && priority == t.priority && skip_same) priority = 0;
    if (status && !strcmp(status, t.status) && skip_same) status = NULL;
    if (priority) {
        /* Counted under the version the ticket was filed under. */
        const garant_policy *pol;
        if ((rc = desk_policy_version(&pol, d, w, t.policy_version))) return rc;
        if (priority == t.priority)
            return garant__error(GARANT_EINVAL, "ticket %lld is priority %d already", (long long)t.id, t.priority);
        int64_t due, warn;
        if ((rc = desk_check_priority(pol, priority)) ||
            (rc = desk_reclassified(pol, &t, priority, who->now, &due, &warn)))
            return rc;
        if ((rc = GS(w)->tickets->set_priority(w, t.id, priority))) return rc;
        if ((due != t.first_response_due || warn != t.warn_at) &&
            (rc = GS(w)->tickets->set_deadline(w, t.id, due, warn)))
            return rc;
        json_t *data = json_pack("{s:i,s:i,s:s,s:o,s:o}", "from", t.priority, "to", priority, "reason", reason,
                                 "old_due", event_time(t.first_response_due), "new_due", event_time(due));
        if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the change");
        garant_event_in ev = {t.id, who->now, who->user->id, "priority_changed", data};
        rc = GS(w)->tickets->append_event(w, &ev);
        json_decref(data);
        if (rc) return rc;
        *changed = 1;
    }
    if (status) {
        if (!strcmp(status, t.status))
            return garant__error(GARANT_EINVAL, "ticket %lld is %s already", (long long)t.id, t.status);
        if ((rc = GS(w)->tickets->set_status(w, t.id, status))) return rc;
        /* Pending waits for the customer; solved and closed for no one. */
        if (t.awaiting_since && strcmp(status, "open") != 0 && (rc = GS(w)->tickets->set_awaiting(w, t.id, 0)))
            return rc;
        json_t *data = json_pack("{s:s,s:s,s:o}", "from", t.status, "to", status, "reason",
                                 reason ? json_string(reason) : json_null());
        if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the change");
        garant_event_in ev = {t.id, who->now, who->user->id, "status_changed", data};
        rc = GS(w)->tickets->append_event(w, &ev);
        json_decref(data);
        if (!rc) *changed = 1;
    }
    return rc;
}

typedef struct patch_job {
    garant_desk *desk;
    const desk_actor *who;
    int64_t id;
    int priority;          /* 0 = unchanged */
    const char *status;    /* NULL = unchanged */
    const char *reason;    /* NULL if none */
} patch_job;

static int patch_write(garant_store_conn *w, void *ctx)
{
    patch_job *j = ctx;
    garant_ticket t;
    int rc = GS(w)->tickets->get(w, j->id, &t);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "ticket %lld not found", (long long)j->id);
    if (rc) return rc;
    int changed;
    return change_on(w, j->desk, j->who, &t, j->priority, j->status, j->reason, 0, &changed);
}

int desk_ticket_change(garant_desk *d, const desk_actor *who, int64_t id, int priority, const char *status,
                       const char *reason)
{
    patch_job j = {d, who, id, priority, status, reason};
    int rc = desk_write(d, patch_write, &j, DESK_WRITE_SAVEPOINT);
    /* Its mail (notify.c) is built from the committed event: now, not at
    ** the sender's next tick. */
    if (!rc) desk_mail_wake(d);
    return rc;
}

/* ---- many tickets at once -------------------------------------------------- */

typedef struct bulk_job {
    garant_desk *desk;
    const desk_actor *who;
    const desk_bulk *b;
    desk_bulk_result *out;
    int any;               /* something changed */
} bulk_job;

/* A refusal of one ticket of a bulk change, naming it unless the
** message does already. */
static int bulk_refusal(int rc, int64_t id)
{
    const char *msg = garant_error_last();
    if (!strncmp(msg, "ticket ", 7)) return rc;
    char why[400];
    snprintf(why, sizeof why, "%s", msg);
    return garant__error(rc, "ticket %lld: %s", (long long)id, why);
}

/* Every ticket in turn, in the job's savepoint: the first refusal returns
** and the writer rolls back what the tickets before it wrote. */
static int bulk_write(garant_store_conn *w, void *ctx)
{
    bulk_job *j = ctx;
    const desk_bulk *b = j->b;
    for (size_t i = 0; i < b->n; i++) {
        garant_ticket t;
        int64_t id = b->ids[i];
        int rc = GS(w)->tickets->get(w, id, &t);
        if (rc == GARANT_ENOTFOUND)
            return garant__error(GARANT_EINVAL, "ticket %lld not found: nothing was changed", (long long)id);
        if (rc) return rc;
        int assigned = 0, changed = 0;
        if (b->set_assignee || b->set_group) {
            rc = desk_ticket_assign_on(w, j->who, &t, b->set_assignee, b->assignee_id, b->set_group, b->group_id, 1,
                                       &assigned);
            if (rc) return bulk_refusal(rc, id);
        }
        if (b->priority || b->status) {
            rc = change_on(w, j->desk, j->who, &t, b->priority, b->status, b->reason, 1, &changed);
            if (rc) return bulk_refusal(rc, id);
        }
        if ((rc = GS(w)->tickets->get(w, id, &j->out[i].t))) return rc;
        j->out[i].changed = assigned || changed;
        j->any = j->any || assigned || changed;
    }
    return 0;
}

int desk_tickets_bulk(desk_bulk_result *out, garant_desk *d, const desk_actor *who, const desk_bulk *b)
{
    if (b->n < 1 || b->n > DESK_BULK_MAX)
        return garant__error(GARANT_EINVAL, "'ids' must name 1 to %d tickets (got %zu)", DESK_BULK_MAX, b->n);
    for (size_t i = 0; i < b->n; i++)
        for (size_t k = 0; k < i; k++)
            if (b->ids[k] == b->ids[i])
                return garant__error(GARANT_EINVAL, "'ids' names ticket %lld twice", (long long)b->ids[i]);
    if (!b->set_assignee && !b->set_group && !b->priority && !b->status)
        return garant__error(GARANT_EINVAL, "nothing to change: give 'priority' (with 'reason'), 'status', "
                                            "'assignee_id' or 'group_id'");
    if (b->priority && !b->reason)
        return garant__error(GARANT_EINVAL, "'reason' is required to change the priority: say why, for the history");
    bulk_job j = {d, who, b, out, 0};
    int rc = desk_write(d, bulk_write, &j, DESK_WRITE_SAVEPOINT);
    if (!rc && j.any) desk_mail_wake(d);
    return rc;
}

/* ---- replying ------------------------------------------------------------------ */

typedef struct reply_job {
    garant_desk *desk;
    const desk_actor *who;
    int64_t id;
    const char *body;
    int public_;
    int64_t reply_id;
    int first;             /* this reply stopped the first-response clock */
    const int64_t *files;  /* staged uploads to put on the reply */
    size_t nfiles;
    int64_t audit_file;    /* a mail's original, internal; 0 none */
    desk_mail_staged *mail; /* a mailed reply's files, some perhaps held
                            ** for this write; NULL otherwise */
} reply_job;

/* Target time taken by the first response, for its history event: business
** seconds on the target's calendar (on the display calendar for a 24/7 or
** no target), and wall seconds. */
static int first_response_event(garant_store_conn *w, garant_desk *d, const desk_actor *who, const garant_ticket *t)
{
    const garant_policy *pol = desk_ticket_policy(d, w, t->policy_version);
    garant_ticket_terms terms = desk_ticket_terms(t, t->priority);
    garant_target target;
    int64_t business = 0;
    int rc = garant_policy_target(&target, pol, &terms);
    if (!rc && target.kind == GARANT_TARGET_BUSINESS) {
        rc = garant_clock_elapsed(&business, pol, &terms, t->submitted_at, who->now);
    } else {
        const garant_calendar *cal = garant_policy_display_calendar(pol);
        rc = cal ? garant_calendar_elapsed(&business, cal, t->submitted_at, who->now) : 0;
    }
    if (rc) business = 0; /* the response is recorded all the same */
    int64_t due = t->first_response_due;
    /* A breach the monitor recorded stays one (docs/SLA.md). */
    int met = who->now <= due && !t->breached_at;
    json_t *data = json_pack("{s:o,s:I,s:I,s:o,s:I}", "met", due == GARANT_NO_DUE ? json_null() : json_boolean(met),
                             "business_seconds", (json_int_t)business, "wall_seconds",
                             (json_int_t)(who->now - t->submitted_at), "due", event_time(due), "priority",
                             (json_int_t)t->priority);
    if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the first response");
    garant_event_in ev = {t->id, who->now, who->user->id, "first_response", data};
    rc = GS(w)->tickets->append_event(w, &ev);
    json_decref(data);
    return rc;
}

/* A customer's message moves the ticket back to the desk: a pending ticket
** (waiting for them) opens again, a solved one reopens, and once the
** first response is given it waits in the queue as a follow-up. Recorded
** as a status_changed event by the customer. */
static int customer_replied(garant_store_conn *w, const desk_actor *who, const garant_ticket *t)
{
    int rc = 0;
    int was_solved = !strcmp(t->status, "solved");
    if (was_solved || !strcmp(t->status, "pending")) {
        if ((rc = GS(w)->tickets->set_status(w, t->id, "open"))) return rc;
        json_t *data = json_pack("{s:s,s:s,s:s}", "from", t->status, "to", "open", "reason",
                                 was_solved ? "reopened: the customer replied" : "the customer replied");
        if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the change");
        garant_event_in ev = {t->id, who->now, who->user->id, "status_changed", data};
        rc = GS(w)->tickets->append_event(w, &ev);
        json_decref(data);
        if (rc) return rc;
    }
    /* Without a first response it is in the queue already, by its deadline. */
    if (t->first_response_at && !t->awaiting_since)
        rc = GS(w)->tickets->set_awaiting(w, t->id, who->now);
    return rc;
}

static int reply_write(garant_store_conn *w, void *ctx)
{
    reply_job *j = ctx;
    const desk_actor *who = j->who;
    garant_ticket t;
    int rc = desk_ticket_visible(&t, w, who, j->id);
    if (rc) return rc;
    if (!strcmp(t.status, "closed"))
        return garant__error(GARANT_ECONFLICT,
                             "ticket #%lld is closed and takes no reply: file a new ticket with "
                             "'follow_up_of': %lld to continue",
                             (long long)t.id, (long long)t.id);
    if (j->mail) { /* the files it held are stored here: one write a mail */
        if ((rc = desk_attachments_store_held(w, j->mail))) return rc;
        j->files = j->mail->ids;
        j->nfiles = j->mail->n;
        j->audit_file = j->mail->eml;
    }
    rc = GS(w)->tickets->reply_insert(w, t.id, who->user->id, j->body, j->public_, who->now, &j->reply_id);
    if (rc) return rc;
    if (j->nfiles && (rc = desk_attachments_link(w, j->desk, who->user->id, t.id, j->reply_id, !j->public_,
                                                 j->files, j->nfiles)))
        return rc;
    if ((rc = desk_attachment_link_audit(w, who->user->id, t.id, j->reply_id, j->audit_file))) return rc;
    json_t *data = json_pack("{s:I,s:b,s:s}", "reply_id", (json_int_t)j->reply_id, "public", j->public_, "role",
                             garant_role_name(who->user->role));
    if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the reply");
    garant_event_in ev = {t.id, who->now, who->user->id, j->public_ ? "replied" : "noted", data};
    rc = GS(w)->tickets->append_event(w, &ev);
    json_decref(data);
    if (rc) return rc;
    if (!is_staff(who->user)) return customer_replied(w, who, &t);
    /* Only a public answer by staff is a response; notes and the customer's
    ** own messages leave the clock running. It answers a follow-up too. */
    if (j->public_ && t.awaiting_since && (rc = GS(w)->tickets->set_awaiting(w, t.id, 0))) return rc;
    if (j->public_ && !t.first_response_at) {
        rc = GS(w)->tickets->set_first_response(w, t.id, who->now);
        if (rc) return rc;
        j->first = 1;
        rc = first_response_event(w, j->desk, who, &t);
    }
    return rc;
}

int desk_ticket_reply(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who, int64_t id,
                      const char *body, int public_)
{
    return desk_ticket_reply_files(out_reply_id, out_first, d, who, id, body, public_, NULL, 0, 0);
}

int desk_ticket_reply_files(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who,
                            int64_t id, const char *body, int public_, const int64_t *ids, size_t n,
                            int64_t audit_file)
{
    reply_job j = {d, who, id, body, public_, 0, 0, ids, n, audit_file, NULL};
    int rc = desk_write(d, reply_write, &j, DESK_WRITE_SAVEPOINT);
    if (!rc && public_) desk_mail_wake(d);
    *out_reply_id = j.reply_id;
    *out_first = j.first;
    return rc;
}

int desk_ticket_reply_mail(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who, int64_t id,
                           const char *body, desk_mail_staged *files)
{
    reply_job j = {d, who, id, body, 1, 0, 0, NULL, 0, 0, files};
    int rc = desk_write(d, reply_write, &j, DESK_WRITE_SAVEPOINT);
    if (!rc) desk_mail_wake(d);
    *out_reply_id = j.reply_id;
    *out_first = j.first;
    return rc;
}

/* ---- corrections of open tickets (docs/SLA.md) ------------------------ */

typedef struct correct_ctx {
    const garant_policy *pol;
    int64_t version;
    size_t max_listed;
    int keep_plan;
    desk_correction *out;
} correct_ctx;

/* Ordering of two deadlines for the customer: -1 earlier, 0 same, 1 later
** (no deadline is the latest of all). */
static int later(int64_t new_due, int64_t old_due)
{
    if (new_due == old_due) return 0;
    if (new_due == GARANT_NO_DUE) return 1;
    if (old_due == GARANT_NO_DUE) return -1;
    return new_due > old_due ? 1 : -1;
}

/* The stage a ticket is counted under on the correction's version: its
** product's stage there, else its own. Borrowed from x's stages or t. */
static const char *stage_under(const correct_ctx *x, const garant_ticket *t)
{
    const char *own = t->stage[0] ? t->stage : "ga";
    for (size_t i = 0; t->product[0] && i < x->out->nstages; i++)
        if (!strcmp(x->out->stages[i].product, t->product)) return x->out->stages[i].stage;
    return own;
}

static int plan_one(void *ctxp, const garant_ticket *t, const garant_priority_change *ch, size_t n)
{
    correct_ctx *x = ctxp;
    desk_correction *o = x->out;
    o->examined++;
    if (t->policy_version == x->version) return 0;
    garant_ticket_terms initial = desk_ticket_terms(t, t->initial_priority);
    const char *own = initial.stage, *stage = stage_under(x, t);
    int restaged = strcmp(stage, own) != 0;
    initial.stage = stage;
    garant_clock_state st;
    int rc = garant_clock_history(&st, x->pol, &initial, t->submitted_at, ch, n);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", garant_error_last());
        return garant__error(GARANT_EINVAL,
                             "open ticket #%lld (plan '%s', priority %d, stage '%s') cannot be counted under "
                             "policy version %lld: %s",
                             (long long)t->id, t->plan, t->priority, initial.stage, (long long)x->version, why);
    }
    int64_t due = st.due_s, warn = st.warn_s;
    int dir = later(due, t->first_response_due);
    o->moved += dir != 0;
    o->earlier += dir < 0;
    o->later += dir > 0;
    if ((dir || restaged) && o->nmoves < x->max_listed) {
        desk_correction_move *m = &o->moves[o->nmoves++];
        *m = (desk_correction_move){t->id, t->policy_version, t->first_response_due, due, t->breached_at != 0, "", ""};
        if (restaged) {
            snprintf(m->old_stage, sizeof m->old_stage, "%s", own);
            snprintf(m->new_stage, sizeof m->new_stage, "%s", stage);
        }
    }
    if (!x->keep_plan) return 0;
    if (garant__grow((void **)&o->plan, &o->plan_cap, o->nplan + 1, sizeof *o->plan) != 0)
        return garant__error(GARANT_ENOMEM, "out of memory planning a correction of %zu tickets", o->nplan + 1);
    desk_correction_step *p = &o->plan[o->nplan++];
    *p = (desk_correction_step){t->id, t->policy_version, t->first_response_due, t->warn_at, due, warn, "", ""};
    if (restaged) {
        snprintf(p->old_stage, sizeof p->old_stage, "%s", own);
        snprintf(p->new_stage, sizeof p->new_stage, "%s", stage);
    }
    return 0;
}

int desk_correction_plan(desk_correction *out, garant_store_conn *c, const garant_policy *pol, int64_t version,
                         size_t max_listed, int keep_plan)
{
    memset(out, 0, sizeof *out);
    if (max_listed && !(out->moves = calloc(max_listed, sizeof *out->moves)))
        return garant__error(GARANT_ENOMEM, "out of memory previewing a correction");
    correct_ctx x = {pol, version, max_listed, keep_plan, out};
    int rc = GS(c)->admin->product_stages_at(c, version, &out->stages, &out->nstages);
    if (!rc) rc = GS(c)->tickets->each_awaiting(c, plan_one, &x);
    if (rc) desk_correction_free(out);
    return rc;
}

/* The history event of one moved ticket. */
static int record_step(garant_store_conn *w, const desk_correction_step *p, int64_t correction, int64_t version,
                       int64_t now, int64_t actor, const char *reason)
{
    json_t *data = json_object();
    if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording a correction");
    int rc = put(data, "correction", json_integer(correction));
    if (!rc) rc = put(data, "old_version", json_integer(p->old_version));
    if (!rc) rc = put(data, "new_version", json_integer(version));
    if (!rc) rc = put(data, "old_due", event_time(p->old_due));
    if (!rc) rc = put(data, "new_due", event_time(p->new_due));
    if (!rc) rc = put(data, "old_warn_at", event_time(p->old_warn));
    if (!rc) rc = put(data, "new_warn_at", event_time(p->new_warn));
    if (!rc) rc = put(data, "reason", reason ? json_string(reason) : json_null());
    if (!rc && p->new_stage[0]) rc = put(data, "old_stage", json_string(p->old_stage));
    if (!rc && p->new_stage[0]) rc = put(data, "new_stage", json_string(p->new_stage));
    if (!rc) {
        garant_event_in ev = {p->id, now, actor, "deadline_corrected", data};
        rc = GS(w)->tickets->append_event(w, &ev);
    }
    json_decref(data);
    return rc;
}

int desk_correction_apply(const desk_correction *out, garant_store_conn *w, int64_t version, int64_t now,
                          int64_t actor, const char *reason, int64_t *out_id)
{
    const garant_store_tickets_ops *tk = GS(w)->tickets;
    garant_correction rec = {0, now, actor, NULL, version, reason, (int64_t)out->examined, (int64_t)out->moved,
                             (int64_t)out->earlier, (int64_t)out->later};
    int64_t id = 0;
    int rc = GS(w)->sla->correction_insert(w, &rec, &id);
    for (size_t i = 0; i < out->nplan && !rc; i++) {
        const desk_correction_step *p = &out->plan[i];
        /* A ticket whose instants stay takes the version silently: the
        ** history tells what moved. */
        if (p->new_stage[0] && (rc = GS(w)->admin->ticket_set_stage(w, p->id, p->new_stage))) break;
        if (p->new_due == p->old_due && p->new_warn == p->old_warn && !p->new_stage[0])
            rc = tk->set_policy_version(w, p->id, version);
        else if (!(rc = tk->set_terms(w, p->id, version, p->new_due, p->new_warn)))
            rc = record_step(w, p, id, version, now, actor, reason);
    }
    if (!rc && out_id) *out_id = id;
    return rc;
}

void desk_correction_free(desk_correction *out)
{
    free(out->stages);
    free(out->moves);
    free(out->plan);
    memset(out, 0, sizeof *out);
}
