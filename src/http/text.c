/*
** text.c - the growing text buffer (text.h).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "text.h"

/* The first failure is kept in t->err (text.h). */
static int failed(http_text *t, int rc)
{
    if (rc && !t->err) t->err = rc;
    return rc;
}

/* Room for need more bytes and the NUL, within the ceiling. */
static int reserve(http_text *t, size_t need)
{
    size_t want = t->len + need + 1;
    if (t->max && want > t->max)
        return failed(t, garant__error(GARANT_ELIMIT, "%s %zu bytes",
                                       garant__tr(t->limit_message ? t->limit_message : GARANT_N_("text larger than")),
                                       t->max));
    return failed(t, garant__grow((void **)&t->s, &t->cap, want, 1));
}

int http_text_add(http_text *t, const char *s, size_t n)
{
    int rc = reserve(t, n);
    if (rc) return rc;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

int http_text_puts(http_text *t, const char *s) { return http_text_add(t, s, strlen(s)); }

int http_text_printf(http_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return failed(t, garant__error(GARANT_EINVAL, "format error"));
    int rc = reserve(t, (size_t)n);
    if (rc) return rc;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
    return 0;
}

int http_text_json_string(http_text *t, const char *s)
{
    /* The exact length first, so that the ceiling counts what is written. */
    size_t n = 2;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p == '"' || *p == '\\' ? 2 : *p >= 0x20 ? 1 : strchr("\b\f\n\r\t", *p) ? 2 : 6;
    int rc = reserve(t, n);
    if (rc) return rc;
    static const char hex[] = "0123456789ABCDEF";
    char *o = t->s + t->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    *o = '\0';
    t->len = (size_t)(o - t->s);
    return 0;
}
