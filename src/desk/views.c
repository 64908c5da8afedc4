/*
** views.c - saved views (desk_views.h): who sees, changes and shares a
** view, its name, and how many one agent keeps. Each write is a job of
** the write path that reads its checks itself, so two agents saving at
** once cannot pass the limit or share a name.
*/
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "desk_views.h"

static int is_admin(const garant_user *u) { return u->role == GARANT_ROLE_ADMIN; }

/* *out 1 if u sees v: their own, one shared with a group of theirs, or,
** for an admin, any shared one. */
static int may_see(int *out, garant_store_conn *c, const garant_user *u, const garant_view *v)
{
    *out = v->owner_id == u->id || (v->group_id && is_admin(u));
    if (*out || !v->group_id) return 0;
    return GS(c)->groups->is_member(c, v->group_id, u->id, out);
}

/* View id as who may see it: GARANT_ENOTFOUND otherwise. */
static int visible(garant_view *out, garant_store_conn *c, const garant_user *u, int64_t id)
{
    int rc = GS(c)->views->get(c, id, out), seen = 0;
    if (!rc) rc = may_see(&seen, c, u, out);
    if (rc == GARANT_ENOTFOUND || (!rc && !seen))
        return garant__error(GARANT_ENOTFOUND, "view %lld not found", (long long)id);
    return rc;
}

/* The name without its surrounding spaces, into dst: 1 to
** GARANT_MAX_VIEW_NAME characters (the door has checked UTF-8), no
** control character. */
static int clean_name(char *dst, size_t cap, const char *name)
{
    while (*name == ' ') name++;
    size_t n = strlen(name), chars = 0;
    while (n && name[n - 1] == ' ') n--;
    if (!n) return garant__error(GARANT_EINVAL, "'name' must not be empty");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f)
            return garant__error(GARANT_EINVAL, "'name' contains a control character (byte %zu)", i);
        chars += (ch & 0xc0) != 0x80;
    }
    if (chars > GARANT_MAX_VIEW_NAME || n >= cap)
        return garant__error(GARANT_EINVAL, "'name' is longer than %d characters", GARANT_MAX_VIEW_NAME);
    memcpy(dst, name, n);
    dst[n] = '\0';
    return 0;
}

/* May who share a view with group id: it exists, and they are a member of
** it or an admin. */
static int check_share(garant_store_conn *w, const garant_user *u, int64_t group_id)
{
    garant_group g;
    int rc = GS(w)->groups->get(w, group_id, &g);
    if (rc == GARANT_ENOTFOUND)
        return garant__error(GARANT_EINVAL, "'group_id': there is no group %lld", (long long)group_id);
    if (rc || is_admin(u)) return rc;
    int member = 0;
    if ((rc = GS(w)->groups->is_member(w, group_id, u->id, &member))) return rc;
    if (!member)
        return garant__error(GARANT_EPERM, "you are not a member of group %lld (%s): share views with your own groups",
                             (long long)group_id, g.name);
    return 0;
}

/* ch applied to v, checked. */
static int apply(garant_view *v, garant_store_conn *w, const garant_user *u, const desk_view_change *ch)
{
    int rc;
    if (ch->name && (rc = clean_name(v->name, sizeof v->name, ch->name))) return rc;
    if (ch->query) {
        if (strlen(ch->query) >= sizeof v->query)
            return garant__error(GARANT_EINVAL, "'query' is longer than %d bytes", GARANT_MAX_VIEW_QUERY);
        memcpy(v->query, ch->query, strlen(ch->query) + 1);
    }
    if (ch->set_group) {
        if (ch->group_id < 0) return garant__error(GARANT_EINVAL, "'group_id' must be a group id, or null or 0 for none");
        if (ch->group_id && ch->group_id != v->group_id && (rc = check_share(w, u, ch->group_id))) return rc;
        v->group_id = ch->group_id;
    }
    return 0;
}

static int name_taken(int rc, const garant_view *v)
{
    if (rc == GARANT_ECONFLICT)
        return garant__error(GARANT_ECONFLICT, "a view named \"%s\" exists already (names are unique per owner)",
                             v->name);
    return rc;
}

typedef struct view_job {
    const desk_actor *who;
    int64_t id;
    const desk_view_change *ch;
    garant_view *out;
} view_job;

static int create_write(garant_store_conn *w, void *ctx)
{
    view_job *j = ctx;
    const garant_user *u = j->who->user;
    garant_view *v = j->out;
    memset(v, 0, sizeof *v);
    v->owner_id = u->id;
    v->created_at = v->updated_at = j->who->now;
    if (!j->ch->name || !j->ch->query) return garant__error(GARANT_EINVAL, "a view needs a 'name' and a 'query'");
    int64_t owned = 0;
    int rc = GS(w)->views->count_owned(w, u->id, &owned);
    if (rc) return rc;
    if (owned >= DESK_MAX_VIEWS)
        return garant__error(GARANT_EINVAL, "you keep %lld views, the most an agent may: delete one first",
                             (long long)owned);
    if ((rc = apply(v, w, u, j->ch))) return rc;
    if ((rc = name_taken(GS(w)->views->insert(w, v), v))) return rc;
    return GS(w)->views->get(w, v->id, v);
}

/* The view as who may change it: its owner, or an admin a shared one. */
static int changeable(garant_view *out, garant_store_conn *w, const garant_user *u, int64_t id)
{
    int rc = visible(out, w, u, id);
    if (rc) return rc;
    if (out->owner_id != u->id && !(is_admin(u) && out->group_id))
        return garant__error(GARANT_EPERM, "view %lld is %s's: only they or an admin may change it", (long long)id,
                             out->owner_name);
    return 0;
}

static int update_write(garant_store_conn *w, void *ctx)
{
    view_job *j = ctx;
    const garant_user *u = j->who->user;
    garant_view *v = j->out;
    int rc = changeable(v, w, u, j->id);
    if (rc) return rc;
    if (!j->ch->name && !j->ch->query && !j->ch->set_group)
        return garant__error(GARANT_EINVAL, "nothing to change: give 'name', 'query' or 'group_id'");
    rc = apply(v, w, u, j->ch);
    if (rc) return rc;
    v->updated_at = j->who->now;
    if ((rc = name_taken(GS(w)->views->update(w, v), v))) return rc;
    return GS(w)->views->get(w, v->id, v);
}

static int delete_write(garant_store_conn *w, void *ctx)
{
    view_job *j = ctx;
    int rc = changeable(j->out, w, j->who->user, j->id);
    if (!rc) rc = GS(w)->views->remove(w, j->id);
    return rc;
}

int desk_view_create(garant_view *out, garant_desk *d, const desk_actor *who, const desk_view_change *ch)
{
    memset(out, 0, sizeof *out);
    view_job j = {who, 0, ch, out};
    return desk_write(d, create_write, &j, DESK_WRITE_SAVEPOINT);
}

int desk_view_update(garant_view *out, garant_desk *d, const desk_actor *who, int64_t id,
                     const desk_view_change *ch)
{
    memset(out, 0, sizeof *out);
    view_job j = {who, id, ch, out};
    return desk_write(d, update_write, &j, DESK_WRITE_SAVEPOINT);
}

int desk_view_delete(garant_desk *d, const desk_actor *who, int64_t id)
{
    garant_view v;
    view_job j = {who, id, NULL, &v};
    return desk_write(d, delete_write, &j, DESK_WRITE_SAVEPOINT);
}

int desk_view_get(garant_view *out, garant_store_conn *c, const desk_actor *who, int64_t id)
{
    return visible(out, c, who->user, id);
}

int desk_view_list(garant_view **out, size_t *n, garant_store_conn *c, const desk_actor *who)
{
    return GS(c)->views->list_for(c, who->user->id, is_admin(who->user), out, n);
}
