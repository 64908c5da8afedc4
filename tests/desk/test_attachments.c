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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compose.h"
#include "desk_attachments.h"
#include "desk_support.h"
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

static void ok(int rc, const char *what)
{
    if (rc) fail_msg("%s: %s", what, garant_error_last());
}

static int fill_abc(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)('a' + i % 3);
    return 0;
}

static int64_t staged(garant_store_conn *w, int64_t uploader, const char *name, const char *type, int64_t size)
{
    garant_attachment a = {0};
    a.uploader_id = uploader;
    snprintf(a.filename, sizeof a.filename, "%s", name);
    snprintf(a.sniffed_type, sizeof a.sniffed_type, "%s", type);
    a.size = size;
    a.created_at = 1790000000;
    ok(GS(w)->attachments->insert_pending(w, &a), "insert_pending");
    ok(GS(w)->attachments->write_chunk(w, a.id, 0, (size_t)size, fill_abc, NULL), "write_chunk");
    ok(GS(w)->attachments->mark_staged(w, a.id), "mark_staged");
    return a.id;
}

/* desk_attachments_for_mail: the public files of one message, bytes in
** memory, as the composer takes them; an internal note's never. */
static void test_files_for_mail(void **state)
{
    (void)state;
    char dir[] = "/tmp/garant-test-desk-att-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/d.db", dir);
    garant_store *st;
    ok(garant_store_open(&st, path, 1), "open");
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *w = ops->writer(st);
    int64_t org, user;
    ok(t_desk_add_customer(&org, &user, w, "Acme", "professional", "a@acme.example", "A", 0), "customer");
    garant_ticket t = t_desk_ticket(org, user, "professional", 3, 0);
    ok(ops->tickets->insert(w, &t, "B"), "ticket");
    int64_t reply, note;
    ok(ops->tickets->reply_insert(w, t.id, user, "r", 1, 1790000100, &reply), "reply");
    ok(ops->tickets->reply_insert(w, t.id, user, "n", 0, 1790000200, &note), "note");
    int64_t first = staged(w, user, "first.txt", "application/octet-stream", 5);
    int64_t shot = staged(w, user, "shot.png", "image/png", 7);
    int64_t hidden = staged(w, user, "secret.txt", "application/octet-stream", 3);
    ok(ops->attachments->link(w, first, user, t.id, 0, 0), "link first");
    ok(ops->attachments->link(w, shot, user, t.id, reply, 0), "link reply");
    ok(ops->attachments->link(w, hidden, user, t.id, note, 1), "link note");

    desk_mail_files f;
    ok(desk_attachments_for_mail(&f, w, t.id, reply), "for the reply");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].filename, "shot.png");
    assert_string_equal(f.items[0].content_type, "image/png");
    assert_int_equal(f.items[0].len, 7);
    assert_memory_equal(f.items[0].data, "abcabca", 7);
    assert_int_equal(f.bytes, 7);
    desk_mail_files_free(&f);
    ok(desk_attachments_for_mail(&f, w, t.id, 0), "for the first message");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].filename, "first.txt");
    desk_mail_files_free(&f);
    ok(desk_attachments_for_mail(&f, w, t.id, note), "for the note");
    assert_int_equal(f.n, 0);
    desk_mail_files_free(&f);
    desk_mail_files_free(NULL);

    garant_store_close(st);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/d.db%s", dir, suffix[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_files_for_mail),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
