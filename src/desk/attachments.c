/*
** attachments.c - files on a ticket's messages (desk_attachments.h): the
** rules for names, types and sizes, staging through the write path in
** chunks, linking, who may see a file, and the files of a message for
** outbound mail.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk_attachments.h"
#include "compose.h"

/* A staged upload nobody linked is forgotten after a day; one whose chunks
** were cut off (a crash mid-upload) after an hour. */
#define STAGED_TTL_S (24 * 3600)
#define PENDING_TTL_S 3600
/* Forgotten at most per upload, so that the sweep's write stays short. */
#define SWEEP_PER_UPLOAD 8

int64_t desk_attachment_max_bytes(const garant_desk *d)
{
    int64_t v = desk_options_of(d)->attachment_max_bytes;
    return v > 0 ? v : DESK_ATTACHMENT_MAX_BYTES;
}

int64_t desk_ticket_attachments_max_bytes(const garant_desk *d)
{
    int64_t v = desk_options_of(d)->ticket_attachments_max_bytes;
    return v > 0 ? v : DESK_TICKET_ATTACHMENTS_MAX_BYTES;
}

/* ---- names and types ---------------------------------------------------- */

/* Length of the UTF-8 sequence at s (1-4), or 0 if it is not one (overlong
** forms, surrogates and code points past U+10FFFF refused). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0;
        if (c == 0xed && s[1] >= 0xa0) return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0;
        if (c == 0xf4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

int desk_attachment_name(char *out, const char *name)
{
    const unsigned char *s = (const unsigned char *)(name ? name : "");
    for (const unsigned char *p = s; *p;) {
        size_t k = utf8_len(p);
        if (!k) return garant__error(GARANT_EINVAL, "the file name is not valid UTF-8");
        p += k;
    }
    /* The last component of a path, as browsers on Windows sent it. */
    const unsigned char *base = s;
    for (const unsigned char *p = s; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    while (*base == '.' || *base == ' ') base++;
    size_t n = 0;
    for (const unsigned char *p = base; *p;) {
        size_t k = utf8_len(p);
        int drop = k == 1 && (*p < 0x20 || *p == 0x7f || *p == '"');
        /* U+2028/2029 and the bidi overrides would garble a listing. */
        if (k == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9 || (p[2] >= 0xaa && p[2] <= 0xae)))
            drop = 1;
        if (!drop) {
            if (n + k > GARANT_ATTACHMENT_MAX_NAME) break;
            memcpy(out + n, p, k);
            n += k;
        }
        p += k;
    }
    while (n && out[n - 1] == ' ') n--;
    out[n] = '\0';
    if (!n) snprintf(out, GARANT_ATTACHMENT_MAX_NAME + 1, "attachment");
    return 0;
}

/* A media type "type/subtype" of RFC 9110 token characters, parameters
** dropped; else application/octet-stream. */
static void declared(char *out, size_t cap, const char *type)
{
    static const char fallback[] = "application/octet-stream";
    size_t n = 0, slash = 0;
    const char *s = type ? type : "";
    for (; s[n] && s[n] != ';' && s[n] != ' '; n++) {
        char c = s[n];
        int tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c && strchr("!#$%&'*+-.^_`|~", c));
        if (c == '/' && !slash && n > 0)
            slash = n;
        else if (!tchar)
            n = cap; /* refuse */
        if (n >= cap - 1) break;
    }
    if (!slash || n >= cap - 1 || slash + 1 >= n) {
        snprintf(out, cap, "%s", fallback);
        return;
    }
    for (size_t i = 0; i < n; i++) out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    out[n] = '\0';
}

const char *desk_attachment_sniff(const uint8_t *h, size_t n)
{
    if (n >= 8 && !memcmp(h, "\x89PNG\r\n\x1a\n", 8)) return "image/png";
    if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff) return "image/jpeg";
    if (n >= 6 && (!memcmp(h, "GIF87a", 6) || !memcmp(h, "GIF89a", 6))) return "image/gif";
    if (n >= 12 && !memcmp(h, "RIFF", 4) && !memcmp(h + 8, "WEBP", 4)) return "image/webp";
    return "application/octet-stream";
}

int desk_attachment_inline_ok(const char *t) { return !strncmp(t, "image/", 6); }

/* ---- staging ------------------------------------------------------------ */

typedef struct stage_job {
    garant_desk *d;
    garant_attachment a;
    const desk_attachment_source *src;
    int64_t seq;
    size_t len;
    int64_t offset;             /* of the next byte drawn from src */
    int64_t now;
} stage_job;

/* What is stored of a file before its bytes: the name made safe, the
** declared type checked, the type sniffed from its first bytes. */
static int facts(garant_attachment *a, const desk_attachment_in *in, const desk_attachment_source *src, int64_t now)
{
    memset(a, 0, sizeof *a);
    a->uploader_id = in->uploader_id;
    a->size = in->size;
    a->created_at = now;
    memcpy(a->sha256, in->sha256, 32);
    int rc = desk_attachment_name(a->filename, in->filename);
    if (rc) return rc;
    declared(a->declared_type, sizeof a->declared_type, in->declared_type);
    uint8_t head[16];
    size_t hn = in->size < (int64_t)sizeof head ? (size_t)in->size : sizeof head;
    if (hn && (rc = src->read(src->ctx, head, hn, 0))) return rc;
    snprintf(a->sniffed_type, sizeof a->sniffed_type, "%s", desk_attachment_sniff(head, hn));
    return 0;
}

static int begin_write(garant_store_conn *w, void *ctx)
{
    stage_job *j = ctx;
    int swept;
    int rc = GS(w)->attachments->sweep(w, j->now - PENDING_TTL_S, j->now - STAGED_TTL_S, SWEEP_PER_UPLOAD, &swept);
    if (rc) return rc;
    return GS(w)->attachments->insert_pending(w, &j->a);
}

static int fill(void *ctx, uint8_t *buf, size_t n)
{
    stage_job *j = ctx;
    int rc = j->src->read(j->src->ctx, buf, n, j->offset);
    if (!rc) j->offset += (int64_t)n;
    return rc;
}

static int chunk_write(garant_store_conn *w, void *ctx)
{
    stage_job *j = ctx;
    int64_t start = j->offset;
    int rc = GS(w)->attachments->write_chunk(w, j->a.id, j->seq, j->len, fill, j);
    if (rc) j->offset = start; /* undone by its savepoint: drawn again if retried */
    return rc;
}

static int end_write(garant_store_conn *w, void *ctx)
{
    stage_job *j = ctx;
    return GS(w)->attachments->mark_staged(w, j->a.id);
}

int desk_attachment_stage(int64_t *out_id, garant_desk *d, const desk_attachment_in *in,
                          const desk_attachment_source *src, int64_t now)
{
    *out_id = 0;
    int64_t max = desk_attachment_max_bytes(d);
    if (in->size > max)
        return garant__error(GARANT_ELIMIT, "the file is %lld bytes, over the limit of %lld", (long long)in->size,
                             (long long)max);
    stage_job j;
    memset(&j, 0, sizeof j);
    j.d = d;
    j.src = src;
    j.now = now;
    int rc = facts(&j.a, in, src, now);
    if (rc) return rc;
    /* Three kinds of short write: the facts, one job a chunk, then whole.
    ** Other requests' writes run between them (docs/attachments.md). */
    if ((rc = desk_write(d, begin_write, &j, DESK_WRITE_SAVEPOINT))) return rc;
    for (int64_t off = 0; off < in->size; off += GARANT_ATTACHMENT_CHUNK) {
        j.len = in->size - off < GARANT_ATTACHMENT_CHUNK ? (size_t)(in->size - off) : GARANT_ATTACHMENT_CHUNK;
        if ((rc = desk_write(d, chunk_write, &j, DESK_WRITE_SAVEPOINT))) return rc;
        j.seq++;
    }
    if ((rc = desk_write(d, end_write, &j, DESK_WRITE_ONE_STATEMENT))) return rc;
    *out_id = j.a.id;
    return 0;
}

typedef struct mem_src {
    const uint8_t *data;
    size_t len;
} mem_src;

static int mem_read(void *ctx, uint8_t *buf, size_t n, int64_t offset)
{
    mem_src *m = ctx;
    if (offset < 0 || (size_t)offset > m->len || n > m->len - (size_t)offset)
        return garant__error(GARANT_EINVAL, "read past the end of a file");
    memcpy(buf, m->data + offset, n);
    return 0;
}

int desk_attachment_stage_bytes(int64_t *out_id, garant_desk *d, int64_t uploader_id, const char *filename,
                                const char *declared_type, const void *data, size_t len, int64_t now)
{
    uint8_t sha[32];
    crypto_hash_sha256(sha, data, len);
    mem_src m = {data, len};
    desk_attachment_source src = {mem_read, &m};
    desk_attachment_in in = {uploader_id, filename, declared_type, (int64_t)len, sha};
    return desk_attachment_stage(out_id, d, &in, &src, now);
}

/* ---- linking ---------------------------------------------------------- */

int desk_attachments_link(garant_store_conn *w, garant_desk *d, int64_t uploader_id, int64_t ticket_id,
                          int64_t reply_id, int internal, const int64_t *ids, size_t n)
{
    if (!n) return 0;
    if (n > DESK_ATTACHMENTS_PER_MESSAGE)
        return garant__error(GARANT_EINVAL, "'attachments': at most %d files a message", DESK_ATTACHMENTS_PER_MESSAGE);
    for (size_t i = 0; i < n; i++) {
        int rc = GS(w)->attachments->link(w, ids[i], uploader_id, ticket_id, reply_id, internal);
        if (rc == GARANT_ENOTFOUND)
            return garant__error(GARANT_EINVAL, "'attachments': %lld is not an upload of yours waiting for a message",
                                 (long long)ids[i]);
        if (rc) return rc;
    }
    int64_t total, max = desk_ticket_attachments_max_bytes(d);
    int rc = GS(w)->attachments->ticket_bytes(w, ticket_id, &total);
    if (rc) return rc;
    if (total > max)
        return garant__error(GARANT_ELIMIT, "the ticket's files would add up to %lld bytes, over the limit of %lld",
                             (long long)total, (long long)max);
    return 0;
}

int desk_attachment_link_audit(garant_store_conn *w, int64_t uploader_id, int64_t ticket_id, int64_t reply_id,
                               int64_t id)
{
    return id ? GS(w)->attachments->link(w, id, uploader_id, ticket_id, reply_id, 1) : 0;
}

/* ---- inbound mail ----------------------------------------------------------- */

/* The facts of a file in memory, hashed, into *a, to be stored by the
** message's write. */
static int hold(garant_attachment *a, int64_t uploader_id, const char *filename, const char *declared_type,
                const void *data, size_t len, int64_t now)
{
    uint8_t sha[32];
    crypto_hash_sha256(sha, data, len);
    mem_src m = {data, len};
    desk_attachment_source src = {mem_read, &m};
    desk_attachment_in in = {uploader_id, filename, declared_type, (int64_t)len, sha};
    return facts(a, &in, &src, now);
}

int desk_attachments_stage_mail(desk_mail_staged *out, garant_desk *d, int64_t uploader_id, const desk_file_in *att,
                                size_t n_att, const char *raw, size_t len, int64_t now)
{
    memset(out, 0, sizeof *out);
    int64_t max = desk_attachment_max_bytes(d);
    /* Which files are kept, and whether they are small enough together to
    ** go in the message's own write. */
    size_t keep[DESK_ATTACHMENTS_PER_MESSAGE], nkeep = 0, bytes = len;
    for (size_t i = 0; i < n_att; i++) {
        if (!att[i].len || (int64_t)att[i].len > max || nkeep == DESK_ATTACHMENTS_PER_MESSAGE) {
            out->skipped++;
            continue;
        }
        keep[nkeep++] = i;
        bytes += att[i].len;
    }
    int with_eml = len && (int64_t)len <= max;
    int rc = 0;
    if (bytes <= DESK_MAIL_INLINE_BYTES) {
        for (size_t k = 0; k < nkeep && !rc; k++) {
            const desk_file_in *f = &att[keep[k]];
            out->held_data[k] = f->data;
            rc = hold(&out->held[k], uploader_id, f->filename, f->content_type, f->data, f->len, now);
        }
        if (!rc && with_eml) {
            out->held_data[nkeep] = raw;
            rc = hold(&out->held[nkeep], uploader_id, "message.eml", "message/rfc822", raw, len, now);
        }
        if (rc) {
            memset(out, 0, sizeof *out);
            return rc;
        }
        out->n = out->nheld = nkeep;
        out->has_eml = with_eml;
        return 0;
    }
    for (size_t k = 0; k < nkeep && !rc; k++) {
        const desk_file_in *f = &att[keep[k]];
        rc = desk_attachment_stage_bytes(&out->ids[out->n], d, uploader_id, f->filename, f->content_type, f->data,
                                         f->len, now);
        if (!rc) out->n++;
    }
    if (!rc && with_eml)
        rc = desk_attachment_stage_bytes(&out->eml, d, uploader_id, "message.eml", "message/rfc822", raw, len, now);
    return rc;
}

int desk_attachments_store_held(garant_store_conn *w, desk_mail_staged *io)
{
    int rc = 0;
    for (size_t k = 0; k < io->nheld && !rc; k++) {
        rc = GS(w)->attachments->insert_staged(w, &io->held[k], io->held_data[k]);
        io->ids[k] = io->held[k].id;
    }
    if (!rc && io->has_eml) {
        rc = GS(w)->attachments->insert_staged(w, &io->held[io->nheld], io->held_data[io->nheld]);
        io->eml = io->held[io->nheld].id;
    }
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int desk_attachment_visible(garant_attachment *out, garant_store_conn *c, const desk_actor *who, int64_t id)
{
    int rc = GS(c)->attachments->get(c, id, out);
    if (rc) return rc;
    int customer = who->user->role == GARANT_ROLE_CUSTOMER;
    garant_ticket t;
    if (strcmp(out->state, "linked") != 0 || (customer && out->internal) ||
        desk_ticket_visible(&t, c, who, out->ticket_id) != 0)
        return garant__error(GARANT_ENOTFOUND, "attachment %lld not found", (long long)id);
    return 0;
}

int desk_attachment_read(garant_desk *d, int64_t id, int64_t offset, uint8_t *buf, size_t n, size_t *out_n)
{
    garant_store *st = desk_store(d);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c;
    int rc = ops->acquire(&c, st);
    if (rc) return rc;
    rc = ops->attachments->read(c, id, offset, buf, n, out_n);
    ops->release(c);
    return rc;
}

/* ---- for outbound mail ---------------------------------------------------- */

void desk_mail_files_free(desk_mail_files *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        free((void *)f->items[i].filename);
        free((void *)f->items[i].content_type);
        free((void *)f->items[i].data);
    }
    free(f->items);
    memset(f, 0, sizeof *f);
}

int desk_attachments_for_mail(desk_mail_files *out, garant_store_conn *c, int64_t ticket_id, int64_t reply_id)
{
    memset(out, 0, sizeof *out);
    garant_attachment *rows = NULL;
    size_t n = 0;
    int rc = GS(c)->attachments->list(c, ticket_id, 0, &rows, &n);
    if (rc) return rc;
    if (n && !(out->items = calloc(n, sizeof *out->items))) {
        rc = garant__error(GARANT_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const garant_attachment *f = &rows[i];
        if (f->reply_id != reply_id) continue;
        size_t len = (size_t)f->size;
        garant_mail_attachment *a = &out->items[out->n++];
        uint8_t *data = malloc(len ? len : 1);
        a->filename = strdup(f->filename);
        a->content_type = strdup(f->sniffed_type);
        a->data = data;
        a->len = len;
        if (!data || !a->filename || !a->content_type) {
            rc = garant__error(GARANT_ENOMEM, "out of memory for attachment %lld", (long long)f->id);
            goto out;
        }
        for (size_t off = 0; off < len;) {
            size_t got;
            if ((rc = GS(c)->attachments->read(c, f->id, (int64_t)off, data + off, len - off, &got))) goto out;
            if (!got) {
                rc = garant__error(GARANT_ESTORE, "attachment %lld is short", (long long)f->id);
                goto out;
            }
            off += got;
        }
        out->bytes += len;
    }
out:
    free(rows);
    if (rc) desk_mail_files_free(out);
    return rc;
}
