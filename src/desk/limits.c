/*
** limits.c - token buckets per user and organization, and a cap on the
** expensive reads one organization runs at once (limits.h).
**
** Buckets live in SHARDS tables of SLOTS slots each, a mutex a shard. A
** key (kind and id) hashes to a shard and a first slot; up to PROBE slots
** from there are looked at. A new key takes an empty slot, or else the
** slot whose bucket would be fullest now: a full bucket refuses nothing,
** so forgetting it changes no answer. Only when every probed bucket is
** partly drained does a new key push one out; that needs PROBE busy keys
** on one probe sequence, each a real account draining its quota.
**
** Tokens are counted in millionths, so that refills of a fraction of a
** token a millisecond add up exactly.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define SHARDS 64
#define SLOTS 1024
#define PROBE 8
#define UNIT 1000000LL          /* one token */
#define ORG_HEADS 256

typedef struct {
    uint64_t key;               /* 0 = empty */
    int64_t tokens;             /* millionths of a token, at last_ms */
    int64_t last_ms;
} bucket;

typedef struct {
    pthread_mutex_t mu;
    bucket slot[SLOTS];
} shard;

typedef struct org_reads {
    int64_t org_id;
    uint32_t running;
    struct org_reads *next;
} org_reads;

struct limits {
    limit_config cfg;
    shard shards[SHARDS];
    pthread_mutex_t org_mu;
    org_reads *org_head[ORG_HEADS];
};

static const char *const kind_names[LIMIT_KINDS] = {
    [LIMIT_FILE_USER] = "file-user", [LIMIT_FILE_ORG] = "file-org",
    [LIMIT_REPLY_USER] = "reply-user", [LIMIT_REPLY_ORG] = "reply-org",
    [LIMIT_READ_USER] = "read-user", [LIMIT_UPLOAD_USER] = "upload-user", [LIMIT_UPLOAD_ORG] = "upload-org",
};

void limits_defaults(limit_config *out)
{
    memset(out, 0, sizeof *out);
    /* A person files a few tickets an hour and a busy organization a few
    ** hundred a day; these refuse only a script. */
    out->rate[LIMIT_FILE_USER] = (limit_rate){ 30, 20 };
    out->rate[LIMIT_FILE_ORG] = (limit_rate){ 120, 60 };
    out->rate[LIMIT_REPLY_USER] = (limit_rate){ 60, 30 };
    out->rate[LIMIT_REPLY_ORG] = (limit_rate){ 300, 120 };
    out->rate[LIMIT_READ_USER] = (limit_rate){ 600, 120 };
    /* MiB: a person attaches a few screenshots and logs a minute, at most
    ** a few 25 MB files at once; an organization ten times that. */
    out->rate[LIMIT_UPLOAD_USER] = (limit_rate){ 100, 200 };
    out->rate[LIMIT_UPLOAD_ORG] = (limit_rate){ 500, 1000 };
    out->org_reads = 4;
}

/* A decimal in [0, 100000]; advances *p. */
static int number(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s++ - '0');
        if (v > 100000)
            return -1;
    }
    *out = (uint32_t)v;
    *p = s;
    return 0;
}

#define ACCEPTED "file-user, file-org, reply-user, reply-org, read-user, upload-user, upload-org (N/min[:burst]; " \
                 "uploads in MiB) and org-reads (N)"

int limits_parse(limit_config *cfg, const char *spec, char *err, size_t errcap)
{
    limit_config c = *cfg;
    const char *p = spec;
    if (!strcmp(spec, "none")) {
        memset(cfg, 0, sizeof *cfg);
        return 0;
    }
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end) {
            snprintf(err, errcap, "'%.*s' is not kind=value; kinds: " ACCEPTED, (int)(end - p), p);
            return -1;
        }
        size_t klen = (size_t)(eq - p);
        const char *v = eq + 1;
        if (klen == 9 && !memcmp(p, "org-reads", 9)) {
            if (number(&v, &c.org_reads) || v != end)
                goto bad_value;
        } else {
            int k;
            for (k = 0; k < LIMIT_KINDS; k++)
                if (strlen(kind_names[k]) == klen && !memcmp(p, kind_names[k], klen))
                    break;
            if (k == LIMIT_KINDS) {
                snprintf(err, errcap, "unknown limit '%.*s'; kinds: " ACCEPTED, (int)klen, p);
                return -1;
            }
            limit_rate r;
            if (number(&v, &r.per_minute) || strncmp(v, "/min", 4))
                goto bad_value;
            v += 4;
            r.burst = r.per_minute ? r.per_minute : 0;
            if (*v == ':') {
                v++;
                if (number(&v, &r.burst))
                    goto bad_value;
            }
            if (v != end || (r.per_minute && !r.burst))
                goto bad_value;
            c.rate[k] = r;
        }
        if (*end && !end[1]) {
            snprintf(err, errcap, "'%s' ends with a comma", spec);
            return -1;
        }
        p = *end ? end + 1 : end;
        continue;
bad_value:
        snprintf(err, errcap, "'%.*s': the value must be N/min or N/min:burst (N from 0 to 100000; 0 = no "
                 "limit, a burst of at least 1), or a number for org-reads", (int)(end - p), p);
        return -1;
    }
    *cfg = c;
    return 0;
}

limits *limits_new(const limit_config *cfg)
{
    limits *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cfg = *cfg;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&l->shards[i].mu, NULL);
    pthread_mutex_init(&l->org_mu, NULL);
    return l;
}

void limits_free(limits *l)
{
    if (!l)
        return;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&l->shards[i].mu);
    for (int i = 0; i < ORG_HEADS; i++) {
        org_reads *o = l->org_head[i];
        while (o) {
            org_reads *next = o->next;
            free(o);
            o = next;
        }
    }
    pthread_mutex_destroy(&l->org_mu);
    free(l);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* A bucket's tokens at now_ms, full at burst. */
static int64_t refilled(const bucket *b, limit_rate r, int64_t now_ms)
{
    int64_t cap = (int64_t)r.burst * UNIT;
    int64_t elapsed = now_ms - b->last_ms;
    if (elapsed <= 0)
        return b->tokens;
    /* Past a full refill the bucket is full; this also bounds the product. */
    if (elapsed >= 60000LL * r.burst / (r.per_minute ? r.per_minute : 1) + 1)
        return cap;
    int64_t t = b->tokens + elapsed * (int64_t)r.per_minute * (UNIT / 1000) / 60;
    return t > cap ? cap : t;
}

int limits_take(limits *l, limit_kind kind, int64_t id, int64_t now_ms) { return limits_take_n(l, kind, id, 1, now_ms); }

int limits_take_n(limits *l, limit_kind kind, int64_t id, uint32_t n, int64_t now_ms)
{
    if (kind < 0 || kind >= LIMIT_KINDS)
        return 0;
    limit_rate r = l->cfg.rate[kind];
    if (!r.per_minute)
        return 0;
    uint64_t key = ((uint64_t)(kind + 1) << 56) | ((uint64_t)id & 0x00ffffffffffffffULL);
    uint64_t h = mix(key);
    shard *s = &l->shards[h % SHARDS];
    size_t first = (size_t)(h / SHARDS) % SLOTS;
    int retry = 0;

    pthread_mutex_lock(&s->mu);
    bucket *b = NULL, *empty = NULL, *fullest = NULL;
    int64_t fullest_share = -1;     /* its tokens now, in thousandths of its burst */
    for (size_t i = 0; i < PROBE && !b; i++) {
        bucket *c = &s->slot[(first + i) % SLOTS];
        if (c->key == key) {
            b = c;
        } else if (!c->key) {
            if (!empty)
                empty = c;
        } else if (!empty) {
            limit_rate cr = l->cfg.rate[(c->key >> 56) - 1];
            int64_t share = cr.per_minute ? refilled(c, cr, now_ms) / cr.burst * 1000 / UNIT : INT64_MAX;
            if (share > fullest_share) {
                fullest = c;
                fullest_share = share;
            }
        }
    }
    if (!b) {
        b = empty ? empty : fullest;
        b->key = key;
        b->tokens = (int64_t)r.burst * UNIT;
        b->last_ms = now_ms;
    }
    int64_t t = refilled(b, r, now_ms);
    int64_t need = (int64_t)(n < r.burst ? (n ? n : 1) : r.burst) * UNIT;
    if (now_ms > b->last_ms)
        b->last_ms = now_ms;
    if (t >= need) {
        b->tokens = t - need;
    } else {
        b->tokens = t;
        /* Milliseconds until the missing part of the tokens has refilled. */
        int64_t missing = need - t;
        int64_t per_ms_x60 = (int64_t)r.per_minute * (UNIT / 1000); /* tokens*60 a ms */
        int64_t ms = (missing * 60 + per_ms_x60 - 1) / per_ms_x60;
        retry = (int)((ms + 999) / 1000);
        if (retry < 1)
            retry = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return retry;
}

int limits_enter(limits *l, int64_t org_id)
{
    if (!l->cfg.org_reads)
        return 1;
    size_t h = (size_t)(mix((uint64_t)org_id) % ORG_HEADS);
    int ok = 0;
    pthread_mutex_lock(&l->org_mu);
    org_reads *o = l->org_head[h];
    while (o && o->org_id != org_id)
        o = o->next;
    if (!o) {
        o = calloc(1, sizeof *o);
        if (!o) {
            /* Out of memory: refuse the read rather than run it uncounted. */
            pthread_mutex_unlock(&l->org_mu);
            return 0;
        }
        o->org_id = org_id;
        o->next = l->org_head[h];
        l->org_head[h] = o;
    }
    if (o->running < l->cfg.org_reads) {
        o->running++;
        ok = 1;
    }
    pthread_mutex_unlock(&l->org_mu);
    return ok;
}

void limits_leave(limits *l, int64_t org_id)
{
    if (!l->cfg.org_reads)
        return;
    size_t h = (size_t)(mix((uint64_t)org_id) % ORG_HEADS);
    pthread_mutex_lock(&l->org_mu);
    org_reads **pp = &l->org_head[h];
    while (*pp && (*pp)->org_id != org_id)
        pp = &(*pp)->next;
    org_reads *o = *pp;
    if (o && o->running && --o->running == 0) {
        *pp = o->next;
        free(o);
    }
    pthread_mutex_unlock(&l->org_mu);
}
