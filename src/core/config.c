/*
** config.c - reads the YAML policy configuration (config/garant.yaml is the
** documented example, docs/config.md the reference) into a validated policy.
**
** The text is parsed twice with libyaml: a first pass over the events only
** enforces the ceilings (nesting depth, node count, one document) before
** yaml_parser_load builds the node tree, which is then walked by a schema
** written as code, one function per section. Every problem becomes a
** diagnostic with its 1-based line and column and the walk goes on, so that
** `garant config check` can list them all; the policy is handed out only if
** there are none. Names declared in one section are remembered even when
** their body is broken, so a mistake is reported once, not again by every
** target that refers to it.
**
** The walk never recurses over the document in general, only down the
** fixed shape of the schema, so aliases (even cyclic ones) cannot make it
** loop; the per-section ceilings bound the work an alias can multiply.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

/* Ceilings. A real policy is a few kilobytes; these keep hostile or broken
** input (the reader is fuzzed) from costing much time or memory. */
#define MAX_TEXT_BYTES (1u << 20)   /* whole config: 1 MiB -> GARANT_ELIMIT */
#define MAX_DEPTH 32                /* nested lists and mappings */
#define MAX_NODES 100000            /* YAML nodes in the document */
#define MAX_DIAGS 200               /* findings kept; later ones are counted */
#define MAX_CALENDARS 64            /* as in policy.c */
#define MAX_PLANS 64                /* as in policy.c */
#define MAX_STAGES 64               /* as in policy.c */
#define MAX_WINDOWS_PER_DAY 16      /* opening windows of one weekday, as in calendar.c */
#define MAX_HOLIDAYS 2000           /* `holidays` entries of one calendar */
#define MAX_ICS_FILES 16            /* `holidays_ics` entries of one calendar */
#define MAX_ENTRIES 256             /* keys of any other mapping */
#define MAX_NAME_BYTES 200          /* holiday and priority display names */
#define MAX_DEFINITION_BYTES 4000   /* a priority's definition text */
#define MAX_DURATION_S (365 * 86400LL)
#define MAX_EASTER_OFFSET 100       /* days either side of Easter Sunday */
#define YEAR_MIN 1900               /* `years` bounds and widest span */
#define YEAR_MAX 9999
#define MAX_YEAR_SPAN 400

/* The built-in wall-clock "calendar" of targets. */
#define WALL_CALENDAR "24/7"

/* ---- diagnostics -------------------------------------------------------- */

typedef struct diag_item {
    garant_diag d;   /* message is owned */
    size_t seq;      /* order of discovery, to keep the sort stable */
} diag_item;

struct garant_diags {
    diag_item *items;
    size_t n, cap;
    size_t dropped;  /* findings past MAX_DIAGS, only counted */
};

size_t garant_diags_count(const garant_diags *d) { return d ? d->n : 0; }

const garant_diag *garant_diags_get(const garant_diags *d, size_t i)
{
    return d && i < d->n ? &d->items[i].d : NULL;
}

void garant_diags_free(garant_diags *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) free((char *)d->items[i].d.message);
    free(d->items);
    free(d);
}

/* Append a finding; the message is copied. Returns 0 or GARANT_ENOMEM. */
static int diags_push(garant_diags *d, int line, int column, const char *msg)
{
    if (garant__grow((void **)&d->items, &d->cap, d->n + 1, sizeof *d->items))
        return GARANT_ENOMEM;
    char *copy = garant__strdup(msg);
    if (!copy) return GARANT_ENOMEM;
    diag_item *it = &d->items[d->n];
    it->d.line = line;
    it->d.column = column;
    it->d.message = copy;
    it->seq = d->n;
    d->n++;
    return 0;
}

/* As diags_push, but past MAX_DIAGS findings are only counted. */
static int diags_add(garant_diags *d, int line, int column, const char *msg)
{
    if (d->n >= MAX_DIAGS) {
        d->dropped++;
        return 0;
    }
    return diags_push(d, line, column, msg);
}

static int diag_cmp(const void *a, const void *b)
{
    const diag_item *x = a, *y = b;
    if (x->d.line != y->d.line) return x->d.line < y->d.line ? -1 : 1;
    if (x->d.column != y->d.column) return x->d.column < y->d.column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- the reader's state ------------------------------------------------- */

/* A calendar as declared under `calendars`, kept for the cross-checks. */
typedef struct calinfo {
    const char *name;          /* borrowed from the document */
    const yaml_node_t *key;
    int built;                 /* compiled and added to the policy */
    int never_open;            /* no hours (or no open time once compiled) */
} calinfo;

typedef struct planinfo {
    const char *name;          /* borrowed from the document */
    const yaml_node_t *node;
    unsigned char has_target[GARANT_PRIORITY_MAX + 1]; /* by level */
    const yaml_node_t *targets_key; /* its key under `targets`, if any */
    int added;                 /* the policy accepted the name */
} planinfo;

/* An opening window as written, to name both sides of an overlap. */
typedef struct window {
    int start_min, end_min;
    const yaml_node_t *node;
    const char *dayspec;       /* the hours key it came from */
} window;

enum {
    K_VERSION, K_CALENDARS, K_PLANS, K_PRIORITIES, K_DEFAULT_PRIORITY,
    K_STAGES, K_TARGETS, K_WARNING_AT, K_DISPLAY_CALENDAR, K_SIGNUP, K_TOP_COUNT
};

static const char *const top_keys[] = {
    "version", "calendars", "plans", "priorities", "default_priority",
    "stages", "targets", "warning_at", "display_calendar", "signup", NULL
};

typedef struct cfg {
    yaml_document_t doc;
    garant_diags *diags;
    garant_policy *pol;
    garant_resource_fn fn;
    void *ctx;
    int oom;                   /* sticky: an allocation failed */
    const yaml_node_t *top[K_TOP_COUNT];

    calinfo cals[MAX_CALENDARS];
    size_t ncals;
    planinfo plans[MAX_PLANS];
    size_t nplans;
    int plans_usable;          /* `plans` was a list: unknown names are errors */
    const yaml_node_t *prio_node[GARANT_PRIORITY_MAX + 1]; /* declared levels */
    int prios_usable;          /* `priorities` was a mapping */

    window win[7][MAX_WINDOWS_PER_DAY]; /* per weekday, 0 = Sunday */
    size_t nwin[7];

    char shown[4][96];         /* rotating buffers for show() */
    unsigned next_shown;
} cfg;

static void diag_line(cfg *c, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag_line(cfg *c, int line, int column, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (diags_add(c->diags, line, column, msg)) c->oom = 1;
}

static void diag(cfg *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record a finding at node n (its first character). */
static void diag(cfg *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = n ? (int)n->start_mark.line + 1 : 0;
    int column = n ? (int)n->start_mark.column + 1 : 0;
    if (diags_add(c->diags, line, column, msg)) c->oom = 1;
}

static int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }
static int column_of(const yaml_node_t *n) { return (int)n->start_mark.column + 1; }

static const yaml_node_t *node_at(cfg *c, int id)
{
    return yaml_document_get_node(&c->doc, id);
}

static int is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }
static int is_map(const yaml_node_t *n) { return n && n->type == YAML_MAPPING_NODE; }
static int is_seq(const yaml_node_t *n) { return n && n->type == YAML_SEQUENCE_NODE; }

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* An empty value: `key:` with nothing after it, `~` or `null`. */
static int is_null(const yaml_node_t *n)
{
    if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = scalar(n);
    return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* Copy user text into a message safely: control and non-ASCII bytes become
** '?', long text is cut with "...". Borrowed; valid for the next 3 calls. */
static const char *show_text(cfg *c, const char *s, size_t len)
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

static const char *show(cfg *c, const yaml_node_t *n)
{
    return show_text(c, scalar(n), n->data.scalar.length);
}

/* What a node is, for "expected X, got Y" messages. */
static const char *describe(cfg *c, const yaml_node_t *n)
{
    if (!n) return "nothing";
    if (is_map(n)) return "a mapping";
    if (is_seq(n)) return "a list";
    if (is_null(n)) return "an empty value";
    char *b = c->shown[c->next_shown++ & 3];
    char inner[80];
    snprintf(inner, sizeof inner, "%s", show(c, n));
    snprintf(b, sizeof c->shown[0], "'%s'", inner);
    return b;
}

/* The text of a scalar, or NULL after a finding that says what `what`
** should have been. Text with a NUL byte (a "\0" escape) is refused since
** every consumer takes C strings. */
static const char *want_text(cfg *c, const yaml_node_t *n, const char *what)
{
    if (!is_scalar(n) || is_null(n)) {
        diag(c, n, "%s: expected text, got %s", what, describe(c, n));
        return NULL;
    }
    if (strlen(scalar(n)) != n->data.scalar.length) {
        diag(c, n, "%s: contains a NUL character", what);
        return NULL;
    }
    return scalar(n);
}

static int want_map(cfg *c, const yaml_node_t *n, const char *what)
{
    if (is_map(n)) return 1;
    diag(c, n, "%s: expected a mapping, got %s", what, describe(c, n));
    return 0;
}

static int want_seq(cfg *c, const yaml_node_t *n, const char *what)
{
    if (is_seq(n)) return 1;
    diag(c, n, "%s: expected a list, got %s", what, describe(c, n));
    return 0;
}

/* A decimal integer in [lo, hi] with an optional sign and nothing else. */
static int parse_int(long *out, const char *s, long lo, long hi)
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
static int want_bool(cfg *c, const yaml_node_t *n, const char *what)
{
    const char *s = want_text(c, n, what);
    if (!s) return -1;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return 0;
    diag(c, n, "%s: expected true or false, got '%s'", what, show(c, n));
    return -1;
}

/* Walk a mapping with a fixed set of keys (NULL-terminated). vals[i]
** receives the value of keys[i] or NULL; keys_out[i], if given, its key.
** Reports keys that are not text, unknown or repeated (libyaml accepts
** repeated keys; a second value silently winning would hide mistakes). */
static void fields(cfg *c, const yaml_node_t *map, const char *what,
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
            diag(c, k, "%s: a key must be plain text, got %s", what, describe(c, k));
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
            diag(c, k, "%s: unknown key '%s' (known: %s)", what, show(c, k), known);
            continue;
        }
        if (first_key[i]) {
            diag(c, k, "%s: key '%s' appears twice (first at line %d, column %d)", what, keys[i],
                 line_of(first_key[i]), column_of(first_key[i]));
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
static const char *entry_key(cfg *c, const yaml_node_t *map, size_t index,
                             const char *what)
{
    const yaml_node_pair_t *p = map->data.mapping.pairs.start + index;
    const yaml_node_t *k = node_at(c, p->key);
    const char *s = want_text(c, k, what);
    if (!s) return NULL;
    for (size_t j = 0; j < index; j++) {
        const yaml_node_t *prev = node_at(c, map->data.mapping.pairs.start[j].key);
        if (is_scalar(prev) && !strcmp(scalar(prev), s)) {
            diag(c, k, "%s: '%s' appears twice (first at line %d, column %d)", what, show(c, k),
                 line_of(prev), column_of(prev));
            return NULL;
        }
    }
    return s;
}

static size_t map_len(const yaml_node_t *m)
{
    return (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

static size_t seq_len(const yaml_node_t *s)
{
    return (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
}

/* Refuse a mapping with more entries than any sane policy has. */
static int too_long(cfg *c, const yaml_node_t *n, size_t len, size_t max,
                    const char *what)
{
    if (len <= max) return 0;
    diag(c, n, "%s: more than %zu entries", what, max);
    return 1;
}

/* ---- value syntaxes ----------------------------------------------------- */

/* "HH:MM" at *p (hour 1-2 digits, minute 2), advancing p; minutes since
** midnight (24:00 allowed as 1440). On error writes why into err. */
static int parse_clock(int *out_min, const char **p, char *err, size_t cap)
{
    const char *s = *p;
    int h = 0, nd = 0;
    while (*s >= '0' && *s <= '9' && nd < 3) h = h * 10 + (*s++ - '0'), nd++;
    if (nd < 1 || nd > 2 || *s != ':' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9' || (s[3] >= '0' && s[3] <= '9')) {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    int m = (s[1] - '0') * 10 + (s[2] - '0');
    if (h > 24) {
        snprintf(err, cap, "hour %d is out of range", h);
        return -1;
    }
    if (m > 59) {
        snprintf(err, cap, "minute %d is out of range", m);
        return -1;
    }
    if (h == 24 && m != 0) {
        snprintf(err, cap, "24:%02d is past the end of the day", m);
        return -1;
    }
    *out_min = h * 60 + m;
    *p = s + 3;
    return 0;
}

/* "HH:MM-HH:MM", local wall time, [start, end) in minutes; end may be
** 24:00. On error writes why into err. */
static int parse_window(int *out_start, int *out_end, const char *s, char *err,
                        size_t cap)
{
    const char *p = s;
    int a, b;
    if (parse_clock(&a, &p, err, cap)) return -1;
    while (*p == ' ') p++;
    if (*p != '-') {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    p++;
    while (*p == ' ') p++;
    if (parse_clock(&b, &p, err, cap)) return -1;
    if (*p) {
        snprintf(err, cap, "expected \"HH:MM-HH:MM\"");
        return -1;
    }
    if (a == GARANT_DAY_MIN) {
        snprintf(err, cap, "24:00 can only end a window");
        return -1;
    }
    if (a >= b) {
        snprintf(err, cap, "start %02d:%02d is not before end %02d:%02d", a / 60, a % 60,
                 b / 60, b % 60);
        return -1;
    }
    *out_start = a;
    *out_end = b;
    return 0;
}

/* "90m", "3h", "1h30m", "2d", "45s": units d, h, m, s in that order, each
** at most once; days are 24 h. Seconds through *out_s. */
static int parse_duration(int64_t *out_s, const char *s, char *err, size_t cap)
{
    static const char units[] = "dhms";
    static const int64_t unit_s[] = {86400, 3600, 60, 1};
    int64_t total = 0;
    int last = -1;
    const char *p = s;
    if (!*p) goto bad;
    while (*p) {
        int64_t v = 0;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (++nd > 7) {
                snprintf(err, cap, "is longer than 365 days");
                return -1;
            }
            v = v * 10 + (*p++ - '0');
        }
        const char *u = *p ? strchr(units, *p) : NULL;
        if (!nd || !u) goto bad;
        int ui = (int)(u - units);
        if (ui <= last) {
            snprintf(err, cap, "units must come in the order d, h, m, s, each once");
            return -1;
        }
        last = ui;
        total += v * unit_s[ui];
        p++;
    }
    if (total <= 0) {
        snprintf(err, cap, "must be longer than zero");
        return -1;
    }
    if (total > MAX_DURATION_S) {
        snprintf(err, cap, "is longer than 365 days");
        return -1;
    }
    *out_s = total;
    return 0;
bad:
    snprintf(err, cap, "expected a duration like 90m, 3h, 1h30m or 2d");
    return -1;
}

/* "MM-DD" (every year, *out_year = 0) or "YYYY-MM-DD". */
static int parse_holiday_date(int64_t *out_year, unsigned *out_month,
                              unsigned *out_day, const char *s, char *err,
                              size_t cap)
{
    static const char *const month_names[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    size_t len = strlen(s);
    int64_t y = 0;
    const char *md = s;
    if (len == 10 && s[4] == '-') {
        for (int i = 0; i < 4; i++) {
            if (s[i] < '0' || s[i] > '9') goto bad;
            y = y * 10 + (s[i] - '0');
        }
        md = s + 5;
    } else if (len != 5) {
        goto bad;
    }
    if (md[0] < '0' || md[0] > '9' || md[1] < '0' || md[1] > '9' || md[2] != '-' ||
        md[3] < '0' || md[3] > '9' || md[4] < '0' || md[4] > '9')
        goto bad;
    unsigned m = (unsigned)((md[0] - '0') * 10 + (md[1] - '0'));
    unsigned d = (unsigned)((md[3] - '0') * 10 + (md[4] - '0'));
    if (md == s + 5 && y < 1) {
        snprintf(err, cap, "year %04lld is out of range", (long long)y);
        return -1;
    }
    if (m < 1 || m > 12) {
        snprintf(err, cap, "month %u is out of range", m);
        return -1;
    }
    /* A yearly date is checked against a leap year: 02-29 is a holiday in
    ** the years that have it. */
    unsigned dim = garant_days_in_month(md == s ? 2000 : y, m);
    if (d < 1 || d > dim) {
        if (md == s || d < 1)
            snprintf(err, cap, "%s has no day %u", month_names[m - 1], d);
        else
            snprintf(err, cap, "%s %04lld has no day %u", month_names[m - 1], (long long)y, d);
        return -1;
    }
    *out_year = y;
    *out_month = m;
    *out_day = d;
    return 0;
bad:
    snprintf(err, cap, "expected \"MM-DD\" (every year) or \"YYYY-MM-DD\" (once)");
    return -1;
}

/* Weekday names, Monday first as people write ranges; wd is the header's
** numbering (0 = Sunday). */
static const struct {
    const char *name, *abbr;
    unsigned wd;
} weekdays[7] = {
    {"monday", "mon", 1}, {"tuesday", "tue", 2}, {"wednesday", "wed", 3},
    {"thursday", "thu", 4}, {"friday", "fri", 5}, {"saturday", "sat", 6},
    {"sunday", "sun", 0},
};

/* Index (Monday = 0) of a weekday name or abbreviation, any case; -1. */
static int weekday_index(const char *s, size_t len)
{
    char low[16];
    if (len == 0 || len >= sizeof low) return -1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    low[len] = '\0';
    for (int i = 0; i < 7; i++)
        if (!strcmp(low, weekdays[i].name) || !strcmp(low, weekdays[i].abbr)) return i;
    return -1;
}

/* ---- calendars ---------------------------------------------------------- */

/* Load a zone through the resource callback. "UTC" is built in so that a
** policy on UTC needs no zoneinfo. 0 with *out set, or -1 after a finding
** (or with c->oom set). */
static int load_zone(cfg *c, garant_tz **out, const yaml_node_t *n,
                     const char *where)
{
    *out = NULL;
    const char *zone = want_text(c, n, where);
    if (!zone) return -1;
    int rc;
    if (!strcmp(zone, "UTC")) {
        rc = garant_tz_utc(out);
        if (rc == GARANT_ENOMEM) c->oom = 1;
        return rc ? -1 : 0;
    }
    if (!c->fn) {
        diag(c, n, "%s: no resource reader was given to load time zone '%s'", where, show(c, n));
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    garant__error_clear();
    rc = c->fn(c->ctx, GARANT_RESOURCE_ZONE, zone, &data, &len);
    if (rc) {
        free(data);
        if (rc == GARANT_ENOMEM) {
            c->oom = 1;
        } else if (rc == GARANT_ENOTFOUND) {
            diag(c, n, "%s: unknown time zone '%s'", where, show(c, n));
        } else {
            diag(c, n, "%s: time zone '%s' could not be read: %s", where, show(c, n),
                 garant_error_last());
        }
        return -1;
    }
    rc = garant_tz_parse(out, zone, data, len);
    free(data);
    if (rc == GARANT_ENOMEM) {
        c->oom = 1;
        return -1;
    }
    if (rc) {
        diag(c, n, "%s: time zone '%s' is damaged: %s", where, show(c, n), garant_error_last());
        return -1;
    }
    return 0;
}

/* One `hours` entry: "monday-friday" -> weekday indices [from, to]. */
static int parse_dayspec(cfg *c, const yaml_node_t *k, const char *where,
                         int *out_from, int *out_to)
{
    const char *s = want_text(c, k, where);
    if (!s) return -1;
    const char *dash = strchr(s, '-');
    size_t len_a = dash ? (size_t)(dash - s) : strlen(s);
    int a = weekday_index(s, len_a);
    int b = dash ? weekday_index(dash + 1, strlen(dash + 1)) : a;
    if (a < 0 || b < 0) {
        diag(c, k, "%s: unknown weekday '%s' (use monday..sunday, mon..sun, or a range "
                   "like monday-friday)", where, show(c, k));
        return -1;
    }
    if (b < a) {
        diag(c, k, "%s: range '%s' runs backwards (weeks run monday to sunday)", where, show(c, k));
        return -1;
    }
    *out_from = a;
    *out_to = b;
    return 0;
}

/* `hours`: record windows per weekday, reporting overlaps with both sides;
** the caller adds the survivors to the spec. */
static void read_hours(cfg *c, const yaml_node_t *hours, const char *calname)
{
    char where[160];
    snprintf(where, sizeof where, "calendar '%s': hours", calname);
    if (!want_map(c, hours, where)) return;
    if (too_long(c, hours, map_len(hours), MAX_ENTRIES, where)) return;
    for (size_t i = 0; i < map_len(hours); i++) {
        const yaml_node_pair_t *p = hours->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        if (!entry_key(c, hours, i, where)) continue;
        int from, to;
        if (parse_dayspec(c, k, where, &from, &to)) continue;
        char sub[200];
        snprintf(sub, sizeof sub, "calendar '%s': hours '%s'", calname, show(c, k));
        /* A single window may be written without the list brackets. */
        const yaml_node_item_t *it, *end;
        yaml_node_item_t one = p->value;
        if (is_seq(v)) {
            it = v->data.sequence.items.start;
            end = v->data.sequence.items.top;
        } else if (is_scalar(v) && !is_null(v)) {
            it = &one;
            end = &one + 1;
        } else {
            diag(c, v, "%s: expected a list of \"HH:MM-HH:MM\" windows, got %s", sub,
                 describe(c, v));
            continue;
        }
        for (; it < end; it++) {
            const yaml_node_t *w = node_at(c, *it);
            const char *s = want_text(c, w, sub);
            if (!s) continue;
            int a, b;
            char err[120];
            if (parse_window(&a, &b, s, err, sizeof err)) {
                diag(c, w, "%s: \"%s\": %s", sub, show(c, w), err);
                continue;
            }
            for (int d = from; d <= to; d++) {
                unsigned wd = weekdays[d].wd;
                int clash = 0;
                for (size_t j = 0; j < c->nwin[wd] && !clash; j++) {
                    const window *o = &c->win[wd][j];
                    if (a < o->end_min && o->start_min < b) {
                        clash = 1;
                        char other[100], from_key[100];
                        snprintf(other, sizeof other, "%s", show(c, o->node));
                        snprintf(from_key, sizeof from_key, "%s",
                                 show_text(c, o->dayspec, strlen(o->dayspec)));
                        diag(c, w, "%s: \"%s\" overlaps \"%s\" of '%s' (line %d, column %d) on %s",
                             sub, show(c, w), other, from_key, line_of(o->node),
                             column_of(o->node), weekdays[d].name);
                    }
                }
                if (clash) break;
                if (c->nwin[wd] == MAX_WINDOWS_PER_DAY) {
                    diag(c, w, "%s: more than %d windows on %s", sub, MAX_WINDOWS_PER_DAY,
                         weekdays[d].name);
                    break;
                }
                c->win[wd][c->nwin[wd]++] = (window){a, b, w, scalar(k)};
            }
        }
    }
}

/* One `holidays` entry into *out (name borrowed from the document). */
static int read_holiday(cfg *c, const yaml_node_t *n, const char *calname,
                        garant_holiday *out)
{
    static const char *const keys[] = {"name", "date", "easter", "closed", NULL};
    enum { H_NAME, H_DATE, H_EASTER, H_CLOSED };
    char where[200];
    snprintf(where, sizeof where, "calendar '%s': holiday", calname);
    if (!want_map(c, n, where)) return -1;
    const yaml_node_t *v[4];
    fields(c, n, where, keys, v, NULL);
    int ok = 1;
    memset(out, 0, sizeof *out);
    out->closed_from_min = 0;
    out->closed_to_min = GARANT_DAY_MIN;
    if (!v[H_NAME]) {
        diag(c, n, "%s: missing key 'name'", where);
        ok = 0;
    } else {
        out->name = want_text(c, v[H_NAME], where);
        if (!out->name) {
            ok = 0;
        } else if (strlen(out->name) > MAX_NAME_BYTES) {
            diag(c, v[H_NAME], "%s: name is longer than %d bytes", where, MAX_NAME_BYTES);
            ok = 0;
        } else {
            snprintf(where, sizeof where, "calendar '%s': holiday '%s'", calname,
                     show(c, v[H_NAME]));
        }
    }
    char err[120];
    if (v[H_DATE] && v[H_EASTER]) {
        diag(c, v[H_EASTER], "%s: give either date or easter, not both", where);
        ok = 0;
    } else if (v[H_DATE]) {
        const char *s = want_text(c, v[H_DATE], where);
        if (!s) {
            ok = 0;
        } else if (parse_holiday_date(&out->year, &out->month, &out->day, s, err, sizeof err)) {
            diag(c, v[H_DATE], "%s: date \"%s\": %s", where, show(c, v[H_DATE]), err);
            ok = 0;
        } else {
            out->kind = out->year ? GARANT_HOLIDAY_DATE : GARANT_HOLIDAY_FIXED;
        }
    } else if (v[H_EASTER]) {
        const char *s = want_text(c, v[H_EASTER], where);
        long off;
        if (!s) {
            ok = 0;
        } else if (parse_int(&off, s, -MAX_EASTER_OFFSET, MAX_EASTER_OFFSET)) {
            diag(c, v[H_EASTER], "%s: easter: expected whole days from Easter Sunday "
                                 "between %d and %d, got '%s'",
                 where, -MAX_EASTER_OFFSET, MAX_EASTER_OFFSET, show(c, v[H_EASTER]));
            ok = 0;
        } else {
            out->kind = GARANT_HOLIDAY_EASTER;
            out->easter_offset = (int)off;
        }
    } else {
        diag(c, n, "%s: needs a date (\"MM-DD\" or \"YYYY-MM-DD\") or easter (days from "
                   "Easter Sunday)", where);
        ok = 0;
    }
    if (v[H_CLOSED]) {
        const char *s = want_text(c, v[H_CLOSED], where);
        if (!s) {
            ok = 0;
        } else if (parse_window(&out->closed_from_min, &out->closed_to_min, s, err, sizeof err)) {
            diag(c, v[H_CLOSED], "%s: closed \"%s\": %s", where, show(c, v[H_CLOSED]), err);
            ok = 0;
        }
    }
    return ok ? 0 : -1;
}

/* A builder call failed: out of memory stops the reader, anything else is
** a finding at n with the builder's message. */
static void builder_failed(cfg *c, int rc, const yaml_node_t *n, const char *where)
{
    if (rc == GARANT_ENOMEM)
        c->oom = 1;
    else
        diag(c, n, "%s: %s", where, garant_error_last());
}

/* Fetch each `holidays_ics` file and add its events to the spec. */
static int read_ics(cfg *c, const yaml_node_t *list, const char *calname,
                    garant_calendar_spec *spec)
{
    char where[160];
    snprintf(where, sizeof where, "calendar '%s': holidays_ics", calname);
    const yaml_node_item_t *it, *end;
    yaml_node_item_t one;
    if (is_seq(list)) {
        it = list->data.sequence.items.start;
        end = list->data.sequence.items.top;
        if (seq_len(list) > MAX_ICS_FILES) {
            diag(c, list, "%s: more than %d files", where, MAX_ICS_FILES);
            return -1;
        }
    } else if (is_scalar(list) && !is_null(list)) {
        one = (yaml_node_item_t)(list - c->doc.nodes.start) + 1;
        it = &one;
        end = &one + 1;
    } else {
        diag(c, list, "%s: expected a list of file names, got %s", where, describe(c, list));
        return -1;
    }
    int ok = 1;
    for (; it < end && !c->oom; it++) {
        const yaml_node_t *f = node_at(c, *it);
        const char *path = want_text(c, f, where);
        if (!path) {
            ok = 0;
            continue;
        }
        if (!c->fn) {
            diag(c, f, "%s: no resource reader was given to read '%s'", where, show(c, f));
            ok = 0;
            continue;
        }
        uint8_t *data = NULL;
        size_t len = 0, n = 0;
        garant__error_clear();
        int rc = c->fn(c->ctx, GARANT_RESOURCE_FILE, path, &data, &len);
        if (rc) {
            free(data);
            if (rc == GARANT_ENOMEM) c->oom = 1;
            else diag(c, f, "%s: '%s' could not be read: %s", where, show(c, f), garant_error_last());
            ok = 0;
            continue;
        }
        rc = garant_ics_add_holidays(&n, spec, (const char *)data, len);
        free(data);
        if (rc == GARANT_ENOMEM) {
            c->oom = 1;
        } else if (rc) {
            diag(c, f, "%s: '%s': %s", where, show(c, f), garant_error_last());
            ok = 0;
        }
    }
    return ok ? 0 : -1;
}

static int parse_years(int *out_from, int *out_to, const char *s, char *err,
                       size_t cap)
{
    long a = 0, b = 0;
    char buf[16];
    const char *dash = strchr(s, '-');
    size_t la = dash ? (size_t)(dash - s) : 0;
    if (!dash || la != 4 || strlen(dash + 1) != 4) goto bad;
    memcpy(buf, s, 4);
    buf[4] = '\0';
    if (buf[0] == '-' || buf[0] == '+' || dash[1] == '-' || dash[1] == '+') goto bad;
    if (parse_int(&a, buf, 0, 9999) || parse_int(&b, dash + 1, 0, 9999)) goto bad;
    if (a < YEAR_MIN || b > YEAR_MAX) {
        snprintf(err, cap, "years must lie within %d-%d", YEAR_MIN, YEAR_MAX);
        return -1;
    }
    if (a > b) {
        snprintf(err, cap, "%ld is after %ld", a, b);
        return -1;
    }
    if (b - a >= MAX_YEAR_SPAN) {
        snprintf(err, cap, "spans more than %d years", MAX_YEAR_SPAN);
        return -1;
    }
    *out_from = (int)a;
    *out_to = (int)b;
    return 0;
bad:
    snprintf(err, cap, "expected \"FROM-TO\" like 1970-2100");
    return -1;
}

/* One entry under `calendars`: build, compile and add it to the policy. */
static void read_calendar(cfg *c, calinfo *ci, const yaml_node_t *body)
{
    static const char *const keys[] = {"timezone", "hours", "holidays", "holidays_ics",
                                       "years", "always_open", NULL};
    enum { C_TZ, C_HOURS, C_HOLIDAYS, C_ICS, C_YEARS, C_ALWAYS };
    char where[160];
    snprintf(where, sizeof where, "calendar '%s'", show_text(c, ci->name, strlen(ci->name)));
    char calname[100];
    snprintf(calname, sizeof calname, "%s", show_text(c, ci->name, strlen(ci->name)));
    ci->never_open = 1;
    if (!want_map(c, body, where)) return;
    const yaml_node_t *v[6], *k[6];
    fields(c, body, where, keys, v, k);
    int ok = 1, always = 0;
    if (v[C_ALWAYS]) {
        always = want_bool(c, v[C_ALWAYS], where);
        if (always < 0) ok = 0, always = 0;
        for (int i = C_HOURS; always && i <= C_ICS; i++) {
            if (!k[i]) continue;
            diag(c, k[i], "%s: '%s' cannot be combined with always_open: true", where, keys[i]);
            ok = 0;
        }
    }
    garant_calendar_spec *spec = NULL;
    int rc = garant_calspec_new(&spec, ci->name);
    if (rc) {
        builder_failed(c, rc, ci->key, where);
        return;
    }
    if (v[C_TZ]) {
        garant_tz *tz;
        if (load_zone(c, &tz, v[C_TZ], where)) {
            ok = 0;
        } else if ((rc = garant_calspec_set_tz(spec, tz))) {
            builder_failed(c, rc, v[C_TZ], where);
            ok = 0;
        }
    } else if (!always) {
        diag(c, body, "%s: missing key 'timezone' (an IANA zone like Europe/Bratislava, "
                      "or UTC)", where);
        ok = 0;
    }
    memset(c->nwin, 0, sizeof c->nwin);
    if (v[C_HOURS] && !always) read_hours(c, v[C_HOURS], calname);
    size_t nwindows = 0;
    for (unsigned wd = 0; wd < 7; wd++) {
        for (size_t j = 0; j < c->nwin[wd] && !c->oom; j++) {
            const window *w = &c->win[wd][j];
            nwindows++;
            rc = garant_calspec_add_hours(spec, wd, w->start_min, w->end_min);
            if (rc) builder_failed(c, rc, w->node, where), ok = 0;
        }
    }
    if (v[C_HOLIDAYS] && !always) {
        const yaml_node_t *hl = v[C_HOLIDAYS];
        char hw[200];
        snprintf(hw, sizeof hw, "%s: holidays", where);
        if (!want_seq(c, hl, hw)) {
            ok = 0;
        } else if (seq_len(hl) > MAX_HOLIDAYS) {
            diag(c, hl, "%s: more than %d entries", hw, MAX_HOLIDAYS);
            ok = 0;
        } else {
            for (yaml_node_item_t *it = hl->data.sequence.items.start;
                 it < hl->data.sequence.items.top && !c->oom; it++) {
                garant_holiday h;
                const yaml_node_t *hn = node_at(c, *it);
                if (read_holiday(c, hn, calname, &h)) {
                    ok = 0;
                    continue;
                }
                if ((rc = garant_calspec_add_holiday(spec, &h)))
                    builder_failed(c, rc, hn, hw), ok = 0;
            }
        }
    }
    if (v[C_ICS] && !always && read_ics(c, v[C_ICS], calname, spec)) ok = 0;
    int from = 1970, to = 2100;
    if (v[C_YEARS]) {
        const char *s = want_text(c, v[C_YEARS], where);
        char err[120];
        if (!s) {
            ok = 0;
        } else if (parse_years(&from, &to, s, err, sizeof err)) {
            diag(c, v[C_YEARS], "%s: years \"%s\": %s", where, show(c, v[C_YEARS]), err);
            ok = 0;
        }
    }
    if (always && (rc = garant_calspec_set_always_open(spec))) builder_failed(c, rc, ci->key, where), ok = 0;
    ci->never_open = !always && nwindows == 0;
    if (ok && !c->oom) {
        garant_calendar *cal = NULL;
        rc = garant_calendar_compile(&cal, spec, from, to);
        if (rc) {
            builder_failed(c, rc, ci->key, where);
        } else {
            if (garant_calendar_open_total(cal) == 0) ci->never_open = 1;
            rc = garant_policy_add_calendar(c->pol, ci->name, cal);
            if (rc) builder_failed(c, rc, ci->key, where);
            else ci->built = 1;
        }
    }
    garant_calspec_free(spec);
}

/* Calendar names appear in targets, messages and the API. */
static int calname_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static void read_calendars(cfg *c, const yaml_node_t *n)
{
    if (!want_map(c, n, "calendars")) return;
    if (too_long(c, n, map_len(n), MAX_CALENDARS, "calendars")) return;
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key);
        const char *name = entry_key(c, n, i, "calendars");
        if (!name) continue;
        if (!strcmp(name, WALL_CALENDAR)) {
            diag(c, k, "calendars: '" WALL_CALENDAR "' is built in (wall-clock time around "
                       "the clock) and cannot be redefined");
            continue;
        }
        if (!calname_ok(name)) {
            diag(c, k, "calendars: name '%s' must be 1-64 of A-Z, a-z, 0-9, '_', '-' and '.'",
                 show(c, k));
            continue;
        }
        calinfo *ci = &c->cals[c->ncals++];
        ci->name = name;
        ci->key = k;
        read_calendar(c, ci, node_at(c, p->value));
    }
}

static const calinfo *find_cal(const cfg *c, const char *name)
{
    for (size_t i = 0; i < c->ncals; i++)
        if (!strcmp(c->cals[i].name, name)) return &c->cals[i];
    return NULL;
}

/* "business, support" for "unknown calendar" messages. */
static void list_cals(const cfg *c, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->ncals && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s, ", c->cals[i].name);
    if (o < cap) snprintf(buf + o, cap - o, WALL_CALENDAR);
}

/* ---- plans, priorities, stages ------------------------------------------ */

static void read_plans(cfg *c, const yaml_node_t *n)
{
    if (!want_seq(c, n, "plans")) return;
    c->plans_usable = 1;
    if (seq_len(n) == 0) {
        diag(c, n, "plans: list at least one plan");
        return;
    }
    if (seq_len(n) > MAX_PLANS) {
        diag(c, n, "plans: more than %d plans", MAX_PLANS);
        c->plans_usable = 0;
        return;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start;
         it < n->data.sequence.items.top && !c->oom; it++) {
        const yaml_node_t *pn = node_at(c, *it);
        const char *name = want_text(c, pn, "plans");
        if (!name) continue;
        const planinfo *dup = NULL;
        for (size_t i = 0; i < c->nplans && !dup; i++)
            if (!strcmp(c->plans[i].name, name)) dup = &c->plans[i];
        if (dup) {
            diag(c, pn, "plans: '%s' is listed twice (first at line %d, column %d)", show(c, pn),
                 line_of(dup->node), column_of(dup->node));
            continue;
        }
        /* Remember the name even if the policy refuses it, so targets for
        ** it are not reported as unknown as well. */
        planinfo *pi = &c->plans[c->nplans++];
        memset(pi, 0, sizeof *pi);
        pi->name = name;
        pi->node = pn;
        int rc = garant_policy_add_plan(c->pol, name);
        if (rc) builder_failed(c, rc, pn, "plans");
        else pi->added = 1;
    }
}

/* A priority level written as a mapping key or a value: 1..MAX. */
static int parse_level(cfg *c, const yaml_node_t *n, const char *where)
{
    const char *s = want_text(c, n, where);
    if (!s) return -1;
    long v;
    if (parse_int(&v, s, -999999999L, 999999999L)) {
        diag(c, n, "%s: priority level '%s' is not a number", where, show(c, n));
        return -1;
    }
    if (v < 1 || v > GARANT_PRIORITY_MAX) {
        diag(c, n, "%s: priority level %ld is out of range (1-%d)", where, v, GARANT_PRIORITY_MAX);
        return -1;
    }
    return (int)v;
}

static unsigned read_envs(cfg *c, const yaml_node_t *n, const char *where)
{
    static const struct {
        const char *name;
        unsigned bit;
    } envs[] = {{"production", GARANT_ENV_PRODUCTION},
                {"staging", GARANT_ENV_STAGING},
                {"development", GARANT_ENV_DEVELOPMENT}};
    char w[200];
    snprintf(w, sizeof w, "%s: environments", where);
    if (!want_seq(c, n, w)) return 0;
    if (seq_len(n) == 0) {
        diag(c, n, "%s: list at least one of production, staging, development", w);
        return 0;
    }
    unsigned mask = 0;
    int ok = 1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = node_at(c, *it);
        const char *s = want_text(c, e, w);
        if (!s) {
            ok = 0;
            continue;
        }
        size_t j = 0;
        while (j < 3 && strcmp(envs[j].name, s)) j++;
        if (j == 3) {
            diag(c, e, "%s: unknown environment '%s' (use production, staging or development)",
                 w, show(c, e));
            ok = 0;
            continue;
        }
        mask |= envs[j].bit;
    }
    return ok ? mask : 0;
}

static void read_priorities(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"name", "definition", "environments", NULL};
    enum { P_NAME, P_DEF, P_ENVS };
    if (!want_map(c, n, "priorities")) return;
    c->prios_usable = 1;
    if (map_len(n) == 0) {
        diag(c, n, "priorities: declare at least one priority level");
        return;
    }
    if (too_long(c, n, map_len(n), GARANT_PRIORITY_MAX, "priorities")) {
        c->prios_usable = 0;
        return;
    }
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
        int level = parse_level(c, k, "priorities");
        if (level < 0) continue;
        if (c->prio_node[level]) {
            diag(c, k, "priorities: priority %d is defined twice (first at line %d, column %d)", level,
                 line_of(c->prio_node[level]), column_of(c->prio_node[level]));
            continue;
        }
        c->prio_node[level] = k;
        char where[64];
        snprintf(where, sizeof where, "priority %d", level);
        if (!want_map(c, body, where)) continue;
        const yaml_node_t *v[3];
        fields(c, body, where, keys, v, NULL);
        int ok = 1;
        const char *name = NULL, *def = "";
        unsigned mask = GARANT_ENV_ANY;
        if (!v[P_NAME]) {
            diag(c, body, "%s: missing key 'name'", where);
            ok = 0;
        } else if (!(name = want_text(c, v[P_NAME], where))) {
            ok = 0;
        } else if (strlen(name) > MAX_NAME_BYTES) {
            diag(c, v[P_NAME], "%s: name is longer than %d bytes", where, MAX_NAME_BYTES);
            ok = 0;
        }
        if (v[P_DEF]) {
            if (!(def = want_text(c, v[P_DEF], where))) ok = 0;
            else if (strlen(def) > MAX_DEFINITION_BYTES) {
                diag(c, v[P_DEF], "%s: definition is longer than %d bytes", where,
                     MAX_DEFINITION_BYTES);
                ok = 0;
            }
        }
        if (v[P_ENVS] && !(mask = read_envs(c, v[P_ENVS], where))) ok = 0;
        if (!ok) continue;
        int rc = garant_policy_add_priority(c->pol, level, name, def, mask);
        if (rc) builder_failed(c, rc, k, where);
    }
}

static void read_default_priority(cfg *c, const yaml_node_t *n)
{
    int level = parse_level(c, n, "default_priority");
    if (level < 0) return;
    if (c->prios_usable && !c->prio_node[level]) {
        diag(c, n, "default_priority: priority %d is not declared under priorities", level);
        return;
    }
    int rc = garant_policy_set_default_priority(c->pol, level);
    if (rc) builder_failed(c, rc, n, "default_priority");
}

static void read_stages(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"guaranteed", NULL};
    int have_ga = 0;
    if (n && want_map(c, n, "stages") && !too_long(c, n, map_len(n), MAX_STAGES, "stages")) {
        for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
            const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
            const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
            const char *name = entry_key(c, n, i, "stages");
            if (!name) continue;
            if (!strcmp(name, "ga")) have_ga = 1;
            char where[120];
            snprintf(where, sizeof where, "stage '%s'", show(c, k));
            if (!want_map(c, body, where)) continue;
            const yaml_node_t *v[1];
            fields(c, body, where, keys, v, NULL);
            if (!v[0]) {
                diag(c, body, "%s: missing key 'guaranteed' (true or false)", where);
                continue;
            }
            int g = want_bool(c, v[0], where);
            if (g < 0) continue;
            int rc = garant_policy_add_stage(c->pol, name, g);
            if (rc) builder_failed(c, rc, k, "stages");
        }
    }
    /* "ga" (generally available) is what tickets without a stage are on;
    ** it is guaranteed unless the config says otherwise. */
    if (!have_ga && !c->oom) {
        int rc = garant_policy_add_stage(c->pol, "ga", 1);
        if (rc) builder_failed(c, rc, n, "stages");
    }
}

/* ---- targets ------------------------------------------------------------ */

static planinfo *find_plan(cfg *c, const char *name)
{
    for (size_t i = 0; i < c->nplans; i++)
        if (!strcmp(c->plans[i].name, name)) return &c->plans[i];
    return NULL;
}

static void read_target(cfg *c, const planinfo *pi, int level, const yaml_node_t *v)
{
    static const char *const keys[] = {"within", "calendar", NULL};
    char where[160];
    snprintf(where, sizeof where, "targets '%s' priority %d", pi->name, level);
    if (is_scalar(v) && !strcmp(scalar(v), "none")) {
        int rc = garant_policy_set_target(c->pol, pi->name, level, GARANT_TARGET_NONE, 0, NULL);
        if (rc) builder_failed(c, rc, v, where);
        return;
    }
    if (!is_map(v)) {
        diag(c, v, "%s: expected none or { within: DURATION, calendar: NAME }, got %s", where,
             describe(c, v));
        return;
    }
    const yaml_node_t *f[2];
    fields(c, v, where, keys, f, NULL);
    int ok = 1;
    int64_t secs = 0;
    const char *calname = NULL;
    if (!f[0]) {
        diag(c, v, "%s: missing key 'within' (a duration like 3h)", where);
        ok = 0;
    } else {
        const char *s = want_text(c, f[0], where);
        char err[120];
        if (!s) {
            ok = 0;
        } else if (parse_duration(&secs, s, err, sizeof err)) {
            diag(c, f[0], "%s: within \"%s\": %s", where, show(c, f[0]), err);
            ok = 0;
        }
    }
    garant_target_kind kind = GARANT_TARGET_BUSINESS;
    if (!f[1]) {
        diag(c, v, "%s: missing key 'calendar' (a calendar name, or " WALL_CALENDAR ")", where);
        ok = 0;
    } else if (!(calname = want_text(c, f[1], where))) {
        ok = 0;
    } else if (!strcmp(calname, WALL_CALENDAR)) {
        kind = GARANT_TARGET_WALL;
        calname = NULL;
    } else {
        const calinfo *ci = find_cal(c, calname);
        if (!ci) {
            char known[300];
            list_cals(c, known, sizeof known);
            diag(c, f[1], "%s: unknown calendar '%s' (calendars: %s)", where, show(c, f[1]), known);
            ok = 0;
        } else if (!ci->built) {
            ok = 0; /* its own problems are already reported */
        } else if (ci->never_open) {
            diag(c, f[1], "%s: calendar '%s' is never open but targets count business hours on it",
                 where, show(c, f[1]));
            ok = 0;
        }
    }
    if (!ok) return;
    int rc = garant_policy_set_target(c->pol, pi->name, level, kind, secs, calname);
    if (rc) builder_failed(c, rc, v, where);
}

static void read_targets(cfg *c, const yaml_node_t *n)
{
    if (!want_map(c, n, "targets")) {
        for (size_t i = 0; i < c->nplans; i++) memset(c->plans[i].has_target, 1, sizeof c->plans[i].has_target);
        return;
    }
    if (too_long(c, n, map_len(n), MAX_PLANS, "targets")) return;
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
        const char *name = entry_key(c, n, i, "targets");
        if (!name) continue;
        planinfo *pi = find_plan(c, name);
        if (!pi) {
            if (c->plans_usable)
                diag(c, k, "targets: unknown plan '%s' (not listed under plans)", show(c, k));
            continue;
        }
        pi->targets_key = k;
        char where[120];
        snprintf(where, sizeof where, "targets '%s'", show(c, k));
        if (!want_map(c, body, where)) {
            memset(pi->has_target, 1, sizeof pi->has_target);
            continue;
        }
        if (too_long(c, body, map_len(body), GARANT_PRIORITY_MAX, where)) {
            memset(pi->has_target, 1, sizeof pi->has_target);
            continue;
        }
        const yaml_node_t *seen[GARANT_PRIORITY_MAX + 1] = {0};
        for (size_t j = 0; j < map_len(body) && !c->oom; j++) {
            const yaml_node_pair_t *q = body->data.mapping.pairs.start + j;
            const yaml_node_t *lk = node_at(c, q->key);
            int level = parse_level(c, lk, where);
            if (level < 0) continue;
            if (seen[level]) {
                diag(c, lk, "%s: priority %d appears twice (first at line %d, column %d)", where, level,
                     line_of(seen[level]), column_of(seen[level]));
                continue;
            }
            seen[level] = lk;
            pi->has_target[level] = 1;
            if (c->prios_usable && !c->prio_node[level]) {
                diag(c, lk, "%s: priority %d is not declared under priorities", where, level);
                continue;
            }
            read_target(c, pi, level, node_at(c, q->value));
        }
    }
    /* Every plan x priority needs a target: say which are missing. */
    for (size_t i = 0; i < c->nplans; i++) {
        planinfo *pi = &c->plans[i];
        if (!pi->added) continue; /* its name is reported already */
        if (!pi->targets_key) {
            diag(c, n, "targets: plan '%s' has no targets", pi->name);
            continue;
        }
        for (int l = 1; l <= GARANT_PRIORITY_MAX; l++)
            if (c->prio_node[l] && !pi->has_target[l])
                diag(c, pi->targets_key, "targets '%s': no target for priority %d", pi->name, l);
    }
}

/* ---- the rest ----------------------------------------------------------- */

static void read_version(cfg *c, const yaml_node_t *n)
{
    const char *s = want_text(c, n, "version");
    if (s && strcmp(s, "1") != 0)
        diag(c, n, "version: this garant reads version 1 configs, got '%s'", show(c, n));
}

/* "75%" or "72.5%" -> per mille. */
static void read_warning(cfg *c, const yaml_node_t *n)
{
    const char *s = want_text(c, n, "warning_at");
    if (!s) return;
    const char *p = s;
    int v = 0, nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 4) v = v * 10 + (*p++ - '0'), nd++;
    int tenth = 0;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') tenth = p[2] == '%' ? p[1] - '0' : -1, p += 2;
    if (!nd || nd > 3 || tenth < 0 || strcmp(p, "%") != 0) {
        diag(c, n, "warning_at: expected a percentage like 75%%, got '%s'", show(c, n));
        return;
    }
    int permille = v * 10 + tenth;
    if (permille < 10 || permille > 990) {
        diag(c, n, "warning_at: %s is out of range (1%%-99%%)", show(c, n));
        return;
    }
    int rc = garant_policy_set_warning_permille(c->pol, permille);
    if (rc) builder_failed(c, rc, n, "warning_at");
}

static void read_display(cfg *c, const yaml_node_t *n)
{
    const char *s = want_text(c, n, "display_calendar");
    if (!s) return;
    const calinfo *ci = find_cal(c, s);
    if (!ci) {
        char known[300];
        list_cals(c, known, sizeof known);
        diag(c, n, "display_calendar: '%s' is not a calendar defined under calendars "
                   "(calendars: %s)", show(c, n), known);
        return;
    }
    if (!ci->built) return;
    int rc = garant_policy_set_display_calendar(c->pol, s);
    if (rc) builder_failed(c, rc, n, "display_calendar");
}

/* Equal ignoring ASCII case: domain names are. */
static int same_domain(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y) return 0;
        if (!x) return 1;
    }
}

/* `signup: freemail_domains`: mail domains sign-up refuses besides the
** server's built-in list. The policy checks each entry's syntax; a repeat
** (in any case) is reported here, where both places are known. */
static void read_freemail(cfg *c, const yaml_node_t *n)
{
    static const char where[] = "signup: freemail_domains";
    if (!want_seq(c, n, where)) return;
    if (seq_len(n) > GARANT_POLICY_MAX_FREEMAIL) {
        diag(c, n, "%s: more than %d entries", where, GARANT_POLICY_MAX_FREEMAIL);
        return;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top && !c->oom; it++) {
        const yaml_node_t *e = node_at(c, *it);
        const char *s = want_text(c, e, where);
        if (!s) continue;
        const yaml_node_t *first = NULL;
        for (yaml_node_item_t *p = n->data.sequence.items.start; p < it && !first; p++) {
            const yaml_node_t *prev = node_at(c, *p);
            if (is_scalar(prev) && same_domain(scalar(prev), s)) first = prev;
        }
        if (first) {
            diag(c, e, "%s: '%s' is listed twice (first at line %d, column %d)", where, show(c, e), line_of(first),
                 column_of(first));
            continue;
        }
        int rc = garant_policy_add_freemail_domain(c->pol, s);
        if (rc) builder_failed(c, rc, e, where);
    }
}

/* `signup`: the rules of customer sign-up that belong to the policy. */
static void read_signup(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"freemail_domains", NULL};
    if (!want_map(c, n, "signup")) return;
    const yaml_node_t *v[1];
    fields(c, n, "signup", keys, v, NULL);
    if (v[0]) read_freemail(c, v[0]);
}

static void read_root(cfg *c, const yaml_node_t *root)
{
    if (!root || is_null(root)) {
        diag_line(c, 1, 1, "the configuration is empty");
        return;
    }
    if (!want_map(c, root, "the top level")) return;
    const yaml_node_t *keys[K_TOP_COUNT];
    fields(c, root, "the top level", top_keys, c->top, keys);
    static const int required[] = {K_VERSION, K_PLANS, K_PRIORITIES, K_DEFAULT_PRIORITY,
                                   K_TARGETS};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!c->top[required[i]])
            diag(c, root, "missing key '%s' at the top level", top_keys[required[i]]);
    if (c->top[K_VERSION]) read_version(c, c->top[K_VERSION]);
    if (c->top[K_CALENDARS] && !c->oom) read_calendars(c, c->top[K_CALENDARS]);
    if (c->top[K_PLANS] && !c->oom) read_plans(c, c->top[K_PLANS]);
    if (c->top[K_PRIORITIES] && !c->oom) read_priorities(c, c->top[K_PRIORITIES]);
    if (c->top[K_DEFAULT_PRIORITY] && !c->oom) read_default_priority(c, c->top[K_DEFAULT_PRIORITY]);
    if (!c->oom) read_stages(c, c->top[K_STAGES]);
    if (c->top[K_TARGETS] && !c->oom) read_targets(c, c->top[K_TARGETS]);
    if (c->top[K_WARNING_AT] && !c->oom) read_warning(c, c->top[K_WARNING_AT]);
    if (c->top[K_DISPLAY_CALENDAR] && !c->oom) read_display(c, c->top[K_DISPLAY_CALENDAR]);
    if (c->top[K_SIGNUP] && !c->oom) read_signup(c, c->top[K_SIGNUP]);
}

/* ---- parsing ------------------------------------------------------------ */

/* libyaml's reader errors carry a byte offset instead of a mark. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *line,
                           int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') ++*line, *column = 1;
        else ++*column;
    }
}

/* A libyaml failure as a finding. Returns GARANT_ENOMEM or 0. */
static int syntax_error(cfg *c, const yaml_parser_t *p, const char *text, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR) return GARANT_ENOMEM;
    int line, column;
    if (p->error == YAML_READER_ERROR) {
        offset_to_mark(text, len, p->problem_offset, &line, &column);
    } else {
        line = (int)p->problem_mark.line + 1;
        column = (int)p->problem_mark.column + 1;
    }
    if (p->context)
        diag_line(c, line, column, "YAML syntax error: %s %s (line %d)", p->problem ? p->problem : "",
                  p->context, (int)p->context_mark.line + 1);
    else
        diag_line(c, line, column, "YAML syntax error: %s", p->problem ? p->problem : "unknown");
    return c->oom ? GARANT_ENOMEM : 0;
}

/* The first pass: events only, to enforce the ceilings before libyaml's
** loader builds a tree. 1 if the text may be loaded, 0 if a finding was
** recorded, GARANT_ENOMEM. */
static int prescan(cfg *c, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return GARANT_ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, docs = 0, result = 1;
    size_t nodes = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            result = syntax_error(c, &p, text, len);
            break;
        }
        int line = (int)ev.start_mark.line + 1, column = (int)ev.start_mark.column + 1;
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT) break;
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            diag_line(c, line, column, "a config holds one YAML document; a second one starts here");
            result = 0;
            break;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT) {
            if (++nodes > MAX_NODES) {
                diag_line(c, line, column, "more than %d YAML nodes", MAX_NODES);
                result = 0;
                break;
            }
        }
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > MAX_DEPTH) {
                diag_line(c, line, column, "lists and mappings nested deeper than %d levels",
                          MAX_DEPTH);
                result = 0;
                break;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    if (c->oom) return GARANT_ENOMEM;
    if (result == 1 && docs == 0) {
        diag_line(c, 1, 1, "the configuration is empty");
        result = 0;
    }
    return result;
}

/* Ends a failed load: a one-line summary in garant_error_last() naming the
** first finding. */
static int summarize(const garant_diags *d, int code)
{
    if (d->n == 0) return garant__error(code, "config: invalid");
    const garant_diag *first = &d->items[0].d;
    size_t total = d->dropped ? d->n - 1 + d->dropped : d->n;
    return garant__error(code, "config: %zu problem%s; line %d, column %d: %s", total,
                         total == 1 ? "" : "s", first->line, first->column, first->message);
}

int garant_config_load(garant_policy **out, garant_diags **out_diags,
                       const char *text, size_t len, garant_resource_fn fn,
                       void *ctx)
{
    *out = NULL;
    if (out_diags) *out_diags = NULL;
    cfg *c = calloc(1, sizeof *c);
    garant_diags *d = calloc(1, sizeof *d);
    if (!c || !d) {
        free(c);
        free(d);
        return garant__error(GARANT_ENOMEM, "config: out of memory");
    }
    c->diags = d;
    c->fn = fn;
    c->ctx = ctx;
    int rc = 0, loaded = 0;
    if (len > MAX_TEXT_BYTES) {
        diag_line(c, 0, 0, "the configuration is larger than %u bytes", MAX_TEXT_BYTES);
        rc = GARANT_ELIMIT;
        goto done;
    }
    if (!text) text = "", len = 0;
    rc = prescan(c, text, len);
    if (rc < 0) goto done;
    if (rc == 1) {
        yaml_parser_t p;
        if (!yaml_parser_initialize(&p)) {
            rc = GARANT_ENOMEM;
            goto done;
        }
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        if (!yaml_parser_load(&p, &c->doc)) {
            rc = syntax_error(c, &p, text, len);
        } else {
            loaded = 1;
            rc = garant_policy_new(&c->pol);
            if (!rc) read_root(c, yaml_document_get_root_node(&c->doc));
        }
        yaml_parser_delete(&p);
        if (rc < 0) goto done;
    }
    rc = 0;
    if (c->oom) {
        rc = GARANT_ENOMEM;
    } else if (d->n == 0) {
        int vr = garant_policy_validate(c->pol);
        if (vr == GARANT_ENOMEM) rc = GARANT_ENOMEM;
        /* The checks above should catch everything validate does; if not,
        ** its message still reaches the user. */
        else if (vr) diag_line(c, 0, 0, "%s", garant_error_last());
    }
done:
    if (loaded) yaml_document_delete(&c->doc);
    if (c->oom) rc = GARANT_ENOMEM;
    if (rc == 0 && d->n == 0) {
        *out = c->pol;
        free(c);
        garant__error_clear();
        if (out_diags) *out_diags = d;
        else garant_diags_free(d);
        return 0;
    }
    garant_policy_free(c->pol);
    free(c);
    if (rc == GARANT_ENOMEM) {
        garant_diags_free(d);
        return garant__error(GARANT_ENOMEM, "config: out of memory");
    }
    qsort(d->items, d->n, sizeof *d->items, diag_cmp);
    if (d->dropped) {
        char more[80];
        snprintf(more, sizeof more, "... and %zu more problems not listed", d->dropped);
        if (diags_push(d, 0, 0, more)) {
            garant_diags_free(d);
            return garant__error(GARANT_ENOMEM, "config: out of memory");
        }
    }
    rc = summarize(d, rc ? rc : GARANT_ECONFIG);
    if (out_diags) *out_diags = d;
    else garant_diags_free(d);
    return rc;
}
