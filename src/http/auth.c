/*
** auth.c - passwords and tokens, with libsodium.
**
** Passwords: argon2id at libsodium's "interactive" limits raised to 19 MiB
** and 2 passes at least (OWASP's minimum for argon2id); a stored hash whose
** limits are below the current ones is rehashed at the next login.
** Tokens: 32 random bytes shown once as base64url; only their SHA-256 is
** stored, so a leaked database does not leak live sessions.
**
** The gate (auth.h): the session a request presents is the desk's to find
** (desk_session_find); roles come from each route's table.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "auth.h"
#include "loader.h"
#include "request.h"

struct http_gate {
    /* The bearer token that may read /metrics (--metrics-token-file), or
    ** NULL; owned, wiped when freed. */
    char *metrics_token;
};

/* Current argon2id limits. */
#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT (19ULL * 1024 * 1024)

int http_password_hash(char out[128], const char *password)
{
    if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return garant__error(GARANT_ENOMEM, "out of memory hashing a password");
    return 0;
}

int http_password_check(const char *hash, const char *password, int *out_rehash)
{
    *out_rehash = 0;
    if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        return garant__error(GARANT_EAUTH, "wrong e-mail or password");
    *out_rehash = crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0;
    return 0;
}

void http_token_hash(uint8_t hash[32], const char *token)
{
    crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

void http_token_new(char out[44], uint8_t hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    http_token_hash(hash, out);
}

/* ---- authentication -------------------------------------------------- */

/* The token of "Authorization: Bearer T", or NULL. The scheme is
** case-insensitive and followed by one or more spaces (RFC 9110 11.1,
** 11.4); clients send "bearer" too. */
static const char *bearer_token(http_req *r)
{
    const char *auth = http_header(r, "Authorization");
    if (!auth || !http_starts_ci(auth, "bearer") || auth[6] != ' ') return NULL;
    const char *t = auth + 6;
    while (*t == ' ') t++;
    return t;
}

/* The session token from "Authorization: Bearer T" or the garant_session
** cookie; NULL if none. Sets *via_cookie. */
static const char *presented_token(http_req *r, int *via_cookie)
{
    const char *bearer = bearer_token(r);
    *via_cookie = 0;
    if (bearer) return bearer;
    const char *cookie = http_cookie(r, "garant_session");
    if (cookie) *via_cookie = 1;
    return cookie;
}

/* The presented session, from the desk (its session cache, else the
** store through r->db, or a connection borrowed for the lookup by an
** inline handler, which has none). */
static int authenticate(http_req *r)
{
    int via_cookie;
    const char *token = presented_token(r, &via_cookie);
    if (!token || !token[0]) return 0;
    if (strlen(token) > 128) return garant__error(GARANT_EAUTH, "the session token is not valid");
    uint8_t hash[32];
    http_token_hash(hash, token);
    int rc = desk_session_find(&r->session, &r->user, r->desk, r->db, hash, r->now);
    if (rc) return rc;
    r->authed = 1;
    r->via_cookie = via_cookie;
    http_language_from_user(r);
    return 0;
}

/* Does the request carry the metrics token (--metrics-token-file)? The
** comparison takes the same time wherever the tokens differ. */
static int metrics_token_presented(http_gate *g, http_req *r)
{
    const char *want = g->metrics_token, *got = bearer_token(r);
    if (!want || !got) return 0;
    size_t n = strlen(want);
    return strlen(got) == n && sodium_memcmp(got, want, n) == 0;
}

static int authorize(http_req *r, const http_route *rt)
{
    if (rt->auth == HTTP_PUBLIC) return 0;
    if (!r->authed && rt->auth == HTTP_METRICS)
        return garant__error(GARANT_EAUTH, "authentication required: send the metrics token "
                                           "(--metrics-token-file) or an admin's session");
    if (!r->authed) return garant__error(GARANT_EAUTH, "authentication required: log in and send the session");
    /* Sessions are only made for confirmed, active accounts; an account
    ** deactivated since (its sessions end with it) or unconfirmed again
    ** sees nothing, whatever a cache still holds. */
    if (!r->user.verified_at || r->user.deactivated_at)
        return garant__error(GARANT_EAUTH, "the session's account is not active; log in again");
    /* A member her organization's manager has not approved reaches her own
    ** account and nothing else (desk_members.h): every other route, now
    ** and any added later, refuses her. */
    if (rt->auth != HTTP_ACCOUNT && r->user.role == GARANT_ROLE_CUSTOMER &&
        (r->user.approval == GARANT_APPROVAL_PENDING || r->user.approval == GARANT_APPROVAL_REFUSED))
        return garant__error(GARANT_EPERM, "your organization's manager has not approved your account yet: "
                                           "until then you can neither see nor file tickets");
    if (rt->auth == HTTP_STAFF && r->user.role == GARANT_ROLE_CUSTOMER)
        return garant__error(GARANT_EPERM, "only agents and admins may do this");
    if (rt->auth == HTTP_ADMIN && r->user.role != GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EPERM, "only admins may do this");
    if (rt->auth == HTTP_METRICS && r->user.role != GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EPERM, "only admins, or the metrics token (--metrics-token-file), may do this");
    return 0;
}

/* Cookie-authenticated writes must echo the session's CSRF token: a form
** on another site can send the cookie but cannot read the token. */
static int check_csrf(http_req *r)
{
    if (!r->authed || !r->via_cookie) return 0;
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) return 0;
    const char *t = http_header(r, "X-CSRF-Token");
    if (!t || strlen(t) != strlen(r->session.csrf) || sodium_memcmp(t, r->session.csrf, strlen(t)) != 0)
        return garant__error(GARANT_EPERM, "missing or wrong X-CSRF-Token header for a cookie-authenticated request");
    return 0;
}


/* Read the metrics token from --metrics-token-file into g: the file's
** text without its trailing line break, 16 to 512 characters of an
** RFC 6750 bearer token (token68), so that a scraper can send it as is. */
static int load_metrics_token(http_gate *g, const char *path)
{
    if (!path) return 0;
    uint8_t *data;
    size_t len;
    int rc = garant_io_read_file(&data, &len, path, 4096);
    if (rc) return garant__error(rc, "--metrics-token-file %s: %s", path, garant_error_last());
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' || data[len - 1] == '\t'))
        len--;
    size_t k = 0;
    while (k < len && ((data[k] >= 'a' && data[k] <= 'z') || (data[k] >= 'A' && data[k] <= 'Z') ||
                       (data[k] >= '0' && data[k] <= '9') || (data[k] && strchr("-._~+/", data[k]))))
        k++;
    while (k < len && data[k] == '=') k++;
    if (len < 16 || len > 512 || k != len) {
        free(data);
        return garant__error(GARANT_EINVAL,
                             "--metrics-token-file %s: the token must be one line of 16 to 512 characters from "
                             "A-Z a-z 0-9 - . _ ~ + / (then = for padding), like the output of "
                             "'openssl rand -base64 32'", path);
    }
    g->metrics_token = malloc(len + 1);
    if (g->metrics_token) {
        memcpy(g->metrics_token, data, len);
        g->metrics_token[len] = '\0';
    }
    sodium_memzero(data, len);
    free(data);
    return g->metrics_token ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
}

int http_gate_new(http_gate **out, const char *metrics_token_file)
{
    *out = NULL;
    int rc;
    http_gate *g = calloc(1, sizeof *g);
    if (!g) return garant__error(GARANT_ENOMEM, "out of memory");
    if ((rc = load_metrics_token(g, metrics_token_file))) goto fail;
    *out = g;
    return 0;
fail:
    http_gate_free(g);
    return rc;
}

void http_gate_free(http_gate *g)
{
    if (!g) return;
    if (g->metrics_token) sodium_memzero(g->metrics_token, strlen(g->metrics_token));
    free(g->metrics_token);
    free(g);
}

int http_gate_check(http_gate *g, http_req *r, const http_route *rt)
{
    /* The metrics token is no session: it stands in for one on its route. */
    int by_token = rt->auth == HTTP_METRICS && metrics_token_presented(g, r);
    int rc = by_token ? 0 : authenticate(r);
    /* A public route (login, sign-up, password reset) needs no session: a
    ** stale cookie, or a cookie without its CSRF token, must not lock the
    ** browser out of logging in again; the request runs unauthenticated. */
    if (rc == GARANT_EAUTH && rt->auth == HTTP_PUBLIC) rc = 0;
    if (rc) goto refused;
    if (!by_token && (rc = authorize(r, rt))) goto refused;
    if ((rc = check_csrf(r))) goto refused;
    return 0;

refused:
    if (rc == GARANT_EPERM && rt->auth == HTTP_PUBLIC && r->authed && r->via_cookie) {
        r->authed = 0;
        return 0;
    }
    return rc;
}
