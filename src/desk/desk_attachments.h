/*
** desk_attachments.h - files on a ticket's messages (issue 14): the rules
** (names, types, sizes, who may see one) and the writes that store them
** (docs/attachments.md).
**
** A file is stored in two moves. Staging (desk_attachment_stage) stores
** an upload as its uploader's, on no message yet, through the write path
** in short jobs of one chunk each (store_attachments.h), so that a 25 MB
** file never holds up the group commit of other requests for longer than
** one GARANT_ATTACHMENT_CHUNK. Linking puts staged files on a message in
** the same write as the message itself (desk_filing.attachments,
** desk_ticket_reply_files), so a message and its files are committed
** together or not at all; the message's per-ticket total is checked there.
**
** The declared media type is kept but never trusted: what is served is
** the sniffed type, an image (PNG, JPEG, GIF, WebP) recognised by its
** magic bytes or else application/octet-stream.
*/
#ifndef GARANT_DESK_ATTACHMENTS_H
#define GARANT_DESK_ATTACHMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"
#include "desk_tickets.h"

/* The defaults of desk_options' limits: 25 MB a file, 100 MB a ticket. */
#define DESK_ATTACHMENT_MAX_BYTES (25LL * 1000 * 1000)
#define DESK_TICKET_ATTACHMENTS_MAX_BYTES (100LL * 1000 * 1000)
/* Files one message may carry. */
#define DESK_ATTACHMENTS_PER_MESSAGE 20

/* The limits in force (desk_options, or the defaults). */
int64_t desk_attachment_max_bytes(const garant_desk *d);
int64_t desk_ticket_attachments_max_bytes(const garant_desk *d);

/* A file name made safe to keep and to serve: the last component of a
** path (after / or \), control characters and quotes dropped, at most
** GARANT_ATTACHMENT_MAX_NAME bytes cut at a character's end, leading dots
** dropped; "attachment" when nothing is left. GARANT_EINVAL if name is not
** valid UTF-8. out holds GARANT_ATTACHMENT_MAX_NAME + 1 bytes. */
int desk_attachment_name(char *out, const char *name);
/* The media type served for bytes that start with head (n bytes, at least
** 12 to recognise WebP): image/png, image/jpeg, image/gif, image/webp or
** application/octet-stream. Static storage. */
const char *desk_attachment_sniff(const uint8_t *head, size_t n);
/* Is the sniffed type one a browser may show inline (an image)? */
int desk_attachment_inline_ok(const char *sniffed_type);

/* Where a staged file's bytes come from: read(ctx, buf, n, offset) fills
** buf with exactly n bytes from offset, 0 or a negative garant_err. */
typedef struct desk_attachment_source {
    int (*read)(void *ctx, uint8_t *buf, size_t n, int64_t offset);
    void *ctx;
} desk_attachment_source;

/* What a staged file is. Strings are borrowed for the call. */
typedef struct desk_attachment_in {
    int64_t uploader_id;
    const char *filename;       /* as given; desk_attachment_name makes it safe */
    const char *declared_type;  /* as given; NULL or malformed: application/octet-stream */
    int64_t size;               /* bytes */
    const uint8_t *sha256;      /* 32 bytes, of all of them */
} desk_attachment_in;

/* Stage a file of in->size bytes drawn from src (each read at most once,
** in order) at now: GARANT_ELIMIT over the per-file limit; *out_id the
** staged attachment's id. Blocks on the write path (a worker's call). */
int desk_attachment_stage(int64_t *out_id, garant_desk *d, const desk_attachment_in *in,
                          const desk_attachment_source *src, int64_t now);
/* The same for bytes in memory (a mail's parts). data is borrowed. */
int desk_attachment_stage_bytes(int64_t *out_id, garant_desk *d, int64_t uploader_id, const char *filename,
                                const char *declared_type, const void *data, size_t len, int64_t now);

/* Inside a write job on w: put the staged files ids[0..n) of uploader_id
** on a message of ticket_id (reply_id 0: the first message), internal as
** the message is; GARANT_EINVAL naming one that is not a staged upload of
** the uploader's, GARANT_ELIMIT when the ticket's files would add up to
** more than the per-ticket limit. */
int desk_attachments_link(garant_store_conn *w, garant_desk *d, int64_t uploader_id, int64_t ticket_id,
                          int64_t reply_id, int internal, const int64_t *ids, size_t n);
/* The same for one file that is internal whatever the message is: a
** mailed message's original (.eml), kept for audit. 0 does nothing. */
int desk_attachment_link_audit(garant_store_conn *w, int64_t uploader_id, int64_t ticket_id, int64_t reply_id,
                               int64_t id);

/* desk_ticket_reply with files: the staged uploads ids[0..n) of the author
** go on the reply in the same write, and audit_file (0: none) too, as an
** internal file (desk_attachment_link_audit). */
int desk_ticket_reply_files(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who,
                            int64_t id, const char *body, int public_, const int64_t *ids, size_t n,
                            int64_t audit_file);

/* ---- inbound mail ----------------------------------------------------------- */

/* A file in memory (a mail's part). Borrowed for the call. */
typedef struct desk_file_in {
    const char *filename;
    const char *content_type;  /* declared; NULL: none */
    const void *data;
    size_t len;
} desk_file_in;

/* A mail whose files (attachments and original together) are at most this
** many bytes is stored in the message's own write: one job, one commit and
** one wait for the fsync a mail, instead of three jobs a file, each waiting
** for its own fsync before the next could start. One chunk's worth: such a
** write holds the group commit no longer than one job of a staged upload
** does (docs/attachments.md). */
#define DESK_MAIL_INLINE_BYTES ((size_t)GARANT_ATTACHMENT_CHUNK)

/* The files of a mailed message, as its sender's: staged (ids, eml), or,
** for a small mail, still in memory (held) until the message's write
** stores them (desk_attachments_store_held), which fills ids and eml. */
typedef struct desk_mail_staged {
    int64_t ids[DESK_ATTACHMENTS_PER_MESSAGE]; /* its attachments */
    size_t n;
    size_t skipped;              /* attachments left out: over the per-file
                                 ** limit, or past DESK_ATTACHMENTS_PER_MESSAGE */
    int64_t eml;                 /* the original message (message.eml), 0 if
                                 ** over the per-file limit */
    /* Held for the message's write: n attachments, then the original if
    ** has_eml. Names, types and hashes are worked out already (the writer
    ** only copies); data borrowed from desk_attachments_stage_mail's
    ** caller, valid as long as its att and raw. */
    size_t nheld;
    int has_eml;
    garant_attachment held[DESK_ATTACHMENTS_PER_MESSAGE + 1];
    const void *held_data[DESK_ATTACHMENTS_PER_MESSAGE + 1];
} desk_mail_staged;

/* Stage the attachments of a mail (att[0..n_att)) and its original bytes
** raw[0..len) as uploader_id's at now. Over DESK_MAIL_INLINE_BYTES, through
** the write path as uploads are; a failure of the store is returned (the
** MTA retries the mail), and the files staged before it are forgotten with
** the other unused uploads. Up to it, nothing is written: the files are
** held (out->nheld) for the message's write, and att and raw must live
** until it has run. */
int desk_attachments_stage_mail(desk_mail_staged *out, garant_desk *d, int64_t uploader_id, const desk_file_in *att,
                                size_t n_att, const char *raw, size_t len, int64_t now);

/* Inside a write job on w, before the message is written: store the files
** io holds, staged (store_attachments.h insert_staged: what an upload's
** three jobs do, from memory), and set io->ids and io->eml, to be linked
** to the message in the same write. Nothing held: 0 at once. Run again (a
** retried write) it stores them again; the savepoint of a failed write
** undid the first. */
int desk_attachments_store_held(garant_store_conn *w, desk_mail_staged *io);

/* desk_ticket_reply_files for a mailed reply: its files and original as
** desk_attachments_stage_mail left them, any it held stored in the reply's
** own write (desk_attachments_store_held); files NULL: none. */
int desk_ticket_reply_mail(int64_t *out_reply_id, int *out_first, garant_desk *d, const desk_actor *who, int64_t id,
                           const char *body, desk_mail_staged *files);

/* Attachment id as who may see it, read through c: its ticket visible to
** who (desk_ticket_visible), linked, and not an internal note's for a
** customer; GARANT_ENOTFOUND otherwise, as if there were none. */
int desk_attachment_visible(garant_attachment *out, garant_store_conn *c, const desk_actor *who, int64_t id);

/* Up to n bytes of attachment id from offset (within one chunk), through
** a read connection of its own: for a download streamed in pieces, which
** holds no connection between them. *out_n 0 at the end. */
int desk_attachment_read(garant_desk *d, int64_t id, int64_t offset, uint8_t *buf, size_t n, size_t *out_n);

/* ---- for outbound mail ---------------------------------------------------- */

/* The files of one message as the mail composer takes them
** (src/mail/compose.h's garant_mail_attachment): for the mail producer's
** reply mails. */
typedef struct desk_mail_files {
    struct garant_mail_attachment *items; /* n of them; names, types, bytes owned here */
    size_t n;
    size_t bytes;                /* their total size */
} desk_mail_files;

/* The public files of ticket_id's message reply_id (0: the first
** message), read through c, with their bytes in memory for the composer
** (internal-note files are never included). The content type given is the
** sniffed one. Caller owns *out; free with desk_mail_files_free (also
** after a failure). */
int desk_attachments_for_mail(desk_mail_files *out, garant_store_conn *c, int64_t ticket_id, int64_t reply_id);
void desk_mail_files_free(desk_mail_files *f);

#endif
