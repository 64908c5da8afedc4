/*
** routes_admin.c - placeholder until the admin API lands.
*/
#include "http.h"

const http_route http_routes_admin[] = {
    {NULL, NULL, 0, NULL, NULL},
};
