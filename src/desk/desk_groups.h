/*
** desk_groups.h - groups of agents, assignment and the routing of new
** tickets (issue 15), for every door.
**
** The rules (docs/api.md, "Groups and assignment"):
**   - A group's members are active staff (agents, admins); a name is
**     unique, case folded. Admins create, rename, delete groups and set
**     their members; each change is a row of the audit trail (group_created,
**     group_name, group_settings, group_members, group_deleted). A group
**     with tickets assigned to it is not deleted (GARANT_ECONFLICT).
**   - A ticket is assigned to an agent and/or a group by staff; the
**     assignee is active staff, and a member of the ticket's group when
**     it has one (GARANT_EINVAL otherwise: 422). Every change is an
**     'assigned' event {from, to: {assignee_id, assignee_name, group_id,
**     group_name}} by who, at now (names as they were then).
**   - New tickets join the default group when there is one; a group with
**     round-robin hands each its next member in id order, continuing from
**     the member its last routed ticket went to (so the turn survives a
**     restart and tests can predict it). The routing is part of the
**     'created' event (group_id, assignee_id), written by the same insert.
*/
#ifndef GARANT_DESK_GROUPS_H
#define GARANT_DESK_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "admin_ops.h"
#include "desk_tickets.h"

/* A group change: the fields to change (set_* nonzero), for create and
** update alike. name is borrowed. */
typedef struct desk_group_change {
    const char *name;      /* NULL: unchanged (required to create) */
    int round_robin;       /* -1 unchanged, 0 off, 1 on */
    int is_default;        /* -1 unchanged, 0 no, 1 yes */
} desk_group_change;

/* Create a group on w (inside the caller's transaction); *out is it. */
int desk_group_create(garant_group *out, garant_store_conn *w, const desk_admin_by *by, const desk_group_change *ch);
/* Change group id; *out is it afterwards. */
int desk_group_update(garant_group *out, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                      const desk_group_change *ch);
int desk_group_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id);
/* Make users[0..n) the members of group id: each an active agent or
** admin (GARANT_EINVAL naming the first that is not). */
int desk_group_set_members(garant_store_conn *w, const desk_admin_by *by, int64_t id, const int64_t *users, size_t n);

/* Assign ticket id, durably: set_assignee/set_group say which of
** assignee_id and group_id to change (0 clears it). Recorded as an
** 'assigned' event by who. */
int desk_ticket_assign(garant_desk *d, const desk_actor *who, int64_t id, int set_assignee, int64_t assignee_id,
                       int set_group, int64_t group_id);

/* The same on w inside the caller's transaction, for ticket t as read
** there: the bulk change of many tickets (desk_tickets_bulk). An
** assignment t has already is refused (GARANT_EINVAL), or with skip_same
** left alone. *changed is 1 if the assignment was written. */
int desk_ticket_assign_on(garant_store_conn *w, const desk_actor *who, const garant_ticket *t, int set_assignee,
                          int64_t assignee_id, int set_group, int64_t group_id, int skip_same, int *changed);

/* Route a ticket being filed (desk_file_write): the default group and,
** with round-robin, the member whose turn it is, into t. Reads only. */
int desk_route_new_ticket(garant_store_conn *w, garant_ticket *t);

#endif
