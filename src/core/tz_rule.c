/*
** tz_rule.c - POSIX TZ rules, the footer of a TZif file that carries a zone
** past its last transition (RFC 8536 section 3.3): the parser of the TZ
** string and the evaluation of a rule in a given year. The zone itself and
** its transition table are in tz.c.
*/
#include <string.h>

#include "garant/time.h"
#include "garant/tz.h"
#include "internal.h"
#include "tz_rule.h"

#define SECS_PER_DAY 86400

/* RFC 8536 extension of POSIX: a rule's time of day may be -167..167 hours.
** A UTC offset stays within POSIX's 0..24 hours. */
#define RULE_TIME_MAX_H 167
#define OFFSET_MAX_H 24

/* Floor division, so that instants before 1970 land in the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The UTC calendar year of an instant, clamped to the rule years. */
int64_t garant_tz__year_of(int64_t utc_s)
{
    int64_t days = floor_div(utc_s, SECS_PER_DAY);
    int64_t lo = garant_days_from_civil(RULE_YEAR_MIN, 1, 1);
    int64_t hi = garant_days_from_civil(RULE_YEAR_MAX, 12, 31);
    if (days < lo) return RULE_YEAR_MIN;
    if (days > hi) return RULE_YEAR_MAX;
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, days);
    return y;
}

static int is_leap_year(int64_t y) { return garant_days_in_month(y, 2) == 29; }

/* ---- POSIX TZ rules ---------------------------------------------------- */

/* The day (since 1970-01-01) on which a rule date falls in year y. */
static int64_t rule_day(const tz_date *d, int64_t y)
{
    int64_t jan1 = garant_days_from_civil(y, 1, 1);
    switch (d->kind) {
    case DATE_JULIAN1:
        /* Jn never counts February 29, so from March on a leap year is a
        ** day further into the year than n says. */
        return jan1 + d->day - 1 + (is_leap_year(y) && d->day >= 60 ? 1 : 0);
    case DATE_JULIAN0:
        return jan1 + d->day;
    case DATE_MONTH: {
        int64_t first = garant_days_from_civil(y, (unsigned)d->month, 1);
        unsigned wd = garant_weekday_from_days(first);
        int dom = 1 + (int)(((unsigned)d->day + 7 - wd) % 7) + 7 * (d->week - 1);
        int dim = (int)garant_days_in_month(y, (unsigned)d->month);
        while (dom > dim) dom -= 7; /* week 5 means the last one */
        return first + dom - 1;
    }
    }
    return jan1;
}

/* The DST start and end instants of year y, as state changes in time
** order. Returns how many (0 or 2). Follows the reference implementation
** (tzcode's tzparse): an end before the start is a southern-hemisphere
** rule whose DST spans new year; a DST period of a whole year or more, or
** of no length, is no change at all (perpetual DST, see rule_state). */
int garant_tz__year_events(tz_event out[2], const tz_rule *r, int64_t y)
{
    int64_t s = rule_day(&r->start, y) * SECS_PER_DAY + r->start.time_s - r->std.utoff_s;
    int64_t e = rule_day(&r->end, y) * SECS_PER_DAY + r->end.time_s - r->dst.utoff_s;
    int64_t year_s = (garant_days_from_civil(y + 1, 1, 1) - garant_days_from_civil(y, 1, 1)) *
                     SECS_PER_DAY;
    if (e < s) {
        out[0] = (tz_event){e, 0};
        out[1] = (tz_event){s, 1};
        return 2;
    }
    if (s < e && e - s < year_s) {
        out[0] = (tz_event){s, 1};
        out[1] = (tz_event){e, 0};
        return 2;
    }
    return 0;
}

/* The type the rule gives at utc_s. Rule events stay within about a week
** of their year (day within the year, time within 167 hours, offset within
** 25 hours), so the years around utc_s's own decide it; the latest event
** at or before utc_s wins. A rule that never changes is perpetual DST, as
** in RFC 8536's "EST5EDT,0/0,J365/25". */
const garant_tz_info *garant_tz__rule_state(const tz_rule *r, int64_t utc_s)
{
    if (!r->has_dst) return &r->std;
    int64_t y = garant_tz__year_of(utc_s);
    if (y < RULE_YEAR_MIN + 2) y = RULE_YEAR_MIN + 2;
    if (y > RULE_YEAR_MAX - 1) y = RULE_YEAR_MAX - 1;

    tz_event ev[8];
    int n = 0;
    for (int64_t yy = y - 2; yy <= y + 1; yy++) n += garant_tz__year_events(ev + n, r, yy);
    if (n == 0) return &r->dst;

    /* Insertion sort, stable so that ties keep year order. */
    for (int i = 1; i < n; i++) {
        tz_event k = ev[i];
        int j = i - 1;
        for (; j >= 0 && ev[j].at > k.at; j--) ev[j + 1] = ev[j];
        ev[j + 1] = k;
    }
    int last = -1;
    for (int i = 0; i < n && ev[i].at <= utc_s; i++) last = i;
    int dst = last >= 0 ? ev[last].dst : !ev[0].dst;
    return dst ? &r->dst : &r->std;
}

/* A cursor over the POSIX string; why says what failed, for the message. */
typedef struct px {
    const char *s;
    size_t len;
    size_t pos;
    const char *why;
} px;

static int px_at_end(const px *c) { return c->pos >= c->len; }
static int px_peek(const px *c) { return px_at_end(c) ? -1 : (unsigned char)c->s[c->pos]; }
static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(int ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

static int px_expect(px *c, int ch, const char *why)
{
    if (px_peek(c) != ch) {
        c->why = why;
        return -1;
    }
    c->pos++;
    return 0;
}

/* A decimal number 0..max; stops before overflow. */
static int px_num(px *c, int max, int *out, const char *why)
{
    if (!is_digit(px_peek(c))) {
        c->why = why;
        return -1;
    }
    int v = 0;
    while (is_digit(px_peek(c))) {
        v = v * 10 + (px_peek(c) - '0');
        c->pos++;
        if (v > max) {
            c->why = why;
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* An abbreviation: three or more letters, or <...> of letters, digits,
** '+' and '-' (POSIX). */
static int px_name(px *c, char out[GARANT_TZ_ABBR_MAX])
{
    size_t start, n;
    if (px_peek(c) == '<') {
        c->pos++;
        start = c->pos;
        int ch;
        while ((ch = px_peek(c)) != -1 && (is_alpha(ch) || is_digit(ch) || ch == '+' || ch == '-'))
            c->pos++;
        n = c->pos - start;
        if (px_expect(c, '>', "quoted abbreviation not closed by '>'")) return -1;
    } else {
        start = c->pos;
        while (is_alpha(px_peek(c))) c->pos++;
        n = c->pos - start;
    }
    if (n < 3) {
        c->why = "abbreviation shorter than 3 characters";
        return -1;
    }
    if (n >= GARANT_TZ_ABBR_MAX) {
        c->why = "abbreviation longer than 15 characters";
        return -1;
    }
    memcpy(out, c->s + start, n);
    out[n] = '\0';
    return 0;
}

/* [+-]hh[:mm[:ss]] with hh in 0..max_h, as signed seconds. */
static int px_hms(px *c, int max_h, int32_t *out_s, const char *why)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (px_peek(c) == '+' || px_peek(c) == '-') {
        sign = px_peek(c) == '-' ? -1 : 1;
        c->pos++;
    }
    if (px_num(c, max_h, &h, why)) return -1;
    if (px_peek(c) == ':') {
        c->pos++;
        if (px_num(c, 59, &m, why)) return -1;
        if (px_peek(c) == ':') {
            c->pos++;
            if (px_num(c, 59, &s, why)) return -1;
        }
    }
    *out_s = sign * (h * 3600 + m * 60 + s);
    return 0;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static int px_date(px *c, tz_date *d)
{
    memset(d, 0, sizeof *d);
    int ch = px_peek(c);
    if (ch == 'J') {
        c->pos++;
        d->kind = DATE_JULIAN1;
        if (px_num(c, 365, &d->day, "Julian day Jn must be 1..365")) return -1;
        if (d->day < 1) {
            c->why = "Julian day Jn must be 1..365";
            return -1;
        }
    } else if (ch == 'M') {
        c->pos++;
        d->kind = DATE_MONTH;
        if (px_num(c, 12, &d->month, "month of Mm.w.d must be 1..12") ||
            px_expect(c, '.', "expected '.' after the month of Mm.w.d") ||
            px_num(c, 5, &d->week, "week of Mm.w.d must be 1..5") ||
            px_expect(c, '.', "expected '.' after the week of Mm.w.d") ||
            px_num(c, 6, &d->day, "weekday of Mm.w.d must be 0..6"))
            return -1;
        if (d->month < 1) {
            c->why = "month of Mm.w.d must be 1..12";
            return -1;
        }
        if (d->week < 1) {
            c->why = "week of Mm.w.d must be 1..5";
            return -1;
        }
    } else if (is_digit(ch)) {
        d->kind = DATE_JULIAN0;
        if (px_num(c, 365, &d->day, "zero-based day n must be 0..365")) return -1;
    } else {
        c->why = "expected a rule date (Jn, n or Mm.w.d)";
        return -1;
    }
    d->time_s = 2 * 3600;
    if (px_peek(c) == '/') {
        c->pos++;
        if (px_hms(c, RULE_TIME_MAX_H, &d->time_s, "rule time must be [+-]hh[:mm[:ss]] with hh <= 167"))
            return -1;
    }
    return 0;
}

/* Parse std offset [dst [offset] ,start[/time],end[/time]]. A DST part
** without a rule is refused rather than given some default (POSIX leaves
** it to the implementation; tzcode guesses US rules): an SLA clock should
** not guess. Messages name zone and position. */
int garant_tz__posix_parse(tz_rule *out, const char *zone, const char *s, size_t len)
{
    px c = {s, len, 0, NULL};
    tz_rule r;
    memset(&r, 0, sizeof r);
    int32_t off;

    if (px_name(&c, r.std.abbr)) goto bad;
    if (px_hms(&c, OFFSET_MAX_H, &off, "standard offset must be [+-]hh[:mm[:ss]] with hh <= 24"))
        goto bad;
    r.std.utoff_s = -off; /* POSIX offsets count west of Greenwich */
    if (px_at_end(&c)) goto done;

    if (px_name(&c, r.dst.abbr)) goto bad;
    r.dst.isdst = 1;
    r.has_dst = 1;
    if (!px_at_end(&c) && px_peek(&c) != ',') {
        if (px_hms(&c, OFFSET_MAX_H, &off, "DST offset must be [+-]hh[:mm[:ss]] with hh <= 24"))
            goto bad;
        r.dst.utoff_s = -off;
    } else {
        r.dst.utoff_s = r.std.utoff_s + 3600;
    }
    if (px_at_end(&c)) {
        c.why = "DST without a ',start,end' rule";
        goto bad;
    }
    if (px_expect(&c, ',', "expected ',' before the DST start rule") || px_date(&c, &r.start) ||
        px_expect(&c, ',', "expected ',' before the DST end rule") || px_date(&c, &r.end))
        goto bad;
    if (!px_at_end(&c)) {
        c.why = "unexpected text after the DST end rule";
        goto bad;
    }
done:
    *out = r;
    return 0;
bad:
    return garant__error(GARANT_ETZIF, "%s: POSIX TZ string \"%.*s\": %s at offset %zu",
                         zone_label(zone), len > 64 ? 64 : (int)len, s, c.why, c.pos);
}
