/*
** routes_ticket_lists.c - the lists of tickets: GET /api/v1/tickets (the
** filtered list and the search, newest first), the agents' queue and its
** follow-ups, and a saved view's query, which the list's own rules check.
**
** Each page is written as the store gives its rows (tickets.h,
** http_ticket_page): no JSON tree, one pass over the rows.
**
** Who sees what: customers list their scope only (desk_ticket_filter_scope),
** never the assignment; the filters assignee=, group= and requester= are
** for staff (403 for a customer). The queue is staff's.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "routes_ticket_lists.h"
#include "tickets.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200

static int is_staff(const http_req *r) { return r->user.role != GARANT_ROLE_CUSTOMER; }

/* A text query parameter copied into dst: 1 if present, 0 if absent. */
static int query_text(http_req *r, const char *name, char *dst, size_t cap)
{
    const char *s = http_query(r, name);
    if (!s) return 0;
    if (strlen(s) >= cap)
        return garant__error(GARANT_EINVAL, "query parameter '%s' is longer than %zu bytes", name, cap - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 1;
}

/* ---- GET /api/v1/tickets --------------------------------------------- */

/* A user or group id of a filter (the words it takes besides, such as
** "me, none", are read by the caller): 1 or more, in decimal. */
static int filter_id(const char *name, const char *words, const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 1)
        return garant__error(GARANT_EINVAL, "query parameter '%s' must be %s or an id (1 or more)", name, words);
    *out = v;
    return 0;
}

/* ?assignee=me|none|ID and ?group=mine|none|ID (staff only). */
static int assignment_filters(http_req *r, garant_ticket_filter *f)
{
    const char *a = http_query(r, "assignee"), *g = http_query(r, "group");
    if (!a && !g) return 0;
    if (!is_staff(r))
        return garant__error(GARANT_EPERM, "query parameters 'assignee' and 'group' are for agents and admins");
    int rc = 0;
    if (a) {
        if (!strcmp(a, "me")) f->assignee_id = r->user.id;
        else if (!strcmp(a, "none")) f->assignee_id = GARANT_NOBODY;
        else rc = filter_id("assignee", "me, none", a, &f->assignee_id);
    }
    if (!rc && g) {
        if (!strcmp(g, "mine")) f->groups_of = r->user.id;
        else if (!strcmp(g, "none")) f->group_id = GARANT_NOBODY;
        else rc = filter_id("group", "mine, none", g, &f->group_id);
    }
    return rc;
}

/* ?requester=ID|ADDRESS (staff only; a customer's list is her
** organization's, or hers, already): the tickets one user filed, or an
** agent filed for them. An address no user has matches nothing
** (*out_none), as an id no user has does. */
static int requester_filter(http_req *r, garant_ticket_filter *f, int *out_none)
{
    const char *s = http_query(r, "requester");
    if (!s) return 0;
    if (!is_staff(r)) return garant__error(GARANT_EPERM, "query parameter 'requester' is for agents and admins");
    size_t n = strlen(s);
    if (n && strspn(s, "0123456789") == n) return filter_id("requester", "an e-mail address", s, &f->requester_id);
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || n > GARANT_MAX_EMAIL)
        return garant__error(GARANT_EINVAL, "query parameter 'requester' must be a user id or an e-mail address");
    garant_user u;
    int rc = GS(r->db)->accounts->user_by_email(r->db, s, &u);
    if (rc == GARANT_ENOTFOUND) {
        *out_none = 1;
        return 0;
    }
    if (!rc) f->requester_id = u.id;
    return rc;
}

/* ?sla=breached|warning|ok|none: the SLA state at now (store_tickets.h). */
static int sla_filter(http_req *r, garant_ticket_filter *f)
{
    static const struct {
        const char *name;
        garant_sla_filter state;
    } states[] = {
        {"breached", GARANT_SLA_BREACHED},
        {"warning", GARANT_SLA_WARNING},
        {"ok", GARANT_SLA_OK},
        {"none", GARANT_SLA_NONE},
    };
    const char *s = http_query(r, "sla");
    if (!s) return 0;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (!strcmp(states[i].name, s)) {
            f->sla = states[i].state;
            return 0;
        }
    return garant__error(GARANT_EINVAL,
                         "query parameter 'sla' must be breached, warning, ok (met, or running before its "
                         "warning) or none (no guarantee)");
}

/* The list's filter from r's query parameters: the request's, or a saved
** view's (http_query_from), so a view is checked by exactly the rules a
** request is. *out_none is 1 when it can match nothing. */
static int list_filter(garant_ticket_filter *f, http_req *r, int *out_none)
{
    memset(f, 0, sizeof *f);
    *out_none = 0;
    int64_t v;
    int rc;
    f->limit = PAGE_DEFAULT;
    if ((rc = http_query_int(r, "limit", 1, PAGE_MAX, &v)) < 0) return rc;
    if (rc) f->limit = (int)v;
    if ((rc = http_query_int(r, "after", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f->after_id = v;
    if ((rc = http_query_int(r, "priority", 1, GARANT_PRIORITY_MAX, &v)) < 0) return rc;
    if (rc) f->priority = (int)v;
    if ((rc = http_query_int(r, "org", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f->org_id = v;
    if ((rc = query_text(r, "status", f->status, sizeof f->status)) < 0) return rc;
    if (rc && !desk_status_known(f->status))
        return garant__error(GARANT_EINVAL, "query parameter 'status' must be open, pending, solved or closed");
    if ((rc = query_text(r, "plan", f->plan, sizeof f->plan)) < 0) return rc;
    if ((rc = query_text(r, "product", f->product, sizeof f->product)) < 0) return rc;
    if ((rc = query_text(r, "q", f->q, sizeof f->q)) < 0) return rc;
    if ((rc = assignment_filters(r, f))) return rc;
    if ((rc = requester_filter(r, f, out_none))) return rc;
    if ((rc = sla_filter(r, f))) return rc;
    const char *b = http_query(r, "breached");
    if (b) {
        if (!strcmp(b, "true")) f->breached = 1;
        else if (!strcmp(b, "false")) f->breached = -1;
        else return garant__error(GARANT_EINVAL, "query parameter 'breached' must be true or false");
    }
    f->now = r->now;
    /* Customers see their scope only (their organization's tickets, or
    ** their own), whatever they ask for, and find no ticket by the words
    ** of internal notes (desk_ticket_filter_scope). */
    return desk_ticket_filter_scope(f, r->db, &r->user);
}

int http_ticket_list(http_req *r)
{
    garant_ticket_filter f;
    int none, rc = list_filter(&f, r, &none);
    if (rc) return rc;
    /* A customer's search or filtered list is an expensive read: counted,
    ** and only a few of her organization's at once. A plain page walks an
    ** index and is not. */
    int expensive = !is_staff(r) && !none &&
                    (f.q[0] || f.breached || f.sla || f.status[0] || f.priority || f.plan[0] || f.product[0]);
    if (expensive) {
        int wait = 0;
        if ((rc = desk_quota(r->desk, LIMIT_READ_USER, r->user.id, r->now, &wait))) {
            r->retry_after_s = wait;
            return rc;
        }
        if ((rc = desk_read_begin(r->desk, r->user.org_id))) {
            r->retry_after_s = 1;
            return rc;
        }
    }
    /* A search's page may be short and still have a next: the store bounds
    ** the work of one (store_tickets.h, list_page). */
    http_ticket_page page;
    int64_t after = 0;
    rc = http_ticket_page_begin(&page, r->db, r->srv, r->now, is_staff(r), f.limit);
    if (!rc && !none) rc = GS(r->db)->tickets->list_page(r->db, &f, http_ticket_page_row, &page, &after);
    if (expensive) desk_read_done(r->desk, r->user.org_id);
    char next[32], *text;
    snprintf(next, sizeof next, "%lld", (long long)after);
    if (!rc) rc = http_ticket_page_end(&text, &page, after ? next : NULL);
    else http_ticket_page_free(&page);
    if (rc) return rc;
    return http_reply_text(r, 200, "application/json", text);
}

/* ---- GET /api/v1/queue ----------------------------------------------- */

/* A page's cursor is its last ticket's "KEY.ID": the queue's KEY is the
** deadline in UTC epoch seconds, or "none" (none_ok); the follow-ups'
** the instant the ticket has waited since. */
static int parse_cursor(const char *s, int none_ok, int64_t *key, int64_t *id)
{
    const char *dot = strchr(s, '.');
    char *end;
    if (!dot) goto bad;
    if (none_ok && dot - s == 4 && !strncmp(s, "none", 4)) {
        *key = GARANT_NO_DUE;
    } else {
        errno = 0;
        long long d = strtoll(s, &end, 10);
        if (end != dot || errno || end == s) goto bad;
        *key = d;
    }
    errno = 0;
    long long i = strtoll(dot + 1, &end, 10);
    if (*end || errno || end == dot + 1 || i < 1) goto bad;
    *id = i;
    return 0;
bad:
    return garant__error(GARANT_EINVAL, "query parameter 'after' must be a cursor from a previous page's 'next'");
}

/* Answer a page {tickets, next, count} of a queue: next is the last
** row's "KEY.ID" (KEY as parse_cursor reads it) if the page is full, else
** null. */
static int queue_page(http_req *r, int limit, int none_ok,
                      int (*walk)(http_req *r, const void *arg, http_ticket_page *page), const void *arg)
{
    http_ticket_page page;
    int rc = http_ticket_page_begin(&page, r->db, r->srv, r->now, 1, limit);
    if (!rc) rc = walk(r, arg, &page);
    if (rc) {
        http_ticket_page_free(&page);
        return rc;
    }
    char next[64] = "";
    if (page.n == limit) {
        int64_t key = none_ok ? page.last_due : page.last_since;
        if (none_ok && key == GARANT_NO_DUE)
            snprintf(next, sizeof next, "none.%lld", (long long)page.last_id);
        else
            snprintf(next, sizeof next, "%lld.%lld", (long long)key, (long long)page.last_id);
    }
    char *text;
    if ((rc = http_ticket_page_end(&text, &page, next[0] ? next : NULL))) return rc;
    return http_reply_text(r, 200, "application/json", text);
}

static int queue_walk(http_req *r, const void *arg, http_ticket_page *page)
{
    return GS(r->db)->tickets->queue_where(r->db, arg, http_ticket_page_row, page);
}

int http_ticket_queue(http_req *r)
{
    garant_queue_filter f;
    memset(&f, 0, sizeof f);
    int64_t v;
    int rc;
    f.limit = PAGE_DEFAULT;
    if ((rc = http_query_int(r, "limit", 1, PAGE_MAX, &v)) < 0) return rc;
    if (rc) f.limit = (int)v;
    if ((rc = http_query_int(r, "priority", 1, GARANT_PRIORITY_MAX, &v)) < 0) return rc;
    if (rc) f.priority = (int)v;
    if ((rc = http_query_int(r, "org", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f.org_id = v;
    if ((rc = query_text(r, "plan", f.plan, sizeof f.plan)) < 0) return rc;
    if ((rc = query_text(r, "product", f.product, sizeof f.product)) < 0) return rc;
    const char *after = http_query(r, "after");
    if (after && (rc = parse_cursor(after, 1, &f.after_due, &f.after_id))) return rc;
    return queue_page(r, f.limit, 1, queue_walk, &f);
}

/* The follow-ups' keyset and page size. */
typedef struct follow_ups_arg {
    int64_t since, id;
    int limit;
} follow_ups_arg;

static int follow_ups_walk(http_req *r, const void *arg, http_ticket_page *page)
{
    const follow_ups_arg *a = arg;
    return GS(r->db)->tickets->follow_ups(r->db, a->since, a->id, a->limit, http_ticket_page_row, page);
}

/* GET /api/v1/queue/follow-ups: the customers' follow-ups waiting for the
** desk after the first response (and reopened tickets), longest waiting
** first. The cursor is the last ticket's "SINCE.ID". */
int http_ticket_follow_ups(http_req *r)
{
    int64_t v;
    follow_ups_arg a = {0, 0, PAGE_DEFAULT};
    int rc;
    if ((rc = http_query_int(r, "limit", 1, PAGE_MAX, &v)) < 0) return rc;
    if (rc) a.limit = (int)v;
    const char *after = http_query(r, "after");
    if (after && (rc = parse_cursor(after, 0, &a.since, &a.id))) return rc;
    return queue_page(r, a.limit, 0, follow_ups_walk, &a);
}
/* The query parameters each route reads (http_route.query). */
const char *const http_ticket_list_query[] = {"q",        "status", "priority",  "breached", "plan", "product",
                                                "org",      "limit",  "after",     "assignee", "group", "requester",
                                                "sla",      NULL};
const char *const http_ticket_queue_query[] = {"plan", "priority", "org", "product", "limit", "after", NULL};
const char *const http_ticket_follow_ups_query[] = {"limit", "after", NULL};
/* ---- a saved view's query (routes_views.c) --------------------------- */

/* Is c written as it is in a form-encoded query (as a browser's
** URLSearchParams writes one: letters, digits and *-._)? */
static int form_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
           c == '.' || c == '_';
}

/* Append "&name=value" (no '&' first), form-encoded, to out. */
static int put_param(char *out, size_t cap, size_t *len, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = *len;
#define PUT(ch) do { if (n + 1 >= cap) goto too_long; out[n++] = (ch); } while (0)
    if (n) PUT('&');
    for (const char *p = name; *p; p++) PUT(*p); /* a name of the list: plain */
    PUT('=');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (form_plain(*p)) {
            PUT((char)*p);
        } else if (*p == ' ') {
            PUT('+');
        } else {
            PUT('%');
            PUT(hex[*p >> 4]);
            PUT(hex[*p & 15]);
        }
    }
#undef PUT
    out[n] = '\0';
    *len = n;
    return 0;
too_long:
    return garant__error(GARANT_EINVAL, "'query' is longer than %zu bytes once written in its normal form", cap - 1);
}

/* A list's callback that keeps nothing: the search text is checked. */
static int ignore_row(void *ctx, const garant_ticket_row *row)
{
    (void)ctx;
    (void)row;
    return 0;
}

int http_ticket_query_normalise(char *out, size_t cap, http_req *r, const char *query)
{
    http_params p;
    int rc = http_params_parse(&p, r, query);
    if (rc) return rc;
    for (size_t i = 0; i < p.n; i++) {
        size_t k = 0;
        while (http_ticket_list_query[k] && strcmp(http_ticket_list_query[k], p.name[i]) != 0) k++;
        if (!http_ticket_list_query[k]) {
            /* What GET /api/v1/tickets answers to the same parameter. */
            return http_refuse_unknown_query(p.name[i], http_ticket_list_query);
        }
        if (!strcmp(p.name[i], "limit") || !strcmp(p.name[i], "after"))
            return garant__error(GARANT_EINVAL, "a view's query takes no '%s': pages are the list's own", p.name[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p.name[j], p.name[i]))
                return garant__error(GARANT_EINVAL, "query parameter '%s' is given twice", p.name[i]);
    }
    garant_ticket_filter f;
    int none;
    http_query_from(r, &p);
    rc = list_filter(&f, r, &none);
    http_query_from(r, NULL);
    if (rc) return rc;
    if (f.q[0]) {
        /* The search text's rules are the store's: ask it for one ticket
        ** by the words alone, which the full-text index answers at once. */
        garant_ticket_filter words;
        memset(&words, 0, sizeof words);
        memcpy(words.q, f.q, sizeof words.q);
        words.limit = 1;
        words.now = r->now;
        rc = GS(r->db)->tickets->list(r->db, &words, ignore_row, NULL);
        if (rc) return rc;
    }
    /* The list's order, each parameter once. */
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; http_ticket_list_query[k]; k++)
        for (size_t i = 0; i < p.n; i++)
            if (!strcmp(p.name[i], http_ticket_list_query[k]) &&
                (rc = put_param(out, cap, &len, p.name[i], p.value[i])))
                return rc;
    return 0;
}
