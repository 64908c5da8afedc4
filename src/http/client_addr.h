/*
** client_addr.h - who the client is: the peer's address, or, when the peer
** is a trusted reverse proxy (garant serve --trusted-proxy CIDR), the
** address the proxies recorded in X-Forwarded-For.
**
** Throttles (failed logins, sign-ups) are keyed by the client address.
** Behind a TLS proxy every peer is the proxy, so without this all clients
** would share one key: 20 failures by anyone locked out everyone, and the
** sign-up limit became global (issue 13, finding 7). The header is
** honoured only from a trusted peer, since anyone else can write it.
*/
#ifndef GARANT_HTTP_CLIENT_ADDR_H
#define GARANT_HTTP_CLIENT_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest address text, IPv6 included (INET6_ADDRSTRLEN). */
#define HTTP_ADDR_TEXT 46

/* An address block: 4 or 16 bytes of address and a prefix length. */
typedef struct http_cidr {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    int bits;
} http_cidr;

/* Parse "10.0.0.0/8", "::1/128", or an address alone (a /32 or /128).
** Host bits beyond the prefix are refused, as a sign of a typo. 0, or
** GARANT_EINVAL with a message quoting text. */
int http_cidr_parse(http_cidr *out, const char *text);

/* The client address of a request as text in out (HTTP_ADDR_TEXT bytes):
** peer_text (the connection's peer, as inet_ntop wrote it) unless it lies
** in one of trusted[0..ntrusted) and xff (every X-Forwarded-For value,
** joined by commas, or NULL) names addresses; then the right-most address
** of xff that is not itself trusted, walking leftwards over trusted hops
** (the left-most one if all are trusted). A malformed entry stops the
** walk: the hop right of it (or the peer) is as far as the chain can be
** believed, and becomes the client. IPv4-mapped IPv6 addresses count as
** IPv4. */
void http_client_addr(char out[HTTP_ADDR_TEXT], const char *peer_text, const char *xff, const http_cidr *trusted,
                      size_t ntrusted);

#endif
