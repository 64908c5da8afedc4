/*
** desk_state.h - what a desk holds (struct garant_desk), for desk.c, its
** accessors, and desk_life.c, which opens, starts and stops it. Nothing
** else includes it: the rest of the desk and its doors see desk.h.
*/
#ifndef GARANT_DESK_STATE_H
#define GARANT_DESK_STATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "desk.h"
#include "desk_inbound.h"
#include "desk_write.h"
#include "freemail.h"
#include "limits.h"
#include "policies.h"
#include "sessions.h"
#include "token.h"

typedef struct desk_mailer desk_mailer;
typedef struct desk_webhook_hosts desk_webhook_hosts;
typedef struct garant_mail_templates garant_mail_templates;

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
    /* Wakes the mailer (desk_mail_wake): set by desk_open, so that the
    ** desk's accessors need nothing of the mailer's code. */
    void (*mail_wake)(desk_mailer *m);
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

#endif
