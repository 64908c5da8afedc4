/*
** openapi.h - the API's OpenAPI description (docs/openapi.yaml) as JSON,
** generated at build time by scripts/openapi_json.py and served at
** GET /api/v1/openapi.json.
*/
#ifndef GARANT_HTTP_OPENAPI_H
#define GARANT_HTTP_OPENAPI_H

#include <stddef.h>

/* The document, minified UTF-8 JSON of *out_len bytes (NUL-terminated).
** Borrowed; static. */
const char *http_openapi_json(size_t *out_len);

#endif
