/*
** fuzz_mail_html.c - libFuzzer target for garant_mail_html_to_text, the
** HTML-only mail body turned into text with libxml2's HTML parser.
**
** Every input is converted; the fuzzer aborts unless the result is valid
** UTF-8 without control characters other than line end and tab, ends in
** a line end unless empty, and quote stripping of it succeeds. Seeds: the HTML of
** fuzz/seeds/fuzz_mail_html/ (Gmail and Outlook replies, tables, lists,
** links, broken markup). Links garant_mail_in (libxml2).
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "parse.h"

/* An HTML body past this is a size test, not a structure test. */
#define MAX_HTML_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_mail_html: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_HTML_INPUT) return 0;
    char *text = NULL;
    if (garant_mail_html_to_text(&text, (const char *)data, size) != 0) fail("html_to_text failed");
    if (!g_utf8_validate(text, -1, NULL)) fail("text is not UTF-8");
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) fail("control character in the text");
    }
    if (n && text[n - 1] != '\n') fail("text does not end in a line end");
    char *reply = NULL;
    if (garant_mail_strip_quote(&reply, text, strlen(text)) != 0) fail("strip_quote failed");
    free(reply);
    free(text);
    return 0;
}
