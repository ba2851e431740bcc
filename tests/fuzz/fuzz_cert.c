/*
 * tests/fuzz/fuzz_cert.c — certificate and CRL loading (pki/base/load.h: PEM/DER auto-detection, several
 * objects per input) and path building/validation (pki/x509/chain.h) on the objects exactly as received.
 *
 * Input: a PEM bundle of CERTIFICATE / X509 CRL blocks or concatenated DER certificates; the first
 * certificate is validated, the last is the anchor (see fuzz_chain.h). Signatures are checked as they
 * are, so this target mostly explores the loaders, signature/algorithm parsing and chain building.
 */
#include "fuzz_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sb_fuzz_chain_one(data, size, 0);
}
