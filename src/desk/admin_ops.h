/*
** admin_ops.h - the admin operations on people and organizations, with
** their rules, for every door: the API's routes (routes_admin.c) and the
** command line (garant user ..., garant org ...) call the same functions,
** so a rule lives once. Each runs on the write connection inside the
** caller's transaction and appends to the audit trail (store_admin.h);
** on failure the caller rolls back, so nothing is half-written.
**
** The rules (docs/api.md, "Users" and "Organizations"):
**   - The desk keeps at least one active admin: the last one cannot be
**     demoted, deactivated or deleted (GARANT_ECONFLICT).
**   - A customer belongs to exactly one organization, staff to none. A
**     staff member made a customer needs an organization (org_id); a
**     customer made staff leaves theirs. Their tickets stay with the
**     organization they were filed for. A deactivated organization takes
**     no one.
**   - Deactivating an organization deactivates its active users (their
**     sessions end); reactivating it brings back those deactivated with
**     it, not those an admin deactivated alone. A user of a deactivated
**     organization cannot be reactivated alone.
**   - Sessions are not ended by a role change: the caller makes them
**     re-read the user (the server forgets its cached copy), so the next
**     request already runs under the new role.
**   - An organization's members see all its tickets or each only her own
**     (ticket_visibility), and may have to wait for a manager's approval
**     when they join (approval_required; desk_members.h): switching it on
**     changes nothing for the members it has. A manager is a customer
**     (org_manager); a customer who leaves the organization or becomes
**     staff stops being one (audited). Reactivating a refused member
**     approves her: the admin has decided.
*/
#ifndef GARANT_DESK_ADMIN_OPS_H
#define GARANT_DESK_ADMIN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Who acts, and when (UTC epoch seconds). user_id 0: the command line. */
typedef struct desk_admin_by {
    int64_t user_id;
    int64_t now;
} desk_admin_by;

/* Set a user's role; org_id names the organization of a customer (0:
** keep a customer's own; required when staff becomes a customer; must
** be 0 for staff). *out is the user afterwards. */
int desk_admin_user_role(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                         garant_role role, int64_t org_id);

/* Deactivate (active 0: sessions revoked) or reactivate a user. *out is
** the user afterwards. Deactivating twice keeps the first instant. */
int desk_admin_user_active(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id, int active);

/* Delete a user without history (GARANT_ECONFLICT otherwise: deactivate). */
int desk_admin_user_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id);

/* Deactivate or reactivate an organization with its users; *out_users
** says how many users changed. */
int desk_admin_org_active(int64_t *out_users, garant_store_conn *w, const desk_admin_by *by, int64_t id, int active);

/* Create an organization (io: name, plan, created_at; sets io->id) with
** its e-mail domains (lower-case, checked by the caller): GARANT_ECONFLICT
** naming the name or a domain that another organization has. */
int desk_admin_org_create(garant_org *io, garant_store_conn *w, const garant_domain *domains, size_t ndomains);

/* A change of an organization; NULL or -1 leaves a field as it is. */
typedef struct desk_org_change {
    const char *name;             /* desk_admin_org_rename */
    const char *plan;             /* for tickets submitted later */
    int active;                   /* desk_admin_org_active */
    const char *visibility;       /* desk_admin_org_members */
    int approval;                 /* desk_admin_org_members */
    const garant_domain *domains; /* to add: lower-case, checked by the caller */
    size_t ndomains;
} desk_org_change;

/* Apply ch to organization id, all or nothing in the caller's transaction:
** ENOTFOUND, or each part's own failure. *out_users says how many users
** were deactivated or came back with it. */
int desk_admin_org_update(int64_t *out_users, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                          const desk_org_change *ch);

/* Create a product (io: name, stage, created_at; sets io->id):
** GARANT_ECONFLICT if the name is taken. */
int desk_admin_product_create(garant_product *io, garant_store_conn *w);

/* Rename an organization (GARANT_ECONFLICT if the name is taken). */
int desk_admin_org_rename(garant_store_conn *w, const desk_admin_by *by, int64_t id, const char *name);

/* Delete an organization without tickets or users. */
int desk_admin_org_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id);

/* An organization's rules for its members: which tickets they see
** (visibility GARANT_VISIBILITY_ORG or _OWN; NULL leaves it) and whether
** new members wait for a manager's approval (approval 0 or 1; -1 leaves
** it). Each change is audited (org_visibility, org_approval). */
int desk_admin_org_members(garant_store_conn *w, const desk_admin_by *by, int64_t id, const char *visibility,
                           int approval);

/* Make a customer a manager of her organization (on 1) or not (0):
** GARANT_EINVAL for staff. Audited (user_org_manager). *out is the user
** afterwards. */
int desk_admin_user_manager(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id, int on);

/* Append one row to the audit trail (values may be NULL). */
int desk_admin_audit(garant_store_conn *w, const desk_admin_by *by, const char *action, int64_t subject_id,
                     const char *old_value, const char *new_value, int64_t policy_version);

#endif
