/*
** support.h - small helpers shared by the test programs.
*/
#ifndef GARANT_TEST_SUPPORT_H
#define GARANT_TEST_SUPPORT_H

#include <stdint.h>

#include "garant/garant.h"

/* An RFC 3339 text as UTC epoch seconds; aborts the test on bad input. */
int64_t t_at(const char *rfc3339);

/* The instant formatted as "YYYY-MM-DDTHH:MM:SSZ" in a static buffer
** (one of 8 rotating). Borrowed; valid for the next 7 calls. */
const char *t_fmt(int64_t utc_s);

/* A zone from the system zoneinfo; aborts if missing.
** Caller owns; free with garant_tz_free. */
garant_tz *t_zone(const char *name);

/* The default policy (config/garant.yaml from the source tree).
** Caller owns; free with garant_policy_free. */
garant_policy *t_default_policy(void);

/* $GARANT_SOURCE_DIR, or "." */
const char *t_source_dir(void);

#endif
