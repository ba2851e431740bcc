/*
 * tests/unit/test_cn_gmt.c — the GM/T adapter: raw SM2 envelopes (DER and r||s, IDs) good and bad, GM/T
 * 0010 SignedData passed through, validation under a one-anchor SM2 policy, and a GM/T 0010 attestation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "adapter_fixture.h"
#include "pki/cms/cms.h"
#include "pki/crypto/sm2.h"

static const char msg[] = "GM/T 0009 test message\n";
static const char other_msg[] = "a different message\n";
#define ALT_ID "ALICE123@YAHOO.COM"

static struct af F;

static int setup(void **state)
{
    (void)state;
    af_setup(&F, tc_key_sm2, tc_key_sm2, "cn", "[sm2-sm3]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    af_teardown(&F);
    return 0;
}

/* DER SM2 signature of text under id by key (OPENSSL_free). */
static unsigned char *sm2_sig(EVP_PKEY *key, const char *id, const char *text, size_t *len)
{
    unsigned char *sig = NULL;
    struct sb_err err;

    sb_err_clear(&err);
    assert_int_equal(sb_sm2_sign(key, id, (const unsigned char *)text, strlen(text), &sig, len, &err), SB_OK);
    return sig;
}

/* The 64-byte r||s form of a DER signature. */
static void der_to_rs(const unsigned char *der, size_t len, unsigned char rs[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
    const BIGNUM *r, *sv;

    assert_non_null(s);
    ECDSA_SIG_get0(s, &r, &sv);
    assert_int_equal(BN_bn2binpad(r, rs, 32), 32);
    assert_int_equal(BN_bn2binpad(sv, rs + 32, 32), 32);
    ECDSA_SIG_free(s);
}

/* {"signature","certificate","data"[,"id"]}: text signed by key under sign_id. */
static json_t *envelope(const char *text, EVP_PKEY *key, X509 *cert, const char *sign_id, const char *env_id)
{
    unsigned char *sig;
    size_t n = 0;
    json_t *j = json_object();
    char *c = af_cert_b64(cert);

    sig = sm2_sig(key, sign_id, text, &n);
    af_set_b64(j, "signature", sig, n);
    OPENSSL_free(sig);
    json_object_set_new(j, "certificate", json_string(c));
    af_set_b64(j, "data", (const unsigned char *)text, strlen(text));
    if (env_id != NULL) {
        json_object_set_new(j, "id", json_string(env_id));
    }
    free(c);
    return j;
}

static void test_der_envelope_good(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;

    (void)state;
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.key, F.leaf, NULL, NULL), &ev, &err), SB_OK, &err, "");
    assert_int_equal(ev.format, SB_EV_RAW_SIG);
    assert_int_equal(ev.raw_rs, 0);
    assert_null(ev.sm2_id);
    assert_int_equal(ev.content_len, strlen(msg));
    assert_true(ev.has_content_sha256);
    assert_string_equal(ev.jurisdiction, "cn");
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
}

static void test_rs_envelope_good(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char *der, rs[64];
    size_t n = 0;
    json_t *j = envelope(msg, F.key, F.leaf, NULL, NULL);

    (void)state;
    der = sm2_sig(F.key, NULL, msg, &n);
    der_to_rs(der, n, rs);
    OPENSSL_free(der);
    af_set_b64(j, "signature", rs, 64);
    af_expect(af_parse(&sb_cn_gmt_adapter, json_deep_copy(j), &ev, &err), SB_OK, &err, "");
    assert_int_equal(ev.raw_rs, 1);
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
    /* forcing the DER reading of an r||s value is an envelope error */
    json_object_set_new(j, "signature_format", json_string("der"));
    af_expect(af_parse(&sb_cn_gmt_adapter, json_deep_copy(j), &ev, &err), SB_R_ENVELOPE_BAD_SIGNATURE, &err,
              "'signature' (64 bytes) is not a DER SEQUENCE { r, s }");
    sb_evidence_clear(&ev);
    json_object_set_new(j, "signature_format", json_string("base64"));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_VALUE, &err,
              "'signature_format' 'base64' is not");
    sb_evidence_clear(&ev);
}

static void test_rs_forced_on_der(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j = envelope(msg, F.key, F.leaf, NULL, NULL);

    (void)state;
    json_object_set_new(j, "signature_format", json_string("rs"));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_SIGNATURE, &err, "is not a 64-byte r||s");
    sb_evidence_clear(&ev);
}

static void test_wrong_message(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    json_t *j = envelope(msg, F.key, F.leaf, NULL, NULL);

    (void)state;
    af_set_b64(j, "data", (const unsigned char *)other_msg, strlen(other_msg));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIG_CRYPTO, &err, "does not verify");
}

static void test_wrong_key(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;

    (void)state;
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.stranger_key, F.leaf, NULL, NULL), &ev, &err), SB_OK, &err,
              "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIG_CRYPTO, &err, "");
}

static void test_ids(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;

    (void)state;
    /* signed and declared with the same non-default ID */
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.key, F.leaf, ALT_ID, ALT_ID), &ev, &err), SB_OK, &err, "");
    assert_string_equal(ev.sm2_id, ALT_ID);
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
    /* signed with the default ID, declared with another one: the mismatch is named */
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.key, F.leaf, NULL, ALT_ID), &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SM2_ID_MISMATCH, &err, ALT_ID);
    /* signed with another ID, none declared: the policy's default does not verify */
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.key, F.leaf, ALT_ID, NULL), &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIG_CRYPTO, &err, "1234567812345678");
}

static void test_untrusted_signer(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;

    (void)state;
    af_expect(af_parse(&sb_cn_gmt_adapter, envelope(msg, F.stranger_key, F.stranger, NULL, NULL), &ev, &err), SB_OK,
              &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_CHAIN_NO_ANCHOR, &err, "");
}

static void test_bad_envelopes(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    char long_id[SB_EV_MAX_ID + 2];
    unsigned char *der = NULL;
    int n;
    json_t *j;

    (void)state;
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_set_new(j, "signature", json_string("@@@@"));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_BASE64, &err, "'signature': not base64");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_set_new(j, "data", json_string("AAA"));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_BASE64, &err, "'data': not base64");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_del(j, "data");
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err, "missing 'data'");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_del(j, "certificate");
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err, "missing 'certificate'");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_del(j, "signature");
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_MISSING_FIELD, &err, "missing 'signature'");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_set_new(j, "id", json_integer(1234567812345678LL));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err, "'id' must be a string");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_set_new(j, "data", json_object());
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_TYPE, &err,
              "'data' must be a base64 string, got an object");
    sb_evidence_clear(&ev);
    /* a certificate where the signature belongs */
    n = tc_der(F.leaf, &der);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    af_set_b64(j, "signature", der, (size_t)n);
    OPENSSL_free(der);
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_NOT_A_SIGNATURE, &err,
              "'signature' holds a certificate");
    sb_evidence_clear(&ev);
    /* neither DER nor r||s */
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    af_set_b64(j, "signature", (const unsigned char *)"0123456789012345678901234567890123456789", 40);
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_SIGNATURE, &err,
              "'signature' (40 bytes) is neither a DER SM2 signature");
    sb_evidence_clear(&ev);
    /* id over the limit; pkcs7 next to signature + certificate; JSON that is not an object */
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    memset(long_id, 'A', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    json_object_set_new(j, "id", json_string(long_id));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_VALUE, &err, "'id' is longer than");
    sb_evidence_clear(&ev);
    j = envelope(msg, F.key, F.leaf, NULL, NULL);
    json_object_set_new(j, "pkcs7", json_string("MIIB"));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_CONFLICTING_FIELDS, &err, "not both");
    sb_evidence_clear(&ev);
    j = json_object();
    der = NULL;
    n = tc_der(F.leaf, &der);
    af_set_b64(j, "pkcs7", der, (size_t)n);
    OPENSSL_free(der);
    af_expect(af_parse(&sb_cn_gmt_adapter, json_deep_copy(j), &ev, &err), SB_R_ENVELOPE_NOT_A_SIGNATURE, &err,
              "'pkcs7' holds a certificate");
    sb_evidence_clear(&ev);
    af_set_b64(j, "pkcs7", (const unsigned char *)"not a SignedData", 16);
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_PKCS7, &err,
              "'pkcs7' does not hold a GM/T 0010 / CMS SignedData");
    sb_evidence_clear(&ev);
    af_expect(af_parse_text(&sb_cn_gmt_adapter, "{\"signature\": [", "application/json", &err),
              SB_R_ENVELOPE_BAD_JSON, &err, "SM2 envelope: not valid JSON");
}

static void test_rsa_certificate_refused(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    EVP_PKEY *rsa = tc_key_rsa(2048);
    X509 *x = af_leaf("RSA signer", rsa, NULL, NULL, NULL);
    json_t *j = envelope(msg, F.key, F.leaf, NULL, NULL);
    char *c = af_cert_b64(x);

    (void)state;
    json_object_set_new(j, "certificate", json_string(c));
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_R_ENVELOPE_BAD_CERTIFICATE, &err,
              "'certificate' carries an RSA key; a GM/T 0009 signature needs an SM2 key");
    sb_evidence_clear(&ev);
    free(c);
    X509_free(x);
    EVP_PKEY_free(rsa);
}

/* GM/T 0010 SignedData: as a body, and in {"pkcs7","data"} with detached content. */
static void test_gmt0010_passthrough(void **state)
{
    struct sb_evidence ev;
    struct sb_err err;
    unsigned char *p7 = NULL;
    size_t p7_len = 0;
    json_t *j;

    (void)state;
    sb_err_clear(&err);
    assert_int_equal(sb_cms_sign(F.key, F.leaf, NULL, (const unsigned char *)msg, strlen(msg), 0,
                                 SB_CMS_FORMAT_GMT0010, NULL, TC_T2025, &p7, &p7_len, &err), SB_OK);
    sb_evidence_init(&ev);
    assert_int_equal(sb_cn_gmt_adapter.parse(p7, p7_len, "application/pkcs7-mime", &ev, &err), SB_OK);
    assert_int_equal(ev.format, SB_EV_GMT0010);
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
    OPENSSL_free(p7);
    p7 = NULL;
    assert_int_equal(sb_cms_sign(F.key, F.leaf, NULL, (const unsigned char *)msg, strlen(msg), 1,
                                 SB_CMS_FORMAT_GMT0010, NULL, TC_T2025, &p7, &p7_len, &err), SB_OK);
    j = json_object();
    af_set_b64(j, "pkcs7", p7, p7_len);
    af_set_b64(j, "data", (const unsigned char *)msg, strlen(msg));
    af_expect(af_parse(&sb_cn_gmt_adapter, json_deep_copy(j), &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_OK, &err, "");
    af_set_b64(j, "data", (const unsigned char *)other_msg, strlen(other_msg));
    af_expect(af_parse(&sb_cn_gmt_adapter, json_deep_copy(j), &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_HASH_MISMATCH, &err, "");
    json_object_del(j, "data");
    af_expect(af_parse(&sb_cn_gmt_adapter, j, &ev, &err), SB_OK, &err, "");
    af_expect(af_validate(&F, &ev, &err), SB_R_SIGNED_DATA_NOT_FOUND, &err, "");
    OPENSSL_free(p7);
}

/* A GM/T 0010 attestation: SM2/SM3 under the GM/T ID, verifiable with the gateway certificate alone. */
static void test_render_gmt0010(void **state)
{
    char json[] = "{\"from\":\"hk\",\"to\":\"cn\",\"version\":1}";
    struct sb_attestation_doc d = { .json = json, .json_len = strlen(json) };
    struct sb_attest_key k = {
        .format = SB_ATTEST_GMT0010, .key = F.key, .cert = F.leaf, .sm2_id = SB_SM2_DEFAULT_ID,
        .signing_time = TC_T2025,
    };
    struct sb_cms_verify_opts vo;
    struct sb_cms_result res;
    struct sb_path_opts po;
    struct sb_err err;
    STACK_OF(X509) *anchors = tc_stack(F.leaf, NULL);
    unsigned char *att = NULL;
    size_t att_len = 0;
    enum sb_reason rc;

    (void)state;
    sb_err_clear(&err);
    assert_int_equal(sb_cn_gmt_adapter.render(&d, &k, &att, &att_len, &err), SB_OK);
    sb_path_opts_init(&po);
    po.at = TC_T2025;
    memset(&vo, 0, sizeof(vo));
    vo.path = &po;
    vo.anchors = anchors;
    assert_int_equal(sb_cms_verify(att, att_len, &vo, &res, &err), SB_OK);
    assert_int_equal(res.format, SB_CMS_FORMAT_GMT0010);
    sb_cms_result_clear(&res);
    vo.sm2_id = ALT_ID;                           /* the wrong signer ID fails */
    rc = sb_cms_verify(att, att_len, &vo, &res, &err);
    if (rc != SB_R_SIG_CRYPTO && rc != SB_R_SM2_ID_MISMATCH) {
        fail_msg("wrong ID: got %s (%s)", sb_reason_name(rc), err.msg);
    }
    sb_cms_result_clear(&res);
    OPENSSL_free(att);
    sk_X509_pop_free(anchors, X509_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_der_envelope_good),
        cmocka_unit_test(test_rs_envelope_good),
        cmocka_unit_test(test_rs_forced_on_der),
        cmocka_unit_test(test_wrong_message),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_untrusted_signer),
        cmocka_unit_test(test_bad_envelopes),
        cmocka_unit_test(test_rsa_certificate_refused),
        cmocka_unit_test(test_gmt0010_passthrough),
        cmocka_unit_test(test_render_gmt0010),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
