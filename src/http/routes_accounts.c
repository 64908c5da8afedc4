/*
** routes_accounts.c - sign-up, address verification, login and logout, the
** signed-in user, and password reset.
**
** The rules, and why:
**   - Only company addresses sign up (freemail.c): the domain of a proven
**     address decides which organization's tickets a person sees. A domain
**     that belongs to an organization joins it; an unknown one creates an
**     organization named after the domain on the "basic" plan (the
**     policy's first plan if it has no "basic").
**   - An address is proven before it owns anything: sign-up mails a link
**     {base_url}/verify?token=T with a single-use 256-bit token, of which
**     only the SHA-256 is stored; it expires after 24 hours. Until a link
**     is opened the sign-up is a row of its own (store: signups) with its
**     own password: no user, no organization, no domain claim. Opening a
**     link makes the account with that sign-up's password and kills the
**     address's other links. Anyone can sign up anyone's address, but only
**     the mailbox's owner gets the links, so only the owner's password can
**     end up on the account (issue 13, findings 3 and 8: the first sign-up
**     used to keep the account and its password, and to hold the domain).
**   - No answer tells whether an e-mail address has an account. Sign-up
**     answers the same 201 either way: a new address is sent the
**     verification link; one waiting for confirmation another link (for
**     this sign-up's password); a verified one a mail saying it has an
**     account already, pointing to login and password reset.
**     Within the limits below, every path hashes the password and runs
**     one group-committed write, so they take about the same time. Login
**     says "wrong e-mail or password" for both and checks a dummy hash for
**     unknown addresses; only the right password of an unverified account
**     hears "verify first". Password-reset requests always answer 202.
**   - Sign-up mails whatever address it is given, so it is limited per
**     hour: at most 3 mails to one address ("signup:ADDR",
**     SIGNUP_MAILS_PER_HOUR; later sign-ups answer the same 201 and mail
**     nothing, as password reset does, whether or not the address has an
**     account), and at most 20 sign-ups from one client address
**     ("signup-ip:IP", SIGNUP_PER_CLIENT_PER_HOUR; then 429 with
**     Retry-After, as for logins). Only sign-ups that pass validation
**     count, and both counts are taken in one write before anything is
**     mailed, so concurrent requests cannot slip past them.
**   - Failed logins are counted per account and client address together
**     ("login:ADDR|IP") and per client address ("ip:IP"). A pair's first 4
**     failures within an hour are free; after the 5th it waits 30 s, after
**     each further one twice as long (at most 15 minutes), and until then
**     login answers 429 with Retry-After, even for the right password. An
**     address with 20 failures in 15 minutes, to any accounts, waits out
**     the 15 minutes. Nobody can lock an account from elsewhere: the owner
**     at another address is not slowed at all (issue 13, finding 7: 5
**     failures from anywhere used to lock the account for everyone, the
**     admin's too). A successful login forgets its pair's failures, a
**     password reset every pair of the account. The client address is the
**     peer's, or behind --trusted-proxy the one X-Forwarded-For names
**     (client_addr.h). When a pair first has to wait, the owner is mailed
**     a link that lifts the wait from every address at once
**     (desk_unlock.h; POST /password/unlock).
**   - A session lasts 12 hours (SESSION_TTL_S): the token comes back in the
**     body (for Authorization: Bearer) and as an HttpOnly, SameSite=Strict
**     cookie (Secure when base_url is https), with a CSRF token that
**     cookie-authenticated writes must echo in X-CSRF-Token.
**   - A password reset (link valid 1 hour) ends every session of the
**     account.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "accounts.h"
#include "desk_members.h"
#include "desk_unlock.h"
#include "server.h"

/* Lifetimes and limits, in seconds and counts. */
#define SESSION_TTL_S (12 * 3600)
#define VERIFY_TTL_S (24 * 3600)
#define RESET_TTL_S 3600
/* Failed logins from one client address, to any accounts, in a window. */
#define THROTTLE_WINDOW_S (15 * 60)
#define THROTTLE_MAX_ADDRESS 20
/* Failed logins of one account from one client address (a pair): the
** first PAIR_FREE_FAILURES within PAIR_WINDOW_S cost nothing; from then on
** each failure makes the pair wait PAIR_DELAY_S, doubled with every
** further failure, at most PAIR_DELAY_MAX_S, before it may try again. */
#define PAIR_WINDOW_S 3600
#define PAIR_FREE_FAILURES 4
#define PAIR_DELAY_S 30
#define PAIR_DELAY_MAX_S (15 * 60)
/* Reset mails to one address per hour; more requests are answered 202 and
** send nothing, so the endpoint cannot flood a mailbox. */
#define RESET_MAILS_PER_HOUR 3
/* Sign-up, for the same reason: verification mails to one address per
** hour, and sign-ups from one client address per hour (SIGNUP_WINDOW_S). */
#define SIGNUP_WINDOW_S 3600
#define SIGNUP_MAILS_PER_HOUR 3
#define SIGNUP_PER_CLIENT_PER_HOUR 20
/* Passwords: at least 10 characters, at most 1024 bytes. */
#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024
/* argon2id needs 19 MiB a hash; at most this many run at once, so a burst
** of logins cannot exhaust memory. */
#define MAX_CONCURRENT_HASHES 8

/* ---- password hashing with a concurrency limit ----------------------- */

static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cv = PTHREAD_COND_INITIALIZER;
static int hash_running;

static void hash_enter(void)
{
    pthread_mutex_lock(&hash_mu);
    while (hash_running >= MAX_CONCURRENT_HASHES) pthread_cond_wait(&hash_cv, &hash_mu);
    hash_running++;
    pthread_mutex_unlock(&hash_mu);
}

static void hash_leave(void)
{
    pthread_mutex_lock(&hash_mu);
    hash_running--;
    pthread_cond_signal(&hash_cv);
    pthread_mutex_unlock(&hash_mu);
}

static int pw_hash(char out[128], const char *password)
{
    hash_enter();
    int rc = http_password_hash(out, password);
    hash_leave();
    return rc;
}

static int pw_check(garant_server *srv, const char *hash, const char *password, int *out_rehash)
{
    http_metrics_password_check(http_server_metrics(srv));
    hash_enter();
    int rc = http_password_check(hash, password, out_rehash);
    hash_leave();
    return rc;
}

/* A hash of a password nobody knows, checked for unknown addresses so that
** they take as long as known ones. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[128];

static void dummy_init(void)
{
    char pw[33];
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    if (http_password_hash(dummy_hash, pw) != 0) dummy_hash[0] = '\0';
}

/* ---- helpers --------------------------------------------------------- */

static int check_password(const char *pw)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++) chars += (*p & 0xC0) != 0x80;
    if (chars < PASSWORD_MIN_CHARS)
        return garant__error(GARANT_EINVAL, "'password' must have at least %d characters", PASSWORD_MIN_CHARS);
    return 0;
}

/* {id, email, name, role, org_id|null, verified, org_manager, approval
** (null, "pending", "approved", "refused")}. Caller owns the result. */
static json_t *user_json(const garant_user *u)
{
    const char *approval = garant_approval_name(u->approval);
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:b,s:o}", "id", (json_int_t)u->id, "email", u->email, "name", u->name,
                     "role", garant_role_name(u->role), "org_id", u->org_id ? json_integer(u->org_id) : json_null(),
                     "verified", u->verified_at != 0, "org_manager", u->org_manager != 0, "approval",
                     approval ? json_string(approval) : json_null());
}

/* The address lower-cased, for lookups and throttle keys (no syntax check:
** a malformed address is simply one without an account). */
static void lower_email(char out[GARANT_MAX_EMAIL + 1], const char *in)
{
    size_t i = 0;
    for (; i < GARANT_MAX_EMAIL && in[i]; i++)
        out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    out[i] = '\0';
}

/* ---- sign-up --------------------------------------------------------- */

typedef struct signup_job {
    garant_signup signup;    /* in: email, name, password_hash, created_at, expires_at */
    const char *domain;      /* in: the address's domain (points into signup.email) */
    uint8_t token_hash[32];  /* in */
    const desk_mail_item *mail; /* in: queued with the sign-up, in its transaction */
    const char *language;    /* in: chosen in the browser ("en", "ro"); NULL if not given */
} signup_job;

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

/* A sign-up of an address without a confirmed account waits as its own
** row with its own link and password: it owns nothing yet. */
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

/* The plan of organizations created by sign-up. Borrowed from the policy. */
static const char *signup_plan(http_req *r)
{
    const garant_policy *pol = http_policy(r);
    size_t n = garant_policy_plan_count(pol);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(garant_policy_plan_name(pol, i), "basic")) return "basic";
    return n ? garant_policy_plan_name(pol, 0) : "basic";
}

/* The verification mail of a sign-up, in the language chosen in the
** browser (English if none); again: the address has other sign-ups
** waiting. Free with desk_mail_item_free. */
static int mail_verification(desk_mail_item *out, http_req *r, const signup_job *j, const char *token, int again)
{
    char base[512], link[1024];
    snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
    snprintf(link, sizeof link, "%s/verify?token=%s", base, token);
    int rc = desk_mail_verification(out, r->desk, j->signup.email, j->signup.name, j->language ? j->language : "en",
                                     link, j->signup.expires_at, again);
    sodium_memzero(link, sizeof link);
    return rc;
}

/* The mail to an address that has an account, in the account's language,
** to its name: no link that changes anything. */
static int mail_exists(desk_mail_item *out, http_req *r, const garant_user *u)
{
    char base[512], login_link[600], forgot_link[600];
    snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
    snprintf(login_link, sizeof login_link, "%s/login", base);
    snprintf(forgot_link, sizeof forgot_link, "%s/forgot", base);
    return desk_mail_account_exists(out, r->desk, u->email, u->name, u->language, login_link, forgot_link);
}

typedef struct signup_limit_job {
    const char *address_key;  /* in: "signup:EMAIL" */
    const char *client_key;   /* in: "signup-ip:IP" */
    int64_t now;              /* in */
    int refused;              /* out: the client address is over its limit */
    int mails;                /* out: sign-ups of the address in the window, this one included */
} signup_limit_job;

/* Count a sign-up against both limits. A refused one is not recorded, so
** a client that keeps trying gets in again once its older sign-ups leave
** the window: within the hour Retry-After names. */
static int signup_limit_write(garant_store_conn *w, void *arg)
{
    signup_limit_job *j = arg;
    const garant_store_accounts_ops *a = GS(w)->accounts;
    int count = 0;
    int rc = a->throttle_count(w, j->client_key, j->now, SIGNUP_WINDOW_S, &count);
    if (rc) return rc;
    if (count >= SIGNUP_PER_CLIENT_PER_HOUR) {
        j->refused = 1;
        return 0;
    }
    if ((rc = a->throttle_record(w, j->client_key, j->now, SIGNUP_WINDOW_S, &count))) return rc;
    return a->throttle_record(w, j->address_key, j->now, SIGNUP_WINDOW_S, &j->mails);
}

/* The one answer of an accepted sign-up, whatever happened. */
static int signup_accepted(http_req *r, const char *email)
{
    return http_reply(r, 201,
                      json_pack("{s:s,s:s,s:s}", "status", "verification_sent", "email", email, "message",
                                garant__tr("check your mailbox: we sent a link to confirm the address (valid 24 "
                                           "hours)")));
}

static const http_field signup_body[] = {
    {"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL},
    {"password", HTTP_F_STRING, 1, PASSWORD_MAX_BYTES},
    {"name", HTTP_F_STRING, 1, GARANT_MAX_NAME},
    {"language", HTTP_F_STRING, 0, 8},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/signup {email, password, name, language?} */
static int signup(http_req *r)
{
    json_t *v[4];
    int rc = http_body_fields(r, signup_body, v);
    if (rc) return rc;
    signup_job j;
    memset(&j, 0, sizeof j);
    j.language = v[3] ? json_string_value(v[3]) : NULL;
    if ((rc = desk_check_prefs(j.language, NULL))) return rc;
    if ((rc = desk_email_normalize(j.signup.email, sizeof j.signup.email, &j.domain, json_string_value(v[0]))))
        return rc;
    const char *free_part = desk_freemail_match(r->desk, j.domain);
    if (free_part)
        return garant__error(GARANT_EINVAL, "sign up with your company e-mail address; %s is a free mail provider",
                             free_part);
    if ((rc = check_password(json_string_value(v[1])))) return rc;
    if ((rc = http_name_check(json_string_value(v[2]), GARANT_MAX_NAME, "name"))) return rc;
    char address_key[GARANT_MAX_EMAIL + 8], client_key[80];
    snprintf(address_key, sizeof address_key, "signup:%s", j.signup.email);
    snprintf(client_key, sizeof client_key, "signup-ip:%s", r->client_ip ? r->client_ip : "unknown");
    signup_limit_job limit = {address_key, client_key, r->now, 0, 0};
    if ((rc = http_write(r->srv, signup_limit_write, &limit))) return rc;
    if (limit.refused) {
        r->retry_after_s = SIGNUP_WINDOW_S;
        return garant__error(GARANT_ETHROTTLED, "too many sign-ups from your IP address (at most %d an hour); try "
                                                "again in an hour", SIGNUP_PER_CLIENT_PER_HOUR);
    }
    /* Over the address's limit: the same answer, and no mail, no account
    ** and no token. Skipping the rest shows only that this address was
    ** signed up often lately, which the caller knows, not whether it has
    ** an account. */
    if (limit.mails > SIGNUP_MAILS_PER_HOUR) return signup_accepted(r, j.signup.email);
    /* Hashed whether or not the account exists: the same work either way. */
    if ((rc = pw_hash(j.signup.password_hash, json_string_value(v[1])))) return rc;
    snprintf(j.signup.name, sizeof j.signup.name, "%s", json_string_value(v[2]));
    j.signup.created_at = r->now;
    j.signup.expires_at = r->now + VERIFY_TTL_S;
    /* The mail is built before the write and queued in its transaction
    ** (the outbox sends it after the answer): both or neither. The write
    ** decides again what to do (an address confirmed in between keeps its
    ** account, and this link then finds nothing to confirm). */
    garant_user old;
    garant_signup pending;
    rc = GS(r->db)->accounts->user_by_email(r->db, j.signup.email, &old);
    if (rc && rc != GARANT_ENOTFOUND) return rc;
    int exists = rc == 0;
    if (!exists) {
        rc = GS(r->db)->accounts->signup_latest(r->db, j.signup.email, r->now, &pending);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        exists = rc == 0;
        old.verified_at = 0;
    }
    char token[44];
    http_token_new(token, j.token_hash);
    desk_mail_item mail;
    rc = exists && old.verified_at ? mail_exists(&mail, r, &old) : mail_verification(&mail, r, &j, token, exists);
    sodium_memzero(token, sizeof token);
    if (rc) {
        desk_mail_item_free(&mail);
        return rc;
    }
    j.mail = &mail;
    rc = http_write(r->srv, signup_write, &j);
    sodium_memzero(mail.raw, mail.raw_len);
    desk_mail_item_free(&mail);
    if (rc) return rc;
    desk_mail_wake(r->desk);
    return signup_accepted(r, j.signup.email);
}

/* ---- verification ---------------------------------------------------- */

typedef struct verify_job {
    uint8_t hash[32];
    int64_t now;
    const char *plan;  /* in: the plan of an organization created for the domain */
    garant_desk *desk; /* in */
    garant_user user;  /* out */
    int mailed;        /* out: managers mailed about her waiting for approval */
} verify_job;

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

static const http_field verify_body[] = {{"token", HTTP_F_STRING, 1, 128}, {NULL, 0, 0, 0}};

/* POST /api/v1/verify {token} */
static int verify(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, verify_body, v);
    if (rc) return rc;
    verify_job j;
    memset(&j, 0, sizeof j);
    http_token_hash(j.hash, json_string_value(v[0]));
    j.now = r->now;
    j.plan = signup_plan(r);
    j.desk = r->desk;
    if ((rc = http_write(r->srv, verify_write, &j))) return rc;
    if (j.mailed) desk_mail_wake(r->desk);
    /* "approval": "pending" when her organization's manager must approve her first. */
    const char *approval = garant_approval_name(j.user.approval);
    return http_reply(r, 200, json_pack("{s:s,s:s,s:o}", "status", "verified", "email", j.user.email, "approval",
                                        approval ? json_string(approval) : json_null()));
}

/* ---- login and logout ------------------------------------------------ */

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
    int rc = j->pair_key ? a->throttle_record(w, j->pair_key, j->now, PAIR_WINDOW_S, &count) : 0;
    if (!rc && j->offer && count == PAIR_FREE_FAILURES + 1) rc = desk_unlock_offer_queue(w, j->offer);
    if (!rc) rc = a->throttle_record(w, j->address_key, j->now, THROTTLE_WINDOW_S, &count);
    return rc;
}

/* How long a pair with `failures` failures, the newest at last_at, waits
** before its next try, from now (seconds; 0: it may try). */
static int64_t pair_wait_s(int failures, int64_t last_at, int64_t now)
{
    if (failures <= PAIR_FREE_FAILURES) return 0;
    int64_t delay = PAIR_DELAY_S;
    for (int i = PAIR_FREE_FAILURES + 1; i < failures && delay < PAIR_DELAY_MAX_S; i++) delay *= 2;
    if (delay > PAIR_DELAY_MAX_S) delay = PAIR_DELAY_MAX_S;
    return last_at + delay > now ? last_at + delay - now : 0;
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
    if (!rc && j->new_hash) rc = a->user_set_password(w, j->user_id, j->new_hash);
    if (!rc) rc = a->session_insert(w, &j->session);
    return rc;
}

static const http_field login_body[] = {
    {"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL},
    {"password", HTTP_F_STRING, 1, PASSWORD_MAX_BYTES},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/login {email, password} */
static int login(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, login_body, v);
    if (rc) return rc;
    const char *ip = r->client_ip ? r->client_ip : "unknown";
    char email[GARANT_MAX_EMAIL + 1], pair_key[GARANT_MAX_EMAIL + 64], address_key[80];
    lower_email(email, json_string_value(v[0]));
    const char *password = json_string_value(v[1]);
    snprintf(pair_key, sizeof pair_key, "login:%s|%s", email, ip);
    snprintf(address_key, sizeof address_key, "ip:%s", ip);

    const garant_store_accounts_ops *a = GS(r->db)->accounts;
    int failures_pair = 0, failures_address = 0;
    int64_t last_at = 0;
    if (email[0] && (rc = a->throttle_recent(r->db, pair_key, r->now, PAIR_WINDOW_S, &failures_pair, &last_at)))
        return rc;
    if ((rc = a->throttle_count(r->db, address_key, r->now, THROTTLE_WINDOW_S, &failures_address))) return rc;
    int64_t wait_s = pair_wait_s(failures_pair, last_at, r->now);
    if (failures_address >= THROTTLE_MAX_ADDRESS && wait_s < THROTTLE_WINDOW_S) wait_s = THROTTLE_WINDOW_S;
    if (wait_s > 0) {
        r->retry_after_s = (int)wait_s;
        return garant__error(GARANT_ETHROTTLED, "too many failed logins from your address; try again in %lld seconds",
                             (long long)wait_s);
    }

    garant_user u;
    garant_signup pending;
    int found = 0, found_pending = 0;
    if (email[0]) {
        rc = a->user_by_email(r->db, email, &u);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        found = rc == 0;
    }
    if (email[0] && !found) {
        rc = a->signup_latest(r->db, email, r->now, &pending);
        if (rc && rc != GARANT_ENOTFOUND) return rc;
        found_pending = rc == 0;
    }
    int rehash = 0;
    if (found) {
        rc = pw_check(r->srv, u.password_hash, password, &rehash);
    } else if (found_pending) {
        /* A sign-up waiting for its link: one hash, as for everyone else. */
        rc = pw_check(r->srv, pending.password_hash, password, &rehash);
    } else {
        pthread_once(&dummy_once, dummy_init);
        pw_check(r->srv, dummy_hash[0] ? dummy_hash : "$argon2id$", password, &rehash);
        rc = GARANT_EAUTH;
    }
    if (rc == GARANT_EAUTH) {
        fail_job f = {email[0] ? pair_key : NULL, address_key, r->now, NULL};
        /* Built for known and unknown addresses alike; the write decides. */
        desk_unlock_offer offer;
        memset(&offer, 0, sizeof offer);
        if (email[0] && failures_pair == PAIR_FREE_FAILURES) {
            char base[512];
            snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
            if (desk_unlock_offer_prepare(&offer, r->desk, email, found ? u.name : email, found ? u.language : "en",
                                          base, r->now) == 0)
                f.offer = &offer;
        }
        int wrc = http_write(r->srv, fail_write, &f);
        if (!wrc && offer.queued) desk_mail_wake(r->desk);
        desk_unlock_offer_free(&offer);
        if (wrc) return wrc;
        return garant__error(GARANT_EAUTH, "wrong e-mail or password");
    }
    if (rc) return rc;
    /* Only someone who knows the password learns that the account exists
    ** and waits for confirmation. */
    if (found_pending || !u.verified_at)
        return garant__error(GARANT_EPERM,
                             "verify your e-mail address first: open the link in the mail we sent when you signed up");
    if (u.deactivated_at)
        return garant__error(GARANT_EPERM, "this account has been deactivated; ask the support desk to reactivate it");

    login_job j;
    memset(&j, 0, sizeof j);
    char new_hash[128], token[44];
    if (rehash && pw_hash(new_hash, password) == 0) j.new_hash = new_hash;
    http_token_new(token, j.session.token_hash);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(j.session.csrf, sizeof j.session.csrf, raw, sizeof raw);
    j.session.user_id = u.id;
    j.session.created_at = r->now;
    j.session.expires_at = r->now + SESSION_TTL_S;
    j.pair_key = pair_key;
    j.user_id = u.id;
    if ((rc = http_write(r->srv, login_write, &j))) return rc;

    char base[512], at[GARANT_RFC3339_UTC_LEN];
    snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
    snprintf(r->set_cookie, sizeof r->set_cookie, "garant_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
             token, SESSION_TTL_S, strncmp(base, "https://", 8) == 0 ? "; Secure" : "");
    json_t *body = json_pack("{s:s,s:s,s:o,s:s}", "token", token, "csrf_token", j.session.csrf, "user", user_json(&u),
                             "expires_at", garant_time_format_utc(at, j.session.expires_at));
    sodium_memzero(token, sizeof token);
    return http_reply(r, 200, body);
}

typedef struct logout_job {
    const uint8_t *hash;
    int64_t now;
} logout_job;

static int logout_write(garant_store_conn *w, void *arg)
{
    logout_job *j = arg;
    return GS(w)->accounts->session_revoke(w, j->hash, j->now);
}

/* POST /api/v1/logout: ends the presented session. */
static int logout(http_req *r)
{
    logout_job j = {r->session.token_hash, r->now};
    int rc = http_write(r->srv, logout_write, &j);
    if (rc) return rc;
    http_forget_session(r->srv, r->session.token_hash);
    snprintf(r->set_cookie, sizeof r->set_cookie, "garant_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return http_reply(r, 204, NULL);
}

/* GET /api/v1/me: the user, their organization, and the session (with the
** CSRF token, so a page reloaded with only the cookie can recover it; no
** other site can read this answer). A member her organization has not
** approved may call it (HTTP_ACCOUNT): user.approval "pending" is how
** the support center knows to show the waiting page. */
static int me(http_req *r)
{
    json_t *org = json_null();
    if (r->user.org_id) {
        garant_org o;
        int rc = GS(r->db)->accounts->org_get(r->db, r->user.org_id, &o);
        if (rc) return rc;
        org = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)o.id, "name", o.name, "plan", o.plan,
                        "ticket_visibility", o.ticket_visibility);
    }
    /* The mail language and zone (PATCH /api/v1/me); no zone of one's own
    ** is the policy's display zone. */
    garant_user_prefs prefs;
    int rc = GS(r->db)->notify->prefs_get(r->db, r->user.id, &prefs);
    if (rc) {
        json_decref(org);
        return rc;
    }
    const garant_calendar *cal = garant_policy_display_calendar(desk_policy_current(r->desk, NULL));
    const char *zone = prefs.zone[0] ? prefs.zone : cal ? garant_tz_name(garant_calendar_tz(cal)) : "UTC";
    json_t *user = user_json(&r->user);
    if (user) {
        json_object_set_new(user, "language", json_string(prefs.language));
        json_object_set_new(user, "zone", json_string(zone));
    }
    char at[GARANT_RFC3339_UTC_LEN];
    return http_reply(r, 200,
                      json_pack("{s:o,s:o,s:{s:s,s:s}}", "user", user, "org", org, "session",
                                "expires_at", garant_time_format_utc(at, r->session.expires_at), "csrf_token",
                                r->session.csrf));
}

static const http_field me_patch_body[] = {
    {"language", HTTP_F_STRING, 0, 8},
    {"zone", HTTP_F_STRING, 0, GARANT_MAX_ZONE},
    {NULL, 0, 0, 0},
};

/* PATCH /api/v1/me {language?, zone?}: the language of one's mails ("en",
** "ro") and the IANA zone their deadlines are written in ("" = the
** policy's). Answers as GET /api/v1/me. */
static int me_patch(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, me_patch_body, v);
    if (rc) return rc;
    const char *language = v[0] ? json_string_value(v[0]) : NULL;
    const char *zone = v[1] ? json_string_value(v[1]) : NULL;
    if (!language && !zone) return garant__error(GARANT_EINVAL, "give 'language', 'zone' or both");
    if ((rc = desk_user_set_prefs(r->desk, r->user.id, language, zone))) return rc;
    /* The cached sessions hold the user with the old language. */
    if (language) http_forget_user_sessions(r->srv, r->user.id);
    return me(r);
}

/* ---- password reset -------------------------------------------------- */

typedef struct forgot_job {
    const char *email;
    const char *throttle_key;
    uint8_t token_hash[32];
    int64_t now;
    const desk_mail_item *mail; /* the reset mail, built for every request;
                                ** NULL if the address cannot take one */
    int send;             /* out: the link is mailed */
} forgot_job;

/* Every request builds the mail and runs the same write (one throttle
** record; the token and the mail's row for a known address), and no
** request waits on SMTP (the mail goes through the outbox), so the
** answer's timing tells little (issue 13, finding 4). */
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
    if (!u.verified_at || count > RESET_MAILS_PER_HOUR || !j->mail) return 0;
    j->send = 1;
    rc = a->token_insert(w, GARANT_TOKEN_RESET, u.id, j->token_hash, j->now + RESET_TTL_S);
    return rc ? rc : desk_mail_enqueue(w, j->mail);
}

static const http_field forgot_body[] = {{"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL}, {NULL, 0, 0, 0}};

/* POST /api/v1/password/forgot {email}: always 202. */
static int forgot(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, forgot_body, v);
    if (rc) return rc;
    char email[GARANT_MAX_EMAIL + 1], key[GARANT_MAX_EMAIL + 8], token[44];
    lower_email(email, json_string_value(v[0]));
    snprintf(key, sizeof key, "reset:%s", email);
    forgot_job j;
    memset(&j, 0, sizeof j);
    j.email = email;
    j.throttle_key = key;
    j.now = r->now;
    /* The mail in the account's language, to its name; an address without
    ** an account gets none, but its mail is built all the same. */
    garant_user u;
    rc = email[0] ? GS(r->db)->accounts->user_by_email(r->db, email, &u) : GARANT_ENOTFOUND;
    if (rc && rc != GARANT_ENOTFOUND) return rc;
    int known = rc == 0;
    http_token_new(token, j.token_hash);
    char base[512], link[1024];
    snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
    snprintf(link, sizeof link, "%s/reset?token=%s", base, token);
    desk_mail_item mail;
    if (desk_mail_password_reset(&mail, r->desk, email, known ? u.name : email, known ? u.language : "en", link,
                                 r->now + RESET_TTL_S) == 0)
        j.mail = &mail;
    else
        garant__error_clear();
    sodium_memzero(link, sizeof link);
    rc = http_write(r->srv, forgot_write, &j);
    if (j.mail) sodium_memzero(mail.raw, mail.raw_len);
    desk_mail_item_free(&mail);
    if (rc) {
        sodium_memzero(token, sizeof token);
        return rc;
    }
    if (j.send) desk_mail_wake(r->desk);
    sodium_memzero(token, sizeof token);
    return http_reply(r, 202, json_pack("{s:s,s:s}", "status", "accepted", "message",
                                        garant__tr("if this address has an account, a link to reset its password "
                                                   "is on its way")));
}

typedef struct reset_job {
    uint8_t hash[32];
    const char *password_hash;
    int64_t now;
    int64_t user_id;          /* out: whose sessions ended */
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

static const http_field reset_body[] = {
    {"token", HTTP_F_STRING, 1, 128},
    {"password", HTTP_F_STRING, 1, PASSWORD_MAX_BYTES},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/password/reset {token, password}: 204; ends every session. */
static int reset(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, reset_body, v);
    if (rc) return rc;
    if ((rc = check_password(json_string_value(v[1])))) return rc;
    char hash[128];
    if ((rc = pw_hash(hash, json_string_value(v[1])))) return rc;
    reset_job j;
    memset(&j, 0, sizeof j);
    http_token_hash(j.hash, json_string_value(v[0]));
    j.password_hash = hash;
    j.now = r->now;
    rc = http_write(r->srv, reset_write, &j);
    sodium_memzero(hash, sizeof hash);
    if (rc) return rc;
    http_forget_user_sessions(r->srv, j.user_id);
    return http_reply(r, 204, NULL);
}

static const http_field unlock_body[] = {{"token", HTTP_F_STRING, 1, 128}, {NULL, 0, 0, 0}};

/* POST /api/v1/password/unlock {token}: 204; the account's failed logins
** from every address are forgotten (desk_unlock.h). */
static int unlock(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, unlock_body, v);
    if (rc) return rc;
    uint8_t hash[32];
    http_token_hash(hash, json_string_value(v[0]));
    if ((rc = desk_unlock(r->desk, hash, r->now))) return rc;
    return http_reply(r, 204, NULL);
}

const http_route http_routes_accounts[] = {
    {"POST", "/api/v1/signup", HTTP_PUBLIC, signup,
     "sign up with a company e-mail {email, password, name}", HTTP_RUN_HASHING, signup_body, NULL},
    {"POST", "/api/v1/verify", HTTP_PUBLIC, verify, "confirm an e-mail address {token}", HTTP_RUN_WORKER, verify_body,
     NULL},
    {"POST", "/api/v1/login", HTTP_PUBLIC, login,
     "log in {email, password}: session token, cookie, CSRF token", HTTP_RUN_HASHING, login_body, NULL},
    {"POST", "/api/v1/logout", HTTP_ACCOUNT, logout, "end the current session", HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/api/v1/me", HTTP_ACCOUNT, me, "the signed-in user, organization and session", HTTP_RUN_WORKER, NULL, NULL},
    {"PATCH", "/api/v1/me", HTTP_ACCOUNT, me_patch, "set one's mail language and time zone {language?, zone?}",
     HTTP_RUN_WORKER, me_patch_body, NULL},
    {"POST", "/api/v1/password/forgot", HTTP_PUBLIC, forgot,
     "mail a password-reset link {email} (always 202)", HTTP_RUN_WORKER, forgot_body, NULL},
    {"POST", "/api/v1/password/reset", HTTP_PUBLIC, reset,
     "set a new password {token, password}; ends all sessions", HTTP_RUN_HASHING, reset_body, NULL},
    {"POST", "/api/v1/password/unlock", HTTP_PUBLIC, unlock,
     "lift a locked login with the mailed link {token}", HTTP_RUN_WORKER, unlock_body, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
