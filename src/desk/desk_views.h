/*
** desk_views.h - saved views (issue 15): the named ticket-list queries
** agents keep, for every door.
**
** The rules (docs/api.md, "Saved views"):
**   - Views are staff's: the doors refuse customers.
**   - A view belongs to its owner: private, or shared with one group of
**     agents, whose members then see it; admins see every shared view.
**     A view one may not see is GARANT_ENOTFOUND, like one that does not
**     exist.
**   - Its owner changes and deletes it, and so do admins a shared one;
**     anyone else who sees it gets GARANT_EPERM.
**   - Sharing with a group takes membership of it (GARANT_EPERM; admins
**     share with any group); a group that does not exist is GARANT_EINVAL.
**     A deleted group's views become private to their owners.
**   - A name is 1 to GARANT_MAX_VIEW_NAME characters once trimmed of
**     spaces, without control characters, unique per owner in any case
**     (GARANT_ECONFLICT).
**   - An agent keeps at most DESK_MAX_VIEWS views (GARANT_EINVAL: delete
**     one first).
** The query is the door's business: a checked, normalised query string of
** its ticket list, which the desk keeps as it is given.
*/
#ifndef GARANT_DESK_VIEWS_H
#define GARANT_DESK_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "desk_tickets.h"

/* The most views one agent keeps. */
#define DESK_MAX_VIEWS 100

/* What to set of a view, for create and update alike. Borrowed. */
typedef struct desk_view_change {
    const char *name;          /* NULL: unchanged (required to create) */
    const char *query;         /* NULL: unchanged (required to create) */
    int set_group;             /* 1: share with group_id (0: make private) */
    int64_t group_id;
} desk_view_change;

/* A new view of who's, durably; *out is it as get reads it. */
int desk_view_create(garant_view *out, garant_desk *d, const desk_actor *who, const desk_view_change *ch);
/* Change view id, durably; *out is it afterwards. */
int desk_view_update(garant_view *out, garant_desk *d, const desk_actor *who, int64_t id,
                     const desk_view_change *ch);
/* Delete view id, durably. */
int desk_view_delete(garant_desk *d, const desk_actor *who, int64_t id);

/* View id, read through c, if who may see it. */
int desk_view_get(garant_view *out, garant_store_conn *c, const desk_actor *who, int64_t id);
/* The views who sees, their own first, then the shared ones, each by
** name. Caller owns *out (NULL when *n is 0); free with free(). */
int desk_view_list(garant_view **out, size_t *n, garant_store_conn *c, const desk_actor *who);

#endif
