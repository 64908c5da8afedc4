/*
** policies.c - the policy holder (policies.h).
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "loader.h"
#include "log.h"
#include "policies.h"

/* A compiled policy version, kept until shutdown: tickets filed under it
** are counted under it for as long as they live. */
typedef struct policy_node {
    garant_policy *pol;
    int64_t version;           /* policies.id; 0 if not (yet) saved */
    struct policy_node *next;
} policy_node;

struct desk_policies {
    pthread_mutex_t policy_mu;
    garant_policy *policy;      /* current: new tickets are filed under it */
    int64_t policy_version;     /* its version */
    policy_node *versions;      /* every version compiled so far, current
                                ** included (owns them) */
    const char *config_path;    /* --config, or NULL; borrowed */
    char *config_dir;           /* folder of --config, for files it names */
};

/* n bytes of s as a string. Caller owns; free with free(). */
static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

const garant_policy *desk_policies_current(desk_policies *hp, int64_t *out_version)
{
    pthread_mutex_lock(&hp->policy_mu);
    const garant_policy *p = hp->policy;
    if (out_version) *out_version = hp->policy_version;
    pthread_mutex_unlock(&hp->policy_mu);
    return p;
}

/* The compiled version, or NULL; under policy_mu. */
static const garant_policy *find_version(desk_policies *hp, int64_t version)
{
    for (policy_node *n = hp->versions; n; n = n->next)
        if (n->version == version) return n->pol;
    return NULL;
}

/* Keep pol as version; under policy_mu. Takes ownership of pol (freed on
** GARANT_ENOMEM). */
static int keep_version(desk_policies *hp, garant_policy *pol, int64_t version)
{
    policy_node *n = malloc(sizeof *n);
    if (!n) {
        garant_policy_free(pol);
        return garant__error(GARANT_ENOMEM, "out of memory keeping policy version %lld", (long long)version);
    }
    n->pol = pol;
    n->version = version;
    n->next = hp->versions;
    hp->versions = n;
    return 0;
}

int desk_policies_compile(garant_policy **out, garant_diags **out_diags, desk_policies *hp, const char *yaml)
{
    garant_io_ctx io = {hp->config_dir, NULL};
    return garant_config_load(out, out_diags, yaml, strlen(yaml), garant_io_resource, &io);
}

int desk_policies_version(const garant_policy **out, desk_policies *hp, garant_store_conn *c, int64_t version)
{
    pthread_mutex_lock(&hp->policy_mu);
    *out = version == 0 || version == hp->policy_version ? hp->policy : find_version(hp, version);
    pthread_mutex_unlock(&hp->policy_mu);
    if (*out) return 0;
    garant_policy_version v;
    garant_policy *pol = NULL;
    int rc = GS(c)->sla->policy_get(c, version, &v);
    if (rc) goto fail;
    rc = desk_policies_compile(&pol, NULL, hp, v.yaml);
    free(v.yaml);
    if (rc) goto fail;
    pthread_mutex_lock(&hp->policy_mu);
    /* Another thread may have compiled it meanwhile: keep one. */
    const garant_policy *had = find_version(hp, version);
    if (had) {
        garant_policy_free(pol);
        *out = had;
    } else if ((rc = keep_version(hp, pol, version)) == 0) {
        *out = pol;
    }
    pthread_mutex_unlock(&hp->policy_mu);
    return rc;
fail:
    return garant__error(rc, "policy version %lld: %s", (long long)version, garant_error_last());
}

int desk_policies_swap(desk_policies *hp, garant_policy *pol, int64_t version)
{
    pthread_mutex_lock(&hp->policy_mu);
    const garant_policy *had = find_version(hp, version);
    int rc = 0;
    if (had) {
        /* Restoring a version compiled before: use that one. */
        garant_policy_free(pol);
        pol = (garant_policy *)had;
    } else {
        rc = keep_version(hp, pol, version);
    }
    if (!rc) {
        hp->policy = pol;
        hp->policy_version = version;
    }
    pthread_mutex_unlock(&hp->policy_mu);
    return rc;
}
/* The policy in force at start (docs/SLA.md, "The terms a ticket was
** filed under"). The first start on a database saves the configured policy
** (--config, else the built-in one) as version 1 and files the tickets that
** predate versions under it. Later starts use the newest saved version; a
** changed --config is saved as a new version only while the newest one
** also came from the configuration (an admin's save rules after it). */
int desk_policies_load(desk_policies *hp, garant_store *store, int64_t now)
{
    char *config = NULL;
    if (hp->config_path) {
        uint8_t *data;
        size_t len;
        int rc = garant_io_read_file(&data, &len, hp->config_path, GARANT_IO_MAX_FILE);
        if (rc) {
            fprintf(stderr, "garant: %s: %s\n", hp->config_path, garant_error_last());
            return rc;
        }
        config = dup_n((const char *)data, len);
        free(data);
    } else {
        size_t len;
        const char *text = garant_io_default_config(&len);
        config = dup_n(text, len);
    }
    if (!config) return garant__error(GARANT_ENOMEM, "out of memory");
    const garant_store_ops *ops = garant_store_ops_of(store);
    garant_store_conn *w = ops->writer(store);
    garant_policy_version latest = {0};
    garant_diags *diags = NULL;
    garant_policy *pol = NULL;
    const char *yaml = NULL;
    int64_t version = 0;
    int rc = ops->begin_write(w);
    if (rc) goto unreadable;
    rc = ops->sla->policy_latest(w, &latest);
    int first = rc == GARANT_ENOTFOUND;
    if (rc && !first) goto rollback;
    if (first || (latest.by_user == 0 && strcmp(latest.yaml, config) != 0)) {
        if ((rc = ops->sla->policy_insert(w, config, now, 0, &version))) goto rollback;
        if (first && (rc = ops->sla->policy_adopt(w, version))) goto rollback;
        if (!first)
            fprintf(stderr, "garant: the configured policy changed: saved as version %lld; open tickets keep the "
                            "version they were filed under\n", (long long)version);
        yaml = config;
    } else {
        if (hp->config_path && strcmp(latest.yaml, config) != 0)
            fprintf(stderr, "garant: %s differs from the policy an admin saved (version %lld), which stays in "
                            "force; change it with PUT /api/v1/policy\n", hp->config_path,
                    (long long)latest.version);
        yaml = latest.yaml;
        version = latest.version;
    }
    if ((rc = ops->commit(w))) goto unreadable;
    rc = desk_policies_compile(&pol, &diags, hp, yaml);
    if (rc) desk_log("policy version %lld does not load: %s", (long long)version, garant_error_last());
    for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
        const garant_diag *d = garant_diags_get(diags, i);
        desk_log("policy:%d:%d: %s", d->line, d->column, d->message);
    }
    if (!rc) rc = desk_policies_swap(hp, pol, version);
    goto out;
rollback:
    ops->rollback(w);
unreadable:
    desk_log("cannot read or save the policy: %s", garant_error_last());
out:
    garant_diags_free(diags);
    free(latest.yaml);
    free(config);
    return rc;
}


int desk_policies_new(desk_policies **out, const char *config_path)
{
    *out = NULL;
    desk_policies *hp = calloc(1, sizeof *hp);
    if (!hp) return garant__error(GARANT_ENOMEM, "out of memory");
    pthread_mutex_init(&hp->policy_mu, NULL);
    hp->config_path = config_path;
    const char *slash = config_path ? strrchr(config_path, '/') : NULL;
    size_t n = slash ? (size_t)(slash - config_path) : 0;
    if (slash && !(hp->config_dir = dup_n(config_path, n ? n : 1))) {
        desk_policies_free(hp);
        return garant__error(GARANT_ENOMEM, "out of memory");
    }
    *out = hp;
    return 0;
}

void desk_policies_free(desk_policies *hp)
{
    if (!hp) return;
    for (policy_node *n = hp->versions, *next; n; n = next) {
        next = n->next;
        garant_policy_free(n->pol);
        free(n);
    }
    pthread_mutex_destroy(&hp->policy_mu);
    free(hp->config_dir);
    free(hp);
}
