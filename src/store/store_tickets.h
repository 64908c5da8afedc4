/*
** store_tickets.h - tickets, their conversation and their history.
**
** The history (ticket_events) is append-only: no operation updates or
** deletes an event, and the SQLite schema refuses it with triggers. A
** ticket's SLA fields (priority, first_response_due, warn_at) are updated
** in the same transaction as the event that explains the change.
*/
#ifndef GARANT_STORE_TICKETS_H
#define GARANT_STORE_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "garant/clock.h"

typedef struct garant_store_conn garant_store_conn;

/* A status or an environment word (open, pending, solved, closed;
** production, staging, development), and a ticket's impact text. */
#define GARANT_MAX_STATUS 15
#define GARANT_MAX_IMPACT 200

typedef struct garant_ticket {
    int64_t id;
    int64_t org_id;
    int64_t requester_id;
    char subject[GARANT_MAX_SUBJECT + 1];
    int priority;                /* 1..9, current */
    int initial_priority;        /* as filed */
    char plan[GARANT_MAX_KEY + 1]; /* the organization's plan at submission */
    char product[GARANT_MAX_NAME + 1]; /* "" if none */
    char stage[GARANT_MAX_KEY + 1]; /* the stage it is counted under: the product's at
                                 ** submission ("ga" if none), until a correction
                                 ** onto a version where it differs (store_admin.h) */
    char environment[GARANT_MAX_STATUS + 1]; /* production, staging, development */
    char impact[GARANT_MAX_IMPACT + 1]; /* free text from the form, may be "" */
    char status[GARANT_MAX_STATUS + 1]; /* open, pending, solved, closed */
    int64_t submitted_at;
    int64_t first_response_due;  /* GARANT_NO_DUE if no guarantee */
    int64_t warn_at;             /* GARANT_NO_DUE if no guarantee */
    int64_t first_response_at;   /* 0 until the first public agent reply */
    int64_t policy_version;      /* the policy version it was filed under
                                 ** (policies.id); 0 for none yet */
    int64_t breached_at;         /* when its breach was first recorded; 0 if
                                 ** never (a fact: nothing clears it) */
    int64_t awaiting_since;      /* since when a follow-up of the customer
                                 ** waits for the desk (after the first
                                 ** response, or reopened); 0 if none */
    int64_t follow_up_of;        /* the closed ticket this one follows up; 0 */
    int filed_by_mail;           /* 1: opened by a mail to the support address
                                 ** (its acknowledgement says how to raise
                                 ** the priority); 2: so, and its sender was
                                 ** over the automatic answers' allowance
                                 ** (no acknowledgement); written by
                                 ** insert, read by the mail producer only */
    int64_t assignee_id;         /* the agent (or admin) it is assigned to; 0 none */
    int64_t group_id;            /* the group it is assigned to; 0 none */
    int64_t filed_by;            /* the agent who filed it on the requester's
                                 ** behalf; 0 when the requester filed it */
    int64_t updated_at;          /* read only (get and the lists fill it):
                                 ** when a person last changed the ticket,
                                 ** the instant of its latest history event
                                 ** with an actor (a reply, a note, a status,
                                 ** priority or assignment change), else
                                 ** submitted_at; the SLA monitor's events
                                 ** do not count. The store keeps it as
                                 ** events are appended (SQLite: a trigger);
                                 ** ignored by insert. */
} garant_ticket;

/* A ticket as the lists give it (list, list_page, queue_where,
** follow_ups): its record, updated_at set, and the names it refers to,
** read in the same statement. A name is "" where there is none (no
** assignee, no group). */
typedef struct garant_ticket_row {
    garant_ticket t;
    char org_name[GARANT_MAX_NAME + 1];
    char requester_name[GARANT_MAX_NAME + 1];
    char requester_email[GARANT_MAX_EMAIL + 1];
    char assignee_name[GARANT_MAX_NAME + 1];
    char group_name[GARANT_MAX_NAME + 1];
} garant_ticket_row;

/* A list's callback, once per row in the list's order; row is borrowed
** for the call. It runs while the list's read is in progress: it may read
** through the same connection (a policy version, a ticket's priority
** changes), but not list again. A nonzero value stops the list, which
** returns it. */
typedef int garant_ticket_row_fn(void *ctx, const garant_ticket_row *row);

/* The longest search text (GET /api/v1/tickets?q=), and the most words. */
#define GARANT_MAX_SEARCH 200
#define GARANT_MAX_SEARCH_WORDS 16

/* Filters for listing; zero/empty fields do not filter. */
typedef struct garant_ticket_filter {
    int64_t org_id;           /* customers see their organization only */
    char status[GARANT_MAX_STATUS + 1];
    int priority;
    int breached;             /* 1 breached only, -1 not breached only, 0 all */
    char q[GARANT_MAX_SEARCH + 1]; /* words to search for (all must match;
                              ** "a phrase", word* for a prefix); "" none */
    int public_only;          /* search leaves out internal notes (customers) */
    int64_t now;              /* for `breached` and `sla` */
    char plan[GARANT_MAX_KEY + 1];
    char product[GARANT_MAX_NAME + 1];
    int64_t after_id;         /* keyset pagination: ids below this (newest first) */
    int limit;                /* 1..200 */
    int64_t assignee_id;      /* assigned to this user; GARANT_NOBODY: to no one */
    int64_t group_id;         /* assigned to this group; GARANT_NOBODY: to none */
    int64_t groups_of;        /* assigned to a group this user is a member of */
    int64_t requester_id;     /* requested by this user: the requester=
                              ** filter, or a customer who sees her own
                              ** only (desk_ticket_filter_scope) */
    int sla;                  /* a garant_sla_filter: the SLA state at now */
} garant_ticket_filter;

/* The SLA states a list filters on (garant_ticket_filter.sla), as the
** desk defines them at now (desk_tickets.h, desk_ticket_sla_state):
** breached; warning; ok, that is met or active (a clock that is still
** running before its warning, or an answer in time); none, no guarantee. */
typedef enum garant_sla_filter {
    GARANT_SLA_ANY = 0,
    GARANT_SLA_BREACHED = 1,
    GARANT_SLA_WARNING = 2,
    GARANT_SLA_OK = 3,
    GARANT_SLA_NONE = 4
} garant_sla_filter;

/* A filter's "assigned to no one" (assignee_id, group_id). */
#define GARANT_NOBODY (-1)

/* Filters of the agents' queue (queue_where); zero/empty fields do not
** filter. The keyset is the last ticket of the previous page: its deadline
** (GARANT_NO_DUE for none) and id; after_id 0 starts from the top. */
typedef struct garant_queue_filter {
    int64_t after_due;
    int64_t after_id;
    int limit;                /* 1..200 */
    int priority;
    char plan[GARANT_MAX_KEY + 1];
    char product[GARANT_MAX_NAME + 1];
    int64_t org_id;
} garant_queue_filter;

/* A history event. kind is one of: priority_changed, replied, noted,
** first_response, status_changed, deadline_recomputed, sla_warning,
** sla_breach, assigned. data is a JSON object (borrowed for the call). The
** 'created' event is not appended: insert records it. */
typedef struct garant_event_in {
    int64_t ticket_id;
    int64_t at;
    int64_t actor_id;         /* 0 for the system */
    const char *kind;
    json_t *data;
} garant_event_in;

/* A history event as events gives it. kind is one of garant_event_in's
** kinds or "created"; data is the event's data as the JSON object text it
** is stored as (the desk wrote it), borrowed for the call. */
typedef struct garant_event_row {
    int64_t id;               /* 0 for the 'created' event insert recorded */
    int64_t at;
    int64_t actor_id;         /* 0 for the system */
    char actor_name[GARANT_MAX_NAME + 1]; /* "" for the system */
    char kind[32];
    const char *data;
} garant_event_row;

/* events' callback, once per event, oldest first. Nonzero stops. */
typedef int garant_event_row_fn(void *ctx, const garant_event_row *ev);

/* A message of a ticket's conversation: a reply, or an internal note
** (public 0). body is borrowed for the call. */
typedef struct garant_reply_row {
    int64_t id;
    int64_t author_id;
    char author_name[GARANT_MAX_NAME + 1];
    char author_role[GARANT_MAX_STATUS + 1]; /* customer, agent, admin */
    const char *body;
    int public_;
    int64_t at;
} garant_reply_row;

/* replies' callback, once per message, oldest first. Nonzero stops. */
typedef int garant_reply_row_fn(void *ctx, const garant_reply_row *m);

/* The figures of /metrics at an instant: tickets by status, those
** awaiting a first response (open or pending), and those breached (the
** list filter's definition). */
typedef struct garant_ticket_counts {
    int64_t open, pending, solved, closed;
    int64_t awaiting;
    int64_t breached;
} garant_ticket_counts;

/* each_awaiting's callback: one ticket and its priority changes. */
typedef int garant_awaiting_fn(void *ctx, const garant_ticket *t, const garant_priority_change *ch, size_t n);

typedef struct garant_store_tickets_ops {
    /* Insert a ticket with its body; sets io->id. The insert is also the
    ** ticket's 'created' event, first in events(): at submitted_at, by
    ** requester_id, data {priority (initial), plan, product (null if
    ** none), stage, environment, due, warn_at} with io's deadline and
    ** warning instant as RFC 3339 (null: no guarantee), and where set
    ** group_id and assignee_id (the routing at filing: io's) and filed_by
    ** with filed_by_name (the agent who filed it for the requester). */
    int (*insert)(garant_store_conn *c, garant_ticket *io, const char *body);
    int (*get)(garant_store_conn *c, int64_t id, garant_ticket *out); /* ENOTFOUND */
    /* The body of a ticket. Caller owns *out; free with free(). */
    int (*body)(garant_store_conn *c, int64_t id, char **out);
    /* Tickets matching the filter, newest first, each a row (no body)
    ** through fn. A search (f->q) does bounded work and may give fewer
    ** than f->limit tickets with more to come: list_page says where the
    ** next page starts. */
    int (*list)(garant_store_conn *c, const garant_ticket_filter *f, garant_ticket_row_fn *fn, void *ctx);
    /* list, and *out_next: the after_id of the next page, 0 if this is the
    ** last. A full page has one (its last ticket's id); so does a search
    ** that stopped at its bound of work, at the last ticket it looked at,
    ** however few it found. */
    int (*list_page)(garant_store_conn *c, const garant_ticket_filter *f, garant_ticket_row_fn *fn, void *ctx,
                     int64_t *out_next);
    int (*append_event)(garant_store_conn *c, const garant_event_in *ev);
    /* The history, oldest first, each event through fn; the 'created'
    ** event that insert recorded has id 0. ENOTFOUND for no such ticket.
    ** fn may read through c, but not ask for events again. */
    int (*events)(garant_store_conn *c, int64_t ticket_id, garant_event_row_fn *fn, void *ctx);
    /* The priority changes of a ticket, oldest first, for replaying its
    ** deadline. Caller owns *out; free with free(). */
    int (*priority_changes)(garant_store_conn *c, int64_t ticket_id, garant_priority_change **out, size_t *n);
    int (*set_priority)(garant_store_conn *c, int64_t id, int priority);
    int (*set_deadline)(garant_store_conn *c, int64_t id, int64_t due, int64_t warn_at);
    /* The policy version the ticket is counted under from now on (a
    ** correction); ENOTFOUND if there is no such ticket. */
    int (*set_policy_version)(garant_store_conn *c, int64_t id, int64_t version);
    /* Both at once, in one write (a correction): the version, the
    ** deadline and the warning instant, which may be GARANT_NO_DUE; a
    ** recorded breach stays, as with set_deadline. */
    int (*set_terms)(garant_store_conn *c, int64_t id, int64_t version, int64_t due, int64_t warn_at);
    int (*set_status)(garant_store_conn *c, int64_t id, const char *status);
    int (*set_first_response)(garant_store_conn *c, int64_t id, int64_t at);
    /* The ticket waits for the desk since `since` (a customer's follow-up
    ** or a reopening), or no longer (0). ENOTFOUND if there is none. */
    int (*set_awaiting)(garant_store_conn *c, int64_t id, int64_t since);
    /* Assign the ticket to a user and a group (0: none). ENOTFOUND. */
    int (*set_assignment)(garant_store_conn *c, int64_t id, int64_t assignee_id, int64_t group_id);
    /* Conversation: replies and internal notes. */
    int (*reply_insert)(garant_store_conn *c, int64_t ticket_id, int64_t author_id, const char *body,
                        int public_, int64_t at, int64_t *out_id);
    /* The conversation, oldest first, each message through fn.
    ** ENOTFOUND for no such ticket. */
    int (*replies)(garant_store_conn *c, int64_t ticket_id, garant_reply_row_fn *fn, void *ctx);
    /* The agents' queue: open and pending tickets awaiting a first
    ** response that carry a deadline, earliest deadline first (so breached
    ** ones lead), then those without one; at most f->limit, after the
    ** keyset (f->after_due, f->after_id) when after_id > 0; filtered by
    ** plan, priority, organization and product, still one index walk in
    ** deadline order. Each a row through fn. */
    int (*queue_where)(garant_store_conn *c, const garant_queue_filter *f, garant_ticket_row_fn *fn, void *ctx);
    /* The follow-ups: open tickets whose customer waits for the desk after
    ** the first response (awaiting_since set), longest waiting first; at
    ** most limit, after the keyset (after_since, after_id) when after_id >
    ** 0. Each a row through fn. */
    int (*follow_ups)(garant_store_conn *c, int64_t after_since, int64_t after_id, int limit,
                      garant_ticket_row_fn *fn, void *ctx);
    /* Call fn for every ticket still awaiting a first response, in id
    ** order, with its priority changes oldest first (ch borrowed for the
    ** call, NULL when n is 0): a correction's walk. fn may write through c.
    ** Stops on fn's nonzero value and returns it. */
    int (*each_awaiting)(garant_store_conn *c, garant_awaiting_fn *fn, void *ctx);
    /* Tickets submitted in [from, to) for reports, streamed without a
    ** record kept per ticket: fn is called once per ticket, oldest first,
    ** with id, org_id, plan, priority, stage, status, submitted_at,
    ** first_response_due and first_response_at set (the rest zero); t is
    ** borrowed for the call. fn runs while the read is in progress, so it
    ** must not use c. Stops on fn's nonzero value and returns it. */
    int (*each_for_report)(garant_store_conn *c, int64_t from, int64_t to,
                           int (*fn)(void *ctx, const garant_ticket *t), void *ctx);
    /* The figures of /metrics at now. */
    int (*counts)(garant_store_conn *c, int64_t now, garant_ticket_counts *out);
} garant_store_tickets_ops;

#endif
