/*
** routes_ticket_lists.h - the handlers and query parameters of the ticket
** lists (routes_ticket_lists.c), for the ticket routes' table in
** routes_tickets.c.
*/
#ifndef GARANT_HTTP_ROUTES_TICKET_LISTS_H
#define GARANT_HTTP_ROUTES_TICKET_LISTS_H

#include "http.h"

/* GET /api/v1/tickets: a page {tickets, next, count} of the filtered list
** or the search. */
int http_ticket_list(http_req *r);
/* GET /api/v1/queue: tickets awaiting a first response, by deadline. */
int http_ticket_queue(http_req *r);
/* GET /api/v1/queue/follow-ups: follow-ups waiting for the desk. */
int http_ticket_follow_ups(http_req *r);

/* The query parameters each reads (http_route.query), NULL-terminated. */
extern const char *const http_ticket_list_query[];
extern const char *const http_ticket_queue_query[];
extern const char *const http_ticket_follow_ups_query[];

#endif
