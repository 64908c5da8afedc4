/*
** routes_sla.c - placeholder until the sla API lands.
*/
#include "http.h"

const http_route http_routes_sla[] = {
    {NULL, NULL, 0, NULL, NULL},
};
