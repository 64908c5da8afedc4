/*
** test_sqlite_helpers.c - the SQLite backend's row reader
** (src/store/sqlite_helpers.c, gs_sqlite_rows): records read into an array
** grown past its first sizes, the ceiling, and that a failure, whether of
** the query, the ceiling or a record's read, leaves nothing allocated
** (the undo gets every record read, the failed one included).
**
** The queries run on a private in-memory database: the reader needs no
** schema, only a connection to name SQLite's errors.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sqlite_internal.h"
#include "support.h"

/* Rows 1..?1, each its number and "r<number>"; with ?2 > 0, row ?2 fails
** to compute (abs of the least integer overflows), which stops the step.
** The 0 * i keeps SQLite from computing the abs once, before any row. */
static const char SQL_ROWS[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)"
    " SELECT i, CASE WHEN i = ?2 THEN abs(-9223372036854775807 - 1 + 0 * i) ELSE 'r' || i END FROM n WHERE i <= ?1";

typedef struct fixture {
    gs_sqlite_conn conn;
    sqlite3_stmt *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    if (sqlite3_open(":memory:", &f->conn.db) != SQLITE_OK ||
        sqlite3_prepare_v2(f->conn.db, SQL_ROWS, -1, &f->st, NULL) != SQLITE_OK) {
        sqlite3_close(f->conn.db);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sqlite3_finalize(f->st);
    assert_int_equal(sqlite3_close(f->conn.db), SQLITE_OK);
    free(f);
    return 0;
}

/* The statement bound for rows 1..n, row fail_at failing (0: none). */
static sqlite3_stmt *rows_of(fixture *f, int n, int fail_at)
{
    sqlite3_reset(f->st);
    assert_int_equal(sqlite3_bind_int(f->st, 1, n), SQLITE_OK);
    assert_int_equal(sqlite3_bind_int(f->st, 2, fail_at), SQLITE_OK);
    return f->st;
}

/* ---- records of a fixed size ---- */

typedef struct fixed_rec {
    int64_t i;
    char s[8];
} fixed_rec;

static int read_fixed(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    fixed_rec *r = rec;
    r->i = sqlite3_column_int64(st, 0);
    gs_sqlite_text(r->s, sizeof r->s, st, 1);
    return 0;
}

static void test_fixed_records(void **state)
{
    fixture *f = *state;
    void *v = NULL;
    size_t n = 99;

    /* Past the first two sizes of the array (16, 32), up to the ceiling. */
    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, 40, 0), sizeof(fixed_rec), 40, read_fixed, NULL, &v, &n,
                                    "fixed"), 0);
    assert_int_equal(n, 40);
    fixed_rec *r = v;
    for (size_t k = 0; k < n; k++) assert_int_equal(r[k].i, (int64_t)k + 1);
    assert_string_equal(r[0].s, "r1");
    assert_string_equal(r[39].s, "r40");
    assert_int_equal(sqlite3_stmt_busy(f->st), 0); /* reset: no read snapshot kept */
    free(v);

    /* None: no array. */
    v = &n;
    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, 0, 0), sizeof(fixed_rec), 40, read_fixed, NULL, &v, &n,
                                    "fixed"), 0);
    assert_null(v);
    assert_int_equal(n, 0);

    /* One past the ceiling: GARANT_ELIMIT, nothing returned. */
    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, 41, 0), sizeof(fixed_rec), 40, read_fixed, NULL, &v, &n,
                                    "fixed"), GARANT_ELIMIT);
    assert_non_null(strstr(garant_error_last(), "fixed: more than 40 entries"));
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(sqlite3_stmt_busy(f->st), 0);

    /* The query failing mid-way: SQLite's error, nothing returned. */
    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, 20, 18), sizeof(fixed_rec), 40, read_fixed, NULL, &v, &n,
                                    "fixed"), GARANT_ESTORE);
    assert_non_null(strstr(garant_error_last(), "integer overflow"));
    assert_null(v);
    assert_int_equal(n, 0);
}

/* ---- records owning a copy ---- */

typedef struct owning_rec {
    int64_t i;
    char *copy;
} owning_rec;

/* Copies alive, and the undo's calls: each case ends with none alive. */
static int live;
static int undone;
static size_t undone_n;
static int64_t fail_read_at;

static int read_owning(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    owning_rec *r = rec;
    r->i = sqlite3_column_int64(st, 0);
    const char *s = (const char *)sqlite3_column_text(st, 1);
    size_t len = strlen(s);
    if (!(r->copy = malloc(len + 1))) return GARANT_ENOMEM;
    memcpy(r->copy, s, len + 1);
    live++;
    /* A failed read may hold memory already: the undo frees it too. */
    return r->i == fail_read_at ? GARANT_ENOMEM : 0;
}

static void free_owning(void *recs, size_t n)
{
    owning_rec *r = recs;
    for (size_t k = 0; k < n; k++) {
        if (r[k].copy) live--;
        free(r[k].copy);
    }
    free(recs);
}

static void undo_owning(void *recs, size_t n)
{
    undone++;
    undone_n = n;
    free_owning(recs, n);
}

/* Rows 1..nrows read with a ceiling of max, the query failing on row
** query_fail_at and the read on row read_fail_at (0: neither): want, and
** the undo given the want_undone records read, the failed one included
** (0: no undo, as nothing was allocated); no copy is left either way. */
static void expect_failure(fixture *f, int nrows, size_t max, int query_fail_at, int64_t read_fail_at, int want,
                           size_t want_undone)
{
    void *v = f;
    size_t n = 99;
    undone = 0;
    undone_n = 0;
    fail_read_at = read_fail_at;
    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, nrows, query_fail_at), sizeof(owning_rec), max, read_owning,
                                    undo_owning, &v, &n, "owning"), want);
    fail_read_at = 0;
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(undone, want_undone ? 1 : 0);
    assert_int_equal(undone_n, want_undone);
    assert_int_equal(live, 0);
    assert_int_equal(sqlite3_stmt_busy(f->st), 0);
}

static void test_owning_records(void **state)
{
    fixture *f = *state;
    void *v = NULL;
    size_t n = 0;
    live = undone = 0;
    fail_read_at = 0;

    assert_int_equal(gs_sqlite_rows(&f->conn, rows_of(f, 20, 0), sizeof(owning_rec), 20, read_owning, undo_owning,
                                    &v, &n, "owning"), 0);
    assert_int_equal(n, 20);
    assert_string_equal(((owning_rec *)v)[19].copy, "r20");
    assert_int_equal(undone, 0);
    free_owning(v, n);
    assert_int_equal(live, 0);

    /* A read failing on row 18, past the first size of the array: its copy
    ** and the 17 before go. */
    expect_failure(f, 20, 20, 0, 18, GARANT_ENOMEM, 18);
    /* Past the ceiling. */
    expect_failure(f, 5, 3, 0, 0, GARANT_ELIMIT, 3);
    /* The query failing on row 3. */
    expect_failure(f, 5, 20, 3, 0, GARANT_ESTORE, 2);
    /* Failing before any row was read: no array, no undo. */
    expect_failure(f, 5, 20, 1, 0, GARANT_ESTORE, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fixed_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owning_records, setup, teardown),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
