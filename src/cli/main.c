/*
** main.c - garant's command line: the command table, option parsing, help,
** and the one table from error codes to exit codes.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk_error.h"

/* garant_err -> exit status. Input problems are the caller's to fix (2);
** running out of memory or failing to write is ours (1). */
static const struct {
    int err;
    int code;
} exit_codes[] = {
    {GARANT_OK, CLI_OK},          {GARANT_ENOMEM, CLI_FAIL},     {GARANT_EINVAL, CLI_USAGE},
    {GARANT_ETZIF, CLI_USAGE},    {GARANT_ERANGE, CLI_USAGE},    {GARANT_ECONFIG, CLI_USAGE},
    {GARANT_ENOTFOUND, CLI_USAGE}, {GARANT_EIO, CLI_USAGE},      {GARANT_ELIMIT, CLI_USAGE},
    /* A refused admin change (the last admin, a taken name, history). */
    {GARANT_ECONFLICT, CLI_USAGE},
};

int cli_exit_code(int err)
{
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        if (exit_codes[i].err == err) return exit_codes[i].code;
    return CLI_FAIL;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("garant: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_USAGE;
}

int cli_fail(int err)
{
    fprintf(stderr, "garant: %s\n", garant_error_last()[0] ? garant_error_last() : desk_err_name(err));
    return cli_exit_code(err);
}

const char *cli_get(const cli_args *a, const char *name)
{
    for (size_t i = 0; a->opts && a->opts[i].name; i++)
        if (strcmp(a->opts[i].name, name) == 0) return a->values[i];
    return NULL;
}

size_t cli_get_all(const cli_args *a, const char *name, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nrepeated; i++)
        if (strcmp(a->opts[a->repeated_opt[i]].name, name) == 0) {
            if (n < cap) out[n] = a->repeated[i];
            n++;
        }
    return n;
}

static const cli_opt deadline_opts[] = {
    {"plan", "NAME", "support plan (basic, professional, advanced)", 0},
    {"priority", "N", "priority 1 (most urgent) to 3; default from the policy (3)", 0},
    {"at", "TIME", "submission instant, RFC 3339 with offset: 2026-11-27T15:30:00Z", 0},
    {"stage", "STAGE", "product stage (ga, beta, preview); default ga", 0},
    {"config", "FILE", "policy file (YAML); default the built-in policy", 0},
    {"db", "FILE", "instead of --config: the policy in force in this desk's database", 0},
    {"version", "N", "with --db: that saved policy version (the one a ticket runs on)", 0},
    {"explain", NULL, "also print the business windows that make up the deadline", 0},
    {"batch", NULL, "read JSON Lines submissions on stdin, write one JSON line each", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt calendar_opts[] = {
    {"from", "DATE", "first local date to list, YYYY-MM-DD", 0},
    {"to", "DATE", "last local date to list (inclusive), YYYY-MM-DD", 0},
    {"calendar", "NAME", "calendar to list; default the policy's display calendar", 0},
    {"config", "FILE", "policy file (YAML); default the built-in policy", 0},
    {"db", "FILE", "instead of --config: the policy in force in this desk's database", 0},
    {"version", "N", "with --db: that saved policy version", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt report_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"from", "TIME", "start of the period, inclusive: a date (midnight UTC) or RFC 3339; default 30 days before --to", 0},
    {"to", "TIME", "end of the period, exclusive, in the same forms; default now", 0},
    {"group-by", "KEYS", "plan, priority and org, comma-separated, in the order to group", 0},
    {"at", "TIME", "the instant the report is made at (RFC 3339), for tests; default the clock", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt check_opts[] = {{NULL, NULL, NULL, 0}};
static const cli_opt show_opts[] = {
    {"config", "FILE", "policy file (YAML); default the built-in policy", 0},
    {"db", "FILE", "instead of --config: the policy in force in this desk's database", 0},
    {"version", "N", "with --db: that saved policy version", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt serve_opts[] = {
    {"db", "FILE", "SQLite database (created and migrated if new)", 0},
    {"listen", "HOST:PORT", "address to listen on; default 127.0.0.1:8080 (port 0 picks a free one)", 0},
    {"config", "FILE", "policy file (YAML); default the built-in policy", 0},
    {"smtp-url", "URL", "SMTP server for verification mails, smtp://host:port; default: write mails to the log", 0},
    {"mail-from", "ADDR", "sender of garant's mails", 0},
    {"mail-key-file", "FILE", "the mail key (64 hex digits) signing reply addresses; default: one made at first start, kept in the database", 0},
    {"mail-templates", "DIR", "folder of the mail templates (en/, ro/); default the repository's templates/mail", 0},
    {"base-url", "URL", "public URL for links in mails; default http://LISTEN", 0},
    {"web-root", "DIR", "folder of the web pages to serve", 0},
    {"freemail", "FILE", "extra free-mail domains refused at sign-up, one per line", 0},
    {"threads", "N", "event-loop threads that read requests and send answers (default 2)", 0},
    {"workers", "N", "threads for handlers that may block: store reads, hashing, mail (default 32)", 0},
    {"max-waiting-sign-ins", "N", "sign-ins, sign-ups and resets queued for a password hash before 503 (default 256)", 0},
    {"monitor-interval-ms", "MS", "how often the SLA monitor looks for warnings and breaches; default 1000", 0},
    {"metrics-token-file", "FILE", "file holding the bearer token that may read /metrics; without it only admins may", 0},
    {"allow-private-webhooks", NULL, "permit webhook targets on loopback and private addresses", 0},
    {"limits", "SPEC", "quotas per customer and organization: kind=N/min[:burst],... (file-user, file-org, "
                       "reply-user, reply-org, read-user; upload-user, upload-org in MiB) and org-reads=N, or none "
                       "(docs/deploy.md)", 0},
    {"attachment-max-bytes", "N", "largest file a message may carry, in bytes (default 25000000); larger uploads get 413", 0},
    {"ticket-attachments-max-bytes", "N", "most bytes of files one ticket may carry (default 100000000)", 0},
    {"mail-keep-days", "N", "days a sent mail's bytes stay in the outbox before they are dropped (default 90; 0 = "
                            "keep them)", 0},
    {"max-connections-per-address", "N", "connections one client address may hold open (default 64; 0 = no limit; "
                                         "default 0 with --trusted-proxy, where the proxy limits them)", 0},
    {"trusted-proxy", "CIDR", "a reverse proxy whose X-Forwarded-For names the client (repeatable): 10.0.0.0/8, ::1/128", 1},
    {"test-clock", "INSTANT", "tests only: business time starts at INSTANT (RFC 3339) and moves only by POST /api/v1/test/clock", 0},
    {"test-resolve", "HOST:ADDR", "tests only, with --test-clock: webhook host HOST resolves to ADDR, not by DNS (repeatable)", 1},
    {"quiet", NULL, "no request log", 0},
    {"lmtp-listen", "HOST:PORT", "also receive mail by LMTP (RFC 2033) here, for Postfix or Exim (port 0 picks a free one)", 0},
    {"support-address", "ADDR", "the address customers mail (support@desk.example); default --mail-from's", 0},
    {"notify", "EVENT=LIST", "mail staff about EVENT (new-p1, warning, breach): LIST is roles (agent, admin) and "
                             "addresses, comma-separated, e.g. new-p1=agent,oncall@x.example (repeatable; docs/mail.md)", 1},
    {"autoreply-limit", "N", "automatic answers (acknowledgements of mailed tickets) one address gets an hour; default 5, 0 none", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt mail_deliver_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"recipient", "ADDR", "the envelope recipient; default $RECIPIENT, else the support address", 0},
    {"sender", "ADDR", "the envelope sender; default $SENDER (\"\" for the null sender)", 0},
    {"support-address", "ADDR", "the address customers mail; default --mail-from's", 0},
    {"mail-from", "ADDR", "sender of garant's mails (never answered)", 0},
    {"mail-key-file", "FILE", "the mail key (64 hex digits); default the one kept in the database", 0},
    {"config", "FILE", "policy file (YAML); default the policy saved in the database", 0},
    {"test-clock", "INSTANT", "tests only: the mail is accepted at INSTANT (RFC 3339)", 0},
    {"autoreply-limit", "N", "automatic answers one address gets an hour; default 5, 0 none", 0},
    {"quiet", NULL, "print only failures", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt routes_opts[] = {
    {"json", NULL, "print JSON: each route with its request body's fields (name, type, required, max)", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt policy_versions_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0}, {NULL, NULL, NULL, 0}};
static const cli_opt policy_show_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"version", "N", "the version to print; default the newest (the one in force)", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt user_add_opts[] = {
    {"db", "FILE", "SQLite database (created and migrated if new)", 0},
    {"email", "ADDR", "the staff member's e-mail address", 0},
    {"role", "ROLE", "admin or agent", 0},
    {"name", "NAME", "display name; default the e-mail address", 0},
    {"password-stdin", NULL, "read the password from the first line of stdin", 0},
    {NULL, NULL, NULL, 0}};

static const cli_opt user_list_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"role", "ROLE", "only this role: customer, agent or admin", 0},
    {"org", "ID", "only this organization's users", 0},
    {NULL, NULL, NULL, 0}};
static const cli_opt user_role_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"email", "ADDR", "the user's e-mail address (or --id)", 0},
    {"id", "N", "the user's id (or --email)", 0},
    {"role", "ROLE", "customer, agent or admin; the last active admin stays one", 0},
    {"org", "ID", "with --role customer: the organization (required for staff becoming a customer)", 0},
    {NULL, NULL, NULL, 0}};
static const cli_opt user_pick_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"email", "ADDR", "the user's e-mail address (or --id)", 0},
    {"id", "N", "the user's id (or --email)", 0},
    {NULL, NULL, NULL, 0}};
static const cli_opt org_list_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0}, {NULL, NULL, NULL, 0}};
static const cli_opt org_pick_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"id", "N", "the organization's id (garant org list)", 0},
    {NULL, NULL, NULL, 0}};
static const cli_opt org_rename_opts[] = {
    {"db", "FILE", "the desk's SQLite database", 0},
    {"id", "N", "the organization's id (garant org list)", 0},
    {"name", "NAME", "its new name, unique", 0},
    {NULL, NULL, NULL, 0}};

typedef struct command {
    const char *words;    /* "config check" */
    const char *operands; /* "FILE" or NULL */
    size_t min_pos, max_pos;
    const cli_opt *opts;
    int (*fn)(const cli_args *a);
    const char *summary;
} command;

static const command commands[] = {
    {"deadline", NULL, 0, 0, deadline_opts, cmd_deadline,
     "compute a first-response deadline, or many with --batch"},
    {"calendar", NULL, 0, 0, calendar_opts, cmd_calendar, "list the open windows between two dates"},
    {"report", NULL, 0, 0, report_opts, cmd_report,
     "the first-response SLA report of a desk over a period, grouped by plan, priority, org"},
    {"config check", "FILE", 1, 1, check_opts, cmd_config_check, "validate a policy file and list every problem"},
    {"config show", NULL, 0, 0, show_opts, cmd_config_show, "print the policy's plans, priorities and targets"},
    {"serve", NULL, 0, 0, serve_opts, cmd_serve, "run the ticket service (HTTP API)"},
    {"routes", NULL, 0, 0, routes_opts, cmd_routes, "list the HTTP API's routes"},
    {"mail deliver", NULL, 0, 0, mail_deliver_opts, cmd_mail_deliver,
     "take one mail on stdin into the desk (exit 0 taken or dropped, 75 try again later)"},
    {"user add", NULL, 0, 0, user_add_opts, cmd_user_add, "create an agent or admin account"},
    {"user list", NULL, 0, 0, user_list_opts, cmd_user_list, "list a desk's users: role, organization, active"},
    {"user role", NULL, 0, 0, user_role_opts, cmd_user_role, "change a user's role (and a customer's organization)"},
    {"user deactivate", NULL, 0, 0, user_pick_opts, cmd_user_deactivate,
     "deactivate a user: no sign-in, sessions end, history kept"},
    {"user activate", NULL, 0, 0, user_pick_opts, cmd_user_activate, "reactivate a deactivated user"},
    {"user delete", NULL, 0, 0, user_pick_opts, cmd_user_delete, "delete a user without history (else deactivate)"},
    {"org list", NULL, 0, 0, org_list_opts, cmd_org_list, "list a desk's organizations: plan, active, domains"},
    {"org rename", NULL, 0, 0, org_rename_opts, cmd_org_rename, "rename an organization"},
    {"org deactivate", NULL, 0, 0, org_pick_opts, cmd_org_deactivate,
     "deactivate an organization with its users"},
    {"org activate", NULL, 0, 0, org_pick_opts, cmd_org_activate,
     "reactivate an organization with the users deactivated with it"},
    {"org delete", NULL, 0, 0, org_pick_opts, cmd_org_delete, "delete an organization without tickets or users"},
    {"policy versions", NULL, 0, 0, policy_versions_opts, cmd_policy_versions,
     "list the saved versions of a desk's SLA policy"},
    {"policy show", NULL, 0, 0, policy_show_opts, cmd_policy_show,
     "print a saved policy version's YAML (for deadline --config)"},
};

static void print_command_help(FILE *f, const command *c)
{
    fprintf(f, "usage: garant %s", c->words);
    if (c->operands) fprintf(f, " %s", c->operands);
    fprintf(f, " [options]\n  %s\n", c->summary);
    for (size_t i = 0; c->opts[i].name; i++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", c->opts[i].name, c->opts[i].arg ? " " : "",
                 c->opts[i].arg ? c->opts[i].arg : "");
        fprintf(f, "  %-22s %s\n", left, c->opts[i].help);
    }
}

static void print_help(FILE *f)
{
    fprintf(f, "garant %s - guaranteed first-response times\n\nusage: garant COMMAND [options]\n\n", GARANT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", commands[i].words, commands[i].operands ? " " : "",
                 commands[i].operands ? commands[i].operands : "");
        fprintf(f, "  %-22s %s\n", left, commands[i].summary);
    }
    fprintf(f, "\n'garant COMMAND --help' shows a command's options. Exit status: 0 ok, 2 bad input, 1 failure.\n");
}

/* The commands of one group ("config": config check, config show). */
static void print_group_help(FILE *f, const char *group)
{
    size_t glen = strlen(group);
    fprintf(f, "usage: garant %s COMMAND [options]\n\n", group);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strncmp(commands[i].words, group, glen) != 0 || commands[i].words[glen] != ' ') continue;
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", commands[i].words, commands[i].operands ? " " : "",
                 commands[i].operands ? commands[i].operands : "");
        fprintf(f, "  %-22s %s\n", left, commands[i].summary);
    }
    fprintf(f, "\n'garant %s COMMAND --help' shows a command's options.\n", group);
}

/* Does argv start with the command's words? Returns how many it used. */
static int match_words(const char *words, int argc, char **argv)
{
    int used = 0;
    const char *p = words;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (used >= argc || strlen(argv[used]) != n || strncmp(argv[used], p, n) != 0) return 0;
        used++;
        p += n;
        while (*p == ' ') p++;
    }
    return used;
}

static int parse_args(cli_args *a, const command *c, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->opts = c->opts;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (a->npositional == c->max_pos) return cli_usage_error("%s: unexpected argument '%s'", c->words, arg);
            a->positional[a->npositional++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        size_t k = 0;
        while (c->opts[k].name && !(strlen(c->opts[k].name) == nlen && strncmp(c->opts[k].name, name, nlen) == 0))
            k++;
        assert(k < CLI_MAX_OPTS);
        if (!c->opts[k].name)
            return cli_usage_error("%s: unknown option '--%.*s' (see 'garant %s --help')", c->words, (int)nlen, name,
                                   c->words);
        if (a->values[k] && !c->opts[k].repeat)
            return cli_usage_error("%s: option '--%s' given twice", c->words, c->opts[k].name);
        if (c->opts[k].arg) {
            const char *value;
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return cli_usage_error("%s: option '--%s' needs a value %s", c->words, c->opts[k].name,
                                       c->opts[k].arg);
            if (!a->values[k]) a->values[k] = value;
            if (c->opts[k].repeat) {
                if (a->nrepeated == CLI_MAX_REPEATED)
                    return cli_usage_error("%s: more than %d values of repeated options", c->words, CLI_MAX_REPEATED);
                a->repeated_opt[a->nrepeated] = k;
                a->repeated[a->nrepeated++] = value;
            }
        } else {
            if (eq) return cli_usage_error("%s: option '--%s' takes no value", c->words, c->opts[k].name);
            a->values[k] = "";
        }
    }
    if (a->npositional < c->min_pos)
        return cli_usage_error("%s: missing %s (see 'garant %s --help')", c->words, c->operands, c->words);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("garant %s\n", GARANT_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        int used = match_words(commands[i].words, argc - 1, argv + 1);
        if (!used) continue;
        int rest = argc - 1 - used;
        char **rargv = argv + 1 + used;
        for (int k = 0; k < rest; k++)
            if (!strcmp(rargv[k], "--help") || !strcmp(rargv[k], "-h")) {
                print_command_help(stdout, &commands[i]);
                return CLI_OK;
            }
        cli_args a;
        int rc = parse_args(&a, &commands[i], rest, rargv);
        if (rc) return rc;
        return commands[i].fn(&a);
    }
    /* A group's name alone ("garant config"), with --help, or with a
    ** word that is none of its commands: the group's commands. */
    size_t glen = strlen(argv[1]);
    int in_group = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0] && !in_group; i++)
        in_group = strncmp(commands[i].words, argv[1], glen) == 0 && commands[i].words[glen] == ' ';
    if (in_group) {
        int help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
        if (!help) {
            if (argc > 2) cli_usage_error("%s: unknown command '%s'", argv[1], argv[2]);
            else cli_usage_error("%s: which one?", argv[1]);
        }
        print_group_help(help ? stdout : stderr, argv[1]);
        return help ? CLI_OK : CLI_USAGE;
    }
    cli_usage_error("unknown command '%s'", argv[1]);
    print_help(stderr);
    return CLI_USAGE;
}
