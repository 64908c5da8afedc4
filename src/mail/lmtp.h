/*
** lmtp.h - an LMTP server (RFC 2033) as a library: the door through which
** Postfix or Exim hand garant the mail for its addresses.
**
** The server speaks the protocol and nothing else: whether a recipient
** exists and what delivering means are the caller's callbacks, so the
** desk decides (a ticket reply, a new ticket, a bounce) and the server
** answers the MTA with a correct status for each recipient: 2xx delivered,
** 4xx try again later (the store is unavailable: nothing is lost), 5xx
** never. After DATA there is one reply per accepted recipient, in RCPT
** order, as RFC 2033 requires.
**
** Offered: PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, SIZE. Refused: HELO
** and EHLO (this is LMTP), VRFY and EXPN (no address probing), anything
** else. Bounded: the message size, recipients per transaction, command
** line length, concurrent connections (one thread each), the idle time a
** client may take, and the errors one connection may make.
*/
#ifndef GARANT_MAIL_LMTP_H
#define GARANT_MAIL_LMTP_H

#include <stddef.h>
#include <stdint.h>

#include "garant/service_error.h"

/* A reply to the client: code 250 accepts; 450/451/452 ask it to retry
** later; 550/552/553/554 refuse for good. text is one line starting with
** the enhanced status code ("5.1.1 no such ticket address"); left empty,
** the server writes a default one for the code. */
typedef struct garant_lmtp_reply {
    int code;
    char text[256];
} garant_lmtp_reply;

/* The caller's side. All three are required; they are called from the
** connection threads, so concurrently, and must be thread-safe. Strings
** and bytes are borrowed; valid until the callback returns. */
typedef struct garant_lmtp_callbacks {
    void *ctx;
    /* May rcpt (the address inside RCPT TO's <>) receive this mail?
    ** mail_from is "" for the null sender. */
    void (*rcpt)(void *ctx, garant_lmtp_reply *out, const char *rcpt, const char *mail_from);
    /* Deliver one message to one accepted recipient: bytes are the message
    ** as received, dot-unstuffed, lines ending in CRLF. accepted_at_s is
    ** when the final "." arrived, from now_s (UTC epoch seconds), the same
    ** for every recipient of the message: the SLA clock starts there. */
    void (*deliver)(void *ctx, garant_lmtp_reply *out, const char *bytes, size_t len, const char *rcpt,
                    const char *mail_from, int64_t accepted_at_s);
    /* The clock, UTC epoch seconds: the desk's (a test clock in tests). */
    int64_t (*now_s)(void *ctx);
} garant_lmtp_callbacks;

/* Limits; zero fields take the defaults. */
typedef struct garant_lmtp_options {
    const char *hostname;     /* in the greeting and LHLO reply; default "garant" */
    size_t max_message_bytes; /* advertised as SIZE; default 32 MB */
    unsigned max_recipients;  /* per transaction; default 100 */
    unsigned max_clients;     /* concurrent connections; more get 421; default 32 */
    unsigned timeout_s;       /* idle time allowed per line; default 300 (RFC 5321's 5 minutes) */
} garant_lmtp_options;

#define GARANT_LMTP_DEFAULT_MAX_MESSAGE ((size_t)32 * 1024 * 1024)
#define GARANT_LMTP_DEFAULT_MAX_RECIPIENTS 100
#define GARANT_LMTP_DEFAULT_MAX_CLIENTS 32
#define GARANT_LMTP_DEFAULT_TIMEOUT_S 300

typedef struct garant_lmtp_server garant_lmtp_server;

/* Listens on host:port (port "0": any free one, see
** garant_lmtp_server_port) and serves from a thread of its own until
** stopped. cb and opt are copied; cb->ctx must outlive the server.
** Returns 0, GARANT_EINVAL (bad options), GARANT_EIO (cannot listen: the
** message says why) or GARANT_ENOMEM.
** Caller owns *out; free with garant_lmtp_server_stop. */
int garant_lmtp_server_start(garant_lmtp_server **out, const char *host, const char *port,
                             const garant_lmtp_callbacks *cb, const garant_lmtp_options *opt);

/* The TCP port the server listens on. */
int garant_lmtp_server_port(const garant_lmtp_server *srv);

/* Stops accepting, tells connected clients "421" (an MTA retries what
** was not yet answered), waits for every callback in progress to return
** and frees the server. NULL does nothing. Invalidates srv. */
void garant_lmtp_server_stop(garant_lmtp_server *srv);

#endif
