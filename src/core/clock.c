/*
** clock.c - deadlines, elapsed and remaining target time, reclassification
** and explanations, on top of a validated policy.
**
** The rule for priority changes lives here and only here
** (garant_clock_reclassify); replaying a ticket's history after a policy
** change applies the same function, so live and recomputed deadlines agree.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/clock.h"
#include "garant/time.h"
#include "internal.h"

int garant_clock_due(int64_t *out_due_s, const garant_policy *pol,
                     const garant_ticket_terms *terms, int64_t submitted_s)
{
    garant_target t;
    int rc = garant_policy_target(&t, pol, terms);
    if (rc) return rc;
    switch (t.kind) {
    case GARANT_TARGET_NONE: *out_due_s = GARANT_NO_DUE; return 0;
    case GARANT_TARGET_WALL:
        if (submitted_s < GARANT_TIME_MIN_S || submitted_s > GARANT_TIME_MAX_S - t.seconds)
            return garant__error(GARANT_ERANGE, "the deadline would fall outside years 0000-9999");
        *out_due_s = submitted_s + t.seconds;
        return 0;
    case GARANT_TARGET_BUSINESS: return garant_calendar_add(out_due_s, t.cal, submitted_s, t.seconds);
    }
    return garant__error(GARANT_EINVAL, "unknown target kind");
}

int garant_clock_elapsed(int64_t *out_s, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t a_s, int64_t b_s)
{
    garant_target t;
    int rc = garant_policy_target(&t, pol, terms);
    if (rc) return rc;
    switch (t.kind) {
    case GARANT_TARGET_NONE: *out_s = 0; return 0;
    case GARANT_TARGET_WALL: *out_s = b_s - a_s; return 0;
    case GARANT_TARGET_BUSINESS: return garant_calendar_elapsed(out_s, t.cal, a_s, b_s);
    }
    return garant__error(GARANT_EINVAL, "unknown target kind");
}

int garant_clock_remaining(int64_t *out_s, const garant_policy *pol,
                           const garant_ticket_terms *terms, int64_t due_s, int64_t now_s)
{
    if (due_s == GARANT_NO_DUE) return garant__error(GARANT_EINVAL, "no deadline to count down to");
    return garant_clock_elapsed(out_s, pol, terms, now_s, due_s);
}

int garant_clock_warning_at(int64_t *out_s, const garant_policy *pol,
                            const garant_ticket_terms *terms, int64_t due_s)
{
    garant_target t;
    int rc = garant_policy_target(&t, pol, terms);
    if (rc) return rc;
    if (due_s == GARANT_NO_DUE || t.kind == GARANT_TARGET_NONE) {
        *out_s = GARANT_NO_DUE;
        return 0;
    }
    /* Rounded up: never warn later than the share says. */
    int64_t left = (t.seconds * (1000 - garant_policy_warning_permille(pol)) + 999) / 1000;
    if (t.kind == GARANT_TARGET_WALL) {
        *out_s = due_s - left;
        return 0;
    }
    return garant_calendar_rewind(out_s, t.cal, due_s, left);
}

/* The priority the terms stand for, with the default applied. */
static int level_of(const garant_policy *pol, const garant_ticket_terms *t)
{
    return t->priority ? t->priority : garant_policy_default_priority(pol);
}

int garant_clock_reclassify(int64_t *out_due_s, const garant_policy *pol,
                            const garant_ticket_terms *from, const garant_ticket_terms *to,
                            int64_t submitted_s, int64_t old_due_s, int64_t changed_s)
{
    if (changed_s < submitted_s)
        return garant__error(GARANT_EINVAL, "a priority change cannot precede the submission");
    int a = level_of(pol, from), b = level_of(pol, to);
    garant_target check;
    int rc = garant_policy_target(&check, pol, from);
    if (rc) return rc;
    if (b == a) {
        /* Same priority (plan or stage are not reclassified here): keep it. */
        rc = garant_policy_target(&check, pol, to);
        if (rc) return rc;
        *out_due_s = old_due_s;
        return 0;
    }
    if (b > a) /* lowered: the new priority's time from submission */
        return garant_clock_due(out_due_s, pol, to, submitted_s);
    /* Raised: the stricter clock from the change, never later than before.
    ** "No guarantee" counts as infinitely late in the minimum. */
    int64_t fresh;
    rc = garant_clock_due(&fresh, pol, to, changed_s);
    if (rc) return rc;
    if (fresh == GARANT_NO_DUE)
        *out_due_s = old_due_s;
    else if (old_due_s == GARANT_NO_DUE)
        *out_due_s = fresh;
    else
        *out_due_s = fresh < old_due_s ? fresh : old_due_s;
    return 0;
}

int garant_clock_history(garant_clock_state *out, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t submitted_s,
                         const garant_priority_change *changes, size_t n)
{
    garant_clock_state st = {0, GARANT_NO_DUE, submitted_s, level_of(pol, terms), level_of(pol, terms)};
    int rc = garant_clock_due(&st.due_s, pol, terms, submitted_s);
    if (rc) return rc;
    garant_ticket_terms cur = *terms;
    cur.priority = st.current;
    int64_t last = submitted_s;
    for (size_t i = 0; i < n; i++) {
        if (changes[i].at_s < last)
            return garant__error(GARANT_EINVAL, "priority change %zu is out of order or before the submission", i);
        garant_ticket_terms next = cur;
        next.priority = changes[i].priority;
        int64_t due;
        rc = garant_clock_reclassify(&due, pol, &cur, &next, submitted_s, st.due_s, changes[i].at_s);
        if (rc) return rc;
        /* Which clock the deadline is now: lowered, the new priority's
        ** from submission; raised, the new one's from the change if it
        ** ended earlier, else the old one stays. */
        if (next.priority > cur.priority) {
            st.start_s = submitted_s;
            st.priority = next.priority;
        } else if (next.priority < cur.priority && due != st.due_s) {
            st.start_s = changes[i].at_s;
            st.priority = next.priority;
        }
        st.due_s = due;
        cur = next;
        last = changes[i].at_s;
    }
    st.current = cur.priority;
    rc = garant_clock_warning_at(&st.warn_s, pol, &cur, st.due_s);
    if (rc) return rc;
    *out = st;
    return 0;
}

int garant_clock_replay(int64_t *out_due_s, const garant_policy *pol,
                        const garant_ticket_terms *terms, int64_t submitted_s,
                        const garant_priority_change *changes, size_t n)
{
    garant_clock_state st;
    int rc = garant_clock_history(&st, pol, terms, submitted_s, changes, n);
    if (!rc) *out_due_s = st.due_s;
    return rc;
}

/* ---- explanations --------------------------------------------------- */

struct garant_explanation {
    garant_window *w;
    size_t n, cap;
    char *text;
};

/* Explanations list whole windows; a year of them is already unreadable. */
#define MAX_EXPLAIN_WINDOWS 4096

static int collect(void *ctx, const garant_window *w)
{
    garant_explanation *ex = ctx;
    if (ex->n == MAX_EXPLAIN_WINDOWS)
        return garant__error(GARANT_ELIMIT, "explanation longer than %d windows", MAX_EXPLAIN_WINDOWS);
    int rc = garant__grow((void **)&ex->w, &ex->cap, ex->n + 1, sizeof *ex->w);
    if (rc) return rc;
    ex->w[ex->n++] = *w;
    return 0;
}

char *garant_duration_format(char *buf, size_t cap, int64_t seconds)
{
    if (cap == 0) return buf;
    const char *sign = "";
    uint64_t s = (uint64_t)seconds;
    if (seconds < 0) {
        sign = "-";
        s = 0 - s;
    }
    unsigned long long h = s / 3600, m = s / 60 % 60, sec = s % 60;
    char part[3][32];
    int np = 0;
    if (h) snprintf(part[np++], sizeof part[0], "%llu h", h);
    if (m) snprintf(part[np++], sizeof part[0], "%llu min", m);
    if (sec || np == 0) snprintf(part[np++], sizeof part[0], "%llu s", sec);
    if (np == 1)
        snprintf(buf, cap, "%s%s", sign, part[0]);
    else if (np == 2)
        snprintf(buf, cap, "%s%s %s", sign, part[0], part[1]);
    else
        snprintf(buf, cap, "%s%s %s %s", sign, part[0], part[1], part[2]);
    return buf;
}

char *garant_lateness_span(char *buf, size_t cap, int64_t seconds)
{
    if (cap == 0) return buf;
    /* In unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
    uint64_t s = seconds < 0 ? 0 - (uint64_t)seconds : (uint64_t)seconds;
    uint64_t min = seconds < 0 ? s / 60 + (s % 60 != 0) : s / 60;
    unsigned long long h = min / 60, m = min % 60;
    if (h && m)
        snprintf(buf, cap, "%llu h %llu min", h, m);
    else if (h)
        snprintf(buf, cap, "%llu h", h);
    else
        snprintf(buf, cap, "%llu min", m);
    return buf;
}

char *garant_lateness_format(char *buf, size_t cap, int64_t seconds, int business)
{
    return garant_lateness_format_in(buf, cap, seconds, business, NULL);
}

char *garant_lateness_format_in(char *buf, size_t cap, int64_t seconds, int business, const garant_words *words)
{
    if (cap == 0) return buf;
    /* Whole phrases, one a case (docs/messages.md): a language may put
    ** the figure first or last and "business hours" where it reads. */
    const garant_words english = {0}, *w = words ? words : &english;
    if (seconds >= 0 && seconds < 60) {
        snprintf(buf, cap, "%s",
                 business ? garant__word_format(w->under_minute_business, "under 1 min left (business hours)")
                          : garant__word_format(w->under_minute, "under 1 min left"));
        return buf;
    }
    char span[48];
    garant_lateness_span(span, sizeof span, seconds);
    if (seconds < 0)
        snprintf(buf, cap,
                 business ? garant__word_format(w->late_business, "%s late (business hours)")
                          : garant__word_format(w->late, "%s late"),
                 span);
    else
        snprintf(buf, cap,
                 business ? garant__word_format(w->left_business, "%s left (business hours)")
                          : garant__word_format(w->left, "%s left"),
                 span);
    return buf;
}

char *garant_target_format_in(char *buf, size_t cap, const garant_target *target, const garant_words *words)
{
    if (cap == 0) return buf;
    const garant_words english = {0}, *w = words ? words : &english;
    if (target->kind == GARANT_TARGET_NONE) {
        snprintf(buf, cap, "%s", garant__word_format(w->target_none, "none"));
        return buf;
    }
    char dur[64];
    garant_duration_format(dur, sizeof dur, target->seconds);
    if (target->kind == GARANT_TARGET_WALL)
        snprintf(buf, cap, garant__word_format(w->target_wall, "%s 24/7"), dur);
    else
        snprintf(buf, cap, garant__word_format(w->target_business, "%s business"), dur);
    return buf;
}

/* Local wall time of t in tz, split for display. */
typedef struct local_parts {
    int64_t day;
    int sod;
    garant_tz_info info;
} local_parts;

static local_parts local_of(const garant_tz *tz, int64_t t)
{
    local_parts p;
    garant_tz_lookup(&p.info, tz, t);
    int64_t l = t + p.info.utoff_s;
    p.day = l / 86400 - (l % 86400 < 0);
    p.sod = (int)(l - p.day * 86400);
    return p;
}

static void fmt_clock(char *buf, size_t cap, int sod, int with_seconds)
{
    if (with_seconds)
        snprintf(buf, cap, "%02d:%02d:%02d", sod / 3600, sod / 60 % 60, sod % 60);
    else
        snprintf(buf, cap, "%02d:%02d", sod / 3600, sod / 60 % 60);
}

/* "Fri 27 Nov", in words (NULL: English). */
static void fmt_day(char *buf, size_t cap, int64_t day, const garant_words *words)
{
    static const char *const wd[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, day);
    int w = garant_weekday_from_days(day);
    const char *wname = words && words->weekday[w] ? words->weekday[w] : wd[w];
    const char *mname = words && words->month[m - 1] ? words->month[m - 1] : mon[m - 1];
    snprintf(buf, cap, "%s %u %s", wname, d, mname);
}

char *garant_format_day(char *buf, size_t cap, int64_t local_day)
{
    char day[32];
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, local_day);
    fmt_day(day, sizeof day, local_day, NULL);
    snprintf(buf, cap, "%s %lld", day, (long long)y);
    return buf;
}

char *garant_format_local(char *buf, size_t cap, const garant_tz *tz, int64_t utc_s)
{
    local_parts p = local_of(tz, utc_s);
    char day[40], clock[16];
    garant_format_day(day, sizeof day, p.day);
    fmt_clock(clock, sizeof clock, p.sod, p.sod % 60 != 0);
    snprintf(buf, cap, "%s %s %s", day, clock, p.info.abbr);
    return buf;
}

/* Append one window as "Fri 27 Nov 16:30-17:00 CET (30 min)". A window
** that ends on a later local day, or in another zone abbreviation, names
** both ends in full. */
static int append_window(char **text, size_t *len, size_t *cap, const garant_tz *tz, const garant_window *w,
                         const garant_words *words)
{
    local_parts a = local_of(tz, w->start_s);
    /* The end is exclusive: show 24:00-style ends as the last instant's day. */
    local_parts b = local_of(tz, w->end_s);
    int secs = a.sod % 60 || b.sod % 60;
    char day_a[32], day_b[32], ca[16], cb[16], dur[64], line[256];
    fmt_day(day_a, sizeof day_a, a.day, words);
    fmt_clock(ca, sizeof ca, a.sod, secs);
    if (b.sod == 0 && b.day == a.day + 1 && strcmp(a.info.abbr, b.info.abbr) == 0) {
        b.day = a.day;
        b.sod = 86400;
    }
    fmt_clock(cb, sizeof cb, b.sod, secs);
    garant_duration_format(dur, sizeof dur, w->end_s - w->start_s);
    if (b.day == a.day && strcmp(a.info.abbr, b.info.abbr) == 0) {
        snprintf(line, sizeof line, "%s %s-%s %s (%s)", day_a, ca, cb, a.info.abbr, dur);
    } else {
        fmt_day(day_b, sizeof day_b, b.day, words);
        snprintf(line, sizeof line, "%s %s %s - %s %s %s (%s)", day_a, ca, a.info.abbr, day_b, cb,
                 b.info.abbr, dur);
    }
    size_t add = strlen(line) + 2;
    int rc = garant__grow((void **)text, cap, *len + add + 1, 1);
    if (rc) return rc;
    if (*len) {
        memcpy(*text + *len, ", ", 2);
        *len += 2;
    }
    memcpy(*text + *len, line, add - 2);
    *len += add - 2;
    (*text)[*len] = '\0';
    return 0;
}

int garant_clock_explain(garant_explanation **out, const garant_policy *pol,
                         const garant_ticket_terms *terms, int64_t start_s, int64_t due_s)
{
    return garant_clock_explain_in(out, pol, terms, start_s, due_s, NULL);
}

int garant_clock_explain_in(garant_explanation **out, const garant_policy *pol,
                            const garant_ticket_terms *terms, int64_t start_s, int64_t due_s,
                            const garant_words *words)
{
    *out = NULL;
    garant_target t;
    int rc = garant_policy_target(&t, pol, terms);
    if (rc) return rc;
    garant_explanation *ex = calloc(1, sizeof *ex);
    if (!ex) return garant__error(GARANT_ENOMEM, "out of memory explaining a deadline");
    const garant_calendar *display = t.kind == GARANT_TARGET_BUSINESS ? t.cal : garant_policy_display_calendar(pol);
    if (t.kind == GARANT_TARGET_NONE || due_s == GARANT_NO_DUE || due_s <= start_s) {
        /* nothing to list */
    } else if (t.kind == GARANT_TARGET_WALL) {
        garant_window w = {start_s, due_s};
        rc = collect(ex, &w);
    } else {
        rc = garant_calendar_windows(t.cal, start_s, due_s, collect, ex);
    }
    size_t len = 0, cap = 0;
    for (size_t i = 0; !rc && i < ex->n; i++) {
        garant_tz *utc = NULL;
        const garant_tz *tz = display ? garant_calendar_tz(display) : NULL;
        if (!tz) {
            rc = garant_tz_utc(&utc);
            tz = utc;
        }
        if (!rc) rc = append_window(&ex->text, &len, &cap, tz, &ex->w[i], words);
        garant_tz_free(utc);
    }
    if (!rc && !ex->text) {
        int none = t.kind == GARANT_TARGET_NONE || due_s == GARANT_NO_DUE;
        const char *msg = none ? "no guaranteed response time" : "due immediately";
        const char *word = !words ? NULL : none ? words->no_guarantee : words->due_immediately;
        if (word) msg = word;
        if (!(ex->text = garant__strdup(msg))) rc = GARANT_ENOMEM;
    }
    if (rc) {
        garant_explanation_free(ex);
        return rc;
    }
    *out = ex;
    return 0;
}

void garant_explanation_free(garant_explanation *ex)
{
    if (!ex) return;
    free(ex->w);
    free(ex->text);
    free(ex);
}

size_t garant_explanation_count(const garant_explanation *ex) { return ex->n; }

garant_window garant_explanation_window(const garant_explanation *ex, size_t i)
{
    garant_window none = {0, 0};
    return i < ex->n ? ex->w[i] : none;
}

const char *garant_explanation_text(const garant_explanation *ex) { return ex->text; }
