/*
** unlock.c - the mailed link that lifts a locked login (desk_unlock.h).
*/
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "account_mail.h"
#include "link_token.h"
#include "desk_unlock.h"

int desk_unlock_offer_prepare(desk_unlock_offer *out, garant_desk *d, const char *email, const char *name,
                              const char *language, const char *base_url, int64_t now)
{
    memset(out, 0, sizeof *out);
    snprintf(out->email, sizeof out->email, "%s", email);
    out->now = now;
    char token[44], link[1024], expires[GARANT_TZ_LOCAL_LEN];
    desk_token_new(token, out->token_hash); /* as the other links' tokens */
    snprintf(link, sizeof link, "%s/unlock?token=%s", base_url, token);
    sodium_memzero(token, sizeof token);
    desk_mail_time(expires, sizeof expires, d, now + DESK_UNLOCK_TTL_S);
    const garant_mail_value values[] = {{"name", name}, {"email", email}, {"link", link}, {"expires", expires}};
    int rc = desk_mail_prepare_template(&out->mail, d, email, language, "account_unlock", values,
                                        sizeof values / sizeof values[0]);
    sodium_memzero(link, sizeof link);
    out->ready = rc == 0;
    return rc;
}

int desk_unlock_offer_queue(garant_store_conn *w, desk_unlock_offer *o)
{
    if (!o->ready) return 0;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    garant_user u;
    int rc = a->user_by_email(w, o->email, &u);
    if (rc == GARANT_ENOTFOUND) return 0;
    if (rc) return rc;
    if (!u.verified_at || u.deactivated_at) return 0;
    char key[GARANT_MAX_EMAIL + 8];
    snprintf(key, sizeof key, "unlock:%s", o->email);
    int count = 0;
    if ((rc = a->throttle_record(w, key, o->now, 3600, &count))) return rc;
    if (count > DESK_UNLOCK_MAILS_PER_HOUR) return 0;
    if ((rc = a->token_insert(w, GARANT_TOKEN_UNLOCK, u.id, o->token_hash, o->now + DESK_UNLOCK_TTL_S))) return rc;
    if ((rc = desk_mail_enqueue(w, &o->mail))) return rc;
    o->queued = 1;
    return 0;
}

void desk_unlock_offer_free(desk_unlock_offer *o)
{
    if (o->mail.raw) sodium_memzero(o->mail.raw, o->mail.raw_len);
    desk_mail_item_free(&o->mail);
    o->ready = 0;
}

typedef struct unlock_job {
    const uint8_t *hash;
    int64_t now;
} unlock_job;

static int unlock_write(garant_store_conn *w, void *arg)
{
    unlock_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int64_t uid = 0;
    int rc = a->token_consume(w, GARANT_TOKEN_UNLOCK, j->hash, j->now, &uid);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "this unlock link is not valid: it was used already, has expired (links "
                                            "last 1 hour) or is mistyped");
    if (rc) return rc;
    garant_user u;
    if ((rc = a->user_get(w, uid, &u))) return rc;
    char prefix[GARANT_MAX_EMAIL + 8];
    snprintf(prefix, sizeof prefix, "login:%s|", u.email);
    return a->throttle_clear_prefix(w, prefix);
}

int desk_unlock(garant_desk *d, const uint8_t token_hash[32], int64_t now)
{
    unlock_job j = {token_hash, now};
    return desk_write(d, unlock_write, &j, DESK_WRITE_SAVEPOINT);
}
