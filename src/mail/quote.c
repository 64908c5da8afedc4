/*
** quote.c - the customer's own words out of a reply: the quoted previous
** message and the signature cut off.
**
** Mail clients mark the quote in a handful of ways; each is recognised on
** whole lines, never by regular expressions over the body:
**   - an attribution ("On <date>, X <x@y> wrote:", Apple Mail's "On 5 Dec
**     2026, at 10:00, X wrote:", Romanian "Pe ... a scris:" and "În data de
**     ... a scris:"), possibly wrapped onto a second line, followed only by
**     "> " lines: Gmail, Apple Mail, Thunderbird;
**   - "-----Original Message-----" (and "Mesaj original"), a rule of
**     underscores, or a header block "From: / Sent: / To: / Subject:"
**     (Romanian "De la: / Trimis: / Către: / Subiect:"): Outlook, which does
**     not prefix its quote, so everything after the marker goes;
**   - the "-- " signature delimiter, and "Sent from my iPhone"-style lines.
** Conservative by design: "> " lines followed by more of the customer's text
** (an inline reply) are kept; only a trailing quoted block goes. If the
** cut would leave nothing the text is kept whole: a mail that is only a
** forward loses nothing.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "mail_internal.h"
#include "parse.h"

typedef struct line {
    const char *s; /* without the line end */
    size_t n;
} line;

static int starts_ci(const line *l, const char *prefix)
{
    size_t k = strlen(prefix);
    return l->n >= k && strncasecmp(l->s, prefix, k) == 0;
}

static line trimmed(line l)
{
    while (l.n && (l.s[0] == ' ' || l.s[0] == '\t')) l.s++, l.n--;
    while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t' || l.s[l.n - 1] == '\r')) l.n--;
    /* Bold markers a converted HTML header block may carry ("*From:*"). */
    return l;
}

static int is_blank(const line *l) { return trimmed(*l).n == 0; }

static int is_quoted(const line *l)
{
    line t = trimmed(*l);
    return t.n && t.s[0] == '>';
}

static int ends_ci(line l, const char *suffix)
{
    l = trimmed(l);
    size_t k = strlen(suffix);
    return l.n >= k && strncasecmp(l.s + l.n - k, suffix, k) == 0;
}

static int contains_ci(line l, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= l.n; i++)
        if (strncasecmp(l.s + i, needle, k) == 0) return 1;
    return 0;
}

/* The verbs that end an attribution line. */
static int ends_attribution(line l)
{
    static const char *const verbs[] = {"wrote:", "a scris:", "scrie:", "schrieb:", "écrit :",
                                        "écrit:", "escribió:", "napísal:", "napísala:", "napsal:"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (ends_ci(l, verbs[i])) return 1;
    return 0;
}

/* a and b as one line ("... <x@y> a" + "scris:"): only the end of a and a
** short b matter. */
static int ends_attribution2(line a, line b)
{
    a = trimmed(a);
    b = trimmed(b);
    char joined[96];
    if (b.n > 40) return 0;
    size_t an = a.n > 40 ? 40 : a.n;
    memcpy(joined, a.s + a.n - an, an);
    joined[an] = ' ';
    memcpy(joined + an + 1, b.s, b.n);
    line j = {joined, an + 1 + b.n};
    return ends_attribution(j);
}

static int starts_attribution(line l)
{
    l = trimmed(l);
    static const char *const heads[] = {"On ", "Pe ", "În data de ", "In data de ", "Am ", "Le ",
                                        "El ", "Dňa ", "Dne "};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (starts_ci(&l, heads[i])) return 1;
    return 0;
}

/* Lines an attribution at i takes (1 or 2, when wrapped), or 0. */
static size_t attribution_at(const line *ls, size_t n, size_t i)
{
    if (!starts_attribution(ls[i])) return 0;
    if (ends_attribution(ls[i])) return 1;
    if (i + 1 < n && !is_blank(&ls[i + 1]) && !is_quoted(&ls[i + 1]) &&
        (ends_attribution(ls[i + 1]) || ends_attribution2(ls[i], ls[i + 1])))
        return 2;
    return 0;
}

/* Everything from i on is "> " lines or blank (and at least one quoted). */
static int only_quote_after(const line *ls, size_t n, size_t i)
{
    int any = 0;
    for (; i < n; i++) {
        if (is_quoted(&ls[i])) any = 1;
        else if (!is_blank(&ls[i])) return 0;
    }
    return any;
}

static int is_rule(line l)
{
    l = trimmed(l);
    if (l.n < 20) return 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.s[i] != '_') return 0;
    return 1;
}

static int is_original_message(line l)
{
    l = trimmed(l);
    if (l.n < 4 || l.s[0] != '-' || l.s[1] != '-') return 0;
    return contains_ci(l, "Original Message") || contains_ci(l, "Mesaj original") ||
           contains_ci(l, "Forwarded message") || contains_ci(l, "Pôvodná správa") ||
           contains_ci(l, "Původní zpráva");
}

static int header_field(line l, const char *const *names, size_t count)
{
    l = trimmed(l);
    while (l.n && l.s[0] == '*') l.s++, l.n--;
    for (size_t i = 0; i < count; i++)
        if (starts_ci(&l, names[i])) return 1;
    return 0;
}

/* Outlook's quoted header block: From then, within the next few lines,
** Sent/Date and To or Subject. */
static int header_block_at(const line *ls, size_t n, size_t i)
{
    static const char *const from[] = {"From:", "De la:", "De:", "Od:", "Von:"};
    static const char *const sent[] = {"Sent:", "Date:", "Trimis:", "Data:", "Odoslané:", "Gesendet:",
                                       "Envoyé :", "Odesláno:"};
    static const char *const to[] = {"To:", "Subject:", "Către:", "Catre:", "Subiect:", "Pre:",
                                     "Komu:", "Predmet:", "Betreff:", "An:", "Cc:"};
    if (!header_field(ls[i], from, sizeof from / sizeof from[0])) return 0;
    int has_sent = 0, has_to = 0;
    for (size_t j = i + 1; j < n && j <= i + 6; j++) {
        if (header_field(ls[j], sent, sizeof sent / sizeof sent[0])) has_sent = 1;
        if (header_field(ls[j], to, sizeof to / sizeof to[0])) has_to = 1;
    }
    return has_sent && has_to;
}

static int is_signature(line l)
{
    /* "-- " is the convention; some clients lose the trailing space. */
    return (l.n == 3 && memcmp(l.s, "-- ", 3) == 0) || (l.n == 2 && memcmp(l.s, "--", 2) == 0);
}

static int is_sent_from(line l)
{
    l = trimmed(l);
    static const char *const phrases[] = {"Sent from my ", "Sent from Mail for Windows", "Sent from Outlook",
                                          "Get Outlook for ", "Trimis de pe ", "Trimis de pe iPhone",
                                          "Odoslané z ", "Von meinem iPhone gesendet",
                                          "Sent from Yahoo Mail", "Sent from Samsung"};
    if (l.n > 80) return 0;
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (starts_ci(&l, phrases[i])) return 1;
    return 0;
}

int garant_mail_strip_quote(char **out, const char *text, size_t len)
{
    *out = NULL;
    int rc = 0;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    line *ls = malloc(cap * sizeof *ls);
    mail_buf b = {0};
    if (!ls) return garant__error(GARANT_ENOMEM, "out of memory splitting a %zu-byte reply", len);

    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        size_t t = e;
        if (t > i && text[t - 1] == '\r') t--;
        ls[n].s = text + i;
        ls[n].n = t - i;
        n++;
        i = e + 1;
    }

    /* The first marker after which nothing is the customer's. */
    size_t cut = n;
    for (size_t i = 0; i < n && cut == n; i++) {
        if (is_signature(ls[i]) || is_sent_from(ls[i]) || is_rule(ls[i]) || is_original_message(ls[i]) ||
            header_block_at(ls, n, i)) {
            cut = i;
        } else {
            size_t a = attribution_at(ls, n, i);
            if (a && only_quote_after(ls, n, i + a)) cut = i;
        }
    }
    /* Then a trailing quoted block, with the attribution line before it
    ** ("X wrote:") if it has one, over and over (quotes of quotes). */
    for (;;) {
        size_t end = cut;
        while (end > 0 && is_blank(&ls[end - 1])) end--;
        size_t q = end;
        while (q > 0 && (is_quoted(&ls[q - 1]) || is_blank(&ls[q - 1]))) q--;
        if (q == end) break;
        while (q < end && is_blank(&ls[q])) q++;
        if (q > 0 && ends_attribution(ls[q - 1])) {
            q--;
            if (q > 0 && starts_attribution(ls[q - 1]) && !ends_attribution(ls[q - 1]) &&
                !is_blank(&ls[q - 1]))
                q--;
        } else if (q > 1 && starts_attribution(ls[q - 2]) && ends_attribution2(ls[q - 2], ls[q - 1])) {
            q -= 2;
        }
        cut = q;
    }
    while (cut > 0 && is_blank(&ls[cut - 1])) cut--;
    size_t first = 0;
    while (first < cut && is_blank(&ls[first])) first++;
    if (first == cut) {
        /* Nothing would be left: keep everything but the blank edges. */
        cut = n;
        while (cut > 0 && is_blank(&ls[cut - 1])) cut--;
        first = 0;
        while (first < cut && is_blank(&ls[first])) first++;
    }
    for (size_t i = first; i < cut; i++) {
        line l = ls[i];
        while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t')) l.n--;
        mail_buf_add(&b, l.s, l.n);
        mail_buf_addc(&b, '\n');
    }
    *out = mail_buf_take(&b, NULL);
    if (!*out) rc = garant__error(GARANT_ENOMEM, "out of memory stripping a %zu-byte reply", len);
    free(ls);
    return rc;
}
