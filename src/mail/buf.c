/*
** buf.c - the growable byte buffer of mail_internal.h.
*/
#include <stdlib.h>
#include <string.h>

#include "mail_internal.h"

void mail_buf_add(mail_buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void mail_buf_adds(mail_buf *b, const char *s) { mail_buf_add(b, s, strlen(s)); }

void mail_buf_addc(mail_buf *b, char c) { mail_buf_add(b, &c, 1); }

char *mail_buf_take(mail_buf *b, size_t *len_out)
{
    if (!b->failed && !b->p) mail_buf_add(b, "", 0);
    if (b->failed) {
        mail_buf_free(b);
        return NULL;
    }
    char *p = b->p;
    if (len_out) *len_out = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void mail_buf_free(mail_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

size_t mail__utf8_seq(const unsigned char *s, size_t left)
{
    if (left == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;      /* overlong */
        else if (c == 0xed) hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;      /* overlong */
        else if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (left < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

int mail__utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t k = mail__utf8_seq(p, (size_t)(end - p));
        if (!k) return 0;
        p += k;
    }
    return 1;
}

int mail__add_utf8(mail_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    int replaced = 0;
    while (p < end) {
        size_t k = *p ? mail__utf8_seq(p, (size_t)(end - p)) : 0;
        if (k) {
            p += k;
            continue;
        }
        mail_buf_add(out, (const char *)run, (size_t)(p - run));
        if (*p) {
            mail_buf_adds(out, "\xEF\xBF\xBD");
            replaced = 1;
        }
        run = ++p;
    }
    mail_buf_add(out, (const char *)run, (size_t)(p - run));
    return replaced;
}
