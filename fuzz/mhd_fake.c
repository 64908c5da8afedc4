/*
** mhd_fake.c - a request held in memory behind libmicrohttpd's lookups
** (mhd_fake.h), for fuzz_http_request.c.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "mhd_fake.h"

#define MAX_PAIRS 64

typedef struct pair {
    char *key, *value;
    size_t key_len, value_len;
} pair;

/* The request the fake connection answers for. */
static struct {
    pair headers[MAX_PAIRS], query[MAX_PAIRS], cookies[MAX_PAIRS];
    int nheaders, nquery, ncookies;
} req;

static const pair *lookup(const pair *p, int n, const char *key, int ci)
{
    for (int i = 0; i < n; i++)
        if (ci ? !strcasecmp(p[i].key, key) : !strcmp(p[i].key, key)) return &p[i];
    return NULL;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    const pair *p = NULL;
    if (!key) return NULL;
    if (kind == MHD_HEADER_KIND) p = lookup(req.headers, req.nheaders, key, 1);
    else if (kind == MHD_GET_ARGUMENT_KIND) p = lookup(req.query, req.nquery, key, 0);
    else if (kind == MHD_COOKIE_KIND) p = lookup(req.cookies, req.ncookies, key, 0);
    return p ? p->value : NULL;
}

int MHD_get_connection_values(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                              MHD_KeyValueIterator iterator, void *iterator_cls)
{
    (void)connection;
    const pair *p = kind == MHD_HEADER_KIND ? req.headers : kind == MHD_GET_ARGUMENT_KIND ? req.query : NULL;
    int n = 0, max = kind == MHD_HEADER_KIND ? req.nheaders : kind == MHD_GET_ARGUMENT_KIND ? req.nquery : 0;
    for (int i = 0; p && i < max; i++, n++)
        if (iterator && iterator(iterator_cls, kind, p[i].key, p[i].value) != MHD_YES) break;
    return n;
}

int MHD_get_connection_values_n(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                MHD_KeyValueIteratorN iterator, void *iterator_cls)
{
    (void)connection;
    if (kind != MHD_HEADER_KIND) return 0;
    int n = 0;
    for (int i = 0; i < req.nheaders; i++, n++)
        if (iterator && iterator(iterator_cls, kind, req.headers[i].key, req.headers[i].key_len,
                                 req.headers[i].value, req.headers[i].value_len) != MHD_YES)
            break;
    return n;
}

char *mhd_fake_dup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void add(pair *p, int *n, const char *k, size_t kn, const char *v, size_t vn)
{
    if (*n >= MAX_PAIRS) return;
    p[*n] = (pair){mhd_fake_dup(k, kn), mhd_fake_dup(v, vn), kn, vn};
    (*n)++;
}

static void clear(pair *p, int *n)
{
    for (int i = 0; i < *n; i++) {
        free(p[i].key);
        free(p[i].value);
    }
    *n = 0;
}

/* name=value pairs separated by sep (no decoding: libmicrohttpd decodes). */
static void split_pairs(pair *p, int *n, const char *s, size_t len, char sep)
{
    const char *end = s + len;
    while (s < end) {
        const char *e = memchr(s, sep, (size_t)(end - s));
        if (!e) e = end;
        while (s < e && *s == ' ') s++;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq) add(p, n, s, (size_t)(eq - s), eq + 1, (size_t)(e - eq - 1));
        else if (e > s) add(p, n, s, (size_t)(e - s), "", 0);
        s = e + 1;
    }
}

static pair *pairs_of(mhd_fake_kind kind, int **n)
{
    switch (kind) {
    case MHD_FAKE_HEADER:
        *n = &req.nheaders;
        return req.headers;
    case MHD_FAKE_QUERY:
        *n = &req.nquery;
        return req.query;
    default:
        *n = &req.ncookies;
        return req.cookies;
    }
}

void mhd_fake_add(mhd_fake_kind kind, const char *name, size_t name_len, const char *value, size_t value_len)
{
    int *n;
    pair *p = pairs_of(kind, &n);
    add(p, n, name, name_len, value, value_len);
}

void mhd_fake_split(mhd_fake_kind kind, const char *s, size_t len, char sep)
{
    int *n;
    pair *p = pairs_of(kind, &n);
    split_pairs(p, n, s, len, sep);
}

void mhd_fake_clear(void)
{
    clear(req.headers, &req.nheaders);
    clear(req.query, &req.nquery);
    clear(req.cookies, &req.ncookies);
}

struct MHD_Connection *mhd_fake_connection(void) { return (struct MHD_Connection *)&req; }
