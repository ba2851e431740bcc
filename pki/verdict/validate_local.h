/*
 * pki/verdict/validate_local.h — private to pki/verdict/validate*.c: one validation run at one time, and
 * the per-format steps sb_validate (validate.h) dispatches to.
 */
#ifndef SB_VALIDATE_LOCAL_H
#define SB_VALIDATE_LOCAL_H

#include "pki/verdict/validate.h"

/* The inputs in force for one run at one validation time. */
struct sb_validate_run {
    const struct sb_validation_ctx *ctx;
    const struct sb_evidence *ev;
    struct sb_tp_inputs in;              /* prepared from the policy (owned) or a shallow copy of ctx->inputs */
    int prepared;                        /* 1: in was prepared here (sb_tp_inputs_clear); 0: a copy */
    STACK_OF(X509) *pool;                /* owned (shallow): ctx->inputs' pool + the evidence's certificates */
    STACK_OF(X509_CRL) *crls;            /* owned (shallow): the run's CRLs + the evidence's (envelope) CRLs */
    struct sb_ocsp_supplied *ocsps;      /* owned array (DER borrowed): the run's + the evidence's responses */
};

/* CMS / GM/T 0010: sb_cms_verify, then the policy's rules for each passing signer. */
enum sb_reason sb_validate_cms(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err);
/* XML-DSig: sb_xmldsig_verify, its signatures as res's signers, then the policy's rules. */
enum sb_reason sb_validate_xml(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err);
/* A raw signature value: key and algorithm allowed, signature value, key usage, then the signer's path. */
enum sb_reason sb_validate_raw(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err);

/* Hold a passing signer's path to p's own rules (certificate policies, key usage any-of, chain length);
 * valid_policies as for sb_trust_policy_check_path. 1 when it changed the signer's verdict. */
int sb_validate_policy_rules(const struct sb_trust_policy *p, struct sb_cms_signer *s,
                             STACK_OF(ASN1_OBJECT) *valid_policies);
/* Index of the worst signer, and res's reason and message from it (no-op without signers). */
void sb_validate_pick_worst(struct sb_cms_result *res);

#endif
