/*
** time.c - civil dates, Easter and RFC 3339 text.
**
** Dates use Howard Hinnant's days-from-civil algorithms (public domain),
** which are exact over the proleptic Gregorian calendar without tables or
** loops, and never touch libc's time functions: those read the process's TZ
** and locale, which the core must not depend on.
*/
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "garant/time.h"
#include "internal.h"

int64_t garant_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);                   /* [0, 399] */
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

void garant_civil_from_days(int64_t *out_y, unsigned *out_m, unsigned *out_d,
                            int64_t z)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *out_y = y + (m <= 2);
    *out_m = m;
    *out_d = d;
}

unsigned garant_weekday_from_days(int64_t z)
{
    return (unsigned)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

static int is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned garant_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
int64_t garant_easter_days(int64_t y)
{
    int64_t a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int64_t f = (b + 8) / 25, g = (b - f + 1) / 3;
    int64_t h = (19 * a + b - d - g + 15) % 30;
    int64_t i = c / 4, k = c % 4;
    int64_t l = (32 + 2 * e + 2 * i - h - k) % 7;
    int64_t m = (a + 11 * h + 22 * l) / 451;
    unsigned month = (unsigned)((h + l - 7 * m + 114) / 31);
    unsigned day = (unsigned)((h + l - 7 * m + 114) % 31 + 1);
    return garant_days_from_civil(y, month, day);
}

static const char *const month_names[12] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"};

/* Read exactly n digits at s[*pos]; -1 if any is not a digit. */
static int digits(const char *s, size_t len, size_t *pos, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*pos)++) {
        if (*pos >= len || s[*pos] < '0' || s[*pos] > '9') return -1;
        v = v * 10 + (s[*pos] - '0');
    }
    return v;
}

static int expect(const char *s, size_t len, size_t *pos, char c)
{
    if (*pos >= len || s[*pos] != c) return 0;
    (*pos)++;
    return 1;
}

/* Parse "YYYY-MM-DD" at s[*pos]; on success *out_days and *pos advance. */
static int parse_date_at(int64_t *out_days, const char *s, size_t len,
                         size_t *pos, int print_len)
{
    int y = digits(s, len, pos, 4);
    if (y < 0 || !expect(s, len, pos, '-'))
        return garant__error(GARANT_EINVAL, "'%.*s': expected a date YYYY-MM-DD", print_len, s);
    int m = digits(s, len, pos, 2);
    if (m < 0 || !expect(s, len, pos, '-'))
        return garant__error(GARANT_EINVAL, "'%.*s': expected a date YYYY-MM-DD", print_len, s);
    int d = digits(s, len, pos, 2);
    if (d < 0)
        return garant__error(GARANT_EINVAL, "'%.*s': expected a date YYYY-MM-DD", print_len, s);
    if (m < 1 || m > 12)
        return garant__error(GARANT_EINVAL, "'%.*s': month %02d is out of range (01-12)", print_len, s, m);
    unsigned dim = garant_days_in_month(y, (unsigned)m);
    if (d < 1 || (unsigned)d > dim)
        return garant__error(GARANT_EINVAL, "'%.*s': day %02d does not exist in %s %04d (it has %u days)",
                             print_len, s, d, month_names[m - 1], y, dim);
    *out_days = garant_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

/* Keep messages readable when the input is long or binary. */
static int shown_len(size_t len) { return len > 64 ? 64 : (int)len; }

int garant_time_parse_date(int64_t *out_days, const char *s, size_t len)
{
    size_t pos = 0;
    int pl = shown_len(len);
    int rc = parse_date_at(out_days, s, len, &pos, pl);
    if (rc) return rc;
    if (pos != len)
        return garant__error(GARANT_EINVAL, "'%.*s': unexpected text after the date", pl, s);
    return 0;
}

int garant_time_parse_rfc3339(int64_t *out_utc_s, const char *s, size_t len)
{
    size_t pos = 0;
    int pl = shown_len(len);
    int64_t days;
    if (len == 0) return garant__error(GARANT_EINVAL, "empty timestamp");
    int rc = parse_date_at(&days, s, len, &pos, pl);
    if (rc) return rc;
    if (pos >= len)
        return garant__error(GARANT_EINVAL, "'%.*s': a date alone is not an instant; expected YYYY-MM-DDTHH:MM:SS with Z or an offset such as +01:00", pl, s);
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')
        return garant__error(GARANT_EINVAL, "'%.*s': expected 'T' between date and time", pl, s);
    pos++;
    int hh = digits(s, len, &pos, 2);
    int mi = (hh >= 0 && expect(s, len, &pos, ':')) ? digits(s, len, &pos, 2) : -1;
    int ss = (mi >= 0 && expect(s, len, &pos, ':')) ? digits(s, len, &pos, 2) : -1;
    if (hh < 0 || mi < 0 || ss < 0)
        return garant__error(GARANT_EINVAL, "'%.*s': expected a time HH:MM:SS after the date", pl, s);
    if (hh > 23)
        return garant__error(GARANT_EINVAL, "'%.*s': hour %02d is out of range (00-23)", pl, s, hh);
    if (mi > 59)
        return garant__error(GARANT_EINVAL, "'%.*s': minute %02d is out of range (00-59)", pl, s, mi);
    if (ss == 60)
        return garant__error(GARANT_EINVAL, "'%.*s': leap second :60 is not supported; use :59", pl, s);
    if (ss > 59)
        return garant__error(GARANT_EINVAL, "'%.*s': second %02d is out of range (00-59)", pl, s, ss);
    int round_up = 0;
    if (pos < len && (s[pos] == '.' || s[pos] == ',')) {
        pos++;
        size_t start = pos;
        while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
            if (s[pos] != '0') round_up = 1;
            pos++;
        }
        if (pos == start || pos - start > 9)
            return garant__error(GARANT_EINVAL, "'%.*s': fractional seconds need 1 to 9 digits", pl, s);
    }
    if (pos >= len)
        return garant__error(GARANT_EINVAL, "'%.*s': timestamp has no UTC offset; add Z or an offset such as +01:00", pl, s);
    int64_t offset_s = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        pos++;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        pos++;
        int oh = digits(s, len, &pos, 2);
        int om = (oh >= 0 && expect(s, len, &pos, ':')) ? digits(s, len, &pos, 2) : -1;
        if (oh < 0 || om < 0)
            return garant__error(GARANT_EINVAL, "'%.*s': offset must be +HH:MM or -HH:MM", pl, s);
        if (oh > 23 || om > 59)
            return garant__error(GARANT_EINVAL, "'%.*s': offset %c%02d:%02d is out of range", pl, s,
                                 sign < 0 ? '-' : '+', oh, om);
        offset_s = sign * (oh * 3600 + om * 60);
    } else {
        return garant__error(GARANT_EINVAL, "'%.*s': timestamp has no UTC offset; add Z or an offset such as +01:00", pl, s);
    }
    if (pos != len)
        return garant__error(GARANT_EINVAL, "'%.*s': unexpected text after the timestamp", pl, s);
    int64_t t = days * 86400 + hh * 3600 + mi * 60 + ss - offset_s + round_up;
    if (t < GARANT_TIME_MIN_S || t > GARANT_TIME_MAX_S)
        return garant__error(GARANT_EINVAL, "'%.*s': instant lies outside years 0000-9999 in UTC", pl, s);
    *out_utc_s = t;
    return 0;
}

/* Write v as n decimal digits, zero-padded. */
static char *put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* Digits are written by hand rather than through snprintf: batch mode and
** the API format one instant per answer, and snprintf was a third of the
** batch profile. Instants outside 0000-9999 are refused by every parser and
** every deadline computation, so one here is a programming error. */
char *garant_time_format_utc(char *buf, int64_t utc_s)
{
    int64_t days = utc_s / 86400, sod = utc_s % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    garant_civil_from_days(&y, &m, &d, days);
    assert(y >= 0 && y <= 9999);
    char *p = put_digits(buf, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(sod / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(sod % 60), 2);
    *p++ = 'Z';
    *p = '\0';
    return buf;
}
