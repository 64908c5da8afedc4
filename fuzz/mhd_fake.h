/*
** mhd_fake.h - libmicrohttpd's lookups of a connection's headers, query
** and cookies, answered from a request held in memory, so that
** fuzz_http_request.c runs the server's request code without a socket.
** The executable's definitions of MHD_lookup_connection_value and
** MHD_get_connection_values[_n] (mhd_fake.c) come before the shared
** library's. One request at a time; not thread-safe.
*/
#ifndef GARANT_FUZZ_MHD_FAKE_H
#define GARANT_FUZZ_MHD_FAKE_H

#include <stddef.h>

typedef enum { MHD_FAKE_HEADER, MHD_FAKE_QUERY, MHD_FAKE_COOKIE } mhd_fake_kind;

/* Add a name and its value (copies; at most 64 of each kind). */
void mhd_fake_add(mhd_fake_kind kind, const char *name, size_t name_len, const char *value, size_t value_len);
/* Add the name=value pairs of s separated by sep (no decoding:
** libmicrohttpd decodes); a name without '=' has the value "". */
void mhd_fake_split(mhd_fake_kind kind, const char *s, size_t len, char sep);
/* Forget the request. */
void mhd_fake_clear(void);
/* The connection to hand the code under test (never dereferenced). */
struct MHD_Connection *mhd_fake_connection(void);
/* A copy of n bytes of s with a NUL after them; aborts without memory.
** Caller owns; free with free(). */
char *mhd_fake_dup(const char *s, size_t n);

#endif
