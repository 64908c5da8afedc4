/*
** accounts.c - sign-up and the confirmation of an address, login,
** password reset and logout (desk_accounts.h): the limits on sign-ups and
** failed logins, the sign-up's row, link and mail, the account a
** confirmed link makes with the organization of its domain, sessions, and
** the reset link's mail and use.
*/
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk_accounts.h"
#include "desk_members.h"
#include "desk_unlock.h"
#include "freemail.h"
#include "link_token.h"

/* The address lower-cased, for lookups and throttle keys (no syntax check:
** a malformed address is simply one without an account). */
static void lower_email(char out[GARANT_MAX_EMAIL + 1], const char *in)
{
    size_t i = 0;
    for (; i < GARANT_MAX_EMAIL && in[i]; i++)
        out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    out[i] = '\0';
}

int desk_signup_address(char *out, size_t cap, garant_desk *d, const char *email)
{
    const char *domain;
    int rc = desk_email_normalize(out, cap, &domain, email);
    if (rc) return rc;
    const char *free_part = desk_freemail_match(d, domain);
    if (free_part)
        return garant__error(GARANT_EINVAL, "sign up with your company e-mail address; %s is a free mail provider",
                             free_part);
    return 0;
}

/* ---- the limits ----------------------------------------------------------- */

typedef struct admit_job {
    const char *address_key; /* in: "signup:EMAIL" */
    const char *client_key;  /* in: "signup-ip:IP" */
    int64_t now;             /* in */
    int refused;             /* out: the client address is over its limit */
    int mails;               /* out: sign-ups of the address in the window, this one included */
} admit_job;

/* A refused sign-up is not recorded, so a client that keeps trying gets
** in again once its older sign-ups leave the window: within the hour
** Retry-After names. */
static int admit_write(garant_store_conn *w, void *arg)
{
    admit_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int count = 0;
    int rc = a->throttle_count(w, j->client_key, j->now, DESK_SIGNUP_WINDOW_S, &count);
    if (rc) return rc;
    if (count >= DESK_SIGNUP_PER_CLIENT_PER_HOUR) {
        j->refused = 1;
        return 0;
    }
    if ((rc = a->throttle_record(w, j->client_key, j->now, DESK_SIGNUP_WINDOW_S, &count))) return rc;
    return a->throttle_record(w, j->address_key, j->now, DESK_SIGNUP_WINDOW_S, &j->mails);
}

int desk_signup_admit(int *out_quiet, int *out_retry_s, garant_desk *d, const char *email, const char *client_ip,
                      int64_t now)
{
    *out_quiet = 0;
    *out_retry_s = 0;
    char address_key[GARANT_MAX_EMAIL + 8], client_key[80];
    snprintf(address_key, sizeof address_key, "signup:%s", email);
    snprintf(client_key, sizeof client_key, "signup-ip:%s", client_ip ? client_ip : "unknown");
    admit_job j = {address_key, client_key, now, 0, 0};
    int rc = desk_write(d, admit_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) return rc;
    if (j.refused) {
        *out_retry_s = DESK_SIGNUP_WINDOW_S;
        return garant__error(GARANT_ETHROTTLED, "too many sign-ups from your IP address (at most %d an hour); try "
                                                "again in an hour", DESK_SIGNUP_PER_CLIENT_PER_HOUR);
    }
    /* Over the address's limit: the same answer, and no mail, no account
    ** and no token. Skipping the rest shows only that this address was
    ** signed up often lately, which the caller knows, not whether it has
    ** an account. */
    *out_quiet = j.mails > DESK_SIGNUP_MAILS_PER_HOUR;
    return 0;
}

/* ---- sign-up -------------------------------------------------------------- */

typedef struct signup_job {
    garant_signup signup;       /* in: email, name, password_hash, created_at, expires_at */
    uint8_t token_hash[32];     /* in */
    const desk_mail_item *mail; /* in: queued with the sign-up, in its transaction */
    const char *language;       /* in: NULL if not given */
} signup_job;

/* A sign-up of an address without a confirmed account waits as its own
** row with its own link and password: it owns nothing yet. The write
** decides again what to do (an address confirmed in between keeps its
** account, and this link then finds nothing to confirm). */
static int signup_write(garant_store_conn *w, void *arg)
{
    signup_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    garant_user old;
    int rc = a->user_by_email(w, j->signup.email, &old);
    if (rc && rc != GARANT_ENOTFOUND) return rc;
    int pending = !(rc == 0 && old.verified_at);
    if (pending && (rc = a->signup_insert(w, &j->signup, j->token_hash))) return rc;
    /* The account made from it takes the language (verify_write). */
    if (pending && j->language && (rc = GS(w)->notify->signup_set_language(w, j->signup.id, j->language)))
        return rc;
    return desk_mail_enqueue(w, j->mail);
}

/* The verification mail of a sign-up, in the language chosen in the
** browser (English if none); again: the address has other sign-ups
** waiting. Free with desk_mail_item_free. */
static int mail_verification(desk_mail_item *out, garant_desk *d, const signup_job *j, const char *token, int again)
{
    char link[1024];
    snprintf(link, sizeof link, "%s/verify?token=%s", desk_base_url(d), token);
    int rc = desk_mail_verification(out, d, j->signup.email, j->signup.name, j->language ? j->language : "en", link,
                                    j->signup.expires_at, again);
    sodium_memzero(link, sizeof link);
    return rc;
}

/* The mail to an address that has an account, in the account's language,
** to its name: no link that changes anything. */
static int mail_exists(desk_mail_item *out, garant_desk *d, const garant_user *u)
{
    char login_link[600], forgot_link[600];
    snprintf(login_link, sizeof login_link, "%s/login", desk_base_url(d));
    snprintf(forgot_link, sizeof forgot_link, "%s/forgot", desk_base_url(d));
    return desk_mail_account_exists(out, d, u->email, u->name, u->language, login_link, forgot_link);
}

int desk_signup(garant_desk *d, garant_store_conn *c, const desk_signup_in *in)
{
    signup_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.signup.email, sizeof j.signup.email, "%s", in->email);
    snprintf(j.signup.name, sizeof j.signup.name, "%s", in->name);
    snprintf(j.signup.password_hash, sizeof j.signup.password_hash, "%s", in->password_hash);
    j.signup.created_at = in->now;
    j.signup.expires_at = in->now + DESK_VERIFY_TTL_S;
    j.language = in->language;
    /* The mail is built before the write and queued in its transaction
    ** (the outbox sends it after the answer): both or neither. */
    garant_user old;
    garant_signup pending;
    int rc = GS(c)->accounts->user_by_email(c, j.signup.email, &old);
    if (rc && rc != GARANT_ENOTFOUND) return rc;
    int exists = rc == 0;
    if (!exists) {
        rc = GS(c)->accounts->signup_latest(c, j.signup.email, in->now, &pending);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        exists = rc == 0;
        old.verified_at = 0;
    }
    char token[44];
    desk_token_new(token, j.token_hash);
    desk_mail_item mail;
    rc = exists && old.verified_at ? mail_exists(&mail, d, &old) : mail_verification(&mail, d, &j, token, exists);
    sodium_memzero(token, sizeof token);
    if (rc) goto out;
    j.mail = &mail;
    if ((rc = desk_write(d, signup_write, &j, DESK_WRITE_SAVEPOINT))) goto out;
    desk_mail_wake(d);
out:
    if (mail.raw) sodium_memzero(mail.raw, mail.raw_len);
    desk_mail_item_free(&mail);
    sodium_memzero(j.signup.password_hash, sizeof j.signup.password_hash);
    return rc;
}

const char *desk_signup_plan(garant_desk *d)
{
    const garant_policy *pol = desk_policy_current(d, NULL);
    size_t n = garant_policy_plan_count(pol);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(garant_policy_plan_name(pol, i), "basic")) return "basic";
    return n ? garant_policy_plan_name(pol, 0) : "basic";
}

/* ---- confirmation ----------------------------------------------------------- */

typedef struct verify_job {
    const uint8_t *hash;
    int64_t now;
    const char *plan;  /* in: the plan of an organization created for the domain */
    garant_desk *desk; /* in */
    garant_user user;  /* out */
    int mailed;        /* out: managers mailed about her waiting for approval */
} verify_job;

/* The organization of a domain, creating it if it has none. Runs when an
** address is confirmed, never at sign-up: an unconfirmed address claims
** no domain (an admin's POST /orgs for it must not meet a 409). */
static int org_for_domain(garant_store_conn *w, const char *domain, const char *plan, int64_t now, int64_t *out_id)
{
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int rc = a->domain_org(w, domain, out_id);
    if (rc != GARANT_ENOTFOUND) return rc;
    garant_org org;
    memset(&org, 0, sizeof org);
    snprintf(org.plan, sizeof org.plan, "%s", plan);
    org.created_at = now;
    /* Named after the domain; should an admin have used that name for
    ** another organization, "example.com (2)" and so on. */
    for (int n = 1; n <= 20; n++) {
        if (n == 1)
            snprintf(org.name, sizeof org.name, "%s", domain);
        else
            snprintf(org.name, sizeof org.name, "%s (%d)", domain, n);
        rc = a->org_insert(w, &org);
        if (rc != GARANT_ECONFLICT) break;
    }
    if (rc) return rc;
    if ((rc = a->domain_add(w, org.id, domain))) return rc;
    *out_id = org.id;
    return 0;
}

/* The link's own sign-up becomes the account, with the password chosen in
** it; every other sign-up of the address goes (signup_take). The
** organization of the domain, created if none, is joined now: the one an
** admin set up meanwhile, if any. An account that exists already keeps
** its password: a confirmed one because its owner proved the mailbox
** before, an unconfirmed one from before schema version 8 because this is
** its owner's link. A new member of an organization that approves its
** members waits for a manager (desk_member_joined). */
static int verify_write(garant_store_conn *w, void *arg)
{
    verify_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    garant_signup su;
    char language[8];
    int rc = GS(w)->notify->signup_language(w, j->hash, language);
    if (!rc) rc = a->signup_take(w, j->hash, j->now, &su);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "this confirmation link is not valid: it was used already, has expired "
                                            "(links last 24 hours), another link of the address was used, or it "
                                            "is mistyped; sign up again for a new one");
    if (rc) return rc;
    rc = a->user_by_email(w, su.email, &j->user);
    if (rc == 0) {
        if (j->user.verified_at) return 0;
        if ((rc = a->user_set_password(w, j->user.id, su.password_hash))) return rc;
        if ((rc = a->user_set_verified(w, j->user.id, j->now))) return rc;
        j->user.verified_at = j->now;
        return 0;
    }
    if (rc != GARANT_ENOTFOUND) return rc;
    const char *domain = strchr(su.email, '@');
    if (!domain || !domain[1]) return garant__error(GARANT_ESTORE, "sign-up %lld: malformed address", (long long)su.id);
    garant_user *u = &j->user;
    memset(u, 0, sizeof *u);
    snprintf(u->email, sizeof u->email, "%s", su.email);
    snprintf(u->name, sizeof u->name, "%s", su.name);
    snprintf(u->password_hash, sizeof u->password_hash, "%s", su.password_hash);
    u->role = GARANT_ROLE_CUSTOMER;
    u->created_at = u->verified_at = j->now;
    if ((rc = org_for_domain(w, domain + 1, j->plan, j->now, &u->org_id))) return rc;
    if ((rc = a->user_insert(w, u))) return rc;
    if ((rc = desk_member_joined(&j->mailed, w, j->desk, u))) return rc;
    /* The language chosen in the browser at sign-up, if any. */
    if (language[0] && (rc = GS(w)->notify->prefs_set(w, u->id, language, NULL))) return rc;
    /* A deactivated organization's new user is deactivated with it, and
    ** comes back with it (admin_ops.h). */
    int64_t off = 0;
    if ((rc = GS(w)->admin->org_deactivated_at(w, u->org_id, &off)) || !off) return rc;
    u->deactivated_at = off;
    return GS(w)->admin->user_deactivate_with_org(w, u->id, off);
}

int desk_verify(garant_user *out, garant_desk *d, const uint8_t token_hash[32], int64_t now)
{
    verify_job j;
    memset(&j, 0, sizeof j);
    j.hash = token_hash;
    j.now = now;
    j.plan = desk_signup_plan(d);
    j.desk = d;
    int rc = desk_write(d, verify_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) return rc;
    if (j.mailed) desk_mail_wake(d);
    *out = j.user;
    sodium_memzero(out->password_hash, sizeof out->password_hash);
    return 0;
}

/* ---- password reset ----------------------------------------------------------- */

typedef struct forgot_job {
    const char *email;
    const char *throttle_key;
    uint8_t token_hash[32];
    int64_t now;
    const desk_mail_item *mail; /* the reset mail, built for every request;
                                ** NULL if the address cannot take one */
    int send;                   /* out: the link is mailed */
} forgot_job;

/* One throttle record for every request; the token and the mail's row for
** a confirmed account within the hour's mails. */
static int forgot_write(garant_store_conn *w, void *arg)
{
    forgot_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int count = 0;
    int rc = a->throttle_record(w, j->throttle_key, j->now, 3600, &count);
    if (rc) return rc;
    garant_user u;
    rc = j->email[0] ? a->user_by_email(w, j->email, &u) : GARANT_ENOTFOUND;
    if (rc == GARANT_ENOTFOUND) return 0;
    if (rc) return rc;
    if (!u.verified_at || count > DESK_RESET_MAILS_PER_HOUR || !j->mail) return 0;
    j->send = 1;
    rc = a->token_insert(w, GARANT_TOKEN_RESET, u.id, j->token_hash, j->now + DESK_RESET_TTL_S);
    return rc ? rc : desk_mail_enqueue(w, j->mail);
}

int desk_password_forgot(garant_desk *d, garant_store_conn *c, const char *typed, int64_t now)
{
    char email[GARANT_MAX_EMAIL + 1], key[GARANT_MAX_EMAIL + 8], token[44], link[1024];
    lower_email(email, typed);
    snprintf(key, sizeof key, "reset:%s", email);
    forgot_job j;
    memset(&j, 0, sizeof j);
    j.email = email;
    j.throttle_key = key;
    j.now = now;
    /* The mail in the account's language, to its name; an address without
    ** an account gets none, but its mail is built all the same. */
    garant_user u;
    int rc = email[0] ? GS(c)->accounts->user_by_email(c, email, &u) : GARANT_ENOTFOUND;
    if (rc && rc != GARANT_ENOTFOUND) return rc;
    int known = rc == 0;
    desk_token_new(token, j.token_hash);
    snprintf(link, sizeof link, "%s/reset?token=%s", desk_base_url(d), token);
    sodium_memzero(token, sizeof token);
    desk_mail_item mail;
    if (desk_mail_password_reset(&mail, d, email, known ? u.name : email, known ? u.language : "en", link,
                                 now + DESK_RESET_TTL_S) == 0)
        j.mail = &mail;
    else
        garant__error_clear();
    sodium_memzero(link, sizeof link);
    rc = desk_write(d, forgot_write, &j, DESK_WRITE_SAVEPOINT);
    if (j.mail) sodium_memzero(mail.raw, mail.raw_len);
    desk_mail_item_free(&mail);
    if (!rc && j.send) desk_mail_wake(d);
    return rc;
}

typedef struct reset_job {
    const uint8_t *hash;
    const char *password_hash;
    int64_t now;
    int64_t user_id; /* out: whose sessions ended */
} reset_job;

static int reset_write(garant_store_conn *w, void *arg)
{
    reset_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int64_t uid = 0;
    int rc = a->token_consume(w, GARANT_TOKEN_RESET, j->hash, j->now, &uid);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "this reset link is not valid: it was used already, has expired (links "
                                            "last 1 hour) or is mistyped; ask for a new one");
    if (rc) return rc;
    garant_user u;
    if ((rc = a->user_get(w, uid, &u))) return rc;
    if ((rc = a->user_set_password(w, uid, j->password_hash))) return rc;
    if ((rc = a->session_revoke_user(w, uid, j->now))) return rc;
    j->user_id = uid;
    /* The mailbox is proven again: earlier failed logins of the account,
    ** from every address, no longer count. */
    char prefix[GARANT_MAX_EMAIL + 8];
    snprintf(prefix, sizeof prefix, "login:%s|", u.email);
    return a->throttle_clear_prefix(w, prefix);
}

int desk_password_reset(garant_desk *d, const uint8_t token_hash[32], const char *password_hash, int64_t now)
{
    reset_job j = {token_hash, password_hash, now, 0};
    int rc = desk_write(d, reset_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) return rc;
    desk_forget_user_sessions(d, j.user_id);
    return 0;
}

/* ---- login -------------------------------------------------------------------- */

/* How long a pair with `failures` failures, the newest at last_at, waits
** before its next try, from now (seconds; 0: it may try). */
static int64_t pair_wait_s(int failures, int64_t last_at, int64_t now)
{
    if (failures <= DESK_PAIR_FREE_FAILURES) return 0;
    int64_t delay = DESK_PAIR_DELAY_S;
    for (int i = DESK_PAIR_FREE_FAILURES + 1; i < failures && delay < DESK_PAIR_DELAY_MAX_S; i++) delay *= 2;
    if (delay > DESK_PAIR_DELAY_MAX_S) delay = DESK_PAIR_DELAY_MAX_S;
    return last_at + delay > now ? last_at + delay - now : 0;
}

int desk_login_begin(desk_login *lg, int *out_retry_s, garant_desk *d, garant_store_conn *c, const char *email,
                     const char *client_ip, int64_t now)
{
    (void)d;
    memset(lg, 0, sizeof *lg);
    *out_retry_s = 0;
    const char *ip = client_ip ? client_ip : "unknown";
    lower_email(lg->email, email);
    snprintf(lg->pair_key, sizeof lg->pair_key, "login:%s|%s", lg->email, ip);
    snprintf(lg->address_key, sizeof lg->address_key, "ip:%s", ip);
    lg->now = now;
    const garant_store_accounts_ops *a = GS(c)->accounts;
    int failures_address = 0;
    int64_t last_at = 0;
    int rc;
    if (lg->email[0] &&
        (rc = a->throttle_recent(c, lg->pair_key, now, DESK_PAIR_WINDOW_S, &lg->failures_pair, &last_at)))
        return rc;
    if ((rc = a->throttle_count(c, lg->address_key, now, DESK_THROTTLE_WINDOW_S, &failures_address))) return rc;
    int64_t wait_s = pair_wait_s(lg->failures_pair, last_at, now);
    if (failures_address >= DESK_THROTTLE_MAX_ADDRESS && wait_s < DESK_THROTTLE_WINDOW_S)
        wait_s = DESK_THROTTLE_WINDOW_S;
    if (wait_s > 0) {
        *out_retry_s = (int)wait_s;
        return garant__error(GARANT_ETHROTTLED, "too many failed logins from your address; try again in %lld seconds",
                             (long long)wait_s);
    }
    if (lg->email[0]) {
        rc = a->user_by_email(c, lg->email, &lg->user);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        lg->found = rc == 0;
    }
    if (lg->email[0] && !lg->found) {
        rc = a->signup_latest(c, lg->email, now, &lg->pending);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        lg->found_pending = rc == 0;
    }
    /* A sign-up waiting for its link: one hash, as for everyone else. */
    lg->hash = lg->found ? lg->user.password_hash : lg->found_pending ? lg->pending.password_hash : NULL;
    return 0;
}

typedef struct fail_job {
    const char *pair_key;     /* NULL for a login without an address */
    const char *address_key;
    int64_t now;
    desk_unlock_offer *offer; /* the unlock link, if this failure may lock */
} fail_job;

/* The failure that first makes its pair wait offers the owner the
** unlock link: once a lock, as later failures count past it. */
static int fail_write(garant_store_conn *w, void *arg)
{
    fail_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int count = 0;
    int rc = j->pair_key ? a->throttle_record(w, j->pair_key, j->now, DESK_PAIR_WINDOW_S, &count) : 0;
    if (rc) return rc;
    if (j->offer && count == DESK_PAIR_FREE_FAILURES + 1 && (rc = desk_unlock_offer_queue(w, j->offer))) return rc;
    return a->throttle_record(w, j->address_key, j->now, DESK_THROTTLE_WINDOW_S, &count);
}

int desk_login_failed(garant_desk *d, const desk_login *lg)
{
    fail_job f = {lg->email[0] ? lg->pair_key : NULL, lg->address_key, lg->now, NULL};
    /* Built for known and unknown addresses alike; the write decides. */
    desk_unlock_offer offer;
    memset(&offer, 0, sizeof offer);
    if (lg->email[0] && lg->failures_pair == DESK_PAIR_FREE_FAILURES &&
        desk_unlock_offer_prepare(&offer, d, lg->email, lg->found ? lg->user.name : lg->email,
                                  lg->found ? lg->user.language : "en", desk_base_url(d), lg->now) == 0)
        f.offer = &offer;
    int rc = desk_write(d, fail_write, &f, DESK_WRITE_SAVEPOINT);
    if (!rc && offer.queued) desk_mail_wake(d);
    desk_unlock_offer_free(&offer);
    if (rc) return rc;
    return garant__error(GARANT_EAUTH, "wrong e-mail or password");
}

typedef struct login_job {
    garant_session session;
    const char *pair_key;
    int64_t user_id;
    const char *new_hash; /* rehashed password, or NULL */
} login_job;

static int login_write(garant_store_conn *w, void *arg)
{
    login_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int rc = a->throttle_clear(w, j->pair_key);
    if (rc) return rc;
    if (j->new_hash && (rc = a->user_set_password(w, j->user_id, j->new_hash))) return rc;
    return a->session_insert(w, &j->session);
}

int desk_login_open(garant_session *out, char token[44], garant_desk *d, const desk_login *lg, const char *new_hash)
{
    token[0] = '\0';
    /* Only someone who knows the password learns that the account exists
    ** and waits for confirmation. */
    if (lg->found_pending || !lg->found || !lg->user.verified_at)
        return garant__error(GARANT_EPERM,
                             "verify your e-mail address first: open the link in the mail we sent when you signed up");
    if (lg->user.deactivated_at)
        return garant__error(GARANT_EPERM, "this account has been deactivated; ask the support desk to reactivate it");
    login_job j;
    memset(&j, 0, sizeof j);
    j.new_hash = new_hash;
    desk_token_new(token, j.session.token_hash);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(j.session.csrf, sizeof j.session.csrf, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    j.session.user_id = lg->user.id;
    j.session.created_at = lg->now;
    j.session.expires_at = lg->now + DESK_SESSION_TTL_S;
    j.pair_key = lg->pair_key;
    j.user_id = lg->user.id;
    int rc = desk_write(d, login_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) {
        sodium_memzero(token, 44);
        return rc;
    }
    *out = j.session;
    return 0;
}

/* ---- sessions ------------------------------------------------------------------ */

typedef struct logout_job {
    const uint8_t *hash;
    int64_t now;
} logout_job;

static int logout_write(garant_store_conn *w, void *arg)
{
    logout_job *j = arg;
    return GS(w)->accounts->session_revoke(w, j->hash, j->now);
}

int desk_logout(garant_desk *d, const uint8_t token_hash[32], int64_t now)
{
    logout_job j = {token_hash, now};
    int rc = desk_write(d, logout_write, &j, DESK_WRITE_SAVEPOINT);
    if (rc) return rc;
    desk_forget_session(d, token_hash);
    return 0;
}
