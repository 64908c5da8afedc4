/*
** parse.c - one inbound RFC 5322 message into a garant_mail_message.
**
** GMime 3 reads the MIME structure (headers, RFC 2047/2231 words,
** transfer encodings, nested multiparts); this file decides what the desk
** sees: which part is the body, which parts are attachments, whether a
** machine sent the mail, and what the trusted MTA's Authentication-Results
** say. Text is converted to UTF-8 here with iconv (through GMime's charset
** names), byte by byte where a charset cannot explain the input, so a
** wrong or unknown charset costs a U+FFFD, never the message.
**
** Walking the MIME tree is bounded by the limits (parts, depth, bytes),
** so a hostile message costs bounded time and memory. GMime's one-time
** initialisation (init.c) is the only global state.
*/
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "mail_internal.h"
#include "parse.h"

/* Addresses kept per To/Cc list: more is a list explosion, not a reply. */
#define MAX_ADDRESSES 500
#define MAX_REFERENCES 200
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

/* --- text: charsets to UTF-8 -------------------------------------------- */

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
static void add_text(mail_buf *out, const char *cs, const char *s, size_t n, unsigned *defects)
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
static char *utf8_dup(const char *s, walker *w)
{
    if (!s) return NULL;
    mail_buf b = {0};
    unsigned d = 0;
    add_utf8_fixed(&b, s, strlen(s), &d);
    /* A header value is one line: control characters become spaces. */
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)b.p[i] < 0x20 || b.p[i] == 0x7f) b.p[i] = ' ';
    char *r = mail_buf_take(&b, NULL);
    if (!r) w->failed = 1;
    return r;
}

static char *trimmed_dup(const char *s, size_t n, walker *w)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    char *r = malloc(n + 1);
    if (!r) {
        w->failed = 1;
        return NULL;
    }
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void lower(char *s)
{
    for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}

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

/* --- headers -------------------------------------------------------------- */

static void take_mailbox(garant_mail_address *a, InternetAddress *ia, walker *w)
{
    a->name = NULL;
    const char *name = internet_address_get_name(ia);
    if (name && *name) a->name = utf8_dup(name, w);
    a->addr = utf8_dup(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), w);
}

/* Every mailbox of list, groups flattened, up to MAX_ADDRESSES. */
static void flatten(garant_mail_address **out, size_t *n, size_t *cap, InternetAddressList *list,
                    int depth, walker *w)
{
    if (!list || depth > 4) return;
    int count = internet_address_list_length(list);
    for (int i = 0; i < count && *n < MAX_ADDRESSES && !w->failed; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            flatten(out, n, cap, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), depth + 1, w);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            if (garant__grow((void **)out, cap, *n + 1, sizeof **out)) {
                w->failed = 1;
                return;
            }
            take_mailbox(&(*out)[(*n)++], ia, w);
        }
    }
}

static void first_mailbox(garant_mail_address *a, InternetAddressList *list, walker *w)
{
    garant_mail_address *all = NULL;
    size_t n = 0, cap = 0;
    flatten(&all, &n, &cap, list, 0, w);
    if (n) {
        *a = all[0];
        for (size_t i = 1; i < n; i++) {
            free(all[i].name);
            free(all[i].addr);
        }
    }
    free(all);
}

static int value_is(const char *v, const char *word)
{
    size_t k = strlen(word);
    while (*v && isspace((unsigned char)*v)) v++;
    if (strncasecmp(v, word, k) != 0) return 0;
    v += k;
    while (*v && isspace((unsigned char)*v)) v++;
    return *v == '\0' || *v == ';';
}

/* word appears in the comma-separated list v, any case. */
static int has_word_ci(const char *v, const char *word)
{
    size_t k = strlen(word);
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',') v++;
        size_t n = strcspn(v, ", \t");
        if (n == k && strncasecmp(v, word, k) == 0) return 1;
        v += n;
    }
    return 0;
}

static void read_auto(garant_mail_message *m, GMimeObject *top, walker *w)
{
    const char *v = g_mime_object_get_header(top, "Auto-Submitted");
    if (v) {
        m->auto_submitted = trimmed_dup(v, strlen(v), w);
        lower(m->auto_submitted);
        if (!value_is(v, "no")) m->auto_flags |= GARANT_MAIL_AUTO_SUBMITTED;
    }
    v = g_mime_object_get_header(top, "Precedence");
    if (v && (value_is(v, "bulk") || value_is(v, "list") || value_is(v, "junk") || value_is(v, "auto_reply")))
        m->auto_flags |= GARANT_MAIL_AUTO_PRECEDENCE;
    static const char *const xheaders[] = {"X-Autoreply", "X-Autorespond", "X-Autoresponder",
                                           "X-AutoReply-From", "X-Mail-Autoreply", "X-Autogenerated",
                                           "X-FC-MachineGenerated"};
    for (size_t i = 0; i < sizeof xheaders / sizeof xheaders[0]; i++) {
        v = g_mime_object_get_header(top, xheaders[i]);
        if (v && !value_is(v, "no") && !value_is(v, "false")) m->auto_flags |= GARANT_MAIL_AUTO_XHEADER;
    }
    /* Exchange marks its out-of-office and delivery reports this way. */
    v = g_mime_object_get_header(top, "X-Auto-Response-Suppress");
    if (v && (has_word_ci(v, "All") || has_word_ci(v, "OOF") || has_word_ci(v, "AutoReply") || has_word_ci(v, "DR")))
        m->auto_flags |= GARANT_MAIL_AUTO_XHEADER;
    if (g_mime_object_get_header(top, "List-Id") || g_mime_object_get_header(top, "List-Unsubscribe"))
        m->auto_flags |= GARANT_MAIL_AUTO_LIST;

    v = g_mime_object_get_header(top, "Return-Path");
    if (v) {
        const char *lt = strchr(v, '<');
        const char *gt = lt ? strchr(lt, '>') : NULL;
        if (lt && gt) m->return_path = trimmed_dup(lt + 1, (size_t)(gt - lt - 1), w);
        else m->return_path = trimmed_dup(v, strlen(v), w);
        if (m->return_path && !*m->return_path) m->auto_flags |= GARANT_MAIL_AUTO_NULL_SENDER;
    }
}

/* --- Authentication-Results (RFC 8601) ---------------------------------- */

static garant_mail_auth combine(garant_mail_auth old, const char *result)
{
    if (strcasecmp(result, "pass") == 0) return GARANT_MAIL_AUTH_PASS;
    if (old == GARANT_MAIL_AUTH_PASS) return old;
    if (strcasecmp(result, "fail") == 0 || strcasecmp(result, "permerror") == 0) return GARANT_MAIL_AUTH_FAIL;
    return old;
}

/* One header value: "authserv-id [version]; method=result props; ...".
** Returns 1 if it was counted (its authserv-id is the one wanted). */
static int read_auth_results(garant_mail_message *m, const char *value, const char *authserv_id)
{
    /* Comments out, so "(key=x)" never reads as a method. */
    size_t n = strlen(value);
    char *s = malloc(n + 1);
    if (!s) return 0;
    size_t k = 0;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = value[i];
        if (c == '\\' && i + 1 < n && depth) {
            i++;
            continue;
        }
        if (c == '(') depth++;
        else if (c == ')' && depth) depth--;
        else if (!depth) s[k++] = c;
    }
    s[k] = '\0';

    int counted = 0;
    char *save = NULL;
    char *seg = strtok_r(s, ";", &save);
    if (seg) {
        while (isspace((unsigned char)*seg)) seg++;
        size_t id_len = strcspn(seg, " \t\r\n");
        if (authserv_id && (strlen(authserv_id) != id_len || strncasecmp(seg, authserv_id, id_len) != 0))
            goto done;
        counted = 1;
        while ((seg = strtok_r(NULL, ";", &save))) {
            char *eq = strchr(seg, '=');
            if (!eq) continue;
            char *me = eq;
            while (me > seg && isspace((unsigned char)me[-1])) me--;
            char *mb = me;
            while (mb > seg && !isspace((unsigned char)mb[-1])) mb--;
            char *rb = eq + 1;
            while (*rb && isspace((unsigned char)*rb)) rb++;
            char result[32];
            size_t rl = 0;
            while (rb[rl] && !isspace((unsigned char)rb[rl]) && rl + 1 < sizeof result) {
                result[rl] = rb[rl];
                rl++;
            }
            result[rl] = '\0';
            size_t ml = (size_t)(me - mb);
            if (ml == 4 && strncasecmp(mb, "dkim", 4) == 0) m->dkim = combine(m->dkim, result);
            else if (ml == 3 && strncasecmp(mb, "spf", 3) == 0) m->spf = combine(m->spf, result);
            else if (ml == 5 && strncasecmp(mb, "dmarc", 5) == 0) m->dmarc = combine(m->dmarc, result);
        }
    }
done:
    free(s);
    return counted;
}

static void read_auth(garant_mail_message *m, GMimeObject *top, const char *authserv_id)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(top);
    int count = g_mime_header_list_get_count(hl);
    for (int i = 0; i < count; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        if (!name || strcasecmp(name, "Authentication-Results") != 0) continue;
        const char *v = g_mime_header_get_raw_value(h);
        if (!v) continue;
        /* Without an authserv-id only the topmost header counts: the one
        ** our MTA prepended; lower ones came with the message. */
        if (read_auth_results(m, v, authserv_id) && !authserv_id) break;
    }
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
            return trimmed_dup(v, vn, w);
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
            m->bounce_recipient = trimmed_dup(a, strlen(a), w);
            strip_angles(m->bounce_recipient);
            free(r);
        }
    }
    if (!m->bounce_action) {
        m->bounce_action = field(s, n, "Action", w);
        lower(m->bounce_action);
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
        unsigned d = 0;
        add_utf8_fixed(&tmp, base, strlen(base), &d);
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
    a->content_type = utf8_dup(type ? type : "application/octet-stream", w);
    g_free(type);
    lower(a->content_type);
    a->filename = clean_filename(filename, a->content_type ? a->content_type : "", m->n_attachments + 1, w);
    const char *cid = g_mime_object_get_content_id(obj);
    if (cid && *cid) a->content_id = utf8_dup(cid, w);
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
        if (id) m->bounce_message_id = utf8_dup(id, w);
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
    add_text(&utf8, cs, (const char *)ba->data, ba->len, &w->msg->defects);
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
            add_text(&w->plain, NULL, prologue, strlen(prologue), &w->msg->defects);
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

/* --- the message ------------------------------------------------------------ */

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

static void read_ids(garant_mail_message *m, GMimeObject *top, GMimeParserOptions *opts, walker *w)
{
    const char *v = g_mime_object_get_header(top, "In-Reply-To");
    if (v) {
        GMimeReferences *refs = g_mime_references_parse(opts, v);
        if (refs && g_mime_references_length(refs) > 0)
            m->in_reply_to = utf8_dup(g_mime_references_get_message_id(refs, 0), w);
        if (refs) g_mime_references_free(refs);
    }
    v = g_mime_object_get_header(top, "References");
    if (v) {
        GMimeReferences *refs = g_mime_references_parse(opts, v);
        int count = refs ? g_mime_references_length(refs) : 0;
        if (count > MAX_REFERENCES) count = MAX_REFERENCES;
        if (count > 0) {
            m->references = calloc((size_t)count, sizeof *m->references);
            if (!m->references) w->failed = 1;
            for (int i = 0; m->references && i < count; i++)
                m->references[m->n_references++] = utf8_dup(g_mime_references_get_message_id(refs, i), w);
        }
        if (refs) g_mime_references_free(refs);
    }
}

static void read_message(walker *w, GMimeMessage *gm, GMimeParserOptions *opts)
{
    garant_mail_message *m = w->msg;
    GMimeObject *top = GMIME_OBJECT(gm);
    first_mailbox(&m->from, g_mime_message_get_from(gm), w);
    first_mailbox(&m->reply_to, g_mime_message_get_reply_to(gm), w);
    size_t cap = 0;
    flatten(&m->to, &m->n_to, &cap, g_mime_message_get_to(gm), 0, w);
    cap = 0;
    flatten(&m->cc, &m->n_cc, &cap, g_mime_message_get_cc(gm), 0, w);
    const char *subject = g_mime_message_get_subject(gm);
    m->subject = utf8_dup(subject ? subject : "", w);
    const char *id = g_mime_message_get_message_id(gm);
    if (id && *id) m->message_id = utf8_dup(id, w);
    read_ids(m, top, opts, w);
    GDateTime *date = g_mime_message_get_date(gm);
    if (date) {
        m->date_s = (int64_t)g_date_time_to_unix(date);
        m->has_date = 1;
    }
    read_auto(m, top, w);
    read_auth(m, top, w->lim->authserv_id);

    walk(w, g_mime_message_get_mime_part(gm), 0, 1, 1);

    const mail_buf *body = &w->plain;
    if (!w->plain.len && w->html_text.len) {
        body = &w->html_text;
        m->text_from_html = 1;
    }
    if (!body->len && w->forwarded.len) body = &w->forwarded;
    if (w->plain.failed || w->html_text.failed || w->forwarded.failed) w->failed = 1;
    m->text = finish_text(body, w->lim->max_text_bytes, &m->text_len, &m->defects, w);
}

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
    walker w = {.lim = &l, .msg = m};

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
        goto out;
    }
    read_message(&w, gm, opts);
    if (w.failed) rc = garant__error(GARANT_ENOMEM, "out of memory parsing a %zu-byte mail", len);

out:
    if (gm) g_object_unref(gm);
    g_mime_parser_options_free(opts);
    g_object_unref(parser);
    g_object_unref(stream);
    mail_buf_free(&w.plain);
    mail_buf_free(&w.html_text);
    mail_buf_free(&w.forwarded);
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
