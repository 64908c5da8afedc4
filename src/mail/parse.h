/*
** parse.h - inbound mail: one RFC 5322 message turned into a plain struct.
**
** The mail door (LMTP, `garant mail deliver`) hands the bytes it received to
** garant_mail_parse and gives the desk what comes out: who sent it, what it
** answers (Message-ID, In-Reply-To, References), whether a machine sent it
** (auto-replies, bulk, null sender, bounces), the verdicts the trusted MTA
** wrote into Authentication-Results, the body as UTF-8 text and the
** attachments. Nothing here touches the store, the network or the clock.
**
** Everything in a garant_mail_message is valid UTF-8 (bytes a charset
** cannot explain become U+FFFD) and NUL-terminated; attachments are raw
** decoded bytes. The parser never fails on malformed mail it can read at
** all: it keeps what it could understand and says so in `defects`.
*/
#ifndef GARANT_MAIL_PARSE_H
#define GARANT_MAIL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "garant/service_error.h"

/* A verdict from Authentication-Results (RFC 8601). NONE covers "absent",
** none, neutral, softfail, temperror and policy: only an explicit fail or
** permerror is FAIL, so a refusal is never based on a guess. */
typedef enum garant_mail_auth {
    GARANT_MAIL_AUTH_NONE = 0,
    GARANT_MAIL_AUTH_PASS = 1,
    GARANT_MAIL_AUTH_FAIL = 2
} garant_mail_auth;

/* Why a message counts as automatic (bit set; 0 = a person wrote it). */
enum {
    GARANT_MAIL_AUTO_SUBMITTED = 1 << 0,  /* Auto-Submitted other than "no" */
    GARANT_MAIL_AUTO_PRECEDENCE = 1 << 1, /* Precedence: bulk, list, junk, auto_reply */
    GARANT_MAIL_AUTO_XHEADER = 1 << 2,    /* X-Autoreply, X-Autorespond, X-Auto-Response-Suppress: All/OOF... */
    GARANT_MAIL_AUTO_NULL_SENDER = 1 << 3, /* Return-Path: <> (what the MTA saw as MAIL FROM) */
    GARANT_MAIL_AUTO_BOUNCE = 1 << 4,     /* a delivery status notification */
    GARANT_MAIL_AUTO_LIST = 1 << 5        /* List-Id / List-Unsubscribe: a mailing list */
};

/* Things the parser had to work around (bit set), for logs and metrics. */
enum {
    GARANT_MAIL_DEFECT_CHARSET = 1 << 0,   /* an unknown charset; read as UTF-8 or windows-1252 */
    GARANT_MAIL_DEFECT_ENCODING = 1 << 1,  /* bytes the charset could not explain (now U+FFFD) */
    GARANT_MAIL_DEFECT_PARTS = 1 << 2,     /* more parts than the limit; the rest ignored */
    GARANT_MAIL_DEFECT_DEPTH = 1 << 3,     /* nested deeper than the limit; the rest ignored */
    GARANT_MAIL_DEFECT_TEXT_CUT = 1 << 4,  /* body text longer than the limit; cut */
    GARANT_MAIL_DEFECT_ATTACHMENTS = 1 << 5, /* attachment bytes over the limit; later ones dropped */
    GARANT_MAIL_DEFECT_STRUCTURE = 1 << 6    /* a multipart without parts (no boundary): its raw text kept */
};

typedef struct garant_mail_address {
    char *name; /* display name decoded to UTF-8, or NULL */
    char *addr; /* "local@domain" as written, or NULL when there was none */
} garant_mail_address;

typedef struct garant_mail_attachment {
    char *filename;     /* decoded (RFC 2047/2231); never NULL: "attachment-N" if absent */
    char *content_type; /* as declared, lower case, "type/subtype"; never trusted for serving */
    char *content_id;   /* without <>, or NULL (inline images of an HTML body) */
    int is_inline;      /* Content-Disposition: inline (or a related part) */
    unsigned char *data; /* the decoded bytes (base64 / quoted-printable undone) */
    size_t len;
} garant_mail_attachment;

typedef struct garant_mail_message {
    garant_mail_address from;     /* first From mailbox; addr NULL if none */
    garant_mail_address reply_to; /* first Reply-To mailbox; addr NULL if none */
    garant_mail_address *to;
    size_t n_to;
    garant_mail_address *cc;
    size_t n_cc;
    char *subject;        /* RFC 2047 decoded, UTF-8; "" when absent */
    char *message_id;     /* without <>, or NULL */
    char *in_reply_to;    /* the first id, without <>, or NULL */
    char **references;    /* ids without <>, oldest first as written */
    size_t n_references;
    int64_t date_s;       /* Date: as UTC epoch seconds; 0 if absent or unreadable */
    int has_date;

    char *return_path;    /* the address inside Return-Path, "" for <>, NULL if absent */
    unsigned auto_flags;  /* GARANT_MAIL_AUTO_*; nonzero: never answer, never open a ticket */
    char *auto_submitted; /* the Auto-Submitted value, lower case, or NULL */

    /* From the Authentication-Results the trusted MTA added: the first
    ** such header, or with an authserv_id given, only headers naming it. */
    garant_mail_auth dkim;
    garant_mail_auth spf;
    garant_mail_auth dmarc;

    /* A delivery status notification (multipart/report;
    ** report-type=delivery-status): for which recipient of which of our
    ** messages. Strings NULL when the report does not say. */
    int is_bounce;
    char *bounce_recipient;  /* Final-Recipient / Original-Recipient address */
    char *bounce_action;     /* "failed", "delayed", ... lower case */
    char *bounce_status;     /* "5.1.1" */
    char *bounce_message_id; /* Message-ID of the returned message, without <> */

    char *text;           /* the body as UTF-8 text; never NULL */
    size_t text_len;
    int text_from_html;   /* 1 when the only body was HTML, converted */

    garant_mail_attachment *attachments;
    size_t n_attachments;

    unsigned defects; /* GARANT_MAIL_DEFECT_* */
} garant_mail_message;

/* Ceilings for one message; zero fields take the defaults below. */
typedef struct garant_mail_limits {
    size_t max_bytes;            /* whole message; larger is refused (GARANT_ELIMIT) */
    size_t max_parts;            /* MIME parts looked at */
    unsigned max_depth;          /* multipart / message nesting */
    size_t max_text_bytes;       /* body text kept */
    size_t max_attachment_bytes; /* all attachments together */
    /* When set, only Authentication-Results headers whose authserv-id is
    ** this host count (the MTA's own); otherwise only the topmost header,
    ** the one the last hop added. */
    const char *authserv_id;
} garant_mail_limits;

#define GARANT_MAIL_DEFAULT_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define GARANT_MAIL_DEFAULT_MAX_PARTS 256
#define GARANT_MAIL_DEFAULT_MAX_DEPTH 16
#define GARANT_MAIL_DEFAULT_MAX_TEXT ((size_t)4 * 1024 * 1024)
#define GARANT_MAIL_DEFAULT_MAX_ATTACHMENTS ((size_t)60 * 1024 * 1024)

/* Parses len bytes of one message (CRLF or LF line ends). lim may be NULL.
** Returns 0, GARANT_ELIMIT (larger than lim->max_bytes), GARANT_EPARSE (no
** message header at all could be read) or GARANT_ENOMEM; the message in
** garant_error_last(). On success *out is set.
** Caller owns *out; free with garant_mail_message_free. Thread-safe. */
int garant_mail_parse(garant_mail_message **out, const char *bytes, size_t len,
                      const garant_mail_limits *lim);

/* Frees a message from garant_mail_parse; NULL does nothing. */
void garant_mail_message_free(garant_mail_message *msg);

/* The reply the customer wrote: text without the quoted previous message
** (Gmail's and Apple Mail's "On ... wrote:" with "> " lines, Outlook's
** "-----Original Message-----", header blocks and underscore rule, the
** Romanian "Pe ... a scris:" / "În data de ... a scris:"), the "-- "
** signature and "Sent from my iPhone"-style lines. Conservative: quoted
** lines followed by more of the customer's text are kept; if stripping
** would leave nothing, the whole text is kept. Lines end in "\n".
** Caller owns *out; free with free(). Returns 0 or GARANT_ENOMEM. */
int garant_mail_strip_quote(char **out, const char *text, size_t len);

/* HTML (UTF-8) turned into plain text with libxml2's HTML parser: block
** elements break lines, list items start with "- ", links keep their URL
** as "text <url>", blockquotes become "> " lines, script/style/head are
** dropped, entities decoded, control characters but line end and tab
** dropped; the text ends in "\n" unless empty. Caller owns *out; free
** with free().
** Returns 0 or GARANT_ENOMEM. */
int garant_mail_html_to_text(char **out, const char *html, size_t len);

#endif
