/*
** test_sessions.c - the session cache (src/http/sessions.c): hits, the
** two expiries (the session's own and the cache's time to live), forgetting
** a token or a user, and the generation rule that keeps a lookup racing a
** logout from putting the ended session back. That logout and password
** reset end cached sessions over HTTP is tested end to end in
** tests/http/test_accounts.py.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sessions.h"
#include "support.h"

/* A session of user uid whose token hash starts with byte `tag` (and
** whose low bytes pick the slot: tags differing in the first byte land in
** different slots of a 16-slot cache). */
static void make(garant_session *s, garant_user *u, uint8_t tag, int64_t uid, int64_t expires_at)
{
    memset(s, 0, sizeof *s);
    memset(u, 0, sizeof *u);
    memset(s->token_hash, 0xA5, sizeof s->token_hash);
    s->token_hash[0] = tag;
    s->user_id = uid;
    s->expires_at = expires_at;
    snprintf(s->csrf, sizeof s->csrf, "csrf-%u", tag);
    u->id = uid;
    snprintf(u->email, sizeof u->email, "u%lld@acme.example", (long long)uid);
    snprintf(u->password_hash, sizeof u->password_hash, "$argon2id$secret");
}

static void test_hit_and_expiries(void **state)
{
    (void)state;
    desk_sessions *c = desk_sessions_new(16, 10);
    assert_non_null(c);
    garant_session s, got;
    garant_user u, gu;
    make(&s, &u, 1, 7, 1000);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 100, &got, &gu), 0);
    desk_sessions_put(c, desk_sessions_generation(c), &s, &u, 100);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 100, &got, &gu), 1);
    assert_int_equal(got.user_id, 7);
    assert_string_equal(got.csrf, "csrf-1");
    assert_string_equal(gu.email, "u7@acme.example");
    /* The password hash is not kept. */
    assert_string_equal(gu.password_hash, "");
    /* Another token that is not cached: a miss, whatever the slot holds. */
    uint8_t other[32];
    memcpy(other, s.token_hash, 32);
    other[31] ^= 1;
    assert_int_equal(desk_sessions_get(c, other, 500, 100, &got, &gu), 0);
    /* The session's own expiry, at the request's now (the store's test:
    ** expires_at > now). */
    assert_int_equal(desk_sessions_get(c, s.token_hash, 999, 100, &got, &gu), 1);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 1000, 100, &got, &gu), 0);
    /* The cache's time to live, in monotonic seconds: 10 s. */
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 109, &got, &gu), 1);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 110, &got, &gu), 0);
    /* A clock that went backwards is not trusted either. */
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 99, &got, &gu), 0);
    desk_sessions_free(c);
}

static void test_forget(void **state)
{
    (void)state;
    desk_sessions *c = desk_sessions_new(16, 10);
    garant_session a, b, d, got;
    garant_user ua, ub, ud, gu;
    make(&a, &ua, 1, 7, 1000);
    make(&b, &ub, 2, 7, 1000); /* the same user, another device */
    make(&d, &ud, 3, 8, 1000);
    uint64_t g = desk_sessions_generation(c);
    desk_sessions_put(c, g, &a, &ua, 100);
    desk_sessions_put(c, g, &b, &ub, 100);
    desk_sessions_put(c, g, &d, &ud, 100);
    /* Logout: that token only. */
    desk_sessions_forget(c, a.token_hash);
    assert_int_equal(desk_sessions_get(c, a.token_hash, 500, 100, &got, &gu), 0);
    assert_int_equal(desk_sessions_get(c, b.token_hash, 500, 100, &got, &gu), 1);
    /* Password reset: every session of user 7, none of user 8. */
    desk_sessions_forget_user(c, 7);
    assert_int_equal(desk_sessions_get(c, b.token_hash, 500, 100, &got, &gu), 0);
    assert_int_equal(desk_sessions_get(c, d.token_hash, 500, 100, &got, &gu), 1);
    desk_sessions_clear(c);
    assert_int_equal(desk_sessions_get(c, d.token_hash, 500, 100, &got, &gu), 0);
    desk_sessions_free(c);
}

/* A request misses, notes the generation and reads the store; meanwhile a
** logout commits and forgets the token; the request's read (made before
** the logout) must not be cached. */
static void test_lookup_racing_a_logout(void **state)
{
    (void)state;
    desk_sessions *c = desk_sessions_new(16, 10);
    garant_session s, got;
    garant_user u, gu;
    make(&s, &u, 1, 7, 1000);
    uint64_t before_read = desk_sessions_generation(c);
    desk_sessions_forget(c, s.token_hash); /* the logout, between read and put */
    desk_sessions_put(c, before_read, &s, &u, 100);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 100, &got, &gu), 0);
    /* A read begun after the logout is cached as usual. */
    desk_sessions_put(c, desk_sessions_generation(c), &s, &u, 100);
    assert_int_equal(desk_sessions_get(c, s.token_hash, 500, 100, &got, &gu), 1);
    desk_sessions_free(c);
}

/* Two tokens sharing a slot: the later replaces the earlier, which then
** misses (and would be read from the store again), never answers wrongly. */
static void test_collision(void **state)
{
    (void)state;
    desk_sessions *c = desk_sessions_new(16, 10);
    garant_session a, b, got;
    garant_user ua, ub, gu;
    make(&a, &ua, 1, 7, 1000);
    make(&b, &ub, 1 + 16, 8, 1000); /* same low bits of the first byte */
    uint64_t g = desk_sessions_generation(c);
    desk_sessions_put(c, g, &a, &ua, 100);
    desk_sessions_put(c, g, &b, &ub, 100);
    assert_int_equal(desk_sessions_get(c, a.token_hash, 500, 100, &got, &gu), 0);
    assert_int_equal(desk_sessions_get(c, b.token_hash, 500, 100, &got, &gu), 1);
    assert_int_equal(gu.id, 8);
    desk_sessions_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_expiries),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_lookup_racing_a_logout),
        cmocka_unit_test(test_collision),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
