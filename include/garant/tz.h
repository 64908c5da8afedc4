/*
** tz.h - IANA time-zone rules read from TZif bytes (RFC 8536).
**
** The core never opens /usr/share/zoneinfo itself: a loader outside it reads
** the file and hands over the bytes. The reader takes version 1 to 4 files,
** uses the 64-bit data block when present, and extends the table past its
** last transition with the POSIX TZ footer, so rules hold to year 9999.
**
** Lookups here are for compiling calendars and for formatting: the hot path
** of a deadline query never converts time zones.
*/
#ifndef GARANT_TZ_H
#define GARANT_TZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct garant_tz garant_tz;

/* Longest abbreviation kept, NUL included ("CEST", "+0530", "-03"). */
#define GARANT_TZ_ABBR_MAX 16

/* The local-time type in force at an instant. */
typedef struct garant_tz_info {
    int32_t utoff_s;                /* local = UTC + utoff_s */
    int isdst;                      /* 1 in daylight-saving time */
    char abbr[GARANT_TZ_ABBR_MAX];  /* "CET" */
} garant_tz_info;

/* A change of local-time type. */
typedef struct garant_tz_transition {
    int64_t at_utc_s;        /* first instant of the new type, UTC epoch s */
    garant_tz_info before;   /* type in force just before at_utc_s */
    garant_tz_info after;    /* type in force from at_utc_s on */
} garant_tz_transition;

/* Parse TZif bytes. name is the IANA name ("Europe/Bratislava") kept for
** messages and display; it is copied. Rejects truncated or inconsistent
** files with GARANT_ETZIF and a message naming the field.
** Caller owns *out; free with garant_tz_free. */
int garant_tz_parse(garant_tz **out, const char *name, const uint8_t *data,
                    size_t len);

/* Build a zone from a POSIX TZ string alone ("CET-1CEST,M3.5.0,M10.5.0/3",
** "UTC0", "<+0530>-5:30"), as found in a TZif footer.
** Caller owns *out; free with garant_tz_free. */
int garant_tz_parse_posix(garant_tz **out, const char *name, const char *tz);

/* A fixed UTC zone named "UTC". Caller owns *out; free with garant_tz_free. */
int garant_tz_utc(garant_tz **out);

/* Deep copy. Caller owns *out; free with garant_tz_free. */
int garant_tz_clone(garant_tz **out, const garant_tz *tz);

void garant_tz_free(garant_tz *tz);

/* The name given at parse time. Borrowed; valid until garant_tz_free. */
const char *garant_tz_name(const garant_tz *tz);

/* The local-time type in force at utc_s. Never fails for a parsed zone. */
void garant_tz_lookup(garant_tz_info *out, const garant_tz *tz, int64_t utc_s);

/* The first transition strictly after after_utc_s, from the table or the
** footer's rule. Returns 1 and fills *out if there is one, 0 if the zone
** never changes again. Transitions that change nothing (same offset, dst flag
** and abbreviation) are skipped. */
int garant_tz_next_transition(garant_tz_transition *out, const garant_tz *tz,
                              int64_t after_utc_s);

/* Room for garant_tz_format_local's text, NUL included. */
#define GARANT_TZ_LOCAL_LEN 48

/* utc_s as the wall time of tz, for people and in any language:
** "2026-12-07 14:00 CET" (local date, 24-hour time to the minute, the
** zone's abbreviation; seconds are cut, so a deadline of 14:00:59 reads
** 14:00). buf holds at least GARANT_TZ_LOCAL_LEN bytes. Returns buf. */
char *garant_tz_format_local(char *buf, size_t cap, const garant_tz *tz, int64_t utc_s);

#ifdef __cplusplus
}
#endif
#endif
