/*
** compose.c - building one outbound e-mail with GMime 3 (compose.h).
**
** GMime writes the MIME structure (parts, encodings, RFC 2231 filenames);
** this file checks the caller's values, picks the structure and encodings,
** and writes the message's own headers itself, for two reasons: GMime 3.2's
** decoder drops an encoded word that follows a padded base64 word of the
** same charset (its encoder writes such pairs for long Romanian subjects,
** and its parser is what our inbound door reads replies with), and a
** header GMime is given already encoded it encodes again. Here non-ASCII
** header text becomes RFC 2047 "Q" words, split at character boundaries,
** which every reader, GMime's included, decodes. The result has CRLF line
** ends. Text parts are always UTF-8:
** GMime's own g_mime_text_part_set_text would pick the "best" charset,
** which for Romanian text is ISO-8859-2, and a reply quoting it would then
** mix charsets; UTF-8 everywhere is what every client reads.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "compose.h"
#include "mail_internal.h"
#include "store_mail.h"

/* ---- checks ---- */

static int has_break(const char *s)
{
    return s && (strchr(s, '\r') || strchr(s, '\n'));
}

/* An address as the envelope and headers take it: local@domain, printable
** ASCII without spaces, angle brackets, quotes, commas or semicolons. */
static int valid_addr(const char *a)
{
    if (!a || !*a || strlen(a) > 254) return 0;
    const char *at = strrchr(a, '@');
    if (!at || at == a || !at[1]) return 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p)) return 0;
    return 1;
}

/* A message id without brackets: "left@right", printable ASCII. */
static int valid_msgid(const char *id)
{
    if (!id || !*id || strlen(id) > GARANT_MAIL_MAX_MESSAGE_ID) return 0;
    if (!strchr(id, '@')) return 0;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>') return 0;
    return 1;
}

/* An RFC 2045 token (a type or subtype). */
static int valid_token(const char *s, size_t n)
{
    if (n == 0 || n > 127) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("()<>@,;:\\\"/[]?=", ch)) return 0;
    }
    return 1;
}

static int valid_utf8(const char *s);

static int check_message(const garant_mail_message *m)
{
    static const char what[] = "mail.compose";
    if (!valid_addr(m->from_addr)) return garant__error(GARANT_EINVAL, "%s: bad From address", what);
    if (!valid_addr(m->to_addr)) return garant__error(GARANT_EINVAL, "%s: bad To address", what);
    if (m->reply_to && !valid_addr(m->reply_to)) return garant__error(GARANT_EINVAL, "%s: bad Reply-To address", what);
    if (!m->subject || !m->text) return garant__error(GARANT_EINVAL, "%s: subject and text are required", what);
    if (has_break(m->subject) || has_break(m->from_name) || has_break(m->to_name))
        return garant__error(GARANT_EINVAL, "%s: a header value holds a line break", what);
    if (!valid_utf8(m->subject) || (m->from_name && !valid_utf8(m->from_name)) ||
        (m->to_name && !valid_utf8(m->to_name)) || !valid_utf8(m->text))
        return garant__error(GARANT_EINVAL, "%s: text that is not UTF-8", what);
    if (!valid_msgid(m->message_id)) return garant__error(GARANT_EINVAL, "%s: bad Message-ID", what);
    if (m->thread_root && !valid_msgid(m->thread_root))
        return garant__error(GARANT_EINVAL, "%s: bad thread root Message-ID", what);
    if (m->n_previous && !m->thread_root)
        return garant__error(GARANT_EINVAL, "%s: previous messages without a thread root", what);
    for (size_t i = 0; i < m->n_previous; i++)
        if (!valid_msgid(m->previous[i]))
            return garant__error(GARANT_EINVAL, "%s: bad previous Message-ID %zu", what, i);
    for (size_t i = 0; i < m->n_attachments; i++) {
        const garant_mail_attachment *a = &m->attachments[i];
        if (!a->filename || !*a->filename || has_break(a->filename) || strchr(a->filename, '/') ||
            strchr(a->filename, '\\'))
            return garant__error(GARANT_EINVAL, "%s: attachment %zu: bad filename", what, i);
        if (!a->data && a->len) return garant__error(GARANT_EINVAL, "%s: attachment %zu: no data", what, i);
        if (a->content_type) {
            const char *slash = strchr(a->content_type, '/');
            if (!slash || !valid_token(a->content_type, (size_t)(slash - a->content_type)) ||
                !valid_token(slash + 1, strlen(slash + 1)))
                return garant__error(GARANT_EINVAL, "%s: attachment %zu: bad content type", what, i);
        }
    }
    return 0;
}

/* ---- HTML from text ---- */

/* Text is built in a mail_buf (mail_internal.h), whose failure sticks:
** the appends below check nothing, and whoever takes the text checks the
** buffer once, here: GARANT_ENOMEM if b failed (its bytes freed), else 0. */
static int buf_check(mail_buf *b)
{
    if (!b->failed) return 0;
    mail_buf_free(b);
    return garant__error(GARANT_ENOMEM, "mail: out of memory");
}

static void escape_into(mail_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (!rep) continue;
        mail_buf_add(b, s + start, i - start);
        mail_buf_adds(b, rep);
        start = i + 1;
    }
    mail_buf_add(b, s + start, n - start);
}

int garant_mail_html_escape(char **out, const char *text)
{
    mail_buf b = {0};
    escape_into(&b, text, strlen(text));
    if (!(*out = mail_buf_take(&b, NULL))) return garant__error(GARANT_ENOMEM, "mail: out of memory");
    return 0;
}

int garant_mail_text_to_html(char **out, const char *text)
{
    mail_buf b = {0};
    mail_buf_adds(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n<p>");
    const char *p = text;
    /* Leading blank lines open no empty paragraph. */
    while (*p == '\n' || *p == '\r') p++;
    while (!b.failed && *p) {
        size_t n = strcspn(p, "\r\n");
        escape_into(&b, p, n);
        p += n;
        int breaks = 0;
        while (*p == '\n' || *p == '\r') {
            if (*p == '\r' && p[1] == '\n') p++;
            p++;
            breaks++;
        }
        if (*p) mail_buf_adds(&b, breaks > 1 ? "</p>\n<p>" : "<br>\n");
    }
    mail_buf_adds(&b, "</p>\n</body></html>\n");
    if (!(*out = mail_buf_take(&b, NULL))) return garant__error(GARANT_ENOMEM, "mail: out of memory");
    return 0;
}

/* ---- the message ---- */

static int is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return 0;
    return 1;
}

/* A text/<subtype> part in UTF-8: 7bit when the text is ASCII with short
** lines, else quoted-printable. Caller owns the part (g_object_unref). */
static GMimeObject *text_part(const char *subtype, const char *text)
{
    size_t n = strlen(text);
    GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_charset(tp, "utf-8");
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(text, n);
    GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_object_unref(stream);
    g_mime_part_set_content((GMimePart *)tp, content);
    g_object_unref(content);
    int long_lines = 0;
    for (const char *p = text; *p && !long_lines;) {
        size_t line = strcspn(p, "\n");
        long_lines = line > 76;
        p += line;
        if (*p) p++;
    }
    g_mime_part_set_content_encoding((GMimePart *)tp, is_ascii(text, n) && !long_lines
                                                          ? GMIME_CONTENT_ENCODING_7BIT
                                                          : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return (GMimeObject *)tp;
}

static GMimeObject *attachment_part(const garant_mail_attachment *a)
{
    char type[128] = "application", subtype[128] = "octet-stream";
    if (a->content_type) {
        const char *slash = strchr(a->content_type, '/');
        snprintf(type, sizeof type, "%.*s", (int)(slash - a->content_type), a->content_type);
        snprintf(subtype, sizeof subtype, "%s", slash + 1);
    }
    GMimePart *part = g_mime_part_new_with_type(type, subtype);
    g_mime_object_set_disposition((GMimeObject *)part, GMIME_DISPOSITION_ATTACHMENT);
    g_mime_part_set_filename(part, a->filename);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(a->data ? a->data : "", a->len);
    GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_object_unref(stream);
    g_mime_part_set_content(part, content);
    g_object_unref(content);
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    return (GMimeObject *)part;
}

/* A multipart boundary derived from the Message-ID and the part's name, so
** the same message is the same bytes (GMime's own boundaries are random).
** "=_" cannot occur in base64 or quoted-printable text, and a 7-bit text
** part holding this hash by chance is not a case to design for. */
static void set_boundary(GMimeMultipart *mp, const char *message_id, const char *which)
{
    unsigned char h[12];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)message_id, strlen(message_id));
    crypto_generichash_update(&st, (const unsigned char *)which, strlen(which) + 1);
    crypto_generichash_final(&st, h, sizeof h);
    char hex[2 * sizeof h + 1], boundary[64];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(boundary, sizeof boundary, "=_garant_%s_%s", which, hex);
    g_mime_multipart_set_boundary(mp, boundary);
}

/* ---- the message's headers ---- */

/* Longest line written before folding (RFC 5322 asks for 78 at most). */
#define FOLD_AT 76
/* An encoded word's text between "=?UTF-8?Q?" and "?=": 75 - 12. */
#define Q_WORD_MAX 63

/* Length of the UTF-8 sequence starting at s (1..4), or 0 if invalid. A
** NUL-terminated string ends any sequence early, so 4 is a safe bound. */
static size_t utf8_len(const unsigned char *s)
{
    return mail__utf8_seq(s, 4);
}

/* The parser's strict check (buf.c), on a NUL-terminated string. */
static int valid_utf8(const char *s) { return mail__utf8_valid(s, strlen(s)); }

/* Characters a "Q" word may carry as themselves anywhere, phrases
** included (RFC 2047 section 5 (3)). */
static int q_plain(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '!' ||
           ch == '*' || ch == '+' || ch == '-' || ch == '/';
}

/* The "Q" encoding of the UTF-8 character at p (n bytes) into enc;
** its length. */
static size_t q_char(char enc[12], const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t elen = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ') enc[elen++] = '_';
        else if (q_plain(p[i])) enc[elen++] = (char)p[i];
        else {
            enc[elen++] = '=';
            enc[elen++] = hex[p[i] >> 4];
            enc[elen++] = hex[p[i] & 15];
        }
    }
    return elen;
}

/* Encoded length of the chunk at p: its leading spaces and the word after
** them, up to the next space. *bytes is the chunk's length in the text. */
static size_t q_chunk(const unsigned char *p, size_t *bytes)
{
    size_t i = 0, elen = 0;
    char enc[12];
    while (p[i] == ' ') elen += q_char(enc, p + i, 1), i++;
    while (p[i] && p[i] != ' ') {
        size_t n = utf8_len(p + i);
        elen += q_char(enc, p + i, n);
        i += n;
    }
    *bytes = i;
    return elen;
}

/* text as "Q" encoded words separated by folding white space, each as
** long as fits in the line; *col is the column, kept up to date. A word of
** the text is not split across encoded words unless it alone is longer
** than one: some readers (Python's address parser) keep the white space
** between encoded words, which would split the word in two. */
static void put_q_words(mail_buf *b, size_t *col, const char *text)
{
    int open = 0;
    size_t room = 0, long_left = 0; /* bytes left of a chunk written by character */
    const unsigned char *p = (const unsigned char *)text;
    while (*p && !b->failed) {
        size_t bytes = 0, clen = long_left ? 0 : q_chunk(p, &bytes);
        /* A chunk that fits no fresh word is written a character at a time. */
        if (!long_left && clen > Q_WORD_MAX) long_left = bytes;
        int whole = !long_left;
        size_t step_bytes = whole ? bytes : utf8_len(p);
        char enc[12 * 4];
        size_t elen = whole ? clen : q_char(enc, p, step_bytes);
        if (open && elen > room) {
            mail_buf_adds(b, "?=");
            *col += 2;
            open = 0;
        }
        if (!open) {
            /* " =?UTF-8?Q?" + this chunk (or a few characters) + "?=" */
            size_t need = whole ? elen : 12;
            if (*col + 11 + need + 2 > FOLD_AT && *col > 0) {
                mail_buf_adds(b, "\r\n");
                *col = 0;
            }
            mail_buf_adds(b, " =?UTF-8?Q?");
            *col += 11;
            room = FOLD_AT > *col + 2 ? FOLD_AT - *col - 2 : 0;
            if (room > Q_WORD_MAX) room = Q_WORD_MAX;
            if (room < elen) room = elen; /* a first word may pass 76, never 78 */
            open = 1;
        }
        if (whole) {
            for (size_t i = 0; i < bytes;) {
                size_t n = utf8_len(p + i);
                size_t k = q_char(enc, p + i, n);
                mail_buf_add(b, enc, k);
                i += n;
            }
        } else {
            mail_buf_add(b, enc, elen);
        }
        *col += elen;
        room -= elen;
        p += step_bytes;
        if (long_left) long_left -= step_bytes;
    }
    if (open) {
        mail_buf_adds(b, "?=");
        *col += 2;
    }
}

/* Whether text can go out as it is: printable ASCII, no encoded-word
** look-alike, words short enough to fold between. */
static int plain_ascii(const char *text)
{
    size_t word = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f) return 0;
        if (*p == '=' && p[1] == '?') return 0;
        word = *p == ' ' ? 0 : word + 1;
        if (word > 60) return 0;
    }
    return 1;
}

/* "Name: text" for unstructured text (Subject), folded at spaces when it
** is plain ASCII, else as encoded words. */
static void put_text_header(mail_buf *b, const char *name, const char *text)
{
    size_t col = strlen(name) + 1;
    mail_buf_adds(b, name);
    mail_buf_adds(b, ":");
    if (!plain_ascii(text)) {
        put_q_words(b, &col, text);
    } else {
        for (const char *p = text; *p;) {
            size_t n = strcspn(p, " ");
            if (n) {
                if (col + 1 + n > FOLD_AT && col > strlen(name) + 1) {
                    mail_buf_adds(b, "\r\n");
                    col = 0;
                }
                mail_buf_adds(b, " ");
                mail_buf_add(b, p, n);
                col += 1 + n;
            }
            p += n;
            while (*p == ' ') p++;
        }
    }
    mail_buf_adds(b, "\r\n");
}

/* atext of RFC 5322: a display name made only of these and spaces needs
** no quoting. */
static int atext(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr("!#$%&'*+-/=?^_`{|}~ ", ch) != NULL;
}

/* "Name: display <addr>": the name as atoms, a quoted string, or encoded
** words. */
static void put_address_header(mail_buf *b, const char *name, const char *display, const char *addr)
{
    size_t col = strlen(name) + 1;
    mail_buf_adds(b, name);
    mail_buf_adds(b, ":");
    if (display && *display) {
        int atoms = 1, ascii = 1;
        for (const unsigned char *p = (const unsigned char *)display; *p; p++) {
            atoms = atoms && atext(*p);
            ascii = ascii && *p >= 0x20 && *p < 0x7f;
        }
        if (strstr(display, "=?")) atoms = ascii = 0;
        if (ascii && strlen(display) <= 60) {
            mail_buf_adds(b, atoms ? " " : " \"");
            for (const char *p = display; *p; p++) {
                if (!atoms && (*p == '"' || *p == '\\')) mail_buf_adds(b, "\\");
                mail_buf_add(b, p, 1);
            }
            if (!atoms) mail_buf_adds(b, "\"");
            col += 2 + strlen(display) + (atoms ? 0 : 2);
        } else {
            put_q_words(b, &col, display);
        }
    }
    if (col + 3 + strlen(addr) > FOLD_AT && col > strlen(name) + 1) {
        mail_buf_adds(b, "\r\n");
        col = 0;
    }
    mail_buf_adds(b, " <");
    mail_buf_adds(b, addr);
    mail_buf_adds(b, ">\r\n");
}

static void put_header(mail_buf *b, const char *name, const char *value)
{
    mail_buf_adds(b, name);
    mail_buf_adds(b, ": ");
    mail_buf_adds(b, value);
    mail_buf_adds(b, "\r\n");
}

/* RFC 5322 date of t in UTC: "Mon, 21 Sep 2026 14:13:20 +0000". Day and
** month names from tables, not strftime, so the locale cannot change them.
** gmtime_r converts the given instant; no clock is read. */
static int rfc5322_date(char out[40], int64_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    time_t tt = (time_t)t;
    if (t < 0 || t > 253402300799LL || !gmtime_r(&tt, &tm)) return -1; /* 1970 to 9999 */
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/* "<a> <b> ..." of the thread's ids: the root, then the latest
** GARANT_MAIL_MAX_REFERENCES - 1 others, one a line (folded). */
static void put_references(mail_buf *b, const char *root, const char *const *ids, size_t n)
{
    mail_buf_adds(b, "References: <");
    mail_buf_adds(b, root);
    mail_buf_adds(b, ">");
    size_t first = n > GARANT_MAIL_MAX_REFERENCES - 1 ? n - (GARANT_MAIL_MAX_REFERENCES - 1) : 0;
    for (size_t i = first; i < n; i++) {
        if (strcmp(ids[i], root) == 0) continue;
        mail_buf_adds(b, "\r\n <");
        mail_buf_adds(b, ids[i]);
        mail_buf_adds(b, ">");
    }
    mail_buf_adds(b, "\r\n");
}

/* The message's own headers onto b; its failure sticks (mail_buf). */
static int put_headers(mail_buf *b, const garant_mail_message *m)
{
    char date[40];
    if (rfc5322_date(date, m->date_s))
        return garant__error(GARANT_EINVAL, "mail.compose: date %lld out of range", (long long)m->date_s);
    put_header(b, "Date", date);
    put_address_header(b, "From", m->from_name, m->from_addr);
    put_address_header(b, "To", m->to_name, m->to_addr);
    if (m->reply_to) put_address_header(b, "Reply-To", NULL, m->reply_to);
    put_text_header(b, "Subject", m->subject);
    mail_buf_adds(b, "Message-ID: <");
    mail_buf_adds(b, m->message_id);
    mail_buf_adds(b, ">\r\n");
    if (m->thread_root) {
        const char *parent = m->n_previous ? m->previous[m->n_previous - 1] : m->thread_root;
        mail_buf_adds(b, "In-Reply-To: <");
        mail_buf_adds(b, parent);
        mail_buf_adds(b, ">\r\n");
        put_references(b, m->thread_root, m->previous, m->n_previous);
    }
    if (m->auto_submitted != GARANT_MAIL_AUTO_NO)
        put_header(b, "Auto-Submitted",
                   m->auto_submitted == GARANT_MAIL_AUTO_REPLIED ? "auto-replied" : "auto-generated");
    put_header(b, "MIME-Version", "1.0");
    return buf_check(b);
}

/* ---- the message ---- */

/* The body: multipart/alternative, inside multipart/mixed when there are
** attachments. Caller owns; g_object_unref. */
static GMimeObject *build_body(const garant_mail_message *m, const char *html)
{
    GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
    set_boundary(alt, m->message_id, "alt");
    GMimeObject *plain = text_part("plain", m->text), *rich = text_part("html", html);
    g_mime_multipart_add(alt, plain);
    g_mime_multipart_add(alt, rich);
    g_object_unref(plain);
    g_object_unref(rich);
    if (!m->n_attachments) return (GMimeObject *)alt;
    GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
    set_boundary(mixed, m->message_id, "mixed");
    g_mime_multipart_add(mixed, (GMimeObject *)alt);
    g_object_unref(alt);
    for (size_t i = 0; i < m->n_attachments; i++) {
        GMimeObject *a = attachment_part(&m->attachments[i]);
        g_mime_multipart_add(mixed, a);
        g_object_unref(a);
    }
    return (GMimeObject *)mixed;
}

int garant_mail_compose(char **out, size_t *out_len, const garant_mail_message *m)
{
    static const char what[] = "mail.compose";
    *out = NULL;
    *out_len = 0;
    int rc = check_message(m);
    if (rc) return rc;
    if ((rc = garant_mail__init())) return rc;

    char *html = NULL;
    mail_buf b = {0};
    GMimeObject *body = NULL;
    GMimeStream *stream = NULL;
    GMimeFormatOptions *opts = NULL;

    /* A rough size first: base64 grows attachments by 4/3 and its line
    ** breaks, so refuse what cannot fit before building it. */
    size_t estimate = strlen(m->text) * 2 + (m->html ? strlen(m->html) : 0);
    for (size_t i = 0; i < m->n_attachments; i++) estimate += m->attachments[i].len / 57 * 78;
    if (estimate > GARANT_MAIL_MAX_RAW) {
        rc = garant__error(GARANT_ELIMIT, "%s: message larger than %d bytes", what, GARANT_MAIL_MAX_RAW);
        goto done;
    }
    if (!m->html && (rc = garant_mail_text_to_html(&html, m->text))) goto done;
    if ((rc = put_headers(&b, m))) goto done;

    body = build_body(m, m->html ? m->html : html);
    opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    stream = g_mime_stream_mem_new();
    if (g_mime_object_write_to_stream(body, opts, stream) < 0) {
        rc = garant__error(GARANT_EIO, "%s: GMime could not write the message", what);
        goto done;
    }
    GByteArray *bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)stream);
    if (b.len + bytes->len > GARANT_MAIL_MAX_RAW) {
        rc = garant__error(GARANT_ELIMIT, "%s: message of %zu bytes is over %d", what, b.len + bytes->len,
                           GARANT_MAIL_MAX_RAW);
        goto done;
    }
    mail_buf_add(&b, (const char *)bytes->data, bytes->len);
    if ((rc = buf_check(&b))) goto done;
    *out = mail_buf_take(&b, out_len);

done:
    if (stream) g_object_unref(stream);
    if (opts) g_mime_format_options_free(opts);
    if (body) g_object_unref(body);
    free(html);
    mail_buf_free(&b);
    return rc;
}
