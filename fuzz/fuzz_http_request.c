/*
** fuzz_http_request.c - the server's side of reading a request, without a
** socket (issue 13): the request line and the path's routing, the framing
** checks over the headers, the query's parameters (unknown ones refused,
** integers in range), the Content-Type check
** and the JSON body against the route's field table, for every route; and
** the query read as a saved view's text (http_params_parse).
**
** The input is a request as a client would send it:
**
**     METHOD PATH[?QUERY]\n
**     Name: value\n ... \n
**     \n
**     BODY
**
** libmicrohttpd's lookups are replaced by mhd_fake.c's own
** MHD_lookup_connection_value and MHD_get_connection_values (the
** executable's definitions come before the shared library's), which read
** the headers, the query and the cookies from the input, so the code under
** test runs as it does behind libmicrohttpd, minus libmicrohttpd's own
** parser (fuzzed upstream). Invariants checked beyond "no crash, no leak,
** no undefined behaviour": a route found has a pattern matching the path,
** its ids are in range, a body accepted holds every required field with
** its declared type, and nothing accepted is longer than its ceiling.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <microhttpd.h>

#include "../src/http/request.h"
#include "mhd_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_body(const http_route *rt, http_req *r, json_t **v)
{
    size_t n = 0;
    while (rt->body[n].name) n++;
    for (size_t i = 0; i < n; i++) {
        const http_field *f = &rt->body[i];
        if (f->required && !v[i]) abort();
        if (!v[i]) continue;
        size_t max = f->max ? f->max : HTTP_FIELD_MAX_DEFAULT;
        switch (f->type) {
        case HTTP_F_STRING:
            if (!json_is_string(v[i]) || json_string_length(v[i]) > max) abort();
            if (memchr(json_string_value(v[i]), '\0', json_string_length(v[i]))) abort();
            break;
        case HTTP_F_INT: if (!json_is_integer(v[i])) abort(); break;
        case HTTP_F_INT_NULL: if (!json_is_integer(v[i]) && !json_is_null(v[i])) abort(); break;
        case HTTP_F_BOOL: if (!json_is_boolean(v[i])) abort(); break;
        case HTTP_F_OBJECT: if (!json_is_object(v[i])) abort(); break;
        case HTTP_F_ARRAY: if (!json_is_array(v[i]) || json_array_size(v[i]) > max) abort(); break;
        case HTTP_F_IDS: {
            if (!json_is_array(v[i]) || json_array_size(v[i]) > max) abort();
            size_t k;
            json_t *id;
            json_array_foreach(v[i], k, id)
                if (!json_is_integer(id) || json_integer_value(id) < 1) abort();
            break;
        }
        }
    }
    if (!json_is_object(r->body_json)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    const char *nl = memchr(s, '\n', size);
    if (!nl) return 0;
    const char *sp = memchr(s, ' ', (size_t)(nl - s));
    if (!sp) return 0;
    char *method = mhd_fake_dup(s, (size_t)(sp - s));
    const char *target = sp + 1;
    const char *q = memchr(target, '?', (size_t)(nl - target));
    char *path = mhd_fake_dup(target, (size_t)((q ? q : nl) - target));
    if (q) mhd_fake_split(MHD_FAKE_QUERY, q + 1, (size_t)(nl - q - 1), '&');

    /* Headers up to an empty line; the rest is the body. */
    const char *line = nl + 1, *body = end;
    while (line < end) {
        const char *e = memchr(line, '\n', (size_t)(end - line));
        if (!e) e = end;
        if (e == line) {
            body = e + 1 <= end ? e + 1 : end;
            break;
        }
        const char *colon = memchr(line, ':', (size_t)(e - line));
        if (colon) {
            const char *v = colon + 1;
            while (v < e && *v == ' ') v++;
            mhd_fake_add(MHD_FAKE_HEADER, line, (size_t)(colon - line), v, (size_t)(e - v));
            if ((size_t)(colon - line) == 6 && !strncasecmp(line, "Cookie", 6))
                mhd_fake_split(MHD_FAKE_COOKIE, v, (size_t)(e - v), ';');
        }
        line = e + 1;
    }
    if (body > end) body = end;

    int64_t id = -1, id2 = -1;
    int known = 0;
    const http_route *rt = http_route_find(method, path, &id, &id2, &known);
    if (rt) {
        if (!known || id < 0 || id2 < 0 || id > ((INT64_C(1) << 53) - 1)) abort();
        if (strcmp(rt->method, method) && strcmp(method, "HEAD")) abort();
        if (!strchr(rt->pattern, '{') && strcmp(rt->pattern, path)) abort();
    }

    struct MHD_Connection *conn = mhd_fake_connection();
    int status = 0;
    const char *problem = http_framing_problem(conn, "HTTP/1.1", &status);
    if (problem && status != 400 && status != 501) abort();

    if (rt) {
        conn_state cs;
        memset(&cs, 0, sizeof cs);
        cs.conn = conn;
        cs.rt = rt;
        http_req r;
        memset(&r, 0, sizeof r);
        char *b = mhd_fake_dup(body, (size_t)(end - body));
        r.body = b;
        r.body_len = (size_t)(end - body);
        r.impl = &cs;
        cs.req = r;
        /* Every integer a route's query may hold, read as the routes do. */
        static const char *const ints[] = {"limit", "after", "priority", "org", "org_id", "version", NULL};
        for (int i = 0; ints[i]; i++) {
            int64_t v;
            if (http_query_int(&r, ints[i], 1, 1000, &v) == 1 && (v < 1 || v > 1000)) abort();
        }
        (void)http_cookie(&r, "garant_session");
        /* A parameter the route does not declare is named; one it declares never. */
        const char *unknown = http_unknown_query(conn, rt);
        if (unknown) {
            for (const char *const *k = rt->query; k && *k; k++)
                if (!strcmp(*k, unknown)) abort();
        }
        if (rt->body) {
            json_t *v[32];
            if (http_body_fields(&r, rt->body, v) == 0) check_body(rt, &r, v);
        }
        /* The query as a saved view's text (http_params_parse): what it
        ** accepts is at most HTTP_PARAMS_MAX pairs, read back through
        ** http_query, each no longer than the text it came from. */
        if (q) {
            char *text = mhd_fake_dup(q + 1, (size_t)(nl - q - 1));
            http_params p;
            if (http_params_parse(&p, &r, text) == 0) {
                if (p.n > HTTP_PARAMS_MAX) abort();
                http_query_from(&r, &p);
                for (size_t i = 0; i < p.n; i++) {
                    if (strlen(p.name[i]) > strlen(text) || strlen(p.value[i]) > strlen(text)) abort();
                    if (!http_query(&r, p.name[i])) abort();
                }
                http_query_from(&r, NULL);
            }
            free(text);
        }
        http_request_free_arena(&cs, 0);
        free(cs.spare);
        json_decref(r.body_json);
        free(b);
    }
    mhd_fake_clear();
    free(method);
    free(path);
    return 0;
}
