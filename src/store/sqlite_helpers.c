/*
** sqlite_helpers.c - the helpers the SQLite backend's area files
** (sqlite_accounts.c, sqlite_tickets.c, sqlite_sla.c, ...) build on,
** declared in sqlite_internal.h: the per-connection statement cache,
** mapping SQLite's errors to garant_err, running a statement, checking
** texts, stepping to one row, and reading columns as text, JSON or typed
** rows.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

int gs_sqlite_fail(gs_sqlite_conn *c, int rc, const char *what)
{
    const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return garant__error(GARANT_ECONFLICT, "%s: already exists (%s)", what, msg);
        /* A row naming an organization, user or ticket that is not there. */
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return garant__error(GARANT_ENOTFOUND, "%s: refers to a missing record (%s)", what, msg);
        return garant__error(GARANT_ESTORE, "%s: %s", what, msg);
    case SQLITE_TOOBIG:
        return garant__error(GARANT_ELIMIT, "%s: too large (%s)", what, msg);
    case SQLITE_NOMEM:
        return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    case SQLITE_NOTADB:
        return garant__error(GARANT_ESTORE, "%s: the file is not a SQLite database", what);
    case SQLITE_BUSY:
        return garant__error(GARANT_ESTORE, "%s: database busy for more than %d ms (%s)", what,
                             GS_BUSY_TIMEOUT_MS, msg);
    default:
        return garant__error(GARANT_ESTORE, "%s: %s", what, msg);
    }
}

int gs_sqlite_prepare(gs_sqlite_conn *c, const char *sql, sqlite3_stmt **out)
{
    *out = NULL;
    for (int i = 0; i < c->ncache; i++) {
        if (c->cache[i].sql == sql) {
            /* A previous user's failure is already reported; ignore it. */
            sqlite3_reset(c->cache[i].stmt);
            sqlite3_clear_bindings(c->cache[i].stmt);
            *out = c->cache[i].stmt;
            return 0;
        }
    }
    assert(c->ncache < GS_SQLITE_STMT_CACHE && "raise GS_SQLITE_STMT_CACHE");
    if (c->ncache >= GS_SQLITE_STMT_CACHE)
        return garant__error(GARANT_ESTORE, "statement cache full (%d statements)", GS_SQLITE_STMT_CACHE);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return gs_sqlite_fail(c, rc, "preparing a statement");
    }
    c->cache[c->ncache].sql = sql;
    c->cache[c->ncache].stmt = st;
    c->ncache++;
    *out = st;
    return 0;
}

int gs_sqlite_exec_stmt(gs_sqlite_conn *c, sqlite3_stmt *st, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    int err = rc == SQLITE_DONE ? 0 : gs_sqlite_fail(c, rc, what);
    /* Reset at once, so the statement holds no read snapshot or lock. */
    sqlite3_reset(st);
    return err;
}

void gs_sqlite_text(char *dst, size_t cap, sqlite3_stmt *st, int i)
{
    assert(cap > 0);
    const unsigned char *s = sqlite3_column_text(st, i);
    size_t n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, s, n);
    dst[n] = '\0';
}

json_t *gs_sqlite_json_col(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer((json_int_t)sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_NULL: return json_null();
    default: {
        /* TEXT, and BLOB read as text (the schema stores no blob a caller lists). */
        const char *s = (const char *)sqlite3_column_text(st, i);
        size_t n = (size_t)sqlite3_column_bytes(st, i);
        return json_stringn(s ? s : "", s ? n : 0);
    }
    }
}

int gs_sqlite_rows_json(gs_sqlite_conn *c, sqlite3_stmt *st, json_t **out, const char *what)
{
    *out = NULL;
    json_t *arr = json_array();
    if (!arr) {
        sqlite3_reset(st);
        return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    }
    int rc, err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();
        if (!row || json_array_append_new(arr, row) != 0) {
            json_decref(row);
            err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
            break;
        }
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            /* json_object_set_new frees the value on failure; NULL fails too. */
            if (json_object_set_new(row, sqlite3_column_name(st, i), gs_sqlite_json_col(st, i)) != 0) {
                err = garant__error(GARANT_ENOMEM, "%s: out of memory or text not UTF-8 in column %s",
                                    what, sqlite3_column_name(st, i));
                break;
            }
        }
        if (err) break;
    }
    if (!err && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    if (err) {
        json_decref(arr);
        return err;
    }
    *out = arr;
    return 0;
}

int gs_sqlite_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    /* Transient: callers bind stack buffers and reuse the statement later. */
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int gs_sqlite_bind_int64_or_null(sqlite3_stmt *st, int i, int64_t v)
{
    return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int gs_sqlite_check_text(const char *s, size_t max, const char *what)
{
    if (!s || !*s) return garant__error(GARANT_EINVAL, "%s: empty", what);
    if (strnlen(s, max + 1) > max) return garant__error(GARANT_ELIMIT, "%s: longer than %zu bytes", what, max);
    return 0;
}

void gs_sqlite_lower_copy(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    dst[i] = '\0';
}

/* The record is named from fmt only on failure: organizations and users
** are read on every filed ticket and every uncached request. */
int gs_sqlite_step_row(gs_sqlite_conn *c, sqlite3_stmt *st, const char *fmt, ...)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 0;
    char what[GARANT_MAX_EMAIL + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int err = rc == SQLITE_DONE ? garant__error(GARANT_ENOTFOUND, "%s: not found", what) : gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

int gs_sqlite_exec_update(gs_sqlite_conn *c, sqlite3_stmt *st, const char *what)
{
    int err = gs_sqlite_exec_stmt(c, st, what);
    if (err) return err;
    if (sqlite3_changes(c->db) == 0) return garant__error(GARANT_ENOTFOUND, "%s: not found", what);
    return 0;
}

int gs_sqlite_exec_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_stmt(c, st, what);
}

int gs_sqlite_query_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what, int64_t *out)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    if ((err = gs_sqlite_step_row(c, st, "%s", what))) return err;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int gs_sqlite_rows(gs_sqlite_conn *c, sqlite3_stmt *st, size_t size, size_t max, gs_sqlite_read_fn *read_row,
                   void (*undo)(void *recs, size_t n), void **out, size_t *out_n, const char *what)
{
    assert(max > 0);
    *out = NULL;
    *out_n = 0;
    unsigned char *rows = NULL;
    size_t n = 0, cap = 0;
    int rc, err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == max) {
            err = garant__error(GARANT_ELIMIT, "%s: more than %zu entries", what, max);
            goto fail;
        }
        if (n == cap) {
            size_t grown = cap ? 2 * cap : 16;
            if (grown > max) grown = max;
            unsigned char *more = realloc(rows, grown * size);
            if (!more) {
                err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
                goto fail;
            }
            rows = more;
            cap = grown;
        }
        memset(rows + n * size, 0, size);
        err = read_row(st, rows + n * size, what);
        n++; /* read may have taken memory even when it failed */
        if (err) goto fail;
    }
    if (rc != SQLITE_DONE) {
        err = gs_sqlite_fail(c, rc, what);
        goto fail;
    }
    sqlite3_reset(st);
    *out = rows;
    *out_n = n;
    return 0;
fail:
    sqlite3_reset(st);
    if (undo && rows) undo(rows, n);
    else free(rows);
    return err;
}

int gs_sqlite_lookup_lower(gs_sqlite_conn *c, const char *sql, const char *key, size_t max, const char *key_label,
                           const char *label, sqlite3_stmt **out)
{
    if (max > GARANT_MAX_EMAIL) max = GARANT_MAX_EMAIL;
    int err = gs_sqlite_check_text(key, max, key_label);
    if (err) return err;
    char lower[GARANT_MAX_EMAIL + 1];
    gs_sqlite_lower_copy(lower, sizeof lower, key);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, sql, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "looking up a %s", label);
        return gs_sqlite_fail(c, rc, what);
    }
    if ((err = gs_sqlite_step_row(c, st, "%s %s", label, lower))) return err;
    *out = st;
    return 0;
}
