/*
** time.h - instants, civil dates and RFC 3339 text.
**
** An instant is int64_t UTC epoch seconds (leap seconds ignored, as POSIX
** does). Civil-date arithmetic is proleptic Gregorian and covers years
** 0000-9999, far beyond any calendar garant compiles.
*/
#ifndef GARANT_TIME_H
#define GARANT_TIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The instants garant represents: 0000-01-01T00:00:00Z to
** 9999-12-31T23:59:59Z. Parsers refuse anything outside, so every instant
** can be written back as RFC 3339. */
#define GARANT_TIME_MIN_S (-62167219200LL)
#define GARANT_TIME_MAX_S 253402300799LL

/* Length of "YYYY-MM-DDTHH:MM:SSZ" plus its NUL. */
#define GARANT_RFC3339_UTC_LEN 21

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t garant_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date of a day count since 1970-01-01. */
void garant_civil_from_days(int64_t *out_y, unsigned *out_m, unsigned *out_d,
                            int64_t days);

/* 0 = Sunday ... 6 = Saturday, for a day count since 1970-01-01. */
unsigned garant_weekday_from_days(int64_t days);

/* Number of days in a month of a year, 0 if the month is out of 1-12. */
unsigned garant_days_in_month(int64_t y, unsigned m);

/* Day count since 1970-01-01 of Easter Sunday (Gregorian computus). */
int64_t garant_easter_days(int64_t y);

/* Parse an RFC 3339 timestamp with a mandatory offset ("Z" or "+hh:mm"):
** "2026-11-27T15:30:00Z", "2026-11-27T16:30:00+01:00". The separator may be
** 'T', 't' or ' '. Fractional seconds are accepted and rounded up to the
** next whole second, so a deadline is never early. Leap second :60 is
** rejected, and so is an instant outside GARANT_TIME_MIN_S..MAX_S (such as
** 0000-01-01T00:00:00+05:30). On error returns GARANT_EINVAL and says what
** is wrong. */
int garant_time_parse_rfc3339(int64_t *out_utc_s, const char *text, size_t len);

/* Parse a calendar date "YYYY-MM-DD" into a day count since 1970-01-01. */
int garant_time_parse_date(int64_t *out_days, const char *text, size_t len);

/* Write an instant within GARANT_TIME_MIN_S..MAX_S as
** "YYYY-MM-DDTHH:MM:SSZ" into buf (at least GARANT_RFC3339_UTC_LEN bytes).
** Returns buf. */
char *garant_time_format_utc(char *buf, int64_t utc_s);

#ifdef __cplusplus
}
#endif
#endif
