/*
** desk_mail_loops.h - what keeps the mail channel from talking to machines
** and from mailing into the void (issue 14; docs/mail.md, "Loops and
** bounces"): one parser of "Name <addr>" for the desk, the rate limit of
** automatic answers per address, and the bouncing state of an address.
*/
#ifndef GARANT_DESK_MAIL_LOOPS_H
#define GARANT_DESK_MAIL_LOOPS_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"

/* Automatic answers (acknowledgements of mailed tickets) one address gets
** in DESK_AUTOREPLY_WINDOW_S at most, unless desk_options.autoreply_max says. */
#define DESK_AUTOREPLY_MAX 5
#define DESK_AUTOREPLY_WINDOW_S 3600

/* The address of a From-style text into out (cap bytes): the part inside
** the last "<...>" of "Name <addr>", else the whole text, blanks around it
** trimmed, lower-cased when lower is set. 0, or GARANT_EINVAL (out "")
** when it is empty, has no '@' or does not fit. */
int desk_address_of(char *out, size_t cap, const char *text, int lower);

/* May the desk send one automatic answer to address now (UTC epoch
** seconds)? 1 yes, and it is counted (durably, before this returns); 0 no:
** the address had its DESK_AUTOREPLY_MAX within the last hour. A negative
** garant_err when the store fails (send nothing then). Thread-safe; not on
** the writer thread (it waits for a write): there use desk_autoreply_take. */
int desk_autoreply_allowed(garant_desk *d, const char *address, int64_t now_s);

/* The same inside the writer's open transaction w (a desk_write_fn's):
** *out_allowed 1 (counted in that transaction) or 0. */
int desk_autoreply_take(int *out_allowed, garant_store_conn *w, garant_desk *d, const char *address,
                        int64_t now_s);

/* A delivery status notification of ours: the mail message_id (ours: a
** Message-ID signed with the mail key, or one the outbox sent to
** recipient) could not be delivered to recipient for reason; the user
** with that address is marked bouncing at now_s. *out_user_id: the user
** marked, 0 when the DSN was not about our mail or no user has the address.
** Durable when it returns 0. */
int desk_bounce_record(int64_t *out_user_id, garant_desk *d, const char *recipient, const char *message_id,
                       const char *reason, int64_t now_s);

/* The address of user_id works again (a mail from it was accepted). */
int desk_bounce_clear(garant_desk *d, int64_t user_id);

#endif
