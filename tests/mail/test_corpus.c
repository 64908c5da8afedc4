/*
** test_corpus.c - the inbound mail corpus: tests/mail/corpus/NN-name.eml,
** each with NN-name.expected saying what the desk must get out of it.
**
** An .expected file is the message as the desk sees it: "key: value"
** lines (subject, from, threading ids, why it is automatic, the bounce,
** the DKIM/SPF verdicts, whether the text came from HTML, the defects
** worked around, one "attachment:" line per file with its name, declared
** type, size and whether inline), then a line "---", then the reply text
** exactly as garant_mail_parse + garant_mail_strip_quote yield it.
** A difference prints both versions. With GARANT_MAIL_CORPUS_WRITE=1 the
** files are (re)written instead, for a new case: read them before
** committing, they are the specification.
*/
#include <dirent.h>
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

#define MIN_CASES 30

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    mail_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mail_buf_add(&b, chunk, n);
    fclose(f);
    return mail_buf_take(&b, len);
}

static const char *auth_name(garant_mail_auth a)
{
    return a == GARANT_MAIL_AUTH_PASS ? "pass" : a == GARANT_MAIL_AUTH_FAIL ? "fail" : "none";
}

static void add_flags(mail_buf *b, unsigned flags, const char *const *names, size_t count)
{
    if (!flags) {
        mail_buf_adds(b, "no");
        return;
    }
    int first = 1;
    for (size_t i = 0; i < count; i++) {
        if (!(flags & (1u << i))) continue;
        if (!first) mail_buf_adds(b, ",");
        mail_buf_adds(b, names[i]);
        first = 0;
    }
}

static void line(mail_buf *b, const char *key, const char *value)
{
    mail_buf_adds(b, key);
    mail_buf_adds(b, ": ");
    mail_buf_adds(b, value ? value : "-");
    mail_buf_addc(b, '\n');
}

/* The .expected form of a parsed message. Caller owns; free with free(). */
static char *describe(const garant_mail_message *m)
{
    static const char *const autos[] = {"submitted", "precedence", "xheader", "null-sender", "bounce", "list"};
    static const char *const defects[] = {"charset", "encoding", "parts", "depth", "text-cut", "attachments",
                                           "structure"};
    mail_buf b = {0};
    char tmp[512];
    line(&b, "subject", m->subject);
    snprintf(tmp, sizeof tmp, "%s <%s>", m->from.name ? m->from.name : "", m->from.addr ? m->from.addr : "");
    line(&b, "from", tmp);
    line(&b, "in-reply-to", m->in_reply_to);
    mail_buf_adds(&b, "references:");
    for (size_t i = 0; i < m->n_references; i++) {
        mail_buf_adds(&b, " ");
        mail_buf_adds(&b, m->references[i]);
    }
    mail_buf_adds(&b, "\nauto: ");
    add_flags(&b, m->auto_flags, autos, sizeof autos / sizeof autos[0]);
    mail_buf_addc(&b, '\n');
    if (m->is_bounce) {
        snprintf(tmp, sizeof tmp, "%s %s %s %s", m->bounce_recipient ? m->bounce_recipient : "-",
                 m->bounce_action ? m->bounce_action : "-", m->bounce_status ? m->bounce_status : "-",
                 m->bounce_message_id ? m->bounce_message_id : "-");
        line(&b, "bounce", tmp);
    } else {
        line(&b, "bounce", "no");
    }
    snprintf(tmp, sizeof tmp, "dkim=%s spf=%s dmarc=%s", auth_name(m->dkim), auth_name(m->spf), auth_name(m->dmarc));
    line(&b, "auth", tmp);
    line(&b, "html", m->text_from_html ? "yes" : "no");
    mail_buf_adds(&b, "defects: ");
    add_flags(&b, m->defects, defects, sizeof defects / sizeof defects[0]);
    mail_buf_addc(&b, '\n');
    for (size_t i = 0; i < m->n_attachments; i++) {
        const garant_mail_attachment *a = &m->attachments[i];
        snprintf(tmp, sizeof tmp, "%s | %s | %zu bytes%s", a->filename, a->content_type, a->len,
                 a->is_inline ? " | inline" : "");
        line(&b, "attachment", tmp);
    }
    mail_buf_adds(&b, "---\n");
    char *reply = NULL;
    assert_int_equal(garant_mail_strip_quote(&reply, m->text, m->text_len), 0);
    mail_buf_adds(&b, reply);
    free(reply);
    return mail_buf_take(&b, NULL);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_eml(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

static void test_corpus(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/mail/corpus", t_source_dir());
    struct dirent **names = NULL;
    int count = scandir(dir, &names, is_eml, by_name);
    assert_true(count >= MIN_CASES);
    int write = getenv("GARANT_MAIL_CORPUS_WRITE") != NULL;
    int failures = 0;
    for (int i = 0; i < count; i++) {
        char path[2048], expected_path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        snprintf(expected_path, sizeof expected_path, "%.*s.expected", (int)(strlen(path) - 4), path);
        size_t len = 0;
        char *bytes = read_file(path, &len);
        assert_non_null(bytes);
        garant_mail_message *m = NULL;
        int rc = garant_mail_parse(&m, bytes, len, NULL);
        if (rc) {
            fprintf(stderr, "%s: parse failed: %s\n", names[i]->d_name, garant_error_last());
            failures++;
            free(bytes);
            continue;
        }
        char *got = describe(m);
        if (write) {
            FILE *f = fopen(expected_path, "wb");
            assert_non_null(f);
            fputs(got, f);
            fclose(f);
        } else {
            char *want = read_file(expected_path, NULL);
            if (!want) {
                fprintf(stderr, "%s: no %s\n", names[i]->d_name, expected_path);
                failures++;
            } else if (strcmp(want, got) != 0) {
                fprintf(stderr, "%s: differs\n--- expected\n%s--- got\n%s", names[i]->d_name, want, got);
                failures++;
            }
            free(want);
        }
        free(got);
        garant_mail_message_free(m);
        free(bytes);
    }
    for (int i = 0; i < count; i++) free(names[i]);
    free(names);
    printf("corpus: %d messages, %d differ\n", count, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
