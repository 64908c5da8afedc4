/*
** rows.c - what every backend shares about the typed rows it returns:
** the free functions of the records that own memory (store.h).
*/
#include <stdlib.h>

#include "store.h"

void garant_notify_events_free(garant_notify_event *ev, size_t n)
{
    if (!ev) return;
    for (size_t i = 0; i < n; i++) {
        free(ev[i].data);
        free(ev[i].body);
    }
    free(ev);
}
