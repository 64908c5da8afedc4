/*
** test_desk_error.c - the core's error codes apart from the service's
** (issue 12): the values never change, the core names only its own, the
** desk names them all.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "desk_error.h"
#include "support.h"

/* Values are part of the contract (the doors map them to statuses and
** exit codes): moving a code to the service's header kept its number. */
_Static_assert(GARANT_ENOMEM == -1 && GARANT_EINVAL == -2 && GARANT_ETZIF == -3 && GARANT_ERANGE == -4 &&
                   GARANT_ECONFIG == -5 && GARANT_ENOTFOUND == -6 && GARANT_ELIMIT == -8,
               "the core's codes keep their numbers");
_Static_assert(GARANT_EIO == -7 && GARANT_ECONFLICT == -9 && GARANT_EAUTH == -10 && GARANT_EPERM == -11 &&
                   GARANT_ETHROTTLED == -12 && GARANT_ESTORE == -13 && GARANT_EPARSE == -14 &&
                   GARANT_EBUSY == -15,
               "the service's codes keep their numbers");

static const struct {
    int code;
    const char *name;
} CORE[] = {{GARANT_OK, "ok"},         {GARANT_ENOMEM, "enomem"},       {GARANT_EINVAL, "einval"},
            {GARANT_ETZIF, "etzif"},   {GARANT_ERANGE, "erange"},       {GARANT_ECONFIG, "econfig"},
            {GARANT_ENOTFOUND, "enotfound"}, {GARANT_ELIMIT, "elimit"}},
  SERVICE[] = {{GARANT_EIO, "eio"},         {GARANT_ECONFLICT, "econflict"}, {GARANT_EAUTH, "eauth"},
               {GARANT_EPERM, "eperm"},     {GARANT_ETHROTTLED, "ethrottled"}, {GARANT_ESTORE, "estore"},
               {GARANT_EPARSE, "eparse"},   {GARANT_EBUSY, "ebusy"}};

static void test_core_names_its_own(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CORE / sizeof CORE[0]; i++) {
        assert_string_equal(garant_err_name(CORE[i].code), CORE[i].name);
        assert_string_equal(desk_err_name(CORE[i].code), CORE[i].name);
    }
    /* The core knows nothing of the service. */
    for (size_t i = 0; i < sizeof SERVICE / sizeof SERVICE[0]; i++)
        assert_string_equal(garant_err_name(SERVICE[i].code), "unknown");
}

static void test_desk_names_them_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SERVICE / sizeof SERVICE[0]; i++)
        assert_string_equal(desk_err_name(SERVICE[i].code), SERVICE[i].name);
    assert_string_equal(desk_err_name(-16), "unknown");
    assert_string_equal(desk_err_name(1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_names_its_own),
        cmocka_unit_test(test_desk_names_them_all),
    };
    return t_exit_status(cmocka_run_group_tests_name("desk errors", tests, NULL, NULL));
}
