/*
** accounts.h - what the account, admin and group routes share: display
** names, and the JSON of organizations, products and lists of records
** (routes_admin.c). E-mail addresses, domain names
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

/* An organization as the API shows it: {id, name, plan, created_at,
** ticket_visibility, approval_required, domains, active}. Caller owns the
** result; NULL when out of memory. */
json_t *http_org_json(const garant_org_entry *e);

/* A product as the API shows it: {id, name, stage, created_at}. Caller
** owns the result; NULL when out of memory. */
json_t *http_product_json(const garant_product *p);

/* A JSON array of one(row) for each of the n records of size bytes at
** rows. Caller owns *out; 0 or GARANT_ENOMEM (and *out NULL). */
int http_json_array(json_t **out, const void *rows, size_t n, size_t size, json_t *(*one)(const void *row));

/* Longest password a request may send, in bytes. */
#define HTTP_PASSWORD_MAX_BYTES 1024

/* The password rule: at least 10 characters. GARANT_EINVAL saying so. */
int http_password_rule(const char *pw);

/* Hash a password with argon2id (http_password_hash), waiting while as
** many hashes as memory allows run on other threads. 0 or a garant_err. */
int http_password_hash_limited(char out[128], const char *password);

/* POST /api/v1/signup and /api/v1/verify, with their bodies
** (routes_signup.c), for routes_accounts.c's table. */
int http_signup(http_req *r);
int http_verify(http_req *r);
extern const http_field http_signup_body[];
extern const http_field http_verify_body[];

#endif
