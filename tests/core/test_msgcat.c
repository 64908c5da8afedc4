/*
** test_msgcat.c - the server's messages in a thread's language
** (src/core/msgcat.c, error.c; docs/messages.md): looking a message up in
** a GNU .mo catalogue, in either byte order; a translation whose printf
** conversions differ from its message's, an unknown message and a damaged
** file all give the English message; each thread writes in its own
** language; and the Romanian catalogue the build embeds is found.
*/
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "support.h"

/* A .mo file of pairs (sorted by msgid, the header "" first, as msgfmt
** writes them), in little- or big-endian words. */
typedef struct mo_file {
    unsigned char bytes[4096];
    size_t len;
} mo_file;

static void put32(unsigned char *p, uint32_t v, int big)
{
    for (int i = 0; i < 4; i++) p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void mo_build(mo_file *f, const char *const pairs[][2], uint32_t n, int big)
{
    memset(f, 0, sizeof *f);
    uint32_t originals = 28, translations = originals + 8 * n, strings = translations + 8 * n;
    put32(f->bytes, 0x950412de, big);
    put32(f->bytes + 4, 0, big);
    put32(f->bytes + 8, n, big);
    put32(f->bytes + 12, originals, big);
    put32(f->bytes + 16, translations, big);
    size_t at = strings;
    for (uint32_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            size_t len = strlen(pairs[i][k]);
            put32(f->bytes + (k ? translations : originals) + 8 * i, (uint32_t)len, big);
            put32(f->bytes + (k ? translations : originals) + 8 * i + 4, (uint32_t)at, big);
            memcpy(f->bytes + at, pairs[i][k], len + 1);
            at += len + 1;
        }
    f->len = at;
}

static const char *const PAIRS[][2] = {
    {"", "Content-Type: text/plain; charset=UTF-8\n"},
    {"'%s' is required", "„%s” este obligatoriu"},
    {"no such resource", "această resursă nu există"},
    {"ticket %lld not found", "tichetul %d nu există"}, /* a wrong conversion */
    {"untranslated", ""},
};

static void test_lookup(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        mo_file f;
        mo_build(&f, PAIRS, 5, big);
        garant_msgcat cat = {"ro", f.bytes, f.len};
        assert_string_equal(garant__msgcat_lookup(&cat, "no such resource"), "această resursă nu există");
        assert_string_equal(garant__msgcat_lookup(&cat, "'%s' is required"), "„%s” este obligatoriu");
        /* Not in the catalogue, untranslated, or with other conversions:
        ** the message itself, the very pointer. */
        const char *msgid = "ticket %lld not found";
        assert_ptr_equal(garant__msgcat_lookup(&cat, msgid), msgid);
        const char *other = "zzz not there";
        assert_ptr_equal(garant__msgcat_lookup(&cat, other), other);
        assert_ptr_equal(garant__msgcat_lookup(&cat, "untranslated"), garant__msgcat_lookup(NULL, "untranslated"));
        assert_string_equal(garant__msgcat_lookup(&cat, "untranslated"), "untranslated");
        assert_string_equal(garant__msgcat_lookup(&cat, "aaa before all"), "aaa before all");
        assert_string_equal(garant__msgcat_lookup(NULL, "no such resource"), "no such resource");
    }
}

/* A damaged catalogue finds nothing and reads nothing past its end. */
static void test_damaged(void **state)
{
    (void)state;
    mo_file f;
    mo_build(&f, PAIRS, 5, 0);
    for (size_t len = 0; len < f.len; len++) {
        /* Each cut is a copy of its own exact size, so ASan sees a read past it. */
        unsigned char *cut = malloc(len ? len : 1);
        assert_non_null(cut);
        memcpy(cut, f.bytes, len);
        garant_msgcat cat = {"ro", cut, len};
        const char *got = garant__msgcat_lookup(&cat, "no such resource");
        assert_true(got == NULL || !strcmp(got, "no such resource") || !strcmp(got, "această resursă nu există"));
        free(cut);
    }
    mo_file bad = f;
    bad.bytes[0] ^= 0xff; /* not a .mo */
    garant_msgcat cat = {"ro", bad.bytes, bad.len};
    assert_string_equal(garant__msgcat_lookup(&cat, "no such resource"), "no such resource");
    bad = f;
    put32(bad.bytes + 4, 2u << 16, 0); /* a major revision we do not know */
    assert_string_equal(garant__msgcat_lookup(&cat, "no such resource"), "no such resource");
    bad = f;
    put32(bad.bytes + 8, 100000, 0); /* more entries than the file holds */
    assert_string_equal(garant__msgcat_lookup(&cat, "no such resource"), "no such resource");
}

static void test_format_same(void **state)
{
    (void)state;
    assert_true(garant__format_same("'%s' is %lld", "„%s” are %lld"));
    assert_true(garant__format_same("%.80s: 100%% %zu", "%.80s: %zu (100%%)"));
    assert_true(garant__format_same("%.80s: 100%% %zu", "100%% %.80s: %zu"));
    assert_true(garant__format_same("no conversion", "nicio conversie"));
    assert_false(garant__format_same("%s", "%.80s"));
    assert_false(garant__format_same("%s %d", "%d %s"));
    assert_false(garant__format_same("%s", "%s %s"));
    assert_false(garant__format_same("%s", ""));
    assert_false(garant__format_same("%s %s", "%2$s %1$s")); /* same order, no positions */
    assert_false(garant__format_same("%lld", "%ld"));
}

/* garant__error writes in the thread's language; wrapping the thread's
** last message in more context keeps it whole. */
static void test_error_in_the_threads_language(void **state)
{
    (void)state;
    mo_file f;
    mo_build(&f, PAIRS, 5, 0);
    garant_msgcat cat = {"ro", f.bytes, f.len};
    assert_null(garant__msgcat_use(&cat));
    assert_ptr_equal(garant__msgcat_current(), &cat);
    assert_int_equal(garant__error(GARANT_EINVAL, "'%s' is required", "password"), GARANT_EINVAL);
    assert_string_equal(garant_error_last(), "„password” este obligatoriu");
    garant__error(GARANT_EINVAL, "signup: %s", garant_error_last());
    assert_string_equal(garant_error_last(), "signup: „password” este obligatoriu");
    assert_string_equal(garant__tr("no such resource"), "această resursă nu există");
    /* The wrong translation is not used: printf would read an int. */
    garant__error(GARANT_ENOTFOUND, "ticket %lld not found", 12345678901LL);
    assert_string_equal(garant_error_last(), "ticket 12345678901 not found");
    assert_ptr_equal(garant__msgcat_use(NULL), &cat);
    garant__error(GARANT_EINVAL, "'%s' is required", "password");
    assert_string_equal(garant_error_last(), "'password' is required");
}

typedef struct worker {
    const garant_msgcat *cat;
    const char *want;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    garant__msgcat_use(w->cat);
    for (int i = 0; i < 20000; i++) {
        garant__error(GARANT_EINVAL, "'%s' is required", "name");
        if (strcmp(garant_error_last(), w->want) != 0) w->failures++;
    }
    return NULL;
}

/* Threads at once, each in its own language: no process-global locale. */
static void test_threads(void **state)
{
    (void)state;
    mo_file f;
    mo_build(&f, PAIRS, 5, 0);
    garant_msgcat cat = {"ro", f.bytes, f.len};
    worker w[4] = {{&cat, "„name” este obligatoriu", 0},
                   {NULL, "'name' is required", 0},
                   {&cat, "„name” este obligatoriu", 0},
                   {NULL, "'name' is required", 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) assert_int_equal(w[i].failures, 0);
    assert_null(garant__msgcat_current());
}

/* The catalogue the build compiled from po/ro.po. */
static void test_embedded_romanian(void **state)
{
    (void)state;
    const garant_msgcat *ro = desk_messages("ro");
    assert_non_null(ro);
    assert_string_equal(ro->language, "ro");
    assert_null(desk_messages("en"));
    assert_null(desk_messages("fr"));
    assert_null(desk_messages(NULL));
    assert_true(desk_language_known("en") && desk_language_known("ro") && !desk_language_known("de"));
    assert_string_equal(garant__msgcat_lookup(ro, "no such resource"), "această resursă nu există");
    assert_string_equal(garant__msgcat_lookup(ro, "wrong e-mail or password"), "e-mail sau parolă greșită");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),          cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_format_same),     cmocka_unit_test(test_error_in_the_threads_language),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_embedded_romanian),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
