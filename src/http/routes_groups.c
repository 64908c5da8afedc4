/*
** routes_groups.c - groups of agents (teams): admins create, rename and
** delete them, set their members and their settings (round-robin for new
** tickets, the default group every new ticket joins); staff read them,
** to assign tickets (PATCH /api/v1/tickets/{id}, routes_tickets.c). The
** rules live in the desk (desk_groups.h); each change is in the audit
** trail.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "accounts.h"
#include "desk_groups.h"

/* A group as the API shows it: {id, name, round_robin, default,
** created_at, members: [{id, name, email, role}]}. Caller owns the
** result; NULL when out of memory. */
static json_t *group_json(const void *row)
{
    const garant_group_entry *e = row;
    json_t *members = json_array();
    for (size_t i = 0; members && i < e->nmembers; i++) {
        const garant_group_member *m = &e->members[i];
        if (json_array_append_new(members, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)m->id, "name", m->name,
                                                     "email", m->email, "role", garant_role_name(m->role)))) {
            json_decref(members);
            members = NULL;
        }
    }
    char at[GARANT_RFC3339_UTC_LEN];
    return json_pack("{s:I,s:s,s:b,s:b,s:s,s:o}", "id", (json_int_t)e->group.id, "name", e->group.name,
                     "round_robin", e->group.round_robin != 0, "default", e->group.is_default != 0, "created_at",
                     garant_time_format_utc(at, e->group.created_at), "members", members);
}

/* The group as GET /api/v1/groups lists it, read afresh. */
static int reply_group(http_req *r, int status, int64_t id)
{
    garant_group_list all;
    int rc = GS(r->db)->groups->list(r->db, &all);
    if (rc) return rc;
    json_t *one = NULL;
    rc = garant__error(GARANT_ENOTFOUND, "group %lld not found", (long long)id);
    for (size_t i = 0; i < all.n; i++) {
        if (all.groups[i].group.id != id) continue;
        one = group_json(&all.groups[i]);
        rc = one ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
        break;
    }
    garant_group_list_free(&all);
    if (rc) return rc;
    if (status == 201) snprintf(r->location, sizeof r->location, "/api/v1/groups/%lld", (long long)id);
    return http_reply(r, status, one);
}

/* GET /api/v1/groups (staff) */
static int group_list(http_req *r)
{
    garant_group_list all;
    json_t *groups = NULL;
    int rc = GS(r->db)->groups->list(r->db, &all);
    if (rc) return rc;
    rc = http_json_array(&groups, all.groups, all.n, sizeof *all.groups, group_json);
    garant_group_list_free(&all);
    if (rc) return rc;
    return http_reply(r, 200, json_pack("{s:o}", "groups", groups));
}

typedef struct group_job {
    desk_admin_by by;
    int64_t id;
    desk_group_change ch;
    garant_group out;
    int64_t *members;
    size_t nmembers;
    int set_members;
} group_job;

static int group_create_write(garant_store_conn *w, void *arg)
{
    group_job *j = arg;
    int rc = desk_group_create(&j->out, w, &j->by, &j->ch);
    if (!rc && j->set_members) rc = desk_group_set_members(w, &j->by, j->out.id, j->members, j->nmembers);
    return rc;
}

static int group_update_write(garant_store_conn *w, void *arg)
{
    group_job *j = arg;
    int rc = 0;
    if (j->ch.name || j->ch.round_robin >= 0 || j->ch.is_default >= 0)
        rc = desk_group_update(&j->out, w, &j->by, j->id, &j->ch);
    if (!rc && j->set_members) rc = desk_group_set_members(w, &j->by, j->id, j->members, j->nmembers);
    return rc;
}

static int group_delete_write(garant_store_conn *w, void *arg)
{
    group_job *j = arg;
    return desk_group_delete(w, &j->by, j->id);
}

/* The members of a body: user ids as decimal strings (an array's
** elements are strings, http.h). Caller owns j->members; free(). */
static int read_members(group_job *j, json_t *arr)
{
    size_t n = json_array_size(arr);
    j->set_members = 1;
    if (!n) return 0;
    if (!(j->members = calloc(n, sizeof *j->members))) return garant__error(GARANT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!*s || *end || errno || v < 1)
            return garant__error(GARANT_EINVAL, "'members'[%zu] must be a user id (\"12\"), got '%.20s'", i, s);
        j->members[j->nmembers++] = v;
    }
    return 0;
}

/* The fields of a create or update body: name, round_robin, default,
** members. */
static int read_change(group_job *j, json_t **v)
{
    j->ch.round_robin = v[1] ? json_is_true(v[1]) : -1;
    j->ch.is_default = v[2] ? json_is_true(v[2]) : -1;
    if (v[0]) {
        j->ch.name = json_string_value(v[0]);
        int rc = http_name_check(j->ch.name, GARANT_MAX_GROUP_NAME, "name");
        if (rc) return rc;
    }
    return v[3] ? read_members(j, v[3]) : 0;
}

static const http_field group_create_body[] = {
    {"name", HTTP_F_STRING, 1, GARANT_MAX_GROUP_NAME},
    {"round_robin", HTTP_F_BOOL, 0, 0},
    {"default", HTTP_F_BOOL, 0, 0},
    {"members", HTTP_F_ARRAY, 0, GARANT_MAX_GROUP_MEMBERS},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/groups {name, round_robin?, default?, members?} */
static int group_create(http_req *r)
{
    json_t *v[4];
    int rc = http_body_fields(r, group_create_body, v);
    if (rc) return rc;
    group_job j;
    memset(&j, 0, sizeof j);
    j.by = (desk_admin_by){r->user.id, r->now};
    rc = read_change(&j, v);
    if (!rc) rc = http_write(r->srv, group_create_write, &j);
    free(j.members);
    if (rc) return rc;
    return reply_group(r, 201, j.out.id);
}

static const http_field group_update_body[] = {
    {"name", HTTP_F_STRING, 0, GARANT_MAX_GROUP_NAME},
    {"round_robin", HTTP_F_BOOL, 0, 0},
    {"default", HTTP_F_BOOL, 0, 0},
    {"members", HTTP_F_ARRAY, 0, GARANT_MAX_GROUP_MEMBERS},
    {NULL, 0, 0, 0},
};

/* PATCH /api/v1/groups/{id} {name?, round_robin?, default?, members?}:
** members replaces the whole list. */
static int group_update(http_req *r)
{
    json_t *v[4];
    int rc = http_body_fields(r, group_update_body, v);
    if (rc) return rc;
    if (!v[0] && !v[1] && !v[2] && !v[3])
        return garant__error(GARANT_EINVAL, "nothing to change: give 'name', 'round_robin', 'default' or 'members'");
    group_job j;
    memset(&j, 0, sizeof j);
    j.by = (desk_admin_by){r->user.id, r->now};
    j.id = r->id;
    rc = read_change(&j, v);
    if (!rc) rc = http_write(r->srv, group_update_write, &j);
    free(j.members);
    if (rc) return rc;
    return reply_group(r, 200, r->id);
}

/* DELETE /api/v1/groups/{id}: 409 while tickets are assigned to it. */
static int group_delete(http_req *r)
{
    group_job j;
    memset(&j, 0, sizeof j);
    j.by = (desk_admin_by){r->user.id, r->now};
    j.id = r->id;
    int rc = http_write(r->srv, group_delete_write, &j);
    if (rc) return rc;
    return http_reply(r, 204, NULL);
}

const http_route http_routes_groups[] = {
    {"GET", "/api/v1/groups", HTTP_STAFF, group_list, "groups of agents with their members and settings",
     HTTP_RUN_WORKER, NULL, NULL},
    {"POST", "/api/v1/groups", HTTP_ADMIN, group_create,
     "create a group of agents {name, round_robin?, default?, members? (user ids)}", HTTP_RUN_WORKER,
     group_create_body, NULL},
    {"PATCH", "/api/v1/groups/{id}", HTTP_ADMIN, group_update,
     "rename a group, set its round-robin, make it the default group of new tickets, or set its members {name?, "
     "round_robin?, default?, members?}",
     HTTP_RUN_WORKER, group_update_body, NULL},
    {"DELETE", "/api/v1/groups/{id}", HTTP_ADMIN, group_delete, "delete a group without tickets assigned to it",
     HTTP_RUN_WORKER, NULL, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
