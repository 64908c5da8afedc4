/*
** test_parse.c - garant_mail_parse beyond the corpus: the limits (size,
** parts, depth, boundaries), a 20 MB attachment generated here (not
** committed), hostile and empty input, and the HTML-to-text and
** quote-stripping rules case by case.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail_internal.h"
#include "parse.h"
#include "support.h"

static garant_mail_message *parse_ok(const char *s)
{
    garant_mail_message *m = NULL;
    int rc = garant_mail_parse(&m, s, strlen(s), NULL);
    if (rc) fprintf(stderr, "parse: %s\n", garant_error_last());
    assert_int_equal(rc, 0);
    return m;
}

/* The strict UTF-8 check every text of the parser goes through (RFC 3629:
** no overlong forms, no surrogates, nothing above U+10FFFF). */
static void test_utf8_strict(void **state)
{
    (void)state;
    const unsigned char *u = (const unsigned char *)"\xF0\x9F\x98\x80"; /* U+1F600 */
    assert_int_equal(mail__utf8_seq(u, 4), 4);
    assert_int_equal(mail__utf8_seq(u, 3), 0); /* cut short */
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xC8\x9B", 2), 2);
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xC0\x80", 2), 0);         /* overlong NUL */
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xE0\x80\x80", 3), 0);     /* overlong */
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xED\xA0\x80", 3), 0);     /* a surrogate */
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xF4\x90\x80\x80", 4), 0); /* U+110000 */
    assert_int_equal(mail__utf8_seq((const unsigned char *)"\xF5\xBE\x91\x9B", 4), 0); /* the fuzzer's */
    assert_false(mail__utf8_valid("ok \xF5\xBE\x91\x9B", 7));
    assert_true(mail__utf8_valid("Mul\xC8\x9Bumesc", 11));
}

/* The fuzzer's find: a charset name iconv reads as UTF-8, whose decoder
** passed F5 BE 91 9B through. The text must be UTF-8 all the same. */
static void test_iconv_output_is_checked(void **state)
{
    (void)state;
    static const char mail[] = "Subject: x\r\nContent-Type: text/plain; charset=\"UT"
                               "\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0"
                               "\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0"
                               "\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0\xF0" "F-8\"\r\n"
                               "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                               "acum merge\xD5\xF2\xF5\xF2\xF5\xBE\x91\x9B" "rei\r\n";
    garant_mail_message *m = parse_ok(mail);
    assert_true(mail__utf8_valid(m->text, m->text_len));
    assert_non_null(strstr(m->text, "acum merge"));
    assert_non_null(strstr(m->text, "rei"));
    assert_null(strstr(m->text, "\xF5"));
    assert_true(m->defects & GARANT_MAIL_DEFECT_ENCODING);
    garant_mail_message_free(m);
}

static void test_huge_attachment(void **state)
{
    (void)state;
    /* 20 MB of bytes, base64 in 76-column lines: what a customer's log
    ** archive looks like. */
    const size_t raw = (size_t)20 * 1024 * 1024 / 3 * 3;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    mail_buf b = {0};
    mail_buf_adds(&b, "From: Big Sender <big@firma.ro>\r\nTo: support@garant.example\r\nSubject: Log mare\r\n"
                      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n"
                      "--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLogul e atașat.\r\n"
                      "--big\r\nContent-Type: application/gzip; name=\"server.log.gz\"\r\n"
                      "Content-Disposition: attachment; filename=\"server.log.gz\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n");
    char row[78];
    size_t encoded = raw / 3 * 4;
    for (size_t i = 0; i < encoded; i += 76) {
        size_t n = encoded - i < 76 ? encoded - i : 76;
        for (size_t j = 0; j < n; j++) row[j] = b64[(i + j) * 7 % 64];
        row[n] = '\r';
        row[n + 1] = '\n';
        mail_buf_add(&b, row, n + 2);
    }
    mail_buf_adds(&b, "--big--\r\n");
    assert_false(b.failed);

    garant_mail_message *m = NULL;
    assert_int_equal(garant_mail_parse(&m, b.p, b.len, NULL), 0);
    assert_string_equal(m->text, "Logul e atașat.\n");
    assert_int_equal(m->n_attachments, 1);
    assert_string_equal(m->attachments[0].filename, "server.log.gz");
    assert_int_equal(m->attachments[0].len, raw);
    garant_mail_message_free(m);

    /* The same bytes over a smaller ceiling: refused before parsing. */
    garant_mail_limits lim = {.max_bytes = 10 * 1024 * 1024};
    assert_int_equal(garant_mail_parse(&m, b.p, b.len, &lim), GARANT_ELIMIT);
    assert_null(m);
    /* Under an attachment ceiling: the text stays, the file goes. */
    garant_mail_limits small = {.max_attachment_bytes = 1024 * 1024};
    assert_int_equal(garant_mail_parse(&m, b.p, b.len, &small), 0);
    assert_int_equal(m->n_attachments, 0);
    assert_true(m->defects & GARANT_MAIL_DEFECT_ATTACHMENTS);
    assert_string_equal(m->text, "Logul e atașat.\n");
    garant_mail_message_free(m);
    mail_buf_free(&b);
}

static void nested(mail_buf *b, int levels)
{
    mail_buf_adds(b, "From: a@example.com\r\nSubject: deep\r\n");
    char line[128];
    for (int i = 0; i < levels; i++) {
        snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
        mail_buf_adds(b, line);
    }
    mail_buf_adds(b, "Content-Type: text/plain\r\n\r\nhello\r\n");
}

static void test_depth_and_boundaries(void **state)
{
    (void)state;
    mail_buf b = {0};
    nested(&b, 10);
    garant_mail_message *m = parse_ok(b.p);
    assert_string_equal(m->text, "hello\n");
    assert_int_equal(m->defects, 0);
    garant_mail_message_free(m);
    mail_buf_free(&b);

    nested(&b, 40);
    m = parse_ok(b.p);
    assert_true(m->defects & GARANT_MAIL_DEFECT_DEPTH);
    assert_string_equal(m->text, "");
    garant_mail_message_free(m);
    mail_buf_free(&b);

    /* Thousands of nested boundaries: refused at once, not parsed for minutes. */
    nested(&b, 5000);
    assert_int_equal(garant_mail_parse(&m, b.p, b.len, NULL), GARANT_ELIMIT);
    mail_buf_free(&b);
}

static void test_many_parts(void **state)
{
    (void)state;
    mail_buf b = {0};
    mail_buf_adds(&b, "From: a@example.com\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n");
    for (int i = 0; i < 300; i++)
        mail_buf_adds(&b, "--p\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n");
    mail_buf_adds(&b, "--p--\r\n");
    garant_mail_message *m = parse_ok(b.p);
    assert_true(m->defects & GARANT_MAIL_DEFECT_PARTS);
    assert_int_equal(m->n_attachments, GARANT_MAIL_DEFAULT_MAX_PARTS - 1);
    garant_mail_message_free(m);
    mail_buf_free(&b);
}

static void test_hostile_input(void **state)
{
    (void)state;
    garant_mail_message *m = NULL;
    assert_int_equal(garant_mail_parse(&m, "", 0, NULL), GARANT_EPARSE);
    assert_null(m);
    /* Bytes that are no mail at all: a clear error, nothing allocated. */
    static const char junk[] = "\x00\xff\xfe binary \x01\x02\r\n\r\n\x80\x81 body";
    assert_int_equal(garant_mail_parse(&m, junk, sizeof junk - 1, NULL), GARANT_EPARSE);
    assert_null(m);
    assert_true(strlen(garant_error_last()) > 0);
    /* Header-shaped junk gives a best-effort message. */
    static const char junk2[] = "X: \xff\xfe\x01\r\nSubject: \x80\x01ok\r\n\r\n\x80\x81 body\x00x";
    assert_int_equal(garant_mail_parse(&m, junk2, sizeof junk2 - 1, NULL), 0);
    /* Undeclared 8-bit text is read as windows-1250, where 0x81 means nothing. */
    assert_string_equal(m->text, "\xE2\x82\xAC\xEF\xBF\xBD bodyx\n");
    assert_true(m->defects & GARANT_MAIL_DEFECT_CHARSET);
    assert_true(m->defects & GARANT_MAIL_DEFECT_ENCODING);
    garant_mail_message_free(m);
    /* A body of blank lines is "" with text_len 0 (the fuzzer once found
    ** a stale byte left past the length). */
    m = parse_ok("Subject: blank\r\n\r\n \r\n\r\n\t\r\n");
    assert_string_equal(m->text, "");
    assert_int_equal(m->text_len, 0);
    garant_mail_message_free(m);
    /* A header only, no blank line, no body. */
    m = parse_ok("Subject: only a header");
    assert_string_equal(m->subject, "only a header");
    assert_string_equal(m->text, "");
    garant_mail_message_free(m);
}

static void test_authserv_id(void **state)
{
    (void)state;
    static const char mail[] = "Authentication-Results: evil.example; dkim=pass\r\n"
                               "Authentication-Results: mx.garant.example; dkim=fail; spf=pass\r\n"
                               "From: x@firma.ro\r\nSubject: a\r\n\r\nbody\r\n";
    garant_mail_limits lim = {.authserv_id = "mx.garant.example"};
    garant_mail_message *m = NULL;
    assert_int_equal(garant_mail_parse(&m, mail, strlen(mail), &lim), 0);
    assert_int_equal(m->dkim, GARANT_MAIL_AUTH_FAIL);
    assert_int_equal(m->spf, GARANT_MAIL_AUTH_PASS);
    garant_mail_message_free(m);
    /* Without one, only the topmost header counts. */
    m = parse_ok(mail);
    assert_int_equal(m->dkim, GARANT_MAIL_AUTH_PASS);
    assert_int_equal(m->spf, GARANT_MAIL_AUTH_NONE);
    garant_mail_message_free(m);
}

static void test_attachment_names(void **state)
{
    (void)state;
    garant_mail_message *m = parse_ok(
        "From: a@firma.ro\r\nSubject: names\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n"
        "--n\r\nContent-Type: message/rfc822\r\n\r\nSubject: Re: A/B test\r\n\r\nx\r\n"
        "--n\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\nx\r\n"
        "--n\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"..\"\r\n\r\nx\r\n"
        "--n--\r\n");
    assert_int_equal(m->n_attachments, 3);
    assert_string_equal(m->attachments[0].filename, "Re: A_B test.eml");
    assert_string_equal(m->attachments[1].filename, "passwd");
    assert_string_equal(m->attachments[2].filename, "attachment-3.pdf");
    garant_mail_message_free(m);
}

static void check_html(const char *html, const char *want)
{
    char *got = NULL;
    assert_int_equal(garant_mail_html_to_text(&got, html, strlen(html)), 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "html: %s\n got: [%s]\nwant: [%s]\n", html, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void test_html_to_text(void **state)
{
    (void)state;
    check_html("", "");
    check_html("<p>a &amp; b &lt;c&gt; &#x219;</p>", "a & b <c> ș\n");
    check_html("<script>x()</script><style>p{}</style><p>kept</p>", "kept\n");
    check_html("<ol><li>one</li><li>two</li></ol>", "- one\n- two\n");
    check_html("<a href=\"https://x.example/a\">here</a>", "here <https://x.example/a>\n");
    check_html("<a href=\"https://x.example/\">https://x.example/</a>", "https://x.example/\n");
    check_html("<a href=\"javascript:alert(1)\">no</a>", "no\n");
    check_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a | b\nc | d\n");
    check_html("x<br>y<br><br><br><br>z", "x\ny\n\nz\n");
    check_html("<p>reply</p><blockquote><p>old</p><p>older</p></blockquote>", "reply\n\n> old\n>\n> older\n");
    check_html("<pre>  a\n    b</pre>", "  a\n    b\n");
    check_html("<p>unclosed <b>bold <i>both", "unclosed bold both\n");
    /* Deep nesting costs no stack (the walk is iterative); libxml2 itself
    ** stops at 256 levels and drops what is deeper. */
    mail_buf b = {0};
    for (int i = 0; i < 100; i++) mail_buf_adds(&b, "<div><blockquote>");
    mail_buf_adds(&b, "deep");
    char *got = NULL;
    assert_int_equal(garant_mail_html_to_text(&got, b.p, b.len), 0);
    assert_non_null(strstr(got, "deep"));
    free(got);
    for (int i = 0; i < 5000; i++) mail_buf_adds(&b, "<div>");
    assert_int_equal(garant_mail_html_to_text(&got, b.p, b.len), 0);
    free(got);
    mail_buf_free(&b);
}

static void check_strip(const char *text, const char *want)
{
    char *got = NULL;
    assert_int_equal(garant_mail_strip_quote(&got, text, strlen(text)), 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "strip:\n%s\n got: [%s]\nwant: [%s]\n", text, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void test_strip_quote(void **state)
{
    (void)state;
    check_strip("", "");
    check_strip("Just text\r\nin CRLF\r\n", "Just text\nin CRLF\n");
    check_strip("Yes.\n\nOn Mon, 7 Dec 2026 at 10:00, A <a@b> wrote:\n> q\n", "Yes.\n");
    /* An inline reply keeps its quotes; only the trailing block goes. */
    check_strip("> q1\na1\n> q2\na2\n\n> tail\n> more\n", "> q1\na1\n> q2\na2\n");
    /* An attribution followed by the customer's own text is not a quote. */
    check_strip("On Monday we met.\nIt went well.\n", "On Monday we met.\nIt went well.\n");
    check_strip("Ok\n-----Original Message-----\nFrom: x\nold\n", "Ok\n");
    check_strip("Ok\n\nFrom: A <a@b>\nSent: Monday\nTo: B\nSubject: s\n\nold\n", "Ok\n");
    /* A From: line alone is the customer's text. */
    check_strip("From: the office\nwe cannot print\n", "From: the office\nwe cannot print\n");
    check_strip("Thanks\n-- \nIon\n", "Thanks\n");
    check_strip("Thanks\n\nSent from my iPhone\n", "Thanks\n");
    check_strip("Mulțumesc\n\nPe 7 dec. 2026, la 10:00, Suport <s@g> a scris:\n> x\n", "Mulțumesc\n");
    /* A mail that is only a quote keeps it: stripping must not lose all. */
    check_strip("> everything quoted\n> here\n", "> everything quoted\n> here\n");
    check_strip("-----Original Message-----\nFrom: x\nforwarded\n",
                "-----Original Message-----\nFrom: x\nforwarded\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_attachment), cmocka_unit_test(test_depth_and_boundaries),
        cmocka_unit_test(test_many_parts),      cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_authserv_id),     cmocka_unit_test(test_html_to_text),
        cmocka_unit_test(test_attachment_names),
        cmocka_unit_test(test_strip_quote),
        cmocka_unit_test(test_utf8_strict),     cmocka_unit_test(test_iconv_output_is_checked),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
