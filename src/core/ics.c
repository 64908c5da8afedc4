/*
** ics.c - public-holiday feeds in iCalendar format (RFC 5545) as calendar
** closures, through libical.
**
** What becomes a holiday (docs/config.md has the user's version):
**  - an all-day event (DTSTART;VALUE=DATE) closes every day of
**    [DTSTART, DTEND) in the calendar's wall time; no DTEND (or a DTEND
**    equal to DTSTART, which some producers write) is one day; DURATION in
**    whole days or weeks is honoured;
**  - a floating timed event (no "Z", no TZID: wall time wherever it is
**    read) closes [start, end) in the calendar's wall time, split at
**    midnight; one without DTEND or DURATION lasts no time and adds nothing;
**  - a timed event in UTC or with a TZID is skipped: turning it into wall
**    time needs the calendar's zone, which a spec does not expose, and a
**    holiday feed has no business holding such events;
**  - RRULE:FREQ=YEARLY with nothing else (BYMONTH/BYMONTHDAY equal to
**    DTSTART's date allowed) repeats on the same date every year
**    (GARANT_HOLIDAY_FIXED); any rule with COUNT or UNTIL is expanded into
**    its dated occurrences, EXDATEs removed; other open-ended rules and
**    RDATE are refused with an error naming the event, since silently
**    dropping a holiday would move deadlines into a closed day;
**  - STATUS:CANCELLED events are skipped;
**  - an event whose lines libical could not parse (it marks them with
**    X-LIC-ERROR) fails the whole feed, for the same reason.
** The closures are collected first and added only if the whole feed is
** good, so a failed feed leaves the spec as it was (unless adding itself
** fails half way, which only running out of memory or the spec's own
** holiday ceiling can cause).
**
** libical keeps process-global state (the "errors are fatal" switch, a
** per-thread error number and ring buffer) and resolves TZIDs by reading
** zoneinfo from disk. Its use is confined to this file, only calls that
** neither read files nor resolve zones are made, and the fatal switch is
** turned off for the duration of a call so that bad input can never
** abort() the process.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

/* Ceilings: a national holiday feed is a few hundred events. */
#define ICS_MAX_BYTES (4u << 20)    /* text of one feed */
#define ICS_MAX_HOLIDAYS 20000      /* closures added by one feed */
#define ICS_MAX_EVENT_DAYS 366      /* days one event may span */
#define ICS_MAX_OCCURRENCES 1000    /* expanded occurrences of one rule */
#define ICS_MAX_DEPTH 8             /* VCALENDAR > VEVENT > VALARM needs 3 */

typedef struct acc {
    garant_holiday *h;     /* names borrowed from the parsed components */
    size_t n, cap;
} acc;

/* An event's identity for messages: its SUMMARY, made safe to print. */
typedef struct label {
    char text[96];
} label;

static void make_label(label *l, const char *summary)
{
    const char *s = summary && summary[0] ? summary : "(untitled)";
    size_t o = 0;
    for (; *s && o + 4 < sizeof l->text; s++) {
        unsigned char ch = (unsigned char)*s;
        l->text[o++] = ch >= 0x20 && ch != 0x7f ? (char)ch : '?';
    }
    if (*s) memcpy(l->text + o, "...", 3), o += 3;
    l->text[o] = '\0';
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int push(acc *a, const garant_holiday *h)
{
    if (a->n == ICS_MAX_HOLIDAYS)
        return garant__error(GARANT_ELIMIT, "the feed adds more than %d closures", ICS_MAX_HOLIDAYS);
    if (garant__grow((void **)&a->h, &a->cap, a->n + 1, sizeof *a->h)) return GARANT_ENOMEM;
    a->h[a->n++] = *h;
    return 0;
}

/* Close [start_s, start_s + dur_s), floating seconds since 1970-01-01
** (wall time), day by day; rounded outwards to whole minutes. yearly makes
** each day a FIXED holiday (month and day) instead of a DATE. */
static int add_span(acc *a, int64_t start_s, int64_t dur_s, int yearly,
                    const char *name, const label *l)
{
    int64_t from_min = floor_div(start_s, 60);
    int64_t to_min = floor_div(start_s + dur_s + 59, 60);
    for (int64_t day = floor_div(from_min, GARANT_DAY_MIN); day * GARANT_DAY_MIN < to_min; day++) {
        int64_t lo = from_min - day * GARANT_DAY_MIN, hi = to_min - day * GARANT_DAY_MIN;
        garant_holiday h = {0};
        garant_civil_from_days(&h.year, &h.month, &h.day, day);
        if (!yearly && (h.year < 1 || h.year > 9999))
            return garant__error(GARANT_EINVAL, "event '%s' reaches past the year 9999", l->text);
        h.kind = yearly ? GARANT_HOLIDAY_FIXED : GARANT_HOLIDAY_DATE;
        if (yearly) h.year = 0;
        h.closed_from_min = lo < 0 ? 0 : (int)lo;
        h.closed_to_min = hi > GARANT_DAY_MIN ? GARANT_DAY_MIN : (int)hi;
        h.name = name;
        int rc = push(a, &h);
        if (rc) return rc;
    }
    return 0;
}

/* A date or floating date-time as seconds since 1970-01-01 wall time. */
static int64_t wall_s(struct icaltimetype t)
{
    int64_t s = garant_days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day) * 86400;
    if (!t.is_date) s += t.hour * 3600 + t.minute * 60 + t.second;
    return s;
}

/* A usable libical time: not null, a real date, years 1-9999. */
static int time_ok(struct icaltimetype t)
{
    if (icaltime_is_null_time(t) || t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12)
        return 0;
    if (t.day < 1 || (unsigned)t.day > garant_days_in_month(t.year, (unsigned)t.month)) return 0;
    return t.is_date || (t.hour >= 0 && t.hour < 24 && t.minute >= 0 && t.minute < 60 &&
                         t.second >= 0 && t.second < 61);
}

/* Wall time means no "Z" and no TZID (see the file comment). */
static int is_floating(const icalproperty *p, struct icaltimetype t)
{
    return !icaltime_is_utc(t) &&
           !icalproperty_get_first_parameter((icalproperty *)p, ICAL_TZID_PARAMETER);
}

/* Empty BY* list, or exactly the one value v. */
static int by_only(const short *arr, size_t size, int v)
{
    if (arr[0] == ICAL_RECURRENCE_ARRAY_MAX) return 1;
    return arr[0] == v && (size == 1 || arr[1] == ICAL_RECURRENCE_ARRAY_MAX);
}

static int by_none(const short *arr) { return arr[0] == ICAL_RECURRENCE_ARRAY_MAX; }

/* FREQ=YEARLY repeating DTSTART's date for ever: a FIXED holiday. */
static int plain_yearly(const struct icalrecurrencetype *r, struct icaltimetype st)
{
    return r->freq == ICAL_YEARLY_RECURRENCE && r->interval <= 1 && r->count == 0 &&
           icaltime_is_null_time(r->until) && !r->rscale && by_none(r->by_second) &&
           by_none(r->by_minute) && by_none(r->by_hour) && by_none(r->by_day) &&
           by_none(r->by_year_day) && by_none(r->by_week_no) && by_none(r->by_set_pos) &&
           by_only(r->by_month, ICAL_BY_MONTH_SIZE, st.month) &&
           by_only(r->by_month_day, ICAL_BY_MONTHDAY_SIZE, st.day);
}

static int excluded(icalcomponent *ev, int64_t occ_s, int is_date)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
        struct icaltimetype x = icalproperty_get_exdate(p);
        if (!time_ok(x)) continue;
        int64_t xs = wall_s(x);
        if (is_date || x.is_date ? floor_div(xs, 86400) == floor_div(occ_s, 86400) : xs == occ_s)
            return 1;
    }
    return 0;
}

/* Expand a rule with COUNT or UNTIL into dated closures. */
static int expand(acc *a, icalcomponent *ev, struct icalrecurrencetype r,
                  struct icaltimetype st, int64_t dur_s, const char *name,
                  const label *l)
{
    icalrecur_iterator *it = icalrecur_iterator_new(r, st);
    if (!it) return garant__error(GARANT_EINVAL, "event '%s': its RRULE is invalid", l->text);
    int rc = 0, n = 0;
    for (;;) {
        struct icaltimetype occ = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(occ)) break;
        if (!time_ok(occ)) {
            rc = garant__error(GARANT_EINVAL, "event '%s': its RRULE yields an invalid date", l->text);
            break;
        }
        if (++n > ICS_MAX_OCCURRENCES) {
            rc = garant__error(GARANT_ELIMIT, "event '%s': its RRULE yields more than %d occurrences",
                               l->text, ICS_MAX_OCCURRENCES);
            break;
        }
        int64_t s = wall_s(occ);
        if (excluded(ev, s, st.is_date)) continue;
        if ((rc = add_span(a, s, dur_s, 0, name, l))) break;
    }
    icalrecur_iterator_free(it);
    return rc;
}

/* The end of an event as a duration in seconds from its start, or -1 for
** "adds nothing" (a timed event without an end). */
static int event_duration(int64_t *out_s, icalcomponent *ev, struct icaltimetype st,
                          const label *l)
{
    icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    int64_t dur;
    if (pe) {
        struct icaltimetype en = icalproperty_get_dtend(pe);
        if (!time_ok(en))
            return garant__error(GARANT_EINVAL, "event '%s': DTEND is not a valid date", l->text);
        if (en.is_date != st.is_date || (!st.is_date && !is_floating(pe, en)))
            return garant__error(GARANT_EINVAL, "event '%s': DTEND is not of the same kind as DTSTART",
                                 l->text);
        dur = wall_s(en) - wall_s(st);
    } else if (pd) {
        struct icaldurationtype d = icalproperty_get_duration(pd);
        if (d.is_neg || (st.is_date && (d.hours || d.minutes || d.seconds)))
            return garant__error(GARANT_EINVAL, "event '%s': DURATION must be whole days and positive",
                                 l->text);
        if (d.weeks > 1000 || d.days > 10000 || d.hours > 100000 || d.minutes > 10000000 ||
            d.seconds > 1000000000)
            dur = (int64_t)ICS_MAX_EVENT_DAYS * 86400 + 1;
        else
            dur = ((((int64_t)d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
    } else {
        dur = st.is_date ? 86400 : 0;
    }
    if (st.is_date && dur == 0) dur = 86400;
    if (dur < 0)
        return garant__error(GARANT_EINVAL, "event '%s': it ends before it starts", l->text);
    if (dur > (int64_t)ICS_MAX_EVENT_DAYS * 86400)
        return garant__error(GARANT_EINVAL, "event '%s': it spans more than %d days", l->text,
                             ICS_MAX_EVENT_DAYS);
    *out_s = dur ? dur : -1;
    return 0;
}

static int read_event(acc *a, icalcomponent *ev)
{
    const char *name = icalcomponent_get_summary(ev);
    label l;
    make_label(&l, name);
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY);
    if (p) {
        label why;
        make_label(&why, icalproperty_get_xlicerror(p));
        return garant__error(GARANT_EINVAL, "event '%s': %s", l.text, why.text);
    }
    p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
    if (p && icalproperty_get_status(p) == ICAL_STATUS_CANCELLED) return 0;
    p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!p) return garant__error(GARANT_EINVAL, "event '%s' has no DTSTART", l.text);
    struct icaltimetype st = icalproperty_get_dtstart(p);
    if (!time_ok(st))
        return garant__error(GARANT_EINVAL, "event '%s': DTSTART is not a valid date", l.text);
    if (!st.is_date && !is_floating(p, st)) return 0; /* skipped: see the file comment */
    int64_t dur_s = 0;
    int rc = event_duration(&dur_s, ev, st, &l);
    if (rc) return rc;
    if (dur_s < 0) return 0;
    if (icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY))
        return garant__error(GARANT_EINVAL, "event '%s': RDATE is not supported", l.text);
    icalproperty *pr = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
    if (!pr) return add_span(a, wall_s(st), dur_s, 0, name, &l);
    if (icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY))
        return garant__error(GARANT_EINVAL, "event '%s': more than one RRULE is not supported", l.text);
    struct icalrecurrencetype r = icalproperty_get_rrule(pr);
    if (r.freq == ICAL_NO_RECURRENCE)
        return garant__error(GARANT_EINVAL, "event '%s': its RRULE is invalid", l.text);
    if (r.count > 0 || !icaltime_is_null_time(r.until))
        return expand(a, ev, r, st, dur_s, name, &l);
    if (!plain_yearly(&r, st))
        return garant__error(GARANT_EINVAL,
                             "event '%s': only RRULE:FREQ=YEARLY on the date of DTSTART, or rules "
                             "with COUNT or UNTIL, are supported",
                             l.text);
    if (icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY))
        return garant__error(GARANT_EINVAL, "event '%s': EXDATE on a rule without end is not supported",
                             l.text);
    return add_span(a, wall_s(st), dur_s, 1, name, &l);
}

static int read_vcalendar(acc *a, icalcomponent *cal)
{
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        int rc = read_event(a, ev);
        if (rc) return rc;
    }
    return 0;
}

/* Does the text start like an iCalendar (after a BOM and blank lines)? */
static int looks_like_ics(const char *s, size_t len)
{
    static const char begin[] = "BEGIN:VCALENDAR";
    size_t i = 0;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < len && (s[i] == '\r' || s[i] == '\n' || s[i] == ' ' || s[i] == '\t')) i++;
    if (len - i < sizeof begin - 1) return 0;
    for (size_t j = 0; j < sizeof begin - 1; j++) {
        char ch = s[i + j];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
        if (ch != begin[j]) return 0;
    }
    return 1;
}

/* libical's search for a separator: quotes toggle, a backslash escapes,
** the first character never matches (icalparser.c, parser_get_next_char). */
static const char *next_sep(const char *s, size_t len, char c)
{
    int quoted = 0;
    char prev = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (prev != 0 && prev != '\\') {
            if (ch == '"') quoted = !quoted;
            else if (!quoted && ch == c) return s + i;
        }
        prev = ch;
    }
    return NULL;
}

/* +1 for a BEGIN line, -1 for END, 0 otherwise, judged the way libical's
** parser judges the name before the first ';' or ':'. */
static int begin_or_end(const char *line, size_t len)
{
    const char *semi = next_sep(line, len, ';'), *colon = next_sep(line, len, ':');
    if (!semi && !colon) return 0;
    const char *stop = colon && (!semi || semi > colon) ? colon : semi;
    size_t n = (size_t)(stop - line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || (line[n - 1] >= '\n' && line[n - 1] <= '\r')))
        n--;
    char name[6];
    if (n != 5 && n != 3) return 0;
    for (size_t i = 0; i < n; i++) name[i] = (char)(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
    if (n == 5 && !memcmp(name, "BEGIN", 5)) return 1;
    if (n == 3 && !memcmp(name, "END", 3)) return -1;
    return 0;
}

/* Before libical sees the text: BEGIN and END must pair up, no deeper than
** ICS_MAX_DEPTH, and lines end in LF or CRLF. libical would otherwise
** print "Encountered END before BEGIN" to stderr (it cannot be told not
** to), patch up unclosed components, and free deep nesting recursively.
** Lines are unfolded as libical does (a line starting with a space or tab
** continues the previous one). */
static int check_structure(const char *s, size_t len)
{
    char *line = NULL;
    size_t cap = 0, n = 0, lineno = 0, at_line = 0;
    int depth = 0, rc = 0, open = 0, had_nl = 0, had_cr = 0;
    size_t i = len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (;;) {
        /* The physical line [i, e), e at its LF or the end of the text. */
        const char *nl = i < len ? memchr(s + i, '\n', len - i) : NULL;
        size_t e = nl ? (size_t)(nl - s) : len;
        int cr = e > i && s[e - 1] == '\r';
        size_t body_end = cr ? e - 1 : e;
        if (i < len && memchr(s + i, '\r', body_end - i)) {
            rc = garant__error(GARANT_EINVAL, "iCalendar feed: line %zu has a CR without LF", lineno + 1);
            break;
        }
        /* libical continues a line only after a LF, and only if what it
        ** has so far (a trailing CR included) is not empty. */
        int cont = open && had_nl && n + (size_t)had_cr > 0 && i < len && (s[i] == ' ' || s[i] == '\t');
        if (open && !cont) {
            depth += begin_or_end(line, n);
            if (depth < 0)
                rc = garant__error(GARANT_EINVAL, "iCalendar feed: line %zu: END without BEGIN", at_line);
            else if (depth > ICS_MAX_DEPTH)
                rc = garant__error(GARANT_EINVAL, "iCalendar feed: line %zu: components nested deeper than %d",
                                   at_line, ICS_MAX_DEPTH);
            open = 0;
            n = 0;
        }
        if (rc || i >= len) break;
        lineno++;
        if (!cont) at_line = lineno;
        size_t from = cont ? i + 1 : i;
        if (body_end > from) {
            if (garant__grow((void **)&line, &cap, n + (body_end - from), 1)) {
                rc = GARANT_ENOMEM;
                break;
            }
            memcpy(line + n, s + from, body_end - from);
            n += body_end - from;
        }
        open = 1;
        had_nl = nl != NULL;
        had_cr = cr;
        i = e + 1;
    }
    free(line);
    if (!rc && depth == 1) rc = garant__error(GARANT_EINVAL, "iCalendar feed: a component is not closed with END");
    if (!rc && depth > 1) rc = garant__error(GARANT_EINVAL, "iCalendar feed: %d components are not closed with END", depth);
    return rc;
}

static int add_all(size_t *out_n, garant_calendar_spec *spec, icalcomponent *root)
{
    acc a = {0};
    int rc = 0;
    icalcomponent_kind kind = icalcomponent_isa(root);
    if (kind == ICAL_VCALENDAR_COMPONENT) {
        rc = read_vcalendar(&a, root);
    } else if (kind == ICAL_XROOT_COMPONENT) {
        /* Several VCALENDARs one after another. */
        for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
             c && !rc; c = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT)) {
            if (icalcomponent_isa(c) != ICAL_VCALENDAR_COMPONENT)
                rc = garant__error(GARANT_EINVAL, "not an iCalendar feed: a %s outside VCALENDAR",
                                   icalcomponent_kind_to_string(icalcomponent_isa(c)));
            else
                rc = read_vcalendar(&a, c);
        }
    } else {
        rc = garant__error(GARANT_EINVAL, "not an iCalendar feed: no VCALENDAR");
    }
    for (size_t i = 0; i < a.n && !rc; i++) {
        rc = garant_calspec_add_holiday(spec, &a.h[i]);
        if (!rc) ++*out_n;
    }
    free(a.h);
    return rc;
}

int garant_ics_add_holidays(size_t *out_n, garant_calendar_spec *spec,
                            const char *text, size_t len)
{
    *out_n = 0;
    if (len > ICS_MAX_BYTES)
        return garant__error(GARANT_ELIMIT, "iCalendar feed is larger than %u bytes", ICS_MAX_BYTES);
    if (!text || !looks_like_ics(text, len))
        return garant__error(GARANT_EINVAL, "not an iCalendar feed: it does not begin with BEGIN:VCALENDAR");
    if (memchr(text, '\0', len))
        return garant__error(GARANT_EINVAL, "iCalendar feed contains a NUL byte");
    int rc = check_structure(text, len);
    if (rc) return rc;
    char *buf = malloc(len + 1);
    if (!buf) return garant__error(GARANT_ENOMEM, "out of memory copying a %zu-byte feed", len);
    memcpy(buf, text, len);
    buf[len] = '\0';

    int fatal = icalerror_get_errors_are_fatal();
    if (fatal) icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
    icalcomponent *root = icalparser_parse_string(buf);
    if (!root) {
        rc = garant__error(GARANT_EINVAL, "iCalendar feed could not be parsed (%s)",
                           icalerrno != ICAL_NO_ERROR ? icalerror_strerror(icalerrno)
                                                      : "is it cut short?");
    } else {
        rc = add_all(out_n, spec, root);
        icalcomponent_free(root);
    }
    icalerror_clear_errno();
    if (fatal) icalerror_set_errors_are_fatal(fatal);
    free(buf);
    return rc;
}
