/*
** test_text.c - the growing text buffer (src/http/text.c) that mails, CSV
** reports, /metrics and JSON answers are written into: appending, printf,
** and the ceiling, which refuses a piece whole and leaves the text as it
** was.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "garant/garant.h"
#include "text.h"

static void test_append_and_printf(void **state)
{
    (void)state;
    http_text t = {0};
    assert_int_equal(http_text_add(&t, "", 0), 0);
    assert_string_equal(t.s, "");
    assert_int_equal(http_text_puts(&t, "tickets,"), 0);
    assert_int_equal(http_text_printf(&t, "%d,%s", 42, "open"), 0);
    assert_string_equal(t.s, "tickets,42,open");
    assert_int_equal(t.len, strlen("tickets,42,open"));
    /* Growth across many pieces keeps every byte. */
    for (int i = 0; i < 1000; i++) assert_int_equal(http_text_printf(&t, "%04d", i), 0);
    assert_int_equal(t.len, strlen("tickets,42,open") + 4000);
    assert_memory_equal(t.s + t.len - 4, "0999", 4);
    assert_true(t.cap > t.len);
    free(t.s);
}

static void test_ceiling(void **state)
{
    (void)state;
    /* 10 bytes with the NUL: 9 of text. */
    http_text t = {.max = 10, .limit_message = "the CSV report would exceed"};
    assert_int_equal(http_text_puts(&t, "12345"), 0);
    assert_int_equal(http_text_puts(&t, "6789"), 0);
    assert_int_equal(http_text_puts(&t, "0"), GARANT_ELIMIT);
    assert_string_equal(garant_error_last(), "the CSV report would exceed 10 bytes");
    assert_int_equal(http_text_printf(&t, "%d", 7), GARANT_ELIMIT);
    /* Refused pieces leave the text as it was. */
    assert_string_equal(t.s, "123456789");
    assert_int_equal(t.len, 9);
    free(t.s);
    http_text u = {.max = 4};
    assert_int_equal(http_text_puts(&u, "long"), GARANT_ELIMIT);
    assert_string_equal(garant_error_last(), "text larger than 4 bytes");
    assert_null(u.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
