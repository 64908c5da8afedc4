/*
** error.h - garant's error codes and the thread-local "what went wrong" message.
**
** Every fallible function returns 0 on success or a negative garant_err, and
** leaves a one-line message naming what and where in garant_error_last().
** Codes are appended at the end and never renumbered: the HTTP layer and the
** CLI map them to status and exit codes by value.
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
    GARANT_EIO = -7,       /* a file could not be read (loader, not core) */
    GARANT_ELIMIT = -8,    /* an input exceeds a documented ceiling */
    GARANT_ECONFLICT = -9, /* the record exists already (unique name, e-mail) */
    GARANT_EAUTH = -10,    /* not authenticated, or the credentials are wrong */
    GARANT_EPERM = -11,    /* authenticated but not allowed */
    GARANT_ETHROTTLED = -12, /* too many attempts; try again later */
    GARANT_ESTORE = -13,   /* the database failed (disk, corruption, busy) */
    GARANT_EPARSE = -14,   /* a request body is not well-formed (JSON) */
    GARANT_EBUSY = -15     /* the server is at capacity for this; try again shortly */
} garant_err;

/* The message of the last error on this thread, or "" if none.
** Borrowed; valid until the next garant call on this thread. */
const char *garant_error_last(void);

/* A stable lower-case name for a code ("einval"). Borrowed; static storage. */
const char *garant_err_name(int code);

#ifdef __cplusplus
}
#endif
#endif
