/*
** html2text.c - HTML-only mail bodies turned into safe plain text.
**
** libxml2's HTML parser (the one browsers' error recovery was modelled on)
** builds the tree; we walk it without recursion, so a hostile nesting depth
** costs no stack. Only text nodes reach the output: script, style and the
** head are skipped, and nothing is ever interpreted as markup again, so the
** result is safe to show as text anywhere. Layout is kept where it carries
** meaning: block elements break lines, list items start with "- ", table
** cells are separated by " | ", links keep their URL, blockquotes (how
** Gmail and Apple Mail quote in HTML) become "> " lines so the quote
** stripper can find them.
*/
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "mail_internal.h"
#include "parse.h"

typedef struct walk {
    mail_buf out;
    int at_line_start; /* nothing but the quote prefix would go before the next text */
    int pending_space;
    int quote_depth;
    int pre_depth;
    /* A blank line is owed before the next text (paragraphs), written only
    ** when text follows, quoted as deep as the shallowest block asking. */
    int pending_blank;
    int blank_depth;
} walk;

enum kind { K_INLINE, K_SKIP, K_LINE, K_PARA, K_LI, K_CELL, K_BR, K_A, K_QUOTE, K_PRE, K_IMG };

static const struct {
    const char *name;
    enum kind kind;
} kinds[] = {
    {"script", K_SKIP}, {"style", K_SKIP}, {"head", K_SKIP}, {"title", K_SKIP}, {"template", K_SKIP},
    {"svg", K_SKIP}, {"math", K_SKIP}, {"object", K_SKIP}, {"embed", K_SKIP}, {"iframe", K_SKIP},
    {"noscript", K_SKIP}, {"select", K_SKIP}, {"button", K_SKIP}, {"xml", K_SKIP},
    {"br", K_BR}, {"a", K_A}, {"blockquote", K_QUOTE}, {"pre", K_PRE}, {"img", K_IMG},
    {"li", K_LI}, {"dt", K_LI}, {"td", K_CELL}, {"th", K_CELL},
    {"p", K_PARA}, {"h1", K_PARA}, {"h2", K_PARA}, {"h3", K_PARA}, {"h4", K_PARA},
    {"h5", K_PARA}, {"h6", K_PARA}, {"table", K_PARA}, {"ul", K_PARA}, {"ol", K_PARA},
    {"dl", K_PARA}, {"hr", K_PARA},
    {"div", K_LINE}, {"tr", K_LINE}, {"section", K_LINE}, {"article", K_LINE},
    {"header", K_LINE}, {"footer", K_LINE}, {"address", K_LINE}, {"center", K_LINE},
    {"dd", K_LINE}, {"form", K_LINE}, {"fieldset", K_LINE}, {"nav", K_LINE},
    {"figure", K_LINE}, {"main", K_LINE}, {"aside", K_LINE}, {"caption", K_LINE},
    {"body", K_LINE}, {"html", K_LINE}, {"thead", K_LINE}, {"tbody", K_LINE}, {"tfoot", K_LINE},
};

static enum kind kind_of(const xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE || !n->name) return K_INLINE;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcasecmp((const char *)n->name, kinds[i].name) == 0) return kinds[i].kind;
    return K_INLINE;
}

static void flush_blank(walk *w)
{
    if (!w->pending_blank) return;
    w->pending_blank = 0;
    for (int i = 0; i < w->blank_depth; i++) mail_buf_addc(&w->out, '>');
    mail_buf_addc(&w->out, '\n');
}

static void newline(walk *w)
{
    flush_blank(w);
    if (w->at_line_start && w->quote_depth > 0)
        for (int i = 0; i < w->quote_depth; i++) mail_buf_addc(&w->out, '>');
    mail_buf_addc(&w->out, '\n');
    w->at_line_start = 1;
    w->pending_space = 0;
}

static void end_line(walk *w)
{
    if (!w->at_line_start) newline(w);
}

static void blank_line(walk *w)
{
    end_line(w);
    if (!w->out.len) return;
    if (!w->pending_blank || w->quote_depth < w->blank_depth) w->blank_depth = w->quote_depth;
    w->pending_blank = 1;
}

/* Before a visible character: the quote prefix at a line start, or the
** one space that stands for a run of white space. */
static void before_char(walk *w)
{
    if (w->at_line_start) {
        flush_blank(w);
        for (int i = 0; i < w->quote_depth; i++) mail_buf_addc(&w->out, '>');
        if (w->quote_depth) mail_buf_addc(&w->out, ' ');
        w->at_line_start = 0;
    } else if (w->pending_space) {
        mail_buf_addc(&w->out, ' ');
    }
    w->pending_space = 0;
}

static void put_text(walk *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* Control characters (&#1; or raw) mean nothing in a text. */
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != '\f') || c == 0x7f) continue;
        if (w->pre_depth) {
            if (c == '\n') {
                newline(w);
            } else if (c != '\r' && c != '\f') {
                before_char(w);
                mail_buf_addc(&w->out, (char)c);
            }
            continue;
        }
        int nbsp = c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || nbsp) {
            if (nbsp) i++;
            if (!w->at_line_start) w->pending_space = 1;
            continue;
        }
        before_char(w);
        mail_buf_addc(&w->out, (char)c);
    }
}

static void put_str(walk *w, const char *s) { put_text(w, s, strlen(s)); }

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (a->name && strcasecmp((const char *)a->name, name) == 0 && a->children &&
            a->children->type == XML_TEXT_NODE && a->children->content)
            return (const char *)a->children->content;
    return NULL;
}

static int is_cell(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE && kind_of(n) == K_CELL;
}

/* Returns 1 to descend into the element's children (and leave() it after). */
static int enter(walk *w, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) put_str(w, (const char *)n->content);
        return 0;
    }
    if (n->type != XML_ELEMENT_NODE) return 0;
    switch (kind_of(n)) {
    case K_SKIP: return 0;
    case K_BR: newline(w); return 0;
    case K_IMG: {
        const char *alt = attr(n, "alt");
        if (alt && *alt) {
            put_str(w, "[");
            put_str(w, alt);
            put_str(w, "]");
        }
        return 0;
    }
    case K_LINE: end_line(w); return 1;
    case K_PARA: blank_line(w); return 1;
    case K_QUOTE: blank_line(w); w->quote_depth++; return 1;
    case K_PRE: blank_line(w); w->pre_depth++; return 1;
    case K_LI:
        end_line(w);
        before_char(w);
        mail_buf_adds(&w->out, "- ");
        return 1;
    case K_CELL: {
        const xmlNode *p = n->prev;
        while (p && p->type != XML_ELEMENT_NODE) p = p->prev;
        if (is_cell(p)) {
            before_char(w);
            mail_buf_adds(&w->out, " |");
            w->pending_space = 1;
        }
        return 1;
    }
    case K_A:
        /* Where the link text starts, to compare it with the URL later. */
        n->_private = (void *)(uintptr_t)(w->out.len + 1);
        return 1;
    case K_INLINE: return 1;
    }
    return 1;
}

static int safe_scheme(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0 ||
           strncasecmp(url, "mailto:", 7) == 0;
}

static void leave(walk *w, xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE) return;
    switch (kind_of(n)) {
    case K_LINE:
    case K_LI: end_line(w); break;
    case K_PARA: blank_line(w); break;
    case K_QUOTE:
        end_line(w);
        w->quote_depth--;
        blank_line(w);
        break;
    case K_PRE:
        w->pre_depth--;
        blank_line(w);
        break;
    case K_A: {
        const char *href = attr(n, "href");
        size_t start = (size_t)(uintptr_t)n->_private;
        n->_private = NULL;
        if (!href || !safe_scheme(href) || !start || w->out.failed) break;
        const char *shown = href;
        if (strncasecmp(href, "mailto:", 7) == 0) shown = href + 7;
        const char *text = w->out.p ? w->out.p + start - 1 : "";
        size_t text_len = w->out.len - (start - 1);
        /* The space before the link is written with its first letter. */
        while (text_len && *text == ' ') text++, text_len--;
        /* Text that is the URL already needs it no second time. */
        if (text_len == strlen(shown) && memcmp(text, shown, text_len) == 0) break;
        if (text_len == strlen(href) && memcmp(text, href, text_len) == 0) break;
        if (text_len) {
            before_char(w);
            mail_buf_adds(&w->out, " <");
        } else {
            before_char(w);
            mail_buf_adds(&w->out, "<");
        }
        for (const char *c = shown; *c; c++)
            if ((unsigned char)*c > ' ' && *c != 0x7f) mail_buf_addc(&w->out, *c);
        mail_buf_addc(&w->out, '>');
        break;
    }
    default: break;
    }
}

/* Trailing blanks off each line, at most one empty line in a row, none at
** either end. Lines of only ">" count as text (they are in a quote). */
static char *tidy(const char *s, size_t n)
{
    mail_buf b = {0};
    size_t blanks = 0;
    int any = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        size_t t = e;
        while (t > i && (s[t - 1] == ' ' || s[t - 1] == '\t')) t--;
        if (t == i) {
            blanks++;
        } else {
            if (any && blanks) mail_buf_addc(&b, '\n');
            mail_buf_add(&b, s + i, t - i);
            mail_buf_addc(&b, '\n');
            any = 1;
            blanks = 0;
        }
        i = e + 1;
    }
    return mail_buf_take(&b, NULL);
}

int garant_mail_html_to_text(char **out, const char *html, size_t len)
{
    *out = NULL;
    mail__init_once();
    if (len > INT_MAX / 2) len = INT_MAX / 2;
    /* libxml2 copies bytes that are not UTF-8 through to its text nodes:
    ** they become U+FFFD first (NULs too), so the text is always UTF-8. */
    char *valid = NULL;
    if (len > 0 && !mail__utf8_valid(html, len)) {
        mail_buf b = {0};
        mail__add_utf8(&b, html, len);
        if (!(valid = mail_buf_take(&b, &len))) return garant__error(GARANT_ENOMEM, "out of memory converting HTML to text");
        html = valid;
    }
    htmlDocPtr doc = NULL;
    if (len > 0)
        doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                             HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET);
    free(valid);
    walk w = {.at_line_start = 1};
    if (doc) {
        xmlNode *stop = (xmlNode *)doc;
        xmlNode *n = doc->children;
        while (n) {
            int down = enter(&w, n);
            if (down && n->children) {
                n = n->children;
                continue;
            }
            if (down) leave(&w, n);
            while (n && !n->next) {
                n = n->parent;
                if (!n || n == stop) {
                    n = NULL;
                    break;
                }
                leave(&w, n);
            }
            if (n) n = n->next;
        }
        xmlFreeDoc(doc);
    }
    if (w.out.failed) {
        mail_buf_free(&w.out);
        return garant__error(GARANT_ENOMEM, "out of memory converting HTML to text");
    }
    *out = tidy(w.out.p ? w.out.p : "", w.out.len);
    mail_buf_free(&w.out);
    if (!*out) return garant__error(GARANT_ENOMEM, "out of memory converting HTML to text");
    return 0;
}
