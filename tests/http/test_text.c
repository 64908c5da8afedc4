/*
** test_text.c - the growing text buffer (src/http/text.c) that mails, CSV
** reports, /metrics and JSON answers are written into: appending, printf,
** the ceiling, which refuses a piece whole and leaves the text as it was,
** and JSON strings, checked byte for byte against jansson's own output.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "garant/garant.h"
#include "text.h"
#include "support.h"

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
    /* Refused pieces leave the text as it was; the first refusal sticks
    ** in err, for a writer that looks once at the end. */
    assert_string_equal(t.s, "123456789");
    assert_int_equal(t.len, 9);
    assert_int_equal(t.err, GARANT_ELIMIT);
    free(t.s);
    http_text ok = {0};
    assert_int_equal(http_text_puts(&ok, "fine"), 0);
    assert_int_equal(ok.err, 0);
    free(ok.s);
    http_text u = {.max = 4};
    assert_int_equal(http_text_puts(&u, "long"), GARANT_ELIMIT);
    assert_string_equal(garant_error_last(), "text larger than 4 bytes");
    assert_null(u.s);
}

/* s as jansson writes it: the oracle for http_text_json_string. */
static void assert_like_jansson(const char *s)
{
    json_t *j = json_string(s);
    assert_non_null(j);
    char *want = json_dumps(j, JSON_ENCODE_ANY);
    json_decref(j);
    http_text t = {0};
    assert_int_equal(http_text_json_string(&t, s), 0);
    assert_string_equal(t.s, want);
    assert_int_equal(t.len, strlen(want));
    free(want);
    free(t.s);
}

/* Encode code point cp as UTF-8 at o; returns the bytes written. */
static size_t utf8(char *o, unsigned cp)
{
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000)
        return o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 63)), o[2] = (char)(0x80 | (cp & 63)), 3;
    o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 63));
    o[2] = (char)(0x80 | (cp >> 6 & 63)), o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* http_copy is snprintf(dst, size, "%s", src) without the format engine:
** the same bytes for every length around the buffer's size. */
static void test_copy(void **state)
{
    (void)state;
    char src[40], want[16], got[16];
    for (size_t n = 0; n < sizeof src; n++) {
        memset(src, 'a', n);
        src[n] = '\0';
        if (n) src[n - 1] = 'z';
        for (size_t size = 1; size <= sizeof got; size++) {
            memset(want, '#', sizeof want);
            memset(got, '#', sizeof got);
            int full = snprintf(want, size, "%s", src); /* truncation is the point */
            assert_int_equal(full, (int)n);
            http_copy(got, size, src);
            assert_memory_equal(got, want, sizeof got); /* nothing past the NUL touched either */
        }
    }
}

static void test_json_string(void **state)
{
    (void)state;
    assert_like_jansson("");
    assert_like_jansson("professional");
    assert_like_jansson("say \"hi\" \\ back/slash\n\ttab\r\b\f");
    assert_like_jansson("Caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x94\xa5 \xe2\x80\xa8");
    /* Every ASCII character alone. */
    for (int c = 1; c < 0x80; c++) {
        char one[2] = {(char)c, 0};
        assert_like_jansson(one);
    }
    /* Random text from all of Unicode's scalar values, weighted to the
    ** characters that need escaping. */
    unsigned seed = 12345;
    for (int i = 0; i < 2000; i++) {
        char buf[4 * 40 + 1];
        size_t n = 0;
        int len = (int)(seed % 40);
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 8, cp;
            switch (r % 4) {
            case 0: cp = 1 + r / 4 % 0x7F; break;
            case 1: cp = "\"\\\n\x01\x1f/"[r / 4 % 6]; break;
            case 2: cp = 0x80 + r / 4 % 0xFF80; break;
            default: cp = 0x10000 + r / 4 % 0x100000; break;
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* surrogates are not scalar values */
            n += utf8(buf + n, cp);
        }
        buf[n] = 0;
        seed = seed * 1103515245u + 12345u;
        assert_like_jansson(buf);
    }
    /* Appended after other text; the ceiling counts the escaped length. */
    http_text t = {.max = 12};
    assert_int_equal(http_text_puts(&t, "["), 0);
    assert_int_equal(http_text_json_string(&t, "a\"\n"), 0); /* "a\"\n" is 7 bytes */
    assert_string_equal(t.s, "[\"a\\\"\\n\"");
    assert_int_equal(http_text_json_string(&t, "bcd"), GARANT_ELIMIT);
    assert_int_equal(http_text_json_string(&t, "b"), 0); /* 8 + 3 + NUL = 12 */
    assert_string_equal(t.s, "[\"a\\\"\\n\"\"b\"");
    free(t.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_json_string),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
