/*
** loader.h - the thin I/O layer between the file system and the core.
**
** The core parses bytes; this reads them: TZif files from the system's
** zoneinfo (TZDIR, else /usr/share/zoneinfo) and files a config names,
** relative to the config's own folder. The CLI and the server use it.
*/
#ifndef GARANT_IO_LOADER_H
#define GARANT_IO_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "garant/garant.h"
#include "garant/service_error.h"

/* Largest file the loader reads (configs, TZif, .ics): 16 MiB. */
#define GARANT_IO_MAX_FILE (16u << 20)

/* Where a config's relative paths and zones are looked up. */
typedef struct garant_io_ctx {
    const char *config_dir; /* folder of the config file; NULL = cwd */
    const char *tzdir;      /* NULL = $TZDIR or /usr/share/zoneinfo */
} garant_io_ctx;

/* Read a whole file (at most max_len bytes, else GARANT_ELIMIT).
** Caller owns *out; free with free(). GARANT_EIO with the path and errno
** text on failure. */
int garant_io_read_file(uint8_t **out, size_t *out_len, const char *path,
                        size_t max_len);

/* A garant_resource_fn; ctx is a garant_io_ctx* (or NULL for defaults).
** Zone names are checked (no "..", no leading '/') before touching disk. */
int garant_io_resource(void *ctx, garant_resource_kind kind, const char *name,
                       uint8_t **out_data, size_t *out_len);

/* Load a zone by IANA name from the zoneinfo folder.
** Caller owns *out; free with garant_tz_free. */
int garant_io_load_tz(garant_tz **out, const char *zone, const char *tzdir);

/* Load a policy from a config file, or the embedded default if path is NULL.
** Caller owns *out and *out_diags; free with garant_policy_free and
** garant_diags_free. */
int garant_io_load_policy(garant_policy **out, garant_diags **out_diags,
                          const char *path);

/* The text of config/garant.yaml compiled into the binary.
** Borrowed; static storage. */
const char *garant_io_default_config(size_t *out_len);

#endif
