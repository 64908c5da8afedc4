/*
** ticket_scope.c - who sees which tickets (desk_tickets.h): a customer her
** organization's, or only her own where it says so; its managers all of
** them; staff every ticket; a member waiting for approval none. The one
** rule of every read path: lists, a ticket, its files, mail replies. Apart
** from tickets.c, which files and changes tickets, so that the modules
** that only read (attachments.c) need nothing else of it.
*/
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_tickets.h"

static int is_staff(const garant_user *u) { return u->role != GARANT_ROLE_CUSTOMER; }

/* ---- who sees which tickets ---------------------------------------------------- */

/* A member her organization's manager has not approved (yet): she sees
** nothing. A refused member is deactivated as well; this holds should
** anything bring her back unapproved. */
static int unapproved(const garant_user *u)
{
    return u->approval == GARANT_APPROVAL_PENDING || u->approval == GARANT_APPROVAL_REFUSED;
}

static int unapproved_refusal(void)
{
    return garant__error(GARANT_EPERM, "your organization's manager has not approved your account yet: "
                                       "until then you can neither see nor file tickets");
}

int desk_ticket_scope(desk_scope *out, garant_store_conn *c, const garant_user *u)
{
    memset(out, 0, sizeof *out);
    if (is_staff(u)) {
        out->all = 1;
        return 0;
    }
    if (unapproved(u)) return unapproved_refusal();
    out->org_id = u->org_id;
    if (u->org_manager) return 0;
    garant_org org;
    int rc = GS(c)->accounts->org_get(c, u->org_id, &org);
    if (rc == GARANT_ENOTFOUND) /* no organization: nothing of anyone's */
        return garant__error(GARANT_EPERM, "your account belongs to no organization");
    if (rc) return rc;
    if (!strcmp(org.ticket_visibility, GARANT_VISIBILITY_OWN)) out->requester_id = u->id;
    return 0;
}

int desk_scope_holds(const desk_scope *s, const garant_ticket *t)
{
    if (s->all) return 1;
    return t->org_id == s->org_id && (!s->requester_id || t->requester_id == s->requester_id);
}

int desk_ticket_filter_scope(garant_ticket_filter *f, garant_store_conn *c, const garant_user *u)
{
    desk_scope s;
    int rc = desk_ticket_scope(&s, c, u);
    if (rc || s.all) return rc;
    f->org_id = s.org_id;
    f->requester_id = s.requester_id;
    f->public_only = 1;
    return 0;
}

/* The common case decides without reading the organization: a customer's
** own ticket, or another organization's. */
int desk_ticket_visible(garant_ticket *out, garant_store_conn *c, const desk_actor *who, int64_t id)
{
    const garant_user *u = who->user;
    if (!is_staff(u) && unapproved(u)) return unapproved_refusal();
    int rc = GS(c)->tickets->get(c, id, out);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "ticket %lld not found", (long long)id);
    if (rc || is_staff(u)) return rc;
    int sees = out->org_id == u->org_id && out->requester_id == u->id;
    if (!sees && out->org_id == u->org_id) {
        desk_scope s;
        if ((rc = desk_ticket_scope(&s, c, u))) return rc;
        sees = desk_scope_holds(&s, out);
    }
    if (!sees) return garant__error(GARANT_ENOTFOUND, "ticket %lld not found", (long long)id);
    return 0;
}
