/*
** routes_views.c - saved views (issue 15): the named queries of the
** ticket list that agents keep, private or shared with one of their
** groups, to list GET /api/v1/tickets?<query> with one click. A view's
** query is checked and normalised by the list's own rules
** (http_ticket_query_normalise, routes_tickets.c); who may see, change and
** share a view, and how many one keeps, are the desk's (desk_views.h).
** Staff only: customers get 403 on every route.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_views.h"
#include "tickets.h"

/* A view as the API shows it. Caller owns (NULL if out of memory). */
static json_t *view_json(const garant_view *v, const garant_user *me)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:I,s:s,s:b}", "id", (json_int_t)v->id, "name", v->name, "query", v->query,
                     "group_id", v->group_id ? json_integer(v->group_id) : json_null(), "group_name",
                     v->group_id ? json_string(v->group_name) : json_null(), "owner_id", (json_int_t)v->owner_id,
                     "owner_name", v->owner_name, "mine", v->owner_id == me->id);
}

static int reply_view(http_req *r, int status, const garant_view *v)
{
    json_t *o = view_json(v, &r->user);
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory");
    if (status == 201) snprintf(r->location, sizeof r->location, "/api/v1/views/%lld", (long long)v->id);
    return http_reply(r, status, o);
}

/* GET /api/v1/views: own views first, then those shared with me, by name. */
static int view_list(http_req *r)
{
    desk_actor who = {&r->user, r->now};
    garant_view *views = NULL;
    size_t n = 0;
    int rc = desk_view_list(&views, &n, r->db, &who);
    if (rc) return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, view_json(&views[i], &r->user)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    free(views);
    json_t *body = arr ? json_pack("{s:o}", "views", arr) : NULL;
    if (!body) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, body);
}

/* GET /api/v1/views/{id} */
static int view_get(http_req *r)
{
    desk_actor who = {&r->user, r->now};
    garant_view v;
    int rc = desk_view_get(&v, r->db, &who, r->id);
    if (rc) return rc;
    return reply_view(r, 200, &v);
}

/* The fields of a create or update body (name, query, group_id) as a
** change; the query checked and normalised into buf. */
static int read_change(desk_view_change *ch, http_req *r, json_t **v, char *buf, size_t cap)
{
    memset(ch, 0, sizeof *ch);
    if (v[0]) ch->name = json_string_value(v[0]);
    if (v[1]) {
        const char *q = json_string_value(v[1]);
        if (*q == '?') q++;
        int rc = http_ticket_query_normalise(buf, cap, r, q);
        if (rc) return rc;
        ch->query = buf;
    }
    if (v[2]) {
        ch->set_group = 1;
        ch->group_id = json_is_null(v[2]) ? 0 : json_integer_value(v[2]);
        if (ch->group_id < 0)
            return garant__error(GARANT_EINVAL, "'group_id' must be a group id, or null or 0 for none");
    }
    return 0;
}

static const http_field view_create_body[] = {
    {"name", HTTP_F_STRING, 1, GARANT_MAX_VIEW_NAME_BYTES},
    {"query", HTTP_F_STRING, 1, GARANT_MAX_VIEW_QUERY},
    {"group_id", HTTP_F_INT_NULL, 0, 0},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/views {name, query, group_id?} */
static int view_create(http_req *r)
{
    json_t *v[3];
    int rc = http_body_fields(r, view_create_body, v);
    if (rc) return rc;
    desk_view_change ch;
    char query[GARANT_MAX_VIEW_QUERY + 1];
    if ((rc = read_change(&ch, r, v, query, sizeof query))) return rc;
    desk_actor who = {&r->user, r->now};
    garant_view out;
    if ((rc = desk_view_create(&out, r->desk, &who, &ch))) return rc;
    return reply_view(r, 201, &out);
}

static const http_field view_update_body[] = {
    {"name", HTTP_F_STRING, 0, GARANT_MAX_VIEW_NAME_BYTES},
    {"query", HTTP_F_STRING, 0, GARANT_MAX_VIEW_QUERY},
    {"group_id", HTTP_F_INT_NULL, 0, 0},
    {NULL, 0, 0, 0},
};

/* PATCH /api/v1/views/{id} {name?, query?, group_id? (null or 0: private)} */
static int view_update(http_req *r)
{
    json_t *v[3];
    int rc = http_body_fields(r, view_update_body, v);
    if (rc) return rc;
    desk_view_change ch;
    char query[GARANT_MAX_VIEW_QUERY + 1];
    if ((rc = read_change(&ch, r, v, query, sizeof query))) return rc;
    desk_actor who = {&r->user, r->now};
    garant_view out;
    if ((rc = desk_view_update(&out, r->desk, &who, r->id, &ch))) return rc;
    return reply_view(r, 200, &out);
}

/* DELETE /api/v1/views/{id} */
static int view_delete(http_req *r)
{
    desk_actor who = {&r->user, r->now};
    int rc = desk_view_delete(r->desk, &who, r->id);
    if (rc) return rc;
    return http_reply(r, 204, NULL);
}

const http_route http_routes_views[] = {
    {"GET", "/api/v1/views", HTTP_STAFF, view_list,
     "saved views I see: my own, then those shared with a group of mine (admins: every shared one), by name",
     HTTP_RUN_WORKER, NULL, NULL},
    {"POST", "/api/v1/views", HTTP_STAFF, view_create,
     "save a view {name, query (of GET /api/v1/tickets, without limit and after), group_id? (share with a group "
     "of mine)}",
     HTTP_RUN_WORKER, view_create_body, NULL},
    {"GET", "/api/v1/views/{id}", HTTP_STAFF, view_get, "a saved view I see", HTTP_RUN_WORKER, NULL, NULL},
    {"PATCH", "/api/v1/views/{id}", HTTP_STAFF, view_update,
     "rename a view, change its query or its sharing {name?, query?, group_id? (null or 0: private)}: its owner, "
     "or an admin a shared one",
     HTTP_RUN_WORKER, view_update_body, NULL},
    {"DELETE", "/api/v1/views/{id}", HTTP_STAFF, view_delete, "delete a view: its owner, or an admin a shared one",
     HTTP_RUN_WORKER, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
