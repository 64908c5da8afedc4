/*
** parse.c - one inbound RFC 5322 message into a garant_mail_message.
**
** GMime 3 reads the MIME structure (headers, RFC 2047/2231 words,
** transfer encodings, nested multiparts); this file sets its parser up
** for real-world mail (loose compliance, fallback charsets) within the
** limits, and hands the result to the two halves that decide what the
** desk sees (parse_parts.h): the top header (parse_headers.c: senders,
** ids, automatic mail, Authentication-Results) and the MIME walk
** (parse_mime.c: the body text, attachments, delivery reports). Text
** becomes UTF-8 in charset.c; quote stripping is quote.c's, HTML to text
** html2text.c's. GMime's one-time initialisation (init.c) is the only
** global state.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "garant/error_wrap.h"
#include "mail_internal.h"
#include "parse_parts.h"

/* How often needle (lower case) occurs in s, any case; one pass. */
static size_t count_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), count = 0;
    for (size_t i = 0; i + k <= n; i++)
        if (tolower((unsigned char)s[i]) == needle[0] && strncasecmp(s + i, needle, k) == 0) count++;
    return count;
}

int garant_mail_parse(garant_mail_message **out, const char *bytes, size_t len, const garant_mail_limits *lim)
{
    *out = NULL;
    garant_mail_limits l = {0};
    if (lim) l = *lim;
    if (!l.max_bytes) l.max_bytes = GARANT_MAIL_DEFAULT_MAX_BYTES;
    if (!l.max_parts) l.max_parts = GARANT_MAIL_DEFAULT_MAX_PARTS;
    if (!l.max_depth) l.max_depth = GARANT_MAIL_DEFAULT_MAX_DEPTH;
    if (!l.max_text_bytes) l.max_text_bytes = GARANT_MAIL_DEFAULT_MAX_TEXT;
    if (!l.max_attachment_bytes) l.max_attachment_bytes = GARANT_MAIL_DEFAULT_MAX_ATTACHMENTS;
    if (len > l.max_bytes)
        return garant__error(GARANT_ELIMIT, "mail of %zu bytes is larger than the %zu-byte limit", len, l.max_bytes);
    if (len == 0) return garant__error(GARANT_EPARSE, "mail is empty");
    /* GMime compares each line with every open boundary: a message nesting
    ** hundreds of thousands of multiparts costs minutes before our part
    ** limit can act. Count the boundaries first; no real mail has this many. */
    size_t boundaries = count_ci(bytes, len, "boundary");
    if (boundaries > 4 * l.max_parts)
        return garant__error(GARANT_ELIMIT, "mail declares %zu MIME boundaries, more than the %zu allowed",
                             boundaries, 4 * l.max_parts);
    mail__init_once();

    int rc = 0;
    garant_mail_message *m = calloc(1, sizeof *m);
    if (!m) return garant__error(GARANT_ENOMEM, "out of memory parsing a %zu-byte mail", len);
    int failed = 0;

    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(bytes, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeParserOptions *opts = g_mime_parser_options_new();
    static const char *fallback[] = {"UTF-8", "windows-1250", NULL};
    g_mime_parser_options_set_fallback_charsets(opts, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *gm = g_mime_parser_construct_message(parser, opts);
    if (!gm) {
        rc = garant__error(GARANT_EPARSE, "mail of %zu bytes has no readable message header", len);
        goto done;
    }
    mail__read_header(m, gm, opts, l.authserv_id, &failed);
    mail__read_body(m, gm, &l, &failed);
    if (failed) rc = garant__error(GARANT_ENOMEM, "out of memory parsing a %zu-byte mail", len);

done:
    if (gm) g_object_unref(gm);
    g_mime_parser_options_free(opts);
    g_object_unref(parser);
    g_object_unref(stream);
    if (rc) {
        garant_mail_message_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static void free_address(garant_mail_address *a)
{
    free(a->name);
    free(a->addr);
}

void garant_mail_message_free(garant_mail_message *m)
{
    if (!m) return;
    free_address(&m->from);
    free_address(&m->reply_to);
    for (size_t i = 0; i < m->n_to; i++) free_address(&m->to[i]);
    free(m->to);
    for (size_t i = 0; i < m->n_cc; i++) free_address(&m->cc[i]);
    free(m->cc);
    free(m->subject);
    free(m->message_id);
    free(m->in_reply_to);
    for (size_t i = 0; i < m->n_references; i++) free(m->references[i]);
    free(m->references);
    free(m->return_path);
    free(m->auto_submitted);
    free(m->bounce_recipient);
    free(m->bounce_action);
    free(m->bounce_status);
    free(m->bounce_message_id);
    free(m->text);
    for (size_t i = 0; i < m->n_attachments; i++) {
        free(m->attachments[i].filename);
        free(m->attachments[i].content_type);
        free(m->attachments[i].content_id);
        free(m->attachments[i].data);
    }
    free(m->attachments);
    free(m);
}
