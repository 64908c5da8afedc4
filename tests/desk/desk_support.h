/*
** desk_support.h - the set-up the desk tests share: a desk of a test's
** own on a fresh database in a temporary folder, under the test clock,
** its monitor not started, removed with its folder afterwards;
** and the organizations, customers and tickets a test's world is made of,
** written on a writer connection.
**
** Instants are UTC epoch seconds the caller chooses; nothing reads the
** clock.
*/
#ifndef GARANT_TEST_DESK_SUPPORT_H
#define GARANT_TEST_DESK_SUPPORT_H

#include <stdint.h>

#include "desk.h"
#include "store.h"

typedef struct t_desk {
    char dir[64];   /* /tmp/garant-<name>-XXXXXX */
    char db[128];   /* <dir>/desk.db: for a test's own connection too */
    garant_desk *d; /* NULL once closed */
} t_desk;

/* Make the folder and open a desk on <dir>/desk.db, quiet, its test clock
** at now_s. opt holds the test's other settings (NULL: none); db_path,
** test_clock, test_clock_start_s and quiet are set here. Fails the test
** if the desk does not open. Caller owns; free with t_desk_close. */
void t_desk_open(t_desk *out, const char *name, const desk_options *opt, int64_t now_s);

/* Free the desk and remove its database and the folder. */
void t_desk_close(t_desk *td);

/* An organization on plan with one customer, email and name, her address
** proven at verified_at (0: not yet), written on w: a desk_write job's
** connection, or a store's writer. The ids in *out_org and *out_user;
** the store's code. */
int t_desk_add_customer(int64_t *out_org, int64_t *out_user, garant_store_conn *w, const char *org,
                        const char *plan, const char *email, const char *name, int64_t verified_at);

/* A ticket "Checkout is down" of org's customer requester on plan at
** priority, open, in production, filed at submitted_s with no deadline,
** not yet inserted: the test changes what it needs and inserts it with a
** body of its own. */
garant_ticket t_desk_ticket(int64_t org, int64_t requester, const char *plan, int priority, int64_t submitted_s);

#endif
