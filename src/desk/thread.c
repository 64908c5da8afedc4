/*
** thread.c - naming the desk's threads (desk.h), apart from the desk
** context so that the writer and the monitor, which desk.c starts, do not
** call back into it.
*/
#include <sys/prctl.h>

#include "desk.h"

void desk_thread_name(const char *name)
{
    /* Names show in top -H, perf and gdb; Linux keeps 15 characters. */
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
