/*
** fuzz_config.c - libFuzzer target for the policy reader (config.c) and the
** iCalendar import (ics.c).
**
** The input is read twice: as a YAML config by garant_config_load, and as
** an iCalendar feed by garant_ics_add_holidays. The resource callback works
** without any files: zone "Fuzz/Plus_One" is a tiny TZif built below (UTC+1,
** no transitions), "UTC" is built into the reader, every other zone is
** unknown; file "sk.ics" is a small feed, every other file is missing.
** Besides memory errors, the contract is checked and a breach aborts: a
** policy comes with no findings and answers every plan x priority; a
** failure comes with no policy and at least one finding, each with a
** message.
**
** Seed it with config/garant.yaml and tests/core/data/holidays-sk.ics
** copied to a scratch folder.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "garant/garant.h"
#include "garant/service_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A TZif version 2 file: no transitions, one type (+01, UTC+3600 s), the
** same again in the 64-bit block, and the POSIX footer "<+01>-1". */
static const uint8_t tzif_plus_one[] = {
    /* v1 header: magic, version, 15 reserved, then the six counts */
    'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, /* isutcnt */ 0, 0, 0, 0, /* isstdcnt */
    0, 0, 0, 0, /* leapcnt */ 0, 0, 0, 0, /* timecnt */
    0, 0, 0, 1, /* typecnt */ 0, 0, 0, 4, /* charcnt */
    0, 0, 0x0e, 0x10, 0, 0, /* ttinfo: utoff 3600, isdst 0, desigidx 0 */
    '+', '0', '1', 0,
    /* v2 header and data, identical with no transitions */
    'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 1, 0, 0, 0, 4,
    0, 0, 0x0e, 0x10, 0, 0,
    '+', '0', '1', 0,
    '\n', '<', '+', '0', '1', '>', '-', '1', '\n',
};

static const char small_feed[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//garant//fuzz//EN\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:New Year\r\nDTSTART;VALUE=DATE:20000101\r\n"
    "RRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:Inventory\r\nDTSTART;VALUE=DATE:20260615\r\n"
    "DTEND;VALUE=DATE:20260617\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static int serve(uint8_t **out, size_t *out_len, const void *bytes, size_t len)
{
    *out = malloc(len);
    if (!*out) return GARANT_ENOMEM;
    memcpy(*out, bytes, len);
    *out_len = len;
    return 0;
}

static int resource(void *ctx, garant_resource_kind kind, const char *name,
                    uint8_t **out_data, size_t *out_len)
{
    (void)ctx;
    if (kind == GARANT_RESOURCE_ZONE && strcmp(name, "Fuzz/Plus_One") == 0)
        return serve(out_data, out_len, tzif_plus_one, sizeof tzif_plus_one);
    if (kind == GARANT_RESOURCE_FILE && strcmp(name, "sk.ics") == 0)
        return serve(out_data, out_len, small_feed, sizeof small_feed - 1);
    return kind == GARANT_RESOURCE_ZONE ? GARANT_ENOTFOUND : GARANT_EIO;
}

static void check_policy(const garant_policy *pol)
{
    for (size_t i = 0; i < garant_policy_plan_count(pol); i++) {
        for (size_t j = 0; j < garant_policy_priority_count(pol); j++) {
            garant_ticket_terms terms = {garant_policy_plan_name(pol, i),
                                         garant_policy_priority_level(pol, j), NULL};
            garant_target t;
            if (garant_policy_target(&t, pol, &terms) != 0) abort();
            if (t.kind == GARANT_TARGET_BUSINESS &&
                (!t.cal || garant_calendar_open_total(t.cal) <= 0 || t.seconds <= 0))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    garant_policy *pol = NULL;
    garant_diags *diags = NULL;
    int rc = garant_config_load(&pol, &diags, (const char *)data, size, resource, NULL);
    size_t n = garant_diags_count(diags);
    if (rc == 0) {
        if (!pol || n != 0) abort();
        check_policy(pol);
    } else {
        if (pol) abort();
        if (rc == GARANT_ECONFIG && n == 0) abort();
        for (size_t i = 0; i < n; i++) {
            const garant_diag *d = garant_diags_get(diags, i);
            if (!d || !d->message || !d->message[0] || d->line < 0 || d->column < 0) abort();
        }
    }
    garant_diags_free(diags);
    garant_policy_free(pol);

    garant_calendar_spec *spec;
    if (garant_calspec_new(&spec, "fuzz") != 0) return 0;
    size_t added = 0;
    rc = garant_ics_add_holidays(&added, spec, (const char *)data, size);
    if (rc == 0 && added != garant_calspec_holiday_count(spec)) abort();
    if (rc != 0 && garant_calspec_holiday_count(spec) != 0 && rc != GARANT_ENOMEM) abort();
    if (rc == 0 && added > 0 && garant_calspec_add_hours(spec, 1, 9 * 60, 17 * 60) == 0) {
        garant_calendar *cal;
        if (garant_calendar_compile(&cal, spec, 2025, 2027) == 0) garant_calendar_free(cal);
    }
    garant_calspec_free(spec);
    return 0;
}
