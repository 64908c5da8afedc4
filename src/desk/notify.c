/*
** notify.c - the mail producer: the mails that tickets and ticket events
** cause (issue 14; docs/mail.md "Ticket mails").
**
** To the requester: ticket received (event 0, the thread's root), every
** public reply by staff (full text), a priority change (old -> new, the
** reason, the new deadline) and solved. To the staff lists (--notify): a
** new P1 ticket, the SLA monitor's warning and breach. Internal notes are
** 'noted' events, which the store's walk never returns; an event caused
** by the requester (their own reply, reopening) mails no one.
**
** A round, in the mail sender's thread:
**   1. read the cursor (the last ticket and event whose mails are queued)
**      and, first, the newest ids: every row up to them is committed, so
**      the walks below see a fixed range however the writer goes on;
**   2. walk up to BATCH tickets and BATCH events past the cursor (events
**      of tickets past the tickets' walk wait for the next round, so a
**      ticket's acknowledgement is queued before its replies' mails);
**   3. render, compose and sign each mail, with no write held;
**   4. in one desk_write job: move the cursor (refused if it moved) and
**      queue every mail. A crash before the job re-reads the same rows and
**      builds the same mails, whose Message-IDs are functions of (ticket,
**      event): nothing lost, nothing queued twice. Filing does no extra
**      write: the producer reads what filing committed.
** A mail that cannot be built (a template refusing its values) is logged
** and skipped, so one bad row never stops every later mail; a store error
** ends the round with the cursor where it was.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "compose.h"
#include "desk.h"
#include "desk_tickets.h"
#include "desk_attachments.h"
#include "loader.h"
#include "log.h"
#include "notify.h"
#include "token.h"

/* Tickets and events walked per round (each may make a few mails). */
#define BATCH 64
/* Zones kept loaded; more distinct zones than this are loaded per mail. */
#define ZONE_CACHE 32
/* The zone "Central European Time" is written in (the brief's CET). */
#define CET_ZONE "Europe/Bratislava"
#define CET_POSIX "CET-1CEST,M3.5.0,M10.5.0/3"
/* Staff mails' Message-ID events: apart from the requester's (0 for the
** acknowledgement, the event's id for the others), so no two different
** messages share an id. */
#define STAFF_EVENT_BASE ((int64_t)1 << 40)

typedef struct zone_slot {
    char name[GARANT_MAX_ZONE + 1];
    garant_tz *tz;
} zone_slot;

struct desk_notify {
    garant_desk *d;
    desk_notify_list lists[DESK_NOTIFY_NEVENTS];
    garant_tz *cet;
    zone_slot zones[ZONE_CACHE];
    int nzones;
    char from_name[128], from_addr[256];
    char local[128], domain[128]; /* of the reply address and Message-IDs */
};

/* A mail built and waiting for the round's write job. */
typedef struct pending {
    char message_id[GARANT_MAIL_TOKEN_MAX];
    char recipient[256];
    char *raw; /* owned */
    size_t len;
    int64_t ticket_id;
} pending;

typedef struct round {
    desk_notify *n;
    garant_store_conn *c; /* a read connection */
    const desk_mail_files *files; /* the next mail's attachments, or NULL */
    int64_t now;
    int64_t from_t, from_e, to_t, to_e;
    pending *p;
    size_t np, cap;
} round;

/* Someone a mail goes to. Strings borrowed. */
typedef struct recipient {
    const char *email, *name, *language, *zone; /* zone "" = the policy's */
} recipient;

/* ---- setup ------------------------------------------------------------------ */

/* "Name <addr>" or "addr" into name and addr. */
static void split_from(char *name, size_t ncap, char *addr, size_t acap, const char *from)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        size_t n = (size_t)(lt - from);
        while (n && (from[n - 1] == ' ' || from[n - 1] == '"')) n--;
        const char *s = from;
        while (*s == '"' && n) s++, n--;
        snprintf(name, ncap, "%.*s", (int)n, s);
        snprintf(addr, acap, "%.*s", (int)(gt - lt - 1), lt + 1);
    } else {
        name[0] = '\0';
        snprintf(addr, acap, "%s", from);
    }
}

int desk_notify_new(desk_notify **out, garant_desk *d)
{
    *out = NULL;
    desk_notify *n = calloc(1, sizeof *n);
    if (!n) return garant__error(GARANT_ENOMEM, "out of memory");
    n->d = d;
    const desk_options *opt = desk_options_of(d);
    for (size_t i = 0; i < opt->nnotify; i++) {
        int rc = desk_notify_list_parse(n->lists, opt->notify[i]);
        if (rc) {
            rc = garant__error(rc, "--notify: %s", garant_error_last());
            free(n);
            return rc;
        }
    }
    if (garant_io_load_tz(&n->cet, CET_ZONE, NULL) && garant_tz_parse_posix(&n->cet, CET_ZONE, CET_POSIX)) {
        free(n);
        return garant__error(GARANT_ENOMEM, "mail: cannot load the zone %s", CET_ZONE);
    }
    split_from(n->from_name, sizeof n->from_name, n->from_addr, sizeof n->from_addr,
               opt->mail_from ? opt->mail_from : "garant <noreply@garant.invalid>");
    const char *support = desk_support_address(d);
    const char *at = support && support[0] ? strchr(support, '@') : NULL;
    if (at && at > support && at[1]) {
        snprintf(n->local, sizeof n->local, "%.*s", (int)(at - support), support);
        snprintf(n->domain, sizeof n->domain, "%s", at + 1);
    } else {
        const char *fa = strchr(n->from_addr, '@');
        snprintf(n->local, sizeof n->local, "support");
        snprintf(n->domain, sizeof n->domain, "%s", fa && fa[1] ? fa + 1 : "garant.invalid");
    }
    /* A plus-address needs a local part without one. */
    char *plus = strchr(n->local, '+');
    if (plus) *plus = '\0';
    *out = n;
    return 0;
}

void desk_notify_free(desk_notify *n)
{
    if (!n) return;
    for (int i = 0; i < n->nzones; i++) garant_tz_free(n->zones[i].tz);
    garant_tz_free(n->cet);
    free(n);
}

/* The zone named name, or the policy's display zone for "" or a name that
** no longer loads. Borrowed; valid until the round ends. */
static const garant_tz *zone_of(desk_notify *n, const char *name)
{
    if (name && name[0]) {
        for (int i = 0; i < n->nzones; i++)
            if (!strcmp(n->zones[i].name, name)) return n->zones[i].tz;
        garant_tz *tz;
        if (strlen(name) <= GARANT_MAX_ZONE && garant_io_load_tz(&tz, name, NULL) == 0) {
            if (n->nzones == ZONE_CACHE) { /* full: start over */
                for (int i = 0; i < n->nzones; i++) garant_tz_free(n->zones[i].tz);
                n->nzones = 0;
            }
            zone_slot *s = &n->zones[n->nzones++];
            snprintf(s->name, sizeof s->name, "%s", name);
            s->tz = tz;
            return tz;
        }
    }
    const garant_calendar *cal = garant_policy_display_calendar(desk_policy_current(n->d, NULL));
    const garant_tz *tz = cal ? garant_calendar_tz(cal) : NULL;
    return tz ? tz : n->cet;
}

/* ---- building one mail ------------------------------------------------------- */

static void pending_free(round *r)
{
    for (size_t i = 0; i < r->np; i++) free(r->p[i].raw);
    free(r->p);
    r->p = NULL;
    r->np = r->cap = 0;
}

/* Render template tpl for to, compose it and keep it for the write job.
** customer: the requester's thread (a reply address, In-Reply-To and
** References to the acknowledgement) rather than a staff notice. A mail
** that cannot be built is logged and skipped (0); only want of memory
** fails the round. */
static int add_mail(round *r, const char *tpl, const recipient *to, const garant_mail_value *v, size_t nv,
                    int64_t ticket, int64_t event_no, int customer, garant_mail_auto autos)
{
    desk_notify *n = r->n;
    const unsigned char *key = desk_mail_key(n->d);
    if (!to->email || !strchr(to->email, '@')) return 0;
    garant_mail_rendered m = {0};
    char mid[GARANT_MAIL_TOKEN_MAX], root[GARANT_MAIL_TOKEN_MAX], reply_to[GARANT_MAIL_TOKEN_MAX];
    char *raw = NULL;
    size_t len = 0;
    int rc = garant_mail_render(&m, desk_mail_templates(n->d), to->language, tpl, v, nv);
    if (rc) goto built;
    if ((rc = garant_mail_message_id(mid, sizeof mid, key, n->domain, ticket, event_no))) goto built;
    if (customer && (rc = garant_mail_message_id(root, sizeof root, key, n->domain, ticket, 0))) goto built;
    if (customer && (rc = garant_mail_reply_address(reply_to, sizeof reply_to, key, n->local, n->domain, ticket)))
        goto built;
    {
        garant_mail_message msg = {
            .from_name = n->from_name,
            .from_addr = n->from_addr,
            .to_name = to->name,
            .to_addr = to->email,
            .reply_to = customer ? reply_to : NULL,
            .subject = m.subject,
            .date_s = r->now,
            .message_id = mid,
            .thread_root = customer && event_no != 0 ? root : NULL,
            .auto_submitted = autos,
            .text = m.text,
            .html = m.html,
            .attachments = r->files ? r->files->items : NULL,
            .n_attachments = r->files ? r->files->n : 0,
        };
        rc = garant_mail_compose(&raw, &len, &msg);
    }
built:
    garant_mail_rendered_free(&m);
    if (rc == GARANT_ENOMEM) return rc;
    if (rc) {
        desk_log("mail: %s of ticket %lld to %s not built: %s", tpl, (long long)ticket, to->email,
                 garant_error_last());
        return 0;
    }
    if (r->np == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        pending *p = realloc(r->p, cap * sizeof *p);
        if (!p) {
            free(raw);
            return garant__error(GARANT_ENOMEM, "out of memory building mails");
        }
        r->p = p;
        r->cap = cap;
    }
    pending *p = &r->p[r->np++];
    snprintf(p->message_id, sizeof p->message_id, "%s", mid);
    snprintf(p->recipient, sizeof p->recipient, "%s", to->email);
    p->raw = raw;
    p->len = len;
    p->ticket_id = ticket;
    return 0;
}

/* The requester of a walked row (tickets() or requester()). Borrowed from row. */
static recipient requester_of(const garant_notify_ticket *row)
{
    recipient to = {row->email, row->name, row->language[0] ? row->language : "en", row->zone};
    return to;
}

/* The ticket's page, for people: BASE/tickets?id=N. */
static void ticket_link(char *out, size_t cap, desk_notify *n, int64_t id)
{
    snprintf(out, cap, "%s/tickets?id=%lld", desk_base_url(n->d), (long long)id);
}

/* The promise sentence for t at priority, with due. Caller owns *out. */
static int promise_of(char **out, round *r, const garant_ticket *t, int priority, int64_t due, const char *lang,
                      const char *zone)
{
    char reason[256] = "";
    if (due == GARANT_NO_DUE) {
        const garant_policy *pol = desk_ticket_policy(r->n->d, r->c, t->policy_version);
        garant_ticket_terms terms = desk_ticket_terms(t, priority);
        garant_policy_no_guarantee_reason(reason, sizeof reason, pol, &terms);
    }
    return desk_notify_promise(out, desk_mail_templates(r->n->d), lang, due, zone_of(r->n, zone), r->n->cet, reason);
}

/* A ticket's lateness for the staff's SLA mails: the one figure
** (desk_ticket_remaining), worded in each recipient's language. */
typedef struct late_figure {
    int64_t left_s; /* negative: late */
    int business;
} late_figure;

/* One staff notice: a value named "promise" is rendered in the
** recipient's language and zone, one named "lateness" from late (given
** values of both are ignored). */
static int staff_one(round *r, const char *tpl, const recipient *to, const garant_mail_value *v, size_t nv,
                     const garant_ticket *t, int64_t event_no, const late_figure *late)
{
    garant_mail_value own[16];
    if (nv > sizeof own / sizeof own[0]) return garant__error(GARANT_EINVAL, "mail: too many values");
    char *promise = NULL, *lateness = NULL;
    int rc = 0;
    for (size_t i = 0; i < nv; i++) {
        own[i] = v[i];
        if (!strcmp(v[i].name, "promise")) {
            rc = promise_of(&promise, r, t, t->priority, t->first_response_due, to->language, to->zone);
            own[i].value = promise;
        } else if (!strcmp(v[i].name, "lateness") && late) {
            rc = desk_notify_lateness(&lateness, desk_mail_templates(r->n->d), to->language, late->left_s,
                                      late->business);
            own[i].value = lateness;
        }
        if (rc) goto out;
    }
    rc = add_mail(r, tpl, to, own, nv, t->id, STAFF_EVENT_BASE + event_no, 0, GARANT_MAIL_AUTO_GENERATED);
out:
    free(promise);
    free(lateness);
    return rc;
}

/* Mail the staff list of event e: each role's active verified users and
** each address, once each. */
static int mail_staff(round *r, desk_notify_event e, const char *tpl, const garant_mail_value *v, size_t nv,
                      const garant_ticket *t, int64_t event_no, const late_figure *late)
{
    const desk_notify_list *l = &r->n->lists[e];
    /* The addresses mailed so far: a set, not API JSON. */
    json_t *seen = json_object();
    if (!seen) return garant__error(GARANT_ENOMEM, "out of memory");
    garant_notify_staff *staff = NULL;
    size_t nstaff = 0;
    int rc = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!desk_notify_item_is_role(l->items[i])) {
            if (json_object_get(seen, l->items[i])) continue;
            if (json_object_set_new(seen, l->items[i], json_true())) goto oom;
            recipient to = {l->items[i], NULL, "en", ""};
            if ((rc = staff_one(r, tpl, &to, v, nv, t, event_no, late))) goto out;
            continue;
        }
        if ((rc = GS(r->c)->notify->staff(r->c, l->items[i], &staff, &nstaff))) goto out;
        for (size_t k = 0; k < nstaff; k++) {
            recipient to = {staff[k].email, staff[k].name, staff[k].language, staff[k].zone};
            if (!to.email[0] || json_object_get(seen, to.email)) continue;
            if (json_object_set_new(seen, to.email, json_true())) goto oom;
            if ((rc = staff_one(r, tpl, &to, v, nv, t, event_no, late))) goto out;
        }
        free(staff);
        staff = NULL;
    }
    goto out;
oom:
    rc = garant__error(GARANT_ENOMEM, "out of memory");
out:
    free(staff);
    json_decref(seen);
    return rc;
}

/* ---- what each row causes ----------------------------------------------------- */

/* A new ticket: its acknowledgement, and the new-P1 list's notice. */
static int ticket_mails(round *r, const garant_notify_ticket *row)
{
    garant_ticket t;
    int rc = GS(r->c)->tickets->get(r->c, row->id, &t);
    if (rc == GARANT_ENOTFOUND) return 0;
    if (rc) return rc;
    char num[24], prio[16], link[600];
    snprintf(num, sizeof num, "%lld", (long long)t.id);
    snprintf(prio, sizeof prio, "P%d", t.priority);
    ticket_link(link, sizeof link, r->n, t.id);
    recipient to = requester_of(row);
    if (row->active) {
        /* A ticket opened by mail got the default priority: say so, and
        ** where to raise it. The acknowledgement then answers their mail
        ** (RFC 3834 auto-replied). */
        int mailed = row->filed_by_mail;
        /* 2: the sender was over its allowance of automatic answers
        ** (desk_autoreply_take, inbound.c): no acknowledgement. */
        if (mailed == 2) return 0;
        int by_mail = mailed != 0;
        char *promise = NULL, *note = NULL;
        garant_mail_value nv[] = {{"priority", prio}, {"link", link}};
        if ((rc = promise_of(&promise, r, &t, t.priority, t.first_response_due, to.language, to.zone))) goto ack_out;
        if (by_mail && (rc = garant_mail_render_phrase(&note, desk_mail_templates(r->n->d), to.language,
                                                       "filed_by_mail", nv, 2)))
            goto ack_out;
        garant_mail_value v[] = {{"ticket", num}, {"subject", t.subject}, {"name", to.name}, {"priority", prio},
                                 {"promise", promise}, {"mail_note", note ? note : ""}, {"link", link}};
        rc = add_mail(r, "ticket_received", &to, v, sizeof v / sizeof v[0], t.id, 0, 1,
                      by_mail ? GARANT_MAIL_AUTO_REPLIED : GARANT_MAIL_AUTO_GENERATED);
    ack_out:
        free(promise);
        free(note);
        if (rc) return rc;
    }
    if (t.initial_priority != 1 || r->n->lists[DESK_NOTIFY_NEW_P1].n == 0) return 0;
    char who[512];
    snprintf(who, sizeof who, "%s <%s>", to.name, to.email);
    garant_mail_value v[] = {{"ticket", num},   {"org", row->org_name}, {"subject", t.subject},
                             {"requester", who}, {"promise", ""},         {"link", link}};
    return mail_staff(r, DESK_NOTIFY_NEW_P1, "staff_new_p1", v, sizeof v / sizeof v[0], &t, 0, NULL);
}

/* An instant of an event's data ("2026-12-07T13:00:00Z"), or GARANT_NO_DUE
** for null or a text that does not parse. */
static int64_t data_instant(json_t *data, const char *key)
{
    const char *s = json_string_value(json_object_get(data, key));
    int64_t t;
    return s && garant_time_parse_rfc3339(&t, s, strlen(s)) == 0 ? t : GARANT_NO_DUE;
}

/* The mails of one event: to the requester for a public reply by staff, a
** priority change and solved (none for what the requester did), to the
** staff lists for a warning or a breach. */
static int event_mails(round *r, const garant_notify_event *row)
{
    int64_t id = row->id;
    int64_t at = row->at;
    int64_t actor = row->actor_id;
    const char *kind = row->kind;
    const char *actor_role = row->actor_role;
    const char *actor_name = row->actor_name;
    if (!kind[0]) return 0;
    /* The event's own data, stored as JSON text; read, never served. */
    json_t *data = row->data ? json_loads(row->data, 0, NULL) : NULL;
    garant_notify_ticket req;
    garant_ticket t;
    int rc = 0;
    if (!data) goto done;
    if ((rc = GS(r->c)->tickets->get(r->c, row->ticket_id, &t))) goto gone;
    if ((rc = GS(r->c)->notify->requester(r->c, row->ticket_id, &req))) goto gone;
    char num[24], link[600];
    snprintf(num, sizeof num, "%lld", (long long)t.id);
    ticket_link(link, sizeof link, r->n, t.id);
    recipient to = requester_of(&req);
    int by_requester = actor && actor == t.requester_id;
    int to_requester = req.active && !by_requester;
    if (!strcmp(kind, "replied")) {
        const char *body = row->body;
        /* Staff only: a customer's message is never mailed back to them. */
        if (!to_requester || !row->public_ || !body || !actor_role[0] || !strcmp(actor_role, "customer")) goto done;
        garant_mail_value v[] = {{"ticket", num},
                                 {"subject", t.subject},
                                 {"name", to.name},
                                 {"agent", actor_name[0] ? actor_name : "garant"},
                                 {"body", body},
                                 {"link", link}};
        /* The reply's public files ride along (never an internal note's). */
        desk_mail_files files;
        memset(&files, 0, sizeof files);
        json_int_t reply_id = json_integer_value(json_object_get(data, "reply_id"));
        if (reply_id > 0 && (rc = desk_attachments_for_mail(&files, r->c, t.id, reply_id))) {
            desk_mail_files_free(&files);
            goto done;
        }
        r->files = &files;
        rc = add_mail(r, "agent_reply", &to, v, sizeof v / sizeof v[0], t.id, id, 1, GARANT_MAIL_AUTO_NO);
        r->files = NULL;
        desk_mail_files_free(&files);
    } else if (!strcmp(kind, "priority_changed")) {
        if (!to_requester) goto done;
        char from[16], into[16];
        snprintf(from, sizeof from, "P%lld", (long long)json_integer_value(json_object_get(data, "from")));
        int to_prio = (int)json_integer_value(json_object_get(data, "to"));
        snprintf(into, sizeof into, "P%d", to_prio);
        const char *reason = json_string_value(json_object_get(data, "reason"));
        char *promise = NULL;
        if ((rc = promise_of(&promise, r, &t, to_prio, data_instant(data, "new_due"), to.language, to.zone)))
            goto done;
        garant_mail_value v[] = {{"ticket", num},         {"subject", t.subject},   {"name", to.name},
                                 {"old_priority", from},  {"new_priority", into},   {"reason", reason ? reason : "-"},
                                 {"promise", promise},    {"link", link}};
        rc = add_mail(r, "priority_changed", &to, v, sizeof v / sizeof v[0], t.id, id, 1, GARANT_MAIL_AUTO_GENERATED);
        free(promise);
    } else if (!strcmp(kind, "status_changed")) {
        const char *into = json_string_value(json_object_get(data, "to"));
        if (!to_requester || !into || strcmp(into, "solved") != 0) goto done;
        garant_mail_value v[] = {{"ticket", num}, {"subject", t.subject}, {"name", to.name}, {"link", link}};
        rc = add_mail(r, "solved", &to, v, sizeof v / sizeof v[0], t.id, id, 1, GARANT_MAIL_AUTO_GENERATED);
    } else if (!strcmp(kind, "sla_warning") || !strcmp(kind, "sla_breach")) {
        int breach = kind[4] == 'b';
        desk_notify_event e = breach ? DESK_NOTIFY_BREACH : DESK_NOTIFY_WARNING;
        if (r->n->lists[e].n == 0) goto done;
        int64_t due = data_instant(data, "due");
        if (due == GARANT_NO_DUE) goto done;
        char prio[16], cet[GARANT_TZ_LOCAL_LEN];
        snprintf(prio, sizeof prio, "P%d", t.priority);
        garant_tz_format_local(cet, sizeof cet, r->n->cet, due);
        /* The one lateness figure: what was left at the warning, how late
        ** the ticket is when the breach mail is written. */
        late_figure late;
        const garant_policy *pol = desk_ticket_policy(r->n->d, r->c, t.policy_version);
        desk_ticket_remaining(&late.left_s, &late.business, pol, &t, due, breach ? (r->now > at ? r->now : at) : at);
        garant_mail_value v[] = {{"ticket", num},       {"priority", prio},
                                 {"org", req.org_name}, {"subject", t.subject},
                                 {"deadline_cet", cet}, {"lateness", ""},
                                 {"link", link}};
        rc = mail_staff(r, e, breach ? "staff_breach" : "staff_warning", v, sizeof v / sizeof v[0], &t, id, &late);
    }
    goto done;
gone: /* a ticket (or requester) that is no longer there mails no one */
    if (rc == GARANT_ENOTFOUND) rc = 0;
done:
    json_decref(data);
    return rc;
}

/* ---- the round ------------------------------------------------------------------ */

/* The round's write: the cursor's move and every mail, together. */
static int queue_job(garant_store_conn *w, void *arg)
{
    round *r = arg;
    int rc = GS(w)->notify->advance(w, r->from_t, r->from_e, r->to_t, r->to_e);
    for (size_t i = 0; i < r->np && !rc; i++) {
        garant_mail_new m = {.message_id = r->p[i].message_id,
                             .recipient = r->p[i].recipient,
                             .raw = r->p[i].raw,
                             .raw_len = r->p[i].len,
                             .ticket_id = r->p[i].ticket_id,
                             .now = r->now};
        rc = GS(w)->mail->enqueue(w, &m, NULL);
    }
    return rc;
}

/* Walk and build (steps 1-3). */
static int build(round *r, int *more)
{
    const garant_store_notify_ops *nt = GS(r->c)->notify;
    int64_t last_t, last_e;
    garant_notify_ticket *tickets = NULL;
    garant_notify_event *events = NULL;
    size_t nt_rows = 0, ne = 0;
    int rc = nt->last_ids(r->c, &last_t, &last_e);
    if (rc) return rc;
    if ((rc = nt->cursor(r->c, &r->from_t, &r->from_e))) return rc;
    r->to_t = r->from_t;
    r->to_e = r->from_e;
    if (last_t <= r->from_t && last_e <= r->from_e) return 0;
    if (last_t > r->from_t && (rc = nt->tickets(r->c, r->from_t, last_t, BATCH, &tickets, &nt_rows))) goto out;
    r->to_t = nt_rows == BATCH ? tickets[nt_rows - 1].id : last_t;
    *more = nt_rows == BATCH;
    for (size_t i = 0; i < nt_rows; i++)
        if ((rc = ticket_mails(r, &tickets[i]))) goto out;
    if (last_e > r->from_e && (rc = nt->events(r->c, r->from_e, last_e, BATCH, &events, &ne))) goto out;
    r->to_e = ne == BATCH ? events[ne - 1].id : last_e;
    *more = *more || ne == BATCH;
    int64_t prev = r->from_e;
    for (size_t i = 0; i < ne; i++) {
        /* A ticket past the tickets' walk: its acknowledgement first. */
        if (events[i].ticket_id > r->to_t) {
            r->to_e = prev;
            *more = 1;
            break;
        }
        if ((rc = event_mails(r, &events[i]))) goto out;
        prev = events[i].id;
    }
out:
    free(tickets);
    garant_notify_events_free(events, ne);
    return rc;
}

int desk_notify_round(desk_notify *n, int *out_more)
{
    *out_more = 0;
    garant_desk *d = n->d;
    const garant_store_ops *ops = garant_store_ops_of(desk_store(d));
    round r = {.n = n, .now = desk_now(d)};
    int rc = ops->acquire(&r.c, desk_store(d));
    if (rc) return rc;
    rc = build(&r, out_more);
    ops->release(r.c);
    r.c = NULL;
    if (!rc && (r.to_t != r.from_t || r.to_e != r.from_e)) {
        rc = desk_write(d, queue_job, &r, DESK_WRITE_SAVEPOINT);
        if (rc == GARANT_ECONFLICT) *out_more = 1; /* read again */
    }
    int queued = (int)r.np;
    pending_free(&r);
    if (rc) {
        *out_more = 0;
        return rc;
    }
    return queued;
}
