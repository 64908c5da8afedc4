/*
** charset.c - text for the desk: a body part's bytes in its declared
** charset (or none) converted to UTF-8 with iconv, through GMime's charset
** names, byte by byte where the charset cannot explain the input, so a
** wrong or unknown charset costs a U+FFFD, never the message; and header
** values as clean one-line UTF-8 strings (mail_internal.h).
*/
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "mail_internal.h"
#include "parse.h"

static void add_utf8_fixed(mail_buf *out, const char *s, size_t n, unsigned *defects)
{
    if (mail__add_utf8(out, s, n)) *defects |= GARANT_MAIL_DEFECT_ENCODING;
}

static int is_utf8_name(const char *cs)
{
    return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0;
}

static int is_ascii_name(const char *cs)
{
    return strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

/* Converts n bytes in charset cs (NULL: undeclared) to UTF-8 onto out.
** Mail without a charset, or with one iconv does not know, is read as
** UTF-8 when it is valid UTF-8 and as windows-1250 (the Central European
** Windows default of this desk's customers) otherwise. */
void mail__add_text(mail_buf *out, const char *cs, const char *s, size_t n, unsigned *defects)
{
    if (n == 0) return;
    if (cs && is_utf8_name(cs)) {
        add_utf8_fixed(out, s, n, defects);
        return;
    }
    iconv_t cd = (iconv_t)-1;
    if (cs && !is_ascii_name(cs)) {
        const char *name = g_mime_charset_iconv_name(cs);
        cd = iconv_open("UTF-8", name ? name : cs);
        if (cd == (iconv_t)-1) *defects |= GARANT_MAIL_DEFECT_CHARSET;
    }
    if (cd == (iconv_t)-1) {
        if (mail__utf8_valid(s, n)) {
            add_utf8_fixed(out, s, n, defects);
            return;
        }
        *defects |= GARANT_MAIL_DEFECT_CHARSET;
        cd = iconv_open("UTF-8", "WINDOWS-1250");
        if (cd == (iconv_t)-1) {
            add_utf8_fixed(out, s, n, defects);
            return;
        }
    }
    char chunk[4096];
    char *in = (char *)s;
    size_t left = n;
    while (left > 0 && !out->failed) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &o, &room);
        size_t produced = sizeof chunk - room;
        /* iconv writes whole characters only, but glibc's passes UTF-8
        ** forms above U+10FFFF (F5 BE 91 9B, found by the fuzzer): check
        ** what it wrote. NULs would cut a C string short: dropped. */
        if (mail__add_utf8(out, chunk, produced)) *defects |= GARANT_MAIL_DEFECT_ENCODING;
        if (r == (size_t)-1) {
            if (errno == E2BIG) continue;
            /* EILSEQ, or EINVAL (cut at the end): one byte the charset
            ** cannot explain becomes U+FFFD. */
            mail_buf_adds(out, "\xEF\xBF\xBD");
            *defects |= GARANT_MAIL_DEFECT_ENCODING;
            in++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
}

/* A header value GMime decoded already is UTF-8, but check: malformed
** input must not smuggle invalid UTF-8 into the desk. NULL stays NULL. */
char *mail__utf8_dup(const char *s, int *failed)
{
    if (!s) return NULL;
    mail_buf b = {0};
    unsigned d = 0;
    add_utf8_fixed(&b, s, strlen(s), &d);
    /* A header value is one line: control characters become spaces. */
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)b.p[i] < 0x20 || b.p[i] == 0x7f) b.p[i] = ' ';
    char *r = mail_buf_take(&b, NULL);
    if (!r) *failed = 1;
    return r;
}

char *mail__trimmed_dup(const char *s, size_t n, int *failed)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    char *r = malloc(n + 1);
    if (!r) {
        *failed = 1;
        return NULL;
    }
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

void mail__lower(char *s)
{
    for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}
