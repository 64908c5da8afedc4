/*
** desk_inbound.h - one inbound mail, as the desk takes it (issue 14).
**
** Both mail doors, the LMTP server (`garant serve --lmtp-listen`) and
** `garant mail deliver`, hand the desk the raw message, the envelope
** recipient and sender and the instant the door accepted it; the desk
** decides everything else (docs/mail-inbound.md, "Wiring into the desk"):
**
**   - machine mail (auto_flags: Auto-Submitted, Precedence bulk/list/junk,
**     X-Autoreply, null sender, lists, DSNs), mail from our own address,
**     a DKIM or SPF verdict of fail from the trusted MTA, a sender that is
**     not a verified, active customer (or one her organization's manager
**     has not approved, desk_members.h), a reply on a ticket the sender may
**     not see (desk_ticket_scope) or that is closed, a forged token:
**     dropped without any reply
**     (no backscatter), counted by outcome in /metrics;
**   - a DSN: never a ticket or a reply; a failed delivery of our mail
**     marks its recipient's user bouncing (desk_mail_loops.h);
**   - a reply (the token of the recipient's plus-address, else one of our
**     Message-IDs in In-Reply-To/References, both signed with the desk's
**     mail key) from a verified customer who may see the ticket: one
**     public message, quoted text and signature stripped, through
**     desk_ticket_reply (the browser's call: it reopens a pending or
**     solved ticket);
**   - a mail to the plain support address from a verified customer: a new
**     ticket at the policy's default priority, filed at accepted_at_s (the
**     SLA clock starts when the door accepted the mail).
**
** The answer the door gives the MTA is the status: OK (delivered or dropped
** on purpose), TEMPORARY (the store is unavailable: the MTA keeps the
** message and retries, nothing is lost) or REFUSED (not our address).
*/
#ifndef GARANT_DESK_INBOUND_H
#define GARANT_DESK_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"

typedef enum desk_inbound_status {
    DESK_INBOUND_OK = 0,        /* delivered, or dropped on purpose */
    DESK_INBOUND_TEMPORARY = 1, /* try again later (4xx, EX_TEMPFAIL) */
    DESK_INBOUND_REFUSED = 2    /* never (5xx): not an address of ours */
} desk_inbound_status;

/* What became of a mail; each is a /metrics counter
** (garant_mail_inbound_total{outcome="..."}, desk_inbound_outcome_name). */
typedef enum desk_inbound_outcome {
    DESK_INBOUND_REPLIED = 0,     /* a public message on its ticket */
    DESK_INBOUND_FILED = 1,       /* a new ticket */
    DESK_INBOUND_AUTO = 2,        /* machine mail, a list or our own address */
    DESK_INBOUND_BOUNCE = 3,      /* a delivery status notification */
    DESK_INBOUND_AUTH_FAIL = 4,   /* DKIM or SPF fail in Authentication-Results */
    DESK_INBOUND_UNKNOWN = 5,     /* sender unknown, unverified, deactivated, unapproved or staff */
    DESK_INBOUND_FORBIDDEN = 6,   /* a ticket the sender may not see, or closed */
    DESK_INBOUND_FORGED = 7,      /* a token or Message-ID of our form that does not verify */
    DESK_INBOUND_MALFORMED = 8,   /* unreadable, too large, or nothing to file */
    DESK_INBOUND_TEMPFAIL = 9,    /* store unavailable: the MTA retries */
    DESK_INBOUND_NOT_OURS = 10    /* recipient refused */
} desk_inbound_outcome;

/* The outcome's name for /metrics and logs; static storage. */
const char *desk_inbound_outcome_name(int outcome);

typedef struct desk_inbound_result {
    desk_inbound_status status;
    desk_inbound_outcome outcome;
    int64_t ticket_id;   /* the ticket replied to or filed; 0 otherwise */
    char why[200];       /* one line for the door's reply and the log */
} desk_inbound_result;

/* May rcpt (an envelope recipient) receive mail: the support address, or
** its plus-address with a token that verifies under the mail key? OK or
** REFUSED (out->why says why). Reads nothing from the store. */
void desk_inbound_rcpt(desk_inbound_result *out, garant_desk *d, const char *rcpt);

/* Take one message of len bytes (the raw RFC 5322 text) for rcpt, sent by
** the envelope sender mail_from ("" for the null sender), accepted by the
** door at accepted_at_s (UTC epoch seconds, from desk_now). Bytes and
** strings are borrowed; valid until it returns. Thread-safe. */
void desk_inbound_deliver(desk_inbound_result *out, garant_desk *d, const char *bytes, size_t len,
                          const char *rcpt, const char *mail_from, int64_t accepted_at_s);

/* Count one outcome (desk.c). */
void desk_count_inbound(garant_desk *d, int outcome);

#endif
