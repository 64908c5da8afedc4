/*
** store_support.c - the storage contract tests' shared set-up
** (store_support.h).
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

#include "store_support.h"

void st_suite_begin(st_suite *s, const garant_store_ops *ops, const char *target)
{
    s->ops = ops;
    s->target = target;
    s->seq = 0;
}

void st_suite_open(st_suite *s, garant_store **out_st, garant_store_conn **out_w, char *target, size_t cap)
{
    snprintf(target, cap, "%s-%d", s->target, ++s->seq);
    st_open(out_st, out_w, s->ops, target);
}

int st_run_in_temp_dir(const char *name, int (*run)(const garant_store_ops *ops, const char *target),
                       const garant_store_ops *ops)
{
    char dir[256], target[300];
    snprintf(dir, sizeof dir, "/tmp/garant-test-%s-XXXXXX", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(target, sizeof target, "%s/store.db", dir);
    int failed = run(ops, target);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "%s: not empty after the suites: ", dir);
        perror("rmdir");
        failed++;
    }
    return failed;
}

void st_check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

void st_expect_err(int rc, int want, const char *what)
{
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", what, garant_err_name(rc), garant_error_last(), garant_err_name(want));
    if (want && garant_error_last()[0] == '\0') fail_msg("%s: %s without a message", what, garant_err_name(want));
}

void st_wipe(const garant_store_ops *ops, const char *target)
{
    if (strcmp(ops->name, "sqlite") != 0) return;
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", target, suffix[i]);
        unlink(path);
    }
}

void st_open(garant_store **out_st, garant_store_conn **out_w, const garant_store_ops *ops, const char *target)
{
    st_wipe(ops, target);
    st_check(ops->open(out_st, target, 2), "open");
    *out_w = ops->writer(*out_st);
}

void st_reopen(garant_store **st, garant_store_conn **w, const garant_store_ops *ops, const char *target)
{
    ops->close(*st);
    st_check(ops->open(st, target, 2), "reopen");
    *w = ops->writer(*st);
}

void st_close(garant_store *st, const garant_store_ops *ops, const char *target)
{
    ops->close(st);
    st_wipe(ops, target);
}

int64_t st_add_org(garant_store_conn *w, const char *name, const char *plan, int64_t created_at)
{
    garant_org o = {0};
    snprintf(o.name, sizeof o.name, "%s", name);
    snprintf(o.plan, sizeof o.plan, "%s", plan);
    o.created_at = created_at;
    st_check(GS(w)->accounts->org_insert(w, &o), "org_insert");
    return o.id;
}

int64_t st_add_group(garant_store_conn *w, const char *name, const int64_t *members, size_t n, int64_t created_at)
{
    garant_group g = {0};
    snprintf(g.name, sizeof g.name, "%s", name);
    g.created_at = created_at;
    st_check(GS(w)->groups->insert(w, &g), "group insert");
    st_check(GS(w)->groups->set_members(w, g.id, members, n), "members");
    return g.id;
}

int64_t st_add_user(garant_store_conn *w, const char *email, const char *name, garant_role role, int64_t org,
                    int64_t created_at)
{
    garant_user u = {0};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", name ? name : email);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    u.role = role;
    u.org_id = org;
    u.created_at = created_at;
    st_check(GS(w)->accounts->user_insert(w, &u), "user_insert");
    return u.id;
}

int64_t st_add_ticket(garant_store_conn *w, int64_t org, int64_t requester, const char *subject,
                      int64_t submitted_at)
{
    garant_ticket t = {0};
    t.org_id = org;
    t.requester_id = requester;
    snprintf(t.subject, sizeof t.subject, "%s", subject);
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    snprintf(t.status, sizeof t.status, "open");
    t.submitted_at = submitted_at;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    st_check(GS(w)->tickets->insert(w, &t, "body"), "ticket insert");
    return t.id;
}

static int collect_event(void *ctx, const garant_event_row *ev)
{
    json_t *data = json_loads(ev->data, 0, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        return GARANT_ESTORE;
    }
    json_t *o = json_pack("{s:I, s:I, s:I, s:o, s:s, s:o}", "id", (json_int_t)ev->id, "at", (json_int_t)ev->at,
                          "actor_id", (json_int_t)ev->actor_id, "actor_name",
                          ev->actor_name[0] ? json_string(ev->actor_name) : json_null(), "kind", ev->kind, "data", data);
    if (!o || json_array_append_new(ctx, o) != 0) return GARANT_ENOMEM;
    return 0;
}

int st_events(garant_store_conn *c, int64_t ticket_id, json_t **out)
{
    *out = json_array();
    if (!*out) return GARANT_ENOMEM;
    int rc = GS(c)->tickets->events(c, ticket_id, collect_event, *out);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
