/*
** store_accounts.h - organizations, their domains, users, sessions,
** single-use tokens, login throttling and products.
**
** Secrets never reach the store in clear: sessions and tokens are stored as
** SHA-256 hashes of the random value handed to the user, passwords as
** libsodium argon2id strings.
*/
#ifndef GARANT_STORE_ACCOUNTS_H
#define GARANT_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct garant_store_conn garant_store_conn;

typedef enum garant_role {
    GARANT_ROLE_CUSTOMER = 0,
    GARANT_ROLE_AGENT = 1,
    GARANT_ROLE_ADMIN = 2
} garant_role;

/* A role's name: "customer", "agent" or "admin". Static storage. */
const char *garant_role_name(garant_role role);
/* 1 and *out for one of those names, else 0 (*out unchanged). */
int garant_role_parse(garant_role *out, const char *name);

/* Where a customer stands with an organization that approves its members
** (garant_org.approval_required): NONE for everyone who joined without
** waiting (and staff), PENDING from confirming the address until a
** manager decides, then APPROVED or REFUSED (a refused member is
** deactivated as well). */
typedef enum garant_approval {
    GARANT_APPROVAL_NONE = 0,
    GARANT_APPROVAL_PENDING = 1,
    GARANT_APPROVAL_APPROVED = 2,
    GARANT_APPROVAL_REFUSED = 3
} garant_approval;

/* The state's name as stored and shown: NULL for NONE, "pending",
** "approved", "refused". Static storage. */
const char *garant_approval_name(garant_approval a);
/* 1 and *out for one of those names, else 0 (*out unchanged). */
int garant_approval_parse(garant_approval *out, const char *name);

/* Which tickets of an organization its members see (issue 15): all of
** them, or each member only those she requested. Its managers see all. */
#define GARANT_VISIBILITY_ORG "organization"
#define GARANT_VISIBILITY_OWN "own"

typedef struct garant_org {
    int64_t id;
    char name[GARANT_MAX_NAME + 1];
    char plan[GARANT_MAX_KEY + 1]; /* a plan of the policy: "professional" */
    int64_t created_at;
    char ticket_visibility[16]; /* GARANT_VISIBILITY_ORG or _OWN */
    int approval_required; /* 1: a member joining by her address's domain
                          ** waits for a manager (garant_approval) */
} garant_org;

typedef struct garant_user {
    int64_t id;
    char email[GARANT_MAX_EMAIL + 1]; /* lower-cased */
    char name[GARANT_MAX_NAME + 1];
    garant_role role;
    int64_t org_id;       /* customers only; 0 for staff */
    char password_hash[128]; /* crypto_pwhash_str output */
    int64_t verified_at;  /* 0 until the address is proven */
    int64_t created_at;
    int64_t deactivated_at; /* 0 while the user may sign in */
    int org_manager;      /* 1: a customer who sees all of her organization's
                          ** tickets and decides on its pending members */
    garant_approval approval; /* customers of an organization that approves
                          ** its members; NONE otherwise */
    char language[8];     /* "en", "ro": their mails and, unless a request
                          ** asks for another, the API's messages to them */
} garant_user;

/* A sign-up waiting for its address to be confirmed: not a user yet. Each
** sign-up has its own link and its own password, so whoever opens a link
** from the mailbox sets the password of the sign-up that sent it. */
typedef struct garant_signup {
    int64_t id;
    char email[GARANT_MAX_EMAIL + 1]; /* lower-cased */
    char name[GARANT_MAX_NAME + 1];
    char password_hash[128];
    int64_t created_at;   /* UTC epoch seconds */
    int64_t expires_at;   /* the link is dead from this instant on */
} garant_signup;

typedef struct garant_session {
    int64_t id;
    int64_t user_id;
    uint8_t token_hash[32];
    char csrf[65];        /* hex, sent back in X-CSRF-Token with cookie auth */
    int64_t created_at;
    int64_t expires_at;
} garant_session;

typedef struct garant_product {
    int64_t id;
    char name[GARANT_MAX_NAME + 1];
    char stage[GARANT_MAX_KEY + 1]; /* ga, beta, preview */
    int64_t created_at;
} garant_product;

/* Longest e-mail domain (RFC 1035), lower-case. */
#define GARANT_MAX_DOMAIN 253
typedef char garant_domain[GARANT_MAX_DOMAIN + 1];

/* One organization of org_list, with its e-mail domains. */
typedef struct garant_org_entry {
    garant_org org;
    int64_t deactivated_at;        /* UTC epoch seconds; 0 while active */
    const garant_domain *domains;  /* its domains by name; borrowed from the list */
    size_t ndomains;
} garant_org_entry;

/* org_list's answer. Caller owns; free with garant_org_list_free. */
typedef struct garant_org_list {
    garant_org_entry *orgs;        /* by id; NULL when n is 0 */
    size_t n;
    garant_domain *domains;        /* every organization's, each one's together */
    size_t ndomains;
} garant_org_list;

/* Free l's arrays and empty it; NULL or an empty list does nothing. */
void garant_org_list_free(garant_org_list *l);

/* One user of user_list: never a password hash (password_hash and
** language are left empty). */
typedef struct garant_user_row {
    garant_user user;
    char org_name[GARANT_MAX_NAME + 1]; /* her organization's; "" for staff */
} garant_user_row;

/* Most users one user_list call returns (its filter's limit). */
#define GARANT_MAX_USER_PAGE 200

/* Longest search text of a user list (bytes). */
#define GARANT_MAX_USER_QUERY 100

/* Filters of user_list; zero/empty fields do not filter. */
typedef struct garant_user_filter {
    char role[16];            /* "customer", "agent" or "admin" */
    int64_t org_id;
    char q[GARANT_MAX_USER_QUERY + 1]; /* a part of the e-mail or the name; ASCII letters in any case */
    int64_t after_id;         /* keyset pagination: ids below this (newest first) */
    int limit;                /* 1..GARANT_MAX_USER_PAGE */
    garant_approval approval; /* only users in this state; NONE: any */
} garant_user_filter;

/* Kinds of single-use token. */
typedef enum garant_token_kind {
    GARANT_TOKEN_VERIFY = 0,
    GARANT_TOKEN_RESET = 1,
    GARANT_TOKEN_UNLOCK = 2 /* lifts a locked login (desk_unlock.h) */
} garant_token_kind;

typedef struct garant_store_accounts_ops {
    /* Organizations. insert sets io->id; GARANT_ECONFLICT if the name exists. */
    int (*org_insert)(garant_store_conn *c, garant_org *io);
    int (*org_get)(garant_store_conn *c, int64_t id, garant_org *out);          /* ENOTFOUND */
    int (*org_set_plan)(garant_store_conn *c, int64_t id, const char *plan);
    int (*org_set_name)(garant_store_conn *c, int64_t id, const char *name); /* ENOTFOUND, ECONFLICT */
    /* Delete an organization and its domains. ECONFLICT, saying which,
    ** while it has tickets or users; ENOTFOUND if there is none. */
    int (*org_delete)(garant_store_conn *c, int64_t id);
    /* All organizations by id, each with its domains and when it was
    ** deactivated. Caller owns *out; free with garant_org_list_free (also
    ** on failure, which leaves it empty). */
    int (*org_list)(garant_store_conn *c, garant_org_list *out);
    /* Domains are lower-case and unique across organizations (ECONFLICT). */
    int (*domain_add)(garant_store_conn *c, int64_t org_id, const char *domain);
    int (*domain_org)(garant_store_conn *c, const char *domain, int64_t *out_org_id); /* ENOTFOUND */

    /* Users. insert sets io->id; ECONFLICT if the e-mail exists. */
    int (*user_insert)(garant_store_conn *c, garant_user *io);
    int (*user_get)(garant_store_conn *c, int64_t id, garant_user *out);        /* ENOTFOUND */
    int (*user_by_email)(garant_store_conn *c, const char *email, garant_user *out); /* ENOTFOUND */
    int (*user_set_password)(garant_store_conn *c, int64_t id, const char *hash);
    int (*user_set_verified)(garant_store_conn *c, int64_t id, int64_t at);
    /* Deactivate (at > 0, UTC epoch seconds) or reactivate (0) a user. */
    int (*user_set_deactivated)(garant_store_conn *c, int64_t id, int64_t at); /* ENOTFOUND */
    /* Delete a user with no history, with their sessions and tokens.
    ** ECONFLICT while tickets, replies, ticket events or policy versions
    ** name them (deactivate those instead); ENOTFOUND if there is none. */
    int (*user_delete)(garant_store_conn *c, int64_t id);
    /* Users matching the filter, newest first, at most f->limit, with
    ** their organization's name: never a password hash. Caller owns *out
    ** (NULL when *out_n is 0); free with free(). */
    int (*user_list)(garant_store_conn *c, const garant_user_filter *f, garant_user_row **out, size_t *out_n);

    /* Single-use tokens: consume marks the token used and yields its user;
    ** ENOTFOUND if unknown, used already, or expired at now. */
    int (*token_insert)(garant_store_conn *c, garant_token_kind kind, int64_t user_id,
                        const uint8_t hash[32], int64_t expires_at);
    int (*token_consume)(garant_store_conn *c, garant_token_kind kind, const uint8_t hash[32],
                         int64_t now, int64_t *out_user_id);

    /* Pending sign-ups. insert keeps io (sets io->id) under the SHA-256
    ** of its link's token, and drops sign-ups whose link expired at
    ** io->created_at. take finds the sign-up of a link alive at now and
    ** deletes it with every other sign-up of its address, so no other link
    ** of the address works after one was used; ENOTFOUND if unknown or
    ** expired. latest is the newest live sign-up of an address
    ** (ENOTFOUND). */
    int (*signup_insert)(garant_store_conn *c, garant_signup *io, const uint8_t token_hash[32]);
    int (*signup_take)(garant_store_conn *c, const uint8_t token_hash[32], int64_t now, garant_signup *out);
    int (*signup_latest)(garant_store_conn *c, const char *email, int64_t now, garant_signup *out);

    /* Sessions. get is ENOTFOUND if unknown, revoked or expired at now. */
    int (*session_insert)(garant_store_conn *c, garant_session *io);
    int (*session_get)(garant_store_conn *c, const uint8_t hash[32], int64_t now, garant_session *out);
    int (*session_revoke)(garant_store_conn *c, const uint8_t hash[32], int64_t now);
    int (*session_revoke_user)(garant_store_conn *c, int64_t user_id, int64_t now);

    /* Login throttling: failures counted per key ("login:x|ip", "ip:y") in a
    ** sliding window. record adds a failure at now and returns how many fall
    ** within [now - window_s, now]; count only reads; clear forgets the key. */
    int (*throttle_record)(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count);
    int (*throttle_count)(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count);
    int (*throttle_clear)(garant_store_conn *c, const char *key);
    /* count's answer and the instant of the newest failure in the window
    ** (0 if none), for back-off that grows with each failure. */
    int (*throttle_recent)(garant_store_conn *c, const char *key, int64_t now, int64_t window_s, int *out_count,
                           int64_t *out_last_at);
    /* Forget every key that starts with prefix ("login:ADDR|": an account's
    ** failures from every client address). */
    int (*throttle_clear_prefix)(garant_store_conn *c, const char *prefix);

    /* Products. insert sets io->id; ECONFLICT if the name exists. */
    int (*product_insert)(garant_store_conn *c, garant_product *io);
    int (*product_by_name)(garant_store_conn *c, const char *name, garant_product *out); /* ENOTFOUND */
    /* Every product, by name. Caller owns *out (NULL when *out_n is 0);
    ** free with free(). */
    int (*product_list)(garant_store_conn *c, garant_product **out, size_t *out_n);
} garant_store_accounts_ops;

#endif
