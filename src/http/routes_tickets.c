/*
** routes_tickets.c - placeholder until the tickets API lands.
*/
#include "http.h"

const http_route http_routes_tickets[] = {
    {NULL, NULL, 0, NULL, NULL},
};
