/*
** routes_policy.c - placeholder until the policy API lands.
*/
#include "http.h"

const http_route http_routes_policy[] = {
    {NULL, NULL, 0, NULL, NULL},
};
