/*
** test_attachments.c - the desk's rules for files (desk_attachments.h):
** names made safe (paths, control characters, quotes, bidi overrides,
** length cut at a character, invalid UTF-8 refused) and the type sniffed
** from the bytes, never the declared one.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "desk_attachments.h"
#include "support.h"

static void name_is(const char *in, const char *want)
{
    char out[GARANT_ATTACHMENT_MAX_NAME + 1];
    if (desk_attachment_name(out, in) != 0) fail_msg("'%s' refused", in);
    if (strcmp(out, want) != 0) fail_msg("'%s' -> '%s', expected '%s'", in, out, want);
}

static void test_names(void **state)
{
    (void)state;
    name_is("report.pdf", "report.pdf");
    name_is("C:\\Users\\ana\\shot.png", "shot.png");
    name_is("../../etc/passwd", "passwd");
    name_is("..hidden", "hidden");
    name_is("a\"b\r\nc\t.txt", "abc.txt");
    name_is("evil\xe2\x80\xaegpj.exe", "evilgpj.exe"); /* U+202E */
    name_is("dir/", "attachment");
    name_is("", "attachment");
    name_is("Raport ședință.docx", "Raport ședință.docx");
    char longname[400];
    memset(longname, 'a', 254);
    memcpy(longname + 254, "\xc8\x99zz", 5); /* 'ș' across the 255-byte limit */
    char out[GARANT_ATTACHMENT_MAX_NAME + 1];
    assert_int_equal(desk_attachment_name(out, longname), 0);
    assert_int_equal(strlen(out), 254);
    assert_int_equal(desk_attachment_name(out, "bad\xff.txt"), GARANT_EINVAL);
    assert_int_equal(desk_attachment_name(out, "over\xc0\xaf.txt"), GARANT_EINVAL); /* overlong '/' */
}

static void test_sniff(void **state)
{
    (void)state;
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"\x89PNG\r\n\x1a\n....", 12), "image/png");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"\xff\xd8\xff\xe0", 4), "image/jpeg");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"GIF89a", 6), "image/gif");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"RIFF\x10\0\0\0WEBPVP8 ", 16), "image/webp");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"RIFF\x10\0\0\0WAVE", 12), "application/octet-stream");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"<svg onload=x>", 14), "application/octet-stream");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"<html>", 6), "application/octet-stream");
    assert_string_equal(desk_attachment_sniff((const uint8_t *)"\x89PN", 3), "application/octet-stream");
    assert_string_equal(desk_attachment_sniff(NULL, 0), "application/octet-stream");
    assert_true(desk_attachment_inline_ok("image/png"));
    assert_false(desk_attachment_inline_ok("application/octet-stream"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sniff),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
