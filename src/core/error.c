/*
** error.c - the thread-local error message behind garant_error_last().
**
** Thread-local rather than global so that a server thread's failure never
** overwrites another's message; it is the only state the core keeps.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char tl_message[512];
/* The language this thread writes messages in (error_wrap.h); NULL: the
** msgids, English. */
static _Thread_local const garant_msgcat *tl_cat;

int garant__error(int code, const char *fmt, ...)
{
    /* Formatted aside and then copied: an argument may be the thread's
    ** last message itself (wrapping it with context). */
    char text[sizeof tl_message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, garant__msgcat_lookup(tl_cat, fmt), ap);
    va_end(ap);
    memcpy(tl_message, text, sizeof text);
    return code;
}

const garant_msgcat *garant__msgcat_use(const garant_msgcat *cat)
{
    const garant_msgcat *was = tl_cat;
    tl_cat = cat;
    return was;
}

const garant_msgcat *garant__msgcat_current(void) { return tl_cat; }

const char *garant__tr(const char *msgid) { return garant__msgcat_lookup(tl_cat, msgid); }

void garant__error_clear(void) { tl_message[0] = '\0'; }

const char *garant_error_last(void) { return tl_message; }

const char *garant_err_name(int code)
{
    switch (code) {
    case GARANT_OK: return "ok";
    case GARANT_ENOMEM: return "enomem";
    case GARANT_EINVAL: return "einval";
    case GARANT_ETZIF: return "etzif";
    case GARANT_ERANGE: return "erange";
    case GARANT_ECONFIG: return "econfig";
    case GARANT_ENOTFOUND: return "enotfound";
    case GARANT_ELIMIT: return "elimit";
    default: return "unknown"; /* the service's codes: desk_err_name */
    }
}

char *garant__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) {
        garant__error(GARANT_ENOMEM, "out of memory copying a %zu-byte string", n);
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

int garant__grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return garant__error(GARANT_ENOMEM, "array of %zu elements too large", need);
        ncap *= 2;
    }
    void *p = realloc(*buf, ncap * elem);
    if (!p)
        return garant__error(GARANT_ENOMEM, "out of memory growing an array to %zu elements", ncap);
    *buf = p;
    *cap = ncap;
    return 0;
}
