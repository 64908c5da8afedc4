/*
** accounts.h - checks shared by the account and admin routes: e-mail
** addresses, domain names and free-mail providers (freemail.c), display
** names and record times (routes_admin.c).
*/
#ifndef GARANT_HTTP_ACCOUNTS_H
#define GARANT_HTTP_ACCOUNTS_H

#include <stddef.h>

#include <jansson.h>

#include "http.h"

/* Longest domain name (RFC 1035) and local part of an address (RFC 5321). */
#define HTTP_MAX_DOMAIN 253
#define HTTP_MAX_LOCAL 64

/* Check a domain name and write it lower-cased to out (cap >= 254): two or
** more labels of [a-z0-9-], each 1-63 bytes, not starting or ending with
** '-', at most 253 bytes, a top-level label that is not all digits.
** GARANT_EINVAL with a message naming `what` otherwise. */
int http_domain_normalize(char *out, size_t cap, const char *in, const char *what);

/* Check an e-mail address (one '@', a dot-atom local part of 1-64 bytes, a
** domain as above, at most GARANT_MAX_EMAIL bytes) and write it lower-cased
** to out (cap >= GARANT_MAX_EMAIL + 1). *out_domain points at the domain in
** out. GARANT_EINVAL with a message otherwise. */
int http_email_normalize(char *out, size_t cap, const char **out_domain, const char *in);

/* Free and disposable mail providers: the built-in list
** (data/freemail-domains.txt) and an extra file's, sorted, lower-case,
** loaded once at start (the server holds them: http_freemail_list). */
typedef struct http_freemail {
    char **v;
    size_t n;
} http_freemail;

/* Load the built-in list and extra_path's (NULL for none). Caller owns
** *out; free with http_freemail_free. */
int http_freemail_load(http_freemail *out, const char *extra_path);
void http_freemail_free(http_freemail *fm);
/* The server's list (server.c). */
const http_freemail *http_freemail_list(const garant_server *srv);

/* The part of domain (lower-case, as http_email_normalize leaves it) that
** is a free or disposable mail provider, or NULL: domain itself or one of
** its parent domains ("gmail.com" in "mx.gmail.com"), listed in fm or in
** pol's signup.freemail_domains (pol may be NULL). Borrowed; points into
** domain. */
const char *http_freemail_match(const http_freemail *fm, const garant_policy *pol, const char *domain);

/* The built-in list's text (data/freemail-domains.txt, embedded by CMake).
** Borrowed; static storage. */
const char *http_freemail_builtin(size_t *out_len);

/* A display name (a person's, an organization's, a product's): 1..max
** bytes, not only spaces, no control characters (the JSON layer has
** checked UTF-8). GARANT_EINVAL with a message naming `what` otherwise. */
int http_name_check(const char *name, size_t max, const char *what);

/* Replace the integer "created_at" (UTC epoch seconds) of each object in
** the array by its RFC 3339 UTC text, in place. 0 or GARANT_ENOMEM. */
int http_json_times(json_t *array);

#endif
