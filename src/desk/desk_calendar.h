/*
** desk_calendar.h - a business calendar day by day, for every door: the
** open windows of each local day, in UTC and in the calendar's wall time,
** and the holidays and closures that shut any of it, by name (the API's
** GET /api/v1/calendar and `garant calendar`).
*/
#ifndef GARANT_DESK_CALENDAR_H
#define GARANT_DESK_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "garant/garant.h"

/* One open window of a local day. */
typedef struct desk_calendar_window {
    int64_t start_s, end_s;       /* UTC epoch seconds, [start, end) */
    int local_start_min;          /* minutes since the day's local midnight,
                                  ** wall time, 0..1440 */
    int local_end_min;            /* the same of the end, read in the offset
                                  ** the window was open in: a window that
                                  ** closes at a change of offset ends as
                                  ** its clocks read then */
} desk_calendar_window;

/* One local day of a calendar. */
typedef struct desk_calendar_day {
    int64_t day;                  /* days since 1970-01-01, calendar's wall time */
    int64_t start_s, end_s;       /* its local midnights, UTC epoch seconds
                                  ** (23 or 25 hours apart across DST) */
    int64_t open_s;               /* seconds open that day */
    const desk_calendar_window *windows; /* in time order */
    size_t nwindows;
    const garant_holiday *const *closures; /* the calendar's holidays and
                                  ** closures on that day, in its order */
    size_t nclosures;
} desk_calendar_day;

/* Called once a day, in order. The day and what it points at are
** borrowed; valid until fn returns. A non-zero answer stops the walk and
** is returned. */
typedef int (*desk_calendar_day_fn)(void *ctx, const desk_calendar_day *day);

/* The UTC instant (epoch seconds) of local midnight starting local day
** `day` in tz. Where midnight falls in a gap, the first instant after it. */
int64_t desk_calendar_local_midnight(const garant_tz *tz, int64_t day);

/* Do the local days from_day..to_day (inclusive) lie within cal's
** compiled years? 0, or GARANT_ERANGE saying which years it covers. */
int desk_calendar_covers(const garant_calendar *cal, int64_t from_day, int64_t to_day);

/* Walk the local days from_day..to_day (inclusive) of cal, calling fn with
** each. GARANT_EINVAL if to_day is before from_day, GARANT_ERANGE as
** desk_calendar_covers, before any day is walked. */
int desk_calendar_days(const garant_calendar *cal, int64_t from_day, int64_t to_day, desk_calendar_day_fn fn,
                       void *ctx);

#endif
