/*
** test_store_accounts.c - the accounts contract (contract.h) against the
** SQLite backend, on a fresh database file in a temporary folder.
**
** The suite runs twice on the same file, the second time after a reopen:
** it must not assume an empty database, since the PostgreSQL backend will
** run it against a shared one.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"
#include "store_support.h"
#include "support.h"

int main(void)
{
    char dir[] = "/tmp/garant-accounts-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/accounts.db", dir);
    int failed = run_accounts_contract(&garant_store_sqlite_ops, path);
    failed += run_accounts_contract(&garant_store_sqlite_ops, path);
    st_wipe(&garant_store_sqlite_ops, path);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "%s: not empty after the suites: ", dir);
        perror("rmdir");
        failed++;
    }
    return t_exit_status(failed);
}
