/*
** cmd_calendar.c - `garant calendar`: the open windows between two local
** dates, in the calendar's wall time and in UTC, and the holidays and
** closures that shut any of those days, by name.
*/
#include <string.h>

#include "cli.h"

/* Longest listing: ten years of days is already more than anyone reads. */
#define MAX_DAYS 3660

/* UTC instant of local midnight starting `days` in tz. Two lookups settle
** the offset; in a gap at midnight this lands on the gap's end. */
static int64_t local_midnight(const garant_tz *tz, int64_t days)
{
    garant_tz_info info;
    int64_t guess = days * 86400;
    garant_tz_lookup(&info, tz, guess);
    guess = days * 86400 - info.utoff_s;
    garant_tz_lookup(&info, tz, guess);
    return days * 86400 - info.utoff_s;
}

typedef struct listing {
    const garant_tz *tz;
    int64_t total_s;
} listing;

static int print_window(void *ctx, const garant_window *w)
{
    listing *l = ctx;
    char a[128], b[128], ua[GARANT_RFC3339_UTC_LEN], ub[GARANT_RFC3339_UTC_LEN], dur[64];
    garant_format_local(a, sizeof a, l->tz, w->start_s);
    garant_format_local(b, sizeof b, l->tz, w->end_s);
    garant_duration_format(dur, sizeof dur, w->end_s - w->start_s);
    printf("%-28s -> %-28s  %s - %s  %s\n", a, b, garant_time_format_utc(ua, w->start_s),
           garant_time_format_utc(ub, w->end_s), dur);
    l->total_s += w->end_s - w->start_s;
    return 0;
}

/* The closures of one local day, one line each. */
static void print_closures(const garant_calendar *cal, int64_t day)
{
    for (size_t i = 0; i < garant_calendar_holiday_count(cal); i++) {
        const garant_holiday *h = garant_calendar_holiday(cal, i);
        if (!garant_calendar_holiday_on(h, day)) continue;
        char label[40], when[32];
        garant_format_day(label, sizeof label, day);
        if (h->closed_from_min == 0 && h->closed_to_min == GARANT_DAY_MIN)
            snprintf(when, sizeof when, "all day");
        else
            snprintf(when, sizeof when, "%02d:%02d-%02d:%02d", h->closed_from_min / 60, h->closed_from_min % 60,
                     h->closed_to_min / 60, h->closed_to_min % 60);
        printf("%-28s    closed %s: %s\n", label, when, h->name && h->name[0] ? h->name : "(unnamed closure)");
    }
}

int cmd_calendar(const cli_args *a)
{
    const char *from = cli_get(a, "from"), *to = cli_get(a, "to"), *name = cli_get(a, "calendar");
    if (!from || !to) return cli_usage_error("calendar: --from DATE and --to DATE are required (YYYY-MM-DD)");
    int64_t d0, d1;
    int rc;
    if ((rc = garant_time_parse_date(&d0, from, strlen(from)))) return cli_fail(rc);
    if ((rc = garant_time_parse_date(&d1, to, strlen(to)))) return cli_fail(rc);
    if (d1 < d0) return cli_usage_error("calendar: --to %s is before --from %s", to, from);
    if (d1 - d0 >= MAX_DAYS) return cli_usage_error("calendar: at most %d days at a time", MAX_DAYS);
    garant_policy *pol;
    rc = cli_load_policy(&pol, a);
    if (rc) return rc;
    const garant_calendar *cal = name ? garant_policy_calendar(pol, name) : garant_policy_display_calendar(pol);
    if (!cal) {
        char known[256];
        garant_policy_names(known, sizeof known, pol, GARANT_NAMES_CALENDARS);
        garant_policy_free(pol);
        return cli_usage_error("calendar: unknown calendar '%s' (calendars: %s)", name ? name : "", known);
    }
    listing l = {garant_calendar_tz(cal), 0};
    int64_t start = local_midnight(l.tz, d0), end = local_midnight(l.tz, d1 + 1), lo, hi;
    garant_calendar_range(cal, &lo, &hi);
    if (start < lo || end > hi) {
        garant_policy_free(pol);
        return cli_usage_error("calendar: %s to %s lies outside the compiled years of calendar '%s'", from, to,
                               garant_calendar_name(cal));
    }
    printf("calendar '%s' (%s), %s to %s\n", garant_calendar_name(cal), garant_tz_name(l.tz), from, to);
    /* Day by day, so that a closed day says why next to the open ones. */
    for (int64_t day = d0; day <= d1; day++) {
        garant_calendar_windows(cal, local_midnight(l.tz, day), local_midnight(l.tz, day + 1), print_window, &l);
        print_closures(cal, day);
    }
    char dur[64];
    printf("open: %s\n", garant_duration_format(dur, sizeof dur, l.total_s));
    garant_policy_free(pol);
    return CLI_OK;
}
