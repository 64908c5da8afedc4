/*
** support.c - helpers shared by the test programs (see support.h).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"
#include "loader.h"

int64_t t_at(const char *s)
{
    int64_t t;
    int rc = garant_time_parse_rfc3339(&t, s, strlen(s));
    if (rc) {
        fprintf(stderr, "bad test timestamp '%s': %s\n", s, garant_error_last());
        abort();
    }
    return t;
}

const char *t_fmt(int64_t utc_s)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ & 7];
    if (utc_s == GARANT_NO_DUE) { snprintf(b, 32, "none"); return b; }
    return garant_time_format_utc(b, utc_s);
}

garant_tz *t_zone(const char *name)
{
    garant_tz *tz;
    if (garant_io_load_tz(&tz, name, NULL)) {
        fprintf(stderr, "zone %s: %s\n", name, garant_error_last());
        abort();
    }
    return tz;
}

static int skipped; /* tests skipped with t_skip */

void t_skip(const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *no_skip = getenv("GARANT_NO_SKIP");
    if (no_skip && strcmp(no_skip, "1") == 0) fail_msg("would skip (GARANT_NO_SKIP=1): %s", why);
    fprintf(stderr, "SKIPPED: %s\n", why);
    skipped++;
    skip();
}

int t_exit_status(int failed)
{
    if (failed) return 1;
    return skipped ? 77 : 0;
}

const char *t_source_dir(void)
{
    const char *d = getenv("GARANT_SOURCE_DIR");
    return d && d[0] ? d : ".";
}

garant_policy *t_default_policy(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config/garant.yaml", t_source_dir());
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_io_load_policy(&pol, &diags, path);
    if (rc) {
        fprintf(stderr, "default policy: %s\n", garant_error_last());
        for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
            const garant_diag *d = garant_diags_get(diags, i);
            fprintf(stderr, "  %d:%d: %s\n", d->line, d->column, d->message);
        }
        abort();
    }
    garant_diags_free(diags);
    return pol;
}

/* ---- a store for the storage contract suites ------------------------------ */

void t_store_wipe(const garant_store_ops *ops, const char *target)
{
    if (strcmp(ops->name, "sqlite") != 0) return;
    char path[600];
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", target, suffix[i]);
        unlink(path);
    }
}

static void t_store_check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

int64_t t_store_org(garant_store_conn *w, const char *name, const char *plan, int64_t at)
{
    garant_org o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "%s", name);
    snprintf(o.plan, sizeof o.plan, "%s", plan);
    o.created_at = at - 86400;
    t_store_check(GS(w)->accounts->org_insert(w, &o), "org_insert");
    return o.id;
}

int64_t t_store_user(garant_store_conn *w, const char *email, garant_role role, int64_t org_id, int64_t at)
{
    garant_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", email);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    u.role = role;
    u.org_id = org_id;
    u.created_at = at - 86400;
    t_store_check(GS(w)->accounts->user_insert(w, &u), "user_insert");
    return u.id;
}

int64_t t_store_ticket(garant_store_conn *w, int64_t org_id, int64_t requester_id, const char *subject,
                       int64_t submitted_at)
{
    garant_ticket t;
    memset(&t, 0, sizeof t);
    t.org_id = org_id;
    t.requester_id = requester_id;
    snprintf(t.subject, sizeof t.subject, "%s", subject);
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    snprintf(t.status, sizeof t.status, "open");
    t.submitted_at = submitted_at;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    t_store_check(GS(w)->tickets->insert(w, &t, "body"), "ticket insert");
    return t.id;
}
