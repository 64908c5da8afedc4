/*
** fuzz_mail_parse.c - libFuzzer target for the inbound mail parser.
**
** Every input is parsed as a mail with limits small enough to keep the
** fuzzer fast; whatever comes out is checked against what parse.h
** promises, and the fuzzer aborts on a violation:
**   - on success every string is valid UTF-8, the body's length is
**     text_len, it has no control characters but tab and line end, and
**     each attachment has a name without '/' or '\';
**   - on failure the code is one of the documented ones and *out is NULL;
**   - quote stripping of the body gives a text no longer than the body
**     plus one line end, and does so for the raw input too.
** HTML parts go through garant_mail_html_to_text here; the converter on
** its own is fuzz_mail_html's (libxml2 over a whole mail costs three times
** the parse, and this target must stay fast on a loaded machine).
** Seeds: the corpus of tests/mail/corpus (scripts/fuzz.sh copies it).
** Links garant_mail_in (GMime, libxml2).
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "parse.h"

/* Inputs beyond this test nothing the first 256 KB do not. */
#define MAX_MAIL_INPUT (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_mail_parse: %s\n", what);
    abort();
}

static void check_utf8(const char *s, const char *what)
{
    if (s && !g_utf8_validate(s, -1, NULL)) fail(what);
}

static void check_strip(const char *text, size_t len)
{
    char *out = NULL;
    if (garant_mail_strip_quote(&out, text, len) != 0) fail("strip_quote failed");
    if (strlen(out) > len + 1) fail("strip_quote made the text longer");
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_MAIL_INPUT) return 0;
    const char *s = (const char *)data;
    garant_mail_limits lim = {.max_parts = 64, .max_depth = 8, .max_text_bytes = 128 * 1024};
    garant_mail_message *m = (garant_mail_message *)1;
    int rc = garant_mail_parse(&m, s, size, &lim);
    if (rc) {
        if (m) fail("failed parse left *out set");
        if (rc != GARANT_EPARSE && rc != GARANT_ELIMIT && rc != GARANT_ENOMEM) fail("undocumented error code");
    } else {
        if (!m->text || !m->subject) fail("text or subject NULL");
        if (strlen(m->text) != m->text_len) fail("text_len is not the text's length");
        check_utf8(m->text, "body not UTF-8");
        check_utf8(m->subject, "subject not UTF-8");
        check_utf8(m->from.name, "from name not UTF-8");
        check_utf8(m->from.addr, "from address not UTF-8");
        check_utf8(m->message_id, "message-id not UTF-8");
        for (size_t i = 0; i < m->text_len; i++) {
            unsigned char c = (unsigned char)m->text[i];
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) fail("control character in the body");
        }
        for (size_t i = 0; i < m->n_attachments; i++) {
            const char *f = m->attachments[i].filename;
            if (!f || !*f || strchr(f, '/') || strchr(f, '\\')) fail("attachment name empty or with a path");
            check_utf8(f, "attachment name not UTF-8");
            if (!m->attachments[i].data) fail("attachment without data");
        }
        for (size_t i = 0; i < m->n_to; i++) check_utf8(m->to[i].addr, "to address not UTF-8");
        check_strip(m->text, m->text_len);
        garant_mail_message_free(m);
    }
    /* The quote rules on their own, over bytes that are no mail. */
    check_strip(s, size);
    return 0;
}
