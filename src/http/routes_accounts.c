/*
** routes_accounts.c - placeholder until the accounts API lands.
*/
#include "http.h"

const http_route http_routes_accounts[] = {
    {NULL, NULL, 0, NULL, NULL},
};
