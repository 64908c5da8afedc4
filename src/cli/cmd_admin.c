/*
** cmd_admin.c - `garant user list|role|deactivate|activate|delete` and
** `garant org list|rename|deactivate|activate|delete`: the admin
** operations of the API (src/desk/admin_ops.h, which holds their rules)
** on a desk's database from the shell, for the first admin and for a desk
** whose admins are locked out. Each change is one transaction, recorded in
** the audit trail as made by the command line.
**
** A running server sees a change at once for new sign-ins; sessions it
** has cached see it within the cache's lifetime (10 s, sessions.h).
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "admin_ops.h"
#include "cli_desk.h"
#include "http.h"

static const char *yes_no(int v) { return v ? "yes" : "no"; }

/* ---- users --------------------------------------------------------------- */

static int print_users(garant_store_conn *c, const garant_user_filter *base)
{
    garant_user_filter f = *base;
    f.limit = GARANT_MAX_USER_PAGE;
    printf("%-6s %-40s %-9s %-30s %s\n", "id", "email", "role", "organization", "active");
    for (;;) {
        garant_user_row *rows = NULL;
        size_t n = 0;
        int rc = GS(c)->accounts->user_list(c, &f, &rows, &n);
        if (rc) return cli_fail(rc);
        for (size_t i = 0; i < n; i++) {
            const garant_user *u = &rows[i].user;
            printf("%-6lld %-40s %-9s %-30s %s\n", (long long)u->id, u->email, garant_role_name(u->role),
                   u->org_id ? rows[i].org_name : "-", yes_no(u->deactivated_at == 0));
        }
        int64_t last = n ? rows[n - 1].user.id : 0;
        free(rows);
        if (n < (size_t)f.limit || !last) break;
        f.after_id = last;
    }
    return CLI_OK;
}

int cmd_user_list(const cli_args *a)
{
    garant_user_filter f;
    memset(&f, 0, sizeof f);
    const char *role = cli_get(a, "role"), *org = cli_get(a, "org");
    garant_role r;
    if (role && !garant_role_parse(&r, role))
        return cli_usage_error("user list: --role must be customer, agent or admin (got '%.32s')", role);
    if (role) snprintf(f.role, sizeof f.role, "%s", role);
    int rc;
    if (org && (rc = cli_parse_id(&f.org_id, org, "user list", "org"))) return rc;
    garant_store *st;
    if ((rc = cli_open_store(&st, a, "user list"))) return rc;
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    if ((rc = ops->acquire(&c, st))) {
        rc = cli_fail(rc);
        goto close;
    }
    rc = ops->begin_read(c);
    rc = rc ? cli_fail(rc) : print_users(c, &f);
    ops->rollback(c);
    ops->release(c);
close:
    garant_store_close(st);
    return rc;
}

typedef struct user_change {
    const cli_args *a;
    const char *cmd;
    int usage;            /* the user was not found: said already */
    desk_admin_by by;
    garant_role role;     /* role */
    int64_t org_id;       /* role: --org */
    int active;           /* deactivate 0, activate 1 */
    garant_user user;     /* out */
} user_change;

static int role_write(garant_store_conn *w, void *ctx)
{
    user_change *j = ctx;
    garant_user u;
    if ((j->usage = cli_find_user(&u, w, j->a, j->cmd))) return GARANT_EINVAL;
    return desk_admin_user_role(&j->user, w, &j->by, u.id, j->role, j->org_id);
}

static int active_write(garant_store_conn *w, void *ctx)
{
    user_change *j = ctx;
    garant_user u;
    if ((j->usage = cli_find_user(&u, w, j->a, j->cmd))) return GARANT_EINVAL;
    return desk_admin_user_active(&j->user, w, &j->by, u.id, j->active);
}

static int delete_write(garant_store_conn *w, void *ctx)
{
    user_change *j = ctx;
    if ((j->usage = cli_find_user(&j->user, w, j->a, j->cmd))) return GARANT_EINVAL;
    return desk_admin_user_delete(w, &j->by, j->user.id);
}

/* Run a user change; the exit status. */
static int run_user_change(user_change *j, cli_write_fn fn)
{
    garant_store *st;
    int rc = cli_open_store(&st, j->a, j->cmd);
    if (rc) return rc;
    j->by = (desk_admin_by){0, (int64_t)time(NULL)};
    rc = cli_in_write(st, fn, j);
    garant_store_close(st);
    if (j->usage) return j->usage; /* said by cli_find_user */
    return rc ? cli_fail(rc) : CLI_OK;
}

int cmd_user_role(const cli_args *a)
{
    user_change j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.cmd = "user role";
    const char *role = cli_get(a, "role"), *org = cli_get(a, "org");
    if (!role) return cli_usage_error("user role: --role is required: customer, agent or admin");
    if (!garant_role_parse(&j.role, role))
        return cli_usage_error("user role: --role must be customer, agent or admin (got '%.32s')", role);
    int rc;
    if (org && (rc = cli_parse_id(&j.org_id, org, j.cmd, "org"))) return rc;
    if ((rc = run_user_change(&j, role_write))) return rc;
    printf("%s is %s%s", j.user.email, garant_role_name(j.user.role), j.user.org_id ? "" : "\n");
    if (j.user.org_id) printf(" of organization %lld\n", (long long)j.user.org_id);
    return CLI_OK;
}

static int set_active(const cli_args *a, int active)
{
    user_change j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.cmd = active ? "user activate" : "user deactivate";
    j.active = active;
    int rc = run_user_change(&j, active_write);
    if (rc) return rc;
    printf("%s is %s\n", j.user.email, j.user.deactivated_at ? "deactivated" : "active");
    return CLI_OK;
}

int cmd_user_deactivate(const cli_args *a) { return set_active(a, 0); }
int cmd_user_activate(const cli_args *a) { return set_active(a, 1); }

int cmd_user_delete(const cli_args *a)
{
    user_change j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.cmd = "user delete";
    int rc = run_user_change(&j, delete_write);
    if (rc) return rc;
    printf("deleted %s (id %lld)\n", j.user.email, (long long)j.user.id);
    return CLI_OK;
}

/* ---- organizations ------------------------------------------------------- */

int cmd_org_list(const cli_args *a)
{
    garant_store *st;
    int rc = cli_open_store(&st, a, "org list");
    if (rc) return rc;
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    garant_org_list orgs = {0};
    if (!(rc = ops->acquire(&c, st))) {
        rc = ops->begin_read(c);
        if (!rc) rc = ops->accounts->org_list(c, &orgs);
        ops->rollback(c);
        ops->release(c);
    }
    garant_store_close(st);
    if (rc) return cli_fail(rc);
    printf("%-6s %-30s %-14s %-6s %s\n", "id", "name", "plan", "active", "domains");
    for (size_t i = 0; i < orgs.n; i++) {
        const garant_org_entry *o = &orgs.orgs[i];
        printf("%-6lld %-30s %-14s %-6s ", (long long)o->org.id, o->org.name, o->org.plan,
               yes_no(o->deactivated_at == 0));
        for (size_t k = 0; k < o->ndomains; k++) printf("%s%s", k ? "," : "", o->domains[k]);
        printf("%s\n", o->ndomains ? "" : "-");
    }
    garant_org_list_free(&orgs);
    return CLI_OK;
}

typedef struct org_change {
    desk_admin_by by;
    int64_t id;
    const char *name;      /* rename */
    int active;            /* deactivate 0, activate 1 */
    int64_t users;         /* out */
} org_change;

static int org_rename_write(garant_store_conn *w, void *ctx)
{
    org_change *j = ctx;
    return desk_admin_org_rename(w, &j->by, j->id, j->name);
}

static int org_active_write(garant_store_conn *w, void *ctx)
{
    org_change *j = ctx;
    return desk_admin_org_active(&j->users, w, &j->by, j->id, j->active);
}

static int org_delete_write(garant_store_conn *w, void *ctx)
{
    org_change *j = ctx;
    return desk_admin_org_delete(w, &j->by, j->id);
}

static int run_org_change(const cli_args *a, const char *cmd, org_change *j, cli_write_fn fn)
{
    int rc = cli_org_id(&j->id, a, cmd);
    if (rc) return rc;
    garant_store *st;
    if ((rc = cli_open_store(&st, a, cmd))) return rc;
    j->by = (desk_admin_by){0, (int64_t)time(NULL)};
    rc = cli_in_write(st, fn, j);
    garant_store_close(st);
    return rc ? cli_fail(rc) : CLI_OK;
}

int cmd_org_rename(const cli_args *a)
{
    org_change j;
    memset(&j, 0, sizeof j);
    j.name = cli_get(a, "name");
    if (!j.name) return cli_usage_error("org rename: --name NAME is required (the new name)");
    if (http_name_check(j.name, GARANT_MAX_NAME, "--name")) return cli_usage_error("org rename: %s", garant_error_last());
    int rc = run_org_change(a, "org rename", &j, org_rename_write);
    if (rc) return rc;
    printf("organization %lld is \"%s\"\n", (long long)j.id, j.name);
    return CLI_OK;
}

static int org_set_active(const cli_args *a, int active)
{
    org_change j;
    memset(&j, 0, sizeof j);
    j.active = active;
    int rc = run_org_change(a, active ? "org activate" : "org deactivate", &j, org_active_write);
    if (rc) return rc;
    printf("organization %lld is %s (%lld user%s %s with it)\n", (long long)j.id, active ? "active" : "deactivated",
           (long long)j.users, j.users == 1 ? "" : "s", active ? "back" : "deactivated");
    return CLI_OK;
}

int cmd_org_deactivate(const cli_args *a) { return org_set_active(a, 0); }
int cmd_org_activate(const cli_args *a) { return org_set_active(a, 1); }

int cmd_org_delete(const cli_args *a)
{
    org_change j;
    memset(&j, 0, sizeof j);
    int rc = run_org_change(a, "org delete", &j, org_delete_write);
    if (rc) return rc;
    printf("deleted organization %lld\n", (long long)j.id);
    return CLI_OK;
}
