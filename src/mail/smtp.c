/*
** smtp.c - SMTP delivery with one reused libcurl easy handle (smtp.h).
**
** libcurl keeps the connection of a finished transfer in the handle's
** cache, so the next send on the same handle to the same URL starts at
** MAIL FROM on the open connection. A failed transfer may close it; the
** next one connects again.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "mail_internal.h"
#include "smtp.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define MAX_CREDENTIAL 256

struct garant_smtp {
    CURL *curl;
    char *url, *from, *ca_file;
    int require_tls;
    long connect_timeout_ms, timeout_ms;
    long connections;
    char user[MAX_CREDENTIAL], password[MAX_CREDENTIAL];
    int has_auth;
    char errbuf[CURL_ERROR_SIZE];
};

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

/* The first line of s without its line end, into out (cap bytes); s moves
** past it. 0 if the line does not fit. */
static int take_line(char *out, size_t cap, const char **s)
{
    size_t n = strcspn(*s, "\r\n");
    if (n >= cap) return 0;
    memcpy(out, *s, n);
    out[n] = '\0';
    *s += n;
    if (**s == '\r') (*s)++;
    if (**s == '\n') (*s)++;
    return 1;
}

static int read_credentials_file(garant_smtp *s, const char *path)
{
    static const char what[] = "smtp credentials";
    FILE *f = fopen(path, "r");
    if (!f) return garant__error(GARANT_EIO, "%s %s: %s", what, path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 0007)) {
        fclose(f);
        return garant__error(GARANT_EPERM, "%s %s: readable by others; chmod o-rwx it", what, path);
    }
    char text[2 * MAX_CREDENTIAL + 4];
    size_t n = fread(text, 1, sizeof text - 1, f);
    int too_long = !feof(f);
    fclose(f);
    text[n] = '\0';
    const char *p = text;
    int ok = !too_long && take_line(s->user, sizeof s->user, &p) && take_line(s->password, sizeof s->password, &p) &&
             s->user[0] && s->password[0];
    sodium_memzero(text, sizeof text);
    if (!ok) return garant__error(GARANT_EINVAL, "%s %s: want the user on line 1, the password on line 2", what, path);
    s->has_auth = 1;
    return 0;
}

static int read_credentials_env(garant_smtp *s)
{
    const char *user = getenv("GARANT_SMTP_USER"), *password = getenv("GARANT_SMTP_PASSWORD");
    if (!user || !*user) return 0; /* no AUTH */
    if (!password) return garant__error(GARANT_EINVAL, "smtp: GARANT_SMTP_USER is set but GARANT_SMTP_PASSWORD is not");
    if (strlen(user) >= sizeof s->user || strlen(password) >= sizeof s->password)
        return garant__error(GARANT_EINVAL, "smtp: credentials longer than %d bytes", MAX_CREDENTIAL - 1);
    memcpy(s->user, user, strlen(user) + 1);
    memcpy(s->password, password, strlen(password) + 1);
    s->has_auth = 1;
    return 0;
}

int garant_smtp_new(garant_smtp **out, const garant_smtp_config *cfg)
{
    static const char what[] = "smtp";
    *out = NULL;
    if (!cfg->url || (strncmp(cfg->url, "smtp://", 7) != 0 && strncmp(cfg->url, "smtps://", 8) != 0))
        return garant__error(GARANT_EINVAL, "%s: the URL must start with smtp:// or smtps://", what);
    if (!cfg->envelope_from || !strchr(cfg->envelope_from, '@') || strpbrk(cfg->envelope_from, "<>\r\n \t"))
        return garant__error(GARANT_EINVAL, "%s: bad envelope sender", what);
    int rc = garant_mail__init();
    if (rc) return rc;
    garant_smtp *s = calloc(1, sizeof *s);
    if (!s) return garant__error(GARANT_ENOMEM, "%s: out of memory", what);
    s->url = garant__strdup(cfg->url);
    s->from = malloc(strlen(cfg->envelope_from) + 3);
    s->ca_file = cfg->ca_file ? garant__strdup(cfg->ca_file) : NULL;
    s->curl = curl_easy_init();
    if (!s->url || !s->from || (cfg->ca_file && !s->ca_file) || !s->curl) {
        rc = garant__error(GARANT_ENOMEM, "%s: out of memory", what);
        goto fail;
    }
    snprintf(s->from, strlen(cfg->envelope_from) + 3, "<%s>", cfg->envelope_from);
    s->require_tls = cfg->require_tls;
    s->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    rc = cfg->credentials_file ? read_credentials_file(s, cfg->credentials_file) : read_credentials_env(s);
    if (rc) goto fail;
    *out = s;
    return 0;
fail:
    garant_smtp_free(s);
    return rc;
}

void garant_smtp_free(garant_smtp *s)
{
    if (!s) return;
    if (s->curl) curl_easy_cleanup(s->curl);
    sodium_memzero(s->user, sizeof s->user);
    sodium_memzero(s->password, sizeof s->password);
    free(s->url);
    free(s->from);
    free(s->ca_file);
    free(s);
}

long garant_smtp_connections(const garant_smtp *s) { return s->connections; }

/* The options of one transfer. The handle keeps its connection cache
** across curl_easy_reset-free reuse: options are set again each time,
** never reset, so the cached connection stays. */
static CURLcode set_options(garant_smtp *s, struct curl_slist *rcpt, upload *u)
{
    CURL *c = s->curl;
    CURLcode e = CURLE_OK;
#define SET(opt, val) \
    if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val)
    SET(CURLOPT_URL, s->url);
    SET(CURLOPT_MAIL_FROM, s->from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_cb);
    SET(CURLOPT_READDATA, u);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
    SET(CURLOPT_USE_SSL, s->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    SET(CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, s->timeout_ms);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (s->ca_file) SET(CURLOPT_CAINFO, s->ca_file);
    if (s->has_auth) {
        SET(CURLOPT_USERNAME, s->user);
        SET(CURLOPT_PASSWORD, s->password);
    }
#undef SET
    return e;
}

/* The outcome of a finished transfer (see smtp.h). */
static void classify(garant_smtp_result *out, CURLcode e, long code, const char *errbuf)
{
    out->code = (int)code;
    if (e == CURLE_OK) {
        out->outcome = GARANT_SMTP_SENT;
        snprintf(out->detail, sizeof out->detail, "%ld accepted", code);
        return;
    }
    int refusal = e == CURLE_SEND_ERROR || e == CURLE_RECV_ERROR || e == CURLE_WEIRD_SERVER_REPLY;
    out->outcome = refusal && code >= 500 && code < 600 ? GARANT_SMTP_REJECTED : GARANT_SMTP_RETRY;
    /* Truncation is fine: the detail is a diagnostic. */
    int n = snprintf(out->detail, sizeof out->detail, "%s", errbuf[0] ? errbuf : curl_easy_strerror(e));
    (void)n;
}

int garant_smtp_send(garant_smtp_result *out, garant_smtp *s, const char *recipient, const void *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    if (!recipient || !strchr(recipient, '@') || strpbrk(recipient, "<>\r\n \t") || strlen(recipient) > 254)
        return garant__error(GARANT_EINVAL, "smtp: bad recipient");
    char bracketed[260];
    snprintf(bracketed, sizeof bracketed, "<%s>", recipient);
    struct curl_slist *rcpt = curl_slist_append(NULL, bracketed);
    if (!rcpt) return garant__error(GARANT_ENOMEM, "smtp: out of memory");
    upload u = {.data = msg, .len = len};
    s->errbuf[0] = '\0';
    CURLcode e = set_options(s, rcpt, &u);
    if (e == CURLE_OK) e = curl_easy_perform(s->curl);
    long code = 0, connects = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &connects);
    s->connections += connects;
    classify(out, e, code, s->errbuf);
    /* The list is referenced by the handle until the next transfer sets
    ** another one: unset it before freeing. */
    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
    curl_slist_free_all(rcpt);
    return 0;
}
