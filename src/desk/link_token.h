/*
** link_token.h - the tokens of the links the desk mails (confirming an
** address, resetting a password, lifting a locked login) and of sessions.
*/
#ifndef GARANT_DESK_LINK_TOKEN_H
#define GARANT_DESK_LINK_TOKEN_H

#include <stdint.h>

/* A new link token: 32 random bytes as base64url without padding (43
** characters and a NUL) into out, and the SHA-256 of that text, which is
** all the store keeps, into hash. */
void desk_token_new(char out[44], uint8_t hash[32]);

#endif
