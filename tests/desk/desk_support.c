/*
** desk_support.c - the desk tests' shared set-up (desk_support.h).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "desk_support.h"

void t_desk_open(t_desk *out, const char *name, const desk_options *opt, int64_t now_s)
{
    memset(out, 0, sizeof *out);
    snprintf(out->dir, sizeof out->dir, "/tmp/garant-%s-XXXXXX", name);
    assert_non_null(mkdtemp(out->dir));
    snprintf(out->db, sizeof out->db, "%s/desk.db", out->dir);
    /* The desk keeps a copy of its options (desk_open); db_path points
    ** into *out, which outlives it. */
    desk_options o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof o);
    o.db_path = out->db;
    o.test_clock = 1;
    o.test_clock_start_s = now_s;
    o.quiet = 1;
    int rc = desk_open(&out->d, &o);
    if (rc) fail_msg("desk_open %s: %s (%s)", out->db, garant_err_name(rc), garant_error_last());
}

void t_desk_close(t_desk *td)
{
    desk_free(td->d);
    td->d = NULL;
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char path[160];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", td->db, suffix[i]);
        unlink(path);
    }
    rmdir(td->dir);
}

int t_desk_add_customer(int64_t *out_org, int64_t *out_user, garant_store_conn *w, const char *org,
                        const char *plan, const char *email, const char *name, int64_t verified_at)
{
    garant_org o = {0};
    snprintf(o.name, sizeof o.name, "%s", org);
    snprintf(o.plan, sizeof o.plan, "%s", plan);
    int rc = GS(w)->accounts->org_insert(w, &o);
    if (rc) return rc;
    garant_user u = {0};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    u.role = GARANT_ROLE_CUSTOMER;
    u.org_id = o.id;
    u.verified_at = verified_at;
    if ((rc = GS(w)->accounts->user_insert(w, &u))) return rc;
    *out_org = o.id;
    *out_user = u.id;
    return 0;
}

garant_ticket t_desk_ticket(int64_t org, int64_t requester, const char *plan, int priority, int64_t submitted_s)
{
    garant_ticket t = {0};
    t.org_id = org;
    t.requester_id = requester;
    snprintf(t.subject, sizeof t.subject, "Checkout is down");
    t.priority = t.initial_priority = priority;
    snprintf(t.plan, sizeof t.plan, "%s", plan);
    snprintf(t.environment, sizeof t.environment, "production");
    snprintf(t.status, sizeof t.status, "open");
    t.submitted_at = submitted_s;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    return t;
}
