/*
** fuzz_batch_scan.c - differential fuzzing of the batch fast path against
** jansson: whenever batch_scan() accepts a line, jansson must parse it to an
** object with exactly the keys batch_scan saw, holding the same values.
** Any disagreement aborts, so the fast path can never answer a line
** differently from the general one.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../src/cli/batch_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_string(json_t *root, const char *key, const char *s, size_t n)
{
    json_t *v = json_object_get(root, key);
    if (!s) {
        if (v) abort();
        return;
    }
    if (!json_is_string(v) || json_string_length(v) != n || memcmp(json_string_value(v), s, n) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    batch_fields f;
    const char *line = (const char *)data;
    if (!batch_scan(&f, line, size)) return 0;
    json_error_t err;
    json_t *root = json_loadb(line, size, JSON_REJECT_DUPLICATES, &err);
    if (!root || !json_is_object(root)) abort();
    size_t keys = (f.plan != NULL) + (f.submitted_at != NULL) + (f.stage != NULL) + (f.has_priority != 0);
    if (json_object_size(root) != keys) abort();
    same_string(root, "plan", f.plan, f.plan_len);
    same_string(root, "submitted_at", f.submitted_at, f.submitted_at_len);
    same_string(root, "product_stage", f.stage, f.stage_len);
    json_t *p = json_object_get(root, "priority");
    if (f.has_priority) {
        if (!json_is_integer(p) || json_integer_value(p) != f.priority) abort();
    } else if (p) {
        abort();
    }
    json_decref(root);
    return 0;
}
