/*
** test_tz.c - tests of the TZif / POSIX TZ reader (src/core/tz.c).
**
** The reference is the system's own zdump: for each zone it lists every
** transition between two years, and our next_transition sequence and
** lookups must agree with it exactly (instant, offset, isdst, abbreviation).
** POSIX-only zones are checked against instants worked out by hand, and
** malformed TZif bytes (built here, never read from disk) must be refused
** with GARANT_ETZIF and a message naming the field.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "garant/garant.h"
#include "loader.h"
#include "support.h"

#define DAY_S 86400

static int64_t at_civil(int64_t y, unsigned m, unsigned d, int hh, int mm, int ss)
{
    return garant_days_from_civil(y, m, d) * DAY_S + hh * 3600 + mm * 60 + ss;
}

static int64_t year_start(int64_t y) { return at_civil(y, 1, 1, 0, 0, 0); }

static int info_eq(const garant_tz_info *a, const garant_tz_info *b)
{
    return a->utoff_s == b->utoff_s && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0;
}

/* Fail with both infos spelled out. */
static void expect_info(const char *what, int64_t t, const garant_tz_info *got,
                        const garant_tz_info *want)
{
    if (!info_eq(got, want))
        fail_msg("%s at %s: got %s %d isdst=%d, want %s %d isdst=%d", what, t_fmt(t), got->abbr,
                 got->utoff_s, got->isdst, want->abbr, want->utoff_s, want->isdst);
}

static void expect_lookup(const garant_tz *tz, int64_t t, const char *abbr, int32_t utoff, int isdst)
{
    garant_tz_info got, want = {utoff, isdst, ""};
    snprintf(want.abbr, sizeof want.abbr, "%s", abbr);
    garant_tz_lookup(&got, tz, t);
    expect_info(garant_tz_name(tz), t, &got, &want);
}

/* The next transition after `after` must be at `at`, from `from` to `to`
** (abbreviations), and its infos must match lookups either side. */
static int64_t expect_next(const garant_tz *tz, int64_t after, int64_t at, const char *from,
                           const char *to)
{
    garant_tz_transition tr;
    if (!garant_tz_next_transition(&tr, tz, after))
        fail_msg("%s: no transition after %s, want one at %s", garant_tz_name(tz), t_fmt(after),
                 t_fmt(at));
    if (tr.at_utc_s != at || strcmp(tr.before.abbr, from) || strcmp(tr.after.abbr, to))
        fail_msg("%s: after %s got %s %s->%s, want %s %s->%s", garant_tz_name(tz), t_fmt(after),
                 t_fmt(tr.at_utc_s), tr.before.abbr, tr.after.abbr, t_fmt(at), from, to);
    garant_tz_info i;
    garant_tz_lookup(&i, tz, at - 1);
    expect_info("lookup before transition", at - 1, &i, &tr.before);
    garant_tz_lookup(&i, tz, at);
    expect_info("lookup at transition", at, &i, &tr.after);
    return at;
}

/* ---- zdump as the reference ------------------------------------------- */

typedef struct zrec {
    int64_t t;
    garant_tz_info info;
} zrec;

static int month_index(const char *mon)
{
    static const char *const names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (strcmp(mon, names[i]) == 0) return i + 1;
    return 0;
}

/* Run zdump -v -c y0,y1 zone and keep its dated lines:
** "Zone  Sun Mar 29 00:59:59 2026 UT = Sun Mar 29 01:59:59 2026 CET isdst=0 gmtoff=3600"
** Caller owns *out; free with free(). */
static size_t zdump_records(zrec **out, const char *zone, int y0, int y1)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "zdump -v -c %d,%d %s 2>&1", y0, y1, zone);
    FILE *p = popen(cmd, "r");
    if (!p) fail_msg("cannot run zdump (part of libc-bin): %s", cmd);
    zrec *recs = NULL;
    size_t n = 0, cap = 0;
    char line[512];
    while (fgets(line, sizeof line, p)) {
        char name[128], wd[4], mon[4], lwd[4], lmon[4], abbr[GARANT_TZ_ABBR_MAX];
        unsigned d, hh, mm, ss, ld, lhh, lmm, lss;
        long long y, ly;
        int isdst;
        long gmtoff;
        int k = sscanf(line,
                       "%127s %3s %3s %u %u:%u:%u %lld UT = %3s %3s %u %u:%u:%u %lld %15s "
                       "isdst=%d gmtoff=%ld",
                       name, wd, mon, &d, &hh, &mm, &ss, &y, lwd, lmon, &ld, &lhh, &lmm, &lss, &ly,
                       abbr, &isdst, &gmtoff);
        if (k != 18) {
            if (!strstr(line, "= NULL")) fail_msg("unexpected zdump line: %s", line);
            continue;
        }
        int m = month_index(mon);
        if (!m) fail_msg("bad month in zdump line: %s", line);
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            zrec *grown = realloc(recs, cap * sizeof *recs);
            assert_non_null(grown);
            recs = grown;
        }
        recs[n].t = at_civil(y, (unsigned)m, d, (int)hh, (int)mm, (int)ss);
        recs[n].info.utoff_s = (int32_t)gmtoff;
        recs[n].info.isdst = isdst;
        snprintf(recs[n].info.abbr, sizeof recs[n].info.abbr, "%s", abbr);
        /* The local time printed must be UT + gmtoff, or we misparsed. */
        int lm = month_index(lmon);
        assert_int_equal(at_civil(ly, (unsigned)lm, ld, (int)lhh, (int)lmm, (int)lss),
                         recs[n].t + gmtoff);
        n++;
    }
    int status = pclose(p);
    if (status != 0) fail_msg("zdump failed (status %d): %s", status, cmd);
    *out = recs;
    return n;
}

/* Our transitions in [y0, y1) must be zdump's, pair by pair, and lookups
** at every instant zdump prints must give what it prints. */
static void check_zone_against_zdump(const char *zone, int y0, int y1, size_t min_transitions)
{
    garant_tz *tz = t_zone(zone);
    zrec *recs;
    size_t n = zdump_records(&recs, zone, y0, y1);
    if (n % 2) fail_msg("%s: zdump printed %zu lines, expected pairs", zone, n);
    for (size_t i = 0; i < n; i += 2)
        if (recs[i + 1].t != recs[i].t + 1)
            fail_msg("%s: zdump lines %zu and %zu are not a pair", zone, i, i + 1);

    size_t k = 0;
    int64_t t = year_start(y0) - 1, hi = year_start(y1);
    garant_tz_transition tr;
    while (garant_tz_next_transition(&tr, tz, t) && tr.at_utc_s < hi) {
        if (tr.at_utc_s <= t) fail_msg("%s: transition %s not after %s", zone, t_fmt(tr.at_utc_s), t_fmt(t));
        if (k >= n)
            fail_msg("%s: extra transition at %s (%s->%s), zdump has none", zone,
                     t_fmt(tr.at_utc_s), tr.before.abbr, tr.after.abbr);
        if (tr.at_utc_s != recs[k + 1].t)
            fail_msg("%s: transition at %s (%s->%s), zdump says %s (%s->%s)", zone,
                     t_fmt(tr.at_utc_s), tr.before.abbr, tr.after.abbr, t_fmt(recs[k + 1].t),
                     recs[k].info.abbr, recs[k + 1].info.abbr);
        expect_info(zone, recs[k].t, &tr.before, &recs[k].info);
        expect_info(zone, recs[k + 1].t, &tr.after, &recs[k + 1].info);
        k += 2;
        t = tr.at_utc_s;
    }
    if (k != n)
        fail_msg("%s: missing transition at %s (%s->%s)", zone, t_fmt(recs[k + 1].t),
                 recs[k].info.abbr, recs[k + 1].info.abbr);
    for (size_t i = 0; i < n; i++) {
        garant_tz_info got;
        garant_tz_lookup(&got, tz, recs[i].t);
        expect_info(zone, recs[i].t, &got, &recs[i].info);
    }
    if (n / 2 < min_transitions)
        fail_msg("%s: only %zu transitions in %d-%d, expected at least %zu", zone, n / 2, y0, y1,
                 min_transitions);
    free(recs);
    garant_tz_free(tz);
}

typedef struct zdump_case {
    const char *zone;
    int y0, y1;
    size_t min_transitions; /* guards against a vacuous comparison */
} zdump_case;

static zdump_case zdump_cases[] = {
    {"Europe/Bratislava", 1970, 2101, 200},
    {"America/New_York", 1970, 2101, 250},
    {"Australia/Sydney", 1970, 2101, 250},
    {"America/Santiago", 1970, 2101, 200},
    {"Africa/Casablanca", 1970, 2101, 10},
    {"Asia/Kolkata", 1970, 2101, 0}, /* no change since 1945 */
    {"Pacific/Chatham", 1970, 2101, 200},
    {"Europe/Dublin", 1970, 2101, 250},
    {"America/Sao_Paulo", 1970, 2101, 50},
    {"Pacific/Apia", 1970, 2101, 10},
    {"Asia/Tehran", 1970, 2101, 50},
    {"Australia/Lord_Howe", 1970, 2101, 200},
    {"America/Nuuk", 1970, 2101, 100},       /* footer times /-1 and /0 */
    {"Asia/Jerusalem", 1970, 2101, 200},     /* footer time /26 */
    {"America/St_Johns", 1970, 2101, 200},   /* -3:30 with DST */
    {"Antarctica/Troll", 1970, 2101, 100},   /* 2-hour DST */
    {"Europe/London", 1970, 2101, 200},
    {"UTC", 1970, 2101, 0},
    /* Far future: footer rules only. */
    {"America/New_York", 2490, 2501, 20},
    {"Australia/Sydney", 2490, 2501, 20},
    {"America/Santiago", 2490, 2501, 20},
    {"Europe/Dublin", 2490, 2501, 20},
    {"Australia/Lord_Howe", 2490, 2501, 20},
    {"Pacific/Chatham", 2490, 2501, 20},
};

static void test_zdump(void **state)
{
    const zdump_case *c = *state;
    check_zone_against_zdump(c->zone, c->y0, c->y1, c->min_transitions);
}

/* Set GARANT_TZ_ALL_ZONES=1 to compare every zone in the zoneinfo folder
** with zdump (slow: one zdump run per zone). */
static int all_zones_with_zdump(void)
{
    const char *e = getenv("GARANT_TZ_ALL_ZONES");
    return e && e[0] == '1';
}

/* ---- every installed zone parses and is self-consistent --------------- */

static const char *zoneinfo_dir(void)
{
    const char *d = getenv("TZDIR");
    return d && d[0] ? d : "/usr/share/zoneinfo";
}

static void check_file(const char *path, const char *zone, size_t *count)
{
    uint8_t *data;
    size_t len;
    if (garant_io_read_file(&data, &len, path, GARANT_IO_MAX_FILE))
        fail_msg("%s: cannot read: %s", path, garant_error_last());
    if (len < 4 || memcmp(data, "TZif", 4) != 0) { /* zone.tab, tzdata.zi, ... */
        free(data);
        return;
    }
    garant_tz *tz;
    int rc = garant_tz_parse(&tz, zone, data, len);
    free(data);
    if (rc) fail_msg("%s does not parse: %s", path, garant_error_last());
    (*count)++;
    /* Walk 1900-2200: each transition changes something, and lookups on
    ** either side agree with it. */
    garant_tz_transition tr;
    int64_t t = year_start(1900);
    while (garant_tz_next_transition(&tr, tz, t) && tr.at_utc_s < year_start(2200)) {
        garant_tz_info i;
        if (tr.at_utc_s <= t) fail_msg("%s: transitions do not advance at %s", zone, t_fmt(t));
        if (info_eq(&tr.before, &tr.after)) fail_msg("%s: no-op transition at %s", zone, t_fmt(tr.at_utc_s));
        garant_tz_lookup(&i, tz, tr.at_utc_s - 1);
        expect_info(zone, tr.at_utc_s - 1, &i, &tr.before);
        garant_tz_lookup(&i, tz, tr.at_utc_s);
        expect_info(zone, tr.at_utc_s, &i, &tr.after);
        t = tr.at_utc_s;
    }
    garant_tz_free(tz);
    if (all_zones_with_zdump() && strncmp(zone, "right/", 6) != 0)
        check_zone_against_zdump(zone, 1970, 2101, 0);
}

static void walk(const char *dir, const char *prefix, size_t *count, int depth)
{
    if (depth > 4) return; /* zoneinfo nests three deep (right/America/Argentina) */
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024], zone[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(zone, sizeof zone, "%s%s", prefix, e->d_name);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            char sub[520];
            snprintf(sub, sizeof sub, "%s/", zone);
            walk(path, sub, count, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            check_file(path, zone, count);
        }
    }
    closedir(d);
}

static void test_all_installed_zones(void **state)
{
    (void)state;
    size_t count = 0;
    walk(zoneinfo_dir(), "", &count, 0);
    /* Debian installs ~600 zones, plus right/ (leap seconds) and posix/. */
    if (count < 300) fail_msg("only %zu TZif files found under %s", count, zoneinfo_dir());
}

static void test_leap_second_file_parses(void **state)
{
    (void)state;
    /* right/ zones carry leap-second records, which are skipped. Debian 12's
    ** tzdata, which scripts/deps.sh installs, ships them, so a missing file
    ** is a failure, not a skip (Debian 13 moved them to tzdata-legacy). */
    char path[1024];
    snprintf(path, sizeof path, "%s/right/Europe/Prague", zoneinfo_dir());
    uint8_t *data;
    size_t len;
    if (garant_io_read_file(&data, &len, path, GARANT_IO_MAX_FILE))
        fail_msg("%s: %s (Debian 12's tzdata package ships right/; see scripts/deps.sh)", path,
                 garant_error_last());
    garant_tz *tz;
    assert_int_equal(garant_tz_parse(&tz, "right/Europe/Prague", data, len), 0);
    free(data);
    /* right/ times count leap seconds: the table is 27 s early, the footer
    ** is not; we only check it reads and gives CET/CEST. */
    expect_lookup(tz, t_at("2026-01-15T12:00:00Z"), "CET", 3600, 0);
    expect_lookup(tz, t_at("2040-07-15T12:00:00Z"), "CEST", 7200, 1);
    garant_tz_free(tz);
}

/* ---- POSIX TZ strings, checked by hand -------------------------------- */

static garant_tz *posix(const char *s)
{
    garant_tz *tz;
    int rc = garant_tz_parse_posix(&tz, s, s);
    if (rc) fail_msg("'%s' does not parse: %s", s, garant_error_last());
    return tz;
}

static void test_posix_cet(void **state)
{
    (void)state;
    garant_tz *tz = posix("CET-1CEST,M3.5.0,M10.5.0/3");
    assert_string_equal(garant_tz_name(tz), "CET-1CEST,M3.5.0,M10.5.0/3");
    /* 2026: last Sundays are March 29 and October 25; 02:00 CET and
    ** 03:00 CEST are both 01:00 UTC. */
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-29T01:00:00Z"), "CET", "CEST");
    t = expect_next(tz, t, t_at("2026-10-25T01:00:00Z"), "CEST", "CET");
    expect_next(tz, t, t_at("2027-03-28T01:00:00Z"), "CET", "CEST");
    expect_lookup(tz, t_at("2026-03-29T00:59:59Z"), "CET", 3600, 0);
    expect_lookup(tz, t_at("2026-03-29T01:00:00Z"), "CEST", 7200, 1);
    /* Year 2500: March 1 is a Monday, so the last Sunday is March 28. */
    expect_next(tz, t_at("2500-01-01T00:00:00Z"), t_at("2500-03-28T01:00:00Z"), "CET", "CEST");
    /* Far past, before any rule year matters, still answers. */
    expect_lookup(tz, t_at("1800-07-01T00:00:00Z"), "CEST", 7200, 1);
    garant_tz_free(tz);
}

static void test_posix_new_york(void **state)
{
    (void)state;
    garant_tz *tz = posix("EST5EDT,M3.2.0,M11.1.0");
    /* 2026: March 1 and November 1 are Sundays: second Sunday of March
    ** is the 8th, 02:00 EST = 07:00 UTC; first Sunday of November is the
    ** 1st, 02:00 EDT = 06:00 UTC. */
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-08T07:00:00Z"), "EST", "EDT");
    expect_next(tz, t, t_at("2026-11-01T06:00:00Z"), "EDT", "EST");
    expect_lookup(tz, t_at("2026-07-04T16:00:00Z"), "EDT", -4 * 3600, 1);
    expect_lookup(tz, t_at("2026-12-25T16:00:00Z"), "EST", -5 * 3600, 0);
    garant_tz_free(tz);
}

static void test_posix_fixed(void **state)
{
    (void)state;
    garant_tz *tz = posix("<+0330>-3:30");
    expect_lookup(tz, t_at("2026-06-01T00:00:00Z"), "+0330", 12600, 0);
    expect_lookup(tz, INT64_MIN, "+0330", 12600, 0);
    expect_lookup(tz, INT64_MAX, "+0330", 12600, 0);
    garant_tz_transition tr;
    assert_int_equal(garant_tz_next_transition(&tr, tz, INT64_MIN), 0);
    garant_tz_free(tz);

    tz = posix("<-0330>3:30:15");
    expect_lookup(tz, 0, "-0330", -(3 * 3600 + 30 * 60 + 15), 0);
    garant_tz_free(tz);
}

static void test_posix_sydney(void **state)
{
    (void)state;
    garant_tz *tz = posix("AEST-10AEDT,M10.1.0,M4.1.0/3");
    /* DST spans new year. 2026: April 5 is the first Sunday of April,
    ** 03:00 AEDT = April 4 16:00 UTC; October 4 is the first Sunday of
    ** October, 02:00 AEST = October 3 16:00 UTC. */
    expect_lookup(tz, t_at("2026-01-15T00:00:00Z"), "AEDT", 11 * 3600, 1);
    expect_lookup(tz, t_at("2026-07-01T00:00:00Z"), "AEST", 10 * 3600, 0);
    expect_lookup(tz, t_at("2026-12-31T23:59:59Z"), "AEDT", 11 * 3600, 1);
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-04-04T16:00:00Z"), "AEDT", "AEST");
    t = expect_next(tz, t, t_at("2026-10-03T16:00:00Z"), "AEST", "AEDT");
    /* 2027: April 4 and October 3 are the first Sundays. */
    t = expect_next(tz, t, t_at("2027-04-03T16:00:00Z"), "AEDT", "AEST");
    expect_next(tz, t, t_at("2027-10-02T16:00:00Z"), "AEST", "AEDT");
    garant_tz_free(tz);
}

static void test_posix_julian(void **state)
{
    (void)state;
    /* Jn skips February 29: J60 is March 1 and J300 is October 27 in
    ** every year. Start 00:00 AAA (UTC), end 00:00 BBB (UTC+1). */
    garant_tz *tz = posix("AAA0BBB-1,J60/0,J300/0");
    int64_t t = expect_next(tz, t_at("2024-01-01T00:00:00Z"), t_at("2024-03-01T00:00:00Z"), "AAA", "BBB");
    t = expect_next(tz, t, t_at("2024-10-26T23:00:00Z"), "BBB", "AAA");
    t = expect_next(tz, t, t_at("2025-03-01T00:00:00Z"), "AAA", "BBB");
    expect_next(tz, t, t_at("2025-10-26T23:00:00Z"), "BBB", "AAA");
    garant_tz_free(tz);

    /* n counts February 29: day 59 is February 29 in 2024, March 1 in
    ** 2025; day 300 is October 27 in 2024 and October 28 in 2025. */
    tz = posix("AAA0BBB-1,59/0,300/0");
    t = expect_next(tz, t_at("2024-01-01T00:00:00Z"), t_at("2024-02-29T00:00:00Z"), "AAA", "BBB");
    t = expect_next(tz, t, t_at("2024-10-26T23:00:00Z"), "BBB", "AAA");
    t = expect_next(tz, t, t_at("2025-03-01T00:00:00Z"), "AAA", "BBB");
    expect_next(tz, t, t_at("2025-10-27T23:00:00Z"), "BBB", "AAA");
    garant_tz_free(tz);
}

static void test_posix_extended_times(void **state)
{
    (void)state;
    /* Nuuk: /-1 is 23:00 on the Saturday before; -01 DST ends at 00:00.
    ** 2026: March 29 -1:00 at -02 = March 29 01:00 UTC; October 25
    ** 00:00 at -01 = 01:00 UTC. */
    garant_tz *tz = posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-29T01:00:00Z"), "-02", "-01");
    expect_next(tz, t, t_at("2026-10-25T01:00:00Z"), "-01", "-02");
    garant_tz_free(tz);

    /* Israel: /26 of the fourth Thursday of March 2026 (the 26th) is
    ** Friday 27th 02:00 IST = 00:00 UTC; last Sunday of October is the
    ** 25th, 02:00 IDT = 24th 23:00 UTC. */
    tz = posix("IST-2IDT,M3.4.4/26,M10.5.0");
    t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-27T00:00:00Z"), "IST", "IDT");
    expect_next(tz, t, t_at("2026-10-24T23:00:00Z"), "IDT", "IST");
    garant_tz_free(tz);

    /* The extremes of RFC 8536: 2026-03-29 00:00 - 167 h = March 22
    ** 01:00 AAA (UTC); 2026-10-25 00:00 + 167 h = October 31 23:00 BBB
    ** = 22:00 UTC. */
    tz = posix("AAA0BBB-1,M3.5.0/-167,M10.5.0/167");
    t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-22T01:00:00Z"), "AAA", "BBB");
    expect_next(tz, t, t_at("2026-10-31T22:00:00Z"), "BBB", "AAA");
    garant_tz_free(tz);

    /* Santiago: 24:00 of the first Saturday, i.e. the Sunday's midnight.
    ** 2026: first Saturday of April is the 4th, 24:00 -03 = April 5
    ** 03:00 UTC; first Saturday of September is the 5th, 24:00 -04 =
    ** September 6 04:00 UTC. */
    /* Each year's DST starts after new year and ends before it, so the
    ** next change can come from the following year's rule: from mid-2026
    ** the next is 2027's end, January 1 - 100 h = 2026-12-27 20:00 BBB,
    ** then 2026's start, December 31 + 100 h = 2027-01-04 04:00 AAA. */
    tz = posix("AAA0BBB-1,J365/100,J1/-100");
    expect_lookup(tz, t_at("2026-07-01T00:00:00Z"), "BBB", 3600, 1);
    t = expect_next(tz, t_at("2026-07-01T00:00:00Z"), t_at("2026-12-27T19:00:00Z"), "BBB", "AAA");
    t = expect_next(tz, t, t_at("2027-01-04T04:00:00Z"), "AAA", "BBB");
    expect_next(tz, t, t_at("2027-12-27T19:00:00Z"), "BBB", "AAA");
    garant_tz_free(tz);

    tz = posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
    t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-04-05T03:00:00Z"), "-03", "-04");
    expect_next(tz, t, t_at("2026-09-06T04:00:00Z"), "-04", "-03");
    garant_tz_free(tz);
}

static void test_posix_negative_dst(void **state)
{
    (void)state;
    /* Europe/Dublin's footer: IST (UTC+1) is standard, GMT in winter is
    ** flagged DST. 2026: DST (GMT) starts October 25 02:00 IST = 01:00
    ** UTC, ends March 29 01:00 GMT = 01:00 UTC. */
    garant_tz *tz = posix("IST-1GMT0,M10.5.0,M3.5.0/1");
    expect_lookup(tz, t_at("2026-07-01T00:00:00Z"), "IST", 3600, 0);
    expect_lookup(tz, t_at("2026-12-01T00:00:00Z"), "GMT", 0, 1);
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-29T01:00:00Z"), "GMT", "IST");
    expect_next(tz, t, t_at("2026-10-25T01:00:00Z"), "IST", "GMT");
    garant_tz_free(tz);
}

static void test_posix_permanent_dst(void **state)
{
    (void)state;
    /* RFC 8536 section 3.3.1: DST all year, no transitions. */
    garant_tz *tz = posix("EST5EDT,0/0,J365/25");
    for (int y = 1970; y <= 2500; y += 7) {
        expect_lookup(tz, year_start(y), "EDT", -4 * 3600, 1);
        expect_lookup(tz, year_start(y) + 5 * 3600, "EDT", -4 * 3600, 1);
        expect_lookup(tz, at_civil(y, 7, 1, 0, 0, 0), "EDT", -4 * 3600, 1);
        expect_lookup(tz, at_civil(y, 12, 31, 23, 0, 0), "EDT", -4 * 3600, 1);
    }
    garant_tz_transition tr;
    assert_int_equal(garant_tz_next_transition(&tr, tz, t_at("2000-01-01T00:00:00Z")), 0);
    garant_tz_free(tz);

    /* One hour short of a year: standard time for one hour each new year,
    ** from January 1 04:00 UTC (00:00 EDT) to 05:00 UTC (00:00 EST). */
    tz = posix("EST5EDT,0/0,J365/24");
    expect_lookup(tz, t_at("2026-01-01T04:30:00Z"), "EST", -5 * 3600, 0);
    int64_t t = expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-01-01T04:00:00Z"), "EDT", "EST");
    expect_next(tz, t, t_at("2026-01-01T05:00:00Z"), "EST", "EDT");
    garant_tz_free(tz);
}

static void test_posix_long_run(void **state)
{
    (void)state;
    /* Two transitions a year, every year to 2500 and beyond, alternating. */
    static const char *const rules[] = {"CET-1CEST,M3.5.0,M10.5.0/3", "AEST-10AEDT,M10.1.0,M4.1.0/3",
                                        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
                                        "IST-1GMT0,M10.5.0,M3.5.0/1", "AAA0BBB-1,J365/100,J1/-100"};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        garant_tz *tz = posix(rules[r]);
        garant_tz_transition tr, prev = {0};
        int64_t t = year_start(1970) - 1;
        size_t count = 0;
        while (garant_tz_next_transition(&tr, tz, t) && tr.at_utc_s < year_start(2600)) {
            assert_true(tr.at_utc_s > t);
            if (count) assert_true(info_eq(&prev.after, &tr.before));
            prev = tr;
            t = tr.at_utc_s;
            count++;
        }
        assert_int_equal(count, 2 * (2600 - 1970));
        garant_tz_free(tz);
    }
}

static void test_posix_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "UTC", "AB0", "<+03-3", "<+03>", "<+0>-3", "CET-1CEST", "CET-1CEST,", "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.5.0,", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M0.1.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,M3.5,M10.5.0", "CET-1CEST,J0,M10.5.0", "CET-1CEST,J366,M10.5.0",
        "CET-1CEST,366,M10.5.0", "CET-25", "CET-1:60", "CET-1:00:60", "CET-1CEST,M3.5.0/168,M10.5.0",
        "CET-1CEST,M3.5.0/-168,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1 ", "CET-1CEST-2x",
        "ABCDEFGHIJKLMNOP0", "<ABCDEFGHIJKLMNOP>0", "CET-99999999999999999999", "CET-1CEST,M3.5.0/,M10.5.0",
        "CET-1CEST,X3.5.0,M10.5.0", "CET+-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        garant_tz *tz = (garant_tz *)1;
        int rc = garant_tz_parse_posix(&tz, "bad", bad[i]);
        if (rc != GARANT_ETZIF) fail_msg("'%s' gave %d, want GARANT_ETZIF", bad[i], rc);
        assert_null(tz);
        assert_non_null(strstr(garant_error_last(), "POSIX TZ"));
    }
    /* Good ones at the edges. */
    static const char *const good[] = {"UTC0", "<-00>0", "CET-1CEST,M3.5.0,M10.5.0/3", "XXX+24",
                                       "XXX-24:59:59", "AAA0BBB,J1,J365", "AAA0BBB,0,365",
                                       "AAA0BBB,M1.1.0/+167,M12.5.6/-167:59:59", "AAA0BBB-5:30,M3.5.0,M10.5.0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) garant_tz_free(posix(good[i]));
}

/* ---- simple handles ---------------------------------------------------- */

static void test_utc_clone_free(void **state)
{
    (void)state;
    garant_tz_free(NULL);
    garant_tz *utc;
    assert_int_equal(garant_tz_utc(&utc), 0);
    assert_string_equal(garant_tz_name(utc), "UTC");
    expect_lookup(utc, 0, "UTC", 0, 0);
    expect_lookup(utc, INT64_MAX, "UTC", 0, 0);
    garant_tz_transition tr;
    assert_int_equal(garant_tz_next_transition(&tr, utc, INT64_MIN), 0);
    garant_tz_free(utc);

    garant_tz *ny = t_zone("America/New_York"), *copy;
    assert_int_equal(garant_tz_clone(&copy, ny), 0);
    garant_tz_free(ny); /* the copy must not share anything */
    assert_string_equal(garant_tz_name(copy), "America/New_York");
    expect_lookup(copy, t_at("2026-07-04T16:00:00Z"), "EDT", -4 * 3600, 1);
    expect_lookup(copy, t_at("1975-12-25T16:00:00Z"), "EST", -5 * 3600, 0);
    expect_next(copy, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-08T07:00:00Z"), "EST", "EDT");
    garant_tz_free(copy);
}

static void test_fractional_zones(void **state)
{
    (void)state;
    garant_tz *tz = t_zone("Asia/Kolkata");
    expect_lookup(tz, t_at("2026-06-01T00:00:00Z"), "IST", 19800, 0);
    expect_lookup(tz, t_at("2500-06-01T00:00:00Z"), "IST", 19800, 0);
    garant_tz_transition tr;
    assert_int_equal(garant_tz_next_transition(&tr, tz, t_at("1970-01-01T00:00:00Z")), 0);
    garant_tz_free(tz);

    tz = t_zone("Pacific/Chatham");
    expect_lookup(tz, t_at("2026-01-15T00:00:00Z"), "+1345", 13 * 3600 + 45 * 60, 1);
    expect_lookup(tz, t_at("2026-07-15T00:00:00Z"), "+1245", 12 * 3600 + 45 * 60, 0);
    garant_tz_free(tz);

    /* Apia skipped December 30, 2011: 23:59:59 -10 on the 29th is
    ** followed by 00:00:00 +14 on the 31st. */
    tz = t_zone("Pacific/Apia");
    expect_next(tz, t_at("2011-12-01T00:00:00Z"), t_at("2011-12-30T10:00:00Z"), "-10", "+14");
    garant_tz_free(tz);
}

/* ---- hand-made TZif bytes ---------------------------------------------- */

/* Version 1: AAA (+1) before 1970 and from 2001-09-09T01:46:40Z (10^9),
** BBB (+2, DST) in between. */
static const uint8_t tzif_v1[] = {
    'T', 'Z', 'i', 'f', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* magic, version, unused */
    0, 0, 0, 0,                                                           /* isutcnt */
    0, 0, 0, 0,                                                           /* isstdcnt */
    0, 0, 0, 0,                                                           /* leapcnt */
    0, 0, 0, 2,                                                           /* timecnt */
    0, 0, 0, 2,                                                           /* typecnt */
    0, 0, 0, 8,                                                           /* charcnt */
    0x00, 0x00, 0x00, 0x00, 0x3b, 0x9a, 0xca, 0x00,                       /* 0, 10^9 */
    1, 0,                                                                 /* their types */
    0x00, 0x00, 0x0e, 0x10, 0, 0,                                         /* +3600 std "AAA" */
    0x00, 0x00, 0x1c, 0x20, 1, 4,                                         /* +7200 dst "BBB" */
    'A', 'A', 'A', 0, 'B', 'B', 'B', 0,
};

static void test_tzif_v1(void **state)
{
    (void)state;
    garant_tz *tz;
    assert_int_equal(garant_tz_parse(&tz, "v1", tzif_v1, sizeof tzif_v1), 0);
    expect_lookup(tz, -1, "AAA", 3600, 0);
    expect_lookup(tz, INT64_MIN, "AAA", 3600, 0);
    expect_lookup(tz, 0, "BBB", 7200, 1);
    expect_lookup(tz, 999999999, "BBB", 7200, 1);
    expect_lookup(tz, 1000000000, "AAA", 3600, 0);
    expect_lookup(tz, INT64_MAX, "AAA", 3600, 0); /* v1: no footer, last type */
    int64_t t = expect_next(tz, INT64_MIN, 0, "AAA", "BBB");
    t = expect_next(tz, t, 1000000000, "BBB", "AAA");
    garant_tz_transition tr;
    assert_int_equal(garant_tz_next_transition(&tr, tz, t), 0);
    garant_tz_free(tz);

    /* Every prefix is refused, read from an exact-size heap copy so that
    ** AddressSanitizer catches any read past the end. */
    for (size_t n = 0; n < sizeof tzif_v1; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, tzif_v1, n);
        tz = (garant_tz *)1;
        assert_int_equal(garant_tz_parse(&tz, "v1", copy, n), GARANT_ETZIF);
        assert_null(tz);
        free(copy);
    }
}

/* A v2+ file built field by field; offsets of its parts are kept so that
** tests can break one field at a time. */
typedef struct tzfile {
    uint8_t b[1024];
    size_t n;
    size_t h1, h2, times, idx, ttinfo, chars, leaps, footer;
} tzfile;

static void put(tzfile *f, const void *p, size_t n)
{
    assert_true(f->n + n <= sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put32(tzfile *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(f, b, 4);
}

static void put64(tzfile *f, int64_t v)
{
    uint64_t u = (uint64_t)v;
    put32(f, (uint32_t)(u >> 32));
    put32(f, (uint32_t)u);
}

static void set32(tzfile *f, size_t off, uint32_t v)
{
    f->b[off] = (uint8_t)(v >> 24);
    f->b[off + 1] = (uint8_t)(v >> 16);
    f->b[off + 2] = (uint8_t)(v >> 8);
    f->b[off + 3] = (uint8_t)v;
}

static void put_header(tzfile *f, char version, uint32_t isut, uint32_t isstd, uint32_t leap,
                       uint32_t time, uint32_t type, uint32_t chars)
{
    static const uint8_t zero[15];
    put(f, "TZif", 4);
    put(f, &version, 1);
    put(f, zero, 15);
    put32(f, isut);
    put32(f, isstd);
    put32(f, leap);
    put32(f, time);
    put32(f, type);
    put32(f, chars);
}

#define T_NOOP 978307200LL /* 2001-01-01T00:00:00Z */

/* Types: 0 LMT +0:20, 1 AAA +1, 2 BBB +2 DST. Transitions: -10^10 to AAA,
** then 2001-01-01T00:00:00Z to AAA again (a no-op, to be skipped). One leap-second record
** and isstd/isut indicators, to be skipped. */
static void make_v2(tzfile *f, char version, const char *footer)
{
    memset(f, 0, sizeof *f);
    f->h1 = f->n;
    put_header(f, version, 0, 0, 0, 0, 1, 4); /* minimal v1 block, as zic -b slim */
    put32(f, 0), put(f, "\0\0", 2), put(f, "LMT", 4);
    f->h2 = f->n;
    put_header(f, version, 3, 3, 1, 2, 3, 12);
    f->times = f->n;
    put64(f, -10000000000LL);
    put64(f, T_NOOP);
    f->idx = f->n;
    put(f, "\1\1", 2);
    f->ttinfo = f->n;
    put32(f, 1200), put(f, "\0\0", 2);
    put32(f, 3600), put(f, "\0\4", 2);
    put32(f, 7200), put(f, "\1\10", 2);
    f->chars = f->n;
    put(f, "LMT\0AAA\0BBB", 12);
    f->leaps = f->n;
    put64(f, 78796800), put32(f, 1);
    put(f, "\0\0\0", 3); /* isstd */
    put(f, "\0\0\0", 3); /* isut */
    f->footer = f->n;
    put(f, "\n", 1);
    put(f, footer, strlen(footer));
    put(f, "\n", 1);
}

static void test_tzif_v2_v3_v4(void **state)
{
    (void)state;
    static const char versions[] = {'2', '3', '4'};
    for (size_t v = 0; v < sizeof versions; v++) {
        tzfile f;
        make_v2(&f, versions[v], "AAA-1BBB,M3.5.0,M10.5.0/3");
        garant_tz *tz;
        if (garant_tz_parse(&tz, "v2", f.b, f.n)) fail_msg("%s", garant_error_last());
        expect_lookup(tz, INT64_MIN, "LMT", 1200, 0);
        expect_lookup(tz, -10000000001LL, "LMT", 1200, 0);
        expect_lookup(tz, -10000000000LL, "AAA", 3600, 0);
        expect_lookup(tz, T_NOOP, "AAA", 3600, 0);
        /* Past the table the footer rules: 2026 as in CET. */
        expect_lookup(tz, t_at("2026-07-01T00:00:00Z"), "BBB", 7200, 1);
        int64_t t = expect_next(tz, INT64_MIN, -10000000000LL, "LMT", "AAA");
        /* The no-op at 2001-01-01 is skipped; the footer's first change
        ** after it is on the last Sunday of March 2001, the 25th. */
        t = expect_next(tz, t, t_at("2001-03-25T01:00:00Z"), "AAA", "BBB");
        expect_next(tz, t, t_at("2001-10-28T01:00:00Z"), "BBB", "AAA");
        garant_tz_free(tz);
    }
}

static void test_tzif_footer_variants(void **state)
{
    (void)state;
    garant_tz *tz;
    garant_tz_transition tr;

    /* Empty footer: the last type holds forever. */
    tzfile f;
    make_v2(&f, '2', "");
    assert_int_equal(garant_tz_parse(&tz, "empty-footer", f.b, f.n), 0);
    expect_lookup(tz, t_at("2026-07-01T00:00:00Z"), "AAA", 3600, 0);
    assert_int_equal(garant_tz_next_transition(&tr, tz, -10000000000LL), 0);
    garant_tz_free(tz);

    /* A footer that disagrees with the table's last type takes over the
    ** second after the last transition, and next_transition says so. */
    make_v2(&f, '2', "<+05>-5");
    assert_int_equal(garant_tz_parse(&tz, "disagreeing-footer", f.b, f.n), 0);
    expect_lookup(tz, T_NOOP, "AAA", 3600, 0);
    expect_lookup(tz, T_NOOP + 1, "+05", 18000, 0);
    expect_next(tz, -10000000000LL, T_NOOP + 1, "AAA", "+05");
    assert_int_equal(garant_tz_next_transition(&tr, tz, T_NOOP + 1), 0);
    garant_tz_free(tz);

    /* No transitions at all: the footer rules the whole timeline. */
    memset(&f, 0, sizeof f);
    put_header(&f, '2', 0, 0, 0, 0, 1, 4);
    put(&f, "\0\0\0\0\0\0LMT", 10);
    put_header(&f, '2', 0, 0, 0, 0, 1, 4);
    put32(&f, 3600), put(&f, "\0\0", 2), put(&f, "CET", 4);
    put(&f, "\nCET-1CEST,M3.5.0,M10.5.0/3\n", 28);
    assert_int_equal(garant_tz_parse(&tz, "footer-only", f.b, f.n), 0);
    expect_lookup(tz, t_at("1900-07-01T00:00:00Z"), "CEST", 7200, 1);
    expect_lookup(tz, t_at("2026-01-01T00:00:00Z"), "CET", 3600, 0);
    expect_next(tz, t_at("2026-01-01T00:00:00Z"), t_at("2026-03-29T01:00:00Z"), "CET", "CEST");
    garant_tz_free(tz);

    /* Trailing bytes after the footer are ignored (room for later versions). */
    make_v2(&f, '4', "AAA-1");
    put(&f, "future", 6);
    assert_int_equal(garant_tz_parse(&tz, "trailing", f.b, f.n), 0);
    garant_tz_free(tz);
}

/* Each broken file must be refused with GARANT_ETZIF, a NULL *out and a
** message naming the field. */
static void expect_bad(const tzfile *f, const char *field)
{
    uint8_t *copy = malloc(f->n ? f->n : 1);
    memcpy(copy, f->b, f->n);
    garant_tz *tz = (garant_tz *)1;
    int rc = garant_tz_parse(&tz, "broken", copy, f->n);
    free(copy);
    if (rc != GARANT_ETZIF) fail_msg("broken file (%s) gave %d, want GARANT_ETZIF", field, rc);
    assert_null(tz);
    if (!strstr(garant_error_last(), field))
        fail_msg("message \"%s\" does not name \"%s\"", garant_error_last(), field);
}

static void test_tzif_malformed(void **state)
{
    (void)state;
    tzfile f;

    /* Every prefix of a valid v2 file is refused. */
    make_v2(&f, '2', "AAA-1BBB,M3.5.0,M10.5.0/3");
    size_t full = f.n;
    for (size_t n = 0; n < full; n++) {
        tzfile p = f;
        p.n = n;
        expect_bad(&p, "broken");
    }

#define BREAK(stmt, field)                                                                         \
    do {                                                                                           \
        make_v2(&f, '2', "AAA-1BBB,M3.5.0,M10.5.0/3");                                             \
        stmt;                                                                                      \
        expect_bad(&f, field);                                                                     \
    } while (0)

    BREAK(f.b[0] = 'X', "magic");
    BREAK(f.b[f.h2 + 1] = 'X', "magic");
    BREAK(f.b[4] = '5', "version");
    BREAK(f.b[f.h2 + 4] = '3', "version");
    BREAK(set32(&f, f.h1 + 32, 0xffffffffu), "timecnt");  /* huge v1 count */
    BREAK(set32(&f, f.h1 + 40, 0x7fffffffu), "charcnt");
    BREAK(set32(&f, f.h2 + 32, 0xffffffffu), "timecnt");  /* huge 64-bit count */
    BREAK(set32(&f, f.h2 + 28, 0xffffffffu), "leapcnt");
    BREAK(set32(&f, f.h2 + 32, 100), "timecnt");          /* counts disagree with the data */
    BREAK(set32(&f, f.h2 + 36, 0), "typecnt");
    BREAK(set32(&f, f.h2 + 36, 300), "typecnt");
    BREAK(set32(&f, f.h2 + 40, 0), "charcnt");
    BREAK(set32(&f, f.h2 + 24, 2), "isstdcnt");
    BREAK(set32(&f, f.h2 + 20, 1), "isutcnt");
    BREAK(memcpy(f.b + f.times + 8, f.b + f.times, 8), "transition time"); /* equal */
    BREAK(set32(&f, f.times, 0x7fffffffu), "transition time");             /* descending */
    BREAK(f.b[f.idx + 1] = 3, "type index");
    BREAK(set32(&f, f.ttinfo + 6, 0x80000000u), "utoff");
    BREAK(f.b[f.ttinfo + 6 + 4] = 2, "isdst");
    BREAK(f.b[f.ttinfo + 6 + 5] = 12, "abbreviation index");
    BREAK(f.b[f.ttinfo + 6 + 5] = 200, "abbreviation index");
    BREAK(f.b[f.chars + 11] = 'X', "NUL-terminated");
    BREAK(f.b[f.footer] = 'X', "footer");
    BREAK(f.n--, "footer");                                  /* no closing newline */
    BREAK(f.b[f.footer + 4] = '?', "POSIX TZ");              /* bad footer text */
#undef BREAK

    /* An abbreviation of 16 bytes does not fit garant_tz_info. */
    memset(&f, 0, sizeof f);
    put_header(&f, 0, 0, 0, 0, 0, 1, 17);
    put32(&f, 0), put(&f, "\0\0", 2), put(&f, "ABCDEFGHIJKLMNOP", 17);
    expect_bad(&f, "abbreviation longer");
    f.b[f.n - 2] = 0; /* 15 bytes is fine */
    garant_tz *tz;
    assert_int_equal(garant_tz_parse(&tz, "15", f.b, f.n), 0);
    expect_lookup(tz, 0, "ABCDEFGHIJKLMNO", 0, 0);
    garant_tz_free(tz);
}

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof zdump_cases / sizeof zdump_cases[0]; i++) {
        struct CMUnitTest t = cmocka_unit_test_prestate(test_zdump, &zdump_cases[i]);
        t.name = zdump_cases[i].zone;
        tests[n++] = t;
    }
    const struct CMUnitTest rest[] = {
        cmocka_unit_test(test_all_installed_zones),
        cmocka_unit_test(test_leap_second_file_parses),
        cmocka_unit_test(test_posix_cet),
        cmocka_unit_test(test_posix_new_york),
        cmocka_unit_test(test_posix_fixed),
        cmocka_unit_test(test_posix_sydney),
        cmocka_unit_test(test_posix_julian),
        cmocka_unit_test(test_posix_extended_times),
        cmocka_unit_test(test_posix_negative_dst),
        cmocka_unit_test(test_posix_permanent_dst),
        cmocka_unit_test(test_posix_long_run),
        cmocka_unit_test(test_posix_malformed),
        cmocka_unit_test(test_utc_clone_free),
        cmocka_unit_test(test_fractional_zones),
        cmocka_unit_test(test_tzif_v1),
        cmocka_unit_test(test_tzif_v2_v3_v4),
        cmocka_unit_test(test_tzif_footer_variants),
        cmocka_unit_test(test_tzif_malformed),
    };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) tests[n++] = rest[i];
    return t_exit_status(_cmocka_run_group_tests("tz", tests, n, NULL, NULL));
}
