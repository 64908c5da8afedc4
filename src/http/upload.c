/*
** upload.c - streamed uploads (upload.h): a file's bytes go to an unlinked
** spool file as they arrive, never into memory, and are counted against
** the per-file limit as they stream.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "upload.h"

int http_upload_begin(conn_state *cs, struct MHD_Connection *conn, const char *url, const char *method,
                      int64_t max_bytes)
{
    if (strcmp(method, "POST") != 0 || strcmp(url, HTTP_UPLOAD_PATH) != 0) return 0;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || (long long)n > max_bytes) return GARANT_ELIMIT;
    }
    /* Unlinked at once: nothing is left behind by a crash. */
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/garant-upload-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return GARANT_EBUSY;
    unlink(path);
    cs->spooling = 1;
    cs->up.fd = fd;
    cs->up.size = 0;
    crypto_hash_sha256_init(&cs->sha);
    return 0;
}

/* (libmicrohttpd 0.9.75 queues no answer while a body is arriving: an
** upload over the limit is answered at its end.) */
enum MHD_Result http_upload_piece(conn_state *cs, const char *data, size_t n, int64_t max_bytes)
{
    if (cs->up.size + (int64_t)n > max_bytes) cs->too_large = 1;
    if (cs->too_large) {
        cs->up.size += (int64_t)n;
        return cs->up.size > 2 * max_bytes ? MHD_NO : MHD_YES;
    }
    crypto_hash_sha256_update(&cs->sha, (const unsigned char *)data, n);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(cs->up.fd, data + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return MHD_NO; /* the spool's disk is full: cut the upload */
        off += (size_t)w;
    }
    cs->up.size += (int64_t)n;
    return MHD_YES;
}

void http_upload_done(conn_state *cs)
{
    crypto_hash_sha256_final(&cs->sha, cs->up.sha256);
    cs->req.upload = &cs->up;
}

void http_upload_end(conn_state *cs)
{
    if (!cs->spooling) return;
    close(cs->up.fd);
    cs->spooling = 0;
}
