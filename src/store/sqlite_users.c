/*
** sqlite_users.c - the SQLite backend's users, their list and the pending
** sign-ups: part of the accounts area (store_accounts.h; its table is in
** sqlite_accounts.c).
**
** E-mail addresses are compared and stored lower-case (ASCII only: the
** local part of an address is case-sensitive in theory, never in practice,
** and a user who signed up as Alice@X must be able to log in as alice@x).
** Passwords arrive as argon2id strings, never in clear.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

static garant_role role_from_text(const char *s)
{
    garant_role r = GARANT_ROLE_CUSTOMER; /* the schema's CHECK allows nothing else */
    garant_role_parse(&r, s);
    return r;
}

/* ---- users ---- */

static const char SQL_USER_INSERT[] = "INSERT INTO users (email, name, role, org_id, password_hash, verified_at, "
                                      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
#define USER_COLUMNS                                                                                           \
    "id, email, name, role, org_id, password_hash, verified_at, created_at, deactivated_at, org_manager, approval, " \
    "language"
static const char SQL_USER_GET[] = "SELECT " USER_COLUMNS " FROM users WHERE id = ?1";
static const char SQL_USER_BY_EMAIL[] = "SELECT " USER_COLUMNS " FROM users WHERE email = ?1";
static const char SQL_USER_SET_PASSWORD[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
static const char SQL_USER_SET_VERIFIED[] = "UPDATE users SET verified_at = ?2 WHERE id = ?1";
static const char SQL_USER_SET_DEACTIVATED[] = "UPDATE users SET deactivated_at = ?2 WHERE id = ?1";
/* What a user's deletion would orphan: the history of tickets and policies,
** and the tickets assigned to them or that they filed for a customer. */
static const char SQL_USER_HISTORY[] =
    "SELECT EXISTS (SELECT 1 FROM tickets WHERE requester_id = ?1)"
    " OR EXISTS (SELECT 1 FROM tickets WHERE assignee_id = ?1)"
    " OR EXISTS (SELECT 1 FROM tickets WHERE filed_by = ?1)"
    " OR EXISTS (SELECT 1 FROM replies WHERE author_id = ?1)"
    " OR EXISTS (SELECT 1 FROM ticket_events WHERE actor_id = ?1)"
    " OR EXISTS (SELECT 1 FROM policies WHERE created_by = ?1)";
static const char SQL_USER_DELETE_SESSIONS[] = "DELETE FROM sessions WHERE user_id = ?1";
static const char SQL_USER_DELETE_TOKENS[] = "DELETE FROM tokens WHERE user_id = ?1";
static const char SQL_USER_DELETE[] = "DELETE FROM users WHERE id = ?1";

/* The user list. Two shapes, as for tickets: one organization's users walk
** the index users_org, everyone walks the table backwards from the keyset.
** The search lower-cases the columns and the caller's text (ASCII) and uses
** instr, not LIKE, so '%' and '_' in it are plain characters. */
#define USER_LIST_SELECT                                                                                \
    "SELECT u.id, u.email, u.name, u.role, u.org_id, o.name, u.verified_at, u.created_at, u.deactivated_at," \
    " u.org_manager, u.approval FROM users u LEFT JOIN orgs o ON o.id = u.org_id "
#define USER_LIST_FILTERS                                                                                      \
    " AND (?2 = '' OR u.role = ?2)"                                                                            \
    " AND (?4 = '' OR instr(lower(u.email), ?4) > 0 OR instr(lower(u.name), ?4) > 0)"                          \
    " AND (?6 IS NULL OR u.approval = ?6)"                                                                     \
    " ORDER BY u.id DESC LIMIT ?5"
static const char SQL_USER_LIST_ORG[] = USER_LIST_SELECT "WHERE u.org_id = ?3 AND u.id < ?1" USER_LIST_FILTERS;
static const char SQL_USER_LIST_ALL[] = USER_LIST_SELECT "WHERE ?3 = 0 AND u.id < ?1" USER_LIST_FILTERS;
int gs_sqlite_user_insert(garant_store_conn *gc, garant_user *io)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(io->email, GARANT_MAX_EMAIL, "user e-mail");
    if (!err) err = gs_sqlite_check_text(io->name, GARANT_MAX_NAME, "user name");
    if (!err) err = gs_sqlite_check_text(io->password_hash, sizeof io->password_hash - 1, "user password hash");
    if (err) return err;
    if ((int)io->role < GARANT_ROLE_CUSTOMER || (int)io->role > GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EINVAL, "user %s: unknown role %d", io->email, (int)io->role);
    /* The schema checks this too; saying it here gives a clearer message. */
    if ((io->role == GARANT_ROLE_CUSTOMER) != (io->org_id != 0))
        return garant__error(GARANT_EINVAL, "user %s: customers, and only customers, belong to an organization",
                             io->email);
    gs_sqlite_lower_copy(io->email, sizeof io->email, io->email);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_INSERT, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, io->email);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, io->name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, garant_role_name(io->role));
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_int64_or_null(st, 4, io->org_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 5, io->password_hash);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_int64_or_null(st, 6, io->verified_at);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 7, io->created_at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "inserting a user");
    char what[GARANT_MAX_EMAIL + 16];
    snprintf(what, sizeof what, "user %s", io->email);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static void read_user(garant_user *out, sqlite3_stmt *st)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(out->email, sizeof out->email, st, 1);
    gs_sqlite_text(out->name, sizeof out->name, st, 2);
    out->role = role_from_text((const char *)sqlite3_column_text(st, 3));
    out->org_id = sqlite3_column_int64(st, 4); /* NULL reads as 0 */
    gs_sqlite_text(out->password_hash, sizeof out->password_hash, st, 5);
    out->verified_at = sqlite3_column_int64(st, 6);
    out->created_at = sqlite3_column_int64(st, 7);
    out->deactivated_at = sqlite3_column_int64(st, 8); /* NULL reads as 0 */
    out->org_manager = sqlite3_column_int(st, 9);
    garant_approval a = GARANT_APPROVAL_NONE; /* NULL, or the schema's CHECK's names */
    garant_approval_parse(&a, (const char *)sqlite3_column_text(st, 10));
    out->approval = a;
    gs_sqlite_text(out->language, sizeof out->language, st, 11);
}

int gs_sqlite_user_get(garant_store_conn *gc, int64_t id, garant_user *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_GET, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a user");
    if ((err = gs_sqlite_step_row(c, st, "user %lld", (long long)id))) return err;
    read_user(out, st);
    sqlite3_reset(st);
    return 0;
}

int gs_sqlite_user_by_email(garant_store_conn *gc, const char *email, garant_user *out)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_lookup_lower(gs_sqlite(gc), SQL_USER_BY_EMAIL, email, GARANT_MAX_EMAIL, "user e-mail", "user",
                                     &st);
    if (err) return err;
    read_user(out, st);
    sqlite3_reset(st);
    return 0;
}

/* A row of USER_LIST_SELECT. */
static int read_user_row(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_user_row *r = row;
    garant_user *u = &r->user;
    u->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(u->email, sizeof u->email, st, 1);
    gs_sqlite_text(u->name, sizeof u->name, st, 2);
    u->role = role_from_text((const char *)sqlite3_column_text(st, 3));
    u->org_id = sqlite3_column_int64(st, 4); /* NULL reads as 0 */
    gs_sqlite_text(r->org_name, sizeof r->org_name, st, 5);
    u->verified_at = sqlite3_column_int64(st, 6);
    u->created_at = sqlite3_column_int64(st, 7);
    u->deactivated_at = sqlite3_column_int64(st, 8);
    u->org_manager = sqlite3_column_int(st, 9);
    garant_approval a = GARANT_APPROVAL_NONE; /* NULL, or the schema's CHECK's names */
    garant_approval_parse(&a, (const char *)sqlite3_column_text(st, 10));
    u->approval = a;
    return 0;
}

int gs_sqlite_user_list(garant_store_conn *gc, const garant_user_filter *f, garant_user_row **out, size_t *out_n)
{
    static const char what[] = "listing users";
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    *out_n = 0;
    if (f->limit < 1 || f->limit > GARANT_MAX_USER_PAGE)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GARANT_MAX_USER_PAGE,
                             f->limit);
    garant_role any;
    if (f->role[0] && !garant_role_parse(&any, f->role))
        return garant__error(GARANT_EINVAL, "%s: unknown role \"%.15s\"", what, f->role);
    size_t qlen = strnlen(f->q, sizeof f->q);
    if (qlen == sizeof f->q) return garant__error(GARANT_ELIMIT, "%s: search text longer than %d bytes", what,
                                                  GARANT_MAX_USER_QUERY);
    char q[GARANT_MAX_USER_QUERY + 1];
    gs_sqlite_lower_copy(q, sizeof q, f->q);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, f->org_id ? SQL_USER_LIST_ORG : SQL_USER_LIST_ALL, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, f->after_id > 0 ? f->after_id : INT64_MAX);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, f->role);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, f->org_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 4, q);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 5, f->limit);
    const char *approval = garant_approval_name(f->approval);
    if (rc == SQLITE_OK) rc = approval ? gs_sqlite_bind_text(st, 6, approval) : sqlite3_bind_null(st, 6);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, (size_t)f->limit, read_user_row, NULL, &rows, out_n, what)))
        return err;
    *out = rows;
    return 0;
}

int gs_sqlite_user_set_password(garant_store_conn *gc, int64_t id, const char *hash)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(hash, sizeof((garant_user *)0)->password_hash - 1, "user password hash");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_SET_PASSWORD, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, hash);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "setting a password");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return gs_sqlite_exec_update(c, st, what);
}

/* at 0 marks the address unproven again. */
int gs_sqlite_user_set_verified(garant_store_conn *gc, int64_t id, int64_t at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_VERIFIED, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_int64_or_null(st, 2, at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "marking a user verified");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return gs_sqlite_exec_update(c, st, what);
}

int gs_sqlite_user_set_deactivated(garant_store_conn *gc, int64_t id, int64_t at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_DEACTIVATED, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_int64_or_null(st, 2, at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deactivating a user");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return gs_sqlite_exec_update(c, st, what);
}

/* The caller's transaction holds the steps together: a failure after the
** sessions are gone is rolled back with the rest (the writer's savepoint). */
int gs_sqlite_user_delete(garant_store_conn *gc, int64_t id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int64_t history = 0;
    int err = gs_sqlite_query_by_id(c, SQL_USER_HISTORY, id, "looking up a user's history", &history);
    if (err) return err;
    if (history)
        return garant__error(GARANT_ECONFLICT, "user %lld has tickets, replies or other history, which must keep "
                             "their author: deactivate the user instead", (long long)id);
    if ((err = gs_sqlite_exec_by_id(c, SQL_USER_DELETE_SESSIONS, id, "deleting a user's sessions"))) return err;
    if ((err = gs_sqlite_exec_by_id(c, SQL_USER_DELETE_TOKENS, id, "deleting a user's tokens"))) return err;
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_DELETE, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_update(c, st, what);
}

/* ---- pending sign-ups ---- */

#define SIGNUP_COLUMNS "id, email, name, password_hash, created_at, expires_at"
static const char SQL_SIGNUP_PRUNE[] = "DELETE FROM signups WHERE expires_at <= ?1";
static const char SQL_SIGNUP_INSERT[] = "INSERT INTO signups (token_hash, email, name, password_hash, created_at, "
                                        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_SIGNUP_BY_TOKEN[] = "SELECT " SIGNUP_COLUMNS " FROM signups "
                                          "WHERE token_hash = ?1 AND expires_at > ?2";
static const char SQL_SIGNUP_DELETE_EMAIL[] = "DELETE FROM signups WHERE email = ?1";
static const char SQL_SIGNUP_LATEST[] = "SELECT " SIGNUP_COLUMNS " FROM signups "
                                        "WHERE email = ?1 AND expires_at > ?2 ORDER BY id DESC LIMIT 1";

static void read_signup(garant_signup *out, sqlite3_stmt *st)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(out->email, sizeof out->email, st, 1);
    gs_sqlite_text(out->name, sizeof out->name, st, 2);
    gs_sqlite_text(out->password_hash, sizeof out->password_hash, st, 3);
    out->created_at = sqlite3_column_int64(st, 4);
    out->expires_at = sqlite3_column_int64(st, 5);
}

int gs_sqlite_signup_insert(garant_store_conn *gc, garant_signup *io, const uint8_t token_hash[32])
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(io->email, GARANT_MAX_EMAIL, "sign-up e-mail");
    if (!err) err = gs_sqlite_check_text(io->name, GARANT_MAX_NAME, "sign-up name");
    if (!err) err = gs_sqlite_check_text(io->password_hash, sizeof io->password_hash - 1, "sign-up password hash");
    if (err) return err;
    gs_sqlite_lower_copy(io->email, sizeof io->email, io->email);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_PRUNE, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, io->created_at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "pruning expired sign-ups");
    if ((err = gs_sqlite_exec_stmt(c, st, "pruning expired sign-ups"))) return err;
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_INSERT, &st))) return err;
    rc = sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, io->email);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, io->name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 4, io->password_hash);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, io->created_at);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 6, io->expires_at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "inserting a sign-up");
    char what[GARANT_MAX_EMAIL + 16];
    snprintf(what, sizeof what, "sign-up of %s", io->email);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int gs_sqlite_signup_take(garant_store_conn *gc, const uint8_t token_hash[32], int64_t now, garant_signup *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SIGNUP_BY_TOKEN, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a sign-up");
    /* Unknown, used and expired are one answer, as for tokens. */
    if ((err = gs_sqlite_step_row(c, st, "sign-up (unknown, used or expired)"))) return err;
    read_signup(out, st);
    sqlite3_reset(st);
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_DELETE_EMAIL, &st))) return err;
    rc = gs_sqlite_bind_text(st, 1, out->email);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deleting sign-ups");
    return gs_sqlite_exec_stmt(c, st, "deleting sign-ups");
}

int gs_sqlite_signup_latest(garant_store_conn *gc, const char *email, int64_t now, garant_signup *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(email, GARANT_MAX_EMAIL, "sign-up e-mail");
    if (err) return err;
    char lower[GARANT_MAX_EMAIL + 1];
    gs_sqlite_lower_copy(lower, sizeof lower, email);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_LATEST, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a sign-up");
    if ((err = gs_sqlite_step_row(c, st, "sign-up of %s", lower))) return err;
    read_signup(out, st);
    sqlite3_reset(st);
    return 0;
}
