/*
** sqlite_views.c - the SQLite side of store_views.h: saved views
** (migration 19 at the time of writing: saved_views). A name is unique per
** owner through the table's UNIQUE (owner_id, name) with name COLLATE
** NOCASE; a group's deletion unshares its views (ON DELETE SET NULL), a
** user's deletion takes theirs (ON DELETE CASCADE).
*/
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* The columns read_view expects. */
#define VIEW_COLS                                                                                 \
    "v.id, v.owner_id, v.group_id, v.name, v.query, v.created_at, v.updated_at,"                  \
    " (SELECT name FROM users WHERE id = v.owner_id), (SELECT name FROM agent_groups WHERE id = v.group_id)"

static void read_view(sqlite3_stmt *st, garant_view *v)
{
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(st, 0);
    v->owner_id = sqlite3_column_int64(st, 1);
    v->group_id = sqlite3_column_int64(st, 2); /* NULL reads as 0 */
    gs_sqlite_text(v->name, sizeof v->name, st, 3);
    gs_sqlite_text(v->query, sizeof v->query, st, 4);
    v->created_at = sqlite3_column_int64(st, 5);
    v->updated_at = sqlite3_column_int64(st, 6);
    gs_sqlite_text(v->owner_name, sizeof v->owner_name, st, 7);
    gs_sqlite_text(v->group_name, sizeof v->group_name, st, 8);
}

/* A view's texts fit its columns (the table's CHECKs say so again). */
static int check_texts(const garant_view *v, const char *what)
{
    if (!v->name[0]) return garant__error(GARANT_EINVAL, "%s: a view needs a name", what);
    if (strnlen(v->name, sizeof v->name) >= sizeof v->name || strnlen(v->query, sizeof v->query) >= sizeof v->query)
        return garant__error(GARANT_ELIMIT, "%s: name or query too long", what);
    return 0;
}

/* Bind a group id, NULL for none. */
static void bind_group(sqlite3_stmt *st, int i, int64_t group_id)
{
    if (group_id) sqlite3_bind_int64(st, i, group_id);
    else sqlite3_bind_null(st, i);
}

static const char SQL_INSERT[] = "INSERT INTO saved_views (owner_id, group_id, name, query, created_at, updated_at)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static int vw_insert(garant_store_conn *conn, garant_view *io)
{
    static const char what[] = "views.insert";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int err = check_texts(io, what);
    sqlite3_stmt *st;
    if (!err) err = gs_sqlite_prepare(c, SQL_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, io->owner_id);
    bind_group(st, 2, io->group_id);
    int rc = gs_sqlite_bind_text(st, 3, io->name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 4, io->query);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    sqlite3_bind_int64(st, 5, io->created_at);
    sqlite3_bind_int64(st, 6, io->updated_at);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static const char SQL_GET[] = "SELECT " VIEW_COLS " FROM saved_views v WHERE v.id = ?1";

static int vw_get(garant_store_conn *conn, int64_t id, garant_view *out)
{
    static const char what[] = "views.get";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_view(st, out);
    else if (rc == SQLITE_DONE) err = garant__error(GARANT_ENOTFOUND, "%s: view %lld not found", what, (long long)id);
    else err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_UPDATE[] =
    "UPDATE saved_views SET name = ?2, query = ?3, group_id = ?4, updated_at = ?5 WHERE id = ?1";

static int vw_update(garant_store_conn *conn, const garant_view *v)
{
    static const char what[] = "views.update";
    gs_sqlite_conn *c = gs_sqlite(conn);
    int err = check_texts(v, what);
    sqlite3_stmt *st;
    if (!err) err = gs_sqlite_prepare(c, SQL_UPDATE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, v->id);
    int rc = gs_sqlite_bind_text(st, 2, v->name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, v->query);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    bind_group(st, 4, v->group_id);
    sqlite3_bind_int64(st, 5, v->updated_at);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: view %lld not found", what, (long long)v->id);
    return 0;
}

static const char SQL_DELETE[] = "DELETE FROM saved_views WHERE id = ?1";

static int vw_remove(garant_store_conn *conn, int64_t id)
{
    static const char what[] = "views.remove";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_DELETE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: view %lld not found", what, (long long)id);
    return 0;
}

static const char SQL_COUNT[] = "SELECT count(*) FROM saved_views WHERE owner_id = ?1";

static int vw_count_owned(garant_store_conn *conn, int64_t owner_id, int64_t *out)
{
    static const char what[] = "views.count_owned";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_COUNT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, owner_id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : gs_sqlite_fail(c, rc, what);
}

/* Own views first (mine = 0 sorts first), then the shared ones of others:
** with ?2 every shared view, else those of the groups ?1 is a member of
** (the index saved_views_group serves both). */
static const char SQL_LIST[] =
    "SELECT " VIEW_COLS " FROM ("
    "  SELECT id, 0 AS part FROM saved_views WHERE owner_id = ?1"
    "  UNION ALL"
    "  SELECT id, 1 FROM saved_views WHERE group_id IS NOT NULL AND owner_id <> ?1"
    "   AND (?2 OR group_id IN (SELECT group_id FROM agent_group_members WHERE user_id = ?1))"
    " ) p JOIN saved_views v ON v.id = p.id ORDER BY p.part, v.name, v.id LIMIT ?3";

static int vw_list_for(garant_store_conn *conn, int64_t user_id, int every_shared, garant_view **out, size_t *n)
{
    static const char what[] = "views.list_for";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LIST, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, every_shared != 0);
    sqlite3_bind_int(st, 3, GARANT_MAX_VIEWS_LISTED);
    garant_view *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (garant__grow((void **)&v, &cap, len + 1, sizeof *v) != 0) {
            err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
            break;
        }
        read_view(st, &v[len++]);
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) {
        free(v);
        return err;
    }
    *out = v;
    *n = len;
    return 0;
}

const garant_store_views_ops gs_sqlite_views_ops = {
    .insert = vw_insert,
    .get = vw_get,
    .update = vw_update,
    .remove = vw_remove,
    .count_owned = vw_count_owned,
    .list_for = vw_list_for,
};
