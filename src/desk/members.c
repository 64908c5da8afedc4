/*
** members.c - an organization's members: approval by its managers, and
** the mails about it (desk_members.h has the rules).
**
** The mails are rendered and composed inside the write that decides them,
** unlike a ticket's (notify.c): they are rare (one a sign-up confirmed into
** an organization that approves its members, one an approval), and
** reading the managers and queueing their mails in the transaction that
** makes the member pending is what makes "a manager is told of every
** pending member, once" true across crashes.
*/
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"
#include "desk_members.h"
#include "log.h"
#include "template.h"

const char *desk_member_state(garant_approval approval, int64_t deactivated_at)
{
    if (approval == GARANT_APPROVAL_REFUSED) return "refused";
    if (deactivated_at) return "deactivated";
    return approval == GARANT_APPROVAL_PENDING ? "pending" : "active";
}

/* Render template tpl in the language of user `to` and queue it to her on
** w. A mail that cannot be built is logged and left out (0); a store
** error is returned. *out_queued counts the mails queued. */
static int queue_mail(int *out_queued, garant_store_conn *w, garant_desk *d, const garant_user *to, const char *tpl,
                      const garant_mail_value *values, size_t n)
{
    garant_user_prefs prefs;
    int rc = GS(w)->notify->prefs_get(w, to->id, &prefs);
    if (rc) return rc;
    garant_mail_rendered m;
    desk_mail_item item;
    memset(&item, 0, sizeof item);
    rc = garant_mail_render(&m, desk_mail_templates(d), prefs.language, tpl, values, n);
    if (!rc) {
        rc = desk_mail_prepare(&item, d, to->email, m.subject, m.text);
        garant_mail_rendered_free(&m);
    }
    if (rc) {
        desk_log("mail: %s to user %lld left out: %s", tpl, (long long)to->id, garant_error_last());
        desk_mail_item_free(&item);
        return 0;
    }
    rc = desk_mail_enqueue(w, &item);
    desk_mail_item_free(&item);
    if (!rc) (*out_queued)++;
    return rc;
}

int desk_member_joined(int *out_mailed, garant_store_conn *w, garant_desk *d, garant_user *u)
{
    *out_mailed = 0;
    garant_org org;
    int rc = GS(w)->accounts->org_get(w, u->org_id, &org);
    if (rc || !org.approval_required) return rc;
    if ((rc = GS(w)->admin->user_set_approval(w, u->id, GARANT_APPROVAL_PENDING))) return rc;
    u->approval = GARANT_APPROVAL_PENDING;
    garant_user managers[DESK_MEMBER_MAILED_MANAGERS];
    size_t n = 0;
    if ((rc = GS(w)->admin->org_managers(w, u->org_id, managers, DESK_MEMBER_MAILED_MANAGERS, &n))) return rc;
    char link[600];
    snprintf(link, sizeof link, "%s/members", desk_base_url(d));
    for (size_t i = 0; i < n && !rc; i++) {
        const garant_mail_value values[] = {{"name", managers[i].name}, {"member_name", u->name},
                                            {"member_email", u->email}, {"org", org.name}, {"link", link}};
        rc = queue_mail(out_mailed, w, d, &managers[i], "member_pending", values, sizeof values / sizeof values[0]);
    }
    return rc;
}

int desk_member_manager_check(const garant_user *u)
{
    if (u->role != GARANT_ROLE_CUSTOMER)
        return garant__error(GARANT_EPERM, "this is for an organization's managers; admins decide on members with "
                                           "PATCH /api/v1/users/{id} {\"approval\"}");
    if (!u->org_manager || u->approval == GARANT_APPROVAL_PENDING || u->deactivated_at)
        return garant__error(GARANT_EPERM, "only your organization's managers see its members and approve them");
    return 0;
}

int desk_members_filter(garant_user_filter *f, const garant_user *who)
{
    int rc = desk_member_manager_check(who);
    if (rc) return rc;
    f->org_id = who->org_id;
    snprintf(f->role, sizeof f->role, "%s", garant_role_name(GARANT_ROLE_CUSTOMER));
    return 0;
}

int desk_member_decide_on(garant_user *out, int *out_mailed, garant_store_conn *w, garant_desk *d,
                          const desk_actor *who, int64_t id, int approve)
{
    *out_mailed = 0;
    const garant_user *by = who->user;
    int admin = by->role == GARANT_ROLE_ADMIN;
    int rc = admin ? 0 : desk_member_manager_check(by);
    if (rc) return rc;
    garant_user *m = out;
    rc = GS(w)->accounts->user_get(w, id, m);
    /* Another organization's member does not exist for a manager. */
    if (rc == GARANT_ENOTFOUND || (!rc && !admin && (m->role != GARANT_ROLE_CUSTOMER || m->org_id != by->org_id)))
        return garant__error(GARANT_ENOTFOUND, "member %lld not found", (long long)id);
    if (rc) return rc;
    memset(m->password_hash, 0, sizeof m->password_hash);
    if (m->approval != GARANT_APPROVAL_PENDING)
        return garant__error(GARANT_ECONFLICT, "%s is not waiting for approval (%s)", m->email,
                             desk_member_state(m->approval, m->deactivated_at));
    desk_admin_by audit = {by->id, who->now};
    if (approve) {
        if ((rc = GS(w)->admin->user_set_approval(w, m->id, GARANT_APPROVAL_APPROVED))) return rc;
        if ((rc = desk_admin_audit(w, &audit, "member_approved", m->id, "pending", "approved", 0))) return rc;
        m->approval = GARANT_APPROVAL_APPROVED;
        /* A member her organization's deactivation holds is approved all
        ** the same, and told nothing until it is back. */
        if (m->deactivated_at) return 0;
        garant_org org;
        if ((rc = GS(w)->accounts->org_get(w, m->org_id, &org))) return rc;
        char link[600];
        snprintf(link, sizeof link, "%s/tickets", desk_base_url(d));
        const garant_mail_value values[] = {{"name", m->name}, {"org", org.name}, {"link", link}};
        return queue_mail(out_mailed, w, d, m, "member_approved", values, sizeof values / sizeof values[0]);
    }
    if ((rc = GS(w)->admin->user_set_approval(w, m->id, GARANT_APPROVAL_REFUSED))) return rc;
    if (!m->deactivated_at) {
        if ((rc = GS(w)->accounts->user_set_deactivated(w, m->id, audit.now))) return rc;
        m->deactivated_at = audit.now;
    }
    if ((rc = GS(w)->accounts->session_revoke_user(w, m->id, audit.now))) return rc;
    m->approval = GARANT_APPROVAL_REFUSED;
    return desk_admin_audit(w, &audit, "member_refused", m->id, "pending", "refused", 0);
}

typedef struct decide_job {
    garant_desk *desk;
    const desk_actor *who;
    int64_t id;
    int approve;
    garant_user member; /* out */
    int mailed;         /* out */
} decide_job;

static int decide_write(garant_store_conn *w, void *ctx)
{
    decide_job *j = ctx;
    return desk_member_decide_on(&j->member, &j->mailed, w, j->desk, j->who, j->id, j->approve);
}

int desk_member_decide(garant_user *out, garant_desk *d, const desk_actor *who, int64_t id, int approve)
{
    decide_job j;
    memset(&j, 0, sizeof j);
    j.desk = d;
    j.who = who;
    j.id = id;
    j.approve = approve;
    int rc = desk_write(d, decide_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) return rc;
    desk_forget_user_sessions(d, id);
    if (j.mailed) desk_mail_wake(d);
    *out = j.member;
    return 0;
}
