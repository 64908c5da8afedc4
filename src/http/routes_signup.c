/*
** routes_signup.c - sign-up and address verification (POST /api/v1/signup
** and /api/v1/verify; their entries are in routes_accounts.c's table).
**
** The rules, and why (the desk keeps them: desk_accounts.h):
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
**   - Sign-up mails whatever address it is given, so it is limited per
**     hour: at most 3 mails to one address ("signup:ADDR",
**     DESK_SIGNUP_MAILS_PER_HOUR; later sign-ups answer the same 201 and mail
**     nothing, as password reset does, whether or not the address has an
**     account), and at most 20 sign-ups from one client address
**     ("signup-ip:IP", DESK_SIGNUP_PER_CLIENT_PER_HOUR; then 429 with
**     Retry-After, as for logins). Only sign-ups that pass validation
**     count, and both counts are taken in one write before anything is
**     mailed, so concurrent requests cannot slip past them.
**   - No answer tells whether an e-mail address has an account (see
**     routes_accounts.c): sign-up answers the same 201 either way.
*/
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "accounts.h"
#include "desk_accounts.h"

/* The one answer of an accepted sign-up, whatever happened. */
static int signup_accepted(http_req *r, const char *email)
{
    return http_reply(r, 201,
                      json_pack("{s:s,s:s,s:s}", "status", "verification_sent", "email", email, "message",
                                garant__tr("check your mailbox: we sent a link to confirm the address (valid 24 "
                                           "hours)")));
}

const http_field http_signup_body[] = {
    {"email", HTTP_F_STRING, 1, GARANT_MAX_EMAIL},
    {"password", HTTP_F_STRING, 1, HTTP_PASSWORD_MAX_BYTES},
    {"name", HTTP_F_STRING, 1, GARANT_MAX_NAME},
    {"language", HTTP_F_STRING, 0, 8},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/signup {email, password, name, language?}: only sign-ups
** that pass these checks count against the limits; the password is
** hashed only for those the limits let through, whether or not the
** address has an account (the same work either way). */
int http_signup(http_req *r)
{
    json_t *v[4];
    int rc = http_body_fields(r, http_signup_body, v);
    if (rc) return rc;
    const char *language = v[3] ? json_string_value(v[3]) : NULL;
    const char *password = json_string_value(v[1]), *name = json_string_value(v[2]);
    char email[GARANT_MAX_EMAIL + 1];
    if ((rc = desk_check_prefs(language, NULL))) return rc;
    if ((rc = desk_signup_address(email, sizeof email, r->desk, json_string_value(v[0])))) return rc;
    if ((rc = http_password_rule(password))) return rc;
    if ((rc = http_name_check(name, GARANT_MAX_NAME, "name"))) return rc;
    int quiet = 0, retry_s = 0;
    if ((rc = desk_signup_admit(&quiet, &retry_s, r->desk, email, r->client_ip, r->now))) {
        r->retry_after_s = retry_s;
        return rc;
    }
    if (quiet) return signup_accepted(r, email);
    char hash[128];
    if ((rc = http_password_hash_limited(hash, password))) return rc;
    desk_signup_in in = {email, name, hash, language, r->now};
    rc = desk_signup(r->desk, r->db, &in);
    sodium_memzero(hash, sizeof hash);
    if (rc) return rc;
    return signup_accepted(r, email);
}

const http_field http_verify_body[] = {{"token", HTTP_F_STRING, 1, 128}, {NULL, 0, 0, 0}};

/* POST /api/v1/verify {token} */
int http_verify(http_req *r)
{
    json_t *v[1];
    int rc = http_body_fields(r, http_verify_body, v);
    if (rc) return rc;
    uint8_t hash[32];
    http_token_hash(hash, json_string_value(v[0]));
    garant_user u;
    if ((rc = desk_verify(&u, r->desk, hash, r->now))) return rc;
    /* "approval": "pending" when her organization's manager must approve her first. */
    const char *approval = garant_approval_name(u.approval);
    return http_reply(r, 200, json_pack("{s:s,s:s,s:o}", "status", "verified", "email", u.email, "approval",
                                        approval ? json_string(approval) : json_null()));
}
