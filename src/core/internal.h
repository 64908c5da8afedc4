/*
** internal.h - helpers shared inside libgarant's core, not part of the API.
*/
#ifndef GARANT_CORE_INTERNAL_H
#define GARANT_CORE_INTERNAL_H

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
