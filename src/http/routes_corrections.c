/*
** routes_corrections.c - moving open tickets onto another policy version
** over the API (admins; staff read the record): a preview of what would
** move, the correction itself, and the list of corrections made. The
** rules are the desk's (desk_correction_plan, desk_correction_apply in
** src/desk/tickets.c); docs/SLA.md, "The terms a ticket was filed
** under", says why a later deadline needs a reason. Split from
** routes_policy.c (issue 12).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garant/error_wrap.h"
#include "admin_ops.h"
#include "loader.h"
#include "log.h"
#include "tickets.h"

/* ---- corrections of open tickets --------------------------------------- */

/* Moves a preview lists at most; the counts cover every ticket. */
#define CORRECTION_LISTED 500

/* A preview takes no reason: it records nothing. */
static const http_field correction_preview_body[] = {{"to_version", HTTP_F_INT, 1, 0}, {NULL, 0, 0, 0}};
static const http_field correction_apply_body[] = {{"to_version", HTTP_F_INT, 1, 0},
                                                   {"reason", HTTP_F_STRING, 0, 1000},
                                                   {NULL, 0, 0, 0}};

/* {to_version, reason?}: the version must exist and compile. */
static int correction_target(http_req *r, int64_t *out_version, const garant_policy **out_pol,
                             const char **out_reason, int with_reason)
{
    json_t *v[2];
    int rc = http_body_fields(r, with_reason ? correction_apply_body : correction_preview_body, v);
    if (rc) return rc;
    if (!with_reason) v[1] = NULL;
    json_int_t version = json_integer_value(v[0]);
    if (version < 1) return garant__error(GARANT_EINVAL, "'to_version' must be a policy version (1 or more)");
    garant_policy_version saved;
    rc = GS(r->db)->sla->policy_get(r->db, version, &saved);
    free(saved.yaml);
    if (rc == GARANT_ENOTFOUND) return garant__error(GARANT_EINVAL, "there is no policy version %lld", (long long)version);
    if (rc) return rc;
    if ((rc = http_policy_version(out_pol, r->srv, r->db, version))) return rc;
    *out_version = version;
    *out_reason = NULL;
    if (v[1]) {
        const char *reason = json_string_value(v[1]);
        while (*reason == ' ' || *reason == '\t' || *reason == '\n') reason++;
        if (*reason) *out_reason = json_string_value(v[1]);
    }
    return 0;
}

/* The API object of one move: instants as RFC 3339, delta_seconds null
** when either deadline is none. Caller owns (NULL if out of memory). */
static json_t *move_json(const desk_correction_move *m)
{
    json_t *delta = m->new_due != GARANT_NO_DUE && m->old_due != GARANT_NO_DUE ? json_integer(m->new_due - m->old_due)
                                                                                 : json_null();
    json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o,s:b}", "id", (json_int_t)m->id, "old_version",
                          (json_int_t)m->old_version, "old_due", http_time_json(m->old_due), "new_due",
                          http_time_json(m->new_due), "delta_seconds", delta, "breached", m->breached);
    /* Only where the product's stage differs under the version. */
    if (o && m->new_stage[0] &&
        (json_object_set_new(o, "old_stage", json_string(m->old_stage)) ||
         json_object_set_new(o, "new_stage", json_string(m->new_stage)))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static json_t *correction_json(const desk_correction *c, int64_t version)
{
    json_t *moves = json_array();
    for (size_t i = 0; moves && i < c->nmoves; i++) {
        json_t *m = move_json(&c->moves[i]);
        if (!m || json_array_append_new(moves, m) != 0) {
            json_decref(moves);
            moves = NULL;
        }
    }
    if (!moves) return NULL;
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:o}", "to_version", (json_int_t)version, "tickets_examined",
                     (json_int_t)c->examined, "moved", (json_int_t)c->moved, "earlier", (json_int_t)c->earlier,
                     "later", (json_int_t)c->later, "unchanged", (json_int_t)(c->examined - c->moved),
                     "needs_reason", c->later > 0, "moves", moves);
}

/* POST /api/v1/policy/corrections/preview {to_version} (admins): which open
** tickets moving onto that version would move, and by how much. Reads
** only, in one snapshot. */
static int correction_preview(http_req *r)
{
    int64_t version;
    const garant_policy *pol;
    const char *reason;
    int rc = correction_target(r, &version, &pol, &reason, 0);
    if (rc) return rc;
    garant_store_conn *c = r->db;
    if ((rc = GS(c)->begin_read(c))) return rc;
    desk_correction out;
    rc = desk_correction_plan(&out, c, pol, version, CORRECTION_LISTED, 0);
    GS(c)->rollback(c);
    if (rc) return rc;
    json_t *o = correction_json(&out, version);
    desk_correction_free(&out);
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, o);
}

typedef struct correct_job {
    http_req *r;
    const garant_policy *pol;
    int64_t version;
    const char *reason;
    int refused;      /* the plan failed or needs a reason: nothing written */
    char why[512];    /* then why */
    int64_t id;       /* the correction recorded */
    desk_correction out;
} correct_job;

/* Planned first, then carried out, in the same transaction. A correction
** that would move any deadline later for the customer needs a written
** reason; it, and one the policy cannot count, are refused before anything
** is written, and fn succeeds: the write runs without a savepoint
** (DESK_WRITE_WHOLE), so its failure would fail every write beside it,
** and only a failing store may do that. */
static int correct_write(garant_store_conn *w, void *ctx)
{
    correct_job *j = ctx;
    http_req *r = j->r;
    int rc = desk_correction_plan(&j->out, w, j->pol, j->version, 0, 1);
    if (rc == GARANT_EINVAL || (!rc && j->out.later && !j->reason)) {
        j->refused = 1;
        if (rc)
            snprintf(j->why, sizeof j->why, "%s", garant_error_last());
        else if (j->out.later == 1)
            snprintf(j->why, sizeof j->why, "%s",
                     garant__tr("this correction moves an open deadline later for the customer: give a "
                                "'reason', recorded in the ticket's history"));
        else
            snprintf(j->why, sizeof j->why,
                     garant__tr("this correction moves %zu open deadlines later for the customer: give a "
                                "'reason', recorded in each ticket's history"),
                     j->out.later);
        return 0;
    }
    if (rc) return rc;
    return desk_correction_apply(&j->out, w, j->version, r->now, r->user.id, j->reason, &j->id);
}

/* Corrections GET /api/v1/policy/corrections lists. */
#define CORRECTIONS_LISTED 100

static int correction_row(void *ctx, const garant_correction *k)
{
    json_t *o = json_pack("{s:I,s:o,s:{s:I,s:s},s:I,s:o,s:I,s:I,s:I,s:I}", "id", (json_int_t)k->id, "at",
                          http_time_json(k->at), "by", "id", (json_int_t)k->by_user, "email", k->by_email,
                          "to_version", (json_int_t)k->to_version, "reason",
                          k->reason ? json_string(k->reason) : json_null(), "tickets_examined",
                          (json_int_t)k->examined, "moved", (json_int_t)k->moved, "earlier", (json_int_t)k->earlier,
                          "later", (json_int_t)k->later);
    if (!o || json_array_append_new(ctx, o) != 0) return garant__error(GARANT_ENOMEM, "out of memory");
    return 0;
}

/* GET /api/v1/policy/corrections (staff): who applied which correction,
** newest first. */
static int corrections_list(http_req *r)
{
    json_t *list = json_array();
    if (!list) return garant__error(GARANT_ENOMEM, "out of memory");
    int rc = GS(r->db)->sla->corrections(r->db, CORRECTIONS_LISTED, correction_row, list);
    if (rc) {
        json_decref(list);
        return rc;
    }
    return http_reply(r, 200, json_pack("{s:o}", "corrections", list));
}

/* POST /api/v1/policy/corrections {to_version, reason?} (admins): move every
** open ticket onto that version, in one transaction. */
static int correction_apply(http_req *r)
{
    correct_job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    int rc = correction_target(r, &j.version, &j.pol, &j.reason, 1);
    if (rc) return rc;
    rc = http_write_undone(r->srv, correct_write, &j, DESK_WRITE_WHOLE);
    json_t *o = rc || j.refused ? NULL : correction_json(&j.out, j.version);
    desk_correction_free(&j.out);
    if (rc) return rc;
    if (j.refused) return garant__error(GARANT_EINVAL, "%s", j.why);
    if (o && (json_object_set_new(o, "applied", json_true()) != 0 ||
              json_object_set_new(o, "id", json_integer(j.id)) != 0 ||
              json_object_set_new(o, "reason", j.reason ? json_string(j.reason) : json_null()) != 0 ||
              json_object_del(o, "moves") != 0 || json_object_del(o, "needs_reason") != 0)) {
        json_decref(o);
        o = NULL;
    }
    if (!o) return garant__error(GARANT_ENOMEM, "out of memory");
    return http_reply(r, 200, o);
}

const http_route http_routes_corrections[] = {
    {"GET", "/api/v1/policy/corrections", HTTP_STAFF, corrections_list,
     "the corrections applied to open tickets, newest first: who, when, onto which version, why, what moved",
     HTTP_RUN_WORKER, NULL, NULL},
    {"POST", "/api/v1/policy/corrections/preview", HTTP_ADMIN, correction_preview,
     "which open tickets moving onto a policy version {to_version} would move, and by how much",
     HTTP_RUN_WORKER, correction_preview_body, NULL},
    {"POST", "/api/v1/policy/corrections", HTTP_ADMIN, correction_apply,
     "move every open ticket onto a policy version {to_version, reason}; a later deadline needs a reason",
     HTTP_RUN_WORKER, correction_apply_body, NULL},
    {NULL, NULL, 0, NULL, NULL, 0, NULL, NULL},
};
