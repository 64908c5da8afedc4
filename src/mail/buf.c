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
