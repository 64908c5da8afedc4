/*
** text.h - a growing text buffer with an optional ceiling, for what the
** server writes piece by piece: mails, CSV reports, the metrics page and
** JSON answers. One buffer rather than one per file: each had its own
** growth loop and its own off-by-one to get right.
*/
#ifndef GARANT_HTTP_TEXT_H
#define GARANT_HTTP_TEXT_H

#include <stddef.h>
#include <string.h>

typedef struct http_text {
    char *s;                   /* NUL-terminated once anything was added, else
                               ** NULL. Caller owns; free with free(). */
    size_t len, cap;           /* bytes of text (without the NUL), allocated */
    size_t max;                /* most bytes the text may take with its NUL;
                               ** 0 for no ceiling */
    const char *limit_message; /* GARANT_ELIMIT's message, followed by max
                               ** and "bytes": "mail larger than" */
    int err;                   /* the first failure, or 0: it sticks, so a
                               ** writer may append a run of pieces and
                               ** look at err once at the end (the text
                               ** then lacks what failed: discard it) */
} http_text;

/* Append n bytes of s. 0, GARANT_ELIMIT past the ceiling or GARANT_ENOMEM;
** on failure the text is unchanged and t->err keeps the first failure's
** code (these and the appends below). */
int http_text_add(http_text *t, const char *s, size_t n);

/* Append a NUL-terminated string. */
int http_text_puts(http_text *t, const char *s);

/* Append printf-style text. */
int http_text_printf(http_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append s as a JSON string: quoted, with '"', '\\' and control characters
** escaped exactly as jansson's json_dumps escapes them (without
** JSON_ENSURE_ASCII), so that answers written here and by jansson agree.
** s must be valid UTF-8, as every text the server stores or configures
** is checked to be; bytes from 0x80 up are copied as they are. For the
** answer written thousands of times a second (tickets.h,
** http_ticket_created_text), where building and dumping a jansson tree
** cost a fifth of the event loop's time. */
int http_text_json_string(http_text *t, const char *s);

/* snprintf(dst, size, "%s", src) without printf's format engine, for
** fields copied on every ticket filed: src truncated to size - 1 bytes,
** dst always NUL-terminated (size > 0). */
static inline void http_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#endif
