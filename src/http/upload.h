/*
** upload.h - streamed uploads (http_upload): the body of a file route goes
** to an unlinked spool file as it arrives, counted and hashed on the way,
** instead of into the request's body buffer. The state is the
** connection's (conn_state: spooling, up, sha); the lifecycle (dispatch.c)
** calls these as libmicrohttpd hands it the body.
*/
#ifndef GARANT_HTTP_UPLOAD_H
#define GARANT_HTTP_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "request.h"

/* Called once the headers are in. Is this request a file upload (POST
** HTTP_UPLOAD_PATH)? Then open its spool and set cs->spooling: 0. Not an
** upload: 0, nothing done. Else the error the request is to be answered
** with before a byte of its body is read: GARANT_ELIMIT when its
** Content-Length is over max_bytes, GARANT_EBUSY when no spool file can be
** made (nothing set then). */
int http_upload_begin(conn_state *cs, struct MHD_Connection *conn, const char *url, const char *method,
                      int64_t max_bytes);

/* Append a piece of the body to the spool, counting it against max_bytes
** as it streams: an upload without a length (chunked) stops being spooled
** the moment it passes the limit (cs->too_large: the rest is read and
** dropped, and the request answered 413 at its end); MHD_NO cuts the
** connection once it runs to twice the limit, or when the spool's disk is
** full. */
enum MHD_Result http_upload_piece(conn_state *cs, const char *data, size_t n, int64_t max_bytes);

/* The body is all in: its hash is final and the request carries it
** (r->upload). */
void http_upload_done(conn_state *cs);

/* The request ended: close the spool, if one is open. */
void http_upload_end(conn_state *cs);

#endif
