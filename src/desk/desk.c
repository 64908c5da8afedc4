/*
** desk.c - the desk context (desk.h): what the desk's modules ask of it,
** its clock, policies, write path, sessions and quotas. Opening, starting
** and stopping it, which call those modules, are in desk_life.c, so that
** the modules and the desk do not depend on each other both ways.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "garant/error_wrap.h"
#include "desk_state.h"
#include "log.h"

void desk_mail_wake(garant_desk *d)
{
    if (d->mail_wake) d->mail_wake(d->mailer);
}

const unsigned char *desk_mail_key(const garant_desk *d) { return d->mail_key; }

const struct garant_mail_templates *desk_mail_templates(const garant_desk *d) { return d->mail_templates; }

void desk_set_base_url(garant_desk *d, const char *url)
{
    size_t n = url ? strlen(url) : 0;
    while (n && url[n - 1] == '/') n--;
    snprintf(d->base_url, sizeof d->base_url, "%.*s", (int)n, url ? url : "");
}

const char *desk_base_url(const garant_desk *d) { return d->base_url; }

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

struct desk_webhook_hosts *desk_test_hosts(garant_desk *d) { return d->test_hosts; }

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
