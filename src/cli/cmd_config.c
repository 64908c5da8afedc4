/*
** cmd_config.c - `garant config check FILE` lists every problem in a policy
** file with its line; `garant config show` prints the policy as a table,
** with the sign-up section's extra free-mail domains, if any.
*/
#include <string.h>

#include "cli.h"
#include "loader.h"

int cmd_config_check(const cli_args *a)
{
    const char *path = a->positional[0];
    garant_policy *pol = NULL;
    garant_diags *diags = NULL;
    int rc = garant_io_load_policy(&pol, &diags, path);
    size_t n = diags ? garant_diags_count(diags) : 0;
    for (size_t i = 0; i < n; i++) {
        const garant_diag *d = garant_diags_get(diags, i);
        fprintf(stderr, "%s:%d:%d: %s\n", path, d->line, d->column, d->message);
    }
    /* The loader's message names the file already when it could not be
    ** read; a problem within it does not. */
    const char *why = garant_error_last();
    if (rc && n == 0) {
        size_t plen = strlen(path);
        if (strncmp(why, path, plen) == 0 && why[plen] == ':')
            fprintf(stderr, "%s\n", why);
        else
            fprintf(stderr, "%s: %s\n", path, why);
    }
    if (!rc)
        printf("%s: ok (%zu plans, %zu priorities, %zu stages, %zu calendars)\n", path,
               garant_policy_plan_count(pol), garant_policy_priority_count(pol), garant_policy_stage_count(pol),
               garant_policy_calendar_count(pol));
    else
        fprintf(stderr, "%s: %zu problem%s\n", path, n ? n : 1, n == 1 || n == 0 ? "" : "s");
    garant_diags_free(diags);
    garant_policy_free(pol);
    return rc ? cli_exit_code(rc) : CLI_OK;
}

static void print_target(const garant_policy *pol, const char *plan, int level)
{
    garant_ticket_terms terms = {plan, level, "ga"};
    garant_target t;
    char dur[64], cell[96];
    if (garant_policy_target(&t, pol, &terms) || t.kind == GARANT_TARGET_NONE)
        snprintf(cell, sizeof cell, "none");
    else if (t.kind == GARANT_TARGET_WALL)
        snprintf(cell, sizeof cell, "%s, 24/7", garant_duration_format(dur, sizeof dur, t.seconds));
    else
        snprintf(cell, sizeof cell, "%s %s", garant_duration_format(dur, sizeof dur, t.seconds),
                 garant_calendar_name(t.cal));
    printf("  %-20s", cell);
}

int cmd_config_show(const cli_args *a)
{
    garant_policy *pol;
    int rc = cli_load_policy(&pol, a);
    if (rc) return rc;
    printf("%-24s", "priority");
    for (size_t p = 0; p < garant_policy_plan_count(pol); p++) printf("  %-20s", garant_policy_plan_name(pol, p));
    putchar('\n');
    for (size_t i = 0; i < garant_policy_priority_count(pol); i++) {
        int level = garant_policy_priority_level(pol, i);
        char label[64];
        snprintf(label, sizeof label, "P%d %s", level, garant_policy_priority_name(pol, level));
        printf("%-24.24s", label);
        for (size_t p = 0; p < garant_policy_plan_count(pol); p++)
            print_target(pol, garant_policy_plan_name(pol, p), level);
        putchar('\n');
    }
    printf("\ndefault priority: P%d; warning at %d%% of a target\n", garant_policy_default_priority(pol),
           garant_policy_warning_permille(pol) / 10);
    printf("stages without a guarantee:");
    int any = 0;
    for (size_t i = 0; i < garant_policy_stage_count(pol); i++)
        if (!garant_policy_stage_guaranteed(pol, i)) {
            printf(" %s", garant_policy_stage_name(pol, i));
            any = 1;
        }
    printf("%s\n", any ? "" : " (none)");
    for (size_t i = 0; i < garant_policy_calendar_count(pol); i++) {
        const garant_calendar *c = garant_policy_calendar_at(pol, i);
        printf("calendar '%s': %s, compiled %zu KiB\n", garant_calendar_name(c), garant_tz_name(garant_calendar_tz(c)),
               garant_calendar_memory(c) / 1024);
    }
    size_t nfree = garant_policy_freemail_count(pol);
    if (nfree) {
        printf("sign-up also refuses mail domains:");
        for (size_t i = 0; i < nfree; i++) printf(" %s", garant_policy_freemail_domain(pol, i));
        putchar('\n');
    }
    garant_policy_free(pol);
    return CLI_OK;
}
