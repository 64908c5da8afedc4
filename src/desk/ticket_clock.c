/*
** ticket_clock.c - the clock of a ticket and the checks of its terms
** (desk_ticket_clock.h): its SLA state, the time left, where its deadline
** counts from, a new ticket's deadline and a reclassified one's, and which
** priorities, environments and statuses are valid. No store writes; the
** rules that write are tickets.c's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "garant/error_wrap.h"
#include "desk_ticket_clock.h"

/* ---- the clock of a ticket ----------------------------------------------- */

garant_ticket_terms desk_ticket_terms(const garant_ticket *t, int priority)
{
    garant_ticket_terms terms;
    terms.plan = t->plan;
    terms.priority = priority;
    terms.stage = t->stage[0] ? t->stage : "ga";
    return terms;
}

const char *desk_ticket_sla_state(const garant_ticket *t, int64_t now)
{
    int64_t due = t->first_response_due;
    /* A recorded breach is a fact (docs/SLA.md): no later deadline and no
    ** answer takes it back. */
    if (t->breached_at) return "breached";
    if (due == GARANT_NO_DUE) return "none";
    if (t->first_response_at) return t->first_response_at <= due ? "met" : "breached";
    if (now > due) return "breached";
    if (t->warn_at != GARANT_NO_DUE && now >= t->warn_at) return "warning";
    return "active";
}

void desk_ticket_remaining(int64_t *out_left_s, int *out_business, const garant_policy *pol, const garant_ticket *t,
                           int64_t due_s, int64_t at_s)
{
    garant_ticket_terms terms = desk_ticket_terms(t, t->priority);
    garant_target target;
    *out_business = garant_policy_target(&target, pol, &terms) == 0 && target.kind == GARANT_TARGET_BUSINESS;
    if (!*out_business || garant_clock_remaining(out_left_s, pol, &terms, due_s, at_s) != 0) {
        *out_left_s = due_s - at_s; /* wall time: a 24/7 target, or for want of the terms' calendar */
        *out_business = 0;
    }
}

/* The instant a ticket's deadline counts from and the priority whose
** target it counts: the clock's own walk through the priority changes
** (garant_clock_reclassify), remembering where the deadline came from.
** The common case, a deadline that is simply due(submission, current
** priority), needs no history. Falls back to the submission and current
** priority when the history does not reproduce the stored deadline. */
void desk_ticket_clock_source(int64_t *out_start, int *out_priority, garant_store_conn *c, const garant_policy *pol,
                              const garant_ticket *t)
{
    *out_start = t->submitted_at;
    *out_priority = t->priority;
    garant_ticket_terms cur = desk_ticket_terms(t, t->priority);
    int64_t due;
    /* The current priority's clock from submission explains most tickets
    ** without reading their history. */
    if (garant_clock_due(&due, pol, &cur, t->submitted_at) != 0 || due == t->first_response_due) return;
    garant_priority_change *ch = NULL;
    size_t n = 0;
    if (!c || GS(c)->tickets->priority_changes(c, t->id, &ch, &n) != 0) return;
    garant_ticket_terms terms = desk_ticket_terms(t, t->initial_priority);
    garant_clock_state st;
    int ok = garant_clock_history(&st, pol, &terms, t->submitted_at, ch, n) == 0;
    free(ch);
    if (ok && st.due_s == t->first_response_due) {
        *out_start = st.start_s;
        *out_priority = st.priority;
    }
}

/* ---- checks -------------------------------------------------------------- */

static const struct {
    const char *name;
    unsigned bit;
} environments[] = {
    {"production", GARANT_ENV_PRODUCTION},
    {"staging", GARANT_ENV_STAGING},
    {"development", GARANT_ENV_DEVELOPMENT},
};

static unsigned env_bit(const char *name)
{
    for (size_t i = 0; i < sizeof environments / sizeof environments[0]; i++)
        if (!strcmp(environments[i].name, name)) return environments[i].bit;
    return 0;
}

static const char *const statuses[] = {"open", "pending", "solved", "closed"};

int desk_status_known(const char *s)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(statuses[i], s)) return 1;
    return 0;
}

int desk_check_priority(const garant_policy *pol, int64_t p)
{
    if (garant_policy_check_priority(pol, (long long)p) == 0) return 0;
    char why[160];
    snprintf(why, sizeof why, "%s", garant_error_last());
    return garant__error(GARANT_EINVAL, "'priority': %s", why);
}

/* The refusal says the rule once (a definition that starts by saying it
** again, "Production only: ...", is quoted without those words) and names
** the most urgent priority that does cover the environment. */
int desk_check_environment(const garant_policy *pol, int priority, const char *env)
{
    unsigned envs = garant_policy_priority_envs(pol, priority);
    if (envs & env_bit(env)) return 0;
    char allowed[64] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof environments / sizeof environments[0]; i++)
        if (envs & environments[i].bit)
            len += (size_t)snprintf(allowed + len, sizeof allowed - len, "%s%s", len ? garant__tr(" and ") : "",
                                    environments[i].name);
    /* The priority's name and definition in the reader's language when
    ** the policy translates them (its `translations`). */
    const garant_msgcat *cat = garant__msgcat_current();
    const char *name = garant_policy_priority_name(pol, priority);
    const char *def = garant_policy_priority_definition(pol, priority);
    int translated = cat && garant_policy_priority_translation(pol, priority, cat->language, &name, &def) == 0;
    if (!translated) garant__error_clear();
    if (!def || !def[0]) def = garant__tr("see the definitions");
    char rule[80];
    snprintf(rule, sizeof rule, "%s only", allowed);
    size_t rlen = strlen(rule);
    if (!translated && allowed[0] && strncasecmp(def, rule, rlen) == 0 && strchr(":.,;", def[rlen]) && def[rlen]) {
        def += rlen + 1;
        while (*def == ' ') def++;
    }
    char instead[160] = "";
    for (size_t i = 0; i < garant_policy_priority_count(pol); i++) {
        int level = garant_policy_priority_level(pol, i);
        if (!(garant_policy_priority_envs(pol, level) & env_bit(env))) continue;
        const char *iname = garant_policy_priority_name(pol, level), *idef;
        if (cat && garant_policy_priority_translation(pol, level, cat->language, &iname, &idef) != 0)
            garant__error_clear();
        size_t dl = strlen(def);
        snprintf(instead, sizeof instead, garant__tr("%s For %s, choose P%d (%s)."),
                 dl && strchr(".!?", def[dl - 1]) ? "" : ".", env, level, iname ? iname : "?");
        break;
    }
    return garant__error(GARANT_EINVAL, "P%d (%s) is for %s only, not %s: %s%s", priority, name ? name : "?",
                         allowed[0] ? allowed : garant__tr("no environment"), env, def, instead);
}

int desk_environment_known(const char *env) { return env_bit(env) != 0; }

/* A plan or stage the policy does not know is the policy's gap,
** reported as such. */
int desk_initial_deadline(const garant_policy *pol, garant_ticket *t)
{
    garant_ticket_terms terms = desk_ticket_terms(t, t->priority);
    int rc = garant_clock_due(&t->first_response_due, pol, &terms, t->submitted_at);
    if (!rc) rc = garant_clock_warning_at(&t->warn_at, pol, &terms, t->first_response_due);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", garant_error_last());
        return garant__error(GARANT_EINVAL, "no deadline can be computed for plan '%s', stage '%s': %s", t->plan,
                             terms.stage, why);
    }
    return 0;
}

/* Raised, the stricter clock counts from now but never ends later than the
** current deadline; lowered, from submission. Once the ticket has had its
** first response the deadline is history and stays as it was. */
int desk_reclassified(const garant_policy *pol, const garant_ticket *t, int to, int64_t now, int64_t *out_due,
                      int64_t *out_warn)
{
    if (t->first_response_at) {
        *out_due = t->first_response_due;
        *out_warn = t->warn_at;
        return 0;
    }
    garant_ticket_terms from = desk_ticket_terms(t, t->priority), next = desk_ticket_terms(t, to);
    int rc = garant_clock_reclassify(out_due, pol, &from, &next, t->submitted_at, t->first_response_due, now);
    if (!rc) rc = garant_clock_warning_at(out_warn, pol, &next, *out_due);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", garant_error_last());
        return garant__error(GARANT_EINVAL, "ticket %lld cannot be reclassified: %s", (long long)t->id, why);
    }
    return 0;
}

