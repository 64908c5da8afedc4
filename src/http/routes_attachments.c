/*
** routes_attachments.c - files on tickets (issue 14; docs/attachments.md).
**
**   POST /api/v1/attachments?name=FILE   the raw bytes as the body, the
**        declared type as Content-Type: 201 {id, filename, size, type,
**        sha256}. The file is staged, the uploader's and on no message
**        yet; filing a ticket or replying with {"attachments": [id, ...]}
**        puts it on that message. The server streams the body to a spool
**        file as it arrives (upload.c, http_upload_begin) and answers 413 the
**        moment it passes the per-file limit; the desk then stores it in
**        the database in chunks, each a short write of its own.
**   GET  /api/v1/attachments/{id}[?inline=1]   the bytes, to whoever may
**        see the ticket: customers of its organization, never an internal
**        note's file; anyone else gets 404 as if there were none. Served
**        as the type sniffed from the bytes (an image, else
**        application/octet-stream), never the declared one, with nosniff,
**        a sandboxing CSP and Content-Disposition attachment, or inline
**        for a sniffed image with ?inline=1 (the ticket page's previews).
**
** Why raw bodies rather than multipart/form-data: one file a request needs
** no boundary parsing, the body's bytes are the file's (hashed and counted
** as they stream), and the browser sends a File with fetch() as is.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "garant/error_wrap.h"
#include "desk_attachments.h"
#include "http.h"
#include "text.h"

static int is_staff(const http_req *r) { return r->user.role != GARANT_ROLE_CUSTOMER; }

/* ---- POST /api/v1/attachments ------------------------------------------ */

static int spool_read(void *ctx, uint8_t *buf, size_t n, int64_t offset)
{
    const http_upload *up = ctx;
    for (size_t got = 0; got < n;) {
        ssize_t k = pread(up->fd, buf + got, n - got, (off_t)(offset + (int64_t)got));
        if (k <= 0) return garant__error(GARANT_ESTORE, "the spooled upload could not be read back");
        got += (size_t)k;
    }
    return 0;
}

static int upload(http_req *r)
{
    const http_upload *up = r->upload;
    if (!up) return garant__error(GARANT_EINVAL, "the file must be the request's body");
    const char *name = http_query(r, "name");
    if (!name || !*name) return garant__error(GARANT_EPARSE, "the file's name is required: ?name=FILE");
    if (strlen(name) > 1024) return garant__error(GARANT_EINVAL, "the file's name is longer than 1024 bytes");
    if (up->size == 0) return garant__error(GARANT_EINVAL, "the file is empty");
    char safe[GARANT_ATTACHMENT_MAX_NAME + 1];
    int rc = desk_attachment_name(safe, name);
    if (rc) return rc;
    int wait = 0;
    rc = desk_quota_bytes(r->desk, LIMIT_UPLOAD_USER, r->user.id, up->size, r->now, &wait);
    if (!rc && !is_staff(r)) rc = desk_quota_bytes(r->desk, LIMIT_UPLOAD_ORG, r->user.org_id, up->size, r->now, &wait);
    if (rc) {
        r->retry_after_s = wait;
        return rc;
    }
    /* The writes below wait on the write path chunk by chunk: this
    ** request holds no read connection meanwhile. */
    garant_store_ops const *ops = garant_store_ops_of(desk_store(r->desk));
    ops->release(r->db);
    r->db = NULL;
    desk_attachment_source src = {spool_read, (void *)up};
    desk_attachment_in in = {r->user.id, name, http_header(r, "Content-Type"), up->size, up->sha256};
    int64_t id;
    if ((rc = desk_attachment_stage(&id, r->desk, &in, &src, r->now))) return rc;
    uint8_t head[16];
    size_t hn = up->size < (int64_t)sizeof head ? (size_t)up->size : sizeof head;
    if (spool_read((void *)up, head, hn, 0) != 0) hn = 0;
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", up->sha256[i]);
    snprintf(r->location, sizeof r->location, "/api/v1/attachments/%lld", (long long)id);
    return http_reply(r, 201,
                      json_pack("{s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)id, "filename", safe, "size",
                                (json_int_t)up->size, "type", desk_attachment_sniff(head, hn), "sha256", hex));
}

/* ---- a ticket's files as its page lists them ---------------------------- */

int http_attachments_json(json_t **out, const garant_attachment *files, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const garant_attachment *f = &files[i];
        char hex[65];
        for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", f->sha256[k]);
        json_t *o = json_pack("{s:I,s:o,s:s,s:I,s:s,s:s,s:b,s:I,s:I}", "id", (json_int_t)f->id, "reply_id",
                              f->reply_id ? json_integer(f->reply_id) : json_null(), "filename", f->filename, "size",
                              (json_int_t)f->size, "type", f->sniffed_type, "sha256", hex, "internal",
                              f->internal != 0, "uploader_id", (json_int_t)f->uploader_id, "created_at",
                              (json_int_t)f->created_at);
        if (json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *out = arr;
    return arr ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
}

/* ---- GET /api/v1/attachments/{id} -------------------------------------- */

/* Content-Disposition for name (RFC 6266): an ASCII fallback and the
** UTF-8 name percent-encoded (RFC 8187). */
static void disposition(char *out, size_t cap, const char *kind, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(out, cap, "%s; filename=\"", kind);
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 2 < cap; p++) {
        if ((*p & 0xc0) == 0x80) continue; /* one '_' a character beyond ASCII */
        out[n++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%') ? (char)*p : '_';
    }
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p)) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

static int download(http_req *r)
{
    int64_t inline_ = 0;
    int rc = http_query_int(r, "inline", 0, 1, &inline_);
    if (rc < 0) return rc;
    desk_actor who = {&r->user, r->now};
    garant_attachment a;
    if ((rc = desk_attachment_visible(&a, r->db, &who, r->id))) return rc;
    /* Static storage for the response: the sniffed type is one of a few. */
    static const char *const known[] = {"image/png", "image/jpeg", "image/gif", "image/webp"};
    const char *type = "application/octet-stream";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(a.sniffed_type, known[i])) type = known[i];
    int show = inline_ && desk_attachment_inline_ok(type);
    disposition(r->file.disposition, sizeof r->file.disposition, show ? "inline" : "attachment", a.filename);
    r->file.id = a.id;
    r->file.size = a.size;
    r->file.content_type = type;
    r->status = 200;
    return 0;
}

static const char *const upload_query[] = {"name", NULL};
static const char *const download_query[] = {"inline", NULL};

const http_route http_routes_attachments[] = {
    {"POST", HTTP_UPLOAD_PATH, HTTP_USER, upload,
     "upload a file, its bytes as the body and its type as Content-Type: ?name=FILE; link it with "
     "{\"attachments\": [id]} when filing or replying",
     HTTP_RUN_WORKER, NULL, upload_query},
    {"GET", "/api/v1/attachments/{id}", HTTP_USER, download,
     "a file of a ticket the caller may see, as its sniffed type: ?inline=1 shows an image in the page",
     HTTP_RUN_WORKER, NULL, download_query},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
