/*
** freemail.c - e-mail addresses and domain names: their syntax, and the
** list of free and disposable mail domains that sign-up refuses.
**
** Why a list: joining an organization is decided by the domain of a
** proven address, so only company addresses may sign up. The list ships as
** data/freemail-domains.txt (compiled into the binary by CMake) and can be
** extended in two ways:
**   - `garant serve --freemail FILE`, in the same format: one domain a
**     line, '#' comments, and "name.*" for a provider's name under any
**     top-level domain or country second-level domain (gmx.de,
**     yahoo.co.uk); read once at start;
**   - the policy's `signup: freemail_domains` (docs/config.md), the same
**     two kinds of entry. It is the policy in force that counts, so an
**     admin who saves a policy through the API (routes_policy.c) changes
**     what sign-up refuses at once, without a restart.
**
** The entries of the first two live in one sorted array of strings
** (wildcards kept as "name.*", which cannot collide with a domain since
** '*' is not a domain character); a lookup binary-searches the domain and
** each of its parents, so mx.gmail.com is caught by gmail.com. The
** policy's entries (at most GARANT_POLICY_MAX_FREEMAIL) are scanned.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "freemail.h"

/* Ceilings: entries in all lists, and bytes of an extra list file. */
#define FREEMAIL_MAX_ENTRIES 1000000
#define FREEMAIL_MAX_FILE (64 * 1024 * 1024)

/* ---- syntax ---------------------------------------------------------- */

static char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

int desk_domain_normalize(char *out, size_t cap, const char *in, const char *what)
{
    size_t n = strlen(in);
    if (n == 0) return garant__error(GARANT_EINVAL, "%s is empty", what);
    if (n > DESK_MAX_DOMAIN || n >= cap)
        return garant__error(GARANT_EINVAL, "%s is longer than %d bytes", what, DESK_MAX_DOMAIN);
    size_t label = 0, labels = 1, tld_start = 0;
    for (size_t i = 0; i < n; i++) {
        char c = lower_ascii(in[i]);
        if (c == '.') {
            if (label == 0 || out[i - 1] == '-')
                return garant__error(GARANT_EINVAL, "%s '%.253s' has an empty label or one ending with '-'", what,
                                     in);
            label = 0;
            labels++;
            tld_start = i + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            if (c == '-' && label == 0)
                return garant__error(GARANT_EINVAL, "%s '%.253s' has a label starting with '-'", what, in);
            if (++label > 63)
                return garant__error(GARANT_EINVAL, "%s '%.253s' has a label longer than 63 bytes", what, in);
        } else if ((unsigned char)c >= 0x80) {
            return garant__error(GARANT_EINVAL, "%s '%.253s' has non-ASCII characters: use its xn-- (punycode) form",
                                 what, in);
        } else {
            return garant__error(GARANT_EINVAL, "%s '%.253s' contains '%c', which is not allowed in a domain name",
                                 what, in, c > ' ' && c < 0x7f ? c : '?');
        }
        out[i] = c;
    }
    out[n] = '\0';
    if (label == 0 || out[n - 1] == '-')
        return garant__error(GARANT_EINVAL, "%s '%.253s' has an empty label or one ending with '-'", what, in);
    if (labels < 2) return garant__error(GARANT_EINVAL, "%s '%.253s' needs a dot (like example.com)", what, in);
    int numeric = 1;
    for (size_t i = tld_start; i < n; i++) numeric = numeric && out[i] >= '0' && out[i] <= '9';
    if (numeric) return garant__error(GARANT_EINVAL, "%s '%.253s' is an address, not a domain name", what, in);
    return 0;
}

/* The characters of a dot-atom besides letters, digits and '.' (RFC 5322 atext). */
static int atext_special(char c) { return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL; }

int desk_email_normalize(char *out, size_t cap, const char **out_domain, const char *in)
{
    size_t n = strlen(in);
    if (n == 0) return garant__error(GARANT_EINVAL, "'email' is empty");
    if (n > GARANT_MAX_EMAIL || n >= cap)
        return garant__error(GARANT_EINVAL, "'email' is longer than %d bytes", GARANT_MAX_EMAIL);
    const char *at = strchr(in, '@');
    if (!at || strchr(at + 1, '@'))
        return garant__error(GARANT_EINVAL, "'email' must contain exactly one '@' (like name@company.com)");
    size_t local = (size_t)(at - in);
    if (local == 0 || local > DESK_MAX_LOCAL)
        return garant__error(GARANT_EINVAL, "'email': the part before '@' must have 1 to %d characters",
                             DESK_MAX_LOCAL);
    if (in[0] == '.' || in[local - 1] == '.')
        return garant__error(GARANT_EINVAL, "'email': the part before '@' may not start or end with '.'");
    for (size_t i = 0; i < local; i++) {
        char c = in[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 atext_special(c);
        if (!ok)
            return garant__error(GARANT_EINVAL, "'email': the part before '@' may not contain %s",
                                 (unsigned char)c >= 0x80 ? "non-ASCII characters" : c == ' ' ? "spaces"
                                 : c < ' ' || c == 0x7f                                         ? "control characters"
                                                                                                : "that character");
        if (c == '.' && in[i + 1] == '.')
            return garant__error(GARANT_EINVAL, "'email': the part before '@' may not contain '..'");
        out[i] = lower_ascii(c);
    }
    out[local] = '@';
    int rc = desk_domain_normalize(out + local + 1, cap - local - 1, at + 1, "the e-mail domain");
    if (rc) return rc;
    *out_domain = out + local + 1;
    return 0;
}

/* ---- the list -------------------------------------------------------- */

typedef struct domain_list {
    char **v;
    size_t n, cap;
} domain_list;

static int list_add(domain_list *l, const char *s)
{
    if (l->n == l->cap) {
        if (l->n >= FREEMAIL_MAX_ENTRIES)
            return garant__error(GARANT_ELIMIT, "free-mail lists: more than %d entries", FREEMAIL_MAX_ENTRIES);
        size_t ncap = l->cap ? l->cap * 2 : 1024;
        char **nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return garant__error(GARANT_ENOMEM, "out of memory loading the free-mail list");
        l->v = nv;
        l->cap = ncap;
    }
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (!copy) return garant__error(GARANT_ENOMEM, "out of memory loading the free-mail list");
    memcpy(copy, s, len + 1);
    l->v[l->n++] = copy;
    return 0;
}

/* One entry: a domain, or "label.*". Lower-cases into out (cap > 253). */
static int check_entry(char *out, size_t cap, const char *entry)
{
    size_t n = strlen(entry);
    if (n > 2 && entry[n - 1] == '*' && entry[n - 2] == '.') {
        /* Check "label.*" as the domain "label.x", then put the '*' back. */
        char probe[DESK_MAX_DOMAIN + 2];
        if (n - 2 > 63 || memchr(entry, '.', n - 2))
            return garant__error(GARANT_EINVAL, "'%s': a wildcard entry is one label followed by '.*'", entry);
        memcpy(probe, entry, n - 1);
        probe[n - 1] = 'x';
        probe[n] = '\0';
        int rc = desk_domain_normalize(out, cap, probe, "entry");
        if (rc) return rc;
        out[n - 1] = '*';
        return 0;
    }
    return desk_domain_normalize(out, cap, entry, "entry");
}

/* Parse a list's text into l; source names it in messages ("FILE:LINE"). */
static int parse_list(domain_list *l, const char *text, size_t len, const char *source)
{
    int line_no = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos;
        pos += line_len + (nl ? 1 : 0);
        line_no++;
        const char *hash = memchr(line, '#', line_len);
        if (hash) line_len = (size_t)(hash - line);
        while (line_len && strchr(" \t\r", line[line_len - 1])) line_len--;
        while (line_len && strchr(" \t", line[0])) line++, line_len--;
        if (!line_len) continue;
        char entry[DESK_MAX_DOMAIN + 2], norm[DESK_MAX_DOMAIN + 2];
        if (line_len >= sizeof entry || memchr(line, '\0', line_len))
            return garant__error(GARANT_EINVAL, "%s:%d: not a domain name", source, line_no);
        memcpy(entry, line, line_len);
        entry[line_len] = '\0';
        int rc = check_entry(norm, sizeof norm, entry);
        if (rc) {
            char why[256];
            snprintf(why, sizeof why, "%s", garant_error_last());
            return garant__error(rc, "%s:%d: %s", source, line_no, why);
        }
        if ((rc = list_add(l, norm))) return rc;
    }
    return 0;
}

/* A whole file, NUL-terminated. Caller owns *out; free with free(). */
static int read_file(char **out, size_t *out_len, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return garant__error(GARANT_EIO, "--freemail %s: cannot open it", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            if (cap >= FREEMAIL_MAX_FILE) {
                rc = garant__error(GARANT_ELIMIT, "--freemail %s: larger than %d bytes", path, FREEMAIL_MAX_FILE);
                break;
            }
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = garant__error(GARANT_ENOMEM, "out of memory reading %s", path);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) rc = garant__error(GARANT_EIO, "--freemail %s: read error", path);
            break;
        }
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    if (!buf) {
        buf = malloc(1);
        if (!buf) return garant__error(GARANT_ENOMEM, "out of memory reading %s", path);
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int desk_freemail_load(desk_freemail *out, const char *extra_path)
{
    memset(out, 0, sizeof *out);
    domain_list l = {NULL, 0, 0};
    size_t len;
    const char *builtin = desk_freemail_builtin(&len);
    int rc = parse_list(&l, builtin, len, "data/freemail-domains.txt (built in)");
    if (!rc && extra_path) {
        char *text = NULL;
        rc = read_file(&text, &len, extra_path);
        if (!rc) rc = parse_list(&l, text, len, extra_path);
        free(text);
    }
    if (rc) {
        for (size_t i = 0; i < l.n; i++) free(l.v[i]);
        free(l.v);
        return rc;
    }
    if (l.n) qsort(l.v, l.n, sizeof *l.v, cmp_str);
    size_t kept = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (kept && strcmp(l.v[kept - 1], l.v[i]) == 0)
            free(l.v[i]);
        else
            l.v[kept++] = l.v[i];
    }
    out->v = l.v;
    out->n = kept;
    return 0;
}

void desk_freemail_free(desk_freemail *fm)
{
    for (size_t i = 0; i < fm->n; i++) free(fm->v[i]);
    free(fm->v);
    memset(fm, 0, sizeof *fm);
}

static int listed(const desk_freemail *fm, const char *key)
{
    return fm->n && bsearch(&key, fm->v, fm->n, sizeof *fm->v, cmp_str) != NULL;
}

/* Whether s looks like a public suffix a provider registers under: one
** label ("de", "com"), or co|com|net|org|ne|or|ac followed by a two-letter
** country ("co.uk", "com.tr"). A heuristic for "name.*" entries. */
static int suffix_like(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot) return *s != '\0';
    if (strchr(dot + 1, '.') || strlen(dot + 1) != 2) return 0;
    static const char *const seconds[] = {"co", "com", "net", "org", "ne", "or", "ac"};
    for (size_t i = 0; i < sizeof seconds / sizeof seconds[0]; i++)
        if (strlen(seconds[i]) == (size_t)(dot - s) && memcmp(s, seconds[i], (size_t)(dot - s)) == 0) return 1;
    return 0;
}

/* Whether key is one of the policy's signup.freemail_domains (lower-case,
** as is key). */
static int policy_listed(const garant_policy *pol, const char *key)
{
    size_t n = pol ? garant_policy_freemail_count(pol) : 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(garant_policy_freemail_domain(pol, i), key) == 0) return 1;
    return 0;
}

const char *desk_freemail_match_in(const desk_freemail *fm, const garant_policy *pol, const char *domain)
{
    for (const char *s = domain;;) {
        const char *dot = strchr(s, '.');
        if (!dot) return NULL;
        if (listed(fm, s) || policy_listed(pol, s)) return s;
        if (suffix_like(dot + 1) && (size_t)(dot - s) <= 63) {
            char key[66];
            snprintf(key, sizeof key, "%.*s.*", (int)(dot - s), s);
            if (listed(fm, key) || policy_listed(pol, key)) return s;
        }
        s = dot + 1;
    }
}
