/*
** client_addr.c - trusted proxies and X-Forwarded-For (client_addr.h).
**
** X-Forwarded-For is a list each proxy appends its peer to; only the
** entries appended by our own proxies can be believed, and those are the
** right-most ones. So the list is read from the right, skipping addresses
** of trusted proxies; the first other address is the client. Anything a
** client wrote itself lies left of it and is never reached.
*/
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "client_addr.h"

/* The address in text as family and bytes, IPv4-mapped IPv6 as IPv4. 1 on
** success, 0 if text is not an address. */
static int parse_addr(int *family, uint8_t addr[16], const char *text)
{
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, text, addr) == 1) {
        *family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, text, addr) != 1) return 0;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(addr, mapped, 12)) {
        memmove(addr, addr + 12, 4);
        memset(addr + 4, 0, 12);
        *family = AF_INET;
        return 1;
    }
    *family = AF_INET6;
    return 1;
}

int http_cidr_parse(http_cidr *out, const char *text)
{
    memset(out, 0, sizeof *out);
    char buf[HTTP_ADDR_TEXT + 8];
    if (strlen(text) >= sizeof buf)
        return garant__error(GARANT_EINVAL, "'%.80s' is not an address block like 10.0.0.0/8 or ::1/128", text);
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    if (slash) *slash = '\0';
    if (!parse_addr(&out->family, out->addr, buf))
        return garant__error(GARANT_EINVAL, "'%.80s' is not an address block like 10.0.0.0/8 or ::1/128", text);
    int max = out->family == AF_INET ? 32 : 128;
    out->bits = max;
    if (slash) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > max)
            return garant__error(GARANT_EINVAL, "'%.80s': the prefix length must be 0 to %d", text, max);
        out->bits = (int)bits;
    }
    for (int i = out->bits; i < max; i++)
        if (out->addr[i / 8] & (0x80 >> (i % 8)))
            return garant__error(GARANT_EINVAL, "'%.80s' has address bits set beyond its /%d prefix", text,
                                 out->bits);
    return 0;
}

static int in_cidr(const http_cidr *c, int family, const uint8_t addr[16])
{
    if (c->family != family) return 0;
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0) return 0;
    return rest == 0 || ((c->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

static int trusted_addr(const char *text, const http_cidr *trusted, size_t ntrusted)
{
    int family;
    uint8_t addr[16];
    if (!parse_addr(&family, addr, text)) return 0;
    for (size_t i = 0; i < ntrusted; i++)
        if (in_cidr(&trusted[i], family, addr)) return 1;
    return 0;
}

/* The entry of xff that ends before end (exclusive), trimmed, in out;
** returns where it starts (its comma, or xff). */
static const char *prev_entry(char out[HTTP_ADDR_TEXT + 1], const char *xff, const char *end)
{
    const char *start = end;
    while (start > xff && start[-1] != ',') start--;
    const char *a = start, *b = end;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
    size_t n = (size_t)(b - a);
    if (n > HTTP_ADDR_TEXT) n = 0; /* too long to be an address: empty, so malformed */
    memcpy(out, a, n);
    out[n] = '\0';
    return start;
}

void http_client_addr(char out[HTTP_ADDR_TEXT], const char *peer_text, const char *xff, const http_cidr *trusted,
                      size_t ntrusted)
{
    snprintf(out, HTTP_ADDR_TEXT, "%s", peer_text);
    if (!xff || !ntrusted || !trusted_addr(peer_text, trusted, ntrusted)) return;
    const char *end = xff + strlen(xff);
    while (end > xff) {
        char entry[HTTP_ADDR_TEXT + 1];
        const char *start = prev_entry(entry, xff, end);
        int family;
        uint8_t addr[16];
        if (!parse_addr(&family, addr, entry)) return; /* out holds the last believable hop */
        /* Canonical text, so that one client is one throttle key. */
        char canon[HTTP_ADDR_TEXT];
        if (!inet_ntop(family, addr, canon, sizeof canon)) return;
        snprintf(out, HTTP_ADDR_TEXT, "%s", canon);
        if (!trusted_addr(canon, trusted, ntrusted)) return;
        end = start > xff ? start - 1 : xff;
    }
}
