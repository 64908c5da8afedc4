/*
** sqlite_accounts.c - the accounts area of the SQLite backend
** (store_accounts.h): organizations and their e-mail domains, products,
** and the area's table of functions. Users and sign-ups are in
** sqlite_users.c, tokens, sessions and throttling in sqlite_sessions.c.
**
** Domains are compared and stored lower-case (ASCII).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

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
    int err = gs_sqlite_check_text(name, GARANT_MAX_NAME, label);
    if (!err) err = gs_sqlite_check_text(key, GARANT_MAX_KEY, key_noun);
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
    if ((err = gs_sqlite_step_row(c, st, "organization %lld", (long long)id))) return err;
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
    int err = gs_sqlite_check_text(plan, GARANT_MAX_KEY, "organization plan");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_SET_PLAN, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, plan);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "setting an organization's plan");
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    return gs_sqlite_exec_update(c, st, what);
}

static int org_set_name(garant_store_conn *gc, int64_t id, const char *name)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(name, GARANT_MAX_NAME, "organization name");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_SET_NAME, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = gs_sqlite_bind_text(st, 2, name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "renaming an organization");
    char what[GARANT_MAX_NAME + 64];
    snprintf(what, sizeof what, "organization \"%s\"", name);
    return gs_sqlite_exec_update(c, st, what);
}

static int org_delete_steps(gs_sqlite_conn *c, int64_t id);

static int org_delete(garant_store_conn *gc, int64_t id)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int64_t tickets = 0, users = 0;
    int err = gs_sqlite_query_by_id(c, SQL_ORG_HAS_TICKETS, id, "looking up an organization's tickets", &tickets);
    if (!err) err = gs_sqlite_query_by_id(c, SQL_ORG_USERS, id, "counting an organization's users", &users);
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

static int read_org_entry(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_org_entry *e = row;
    e->org.id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(e->org.name, sizeof e->org.name, st, 1);
    gs_sqlite_text(e->org.plan, sizeof e->org.plan, st, 2);
    e->org.created_at = sqlite3_column_int64(st, 3);
    e->deactivated_at = sqlite3_column_int64(st, 4); /* NULL reads as 0 */
    gs_sqlite_text(e->org.ticket_visibility, sizeof e->org.ticket_visibility, st, 5);
    e->org.approval_required = sqlite3_column_int(st, 6);
    return 0;
}

/* Two queries merged by organization id (both sorted by it): a domain of
** an organization the first query did not see is skipped, which only
** happens outside a transaction. Run inside begin_read for one snapshot.
** Each organization's domains come together, in the organizations' order,
** so their places in the one array are set once it is whole. */
static int org_list(garant_store_conn *gc, garant_org_list *out)
{
    static const char what[] = "listing organizations";
    gs_sqlite_conn *c = gs_sqlite(gc);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    void *orgs = NULL;
    int err = gs_sqlite_prepare(c, SQL_ORG_LIST, &st);
    if (!err) err = gs_sqlite_rows(c, st, sizeof *out->orgs, GS_SQLITE_MAX_ROWS, read_org_entry, NULL, &orgs, &out->n,
                                   what);
    if (err) return err;
    out->orgs = orgs;
    if ((err = gs_sqlite_prepare(c, SQL_DOMAIN_LIST, &st))) goto fail;
    size_t at = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t org_id = sqlite3_column_int64(st, 0);
        while (at < out->n && out->orgs[at].org.id < org_id) at++;
        if (at == out->n) break;
        if (out->orgs[at].org.id != org_id) continue;
        if (out->ndomains == cap) {
            size_t grown = cap ? 2 * cap : 16;
            garant_domain *more = grown <= GS_SQLITE_MAX_ROWS ? realloc(out->domains, grown * sizeof *more) : NULL;
            if (!more) {
                err = garant__error(GARANT_ENOMEM, "%s: out of memory", "listing organizations' domains");
                break;
            }
            out->domains = more;
            cap = grown;
        }
        gs_sqlite_text(out->domains[out->ndomains++], sizeof(garant_domain), st, 1);
        out->orgs[at].ndomains++;
    }
    if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE) err = gs_sqlite_fail(c, rc, "listing organizations' domains");
    sqlite3_reset(st);
    if (err) goto fail;
    size_t first = 0;
    for (size_t i = 0; i < out->n; i++) {
        out->orgs[i].domains = out->orgs[i].ndomains ? out->domains + first : NULL;
        first += out->orgs[i].ndomains;
    }
    return 0;
fail:
    garant_org_list_free(out);
    return err;
}

static int domain_add(garant_store_conn *gc, int64_t org_id, const char *domain)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    int err = gs_sqlite_check_text(domain, GARANT_MAX_DOMAIN, "domain");
    if (err) return err;
    char lower[GARANT_MAX_DOMAIN + 1];
    gs_sqlite_lower_copy(lower, sizeof lower, domain);
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_DOMAIN_ADD, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, lower);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, org_id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "adding a domain");
    char what[GARANT_MAX_DOMAIN + 64];
    snprintf(what, sizeof what, "domain %s of organization %lld", lower, (long long)org_id);
    return gs_sqlite_exec_stmt(c, st, what);
}

static int domain_org(garant_store_conn *gc, const char *domain, int64_t *out_org_id)
{
    sqlite3_stmt *st;
    int err = gs_sqlite_lookup_lower(gs_sqlite(gc), SQL_DOMAIN_ORG, domain, GARANT_MAX_DOMAIN, "domain", "domain", &st);
    if (err) return err;
    *out_org_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* Its domains, then the organization (the caller's transaction holds
** them together). */
static int org_delete_steps(gs_sqlite_conn *c, int64_t id)
{
    int err = gs_sqlite_exec_by_id(c, SQL_ORG_DELETE_DOMAINS, id, "deleting an organization's domains");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_ORG_DELETE, &st))) return err;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "deleting an organization");
    char what[48];
    snprintf(what, sizeof what, "organization %lld", (long long)id);
    return gs_sqlite_exec_update(c, st, what);
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
    int err = gs_sqlite_check_text(name, GARANT_MAX_NAME, "product name");
    if (err) return err;
    sqlite3_stmt *st;
    if ((err = gs_sqlite_prepare(c, SQL_PRODUCT_BY_NAME, &st))) return err;
    int rc = gs_sqlite_bind_text(st, 1, name);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "looking up a product");
    if ((err = gs_sqlite_step_row(c, st, "product \"%s\"", name))) return err;
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(out->name, sizeof out->name, st, 1);
    gs_sqlite_text(out->stage, sizeof out->stage, st, 2);
    out->created_at = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return 0;
}

static int read_product(sqlite3_stmt *st, void *row, const char *what)
{
    (void)what;
    garant_product *p = row;
    p->id = sqlite3_column_int64(st, 0);
    gs_sqlite_text(p->name, sizeof p->name, st, 1);
    gs_sqlite_text(p->stage, sizeof p->stage, st, 2);
    p->created_at = sqlite3_column_int64(st, 3);
    return 0;
}

static int product_list(garant_store_conn *gc, garant_product **out, size_t *out_n)
{
    gs_sqlite_conn *c = gs_sqlite(gc);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PRODUCT_LIST, &st);
    if (err) return err;
    void *rows = NULL;
    if ((err = gs_sqlite_rows(c, st, sizeof **out, GS_SQLITE_MAX_ROWS, read_product, NULL, &rows, out_n,
                              "listing products")))
        return err;
    *out = rows;
    return 0;
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
    .user_insert = gs_sqlite_user_insert,
    .user_get = gs_sqlite_user_get,
    .user_by_email = gs_sqlite_user_by_email,
    .user_set_password = gs_sqlite_user_set_password,
    .user_set_verified = gs_sqlite_user_set_verified,
    .user_set_deactivated = gs_sqlite_user_set_deactivated,
    .user_delete = gs_sqlite_user_delete,
    .user_list = gs_sqlite_user_list,
    .signup_insert = gs_sqlite_signup_insert,
    .signup_take = gs_sqlite_signup_take,
    .signup_latest = gs_sqlite_signup_latest,
    .token_insert = gs_sqlite_token_insert,
    .token_consume = gs_sqlite_token_consume,
    .session_insert = gs_sqlite_session_insert,
    .session_get = gs_sqlite_session_get,
    .session_revoke = gs_sqlite_session_revoke,
    .session_revoke_user = gs_sqlite_session_revoke_user,
    .throttle_record = gs_sqlite_throttle_record,
    .throttle_count = gs_sqlite_throttle_count,
    .throttle_clear = gs_sqlite_throttle_clear,
    .throttle_recent = gs_sqlite_throttle_recent,
    .throttle_clear_prefix = gs_sqlite_throttle_clear_prefix,
    .product_insert = product_insert,
    .product_by_name = product_by_name,
    .product_list = product_list,
};

