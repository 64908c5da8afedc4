/*
** static.h - the browser pages and their assets, served from a folder.
*/
#ifndef GARANT_HTTP_STATIC_H
#define GARANT_HTTP_STATIC_H

#include <microhttpd.h>

/* Serve GET url from web_root (NULL: no pages) on conn; returns an MHD
** result, or -1 if the path names no servable file (the caller answers
** 404). Paths with "..", hidden segments or unknown extensions are never
** served. "/" and paths without an extension map to their .html page
** ("/agent" -> agent.html). */
int http_static_serve(struct MHD_Connection *conn, const char *web_root, const char *url);

#endif
