/*
** outbox.c - queueing and draining the mail outbox (outbox.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "outbox.h"

int garant_mail_outbox_queue(garant_store_conn *w, const garant_mail_message *m, int64_t ticket_id, int64_t now,
                             int64_t *out_id)
{
    char *raw;
    size_t len;
    int rc = garant_mail_compose(&raw, &len, m);
    if (rc) return rc;
    garant_mail_new row = {.message_id = m->message_id,
                           .recipient = m->to_addr,
                           .raw = raw,
                           .raw_len = len,
                           .ticket_id = ticket_id,
                           .now = now};
    rc = GS(w)->mail->enqueue(w, &row, out_id);
    free(raw);
    return rc;
}

int64_t garant_mail_retry_delay_s(int attempts)
{
    int64_t d = GARANT_MAIL_FIRST_RETRY_S;
    for (int i = 1; i < attempts && d < GARANT_MAIL_MAX_RETRY_S; i++) d *= 2;
    return d < GARANT_MAIL_MAX_RETRY_S ? d : GARANT_MAIL_MAX_RETRY_S;
}

/* The fate of one claimed mail, recorded with its group. */
typedef enum { R_SENT, R_RETRY, R_FAILED } result_kind;

typedef struct result {
    result_kind kind;
    int64_t at; /* sent_at, failed_at, or the next due time */
    char detail[300];
} result;

/* A temporary failure of m: retry later, or give up when it is too old. */
static void retry_or_give_up(result *r, garant_mail_drain_stats *st, const garant_mail_claimed *m, int64_t now,
                             const char *detail)
{
    if (now - m->created_at >= GARANT_MAIL_GIVE_UP_S) {
        r->kind = R_FAILED;
        r->at = now;
        snprintf(r->detail, sizeof r->detail, "gave up after %d attempts: %.240s", m->attempts + 1, detail);
        st->failed++;
        return;
    }
    r->kind = R_RETRY;
    r->at = now + garant_mail_retry_delay_s(m->attempts + 1);
    snprintf(r->detail, sizeof r->detail, "%s", detail);
    st->retried++;
}

/* Send one claimed mail; its fate into *r. *down is set when the server
** could not be reached. Only a store error is returned. */
static int send_one(result *r, garant_mail_drain_stats *st, garant_store_conn *w, garant_smtp *smtp,
                    const garant_mail_claimed *m, int64_t now, int *down)
{
    void *raw = NULL;
    size_t len = 0;
    int rc = GS(w)->mail->load_raw(w, m->id, &raw, &len);
    if (rc) return rc;
    garant_smtp_result sr;
    rc = garant_smtp_send(&sr, smtp, m->recipient, raw, len);
    free(raw);
    if (rc) { /* the stored recipient is unusable: no attempt can succeed */
        r->kind = R_FAILED;
        r->at = now;
        snprintf(r->detail, sizeof r->detail, "%s", garant_error_last());
        st->failed++;
        return 0;
    }
    switch (sr.outcome) {
    case GARANT_SMTP_SENT:
        r->kind = R_SENT;
        r->at = now;
        st->sent++;
        break;
    case GARANT_SMTP_REJECTED:
        r->kind = R_FAILED;
        r->at = now;
        snprintf(r->detail, sizeof r->detail, "%s", sr.detail);
        st->failed++;
        break;
    case GARANT_SMTP_RETRY:
    default:
        *down = *down || sr.code == 0;
        retry_or_give_up(r, st, m, now, sr.detail);
        break;
    }
    return 0;
}

/* Record the results of items[0..n) in one transaction. */
static int record(garant_store_conn *w, const garant_mail_claimed *items, const result *res, int n)
{
    if (n == 0) return 0;
    int rc = GS(w)->begin_write(w);
    if (rc) return rc;
    for (int i = 0; i < n && !rc; i++) {
        const garant_store_mail_ops *mail = GS(w)->mail;
        switch (res[i].kind) {
        case R_SENT: rc = mail->mark_sent(w, items[i].id, res[i].at); break;
        case R_RETRY: rc = mail->mark_retry(w, items[i].id, res[i].at, res[i].detail); break;
        case R_FAILED: rc = mail->mark_failed(w, items[i].id, res[i].at, res[i].detail); break;
        }
    }
    if (rc) {
        GS(w)->rollback(w);
        return rc;
    }
    return GS(w)->commit(w);
}

int garant_mail_outbox_drain(garant_mail_drain_stats *out, garant_store_conn *w, garant_smtp *smtp, int64_t now,
                             int batch)
{
    garant_mail_drain_stats st = {0};
    if (out) *out = st;
    if (batch < 1 || batch > 1000)
        return garant__error(GARANT_EINVAL, "mail.outbox_drain: batch must be 1 to 1000 (got %d)", batch);
    garant_mail_claimed *items = calloc((size_t)batch, sizeof *items);
    result *res = calloc(GARANT_MAIL_RECORD_GROUP, sizeof *res);
    int rc = 0, n = 0;
    if (!items || !res) {
        rc = garant__error(GARANT_ENOMEM, "mail.outbox_drain: out of memory");
        goto done;
    }
    if ((rc = GS(w)->mail->claim(w, now, now + GARANT_MAIL_LEASE_S, items, batch, &n))) goto done;
    st.claimed = n;
    int down = 0;
    char down_detail[256] = "";
    /* Groups of GARANT_MAIL_RECORD_GROUP: sent with no lock held, then
    ** recorded in one transaction. */
    for (int g = 0; g < n && !rc; g += GARANT_MAIL_RECORD_GROUP) {
        int k = n - g < GARANT_MAIL_RECORD_GROUP ? n - g : GARANT_MAIL_RECORD_GROUP;
        for (int i = 0; i < k && !rc; i++) {
            result *r = &res[i];
            memset(r, 0, sizeof *r);
            if (down) {
                char why[300];
                snprintf(why, sizeof why, "not tried: %.250s", down_detail);
                retry_or_give_up(r, &st, &items[g + i], now, why);
                continue;
            }
            rc = send_one(r, &st, w, smtp, &items[g + i], now, &down);
            if (!rc && down && !down_detail[0]) snprintf(down_detail, sizeof down_detail, "%.255s", r->detail);
        }
        if (!rc) rc = record(w, items + g, res, k);
    }
done:
    free(items);
    free(res);
    if (out) *out = st;
    return rc;
}
