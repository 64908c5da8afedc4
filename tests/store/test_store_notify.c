/*
** test_store_notify.c - what the mail producer reads and moves
** (store_notify.h): the cursor starts at 0 and moves only from where it
** is (compare and set), the walks are bounded ranges in id order, internal
** notes are never walked, a reply's text comes with its event, the
** requester's language and zone, the staff of a role, and the sign-up's
** language.
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

#define T0 1790000000 /* 2026-09-21T12:53:20Z */

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_notify_ops *nt;
    char target[512];
    int64_t acme, alice, agent, admin;
} fixture;

static char base_target[256];
static int seq;

static int64_t add_user(fixture *fx, const char *email, const char *name, garant_role role, int64_t org)
{
    garant_user u = {0};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    u.role = role;
    u.org_id = org;
    u.created_at = u.verified_at = T0 - 86400;
    st_check(fx->ops->accounts->user_insert(fx->w, &u), "user_insert");
    return u.id;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = &garant_store_sqlite_ops;
    fx->nt = fx->ops->notify;
    snprintf(fx->target, sizeof fx->target, "%s-%d", base_target, ++seq);
    st_open(&fx->st, &fx->w, fx->ops, fx->target);
    fx->acme = st_add_org(fx->w, "Acme", "professional", T0 - 86400);
    fx->alice = add_user(fx, "alice@acme.example", "Alice", GARANT_ROLE_CUSTOMER, fx->acme);
    fx->agent = add_user(fx, "agent@garant.example", "Agnes", GARANT_ROLE_AGENT, 0);
    fx->admin = add_user(fx, "admin@garant.example", "Adam", GARANT_ROLE_ADMIN, 0);
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

static int64_t add_ticket(fixture *fx)
{
    garant_ticket t = {0};
    t.org_id = fx->acme;
    t.requester_id = fx->alice;
    snprintf(t.subject, sizeof t.subject, "Broken");
    t.priority = t.initial_priority = 2;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    t.submitted_at = T0;
    t.first_response_due = T0 + 3600;
    t.warn_at = T0 + 2700;
    st_check(fx->ops->tickets->insert(fx->w, &t, "It is broken."), "insert");
    return t.id;
}

static void reply(fixture *fx, int64_t ticket, int64_t author, const char *body, int public_)
{
    int64_t id;
    st_check(fx->ops->tickets->reply_insert(fx->w, ticket, author, body, public_, T0 + 60, &id), "reply_insert");
    json_t *data = json_pack("{s:I,s:b}", "reply_id", (json_int_t)id, "public", public_);
    garant_event_in ev = {ticket, T0 + 60, author, public_ ? "replied" : "noted", data};
    st_check(fx->ops->tickets->append_event(fx->w, &ev), "append_event");
    json_decref(data);
}

static void test_cursor_moves_only_from_where_it_is(void **state)
{
    fixture *fx = *state;
    int64_t t, e;
    st_check(fx->nt->cursor(fx->w, &t, &e), "cursor");
    assert_true(t == 0 && e == 0);
    st_check(fx->nt->advance(fx->w, 0, 0, 3, 7), "advance");
    st_check(fx->nt->cursor(fx->w, &t, &e), "cursor");
    assert_true(t == 3 && e == 7);
    /* A second producer that read (0, 0) must not queue its mails. */
    assert_int_equal(fx->nt->advance(fx->w, 0, 0, 5, 9), GARANT_ECONFLICT);
    st_check(fx->nt->cursor(fx->w, &t, &e), "cursor");
    assert_true(t == 3 && e == 7);
}

static void test_walks(void **state)
{
    fixture *fx = *state;
    int64_t a = add_ticket(fx), b = add_ticket(fx), c = add_ticket(fx);
    reply(fx, a, fx->agent, "SECRET note", 0);
    reply(fx, a, fx->agent, "The answer.", 1);
    reply(fx, b, fx->alice, "Thanks", 1);
    int64_t lt, le;
    st_check(fx->nt->last_ids(fx->w, &lt, &le), "last_ids");
    assert_int_equal(lt, c);
    assert_int_equal(le, 3);
    garant_notify_ticket *rows;
    size_t n;
    /* (a, c], at most 1. */
    st_check(fx->nt->tickets(fx->w, a, c, 1, &rows, &n), "tickets");
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, b);
    assert_int_equal(rows[0].requester_id, fx->alice);
    assert_string_equal(rows[0].email, "alice@acme.example");
    assert_string_equal(rows[0].name, "Alice");
    assert_string_equal(rows[0].language, "en");
    assert_string_equal(rows[0].zone, "");
    assert_string_equal(rows[0].role, "customer");
    assert_string_equal(rows[0].org_name, "Acme");
    assert_int_equal(rows[0].active, 1);
    assert_int_equal(rows[0].filed_by_mail, 0);
    free(rows);
    /* The note is never walked; the replies come with their text. */
    garant_notify_event *ev;
    st_check(fx->nt->events(fx->w, 0, le, 100, &ev, &n), "events");
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].kind, "replied");
    assert_int_equal(ev[0].ticket_id, a);
    assert_int_equal(ev[0].at, T0 + 60);
    assert_int_equal(ev[0].actor_id, fx->agent);
    assert_string_equal(ev[0].actor_name, "Agnes");
    assert_string_equal(ev[0].body, "The answer.");
    assert_string_equal(ev[0].actor_role, "agent");
    assert_int_equal(ev[0].public_, 1);
    assert_non_null(ev[0].data);
    assert_non_null(strstr(ev[0].data, "reply_id"));
    assert_string_equal(ev[1].actor_role, "customer");
    for (size_t i = 0; i < n; i++) {
        assert_null(strstr(ev[i].body ? ev[i].body : "", "SECRET"));
        assert_null(strstr(ev[i].data ? ev[i].data : "", "SECRET"));
    }
    garant_notify_events_free(ev, n);
    /* Bounded above: nothing past upto. */
    st_check(fx->nt->events(fx->w, 0, 1, 100, &ev, &n), "events");
    assert_int_equal(n, 0);
    assert_null(ev);
    assert_int_equal(fx->nt->tickets(fx->w, 0, 10, 0, &rows, &n), GARANT_EINVAL);
    assert_int_equal(fx->nt->tickets(fx->w, 0, 10, GARANT_MAX_NOTIFY_WALK + 1, &rows, &n), GARANT_EINVAL);
    garant_notify_ticket r;
    st_check(fx->nt->requester(fx->w, c, &r), "requester");
    assert_int_equal(r.id, c);
    assert_int_equal(r.requester_id, fx->alice);
    assert_string_equal(r.email, "alice@acme.example");
    assert_int_equal(fx->nt->requester(fx->w, c + 1, &r), GARANT_ENOTFOUND);
}

static void test_prefs_and_staff(void **state)
{
    fixture *fx = *state;
    garant_user_prefs p;
    st_check(fx->nt->prefs_get(fx->w, fx->alice, &p), "prefs_get");
    assert_true(!strcmp(p.language, "en") && !strcmp(p.zone, ""));
    st_check(fx->nt->prefs_set(fx->w, fx->alice, "ro", "Europe/Bucharest"), "prefs_set");
    st_check(fx->nt->prefs_get(fx->w, fx->alice, &p), "prefs_get");
    assert_true(!strcmp(p.language, "ro") && !strcmp(p.zone, "Europe/Bucharest"));
    /* NULL keeps, "" is the policy's zone again. */
    st_check(fx->nt->prefs_set(fx->w, fx->alice, NULL, ""), "prefs_set");
    st_check(fx->nt->prefs_get(fx->w, fx->alice, &p), "prefs_get");
    assert_true(!strcmp(p.language, "ro") && !strcmp(p.zone, ""));
    /* The schema refuses a language it has no templates for. */
    assert_int_not_equal(fx->nt->prefs_set(fx->w, fx->alice, "fr", NULL), 0);
    assert_int_equal(fx->nt->prefs_set(fx->w, 999, "en", NULL), GARANT_ENOTFOUND);
    assert_int_equal(fx->nt->prefs_get(fx->w, 999, &p), GARANT_ENOTFOUND);
    garant_notify_staff *rows;
    size_t n;
    st_check(fx->nt->staff(fx->w, "admin", &rows, &n), "staff");
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].email, "admin@garant.example");
    assert_string_equal(rows[0].name, "Adam");
    assert_string_equal(rows[0].language, "en");
    free(rows);
    st_check(fx->nt->staff(fx->w, "agent", &rows, &n), "staff");
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].email, "agent@garant.example");
    free(rows);
    /* The staff's own language and zone. */
    st_check(fx->nt->prefs_set(fx->w, fx->agent, "ro", "Europe/Bucharest"), "agent prefs");
    st_check(fx->nt->staff(fx->w, "agent", &rows, &n), "staff");
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].language, "ro");
    assert_string_equal(rows[0].zone, "Europe/Bucharest");
    free(rows);
}

static void test_signup_language(void **state)
{
    fixture *fx = *state;
    garant_signup su = {0};
    snprintf(su.email, sizeof su.email, "ioana@acme.example");
    snprintf(su.name, sizeof su.name, "Ioana");
    snprintf(su.password_hash, sizeof su.password_hash, "$argon2id$x");
    su.created_at = T0;
    su.expires_at = T0 + 86400;
    uint8_t hash[32] = {1, 2, 3};
    st_check(fx->ops->accounts->signup_insert(fx->w, &su, hash), "signup_insert");
    char lang[8];
    st_check(fx->nt->signup_language(fx->w, hash, lang), "signup_language");
    assert_string_equal(lang, "");
    st_check(fx->nt->signup_set_language(fx->w, su.id, "ro"), "signup_set_language");
    st_check(fx->nt->signup_language(fx->w, hash, lang), "signup_language");
    assert_string_equal(lang, "ro");
    uint8_t other[32] = {9};
    st_check(fx->nt->signup_language(fx->w, other, lang), "signup_language");
    assert_string_equal(lang, "");
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    char dir[] = "/tmp/garant-test-notify-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(base_target, sizeof base_target, "%s/store.db", dir);
    const struct CMUnitTest tests[] = {
        CASE(test_cursor_moves_only_from_where_it_is),
        CASE(test_walks),
        CASE(test_prefs_and_staff),
        CASE(test_signup_language),
    };
    int failed = cmocka_run_group_tests_name("store notify (sqlite)", tests, NULL, NULL);
    rmdir(dir);
    return t_exit_status(failed);
}
