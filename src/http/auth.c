/*
** auth.c - passwords and tokens, with libsodium.
**
** Passwords: argon2id at libsodium's "interactive" limits raised to 19 MiB
** and 2 passes at least (OWASP's minimum for argon2id); a stored hash whose
** limits are below the current ones is rehashed at the next login.
** Tokens: 32 random bytes shown once as base64url; only their SHA-256 is
** stored, so a leaked database does not leak live sessions.
*/
#include <string.h>

#include <sodium.h>

#include "../core/internal.h"
#include "http.h"

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
