/*
** admin_ops.c - the admin operations on people and organizations and
** their rules (admin_ops.h), shared by the API and the command line.
*/
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"

int desk_admin_audit(garant_store_conn *w, const desk_admin_by *by, const char *action, int64_t subject_id,
                     const char *old_value, const char *new_value, int64_t policy_version)
{
    garant_audit_in row = {by->now, by->user_id, action, subject_id, old_value, new_value, policy_version};
    return GS(w)->admin->audit_insert(w, &row);
}

static int get_user(garant_store_conn *w, int64_t id, garant_user *out)
{
    int rc = GS(w)->accounts->user_get(w, id, out);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "user %lld not found", (long long)id);
    return rc;
}

/* GARANT_ECONFLICT when u is the last active admin and would stop being one. */
typedef enum admin_change { DEMOTE, DEACTIVATE, DELETE } admin_change;

static int keep_an_admin(garant_store_conn *w, const garant_user *u, admin_change change)
{
    if (u->role != GARANT_ROLE_ADMIN || u->deactivated_at) return 0;
    int64_t admins = 0;
    int rc = GS(w)->admin->admin_count(w, &admins);
    if (rc) return rc;
    if (admins > 1) return 0;
    if (change == DEMOTE)
        return garant__error(GARANT_ECONFLICT,
                             "%s is the last active admin and cannot be demoted: make another user admin first",
                             u->email);
    if (change == DEACTIVATE)
        return garant__error(GARANT_ECONFLICT,
                             "%s is the last active admin and cannot be deactivated: make another user admin first",
                             u->email);
    return garant__error(GARANT_ECONFLICT,
                         "%s is the last active admin and cannot be deleted: make another user admin first", u->email);
}

/* An organization a customer may join: it exists and is active. */
static int joinable_org(garant_store_conn *w, int64_t org_id)
{
    int64_t off = 0;
    int rc = GS(w)->admin->org_deactivated_at(w, org_id, &off);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "organization %lld does not exist ('org_id', --org)", (long long)org_id);
    if (rc) return rc;
    if (off)
        return garant__error(GARANT_ECONFLICT, "organization %lld is deactivated: reactivate it first",
                             (long long)org_id);
    return 0;
}

int desk_admin_user_role(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                         garant_role role, int64_t org_id)
{
    garant_user u;
    int rc = get_user(w, id, &u);
    if (rc) return rc;
    if (role != GARANT_ROLE_CUSTOMER && org_id)
        return garant__error(GARANT_EINVAL, "an organization ('org_id', --org) is for customers only: staff (agents, admins) belong to no "
                                            "organization");
    if (role == GARANT_ROLE_CUSTOMER && !org_id) {
        if (u.role != GARANT_ROLE_CUSTOMER)
            return garant__error(GARANT_EINVAL, "an organization ('org_id', --org) is required to make %s a customer: the one "
                                                "they belong to", u.email);
        org_id = u.org_id;
    }
    if (role == u.role && org_id == u.org_id) {
        *out = u;
        return 0;
    }
    if (role != GARANT_ROLE_ADMIN && (rc = keep_an_admin(w, &u, DEMOTE))) return rc;
    if (org_id && org_id != u.org_id && (rc = joinable_org(w, org_id))) return rc;
    if ((rc = GS(w)->admin->user_set_role(w, id, role, org_id))) return rc;
    if (role != u.role)
        rc = desk_admin_audit(w, by, "user_role", id, garant_role_name(u.role), garant_role_name(role), 0);
    /* The store dropped the manager's flag with the organization. */
    if (!rc && u.org_manager) rc = desk_admin_audit(w, by, "user_org_manager", id, "true", "false", 0);
    if (!rc && org_id != u.org_id) {
        char was[24] = "", now[24] = "";
        if (u.org_id) snprintf(was, sizeof was, "%lld", (long long)u.org_id);
        if (org_id) snprintf(now, sizeof now, "%lld", (long long)org_id);
        rc = desk_admin_audit(w, by, "user_org", id, was[0] ? was : NULL, now[0] ? now : NULL, 0);
    }
    if (rc) return rc;
    u.role = role;
    u.org_id = org_id;
    u.org_manager = 0;
    u.approval = GARANT_APPROVAL_NONE;
    *out = u;
    return 0;
}

int desk_admin_user_active(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id, int active)
{
    garant_user u;
    int rc = get_user(w, id, &u);
    if (rc) return rc;
    *out = u;
    if (!active == !!u.deactivated_at) return 0;
    if (!active && (rc = keep_an_admin(w, &u, DEACTIVATE))) return rc;
    if (active && u.org_id) {
        int64_t off = 0;
        if ((rc = GS(w)->admin->org_deactivated_at(w, u.org_id, &off))) return rc;
        if (off)
            return garant__error(GARANT_ECONFLICT, "%s's organization (%lld) is deactivated: reactivate the "
                                                   "organization, which brings its users back", u.email,
                                 (long long)u.org_id);
    }
    int64_t at = active ? 0 : by->now;
    if ((rc = GS(w)->accounts->user_set_deactivated(w, id, at))) return rc;
    if (!active && (rc = GS(w)->accounts->session_revoke_user(w, id, at))) return rc;
    if ((rc = desk_admin_audit(w, by, "user_active", id, active ? "false" : "true", active ? "true" : "false", 0)))
        return rc;
    out->deactivated_at = at;
    /* Back from a refusal: the admin approves her. */
    if (active && u.approval == GARANT_APPROVAL_REFUSED) {
        if ((rc = GS(w)->admin->user_set_approval(w, id, GARANT_APPROVAL_APPROVED))) return rc;
        if ((rc = desk_admin_audit(w, by, "member_approved", id, "refused", "approved", 0))) return rc;
        out->approval = GARANT_APPROVAL_APPROVED;
    }
    return 0;
}

int desk_admin_user_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id)
{
    garant_user u;
    int rc = get_user(w, id, &u);
    if (!rc) rc = keep_an_admin(w, &u, DELETE);
    if (!rc) rc = GS(w)->accounts->user_delete(w, id);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "user %lld not found", (long long)id);
    if (!rc) rc = desk_admin_audit(w, by, "user_deleted", id, u.email, NULL, 0);
    return rc;
}

int desk_admin_org_active(int64_t *out_users, garant_store_conn *w, const desk_admin_by *by, int64_t id, int active)
{
    int64_t was = 0;
    *out_users = 0;
    int rc = GS(w)->admin->org_deactivated_at(w, id, &was);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    if (rc || !active == !!was) return rc;
    if ((rc = GS(w)->admin->org_set_deactivated(w, id, active ? 0 : by->now, out_users))) return rc;
    return desk_admin_audit(w, by, "org_active", id, active ? "false" : "true", active ? "true" : "false", 0);
}

/* Each domain must be free to take: a clear 409 before the insert's own. */
static int add_domains(garant_store_conn *w, int64_t org_id, const garant_domain *domains, size_t n)
{
    const garant_store_accounts_ops *a = GS(w)->accounts;
    for (size_t i = 0; i < n; i++) {
        int64_t owner = 0;
        int rc = a->domain_org(w, domains[i], &owner);
        if (rc == 0 && owner == org_id) continue;
        if (rc == 0)
            return garant__error(GARANT_ECONFLICT, "domain %s belongs to organization %lld already", domains[i],
                                 (long long)owner);
        if (rc != GARANT_ENOTFOUND) return rc;
        if ((rc = a->domain_add(w, org_id, domains[i]))) return rc;
    }
    return 0;
}

int desk_admin_org_create(garant_org *io, garant_store_conn *w, const garant_domain *domains, size_t ndomains)
{
    int rc = GS(w)->accounts->org_insert(w, io);
    if (rc == GARANT_ECONFLICT)
        return garant__error(GARANT_ECONFLICT, "an organization named \"%s\" exists already", io->name);
    if (rc) return rc;
    return add_domains(w, io->id, domains, ndomains);
}

int desk_admin_org_update(int64_t *out_users, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                          const desk_org_change *ch)
{
    *out_users = 0;
    garant_org cur;
    int rc = GS(w)->accounts->org_get(w, id, &cur);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    if (rc) return rc;
    if (ch->plan && strcmp(cur.plan, ch->plan) != 0 && (rc = GS(w)->accounts->org_set_plan(w, id, ch->plan)))
        return rc;
    if (ch->name && (rc = desk_admin_org_rename(w, by, id, ch->name))) return rc;
    if (ch->active >= 0 && (rc = desk_admin_org_active(out_users, w, by, id, ch->active))) return rc;
    if ((ch->visibility || ch->approval >= 0) &&
        (rc = desk_admin_org_members(w, by, id, ch->visibility, ch->approval)))
        return rc;
    return add_domains(w, id, ch->domains, ch->ndomains);
}

int desk_admin_product_create(garant_product *io, garant_store_conn *w)
{
    int rc = GS(w)->accounts->product_insert(w, io);
    if (rc == GARANT_ECONFLICT)
        return garant__error(GARANT_ECONFLICT, "a product named \"%s\" exists already", io->name);
    return rc;
}

int desk_admin_org_rename(garant_store_conn *w, const desk_admin_by *by, int64_t id, const char *name)
{
    garant_org cur;
    int rc = GS(w)->accounts->org_get(w, id, &cur);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    if (rc || !strcmp(cur.name, name)) return rc;
    rc = GS(w)->accounts->org_set_name(w, id, name);
    if (rc == GARANT_ECONFLICT)
        return garant__error(GARANT_ECONFLICT, "an organization named \"%s\" exists already", name);
    if (!rc) rc = desk_admin_audit(w, by, "org_name", id, cur.name, name, 0);
    return rc;
}

int desk_admin_org_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id)
{
    garant_org cur;
    int rc = GS(w)->accounts->org_get(w, id, &cur);
    if (!rc) rc = GS(w)->accounts->org_delete(w, id);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    if (!rc) rc = desk_admin_audit(w, by, "org_deleted", id, cur.name, NULL, 0);
    return rc;
}

int desk_admin_org_members(garant_store_conn *w, const desk_admin_by *by, int64_t id, const char *visibility,
                           int approval)
{
    garant_org cur;
    int rc = GS(w)->accounts->org_get(w, id, &cur);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    if (rc) return rc;
    if (visibility && strcmp(visibility, cur.ticket_visibility) != 0) {
        if ((rc = GS(w)->admin->org_set_visibility(w, id, visibility))) return rc;
        if ((rc = desk_admin_audit(w, by, "org_visibility", id, cur.ticket_visibility, visibility, 0))) return rc;
    }
    if (approval >= 0 && !approval != !cur.approval_required) {
        if ((rc = GS(w)->admin->org_set_approval_required(w, id, approval))) return rc;
        rc = desk_admin_audit(w, by, "org_approval", id, approval ? "false" : "true", approval ? "true" : "false", 0);
    }
    return rc;
}

int desk_admin_user_manager(garant_user *out, garant_store_conn *w, const desk_admin_by *by, int64_t id, int on)
{
    garant_user u;
    int rc = get_user(w, id, &u);
    if (rc) return rc;
    *out = u;
    if (u.role != GARANT_ROLE_CUSTOMER)
        return garant__error(GARANT_EINVAL, "'org_manager': %s is %s: only a customer manages her organization",
                             u.email, u.role == GARANT_ROLE_ADMIN ? "an admin" : "an agent");
    if (!on == !u.org_manager) return 0;
    if ((rc = GS(w)->admin->user_set_org_manager(w, id, on))) return rc;
    if ((rc = desk_admin_audit(w, by, "user_org_manager", id, on ? "false" : "true", on ? "true" : "false", 0)))
        return rc;
    out->org_manager = on ? 1 : 0;
    return 0;
}
