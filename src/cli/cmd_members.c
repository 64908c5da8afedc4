/*
** cmd_members.c - an organization's rules for its members from the shell
** (issue 15), as the API and the admin page set them: `garant org
** settings` (which tickets members see, whether new members wait for a
** manager's approval), `garant user manager` (a customer manages her
** organization or not) and `garant user approve|refuse` (the decision on
** a member waiting for approval). The rules are the desk's, called here
** as routes_admin.c calls them (admin_ops.h, desk_members.h); each change
** is one transaction, audited as made by the command line.
**
** An approval mails the member, as the API's does: the mail is queued in
** the desk's outbox, which a running server sends (or the next one to
** start); its link needs the desk's public URL, --base-url. A running
** server sees a change at once for new sign-ins, and for the sessions it
** has cached within the cache's lifetime (10 s, sessions.h).
*/
#include <string.h>
#include <time.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"
#include "cli_desk.h"
#include "desk_members.h"

/* yes (1) or no (0) from option opt; CLI_USAGE said otherwise. */
static int parse_yes_no(int *out, const char *s, const char *cmd, const char *opt)
{
    if (!strcmp(s, "yes")) *out = 1;
    else if (!strcmp(s, "no")) *out = 0;
    else return cli_usage_error("%s: --%s must be yes or no (got '%.32s')", cmd, opt, s);
    return CLI_OK;
}

/* ---- garant org settings ------------------------------------------------- */

typedef struct org_settings {
    desk_admin_by by;
    int64_t id;
    const char *visibility; /* NULL: leave */
    int approval;           /* 1, 0, -1 leave */
    garant_org org;         /* out: as it is afterwards */
} org_settings;

static int org_settings_write(garant_store_conn *w, void *ctx)
{
    org_settings *j = ctx;
    int rc = 0;
    if (j->visibility || j->approval >= 0) rc = desk_admin_org_members(w, &j->by, j->id, j->visibility, j->approval);
    if (!rc) rc = GS(w)->accounts->org_get(w, j->id, &j->org);
    if (rc == GARANT_ENOTFOUND) rc = garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)j->id);
    return rc;
}

int cmd_org_settings(const cli_args *a)
{
    const char *cmd = "org settings";
    org_settings j;
    memset(&j, 0, sizeof j);
    j.approval = -1;
    const char *vis = cli_get(a, "ticket-visibility"), *appr = cli_get(a, "approval-required");
    int rc = cli_org_id(&j.id, a, cmd);
    if (rc) return rc;
    if (vis) {
        if (strcmp(vis, GARANT_VISIBILITY_ORG) != 0 && strcmp(vis, GARANT_VISIBILITY_OWN) != 0)
            return cli_usage_error("%s: --ticket-visibility must be %s (members see every ticket of the "
                                   "organization) or %s (each member her own) (got '%.32s')",
                                   cmd, GARANT_VISIBILITY_ORG, GARANT_VISIBILITY_OWN, vis);
        j.visibility = vis;
    }
    if (appr && (rc = parse_yes_no(&j.approval, appr, cmd, "approval-required"))) return rc;
    garant_store *st;
    if ((rc = cli_open_store(&st, a, cmd))) return rc;
    j.by = (desk_admin_by){0, (int64_t)time(NULL)};
    /* With nothing to change the write only reads the settings. */
    rc = cli_in_write(st, org_settings_write, &j);
    garant_store_close(st);
    if (rc) return cli_fail(rc);
    printf("organization %lld \"%s\": ticket-visibility %s, approval-required %s\n", (long long)j.org.id, j.org.name,
           j.org.ticket_visibility, j.org.approval_required ? "yes" : "no");
    return CLI_OK;
}

/* ---- garant user manager ------------------------------------------------- */

typedef struct manager_change {
    const cli_args *a;
    const char *cmd;
    int usage; /* the user was not found: said already */
    desk_admin_by by;
    int on;
    garant_user user; /* out */
} manager_change;

static int manager_write(garant_store_conn *w, void *ctx)
{
    manager_change *j = ctx;
    garant_user u;
    if ((j->usage = cli_find_user(&u, w, j->a, j->cmd))) return GARANT_EINVAL;
    return desk_admin_user_manager(&j->user, w, &j->by, u.id, j->on);
}

int cmd_user_manager(const cli_args *a)
{
    manager_change j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.cmd = "user manager";
    const char *set = cli_get(a, "set");
    int rc = cli_check_user_names(a, j.cmd);
    if (rc) return rc;
    if (!set) return cli_usage_error("%s: --set is required: yes (she manages her organization) or no", j.cmd);
    if ((rc = parse_yes_no(&j.on, set, j.cmd, "set"))) return rc;
    garant_store *st;
    if ((rc = cli_open_store(&st, a, j.cmd))) return rc;
    j.by = (desk_admin_by){0, (int64_t)time(NULL)};
    rc = cli_in_write(st, manager_write, &j);
    garant_store_close(st);
    if (j.usage) return j.usage; /* said by cli_find_user */
    if (rc) return cli_fail(rc);
    printf("%s is %sa manager of organization %lld\n", j.user.email, j.user.org_manager ? "" : "not ",
           (long long)j.user.org_id);
    return CLI_OK;
}

/* ---- garant user approve|refuse ------------------------------------------ */

/* The desk at --db, for a decision that may mail (desk_members.h): its
** outbox, mail key and templates. */
static int open_desk(garant_desk **out, desk_options *o, const cli_args *a, const char *cmd)
{
    memset(o, 0, sizeof *o);
    int rc = cli_db_path(&o->db_path, a, cmd);
    if (rc) return rc;
    o->mail_from = cli_get(a, "mail-from");
    o->mail_key_file = cli_get(a, "mail-key-file");
    o->mail_templates = cli_get(a, "mail-templates");
    o->monitor_interval_ms = 1000;
    o->quiet = 1;
    rc = desk_open(out, o);
    return rc ? cli_fail(rc) : CLI_OK;
}

static int decide(const cli_args *a, int approve)
{
    const char *cmd = approve ? "user approve" : "user refuse";
    int rc = cli_check_user_names(a, cmd);
    if (rc) return rc;
    const char *base = approve ? cli_get(a, "base-url") : NULL;
    if (approve && !base)
        return cli_usage_error("%s: --base-url URL is required: the mail telling her she may start links to the "
                               "desk (serve's --base-url)",
                               cmd);
    if (base && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return cli_usage_error("%s: --base-url must start with http:// or https:// (got '%.64s')", cmd, base);
    desk_options o;
    garant_desk *d;
    if ((rc = open_desk(&d, &o, a, cmd))) return rc;
    if (base) desk_set_base_url(d, base);
    /* Who she is, read first: the decision names her by id. */
    garant_store *st = desk_store(d);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    garant_user m;
    if ((rc = ops->acquire(&c, st))) {
        rc = cli_fail(rc);
        desk_free(d);
        return rc;
    }
    rc = ops->begin_read(c);
    rc = rc ? cli_fail(rc) : cli_find_user(&m, c, a, cmd);
    ops->rollback(c);
    ops->release(c);
    if (rc) {
        desk_free(d);
        return rc;
    }
    /* The command line decides as an admin (user 0 in the audit trail). */
    garant_user admin;
    memset(&admin, 0, sizeof admin);
    admin.role = GARANT_ROLE_ADMIN;
    desk_actor who = {&admin, desk_now(d)};
    garant_user out;
    rc = desk_member_decide(&out, d, &who, m.id, approve);
    if (rc) rc = cli_fail(rc); /* before desk_free, which may say more */
    desk_free(d);
    if (rc) return rc;
    if (approve)
        printf("%s is approved as a member of organization %lld\n", out.email, (long long)out.org_id);
    else
        printf("%s is refused (deactivated)\n", out.email);
    return CLI_OK;
}

int cmd_user_approve(const cli_args *a) { return decide(a, 1); }
int cmd_user_refuse(const cli_args *a) { return decide(a, 0); }
