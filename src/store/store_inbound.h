/*
** store_inbound.h - what inbound mail keeps (issue 14): addresses our mail
** bounced from, and the automatic answers sent to each address, for the
** loop guards of src/desk/mail_loops.c (docs/mail.md, "Loops and bounces").
**
** A bounce is a user's bounced_at (UTC epoch seconds) and a one-line reason
** (the DSN's status and action, "5.1.1 failed"); it is cleared when the
** address proves alive again (desk: a mail from it is accepted). Auto-replies
** are rows (address, sent_at) of mail_autoreplies; an address's rows older
** than the window are deleted when it is next counted.
*/
#ifndef GARANT_STORE_INBOUND_H
#define GARANT_STORE_INBOUND_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* The longest bounce reason kept. */
#define GARANT_MAX_BOUNCE_REASON 200

typedef struct garant_store_inbound_ops {
    /* Did our outbox send (or queue) the mail message_id (without angle
    ** brackets) to recipient (any case)? *out 1 or 0. */
    int (*sent_to)(garant_store_conn *c, const char *message_id, const char *recipient, int *out);
    /* Mark the user whose address is email (lower case) bouncing at at,
    ** for reason (cut to GARANT_MAX_BOUNCE_REASON bytes). *out_user_id:
    ** the user's id, or 0 when no user has that address (nothing changed).
    ** In the caller's write transaction. */
    int (*bounce_set)(garant_store_conn *c, const char *email, int64_t at, const char *reason, int64_t *out_user_id);
    /* The address of user_id works again: bounced_at and reason cleared. */
    int (*bounce_clear)(garant_store_conn *c, int64_t user_id);
    /* The bounce state of user_id: *out_at 0 when it is not bouncing (or
    ** unknown), else the instant, and its reason into reason (cap bytes). */
    int (*bounce_get)(garant_store_conn *c, int64_t user_id, int64_t *out_at, char *reason, size_t cap);
    /* One automatic answer to address (lower case) at now, if fewer than
    ** max were recorded since since: then it is recorded and *out_allowed
    ** is 1; else *out_allowed is 0 and nothing is recorded. Deletes the
    ** address's rows before since. In the caller's write transaction. */
    int (*autoreply_take)(garant_store_conn *c, const char *address, int64_t now, int64_t since, int max,
                          int *out_allowed);
} garant_store_inbound_ops;

#endif
