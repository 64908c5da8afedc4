/*
** test_token.c - signed reply addresses and Message-IDs
** (src/mail/token.c): round trips, the exact form, case-insensitivity,
** and forgeries refused: a changed MAC, another ticket's MAC, a MAC made
** with another key, a Message-ID's MAC on a reply address.
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

#include "support.h"
#include "token.h"

static const unsigned char KEY[GARANT_MAIL_KEY_BYTES] = "0123456789abcdef0123456789abcdef";
static const unsigned char OTHER_KEY[GARANT_MAIL_KEY_BYTES] = "fedcba9876543210fedcba9876543210";

static void check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

static void test_reply_address(void **state)
{
    (void)state;
    char addr[GARANT_MAIL_TOKEN_MAX];
    check(garant_mail_reply_address(addr, sizeof addr, KEY, "support", "desk.example", 42), "address");
    /* support+42-<16 base32>@desk.example */
    assert_int_equal(strncmp(addr, "support+42-", 11), 0);
    assert_string_equal(addr + 11 + 16, "@desk.example");
    for (int i = 11; i < 27; i++) assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", addr[i]));
    int64_t t;
    check(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", addr), "verify");
    assert_int_equal(t, 42);
    /* An MTA that upper-cases the address changes nothing. */
    char upper[GARANT_MAIL_TOKEN_MAX];
    for (size_t i = 0; i <= strlen(addr); i++) upper[i] = (char)(addr[i] >= 'a' && addr[i] <= 'z' ? addr[i] - 32 : addr[i]);
    check(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", upper), "verify upper case");
    assert_int_equal(t, 42);
    /* Deterministic. */
    char again[GARANT_MAIL_TOKEN_MAX];
    check(garant_mail_reply_address(again, sizeof again, KEY, "support", "desk.example", 42), "again");
    assert_string_equal(addr, again);
}

static void test_reply_address_forged(void **state)
{
    (void)state;
    char addr[GARANT_MAIL_TOKEN_MAX], other[GARANT_MAIL_TOKEN_MAX], forged[GARANT_MAIL_TOKEN_MAX];
    int64_t t = -1;
    check(garant_mail_reply_address(addr, sizeof addr, KEY, "support", "desk.example", 42), "address");
    /* One character of the MAC changed. */
    snprintf(forged, sizeof forged, "%s", addr);
    forged[15] = forged[15] == 'a' ? 'b' : 'a';
    assert_int_equal(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", forged), GARANT_EAUTH);
    assert_int_equal(t, 0);
    assert_non_null(strstr(garant_error_last(), "does not verify"));
    /* Ticket 43's MAC with ticket 42's number. */
    check(garant_mail_reply_address(other, sizeof other, KEY, "support", "desk.example", 43), "address 43");
    snprintf(forged, sizeof forged, "support+42-%.16s@desk.example", other + 11);
    assert_int_equal(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", forged), GARANT_EAUTH);
    /* Made with another key. */
    check(garant_mail_reply_address(other, sizeof other, OTHER_KEY, "support", "desk.example", 42), "other key");
    assert_int_equal(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", other), GARANT_EAUTH);
    /* A Message-ID's MAC does not make a reply address. */
    char mid[GARANT_MAIL_TOKEN_MAX];
    check(garant_mail_message_id(mid, sizeof mid, KEY, "desk.example", 42, 0), "message id");
    const char *mac = strchr(strchr(mid, '.') + 1, '.') + 1;
    snprintf(forged, sizeof forged, "support+42-%.16s@desk.example", mac);
    assert_int_equal(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", forged), GARANT_EAUTH);
    /* Not token addresses at all: the plain address, another domain, bad forms. */
    static const char *const not_tokens[] = {
        "support@desk.example", "support+42-abcdefghijklmnop@other.example", "sales+42-abcdefghijklmnop@desk.example",
        "support+042-abcdefghijklmnop@desk.example", "support+42-abc@desk.example", "support+-abcdefghijklmnop@desk.example",
        "support+4x2-abcdefghijklmnop@desk.example", "support+0-abcdefghijklmnop@desk.example",
    };
    for (size_t i = 0; i < sizeof not_tokens / sizeof not_tokens[0]; i++)
        assert_int_equal(garant_mail_reply_address_verify(&t, KEY, "support", "desk.example", not_tokens[i]),
                         GARANT_ENOTFOUND);
    assert_int_equal(garant_mail_reply_address(addr, sizeof addr, KEY, "support", "desk.example", 0), GARANT_EINVAL);
    assert_int_equal(garant_mail_reply_address(addr, sizeof addr, KEY, "sup port", "desk.example", 1), GARANT_EINVAL);
    assert_int_equal(garant_mail_reply_address(addr, 20, KEY, "support", "desk.example", 1), GARANT_ELIMIT);
}

static void test_message_id(void **state)
{
    (void)state;
    char mid[GARANT_MAIL_TOKEN_MAX], again[GARANT_MAIL_TOKEN_MAX], bracketed[GARANT_MAIL_TOKEN_MAX + 2];
    check(garant_mail_message_id(mid, sizeof mid, KEY, "desk.example", 42, 7), "message id");
    assert_int_equal(strncmp(mid, "t42.7.", 6), 0);
    assert_string_equal(mid + 6 + 16, "@desk.example");
    check(garant_mail_message_id(again, sizeof again, KEY, "desk.example", 42, 7), "again");
    assert_string_equal(mid, again);
    check(garant_mail_message_id(again, sizeof again, KEY, "desk.example", 42, 8), "next event");
    assert_string_not_equal(mid, again);
    int64_t t, e;
    check(garant_mail_message_id_verify(&t, &e, KEY, "desk.example", mid), "verify");
    assert_int_equal(t, 42);
    assert_int_equal(e, 7);
    snprintf(bracketed, sizeof bracketed, "<%s>", mid);
    check(garant_mail_message_id_verify(&t, &e, KEY, "DESK.example", bracketed), "verify bracketed");
    assert_int_equal(t, 42);
    /* Forged: the event changed under the same MAC. */
    char forged[GARANT_MAIL_TOKEN_MAX];
    snprintf(forged, sizeof forged, "t42.8.%s", mid + 6);
    assert_int_equal(garant_mail_message_id_verify(&t, &e, KEY, "desk.example", forged), GARANT_EAUTH);
    assert_int_equal(garant_mail_message_id_verify(&t, &e, OTHER_KEY, "desk.example", mid), GARANT_EAUTH);
    assert_int_equal(garant_mail_message_id_verify(&t, &e, KEY, "desk.example", "CAF=x@mail.gmail.com"),
                     GARANT_ENOTFOUND);
    assert_int_equal(garant_mail_message_id_verify(&t, &e, KEY, "other.example", mid), GARANT_ENOTFOUND);
}

static void test_thread_ticket(void **state)
{
    (void)state;
    char mid[GARANT_MAIL_TOKEN_MAX], forged[GARANT_MAIL_TOKEN_MAX], header[1024];
    check(garant_mail_message_id(mid, sizeof mid, KEY, "desk.example", 1234, 3), "message id");
    snprintf(forged, sizeof forged, "t99.3.%s", mid + 8);
    int64_t t;
    /* A Gmail-style References: others' ids, a forged one, ours, folded. */
    snprintf(header, sizeof header, "<CAF=abc@mail.gmail.com>\r\n <%s>\r\n\t<%s> <x@y>", forged, mid);
    check(garant_mail_thread_ticket(&t, KEY, "desk.example", header), "thread");
    assert_int_equal(t, 1234);
    snprintf(header, sizeof header, "<CAF=abc@mail.gmail.com> <%s>", forged);
    assert_int_equal(garant_mail_thread_ticket(&t, KEY, "desk.example", header), GARANT_EAUTH);
    assert_int_equal(t, 0);
    assert_int_equal(garant_mail_thread_ticket(&t, KEY, "desk.example", "<a@b> <c@d"), GARANT_ENOTFOUND);
    assert_int_equal(garant_mail_thread_ticket(&t, KEY, "desk.example", ""), GARANT_ENOTFOUND);
}

static void test_key_load(void **state)
{
    (void)state;
    char path[] = "/tmp/garant-test-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char hex[] = "  3031323334353637383961626364656630313233343536373839616263646566\n";
    assert_int_equal(write(fd, hex, sizeof hex - 1), (ssize_t)(sizeof hex - 1));
    close(fd);
    unsigned char key[GARANT_MAIL_KEY_BYTES];
    check(garant_mail_key_load(key, path), "key_load");
    assert_memory_equal(key, KEY, sizeof key);
    FILE *f = fopen(path, "w");
    fputs("abcd\n", f);
    fclose(f);
    assert_int_equal(garant_mail_key_load(key, path), GARANT_EINVAL);
    unlink(path);
    assert_int_equal(garant_mail_key_load(key, path), GARANT_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_address), cmocka_unit_test(test_reply_address_forged),
        cmocka_unit_test(test_message_id),    cmocka_unit_test(test_thread_ticket),
        cmocka_unit_test(test_key_load),
    };
    return t_exit_status(cmocka_run_group_tests_name("mail token", tests, NULL, NULL));
}
