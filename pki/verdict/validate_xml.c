/*
 * pki/verdict/validate_xml.c — the XML-DSig step of sb_validate (pki/verdict/validate_local.h).
 *
 * sb_xmldsig_verify runs with the run's anchors, pool, CRLs and algorithms; each ds:Signature becomes one
 * signer of the result (with its location, references and SignatureValue), then each passing signer's
 * path is held to the policy's own rules. Without a policy, or when the rules changed nothing, the
 * document's own outcome and message stand; otherwise a document-level failure (duplicate Id) still
 * outranks the signers' verdicts. Content outside every reference is listed in the result
 * (unsigned_content); a valid document that has some is UNSIGNED_CONTENT when the caller forwards or
 * re-attests the whole document (ctx->require_full_coverage) or the policy sets xml.require_full_coverage.
 */
#include "pki/verdict/validate_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pki/xml/xmldsig.h"

/* Move xs's outcome and owned parts into s. */
static void take_signer(struct sb_cms_signer *s, struct sb_xmldsig_signer *xs)
{
    s->reason = xs->reason;
    memcpy(s->message, xs->message, sizeof(s->message));
    memcpy(s->subject, xs->subject, sizeof(s->subject));
    memcpy(s->issuer, xs->issuer, sizeof(s->issuer));
    memcpy(s->serial, xs->serial, sizeof(s->serial));
    memcpy(s->signing_time, xs->signing_time, sizeof(s->signing_time));
    memcpy(s->location, xs->location, sizeof(s->location));
    s->cert = xs->cert;
    xs->cert = NULL;
    s->chain = xs->chain;
    xs->chain = NULL;
    s->revocation = xs->revocation;
    s->n_revocation = xs->n_revocation;
    xs->revocation = NULL;
    xs->n_revocation = 0;
    s->refs = xs->refs;
    s->n_refs = xs->n_refs;
    xs->refs = NULL;
    xs->n_refs = 0;
    s->sig_value = xs->sig_value;
    s->sig_len = xs->sig_len;
    xs->sig_value = NULL;
    xs->sig_len = 0;
}

/* A valid document with unsigned content becomes UNSIGNED_CONTENT when the whole document must be signed. */
static enum sb_reason require_coverage(const struct sb_validate_run *r, struct sb_cms_result *res, enum sb_reason rc,
                                       struct sb_err *err)
{
    const struct sb_trust_policy *p = r->ctx->policy;
    size_t n = res->n_unsigned + res->n_unsigned_omitted;

    if (rc != SB_OK || n == 0 || !(r->ctx->require_full_coverage || (p != NULL && p->xml_require_full_coverage))) {
        return rc;
    }
    rc = sb_err_set(err, SB_R_UNSIGNED_CONTENT, "%zu item(s) of the document lie outside every signature reference, "
                    "the first %.200s (line %ld), and %s needs the whole document signed", n,
                    res->unsigned_content[0].location, res->unsigned_content[0].line,
                    r->ctx->require_full_coverage ? "this use (the document is forwarded or attested whole)"
                                                  : "the policy's xml.require_full_coverage");
    res->reason = rc;
    snprintf(res->message, sizeof(res->message), "%s", err != NULL ? err->msg : sb_reason_message(rc));
    return rc;
}

enum sb_reason sb_validate_xml(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err)
{
    const struct sb_trust_policy *p = r->ctx->policy;
    struct sb_xmldsig_verify_opts o;
    struct sb_xmldsig_result xr;
    size_t i;
    int changed = 0;
    enum sb_reason rc;

    memset(&xr, 0, sizeof(xr));
    memset(&o, 0, sizeof(o));
    o.path = &r->in.opts;
    o.anchors = r->in.anchors;
    o.untrusted = r->in.untrusted;
    o.allow_unsigned_content = 1;
    o.no_embedded_revocation = p != NULL && (p->rev_sources & SB_TP_SRC_EMBEDDED) == 0;
    rc = sb_xmldsig_verify(r->ev->obj, r->ev->obj_len, &o, &xr, err);
    res->xmldsig = 1;
    res->unsigned_content = xr.unsigned_content;
    res->n_unsigned = xr.n_unsigned;
    res->n_unsigned_omitted = xr.n_unsigned_omitted;
    xr.unsigned_content = NULL;
    res->reason = xr.reason;
    snprintf(res->message, sizeof(res->message), "%s", xr.message);
    if (xr.n_signers == 0) {
        goto out;
    }
    if ((res->signers = OPENSSL_zalloc(xr.n_signers * sizeof(*res->signers))) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        res->reason = rc;
        goto out;
    }
    res->n_signers = xr.n_signers;
    res->worst = xr.worst;
    for (i = 0; i < xr.n_signers; i++) {
        take_signer(&res->signers[i], &xr.signers[i]);
        changed |= sb_validate_policy_rules(p, &res->signers[i], NULL);
    }
    if (!changed) {
        rc = require_coverage(r, res, rc, err);
        goto out;                        /* otherwise the document's outcome and message stand */
    }
    if (sb_reason_severity(xr.reason) > sb_reason_severity(res->signers[xr.worst].reason)) {
        rc = xr.reason;
    } else {
        sb_validate_pick_worst(res);
        rc = res->reason;
    }
    if (rc != SB_OK) {
        sb_err_set(err, rc, "%s", res->reason == rc ? res->message : xr.message);
    }
    rc = require_coverage(r, res, rc, err);
out:
    sb_xmldsig_result_clear(&xr);
    return rc;
}
