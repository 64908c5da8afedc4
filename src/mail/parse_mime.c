/*
** parse_mime.c - the MIME walk of an inbound message (the parser's second
** half, parse_parts.h): which part is the body text (text/plain over HTML,
** format=flowed joined, a forwarded message as the fallback), which parts
** are attachments and their safe names, and what a delivery status
** notification says about the message it returns. The walk is bounded by
** the limits (parts, depth, bytes), so a hostile message costs bounded
** time and memory.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "garant/error_wrap.h"
#include "mail_internal.h"
#include "parse_parts.h"

#define MAX_FILENAME 200

/* Everything the walk of one message collects. */
typedef struct walker {
    const garant_mail_limits *lim;
    garant_mail_message *msg;
    mail_buf plain;
    mail_buf html_text;
    mail_buf forwarded; /* the body of the first forwarded message, a fallback */
    size_t parts;
    size_t attachment_bytes;
    size_t attachments_cap;
    int in_report;
    int failed; /* out of memory */
} walker;

/* --- bytes of a part ------------------------------------------------------ */

/* The decoded content of a leaf part. Caller owns; free with g_byte_array_unref. */
static GByteArray *part_bytes(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *mem = g_mime_stream_mem_new();
    if (content) g_mime_data_wrapper_write_to_stream(content, mem);
    /* The stream frees its array's bytes when it owns them, whatever the
    ** array's reference count: take them over. */
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    return ba;
}

static GByteArray *object_bytes(GMimeObject *obj)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(obj, NULL, mem);
    /* The stream frees its array's bytes when it owns them, whatever the
    ** array's reference count: take them over. */
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    return ba;
}

/* --- delivery status notifications ---------------------------------------- */

/* The value of field `name` in a block of "Name: value" lines, or NULL.
** Caller owns; free with free(). */
static char *field(const char *s, size_t n, const char *name, walker *w)
{
    size_t k = strlen(name);
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        if (e - i > k && strncasecmp(s + i, name, k) == 0 && s[i + k] == ':') {
            const char *v = s + i + k + 1;
            size_t vn = e - (i + k + 1);
            /* A value folded onto the next line ("Message-ID:\n <x@y>"). */
            if (vn == 0 || (vn == 1 && v[0] == '\r')) {
                size_t e2 = e + 1;
                while (e2 < n && s[e2] != '\n') e2++;
                if (e + 1 < n && (s[e + 1] == ' ' || s[e + 1] == '\t')) {
                    v = s + e + 1;
                    vn = e2 - (e + 1);
                }
            }
            return mail__trimmed_dup(v, vn, &w->failed);
        }
        i = e + 1;
    }
    return NULL;
}

static char *strip_angles(char *id)
{
    if (!id) return NULL;
    char *lt = strchr(id, '<');
    char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        size_t n = (size_t)(gt - lt - 1);
        memmove(id, lt + 1, n);
        id[n] = '\0';
    }
    return id;
}

static void read_delivery_status(garant_mail_message *m, const char *s, size_t n, walker *w)
{
    if (!m->bounce_recipient) {
        char *r = field(s, n, "Original-Recipient", w);
        if (!r) r = field(s, n, "Final-Recipient", w);
        if (r) {
            /* "rfc822; user@example.com" */
            char *semi = strchr(r, ';');
            const char *a = semi ? semi + 1 : r;
            while (*a == ' ' || *a == '\t') a++;
            m->bounce_recipient = mail__trimmed_dup(a, strlen(a), &w->failed);
            strip_angles(m->bounce_recipient);
            free(r);
        }
    }
    if (!m->bounce_action) {
        m->bounce_action = field(s, n, "Action", w);
        mail__lower(m->bounce_action);
    }
    if (!m->bounce_status) {
        char *st = field(s, n, "Status", w);
        if (st) st[strcspn(st, " \t(")] = '\0';
        m->bounce_status = st;
    }
}

/* --- attachments ---------------------------------------------------------- */

static const char *extension_for(const char *type)
{
    static const struct {
        const char *type, *ext;
    } map[] = {{"image/png", ".png"},  {"image/jpeg", ".jpg"}, {"image/gif", ".gif"},
               {"application/pdf", ".pdf"}, {"text/plain", ".txt"}, {"text/html", ".html"},
               {"message/rfc822", ".eml"},  {"text/calendar", ".ics"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(type, map[i].type) == 0) return map[i].ext;
    return ".bin";
}

/* A file name safe to show and to offer for download: no directories, no
** control characters, at most MAX_FILENAME bytes cut at a character. */
static char *clean_filename(const char *name, const char *type, size_t index, walker *w)
{
    mail_buf b = {0};
    if (name) {
        const char *base = name;
        for (const char *p = name; *p; p++)
            if (*p == '/' || *p == '\\') base = p + 1;
        mail_buf tmp = {0};
        mail__add_utf8(&tmp, base, strlen(base));
        for (size_t i = 0; tmp.p && i < tmp.len; i++) {
            unsigned char c = (unsigned char)tmp.p[i];
            if (c < 0x20 || c == 0x7f) c = '_';
            if (b.len >= MAX_FILENAME && (c & 0xC0) != 0x80) break;
            mail_buf_addc(&b, (char)c);
        }
        mail_buf_free(&tmp);
        while (b.len && (b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '.')) b.p[--b.len] = '\0';
        if (b.len && strspn(b.p, ".") == b.len) b.len = 0;
    }
    if (b.len == 0) {
        char def[64];
        if (strcasecmp(type, "application/ms-tnef") == 0 || strcasecmp(type, "application/vnd.ms-tnef") == 0)
            snprintf(def, sizeof def, "winmail.dat");
        else
            snprintf(def, sizeof def, "attachment-%zu%s", index, extension_for(type));
        b.len = 0;
        mail_buf_adds(&b, def);
    }
    char *r = mail_buf_take(&b, NULL);
    if (!r) w->failed = 1;
    return r;
}

/* Adds an attachment; takes ownership of ba (unreffed here either way). */
static void add_attachment(walker *w, GMimeObject *obj, const char *filename, GByteArray *ba, int is_inline)
{
    garant_mail_message *m = w->msg;
    if (w->attachment_bytes + ba->len > w->lim->max_attachment_bytes) {
        m->defects |= GARANT_MAIL_DEFECT_ATTACHMENTS;
        g_byte_array_unref(ba);
        return;
    }
    if (garant__grow((void **)&m->attachments, &w->attachments_cap, m->n_attachments + 1,
                     sizeof *m->attachments)) {
        w->failed = 1;
        g_byte_array_unref(ba);
        return;
    }
    garant_mail_attachment *a = &m->attachments[m->n_attachments];
    memset(a, 0, sizeof *a);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    a->content_type = mail__utf8_dup(type ? type : "application/octet-stream", &w->failed);
    g_free(type);
    mail__lower(a->content_type);
    a->filename = clean_filename(filename, a->content_type ? a->content_type : "", m->n_attachments + 1, w);
    const char *cid = g_mime_object_get_content_id(obj);
    if (cid && *cid) a->content_id = mail__utf8_dup(cid, &w->failed);
    a->is_inline = is_inline;
    a->len = ba->len;
    a->data = malloc(ba->len ? ba->len : 1);
    if (!a->data) w->failed = 1;
    else if (ba->len) memcpy(a->data, ba->data, ba->len);
    g_byte_array_unref(ba);
    w->attachment_bytes += a->len;
    m->n_attachments++;
}

/* --- the MIME walk ---------------------------------------------------------- */

static void walk(walker *w, GMimeObject *obj, unsigned depth, int want_text, int want_files);

static void walk_message_part(walker *w, GMimeMessagePart *mp, unsigned depth, int want_text, int want_files)
{
    GMimeMessage *inner = g_mime_message_part_get_message(mp);
    if (!inner) return;
    garant_mail_message *m = w->msg;
    if (w->in_report && !m->bounce_message_id) {
        const char *id = g_mime_message_get_message_id(inner);
        if (id) m->bounce_message_id = mail__utf8_dup(id, &w->failed);
    }
    if (want_files) {
        const char *subject = g_mime_message_get_subject(inner);
        char name[MAX_FILENAME + 8];
        snprintf(name, sizeof name, "%.*s.eml", MAX_FILENAME - 8,
                 subject && *subject ? subject : "forwarded-message");
        /* A subject is no path: "Re: A/B test" must not become "B test". */
        for (char *p = name; *p; p++)
            if (*p == '/' || *p == '\\') *p = '_';
        GMimeContentDisposition *cd = g_mime_object_get_content_disposition(GMIME_OBJECT(mp));
        const char *declared = cd ? g_mime_content_disposition_get_parameter(cd, "filename") : NULL;
        add_attachment(w, GMIME_OBJECT(mp), declared ? declared : name, object_bytes(GMIME_OBJECT(inner)), 0);
    }
    /* Its text is the fallback body (a forward with no comment of its own). */
    if (want_text && w->forwarded.len == 0) {
        GMimeObject *body = g_mime_message_get_mime_part(inner);
        if (body) {
            mail_buf saved_plain = w->plain, saved_html = w->html_text;
            memset(&w->plain, 0, sizeof w->plain);
            memset(&w->html_text, 0, sizeof w->html_text);
            walk(w, body, depth + 1, 1, 0);
            mail_buf *use = w->plain.len ? &w->plain : &w->html_text;
            mail_buf_add(&w->forwarded, use->p ? use->p : "", use->len);
            if (w->plain.failed || w->html_text.failed) w->failed = 1;
            mail_buf_free(&w->plain);
            mail_buf_free(&w->html_text);
            w->plain = saved_plain;
            w->html_text = saved_html;
        }
    }
}

static int param_is(GMimeContentType *ct, const char *name, const char *value)
{
    const char *v = ct ? g_mime_content_type_get_parameter(ct, name) : NULL;
    return v && strcasecmp(v, value) == 0;
}

static int is_flowed(GMimeContentType *ct) { return param_is(ct, "format", "flowed"); }

static int delsp(GMimeContentType *ct) { return param_is(ct, "delsp", "yes"); }

/* format=flowed (RFC 3676, Apple Mail and Thunderbird): a line ending in a
** space continues on the next one of the same quote depth; a leading space
** was added for transport (space-stuffing). The "-- " signature line is
** never flowed. Quoted lines come out as "> " lines, one per paragraph. */
static void unflow(mail_buf *dst, const char *s, size_t n, int del_space)
{
    int open_depth = -1; /* quote depth of a paragraph still being joined */
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        size_t t = e;
        if (t > i && s[t - 1] == '\r') t--;
        const char *l = s + i;
        size_t len = t - i;
        int depth = 0;
        while (len && *l == '>') l++, len--, depth++;
        if (len && *l == ' ') l++, len--;
        int sig = len == 3 && memcmp(l, "-- ", 3) == 0;
        int soft = !sig && len > 0 && l[len - 1] == ' ';
        if (open_depth >= 0 && open_depth != depth) mail_buf_addc(dst, '\n');
        if (open_depth != depth) {
            for (int q = 0; q < depth; q++) mail_buf_addc(dst, '>');
            if (depth && len) mail_buf_addc(dst, ' ');
        }
        mail_buf_add(dst, l, soft && del_space ? len - 1 : len);
        if (soft) {
            open_depth = depth;
        } else {
            mail_buf_addc(dst, '\n');
            open_depth = -1;
        }
        i = e + 1;
    }
    if (open_depth >= 0) mail_buf_addc(dst, '\n');
}

static void add_body_text(walker *w, GMimePart *part, int html)
{
    GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
    GByteArray *ba = part_bytes(part);
    mail_buf utf8 = {0};
    mail__add_text(&utf8, cs, (const char *)ba->data, ba->len, &w->msg->defects);
    g_byte_array_unref(ba);
    if (utf8.failed) {
        w->failed = 1;
        mail_buf_free(&utf8);
        return;
    }
    /* Text parts around an inline image (Apple Mail) are paragraphs. */
    mail_buf *dst = html ? &w->html_text : &w->plain;
    if (dst->len && dst->p[dst->len - 1] != '\n') mail_buf_addc(dst, '\n');
    if (dst->len > 1 && dst->p[dst->len - 2] != '\n') mail_buf_addc(dst, '\n');
    if (html) {
        char *text = NULL;
        if (garant_mail_html_to_text(&text, utf8.p ? utf8.p : "", utf8.len)) w->failed = 1;
        else mail_buf_adds(dst, text);
        free(text);
    } else if (is_flowed(ct)) {
        unflow(dst, utf8.p ? utf8.p : "", utf8.len, delsp(ct));
    } else {
        mail_buf_add(dst, utf8.p ? utf8.p : "", utf8.len);
    }
    mail_buf_free(&utf8);
}

static int is_type(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    return ct && g_mime_content_type_is_type(ct, type, subtype);
}

static void walk_part(walker *w, GMimePart *part, int want_text, int want_files)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
    const char *filename = g_mime_part_get_filename(part);
    int attached = cd && g_mime_content_disposition_is_attachment(cd);
    const char *cid = g_mime_object_get_content_id(obj);
    int is_inline = cd ? !attached : cid != NULL;

    if (w->in_report && (is_type(obj, "message", "delivery-status") ||
                         is_type(obj, "message", "global-delivery-status"))) {
        GByteArray *ba = part_bytes(part);
        read_delivery_status(w->msg, (const char *)ba->data, ba->len, w);
        g_byte_array_unref(ba);
        return;
    }
    if (w->in_report && is_type(obj, "text", "rfc822-headers")) {
        GByteArray *ba = part_bytes(part);
        if (!w->msg->bounce_message_id)
            w->msg->bounce_message_id = strip_angles(field((const char *)ba->data, ba->len, "Message-ID", w));
        g_byte_array_unref(ba);
        return;
    }
    if (!attached && !filename && ct && (g_mime_content_type_is_type(ct, "text", "plain") ||
                                         g_mime_content_type_is_type(ct, "text", "html"))) {
        if (want_text) add_body_text(w, part, g_mime_content_type_is_type(ct, "text", "html"));
        return;
    }
    /* Detached signatures say nothing to an agent. */
    if (is_type(obj, "application", "pgp-signature") || is_type(obj, "application", "pkcs7-signature") ||
        is_type(obj, "application", "x-pkcs7-signature"))
        return;
    if (want_files) add_attachment(w, obj, filename, part_bytes(part), is_inline);
}

/* The child of a multipart/alternative to read the text from: text/plain,
** else text/html, else the first multipart (related HTML), else the last. */
static int pick_alternative(GMimeMultipart *mp)
{
    int count = g_mime_multipart_get_count(mp);
    int html = -1, multi = -1;
    for (int i = 0; i < count; i++) {
        GMimeObject *c = g_mime_multipart_get_part(mp, i);
        if (is_type(c, "text", "plain")) return i;
        if (html < 0 && is_type(c, "text", "html")) html = i;
        if (multi < 0 && GMIME_IS_MULTIPART(c)) multi = i;
    }
    if (html >= 0) return html;
    if (multi >= 0) return multi;
    return count - 1;
}

static void walk(walker *w, GMimeObject *obj, unsigned depth, int want_text, int want_files)
{
    if (w->failed || !obj) return;
    if (depth > w->lim->max_depth) {
        w->msg->defects |= GARANT_MAIL_DEFECT_DEPTH;
        return;
    }
    if (++w->parts > w->lim->max_parts) {
        w->msg->defects |= GARANT_MAIL_DEFECT_PARTS;
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        walk_message_part(w, GMIME_MESSAGE_PART(obj), depth, want_text, want_files);
    } else if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int count = g_mime_multipart_get_count(mp);
        int was_report = w->in_report;
        if (is_type(obj, "multipart", "report")) {
            const char *rt = g_mime_content_type_get_parameter(g_mime_object_get_content_type(obj), "report-type");
            if (rt && (strcasecmp(rt, "delivery-status") == 0 || strcasecmp(rt, "global-delivery-status") == 0)) {
                w->msg->is_bounce = 1;
                w->msg->auto_flags |= GARANT_MAIL_AUTO_BOUNCE;
                w->in_report = 1;
            }
        }
        /* No parts at all (a missing or wrong boundary): what GMime kept
        ** as the prologue is the best text there is. */
        const char *prologue = g_mime_multipart_get_prologue(mp);
        if (count == 0 && want_text && prologue && *prologue) {
            mail__add_text(&w->plain, NULL, prologue, strlen(prologue), &w->msg->defects);
            w->msg->defects |= GARANT_MAIL_DEFECT_STRUCTURE;
        }
        int chosen = is_type(obj, "multipart", "alternative") ? pick_alternative(mp) : -1;
        for (int i = 0; i < count && !w->failed; i++) {
            int text = want_text && (chosen < 0 || chosen == i);
            walk(w, g_mime_multipart_get_part(mp, i), depth + 1, text, want_files);
        }
        w->in_report = was_report;
    } else if (GMIME_IS_PART(obj)) {
        walk_part(w, GMIME_PART(obj), want_text, want_files);
    }
}

/* --- the body text ---------------------------------------------------------- */

/* CRLF to LF, no trailing blank lines, ends in "\n" unless empty. */
static char *finish_text(const mail_buf *b, size_t max, size_t *len_out, unsigned *defects, walker *w)
{
    mail_buf o = {0};
    const char *s = b->p ? b->p : "";
    size_t n = b->len;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
        *defects |= GARANT_MAIL_DEFECT_TEXT_CUT;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            if (i + 1 < n && s[i + 1] == '\n') continue;
            mail_buf_addc(&o, '\n');
            continue;
        }
        /* Control characters other than tab and line end mean nothing in
        ** a reply and can confuse a terminal or a log: out. */
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) continue;
        mail_buf_addc(&o, (char)c);
    }
    while (o.len && (o.p[o.len - 1] == '\n' || o.p[o.len - 1] == ' ' || o.p[o.len - 1] == '\t')) o.len--;
    if (o.p) o.p[o.len] = '\0';
    if (o.len) mail_buf_addc(&o, '\n');
    char *r = mail_buf_take(&o, len_out);
    if (!r) w->failed = 1;
    return r;
}

void mail__read_body(garant_mail_message *m, GMimeMessage *gm, const garant_mail_limits *lim, int *failed)
{
    walker w = {.lim = lim, .msg = m};
    walk(&w, g_mime_message_get_mime_part(gm), 0, 1, 1);
    const mail_buf *body = &w.plain;
    if (!w.plain.len && w.html_text.len) {
        body = &w.html_text;
        m->text_from_html = 1;
    }
    if (!body->len && w.forwarded.len) body = &w.forwarded;
    if (w.plain.failed || w.html_text.failed || w.forwarded.failed) w.failed = 1;
    m->text = finish_text(body, lim->max_text_bytes, &m->text_len, &m->defects, &w);
    mail_buf_free(&w.plain);
    mail_buf_free(&w.html_text);
    mail_buf_free(&w.forwarded);
    if (w.failed) *failed = 1;
}
