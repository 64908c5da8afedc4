/*
** config_reader.h - what the four parts of the YAML config reader share,
** not part of the API and not for other layers: the ceilings, the reader's
** state (struct cfg) and its helpers.
**
**   config.c            the entry point (garant_config_load), the ceiling
**                       pre-scan and the top-level walk
**   config_diags.c      the findings (garant_diags) and how the reader adds them
**   config_nodes.c      typed access to YAML nodes, each miss a finding
**   config_calendars.c  `calendars`: hours, holidays, iCalendar files, zones
**   config_plans.c      plans, priorities, stages, targets and the rest
**
** Every function here takes the reader's state and records what is wrong
** as a finding (garant_config__diag) instead of stopping; an allocation
** failure sets c->oom, which every walk checks.
*/
#ifndef GARANT_CORE_CONFIG_READER_H
#define GARANT_CORE_CONFIG_READER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <yaml.h>

#include "garant/config.h"
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

    char shown[4][96];         /* rotating buffers for garant_config__show() */
    unsigned next_shown;
} cfg;

/* ---- YAML nodes (config_nodes.c, and these inline ones) ----------------- */

static inline int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }
static inline int column_of(const yaml_node_t *n) { return (int)n->start_mark.column + 1; }

static inline const yaml_node_t *node_at(cfg *c, int id)
{
    return yaml_document_get_node(&c->doc, id);
}

static inline int is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }
static inline int is_map(const yaml_node_t *n) { return n && n->type == YAML_MAPPING_NODE; }
static inline int is_seq(const yaml_node_t *n) { return n && n->type == YAML_SEQUENCE_NODE; }

static inline const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* An empty value: `key:` with nothing after it, `~` or `null`. */
static inline int is_null(const yaml_node_t *n)
{
    if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = scalar(n);
    return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static inline size_t map_len(const yaml_node_t *m)
{
    return (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

static inline size_t seq_len(const yaml_node_t *s)
{
    return (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
}


/* Copy user text into a message safely. Borrowed; valid for the next 3
** calls of the show/describe helpers. */
const char *garant_config__show_text(cfg *c, const char *s, size_t len);
const char *garant_config__show(cfg *c, const yaml_node_t *n);
const char *garant_config__describe(cfg *c, const yaml_node_t *n);
const char *garant_config__want_text(cfg *c, const yaml_node_t *n, const char *what);
int garant_config__want_map(cfg *c, const yaml_node_t *n, const char *what);
int garant_config__want_seq(cfg *c, const yaml_node_t *n, const char *what);
int garant_config__parse_int(long *out, const char *s, long lo, long hi);
int garant_config__want_bool(cfg *c, const yaml_node_t *n, const char *what);
void garant_config__fields(cfg *c, const yaml_node_t *map, const char *what,
                           const char *const *keys, const yaml_node_t **vals,
                           const yaml_node_t **keys_out);
const char *garant_config__entry_key(cfg *c, const yaml_node_t *map, size_t index,
                                     const char *what);
int garant_config__too_long(cfg *c, const yaml_node_t *n, size_t len, size_t max,
                            const char *what);
void garant_config__builder_failed(cfg *c, int rc, const yaml_node_t *n, const char *where);

/* ---- findings (config_diags.c) ------------------------------------------ */

typedef struct diag_item {
    garant_diag d;   /* message is owned */
    size_t seq;      /* order of discovery, to keep the sort stable */
} diag_item;

struct garant_diags {
    diag_item *items;
    size_t n, cap;
    size_t dropped;  /* findings past MAX_DIAGS, only counted */
};

/* Append a finding; the message is copied. Returns 0 or GARANT_ENOMEM. */
int garant_config__diags_push(garant_diags *d, int line, int column, const char *msg);
/* Orders findings by line, column, then discovery (for qsort). */
int garant_config__diag_cmp(const void *a, const void *b);

/* Record a finding at a line and column (1-based; 0 for the whole text). */
void garant_config__diag_line(cfg *c, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record a finding at node n (its first character). */
void garant_config__diag(cfg *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- sections (config_calendars.c, config_plans.c) ---------------------- */

void garant_config__read_calendars(cfg *c, const yaml_node_t *n);
const calinfo *garant_config__find_cal(const cfg *c, const char *name);
/* "business, support, 24/7" for "unknown calendar" messages. */
void garant_config__list_cals(const cfg *c, char *buf, size_t cap);

void garant_config__read_plans(cfg *c, const yaml_node_t *n);
void garant_config__read_priorities(cfg *c, const yaml_node_t *n);
void garant_config__read_default_priority(cfg *c, const yaml_node_t *n);
void garant_config__read_stages(cfg *c, const yaml_node_t *n);
void garant_config__read_targets(cfg *c, const yaml_node_t *n);
void garant_config__read_version(cfg *c, const yaml_node_t *n);
void garant_config__read_warning(cfg *c, const yaml_node_t *n);
void garant_config__read_display(cfg *c, const yaml_node_t *n);
void garant_config__read_signup(cfg *c, const yaml_node_t *n);

#endif
