/*
** test_oom.c - every allocation in the core can fail without a crash, a
** leak or a wrong answer (SQLite's out-of-memory tests, in miniature).
**
** The test is linked with -Wl,--wrap for malloc, calloc, realloc and free,
** which reroutes the calls made by libgarant's static libraries (core and
** loader) through the counters below. Each operation first runs with no
** allocation failing, which gives its reference result: a return code
** (asserted to be the one the operation must give) and a text answer (the
** deadline and its explanation, the diagnostics of a broken config, the
** policy's free-mail list). Then, for N = 1, 2, ... the Nth allocation
** fails, and the run must end in exactly one of two ways, with every
** allocation it made freed again:
**   - GARANT_ENOMEM with a message, the contract of every function that
**     allocates (include/garant/error.h);
**   - the reference code and the reference answer, unchanged: a failure the
**     code may absorb by design (calendar.c keeps its interval array when
**     the final shrinking realloc fails). These are counted and printed.
** Any other code (GARANT_ECONFIG for a config that is fine, say) or any
** other answer is a failure: it would tell the user something false.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h" /* garant__error_clear */
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

static int armed;         /* counting allocations (during run_once) */
static long fail_at;      /* the allocation to fail, 0 = none */
static long count;        /* allocations seen since arming */
static long outstanding;  /* live allocations made through the wrappers */

static int should_fail(void) { return armed && ++count == fail_at; }

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

/* An operation under test: returns its garant_err and writes its answer,
** a text fingerprint of everything it computed, into answer[0..cap). */
typedef int (*oom_op)(char *answer, size_t cap);

#define ANSWER_CAP 8192

/* Append printf-style text to answer (cap bytes); truncation is caught by
** the reference run's length check. */
static void put(char *answer, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(answer);
    if (len + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(answer + len, cap - len, fmt, ap);
    va_end(ap);
}

/* Run op once with allocation fail_n failing (0: none); returns its code,
** its answer in answer, and through *out_seen how many allocations it made. */
static int run_once(oom_op op, const char *what, long fail_n, char *answer, long *out_seen)
{
    long before = outstanding;
    answer[0] = '\0';
    garant__error_clear();
    fail_at = fail_n;
    count = 0;
    armed = 1;
    int rc = op(answer, ANSWER_CAP);
    armed = 0;
    *out_seen = count;
    fail_at = 0;
    if (outstanding != before)
        fail_msg("%s: %ld allocations leaked when allocation %ld failed (0: none)", what,
                 outstanding - before, fail_n);
    return rc;
}

/* Run op with no failure (it must return want_rc), then with the Nth
** allocation failing for every N it makes; returns how many failure points
** were tried and, through *out_absorbed, how many of them the code absorbed
** with the reference answer. */
static long sweep(oom_op op, int want_rc, const char *what, long *out_absorbed)
{
    static char ref[ANSWER_CAP], got[ANSWER_CAP];
    long total;
    int ref_rc = run_once(op, what, 0, ref, &total);
    if (ref_rc != want_rc)
        fail_msg("%s: without a failed allocation it gave %s (%s), want %s", what,
                 garant_err_name(ref_rc), garant_error_last(), garant_err_name(want_rc));
    if (strlen(ref) + 1 >= ANSWER_CAP) fail_msg("%s: answer longer than %d bytes", what, ANSWER_CAP);
    if (ref[0] == '\0') fail_msg("%s: empty answer", what);
    long absorbed = 0;
    for (long n = 1; n <= total; n++) {
        long seen;
        int rc = run_once(op, what, n, got, &seen);
        if (seen < n)
            fail_msg("%s: %ld allocations with allocation %ld failing, %ld without: the operation "
                     "is not deterministic",
                     what, seen, n, total);
        if (rc == GARANT_ENOMEM) {
            if (garant_error_last()[0] == '\0')
                fail_msg("%s: allocation %ld failed: enomem without a message", what, n);
            continue;
        }
        if (rc == ref_rc && strcmp(got, ref) == 0) {
            absorbed++;
            continue;
        }
        fail_msg("%s: allocation %ld failed but the result was %s (%s), want enomem\n"
                 "  answer: %s\n  want:   %s",
                 what, n, garant_err_name(rc), garant_error_last(), got, rc == ref_rc ? ref : "(enomem)");
    }
    *out_absorbed = absorbed;
    return total;
}

static int load_and_query(char *answer, size_t cap)
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
    if (!rc) put(answer, cap, "due %s\n%s", t_fmt(due), garant_explanation_text(ex));
    garant_explanation_free(ex);
    garant_policy_free(pol);
    return rc;
}

/* A broken config must give GARANT_ECONFIG and the same findings each time
** memory suffices, and GARANT_ENOMEM (not a shorter list) when it does not. */
static int broken_config(char *answer, size_t cap)
{
    static const char text[] = "version: 1\nplans: [basic]\npriorities: {1: {name: x}}\n"
                               "default_priority: 2\ntargets: {basic: {1: {within: 0h}}}\nbogus: 1\n";
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_config_load(&pol, &diags, text, sizeof text - 1, garant_io_resource, NULL);
    if (pol) put(answer, cap, "a policy from a broken config\n");
    for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
        const garant_diag *d = garant_diags_get(diags, i);
        put(answer, cap, "%d:%d: %s\n", d->line, d->column, d->message);
    }
    garant_diags_free(diags);
    garant_policy_free(pol);
    return rc;
}

/* The sign-up section's list: every entry is copied into the policy. */
static int signup_config(char *answer, size_t cap)
{
    static const char text[] = "version: 1\nplans: [basic]\npriorities: {1: {name: x}}\n"
                               "default_priority: 1\ntargets: {basic: {1: none}}\n"
                               "signup: {freemail_domains: [a.example, B.Example, \"c.*\", d.example, e.example,\n"
                               "  f.example, g.example, h.example, i.example, j.example]}\n";
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_config_load(&pol, &diags, text, sizeof text - 1, garant_io_resource, NULL);
    garant_diags_free(diags);
    if (rc) return rc;
    size_t n = garant_policy_freemail_count(pol);
    put(answer, cap, "%zu free-mail domains:", n);
    for (size_t i = 0; i < n; i++) put(answer, cap, " %s", garant_policy_freemail_domain(pol, i));
    garant_policy_free(pol);
    return rc;
}

static void run_sweep(oom_op op, int want_rc, const char *what, long min_points)
{
    long absorbed;
    long points = sweep(op, want_rc, what, &absorbed);
    if (points < min_points)
        fail_msg("%s: only %ld allocations, want more than %ld: is the wrapping still in place?", what,
                 points, min_points);
    print_message("%s: %ld allocation failure points, all clean (%ld absorbed with the same "
                  "answer)\n",
                  what, points, absorbed);
}

static void test_default_policy(void **state)
{
    (void)state;
    run_sweep(load_and_query, 0, "load default policy, compute and explain a deadline", 40);
}

static void test_broken_config(void **state)
{
    (void)state;
    run_sweep(broken_config, GARANT_ECONFIG, "report a broken config", 5);
}

static void test_signup_config(void **state)
{
    (void)state;
    run_sweep(signup_config, 0, "load a policy with free-mail domains", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_broken_config),
        cmocka_unit_test(test_signup_config),
    };
    return t_exit_status(cmocka_run_group_tests_name("oom", tests, NULL, NULL));
}
