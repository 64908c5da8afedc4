/*
** sqlite_inbound.c - the SQLite backend's side of inbound mail
** (store_inbound.h): users.bounced_at and bounce_reason, and the table
** mail_autoreplies, both of the migration "inbound mail loops and bounces".
*/
#include <assert.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

static const char SQL_SENT_TO[] =
    "SELECT 1 FROM mail_outbox WHERE message_id = ?1 AND recipient = ?2 COLLATE NOCASE LIMIT 1";

static int inbound_sent_to(garant_store_conn *conn, const char *message_id, const char *recipient, int *out)
{
    static const char what[] = "inbound.sent_to";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SENT_TO, &st);
    if (err) return err;
    int rc = gs_sqlite_bind_text(st, 1, message_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, recipient);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = 1;
    err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

static const char SQL_BOUNCE_SET[] =
    "UPDATE users SET bounced_at = ?2, bounce_reason = substr(?3, 1, 200) WHERE email = ?1 RETURNING id";

static int inbound_bounce_set(garant_store_conn *conn, const char *email, int64_t at, const char *reason,
                              int64_t *out_user_id)
{
    static const char what[] = "inbound.bounce_set";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_user_id = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_BOUNCE_SET, &st);
    if (err) return err;
    int rc = gs_sqlite_bind_text(st, 1, email);
    sqlite3_bind_int64(st, 2, at);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, reason ? reason : "");
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) *out_user_id = sqlite3_column_int64(st, 0);
    }
    err = rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

static const char SQL_BOUNCE_CLEAR[] =
    "UPDATE users SET bounced_at = NULL, bounce_reason = NULL WHERE id = ?1 AND bounced_at IS NOT NULL";

static int inbound_bounce_clear(garant_store_conn *conn, int64_t user_id)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_BOUNCE_CLEAR, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    return gs_sqlite_exec_stmt(c, st, "inbound.bounce_clear");
}

static const char SQL_BOUNCE_GET[] = "SELECT bounced_at, bounce_reason FROM users WHERE id = ?1";

static int inbound_bounce_get(garant_store_conn *conn, int64_t user_id, int64_t *out_at, char *reason, size_t cap)
{
    static const char what[] = "inbound.bounce_get";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(cap > 0);
    *out_at = 0;
    reason[0] = '\0';
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_BOUNCE_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *out_at = sqlite3_column_int64(st, 0);
        gs_sqlite_text(reason, cap, st, 1);
    }
    err = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_AUTOREPLY_PRUNE[] = "DELETE FROM mail_autoreplies WHERE address = ?1 AND sent_at < ?2";
static const char SQL_AUTOREPLY_COUNT[] = "SELECT count(*) FROM mail_autoreplies WHERE address = ?1 AND sent_at >= ?2";
static const char SQL_AUTOREPLY_ADD[] = "INSERT INTO mail_autoreplies (address, sent_at) VALUES (?1, ?2)";

static int inbound_autoreply_take(garant_store_conn *conn, const char *address, int64_t now, int64_t since, int max,
                                  int *out_allowed)
{
    static const char what[] = "inbound.autoreply_take";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_allowed = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_AUTOREPLY_PRUNE, &st);
    if (err) return err;
    int rc = gs_sqlite_bind_text(st, 1, address);
    sqlite3_bind_int64(st, 2, since);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    sqlite3_clear_bindings(st);
    if (err) return err;
    if ((err = gs_sqlite_prepare(c, SQL_AUTOREPLY_COUNT, &st))) return err;
    rc = gs_sqlite_bind_text(st, 1, address);
    sqlite3_bind_int64(st, 2, since);
    int64_t n = 0;
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    err = rc == SQLITE_ROW ? 0 : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (err || n >= max) return err;
    if ((err = gs_sqlite_prepare(c, SQL_AUTOREPLY_ADD, &st))) return err;
    rc = gs_sqlite_bind_text(st, 1, address);
    sqlite3_bind_int64(st, 2, now);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    sqlite3_clear_bindings(st);
    if (!err) *out_allowed = 1;
    return err;
}

const garant_store_inbound_ops gs_sqlite_inbound_ops = {
    .sent_to = inbound_sent_to,
    .bounce_set = inbound_bounce_set,
    .bounce_clear = inbound_bounce_clear,
    .bounce_get = inbound_bounce_get,
    .autoreply_take = inbound_autoreply_take,
};
