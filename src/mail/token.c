/*
** token.c - signed reply addresses and Message-IDs (token.h).
**
** The MAC input says what is signed and for which ticket, so a MAC taken
** from a Message-ID cannot pass as a reply address's, or the reverse:
**   reply address: "garant-reply\0" <ticket decimal>
**   Message-ID:    "garant-msgid\0" <ticket decimal> "." <event decimal>
*/
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "token.h"

/* Bytes of MAC kept: 80 bits, 16 base32 characters. */
#define MAC_BYTES 10
#define MAC_CHARS 16
/* Decimal digits of an id at most (int64_t). */
#define ID_DIGITS 18

static int sodium_ready(void)
{
    /* sodium_init is thread-safe and idempotent; 1 means "already". */
    if (sodium_init() < 0) return garant__error(GARANT_EIO, "mail: libsodium could not be initialised");
    return 0;
}

/* Lowercase RFC 4648 base32 of MAC_BYTES bytes, without padding. */
static void base32(char out[MAC_CHARS + 1], const unsigned char in[MAC_BYTES])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned int acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < MAC_BYTES; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    out[o] = '\0';
}

static void mac_of(char out[MAC_CHARS + 1], const unsigned char key[GARANT_MAIL_KEY_BYTES], const char *input,
                   size_t len)
{
    unsigned char full[crypto_auth_BYTES];
    crypto_auth(full, (const unsigned char *)input, len, key);
    base32(out, full);
    sodium_memzero(full, sizeof full);
}

static size_t reply_input(char *buf, size_t cap, int64_t ticket)
{
    int n = snprintf(buf, cap, "garant-reply%c%" PRId64, '\0', ticket);
    return n < 0 ? 0 : (size_t)n;
}

static size_t msgid_input(char *buf, size_t cap, int64_t ticket, int64_t event)
{
    int n = snprintf(buf, cap, "garant-msgid%c%" PRId64 ".%" PRId64, '\0', ticket, event);
    return n < 0 ? 0 : (size_t)n;
}

/* mac (MAC_CHARS characters, any case) equals the MAC of input, compared
** in constant time. */
static int mac_ok(const unsigned char key[GARANT_MAIL_KEY_BYTES], const char *input, size_t len, const char *mac)
{
    char want[MAC_CHARS + 1], got[MAC_CHARS + 1];
    mac_of(want, key, input, len);
    for (size_t i = 0; i < MAC_CHARS; i++) got[i] = (char)tolower((unsigned char)mac[i]);
    got[MAC_CHARS] = '\0';
    return sodium_memcmp(want, got, MAC_CHARS) == 0;
}

/* A positive decimal id without leading zeros in s[0..n). */
static int parse_id(int64_t *out, const char *s, size_t n, int allow_zero)
{
    if (n == 0 || n > ID_DIGITS || (s[0] == '0' && n > 1)) return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v == 0 && !allow_zero) return 0;
    *out = v;
    return 1;
}

static int valid_part(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!(isalnum(*p) || *p == '.' || *p == '-' || *p == '_')) return 0;
    return 1;
}

int garant_mail_key_load(unsigned char out[GARANT_MAIL_KEY_BYTES], const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return garant__error(GARANT_EIO, "mail key %s: %s", path, strerror(errno));
    char text[200];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t bin_len = 0;
    const char *end = NULL;
    int rc = sodium_hex2bin(out, GARANT_MAIL_KEY_BYTES, text + strspn(text, " \t\r\n"), n, NULL, &bin_len, &end);
    sodium_memzero(text, sizeof text);
    if (rc != 0 || bin_len != GARANT_MAIL_KEY_BYTES || (end && end[strspn(end, " \t\r\n")] != '\0')) {
        sodium_memzero(out, GARANT_MAIL_KEY_BYTES);
        return garant__error(GARANT_EINVAL, "mail key %s: not %d bytes in hex", path, GARANT_MAIL_KEY_BYTES);
    }
    return 0;
}

int garant_mail_reply_address(char *out, size_t cap, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                              const char *local, const char *domain, int64_t ticket_id)
{
    int rc = sodium_ready();
    if (rc) return rc;
    if (ticket_id <= 0) return garant__error(GARANT_EINVAL, "mail.reply_address: ticket id must be positive");
    if (!valid_part(local, 40) || !valid_part(domain, 200) || strchr(local, '+'))
        return garant__error(GARANT_EINVAL, "mail.reply_address: bad local part or domain");
    char input[64], mac[MAC_CHARS + 1];
    mac_of(mac, key, input, reply_input(input, sizeof input, ticket_id));
    int n = snprintf(out, cap, "%s+%" PRId64 "-%s@%s", local, ticket_id, mac, domain);
    if (n < 0 || (size_t)n >= cap) return garant__error(GARANT_ELIMIT, "mail.reply_address: buffer too small");
    return 0;
}

int garant_mail_reply_address_verify(int64_t *out_ticket, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                                     const char *local, const char *domain, const char *address)
{
    static const char what[] = "mail.reply_address_verify";
    *out_ticket = 0;
    int rc = sodium_ready();
    if (rc) return rc;
    size_t llen = strlen(local);
    const char *at = strrchr(address, '@');
    if (!at || strcasecmp(at + 1, domain) != 0 || strncasecmp(address, local, llen) != 0 || address[llen] != '+')
        return garant__error(GARANT_ENOTFOUND, "%s: not a reply address", what);
    const char *tok = address + llen + 1, *dash = memchr(tok, '-', (size_t)(at - tok));
    int64_t ticket;
    if (!dash || !parse_id(&ticket, tok, (size_t)(dash - tok), 0) || at - (dash + 1) != MAC_CHARS)
        return garant__error(GARANT_ENOTFOUND, "%s: not a reply address", what);
    char input[64];
    if (!mac_ok(key, input, reply_input(input, sizeof input, ticket), dash + 1))
        return garant__error(GARANT_EAUTH, "%s: the token of ticket %lld does not verify", what, (long long)ticket);
    *out_ticket = ticket;
    return 0;
}

int garant_mail_message_id(char *out, size_t cap, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                           const char *domain, int64_t ticket_id, int64_t event)
{
    int rc = sodium_ready();
    if (rc) return rc;
    if (ticket_id <= 0 || event < 0)
        return garant__error(GARANT_EINVAL, "mail.message_id: ticket must be positive, event not negative");
    if (!valid_part(domain, 200)) return garant__error(GARANT_EINVAL, "mail.message_id: bad domain");
    char input[80], mac[MAC_CHARS + 1];
    mac_of(mac, key, input, msgid_input(input, sizeof input, ticket_id, event));
    int n = snprintf(out, cap, "t%" PRId64 ".%" PRId64 ".%s@%s", ticket_id, event, mac, domain);
    if (n < 0 || (size_t)n >= cap) return garant__error(GARANT_ELIMIT, "mail.message_id: buffer too small");
    return 0;
}

/* id[0..n) without brackets. */
static int verify_id(int64_t *out_ticket, int64_t *out_event, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                     const char *domain, const char *id, size_t n)
{
    static const char what[] = "mail.message_id_verify";
    const char *at = memchr(id, '@', n);
    size_t dlen = strlen(domain);
    if (!at || (size_t)(id + n - (at + 1)) != dlen || strncasecmp(at + 1, domain, dlen) != 0 ||
        (id[0] != 't' && id[0] != 'T'))
        return garant__error(GARANT_ENOTFOUND, "%s: not one of our ids", what);
    const char *p = id + 1, *dot1 = memchr(p, '.', (size_t)(at - p));
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(at - dot1 - 1)) : NULL;
    int64_t ticket, event;
    if (!dot2 || !parse_id(&ticket, p, (size_t)(dot1 - p), 0) ||
        !parse_id(&event, dot1 + 1, (size_t)(dot2 - dot1 - 1), 1) || at - (dot2 + 1) != MAC_CHARS)
        return garant__error(GARANT_ENOTFOUND, "%s: not one of our ids", what);
    char input[80];
    if (!mac_ok(key, input, msgid_input(input, sizeof input, ticket, event), dot2 + 1))
        return garant__error(GARANT_EAUTH, "%s: the id of ticket %lld does not verify", what, (long long)ticket);
    *out_ticket = ticket;
    if (out_event) *out_event = event;
    return 0;
}

int garant_mail_message_id_verify(int64_t *out_ticket, int64_t *out_event,
                                  const unsigned char key[GARANT_MAIL_KEY_BYTES], const char *domain,
                                  const char *message_id)
{
    *out_ticket = 0;
    if (out_event) *out_event = 0;
    int rc = sodium_ready();
    if (rc) return rc;
    size_t n = strlen(message_id);
    if (n >= 2 && message_id[0] == '<' && message_id[n - 1] == '>') {
        message_id++;
        n -= 2;
    }
    return verify_id(out_ticket, out_event, key, domain, message_id, n);
}

int garant_mail_thread_ticket(int64_t *out_ticket, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                              const char *domain, const char *header_value)
{
    *out_ticket = 0;
    int rc = sodium_ready();
    if (rc) return rc;
    int forged = 0;
    for (const char *p = strchr(header_value, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p + 1, '>');
        if (!end) break;
        int64_t ticket;
        rc = verify_id(&ticket, NULL, key, domain, p + 1, (size_t)(end - p - 1));
        if (rc == 0) {
            *out_ticket = ticket;
            garant__error_clear();
            return 0;
        }
        forged = forged || rc == GARANT_EAUTH;
        p = end;
    }
    if (forged) return garant__error(GARANT_EAUTH, "mail.thread_ticket: an id of our form does not verify");
    return garant__error(GARANT_ENOTFOUND, "mail.thread_ticket: no id of ours");
}
