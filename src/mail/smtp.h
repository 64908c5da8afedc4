/*
** smtp.h - sending finished messages over SMTP with libcurl (issue 14).
**
** One garant_smtp is one libcurl easy handle, used by one thread: the
** outbox's sender sends a batch through it, and libcurl keeps the
** connection open between messages (one TCP and TLS handshake per batch,
** not per mail). Each send is one message to one recipient, so its result
** is that recipient's:
**   SENT      the server took it (250);
**   RETRY     a temporary failure: a 4xx answer, no connection, a timeout,
**             a TLS or authentication failure (a configuration to fix,
**             not a reason to drop mail);
**   REJECTED  a permanent refusal (5xx to MAIL, RCPT or DATA): give up.
**
** TLS: smtps:// is TLS from the start; smtp:// upgrades with STARTTLS when
** the server offers it, or, with require_tls, refuses to send in clear.
** Credentials come from a file (credentials_file: the user on the first
** line, the password on the second; refused if others than its owner and
** group may read it) or from the environment (GARANT_SMTP_USER and
** GARANT_SMTP_PASSWORD), never from a command line, where any local user
** could read them.
*/
#ifndef GARANT_MAIL_SMTP_H
#define GARANT_MAIL_SMTP_H

#include <stddef.h>

#include "garant/service_error.h"

typedef struct garant_smtp garant_smtp;

typedef struct garant_smtp_config {
    /* "smtp://HOST[:PORT]" or "smtps://HOST[:PORT]"; a path names the EHLO
    ** domain ("smtp://mx.example/desk.example"). Required. */
    const char *url;
    int require_tls;              /* smtp://: STARTTLS or nothing */
    const char *credentials_file; /* NULL: the environment, or no AUTH */
    const char *envelope_from;    /* MAIL FROM (bounces go there); required */
    const char *ca_file;          /* NULL: the system's CAs */
    long connect_timeout_ms;      /* 0: 10 s */
    long timeout_ms;              /* the whole exchange of one message; 0: 60 s */
} garant_smtp_config;

typedef enum garant_smtp_outcome {
    GARANT_SMTP_SENT = 0,
    GARANT_SMTP_RETRY = 1,
    GARANT_SMTP_REJECTED = 2
} garant_smtp_outcome;

typedef struct garant_smtp_result {
    garant_smtp_outcome outcome;
    int code;         /* the server's last reply code; 0: none (no connection) */
    char detail[256]; /* what happened, for the outbox's last_error */
} garant_smtp_result;

/* A sender with cfg (copied: cfg's strings need not outlive the call).
** Reads the credentials now. GARANT_EINVAL for a bad configuration,
** GARANT_EIO for an unreadable credentials file, GARANT_EPERM for one
** others may read. Caller owns *out; free with garant_smtp_free. */
int garant_smtp_new(garant_smtp **out, const garant_smtp_config *cfg);

/* Closes the connection and wipes the credentials. NULL does nothing. */
void garant_smtp_free(garant_smtp *s);

/* Send msg (len bytes, CRLF lines, as compose.h builds) to recipient.
** The outcome is in *out; the return is 0 whatever the server said, or a
** negative garant_err for a local failure (GARANT_EINVAL for a bad
** recipient, GARANT_ENOMEM). Blocks for at most the configured timeouts. */
int garant_smtp_send(garant_smtp_result *out, garant_smtp *s, const char *recipient, const void *msg, size_t len);

/* Connections opened so far (a batch over one connection opens one). */
long garant_smtp_connections(const garant_smtp *s);

#endif
