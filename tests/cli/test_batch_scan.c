/*
** test_batch_scan.c - what the batch fast path accepts, and what it leaves
** to jansson (escapes, floats, unknown or repeated keys, odd numbers).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/cli/batch_scan.h"
#include "support.h"

static int scan(batch_fields *f, const char *s) { return batch_scan(f, s, strlen(s)); }

static void test_accepts_common_shape(void **state)
{
    (void)state;
    batch_fields f;
    assert_true(scan(&f, "{\"plan\":\"professional\",\"priority\":2,\"submitted_at\":\"2026-11-27T16:30:00+01:00\","
                         "\"product_stage\":\"ga\"}"));
    assert_int_equal(f.plan_len, 12);
    assert_memory_equal(f.plan, "professional", 12);
    assert_int_equal(f.priority, 2);
    assert_true(f.has_priority);
    assert_int_equal(f.submitted_at_len, 25);
    assert_memory_equal(f.stage, "ga", 2);
    /* Whitespace anywhere JSON allows it, keys in any order, some absent. */
    assert_true(scan(&f, " {\t\"priority\" : -3 ,\r\n \"plan\" : \"\" } "));
    assert_int_equal(f.priority, -3);
    assert_int_equal(f.plan_len, 0);
    assert_null(f.submitted_at);
    assert_true(scan(&f, "{}"));
    assert_null(f.plan);
    assert_false(f.has_priority);
}

static void test_declines(void **state)
{
    (void)state;
    batch_fields f;
    static const char *const lines[] = {
        "",                                   /* empty */
        "[1]",                                /* not an object */
        "{\"plan\":\"a\\u0062\"}",            /* escape */
        "{\"plan\":\"caf\xc3\xa9\"}",         /* UTF-8 */
        "{\"priority\":1.0}",                 /* fraction */
        "{\"priority\":1e0}",                 /* exponent */
        "{\"priority\":01}",                  /* leading zero: invalid JSON */
        "{\"priority\":1234567890}",          /* more than 9 digits */
        "{\"priority\":0999999999999999999999999999999E12}", /* found by fuzzing: no overflow */
        "{\"priority\":\"2\"}",               /* wrong type */
        "{\"plan\":1}",                       /* wrong type */
        "{\"plan\":\"a\",\"plan\":\"b\"}",    /* repeated key */
        "{\"id\":7}",                         /* id: echoed by the general path */
        "{\"colour\":\"red\"}",               /* unknown key */
        "{\"plan\":\"a\",}",                  /* trailing comma */
        "{\"plan\":\"a\"} x",                 /* trailing text */
        "{\"plan\":\"a\"",                    /* unterminated */
        "{\"plan\":\"a}",                     /* unterminated string */
        "{\"plan\" \"a\"}",                   /* missing colon */
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (scan(&f, lines[i])) fail_msg("accepted: %s", lines[i]);
    /* An embedded NUL is not whitespace. */
    assert_false(batch_scan(&f, "{}\0", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_common_shape),
        cmocka_unit_test(test_declines),
    };
    return t_exit_status(cmocka_run_group_tests_name("batch_scan", tests, NULL, NULL));
}
