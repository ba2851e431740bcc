/*
 * pki/x509/cert_policy.h — RFC 5280 §6.1 certificate policy processing with a bounded policy graph.
 *
 * Implements the valid_policy_tree as the RFC 9618 policy graph (one node per policy OID per depth, so
 * growth is linear, never exponential), with policy mappings, policyConstraints
 * (requireExplicitPolicy / inhibitPolicyMapping), inhibitAnyPolicy, and the user inputs
 * user-initial-policy-set, initial-explicit-policy, initial-policy-mapping-inhibit and
 * initial-any-policy-inhibit. Hard caps on nodes and edges. No global state; thread-safe.
 */
#ifndef SB_CERT_POLICY_H
#define SB_CERT_POLICY_H

#include <stddef.h>
#include <openssl/x509v3.h>
#include "pki/base/err.h"

#define SB_CERTPOL_MAX_NODES 10000   /* total graph nodes; more is POLICY (denial of service guard) */
#define SB_CERTPOL_MAX_MAPPINGS 10000   /* policyMappings entries read over the whole path; more is POLICY */
#define SB_CERTPOL_MAX_POLICIES 20000   /* certificatePolicies entries over the whole path; more is POLICY */
/* Parent edges are bounded by nodes + mappings (each edge comes from one expected_policy_set entry). */

struct sb_certpol_params {
    STACK_OF(ASN1_OBJECT) *user_initial_policy_set;  /* borrowed; NULL or empty = { anyPolicy } */
    int initial_explicit_policy;
    int initial_policy_mapping_inhibit;
    int initial_any_policy_inhibit;
};

/*
 * Run policy processing over path[0..n-1] in RFC 5280 order: path[0] is the certificate issued by the
 * trust anchor, path[n-1] the target. The anchor itself is not part of path. Self-issued certificates
 * (other than the target) do not decrement the counters, as RFC 5280 §6.1.4 (h), (i) say.
 * n == 0 (the target is the anchor itself) is allowed: every policy is then valid.
 * On success *valid_policies (if not NULL) gets a new stack of the authorities-constrained ∩ user policy
 * OIDs (empty when none; a single anyPolicy when the graph accepts any) to free with
 * sk_ASN1_OBJECT_pop_free(…, ASN1_OBJECT_free). POLICY when explicit policy is required and the
 * resulting set is empty, or on malformed policy extensions; POLICY also when the caps are exceeded.
 */
enum sb_reason sb_certpol_process(X509 *const *path, size_t n, const struct sb_certpol_params *params,
                                 STACK_OF(ASN1_OBJECT) **valid_policies, struct sb_err *err) SB_MUST_USE;

#endif
