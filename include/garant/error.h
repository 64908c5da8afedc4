/*
** error.h - garant's error codes and the thread-local "what went wrong" message.
**
** Every fallible function returns 0 on success or a negative garant_err, and
** leaves a one-line message naming what and where in garant_error_last().
** Codes are appended at the end and never renumbered: the HTTP layer and the
** CLI map them to status and exit codes by value.
**
** These are the codes the core (src/core) returns. The layers above it
** (loader, store, desk, doors) have more: I/O, storage, access, requests,
** in garant/service_error.h, which the embedding API does not include.
** The two lists share one number space: a new code of either takes the
** next value below the lowest of both (-16 next).
*/
#ifndef GARANT_ERROR_H
#define GARANT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum garant_err {
    GARANT_OK = 0,
    GARANT_ENOMEM = -1,    /* an allocation failed */
    GARANT_EINVAL = -2,    /* malformed input: timestamp, duration, argument */
    GARANT_ETZIF = -3,     /* TZif bytes or POSIX TZ string are malformed */
    GARANT_ERANGE = -4,    /* instant outside the compiled calendar's years */
    GARANT_ECONFIG = -5,   /* the policy configuration is invalid */
    GARANT_ENOTFOUND = -6, /* unknown plan, priority, stage, zone or calendar */
    /* -7 is GARANT_EIO, a code of the layers above (service_error.h) */
    GARANT_ELIMIT = -8     /* an input exceeds a documented ceiling */
} garant_err;

/* The message of the last error on this thread, or "" if none.
** Borrowed; valid until the next garant call on this thread. */
const char *garant_error_last(void);

/* A stable lower-case name for a code of this header ("einval"); "unknown"
** for any other (desk_err_name names the service's codes too). Borrowed;
** static storage. */
const char *garant_err_name(int code);

#ifdef __cplusplus
}
#endif
#endif
