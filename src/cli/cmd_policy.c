/*
** cmd_policy.c - where the commands get their policy (cli_load_policy:
** --config, --db with --version, or the built-in one), and `garant policy
** versions` and `garant policy show`: the saved versions of the SLA policy
** in a desk's database, offline. A ticket is counted under the version it
** was filed under (docs/SLA.md), so `garant deadline --db FILE --version N`
** (or `garant policy show` into a file for `deadline --config`) answers
** for any ticket without a running server.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http.h"
#include "loader.h"

/* Open the desk's database (creating and migrating it if new, as every
** command that takes --db does); these commands only read it. */
static int open_db(garant_store **out, const cli_args *a, const char *cmd)
{
    const char *db = cli_get(a, "db");
    if (!db) return cli_usage_error("policy %s: --db FILE is required", cmd);
    int rc = garant_store_open(out, db, 1);
    return rc ? cli_fail(rc) : CLI_OK;
}

/* Reads version (0: the newest) into *out; CLI_USAGE, said, if missing. */
static int read_version(garant_policy_version *out, const char *db, long long version, const char *cmd)
{
    memset(out, 0, sizeof *out);
    if (access(db, F_OK) != 0) return cli_usage_error("%s: no desk database at '%s'", cmd, db);
    garant_store *st;
    int rc = garant_store_open(&st, db, 1);
    if (rc) return cli_fail(rc);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    if ((rc = ops->acquire(&c, st))) goto done;
    rc = version ? ops->sla->policy_get(c, version, out) : ops->sla->policy_latest(c, out);
    ops->release(c);
done:
    garant_store_close(st);
    if (rc == GARANT_ENOTFOUND) {
        if (version) return cli_usage_error("%s: there is no policy version %lld in '%s'", cmd, version, db);
        return cli_usage_error("%s: no policy version saved in '%s' yet (the server saves one on its first start)",
                               cmd, db);
    }
    return rc ? cli_fail(rc) : CLI_OK;
}

/* --version N: a saved policy version, 1 or more. cmd prefixes the
** message ("policy show: "), or is "". */
static int parse_version(long long *out, const char *vs, const char *cmd)
{
    char *end;
    *out = strtoll(vs, &end, 10);
    if (!vs[0] || *end || *out < 1) return cli_usage_error("%s--version must be 1 or more (got '%s')", cmd, vs);
    return CLI_OK;
}

/* The saved policy version `version` (0: the newest) of the desk at db,
** compiled. CLI_USAGE when there is no such version (said on stderr);
** otherwise a garant_err. */
static int policy_from_db(garant_policy **out, garant_diags **out_diags, const char *db, long long version)
{
    garant_policy_version pv;
    int rc = read_version(&pv, db, version, "--db");
    if (rc) return CLI_USAGE;
    /* A version from a configuration file may name files relative to it
    ** (holidays_ics); they are looked up from here. */
    rc = garant_config_load(out, out_diags, pv.yaml, strlen(pv.yaml), garant_io_resource, NULL);
    free(pv.yaml);
    return rc;
}

int cli_load_policy(garant_policy **out, const cli_args *a)
{
    const char *path = cli_get(a, "config"), *db = cli_get(a, "db"), *vs = cli_get(a, "version");
    *out = NULL;
    if (path && db) return cli_usage_error("--config and --db name two policies: give one");
    if (vs && !db) return cli_usage_error("--version N is a version saved in a desk: give --db FILE too");
    long long version = 0;
    if (vs && parse_version(&version, vs, "")) return CLI_USAGE;
    garant_diags *diags = NULL;
    char where[128];
    int rc;
    if (db) {
        rc = policy_from_db(out, &diags, db, version);
        if (rc == CLI_USAGE) return rc; /* said why */
        snprintf(where, sizeof where, "policy version %s", vs ? vs : "in force");
    } else {
        rc = garant_io_load_policy(out, &diags, path);
        snprintf(where, sizeof where, "%s", path ? path : "(built-in config)");
    }
    if (rc) {
        size_t n = diags ? garant_diags_count(diags) : 0;
        if (n == 0) fprintf(stderr, "garant: %s\n", garant_error_last());
        for (size_t i = 0; i < n; i++) {
            const garant_diag *d = garant_diags_get(diags, i);
            fprintf(stderr, "garant: %s:%d:%d: %s\n", where, d->line, d->column, d->message);
        }
    }
    garant_diags_free(diags);
    return rc ? cli_exit_code(rc) : 0;
}

int cmd_policy_versions(const cli_args *a)
{
    garant_store *st;
    int rc = open_db(&st, a, "versions");
    if (rc) return rc;
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    garant_policy_listed *vs = NULL;
    size_t n = 0;
    if ((rc = ops->acquire(&c, st))) goto done;
    rc = ops->sla->policy_list(c, &vs, &n);
    ops->release(c);
done:
    garant_store_close(st);
    if (rc) return cli_fail(rc);
    printf("%-8s %-21s %-8s %s\n", "version", "saved at (UTC)", "tickets", "saved by");
    for (size_t i = 0; i < n; i++) {
        char at[GARANT_RFC3339_UTC_LEN];
        const char *by = vs[i].created_by_email;
        printf("%-8lld %-21s %-8lld %s\n", (long long)vs[i].version, garant_time_format_utc(at, vs[i].created_at),
               (long long)vs[i].tickets, by[0] ? by : "(configuration)");
    }
    if (n == 0) printf("(no version saved yet: the server saves one on its first start)\n");
    free(vs);
    return CLI_OK;
}

int cmd_policy_show(const cli_args *a)
{
    const char *vs = cli_get(a, "version");
    long long version = 0;
    if (vs && parse_version(&version, vs, "policy show: ")) return CLI_USAGE;
    const char *db = cli_get(a, "db");
    if (!db) return cli_usage_error("policy show: --db FILE is required");
    garant_policy_version pv;
    int rc = read_version(&pv, db, version, "policy show");
    if (rc) return rc;
    fputs(pv.yaml, stdout);
    free(pv.yaml);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "garant: writing the policy failed\n");
        return CLI_FAIL;
    }
    return CLI_OK;
}
