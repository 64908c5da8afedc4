/*
** calendar.h - business calendars: when the support team is open.
**
** A calendar is described by a spec (time zone, weekly hours in local wall
** time, holidays) and compiled once into sorted, disjoint UTC open intervals
** with running totals of open seconds. Every query is then a lookup over
** those intervals in UTC: no time-zone conversion, no day-by-day walk.
** docs/SLA.md explains DST, gaps, repeated hours and holidays.
*/
#ifndef GARANT_CALENDAR_H
#define GARANT_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "garant/tz.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct garant_calendar_spec garant_calendar_spec;
typedef struct garant_calendar garant_calendar;

/* Minutes in a day; windows and closures are [start, end) in 0..1440. */
#define GARANT_DAY_MIN 1440

typedef enum garant_holiday_kind {
    GARANT_HOLIDAY_FIXED = 0,  /* the same month and day every year */
    GARANT_HOLIDAY_EASTER = 1, /* easter_offset days from Easter Sunday */
    GARANT_HOLIDAY_DATE = 2    /* one date: year, month, day */
} garant_holiday_kind;

/* A closure. A whole-day holiday is closed_from_min = 0, closed_to_min =
** GARANT_DAY_MIN; a partial one closes [from, to) local wall time. */
typedef struct garant_holiday {
    garant_holiday_kind kind;
    int64_t year;       /* GARANT_HOLIDAY_DATE only */
    unsigned month;     /* 1-12; FIXED and DATE */
    unsigned day;       /* 1-31; FIXED and DATE */
    int easter_offset;  /* EASTER only: -2 Good Friday, 1 Easter Monday */
    int closed_from_min;
    int closed_to_min;
    const char *name;   /* copied; may be NULL */
} garant_holiday;

/* A new, empty spec (closed all week, UTC). name is copied.
** Caller owns *out; free with garant_calspec_free. */
int garant_calspec_new(garant_calendar_spec **out, const char *name);
void garant_calspec_free(garant_calendar_spec *spec);

/* Set the zone whose wall time the hours and holidays are in.
** Takes ownership of tz (also on failure). */
int garant_calspec_set_tz(garant_calendar_spec *spec, garant_tz *tz);

/* Open [start_min, end_min) local wall time on a weekday (0 = Sunday).
** GARANT_EINVAL if out of range, empty, or overlapping another window of
** the same day (the message names both). */
int garant_calspec_add_hours(garant_calendar_spec *spec, unsigned weekday,
                             int start_min, int end_min);

/* Add a holiday or partial closure; GARANT_EINVAL on an impossible date. */
int garant_calspec_add_holiday(garant_calendar_spec *spec,
                               const garant_holiday *h);

/* Open around the clock, every day, no holidays (the "24/7" calendar).
** Hours and holidays added before or after are ignored. */
int garant_calspec_set_always_open(garant_calendar_spec *spec);

/* Number of holidays in the spec, and the i-th. Borrowed; valid until the
** spec changes or is freed. */
size_t garant_calspec_holiday_count(const garant_calendar_spec *spec);
const garant_holiday *garant_calspec_holiday(const garant_calendar_spec *spec,
                                             size_t i);

/* Compile the spec for years from_year..to_year inclusive (e.g. 1970..2100,
** within 1900..9998). The covered range is UTC [from_year-01-01T00:00Z,
** (to_year+1)-01-01T00:00Z); queries outside it fail with GARANT_ERANGE.
** Caller owns *out; free with garant_calendar_free. */
int garant_calendar_compile(garant_calendar **out,
                            const garant_calendar_spec *spec,
                            int from_year, int to_year);
void garant_calendar_free(garant_calendar *cal);

/* Name of the calendar. Borrowed; valid until garant_calendar_free. */
const char *garant_calendar_name(const garant_calendar *cal);

/* The calendar's zone. Borrowed; valid until garant_calendar_free. */
const garant_tz *garant_calendar_tz(const garant_calendar *cal);

/* First and one-past-last UTC instant the calendar covers. */
void garant_calendar_range(const garant_calendar *cal, int64_t *out_from_s,
                           int64_t *out_to_s);

/* Total open seconds in the covered range; 0 means never open. */
int64_t garant_calendar_open_total(const garant_calendar *cal);

/* Bytes of memory held by the compiled calendar. */
size_t garant_calendar_memory(const garant_calendar *cal);

/* 1 if the calendar is open at utc_s, 0 if closed or out of range. */
int garant_calendar_is_open(const garant_calendar *cal, int64_t utc_s);

/* The earliest instant at which business_s open seconds have elapsed
** since from_s (counting starts at the next opening if from_s is closed).
** A target that is met exactly at closing time is due at closing time.
** business_s >= 0; a zero target is due at from_s itself. GARANT_ERANGE if from_s or the answer is out of range. */
int garant_calendar_add(int64_t *out_due_s, const garant_calendar *cal,
                        int64_t from_s, int64_t business_s);

/* The earliest instant t with elapsed(t, to_s) <= business_s: when, counting
** back from to_s, business_s open seconds remain (the warning instant of
** a deadline). Never before the start of the covered range.
** GARANT_ERANGE if to_s is out of range, GARANT_EINVAL if business_s < 0. */
int garant_calendar_rewind(int64_t *out_s, const garant_calendar *cal,
                           int64_t to_s, int64_t business_s);

/* Open seconds within [a_s, b_s); negative (-(open in [b,a))) if b < a.
** GARANT_ERANGE if either end is out of range. */
int garant_calendar_elapsed(int64_t *out_s, const garant_calendar *cal,
                            int64_t a_s, int64_t b_s);

/* The holidays and closures the calendar was compiled with, in the order
** they were added to its spec (none for an always-open calendar), so a
** calendar view can name them. Borrowed; valid until garant_calendar_free. */
size_t garant_calendar_holiday_count(const garant_calendar *cal);
const garant_holiday *garant_calendar_holiday(const garant_calendar *cal,
                                             size_t i);

/* 1 if holiday h closes (part of) the local day local_day (days since
** 1970-01-01 in the calendar's wall time), else 0. */
int garant_calendar_holiday_on(const garant_holiday *h, int64_t local_day);

/* An open window, UTC epoch seconds, [start_s, end_s). */
typedef struct garant_window {
    int64_t start_s;
    int64_t end_s;
} garant_window;

/* Call fn for each open window that overlaps [from_s, to_s), clipped to it,
** in order. Stops early and returns fn's value if fn returns nonzero. */
int garant_calendar_windows(const garant_calendar *cal, int64_t from_s,
                            int64_t to_s,
                            int (*fn)(void *ctx, const garant_window *w),
                            void *ctx);

#ifdef __cplusplus
}
#endif
#endif
