/*
** template.h - the mail texts, English and Romanian, as files an admin can
** change (issue 14).
**
** A folder (the repository's templates/mail, or an admin's own copy) holds
** one subfolder per language (en, ro), each with one file per template,
** <name>.txt, and phrases.txt:
**
**   <name>.txt    "Subject: ..." on the first line, a blank line, the body.
**   <name>.html   optional: an HTML body of the admin's; without it the
**                 HTML alternative is built from the text (compose.h).
**   phrases.txt   "key = text" lines: sentences the desk chooses between
**                 (a deadline, or why there is none) and passes to a
**                 template as a value, so a template needs no logic.
**
** A template has placeholders, {{name}}, and nothing else: no conditions,
** no loops. A line holding only a placeholder whose value is empty is left
** out (how an optional sentence disappears). Values are HTML-escaped in
** HTML and put in as they are in text.
**
** Loading checks everything once, so a broken folder is refused at start,
** not when a mail is due: every template and phrase present in every
** language, every placeholder known for its template, valid UTF-8, the
** Subject line. The error names the file and line.
*/
#ifndef GARANT_MAIL_TEMPLATE_H
#define GARANT_MAIL_TEMPLATE_H

#include <stddef.h>

#include "garant/service_error.h"

typedef struct garant_mail_templates garant_mail_templates;

/* One placeholder's value; borrowed for the call. */
typedef struct garant_mail_value {
    const char *name;
    const char *value;
} garant_mail_value;

/* A rendered mail. Caller owns; free with garant_mail_rendered_free. */
typedef struct garant_mail_rendered {
    char *subject; /* one line */
    char *text;    /* the plain body */
    char *html;    /* the admin's HTML body; NULL: build it from text */
} garant_mail_rendered;

/* The languages, "en" first (the fallback), NULL-terminated. */
extern const char *const garant_mail_languages[];

/* Load and check every template under dir. GARANT_ECONFIG with
** "FILE:LINE: what" in garant_error_last() for a broken template,
** GARANT_EIO for a missing or unreadable file. Caller owns *out; free with
** garant_mail_templates_free. */
int garant_mail_templates_load(garant_mail_templates **out, const char *dir);
void garant_mail_templates_free(garant_mail_templates *t);

/* Render template `name` in lang (an unknown language renders in English)
** with values. GARANT_ENOTFOUND for an unknown template, GARANT_EINVAL when
** a placeholder the template uses has no value. */
int garant_mail_render(garant_mail_rendered *out, const garant_mail_templates *t, const char *lang,
                       const char *name, const garant_mail_value *values, size_t n_values);
void garant_mail_rendered_free(garant_mail_rendered *r);

/* Render phrase `key` of phrases.txt, as garant_mail_render renders text.
** Caller owns *out; free with free(). */
int garant_mail_render_phrase(char **out, const garant_mail_templates *t, const char *lang, const char *key,
                              const garant_mail_value *values, size_t n_values);

#endif
