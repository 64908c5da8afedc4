/*
** outbox.h - queueing mail in the store and sending what is due (issue 14).
**
** The desk queues a mail in the write transaction of the event it tells of
** (garant_mail_outbox_queue), so the two commit together. A sender (the
** server's mail thread, later) calls garant_mail_outbox_drain every few
** seconds with the current instant: one round claims the due mails, sends
** them over one SMTP connection and records each result:
**   sent      -> mark_sent;
**   refused   -> failed (5xx: the address will not take it);
**   temporary -> retried after 30 s, doubling to at most an hour, until
**                GARANT_MAIL_GIVE_UP_S after it was queued; then failed.
** A claim leases the mails for GARANT_MAIL_LEASE_S: if the process dies
** mid-round, they are due again when the lease ends. A crash between the
** server's 250 and the recording of the result thus sends a mail once
** more, the same bytes with the same Message-ID, which receivers recognise
** as one message.
**
** Nothing here reads the clock: `now` (UTC epoch seconds) is the caller's.
*/
#ifndef GARANT_MAIL_OUTBOX_H
#define GARANT_MAIL_OUTBOX_H

#include <stdint.h>

#include "compose.h"
#include "smtp.h"
#include "store.h"

#define GARANT_MAIL_LEASE_S 600
#define GARANT_MAIL_FIRST_RETRY_S 30
#define GARANT_MAIL_MAX_RETRY_S 3600
#define GARANT_MAIL_GIVE_UP_S (2 * 86400)
/* Results recorded per transaction: fewer commits (each one a sync) for a
** crash window of as many resends. */
#define GARANT_MAIL_RECORD_GROUP 32

/* What a drain round did. */
typedef struct garant_mail_drain_stats {
    int claimed; /* due mails taken this round */
    int sent;
    int retried; /* temporary failures, due again later */
    int failed;  /* given up: refused, or retried for too long */
} garant_mail_drain_stats;

/* Compose m and queue it for m->to_addr, with ticket_id (0: none), due at
** now. On the caller's write connection w: inside the caller's
** transaction when there is one (the point), else on its own. The id of
** the row through *out_id (may be NULL). Composing a mail with large
** attachments takes time: a caller holding the write lock for others (the
** group commit) composes first (garant_mail_compose, no lock needed) and
** queues the bytes with GS(w)->mail->enqueue inside the transaction. */
int garant_mail_outbox_queue(garant_store_conn *w, const garant_mail_message *m, int64_t ticket_id, int64_t now,
                             int64_t *out_id);

/* Seconds to wait after the attempts-th failed attempt (from 1): 30, 60,
** 120, ... at most GARANT_MAIL_MAX_RETRY_S. */
int64_t garant_mail_retry_delay_s(int attempts);

/* One round: claim up to batch (1..1000) mails due at now on w (a write
** connection, outside a transaction), send them through smtp and record
** each result. Results are recorded a group of GARANT_MAIL_RECORD_GROUP at
** a time, in one transaction after the group's sends: no write lock is
** held while talking to the SMTP server, and a group costs one commit. A
** crash mid-group resends that group's sent mails once (same bytes, same
** Message-IDs). After a connection failure the rest of the round is not
** tried (the server is down) and is scheduled like it. *out may be NULL.
** Returns 0, or the store's error (the round stops; mails not recorded
** come back when their lease ends). */
int garant_mail_outbox_drain(garant_mail_drain_stats *out, garant_store_conn *w, garant_smtp *smtp, int64_t now,
                             int batch);

#endif
