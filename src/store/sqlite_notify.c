/*
** sqlite_notify.c - the SQLite backend's reads and writes for the mail
** producer (store_notify.h): the mail_cursor row, the users' language and
** zone, and the tickets and events past the cursor. Every walk is a range
** of a primary key, so a round costs what is new, not what exists.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "garant/error_wrap.h"

static const char SQL_CURSOR[] = "SELECT ticket_id, event_id FROM mail_cursor WHERE id = 1";
static const char SQL_ADVANCE[] = "UPDATE mail_cursor SET ticket_id = ?3, event_id = ?4"
                                  " WHERE id = 1 AND ticket_id = ?1 AND event_id = ?2";
static const char SQL_LAST_IDS[] = "SELECT (SELECT COALESCE(max(id), 0) FROM tickets),"
                                   " (SELECT COALESCE(max(id), 0) FROM ticket_events)";

/* The requester's columns, for tickets() and requester(). */
#define REQUESTER_COLS                                                                                         \
    "SELECT t.id AS id, u.id AS requester_id, u.email AS email, u.name AS name, u.language AS language,"       \
    " COALESCE(u.zone, '') AS zone, u.role AS role, (u.deactivated_at IS NULL) AS active, o.name AS org_name," \
    " t.filed_by_mail AS filed_by_mail"                                                                      \
    " FROM tickets t JOIN users u ON u.id = t.requester_id JOIN orgs o ON o.id = t.org_id "

static const char SQL_TICKETS[] = REQUESTER_COLS "WHERE t.id > ?1 AND t.id <= ?2 ORDER BY t.id LIMIT ?3";
static const char SQL_REQUESTER[] = REQUESTER_COLS "WHERE t.id = ?1";

/* Kinds that may cause a mail; 'noted' (an internal note) is not one. */
static const char SQL_EVENTS[] =
    "SELECT e.id AS id, e.ticket_id AS ticket_id, e.at AS at, e.kind AS kind, e.data AS data,"
    " e.actor_id AS actor_id, a.name AS actor_name, a.role AS actor_role, r.body AS body, r.public AS public"
    " FROM ticket_events e LEFT JOIN users a ON a.id = e.actor_id"
    " LEFT JOIN replies r ON e.kind = 'replied' AND r.id = json_extract(e.data, '$.reply_id')"
    " WHERE e.id > ?1 AND e.id <= ?2"
    " AND e.kind IN ('replied', 'priority_changed', 'status_changed', 'sla_warning', 'sla_breach')"
    " ORDER BY e.id LIMIT ?3";

static const char SQL_STAFF[] = "SELECT email, name, language, COALESCE(zone, '') AS zone FROM users"
                                " WHERE role = ?1 AND deactivated_at IS NULL AND verified_at IS NOT NULL"
                                " ORDER BY id LIMIT ?2";
static const char SQL_PREFS_GET[] = "SELECT language, COALESCE(zone, '') FROM users WHERE id = ?1";
static const char SQL_PREFS_SET[] = "UPDATE users SET language = COALESCE(?2, language),"
                                    " zone = CASE WHEN ?3 IS NULL THEN zone WHEN ?3 = '' THEN NULL ELSE ?3 END"
                                    " WHERE id = ?1";
static const char SQL_SIGNUP_LANGUAGE[] = "SELECT COALESCE(language, '') FROM signups WHERE token_hash = ?1";
static const char SQL_SIGNUP_SET_LANGUAGE[] = "UPDATE signups SET language = ?2 WHERE id = ?1";

/* Two integers of the one row st returns. */
static int two_ints(gs_sqlite_conn *c, sqlite3_stmt *st, int64_t *a, int64_t *b, const char *what)
{
    int rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        *a = sqlite3_column_int64(st, 0);
        *b = sqlite3_column_int64(st, 1);
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ESTORE, "%s: no row", what);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static int notify_cursor(garant_store_conn *conn, int64_t *out_ticket, int64_t *out_event)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_CURSOR, &st);
    return err ? err : two_ints(c, st, out_ticket, out_event, "notify.cursor");
}

static int notify_advance(garant_store_conn *conn, int64_t from_ticket, int64_t from_event, int64_t to_ticket,
                          int64_t to_event)
{
    static const char what[] = "notify.advance";
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_ADVANCE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, from_ticket);
    sqlite3_bind_int64(st, 2, from_event);
    sqlite3_bind_int64(st, 3, to_ticket);
    sqlite3_bind_int64(st, 4, to_event);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) != 1)
        return garant__error(GARANT_ECONFLICT, "%s: the mail cursor moved meanwhile", what);
    return 0;
}

static int notify_last_ids(garant_store_conn *conn, int64_t *out_ticket, int64_t *out_event)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_LAST_IDS, &st);
    return err ? err : two_ints(c, st, out_ticket, out_event, "notify.last_ids");
}

/* A range walk: (after, upto], at most limit rows, bound and ready to step. */
static int range_stmt(gs_sqlite_conn *c, sqlite3_stmt **st, const char *sql, int64_t after, int64_t upto, int limit,
                      const char *what)
{
    if (limit < 1 || limit > GARANT_MAX_NOTIFY_WALK)
        return garant__error(GARANT_EINVAL, "%s: limit must be 1 to %d", what, GARANT_MAX_NOTIFY_WALK);
    int err = gs_sqlite_prepare(c, sql, st);
    if (err) return err;
    sqlite3_bind_int64(*st, 1, after);
    sqlite3_bind_int64(*st, 2, upto);
    sqlite3_bind_int(*st, 3, limit);
    return 0;
}

/* The row at st (REQUESTER_COLS) into rec, a garant_notify_ticket. */
static int read_requester(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_notify_ticket *t = rec;
    t->id = sqlite3_column_int64(st, 0);
    t->requester_id = sqlite3_column_int64(st, 1);
    gs_sqlite_text(t->email, sizeof t->email, st, 2);
    gs_sqlite_text(t->name, sizeof t->name, st, 3);
    gs_sqlite_text(t->language, sizeof t->language, st, 4);
    if (!t->language[0]) snprintf(t->language, sizeof t->language, "en");
    gs_sqlite_text(t->zone, sizeof t->zone, st, 5);
    gs_sqlite_text(t->role, sizeof t->role, st, 6);
    t->active = sqlite3_column_int(st, 7) != 0;
    gs_sqlite_text(t->org_name, sizeof t->org_name, st, 8);
    t->filed_by_mail = sqlite3_column_int(st, 9);
    return 0;
}

static int notify_tickets(garant_store_conn *conn, int64_t after, int64_t upto, int limit, garant_notify_ticket **out,
                          size_t *out_n)
{
    static const char what[] = "notify.tickets";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = range_stmt(c, &st, SQL_TICKETS, after, upto, limit, what);
    if (err) return err;
    return gs_sqlite_rows(c, st, sizeof **out, (size_t)limit, read_requester, NULL, (void **)out, out_n, what);
}

/* A copy of column i's text, or NULL for NULL. Want of memory: *err set. */
static char *text_dup(sqlite3_stmt *st, int i, int *err, const char *what)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return NULL;
    const char *s = (const char *)sqlite3_column_text(st, i);
    char *d = garant__strdup(s ? s : "");
    if (!d) *err = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    return d;
}

/* The row at st (SQL_EVENTS) into rec, a garant_notify_event. */
static int read_event(sqlite3_stmt *st, void *rec, const char *what)
{
    garant_notify_event *e = rec;
    int err = 0;
    e->id = sqlite3_column_int64(st, 0);
    e->ticket_id = sqlite3_column_int64(st, 1);
    e->at = sqlite3_column_int64(st, 2);
    gs_sqlite_text(e->kind, sizeof e->kind, st, 3);
    e->data = text_dup(st, 4, &err, what);
    e->actor_id = sqlite3_column_int64(st, 5);
    gs_sqlite_text(e->actor_name, sizeof e->actor_name, st, 6);
    gs_sqlite_text(e->actor_role, sizeof e->actor_role, st, 7);
    if (!err) e->body = text_dup(st, 8, &err, what);
    e->public_ = sqlite3_column_int(st, 9) != 0;
    return err;
}

static void events_undo(void *recs, size_t n) { garant_notify_events_free(recs, n); }

static int notify_events(garant_store_conn *conn, int64_t after, int64_t upto, int limit, garant_notify_event **out,
                         size_t *out_n)
{
    static const char what[] = "notify.events";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = range_stmt(c, &st, SQL_EVENTS, after, upto, limit, what);
    if (err) return err;
    return gs_sqlite_rows(c, st, sizeof **out, (size_t)limit, read_event, events_undo, (void **)out, out_n, what);
}

static int notify_requester(garant_store_conn *conn, int64_t ticket_id, garant_notify_ticket *out)
{
    static const char what[] = "notify.requester";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_REQUESTER, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, ticket_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = read_requester(st, out, what);
    else if (rc == SQLITE_DONE)
        err = garant__error(GARANT_ENOTFOUND, "%s: no ticket %lld", what, (long long)ticket_id);
    else
        err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    return err;
}

/* The row at st (SQL_STAFF) into rec, a garant_notify_staff. */
static int read_staff(sqlite3_stmt *st, void *rec, const char *what)
{
    (void)what;
    garant_notify_staff *p = rec;
    gs_sqlite_text(p->email, sizeof p->email, st, 0);
    gs_sqlite_text(p->name, sizeof p->name, st, 1);
    gs_sqlite_text(p->language, sizeof p->language, st, 2);
    if (!p->language[0]) snprintf(p->language, sizeof p->language, "en");
    gs_sqlite_text(p->zone, sizeof p->zone, st, 3);
    return 0;
}

static int notify_staff(garant_store_conn *conn, const char *role, garant_notify_staff **out, size_t *out_n)
{
    static const char what[] = "notify.staff";
    gs_sqlite_conn *c = gs_sqlite(conn);
    *out = NULL;
    *out_n = 0;
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_STAFF, &st);
    if (err) return err;
    gs_sqlite_bind_text(st, 1, role);
    sqlite3_bind_int(st, 2, GARANT_MAX_NOTIFY_STAFF);
    return gs_sqlite_rows(c, st, sizeof **out, GARANT_MAX_NOTIFY_STAFF, read_staff, NULL, (void **)out, out_n, what);
}

static int notify_prefs_get(garant_store_conn *conn, int64_t user_id, garant_user_prefs *out)
{
    static const char what[] = "notify.prefs_get";
    gs_sqlite_conn *c = gs_sqlite(conn);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PREFS_GET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        gs_sqlite_text(out->language, sizeof out->language, st, 0);
        gs_sqlite_text(out->zone, sizeof out->zone, st, 1);
    } else if (rc == SQLITE_DONE) {
        err = garant__error(GARANT_ENOTFOUND, "%s: no user %lld", what, (long long)user_id);
    } else {
        err = gs_sqlite_fail(c, rc, what);
    }
    sqlite3_reset(st);
    return err;
}

static int notify_prefs_set(garant_store_conn *conn, int64_t user_id, const char *language, const char *zone)
{
    static const char what[] = "notify.prefs_set";
    gs_sqlite_conn *c = gs_sqlite(conn);
    if (zone && strlen(zone) > GARANT_MAX_ZONE) return garant__error(GARANT_ELIMIT, "%s: zone too long", what);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_PREFS_SET, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, user_id);
    gs_sqlite_bind_text(st, 2, language);
    gs_sqlite_bind_text(st, 3, zone);
    if ((err = gs_sqlite_exec_stmt(c, st, what))) return err;
    if (sqlite3_changes(c->db) != 1) return garant__error(GARANT_ENOTFOUND, "%s: no user %lld", what, (long long)user_id);
    return 0;
}

static int notify_signup_language(garant_store_conn *conn, const uint8_t token_hash[32], char out[8])
{
    static const char what[] = "notify.signup_language";
    gs_sqlite_conn *c = gs_sqlite(conn);
    out[0] = '\0';
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SIGNUP_LANGUAGE, &st);
    if (err) return err;
    sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        gs_sqlite_text(out, 8, st, 0);
    else if (rc != SQLITE_DONE)
        err = gs_sqlite_fail(c, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

static int notify_signup_set_language(garant_store_conn *conn, int64_t signup_id, const char *language)
{
    gs_sqlite_conn *c = gs_sqlite(conn);
    sqlite3_stmt *st;
    int err = gs_sqlite_prepare(c, SQL_SIGNUP_SET_LANGUAGE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, signup_id);
    gs_sqlite_bind_text(st, 2, language);
    return gs_sqlite_exec_stmt(c, st, "notify.signup_set_language");
}

const garant_store_notify_ops gs_sqlite_notify_ops = {
    .cursor = notify_cursor,
    .advance = notify_advance,
    .last_ids = notify_last_ids,
    .tickets = notify_tickets,
    .events = notify_events,
    .requester = notify_requester,
    .staff = notify_staff,
    .prefs_get = notify_prefs_get,
    .prefs_set = notify_prefs_set,
    .signup_language = notify_signup_language,
    .signup_set_language = notify_signup_set_language,
};
