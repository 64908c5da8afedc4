/*
** policy.c - plans x priorities -> targets, stages, and their calendars.
**
** A policy is small (a handful of plans, priorities and stages), so lookups
** by name are linear scans over short arrays: cheaper than hashing at this
** size and simpler to keep immutable once validated.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/clock.h"
#include "garant/policy.h"
#include "internal.h"

/* Ceilings that keep a hostile config from building a huge policy. */
#define MAX_PLANS 64
#define MAX_STAGES 64
#define MAX_CALENDARS 64
/* Longest domain name (RFC 1035) and label. */
#define MAX_DOMAIN 253
#define MAX_LABEL 63

typedef struct plan {
    char *name;
    garant_target target[GARANT_PRIORITY_MAX];
    unsigned char set[GARANT_PRIORITY_MAX];
} plan;

typedef struct translation {
    char lang[16];
    char *name;
    char *definition;
} translation;

typedef struct prio {
    char *name;
    char *definition;
    unsigned envs;
    int declared;
    translation tr[GARANT_MAX_TRANSLATIONS];
    size_t ntr;
} prio;

typedef struct stage {
    char *name;
    int guaranteed;
} stage;

typedef struct named_cal {
    char *name;
    garant_calendar *cal;
} named_cal;

struct garant_policy {
    plan plans[MAX_PLANS];
    size_t nplans;
    prio prios[GARANT_PRIORITY_MAX]; /* by level - 1 */
    stage stages[MAX_STAGES];
    size_t nstages;
    named_cal cals[MAX_CALENDARS];
    size_t ncals;
    int default_priority;
    int warning_permille;
    size_t display_cal;
    char **freemail;                 /* extra free-mail domains, lower-case */
    size_t nfreemail, capfreemail;
    int validated;
};

int garant_policy_new(garant_policy **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return garant__error(GARANT_ENOMEM, "out of memory creating a policy");
    (*out)->default_priority = 0;
    (*out)->warning_permille = 750;
    return 0;
}

void garant_policy_free(garant_policy *pol)
{
    if (!pol) return;
    for (size_t i = 0; i < pol->nplans; i++) free(pol->plans[i].name);
    for (size_t i = 0; i < GARANT_PRIORITY_MAX; i++) {
        free(pol->prios[i].name);
        free(pol->prios[i].definition);
        for (size_t j = 0; j < pol->prios[i].ntr; j++) {
            free(pol->prios[i].tr[j].name);
            free(pol->prios[i].tr[j].definition);
        }
    }
    for (size_t i = 0; i < pol->nstages; i++) free(pol->stages[i].name);
    for (size_t i = 0; i < pol->ncals; i++) {
        free(pol->cals[i].name);
        garant_calendar_free(pol->cals[i].cal);
    }
    for (size_t i = 0; i < pol->nfreemail; i++) free(pol->freemail[i]);
    free(pol->freemail);
    free(pol);
}

/* Plan and stage names appear in URLs, CSV and config keys. */
static int name_ok(const char *s)
{
    if (!s || !s[0] || strlen(s) > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int frozen(const garant_policy *pol)
{
    return pol->validated ? garant__error(GARANT_EINVAL, "policy is validated and can no longer change") : 0;
}

static long find_plan(const garant_policy *pol, const char *name)
{
    for (size_t i = 0; i < pol->nplans; i++)
        if (strcmp(pol->plans[i].name, name) == 0) return (long)i;
    return -1;
}

static long find_stage(const garant_policy *pol, const char *name)
{
    for (size_t i = 0; i < pol->nstages; i++)
        if (strcmp(pol->stages[i].name, name) == 0) return (long)i;
    return -1;
}

static long find_cal(const garant_policy *pol, const char *name)
{
    for (size_t i = 0; i < pol->ncals; i++)
        if (strcmp(pol->cals[i].name, name) == 0) return (long)i;
    return -1;
}

/* Text from outside, fit to quote in a message: bytes outside printable
** ASCII become '?', long text is cut with "...". */
static const char *quotable(char out[80], const char *s)
{
    size_t o = 0;
    for (; o < 72 && s[o]; o++) out[o] = s[o] >= 0x20 && s[o] < 0x7f ? s[o] : '?';
    if (s[o]) memcpy(out + o, "...", 3), o += 3;
    out[o] = '\0';
    return out;
}

/* The names a refusal lists, so that whoever gave a wrong one sees the
** right ones. */
const char *garant_policy_names(char *out, size_t cap, const garant_policy *pol, garant_names_kind kind)
{
    size_t n = kind == GARANT_NAMES_PLANS    ? pol->nplans
               : kind == GARANT_NAMES_STAGES ? pol->nstages
                                             : pol->ncals,
           len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = kind == GARANT_NAMES_PLANS    ? pol->plans[i].name
                           : kind == GARANT_NAMES_STAGES ? pol->stages[i].name
                                                         : pol->cals[i].name;
        int w = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", name);
        if (w < 0 || (size_t)w >= cap - len) {
            if (cap > 4) memcpy(out + cap - 4, "...", 4);
            break;
        }
        len += (size_t)w;
    }
    if (n == 0) snprintf(out, cap, "none");
    return out;
}

int garant_policy_check_priority(const garant_policy *pol, long long level)
{
    if (level >= 1 && level <= GARANT_PRIORITY_MAX && pol->prios[level - 1].declared) return 0;
    char list[64] = "";
    size_t len = 0;
    for (int l = 1; l <= GARANT_PRIORITY_MAX; l++)
        if (pol->prios[l - 1].declared)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? ", " : "", l);
    return garant__error(GARANT_EINVAL, "priority %lld is not defined (priorities: %s)", level, list);
}

const char *garant_policy_no_guarantee_reason(char *buf, size_t cap, const garant_policy *pol,
                                              const garant_ticket_terms *terms)
{
    return garant_policy_no_guarantee_reason_in(buf, cap, pol, terms, NULL);
}

const char *garant_policy_no_guarantee_reason_in(char *buf, size_t cap, const garant_policy *pol,
                                                 const garant_ticket_terms *terms, const garant_words *words)
{
    buf[0] = '\0';
    garant_target t;
    if (garant_policy_target(&t, pol, terms) != 0 || t.kind != GARANT_TARGET_NONE) return buf;
    const char *st = terms->stage ? terms->stage : "ga";
    long si = find_stage(pol, st);
    char shown[80];
    if (si >= 0 && !pol->stages[si].guaranteed)
        snprintf(buf, cap,
                 garant__word_format(words ? words->stage_none : NULL, "products in stage '%s' carry no guaranteed response time"),
                 quotable(shown, st));
    else
        snprintf(buf, cap,
                 garant__word_format(words ? words->plan_none : NULL, "plan '%s' guarantees no response time for priority %d"),
                 quotable(shown, terms->plan), terms->priority ? terms->priority : pol->default_priority);
    return buf;
}

int garant_policy_add_calendar(garant_policy *pol, const char *name,
                               garant_calendar *cal)
{
    int rc = frozen(pol);
    if (!rc && (!name || !name[0] || strcmp(name, "24/7") == 0))
        rc = garant__error(GARANT_EINVAL, "calendar name '%s' is reserved or empty", name ? name : "");
    if (!rc && find_cal(pol, name) >= 0)
        rc = garant__error(GARANT_EINVAL, "calendar '%s' is defined twice", name);
    if (!rc && pol->ncals == MAX_CALENDARS)
        rc = garant__error(GARANT_ELIMIT, "more than %d calendars", MAX_CALENDARS);
    char *copy = rc ? NULL : garant__strdup(name);
    if (!rc && !copy) rc = GARANT_ENOMEM;
    if (rc) {
        garant_calendar_free(cal);
        return rc;
    }
    pol->cals[pol->ncals].name = copy;
    pol->cals[pol->ncals].cal = cal;
    pol->ncals++;
    return 0;
}

int garant_policy_add_plan(garant_policy *pol, const char *name)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (!name_ok(name))
        return garant__error(GARANT_EINVAL, "plan name '%s' must be 1-64 of a-z, 0-9, '_' and '-'", name ? name : "");
    if (find_plan(pol, name) >= 0) return garant__error(GARANT_EINVAL, "plan '%s' is defined twice", name);
    if (pol->nplans == MAX_PLANS) return garant__error(GARANT_ELIMIT, "more than %d plans", MAX_PLANS);
    plan *p = &pol->plans[pol->nplans];
    memset(p, 0, sizeof *p);
    if (!(p->name = garant__strdup(name))) return GARANT_ENOMEM;
    pol->nplans++;
    return 0;
}

static int level_ok(int level)
{
    return level >= 1 && level <= GARANT_PRIORITY_MAX;
}

int garant_policy_add_priority(garant_policy *pol, int level, const char *name,
                               const char *definition, unsigned env_mask)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (!level_ok(level))
        return garant__error(GARANT_EINVAL, "priority %d is out of range (1-%d)", level, GARANT_PRIORITY_MAX);
    prio *p = &pol->prios[level - 1];
    if (p->declared) return garant__error(GARANT_EINVAL, "priority %d is defined twice", level);
    if (env_mask == 0 || (env_mask & ~(unsigned)GARANT_ENV_ANY))
        return garant__error(GARANT_EINVAL, "priority %d: environment set must name at least one of production, staging, development", level);
    char *n = garant__strdup(name ? name : "");
    char *d = garant__strdup(definition ? definition : "");
    if (!n || !d) {
        free(n);
        free(d);
        return GARANT_ENOMEM;
    }
    p->name = n;
    p->definition = d;
    p->envs = env_mask;
    p->declared = 1;
    return 0;
}

/* "ro", "pt-br": 2-3 lower-case letters, then optional "-" parts of 2-8
** lower-case letters or digits. */
int garant_policy_lang_ok(const char *lang)
{
    size_t n = strlen(lang), i = 0;
    if (n >= sizeof ((translation *)0)->lang) return 0;
    while (i < n && lang[i] >= 'a' && lang[i] <= 'z') i++;
    if (i < 2 || i > 3) return 0;
    while (i < n) {
        if (lang[i++] != '-') return 0;
        size_t start = i;
        while (i < n && ((lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= '0' && lang[i] <= '9'))) i++;
        if (i - start < 2 || i - start > 8) return 0;
    }
    return 1;
}

int garant_policy_add_priority_translation(garant_policy *pol, int level, const char *lang,
                                           const char *name, const char *definition)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (!level_ok(level) || !pol->prios[level - 1].declared)
        return garant__error(GARANT_ENOTFOUND, "priority %d is not defined", level);
    prio *p = &pol->prios[level - 1];
    if (!lang || !garant_policy_lang_ok(lang))
        return garant__error(GARANT_EINVAL, "priority %d: '%.20s' is not a language code like ro or pt-br", level,
                             lang ? lang : "");
    if (!name || !*name) return garant__error(GARANT_EINVAL, "priority %d, translation '%s': the name is empty", level, lang);
    for (size_t i = 0; i < p->ntr; i++)
        if (!strcmp(p->tr[i].lang, lang))
            return garant__error(GARANT_EINVAL, "priority %d is translated to '%s' twice", level, lang);
    if (p->ntr == GARANT_MAX_TRANSLATIONS)
        return garant__error(GARANT_ELIMIT, "priority %d: at most %d translations", level, GARANT_MAX_TRANSLATIONS);
    translation *t = &p->tr[p->ntr];
    t->name = garant__strdup(name);
    t->definition = garant__strdup(definition ? definition : "");
    if (!t->name || !t->definition) {
        free(t->name);
        free(t->definition);
        t->name = t->definition = NULL;
        return GARANT_ENOMEM;
    }
    snprintf(t->lang, sizeof t->lang, "%s", lang);
    p->ntr++;
    return 0;
}

int garant_policy_add_stage(garant_policy *pol, const char *name, int guaranteed)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (!name_ok(name))
        return garant__error(GARANT_EINVAL, "stage name '%s' must be 1-64 of a-z, 0-9, '_' and '-'", name ? name : "");
    if (find_stage(pol, name) >= 0) return garant__error(GARANT_EINVAL, "stage '%s' is defined twice", name);
    if (pol->nstages == MAX_STAGES) return garant__error(GARANT_ELIMIT, "more than %d stages", MAX_STAGES);
    if (!(pol->stages[pol->nstages].name = garant__strdup(name))) return GARANT_ENOMEM;
    pol->stages[pol->nstages].guaranteed = guaranteed != 0;
    pol->nstages++;
    return 0;
}

/* Ten years: a longer first-response target is a configuration mistake, and
** the bound keeps every sum of instants and targets far from overflow. */
#define MAX_TARGET_S (10 * 366 * 86400LL)

int garant_policy_set_target(garant_policy *pol, const char *plan_name,
                             int priority, garant_target_kind kind,
                             int64_t seconds, const char *calendar)
{
    int rc = frozen(pol);
    if (rc) return rc;
    long pi = find_plan(pol, plan_name);
    char known[256], shown[80];
    if (pi < 0)
        return garant__error(GARANT_ENOTFOUND, "unknown plan '%s' (plans: %s)", quotable(shown, plan_name),
                             garant_policy_names(known, sizeof known, pol, GARANT_NAMES_PLANS));
    if (!level_ok(priority) || !pol->prios[priority - 1].declared)
        return garant__error(GARANT_ENOTFOUND, "priority %d is not defined", priority);
    garant_target t = {kind, 0, NULL};
    switch (kind) {
    case GARANT_TARGET_NONE: break;
    case GARANT_TARGET_BUSINESS: {
        long ci = calendar ? find_cal(pol, calendar) : -1;
        if (ci < 0)
            return garant__error(GARANT_ENOTFOUND, "unknown calendar '%s' (calendars: %s)",
                                 calendar ? quotable(shown, calendar) : "",
                                 garant_policy_names(known, sizeof known, pol, GARANT_NAMES_CALENDARS));
        t.cal = pol->cals[ci].cal;
    } /* fall through */
    case GARANT_TARGET_WALL:
        if (seconds <= 0 || seconds > MAX_TARGET_S)
            return garant__error(GARANT_EINVAL, "target of %lld s must be positive and at most 10 years", (long long)seconds);
        t.seconds = seconds;
        break;
    default: return garant__error(GARANT_EINVAL, "unknown target kind %d", (int)kind);
    }
    pol->plans[pi].target[priority - 1] = t;
    pol->plans[pi].set[priority - 1] = 1;
    return 0;
}

int garant_policy_set_default_priority(garant_policy *pol, int priority)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (!level_ok(priority))
        return garant__error(GARANT_EINVAL, "default priority %d is out of range (1-%d)", priority, GARANT_PRIORITY_MAX);
    pol->default_priority = priority;
    return 0;
}

int garant_policy_set_warning_permille(garant_policy *pol, int permille)
{
    int rc = frozen(pol);
    if (rc) return rc;
    if (permille < 1 || permille > 999)
        return garant__error(GARANT_EINVAL, "warning share %d per mille must be between 1 and 999", permille);
    pol->warning_permille = permille;
    return 0;
}

int garant_policy_set_display_calendar(garant_policy *pol, const char *name)
{
    int rc = frozen(pol);
    if (rc) return rc;
    long ci = find_cal(pol, name);
    char known[256], shown[80];
    if (ci < 0)
        return garant__error(GARANT_ENOTFOUND, "unknown calendar '%s' (calendars: %s)", quotable(shown, name),
                             garant_policy_names(known, sizeof known, pol, GARANT_NAMES_CALENDARS));
    pol->display_cal = (size_t)ci;
    return 0;
}

/* A free-mail entry, lower-cased into out (cap > MAX_DOMAIN): a domain
** name of two or more labels of a-z, 0-9 and '-', each 1-63 bytes and not
** starting or ending with '-', at most 253 bytes in all, whose last label
** is not all digits (an IP address is not a domain); or one such label
** followed by ".*". These are the rules the server checks e-mail domains
** by (src/http/freemail.c), so every entry can match an address. */
static int freemail_entry(char *out, size_t cap, const char *in)
{
    char shown[80];
    size_t n = strlen(in);
    if (n == 0) return garant__error(GARANT_EINVAL, "a free-mail domain is empty");
    if (n > MAX_DOMAIN || n >= cap)
        return garant__error(GARANT_EINVAL, "'%s' is longer than %d bytes", quotable(shown, in), MAX_DOMAIN);
    int wildcard = n > 2 && in[n - 1] == '*' && in[n - 2] == '.';
    size_t end = wildcard ? n - 2 : n, label = 0, labels = 1, last = 0;
    for (size_t i = 0; i < end; i++) {
        char c = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
        if (c == '.') {
            if (label == 0 || out[i - 1] == '-')
                return garant__error(GARANT_EINVAL, "'%s' has an empty label or one ending with '-'",
                                     quotable(shown, in));
            label = 0;
            labels++;
            last = i + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            if (c == '-' && label == 0)
                return garant__error(GARANT_EINVAL, "'%s' has a label starting with '-'", quotable(shown, in));
            if (++label > MAX_LABEL)
                return garant__error(GARANT_EINVAL, "'%s' has a label longer than %d bytes", quotable(shown, in),
                                     MAX_LABEL);
        } else if ((unsigned char)c >= 0x80) {
            return garant__error(GARANT_EINVAL, "'%s' has non-ASCII characters: use its xn-- (punycode) form",
                                 quotable(shown, in));
        } else if (c == '*') {
            return garant__error(GARANT_EINVAL, "'%s': '*' may only end an entry, after one label (like webmail.*)",
                                 quotable(shown, in));
        } else {
            char what[4] = {'\'', c, '\'', '\0'};
            return garant__error(GARANT_EINVAL, "'%s' contains %s, which is not allowed in a domain name",
                                 quotable(shown, in), c == ' '              ? "a space"
                                                      : c > ' ' && c < 0x7f ? what
                                                                            : "a control character");
        }
        out[i] = c;
    }
    if (label == 0 || out[end - 1] == '-')
        return garant__error(GARANT_EINVAL, "'%s' has an empty label or one ending with '-'", quotable(shown, in));
    if (wildcard) {
        if (labels != 1)
            return garant__error(GARANT_EINVAL, "'%s': a wildcard entry is one label followed by '.*' (like webmail.*)",
                                 quotable(shown, in));
        memcpy(out + end, ".*", 3);
        return 0;
    }
    out[n] = '\0';
    if (labels < 2)
        return garant__error(GARANT_EINVAL, "'%s' needs a dot (like example.com), or '.*' after a provider's name",
                             quotable(shown, in));
    int numeric = 1;
    for (size_t i = last; i < n; i++) numeric = numeric && out[i] >= '0' && out[i] <= '9';
    if (numeric) return garant__error(GARANT_EINVAL, "'%s' is an IP address, not a domain name", quotable(shown, in));
    return 0;
}

int garant_policy_add_freemail_domain(garant_policy *pol, const char *domain)
{
    int rc = frozen(pol);
    if (rc) return rc;
    char norm[MAX_DOMAIN + 1];
    if ((rc = freemail_entry(norm, sizeof norm, domain ? domain : ""))) return rc;
    for (size_t i = 0; i < pol->nfreemail; i++)
        if (strcmp(pol->freemail[i], norm) == 0)
            return garant__error(GARANT_EINVAL, "free-mail domain '%s' is listed twice", norm);
    if (pol->nfreemail == GARANT_POLICY_MAX_FREEMAIL)
        return garant__error(GARANT_ELIMIT, "more than %d free-mail domains", GARANT_POLICY_MAX_FREEMAIL);
    if (garant__grow((void **)&pol->freemail, &pol->capfreemail, pol->nfreemail + 1, sizeof *pol->freemail))
        return GARANT_ENOMEM;
    if (!(pol->freemail[pol->nfreemail] = garant__strdup(norm))) return GARANT_ENOMEM;
    pol->nfreemail++;
    return 0;
}

int garant_policy_validate(garant_policy *pol)
{
    if (pol->validated) return 0;
    if (pol->nplans == 0) return garant__error(GARANT_ECONFIG, "the policy has no plans");
    size_t nprio = 0;
    for (int l = 1; l <= GARANT_PRIORITY_MAX; l++) nprio += pol->prios[l - 1].declared;
    if (nprio == 0) return garant__error(GARANT_ECONFIG, "the policy has no priorities");
    if (pol->default_priority == 0 || !pol->prios[pol->default_priority - 1].declared)
        return garant__error(GARANT_ECONFIG, "the default priority %d is not defined", pol->default_priority);
    if (find_stage(pol, "ga") < 0)
        return garant__error(GARANT_ECONFIG, "the policy has no stage 'ga' (generally available)");
    for (size_t i = 0; i < pol->nplans; i++) {
        const plan *p = &pol->plans[i];
        for (int l = 1; l <= GARANT_PRIORITY_MAX; l++) {
            if (!pol->prios[l - 1].declared) continue;
            if (!p->set[l - 1])
                return garant__error(GARANT_ECONFIG, "plan '%s' has no target for priority %d", p->name, l);
            const garant_target *t = &p->target[l - 1];
            if (t->kind == GARANT_TARGET_BUSINESS && garant_calendar_open_total(t->cal) == 0)
                return garant__error(GARANT_ECONFIG,
                                     "plan '%s' priority %d counts business hours on calendar '%s', which is never open",
                                     p->name, l, garant_calendar_name(t->cal));
        }
    }
    pol->validated = 1;
    return 0;
}

int garant_policy_target(garant_target *out, const garant_policy *pol,
                         const garant_ticket_terms *terms)
{
    if (!pol->validated) return garant__error(GARANT_EINVAL, "policy is not validated");
    int level = terms->priority ? terms->priority : pol->default_priority;
    if (!level_ok(level) || !pol->prios[level - 1].declared)
        return garant__error(GARANT_EINVAL, "priority %d is not defined", level);
    long pi = terms->plan ? find_plan(pol, terms->plan) : -1;
    char known[256], shown[80];
    if (pi < 0)
        return garant__error(GARANT_ENOTFOUND, "unknown plan '%s' (plans: %s)",
                             terms->plan ? quotable(shown, terms->plan) : "",
                             garant_policy_names(known, sizeof known, pol, GARANT_NAMES_PLANS));
    const char *st = terms->stage ? terms->stage : "ga";
    long si = find_stage(pol, st);
    if (si < 0)
        return garant__error(GARANT_ENOTFOUND, "unknown product stage '%s' (stages: %s)", quotable(shown, st),
                             garant_policy_names(known, sizeof known, pol, GARANT_NAMES_STAGES));
    if (!pol->stages[si].guaranteed) {
        out->kind = GARANT_TARGET_NONE;
        out->seconds = 0;
        out->cal = NULL;
        return 0;
    }
    *out = pol->plans[pi].target[level - 1];
    return 0;
}

size_t garant_policy_plan_count(const garant_policy *pol) { return pol->nplans; }

const char *garant_policy_plan_name(const garant_policy *pol, size_t i)
{
    return i < pol->nplans ? pol->plans[i].name : NULL;
}

size_t garant_policy_priority_count(const garant_policy *pol)
{
    size_t n = 0;
    for (int l = 1; l <= GARANT_PRIORITY_MAX; l++) n += pol->prios[l - 1].declared;
    return n;
}

int garant_policy_priority_level(const garant_policy *pol, size_t i)
{
    for (int l = 1; l <= GARANT_PRIORITY_MAX; l++)
        if (pol->prios[l - 1].declared && i-- == 0) return l;
    return 0;
}

static const prio *prio_at(const garant_policy *pol, int level)
{
    return level_ok(level) && pol->prios[level - 1].declared ? &pol->prios[level - 1] : NULL;
}

const char *garant_policy_priority_name(const garant_policy *pol, int level)
{
    const prio *p = prio_at(pol, level);
    return p ? p->name : NULL;
}

const char *garant_policy_priority_definition(const garant_policy *pol, int level)
{
    const prio *p = prio_at(pol, level);
    return p ? p->definition : NULL;
}

size_t garant_policy_priority_translation_count(const garant_policy *pol, int level)
{
    const prio *p = prio_at(pol, level);
    return p ? p->ntr : 0;
}

int garant_policy_priority_translation_at(const garant_policy *pol, int level, size_t i, const char **lang,
                                          const char **name, const char **definition)
{
    const prio *p = prio_at(pol, level);
    if (!p || i >= p->ntr) return GARANT_ENOTFOUND;
    *lang = p->tr[i].lang;
    *name = p->tr[i].name;
    *definition = p->tr[i].definition;
    return 0;
}

int garant_policy_priority_translation(const garant_policy *pol, int level, const char *lang, const char **name,
                                       const char **definition)
{
    const prio *p = prio_at(pol, level);
    for (size_t i = 0; p && lang && i < p->ntr; i++) {
        if (!strcmp(p->tr[i].lang, lang)) {
            *name = p->tr[i].name;
            *definition = p->tr[i].definition;
            return 0;
        }
    }
    return GARANT_ENOTFOUND;
}

unsigned garant_policy_priority_envs(const garant_policy *pol, int level)
{
    const prio *p = prio_at(pol, level);
    return p ? p->envs : 0;
}

size_t garant_policy_stage_count(const garant_policy *pol) { return pol->nstages; }

const char *garant_policy_stage_name(const garant_policy *pol, size_t i)
{
    return i < pol->nstages ? pol->stages[i].name : NULL;
}

int garant_policy_stage_guaranteed(const garant_policy *pol, size_t i)
{
    return i < pol->nstages ? pol->stages[i].guaranteed : 0;
}

int garant_policy_default_priority(const garant_policy *pol) { return pol->default_priority; }

int garant_policy_warning_permille(const garant_policy *pol) { return pol->warning_permille; }

size_t garant_policy_calendar_count(const garant_policy *pol) { return pol->ncals; }

const garant_calendar *garant_policy_calendar_at(const garant_policy *pol, size_t i)
{
    return i < pol->ncals ? pol->cals[i].cal : NULL;
}

const garant_calendar *garant_policy_calendar(const garant_policy *pol, const char *name)
{
    long ci = find_cal(pol, name);
    return ci < 0 ? NULL : pol->cals[ci].cal;
}

const garant_calendar *garant_policy_display_calendar(const garant_policy *pol)
{
    return pol->ncals ? pol->cals[pol->display_cal].cal : NULL;
}

size_t garant_policy_freemail_count(const garant_policy *pol) { return pol->nfreemail; }

const char *garant_policy_freemail_domain(const garant_policy *pol, size_t i)
{
    return i < pol->nfreemail ? pol->freemail[i] : NULL;
}
