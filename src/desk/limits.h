/*
** limits.h - quotas that keep one account or organization from taking the
** desk from the others (issue 13, finding 5).
**
** Two kinds:
**   - a rate: token buckets keyed by what is counted (filing by this user,
**     filing by this organization, replies, ...). A bucket holds up to
**     `burst` tokens and refills at `per_minute` a minute; an action takes
**     one token or is refused with the seconds until one is back (the
**     answer's Retry-After);
**   - a share: how many expensive reads one organization may have running
**     at once (ticket lists with filters, reports), so that 64 parallel
**     queries of one customer cannot fill the worker pool that every
**     other organization waits on.
**
** Instants are the caller's (milliseconds of the server's clock, the test
** clock under tests): nothing here reads real time. Thread-safe; a table
** of fixed size, sharded by key, that forgets a full bucket when it needs
** its slot (a full bucket and no bucket refuse nothing alike).
*/
#ifndef GARANT_DESK_LIMITS_H
#define GARANT_DESK_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* What a bucket counts; with an id (user or organization) it is the key. */
typedef enum {
    LIMIT_FILE_USER,        /* tickets filed by one user */
    LIMIT_FILE_ORG,         /* tickets filed by one organization */
    LIMIT_REPLY_USER,       /* replies by one user */
    LIMIT_REPLY_ORG,        /* replies by one organization */
    LIMIT_READ_USER,        /* expensive reads started by one user */
    LIMIT_UPLOAD_USER,      /* MiB of files uploaded by one user */
    LIMIT_UPLOAD_ORG,       /* MiB of files uploaded by one organization */
    LIMIT_KINDS
} limit_kind;

typedef struct {
    uint32_t per_minute;    /* refill; 0 = unlimited */
    uint32_t burst;         /* bucket size; at least 1 when limited */
} limit_rate;

typedef struct {
    limit_rate rate[LIMIT_KINDS];
    uint32_t org_reads;     /* expensive reads at once per organization; 0 = unlimited */
} limit_config;

typedef struct limits limits;

/* The defaults: generous for people, tight for a script (docs/deploy.md). */
void limits_defaults(limit_config *out);

/* Parse "kind=N/min[:burst],..." over *cfg (serve --limits). Kinds:
** file-user, file-org, reply-user, reply-org, read-user, upload-user and
** upload-org (N MiB/min[:burst MiB]), org-reads (N
** alone); "none" alone lifts every limit (bulk imports, benchmarks).
** Returns 0, or -1 with a message in err naming what is wrong and the
** accepted kinds. */
int limits_parse(limit_config *cfg, const char *spec, char *err, size_t errcap);

/* NULL on out of memory. */
limits *limits_new(const limit_config *cfg);
void limits_free(limits *l);

/* Take one token of kind for id at now_ms: 0 if allowed; else the seconds
** (at least 1) until a token is back, for Retry-After. */
int limits_take(limits *l, limit_kind kind, int64_t id, int64_t now_ms);
/* Take n tokens at once (an upload's MiB): 0 if allowed, else the seconds
** until n are back. An n above the bucket's burst takes a full bucket. */
int limits_take_n(limits *l, limit_kind kind, int64_t id, uint32_t n, int64_t now_ms);

/* Start an expensive read for an organization: 1 if it may run (then call
** limits_leave once it ends), 0 if the organization has org_reads running. */
int limits_enter(limits *l, int64_t org_id);
void limits_leave(limits *l, int64_t org_id);

#endif
