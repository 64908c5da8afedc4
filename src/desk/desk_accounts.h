/*
** desk_accounts.h - accounts for every door: sign-up and the confirmation
** of an address (accounts.c). The HTTP door (routes_signup.c) checks the
** request's fields and hashes the password; the rules of who signs up,
** how often, and which organization a confirmed address joins are here.
**
** The rules:
**   - An address is proven before it owns anything: a sign-up is a row of
**     its own (store: signups) with its own link and password, and opening
**     a link makes the account with that sign-up's password and kills the
**     address's other links.
**   - No answer tells whether an address has an account: desk_signup does
**     the same work either way and mails a link, another link, or a mail
**     saying the account exists.
**   - Sign-up mails whatever address it is given, so it is limited per
**     hour: DESK_SIGNUP_MAILS_PER_HOUR mails to one address (later ones
**     are accepted and mail nothing) and DESK_SIGNUP_PER_CLIENT_PER_HOUR
**     sign-ups from one client address (then GARANT_ETHROTTLED).
**   - A confirmed address joins the organization of its domain, created
**     on the sign-up plan (desk_signup_plan) and named after the domain if
**     there is none; a new member of an organization that approves its
**     members waits (desk_members.h); one of a deactivated organization
**     is deactivated with it.
*/
#ifndef GARANT_DESK_ACCOUNTS_H
#define GARANT_DESK_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "desk.h"

#include "link_token.h"

/* How long a confirmation link lasts, in seconds. */
#define DESK_VERIFY_TTL_S (24 * 3600)
/* The window of the sign-up limits, in seconds, and the limits. */
#define DESK_SIGNUP_WINDOW_S 3600
#define DESK_SIGNUP_MAILS_PER_HOUR 3
#define DESK_SIGNUP_PER_CLIENT_PER_HOUR 20

/* The address of a sign-up, lower-cased into out (cap bytes), if a
** company's: GARANT_EINVAL for a malformed address or a free mail
** provider's (its domain decides the organization a person joins). */
int desk_signup_address(char *out, size_t cap, garant_desk *d, const char *email);

/* Count a sign-up of email (lower-case) from client_ip (NULL: unknown)
** at now against both limits, in one write. GARANT_ETHROTTLED (and
** *out_retry_s) when the client address is over its limit: nothing is
** counted then. *out_quiet 1 when the address had its mails for the hour:
** accept the sign-up and do nothing more. */
int desk_signup_admit(int *out_quiet, int *out_retry_s, garant_desk *d, const char *email, const char *client_ip,
                      int64_t now);

/* A sign-up, its fields checked by the door. */
typedef struct desk_signup_in {
    const char *email;         /* lower-case (desk_email_normalize) */
    const char *name;
    const char *password_hash; /* argon2id */
    const char *language;      /* chosen in the browser ("en", "ro"); NULL if not given */
    int64_t now;               /* UTC epoch seconds */
} desk_signup_in;

/* Sign up: an address without a confirmed account gets a link for this
** sign-up (another one when it has sign-ups waiting), one with a
** confirmed account a mail saying so; queued with the sign-up in one
** write and sent after it. c is a read connection (borrowed). */
int desk_signup(garant_desk *d, garant_store_conn *c, const desk_signup_in *in);

/* The plan of organizations sign-up creates: the policy's "basic", else
** its first plan. Borrowed from the policy in force. */
const char *desk_signup_plan(garant_desk *d);

/* Confirm an address with the SHA-256 of its link's token at now: *out is
** the account afterwards (approval pending while its organization's
** managers decide). GARANT_EINVAL, saying why a link may fail, for an
** unknown, used or expired link. */
int desk_verify(garant_user *out, garant_desk *d, const uint8_t token_hash[32], int64_t now);

/* ---- password reset ---- */

/* How long a reset link lasts, in seconds, and how many reset mails one
** address gets an hour (more requests mail nothing). */
#define DESK_RESET_TTL_S 3600
#define DESK_RESET_MAILS_PER_HOUR 3

/* A reset link for email (as typed; lower-cased here; "" or unknown: none
** is sent) at
** now, in the account's language: only a confirmed account within the
** hour's mails gets one. Every request builds the mail and runs the same
** write, and none waits on SMTP (the outbox sends it), so the time taken
** tells little of whether the address has an account. c is a read
** connection (borrowed). */
int desk_password_forgot(garant_desk *d, garant_store_conn *c, const char *email, int64_t now);

/* Set the password (password_hash, argon2id) of the account whose reset
** link's token hashes to token_hash, at now: every session of it ends
** and its failed logins from every address are forgotten. GARANT_EINVAL,
** saying why a link may fail, for an unknown, used or expired link. */
int desk_password_reset(garant_desk *d, const uint8_t token_hash[32], const char *password_hash, int64_t now);

/* ---- login and sessions ---- */

/* A session lasts 12 hours. */
#define DESK_SESSION_TTL_S (12 * 3600)
/* Failed logins from one client address, to any accounts, in a window:
** past the most, the address waits out the window. */
#define DESK_THROTTLE_WINDOW_S (15 * 60)
#define DESK_THROTTLE_MAX_ADDRESS 20
/* Failed logins of one account from one client address (a pair): the
** first DESK_PAIR_FREE_FAILURES within DESK_PAIR_WINDOW_S cost nothing;
** from then on each failure makes the pair wait DESK_PAIR_DELAY_S,
** doubled with every further failure, at most DESK_PAIR_DELAY_MAX_S,
** before it may try again. Nobody can lock an account from elsewhere: the
** owner at another address is not slowed. */
#define DESK_PAIR_WINDOW_S 3600
#define DESK_PAIR_FREE_FAILURES 4
#define DESK_PAIR_DELAY_S 30
#define DESK_PAIR_DELAY_MAX_S (15 * 60)

/* A login under way: desk_login_begin fills it, the door checks the
** password against `hash` (a dummy of its own when NULL: an unknown
** address takes as long as a known one), then calls desk_login_failed or
** desk_login_open. */
typedef struct desk_login {
    char email[GARANT_MAX_EMAIL + 1];          /* lower-case; "" for none */
    char pair_key[GARANT_MAX_EMAIL + 64];      /* "login:EMAIL|IP" */
    char address_key[80];                      /* "ip:IP" */
    int failures_pair;                         /* the pair's failures in its window */
    int64_t now;
    garant_user user;                          /* found: the account */
    int found;
    int found_pending;                         /* a sign-up waiting for its link */
    const char *hash;                          /* the password hash to check; NULL: none */
    garant_signup pending;
} desk_login;

/* Begin a login of email (as typed; lower-cased here) from client_ip
** (NULL: unknown) at now, reading on c (borrowed): GARANT_ETHROTTLED
** with *out_retry_s while the pair or the client address must wait, even
** for the right password. */
int desk_login_begin(desk_login *lg, int *out_retry_s, garant_desk *d, garant_store_conn *c, const char *email,
                     const char *client_ip, int64_t now);

/* A wrong password (or an unknown address): the failure is counted for
** the pair and the client address, and the failure that first makes a
** pair wait mails the owner a link that lifts it (desk_unlock.h).
** GARANT_EAUTH "wrong e-mail or password", or the write's failure. */
int desk_login_failed(garant_desk *d, const desk_login *lg);

/* The right password: GARANT_EPERM for an address not confirmed yet (only
** someone who knows the password learns that the account exists) or a
** deactivated account; else the pair's failures are forgotten, the
** password's hash replaced by new_hash if not NULL (a rehash with newer
** parameters), and a session opened: *out with its CSRF token, token its
** text (43 characters and a NUL) for the cookie and Bearer. */
int desk_login_open(garant_session *out, char token[44], garant_desk *d, const desk_login *lg, const char *new_hash);

/* ---- sessions ---- */

/* End the session whose token hashes to token_hash at now (logging out
** twice is not an error). */
int desk_logout(garant_desk *d, const uint8_t token_hash[32], int64_t now);

#endif
