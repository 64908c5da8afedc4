/*
** sessions.h - a cache of authenticated sessions in memory, so that a
** request presenting a known token is authenticated without reading the
** store.
**
** Why: every API request presents a session token. Looking it up costs a
** session and a user read, and after every commit a read connection finds
** its page cache dropped (the write-ahead log changed) and reads the pages
** again: 13 % of the server's CPU per ticket submission under load
** (docs/performance.md, "Where the time goes").
**
** Correctness rests on three rules:
**   - An entry is used only while its session has not expired at the
**     request's `now` (the store's own test) and only for `ttl_s` seconds
**     of monotonic time after it was read, which bounds how long a change
**     made outside this process (another server, the CLI) goes unseen.
**   - Whoever ends sessions in the store forgets them here after the
**     commit and before answering: logout a token, a password reset every
**     token of the user.
**   - A reader that missed notes the cache's generation before reading the
**     store, and its entry is kept only if no forget happened since: a
**     lookup racing a logout cannot put the ended session back.
**
** Thread-safe: one mutex, held only to copy an entry in or out.
*/
#ifndef GARANT_DESK_SESSIONS_H
#define GARANT_DESK_SESSIONS_H

#include <stdint.h>

#include "store.h"

typedef struct desk_sessions desk_sessions;

/* A cache of `slots` entries (rounded up to a power of two, at least 16)
** kept at most ttl_s seconds each. Caller owns; free with
** desk_sessions_free. NULL if out of memory. */
desk_sessions *desk_sessions_new(size_t slots, int ttl_s);
void desk_sessions_free(desk_sessions *c);

/* The generation to pass to desk_sessions_put after reading the store. */
uint64_t desk_sessions_generation(desk_sessions *c);

/* 1 and the session and its user copied out when the token's hash is
** cached, read less than ttl_s ago (mono_s: CLOCK_MONOTONIC seconds) and
** not expired at now (UTC epoch seconds); 0 otherwise. */
int desk_sessions_get(desk_sessions *c, const uint8_t hash[32], int64_t now, int64_t mono_s,
                      garant_session *out_session, garant_user *out_user);

/* Remember a session and its user, read from the store at mono_s, unless
** a forget happened since generation gen. Copies both; replaces whatever
** the slot held. */
void desk_sessions_put(desk_sessions *c, uint64_t gen, const garant_session *s, const garant_user *u,
                       int64_t mono_s);

/* Forget one token (logout), or every session of a user (password
** reset), or everything. */
void desk_sessions_forget(desk_sessions *c, const uint8_t hash[32]);
void desk_sessions_forget_user(desk_sessions *c, int64_t user_id);
void desk_sessions_clear(desk_sessions *c);

#endif
