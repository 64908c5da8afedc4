/*
** tickets.h - a ticket as the API shows it (with its SLA state), and the
** recomputation of deadlines after a policy change; shared by the ticket,
** queue, policy and SLA routes so that a ticket has one JSON shape
** everywhere.
**
** The SLA state of a ticket is the desk's (desk_tickets.h).
** remaining_business_seconds is target time (business seconds for a
** business target, wall seconds for a 24/7 one) between now and the
** deadline, negative once overdue; for a ticket already answered it is the
** time that was left at the first response. A ticket solved or closed
** without a public reply keeps counting: closing it does not answer the
** customer.
*/
#ifndef GARANT_HTTP_TICKETS_H
#define GARANT_HTTP_TICKETS_H

#include <stdint.h>

#include <jansson.h>

#include "desk_tickets.h"
#include "http.h"
#include "text.h"

/* An instant as RFC 3339 UTC, or null for GARANT_NO_DUE and 0.
** Caller owns the result (NULL only when out of memory). */
json_t *http_time_json(int64_t t);

/* The API object of a ticket: its fields, instants as RFC 3339, the
** names of its organization, requester, assignee and group (read
** through c), and "sla". c is also read for the ticket's priority changes
** when its explanation needs them; NULL reads nothing (a preview). Caller
** owns *out; free with json_decref. */
int http_ticket_json(json_t **out, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                     int64_t now);

/* Append the API object of a list's row to b as JSON text: the fields of
** http_ticket_json, the names from the row, and for staff only (staff 0:
** a customer) the assignment and updated_at. c is read as there.
** GARANT_ENOMEM if out of memory. */
int http_ticket_row_text(http_text *b, garant_store_conn *c, const garant_policy *pol, const garant_ticket_row *row,
                         int64_t now, int staff);

/* A page of a list ({tickets, next, count}) written as the store gives
** its rows: http_ticket_page_row is the lists' garant_ticket_row_fn, each
** row under the policy version it was filed under (srv's versions, looked
** up when the version changes from one row to the next). */
typedef struct http_ticket_page {
    http_text b;
    garant_store_conn *c;
    garant_server *srv;
    int64_t now;
    int staff;
    int n;                      /* rows written */
    int64_t last_id;            /* of the last row written */
    int64_t last_due;           /* its first_response_due (GARANT_NO_DUE: none) */
    int64_t last_since;         /* its awaiting_since (0: none) */
    int64_t pol_version;        /* of pol; -1 before the first row */
    const garant_policy *pol;
} http_ticket_page;

/* Start a page of at most limit rows. Free with http_ticket_page_free
** unless http_ticket_page_end took the text. */
int http_ticket_page_begin(http_ticket_page *p, garant_store_conn *c, garant_server *srv, int64_t now, int staff,
                           int limit);
int http_ticket_page_row(void *ctx, const garant_ticket_row *row);
/* End the page with its next cursor (NULL: null) and its count. Caller
** owns *out; free with free(). The page is freed either way. */
int http_ticket_page_end(char **out, http_ticket_page *p, const char *next);
void http_ticket_page_free(http_ticket_page *p);

/* The answer to filing a ticket: what the issue of the deadline needs,
** without names, history or explanation (GET the ticket for those):
** {id, priority, plan, stage, environment, status, submitted_at,
** first_response_due, warn_at, sla: {state}}, as JSON text written
** directly (text.h says why). Caller owns *out; free with free().
** GARANT_ENOMEM if out of memory. */
int http_ticket_created_text(char **out, const garant_ticket *t, int64_t now);

/* A saved view's query (routes_views.c): query is a GET /api/v1/tickets
** query string without limit and after, checked by the very rules of that
** list as r's caller would run it (an unknown parameter GARANT_EPARSE, a
** bad value GARANT_EINVAL, each with the list's message; a parameter
** given twice GARANT_EINVAL too), and written into out (cap bytes) in its
** normal form: the list's parameters in the order `garant routes` names
** them, form-encoded as a browser's URLSearchParams writes them. */
int http_ticket_query_normalise(char *out, size_t cap, http_req *r, const char *query);

#endif
