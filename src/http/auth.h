/*
** auth.h - who is asking: the session a request presents (from the
** session cache or the store), whether its role may call the route, the
** CSRF token of cookie-authenticated writes, and the bearer token that may
** read /metrics. The gate owns that token; sessions are the desk's.
**
** Thread-safe.
*/
#ifndef GARANT_HTTP_AUTH_H
#define GARANT_HTTP_AUTH_H

#include <stdint.h>

#include "http.h"

typedef struct http_gate http_gate;

/* A gate with the metrics token read from metrics_token_file (NULL:
** none; only admins read /metrics). Caller owns *out; free with
** http_gate_free. */
int http_gate_new(http_gate **out, const char *metrics_token_file);
/* NULL does nothing. */
void http_gate_free(http_gate *g);

/* Authenticate r (filling r->authed, r->user, r->session: the desk finds
** the session, desk_session_find), authorize it for rt and check its CSRF
** token: 0, or GARANT_EAUTH / GARANT_EPERM with the reason. A public route
** runs unauthenticated rather than refused over a stale session. */
int http_gate_check(http_gate *g, http_req *r, const http_route *rt);

#endif
