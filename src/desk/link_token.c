/*
** link_token.c - the tokens of mailed links and sessions (link_token.h).
** Apart from accounts.c and unlock.c, which both make them, so that
** neither needs the other for it.
*/
#include <string.h>

#include <sodium.h>

#include "link_token.h"

void desk_token_new(char out[44], uint8_t hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    crypto_hash_sha256(hash, (const unsigned char *)out, strlen(out));
}
