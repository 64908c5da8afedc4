/*
** cli.h - what the command-line front end's files share.
**
** Every command is a row in the table in main.c: its words, its options
** (which drive parsing, validation and the help text) and its function.
** Commands use only the public API of libgarant and the loader.
*/
#ifndef GARANT_CLI_H
#define GARANT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "garant/garant.h"

/* Exit codes: 0 success, 1 the machine failed us (memory, I/O on output),
** 2 the input was wrong (arguments, timestamps, config, batch lines). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* The exit code for a garant_err, from the one table in main.c. */
int cli_exit_code(int err);

typedef struct cli_opt {
    const char *name;  /* "plan" for --plan */
    const char *arg;   /* "NAME" if it takes a value, NULL for a flag */
    const char *help;
    int repeat;        /* 1: may be given more than once (cli_get_all) */
} cli_opt;

/* Most options a command has, and most values of repeated options in one
** command line. */
#define CLI_MAX_OPTS 32
#define CLI_MAX_REPEATED 32

/* Parsed options: values[i] is the value of opts[i] ("" for a set flag,
** NULL if absent; the first one of a repeated option). Every value of a
** repeated option is in repeated[], in order, with its option's index in
** repeated_opt[]. Borrowed from argv. */
typedef struct cli_args {
    const cli_opt *opts;
    const char *values[CLI_MAX_OPTS];
    const char *positional[4];
    size_t npositional;
    const char *repeated[CLI_MAX_REPEATED];
    size_t repeated_opt[CLI_MAX_REPEATED];
    size_t nrepeated;
} cli_args;

/* The value of an option, or NULL. */
const char *cli_get(const cli_args *a, const char *name);
/* Every value of a repeatable option, in the order given: how many, with
** at most cap of them in out (borrowed from argv). */
size_t cli_get_all(const cli_args *a, const char *name, const char **out, size_t cap);

/* Print "garant: " + message to stderr and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "garant: " + garant_error_last() and return cli_exit_code(err). */
int cli_fail(int err);

/* Load the policy named by --config, or the one saved in the desk named
** by --db (the newest, or --version N), or the built-in default; reports
** problems on stderr. Caller owns *out; free with garant_policy_free. */
int cli_load_policy(garant_policy **out, const cli_args *a);

int cmd_deadline(const cli_args *a);
int cmd_calendar(const cli_args *a);
int cmd_report(const cli_args *a);
int cmd_config_check(const cli_args *a);
int cmd_config_show(const cli_args *a);
int cmd_serve(const cli_args *a);
int cmd_mail_deliver(const cli_args *a);
/* The mail door beside HTTP (cmd_mail.c): --lmtp-listen and the inbound
** mail options of `serve` into o. */
struct garant_server_options;
int cmd_serve_doors(struct garant_server_options *o, const cli_args *a);
int cmd_routes(const cli_args *a);
int cmd_user_add(const cli_args *a);
int cmd_user_list(const cli_args *a);
int cmd_user_role(const cli_args *a);
int cmd_user_deactivate(const cli_args *a);
int cmd_user_activate(const cli_args *a);
int cmd_user_delete(const cli_args *a);
int cmd_org_list(const cli_args *a);
int cmd_org_rename(const cli_args *a);
int cmd_org_deactivate(const cli_args *a);
int cmd_org_activate(const cli_args *a);
int cmd_org_delete(const cli_args *a);
int cmd_policy_versions(const cli_args *a);
int cmd_policy_show(const cli_args *a);

#endif
