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

#include <stdint.h>

#include <jansson.h>

typedef struct garant_store_conn garant_store_conn;

typedef struct garant_outbox_item {
    int64_t id;
    int64_t webhook_id;
    char url[2049];
    char secret[129];
    char event[64];          /* "sla.warning", "sla.breach", ... */
    char *payload;           /* JSON text; caller frees with free() */
    int attempts;
    int64_t next_attempt_at;
} garant_outbox_item;

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
    ** no such event for their current deadline: JSON array of ticket
    ** objects, at most limit. */
    int (*due_events)(garant_store_conn *c, const char *kind, int64_t now, int limit, json_t **out);
    /* Record the event; GARANT_ECONFLICT if already recorded for that
    ** (ticket, kind, due): the caller then does nothing more. */
    int (*record_event)(garant_store_conn *c, int64_t ticket_id, const char *kind, int64_t due, int64_t at);

    /* Webhook targets: [{id, url, events, created_at}] (secrets not listed). */
    int (*webhook_insert)(garant_store_conn *c, const char *url, const char *secret, const char *events,
                          int64_t at, int64_t *out_id);
    int (*webhook_list)(garant_store_conn *c, json_t **out);
    int (*webhook_delete)(garant_store_conn *c, int64_t id); /* ENOTFOUND */
    /* Queue `payload` for every webhook subscribed to `event` ("*" = all). */
    int (*outbox_enqueue)(garant_store_conn *c, const char *event, const char *payload, int64_t now);
    /* Up to limit undelivered items due at now, oldest first. Caller owns
    ** each item's payload. Returns the count through *out_n. */
    int (*outbox_due)(garant_store_conn *c, int64_t now, garant_outbox_item *out, int limit, int *out_n);
    int (*outbox_delivered)(garant_store_conn *c, int64_t id, int64_t at);
    int (*outbox_failed)(garant_store_conn *c, int64_t id, int64_t next_attempt_at, const char *error);
    /* Delivery history for tests and the admin: [{id, event, url, attempts,
    ** delivered_at, last_error}]. */
    int (*outbox_list)(garant_store_conn *c, json_t **out);

    /* Policy versions, numbered from 1 and never edited (docs/SLA.md, "The
    ** terms a ticket was filed under"). by_user 0: from the configuration.
    ** latest and get are ENOTFOUND where there is none; out->yaml: caller
    ** owns, free with free(). */
    int (*policy_insert)(garant_store_conn *c, const char *yaml, int64_t at, int64_t by_user, int64_t *out_version);
    int (*policy_latest)(garant_store_conn *c, garant_policy_version *out);
    int (*policy_get)(garant_store_conn *c, int64_t version, garant_policy_version *out);
    /* [{version, created_at, created_by, created_by_email, tickets}], newest
    ** first. Caller owns *out. */
    int (*policy_list)(garant_store_conn *c, json_t **out);
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
