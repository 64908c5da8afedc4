/*
** http.h - the HTTP door of the desk (desk.h): requests, routes, the
** error-to-status table, JSON validation and what a route asks of the
** server. A route parses its request, calls the desk and serialises.
**
** Each area of the API is a table of routes in its own file
** (routes_accounts.c, routes_tickets.c, routes_admin.c, routes_policy.c, routes_corrections.c,
** routes_sla.c, routes_reports.c, routes_system.c); the router dispatches over all of
** them, and `garant routes` prints them (docs/api.md is checked against it).
**
** A handler runs on a worker thread with a read connection to the store
** (r->db), or, for the few routes marked HTTP_RUN_INLINE, on the event
** loop without one; it returns 0 after setting a response, or a negative
** garant_err with garant_error_last() set, which the server turns into
** {"error": {"code": "...", "message": "..."}} with the status from one
** table (http_status_of). Writes go through the desk's write path
** (http_write, desk_write): the writer thread commits many requests in one
** transaction and one fsync (group commit), and the call returns only once
** the write is durable.
*/
#ifndef GARANT_HTTP_H
#define GARANT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "garant/garant.h"
#include "desk.h"
#include "store.h"

typedef struct garant_server garant_server;
typedef struct http_req http_req;

/* Who may call a route. */
typedef enum http_auth {
    HTTP_PUBLIC = 0,   /* anyone */
    HTTP_USER = 1,     /* any signed-in, verified user */
    HTTP_STAFF = 2,    /* agents and admins */
    HTTP_ADMIN = 3,    /* admins */
    HTTP_METRICS = 4,  /* admins, or the bearer token of --metrics-token-file
                       ** (a Prometheus scraper holds no session) */
    HTTP_ACCOUNT = 5   /* any signed-in, verified user, a member whom her
                       ** organization has not approved (yet) too: her own
                       ** account only (desk_members.h); HTTP_USER and up
                       ** refuse such a member with 403 */
} http_auth;

typedef int (*http_handler)(http_req *r);

/* Where a route's handler runs (dispatch.c, "Threading"). */
typedef enum http_run {
    HTTP_RUN_WORKER = 0,  /* a worker thread, with a read connection (r->db):
                          ** free to block on the store, http_write, hashing */
    HTTP_RUN_INLINE = 1,  /* the event loop itself, without r->db: must not
                          ** block; writes through http_write_then */
    HTTP_RUN_HASHING = 2  /* like WORKER, on a small pool of its own: routes
                          ** that hash passwords, so that a flood of them
                          ** cannot take every general worker */
} http_run;

/* Field types of a request body (http_body_fields). */
typedef enum http_ftype {
    HTTP_F_STRING = 0, /* JSON string, valid UTF-8 (jansson checks), at most max bytes */
    HTTP_F_INT = 1,    /* JSON integer */
    HTTP_F_BOOL = 2,   /* JSON true/false */
    HTTP_F_ARRAY = 3,  /* JSON array of at most max strings, each at most
                       ** HTTP_ARRAY_ITEM_MAX bytes */
    HTTP_F_OBJECT = 4, /* JSON object */
    HTTP_F_IDS = 5,    /* JSON array of at most max ids (integers from 1) */
    HTTP_F_INT_NULL = 6 /* JSON integer or null */
} http_ftype;

/* Bytes of one string in an HTTP_F_ARRAY: a domain name's ceiling. */
#define HTTP_ARRAY_ITEM_MAX 253

typedef struct http_field {
    const char *name;
    http_ftype type;
    int required;
    size_t max;        /* bytes for strings, elements for arrays; 0 =
                       ** HTTP_FIELD_MAX_DEFAULT */
} http_field;

/* A field's ceiling when its max is 0: 1 MiB (bytes or elements). */
#define HTTP_FIELD_MAX_DEFAULT (1024 * 1024)

typedef struct http_route {
    const char *method;   /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *pattern;  /* "/api/v1/tickets/{id}": {id} is a positive integer */
    http_auth auth;
    http_handler fn;
    const char *summary;  /* one line for `garant routes` and docs/api.md */
    http_run run;
    const http_field *body; /* the body's fields, ended by a {NULL} row, or
                            ** NULL when the route reads no body; the
                            ** handler parses the body with exactly this
                            ** spec (http_body_fields asserts it), so
                            ** `garant routes --json` and docs/openapi.yaml's
                            ** test see what the handler accepts */
    const char *const *query; /* the query parameters the handler reads,
                            ** ended by NULL, or NULL for none: a request
                            ** with any other is answered 400, as a typo
                            ** (?stauts=closed) must not pass for "all" */
} http_route;

/* The route tables, each ended by a row of NULLs. */
extern const http_route http_routes_system[];
extern const http_route http_routes_accounts[];
extern const http_route http_routes_admin[];
extern const http_route http_routes_tickets[];
extern const http_route http_routes_sla[];
extern const http_route http_routes_reports[];
extern const http_route http_routes_policy[];
extern const http_route http_routes_corrections[];
extern const http_route http_routes_attachments[];

/* A ticket's files as its page lists them: [{id, reply_id (null for the
** first message), filename, size, type (the sniffed one), sha256 (hex),
** internal, uploader_id, created_at (UTC epoch seconds)}]
** (routes_attachments.c). Caller owns *out; 0 or GARANT_ENOMEM. */
int http_attachments_json(json_t **out, const garant_attachment *files, size_t n);

/* The one route whose body is streamed to a spool file (http_upload). */
#define HTTP_UPLOAD_PATH "/api/v1/attachments"

/* An upload the server streamed to a spool file as it arrived (the routes
** that take a file: POST /api/v1/attachments), instead of buffering it:
** its bytes are the file fd from offset 0 (unlinked; the server closes
** it when the request ends), counted and hashed on the way. */
typedef struct http_upload {
    int fd;
    int64_t size;              /* bytes */
    uint8_t sha256[32];
} http_upload;

/* A file to answer with, streamed from the store in pieces
** (desk_attachment_read) instead of json or text. */
typedef struct http_file_reply {
    int64_t id;                /* the attachment; 0: none */
    int64_t size;
    const char *content_type;  /* static storage */
    char disposition[1024];    /* the Content-Disposition header */
} http_file_reply;
extern const http_route http_routes_groups[];
extern const http_route http_routes_members[];
extern const http_route http_routes_views[];

/* Query parameters parsed from a text (http_params_parse), which
** http_query reads instead of the request's own (http_query_from): a saved
** view's query is checked by the very code that reads a request's. */
#define HTTP_PARAMS_MAX 32
typedef struct http_params {
    size_t n;
    const char *name[HTTP_PARAMS_MAX];  /* decoded; in the request's memory */
    const char *value[HTTP_PARAMS_MAX];
} http_params;

/* A request in flight. Everything here is valid until the handler returns. */
struct http_req {
    garant_server *srv;
    garant_desk *desk;         /* the desk the server opened (desk.h) */
    const char *method;
    const char *path;
    int64_t id;                /* the {id} of the route, 0 if none */
    int64_t id2;               /* a second {id2}, 0 if none */
    const char *body;          /* raw body, NUL-terminated; "" if none */
    size_t body_len;
    garant_store_conn *db;     /* a read connection for this request */
    int64_t now;               /* UTC epoch seconds, from the server's clock */
    const char *client_ip;     /* for throttling and logs */
    /* The language of the answer's messages (request.c): Accept-Language's
    ** if it names one the desk speaks, else the signed-in user's, else
    ** English. The threads that work on the request write in it. */
    const garant_msgcat *messages; /* NULL: English */
    int language_asked;        /* Accept-Language chose it */

    /* Authentication, filled before the handler runs when a valid session
    ** is presented (even on public routes). */
    int authed;
    garant_user user;
    garant_session session;
    int via_cookie;            /* cookie auth: writes need X-CSRF-Token */

    /* The response the handler sets. */
    int status;
    json_t *json;              /* owned by the request once set */
    char *text;                /* alternative body (CSV), malloc'd, owned */
    const char *content_type;  /* for text */
    char set_cookie[512];      /* one Set-Cookie header, "" if none */
    char location[256];        /* Location header, "" if none */
    int retry_after_s;         /* Retry-After header (429), 0 if none */

    const http_upload *upload; /* the streamed body of a file route, else NULL */
    http_file_reply file;      /* set by a handler that answers with a file */
    json_t *body_json;         /* the parsed body (http_body_fields), owned */
    const http_params *params; /* what http_query reads instead of the
                               ** request's query (http_query_from); NULL */
    void *impl;                /* the server's per-connection state */
};

/* ---- responses ------------------------------------------------------- */

/* Answer status with a JSON body. Takes ownership of body. Returns 0. */
int http_reply(http_req *r, int status, json_t *body);
/* Answer with text (CSV and such). Takes ownership of text (malloc'd). */
int http_reply_text(http_req *r, int status, const char *content_type, char *text);
/* The HTTP status for a garant_err (the one table). */
int http_status_of(int err);

/* ---- request data ---------------------------------------------------- */

/* A query parameter or header, or NULL. Borrowed; valid for the request. */
const char *http_query(http_req *r, const char *name);
const char *http_header(http_req *r, const char *name);
/* Parse a query string ("a=1&b=x+y%21", without the '?') into *out, as
** the server decodes a request's ('+' a space, %XX a byte); the texts
** live in r's memory. An empty part is skipped; a part without '=', a
** malformed escape or %00, or more than HTTP_PARAMS_MAX parameters are
** GARANT_EINVAL. */
int http_params_parse(http_params *out, http_req *r, const char *query);
/* Make http_query (and http_query_int) read p instead of the request's
** query string; NULL goes back to the request's. p is borrowed until then. */
void http_query_from(http_req *r, const http_params *p);
/* Refuse a query parameter a resource does not take, naming those it does
** (known, ended by NULL; NULL for none): GARANT_EPARSE with the message
** (garant_error_last), in the thread's language. */
int http_refuse_unknown_query(const char *unknown, const char *const *known);
/* An integer query parameter in [min, max]: 1 and *out if present, 0 if
** absent, or GARANT_EINVAL naming the parameter and the range. */
int http_query_int(http_req *r, const char *name, int64_t min, int64_t max, int64_t *out);

/* Parse the body as a JSON object and check it against spec (ended by a
** {NULL} row): unknown fields, wrong types, missing required fields and
** over-long strings are refused with a message naming the field
** (GARANT_EPARSE for malformed JSON -> 400, GARANT_EINVAL -> 422,
** GARANT_ELIMIT -> 413, for strings whose max is 64 KiB or more).
** spec must be the body of r's route (http_route.body; asserted). out[i]
** is the value of spec[i] or NULL if absent; borrowed, valid for the
** request. */
int http_body_fields(http_req *r, const http_field *spec, json_t **out);

/* ---- the server ------------------------------------------------------ */

/* The policy in force: new tickets are filed under it. Borrowed; valid
** until shutdown (every version compiled lives until then, so a handler
** never sees one freed under it). */
const garant_policy *http_policy(http_req *r);
/* The same with its version (0 before one is saved). */
const garant_policy *http_policy_current(garant_server *srv, int64_t *out_version);
/* The policy version `version` (docs/SLA.md, "The terms a ticket was filed
** under"), compiled from the store through c on first use; 0 is the
** current one. Borrowed; valid until shutdown. */
int http_policy_version(const garant_policy **out, garant_server *srv, garant_store_conn *c, int64_t version);
/* The policy of a ticket's version. Borrowed; valid until shutdown. On a
** failure (a version that no longer compiles) the current policy, with
** the error logged: a ticket is still shown. */
const garant_policy *http_ticket_policy(garant_server *srv, garant_store_conn *c, int64_t version);
/* Make pol, saved as `version`, the policy in force (an admin's save);
** takes ownership of pol. GARANT_ENOMEM (pol freed) if it cannot be kept. */
int http_policy_swap(garant_server *srv, garant_policy *pol, int64_t version);
/* Compile a saved version's YAML (files it names are looked up beside
** --config). Caller owns *out; free with garant_policy_free. */
int http_policy_compile(garant_policy **out, garant_diags **out_diags, garant_server *srv, const char *yaml);
garant_store *http_store(garant_server *srv);
/* The desk the server opened. Borrowed; valid until it stops. */
garant_desk *http_desk(garant_server *srv);
/* The server's clock: real time, or the test clock when enabled. */
int64_t http_now(garant_server *srv);

/* Run fn(writer, ctx) in the writer thread, inside a transaction shared
** with other requests (its own savepoint: a failing fn rolls back only its
** own work), and return once the transaction is durably committed: fn's
** result, or GARANT_ESTORE if the commit failed. */
int http_write(garant_server *srv, desk_write_fn fn, void *ctx);

/* http_write with another undo than its savepoint. */
int http_write_undone(garant_server *srv, desk_write_fn fn, void *ctx, desk_write_undo undo);

/* The same write for an HTTP_RUN_INLINE handler, which must not wait:
** queues fn(writer, ctx) and returns 0 at once (the handler then returns
** 0 too, setting no response). Once the write is durable, then(r, ctx)
** runs on the event loop and sets the response; if fn failed or the
** commit did, the request is answered with that error instead and then
** does not run. ctx must live until then: allocate it with http_alloc.
** fn's failure is undone as desk_write_undo says. */
typedef int (*http_then_fn)(http_req *r, void *ctx);
int http_write_then(http_req *r, desk_write_fn fn, void *ctx, http_then_fn then, desk_write_undo undo);

/* n bytes of zeroed memory that live as long as the request. Owned by the
** request (freed when it ends); NULL if out of memory. */
void *http_alloc(http_req *r, size_t n);

/* The session cache (sessions.h): forget sessions ended in the store,
** after the commit and before answering. */
void http_forget_session(garant_server *srv, const uint8_t hash[32]);
void http_forget_user_sessions(garant_server *srv, int64_t user_id);


/* Server settings, from the command line and the config. */
typedef struct garant_server_options {
    const char *db_path;
    const char *listen;          /* "127.0.0.1:8080" */
    const char *config_path;     /* policy YAML; NULL = built-in default */
    const char *smtp_url;        /* "smtp://127.0.0.1:2525"; NULL = log mails */
    const char *mail_from;       /* "garant <noreply@garant.example>" */
    const char *base_url;        /* for links in mails; default http://LISTEN */
    const char *const *notify;   /* staff lists, "EVENT=ITEM,..." (--notify) */
    size_t nnotify;
    const char *web_root;        /* static pages folder; NULL = none */
    int test_clock;              /* tests only: business time is the test
                                 ** clock, never the real one; enables
                                 ** POST /api/v1/test/clock */
    int64_t test_clock_start_s;  /* the test clock's first instant (UTC
                                 ** epoch seconds); with test_clock */
    int allow_private_webhooks;  /* permit loopback/private webhook targets */
    const char *const *trusted_proxies; /* CIDRs whose X-Forwarded-For names the
                                 ** client (client_addr.h); borrowed */
    size_t ntrusted_proxies;
    const char *const *test_resolve; /* tests only, with test_clock: "HOST:ADDR"
                                 ** for the webhook resolver; borrowed */
    size_t ntest_resolve;
    int threads;                 /* event-loop threads; 0 = the default (2) */
    int workers;                 /* worker threads; 0 = the default (32) */
    int max_waiting_hashes;      /* requests queued for the hashing workers
                                 ** before 503; 0 = the default (256) */
    int monitor_interval_ms;     /* SLA monitor period; default 1000 */
    const char *limits;          /* quotas (desk.h); NULL = the defaults */
    int max_per_address;         /* connections one client address may hold
                                 ** (slowloris); 0 = no limit */
    const char *freemail_path;   /* extra free-mail domains file, optional */
    const char *mail_key_file;   /* the mail key; NULL = the database's */
    const char *mail_templates;  /* mail templates folder; NULL = built-in path */
    const char *metrics_token_file; /* holds the bearer token that may read
                                 ** /metrics; NULL: only admins may */
    int quiet;                   /* no request log */
    const char *support_address; /* desk_options.support_address */
    int autoreply_max;           /* desk_options.autoreply_max */
    int64_t attachment_max_bytes;         /* desk_options'; 0 = the default */
    int64_t ticket_attachments_max_bytes; /* desk_options'; 0 = the default */
    int mail_keep_days;          /* desk_options.mail_keep_days */
    /* A door beside HTTP (the LMTP server of `serve --lmtp-listen`):
    ** started once the desk is open, before the "listening" line (a
    ** failure stops the server), stopped after HTTP has stopped and before
    ** the desk closes. NULL for none. */
    int (*door_start)(void *ctx, garant_desk *d);
    void (*door_stop)(void *ctx);
    void *door_ctx;
} garant_server_options;

/* Start the server; returns when SIGINT/SIGTERM arrives (0) or on failure. */
int garant_server_run(const garant_server_options *opt);

/* ---- auth helpers (auth.c) ------------------------------------------- */

/* argon2id hash of a password (libsodium, >= 19 MiB and 2 passes).
** out must hold 128 bytes. */
int http_password_hash(char out[128], const char *password);
/* 0 if the password matches; GARANT_EAUTH if not. *out_rehash is set when
** the hash's settings are below the current ones. */
int http_password_check(const char *hash, const char *password, int *out_rehash);
/* A random token: 32 bytes, base64url without padding in out (44 bytes
** with NUL), its SHA-256 in hash. */
void http_token_new(char out[44], uint8_t hash[32]);
/* SHA-256 of a presented token. */
void http_token_hash(uint8_t hash[32], const char *token);

#endif
