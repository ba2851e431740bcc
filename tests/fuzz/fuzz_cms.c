/*
 * tests/fuzz/fuzz_cms.c — CMS / PKCS#7 and GM/T 0010 SignedData verification (pki/cms/cms.h) on any input:
 * DER, PEM, S/MIME (multipart/signed and application/pkcs7-mime) and BER (indefinite lengths).
 *
 * The trust anchors are the self-issued certificates the object itself carries (found with the private
 * parser sb_cms_parse), so a seed signed with a test-PKI leaf and carrying its chain passes, and mutants
 * reach every stage: parsing, signer lookup, algorithms, signed attributes, the signature, path
 * validation. Detached objects get the fixed content of tests/fuzz/make-seeds.sh; the input length
 * chooses how the content is supplied (as data, as its SHA-256 or as its SM3). Checks: the returned
 * reason equals res.reason and err.reason, failures carry a message, at most SB_CMS_MAX_SIGNERS
 * signers, and the result always encodes as the CLI's JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz_common.h"
#include "pki/cms/cms_local.h"
#include "pki/verdict/verdict_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Must equal DOC in tests/fuzz/make-seeds.sh (the content every detached seed signs). */
static const char sb_fuzz_doc[] = "sigbridge fuzz document\n";

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* Self-issued certificates carried by the object (anchors); empty when it does not parse. */
static STACK_OF(X509) *object_anchors(const uint8_t *data, size_t size, int *detached)
{
    struct sb_cms_parsed *p = OPENSSL_zalloc(sizeof(*p));
    STACK_OF(X509) *out = sk_X509_new_null();
    X509 *x;
    int i;

    *detached = 0;
    if (p == NULL || out == NULL) {
        goto done;
    }
    if (sb_cms_parse(data, size, NULL, NULL, p, NULL) == SB_OK) {
        *detached = !p->has_econtent && !p->has_mime_content;
        for (i = 0; i < sk_X509_num(p->certs); i++) {
            x = sk_X509_value(p->certs, i);
            if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 && X509_up_ref(x)) {
                if (!sk_X509_push(out, x)) {
                    X509_free(x);
                }
            }
        }
    }
done:
    if (p != NULL) {
        sb_cms_parsed_free(p);
        OPENSSL_free(p);
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_cms_verify_opts vo;
    struct sb_cms_result res;
    struct sb_path_opts po;
    struct sb_err err;
    STACK_OF(X509) *anchors;
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    json_t *top;
    size_t sel = size % 3;
    int detached = 0;
    enum sb_reason rc;

    anchors = object_anchors(data, size, &detached);
    sb_path_opts_init(&po);
    po.at = SB_FUZZ_AT;
    memset(&vo, 0, sizeof(vo));
    vo.path = &po;
    vo.anchors = anchors;
    if (sel == 0 && detached) {
        vo.data = (const unsigned char *)sb_fuzz_doc;
        vo.data_len = sizeof(sb_fuzz_doc) - 1;
    } else if (sel != 0) {
        if (!EVP_Digest(sb_fuzz_doc, sizeof(sb_fuzz_doc) - 1, dg, &dlen, sel == 1 ? EVP_sha256() : EVP_sm3(), NULL)) {
            abort();
        }
        vo.digest = dg;
        vo.digest_len = dlen;
        vo.digest_alg = sel == 1 ? "sha256" : "sm3";
    }
    sb_err_clear(&err);
    rc = sb_cms_verify(data, size, &vo, &res, &err);
    sb_fuzz_debug("cms", sb_reason_name(rc), err.msg);
    check(rc == res.reason && rc == err.reason);
    check(rc == SB_OK || (res.message[0] != '\0' && err.msg[0] != '\0'));
    check(res.n_signers <= SB_CMS_MAX_SIGNERS);
    check(res.n_signers == 0 || res.worst < res.n_signers);
    if (rc == SB_OK) {
        check(res.n_signers >= 1);
    }
    /* the JSON every caller prints (pki/verdict/verdict_render.h) */
    top = sb_verdict_json(&res, po.at, NULL);
    check(top != NULL);
    check(json_array_size(json_object_get(top, "signers")) == res.n_signers);
    json_decref(top);
    sb_cms_result_clear(&res);
    sk_X509_pop_free(anchors, X509_free);
    sb_fuzz_end();
    return 0;
}
