/*
** policies.h - the policy in force and every version compiled so far.
**
** A ticket is judged under the policy version it was filed under
** (docs/SLA.md, "The terms a ticket was filed under"): each version is
** compiled from the store once, on first use, and kept until shutdown, so
** a borrowed policy is never freed under its reader. An admin's save swaps
** the one in force.
**
** Thread-safe: one mutex, held only to look a version up or to add one.
*/
#ifndef GARANT_DESK_POLICIES_H
#define GARANT_DESK_POLICIES_H

#include <stdint.h>

#include "garant/garant.h"
#include "store.h"

typedef struct desk_policies desk_policies;

/* An empty holder; files a policy names are looked up beside config_path
** (the --config file; NULL: the built-in policy). Caller owns *out; free
** with desk_policies_free. */
int desk_policies_new(desk_policies **out, const char *config_path);
/* Frees every version. NULL does nothing. */
void desk_policies_free(desk_policies *p);

/* Load the policy in force at start from store, saving the configured one
** (config_path's, else the built-in) as a new version when it should be,
** at now (UTC epoch seconds). */
int desk_policies_load(desk_policies *p, garant_store *store, int64_t now);

/* The policy in force and its version (0 before one is saved). Borrowed;
** valid until p is freed. */
const garant_policy *desk_policies_current(desk_policies *p, int64_t *out_version);
/* The policy version `version`, compiled from the store through c on first
** use; 0 is the current one. Borrowed; valid until p is freed. */
int desk_policies_version(const garant_policy **out, desk_policies *p, garant_store_conn *c, int64_t version);
/* Make pol, saved as `version`, the policy in force; takes ownership of
** pol. GARANT_ENOMEM (pol freed) if it cannot be kept. */
int desk_policies_swap(desk_policies *p, garant_policy *pol, int64_t version);
/* Compile a saved version's YAML. Caller owns *out; free with
** garant_policy_free. */
int desk_policies_compile(garant_policy **out, garant_diags **out_diags, desk_policies *p, const char *yaml);

#endif
