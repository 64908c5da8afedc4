/*
** test_limits.c - quotas per user and organization (src/http/limits.c):
** the bucket's arithmetic with instants worked out by hand, refusal with
** the right Retry-After, independence of keys, the share of expensive
** reads, the --limits syntax, a table under more keys than it has slots,
** and exact counts under threads.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "limits.h"
#include "support.h"

static limits *with(limit_kind kind, uint32_t per_minute, uint32_t burst)
{
    limit_config c;
    memset(&c, 0, sizeof c);
    c.rate[kind] = (limit_rate){ per_minute, burst };
    limits *l = limits_new(&c);
    assert_non_null(l);
    return l;
}

static void test_bucket(void **state)
{
    (void)state;
    /* 30 a minute is one every 2 s; a burst of 20. */
    limits *l = with(LIMIT_FILE_USER, 30, 20);
    int64_t t0 = 1764493200000LL;   /* 2025-11-30T09:00:00Z, any instant */
    for (int i = 0; i < 20; i++)
        assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0), 0);
    /* Empty: the next token is 2 s away. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0), 2);
    /* 1.5 s later three quarters of a token are in: 0.5 s more, so 1 s. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0 + 1500), 1);
    /* At 2 s one token: taken; then empty again. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0 + 2000), 0);
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0 + 2000), 2);
    /* Another user, and another kind, have buckets of their own. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 8, t0 + 2000), 0);
    assert_int_equal(limits_take(l, LIMIT_REPLY_USER, 7, t0 + 2000), 0); /* unlimited here */
    /* 40 s refill 20 tokens: full again, and no more than full. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0 + 2000 + 600000), 0);
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0 + 2000 + 600000), 2);
    /* A clock set back (tests) refills nothing and breaks nothing. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 7, t0), 2);
    limits_free(l);

    /* 1 a minute: the Retry-After is a whole minute. */
    l = with(LIMIT_REPLY_ORG, 1, 1);
    assert_int_equal(limits_take(l, LIMIT_REPLY_ORG, 1, t0), 0);
    assert_int_equal(limits_take(l, LIMIT_REPLY_ORG, 1, t0), 60);
    assert_int_equal(limits_take(l, LIMIT_REPLY_ORG, 1, t0 + 59001), 1);
    assert_int_equal(limits_take(l, LIMIT_REPLY_ORG, 1, t0 + 60000), 0);
    limits_free(l);
}

static void test_org_reads(void **state)
{
    (void)state;
    limit_config c;
    memset(&c, 0, sizeof c);
    c.org_reads = 2;
    limits *l = limits_new(&c);
    assert_non_null(l);
    assert_int_equal(limits_enter(l, 5), 1);
    assert_int_equal(limits_enter(l, 5), 1);
    assert_int_equal(limits_enter(l, 5), 0);
    /* Another organization is not held up by the first one. */
    assert_int_equal(limits_enter(l, 6), 1);
    limits_leave(l, 5);
    assert_int_equal(limits_enter(l, 5), 1);
    assert_int_equal(limits_enter(l, 5), 0);
    limits_leave(l, 5);
    limits_leave(l, 5);
    limits_leave(l, 6);
    /* A leave without an enter changes nothing. */
    limits_leave(l, 9);
    assert_int_equal(limits_enter(l, 5), 1);
    limits_leave(l, 5);
    limits_free(l);
}

static void test_parse(void **state)
{
    (void)state;
    limit_config c;
    char err[256];
    limits_defaults(&c);
    assert_int_equal(limits_parse(&c, "file-user=10/min:5,org-reads=8,reply-org=0/min", err, sizeof err), 0);
    assert_int_equal(c.rate[LIMIT_FILE_USER].per_minute, 10);
    assert_int_equal(c.rate[LIMIT_FILE_USER].burst, 5);
    assert_int_equal(c.org_reads, 8);
    assert_int_equal(c.rate[LIMIT_REPLY_ORG].per_minute, 0);
    /* Without a burst, one minute's worth. */
    assert_int_equal(limits_parse(&c, "read-user=90/min", err, sizeof err), 0);
    assert_int_equal(c.rate[LIMIT_READ_USER].burst, 90);

    limit_config none = c;
    assert_int_equal(limits_parse(&none, "none", err, sizeof err), 0);
    assert_int_equal(none.rate[LIMIT_FILE_USER].per_minute, 0);
    assert_int_equal(none.org_reads, 0);

    limit_config before = c;
    const char *bad[] = { "file-usr=1/min", "file-user=10", "file-user=5/min:0", "file-user=/min",
                          "file-user=1000001/min", "org-reads=x", "file-user", "file-user=1/min,", "=1/min",
                          "file-user=1/hour", "file-user=1/min:2:3", "none,file-user=1/min" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_int_equal(limits_parse(&c, bad[i], err, sizeof err), -1);
        assert_true(strlen(err) > 10);
        assert_memory_equal(&c, &before, sizeof c); /* nothing half-applied */
    }
    assert_int_equal(limits_parse(&c, "file-usr=1/min", err, sizeof err), -1);
    assert_non_null(strstr(err, "file-user, file-org"));
}

static void test_more_keys_than_slots(void **state)
{
    (void)state;
    limits *l = with(LIMIT_FILE_USER, 60, 2);
    int64_t t0 = 1764493200000LL;
    /* 200,000 users each file once: the table (65,536 slots) forgets the
    ** ones it must, and every first filing is allowed. */
    for (int64_t id = 1; id <= 200000; id++)
        assert_int_equal(limits_take(l, LIMIT_FILE_USER, id, t0), 0);
    /* A user who drains the bucket meanwhile is still held. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 999999, t0), 0);
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 999999, t0), 0);
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, 999999, t0), 1);
    /* Ids beyond 56 bits do not collide with small ones of another kind. */
    assert_int_equal(limits_take(l, LIMIT_FILE_USER, INT64_MAX, t0), 0);
    limits_free(l);
}

typedef struct { limits *l; int allowed; } race;

static void *taker(void *arg)
{
    race *r = arg;
    for (int i = 0; i < 1000; i++)
        if (limits_take(r->l, LIMIT_FILE_ORG, 42, 1764493200000LL) == 0)
            r->allowed++;
    return NULL;
}

static void test_threads_count_exactly(void **state)
{
    (void)state;
    limits *l = with(LIMIT_FILE_ORG, 1, 100);
    pthread_t th[8];
    race r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (race){ l, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, taker, &r[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += r[i].allowed;
    }
    assert_int_equal(total, 100);
    limits_free(l);
}

/* Uploads take their MiB at once (limits_take_n): 60 MiB a minute is one
** a second, a burst of 10. */
static void test_take_many(void **state)
{
    (void)state;
    limits *l = with(LIMIT_UPLOAD_USER, 60, 10);
    int64_t t0 = 1764493200000LL;
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 7, 6, t0), 0);
    /* 4 left: 6 more wait for 2 to refill, 2 s. */
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 7, 6, t0), 2);
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 7, 4, t0), 0);
    /* More than the burst takes a full bucket: never refused for ever. */
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 7, 25, t0), 10);
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 7, 25, t0 + 10000), 0);
    assert_int_equal(limits_take_n(l, LIMIT_UPLOAD_USER, 8, 10, t0), 0); /* another user */
    limit_config c;
    limits_defaults(&c);
    char err[256];
    assert_int_equal(limits_parse(&c, "upload-user=100/min:300,upload-org=1000/min", err, sizeof err), 0);
    assert_int_equal(c.rate[LIMIT_UPLOAD_USER].burst, 300);
    assert_int_equal(c.rate[LIMIT_UPLOAD_ORG].per_minute, 1000);
    limits_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_org_reads),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_more_keys_than_slots),
        cmocka_unit_test(test_threads_count_exactly),
        cmocka_unit_test(test_take_many),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
