/*
** static.c - the browser pages (static.h): a few content types, a strict
** Content-Security-Policy, nothing outside the web root.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "static.h"

/* Content types by extension; anything else is not served. */
static const struct {
    const char *ext;
    const char *type;
    int immutable;   /* assets may be cached; pages are revalidated */
} static_types[] = {
    {".html", "text/html; charset=utf-8", 0},   {".js", "text/javascript; charset=utf-8", 1},
    {".css", "text/css; charset=utf-8", 1},     {".svg", "image/svg+xml", 1},
    {".png", "image/png", 1},                   {".ico", "image/x-icon", 1},
    {".json", "application/json", 1},          {".webmanifest", "application/manifest+json", 1},
    {".woff2", "font/woff2", 1},
};

/* The strict policy the pages are written for: no inline script or style,
** nothing from other origins, no framing. */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " \
            "form-action 'self'; frame-ancestors 'none'"

int http_static_serve(struct MHD_Connection *conn, const char *web_root, const char *url)
{
    const char *root = web_root;
    if (!root || url[0] != '/' || strstr(url, "..") || strstr(url, "/.") || strlen(url) > 200) return -1;
    char rel[256];
    const char *base = strrchr(url, '/');
    if (!strcmp(url, "/"))
        snprintf(rel, sizeof rel, "/index.html");
    else if (!strchr(base, '.'))
        snprintf(rel, sizeof rel, "%s.html", url);
    else
        snprintf(rel, sizeof rel, "%s", url);
    for (const char *p = rel; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '-' || c == '_'))
            return -1;
    }
    const char *ext = strrchr(rel, '.');
    size_t k = 0, nt = sizeof static_types / sizeof static_types[0];
    while (k < nt && strcmp(static_types[k].ext, ext) != 0) k++;
    if (k == nt) return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, rel);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat stt;
    if (fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode) || stt.st_size > 8 * 1024 * 1024) {
        fclose(f);
        return -1;
    }
    size_t len = (size_t)stt.st_size;
    char *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, f) != len) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", static_types[k].type);
    MHD_add_response_header(resp, "Cache-Control", static_types[k].immutable ? "public, max-age=300" : "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    int ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}
