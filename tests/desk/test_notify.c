/*
** test_notify.c - the pure parts of the mail producer (src/desk/notify.h,
** notify_text.c) and the core's wall-time formatting it uses
** (garant_tz_format_local): a deadline written in two zones across DST and
** a date line, the promise sentence in English and Romanian from the
** repository's templates, the "no guarantee" sentence, durations, and the
** --notify list syntax with each refusal.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "garant/garant.h"
#include "loader.h"
#include "notify.h"
#include "support.h"

static int64_t at_civil(int64_t y, unsigned m, unsigned d, int hh, int mm)
{
    return garant_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static garant_tz *zone(const char *name)
{
    garant_tz *tz = NULL;
    if (garant_io_load_tz(&tz, name, NULL) != 0) fail_msg("zone %s: %s", name, garant_error_last());
    return tz;
}

static void test_format_local(void **state)
{
    (void)state;
    garant_tz *cet = zone("Europe/Bratislava"), *ny = zone("America/New_York"), *tokyo = zone("Asia/Tokyo");
    char buf[GARANT_TZ_LOCAL_LEN];
    /* Winter: UTC+1 and UTC-5. */
    int64_t t = at_civil(2026, 11, 30, 13, 30);
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, cet, t), "2026-11-30 14:30 CET");
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, ny, t), "2026-11-30 08:30 EST");
    /* Summer: CEST, EDT. */
    t = at_civil(2026, 7, 1, 22, 15);
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, cet, t), "2026-07-02 00:15 CEST");
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, ny, t), "2026-07-01 18:15 EDT");
    /* Across the date line, and the last minute of a year. */
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, tokyo, at_civil(2026, 12, 31, 15, 0)),
                        "2027-01-01 00:00 JST");
    /* Seconds are cut, never rounded up past the deadline's minute. */
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, cet, at_civil(2026, 11, 30, 13, 0) + 59),
                        "2026-11-30 14:00 CET");
    /* Before 1970: the floor, not the truncation, of the day. */
    garant_tz *utc;
    assert_int_equal(garant_tz_utc(&utc), 0);
    assert_string_equal(garant_tz_format_local(buf, sizeof buf, utc, -60), "1969-12-31 23:59 UTC");
    garant_tz_free(utc);
    garant_tz_free(cet);
    garant_tz_free(ny);
    garant_tz_free(tokyo);
}

static garant_mail_templates *templates(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/templates/mail", t_source_dir());
    garant_mail_templates *t = NULL;
    if (garant_mail_templates_load(&t, dir) != 0) fail_msg("templates: %s", garant_error_last());
    return t;
}

static void test_promise_two_zones(void **state)
{
    (void)state;
    garant_mail_templates *tpl = templates();
    garant_tz *cet = zone("Europe/Bratislava"), *buc = zone("Europe/Bucharest"), *ny = zone("America/New_York");
    int64_t due = at_civil(2026, 11, 30, 13, 30);
    char *s = NULL;
    assert_int_equal(desk_notify_promise(&s, tpl, "en", due, ny, cet, NULL), 0);
    assert_string_equal(s, "We will send you a first response by 2026-11-30 08:30 EST (America/New_York), that is "
                           "2026-11-30 14:30 CET Central European Time.");
    free(s);
    assert_int_equal(desk_notify_promise(&s, tpl, "ro", due, buc, cet, NULL), 0);
    assert_string_equal(s, "Vă vom trimite un prim răspuns până la 2026-11-30 15:30 EET (Europe/Bucharest), adică "
                           "2026-11-30 14:30 CET ora Europei Centrale.");
    free(s);
    /* An unknown language is English. */
    assert_int_equal(desk_notify_promise(&s, tpl, "xx", due, cet, cet, NULL), 0);
    assert_non_null(strstr(s, "We will send you a first response by 2026-11-30 14:30 CET (Europe/Bratislava)"));
    free(s);
    /* No deadline: the policy's reason. */
    assert_int_equal(desk_notify_promise(&s, tpl, "en", GARANT_NO_DUE, ny, cet,
                                         "products in stage 'beta' carry no guaranteed response time"),
                     0);
    assert_string_equal(s, "Your plan guarantees no response time for this ticket: products in stage 'beta' carry "
                           "no guaranteed response time. We will still answer as soon as we can.");
    free(s);
    assert_int_equal(desk_notify_promise(&s, tpl, "ro", GARANT_NO_DUE, ny, cet, "x"), 0);
    assert_non_null(strstr(s, "Planul dumneavoastră nu garantează"));
    free(s);
    garant_tz_free(cet);
    garant_tz_free(buc);
    garant_tz_free(ny);
    garant_mail_templates_free(tpl);
}

/* The staff mails say the one lateness figure, in the recipient's
** language: whole hours and minutes, never days, business hours named. */
static void test_lateness(void **state)
{
    (void)state;
    garant_mail_templates *tpl = templates();
    char *s = NULL;
    assert_int_equal(desk_notify_lateness(&s, tpl, "en", -104400, 1), 0);
    assert_string_equal(s, "29 h late (business hours)");
    free(s);
    assert_int_equal(desk_notify_lateness(&s, tpl, "en", 2700, 0), 0);
    assert_string_equal(s, "45 min left");
    free(s);
    assert_int_equal(desk_notify_lateness(&s, tpl, "ro", -1801, 1), 0);
    assert_string_equal(s, "întârziere de 31 min (ore lucrătoare)");
    free(s);
    assert_int_equal(desk_notify_lateness(&s, tpl, "ro", 10799, 0), 0);
    assert_string_equal(s, "au mai rămas 2 h 59 min");
    free(s);
    garant_mail_templates_free(tpl);
}

static void test_lists(void **state)
{
    (void)state;
    desk_notify_list l[DESK_NOTIFY_NEVENTS];
    memset(l, 0, sizeof l);
    assert_int_equal(desk_notify_list_parse(l, "new-p1=agent, oncall@x.example"), 0);
    assert_int_equal(desk_notify_list_parse(l, "breach=admin"), 0);
    /* A repeat adds to the list, without repeating an item. */
    assert_int_equal(desk_notify_list_parse(l, "new-p1=admin,agent"), 0);
    assert_int_equal(l[DESK_NOTIFY_NEW_P1].n, 3);
    assert_string_equal(l[DESK_NOTIFY_NEW_P1].items[0], "agent");
    assert_string_equal(l[DESK_NOTIFY_NEW_P1].items[1], "oncall@x.example");
    assert_string_equal(l[DESK_NOTIFY_NEW_P1].items[2], "admin");
    assert_int_equal(l[DESK_NOTIFY_BREACH].n, 1);
    assert_int_equal(l[DESK_NOTIFY_WARNING].n, 0);
    assert_true(desk_notify_item_is_role("agent") && !desk_notify_item_is_role("oncall@x.example"));
    static const struct {
        const char *spec, *why;
    } bad[] = {
        {"new-p1", "expected EVENT=ITEM"},
        {"panic=agent", "no event"},
        {"new-p1=", "empty"},
        {"new-p1=agent,", "comma"},
        {"new-p1=agent,,admin", "empty"},
        {"warning=root", "neither a role"},
        {"warning=a@b@c.example", "neither a role"},
        {"warning=<a@b.example>", "neither a role"},
        {"warning=a b@c.example", "neither a role"},
        {"warning=a@b.example\r\nBcc: x@y.example", "neither a role"},
        {"warning=@b.example", "neither a role"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        desk_notify_list m[DESK_NOTIFY_NEVENTS];
        memset(m, 0, sizeof m);
        if (desk_notify_list_parse(m, bad[i].spec) != GARANT_EINVAL) fail_msg("accepted: %s", bad[i].spec);
        if (!strstr(garant_error_last(), bad[i].why))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].spec, garant_error_last(), bad[i].why);
    }
    /* At most DESK_NOTIFY_MAX_ITEMS items an event. */
    desk_notify_list m[DESK_NOTIFY_NEVENTS];
    memset(m, 0, sizeof m);
    char spec[4096] = "breach=";
    for (int i = 0; i <= DESK_NOTIFY_MAX_ITEMS; i++) {
        char one[40];
        snprintf(one, sizeof one, "%sa%d@x.example", i ? "," : "", i);
        strncat(spec, one, sizeof spec - strlen(spec) - 1);
    }
    assert_int_equal(desk_notify_list_parse(m, spec), GARANT_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_local),
        cmocka_unit_test(test_promise_two_zones),
        cmocka_unit_test(test_lateness),
        cmocka_unit_test(test_lists),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
