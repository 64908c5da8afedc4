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

#endif
