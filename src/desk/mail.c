/*
** mail.c - sending the service's e-mails (address verification, password
** reset) over SMTP with libcurl, or into the server's log when no SMTP
** server is configured (the demo).
**
** A mail is one RFC 5322 message (Date, Message-ID, From, To, Subject,
** MIME-Version, Content-Type text/plain; charset=utf-8) handed to the SMTP
** server at opt.smtp_url ("smtp://HOST:PORT", "smtps://..."; credentials
** may sit in the URL) with MAIL FROM taken from opt.mail_from. STARTTLS is
** used when the server offers it. The call is synchronous: desk_mail
** returns once the server has accepted the message or refused it, bounded
** by the timeouts below.
**
** desk_mail runs on request threads. libcurl's global state is set up
** once (pthread_once); each mail uses its own easy handle.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "log.h"

#define DEFAULT_FROM "garant <noreply@garant.invalid>"
/* Seconds: to connect, and for the whole SMTP exchange. */
#define SMTP_CONNECT_TIMEOUT_S 10L
#define SMTP_TIMEOUT_S 30L
/* Largest message built (the bodies are a few lines). */
#define MAX_MESSAGE (256 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

/* A message being built, within a ceiling of max bytes (its NUL
** included). The API's text builder (src/http/text.h) is the door's. */
typedef struct mail_text {
    char *s;                    /* NUL-terminated; caller owns; free() */
    size_t len, cap, max;
    const char *limit_message;  /* "mail larger than": the ceiling's error */
} mail_text;

static int add(mail_text *t, const char *s, size_t n)
{
    size_t want = t->len + n + 1;
    if (want > t->max) return garant__error(GARANT_ELIMIT, "%s %zu bytes", t->limit_message, t->max);
    int rc = garant__grow((void **)&t->s, &t->cap, want, 1);
    if (rc) return rc;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

static int puts_(mail_text *t, const char *s) { return add(t, s, strlen(s)); }

/* A header line "Name: value\r\n"; value must hold no line break. */
static int header(mail_text *b, const char *name, const char *value)
{
    int rc = puts_(b, name);
    if (!rc) rc = puts_(b, ": ");
    if (!rc) rc = puts_(b, value);
    if (!rc) rc = puts_(b, "\r\n");
    return rc;
}

/* The address inside "Name <addr>", or the whole text. */
static void address_of(char *out, size_t cap, const char *from)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        snprintf(out, cap, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(out, cap, "%s", from);
}

/* RFC 5322 date of t, in UTC: "Tue, 01 Dec 2026 10:00:00 +0000". Day and
** month names from tables, not strftime, so the locale cannot change them. */
static void rfc5322_date(char out[40], time_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Subject as is when ASCII, else an RFC 2047 encoded word (base64, UTF-8). */
static int subject_header(mail_text *b, const char *subject)
{
    int ascii = 1;
    for (const char *p = subject; *p; p++) ascii = ascii && (unsigned char)*p < 0x80;
    if (ascii) return header(b, "Subject", subject);
    size_t n = strlen(subject);
    if (n > 600) n = 600;
    char enc[1024];
    sodium_bin2base64(enc, sizeof enc, (const unsigned char *)subject, n, sodium_base64_VARIANT_ORIGINAL);
    int rc = puts_(b, "Subject: =?utf-8?B?");
    if (!rc) rc = puts_(b, enc);
    if (!rc) rc = puts_(b, "?=\r\n");
    return rc;
}

/* The whole message, lines ended by CRLF. Caller owns out->s; free(). */
static int build_message(mail_text *out, int64_t now_s, const char *from, const char *to, const char *subject,
                         const char *body)
{
    char date[40], from_addr[256], msgid[160];
    rfc5322_date(date, now_s);
    address_of(from_addr, sizeof from_addr, from);
    const char *from_domain = strchr(from_addr, '@');
    unsigned char rnd[16];
    char rnd_hex[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    snprintf(msgid, sizeof msgid, "<%s@%s>", rnd_hex, from_domain && from_domain[1] ? from_domain + 1 : "garant.invalid");
    mail_text b = {.max = MAX_MESSAGE, .limit_message = "mail larger than"};
    int rc = header(&b, "Date", date);
    if (!rc) rc = header(&b, "Message-ID", msgid);
    if (!rc) rc = header(&b, "From", from);
    if (!rc) rc = header(&b, "To", to);
    if (!rc) rc = subject_header(&b, subject);
    if (!rc) rc = header(&b, "MIME-Version", "1.0");
    if (!rc) rc = header(&b, "Content-Type", "text/plain; charset=utf-8");
    if (!rc) rc = header(&b, "Content-Transfer-Encoding", "8bit");
    if (!rc) rc = header(&b, "Auto-Submitted", "auto-generated");
    if (!rc) rc = puts_(&b, "\r\n");
    /* Body: every line break becomes CRLF (libcurl dot-stuffs lines). */
    for (const char *p = body; !rc && *p;) {
        size_t n = strcspn(p, "\r\n");
        rc = add(&b, p, n);
        if (!rc) rc = puts_(&b, "\r\n");
        p += n;
        if (*p == '\r' && p[1] == '\n') p++;
        if (*p) p++;
    }
    if (rc) {
        free(b.s);
        return rc;
    }
    *out = b;
    return 0;
}

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
    upload *u = arg;
    size_t room = size * nmemb, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(dst, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static int send_smtp(const char *url, const char *from_addr, const char *to, const mail_text *msg)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc) return garant__error(GARANT_EIO, "mail: libcurl failed to initialize");
    CURL *h = curl_easy_init();
    if (!h) return garant__error(GARANT_ENOMEM, "mail: out of memory");
    char from_angle[300], to_angle[300], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(from_angle, sizeof from_angle, "<%s>", from_addr);
    snprintf(to_angle, sizeof to_angle, "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to_angle);
    if (!rcpt) {
        curl_easy_cleanup(h);
        return garant__error(GARANT_ENOMEM, "mail: out of memory");
    }
    upload u = {msg->s, msg->len, 0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from_angle);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_INFILESIZE, (long)msg->len);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, SMTP_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(h);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK)
        return garant__error(GARANT_EIO, "mail to %s not sent: %s", to, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    return 0;
}

/* Write the message to the log (the demo's mail box), each of its lines
** escaped (log.h) behind a "garant: mail| " prefix: a name or an address
** in a mail cannot start a line that passes for a request, another mail's
** end or one of the server's own messages. */
static int log_message(const mail_text *msg)
{
    mail_text out = {.max = MAX_MESSAGE * DESK_LOG_ESCAPE_MAX + 4096, .limit_message = "logged mail larger than"};
    int rc = puts_(&out, "garant: mail (no --smtp-url, so not sent):\n");
    char line[4096];
    for (const char *p = msg->s, *end = msg->s + msg->len; !rc && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* Lines end in CRLF on the wire; the log is read by people. */
        size_t shown = n && p[n - 1] == '\r' ? n - 1 : n;
        rc = puts_(&out, "garant: mail| ");
        if (!rc) rc = puts_(&out, desk_log_escape(line, sizeof line, p, shown, 0));
        if (!rc) rc = puts_(&out, "\n");
        p += n + (nl != NULL);
    }
    if (!rc) rc = puts_(&out, "garant: mail| -- end of mail --\n");
    /* One call, so concurrent mails do not interleave in the log. */
    if (!rc) fputs(out.s, stderr);
    free(out.s);
    return rc;
}

int desk_mail(garant_desk *d, const char *to, const char *subject, const char *body)
{
    const desk_options *opt = desk_options_of(d);
    const char *from = opt->mail_from ? opt->mail_from : DEFAULT_FROM;
    /* A line break in a header would let its text add headers of its own. */
    if (strpbrk(to, "\r\n<>") || strpbrk(subject, "\r\n") || strpbrk(from, "\r\n") || strlen(to) > 254 ||
        strlen(from) > 254)
        return garant__error(GARANT_EINVAL, "mail: recipient, sender or subject is malformed");
    char from_addr[256];
    address_of(from_addr, sizeof from_addr, from);
    mail_text msg;
    int rc = build_message(&msg, desk_now(d), from, to, subject, body);
    if (rc) return rc;
    if (opt->smtp_url) {
        rc = send_smtp(opt->smtp_url, from_addr, to, &msg);
        if (rc) desk_log("%s", garant_error_last());
    } else {
        rc = log_message(&msg);
    }
    free(msg.s);
    return rc;
}
