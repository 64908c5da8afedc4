/*
** accounts.c - what every backend and the layers above share about
** accounts: the names of the roles and of a member's approval state, as
** stored, shown by the API and typed on the command line. One table each,
** so that the places that turn them into text and back cannot disagree.
** Also the free functions of the lists that hold rows of two kinds (an
** organization and its domains, a group and its members).
*/
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *const role_names[] = {
    [GARANT_ROLE_CUSTOMER] = "customer",
    [GARANT_ROLE_AGENT] = "agent",
    [GARANT_ROLE_ADMIN] = "admin",
};
#define NROLES (sizeof role_names / sizeof role_names[0])

const char *garant_role_name(garant_role role)
{
    return (size_t)role < NROLES ? role_names[role] : "customer";
}

int garant_role_parse(garant_role *out, const char *name)
{
    for (size_t i = 0; name && i < NROLES; i++)
        if (!strcmp(name, role_names[i])) {
            *out = (garant_role)i;
            return 1;
        }
    return 0;
}

static const char *const approval_names[] = {
    [GARANT_APPROVAL_NONE] = NULL,
    [GARANT_APPROVAL_PENDING] = "pending",
    [GARANT_APPROVAL_APPROVED] = "approved",
    [GARANT_APPROVAL_REFUSED] = "refused",
};
#define NAPPROVALS (sizeof approval_names / sizeof approval_names[0])

const char *garant_approval_name(garant_approval a)
{
    return (size_t)a < NAPPROVALS ? approval_names[a] : NULL;
}

int garant_approval_parse(garant_approval *out, const char *name)
{
    for (size_t i = 1; name && i < NAPPROVALS; i++)
        if (!strcmp(name, approval_names[i])) {
            *out = (garant_approval)i;
            return 1;
        }
    return 0;
}

void garant_org_list_free(garant_org_list *l)
{
    if (!l) return;
    free(l->orgs);
    free(l->domains);
    memset(l, 0, sizeof *l);
}

void garant_group_list_free(garant_group_list *l)
{
    if (!l) return;
    free(l->groups);
    free(l->members);
    memset(l, 0, sizeof *l);
}
