/*
** fuzz_timestamp.c - libFuzzer target for RFC 3339 timestamps and dates.
**
** Every input is offered to garant_time_parse_rfc3339 and
** garant_time_parse_date, which must never read past len or misbehave
** (ASan/UBSan catch that). When a parse succeeds, the answer is checked
** against properties the header promises, and the fuzzer aborts on any
** violation:
**   - the instant formatted with garant_time_format_utc is a 20-character
**     "YYYY-MM-DDTHH:MM:SSZ" that parses back to the same instant;
**   - fractional seconds round up: the text with its fraction removed
**     parses to the instant minus 1 if any fraction digit is non-zero, to
**     the same instant otherwise;
**   - a timestamp's date part is a valid date on its own;
**   - a date's day count converts back to the digits that were parsed, and
**     the date written out again parses to the same day count.
** Links garant_core only.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/time.h"

/* Longest input worth looking at: the longest valid timestamp is 35 bytes
** (nine fraction digits and an offset); longer ones only test the error
** path, which a few hundred bytes already do. */
#define MAX_INPUT 256

/* Fixed positions in a parsed timestamp: the date-time separator, and
** where a fraction or the offset starts ("YYYY-MM-DDTHH:MM:SS"). */
#define SEP_AT 10
#define AFTER_SECONDS 19

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size, int64_t a, int64_t b)
{
    fprintf(stderr, "fuzz_timestamp: %s\n  input: '%.*s' (%zu bytes)\n  got %lld, expected %lld\n", what,
            (int)size, (const char *)data, size, (long long)a, (long long)b);
    abort();
}

static void check_timestamp(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t t;
    if (garant_time_parse_rfc3339(&t, s, size) != 0) return;

    /* Round trip through the UTC text form. */
    char buf[GARANT_RFC3339_UTC_LEN + 8];
    memset(buf, 'x', sizeof buf);
    garant_time_format_utc(buf, t);
    const char *nul = memchr(buf, '\0', sizeof buf);
    size_t n = nul ? (size_t)(nul - buf) : sizeof buf;
    if (n != GARANT_RFC3339_UTC_LEN - 1) fail("formatted instant is not 20 characters", data, size, (int64_t)n, 20);
    int64_t back;
    if (garant_time_parse_rfc3339(&back, buf, n) != 0) {
        fprintf(stderr, "fuzz_timestamp: formatted '%s' does not parse back\n", buf);
        fail("round trip failed", data, size, t, t);
    }
    if (back != t) fail("round trip changed the instant", data, size, back, t);

    /* The date part alone is a date. */
    int64_t days;
    if (size < SEP_AT || garant_time_parse_date(&days, s, SEP_AT) != 0)
        fail("date part of a valid timestamp is not a date", data, size, 0, 0);

    /* Fractional seconds round up to the next whole second. */
    if (size > AFTER_SECONDS && (s[AFTER_SECONDS] == '.' || s[AFTER_SECONDS] == ',')) {
        char plain[MAX_INPUT];
        size_t i = AFTER_SECONDS + 1;
        int nonzero = 0;
        while (i < size && s[i] >= '0' && s[i] <= '9') nonzero |= s[i++] != '0';
        memcpy(plain, s, AFTER_SECONDS);
        memcpy(plain + AFTER_SECONDS, s + i, size - i);
        size_t plain_len = AFTER_SECONDS + (size - i);
        int64_t whole;
        if (garant_time_parse_rfc3339(&whole, plain, plain_len) != 0)
            fail("timestamp without its fraction does not parse", data, size, 0, 0);
        if (whole + nonzero != t) fail("fraction not rounded up to the next second", data, size, t, whole + nonzero);
    }
}

static void check_date(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t days;
    if (garant_time_parse_date(&days, s, size) != 0) return;
    if (size != SEP_AT) fail("a date that is not 10 bytes parsed", data, size, (int64_t)size, SEP_AT);

    /* The digits parsed are the date the day count stands for. */
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, days);
    int64_t ty = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned tm = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned td = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y != ty || m != tm || d != td) fail("day count converts back to another date", data, size, days, days);
    if (garant_days_from_civil(y, m, d) != days)
        fail("days_from_civil disagrees with the parser", data, size, garant_days_from_civil(y, m, d), days);

    char buf[32];
    int n = snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
    int64_t back = 0;
    if (n != SEP_AT || garant_time_parse_date(&back, buf, (size_t)n) != 0 || back != days)
        fail("date does not survive being written out and parsed again", data, size, back, days);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT) return 0;
    check_timestamp(data, size);
    check_date(data, size);
    return 0;
}
