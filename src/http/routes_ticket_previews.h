/*
** routes_ticket_previews.h - the deadline previews' handlers and bodies
** (routes_ticket_previews.c), for the ticket routes' table in
** routes_tickets.c.
*/
#ifndef GARANT_HTTP_ROUTES_TICKET_PREVIEWS_H
#define GARANT_HTTP_ROUTES_TICKET_PREVIEWS_H

#include "http.h"

/* POST /api/v1/deadline/preview {priority?, product?, environment?, plan?
** (staff)}: the deadline a ticket filed now would get. */
int http_deadline_preview(http_req *r);
extern const http_field http_deadline_preview_body[];

/* POST /api/v1/tickets/{id}/reclassify-preview {priority}: the deadline a
** change of priority would give. */
int http_reclassify_preview(http_req *r);
extern const http_field http_reclassify_preview_body[];

#endif
