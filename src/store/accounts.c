/*
** accounts.c - what every backend and the layers above share about
** accounts: the names of the roles, as stored, shown by the API and typed
** on the command line. One table, so that the four places that turn a role
** into text and back cannot disagree.
*/
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
