/*
** routes_reports.c - placeholder until the reports API lands.
*/
#include "http.h"

const http_route http_routes_reports[] = {
    {NULL, NULL, 0, NULL, NULL},
};
