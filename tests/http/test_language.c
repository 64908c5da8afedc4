/*
** test_language.c - which language an Accept-Language header chooses
** (src/http/request.c, http_accept_language; docs/messages.md): the
** range with the highest weight whose primary tag is one the server
** speaks (en, ro), the first of equals; "*", q=0 and other languages
** choose nothing; a malformed header chooses nothing and reads nothing
** past its end.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "garant/garant.h"
#include "request.h"
#include "support.h"

static void expect_choice(const char *header, const char *want)
{
    const char *got = http_accept_language(header);
    if (!want && got) fail_msg("'%s' chose %s, want none", header ? header : "(null)", got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("'%s' chose %s, want %s", header ? header : "(null)", got ? got : "none", want);
}

static void test_choice(void **state)
{
    (void)state;
    expect_choice("ro", "ro");
    expect_choice("en", "en");
    expect_choice("RO", "ro");
    expect_choice("ro-RO", "ro");
    expect_choice("ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7", "ro");
    expect_choice("en-US,en;q=0.9,ro;q=0.8", "en");
    expect_choice("de-DE, fr;q=0.9, ro;q=0.4", "ro");
    expect_choice("en;q=0.5, ro;q=0.6", "ro");
    expect_choice("ro;q=0.5,en;q=0.50", "ro");   /* equal: the first */
    expect_choice("ro;q=0.005, en;q=0.004", "ro"); /* thousandths */
    expect_choice("ro ; q=0.3 , en ; q=0.2", "ro");
    expect_choice("ro;level=1;q=0.2, en;q=0.3", "en");
    expect_choice("ro;Q=1", "ro");
    expect_choice("ro;q=0, en", "en");
    expect_choice("ro;q=0", NULL);
    expect_choice("de, fr;q=0.5", NULL);
    expect_choice("*", NULL);
    expect_choice("rom, eng, roa-x", NULL);
    expect_choice("", NULL);
    expect_choice(NULL, NULL);
    expect_choice(",,;;q=,=;", NULL);
    expect_choice("ro;q=", NULL);
    expect_choice("ro;q=abc", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_choice)};
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
