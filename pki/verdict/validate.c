/*
 * pki/verdict/validate.c — sb_validate (pki/verdict/validate.h): the inputs of each run, the dispatch by
 * evidence format, the signing-time rule and the CMS step. XML-DSig and raw signatures: validate_xml.c,
 * validate_raw.c.
 */
#include "pki/verdict/validate.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pki/base/rfc3339_time.h"
#include "pki/base/work_budget.h"
#include "pki/verdict/validate_local.h"

/* ---- shared steps --------------------------------------------------------------------------------- */

int sb_validate_policy_rules(const struct sb_trust_policy *p, struct sb_cms_signer *s,
                             STACK_OF(ASN1_OBJECT) *valid_policies)
{
    char why[SB_ERR_MSG_MAX];
    struct sb_err e;

    if (p == NULL || s->reason != SB_OK || s->chain == NULL) {
        return 0;
    }
    sb_err_clear(&e);
    if (sb_trust_policy_check_path(p, s->chain, valid_policies, NULL, &e) == SB_OK) {
        return 0;
    }
    s->reason = e.reason;
    memcpy(why, e.msg, sizeof(why));
    snprintf(s->message, sizeof(s->message), "policy %.32s: %.470s", p->id, why);
    return 1;
}

void sb_validate_pick_worst(struct sb_cms_result *res)
{
    size_t i;

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

enum sb_reason sb_validate_path(const struct sb_trust_policy *policy, const struct sb_tp_inputs *in, X509 *leaf,
                                struct sb_chain_result *res, struct sb_tp_policy_match *m, struct sb_err *chain_err,
                                struct sb_err *policy_err)
{
    enum sb_reason crc;

    sb_err_clear(chain_err);
    sb_err_clear(policy_err);
    crc = sb_chain_validate(&in->opts, leaf, in->anchors, in->untrusted, res, chain_err);
    chain_err->reason = crc;
    if (crc != SB_OK) {
        if (crc == SB_R_CHAIN_TOO_LONG && policy != NULL && policy->max_chain_length > 0) {
            char why[SB_ERR_MSG_MAX];

            memcpy(why, chain_err->msg, sizeof(why));
            sb_err_set(chain_err, crc, "%s's max_chain_length %d: %.400s", policy->id, policy->max_chain_length, why);
        }
        return crc;
    }
    if (policy == NULL) {
        return SB_OK;
    }
    policy_err->reason = sb_trust_policy_check_path(policy, res->chain, res->policies, m, policy_err);
    return policy_err->reason;
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

/* ---- CMS / GM/T 0010 ------------------------------------------------------------------------------ */

enum sb_reason sb_validate_cms(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    const struct sb_trust_policy *p = r->ctx->policy;
    struct sb_cms_verify_opts o;
    size_t i;
    enum sb_reason rc;

    memset(&o, 0, sizeof(o));
    o.path = &r->in.opts;
    o.no_object_crls = p != NULL && (p->rev_sources & SB_TP_SRC_EMBEDDED) == 0;
    o.anchors = r->in.anchors;
    o.untrusted = r->in.untrusted;
    if (ev->digest_len > 0) {
        o.digest = ev->digest;           /* an adapter has checked a supplied document against the digest */
        o.digest_len = ev->digest_len;
        o.digest_alg = ev->digest_alg;
    } else {
        o.data = ev->content;
        o.data_len = ev->content_len;
    }
    o.sm2_id = ev->sm2_id != NULL ? ev->sm2_id : (p != NULL ? p->sm2_default_id : NULL);
    o.cert_cache = r->ctx->caches.certs;
    o.memo = r->ctx->caches.memo;
    o.sm2_cache = r->ctx->caches.sm2;
    rc = sb_cms_verify(ev->obj, ev->obj_len, &o, res, err);
    if (p != NULL && res->n_signers > 0) {
        for (i = 0; i < res->n_signers; i++) {
            (void)sb_validate_policy_rules(p, &res->signers[i], res->signers[i].policies);
        }
        sb_validate_pick_worst(res);
        rc = res->reason;
        sb_err_set(err, rc, "%s", res->message);
    }
    return rc;
}

/* ---- one run -------------------------------------------------------------------------------------- */

/* The revocation data an envelope carried beside the object (ev->crls, ev->ocsps) join the run's as embedded
 * data, after the run's own (a policy's CRL files stay the first scoped_crls), unless the policy's
 * revocation.sources leaves embedded out. */
static enum sb_reason add_envelope_revocation(struct sb_validate_run *r, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    struct sb_path_opts *o = &r->in.opts;
    size_t i;
    int k;

    if ((r->ctx->policy != NULL && (r->ctx->policy->rev_sources & SB_TP_SRC_EMBEDDED) == 0)
        || (sk_X509_CRL_num(ev->crls) <= 0 && ev->n_ocsps == 0)) {
        return SB_OK;
    }
    if (sk_X509_CRL_num(ev->crls) > 0) {
        if ((r->crls = o->crls != NULL ? sk_X509_CRL_dup(o->crls) : sk_X509_CRL_new_null()) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        for (k = 0; k < sk_X509_CRL_num(ev->crls); k++) {
            if (sk_X509_CRL_push(r->crls, sk_X509_CRL_value(ev->crls, k)) <= 0) {
                return sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
        }
        o->crls = r->crls;
    }
    if (ev->n_ocsps > 0) {
        if ((r->ocsps = OPENSSL_zalloc((o->n_ocsps + ev->n_ocsps) * sizeof(*r->ocsps))) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        for (i = 0; i < o->n_ocsps; i++) {
            r->ocsps[i] = o->ocsps[i];
        }
        for (i = 0; i < ev->n_ocsps; i++) {
            r->ocsps[o->n_ocsps + i] = ev->ocsps[i];
            r->ocsps[o->n_ocsps + i].source = SB_REV_SRC_EMBEDDED;
        }
        o->ocsps = r->ocsps;
        o->n_ocsps += ev->n_ocsps;
    }
    return SB_OK;
}

static enum sb_reason run_begin(const struct sb_validation_ctx *ctx, const struct sb_evidence *ev, time_t at,
                                struct sb_validate_run *r, struct sb_err *err)
{
    const struct sb_validation_caches *c = &ctx->caches;
    enum sb_reason rc;
    int i;

    memset(r, 0, sizeof(*r));
    r->ctx = ctx;
    r->ev = ev;
    if (ctx->inputs == NULL) {
        if (ctx->policy == NULL) {
            return sb_err_set(err, SB_R_USAGE, "sb_validate: neither a trust policy nor inputs");
        }
        if ((rc = sb_trust_policy_prepare(ctx->policy, ev->certs, NULL, at, &r->in, err)) != SB_OK) {
            return rc;
        }
        r->prepared = 1;
        r->in.opts.sig_memo = c->sigs;
        if ((ctx->policy->rev_sources & SB_TP_SRC_CRL) != 0) {
            r->in.opts.more_crls = ctx->more_crls;
            r->in.opts.more_crls_arg = ctx->more_crls_arg;
        }
        if ((ctx->policy->rev_sources & SB_TP_SRC_OCSP) != 0) {
            r->in.opts.ocsp = ctx->ocsp;
            r->in.opts.ocsp_arg = ctx->ocsp_arg;
        }
        r->in.opts.budget = ctx->budget;
        if (c->chain != NULL && c->scope != NULL) {        /* never a cache without its scope */
            r->in.opts.cache = c->chain;
            memcpy(r->in.opts.cache_scope, c->scope, sizeof(r->in.opts.cache_scope));
            /* the scope's snapshot id covers the policy's anchors and CRL files (sb_trust_policy.digest) */
            r->in.opts.scope_covers_anchors = 1;
            r->in.opts.scoped_crls = sk_X509_CRL_num(r->in.crls);
        }
        return add_envelope_revocation(r, err);
    }
    r->in = *ctx->inputs;
    r->in.opts.at = at;
    r->in.opts.budget = ctx->budget;
    if (c->sigs != NULL) {
        r->in.opts.sig_memo = c->sigs;
    }
    if (sk_X509_num(ev->certs) > 0) {
        /* the evidence's certificates join the caller's pool, after it (its index stays valid) */
        if ((r->pool = ctx->inputs->untrusted != NULL ? sk_X509_dup(ctx->inputs->untrusted) : sk_X509_new_null())
            == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        for (i = 0; i < sk_X509_num(ev->certs); i++) {
            if (sk_X509_push(r->pool, sk_X509_value(ev->certs, i)) <= 0) {
                return sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
        }
        r->in.untrusted = r->pool;
    }
    return add_envelope_revocation(r, err);
}

static void run_end(struct sb_validate_run *r)
{
    if (r->prepared) {
        sb_tp_inputs_clear(&r->in);
    }
    sk_X509_free(r->pool);
    sk_X509_CRL_free(r->crls);
    OPENSSL_free(r->ocsps);
    memset(r, 0, sizeof(*r));
}

static enum sb_reason run_once(const struct sb_validation_ctx *ctx, const struct sb_evidence *ev, time_t at,
                               struct sb_cms_result *res, struct sb_err *err)
{
    struct sb_validate_run r;
    enum sb_reason rc;

    memset(res, 0, sizeof(*res));
    if ((rc = run_begin(ctx, ev, at, &r, err)) != SB_OK) {
        res->reason = rc;
        snprintf(res->message, sizeof(res->message), "%s", err != NULL ? err->msg : sb_reason_message(rc));
        run_end(&r);
        return rc;
    }
    /* under a work budget only CMS runs: an XML document's cost (parsing, transforms, canonicalisation) and a
     * raw signature's are not paid step by step */
    if (ev->format != SB_EV_CMS && ev->format != SB_EV_GMT0010 && !sb_work_budget_take(ctx->budget, SB_WORK_UNBOUNDED)) {
        rc = sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
        res->reason = rc;
        snprintf(res->message, sizeof(res->message), "%s", err != NULL ? err->msg : sb_reason_message(rc));
        run_end(&r);
        return rc;
    }
    switch (ev->format) {
    case SB_EV_CMS:
    case SB_EV_GMT0010:
        rc = sb_validate_cms(&r, res, err);
        break;
    case SB_EV_XMLDSIG:
        rc = sb_validate_xml(&r, res, err);
        break;
    case SB_EV_RAW_SIG:
        rc = sb_validate_raw(&r, res, err);
        break;
    default:
        rc = sb_err_set(err, SB_R_INTERNAL, "unknown evidence format %d", (int)ev->format);
        break;
    }
    run_end(&r);
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

enum sb_reason sb_validate(const struct sb_validation_ctx *ctx, const struct sb_evidence *ev,
                           struct sb_cms_result *res, time_t *at_used, struct sb_err *err)
{
    time_t at = ctx->at != NULL ? *ctx->at : ctx->now, claimed, policy_at;
    struct sb_err e;
    enum sb_reason rc;

    rc = run_once(ctx, ev, at, res, err);
    /* the policy's time rule: a claim from the future is refused in every mode; signing_time mode
     * validates again at the claimed time */
    if (ctx->policy != NULL && ctx->at == NULL && claimed_signing_time(res, &claimed)) {
        sb_err_clear(&e);
        if (sb_trust_policy_validation_time(ctx->policy, ctx->now, &claimed, &policy_at, &e) != SB_OK) {
            res->reason = e.reason;
            snprintf(res->message, sizeof(res->message), "%s", e.msg);
            rc = sb_err_set(err, e.reason, "%s", e.msg);
        } else if (policy_at != at) {
            sb_cms_result_clear(res);
            at = policy_at;
            rc = run_once(ctx, ev, at, res, err);
        }
    }
    if (at_used != NULL) {
        *at_used = at;
    }
    if (res->reason == SB_OK && rc != SB_OK) {
        res->reason = rc;
        snprintf(res->message, sizeof(res->message), "%s", err != NULL ? err->msg : sb_reason_message(rc));
    }
    if (rc == SB_OK && res->message[0] == '\0') {
        snprintf(res->message, sizeof(res->message), "%s", sb_reason_message(SB_OK));
    }
    return rc;
}
