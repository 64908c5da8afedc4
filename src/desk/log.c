/*
** log.c - the server's log: escaping what came from outside (log.h).
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* The length (2-4) of the well-formed UTF-8 sequence at s (n bytes
** left) and its code point, or 0 if the bytes there are not one
** (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *out_cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    *out_cp = cp;
    return len;
}

/* Characters that break or reorder a line where logs are read. */
static int unsafe_char(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

const char *desk_log_escape(char *out, size_t cap, const char *s, size_t n, unsigned flags)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t o = 0;
    /* Room kept for "..." and the NUL. */
    size_t room = cap - 4;
    while (p < end) {
        char piece[8];
        size_t plen = 0, used = 1;
        unsigned char c = *p;
        uint32_t cp = 0;
        if (c == '\\' || c == '"') {
            piece[0] = '\\';
            piece[1] = (char)c;
            plen = 2;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            piece[0] = '\\';
            piece[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            plen = 2;
        } else if (c == ' ' && (flags & DESK_LOG_SPACE)) {
            memcpy(piece, "\\x20", 4);
            plen = 4;
        } else if (c >= 0x20 && c < 0x7F) {
            piece[0] = (char)c;
            plen = 1;
        } else if (c >= 0x80 && (used = utf8_seq(p, (size_t)(end - p), &cp)) != 0) {
            if (unsafe_char(cp)) {
                piece[0] = '\\';
                piece[1] = 'u';
                for (int i = 0; i < 4; i++) piece[2 + i] = hex[(cp >> (12 - 4 * i)) & 15];
                plen = 6;
            } else {
                memcpy(piece, p, used);
                plen = used;
            }
        } else {
            used = 1;
            piece[0] = '\\';
            piece[1] = 'x';
            piece[2] = hex[c >> 4];
            piece[3] = hex[c & 15];
            plen = 4;
        }
        if (o + plen > room) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        p += used;
    }
    out[o] = '\0';
    return out;
}

void desk_log(const char *fmt, ...)
{
    char text[2048], line[sizeof text * DESK_LOG_ESCAPE_MAX + 4];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    fprintf(stderr, "garant: %s\n", desk_log_escape(line, sizeof line, text, len, 0));
}
