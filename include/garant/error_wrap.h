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

/* strdup that reports GARANT_ENOMEM through the error message on failure.
** Caller owns the result; free with free(). NULL in, NULL out. */
char *garant__strdup(const char *s);

/* Grow *buf (element size elem) so it holds at least need elements;
** *cap is updated. Returns 0 or GARANT_ENOMEM (buffer unchanged). */
int garant__grow(void **buf, size_t *cap, size_t need, size_t elem);

#endif
