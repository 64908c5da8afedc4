/*
** routes_admin.c - what admins manage besides the policy: organizations
** (name, support plan, e-mail domains) and products (name, stage); and the
** list of users, which agents may read too (they see every ticket and its
** requester already). The list shows who a user is, their role and
** organization and whether the address is confirmed: never a password
** hash or a token, whoever asks.
**
** An organization's plan must be a plan of the policy in force, a
** product's stage a stage of it. Domains are lower-cased and belong to at
** most one organization (409 otherwise); free-mail domains are refused,
** since everyone at gmail.com would otherwise join that organization.
** A plan change applies to tickets submitted after it: a ticket keeps the
** plan it was submitted under, so nothing else changes here. Who of an
** organization sees which tickets, whether its new members wait for a
** manager's approval, and who its managers are, are set here too
** (admin_ops.h, desk_members.h); so are an admin's decisions on pending
** members of any organization.
**
** Writes go through http_write; reads use the request's read connection.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "accounts.h"
#include "admin_ops.h"
#include "desk_members.h"

/* Most domains one request may name. */
#define MAX_DOMAINS_PER_REQUEST 100
/* Pages of the user list, as of the ticket list. */
#define PAGE_DEFAULT 50
#define PAGE_MAX 200

/* ---- shared helpers (accounts.h) ------------------------------------- */

int http_name_check(const char *name, size_t max, const char *what)
{
    size_t n = strlen(name);
    if (n == 0) return garant__error(GARANT_EINVAL, "'%s' is empty", what);
    if (n > max) return garant__error(GARANT_EINVAL, "'%s' is longer than %zu bytes", what, max);
    int visible = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return garant__error(GARANT_EINVAL, "'%s' contains a control character (tab, line break...)", what);
        visible = visible || c != ' ';
    }
    if (!visible) return garant__error(GARANT_EINVAL, "'%s' is only spaces", what);
    return 0;
}

json_t *http_org_json(const garant_org_entry *e)
{
    json_t *domains = json_array();
    for (size_t i = 0; domains && i < e->ndomains; i++) {
        if (json_array_append_new(domains, json_string(e->domains[i]))) {
            json_decref(domains);
            domains = NULL;
        }
    }
    char at[GARANT_RFC3339_UTC_LEN];
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:o,s:b}", "id", (json_int_t)e->org.id, "name", e->org.name, "plan",
                     e->org.plan, "created_at", garant_time_format_utc(at, e->org.created_at), "ticket_visibility",
                     e->org.ticket_visibility, "approval_required", e->org.approval_required != 0, "domains",
                     domains, "active", e->deactivated_at == 0);
}

json_t *http_product_json(const garant_product *p)
{
    char at[GARANT_RFC3339_UTC_LEN];
    return json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)p->id, "name", p->name, "stage", p->stage, "created_at",
                     garant_time_format_utc(at, p->created_at));
}

int http_json_array(json_t **out, const void *rows, size_t n, size_t size, json_t *(*one)(const void *row))
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, one((const char *)rows + i * size))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *out = arr;
    return arr ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
}

/* ---- checks ---------------------------------------------------------- */

/* The names a policy lists (its plans, its stages) and the field that
** names one. */
typedef struct name_list {
    size_t (*count)(const garant_policy *pol);
    const char *(*name)(const garant_policy *pol, size_t i);
    const char *field; /* "plan" */
} name_list;

static const name_list plans = {garant_policy_plan_count, garant_policy_plan_name, "plan"};
static const name_list stages = {garant_policy_stage_count, garant_policy_stage_name, "stage"};

/* 0 if value is one of the list's names in the policy in force, else
** GARANT_EINVAL naming them all. */
static int check_listed(http_req *r, const name_list *l, const char *value)
{
    const garant_policy *pol = http_policy(r);
    size_t n = l->count(pol);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l->name(pol, i), value)) return 0;
    char known[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof known; i++) {
        int w = snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", l->name(pol, i));
        if (w < 0) break;
        len += (size_t)w;
    }
    if (l == &plans)
        return garant__error(GARANT_EINVAL, "'%s': '%.64s' is not a plan of the policy (plans: %s)", l->field, value,
                             known);
    return garant__error(GARANT_EINVAL, "'%s': '%.64s' is not a product stage of the policy (stages: %s)", l->field,
                         value, known);
}

/* Normalize the domains of a JSON array into *out (lower-case, checked,
** duplicates dropped, no free-mail provider). Caller owns *out; free(). */
static int read_domains(http_req *r, json_t *arr, const char *field, garant_domain **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    size_t n = json_array_size(arr);
    if (n > MAX_DOMAINS_PER_REQUEST)
        return garant__error(GARANT_EINVAL, "'%s' has more than %d domains", field, MAX_DOMAINS_PER_REQUEST);
    if (n == 0) return 0;
    garant_domain *d = calloc(n, sizeof *d);
    if (!d) return garant__error(GARANT_ENOMEM, "out of memory");
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char what[48];
        snprintf(what, sizeof what, "'%s'[%zu]", field, i);
        if ((rc = desk_domain_normalize(d[kept], sizeof d[kept], json_string_value(json_array_get(arr, i)), what)))
            goto fail;
        const char *free_part = desk_freemail_match(r->desk, d[kept]);
        if (free_part) {
            rc = garant__error(GARANT_EINVAL, "%s: %s is a free mail provider; an organization's domains must be its own",
                               what, free_part);
            goto fail;
        }
        int dup = 0;
        for (size_t k = 0; k < kept && !dup; k++) dup = !strcmp(d[k], d[kept]);
        if (!dup) kept++;
    }
    *out = d;
    *out_n = kept;
    return 0;
fail:
    free(d);
    return rc;
}

static json_t *org_json_of(const void *row) { return http_org_json(row); }

/* One organization as http_org_json shows it, read on the request's
** connection. Caller owns *out. */
static int org_json(http_req *r, int64_t id, json_t **out)
{
    const garant_store_ops *ops = GS(r->db);
    garant_org_list all;
    int rc = ops->begin_read(r->db);
    if (!rc) rc = ops->accounts->org_list(r->db, &all);
    ops->rollback(r->db);
    if (rc) return rc;
    rc = garant__error(GARANT_ENOTFOUND, "organization %lld not found", (long long)id);
    for (size_t i = 0; i < all.n; i++) {
        if (all.orgs[i].org.id != id) continue;
        *out = http_org_json(&all.orgs[i]);
        rc = *out ? 0 : garant__error(GARANT_ENOMEM, "out of memory");
        break;
    }
    garant_org_list_free(&all);
    return rc;
}

/* ---- organizations --------------------------------------------------- */

typedef struct org_job {
    garant_org org;         /* create: name, plan, created_at; update: id */
    desk_org_change ch;     /* update */
    garant_domain *domains; /* to add */
    size_t ndomains;
    desk_admin_by by;       /* update: who, when */
    int64_t users_changed;  /* update: users deactivated or back with it */
} org_job;

static int org_create_write(garant_store_conn *w, void *arg)
{
    org_job *j = arg;
    return desk_admin_org_create(&j->org, w, j->domains, j->ndomains);
}

static const http_field org_create_body[] = {
    {"name", HTTP_F_STRING, 1, GARANT_MAX_NAME},
    {"domains", HTTP_F_ARRAY, 0, MAX_DOMAINS_PER_REQUEST},
    {"plan", HTTP_F_STRING, 1, GARANT_MAX_KEY},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/orgs {name, domains?, plan} */
static int org_create(http_req *r)
{
    json_t *v[3];
    int rc = http_body_fields(r, org_create_body, v);
    if (rc) return rc;
    const char *name = json_string_value(v[0]), *plan = json_string_value(v[2]);
    if ((rc = http_name_check(name, GARANT_MAX_NAME, "name"))) return rc;
    if ((rc = check_listed(r, &plans, plan))) return rc;
    org_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.org.name, sizeof j.org.name, "%s", name);
    snprintf(j.org.plan, sizeof j.org.plan, "%s", plan);
    j.org.created_at = r->now;
    snprintf(j.org.ticket_visibility, sizeof j.org.ticket_visibility, "%s", GARANT_VISIBILITY_ORG);
    if (v[1] && (rc = read_domains(r, v[1], "domains", &j.domains, &j.ndomains))) return rc;
    if ((rc = http_write(r->srv, org_create_write, &j))) goto out;
    garant_org_entry e = {j.org, 0, j.domains, j.ndomains};
    json_t *o = http_org_json(&e);
    if (!o) {
        rc = garant__error(GARANT_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(r->location, sizeof r->location, "/api/v1/orgs/%lld", (long long)j.org.id);
    rc = http_reply(r, 201, o);
out:
    free(j.domains);
    return rc;
}

/* GET /api/v1/orgs */
static int org_list(http_req *r)
{
    const garant_store_ops *ops = GS(r->db);
    garant_org_list all;
    json_t *orgs = NULL;
    int rc = ops->begin_read(r->db);
    if (!rc) rc = ops->accounts->org_list(r->db, &all);
    ops->rollback(r->db);
    if (rc) return rc;
    rc = http_json_array(&orgs, all.orgs, all.n, sizeof *all.orgs, org_json_of);
    garant_org_list_free(&all);
    if (rc) return rc;
    return http_reply(r, 200, json_pack("{s:o}", "orgs", orgs));
}

/* GET /api/v1/orgs/{id} */
static int org_get(http_req *r)
{
    json_t *o = NULL;
    int rc = org_json(r, r->id, &o);
    if (rc) return rc;
    return http_reply(r, 200, o);
}

static int org_update_write(garant_store_conn *w, void *arg)
{
    org_job *j = arg;
    j->ch.domains = j->domains;
    j->ch.ndomains = j->ndomains;
    return desk_admin_org_update(&j->users_changed, w, &j->by, j->org.id, &j->ch);
}

static const http_field org_update_body[] = {
    {"plan", HTTP_F_STRING, 0, GARANT_MAX_KEY},
    {"domains_add", HTTP_F_ARRAY, 0, MAX_DOMAINS_PER_REQUEST},
    {"name", HTTP_F_STRING, 0, GARANT_MAX_NAME},
    {"active", HTTP_F_BOOL, 0, 0},
    {"ticket_visibility", HTTP_F_STRING, 0, 15},
    {"approval_required", HTTP_F_BOOL, 0, 0},
    {NULL, 0, 0, 0},
};

/* PATCH /api/v1/orgs/{id} {name?, plan?, domains_add?, active?,
** ticket_visibility?, approval_required?}: active false deactivates the
** organization with its users (admin_ops.h); ticket_visibility
** "organization" or "own" says which tickets its members see;
** approval_required makes members joining from now on wait for a
** manager (desk_members.h). */
static int org_update(http_req *r)
{
    json_t *v[6];
    int rc = http_body_fields(r, org_update_body, v);
    if (rc) return rc;
    if (!v[0] && !v[1] && !v[2] && !v[3] && !v[4] && !v[5])
        return garant__error(GARANT_EINVAL, "nothing to change: give 'name', 'plan', 'domains_add', 'active', "
                                            "'ticket_visibility' or 'approval_required'");
    org_job j;
    memset(&j, 0, sizeof j);
    j.org.id = r->id;
    j.ch.active = v[3] ? json_is_true(v[3]) : -1;
    j.ch.approval = v[5] ? json_is_true(v[5]) : -1;
    if (v[4]) {
        j.ch.visibility = json_string_value(v[4]);
        if (strcmp(j.ch.visibility, GARANT_VISIBILITY_ORG) != 0 && strcmp(j.ch.visibility, GARANT_VISIBILITY_OWN) != 0)
            return garant__error(GARANT_EINVAL, "'ticket_visibility' must be \"%s\" (members see every ticket of the "
                                                "organization) or \"%s\" (each member her own)",
                                 GARANT_VISIBILITY_ORG, GARANT_VISIBILITY_OWN);
    }
    j.by = (desk_admin_by){r->user.id, r->now};
    if (v[2]) {
        j.ch.name = json_string_value(v[2]);
        if ((rc = http_name_check(j.ch.name, GARANT_MAX_NAME, "name"))) return rc;
    }
    if (v[0]) {
        j.ch.plan = json_string_value(v[0]);
        if ((rc = check_listed(r, &plans, j.ch.plan))) return rc;
    }
    if (v[1] && (rc = read_domains(r, v[1], "domains_add", &j.domains, &j.ndomains))) return rc;
    rc = http_write(r->srv, org_update_write, &j);
    free(j.domains);
    if (rc) return rc;
    /* Its users' cached sessions end with them. */
    if (j.users_changed) desk_forget_all_sessions(http_desk(r->srv));
    json_t *o = NULL;
    if ((rc = org_json(r, r->id, &o))) return rc;
    return http_reply(r, 200, o);
}

static int org_delete_write(garant_store_conn *w, void *arg)
{
    const org_job *j = arg;
    return desk_admin_org_delete(w, &j->by, j->org.id);
}

/* DELETE /api/v1/orgs/{id}: only an organization without tickets or users
** (a mistyped one, one whose sign-ups never came): tickets keep their
** organization for as long as they live. Its domains are free again. */
static int org_delete(http_req *r)
{
    org_job j;
    memset(&j, 0, sizeof j);
    j.org.id = r->id;
    j.by = (desk_admin_by){r->user.id, r->now};
    int rc = http_write(r->srv, org_delete_write, &j);
    if (rc) return rc;
    return http_reply(r, 204, NULL);
}

/* ---- products -------------------------------------------------------- */

static int product_create_write(garant_store_conn *w, void *arg) { return desk_admin_product_create(arg, w); }

static const http_field product_create_body[] = {
    {"name", HTTP_F_STRING, 1, GARANT_MAX_NAME},
    {"stage", HTTP_F_STRING, 1, GARANT_MAX_KEY},
    {NULL, 0, 0, 0},
};

/* POST /api/v1/products {name, stage} */
static int product_create(http_req *r)
{
    json_t *v[2];
    int rc = http_body_fields(r, product_create_body, v);
    if (rc) return rc;
    const char *name = json_string_value(v[0]), *stage = json_string_value(v[1]);
    if ((rc = http_name_check(name, GARANT_MAX_NAME, "name"))) return rc;
    if ((rc = check_listed(r, &stages, stage))) return rc;
    garant_product p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.stage, sizeof p.stage, "%s", stage);
    p.created_at = r->now;
    if ((rc = http_write(r->srv, product_create_write, &p))) return rc;
    snprintf(r->location, sizeof r->location, "/api/v1/products/%lld", (long long)p.id);
    return http_reply(r, 201, http_product_json(&p));
}

/* GET /api/v1/products: every signed-in user (customers pick one in the
** ticket form). */
static json_t *product_json_of(const void *row) { return http_product_json(row); }

static int product_list(http_req *r)
{
    garant_product *all = NULL;
    size_t n = 0;
    json_t *products = NULL;
    int rc = GS(r->db)->accounts->product_list(r->db, &all, &n);
    if (!rc) rc = http_json_array(&products, all, n, sizeof *all, product_json_of);
    free(all);
    if (rc) return rc;
    return http_reply(r, 200, json_pack("{s:o}", "products", products));
}

/* ---- users ----------------------------------------------------------- */


/* The filters of GET /api/v1/users from the query, each checked. */
static int user_filter(http_req *r, garant_user_filter *f)
{
    memset(f, 0, sizeof *f);
    f->limit = PAGE_DEFAULT;
    int64_t v;
    int rc;
    if ((rc = http_query_int(r, "limit", 1, PAGE_MAX, &v)) < 0) return rc;
    if (rc) f->limit = (int)v;
    if ((rc = http_query_int(r, "after", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f->after_id = v;
    if ((rc = http_query_int(r, "org_id", 1, INT64_MAX, &v)) < 0) return rc;
    if (rc) f->org_id = v;
    const char *role = http_query(r, "role");
    garant_role any;
    if (role) {
        if (!garant_role_parse(&any, role))
            return garant__error(GARANT_EINVAL, "query parameter 'role' must be customer, agent or admin");
        snprintf(f->role, sizeof f->role, "%s", role);
    }
    const char *approval = http_query(r, "approval");
    if (approval && !garant_approval_parse(&f->approval, approval))
        return garant__error(GARANT_EINVAL, "query parameter 'approval' must be pending, approved or refused");
    const char *q = http_query(r, "q");
    if (q) {
        size_t n = strlen(q);
        if (n == 0) return garant__error(GARANT_EINVAL, "query parameter 'q' is empty: leave it out to list everyone");
        if (n > GARANT_MAX_USER_QUERY)
            return garant__error(GARANT_EINVAL, "query parameter 'q' is longer than %d bytes", GARANT_MAX_USER_QUERY);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
                return garant__error(GARANT_EINVAL, "query parameter 'q' contains a control character");
        memcpy(f->q, q, n + 1);
    }
    return 0;
}

/* One user of the list as the API shows it: org_manager and approval
** (null, "pending", "approved", "refused") say where a customer stands in
** her organization (desk_members.h). Caller owns the result; NULL when
** out of memory. */
static json_t *user_item(const void *row)
{
    const garant_user_row *ur = row;
    const garant_user *u = &ur->user;
    char at[GARANT_RFC3339_UTC_LEN];
    const char *approval = garant_approval_name(u->approval);
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:b,s:b,s:s,s:b,s:o}", "id", (json_int_t)u->id, "email", u->email,
                     "name", u->name, "role", garant_role_name(u->role), "org_id",
                     u->org_id ? json_integer(u->org_id) : json_null(), "org_name",
                     u->org_id ? json_string(ur->org_name) : json_null(), "verified", u->verified_at != 0, "active",
                     u->deactivated_at == 0, "created_at", garant_time_format_utc(at, u->created_at), "org_manager",
                     u->org_manager != 0, "approval", approval ? json_string(approval) : json_null());
}

/* GET /api/v1/users (staff): newest first,
** ?role=&org_id=&approval=&q=&limit=&after=, paged like the ticket list. */
static int user_list(http_req *r)
{
    garant_user_filter f;
    int rc = user_filter(r, &f);
    if (rc) return rc;
    garant_user_row *rows = NULL;
    size_t n = 0;
    json_t *users = NULL;
    if ((rc = GS(r->db)->accounts->user_list(r->db, &f, &rows, &n))) return rc;
    rc = http_json_array(&users, rows, n, sizeof *rows, user_item);
    int64_t last = n ? rows[n - 1].user.id : 0;
    free(rows);
    if (rc) return rc;
    char next[32];
    snprintf(next, sizeof next, "%lld", (long long)last);
    return http_reply(r, 200,
                      json_pack("{s:o,s:o,s:i}", "users", users, "next",
                                n == (size_t)f.limit && last ? json_string(next) : json_null(), "count", (int)n));
}

typedef struct user_job {
    int64_t id;          /* in */
    int64_t self_id;     /* in: the admin asking */
    desk_admin_by by;    /* in: who, when */
    int active;          /* in: 1 reactivate, 0 deactivate, -1 leave */
    int set_role;        /* in: change the role to role (with org_id) */
    garant_role role;
    int64_t org_id;
    int manager;         /* in: 1 make her a manager of her organization, 0 not, -1 leave */
    int decide;          /* in: 1 approve a pending member, 0 refuse her, -1 leave */
    const desk_actor *who; /* in: the admin, for a decision */
    garant_desk *desk;   /* in */
    int mailed;          /* out: the approved member was mailed */
    garant_user user;    /* out: the user as it is afterwards */
} user_job;

/* An admin may not shut themselves out: the desk could be left with no
** admin at all. */
static int check_not_self(const user_job *j, int deleting)
{
    if (j->id != j->self_id) return 0;
    if (deleting) return garant__error(GARANT_ECONFLICT, "you cannot delete your own account; another admin can");
    return garant__error(GARANT_ECONFLICT, "you cannot deactivate your own account; another admin can");
}

/* Role first, then the decision on a pending member, activity and the
** manager's flag: all or nothing (the writer's savepoint). */
static int user_update_write(garant_store_conn *w, void *arg)
{
    user_job *j = arg;
    int rc = 0;
    if (j->set_role) rc = desk_admin_user_role(&j->user, w, &j->by, j->id, j->role, j->org_id);
    if (!rc && j->decide >= 0) rc = desk_member_decide_on(&j->user, &j->mailed, w, j->desk, j->who, j->id, j->decide);
    if (!rc && j->active >= 0) rc = desk_admin_user_active(&j->user, w, &j->by, j->id, j->active);
    if (!rc && j->manager >= 0) rc = desk_admin_user_manager(&j->user, w, &j->by, j->id, j->manager);
    return rc;
}

/* PATCH /api/v1/users/{id} {active?, role?, org_id?, org_manager?,
** approval?}: deactivate (false) or reactivate (true); change the role
** (admin_ops.h has the rules: the last active admin stays one, a customer
** needs an organization); make a customer a manager of her organization
** or not; decide on a pending member ("approved" or "refused",
** desk_members.h). A deactivated user keeps their tickets and history,
** cannot sign in, and their sessions end at once, as Zendesk and
** Freshdesk do with people who have history. After a role change the
** user's sessions stay and the next request already runs under the new
** role. */
static const http_field user_update_body[] = {{"active", HTTP_F_BOOL, 0, 0},
                                              {"role", HTTP_F_STRING, 0, 16},
                                              {"org_id", HTTP_F_INT, 0, 0},
                                              {"org_manager", HTTP_F_BOOL, 0, 0},
                                              {"approval", HTTP_F_STRING, 0, 16},
                                              {NULL, 0, 0, 0}};

static int user_update(http_req *r)
{
    json_t *v[5];
    int rc = http_body_fields(r, user_update_body, v);
    if (rc) return rc;
    if (!v[0] && !v[1] && !v[3] && !v[4] && v[2])
        return garant__error(GARANT_EINVAL, "'org_id' goes with 'role': give {\"role\": \"customer\", \"org_id\": N}");
    if (!v[0] && !v[1] && !v[3] && !v[4])
        return garant__error(GARANT_EINVAL, "nothing to change: 'active' is required, or 'role' (customer, agent or "
                                            "admin), 'org_manager' or 'approval'");
    user_job j;
    memset(&j, 0, sizeof j);
    j.id = r->id;
    j.self_id = r->user.id;
    j.by = (desk_admin_by){r->user.id, r->now};
    j.active = v[0] ? json_is_true(v[0]) : -1;
    j.manager = v[3] ? json_is_true(v[3]) : -1;
    j.decide = -1;
    desk_actor who = {&r->user, r->now};
    j.who = &who;
    j.desk = r->desk;
    if (v[4]) {
        const char *a = json_string_value(v[4]);
        if (strcmp(a, "approved") != 0 && strcmp(a, "refused") != 0)
            return garant__error(GARANT_EINVAL, "'approval' must be \"approved\" or \"refused\" (a decision on a "
                                                "member waiting for approval)");
        j.decide = !strcmp(a, "approved");
        if (v[0]) return garant__error(GARANT_EINVAL, "'approval' decides on its own: leave 'active' out");
    }
    if (v[1]) {
        const char *role = json_string_value(v[1]);
        if (!garant_role_parse(&j.role, role))
            return garant__error(GARANT_EINVAL, "'role': '%.16s' is not a role (roles: customer, agent, admin)", role);
        j.set_role = 1;
    }
    if (v[2]) {
        json_int_t org = json_integer_value(v[2]);
        if (org < 1) return garant__error(GARANT_EINVAL, "'org_id' must be an organization's id (1 or more)");
        j.org_id = (int64_t)org;
    }
    if (j.active == 0 && (rc = check_not_self(&j, 0))) return rc;
    if ((rc = http_write(r->srv, user_update_write, &j))) return rc;
    /* Deactivated: the sessions are revoked; a new role, a manager's flag
    ** or an approval: re-read. */
    http_forget_user_sessions(r->srv, j.id);
    if (j.mailed) desk_mail_wake(r->desk);
    char at[GARANT_RFC3339_UTC_LEN];
    const char *approval = garant_approval_name(j.user.approval);
    return http_reply(r, 200,
                      json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:b,s:s,s:b,s:o}", "id", (json_int_t)j.user.id, "email",
                                j.user.email, "name", j.user.name, "role", garant_role_name(j.user.role), "org_id",
                                j.user.org_id ? json_integer(j.user.org_id) : json_null(), "verified",
                                j.user.verified_at != 0, "active", j.user.deactivated_at == 0, "created_at",
                                garant_time_format_utc(at, j.user.created_at), "org_manager",
                                j.user.org_manager != 0, "approval", approval ? json_string(approval) : json_null()));
}

static int user_delete_write(garant_store_conn *w, void *arg)
{
    user_job *j = arg;
    return desk_admin_user_delete(w, &j->by, j->id);
}

/* DELETE /api/v1/users/{id}: only a user without history (a mistaken
** account); one with tickets, replies or saved policies is deactivated
** instead (409 says so). Their sessions end with them. */
static int user_delete(http_req *r)
{
    user_job j;
    memset(&j, 0, sizeof j);
    j.id = r->id;
    j.self_id = r->user.id;
    j.by = (desk_admin_by){r->user.id, r->now};
    int rc = check_not_self(&j, 1);
    if (!rc) rc = http_write(r->srv, user_delete_write, &j);
    if (rc) return rc;
    http_forget_user_sessions(r->srv, j.id);
    return http_reply(r, 204, NULL);
}

/* ---- the audit trail -------------------------------------------------- */

/* One row of the audit trail as the API shows it: nulls for none. */
static json_t *audit_item(const void *row)
{
    const garant_audit_row *a = row;
    char at[GARANT_RFC3339_UTC_LEN];
    return json_pack("{s:I,s:s,s:o,s:o,s:s,s:I,s:o,s:o,s:o}", "id", (json_int_t)a->id, "at",
                     garant_time_format_utc(at, a->at), "by_user", a->by_user ? json_integer(a->by_user) : json_null(),
                     "by_email", a->by_email[0] ? json_string(a->by_email) : json_null(), "action", a->action,
                     "subject_id", (json_int_t)a->subject_id, "old_value",
                     a->has_old_value ? json_string(a->old_value) : json_null(), "new_value",
                     a->has_new_value ? json_string(a->new_value) : json_null(), "policy_version",
                     a->policy_version ? json_integer(a->policy_version) : json_null());
}

/* GET /api/v1/audit?limit= (admins): the newest admin changes first: role
** changes, (de)activations, renames, deletions, product stages. */
static int audit_list(http_req *r)
{
    int64_t limit = PAGE_DEFAULT;
    int rc = http_query_int(r, "limit", 1, PAGE_MAX, &limit);
    if (rc < 0) return rc;
    if (!rc) limit = PAGE_DEFAULT;
    garant_audit_row *rows = NULL;
    size_t n = 0;
    json_t *audit = NULL;
    if ((rc = GS(r->db)->admin->audit_list(r->db, (int)limit, &rows, &n))) return rc;
    rc = http_json_array(&audit, rows, n, sizeof *rows, audit_item);
    free(rows);
    if (rc) return rc;
    return http_reply(r, 200, json_pack("{s:o}", "audit", audit));
}

/* The query parameters each route reads (http_route.query). */
static const char *const user_list_query[] = {"role", "org_id", "approval", "q", "limit", "after", NULL};
static const char *const audit_query[] = {"limit", NULL};

const http_route http_routes_admin[] = {
    {"POST", "/api/v1/orgs", HTTP_ADMIN, org_create,
     "create an organization {name, domains, plan}", HTTP_RUN_WORKER, org_create_body, NULL},
    {"GET", "/api/v1/orgs", HTTP_ADMIN, org_list,
     "list organizations with their domains and plans", HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/api/v1/orgs/{id}", HTTP_ADMIN, org_get, "one organization", HTTP_RUN_WORKER, NULL, NULL},
    {"PATCH", "/api/v1/orgs/{id}", HTTP_ADMIN, org_update,
     "rename an organization, change its plan (for tickets submitted later), add domains, deactivate it with its "
     "users, say which tickets its members see and whether new members wait for approval {name?, plan?, "
     "domains_add?, active?, ticket_visibility?, approval_required?}",
     HTTP_RUN_WORKER, org_update_body, NULL},
    {"DELETE", "/api/v1/orgs/{id}", HTTP_ADMIN, org_delete, "delete an organization without tickets or users",
     HTTP_RUN_WORKER, NULL, NULL},
    {"POST", "/api/v1/products", HTTP_ADMIN, product_create,
     "create a product {name, stage}", HTTP_RUN_WORKER, product_create_body, NULL},
    {"GET", "/api/v1/products", HTTP_USER, product_list, "list products with their stages", HTTP_RUN_WORKER, NULL,
     NULL},
    {"GET", "/api/v1/users", HTTP_STAFF, user_list,
     "list users, newest first, without secrets: ?role=&org_id=&approval=&q=&limit=&after=", HTTP_RUN_WORKER, NULL,
     user_list_query},
    {"PATCH", "/api/v1/users/{id}", HTTP_ADMIN, user_update,
     "deactivate or reactivate a user, change their role, make a customer her organization's manager, or approve "
     "or refuse a pending member {active?, role?, org_id?, org_manager?, approval?}: a deactivated user keeps "
     "their tickets and cannot sign in; the last active admin stays one",
     HTTP_RUN_WORKER, user_update_body, NULL},
    {"DELETE", "/api/v1/users/{id}", HTTP_ADMIN, user_delete, "delete a user without history (else deactivate)",
     HTTP_RUN_WORKER, NULL, NULL},
    {"GET", "/api/v1/audit", HTTP_ADMIN, audit_list,
     "the audit trail of admin changes, newest first: roles, (de)activations, renames, deletions, product stages "
     "?limit=", HTTP_RUN_WORKER, NULL, audit_query},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
