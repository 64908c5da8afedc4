/*
** test_template.c - the mail templates (src/mail/template.c) and the
** texts in templates/mail: the shipped folder loads; English and Romanian
** render with their phrases, Romanian with comma-below ș and ț (never the
** cedilla forms); an empty optional sentence leaves no gap; an admin's
** HTML body gets escaped values; broken folders are refused with the file
** and line.
*/
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"
#include "template.h"

static void check(int rc, const char *what)
{
    if (rc != 0) fail_msg("%s: %s (%s)", what, garant_err_name(rc), garant_error_last());
}

static const char *shipped(void)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/templates/mail", t_source_dir());
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *buf = malloc(70000);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 69999, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* A copy of the shipped folder, to break. */
typedef struct copy {
    char dir[64];
} copy;

static void copy_shipped(copy *c)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/garant-test-tpl-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    for (int l = 0; garant_mail_languages[l]; l++) {
        char src[4200], dst[4200];
        snprintf(dst, sizeof dst, "%s/%s", c->dir, garant_mail_languages[l]);
        assert_int_equal(mkdir(dst, 0700), 0);
        snprintf(src, sizeof src, "%s/%s", shipped(), garant_mail_languages[l]);
        DIR *d = opendir(src);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char from[4500], to[4500];
            snprintf(from, sizeof from, "%s/%s", src, e->d_name);
            snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
            char *text = slurp(from);
            spit(to, text);
            free(text);
        }
        closedir(d);
    }
}

static void remove_copy(copy *c)
{
    for (int l = 0; garant_mail_languages[l]; l++) {
        char dir[200];
        snprintf(dir, sizeof dir, "%s/%s", c->dir, garant_mail_languages[l]);
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[520];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
        rmdir(dir);
    }
    rmdir(c->dir);
}

/* The copy's file, with its first `from` replaced by `to`. */
static void edit(copy *c, const char *file, const char *from, const char *to)
{
    char path[200];
    snprintf(path, sizeof path, "%s/%s", c->dir, file);
    char *text = slurp(path);
    char *at = strstr(text, from);
    if (!at) fail_msg("%s has no \"%s\"", file, from);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    spit(path, out);
    free(out);
    free(text);
}

/* A phrase rendered first and handed to the template as value `as`. */
typedef struct phrase_case {
    const char *key, *as;
    garant_mail_value values[4]; /* up to the first without a name */
    const char *has;             /* a fragment of the phrase, or NULL */
} phrase_case;

/* One mail of the shipped folder: rendered in lang (an unknown language
** renders in English) from values and phrases, its subject exactly, its
** text with each of has and none of lacks. */
typedef struct render_case {
    const char *lang, *tpl;
    garant_mail_value values[8];
    phrase_case phrases[2];
    const char *subject;
    const char *has[5];
    const char *lacks[3];
} render_case;

static const render_case render_cases[] = {
    /* The deadline in the customer's zone and in CET; an empty mail note
    ** leaves no double gap; no HTML (built from the text by compose). */
    {"en",
     "ticket_received",
     {{"name", "Alice"},
      {"ticket", "42"},
      {"subject", "VPN <down>"},
      {"priority", "P2"},
      {"mail_note", ""},
      {"link", "https://desk.example/tickets/42"}},
     {{"deadline",
       "promise",
       {{"deadline_local", "Mon 21 Sep 2026, 16:00"},
        {"zone", "America/New_York"},
        {"deadline_cet", "Mon 21 Sep 2026, 22:00"}},
       NULL}},
     "[#42] We received your request: VPN <down>",
     {"Hello Alice,", "by Mon 21 Sep 2026, 16:00 (America/New_York), that is Mon 21 Sep 2026, 22:00",
      "\"VPN <down>\" (priority P2)"},
     {"{{", "\n\n\n"}},
    /* An unknown language: English; a line break in a subject is a space. */
    {"de",
     "solved",
     {{"name", "Bob"}, {"ticket", "7"}, {"subject", "Line\nbreak"}, {"link", "L"}},
     {{NULL}},
     "[#7] Solved: Line break",
     {"your reply\nreopens the ticket"},
     {"{{"}},
    {"ro",
     "ticket_received",
     {{"name", "Ștefan Țîrcă"},
      {"ticket", "9"},
      {"subject", "Rețeaua nu funcționează"},
      {"priority", "P3"},
      {"link", "https://desk.example/tickets/9"}},
     {{"filed_by_mail",
       "mail_note",
       {{"priority", "P3"}, {"link", "https://desk.example/tickets/9"}},
       "înregistrate cu prioritatea P3"},
      {"no_deadline", "promise", {{"reason", "planul Basic nu acoperă prioritatea P4"}}, NULL}},
     "[#9] Am primit solicitarea dumneavoastră: Rețeaua nu funcționează",
     {"Bună ziua, Ștefan Țîrcă,", "„Rețeaua nu funcționează” (prioritate P3)", "Planul dumneavoastră nu garantează",
      "puteți ridica prioritatea"},
     {"{{"}},
    /* The account mails (issue 14): the verification of a second sign-up
    ** in Romanian says which link sets which password; without it that
    ** paragraph and one blank line around it go. */
    {"ro",
     "verify_address",
     {{"name", "Ștefan Țîrcă"},
      {"email", "stefan@firma.example"},
      {"link", "https://desk.example/verify?token=T"},
      {"expires", "2026-11-28 11:00 CET"}},
     {{"signup_again", "again", {{NULL}}, NULL}},
     "Confirmați adresa de e-mail pentru garant",
     {"Bună ziua, Ștefan Țîrcă,\n\nCineva (sperăm că dumneavoastră) s-a înregistrat din nou",
      "stefan@firma.example este adresa dumneavoastră", "\nhttps://desk.example/verify?token=T\n",
      "valabil până la 2026-11-28 11:00 CET"},
     {"{{"}},
    {"en",
     "verify_address",
     {{"name", "Ștefan Țîrcă"},
      {"email", "stefan@firma.example"},
      {"link", "https://desk.example/verify?token=T"},
      {"expires", "2026-11-28 11:00 CET"},
      {"again", ""}},
     {{NULL}},
     "Confirm your e-mail address for garant",
     {"Hello Ștefan Țîrcă,\n\nPlease confirm that stefan@firma.example is your address"},
     {"{{", "\n\n\n"}},
    {"ro",
     "account_exists",
     {{"name", "Ana"},
      {"email", "ana@firma.example"},
      {"login_link", "https://desk.example/login"},
      {"forgot_link", "https://desk.example/forgot"}},
     {{NULL}},
     NULL,
     {"are deja un cont", "https://desk.example/forgot"},
     {"{{"}},
};

static size_t count_values(const garant_mail_value *v, size_t cap)
{
    size_t n = 0;
    while (n < cap && v[n].name) n++;
    return n;
}

static void test_shipped_mails(void **state)
{
    (void)state;
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, shipped()), "load");
    for (size_t i = 0; i < sizeof render_cases / sizeof render_cases[0]; i++) {
        const render_case *c = &render_cases[i];
        char what[120];
        snprintf(what, sizeof what, "case %zu, %s/%s", i, c->lang, c->tpl);
        garant_mail_value v[10];
        size_t n = count_values(c->values, 8);
        memcpy(v, c->values, n * sizeof v[0]);
        char *phrase[2] = {NULL, NULL};
        for (size_t p = 0; p < 2 && c->phrases[p].key; p++) {
            const phrase_case *ph = &c->phrases[p];
            check(garant_mail_render_phrase(&phrase[p], t, c->lang, ph->key, ph->values, count_values(ph->values, 4)),
                  what);
            if (ph->has && !strstr(phrase[p], ph->has))
                fail_msg("%s: phrase %s \"%s\" lacks \"%s\"", what, ph->key, phrase[p], ph->has);
            v[n++] = (garant_mail_value){ph->as, phrase[p]};
        }
        garant_mail_rendered r;
        check(garant_mail_render(&r, t, c->lang, c->tpl, v, n), what);
        if (c->subject && strcmp(r.subject, c->subject) != 0)
            fail_msg("%s: subject \"%s\", want \"%s\"", what, r.subject, c->subject);
        if (r.html) fail_msg("%s: an HTML body the shipped templates do not have", what);
        for (size_t k = 0; k < 5 && c->has[k]; k++)
            if (!strstr(r.text, c->has[k])) fail_msg("%s: the text lacks \"%s\":\n%s", what, c->has[k], r.text);
        for (size_t k = 0; k < 3 && c->lacks[k]; k++)
            if (strstr(r.text, c->lacks[k])) fail_msg("%s: the text has \"%s\":\n%s", what, c->lacks[k], r.text);
        garant_mail_rendered_free(&r);
        free(phrase[0]);
        free(phrase[1]);
    }
    garant_mail_templates_free(t);
}

/* A missing value is an error naming its placeholder; an unknown template
** is not found. */
static void test_render_refusals(void **state)
{
    (void)state;
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, shipped()), "load");
    garant_mail_value s[] = {{"name", "Bob"}, {"ticket", "7"}, {"subject", "Line\nbreak"}, {"link", "L"}};
    garant_mail_rendered r;
    assert_int_equal(garant_mail_render(&r, t, "en", "solved", s, 3), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "{{link}}"));
    assert_int_equal(garant_mail_render(&r, t, "en", "nonesuch", s, 4), GARANT_ENOTFOUND);
    garant_mail_templates_free(t);
}

/* Every Romanian file: comma-below ș ț, never cedilla ş ţ Ş Ţ. */
static void test_romanian_letters(void **state)
{
    (void)state;
    static const char *const cedilla[] = {"\xc5\x9f", "\xc5\xa3", "\xc5\x9e", "\xc5\xa2"};
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ro", shipped());
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = slurp(path);
        for (size_t i = 0; i < 4; i++)
            if (strstr(text, cedilla[i])) fail_msg("%s: a cedilla ş/ţ where Romanian writes ș/ț", path);
        files++;
        free(text);
    }
    closedir(d);
    assert_int_equal(files, 14); /* the templates and phrases.txt */
}

static void test_admin_html(void **state)
{
    (void)state;
    copy c = {0};
    copy_shipped(&c);
    char path[200];
    snprintf(path, sizeof path, "%s/en/solved.html", c.dir);
    spit(path, "<p>Hello {{name}}, <b>#{{ticket}}</b> &ndash; {{subject}}</p>\n<a href=\"{{link}}\">ticket</a>\n");
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, c.dir), "load");
    garant_mail_value v[] = {{"name", "Eve & \"Mallory\""}, {"ticket", "3"}, {"subject", "<script>x</script>"},
                             {"link", "https://d.example/t/3?a=1&b=2"}};
    garant_mail_rendered r;
    check(garant_mail_render(&r, t, "en", "solved", v, 4), "render");
    assert_non_null(r.html);
    assert_string_equal(r.html, "<p>Hello Eve &amp; &quot;Mallory&quot;, <b>#3</b> &ndash; "
                                "&lt;script&gt;x&lt;/script&gt;</p>\n"
                                "<a href=\"https://d.example/t/3?a=1&amp;b=2\">ticket</a>\n");
    /* The text keeps the values as they are. */
    assert_non_null(strstr(r.text, "(\"<script>x</script>\")"));
    garant_mail_rendered_free(&r);
    /* Romanian has no HTML body: built from its text. */
    check(garant_mail_render(&r, t, "ro", "solved", v, 4), "render ro");
    assert_null(r.html);
    garant_mail_rendered_free(&r);
    garant_mail_templates_free(t);
    remove_copy(&c);
}

/* Load a broken copy; the error must be code and contain want. */
static void refused(copy *c, int code, const char *want)
{
    garant_mail_templates *t = (garant_mail_templates *)1;
    int rc = garant_mail_templates_load(&t, c->dir);
    if (rc != code) fail_msg("load: %s, want %s (%s)", garant_err_name(rc), garant_err_name(code), garant_error_last());
    assert_null(t);
    if (!strstr(garant_error_last(), want)) fail_msg("error \"%s\" does not say \"%s\"", garant_error_last(), want);
}

/* A broken copy of the shipped folder: file edited (its first `from`
** becomes `to`; from NULL: the file removed), refused with code and an
** error that says want after the folder's path. */
static const struct broken_case {
    const char *file, *from, *to;
    int code;
    const char *want;
} broken_cases[] = {
    {"ro/solved.txt", "#{{ticket}} („", "#{{tiket}} („", GARANT_ECONFIG, "/ro/solved.txt:5: unknown placeholder {{tiket}}"},
    {"en/agent_reply.txt", "{{body}}", "{{ body }}", GARANT_ECONFIG,
     "/en/agent_reply.txt:7: a placeholder must be {{name}}"},
    {"en/verify_address.txt", "Subject: ", "Subiect: ", GARANT_ECONFIG,
     "/en/verify_address.txt:1: the first line must be"},
    {"ro/phrases.txt", "no_deadline =", "fara_termen =", GARANT_ECONFIG,
     "/ro/phrases.txt:5: unknown phrase \"fara_termen\""},
    {"en/phrases.txt", "{{zone}}", "{{link}}", GARANT_ECONFIG, "/en/phrases.txt:3: unknown placeholder {{link}}"},
    {"ro/password_reset.txt", "Bună", "Bun\xe3", GARANT_ECONFIG, "/ro/password_reset.txt:3: not UTF-8"},
    /* An account mail's template with a placeholder it is not given (a
    ** token must never be guessed into a mail). */
    {"ro/account_exists.txt", "{{forgot_link}}", "{{link}}", GARANT_ECONFIG,
     "/ro/account_exists.txt:10: unknown placeholder {{link}} (this one knows: name, email, login_link, "
     "forgot_link)"},
    {"en/phrases.txt", "signup_again =", "# signup_again =", GARANT_ECONFIG,
     "/en/phrases.txt: phrase \"signup_again\" is missing"},
    {"ro/staff_breach.txt", NULL, NULL, GARANT_EIO, "/ro/staff_breach.txt:"},
};

static void test_broken(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof broken_cases / sizeof broken_cases[0]; i++) {
        const struct broken_case *b = &broken_cases[i];
        copy c = {0};
        copy_shipped(&c);
        if (b->from) {
            edit(&c, b->file, b->from, b->to);
        } else {
            char path[200];
            snprintf(path, sizeof path, "%s/%s", c.dir, b->file);
            unlink(path);
        }
        char want[300];
        snprintf(want, sizeof want, "%s%s", c.dir, b->want);
        refused(&c, b->code, want);
        remove_copy(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_mails),    cmocka_unit_test(test_render_refusals),
        cmocka_unit_test(test_romanian_letters), cmocka_unit_test(test_admin_html),
        cmocka_unit_test(test_broken),
    };
    return t_exit_status(cmocka_run_group_tests_name("mail templates", tests, NULL, NULL));
}
