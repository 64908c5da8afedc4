/*
** cli_desk.c - the helpers of the commands that work on an existing desk's
** database (cli_desk.h): cmd_admin.c, cmd_members.c and cmd_report.c
** read --db, ids and users the same way, with the same messages, through
** these.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_desk.h"

int cli_db_path(const char **out, const cli_args *a, const char *cmd)
{
    const char *db = cli_get(a, "db");
    if (!db) return cli_usage_error("%s: --db FILE is required", cmd);
    if (access(db, F_OK) != 0) return cli_usage_error("%s: no desk database at '%s'", cmd, db);
    *out = db;
    return CLI_OK;
}

int cli_open_store(garant_store **out, const cli_args *a, const char *cmd)
{
    const char *db;
    int rc = cli_db_path(&db, a, cmd);
    if (rc) return rc;
    rc = garant_store_open(out, db, 1);
    return rc ? cli_fail(rc) : CLI_OK;
}

int cli_parse_id(int64_t *out, const char *s, const char *cmd, const char *opt)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!s[0] || *end || errno || v < 1)
        return cli_usage_error("%s: --%s must be a positive whole number (got '%s')", cmd, opt, s);
    *out = (int64_t)v;
    return CLI_OK;
}

int cli_org_id(int64_t *out, const cli_args *a, const char *cmd)
{
    const char *id = cli_get(a, "id");
    if (!id) return cli_usage_error("%s: --id N is required (the organization's id: garant org list)", cmd);
    return cli_parse_id(out, id, cmd, "id");
}

int cli_check_user_names(const cli_args *a, const char *cmd)
{
    const char *id = cli_get(a, "id"), *email = cli_get(a, "email");
    if (!id == !email) return cli_usage_error("%s: name the user with --email ADDR or --id N (one of them)", cmd);
    int64_t v;
    if (id) return cli_parse_id(&v, id, cmd, "id");
    if (strlen(email) > GARANT_MAX_EMAIL || !strchr(email, '@'))
        return cli_usage_error("%s: '%.64s' is not an e-mail address", cmd, email);
    return CLI_OK;
}

int cli_find_user(garant_user *out, garant_store_conn *c, const cli_args *a, const char *cmd)
{
    /* The admin commands check here, after --db: which they say first
    ** when both are wrong is part of their behaviour. */
    int rc = cli_check_user_names(a, cmd);
    if (rc) return rc;
    const char *id = cli_get(a, "id"), *email = cli_get(a, "email");
    if (id) {
        int64_t v = 0;
        if ((rc = cli_parse_id(&v, id, cmd, "id"))) return rc;
        rc = GS(c)->accounts->user_get(c, v, out);
        if (rc == GARANT_ENOTFOUND) return cli_usage_error("%s: there is no user %lld", cmd, (long long)v);
    } else {
        rc = GS(c)->accounts->user_by_email(c, email, out);
        if (rc == GARANT_ENOTFOUND) return cli_usage_error("%s: there is no user with e-mail %s", cmd, email);
    }
    return rc ? cli_fail(rc) : CLI_OK;
}

int cli_in_write(garant_store *st, cli_write_fn fn, void *ctx)
{
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *w = ops->writer(st);
    int rc = ops->begin_write(w);
    if (!rc) rc = fn(w, ctx);
    if (!rc) rc = ops->commit(w);
    else ops->rollback(w);
    return rc;
}
