/*
** monitor.c - placeholder for the SLA monitor thread.
*/
#include "server_internal.h"

void *http_monitor_main(void *arg)
{
    (void)arg;
    return NULL;
}
