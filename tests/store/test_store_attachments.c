/*
** test_store_attachments.c - the attachments' storage contract
** (store_attachments.h): a file written chunk by chunk into pending,
** staged once whole, read back byte for byte at any offset, linked once
** and only by its uploader, listed without internal notes' files for
** customers, fixed once linked (triggers), and swept when left behind.
**
** run_attachments_contract(ops, target) runs every case against a backend,
** each on a fresh store at "<target>-<n>".
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "store_support.h"
#include "support.h"

int run_attachments_contract(const garant_store_ops *ops, const char *target);

static struct {
    const garant_store_ops *ops;
    const char *target;
    int seq;
} suite;

typedef struct fixture {
    garant_store *st;
    garant_store_conn *w;
    const garant_store_ops *ops;
    const garant_store_attachments_ops *att;
    int64_t acme, alice, bob, ticket;
    char target[512];
} fixture;

#define T0 1790000000 /* 2026-09-21T12:53:20Z */

static int64_t add_user(fixture *fx, const char *email, int64_t org)
{
    return st_add_user(fx->w, email, NULL, GARANT_ROLE_CUSTOMER, org, T0 - 86400);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->ops = suite.ops;
    fx->att = suite.ops->attachments;
    snprintf(fx->target, sizeof fx->target, "%s-%d", suite.target, ++suite.seq);
    st_open(&fx->st, &fx->w, fx->ops, fx->target);
    fx->acme = st_add_org(fx->w, "Acme", "professional", T0 - 86400);
    fx->alice = add_user(fx, "alice@acme.example", fx->acme);
    fx->bob = add_user(fx, "bob@acme.example", fx->acme);
    garant_ticket t = {0};
    t.org_id = fx->acme;
    t.requester_id = fx->alice;
    snprintf(t.subject, sizeof t.subject, "Broken");
    t.priority = t.initial_priority = 3;
    snprintf(t.plan, sizeof t.plan, "professional");
    snprintf(t.environment, sizeof t.environment, "production");
    snprintf(t.status, sizeof t.status, "open");
    t.submitted_at = T0;
    t.first_response_due = t.warn_at = GARANT_NO_DUE;
    st_check(fx->ops->tickets->insert(fx->w, &t, "It is broken."), "insert");
    fx->ticket = t.id;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    st_close(fx->st, fx->ops, fx->target);
    free(fx);
    return 0;
}

/* fill: the bytes of a pattern, from where the last call ended. */
typedef struct pattern {
    int64_t next;
} pattern;

static uint8_t byte_at(int64_t i) { return (uint8_t)((i * 7 + i / 251) & 0xff); }

static int fill(void *ctx, uint8_t *buf, size_t n)
{
    pattern *p = ctx;
    for (size_t i = 0; i < n; i++) buf[i] = byte_at(p->next++);
    return 0;
}

/* A staged file of size bytes of the pattern, by uploader. */
static int64_t stage(fixture *fx, int64_t uploader, int64_t size, int64_t at)
{
    garant_attachment a = {0};
    a.uploader_id = uploader;
    snprintf(a.filename, sizeof a.filename, "trace.bin");
    snprintf(a.declared_type, sizeof a.declared_type, "application/x-trace");
    snprintf(a.sniffed_type, sizeof a.sniffed_type, "application/octet-stream");
    a.size = size;
    a.created_at = at;
    st_check(fx->att->insert_pending(fx->w, &a), "insert_pending");
    pattern p = {0};
    for (int64_t seq = 0; seq * GARANT_ATTACHMENT_CHUNK < size; seq++) {
        int64_t left = size - seq * GARANT_ATTACHMENT_CHUNK;
        size_t len = left < GARANT_ATTACHMENT_CHUNK ? (size_t)left : GARANT_ATTACHMENT_CHUNK;
        st_check(fx->att->write_chunk(fx->w, a.id, seq, len, fill, &p), "write_chunk");
    }
    st_check(fx->att->mark_staged(fx->w, a.id), "mark_staged");
    return a.id;
}

static void test_written_in_chunks_read_back_anywhere(void **state)
{
    fixture *fx = *state;
    int64_t size = 2 * GARANT_ATTACHMENT_CHUNK + 12345;
    int64_t id = stage(fx, fx->alice, size, T0);
    garant_attachment a;
    st_check(fx->att->get(fx->w, id, &a), "get");
    assert_string_equal(a.state, "staged");
    assert_int_equal(a.size, size);
    assert_int_equal(a.ticket_id, 0);
    /* Reads stop at a chunk's end, and cover every byte. */
    uint8_t *buf = malloc(GARANT_ATTACHMENT_CHUNK);
    assert_non_null(buf);
    int64_t offs[] = {0, 1, GARANT_ATTACHMENT_CHUNK - 3, GARANT_ATTACHMENT_CHUNK, 2 * GARANT_ATTACHMENT_CHUNK + 5};
    for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        size_t got;
        st_check(fx->att->read(fx->w, id, offs[k], buf, GARANT_ATTACHMENT_CHUNK, &got), "read");
        size_t want = (size_t)(GARANT_ATTACHMENT_CHUNK - offs[k] % GARANT_ATTACHMENT_CHUNK);
        if (offs[k] >= 2 * GARANT_ATTACHMENT_CHUNK) want = (size_t)(size - offs[k]);
        assert_int_equal(got, want);
        for (size_t i = 0; i < got; i++)
            if (buf[i] != byte_at(offs[k] + (int64_t)i)) fail_msg("byte %lld differs", (long long)(offs[k] + (int64_t)i));
    }
    size_t got = 99;
    st_check(fx->att->read(fx->w, id, size, buf, 10, &got), "read at the end");
    assert_int_equal(got, 0);
    free(buf);
}

/* A file in memory stored in one go: staged, in the same chunks an
** upload's would be, read back byte for byte, linkable; one without its
** bytes or name refused. */
static void test_staged_from_memory(void **state)
{
    fixture *fx = *state;
    int64_t size = GARANT_ATTACHMENT_CHUNK + 4321;
    uint8_t *data = malloc((size_t)size), buf[64];
    assert_non_null(data);
    for (int64_t i = 0; i < size; i++) data[i] = byte_at(i);
    garant_attachment a = {0};
    a.uploader_id = fx->alice;
    snprintf(a.filename, sizeof a.filename, "message.eml");
    snprintf(a.declared_type, sizeof a.declared_type, "message/rfc822");
    snprintf(a.sniffed_type, sizeof a.sniffed_type, "application/octet-stream");
    a.size = size;
    a.created_at = T0;
    a.sha256[0] = 7;
    st_check(fx->att->insert_staged(fx->w, &a, data), "insert_staged");
    assert_string_equal(a.state, "staged");
    memset(data, 0, (size_t)size); /* borrowed for the call only */
    garant_attachment got;
    st_check(fx->att->get(fx->w, a.id, &got), "get");
    assert_string_equal(got.state, "staged");
    assert_string_equal(got.filename, "message.eml");
    assert_string_equal(got.declared_type, "message/rfc822");
    assert_int_equal(got.size, size);
    assert_int_equal(got.sha256[0], 7);
    int64_t offs[] = {0, GARANT_ATTACHMENT_CHUNK - 10, GARANT_ATTACHMENT_CHUNK, size - 30};
    for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        size_t n;
        st_check(fx->att->read(fx->w, a.id, offs[k], buf, sizeof buf, &n), "read");
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            if (buf[i] != byte_at(offs[k] + (int64_t)i))
                fail_msg("byte %lld differs", (long long)(offs[k] + (int64_t)i));
    }
    st_check(fx->att->link(fx->w, a.id, fx->alice, fx->ticket, 0, 1), "link");
    int64_t total;
    st_check(fx->att->ticket_bytes(fx->w, fx->ticket, &total), "ticket_bytes");
    assert_int_equal(total, size);
    garant_attachment bad = a;
    assert_int_equal(fx->att->insert_staged(fx->w, &bad, NULL), GARANT_EINVAL);
    bad.filename[0] = '\0';
    assert_int_equal(fx->att->insert_staged(fx->w, &bad, data), GARANT_EINVAL);
    free(data);
}

static void test_pending_and_bad_chunks_refused(void **state)
{
    fixture *fx = *state;
    garant_attachment a = {0};
    a.uploader_id = fx->alice;
    snprintf(a.filename, sizeof a.filename, "x");
    snprintf(a.sniffed_type, sizeof a.sniffed_type, "application/octet-stream");
    a.size = 100;
    a.created_at = T0;
    st_check(fx->att->insert_pending(fx->w, &a), "insert_pending");
    pattern p = {0};
    /* A chunk past the size, and staging before the bytes are all there. */
    assert_int_equal(fx->att->write_chunk(fx->w, a.id, 0, 101, fill, &p), GARANT_EINVAL);
    st_check(fx->att->write_chunk(fx->w, a.id, 0, 60, fill, &p), "a short chunk");
    assert_int_equal(fx->att->mark_staged(fx->w, a.id), GARANT_ESTORE);
    /* Not linkable while pending. */
    assert_int_equal(fx->att->link(fx->w, a.id, fx->alice, fx->ticket, 0, 0), GARANT_ENOTFOUND);
    assert_int_equal(fx->att->write_chunk(fx->w, 999, 0, 1, fill, &p), GARANT_ENOTFOUND);
}

static void test_linked_once_by_its_uploader(void **state)
{
    fixture *fx = *state;
    int64_t id = stage(fx, fx->alice, 10, T0);
    assert_int_equal(fx->att->link(fx->w, id, fx->bob, fx->ticket, 0, 0), GARANT_ENOTFOUND);
    st_check(fx->att->link(fx->w, id, fx->alice, fx->ticket, 0, 0), "link");
    assert_int_equal(fx->att->link(fx->w, id, fx->alice, fx->ticket, 0, 0), GARANT_ENOTFOUND);
    int64_t bytes;
    st_check(fx->att->ticket_bytes(fx->w, fx->ticket, &bytes), "ticket_bytes");
    assert_int_equal(bytes, 10);
    /* Once on a message it never goes, even by a sweep far in the future. */
    int n;
    st_check(fx->att->sweep(fx->w, T0 + 10 * 86400, T0 + 10 * 86400, 64, &n), "sweep");
    assert_int_equal(n, 0);
    garant_attachment a;
    st_check(fx->att->get(fx->w, id, &a), "get");
    assert_string_equal(a.state, "linked");
    assert_int_equal(a.ticket_id, fx->ticket);
}

static void test_list_leaves_out_internal_for_customers(void **state)
{
    fixture *fx = *state;
    int64_t reply;
    st_check(fx->ops->tickets->reply_insert(fx->w, fx->ticket, fx->bob, "note", 0, T0 + 60, &reply), "reply");
    int64_t pub = stage(fx, fx->alice, 5, T0), note = stage(fx, fx->bob, 6, T0);
    st_check(fx->att->link(fx->w, pub, fx->alice, fx->ticket, 0, 0), "link public");
    st_check(fx->att->link(fx->w, note, fx->bob, fx->ticket, reply, 1), "link internal");
    garant_attachment *all = NULL, *shown = NULL;
    size_t nall = 0, nshown = 0;
    st_check(fx->att->list(fx->w, fx->ticket, 1, &all, &nall), "list all");
    st_check(fx->att->list(fx->w, fx->ticket, 0, &shown, &nshown), "list public");
    assert_int_equal(nall, 2);
    assert_int_equal(nshown, 1);
    const garant_attachment *f = &shown[0];
    assert_int_equal(f->id, pub);
    assert_int_equal(f->reply_id, 0);
    assert_int_equal(f->internal, 0);
    assert_int_equal(f->ticket_id, fx->ticket);
    assert_int_equal(f->uploader_id, fx->alice);
    assert_int_equal(f->size, 5);
    assert_string_equal(f->state, "linked");
    /* The row is the one get reads. */
    garant_attachment one;
    st_check(fx->att->get(fx->w, pub, &one), "get");
    assert_memory_equal(f->sha256, one.sha256, 32);
    assert_string_equal(f->filename, one.filename);
    assert_string_equal(f->sniffed_type, one.sniffed_type);
    assert_int_equal(all[1].id, note);
    assert_int_equal(all[1].reply_id, reply);
    assert_int_equal(all[1].internal, 1);
    free(all);
    free(shown);
    /* A ticket without files lists none. */
    st_check(fx->att->list(fx->w, fx->ticket + 1000, 1, &all, &nall), "list none");
    assert_int_equal(nall, 0);
    assert_null(all);
}

static void test_sweep_forgets_what_was_left_behind(void **state)
{
    fixture *fx = *state;
    int64_t old = stage(fx, fx->alice, 3, T0 - 2 * 86400), fresh = stage(fx, fx->alice, 3, T0);
    garant_attachment cut = {0};
    cut.uploader_id = fx->alice;
    snprintf(cut.filename, sizeof cut.filename, "cut");
    snprintf(cut.sniffed_type, sizeof cut.sniffed_type, "application/octet-stream");
    cut.size = 10;
    cut.created_at = T0 - 7200;
    st_check(fx->att->insert_pending(fx->w, &cut), "pending");
    pattern p = {0};
    st_check(fx->att->write_chunk(fx->w, cut.id, 0, 4, fill, &p), "half");
    int n;
    st_check(fx->att->sweep(fx->w, T0 - 3600, T0 - 86400, 64, &n), "sweep");
    assert_int_equal(n, 2);
    garant_attachment a;
    assert_int_equal(fx->att->get(fx->w, old, &a), GARANT_ENOTFOUND);
    assert_int_equal(fx->att->get(fx->w, cut.id, &a), GARANT_ENOTFOUND);
    st_check(fx->att->get(fx->w, fresh, &a), "the fresh one stays");
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int run_attachments_contract(const garant_store_ops *ops, const char *target)
{
    suite.ops = ops;
    suite.target = target;
    suite.seq = 0;
    const struct CMUnitTest tests[] = {
        CASE(test_written_in_chunks_read_back_anywhere), CASE(test_pending_and_bad_chunks_refused),
        CASE(test_linked_once_by_its_uploader),         CASE(test_list_leaves_out_internal_for_customers),
        CASE(test_sweep_forgets_what_was_left_behind),    CASE(test_staged_from_memory),
    };
    char name[64];
    snprintf(name, sizeof name, "store attachments (%s)", ops->name);
    return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int main(void)
{
    char dir[] = "/tmp/garant-test-attachments-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char target[128];
    snprintf(target, sizeof target, "%s/store.db", dir);
    int failed = run_attachments_contract(&garant_store_sqlite_ops, target);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "%s: not empty after the suite: ", dir);
        perror("rmdir");
        failed++;
    }
    return t_exit_status(failed);
}
