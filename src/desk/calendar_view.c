/*
** calendar_view.c - a business calendar day by day (desk_calendar.h): the
** open windows of each local day with their wall times, and the closures
** of that day. The calendar's own arithmetic (windows, DST, holidays) is
** the core's (src/core/calendar.c); this file cuts it into local days.
*/
#include <stdlib.h>

#include "garant/error_wrap.h"
#include "desk_calendar.h"

int64_t desk_calendar_local_midnight(const garant_tz *tz, int64_t day)
{
    /* Two lookups settle the offset: the first guesses with the offset at
    ** UTC midnight, the second reads the offset at the guess. */
    garant_tz_info info;
    garant_tz_lookup(&info, tz, day * 86400);
    int64_t t = day * 86400 - info.utoff_s;
    garant_tz_lookup(&info, tz, t);
    return day * 86400 - info.utoff_s;
}

int desk_calendar_covers(const garant_calendar *cal, int64_t from_day, int64_t to_day)
{
    int64_t first_s, end_s;
    garant_calendar_range(cal, &first_s, &end_s);
    if (from_day * 86400 < first_s || (to_day + 1) * 86400 > end_s) {
        char a[GARANT_RFC3339_UTC_LEN], b[GARANT_RFC3339_UTC_LEN];
        return garant__error(GARANT_ERANGE, "calendar '%s' covers %s to %s only", garant_calendar_name(cal),
                             garant_time_format_utc(a, first_s), garant_time_format_utc(b, end_s));
    }
    return 0;
}

/* The walk's state: the day being cut and the windows it holds. */
typedef struct walk {
    const garant_tz *tz;
    desk_calendar_day day;
    desk_calendar_window *windows;
    size_t cap;
} walk;

/* Minutes from the local day's midnight to utc_s on the wall clock,
** 0..1440. An end instant belongs to the minute before it. */
static int local_min(const walk *w, int64_t utc_s, int is_end)
{
    garant_tz_info info;
    garant_tz_lookup(&info, w->tz, is_end ? utc_s - 1 : utc_s);
    int64_t min = (utc_s + info.utoff_s - w->day.day * 86400) / 60;
    if (min < 0) min = 0;
    if (min > GARANT_DAY_MIN) min = GARANT_DAY_MIN;
    return (int)min;
}

static int add_window(void *ctx, const garant_window *gw)
{
    walk *w = ctx;
    int rc = garant__grow((void **)&w->windows, &w->cap, w->day.nwindows + 1, sizeof *w->windows);
    if (rc) return rc;
    desk_calendar_window *x = &w->windows[w->day.nwindows++];
    x->start_s = gw->start_s;
    x->end_s = gw->end_s;
    x->local_start_min = local_min(w, gw->start_s, 0);
    x->local_end_min = local_min(w, gw->end_s, 1);
    w->day.open_s += gw->end_s - gw->start_s;
    return 0;
}

int desk_calendar_days(const garant_calendar *cal, int64_t from_day, int64_t to_day, desk_calendar_day_fn fn,
                       void *ctx)
{
    if (to_day < from_day) return garant__error(GARANT_EINVAL, "'to' must not be before 'from'");
    int rc = desk_calendar_covers(cal, from_day, to_day);
    if (rc) return rc;
    size_t nh = garant_calendar_holiday_count(cal);
    const garant_holiday **closures = calloc(nh ? nh : 1, sizeof *closures);
    if (!closures) return garant__error(GARANT_ENOMEM, "out of memory describing the calendar");
    walk w = {garant_calendar_tz(cal), {0}, NULL, 0};
    for (int64_t day = from_day; !rc && day <= to_day; day++) {
        w.day.day = day;
        w.day.start_s = desk_calendar_local_midnight(w.tz, day);
        w.day.end_s = desk_calendar_local_midnight(w.tz, day + 1);
        w.day.open_s = 0;
        w.day.nwindows = 0;
        w.day.nclosures = 0;
        rc = garant_calendar_windows(cal, w.day.start_s, w.day.end_s, add_window, &w);
        if (rc) break;
        for (size_t i = 0; i < nh; i++) {
            const garant_holiday *h = garant_calendar_holiday(cal, i);
            if (garant_calendar_holiday_on(h, day)) closures[w.day.nclosures++] = h;
        }
        w.day.windows = w.windows;
        w.day.closures = closures;
        rc = fn(ctx, &w.day);
    }
    free(w.windows);
    free(closures);
    return rc;
}
