/*
** service_error.h - the error codes of the service: the layers above the
** core (the loader, the store, the mail library, the desk and its doors),
** which the core never returns. Not part of the embedding API (garant.h
** does not include it).
**
** Why a header of its own and here: the core's codes (garant/error.h) are
** what an embedder of the clock can meet; these are the service's. They
** sit in include/garant/ rather than in src/desk/ because the store and
** the mail library, below the desk, return some of them (GARANT_ESTORE,
** GARANT_ECONFLICT, GARANT_EIO), and a layer never includes a header of
** the layer above. The desk's own error header (src/desk/desk_error.h)
** includes this one and names every code for the doors.
**
** Same rules as garant/error.h: 0 or a negative code, a message in
** garant_error_last(); values never renumbered; one number space with the
** core's codes (a new code of either takes the next value below the
** lowest of both: -16 next).
*/
#ifndef GARANT_SERVICE_ERROR_H
#define GARANT_SERVICE_ERROR_H

#include "garant/error.h"

typedef enum garant_service_err {
    GARANT_EIO = -7,         /* a file or socket could not be read or written */
    GARANT_ECONFLICT = -9,   /* the record exists already (unique name, e-mail) */
    GARANT_EAUTH = -10,      /* not authenticated, or the credentials are wrong */
    GARANT_EPERM = -11,      /* authenticated but not allowed */
    GARANT_ETHROTTLED = -12, /* too many attempts; try again later */
    GARANT_ESTORE = -13,     /* the database failed (disk, corruption, busy) */
    GARANT_EPARSE = -14,     /* a request body is not well-formed (JSON) */
    GARANT_EBUSY = -15       /* the server is at capacity for this; try again shortly */
} garant_service_err;

#endif
