/*
** account_mail.h - what the desk's account mails share (account_mail.c,
** unlock.c); the doors use desk.h's desk_mail_verification and the like.
*/
#ifndef GARANT_DESK_ACCOUNT_MAIL_H
#define GARANT_DESK_ACCOUNT_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"
#include "template.h"

/* template_name rendered in language with values, then built as
** desk_mail_prepare builds; the rendered text is wiped. Free out with
** desk_mail_item_free, also after a failure. */
int desk_mail_prepare_template(desk_mail_item *out, garant_desk *d, const char *to, const char *language,
                               const char *template_name, const garant_mail_value *values, size_t n_values);
/* An instant as the account mails write it: local wall time in the
** policy's display zone ("2026-11-28 11:00 CET"). Returns buf, which holds
** at least GARANT_TZ_LOCAL_LEN bytes. */
char *desk_mail_time(char *buf, size_t cap, garant_desk *d, int64_t utc_s);

#endif
