/*
** desk.c - the desk context (desk.h): what it owns, its clock, and its
** start and stop.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "token.h"

#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "desk_mail_loops.h"
#include "desk_inbound.h"
#include "log.h"
#include "mailer.h"
#include "template.h"
#include "token.h"
#include "monitor.h"
#include "policies.h"
#include "sessions.h"
#include "webhook.h"

/* The session cache (sessions.h): entries, and how long one is trusted
** without reading the store again. */
#define SESSION_CACHE_SLOTS 4096 /* ~3 MiB */
#define SESSION_CACHE_TTL_S 10

struct garant_desk {
    desk_options opt;
    garant_store *store;
    desk_policies *policies;
    desk_writer *writer;
    desk_sessions *sessions;
    limits *limits;             /* quotas per user and organization */
    /* Free-mail domains for sign-up and organizations' domains. */
    desk_freemail freemail;
    /* --test-resolve: the webhook resolver's fixed names (tests only). */
    desk_webhook_hosts *test_hosts;

    /* The test clock (UTC epoch seconds): with opt.test_clock, desk_now
    ** returns it and nothing else; it starts at opt.test_clock_start_s and
    ** moves only by desk_set_test_clock. */
    _Atomic int64_t fixed_now;

    pthread_t monitor;
    int monitor_started;
    desk_mailer *mailer;         /* the mail outbox's sender (mail.c) */
    unsigned char mail_key[GARANT_MAIL_KEY_BYTES];
    garant_mail_templates *mail_templates;
    /* Rounds the SLA monitor and the webhook deliverer have completed,
    ** for /metrics: a test waits for a round to pass instead of sleeping. */
    _Atomic uint64_t monitor_rounds;
    _Atomic uint64_t delivery_rounds;

    /* Inbound mail (desk_inbound.h): the support address in lower case,
    ** and the count of each outcome (the key is mail_key above). */
    char support_address[256];
    _Atomic uint64_t inbound[DESK_INBOUND_NOUTCOMES];
    char base_url[512];          /* links in mails; desk_set_base_url */
};

typedef struct key_job {
    unsigned char candidate[GARANT_MAIL_KEY_BYTES];
    unsigned char *out;
    int64_t now;
} key_job;

static int keep_key(garant_store_conn *w, void *arg)
{
    key_job *j = arg;
    return GS(w)->mail->key_keep(w, j->out, j->candidate, j->now);
}

/* The mail key (--mail-key-file, or the database's, made now if there is
** none) and the templates (a broken folder is refused: GARANT_ECONFIG
** with FILE:LINE). */
static int mail_setup(garant_desk *d)
{
    const char *dir = d->opt.mail_templates ? d->opt.mail_templates : GARANT_MAIL_TEMPLATES_DIR;
    char why[512]; /* garant_error_last() is the buffer garant__error writes */
    int rc = garant_mail_templates_load(&d->mail_templates, dir);
    if (rc) {
        snprintf(why, sizeof why, "%s", garant_error_last());
        return garant__error(rc == GARANT_EIO ? GARANT_ECONFIG : rc, "mail templates: %s", why);
    }
    if (d->opt.mail_key_file) {
        if ((rc = garant_mail_key_load(d->mail_key, d->opt.mail_key_file))) {
            snprintf(why, sizeof why, "%s", garant_error_last());
            return garant__error(GARANT_ECONFIG, "--mail-key-file: %s", why);
        }
        return 0;
    }
    key_job j = {.out = d->mail_key, .now = desk_now(d)};
    randombytes_buf(j.candidate, sizeof j.candidate);
    rc = desk_write(d, keep_key, &j, DESK_WRITE_SAVEPOINT);
    sodium_memzero(j.candidate, sizeof j.candidate);
    return rc;
}

int desk_open(garant_desk **out, const desk_options *opt)
{
    *out = NULL;
    int rc = 0;
    garant_desk *d = calloc(1, sizeof *d);
    if (!d) return garant__error(GARANT_ENOMEM, "out of memory");
    d->opt = *opt;
    atomic_store(&d->fixed_now, opt->test_clock ? opt->test_clock_start_s : INT64_MIN);
    /* A fixed resolver is for tests: a server on real time must ask DNS. */
    if (opt->ntest_resolve && !opt->test_clock) {
        rc = garant__error(GARANT_EINVAL, "--test-resolve is for tests only: it needs --test-clock");
        goto fail;
    }
    for (size_t i = 0; i < opt->ntest_resolve; i++) {
        if ((rc = desk_webhook_hosts_add(&d->test_hosts, opt->test_resolve[i]))) {
            rc = garant__error(rc, "--test-resolve: %s", garant_error_last());
            goto fail;
        }
    }
    limit_config lc;
    limits_defaults(&lc);
    char why[256];
    if (opt->limits && limits_parse(&lc, opt->limits, why, sizeof why) != 0) {
        rc = garant__error(GARANT_EINVAL, "--limits: %s", why);
        goto fail;
    }
    if (!(d->limits = limits_new(&lc))) {
        rc = garant__error(GARANT_ENOMEM, "out of memory for the quotas");
        goto fail;
    }
    /* Unusable (no '@'): "", and the mail doors refuse to start. */
    const char *support = opt->support_address ? opt->support_address : opt->mail_from;
    if (support && desk_address_of(d->support_address, sizeof d->support_address, support, 1) != 0)
        garant__error_clear();
    if ((rc = garant_store_open(&d->store, opt->db_path, 64))) goto fail;
    if ((rc = desk_policies_new(&d->policies, opt->config_path))) goto fail;
    if ((rc = desk_policies_load(d->policies, d->store, desk_now(d)))) goto fail;
    if ((rc = desk_freemail_load(&d->freemail, opt->freemail_path))) goto fail;
    if (!(d->sessions = desk_sessions_new(SESSION_CACHE_SLOTS, SESSION_CACHE_TTL_S))) {
        rc = garant__error(GARANT_ENOMEM, "out of memory for the session cache");
        goto fail;
    }
    if ((rc = desk_writer_start(&d->writer, d->store))) goto fail;
    if ((rc = mail_setup(d))) goto fail;
    if ((rc = desk_mailer_new(&d->mailer, d))) goto fail;
    *out = d;
    return 0;
fail:
    desk_free(d);
    return rc;
}

void desk_start_monitor(garant_desk *d)
{
    if (pthread_create(&d->monitor, NULL, desk_monitor_main, d) == 0) d->monitor_started = 1;
    if (desk_mailer_start(d->mailer)) desk_log("%s; mails stay queued", garant_error_last());
}

void desk_mail_wake(garant_desk *d) { desk_mailer_wake(d->mailer); }

const unsigned char *desk_mail_key(const garant_desk *d) { return d->mail_key; }

const struct garant_mail_templates *desk_mail_templates(const garant_desk *d) { return d->mail_templates; }

void desk_set_base_url(garant_desk *d, const char *url)
{
    size_t n = url ? strlen(url) : 0;
    while (n && url[n - 1] == '/') n--;
    snprintf(d->base_url, sizeof d->base_url, "%.*s", (int)n, url ? url : "");
}

const char *desk_base_url(const garant_desk *d) { return d->base_url; }

void desk_stop(garant_desk *d)
{
    if (d->writer) desk_writer_stop(d->writer);
}

void desk_free(garant_desk *d)
{
    if (!d) return;
    desk_stop(d);
    if (d->monitor_started) pthread_join(d->monitor, NULL);
    desk_mailer_free(d->mailer);
    garant_mail_templates_free(d->mail_templates);
    sodium_memzero(d->mail_key, sizeof d->mail_key);
    desk_writer_free(d->writer);
    desk_policies_free(d->policies);
    desk_sessions_free(d->sessions);
    limits_free(d->limits);
    desk_freemail_free(&d->freemail);
    desk_webhook_hosts_free(d->test_hosts);
    garant_store_close(d->store);
    sodium_memzero(d->mail_key, sizeof d->mail_key);
    free(d);
}

const desk_options *desk_options_of(const garant_desk *d) { return &d->opt; }

garant_store *desk_store(garant_desk *d) { return d->store; }

/* ---- the clock ---------------------------------------------------------- */

int64_t desk_now(garant_desk *d)
{
    if (d->opt.test_clock) return atomic_load(&d->fixed_now);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int desk_set_test_clock(garant_desk *d, int64_t t)
{
    if (!d->opt.test_clock) return garant__error(GARANT_ENOTFOUND, "no such resource");
    atomic_store(&d->fixed_now, t);
    return 0;
}

/* ---- policies ------------------------------------------------------------ */

const garant_policy *desk_policy_current(garant_desk *d, int64_t *out_version)
{
    return desk_policies_current(d->policies, out_version);
}

int desk_policy_version(const garant_policy **out, garant_desk *d, garant_store_conn *c, int64_t version)
{
    return desk_policies_version(out, d->policies, c, version);
}

const garant_policy *desk_ticket_policy(garant_desk *d, garant_store_conn *c, int64_t version)
{
    const garant_policy *pol;
    if (desk_policy_version(&pol, d, c, version) == 0) return pol;
    desk_log("%s; showing the ticket under the current policy", garant_error_last());
    return desk_policy_current(d, NULL);
}

int desk_policy_swap(garant_desk *d, garant_policy *pol, int64_t version)
{
    return desk_policies_swap(d->policies, pol, version);
}

int desk_policy_compile(garant_policy **out, garant_diags **out_diags, garant_desk *d, const char *yaml)
{
    return desk_policies_compile(out, out_diags, d->policies, yaml);
}

/* ---- the write path -------------------------------------------------------- */

int desk_write(garant_desk *d, desk_write_fn fn, void *ctx, desk_write_undo undo)
{
    return desk_writer_run(d->writer, fn, ctx, undo);
}

int desk_write_queue(garant_desk *d, desk_write_job *job, void (*queued)(desk_write_job *job))
{
    return desk_writer_queue(d->writer, job, queued);
}

int desk_stopping(garant_desk *d) { return desk_writer_stopping(d->writer); }

/* ---- webhooks -------------------------------------------------------------- */

int desk_check_webhook_url(garant_desk *d, const char *url)
{
    return desk_webhook_check_url(url, d->opt.allow_private_webhooks, d->test_hosts);
}

int desk_deliver_webhooks(const garant_outbox_item *items, int n, garant_desk *d, int64_t now_s,
                          int (*stop)(void *ctx), desk_webhook_result *res)
{
    return desk_webhook_deliver(items, n, now_s, d->opt.allow_private_webhooks, d->test_hosts, stop, d, res);
}

/* ---- accounts -------------------------------------------------------------- */

const char *desk_freemail_match(garant_desk *d, const char *domain)
{
    return desk_freemail_match_in(&d->freemail, desk_policy_current(d, NULL), domain);
}

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

int desk_session_find(garant_session *out_session, garant_user *out_user, garant_desk *d, garant_store_conn *c,
                      const uint8_t hash[32], int64_t now)
{
    desk_sessions *cache = d->sessions;
    int64_t mono = monotonic_s();
    if (desk_sessions_get(cache, hash, now, mono, out_session, out_user)) return 0;
    uint64_t gen = desk_sessions_generation(cache);
    const garant_store_ops *ops = garant_store_ops_of(d->store);
    garant_store_conn *own = NULL;
    int rc = c ? 0 : ops->acquire(&own, d->store);
    if (own) c = own;
    if (!rc) rc = ops->accounts->session_get(c, hash, now, out_session);
    if (rc == GARANT_ENOTFOUND) rc = garant__error(GARANT_EAUTH, "the session has expired or was ended; log in again");
    if (!rc) rc = ops->accounts->user_get(c, out_session->user_id, out_user);
    if (rc == GARANT_ENOTFOUND) rc = garant__error(GARANT_EAUTH, "the session's account no longer exists");
    if (own) ops->release(own);
    if (rc) return rc;
    desk_sessions_put(cache, gen, out_session, out_user, mono);
    memset(out_user->password_hash, 0, sizeof out_user->password_hash);
    return 0;
}

void desk_forget_session(garant_desk *d, const uint8_t hash[32]) { desk_sessions_forget(d->sessions, hash); }

void desk_forget_user_sessions(garant_desk *d, int64_t user_id) { desk_sessions_forget_user(d->sessions, user_id); }
void desk_forget_all_sessions(garant_desk *d) { desk_sessions_clear(d->sessions); }

/* ---- quotas -------------------------------------------------------------- */

/* A refused quota: what was done too often, one whole sentence a kind, so
** that each language can say it its own way (docs/messages.md). */
static int quota_refused(limit_kind kind, int wait)
{
    switch (kind) {
    case LIMIT_FILE_USER:
        return garant__error(GARANT_ETHROTTLED, "you have filed too many tickets in a short time; try again in %d s",
                             wait);
    case LIMIT_FILE_ORG:
        return garant__error(GARANT_ETHROTTLED,
                             "your organization has filed too many tickets in a short time; try again in %d s", wait);
    case LIMIT_REPLY_USER:
        return garant__error(GARANT_ETHROTTLED, "you have sent too many replies in a short time; try again in %d s",
                             wait);
    case LIMIT_REPLY_ORG:
        return garant__error(GARANT_ETHROTTLED,
                             "your organization has sent too many replies in a short time; try again in %d s", wait);
    case LIMIT_READ_USER:
        return garant__error(GARANT_ETHROTTLED,
                             "you have made too many searches and filtered lists in a short time; try again in %d s",
                             wait);
    case LIMIT_UPLOAD_USER:
        return garant__error(GARANT_ETHROTTLED,
                             "you have uploaded too many megabytes of files in a short time; try again in %d s", wait);
    default:
        return garant__error(GARANT_ETHROTTLED,
                             "your organization has uploaded too many megabytes of files in a short time; try again "
                             "in %d s",
                             wait);
    }
}

int desk_quota(garant_desk *d, limit_kind kind, int64_t id, int64_t now, int *out_retry_s)
{
    int wait = limits_take(d->limits, kind, id, now * 1000);
    *out_retry_s = wait;
    if (!wait) return 0;
    return quota_refused(kind, wait);
}

int desk_quota_bytes(garant_desk *d, limit_kind kind, int64_t id, int64_t bytes, int64_t now, int *out_retry_s)
{
    int64_t mib = bytes <= 0 ? 1 : (bytes + (1 << 20) - 1) >> 20;
    int wait = limits_take_n(d->limits, kind, id, mib > UINT32_MAX ? UINT32_MAX : (uint32_t)mib, now * 1000);
    *out_retry_s = wait;
    if (!wait) return 0;
    return quota_refused(kind, wait);
}

int desk_read_begin(garant_desk *d, int64_t org_id)
{
    if (limits_enter(d->limits, org_id)) return 0;
    return garant__error(GARANT_ETHROTTLED, "your organization has too many searches running at once; "
                                            "try again in a moment");
}

void desk_read_done(garant_desk *d, int64_t org_id) { limits_leave(d->limits, org_id); }

/* ---- inbound mail ---------------------------------------------------------- */

const char *desk_support_address(const garant_desk *d) { return d->support_address; }

void desk_count_inbound(garant_desk *d, int outcome)
{
    if (outcome >= 0 && outcome < DESK_INBOUND_NOUTCOMES) atomic_fetch_add(&d->inbound[outcome], 1);
}

/* ---- counters -------------------------------------------------------------- */

void desk_count_monitor_round(garant_desk *d) { atomic_fetch_add(&d->monitor_rounds, 1); }
void desk_count_delivery_round(garant_desk *d) { atomic_fetch_add(&d->delivery_rounds, 1); }

void desk_stats_get(garant_desk *d, desk_stats *out)
{
    desk_writer_stats_get(d->writer, &out->write);
    out->monitor_rounds = atomic_load(&d->monitor_rounds);
    out->delivery_rounds = atomic_load(&d->delivery_rounds);
    for (int i = 0; i < DESK_INBOUND_NOUTCOMES; i++) out->inbound[i] = atomic_load(&d->inbound[i]);
    desk_mailer_stats(d->mailer, &out->mail, desk_now(d));
    const garant_store_ops *ops = garant_store_ops_of(d->store);
    out->store_memory = ops->memory_used ? ops->memory_used(d->store) : -1;
}
