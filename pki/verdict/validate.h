/*
 * pki/verdict/validate.h — validate a signed object under one jurisdiction's trust policy.
 *
 * The pipeline shared by `sigbridge verify --policy-dir`, the gateway's /v1/verify and translation:
 * the policy gives anchors, intermediates, CRLs, algorithms, revocation mode, validation time rule and
 * SM2 ID; the object's signatures and every signer's path are verified (pki/cms/cms.h); then each passing
 * signer's path is held to the policy's own rules (certificate policy OIDs, key usage any-of, chain
 * length: sb_trust_policy_check_path). Thread-safe on an immutable policy; no I/O.
 */
#ifndef SB_VALIDATE_H
#define SB_VALIDATE_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "pki/cms/cms.h"
#include "pki/policy/trust_policy.h"
#include "pki/verdict/verdict_memo.h"

/* The object and what comes with it. All pointers borrowed. */
struct sb_validate_input {
    const unsigned char *obj;          /* the signed object (CMS DER / PEM / S/MIME) */
    size_t len;
    const unsigned char *data;         /* detached content; NULL = none */
    size_t data_len;
    const unsigned char *digest;       /* digest-only mode; NULL = not used */
    size_t digest_len;
    const char *digest_alg;            /* with digest: sha256 | sha384 | sha512 | sm3 */
    const char *sm2_id;                /* the signer's SM2 ID; NULL = the policy's sm2.default_id */
    time_t now;                        /* the current time */
    const time_t *at;                  /* explicit validation time (overrides the policy rule); NULL */
    /* Optional caches shared across calls (all NULL = none; a zeroed input keeps working unchanged). */
    struct sb_chain_cache *chain_cache;   /* validated paths (chain_cache.h); used only with cache_scope */
    const unsigned char *cache_scope;     /* 32 bytes naming the policy snapshot + jurisdiction: entries are
                                           * never served to another scope (sb_validate_cache_scope) */
    struct sb_cert_cache *cert_cache;     /* decoded certificates by SHA-256 of their DER (cert_cache.h) */
    struct sb_verdict_memo *memo;         /* rendered certificate names (verdict_memo.h) */
    struct sb_sm2_cache *sm2_cache;       /* SM2 key form + ZA per (key, ID) (sm2_cache.h) */
};

/*
 * Validate in->obj under p. res is filled in every case (one entry per signer once parsed; each signer's
 * verdict includes the policy's rules) and its reason returned; *at_used (may be NULL) gets the validation
 * time applied. err carries the overall reason and message.
 */
enum sb_reason sb_validate_object(const struct sb_trust_policy *p, const struct sb_validate_input *in,
                                  struct sb_cms_result *res, time_t *at_used, struct sb_err *err) SB_MUST_USE;

/* The chain-cache scope of jurisdiction under policy snapshot: SHA-256(snapshot || 0x00 || jurisdiction).
 * 0 on failure (then pass no chain cache). */
int sb_validate_cache_scope(const char *snapshot, const char *jurisdiction, unsigned char out[32]);

/* Hold every passing signer of res to p's own rules (sb_trust_policy_check_path), then recompute the
 * overall verdict as the worst signer. */
void sb_validate_apply_policy(const struct sb_trust_policy *p, struct sb_cms_result *res);

/* The DESIGN §7 JSON of a CMS result (top-level verdict = worst signer, plus "signers"); NULL on failure. */
json_t *sb_validate_result_json(const struct sb_cms_result *res, time_t at);

/* sb_validate_result_json with certificates rendered through memo (NULL = none); the same JSON. */
json_t *sb_validate_result_json_ex(const struct sb_cms_result *res, time_t at, struct sb_verdict_memo *memo);

#endif
