/*
** test_config.c - the YAML policy reader and the iCalendar holiday import:
** the shipped config/garant.yaml, a table of broken configs (each must
** name the right line and say what is wrong), several findings at once,
** ceilings, and .ics feeds (tests/core/data/holidays-sk.ics, written by
** hand) both directly and through `holidays_ics`.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"
#include "loader.h"

/* ---- helpers ------------------------------------------------------------ */

/* Files served to the reader by name, as if next to the config. */
typedef struct memfile {
    const char *name;
    const char *text; /* NULL: read tests/core/data/<name> from the tree */
} memfile;

typedef struct res_ctx {
    const memfile *files;
    size_t nfiles;
    int zone_calls, file_calls;
} res_ctx;

/* A garant_resource_fn: zones from the system zoneinfo, files from the
** table (or the test data folder). */
static int t_resource(void *ctx, garant_resource_kind kind, const char *name,
                      uint8_t **out_data, size_t *out_len)
{
    res_ctx *rc = ctx;
    if (kind == GARANT_RESOURCE_ZONE) {
        if (rc) rc->zone_calls++;
        return garant_io_resource(NULL, kind, name, out_data, out_len);
    }
    if (rc) rc->file_calls++;
    for (size_t i = 0; rc && i < rc->nfiles; i++) {
        if (strcmp(rc->files[i].name, name) != 0) continue;
        if (!rc->files[i].text) {
            char path[4096];
            snprintf(path, sizeof path, "%s/tests/core/data/%s", t_source_dir(), name);
            return garant_io_read_file(out_data, out_len, path, 1u << 20);
        }
        size_t n = strlen(rc->files[i].text);
        *out_data = malloc(n ? n : 1);
        if (!*out_data) return GARANT_ENOMEM;
        memcpy(*out_data, rc->files[i].text, n);
        *out_len = n;
        return 0;
    }
    return GARANT_EIO; /* the loader's code for a missing file */
}

static int load(garant_policy **pol, garant_diags **diags, const char *text, res_ctx *ctx)
{
    return garant_config_load(pol, diags, text, strlen(text), t_resource, ctx);
}

static void dump(const garant_diags *d)
{
    for (size_t i = 0; i < garant_diags_count(d); i++) {
        const garant_diag *g = garant_diags_get(d, i);
        print_message("    %d:%d: %s\n", g->line, g->column, g->message);
    }
}

/* Is there a finding on `line` whose message contains `needle`? */
static int has_diag(const garant_diags *d, int line, const char *needle)
{
    for (size_t i = 0; i < garant_diags_count(d); i++) {
        const garant_diag *g = garant_diags_get(d, i);
        if (g->line == line && strstr(g->message, needle)) return 1;
    }
    return 0;
}

static garant_target target(const garant_policy *pol, const char *plan, int prio,
                            const char *stage)
{
    garant_ticket_terms terms = {plan, prio, stage};
    garant_target t;
    int rc = garant_policy_target(&t, pol, &terms);
    if (rc) fail_msg("target(%s, %d): %s", plan, prio, garant_error_last());
    return t;
}

/* A minimal valid config; the broken cases below are variations of it. */
#define BASE_HEAD                                                              \
    "version: 1\n"                          /* 1 */                            \
    "calendars:\n"                          /* 2 */                            \
    "  office:\n"                           /* 3 */                            \
    "    timezone: Europe/Bratislava\n"     /* 4 */                            \
    "    hours:\n"                          /* 5 */                            \
    "      mon-fri: [\"09:00-17:00\"]\n"    /* 6 */
#define BASE_TAIL                                                              \
    "plans: [basic]\n"                      /* 7 */                            \
    "priorities:\n"                         /* 8 */                            \
    "  1: { name: Urgent }\n"               /* 9 */                            \
    "default_priority: 1\n"                 /* 10 */                           \
    "targets:\n"                            /* 11 */                           \
    "  basic:\n"                            /* 12 */                           \
    "    1: { within: 4h, calendar: office }\n" /* 13 */

/* ---- the shipped policy ------------------------------------------------- */

static void test_shipped_config(void **state)
{
    (void)state;
    garant_policy *pol = t_default_policy();
    assert_int_equal(garant_policy_plan_count(pol), 3);
    assert_string_equal(garant_policy_plan_name(pol, 0), "basic");
    assert_string_equal(garant_policy_plan_name(pol, 1), "professional");
    assert_string_equal(garant_policy_plan_name(pol, 2), "advanced");
    assert_int_equal(garant_policy_priority_count(pol), 3);
    assert_int_equal(garant_policy_default_priority(pol), 3);
    assert_string_equal(garant_policy_priority_name(pol, 1), "Business critical");
    assert_int_equal(garant_policy_priority_envs(pol, 1), GARANT_ENV_PRODUCTION);
    assert_int_equal(garant_policy_priority_envs(pol, 3), GARANT_ENV_ANY);
    assert_non_null(strstr(garant_policy_priority_definition(pol, 1), "complete loss of service"));
    /* Romanian names and definitions for the Romanian pages. */
    const char *tn = NULL, *td = NULL;
    assert_int_equal(garant_policy_priority_translation(pol, 1, "ro", &tn, &td), 0);
    assert_string_equal(tn, "Critic pentru afacere");
    assert_non_null(strstr(td, "pierdere completă a serviciului"));
    assert_int_equal(garant_policy_priority_translation(pol, 3, "ro", &tn, &td), 0);
    assert_string_equal(tn, "Problemă generală");
    assert_int_equal(garant_policy_priority_translation_count(pol, 2), 1);
    const char *lang = NULL;
    assert_int_equal(garant_policy_priority_translation_at(pol, 2, 0, &lang, &tn, &td), 0);
    assert_string_equal(lang, "ro");
    assert_string_equal(tn, "Serviciu degradat");
    assert_int_equal(garant_policy_priority_translation(pol, 1, "de", &tn, &td), GARANT_ENOTFOUND);
    assert_int_equal(garant_policy_priority_translation(pol, 9, "ro", &tn, &td), GARANT_ENOTFOUND);
    assert_int_equal(garant_policy_warning_permille(pol), 750);
    assert_int_equal(garant_policy_calendar_count(pol), 1);
    assert_string_equal(garant_calendar_name(garant_policy_display_calendar(pol)), "business");

    int exempt = 0;
    for (size_t i = 0; i < garant_policy_stage_count(pol); i++) {
        const char *s = garant_policy_stage_name(pol, i);
        int g = garant_policy_stage_guaranteed(pol, i);
        if (!strcmp(s, "ga")) assert_true(g);
        if (!strcmp(s, "beta") || !strcmp(s, "preview")) assert_false(g), exempt++;
    }
    assert_int_equal(exempt, 2);

    for (int p = 1; p <= 3; p++) assert_int_equal(target(pol, "basic", p, NULL).kind, GARANT_TARGET_NONE);
    static const struct {
        const char *plan;
        int prio;
        garant_target_kind kind;
        int64_t seconds;
    } want[] = {
        {"professional", 1, GARANT_TARGET_BUSINESS, 3 * 3600},
        {"professional", 2, GARANT_TARGET_BUSINESS, 6 * 3600},
        {"professional", 3, GARANT_TARGET_BUSINESS, 9 * 3600},
        {"advanced", 1, GARANT_TARGET_WALL, 1 * 3600},
        {"advanced", 2, GARANT_TARGET_BUSINESS, 3 * 3600},
        {"advanced", 3, GARANT_TARGET_BUSINESS, 6 * 3600},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        garant_target t = target(pol, want[i].plan, want[i].prio, NULL);
        assert_int_equal(t.kind, want[i].kind);
        assert_int_equal(t.seconds, want[i].seconds);
        if (t.kind == GARANT_TARGET_BUSINESS)
            assert_string_equal(garant_calendar_name(t.cal), "business");
        /* Exempt stages carry no guarantee on any plan. */
        assert_int_equal(target(pol, want[i].plan, want[i].prio, "beta").kind, GARANT_TARGET_NONE);
        assert_int_equal(target(pol, want[i].plan, want[i].prio, "preview").kind, GARANT_TARGET_NONE);
    }
    /* Priority 0 means the default (3). */
    assert_int_equal(target(pol, "professional", 0, "ga").seconds, 9 * 3600);
    garant_policy_free(pol);
}

/* The deadline a loaded policy gives, through the compiled calendar. */
static void test_shipped_deadlines(void **state)
{
    (void)state;
    garant_policy *pol = t_default_policy();
    garant_target t = target(pol, "professional", 1, NULL);
    int64_t due;
    /* Fri 27 Nov 2026 15:30 CET: 1 h 30 min left on Friday, 1 h 30 min
    ** from Mon 09:00 CET -> Mon 30 Nov 10:30 CET = 09:30 UTC. */
    assert_int_equal(garant_calendar_add(&due, t.cal, t_at("2026-11-27T15:30:00+01:00"), t.seconds), 0);
    assert_string_equal(t_fmt(due), "2026-11-30T09:30:00Z");
    /* Thu 24 Dec 2026 is a holiday, and so are 25 and 26: from Wed 23 Dec
    ** 16:00 CET, 1 h that day, then 2 h from Mon 28 Dec 09:00 CET. */
    assert_int_equal(garant_calendar_add(&due, t.cal, t_at("2026-12-23T16:00:00+01:00"), t.seconds), 0);
    assert_string_equal(t_fmt(due), "2026-12-28T10:00:00Z");
    /* Good Friday 2026 is 3 April, Easter Monday 6 April (CEST). */
    assert_false(garant_calendar_is_open(t.cal, t_at("2026-04-03T10:00:00+02:00")));
    assert_false(garant_calendar_is_open(t.cal, t_at("2026-04-06T10:00:00+02:00")));
    assert_true(garant_calendar_is_open(t.cal, t_at("2026-04-07T10:00:00+02:00")));
    garant_policy_free(pol);
}

/* A refused name lists the accepted ones, from the policy. */
static void test_refusals_list_names(void **state)
{
    (void)state;
    garant_policy *pol = t_default_policy();
    char buf[64];
    assert_string_equal(garant_policy_names(buf, sizeof buf, pol, GARANT_NAMES_PLANS), "basic, professional, advanced");
    assert_string_equal(garant_policy_names(buf, sizeof buf, pol, GARANT_NAMES_STAGES), "ga, beta, preview");
    assert_string_equal(garant_policy_names(buf, sizeof buf, pol, GARANT_NAMES_CALENDARS), "business");
    /* Cut to fit, and said so. */
    assert_string_equal(garant_policy_names(buf, 12, pol, GARANT_NAMES_PLANS), "basic, p...");
    garant_target t;
    garant_ticket_terms terms = {"Professional", 1, NULL};
    assert_int_equal(garant_policy_target(&t, pol, &terms), GARANT_ENOTFOUND);
    assert_string_equal(garant_error_last(), "unknown plan 'Professional' (plans: basic, professional, advanced)");
    garant_ticket_terms staged = {"professional", 1, "alpha\n"};
    assert_int_equal(garant_policy_target(&t, pol, &staged), GARANT_ENOTFOUND);
    assert_string_equal(garant_error_last(), "unknown product stage 'alpha?' (stages: ga, beta, preview)");
    /* One priority check for every door. */
    assert_int_equal(garant_policy_check_priority(pol, 2), 0);
    assert_int_equal(garant_policy_check_priority(pol, 4), GARANT_EINVAL);
    assert_string_equal(garant_error_last(), "priority 4 is not defined (priorities: 1, 2, 3)");
    assert_int_equal(garant_policy_check_priority(pol, -1099511627776LL), GARANT_EINVAL);
    /* Why there is no guarantee, from the policy. */
    char why[128];
    garant_ticket_terms basic = {"basic", 1, NULL}, beta = {"advanced", 1, "beta"}, pro = {"professional", 0, NULL};
    assert_string_equal(garant_policy_no_guarantee_reason(why, sizeof why, pol, &basic),
                        "plan 'basic' guarantees no response time for priority 1");
    assert_string_equal(garant_policy_no_guarantee_reason(why, sizeof why, pol, &beta),
                        "products in stage 'beta' carry no guaranteed response time");
    assert_string_equal(garant_policy_no_guarantee_reason(why, sizeof why, pol, &pro), "");
    garant_policy_free(pol);
}

/* The embedded copy the binary falls back to reads the same. */
static void test_embedded_default(void **state)
{
    (void)state;
    garant_policy *pol;
    garant_diags *d;
    assert_int_equal(garant_io_load_policy(&pol, &d, NULL), 0);
    assert_int_equal(garant_diags_count(d), 0);
    assert_int_equal(garant_policy_plan_count(pol), 3);
    garant_diags_free(d);
    garant_policy_free(pol);
}

static void test_minimal_config(void **state)
{
    (void)state;
    garant_policy *pol;
    garant_diags *d;
    int rc = load(&pol, &d, BASE_HEAD BASE_TAIL, NULL);
    if (rc) dump(d);
    assert_int_equal(rc, 0);
    assert_int_equal(garant_diags_count(d), 0);
    /* No `stages`: "ga" is implied and guaranteed. */
    assert_int_equal(garant_policy_stage_count(pol), 1);
    assert_string_equal(garant_policy_stage_name(pol, 0), "ga");
    /* Defaults: all environments, 75 %. */
    assert_int_equal(garant_policy_priority_envs(pol, 1), GARANT_ENV_ANY);
    assert_int_equal(garant_policy_warning_permille(pol), 750);
    garant_target t = target(pol, "basic", 1, NULL);
    assert_int_equal(t.kind, GARANT_TARGET_BUSINESS);
    assert_int_equal(t.seconds, 4 * 3600);
    garant_diags_free(d);
    garant_policy_free(pol);
}

/* Syntax variants that must be accepted. */
static void test_accepted_forms(void **state)
{
    (void)state;
    static const char text[] =
        "version: 1\n"
        "calendars:\n"
        "  cet:\n"
        "    timezone: Europe/Bratislava\n"
        "    hours:\n"
        "      Monday-Wednesday: [\"9:00-12:00\", \"13:00 - 17:00\"]\n"
        "      thu: \"08:00-24:00\"\n"
        "      friday: []\n"
        "    holidays:\n"
        "      - { name: Leap, date: \"02-29\" }\n"
        "      - { name: Once, date: 2027-03-01, closed: \"12:00-24:00\" }\n"
        "      - { name: Ash Wednesday, easter: -46 }\n"
        "    years: 2020-2040\n"
        "  utc:\n"
        "    timezone: UTC\n"
        "    hours: { sat-sun: [\"00:00-24:00\"] }\n"
        "  always: { always_open: true }\n"
        "plans: [a, b-2, c_3]\n"
        "priorities:\n"
        "  2: { name: Two, definition: \"Second\", environments: [staging, development] }\n"
        "  9: { name: Nine }\n"
        "default_priority: 9\n"
        "stages: { ga: { guaranteed: true }, rc: { guaranteed: False } }\n"
        "targets:\n"
        "  a: { 2: { within: 1h30m, calendar: cet }, 9: { within: 2d, calendar: utc } }\n"
        "  b-2: { 2: { within: 45s, calendar: \"24/7\" }, 9: { within: 1d2h3m4s, calendar: always } }\n"
        "  c_3: { 2: none, 9: \"none\" }\n"
        "warning_at: 72.5%\n"
        "display_calendar: utc\n";
    garant_policy *pol;
    garant_diags *d;
    int rc = load(&pol, &d, text, NULL);
    if (rc) dump(d);
    assert_int_equal(rc, 0);
    assert_int_equal(garant_policy_warning_permille(pol), 725);
    assert_string_equal(garant_calendar_name(garant_policy_display_calendar(pol)), "utc");
    assert_int_equal(garant_policy_priority_envs(pol, 2), GARANT_ENV_STAGING | GARANT_ENV_DEVELOPMENT);
    assert_int_equal(target(pol, "a", 2, NULL).seconds, 5400);
    assert_int_equal(target(pol, "a", 9, NULL).seconds, 2 * 86400);
    assert_int_equal(target(pol, "b-2", 2, NULL).kind, GARANT_TARGET_WALL);
    assert_int_equal(target(pol, "b-2", 2, NULL).seconds, 45);
    assert_int_equal(target(pol, "b-2", 9, NULL).seconds, 86400 + 2 * 3600 + 3 * 60 + 4);
    assert_int_equal(target(pol, "c_3", 9, NULL).kind, GARANT_TARGET_NONE);
    assert_int_equal(target(pol, "a", 2, "rc").kind, GARANT_TARGET_NONE);

    const garant_calendar *cet = garant_policy_calendar(pol, "cet");
    assert_non_null(cet);
    /* Tue 1 Dec 2026: open 09-12 and 13-17 CET, closed over lunch. */
    assert_true(garant_calendar_is_open(cet, t_at("2026-12-01T11:59:00+01:00")));
    assert_false(garant_calendar_is_open(cet, t_at("2026-12-01T12:30:00+01:00")));
    assert_true(garant_calendar_is_open(cet, t_at("2026-12-01T16:59:00+01:00")));
    /* Thursday to midnight; Friday closed. */
    assert_true(garant_calendar_is_open(cet, t_at("2026-12-03T23:59:00+01:00")));
    assert_false(garant_calendar_is_open(cet, t_at("2026-12-04T10:00:00+01:00")));
    /* Mon 1 Mar 2027 closes at noon; 29 Feb 2028 (Tue) is closed. */
    assert_true(garant_calendar_is_open(cet, t_at("2027-03-01T11:00:00+01:00")));
    assert_false(garant_calendar_is_open(cet, t_at("2027-03-01T12:00:00+01:00")));
    assert_false(garant_calendar_is_open(cet, t_at("2028-02-29T10:00:00+01:00")));
    /* years: 2020-2040 -> 2041 is out of range. */
    int64_t due;
    assert_int_equal(garant_calendar_add(&due, cet, t_at("2041-06-01T10:00:00Z"), 60), GARANT_ERANGE);
    garant_diags_free(d);
    garant_policy_free(pol);
}

/* signup.freemail_domains: any case in, lower case out, wildcards kept;
** no key means no extra domains. */
static void test_signup_freemail(void **state)
{
    (void)state;
    garant_policy *pol;
    garant_diags *d;
    int rc = load(&pol, &d, BASE_HEAD BASE_TAIL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(garant_policy_freemail_count(pol), 0);
    assert_null(garant_policy_freemail_domain(pol, 0));
    garant_diags_free(d);
    garant_policy_free(pol);

    rc = load(&pol, &d,
              BASE_HEAD BASE_TAIL "signup:\n"
                                  "  freemail_domains:\n"
                                  "    - FreeBie.Example\n"
                                  "    - \"webmail.*\"\n"
                                  "    - mx-1.corp-mail.example\n"
                                  "    - xn--bcher-kva.example\n",
              NULL);
    if (rc) dump(d);
    assert_int_equal(rc, 0);
    assert_int_equal(garant_policy_freemail_count(pol), 4);
    assert_string_equal(garant_policy_freemail_domain(pol, 0), "freebie.example");
    assert_string_equal(garant_policy_freemail_domain(pol, 1), "webmail.*");
    assert_string_equal(garant_policy_freemail_domain(pol, 2), "mx-1.corp-mail.example");
    assert_string_equal(garant_policy_freemail_domain(pol, 3), "xn--bcher-kva.example");
    /* A validated policy no longer changes. */
    assert_int_equal(garant_policy_add_freemail_domain(pol, "late.example"), GARANT_EINVAL);
    garant_diags_free(d);
    garant_policy_free(pol);

    /* An empty list and an empty signup mapping are fine. */
    rc = load(&pol, &d, BASE_HEAD BASE_TAIL "signup: { freemail_domains: [] }\n", NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(garant_policy_freemail_count(pol), 0);
    garant_diags_free(d);
    garant_policy_free(pol);
    rc = load(&pol, &d, BASE_HEAD BASE_TAIL "signup: {}\n", NULL);
    assert_int_equal(rc, 0);
    garant_diags_free(d);
    garant_policy_free(pol);

    /* Every bad entry is reported, each on its line. */
    rc = load(&pol, &d,
              BASE_HEAD BASE_TAIL "signup:\n"            /* 14 */
                                  "  freemail_domains:\n" /* 15 */
                                  "    - ok.example\n"    /* 16 */
                                  "    - no_good.example\n" /* 17 */
                                  "    - nodot\n"         /* 18 */
                                  "    - " "a234567890123456789012345678901234567890123456789012345678901234.example\n", /* 19 */
              NULL);
    assert_int_equal(rc, GARANT_ECONFIG);
    assert_null(pol);
    assert_true(has_diag(d, 17, "'no_good.example' contains '_'"));
    assert_true(has_diag(d, 18, "'nodot' needs a dot"));
    assert_true(has_diag(d, 19, "has a label longer than 63 bytes"));
    assert_int_equal(garant_diags_count(d), 3);
    garant_diags_free(d);

    /* Built by hand: the same checks, and the ceiling. */
    assert_int_equal(garant_policy_new(&pol), 0);
    assert_int_equal(garant_policy_add_freemail_domain(pol, "a.example"), 0);
    assert_int_equal(garant_policy_add_freemail_domain(pol, "A.EXAMPLE"), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "'a.example' is listed twice"));
    assert_int_equal(garant_policy_add_freemail_domain(pol, NULL), GARANT_EINVAL);
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(garant_policy_add_freemail_domain(pol, big), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "is longer than 253 bytes"));
    for (int i = 1; i < GARANT_POLICY_MAX_FREEMAIL; i++) {
        char name[32];
        snprintf(name, sizeof name, "d%d.example", i);
        assert_int_equal(garant_policy_add_freemail_domain(pol, name), 0);
    }
    assert_int_equal(garant_policy_freemail_count(pol), GARANT_POLICY_MAX_FREEMAIL);
    assert_int_equal(garant_policy_add_freemail_domain(pol, "one-more.example"), GARANT_ELIMIT);
    garant_policy_free(pol);

    /* The config says so before the policy would. */
    size_t cap = 64 * 1024, o;
    char *text = malloc(cap);
    assert_non_null(text);
    o = (size_t)snprintf(text, cap, "%s", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains:\n");
    for (int i = 0; i <= GARANT_POLICY_MAX_FREEMAIL; i++)
        o += (size_t)snprintf(text + o, cap - o, "    - d%d.example\n", i);
    assert_int_equal(garant_config_load(&pol, &d, text, o, t_resource, NULL), GARANT_ECONFIG);
    assert_true(has_diag(d, 16, "signup: freemail_domains: more than 1000 entries"));
    garant_diags_free(d);
    free(text);
}

/* ---- broken configs ----------------------------------------------------- */

typedef struct bad_case {
    const char *what;
    const char *text;
    int line;            /* where the finding must be */
    const char *needle;  /* and what its message must say */
} bad_case;

static const bad_case bad_cases[] = {
    {"minute out of range", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      monday: [\"09:00-24:61\"]\n" BASE_TAIL,
     6, "hours 'monday': \"09:00-24:61\": minute 61 is out of range"},
    {"hour out of range", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      mon-fri: [\"25:00-26:00\"]\n" BASE_TAIL,
     6, "hour 25 is out of range"},
    {"24:30", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      mon-fri: [\"09:00-24:30\"]\n" BASE_TAIL,
     6, "24:30 is past the end of the day"},
    {"start after end", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      mon-fri: [\"17:00-09:00\"]\n" BASE_TAIL,
     6, "start 17:00 is not before end 09:00"},
    {"not a window", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      mon-fri: [\"9 to 5\"]\n" BASE_TAIL,
     6, "expected \"HH:MM-HH:MM\""},
    {"unknown weekday", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      funday: [\"09:00-17:00\"]\n" BASE_TAIL,
     6, "unknown weekday 'funday'"},
    {"backwards range", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      friday-monday: [\"09:00-17:00\"]\n" BASE_TAIL,
     6, "runs backwards"},
    {"overlapping windows", BASE_HEAD "      wednesday: [\"16:00-18:00\"]\n" BASE_TAIL,
     7, "\"16:00-18:00\" overlaps \"09:00-17:00\" of 'mon-fri' (line 6, column 17) on wednesday"},
    {"yearly date that never exists", BASE_HEAD
     "    holidays:\n      - { name: Nope, date: \"02-30\" }\n" BASE_TAIL,
     8, "holiday 'Nope': date \"02-30\": February has no day 30"},
    {"one-off date that does not exist", BASE_HEAD
     "    holidays:\n      - { name: Nope, date: 2026-02-29 }\n" BASE_TAIL,
     8, "February 2026 has no day 29"},
    {"month 13", BASE_HEAD "    holidays:\n      - { name: Nope, date: \"13-01\" }\n" BASE_TAIL,
     8, "month 13 is out of range"},
    {"date and easter", BASE_HEAD
     "    holidays:\n      - { name: Both, date: \"01-01\", easter: 1 }\n" BASE_TAIL,
     8, "either date or easter, not both"},
    {"holiday without name", BASE_HEAD "    holidays:\n      - { date: \"01-01\" }\n" BASE_TAIL,
     8, "missing key 'name'"},
    {"bad closed window", BASE_HEAD
     "    holidays:\n      - { name: Eve, date: \"12-24\", closed: \"12:00\" }\n" BASE_TAIL,
     8, "closed \"12:00\": expected \"HH:MM-HH:MM\""},
    {"unknown zone", "version: 1\ncalendars:\n  office:\n    timezone: Mars/Olympus_Mons\n"
     "    hours:\n      mon-fri: [\"09:00-17:00\"]\n" BASE_TAIL,
     4, "unknown time zone 'Mars/Olympus_Mons'"},
    {"missing timezone", "version: 1\ncalendars:\n  office:\n"
     "    hours:\n      mon-fri: [\"09:00-17:00\"]\n" BASE_TAIL,
     4, "missing key 'timezone'"},
    {"bad years", BASE_HEAD "    years: 1970\n" BASE_TAIL, 7, "expected \"FROM-TO\""},
    {"always_open with hours", BASE_HEAD "    always_open: true\n" BASE_TAIL,
     5, "'hours' cannot be combined with always_open: true"},
    {"24/7 redefined", BASE_HEAD "  \"24/7\": { always_open: true }\n" BASE_TAIL,
     7, "'24/7' is built in"},
    {"duplicate calendar", BASE_HEAD "  office: { always_open: true }\n" BASE_TAIL,
     7, "'office' appears twice (first at line 3, column 3)"},
    {"unknown top-level key", BASE_HEAD BASE_TAIL "colour: red\n", 14, "unknown key 'colour'"},
    {"unknown calendar key", BASE_HEAD "    timezon: UTC\n" BASE_TAIL, 7, "unknown key 'timezon'"},
    {"duplicate top-level key", BASE_HEAD BASE_TAIL "plans: [pro]\n", 14,
     "key 'plans' appears twice (first at line 7, column 1)"},
    {"plans not a list", BASE_HEAD "plans: basic\n" "priorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     7, "plans: expected a list, got 'basic'"},
    {"bad plan name", BASE_HEAD "plans: [Basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  Basic:\n    1: none\n",
     7, "plan name 'Basic' must be"},
    {"priority level out of range", BASE_HEAD "plans: [basic]\npriorities:\n  10: { name: Ten }\n"
     "  1: { name: Urgent }\ndefault_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority level 10 is out of range (1-9)"},
    {"priority level not a number", BASE_HEAD "plans: [basic]\npriorities:\n  high: { name: High }\n"
     "  1: { name: Urgent }\ndefault_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority level 'high' is not a number"},
    {"unknown environment", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent, environments: [prod] }\ndefault_priority: 1\n"
     "targets:\n  basic:\n    1: none\n",
     9, "unknown environment 'prod'"},
    {"default priority not declared", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent }\ndefault_priority: 2\ntargets:\n  basic:\n    1: none\n",
     10, "default_priority: priority 2 is not declared"},
    {"stage not a bool", BASE_HEAD BASE_TAIL "stages:\n  beta: { guaranteed: no }\n",
     15, "expected true or false, got 'no'"},
    {"target for unknown plan", BASE_HEAD BASE_TAIL "  gold:\n    1: none\n",
     14, "unknown plan 'gold'"},
    {"target for undeclared priority", BASE_HEAD BASE_TAIL "    2: none\n",
     14, "priority 2 is not declared under priorities"},
    {"target on unknown calendar", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: { within: 1h, calendar: shop }\n",
     13, "unknown calendar 'shop' (calendars: office, 24/7)"},
    {"missing target", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "  2: { name: Normal }\ndefault_priority: 1\ntargets:\n  basic:\n    1: none\n",
     13, "targets 'basic': no target for priority 2"},
    {"plan without targets", BASE_HEAD "plans: [basic, pro]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     12, "plan 'pro' has no targets"},
    {"never-open calendar", "version: 1\ncalendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours: {}\n" "\n" BASE_TAIL,
     13, "calendar 'office' is never open but targets count business hours on it"},
    {"translation language", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent, translations: { Romanian: { name: Urgent } } }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority 1: translations: 'Romanian' is not a language code like ro or pt-br"},
    {"translation without a name", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent, translations: { ro: { definition: Doar producție } } }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority 1, translation 'ro': missing key 'name'"},
    {"translation with an unknown key", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent, translations: { ro: { nume: Urgent } } }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority 1, translation 'ro': unknown key 'nume'"},
    {"translations not a map", BASE_HEAD "plans: [basic]\npriorities:\n"
     "  1: { name: Urgent, translations: [ro] }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     9, "priority 1: translations"},
    {"zero duration", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: { within: 0h, calendar: office }\n",
     13, "within \"0h\": must be longer than zero"},
    {"duration without unit", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: { within: 90, calendar: office }\n",
     13, "expected a duration like 90m, 3h, 1h30m or 2d"},
    {"duration over a year", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: { within: 366d, calendar: office }\n",
     13, "is longer than 365 days"},
    {"target is not none", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: never\n",
     13, "expected none or { within: DURATION, calendar: NAME }, got 'never'"},
    {"warning_at without %", BASE_HEAD BASE_TAIL "warning_at: 75\n", 14, "expected a percentage like 75%"},
    {"warning_at out of range", BASE_HEAD BASE_TAIL "warning_at: 0%\n", 14, "out of range (1%-99%)"},
    {"display calendar unknown", BASE_HEAD BASE_TAIL "display_calendar: shop\n", 14,
     "'shop' is not a calendar defined under calendars"},
    {"version 2", "version: 2\n" "calendars:\n  office:\n    timezone: Europe/Bratislava\n"
     "    hours:\n      mon-fri: [\"09:00-17:00\"]\n" BASE_TAIL,
     1, "this garant reads version 1 configs"},
    {"missing targets", BASE_HEAD "plans: [basic]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\n", 1, "missing key 'targets'"},
    {"YAML syntax error", BASE_HEAD "plans: [basic\npriorities:\n", 8, "YAML syntax error"},
    {"tab indentation", "version: 1\nplans:\n\t- basic\n", 3, "YAML syntax error"},
    {"control character", "version: 1\nplans: [\"a\x01\"]\n", 2, "YAML syntax error"},
    {"empty document", "", 1, "the configuration is empty"},
    {"only comments", "# nothing here\n\n", 1, "the configuration is empty"},
    {"empty explicit document", "---\n...\n", 1, "the configuration is empty"},
    {"two documents", BASE_HEAD BASE_TAIL "---\nversion: 1\n", 14, "one YAML document"},
    {"top level is a list", "- version: 1\n", 1, "the top level: expected a mapping, got a list"},
    {"signup not a mapping", BASE_HEAD BASE_TAIL "signup: [freebie.example]\n", 14,
     "signup: expected a mapping, got a list"},
    {"unknown signup key", BASE_HEAD BASE_TAIL "signup:\n  freemail: [freebie.example]\n", 15,
     "signup: unknown key 'freemail' (known: freemail_domains)"},
    {"freemail_domains not a list", BASE_HEAD BASE_TAIL "signup: { freemail_domains: freebie.example }\n", 14,
     "signup: freemail_domains: expected a list, got 'freebie.example'"},
    {"freemail domain with '_'", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [ac_me.example]\n", 15,
     "signup: freemail_domains: 'ac_me.example' contains '_', which is not allowed in a domain name"},
    {"freemail domain with a space", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [\"free mail.example\"]\n", 15,
     "'free mail.example' contains a space"},
    {"freemail domain without a dot", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [localhost]\n", 15,
     "'localhost' needs a dot (like example.com), or '.*' after a provider's name"},
    {"freemail IP address", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [\"10.0.0.1\"]\n", 15,
     "'10.0.0.1' is an IP address, not a domain name"},
    {"freemail empty label", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [free..example]\n", 15,
     "'free..example' has an empty label"},
    {"freemail label starting with '-'", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [-free.example]\n", 15,
     "'-free.example' has a label starting with '-'"},
    {"freemail non-ASCII", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [b\xc3\xbc" "cher.example]\n", 15,
     "'b??cher.example' has non-ASCII characters: use its xn-- (punycode) form"},
    {"freemail wildcard of two labels", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [\"mail.co.*\"]\n", 15,
     "'mail.co.*': a wildcard entry is one label followed by '.*'"},
    {"freemail leading wildcard", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [\"*.gmail.example\"]\n", 15,
     "'*.gmail.example': '*' may only end an entry"},
    {"freemail entry not text", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [{ x: y }]\n", 15,
     "signup: freemail_domains: expected text, got a mapping"},
    {"freemail entry empty", BASE_HEAD BASE_TAIL "signup:\n  freemail_domains: [\"\"]\n", 15,
     "a free-mail domain is empty"},
    {"freemail domain twice", BASE_HEAD BASE_TAIL
     "signup:\n  freemail_domains:\n    - freebie.example\n    - FreeBie.Example\n", 17,
     "'FreeBie.Example' is listed twice (first at line 16, column 7)"},
    {"NUL in a name", BASE_HEAD "plans: [\"ba\\0sic\"]\npriorities:\n  1: { name: Urgent }\n"
     "default_priority: 1\ntargets:\n  basic:\n    1: none\n",
     7, "contains a NUL character"},
};

static void check_case(const bad_case *c, size_t *n_checked)
{
    garant_policy *pol = (garant_policy *)1;
    garant_diags *d = NULL;
    int rc = load(&pol, &d, c->text, NULL);
    if (rc != GARANT_ECONFIG || pol != NULL || !has_diag(d, c->line, c->needle)) {
        print_message("case '%s': rc %d, want a finding on line %d with \"%s\"; got:\n", c->what,
                      rc, c->line, c->needle);
        dump(d);
        fail();
    }
    /* Every finding has a place, except whole-file ones. */
    for (size_t i = 0; i < garant_diags_count(d); i++) {
        const garant_diag *g = garant_diags_get(d, i);
        assert_true(g->line >= 1);
        assert_true(g->column >= 1);
        assert_true(strlen(g->message) > 0);
    }
    /* The error message names the first finding. */
    assert_non_null(strstr(garant_error_last(), "line "));
    garant_diags_free(d);
    ++*n_checked;
}

static void test_broken_configs(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) check_case(&bad_cases[i], &n);
    print_message("    %zu broken configs checked\n", n);
    assert_true(n >= 50);
}

/* All problems come out at once, sorted by position. */
static void test_many_findings(void **state)
{
    (void)state;
    static const char text[] =
        "version: 1\n"                                          /* 1 */
        "calendars:\n"                                          /* 2 */
        "  office:\n"                                           /* 3 */
        "    timezone: Nowhere/Land\n"                          /* 4 */
        "    hours:\n"                                          /* 5 */
        "      mon: [\"08:00-12:00\", \"11:00-13:00\"]\n"       /* 6 */
        "      tue: [\"08:00-12:61\"]\n"                        /* 7 */
        "plans: [basic, basic]\n"                               /* 8 */
        "priorities:\n"                                         /* 9 */
        "  1: { name: Urgent, colour: red }\n"                  /* 10 */
        "default_priority: 4\n"                                 /* 11 */
        "targets:\n"                                            /* 12 */
        "  basic:\n"                                            /* 13 */
        "    1: { within: 3x, calendar: office }\n"             /* 14 */
        "warning_at: 150%\n";                                   /* 15 */
    garant_policy *pol;
    garant_diags *d;
    assert_int_equal(load(&pol, &d, text, NULL), GARANT_ECONFIG);
    assert_null(pol);
    static const struct {
        int line;
        const char *needle;
    } want[] = {
        {4, "unknown time zone 'Nowhere/Land'"},
        {6, "\"11:00-13:00\" overlaps \"08:00-12:00\""},
        {7, "minute 61 is out of range"},
        {8, "'basic' is listed twice"},
        {10, "unknown key 'colour'"},
        {11, "priority 4 is not declared"},
        {14, "within \"3x\""},
        {15, "150% is out of range"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!has_diag(d, want[i].line, want[i].needle)) {
            dump(d);
            fail_msg("no finding on line %d with \"%s\"", want[i].line, want[i].needle);
        }
    }
    assert_int_equal(garant_diags_count(d), sizeof want / sizeof want[0]);
    for (size_t i = 1; i < garant_diags_count(d); i++) {
        const garant_diag *a = garant_diags_get(d, i - 1), *b = garant_diags_get(d, i);
        assert_true(a->line < b->line || (a->line == b->line && a->column <= b->column));
    }
    assert_non_null(strstr(garant_error_last(), "8 problems"));
    assert_null(garant_diags_get(d, garant_diags_count(d)));
    garant_diags_free(d);
}

/* Ceilings: size, depth, number of findings; out_diags may be NULL. */
static void test_limits(void **state)
{
    (void)state;
    garant_policy *pol;
    garant_diags *d;
    size_t big = (1u << 20) + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    assert_int_equal(garant_config_load(&pol, &d, text, big, t_resource, NULL), GARANT_ELIMIT);
    assert_null(pol);
    assert_int_equal(garant_diags_count(d), 1);
    garant_diags_free(d);

    /* 10,000 nested lists. */
    memset(text, '[', 10000);
    assert_int_equal(garant_config_load(&pol, &d, text, 10000, t_resource, NULL), GARANT_ECONFIG);
    assert_true(has_diag(d, 1, "nested deeper than"));
    garant_diags_free(d);

    /* 1,000 broken plan names: the list is capped and says so. */
    size_t o = (size_t)snprintf(text, big, "version: 1\nplans: [basic]\nstages:\n");
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(text + o, big - o, "  s%d: { guaranteed: maybe }\n", i);
    assert_int_equal(garant_config_load(&pol, &d, text, o, t_resource, NULL), GARANT_ECONFIG);
    size_t n = garant_diags_count(d);
    assert_true(n > 1 && n <= 201);
    garant_diags_free(d);

    /* No diags wanted, no resource reader given. */
    assert_int_equal(garant_config_load(&pol, NULL, BASE_HEAD BASE_TAIL,
                                        strlen(BASE_HEAD BASE_TAIL), NULL, NULL),
                     GARANT_ECONFIG);
    assert_non_null(strstr(garant_error_last(), "no resource reader"));
    assert_int_equal(garant_config_load(&pol, NULL, NULL, 0, NULL, NULL), GARANT_ECONFIG);
    free(text);

    /* Aliases that point back at themselves cannot make the reader loop. */
    static const char cyclic[] = "version: 1\nplans: &a [*a]\ncalendars: &b { x: *b }\n";
    assert_int_equal(load(&pol, &d, cyclic, NULL), GARANT_ECONFIG);
    assert_true(has_diag(d, 2, "plans: expected text, got a list"));
    garant_diags_free(d);
    garant_diags_free(NULL);
    assert_int_equal(garant_diags_count(NULL), 0);
}

/* ---- iCalendar ---------------------------------------------------------- */

static char *read_data(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/core/data/%s", t_source_dir(), name);
    uint8_t *data;
    if (garant_io_read_file(&data, len, path, 1u << 20)) fail_msg("%s", garant_error_last());
    return (char *)data;
}

static void test_ics_fixture(void **state)
{
    (void)state;
    size_t len, n;
    char *text = read_data("holidays-sk.ics", &len);
    garant_calendar_spec *spec;
    assert_int_equal(garant_calspec_new(&spec, "sk"), 0);
    assert_int_equal(garant_ics_add_holidays(&n, spec, text, len), 0);
    /* 9 yearly one-day holidays, Christmas (3 days, yearly), Good Friday
    ** and Easter Monday 2026, the party afternoon; the cancelled event and
    ** the UTC webinar are skipped. */
    assert_int_equal(n, 15);
    assert_int_equal(garant_calspec_holiday_count(spec), 15);
    size_t fixed = 0, dated = 0, partial = 0;
    int christmas = 0;
    for (size_t i = 0; i < n; i++) {
        const garant_holiday *h = garant_calspec_holiday(spec, i);
        if (h->kind == GARANT_HOLIDAY_FIXED) fixed++;
        if (h->kind == GARANT_HOLIDAY_DATE) dated++;
        if (h->closed_from_min != 0 || h->closed_to_min != GARANT_DAY_MIN) {
            partial++;
            assert_int_equal(h->year, 2026);
            assert_int_equal(h->month, 12);
            assert_int_equal(h->day, 18);
            assert_int_equal(h->closed_from_min, 13 * 60);
            assert_int_equal(h->closed_to_min, 17 * 60);
        }
        if (h->kind == GARANT_HOLIDAY_FIXED && h->month == 12 && h->day >= 24 && h->day <= 26)
            christmas++;
        if (h->kind == GARANT_HOLIDAY_DATE && h->month == 4 && h->day == 6) {
            assert_int_equal(h->year, 2026);
            assert_string_equal(h->name, "Veľkonočný pondelok");
        }
    }
    assert_int_equal(fixed, 12);
    assert_int_equal(dated, 3);
    assert_int_equal(partial, 1);
    assert_int_equal(christmas, 3);
    garant_calspec_free(spec);
    free(text);
}

typedef struct ics_case {
    const char *what;
    const char *body;     /* between BEGIN:VCALENDAR and END:VCALENDAR */
    int rc;
    size_t n;             /* closures added on success */
    const char *needle;   /* in the error message on failure */
} ics_case;

static void test_ics_cases(void **state)
{
    (void)state;
    static const ics_case cases[] = {
        {"yearly with COUNT expands", "BEGIN:VEVENT\r\nSUMMARY:Three\r\nDTSTART;VALUE=DATE:20260101\r\n"
         "RRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:20270101\r\nEND:VEVENT\r\n", 0, 2, NULL},
        {"daily with UNTIL", "BEGIN:VEVENT\r\nSUMMARY:Week\r\nDTSTART;VALUE=DATE:20260105\r\n"
         "RRULE:FREQ=DAILY;UNTIL=20260109\r\nEND:VEVENT\r\n", 0, 5, NULL},
        {"multi-day", "BEGIN:VEVENT\r\nSUMMARY:Closed\r\nDTSTART;VALUE=DATE:20261228\r\n"
         "DTEND;VALUE=DATE:20270102\r\nEND:VEVENT\r\n", 0, 5, NULL},
        {"floating night across midnight", "BEGIN:VEVENT\r\nSUMMARY:Move\r\nDTSTART:20261231T220000\r\n"
         "DURATION:PT4H\r\nEND:VEVENT\r\n", 0, 2, NULL},
        {"TZID timed event skipped", "BEGIN:VEVENT\r\nSUMMARY:Meeting\r\n"
         "DTSTART;TZID=Europe/Bratislava:20261201T100000\r\nDTEND;TZID=Europe/Bratislava:20261201T110000\r\n"
         "END:VEVENT\r\n", 0, 0, NULL},
        {"no events", "", 0, 0, NULL},
        {"open-ended non-yearly rule", "BEGIN:VEVENT\r\nSUMMARY:Thanksgiving\r\nDTSTART;VALUE=DATE:20261126\r\n"
         "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\r\nEND:VEVENT\r\n", GARANT_EINVAL, 0,
         "event 'Thanksgiving': only RRULE:FREQ=YEARLY"},
        {"unparsable date", "BEGIN:VEVENT\r\nSUMMARY:Bad\r\nDTSTART;VALUE=DATE:2026xx01\r\nEND:VEVENT\r\n",
         GARANT_EINVAL, 0, "event 'Bad'"},
        {"no DTSTART", "BEGIN:VEVENT\r\nSUMMARY:Lost\r\nEND:VEVENT\r\n", GARANT_EINVAL, 0,
         "event 'Lost' has no DTSTART"},
        {"ends before start", "BEGIN:VEVENT\r\nSUMMARY:Back\r\nDTSTART;VALUE=DATE:20260105\r\n"
         "DTEND;VALUE=DATE:20260101\r\nEND:VEVENT\r\n", GARANT_EINVAL, 0, "ends before it starts"},
        {"too long", "BEGIN:VEVENT\r\nSUMMARY:Sabbatical\r\nDTSTART;VALUE=DATE:20260101\r\n"
         "DTEND;VALUE=DATE:20280101\r\nEND:VEVENT\r\n", GARANT_EINVAL, 0, "spans more than 366 days"},
        {"runaway rule", "BEGIN:VEVENT\r\nSUMMARY:Daily\r\nDTSTART;VALUE=DATE:20260101\r\n"
         "RRULE:FREQ=DAILY;COUNT=5000\r\nEND:VEVENT\r\n", GARANT_ELIMIT, 0, "more than 1000 occurrences"},
        {"mixed DTSTART and DTEND", "BEGIN:VEVENT\r\nSUMMARY:Mixed\r\nDTSTART;VALUE=DATE:20260101\r\n"
         "DTEND:20260102T100000\r\nEND:VEVENT\r\n", GARANT_EINVAL, 0, "not of the same kind"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//garant//test//EN\r\n%s"
                 "END:VCALENDAR\r\n", cases[i].body);
        garant_calendar_spec *spec;
        assert_int_equal(garant_calspec_new(&spec, "t"), 0);
        size_t n = 99;
        int rc = garant_ics_add_holidays(&n, spec, text, strlen(text));
        if (rc != cases[i].rc || (rc == 0 && n != cases[i].n) ||
            (rc && !strstr(garant_error_last(), cases[i].needle)))
            fail_msg("ics case '%s': rc %d n %zu: %s", cases[i].what, rc, n, garant_error_last());
        /* A failed feed leaves the spec alone. */
        if (rc) assert_int_equal(garant_calspec_holiday_count(spec), 0);
        garant_calspec_free(spec);
    }
    /* Not iCalendar at all. */
    garant_calendar_spec *spec;
    size_t n;
    assert_int_equal(garant_calspec_new(&spec, "t"), 0);
    static const char *const junk[] = {"", "hello", "BEGIN:VCARD\r\nEND:VCARD\r\n",
                                       "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
                                       "version: 1\nplans: [a]\n",
                                       "BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                                       "BEGIN:VCALENDAR\r\nBEGIN:X\r\nBEGIN:X\r\nBEGIN:X\r\nBEGIN:X\r\n"
                                       "BEGIN:X\r\nBEGIN:X\r\nBEGIN:X\r\nBEGIN:X\r\nBEGIN:X\r\n",
                                       "BEGIN:VCALENDAR\rEND:VCALENDAR\r"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(garant_ics_add_holidays(&n, spec, junk[i], strlen(junk[i])), GARANT_EINVAL);
    assert_int_equal(garant_ics_add_holidays(&n, spec, "BEGIN:VCALENDAR\0", 16), GARANT_EINVAL);
    garant_calspec_free(spec);
}

/* `holidays_ics` through the resource callback, next to inline holidays. */
static void test_holidays_ics_in_config(void **state)
{
    (void)state;
    static const char text[] =
        "version: 1\n"
        "calendars:\n"
        "  sk:\n"
        "    timezone: Europe/Bratislava\n"
        "    hours: { monday-friday: [\"09:00-17:00\"] }\n"
        "    holidays:\n"
        "      - { name: Company day, date: \"2026-06-12\" }\n"
        "    holidays_ics: [holidays-sk.ics, extra.ics]\n"
        "plans: [basic]\n"
        "priorities: { 1: { name: Urgent } }\n"
        "default_priority: 1\n"
        "targets: { basic: { 1: { within: 8h, calendar: sk } } }\n";
    static const memfile files[] = {
        {"holidays-sk.ics", NULL},
        {"extra.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Inventory\r\n"
                      "DTSTART;VALUE=DATE:20260615\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
    };
    res_ctx ctx = {files, 2, 0, 0};
    garant_policy *pol;
    garant_diags *d;
    int rc = load(&pol, &d, text, &ctx);
    if (rc) dump(d);
    assert_int_equal(rc, 0);
    assert_int_equal(ctx.file_calls, 2);
    assert_int_equal(ctx.zone_calls, 1);
    const garant_calendar *sk = garant_policy_calendar(pol, "sk");
    /* From the feed: Easter Monday 2026, St Cyril and Methodius (Sun 5 Jul
    ** 2026, so look at 2027: Mon), 17 Nov, the 18 Dec party afternoon. */
    assert_false(garant_calendar_is_open(sk, t_at("2026-04-06T10:00:00+02:00")));
    assert_false(garant_calendar_is_open(sk, t_at("2027-07-05T10:00:00+02:00")));
    assert_false(garant_calendar_is_open(sk, t_at("2026-11-17T10:00:00+01:00")));
    assert_true(garant_calendar_is_open(sk, t_at("2026-12-18T12:59:00+01:00")));
    assert_false(garant_calendar_is_open(sk, t_at("2026-12-18T13:00:00+01:00")));
    /* Inline and from the second feed. */
    assert_false(garant_calendar_is_open(sk, t_at("2026-06-12T10:00:00+02:00")));
    assert_false(garant_calendar_is_open(sk, t_at("2026-06-15T10:00:00+02:00")));
    assert_true(garant_calendar_is_open(sk, t_at("2026-06-16T10:00:00+02:00")));
    /* A ticket on Thu 16 Apr 2026 16:00 CEST is not affected; one on
    ** Thu 2 Apr 16:00 CEST waits over Good Friday and Easter Monday:
    ** 1 h on Thursday, 7 h on Tue 7 Apr -> 16:00 CEST = 14:00 UTC. */
    int64_t due;
    garant_target t = target(pol, "basic", 1, NULL);
    assert_int_equal(garant_calendar_add(&due, t.cal, t_at("2026-04-02T16:00:00+02:00"), t.seconds), 0);
    assert_string_equal(t_fmt(due), "2026-04-07T14:00:00Z");
    garant_diags_free(d);
    garant_policy_free(pol);
}

static void test_holidays_ics_errors(void **state)
{
    (void)state;
    static const char text[] =
        "version: 1\n"
        "calendars:\n"
        "  sk:\n"
        "    timezone: Europe/Bratislava\n"
        "    hours: { monday-friday: [\"09:00-17:00\"] }\n"
        "    holidays_ics:\n"
        "      - missing.ics\n"       /* 7 */
        "      - broken.ics\n"        /* 8 */
        "      - [nested]\n"          /* 9 */
        "plans: [basic]\n"
        "priorities: { 1: { name: Urgent } }\n"
        "default_priority: 1\n"
        "targets: { basic: { 1: { within: 8h, calendar: sk } } }\n";
    static const memfile files[] = {
        {"broken.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Oops\r\nDTSTART;VALUE=DATE:2026\r\n"
                       "END:VEVENT\r\nEND:VCALENDAR\r\n"},
    };
    res_ctx ctx = {files, 1, 0, 0};
    garant_policy *pol;
    garant_diags *d;
    assert_int_equal(load(&pol, &d, text, &ctx), GARANT_ECONFIG);
    if (!has_diag(d, 7, "holidays_ics: 'missing.ics' could not be read") ||
        !has_diag(d, 8, "holidays_ics: 'broken.ics': event 'Oops'") ||
        !has_diag(d, 9, "expected text, got a list")) {
        dump(d);
        fail();
    }
    /* The calendar is broken, so its target is not reported again. */
    assert_int_equal(garant_diags_count(d), 3);
    garant_diags_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_config),
        cmocka_unit_test(test_shipped_deadlines),
        cmocka_unit_test(test_embedded_default),
        cmocka_unit_test(test_refusals_list_names),
        cmocka_unit_test(test_minimal_config),
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_signup_freemail),
        cmocka_unit_test(test_broken_configs),
        cmocka_unit_test(test_many_findings),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_ics_fixture),
        cmocka_unit_test(test_ics_cases),
        cmocka_unit_test(test_holidays_ics_in_config),
        cmocka_unit_test(test_holidays_ics_errors),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
