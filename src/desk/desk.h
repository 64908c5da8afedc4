/*
** desk.h - the desk: the support desk's domain, with no door in it.
**
** The HTTP server (src/http/), the command line (src/cli/) and the mail
** door to come call the desk; the desk calls the store (src/store/) and
** the clock (src/core/), never a door. A desk context owns:
**   - the store it was opened on;
**   - the policy in force and every version compiled so far (policies.c);
**   - the clock: real time, or under tests a test clock that only a test
**     moves (desk_now);
**   - the write path: group commit by one writer thread and durability by
**     one syncer thread (desk_write.h);
**   - the SLA monitor and the webhook deliverer (monitor.c, webhook.h);
**   - the cache of signed-in sessions (sessions.h) and the free-mail
**     domains sign-up refuses (freemail.h);
**   - outbound mail (desk_mail).
**
** Thread-safe: every function may be called from any thread once
** desk_open has returned.
*/
#ifndef GARANT_DESK_H
#define GARANT_DESK_H

#include <stdint.h>

#include "garant/garant.h"
#include "desk_error.h"
#include "desk_write.h"
#include "freemail.h"
#include "limits.h"
#include "store.h"
#include "webhook.h"

/* How many outcomes desk_inbound_deliver counts (desk_inbound.h). */
#define DESK_INBOUND_NOUTCOMES 12

typedef struct garant_desk garant_desk;

/* The desk's settings, from the command line. Strings are borrowed and
** must outlive the desk. */
typedef struct desk_options {
    const char *db_path;
    const char *config_path;     /* policy YAML; NULL = built-in default */
    int test_clock;              /* tests only: business time is the test
                                 ** clock, never the real one */
    int64_t test_clock_start_s;  /* the test clock's first instant (UTC
                                 ** epoch seconds); with test_clock */
    int allow_private_webhooks;  /* permit loopback/private webhook targets */
    const char *const *test_resolve; /* tests only, with test_clock:
                                 ** "HOST:ADDR" for the webhook resolver */
    size_t ntest_resolve;
    int monitor_interval_ms;     /* SLA monitor period; default 1000 */
    const char *freemail_path;   /* extra free-mail domains file, optional */
    const char *smtp_url;        /* "smtp://127.0.0.1:2525"; NULL = log mails */
    const char *mail_from;       /* "garant <noreply@garant.example>" */
    const char *mail_key_file;   /* 64 hex digits; NULL = made at first
                                 ** start and kept in the database */
    const char *mail_templates;  /* folder; NULL = GARANT_MAIL_TEMPLATES_DIR */
    int quiet;                   /* log only failures */
    const char *limits;          /* quotas (limits.h, "kind=N/min[:burst],..."
                                 ** or "none"); NULL = the defaults */
    /* Inbound mail (desk_inbound.h); the mail key above signs the reply
    ** addresses and Message-IDs it matches. */
    const char *support_address; /* "support@desk.example": where customers
                                 ** mail; NULL = the address of mail_from */
    /* Staff notification lists: "EVENT=ITEM,..." (notify.h), --notify. */
    const char *const *notify;
    size_t nnotify;
    int autoreply_max;           /* automatic answers an address gets an
                                 ** hour (desk_mail_loops.h); 0 = 5,
                                 ** negative = none */
    /* Attachments (desk_attachments.h), in bytes; 0 = the defaults. */
    int64_t attachment_max_bytes;         /* one file: 25 MB */
    int64_t ticket_attachments_max_bytes; /* all of a ticket's: 100 MB */
    /* Mail retention: days a sent or failed mail's bytes are kept in the
    ** outbox (the row stays); 0 = DESK_MAIL_KEEP_DAYS, negative = always. */
    int mail_keep_days;
} desk_options;

/* Days a sent mail's bytes are kept by default (desk_options). */
#define DESK_MAIL_KEEP_DAYS 90

/* Open the store at opt->db_path, load the policy in force and start the
** write path (not the monitor: desk_start_monitor). Caller owns *out;
** free with desk_free. */
int desk_open(garant_desk **out, const desk_options *opt);
/* Start the SLA monitor and the webhook deliverer. */
void desk_start_monitor(garant_desk *d);
/* Refuse new writes; the monitor's threads see it and finish their round.
** Writes queued already are committed. Call once the doors have answered
** their last requests. */
void desk_stop(garant_desk *d);
/* Stop (if not stopped), wait for the threads and free everything. NULL
** does nothing. */
void desk_free(garant_desk *d);

/* The desk's options. Borrowed; valid until desk_free. */
const desk_options *desk_options_of(const garant_desk *d);
/* The store. Borrowed; valid until desk_free. */
garant_store *desk_store(garant_desk *d);

/* ---- the clock -------------------------------------------------------- */

/* Business time, UTC epoch seconds: the real clock, or under test_clock
** only the test clock. */
int64_t desk_now(garant_desk *d);
/* Move the test clock to t (UTC epoch seconds); GARANT_ENOTFOUND without
** test_clock. */
int desk_set_test_clock(garant_desk *d, int64_t t);

/* ---- policies ---------------------------------------------------------- */

/* The policy in force and its version (0 before one is saved). Borrowed;
** valid until desk_free (every version compiled lives until then). */
const garant_policy *desk_policy_current(garant_desk *d, int64_t *out_version);
/* The policy version `version` (docs/SLA.md, "The terms a ticket was
** filed under"), compiled from the store through c on first use; 0 is the
** current one. Borrowed; valid until desk_free. */
int desk_policy_version(const garant_policy **out, garant_desk *d, garant_store_conn *c, int64_t version);
/* The policy of a ticket's version. Borrowed; valid until desk_free. On a
** failure (a version that no longer compiles) the current policy, with
** the error logged: a ticket is still shown and answered. */
const garant_policy *desk_ticket_policy(garant_desk *d, garant_store_conn *c, int64_t version);
/* Make pol, saved as `version`, the policy in force (an admin's save);
** takes ownership of pol. GARANT_ENOMEM (pol freed) if it cannot be kept. */
int desk_policy_swap(garant_desk *d, garant_policy *pol, int64_t version);
/* Compile a saved version's YAML (files it names are looked up beside
** --config). Caller owns *out; free with garant_policy_free. */
int desk_policy_compile(garant_policy **out, garant_diags **out_diags, garant_desk *d, const char *yaml);

/* ---- the write path (desk_write.h) ------------------------------------ */

/* Run fn(writer, ctx) in the writer's transaction, undone as undo says,
** and return once it is durably committed: fn's result, or GARANT_ESTORE
** if the commit failed. */
int desk_write(garant_desk *d, desk_write_fn fn, void *ctx, desk_write_undo undo);
/* The same without waiting: desk_writer_queue's contract. */
int desk_write_queue(garant_desk *d, desk_write_job *job, void (*queued)(desk_write_job *job));
/* Is the desk stopping? (Its threads and long loops look.) */
int desk_stopping(garant_desk *d);

/* ---- webhooks (webhook.h) -------------------------------------------- */

/* --test-resolve's fixed names for the webhook resolver (tests only;
** NULL otherwise). Borrowed; valid until desk_free. */
struct desk_webhook_hosts *desk_test_hosts(garant_desk *d);

/* May url be a webhook's target, under the desk's --allow-private-webhooks
** and --test-resolve? 0, or GARANT_EINVAL saying why not. */
int desk_check_webhook_url(garant_desk *d, const char *url);
/* desk_webhook_deliver under the desk's settings; stop(d) is asked
** whether to cut the batch short. */
int desk_deliver_webhooks(const garant_outbox_item *items, int n, garant_desk *d, int64_t now_s,
                          int (*stop)(void *ctx), desk_webhook_result *res);

/* ---- accounts ------------------------------------------------------------ */

/* The part of domain (lower-case) that is a free or disposable mail
** provider under the desk's list and the policy in force, or NULL.
** Borrowed; points into domain. */
const char *desk_freemail_match(garant_desk *d, const char *domain);

/* The session whose token hashes to hash, and its user, at now (UTC epoch
** seconds): from the session cache, else the store through c (a read
** connection; NULL borrows one for the lookup). GARANT_EAUTH if it has
** expired, was ended or its account is gone. out_user's password hash is
** wiped when read from the store for the cache. */
int desk_session_find(garant_session *out_session, garant_user *out_user, garant_desk *d, garant_store_conn *c,
                      const uint8_t hash[32], int64_t now);
/* Forget sessions ended in the store, after the commit and before
** answering: one token (logout), or every session of a user. */
void desk_forget_session(garant_desk *d, const uint8_t hash[32]);
void desk_forget_user_sessions(garant_desk *d, int64_t user_id);
/* Forget every cached session (an organization's users changed at once):
** each is read again from the store on its next request. */
void desk_forget_all_sessions(garant_desk *d);

/* ---- quotas (limits.h) ----------------------------------------------------- */

/* Take one of kind's quota for id (a user or an organization) at now (UTC
** epoch seconds): 0, or GARANT_ETHROTTLED with a message and, in
** *out_retry_s, the seconds until one is back (the answer's Retry-After). */
int desk_quota(garant_desk *d, limit_kind kind, int64_t id, int64_t now, int *out_retry_s);
/* The same for an upload of `bytes` (LIMIT_UPLOAD_USER, LIMIT_UPLOAD_ORG:
** counted in MiB begun). */
int desk_quota_bytes(garant_desk *d, limit_kind kind, int64_t id, int64_t bytes, int64_t now, int *out_retry_s);
/* Start an expensive read for an organization: 0, or GARANT_ETHROTTLED
** when it has its share of them running (retry in a second); end it with
** desk_read_done. Keeps one organization's queries from filling the
** worker pool every other organization waits on. */
int desk_read_begin(garant_desk *d, int64_t org_id);
void desk_read_done(garant_desk *d, int64_t org_id);

/* ---- mail (mail.c) ------------------------------------------------------ */

/* Queue an e-mail (verification, password reset) in the mail outbox and
** return once the queueing is durable; the sender thread sends it over
** SMTP when the desk has an SMTP URL, else writes it to the log. Never
** waits on SMTP. */
int desk_mail(garant_desk *d, const char *to, const char *subject, const char *body);

/* The support address, lower case ("support@desk.example"), from
** support_address or else mail_from's address; "" if neither. Borrowed;
** valid until desk_free. */
const char *desk_support_address(const garant_desk *d);
/* A mail built and ready to queue inside a caller's write job (so a door
** can queue it in the same transaction as the token it carries, and build
** it whether or not it will be queued: the same work either way). */
typedef struct desk_mail_item {
    char message_id[256];       /* without angle brackets */
    char recipient[256];
    char *raw;                  /* the message, CRLF lines; owned */
    size_t raw_len;
    int64_t now;                /* created_at (UTC epoch seconds) */
} desk_mail_item;
/* Build the mail; free with desk_mail_item_free (also after a failure). */
int desk_mail_prepare(desk_mail_item *out, garant_desk *d, const char *to, const char *subject, const char *body);
/* The account mails (account_mail.c), each from its template in the
** recipient's language ("en", "ro"; any other: English), built to be
** queued in the caller's write job. Links are whole URLs; instants UTC
** epoch seconds, written in the policy's display zone. Free out with
** desk_mail_item_free, also after a failure.
**   - verify_address: a sign-up's link, in the language chosen in the
**     browser; again: the address has other sign-ups waiting.
**   - account_exists: a sign-up of an address that has an account.
**   - password_reset: the reset link. */
int desk_mail_verification(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                           const char *language, const char *link, int64_t expires_at, int again);
int desk_mail_account_exists(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                             const char *language, const char *login_link, const char *forgot_link);
int desk_mail_password_reset(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                             const char *language, const char *link, int64_t expires_at);
/* Queue m on the writer's connection w, in its transaction. */
int desk_mail_enqueue(garant_store_conn *w, const desk_mail_item *m);
void desk_mail_item_free(desk_mail_item *m);
/* Wake the sender for a round now, after a commit that queued mail. */
void desk_mail_wake(garant_desk *d);
/* The mail key (32 bytes) signing reply addresses and Message-IDs
** (src/mail/token.h). Borrowed; valid until desk_free. */
const unsigned char *desk_mail_key(const garant_desk *d);
/* The base of links in mails ("https://desk.example", no trailing slash):
** set by the door once it knows its address, before desk_start_monitor.
** desk_base_url is "" until then. Borrowed; valid until desk_free. */
void desk_set_base_url(garant_desk *d, const char *url);
const char *desk_base_url(const garant_desk *d);
/* A user's mail language ("en", "ro") and IANA time zone ("" = the
** policy's), checked: GARANT_EINVAL for an unknown language or a zone the
** zoneinfo does not hold. NULL leaves one as it is. */
int desk_user_set_prefs(garant_desk *d, int64_t user_id, const char *language, const char *zone);
/* Check a language and a zone as desk_user_set_prefs does (NULL: not given). */
int desk_check_prefs(const char *language, const char *zone);
/* The mail templates, checked at desk_open. Borrowed; valid until desk_free. */
const struct garant_mail_templates *desk_mail_templates(const garant_desk *d);

/* ---- messages in the reader's language (messages.c, docs/messages.md) ---- */

/* The catalogue of the server's messages in language ("ro"), NULL for
** English (the messages as the sources write them) and for a language the
** desk does not speak. Set it on a thread with garant__msgcat_use
** (garant/error_wrap.h); the writer runs each write job in the language
** of the thread that queued it. Borrowed; static. */
const garant_msgcat *desk_messages(const char *language);
/* Is language ("en", "ro") one the desk speaks? */
int desk_language_known(const char *language);
/* The words of the policy's and the clock's texts for people (the
** reason for no guarantee, a deadline's explanation, a target, the
** lateness figure: garant_words) in this thread's language
** (garant__msgcat_use); NULL for English. Borrowed; valid as long as the
** thread's catalogue, which is static. */
const garant_words *desk_words(void);

/* ---- counters ------------------------------------------------------------ */

/* The mail sender's counters and the outbox's counts after its last round. */
typedef struct desk_mail_stats {
    uint64_t rounds;             /* rounds the mail sender completed */
    uint64_t retries;            /* temporary failures, to be retried */
    int64_t queued, sent, failed;
    int64_t oldest_queued_age_s; /* 0: none queued */
    uint64_t pruned;             /* mails whose bytes retention dropped */
} desk_mail_stats;

/* Counters for /metrics. */
typedef struct desk_stats {
    desk_writer_stats write;
    uint64_t monitor_rounds;     /* rounds the SLA monitor completed */
    uint64_t delivery_rounds;    /* rounds the webhook deliverer completed */
    uint64_t inbound[DESK_INBOUND_NOUTCOMES]; /* inbound mails by outcome
                                 ** (desk_inbound.h, desk_inbound_outcome) */
    desk_mail_stats mail;
    int64_t store_memory;        /* bytes the store holds (its caches); -1: unknown */
} desk_stats;
void desk_stats_get(garant_desk *d, desk_stats *out);
/* A round of the SLA monitor, or of the webhook deliverer, completed
** (counted for /metrics). */
void desk_count_monitor_round(garant_desk *d);
void desk_count_delivery_round(garant_desk *d);

/* Name the calling thread (for top -H, perf, gdb); at most 15 chars. */
void desk_thread_name(const char *name);

#endif
