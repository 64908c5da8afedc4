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

#include <stdint.h>

#include <jansson.h>

typedef struct garant_store_conn garant_store_conn;

/* A user's mail language ("en", "ro") and IANA zone ("" = the policy's). */
typedef struct garant_user_prefs {
    char language[8];
    char zone[64];
} garant_user_prefs;

/* The longest IANA zone name kept. */
#define GARANT_MAX_ZONE 63

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
    /* Tickets with ids in (after, upto], oldest first, at most limit:
    ** [{id, requester_id, email, name, language, zone, role, active,
    ** org_name, filed_by_mail}] where zone is "" for the policy's and
    ** active is 0 for a deactivated requester. Caller owns *out; free with json_decref. */
    int (*tickets)(garant_store_conn *c, int64_t after, int64_t upto, int limit, json_t **out);
    /* The events that may be mailed (replied, priority_changed,
    ** status_changed, sla_warning, sla_breach) with ids in (after, upto],
    ** oldest first, at most limit: [{id, ticket_id, at, kind, data (JSON
    ** text), actor_id, actor_name, actor_role, body (the reply's text, or
    ** null), public (the reply's, or null)}]. Internal notes are 'noted'
    ** events and never among them. Caller owns *out; free with json_decref. */
    int (*events)(garant_store_conn *c, int64_t after, int64_t upto, int limit, json_t **out);
    /* The requester of ticket_id as tickets() lists one (ENOTFOUND). */
    int (*requester)(garant_store_conn *c, int64_t ticket_id, json_t **out);
    /* The active, verified staff of role ("agent" or "admin"), by id:
    ** [{email, name, language, zone}]. Caller owns *out. */
    int (*staff)(garant_store_conn *c, const char *role, json_t **out);
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
