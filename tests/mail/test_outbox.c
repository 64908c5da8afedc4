/*
** test_outbox.c - draining the mail outbox (src/mail/outbox.c) into the
** local sink, with a test clock: the SMTP server down for an hour and then
** every mail delivered exactly once; a crash between the 250 and
** mark_sent resends once with the same Message-ID and the same bytes; a
** refused address is given up at once, a temporary failure after two days;
** a round of several recording groups; the back-off schedule.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "outbox.h"
#include "sink.h"
#include "support.h"
#include "token.h"

#define T0 1790000000 /* 2026-09-21T14:13:20Z */

static const unsigned char KEY[GARANT_MAIL_KEY_BYTES] = "0123456789abcdef0123456789abcdef";

typedef struct fixture {
    t_sink sink;
    char dir[64], target[128];
    garant_store *st;
    garant_store_conn *w;
    garant_smtp *smtp;
} fixture;

static void check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/garant-test-outbox-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->target, sizeof fx->target, "%s/store.db", fx->dir);
    check(garant_store_open(&fx->st, fx->target, 1), "open");
    fx->w = garant_store_ops_of(fx->st)->writer(fx->st);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    garant_smtp_free(fx->smtp);
    garant_store_close(fx->st);
    t_sink_cleanup(&fx->sink);
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[200];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", fx->target, suffix[i]);
        unlink(path);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* The sink and a sender to it, started in the test's body (a skip in a
** setup function would count as a failure). */
static void sink_up(fixture *fx)
{
    t_sink_start(&fx->sink, NULL);
    garant_smtp_config cfg = {.url = fx->sink.url, .envelope_from = "bounces@garant.example",
                              .connect_timeout_ms = 2000, .timeout_ms = 10000};
    check(garant_smtp_new(&fx->smtp, &cfg), "smtp_new");
}

/* Queue mail `event` of ticket 1 to rcpt at now; its Message-ID into mid. */
static void queue(fixture *fx, const char *rcpt, int64_t event, int64_t now, char *mid, size_t cap)
{
    check(garant_mail_message_id(mid, cap, KEY, "garant.example", 1, event), "message_id");
    char text[100];
    snprintf(text, sizeof text, "Mesajul %lld: răspuns.\n", (long long)event);
    garant_mail_message m = {.from_addr = "support@garant.example", .to_addr = rcpt, .subject = "Tichetul 1",
                             .date_s = now, .message_id = mid, .text = text};
    check(garant_mail_outbox_queue(fx->w, &m, 0, now, NULL), "queue");
}

static garant_mail_counts counts(fixture *fx)
{
    garant_mail_counts k;
    check(GS(fx->w)->mail->counts(fx->w, &k), "counts");
    return k;
}

/* The Message-ID header's value in a received message. */
static void message_id_of(char *out, size_t cap, const char *raw)
{
    const char *p = strstr(raw, "\r\nMessage-ID: <");
    assert_non_null(p);
    p += 15;
    size_t n = strcspn(p, ">");
    snprintf(out, cap, "%.*s", (int)n, p);
}

static void test_down_for_an_hour(void **state)
{
    fixture *fx = *state;
    sink_up(fx);
    enum { N = 5 };
    char mids[N][GARANT_MAIL_TOKEN_MAX];
    for (int i = 0; i < N; i++) queue(fx, "alice@acme.example", i, T0, mids[i], sizeof mids[i]);
    t_sink_stop(&fx->sink);

    /* A drain every 30 s of test time while the server is down. */
    int64_t now = T0;
    int rounds_with_mail = 0;
    for (; now < T0 + 3600; now += 30) {
        garant_mail_drain_stats ds;
        check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, now, 100), "drain while down");
        assert_int_equal(ds.sent, 0);
        assert_int_equal(ds.failed, 0);
        rounds_with_mail += ds.claimed > 0;
    }
    /* Backed off: tried at 0, 30, 90, 210, 450, 930, 1890 s, not every round. */
    assert_int_equal(rounds_with_mail, 7);
    assert_int_equal(counts(fx).queued, N);

    t_sink_restart(&fx->sink);
    for (; counts(fx).queued > 0 && now < T0 + 3 * 3600; now += 30) {
        garant_mail_drain_stats ds;
        check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, now, 100), "drain when back");
    }
    garant_mail_counts k = counts(fx);
    assert_int_equal(k.queued, 0);
    assert_int_equal(k.sent, N);
    assert_int_equal(k.failed, 0);
    assert_true(now <= T0 + 3810 + 30); /* the 8th attempt, at T0 + 3810 s */
    /* Each delivered once. */
    assert_int_equal(t_sink_count(&fx->sink), N);
    int seen[N] = {0};
    for (int i = 1; i <= N; i++) {
        size_t len;
        char *raw = t_sink_message(&fx->sink, i, &len), mid[GARANT_MAIL_TOKEN_MAX];
        message_id_of(mid, sizeof mid, raw);
        for (int j = 0; j < N; j++) seen[j] += strcmp(mid, mids[j]) == 0;
        free(raw);
    }
    for (int j = 0; j < N; j++) assert_int_equal(seen[j], 1);
    /* Nothing is sent again. */
    garant_mail_drain_stats ds;
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, now + 86400, 100), "drain after");
    assert_int_equal(ds.claimed, 0);
    assert_int_equal(t_sink_count(&fx->sink), N);
}

/* The sender dies after the server's 250 and before mark_sent: the lease
** runs out, the mail is sent once more, the same bytes, then never again. */
static void test_crash_after_250(void **state)
{
    fixture *fx = *state;
    sink_up(fx);
    char mid[GARANT_MAIL_TOKEN_MAX];
    queue(fx, "alice@acme.example", 7, T0, mid, sizeof mid);

    /* What a drain round does, up to the crash. */
    garant_mail_claimed item;
    int n;
    check(GS(fx->w)->mail->claim(fx->w, T0, T0 + GARANT_MAIL_LEASE_S, &item, 1, &n), "claim");
    assert_int_equal(n, 1);
    void *raw;
    size_t len;
    check(GS(fx->w)->mail->load_raw(fx->w, item.id, &raw, &len), "load_raw");
    garant_smtp_result r;
    check(garant_smtp_send(&r, fx->smtp, item.recipient, raw, len), "send");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    free(raw);
    /* crash: no mark_sent */

    garant_mail_drain_stats ds;
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, T0 + 60, 10), "drain during the lease");
    assert_int_equal(ds.claimed, 0);
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, T0 + GARANT_MAIL_LEASE_S, 10), "drain after the lease");
    assert_int_equal(ds.sent, 1);
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, T0 + 86400, 10), "drain later");
    assert_int_equal(ds.claimed, 0);

    assert_int_equal(t_sink_count(&fx->sink), 2);
    size_t l1, l2;
    char *m1 = t_sink_message(&fx->sink, 1, &l1), *m2 = t_sink_message(&fx->sink, 2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(m1, m2, l1);
    char got[GARANT_MAIL_TOKEN_MAX];
    message_id_of(got, sizeof got, m1);
    assert_string_equal(got, mid);
    free(m1);
    free(m2);
    assert_int_equal(counts(fx).sent, 1);
}

static void test_refused_and_given_up(void **state)
{
    fixture *fx = *state;
    sink_up(fx);
    char mid[GARANT_MAIL_TOKEN_MAX];
    queue(fx, "perm-gone@acme.example", 1, T0, mid, sizeof mid);
    queue(fx, "temp-full@acme.example", 2, T0, mid, sizeof mid);
    queue(fx, "alice@acme.example", 3, T0, mid, sizeof mid);
    garant_mail_drain_stats ds;
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, T0, 10), "drain");
    assert_int_equal(ds.claimed, 3);
    assert_int_equal(ds.sent, 1);
    assert_int_equal(ds.failed, 1);
    assert_int_equal(ds.retried, 1);
    /* The mailbox stays full: retried, at most hourly, until two days. */
    int64_t now = T0;
    int rounds = 0;
    while (counts(fx).queued > 0 && now < T0 + 3 * 86400) {
        now += 3600;
        check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, now, 10), "drain");
        rounds++;
    }
    assert_int_equal(now, T0 + GARANT_MAIL_GIVE_UP_S);
    garant_mail_counts k = counts(fx);
    assert_int_equal(k.sent, 1);
    assert_int_equal(k.failed, 2);
    garant_mail_row *list;
    size_t nl;
    check(GS(fx->w)->mail->list(fx->w, 10, &list, &nl), "list");
    assert_true(nl >= 2);
    assert_non_null(strstr(list[0].last_error, "550"));
    assert_non_null(strstr(list[1].last_error, "gave up after"));
    free(list);
    assert_int_equal(t_sink_count(&fx->sink), 1);
}

/* A round larger than a recording group: every mail over one connection,
** every result recorded. */
static void test_round_of_groups(void **state)
{
    fixture *fx = *state;
    sink_up(fx);
    int n = 2 * GARANT_MAIL_RECORD_GROUP + 5;
    char mid[GARANT_MAIL_TOKEN_MAX];
    for (int i = 0; i < n; i++) queue(fx, "alice@acme.example", i, T0, mid, sizeof mid);
    garant_mail_drain_stats ds;
    check(garant_mail_outbox_drain(&ds, fx->w, fx->smtp, T0, 1000), "drain");
    assert_int_equal(ds.claimed, n);
    assert_int_equal(ds.sent, n);
    assert_int_equal(counts(fx).sent, n);
    assert_int_equal(counts(fx).queued, 0);
    assert_int_equal(t_sink_count(&fx->sink), n);
    assert_int_equal(garant_smtp_connections(fx->smtp), 1);
}

static void test_retry_delays(void **state)
{
    (void)state;
    assert_int_equal(garant_mail_retry_delay_s(1), 30);
    assert_int_equal(garant_mail_retry_delay_s(2), 60);
    assert_int_equal(garant_mail_retry_delay_s(7), 1920);
    assert_int_equal(garant_mail_retry_delay_s(8), 3600);
    assert_int_equal(garant_mail_retry_delay_s(1000), 3600);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_down_for_an_hour),
        CASE(test_crash_after_250),
        CASE(test_refused_and_given_up),
        CASE(test_round_of_groups),
        cmocka_unit_test(test_retry_delays),
    };
    return t_exit_status(cmocka_run_group_tests_name("mail outbox", tests, NULL, NULL));
}
