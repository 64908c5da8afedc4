/*
** policy_ops.c - saving the SLA policy and changing a product's stage
** (desk_policy.h): the rules that PUT /api/v1/policy and PATCH
** /api/v1/products/{id} apply, for every door.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"
#include "desk_policy.h"
#include "log.h"

/* 1 if pol has a plan (stages 0) or a stage (stages 1) named name. */
static int policy_has(const garant_policy *pol, const char *name, int stages)
{
    size_t n = stages ? garant_policy_stage_count(pol) : garant_policy_plan_count(pol);
    for (size_t k = 0; k < n; k++)
        if (!strcmp(stages ? garant_policy_stage_name(pol, k) : garant_policy_plan_name(pol, k), name)) return 1;
    return 0;
}

/* The new policy must still know every plan an organization is on and
** every stage a product is in, or new tickets could not be filed. */
static int check_accounts(garant_store_conn *w, const garant_policy *pol)
{
    garant_org_list orgs;
    garant_product *products = NULL;
    size_t nproducts = 0;
    int rc = GS(w)->accounts->org_list(w, &orgs);
    if (rc) return rc;
    if ((rc = GS(w)->accounts->product_list(w, &products, &nproducts))) goto out;
    for (size_t i = 0; i < orgs.n; i++) {
        const garant_org *o = &orgs.orgs[i].org;
        if (!policy_has(pol, o->plan, 0)) {
            rc = garant__error(GARANT_EINVAL,
                               "organization '%.200s' is on plan '%.64s', which the new policy does not have: "
                               "move it to another plan first",
                               o->name, o->plan);
            goto out;
        }
    }
    for (size_t i = 0; i < nproducts; i++) {
        if (!policy_has(pol, products[i].stage, 1)) {
            rc = garant__error(GARANT_EINVAL,
                               "product '%.200s' is in stage '%.64s', which the new policy does not have",
                               products[i].name, products[i].stage);
            goto out;
        }
    }
out:
    free(products);
    garant_org_list_free(&orgs);
    return rc;
}

/* Put pol in force as version, inside the writer: the writes queued
** behind this one in the same transaction (tickets being filed) take it.
** Takes ownership of *pol (set to NULL). */
static int swap_in(garant_desk *d, garant_policy **pol, int64_t version, int *swapped)
{
    garant_policy *p = *pol;
    *pol = NULL;
    int rc = desk_policy_swap(d, p, version);
    if (!rc) *swapped = 1;
    return rc;
}

/* After a swap whose transaction did not commit: put back the newest
** version saved, so the desk acts on what the database says. */
static void restore_policy(garant_desk *d)
{
    garant_store *store = desk_store(d);
    const garant_store_ops *ops = garant_store_ops_of(store);
    garant_store_conn *c;
    if (ops->acquire(&c, store) != 0) return;
    garant_policy_version v;
    garant_policy *pol = NULL;
    int rc = ops->sla->policy_latest(c, &v);
    ops->release(c);
    if (rc) goto out;
    if ((rc = desk_policy_compile(&pol, NULL, d, v.yaml))) goto out;
    rc = desk_policy_swap(d, pol, v.version);
out:
    free(v.yaml);
    if (rc) desk_log("the saved policy could not be restored: %s", garant_error_last());
}

/* The end of a write that may have swapped the policy: on failure the
** saved one is put back, and rc's message kept. Frees pol (NULL once
** swapped). */
static int settle(garant_desk *d, int rc, int swapped, garant_policy *pol)
{
    garant_policy_free(pol);
    if (!rc) return 0;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", garant_error_last());
    if (swapped) restore_policy(d);
    return garant__error(rc, "%s", msg);
}

/* ---- saving a policy ----------------------------------------------------- */

typedef struct save_job {
    garant_desk *d;
    garant_policy *pol;        /* the new policy; NULL once swapped */
    const char *yaml;
    desk_policy_by by;
    int64_t version;           /* out: its number */
    int swapped;
} save_job;

static int save_write(garant_store_conn *w, void *ctx)
{
    save_job *j = ctx;
    int rc = check_accounts(w, j->pol);
    if (rc) return rc;
    if ((rc = GS(w)->sla->policy_insert(w, j->yaml, j->by.now, j->by.user_id, &j->version))) return rc;
    return swap_in(j->d, &j->pol, j->version, &j->swapped);
}

int desk_policy_save(int64_t *out_version, garant_desk *d, garant_policy *pol, const char *yaml,
                     const desk_policy_by *by)
{
    *out_version = 0;
    save_job j = {d, pol, yaml, *by, 0, 0};
    int rc = desk_write(d, save_write, &j, DESK_WRITE_SAVEPOINT);
    if ((rc = settle(d, rc, j.swapped, j.pol))) return rc;
    *out_version = j.version;
    return 0;
}

/* ---- a product's stage ----------------------------------------------------- */

typedef struct stage_job {
    garant_desk *d;
    int64_t product_id;
    const char *stage;
    int64_t base_version;      /* the version in force whose YAML is saved again */
    const char *yaml;
    garant_policy *pol;        /* compiled from it; NULL once swapped */
    desk_policy_by by;
    desk_stage_change *out;
    int swapped;
} stage_job;

static int stage_write(garant_store_conn *w, void *ctx)
{
    stage_job *j = ctx;
    desk_stage_change *out = j->out;
    int rc = GS(w)->admin->product_get(w, j->product_id, &out->product);
    if (rc) return rc;
    snprintf(out->old_stage, sizeof out->old_stage, "%s", out->product.stage);
    if (!strcmp(out->product.stage, j->stage)) return 0;
    garant_policy_version latest;
    if ((rc = GS(w)->sla->policy_latest(w, &latest))) return rc;
    free(latest.yaml);
    if (latest.version != j->base_version)
        return garant__error(GARANT_ECONFLICT, "the policy changed (version %lld) while the stage was being changed: "
                             "try again", (long long)latest.version);
    desk_admin_by audit_by = {j->by.user_id, j->by.now};
    if ((rc = GS(w)->sla->policy_insert(w, j->yaml, j->by.now, j->by.user_id, &out->version))) return rc;
    if ((rc = GS(w)->admin->product_set_stage(w, j->product_id, j->stage))) return rc;
    if ((rc = desk_admin_audit(w, &audit_by, "product_stage", j->product_id, out->product.stage, j->stage,
                               out->version)))
        return rc;
    snprintf(out->product.stage, sizeof out->product.stage, "%s", j->stage);
    /* Swap inside the writer, as save_write does: tickets filed in the
    ** same transaction after this take the new version and stage. */
    return swap_in(j->d, &j->pol, out->version, &j->swapped);
}

int desk_product_stage(desk_stage_change *out, garant_desk *d, garant_store_conn *c, int64_t product_id,
                       const char *stage, const desk_policy_by *by)
{
    memset(out, 0, sizeof *out);
    stage_job j = {.d = d, .product_id = product_id, .stage = stage, .by = *by, .out = out};
    const garant_policy *now_pol = desk_policy_current(d, &j.base_version);
    if (!policy_has(now_pol, stage, 1)) {
        char names[256];
        return garant__error(GARANT_EINVAL, "'stage': '%.64s' is not a product stage of the policy (stages: %s)",
                             stage, garant_policy_names(names, sizeof names, now_pol, GARANT_NAMES_STAGES));
    }
    garant_policy_version saved;
    int rc = GS(c)->sla->policy_get(c, j.base_version, &saved);
    if (rc) return rc;
    j.yaml = saved.yaml;
    rc = desk_policy_compile(&j.pol, NULL, d, saved.yaml);
    if (!rc) rc = desk_write(d, stage_write, &j, DESK_WRITE_SAVEPOINT);
    rc = settle(d, rc, j.swapped, j.pol);
    free(saved.yaml);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
