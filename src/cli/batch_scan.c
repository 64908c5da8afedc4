/*
** batch_scan.c - recognizes the common shape of a batch line without a
** general JSON parser (see batch_scan.h for why and for the contract).
*/
#include <string.h>

#include "batch_scan.h"

typedef struct scan {
    const char *p, *end;
} scan;

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')) s->p++;
}

static int eat(scan *s, char c)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* A string of printable ASCII other than '"' and '\\'; anything else
** (escapes, control bytes, UTF-8) declines. */
static int plain_string(scan *s, const char **out, size_t *out_len)
{
    if (!eat(s, '"')) return 0;
    const char *start = s->p;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *out = start;
            *out_len = (size_t)(s->p - start);
            s->p++;
            return 1;
        }
        if (c < 0x20 || c > 0x7e || c == '\\') return 0;
        s->p++;
    }
    return 0;
}

/* -?(0|[1-9][0-9]{0,8}), not followed by a fraction or exponent. */
static int small_integer(scan *s, long long *out)
{
    skip_ws(s);
    int neg = 0;
    if (s->p < s->end && *s->p == '-') {
        neg = 1;
        s->p++;
    }
    const char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
    size_t n = (size_t)(s->p - start);
    if (n == 0 || n > 9 || (n > 1 && *start == '0')) return 0;
    long long v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (start[i] - '0');
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E')) return 0;
    *out = neg ? -v : v;
    return 1;
}

static int key_is(const char *k, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(k, want, n) == 0;
}

int batch_scan(batch_fields *out, const char *line, size_t len)
{
    scan s = {line, line + len};
    memset(out, 0, sizeof *out);
    if (!eat(&s, '{')) return 0;
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}') {
        s.p++;
    } else {
        for (;;) {
            const char *k;
            size_t kn;
            if (!plain_string(&s, &k, &kn) || !eat(&s, ':')) return 0;
            if (key_is(k, kn, "plan") && !out->plan) {
                if (!plain_string(&s, &out->plan, &out->plan_len)) return 0;
            } else if (key_is(k, kn, "submitted_at") && !out->submitted_at) {
                if (!plain_string(&s, &out->submitted_at, &out->submitted_at_len)) return 0;
            } else if (key_is(k, kn, "product_stage") && !out->stage) {
                if (!plain_string(&s, &out->stage, &out->stage_len)) return 0;
            } else if (key_is(k, kn, "priority") && !out->has_priority) {
                if (!small_integer(&s, &out->priority)) return 0;
                out->has_priority = 1;
            } else {
                return 0; /* unknown or repeated key: jansson words the error */
            }
            if (eat(&s, ',')) continue;
            if (eat(&s, '}')) break;
            return 0;
        }
    }
    skip_ws(&s);
    return s.p == s.end;
}
