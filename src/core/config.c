/*
** config.c - reads the YAML policy configuration (config/garant.yaml is the
** documented example, docs/config.md the reference) into a validated policy.
** This file is the entry point, the pre-scan and the top-level walk; the
** sections are read by config_calendars.c and config_plans.c with the node
** helpers of config_nodes.c and the findings of config_diags.c, all
** sharing config_reader.h.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_reader.h"
#include "garant/config.h"
#include "garant/time.h"
#include "internal.h"

static const char *const top_keys[] = {
    "version", "calendars", "plans", "priorities", "default_priority",
    "stages", "targets", "warning_at", "display_calendar", "signup", NULL
};

static void read_root(cfg *c, const yaml_node_t *root)
{
    if (!root || is_null(root)) {
        garant_config__diag_line(c, 1, 1, "the configuration is empty");
        return;
    }
    if (!garant_config__want_map(c, root, "the top level")) return;
    const yaml_node_t *keys[K_TOP_COUNT];
    garant_config__fields(c, root, "the top level", top_keys, c->top, keys);
    static const int required[] = {K_VERSION, K_PLANS, K_PRIORITIES, K_DEFAULT_PRIORITY,
                                   K_TARGETS};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!c->top[required[i]])
            garant_config__diag(c, root, "missing key '%s' at the top level",
                                top_keys[required[i]]);
    if (c->top[K_VERSION]) garant_config__read_version(c, c->top[K_VERSION]);
    if (c->top[K_CALENDARS] && !c->oom) garant_config__read_calendars(c, c->top[K_CALENDARS]);
    if (c->top[K_PLANS] && !c->oom) garant_config__read_plans(c, c->top[K_PLANS]);
    if (c->top[K_PRIORITIES] && !c->oom) garant_config__read_priorities(c, c->top[K_PRIORITIES]);
    if (c->top[K_DEFAULT_PRIORITY] && !c->oom)
        garant_config__read_default_priority(c, c->top[K_DEFAULT_PRIORITY]);
    if (!c->oom) garant_config__read_stages(c, c->top[K_STAGES]);
    if (c->top[K_TARGETS] && !c->oom) garant_config__read_targets(c, c->top[K_TARGETS]);
    if (c->top[K_WARNING_AT] && !c->oom) garant_config__read_warning(c, c->top[K_WARNING_AT]);
    if (c->top[K_DISPLAY_CALENDAR] && !c->oom)
        garant_config__read_display(c, c->top[K_DISPLAY_CALENDAR]);
    if (c->top[K_SIGNUP] && !c->oom) garant_config__read_signup(c, c->top[K_SIGNUP]);
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
        garant_config__diag_line(c, line, column, "YAML syntax error: %s %s (line %d)",
                  p->problem ? p->problem : "", p->context, (int)p->context_mark.line + 1);
    else
        garant_config__diag_line(c, line, column, "YAML syntax error: %s",
                                 p->problem ? p->problem : "unknown");
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
            garant_config__diag_line(c, line, column,
                      "a config holds one YAML document; a second one starts here");
            result = 0;
            break;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT) {
            if (++nodes > MAX_NODES) {
                garant_config__diag_line(c, line, column, "more than %d YAML nodes", MAX_NODES);
                result = 0;
                break;
            }
        }
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > MAX_DEPTH) {
                garant_config__diag_line(
                    c, line, column, "lists and mappings nested deeper than %d levels", MAX_DEPTH);
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
        garant_config__diag_line(c, 1, 1, "the configuration is empty");
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
    if (total == 1)
        return garant__error(code, "config: 1 problem; line %d, column %d: %s", first->line, first->column,
                             first->message);
    return garant__error(code, "config: %zu problems; line %d, column %d: %s", total, first->line, first->column,
                         first->message);
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
        garant_config__diag_line(c, 0, 0, "the configuration is larger than %u bytes",
                                 MAX_TEXT_BYTES);
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
        else if (vr) garant_config__diag_line(c, 0, 0, "%s", garant_error_last());
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
    qsort(d->items, d->n, sizeof *d->items, garant_config__diag_cmp);
    if (d->dropped) {
        char more[80];
        snprintf(more, sizeof more, "... and %zu more problems not listed", d->dropped);
        if (garant_config__diags_push(d, 0, 0, more)) {
            garant_diags_free(d);
            return garant__error(GARANT_ENOMEM, "config: out of memory");
        }
    }
    rc = summarize(d, rc ? rc : GARANT_ECONFIG);
    if (out_diags) *out_diags = d;
    else garant_diags_free(d);
    return rc;
}
