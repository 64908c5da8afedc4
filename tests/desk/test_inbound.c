/*
** test_inbound.c - one inbound mail through the desk (src/desk/inbound.c),
** on a desk of its own (a fresh database, the test clock, no monitor or
** mailer threads, so every write counted is the mail's): a mailed reply
** and its files are one write of the group commit, so that a delivery
** waits for one fsync, not one for each of its files' steps; a mail too
** large for that is staged one chunk a write; and a mail that is refused,
** or whose files the ticket cannot take, leaves no file behind.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "desk_attachments.h"
#include "desk_inbound.h"
#include "desk_support.h"
#include "support.h"
#include "token.h"

#define SUPPORT "support@desk.example"

typedef struct world {
    t_desk desk;
    int64_t carla, ticket, other_ticket; /* other_ticket: another organization's */
} world;

static int setup_write(garant_store_conn *w, void *ctx)
{
    world *wd = ctx;
    int64_t org[2], user[2];
    int rc = t_desk_add_customer(&org[0], &user[0], w, "Acme", "professional", "carla@acme.example", "Carla",
                                 t_at("2026-11-01T00:00:00Z"));
    if (!rc)
        rc = t_desk_add_customer(&org[1], &user[1], w, "Globex", "professional", "gina@globex.example", "Gina",
                                 t_at("2026-11-01T00:00:00Z"));
    if (rc) return rc;
    wd->carla = user[0];
    for (int i = 0; i < 2; i++) {
        garant_ticket t = t_desk_ticket(org[i], user[i], "professional", 3, t_at("2026-11-30T09:00:00Z"));
        if ((rc = GS(w)->tickets->insert(w, &t, "It answers 502."))) return rc;
        *(i ? &wd->other_ticket : &wd->ticket) = t.id;
    }
    return 0;
}

static void open_world(world *wd, int64_t ticket_max_bytes)
{
    memset(wd, 0, sizeof *wd);
    desk_options o = {.support_address = SUPPORT, .ticket_attachments_max_bytes = ticket_max_bytes};
    t_desk_open(&wd->desk, "inbound", &o, t_at("2026-11-30T10:00:00Z"));
    assert_int_equal(desk_write(wd->desk.d, setup_write, wd, DESK_WRITE_SAVEPOINT), 0);
}

static void close_world(world *wd) { t_desk_close(&wd->desk); }

/* The reply address of ticket id. */
static const char *reply_address(world *wd, int64_t id)
{
    static char out[GARANT_MAIL_TOKEN_MAX];
    assert_int_equal(
        garant_mail_reply_address(out, sizeof out, desk_mail_key(wd->desk.d), "support", "desk.example", id), 0);
    return out;
}

/* A reply from carla to rcpt with text and, if n, one attachment of n
** bytes (base64). Caller owns; free(). */
static char *mail(const char *rcpt, size_t text_bytes, size_t n)
{
    size_t cap = 4096 + text_bytes + n * 2;
    char *m = malloc(cap);
    assert_non_null(m);
    size_t len = (size_t)snprintf(m, cap,
                                  "From: Carla <carla@acme.example>\r\nTo: %s\r\nSubject: RE: Checkout is down\r\n"
                                  "Message-ID: <r%zu.%zu@client.test>\r\nMIME-Version: 1.0\r\n"
                                  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                                  "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                                  rcpt, text_bytes, n);
    for (size_t i = 0; i < text_bytes; i++) m[len++] = (i % 64 == 63) ? '\n' : "Still failing. "[i % 15];
    len += (size_t)snprintf(m + len, cap - len, "\r\n");
    if (n) {
        len += (size_t)snprintf(m + len, cap - len,
                                "--b1\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Disposition: attachment; filename=\"log.bin\"\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n");
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t chars = (n + 2) / 3 * 4; /* n a multiple of 3: no padding */
        for (size_t i = 0; i < chars; i++) {
            m[len++] = b64[(i * 7) % 64];
            if (i % 76 == 75) m[len++] = '\r', m[len++] = '\n';
        }
        len += (size_t)snprintf(m + len, cap - len, "\r\n");
    }
    len += (size_t)snprintf(m + len, cap - len, "--b1--\r\n");
    assert_true(len < cap);
    return m;
}

static uint64_t writes(world *wd)
{
    desk_stats s;
    desk_stats_get(wd->desk.d, &s);
    return s.write.jobs;
}

/* One number from the database, through a connection of the test's own. */
static int64_t count(world *wd, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(wd->desk.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void deliver(desk_inbound_result *out, world *wd, const char *rcpt, const char *raw)
{
    desk_inbound_deliver(out, wd->desk.d, raw, strlen(raw), rcpt, "carla@acme.example", desk_now(wd->desk.d));
}

/* A reply of 5 KB with a 72 KB attachment: the reply, its file and the
** original (.eml, internal) are written by one job, so the LMTP door's
** answer waits for one commit. */
static void test_small_mail_is_one_write(void **state)
{
    (void)state;
    world wd;
    open_world(&wd, 0);
    char *m = mail(reply_address(&wd, wd.ticket), 5000, 72 * 1026);
    uint64_t before = writes(&wd);
    desk_inbound_result r;
    deliver(&r, &wd, reply_address(&wd, wd.ticket), m);
    assert_int_equal(r.status, DESK_INBOUND_OK);
    assert_int_equal(r.outcome, DESK_INBOUND_REPLIED);
    assert_int_equal(r.ticket_id, wd.ticket);
    assert_int_equal(writes(&wd) - before, 1);
    assert_int_equal(count(&wd, "SELECT count(*) FROM replies"), 1);
    assert_int_equal(count(&wd, "SELECT count(*) FROM attachments WHERE state = 'linked' AND reply_id ="
                                " (SELECT id FROM replies) AND filename = 'log.bin' AND size = 73872 AND NOT internal"),
                     1);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM attachments WHERE state = 'linked' AND filename = 'message.eml' AND internal"
             " AND size = %zu",
             strlen(m));
    assert_int_equal(count(&wd, sql), 1);
    assert_int_equal(count(&wd, "SELECT count(*) FROM attachments WHERE state <> 'linked'"), 0);
    /* A new ticket by mail: one write too. */
    free(m);
    m = mail(SUPPORT, 3000, 3 * 1000);
    before = writes(&wd);
    deliver(&r, &wd, SUPPORT, m);
    assert_int_equal(r.outcome, DESK_INBOUND_FILED);
    assert_int_equal(writes(&wd) - before, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM attachments WHERE ticket_id = %lld AND reply_id IS NULL",
             (long long)r.ticket_id);
    assert_int_equal(count(&wd, sql), 2);
    free(m);
    close_world(&wd);
}

/* Over DESK_MAIL_INLINE_BYTES the files are staged first, one chunk a
** write (no write of the group commit copies more than a chunk), then
** linked by the reply's write. */
static void test_large_mail_is_staged_in_chunks(void **state)
{
    (void)state;
    world wd;
    open_world(&wd, 0);
    size_t n = 300 * 1002; /* two chunks, and the original (base64) two */
    char *m = mail(reply_address(&wd, wd.ticket), 2000, n);
    size_t len = strlen(m);
    assert_true(n > GARANT_ATTACHMENT_CHUNK && len > GARANT_ATTACHMENT_CHUNK && len <= 2 * GARANT_ATTACHMENT_CHUNK);
    uint64_t before = writes(&wd);
    desk_inbound_result r;
    deliver(&r, &wd, reply_address(&wd, wd.ticket), m);
    assert_int_equal(r.outcome, DESK_INBOUND_REPLIED);
    /* Each file: its facts, a write a chunk, staged; then the reply. */
    assert_int_equal(writes(&wd) - before, (1 + 2 + 1) + (1 + 2 + 1) + 1);
    assert_int_equal(count(&wd, "SELECT count(*) FROM attachments WHERE state = 'linked'"), 2);
    assert_int_equal(count(&wd, "SELECT sum(length(bytes)) FROM attachment_chunks"), (int64_t)(n + len));
    free(m);
    close_world(&wd);
}

/* Refused (another organization's ticket), or over the ticket's limit of
** files (the reply lands without them): nothing written stays behind,
** where the staged files used to wait a day for the sweep. */
static void test_refused_mail_leaves_no_files(void **state)
{
    (void)state;
    world wd;
    open_world(&wd, 50 * 1000);
    char *m = mail(reply_address(&wd, wd.other_ticket), 1000, 3 * 1000);
    desk_inbound_result r;
    deliver(&r, &wd, reply_address(&wd, wd.other_ticket), m);
    assert_int_equal(r.status, DESK_INBOUND_OK);
    assert_int_equal(r.outcome, DESK_INBOUND_FORBIDDEN);
    assert_int_equal(count(&wd, "SELECT count(*) FROM attachments"), 0);
    assert_int_equal(count(&wd, "SELECT count(*) FROM replies"), 0);
    free(m);
    m = mail(reply_address(&wd, wd.ticket), 1000, 60 * 1002);
    deliver(&r, &wd, reply_address(&wd, wd.ticket), m);
    assert_int_equal(r.outcome, DESK_INBOUND_REPLIED);
    assert_int_equal(count(&wd, "SELECT count(*) FROM replies"), 1);
    assert_int_equal(count(&wd, "SELECT count(*) FROM attachments"), 0);
    free(m);
    close_world(&wd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_mail_is_one_write),
        cmocka_unit_test(test_large_mail_is_staged_in_chunks),
        cmocka_unit_test(test_refused_mail_leaves_no_files),
    };
    return t_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
