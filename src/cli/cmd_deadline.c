/*
** cmd_deadline.c - `garant deadline`: one deadline from options, or a
** stream of them with --batch (JSON Lines in, one JSON line out per line).
**
** Batch mode reads through a fixed buffer and never keeps more than one
** line, so a million-line input runs in constant memory; a line longer
** than MAX_LINE is answered with an error and skipped, not buffered.
*/
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch_scan.h"
#include "cli.h"

/* Longest accepted batch line; a submission is ~100 bytes. */
#define MAX_LINE (64 * 1024)
#define READ_CHUNK (1024 * 1024)

/* Strict decimal integer in [lo, hi]; returns 0 or -1. */
static int parse_int(int *out, const char *s, int lo, int hi)
{
    if (!s[0] || strlen(s) > 9) return -1;
    long v = 0;
    const char *p = s;
    if (*p == '-') p++;
    if (!*p) return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    if (s[0] == '-') v = -v;
    if (v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* The core's check, its message into err for a batch line. */
static int check_priority(const garant_policy *pol, long long p, char *err, size_t cap)
{
    if (garant_policy_check_priority(pol, p) == 0) return 0;
    snprintf(err, cap, "%s", garant_error_last());
    return -1;
}

static int print_explained(const garant_policy *pol, const garant_ticket_terms *terms, int64_t at, int64_t due)
{
    garant_target t;
    int rc = garant_policy_target(&t, pol, terms);
    if (rc) return cli_fail(rc);
    const garant_calendar *shown = t.cal ? t.cal : garant_policy_display_calendar(pol);
    const garant_tz *tz = garant_calendar_tz(shown);
    char buf[128], dur[64];
    printf("submitted:  %s\n", garant_format_local(buf, sizeof buf, tz, at));
    if (due == GARANT_NO_DUE) {
        char why[256];
        printf("target:     none: %s\n", garant_policy_no_guarantee_reason(why, sizeof why, pol, terms));
        return CLI_OK;
    }
    garant_duration_format(dur, sizeof dur, t.seconds);
    if (t.kind == GARANT_TARGET_WALL)
        printf("target:     %s around the clock (24/7)\n", dur);
    else
        printf("target:     %s of business time on calendar '%s' (%s)\n", dur, garant_calendar_name(t.cal),
               garant_tz_name(tz));
    printf("due:        %s\n", garant_format_local(buf, sizeof buf, tz, due));
    garant_explanation *ex;
    rc = garant_clock_explain(&ex, pol, terms, at, due);
    if (rc) return cli_fail(rc);
    printf("counted:    %s\n", garant_explanation_text(ex));
    garant_explanation_free(ex);
    return CLI_OK;
}

static int single(const garant_policy *pol, const cli_args *a)
{
    const char *plan = cli_get(a, "plan"), *at = cli_get(a, "at"), *prio = cli_get(a, "priority");
    if (!plan) return cli_usage_error("deadline: --plan is required (or --batch)");
    if (!at) return cli_usage_error("deadline: --at is required, e.g. --at 2026-11-27T15:30:00Z");
    garant_ticket_terms terms = {plan, 0, cli_get(a, "stage")};
    if (prio) {
        char err[128];
        int p;
        if (parse_int(&p, prio, -999999, 999999))
            return cli_usage_error("deadline: --priority '%s' is not a whole number", prio);
        if (check_priority(pol, p, err, sizeof err)) return cli_usage_error("deadline: %s", err);
        terms.priority = p;
    }
    int64_t t, due;
    int rc = garant_time_parse_rfc3339(&t, at, strlen(at));
    if (rc) return cli_fail(rc);
    rc = garant_clock_due(&due, pol, &terms, t);
    if (rc) return cli_fail(rc);
    char out[GARANT_RFC3339_UTC_LEN];
    puts(due == GARANT_NO_DUE ? "none" : garant_time_format_utc(out, due));
    if (cli_get(a, "explain")) return print_explained(pol, &terms, t, due);
    return CLI_OK;
}

/* ---- batch ---------------------------------------------------------- */

typedef struct reader {
    FILE *in;
    char *buf;
    size_t start, end;
    int eof;
} reader;

/* The next line (without the newline) into line and len. Returns 1 for a line,
** 2 for a line that was too long (skipped), 0 at the end. */
static int next_line(reader *r, const char **line, size_t *len)
{
    int skipping = 0;
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            *line = r->buf + r->start;
            *len = n;
            r->start += n + 1;
            if (skipping) return 2;
            return n > MAX_LINE ? 2 : 1;
        }
        if (r->eof) {
            if (r->start == r->end) return skipping ? 2 : 0;
            *line = r->buf + r->start;
            *len = r->end - r->start;
            r->start = r->end;
            return skipping || *len > MAX_LINE ? 2 : 1;
        }
        if (r->end - r->start > MAX_LINE) {
            /* Too long to be a submission: drop what we have and skip to its end. */
            skipping = 1;
            r->start = r->end = 0;
        } else if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        size_t got = fread(r->buf + r->end, 1, READ_CHUNK + MAX_LINE + 1 - r->end, r->in);
        r->end += got;
        if (got == 0) r->eof = 1;
    }
}

static void emit_error(FILE *out, json_t *id, unsigned long lineno, const char *msg)
{
    json_t *o = json_object();
    if (id) json_object_set(o, "id", id);
    char full[600];
    snprintf(full, sizeof full, "line %lu: %s", lineno, msg);
    json_object_set_new(o, "error", json_string(full));
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) {
        fputs(s, out);
        fputc('\n', out);
    } else {
        fputs("{\"error\":\"out of memory\"}\n", out);
    }
    free(s);
    json_decref(o);
}

/* Copy a name of at most cap-1 bytes without NULs; 0 on success. */
static int copy_name(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap || memchr(src, '\0', len)) return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

/* Compute and write the answer for recognized fields, or the error.
** Returns 0 if a deadline (or none) was written. */
static int answer_fields(FILE *out, const garant_policy *pol, const batch_fields *f, json_t *id,
                         unsigned long lineno)
{
    char err[512], plan[65], stage[65];
    if (!f->plan) {
        snprintf(err, sizeof err, "\"plan\" is required");
    } else if (!f->submitted_at) {
        snprintf(err, sizeof err, "\"submitted_at\" is required");
    } else if (copy_name(plan, sizeof plan, f->plan, f->plan_len)) {
        snprintf(err, sizeof err, "unknown plan '%.*s...'", 32, f->plan);
    } else if (f->stage && copy_name(stage, sizeof stage, f->stage, f->stage_len)) {
        snprintf(err, sizeof err, "unknown product stage '%.*s...'", 32, f->stage);
    } else if (f->has_priority && check_priority(pol, f->priority, err, sizeof err)) {
        /* err says why */
    } else {
        garant_ticket_terms terms = {plan, f->has_priority ? (int)f->priority : 0, f->stage ? stage : NULL};
        int64_t t, due;
        if (garant_time_parse_rfc3339(&t, f->submitted_at, f->submitted_at_len) ||
            garant_clock_due(&due, pol, &terms, t)) {
            snprintf(err, sizeof err, "%s", garant_error_last());
        } else {
            /* One write per line; the fields are fixed-format, no escaping needed. */
            static const char none[] = "\"due\":null}\n";
            char line[GARANT_RFC3339_UTC_LEN + 16];
            size_t n;
            if (due == GARANT_NO_DUE) {
                memcpy(line, none, sizeof none - 1);
                n = sizeof none - 1;
            } else {
                memcpy(line, "\"due\":\"", 7);
                garant_time_format_utc(line + 7, due);
                memcpy(line + 7 + GARANT_RFC3339_UTC_LEN - 1, "\"}\n", 3);
                n = 7 + GARANT_RFC3339_UTC_LEN - 1 + 3;
            }
            if (id) {
                char *ids = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
                fprintf(out, "{\"id\":%s,", ids ? ids : "null");
                free(ids);
            } else {
                fputc('{', out);
            }
            fwrite(line, 1, n, out);
            return 0;
        }
    }
    emit_error(out, id, lineno, err);
    return -1;
}

/* The general path: jansson parses the line in full. Returns 0 if a
** deadline (or none) was written. */
static int answer_json(FILE *out, const garant_policy *pol, const char *line, size_t len, unsigned long lineno)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    char err[512];
    batch_fields f;
    memset(&f, 0, sizeof f);
    json_t *id = NULL;
    if (!root) {
        snprintf(err, sizeof err, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        goto fail;
    }
    if (!json_is_object(root)) {
        snprintf(err, sizeof err, "expected a JSON object");
        goto fail;
    }
    id = json_object_get(root, "id");
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (!strcmp(key, "plan")) {
            if (!json_is_string(val)) { snprintf(err, sizeof err, "\"plan\" must be a string"); goto fail; }
            f.plan = json_string_value(val);
            f.plan_len = json_string_length(val);
        } else if (!strcmp(key, "priority")) {
            if (!json_is_integer(val)) { snprintf(err, sizeof err, "\"priority\" must be an integer"); goto fail; }
            f.priority = json_integer_value(val);
            f.has_priority = 1;
        } else if (!strcmp(key, "submitted_at")) {
            if (!json_is_string(val)) { snprintf(err, sizeof err, "\"submitted_at\" must be a string"); goto fail; }
            f.submitted_at = json_string_value(val);
            f.submitted_at_len = json_string_length(val);
        } else if (!strcmp(key, "product_stage")) {
            if (!json_is_string(val)) { snprintf(err, sizeof err, "\"product_stage\" must be a string"); goto fail; }
            f.stage = json_string_value(val);
            f.stage_len = json_string_length(val);
        } else if (strcmp(key, "id") != 0) {
            snprintf(err, sizeof err, "unknown key \"%.64s\" (expected plan, priority, submitted_at, product_stage, id)", key);
            goto fail;
        }
    }
    int rc = answer_fields(out, pol, &f, id, lineno);
    json_decref(root);
    return rc;
fail:
    emit_error(out, id, lineno, err);
    json_decref(root);
    return -1;
}

/* Answer one line: the fast path if the line has the common shape. */
static int answer(FILE *out, const garant_policy *pol, const char *line, size_t len, unsigned long lineno)
{
    batch_fields f;
    if (batch_scan(&f, line, len)) return answer_fields(out, pol, &f, NULL, lineno);
    return answer_json(out, pol, line, len, lineno);
}

static int batch(const garant_policy *pol)
{
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    reader r = {stdin, malloc(READ_CHUNK + MAX_LINE + 1), 0, 0, 0};
    if (!r.buf) {
        /* Ours, not the input's: exit 1 (cli.h). */
        fputs("garant: out of memory\n", stderr);
        return CLI_FAIL;
    }
    unsigned long lineno = 0, rejected = 0;
    const char *line;
    size_t len;
    int kind;
    while ((kind = next_line(&r, &line, &len)) != 0) {
        lineno++;
        if (kind == 2) {
            char msg[64];
            snprintf(msg, sizeof msg, "line longer than %d bytes", MAX_LINE);
            emit_error(stdout, NULL, lineno, msg);
            rejected++;
        } else if (answer(stdout, pol, line, len, lineno)) {
            rejected++;
        }
    }
    free(r.buf);
    int bad_read = ferror(stdin);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "garant: writing the results failed\n");
        return CLI_FAIL;
    }
    if (bad_read) {
        fprintf(stderr, "garant: reading stdin failed\n");
        return CLI_FAIL;
    }
    if (rejected) {
        fprintf(stderr, "garant: %lu of %lu lines rejected\n", rejected, lineno);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cmd_deadline(const cli_args *a)
{
    garant_policy *pol;
    int rc = cli_load_policy(&pol, a);
    if (rc) return rc;
    if (cli_get(a, "batch")) {
        if (cli_get(a, "plan") || cli_get(a, "at") || cli_get(a, "priority") || cli_get(a, "stage") ||
            cli_get(a, "explain")) {
            garant_policy_free(pol);
            return cli_usage_error("deadline: --batch reads everything from stdin; drop --plan/--at/--priority/--stage/--explain");
        }
        rc = batch(pol);
    } else {
        rc = single(pol, a);
    }
    garant_policy_free(pol);
    return rc;
}
