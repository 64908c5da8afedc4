/*
** sqlite_sessions.c - the SQLite backend's single-use tokens (address
** confirmation, password reset, unlock), sessions and login throttling:
** part of the accounts area (store_accounts.h; its table is in
** sqlite_accounts.c).
**
** Secrets are kept as SHA-256 hashes only. A token or session has expired
** when now >= expires_at. Throttling counts failures per key in a sliding
** window.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* Longest throttle key: "login:" + an address + "|" + a client address. */
#define GS_MAX_THROTTLE_KEY (GARANT_MAX_EMAIL + 64)

/* now - window_s without overflowing: the oldest instant inside the window. */
static int64_t window_start(int64_t now, int64_t window_s)
{
    return now < INT64_MIN + window_s ? INT64_MIN : now - window_s;
}

/* ---- single-use tokens ---- */

static const char SQL_TOKEN_INSERT[] = "INSERT INTO tokens (hash, kind, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)";
/* One statement, so that checking and using the token cannot be split. */
static const char SQL_TOKEN_CONSUME[] = "UPDATE tokens SET used_at = ?3 "
                                        "WHERE hash = ?1 AND kind = ?2 AND used_at IS NULL AND expires_at > ?3 "
                                        "RETURNING user_id";

static int check_kind(garant_token_kind kind)
{
    if (kind != GARANT_TOKEN_VERIFY && kind != GARANT_TOKEN_RESET && kind != GARANT_TOKEN_UNLOCK)
        return garant__error(GARANT_EINVAL, "unknown token kind %d", (int)kind);
    return 0;
}

int gs_sqlite_token_insert(garant_store_conn *gc, garant_token_kind kind, int64_t user_id, const uint8_t hash[32],
                           int64_t expires_at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_kind(kind);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_TOKEN_INSERT, &st))) return err;
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 2, (int)kind);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, user_id);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, expires_at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "inserting a token");
    char what[64];
    snprintf(what, sizeof what, "token for user %lld", (long long)user_id);
    return gs_sqlite_exec_stmt(c, st, what);
}

int gs_sqlite_token_consume(garant_store_conn *gc, garant_token_kind kind, const uint8_t hash[32], int64_t now,
                            int64_t *out_user_id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_kind(kind);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_TOKEN_CONSUME, &st))) return err;
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int(st, 2, (int)kind);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "consuming a token");
    /* Unknown, used and expired are one answer: telling them apart would
    ** help someone guessing tokens. */
    if ((err = gs_sqlite_step_row(c, st, "token (unknown, used or expired)"))) return err;
    *out_user_id = sqlite3_column_int64(st, 0);
    /* Run to the end: RETURNING statements finish their work on the last step. */
    return gs_sqlite_exec_stmt(c, st, "consuming a token");
}

/* ---- sessions ---- */

static const char SQL_SESSION_INSERT[] = "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_SESSION_GET[] = "SELECT id, user_id, token_hash, csrf, created_at, expires_at FROM sessions "
                                      "WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2";
static const char SQL_SESSION_REVOKE[] = "UPDATE sessions SET revoked_at = ?2 "
                                         "WHERE token_hash = ?1 AND revoked_at IS NULL";
static const char SQL_SESSION_EXISTS[] = "SELECT 1 FROM sessions WHERE token_hash = ?1";
static const char SQL_SESSION_REVOKE_USER[] = "UPDATE sessions SET revoked_at = ?2 "
                                              "WHERE user_id = ?1 AND revoked_at IS NULL";

int gs_sqlite_session_insert(garant_store_conn *gc, garant_session *io)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(io->csrf, sizeof io->csrf - 1, "session CSRF token");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_SESSION_INSERT, &st))) return err;
    int rc = sqlite3_bind_blob(st, 1, io->token_hash, sizeof io->token_hash, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, io->user_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, io->csrf);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, io->created_at);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, io->expires_at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "inserting a session");
    char what[64];
    snprintf(what, sizeof what, "session for user %lld", (long long)io->user_id);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    io->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int gs_sqlite_session_get(garant_store_conn *gc, const uint8_t hash[32], int64_t now, garant_session *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SESSION_GET, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a session");
    if ((err = gs_sqlite_step_row(c, st, "session (unknown, revoked or expired)"))) return err;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    out->user_id = sqlite3_column_int64(st, 1);
    const void *h = sqlite3_column_blob(st, 2);
    if (h && sqlite3_column_bytes(st, 2) == (int)sizeof out->token_hash)
        memcpy(out->token_hash, h, sizeof out->token_hash);
    else
        memcpy(out->token_hash, hash, sizeof out->token_hash); /* equal by the WHERE clause */
    gs_sqlite_text(out->csrf, sizeof out->csrf, st, 3);
    out->created_at = sqlite3_column_int64(st, 4);
    out->expires_at = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    return 0;
}

/* Revoking a session revoked already keeps the first instant and is not an
** error (logging out twice); an unknown session is GARANT_ENOTFOUND. */
int gs_sqlite_session_revoke(garant_store_conn *gc, const uint8_t hash[32], int64_t now)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SESSION_REVOKE, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "revoking a session");
    if ((err = gs_sqlite_exec_stmt(c, st, "revoking a session"))) return err;
    if (sqlite3_changes(c->db) > 0) return 0;
    if ((err = gs_sqlite_prepare(c, SQL_SESSION_EXISTS, &st))) return err;
    rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "revoking a session");
    if ((err = gs_sqlite_step_row(c, st, "session"))) return err;
    sqlite3_reset(st);
    return 0;
}

/* Every live session of the user; none is not an error. */
int gs_sqlite_session_revoke_user(garant_store_conn *gc, int64_t user_id, int64_t now)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SESSION_REVOKE_USER, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, user_id);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "revoking a user's sessions");
    return gs_sqlite_exec_stmt(c, st, "revoking a user's sessions");
}

/* ---- login throttling ---- */

static const char SQL_THROTTLE_PRUNE[] = "DELETE FROM throttle WHERE key = ?1 AND at < ?2";
static const char SQL_THROTTLE_ADD[] = "INSERT INTO throttle (key, at) VALUES (?1, ?2)";
static const char SQL_THROTTLE_CLEAR[] = "DELETE FROM throttle WHERE key = ?1";
static const char SQL_THROTTLE_RECENT[] = "SELECT count(*), coalesce(max(at), 0) FROM throttle "
                                          "WHERE key = ?1 AND at >= ?2 AND at <= ?3";
/* A range on the key, so the index serves it; ?2 is the prefix with its
** last byte raised by one. */
static const char SQL_THROTTLE_CLEAR_PREFIX[] = "DELETE FROM throttle WHERE key >= ?1 AND key < ?2";
/* record's three statements form one unit: inside the caller's transaction
** a savepoint, outside one a transaction of its own (one sync, not three). */
static const char SQL_THROTTLE_SP[] = "SAVEPOINT gs_throttle";
static const char SQL_THROTTLE_SP_RELEASE[] = "RELEASE SAVEPOINT gs_throttle";
static const char SQL_THROTTLE_SP_ROLLBACK[] = "ROLLBACK TO SAVEPOINT gs_throttle";

static int throttle_args(const char *key, int64_t window_s)
{
    int err = gs_sqlite_check_text(key, GS_MAX_THROTTLE_KEY, "throttle key");
    if (err) return err;
    if (window_s < 0) return garant__error(GARANT_EINVAL, "throttle %s: negative window %lld s", key,
                                           (long long)window_s);
    return 0;
}

int gs_sqlite_throttle_recent(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count,
                              int64_t *out_last_at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = throttle_args(key, window_s);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_RECENT, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, key);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, window_start(now, window_s));
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "counting login failures");
    if ((err = gs_sqlite_step_row(c, st, "counting login failures"))) return err;
    *out_count = sqlite3_column_int(st, 0);
    *out_last_at = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

/* recent's statement, its instant unused: one query for both. */
int gs_sqlite_throttle_count(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count)
{
    int64_t last_at;
    return gs_sqlite_throttle_recent(gc, key, now, window_s, out_count, &last_at);
}

static int throttle_record_steps(gs_sqlite_conn *c, const char *key, int64_t now, int64_t window_s)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_THROTTLE_PRUNE, &st);
    if (err) return err;
    int rc = gs_sqlite_bind_text(st, 1, key);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, window_start(now, window_s));
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "pruning login failures");
    if ((err = gs_sqlite_exec_stmt(c, st, "pruning login failures"))) return err;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_ADD, &st))) return err;
    rc = gs_sqlite_bind_text(st, 1, key);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "recording a login failure");
    return gs_sqlite_exec_stmt(c, st, "recording a login failure");
}

int gs_sqlite_throttle_record(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = throttle_args(key, window_s);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_SP, &st))) return err;
    if ((err = gs_sqlite_exec_stmt(c, st, "recording a login failure"))) return err;
    err = throttle_record_steps(c, key, now, window_s);
    if (!err) err = gs_sqlite_throttle_count(gc, key, now, window_s, out_count);
    if (err) {
        /* ROLLBACK TO keeps the savepoint; RELEASE then ends it (and, if it
        ** began the transaction, commits nothing). Their own failures (the
        ** savepoint is gone if SQLite rolled back the whole transaction)
        ** must not replace the message of err. */
        if (gs_sqlite_prepare(c, SQL_THROTTLE_SP_ROLLBACK, &st) == 0) {
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        if (gs_sqlite_prepare(c, SQL_THROTTLE_SP_RELEASE, &st) == 0) {
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        return err;
    }
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_SP_RELEASE, &st))) return err;
    return gs_sqlite_exec_stmt(c, st, "recording a login failure");
}

int gs_sqlite_throttle_clear(garant_store_conn *gc, const char *key)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(key, GS_MAX_THROTTLE_KEY, "throttle key");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_CLEAR, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, key);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "clearing login failures");
    return gs_sqlite_exec_stmt(c, st, "clearing login failures");
}

int gs_sqlite_throttle_clear_prefix(garant_store_conn *gc, const char *prefix)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(prefix, GS_MAX_THROTTLE_KEY, "throttle key prefix");
    if (err) return err;
    char end[GS_MAX_THROTTLE_KEY + 1];
    size_t n = strlen(prefix);
    memcpy(end, prefix, n + 1);
    /* Keys are compared as bytes (BINARY): every key with the prefix sorts
    ** below the prefix with its last byte raised. A prefix ending in 0xff
    ** is not one garant makes ("login:ADDR|"). */
    if ((unsigned char)end[n - 1] == 0xff)
        return garant__error(GARANT_EINVAL, "throttle key prefix ends in byte 0xff");
    end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_CLEAR_PREFIX, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, prefix);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, end);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "clearing login failures");
    return gs_sqlite_exec_stmt(c, st, "clearing login failures");
}
