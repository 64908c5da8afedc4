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

static void test_shipped_en(void **state)
{
    (void)state;
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, shipped()), "load");
    char *promise;
    garant_mail_value pv[] = {{"deadline_local", "Mon 21 Sep 2026, 16:00"},
                              {"zone", "America/New_York"},
                              {"deadline_cet", "Mon 21 Sep 2026, 22:00"}};
    check(garant_mail_render_phrase(&promise, t, "en", "deadline", pv, 3), "phrase");
    garant_mail_value v[] = {{"name", "Alice"},     {"ticket", "42"},  {"subject", "VPN <down>"},
                             {"priority", "P2"},    {"promise", promise}, {"mail_note", ""},
                             {"link", "https://desk.example/tickets/42"}};
    garant_mail_rendered r;
    check(garant_mail_render(&r, t, "en", "ticket_received", v, 7), "render");
    assert_string_equal(r.subject, "[#42] We received your request: VPN <down>");
    assert_null(r.html); /* built from the text by compose */
    assert_null(strstr(r.text, "{{"));
    assert_non_null(strstr(r.text, "Hello Alice,"));
    assert_non_null(strstr(r.text, "by Mon 21 Sep 2026, 16:00 (America/New_York), that is Mon 21 Sep 2026, 22:00"));
    assert_non_null(strstr(r.text, "\"VPN <down>\" (priority P2)"));
    /* The empty mail note is gone, with no double gap. */
    assert_null(strstr(r.text, "\n\n\n"));
    garant_mail_rendered_free(&r);
    free(promise);

    /* An unknown language renders in English; a missing value is an error. */
    garant_mail_value s[] = {{"name", "Bob"}, {"ticket", "7"}, {"subject", "Line\nbreak"}, {"link", "L"}};
    check(garant_mail_render(&r, t, "de", "solved", s, 4), "render de");
    assert_string_equal(r.subject, "[#7] Solved: Line break");
    assert_non_null(strstr(r.text, "your reply\nreopens the ticket"));
    garant_mail_rendered_free(&r);
    assert_int_equal(garant_mail_render(&r, t, "en", "solved", s, 3), GARANT_EINVAL);
    assert_non_null(strstr(garant_error_last(), "{{link}}"));
    assert_int_equal(garant_mail_render(&r, t, "en", "nonesuch", s, 4), GARANT_ENOTFOUND);
    garant_mail_templates_free(t);
}

static void test_shipped_ro(void **state)
{
    (void)state;
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, shipped()), "load");
    char *note;
    garant_mail_value nv[] = {{"priority", "P3"}, {"link", "https://desk.example/tickets/9"}};
    check(garant_mail_render_phrase(&note, t, "ro", "filed_by_mail", nv, 2), "phrase");
    assert_non_null(strstr(note, "înregistrate cu prioritatea P3"));
    char *promise;
    garant_mail_value pv[] = {{"reason", "planul Basic nu acoperă prioritatea P4"}};
    check(garant_mail_render_phrase(&promise, t, "ro", "no_deadline", pv, 1), "phrase");
    garant_mail_value v[] = {{"name", "Ștefan Țîrcă"}, {"ticket", "9"}, {"subject", "Rețeaua nu funcționează"},
                             {"priority", "P3"},        {"promise", promise}, {"mail_note", note},
                             {"link", "https://desk.example/tickets/9"}};
    garant_mail_rendered r;
    check(garant_mail_render(&r, t, "ro", "ticket_received", v, 7), "render");
    assert_string_equal(r.subject, "[#9] Am primit solicitarea dumneavoastră: Rețeaua nu funcționează");
    assert_non_null(strstr(r.text, "Bună ziua, Ștefan Țîrcă,"));
    assert_non_null(strstr(r.text, "„Rețeaua nu funcționează” (prioritate P3)"));
    assert_non_null(strstr(r.text, "Planul dumneavoastră nu garantează"));
    assert_non_null(strstr(r.text, "puteți ridica prioritatea"));
    garant_mail_rendered_free(&r);
    free(note);
    free(promise);
    garant_mail_templates_free(t);

    /* Every Romanian file: comma-below ș ț, never cedilla ş ţ Ş Ţ. */
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

/* The account mails (issue 14): the verification of a second sign-up in
** Romanian says which link sets which password; without it that
** paragraph and one blank line around it go. */
static void test_account_mails(void **state)
{
    (void)state;
    garant_mail_templates *t;
    check(garant_mail_templates_load(&t, shipped()), "load");
    char *again;
    check(garant_mail_render_phrase(&again, t, "ro", "signup_again", NULL, 0), "phrase");
    garant_mail_value v[] = {{"name", "Ștefan Țîrcă"},
                             {"email", "stefan@firma.example"},
                             {"link", "https://desk.example/verify?token=T"},
                             {"expires", "2026-11-28 11:00 CET"},
                             {"again", again}};
    garant_mail_rendered r;
    check(garant_mail_render(&r, t, "ro", "verify_address", v, 5), "render");
    assert_string_equal(r.subject, "Confirmați adresa de e-mail pentru garant");
    assert_non_null(strstr(r.text, "Bună ziua, Ștefan Țîrcă,\n\nCineva (sperăm că dumneavoastră) s-a înregistrat din nou"));
    assert_non_null(strstr(r.text, "stefan@firma.example este adresa dumneavoastră"));
    assert_non_null(strstr(r.text, "\nhttps://desk.example/verify?token=T\n"));
    assert_non_null(strstr(r.text, "valabil până la 2026-11-28 11:00 CET"));
    garant_mail_rendered_free(&r);
    v[4].value = "";
    check(garant_mail_render(&r, t, "en", "verify_address", v, 5), "render en");
    assert_string_equal(r.subject, "Confirm your e-mail address for garant");
    assert_non_null(strstr(r.text, "Hello Ștefan Țîrcă,\n\nPlease confirm that stefan@firma.example is your address"));
    garant_mail_rendered_free(&r);
    free(again);
    garant_mail_value e[] = {{"name", "Ana"},
                             {"email", "ana@firma.example"},
                             {"login_link", "https://desk.example/login"},
                             {"forgot_link", "https://desk.example/forgot"}};
    check(garant_mail_render(&r, t, "ro", "account_exists", e, 4), "render exists");
    assert_non_null(strstr(r.text, "are deja un cont"));
    assert_non_null(strstr(r.text, "https://desk.example/forgot"));
    garant_mail_rendered_free(&r);
    garant_mail_templates_free(t);
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

static void test_broken(void **state)
{
    (void)state;
    copy c = {0};
    char want[200];

    copy_shipped(&c);
    edit(&c, "ro/solved.txt", "#{{ticket}} („", "#{{tiket}} („");
    snprintf(want, sizeof want, "%s/ro/solved.txt:5: unknown placeholder {{tiket}}", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "en/agent_reply.txt", "{{body}}", "{{ body }}");
    snprintf(want, sizeof want, "%s/en/agent_reply.txt:7: a placeholder must be {{name}}", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "en/verify_address.txt", "Subject: ", "Subiect: ");
    snprintf(want, sizeof want, "%s/en/verify_address.txt:1: the first line must be", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "ro/phrases.txt", "no_deadline =", "fara_termen =");
    snprintf(want, sizeof want, "%s/ro/phrases.txt:5: unknown phrase \"fara_termen\"", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "en/phrases.txt", "{{zone}}", "{{link}}");
    snprintf(want, sizeof want, "%s/en/phrases.txt:3: unknown placeholder {{link}}", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "ro/password_reset.txt", "Bună", "Bun\xe3");
    snprintf(want, sizeof want, "%s/ro/password_reset.txt:3: not UTF-8", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    /* An account mail's template with a placeholder it is not given (a
    ** token must never be guessed into a mail). */
    copy_shipped(&c);
    edit(&c, "ro/account_exists.txt", "{{forgot_link}}", "{{link}}");
    snprintf(want, sizeof want, "%s/ro/account_exists.txt:10: unknown placeholder {{link}} (this one knows: name, "
                                "email, login_link, forgot_link)", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    edit(&c, "en/phrases.txt", "signup_again =", "# signup_again =");
    snprintf(want, sizeof want, "%s/en/phrases.txt: phrase \"signup_again\" is missing", c.dir);
    refused(&c, GARANT_ECONFIG, want);
    remove_copy(&c);

    copy_shipped(&c);
    char path[200];
    snprintf(path, sizeof path, "%s/ro/staff_breach.txt", c.dir);
    unlink(path);
    snprintf(want, sizeof want, "%s/ro/staff_breach.txt:", c.dir);
    refused(&c, GARANT_EIO, want);
    remove_copy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_en), cmocka_unit_test(test_shipped_ro), cmocka_unit_test(test_admin_html),
        cmocka_unit_test(test_account_mails), cmocka_unit_test(test_broken),
    };
    return t_exit_status(cmocka_run_group_tests_name("mail templates", tests, NULL, NULL));
}
