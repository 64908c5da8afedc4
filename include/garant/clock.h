/*
** clock.h - first-response deadlines, elapsed and remaining business time,
** reclassification and explanations.
**
** Every function takes `now` or the instants it needs as arguments: the core
** reads no clock, so every answer is deterministic. Instants are UTC epoch
** seconds. GARANT_NO_DUE stands for "no guarantee".
**
** Reclassification rule (docs/SLA.md): a ticket is owed the response time
** of its current priority counted from submission. When the priority is
** raised, the stricter clock counts from the moment of the change and never
** ends later than the deadline the ticket already had:
**     new_due = min(old_due, due(changed_at, new priority)).
** When it is lowered, the deadline is counted from submission:
**     new_due = due(submitted_at, new priority).
*/
#ifndef GARANT_CLOCK_H
#define GARANT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "garant/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GARANT_NO_DUE INT64_MIN

/* The first-response deadline of a ticket submitted at submitted_s, or
** GARANT_NO_DUE if its plan, priority or stage carries no guarantee. */
int garant_clock_due(int64_t *out_due_s, const garant_policy *pol,
                     const garant_ticket_terms *terms, int64_t submitted_s);

/* Target time elapsed in [a_s, b_s) as the terms' target counts it:
** open seconds for a business target, wall seconds for 24/7. 0 when the
** terms carry no guarantee. */
int garant_clock_elapsed(int64_t *out_s, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t a_s,
                         int64_t b_s);

/* Target time left at now_s until due_s; negative once overdue (the
** target time that has passed since the deadline). */
int garant_clock_remaining(int64_t *out_s, const garant_policy *pol,
                           const garant_ticket_terms *terms, int64_t due_s,
                           int64_t now_s);

/* When the SLA monitor warns about a deadline: the instant at which the
** target time left until due_s falls to (1000 - warning permille) / 1000 of
** the target (with the default 75 %: a quarter of the target left).
** GARANT_NO_DUE when due_s is GARANT_NO_DUE or the terms carry no target. */
int garant_clock_warning_at(int64_t *out_s, const garant_policy *pol,
                            const garant_ticket_terms *terms, int64_t due_s);

/* The deadline after the priority changes from `from` to `to` at
** changed_s, given the deadline old_due_s (or GARANT_NO_DUE) it had.
** Plan and stage are those of `to`. See the rule above. */
int garant_clock_reclassify(int64_t *out_due_s, const garant_policy *pol,
                            const garant_ticket_terms *from,
                            const garant_ticket_terms *to,
                            int64_t submitted_s, int64_t old_due_s,
                            int64_t changed_s);

/* A ticket's priority changes, oldest first, for recomputing a deadline
** from history (after a policy change). */
typedef struct garant_priority_change {
    int64_t at_s;
    int priority;
} garant_priority_change;

/* The deadline of a ticket filed with `terms` at submitted_s whose priority
** then changed as listed (at_s ascending), each change applying the rule. */
int garant_clock_replay(int64_t *out_due_s, const garant_policy *pol,
                        const garant_ticket_terms *terms, int64_t submitted_s,
                        const garant_priority_change *changes, size_t n);

/* A ticket's first-response clock as its history makes it: the one
** statement of the rule (docs/SLA.md) that every door asks. */
typedef struct garant_clock_state {
    int64_t due_s;   /* the deadline; GARANT_NO_DUE for no guarantee */
    int64_t warn_s;  /* the warning instant, under the current priority's
                     ** target; GARANT_NO_DUE with no deadline */
    int64_t start_s; /* where the counted time starts: the submission, or
                     ** the raise whose stricter clock set the deadline */
    int priority;    /* the level whose target the deadline is */
    int current;     /* the level after the last change */
} garant_clock_state;

/* The clock of a ticket filed with `terms` at submitted_s whose priority
** then changed as listed (at_s ascending, none before the submission),
** each change applying the rule of garant_clock_reclassify. */
int garant_clock_history(garant_clock_state *out, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t submitted_s,
                         const garant_priority_change *changes, size_t n);

/* An explanation: the open windows counted towards a deadline. */
typedef struct garant_explanation garant_explanation;

/* Explain how the deadline due_s is reached counting from start_s (the
** submission, or the change for a raised priority).
** Caller owns *out; free with garant_explanation_free. */
int garant_clock_explain(garant_explanation **out, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t start_s,
                         int64_t due_s);
/* The same with the text in words (NULL: English): the weekdays, months
** and the two sentences; times, zones and durations read alike. */
int garant_clock_explain_in(garant_explanation **out, const garant_policy *pol,
                            const garant_ticket_terms *terms, int64_t start_s,
                            int64_t due_s, const garant_words *words);
void garant_explanation_free(garant_explanation *ex);

size_t garant_explanation_count(const garant_explanation *ex);
/* The i-th window counted, UTC [start_s, end_s). */
garant_window garant_explanation_window(const garant_explanation *ex,
                                        size_t i);
/* "Fri 16:30-17:00 CET (30 min), Mon 09:00-14:30 CET (5 h 30 min)", in the
** target calendar's zone (the display calendar's for 24/7 targets).
** Borrowed; valid until garant_explanation_free. */
const char *garant_explanation_text(const garant_explanation *ex);

/* A duration as people read it: "5 h 30 min", "45 s", "2 d 3 h".
** Writes at most cap bytes including the NUL; returns buf. */
char *garant_duration_format(char *buf, size_t cap, int64_t seconds);

/* The one lateness figure every door shows (the API's sla.remaining, the
** pages and the mails say the same): seconds left (negative: late) of a
** target as "2 h 59 min left" or "29 h late", with " (business hours)"
** after it when business is non-zero. Whole minutes and hours, never
** days (29 business hours are not "1 d 5 h"): what is left rounds down,
** lateness rounds up; under a minute left reads "under 1 min left".
** Writes at most cap bytes including the NUL; returns buf. */
char *garant_lateness_format(char *buf, size_t cap, int64_t seconds, int business);
/* The same in words (NULL: English, as garant_lateness_format writes it):
** "au mai rămas 2 h 59 min (ore lucrătoare)" with Romanian ones. */
char *garant_lateness_format_in(char *buf, size_t cap, int64_t seconds, int business,
                                const garant_words *words);

/* A target as people read it, in words (NULL: English): "3 h business",
** "1 h 24/7" or "none", the duration as garant_duration_format writes
** it. Writes at most cap bytes including the NUL; returns buf. */
char *garant_target_format_in(char *buf, size_t cap, const garant_target *target,
                              const garant_words *words);

/* The figure of garant_lateness_format alone, without its words: "29 h",
** "2 h 59 min", "45 min", rounded the same way ("0 min" under a minute
** left), for a door that words it in another language (the mails).
** Writes at most cap bytes including the NUL; returns buf. */
char *garant_lateness_span(char *buf, size_t cap, int64_t seconds);

/* An instant as local wall time in tz: "Mon 30 Nov 2026 14:30 CET" (with
** ":SS" when the seconds are not zero). Writes at most cap bytes including
** the NUL; returns buf. */
char *garant_format_local(char *buf, size_t cap, const garant_tz *tz,
                          int64_t utc_s);

/* A local day (days since 1970-01-01 in some zone's wall time): "Thu 24
** Dec 2026". Writes at most cap bytes including the NUL; returns buf. */
char *garant_format_day(char *buf, size_t cap, int64_t local_day);

#ifdef __cplusplus
}
#endif
#endif
