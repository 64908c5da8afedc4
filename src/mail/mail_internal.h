/*
** mail_internal.h - helpers shared by the inbound mail files, not an API.
*/
#ifndef GARANT_MAIL_INTERNAL_H
#define GARANT_MAIL_INTERNAL_H

#include <stddef.h>

/* A growable byte buffer, always NUL-terminated once anything was added.
** `failed` sticks after an allocation failure so callers check once. */
typedef struct mail_buf {
    char *p;
    size_t len;
    size_t cap;
    int failed;
} mail_buf;

void mail_buf_add(mail_buf *b, const char *s, size_t n);
void mail_buf_adds(mail_buf *b, const char *s);
void mail_buf_addc(mail_buf *b, char c);

/* Hands the bytes over ("" if empty). Caller owns; free with free().
** NULL after a failed allocation (the buffer is freed either way). */
char *mail_buf_take(mail_buf *b, size_t *len_out);

void mail_buf_free(mail_buf *b);

/* GMime and libxml2 set up once per process (pthread_once): the only
** global state of the mail code. */
void mail__init_once(void);

#endif
