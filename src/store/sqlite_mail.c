/*
** sqlite_mail.c - the SQLite backend's mail outbox (store_mail.h): the
** table mail_outbox of schema migration 12.
**
** The sender's queries are ranges of the partial index mail_outbox_due,
** which holds only queued mails: a store with a million sent mails costs a
** drain round what is due, not what was ever sent.
*/
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* Mails claim returns at most in one call. */
#define GS_MAIL_CLAIM_MAX 1000

static const char SQL_ENQUEUE[] =
    "INSERT INTO mail_outbox (created_at, due_at, message_id, recipient, raw, ticket_id)"
    " VALUES (?1, ?1, ?2, ?3, ?4, ?5)";

/* The raw bytes are bound without a copy (SQLITE_STATIC): the statement
** runs to completion within this call and its bindings are cleared before
** it returns. */
static int mail_enqueue(garant_store_conn *conn, const garant_mail_new *m, int64_t *out_id)
{
    static const char what[] = "mail.enqueue";
    gs_sqlite_conn *c = gs_sqlite(conn);
    assert(m && m->message_id && m->recipient && (m->raw || m->raw_len == 0));
    size_t idlen = strlen(m->message_id), rlen = strlen(m->recipient);
    if (idlen == 0 || idlen > GARANT_MAIL_MAX_MESSAGE_ID)
        return garant__error(GARANT_EINVAL, "%s: message id must be 1 to %d bytes", what, GARANT_MAIL_MAX_MESSAGE_ID);
    if (rlen == 0 || rlen > GARANT_MAX_EMAIL || !strchr(m->recipient, '@'))
        return garant__error(GARANT_EINVAL, "%s: bad recipient \"%.64s\"", what, m->recipient);
    if (m->raw_len == 0) return garant__error(GARANT_EINVAL, "%s: empty message", what);
    if (m->raw_len > GARANT_MAIL_MAX_RAW)
        return garant__error(GARANT_ELIMIT, "%s: message of %zu bytes is over %d", what, m->raw_len,
                             GARANT_MAIL_MAX_RAW);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ENQUEUE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, m->now);
    if (m->ticket_id > 0) sqlite3_bind_int64(st, 5, m->ticket_id);
    int rc = gs_sqlite_bind_text(st, 2, m->message_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, m->recipient);
    if (rc == SQLITE_OK) rc = sqlite3_bind_blob64(st, 4, m->raw, (sqlite3_uint64)m->raw_len, SQLITE_STATIC);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    sqlite3_clear_bindings(st);
    if (err) return err;
    if (out_id) *out_id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static const char SQL_CLAIM_SELECT[] =
    "SELECT id, created_at, ticket_id, attempts, message_id, recipient FROM mail_outbox"
    " WHERE state = 'queued' AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2";
static const char SQL_CLAIM_LEASE[] = "UPDATE mail_outbox SET due_at = ?2 WHERE id = ?1 AND state = 'queued'";

static int claim_rows(gs_sqlite_conn *c, int64_t now, int64_t lease_until, garant_mail_claimed *out, int limit,
                      int *out_n, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CLAIM_SELECT, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        garant_mail_claimed *m = &out[n++];
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(st, 0);
        m->created_at = sqlite3_column_int64(st, 1);
        m->ticket_id = sqlite3_column_int64(st, 2);
        m->attempts = sqlite3_column_int(st, 3);
        gs_sqlite_text(m->message_id, sizeof m->message_id, st, 4);
        gs_sqlite_text(m->recipient, sizeof m->recipient, st, 5);
    }
    if (rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) return err;
    for (int i = 0; i < n && !err; i++) {
        err = gs_sqlite_prepare(c, SQL_CLAIM_LEASE, &st);
        if (err) break;
        sqlite3_bind_int64(st, 1, out[i].id);
        sqlite3_bind_int64(st, 2, lease_until);
        err = gs_sqlite_exec_stmt(c, st, what);
    }
    if (!err) *out_n = n;
    return err;
}

/* Select and lease in one transaction: two senders never claim one mail. */
static int mail_claim(garant_store_conn *conn, int64_t now, int64_t lease_until, garant_mail_claimed *out, int limit,
                      int *out_n)
{
    static const char what[] = "mail.claim";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_n = 0;
    if (limit < 1 || limit > GS_MAIL_CLAIM_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_MAIL_CLAIM_MAX, limit);
    if (lease_until <= now) return garant__error(GARANT_EINVAL, "%s: the lease must end after now", what);
    int own = sqlite3_get_autocommit(c->db);
    int err = own ? GS(conn)->begin_write(conn) : GS(conn)->savepoint(conn, "mail_claim");
    if (err) return err;
    err = claim_rows(c, now, lease_until, out, limit, out_n, what);
    if (own) {
        if (err) GS(conn)->rollback(conn);
        else err = GS(conn)->commit(conn);
    } else if (err) {
        GS(conn)->rollback_to(conn, "mail_claim");
        GS(conn)->release_savepoint(conn, "mail_claim");
    } else {
        err = GS(conn)->release_savepoint(conn, "mail_claim");
    }
    if (err) *out_n = 0;
    return err;
}

static const char SQL_LOAD_RAW[] = "SELECT raw FROM mail_outbox WHERE id = ?1";

static int mail_load_raw(garant_store_conn *conn, int64_t id, void **out, size_t *out_len)
{
    static const char what[] = "mail.load_raw";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_len = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LOAD_RAW, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        void *copy = malloc(n ? n : 1);
        if (!copy) {
            err = garant__error(GARANT_ENOMEM, "%s: %zu bytes", what, n);
        } else {
            if (n) memcpy(copy, p, n);
            *out = copy;
            *out_len = n;
        }
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "%s: mail %lld not found", what, (long long)id);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static const char SQL_SENT[] = "UPDATE mail_outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1,"
                               " last_error = NULL WHERE id = ?1 AND state = 'queued'";
static const char SQL_RETRY[] = "UPDATE mail_outbox SET due_at = ?2, attempts = attempts + 1,"
                                " last_error = substr(?3, 1, ?4) WHERE id = ?1 AND state = 'queued'";
static const char SQL_FAILED[] = "UPDATE mail_outbox SET state = 'failed', due_at = ?2, attempts = attempts + 1,"
                                 " last_error = substr(?3, 1, ?4) WHERE id = ?1 AND state = 'queued'";

static int mark(garant_store_conn *conn, const char *sql, int64_t id, int64_t at, const char *error, const char *what)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    int rc = SQLITE_OK;
    if (sql != SQL_SENT) {
        sqlite3_bind_int(st, 4, GARANT_MAIL_MAX_ERROR);
        rc = gs_sqlite_bind_text(st, 3, error ? error : "");
    }
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    if (err) return err;
    if (sqlite3_changes(c->db) == 0)
        return garant__error(GARANT_ENOTFOUND, "%s: mail %lld not found or no longer queued", what, (long long)id);
    return 0;
}

static int mail_mark_sent(garant_store_conn *c, int64_t id, int64_t at)
{
    return mark(c, SQL_SENT, id, at, NULL, "mail.mark_sent");
}

static int mail_mark_retry(garant_store_conn *c, int64_t id, int64_t next_due, const char *error)
{
    return mark(c, SQL_RETRY, id, next_due, error, "mail.mark_retry");
}

static int mail_mark_failed(garant_store_conn *c, int64_t id, int64_t at, const char *error)
{
    return mark(c, SQL_FAILED, id, at, error, "mail.mark_failed");
}

static const char SQL_COUNTS[] =
    "SELECT state, count(*), min(created_at) FROM mail_outbox GROUP BY state";

static int mail_counts(garant_store_conn *conn, garant_mail_counts *out)
{
    static const char what[] = "mail.counts";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_COUNTS, &st);
    if (err) return err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        if (!state) continue;
        if (strcmp(state, "queued") == 0) {
            out->queued = n;
            out->oldest_queued_at = sqlite3_column_int64(st, 2);
        } else if (strcmp(state, "sent") == 0) {
            out->sent = n;
        } else if (strcmp(state, "failed") == 0) {
            out->failed = n;
        }
    }
    if (rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

static const char SQL_LIST[] =
    "SELECT * FROM (SELECT id, created_at, due_at, attempts, state, message_id, recipient, ticket_id,"
    " last_error, sent_at, pruned_at FROM mail_outbox ORDER BY id DESC LIMIT ?1) ORDER BY id";

/* The row at st (SQL_LIST) into rec, a garant_mail_row. */
static int read_row(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_mail_row *m = rec;
    m->id = sqlite3_column_int64(st, 0);
    m->created_at = sqlite3_column_int64(st, 1);
    m->due_at = sqlite3_column_int64(st, 2);
    m->attempts = sqlite3_column_int(st, 3);
    gs_sqlite_text(m->state, sizeof m->state, st, 4);
    gs_sqlite_text(m->message_id, sizeof m->message_id, st, 5);
    gs_sqlite_text(m->recipient, sizeof m->recipient, st, 6);
    m->ticket_id = sqlite3_column_int64(st, 7);
    m->has_error = sqlite3_column_type(st, 8) != SQLITE_NULL;
    gs_sqlite_text(m->last_error, sizeof m->last_error, st, 8);
    m->sent_at = sqlite3_column_int64(st, 9);
    m->pruned_at = sqlite3_column_int64(st, 10);
    return 0;
}

static int mail_list(garant_store_conn *conn, int limit, garant_mail_row **out, size_t *out_n)
{
    static const char what[] = "mail.list";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    if (limit < 1 || limit > GARANT_MAIL_MAX_LISTED)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GARANT_MAIL_MAX_LISTED,
                             limit);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LIST, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, limit);
    return gs_sqlite_rows(c, st, sizeof **out, (size_t)limit, read_row, NULL, (void **)out, out_n, what);
}

/* The partial index mail_outbox_unpruned holds exactly the candidates
** (migration 19), so each call reads only what it prunes. */
static const char SQL_PRUNE[] =
    "UPDATE mail_outbox SET raw = X'', pruned_at = ?2 WHERE id IN (SELECT id FROM mail_outbox"
    " WHERE state != 'queued' AND pruned_at IS NULL AND created_at < ?1 ORDER BY created_at LIMIT ?3)";

static int mail_prune(garant_store_conn *conn, int64_t before, int64_t now, int limit, int *out_n)
{
    static const char what[] = "mail.prune";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out_n = 0;
    if (limit < 1) return garant__error(GARANT_EINVAL, "%s: limit must be at least 1 (got %d)", what, limit);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRUNE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 3, limit);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    *out_n = sqlite3_changes(c->db);
    return 0;
}

static const char SQL_KEY_INSERT[] = "INSERT OR IGNORE INTO mail_key (id, key, created_at) VALUES (1, ?1, ?2)";
static const char SQL_KEY_GET[] = "SELECT key FROM mail_key WHERE id = 1";

static int mail_key_keep(garant_store_conn *conn, unsigned char out[GARANT_STORE_MAIL_KEY_BYTES],
                         const unsigned char candidate[GARANT_STORE_MAIL_KEY_BYTES], int64_t now)
{
    static const char what[] = "mail.key_keep";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_KEY_INSERT, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, candidate, GARANT_STORE_MAIL_KEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    err = rc == SQLITE_OK ? gs_sqlite_exec_stmt(c, st, what) : gs_sqlite_fail(c, rc, what);
    sqlite3_clear_bindings(st);
    if (err) return err;
    if ((err = gs_sqlite_prepare(c, SQL_KEY_GET, &st))) return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == GARANT_STORE_MAIL_KEY_BYTES)
        memcpy(out, sqlite3_column_blob(st, 0), GARANT_STORE_MAIL_KEY_BYTES);
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        err = garant__error(GARANT_ESTORE, "%s: the stored mail key is missing or malformed", what);
    else
        err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

const garant_store_mail_ops gs_sqlite_mail_ops = {
    .key_keep = mail_key_keep,
    .enqueue = mail_enqueue,
    .claim = mail_claim,
    .load_raw = mail_load_raw,
    .mark_sent = mail_mark_sent,
    .mark_retry = mail_mark_retry,
    .mark_failed = mail_mark_failed,
    .counts = mail_counts,
    .list = mail_list,
    .prune = mail_prune,
};
