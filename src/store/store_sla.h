/*
** store_sla.h - the SLA monitor's memory, the webhook outbox, webhook
** targets and the versions of the policy.
**
** Warnings and breaches are recorded once per ticket, kind and deadline
** (a unique key), in the same transaction as the outbox rows that deliver
** them: a restart neither repeats nor loses one.
*/
#ifndef GARANT_STORE_SLA_H
#define GARANT_STORE_SLA_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* Ceilings of a webhook's columns (bytes). */
#define GARANT_MAX_WEBHOOK_URL 2048
#define GARANT_MAX_WEBHOOK_SECRET 128
#define GARANT_MAX_WEBHOOK_EVENT 63
#define GARANT_MAX_WEBHOOK_EVENTS 1024   /* the subscription list */
/* Kept of a delivery's last error message. */
#define GARANT_MAX_DELIVERY_ERROR 1000
/* Rows outbox_list returns at most: the latest ones. */
#define GARANT_MAX_OUTBOX_LISTED 1000
/* Rows due_events returns at most per call. */
#define GARANT_MAX_SLA_DUE 1000

typedef struct garant_outbox_item {
    int64_t id;
    int64_t webhook_id;
    char url[GARANT_MAX_WEBHOOK_URL + 1];
    char secret[GARANT_MAX_WEBHOOK_SECRET + 1];
    char event[GARANT_MAX_WEBHOOK_EVENT + 1]; /* "sla.warning", "sla.breach", ... */
    char *payload;           /* JSON text; caller frees with free() */
    int attempts;
    int64_t next_attempt_at;
} garant_outbox_item;

/* A ticket whose warning or deadline has come (due_events). */
typedef struct garant_sla_due {
    int64_t ticket_id;
    int64_t first_response_due;          /* UTC epoch seconds */
    int64_t warn_at;                     /* UTC epoch seconds */
    char subject[GARANT_MAX_SUBJECT + 1];
    char org_name[GARANT_MAX_NAME + 1];
    char requester_email[GARANT_MAX_EMAIL + 1];
} garant_sla_due;

/* A webhook target as listed (its secret never is). */
typedef struct garant_webhook {
    int64_t id;
    char url[GARANT_MAX_WEBHOOK_URL + 1];
    char events[GARANT_MAX_WEBHOOK_EVENTS + 1]; /* "*" or names joined by commas */
    int64_t created_at;
} garant_webhook;

/* One delivery of the outbox, as listed. */
typedef struct garant_outbox_row {
    int64_t id;
    char event[GARANT_MAX_WEBHOOK_EVENT + 1];
    char url[GARANT_MAX_WEBHOOK_URL + 1];
    int attempts;
    int64_t delivered_at;                /* 0: not delivered */
    int has_error;                       /* 0: no error recorded (last_error "") */
    char last_error[GARANT_MAX_DELIVERY_ERROR + 1];
} garant_outbox_row;

/* One saved version of the policy as listed. */
typedef struct garant_policy_listed {
    int64_t version;
    int64_t created_at;                  /* UTC epoch seconds */
    int64_t created_by;                  /* users.id; 0: the server's configuration */
    char created_by_email[GARANT_MAX_EMAIL + 1]; /* "" when created_by is 0 */
    int64_t tickets;                     /* filed under it, or moved onto it */
} garant_policy_listed;

/* One saved version of the policy. */
typedef struct garant_policy_version {
    char *yaml;        /* the YAML as saved */
    int64_t version;   /* policies.id, from 1 */
    int64_t by_user;   /* who saved it; 0: the server's configuration */
} garant_policy_version;

/* One applied correction of open tickets (docs/SLA.md): who moved them
** onto which version, when, why, and what it counted. */
typedef struct garant_correction {
    int64_t id, at;
    int64_t by_user;          /* users.id of the admin */
    const char *by_email;     /* borrowed for the callback; "" if unknown */
    int64_t to_version;
    const char *reason;       /* borrowed; NULL when none was needed */
    int64_t examined, moved, earlier, later;
} garant_correction;

typedef int garant_correction_fn(void *ctx, const garant_correction *c);

typedef struct garant_store_sla_ops {
    /* Tickets awaiting a first response whose warn_at (kind "warning") or
    ** first_response_due (kind "breach") is at or before now and that have
    ** no such event for their current deadline, earliest first, at most
    ** limit (1..GARANT_MAX_SLA_DUE): out[0..*out_n). Caller owns *out
    ** (NULL when *out_n is 0); free with free(). */
    int (*due_events)(garant_store_conn *c, const char *kind, int64_t now, int limit, garant_sla_due **out,
                      size_t *out_n);
    /* Record the event; GARANT_ECONFLICT if already recorded for that
    ** (ticket, kind, due): the caller then does nothing more. */
    int (*record_event)(garant_store_conn *c, int64_t ticket_id, const char *kind, int64_t due, int64_t at);

    /* Webhook targets; webhook_list: every one, by id, into out[0..*out_n)
    ** (secrets not listed). Caller owns *out (NULL when *out_n is 0); free
    ** with free(). */
    int (*webhook_insert)(garant_store_conn *c, const char *url, const char *secret, const char *events,
                          int64_t at, int64_t *out_id);
    int (*webhook_list)(garant_store_conn *c, garant_webhook **out, size_t *out_n);
    int (*webhook_delete)(garant_store_conn *c, int64_t id); /* ENOTFOUND */
    /* Queue `payload` for every webhook subscribed to `event` ("*" = all). */
    int (*outbox_enqueue)(garant_store_conn *c, const char *event, const char *payload, int64_t now);
    /* Up to limit undelivered items due at now, oldest first. Caller owns
    ** each item's payload. Returns the count through *out_n. */
    int (*outbox_due)(garant_store_conn *c, int64_t now, garant_outbox_item *out, int limit, int *out_n);
    int (*outbox_delivered)(garant_store_conn *c, int64_t id, int64_t at);
    int (*outbox_failed)(garant_store_conn *c, int64_t id, int64_t next_attempt_at, const char *error);
    /* Delivery history for the admin: the latest GARANT_MAX_OUTBOX_LISTED
    ** rows, oldest first, into out[0..*out_n). Caller owns *out (NULL when
    ** *out_n is 0); free with free(). */
    int (*outbox_list)(garant_store_conn *c, garant_outbox_row **out, size_t *out_n);

    /* Policy versions, numbered from 1 and never edited (docs/SLA.md, "The
    ** terms a ticket was filed under"). by_user 0: from the configuration.
    ** latest and get are ENOTFOUND where there is none; out->yaml: caller
    ** owns, free with free(). */
    int (*policy_insert)(garant_store_conn *c, const char *yaml, int64_t at, int64_t by_user, int64_t *out_version);
    int (*policy_latest)(garant_store_conn *c, garant_policy_version *out);
    int (*policy_get)(garant_store_conn *c, int64_t version, garant_policy_version *out);
    /* Every version, newest first, into out[0..*out_n). Caller owns *out
    ** (NULL when *out_n is 0); free with free(). */
    int (*policy_list)(garant_store_conn *c, garant_policy_listed **out, size_t *out_n);
    /* Tickets filed before versions existed (policy_version NULL) take
    ** this one. */
    int (*policy_adopt)(garant_store_conn *c, int64_t version);
    /* Record an applied correction (rec's id and by_email are ignored);
    ** its id through *out_id. */
    int (*correction_insert)(garant_store_conn *c, const garant_correction *rec, int64_t *out_id);
    /* The corrections applied, newest first, at most limit: fn once each,
    ** the record borrowed for the call; fn must not use c. Stops on fn's
    ** nonzero value and returns it. */
    int (*corrections)(garant_store_conn *c, int limit, garant_correction_fn *fn, void *ctx);
} garant_store_sla_ops;

#endif
