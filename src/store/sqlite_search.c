/*
** sqlite_search.c - a search text as an FTS5 query that FTS5 answers
** lazily, newest first, and the auxiliary function that checks, row by
** row, what that query only approximates (issue 15, docs/performance.md
** "Search").
**
** ticket_search (migration 23) has a row a ticket, its rowid the ticket's
** id, so a search walks its matches newest first and stops at a page.
** FTS5 walks a word's or a phrase's matches that way without reading
** ahead; but it answers a prefix ("expo*") by merging the lists of every
** word with that prefix into one, in memory, before the first row (at a
** million tickets "cust*", which every requester's address has, took half
** a second), unless a prefix index holds prefixes of exactly that length.
** The index keeps one, of 3 characters (GS_SEARCH_PREFIX: each one more
** costs the writer about as much again). So a prefix item of the text
** becomes, in the FTS5 query:
**   - 3 characters: itself, from the prefix index;
**   - longer: its first 3 characters, from the prefix index, a superset;
**   - shorter, as "ex*": the tokens before it in its word, if any, else
**     nothing (every ticket, narrowed by the other items), a superset;
** and each of the last two is checked on the rows the query finds by
** gs_search_has, which tokenizes the row's text with the table's tokenizer
** and looks for the item's tokens. The caller bounds how many rows it
** looks at (sqlite_ticket_lists.c).
**
** The words are tokenized here as FTS5 tokenizes them (unicode61 with
** remove_diacritics 2, migration 23's tokenizer: change both together),
** so each item is known as its tokens: the FTS5 query is written from
** them, and a prefix's length is counted in the characters FTS5 counts.
**
** The index's scope column holds "t", "o<organization id>" and
** "r<requester id>": a customer's search is the intersection of her
** organization's list (and her own, where she sees only her own tickets)
** with the words' lists, computed by FTS5 with its
** skipping reads, rather than a walk of every match of the words checked
** against the tickets table (a small organization's search read them
** all). The column is never searched for the words.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_search.h"
#include "garant/error_wrap.h"

/* The table's columns, in their order; GS_COL_SCOPE is not text. */
enum { GS_COL_SUBJECT, GS_COL_BODY, GS_COL_PUBLIC, GS_COL_INTERNAL, GS_COL_REQUESTER, GS_COL_SCOPE };
#define GS_COLS_STAFF                                                                         \
    ((1 << GS_COL_SUBJECT) | (1 << GS_COL_BODY) | (1 << GS_COL_PUBLIC) | (1 << GS_COL_INTERNAL) | \
     (1 << GS_COL_REQUESTER))
#define GS_COLS_PUBLIC (GS_COLS_STAFF & ~(1 << GS_COL_INTERNAL))

/* The tokens of a search text: at most one a byte of it. */
#define GS_MAX_TOKENS GARANT_MAX_SEARCH

/* ---- tokenizing the search text ---- */

/* The tokens of one item, their text in buf (not NUL-terminated). */
typedef struct item_tokens {
    char buf[4 * GARANT_MAX_SEARCH];
    size_t used;
    int n;
    size_t off[GS_MAX_TOKENS], len[GS_MAX_TOKENS];
    int overflow;
} item_tokens;

static int collect_token(void *ctx, int tflags, const char *tok, int ntok, int start, int end)
{
    (void)start;
    (void)end;
    item_tokens *it = ctx;
    if (tflags & FTS5_TOKEN_COLOCATED) return SQLITE_OK; /* unicode61 makes none */
    if (it->n >= GS_MAX_TOKENS || it->used + (size_t)ntok > sizeof it->buf) {
        it->overflow = 1;
        return SQLITE_DONE;
    }
    memcpy(it->buf + it->used, tok, (size_t)ntok);
    it->off[it->n] = it->used;
    it->len[it->n] = (size_t)ntok;
    it->used += (size_t)ntok;
    it->n++;
    return SQLITE_OK;
}

/* Characters of UTF-8 text, as FTS5 counts a prefix: the bytes that do not
** continue a character. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) chars++;
    return chars;
}

/* The bytes of the first k characters of s (n bytes). */
static size_t utf8_prefix_bytes(const char *s, size_t n, size_t k)
{
    size_t i = 0;
    for (size_t chars = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == k) break;
    }
    return i;
}

/* Appending to a bounded buffer: 0 or ELIMIT. */
typedef struct outbuf {
    char *p;
    size_t n, cap;
} outbuf;

static int put(outbuf *o, const char *s, size_t n)
{
    if (o->n + n + 1 > o->cap)
        return garant__error(GARANT_ELIMIT, "tickets.list: search text too long");
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
    return 0;
}

static int puts_(outbuf *o, const char *s) { return put(o, s, strlen(s)); }

/* Tokens 0..last of it as one FTS5 string, "a b c", the last cut to
** last_bytes and followed by * if prefix. A token has no '"' (unicode61
** separates at it), but one would be doubled. */
static int put_phrase(outbuf *o, const item_tokens *it, int last, size_t last_bytes, int prefix)
{
    int err = put(o, "\"", 1);
    for (int i = 0; !err && i <= last; i++) {
        if (i) err = put(o, " ", 1);
        size_t n = i == last ? last_bytes : it->len[i];
        const char *t = it->buf + it->off[i];
        for (size_t k = 0; !err && k < n; k++) err = t[k] == '"' ? put(o, "\"\"", 2) : put(o, t + k, 1);
    }
    if (!err) err = put(o, "\"", 1);
    if (!err && prefix) err = put(o, "*", 1);
    return err;
}

/* ---- the plan ---- */

/* One item of the search text (a word, word*, or "a phrase"): its tokens
** into it, by the connection's tokenizer. */
static int tokenize_item(gs_sqlite_conn *c, const fts5_tokenizer *tk, Fts5Tokenizer *tok, item_tokens *it,
                         const char *text, size_t n, int prefix)
{
    it->used = 0;
    it->n = 0;
    it->overflow = 0;
    int rc = tk->xTokenize(tok, it, FTS5_TOKENIZE_QUERY | (prefix ? FTS5_TOKENIZE_PREFIX : 0), text, (int)n,
                           collect_token);
    if (it->overflow) return garant__error(GARANT_ELIMIT, "tickets.list: search text too long");
    if (rc != SQLITE_OK && rc != SQLITE_DONE) return gs_sqlite_fail(c, rc, "tickets.list: tokenizing");
    return 0;
}

/* Add one item to the plan: its part of the FTS5 query (to parts, ANDed;
** nothing if it has none) and, if that part only approximates it, the
** item to check. */
static int plan_item(outbuf *parts, outbuf *check, const item_tokens *it, int prefix)
{
    int last = it->n - 1, err = 0;
    size_t last_len = it->len[last];
    size_t chars = prefix ? utf8_chars(it->buf + it->off[last], last_len) : 0;
    int exact = !prefix || chars == GS_SEARCH_PREFIX;
    if (exact || chars > GS_SEARCH_PREFIX || last > 0) {
        if (parts->n) err = puts_(parts, " AND ");
        if (exact) {
            if (!err) err = put_phrase(parts, it, last, last_len, prefix);
        } else if (chars > GS_SEARCH_PREFIX) {
            /* The first GS_SEARCH_PREFIX characters of the prefix. */
            size_t cut = utf8_prefix_bytes(it->buf + it->off[last], last_len, GS_SEARCH_PREFIX);
            if (!err) err = put_phrase(parts, it, last, cut, 1);
        } else {
            /* The phrase before a short prefix. */
            if (!err) err = put_phrase(parts, it, last - 1, it->len[last - 1], 0);
        }
    }
    if (exact || err) return err;
    if (check->n) err = puts_(check, "\n");
    for (int i = 0; !err && i <= last; i++) {
        if (i) err = puts_(check, " ");
        if (!err) err = put(check, it->buf + it->off[i], it->len[i]);
    }
    if (!err) err = puts_(check, "*");
    return err;
}

int gs_sqlite_search_plan(gs_sqlite_conn *c, gs_search_plan *out, const char *q, int public_only, int64_t org_id,
                          int64_t requester_id)
{
    static const char what[] = "tickets.list";
    memset(out, 0, sizeof *out);
    out->colmask = public_only ? GS_COLS_PUBLIC : GS_COLS_STAFF;
    fts5_api *api = c->fts5;
    if (!api) return garant__error(GARANT_ESTORE, "%s: the connection has no full-text search", what);
    void *ud = NULL;
    fts5_tokenizer tk;
    if (api->xFindTokenizer(api, "unicode61", &ud, &tk) != SQLITE_OK)
        return garant__error(GARANT_ESTORE, "%s: no unicode61 tokenizer", what);
    /* Migration 23's tokenize = 'unicode61 remove_diacritics 2'. */
    const char *args[] = {"remove_diacritics", "2"};
    Fts5Tokenizer *tok = NULL;
    int rc = tk.xCreate(ud, args, 2, &tok);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, "tickets.list: the tokenizer");

    char parts_buf[sizeof out->match];
    parts_buf[0] = '\0';
    outbuf parts = {parts_buf, 0, sizeof parts_buf}, check = {out->check, 0, sizeof out->check};
    item_tokens it;
    int words = 0, err = 0;
    const char *s = q;
    while (!err && *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        if (!*s) break;
        const char *start, *end;
        int prefix = 0;
        if (*s == '"') {
            start = ++s;
            while (*s && *s != '"') s++;
            end = s;
            if (*s) s++;
        } else {
            start = s;
            while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '"') s++;
            end = s;
            if (end > start && end[-1] == '*') {
                prefix = 1;
                end--;
            }
        }
        /* Words without a letter or digit are left out, as "-" or "*". */
        int has_word = 0;
        for (const char *p = start; p < end; p++)
            if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (unsigned char)*p >= 0x80)
                has_word = 1;
        if (!has_word) continue;
        if (++words > GARANT_MAX_SEARCH_WORDS) {
            err = garant__error(GARANT_EINVAL, "search: at most %d words", GARANT_MAX_SEARCH_WORDS);
            break;
        }
        err = tokenize_item(c, &tk, tok, &it, start, (size_t)(end - start), prefix);
        /* An item of no token ("€") matches no ticket, and so the text. */
        if (!err && !it.n) out->nothing = 1;
        if (!err && it.n) err = plan_item(&parts, &check, &it, prefix);
    }
    tk.xDelete(tok);
    if (!err && !words) err = garant__error(GARANT_EINVAL, "search: '%.60s' has no word to search for", q);
    if (err) return err;

    /* The FTS5 query: the organization's tickets, the requester's, if
    ** one; the items in the text columns the searcher may read. Without an
    ** item to drive with (only short prefixes), every ticket of the scope,
    ** each then checked. */
    outbuf m = {out->match, 0, sizeof out->match};
    char scope[96];
    if (org_id && requester_id)
        snprintf(scope, sizeof scope, "scope : \"o%lld\" AND scope : \"r%lld\"", (long long)org_id,
                 (long long)requester_id);
    else if (org_id || requester_id)
        snprintf(scope, sizeof scope, "scope : \"%c%lld\"", org_id ? 'o' : 'r',
                 (long long)(org_id ? org_id : requester_id));
    else
        snprintf(scope, sizeof scope, "scope : \"t\"");
    if (!parts.n) return puts_(&m, scope);
    if (org_id || requester_id) {
        err = puts_(&m, scope);
        if (!err) err = puts_(&m, " AND ");
    }
    if (!err)
        err = puts_(&m, public_only ? "{subject body public requester} : (" : "{subject body public internal requester} : (");
    if (!err) err = put(&m, parts.p, parts.n);
    if (!err) err = puts_(&m, ")");
    return err;
}

/* ---- the check: gs_search_has(ticket_search, check, colmask, work) ---- */

/* The items of a check, parsed: item i's tokens are tok[first[i]] to
** tok[first[i + 1] - 1], the last a prefix. live[] holds, per item, which
** of its first k tokens the text's last tokens matched (the positions of
** a phrase match in progress). */
typedef struct check_state {
    int nitems;
    int first[GARANT_MAX_SEARCH_WORDS + 1];
    const char *tok[GS_MAX_TOKENS];
    int len[GS_MAX_TOKENS];
    unsigned char live[GS_MAX_TOKENS + GARANT_MAX_SEARCH_WORDS];
    int found[GARANT_MAX_SEARCH_WORDS];
    int nfound;
} check_state;

static int parse_check(check_state *cs, const char *s)
{
    memset(cs, 0, sizeof *cs);
    int n = 0;
    while (*s) {
        if (cs->nitems >= GARANT_MAX_SEARCH_WORDS) return SQLITE_ERROR;
        cs->first[cs->nitems] = n;
        while (*s && *s != '\n') {
            const char *t = s;
            while (*s && *s != ' ' && *s != '\n' && *s != '*') s++;
            if (s == t || n >= GS_MAX_TOKENS) return SQLITE_ERROR;
            cs->tok[n] = t;
            cs->len[n] = (int)(s - t);
            n++;
            if (*s == '*') s++;
            if (*s == ' ') s++;
        }
        if (*s == '\n') s++;
        cs->nitems++;
    }
    cs->first[cs->nitems] = n;
    return cs->nitems ? SQLITE_OK : SQLITE_ERROR;
}

/* One token of the row's text: advance every item's matches in progress;
** SQLITE_DONE once every item is found. */
static int check_token(void *ctx, int tflags, const char *tok, int ntok, int start, int end)
{
    (void)start;
    (void)end;
    check_state *cs = ctx;
    if (tflags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;
    for (int i = 0; i < cs->nitems; i++) {
        if (cs->found[i]) continue;
        int a = cs->first[i], m = cs->first[i + 1] - a;
        /* live for item i: live[a + i + k], k = 0..m; live[.. + 0] is
        ** always set (a match may start at any token). */
        unsigned char *live = cs->live + a + i;
        live[0] = 1;
        for (int k = m - 1; k >= 0; k--) {
            int want = cs->len[a + k];
            int ok = k == m - 1 ? ntok >= want : ntok == want;
            live[k + 1] = live[k] && ok && !memcmp(tok, cs->tok[a + k], (size_t)want);
        }
        if (live[m]) {
            cs->found[i] = 1;
            if (++cs->nfound == cs->nitems) return SQLITE_DONE;
        }
    }
    return SQLITE_OK;
}

static void search_has(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                       sqlite3_value **val)
{
    if (nval != 3) {
        sqlite3_result_error(ctx, "gs_search_has: takes a check, a column mask and a work pointer", -1);
        return;
    }
    const char *items = (const char *)sqlite3_value_text(val[0]);
    int colmask = sqlite3_value_int(val[1]);
    gs_search_work *work = sqlite3_value_pointer(val[2], "gs_search_work");
    check_state cs;
    if (!items || parse_check(&cs, items) != SQLITE_OK) {
        sqlite3_result_error(ctx, "gs_search_has: bad check", -1);
        return;
    }
    /* The short columns first: most prefixes are found before the
    ** conversation's are read. */
    static const int order[] = {GS_COL_SUBJECT, GS_COL_REQUESTER, GS_COL_BODY, GS_COL_PUBLIC, GS_COL_INTERNAL};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        if (!(colmask & (1 << order[k]))) continue;
        const char *z = NULL;
        int n = 0;
        int rc = api->xColumnText(fts, order[k], &z, &n);
        if (rc != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        if (n <= 0) continue;
        if (work) work->bytes += n;
        /* A phrase does not run on from one column into the next. */
        memset(cs.live, 0, sizeof cs.live);
        rc = api->xTokenize(fts, z, n, &cs, check_token);
        /* check_token's SQLITE_DONE stops the tokenizer, which then says
        ** SQLITE_OK (unicode61 does) or passes it on. */
        if (rc != SQLITE_OK && rc != SQLITE_DONE) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        if (cs.nfound == cs.nitems) break;
    }
    sqlite3_result_int(ctx, cs.nfound == cs.nitems);
}

/* gs_search_in(set, id): see gs_id_set. */
static void search_in(sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    (void)nval;
    gs_id_set *set = sqlite3_value_pointer(val[0], "gs_id_set");
    if (!set) {
        sqlite3_result_error(ctx, "gs_search_in: no set", -1);
        return;
    }
    if (++set->walked > set->walk_max) {
        set->stopped = 1;
        sqlite3_result_int(ctx, 1);
        return;
    }
    int64_t id = sqlite3_value_int64(val[1]);
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    sqlite3_result_int(ctx, lo < set->n && set->ids[lo] == id);
}

int gs_sqlite_search_open(gs_sqlite_conn *c)
{
    static const char what[] = "opening full-text search";
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_OK && rc != SQLITE_DONE) return gs_sqlite_fail(c, rc, what);
    if (!api || api->iVersion < 2) return garant__error(GARANT_ESTORE, "%s: SQLite has no FTS5 (version 2)", what);
    rc = api->xCreateFunction(api, "gs_search_has", NULL, search_has, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(c->db, "gs_search_in", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, search_in,
                                        NULL, NULL, NULL);
    if (rc != SQLITE_OK) return gs_sqlite_fail(c, rc, what);
    c->fts5 = api;
    return 0;
}
