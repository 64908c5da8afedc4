/*
** sessions.c - the session cache (sessions.h says why and the rules).
**
** A direct-mapped table: a token's hash picks one slot, and a new entry
** replaces what was there. Token hashes are SHA-256 of random tokens, so
** their first bytes are already uniformly spread and serve as the index.
** A collision costs one store lookup, never a wrong answer: the whole
** 32-byte hash is compared.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"

typedef struct entry {
    int used;
    int64_t read_at_s;        /* CLOCK_MONOTONIC seconds */
    garant_session session;
    garant_user user;
} entry;

struct desk_sessions {
    pthread_mutex_t mu;
    uint64_t gen;             /* bumped by every forget */
    int ttl_s;
    size_t mask;
    entry *slots;
};

desk_sessions *desk_sessions_new(size_t slots, int ttl_s)
{
    size_t n = 16;
    while (n < slots && n < ((size_t)1 << 24)) n <<= 1;
    desk_sessions *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->slots = calloc(n, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->mask = n - 1;
    c->ttl_s = ttl_s;
    return c;
}

void desk_sessions_free(desk_sessions *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

static size_t slot_of(const desk_sessions *c, const uint8_t hash[32])
{
    uint64_t k;
    memcpy(&k, hash, sizeof k);
    return (size_t)(k & c->mask);
}

uint64_t desk_sessions_generation(desk_sessions *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t g = c->gen;
    pthread_mutex_unlock(&c->mu);
    return g;
}

int desk_sessions_get(desk_sessions *c, const uint8_t hash[32], int64_t now, int64_t mono_s,
                      garant_session *out_session, garant_user *out_user)
{
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    entry *e = &c->slots[slot_of(c, hash)];
    if (e->used && memcmp(e->session.token_hash, hash, 32) == 0 && e->session.expires_at > now &&
        mono_s - e->read_at_s < c->ttl_s && mono_s >= e->read_at_s) {
        *out_session = e->session;
        *out_user = e->user;
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void desk_sessions_put(desk_sessions *c, uint64_t gen, const garant_session *s, const garant_user *u,
                       int64_t mono_s)
{
    pthread_mutex_lock(&c->mu);
    if (gen == c->gen) {
        entry *e = &c->slots[slot_of(c, s->token_hash)];
        e->used = 1;
        e->read_at_s = mono_s;
        e->session = *s;
        e->user = *u;
        /* The password hash is never needed to authenticate a request;
        ** it is not kept in memory longer than the store read. */
        memset(e->user.password_hash, 0, sizeof e->user.password_hash);
    }
    pthread_mutex_unlock(&c->mu);
}

void desk_sessions_forget(desk_sessions *c, const uint8_t hash[32])
{
    pthread_mutex_lock(&c->mu);
    c->gen++;
    entry *e = &c->slots[slot_of(c, hash)];
    if (e->used && memcmp(e->session.token_hash, hash, 32) == 0) e->used = 0;
    pthread_mutex_unlock(&c->mu);
}

void desk_sessions_forget_user(desk_sessions *c, int64_t user_id)
{
    pthread_mutex_lock(&c->mu);
    c->gen++;
    for (size_t i = 0; i <= c->mask; i++)
        if (c->slots[i].used && c->slots[i].user.id == user_id) c->slots[i].used = 0;
    pthread_mutex_unlock(&c->mu);
}

void desk_sessions_clear(desk_sessions *c)
{
    pthread_mutex_lock(&c->mu);
    c->gen++;
    for (size_t i = 0; i <= c->mask; i++) c->slots[i].used = 0;
    pthread_mutex_unlock(&c->mu);
}
