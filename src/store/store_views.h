/*
** store_views.h - saved views (issue 15): a named ticket-list query an
** agent keeps, private to its owner or shared with one group of agents.
**
** The query is the text of a GET /api/v1/tickets query string, checked
** and normalised by the door before it comes here; the store keeps it as
** given. Who may see, change and share a view, and how many one agent may
** keep, are the desk's rules (desk_views.h). A name is unique per owner,
** ASCII letters case folded. A view shared with a group that is deleted
** becomes private to its owner again; a deleted user's views go with them.
*/
#ifndef GARANT_STORE_VIEWS_H
#define GARANT_STORE_VIEWS_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* A view's name: 1 to 80 characters (UTF-8: up to 4 bytes each). */
#define GARANT_MAX_VIEW_NAME 80
#define GARANT_MAX_VIEW_NAME_BYTES (4 * GARANT_MAX_VIEW_NAME)
/* A view's query, in bytes. */
#define GARANT_MAX_VIEW_QUERY 1024
/* The most views list_for returns: an agent's own (at most the desk's
** limit) always come first. */
#define GARANT_MAX_VIEWS_LISTED 2000

typedef struct garant_view {
    int64_t id;
    int64_t owner_id;
    int64_t group_id;            /* shared with this group; 0: private */
    char name[GARANT_MAX_VIEW_NAME_BYTES + 1];
    char query[GARANT_MAX_VIEW_QUERY + 1];
    int64_t created_at;          /* UTC epoch seconds */
    int64_t updated_at;          /* UTC epoch seconds */
    /* Read by get and list_for (as they are now), ignored by insert and
    ** update: */
    char owner_name[201];
    char group_name[101];        /* "" when private */
} garant_view;

typedef struct garant_store_views_ops {
    /* Insert v (its id set); GARANT_ECONFLICT if its owner has a view of
    ** that name; GARANT_ENOTFOUND if the owner or the group does not exist. */
    int (*insert)(garant_store_conn *c, garant_view *io);
    int (*get)(garant_store_conn *c, int64_t id, garant_view *out); /* ENOTFOUND */
    /* Write v's name, query, group_id and updated_at over view v->id
    ** (ENOTFOUND; ECONFLICT for a name its owner uses for another). */
    int (*update)(garant_store_conn *c, const garant_view *v);
    int (*remove)(garant_store_conn *c, int64_t id); /* ENOTFOUND */
    /* How many views owner_id has. */
    int (*count_owned)(garant_store_conn *c, int64_t owner_id, int64_t *out);
    /* The views user_id sees: their own, then those others shared with a
    ** group user_id is a member of (every_shared: with any group), each
    ** part by name (case folded), then id; at most
    ** GARANT_MAX_VIEWS_LISTED. Caller owns *out (NULL when *n is 0);
    ** free with free(). */
    int (*list_for)(garant_store_conn *c, int64_t user_id, int every_shared, garant_view **out, size_t *n);
} garant_store_views_ops;

#endif
