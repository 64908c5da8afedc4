/*
** groups.c - groups of agents, assignment and the routing of new tickets
** (desk_groups.h).
*/
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "garant/error_wrap.h"
#include "desk_groups.h"

/* ---- groups ------------------------------------------------------------ */

static int get_group(garant_store_conn *w, int64_t id, garant_group *out)
{
    int rc = GS(w)->groups->get(w, id, out);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "group %lld not found", (long long)id);
    return rc;
}

static int name_taken(int rc, const char *name)
{
    if (rc == GARANT_ECONFLICT) return garant__error(GARANT_ECONFLICT, "a group named \"%s\" exists already", name);
    return rc;
}

/* The settings of g as an audit value. */
static const char *settings(char *buf, size_t cap, const garant_group *g)
{
    snprintf(buf, cap, "round_robin=%s default=%s", g->round_robin ? "on" : "off", g->is_default ? "yes" : "no");
    return buf;
}

int desk_group_create(garant_group *out, garant_store_conn *w, const desk_admin_by *by, const desk_group_change *ch)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", ch->name);
    out->round_robin = ch->round_robin > 0;
    out->is_default = ch->is_default > 0;
    out->created_at = by->now;
    int rc = name_taken(GS(w)->groups->insert(w, out), out->name);
    char s[64];
    if (!rc) rc = desk_admin_audit(w, by, "group_created", out->id, NULL, out->name, 0);
    if (!rc && (out->round_robin || out->is_default))
        rc = desk_admin_audit(w, by, "group_settings", out->id, NULL, settings(s, sizeof s, out), 0);
    return rc;
}

int desk_group_update(garant_group *out, garant_store_conn *w, const desk_admin_by *by, int64_t id,
                      const desk_group_change *ch)
{
    garant_group old;
    int rc = get_group(w, id, &old);
    if (rc) return rc;
    *out = old;
    if (ch->name) snprintf(out->name, sizeof out->name, "%s", ch->name);
    if (ch->round_robin >= 0) out->round_robin = ch->round_robin;
    if (ch->is_default >= 0) out->is_default = ch->is_default;
    if ((rc = name_taken(GS(w)->groups->update(w, out), out->name))) return rc;
    if (strcmp(old.name, out->name) != 0 && (rc = desk_admin_audit(w, by, "group_name", id, old.name, out->name, 0)))
        return rc;
    char s1[64], s2[64];
    if (old.round_robin != out->round_robin || old.is_default != out->is_default)
        rc = desk_admin_audit(w, by, "group_settings", id, settings(s1, sizeof s1, &old),
                              settings(s2, sizeof s2, out), 0);
    return rc;
}

int desk_group_delete(garant_store_conn *w, const desk_admin_by *by, int64_t id)
{
    garant_group g;
    int rc = get_group(w, id, &g);
    if (!rc) rc = GS(w)->groups->remove(w, id);
    if (!rc) rc = desk_admin_audit(w, by, "group_deleted", id, g.name, NULL, 0);
    return rc;
}

/* Member ids as an audit value "1,5,7" (sorted as the list shows them). */
static int member_ids(garant_store_conn *w, int64_t id, char *buf, size_t cap)
{
    garant_group_list all;
    int rc = GS(w)->groups->list(w, &all);
    if (rc) return rc;
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < all.n; i++) {
        if (all.groups[i].group.id != id) continue;
        for (size_t k = 0; k < all.groups[i].nmembers; k++) {
            int n = snprintf(buf + len, cap - len, "%s%lld", len ? "," : "", (long long)all.groups[i].members[k].id);
            if (n < 0 || (size_t)n >= cap - len) break;
            len += (size_t)n;
        }
    }
    garant_group_list_free(&all);
    return 0;
}

/* An active agent or admin, or GARANT_EINVAL saying what user id is. */
static int check_staff(garant_store_conn *w, int64_t user_id, const char *field)
{
    garant_user u;
    int rc = GS(w)->accounts->user_get(w, user_id, &u);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "'%s': there is no user %lld", field, (long long)user_id);
    if (rc) return rc;
    if (u.role == GARANT_ROLE_CUSTOMER)
        return garant__error(GARANT_EINVAL, "'%s': %s is a customer, not an agent", field, u.email);
    if (u.deactivated_at)
        return garant__error(GARANT_EINVAL, "'%s': %s is deactivated", field, u.email);
    return 0;
}

int desk_group_set_members(garant_store_conn *w, const desk_admin_by *by, int64_t id, const int64_t *users, size_t n)
{
    garant_group g;
    int rc = get_group(w, id, &g);
    for (size_t i = 0; !rc && i < n; i++) rc = check_staff(w, users[i], "members");
    char was[2048] = "", now[2048] = ""; /* 100 ids of up to 19 digits and commas */
    if (!rc) rc = member_ids(w, id, was, sizeof was);
    if (!rc) rc = GS(w)->groups->set_members(w, id, users, n);
    if (!rc) rc = member_ids(w, id, now, sizeof now);
    if (!rc && strcmp(was, now) != 0) rc = desk_admin_audit(w, by, "group_members", id, was, now, 0);
    return rc;
}

/* ---- assignment -------------------------------------------------------- */

typedef struct assign_job {
    const desk_actor *who;
    int64_t id;
    int set_assignee, set_group;
    int64_t assignee_id, group_id;
} assign_job;

/* One side of an 'assigned' event: ids and, for the pages, the names
** they had then (null for none, or for a user or group gone since). */
static json_t *side(garant_store_conn *w, int64_t assignee_id, int64_t group_id)
{
    garant_user u;
    garant_group g;
    int have_u = assignee_id && GS(w)->accounts->user_get(w, assignee_id, &u) == 0;
    int have_g = group_id && GS(w)->groups->get(w, group_id, &g) == 0;
    return json_pack("{s:o,s:o,s:o,s:o}", "assignee_id", assignee_id ? json_integer(assignee_id) : json_null(),
                     "assignee_name", have_u ? json_string(u.name) : json_null(), "group_id",
                     group_id ? json_integer(group_id) : json_null(), "group_name",
                     have_g ? json_string(g.name) : json_null());
}

int desk_ticket_assign_on(garant_store_conn *w, const desk_actor *who, const garant_ticket *t, int set_assignee,
                          int64_t assignee_id, int set_group, int64_t group_id, int skip_same, int *changed)
{
    int rc;
    *changed = 0;
    int64_t assignee = set_assignee ? assignee_id : t->assignee_id;
    int64_t group = set_group ? group_id : t->group_id;
    if (set_assignee && assignee && (rc = check_staff(w, assignee, "assignee_id"))) return rc;
    if (set_group && group) {
        garant_group g;
        rc = GS(w)->groups->get(w, group, &g);
        if (rc == GARANT_ENOTFOUND)
            return garant__error(GARANT_EINVAL, "'group_id': there is no group %lld", (long long)group);
        if (rc) return rc;
    }
    if (assignee && group) {
        int member = 0;
        if ((rc = GS(w)->groups->is_member(w, group, assignee, &member))) return rc;
        if (!member)
            return garant__error(GARANT_EINVAL,
                                 "user %lld is not a member of group %lld: assign within the group, or change "
                                 "the group too",
                                 (long long)assignee, (long long)group);
    }
    if (assignee == t->assignee_id && group == t->group_id) {
        if (skip_same) return 0;
        return garant__error(GARANT_EINVAL, "ticket %lld is assigned so already", (long long)t->id);
    }
    if ((rc = GS(w)->tickets->set_assignment(w, t->id, assignee, group))) return rc;
    json_t *data =
        json_pack("{s:o,s:o}", "from", side(w, t->assignee_id, t->group_id), "to", side(w, assignee, group));
    if (!data) return garant__error(GARANT_ENOMEM, "out of memory recording the assignment");
    garant_event_in ev = {t->id, who->now, who->user->id, "assigned", data};
    rc = GS(w)->tickets->append_event(w, &ev);
    json_decref(data);
    if (!rc) *changed = 1;
    return rc;
}

static int assign_write(garant_store_conn *w, void *ctx)
{
    assign_job *j = ctx;
    garant_ticket t;
    int rc = GS(w)->tickets->get(w, j->id, &t);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "ticket %lld not found", (long long)j->id);
    if (rc) return rc;
    int changed;
    return desk_ticket_assign_on(w, j->who, &t, j->set_assignee, j->assignee_id, j->set_group, j->group_id, 0,
                                 &changed);
}

int desk_ticket_assign(garant_desk *d, const desk_actor *who, int64_t id, int set_assignee, int64_t assignee_id,
                       int set_group, int64_t group_id)
{
    assign_job j = {who, id, set_assignee, set_group, assignee_id, group_id};
    return desk_write(d, assign_write, &j, DESK_WRITE_SAVEPOINT);
}

/* ---- routing ----------------------------------------------------------- */

int desk_route_new_ticket(garant_store_conn *w, garant_ticket *t)
{
    garant_group g;
    int rc = GS(w)->groups->default_group(w, &g);
    if (rc == GARANT_ENOTFOUND) return 0;
    if (rc) return rc;
    t->group_id = g.id;
    if (!g.round_robin || t->assignee_id) return 0;
    return GS(w)->groups->next_in_turn(w, g.id, &t->assignee_id);
}
