/*
** template.c - loading, checking and rendering the mail templates
** (template.h).
**
** Which templates exist and which placeholders each may use is the table
** below: adding a template is a row here and a file per language.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "compose.h"
#include "mail_internal.h"
#include "template.h"

/* Largest template or phrases file. */
#define MAX_FILE (64 * 1024)
/* Longest placeholder name. */
#define MAX_NAME 40

const char *const garant_mail_languages[] = {"en", "ro", NULL};
#define NLANG 2

typedef struct spec {
    const char *name;
    const char *const *placeholders; /* NULL-terminated */
} spec;

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

/* The mails of issue 14. promise is a phrase (deadline or no_deadline);
** mail_note the filed_by_mail phrase for a ticket that came by mail, or
** empty. Instants come formatted by the caller, in the zone they name. */
static const spec TEMPLATES[] = {
    {"ticket_received", LIST("name", "ticket", "subject", "priority", "promise", "mail_note", "link")},
    {"agent_reply", LIST("name", "ticket", "subject", "agent", "body", "link")},
    {"priority_changed",
     LIST("name", "ticket", "subject", "old_priority", "new_priority", "reason", "promise", "link")},
    {"solved", LIST("name", "ticket", "subject", "link")},
    /* The account mails (issue 14): again is the signup_again phrase for
    ** a second sign-up of an address waiting for confirmation, or empty. */
    {"verify_address", LIST("name", "email", "link", "expires", "again")},
    /* A sign-up of an address that has an account already. */
    {"account_exists", LIST("name", "email", "login_link", "forgot_link")},
    {"password_reset", LIST("name", "email", "link", "expires")},
    /* A login locked by failed passwords: the link lifts it (issue 13). */
    {"account_unlock", LIST("name", "email", "link", "expires")},
    {"staff_new_p1", LIST("ticket", "subject", "org", "requester", "promise", "link")},
    /* lateness: one of the phrases left/late(_business), the one figure. */
    {"staff_warning", LIST("ticket", "subject", "org", "priority", "deadline_cet", "lateness", "link")},
    {"staff_breach", LIST("ticket", "subject", "org", "priority", "deadline_cet", "lateness", "link")},
    /* An organization's members (issue 15, desk_members.h): a manager is
    ** told of a member waiting for approval; the member, of her approval. */
    {"member_pending", LIST("name", "member_name", "member_email", "org", "link")},
    {"member_approved", LIST("name", "org", "link")},
};
#define NTPL (sizeof TEMPLATES / sizeof TEMPLATES[0])

static const spec PHRASES[] = {
    /* The promised first response, in the customer's zone and in CET. */
    {"deadline", LIST("deadline_local", "zone", "deadline_cet")},
    /* Why there is no promised time (the plan or priority gives none). */
    {"no_deadline", LIST("reason")},
    /* A ticket that came by mail is filed at the default priority. */
    {"filed_by_mail", LIST("priority", "link")},
    /* The one lateness figure (garant_lateness_format) in words: span is
    ** garant_lateness_span's "29 h", business targets count open hours. */
    {"left", LIST("span")},
    {"left_business", LIST("span")},
    {"late", LIST("span")},
    {"late_business", LIST("span")},
    /* A sign-up of an address with other sign-ups waiting: which link
    ** sets which password. */
    {"signup_again", NONE},
};
#define NPHRASE (sizeof PHRASES / sizeof PHRASES[0])

struct garant_mail_templates {
    char *subject[NLANG][NTPL];
    char *text[NLANG][NTPL];
    char *html[NLANG][NTPL]; /* NULL: none */
    char *phrase[NLANG][NPHRASE];
};

/* Text is built in a mail_buf (mail_internal.h), whose failure sticks:
** the appends check nothing, and render checks the buffer once. */

/* ---- checking ---- */

static int utf8_ok(const char *s, size_t n, size_t *bad_at)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k;
        if (p[i] < 0x80) k = 1;
        else if ((p[i] & 0xe0) == 0xc0 && p[i] >= 0xc2) k = 2;
        else if ((p[i] & 0xf0) == 0xe0) k = 3;
        else if ((p[i] & 0xf8) == 0xf0 && p[i] <= 0xf4) k = 4;
        else k = 0;
        for (size_t j = 1; k && j < k; j++)
            if (i + j >= n || (p[i + j] & 0xc0) != 0x80) k = 0;
        if (!k) {
            *bad_at = i;
            return 0;
        }
        i += k;
    }
    return 1;
}

static size_t line_of(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) line += text[i] == '\n';
    return line;
}

static int known(const char *const *list, const char *name, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, name, n) == 0) return 1;
    return 0;
}

/* Every {{name}} in text is well-formed and in allowed. first_line: the
** file line text starts on. */
static int check_placeholders(const char *text, const char *const *allowed, const char *file, size_t first_line)
{
    for (const char *p = strstr(text, "{{"); p; p = strstr(p + 2, "{{")) {
        size_t line = first_line + line_of(text, (size_t)(p - text)) - 1;
        const char *name = p + 2;
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789");
        if (strncmp(name + n, "}}", 2) != 0)
            return garant__error(GARANT_ECONFIG, "%s:%zu: a placeholder must be {{name}}, in lowercase, on one line",
                                 file, line);
        if (n == 0 || n > MAX_NAME || !known(allowed, name, n)) {
            char list[400] = "";
            size_t used = 0;
            for (const char *const *a = allowed; *a && used < sizeof list; a++) {
                int k = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", *a);
                if (k < 0) break;
                used += (size_t)k;
            }
            return garant__error(GARANT_ECONFIG, "%s:%zu: unknown placeholder {{%.*s}} (this one knows: %s)", file,
                                 line, (int)(n > MAX_NAME ? MAX_NAME : n), name, list);
        }
        p = name + n;
    }
    return 0;
}

/* The file at path, whole and checked for UTF-8. Caller owns *out. */
static int read_text(char **out, const char *path)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return garant__error(GARANT_EIO, "%s: %s (every template is needed in every language)", path,
                                 strerror(errno));
    char *buf = malloc(MAX_FILE + 1);
    if (!buf) {
        fclose(f);
        return garant__error(GARANT_ENOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, MAX_FILE + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return garant__error(GARANT_EIO, "%s: read error", path);
    }
    if (n > MAX_FILE) {
        free(buf);
        return garant__error(GARANT_ECONFIG, "%s: larger than %d bytes", path, MAX_FILE);
    }
    buf[n] = '\0';
    size_t bad;
    if (memchr(buf, '\0', n) || !utf8_ok(buf, n, &bad)) {
        size_t at = memchr(buf, '\0', n) ? (size_t)((char *)memchr(buf, '\0', n) - buf) : bad;
        int rc = garant__error(GARANT_ECONFIG, "%s:%zu: not UTF-8 text", path, line_of(buf, at));
        free(buf);
        return rc;
    }
    /* CRLF files (edited on Windows) read as LF. */
    char *w = buf;
    for (char *r = buf; *r; r++)
        if (!(*r == '\r' && r[1] == '\n')) *w++ = *r;
    *w = '\0';
    *out = buf;
    return 0;
}

/* Split a template file: "Subject: ..." then a blank line then the body. */
static int load_template(garant_mail_templates *t, int lang, size_t i, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s.txt", dir, garant_mail_languages[lang], TEMPLATES[i].name);
    char *text;
    int rc = read_text(&text, path);
    if (rc) return rc;
    static const char prefix[] = "Subject:";
    size_t eol = strcspn(text, "\n");
    if (strncmp(text, prefix, sizeof prefix - 1) != 0) {
        rc = garant__error(GARANT_ECONFIG, "%s:1: the first line must be \"Subject: ...\"", path);
        goto done;
    }
    const char *subj = text + sizeof prefix - 1;
    subj += strspn(subj, " \t");
    size_t subj_len = (size_t)(text + eol - subj);
    while (subj_len && (subj[subj_len - 1] == ' ' || subj[subj_len - 1] == '\t')) subj_len--;
    if (subj_len == 0) {
        rc = garant__error(GARANT_ECONFIG, "%s:1: the subject is empty", path);
        goto done;
    }
    if (text[eol] != '\n' || text[eol + 1] != '\n') {
        rc = garant__error(GARANT_ECONFIG, "%s:2: a blank line must follow the Subject line", path);
        goto done;
    }
    const char *body = text + eol + 2;
    if (!*body) {
        rc = garant__error(GARANT_ECONFIG, "%s:3: the body is empty", path);
        goto done;
    }
    t->subject[lang][i] = malloc(subj_len + 1);
    t->text[lang][i] = garant__strdup(body);
    if (!t->subject[lang][i] || !t->text[lang][i]) {
        rc = garant__error(GARANT_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    memcpy(t->subject[lang][i], subj, subj_len);
    t->subject[lang][i][subj_len] = '\0';
    if ((rc = check_placeholders(t->subject[lang][i], TEMPLATES[i].placeholders, path, 1))) goto done;
    if ((rc = check_placeholders(body, TEMPLATES[i].placeholders, path, 3))) goto done;

    /* The admin's HTML body, when there is one. */
    snprintf(path, sizeof path, "%s/%s/%s.html", dir, garant_mail_languages[lang], TEMPLATES[i].name);
    if (access(path, F_OK) == 0) {
        if ((rc = read_text(&t->html[lang][i], path))) goto done;
        rc = check_placeholders(t->html[lang][i], TEMPLATES[i].placeholders, path, 1);
    }
done:
    free(text);
    return rc;
}

/* phrases.txt: "key = text" lines; blank lines and "#" comments skipped. */
static int load_phrases(garant_mail_templates *t, int lang, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/phrases.txt", dir, garant_mail_languages[lang]);
    char *text;
    int rc = read_text(&text, path);
    if (rc) return rc;
    size_t lineno = 0;
    for (char *p = text; *p;) {
        lineno++;
        char *line = p;
        size_t n = strcspn(p, "\n");
        p += n;
        if (*p) *p++ = '\0';
        char *s = line + strspn(line, " \t");
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = garant__error(GARANT_ECONFIG, "%s:%zu: want \"key = text\"", path, lineno);
            goto done;
        }
        char *kend = eq;
        while (kend > s && (kend[-1] == ' ' || kend[-1] == '\t')) kend--;
        size_t klen = (size_t)(kend - s);
        char *value = eq + 1 + strspn(eq + 1, " \t");
        size_t k = 0;
        while (k < NPHRASE && !(strlen(PHRASES[k].name) == klen && memcmp(PHRASES[k].name, s, klen) == 0)) k++;
        if (k == NPHRASE) {
            rc = garant__error(GARANT_ECONFIG, "%s:%zu: unknown phrase \"%.*s\"", path, lineno, (int)klen, s);
            goto done;
        }
        if (t->phrase[lang][k]) {
            rc = garant__error(GARANT_ECONFIG, "%s:%zu: phrase \"%s\" given twice", path, lineno, PHRASES[k].name);
            goto done;
        }
        if (!*value) {
            rc = garant__error(GARANT_ECONFIG, "%s:%zu: phrase \"%s\" is empty", path, lineno, PHRASES[k].name);
            goto done;
        }
        if ((rc = check_placeholders(value, PHRASES[k].placeholders, path, lineno))) goto done;
        if (!(t->phrase[lang][k] = garant__strdup(value))) {
            rc = GARANT_ENOMEM;
            goto done;
        }
    }
    for (size_t k = 0; k < NPHRASE; k++) {
        if (!t->phrase[lang][k]) {
            rc = garant__error(GARANT_ECONFIG, "%s: phrase \"%s\" is missing", path, PHRASES[k].name);
            goto done;
        }
    }
done:
    free(text);
    return rc;
}

int garant_mail_templates_load(garant_mail_templates **out, const char *dir)
{
    *out = NULL;
    garant_mail_templates *t = calloc(1, sizeof *t);
    if (!t) return garant__error(GARANT_ENOMEM, "mail templates: out of memory");
    int rc;
    for (int lang = 0; lang < NLANG; lang++) {
        for (size_t i = 0; i < NTPL; i++)
            if ((rc = load_template(t, lang, i, dir))) goto fail;
        if ((rc = load_phrases(t, lang, dir))) goto fail;
    }
    *out = t;
    return 0;

fail:
    garant_mail_templates_free(t);
    return rc;
}

void garant_mail_templates_free(garant_mail_templates *t)
{
    if (!t) return;
    for (int lang = 0; lang < NLANG; lang++) {
        for (size_t i = 0; i < NTPL; i++) {
            free(t->subject[lang][i]);
            free(t->text[lang][i]);
            free(t->html[lang][i]);
        }
        for (size_t k = 0; k < NPHRASE; k++) free(t->phrase[lang][k]);
    }
    free(t);
}

/* ---- rendering ---- */

static const char *value_of(const garant_mail_value *values, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i].name) == len && memcmp(values[i].name, name, len) == 0) return values[i].value;
    return NULL;
}

typedef enum { AS_TEXT, AS_HTML, AS_LINE } render_mode;

/* v onto b as mode wants it: 0, or the error of escaping it. */
static int put_value(mail_buf *b, const char *v, render_mode mode)
{
    if (mode == AS_HTML) {
        char *esc;
        int rc = garant_mail_html_escape(&esc, v);
        if (rc) return rc;
        mail_buf_adds(b, esc);
        free(esc);
        return 0;
    }
    if (mode == AS_LINE) { /* a subject is one line */
        for (const char *p = v; *p; p++) mail_buf_add(b, *p == '\n' || *p == '\r' ? " " : p, 1);
        return 0;
    }
    mail_buf_adds(b, v);
    return 0;
}

/* text with its placeholders filled. The template was checked at load, so
** every "{{" opens a well-formed placeholder. what names it in errors. */
static int render(char **out, const char *text, const garant_mail_value *values, size_t n, render_mode mode,
                  const char *what)
{
    mail_buf b = {0};
    int rc;
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        const char *next = line + len + (line[len] == '\n');
        /* A line of only a placeholder whose value is empty goes away. */
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "{{", 2) == 0) {
            size_t nlen = strcspn(s + 2, "}");
            const char *after = s + 2 + nlen + 2;
            const char *v = value_of(values, n, s + 2, nlen);
            if (v && !*v && after <= line + len && after + strspn(after, " \t") == line + len) {
                /* and with it one of the blank lines around it, so a
                ** sentence between two blank lines leaves one */
                line = next;
                if (*line == '\n' && (b.len == 0 || (b.len >= 2 && b.p[b.len - 1] == '\n' && b.p[b.len - 2] == '\n')))
                    line++;
                continue;
            }
        }
        const char *p = line, *end = line + len;
        while (p < end) {
            const char *open = strstr(p, "{{");
            if (!open || open >= end) {
                mail_buf_add(&b, p, (size_t)(end - p));
                break;
            }
            mail_buf_add(&b, p, (size_t)(open - p));
            size_t nlen = strcspn(open + 2, "}");
            const char *v = value_of(values, n, open + 2, nlen);
            if (!v) {
                rc = garant__error(GARANT_EINVAL, "%s: no value for {{%.*s}}", what, (int)nlen, open + 2);
                goto fail;
            }
            if ((rc = put_value(&b, v, mode))) goto fail;
            p = open + 2 + nlen + 2;
        }
        if (line[len] == '\n') mail_buf_addc(&b, '\n');
        line = next;
    }
    if (!(*out = mail_buf_take(&b, NULL))) return garant__error(GARANT_ENOMEM, "mail templates: out of memory");
    return 0;

fail:
    mail_buf_free(&b);
    *out = NULL;
    return rc;
}

static int lang_index(const char *lang)
{
    for (int i = 0; lang && garant_mail_languages[i]; i++)
        if (strcmp(lang, garant_mail_languages[i]) == 0) return i;
    return 0;
}

int garant_mail_render(garant_mail_rendered *out, const garant_mail_templates *t, const char *lang,
                       const char *name, const garant_mail_value *values, size_t n_values)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < NTPL && strcmp(TEMPLATES[i].name, name) != 0) i++;
    if (i == NTPL) return garant__error(GARANT_ENOTFOUND, "mail templates: no template \"%s\"", name);
    int l = lang_index(lang);
    char what[120];
    snprintf(what, sizeof what, "mail template %s/%s", garant_mail_languages[l], name);
    int rc;
    if ((rc = render(&out->subject, t->subject[l][i], values, n_values, AS_LINE, what))) goto fail;
    if ((rc = render(&out->text, t->text[l][i], values, n_values, AS_TEXT, what))) goto fail;
    if (t->html[l][i] && (rc = render(&out->html, t->html[l][i], values, n_values, AS_HTML, what))) goto fail;
    return 0;

fail:
    garant_mail_rendered_free(out);
    return rc;
}

void garant_mail_rendered_free(garant_mail_rendered *r)
{
    if (!r) return;
    free(r->subject);
    free(r->text);
    free(r->html);
    memset(r, 0, sizeof *r);
}

int garant_mail_render_phrase(char **out, const garant_mail_templates *t, const char *lang, const char *key,
                              const garant_mail_value *values, size_t n_values)
{
    *out = NULL;
    size_t k = 0;
    while (k < NPHRASE && strcmp(PHRASES[k].name, key) != 0) k++;
    if (k == NPHRASE) return garant__error(GARANT_ENOTFOUND, "mail templates: no phrase \"%s\"", key);
    int l = lang_index(lang);
    char what[120];
    snprintf(what, sizeof what, "mail phrase %s/%s", garant_mail_languages[l], key);
    return render(out, t->phrase[l][k], values, n_values, AS_TEXT, what);
}
