/*
** freemail.h - e-mail addresses and domain names: their syntax, and the
** free and disposable mail domains that sign-up refuses (freemail.c).
*/
#ifndef GARANT_DESK_FREEMAIL_H
#define GARANT_DESK_FREEMAIL_H

#include <stddef.h>

#include "garant/garant.h"
#include "store.h"

/* Longest domain name (RFC 1035) and local part of an address (RFC 5321). */
#define DESK_MAX_DOMAIN 253
#define DESK_MAX_LOCAL 64

/* Check a domain name and write it lower-cased to out (cap >= 254): two or
** more labels of [a-z0-9-], each 1-63 bytes, not starting or ending with
** '-', at most 253 bytes, a top-level label that is not all digits.
** GARANT_EINVAL with a message naming `what` otherwise. */
int desk_domain_normalize(char *out, size_t cap, const char *in, const char *what);

/* Check an e-mail address (one '@', a dot-atom local part of 1-64 bytes, a
** domain as above, at most GARANT_MAX_EMAIL bytes) and write it lower-cased
** to out (cap >= GARANT_MAX_EMAIL + 1). *out_domain points at the domain in
** out. GARANT_EINVAL with a message otherwise. */
int desk_email_normalize(char *out, size_t cap, const char **out_domain, const char *in);

/* Free and disposable mail providers: the built-in list
** (data/freemail-domains.txt) and an extra file's, sorted, lower-case,
** loaded once at start (the desk holds them: desk_freemail_match). */
typedef struct desk_freemail {
    char **v;
    size_t n;
} desk_freemail;

/* Load the built-in list and extra_path's (NULL for none). Caller owns
** *out; free with desk_freemail_free. */
int desk_freemail_load(desk_freemail *out, const char *extra_path);
void desk_freemail_free(desk_freemail *fm);

/* The part of domain (lower-case, as desk_email_normalize leaves it) that
** is a free or disposable mail provider, or NULL: domain itself or one of
** its parent domains ("gmail.com" in "mx.gmail.com"), listed in fm or in
** pol's signup.freemail_domains (pol may be NULL). Borrowed; points into
** domain. */
const char *desk_freemail_match_in(const desk_freemail *fm, const garant_policy *pol, const char *domain);

/* The built-in list's text (data/freemail-domains.txt, embedded by CMake).
** Borrowed; static storage. */
const char *desk_freemail_builtin(size_t *out_len);

#endif
