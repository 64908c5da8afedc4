/*
** outbox.c - queueing and draining the mail outbox (outbox.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
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

/* Record a temporary failure of m: retry, or give up when it is too old. */
static int record_retry(garant_mail_drain_stats *st, garant_store_conn *w, const garant_mail_claimed *m,
                        int64_t now, const char *detail)
{
    if (now - m->created_at >= GARANT_MAIL_GIVE_UP_S) {
        char why[GARANT_MAIL_MAX_ERROR];
        snprintf(why, sizeof why, "gave up after %d attempts: %s", m->attempts + 1, detail);
        st->failed++;
        return GS(w)->mail->mark_failed(w, m->id, now, why);
    }
    st->retried++;
    return GS(w)->mail->mark_retry(w, m->id, now + garant_mail_retry_delay_s(m->attempts + 1), detail);
}

/* Send one claimed mail and record its result. *down is set when the
** server could not be reached. */
static int send_one(garant_mail_drain_stats *st, garant_store_conn *w, garant_smtp *smtp,
                    const garant_mail_claimed *m, int64_t now, int *down, char *last_detail, size_t detail_cap)
{
    void *raw = NULL;
    size_t len = 0;
    int rc = GS(w)->mail->load_raw(w, m->id, &raw, &len);
    if (rc) return rc;
    garant_smtp_result r;
    rc = garant_smtp_send(&r, smtp, m->recipient, raw, len);
    free(raw);
    if (rc) { /* the stored recipient is unusable: no attempt can succeed */
        st->failed++;
        return GS(w)->mail->mark_failed(w, m->id, now, garant_error_last());
    }
    switch (r.outcome) {
    case GARANT_SMTP_SENT:
        st->sent++;
        return GS(w)->mail->mark_sent(w, m->id, now);
    case GARANT_SMTP_REJECTED:
        st->failed++;
        return GS(w)->mail->mark_failed(w, m->id, now, r.detail);
    case GARANT_SMTP_RETRY:
    default:
        if (r.code == 0) {
            *down = 1;
            snprintf(last_detail, detail_cap, "%s", r.detail);
        }
        return record_retry(st, w, m, now, r.detail);
    }
}

int garant_mail_outbox_drain(garant_mail_drain_stats *out, garant_store_conn *w, garant_smtp *smtp, int64_t now,
                             int batch)
{
    garant_mail_drain_stats st = {0};
    if (out) *out = st;
    if (batch < 1 || batch > 1000)
        return garant__error(GARANT_EINVAL, "mail.outbox_drain: batch must be 1 to 1000 (got %d)", batch);
    garant_mail_claimed *items = calloc((size_t)batch, sizeof *items);
    if (!items) return garant__error(GARANT_ENOMEM, "mail.outbox_drain: out of memory");
    int n = 0;
    int rc = GS(w)->mail->claim(w, now, now + GARANT_MAIL_LEASE_S, items, batch, &n);
    if (rc) goto done;
    st.claimed = n;
    int down = 0;
    char detail[256] = "";
    for (int i = 0; i < n && !rc; i++) {
        if (down) {
            char why[300];
            snprintf(why, sizeof why, "not tried: %s", detail);
            rc = record_retry(&st, w, &items[i], now, why);
        } else {
            rc = send_one(&st, w, smtp, &items[i], now, &down, detail, sizeof detail);
        }
    }
done:
    free(items);
    if (out) *out = st;
    return rc;
}
