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

/* An instant as RFC 3339 UTC, or null for GARANT_NO_DUE and 0.
** Caller owns the result (NULL only when out of memory). */
json_t *http_time_json(int64_t t);

/* The API object of a ticket: its fields, instants as RFC 3339, and "sla".
** row, if not NULL, is a store row of the same ticket (list/queue) whose
** org_name and requester_* fields are copied; otherwise they are read
** through c. c is also read for the ticket's priority changes when its
** explanation needs them. Caller owns *out; free with json_decref. */
int http_ticket_json(json_t **out, garant_store_conn *c, const garant_policy *pol, const garant_ticket *t,
                     int64_t now, const json_t *row);

/* The answer to filing a ticket: what the issue of the deadline needs,
** without names, history or explanation (GET the ticket for those):
** {id, priority, plan, stage, environment, status, submitted_at,
** first_response_due, warn_at, sla: {state}}, as JSON text written
** directly (text.h says why). Caller owns *out; free with free().
** GARANT_ENOMEM if out of memory. */
int http_ticket_created_text(char **out, const garant_ticket *t, int64_t now);

/* A store row (tickets->list, ->queue: integer instants, null for none)
** as a record. GARANT_ESTORE if a field is missing. */
int http_ticket_from_row(garant_ticket *out, const json_t *row);

/* Replace every row of a store listing (an array) by its API object, each
** under the policy version it was filed under (srv's versions). Takes
** ownership of rows; caller owns *out. */
int http_ticket_rows(json_t **out, garant_store_conn *c, garant_server *srv, json_t *rows, int64_t now);

/* A saved view's query (routes_views.c): query is a GET /api/v1/tickets
** query string without limit and after, checked by the very rules of that
** list as r's caller would run it (an unknown parameter GARANT_EPARSE, a
** bad value GARANT_EINVAL, each with the list's message; a parameter
** given twice GARANT_EINVAL too), and written into out (cap bytes) in its
** normal form: the list's parameters in the order `garant routes` names
** them, form-encoded as a browser's URLSearchParams writes them. */
int http_ticket_query_normalise(char *out, size_t cap, http_req *r, const char *query);

#endif
