/*
** store_support.h - the set-up the storage contract tests share: a store
** opened fresh on a target and closed with its files removed, reopened to
** check what survives, an organization and users to hang records on, and
** the checks of a call's error code.
**
** Instants are UTC epoch seconds the caller chooses; nothing reads the
** clock.
*/
#ifndef GARANT_TEST_STORE_SUPPORT_H
#define GARANT_TEST_STORE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* The backend and target of the running suite. Each case opens a fresh
** store at "<target>-<n>" (st_suite_open) and removes it afterwards
** (st_close), so a failed case leaves nothing to the next. */
typedef struct st_suite {
    const garant_store_ops *ops;
    const char *target;
    int seq;
} st_suite;

/* Start a run of the suite on ops at target: cases count from 1. */
void st_suite_begin(st_suite *s, const garant_store_ops *ops, const char *target);

/* A case's store, fresh: target (cap bytes) becomes "<target>-<n>" of the
** next case, opened with st_open. */
void st_suite_open(st_suite *s, garant_store **out_st, garant_store_conn **out_w, char *target, size_t cap);

/* A test program's main: make a temporary folder (/tmp/garant-test-
** <name>-XXXXXX), run run(ops, "<folder>/store.db"), and remove the folder,
** which the suites must leave empty (a failure otherwise). The failures,
** for t_exit_status. */
int st_run_in_temp_dir(const char *name, int (*run)(const garant_store_ops *ops, const char *target),
                       const garant_store_ops *ops);

/* Fails the test with the error's name and message unless rc is 0. */
void st_check(int rc, const char *what);

/* Fails the test unless rc is want; an error must say something. */
void st_expect_err(int rc, int want, const char *what);

/* Removes the target's database: a SQLite file with its write-ahead log,
** shared memory and journal. Other backends will drop their database. */
void st_wipe(const garant_store_ops *ops, const char *target);

/* Opens a store on target after wiping it, with 2 read connections;
** *out_w is its write connection. */
void st_open(garant_store **out_st, garant_store_conn **out_w, const garant_store_ops *ops, const char *target);

/* Closes *st and opens the same target again (nothing wiped): what a
** restart keeps. */
void st_reopen(garant_store **st, garant_store_conn **w, const garant_store_ops *ops, const char *target);

/* Closes st and wipes its target. */
void st_close(garant_store *st, const garant_store_ops *ops, const char *target);

/* An organization on plan, created at created_at. Its id. */
int64_t st_add_org(garant_store_conn *w, const char *name, const char *plan, int64_t created_at);

/* An active user with a made-up password hash; name NULL is the e-mail.
** org 0 for staff. Its id. */
int64_t st_add_user(garant_store_conn *w, const char *email, const char *name, garant_role role, int64_t org,
                    int64_t created_at);

/* An agent group named name of members[0..n), created at created_at. Its
** id. */
int64_t st_add_group(garant_store_conn *w, const char *name, const int64_t *members, size_t n, int64_t created_at);

/* A ticket of org's requester filed at submitted_at: priority 3 on the
** professional plan, in production, open, with no deadline. Its id. */
int64_t st_add_ticket(garant_store_conn *w, int64_t org, int64_t requester, const char *subject,
                      int64_t submitted_at);

/* A ticket's history as the store gives it (tickets->events), collected
** into a JSON array of {id, at, actor_id, actor_name (null for the
** system), kind, data (the parsed object)}, for the cases to inspect.
** Returns the store's code (and the first of a malformed event's data
** as GARANT_ESTORE). Caller owns *out; free with json_decref. */
int st_events(garant_store_conn *c, int64_t ticket_id, json_t **out);

#endif
