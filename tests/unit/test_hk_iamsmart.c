/*
 * tests/unit/test_hk_iamsmart.c — the iAM Smart adapter: envelopes good and bad, then validation of the
 * evidence under a one-anchor policy, and a CMS attestation rendered for Hong Kong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/rsa.h>

#include "adapter_fixture.h"
#include "pki/cms/cms.h"

static const char doc[] = "iAM Smart test document\n";
static const char other_doc[] = "another document\n";

static struct af F;

static EVP_PKEY *key_rsa2048(void)
{
    return tc_key_rsa(2048);
}

static int setup(void **state)
{
    (void)state;
    /* the signer must be RSA (iAM Smart); the CA's key type does not matter, and P-256 is fast to make */
    af_setup(&F, tc_key_ec, key_rsa2048, "hk", "[rsa-pkcs1-sha256, ecdsa-sha256]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    af_teardown(&F);
    return 0;
}

static void sha256(const char *s, unsigned char out[32])
{
    assert_int_equal(EVP_Digest(s, strlen(s), out, NULL, EVP_sha256(), NULL), 1);
}

/* RSA PKCS#1 v1.5 over DigestInfo(SHA-256, h), as `openssl pkeyutl -sign -pkeyopt digest:sha256`. */
static size_t sign_hash(EVP_PKEY *key, const unsigned char h[32], unsigned char *sig, size_t max)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    size_t n = max;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0);
    assert_int_equal(EVP_PKEY_sign(c, sig, &n, h, 32), 1);
    EVP_PKEY_CTX_free(c);
    return n;
}

/* {"hash","hash_alg","signature","certificate"} for doc signed by key with cert. */
static json_t *raw_envelope(const char *text, EVP_PKEY *key, X509 *cert)
{
    unsigned char h[32], sig[512];
    size_t n;
    json_t *j = json_object();
    char *c = af_cert_b64(cert);

    sha256(text, h);
    n = sign_hash(key, h, sig, sizeof(sig));
    af_set_b64(j, "hash", h, 32);
    json_object_set_new(j, "hash_alg", json_string("SHA-256"));
    af_set_b64(j, "signature", sig, n);
    json_object_set_new(j, "certificate", json_string(c));
    free(c);
    return j;
}

static void test_parse_raw_good(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char h[32];

    (void)state;
    af_expect(af_parse(&sb_hk_iamsmart_adapter, raw_envelope(doc, F.key, F.leaf), &ev, &err), SB_OK, &err, "");
    sha256(doc, h);
    assert_int_equal(ev.format, SB_EV_RAW_SIG);
    assert_int_equal(ev.digest_len, 32);
    assert_memory_equal(ev.digest, h, 32);
    assert_string_equal(ev.digest_alg, "sha256");
    assert_true(ev.has_content_sha256);
    assert_memory_equal(ev.content_sha256, h, 32);
    assert_non_null(ev.signer);
    assert_int_equal(X509_cmp(ev.signer, F.leaf), 0);
    assert_string_equal(ev.jurisdiction, "hk");
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
}

/* The raw form with an ECDSA signer: the DER signature value is accepted (checked after the certificate is
 * read), bare r||s is not. */
static void test_parse_raw_ecdsa(void **state)
{
    EVP_PKEY *k = tc_key_ec();
    X509 *x = af_leaf("ECDSA Signer", k, F.ca, F.ca_key, NULL);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    unsigned char h[32], sig[128], rs[64];
    size_t n = sizeof(sig);
    struct sb_evidence ev;
    struct sb_err err;
    char *cert = af_cert_b64(x);
    json_t *j = json_object();

    (void)state;
    sha256(doc, h);
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_true(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0);
    assert_int_equal(EVP_PKEY_sign(c, sig, &n, h, 32), 1);
    EVP_PKEY_CTX_free(c);
    af_set_b64(j, "hash", h, 32);
    json_object_set_new(j, "hash_alg", json_string("SHA-256"));
    json_object_set_new(j, "certificate", json_string(cert));
    af_set_b64(j, "signature", sig, n);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, json_deep_copy(j), &ev, &err), SB_OK, &err, "");
    assert_int_equal(ev.format, SB_EV_RAW_SIG);
    assert_int_equal(ev.obj_len, n);
    assert_memory_equal(ev.obj, sig, n);
    sb_evidence_clear(&ev);
    memset(rs, 0x5A, sizeof(rs));
    af_set_b64(j, "signature", rs, sizeof(rs));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_SIGNATURE, &err,
              "'signature' is not a DER ECDSA signature value");
    sb_evidence_clear(&ev);
    free(cert);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_parse_raw_pem_certificate_and_document(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j = raw_envelope(doc, F.key, F.leaf);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem;
    long n;

    (void)state;
    assert_int_equal(PEM_write_bio_X509(b, F.leaf), 1);
    n = BIO_get_mem_data(b, &pem);
    json_object_set_new(j, "certificate", json_stringn(pem, (size_t)n));
    BIO_free(b);
    af_set_b64(j, "document", (const unsigned char *)doc, strlen(doc));
    json_object_set_new(j, "unknown_key", json_integer(42));      /* ignored */
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
}

static void test_document_mismatch_is_hash_failure(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    af_set_b64(j, "document", (const unsigned char *)other_doc, strlen(other_doc));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_HASH_MISMATCH, &err, "does not match 'hash'");
    sb_evidence_clear(&ev);
}

static void test_wrong_hash_fails_signature(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char h[32];
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    sha256(other_doc, h);
    af_set_b64(j, "hash", h, 32);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIG_CRYPTO, &err, "does not verify");
}

static void test_wrong_signature(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char h[32], sig[512];
    size_t n;
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    sha256(doc, h);
    n = sign_hash(F.stranger_key, h, sig, sizeof(sig));   /* right length, wrong key */
    af_set_b64(j, "signature", sig, n);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIG_CRYPTO, &err, "rsa-pkcs1-sha256");
}

static void test_untrusted_signer(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;

    (void)state;
    af_expect(af_parse(&sb_hk_iamsmart_adapter, raw_envelope(doc, F.stranger_key, F.stranger), &ev, &err), SB_OK,
              &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_CHAIN_NO_ANCHOR, &err, "");
}

static void test_bad_base64(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    json_object_set_new(j, "hash", json_string("not%base64!"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_BASE64, &err,
              "'hash': not base64");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "signature", json_string("QUJD="));          /* bad length / padding */
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_BASE64, &err,
              "'signature': not base64");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "certificate", json_string("QUJDRA=="));     /* base64 of "ABCD": not a certificate */
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_CERTIFICATE, &err,
              "envelope 'certificate': not PEM or DER");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "certificate", json_string("QUJD@A=="));     /* the certificate field's own base64 */
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_BASE64, &err,
              "'certificate': not base64");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "certificate",
                        json_string("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_CERTIFICATE, &err,
              "PEM block 1");
    sb_evidence_clear(&ev);
}

static void test_wrong_hash_length(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char h[31] = { 1 };
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    af_set_b64(j, "hash", h, sizeof(h));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_HASH_LENGTH, &err,
              "'hash' is 31 bytes; a SHA-256 hash is 32 bytes");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "hash_alg", json_string("MD5"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_UNKNOWN_HASH_ALG, &err,
              "'hash_alg' 'MD5'");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);                 /* a 32-byte hash is not a SHA-384 hash */
    json_object_set_new(j, "hash_alg", json_string("SHA-384"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_HASH_LENGTH, &err,
              "a SHA-384 hash is 48 bytes");
    sb_evidence_clear(&ev);
}

static void test_missing_keys(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j;

    (void)state;
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_del(j, "signature");
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err,
              "missing 'signature'");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_del(j, "certificate");
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err,
              "missing 'certificate'");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_del(j, "hash");
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err,
              "missing 'hash'");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_del(j, "certificate");
    json_object_del(j, "signature");
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err,
              "or 'pkcs7'");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "signature", json_string(""));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err,
              "'signature' is empty");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "pkcs7", json_string("MIIB"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_CONFLICTING_FIELDS, &err,
              "not both");
    sb_evidence_clear(&ev);
}

static void test_wrong_types(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j;

    (void)state;
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "hash", json_integer(12));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err, "got a number");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "certificate", json_array());
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err, "got an array");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "hash_alg", json_null());
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err, "got null");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "chain", json_string("x"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err,
              "'chain' must be an array");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_set_new(j, "signing_time", json_string("yesterday"));
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_VALUE, &err,
              "'signing_time' is not an RFC 3339 time");
    sb_evidence_clear(&ev);
}

static void test_certificate_where_signature_belongs(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char *der = NULL;
    int n = tc_der(F.leaf, &der);
    json_t *j = raw_envelope(doc, F.key, F.leaf);

    (void)state;
    af_set_b64(j, "signature", der, (size_t)n);
    OPENSSL_free(der);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_NOT_A_SIGNATURE, &err,
              "'signature' holds a certificate");
    sb_evidence_clear(&ev);
    j = raw_envelope(doc, F.key, F.leaf);
    af_set_b64(j, "signature", (const unsigned char *)"short", 5);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_SIGNATURE, &err,
              "'signature' is 5 bytes; a signature of the certificate's RSA-2048 key is 256 bytes");
    sb_evidence_clear(&ev);
    /* the pkcs7 form: a certificate is no SignedData either, and neither is other base64 */
    j = raw_envelope(doc, F.key, F.leaf);
    json_object_del(j, "signature");
    json_object_del(j, "certificate");
    der = NULL;
    n = tc_der(F.leaf, &der);
    af_set_b64(j, "pkcs7", der, (size_t)n);
    OPENSSL_free(der);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, json_deep_copy(j), &ev, &err), SB_R_ENVELOPE_NOT_A_SIGNATURE, &err,
              "'pkcs7' holds a certificate");
    sb_evidence_clear(&ev);
    af_set_b64(j, "pkcs7", (const unsigned char *)"not a SignedData", 16);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_PKCS7, &err,
              "'pkcs7' does not hold a CMS / PKCS#7 SignedData");
    sb_evidence_clear(&ev);
}

static void test_not_json(void **state)
{
    struct sb_err err;

    (void)state;
    af_expect(af_parse_text(&sb_hk_iamsmart_adapter, "{\"hash\": ", NULL, &err), SB_R_ENVELOPE_BAD_JSON, &err,
              "not valid JSON");
    af_expect(af_parse_text(&sb_hk_iamsmart_adapter, "[1,2]", "application/json", &err), SB_R_ENVELOPE_BAD_JSON,
              &err, "expected a JSON object, got an array");
    af_expect(af_parse_text(&sb_hk_iamsmart_adapter, "{\"hash\":\"AA==\",\"hash\":\"AA==\"}", NULL, &err),
              SB_R_ENVELOPE_BAD_JSON, &err, "duplicate");
    /* not an envelope at all: the body kind is the generic input error */
    af_expect(af_parse_text(&sb_hk_iamsmart_adapter, "{}", "text/plain", &err), SB_R_INPUT_MALFORMED, &err,
              "unsupported content type");
    af_expect(af_parse_text(&sb_hk_iamsmart_adapter, "hello", NULL, &err), SB_R_INPUT_MALFORMED, &err,
              "neither a JSON envelope");
}

/* {"hash","pkcs7"}: a detached SignedData whose message digest is the document's hash. */
static void test_pkcs7_envelope(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char h[32], *p7 = NULL;
    size_t p7_len = 0;
    json_t *j;

    (void)state;
    sb_err_clear(&err);
    assert_int_equal(sb_cms_sign(F.key, F.leaf, NULL, (const unsigned char *)doc, strlen(doc), 1, SB_CMS_FORMAT_CMS,
                                 NULL, TC_T2025, &p7, &p7_len, &err), SB_OK);
    sha256(doc, h);
    j = json_object();
    af_set_b64(j, "hash", h, 32);
    af_set_b64(j, "pkcs7", p7, p7_len);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, json_deep_copy(j), &ev, &err), SB_OK, &err, "");
    assert_int_equal(ev.format, SB_EV_CMS);
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
    sha256(other_doc, h);
    af_set_b64(j, "hash", h, 32);
    af_expect(af_parse(&sb_hk_iamsmart_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_HASH_MISMATCH, &err, "message-digest");
    OPENSSL_free(p7);
}

/* A CMS body is passed through; the CMS attestation for hk verifies under the signer's CA. */
static void test_cms_passthrough_and_render(void **state)
{
    struct sb_attestation_doc d;
    struct sb_attest_key k;
    struct sb_cms_verify_opts vo;
    struct sb_cms_result res;
    struct sb_path_opts po;
    struct sb_evidence ev;
    struct sb_err err;
    STACK_OF(X509) *anchors = tc_stack(F.ca, NULL);
    unsigned char *p7 = NULL, *att = NULL;
    size_t p7_len = 0, att_len = 0;
    char json[] = "{\"version\":1}";

    (void)state;
    sb_err_clear(&err);
    assert_int_equal(sb_cms_sign(F.key, F.leaf, NULL, (const unsigned char *)doc, strlen(doc), 0, SB_CMS_FORMAT_CMS,
                                 NULL, TC_T2025, &p7, &p7_len, &err), SB_OK);
    sb_evidence_init(&ev);
    assert_int_equal(sb_hk_iamsmart_adapter.parse(p7, p7_len, NULL, &ev, &err), SB_OK);
    assert_int_equal(ev.format, SB_EV_CMS);
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");

    memset(&d, 0, sizeof(d));
    d.json = json;
    d.json_len = strlen(json);
    memset(&k, 0, sizeof(k));
    k.format = SB_ATTEST_CMS;
    k.key = F.key;
    k.cert = F.leaf;
    k.signing_time = TC_T2025;
    assert_int_equal(sb_hk_iamsmart_adapter.render(&d, &k, &att, &att_len, &err), SB_OK);
    sb_path_opts_init(&po);
    po.at = TC_T2025;
    po.revocation = SB_REV_OFF;
    memset(&vo, 0, sizeof(vo));
    vo.path = &po;
    vo.anchors = anchors;
    assert_int_equal(sb_cms_verify(att, att_len, &vo, &res, &err), SB_OK);
    assert_int_equal(res.format, SB_CMS_FORMAT_CMS);
    sb_cms_result_clear(&res);
    k.format = SB_ATTEST_GMT0010;                 /* an RSA key cannot make GM/T 0010 */
    OPENSSL_free(att);
    att = NULL;
    assert_int_equal(sb_hk_iamsmart_adapter.render(&d, &k, &att, &att_len, &err), SB_R_USAGE);
    assert_null(att);
    OPENSSL_free(p7);
    sk_X509_pop_free(anchors, X509_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_raw_good),
        cmocka_unit_test(test_parse_raw_ecdsa),
        cmocka_unit_test(test_parse_raw_pem_certificate_and_document),
        cmocka_unit_test(test_document_mismatch_is_hash_failure),
        cmocka_unit_test(test_wrong_hash_fails_signature),
        cmocka_unit_test(test_wrong_signature),
        cmocka_unit_test(test_untrusted_signer),
        cmocka_unit_test(test_bad_base64),
        cmocka_unit_test(test_wrong_hash_length),
        cmocka_unit_test(test_missing_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_certificate_where_signature_belongs),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_pkcs7_envelope),
        cmocka_unit_test(test_cms_passthrough_and_render),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
