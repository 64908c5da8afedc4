/*
** mailer.h - the mail outbox's sender thread (mail.c), owned by the desk.
** The desk creates it at desk_open, starts it with the monitor and frees
** it after the write path has stopped accepting writes.
*/
#ifndef GARANT_DESK_MAILER_H
#define GARANT_DESK_MAILER_H

#include "desk.h"

typedef struct desk_mailer desk_mailer;

/* Caller owns *out; free with desk_mailer_free. */
int desk_mailer_new(desk_mailer **out, garant_desk *d);
/* Start the thread; 0, or GARANT_ENOMEM. */
int desk_mailer_start(desk_mailer *m);
/* Wake the thread for a round now (a mail was queued). NULL does nothing. */
void desk_mailer_wake(desk_mailer *m);
/* Wait for the thread (the desk must be stopping) and free m. NULL does
** nothing. */
void desk_mailer_free(desk_mailer *m);
/* Its counters, the oldest queued mail's age at now (UTC epoch seconds). */
void desk_mailer_stats(const desk_mailer *m, desk_mail_stats *out, int64_t now);
/* The thread's body; arg is the desk_mailer. */
void *desk_mailer_main(void *arg);

#endif
