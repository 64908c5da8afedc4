/*
** desk_policy.h - saving the SLA policy and changing a product's stage,
** for every door (policy_ops.c). The routes of src/http/routes_policy.c
** parse the request and serialise the answer; the rules live here.
**
** The rules (docs/SLA.md, "The terms a ticket was filed under"):
**   - A saved policy is a new version, never an edit; it applies to
**     tickets filed after it and moves no open deadline. It takes effect in
**     the writer's transaction: the version is stored and the desk's policy
**     swapped before that transaction's other writes run, so no ticket
**     filed after it is counted under the old one. If the transaction does
**     not commit, the newest saved version is put back in force.
**   - The new policy must still know every plan an organization is on and
**     every stage a product is in (GARANT_EINVAL otherwise), or new tickets
**     could not be filed.
**   - A product's stage is part of the terms a ticket is filed under:
**     changing it saves the YAML in force again as a new version, sets the
**     stage and appends a product_stage row to the audit trail naming that
**     version, in one write. Open tickets keep their stage and version until
**     a correction moves them. The stage must be one of the policy's
**     (GARANT_EINVAL); a policy saved meanwhile is GARANT_ECONFLICT.
*/
#ifndef GARANT_DESK_POLICY_H
#define GARANT_DESK_POLICY_H

#include <stdint.h>

#include "desk.h"

/* Who saves, and when (UTC epoch seconds). user_id 0: the configuration
** or the command line. */
typedef struct desk_policy_by {
    int64_t user_id;
    int64_t now;
} desk_policy_by;

/* Save yaml, which the caller compiled into pol (with the resources its
** door allows), as the newest version and put it in force; its number
** through *out_version. Takes ownership of pol. yaml is borrowed. */
int desk_policy_save(int64_t *out_version, garant_desk *d, garant_policy *pol, const char *yaml,
                     const desk_policy_by *by);

/* What desk_product_stage did. */
typedef struct desk_stage_change {
    garant_product product;    /* as it is afterwards */
    char old_stage[GARANT_MAX_KEY + 1];
    int64_t version;           /* the new version; 0: the product was in that stage already */
} desk_stage_change;

/* Move product product_id into stage, through a new policy version (see
** above). c is a read connection of the caller's, for the YAML in force.
** GARANT_ENOTFOUND for no such product. */
int desk_product_stage(desk_stage_change *out, garant_desk *d, garant_store_conn *c, int64_t product_id,
                       const char *stage, const desk_policy_by *by);

#endif
