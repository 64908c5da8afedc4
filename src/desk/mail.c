/*
** mail.c - the service's e-mails (address verification, password reset)
** and the sender thread that empties the mail outbox (issue 14; finding 4
** of issue 13).
**
** desk_mail builds one RFC 5322 message (Date, Message-ID, From, To,
** Subject, MIME-Version, Content-Type text/plain; charset=utf-8) and
** queues its bytes in the mail outbox (store_mail.h) through the write
** path: no request waits on SMTP. The sender thread (desk_mailer_main)
** then, every round and whenever woken after a mail was queued:
**   1. claims the due mails with a lease (GARANT_MAIL_LEASE_S), in one
**      desk_write job;
**   2. reads each mail's bytes through a read connection and sends it over
**      one garant_smtp connection (src/mail/smtp.h) to opt.smtp_url, or,
**      without --smtp-url, writes it to the log (the demo);
**   3. records the results in one desk_write job: sent; refused (5xx) ->
**      failed; temporary -> retried after garant_mail_retry_delay_s,
**      failed GARANT_MAIL_GIVE_UP_S after it was queued.
** No write job is held while talking to the SMTP server. Instants are
** desk_now's (the test clock under --test-clock). A crash after the
** server's 250 and before the results are recorded sends those mails once
** more when their lease ends: the same bytes, the same Message-ID.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "desk_mail_loops.h"
#include "log.h"
#include "mailer.h"
#include "notify.h"
#include "outbox.h"
#include "smtp.h"

#define DEFAULT_FROM "garant <noreply@garant.invalid>"
/* Milliseconds: to connect, and for the whole SMTP exchange of a mail. */
#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_TIMEOUT_MS 30000L
/* Mails claimed per round (one connection, one record job). */
#define SEND_BATCH 256
/* Longest sleep between two looks at whether the desk stops. */
#define STOP_CHECK_MS 50
/* Largest message built (the bodies are a few lines). */
#define MAX_MESSAGE (256 * 1024)

/* A message being built, within a ceiling of max bytes (its NUL
** included). Its error sticks: after the first failure every add does
** nothing, and the builder's owner checks err once at the end. The API's
** text builder (src/http/text.h) is the door's. */
typedef struct mail_text {
    char *s;                    /* NUL-terminated; caller owns; free() */
    size_t len, cap, max;
    const char *limit_message;  /* "mail larger than": the ceiling's error */
    int err;                    /* the first failure (a garant_err), or 0 */
} mail_text;

static void add(mail_text *t, const char *s, size_t n)
{
    if (t->err) return;
    size_t want = t->len + n + 1;
    if (want > t->max) {
        t->err = garant__error(GARANT_ELIMIT, "%s %zu bytes", garant__tr(t->limit_message), t->max);
        return;
    }
    if ((t->err = garant__grow((void **)&t->s, &t->cap, want, 1))) return;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_(mail_text *t, const char *s) { add(t, s, strlen(s)); }

/* A header line "Name: value\r\n"; value must hold no line break. */
static void header(mail_text *b, const char *name, const char *value)
{
    puts_(b, name);
    puts_(b, ": ");
    puts_(b, value);
    puts_(b, "\r\n");
}

/* The address inside "Name <addr>", or the whole text ("" if unusable). */
static void address_of(char *out, size_t cap, const char *from)
{
    if (desk_address_of(out, cap, from, 0) != 0) garant__error_clear();
}

/* RFC 5322 date of t, in UTC: "Tue, 01 Dec 2026 10:00:00 +0000". Day and
** month names from tables, not strftime, so the locale cannot change them. */
static void rfc5322_date(char out[40], time_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Subject as is when ASCII, else an RFC 2047 encoded word (base64, UTF-8). */
static void subject_header(mail_text *b, const char *subject)
{
    int ascii = 1;
    for (const char *p = subject; *p; p++) ascii = ascii && (unsigned char)*p < 0x80;
    if (ascii) {
        header(b, "Subject", subject);
        return;
    }
    size_t n = strlen(subject);
    if (n > 600) n = 600;
    char enc[1024];
    sodium_bin2base64(enc, sizeof enc, (const unsigned char *)subject, n, sodium_base64_VARIANT_ORIGINAL);
    puts_(b, "Subject: =?utf-8?B?");
    puts_(b, enc);
    puts_(b, "?=\r\n");
}

/* The whole message, lines ended by CRLF. Caller owns out->s; free(). */
static int build_message(mail_text *out, int64_t now_s, const char *from, const char *to, const char *subject,
                         const char *body)
{
    char date[40], from_addr[256], msgid[160];
    rfc5322_date(date, now_s);
    address_of(from_addr, sizeof from_addr, from);
    const char *from_domain = strchr(from_addr, '@');
    unsigned char rnd[16];
    char rnd_hex[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    snprintf(msgid, sizeof msgid, "<%s@%s>", rnd_hex, from_domain && from_domain[1] ? from_domain + 1 : "garant.invalid");
    mail_text b = {.max = MAX_MESSAGE, .limit_message = GARANT_N_("mail larger than")};
    header(&b, "Date", date);
    header(&b, "Message-ID", msgid);
    header(&b, "From", from);
    header(&b, "To", to);
    subject_header(&b, subject);
    header(&b, "MIME-Version", "1.0");
    header(&b, "Content-Type", "text/plain; charset=utf-8");
    header(&b, "Content-Transfer-Encoding", "8bit");
    header(&b, "Auto-Submitted", "auto-generated");
    puts_(&b, "\r\n");
    /* Body: every line break becomes CRLF (libcurl dot-stuffs lines). */
    for (const char *p = body; !b.err && *p;) {
        size_t n = strcspn(p, "\r\n");
        add(&b, p, n);
        puts_(&b, "\r\n");
        p += n;
        if (*p == '\r' && p[1] == '\n') p++;
        if (*p) p++;
    }
    if (b.err) {
        free(b.s);
        return b.err;
    }
    *out = b;
    return 0;
}

/* Write the message to the log (the demo's mail box), each of its lines
** escaped (log.h) behind a "garant: mail| " prefix: a name or an address
** in a mail cannot start a line that passes for a request, another mail's
** end or one of the server's own messages. */
static int log_message(const mail_text *msg)
{
    mail_text out = {.max = MAX_MESSAGE * DESK_LOG_ESCAPE_MAX + 4096, .limit_message = GARANT_N_("logged mail larger than")};
    puts_(&out, "garant: mail (no --smtp-url, so not sent):\n");
    char line[4096];
    for (const char *p = msg->s, *end = msg->s + msg->len; !out.err && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* Lines end in CRLF on the wire; the log is read by people. */
        size_t shown = n && p[n - 1] == '\r' ? n - 1 : n;
        puts_(&out, "garant: mail| ");
        puts_(&out, desk_log_escape(line, sizeof line, p, shown, 0));
        puts_(&out, "\n");
        p += n + (nl != NULL);
    }
    puts_(&out, "garant: mail| -- end of mail --\n");
    /* One call, so concurrent mails do not interleave in the log. */
    if (!out.err) fputs(out.s, stderr);
    free(out.s);
    return out.err;
}

/* ---- queueing ------------------------------------------------------------ */

int desk_mail_prepare(desk_mail_item *out, garant_desk *d, const char *to, const char *subject, const char *body)
{
    memset(out, 0, sizeof *out);
    const desk_options *opt = desk_options_of(d);
    const char *from = opt->mail_from ? opt->mail_from : DEFAULT_FROM;
    /* A line break in a header would let its text add headers of its own. */
    if (strpbrk(to, "\r\n<>") || strpbrk(subject, "\r\n") || strpbrk(from, "\r\n") || strlen(to) > 254 ||
        strlen(from) > 254 || !to[0])
        return garant__error(GARANT_EINVAL, "mail: recipient, sender or subject is malformed");
    mail_text msg;
    int rc = build_message(&msg, desk_now(d), from, to, subject, body);
    if (rc) return rc;
    /* The Message-ID header's value, without angle brackets, for the row. */
    const char *h = strstr(msg.s, "\r\nMessage-ID: <");
    const char *e = h ? strchr(h + 15, '>') : NULL;
    if (!e || (size_t)(e - (h + 15)) >= sizeof out->message_id) {
        free(msg.s);
        return garant__error(GARANT_EINVAL, "mail: no Message-ID");
    }
    memcpy(out->message_id, h + 15, (size_t)(e - (h + 15)));
    out->message_id[e - (h + 15)] = '\0';
    snprintf(out->recipient, sizeof out->recipient, "%s", to);
    out->raw = msg.s;
    out->raw_len = msg.len;
    out->now = desk_now(d);
    return 0;
}

int desk_mail_enqueue(garant_store_conn *w, const desk_mail_item *m)
{
    garant_mail_new row = {.message_id = m->message_id,
                           .recipient = m->recipient,
                           .raw = m->raw,
                           .raw_len = m->raw_len,
                           .ticket_id = 0,
                           .now = m->now};
    return GS(w)->mail->enqueue(w, &row, NULL);
}

void desk_mail_item_free(desk_mail_item *m)
{
    if (!m) return;
    free(m->raw);
    m->raw = NULL;
}

static int enqueue_job(garant_store_conn *w, void *arg) { return desk_mail_enqueue(w, arg); }

int desk_mail(garant_desk *d, const char *to, const char *subject, const char *body)
{
    desk_mail_item m;
    int rc = desk_mail_prepare(&m, d, to, subject, body);
    if (rc) return rc;
    rc = desk_write(d, enqueue_job, &m, DESK_WRITE_ONE_STATEMENT);
    desk_mail_item_free(&m);
    if (rc) {
        desk_log("mail to %s not queued: %s", to, garant_error_last());
        return rc;
    }
    desk_mail_wake(d);
    return 0;
}

/* ---- the sender ------------------------------------------------------------- */

struct desk_mailer {
    garant_desk *d;
    desk_notify *notify;            /* the ticket mails' producer (notify.c) */
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int woken;                      /* under lock: a mail was queued */
    pthread_t thread;
    int started;
    _Atomic uint64_t rounds, retries;
    /* Mail was queued since the counts were read: read them again. The
    ** counts are a scan of the outbox, read only when they can have
    ** changed (a wake, or a round that claimed mail), not every round. */
    _Atomic int counts_stale;
    /* The outbox's counts after the last round (/metrics). */
    _Atomic int64_t queued, sent, failed, oldest_queued_at;
    _Atomic uint64_t pruned;        /* mails whose bytes retention dropped */
    int64_t next_prune_s;           /* the sender thread's: desk_now of the
                                    ** next retention pass */
};

int desk_mailer_new(desk_mailer **out, garant_desk *d)
{
    *out = NULL;
    desk_mailer *m = calloc(1, sizeof *m);
    if (!m) return garant__error(GARANT_ENOMEM, "out of memory");
    m->d = d;
    atomic_store(&m->counts_stale, 1);
    int rc = desk_notify_new(&m->notify, d);
    if (rc) goto fail_alloc;
    if (pthread_mutex_init(&m->lock, NULL)) {
        rc = garant__error(GARANT_ENOMEM, "mail: no mutex");
        goto fail_notify;
    }
    if (pthread_cond_init(&m->cv, NULL)) {
        rc = garant__error(GARANT_ENOMEM, "mail: no condition variable");
        goto fail_lock;
    }
    *out = m;
    return 0;
fail_lock:
    pthread_mutex_destroy(&m->lock);
fail_notify:
    desk_notify_free(m->notify);
fail_alloc:
    free(m);
    return rc;
}

void desk_mailer_wake(desk_mailer *m)
{
    if (!m) return;
    atomic_store(&m->counts_stale, 1);
    pthread_mutex_lock(&m->lock);
    m->woken = 1;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->lock);
}

/* Wait about ms milliseconds or until woken; returns 1 once the desk stops. */
static int nap(desk_mailer *m, int ms)
{
    while (ms > 0 && !desk_stopping(m->d)) {
        int slice = ms < STOP_CHECK_MS ? ms : STOP_CHECK_MS;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)slice * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&m->lock);
        if (!m->woken) pthread_cond_timedwait(&m->cv, &m->lock, &ts);
        int woken = m->woken;
        m->woken = 0;
        pthread_mutex_unlock(&m->lock);
        if (woken) break;
        ms -= slice;
    }
    return desk_stopping(m->d);
}

typedef enum { R_SENT, R_RETRY, R_FAILED } result_kind;

typedef struct result {
    result_kind kind;
    int64_t at; /* sent_at, failed_at, or the next due time (UTC epoch seconds) */
    char detail[300];
} result;

typedef struct round_ctx {
    int64_t now;
    garant_mail_claimed items[SEND_BATCH];
    result res[SEND_BATCH];
    int n;
} round_ctx;

static int claim_job(garant_store_conn *w, void *arg)
{
    round_ctx *c = arg;
    return GS(w)->mail->claim(w, c->now, c->now + GARANT_MAIL_LEASE_S, c->items, SEND_BATCH, &c->n);
}

/* A row gone or sent meanwhile (ENOTFOUND) needs nothing. */
static int record_job(garant_store_conn *w, void *arg)
{
    round_ctx *c = arg;
    const garant_store_mail_ops *mail = GS(w)->mail;
    for (int i = 0; i < c->n; i++) {
        int rc = 0;
        switch (c->res[i].kind) {
        case R_SENT: rc = mail->mark_sent(w, c->items[i].id, c->res[i].at); break;
        case R_RETRY: rc = mail->mark_retry(w, c->items[i].id, c->res[i].at, c->res[i].detail); break;
        case R_FAILED: rc = mail->mark_failed(w, c->items[i].id, c->res[i].at, c->res[i].detail); break;
        }
        if (rc && rc != GARANT_ENOTFOUND) return rc;
    }
    return 0;
}

/* A temporary failure of it at now: retry later, or give up when too old. */
static void retry_or_give_up(result *r, desk_mailer *m, const garant_mail_claimed *it, int64_t now,
                             const char *detail)
{
    if (now - it->created_at >= GARANT_MAIL_GIVE_UP_S) {
        r->kind = R_FAILED;
        r->at = now;
        snprintf(r->detail, sizeof r->detail, "gave up after %d attempts: %.240s", it->attempts + 1, detail);
        return;
    }
    r->kind = R_RETRY;
    r->at = now + garant_mail_retry_delay_s(it->attempts + 1);
    snprintf(r->detail, sizeof r->detail, "%.290s", detail);
    atomic_fetch_add(&m->retries, 1);
}

/* Refresh the counts /metrics shows (a read connection). */
static void refresh_counts(desk_mailer *m)
{
    const garant_store_ops *ops = garant_store_ops_of(desk_store(m->d));
    garant_store_conn *c;
    garant_mail_counts k;
    if (ops->acquire(&c, desk_store(m->d))) return;
    int rc = ops->mail->counts(c, &k);
    ops->release(c);
    if (rc) return;
    atomic_store(&m->queued, k.queued);
    atomic_store(&m->sent, k.sent);
    atomic_store(&m->failed, k.failed);
    atomic_store(&m->oldest_queued_at, k.oldest_queued_at);
}

/* Send what item i of c holds through smtp (NULL: to the log). *down is set
** when the server could not be reached. */
static void send_one(round_ctx *c, int i, desk_mailer *m, garant_smtp *smtp, int *down)
{
    const garant_store_ops *ops = garant_store_ops_of(desk_store(m->d));
    const garant_mail_claimed *it = &c->items[i];
    result *r = &c->res[i];
    void *raw = NULL;
    size_t len = 0;
    garant_store_conn *rd;
    int rc = ops->acquire(&rd, desk_store(m->d));
    if (!rc) {
        rc = ops->mail->load_raw(rd, it->id, &raw, &len);
        ops->release(rd);
    }
    if (rc) { /* the store: try again when the lease ends */
        retry_or_give_up(r, m, it, c->now, garant_error_last());
        return;
    }
    if (!smtp) {
        mail_text msg = {.s = raw, .len = len};
        rc = log_message(&msg);
        r->kind = rc ? R_RETRY : R_SENT;
        r->at = rc ? c->now + garant_mail_retry_delay_s(it->attempts + 1) : c->now;
        if (rc) snprintf(r->detail, sizeof r->detail, "%.290s", garant_error_last());
        free(raw);
        return;
    }
    garant_smtp_result sr;
    rc = garant_smtp_send(&sr, smtp, it->recipient, raw, len);
    free(raw);
    if (rc) { /* the stored recipient is unusable: no attempt can succeed */
        r->kind = R_FAILED;
        r->at = c->now;
        snprintf(r->detail, sizeof r->detail, "%.290s", garant_error_last());
        return;
    }
    switch (sr.outcome) {
    case GARANT_SMTP_SENT:
        r->kind = R_SENT;
        r->at = c->now;
        break;
    case GARANT_SMTP_REJECTED:
        r->kind = R_FAILED;
        r->at = c->now;
        snprintf(r->detail, sizeof r->detail, "%.290s", sr.detail);
        desk_log("mail %lld to %s refused: %s", (long long)it->id, it->recipient, sr.detail);
        break;
    case GARANT_SMTP_RETRY:
    default:
        *down = *down || sr.code == 0;
        retry_or_give_up(r, m, it, c->now, sr.detail);
        if (!desk_options_of(m->d)->quiet || *down)
            desk_log("mail %lld to %s not sent (attempt %d): %s", (long long)it->id, it->recipient,
                     it->attempts + 1, sr.detail);
        break;
    }
}

/* One round; the number of mails claimed, or -1 on a store error. */
static int send_round(desk_mailer *m, round_ctx *c)
{
    garant_desk *d = m->d;
    const desk_options *opt = desk_options_of(d);
    memset(c, 0, sizeof *c);
    c->now = desk_now(d);
    int rc = desk_write(d, claim_job, c, DESK_WRITE_SAVEPOINT);
    if (rc) {
        if (!desk_stopping(d)) desk_log("mail: cannot claim the due mails: %s", garant_error_last());
        return -1;
    }
    if (c->n == 0) return 0;
    garant_smtp *smtp = NULL;
    char from_addr[256];
    address_of(from_addr, sizeof from_addr, opt->mail_from ? opt->mail_from : DEFAULT_FROM);
    int down = 0;
    if (opt->smtp_url) {
        garant_smtp_config cfg = {.url = opt->smtp_url,
                                  .envelope_from = from_addr,
                                  .connect_timeout_ms = SMTP_CONNECT_TIMEOUT_MS,
                                  .timeout_ms = SMTP_TIMEOUT_MS};
        if (garant_smtp_new(&smtp, &cfg)) {
            desk_log("mail: %s", garant_error_last());
            down = 1;
        }
    }
    char down_detail[256] = "";
    for (int i = 0; i < c->n; i++) {
        if (down) {
            char why[300];
            snprintf(why, sizeof why, "not tried: %.250s", down_detail[0] ? down_detail : garant_error_last());
            retry_or_give_up(&c->res[i], m, &c->items[i], c->now, why);
            continue;
        }
        send_one(c, i, m, opt->smtp_url ? smtp : NULL, &down);
        if (down) snprintf(down_detail, sizeof down_detail, "%.255s", c->res[i].detail);
    }
    garant_smtp_free(smtp);
    rc = desk_write(d, record_job, c, DESK_WRITE_SAVEPOINT);
    if (rc) {
        if (!desk_stopping(d)) desk_log("mail: cannot record the results: %s", garant_error_last());
        return -1;
    }
    return c->n;
}

/* Retention (desk_options.mail_keep_days): once an hour of the desk's
** clock, the bytes of mails sent or failed before the retention time are
** dropped, PRUNE_BATCH rows a write job, so no job holds the writer long.
** A failed pass is tried again in the next round. */
#define PRUNE_BATCH 500
#define PRUNE_EVERY_S 3600

typedef struct prune_ctx {
    int64_t before, now;
    int n;
} prune_ctx;

static int prune_job(garant_store_conn *w, void *arg)
{
    prune_ctx *p = arg;
    return GS(w)->mail->prune(w, p->before, p->now, PRUNE_BATCH, &p->n);
}

static void prune_round(desk_mailer *m)
{
    int days = desk_options_of(m->d)->mail_keep_days;
    if (days < 0) return;
    int64_t now = desk_now(m->d);
    if (now < m->next_prune_s) return;
    prune_ctx p = {now - (int64_t)(days ? days : DESK_MAIL_KEEP_DAYS) * 86400, now, 0};
    do {
        p.n = 0;
        if (desk_write(m->d, prune_job, &p, DESK_WRITE_SAVEPOINT) != 0) {
            if (!desk_stopping(m->d)) desk_log("mail: retention pass failed: %s", garant_error_last());
            return;
        }
        atomic_fetch_add(&m->pruned, (uint64_t)p.n);
    } while (p.n == PRUNE_BATCH && !desk_stopping(m->d));
    m->next_prune_s = now + PRUNE_EVERY_S;
}

void *desk_mailer_main(void *arg)
{
    desk_mailer *m = arg;
    garant_desk *d = m->d;
    desk_thread_name("garant-mail");
    int interval = desk_options_of(d)->monitor_interval_ms > 0 ? desk_options_of(d)->monitor_interval_ms : 1000;
    round_ctx *c = malloc(sizeof *c);
    if (!c) {
        desk_log("mail: out of memory; no mail is sent");
        return NULL;
    }
    while (!desk_stopping(d)) {
        /* First the mails of what was committed since the last round
        ** (notify.c), so this round sends them. */
        int more = 0;
        int made = desk_notify_round(m->notify, &more);
        if (made < 0 && !desk_stopping(d)) desk_log("mail: ticket mails not built: %s", garant_error_last());
        if (made > 0) atomic_store(&m->counts_stale, 1);
        int n = send_round(m, c);
        if (atomic_exchange(&m->counts_stale, 0) || n != 0) refresh_counts(m);
        prune_round(m);
        atomic_fetch_add(&m->rounds, 1);
        /* A full batch suggests more is waiting: go on at once. */
        if (n == SEND_BATCH || more) continue;
        if (nap(m, interval)) break;
    }
    free(c);
    return NULL;
}

int desk_mailer_start(desk_mailer *m)
{
    if (!m || m->started) return 0;
    if (pthread_create(&m->thread, NULL, desk_mailer_main, m)) return garant__error(GARANT_ENOMEM, "mail: no thread");
    m->started = 1;
    return 0;
}

void desk_mailer_free(desk_mailer *m)
{
    if (!m) return;
    if (m->started) {
        desk_mailer_wake(m);
        pthread_join(m->thread, NULL);
    }
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->lock);
    desk_notify_free(m->notify);
    free(m);
}

void desk_mailer_stats(const desk_mailer *m, desk_mail_stats *out, int64_t now)
{
    memset(out, 0, sizeof *out);
    if (!m) return;
    out->rounds = atomic_load(&m->rounds);
    out->retries = atomic_load(&m->retries);
    out->queued = atomic_load(&m->queued);
    out->sent = atomic_load(&m->sent);
    out->failed = atomic_load(&m->failed);
    int64_t oldest = atomic_load(&m->oldest_queued_at);
    out->oldest_queued_age_s = oldest > 0 && now > oldest ? now - oldest : 0;
    out->pruned = atomic_load(&m->pruned);
}
