/*
** cli_desk.h - what the commands that work on an existing desk's database
** share: finding --db, opening its store, reading an id argument, naming a
** user by --id or --email, and one change in one write transaction. Every
** helper says its own message on stderr and returns the exit status, so a
** command returns what it got; the messages start with the command's words
** ("user role: ...").
*/
#ifndef GARANT_CLI_DESK_H
#define GARANT_CLI_DESK_H

#include <stdint.h>

#include "cli.h"
#include "store.h"

/* The path given by --db, which must name an existing file: these commands
** never make a desk. CLI_OK with *out borrowed from argv, or CLI_USAGE
** said. */
int cli_db_path(const char **out, const cli_args *a, const char *cmd);

/* Open the store at --db, which must exist (cli_db_path). CLI_OK, or the
** exit status with the message said. Caller owns *out; free with
** garant_store_close. */
int cli_open_store(garant_store **out, const cli_args *a, const char *cmd);

/* A positive id from option opt's text s ("id" for --id); CLI_USAGE said
** otherwise. */
int cli_parse_id(int64_t *out, const char *s, const char *cmd, const char *opt);

/* The organization named by --id N, which is required. CLI_OK, or
** CLI_USAGE said. */
int cli_org_id(int64_t *out, const cli_args *a, const char *cmd);

/* Check --id/--email before any database is opened: exactly one of them,
** well formed. CLI_OK, or CLI_USAGE said. */
int cli_check_user_names(const cli_args *a, const char *cmd);

/* The user named by --id N or --email ADDR, read through c inside the
** caller's transaction; the names are checked first as
** cli_check_user_names does (silently again for a command that checked
** them before opening the database). CLI_OK, or the exit status with the
** message said: CLI_USAGE when the names are wrong or there is no such
** user. */
int cli_find_user(garant_user *out, garant_store_conn *c, const cli_args *a, const char *cmd);

/* One change, fn(w, ctx), in one write transaction: its failure rolls
** everything back. 0 or fn's (or the store's) garant_err. */
typedef int (*cli_write_fn)(garant_store_conn *w, void *ctx);
int cli_in_write(garant_store *st, cli_write_fn fn, void *ctx);

#endif
