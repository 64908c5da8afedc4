/*
** policy.h - the SLA policy: plans x priorities -> first-response targets.
**
** A policy owns its calendars. A target is business time on one of them,
** wall-clock time around the clock ("24/7"), or none (no guarantee). Product
** stages marked exempt (beta, preview) carry no guarantee on any plan.
** Policies are built by the config reader (config.h) or by hand, then
** validated once; a validated policy is immutable and safe to share between
** threads.
*/
#ifndef GARANT_POLICY_H
#define GARANT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "garant/calendar.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct garant_policy garant_policy;

/* Priorities are 1 (most urgent) .. GARANT_PRIORITY_MAX. */
#define GARANT_PRIORITY_MAX 9

/* Environments, as a bit mask of those a priority may be filed for. */
enum {
    GARANT_ENV_PRODUCTION = 1u << 0,
    GARANT_ENV_STAGING = 1u << 1,
    GARANT_ENV_DEVELOPMENT = 1u << 2,
    GARANT_ENV_ANY = 7u
};

typedef enum garant_target_kind {
    GARANT_TARGET_NONE = 0,     /* no guarantee */
    GARANT_TARGET_BUSINESS = 1, /* open time on a calendar */
    GARANT_TARGET_WALL = 2      /* elapsed wall-clock time, 24/7 */
} garant_target_kind;

/* A resolved target. cal is borrowed from the policy (NULL unless BUSINESS). */
typedef struct garant_target {
    garant_target_kind kind;
    int64_t seconds;
    const garant_calendar *cal;
} garant_target;

/* What decides a ticket's target. Strings are borrowed for the call. */
typedef struct garant_ticket_terms {
    const char *plan;   /* "professional" */
    int priority;       /* 1..; 0 means the policy's default priority */
    const char *stage;  /* "ga", "beta", ...; NULL means "ga" */
} garant_ticket_terms;

/* Caller owns *out; free with garant_policy_free. */
int garant_policy_new(garant_policy **out);
void garant_policy_free(garant_policy *pol);

/* Add a calendar under a name targets refer to. Takes ownership of cal
** (also on failure). "24/7" is reserved for wall-clock targets. */
int garant_policy_add_calendar(garant_policy *pol, const char *name,
                               garant_calendar *cal);

/* Declare a plan ("basic"); names are unique, lower-case [a-z0-9_-]. */
int garant_policy_add_plan(garant_policy *pol, const char *name);

/* Declare a priority level with its display name and the definition shown
** to customers; env_mask is the GARANT_ENV_* set it may be filed for. */
int garant_policy_add_priority(garant_policy *pol, int level, const char *name,
                               const char *definition, unsigned env_mask);

/* A declared priority's name and definition in another language, for the
** pages in that language: lang is a language code, lower case ("ro",
** "pt-br"); at most GARANT_MAX_TRANSLATIONS languages a priority, each once.
** The names the API and the mails use stay the declared ones. */
#define GARANT_MAX_TRANSLATIONS 8
/* Whether lang is such a language code. */
int garant_policy_lang_ok(const char *lang);
int garant_policy_add_priority_translation(garant_policy *pol, int level, const char *lang,
                                           const char *name, const char *definition);

/* Declare a product stage; guaranteed = 0 makes it exempt (no deadline). */
int garant_policy_add_stage(garant_policy *pol, const char *name,
                            int guaranteed);

/* Set the target of plan x priority. kind NONE ignores seconds and
** calendar; WALL ignores calendar; BUSINESS names an added calendar. */
int garant_policy_set_target(garant_policy *pol, const char *plan,
                             int priority, garant_target_kind kind,
                             int64_t seconds, const char *calendar);

int garant_policy_set_default_priority(garant_policy *pol, int priority);

/* Share of the target after which a warning is due, in per mille (750). */
int garant_policy_set_warning_permille(garant_policy *pol, int permille);

/* The calendar used to display times ("CET"); defaults to the first added. */
int garant_policy_set_display_calendar(garant_policy *pol, const char *name);

/* Add a mail domain that sign-up refuses besides the server's built-in
** list of free and disposable mail providers (the config's
** signup.freemail_domains): a domain name, which covers its subdomains
** too ("freebie.example" refuses a@mx.freebie.example), or one label
** followed by ".*" ("webmail.*": that provider under any top-level or
** country second-level domain, as in webmail.de and webmail.co.uk). Any
** case; kept lower-cased. The policy only carries the list: matching an
** address against it is the server's business. GARANT_EINVAL with a
** message naming the entry and what is wrong with it (or that it was
** added already), GARANT_ELIMIT past GARANT_POLICY_MAX_FREEMAIL entries. */
#define GARANT_POLICY_MAX_FREEMAIL 1000
int garant_policy_add_freemail_domain(garant_policy *pol, const char *domain);

/* Check completeness: every plan x priority has a target, the default
** priority exists, a stage "ga" exists, no business target sits on a
** calendar that is never open. Returns GARANT_ECONFIG naming the first
** problem. Queries require a validated policy. */
int garant_policy_validate(garant_policy *pol);

/* The target for these terms, with the stage exemption applied.
** GARANT_ENOTFOUND for an unknown plan or stage, GARANT_EINVAL for a
** priority that is not declared. */
int garant_policy_target(garant_target *out, const garant_policy *pol,
                         const garant_ticket_terms *terms);

/* Introspection, for the CLI, the API and the UI. Strings are borrowed;
** valid until garant_policy_free. Index-based, 0..count-1. */
size_t garant_policy_plan_count(const garant_policy *pol);
const char *garant_policy_plan_name(const garant_policy *pol, size_t i);
size_t garant_policy_priority_count(const garant_policy *pol);
/* Priorities are stored by level ascending; returns the level. */
int garant_policy_priority_level(const garant_policy *pol, size_t i);
const char *garant_policy_priority_name(const garant_policy *pol, int level);
const char *garant_policy_priority_definition(const garant_policy *pol,
                                              int level);
unsigned garant_policy_priority_envs(const garant_policy *pol, int level);
/* A priority's translations: how many, the i-th (lang, name, definition;
** borrowed), and the one in lang. GARANT_ENOTFOUND (no message) when the
** level or the language has none. */
size_t garant_policy_priority_translation_count(const garant_policy *pol, int level);
int garant_policy_priority_translation_at(const garant_policy *pol, int level, size_t i,
                                          const char **lang, const char **name,
                                          const char **definition);
int garant_policy_priority_translation(const garant_policy *pol, int level, const char *lang,
                                       const char **name, const char **definition);
size_t garant_policy_stage_count(const garant_policy *pol);
const char *garant_policy_stage_name(const garant_policy *pol, size_t i);
int garant_policy_stage_guaranteed(const garant_policy *pol, size_t i);
int garant_policy_default_priority(const garant_policy *pol);
int garant_policy_warning_permille(const garant_policy *pol);
size_t garant_policy_calendar_count(const garant_policy *pol);
const garant_calendar *garant_policy_calendar_at(const garant_policy *pol,
                                                 size_t i);
/* By name; NULL if unknown. */
const garant_calendar *garant_policy_calendar(const garant_policy *pol,
                                              const char *name);
const garant_calendar *garant_policy_display_calendar(const garant_policy *pol);
/* 0 if the policy declares priority `level`, else GARANT_EINVAL with
** "priority 7 is not defined (priorities: 1, 2, 3)": the one check every
** door makes. */
int garant_policy_check_priority(const garant_policy *pol, long long level);

/* The words of what the policy and the clock write for people (the
** reason for no guarantee, a deadline's explanation, a target, the
** lateness figure), for a door that shows them in its reader's language
** (docs/messages.md): the core keeps no language of its own beyond
** English, and reads no catalogue. A NULL table, or a NULL entry, is the
** English word. A format must have the English one's conversions in the
** same order (else English is used). Borrowed for the call. */
typedef struct garant_words {
    const char *weekday[7];      /* "Sun", "Mon", ... "Sat" */
    const char *month[12];       /* "Jan", ... "Dec" */
    const char *no_guarantee;    /* "no guaranteed response time" */
    const char *due_immediately; /* "due immediately" */
    const char *stage_none;      /* "products in stage '%s' carry no guaranteed response time" */
    const char *plan_none;       /* "plan '%s' guarantees no response time for priority %d" */
    /* The lateness figure (garant_lateness_format_in, clock.h), whole
    ** phrases: %s is garant_lateness_span's "2 h 59 min". */
    const char *left;                  /* "%s left" */
    const char *left_business;         /* "%s left (business hours)" */
    const char *late;                  /* "%s late" */
    const char *late_business;         /* "%s late (business hours)" */
    const char *under_minute;          /* "under 1 min left" */
    const char *under_minute_business; /* "under 1 min left (business hours)" */
    /* A target (garant_target_format_in, clock.h): %s is
    ** garant_duration_format's "3 h". */
    const char *target_business; /* "%s business" */
    const char *target_wall;     /* "%s 24/7" */
    const char *target_none;     /* "none" */
} garant_words;

/* Why tickets on these terms carry no guaranteed response time, for
** people: "products in stage 'beta' carry no guaranteed response time" or
** "plan 'basic' guarantees no response time for priority 1"; "" when they
** do carry one (or the terms are unknown). Returns buf. */
const char *garant_policy_no_guarantee_reason(char *buf, size_t cap, const garant_policy *pol,
                                              const garant_ticket_terms *terms);
/* The same in words (NULL: English). */
const char *garant_policy_no_guarantee_reason_in(char *buf, size_t cap, const garant_policy *pol,
                                                 const garant_ticket_terms *terms, const garant_words *words);

/* "basic, professional, advanced": the policy's names of one kind in
** order, ", "-separated, for messages that refuse a wrong one; cut with
** "..." to fit cap (at least 8). Returns buf. */
typedef enum garant_names_kind {
    GARANT_NAMES_PLANS,
    GARANT_NAMES_STAGES,
    GARANT_NAMES_CALENDARS
} garant_names_kind;
const char *garant_policy_names(char *buf, size_t cap, const garant_policy *pol, garant_names_kind kind);
/* The extra free-mail domains, lower-case, in the order added ("name.*"
** for wildcard entries). Borrowed; valid until garant_policy_free. */
size_t garant_policy_freemail_count(const garant_policy *pol);
const char *garant_policy_freemail_domain(const garant_policy *pol, size_t i);

#ifdef __cplusplus
}
#endif
#endif
