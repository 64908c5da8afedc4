/*
** store_attachments.h - files on a ticket's messages (issue 14), kept in
** the database so that one backup holds everything.
**
** An attachment is written in three steps, each a short write of its own
** so that a 25 MB upload never holds the group commit (src/desk/writer.c)
** for longer than one chunk: insert_pending (its facts, state 'pending'),
** write_chunk for each GARANT_ATTACHMENT_CHUNK bytes in order, then
** mark_staged once whole. A staged attachment belongs to its uploader and
** to no message until link puts it on one, in the same transaction as the
** message; from then on it never changes and never goes (the SQLite schema
** refuses it with triggers). sweep forgets the pending and staged ones
** left behind (an upload cut off by a crash, a file never sent with a
** message). Instants are UTC epoch seconds.
*/
#ifndef GARANT_STORE_ATTACHMENTS_H
#define GARANT_STORE_ATTACHMENTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

/* Bytes of one stored chunk: the most one write job copies. Part of the
** stored format (read finds chunk offset / GARANT_ATTACHMENT_CHUNK):
** changing it needs a migration. 256 KiB rather than 1 MiB: filings that
** share a commit with a chunk wait for less (docs/attachments.md). */
#define GARANT_ATTACHMENT_CHUNK (256 * 1024)
/* Longest file name, in bytes of UTF-8; longest declared media type. */
#define GARANT_ATTACHMENT_MAX_NAME 255
#define GARANT_ATTACHMENT_MAX_TYPE 127

typedef struct garant_attachment {
    int64_t id;
    int64_t ticket_id;       /* 0 until linked */
    int64_t reply_id;        /* 0: the ticket's first message (or not linked) */
    int64_t uploader_id;
    char filename[GARANT_ATTACHMENT_MAX_NAME + 1];      /* sanitised UTF-8 */
    char declared_type[GARANT_ATTACHMENT_MAX_TYPE + 1]; /* as the client said; never trusted */
    char sniffed_type[32];   /* image/png, image/jpeg, image/gif, image/webp or
                             ** application/octet-stream, from the bytes */
    int64_t size;            /* bytes */
    uint8_t sha256[32];
    int64_t created_at;
    int internal;            /* on an internal note: never a customer's */
    char state[8];           /* pending, staged, linked */
} garant_attachment;

/* write_chunk's source of bytes: fill buf with exactly n bytes of the
** chunk being written (the next n in order); 0 or a negative garant_err. */
typedef int garant_attachment_fill(void *ctx, uint8_t *buf, size_t n);

typedef struct garant_store_attachments_ops {
    /* Record io's facts (uploader_id, filename, declared_type,
    ** sniffed_type, size, sha256, created_at) as a pending attachment;
    ** sets io->id. */
    int (*insert_pending)(garant_store_conn *c, garant_attachment *io);
    /* Chunk seq (from 0) of pending attachment id: len bytes (at most
    ** GARANT_ATTACHMENT_CHUNK; only the last may be shorter), drawn from
    ** fill in pieces while written into a zeroblob of len, so that no
    ** chunk is held in memory whole. ENOTFOUND if id is not pending. */
    int (*write_chunk)(garant_store_conn *c, int64_t id, int64_t seq, size_t len, garant_attachment_fill *fill,
                       void *ctx);
    /* A pending attachment is whole: staged. ENOTFOUND if id is not
    ** pending; GARANT_ESTORE if its chunks do not add up to its size. */
    int (*mark_staged)(garant_store_conn *c, int64_t id);
    /* A file whose io->size bytes are all in memory (data, borrowed for
    ** the call), stored in one go inside a larger write (a mailed message's
    ** parts, written by the message's own write): io's facts as
    ** insert_pending takes them, the bytes in chunks of
    ** GARANT_ATTACHMENT_CHUNK bound as they are, staged at once; sets
    ** io->id and io->state. What insert_pending, write_chunk and
    ** mark_staged do for an upload streamed from a spool file, without
    ** the zeroblob, the incremental I/O and the checks that the three
    ** steps add up. */
    int (*insert_staged)(garant_store_conn *c, garant_attachment *io, const void *data);
    /* Put staged attachment id of uploader_id on a message of ticket_id
    ** (reply_id 0: the first message), internal as the message is.
    ** ENOTFOUND unless id is a staged attachment of uploader_id. */
    int (*link)(garant_store_conn *c, int64_t id, int64_t uploader_id, int64_t ticket_id, int64_t reply_id,
                int internal);
    int (*get)(garant_store_conn *c, int64_t id, garant_attachment *out); /* ENOTFOUND */
    /* Up to n bytes of attachment id from offset, within one chunk: *out_n
    ** is at least 1 unless offset is at or past the end (then 0). */
    int (*read)(garant_store_conn *c, int64_t id, int64_t offset, uint8_t *buf, size_t n, size_t *out_n);
    /* The linked attachments of a ticket, oldest first, with_internal 0
    ** leaving out those of internal notes; every field of each read as get
    ** reads it. Caller owns *out (NULL when *out_n is 0); free with
    ** free(). */
    int (*list)(garant_store_conn *c, int64_t ticket_id, int with_internal, garant_attachment **out,
                size_t *out_n);
    /* The bytes of the linked attachments of ticket_id. */
    int (*ticket_bytes)(garant_store_conn *c, int64_t ticket_id, int64_t *out);
    /* Delete pending attachments created before pending_before and staged
    ** ones created before staged_before, with their chunks; at most limit
    ** of them (the write stays short); *out_n how many. */
    int (*sweep)(garant_store_conn *c, int64_t pending_before, int64_t staged_before, int limit, int *out_n);
} garant_store_attachments_ops;

#endif
