/*
** desk_life.c - a desk's life (desk.h): opening it (its store, policies,
** writer, mail key and templates, mailer), starting its threads, stopping
** and freeing it, and its figures for /metrics. Apart from desk.c's
** accessors, which the desk's modules call, because this file calls those
** modules in turn.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk_mail_loops.h"
#include "desk_state.h"
#include "log.h"
#include "mailer.h"
#include "monitor.h"
#include "template.h"
#include "webhook.h"

/* The session cache (sessions.h): entries, and how long one is trusted
** without reading the store again. */
#define SESSION_CACHE_SLOTS 4096 /* ~3 MiB */
#define SESSION_CACHE_TTL_S 10

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
    d->mail_wake = desk_mailer_wake;
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
