/*
** config_calendars.c - reads the `calendars` section of a config: opening
** hours by weekday, holidays (fixed, yearly, Easter-relative), iCalendar
** holiday files and time zones fetched through the caller's resource
** function, compiled into calendars added to the policy. The names
** declared here are what targets and display_calendar refer to
** (garant_config__find_cal).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_reader.h"
#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

/* ---- value syntaxes ----------------------------------------------------- */

/* "HH:MM" at *p (hour 1-2 digits, minute 2), advancing p; minutes since
** midnight (24:00 allowed as 1440). On error writes why into err. */
static int parse_clock(int *out_min, const char **p, char *err, size_t cap)
{
    const char *s = *p;
    int h = 0, nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 3) h = h * 10 + (*s++ - '0'), nd++;
    if (nd < 1 || nd > 2 || *s != ':' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9' || (s[3] >= '0' && s[3] <= '9')) {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    int m = (s[1] - '0') * 10 + (s[2] - '0');
    if (h > 24) {
        snprintf(err, cap, "hour %d is out of range", h);
        return -1;
    }
    if (m > 59) {
        snprintf(err, cap, "minute %d is out of range", m);
        return -1;
    }
    if (h == 24 && m != 0) {
        snprintf(err, cap, "24:%02d is past the end of the day", m);
        return -1;
    }
    *out_min = h * 60 + m;
    *p = s + 3;
    return 0;
}

/* "HH:MM-HH:MM", local wall time, [start, end) in minutes; end may be
** 24:00. On error writes why into err. */
static int parse_window(int *out_start, int *out_end, const char *s, char *err,
                        size_t cap)
{
    const char *p = s;
    int a, b;
    if (parse_clock(&a, &p, err, cap)) return -1;
    while (*p == ' ') p++;
    if (*p != '-') {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    p++;
    while (*p == ' ') p++;
    if (parse_clock(&b, &p, err, cap)) return -1;
    if (*p) {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    if (a == GARANT_DAY_MIN) {
        snprintf(err, cap, "24:00 can only end a window");
        return -1;
    }
    if (a >= b) {
        snprintf(err, cap, "start %02d:%02d is not before end %02d:%02d", a / 60, a % 60,
                 b / 60, b % 60);
        return -1;
    }
    *out_start = a;
    *out_end = b;
    return 0;
}

/* "MM-DD" (every year, *out_year = 0) or "YYYY-MM-DD". */
static int parse_holiday_date(int64_t *out_year, unsigned *out_month,
                              unsigned *out_day, const char *s, char *err,
                              size_t cap)
{
    static const char *const month_names[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    size_t len = strlen(s);
    int64_t y = 0;
    const char *md = s;
    if (len == 10 && s[4] == '-') {
        for (int i = 0; i < 4; i++) {
            if (s[i] < '0' || s[i] > '9') goto bad;
            y = y * 10 + (s[i] - '0');
        }
        md = s + 5;
    } else if (len != 5) {
        goto bad;
    }
    if (md[0] < '0' || md[0] > '9' || md[1] < '0' || md[1] > '9' || md[2] != '-' ||
        md[3] < '0' || md[3] > '9' || md[4] < '0' || md[4] > '9')
        goto bad;
    unsigned m = (unsigned)((md[0] - '0') * 10 + (md[1] - '0'));
    unsigned d = (unsigned)((md[3] - '0') * 10 + (md[4] - '0'));
    if (md == s + 5 && y < 1) {
        snprintf(err, cap, "year %04lld is out of range", (long long)y);
        return -1;
    }
    if (m < 1 || m > 12) {
        snprintf(err, cap, "month %u is out of range", m);
        return -1;
    }
    /* A yearly date is checked against a leap year: 02-29 is a holiday in
    ** the years that have it. */
    unsigned dim = garant_days_in_month(md == s ? 2000 : y, m);
    if (d < 1 || d > dim) {
        if (md == s || d < 1)
            snprintf(err, cap, "%s has no day %u", month_names[m - 1], d);
        else
            snprintf(err, cap, "%s %04lld has no day %u", month_names[m - 1], (long long)y, d);
        return -1;
    }
    *out_year = y;
    *out_month = m;
    *out_day = d;
    return 0;
bad:
    snprintf(err, cap, "expected \"MM-DD\" (every year) or \"YYYY-MM-DD\" (once)");
    return -1;
}

/* Weekday names, Monday first as people write ranges; wd is the header's
** numbering (0 = Sunday). */
static const struct {
    const char *name, *abbr;
    unsigned wd;
} weekdays[7] = {
    {"monday", "mon", 1}, {"tuesday", "tue", 2}, {"wednesday", "wed", 3},
    {"thursday", "thu", 4}, {"friday", "fri", 5}, {"saturday", "sat", 6},
    {"sunday", "sun", 0},
};

/* Index (Monday = 0) of a weekday name or abbreviation, any case; -1. */
static int weekday_index(const char *s, size_t len)
{
    char low[16];
    if (len == 0 || len >= sizeof low) return -1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    low[len] = '\0';
    for (int i = 0; i < 7; i++)
        if (!strcmp(low, weekdays[i].name) || !strcmp(low, weekdays[i].abbr)) return i;
    return -1;
}

/* ---- calendars ---------------------------------------------------------- */

/* Load a zone through the resource callback. "UTC" is built in so that a
** policy on UTC needs no zoneinfo. 0 with *out set, or -1 after a finding
** (or with c->oom set). */
static int load_zone(cfg *c, garant_tz **out, const yaml_node_t *n,
                     const char *where)
{
    *out = NULL;
    const char *zone = garant_config__want_text(c, n, where);
    if (!zone) return -1;
    int rc;
    if (!strcmp(zone, "UTC")) {
        rc = garant_tz_utc(out);
        if (rc == GARANT_ENOMEM) c->oom = 1;
        return rc ? -1 : 0;
    }
    if (!c->fn) {
        garant_config__diag(c, n, "%s: no resource reader was given to load time zone '%s'", where,
                            garant_config__show(c, n));
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    garant__error_clear();
    rc = c->fn(c->ctx, GARANT_RESOURCE_ZONE, zone, &data, &len);
    if (rc) {
        free(data);
        if (rc == GARANT_ENOMEM) {
            c->oom = 1;
        } else if (rc == GARANT_ENOTFOUND) {
            garant_config__diag(c, n, "%s: unknown time zone '%s'", where,
                                garant_config__show(c, n));
        } else {
            garant_config__diag(c, n, "%s: time zone '%s' could not be read: %s", where,
                                garant_config__show(c, n), garant_error_last());
        }
        return -1;
    }
    rc = garant_tz_parse(out, zone, data, len);
    free(data);
    if (rc == GARANT_ENOMEM) {
        c->oom = 1;
        return -1;
    }
    if (rc) {
        garant_config__diag(c, n, "%s: time zone '%s' is damaged: %s", where,
                            garant_config__show(c, n), garant_error_last());
        return -1;
    }
    return 0;
}

/* One `hours` entry: "monday-friday" -> weekday indices [from, to]. */
static int parse_dayspec(cfg *c, const yaml_node_t *k, const char *where,
                         int *out_from, int *out_to)
{
    const char *s = garant_config__want_text(c, k, where);
    if (!s) return -1;
    const char *dash = strchr(s, '-');
    size_t len_a = dash ? (size_t)(dash - s) : strlen(s);
    int a = weekday_index(s, len_a);
    int b = dash ? weekday_index(dash + 1, strlen(dash + 1)) : a;
    if (a < 0 || b < 0) {
        garant_config__diag(c, k,
                            "%s: unknown weekday '%s' (use monday..sunday, mon..sun, or a range "
                            "like monday-friday)",
                            where, garant_config__show(c, k));
        return -1;
    }
    if (b < a) {
        garant_config__diag(c, k, "%s: range '%s' runs backwards (weeks run monday to sunday)",
                            where, garant_config__show(c, k));
        return -1;
    }
    *out_from = a;
    *out_to = b;
    return 0;
}

/* `hours`: record windows per weekday, reporting overlaps with both sides;
** the caller adds the survivors to the spec. */
static void read_hours(cfg *c, const yaml_node_t *hours, const char *calname)
{
    char where[160];
    snprintf(where, sizeof where, "calendar '%s': hours", calname);
    if (!garant_config__want_map(c, hours, where)) return;
    if (garant_config__too_long(c, hours, map_len(hours), MAX_ENTRIES, where)) return;
    for (size_t i = 0; i < map_len(hours); i++) {
        const yaml_node_pair_t *p = hours->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        if (!garant_config__entry_key(c, hours, i, where)) continue;
        int from, to;
        if (parse_dayspec(c, k, where, &from, &to)) continue;
        char sub[200];
        snprintf(sub, sizeof sub, "calendar '%s': hours '%s'", calname, garant_config__show(c, k));
        /* A single window may be written without the list brackets. */
        const yaml_node_item_t *it, *end;
        yaml_node_item_t one = p->value;
        if (is_seq(v)) {
            it = v->data.sequence.items.start;
            end = v->data.sequence.items.top;
        } else if (is_scalar(v) && !is_null(v)) {
            it = &one;
            end = &one + 1;
        } else {
            garant_config__diag(c, v, "%s: expected a list of \"HH:MM-HH:MM\" windows, got %s", sub,
                 garant_config__describe(c, v));
            continue;
        }
        for (; it < end; it++) {
            const yaml_node_t *w = node_at(c, *it);
            const char *s = garant_config__want_text(c, w, sub);
            if (!s) continue;
            int a, b;
            char err[120];
            if (parse_window(&a, &b, s, err, sizeof err)) {
                garant_config__diag(c, w, "%s: \"%s\": %s", sub, garant_config__show(c, w), err);
                continue;
            }
            for (int d = from; d <= to; d++) {
                unsigned wd = weekdays[d].wd;
                int clash = 0;
                for (size_t j = 0; j < c->nwin[wd] && !clash; j++) {
                    const window *o = &c->win[wd][j];
                    if (a < o->end_min && o->start_min < b) {
                        clash = 1;
                        char other[100], from_key[100];
                        snprintf(other, sizeof other, "%s", garant_config__show(c, o->node));
                        snprintf(from_key, sizeof from_key, "%s",
                                 garant_config__show_text(c, o->dayspec, strlen(o->dayspec)));
                        garant_config__diag(
                            c, w, "%s: \"%s\" overlaps \"%s\" of '%s' (line %d, column %d) on %s",
                            sub, garant_config__show(c, w), other, from_key, line_of(o->node),
                            column_of(o->node), weekdays[d].name);
                    }
                }
                if (clash) break;
                if (c->nwin[wd] == MAX_WINDOWS_PER_DAY) {
                    garant_config__diag(c, w, "%s: more than %d windows on %s", sub,
                                        MAX_WINDOWS_PER_DAY, weekdays[d].name);
                    break;
                }
                c->win[wd][c->nwin[wd]++] = (window){a, b, w, scalar(k)};
            }
        }
    }
}

/* One `holidays` entry into *out (name borrowed from the document). */
static int read_holiday(cfg *c, const yaml_node_t *n, const char *calname,
                        garant_holiday *out)
{
    static const char *const keys[] = {"name", "date", "easter", "closed", NULL};
    enum { H_NAME, H_DATE, H_EASTER, H_CLOSED };
    char where[200];
    snprintf(where, sizeof where, "calendar '%s': holiday", calname);
    if (!garant_config__want_map(c, n, where)) return -1;
    const yaml_node_t *v[4];
    garant_config__fields(c, n, where, keys, v, NULL);
    int ok = 1;
    memset(out, 0, sizeof *out);
    out->closed_from_min = 0;
    out->closed_to_min = GARANT_DAY_MIN;
    if (!v[H_NAME]) {
        garant_config__diag(c, n, "%s: missing key 'name'", where);
        ok = 0;
    } else {
        out->name = garant_config__want_text(c, v[H_NAME], where);
        if (!out->name) {
            ok = 0;
        } else if (strlen(out->name) > MAX_NAME_BYTES) {
            garant_config__diag(c, v[H_NAME], "%s: name is longer than %d bytes", where,
                                MAX_NAME_BYTES);
            ok = 0;
        } else {
            snprintf(where, sizeof where, "calendar '%s': holiday '%s'", calname,
                     garant_config__show(c, v[H_NAME]));
        }
    }
    char err[120];
    if (v[H_DATE] && v[H_EASTER]) {
        garant_config__diag(c, v[H_EASTER], "%s: give either date or easter, not both", where);
        ok = 0;
    } else if (v[H_DATE]) {
        const char *s = garant_config__want_text(c, v[H_DATE], where);
        if (!s) {
            ok = 0;
        } else if (parse_holiday_date(&out->year, &out->month, &out->day, s, err, sizeof err)) {
            garant_config__diag(c, v[H_DATE], "%s: date \"%s\": %s", where,
                                garant_config__show(c, v[H_DATE]), err);
            ok = 0;
        } else {
            out->kind = out->year ? GARANT_HOLIDAY_DATE : GARANT_HOLIDAY_FIXED;
        }
    } else if (v[H_EASTER]) {
        const char *s = garant_config__want_text(c, v[H_EASTER], where);
        long off;
        if (!s) {
            ok = 0;
        } else if (garant_config__parse_int(&off, s, -MAX_EASTER_OFFSET, MAX_EASTER_OFFSET)) {
            garant_config__diag(c, v[H_EASTER],
                                "%s: easter: expected whole days from Easter Sunday "
                                "between %d and %d, got '%s'",
                                where, -MAX_EASTER_OFFSET, MAX_EASTER_OFFSET,
                                garant_config__show(c, v[H_EASTER]));
            ok = 0;
        } else {
            out->kind = GARANT_HOLIDAY_EASTER;
            out->easter_offset = (int)off;
        }
    } else {
        garant_config__diag(c, n,
                            "%s: needs a date (\"MM-DD\" or \"YYYY-MM-DD\") or easter (days from "
                            "Easter Sunday)",
                            where);
        ok = 0;
    }
    if (v[H_CLOSED]) {
        const char *s = garant_config__want_text(c, v[H_CLOSED], where);
        if (!s) {
            ok = 0;
        } else if (parse_window(&out->closed_from_min, &out->closed_to_min, s, err, sizeof err)) {
            garant_config__diag(c, v[H_CLOSED], "%s: closed \"%s\": %s", where,
                                garant_config__show(c, v[H_CLOSED]), err);
            ok = 0;
        }
    }
    return ok ? 0 : -1;
}

/* Fetch each `holidays_ics` file and add its events to the spec. */
static int read_ics(cfg *c, const yaml_node_t *list, const char *calname,
                    garant_calendar_spec *spec)
{
    char where[160];
    snprintf(where, sizeof where, "calendar '%s': holidays_ics", calname);
    const yaml_node_item_t *it, *end;
    yaml_node_item_t one;
    if (is_seq(list)) {
        it = list->data.sequence.items.start;
        end = list->data.sequence.items.top;
        if (seq_len(list) > MAX_ICS_FILES) {
            garant_config__diag(c, list, "%s: more than %d files", where, MAX_ICS_FILES);
            return -1;
        }
    } else if (is_scalar(list) && !is_null(list)) {
        one = (yaml_node_item_t)(list - c->doc.nodes.start) + 1;
        it = &one;
        end = &one + 1;
    } else {
        garant_config__diag(c, list, "%s: expected a list of file names, got %s", where,
                            garant_config__describe(c, list));
        return -1;
    }
    int ok = 1;
    for (; it < end && !c->oom; it++) {
        const yaml_node_t *f = node_at(c, *it);
        const char *path = garant_config__want_text(c, f, where);
        if (!path) {
            ok = 0;
            continue;
        }
        if (!c->fn) {
            garant_config__diag(c, f, "%s: no resource reader was given to read '%s'", where,
                                garant_config__show(c, f));
            ok = 0;
            continue;
        }
        uint8_t *data = NULL;
        size_t len = 0, n = 0;
        garant__error_clear();
        int rc = c->fn(c->ctx, GARANT_RESOURCE_FILE, path, &data, &len);
        if (rc) {
            free(data);
            if (rc == GARANT_ENOMEM) c->oom = 1;
            else
                garant_config__diag(c, f, "%s: '%s' could not be read: %s", where,
                                    garant_config__show(c, f), garant_error_last());
            ok = 0;
            continue;
        }
        rc = garant_ics_add_holidays(&n, spec, (const char *)data, len);
        free(data);
        if (rc == GARANT_ENOMEM) {
            c->oom = 1;
        } else if (rc) {
            garant_config__diag(c, f, "%s: '%s': %s", where, garant_config__show(c, f),
                                garant_error_last());
            ok = 0;
        }
    }
    return ok ? 0 : -1;
}

static int parse_years(int *out_from, int *out_to, const char *s, char *err,
                       size_t cap)
{
    long a = 0, b = 0;
    char buf[16];
    const char *dash = strchr(s, '-');
    size_t la = dash ? (size_t)(dash - s) : 0;
    if (!dash || la != 4 || strlen(dash + 1) != 4) goto bad;
    memcpy(buf, s, 4);
    buf[4] = '\0';
    if (buf[0] == '-' || buf[0] == '+' || dash[1] == '-' || dash[1] == '+') goto bad;
    if (garant_config__parse_int(&a, buf, 0, 9999) ||
        garant_config__parse_int(&b, dash + 1, 0, 9999))
        goto bad;
    if (a < YEAR_MIN || b > YEAR_MAX) {
        snprintf(err, cap, "years must lie within %d-%d", YEAR_MIN, YEAR_MAX);
        return -1;
    }
    if (a > b) {
        snprintf(err, cap, "%ld is after %ld", a, b);
        return -1;
    }
    if (b - a >= MAX_YEAR_SPAN) {
        snprintf(err, cap, "spans more than %d years", MAX_YEAR_SPAN);
        return -1;
    }
    *out_from = (int)a;
    *out_to = (int)b;
    return 0;
bad:
    snprintf(err, cap, "expected \"FROM-TO\" like 1970-2100");
    return -1;
}

/* One entry under `calendars`: build, compile and add it to the policy. */
static void read_calendar(cfg *c, calinfo *ci, const yaml_node_t *body)
{
    static const char *const keys[] = {"timezone", "hours", "holidays", "holidays_ics",
                                       "years", "always_open", NULL};
    enum { C_TZ, C_HOURS, C_HOLIDAYS, C_ICS, C_YEARS, C_ALWAYS };
    char where[160];
    snprintf(where, sizeof where, "calendar '%s'",
             garant_config__show_text(c, ci->name, strlen(ci->name)));
    char calname[100];
    snprintf(calname, sizeof calname, "%s",
             garant_config__show_text(c, ci->name, strlen(ci->name)));
    ci->never_open = 1;
    if (!garant_config__want_map(c, body, where)) return;
    const yaml_node_t *v[6], *k[6];
    garant_config__fields(c, body, where, keys, v, k);
    int ok = 1, always = 0;
    if (v[C_ALWAYS]) {
        always = garant_config__want_bool(c, v[C_ALWAYS], where);
        if (always < 0) ok = 0, always = 0;
        for (int i = C_HOURS; always && i <= C_ICS; i++) {
            if (!k[i]) continue;
            garant_config__diag(c, k[i], "%s: '%s' cannot be combined with always_open: true",
                                where, keys[i]);
            ok = 0;
        }
    }
    garant_calendar_spec *spec = NULL;
    int rc = garant_calspec_new(&spec, ci->name);
    if (rc) {
        garant_config__builder_failed(c, rc, ci->key, where);
        return;
    }
    if (v[C_TZ]) {
        garant_tz *tz;
        if (load_zone(c, &tz, v[C_TZ], where)) {
            ok = 0;
        } else if ((rc = garant_calspec_set_tz(spec, tz))) {
            garant_config__builder_failed(c, rc, v[C_TZ], where);
            ok = 0;
        }
    } else if (!always) {
        garant_config__diag(c, body,
                            "%s: missing key 'timezone' (an IANA zone like Europe/Bratislava, "
                            "or UTC)",
                            where);
        ok = 0;
    }
    memset(c->nwin, 0, sizeof c->nwin);
    if (v[C_HOURS] && !always) read_hours(c, v[C_HOURS], calname);
    size_t nwindows = 0;
    for (unsigned wd = 0; wd < 7; wd++) {
        for (size_t j = 0; j < c->nwin[wd] && !c->oom; j++) {
            const window *w = &c->win[wd][j];
            nwindows++;
            rc = garant_calspec_add_hours(spec, wd, w->start_min, w->end_min);
            if (rc) garant_config__builder_failed(c, rc, w->node, where), ok = 0;
        }
    }
    if (v[C_HOLIDAYS] && !always) {
        const yaml_node_t *hl = v[C_HOLIDAYS];
        char hw[200];
        snprintf(hw, sizeof hw, "%s: holidays", where);
        if (!garant_config__want_seq(c, hl, hw)) {
            ok = 0;
        } else if (seq_len(hl) > MAX_HOLIDAYS) {
            garant_config__diag(c, hl, "%s: more than %d entries", hw, MAX_HOLIDAYS);
            ok = 0;
        } else {
            for (yaml_node_item_t *it = hl->data.sequence.items.start;
                 it < hl->data.sequence.items.top && !c->oom; it++) {
                garant_holiday h;
                const yaml_node_t *hn = node_at(c, *it);
                if (read_holiday(c, hn, calname, &h)) {
                    ok = 0;
                    continue;
                }
                if ((rc = garant_calspec_add_holiday(spec, &h)))
                    garant_config__builder_failed(c, rc, hn, hw), ok = 0;
            }
        }
    }
    if (v[C_ICS] && !always && read_ics(c, v[C_ICS], calname, spec)) ok = 0;
    int from = 1970, to = 2100;
    if (v[C_YEARS]) {
        const char *s = garant_config__want_text(c, v[C_YEARS], where);
        char err[120];
        if (!s) {
            ok = 0;
        } else if (parse_years(&from, &to, s, err, sizeof err)) {
            garant_config__diag(c, v[C_YEARS], "%s: years \"%s\": %s", where,
                                garant_config__show(c, v[C_YEARS]), err);
            ok = 0;
        }
    }
    if (always && (rc = garant_calspec_set_always_open(spec)))
        garant_config__builder_failed(c, rc, ci->key, where), ok = 0;
    ci->never_open = !always && nwindows == 0;
    if (ok && !c->oom) {
        garant_calendar *cal = NULL;
        rc = garant_calendar_compile(&cal, spec, from, to);
        if (rc) {
            garant_config__builder_failed(c, rc, ci->key, where);
        } else {
            if (garant_calendar_open_total(cal) == 0) ci->never_open = 1;
            rc = garant_policy_add_calendar(c->pol, ci->name, cal);
            if (rc) garant_config__builder_failed(c, rc, ci->key, where);
            else ci->built = 1;
        }
    }
    garant_calspec_free(spec);
}

/* Calendar names appear in targets, messages and the API. */
static int calname_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

void garant_config__read_calendars(cfg *c, const yaml_node_t *n)
{
    if (!garant_config__want_map(c, n, "calendars")) return;
    if (garant_config__too_long(c, n, map_len(n), MAX_CALENDARS, "calendars")) return;
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key);
        const char *name = garant_config__entry_key(c, n, i, "calendars");
        if (!name) continue;
        if (!strcmp(name, WALL_CALENDAR)) {
            garant_config__diag(c, k,
                                "calendars: '%s' is built in (wall-clock time around the clock) and cannot be "
                                "redefined",
                                WALL_CALENDAR);
            continue;
        }
        if (!calname_ok(name)) {
            garant_config__diag(
                c, k, "calendars: name '%s' must be 1-64 of A-Z, a-z, 0-9, '_', '-' and '.'",
                garant_config__show(c, k));
            continue;
        }
        calinfo *ci = &c->cals[c->ncals++];
        ci->name = name;
        ci->key = k;
        read_calendar(c, ci, node_at(c, p->value));
    }
}

const calinfo *garant_config__find_cal(const cfg *c, const char *name)
{
    for (size_t i = 0; i < c->ncals; i++)
        if (!strcmp(c->cals[i].name, name)) return &c->cals[i];
    return NULL;
}

/* "business, support" for "unknown calendar" messages. */
void garant_config__list_cals(const cfg *c, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->ncals && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s, ", c->cals[i].name);
    if (o < cap) snprintf(buf + o, cap - o, WALL_CALENDAR);
}
