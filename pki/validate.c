#include "validate.h"

#include <string.h>

#include "report.h"
#include "sbtime.h"

json_t *sb_validate_result_json(const struct sb_cms_result *res, time_t at)
{
    const struct sb_cms_signer *s;
    json_t *top, *arr;
    size_t i;

    top = sb_report_result(res->reason, res->message, at,
                           res->n_signers > 0 ? res->signers[res->worst].chain : NULL);
    arr = json_array();
    if (top == NULL || arr == NULL) {
        json_decref(top);
        json_decref(arr);
        return NULL;
    }
    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        if (json_array_append_new(arr, sb_report_signer(s->subject, s->issuer, s->serial, s->reason, s->message,
                                                        s->signing_time, s->chain)) != 0) {
            json_decref(arr);
            json_decref(top);
            return NULL;
        }
    }
    json_object_set_new(top, "signers", arr);
    return top;
}

void sb_validate_apply_policy(const struct sb_trust_policy *p, struct sb_cms_result *res)
{
    struct sb_cms_signer *s;
    struct sb_err e;
    size_t i;

    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        if (s->reason != SB_OK || s->chain == NULL) {
            continue;
        }
        sb_err_clear(&e);
        if (sb_trust_policy_check_path(p, s->chain, NULL, NULL, &e) != SB_OK) {
            s->reason = e.reason;
            char why[SB_ERR_MSG_MAX];

            memcpy(why, e.msg, sizeof(why));
            sb_err_set(&e, e.reason, "policy %.32s: %.470s", p->id, why);
            memcpy(s->message, e.msg, sizeof(s->message));
        }
    }
    if (res->n_signers == 0) {
        return;
    }
    res->worst = 0;
    for (i = 1; i < res->n_signers; i++) {
        if (sb_reason_severity(res->signers[i].reason) > sb_reason_severity(res->signers[res->worst].reason)) {
            res->worst = i;
        }
    }
    res->reason = res->signers[res->worst].reason;
    snprintf(res->message, sizeof(res->message), "%s", res->signers[res->worst].message);
}

static enum sb_reason run_once(const struct sb_trust_policy *p, const struct sb_validate_input *in, time_t at,
                               struct sb_cms_result *res, struct sb_err *err)
{
    struct sb_tp_inputs tp;
    struct sb_cms_verify_opts o;
    enum sb_reason rc;

    memset(&tp, 0, sizeof(tp));
    if ((rc = sb_trust_policy_prepare(p, NULL, NULL, at, &tp, err)) != SB_OK) {
        return rc;
    }
    memset(&o, 0, sizeof(o));
    o.path = &tp.opts;
    o.anchors = tp.anchors;
    o.untrusted = tp.untrusted;
    o.data = in->data;
    o.data_len = in->data_len;
    o.digest = in->digest;
    o.digest_len = in->digest_len;
    o.digest_alg = in->digest_alg;
    o.sm2_id = in->sm2_id != NULL ? in->sm2_id : p->sm2_default_id;
    rc = sb_cms_verify(in->obj, in->len, &o, res, err);
    if (res->n_signers > 0) {
        sb_validate_apply_policy(p, res);
        rc = res->reason;
        sb_err_set(err, rc, "%s", res->message);
    }
    sb_tp_inputs_clear(&tp);
    return rc;
}

/* The claimed signing time of the first signer that has one. */
static int claimed_signing_time(const struct sb_cms_result *res, time_t *t)
{
    struct sb_err e;
    size_t i;

    for (i = 0; i < res->n_signers; i++) {
        if (res->signers[i].signing_time[0] != '\0' &&
            sb_time_parse_rfc3339(res->signers[i].signing_time, t, &e) == SB_OK) {
            return 1;
        }
    }
    return 0;
}

enum sb_reason sb_validate_object(const struct sb_trust_policy *p, const struct sb_validate_input *in,
                                  struct sb_cms_result *res, time_t *at_used, struct sb_err *err)
{
    time_t at = in->at != NULL ? *in->at : in->now, claimed;
    enum sb_reason rc;

    memset(res, 0, sizeof(*res));
    rc = run_once(p, in, at, res, err);
    if (in->at == NULL && claimed_signing_time(res, &claimed)) {
        time_t policy_at;
        struct sb_err e;

        /* a claim from the future is refused in every mode; signing_time mode re-validates at the claim */
        if (sb_trust_policy_validation_time(p, in->now, &claimed, &policy_at, &e) != SB_OK) {
            res->reason = e.reason;
            snprintf(res->message, sizeof(res->message), "%s", e.msg);
            rc = sb_err_set(err, e.reason, "%s", e.msg);
        } else if (policy_at != at) {
            sb_cms_result_clear(res);
            at = policy_at;
            rc = run_once(p, in, at, res, err);
        }
    }
    if (at_used != NULL) {
        *at_used = at;
    }
    return rc;
}
