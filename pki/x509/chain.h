/*
 * pki/x509/chain.h — certification path building and validation against a set of trust anchors.
 *
 * Builds paths depth-first from the target through the untrusted candidates to any anchor, checking each
 * link's signature, and backtracking to alternative issuers (cross-certificates, several candidates,
 * loops) when a path fails validation. A candidate named like the issuer whose subjectKeyIdentifier
 * contradicts the child's authorityKeyIdentifier is another CA with the same name and never an issuer
 * (RFC 4158). Hard caps on path length, signature checks and search steps keep hostile inputs bounded.
 * Revocation uses the supplied CRLs; a CRL signed by a key other than the certificate's issuer (separate
 * CRL keys, indirect CRLs) is accepted only from a certificate that itself validates to the same anchor,
 * or whose own path is the one being validated (an indirect CRL issuer whose status that CRL gives).
 * Thread-safe; inputs are only read.
 */
#ifndef SB_CHAIN_H
#define SB_CHAIN_H

#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/x509/path.h"

#define SB_CHAIN_MAX_LEN       32    /* certificates in one path, leaf and anchor included */
#define SB_CHAIN_MAX_SIG_CHECKS 200  /* signature verifications per validation, nested ones included */
#define SB_CHAIN_MAX_STEPS     4000  /* search steps per validation */
#define SB_CHAIN_MAX_PATHS     8     /* complete candidate paths fully validated per validation */

struct sb_chain_result {
    STACK_OF(X509) *chain;                 /* owned: leaf → anchor of the accepted (or best failed) path */
    STACK_OF(ASN1_OBJECT) *policies;       /* owned: valid policy set on success, else NULL */
    struct sb_rev_evidence *revocation;    /* owned (OPENSSL_free): n_revocation entries parallel to chain, each
                                            * certificate's revocation evidence (revocation.h; the anchor's and
                                            * any not checked are zero); NULL when revocation is off */
    size_t n_revocation;
};

/* Release what r owns and zero it. */
void sb_chain_result_clear(struct sb_chain_result *r);

/*
 * Validate leaf under o against anchors, using untrusted as path candidates. On SB_OK res->chain is the
 * validated path, with res->revocation the evidence behind each certificate's revocation status (a path served
 * from the validated-path cache carries the evidence it was validated with). On failure err holds the most relevant reason: the failure of the first complete
 * path tried, else a signature failure, else CHAIN_NO_ANCHOR (naming a candidate set aside for its key
 * identifier, if any); res->chain then holds that failed path when one was complete, otherwise it is empty.
 */
enum sb_reason sb_chain_validate(const struct sb_path_opts *o, X509 *leaf, STACK_OF(X509) *anchors,
                                 STACK_OF(X509) *untrusted, struct sb_chain_result *res,
                                 struct sb_err *err) SB_MUST_USE;

#endif
