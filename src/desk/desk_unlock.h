/*
** desk_unlock.h - the mailed link that lifts a locked login (issue 13,
** finding 7).
**
** Failed logins make a pair (an account and a client address) wait
** (routes_accounts.c). When a pair's failures first make it wait, the
** account's owner is mailed, once for that lock, a link
** {base_url}/unlock?token=T: a single-use 256-bit token (the store keeps
** only its SHA-256, kind GARANT_TOKEN_UNLOCK) valid DESK_UNLOCK_TTL_S.
** Opening it forgets the account's failures from every client address, so
** the owner logs in at once wherever the attacker sits. Failures counted
** per client address alone ("ip:IP") stay: the link proves the mailbox,
** not the address.
**
** No answer tells whether an address has an account: the mail is built for
** every lock, known address or not, and only the write decides whether it
** is queued; an unknown, used or expired token gets one answer.
*/
#ifndef GARANT_DESK_UNLOCK_H
#define GARANT_DESK_UNLOCK_H

#include <stdint.h>

#include "desk.h"

/* How long an unlock link works, in seconds. */
#define DESK_UNLOCK_TTL_S 3600
/* Unlock mails to one account per hour: locks from many addresses must not
** flood its mailbox. Later locks mail nothing. */
#define DESK_UNLOCK_MAILS_PER_HOUR 3

/* A link offered to an account, built before the failure's write and
** queued inside it. */
typedef struct desk_unlock_offer {
    char email[GARANT_MAX_EMAIL + 1]; /* lower case */
    uint8_t token_hash[32];
    int64_t now;                      /* UTC epoch seconds */
    desk_mail_item mail;
    int ready;                        /* the mail was built */
    int queued;                       /* out: the write queued it */
} desk_unlock_offer;

/* Build the offer for email (lower case), its owner's name (the address
** itself when unknown) and language (users.language; "en" when unknown),
** with links under base_url (no trailing slash), at now. Free with
** desk_unlock_offer_free, also after a failure (then the offer is not
** ready and queues nothing). */
int desk_unlock_offer_prepare(desk_unlock_offer *out, garant_desk *d, const char *email, const char *name,
                              const char *language, const char *base_url, int64_t now);
/* In the writer's transaction on w: queue the link and its mail when the
** address has a verified, active account and fewer than
** DESK_UNLOCK_MAILS_PER_HOUR went to it this hour (sets o->queued);
** otherwise nothing. Call desk_mail_wake after the commit if queued. */
int desk_unlock_offer_queue(garant_store_conn *w, desk_unlock_offer *o);
void desk_unlock_offer_free(desk_unlock_offer *o);

/* Use the link whose token hashes to token_hash at now: forget the
** account's failed logins from every client address, durably. 0, or
** GARANT_EINVAL (one message) for a token unknown, used or expired. */
int desk_unlock(garant_desk *d, const uint8_t token_hash[32], int64_t now);

#endif
