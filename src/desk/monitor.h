/*
** monitor.h - the SLA monitor's thread (monitor.c), started by the desk.
*/
#ifndef GARANT_DESK_MONITOR_H
#define GARANT_DESK_MONITOR_H

#include "desk.h"

/* The monitor thread's body: raises warnings and breaches, and delivers
** webhooks from a thread of its own, until the desk stops. arg is the
** garant_desk. */
void *desk_monitor_main(void *arg);

/* A round of the monitor, or of the deliverer, completed (desk.c counts
** them for /metrics). */
void desk_count_monitor_round(garant_desk *d);
void desk_count_delivery_round(garant_desk *d);

#endif
