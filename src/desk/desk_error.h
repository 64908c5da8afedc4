/*
** desk_error.h - the desk's error codes: the core's (garant/error.h) and
** the service's (garant/service_error.h), named for the doors' answers
** and messages.
*/
#ifndef GARANT_DESK_ERROR_H
#define GARANT_DESK_ERROR_H

#include "garant/error.h"
#include "garant/service_error.h"

/* A stable lower-case name for any code of either header ("econflict"),
** "unknown" for any other. Borrowed; static storage. */
const char *desk_err_name(int code);

#endif
