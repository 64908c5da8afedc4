/*
** server.h - what the server lends the few parts that need more of it
** than http.h gives a route: its options, the parts /metrics reads, the
** test hold. The server's state itself is server.c's alone.
*/
#ifndef GARANT_HTTP_SERVER_H
#define GARANT_HTTP_SERVER_H

#include <stdint.h>

#include <jansson.h>

#include "http.h"
#include "metrics.h"
#include "pool.h"
#include "text.h"

/* The options the server was started with. Borrowed; valid until it stops. */
const garant_server_options *http_server_options(const garant_server *srv);
/* The counters of /metrics. Borrowed; valid until the server stops. */
http_metrics *http_server_metrics(const garant_server *srv);
/* The pool of the routes that hash passwords. Borrowed. */
http_pool *http_server_hashing_pool(const garant_server *srv);
/* Append /metrics' text to b (counts: the store's ticket counts). */
int http_server_print_metrics(http_text *b, garant_server *srv, json_t *counts);

#endif
