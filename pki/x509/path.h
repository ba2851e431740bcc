/*
 * pki/x509/path.h — RFC 5280 §6 validation of one concrete certification path.
 *
 * The path is given leaf first, trust anchor last. The anchor is a trust input: its validity, key,
 * pathLenConstraint, key usage, name constraints and critical extensions constrain the path (RFC 5280
 * §6.1.1 (d), RFC 5937), its self-signature is not checked, and its own §4 profile is judged only under
 * the strict and webpki profiles. Chain building (which path to try) is chain.h's job. No I/O, no global
 * state; thread-safe.
 */
#ifndef SB_PATH_H
#define SB_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509v3.h>
#include "pki/base/err.h"
#include "pki/x509/revocation.h"
#include "pki/crypto/sig.h"

struct sb_chain_cache;
struct sb_sig_memo;
struct sb_work_budget;

/* Ordered: each profile enforces everything the ones before it do. */
enum sb_profile {
    SB_PROFILE_RFC5280 = 0,    /* the RFC 5280 §6 algorithm; §4 CA-side MUSTs that do not change its outcome
                                * (criticality of policyConstraints / nameConstraints / AKI / SKI, AKI and
                                * SKI presence, the anchor's own profile) are not failures */
    SB_PROFILE_STRICT,         /* adds those RFC 5280 §4 CA-profile rules */
    SB_PROFILE_WEBPKI          /* adds the CA/Browser Forum rules to strict */
};

/* "rfc5280", "strict" or "webpki". */
const char *sb_profile_name(enum sb_profile p);

#define SB_PATH_MAX_EMAILS 16

/* Everything a caller can require of a path (the `sigbridge chain` options). */
struct sb_cert_index;

struct sb_path_opts {
    time_t at;                                 /* validation time */
    STACK_OF(ASN1_OBJECT) *policies;           /* borrowed: user-initial-policy-set; NULL = anyPolicy */
    int explicit_policy;
    int inhibit_policy_mapping;
    int inhibit_any_policy;
    int max_depth;                             /* max intermediates, self-issued not counted; -1 = none */
    enum sb_revocation_mode revocation;
    STACK_OF(X509_CRL) *crls;                  /* borrowed */
    const struct sb_ocsp_supplied *ocsps;      /* borrowed: OCSP responses carried in the object (embedded) or
                                                * given by the caller (file), judged with crls before any network
                                                * source (revocation.h); they are part of the cache key, and a path
                                                * validated with them is cached no longer than they are current */
    size_t n_ocsps;
    STACK_OF(ASN1_OBJECT) *ekus;               /* borrowed: all required of the leaf; NULL = none */
    uint32_t key_usage;                        /* KU_* bits all required of the leaf; 0 = none */
    const char *hostname;                      /* DNS name or IP literal; NULL = none */
    const char *emails[SB_PATH_MAX_EMAILS];    /* RFC 822 names, each required */
    size_t n_emails;
    enum sb_profile profile;
    const char *sm2_id;                        /* ID for SM2 certificate and CRL signatures; NULL = GM/T default */
    struct sb_algs algs;
    struct sb_chain_cache *cache;              /* borrowed: validated-path cache (chain_cache.h); NULL = none */
    int *shared_sig_budget;                    /* borrowed: signature checks left for a whole object (all its
                                                * signers); decremented by every validation; NULL = none */
    unsigned char cache_scope[32];             /* with cache: the caller's scope (snapshot id + jurisdiction) */
    int scope_covers_anchors;                  /* with cache: cache_scope already identifies the anchors */
    const struct sb_cert_index *anchor_index;  /* borrowed: exactly the anchors given to sb_chain_validate, by
                                                * subject (a policy snapshot's); NULL = scan them */
    const struct sb_cert_index *untrusted_index;   /* borrowed: the first sb_cert_index_count() certificates
                                                    * of the untrusted pool, by subject; NULL = scan them */
    int scoped_crls;                           /* with cache: the first N of crls are identified by cache_scope
                                                * (a policy snapshot's own CRLs); only the rest are hashed */
    struct sb_sig_memo *sig_memo;              /* borrowed: certificate and CRL signatures already verified
                                                * (sig_memo.h); NULL = verify every one */
    struct sb_work_budget *budget;             /* borrowed: pays each signature verification and certificate
                                                * decode of the run (pki/base/work_budget.h); NULL = unlimited.
                                                * A spent budget's outcome is never cached */
    sb_more_crls_fn more_crls;                 /* NULL: only crls; else the revocation check's source of more
                                                * CRLs (revocation.h), e.g. the daemon's CDP fetcher. A path
                                                * validated with them is cached no longer than they are current,
                                                * and not at all when the source failed */
    void *more_crls_arg;
    sb_ocsp_source_fn ocsp;                    /* NULL: no OCSP fetching; else the revocation check's OCSP source
                                                * (revocation.h); cached paths as with more_crls */
    void *ocsp_arg;
    int ocsp_before_crl;                       /* with both: OCSP asked before the CRL distribution points */
    long skew_s;                               /* clock skew allowed for OCSP times */
    const struct sb_rev_fetch *fetch;          /* borrowed: the policy's fetch settings (revocation.h); NULL */
    /* Evidence only (sb_chain_result.revocation), as in sb_revocation_ctx: */
    STACK_OF(X509_CRL) *embedded_crls;         /* borrowed: those of crls carried in the signed object; NULL */
    STACK_OF(X509_CRL) *known_crls;            /* borrowed: CRLs whose SHA-256 is known (a policy's); NULL */
    const unsigned char (*known_sha256)[32];   /* borrowed: parallel to known_crls */
};

#define SB_PATH_DEFAULT_SKEW_S 300   /* clock skew for OCSP times without a policy (time.max_clock_skew_s's default):
                                      * a response fetched now may be produced a moment after the validation time */

/* Fill o with defaults: now, anyPolicy, no limits, revocation prefer, rfc5280 profile, strong algorithms, the
 * default clock skew. */
void sb_path_opts_init(struct sb_path_opts *o);

/*
 * Validate path[0] (leaf) .. path[n-1] (anchor); signatures between links must already have been
 * checked by the caller (the builder does it while building). rev is the revocation context to use
 * (its find_signer bound to this path's anchor). On SB_OK *policies (if not NULL) is the valid policy
 * set (sk_ASN1_OBJECT_pop_free). On failure err says which certificate and why. ev (may be NULL; n entries,
 * zeroed by the caller) gets each certificate's revocation evidence (sb_revocation_check_ev) as far as its
 * status was checked; the anchor's stays zero.
 */
enum sb_reason sb_path_check(const struct sb_path_opts *o, X509 *const *path, size_t n,
                             const struct sb_revocation_ctx *rev, STACK_OF(ASN1_OBJECT) **policies,
                             struct sb_rev_evidence *ev, struct sb_err *err) SB_MUST_USE;

/*
 * The trust anchor's own RFC 5280 §4 CA profile, as the strict profile judges it (critical basicConstraints
 * cA=true, keyCertSign, subjectKeyIdentifier, extension criticality...); validity and key strength are not
 * part of it. SB_OK or the first rule broken, err naming it ("trust anchor (CN=…) is a CA whose …").
 * For operators (check-config): the default rfc5280 profile accepts such an anchor.
 */
enum sb_reason sb_path_anchor_profile(X509 *anchor, struct sb_err *err) SB_MUST_USE;

#endif
