/*
** test_sqlite.c - the SQLite backend's core (src/store/sqlite.c): opening
** and migrations, the pragmas that make a commit durable, refusing files it
** must not touch, transactions and savepoints, the read pool, targets, and
** the append-only history enforced by the schema itself.
**
** Every test gets a fresh database file in a temporary folder of its own,
** removed afterwards with its -wal and -shm files.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sqlite_internal.h"
#include "store_support.h"
#include "support.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

#define assert_err(expr, code)                                                    \
    do {                                                                          \
        int rc_ = (expr);                                                         \
        if (rc_ != (code))                                                        \
            fail_msg("%s: got %s (%s), want %s", #expr, garant_err_name(rc_),     \
                     garant_error_last(), garant_err_name(code));                 \
    } while (0)
#define assert_ok(expr) assert_err(expr, 0)

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/garant-sqlite-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    assert_int_equal(rmdir(f->dir), 0); /* nothing else was left behind */
    free(f);
    return 0;
}

static garant_store *open_store(const fixture *f, int pool)
{
    garant_store *st = NULL;
    int rc = garant_store_sqlite_ops.open(&st, f->path, pool);
    if (rc) fail_msg("open %s: %s", f->path, garant_error_last());
    return st;
}

/* One integer from SQL run on a raw connection. */
static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Run SQL on a raw connection; returns SQLite's result code. */
static int raw_exec(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        }
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static sqlite3 *db_of(garant_store_conn *c) { return gs_sqlite(c)->db; }

static garant_org make_org(garant_store_conn *w, const char *name)
{
    garant_org o = {0};
    snprintf(o.name, sizeof o.name, "%s", name);
    snprintf(o.plan, sizeof o.plan, "basic");
    o.created_at = 1767225600;
    assert_ok(GS(w)->accounts->org_insert(w, &o));
    return o;
}

static int org_exists(garant_store_conn *c, int64_t id)
{
    garant_org o;
    int rc = GS(c)->accounts->org_get(c, id, &o);
    if (rc != 0 && rc != GARANT_ENOTFOUND) fail_msg("org_get: %s", garant_error_last());
    return rc == 0;
}

/* A raw connection to the fixture's file as a garant of schema version
** `version` left it: its first `version` migrations run and the version
** recorded, for a test to write that garant's rows before the store opens
** the file and migrates it. Close with sqlite3_close. */
static sqlite3 *open_at_version(const fixture *f, int version)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    for (int v = 0; v < version; v++)
        assert_int_equal(sqlite3_exec(db, gs_sqlite_migrations[v], NULL, NULL, NULL), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    assert_int_equal(raw_exec(db, sql), SQLITE_OK);
    return db;
}

/* Organization 1 on plan and its customer 1 (email, name), written with
** raw SQL in the columns every schema version has: what the tickets of
** plain_ticket and of the older files hang on. */
static void raw_customer(sqlite3 *db, const char *org, const char *plan, const char *email, const char *name)
{
    static const char *const sql[2] = {"INSERT INTO orgs (id, name, plan, created_at) VALUES (1, ?1, ?2, 0)",
                                       "INSERT INTO users (id, email, name, role, org_id, password_hash, created_at)"
                                       "  VALUES (1, ?1, ?2, 'customer', 1, 'x', 0)"};
    const char *const arg[2][2] = {{org, plan}, {email, name}};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL), SQLITE_OK);
        for (int k = 0; k < 2; k++)
            assert_int_equal(sqlite3_bind_text(st, k + 1, arg[i][k], -1, SQLITE_STATIC), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
}

/* An older file's rows: organization 1 (Old, professional), its customer
** 1 (Olga) and her ticket 7 at priority 2, filed at 100, warned at 700,
** due at 900. */
static void raw_old_ticket(sqlite3 *db)
{
    raw_customer(db, "Old", "professional", "old@old.example", "Olga");
    assert_int_equal(raw_exec(db, "INSERT INTO tickets (id, org_id, requester_id, subject, body, priority,"
                                  "  initial_priority, plan, environment, submitted_at, first_response_due, warn_at)"
                                  "  VALUES (7, 1, 1, 's', 'b', 2, 2, 'professional', 'production', 100, 900, 700)"),
                     SQLITE_OK);
}

/* ---- opening and migrations ---- */

static void test_migrations_once_and_reopen(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    int v = -1;
    assert_ok(garant_store_sqlite_ops.schema_version(w, &v));
    assert_int_equal(v, gs_sqlite_migration_count);
    int64_t objects = raw_int(db_of(w), "SELECT count(*) FROM sqlite_master");
    assert_true(objects > 10);
    garant_org o = make_org(w, "Kept");
    garant_store_close(st);

    /* Reopening runs nothing again and keeps the data. */
    for (int i = 0; i < 2; i++) {
        st = open_store(f, 2);
        w = garant_store_sqlite_ops.writer(st);
        assert_ok(garant_store_sqlite_ops.schema_version(w, &v));
        assert_int_equal(v, gs_sqlite_migration_count);
        assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM sqlite_master"), objects);
        assert_true(org_exists(w, o.id));
        /* Through a read connection too. */
        garant_store_conn *r = NULL;
        assert_ok(garant_store_sqlite_ops.acquire(&r, st));
        assert_ok(garant_store_sqlite_ops.schema_version(r, &v));
        assert_int_equal(v, gs_sqlite_migration_count);
        garant_store_sqlite_ops.release(r);
        garant_store_close(st);
    }
}

static void test_pragmas(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    garant_store_conn *r = NULL;
    assert_ok(garant_store_sqlite_ops.acquire(&r, st));

    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_of(w), "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    /* FULL (2): the log is synced at every commit. */
    assert_int_equal(raw_int(db_of(w), "PRAGMA synchronous"), 2);
    assert_int_equal(raw_int(db_of(r), "PRAGMA synchronous"), 2);
    assert_int_equal(raw_int(db_of(w), "PRAGMA foreign_keys"), 1);
    assert_int_equal(raw_int(db_of(r), "PRAGMA foreign_keys"), 1);
    assert_true(raw_int(db_of(w), "PRAGMA busy_timeout") >= 1000);
    assert_true(raw_int(db_of(r), "PRAGMA busy_timeout") >= 1000);
    assert_int_equal(raw_int(db_of(w), "PRAGMA query_only"), 0);
    assert_int_equal(raw_int(db_of(r), "PRAGMA query_only"), 1);
    garant_store_sqlite_ops.release(r);
    garant_store_close(st);

    /* The mode is kept in the file, for every later connection. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_not_a_database_refused(void **state)
{
    fixture *f = *state;
    static const char text[] = "plan: professional\nthis is a YAML file, not a database, "
                               "and it is long enough to fill a SQLite header and more of it.\n";
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, sizeof text - 1, fp), sizeof text - 1);
    fclose(fp);

    garant_store *st = (garant_store *)1;
    assert_err(garant_store_sqlite_ops.open(&st, f->path, 2), GARANT_ESTORE);
    assert_null(st);
    assert_non_null(strstr(garant_error_last(), "not a SQLite database"));
    assert_non_null(strstr(garant_error_last(), f->path));

    /* The file is left as it was. */
    char back[sizeof text] = {0};
    fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(back, 1, sizeof back, fp), sizeof text - 1);
    fclose(fp);
    assert_memory_equal(back, text, sizeof text - 1);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    garant_store_close(open_store(f, 1));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", gs_sqlite_migration_count + 1);
    assert_int_equal(raw_exec(db, sql), SQLITE_OK);
    sqlite3_close(db);

    garant_store *st = NULL;
    assert_err(garant_store_sqlite_ops.open(&st, f->path, 1), GARANT_ESTORE);
    assert_null(st);
    assert_non_null(strstr(garant_error_last(), "newer"));

    /* Nothing was changed by the refusal. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), gs_sqlite_migration_count + 1);
    sqlite3_close(db);
}

/* A file from before the last migration is brought up to date on open;
** here a file with version 0 and no tables at all, i.e. a new file. */
static void test_empty_file_is_migrated(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fclose(fp);
    garant_store *st = open_store(f, 1);
    int v = -1;
    assert_ok(garant_store_sqlite_ops.schema_version(garant_store_sqlite_ops.writer(st), &v));
    assert_int_equal(v, gs_sqlite_migration_count);
    garant_store_close(st);
}

/* Migration 5 made a ticket's row its 'created' event. A ticket filed
** before keeps the 'created' row it has in ticket_events, exactly as it
** was, and is not given a second one; a ticket filed after has its
** creation read from its row. */
static void test_tickets_created_before_migration_5(void **state)
{
    fixture *f = *state;
    sqlite3 *db = open_at_version(f, 4);
    raw_old_ticket(db);
    assert_int_equal(raw_exec(db, "INSERT INTO ticket_events (id, ticket_id, at, actor_id, kind, data)"
                                  "  VALUES (3, 7, 100, 1, 'created', '{\"priority\":2,\"via\":\"old\"}')"),
                     SQLITE_OK);
    sqlite3_close(db);

    garant_store *st = open_store(f, 1);
    const garant_store_ops *ops = &garant_store_sqlite_ops;
    garant_store_conn *w = ops->writer(st);
    json_t *arr;
    assert_ok(st_events(w, 7, &arr));
    assert_int_equal(json_array_size(arr), 1);
    json_t *e = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), 3);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "created");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "data"), "via")), "old");
    json_decref(arr);

    garant_ticket t = {.org_id = 1, .requester_id = 1, .priority = 3, .initial_priority = 3, .submitted_at = 200,
                       .first_response_due = GARANT_NO_DUE, .warn_at = GARANT_NO_DUE};
    snprintf(t.subject, sizeof t.subject, "new");
    snprintf(t.plan, sizeof t.plan, "basic");
    snprintf(t.environment, sizeof t.environment, "staging");
    assert_ok(ops->tickets->insert(w, &t, "b"));
    assert_ok(st_events(w, t.id, &arr));
    assert_int_equal(json_array_size(arr), 1);
    e = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "at")), 200);
    assert_string_equal(json_string_value(json_object_get(e, "actor_name")), "Olga");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "data"), "environment")), "staging");
    json_decref(arr);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM ticket_events"), 1);
    garant_store_close(st);
}

/* The migration that keeps a ticket's last update by a person on its row
** (store_tickets.h, updated_at) gives the tickets of an older file theirs:
** the latest event with an actor, not the SLA monitor's after it, and
** none to a ticket whose only events are the system's; from then on the
** trigger keeps it. Found by its trigger's name, wherever the migration
** ends up in the list. */
static void test_updated_at_migration(void **state)
{
    fixture *f = *state;
    int k = -1;
    for (int v = 0; v < gs_sqlite_migration_count; v++)
        if (strstr(gs_sqlite_migrations[v], "ticket_events_update_ticket")) k = v;
    assert_true(k > 4);
    sqlite3 *db = open_at_version(f, k);
    raw_old_ticket(db);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO tickets (id, org_id, requester_id, subject, body, priority,"
                                  "  initial_priority, plan, environment, submitted_at, first_response_due, warn_at)"
                                  "  VALUES (8, 1, 1, 't', 'b', 2, 2, 'professional', 'production', 110, 900, 700);"
                                  "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data) VALUES"
                                  "  (7, 150, 1, 'replied', '{}'), (7, 950, NULL, 'sla_breach', '{}'),"
                                  "  (8, 960, NULL, 'sla_breach', '{}');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    garant_store *st = open_store(f, 1);
    const garant_store_ops *ops = &garant_store_sqlite_ops;
    garant_store_conn *w = ops->writer(st);
    garant_ticket t;
    assert_ok(ops->tickets->get(w, 7, &t));
    assert_int_equal(t.updated_at, 150);
    assert_ok(ops->tickets->get(w, 8, &t));
    assert_int_equal(t.updated_at, 110);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM tickets WHERE updated_at IS NULL"), 1);
    garant_event_in ev = {.ticket_id = 8, .at = 1000, .actor_id = 1, .kind = "replied"};
    assert_ok(ops->tickets->append_event(w, &ev));
    assert_ok(ops->tickets->get(w, 8, &t));
    assert_int_equal(t.updated_at, 1000);
    garant_store_close(st);
}

/* A list's callback: the row's id appended to the text ctx (256 bytes),
** after a comma if it is not the first. */
static int append_id(void *ctx, const garant_ticket_row *row)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%lld", n ? "," : "", (long long)row->t.id);
    return 0;
}

/* The ids a search finds through the store, as "2,1". */
static const char *searched(garant_store_conn *c, const char *q, int64_t org, int public_only)
{
    garant_ticket_filter f;
    memset(&f, 0, sizeof f);
    f.limit = 50;
    f.org_id = org;
    f.public_only = public_only;
    snprintf(f.q, sizeof f.q, "%s", q);
    static char out[256];
    out[0] = '\0';
    assert_ok(GS(c)->tickets->list(c, &f, append_id, out));
    return out;
}

/* Migration 23 builds the search index again (a prefix index, the scope
** of each ticket): tickets and conversations indexed before are found
** after as they were, internal notes still by staff only, and the
** triggers go on indexing what comes. */
static void test_search_index_migrated(void **state)
{
    fixture *f = *state;
    int mine = -1;
    for (int v = 0; v < gs_sqlite_migration_count; v++)
        if (strstr(gs_sqlite_migrations[v], "CREATE VIRTUAL TABLE ticket_search_v22")) mine = v;
    assert_true(mine > 0);
    sqlite3 *db = open_at_version(f, mine);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO orgs (id, name, plan, created_at) VALUES (1, 'Acme', 'basic', 0),"
                                  "  (2, 'Globex', 'basic', 0);"
                                  "INSERT INTO users (id, email, name, role, org_id, password_hash, created_at) VALUES"
                                  "  (1, 'alice@acme.example', 'Alice', 'customer', 1, 'x', 0),"
                                  "  (2, 'bob@globex.example', 'Bob', 'customer', 2, 'x', 0),"
                                  "  (3, 'agnes@vendor.example', 'Agnes', 'agent', NULL, 'x', 0);"
                                  "INSERT INTO tickets (id, org_id, requester_id, subject, body, priority,"
                                  "  initial_priority, plan, environment, submitted_at) VALUES"
                                  "  (1, 1, 1, 'Zebra crossing', 'A kayak trip.', 3, 3, 'basic', 'production', 100),"
                                  "  (2, 2, 2, 'Zeppelin', 'Kayaking.', 3, 3, 'basic', 'production', 200);"
                                  "INSERT INTO replies (id, ticket_id, author_id, body, public, at) VALUES"
                                  "  (1, 1, 3, 'Look at the zenith.', 1, 300),"
                                  "  (2, 1, 3, 'Zucchini, says the log.', 0, 400);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    garant_store *st = open_store(f, 1);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    assert_string_equal(searched(w, "zebra", 0, 0), "1");
    assert_string_equal(searched(w, "kay*", 0, 0), "2,1");
    assert_string_equal(searched(w, "kayaki*", 0, 0), "2");
    assert_string_equal(searched(w, "zenith", 1, 1), "1");
    assert_string_equal(searched(w, "zucchini", 0, 0), "1");
    assert_string_equal(searched(w, "zucchini", 1, 1), "");
    assert_string_equal(searched(w, "zu*", 1, 1), "");
    assert_string_equal(searched(w, "z*", 2, 1), "2");
    assert_string_equal(searched(w, "alice", 0, 0), "1");
    /* Each ticket's scope: its organization and requester. */
    assert_int_equal(raw_int(db_of(w), "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'scope : o2'"), 2);
    assert_int_equal(raw_int(db_of(w), "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'scope : r1'"), 1);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'scope : t'"), 2);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM sqlite_master WHERE name = 'tickets_search_filter'"), 1);

    /* What comes after is indexed with its scope. */
    const garant_store_ops *ops = &garant_store_sqlite_ops;
    garant_ticket t = {.org_id = 2, .requester_id = 2, .priority = 3, .initial_priority = 3, .submitted_at = 500,
                       .first_response_due = GARANT_NO_DUE, .warn_at = GARANT_NO_DUE};
    snprintf(t.subject, sizeof t.subject, "Zebu");
    snprintf(t.plan, sizeof t.plan, "basic");
    snprintf(t.environment, sizeof t.environment, "production");
    assert_ok(ops->tickets->insert(w, &t, "Kayak again."));
    assert_int_equal(t.id, 3);
    assert_ok(ops->tickets->reply_insert(w, 2, 3, "Zither, internally.", 0, 600, NULL));
    assert_ok(ops->tickets->reply_insert(w, 2, 2, "Zircon, publicly.", 1, 700, NULL));
    assert_string_equal(searched(w, "zeb*", 0, 0), "3,1");
    assert_string_equal(searched(w, "kayak", 2, 1), "3");
    assert_string_equal(searched(w, "zi*", 0, 0), "2");
    assert_string_equal(searched(w, "zi*", 2, 1), "2");
    assert_string_equal(searched(w, "zith*", 2, 1), "");
    assert_string_equal(searched(w, "zirc*", 2, 1), "2");
    assert_int_equal(raw_int(db_of(w), "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'scope : o2 AND zebu'"), 3);
    assert_int_equal(raw_exec(db_of(w), "INSERT INTO ticket_search (ticket_search) VALUES ('integrity-check')"),
                     SQLITE_OK);
    garant_store_close(st);
}

static void test_targets(void **state)
{
    fixture *f = *state;
    char target[160];
    snprintf(target, sizeof target, "sqlite:%s", f->path);
    garant_store *st = NULL;
    assert_ok(garant_store_open(&st, target, 1));
    assert_ptr_equal(garant_store_ops_of(st), &garant_store_sqlite_ops);
    garant_org o = make_org(garant_store_ops_of(st)->writer(st), "Target");
    garant_store_close(st);

    /* A bare path is the same SQLite file. */
    assert_ok(garant_store_open(&st, f->path, 1));
    assert_true(org_exists(garant_store_ops_of(st)->writer(st), o.id));
    garant_store_close(st);

    assert_err(garant_store_open(&st, "postgres://localhost/garant", 1), GARANT_EINVAL);
    assert_null(st);
    assert_non_null(strstr(garant_error_last(), "postgres"));
    assert_err(garant_store_open(&st, "", 1), GARANT_EINVAL);
    assert_err(garant_store_open(&st, "sqlite:", 1), GARANT_EINVAL);
    /* No shared memory database: the read pool could not see it. */
    assert_err(garant_store_open(&st, "sqlite::memory:", 1), GARANT_ESTORE);
    garant_store_close(NULL);
}

/* ---- transactions and savepoints ---- */

/* Deferred sync (store.h): the writer commits without an fsync of its own
** (synchronous=NORMAL), readers are unchanged, and sync makes the commits
** durable. What a power cut would lose cannot be observed from a test;
** that sync reaches the log file is checked with strace in
** docs/durability.md. */
static void test_deferred_sync(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    const garant_store_ops *ops = &garant_store_sqlite_ops;
    garant_store_conn *w = ops->writer(st);
    assert_ok(ops->defer_sync(st));
    assert_int_equal(raw_int(db_of(w), "PRAGMA synchronous"), 1);
    garant_store_conn *r = NULL;
    assert_ok(ops->acquire(&r, st));
    assert_int_equal(raw_int(db_of(r), "PRAGMA synchronous"), 2);
    ops->release(r);
    for (int i = 0; i < 3; i++) {
        assert_ok(ops->begin_write(w));
        char name[32];
        snprintf(name, sizeof name, "Deferred %d", i);
        make_org(w, name);
        assert_ok(ops->commit(w));
        assert_ok(ops->sync(st));
    }
    assert_ok(ops->sync(st)); /* nothing new: still fine */
    garant_store_close(st);
    st = open_store(f, 2);
    w = ops->writer(st);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM orgs WHERE name LIKE 'Deferred %'"), 3);
    /* A store opened afresh syncs every commit again until told not to. */
    assert_int_equal(raw_int(db_of(w), "PRAGMA synchronous"), 2);
    garant_store_close(st);
}

/* Bytes of the file at path, 0 if there is none. */
static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* n transactions of the writer, each adding pages pages of blob. */
static void write_pages(garant_store *st, int n, int pages)
{
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT INTO scratch VALUES (randomblob(%d))", pages * 4096);
    for (int i = 0; i < n; i++) {
        assert_ok(GS(w)->begin_write(w));
        assert_int_equal(raw_exec(db_of(w), sql), SQLITE_OK);
        assert_ok(GS(w)->commit(w));
    }
}

/* With deferred sync the writer's commits leave checkpoints to checkpoint
** (the server's checkpointer thread): it no longer copies the log into
** the database and waits for two fsyncs inside the commit that takes the
** log past 1,000 pages, as SQLite's automatic checkpoint did. Once the log
** holds 8,000 pages the writer makes one itself, and the log starts again
** from its beginning. */
static void test_checkpoints_off_the_writer(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    const garant_store_ops *ops = &garant_store_sqlite_ops;
    assert_int_equal(raw_exec(db_of(ops->writer(st)), "CREATE TABLE scratch (b BLOB)"), SQLITE_OK);
    assert_ok(ops->defer_sync(st));
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_ok(ops->checkpoint(st)); /* nothing gathered: nothing to do */
    int64_t db0 = file_size(f->path);
    write_pages(st, 30, 50); /* 1,500 pages and more */
    assert_ok(ops->sync(st));
    assert_int_equal(file_size(f->path), db0);
    assert_ok(ops->checkpoint(st));
    int64_t db1 = file_size(f->path);
    assert_true(db1 >= db0 + 1500 * 4096);
    /* Under 1,000 new pages: not worth a checkpoint yet. */
    write_pages(st, 10, 50);
    assert_ok(ops->checkpoint(st));
    assert_int_equal(file_size(f->path), db1);
    /* The writer's own, past 8,000 pages: the log then starts again, so
    ** it stops growing. */
    write_pages(st, 150, 50);
    int64_t db2 = file_size(f->path);
    assert_true(db2 > db1);
    int64_t wal_size = file_size(wal);
    assert_true(wal_size >= 8000 * 4096 && wal_size < 8200 * 4120);
    write_pages(st, 40, 50);
    assert_int_equal(file_size(wal), wal_size);
    assert_int_equal(raw_int(db_of(ops->writer(st)), "SELECT count(*) FROM scratch"), 230);
    garant_store_close(st);
}

static void test_transactions(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    const garant_store_ops *ops = GS(w);

    assert_ok(ops->begin_write(w));
    garant_org a = make_org(w, "RolledBack");
    assert_true(org_exists(w, a.id));
    assert_ok(ops->rollback(w));
    assert_false(org_exists(w, a.id));

    assert_ok(ops->begin_write(w));
    garant_org b = make_org(w, "Committed");
    /* A read connection does not see uncommitted work... */
    garant_store_conn *r = NULL;
    assert_ok(ops->acquire(&r, st));
    assert_false(org_exists(r, b.id));
    assert_ok(ops->commit(w));
    /* ... and sees it once committed. */
    assert_true(org_exists(r, b.id));

    /* A read transaction keeps its snapshot until it ends. */
    assert_ok(ops->begin_read(r));
    assert_true(org_exists(r, b.id));
    garant_org c = make_org(w, "AfterSnapshot");
    assert_false(org_exists(r, c.id));
    assert_ok(ops->commit(r));
    assert_true(org_exists(r, c.id));

    /* A read connection refuses to write. */
    garant_org d = {0};
    snprintf(d.name, sizeof d.name, "ThroughReader");
    snprintf(d.plan, sizeof d.plan, "basic");
    assert_err(GS(r)->accounts->org_insert(r, &d), GARANT_ESTORE);
    ops->release(r);

    /* Rolling back with no transaction open is harmless; committing is not. */
    assert_ok(ops->rollback(w));
    assert_err(ops->commit(w), GARANT_ESTORE);
    garant_store_close(st);
}

static void test_savepoints(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 1);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    const garant_store_ops *ops = GS(w);

    assert_ok(ops->begin_write(w));
    garant_org outer = make_org(w, "Outer");
    assert_ok(ops->savepoint(w, "req_1"));
    garant_org inner = make_org(w, "Inner");
    assert_ok(ops->savepoint(w, "req_1_nested"));
    garant_org nested = make_org(w, "Nested");
    assert_ok(ops->release_savepoint(w, "req_1_nested"));
    /* Undo only what followed req_1: inner and the released nested one. */
    assert_ok(ops->rollback_to(w, "req_1"));
    assert_ok(ops->release_savepoint(w, "req_1"));
    assert_ok(ops->savepoint(w, "req_2"));
    garant_org after = make_org(w, "After");
    assert_ok(ops->release_savepoint(w, "req_2"));
    assert_ok(ops->commit(w));

    /* By name: ids freed by the rollback are handed out again. */
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM orgs WHERE name = 'Outer'"), 1);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM orgs WHERE name IN ('Inner', 'Nested')"), 0);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM orgs WHERE name = 'After'"), 1);
    garant_org got;
    assert_ok(GS(w)->accounts->org_get(w, after.id, &got));
    assert_string_equal(got.name, "After");
    assert_true(inner.id > outer.id && nested.id > inner.id);

    /* A failed statement inside a savepoint leaves the transaction usable. */
    assert_ok(ops->begin_write(w));
    assert_ok(ops->savepoint(w, "dup"));
    garant_org dup = outer;
    assert_err(GS(w)->accounts->org_insert(w, &dup), GARANT_ECONFLICT);
    assert_ok(ops->rollback_to(w, "dup"));
    assert_ok(ops->release_savepoint(w, "dup"));
    garant_org last = make_org(w, "Last");
    assert_ok(ops->commit(w));
    assert_true(org_exists(w, last.id));
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM orgs"), 3);

    /* Names go into SQL text: only [a-z0-9_]. */
    assert_ok(ops->begin_write(w));
    static const char *const bad[] = {"", "Req", "a-b", "a b", "x; DROP TABLE orgs", "sp\"", "é",
                                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_err(ops->savepoint(w, bad[i]), GARANT_EINVAL);
        assert_err(ops->rollback_to(w, bad[i]), GARANT_EINVAL);
        assert_err(ops->release_savepoint(w, bad[i]), GARANT_EINVAL);
    }
    assert_err(ops->savepoint(w, NULL), GARANT_EINVAL);
    /* An unknown savepoint is the database's refusal. */
    assert_err(ops->rollback_to(w, "never_made"), GARANT_ESTORE);
    assert_ok(ops->rollback(w));
    /* Outside a transaction a savepoint is refused, not silently a transaction. */
    assert_err(ops->savepoint(w, "loose"), GARANT_EINVAL);
    garant_store_close(st);
}

/* A ticket of org 1 and user 1 (made with raw SQL by the caller). */
static garant_ticket plain_ticket(int64_t org_id, const char *subject)
{
    garant_ticket t = {.org_id = org_id, .requester_id = 1, .priority = 3, .initial_priority = 3,
                       .submitted_at = 1767225600, .first_response_due = GARANT_NO_DUE, .warn_at = GARANT_NO_DUE};
    snprintf(t.subject, sizeof t.subject, "%s", subject);
    snprintf(t.plan, sizeof t.plan, "basic");
    snprintf(t.environment, sizeof t.environment, "production");
    return t;
}

/* What the writer relies on when it files a ticket without a savepoint
** (desk_write.h, DESK_WRITE_ONE_STATEMENT): a failed insert undoes itself.
** Refused by a constraint, it changes nothing, the transaction goes on and
** keeps what came before; failed for want of room mid-write (SQLITE_FULL,
** here from max_page_count), SQLite rolls back the whole transaction (a
** savepoint, the writer's probe, is then refused) or only the failed
** statement, trigger included. */
static void test_failed_insert_undoes_itself(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 1);
    garant_store_conn *w = garant_store_sqlite_ops.writer(st);
    const garant_store_ops *ops = GS(w);
    raw_customer(db_of(w), "Acme", "basic", "a@acme.example", "A");

    assert_ok(ops->begin_write(w));
    garant_ticket a = plain_ticket(1, "first"), lost = plain_ticket(99, "no such org"), b = plain_ticket(1, "second");
    assert_ok(ops->tickets->insert(w, &a, "body"));
    assert_err(ops->tickets->insert(w, &lost, "body"), GARANT_ENOTFOUND);
    assert_ok(ops->tickets->insert(w, &b, "body"));
    assert_ok(ops->commit(w));
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM tickets"), 2);
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM tickets WHERE subject IN ('first', 'second')"), 2);
    /* No index entry of the refused row is left either. */
    sqlite3_stmt *chk = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_of(w), "PRAGMA integrity_check", -1, &chk, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(chk), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(chk, 0), "ok");
    sqlite3_finalize(chk);

    /* No room: the file may not grow by a page. */
    int64_t pages = raw_int(db_of(w), "PRAGMA page_count");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages);
    assert_int_equal(raw_exec(db_of(w), sql), SQLITE_OK);
    static char big[GARANT_MAX_BODY + 1];
    memset(big, 'x', GARANT_MAX_BODY);
    assert_ok(ops->begin_write(w));
    garant_ticket c = plain_ticket(1, "third");
    int rc = 0;
    for (int i = 0; i < 1000 && !rc; i++) {
        garant_ticket more = plain_ticket(1, "more");
        /* The first inserts may fit in free pages; one runs out. */
        rc = i == 0 ? ops->tickets->insert(w, &c, "small") : ops->tickets->insert(w, &more, big);
    }
    assert_int_equal(rc, GARANT_ESTORE);
    /* SQLite rolled the whole transaction back, or, since the search
    ** index's trigger (migration 10) is part of the insert, only the failed
    ** statement. The writer's probe tells which: a savepoint is refused
    ** when no transaction is open. Either way the failed row left nothing
    ** behind, and rolling back what is left keeps only the first two. */
    int probe = ops->savepoint(w, "probe");
    if (probe == 0) {
        assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM tickets WHERE subject = 'more' AND length(body) > 5"
                                           " AND id NOT IN (SELECT rowid FROM ticket_search)"), 0);
        assert_ok(ops->rollback(w));
    } else {
        assert_int_equal(probe, GARANT_EINVAL);
        assert_err(ops->commit(w), GARANT_ESTORE);
    }
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM tickets"), 2); /* "third" is gone too */
    assert_int_equal(raw_int(db_of(w), "SELECT count(*) FROM ticket_search"), 2);
    garant_store_close(st);
}

/* ---- the read pool ---- */

typedef struct waiter {
    garant_store *st;
    garant_store_conn *got;
    volatile int done;
    pthread_mutex_t mu;
} waiter;

static void *acquire_thread(void *arg)
{
    waiter *wt = arg;
    garant_store_conn *c = NULL;
    int rc = garant_store_sqlite_ops.acquire(&c, wt->st);
    pthread_mutex_lock(&wt->mu);
    wt->got = rc == 0 ? c : NULL;
    wt->done = 1;
    pthread_mutex_unlock(&wt->mu);
    return NULL;
}

static int waiter_done(waiter *wt)
{
    pthread_mutex_lock(&wt->mu);
    int d = wt->done;
    pthread_mutex_unlock(&wt->mu);
    return d;
}

static void test_read_pool_waits_at_cap(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 2);
    garant_store_conn *r1 = NULL, *r2 = NULL;
    assert_ok(garant_store_sqlite_ops.acquire(&r1, st));
    assert_ok(garant_store_sqlite_ops.acquire(&r2, st));
    assert_ptr_not_equal(r1, r2);
    assert_ptr_not_equal(r1, garant_store_sqlite_ops.writer(st));

    waiter wt = {.st = st};
    pthread_mutex_init(&wt.mu, NULL);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, acquire_thread, &wt), 0);
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* Both connections are out: the third caller waits... */
    assert_false(waiter_done(&wt));
    /* ... until one comes back, and then gets that one. */
    garant_store_sqlite_ops.release(r1);
    pthread_join(th, NULL);
    assert_true(waiter_done(&wt));
    assert_ptr_equal(wt.got, r1);
    pthread_mutex_destroy(&wt.mu);

    garant_store_sqlite_ops.release(wt.got);
    garant_store_sqlite_ops.release(r2);
    garant_store_close(st);
}

/* A connection released with a transaction open comes back without it. */
static void test_release_rolls_back(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 1);
    garant_store_conn *r = NULL;
    assert_ok(garant_store_sqlite_ops.acquire(&r, st));
    assert_ok(garant_store_sqlite_ops.begin_read(r));
    assert_int_equal(sqlite3_get_autocommit(db_of(r)), 0);
    garant_store_sqlite_ops.release(r);
    garant_store_conn *again = NULL;
    assert_ok(garant_store_sqlite_ops.acquire(&again, st));
    assert_ptr_equal(again, r);
    assert_int_equal(sqlite3_get_autocommit(db_of(again)), 1);
    garant_store_sqlite_ops.release(again);
    garant_store_close(st);
}

/* ---- helpers ---- */

static void test_statement_cache(void **state)
{
    fixture *f = *state;
    garant_store *st = open_store(f, 1);
    gs_sqlite_conn *c = gs_sqlite(garant_store_sqlite_ops.writer(st));
    static const char sql[] = "SELECT ?1";
    sqlite3_stmt *a = NULL, *b = NULL;
    assert_ok(gs_sqlite_prepare(c, sql, &a));
    int n = c->ncache;
    assert_int_equal(sqlite3_bind_int(a, 1, 7), SQLITE_OK);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW); /* left mid-way on purpose */
    /* The same text (same address) is the same statement, reset and unbound. */
    assert_ok(gs_sqlite_prepare(c, sql, &b));
    assert_ptr_equal(a, b);
    assert_int_equal(c->ncache, n);
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
    sqlite3_reset(b);

    /* Bad SQL is GARANT_ESTORE with SQLite's message, and is not cached. */
    static const char bad[] = "SELEKT 1";
    assert_err(gs_sqlite_prepare(c, bad, &a), GARANT_ESTORE);
    assert_non_null(strstr(garant_error_last(), "syntax error"));
    assert_int_equal(c->ncache, n);

    /* Rows as JSON objects, every column type. */
    static const char rows[] = "SELECT 1 AS i, 2.5 AS r, 'x' AS s, NULL AS n UNION ALL SELECT 2, 0.5, 'y', NULL";
    json_t *out = NULL;
    assert_ok(gs_sqlite_prepare(c, rows, &a));
    assert_ok(gs_sqlite_rows_json(c, a, &out, "rows"));
    assert_int_equal(json_array_size(out), 2);
    json_t *r0 = json_array_get(out, 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "i")), 1);
    assert_true(json_real_value(json_object_get(r0, "r")) == 2.5);
    assert_string_equal(json_string_value(json_object_get(r0, "s")), "x");
    assert_true(json_is_null(json_object_get(r0, "n")));
    json_decref(out);

    /* Text copies truncate to the buffer and read NULL as "". */
    static const char txt[] = "SELECT 'abcdef', NULL";
    assert_ok(gs_sqlite_prepare(c, txt, &a));
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    char buf[4];
    gs_sqlite_text(buf, sizeof buf, a, 0);
    assert_string_equal(buf, "abc");
    gs_sqlite_text(buf, sizeof buf, a, 1);
    assert_string_equal(buf, "");
    sqlite3_reset(a);
    garant_store_close(st);
}

/* ---- the schema ---- */

/* The history refuses UPDATE and DELETE whatever code runs on the file:
** here a plain sqlite3 connection that knows nothing of garant. */
static void test_ticket_events_append_only(void **state)
{
    fixture *f = *state;
    garant_store_close(open_store(f, 1));

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    raw_customer(db, "Acme", "basic", "a@acme.example", "A");
    assert_int_equal(raw_exec(db, "INSERT INTO tickets (id, org_id, requester_id, subject, body, priority, "
                                  "initial_priority, plan, environment, submitted_at) "
                                  "VALUES (1, 1, 1, 's', 'b', 3, 3, 'basic', 'production', 0)"),
                     SQLITE_OK);
    assert_int_equal(raw_exec(db, "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data) "
                                  "VALUES (1, 0, 1, 'created', '{}')"),
                     SQLITE_OK);

    assert_int_equal(raw_exec(db, "UPDATE ticket_events SET kind = 'noted'"), SQLITE_CONSTRAINT);
    assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
    assert_int_equal(raw_exec(db, "DELETE FROM ticket_events"), SQLITE_CONSTRAINT);
    assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket_events WHERE kind = 'created'"), 1);
    /* Appending goes on working. */
    assert_int_equal(raw_exec(db, "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data) "
                                  "VALUES (1, 1, NULL, 'sla_warning', '{}')"),
                     SQLITE_OK);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket_events"), 2);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_once_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tickets_created_before_migration_5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_updated_at_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_index_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_is_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_off_the_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_savepoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_insert_undoes_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_pool_waits_at_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ticket_events_append_only, setup, teardown),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
