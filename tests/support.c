/*
** support.c - helpers shared by the test programs (see support.h).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"
#include "loader.h"

int64_t t_at(const char *s)
{
    int64_t t;
    int rc = garant_time_parse_rfc3339(&t, s, strlen(s));
    if (rc) {
        fprintf(stderr, "bad test timestamp '%s': %s\n", s, garant_error_last());
        abort();
    }
    return t;
}

const char *t_fmt(int64_t utc_s)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ & 7];
    if (utc_s == GARANT_NO_DUE) { snprintf(b, 32, "none"); return b; }
    return garant_time_format_utc(b, utc_s);
}

garant_tz *t_zone(const char *name)
{
    garant_tz *tz;
    if (garant_io_load_tz(&tz, name, NULL)) {
        fprintf(stderr, "zone %s: %s\n", name, garant_error_last());
        abort();
    }
    return tz;
}

static int skipped; /* tests skipped with t_skip */

void t_skip(const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *no_skip = getenv("GARANT_NO_SKIP");
    if (no_skip && strcmp(no_skip, "1") == 0) fail_msg("would skip (GARANT_NO_SKIP=1): %s", why);
    fprintf(stderr, "SKIPPED: %s\n", why);
    skipped++;
    skip();
}

int t_exit_status(int failed)
{
    if (failed) return 1;
    return skipped ? 77 : 0;
}

const char *t_source_dir(void)
{
    const char *d = getenv("GARANT_SOURCE_DIR");
    return d && d[0] ? d : ".";
}

garant_policy *t_default_policy(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config/garant.yaml", t_source_dir());
    garant_policy *pol;
    garant_diags *diags;
    int rc = garant_io_load_policy(&pol, &diags, path);
    if (rc) {
        fprintf(stderr, "default policy: %s\n", garant_error_last());
        for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
            const garant_diag *d = garant_diags_get(diags, i);
            fprintf(stderr, "  %d:%d: %s\n", d->line, d->column, d->message);
        }
        abort();
    }
    garant_diags_free(diags);
    return pol;
}

/* ---- a store for the storage contract suites ------------------------------ */
