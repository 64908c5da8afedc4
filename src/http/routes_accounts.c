/*
** routes_accounts.c - login and logout, the signed-in user, password
** reset and unlock, and the table of the account routes; sign-up and
** address verification are in routes_signup.c. Passwords are hashed here
** for both, at most MAX_CONCURRENT_HASHES at once.
**
** The rules, and why (the desk keeps them: desk_accounts.h):
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
**   - A session lasts 12 hours (DESK_SESSION_TTL_S): the token comes back
**     in the body (for Authorization: Bearer) and as an HttpOnly,
**     SameSite=Strict cookie (Secure when base_url is https), with a CSRF
**     token that cookie-authenticated writes must echo in X-CSRF-Token.
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
#include "desk_accounts.h"
#include "desk_unlock.h"
#include "server.h"

/* Passwords: at least 10 characters (at most HTTP_PASSWORD_MAX_BYTES). */
#define PASSWORD_MIN_CHARS 10
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

int http_password_hash_limited(char out[128], const char *password)
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

int http_password_rule(const char *pw)
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

/* ---- login and logout ------------------------------------------------ */

static const http_field login_body[] = {
    {"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL},
    {"password", HTTP_F_STRING, 1, HTTP_PASSWORD_MAX_BYTES},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/login {email, password}: the desk's rules (desk_accounts.h)
** around the password's check, which runs here, in the hashing pool. */
static int login(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, login_body, v);
    if (rc) return rc;
    const char *password = json_string_value(v[1]);
    desk_login lg;
    int retry_s = 0;
    if ((rc = desk_login_begin(&lg, &retry_s, r->desk, r->db, json_string_value(v[0]), r->client_ip, r->now))) {
        r->retry_after_s = retry_s;
        return rc;
    }
    int rehash = 0;
    if (lg.hash) {
        rc = pw_check(r->srv, lg.hash, password, &rehash);
    } else {
        pthread_once(&dummy_once, dummy_init);
        pw_check(r->srv, dummy_hash[0] ? dummy_hash : "$argon2id$", password, &rehash);
        rc = GARANT_EAUTH;
    }
    if (rc == GARANT_EAUTH) return desk_login_failed(r->desk, &lg);
    if (rc) return rc;
    char new_hash[128], token[44];
    const char *rehashed = rehash && lg.found && http_password_hash_limited(new_hash, password) == 0 ? new_hash : NULL;
    garant_session session;
    rc = desk_login_open(&session, token, r->desk, &lg, rehashed);
    sodium_memzero(new_hash, sizeof new_hash);
    if (rc) return rc;

    char base[512], at[GARANT_RFC3339_UTC_LEN];
    snprintf(base, sizeof base, "%s", desk_base_url(r->desk));
    snprintf(r->set_cookie, sizeof r->set_cookie, "garant_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
             token, DESK_SESSION_TTL_S, strncmp(base, "https://", 8) == 0 ? "; Secure" : "");
    json_t *body = json_pack("{s:s,s:s,s:o,s:s}", "token", token, "csrf_token", session.csrf, "user",
                             user_json(&lg.user), "expires_at", garant_time_format_utc(at, session.expires_at));
    sodium_memzero(token, sizeof token);
    return http_reply(r, 200, body);
}

/* POST /api/v1/logout: ends the presented session. */
static int logout(http_req *r)
{
    int rc = desk_logout(r->desk, r->session.token_hash, r->now);
    if (rc) return rc;
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

static const http_field forgot_body[] = {{"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL}, {NULL, 0, 0, 0}};

/* POST /api/v1/password/forgot {email}: always 202. */
static int forgot(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, forgot_body, v);
    if (rc) return rc;
    if ((rc = desk_password_forgot(r->desk, r->db, json_string_value(v[0]), r->now))) return rc;
    return http_reply(r, 202, json_pack("{s:s,s:s}", "status", "accepted", "message",
                                        garant__tr("if this address has an account, a link to reset its password "
                                                   "is on its way")));
}

static const http_field reset_body[] = {
    {"token", HTTP_F_STRING, 1, 128},
    {"password", HTTP_F_STRING, 1, HTTP_PASSWORD_MAX_BYTES},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/password/reset {token, password}: 204; ends every session. */
static int reset(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, reset_body, v);
    if (rc) return rc;
    if ((rc = http_password_rule(json_string_value(v[1])))) return rc;
    char hash[128];
    if ((rc = http_password_hash_limited(hash, json_string_value(v[1])))) return rc;
    uint8_t token_hash[32];
    http_token_hash(token_hash, json_string_value(v[0]));
    rc = desk_password_reset(r->desk, token_hash, hash, r->now);
    sodium_memzero(hash, sizeof hash);
    if (rc) return rc;
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
    {"POST", "/api/v1/signup", HTTP_PUBLIC, http_signup,
     "sign up with a company e-mail {email, password, name}", HTTP_RUN_HASHING, http_signup_body, NULL},
    {"POST", "/api/v1/verify", HTTP_PUBLIC, http_verify, "confirm an e-mail address {token}", HTTP_RUN_WORKER,
     http_verify_body, NULL},
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
