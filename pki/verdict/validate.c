#include "pki/verdict/validate.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pki/verdict/report.h"
#include "pki/base/rfc3339_time.h"

/* sb_report_chain, through memo when there is one. */
static json_t *chain_json(STACK_OF(X509) *chain, struct sb_verdict_memo *memo)
{
    json_t *arr;
    int i;

    if (memo == NULL) {
        return sb_report_chain(chain);
    }
    arr = json_array();
    for (i = 0; arr != NULL && i < sk_X509_num(chain); i++) {
        if (json_array_append_new(arr, sb_verdict_memo_cert(memo, sk_X509_value(chain, i))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/*
 * The worst signer's chain is rendered once and the same (immutable) array is placed both at the top level
 * and in that signer's entry: rendering a certificate (two RFC 2253 names, serial, SHA-256) is the costly
 * part of a verdict. The text json_dumps produces is the same as with two separate copies.
 */
json_t *sb_validate_result_json_ex(const struct sb_cms_result *res, time_t at, struct sb_verdict_memo *memo)
{
    const struct sb_cms_signer *s;
    STACK_OF(X509) *worst = res->n_signers > 0 ? res->signers[res->worst].chain : NULL;
    json_t *top = NULL, *arr = NULL, *chain = NULL, *sj, *own;
    size_t i;

    if ((chain = chain_json(worst, memo)) == NULL || (arr = json_array()) == NULL ||
        (top = sb_report_result(res->reason, res->message, at, NULL)) == NULL ||
        json_object_set(top, "chain", chain) != 0) {
        goto err;
    }
    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        sj = sb_report_signer(s->subject, s->issuer, s->serial, s->reason, s->message, s->signing_time, NULL);
        if (sj != NULL) {
            own = s->chain == worst ? json_incref(chain) : chain_json(s->chain, memo);
            if (json_object_set_new(sj, "chain", own) != 0) {
                json_decref(sj);
                goto err;
            }
        }
        if (json_array_append_new(arr, sj) != 0) {         /* takes sj, also on failure */
            goto err;
        }
    }
    if (json_object_set_new(top, "signers", arr) != 0) {
        arr = NULL;
        goto err;
    }
    json_decref(chain);
    return top;
err:
    json_decref(chain);
    json_decref(arr);
    json_decref(top);
    return NULL;
}

json_t *sb_validate_result_json(const struct sb_cms_result *res, time_t at)
{
    return sb_validate_result_json_ex(res, at, NULL);
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
        if (sb_trust_policy_check_path(p, s->chain, s->policies, NULL, &e) != SB_OK) {
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
    o.cert_cache = in->cert_cache;
    o.memo = in->memo;
    o.sm2_cache = in->sm2_cache;
    if (in->chain_cache != NULL && in->cache_scope != NULL) {    /* never a cache without its scope */
        tp.opts.cache = in->chain_cache;
        memcpy(tp.opts.cache_scope, in->cache_scope, sizeof(tp.opts.cache_scope));
        /* the scope's snapshot id covers the policy's anchors and CRL files (sb_trust_policy.digest) */
        tp.opts.scope_covers_anchors = 1;
        tp.opts.scoped_crls = sk_X509_CRL_num(tp.crls);
    }
    rc = sb_cms_verify(in->obj, in->len, &o, res, err);
    if (res->n_signers > 0) {
        sb_validate_apply_policy(p, res);
        rc = res->reason;
        sb_err_set(err, rc, "%s", res->message);
    }
    sb_tp_inputs_clear(&tp);
    return rc;
}

int sb_validate_cache_scope(const char *snapshot, const char *jurisdiction, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    unsigned int len = 0;
    int ok = 0;

    if (md == NULL || sha256 == NULL || snapshot == NULL || jurisdiction == NULL ||
        EVP_DigestInit_ex2(md, sha256, NULL) != 1 || EVP_DigestUpdate(md, snapshot, strlen(snapshot) + 1) != 1 ||
        EVP_DigestUpdate(md, jurisdiction, strlen(jurisdiction)) != 1 || EVP_DigestFinal_ex(md, out, &len) != 1 ||
        len != 32) {
        goto err;
    }
    ok = 1;
err:
    EVP_MD_CTX_free(md);
    EVP_MD_free(sha256);
    return ok;
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
