/*
** internal.h - helpers shared inside libgarant's core, not part of the API.
** The error helpers the other layers share too are in garant/error_wrap.h;
** those layers include that, never this file.
*/
#ifndef GARANT_CORE_INTERNAL_H
#define GARANT_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "garant/error_wrap.h"

/* The format a table of words (garant_words) gives, if it has english's
** conversions in the same order (garant__format_same); else english: a
** wrong word makes a text English, never makes printf read what was not
** passed. Borrowed from given or english. */
const char *garant__word_format(const char *given, const char *english) __attribute__((format_arg(2)));

#endif
