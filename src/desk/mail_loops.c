/*
** mail_loops.c - loop guards and bounces of the mail channel
** (desk_mail_loops.h): the desk's one "Name <addr>" parser, the per-address
** rate limit of automatic answers, and marking addresses that bounce.
*/
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_mail_loops.h"
#include "token.h"

int desk_address_of(char *out, size_t cap, const char *text, int lower)
{
    if (cap) out[0] = '\0';
    if (!text) return garant__error(GARANT_EINVAL, "no address");
    const char *lt = strrchr(text, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    const char *a = lt && gt ? lt + 1 : text;
    size_t n = lt && gt ? (size_t)(gt - lt - 1) : strlen(text);
    while (n && (*a == ' ' || *a == '\t')) a++, n--;
    while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\r' || a[n - 1] == '\n')) n--;
    if (n == 0 || n >= cap || !memchr(a, '@', n))
        return garant__error(GARANT_EINVAL, "not a usable address: '%.80s'", text);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(lower && a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
    out[n] = '\0';
    return 0;
}

/* The limit in force: desk_options.autoreply_max (negative: none allowed;
** 0: the default). */
static int autoreply_max(garant_desk *d)
{
    int max = desk_options_of(d)->autoreply_max;
    return max < 0 ? 0 : max == 0 ? DESK_AUTOREPLY_MAX : max;
}

int desk_autoreply_take(int *out_allowed, garant_store_conn *w, garant_desk *d, const char *address,
                        int64_t now_s)
{
    *out_allowed = 0;
    char lower[256];
    if (desk_address_of(lower, sizeof lower, address, 1) != 0) {
        garant__error_clear();
        return 0; /* nobody to answer */
    }
    return GS(w)->inbound->autoreply_take(w, lower, now_s, now_s - DESK_AUTOREPLY_WINDOW_S + 1, autoreply_max(d),
                                          out_allowed);
}

typedef struct autoreply_job {
    garant_desk *d;
    const char *address;
    int64_t now_s;
    int allowed;
} autoreply_job;

static int autoreply_write(garant_store_conn *w, void *ctx)
{
    autoreply_job *j = ctx;
    return desk_autoreply_take(&j->allowed, w, j->d, j->address, j->now_s);
}

int desk_autoreply_allowed(garant_desk *d, const char *address, int64_t now_s)
{
    autoreply_job j = {d, address, now_s, 0};
    int rc = desk_write(d, autoreply_write, &j, DESK_WRITE_SAVEPOINT);
    return rc ? rc : j.allowed;
}

typedef struct bounce_job {
    const char *recipient; /* lower case */
    const char *message_id;
    const char *reason;
    int64_t now_s;
    int signed_ours;       /* the Message-ID verified under the mail key */
    int64_t user_id;
} bounce_job;

static int bounce_write(garant_store_conn *w, void *ctx)
{
    bounce_job *j = ctx;
    int ours = j->signed_ours;
    int rc = ours ? 0 : GS(w)->inbound->sent_to(w, j->message_id, j->recipient, &ours);
    if (rc || !ours) return rc;
    return GS(w)->inbound->bounce_set(w, j->recipient, j->now_s, j->reason, &j->user_id);
}

int desk_bounce_record(int64_t *out_user_id, garant_desk *d, const char *recipient, const char *message_id,
                       const char *reason, int64_t now_s)
{
    *out_user_id = 0;
    char lower[256], domain[256];
    if (!message_id || !message_id[0] || desk_address_of(lower, sizeof lower, recipient, 1) != 0) {
        garant__error_clear();
        return 0;
    }
    bounce_job j = {lower, message_id, reason, now_s, 0, 0};
    const unsigned char *key = desk_mail_key(d);
    const char *at = strrchr(desk_support_address(d), '@');
    snprintf(domain, sizeof domain, "%s", at ? at + 1 : "");
    int64_t t, ev;
    if (key && domain[0] && garant_mail_message_id_verify(&t, &ev, key, domain, message_id) == 0) j.signed_ours = 1;
    garant__error_clear();
    int rc = desk_write(d, bounce_write, &j, DESK_WRITE_SAVEPOINT);
    if (!rc) *out_user_id = j.user_id;
    return rc;
}

typedef struct clear_job {
    int64_t user_id;
} clear_job;

static int clear_write(garant_store_conn *w, void *ctx)
{
    clear_job *j = ctx;
    return GS(w)->inbound->bounce_clear(w, j->user_id);
}

int desk_bounce_clear(garant_desk *d, int64_t user_id)
{
    clear_job j = {user_id};
    return desk_write(d, clear_write, &j, DESK_WRITE_ONE_STATEMENT);
}
