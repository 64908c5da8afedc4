/*
** test_store_mail.c - the mail outbox's storage contract (store_mail.h):
** enqueue in the caller's transaction (and gone with its rollback), claim
** with a lease, the bytes back unchanged, retry scheduling, sent once,
** given up, counts and the list.
**
** run_mail_contract(ops, target) runs every case against a backend; each
** case opens a fresh store at "<target>-<n>", since claim looks at the
** whole outbox.
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

#include "store.h"
#include "store_support.h"
#include "support.h"

int run_mail_contract(const garant_store_ops *ops, const char *target);

static st_suite suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_mail_ops *mail;
    char target[512];
} fixture;

#define T0 1790000000 /* 2026-09-21T12:53:20Z */

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->mail = suite.ops->mail;
    st_suite_open(&suite, &fx->st, &fx->w, fx->target, sizeof fx->target);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    st_close(fx->st, fx->ops, fx->target);
    free(fx);
    return 0;
}

static int64_t queue(fixture *fx, const char *rcpt, const char *body, int64_t now)
{
    char mid[64];
    snprintf(mid, sizeof mid, "m%lld.%s@garant.example", (long long)now, rcpt);
    garant_mail_new m = {.message_id = mid, .recipient = rcpt, .raw = body, .raw_len = strlen(body), .now = now};
    int64_t id = 0;
    st_check(fx->mail->enqueue(fx->w, &m, &id), "enqueue");
    assert_true(id > 0);
    return id;
}

static void test_enqueue_claim_load(void **state)
{
    fixture *fx = *state;
    /* Bytes with a NUL and CRLFs come back as they went in. */
    static const char raw[] = "Subject: x\r\n\r\nbody\0with a NUL\r\n";
    garant_mail_new m = {.message_id = "t1.1.abc@garant.example", .recipient = "alice@acme.example",
                         .raw = raw, .raw_len = sizeof raw - 1, .now = T0};
    int64_t id;
    st_check(fx->mail->enqueue(fx->w, &m, &id), "enqueue");

    garant_mail_claimed got[4];
    int n;
    st_check(fx->mail->claim(fx->w, T0 - 1, T0 + 300, got, 4, &n), "claim before due");
    assert_int_equal(n, 0);
    st_check(fx->mail->claim(fx->w, T0, T0 + 300, got, 4, &n), "claim");
    assert_int_equal(n, 1);
    assert_int_equal(got[0].id, id);
    assert_int_equal(got[0].attempts, 0);
    assert_int_equal(got[0].ticket_id, 0);
    assert_int_equal(got[0].created_at, T0);
    assert_string_equal(got[0].message_id, "t1.1.abc@garant.example");
    assert_string_equal(got[0].recipient, "alice@acme.example");
    /* Leased: not claimed again until the lease ends. */
    st_check(fx->mail->claim(fx->w, T0 + 299, T0 + 600, got, 4, &n), "claim while leased");
    assert_int_equal(n, 0);
    st_check(fx->mail->claim(fx->w, T0 + 300, T0 + 600, got, 4, &n), "claim after the lease");
    assert_int_equal(n, 1);

    void *bytes;
    size_t len;
    st_check(fx->mail->load_raw(fx->w, id, &bytes, &len), "load_raw");
    assert_int_equal(len, sizeof raw - 1);
    assert_memory_equal(bytes, raw, len);
    free(bytes);
    assert_int_equal(fx->mail->load_raw(fx->w, id + 100, &bytes, &len), GARANT_ENOTFOUND);
}

static void test_enqueue_refuses(void **state)
{
    fixture *fx = *state;
    garant_mail_new m = {.message_id = "", .recipient = "a@b.example", .raw = "x", .raw_len = 1, .now = T0};
    assert_int_equal(fx->mail->enqueue(fx->w, &m, NULL), GARANT_EINVAL);
    m.message_id = "x@y";
    m.recipient = "no-at-sign";
    assert_int_equal(fx->mail->enqueue(fx->w, &m, NULL), GARANT_EINVAL);
    m.recipient = "a@b.example";
    m.raw_len = 0;
    assert_int_equal(fx->mail->enqueue(fx->w, &m, NULL), GARANT_EINVAL);
    m.raw_len = (size_t)GARANT_MAIL_MAX_RAW + 1;
    assert_int_equal(fx->mail->enqueue(fx->w, &m, NULL), GARANT_ELIMIT);
    garant_mail_counts k;
    st_check(fx->mail->counts(fx->w, &k), "counts");
    assert_int_equal(k.queued, 0);
}

/* The row belongs to the caller's transaction: a rollback takes it away. */
static void test_enqueue_in_callers_transaction(void **state)
{
    fixture *fx = *state;
    st_check(GS(fx->w)->begin_write(fx->w), "begin");
    queue(fx, "a@acme.example", "x", T0);
    st_check(GS(fx->w)->rollback(fx->w), "rollback");
    st_check(GS(fx->w)->begin_write(fx->w), "begin");
    queue(fx, "b@acme.example", "y", T0);
    st_check(GS(fx->w)->commit(fx->w), "commit");
    garant_mail_claimed got[4];
    int n;
    st_check(fx->mail->claim(fx->w, T0, T0 + 60, got, 4, &n), "claim");
    assert_int_equal(n, 1);
    assert_string_equal(got[0].recipient, "b@acme.example");
    /* claim inside a caller's transaction uses a savepoint. */
    queue(fx, "c@acme.example", "z", T0);
    st_check(GS(fx->w)->begin_write(fx->w), "begin");
    st_check(fx->mail->claim(fx->w, T0, T0 + 60, got, 4, &n), "claim in a transaction");
    assert_int_equal(n, 1);
    st_check(GS(fx->w)->commit(fx->w), "commit");
}

static void test_claim_order_and_limit(void **state)
{
    fixture *fx = *state;
    int64_t a = queue(fx, "a@acme.example", "a", T0 + 20);
    int64_t b = queue(fx, "b@acme.example", "b", T0 + 10);
    int64_t c = queue(fx, "c@acme.example", "c", T0 + 10);
    garant_mail_claimed got[4];
    int n;
    st_check(fx->mail->claim(fx->w, T0 + 30, T0 + 90, got, 2, &n), "claim 2");
    assert_int_equal(n, 2);
    assert_int_equal(got[0].id, b);
    assert_int_equal(got[1].id, c);
    st_check(fx->mail->claim(fx->w, T0 + 30, T0 + 90, got, 2, &n), "claim the rest");
    assert_int_equal(n, 1);
    assert_int_equal(got[0].id, a);
    assert_int_equal(fx->mail->claim(fx->w, T0, T0, got, 2, &n), GARANT_EINVAL);
    assert_int_equal(fx->mail->claim(fx->w, T0, T0 + 1, got, 0, &n), GARANT_EINVAL);
}

static void test_retry_then_sent_once(void **state)
{
    fixture *fx = *state;
    int64_t id = queue(fx, "a@acme.example", "a", T0);
    garant_mail_claimed got[2];
    int n;
    st_check(fx->mail->claim(fx->w, T0, T0 + 600, got, 2, &n), "claim");
    st_check(fx->mail->mark_retry(fx->w, id, T0 + 30, "451 try later"), "retry");
    /* The retry's due time replaces the lease. */
    st_check(fx->mail->claim(fx->w, T0 + 29, T0 + 600, got, 2, &n), "claim early");
    assert_int_equal(n, 0);
    st_check(fx->mail->claim(fx->w, T0 + 30, T0 + 600, got, 2, &n), "claim at due");
    assert_int_equal(n, 1);
    assert_int_equal(got[0].attempts, 1);
    st_check(fx->mail->mark_sent(fx->w, id, T0 + 31), "sent");
    assert_int_equal(fx->mail->mark_sent(fx->w, id, T0 + 32), GARANT_ENOTFOUND);
    assert_int_equal(fx->mail->mark_retry(fx->w, id, T0 + 60, "x"), GARANT_ENOTFOUND);
    st_check(fx->mail->claim(fx->w, T0 + 100000, T0 + 100600, got, 2, &n), "claim after sent");
    assert_int_equal(n, 0);

    garant_mail_row *list;
    size_t nl;
    st_check(fx->mail->list(fx->w, 10, &list, &nl), "list");
    assert_int_equal(nl, 1);
    assert_int_equal(list[0].id, id);
    assert_string_equal(list[0].state, "sent");
    assert_int_equal(list[0].attempts, 2);
    assert_int_equal(list[0].sent_at, T0 + 31);
    assert_int_equal(list[0].pruned_at, 0);
    assert_false(list[0].has_error);
    assert_string_equal(list[0].last_error, "");
    free(list);
}

static void test_failed_and_counts(void **state)
{
    fixture *fx = *state;
    int64_t a = queue(fx, "a@acme.example", "a", T0);
    int64_t b = queue(fx, "b@acme.example", "b", T0 + 5);
    queue(fx, "c@acme.example", "c", T0 + 7);
    st_check(fx->mail->mark_failed(fx->w, a, T0 + 1, "550 no such user"), "failed");
    st_check(fx->mail->mark_sent(fx->w, b, T0 + 6), "sent");
    garant_mail_counts k;
    st_check(fx->mail->counts(fx->w, &k), "counts");
    assert_int_equal(k.queued, 1);
    assert_int_equal(k.sent, 1);
    assert_int_equal(k.failed, 1);
    assert_int_equal(k.oldest_queued_at, T0 + 7);
    garant_mail_row *list;
    size_t nl;
    st_check(fx->mail->list(fx->w, 2, &list, &nl), "list");
    assert_int_equal(nl, 2); /* the latest two, oldest first */
    assert_int_equal(list[0].id, b);
    assert_string_equal(list[0].recipient, "b@acme.example");
    free(list);
    st_check(fx->mail->list(fx->w, 10, &list, &nl), "list all");
    assert_int_equal(nl, 3);
    assert_string_equal(list[0].state, "failed");
    assert_true(list[0].has_error);
    assert_string_equal(list[0].last_error, "550 no such user");
    free(list);
    assert_int_equal(fx->mail->list(fx->w, 0, &list, &nl), GARANT_EINVAL);
    assert_int_equal(fx->mail->list(fx->w, GARANT_MAIL_MAX_LISTED + 1, &list, &nl), GARANT_EINVAL);
}

static void test_key_kept_once(void **state)
{
    fixture *fx = *state;
    unsigned char a[GARANT_STORE_MAIL_KEY_BYTES], b[GARANT_STORE_MAIL_KEY_BYTES], out[GARANT_STORE_MAIL_KEY_BYTES];
    memset(a, 0xa5, sizeof a);
    memset(b, 0x5a, sizeof b);
    st_check(fx->mail->key_keep(fx->w, out, a, T0), "first key");
    assert_memory_equal(out, a, sizeof a);
    /* A later candidate never replaces the stored key. */
    st_check(fx->mail->key_keep(fx->w, out, b, T0 + 1), "second key");
    assert_memory_equal(out, a, sizeof a);
}

/* Retention drops the bytes of old sent and failed mails, oldest first
** and at most limit a call, never a queued mail's, and keeps the row:
** its Message-ID still attributes a late bounce. */
static void test_prune(void **state)
{
    fixture *fx = *state;
    int64_t old_sent = queue(fx, "a@acme.example", "aaaa", T0);
    int64_t old_failed = queue(fx, "b@acme.example", "bbbb", T0 + 1);
    int64_t old_queued = queue(fx, "c@acme.example", "cccc", T0 + 2);
    int64_t new_sent = queue(fx, "d@acme.example", "dddd", T0 + 100);
    st_check(fx->mail->mark_sent(fx->w, old_sent, T0 + 3), "sent");
    st_check(fx->mail->mark_failed(fx->w, old_failed, T0 + 3, "550 no"), "failed");
    st_check(fx->mail->mark_sent(fx->w, new_sent, T0 + 101), "sent");

    int n = -1;
    assert_int_equal(fx->mail->prune(fx->w, T0 + 50, T0 + 1000, 0, &n), GARANT_EINVAL);
    st_check(fx->mail->prune(fx->w, T0 + 50, T0 + 1000, 1, &n), "prune one");
    assert_int_equal(n, 1);
    st_check(fx->mail->prune(fx->w, T0 + 50, T0 + 1000, 10, &n), "prune the rest");
    assert_int_equal(n, 1);
    st_check(fx->mail->prune(fx->w, T0 + 50, T0 + 1001, 10, &n), "prune again");
    assert_int_equal(n, 0);

    void *bytes;
    size_t len;
    int64_t kept[] = {old_queued, new_sent};
    for (size_t i = 0; i < 2; i++) {
        st_check(fx->mail->load_raw(fx->w, kept[i], &bytes, &len), "load_raw kept");
        assert_int_equal(len, 4);
        free(bytes);
    }
    st_check(fx->mail->load_raw(fx->w, old_sent, &bytes, &len), "load_raw pruned");
    assert_int_equal(len, 0);
    free(bytes);

    garant_mail_row *list;
    size_t nl;
    st_check(fx->mail->list(fx->w, 10, &list, &nl), "list");
    assert_int_equal(nl, 4);
    int64_t want_pruned_at[] = {T0 + 1000, T0 + 1000, 0, 0};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(list[i].pruned_at, want_pruned_at[i]);
        assert_true(list[i].message_id[0] != '\0');
    }
    free(list);
    garant_mail_counts k;
    st_check(fx->mail->counts(fx->w, &k), "counts");
    assert_int_equal(k.sent, 2);
    assert_int_equal(k.failed, 1);
    assert_int_equal(k.queued, 1);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int run_mail_contract(const garant_store_ops *ops, const char *target)
{
    st_suite_begin(&suite, ops, target);
    const struct CMUnitTest tests[] = {
        CASE(test_enqueue_claim_load),        CASE(test_enqueue_refuses), CASE(test_enqueue_in_callers_transaction),
        CASE(test_claim_order_and_limit),     CASE(test_retry_then_sent_once), CASE(test_failed_and_counts),
        CASE(test_key_kept_once),             CASE(test_prune),
    };
    char name[64];
    snprintf(name, sizeof name, "store mail (%s)", ops->name);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int main(void)
{
    return t_exit_status(st_run_in_temp_dir("mail", run_mail_contract, &garant_store_sqlite_ops));
}
