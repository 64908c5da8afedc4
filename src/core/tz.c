/*
** tz.c - the IANA time-zone reader: TZif bytes (RFC 8536) and POSIX TZ rules.
**
** A zone is the file's transition table plus the POSIX TZ footer that carries
** it past the last transition. The bytes come from outside (a zoneinfo file,
** or the fuzzer), so every count in a header is checked against the bytes
** that remain before anything is read or allocated, and every index read
** from the data is checked against the count it indexes.
**
** Leap-second records are skipped, not applied: garant counts POSIX time
** (time.h), the "right/" zones are not meant for it. The isstd/isut
** indicators only matter to zic's POSIX-rule fallback, so they are skipped
** too once their bounds are checked.
**
** The footer's POSIX TZ rules (parsing and evaluation) are in tz_rule.c.
*/
#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "garant/time.h"
#include "garant/tz.h"
#include "tz_rule.h"
#include "internal.h"

#define TZIF_HEADER_LEN 44

/* A zone: its transition table, then the POSIX TZ footer (tz_rule.h). */
struct garant_tz {
    char *name;
    size_t ntrans;
    int64_t *trans_at;   /* UTC epoch s, strictly ascending */
    uint8_t *trans_type; /* index into types, checked < ntypes */
    size_t ntypes;       /* >= 1: types[0] applies before the first transition */
    garant_tz_info *types;
    int has_rule; /* the footer governs instants after the table */
    tz_rule rule;
};

/* ---- helpers ----------------------------------------------------------- */

static int same_info(const garant_tz_info *a, const garant_tz_info *b)
{
    return a->utoff_s == b->utoff_s && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0;
}

/* ---- zones ------------------------------------------------------------- */

/* Allocate a zone with room for its tables and a copy of name. Caller
** owns the result; free with garant_tz_free. NULL (and ENOMEM) on failure. */
static garant_tz *tz_alloc(const char *name, size_t ntrans, size_t ntypes)
{
    garant_tz *tz = calloc(1, sizeof *tz);
    if (!tz) {
        garant__error(GARANT_ENOMEM, "out of memory allocating zone %s", zone_label(name));
        return NULL;
    }
    tz->name = garant__strdup(name ? name : "");
    tz->ntrans = ntrans;
    tz->ntypes = ntypes;
    if (ntrans) {
        tz->trans_at = malloc(ntrans * sizeof *tz->trans_at);
        tz->trans_type = malloc(ntrans);
    }
    tz->types = calloc(ntypes, sizeof *tz->types);
    if (!tz->name || (ntrans && (!tz->trans_at || !tz->trans_type)) || !tz->types) {
        garant_tz_free(tz);
        garant__error(GARANT_ENOMEM, "out of memory allocating zone %s (%zu transitions)",
                      zone_label(name), ntrans);
        return NULL;
    }
    return tz;
}

void garant_tz_free(garant_tz *tz)
{
    if (!tz) return;
    free(tz->name);
    free(tz->trans_at);
    free(tz->trans_type);
    free(tz->types);
    free(tz);
}

const char *garant_tz_name(const garant_tz *tz)
{
    assert(tz);
    return tz->name;
}

int garant_tz_parse_posix(garant_tz **out, const char *name, const char *tzstr)
{
    assert(out && tzstr);
    *out = NULL;
    tz_rule r;
    int rc = garant_tz__posix_parse(&r, name, tzstr, strlen(tzstr));
    if (rc) return rc;
    garant_tz *tz = tz_alloc(name, 0, 1);
    if (!tz) return GARANT_ENOMEM;
    tz->types[0] = r.std;
    tz->has_rule = 1;
    tz->rule = r;
    *out = tz;
    return 0;
}

int garant_tz_utc(garant_tz **out) { return garant_tz_parse_posix(out, "UTC", "UTC0"); }

int garant_tz_clone(garant_tz **out, const garant_tz *tz)
{
    assert(out && tz);
    *out = NULL;
    garant_tz *c = tz_alloc(tz->name, tz->ntrans, tz->ntypes);
    if (!c) return GARANT_ENOMEM;
    if (tz->ntrans) {
        memcpy(c->trans_at, tz->trans_at, tz->ntrans * sizeof *tz->trans_at);
        memcpy(c->trans_type, tz->trans_type, tz->ntrans);
    }
    memcpy(c->types, tz->types, tz->ntypes * sizeof *tz->types);
    c->has_rule = tz->has_rule;
    c->rule = tz->rule;
    *out = c;
    return 0;
}

/* ---- TZif -------------------------------------------------------------- */

typedef struct tzif_header {
    int version; /* 1..4 */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Two's complement without implementation-defined conversions. */
static int32_t be32s(const uint8_t *p)
{
    uint32_t u = be32(p);
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) + INT32_MIN;
}

static int64_t be64s(const uint8_t *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u <= INT64_MAX ? (int64_t)u : (int64_t)(u - 0x8000000000000000u) + INT64_MIN;
}

static int read_header(tzif_header *h, const char *zone, const uint8_t *data, size_t len,
                       size_t off, const char *which)
{
    if (len - off < TZIF_HEADER_LEN)
        return garant__error(GARANT_ETZIF, "%s: TZif %s header truncated (%zu bytes, needs %d)",
                             zone_label(zone), which, len - off, TZIF_HEADER_LEN);
    const uint8_t *p = data + off;
    if (memcmp(p, "TZif", 4) != 0)
        return garant__error(GARANT_ETZIF, "%s: TZif %s header: bad magic (not \"TZif\")",
                             zone_label(zone), which);
    switch (p[4]) {
    case 0: h->version = 1; break;
    case '2': h->version = 2; break;
    case '3': h->version = 3; break;
    case '4': h->version = 4; break;
    default:
        return garant__error(GARANT_ETZIF, "%s: TZif %s header: unsupported version byte 0x%02x",
                             zone_label(zone), which, p[4]);
    }
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return 0;
}

/* Bytes of the data block after a header; tsize is 4 (v1) or 8 (v2+).
** Counts are below 2^32, so this cannot overflow 64 bits. */
static uint64_t block_len(const tzif_header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static int check_block_len(const tzif_header *h, unsigned tsize, const char *zone, size_t len,
                           size_t off, const char *which)
{
    uint64_t need = block_len(h, tsize);
    if (need > (uint64_t)(len - off))
        return garant__error(GARANT_ETZIF,
                             "%s: TZif %s data block truncated: timecnt %u, typecnt %u, charcnt %u, "
                             "leapcnt %u, isstdcnt %u, isutcnt %u need %llu bytes, %zu remain",
                             zone_label(zone), which, h->timecnt, h->typecnt, h->charcnt, h->leapcnt,
                             h->isstdcnt, h->isutcnt, (unsigned long long)need, len - off);
    return 0;
}

/* Validate the data block at data[off] and build the zone from it.
** Caller owns *out; free with garant_tz_free. */
static int read_block(garant_tz **out, const tzif_header *h, unsigned tsize, const char *zone,
                      const uint8_t *data, size_t len, size_t off)
{
    const char *z = zone_label(zone);
    const char *which = tsize == 4 ? "v1" : "64-bit";
    if (h->typecnt == 0) return garant__error(GARANT_ETZIF, "%s: TZif %s typecnt is 0", z, which);
    if (h->typecnt > 256)
        return garant__error(GARANT_ETZIF, "%s: TZif %s typecnt %u exceeds 256", z, which, h->typecnt);
    if (h->charcnt == 0) return garant__error(GARANT_ETZIF, "%s: TZif %s charcnt is 0", z, which);
    if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
        return garant__error(GARANT_ETZIF, "%s: TZif %s isstdcnt %u is neither 0 nor typecnt %u", z,
                             which, h->isstdcnt, h->typecnt);
    if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
        return garant__error(GARANT_ETZIF, "%s: TZif %s isutcnt %u is neither 0 nor typecnt %u", z,
                             which, h->isutcnt, h->typecnt);
    int rc = check_block_len(h, tsize, zone, len, off, which);
    if (rc) return rc;

    const uint8_t *times = data + off;
    const uint8_t *idx = times + (size_t)h->timecnt * tsize;
    const uint8_t *ttinfo = idx + h->timecnt;
    const uint8_t *chars = ttinfo + (size_t)h->typecnt * 6;
    /* Leap-second records and the isstd/isut indicators follow; skipped. */

    for (uint32_t i = 0; i < h->typecnt; i++) {
        const uint8_t *t = ttinfo + (size_t)i * 6;
        if (be32s(t) == INT32_MIN)
            return garant__error(GARANT_ETZIF, "%s: TZif %s type %u: utoff is -2^31", z, which, i);
        if (t[4] > 1)
            return garant__error(GARANT_ETZIF, "%s: TZif %s type %u: isdst is %u, not 0 or 1", z,
                                 which, i, t[4]);
        if (t[5] >= h->charcnt)
            return garant__error(GARANT_ETZIF,
                                 "%s: TZif %s type %u: abbreviation index %u is outside charcnt %u",
                                 z, which, i, t[5], h->charcnt);
        const uint8_t *nul = memchr(chars + t[5], 0, h->charcnt - t[5]);
        if (!nul)
            return garant__error(GARANT_ETZIF,
                                 "%s: TZif %s type %u: abbreviation at index %u is not NUL-terminated",
                                 z, which, i, t[5]);
        if ((size_t)(nul - (chars + t[5])) >= GARANT_TZ_ABBR_MAX)
            return garant__error(GARANT_ETZIF,
                                 "%s: TZif %s type %u: abbreviation longer than %d bytes", z, which,
                                 i, GARANT_TZ_ABBR_MAX - 1);
    }
    int64_t prev = 0;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at = tsize == 4 ? be32s(times + (size_t)i * 4) : be64s(times + (size_t)i * 8);
        if (i > 0 && at <= prev)
            return garant__error(GARANT_ETZIF,
                                 "%s: TZif %s transition time %u (%lld) is not after transition %u",
                                 z, which, i, (long long)at, i - 1);
        if (idx[i] >= h->typecnt)
            return garant__error(GARANT_ETZIF,
                                 "%s: TZif %s transition %u: type index %u is outside typecnt %u", z,
                                 which, i, idx[i], h->typecnt);
        prev = at;
    }

    garant_tz *tz = tz_alloc(zone, h->timecnt, h->typecnt);
    if (!tz) return GARANT_ENOMEM;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        tz->trans_at[i] = tsize == 4 ? be32s(times + (size_t)i * 4) : be64s(times + (size_t)i * 8);
        tz->trans_type[i] = idx[i];
    }
    for (uint32_t i = 0; i < h->typecnt; i++) {
        const uint8_t *t = ttinfo + (size_t)i * 6;
        garant_tz_info *info = &tz->types[i];
        info->utoff_s = be32s(t);
        info->isdst = t[4];
        /* Bounded and NUL-terminated: checked above. */
        memcpy(info->abbr, chars + t[5], strlen((const char *)chars + t[5]) + 1);
    }
    *out = tz;
    return 0;
}

int garant_tz_parse(garant_tz **out, const char *name, const uint8_t *data, size_t len)
{
    assert(out && (data || len == 0));
    *out = NULL;
    const char *z = zone_label(name);
    tzif_header h1 = {0}, h2 = {0}; /* read_header fills them on success */
    int rc = read_header(&h1, name, data, len, 0, "v1");
    if (rc) return rc;
    if (h1.version == 1) return read_block(out, &h1, 4, name, data, len, TZIF_HEADER_LEN);

    /* Version 2+: the v1 block is only for old readers; skip it. */
    rc = check_block_len(&h1, 4, name, len, TZIF_HEADER_LEN, "v1");
    if (rc) return rc;
    size_t off = TZIF_HEADER_LEN + (size_t)block_len(&h1, 4);
    rc = read_header(&h2, name, data, len, off, "second");
    if (rc) return rc;
    if (h2.version != h1.version)
        return garant__error(GARANT_ETZIF, "%s: TZif second header: version %d differs from %d", z,
                             h2.version, h1.version);
    off += TZIF_HEADER_LEN;
    garant_tz *tz;
    rc = read_block(&tz, &h2, 8, name, data, len, off);
    if (rc) return rc;
    off += (size_t)block_len(&h2, 8);

    /* The footer: "\n" POSIX-TZ "\n". Bytes after it are ignored, as
    ** tzcode does, so later versions may append data. */
    if (off >= len || data[off] != '\n') {
        garant_tz_free(tz);
        return garant__error(GARANT_ETZIF, "%s: TZif footer missing (no newline after the data block)",
                             z);
    }
    off++;
    const uint8_t *nl = memchr(data + off, '\n', len - off);
    if (!nl) {
        garant_tz_free(tz);
        return garant__error(GARANT_ETZIF, "%s: TZif footer not terminated by a newline", z);
    }
    size_t flen = (size_t)(nl - (data + off));
    if (flen > 0) {
        rc = garant_tz__posix_parse(&tz->rule, name, (const char *)data + off, flen);
        if (rc) {
            garant_tz_free(tz);
            return rc;
        }
        tz->has_rule = 1;
    }
    *out = tz;
    return 0;
}

/* ---- queries ----------------------------------------------------------- */

/* The type at utc_s: the table up to and including its last transition
** (type 0 before the first, RFC 8536 section 3.2), the footer rule after
** it, or over the whole timeline when the table is empty. */
static const garant_tz_info *type_at(const garant_tz *tz, int64_t utc_s)
{
    size_t n = tz->ntrans;
    if (n == 0) return tz->has_rule ? garant_tz__rule_state(&tz->rule, utc_s) : &tz->types[0];
    if (utc_s < tz->trans_at[0]) return &tz->types[0];
    if (utc_s > tz->trans_at[n - 1]) {
        if (tz->has_rule) return garant_tz__rule_state(&tz->rule, utc_s);
        return &tz->types[tz->trans_type[n - 1]];
    }
    /* Largest i with trans_at[i] <= utc_s. */
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (tz->trans_at[mid] <= utc_s)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &tz->types[tz->trans_type[lo]];
}

void garant_tz_lookup(garant_tz_info *out, const garant_tz *tz, int64_t utc_s)
{
    assert(out && tz);
    *out = *type_at(tz, utc_s);
}

/* Fill *out for a change at utc_s if there is one. */
static int change_at(garant_tz_transition *out, const garant_tz *tz, int64_t utc_s)
{
    const garant_tz_info *before = type_at(tz, utc_s - 1);
    const garant_tz_info *after = type_at(tz, utc_s);
    if (same_info(before, after)) return 0;
    out->at_utc_s = utc_s;
    out->before = *before;
    out->after = *after;
    return 1;
}

int garant_tz_next_transition(garant_tz_transition *out, const garant_tz *tz, int64_t after_utc_s)
{
    assert(out && tz);
    size_t n = tz->ntrans;
    if (n > 0 && after_utc_s < tz->trans_at[n - 1]) {
        /* First i with trans_at[i] > after_utc_s. */
        size_t lo = 0, hi = n - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->trans_at[mid] > after_utc_s)
                hi = mid;
            else
                lo = mid + 1;
        }
        for (size_t i = lo; i < n; i++) {
            const garant_tz_info *before = i == 0 ? &tz->types[0] : &tz->types[tz->trans_type[i - 1]];
            const garant_tz_info *after = &tz->types[tz->trans_type[i]];
            if (same_info(before, after)) continue;
            out->at_utc_s = tz->trans_at[i];
            out->before = *before;
            out->after = *after;
            return 1;
        }
        after_utc_s = tz->trans_at[n - 1];
    }
    if (!tz->has_rule) return 0;

    /* A footer that disagrees with the table's last type takes over the
    ** second after the last transition; say so rather than change silently. */
    if (n > 0 && after_utc_s == tz->trans_at[n - 1] && after_utc_s < INT64_MAX &&
        change_at(out, tz, after_utc_s + 1))
        return 1;
    if (!tz->rule.has_dst) return 0;

    /* Rule events of year y precede those of year y + 2, so once a year
    ** yields a change only the next year can hold an earlier one. */
    int64_t y0 = garant_tz__year_of(after_utc_s) - 1;
    if (y0 < RULE_YEAR_MIN) y0 = RULE_YEAR_MIN;
    int64_t last_year = RULE_YEAR_MAX;
    int found = 0;
    garant_tz_transition best = {0};
    for (int64_t y = y0; y <= last_year; y++) {
        tz_event ev[2];
        int k = garant_tz__year_events(ev, &tz->rule, y);
        for (int i = 0; i < k; i++) {
            garant_tz_transition t;
            if (ev[i].at <= after_utc_s || (found && ev[i].at >= best.at_utc_s)) continue;
            if (change_at(&t, tz, ev[i].at)) {
                if (!found && y < last_year) last_year = y + 1;
                best = t;
                found = 1;
            }
        }
    }
    if (!found) return 0;
    *out = best;
    return 1;
}


char *garant_tz_format_local(char *buf, size_t cap, const garant_tz *tz, int64_t utc_s)
{
    garant_tz_info info;
    garant_tz_lookup(&info, tz, utc_s);
    int64_t local = utc_s + info.utoff_s;
    /* Floor division: instants before 1970 have negative remainders. */
    int64_t days = local / 86400 - (local % 86400 < 0);
    int64_t sec = local - days * 86400;
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, days);
    snprintf(buf, cap, "%04lld-%02u-%02u %02d:%02d %s", (long long)y, m, d, (int)(sec / 3600),
             (int)(sec % 3600 / 60), info.abbr);
    return buf;
}
