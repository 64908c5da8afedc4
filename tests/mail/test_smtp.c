/*
** test_smtp.c - SMTP delivery (src/mail/smtp.c) against the local sink
** (tests/mail/smtp_sink.py): several messages over one connection, each
** received byte for byte; a 4xx is RETRY, a 5xx is REJECTED, a sink that
** is down is RETRY; AUTH with credentials from the environment and from a
** file (and a file others can read refused); require_tls never sends in
** clear to a server without STARTTLS; STARTTLS and SMTPS with a
** certificate of the test's, one not trusted refused; a server that never
** answers is a RETRY within the timeout.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compose.h"
#include "sink.h"
#include "smtp.h"
#include "support.h"

static void check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

static int setup(void **state)
{
    t_sink *s = calloc(1, sizeof *s);
    assert_non_null(s);
    *state = s;
    return 0;
}

/* The test's sink, started (in the test's body, where a skip is a skip). */
static t_sink *sink_up(void **state, const char *auth)
{
    t_sink *s = *state;
    t_sink_start(s, auth);
    return s;
}

static int teardown(void **state)
{
    t_sink_cleanup(*state);
    free(*state);
    unsetenv("GARANT_SMTP_USER");
    unsetenv("GARANT_SMTP_PASSWORD");
    return 0;
}

static garant_smtp *sender(const t_sink *s, int require_tls, const char *credentials_file)
{
    garant_smtp_config cfg = {.url = s->url,
                              .envelope_from = "bounces@garant.example",
                              .require_tls = require_tls,
                              .credentials_file = credentials_file,
                              .connect_timeout_ms = 2000,
                              .timeout_ms = 10000};
    garant_smtp *smtp;
    check(garant_smtp_new(&smtp, &cfg), "smtp_new");
    return smtp;
}

/* A small message numbered n, with a line that needs dot-stuffing. */
static char *message(int n, size_t *len)
{
    char text[200], id[64];
    snprintf(text, sizeof text, "Message %d.\n.\n..a line of dots\nȘfârșit.\n", n);
    snprintf(id, sizeof id, "t1.%d.test@garant.example", n);
    garant_mail_message m = {.from_addr = "support@garant.example", .to_addr = "alice@acme.example",
                             .subject = "Numărul", .date_s = 1790000000 + n, .message_id = id, .text = text};
    char *raw;
    check(garant_mail_compose(&raw, len, &m), "compose");
    return raw;
}

static void test_batch_one_connection(void **state)
{
    t_sink *s = sink_up(state, NULL);
    garant_smtp *smtp = sender(s, 0, NULL);
    for (int i = 1; i <= 3; i++) {
        size_t len;
        char *raw = message(i, &len);
        garant_smtp_result r;
        check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send");
        assert_int_equal(r.outcome, GARANT_SMTP_SENT);
        assert_int_equal(r.code, 250);
        size_t got_len;
        char *got = t_sink_message(s, i, &got_len);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, raw, len);
        free(got);
        free(raw);
    }
    assert_int_equal(t_sink_count(s), 3);
    assert_int_equal(garant_smtp_connections(smtp), 1);
    json_t *e1 = t_sink_envelope(s, 1), *e3 = t_sink_envelope(s, 3);
    assert_int_equal(json_integer_value(json_object_get(e1, "peer_port")),
                     json_integer_value(json_object_get(e3, "peer_port")));
    assert_string_equal(json_string_value(json_object_get(e1, "mail_from")), "bounces@garant.example");
    assert_string_equal(json_string_value(json_array_get(json_object_get(e1, "rcpt_tos"), 0)), "alice@acme.example");
    json_decref(e1);
    json_decref(e3);
    garant_smtp_free(smtp);
}

static void test_temporary_and_permanent(void **state)
{
    t_sink *s = sink_up(state, NULL);
    garant_smtp *smtp = sender(s, 0, NULL);
    size_t len;
    char *raw = message(1, &len);
    garant_smtp_result r;
    check(garant_smtp_send(&r, smtp, "temp-full@acme.example", raw, len), "send 4xx");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    assert_int_equal(r.code, 451);
    check(garant_smtp_send(&r, smtp, "perm-gone@acme.example", raw, len), "send 5xx");
    assert_int_equal(r.outcome, GARANT_SMTP_REJECTED);
    assert_int_equal(r.code, 550);
    assert_true(r.detail[0] != '\0');
    /* The handle goes on working after refusals. */
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send after");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    /* The whole server saying "later". */
    t_sink_mode(s, "tempfail");
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send in tempfail mode");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    t_sink_mode(s, "permfail");
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send in permfail mode");
    assert_int_equal(r.outcome, GARANT_SMTP_REJECTED);
    assert_int_equal(t_sink_count(s), 1);
    free(raw);
    garant_smtp_free(smtp);
}

static void test_sink_down(void **state)
{
    t_sink *s = sink_up(state, NULL);
    garant_smtp *smtp = sender(s, 0, NULL);
    size_t len;
    char *raw = message(1, &len);
    garant_smtp_result r;
    t_sink_stop(s);
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send while down");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    assert_int_equal(r.code, 0);
    t_sink_restart(s);
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send when back");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    assert_int_equal(t_sink_count(s), 1);
    free(raw);
    garant_smtp_free(smtp);
}

static void test_require_tls(void **state)
{
    t_sink *s = sink_up(state, NULL);
    garant_smtp *smtp = sender(s, 1, NULL);
    size_t len;
    char *raw = message(1, &len);
    garant_smtp_result r;
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    assert_int_equal(t_sink_count(s), 0);
    free(raw);
    garant_smtp_free(smtp);
}

static void test_config_refused(void **state)
{
    (void)state;
    garant_smtp *smtp;
    garant_smtp_config cfg = {.url = "http://127.0.0.1:1", .envelope_from = "a@b.example"};
    assert_int_equal(garant_smtp_new(&smtp, &cfg), GARANT_EINVAL);
    cfg.url = "smtp://127.0.0.1:1";
    cfg.envelope_from = "a@b.example>\r\nRCPT TO:<x@y>";
    assert_int_equal(garant_smtp_new(&smtp, &cfg), GARANT_EINVAL);
    cfg.envelope_from = "a@b.example";
    cfg.credentials_file = "/nonexistent/garant-smtp-credentials";
    assert_int_equal(garant_smtp_new(&smtp, &cfg), GARANT_EIO);
    cfg.credentials_file = NULL;
    setenv("GARANT_SMTP_USER", "u", 1);
    unsetenv("GARANT_SMTP_PASSWORD");
    assert_int_equal(garant_smtp_new(&smtp, &cfg), GARANT_EINVAL);
    unsetenv("GARANT_SMTP_USER");
    check(garant_smtp_new(&smtp, &cfg), "smtp_new");
    garant_smtp_result r;
    assert_int_equal(garant_smtp_send(&r, smtp, "a@b.example>\r\nDATA", "x", 1), GARANT_EINVAL);
    garant_smtp_free(smtp);
    garant_smtp_free(NULL);
}

/* A sink that wants AUTH: credentials from the environment, then a file. */
static void test_auth(void **state)
{
    t_sink *s = sink_up(state, "desk:s3cret pass");
    size_t len;
    char *raw = message(1, &len);
    garant_smtp_result r;

    setenv("GARANT_SMTP_USER", "desk", 1);
    setenv("GARANT_SMTP_PASSWORD", "s3cret pass", 1);
    garant_smtp *smtp = sender(s, 0, NULL);
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send with env credentials");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    garant_smtp_free(smtp);
    json_t *e = t_sink_envelope(s, 1);
    assert_string_equal(json_string_value(json_object_get(e, "auth_user")), "desk");
    json_decref(e);

    /* A wrong password is a configuration to fix: retry, never give up. */
    setenv("GARANT_SMTP_PASSWORD", "wrong", 1);
    smtp = sender(s, 0, NULL);
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send with a wrong password");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    garant_smtp_free(smtp);
    unsetenv("GARANT_SMTP_USER");
    unsetenv("GARANT_SMTP_PASSWORD");

    char path[128];
    snprintf(path, sizeof path, "%s/credentials", s->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("desk\ns3cret pass\n", f);
    fclose(f);
    chmod(path, 0640);
    smtp = sender(s, 0, path);
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send with file credentials");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    garant_smtp_free(smtp);
    assert_int_equal(t_sink_count(s), 2);

    chmod(path, 0644);
    garant_smtp_config cfg = {.url = s->url, .envelope_from = "a@b.example", .credentials_file = path};
    assert_int_equal(garant_smtp_new(&smtp, &cfg), GARANT_EPERM);
    unlink(path);
    free(raw);
}

/* A server that accepts connections (the kernel does, from the backlog)
** and never greets: the send gives up at its timeout and says RETRY. */
static void test_timeout(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    garant_smtp_config cfg = {.url = url, .envelope_from = "a@b.example", .connect_timeout_ms = 500, .timeout_ms = 700};
    garant_smtp *smtp;
    check(garant_smtp_new(&smtp, &cfg), "smtp_new");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    garant_smtp_result r;
    check(garant_smtp_send(&r, smtp, "alice@acme.example", "Subject: x\r\n\r\nx\r\n", 16), "send");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took < 5.0);
    garant_smtp_free(smtp);
    close(fd);
}

/* TLS for real: STARTTLS required and done, SMTPS, and a certificate the
** sender does not trust refused (never sent). */
static void test_tls(void **state)
{
    t_sink *s = *state;
    t_sink_start_tls(s, 0);
    size_t len;
    char *raw = message(1, &len);
    garant_smtp_result r;
    garant_smtp_config cfg = {.url = s->url, .envelope_from = "bounces@garant.example", .require_tls = 1,
                              .ca_file = s->cert, .connect_timeout_ms = 5000, .timeout_ms = 10000};
    garant_smtp *smtp;
    check(garant_smtp_new(&smtp, &cfg), "smtp_new");
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send over STARTTLS");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    garant_smtp_free(smtp);
    json_t *e = t_sink_envelope(s, 1);
    assert_string_equal(json_string_value(json_object_get(e, "tls")), "starttls");
    json_decref(e);
    /* Without the CA the certificate is not trusted: retry, nothing sent. */
    cfg.ca_file = "/dev/null";
    check(garant_smtp_new(&smtp, &cfg), "smtp_new untrusted");
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send untrusted");
    assert_int_equal(r.outcome, GARANT_SMTP_RETRY);
    garant_smtp_free(smtp);
    assert_int_equal(t_sink_count(s), 1);
    t_sink_cleanup(s);

    t_sink_start_tls(s, 1);
    char url[64];
    snprintf(url, sizeof url, "smtps://127.0.0.1:%d", s->port);
    garant_smtp_config tls = {.url = url, .envelope_from = "bounces@garant.example", .ca_file = s->cert,
                              .connect_timeout_ms = 5000, .timeout_ms = 10000};
    check(garant_smtp_new(&smtp, &tls), "smtp_new smtps");
    check(garant_smtp_send(&r, smtp, "alice@acme.example", raw, len), "send over SMTPS");
    assert_int_equal(r.outcome, GARANT_SMTP_SENT);
    garant_smtp_free(smtp);
    e = t_sink_envelope(s, 1);
    assert_string_equal(json_string_value(json_object_get(e, "tls")), "implicit");
    json_decref(e);
    free(raw);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_batch_one_connection), CASE(test_temporary_and_permanent), CASE(test_sink_down),
        CASE(test_require_tls),          CASE(test_config_refused),          CASE(test_auth),
        cmocka_unit_test(test_timeout),  CASE(test_tls),
    };
    return t_exit_status(cmocka_run_group_tests_name("mail smtp", tests, NULL, NULL));
}
