/*
** request.c - what a request carries and what it answers (request.h,
** http.h): its memory, the query, headers and cookies, the body checked
** against its route's field table, routing, the error-to-status table and
** the response as text.
*/
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "log.h"
#include "request.h"
#include "desk_attachments.h"
#include "text.h"

/* All route tables, in dispatch order, ended by NULL. */
const http_route *const http_route_tables[] = {
    http_routes_system, http_routes_accounts, http_routes_admin,       http_routes_tickets,
    http_routes_policy, http_routes_corrections, http_routes_sla,      http_routes_reports,
    http_routes_attachments, http_routes_groups, http_routes_members, http_routes_views, NULL,
};

/* ---- responses ------------------------------------------------------- */

int http_reply(http_req *r, int status, json_t *body)
{
    json_decref(r->json);
    free(r->text);
    r->text = NULL;
    r->status = status;
    r->json = body;
    return 0;
}

int http_reply_text(http_req *r, int status, const char *content_type, char *text)
{
    json_decref(r->json);
    r->json = NULL;
    free(r->text);
    r->status = status;
    r->text = text;
    r->content_type = content_type;
    return 0;
}

void http_request_start(conn_state *cs)
{
    memset((char *)cs + offsetof(conn_state, len), 0, sizeof *cs - offsetof(conn_state, len));
}

void http_request_free_arena(conn_state *cs, size_t keep_bytes)
{
    for (arena_block *b = cs->arena, *next; b; b = next) {
        next = b->next;
        if (!cs->spare && b->size <= keep_bytes) {
            cs->spare = b;
            continue;
        }
        free(b);
    }
    cs->arena = NULL;
}

/* A connection keeps one block of its last request for the next one's
** first http_alloc: filing a ticket allocates 1.2 KiB, and malloc serves a
** chunk that large on its slow path. */
void *http_alloc(http_req *r, size_t n)
{
    conn_state *cs = r->impl;
    arena_block *b = cs->spare;
    if (b && b->size >= n) {
        cs->spare = NULL;
        memset(b->data, 0, n);
    } else {
        if (!(b = calloc(1, sizeof *b + n))) return NULL;
        b->size = n;
    }
    b->next = cs->arena;
    cs->arena = b;
    return b->data;
}

const char *http_query(http_req *r, const char *name)
{
    if (r->params) {
        for (size_t i = 0; i < r->params->n; i++)
            if (!strcmp(r->params->name[i], name)) return r->params->value[i];
        return NULL;
    }
    conn_state *cs = r->impl;
    return MHD_lookup_connection_value(cs->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_query_from(http_req *r, const http_params *p) { r->params = p; }

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode s[0..n) into dst as the server decodes a request's query ('+'
** is a space, %XX a byte), NUL-terminated; -1 for a malformed escape or
** a NUL byte. Returns the bytes written. */
static long decode_part(char *dst, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
            if (lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            if (!c) return -1;
            i += 2;
        }
        dst[k++] = c;
    }
    dst[k] = '\0';
    return (long)k;
}

int http_params_parse(http_params *out, http_req *r, const char *query)
{
    out->n = 0;
    size_t len = strlen(query);
    /* Every part decodes to at most its own length, plus its NUL. */
    char *buf = http_alloc(r, 2 * len + 2);
    if (!buf) return garant__error(GARANT_ENOMEM, "out of memory");
    const char *s = query, *end = query + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (!amp) amp = end;
        if (amp == s) { /* an empty part: "a=1&&b=2", a trailing '&' */
            s++;
            continue;
        }
        const char *eq = memchr(s, '=', (size_t)(amp - s));
        if (!eq) return garant__error(GARANT_EINVAL, "query parameter '%.*s' has no value (name=value)",
                                      (int)(amp - s > 64 ? 64 : amp - s), s);
        if (out->n == HTTP_PARAMS_MAX)
            return garant__error(GARANT_EINVAL, "a query of more than %d parameters", HTTP_PARAMS_MAX);
        long kn = decode_part(buf, s, (size_t)(eq - s));
        if (kn < 0) goto bad;
        out->name[out->n] = buf;
        buf += kn + 1;
        long vn = decode_part(buf, eq + 1, (size_t)(amp - eq - 1));
        if (vn < 0) goto bad;
        out->value[out->n++] = buf;
        buf += vn + 1;
        s = amp;
    }
    return 0;
bad:
    return garant__error(GARANT_EINVAL, "a malformed %%-escape in the query's parameter %zu (%%XX, not %%00)", out->n + 1);
}

int http_refuse_unknown_query(const char *unknown, const char *const *known)
{
    char takes[64 * 8] = "";
    size_t n = 0;
    for (size_t i = 0; known && known[i] && n < sizeof takes; i++)
        n += (size_t)snprintf(takes + n, sizeof takes - n, "%s%s", i ? ", " : "", known[i]);
    if (known)
        return garant__error(GARANT_EPARSE, "unknown query parameter '%.64s'; this resource takes %s", unknown, takes);
    return garant__error(GARANT_EPARSE, "unknown query parameter '%.64s'; this resource takes none", unknown);
}

int http_query_int(http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *s = http_query(r, name);
    if (!s) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!s[0] || *end || errno || v < min || v > max)
        return garant__error(GARANT_EINVAL, "query parameter '%s' must be an integer from %lld to %lld", name,
                             (long long)min, (long long)max);
    *out = v;
    return 1;
}

const char *http_header(http_req *r, const char *name)
{
    conn_state *cs = r->impl;
    return MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(http_req *r, const char *name)
{
    conn_state *cs = r->impl;
    return MHD_lookup_connection_value(cs->conn, MHD_COOKIE_KIND, name);
}

/* The type a field must have, in the thread's language. */
static const char *ftype_name(http_ftype t)
{
    static const char *const names[] = {GARANT_N_("a string"), GARANT_N_("an integer"), GARANT_N_("true or false"),
                                        GARANT_N_("an array of strings"), GARANT_N_("an object"),
                                        GARANT_N_("an array of ids (integers from 1)"),
                                        GARANT_N_("an integer or null")};
    return garant__tr(names[t]);
}

/* ---- the answer's language ---------------------------------------------- */

const char *http_accept_language(const char *value)
{
    const char *best = NULL;
    int best_q = 0; /* thousandths */
    if (!value) return NULL;
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *range = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t') p++;
        size_t primary = strcspn(range, "-,; \t");
        if (primary > (size_t)(p - range)) primary = (size_t)(p - range);
        /* The weight: ";q=0.8" (three decimals at most), 1 without. */
        int q = 1000;
        while (*p && *p != ',') {
            while (*p == ' ' || *p == '\t' || *p == ';') p++;
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                p += 2;
                q = 0;
                if (*p == '1') q = 1000;
                else if (*p == '0' && p[1] == '.') {
                    int scale = 100;
                    for (p += 2; *p >= '0' && *p <= '9' && scale; p++, scale /= 10) q += (*p - '0') * scale;
                }
            }
            while (*p && *p != ',' && *p != ';') p++;
        }
        const char *lang = NULL;
        if (primary == 2 && http_starts_ci(range, "en")) lang = "en";
        if (primary == 2 && http_starts_ci(range, "ro")) lang = "ro";
        if (lang && q > best_q) {
            best = lang;
            best_q = q;
        }
    }
    return best;
}

void http_language_from_header(http_req *r)
{
    const char *lang = http_accept_language(http_header(r, "Accept-Language"));
    r->language_asked = lang != NULL;
    r->messages = desk_messages(lang);
    garant__msgcat_use(r->messages);
}

void http_language_from_user(http_req *r)
{
    if (r->language_asked || !r->authed) return;
    r->messages = desk_messages(r->user.language);
    garant__msgcat_use(r->messages);
}

int http_starts_ci(const char *s, const char *word)
{
    for (; *word; s++, word++)
        if (!*s || (*s >= 'A' && *s <= 'Z' ? *s + 32 : *s) != *word) return 0;
    return 1;
}

int http_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* A request body's Content-Type must be JSON in UTF-8 (RFC 8259): the
** media type application/json in any case (RFC 9110 8.3.1), with optional
** parameters; a charset parameter, if any, must be utf-8. Anything else is
** refused with GARANT_EPARSE naming the header (the value quoted escaped:
** it is the client's). */
static int check_json_type(const char *ct)
{
    const char *p = skip_ows(ct);
    const char *why = GARANT_N_("expected Content-Type application/json");
    if (!http_starts_ci(p, "application/json")) goto bad;
    p = skip_ows(p + 16);
    while (*p == ';') {
        p = skip_ows(p + 1);
        const char *name = p;
        while (http_tchar(*p)) p++;
        size_t name_len = (size_t)(p - name);
        if (!name_len || *p++ != '=') goto bad;
        const char *val = p;
        size_t val_len;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"' && *p != '\\') p++;
            if (*p != '"') goto bad; /* unterminated, or an escape no charset needs */
            val_len = (size_t)(p++ - val);
        } else {
            while (http_tchar(*p)) p++;
            val_len = (size_t)(p - val);
            if (!val_len) goto bad;
        }
        if (name_len == 7 && http_starts_ci(name, "charset") && !(val_len == 5 && http_starts_ci(val, "utf-8"))) {
            why = GARANT_N_("Content-Type application/json must be in charset utf-8");
            goto bad;
        }
        p = skip_ows(p);
    }
    if (*p) goto bad;
    return 0;
bad:;
    char shown[200];
    return garant__error(GARANT_EPARSE, "%s, got '%s'", garant__tr(why),
                         desk_log_escape(shown, sizeof shown, ct, strnlen(ct, 64), 0));
}

int http_body_fields(http_req *r, const http_field *spec, json_t **out)
{
    /* The route table declares what a handler reads: `garant routes --json`
    ** and docs/openapi.yaml's test rely on it. */
    assert(!r->impl || spec == ((conn_state *)r->impl)->rt->body);
    size_t nspec = 0;
    while (spec[nspec].name) out[nspec++] = NULL;
    const char *ct = http_header(r, "Content-Type");
    int rc = ct ? check_json_type(ct) : 0;
    if (rc) return rc;
    json_error_t jerr;
    json_t *root = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return garant__error(GARANT_EPARSE, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return garant__error(GARANT_EPARSE, "the request body must be a JSON object");
    }
    /* The parsed body lives as long as the request, through r->impl's owner. */
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        size_t i = 0;
        while (i < nspec && strcmp(spec[i].name, key) != 0) i++;
        if (i == nspec) {
            rc = garant__error(GARANT_EINVAL, "unknown field '%.64s'", key);
            goto fail;
        }
        const http_field *f = &spec[i];
        size_t max = f->max ? f->max : HTTP_FIELD_MAX_DEFAULT;
        int ok = 0;
        switch (f->type) {
        case HTTP_F_STRING: ok = json_is_string(val); break;
        case HTTP_F_INT: ok = json_is_integer(val); break;
        case HTTP_F_INT_NULL: ok = json_is_integer(val) || json_is_null(val); break;
        case HTTP_F_BOOL: ok = json_is_boolean(val); break;
        case HTTP_F_OBJECT: ok = json_is_object(val); break;
        case HTTP_F_ARRAY: {
            ok = json_is_array(val);
            size_t k;
            json_t *el;
            json_array_foreach(val, k, el) ok =
                ok && json_is_string(el) && json_string_length(el) <= HTTP_ARRAY_ITEM_MAX;
            if (ok && json_array_size(val) > max) {
                rc = garant__error(GARANT_EINVAL, "'%s' has more than %zu elements", f->name, max);
                goto fail;
            }
            break;
        }
        case HTTP_F_IDS: {
            ok = json_is_array(val);
            size_t k;
            json_t *el;
            json_array_foreach(val, k, el) ok = ok && json_is_integer(el) && json_integer_value(el) >= 1;
            if (ok && json_array_size(val) > max) {
                rc = garant__error(GARANT_EINVAL, "'%s' has more than %zu elements", f->name, max);
                goto fail;
            }
            break;
        }
        }
        if (!ok) {
            rc = garant__error(GARANT_EINVAL, "'%s' must be %s", f->name, ftype_name(f->type));
            goto fail;
        }
        if (f->type == HTTP_F_STRING && json_string_length(val) > max) {
            rc = garant__error(f->max >= 65536 ? GARANT_ELIMIT : GARANT_EINVAL, "'%s' is longer than %zu bytes",
                               f->name, max);
            goto fail;
        }
        if (f->type == HTTP_F_STRING && memchr(json_string_value(val), '\0', json_string_length(val))) {
            rc = garant__error(GARANT_EINVAL, "'%s' contains a NUL character", f->name);
            goto fail;
        }
        out[i] = val;
    }
    for (size_t i = 0; i < nspec; i++) {
        if (spec[i].required && !out[i]) {
            rc = garant__error(GARANT_EINVAL, "'%s' is required", spec[i].name);
            goto fail;
        }
    }
    /* The values stay valid until the request ends. */
    json_decref(r->body_json);
    r->body_json = root;
    return 0;

fail:
    json_decref(root);
    for (size_t i = 0; i < nspec; i++) out[i] = NULL;
    return rc;
}

/* ---- routing --------------------------------------------------------- */

/* The largest id a route takes: 2^53 - 1, the largest integer a JSON
** number keeps exactly in every client (JavaScript's
** Number.MAX_SAFE_INTEGER). Ids are written as JSON numbers; a larger one
** could name a different object in the client than in the server. */
#define MAX_ROUTE_ID ((INT64_C(1) << 53) - 1)

/* Match path against pattern; {id} and {id2} take an id: a positive
** integer in canonical decimal (no sign, no leading zero) up to
** MAX_ROUTE_ID. Anything else there ("01", "+1", 2^53) matches no route,
** so it is answered 404 like any other path that names nothing. */
static int match(const char *pattern, const char *path, int64_t *id, int64_t *id2)
{
    const char *p = pattern, *s = path;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            int second = strncmp(p, "{id2}", 5) == 0;
            int64_t v = 0;
            if (*s == '0') return 0; /* a leading zero, or the id 0 */
            int digits = 0;
            while (*s >= '0' && *s <= '9') {
                int d = *s++ - '0';
                if (v > (MAX_ROUTE_ID - d) / 10) return 0;
                v = v * 10 + d;
                digits++;
            }
            if (!digits) return 0;
            *(second ? id2 : id) = v;
            p = close + 1;
            continue;
        }
        if (*p++ != *s++) return 0;
    }
    return *s == '\0';
}

const http_route *http_route_find(const char *method, const char *path, int64_t *id, int64_t *id2,
                                    int *path_known)
{
    *path_known = 0;
    for (size_t t = 0; http_route_tables[t]; t++)
        for (const http_route *rt = http_route_tables[t]; rt->method; rt++) {
            int64_t a = 0, b = 0;
            if (!match(rt->pattern, path, &a, &b)) continue;
            *path_known = 1;
            /* HEAD is GET without the body (RFC 9110 9.3.2): MHD sends
            ** the headers of the answer, Content-Length included, and
            ** leaves the body out. GET routes change nothing. */
            if (strcmp(rt->method, method) != 0 && !(!strcmp(method, "HEAD") && !strcmp(rt->method, "GET")))
                continue;
            *id = a;
            *id2 = b;
            return rt;
        }
    return NULL;
}

/* ---- query parameters ------------------------------------------------- */

typedef struct query_check {
    const char *const *known;
    const char *unknown;
} query_check;

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    query_check *q = cls;
    for (const char *const *k = q->known; k && *k; k++)
        if (!strcmp(*k, key)) return MHD_YES;
    q->unknown = key;
    return MHD_NO;
}

const char *http_unknown_query(struct MHD_Connection *conn, const http_route *rt)
{
    query_check q = {rt->query, NULL};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
    return q.unknown;
}

/* ---- framing the bare port refuses ------------------------------------ */

/* What framing_problem learns from the headers, one at a time. */
typedef struct framing {
    const char *problem;        /* why the request is refused; NULL if not */
    int status;                 /* 400, or 501 for a transfer coding */
    int hosts, lengths, encodings;
    const char *length;         /* the first Content-Length */
    size_t length_size;
} framing;

/* Is value (n bytes) the single word `chunked`, in any case? Exactly what
** libmicrohttpd takes for chunked: it does not trim a trailing space, and
** "chunked " left it waiting for a body of unknown length. */
static int just_chunked(const char *value, size_t n)
{
    return n == 7 && http_starts_ci(value, "chunked");
}

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size)
{
    (void)kind;
    framing *f = cls;
    for (size_t i = 0; i < key_size; i++)
        if (!http_tchar(key[i])) {
            f->problem = GARANT_N_("a header name contains a character other than a token's (RFC 9110 5.1)");
            return MHD_NO;
        }
    /* Field values hold no control characters but HTAB (RFC 9110 5.5):
    ** libmicrohttpd keeps a lone CR (or another control) inside one, and a
    ** proxy in front may end the line there where this server does not.
    ** (A NUL cannot be seen here: libmicrohttpd cuts the value at it.) */
    for (size_t i = 0; i < value_size; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            f->problem = GARANT_N_("a header value contains a control character (a CR or another)");
            return MHD_NO;
        }
    }
    if (key_size == 4 && http_starts_ci(key, "host")) {
        f->hosts++;
    } else if (key_size == 14 && http_starts_ci(key, "content-length")) {
        if (f->lengths++ && (value_size != f->length_size || memcmp(value, f->length, value_size) != 0)) {
            f->problem = GARANT_N_("two different Content-Length values");
            return MHD_NO;
        }
        f->length = value;
        f->length_size = value_size;
    } else if (key_size == 17 && http_starts_ci(key, "transfer-encoding")) {
        f->encodings++;
        if (!just_chunked(value, value_size)) {
            f->problem = GARANT_N_("only the transfer coding 'chunked' is supported");
            f->status = 501;
            return MHD_NO;
        }
    }
    return MHD_YES;
}

const char *http_framing_problem(struct MHD_Connection *conn, const char *version, int *status)
{
    framing f = {NULL, 400, 0, 0, 0, NULL, 0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, framing_header, &f);
    if (!f.problem && f.hosts > 1) f.problem = GARANT_N_("more than one Host header (RFC 9112 3.2)");
    if (!f.problem && f.encodings > 1) {
        f.problem = GARANT_N_("only the transfer coding 'chunked' is supported, once");
        f.status = 501;
    }
    if (!f.problem && f.encodings && f.lengths)
        f.problem = GARANT_N_("both Transfer-Encoding and Content-Length: the length of the body is ambiguous");
    if (!f.problem && f.encodings && strcmp(version, "HTTP/1.1") != 0)
        f.problem = GARANT_N_("Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)");
    *status = f.status;
    return f.problem;
}

/* json_dump_callback's sink: 0, or -1 when the text cannot grow. */
static int dump_append(const char *buffer, size_t size, void *data)
{
    return http_text_add(data, buffer, size) == 0 ? 0 : -1;
}

/* Turn the JSON response into text, on the thread that built it: its
** objects are then freed where they were allocated, and glibc's
** per-thread caches serve the next request. A worker that built a page
** and an event loop that freed it sent every allocation down malloc's slow
** path (17 % of a queue page's CPU). One pass into a buffer that starts at
** a likely size and doubles: json_dumps starts at 16 bytes. */
void http_render(http_req *r)
{
    if (!r->json) return;
    http_text b = {0};
    int ok = garant__grow((void **)&b.s, &b.cap, 4096, 1) == 0 &&
             json_dump_callback(r->json, dump_append, &b, JSON_COMPACT | JSON_ENCODE_ANY) == 0 &&
             http_text_add(&b, "", 0) == 0; /* NUL-terminated even if empty; JSON text holds no NUL */
    json_decref(r->json);
    r->json = NULL;
    free(r->text);
    r->text = NULL;
    if (!ok) {
        free(b.s);
        r->status = 503; /* out of memory: an empty answer says so */
        return;
    }
    r->text = b.s;
    r->content_type = "application/json";
}

/* A file's bytes for MHD, piece by piece from the store; no connection is
** held between pieces. */
typedef struct file_stream {
    garant_desk *desk;
    int64_t id;
} file_stream;

static ssize_t file_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    file_stream *f = cls;
    size_t n = 0;
    if (desk_attachment_read(f->desk, f->id, (int64_t)pos, (uint8_t *)buf, max, &n) != 0 || n == 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return (ssize_t)n;
}

static int send_file(struct MHD_Connection *conn, http_req *r)
{
    file_stream *f = malloc(sizeof *f);
    if (!f) return MHD_NO;
    f->desk = r->desk;
    f->id = r->file.id;
    struct MHD_Response *resp =
        MHD_create_response_from_callback((uint64_t)r->file.size, 64 * 1024, file_read, f, free);
    if (!resp) {
        free(f);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->file.content_type);
    MHD_add_response_header(resp, "Content-Disposition", r->file.disposition);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "private, no-store");
    /* Opened by itself, a file runs nothing and loads nothing. */
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
    int ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

int http_send_response(struct MHD_Connection *conn, http_req *r)
{
    if (r->file.id && r->status == 200 && !r->json && !r->text) return send_file(conn, r);
    http_render(r);
    char *text = r->text;
    r->text = NULL;
    size_t len = text ? strlen(text) : 0;
    const char *ct = r->content_type ? r->content_type : "text/plain; charset=utf-8";
    if (!text && !(text = malloc(1))) return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    if (len) MHD_add_response_header(resp, "Content-Type", ct);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->set_cookie[0]) MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->location[0]) MHD_add_response_header(resp, "Location", r->location);
    if (r->retry_after_s > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", r->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (r->status == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (((conn_state *)r->impl)->close) MHD_add_response_header(resp, "Connection", "close");
    int ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Run the route's handler: authentication, authorization, CSRF, then the
** handler itself; any failure becomes the error response. Worker routes
** get a read connection for the handler's lifetime; inline ones none. */
