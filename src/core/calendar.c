/*
** calendar.c - compiles business calendars into UTC open intervals and
** answers deadline queries over them.
**
** Compilation walks every local day of the covered years once: the weekly
** hours of that weekday minus the day's holiday closures give open windows
** in local wall time, which are mapped to UTC through the zone's offset
** segments. The preimage of a local window under a piecewise-constant offset
** is exact: a window in a spring-forward gap shrinks, a window in a repeated
** fall-back hour counts both occurrences (docs/SLA.md). The intervals are
** then sorted, merged and given running totals of open seconds.
**
** A query finds the interval holding an instant through a per-UTC-day index
** (one load, then a short scan), and the interval where a target ends by
** galloping forward over the running totals: targets are hours to days, so
** the answer is a few intervals away and the gallop beats a full binary
** search. Nothing in a query converts time zones.
*/
#include <stdlib.h>
#include <string.h>

#include "garant/calendar.h"
#include "garant/time.h"
#include "internal.h"

/* Windows one weekday may have; more is surely a mistake in the config. */
#define MAX_WINDOWS_PER_DAY 16
/* Holidays one spec may hold (an imported feed of many years fits). */
#define MAX_HOLIDAYS 100000
/* Farthest a UTC offset is from zero: real zones stay within +-15 h. */
#define MAX_UTOFF_S (26 * 3600)

typedef struct local_window {
    int start_min;
    int end_min;
} local_window;

struct garant_calendar_spec {
    char *name;
    garant_tz *tz;
    local_window hours[7][MAX_WINDOWS_PER_DAY];
    size_t nhours[7];
    garant_holiday *holidays; /* names owned (cast away const) */
    size_t nholidays, capholidays;
    int always_open;
};

/* An open interval with the open seconds of all intervals before it. */
typedef struct interval {
    int64_t start_s;
    int64_t end_s;
    int64_t cum_s;
} interval;

struct garant_calendar {
    char *name;
    garant_tz *tz;
    int64_t from_s, to_s; /* covered UTC range [from_s, to_s) */
    interval *iv;
    size_t n;
    int64_t total_s;
    int64_t day0;         /* UTC day number of from_s */
    uint32_t *day_first;  /* per UTC day: first interval ending after its start */
    size_t ndays;
    garant_holiday *holidays; /* the spec's closures, for display; names owned */
    size_t nholidays;
};

static const char *const weekday_names[7] = {"sunday", "monday", "tuesday", "wednesday",
                                             "thursday", "friday", "saturday"};

int garant_calspec_new(garant_calendar_spec **out, const char *name)
{
    *out = NULL;
    garant_calendar_spec *s = calloc(1, sizeof *s);
    if (!s) return garant__error(GARANT_ENOMEM, "out of memory creating a calendar");
    int rc;
    if (!(s->name = garant__strdup(name ? name : "calendar"))) {
        rc = GARANT_ENOMEM;
        goto fail;
    }
    if ((rc = garant_tz_utc(&s->tz))) goto fail;
    *out = s;
    return 0;

fail:
    garant_calspec_free(s);
    return rc;
}

void garant_calspec_free(garant_calendar_spec *spec)
{
    if (!spec) return;
    for (size_t i = 0; i < spec->nholidays; i++) free((char *)spec->holidays[i].name);
    free(spec->holidays);
    garant_tz_free(spec->tz);
    free(spec->name);
    free(spec);
}

int garant_calspec_set_tz(garant_calendar_spec *spec, garant_tz *tz)
{
    if (!tz) return garant__error(GARANT_EINVAL, "calendar '%s': no time zone given", spec->name);
    garant_tz_free(spec->tz);
    spec->tz = tz;
    return 0;
}

static void fmt_hm(char buf[6], int min)
{
    buf[0] = (char)('0' + min / 600);
    buf[1] = (char)('0' + min / 60 % 10);
    buf[2] = ':';
    buf[3] = (char)('0' + min % 60 / 10);
    buf[4] = (char)('0' + min % 10);
    buf[5] = '\0';
}

int garant_calspec_add_hours(garant_calendar_spec *spec, unsigned weekday,
                             int start_min, int end_min)
{
    if (weekday > 6) return garant__error(GARANT_EINVAL, "weekday %u is out of range (0-6)", weekday);
    if (start_min < 0 || end_min > GARANT_DAY_MIN || start_min >= end_min)
        return garant__error(GARANT_EINVAL, "%s: window must satisfy 00:00 <= start < end <= 24:00",
                             weekday_names[weekday]);
    size_t n = spec->nhours[weekday];
    local_window *w = spec->hours[weekday];
    for (size_t i = 0; i < n; i++) {
        if (start_min < w[i].end_min && w[i].start_min < end_min) {
            char a[6], b[6], c[6], d[6];
            fmt_hm(a, start_min), fmt_hm(b, end_min), fmt_hm(c, w[i].start_min), fmt_hm(d, w[i].end_min);
            return garant__error(GARANT_EINVAL, "%s: hours %s-%s overlap %s-%s", weekday_names[weekday], a, b, c, d);
        }
    }
    if (n == MAX_WINDOWS_PER_DAY)
        return garant__error(GARANT_ELIMIT, "%s: more than %d windows", weekday_names[weekday], MAX_WINDOWS_PER_DAY);
    /* Keep the day's windows sorted so compilation can subtract closures in one pass. */
    size_t at = n;
    while (at > 0 && w[at - 1].start_min > start_min) {
        w[at] = w[at - 1];
        at--;
    }
    w[at].start_min = start_min;
    w[at].end_min = end_min;
    spec->nhours[weekday] = n + 1;
    return 0;
}

int garant_calspec_add_holiday(garant_calendar_spec *spec, const garant_holiday *h)
{
    if (h->closed_from_min < 0 || h->closed_to_min > GARANT_DAY_MIN || h->closed_from_min >= h->closed_to_min)
        return garant__error(GARANT_EINVAL, "holiday '%s': closure must satisfy 00:00 <= from < to <= 24:00",
                             h->name ? h->name : "");
    switch (h->kind) {
    case GARANT_HOLIDAY_FIXED:
        /* 29 February is allowed: it closes the leap years only. */
        if (h->month < 1 || h->month > 12 || h->day < 1 || h->day > garant_days_in_month(2000, h->month))
            return garant__error(GARANT_EINVAL, "holiday '%s': %02u-%02u is not a date", h->name ? h->name : "",
                                 h->month, h->day);
        break;
    case GARANT_HOLIDAY_EASTER:
        if (h->easter_offset < -200 || h->easter_offset > 200)
            return garant__error(GARANT_EINVAL, "holiday '%s': Easter offset %d is out of range (-200..200)",
                                 h->name ? h->name : "", h->easter_offset);
        break;
    case GARANT_HOLIDAY_DATE:
        if (h->year < 1 || h->year > 9999 || h->month < 1 || h->month > 12 || h->day < 1 ||
            h->day > garant_days_in_month(h->year, h->month))
            return garant__error(GARANT_EINVAL, "holiday '%s': %04lld-%02u-%02u is not a date",
                                 h->name ? h->name : "", (long long)h->year, h->month, h->day);
        break;
    default: return garant__error(GARANT_EINVAL, "holiday kind %d is unknown", (int)h->kind);
    }
    if (spec->nholidays == MAX_HOLIDAYS)
        return garant__error(GARANT_ELIMIT, "calendar '%s': more than %d holidays", spec->name, MAX_HOLIDAYS);
    int rc = garant__grow((void **)&spec->holidays, &spec->capholidays, spec->nholidays + 1, sizeof *spec->holidays);
    if (rc) return rc;
    garant_holiday copy = *h;
    copy.name = NULL;
    if (h->name && !(copy.name = garant__strdup(h->name))) return GARANT_ENOMEM;
    spec->holidays[spec->nholidays++] = copy;
    return 0;
}

int garant_calspec_set_always_open(garant_calendar_spec *spec)
{
    spec->always_open = 1;
    return 0;
}

size_t garant_calspec_holiday_count(const garant_calendar_spec *spec) { return spec->nholidays; }

const garant_holiday *garant_calspec_holiday(const garant_calendar_spec *spec, size_t i)
{
    return i < spec->nholidays ? &spec->holidays[i] : NULL;
}

/* ---- compilation ---------------------------------------------------- */

/* A closure on one local day, from a holiday. */
typedef struct closure {
    int64_t day;
    int from_min, to_min;
} closure;

/* A stretch of UTC time with one offset. */
typedef struct segment {
    int64_t start_s, end_s;
    int32_t utoff_s;
} segment;

typedef struct builder {
    interval *iv;
    size_t n, cap;
    closure *cl;
    size_t ncl, capcl;
    segment *seg;
    size_t nseg, capseg;
} builder;

static void builder_free(builder *b)
{
    free(b->iv);
    free(b->cl);
    free(b->seg);
}

static int push_interval(builder *b, int64_t s, int64_t e)
{
    int rc = garant__grow((void **)&b->iv, &b->cap, b->n + 1, sizeof *b->iv);
    if (rc) return rc;
    b->iv[b->n].start_s = s;
    b->iv[b->n].end_s = e;
    b->iv[b->n].cum_s = 0;
    b->n++;
    return 0;
}

static int push_closure(builder *b, int64_t day, int from, int to, int64_t d0, int64_t d1)
{
    if (day < d0 || day > d1) return 0;
    int rc = garant__grow((void **)&b->cl, &b->capcl, b->ncl + 1, sizeof *b->cl);
    if (rc) return rc;
    b->cl[b->ncl].day = day;
    b->cl[b->ncl].from_min = from;
    b->cl[b->ncl].to_min = to;
    b->ncl++;
    return 0;
}

static int cmp_closure(const void *a, const void *b)
{
    const closure *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->from_min > y->from_min) - (x->from_min < y->from_min);
}

static int cmp_interval(const void *a, const void *b)
{
    const interval *x = a, *y = b;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

/* Every holiday's closures on local days d0..d1, sorted by day. */
static int expand_holidays(builder *b, const garant_calendar_spec *spec, int64_t d0, int64_t d1)
{
    int64_t y0, y1;
    unsigned m, d;
    garant_civil_from_days(&y0, &m, &d, d0);
    garant_civil_from_days(&y1, &m, &d, d1);
    for (size_t i = 0; i < spec->nholidays; i++) {
        const garant_holiday *h = &spec->holidays[i];
        int rc;
        if (h->kind == GARANT_HOLIDAY_DATE) {
            if ((rc = push_closure(b, garant_days_from_civil(h->year, h->month, h->day), h->closed_from_min,
                                   h->closed_to_min, d0, d1)))
                return rc;
            continue;
        }
        for (int64_t y = y0; y <= y1; y++) {
            int64_t day;
            if (h->kind == GARANT_HOLIDAY_EASTER)
                day = garant_easter_days(y) + h->easter_offset;
            else if (h->day <= garant_days_in_month(y, h->month))
                day = garant_days_from_civil(y, h->month, h->day);
            else
                continue; /* 29 February in a common year */
            if ((rc = push_closure(b, day, h->closed_from_min, h->closed_to_min, d0, d1))) return rc;
        }
    }
    if (b->ncl) qsort(b->cl, b->ncl, sizeof *b->cl, cmp_closure);
    return 0;
}

/* The zone's offset segments covering UTC [from_s, to_s). */
static int build_segments(builder *b, const garant_tz *tz, int64_t from_s, int64_t to_s)
{
    garant_tz_info info;
    garant_tz_lookup(&info, tz, from_s);
    int64_t at = from_s;
    int32_t off = info.utoff_s;
    for (;;) {
        garant_tz_transition tr;
        int more = garant_tz_next_transition(&tr, tz, at) == 1 && tr.at_utc_s < to_s;
        int64_t end = more ? tr.at_utc_s : to_s;
        int rc = garant__grow((void **)&b->seg, &b->capseg, b->nseg + 1, sizeof *b->seg);
        if (rc) return rc;
        b->seg[b->nseg++] = (segment){at, end, off};
        if (!more) return 0;
        at = tr.at_utc_s;
        off = tr.after.utoff_s;
    }
}

/* Map local wall-time [l0, l1) (seconds since the epoch in local time) to
** UTC: in each segment with offset o, the instants t with l0 <= t + o < l1. */
static int map_local(builder *b, size_t *seg_hint, int64_t l0, int64_t l1)
{
    size_t k = *seg_hint;
    while (k + 1 < b->nseg && b->seg[k].end_s <= l0 - MAX_UTOFF_S) k++;
    *seg_hint = k;
    for (; k < b->nseg && b->seg[k].start_s < l1 + MAX_UTOFF_S; k++) {
        const segment *sg = &b->seg[k];
        int64_t s = l0 - sg->utoff_s, e = l1 - sg->utoff_s;
        if (s < sg->start_s) s = sg->start_s;
        if (e > sg->end_s) e = sg->end_s;
        if (s < e) {
            int rc = push_interval(b, s, e);
            if (rc) return rc;
        }
    }
    return 0;
}

/* Most pieces one day can have: each weekly window, plus one more for every
** disjoint closure (closures are whole minutes with gaps between them). */
#define MAX_DAY_PIECES (MAX_WINDOWS_PER_DAY + GARANT_DAY_MIN / 2 + 1)

/* Open windows of one local day: the weekday's hours minus its closures
** (cl sorted by from_min). Writes at most MAX_DAY_PIECES windows to out. */
static size_t day_windows(local_window *out, const garant_calendar_spec *spec, unsigned wd,
                          const closure *cl, size_t ncl)
{
    local_window shut[GARANT_DAY_MIN / 2 + 1];
    size_t ns = 0;
    for (size_t c = 0; c < ncl; c++) {
        if (ns && cl[c].from_min <= shut[ns - 1].end_min) {
            if (cl[c].to_min > shut[ns - 1].end_min) shut[ns - 1].end_min = cl[c].to_min;
        } else {
            shut[ns++] = (local_window){cl[c].from_min, cl[c].to_min};
        }
    }
    size_t n = 0, k = 0;
    for (size_t i = 0; i < spec->nhours[wd]; i++) {
        const local_window *w = &spec->hours[wd][i];
        int s = w->start_min;
        while (k < ns && shut[k].end_min <= s) k++;
        for (size_t j = k; j < ns && shut[j].start_min < w->end_min; j++) {
            if (shut[j].start_min > s) out[n++] = (local_window){s, shut[j].start_min};
            if (shut[j].end_min > s) s = shut[j].end_min;
        }
        if (s < w->end_min) out[n++] = (local_window){s, w->end_min};
    }
    return n;
}

/* Sort, merge touching intervals, clip to [from_s, to_s), add running totals. */
static void finish_intervals(builder *b, int64_t from_s, int64_t to_s)
{
    if (b->n) qsort(b->iv, b->n, sizeof *b->iv, cmp_interval);
    size_t w = 0;
    for (size_t r = 0; r < b->n; r++) {
        interval x = b->iv[r];
        if (x.start_s < from_s) x.start_s = from_s;
        if (x.end_s > to_s) x.end_s = to_s;
        if (x.start_s >= x.end_s) continue;
        if (w && b->iv[w - 1].end_s >= x.start_s) {
            if (x.end_s > b->iv[w - 1].end_s) b->iv[w - 1].end_s = x.end_s;
        } else {
            b->iv[w++] = x;
        }
    }
    b->n = w;
    int64_t cum = 0;
    for (size_t i = 0; i < b->n; i++) {
        b->iv[i].cum_s = cum;
        cum += b->iv[i].end_s - b->iv[i].start_s;
    }
}


/* Keep the spec's closures on the compiled calendar, so that a calendar
** view can name the holidays (compilation itself needs only their dates). */
static int copy_holidays(garant_calendar *cal, const garant_calendar_spec *spec)
{
    if (!spec->nholidays) return 0;
    cal->holidays = calloc(spec->nholidays, sizeof *cal->holidays);
    if (!cal->holidays) return garant__error(GARANT_ENOMEM, "out of memory compiling calendar '%s'", spec->name);
    for (size_t i = 0; i < spec->nholidays; i++) {
        cal->holidays[i] = spec->holidays[i];
        cal->holidays[i].name = NULL;
        cal->nholidays = i + 1;
        if (spec->holidays[i].name && !(cal->holidays[i].name = garant__strdup(spec->holidays[i].name)))
            return garant__error(GARANT_ENOMEM, "out of memory compiling calendar '%s'", spec->name);
    }
    return 0;
}

int garant_calendar_compile(garant_calendar **out, const garant_calendar_spec *spec,
                            int from_year, int to_year)
{
    *out = NULL;
    if (from_year < 1900 || to_year > 9998 || from_year > to_year)
        return garant__error(GARANT_EINVAL, "calendar '%s': years %d-%d must lie within 1900-9998, first <= last",
                             spec->name, from_year, to_year);
    garant_calendar *cal = calloc(1, sizeof *cal);
    if (!cal) return garant__error(GARANT_ENOMEM, "out of memory compiling calendar '%s'", spec->name);
    builder b = {0};
    int rc;
    if (!(cal->name = garant__strdup(spec->name))) {
        rc = GARANT_ENOMEM;
        goto fail;
    }
    if ((rc = garant_tz_clone(&cal->tz, spec->tz))) goto fail;
    if (!spec->always_open && (rc = copy_holidays(cal, spec))) goto fail;
    /* The covered range is whole UTC years; local days one either side are
    ** compiled so that windows near the edges are complete before clipping. */
    cal->from_s = garant_days_from_civil(from_year, 1, 1) * 86400;
    cal->to_s = garant_days_from_civil(to_year + 1, 1, 1) * 86400;
    int64_t d0 = cal->from_s / 86400 - 2, d1 = cal->to_s / 86400 + 1;
    if (spec->always_open) {
        if ((rc = push_interval(&b, cal->from_s, cal->to_s))) goto fail;
    } else {
        if ((rc = expand_holidays(&b, spec, d0, d1))) goto fail;
        if ((rc = build_segments(&b, spec->tz, d0 * 86400 - MAX_UTOFF_S, (d1 + 1) * 86400 + MAX_UTOFF_S)))
            goto fail;
        size_t seg_hint = 0, ci = 0;
        for (int64_t day = d0; day <= d1; day++) {
            while (ci < b.ncl && b.cl[ci].day < day) ci++;
            size_t cn = 0;
            while (ci + cn < b.ncl && b.cl[ci + cn].day == day) cn++;
            local_window win[MAX_DAY_PIECES];
            size_t nw = day_windows(win, spec, garant_weekday_from_days(day), cn ? b.cl + ci : NULL, cn);
            for (size_t i = 0; i < nw; i++)
                if ((rc = map_local(&b, &seg_hint, day * 86400 + win[i].start_min * 60LL,
                                    day * 86400 + win[i].end_min * 60LL)))
                    goto fail;
        }
    }
    finish_intervals(&b, cal->from_s, cal->to_s);
    cal->day0 = cal->from_s / 86400;
    cal->ndays = (size_t)((cal->to_s - cal->from_s) / 86400) + 1;
    cal->day_first = malloc(cal->ndays * sizeof *cal->day_first);
    if (!cal->day_first || b.n >= UINT32_MAX) {
        rc = garant__error(GARANT_ENOMEM, "out of memory compiling calendar '%s'", spec->name);
        goto fail;
    }
    size_t i = 0;
    for (size_t d = 0; d < cal->ndays; d++) {
        int64_t day_start = (cal->day0 + (int64_t)d) * 86400;
        while (i < b.n && b.iv[i].end_s <= day_start) i++;
        cal->day_first[d] = (uint32_t)i;
    }
    /* Shrink the interval array to its final size; keep it if realloc fails. */
    cal->n = b.n;
    cal->total_s = b.n ? b.iv[b.n - 1].cum_s + (b.iv[b.n - 1].end_s - b.iv[b.n - 1].start_s) : 0;
    cal->iv = b.n ? realloc(b.iv, b.n * sizeof *b.iv) : NULL;
    if (!cal->iv) cal->iv = b.iv;
    if (!b.n) {
        free(b.iv);
        cal->iv = NULL;
    }
    free(b.cl);
    free(b.seg);
    *out = cal;
    return 0;

fail:
    builder_free(&b);
    garant_calendar_free(cal);
    return rc;
}

void garant_calendar_free(garant_calendar *cal)
{
    if (!cal) return;
    free(cal->name);
    garant_tz_free(cal->tz);
    for (size_t i = 0; i < cal->nholidays; i++) free((char *)cal->holidays[i].name);
    free(cal->holidays);
    free(cal->iv);
    free(cal->day_first);
    free(cal);
}

const char *garant_calendar_name(const garant_calendar *cal) { return cal->name; }
const garant_tz *garant_calendar_tz(const garant_calendar *cal) { return cal->tz; }

void garant_calendar_range(const garant_calendar *cal, int64_t *out_from_s, int64_t *out_to_s)
{
    *out_from_s = cal->from_s;
    *out_to_s = cal->to_s;
}

int64_t garant_calendar_open_total(const garant_calendar *cal) { return cal->total_s; }

size_t garant_calendar_memory(const garant_calendar *cal)
{
    size_t bytes = sizeof *cal + cal->n * sizeof *cal->iv + cal->ndays * sizeof *cal->day_first +
                   (cal->name ? strlen(cal->name) + 1 : 0) + cal->nholidays * sizeof *cal->holidays;
    for (size_t i = 0; i < cal->nholidays; i++)
        if (cal->holidays[i].name) bytes += strlen(cal->holidays[i].name) + 1;
    return bytes;
}

size_t garant_calendar_holiday_count(const garant_calendar *cal) { return cal->nholidays; }

const garant_holiday *garant_calendar_holiday(const garant_calendar *cal, size_t i)
{
    return i < cal->nholidays ? &cal->holidays[i] : NULL;
}

int garant_calendar_holiday_on(const garant_holiday *h, int64_t local_day)
{
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, local_day);
    switch (h->kind) {
    case GARANT_HOLIDAY_FIXED: return h->month == m && h->day == d;
    case GARANT_HOLIDAY_DATE: return h->year == y && h->month == m && h->day == d;
    case GARANT_HOLIDAY_EASTER:
        /* An offset of up to 200 days can reach into the year before or after. */
        for (int64_t ey = y - 1; ey <= y + 1; ey++)
            if (garant_easter_days(ey) + h->easter_offset == local_day) return 1;
        return 0;
    default: return 0;
    }
}

/* ---- queries -------------------------------------------------------- */

/* Index of the first interval ending after t (n if none); t in range. */
static size_t first_ending_after(const garant_calendar *cal, int64_t t)
{
    size_t i = cal->day_first[(t - cal->from_s) / 86400];
    while (i < cal->n && cal->iv[i].end_s <= t) i++;
    return i;
}

static int out_of_range(const garant_calendar *cal, int64_t t)
{
    char a[GARANT_RFC3339_UTC_LEN], b[GARANT_RFC3339_UTC_LEN], c[GARANT_RFC3339_UTC_LEN];
    if (t == INT64_MIN || t == INT64_MAX)
        return garant__error(GARANT_ERANGE, "calendar '%s': instant out of range", cal->name);
    return garant__error(GARANT_ERANGE, "calendar '%s': %s is outside the compiled range %s to %s", cal->name,
                         garant_time_format_utc(a, t), garant_time_format_utc(b, cal->from_s),
                         garant_time_format_utc(c, cal->to_s));
}

/* Open seconds in [from_s, t) for t in [from_s, to_s]. */
static int64_t open_before(const garant_calendar *cal, int64_t t)
{
    if (t >= cal->to_s) return cal->total_s;
    size_t i = first_ending_after(cal, t);
    if (i == cal->n) return cal->total_s;
    const interval *x = &cal->iv[i];
    return x->cum_s + (t > x->start_s ? t - x->start_s : 0);
}

int garant_calendar_is_open(const garant_calendar *cal, int64_t t)
{
    if (t < cal->from_s || t >= cal->to_s) return 0;
    size_t i = first_ending_after(cal, t);
    return i < cal->n && cal->iv[i].start_s <= t;
}

int garant_calendar_add(int64_t *out_due_s, const garant_calendar *cal, int64_t from_s, int64_t business_s)
{
    if (from_s < cal->from_s || from_s >= cal->to_s) return out_of_range(cal, from_s);
    if (business_s < 0)
        return garant__error(GARANT_EINVAL, "calendar '%s': negative business time %lld s", cal->name,
                             (long long)business_s);
    if (business_s == 0) {
        *out_due_s = from_s;
        return 0;
    }
    size_t i = first_ending_after(cal, from_s);
    if (i == cal->n)
        return garant__error(GARANT_ERANGE, "calendar '%s': no opening after the submission within the compiled range",
                             cal->name);
    const interval *iv = cal->iv;
    int64_t target = iv[i].cum_s + (from_s > iv[i].start_s ? from_s - iv[i].start_s : 0) + business_s;
    /* The answer is the first interval whose running total at its end reaches
    ** target. Gallop from i, then binary-search the last step. */
#define CUM_END(k) (iv[k].cum_s + (iv[k].end_s - iv[k].start_s))
    size_t lo = i, step = 1;
    if (CUM_END(lo) < target) {
        size_t hi;
        for (;;) {
            hi = lo + step;
            if (hi >= cal->n) {
                hi = cal->n - 1;
                if (CUM_END(hi) < target)
                    return garant__error(GARANT_ERANGE,
                                         "calendar '%s': the deadline falls after the compiled range", cal->name);
                break;
            }
            if (CUM_END(hi) >= target) break;
            lo = hi;
            step *= 2;
        }
        /* CUM_END(lo) < target <= CUM_END(hi) */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (CUM_END(mid) < target)
                lo = mid;
            else
                hi = mid;
        }
        lo = hi;
    }
#undef CUM_END
    *out_due_s = iv[lo].start_s + (target - iv[lo].cum_s);
    return 0;
}

int garant_calendar_elapsed(int64_t *out_s, const garant_calendar *cal, int64_t a_s, int64_t b_s)
{
    if (a_s < cal->from_s || a_s > cal->to_s) return out_of_range(cal, a_s);
    if (b_s < cal->from_s || b_s > cal->to_s) return out_of_range(cal, b_s);
    *out_s = open_before(cal, b_s) - open_before(cal, a_s);
    return 0;
}

int garant_calendar_rewind(int64_t *out_s, const garant_calendar *cal, int64_t to_s, int64_t business_s)
{
    if (to_s < cal->from_s || to_s > cal->to_s) return out_of_range(cal, to_s);
    if (business_s < 0)
        return garant__error(GARANT_EINVAL, "calendar '%s': negative business time %lld s", cal->name,
                             (long long)business_s);
    int64_t target = open_before(cal, to_s) - business_s;
    if (target <= 0 || cal->n == 0) {
        *out_s = cal->from_s;
        return 0;
    }
    /* First interval whose running total at its end reaches target. */
    size_t lo = 0, hi = cal->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const interval *x = &cal->iv[mid];
        if (x->cum_s + (x->end_s - x->start_s) < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out_s = cal->iv[lo].start_s + (target - cal->iv[lo].cum_s);
    return 0;
}

int garant_calendar_windows(const garant_calendar *cal, int64_t from_s, int64_t to_s,
                            int (*fn)(void *ctx, const garant_window *w), void *ctx)
{
    if (from_s < cal->from_s) from_s = cal->from_s;
    if (to_s > cal->to_s) to_s = cal->to_s;
    if (from_s >= to_s) return 0;
    for (size_t i = first_ending_after(cal, from_s); i < cal->n && cal->iv[i].start_s < to_s; i++) {
        garant_window w = {cal->iv[i].start_s, cal->iv[i].end_s};
        if (w.start_s < from_s) w.start_s = from_s;
        if (w.end_s > to_s) w.end_s = to_s;
        int rc = fn(ctx, &w);
        if (rc) return rc;
    }
    return 0;
}
