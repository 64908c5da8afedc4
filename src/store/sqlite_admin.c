/*
** sqlite_admin.c - the SQLite side of store_admin.h: roles, deactivated
** organizations, product stages by policy version, a ticket's counted
** stage, the append-only audit trail (schema migration 11), and an
** organization's members: visibility, approval, managers (migration 20).
*/
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "sqlite_internal.h"

/* One integer from a one-row query bound with id (0 binds nothing). */
static int one_int(gs_sqlite_conn *c, const char *sql, int64_t id, int64_t *out, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    if (id) sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE) err = garant__error(GARANT_ENOTFOUND, "%s: not found", what);
    else err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

/* ---- roles ---- */

static const char SQL_ADMIN_COUNT[] =
    "SELECT count(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL";
/* A manager's flag and an approval state are one organization's: they
** stay only while the user stays its customer (store_admin.h). */
static const char SQL_USER_SET_ROLE[] =
    "UPDATE users SET role = ?2, org_id = ?3,"
    " org_manager = CASE WHEN ?2 = 'customer' AND org_id IS ?3 THEN org_manager ELSE 0 END,"
    " approval = CASE WHEN ?2 = 'customer' AND org_id IS ?3 THEN approval ELSE NULL END"
    " WHERE id = ?1";

static int ad_admin_count(garant_store_conn *gc, int64_t *out)
{
    return one_int(gs_sqlite(gc), SQL_ADMIN_COUNT, 0, out, "counting active admins");
}

/* The schema's CHECK holds role and organization together: a customer has
** one, staff none. */
static int ad_user_set_role(garant_store_conn *gc, int64_t id, garant_role role, int64_t org_id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    if ((role == GARANT_ROLE_CUSTOMER) != (org_id != 0))
        return garant__error(GARANT_EINVAL, "%s: a customer belongs to an organization, staff to none", what);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_ROLE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    gs_sqlite_bind_int64_or_null(st, 3, org_id);
    int rc = gs_sqlite_bind_text(st, 2, garant_role_name(role));
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_update(c, st, what);
}

/* ---- organizations ---- */

static const char SQL_ORG_DEACTIVATED_AT[] = "SELECT deactivated_at FROM orgs WHERE id = ?1";
static const char SQL_ORG_SET_DEACTIVATED[] = "UPDATE orgs SET deactivated_at = ?2 WHERE id = ?1";
static const char SQL_ORG_REVOKE_SESSIONS[] =
    "UPDATE sessions SET revoked_at = ?2 WHERE revoked_at IS NULL AND user_id IN"
    " (SELECT id FROM users WHERE org_id = ?1 AND deactivated_at IS NULL)";
static const char SQL_ORG_USERS_OFF[] =
    "UPDATE users SET deactivated_at = ?2, deactivated_with_org = 1 WHERE org_id = ?1 AND deactivated_at IS NULL";
/* A member refused while her organization was deactivated stays out. */
static const char SQL_ORG_USERS_ON[] = "UPDATE users SET deactivated_at = NULL, deactivated_with_org = NULL"
                                       " WHERE org_id = ?1 AND deactivated_with_org = 1"
                                       " AND approval IS NOT 'refused'";
static const char SQL_USER_OFF_WITH_ORG[] =
    "UPDATE users SET deactivated_at = ?2, deactivated_with_org = 1 WHERE id = ?1";

static int ad_org_deactivated_at(garant_store_conn *gc, int64_t id, int64_t *out_at)
{
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    return one_int(gs_sqlite(gc), SQL_ORG_DEACTIVATED_AT, id, out_at, what);
}

static int exec_id_at(gs_sqlite_conn *c, const char *sql, int64_t id, int64_t at, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    gs_sqlite_bind_int64_or_null(st, 2, at);
    return gs_sqlite_exec_stmt(c, st, what);
}

/* Users deactivated with their organization are marked so; that is how
** reactivating it tells them from users an admin deactivated alone. */
static int ad_org_set_deactivated(garant_store_conn *gc, int64_t id, int64_t at, int64_t *out_users)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    static const char what[] = "admin.org_set_deactivated";
    int64_t was = 0;
    int err = ad_org_deactivated_at(gc, id, &was);
    if (err) return err;
    *out_users = 0;
    if (!at == !was) return 0;
    if (at) {
        err = exec_id_at(c, SQL_ORG_REVOKE_SESSIONS, id, at, what);
        if (!err) err = exec_id_at(c, SQL_ORG_USERS_OFF, id, at, what);
    } else {
        err = exec_id_at(c, SQL_ORG_USERS_ON, id, was, what);
    }
    if (err) return err;
    *out_users = sqlite3_changes(c->db);
    return exec_id_at(c, SQL_ORG_SET_DEACTIVATED, id, at, what);
}

static int ad_user_deactivate_with_org(garant_store_conn *gc, int64_t id, int64_t at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_OFF_WITH_ORG, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return gs_sqlite_exec_update(c, st, what);
}

/* ---- products ---- */

static const char SQL_PRODUCT_GET[] = "SELECT id, name, stage, created_at FROM products WHERE id = ?1";
static const char SQL_PRODUCT_SET_STAGE[] = "UPDATE products SET stage = ?2 WHERE id = ?1";
/* The stage of each product under version ?1: the newest change at or
** before it, else what the first change after it changed from, else the
** product's stage (never changed). */
static const char SQL_PRODUCT_STAGES_AT[] =
    "SELECT p.name, COALESCE("
    " (SELECT a.new_value FROM audit a WHERE a.action = 'product_stage' AND a.subject_id = p.id"
    "  AND a.policy_version <= ?1 ORDER BY a.policy_version DESC, a.id DESC LIMIT 1),"
    " (SELECT a.old_value FROM audit a WHERE a.action = 'product_stage' AND a.subject_id = p.id"
    "  AND a.policy_version > ?1 ORDER BY a.policy_version, a.id LIMIT 1),"
    " p.stage) FROM products p ORDER BY p.name";

static int ad_product_get(garant_store_conn *gc, int64_t id, garant_product *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRODUCT_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        gs_sqlite_text(out->name, sizeof out->name, st, 1);
        gs_sqlite_text(out->stage, sizeof out->stage, st, 2);
        out->created_at = sqlite3_column_int64(st, 3);
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "product %lld not found", (long long)id);
    } else {
        err = gs_sqlite_fail(c, rc, "reading a product");
    }
    sqlite3_reset(st);
    return err;
}

static int ad_product_set_stage(garant_store_conn *gc, int64_t id, const char *stage)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "product %lld", (long long)id);
    if (!stage || !*stage || strlen(stage) > GARANT_MAX_KEY)
        return garant__error(GARANT_EINVAL, "%s: a stage of 1 to %d bytes", what, GARANT_MAX_KEY);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRODUCT_SET_STAGE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = gs_sqlite_bind_text(st, 2, stage);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_update(c, st, what);
}

static int read_product_stage(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_product_stage *p = row;
    gs_sqlite_text(p->product, sizeof p->product, st, 0);
    gs_sqlite_text(p->stage, sizeof p->stage, st, 1);
    return 0;
}

static int ad_product_stages_at(garant_store_conn *gc, int64_t version, garant_product_stage **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    static const char what[] = "admin.product_stages_at";
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRODUCT_STAGES_AT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, version);
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_product_stage, NULL, &rows, out_n, what)))
        return err;
    *out = rows;
    return 0;
}

static const char SQL_STAGE_CHANGES[] =
    "SELECT a.policy_version, p.name, a.old_value, a.new_value FROM audit a JOIN products p ON p.id = a.subject_id"
    " WHERE a.action = 'product_stage' ORDER BY a.policy_version, a.id";

static int read_stage_change(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_stage_change *ch = row;
    ch->policy_version = sqlite3_column_int64(st, 0);
    gs_sqlite_text(ch->product, sizeof ch->product, st, 1);
    gs_sqlite_text(ch->old_value, sizeof ch->old_value, st, 2);
    gs_sqlite_text(ch->new_value, sizeof ch->new_value, st, 3);
    return 0;
}

static int ad_stage_changes(garant_store_conn *gc, garant_stage_change **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_STAGE_CHANGES, &st);
    if (err) return err;
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_stage_change, NULL, &rows, out_n,
                              "admin.stage_changes")))
        return err;
    *out = rows;
    return 0;
}

/* ---- tickets ---- */

/* filed_stage keeps the stage as filed the first time it changes
** (migration 11's trigger allows nothing else). */
static const char SQL_TICKET_SET_STAGE[] =
    "UPDATE tickets SET filed_stage = COALESCE(filed_stage, stage), stage = ?2 WHERE id = ?1 AND stage IS NOT ?2";
static const char SQL_TICKET_EXISTS[] = "SELECT id FROM tickets WHERE id = ?1";

static int ad_ticket_set_stage(garant_store_conn *gc, int64_t id, const char *stage)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "ticket %lld", (long long)id);
    int64_t found = 0;
    int err = one_int(c, SQL_TICKET_EXISTS, id, &found, what);
    if (err) return err;
    if (!stage || !*stage || strlen(stage) > GARANT_MAX_KEY)
        return garant__error(GARANT_EINVAL, "%s: a stage of 1 to %d bytes", what, GARANT_MAX_KEY);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_TICKET_SET_STAGE, &st))) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = gs_sqlite_bind_text(st, 2, stage);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_stmt(c, st, what);
}

/* ---- the audit trail ---- */

static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit (at, by_user, action, subject_id, old_value, new_value, policy_version)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_AUDIT_LIST[] =
    "SELECT a.id, a.at, a.by_user, u.email, a.action, a.subject_id, a.old_value, a.new_value, a.policy_version"
    " FROM audit a LEFT JOIN users u ON u.id = a.by_user ORDER BY a.id DESC LIMIT ?1";

static int ad_audit_insert(garant_store_conn *gc, const garant_audit_in *row)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    static const char what[] = "admin.audit_insert";
    assert(row && row->action);
    if ((row->old_value && strlen(row->old_value) > GARANT_MAX_NAME) ||
        (row->new_value && strlen(row->new_value) > GARANT_MAX_NAME))
        return garant__error(GARANT_ELIMIT, "%s: a value longer than %d bytes", what, GARANT_MAX_NAME);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_AUDIT_INSERT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, row->at);
    gs_sqlite_bind_int64_or_null(st, 2, row->by_user);
    sqlite3_bind_int64(st, 4, row->subject_id);
    gs_sqlite_bind_int64_or_null(st, 7, row->policy_version);
    int rc = gs_sqlite_bind_text(st, 3, row->action);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 5, row->old_value);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 6, row->new_value);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_stmt(c, st, what);
}

static int read_audit_row(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_audit_row *a = row;
    a->id = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    a->by_user = sqlite3_column_int64(st, 2); /* NULL reads as 0 */
    gs_sqlite_text(a->by_email, sizeof a->by_email, st, 3);
    gs_sqlite_text(a->action, sizeof a->action, st, 4);
    a->subject_id = sqlite3_column_int64(st, 5);
    a->has_old_value = sqlite3_column_type(st, 6) != SQLITE_NULL;
    gs_sqlite_text(a->old_value, sizeof a->old_value, st, 6);
    a->has_new_value = sqlite3_column_type(st, 7) != SQLITE_NULL;
    gs_sqlite_text(a->new_value, sizeof a->new_value, st, 7);
    a->policy_version = sqlite3_column_int64(st, 8);
    return 0;
}

static int ad_audit_list(garant_store_conn *gc, int limit, garant_audit_row **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    *out_n = 0;
    if (limit < 1 || limit > GARANT_MAX_AUDIT_LIST)
        return garant__error(GARANT_EINVAL, "admin.audit_list: limit must be 1 to %d", GARANT_MAX_AUDIT_LIST);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_AUDIT_LIST, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, limit);
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, (size_t)limit, read_audit_row, NULL, &rows, out_n,
                              "admin.audit_list")))
        return err;
    *out = rows;
    return 0;
}

/* ---- organization members ---- */

static const char SQL_ORG_SET_VISIBILITY[] = "UPDATE orgs SET ticket_visibility = ?2 WHERE id = ?1";
static const char SQL_ORG_SET_APPROVAL[] = "UPDATE orgs SET approval_required = ?2 WHERE id = ?1";
/* Staff are refused by the WHERE (and by the schema's CHECK): no row
** changes, and a second look tells a staff member from no one. */
static const char SQL_USER_SET_MANAGER[] =
    "UPDATE users SET org_manager = ?2 WHERE id = ?1 AND (role = 'customer' OR ?2 = 0)";
static const char SQL_USER_SET_APPROVAL[] =
    "UPDATE users SET approval = ?2 WHERE id = ?1 AND (role = 'customer' OR ?2 IS NULL)";
static const char SQL_USER_EXISTS[] = "SELECT id FROM users WHERE id = ?1";
static const char SQL_ORG_MANAGERS[] =
    "SELECT id, email, name FROM users WHERE org_id = ?1 AND org_manager = 1"
    " AND verified_at IS NOT NULL AND deactivated_at IS NULL AND approval IS NOT 'pending'"
    " ORDER BY id LIMIT ?2";

static int ad_org_set_visibility(garant_store_conn *gc, int64_t id, const char *visibility)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    if (!visibility || (strcmp(visibility, GARANT_VISIBILITY_ORG) != 0 && strcmp(visibility, GARANT_VISIBILITY_OWN) != 0))
        return garant__error(GARANT_EINVAL, "%s: ticket visibility must be '%s' or '%s'", what, GARANT_VISIBILITY_ORG,
                             GARANT_VISIBILITY_OWN);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ORG_SET_VISIBILITY, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = gs_sqlite_bind_text(st, 2, visibility);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_update(c, st, what);
}

static int ad_org_set_approval_required(garant_store_conn *gc, int64_t id, int on)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ORG_SET_APPROVAL, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, on ? 1 : 0);
    return gs_sqlite_exec_update(c, st, what);
}

/* Run a user update whose WHERE leaves staff out: no row changed is
** ENOTFOUND for no such user, else EINVAL saying what staff cannot have. */
static int exec_customer_update(gs_sqlite_conn *c, sqlite3_stmt *st, int64_t id, const char *what, const char *staff)
{
    int err = gs_sqlite_exec_stmt(c, st, what);
    if (err || sqlite3_changes(c->db) > 0) return err;
    int64_t found = 0;
    if ((err = one_int(c, SQL_USER_EXISTS, id, &found, what))) return err;
    return garant__error(GARANT_EINVAL, "%s is staff: %s", what, staff);
}

static int ad_user_set_org_manager(garant_store_conn *gc, int64_t id, int on)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_MANAGER, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, on ? 1 : 0);
    return exec_customer_update(c, st, id, what, "only a customer manages her organization");
}

static int ad_user_set_approval(garant_store_conn *gc, int64_t id, garant_approval a)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    if ((int)a < GARANT_APPROVAL_NONE || (int)a > GARANT_APPROVAL_REFUSED)
        return garant__error(GARANT_EINVAL, "%s: unknown approval state %d", what, (int)a);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_APPROVAL, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    const char *name = garant_approval_name(a);
    int rc = name ? gs_sqlite_bind_text(st, 2, name) : sqlite3_bind_null(st, 2);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return exec_customer_update(c, st, id, what, "only a customer waits for her organization's approval");
}

static int ad_org_managers(garant_store_conn *gc, int64_t org_id, garant_user *out, size_t max, size_t *out_n)
{
    static const char what[] = "admin.org_managers";
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out_n = 0;
    if (!max) return 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ORG_MANAGERS, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int64(st, 2, (int64_t)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        garant_user *u = &out[(*out_n)++];
        memset(u, 0, sizeof *u);
        u->id = sqlite3_column_int64(st, 0);
        gs_sqlite_text(u->email, sizeof u->email, st, 1);
        gs_sqlite_text(u->name, sizeof u->name, st, 2);
        u->role = GARANT_ROLE_CUSTOMER;
        u->org_id = org_id;
        u->org_manager = 1;
        u->verified_at = 1; /* verified: the query's condition */
    }
    if (rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

const garant_store_admin_ops gs_sqlite_admin_ops = {
    .admin_count = ad_admin_count,
    .user_set_role = ad_user_set_role,
    .org_deactivated_at = ad_org_deactivated_at,
    .org_set_deactivated = ad_org_set_deactivated,
    .user_deactivate_with_org = ad_user_deactivate_with_org,
    .product_get = ad_product_get,
    .product_set_stage = ad_product_set_stage,
    .product_stages_at = ad_product_stages_at,
    .stage_changes = ad_stage_changes,
    .ticket_set_stage = ad_ticket_set_stage,
    .audit_insert = ad_audit_insert,
    .audit_list = ad_audit_list,
    .org_set_visibility = ad_org_set_visibility,
    .org_set_approval_required = ad_org_set_approval_required,
    .user_set_org_manager = ad_user_set_org_manager,
    .user_set_approval = ad_user_set_approval,
    .org_managers = ad_org_managers,
};
