/*
** mail_internal.h - what the files of the mail library (src/mail/) share;
** not an API.
*/
#ifndef GARANT_MAIL_INTERNAL_H
#define GARANT_MAIL_INTERNAL_H

#include <stddef.h>

#include "garant/service_error.h"

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

/* Length of the well-formed UTF-8 sequence at s, reading at most left
** bytes (RFC 3629: no overlong forms, no surrogates, nothing above
** U+10FFFF), or 0 when the bytes there are not one. Our own, because
** GLib's g_utf8_validate with a length passed F5 BE 91 9B (a fuzzer
** found it). A NUL is a sequence of 1. */
size_t mail__utf8_seq(const unsigned char *s, size_t left);
/* Whether n bytes at s are well-formed UTF-8 throughout. */
int mail__utf8_valid(const char *s, size_t n);
/* n bytes at s onto out as well-formed UTF-8: each byte that does not
** begin a sequence becomes U+FFFD, NULs vanish. 1 if anything was
** replaced. */
int mail__add_utf8(mail_buf *out, const char *s, size_t n);

/* Text for the desk (charset.c). n bytes at s in charset cs (NULL:
** undeclared) onto out as UTF-8: mail without a charset, or with one iconv
** does not know, is read as UTF-8 when it is valid UTF-8 and as
** windows-1250 otherwise; bytes the charset cannot explain become U+FFFD.
** Sets the GARANT_MAIL_DEFECT_CHARSET and _ENCODING bits of *defects. */
void mail__add_text(mail_buf *out, const char *cs, const char *s, size_t n, unsigned *defects);
/* A header value as well-formed UTF-8 on one line (control characters
** become spaces); NULL stays NULL. Caller owns; free with free(). NULL
** and *failed set when out of memory. */
char *mail__utf8_dup(const char *s, int *failed);
/* n bytes at s without leading and trailing white space. Caller owns;
** free with free(). NULL and *failed set when out of memory. */
char *mail__trimmed_dup(const char *s, size_t n, int *failed);
/* ASCII letters of s to lower case, in place; NULL does nothing. */
void mail__lower(char *s);

/* GMime's, libxml2's and libcurl's global state, set up once per process
** (the only globals of the library: the three require them). Safe to call
** from any thread, any number of times. 0, or GARANT_EIO with a message if
** libcurl could not be set up. */
int garant_mail__init(void);
/* The same, for the parser, which needs no libcurl. */
void mail__init_once(void);

#endif
