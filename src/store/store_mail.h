/*
** store_mail.h - the persistent mail outbox (issue 14).
**
** A mail is queued as its finished bytes (the RFC 5322 message that
** src/mail/compose.c built) in the caller's write transaction, next to the
** event it tells of: the event and its mail are committed together or not
** at all. The sender (src/mail/outbox.c) claims the due ones, sends them
** and records each result. A claim pushes the mail's due_at out by a lease,
** so a sender that crashes after claiming leaves nothing stuck: the mail
** is due again when the lease ends. A crash between the SMTP server's 250
** and mark_sent sends it once more, the same bytes with the same
** Message-ID, which receivers and threads recognise.
**
** States: queued -> sent, or queued -> failed (given up: a permanent
** refusal, or retried too long). Instants are UTC epoch seconds.
*/
#ifndef GARANT_STORE_MAIL_H
#define GARANT_STORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* Largest queued message: 25 MB of attachments grow by a third in base64,
** plus the text and headers. */
#define GARANT_MAIL_MAX_RAW (40 * 1024 * 1024)
#define GARANT_MAIL_MAX_MESSAGE_ID 250
#define GARANT_MAIL_MAX_ERROR 1000
/* A recipient: one address, GARANT_MAX_EMAIL bytes (store.h; this header
** is also read alone, by src/mail/compose.c). */
#define GARANT_MAIL_MAX_RECIPIENT 254
/* Rows list returns at most. */
#define GARANT_MAIL_MAX_LISTED 1000
/* The mail key's size (src/mail/token.h's GARANT_MAIL_KEY_BYTES). */
#define GARANT_STORE_MAIL_KEY_BYTES 32

/* A mail to queue. Every pointer is borrowed for the call. */
typedef struct garant_mail_new {
    const char *message_id; /* without angle brackets: "t12.3.ab@example.com" */
    const char *recipient;  /* the envelope recipient, one address */
    const void *raw;        /* the message, CRLF lines */
    size_t raw_len;
    int64_t ticket_id;      /* 0: none (verification, reset) */
    int64_t now;            /* created_at, and due at once */
} garant_mail_new;

/* A claimed mail, without its bytes (load_raw reads them, one mail at a
** time, so a batch of large mails is never in memory at once). */
typedef struct garant_mail_claimed {
    int64_t id;
    int64_t created_at;
    int64_t ticket_id; /* 0: none */
    int attempts;      /* attempts before this one */
    char message_id[GARANT_MAIL_MAX_MESSAGE_ID + 1];
    char recipient[GARANT_MAIL_MAX_RECIPIENT + 1];
} garant_mail_claimed;

/* A queued, sent or failed mail as list reads it, without its bytes. */
typedef struct garant_mail_row {
    int64_t id;
    int64_t created_at;
    int64_t due_at;
    int attempts;
    char state[8];     /* "queued", "sent", "failed" */
    char message_id[GARANT_MAIL_MAX_MESSAGE_ID + 1];
    char recipient[GARANT_MAIL_MAX_RECIPIENT + 1];
    int64_t ticket_id; /* 0: none */
    int has_error;     /* 0: no error recorded (last_error "") */
    char last_error[GARANT_MAIL_MAX_ERROR + 1];
    int64_t sent_at;   /* 0: not sent */
    int64_t pruned_at; /* 0: its bytes are kept */
} garant_mail_row;

/* Counts by state, for /metrics. */
typedef struct garant_mail_counts {
    int64_t queued, sent, failed;
    int64_t oldest_queued_at; /* created_at of the oldest queued mail; 0: none */
} garant_mail_counts;

typedef struct garant_store_mail_ops {
    /* Queue a mail; its id through *out_id (may be NULL). Runs in the
    ** caller's transaction when there is one (that is the point: the row
    ** commits with the event), else on its own. GARANT_EINVAL for an empty
    ** or over-long message id or recipient, GARANT_ELIMIT for raw over
    ** GARANT_MAIL_MAX_RAW. */
    int (*enqueue)(garant_store_conn *c, const garant_mail_new *m, int64_t *out_id);
    /* Claim up to limit queued mails due at now, earliest due first, and
    ** push their due_at to lease_until: fills out[0..*out_n). In the
    ** caller's write transaction, or in one of its own. */
    int (*claim)(garant_store_conn *c, int64_t now, int64_t lease_until, garant_mail_claimed *out, int limit,
                 int *out_n);
    /* The bytes of mail id. Caller owns *out; free with free(). ENOTFOUND. */
    int (*load_raw)(garant_store_conn *c, int64_t id, void **out, size_t *out_len);
    /* The SMTP server took it: state sent, counts the attempt. ENOTFOUND
    ** if unknown or no longer queued (sent already). */
    int (*mark_sent)(garant_store_conn *c, int64_t id, int64_t at);
    /* A temporary failure: counts the attempt, keeps the error (its first
    ** GARANT_MAIL_MAX_ERROR bytes), due again at next_due. The caller
    ** chooses the back-off. ENOTFOUND as mark_sent. */
    int (*mark_retry)(garant_store_conn *c, int64_t id, int64_t next_due, const char *error);
    /* Given up (a permanent refusal, or too old): state failed. */
    int (*mark_failed)(garant_store_conn *c, int64_t id, int64_t at, const char *error);
    int (*counts)(garant_store_conn *c, garant_mail_counts *out);
    /* The latest rows (at most limit, 1..GARANT_MAIL_MAX_LISTED), oldest
    ** first, without their bytes: out[0..*out_n). Caller owns *out (NULL
    ** when *out_n is 0); free with free(). */
    int (*list)(garant_store_conn *c, int limit, garant_mail_row **out, size_t *out_n);
    /* Retention: drop the bytes of at most limit sent or failed mails
    ** queued before `before` (oldest first), keeping each row (its
    ** Message-ID and recipient still attribute a late bounce; its times
    ** and state stay on record) with pruned_at = now. Queued mails are
    ** never touched. *out_n: how many were pruned (below limit: none of
    ** that age is left). */
    int (*prune)(garant_store_conn *c, int64_t before, int64_t now, int limit, int *out_n);
    /* The server's mail key into out: the stored one, or, when none is
    ** stored yet, candidate, which is stored (and never replaced). In the
    ** caller's write transaction, or in one of its own. */
    int (*key_keep)(garant_store_conn *c, unsigned char out[GARANT_STORE_MAIL_KEY_BYTES],
                    const unsigned char candidate[GARANT_STORE_MAIL_KEY_BYTES], int64_t now);
} garant_store_mail_ops;

#endif
