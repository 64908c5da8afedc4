/*
** store_admin.h - what admins change besides tickets and the policy text,
** and the audit trail that remembers it: roles, deactivated organizations,
** product stages, the stage a ticket is counted under after a
** correction, and an organization's members: who sees which tickets, its
** managers, and the approval of its new members (managers decide too).
**
** The audit trail (audit) is append-only, like a ticket's history: no
** operation updates or deletes a row, and the SQLite schema refuses it
** with triggers. A product's stage belongs to the policy version it was
** set under (docs/SLA.md, "The terms a ticket was filed under"): the
** audit rows of stage changes, each naming the version it created, are
** also how the stage of a product under any version is found.
*/
#ifndef GARANT_STORE_ADMIN_H
#define GARANT_STORE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "store_accounts.h"

typedef struct garant_store_conn garant_store_conn;

/* One row of the audit trail. Texts are borrowed for the call. */
typedef struct garant_audit_in {
    int64_t at;               /* UTC epoch seconds */
    int64_t by_user;          /* the admin; 0 for the command line */
    const char *action;       /* user_role, user_org, user_active, user_deleted, org_active,
                              ** org_name, org_deleted, product_stage, org_visibility,
                              ** org_approval, user_org_manager, member_approved,
                              ** member_refused */
    int64_t subject_id;       /* the user, organization or product */
    const char *old_value;    /* NULL for none */
    const char *new_value;    /* NULL for none */
    int64_t policy_version;   /* product_stage: the version it created; else 0 */
} garant_audit_in;

/* A product's stage under one policy version (product_stages_at). */
typedef struct garant_product_stage {
    char product[GARANT_MAX_NAME + 1];
    char stage[GARANT_MAX_KEY + 1];
} garant_product_stage;

/* A product's stage change and the policy version it saved. */
typedef struct garant_stage_change {
    int64_t policy_version;
    char product[GARANT_MAX_NAME + 1];
    char old_value[GARANT_MAX_KEY + 1]; /* the stage before */
    char new_value[GARANT_MAX_KEY + 1]; /* the stage after */
} garant_stage_change;

/* Longest action name of the audit trail, and most rows audit_list reads. */
#define GARANT_MAX_AUDIT_ACTION 32
#define GARANT_MAX_AUDIT_LIST 500

/* One row of the audit trail as audit_list reads it. */
typedef struct garant_audit_row {
    int64_t id;
    int64_t at;                          /* UTC epoch seconds */
    int64_t by_user;                     /* the admin; 0 for the command line */
    char by_email[GARANT_MAX_EMAIL + 1]; /* theirs; "" if none (or deleted) */
    char action[GARANT_MAX_AUDIT_ACTION + 1];
    int64_t subject_id;
    int has_old_value;                   /* 0: old_value is none (NULL) */
    char old_value[GARANT_MAX_NAME + 1];
    int has_new_value;                   /* 0: new_value is none (NULL) */
    char new_value[GARANT_MAX_NAME + 1];
    int64_t policy_version;              /* product_stage: the version it created; else 0 */
} garant_audit_row;

typedef struct garant_store_admin_ops {
    /* How many admins may sign in (active). */
    int (*admin_count)(garant_store_conn *c, int64_t *out);
    /* Set a user's role and organization together (org_id 0 for staff,
    ** an organization for a customer). ENOTFOUND for an unknown user or
    ** organization. A user who stops being a customer of the organization
    ** she was in (staff now, or another one's customer) stops being its
    ** manager, and her approval state goes with it (org_manager 0,
    ** GARANT_APPROVAL_NONE): both were that organization's. */
    int (*user_set_role)(garant_store_conn *c, int64_t id, garant_role role, int64_t org_id);
    /* When the organization was deactivated (0: active). ENOTFOUND. */
    int (*org_deactivated_at)(garant_store_conn *c, int64_t id, int64_t *out_at);
    /* Deactivate an organization at `at` (UTC epoch seconds) with every
    ** active user of it (their sessions revoked), or reactivate it (at 0)
    ** with the users deactivated with it (not those deactivated alone,
    ** nor members refused meanwhile: GARANT_APPROVAL_REFUSED);
    ** *out_users says how many users changed. ENOTFOUND. */
    int (*org_set_deactivated)(garant_store_conn *c, int64_t id, int64_t at, int64_t *out_users);
    /* Deactivate a user at `at` as if with their organization (a user
    ** joining a deactivated one): they come back with it. ENOTFOUND. */
    int (*user_deactivate_with_org)(garant_store_conn *c, int64_t id, int64_t at);
    /* Products by id. */
    int (*product_get)(garant_store_conn *c, int64_t id, garant_product *out); /* ENOTFOUND */
    int (*product_set_stage)(garant_store_conn *c, int64_t id, const char *stage); /* ENOTFOUND */
    /* The stage of every product under policy version `version`, by
    ** product name. Caller owns *out (NULL when *out_n is 0); free with
    ** free(). */
    int (*product_stages_at)(garant_store_conn *c, int64_t version, garant_product_stage **out, size_t *out_n);
    /* The stage an open ticket is counted under from now on (a
    ** correction onto a version where its product has another stage). The
    ** stage it was filed under stays in its 'created' event. ENOTFOUND. */
    int (*ticket_set_stage)(garant_store_conn *c, int64_t id, const char *stage);
    /* Every stage change, by the policy version it saved, oldest first.
    ** Caller owns *out (NULL when *out_n is 0); free with free(). */
    int (*stage_changes)(garant_store_conn *c, garant_stage_change **out, size_t *out_n);
    /* Append to the audit trail. */
    int (*audit_insert)(garant_store_conn *c, const garant_audit_in *row);
    /* The newest `limit` rows (1..GARANT_MAX_AUDIT_LIST), newest first.
    ** Caller owns *out (NULL when *out_n is 0); free with free(). */
    int (*audit_list)(garant_store_conn *c, int limit, garant_audit_row **out, size_t *out_n);

    /* ---- organization members (issue 15) ---- */
    /* Which tickets an organization's members see: GARANT_VISIBILITY_ORG
    ** or GARANT_VISIBILITY_OWN (GARANT_EINVAL otherwise). ENOTFOUND. */
    int (*org_set_visibility)(garant_store_conn *c, int64_t id, const char *visibility);
    /* Whether members joining from now on wait for a manager (0 or 1);
    ** members in the organization already keep their state. ENOTFOUND. */
    int (*org_set_approval_required)(garant_store_conn *c, int64_t id, int on);
    /* Make a customer a manager of her organization (1) or not (0).
    ** GARANT_EINVAL for staff; ENOTFOUND. */
    int (*user_set_org_manager)(garant_store_conn *c, int64_t id, int on);
    /* A customer's approval state (garant_approval). GARANT_EINVAL for
    ** staff unless NONE; ENOTFOUND. */
    int (*user_set_approval)(garant_store_conn *c, int64_t id, garant_approval a);
    /* The managers of an organization who can be mailed (verified,
    ** active, not pending themselves), oldest first, at most max of them
    ** into out (password hashes left empty); *out_n says how many. */
    int (*org_managers)(garant_store_conn *c, int64_t org_id, garant_user *out, size_t max, size_t *out_n);
} garant_store_admin_ops;

#endif
