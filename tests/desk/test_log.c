/*
** test_log.c - src/desk/log.c: what the log makes of text from outside.
** A record stays on its line whatever a client sends (line breaks, NULs,
** bytes that are not UTF-8, characters that reorder a line on a terminal),
** quotes cannot close a quoted field, well-formed text is left alone, and
** a long text is cut at a character boundary, never past the buffer.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "support.h"

static const char *esc(const char *s, size_t n, unsigned flags)
{
    static char out[512];
    return desk_log_escape(out, sizeof out, s, n, flags);
}

#define ESC(lit, flags) esc(lit, sizeof lit - 1, flags)

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    assert_string_equal(ESC("/api/v1/tickets/42?x=1", DESK_LOG_SPACE), "/api/v1/tickets/42?x=1");
    assert_string_equal(ESC("caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x94\xa5", 0), "caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x94\xa5");
    assert_string_equal(ESC("", 0), "");
}

static void test_line_breaks_and_controls(void **state)
{
    (void)state;
    /* The finding: GET /api/v1/x%0aFORGED2 wrote a line "FORGED2 404". */
    assert_string_equal(ESC("/api/v1/x\nFORGED2", DESK_LOG_SPACE), "/api/v1/x\\nFORGED2");
    assert_string_equal(ESC("a\rb\tc", 0), "a\\rb\\tc");
    assert_string_equal(ESC("a\x00" "b\x1b[2Jc\x7f", 0), "a\\x00b\\x1b[2Jc\\x7f");
    /* Spaces separate the request line's fields: escaped when asked. */
    assert_string_equal(ESC("/x 200 1.0ms", DESK_LOG_SPACE), "/x\\x20200\\x201.0ms");
    assert_string_equal(ESC("/x 200", 0), "/x 200");
    /* Quotes and the escape character itself. */
    assert_string_equal(ESC("say \"hi\" \\n", 0), "say \\\"hi\\\" \\\\n");
}

static void test_bad_utf8_and_unsafe_characters(void **state)
{
    (void)state;
    /* Not UTF-8: a lone continuation byte, a cut sequence, an overlong
    ** '/', a surrogate, past U+10FFFF, 0xFF. */
    assert_string_equal(ESC("a\x80z", 0), "a\\x80z");
    assert_string_equal(ESC("a\xc3", 0), "a\\xc3");
    assert_string_equal(ESC("\xc0\xaf", 0), "\\xc0\\xaf");
    assert_string_equal(ESC("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");
    assert_string_equal(ESC("\xf4\x90\x80\x80", 0), "\\xf4\\x90\\x80\\x80");
    assert_string_equal(ESC("\xff", 0), "\\xff");
    /* Well-formed, but they end or reorder a line where logs are read:
    ** NEL (C1), LINE SEPARATOR, RIGHT-TO-LEFT OVERRIDE, an isolate. */
    assert_string_equal(ESC("a\xc2\x85z", 0), "a\\u0085z");
    assert_string_equal(ESC("a\xe2\x80\xa8z", 0), "a\\u2028z");
    assert_string_equal(ESC("a\xe2\x80\xaez", 0), "a\\u202ez");
    assert_string_equal(ESC("a\xe2\x81\xa6z", 0), "a\\u2066z");
}

static void test_cut_at_a_character(void **state)
{
    (void)state;
    char out[16];
    /* 11 bytes of room before "...": never half an escape or a character. */
    assert_string_equal(desk_log_escape(out, sizeof out, "abcdefghijklmnop", 16, 0), "abcdefghijkl...");
    assert_string_equal(desk_log_escape(out, sizeof out, "abcdefghij\n", 11, 0), "abcdefghij\\n");
    assert_string_equal(desk_log_escape(out, sizeof out, "abcdefghijk\n", 12, 0), "abcdefghijk...");
    assert_string_equal(desk_log_escape(out, sizeof out, "abcdefghij\xe2\x98\x95", 13, 0), "abcdefghij...");
    /* The worst case fits in DESK_LOG_ESCAPE_MAX bytes a byte. */
    char big[64 * DESK_LOG_ESCAPE_MAX + 4];
    char in[64];
    memset(in, 0x01, sizeof in);
    assert_int_equal(strlen(desk_log_escape(big, sizeof big, in, sizeof in, 0)), 64 * 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_line_breaks_and_controls),
        cmocka_unit_test(test_bad_utf8_and_unsafe_characters),
        cmocka_unit_test(test_cut_at_a_character),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
