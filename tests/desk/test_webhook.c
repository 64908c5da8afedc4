/*
** test_webhook.c - src/desk/webhook.c without a server: which addresses a
** webhook may reach, URL checks, the signature, and deliveries that must
** not happen (refused addresses, an unreachable target, a stop). Delivery
** to a live receiver, retries and restarts are end-to-end tests in
** tests/http/test_sla.py.
*/
#define _GNU_SOURCE /* strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "webhook.h"
#include "support.h"

/* 1 if text (an IPv4 or IPv6 address) passes desk_webhook_addr_public. */
static int public_(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
    } else {
        fail_msg("bad test address %s", text);
    }
    return desk_webhook_addr_public((const struct sockaddr *)&ss);
}

static void test_addresses(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255", "127.0.0.1",
        "127.255.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
        "192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
        "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
        "::ffff:0:10.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1",
        "2002:0a00:0001::1", "2001:db8::1", "2001::1", "2001:10::1", "2001:20::1", "fc00::1", "fd12:3456::1",
        "fe80::1", "febf::1", "fec0::1", "ff02::1", "ff0e::1", "100::1", "4000::1", "e000::1",
        /* The rest of IANA's special-purpose registries (issue 13, 11c):
        ** AS112-v4, AMT, 6to4 relay anycast, direct delegation AS112. */
        "192.31.196.1", "192.52.193.1", "192.88.99.1", "192.88.99.255", "192.175.48.1", "192.0.0.9",
        "192.0.0.170", "::ffff:192.88.99.1", "64:ff9b::c058:6301", "2002:c058:6301::1",
        /* 2001::/23 whole: PCP/TURN/DNS-SD anycast, benchmarking, AMT,
        ** AS112-v6, ORCHIDv2, drone remote ID, unassigned; AS112 direct
        ** delegation; the 3fff::/20 documentation block; the NAT64
        ** local-use prefix, the discard prefix, SRv6 SIDs. */
        "2001:1::1", "2001:1::2", "2001:1::3", "2001:2::1", "2001:2:0:ffff::1", "2001:3::1",
        "2001:4:112::1", "2001:20::1", "2001:2f:ffff::1", "2001:30::1", "2001:1ff:ffff::1", "2620:4f:8000::1",
        "2620:4f:8000:ffff::1", "3fff::1", "3fff:fff:ffff::1", "64:ff9b:1::a00:1", "100::", "100:0:0:1::1",
        "5f00::1",
    };
    static const char *const allowed[] = {
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
        "172.32.0.0", "169.253.255.255", "192.0.1.1", "192.169.0.1", "198.17.255.255", "198.20.0.0",
        "223.255.255.255", "11.0.0.1", "126.255.255.255", "128.0.0.1",
        "2606:2800:220:1:248:1893:25c8:1946", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "2002:0808:0808::1", "2001:4860:4860::8888", "3fff:ffff::1",
        /* Just outside the blocks above. */
        "192.31.195.255", "192.31.197.0", "192.52.192.255", "192.52.194.0", "192.88.98.255", "192.88.100.0",
        "192.175.47.255", "192.175.49.0", "2001:200::1", "2001:db9::1", "2620:4f:7fff::1", "2620:4f:8001::1",
        "3fff:1000::1", "3ffe:ffff::1",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (public_(refused[i])) fail_msg("%s passed", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!public_(allowed[i])) fail_msg("%s refused", allowed[i]);
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    assert_false(desk_webhook_addr_public(&unix_like));
    assert_false(desk_webhook_addr_public(NULL));
}

static void test_url_syntax(void **state)
{
    (void)state;
    static const char *const good[] = {
        "http://93.184.216.34/hook", "https://93.184.216.34:8443/a/b?c=d", "HTTPS://93.184.216.34/",
        "http://[2606:2800:220:1:248:1893:25c8:1946]/x", "http://example.com/hook",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (desk_webhook_check_url(good[i], 1, NULL) != 0) fail_msg("%s refused: %s", good[i], garant_error_last());
    static const struct {
        const char *url;
        const char *why;
    } bad[] = {
        {"", "empty"},
        {"ftp://93.184.216.34/x", "http or https"},
        {"file:///etc/passwd", "absolute"},
        {"gopher://93.184.216.34/", "http or https"},
        {"http://user@93.184.216.34/", "user name"},
        {"http://user:pw@93.184.216.34/", "user name"},
        {"http:///nohost", "absolute"},
        {"http://", "absolute"},
        {"//93.184.216.34/x", "absolute"},
        {"93.184.216.34/x", "absolute"},
        {"http://93.184.216.34/a b", "spaces"},
        {"http://93.184.216.34/a\r\nX-Evil: 1", "control"},
        {"http://93.184.216.34:99999/", "not a valid URL"},
        {"http://93.184.216.34:0/", "port must be 1-65535"},
        {"https://93.184.216.34:00/x", "port must be 1-65535"},
        {"http://[2606:2800:220:1:248:1893:25c8:1946]:0/", "port must be 1-65535"},
        {"http://[fe80::1%25eth0]/", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = desk_webhook_check_url(bad[i].url, 1, NULL);
        if (rc != GARANT_EINVAL) fail_msg("%s: got %d", bad[i].url, rc);
        if (bad[i].why && !strstr(garant_error_last(), bad[i].why))
            fail_msg("%s: message '%s' lacks '%s'", bad[i].url, garant_error_last(), bad[i].why);
    }
    char longer[DESK_WEBHOOK_MAX_URL + 16];
    snprintf(longer, sizeof longer, "http://93.184.216.34/");
    size_t n = strlen(longer);
    memset(longer + n, 'a', sizeof longer - n - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(desk_webhook_check_url(longer, 1, NULL), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "2048"));
    longer[DESK_WEBHOOK_MAX_URL] = '\0';
    assert_int_equal(desk_webhook_check_url(longer, 1, NULL), 0);
}

static void test_url_addresses(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "http://127.0.0.1:8080/", "http://localhost/", "http://10.0.0.1/", "http://169.254.169.254/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0/", "http://2130706433/", "http://0x7f000001/",
        "http://[fd00::1]/",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = desk_webhook_check_url(refused[i], 0, NULL);
        if (rc != GARANT_EINVAL) fail_msg("%s: got %d", refused[i], rc);
        if (!strstr(garant_error_last(), "--allow-private-webhooks"))
            fail_msg("%s: message '%s'", refused[i], garant_error_last());
        if (desk_webhook_check_url(refused[i], 1, NULL) != 0) fail_msg("%s refused though allowed", refused[i]);
    }
    assert_int_equal(desk_webhook_check_url("http://93.184.216.34/", 0, NULL), 0);
    assert_int_equal(desk_webhook_check_url("http://[2001:4860:4860::8888]/", 0, NULL), 0);
    assert_int_equal(desk_webhook_check_url("http://no-such-host.invalid/", 0, NULL), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "does not resolve"));
}

static void test_signature(void **state)
{
    (void)state;
    /* python3: hmac.new(b"test-secret-0123456789abcdef",
    **   b'1795000000.{"event":"sla.breach"}', hashlib.sha256).hexdigest() */
    const char *body = "{\"event\":\"sla.breach\"}";
    char sig[DESK_WEBHOOK_SIG_LEN];
    desk_webhook_sign(sig, "test-secret-0123456789abcdef", 1795000000, body, strlen(body));
    assert_string_equal(sig, "sha256=5443b24abc1a659e418b94480a427d0320cacae6b7dd6b094d35e0c1fdf44a00");
    desk_webhook_sign(sig, "test-secret-0123456789abcdeF", 1795000000, body, strlen(body));
    assert_string_not_equal(sig, "sha256=5443b24abc1a659e418b94480a427d0320cacae6b7dd6b094d35e0c1fdf44a00");
}

static int stop_now(void *ctx)
{
    (void)ctx;
    return 1;
}

/* A port on loopback that nothing listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_deliveries_that_do_not_happen(void **state)
{
    (void)state;
    garant_outbox_item it[2];
    memset(it, 0, sizeof it);
    char payload[] = "{\"event\":\"sla.breach\"}";
    for (int i = 0; i < 2; i++) {
        it[i].id = i + 1;
        snprintf(it[i].url, sizeof it[i].url, "http://127.0.0.1:%d/hook", closed_port());
        snprintf(it[i].secret, sizeof it[i].secret, "s3cret-s3cret-s3cret");
        snprintf(it[i].event, sizeof it[i].event, "sla.breach");
        it[i].payload = payload;
    }
    desk_webhook_result res[2];

    /* Loopback while private targets are refused: not even a connection. */
    assert_int_equal(desk_webhook_deliver(it, 2, 1795000000, 0, NULL, NULL, NULL, res), 0);
    for (int i = 0; i < 2; i++) {
        assert_true(res[i].attempted);
        assert_false(res[i].delivered);
        if (!strstr(res[i].error, "non-public")) fail_msg("error: %s", res[i].error);
    }

    /* Allowed, but nobody listens: a failed attempt with curl's reason. */
    assert_int_equal(desk_webhook_deliver(it, 2, 1795000000, 1, NULL, NULL, NULL, res), 0);
    for (int i = 0; i < 2; i++) {
        assert_true(res[i].attempted);
        assert_false(res[i].delivered);
        assert_int_equal(res[i].status, 0);
        assert_true(res[i].error[0] != '\0');
    }

    /* Stopping: nothing is tried, nothing counts as an attempt. */
    assert_int_equal(desk_webhook_deliver(it, 2, 1795000000, 1, NULL, stop_now, NULL, res), 0);
    for (int i = 0; i < 2; i++) assert_false(res[i].attempted);

    /* A stored URL that is no longer acceptable fails without a request. */
    snprintf(it[0].url, sizeof it[0].url, "ftp://93.184.216.34/x");
    snprintf(it[1].event, sizeof it[1].event, "bad\r\nevent");
    assert_int_equal(desk_webhook_deliver(it, 2, 1795000000, 1, NULL, NULL, NULL, res), 0);
    assert_true(res[0].attempted && !res[0].delivered && strstr(res[0].error, "http or https"));
    assert_true(res[1].attempted && !res[1].delivered && strstr(res[1].error, "event name"));
}

/* Host names (issue 13, finding 2): a name whose every address is public
** is accepted, whatever resolves it; before, registration counted only the
** addresses it pinned, and it pins none, so every name was refused with
** "has no IPv4 or IPv6 address". The fixed map stands in for DNS. */
static void test_names(void **state)
{
    (void)state;
    desk_webhook_hosts *h = NULL;
    assert_int_equal(desk_webhook_hosts_add(&h, "public.test:93.184.216.34"), 0);
    assert_int_equal(desk_webhook_hosts_add(&h, "dual.test:8.8.8.8"), 0);
    assert_int_equal(desk_webhook_hosts_add(&h, "dual.test:2001:4860:4860::8888"), 0);
    assert_int_equal(desk_webhook_hosts_add(&h, "inside.test:127.0.0.1"), 0);
    assert_int_equal(desk_webhook_hosts_add(&h, "half.test:8.8.4.4"), 0);
    assert_int_equal(desk_webhook_hosts_add(&h, "half.test:10.1.2.3"), 0);
    if (desk_webhook_check_url("https://public.test/hook", 0, h) != 0) fail_msg("%s", garant_error_last());
    if (desk_webhook_check_url("https://PUBLIC.test:8443/hook", 0, h) != 0) fail_msg("%s", garant_error_last());
    if (desk_webhook_check_url("http://dual.test/x", 0, h) != 0) fail_msg("%s", garant_error_last());
    assert_int_equal(desk_webhook_check_url("https://inside.test/hook", 0, h), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "is 127.0.0.1"));
    /* One private address among public ones is enough to refuse. */
    assert_int_equal(desk_webhook_check_url("https://half.test/hook", 0, h), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "is 10.1.2.3"));
    assert_int_equal(desk_webhook_check_url("https://inside.test/hook", 1, h), 0);
    /* A name not in the map still goes to DNS. */
    assert_int_equal(desk_webhook_check_url("http://no-such-host.invalid/", 0, h), GARANT_EINVAL);
    /* Malformed map entries are refused. */
    static const char *const bad[] = {"noaddress", ":1.2.3.4", "a.test:", "a.test:999.1.1.1", "a_b.test:1.2.3.4",
                                      "a.test:[::1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (desk_webhook_hosts_add(&h, bad[i]) != GARANT_EINVAL) fail_msg("%s accepted", bad[i]);
    desk_webhook_hosts_free(h);
    desk_webhook_hosts_free(NULL);
}

/* A one-shot HTTP receiver: accepts one connection, reads the request and
** answers 204. */
typedef struct receiver {
    int fd;
    int port;
    int served;
    pthread_t thread;
} receiver;

static void *receive_one(void *arg)
{
    receiver *rv = arg;
    int c = accept(rv->fd, NULL, NULL);
    if (c < 0) return NULL;
    char buf[4096];
    size_t got = 0;
    ssize_t n;
    /* Headers, then the body (Content-Length bytes; small here). */
    while (got < sizeof buf - 1 && (n = read(c, buf + got, sizeof buf - 1 - got)) > 0) {
        got += (size_t)n;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        char *cl = strcasestr(buf, "Content-Length:");
        if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10)) break;
    }
    static const char answer[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    if (write(c, answer, sizeof answer - 1) > 0) rv->served = 1;
    close(c);
    return NULL;
}

static void receiver_start(receiver *rv)
{
    memset(rv, 0, sizeof *rv);
    rv->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(rv->fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(rv->fd, (struct sockaddr *)&a, len), 0);
    assert_int_equal(getsockname(rv->fd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(listen(rv->fd, 4), 0);
    rv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&rv->thread, NULL, receive_one, rv), 0);
}

/* Ends the receiver; the thread is woken by a connection if it still waits. */
static void receiver_stop(receiver *rv)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)rv->port);
    if (!rv->served && c >= 0) (void)connect(c, (struct sockaddr *)&a, sizeof a);
    if (c >= 0) close(c);
    pthread_join(rv->thread, NULL);
    close(rv->fd);
}

/* Delivery connects to the address the name resolved to when it was
** checked, pinned with CURLOPT_RESOLVE: "hook.test" is in no DNS, so
** curl reaches the receiver only through the pin. Refused, nothing
** connects at all. */
static void test_delivery_is_pinned(void **state)
{
    (void)state;
    desk_webhook_hosts *h = NULL;
    assert_int_equal(desk_webhook_hosts_add(&h, "hook.test:127.0.0.1"), 0);
    receiver rv;
    receiver_start(&rv);
    garant_outbox_item it;
    memset(&it, 0, sizeof it);
    char payload[] = "{\"event\":\"sla.breach\"}";
    it.id = 1;
    snprintf(it.url, sizeof it.url, "http://hook.test:%d/hook", rv.port);
    snprintf(it.secret, sizeof it.secret, "s3cret-s3cret-s3cret");
    snprintf(it.event, sizeof it.event, "sla.breach");
    it.payload = payload;
    desk_webhook_result res;
    assert_int_equal(desk_webhook_deliver(&it, 1, 1795000000, 0, h, NULL, NULL, &res), 0);
    assert_true(res.attempted && !res.delivered);
    if (!strstr(res.error, "is 127.0.0.1")) fail_msg("error: %s", res.error);
    assert_false(rv.served);
    assert_int_equal(desk_webhook_deliver(&it, 1, 1795000000, 1, h, NULL, NULL, &res), 0);
    if (!res.delivered) fail_msg("not delivered: %s", res.error);
    assert_int_equal(res.status, 204);
    receiver_stop(&rv);
    assert_true(rv.served);
    desk_webhook_hosts_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_url_syntax),
        cmocka_unit_test(test_url_addresses),
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_deliveries_that_do_not_happen),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_delivery_is_pinned),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
