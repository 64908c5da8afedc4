/*
** batch_scan.h - the fast path for `deadline --batch` lines.
**
** Nearly every batch line has one shape: a flat JSON object with plain
** ASCII strings and a small integer. batch_scan recognizes exactly that
** shape in one pass without allocating; any other line, valid or not, is
** left to jansson, which parses it in full and words the errors. The scan
** never rejects a line, it only declines, so correctness rests on one
** property, checked by fuzz/fuzz_batch_scan.c against jansson itself:
** whenever batch_scan accepts a line, jansson parses it to an object with
** the same keys and the same values. Profiling showed jansson's allocations
** and hashing at ~60% of batch time; this keeps batch mode above a million
** lines a second.
*/
#ifndef GARANT_CLI_BATCH_SCAN_H
#define GARANT_CLI_BATCH_SCAN_H

#include <stddef.h>

/* The recognized fields of a line. Strings point into the line (not
** NUL-terminated); a NULL pointer means the key was absent. */
typedef struct batch_fields {
    const char *plan;
    size_t plan_len;
    const char *submitted_at;
    size_t submitted_at_len;
    const char *stage;
    size_t stage_len;
    long long priority;
    int has_priority;
} batch_fields;

/* 1 if line[0..len) is a flat object whose keys are among plan, priority,
** submitted_at, product_stage (each at most once), with printable-ASCII
** strings without escapes and a priority written as a JSON integer of at
** most 9 digits; *out is then filled. 0 otherwise (the caller falls back to
** a full JSON parser). Borrowed: *out points into line. */
int batch_scan(batch_fields *out, const char *line, size_t len);

#endif
