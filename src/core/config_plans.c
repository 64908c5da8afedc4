/*
** config_plans.c - reads the sections of a config that name the service:
** plans, priorities and the default one, stages, the response targets of
** each plan and priority, and the smaller keys (version, warning_at,
** display_calendar, signup). Cross-checks against the calendars and plans
** declared earlier go through the reader's state (config_reader.h).
*/
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "config_reader.h"
#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

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

/* ---- plans, priorities, stages ------------------------------------------ */

void garant_config__read_plans(cfg *c, const yaml_node_t *n)
{
    if (!garant_config__want_seq(c, n, "plans")) return;
    c->plans_usable = 1;
    if (seq_len(n) == 0) {
        garant_config__diag(c, n, "plans: list at least one plan");
        return;
    }
    if (seq_len(n) > MAX_PLANS) {
        garant_config__diag(c, n, "plans: more than %d plans", MAX_PLANS);
        c->plans_usable = 0;
        return;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start;
         it < n->data.sequence.items.top && !c->oom; it++) {
        const yaml_node_t *pn = node_at(c, *it);
        const char *name = garant_config__want_text(c, pn, "plans");
        if (!name) continue;
        const planinfo *dup = NULL;
        for (size_t i = 0; i < c->nplans && !dup; i++)
            if (!strcmp(c->plans[i].name, name)) dup = &c->plans[i];
        if (dup) {
            garant_config__diag(c, pn, "plans: '%s' is listed twice (first at line %d, column %d)",
                                garant_config__show(c, pn), line_of(dup->node),
                                column_of(dup->node));
            continue;
        }
        /* Remember the name even if the policy refuses it, so targets for
        ** it are not reported as unknown as well. */
        planinfo *pi = &c->plans[c->nplans++];
        memset(pi, 0, sizeof *pi);
        pi->name = name;
        pi->node = pn;
        int rc = garant_policy_add_plan(c->pol, name);
        if (rc) garant_config__builder_failed(c, rc, pn, "plans");
        else pi->added = 1;
    }
}

/* A priority level written as a mapping key or a value: 1..MAX. */
static int parse_level(cfg *c, const yaml_node_t *n, const char *where)
{
    const char *s = garant_config__want_text(c, n, where);
    if (!s) return -1;
    long v;
    if (garant_config__parse_int(&v, s, -999999999L, 999999999L)) {
        garant_config__diag(c, n, "%s: priority level '%s' is not a number", where,
                            garant_config__show(c, n));
        return -1;
    }
    if (v < 1 || v > GARANT_PRIORITY_MAX) {
        garant_config__diag(c, n, "%s: priority level %ld is out of range (1-%d)", where, v,
                            GARANT_PRIORITY_MAX);
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
    if (!garant_config__want_seq(c, n, w)) return 0;
    if (seq_len(n) == 0) {
        garant_config__diag(c, n, "%s: list at least one of production, staging, development", w);
        return 0;
    }
    unsigned mask = 0;
    int ok = 1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = node_at(c, *it);
        const char *s = garant_config__want_text(c, e, w);
        if (!s) {
            ok = 0;
            continue;
        }
        size_t j = 0;
        while (j < 3 && strcmp(envs[j].name, s)) j++;
        if (j == 3) {
            garant_config__diag(
                c, e, "%s: unknown environment '%s' (use production, staging or development)", w,
                garant_config__show(c, e));
            ok = 0;
            continue;
        }
        mask |= envs[j].bit;
    }
    return ok ? mask : 0;
}

/* A priority's "translations: { ro: { name: ..., definition: ... } }". */
static void read_translations(cfg *c, const yaml_node_t *n, int level, const char *where)
{
    static const char *const keys[] = {"name", "definition", NULL};
    enum { T_NAME, T_DEF };
    char what[96];
    snprintf(what, sizeof what, "%s: translations", where);
    if (!garant_config__want_map(c, n, what)) return;
    if (garant_config__too_long(c, n, map_len(n), GARANT_MAX_TRANSLATIONS, what)) return;
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
        const char *lang = garant_config__want_text(c, k, what);
        if (!lang) continue;
        if (!garant_policy_lang_ok(lang)) {
            garant_config__diag(c, k, "%s: '%.20s' is not a language code like ro or pt-br", what, lang);
            continue;
        }
        char tw[96];
        snprintf(tw, sizeof tw, "%s, translation '%s'", where, lang);
        if (!garant_config__want_map(c, body, tw)) continue;
        const yaml_node_t *v[2];
        garant_config__fields(c, body, tw, keys, v, NULL);
        const char *name = NULL, *def = "";
        int ok = 1;
        if (!v[T_NAME]) {
            garant_config__diag(c, body, "%s: missing key 'name'", tw);
            ok = 0;
        } else if (!(name = garant_config__want_text(c, v[T_NAME], tw))) {
            ok = 0;
        } else if (strlen(name) > MAX_NAME_BYTES) {
            garant_config__diag(c, v[T_NAME], "%s: name is longer than %d bytes", tw, MAX_NAME_BYTES);
            ok = 0;
        }
        if (v[T_DEF]) {
            if (!(def = garant_config__want_text(c, v[T_DEF], tw))) {
                ok = 0;
            } else if (strlen(def) > MAX_DEFINITION_BYTES) {
                garant_config__diag(c, v[T_DEF], "%s: definition is longer than %d bytes", tw, MAX_DEFINITION_BYTES);
                ok = 0;
            }
        }
        if (!ok) continue;
        int rc = garant_policy_add_priority_translation(c->pol, level, lang, name, def);
        if (rc == GARANT_EINVAL) garant_config__diag(c, k, "%s: %s", what, garant_error_last());
        else if (rc) garant_config__builder_failed(c, rc, k, tw);
    }
}

void garant_config__read_priorities(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"name", "definition", "environments", "translations", NULL};
    enum { P_NAME, P_DEF, P_ENVS, P_TR };
    if (!garant_config__want_map(c, n, "priorities")) return;
    c->prios_usable = 1;
    if (map_len(n) == 0) {
        garant_config__diag(c, n, "priorities: declare at least one priority level");
        return;
    }
    if (garant_config__too_long(c, n, map_len(n), GARANT_PRIORITY_MAX, "priorities")) {
        c->prios_usable = 0;
        return;
    }
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
        int level = parse_level(c, k, "priorities");
        if (level < 0) continue;
        if (c->prio_node[level]) {
            garant_config__diag(
                c, k, "priorities: priority %d is defined twice (first at line %d, column %d)",
                level, line_of(c->prio_node[level]), column_of(c->prio_node[level]));
            continue;
        }
        c->prio_node[level] = k;
        char where[64];
        snprintf(where, sizeof where, "priority %d", level);
        if (!garant_config__want_map(c, body, where)) continue;
        const yaml_node_t *v[4];
        garant_config__fields(c, body, where, keys, v, NULL);
        int ok = 1;
        const char *name = NULL, *def = "";
        unsigned mask = GARANT_ENV_ANY;
        if (!v[P_NAME]) {
            garant_config__diag(c, body, "%s: missing key 'name'", where);
            ok = 0;
        } else if (!(name = garant_config__want_text(c, v[P_NAME], where))) {
            ok = 0;
        } else if (strlen(name) > MAX_NAME_BYTES) {
            garant_config__diag(c, v[P_NAME], "%s: name is longer than %d bytes", where,
                                MAX_NAME_BYTES);
            ok = 0;
        }
        if (v[P_DEF]) {
            if (!(def = garant_config__want_text(c, v[P_DEF], where))) ok = 0;
            else if (strlen(def) > MAX_DEFINITION_BYTES) {
                garant_config__diag(c, v[P_DEF], "%s: definition is longer than %d bytes", where,
                     MAX_DEFINITION_BYTES);
                ok = 0;
            }
        }
        if (v[P_ENVS] && !(mask = read_envs(c, v[P_ENVS], where))) ok = 0;
        if (!ok) continue;
        int rc = garant_policy_add_priority(c->pol, level, name, def, mask);
        if (rc) garant_config__builder_failed(c, rc, k, where);
        else if (v[P_TR]) read_translations(c, v[P_TR], level, where);
    }
}

void garant_config__read_default_priority(cfg *c, const yaml_node_t *n)
{
    int level = parse_level(c, n, "default_priority");
    if (level < 0) return;
    if (c->prios_usable && !c->prio_node[level]) {
        garant_config__diag(c, n, "default_priority: priority %d is not declared under priorities",
                            level);
        return;
    }
    int rc = garant_policy_set_default_priority(c->pol, level);
    if (rc) garant_config__builder_failed(c, rc, n, "default_priority");
}

void garant_config__read_stages(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"guaranteed", NULL};
    int have_ga = 0;
    if (n && garant_config__want_map(c, n, "stages") &&
        !garant_config__too_long(c, n, map_len(n), MAX_STAGES, "stages")) {
        for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
            const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
            const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
            const char *name = garant_config__entry_key(c, n, i, "stages");
            if (!name) continue;
            if (!strcmp(name, "ga")) have_ga = 1;
            char where[120];
            snprintf(where, sizeof where, "stage '%s'", garant_config__show(c, k));
            if (!garant_config__want_map(c, body, where)) continue;
            const yaml_node_t *v[1];
            garant_config__fields(c, body, where, keys, v, NULL);
            if (!v[0]) {
                garant_config__diag(c, body, "%s: missing key 'guaranteed' (true or false)", where);
                continue;
            }
            int g = garant_config__want_bool(c, v[0], where);
            if (g < 0) continue;
            int rc = garant_policy_add_stage(c->pol, name, g);
            if (rc) garant_config__builder_failed(c, rc, k, "stages");
        }
    }
    /* "ga" (generally available) is what tickets without a stage are on;
    ** it is guaranteed unless the config says otherwise. */
    if (!have_ga && !c->oom) {
        int rc = garant_policy_add_stage(c->pol, "ga", 1);
        if (rc) garant_config__builder_failed(c, rc, n, "stages");
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
        if (rc) garant_config__builder_failed(c, rc, v, where);
        return;
    }
    if (!is_map(v)) {
        garant_config__diag(c, v,
                            "%s: expected none or { within: DURATION, calendar: NAME }, got %s",
                            where, garant_config__describe(c, v));
        return;
    }
    const yaml_node_t *f[2];
    garant_config__fields(c, v, where, keys, f, NULL);
    int ok = 1;
    int64_t secs = 0;
    const char *calname = NULL;
    if (!f[0]) {
        garant_config__diag(c, v, "%s: missing key 'within' (a duration like 3h)", where);
        ok = 0;
    } else {
        const char *s = garant_config__want_text(c, f[0], where);
        char err[120];
        if (!s) {
            ok = 0;
        } else if (parse_duration(&secs, s, err, sizeof err)) {
            garant_config__diag(c, f[0], "%s: within \"%s\": %s", where,
                                garant_config__show(c, f[0]), err);
            ok = 0;
        }
    }
    garant_target_kind kind = GARANT_TARGET_BUSINESS;
    if (!f[1]) {
        garant_config__diag(
            c, v, "%s: missing key 'calendar' (a calendar name, or %s)", where, WALL_CALENDAR);
        ok = 0;
    } else if (!(calname = garant_config__want_text(c, f[1], where))) {
        ok = 0;
    } else if (!strcmp(calname, WALL_CALENDAR)) {
        kind = GARANT_TARGET_WALL;
        calname = NULL;
    } else {
        const calinfo *ci = garant_config__find_cal(c, calname);
        if (!ci) {
            char known[300];
            garant_config__list_cals(c, known, sizeof known);
            garant_config__diag(c, f[1], "%s: unknown calendar '%s' (calendars: %s)", where,
                                garant_config__show(c, f[1]), known);
            ok = 0;
        } else if (!ci->built) {
            ok = 0; /* its own problems are already reported */
        } else if (ci->never_open) {
            garant_config__diag(
                c, f[1], "%s: calendar '%s' is never open but targets count business hours on it",
                where, garant_config__show(c, f[1]));
            ok = 0;
        }
    }
    if (!ok) return;
    int rc = garant_policy_set_target(c->pol, pi->name, level, kind, secs, calname);
    if (rc) garant_config__builder_failed(c, rc, v, where);
}

void garant_config__read_targets(cfg *c, const yaml_node_t *n)
{
    if (!garant_config__want_map(c, n, "targets")) {
        for (size_t i = 0; i < c->nplans; i++)
            memset(c->plans[i].has_target, 1, sizeof c->plans[i].has_target);
        return;
    }
    if (garant_config__too_long(c, n, map_len(n), MAX_PLANS, "targets")) return;
    for (size_t i = 0; i < map_len(n) && !c->oom; i++) {
        const yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
        const yaml_node_t *k = node_at(c, p->key), *body = node_at(c, p->value);
        const char *name = garant_config__entry_key(c, n, i, "targets");
        if (!name) continue;
        planinfo *pi = find_plan(c, name);
        if (!pi) {
            if (c->plans_usable)
                garant_config__diag(c, k, "targets: unknown plan '%s' (not listed under plans)",
                                    garant_config__show(c, k));
            continue;
        }
        pi->targets_key = k;
        char where[120];
        snprintf(where, sizeof where, "targets '%s'", garant_config__show(c, k));
        if (!garant_config__want_map(c, body, where)) {
            memset(pi->has_target, 1, sizeof pi->has_target);
            continue;
        }
        if (garant_config__too_long(c, body, map_len(body), GARANT_PRIORITY_MAX, where)) {
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
                garant_config__diag(c, lk,
                                    "%s: priority %d appears twice (first at line %d, column %d)",
                                    where, level, line_of(seen[level]), column_of(seen[level]));
                continue;
            }
            seen[level] = lk;
            pi->has_target[level] = 1;
            if (c->prios_usable && !c->prio_node[level]) {
                garant_config__diag(c, lk, "%s: priority %d is not declared under priorities",
                                    where, level);
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
            garant_config__diag(c, n, "targets: plan '%s' has no targets", pi->name);
            continue;
        }
        for (int l = 1; l <= GARANT_PRIORITY_MAX; l++)
            if (c->prio_node[l] && !pi->has_target[l])
                garant_config__diag(c, pi->targets_key, "targets '%s': no target for priority %d",
                                    pi->name, l);
    }
}

/* ---- the rest ----------------------------------------------------------- */

void garant_config__read_version(cfg *c, const yaml_node_t *n)
{
    const char *s = garant_config__want_text(c, n, "version");
    if (s && strcmp(s, "1") != 0)
        garant_config__diag(c, n, "version: this garant reads version 1 configs, got '%s'",
                            garant_config__show(c, n));
}

/* "75%" or "72.5%" -> per mille. */
void garant_config__read_warning(cfg *c, const yaml_node_t *n)
{
    const char *s = garant_config__want_text(c, n, "warning_at");
    if (!s) return;
    const char *p = s;
    int v = 0, nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 4) v = v * 10 + (*p++ - '0'), nd++;
    int tenth = 0;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') tenth = p[2] == '%' ? p[1] - '0' : -1, p += 2;
    if (!nd || nd > 3 || tenth < 0 || strcmp(p, "%") != 0) {
        garant_config__diag(c, n, "warning_at: expected a percentage like 75%%, got '%s'",
                            garant_config__show(c, n));
        return;
    }
    int permille = v * 10 + tenth;
    if (permille < 10 || permille > 990) {
        garant_config__diag(c, n, "warning_at: %s is out of range (1%%-99%%)",
                            garant_config__show(c, n));
        return;
    }
    int rc = garant_policy_set_warning_permille(c->pol, permille);
    if (rc) garant_config__builder_failed(c, rc, n, "warning_at");
}

void garant_config__read_display(cfg *c, const yaml_node_t *n)
{
    const char *s = garant_config__want_text(c, n, "display_calendar");
    if (!s) return;
    const calinfo *ci = garant_config__find_cal(c, s);
    if (!ci) {
        char known[300];
        garant_config__list_cals(c, known, sizeof known);
        garant_config__diag(c, n,
                            "display_calendar: '%s' is not a calendar defined under calendars "
                            "(calendars: %s)",
                            garant_config__show(c, n), known);
        return;
    }
    if (!ci->built) return;
    int rc = garant_policy_set_display_calendar(c->pol, s);
    if (rc) garant_config__builder_failed(c, rc, n, "display_calendar");
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
    if (!garant_config__want_seq(c, n, where)) return;
    if (seq_len(n) > GARANT_POLICY_MAX_FREEMAIL) {
        garant_config__diag(c, n, "%s: more than %d entries", where, GARANT_POLICY_MAX_FREEMAIL);
        return;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start;
         it < n->data.sequence.items.top && !c->oom; it++) {
        const yaml_node_t *e = node_at(c, *it);
        const char *s = garant_config__want_text(c, e, where);
        if (!s) continue;
        const yaml_node_t *first = NULL;
        for (yaml_node_item_t *p = n->data.sequence.items.start; p < it && !first; p++) {
            const yaml_node_t *prev = node_at(c, *p);
            if (is_scalar(prev) && same_domain(scalar(prev), s)) first = prev;
        }
        if (first) {
            garant_config__diag(c, e, "%s: '%s' is listed twice (first at line %d, column %d)",
                                where, garant_config__show(c, e), line_of(first), column_of(first));
            continue;
        }
        int rc = garant_policy_add_freemail_domain(c->pol, s);
        if (rc) garant_config__builder_failed(c, rc, e, where);
    }
}

/* `signup`: the rules of customer sign-up that belong to the policy. */
void garant_config__read_signup(cfg *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"freemail_domains", NULL};
    if (!garant_config__want_map(c, n, "signup")) return;
    const yaml_node_t *v[1];
    garant_config__fields(c, n, "signup", keys, v, NULL);
    if (v[0]) read_freemail(c, v[0]);
}
