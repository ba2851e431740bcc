/*
 * pki/x509/revocation.h — RFC 5280 §6.3 revocation checking from CRLs the caller supplies.
 *
 * No network fetches: CRLs must be supplied. Handles CRL scope (issuingDistributionPoint: distribution
 * point names, onlyContainsUserCerts/CACerts/AttributeCerts, onlySomeReasons, indirectCRL and the
 * certificateIssuer entry extension), reason-partitioned CRLs (coverage of all reasons), delta CRLs
 * (deltaCRLIndicator matched to a complete CRL with a CRL number >= BaseCRLNumber, removeFromCRL),
 * certificateHold, the CRL validity window, CRL signature (SM2 with the caller's ID) and the signer's
 * key usage cRLSign. A CRL that is unusable (bad signature, unknown critical extension, missing or
 * critical CRL number, wrong scope) is ignored, never trusted. Thread-safe; inputs are only read.
 */
#ifndef SB_REVOCATION_H
#define SB_REVOCATION_H

#include <time.h>
#include <openssl/x509v3.h>
#include "pki/base/err.h"
#include "pki/crypto/sig.h"

enum sb_revocation_mode {
    SB_REV_OFF = 0,      /* no check */
    SB_REV_PREFER,       /* usable CRLs are applied; a certificate without one passes */
    SB_REV_REQUIRE       /* every certificate must be covered by usable CRLs for all reasons */
};

/*
 * Finds and validates a certificate, other than the certificate's own issuer `issuer`, that signs crl:
 * subject equal to the CRL issuer name, key that verifies crl, keyUsage (if present) with cRLSign, and a
 * valid path to the same trust anchor as the certificate being checked. On SB_OK, *signer_key is the
 * (borrowed) public key that verified the CRL. Implemented by the path validator.
 */
typedef enum sb_reason (*sb_crl_signer_fn)(void *arg, X509_CRL *crl, EVP_PKEY **signer_key,
                                           struct sb_err *err);

struct sb_sig_memo;
struct sb_work_budget;

struct sb_revocation_ctx {
    STACK_OF(X509_CRL) *crls;          /* borrowed: all supplied CRLs (complete and delta) */
    time_t at;                         /* validation time */
    enum sb_revocation_mode mode;
    const char *sm2_id;                /* ID for SM2-signed CRLs; NULL = GM/T default */
    const struct sb_algs *algs;        /* borrowed: allow-list for CRL signatures */
    sb_crl_signer_fn find_signer;      /* for CRLs not signed by the certificate's issuer key; may be NULL */
    void *find_signer_arg;
    struct sb_sig_memo *sig_memo;      /* borrowed: signatures already verified (sig_memo.h); may be NULL */
    struct sb_work_budget *budget;     /* borrowed: pays CRL signature verifications (work_budget.h); NULL */
};

/*
 * Check the revocation status of cert, issued by issuer (whose key signs direct CRLs), at ctx->at.
 * Returns SB_OK (not revoked, or mode allows no information), REVOKED (listed with a revocation date
 * not after ctx->at, whether the CRL is current or stale, including certificateHold), or
 * REVOCATION_UNAVAILABLE (mode require and no usable, current CRLs cover all reasons). err names
 * the certificate serial, the CRL issuer and why.
 */
enum sb_reason sb_revocation_check(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                   struct sb_err *err) SB_MUST_USE;

#endif
