/*
** webhook.c - webhook URL and address checks, signing, and the delivery of
** outbox items over libcurl (see webhook.h for the rules).
**
** Deliveries of one batch run concurrently on one curl multi handle, on
** the calling thread (the monitor's delivery thread); each easy handle
** lives only for its transfer. The store is not touched here: the caller
** marks the results through desk_write.
*/
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "webhook.h"

/* Limits of one delivery: the whole transfer, and the connection. */
#define DELIVERY_TIMEOUT_MS 10000L
#define CONNECT_TIMEOUT_MS 5000L
/* Addresses pinned per host; more than enough for any real name. */
#define MAX_PINNED 8

/* ---- libcurl, once ------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

int desk_webhook_global_init(void)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return garant__error(GARANT_EIO, "libcurl failed to initialize: %s", curl_easy_strerror(curl_init_rc));
    return 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* IPv4 ranges no webhook may reach: every block of IANA's IPv4
** Special-Purpose Address Registry (iana-ipv4-special-registry, as of
** 2025), and multicast. Blocks the registry calls globally reachable
** (AS112, AMT, the anycast addresses in 192.0.0/24) are refused too: they
** are DNS sinks and relays, never a webhook receiver. */
static const struct {
    uint32_t net;
    int bits;
} bad_v4[] = {
    {0x00000000u, 8},  /* 0.0.0.0/8, "this network" */
    {0x0A000000u, 8},  /* 10/8, RFC 1918 */
    {0x64400000u, 10}, /* 100.64/10, carrier-grade NAT */
    {0x7F000000u, 8},  /* 127/8, loopback */
    {0xA9FE0000u, 16}, /* 169.254/16, link-local (cloud metadata) */
    {0xAC100000u, 12}, /* 172.16/12, RFC 1918 */
    {0xC0000000u, 24}, /* 192.0.0/24, IETF protocol assignments */
    {0xC0000200u, 24}, /* 192.0.2/24, documentation */
    {0xC01FC400u, 24}, /* 192.31.196/24, AS112-v4 */
    {0xC034C100u, 24}, /* 192.52.193/24, AMT */
    {0xC0586300u, 24}, /* 192.88.99/24, deprecated 6to4 relay anycast */
    {0xC0A80000u, 16}, /* 192.168/16, RFC 1918 */
    {0xC0AF3000u, 24}, /* 192.175.48/24, direct delegation AS112 service */
    {0xC6120000u, 15}, /* 198.18/15, benchmarking */
    {0xC6336400u, 24}, /* 198.51.100/24, documentation */
    {0xCB007100u, 24}, /* 203.0.113/24, documentation */
    {0xE0000000u, 4},  /* 224/4, multicast */
    {0xF0000000u, 4},  /* 240/4, reserved, and 255.255.255.255 broadcast */
};

static int v4_public(const uint8_t a[4])
{
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | (uint32_t)a[3];
    for (size_t i = 0; i < sizeof bad_v4 / sizeof bad_v4[0]; i++) {
        uint32_t mask = 0xFFFFFFFFu << (32 - bad_v4[i].bits);
        if ((x & mask) == bad_v4[i].net) return 0;
    }
    return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* IPv6 blocks of IANA's IPv6 Special-Purpose Address Registry
** (iana-ipv6-special-registry, as of 2025) inside global unicast
** (2000::/3); those outside it are refused by v6_public wholesale. */
static const struct {
    uint8_t net[6]; /* the prefix's first bytes; the rest are zero */
    int bits;
} bad_v6[] = {
    /* 2001::/23, IETF protocol assignments: Teredo 2001::/32 (hides an
    ** IPv4), the PCP, TURN and DNS-SD anycast addresses in 2001:1::/48,
    ** benchmarking 2001:2::/48, AMT 2001:3::/32, AS112-v6 2001:4:112::/48,
    ** ORCHID 2001:10::/28, ORCHIDv2 2001:20::/28, drone remote ID
    ** 2001:30::/28, and what is assigned there next. */
    {{0x20, 0x01, 0x00, 0x00, 0, 0}, 23},
    {{0x20, 0x01, 0x0d, 0xb8, 0, 0}, 32},       /* 2001:db8::/32, documentation */
    {{0x26, 0x20, 0x00, 0x4f, 0x80, 0x00}, 48}, /* 2620:4f:8000::/48, direct delegation AS112 */
    {{0x3f, 0xff, 0x00, 0x00, 0, 0}, 20},       /* 3fff::/20, documentation */
};

/* Do the first bits of a match the prefix net? */
static int in_prefix(const uint8_t *a, const uint8_t *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0) return 0;
    if (!rest) return 1;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[whole] & mask) == (net[whole] & mask);
}

/* IPv6: forms that carry an IPv4 address are judged by it (mapped,
** SIIT, the NAT64 well-known prefix 64:ff9b::/96, 6to4 2002::/16);
** otherwise only global unicast (2000::/3) passes, less the registry's
** blocks in it (bad_v6). Outside 2000::/3 lies every other block of the
** registry (::, ::1, 64:ff9b:1::/48, 100::/64, 5f00::/16, fc00::/7,
** fe80::/10) and fec0::/10, ff00::/8. */
static int v6_public(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, mapped, 12) || !memcmp(a, siit, 12) || !memcmp(a, nat64, 12)) return v4_public(a + 12);
    if (all_zero(a, 12)) return 0; /* ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d */
    if (a[0] == 0x20 && a[1] == 0x02) return v4_public(a + 2);      /* 2002::/16, 6to4 */
    if ((a[0] & 0xe0) != 0x20) return 0;                            /* outside 2000::/3 */
    for (size_t i = 0; i < sizeof bad_v6 / sizeof bad_v6[0]; i++)
        if (in_prefix(a, bad_v6[i].net, bad_v6[i].bits)) return 0;
    return 1;
}

int desk_webhook_addr_public(const struct sockaddr *sa)
{
    if (!sa) return 0;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        uint8_t a[4];
        memcpy(a, &in.sin_addr, 4);
        return v4_public(a);
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        uint8_t a[16];
        memcpy(a, &in6.sin6_addr, 16);
        return v6_public(a);
    }
    return 0;
}

/* The address as text (IPv6 without brackets). */
static void addr_text(char out[INET6_ADDRSTRLEN], const struct sockaddr *sa)
{
    out[0] = '\0';
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
    if (!out[0]) snprintf(out, INET6_ADDRSTRLEN, "(unknown address)");
}

/* ---- URLs --------------------------------------------------------------- */

/* The parts of a webhook URL that the checks need. */
typedef struct url_parts {
    char host[256]; /* without IPv6 brackets */
    char port[8];   /* decimal, the scheme's default if none */
} url_parts;

/* Parse and check the syntax of url; fill *out. GARANT_EINVAL with a
** message on anything not allowed. */
static int parse_url(url_parts *out, const char *url)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(url);
    if (len == 0) return garant__error(GARANT_EINVAL, "the webhook URL is empty");
    if (len > DESK_WEBHOOK_MAX_URL)
        return garant__error(GARANT_EINVAL, "the webhook URL is longer than %d bytes", DESK_WEBHOOK_MAX_URL);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch <= 0x20 || ch == 0x7f)
            return garant__error(GARANT_EINVAL, "the webhook URL must not contain spaces or control characters");
    }
    /* libcurl reads "http:///x" as host "x"; RFC 3986 reads an empty host. */
    const char *sep = strstr(url, "://");
    if (!sep || !sep[3] || strchr("/?#", sep[3]))
        return garant__error(GARANT_EINVAL, "the webhook URL must be absolute, like https://example.com/hook");
    int rc = desk_webhook_global_init();
    if (rc) return rc;
    CURLU *u = curl_url();
    if (!u) return garant__error(GARANT_ENOMEM, "out of memory parsing the webhook URL");
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL, *options = NULL;
    char *zone = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL is not a valid URL: %s", curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL must use http or https, not '%.32s'",
                           scheme ? scheme : "");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_OPTIONS, &options, 0) == CURLUE_OK) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL must not contain a user name or password");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL must not name an IPv6 zone");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !host[0]) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL has no host");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK || !port) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL has no usable port");
        goto out;
    }
    /* Port 0 is no port: connect() to it fails or, on some systems, goes
    ** somewhere unexpected; libcurl takes ":0" as written. */
    char *port_end;
    long port_n = strtol(port, &port_end, 10);
    if (*port_end || port_n < 1 || port_n > 65535) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL's port must be 1-65535, not '%.8s'", port);
        goto out;
    }
    const char *h = host;
    size_t hl = strlen(host);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= sizeof out->host || strlen(port) >= sizeof out->port) {
        rc = garant__error(GARANT_EINVAL, "the webhook URL's host is empty or too long");
        goto out;
    }
    memcpy(out->host, h, hl);
    out->host[hl] = '\0';
    memcpy(out->port, port, strlen(port) + 1);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_free(options);
    curl_free(zone);
    curl_url_cleanup(u);
    return rc;
}

/* ---- the test resolver -------------------------------------------------- */

typedef struct host_entry {
    char host[256];                /* lower-case */
    char addr[INET6_ADDRSTRLEN];   /* as given, checked by inet_pton */
} host_entry;

struct desk_webhook_hosts {
    size_t n;
    host_entry *e;
};

int desk_webhook_hosts_add(desk_webhook_hosts **io, const char *spec)
{
    const char *colon = strchr(spec, ':');
    size_t hl = colon ? (size_t)(colon - spec) : 0;
    if (!colon || hl == 0 || hl >= sizeof((host_entry *)0)->host)
        return garant__error(GARANT_EINVAL, "'%.300s' is not HOST:ADDR (a host name, a colon, an address)", spec);
    for (size_t i = 0; i < hl; i++) {
        char ch = spec[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '.'))
            return garant__error(GARANT_EINVAL, "'%.300s': the host must be a name of letters, digits, '-' and '.'",
                                 spec);
    }
    const char *addr = colon + 1;
    unsigned char bin[16];
    if (strlen(addr) >= INET6_ADDRSTRLEN ||
        (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1))
        return garant__error(GARANT_EINVAL, "'%.300s': '%.64s' is not an IPv4 or IPv6 address", spec, addr);
    desk_webhook_hosts *h = *io;
    if (!h && !(h = calloc(1, sizeof *h))) return garant__error(GARANT_ENOMEM, "out of memory");
    host_entry *ne = realloc(h->e, (h->n + 1) * sizeof *ne);
    if (!ne) {
        if (!*io) free(h);
        return garant__error(GARANT_ENOMEM, "out of memory");
    }
    h->e = ne;
    host_entry *e = &h->e[h->n++];
    for (size_t i = 0; i < hl; i++) e->host[i] = (char)((spec[i] >= 'A' && spec[i] <= 'Z') ? spec[i] + 32 : spec[i]);
    e->host[hl] = '\0';
    snprintf(e->addr, sizeof e->addr, "%s", addr);
    *io = h;
    return 0;
}

void desk_webhook_hosts_free(desk_webhook_hosts *h)
{
    if (!h) return;
    free(h->e);
    free(h);
}

/* The addresses of host in the map as an addrinfo list, as getaddrinfo
** would give them: 1 and *out (free with freeaddrinfo), 0 if the map does
** not name host, or a negative garant_err. */
static int map_lookup(struct addrinfo **out, const desk_webhook_hosts *hosts, const char *host, const char *port)
{
    *out = NULL;
    if (!hosts) return 0;
    struct addrinfo **tail = out;
    int found = 0;
    for (size_t i = 0; i < hosts->n; i++) {
        if (strcasecmp(hosts->e[i].host, host) != 0) continue;
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        if (getaddrinfo(hosts->e[i].addr, port, &hints, &res) != 0) continue; /* checked when added */
        *tail = res;
        while (*tail) tail = &(*tail)->ai_next;
        found = 1;
    }
    return found;
}

/* ---- resolution and the address check ------------------------------------ */

/* Resolve the host: an address literal is itself (*out_literal = 1), a
** name in the test map its addresses, anything else DNS. Caller owns *out;
** free with freeaddrinfo. GARANT_EINVAL when the name does not resolve. */
static int resolve(struct addrinfo **out, int *out_literal, const url_parts *p, const desk_webhook_hosts *hosts)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    *out = NULL;
    *out_literal = getaddrinfo(p->host, p->port, &hints, out) == 0;
    if (*out_literal) return 0;
    int m = map_lookup(out, hosts, p->host, p->port);
    if (m < 0) return m;
    if (m) return 0;
    hints.ai_flags = 0;
    int g = getaddrinfo(p->host, p->port, &hints, out);
    if (g != 0) {
        *out = NULL;
        return garant__error(GARANT_EINVAL, "the webhook host '%.200s' does not resolve: %s", p->host,
                             gai_strerror(g));
    }
    return 0;
}

/* Resolve the host and, when check, refuse it if any address is not
** public. When pin is not NULL, fill it with "HOST:PORT:ADDR[,ADDR...]"
** for CURLOPT_RESOLVE: the addresses just checked, so that curl connects
** to nothing else (empty for an address literal, which curl does not look
** up). GARANT_EINVAL with a message when the host does not resolve, has
** no IPv4 or IPv6 address, or reaches a non-public one. */
static int check_addresses(const url_parts *p, const desk_webhook_hosts *hosts, int check, char *pin,
                           size_t pin_cap)
{
    if (pin) pin[0] = '\0';
    struct addrinfo *res = NULL;
    int literal = 0;
    int rc = resolve(&res, &literal, p, hosts);
    if (rc) return rc;
    /* Every address is checked, and counted whether or not it is pinned:
    ** registration pins nothing, and counting only pinned ones refused
    ** every host name there (issue 13, finding 2). */
    int naddr = 0, npinned = 0;
    size_t used = 0;
    if (pin && !literal) {
        int n = snprintf(pin, pin_cap, "%s:%s:", p->host, p->port);
        if (n < 0 || (size_t)n >= pin_cap) rc = garant__error(GARANT_EINVAL, "the webhook host is too long");
        else used = (size_t)n;
    }
    for (struct addrinfo *ai = res; ai && !rc; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        naddr++;
        char text[INET6_ADDRSTRLEN];
        addr_text(text, ai->ai_addr);
        if (check && !desk_webhook_addr_public(ai->ai_addr)) {
            rc = garant__error(GARANT_EINVAL,
                               "the webhook host '%.200s' is %s, a loopback, private, link-local or otherwise "
                               "non-public address; such targets are refused unless the server runs with "
                               "--allow-private-webhooks",
                               p->host, text);
            break;
        }
        if (!pin || literal || npinned >= MAX_PINNED) continue;
        int n = snprintf(pin + used, pin_cap - used, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
                         npinned ? "," : "", text);
        if (n < 0 || (size_t)n >= pin_cap - used) continue; /* enough pinned; the rest is still checked */
        used += (size_t)n;
        npinned++;
    }
    if (!rc && naddr == 0)
        rc = garant__error(GARANT_EINVAL, "the webhook host '%.200s' has no IPv4 or IPv6 address", p->host);
    freeaddrinfo(res);
    if (rc && pin) pin[0] = '\0';
    return rc;
}

int desk_webhook_check_url(const char *url, int allow_private, const desk_webhook_hosts *hosts)
{
    url_parts p;
    int rc = parse_url(&p, url);
    if (rc || allow_private) return rc;
    return check_addresses(&p, hosts, 1, NULL, 0);
}

/* ---- signing ------------------------------------------------------------ */

void desk_webhook_sign(char out[DESK_WEBHOOK_SIG_LEN], const char *secret, int64_t timestamp_s, const char *body,
                       size_t body_len)
{
    char ts[24];
    int n = snprintf(ts, sizeof ts, "%lld.", (long long)timestamp_s);
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, (unsigned long long)body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, DESK_WEBHOOK_SIG_LEN - 7, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}

/* ---- delivery ----------------------------------------------------------- */

/* One transfer in flight. */
typedef struct delivery {
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *resolve;
    int allow_private;
    int done;
    char refused[160];              /* set when the socket check refused an address */
    char errbuf[CURL_ERROR_SIZE];
} delivery;

/* Every socket curl opens for a delivery: refuse non-public addresses, the
** last word against a name that now resolves somewhere private. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    delivery *d = clientp;
    (void)purpose;
    if (!d->allow_private && !desk_webhook_addr_public(&address->addr)) {
        char text[INET6_ADDRSTRLEN];
        addr_text(text, &address->addr);
        snprintf(d->refused, sizeof d->refused, "refused to connect to %s, a non-public address", text);
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* The response body is not used: drop it. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr, (void)userdata;
    return size * nmemb;
}

/* Only the names garant emits reach a header: [a-z0-9._-]. */
static int header_safe(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int add_header(struct curl_slist **list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_header(struct curl_slist **list, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) return -1;
    struct curl_slist *nl = curl_slist_append(*list, line);
    if (!nl) return -1;
    *list = nl;
    return 0;
}

/* Prepare d for it; on failure fill res and leave d->easy NULL. */
static void setup_one(delivery *d, const garant_outbox_item *it, int64_t now_s, int allow_private,
                      const desk_webhook_hosts *hosts, desk_webhook_result *res)
{
    d->allow_private = allow_private;
    url_parts p;
    if (parse_url(&p, it->url) != 0) {
        snprintf(res->error, sizeof res->error, "%s", garant_error_last());
        return;
    }
    char pin[1024];
    pin[0] = '\0';
    /* Resolved and pinned with private targets allowed too: the
    ** connection goes where the name resolved here, and nowhere else. */
    if (check_addresses(&p, hosts, !allow_private, pin, sizeof pin) != 0) {
        snprintf(res->error, sizeof res->error, "%s", garant_error_last());
        return;
    }
    if (!header_safe(it->event)) {
        snprintf(res->error, sizeof res->error, "the event name is not deliverable");
        return;
    }
    size_t body_len = it->payload ? strlen(it->payload) : 0;
    char sig[DESK_WEBHOOK_SIG_LEN];
    desk_webhook_sign(sig, it->secret, now_s, it->payload ? it->payload : "", body_len);
    int bad = add_header(&d->headers, "Content-Type: application/json");
    bad = bad || add_header(&d->headers, "User-Agent: garant/%s", GARANT_VERSION);
    bad = bad || add_header(&d->headers, "Expect:"); /* no 100-continue round trip */
    bad = bad || add_header(&d->headers, "X-Garant-Event: %s", it->event);
    bad = bad || add_header(&d->headers, "X-Garant-Delivery: %lld", (long long)it->id);
    bad = bad || add_header(&d->headers, "X-Garant-Timestamp: %lld", (long long)now_s);
    bad = bad || add_header(&d->headers, "X-Garant-Signature: %s", sig);
    if (!bad && pin[0]) {
        struct curl_slist *nl = curl_slist_append(NULL, pin);
        if (!nl) bad = 1;
        d->resolve = nl;
    }
    CURL *e = bad ? NULL : curl_easy_init();
    if (!e) {
        snprintf(res->error, sizeof res->error, "out of memory preparing the delivery");
        return;
    }
    int ok = curl_easy_setopt(e, CURLOPT_URL, it->url) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK; /* no proxy from the environment */
    ok = ok && curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, DELIVERY_TIMEOUT_MS) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->headers) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_POSTFIELDS, it->payload ? it->payload : "") == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, d) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)d) == CURLE_OK;
    if (ok && d->resolve) ok = curl_easy_setopt(e, CURLOPT_RESOLVE, d->resolve) == CURLE_OK;
    if (!ok) {
        curl_easy_cleanup(e);
        snprintf(res->error, sizeof res->error, "libcurl refused a delivery option");
        return;
    }
    d->easy = e;
}

static void finish_one(delivery *d, CURLcode cc, desk_webhook_result *res)
{
    long status = 0;
    curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
    res->status = status;
    res->attempted = 1;
    if (cc == CURLE_OK && status >= 200 && status <= 299) {
        res->delivered = 1;
        res->error[0] = '\0';
    } else if (cc == CURLE_OK) {
        snprintf(res->error, sizeof res->error, "the target answered HTTP %ld", status);
    } else if (d->refused[0]) {
        snprintf(res->error, sizeof res->error, "%s", d->refused);
    } else {
        snprintf(res->error, sizeof res->error, "%s", d->errbuf[0] ? d->errbuf : curl_easy_strerror(cc));
    }
    d->done = 1;
}

int desk_webhook_deliver(const garant_outbox_item *items, int n, int64_t now_s, int allow_private,
                         const desk_webhook_hosts *hosts, desk_webhook_stop_fn should_stop, void *stop_ctx,
                         desk_webhook_result *out)
{
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].error, sizeof out[i].error, "interrupted");
    }
    if (n <= 0) return 0;
    int rc = desk_webhook_global_init();
    if (rc) return rc;
    delivery *ds = calloc((size_t)n, sizeof *ds);
    CURLM *m = ds ? curl_multi_init() : NULL;
    if (!m) {
        free(ds);
        return garant__error(GARANT_ENOMEM, "out of memory starting webhook deliveries");
    }
    int running = 0;
    for (int i = 0; i < n; i++) {
        if (should_stop && should_stop(stop_ctx)) break;
        out[i].error[0] = '\0';
        out[i].attempted = 1; /* a refused or unusable target counts as a failed attempt */
        setup_one(&ds[i], &items[i], now_s, allow_private, hosts, &out[i]);
        if (!ds[i].easy) continue;
        if (curl_multi_add_handle(m, ds[i].easy) != CURLM_OK) {
            curl_easy_cleanup(ds[i].easy);
            ds[i].easy = NULL;
            snprintf(out[i].error, sizeof out[i].error, "libcurl could not start the delivery");
            continue;
        }
        running++;
    }
    while (running > 0) {
        int still = 0;
        CURLMcode mc = curl_multi_perform(m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            char *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            delivery *d = (delivery *)(void *)priv;
            if (!d) continue;
            finish_one(d, msg->data.result, &out[d - ds]);
        }
        running = still;
        if (mc != CURLM_OK || running == 0) break;
        if (should_stop && should_stop(stop_ctx)) break;
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < n; i++) {
        delivery *d = &ds[i];
        if (d->easy) {
            if (!d->done) {
                out[i].delivered = 0;
                out[i].attempted = 0;
                snprintf(out[i].error, sizeof out[i].error, "interrupted");
            }
            curl_multi_remove_handle(m, d->easy);
            curl_easy_cleanup(d->easy);
        }
        curl_slist_free_all(d->headers);
        curl_slist_free_all(d->resolve);
    }
    curl_multi_cleanup(m);
    free(ds);
    return 0;
}

/* ---- targets ------------------------------------------------------------------ */

typedef struct webhook_new {
    const char *url, *secret, *events;
    int64_t now;
    int64_t id; /* out */
} webhook_new;

static int insert_webhook(garant_store_conn *w, void *arg)
{
    webhook_new *n = arg;
    return GS(w)->sla->webhook_insert(w, n->url, n->secret, n->events, n->now, &n->id);
}

int desk_webhook_add(int64_t *out_id, garant_desk *d, const char *url, const char *secret, const char *events,
                     int64_t now)
{
    *out_id = 0;
    int rc = desk_check_webhook_url(d, url);
    if (rc) return rc;
    webhook_new n = {url, secret, events, now, 0};
    if ((rc = desk_write(d, insert_webhook, &n, DESK_WRITE_SAVEPOINT))) return rc;
    *out_id = n.id;
    return 0;
}

static int delete_webhook(garant_store_conn *w, void *arg)
{
    return GS(w)->sla->webhook_delete(w, *(const int64_t *)arg);
}

int desk_webhook_remove(garant_desk *d, int64_t id)
{
    int rc = desk_write(d, delete_webhook, &id, DESK_WRITE_SAVEPOINT);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_ENOTFOUND, "no webhook %lld", (long long)id);
    return rc;
}

/* ---- the desk's webhooks (desk.h) ---------------------------------------- */

int desk_check_webhook_url(garant_desk *d, const char *url)
{
    return desk_webhook_check_url(url, desk_options_of(d)->allow_private_webhooks, desk_test_hosts(d));
}

int desk_deliver_webhooks(const garant_outbox_item *items, int n, garant_desk *d, int64_t now_s,
                          int (*stop)(void *ctx), desk_webhook_result *res)
{
    return desk_webhook_deliver(items, n, now_s, desk_options_of(d)->allow_private_webhooks, desk_test_hosts(d), stop, d,
                                res);
}
