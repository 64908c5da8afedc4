/*
** cmd_user.c - `garant user add`: create a staff account (agent or admin)
** from the shell, creating and migrating the database if it is new.
** The password is read from stdin so it never shows in `ps` or history.
*/
#include <ctype.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "http.h"

int cmd_user_add(const cli_args *a)
{
    const char *db = cli_get(a, "db"), *email = cli_get(a, "email"), *role = cli_get(a, "role");
    const char *name = cli_get(a, "name");
    if (!db || !email || !role) return cli_usage_error("user add: --db, --email and --role are required");
    if (!cli_get(a, "password-stdin")) return cli_usage_error("user add: pass the password on stdin with --password-stdin");
    garant_role r;
    if (!garant_role_parse(&r, role) || r == GARANT_ROLE_CUSTOMER)
        return cli_usage_error("user add: --role must be admin or agent (customers sign up themselves)");
    size_t elen = strlen(email);
    const char *at = strchr(email, '@');
    if (elen > GARANT_MAX_EMAIL || !at || at == email || !strchr(at, '.') || strchr(at + 1, '@'))
        return cli_usage_error("user add: '%s' is not an e-mail address", email);
    char password[1100];
    if (!fgets(password, sizeof password, stdin)) return cli_usage_error("user add: no password on stdin");
    size_t plen = strcspn(password, "\r\n");
    password[plen] = '\0';
    if (plen < 10 || plen > 1024) return cli_usage_error("user add: the password must have 10 to 1024 characters");
    if (sodium_init() < 0) return cli_usage_error("libsodium failed to initialize");

    garant_user u;
    memset(&u, 0, sizeof u);
    for (size_t i = 0; i <= elen; i++) u.email[i] = (char)tolower((unsigned char)email[i]);
    snprintf(u.name, sizeof u.name, "%s", name ? name : email);
    u.role = r;
    u.created_at = u.verified_at = (int64_t)time(NULL);
    int rc = http_password_hash(u.password_hash, password);
    sodium_memzero(password, sizeof password);
    if (rc) return cli_fail(rc);

    garant_store *st;
    rc = garant_store_open(&st, db, 1);
    if (rc) return cli_fail(rc);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *w = ops->writer(st);
    if ((rc = ops->begin_write(w))) goto undo;
    if ((rc = ops->accounts->user_insert(w, &u))) goto undo;
    rc = ops->commit(w);
    goto done;
undo:
    ops->rollback(w);
done:
    garant_store_close(st);
    if (rc == GARANT_ECONFLICT) return cli_usage_error("user add: an account with e-mail %s exists already", u.email);
    if (rc) return cli_fail(rc);
    printf("created %s %s (id %lld)\n", role, u.email, (long long)u.id);
    return CLI_OK;
}
