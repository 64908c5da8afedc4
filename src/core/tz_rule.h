/*
** tz_rule.h - the POSIX TZ rules of a zone, shared by tz.c (the zone and
** its transition table) and tz_rule.c (the rule's parser and evaluation);
** only those two include it.
*/
#ifndef GARANT_CORE_TZ_RULE_H
#define GARANT_CORE_TZ_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "garant/tz.h"

/* Footer rules are evaluated for these years only (time.h's range). Before
** and after it the state of the nearest rule year holds; a deadline past
** year 9999 is not a question garant is asked. */
#define RULE_YEAR_MIN 0
#define RULE_YEAR_MAX 9999

/* One end of the DST period in a POSIX TZ rule. */
typedef enum tz_date_kind {
    DATE_JULIAN1, /* Jn: 1..365, February 29 never counted */
    DATE_JULIAN0, /* n: 0..365, February 29 counted */
    DATE_MONTH    /* Mm.w.d: weekday d of week w (5 = last) of month m */
} tz_date_kind;

typedef struct tz_date {
    tz_date_kind kind;
    int day;        /* n of Jn and n; d (0 = Sunday) of Mm.w.d */
    int week;       /* w of Mm.w.d, 1..5 */
    int month;      /* m of Mm.w.d, 1..12 */
    int32_t time_s; /* local time of day, seconds, may be negative or > 24h */
} tz_date;

/* A POSIX TZ string: standard time, and optionally DST with its rule. The
** start time is local standard time, the end time local DST, as POSIX says. */
typedef struct tz_rule {
    garant_tz_info std;
    garant_tz_info dst;
    int has_dst;
    tz_date start;
    tz_date end;
} tz_rule;

/* A change of state produced by the footer rule in one year. */
typedef struct tz_event {
    int64_t at; /* UTC epoch s */
    int dst;    /* 1: DST from here, 0: standard time from here */
} tz_event;

/* The zone's name for messages. */
static inline const char *zone_label(const char *name) { return name && name[0] ? name : "(unnamed zone)"; }

/* The UTC calendar year of an instant, clamped to the rule years. */
int64_t garant_tz__year_of(int64_t utc_s);

/* The changes rule r makes in year y, in order, into out; returns how
** many (0 without DST, else 2). */
int garant_tz__year_events(tz_event out[2], const tz_rule *r, int64_t y);

/* The state rule r gives at utc_s. Borrowed; valid as long as r. */
const garant_tz_info *garant_tz__rule_state(const tz_rule *r, int64_t utc_s);

/* Parse the POSIX TZ string s (len bytes) of zone into out. GARANT_ETZIF
** with a message naming the offset on failure. */
int garant_tz__posix_parse(tz_rule *out, const char *zone, const char *s, size_t len);

#endif
