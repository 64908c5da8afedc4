/*
** error_wrap.h - how garant's own layers (core, store, desk, doors) record
** an error with its context, and the two allocation helpers that report
** through it. Not part of the embedding API (garant.h does not include
** it): a layer includes this instead of another layer's internal header.
**
** The one way to wrap an error with context: keep the code, say where.
**     if (rc) return garant__error(rc, "policy version %lld: %s", v, garant_error_last());
*/
#ifndef GARANT_ERROR_WRAP_H
#define GARANT_ERROR_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "garant/error.h"

/* Record the thread's error message (printf-style) and return code, so a
** failing function can end with `return garant__error(GARANT_EINVAL, ...)`. */
int garant__error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clear the thread's error message. */
void garant__error_clear(void);

/* ---- messages in the reader's language (docs/messages.md) ----
**
** As gettext does it: a message's English format string is its msgid, and
** a catalogue maps it to a translated format with the same conversions in
** the same order. Each thread has its own catalogue (none: English), so a
** server writes each request's messages in that request's language without
** a process-global locale; garant__error formats with the translation. */

/* A catalogue: the bytes of a GNU .mo file (msgfmt's output), borrowed for
** as long as any thread uses it. */
typedef struct garant_msgcat {
    const char *language;          /* "ro" */
    const unsigned char *mo;
    size_t len;
} garant_msgcat;

/* The translation of msgid in cat, or msgid itself when cat is NULL, holds
** no translation, or its translation's conversions (every %... of the
** format) are not exactly msgid's, in the same order: a wrong catalogue
** can make a message English, never make printf read what was not passed.
** Borrowed from cat or msgid. */
const char *garant__msgcat_lookup(const garant_msgcat *cat, const char *msgid) __attribute__((format_arg(2)));

/* Do two formats have the same conversions in the same order ("%.80s" and
** "%.80s" are the same, "%s" and "%.80s" are not; "%%" is text)? */
int garant__format_same(const char *a, const char *b);

/* Set the catalogue this thread writes its messages in (NULL: English);
** returns the one it had. */
const garant_msgcat *garant__msgcat_use(const garant_msgcat *cat);
/* This thread's catalogue, NULL for English. */
const garant_msgcat *garant__msgcat_current(void);

/* msgid in this thread's language (like gettext's _()). Borrowed. */
const char *garant__tr(const char *msgid) __attribute__((format_arg(1)));

/* Marks a string to translate later, where it is used (gettext's N_()):
** the extractor (scripts/po-extract.sh) finds it, the compiler sees s. */
#define GARANT_N_(s) (s)

/* strdup that reports GARANT_ENOMEM through the error message on failure.
** Caller owns the result; free with free(). NULL in, NULL out. */
char *garant__strdup(const char *s);

/* Grow *buf (element size elem) so it holds at least need elements;
** *cap is updated. Returns 0 or GARANT_ENOMEM (buffer unchanged). */
int garant__grow(void **buf, size_t *cap, size_t need, size_t elem);

#endif
