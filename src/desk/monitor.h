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

#endif
