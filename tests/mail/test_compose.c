/*
** test_compose.c - outbound messages (src/mail/compose.c), read back with
** GMime's parser: every header decodes to what was given, Romanian
** diacritics survive in headers, text, HTML and filenames, threading
** headers, the MIME structure, the bytes are 7-bit with CRLF lines, and a
** 1 MB attachment comes back byte for byte.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gmime/gmime.h>

#include "compose.h"
#include "support.h"

#define T0 1790000000 /* 2026-09-21T14:13:20Z */

static const char SUBJECT_RO[] = "Tichetul #42: conexiunea șovăie în Țara Făgărașului (ă â î ș ț Ă Â Î Ș Ț)";
static const char TEXT_RO[] = "Bună ziua,\n\nAm primit solicitarea dumneavoastră. Răspundem până la 14:00.\n"
                              "Mulțumim, echipa de suport <garant> & co.\n";

static void check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

static GMimeMessage *parse(const char *raw, size_t len)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
    g_object_unref(p);
    g_object_unref(s);
    assert_non_null(msg);
    return msg;
}

/* The decoded content of a leaf part. Caller owns; g_byte_array_unref. The
** stream must not own the array: its finalizer frees the data whatever
** the array's reference count. */
static GByteArray *content_of(GMimeObject *obj)
{
    assert_true(GMIME_IS_PART(obj));
    GMimeDataWrapper *w = g_mime_part_get_content((GMimePart *)obj);
    GMimeStream *s = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, s);
    GByteArray *a = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)s);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)s, FALSE);
    g_object_unref(s);
    return a;
}

static int is_type(GMimeObject *obj, const char *type, const char *subtype)
{
    return g_mime_content_type_is_type(g_mime_object_get_content_type(obj), type, subtype);
}

/* Every line ends with CRLF and every byte is 7-bit: nothing for a relay
** to convert. */
static void assert_wire_clean(const char *raw, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)raw[i] >= 0x80) fail_msg("8-bit byte at %zu", i);
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) fail_msg("bare LF at %zu", i);
    }
}

static garant_mail_message base_message(void)
{
    garant_mail_message m = {
        .from_name = "Suport garant – România",
        .from_addr = "support@garant.example",
        .to_name = "Ștefan Țîrcă",
        .to_addr = "stefan@acme.example",
        .reply_to = "support+42-abcdefghijklmnop@garant.example",
        .subject = SUBJECT_RO,
        .date_s = T0,
        .message_id = "t42.7.xyz@garant.example",
        .text = TEXT_RO,
    };
    return m;
}

static void test_headers_roundtrip(void **state)
{
    (void)state;
    garant_mail_message m = base_message();
    char *raw;
    size_t len;
    check(garant_mail_compose(&raw, &len, &m), "compose");
    assert_int_equal(strlen(raw), len);
    assert_wire_clean(raw, len);
    /* The subject's non-ASCII words travel as RFC 2047 encoded words. */
    const char *subj = strstr(raw, "\r\nSubject:");
    assert_non_null(subj);
    const char *eol = strstr(subj + 2, "\r\n");
    while (eol && (eol[2] == ' ' || eol[2] == '\t')) eol = strstr(eol + 2, "\r\n"); /* folded */
    const char *enc = strstr(subj, "=?UTF-8?");
    assert_true(enc && enc < eol);

    GMimeMessage *msg = parse(raw, len);
    assert_string_equal(g_mime_message_get_subject(msg), SUBJECT_RO);
    assert_string_equal(g_mime_message_get_message_id(msg), "t42.7.xyz@garant.example");
    GDateTime *d = g_mime_message_get_date(msg);
    assert_non_null(d);
    assert_int_equal(g_date_time_to_unix(d), T0);
    InternetAddress *from = internet_address_list_get_address(g_mime_message_get_from(msg), 0);
    assert_string_equal(internet_address_get_name(from), "Suport garant – România");
    assert_string_equal(internet_address_mailbox_get_addr((InternetAddressMailbox *)from), "support@garant.example");
    InternetAddress *to = internet_address_list_get_address(g_mime_message_get_to(msg), 0);
    assert_string_equal(internet_address_get_name(to), "Ștefan Țîrcă");
    assert_string_equal(internet_address_mailbox_get_addr((InternetAddressMailbox *)to), "stefan@acme.example");
    InternetAddress *rt = internet_address_list_get_address(g_mime_message_get_reply_to(msg), 0);
    assert_string_equal(internet_address_mailbox_get_addr((InternetAddressMailbox *)rt),
                        "support+42-abcdefghijklmnop@garant.example");
    assert_string_equal(g_mime_object_get_header((GMimeObject *)msg, "Auto-Submitted"), "auto-generated");
    assert_null(g_mime_object_get_header((GMimeObject *)msg, "In-Reply-To"));
    assert_null(g_mime_object_get_header((GMimeObject *)msg, "References"));

    /* multipart/alternative: text then HTML, both UTF-8. */
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    assert_true(is_type(body, "multipart", "alternative"));
    assert_int_equal(g_mime_multipart_get_count((GMimeMultipart *)body), 2);
    GMimeObject *plain = g_mime_multipart_get_part((GMimeMultipart *)body, 0);
    GMimeObject *html = g_mime_multipart_get_part((GMimeMultipart *)body, 1);
    assert_true(is_type(plain, "text", "plain"));
    assert_true(is_type(html, "text", "html"));
    assert_string_equal(g_mime_object_get_content_type_parameter(plain, "charset"), "utf-8");
    char *text = g_mime_text_part_get_text((GMimeTextPart *)plain);
    /* The text comes back with CRLF lines; compare without the CRs. */
    char *w = text;
    for (char *r = text; *r; r++)
        if (*r != '\r') *w++ = *r;
    *w = '\0';
    assert_string_equal(text, TEXT_RO);
    g_free(text);
    char *h = g_mime_text_part_get_text((GMimeTextPart *)html);
    assert_non_null(strstr(h, "Mulțumim, echipa de suport &lt;garant&gt; &amp; co."));
    assert_non_null(strstr(h, "<p>Am primit"));
    assert_null(strstr(h, "<garant>"));
    g_free(h);
    g_object_unref(msg);
    free(raw);
}

/* A resend is the same bytes: nothing varies but what the caller gives. */
static void test_deterministic(void **state)
{
    (void)state;
    garant_mail_message m = base_message();
    char *a, *b;
    size_t na, nb;
    check(garant_mail_compose(&a, &na, &m), "compose a");
    check(garant_mail_compose(&b, &nb, &m), "compose b");
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

static void test_threading(void **state)
{
    (void)state;
    garant_mail_message m = base_message();
    const char *prev[] = {"t42.1.aaa@garant.example", "CAF=x+y@mail.gmail.com"};
    m.thread_root = "t42.0.root@garant.example";
    m.previous = prev;
    m.n_previous = 2;
    m.auto_submitted = GARANT_MAIL_AUTO_NO;
    char *raw;
    size_t len;
    check(garant_mail_compose(&raw, &len, &m), "compose");
    GMimeMessage *msg = parse(raw, len);
    const char *irt = g_mime_object_get_header((GMimeObject *)msg, "In-Reply-To");
    assert_non_null(irt);
    assert_non_null(strstr(irt, "<CAF=x+y@mail.gmail.com>"));
    GMimeReferences *refs = g_mime_references_parse(NULL, g_mime_object_get_header((GMimeObject *)msg, "References"));
    assert_int_equal(g_mime_references_length(refs), 3);
    assert_string_equal(g_mime_references_get_message_id(refs, 0), "t42.0.root@garant.example");
    assert_string_equal(g_mime_references_get_message_id(refs, 1), "t42.1.aaa@garant.example");
    assert_string_equal(g_mime_references_get_message_id(refs, 2), "CAF=x+y@mail.gmail.com");
    g_mime_references_free(refs);
    assert_null(g_mime_object_get_header((GMimeObject *)msg, "Auto-Submitted"));
    g_object_unref(msg);
    free(raw);

    /* Only a root: In-Reply-To is the root. An auto reply says so. */
    m.n_previous = 0;
    m.previous = NULL;
    m.auto_submitted = GARANT_MAIL_AUTO_REPLIED;
    check(garant_mail_compose(&raw, &len, &m), "compose root only");
    msg = parse(raw, len);
    assert_non_null(strstr(g_mime_object_get_header((GMimeObject *)msg, "In-Reply-To"), "<t42.0.root@garant.example>"));
    assert_string_equal(g_mime_object_get_header((GMimeObject *)msg, "Auto-Submitted"), "auto-replied");
    g_object_unref(msg);
    free(raw);
}

static void test_attachments(void **state)
{
    (void)state;
    size_t big_len = 1024 * 1024;
    unsigned char *big = malloc(big_len);
    assert_non_null(big);
    uint32_t x = 2463534242u; /* xorshift: bytes of every value, no pattern */
    for (size_t i = 0; i < big_len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        big[i] = (unsigned char)x;
    }
    static const char log[] = "line 1\nline 2 \xc8\x99\n";
    garant_mail_attachment at[] = {
        {.filename = "jurnal-ședință.log", .content_type = "text/plain", .data = log, .len = sizeof log - 1},
        {.filename = "dump.bin", .content_type = NULL, .data = big, .len = big_len},
    };
    garant_mail_message m = base_message();
    m.attachments = at;
    m.n_attachments = 2;
    m.html = "<!DOCTYPE html><p>Given <b>HTML</b> ș</p>";
    char *raw;
    size_t len;
    check(garant_mail_compose(&raw, &len, &m), "compose");
    assert_true(len > big_len * 4 / 3);
    assert_wire_clean(raw, len);
    GMimeMessage *msg = parse(raw, len);
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    assert_true(is_type(body, "multipart", "mixed"));
    GMimeMultipart *mixed = (GMimeMultipart *)body;
    assert_int_equal(g_mime_multipart_get_count(mixed), 3);
    GMimeObject *alt = g_mime_multipart_get_part(mixed, 0);
    assert_true(is_type(alt, "multipart", "alternative"));
    char *h = g_mime_text_part_get_text((GMimeTextPart *)g_mime_multipart_get_part((GMimeMultipart *)alt, 1));
    assert_string_equal(h, "<!DOCTYPE html><p>Given <b>HTML</b> ș</p>");
    g_free(h);

    GMimeObject *a0 = g_mime_multipart_get_part(mixed, 1), *a1 = g_mime_multipart_get_part(mixed, 2);
    assert_true(is_type(a0, "text", "plain"));
    assert_true(is_type(a1, "application", "octet-stream"));
    assert_string_equal(g_mime_part_get_filename((GMimePart *)a0), "jurnal-ședință.log");
    assert_string_equal(g_mime_part_get_filename((GMimePart *)a1), "dump.bin");
    assert_string_equal(g_mime_object_get_disposition(a1), "attachment");
    assert_int_equal(g_mime_part_get_content_encoding((GMimePart *)a1), GMIME_CONTENT_ENCODING_BASE64);
    GByteArray *c0 = content_of(a0), *c1 = content_of(a1);
    assert_int_equal(c0->len, sizeof log - 1);
    assert_memory_equal(c0->data, log, c0->len);
    assert_int_equal(c1->len, big_len);
    assert_memory_equal(c1->data, big, big_len);
    g_byte_array_unref(c0);
    g_byte_array_unref(c1);
    g_object_unref(msg);
    free(raw);
    free(big);
}

static void test_refusals(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    garant_mail_message m = base_message();
    m.subject = "Hello\r\nBcc: victim@example.com";
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    assert_null(raw);
    m = base_message();
    m.to_addr = "a@b.example>, evil@x.example";
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    m = base_message();
    m.to_name = "Name\nX-Evil: 1";
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    m = base_message();
    m.message_id = "<no-brackets@x>";
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    m = base_message();
    garant_mail_attachment bad = {.filename = "../etc/passwd", .data = "x", .len = 1};
    m.attachments = &bad;
    m.n_attachments = 1;
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    bad.filename = "ok.txt";
    bad.content_type = "text/plain; charset=x";
    assert_int_equal(garant_mail_compose(&raw, &len, &m), GARANT_EINVAL);
    assert_non_null(garant_error_last());
}

/* The headers compose writes itself (not GMime): lines at most 78
** characters, and each form read back by GMime as given. */
static void test_header_forms(void **state)
{
    (void)state;
    static const struct {
        const char *subject, *to_name;
    } cases[] = {
        /* plain ASCII, folded at spaces */
        {"A long plain subject that goes on and on about the VPN gateway in the Cluj office, which drops "
         "every connection after exactly ten minutes of idle time since Monday",
         "Doe, John"},
        /* looks like an encoded word: must be encoded, not passed through */
        {"Literal =?utf-8?q?x?= in a subject", "Ana \"Mica\" Pop"},
        /* one long word of diacritics, no spaces to fold at */
        {"ȘȚĂÎÂșțăîâȘȚĂÎÂșțăîâȘȚĂÎÂșțăîâȘȚĂÎÂșțăîâȘȚĂÎÂșțăîâȘȚĂÎÂșțăîâ",
         "Ioana-Cătălina Țurcanu-Știrbei de la Departamentul de Achiziții Publice"},
        {"", "plain"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        garant_mail_message m = base_message();
        m.subject = cases[i].subject;
        m.to_name = cases[i].to_name;
        char *raw;
        size_t len;
        check(garant_mail_compose(&raw, &len, &m), "compose");
        assert_wire_clean(raw, len);
        const char *body = strstr(raw, "\r\n\r\n");
        assert_non_null(body);
        for (const char *line = raw; line < body;) {
            const char *eol = strstr(line, "\r\n");
            if (eol - line > 78) fail_msg("case %zu: header line of %d characters", i, (int)(eol - line));
            line = eol + 2;
        }
        GMimeMessage *msg = parse(raw, len);
        assert_string_equal(g_mime_message_get_subject(msg) ? g_mime_message_get_subject(msg) : "", cases[i].subject);
        InternetAddress *to = internet_address_list_get_address(g_mime_message_get_to(msg), 0);
        assert_string_equal(internet_address_get_name(to), cases[i].to_name);
        assert_string_equal(internet_address_mailbox_get_addr((InternetAddressMailbox *)to), "stefan@acme.example");
        g_object_unref(msg);
        free(raw);
    }
}

static void test_text_to_html(void **state)
{
    (void)state;
    char *h;
    check(garant_mail_text_to_html(&h, "\nA <b> & 'q' \"d\"\nnext\n\n\nnew para\n"), "to_html");
    assert_non_null(strstr(h, "<p>A &lt;b&gt; &amp; &#39;q&#39; &quot;d&quot;<br>\nnext</p>\n<p>new para</p>"));
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_roundtrip), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_threading),         cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_refusals),          cmocka_unit_test(test_text_to_html),
        cmocka_unit_test(test_header_forms),
    };
    g_mime_init();
    int failed = cmocka_run_group_tests_name("mail compose", tests, NULL, NULL);
    return t_exit_status(failed);
}
