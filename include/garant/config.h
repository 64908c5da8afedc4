/*
** config.h - the policy configuration file (YAML) and iCalendar holidays.
**
** The core does no I/O: the caller passes the configuration text and a
** resource callback through which the reader asks for the TZif bytes of a
** zone ("Europe/Bratislava") and the contents of files the config names
** (an .ics holiday feed). config/garant.yaml is the documented default.
**
** Every problem found is reported with its line and column, not just the
** first, so `garant config check` can list them all.
*/
#ifndef GARANT_CONFIG_H
#define GARANT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "garant/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum garant_resource_kind {
    GARANT_RESOURCE_ZONE = 0, /* name is an IANA zone: return TZif bytes */
    GARANT_RESOURCE_FILE = 1  /* name is a path as written in the config */
} garant_resource_kind;

/* Fetch a resource. On success return 0 and set *out_data to a malloc'd
** buffer of *out_len bytes, which the reader frees with free(). On failure
** return a negative garant_err (GARANT_ENOTFOUND for an unknown zone) and
** leave a message in garant_error_last(). */
typedef int (*garant_resource_fn)(void *ctx, garant_resource_kind kind,
                                  const char *name, uint8_t **out_data,
                                  size_t *out_len);

typedef struct garant_diags garant_diags;

/* One finding: 1-based line and column in the config text (0 if unknown). */
typedef struct garant_diag {
    int line;
    int column;
    const char *message;
} garant_diag;

size_t garant_diags_count(const garant_diags *d);
/* Borrowed; valid until garant_diags_free. */
const garant_diag *garant_diags_get(const garant_diags *d, size_t i);
void garant_diags_free(garant_diags *d);

/* Read a policy from YAML text. On success *out is a validated policy.
** On failure returns GARANT_ECONFIG (GARANT_ELIMIT for a text over 1 MiB or
** nested too deep, GARANT_ENOMEM) and *out is NULL.
** *out_diags, if out_diags is non-NULL, receives every finding (possibly
** none). Caller owns *out and *out_diags; free with garant_policy_free and
** garant_diags_free. */
int garant_config_load(garant_policy **out, garant_diags **out_diags,
                       const char *text, size_t len, garant_resource_fn fn,
                       void *ctx);

/* Add the events of an iCalendar (.ics) text as closures to a spec:
** all-day events close each day of [DTSTART, DTEND); plain yearly rules
** (RRULE:FREQ=YEARLY) become fixed-date holidays, rules with COUNT or UNTIL
** are expanded (at most 1000 dates, less EXDATEs); timed events in floating
** local time become partial-day closures, timed events in UTC or with a
** TZID are skipped. Open-ended rules of other kinds, RDATE and unparsable
** lines fail the whole feed, naming the event; a failed feed adds nothing.
** Returns the number added through *out_n. libical keeps process-wide
** settings: do not call this from two threads at once. */
int garant_ics_add_holidays(size_t *out_n, garant_calendar_spec *spec,
                            const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
