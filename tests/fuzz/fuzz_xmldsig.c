/*
 * tests/fuzz/fuzz_xmldsig.c — XML-DSig verification (pki/xml/xmldsig.h) on any input: the safe parser
 * (pki/xml/xml_safe.h caps), Id indexing, references, transforms and canonicalisation, algorithms, KeyInfo
 * certificates, the unsigned-content (wrapping) check, XAdES properties.
 *
 * Anchors are the self-issued certificates of the document's KeyInfo (as in fuzz_cms), found on a first
 * pass with keyinfo_trusted, then the document is verified with full path validation; the input length
 * selects whether unsigned content is allowed. Checks: the returned reason equals res.reason and err.reason, failures
 * carry a message, at most SB_XMLDSIG_MAX_SIGNATURES signers, and reference counts stay under their cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pki/xml/xmldsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_xmldsig_verify_opts vo;
    struct sb_xmldsig_result res;
    struct sb_path_opts po;
    struct sb_err err;
    STACK_OF(X509) *anchors = sk_X509_new_null();
    X509 *x;
    size_t i;
    int j;
    enum sb_reason rc;

    if (anchors == NULL) {
        return 0;
    }
    sb_path_opts_init(&po);
    po.at = SB_FUZZ_AT;
    memset(&vo, 0, sizeof(vo));
    vo.path = &po;
    vo.allow_unsigned_content = size % 2;
    {
        /* pass 1: KeyInfo trusted (trusted-list mode), to collect self-issued certificates as anchors */
        vo.keyinfo_trusted = 1;
        sb_err_clear(&err);
        if (sb_xmldsig_verify(data, size, &vo, &res, &err) != res.reason) {
            abort();
        }
        for (i = 0; i < res.n_signers; i++) {
            for (j = 0; j < sk_X509_num(res.signers[i].keyinfo_certs); j++) {
                x = sk_X509_value(res.signers[i].keyinfo_certs, j);
                if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 && X509_up_ref(x)
                    && !sk_X509_push(anchors, x)) {
                    X509_free(x);
                }
            }
        }
        sb_xmldsig_result_clear(&res);
        vo.keyinfo_trusted = 0;
    }
    vo.anchors = anchors;
    sb_err_clear(&err);
    rc = sb_xmldsig_verify(data, size, &vo, &res, &err);
    sb_fuzz_debug("xmldsig", sb_reason_name(rc), err.msg);
    check(rc == res.reason && rc == err.reason);
    check(rc == SB_OK || (res.message[0] != '\0' && err.msg[0] != '\0'));
    check(res.n_signers <= SB_XMLDSIG_MAX_SIGNATURES);
    check(res.n_signers == 0 || res.worst < res.n_signers);
    for (i = 0; i < res.n_signers; i++) {
        check(res.signers[i].n_refs <= SB_XMLDSIG_MAX_REFERENCES);
    }
    if (rc == SB_OK) {
        check(res.n_signers >= 1);
    }
    sb_xmldsig_result_clear(&res);
    sk_X509_pop_free(anchors, X509_free);
    sb_fuzz_end();
    return 0;
}
