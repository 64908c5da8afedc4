/*
** test_ticket_explain.c - why a ticket's deadline is what it is
** (desk_ticket_explain), under the default policy (professional P3: 9 h of
** business time, Europe/Bratislava Monday-Friday 09:00-17:00, CET = UTC+1
** in December), worked out by hand: filed Tuesday 2026-12-01 16:00 CET,
** due Wednesday 17:00 CET; the clock counts Tuesday 16:00-17:00 and
** Wednesday 09:00-17:00. A deadline before the clock's start is refused.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "desk_tickets.h"
#include "support.h"

static void test_explain(void **state)
{
    (void)state;
    garant_policy *pol = t_default_policy();
    garant_ticket_terms terms = {"professional", 3, "ga"};
    garant_explanation *ex = NULL;
    int64_t start = t_at("2026-12-01T15:00:00Z"), due = t_at("2026-12-02T16:00:00Z");
    assert_int_equal(desk_ticket_explain(&ex, pol, &terms, start, due), 0);
    assert_int_equal(garant_explanation_count(ex), 2);
    garant_window w = garant_explanation_window(ex, 0);
    assert_string_equal(t_fmt(w.start_s), "2026-12-01T15:00:00Z");
    assert_string_equal(t_fmt(w.end_s), "2026-12-01T16:00:00Z");
    w = garant_explanation_window(ex, 1);
    assert_string_equal(t_fmt(w.start_s), "2026-12-02T08:00:00Z");
    assert_string_equal(t_fmt(w.end_s), "2026-12-02T16:00:00Z");
    assert_non_null(strstr(garant_explanation_text(ex), "16:00-17:00"));
    assert_non_null(strstr(garant_explanation_text(ex), "09:00-17:00"));
    garant_explanation_free(ex);

    /* Due before the start: no explanation, an error that says so. */
    ex = NULL;
    assert_int_equal(desk_ticket_explain(&ex, pol, &terms, due, start), GARANT_ERANGE);
    assert_null(ex);
    assert_non_null(strstr(garant_error_last(), "is before its clock's start 2026-12-02T16:00:00Z"));
    garant_policy_free(pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
