/*
** fuzz_tzif.c - libFuzzer target for the TZif and POSIX TZ readers (tz.c).
**
** The input is tried twice: as TZif bytes for garant_tz_parse, and as a
** NUL-terminated POSIX TZ string for garant_tz_parse_posix. Whatever
** parses is queried, and the answers are checked against each other: a
** transition must lie strictly after the instant asked about, change
** something, and agree with lookups on either side of it. A disagreement
** aborts, so the fuzzer reports logic errors as well as memory errors.
**
** Seed it with a few files from /usr/share/zoneinfo copied to a scratch
** folder (binaries are not committed).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "garant/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const garant_tz_info *a, const garant_tz_info *b)
{
    return a->utoff_s == b->utoff_s && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0 &&
           memchr(a->abbr, '\0', sizeof a->abbr) != NULL;
}

/* Follow up to max transitions from after_utc_s, checking each. */
static void walk(const garant_tz *tz, int64_t after_utc_s, int max)
{
    garant_tz_transition tr;
    for (int i = 0; i < max && garant_tz_next_transition(&tr, tz, after_utc_s); i++) {
        garant_tz_info before, after;
        if (tr.at_utc_s <= after_utc_s) abort();
        if (same(&tr.before, &tr.after)) abort();
        garant_tz_lookup(&before, tz, tr.at_utc_s - 1);
        garant_tz_lookup(&after, tz, tr.at_utc_s);
        if (!same(&before, &tr.before) || !same(&after, &tr.after)) abort();
        after_utc_s = tr.at_utc_s;
    }
}

static void exercise(const garant_tz *tz)
{
    static const int64_t instants[] = {
        INT64_MIN, INT64_MIN + 1, -62167219201, -2208988800, -1, 0, 1000000000,
        1774746000 /* 2026-03-29 */, 2147483647, 4102444800 /* 2100 */, 16725225600 /* 2500 */,
        253402300799 /* 9999-12-31 */, 253402300800, INT64_MAX - 1, INT64_MAX,
    };
    garant_tz_info info;
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        garant_tz_lookup(&info, tz, instants[i]);
        if (!memchr(info.abbr, '\0', sizeof info.abbr)) abort();
    }
    walk(tz, INT64_MIN, 64);
    walk(tz, 1767225600 /* 2026-01-01 */, 8);
    walk(tz, 253370764800 /* 9998-01-01 */, 8);
    walk(tz, INT64_MAX - 1, 2);
    if (strcmp(garant_tz_name(tz), "fuzz") != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    garant_tz *tz, *copy;
    if (garant_tz_parse(&tz, "fuzz", data, size) == 0) {
        exercise(tz);
        if (garant_tz_clone(&copy, tz) == 0) {
            garant_tz_free(tz);
            exercise(copy);
            tz = copy;
        }
        garant_tz_free(tz);
    }

    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (garant_tz_parse_posix(&tz, "fuzz", s) == 0) {
        exercise(tz);
        garant_tz_free(tz);
    }
    free(s);
    return 0;
}
