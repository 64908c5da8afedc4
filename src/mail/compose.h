/*
** compose.h - one outbound e-mail, built with GMime 3 (issue 14).
**
** The caller gives every variable part: the instant of the Date header
** (UTC epoch seconds; nothing here reads the clock) and the Message-ID
** (deterministic, src/mail/token.h, so a resend carries the same id). The
** result is the whole RFC 5322 message as bytes with CRLF line ends, ready
** for the outbox and SMTP:
**
**   multipart/mixed                      (only when there are attachments)
**     multipart/alternative
**       text/plain; charset=utf-8        (quoted-printable when not ASCII)
**       text/html;  charset=utf-8        (given, or built from the text)
**     application/...; name=...          (base64, Content-Disposition
**                                          attachment; filename=...)
**
** Headers with text beyond ASCII (Subject, display names) are encoded per
** RFC 2047 (filenames per RFC 2231), so Romanian diacritics survive any
** transport. Values that hold a CR, LF or NUL are refused: no caller text
** can add a header.
*/
#ifndef GARANT_MAIL_COMPOSE_H
#define GARANT_MAIL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

/* The Auto-Submitted header (RFC 3834). Mail the desk generates is
** auto-generated; an acknowledgement of a customer's mail is auto-replied.
** An agent's own reply is written by a person: NO leaves the header out. */
typedef enum garant_mail_auto {
    GARANT_MAIL_AUTO_GENERATED = 0,
    GARANT_MAIL_AUTO_REPLIED = 1,
    GARANT_MAIL_AUTO_NO = 2
} garant_mail_auto;

typedef struct garant_mail_attachment {
    const char *filename;     /* UTF-8, no path; required */
    const char *content_type; /* "type/subtype"; NULL: application/octet-stream */
    const void *data;
    size_t len;
} garant_mail_attachment;

/* Every pointer is borrowed for the call. Message ids are written without
** angle brackets ("t12.3.abc@example.com"). */
typedef struct garant_mail_message {
    const char *from_name; /* display name, UTF-8; NULL or "": none */
    const char *from_addr; /* required */
    const char *to_name;
    const char *to_addr;   /* required */
    const char *reply_to;  /* an address (the ticket's token address); NULL: none */
    const char *subject;   /* UTF-8; required, may be "" */
    int64_t date_s;        /* the Date header, UTC epoch seconds */
    const char *message_id; /* required */
    /* Threading: the ticket's first message and the ones since, oldest
    ** first. In-Reply-To names the last of them (the root when there are
    ** none since); References names the root and the latest
    ** GARANT_MAIL_MAX_REFERENCES - 1 others. NULL root: a new thread. */
    const char *thread_root;
    const char *const *previous;
    size_t n_previous;
    garant_mail_auto auto_submitted;
    const char *text; /* the plain text, UTF-8, lines ended by \n; required */
    const char *html; /* a whole HTML document; NULL: built from text */
    const garant_mail_attachment *attachments;
    size_t n_attachments;
} garant_mail_message;

/* References kept at most (RFC 5322 sets no limit; long threads would grow
** the header without bound). */
#define GARANT_MAIL_MAX_REFERENCES 20

/* Build the message. *out is the bytes (NUL-terminated for convenience,
** not counted in *out_len). Caller owns *out; free with free().
** GARANT_EINVAL for a missing field, a bad address or a header value with
** a line break; GARANT_ELIMIT when the message would exceed
** GARANT_MAIL_MAX_RAW (store_mail.h). */
int garant_mail_compose(char **out, size_t *out_len, const garant_mail_message *m);

/* The HTML version of a plain text: every character escaped, paragraphs
** at blank lines, <br> at single line breaks, in a minimal UTF-8 document.
** Caller owns *out; free with free(). */
int garant_mail_text_to_html(char **out, const char *text);

/* text with &, <, >, " and ' escaped for HTML, appended to nothing: a new
** string. Caller owns *out; free with free(). */
int garant_mail_html_escape(char **out, const char *text);

#endif
