/*
 * pki/verdict/validate.h — the one validation entry point: any evidence, one result.
 *
 * sb_validate() is what every caller runs: POST /v1/verify, the proxy routes, POST /v1/translate,
 * `sigbridge verify` (with and without --policy-dir) and `sigbridge translate`. It takes the evidence
 * (pki/verdict/evidence.h: CMS / GM/T 0010, XML-DSig or a raw signature value) and a context naming what
 * to validate against: a jurisdiction's trust policy (anchors, intermediates, CRLs, algorithms, revocation
 * mode, validation time rule, SM2 ID, and its own path rules: certificate policy OIDs, key usage any-of,
 * chain length), or — for `sigbridge verify` without --policy-dir — prepared inputs from command-line
 * flags alone. The result is a struct sb_cms_result for every format (one entry per signature), rendered by
 * pki/verdict/verdict_render.h. The policy's `time.validate_at: signing_time` rule is applied here, once,
 * for every format: a claimed signing time moves the validation time and the evidence is validated again.
 *
 * Not done here: no envelope parsing (adapters/), no recognition (pki/policy/recognition.h), no I/O.
 * Thread-safe on an immutable policy; the optional caches are thread-safe themselves.
 */
#ifndef SB_VALIDATE_H
#define SB_VALIDATE_H

#include <stddef.h>
#include <time.h>
#include "pki/cms/cms.h"
#include "pki/policy/trust_policy.h"
#include "pki/verdict/evidence.h"

struct sb_chain_cache;
struct sb_cert_cache;
struct sb_cert_memo;
struct sb_sm2_cache;
struct sb_sig_memo;
struct sb_work_budget;

/* Caches shared across calls, all borrowed and optional (a zeroed struct = none). */
struct sb_validation_caches {
    struct sb_chain_cache *chain;        /* validated paths (chain_cache.h): every format; only with scope */
    const unsigned char *scope;          /* 32 bytes naming the policy snapshot + jurisdiction: entries are never
                                          * served to another scope (sb_validate_cache_scope) */
    struct sb_cert_cache *certs;         /* decoded certificates by SHA-256 of their DER (CMS) */
    struct sb_cert_memo *memo;           /* rendered certificate names (CMS signers, verdict JSON) */
    struct sb_sm2_cache *sm2;            /* SM2 key form + ZA per (key, ID) (CMS) */
    struct sb_sig_memo *sigs;            /* certificate and CRL signatures already verified (sig_memo.h): every
                                          * format, any scope (a fact about bytes, never about a policy) */
};

/* What to validate against and when. All pointers borrowed. */
struct sb_validation_ctx {
    const struct sb_trust_policy *policy;  /* the source jurisdiction's trust policy; NULL = inputs alone */
    const struct sb_tp_inputs *inputs;     /* prepared anchors, untrusted pool and path options. Required when
                                            * policy is NULL (plain command-line flags). With a policy: NULL =
                                            * prepared from the policy for each run; else used as given
                                            * (--policy-dir tightened by flags), only opts.at is replaced */
    time_t now;                            /* the current time */
    const time_t *at;                      /* explicit validation time; NULL = the policy's rule at now (no
                                            * policy: now) */
    struct sb_validation_caches caches;    /* the chain cache is used only with a policy and inputs NULL */
    int require_full_coverage;             /* 1: the caller forwards or re-attests the whole document (proxy
                                            * routes, translation): an XML-DSig document with unsigned content
                                            * is UNSIGNED_CONTENT; 0: the policy's xml.require_full_coverage */
    struct sb_work_budget *budget;         /* borrowed, NULL = unlimited: a run on an event loop pays each costly
                                            * step from it (pki/base/work_budget.h; only CMS evidence is paid
                                            * step by step, any other format spends it at once). Once it is
                                            * spent the result must be thrown away and the run repeated
                                            * without a budget; nothing it did is cached as an outcome */
    sb_more_crls_fn more_crls;             /* NULL = offline; else, for a policy whose revocation.sources lists
                                            * crl, the source of CRL distribution point CRLs (revocation.h;
                                            * the daemon's gateway/daemon/revocation_fetch.c) */
    void *more_crls_arg;
    sb_ocsp_source_fn ocsp;                /* NULL = offline; else, for a policy whose revocation.sources lists
                                            * ocsp, the OCSP source (revocation.h) */
    void *ocsp_arg;
};

/*
 * Validate ev under ctx. res is filled in every case (one entry per signature once the object was read;
 * with a policy, each passing signer is also held to the policy's own rules; res->reason is the worst) and
 * its reason returned. Input the pipeline cannot read returns an exit-2 reason (INPUT_MALFORMED, FORMAT
 * parse failures stay verdicts) with res->n_signers 0. *at_used (may be NULL) gets the validation time
 * applied. err carries the overall reason and message.
 */
enum sb_reason sb_validate(const struct sb_validation_ctx *ctx, const struct sb_evidence *ev,
                           struct sb_cms_result *res, time_t *at_used, struct sb_err *err) SB_MUST_USE;

/*
 * The path checks every format shares, also run alone by `policy explain` for a bare certificate:
 * sb_chain_validate of leaf under in, then (policy non-NULL and the path valid) the policy's own rules,
 * sb_trust_policy_check_path (m, may be NULL, says which OID matched which pattern). res gets the path.
 * chain_err and policy_err (both required) get each step's reason and message (SB_OK when it passed or
 * was not run). Returns the chain's reason when it failed, else the rules'.
 */
enum sb_reason sb_validate_path(const struct sb_trust_policy *policy, const struct sb_tp_inputs *in, X509 *leaf,
                                struct sb_chain_result *res, struct sb_tp_policy_match *m, struct sb_err *chain_err,
                                struct sb_err *policy_err);

/* The chain-cache scope of jurisdiction under policy snapshot: SHA-256(snapshot || 0x00 || jurisdiction).
 * 0 on failure (then pass no chain cache). */
int sb_validate_cache_scope(const char *snapshot, const char *jurisdiction, unsigned char out[32]);

#endif
