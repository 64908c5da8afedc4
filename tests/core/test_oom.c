/*
** test_oom.c - every allocation in the core can fail without a crash, a
** leak or a wrong answer (SQLite's out-of-memory tests, in miniature).
**
** The test is linked with -Wl,--wrap for malloc, calloc, realloc and free,
** which reroutes the calls made by libgarant's static libraries (core and
** loader) through the counters below. For N = 1, 2, ... the Nth allocation
** fails; each run must end in GARANT_ENOMEM (or succeed once N passes the
** last allocation) with every allocation it made freed again.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader.h"
#include "support.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static long fail_at;      /* the allocation to fail, 0 = none */
static long count;        /* allocations seen since arming */
static long outstanding;  /* live allocations made through the wrappers */

static int should_fail(void) { return fail_at && ++count == fail_at; }

void *__wrap_malloc(size_t n)
{
    if (should_fail()) return NULL;
    void *p = __real_malloc(n);
    if (p) outstanding++;
    return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
    if (should_fail()) return NULL;
    void *p = __real_calloc(n, m);
    if (p) outstanding++;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (should_fail()) return NULL;
    void *q = __real_realloc(p, n);
    if (q && !p) outstanding++;
    return q;
}

void __wrap_free(void *p)
{
    if (p) outstanding--;
    __real_free(p);
}

/* Run op with the Nth allocation failing, for every N until op succeeds
** without a failure; returns how many failure points were tried. */
static long sweep(int (*op)(void), const char *what)
{
    for (long n = 1;; n++) {
        long before = outstanding;
        fail_at = n;
        count = 0;
        int rc = op();
        long seen = count;
        fail_at = 0;
        if (outstanding != before) fail_msg("%s: %ld allocations leaked when allocation %ld failed", what, outstanding - before, n);
        if (seen < n) {
            if (rc) fail_msg("%s: failed (%d: %s) although no allocation failed", what, rc, garant_error_last());
            return n - 1;
        }
        if (rc != GARANT_ENOMEM && rc != 0)
            fail_msg("%s: allocation %ld failed but the error was %d (%s)", what, n, rc, garant_error_last());
    }
}

static int load_and_query(void)
{
    garant_policy *pol;
    garant_diags *diags;
    char path[4096];
    snprintf(path, sizeof path, "%s/config/garant.yaml", t_source_dir());
    int rc = garant_io_load_policy(&pol, &diags, path);
    garant_diags_free(diags);
    if (rc) return rc;
    garant_ticket_terms terms = {"professional", 2, "ga"};
    int64_t due;
    garant_explanation *ex = NULL;
    rc = garant_clock_due(&due, pol, &terms, 1795793400 /* 2026-11-27T15:30:00Z */);
    if (!rc) rc = garant_clock_explain(&ex, pol, &terms, 1795793400, due);
    garant_explanation_free(ex);
    garant_policy_free(pol);
    return rc;
}

static int broken_config(void)
{
    static const char text[] = "version: 1\nplans: [basic]\npriorities: {1: {name: x}}\n"
                               "default_priority: 2\ntargets: {basic: {1: {within: 0h}}}\nbogus: 1\n";
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_config_load(&pol, &diags, text, sizeof text - 1, garant_io_resource, NULL);
    garant_diags_free(diags);
    garant_policy_free(pol);
    /* A broken config is ECONFIG when memory suffices; that is success here. */
    return rc == GARANT_ECONFIG ? 0 : rc;
}

/* The sign-up section's list: every entry is copied into the policy. */
static int signup_config(void)
{
    static const char text[] = "version: 1\nplans: [basic]\npriorities: {1: {name: x}}\n"
                               "default_priority: 1\ntargets: {basic: {1: none}}\n"
                               "signup: {freemail_domains: [a.example, B.Example, \"c.*\", d.example, e.example,\n"
                               "  f.example, g.example, h.example, i.example, j.example]}\n";
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_config_load(&pol, &diags, text, sizeof text - 1, garant_io_resource, NULL);
    garant_diags_free(diags);
    if (!rc && garant_policy_freemail_count(pol) != 10) fail_msg("the policy lost free-mail domains");
    garant_policy_free(pol);
    return rc;
}

static void test_default_policy(void **state)
{
    (void)state;
    long points = sweep(load_and_query, "load default policy, compute and explain a deadline");
    assert_true(points > 40);
    print_message("%ld allocation failure points, all clean\n", points);
}

static void test_broken_config(void **state)
{
    (void)state;
    long points = sweep(broken_config, "report a broken config");
    assert_true(points > 5);
    print_message("%ld allocation failure points, all clean\n", points);
}

static void test_signup_config(void **state)
{
    (void)state;
    long points = sweep(signup_config, "load a policy with free-mail domains");
    assert_true(points > 10);
    print_message("%ld allocation failure points, all clean\n", points);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_broken_config),
        cmocka_unit_test(test_signup_config),
    };
    return cmocka_run_group_tests_name("oom", tests, NULL, NULL);
}
