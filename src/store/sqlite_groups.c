/*
** sqlite_groups.c - the SQLite side of store_groups.h: groups of agents,
** their members, the default group and whose turn it is (migration 15 at
** the time of writing: agent_groups, agent_group_members).
*/
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

static void read_group(sqlite3_stmt *st, garant_group *g)
{
    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(g->name, sizeof g->name, st, 1);
    g->round_robin = sqlite3_column_int(st, 2);
    g->is_default = sqlite3_column_int(st, 3);
    g->created_at = sqlite3_column_int64(st, 4);
}

/* One group row from sql bound with id (0 binds nothing); ENOTFOUND. */
static int one_group(gs_sqlite_conn *c, const char *sql, int64_t id, garant_group *out, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    if (id) sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_group(st, out);
    else if (rc == SQLITE_DONE) err = garant__error(GARANT_ENOTFOUND, "%s: group %lld not found", what, (long long)id);
    else err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_CLEAR_DEFAULT[] = "UPDATE agent_groups SET is_default = 0 WHERE is_default = 1 AND id <> ?1";

/* The default flag moves: no other group keeps it. */
static int clear_default(gs_sqlite_conn *c, int64_t keep, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CLEAR_DEFAULT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, keep);
    return gs_sqlite_exec_stmt(c, st, what);
}

static const char SQL_INSERT[] =
    "INSERT INTO agent_groups (name, round_robin, is_default, created_at) VALUES (?1, ?2, ?3, ?4)";

static int gr_insert(garant_store_conn *conn, garant_group *g)
{
    static const char what[] = "groups.insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int err = g->is_default ? clear_default(c, 0, what) : 0;
    sqlite3_stmt *st;
    if (!err) err = gs_sqlite_prepare(c, SQL_INSERT, &st);
    if (err) return err;
    int rc = gs_sqlite_bind_text(st, 1, g->name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    sqlite3_bind_int(st, 2, g->round_robin != 0);
    sqlite3_bind_int(st, 3, g->is_default != 0);
    sqlite3_bind_int64(st, 4, g->created_at);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    g->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static const char SQL_GET[] = "SELECT id, name, round_robin, is_default, created_at FROM agent_groups WHERE id = ?1";

static int gr_get(garant_store_conn *conn, int64_t id, garant_group *out)
{
    return one_group(gs_sqlite(conn), SQL_GET, id, out, "groups.get");
}

static const char SQL_UPDATE[] = "UPDATE agent_groups SET name = ?2, round_robin = ?3, is_default = ?4 WHERE id = ?1";

static int gr_update(garant_store_conn *conn, const garant_group *g)
{
    static const char what[] = "groups.update";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int err = g->is_default ? clear_default(c, g->id, what) : 0;
    sqlite3_stmt *st;
    if (!err) err = gs_sqlite_prepare(c, SQL_UPDATE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, g->id);
    int rc = gs_sqlite_bind_text(st, 2, g->name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    sqlite3_bind_int(st, 3, g->round_robin != 0);
    sqlite3_bind_int(st, 4, g->is_default != 0);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: group %lld not found", what, (long long)g->id);
    return 0;
}

static const char SQL_IN_USE[] = "SELECT count(*) FROM tickets WHERE group_id = ?1";
static const char SQL_DELETE[] = "DELETE FROM agent_groups WHERE id = ?1";

static int gr_remove(garant_store_conn *conn, int64_t id)
{
    static const char what[] = "groups.remove";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_IN_USE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return gs_sqlite_fail(c, rc, what);
    if (n)
        return garant__error(GARANT_ECONFLICT, "group %lld has %lld ticket(s) assigned: assign them elsewhere first",
                             (long long)id, (long long)n);
    if ((err = gs_sqlite_prepare(c, SQL_DELETE, &st))) return err;
    sqlite3_bind_int64(st, 1, id);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: group %lld not found", what, (long long)id);
    return 0;
}

static const char SQL_MEMBERS_CLEAR[] = "DELETE FROM agent_group_members WHERE group_id = ?1";
static const char SQL_MEMBER_ADD[] = "INSERT OR IGNORE INTO agent_group_members (group_id, user_id) VALUES (?1, ?2)";

static int gr_set_members(garant_store_conn *conn, int64_t id, const int64_t *users, size_t n)
{
    static const char what[] = "groups.set_members";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (n > GARANT_MAX_GROUP_MEMBERS)
        return garant__error(GARANT_ELIMIT, "%s: more than %d members", what, GARANT_MAX_GROUP_MEMBERS);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_MEMBERS_CLEAR, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    for (size_t i = 0; i < n; i++) {
        if ((err = gs_sqlite_prepare(c, SQL_MEMBER_ADD, &st))) return err;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, users[i]);
        if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    }
    return 0;
}

static const char SQL_LIST[] =
    "SELECT id, name, round_robin, is_default, created_at FROM agent_groups ORDER BY name, id";
/* In the groups' order, so that the two merge in one pass. */
static const char SQL_LIST_MEMBERS[] =
    "SELECT m.group_id, u.id, u.name, u.email, u.role FROM agent_group_members m"
    " JOIN agent_groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id ORDER BY g.name, g.id, u.id";

static int read_group_entry(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_group_entry *e = row;
    read_group(st, &e->group);
    return 0;
}

/* Two queries merged in the groups' order: a member of a group the first
** query did not see (only outside a transaction) is skipped. Each group's
** members come together, so their places in the one array are set once
** it is whole. */
static int gr_list(garant_store_conn *conn, garant_group_list *out)
{
    static const char what[] = "groups.list";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    void *groups = NULL;
    int err = gs_sqlite_prepare(c, SQL_LIST, &st);
    if (!err) err = gs_sqlite_rows(c, st, sizeof *out->groups, GS_SQLITE_MAX_ROWS, read_group_entry, NULL, &groups,
                                   &out->n, what);
    if (err) return err;
    out->groups = groups;
    if ((err = gs_sqlite_prepare(c, SQL_LIST_MEMBERS, &st))) goto fail;
    size_t at = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t group_id = sqlite3_column_int64(st, 0);
        size_t k = at;
        while (k < out->n && out->groups[k].group.id != group_id) k++;
        if (k == out->n) continue;
        at = k;
        if (out->nmembers == cap) {
            size_t grown = cap ? 2 * cap : 16;
            garant_group_member *more = grown <= GS_SQLITE_MAX_ROWS ? realloc(out->members, grown * sizeof *more)
                                                                    : NULL;
            if (!more) {
                err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
                break;
            }
            out->members = more;
            cap = grown;
        }
        garant_group_member *m = &out->members[out->nmembers++];
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(st, 1);
        gs_sqlite_text(m->name, sizeof m->name, st, 2);
        gs_sqlite_text(m->email, sizeof m->email, st, 3);
        garant_role role = GARANT_ROLE_AGENT;
        garant_role_parse(&role, (const char *)sqlite3_column_text(st, 4));
        m->role = role;
        out->groups[at].nmembers++;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) goto fail;
    size_t first = 0;
    for (size_t i = 0; i < out->n; i++) {
        out->groups[i].members = out->groups[i].nmembers ? out->members + first : NULL;
        first += out->groups[i].nmembers;
    }
    return 0;
fail:
    garant_group_list_free(out);
    return err;
}

static const char SQL_IS_MEMBER[] = "SELECT 1 FROM agent_group_members WHERE group_id = ?1 AND user_id = ?2";

static int gr_is_member(garant_store_conn *conn, int64_t group_id, int64_t user_id, int *out)
{
    static const char what[] = "groups.is_member";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_IS_MEMBER, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
}

static const char SQL_DEFAULT[] =
    "SELECT id, name, round_robin, is_default, created_at FROM agent_groups WHERE is_default = 1";

static int gr_default(garant_store_conn *conn, garant_group *out)
{
    return one_group(gs_sqlite(conn), SQL_DEFAULT, 0, out, "groups.default");
}

/* The last routed ticket of the group (index tickets_round_robin) names
** whose turn it was; the next active staff member after that one by id
** has it now, the first one when none comes after. */
static const char SQL_NEXT[] =
    "WITH last(uid) AS (SELECT coalesce((SELECT filed_assignee_id FROM tickets"
    "   WHERE filed_group_id = ?1 AND filed_assignee_id IS NOT NULL ORDER BY id DESC LIMIT 1), 0)),"
    " eligible(uid) AS (SELECT m.user_id FROM agent_group_members m JOIN users u ON u.id = m.user_id"
    "   WHERE m.group_id = ?1 AND u.role IN ('agent', 'admin') AND u.deactivated_at IS NULL)"
    " SELECT coalesce((SELECT min(uid) FROM eligible WHERE uid > (SELECT uid FROM last)),"
    "                 (SELECT min(uid) FROM eligible), 0)";

static int gr_next_in_turn(garant_store_conn *conn, int64_t group_id, int64_t *out_user)
{
    static const char what[] = "groups.next_in_turn";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_NEXT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, group_id);
    int rc = sqlite3_step(st);
    *out_user = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : gs_sqlite_fail(c, rc, what);
}

const garant_store_groups_ops gs_sqlite_groups_ops = {
    .insert = gr_insert,
    .get = gr_get,
    .update = gr_update,
    .remove = gr_remove,
    .set_members = gr_set_members,
    .list = gr_list,
    .is_member = gr_is_member,
    .default_group = gr_default,
    .next_in_turn = gr_next_in_turn,
};
