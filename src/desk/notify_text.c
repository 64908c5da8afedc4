/*
** notify_text.c - the pure parts of the mail producer (notify.h): staff
** notification lists from the command line, the promise sentence with a
** deadline in two zones, durations. No I/O, no clock.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "notify.h"

static const char *const event_names[DESK_NOTIFY_NEVENTS] = {"new-p1", "warning", "breach"};
static const char *const roles[] = {"agent", "admin"};

const char *desk_notify_event_name(desk_notify_event e)
{
    return e < DESK_NOTIFY_NEVENTS ? event_names[e] : "?";
}

int desk_notify_item_is_role(const char *item)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(item, roles[i])) return 1;
    return 0;
}

/* An address as a list may name it: local@domain, printable ASCII without
** spaces, angle brackets, quotes, commas or line breaks (it becomes a To
** header and an SMTP recipient). */
static int address_ok(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);
    if (!at || at == a || at == a + n - 1 || n > 254) return 0;
    if (memchr(at + 1, '@', (size_t)(a + n - at - 1))) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c <= ' ' || c >= 0x7f || strchr("<>\"(),;:\\[]", c)) return 0;
    }
    return 1;
}

int desk_notify_list_parse(desk_notify_list lists[DESK_NOTIFY_NEVENTS], const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq) return garant__error(GARANT_EINVAL, "'%.80s': expected EVENT=ITEM,... (events: new-p1, warning, breach)", spec);
    int ev = -1;
    for (int i = 0; i < DESK_NOTIFY_NEVENTS; i++)
        if (strlen(event_names[i]) == (size_t)(eq - spec) && !strncmp(spec, event_names[i], (size_t)(eq - spec)))
            ev = i;
    if (ev < 0)
        return garant__error(GARANT_EINVAL, "'%.*s' is no event (events: new-p1, warning, breach)",
                             (int)(eq - spec < 40 ? eq - spec : 40), spec);
    desk_notify_list *l = &lists[ev];
    const char *p = eq + 1;
    if (!*p) return garant__error(GARANT_EINVAL, "%s: the list is empty", event_names[ev]);
    while (*p) {
        size_t n = strcspn(p, ",");
        while (n && p[0] == ' ') p++, n--;
        while (n && p[n - 1] == ' ') n--;
        char item[DESK_NOTIFY_ITEM_MAX];
        if (n == 0 || n >= sizeof item)
            return garant__error(GARANT_EINVAL, "%s: an empty or over-long item", event_names[ev]);
        memcpy(item, p, n);
        item[n] = '\0';
        if (!desk_notify_item_is_role(item) && !address_ok(item, n))
            return garant__error(GARANT_EINVAL, "%s: '%.80s' is neither a role (agent, admin) nor an e-mail address",
                                 event_names[ev], item);
        int seen = 0;
        for (size_t i = 0; i < l->n; i++) seen |= !strcmp(l->items[i], item);
        if (!seen) {
            if (l->n == DESK_NOTIFY_MAX_ITEMS)
                return garant__error(GARANT_ELIMIT, "%s: more than %d items", event_names[ev], DESK_NOTIFY_MAX_ITEMS);
            memcpy(l->items[l->n++], item, n + 1);
        }
        p += strcspn(p, ",");
        if (*p == ',') {
            p++;
            if (!*p) return garant__error(GARANT_EINVAL, "%s: the list ends with a comma", event_names[ev]);
        }
    }
    return 0;
}

int desk_notify_promise(char **out, const garant_mail_templates *t, const char *lang, int64_t due,
                        const garant_tz *zone, const garant_tz *cet, const char *reason)
{
    *out = NULL;
    if (due == GARANT_NO_DUE) {
        garant_mail_value v[] = {{"reason", reason && reason[0] ? reason : "-"}};
        return garant_mail_render_phrase(out, t, lang, "no_deadline", v, 1);
    }
    char local[GARANT_TZ_LOCAL_LEN], central[GARANT_TZ_LOCAL_LEN];
    garant_tz_format_local(local, sizeof local, zone, due);
    garant_tz_format_local(central, sizeof central, cet, due);
    garant_mail_value v[] = {{"deadline_local", local}, {"zone", garant_tz_name(zone)}, {"deadline_cet", central}};
    return garant_mail_render_phrase(out, t, lang, "deadline", v, 3);
}

int desk_notify_lateness(char **out, const garant_mail_templates *t, const char *lang, int64_t left_s, int business)
{
    static const char *const phrase[2][2] = {{"left", "left_business"}, {"late", "late_business"}};
    char span[48];
    garant_lateness_span(span, sizeof span, left_s);
    garant_mail_value v[] = {{"span", span}};
    return garant_mail_render_phrase(out, t, lang, phrase[left_s < 0][business != 0], v, 1);
}
