/*
** support.h - small helpers shared by the test programs.
*/
#ifndef GARANT_TEST_SUPPORT_H
#define GARANT_TEST_SUPPORT_H

#include <stdint.h>

#include "garant/garant.h"
#include "store.h"

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

/* Skips the running cmocka test because something it needs is missing;
** fmt says what, and which package of scripts/deps.sh brings it. Use this,
** never cmocka's skip() (scripts/lint.sh rejects it in tests/): cmocka
** counts a skipped test as passed, this makes t_exit_status() return 77,
** which ctest reports as "Not Run (Skipped)" (SKIP_RETURN_CODE). With
** GARANT_NO_SKIP=1 in the environment, as `make check` sets it, the test
** fails instead: there scripts/deps.sh has installed everything, so a skip
** means something is broken. Does not return. */
void t_skip(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* What a test program's main returns, given the number of failed tests
** from cmocka_run_group_tests (summed over groups): 1 if any failed (a
** count as exit status would read 256 failures as success and 77 as a
** skip), else 77 if any test was skipped with t_skip, else 0. */
int t_exit_status(int failed);

/* ---- a store for the storage contract suites (tests/store/) ---------- */

/* Remove an SQLite target and its -wal, -shm and -journal files (other
** backends: nothing), so a case starts from an empty store. */
void t_store_wipe(const garant_store_ops *ops, const char *target);

/* A row each, through the write connection w; aborts the test on failure.
** An organization on plan (created a day before at), a user (a customer
** when org_id is nonzero; "name" is the address; not verified), a ticket
** of org_id's requester filed at submitted_at at priority 3 with no
** deadline. Their ids. */
int64_t t_store_org(garant_store_conn *w, const char *name, const char *plan, int64_t at);
int64_t t_store_user(garant_store_conn *w, const char *email, garant_role role, int64_t org_id, int64_t at);
int64_t t_store_ticket(garant_store_conn *w, int64_t org_id, int64_t requester_id, const char *subject,
                       int64_t submitted_at);

#endif
