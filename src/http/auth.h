/*
** auth.h - who is asking: the session a request presents (from the
** session cache or the store), whether its role may call the route, the
** CSRF token of cookie-authenticated writes, and the bearer token that may
** read /metrics. The gate owns the session cache and that token.
**
** Thread-safe.
*/
#ifndef GARANT_HTTP_AUTH_H
#define GARANT_HTTP_AUTH_H

#include <stdint.h>

#include "http.h"

typedef struct http_gate http_gate;

/* A gate with an empty session cache and the metrics token read from
** metrics_token_file (NULL: none; only admins read /metrics). Caller owns
** *out; free with http_gate_free. */
int http_gate_new(http_gate **out, const char *metrics_token_file);
/* NULL does nothing. */
void http_gate_free(http_gate *g);

/* Authenticate r (filling r->authed, r->user, r->session), authorize it
** for rt and check its CSRF token: 0, or GARANT_EAUTH / GARANT_EPERM with
** the reason. A public route runs unauthenticated rather than refused
** over a stale session. Reads the store through r->db, or a connection of
** store's borrowed for the lookup when r has none (an inline route). */
int http_gate_check(http_gate *g, http_req *r, const http_route *rt, garant_store *store);

/* Forget sessions ended in the store (logout; every session of a user). */
void http_gate_forget(http_gate *g, const uint8_t hash[32]);
void http_gate_forget_user(http_gate *g, int64_t user_id);

#endif
