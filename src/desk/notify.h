/*
** notify.h - the mail producer (notify.c) and its pure parts
** (notify_text.c): which mails a committed ticket or ticket event causes,
** for the requester and for the staff lists (issue 14, docs/mail.md
** "Ticket mails").
**
** The producer runs in the mail sender's thread (mail.c), before each
** send round. It reads the tickets and events committed after its durable
** cursor (store_notify.h), renders and composes their mails outside any
** write, then queues them and moves the cursor in one desk_write job.
*/
#ifndef GARANT_DESK_NOTIFY_H
#define GARANT_DESK_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "garant/garant.h"
#include "template.h"

/* ---- staff notification lists (--notify EVENT=ITEM,ITEM...) ---------- */

/* The events a staff list can be given for. */
typedef enum desk_notify_event {
    DESK_NOTIFY_NEW_P1 = 0, /* "new-p1": a ticket filed at priority 1 */
    DESK_NOTIFY_WARNING,    /* "warning": the SLA monitor's warning */
    DESK_NOTIFY_BREACH,     /* "breach": a missed first-response deadline */
    DESK_NOTIFY_NEVENTS
} desk_notify_event;

#define DESK_NOTIFY_MAX_ITEMS 32
#define DESK_NOTIFY_ITEM_MAX 255

/* One event's list: roles ("agent", "admin": every active verified user of
** it) and addresses, in the order given, without repeats. */
typedef struct desk_notify_list {
    char items[DESK_NOTIFY_MAX_ITEMS][DESK_NOTIFY_ITEM_MAX];
    size_t n;
} desk_notify_list;

/* Add one "EVENT=ITEM,ITEM..." spec to lists[DESK_NOTIFY_NEVENTS] (a repeat
** of an event adds to its list). GARANT_EINVAL naming the bad part. */
int desk_notify_list_parse(desk_notify_list lists[DESK_NOTIFY_NEVENTS], const char *spec);
/* "new-p1", "warning", "breach". */
const char *desk_notify_event_name(desk_notify_event e);
/* Is item a role name (not an address)? */
int desk_notify_item_is_role(const char *item);

/* ---- texts ---------------------------------------------------------------- */

/* The promise sentence of a mail in lang: the phrase "deadline" with due
** written in zone and in cet (garant_tz_format_local), or, when due is
** GARANT_NO_DUE, the phrase "no_deadline" with reason. Caller owns *out;
** free with free(). */
int desk_notify_promise(char **out, const garant_mail_templates *t, const char *lang, int64_t due,
                        const garant_tz *zone, const garant_tz *cet, const char *reason);
/* The one lateness figure (garant_lateness_format) in lang: the phrase
** left, left_business, late or late_business with garant_lateness_span's
** figure of left_s (negative: late). Caller owns *out; free with free(). */
int desk_notify_lateness(char **out, const garant_mail_templates *t, const char *lang, int64_t left_s, int business);

/* ---- the producer ---------------------------------------------------------- */

typedef struct desk_notify desk_notify;
struct garant_desk;

/* Caller owns *out; free with desk_notify_free. Parses the desk's --notify
** lists (GARANT_EINVAL, the message naming the bad one) and loads the CET
** zone (Europe/Bratislava). */
int desk_notify_new(desk_notify **out, struct garant_desk *d);
void desk_notify_free(desk_notify *n);
/* One round: the mails of up to a batch of tickets and of events past the
** cursor, queued with the cursor's move. The number of mails queued (0
** when nothing was new), or a negative garant_err; *out_more is set when a
** batch was full (run another round at once). */
int desk_notify_round(desk_notify *n, int *out_more);

#endif
