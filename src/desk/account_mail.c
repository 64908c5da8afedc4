/*
** account_mail.c - the mails of accounts (desk.h, desk_unlock.h): address
** verification, "this address has an account", password reset and the
** unlock link, each from its template (templates/mail, or the admin's
** folder: template.h) in the recipient's language: for a sign-up the one
** chosen in the browser (signups.language), else users.language. The
** texts hold the links' tokens, so every rendered copy is wiped.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "account_mail.h"
#include "desk.h"
#include "template.h"

char *desk_mail_time(char *buf, size_t cap, garant_desk *d, int64_t utc_s)
{
    const garant_calendar *cal = garant_policy_display_calendar(desk_policy_current(d, NULL));
    if (cal) return garant_tz_format_local(buf, cap, garant_calendar_tz(cal), utc_s);
    char at[GARANT_RFC3339_UTC_LEN];
    snprintf(buf, cap, "%s", garant_time_format_utc(at, utc_s));
    return buf;
}

int desk_mail_prepare_template(desk_mail_item *out, garant_desk *d, const char *to, const char *language,
                               const char *template_name, const garant_mail_value *values, size_t n_values)
{
    memset(out, 0, sizeof *out);
    garant_mail_rendered m;
    int rc = garant_mail_render(&m, desk_mail_templates(d), language, template_name, values, n_values);
    if (rc) return rc;
    rc = desk_mail_prepare(out, d, to, m.subject, m.text);
    sodium_memzero(m.text, strlen(m.text));
    garant_mail_rendered_free(&m);
    return rc;
}

int desk_mail_verification(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                           const char *language, const char *link, int64_t expires_at, int again)
{
    memset(out, 0, sizeof *out);
    char expires[GARANT_TZ_LOCAL_LEN], *again_text = NULL;
    desk_mail_time(expires, sizeof expires, d, expires_at);
    int rc = again ? garant_mail_render_phrase(&again_text, desk_mail_templates(d), language, "signup_again", NULL, 0)
                   : 0;
    if (rc) return rc;
    const garant_mail_value values[] = {{"name", name},
                                        {"email", to},
                                        {"link", link},
                                        {"expires", expires},
                                        {"again", again_text ? again_text : ""}};
    rc = desk_mail_prepare_template(out, d, to, language, "verify_address", values, sizeof values / sizeof values[0]);
    free(again_text);
    return rc;
}

int desk_mail_account_exists(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                             const char *language, const char *login_link, const char *forgot_link)
{
    const garant_mail_value values[] = {
        {"name", name}, {"email", to}, {"login_link", login_link}, {"forgot_link", forgot_link}};
    return desk_mail_prepare_template(out, d, to, language, "account_exists", values,
                                      sizeof values / sizeof values[0]);
}

int desk_mail_password_reset(desk_mail_item *out, garant_desk *d, const char *to, const char *name,
                             const char *language, const char *link, int64_t expires_at)
{
    char expires[GARANT_TZ_LOCAL_LEN];
    desk_mail_time(expires, sizeof expires, d, expires_at);
    const garant_mail_value values[] = {{"name", name}, {"email", to}, {"link", link}, {"expires", expires}};
    return desk_mail_prepare_template(out, d, to, language, "password_reset", values,
                                      sizeof values / sizeof values[0]);
}
