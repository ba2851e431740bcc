/*
 * tests/fuzz/fuzz_path.c — RFC 5280 path validation (pki/x509/path.c, names.c, policy_tree.c,
 * revocation.c) behind valid signatures: every certificate of the input bundle gets a harness P-256
 * key and is re-signed as the chain it claims to be (first = target, last = self-signed anchor), and
 * each CRL is re-signed by the certificate named as its issuer (see fuzz_chain.h). Mutated names,
 * constraints, policies, key usages and CRL entries therefore reach the validation logic instead of
 * stopping at a broken signature.
 */
#include "fuzz_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sb_fuzz_chain_one(data, size, 1);
}
