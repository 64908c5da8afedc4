/*
** sqlite_accounts.c - the accounts area of the SQLite backend: organizations
** and their domains, users and their list, single-use tokens, sessions,
** throttling and products (store_accounts.h).
**
** E-mail addresses and domains are compared and stored lower-case (ASCII
** only: the local part of an address is case-sensitive in theory, never in
** practice, and a user who signed up as Alice@X must be able to log in as
** alice@x). A token or session has expired when now >= expires_at.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

/* Longest domain name (RFC 1035) and throttle key ("login:" + an address + "|" + a client address). */
#define GS_MAX_DOMAIN 253
#define GS_MAX_THROTTLE_KEY (GARANT_MAX_EMAIL + 64)

/* ---- small helpers ---- */

/* A required text argument of at most max bytes. */
static int check_text(const char *s, size_t max, const char *what)
{
    if (!s || !*s) return garant__error(GARANT_EINVAL, "%s: empty", what);
    if (strnlen(s, max + 1) > max) return garant__error(GARANT_ELIMIT, "%s: longer than %zu bytes", what, max);
    return 0;
}

/* Copy s lower-cased (ASCII) into dst of cap bytes; s fits (checked). */
static void lower_copy(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    dst[i] = '\0';
}

/* Step a query expected to yield one row. 0 with the row ready to read (the
** caller resets the statement after reading), GARANT_ENOTFOUND if there is
** none, another error otherwise; on error the statement is reset. */
static int step_row(gs_sqlite_conn *c, sqlite3_stmt *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Step st to its row. On failure the record is named from fmt, formatted
** only then: organizations and users are read on every filed ticket and
** every uncached request. */
static int step_row(gs_sqlite_conn *c, sqlite3_stmt *st, const char *fmt, ...)
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

/* Run an UPDATE and report GARANT_ENOTFOUND if it touched no row. */
static int exec_update(gs_sqlite_conn *c, sqlite3_stmt *st, const char *what)
{
    int err = gs_sqlite_exec_stmt(c, st, what);
    if (err) return err;
    if (sqlite3_changes(c->db) == 0) return garant__error(GARANT_ENOTFOUND, "%s: not found", what);
    return 0;
}

/* now - window_s without overflowing: the oldest instant inside the window. */
static int64_t window_start(int64_t now, int64_t window_s)
{
    return now < INT64_MIN + window_s ? INT64_MIN : now - window_s;
}

static garant_role role_from_text(const char *s)
{
    garant_role r = GARANT_ROLE_CUSTOMER; /* the schema's CHECK allows nothing else */
    garant_role_parse(&r, s);
    return r;
}

/* Run a statement of one integer parameter, id, to completion. */
static int exec_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return gs_sqlite_exec_stmt(c, st, what);
}

/* The integer a one-row query of one integer parameter, id, yields. */
static int query_by_id(gs_sqlite_conn *c, const char *sql, int64_t id, const char *what, int64_t *out)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, sql, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    if ((err = step_row(c, st, "%s", what))) return err;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* ---- organizations ---- */

static const char SQL_ORG_INSERT[] = "INSERT INTO orgs (name, plan, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_ORG_GET[] =
    "SELECT id, name, plan, created_at, ticket_visibility, approval_required FROM orgs WHERE id = ?1";
static const char SQL_ORG_SET_PLAN[] = "UPDATE orgs SET plan = ?2 WHERE id = ?1";
static const char SQL_ORG_SET_NAME[] = "UPDATE orgs SET name = ?2 WHERE id = ?1";
static const char SQL_ORG_HAS_TICKETS[] = "SELECT EXISTS (SELECT 1 FROM tickets WHERE org_id = ?1)";
static const char SQL_ORG_USERS[] = "SELECT count(*) FROM users WHERE org_id = ?1";
static const char SQL_ORG_DELETE_DOMAINS[] = "DELETE FROM org_domains WHERE org_id = ?1";
static const char SQL_ORG_DELETE[] = "DELETE FROM orgs WHERE id = ?1";
static const char SQL_ORG_LIST[] = "SELECT id, name, plan, created_at, deactivated_at, ticket_visibility,"
                                   " approval_required FROM orgs ORDER BY id";
static const char SQL_DOMAIN_LIST[] = "SELECT org_id, domain FROM org_domains ORDER BY org_id, domain";
static const char SQL_DOMAIN_ADD[] = "INSERT INTO org_domains (domain, org_id) VALUES (?1, ?2)";
static const char SQL_DOMAIN_ORG[] = "SELECT org_id FROM org_domains WHERE domain = ?1";

/* Insert a row of (name, second text, created_at) with sql, as the
** organization and product inserts share; *out_id receives the new id.
** `noun` names the record in messages ("organization"). */
static int insert_named(gs_sqlite_conn *c, const char *sql, const char *name, const char *key, int64_t created_at,
                        const char *noun, const char *key_noun, int64_t *out_id)
{
    char label[64];
    snprintf(label, sizeof label, "%s name", noun);
    int err = check_text(name, GARANT_MAX_NAME, label);
    if (!err) err = check_text(key, GARANT_MAX_KEY, key_noun);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, sql, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, key);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, created_at);
    char what[GARANT_MAX_NAME + 64];
    if (rc != SQLITE_OK) {
        snprintf(what, sizeof what, "inserting %s", noun);
        return gs_sqlite_fail(c, rc, what);
    }
    snprintf(what, sizeof what, "%s \"%s\"", noun, name);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    *out_id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static int org_insert(garant_store_conn *gc, garant_org *io)
{
    return insert_named(gs_sqlite(gc), SQL_ORG_INSERT, io->name, io->plan, io->created_at, "organization",
                        "organization plan", &io->id);
}

static int org_get(garant_store_conn *gc, int64_t id, garant_org *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ORG_GET, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading an organization");
    if ((err = step_row(c, st, "organization %lld", (long long)id))) return err;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(out->name, sizeof out->name, st, 1);
    gs_sqlite_text(out->plan, sizeof out->plan, st, 2);
    out->created_at = sqlite3_column_int64(st, 3);
    gs_sqlite_text(out->ticket_visibility, sizeof out->ticket_visibility, st, 4);
    out->approval_required = sqlite3_column_int(st, 5);
    sqlite3_reset(st);
    return 0;
}

static int org_set_plan(garant_store_conn *gc, int64_t id, const char *plan)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(plan, GARANT_MAX_KEY, "organization plan");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_SET_PLAN, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, plan);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "setting an organization's plan");
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    return exec_update(c, st, what);
}

static int org_set_name(garant_store_conn *gc, int64_t id, const char *name)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(name, GARANT_MAX_NAME, "organization name");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_SET_NAME, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "renaming an organization");
    char what[GARANT_MAX_NAME + 64];
    snprintf(what, sizeof what, "organization \"%s\"", name);
    return exec_update(c, st, what);
}

static int org_delete_steps(gs_sqlite_conn *c, int64_t id);

static int org_delete(garant_store_conn *gc, int64_t id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int64_t tickets = 0, users = 0;
    int err = query_by_id(c, SQL_ORG_HAS_TICKETS, id, "looking up an organization's tickets", &tickets);
    if (!err) err = query_by_id(c, SQL_ORG_USERS, id, "counting an organization's users", &users);
    if (err) return err;
    if (tickets)
        return garant__error(GARANT_ECONFLICT, "organization %lld has tickets, which must keep their organization; "
                             "it cannot be deleted", (long long)id);
    if (users == 1)
        return garant__error(GARANT_ECONFLICT, "organization %lld has 1 user: delete it first", (long long)id);
    if (users)
        return garant__error(GARANT_ECONFLICT, "organization %lld has %lld users: delete them first", (long long)id,
                             (long long)users);
    return org_delete_steps(c, id);
}

/* Two queries merged by organization id (both sorted by it): a domain of
** an organization the first query did not see is skipped, which only
** happens outside a transaction. Run inside begin_read for one snapshot. */
static int org_list(garant_store_conn *gc, json_t **out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    sqlite3_stmt *st;
    json_t *orgs = NULL;
    int err = gs_sqlite_prepare(c, SQL_ORG_LIST, &st);
    if (!err) err = gs_sqlite_rows_json(c, st, &orgs, "listing organizations");
    if (err) return err;
    size_t n = json_array_size(orgs);
    for (size_t i = 0; i < n; i++) {
        json_t *domains = json_array();
        if (!domains || json_object_set_new(json_array_get(orgs, i), "domains", domains) != 0) {
            json_decref(orgs);
            return garant__error(GARANT_ENOMEM, "listing organizations: out of memory");
        }
    }
    if ((err = gs_sqlite_prepare(c, SQL_DOMAIN_LIST, &st))) {
        json_decref(orgs);
        return err;
    }
    size_t at = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t org_id = sqlite3_column_int64(st, 0);
        while (at < n && json_integer_value(json_object_get(json_array_get(orgs, at), "id")) < org_id) at++;
        if (at == n) break;
        json_t *org = json_array_get(orgs, at);
        if (json_integer_value(json_object_get(org, "id")) != org_id) continue;
        if (json_array_append_new(json_object_get(org, "domains"), gs_sqlite_json_col(st, 1)) != 0) {
            err = garant__error(GARANT_ENOMEM, "listing organizations' domains: out of memory");
            break;
        }
    }
    if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, "listing organizations' domains");
    sqlite3_reset(st);
    if (err) {
        json_decref(orgs);
        return err;
    }
    *out = orgs;
    return 0;
}

static int domain_add(garant_store_conn *gc, int64_t org_id, const char *domain)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(domain, GS_MAX_DOMAIN, "domain");
    if (err) return err;
    char lower[GS_MAX_DOMAIN + 1];
    lower_copy(lower, sizeof lower, domain);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_DOMAIN_ADD, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, org_id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "adding a domain");
    char what[GS_MAX_DOMAIN + 64];
    snprintf(what, sizeof what, "domain %s of organization %lld", lower, (long long)org_id);
    return gs_sqlite_exec_stmt(c, st, what);
}

/* Look up the one row whose key column equals key lower-cased (domains and
** e-mails are stored lower-case): checks the key, binds it and steps to
** the row. On success *out is positioned on the row; the caller reads its
** columns and resets it. `key_label` names the key when it is malformed
** ("user e-mail"), `label` the record in the other messages ("user"). */
static int lookup_lower(gs_sqlite_conn *c, const char *sql, const char *key, size_t max, const char *key_label,
                        const char *label, sqlite3_stmt **out)
{
    int err = check_text(key, max, key_label);
    if (err) return err;
    char lower[GARANT_MAX_EMAIL + 1];
    lower_copy(lower, sizeof lower, key);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, sql, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "looking up a %s", label);
        return gs_sqlite_fail(c, rc, what);
    }
    if ((err = step_row(c, st, "%s %s", label, lower))) return err;
    *out = st;
    return 0;
}

static int domain_org(garant_store_conn *gc, const char *domain, int64_t *out_org_id)
{
    sqlite3_stmt *st;
    int err = lookup_lower(gs_sqlite(gc), SQL_DOMAIN_ORG, domain, GS_MAX_DOMAIN, "domain", "domain", &st);
    if (err) return err;
    *out_org_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* Its domains, then the organization (the caller's transaction holds
** them together). */
static int org_delete_steps(gs_sqlite_conn *c, int64_t id)
{
    int err = exec_by_id(c, SQL_ORG_DELETE_DOMAINS, id, "deleting an organization's domains");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_DELETE, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deleting an organization");
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    return exec_update(c, st, what);
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
#define USER_LIST_SELECT                                                                                       \
    "SELECT u.id AS id, u.email AS email, u.name AS name, u.role AS role, u.org_id AS org_id,"                  \
    " o.name AS org_name, u.verified_at AS verified_at, u.created_at AS created_at,"                        \
    " u.deactivated_at AS deactivated_at, u.org_manager AS org_manager, u.approval AS approval"                \
    " FROM users u LEFT JOIN orgs o ON o.id = u.org_id "
#define USER_LIST_FILTERS                                                                                      \
    " AND (?2 = '' OR u.role = ?2)"                                                                            \
    " AND (?4 = '' OR instr(lower(u.email), ?4) > 0 OR instr(lower(u.name), ?4) > 0)"                          \
    " AND (?6 IS NULL OR u.approval = ?6)"                                                                     \
    " ORDER BY u.id DESC LIMIT ?5"
static const char SQL_USER_LIST_ORG[] = USER_LIST_SELECT "WHERE u.org_id = ?3 AND u.id < ?1" USER_LIST_FILTERS;
static const char SQL_USER_LIST_ALL[] = USER_LIST_SELECT "WHERE ?3 = 0 AND u.id < ?1" USER_LIST_FILTERS;
/* Page size of the list: the API's ceiling, checked again here. */
#define GS_USER_PAGE_MAX 200

static int bind_int64_or_null(sqlite3_stmt *st, int i, int64_t v)
{
    return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

static int user_insert(garant_store_conn *gc, garant_user *io)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(io->email, GARANT_MAX_EMAIL, "user e-mail");
    if (!err) err = check_text(io->name, GARANT_MAX_NAME, "user name");
    if (!err) err = check_text(io->password_hash, sizeof io->password_hash - 1, "user password hash");
    if (err) return err;
    if ((int)io->role < GARANT_ROLE_CUSTOMER || (int)io->role > GARANT_ROLE_ADMIN)
        return garant__error(GARANT_EINVAL, "user %s: unknown role %d", io->email, (int)io->role);
    /* The schema checks this too; saying it here gives a clearer message. */
    if ((io->role == GARANT_ROLE_CUSTOMER) != (io->org_id != 0))
        return garant__error(GARANT_EINVAL, "user %s: customers, and only customers, belong to an organization",
                             io->email);
    lower_copy(io->email, sizeof io->email, io->email);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_INSERT, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, io->email);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, io->name);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 3, garant_role_name(io->role));
    if (rc == SQLITE_OK) rc = bind_int64_or_null(st, 4, io->org_id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 5, io->password_hash);
    if (rc == SQLITE_OK) rc = bind_int64_or_null(st, 6, io->verified_at);
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

static int user_get(garant_store_conn *gc, int64_t id, garant_user *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_GET, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a user");
    if ((err = step_row(c, st, "user %lld", (long long)id))) return err;
    read_user(out, st);
    sqlite3_reset(st);
    return 0;
}

static int user_by_email(garant_store_conn *gc, const char *email, garant_user *out)
{
    sqlite3_stmt *st;
    int err = lookup_lower(gs_sqlite(gc), SQL_USER_BY_EMAIL, email, GARANT_MAX_EMAIL, "user e-mail", "user", &st);
    if (err) return err;
    read_user(out, st);
    sqlite3_reset(st);
    return 0;
}

static int user_list(garant_store_conn *gc, const garant_user_filter *f, json_t **out)
{
    static const char what[] = "listing users";
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    if (f->limit < 1 || f->limit > GS_USER_PAGE_MAX)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d (got %d)", what, GS_USER_PAGE_MAX, f->limit);
    garant_role any;
    if (f->role[0] && !garant_role_parse(&any, f->role))
        return garant__error(GARANT_EINVAL, "%s: unknown role \"%.15s\"", what, f->role);
    size_t qlen = strnlen(f->q, sizeof f->q);
    if (qlen == sizeof f->q) return garant__error(GARANT_ELIMIT, "%s: search text longer than %d bytes", what,
                                                  GARANT_MAX_USER_QUERY);
    char q[GARANT_MAX_USER_QUERY + 1];
    lower_copy(q, sizeof q, f->q);
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
    return gs_sqlite_rows_json(c, st, out, what);
}

static int user_set_password(garant_store_conn *gc, int64_t id, const char *hash)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(hash, sizeof((garant_user *)0)->password_hash - 1, "user password hash");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_SET_PASSWORD, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, hash);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "setting a password");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return exec_update(c, st, what);
}

/* at 0 marks the address unproven again. */
static int user_set_verified(garant_store_conn *gc, int64_t id, int64_t at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_VERIFIED, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = bind_int64_or_null(st, 2, at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "marking a user verified");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return exec_update(c, st, what);
}

static int user_set_deactivated(garant_store_conn *gc, int64_t id, int64_t at)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_USER_SET_DEACTIVATED, &st);
    if (err) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = bind_int64_or_null(st, 2, at);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deactivating a user");
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    return exec_update(c, st, what);
}

/* The caller's transaction holds the steps together: a failure after the
** sessions are gone is rolled back with the rest (the writer's savepoint). */
static int user_delete(garant_store_conn *gc, int64_t id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int64_t history = 0;
    int err = query_by_id(c, SQL_USER_HISTORY, id, "looking up a user's history", &history);
    if (err) return err;
    if (history)
        return garant__error(GARANT_ECONFLICT, "user %lld has tickets, replies or other history, which must keep "
                             "their author: deactivate the user instead", (long long)id);
    if ((err = exec_by_id(c, SQL_USER_DELETE_SESSIONS, id, "deleting a user's sessions"))) return err;
    if ((err = exec_by_id(c, SQL_USER_DELETE_TOKENS, id, "deleting a user's tokens"))) return err;
    char what[48];
    snprintf(what, sizeof what, "user %lld", (long long)id);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_USER_DELETE, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    return exec_update(c, st, what);
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

static int signup_insert(garant_store_conn *gc, garant_signup *io, const uint8_t token_hash[32])
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(io->email, GARANT_MAX_EMAIL, "sign-up e-mail");
    if (!err) err = check_text(io->name, GARANT_MAX_NAME, "sign-up name");
    if (!err) err = check_text(io->password_hash, sizeof io->password_hash - 1, "sign-up password hash");
    if (err) return err;
    lower_copy(io->email, sizeof io->email, io->email);
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

static int signup_take(garant_store_conn *gc, const uint8_t token_hash[32], int64_t now, garant_signup *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SIGNUP_BY_TOKEN, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a sign-up");
    /* Unknown, used and expired are one answer, as for tokens. */
    if ((err = step_row(c, st, "sign-up (unknown, used or expired)"))) return err;
    read_signup(out, st);
    sqlite3_reset(st);
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_DELETE_EMAIL, &st))) return err;
    rc = gs_sqlite_bind_text(st, 1, out->email);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deleting sign-ups");
    return gs_sqlite_exec_stmt(c, st, "deleting sign-ups");
}

static int signup_latest(garant_store_conn *gc, const char *email, int64_t now, garant_signup *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(email, GARANT_MAX_EMAIL, "sign-up e-mail");
    if (err) return err;
    char lower[GARANT_MAX_EMAIL + 1];
    lower_copy(lower, sizeof lower, email);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_SIGNUP_LATEST, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a sign-up");
    if ((err = step_row(c, st, "sign-up of %s", lower))) return err;
    read_signup(out, st);
    sqlite3_reset(st);
    return 0;
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

static int token_insert(garant_store_conn *gc, garant_token_kind kind, int64_t user_id, const uint8_t hash[32],
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

static int token_consume(garant_store_conn *gc, garant_token_kind kind, const uint8_t hash[32], int64_t now,
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
    if ((err = step_row(c, st, "token (unknown, used or expired)"))) return err;
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

static int session_insert(garant_store_conn *gc, garant_session *io)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(io->csrf, sizeof io->csrf - 1, "session CSRF token");
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

static int session_get(garant_store_conn *gc, const uint8_t hash[32], int64_t now, garant_session *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SESSION_GET, &st);
    if (err) return err;
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "reading a session");
    if ((err = step_row(c, st, "session (unknown, revoked or expired)"))) return err;
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
static int session_revoke(garant_store_conn *gc, const uint8_t hash[32], int64_t now)
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
    if ((err = step_row(c, st, "session"))) return err;
    sqlite3_reset(st);
    return 0;
}

/* Every live session of the user; none is not an error. */
static int session_revoke_user(garant_store_conn *gc, int64_t user_id, int64_t now)
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
static const char SQL_THROTTLE_COUNT[] = "SELECT count(*) FROM throttle WHERE key = ?1 AND at >= ?2 AND at <= ?3";
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
    int err = check_text(key, GS_MAX_THROTTLE_KEY, "throttle key");
    if (err) return err;
    if (window_s < 0) return garant__error(GARANT_EINVAL, "throttle %s: negative window %lld s", key,
                                           (long long)window_s);
    return 0;
}

static int throttle_count(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = throttle_args(key, window_s);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_COUNT, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, key);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, window_start(now, window_s));
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, now);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "counting login failures");
    if ((err = step_row(c, st, "counting login failures"))) return err;
    *out_count = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
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

static int throttle_record(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = throttle_args(key, window_s);
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_SP, &st))) return err;
    if ((err = gs_sqlite_exec_stmt(c, st, "recording a login failure"))) return err;
    err = throttle_record_steps(c, key, now, window_s);
    if (!err) err = throttle_count(gc, key, now, window_s, out_count);
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

static int throttle_clear(garant_store_conn *gc, const char *key)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(key, GS_MAX_THROTTLE_KEY, "throttle key");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_THROTTLE_CLEAR, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, key);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "clearing login failures");
    return gs_sqlite_exec_stmt(c, st, "clearing login failures");
}

static int throttle_recent(garant_store_conn *gc, const char *key, int64_t now, int64_t window_s, int *out_count,
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
    if ((err = step_row(c, st, "counting login failures"))) return err;
    *out_count = sqlite3_column_int(st, 0);
    *out_last_at = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

static int throttle_clear_prefix(garant_store_conn *gc, const char *prefix)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(prefix, GS_MAX_THROTTLE_KEY, "throttle key prefix");
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

/* ---- products ---- */

static const char SQL_PRODUCT_INSERT[] = "INSERT INTO products (name, stage, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_PRODUCT_BY_NAME[] = "SELECT id, name, stage, created_at FROM products WHERE name = ?1";
static const char SQL_PRODUCT_LIST[] = "SELECT id, name, stage, created_at FROM products ORDER BY name, id";

static int product_insert(garant_store_conn *gc, garant_product *io)
{
    return insert_named(gs_sqlite(gc), SQL_PRODUCT_INSERT, io->name, io->stage, io->created_at, "product",
                        "product stage", &io->id);
}

static int product_by_name(garant_store_conn *gc, const char *name, garant_product *out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = check_text(name, GARANT_MAX_NAME, "product name");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_PRODUCT_BY_NAME, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "looking up a product");
    if ((err = step_row(c, st, "product \"%s\"", name))) return err;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(out->name, sizeof out->name, st, 1);
    gs_sqlite_text(out->stage, sizeof out->stage, st, 2);
    out->created_at = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return 0;
}

static int product_list(garant_store_conn *gc, json_t **out)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRODUCT_LIST, &st);
    if (err) return err;
    return gs_sqlite_rows_json(c, st, out, "listing products");
}

const garant_store_accounts_ops gs_sqlite_accounts_ops = {
    .org_insert = org_insert,
    .org_get = org_get,
    .org_set_plan = org_set_plan,
    .org_set_name = org_set_name,
    .org_delete = org_delete,
    .org_list = org_list,
    .domain_add = domain_add,
    .domain_org = domain_org,
    .user_insert = user_insert,
    .user_get = user_get,
    .user_by_email = user_by_email,
    .user_set_password = user_set_password,
    .user_set_verified = user_set_verified,
    .user_set_deactivated = user_set_deactivated,
    .user_delete = user_delete,
    .user_list = user_list,
    .signup_insert = signup_insert,
    .signup_take = signup_take,
    .signup_latest = signup_latest,
    .token_insert = token_insert,
    .token_consume = token_consume,
    .session_insert = session_insert,
    .session_get = session_get,
    .session_revoke = session_revoke,
    .session_revoke_user = session_revoke_user,
    .throttle_record = throttle_record,
    .throttle_count = throttle_count,
    .throttle_clear = throttle_clear,
    .throttle_recent = throttle_recent,
    .throttle_clear_prefix = throttle_clear_prefix,
    .product_insert = product_insert,
    .product_by_name = product_by_name,
    .product_list = product_list,
};
