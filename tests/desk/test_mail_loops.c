/*
** test_mail_loops.c - the desk's loop guards (src/desk/mail_loops.c): the
** one "Name <addr>" parser the desk uses (desk.c, mail.c, inbound.c), and
** the per-address allowance of automatic answers, on a desk of its own
** (a fresh database, the test clock).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "desk_mail_loops.h"
#include "desk_support.h"
#include "support.h"

static void test_address_of(void **state)
{
    (void)state;
    char out[64];
    static const struct {
        const char *in;
        int lower;
        const char *want; /* NULL: refused */
    } cases[] = {
        {"Garant Support <Support@Desk.example>", 0, "Support@Desk.example"},
        {"Garant Support <Support@Desk.example>", 1, "support@desk.example"},
        {"support@desk.example", 0, "support@desk.example"},
        {"  Ana@Acme.example \t", 1, "ana@acme.example"},
        {"\"Pop, Ana <ana>\" < ana.pop@acme.example >", 0, "ana.pop@acme.example"},
        {"Name <a@b.example>\r\n", 0, "a@b.example"},
        {"<>", 0, NULL},
        {"", 0, NULL},
        {"garant", 0, NULL},
        {"Name <nobody>", 0, NULL},
        {"x <averyveryveryveryveryveryveryveryveryveryveryverylong@address.example>", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 'X', sizeof out);
        int rc = desk_address_of(out, sizeof out, cases[i].in, cases[i].lower);
        if (cases[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].want);
        } else {
            assert_int_equal(rc, GARANT_EINVAL);
            assert_string_equal(out, "");
        }
    }
    assert_int_equal(desk_address_of(out, sizeof out, NULL, 0), GARANT_EINVAL);
}

static garant_desk *open_desk(t_desk *td, int autoreply_max)
{
    desk_options o = {.autoreply_max = autoreply_max};
    t_desk_open(td, "loops", &o, t_at("2026-11-30T10:00:00Z"));
    return td->d;
}

static void test_autoreply_allowance(void **state)
{
    (void)state;
    t_desk td;
    garant_desk *d = open_desk(&td, 0);
    int64_t t0 = t_at("2026-11-30T10:00:00Z");
    /* Five an hour, counted by address whatever its case and display name. */
    for (int i = 0; i < DESK_AUTOREPLY_MAX; i++)
        assert_int_equal(desk_autoreply_allowed(d, i % 2 ? "Ana <ANA@acme.example>" : "ana@acme.example", t0 + i), 1);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0 + 10), 0);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0 + 3599), 0);
    /* Another address has its own allowance. */
    assert_int_equal(desk_autoreply_allowed(d, "bob@acme.example", t0 + 10), 1);
    /* The first answer leaves the window an hour after it was sent. */
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0 + 3600), 1);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0 + 3600), 0);
    /* Nobody to answer. */
    assert_int_equal(desk_autoreply_allowed(d, "<>", t0), 0);
    t_desk_close(&td);
}

static void test_autoreply_configured(void **state)
{
    (void)state;
    t_desk td;
    garant_desk *d = open_desk(&td, 2);
    int64_t t0 = t_at("2026-11-30T10:00:00Z");
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0), 1);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0), 1);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0), 0);
    t_desk_close(&td);
    d = open_desk(&td, -1);
    assert_int_equal(desk_autoreply_allowed(d, "ana@acme.example", t0), 0);
    t_desk_close(&td);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_of),
        cmocka_unit_test(test_autoreply_allowance),
        cmocka_unit_test(test_autoreply_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
