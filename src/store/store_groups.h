/*
** store_groups.h - groups of agents (teams) and their members (issue 15).
**
** A group has a unique name (case folded), a round-robin setting for the
** tickets it receives at filing, and may be the desk's default group: the
** one every new ticket joins (at most one; setting it on a group takes it
** from the other in the same write). Members are staff (agents, admins);
** the desk checks that (desk_groups.h), the store keeps what it is given.
*/
#ifndef GARANT_STORE_GROUPS_H
#define GARANT_STORE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "store_accounts.h"

typedef struct garant_store_conn garant_store_conn;

#define GARANT_MAX_GROUP_NAME 100
/* Most members one group may have (one request names them all). */
#define GARANT_MAX_GROUP_MEMBERS 100

typedef struct garant_group {
    int64_t id;
    char name[GARANT_MAX_GROUP_NAME + 1];
    int round_robin;     /* 1: new tickets go to its agents in turn */
    int is_default;      /* 1: every new ticket joins it */
    int64_t created_at;  /* UTC epoch seconds */
} garant_group;

/* A member of a group as list reads it. */
typedef struct garant_group_member {
    int64_t id;                        /* the user */
    char name[GARANT_MAX_NAME + 1];
    char email[GARANT_MAX_EMAIL + 1];
    garant_role role;
} garant_group_member;

/* One group of list, with its members. */
typedef struct garant_group_entry {
    garant_group group;
    const garant_group_member *members; /* by user id; borrowed from the list */
    size_t nmembers;
} garant_group_entry;

/* list's answer. Caller owns; free with garant_group_list_free. */
typedef struct garant_group_list {
    garant_group_entry *groups;         /* by name; NULL when n is 0 */
    size_t n;
    garant_group_member *members;       /* every group's, each one's together */
    size_t nmembers;
} garant_group_list;

/* Free l's arrays and empty it; NULL or an empty list does nothing. */
void garant_group_list_free(garant_group_list *l);

typedef struct garant_store_groups_ops {
    /* Insert g (its id set); GARANT_ECONFLICT if the name is taken. A
    ** default group takes the flag from the one that had it. */
    int (*insert)(garant_store_conn *c, garant_group *g);
    int (*get)(garant_store_conn *c, int64_t id, garant_group *out); /* ENOTFOUND */
    /* Write g's name, round_robin and is_default over group g->id
    ** (ENOTFOUND; ECONFLICT for a taken name). */
    int (*update)(garant_store_conn *c, const garant_group *g);
    /* Delete a group and its memberships; GARANT_ECONFLICT while a ticket
    ** is assigned to it. ENOTFOUND. */
    int (*remove)(garant_store_conn *c, int64_t id);
    /* Replace the members of group id with users[0..n). */
    int (*set_members)(garant_store_conn *c, int64_t id, const int64_t *users, size_t n);
    /* Every group by name, each with its members. Caller owns *out; free
    ** with garant_group_list_free (also on failure, which leaves it
    ** empty). */
    int (*list)(garant_store_conn *c, garant_group_list *out);
    /* *out 1 if user is a member of group, else 0. */
    int (*is_member)(garant_store_conn *c, int64_t group_id, int64_t user_id, int *out);
    /* The default group; ENOTFOUND if there is none. */
    int (*default_group)(garant_store_conn *c, garant_group *out);
    /* The member whose turn it is in group_id's round-robin: the active
    ** staff member with the smallest id above the one the group's last
    ** routed ticket went to, wrapping around; 0 when it has none. */
    int (*next_in_turn)(garant_store_conn *c, int64_t group_id, int64_t *out_user);
} garant_store_groups_ops;

#endif
