/*
** accounts.h - checks shared by the account and admin routes: display
** names and record times (routes_admin.c). E-mail addresses, domain names
** and free-mail providers are the desk's (freemail.h).
*/
#ifndef GARANT_HTTP_ACCOUNTS_H
#define GARANT_HTTP_ACCOUNTS_H

#include <stddef.h>

#include <jansson.h>

#include "freemail.h"
#include "http.h"

/* A display name (a person's, an organization's, a product's): 1..max
** bytes, not only spaces, no control characters (the JSON layer has
** checked UTF-8). GARANT_EINVAL with a message naming `what` otherwise. */
int http_name_check(const char *name, size_t max, const char *what);

/* Replace the integer "created_at" (UTC epoch seconds) of each object in
** the array by its RFC 3339 UTC text, in place. 0 or GARANT_ENOMEM. */
int http_json_times(json_t *array);

#endif
