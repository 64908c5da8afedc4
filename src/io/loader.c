/*
** loader.c - reads zoneinfo and config files for the core (see loader.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "garant/error_wrap.h"

int garant_io_read_file(uint8_t **out, size_t *out_len, const char *path,
                        size_t max_len)
{
    *out = NULL;
    *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return garant__error(GARANT_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 0, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > max_len + 1) ncap = max_len + 1;
            if (ncap <= len) {
                free(buf);
                fclose(f);
                return garant__error(GARANT_ELIMIT, "%s: larger than %zu bytes", path, max_len);
            }
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return garant__error(GARANT_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return garant__error(GARANT_EIO, "%s: read error", path);
    }
    if (len > max_len) {
        free(buf);
        return garant__error(GARANT_ELIMIT, "%s: larger than %zu bytes", path, max_len);
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* IANA names are ASCII letters, digits and "/_-+"; anything else, a
** leading '/', or a ".." component could escape the zoneinfo folder. */
static int zone_name_ok(const char *z)
{
    if (!z[0] || z[0] == '/' || strlen(z) > 255) return 0;
    for (const char *p = z; *p; p++) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
                 c == '+' || c == '.';
        if (!ok) return 0;
    }
    return strstr(z, "..") == NULL;
}

static const char *zoneinfo_dir(const char *tzdir)
{
    if (tzdir) return tzdir;
    const char *env = getenv("TZDIR");
    return env && env[0] ? env : "/usr/share/zoneinfo";
}

static int read_zone(uint8_t **out, size_t *out_len, const char *zone,
                     const char *tzdir)
{
    if (!zone_name_ok(zone))
        return garant__error(GARANT_ENOTFOUND, "unknown time zone '%s'", zone);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", zoneinfo_dir(tzdir), zone);
    int rc = garant_io_read_file(out, out_len, path, GARANT_IO_MAX_FILE);
    if (rc == GARANT_EIO)
        return garant__error(GARANT_ENOTFOUND, "unknown time zone '%s' (no %s)", zone, path);
    return rc;
}

int garant_io_resource(void *ctx, garant_resource_kind kind, const char *name,
                       uint8_t **out_data, size_t *out_len)
{
    const garant_io_ctx *io = ctx;
    if (kind == GARANT_RESOURCE_ZONE)
        return read_zone(out_data, out_len, name, io ? io->tzdir : NULL);
    char path[4096];
    if (name[0] == '/' || !io || !io->config_dir)
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s", io->config_dir, name);
    return garant_io_read_file(out_data, out_len, path, GARANT_IO_MAX_FILE);
}

int garant_io_load_tz(garant_tz **out, const char *zone, const char *tzdir)
{
    *out = NULL;
    uint8_t *data;
    size_t len;
    int rc = read_zone(&data, &len, zone, tzdir);
    if (rc) return rc;
    rc = garant_tz_parse(out, zone, data, len);
    free(data);
    return rc;
}

int garant_io_load_policy(garant_policy **out, garant_diags **out_diags,
                          const char *path)
{
    *out = NULL;
    if (out_diags) *out_diags = NULL;
    if (!path) {
        size_t len;
        const char *text = garant_io_default_config(&len);
        return garant_config_load(out, out_diags, text, len, garant_io_resource, NULL);
    }
    uint8_t *data;
    size_t len;
    int rc = garant_io_read_file(&data, &len, path, GARANT_IO_MAX_FILE);
    if (rc) return rc;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    garant_io_ctx io = {0};
    if (slash) {
        *slash = '\0';
        io.config_dir = dir[0] ? dir : "/";
    }
    rc = garant_config_load(out, out_diags, (const char *)data, len, garant_io_resource, &io);
    free(data);
    return rc;
}
