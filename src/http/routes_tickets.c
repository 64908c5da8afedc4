/*
** routes_tickets.c - tickets and their clock: filing, reading,
** reclassifying, replying, and the table of every ticket route (the lists'
** handlers are routes_ticket_lists.c's, the previews'
** routes_ticket_previews.c's).
**
** Who sees what: customers file tickets and see and answer their own
** organization's tickets only, or only those they requested where the
** organization's visibility is "own" (desk_ticket_scope, the one rule;
** its managers see all); a ticket outside answers 404 exactly like a
** ticket that does not exist. Agents and admins see every
** ticket, reclassify, change the status, write internal notes, and own
** the queue. Internal notes and their history events never reach a
** customer.
**
** Assignment (desk_groups.h) is the desk's business: a customer sees no
** assignee, no group and no 'assigned' event, and the 'created' event of
** a ticket an agent filed for her says only that it was filed on her
** behalf ("on_behalf": true), not by whom. The filters assignee= and
** group= are for staff (403 for a customer).
**
** Every write reads the ticket again on the write connection and computes
** with the policy in force at that moment (a policy change swaps it inside
** the writer, see routes_policy.c), so a deadline is never computed from a
** stale ticket or a retired policy. The history is append-only: no route
** edits or deletes an event, and the store's triggers refuse it anyway.
**
** Environment: a ticket filed without one is for "production", the case
** the form's default shows; P1 and P2 (in general: priorities whose
** `environments` exclude the ticket's) are refused for staging and
** development with the priority's definition as the reason. An agent's
** reclassification is not bound by that rule: agents judge the impact.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "garant/error_wrap.h"
#include "desk_groups.h"
#include "text.h"
#include "tickets.h"
#include "desk_attachments.h"
#include "routes_ticket_lists.h"
#include "routes_ticket_previews.h"

#define MAX_REASON 1000
#define MAX_IMPACT 200
/* ---- small checks ---------------------------------------------------- */

/* A text field from outside: at least one non-blank character, and no
** control characters except, where multiline, tab, CR and LF. */
static int check_text(const char *field, const json_t *v, int multiline)
{
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = json_string_length(v);
    int blank = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch < 0x20 || ch == 0x7f) {
            if (!(multiline && (ch == '\t' || ch == '\n' || ch == '\r')))
                return garant__error(GARANT_EINVAL, "'%s' contains a control character (byte %zu)", field, i);
        }
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') blank = 0;
    }
    if (blank) return garant__error(GARANT_EINVAL, "'%s' must not be empty", field);
    return 0;
}

static int is_staff(const http_req *r) { return r->user.role != GARANT_ROLE_CUSTOMER; }

/* A customer's quota of kind for herself and for her organization (desk.h,
** issue 13): 0, or 429 with Retry-After. Staff have none: they answer. */
static int customer_quota(http_req *r, limit_kind user_kind, limit_kind org_kind)
{
    int wait = 0, rc = desk_quota(r->desk, user_kind, r->user.id, r->now, &wait);
    if (!rc && org_kind != LIMIT_KINDS) rc = desk_quota(r->desk, org_kind, r->user.org_id, r->now, &wait);
    if (rc) r->retry_after_s = wait;
    return rc;
}

/* What a customer does not see of a ticket object: its assignment, and
** its last update (an internal note or a reassignment moves it). */
static void strip_staff_only(json_t *o)
{
    static const char *const keys[] = {"assignee_id", "assignee_name", "group_id", "group_name", "updated_at"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) json_object_del(o, keys[i]);
}

/* A ticket the caller may see, read through c (desk_ticket_visible). */
static int visible_ticket(http_req *r, garant_store_conn *c, int64_t id, garant_ticket *t)
{
    desk_actor who = {&r->user, r->now};
    return desk_ticket_visible(t, c, &who, id);
}

/* Answer with one ticket, read afresh (after a write). */
static int reply_ticket(http_req *r, int status, int64_t id, json_t *extra)
{
    garant_ticket t;
    json_t *o = NULL;
    int rc = GS(r->db)->tickets->get(r->db, id, &t);
    if (!rc) rc = http_ticket_json(&o, r->db, http_ticket_policy(r->srv, r->db, t.policy_version), &t, r->now);
    if (!rc && extra && json_object_update(o, extra) != 0) rc = garant__error(GARANT_ENOMEM, "out of memory");
    json_decref(extra);
    if (rc) {
        json_decref(o);
        return rc;
    }
    if (!is_staff(r)) strip_staff_only(o);
    return http_reply(r, status, o);
}
/* ---- POST /api/v1/tickets -------------------------------------------- */

/* Filing a ticket runs on the event loop (HTTP_RUN_INLINE): the request
** thread checks the input and computes nothing that needs the store; the
** desk's write (desk_file_write) reads the organization's plan and the
** product's stage in the same transaction as the insert and computes the
** deadline with the policy in force at that moment. */

/* After the commit: 201 with the new ticket's id, terms and deadline,
** from what the write knows (no store read), written as JSON text without
** a jansson tree. The full ticket, with names, the deadline's explanation
** and the history, is one GET away (Location): building and sending it
** here cost a third of the event loop's time under load, for an answer
** the support center only takes the id from. */
static int create_then(http_req *r, void *ctx)
{
    desk_filing *j = ctx;
    snprintf(r->location, sizeof r->location, "/api/v1/tickets/%lld", (long long)j->t.id);
    char *text;
    int rc = http_ticket_created_text(&text, &j->t, r->now);
    if (rc) return rc;
    return http_reply_text(r, 201, "application/json", text);
}

static const http_field ticket_create_body[] = {
    {"subject", HTTP_F_STRING, 1, GARANT_MAX_SUBJECT},
    {"body", HTTP_F_STRING, 1, GARANT_MAX_BODY},
    {"priority", HTTP_F_INT, 0, 0},
    {"product", HTTP_F_STRING, 0, GARANT_MAX_NAME},
    {"environment", HTTP_F_STRING, 0, 15},
    {"impact", HTTP_F_STRING, 0, MAX_IMPACT},
    {"follow_up_of", HTTP_F_INT, 0, 0},
    {"attachments", HTTP_F_IDS, 0, DESK_ATTACHMENTS_PER_MESSAGE},
    {"requester", HTTP_F_STRING, 0, GARANT_MAX_EMAIL},
    {"received_at", HTTP_F_STRING, 0, 40},
    {NULL, 0, 0, 0},
};

/* The ids of an HTTP_F_IDS field ("attachments", "ids"; checked by
** http_body_fields), in memory of the request; *out NULL and *n 0 when
** absent or empty. */
static int id_array(http_req *r, const json_t *v, int64_t **out, size_t *n)
{
    *out = NULL;
    *n = json_array_size(v);
    if (!*n) return 0;
    if (!(*out = http_alloc(r, *n * sizeof **out))) return garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; i < *n; i++) (*out)[i] = json_integer_value(json_array_get(v, i));
    return 0;
}

/* How far back an agent may date a call they file (received_at). */
#define MAX_RECEIVED_AGE_S (30 * 86400)

/* An agent filing for a customer (a phone call): who (v[8], required)
** and when the call came (v[9], RFC 3339, default now: neither in the
** future nor more than 30 days ago). The SLA clock counts from then. */
static int on_behalf(http_req *r, json_t **v, desk_filing *j)
{
    if (!is_staff(r)) {
        if (v[8] || v[9])
            return garant__error(GARANT_EINVAL, "'%s' is for agents filing on a customer's behalf",
                                 v[8] ? "requester" : "received_at");
        return 0;
    }
    if (!v[8])
        return garant__error(GARANT_EINVAL,
                             "'requester' is required: agents file on behalf of a customer (their e-mail or id)");
    int rc = check_text("requester", v[8], 0);
    if (rc) return rc;
    j->requester = json_string_value(v[8]);
    j->t.filed_by = r->user.id;
    j->t.submitted_at = r->now;
    if (v[9]) {
        int64_t at;
        const char *s = json_string_value(v[9]);
        if (garant_time_parse_rfc3339(&at, s, strlen(s)) != 0)
            return garant__error(GARANT_EINVAL, "'received_at' must be an RFC 3339 instant with an offset (got '%.40s')",
                                 s);
        if (at > r->now) return garant__error(GARANT_EINVAL, "'received_at' is in the future");
        if (at < r->now - MAX_RECEIVED_AGE_S)
            return garant__error(GARANT_EINVAL, "'received_at' is more than 30 days ago");
        j->t.submitted_at = at;
    }
    return 0;
}

static int ticket_create(http_req *r)
{
    json_t *v[10];
    int rc = http_body_fields(r, ticket_create_body, v);
    if (rc) return rc;
    if ((rc = check_text("subject", v[0], 0)) || (rc = check_text("body", v[1], 1))) return rc;
    if (v[5] && json_string_length(v[5]) && (rc = check_text("impact", v[5], 0))) return rc;
    const garant_policy *pol = http_policy(r);

    desk_filing *j = http_alloc(r, sizeof *j);
    if (!j) return garant__error(GARANT_ENOMEM, "out of memory");
    j->desk = r->desk;
    j->body = json_string_value(v[1]);
    garant_ticket *t = &j->t;
    t->org_id = r->user.org_id;
    t->requester_id = r->user.id;
    http_copy(t->subject, sizeof t->subject, json_string_value(v[0]));
    json_int_t prio = v[2] ? json_integer_value(v[2]) : garant_policy_default_priority(pol);
    if ((rc = desk_check_priority(pol, prio))) return rc;
    t->priority = t->initial_priority = (int)prio;
    const char *env = v[4] ? json_string_value(v[4]) : "production";
    if (!desk_environment_known(env))
        return garant__error(GARANT_EINVAL, "'environment' must be production, staging or development (got '%.15s')",
                             env);
    if ((rc = desk_check_environment(pol, t->priority, env))) return rc;
    http_copy(t->environment, sizeof t->environment, env);
    http_copy(t->impact, sizeof t->impact, v[5] ? json_string_value(v[5]) : "");
    http_copy(t->status, sizeof t->status, "open");
    if (v[3]) http_copy(j->product, sizeof j->product, json_string_value(v[3]));
    if (v[6]) {
        json_int_t of = json_integer_value(v[6]);
        if (of < 1) return garant__error(GARANT_EINVAL, "'follow_up_of' must be a ticket id (1 or more)");
        t->follow_up_of = of; /* checked by desk_file_write */
    }
    t->submitted_at = r->now;
    int64_t *files;
    if ((rc = id_array(r, v[7], &files, &j->nfiles))) return rc;
    j->files = files;
    if ((rc = on_behalf(r, v, j))) return rc;
    if (!is_staff(r) && (rc = customer_quota(r, LIMIT_FILE_USER, LIMIT_FILE_ORG))) return rc;
    /* Without files the insert is the one statement (tk_insert). */
    return http_write_then(r, desk_file_write, j, create_then,
                           j->nfiles ? DESK_WRITE_SAVEPOINT : DESK_WRITE_ONE_STATEMENT);
}

/* ---- GET /api/v1/tickets/{id} ---------------------------------------- */

/* events' callback: the API object of a history event, appended to the
** array ctx: {id, at, actor_id, actor_name (null: the system), kind,
** data}, its data parsed from the text it is stored as. */
static int event_json(void *ctx, const garant_event_row *ev)
{
    json_t *data = json_loads(ev->data, 0, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        return garant__error(GARANT_ESTORE, "event %lld has malformed data", (long long)ev->id);
    }
    /* "o" steals its reference even when packing fails. */
    json_t *o = json_pack("{s:I, s:o, s:I, s:o, s:s, s:o}", "id", (json_int_t)ev->id, "at", http_time_json(ev->at),
                          "actor_id", (json_int_t)ev->actor_id, "actor_name",
                          ev->actor_name[0] ? json_string(ev->actor_name) : json_null(), "kind", ev->kind, "data", data);
    if (!o || json_array_append_new(ctx, o) != 0) return garant__error(GARANT_ENOMEM, "out of memory");
    return 0;
}

/* replies' callback: the API object of a message, appended to the array
** ctx: {id, author_id, author_name, author_role, body, public, at}. */
static int reply_json(void *ctx, const garant_reply_row *m)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)m->id, "author_id",
                          (json_int_t)m->author_id, "author_name", m->author_name, "author_role", m->author_role,
                          "body", m->body, "public", m->public_, "at", http_time_json(m->at));
    if (!o || json_array_append_new(ctx, o) != 0)
        return garant__error(GARANT_ENOMEM, "out of memory or a message not UTF-8");
    return 0;
}

/* Drop the elements for which keep() is 0 (what a customer may not see). */
static void filter_array(json_t *arr, int (*keep)(const json_t *))
{
    for (size_t i = json_array_size(arr); i-- > 0;)
        if (!keep(json_array_get(arr, i))) json_array_remove(arr, i);
}

static int public_reply(const json_t *o) { return json_is_true(json_object_get(o, "public")); }

/* Internal notes leave a 'noted' event; the customer sees neither, nor
** the 'assigned' events of the desk's own organization of work. */
static int public_event(const json_t *o)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    return !kind || (strcmp(kind, "noted") != 0 && strcmp(kind, "assigned") != 0);
}

/* The 'created' event as a customer sees it: no routing, and of the agent
** who filed it for her only that one did. */
static int created_for_customer(json_t *events)
{
    size_t i;
    json_t *o;
    json_array_foreach(events, i, o) {
        const char *kind = json_string_value(json_object_get(o, "kind"));
        if (!kind || strcmp(kind, "created") != 0) continue;
        json_t *data = json_object_get(o, "data");
        int behalf = json_object_get(data, "filed_by") != NULL;
        json_object_del(data, "group_id");
        json_object_del(data, "assignee_id");
        json_object_del(data, "filed_by");
        json_object_del(data, "filed_by_name");
        if (behalf && json_object_set_new(data, "on_behalf", json_true()) != 0)
            return garant__error(GARANT_ENOMEM, "out of memory");
    }
    return 0;
}

/* What a customer sees instead of ids: event and reply ids are global
** (one sequence across all tickets), and replies share theirs with
** internal notes, so the gaps between the ids on a customer's ticket
** would count the notes on it (issue 13, finding 11a). Each history event
** and each conversation message gets its position among what the customer
** sees, `seq` from 1, in place of `id`, and a 'replied' event's reply_id
** becomes the reply's seq. Staff keep the ids. */
static int renumber_for_customer(json_t *events, json_t *replies)
{
    size_t i;
    json_t *o;
    json_array_foreach(replies, i, o) {
        if (json_object_set_new(o, "seq", json_integer((json_int_t)i + 1)) != 0)
            return garant__error(GARANT_ENOMEM, "out of memory");
    }
    json_array_foreach(events, i, o) {
        if (json_object_set_new(o, "seq", json_integer((json_int_t)i + 1)) != 0)
            return garant__error(GARANT_ENOMEM, "out of memory");
        json_object_del(o, "id");
        json_t *data = json_object_get(o, "data");
        json_t *rid = json_object_get(data, "reply_id");
        if (!rid) continue;
        json_int_t seq = 0;
        size_t k;
        json_t *m;
        json_array_foreach(replies, k, m) {
            if (json_equal(json_object_get(m, "id"), rid)) seq = json_integer_value(json_object_get(m, "seq"));
        }
        json_object_del(data, "reply_id");
        if (seq && json_object_set_new(data, "reply_seq", json_integer(seq)) != 0)
            return garant__error(GARANT_ENOMEM, "out of memory");
    }
    json_array_foreach(replies, i, o) json_object_del(o, "id");
    return 0;
}

/* Put each file of files on its message: under "attachments" of its reply
** in replies, or in *out_first for the ticket's first message. Each file
** gets its download url, and loses its reply_id (global, like reply ids:
** renumber_for_customer). Caller owns *out_first. */
static int attach_files(json_t **out_first, json_t *replies, json_t *files)
{
    if (!(*out_first = json_array())) return garant__error(GARANT_ENOMEM, "out of memory");
    size_t i, k;
    json_t *f, *m;
    json_array_foreach(replies, k, m) {
        if (json_object_set_new(m, "attachments", json_array())) return garant__error(GARANT_ENOMEM, "out of memory");
    }
    json_array_foreach(files, i, f) {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/attachments/%lld", (long long)json_integer_value(json_object_get(f, "id")));
        json_t *rid = json_object_get(f, "reply_id"), *dest = *out_first;
        json_array_foreach(replies, k, m) {
            if (json_is_integer(rid) && json_equal(json_object_get(m, "id"), rid))
                dest = json_object_get(m, "attachments");
        }
        if (json_object_set_new(f, "url", json_string(url)) || json_array_append(dest, f))
            return garant__error(GARANT_ENOMEM, "out of memory");
        json_object_del(f, "reply_id");
        json_object_del(f, "uploader_id");
    }
    return 0;
}

static int ticket_get(http_req *r)
{
    garant_store_conn *c = r->db;
    /* One snapshot: the ticket, its history and its conversation agree. */
    int rc = GS(c)->begin_read(c);
    if (rc) return rc;
    garant_ticket t;
    json_t *o = NULL, *body = NULL, *events = json_array(), *replies = json_array(), *files = NULL,
           *first_files = NULL;
    char *text = NULL;
    rc = events && replies ? visible_ticket(r, c, r->id, &t) : garant__error(GARANT_ENOMEM, "out of memory");
    if (!rc) rc = GS(c)->tickets->body(c, t.id, &text);
    if (!rc && !(body = json_string(text)))
        rc = garant__error(GARANT_ENOMEM, "out of memory or body of ticket %lld not UTF-8", (long long)t.id);
    free(text);
    if (!rc) rc = GS(c)->tickets->events(c, t.id, event_json, events);
    if (!rc) rc = GS(c)->tickets->replies(c, t.id, reply_json, replies);
    garant_attachment *att = NULL;
    size_t natt = 0;
    if (!rc) rc = GS(c)->attachments->list(c, t.id, is_staff(r), &att, &natt);
    if (!rc) rc = http_attachments_json(&files, att, natt);
    free(att);
    if (!rc) rc = attach_files(&first_files, replies, files);
    if (!rc) rc = http_ticket_json(&o, c, http_ticket_policy(r->srv, c, t.policy_version), &t, r->now);
    /* Staff see whether mail to the requester bounces (docs/mail.md). */
    int64_t bounced_at = 0;
    char bounce_reason[GARANT_MAX_BOUNCE_REASON + 1] = "";
    if (!rc && is_staff(r))
        rc = GS(c)->inbound->bounce_get(c, t.requester_id, &bounced_at, bounce_reason, sizeof bounce_reason);
    GS(c)->rollback(c);
    if (!rc && is_staff(r)) {
        json_t *b = bounced_at ? json_pack("{s:o,s:s}", "since", http_time_json(bounced_at), "reason", bounce_reason)
                               : json_null();
        if (!b || json_object_set_new(o, "requester_bouncing", b))
            rc = garant__error(GARANT_ENOMEM, "out of memory");
    }
    if (!rc && !is_staff(r)) {
        filter_array(replies, public_reply);
        filter_array(events, public_event);
        strip_staff_only(o);
        rc = created_for_customer(events);
        if (!rc) rc = renumber_for_customer(events, replies);
    }
    if (!rc && (json_object_set(o, "body", body) || json_object_set(o, "history", events) ||
                json_object_set(o, "conversation", replies) || json_object_set(o, "attachments", first_files)))
        rc = garant__error(GARANT_ENOMEM, "out of memory");
    json_decref(files);
    json_decref(first_files);
    json_decref(body);
    json_decref(events);
    json_decref(replies);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return http_reply(r, 200, o);
}
/* ---- PATCH /api/v1/tickets/{id} -------------------------------------- */

static const http_field ticket_patch_body[] = {
    {"priority", HTTP_F_INT, 0, 0},
    {"reason", HTTP_F_STRING, 0, MAX_REASON},
    {"status", HTTP_F_STRING, 0, 15},
    {"assignee_id", HTTP_F_INT, 0, 0},
    {"group_id", HTTP_F_INT, 0, 0},
    {NULL, 0, 0, 0},
};

/* {assignee_id?, group_id?}: an id, or 0 for none (desk_groups.h). */
static int ticket_assign(http_req *r, json_t *assignee, json_t *group)
{
    json_int_t a = assignee ? json_integer_value(assignee) : 0, g = group ? json_integer_value(group) : 0;
    if (a < 0 || g < 0)
        return garant__error(GARANT_EINVAL, "'%s' must be an id, or 0 for none", a < 0 ? "assignee_id" : "group_id");
    desk_actor who = {&r->user, r->now};
    return desk_ticket_assign(r->desk, &who, r->id, assignee != NULL, a, group != NULL, g);
}

static int ticket_patch(http_req *r)
{
    json_t *v[5];
    int rc = http_body_fields(r, ticket_patch_body, v);
    if (rc) return rc;
    if (!v[0] && !v[2] && (v[3] || v[4])) {
        if ((rc = ticket_assign(r, v[3], v[4]))) return rc;
        return reply_ticket(r, 200, r->id, NULL);
    }
    if (v[3] || v[4])
        return garant__error(GARANT_EINVAL, "assign ('assignee_id', 'group_id') apart from a change of priority or status");
    if (!v[0] && !v[2])
        return garant__error(GARANT_EINVAL, "nothing to change: give 'priority' (with 'reason'), 'status', "
                                            "'assignee_id' or 'group_id'");
    if (v[0] && !v[1])
        return garant__error(GARANT_EINVAL, "'reason' is required to change the priority: say why, for the history");
    if (v[1] && (rc = check_text("reason", v[1], 1))) return rc;
    int priority = 0;
    const char *status = NULL;
    if (v[0]) {
        /* The ticket's own version checks the level (desk_ticket_change). */
        json_int_t to = json_integer_value(v[0]);
        if (to < 1 || to > 9) return garant__error(GARANT_EINVAL, "'priority' must be 1 to 9 (got %lld)", (long long)to);
        priority = (int)to;
    }
    if (v[2]) {
        if (!desk_status_known(json_string_value(v[2])))
            return garant__error(GARANT_EINVAL, "'status' must be open, pending, solved or closed");
        status = json_string_value(v[2]);
    }
    desk_actor who = {&r->user, r->now};
    rc = desk_ticket_change(r->desk, &who, r->id, priority, status, v[1] ? json_string_value(v[1]) : NULL);
    if (rc) return rc;
    return reply_ticket(r, 200, r->id, NULL);
}

/* ---- POST /api/v1/tickets/bulk --------------------------------------- */

static const http_field ticket_bulk_body[] = {
    {"ids", HTTP_F_IDS, 1, DESK_BULK_MAX},
    {"assignee_id", HTTP_F_INT, 0, 0},
    {"group_id", HTTP_F_INT, 0, 0},
    {"status", HTTP_F_STRING, 0, 15},
    {"priority", HTTP_F_INT, 0, 0},
    {"reason", HTTP_F_STRING, 0, MAX_REASON},
    {NULL, 0, 0, 0},
};

/* {ids, assignee_id?, group_id?, status?, priority?, reason?}: the change
** of PATCH /api/v1/tickets/{id} on up to 100 tickets, all or nothing
** (desk_tickets_bulk); any of the changes together. 200 {updated: the ids
** of the tickets that changed, tickets: [{id, priority, status, due_at,
** assignee_id, group_id}] of every ticket named, in the order named}. */
static int ticket_bulk(http_req *r)
{
    json_t *v[6];
    int rc = http_body_fields(r, ticket_bulk_body, v);
    if (rc) return rc;
    desk_bulk b;
    memset(&b, 0, sizeof b);
    int64_t *ids;
    if ((rc = id_array(r, v[0], &ids, &b.n))) return rc;
    if (!b.n) return garant__error(GARANT_EINVAL, "'ids' must name at least one ticket");
    b.ids = ids;
    b.set_assignee = v[1] != NULL;
    b.set_group = v[2] != NULL;
    b.assignee_id = v[1] ? json_integer_value(v[1]) : 0;
    b.group_id = v[2] ? json_integer_value(v[2]) : 0;
    if (b.assignee_id < 0 || b.group_id < 0)
        return garant__error(GARANT_EINVAL, "'%s' must be an id, or 0 for none",
                             b.assignee_id < 0 ? "assignee_id" : "group_id");
    if (v[3]) {
        if (!desk_status_known(json_string_value(v[3])))
            return garant__error(GARANT_EINVAL, "'status' must be open, pending, solved or closed");
        b.status = json_string_value(v[3]);
    }
    if (v[4]) {
        /* Each ticket's own version checks the level (desk_tickets_bulk). */
        json_int_t to = json_integer_value(v[4]);
        if (to < 1 || to > 9) return garant__error(GARANT_EINVAL, "'priority' must be 1 to 9 (got %lld)", (long long)to);
        b.priority = (int)to;
    }
    if (v[5] && (rc = check_text("reason", v[5], 1))) return rc;
    b.reason = v[5] ? json_string_value(v[5]) : NULL;
    desk_bulk_result *out = http_alloc(r, b.n * sizeof *out);
    if (!out) return garant__error(GARANT_ENOMEM, "out of memory");
    desk_actor who = {&r->user, r->now};
    if ((rc = desk_tickets_bulk(out, r->desk, &who, &b))) return rc;
    json_t *updated = json_array(), *tickets = json_array();
    for (size_t i = 0; updated && tickets && i < b.n; i++) {
        const garant_ticket *t = &out[i].t;
        json_t *o = json_pack("{s:I,s:i,s:s,s:o,s:o,s:o}", "id", (json_int_t)t->id, "priority", t->priority, "status",
                              t->status, "due_at", http_time_json(t->first_response_due), "assignee_id",
                              t->assignee_id ? json_integer(t->assignee_id) : json_null(), "group_id",
                              t->group_id ? json_integer(t->group_id) : json_null());
        if (json_array_append_new(tickets, o) ||
            (out[i].changed && json_array_append_new(updated, json_integer(t->id)))) {
            json_decref(updated);
            json_decref(tickets);
            updated = tickets = NULL;
        }
    }
    json_t *body = updated && tickets ? json_pack("{s:o,s:o}", "updated", updated, "tickets", tickets) : NULL;
    if (!body) {
        json_decref(updated);
        json_decref(tickets);
        return garant__error(GARANT_ENOMEM, "out of memory");
    }
    return http_reply(r, 200, body);
}

/* ---- POST /api/v1/tickets/{id}/replies ------------------------------- */

static const http_field ticket_reply_body[] = {
    {"body", HTTP_F_STRING, 1, GARANT_MAX_BODY},
    {"public", HTTP_F_BOOL, 0, 0},
    {"attachments", HTTP_F_IDS, 0, DESK_ATTACHMENTS_PER_MESSAGE},
    {NULL, 0, 0, 0},
};

static int ticket_reply(http_req *r)
{
    json_t *v[3];
    int rc = http_body_fields(r, ticket_reply_body, v);
    if (rc) return rc;
    if ((rc = check_text("body", v[0], 1))) return rc;
    const char *body = json_string_value(v[0]);
    int public_ = v[1] ? json_is_true(v[1]) : 1;
    if (!is_staff(r)) {
        /* Not found first: a customer learns nothing about other tickets. */
        garant_ticket t;
        if ((rc = visible_ticket(r, r->db, r->id, &t))) return rc;
        if (!public_) return garant__error(GARANT_EPERM, "customers cannot write internal notes");
        if ((rc = customer_quota(r, LIMIT_REPLY_USER, LIMIT_REPLY_ORG))) return rc;
    }
    desk_actor who = {&r->user, r->now};
    int64_t reply_id;
    int first;
    int64_t *files;
    size_t nfiles;
    if ((rc = id_array(r, v[2], &files, &nfiles))) return rc;
    rc = desk_ticket_reply_files(&reply_id, &first, r->desk, &who, r->id, body, public_, files, nfiles, 0);
    if (rc) return rc;
    json_t *extra = json_pack("{s:{s:I,s:s,s:b,s:o,s:I,s:s},s:b}", "reply", "id", (json_int_t)reply_id, "body", body,
                              "public", public_, "at", http_time_json(r->now), "author_id", (json_int_t)r->user.id,
                              "author_name", r->user.name, "first_response", first);
    if (!extra) return garant__error(GARANT_ENOMEM, "out of memory");
    /* The reply's id is global, shared with internal notes: a customer
    ** who replies twice would count everyone's in between
    ** (renumber_for_customer). */
    if (!is_staff(r)) json_object_del(json_object_get(extra, "reply"), "id");
    return reply_ticket(r, 201, r->id, extra);
}
const http_route http_routes_tickets[] = {
    {"POST", "/api/v1/tickets", HTTP_USER, ticket_create,
     "file a ticket: customers for themselves {subject, body, priority?, product?, environment?, impact?, "
     "follow_up_of?}; agents for a customer with {requester, received_at?} besides",
     HTTP_RUN_INLINE, ticket_create_body, NULL},
    {"GET", "/api/v1/tickets", HTTP_USER, http_ticket_list,
     "list tickets, newest first: ?q=&status=&priority=&breached=&plan=&product=&org=&assignee=&group=&requester="
     "&sla=&limit=&after=",
     HTTP_RUN_WORKER, NULL, http_ticket_list_query},
    {"POST", "/api/v1/tickets/bulk", HTTP_STAFF, ticket_bulk,
     "change up to 100 tickets at once, all or nothing {ids, assignee_id?, group_id?, status?, priority?, reason? "
     "(required with priority)}: each as PATCH /api/v1/tickets/{id} would, with its history and mails",
     HTTP_RUN_WORKER, ticket_bulk_body, NULL},
    {"GET", "/api/v1/tickets/{id}", HTTP_USER, ticket_get,
     "a ticket with its SLA state, history and conversation", HTTP_RUN_WORKER, NULL, NULL},
    {"PATCH", "/api/v1/tickets/{id}", HTTP_STAFF, ticket_patch,
     "reclassify {priority, reason} and/or set {status}, or assign {assignee_id?, group_id?} (0: none); recorded "
     "in the history",
     HTTP_RUN_WORKER, ticket_patch_body,
     NULL},
    {"POST", "/api/v1/tickets/{id}/replies", HTTP_USER, ticket_reply,
     "reply {body, public?}; the first public staff reply stops the clock", HTTP_RUN_WORKER, ticket_reply_body, NULL},
    {"POST", "/api/v1/tickets/{id}/reclassify-preview", HTTP_STAFF, http_reclassify_preview,
     "the deadline a change of priority would give {priority}, changing nothing",
     HTTP_RUN_WORKER, http_reclassify_preview_body, NULL},
    {"GET", "/api/v1/queue", HTTP_STAFF, http_ticket_queue,
     "tickets awaiting a first response, breached first then by deadline: ?plan=&priority=&org=&product=&limit=&after=",
     HTTP_RUN_WORKER, NULL, http_ticket_queue_query},
    {"GET", "/api/v1/queue/follow-ups", HTTP_STAFF, http_ticket_follow_ups,
     "customers' follow-ups and reopened tickets waiting for the desk after the first response, longest waiting "
     "first: ?limit=&after=",
     HTTP_RUN_WORKER, NULL, http_ticket_follow_ups_query},
    {"POST", "/api/v1/deadline/preview", HTTP_USER, http_deadline_preview,
     "the deadline a ticket filed now would get {priority?, product?, environment?, plan? (staff)}",
     HTTP_RUN_WORKER, http_deadline_preview_body, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
