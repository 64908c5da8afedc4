/*
** sqlite_attachments.c - the SQLite backend's attachments
** (store_attachments.h): the tables attachments and attachment_chunks of
** the schema's attachments migration.
**
** The bytes go in and out with SQLite's incremental BLOB I/O: a chunk row
** is inserted with a zeroblob of its length and filled through
** sqlite3_blob_write in pieces of PIECE bytes drawn from the caller, and
** read back through sqlite3_blob_read, so that neither direction holds a
** chunk, let alone a file, in memory whole. Chunks rather than one blob a
** file: a 25 MB zeroblob would write 25 MB in one job of the group commit,
** which is exactly what the chunks keep short (docs/attachments.md).
*/
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* Bytes copied through the stack per sqlite3_blob_write. */
#define PIECE (64 * 1024)

static const char SQL_INSERT[] =
    "INSERT INTO attachments (uploader_id, filename, declared_type, sniffed_type, size, sha256, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_INSERT_STAGED[] =
    "INSERT INTO attachments (uploader_id, filename, declared_type, sniffed_type, size, sha256, created_at, state)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'staged')";

/* Insert io's row with sql, SQL_INSERT or SQL_INSERT_STAGED (the same
** seven parameters), and set io->id. */
static int insert_row(gs_sqlite_conn *c, const char *sql, garant_attachment *io, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, io->uploader_id);
    int rc = gs_sqlite_bind_text(st, 2, io->filename);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, io->declared_type);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 4, io->sniffed_type);
    sqlite3_bind_int64(st, 5, io->size);
    if (rc == SQLITE_OK) rc = sqlite3_bind_blob(st, 6, io->sha256, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, io->created_at);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static int att_insert_pending(garant_store_conn *conn, garant_attachment *io)
{
    static const char what[] = "attachments.insert_pending";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (!io->filename[0] || io->size < 0)
        return garant__error(GARANT_EINVAL, "%s: a file needs a name and a size", what);
    int err = insert_row(c, SQL_INSERT, io, what);
    if (err) return err;
    snprintf(io->state, sizeof io->state, "pending");
    return 0;
}

static const char SQL_STATE[] = "SELECT state, size FROM attachments WHERE id = ?1";
static const char SQL_CHUNK_INSERT[] = "INSERT INTO attachment_chunks (attachment_id, seq, bytes) VALUES (?1, ?2, ?3)";

/* The state and size of attachment id; ENOTFOUND if there is none. */
static int state_of(gs_sqlite_conn *c, int64_t id, char *state, size_t cap, int64_t *size, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_STATE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        gs_sqlite_text(state, cap, st, 0);
        *size = sqlite3_column_int64(st, 1);
        err = 0;
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "%s: attachment %lld not found", what, (long long)id);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static int att_write_chunk(garant_store_conn *conn, int64_t id, int64_t seq, size_t len,
                           garant_attachment_fill *fill, void *ctx)
{
    static const char what[] = "attachments.write_chunk";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (len == 0 || len > GARANT_ATTACHMENT_CHUNK || seq < 0)
        return garant__error(GARANT_EINVAL, "%s: a chunk is 1 to %d bytes", what, GARANT_ATTACHMENT_CHUNK);
    char state[8];
    int64_t size;
    int err = state_of(c, id, state, sizeof state, &size, what);
    if (err) return err;
    if (strcmp(state, "pending") != 0)
        return garant__error(GARANT_ENOTFOUND, "%s: attachment %lld is not being written", what, (long long)id);
    if (seq * (int64_t)GARANT_ATTACHMENT_CHUNK + (int64_t)len > size)
        return garant__error(GARANT_EINVAL, "%s: chunk %lld goes past the file's %lld bytes", what, (long long)seq,
                             (long long)size);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_CHUNK_INSERT, &st))) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_zeroblob(st, 3, (int)len);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    int64_t row = sqlite3_last_insert_rowid(c->db);
    sqlite3_blob *b = NULL;
    int rc = sqlite3_blob_open(c->db, "main", "attachment_chunks", "bytes", row, 1, &b);
    if (rc != SQLITE_OK) {
        sqlite3_blob_close(b);
        return gs_sqlite_fail(c, rc, what);
    }
    uint8_t piece[PIECE];
    for (size_t off = 0; off < len && !err;) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        if ((err = fill(ctx, piece, n))) break;
        rc = sqlite3_blob_write(b, piece, (int)n, (int)off);
        if (rc != SQLITE_OK) err = gs_sqlite_fail(c, rc, what);
        off += n;
    }
    rc = sqlite3_blob_close(b);
    if (!err && rc != SQLITE_OK) err = gs_sqlite_fail(c, rc, what);
    return err;
}

static const char SQL_CHUNK_SUM[] =
    "SELECT count(*), coalesce(sum(length(bytes)), 0) FROM attachment_chunks WHERE attachment_id = ?1";
static const char SQL_STAGE[] = "UPDATE attachments SET state = 'staged' WHERE id = ?1 AND state = 'pending'";

static int att_mark_staged(garant_store_conn *conn, int64_t id)
{
    static const char what[] = "attachments.mark_staged";
    gs_sqlite_conn *c = gs_sqlite(conn);
    char state[8];
    int64_t size;
    int err = state_of(c, id, state, sizeof state, &size, what);
    if (err) return err;
    if (strcmp(state, "pending") != 0)
        return garant__error(GARANT_ENOTFOUND, "%s: attachment %lld is not being written", what, (long long)id);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_CHUNK_SUM, &st))) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int64_t nchunks = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    int64_t bytes = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : -1;
    if (rc != SQLITE_ROW) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) return err;
    int64_t want = (size + GARANT_ATTACHMENT_CHUNK - 1) / GARANT_ATTACHMENT_CHUNK;
    if (bytes != size || nchunks != want)
        return garant__error(GARANT_ESTORE, "%s: attachment %lld has %lld of its %lld bytes", what, (long long)id,
                             (long long)bytes, (long long)size);
    if ((err = gs_sqlite_prepare(c, SQL_STAGE, &st))) return err;
    sqlite3_bind_int64(st, 1, id);
    return gs_sqlite_exec_stmt(c, st, what);
}

static int att_insert_staged(garant_store_conn *conn, garant_attachment *io, const void *data)
{
    static const char what[] = "attachments.insert_staged";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (!io->filename[0] || io->size < 0 || (io->size > 0 && !data))
        return garant__error(GARANT_EINVAL, "%s: a file needs a name, a size and its bytes", what);
    int err = insert_row(c, SQL_INSERT_STAGED, io, what);
    if (err) return err;
    const uint8_t *bytes = data;
    for (int64_t seq = 0, off = 0; off < io->size; seq++, off += GARANT_ATTACHMENT_CHUNK) {
        int len = io->size - off < GARANT_ATTACHMENT_CHUNK ? (int)(io->size - off) : GARANT_ATTACHMENT_CHUNK;
        sqlite3_stmt *st;
        if ((err = gs_sqlite_prepare(c, SQL_CHUNK_INSERT, &st))) return err;
        sqlite3_bind_int64(st, 1, io->id);
        sqlite3_bind_int64(st, 2, seq);
        /* Static: read only while the statement steps, here; its next use
        ** clears the binding (gs_sqlite_prepare). */
        int rc = sqlite3_bind_blob(st, 3, bytes + off, len, SQLITE_STATIC);
        err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
        if (err) return err;
    }
    snprintf(io->state, sizeof io->state, "staged");
    return 0;
}

static const char SQL_LINK[] =
    "UPDATE attachments SET state = 'linked', ticket_id = ?3, reply_id = ?4, internal = ?5"
    " WHERE id = ?1 AND uploader_id = ?2 AND state = 'staged'";

static int att_link(garant_store_conn *conn, int64_t id, int64_t uploader_id, int64_t ticket_id, int64_t reply_id,
                    int internal)
{
    static const char what[] = "attachments.link";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LINK, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, uploader_id);
    sqlite3_bind_int64(st, 3, ticket_id);
    if (reply_id > 0)
        sqlite3_bind_int64(st, 4, reply_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, internal ? 1 : 0);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "attachment %lld is not an upload of yours waiting for a message",
                             (long long)id);
    return 0;
}

#define ATTACHMENT_COLUMNS                                                                                \
    "id, coalesce(ticket_id, 0), coalesce(reply_id, 0), uploader_id, filename, declared_type, sniffed_type, size," \
    " sha256, created_at, internal, state"
static const char SQL_GET[] = "SELECT " ATTACHMENT_COLUMNS " FROM attachments WHERE id = ?1";

/* The attachment of a row of SQL_GET's columns. */
static int read_attachment(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_attachment *out = row;
    out->id = sqlite3_column_int64(st, 0);
    out->ticket_id = sqlite3_column_int64(st, 1);
    out->reply_id = sqlite3_column_int64(st, 2);
    out->uploader_id = sqlite3_column_int64(st, 3);
    gs_sqlite_text(out->filename, sizeof out->filename, st, 4);
    gs_sqlite_text(out->declared_type, sizeof out->declared_type, st, 5);
    gs_sqlite_text(out->sniffed_type, sizeof out->sniffed_type, st, 6);
    out->size = sqlite3_column_int64(st, 7);
    const void *hash = sqlite3_column_blob(st, 8);
    if (hash && sqlite3_column_bytes(st, 8) == 32) memcpy(out->sha256, hash, 32);
    out->created_at = sqlite3_column_int64(st, 9);
    out->internal = sqlite3_column_int(st, 10);
    gs_sqlite_text(out->state, sizeof out->state, st, 11);
    return 0;
}

static int att_get(garant_store_conn *conn, int64_t id, garant_attachment *out)
{
    static const char what[] = "attachments.get";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        err = read_attachment(st, out, what);
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "attachment %lld not found", (long long)id);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static const char SQL_CHUNK_ROW[] = "SELECT id FROM attachment_chunks WHERE attachment_id = ?1 AND seq = ?2";

static int att_read(garant_store_conn *conn, int64_t id, int64_t offset, uint8_t *buf, size_t n, size_t *out_n)
{
    static const char what[] = "attachments.read";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_n = 0;
    if (offset < 0) return garant__error(GARANT_EINVAL, "%s: negative offset", what);
    int64_t seq = offset / GARANT_ATTACHMENT_CHUNK;
    size_t in_chunk = (size_t)(offset % GARANT_ATTACHMENT_CHUNK);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CHUNK_ROW, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, seq);
    int rc = sqlite3_step(st);
    int64_t row = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err || !row) return err; /* past the end: nothing */
    sqlite3_blob *b = NULL;
    rc = sqlite3_blob_open(c->db, "main", "attachment_chunks", "bytes", row, 0, &b);
    if (rc != SQLITE_OK) {
        sqlite3_blob_close(b);
        return gs_sqlite_fail(c, rc, what);
    }
    size_t len = (size_t)sqlite3_blob_bytes(b);
    if (in_chunk < len) {
        size_t k = len - in_chunk < n ? len - in_chunk : n;
        rc = sqlite3_blob_read(b, buf, (int)k, (int)in_chunk);
        if (rc != SQLITE_OK)
            err = gs_sqlite_fail(c, rc, what);
        else
            *out_n = k;
    }
    sqlite3_blob_close(b);
    return err;
}

static const char SQL_LIST[] = "SELECT " ATTACHMENT_COLUMNS " FROM attachments"
                               " WHERE ticket_id = ?1 AND (?2 OR NOT internal) ORDER BY id";

static int att_list(garant_store_conn *conn, int64_t ticket_id, int with_internal, garant_attachment **out,
                    size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LIST, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, with_internal ? 1 : 0);
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_attachment, NULL, &rows, out_n,
                              "attachments.list")))
        return err;
    *out = rows;
    return 0;
}

static const char SQL_TICKET_BYTES[] = "SELECT coalesce(sum(size), 0) FROM attachments WHERE ticket_id = ?1";

static int att_ticket_bytes(garant_store_conn *conn, int64_t ticket_id, int64_t *out)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_TICKET_BYTES, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = gs_sqlite_fail(c, rc, "attachments.ticket_bytes");
    sqlite3_reset(st);
    return err;
}

static const char SQL_SWEEP_PICK[] =
    "SELECT id FROM attachments WHERE (state = 'pending' AND created_at < ?1)"
    " OR (state = 'staged' AND created_at < ?2) LIMIT ?3";
static const char SQL_SWEEP_CHUNKS[] = "DELETE FROM attachment_chunks WHERE attachment_id = ?1";
static const char SQL_SWEEP_ONE[] = "DELETE FROM attachments WHERE id = ?1 AND state <> 'linked'";

static int att_sweep(garant_store_conn *conn, int64_t pending_before, int64_t staged_before, int limit, int *out_n)
{
    static const char what[] = "attachments.sweep";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_n = 0;
    enum { MAX = 64 };
    int64_t ids[MAX];
    int n = 0;
    if (limit > MAX) limit = MAX;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SWEEP_PICK, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, pending_before);
    sqlite3_bind_int64(st, 2, staged_before);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(st, 0);
    if (n < limit && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    for (int i = 0; i < n && !err; i++) {
        if (!(err = gs_sqlite_prepare(c, SQL_SWEEP_CHUNKS, &st))) {
            sqlite3_bind_int64(st, 1, ids[i]);
            err = gs_sqlite_exec_stmt(c, st, what);
        }
        if (!err && !(err = gs_sqlite_prepare(c, SQL_SWEEP_ONE, &st))) {
            sqlite3_bind_int64(st, 1, ids[i]);
            err = gs_sqlite_exec_stmt(c, st, what);
        }
    }
    if (!err) *out_n = n;
    return err;
}

const garant_store_attachments_ops gs_sqlite_attachments_ops = {
    .insert_pending = att_insert_pending,
    .write_chunk = att_write_chunk,
    .mark_staged = att_mark_staged,
    .insert_staged = att_insert_staged,
    .link = att_link,
    .get = att_get,
    .read = att_read,
    .list = att_list,
    .ticket_bytes = att_ticket_bytes,
    .sweep = att_sweep,
};
