/*
** routes_members.c - an organization's managers and its members (issue 15;
** desk_members.h has the rules): a manager lists the members of her own
** organization with their state and approves or refuses those who wait.
**
** These routes are a manager's only: any other customer, and staff, are
** refused (403; admins see every organization's members with GET
** /api/v1/users?org_id= and decide with PATCH /api/v1/users/{id}
** {"approval"}). A member of another organization does not exist for a
** manager (404), as another organization's ticket does not for a
** customer.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_members.h"
#include "http.h"

/* Pages of the members' list, as of the user list. */
#define PAGE_DEFAULT 50
#define PAGE_MAX 200

/* A member as a manager sees her: state is desk_member_state's. Caller
** owns *out. */
static int member_json(json_t **out, const garant_user *u)
{
    char at[GARANT_RFC3339_UTC_LEN];
    const char *approval = garant_approval_name(u->approval);
    *out = json_pack("{s:I,s:s,s:s,s:b,s:s,s:o,s:b,s:s}", "id", (json_int_t)u->id, "email", u->email, "name",
                     u->name, "org_manager", u->org_manager != 0, "state",
                     desk_member_state(u->approval, u->deactivated_at), "approval",
                     approval ? json_string(approval) : json_null(), "verified", u->verified_at != 0, "created_at",
                     garant_time_format_utc(at, u->created_at));
    return *out ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
}


/* GET /api/v1/org/members?approval=&q=&limit=&after=: the manager's
** organization, its rules, and its members newest first. */
static int members_list(http_req *r)
{
    garant_user_filter f;
    memset(&f, 0, sizeof f);
    int rc = desk_members_filter(&f, &r->user);
    if (rc) return rc;
    f.limit = PAGE_DEFAULT;
    int64_t v;
    if ((rc = http_query_int(r, "limit", 1, PAGE_MAX, &v)) < 0) return rc;
    if (rc) f.limit = (int)v;
    if ((rc = http_query_int(r, "after", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f.after_id = v;
    const char *approval = http_query(r, "approval");
    if (approval && !garant_approval_parse(&f.approval, approval))
        return garant__error(GARANT_EINVAL, "query parameter 'approval' must be pending, approved or refused");
    const char *q = http_query(r, "q");
    if (q) {
        size_t n = strlen(q);
        if (n == 0 || n > GARANT_MAX_USER_QUERY)
            return garant__error(GARANT_EINVAL, "query parameter 'q' must be 1 to %d bytes", GARANT_MAX_USER_QUERY);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
                return garant__error(GARANT_EINVAL, "query parameter 'q' contains a control character");
        memcpy(f.q, q, n + 1);
    }
    const garant_store_ops *ops = GS(r->db);
    garant_org org;
    garant_user_row *rows = NULL;
    size_t n = 0;
    if ((rc = ops->begin_read(r->db))) return rc;
    rc = ops->accounts->org_get(r->db, r->user.org_id, &org);
    if (!rc) rc = ops->accounts->user_list(r->db, &f, &rows, &n);
    ops->rollback(r->db);
    if (rc) return rc;
    json_t *members = json_array();
    for (size_t i = 0; members && i < n; i++) {
        json_t *m = NULL;
        if (member_json(&m, &rows[i].user) || json_array_append_new(members, m)) {
            json_decref(members);
            members = NULL;
        }
    }
    int64_t last = n ? rows[n - 1].user.id : 0;
    free(rows);
    if (!members) return garant__error(GARANT_ENOMEM, "out of memory listing members");
    char next[32];
    snprintf(next, sizeof next, "%lld", (long long)last);
    return http_reply(r, 200,
                      json_pack("{s:{s:I,s:s,s:s,s:b},s:o,s:o,s:i}", "org", "id", (json_int_t)org.id, "name", org.name,
                                "ticket_visibility", org.ticket_visibility, "approval_required",
                                org.approval_required != 0, "members", members, "next",
                                n == (size_t)f.limit && last ? json_string(next) : json_null(), "count", (int)n));
}

/* POST /api/v1/org/members/{id}/approve and .../refuse. */
static int decide(http_req *r, int approve)
{
    int rc = desk_member_manager_check(&r->user);
    if (rc) return rc;
    desk_actor who = {&r->user, r->now};
    garant_user m;
    if ((rc = desk_member_decide(&m, r->desk, &who, r->id, approve))) return rc;
    json_t *o = NULL;
    if ((rc = member_json(&o, &m))) return rc;
    return http_reply(r, 200, json_pack("{s:o}", "member", o));
}

static int member_approve(http_req *r) { return decide(r, 1); }
static int member_refuse(http_req *r) { return decide(r, 0); }

static const char *const members_query[] = {"approval", "q", "limit", "after", NULL};

const http_route http_routes_members[] = {
    {"GET", "/api/v1/org/members", HTTP_USER, members_list,
     "an organization's managers: its members, newest first, with their state (pending, active, refused, "
     "deactivated): ?approval=&q=&limit=&after=",
     HTTP_RUN_WORKER, NULL, members_query},
    {"POST", "/api/v1/org/members/{id}/approve", HTTP_USER, member_approve,
     "an organization's managers: let a member waiting for approval in (she may see and file tickets)",
     HTTP_RUN_WORKER, NULL, NULL},
    {"POST", "/api/v1/org/members/{id}/refuse", HTTP_USER, member_refuse,
     "an organization's managers: refuse a member waiting for approval (her account is deactivated)",
     HTTP_RUN_WORKER, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
