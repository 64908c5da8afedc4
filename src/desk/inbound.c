/*
** inbound.c - one inbound mail through the desk (desk_inbound.h): parse,
** refuse what must not be answered, then a reply on its ticket or a new
** ticket, through the same desk calls as the browser.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "garant/error_wrap.h"
#include "desk_inbound.h"
#include "desk_mail_loops.h"
#include "desk_attachments.h"
#include "desk_tickets.h"
#include "log.h"
#include "parse.h"
#include "token.h"

/* The largest message the desk parses (the LMTP door's SIZE is the same). */
#define INBOUND_MAX_BYTES ((size_t)32 * 1024 * 1024)

static const char *const outcome_names[DESK_INBOUND_NOUTCOMES] = {
    "replied", "filed", "auto", "bounce", "auth_fail", "unknown_sender",
    "forbidden", "forged", "malformed", "tempfail", "not_ours", "other",
};

const char *desk_inbound_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < DESK_INBOUND_NOUTCOMES ? outcome_names[outcome] : "other";
}

/* Set *out and count it; why is printf-like, one line. */
static void finish(desk_inbound_result *out, garant_desk *d, desk_inbound_status st, desk_inbound_outcome oc,
                   const char *why)
{
    out->status = st;
    out->outcome = oc;
    snprintf(out->why, sizeof out->why, "%s", why);
    desk_count_inbound(d, (int)oc);
}

/* A store error the MTA should retry after (the database busy, full,
** read-only, the server stopping, memory), rather than a refusal. */
static int temporary(int rc)
{
    return rc == GARANT_ESTORE || rc == GARANT_EBUSY || rc == GARANT_ENOMEM || rc == GARANT_EIO;
}

/* Split the support address into local part and domain (borrowed from
** buf). 0 when it has no usable form. */
static int support_parts(char *buf, size_t cap, const char **local, const char **domain, garant_desk *d)
{
    snprintf(buf, cap, "%s", desk_support_address(d));
    char *at = strrchr(buf, '@');
    if (!at || at == buf || !at[1]) return 0;
    *at = '\0';
    *local = buf;
    *domain = at + 1;
    return 1;
}

/* The ticket rcpt's token names (*out_ticket), 0 for the plain support
** address; REFUSED in out for anything else. Returns 1 when accepted. */
static int rcpt_ticket(desk_inbound_result *out, garant_desk *d, const char *rcpt, int64_t *out_ticket)
{
    *out_ticket = 0;
    char buf[256];
    const char *local, *domain;
    if (!support_parts(buf, sizeof buf, &local, &domain, d)) {
        snprintf(out->why, sizeof out->why, "5.3.0 no support address is configured");
        return 0;
    }
    const char *at = strrchr(rcpt, '@');
    size_t llen = strlen(local);
    if (!at || strcasecmp(at + 1, domain) != 0) goto refuse;
    if ((size_t)(at - rcpt) == llen && strncasecmp(rcpt, local, llen) == 0) return 1;
    if ((size_t)(at - rcpt) > llen + 1 && strncasecmp(rcpt, local, llen) == 0 && rcpt[llen] == '+') {
        const unsigned char *key = desk_mail_key(d);
        if (key && garant_mail_reply_address_verify(out_ticket, key, local, domain, rcpt) == 0) return 1;
    }
refuse:
    snprintf(out->why, sizeof out->why, "5.1.1 no such address here");
    return 0;
}

void desk_inbound_rcpt(desk_inbound_result *out, garant_desk *d, const char *rcpt)
{
    memset(out, 0, sizeof *out);
    int64_t ticket;
    out->status = rcpt_ticket(out, d, rcpt, &ticket) ? DESK_INBOUND_OK : DESK_INBOUND_REFUSED;
    if (out->status == DESK_INBOUND_OK) snprintf(out->why, sizeof out->why, "2.1.5 ok");
}

/* Is addr the support address or --mail-from's (a loop with ourselves)? */
static int ours(garant_desk *d, const char *addr)
{
    if (strcasecmp(addr, desk_support_address(d)) == 0) return 1;
    const char *from = desk_options_of(d)->mail_from;
    char a[256];
    if (!from || desk_address_of(a, sizeof a, from, 0) != 0) return 0;
    return strcasecmp(addr, a) == 0;
}

/* The ticket one of our Message-IDs among In-Reply-To and References
** names: *out_ticket > 0, or 0 with *out_forged set when some id had our
** form but did not verify. */
static void thread_ticket(int64_t *out_ticket, int *out_forged, garant_desk *d, const garant_mail_message *msg,
                          const char *domain)
{
    *out_ticket = 0;
    *out_forged = 0;
    const unsigned char *key = desk_mail_key(d);
    if (!key) return;
    int64_t t, ev;
    if (msg->in_reply_to) {
        int rc = garant_mail_message_id_verify(&t, &ev, key, domain, msg->in_reply_to);
        if (rc == 0) {
            *out_ticket = t;
            return;
        }
        if (rc == GARANT_EAUTH) *out_forged = 1;
    }
    /* The newest reference first: the message answered is last. */
    for (size_t i = msg->n_references; i-- > 0;) {
        int rc = garant_mail_message_id_verify(&t, &ev, key, domain, msg->references[i]);
        if (rc == 0) {
            *out_ticket = t;
            *out_forged = 0;
            return;
        }
        if (rc == GARANT_EAUTH) *out_forged = 1;
    }
}

/* Cut s to at most max bytes at a UTF-8 character boundary, and trailing
** blank lines and spaces. */
static void trim_text(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    s[n] = '\0';
}

/* The verified, active customer whose address is email, into *out, and
** since when the address bounces (0: it does not): 0, GARANT_ENOTFOUND
** (nobody we answer: a member her organization has not approved is no
** one either, desk_members.h), or a store error. */
static int sender_user(garant_user *out, int64_t *out_bounced_at, garant_desk *d, const char *email)
{
    *out_bounced_at = 0;
    char lower[GARANT_MAX_EMAIL + 1];
    size_t n = strlen(email);
    if (n == 0 || n > GARANT_MAX_EMAIL) return GARANT_ENOTFOUND;
    for (size_t i = 0; i <= n; i++) lower[i] = (char)((email[i] >= 'A' && email[i] <= 'Z') ? email[i] + 32 : email[i]);
    garant_store *st = desk_store(d);
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *c = NULL;
    int rc = ops->acquire(&c, st);
    if (rc) return rc;
    rc = ops->accounts->user_by_email(c, lower, out);
    char reason[8];
    if (!rc) rc = ops->inbound->bounce_get(c, out->id, out_bounced_at, reason, sizeof reason);
    ops->release(c);
    if (rc) return rc;
    memset(out->password_hash, 0, sizeof out->password_hash);
    if (!out->verified_at || out->deactivated_at || out->role != GARANT_ROLE_CUSTOMER || !out->org_id ||
        out->approval == GARANT_APPROVAL_PENDING || out->approval == GARANT_APPROVAL_REFUSED)
        return GARANT_ENOTFOUND;
    return 0;
}

/* A ticket filed by mail: its acknowledgement is an automatic answer, so
** the sender's allowance of those is taken in the filing's transaction,
** before the filing (whose event a mail producer answers) runs. */
typedef struct mailed_filing {
    desk_filing f;
    const char *address;
    desk_mail_staged *files; /* its files, some perhaps held for this write; NULL: none */
} mailed_filing;

static int mailed_file_write(garant_store_conn *w, void *ctx)
{
    mailed_filing *m = ctx;
    int allowed = 0;
    int rc = desk_autoreply_take(&allowed, w, m->f.desk, m->address, m->f.t.submitted_at);
    m->f.autoreply_suppressed = !allowed;
    /* Over the allowance: filed all the same, and the mail producer
    ** (notify.c) sends no acknowledgement. */
    if (!allowed) m->f.t.filed_by_mail = 2;
    if (rc) return rc;
    if (m->files) { /* the files it held are stored here: one write a mail */
        if ((rc = desk_attachments_store_held(w, m->files))) return rc;
        m->f.files = m->files->ids;
        m->f.nfiles = m->files->n;
        m->f.audit_file = m->files->eml;
    }
    return desk_file_write(w, &m->f);
}

/* File the new ticket of a mail to the support address. */
static int file_ticket(int64_t *out_id, garant_desk *d, const garant_user *u, const garant_mail_message *msg,
                       const char *body, desk_mail_staged *files, int64_t accepted_at_s)
{
    const garant_policy *pol = desk_policy_current(d, NULL);
    mailed_filing *m = calloc(1, sizeof *m);
    if (!m) return garant__error(GARANT_ENOMEM, "out of memory filing a mailed ticket");
    desk_filing *j = &m->f;
    j->desk = d;
    j->body = body;
    garant_ticket *t = &j->t;
    t->org_id = u->org_id;
    t->requester_id = u->id;
    snprintf(t->subject, sizeof t->subject, "%s", msg->subject[0] ? msg->subject : "(no subject)");
    trim_text(t->subject, GARANT_MAX_SUBJECT);
    for (char *p = t->subject; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    if (!t->subject[0]) snprintf(t->subject, sizeof t->subject, "(no subject)");
    t->priority = t->initial_priority = garant_policy_default_priority(pol);
    snprintf(t->environment, sizeof t->environment, "production");
    snprintf(t->status, sizeof t->status, "open");
    t->submitted_at = accepted_at_s;
    t->filed_by_mail = 1; /* its acknowledgement says how to raise it */
    m->address = u->email;
    int rc = desk_check_environment(pol, t->priority, t->environment);
    m->files = files;
    if (!rc) rc = desk_write(d, mailed_file_write, m, DESK_WRITE_SAVEPOINT);
    *out_id = j->t.id;
    free(m);
    return rc;
}

/* A delivery status notification (never a ticket, never a reply): a
** failed delivery of one of our mails marks its recipient bouncing. A
** delayed one, or one about a mail that is not ours, is only noted. */
static void bounce(desk_inbound_result *out, garant_desk *d, const garant_mail_message *msg, int64_t accepted_at_s)
{
    char esc[160], reason[GARANT_MAX_BOUNCE_REASON + 1];
    const char *who = msg->bounce_recipient ? msg->bounce_recipient : "?";
    const char *action = msg->bounce_action ? msg->bounce_action : "?";
    const char *status = msg->bounce_status ? msg->bounce_status : "?";
    desk_log("mail: bounce for %s (%s %s)", desk_log_escape(esc, sizeof esc, who, strlen(who), 0), action, status);
    int64_t user = 0;
    int rc = 0;
    if (msg->bounce_recipient && !strcmp(action, "failed")) {
        snprintf(reason, sizeof reason, "%s %s", status, action);
        for (char *p = reason; *p; p++) /* printable ASCII: it goes into JSON and logs */
            if (*p < 0x20 || *p > 0x7e) *p = '?';
        rc = desk_bounce_record(&user, d, msg->bounce_recipient, msg->bounce_message_id, reason, accepted_at_s);
    }
    if (rc && temporary(rc))
        finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 store unavailable; try again later");
    else
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_BOUNCE,
               user ? "2.6.0 delivery report: the address is marked bouncing" : "2.6.0 delivery report noted");
}

/* Stage a mail's attachments and its original (desk_attachments_stage_mail). */
static int stage_files(desk_mail_staged *out, garant_desk *d, const garant_user *u, const garant_mail_message *msg,
                       const char *raw, size_t len, int64_t now)
{
    desk_file_in in[DESK_ATTACHMENTS_PER_MESSAGE];
    size_t n = msg->n_attachments < DESK_ATTACHMENTS_PER_MESSAGE ? msg->n_attachments : DESK_ATTACHMENTS_PER_MESSAGE;
    for (size_t i = 0; i < n; i++) {
        const garant_mail_attachment *a = &msg->attachments[i];
        in[i] = (desk_file_in){a->filename, a->content_type, a->data, a->len};
    }
    int rc = desk_attachments_stage_mail(out, d, u->id, in, n, raw, len, now);
    out->skipped += msg->n_attachments - n;
    if (!rc && out->skipped)
        desk_log("mail: %zu attachment(s) left out (too large or too many)", out->skipped);
    return rc;
}

void desk_inbound_deliver(desk_inbound_result *out, garant_desk *d, const char *bytes, size_t len,
                          const char *rcpt, const char *mail_from, int64_t accepted_at_s)
{
    memset(out, 0, sizeof *out);
    garant_mail_message *msg = NULL;
    char *text = NULL;
    char why[160], esc[160];
    int64_t ticket = 0, bounced_at = 0; /* since when the sender's address bounces */
    garant_user u;
    memset(&u, 0, sizeof u);
    if (!rcpt_ticket(out, d, rcpt, &ticket)) {
        char keep[sizeof out->why];
        snprintf(keep, sizeof keep, "%s", out->why);
        finish(out, d, DESK_INBOUND_REFUSED, DESK_INBOUND_NOT_OURS, keep);
        return;
    }
    garant_mail_limits lim = {.max_bytes = INBOUND_MAX_BYTES};
    int rc = garant_mail_parse(&msg, bytes, len, &lim);
    if (rc == GARANT_ENOMEM) {
        finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 out of memory; try again later");
        return;
    }
    if (rc) {
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_MALFORMED, "2.6.0 unreadable message dropped");
        goto done;
    }
    if (msg->is_bounce) {
        bounce(out, d, msg, accepted_at_s);
        goto done;
    }
    const char *sender = msg->from.addr ? msg->from.addr : mail_from;
    if (msg->auto_flags || !mail_from[0] || !sender || !sender[0] ||
        ours(d, sender)) {
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_AUTO, "2.6.0 automatic mail: not answered");
        goto done;
    }
    if (msg->dkim == GARANT_MAIL_AUTH_FAIL || msg->spf == GARANT_MAIL_AUTH_FAIL) {
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_AUTH_FAIL, "2.7.0 authentication failed: dropped");
        goto done;
    }
    int forged = 0;
    if (!ticket) {
        char buf[256];
        const char *local, *domain;
        if (support_parts(buf, sizeof buf, &local, &domain, d)) thread_ticket(&ticket, &forged, d, msg, domain);
    }
    if (!ticket && forged) {
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_FORGED, "2.7.0 forged reference: dropped");
        goto done;
    }
    rc = sender_user(&u, &bounced_at, d, sender);
    if (rc == GARANT_ENOTFOUND) {
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_UNKNOWN, "2.7.0 unknown sender: dropped");
        goto done;
    }
    if (rc) {
        finish(out, d, temporary(rc) ? DESK_INBOUND_TEMPORARY : DESK_INBOUND_OK,
               temporary(rc) ? DESK_INBOUND_TEMPFAIL : DESK_INBOUND_MALFORMED, "4.3.0 store unavailable; try again later");
        goto done;
    }
    if ((rc = garant_mail_strip_quote(&text, msg->text, msg->text_len))) {
        finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 out of memory; try again later");
        goto done;
    }
    trim_text(text, GARANT_MAX_BODY);
    desk_actor who = {&u, accepted_at_s};
    /* Its files and the original, put on the message in the same write
    ** as the message: stored by that write too when the mail is small (one
    ** write and one fsync a mail), else staged first (desk_attachments.h). */
    desk_mail_staged files;
    if ((rc = stage_files(&files, d, &u, msg, bytes, len, accepted_at_s)) && temporary(rc)) {
        finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 store unavailable; try again later");
        goto done;
    }
    if (rc) { /* a file the desk refuses: the message without its files */
        desk_log("mail: attachments left out: %s", garant_error_last());
        memset(&files, 0, sizeof files);
    }
    if (ticket) {
        if (!text[0]) {
            finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_MALFORMED, "2.6.0 empty reply dropped");
            goto done;
        }
        int64_t reply_id;
        int first;
        rc = desk_ticket_reply_mail(&reply_id, &first, d, &who, ticket, text, &files);
        if (rc == GARANT_ELIMIT) /* the ticket's files would be too many bytes: the text alone */
            rc = desk_ticket_reply(&reply_id, &first, d, &who, ticket, text, 1);
        out->ticket_id = ticket;
        if (!rc) {
            snprintf(why, sizeof why, "2.0.0 added to ticket #%lld", (long long)ticket);
            finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_REPLIED, why);
        } else if (temporary(rc)) {
            finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 store unavailable; try again later");
        } else {
            desk_log("mail: reply on #%lld refused: %s", (long long)ticket, garant_error_last());
            finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_FORBIDDEN, "2.7.0 reply not accepted: dropped");
        }
        goto done;
    }
    rc = file_ticket(&ticket, d, &u, msg, text[0] ? text : "(no text)", &files, accepted_at_s);
    if (rc == GARANT_ELIMIT) rc = file_ticket(&ticket, d, &u, msg, text[0] ? text : "(no text)", NULL, accepted_at_s);
    if (!rc) {
        out->ticket_id = ticket;
        snprintf(why, sizeof why, "2.0.0 filed as ticket #%lld", (long long)ticket);
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_FILED, why);
    } else if (temporary(rc)) {
        finish(out, d, DESK_INBOUND_TEMPORARY, DESK_INBOUND_TEMPFAIL, "4.3.0 store unavailable; try again later");
    } else {
        desk_log("mail: new ticket refused: %s", garant_error_last());
        finish(out, d, DESK_INBOUND_OK, DESK_INBOUND_MALFORMED, "2.6.0 not filed: dropped");
    }
done:
    /* A mail from a bouncing address that was taken: the mailbox works. */
    if ((out->outcome == DESK_INBOUND_REPLIED || out->outcome == DESK_INBOUND_FILED) && bounced_at &&
        desk_bounce_clear(d, u.id) != 0)
        desk_log("mail: could not clear the bounce of user %lld: %s", (long long)u.id, garant_error_last());
    if (out->outcome != DESK_INBOUND_REPLIED && out->outcome != DESK_INBOUND_FILED && !desk_options_of(d)->quiet) {
        const char *s = msg && msg->from.addr ? msg->from.addr : mail_from;
        desk_log("mail: %s from %s to %s: %s", desk_inbound_outcome_name((int)out->outcome),
                 desk_log_escape(esc, sizeof esc, s, strlen(s), DESK_LOG_SPACE),
                 desk_log_escape(why, sizeof why, rcpt, strlen(rcpt), DESK_LOG_SPACE), out->why);
    }
    free(text);
    garant_mail_message_free(msg);
}
