/*
** desk_members.h - an organization's members (issue 15; docs/api.md,
** "Organization members"): who waits for approval, the decisions of its
** managers and of admins, and the mails that tell of them.
**
** The rules:
**   - An organization with approval_required makes each member who joins
**     it by confirming an address of its domain wait: her approval state
**     is pending (garant_approval) and she sees and files nothing (the
**     ticket scope, desk_tickets.h; the HTTP door lets her reach her own
**     account only; inbound mail from her is dropped like an unknown
**     sender's). Members who joined before the setting was switched on,
**     and anyone an admin puts in the organization, do not wait.
**   - The organization's managers (customers an admin marked
**     org_manager) are mailed about each new pending member, in their own
**     language, in the transaction that makes her pending.
**   - A manager decides on the pending members of her own organization; an
**     admin on anyone's. Approved, the member sees what the organization's
**     visibility lets her see and is mailed that she may start; refused,
**     she is deactivated (her sessions end), without a mail: the address
**     was proven, but the organization does not know her, and telling a
**     stranger so adds nothing. An admin may reactivate a refused member,
**     which approves her.
**   - A manager of one organization meets the members of another as if
**     they did not exist (GARANT_ENOTFOUND); a customer who is no manager,
**     and agents, are refused (GARANT_EPERM).
*/
#ifndef GARANT_DESK_MEMBERS_H
#define GARANT_DESK_MEMBERS_H

#include <stdint.h>

#include "desk.h"
#include "desk_tickets.h"

/* Managers mailed about one new pending member, at most. */
#define DESK_MEMBER_MAILED_MANAGERS 20

/* A member's state as the members' lists show it: "pending", "refused",
** "deactivated" or "active". Static storage. */
const char *desk_member_state(garant_approval approval, int64_t deactivated_at);

/* Run inside the write that made u a member of her organization by her
** address's domain (the confirmation of a sign-up), on w: when the
** organization approves its members, u waits (u->approval set) and each
** manager who can be mailed is, through the mail outbox. A mail that
** cannot be built is logged and left out; it never undoes the joining.
** *out_mailed says how many were queued (wake the sender after the
** commit). */
int desk_member_joined(int *out_mailed, garant_store_conn *w, garant_desk *d, garant_user *u);

/* 0 if u may manage her organization's members (an active, approved
** manager), else GARANT_EPERM saying why. */
int desk_member_manager_check(const garant_user *u);

/* Narrow a user list's filter to the members a manager may list: her
** organization's customers. GARANT_EPERM for anyone else. */
int desk_members_filter(garant_user_filter *f, const garant_user *who);

/* The decision of who (a manager of the member's organization, or an
** admin) on pending member id, durably and audited: approve (1) or refuse
** (0). GARANT_ECONFLICT if she is not pending. *out is the member
** afterwards. Her cached sessions are forgotten (she sees the change on
** her next request). */
int desk_member_decide(garant_user *out, garant_desk *d, const desk_actor *who, int64_t id, int approve);

/* The same inside a caller's write on w (an admin's change of a user that
** decides with other changes, all or nothing); *out_mailed counts the
** mails queued: wake the sender and forget the member's cached sessions
** after the commit. */
int desk_member_decide_on(garant_user *out, int *out_mailed, garant_store_conn *w, garant_desk *d,
                          const desk_actor *who, int64_t id, int approve);

#endif
