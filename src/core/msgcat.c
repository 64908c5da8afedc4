/*
** msgcat.c - looking a message up in a GNU .mo catalogue (error_wrap.h),
** the file msgfmt compiles a translator's .po into. Pure: the bytes come
** from the caller (the desk embeds po/ro.po's at build time), nothing is
** read or allocated, and every offset is checked against the length, so
** a damaged catalogue finds nothing rather than reading past its end.
**
** The format (GNU gettext manual, "The Format of GNU MO Files"): a header
** of 32-bit words in the writer's byte order (the magic number tells
** which): magic, revision, N, the offset of the table of originals and of
** the table of translations; each table holds N (length, offset) pairs,
** the originals sorted by their bytes, each string NUL-terminated. We
** read revision 0 only (msgfmt writes 1 only for <inttypes.h> macros in a
** msgid, which garant's messages avoid).
*/
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define MO_MAGIC 0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u

static uint32_t word_at(const garant_msgcat *c, size_t off, int swapped)
{
    uint32_t w;
    memcpy(&w, c->mo + off, 4);
    if (swapped)
        w = (w >> 24) | ((w >> 8) & 0xff00u) | ((w << 8) & 0xff0000u) | (w << 24);
    return w;
}

/* The string of table entry i (table at off), or NULL if it does not lie
** wholly inside the file with its NUL. */
static const char *string_at(const garant_msgcat *c, uint32_t table, uint32_t i, int swapped)
{
    size_t e = (size_t)table + (size_t)i * 8;
    if (e + 8 > c->len) return NULL;
    uint32_t len = word_at(c, e, swapped), off = word_at(c, e + 4, swapped);
    if ((size_t)off + len >= c->len || c->mo[(size_t)off + len] != '\0') return NULL;
    return (const char *)c->mo + off;
}

/* The conversion at *p (just past a '%'), as its length: flags, width,
** precision, length modifier and the conversion letter. */
static size_t spec_len(const char *p)
{
    size_t n = strspn(p, "0123456789$-+ #'*.hljztL");
    return p[n] ? n + 1 : n;
}

int garant__format_same(const char *a, const char *b)
{
    for (;;) {
        a = strchr(a, '%');
        b = strchr(b, '%');
        while (a && a[1] == '%') a = strchr(a + 2, '%');
        while (b && b[1] == '%') b = strchr(b + 2, '%');
        if (!a || !b) return !a && !b;
        size_t na = spec_len(a + 1), nb = spec_len(b + 1);
        if (na != nb || memcmp(a + 1, b + 1, na) != 0) return 0;
        a += 1 + na;
        b += 1 + nb;
    }
}

const char *garant__word_format(const char *given, const char *english)
{
    return given && garant__format_same(english, given) ? given : english;
}

const char *garant__msgcat_lookup(const garant_msgcat *c, const char *msgid)
{
    if (!c || !c->mo || c->len < 20 || !msgid || !msgid[0]) return msgid;
    uint32_t magic;
    memcpy(&magic, c->mo, 4);
    int swapped = magic == MO_MAGIC_SWAPPED;
    if (!swapped && magic != MO_MAGIC) return msgid;
    if (word_at(c, 4, swapped) >> 16 != 0) return msgid; /* a major revision we do not know */
    uint32_t n = word_at(c, 8, swapped), originals = word_at(c, 12, swapped), translations = word_at(c, 16, swapped);
    /* Binary search: msgfmt sorts the originals as strcmp does. */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *o = string_at(c, originals, mid, swapped);
        if (!o) return msgid;
        int cmp = strcmp(msgid, o);
        if (cmp == 0) {
            const char *t = string_at(c, translations, mid, swapped);
            /* An empty translation is an untranslated message. */
            return t && t[0] && garant__format_same(msgid, t) ? t : msgid;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return msgid;
}
