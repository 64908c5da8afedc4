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

/* The part of domain (lower-case, as http_email_normalize leaves it) that
** is a free or disposable mail provider, or NULL: domain itself or one of
** its parent domains ("gmail.com" in "mx.gmail.com"), listed in the
** built-in list, the --freemail file or the signup.freemail_domains of
** the policy in force for r. Borrowed; points into domain. */
const char *http_freemail_refused(http_req *r, const char *domain);

/* A display name (a person's, an organization's, a product's): 1..max
** bytes, not only spaces, no control characters (the JSON layer has
** checked UTF-8). GARANT_EINVAL with a message naming `what` otherwise. */
int http_name_check(const char *name, size_t max, const char *what);

/* Replace the integer "created_at" (UTC epoch seconds) of each object in
** the array by its RFC 3339 UTC text, in place. 0 or GARANT_ENOMEM. */
int http_json_times(json_t *array);

#endif
