/*
** config_diags.c - the findings of a config: the list handed to callers
** (garant_diags, garant/config.h) and the reader's way to add to it, at a
** node or at a line and column. Past MAX_DIAGS findings are only counted.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <yaml.h>

#include "config_reader.h"
#include "garant/config.h"
#include "internal.h"

/* ---- diagnostics -------------------------------------------------------- */

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
int garant_config__diags_push(garant_diags *d, int line, int column, const char *msg)
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
    return garant_config__diags_push(d, line, column, msg);
}

int garant_config__diag_cmp(const void *a, const void *b)
{
    const diag_item *x = a, *y = b;
    if (x->d.line != y->d.line) return x->d.line < y->d.line ? -1 : 1;
    if (x->d.column != y->d.column) return x->d.column < y->d.column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void garant_config__diag_line(cfg *c, int line, int column, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, garant__tr(fmt), ap);
    va_end(ap);
    if (diags_add(c->diags, line, column, msg)) c->oom = 1;
}

/* Record a finding at node n (its first character). */
void garant_config__diag(cfg *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, garant__tr(fmt), ap);
    va_end(ap);
    int line = n ? (int)n->start_mark.line + 1 : 0;
    int column = n ? (int)n->start_mark.column + 1 : 0;
    if (diags_add(c->diags, line, column, msg)) c->oom = 1;
}

