/*
** config_nodes.c - typed access to the YAML nodes of a config for the
** reader (config.c): text, booleans, integers, lists and mappings with
** fixed or named keys. Each helper that finds the wrong shape records a
** finding saying what was expected and goes on; none stops the walk.
*/
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "config_reader.h"
#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

/* Copy user text into a message safely: control and non-ASCII bytes become
** '?', long text is cut with "...". Borrowed; valid for the next 3 calls. */
const char *garant_config__show_text(cfg *c, const char *s, size_t len)
{
    char *b = c->shown[c->next_shown++ & 3];
    size_t cap = sizeof c->shown[0], o = 0;
    for (size_t i = 0; i < len && o + 4 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        b[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (o + 4 >= cap && len > o) {
        memcpy(b + o, "...", 3);
        o += 3;
    }
    b[o] = '\0';
    return b;
}

const char *garant_config__show(cfg *c, const yaml_node_t *n)
{
    return garant_config__show_text(c, scalar(n), n->data.scalar.length);
}

/* What a node is, for "expected X, got Y" messages. */
const char *garant_config__describe(cfg *c, const yaml_node_t *n)
{
    if (!n) return "nothing";
    if (is_map(n)) return "a mapping";
    if (is_seq(n)) return "a list";
    if (is_null(n)) return "an empty value";
    char *b = c->shown[c->next_shown++ & 3];
    char inner[80];
    snprintf(inner, sizeof inner, "%s", garant_config__show(c, n));
    snprintf(b, sizeof c->shown[0], "'%s'", inner);
    return b;
}

/* The text of a scalar, or NULL after a finding that says what `what`
** should have been. Text with a NUL byte (a "\0" escape) is refused since
** every consumer takes C strings. */
const char *garant_config__want_text(cfg *c, const yaml_node_t *n, const char *what)
{
    if (!is_scalar(n) || is_null(n)) {
        garant_config__diag(c, n, "%s: expected text, got %s", what, garant_config__describe(c, n));
        return NULL;
    }
    if (strlen(scalar(n)) != n->data.scalar.length) {
        garant_config__diag(c, n, "%s: contains a NUL character", what);
        return NULL;
    }
    return scalar(n);
}

int garant_config__want_map(cfg *c, const yaml_node_t *n, const char *what)
{
    if (is_map(n)) return 1;
    garant_config__diag(c, n, "%s: expected a mapping, got %s", what,
                        garant_config__describe(c, n));
    return 0;
}

int garant_config__want_seq(cfg *c, const yaml_node_t *n, const char *what)
{
    if (is_seq(n)) return 1;
    garant_config__diag(c, n, "%s: expected a list, got %s", what, garant_config__describe(c, n));
    return 0;
}

/* A decimal integer in [lo, hi] with an optional sign and nothing else. */
int garant_config__parse_int(long *out, const char *s, long lo, long hi)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    if (!*p) return -1;
    long v = 0;
    for (int n = 0; *p; p++, n++) {
        if (*p < '0' || *p > '9' || n >= 9) return -1;
        v = v * 10 + (*p - '0');
    }
    if (neg) v = -v;
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* true / false, as YAML 1.2 spells them. */
int garant_config__want_bool(cfg *c, const yaml_node_t *n, const char *what)
{
    const char *s = garant_config__want_text(c, n, what);
    if (!s) return -1;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return 0;
    garant_config__diag(c, n, "%s: expected true or false, got '%s'", what,
                        garant_config__show(c, n));
    return -1;
}

/* Walk a mapping with a fixed set of keys (NULL-terminated). vals[i]
** receives the value of keys[i] or NULL; keys_out[i], if given, its key.
** Reports keys that are not text, unknown or repeated (libyaml accepts
** repeated keys; a second value silently winning would hide mistakes). */
void garant_config__fields(cfg *c, const yaml_node_t *map, const char *what,
                   const char *const *keys, const yaml_node_t **vals,
                   const yaml_node_t **keys_out)
{
    size_t nkeys = 0;
    while (keys[nkeys]) nkeys++;
    for (size_t i = 0; i < nkeys; i++) {
        vals[i] = NULL;
        if (keys_out) keys_out[i] = NULL;
    }
    const yaml_node_t *first_key[16] = {0};
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        if (!is_scalar(k)) {
            garant_config__diag(c, k, "%s: a key must be plain text, got %s", what,
                                garant_config__describe(c, k));
            continue;
        }
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i], scalar(k)) != 0) i++;
        if (i == nkeys || strlen(scalar(k)) != k->data.scalar.length) {
            char known[256];
            size_t o = 0;
            known[0] = '\0';
            for (size_t j = 0; j < nkeys && o < sizeof known; j++)
                o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", j ? ", " : "", keys[j]);
            garant_config__diag(c, k, "%s: unknown key '%s' (known: %s)", what,
                                garant_config__show(c, k), known);
            continue;
        }
        if (first_key[i]) {
            garant_config__diag(c, k, "%s: key '%s' appears twice (first at line %d, column %d)",
                                what, keys[i], line_of(first_key[i]), column_of(first_key[i]));
            continue;
        }
        first_key[i] = k;
        vals[i] = v;
        if (keys_out) keys_out[i] = k;
    }
}

/* For mappings whose keys are names (calendars, stages, ...): the key's
** text, or NULL after a finding. A repeat of an earlier key among the
** first `index` pairs is reported too. */
const char *garant_config__entry_key(cfg *c, const yaml_node_t *map, size_t index,
                             const char *what)
{
    const yaml_node_pair_t *p = map->data.mapping.pairs.start + index;
    const yaml_node_t *k = node_at(c, p->key);
    const char *s = garant_config__want_text(c, k, what);
    if (!s) return NULL;
    for (size_t j = 0; j < index; j++) {
        const yaml_node_t *prev = node_at(c, map->data.mapping.pairs.start[j].key);
        if (is_scalar(prev) && !strcmp(scalar(prev), s)) {
            garant_config__diag(c, k, "%s: '%s' appears twice (first at line %d, column %d)", what,
                                garant_config__show(c, k), line_of(prev), column_of(prev));
            return NULL;
        }
    }
    return s;
}

/* Refuse a mapping with more entries than any sane policy has. */
int garant_config__too_long(cfg *c, const yaml_node_t *n, size_t len, size_t max,
                    const char *what)
{
    if (len <= max) return 0;
    garant_config__diag(c, n, "%s: more than %zu entries", what, max);
    return 1;
}

/* A builder call failed: out of memory stops the reader, anything else is
** a finding at n with the builder's message. */
void garant_config__builder_failed(cfg *c, int rc, const yaml_node_t *n, const char *where)
{
    if (rc == GARANT_ENOMEM)
        c->oom = 1;
    else
        garant_config__diag(c, n, "%s: %s", where, garant_error_last());
}
