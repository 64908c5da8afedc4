/*
** desk_tickets.h - the desk's rules for tickets: who sees which, and the
** writes that file a ticket, change its priority or status, and reply to
** it (with the follow-up and reopening rules); the corrections after a
** policy change. The clock of a ticket and the checks of its terms are
** desk_ticket_clock.h's. No JSON of the API here: the doors serialise
** (src/http/tickets.c).
*/
#ifndef GARANT_DESK_TICKETS_H
#define GARANT_DESK_TICKETS_H

#include <stdint.h>

#include "desk.h"
#include "desk_ticket_clock.h"

/* Why a deadline is due_s: the open windows that count from start_s (UTC
** epoch seconds; desk_ticket_clock_source's) under src, the terms
** desk_ticket_clock_source's priority gives. GARANT_ERANGE when due_s is
** before start_s (the clock's error otherwise). Caller owns *out; free
** with garant_explanation_free. */
int desk_ticket_explain(garant_explanation **out, const garant_policy *pol, const garant_ticket_terms *src,
                        int64_t start_s, int64_t due_s);

/* Who acts, and when (UTC epoch seconds). user is borrowed. */
typedef struct desk_actor {
    const garant_user *user;
    int64_t now;
} desk_actor;

/* ---- who sees which tickets ------------------------------------------------ */

/* What of the desk's tickets a user sees (docs/api.md, "Organization
** members"): staff every ticket; a customer her organization's tickets,
** or only those she requested when the organization's ticket_visibility
** is "own" and she is not one of its managers (garant_user.org_manager);
** a member still waiting for her organization's approval (or refused)
** none (GARANT_EPERM). The one rule every read and write of a customer's
** tickets applies, through the functions below: a ticket, a list and a
** search, a reply (by the browser or by mail), a follow-up, an
** attachment. A ticket outside it is GARANT_ENOTFOUND, like one that does
** not exist. */
typedef struct desk_scope {
    int all;                 /* staff: every ticket */
    int64_t org_id;          /* a customer's organization */
    int64_t requester_id;    /* only the tickets she requested; 0: all of org_id's */
} desk_scope;

/* u's scope, reading her organization's visibility through c when it
** matters (a customer who is no manager). GARANT_EPERM for a pending
** member. */
int desk_ticket_scope(desk_scope *out, garant_store_conn *c, const garant_user *u);
/* Does the scope hold ticket t? */
int desk_scope_holds(const desk_scope *s, const garant_ticket *t);
/* Narrow a list's filter to u's scope (organization, requester) and, for
** a customer, to what she may read of a ticket (no internal notes in a
** search): whatever the filter asked for, it finds nothing outside. */
int desk_ticket_filter_scope(garant_ticket_filter *f, garant_store_conn *c, const garant_user *u);

/* A ticket the actor may see, read through c: GARANT_ENOTFOUND for a
** ticket outside her scope, like one that does not exist; GARANT_EPERM for
** a pending member, whatever the ticket. */
int desk_ticket_visible(garant_ticket *out, garant_store_conn *c, const desk_actor *who, int64_t id);

/* ---- filing ----------------------------------------------------------------- */

/* A ticket being filed. The door fills desk, t (org, requester, subject,
** priority, environment, impact, status, follow_up_of, submitted_at),
** body and product, and runs desk_file_write through the write path; the
** write reads the organization's plan and the product's stage in the same
** transaction as the insert and computes the deadline with the policy in
** force then (pol, t->policy_version, t->first_response_due, t->warn_at
** and t->id are set by it). */
typedef struct desk_filing {
    garant_desk *desk;
    const garant_policy *pol;  /* the policy the deadline was computed with */
    garant_ticket t;
    const char *body;          /* borrowed */
    char product[GARANT_MAX_NAME + 1]; /* as named by the customer, "" if none */
    int autoreply_suppressed;  /* filed by mail from an address over its limit of
                               ** automatic answers (desk_autoreply_take): the
                               ** acknowledgement must not be mailed */
    const int64_t *files;      /* staged uploads of the requester to put on
                               ** the first message (desk_attachments.h); borrowed */
    size_t nfiles;
    int64_t audit_file;        /* a mailed ticket's original, kept internal; 0 none */
    /* Filed by an agent on a customer's behalf (a phone call): the
    ** customer, as an e-mail address or a decimal user id; NULL when the
    ** customer files. The write sets t's requester and organization from
    ** it (an active customer, else GARANT_EINVAL); t->filed_by is the
    ** agent, t->submitted_at the call's time. Borrowed. */
    const char *requester;
} desk_filing;

/* A desk_write_fn: file the desk_filing ctx. Without files one statement
** (the insert) changes the database: run it with
** DESK_WRITE_ONE_STATEMENT; with files, DESK_WRITE_SAVEPOINT. The ticket
** joins the default group, if any, and its turn's agent with round-robin
** (desk_groups.h): reads before the insert, recorded by it. */
int desk_file_write(garant_store_conn *w, void *ctx);

/* ---- changing and replying ---------------------------------------------------- */

/* Change ticket id's priority (0: unchanged; with reason) and/or status
** (NULL: unchanged), durably, recorded in its history by who. */
int desk_ticket_change(garant_desk *d, const desk_actor *who, int64_t id, int priority, const char *status,
                       const char *reason);

/* ---- many tickets at once (POST /api/v1/tickets/bulk) --------------------- */

/* The most tickets one bulk change takes. */
#define DESK_BULK_MAX 100

/* A change of many tickets: the fields of desk_ticket_assign and
** desk_ticket_change, any of them together. Borrowed strings and ids. */
typedef struct desk_bulk {
    const int64_t *ids;        /* 1..DESK_BULK_MAX tickets, each once */
    size_t n;
    int set_assignee, set_group; /* which of assignee_id and group_id to set */
    int64_t assignee_id, group_id; /* 0 clears it */
    int priority;              /* 0 = unchanged; needs reason */
    const char *status;        /* NULL = unchanged */
    const char *reason;        /* NULL if none */
} desk_bulk;

/* One ticket after a bulk change. */
typedef struct desk_bulk_result {
    garant_ticket t;           /* as it is after the change */
    int changed;               /* 1 if anything of it changed */
} desk_bulk_result;

/* Change every ticket of b, durably and all or nothing, in one write of
** the write path. Each ticket is changed by the rules and with the
** history events of desk_ticket_assign and desk_ticket_change (an
** 'assigned' event, then 'priority_changed', then 'status_changed', by
** who at now), so it gets the mails a single change would give it; a
** change a ticket has already is left out for that ticket (no event).
** The first ticket refused (one that does not exist, an assignee outside
** its group, a priority its policy version lacks...) fails the whole
** change with a message naming it, and nothing is written. out[i] is
** b->ids[i]'s ticket afterwards (b->n elements, the caller's). */
int desk_tickets_bulk(desk_bulk_result *out, garant_desk *d, const desk_actor *who, const desk_bulk *b);

/* A reply to ticket id by who, durably: public (an answer) or an internal
** note. A customer's message reopens a pending or solved ticket and puts
** an answered one back in the queue as a follow-up; a closed ticket takes
** none (GARANT_ECONFLICT: file a follow-up). *out_reply_id is the reply's
** id, *out_first 1 when it was the ticket's first response. */
int desk_ticket_reply(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who, int64_t id,
                      const char *body, int public_);

/* ---- corrections after a policy change ----------------------------------- */

/* One ticket a correction moves onto its version: the instants it had and
** the new ones (equal when only the version changes), and the stage it is
** counted under there when its product has another stage under that
** version (new_stage "" when it keeps its own). */
typedef struct desk_correction_step {
    int64_t id, old_version;
    int64_t old_due, old_warn, new_due, new_warn;
    char old_stage[65], new_stage[65];
} desk_correction_step;

/* One deadline a correction moves, or a ticket whose stage it changes, as a
** preview lists it. */
typedef struct desk_correction_move {
    int64_t id, old_version, old_due, new_due; /* UTC epoch seconds; GARANT_NO_DUE for none */
    int breached;              /* a breach was recorded: it stays one */
    char old_stage[65], new_stage[65]; /* both "" when the stage stays */
} desk_correction_move;

/* What a correction does or would do (docs/SLA.md, "The terms a ticket was
** filed under"): how many tickets awaiting a first response were examined,
** how many would move, earlier or later for the customer, and the first
** moves; with a plan, every ticket to put on the version, by id. Free with
** desk_correction_free. */
typedef struct desk_correction {
    size_t examined, moved, earlier, later;
    desk_correction_move *moves; /* the first max_listed moves */
    size_t nmoves;
    desk_correction_step *plan;
    size_t nplan, plan_cap;
    garant_product_stage *stages; /* each product's stage under the version */
    size_t nstages;
} desk_correction;

/* Count every ticket still awaiting a first response under policy version
** `version` (pol) by replaying its priority changes, unless it already runs
** on it; list up to max_listed moves; keep the plan if asked. Reads only.
** A ticket whose terms pol does not know fails the whole run with
** GARANT_EINVAL naming it. */
int desk_correction_plan(desk_correction *out, garant_store_conn *c, const garant_policy *pol, int64_t version,
                         size_t max_listed, int keep_plan);

/* Carry out out's plan on w inside the caller's transaction: the
** correction is recorded (its id through *out_id) and each ticket moves
** onto `version`; where its deadline or warning instant changes, they are
** stored with it and a 'deadline_corrected' event {correction,
** old_version, new_version, old_due, new_due, old_warn_at, new_warn_at,
** reason} at `now` by actor says so (with old_stage and new_stage where
** its product's stage differs under the version, which the ticket then
** takes); a recorded breach stays. */
int desk_correction_apply(const desk_correction *out, garant_store_conn *w, int64_t version, int64_t now,
                          int64_t actor, const char *reason, int64_t *out_id);

void desk_correction_free(desk_correction *out);

#endif
