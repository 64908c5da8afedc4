/*
** cmd_calendar.c - `garant calendar`: the open windows between two local
** dates, in the calendar's wall time and in UTC, and the holidays and
** closures that shut any of those days, by name. The days are the desk's
** (desk_calendar_days), as the API's GET /api/v1/calendar shows them.
*/
#include <string.h>

#include "cli.h"
#include "desk_calendar.h"

/* Longest listing: ten years of days is already more than anyone reads. */
#define MAX_DAYS 3660

typedef struct listing {
    const garant_tz *tz;
    int64_t total_s;
} listing;

static void print_window(listing *l, const desk_calendar_window *w)
{
    char a[128], b[128], ua[GARANT_RFC3339_UTC_LEN], ub[GARANT_RFC3339_UTC_LEN], dur[64];
    garant_format_local(a, sizeof a, l->tz, w->start_s);
    garant_format_local(b, sizeof b, l->tz, w->end_s);
    garant_duration_format(dur, sizeof dur, w->end_s - w->start_s);
    printf("%-28s -> %-28s  %s - %s  %s\n", a, b, garant_time_format_utc(ua, w->start_s),
           garant_time_format_utc(ub, w->end_s), dur);
}

/* One local day: its windows, then its closures, one line each, so that
** a closed day says why next to the open ones. */
static int print_day(void *ctx, const desk_calendar_day *day)
{
    listing *l = ctx;
    for (size_t i = 0; i < day->nwindows; i++) print_window(l, &day->windows[i]);
    l->total_s += day->open_s;
    for (size_t i = 0; i < day->nclosures; i++) {
        const garant_holiday *h = day->closures[i];
        char label[40], when[32];
        garant_format_day(label, sizeof label, day->day);
        if (h->closed_from_min == 0 && h->closed_to_min == GARANT_DAY_MIN)
            snprintf(when, sizeof when, "all day");
        else
            snprintf(when, sizeof when, "%02d:%02d-%02d:%02d", h->closed_from_min / 60, h->closed_from_min % 60,
                     h->closed_to_min / 60, h->closed_to_min % 60);
        printf("%-28s    closed %s: %s\n", label, when, h->name && h->name[0] ? h->name : "(unnamed closure)");
    }
    return 0;
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
    if (desk_calendar_covers(cal, d0, d1) != 0) {
        garant_policy_free(pol);
        return cli_usage_error("calendar: %s to %s lies outside the compiled years of calendar '%s'", from, to,
                               garant_calendar_name(cal));
    }
    listing l = {garant_calendar_tz(cal), 0};
    printf("calendar '%s' (%s), %s to %s\n", garant_calendar_name(cal), garant_tz_name(l.tz), from, to);
    rc = desk_calendar_days(cal, d0, d1, print_day, &l);
    if (rc) {
        garant_policy_free(pol);
        return cli_fail(rc);
    }
    char dur[64];
    printf("open: %s\n", garant_duration_format(dur, sizeof dur, l.total_s));
    garant_policy_free(pol);
    return CLI_OK;
}
