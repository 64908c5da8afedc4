/*
** desk_ticket_clock.h - the clock of a ticket and the checks of its terms
** (ticket_clock.c): which priority, environment and status are valid, the
** deadline of a new ticket and of a reclassified one, its SLA state and
** the time left. Pure rules over a record and a policy; only
** desk_ticket_clock_source reads (a ticket's priority changes).
**
** The SLA state of a ticket at `now` (desk_ticket_sla_state):
**   none      no deadline (the plan, priority or product stage carries no
**             guarantee);
**   met       first responded at or before the deadline;
**   breached  first responded after the deadline, or still awaiting a
**             response with now past the deadline (the store's `breached`
**             filter uses the same definition: now > due), or a breach
**             the monitor recorded;
**   warning   awaiting, now at or past warn_at;
**   active    awaiting, before warn_at.
*/
#ifndef GARANT_DESK_TICKET_CLOCK_H
#define GARANT_DESK_TICKET_CLOCK_H

#include <stdint.h>

#include "desk.h"

/* The terms a ticket's deadline is computed under: its plan and stage at
** submission, with the given priority. Strings are borrowed from t. */
garant_ticket_terms desk_ticket_terms(const garant_ticket *t, int priority);

/* The SLA state of t at now (the states above). Static storage. */
const char *desk_ticket_sla_state(const garant_ticket *t, int64_t now);

/* The one lateness figure (garant_lateness_format) of t's first response
** due at due_s, at at_s: target time left, negative once late. Business
** seconds for a business target (*out_business = 1); wall seconds for a
** 24/7 target, or when pol no longer knows t's terms (*out_business = 0). */
void desk_ticket_remaining(int64_t *out_left_s, int *out_business, const garant_policy *pol, const garant_ticket *t,
                           int64_t due_s, int64_t at_s);

/* The instant t's deadline counts from and the priority whose target it
** counts, replaying its priority changes (read through c, which may be
** NULL) when the current priority's clock from submission does not give
** the stored deadline; the submission and current priority otherwise. */
void desk_ticket_clock_source(int64_t *out_start, int *out_priority, garant_store_conn *c, const garant_policy *pol,
                              const garant_ticket *t);

/* ---- checks -------------------------------------------------------------- */

/* A priority pol declares; GARANT_EINVAL naming the field otherwise. */
int desk_check_priority(const garant_policy *pol, int64_t priority);
/* Is env "production", "staging" or "development"? */
int desk_environment_known(const char *env);
/* The priority's environment rule (P1 and P2 are for production only):
** GARANT_EINVAL saying the rule and the priority to choose instead. */
int desk_check_environment(const garant_policy *pol, int priority, const char *env);
/* Is s a status: open, pending, solved or closed? */
int desk_status_known(const char *s);

/* The deadline and warning instant of a new ticket filed at
** t->submitted_at under pol, into t. */
int desk_initial_deadline(const garant_policy *pol, garant_ticket *t);
/* The deadline after changing t's priority to `to` at now (docs/SLA.md). */
int desk_reclassified(const garant_policy *pol, const garant_ticket *t, int to, int64_t now, int64_t *out_due,
                      int64_t *out_warn);

#endif
