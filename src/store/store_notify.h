/*
** store_notify.h - what the mail producer reads and moves (issue 14):
** the users' mail preferences, the tickets and ticket events committed
** after its durable cursor, and the staff a notification list names.
**
** The producer (src/desk/notify.c) reads through a read connection, builds
** the mails, then queues them and moves the cursor in one write job, so a
** crash before that job re-reads the same rows and builds the same mails,
** and one after it finds the cursor moved: nothing lost, nothing queued
** twice. Instants are UTC epoch seconds.
*/
#ifndef GARANT_STORE_NOTIFY_H
#define GARANT_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* The longest IANA zone name kept. */
#define GARANT_MAX_ZONE 63

/* A user's mail language ("en", "ro") and IANA zone ("" = the policy's). */
typedef struct garant_user_prefs {
    char language[8];
    char zone[GARANT_MAX_ZONE + 1];
} garant_user_prefs;
/* Rows one walk (tickets, events) returns at most. */
#define GARANT_MAX_NOTIFY_WALK 1000
/* Staff of one role staff() returns at most. */
#define GARANT_MAX_NOTIFY_STAFF 1000

/* A ticket with its requester, as tickets() and requester() read it. */
typedef struct garant_notify_ticket {
    int64_t id;                          /* the ticket's */
    int64_t requester_id;
    char email[GARANT_MAX_EMAIL + 1];
    char name[GARANT_MAX_NAME + 1];
    char language[8];                    /* "en", "ro" */
    char zone[GARANT_MAX_ZONE + 1];      /* "" = the policy's */
    char role[16];                       /* "customer", "agent", "admin" */
    int active;                          /* 0: a deactivated requester */
    char org_name[GARANT_MAX_NAME + 1];
    int filed_by_mail;                   /* garant_ticket's filed_by_mail */
} garant_notify_ticket;

/* An event that may be mailed. The texts are the caller's once returned
** (garant_notify_events_free). */
typedef struct garant_notify_event {
    int64_t id;
    int64_t ticket_id;
    int64_t at;
    char kind[32];                       /* replied, priority_changed, ... */
    char *data;                          /* the event's JSON text; NULL if none */
    int64_t actor_id;                    /* 0: the system */
    char actor_name[GARANT_MAX_NAME + 1];/* "" for the system */
    char actor_role[16];                 /* "" for the system */
    char *body;                          /* the reply's text; NULL if not a reply */
    int public_;                         /* 1: a public reply; 0 otherwise */
} garant_notify_event;

/* Frees each event's texts and the array. NULL does nothing. */
void garant_notify_events_free(garant_notify_event *ev, size_t n);

/* A member of the staff a notification list names. */
typedef struct garant_notify_staff {
    char email[GARANT_MAX_EMAIL + 1];
    char name[GARANT_MAX_NAME + 1];
    char language[8];
    char zone[GARANT_MAX_ZONE + 1];      /* "" = the policy's */
} garant_notify_staff;

typedef struct garant_store_notify_ops {
    /* The producer's cursor: the last ticket id and ticket event id whose
    ** mails are queued (0, 0 on a new database). */
    int (*cursor)(garant_store_conn *c, int64_t *out_ticket, int64_t *out_event);
    /* Move the cursor from (from_ticket, from_event) to (to_ticket,
    ** to_event), in the caller's write transaction. GARANT_ECONFLICT when
    ** it is no longer at from_*: another producer moved it, and the mails
    ** built for that range must not be queued. */
    int (*advance)(garant_store_conn *c, int64_t from_ticket, int64_t from_event, int64_t to_ticket,
                   int64_t to_event);
    /* The newest ticket id and ticket event id (0 if none): a bound read
    ** before the rows, so every row up to it is committed already. */
    int (*last_ids)(garant_store_conn *c, int64_t *out_ticket, int64_t *out_event);
    /* Tickets with ids in (after, upto], oldest first, at most limit
    ** (1..GARANT_MAX_NOTIFY_WALK), with their requesters: out[0..*out_n).
    ** Caller owns *out (NULL when *out_n is 0); free with free(). */
    int (*tickets)(garant_store_conn *c, int64_t after, int64_t upto, int limit, garant_notify_ticket **out,
                   size_t *out_n);
    /* The events that may be mailed (replied, priority_changed,
    ** status_changed, sla_warning, sla_breach) with ids in (after, upto],
    ** oldest first, at most limit (1..GARANT_MAX_NOTIFY_WALK):
    ** out[0..*out_n). Internal notes are 'noted' events and never among
    ** them. Caller owns *out (NULL when *out_n is 0); free with
    ** garant_notify_events_free. */
    int (*events)(garant_store_conn *c, int64_t after, int64_t upto, int limit, garant_notify_event **out,
                  size_t *out_n);
    /* The requester of ticket_id as tickets() reads one (ENOTFOUND). */
    int (*requester)(garant_store_conn *c, int64_t ticket_id, garant_notify_ticket *out);
    /* The active, verified staff of role ("agent" or "admin"), by id, at
    ** most GARANT_MAX_NOTIFY_STAFF: out[0..*out_n). Caller owns *out (NULL
    ** when *out_n is 0); free with free(). */
    int (*staff)(garant_store_conn *c, const char *role, garant_notify_staff **out, size_t *out_n);
    /* A user's preferences (ENOTFOUND). */
    int (*prefs_get)(garant_store_conn *c, int64_t user_id, garant_user_prefs *out);
    /* Set them; NULL leaves one as it is, zone "" means the policy's. The
    ** caller has checked both. ENOTFOUND for no such user. */
    int (*prefs_set)(garant_store_conn *c, int64_t user_id, const char *language, const char *zone);
    /* The language a sign-up chose in the browser ("" if none or no such
    ** sign-up), by its link's token hash; and setting it on sign-up id. */
    int (*signup_language)(garant_store_conn *c, const uint8_t token_hash[32], char out[8]);
    int (*signup_set_language)(garant_store_conn *c, int64_t signup_id, const char *language);
} garant_store_notify_ops;

#endif
