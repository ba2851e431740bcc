/*
 * tests/unit/test_validate.c — pki/verdict/validate.h and verdict_render.h: the one entry point sb_validate
 * on evidence built directly (no adapter), under a trust policy and under command-line inputs alone; the
 * policy's time.validate_at rule applied to a claimed signing time; the JSON mapping of an XML-DSig result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/rsa.h>

#include "adapter_fixture.h"
#include "pki/verdict/validate.h"
#include "pki/verdict/verdict_render.h"
#include "pki/xml/xmldsig.h"

#define T2024 ((time_t)1704067200)        /* 2024-01-01T00:00:00Z */
#define T2026 ((time_t)1767225600)        /* 2026-01-01T00:00:00Z */

static const char doc[] = "validation pipeline test document\n";

static struct af F;
static struct sb_trust_policy *st_pol;    /* the same policy with time.validate_at: signing_time */
static X509 *expiring;                    /* a signer valid 2020 .. 2024-06-01 only */
static X509 *no_oid;                      /* a signer without the policy's certificate policy */

static EVP_PKEY *key_rsa2048(void)
{
    return tc_key_rsa(2048);
}

static int setup(void **state)
{
    char path[128];
    struct tc_spec s;
    struct sb_err e;
    FILE *y;

    (void)state;
    af_setup(&F, tc_key_ec, key_rsa2048, "hk", "[rsa-pkcs1-sha256, ecdsa-sha256]");
    snprintf(path, sizeof(path), "%s/st.yaml", F.dir);
    assert_non_null(y = fopen(path, "w"));
    fprintf(y, "jurisdiction: st\ntrust_anchors:\n  - file: ca.pem\n"
               "algorithms:\n  signature: [rsa-pkcs1-sha256, ecdsa-sha256]\n"
               "certificate:\n  policy_oids: [\"2.16.344.8.2.2008.810.2.*\"]\n"
               "revocation: { mode: \"off\" }\ntime: { validate_at: signing_time, max_clock_skew_s: 300 }\n");
    assert_int_equal(fclose(y), 0);
    sb_err_clear(&e);
    if (sb_trust_policy_load(path, NULL, &st_pol, &e) != SB_OK) {
        fail_msg("policy: %s", e.msg);
    }
    memset(&s, 0, sizeof(s));
    s.cn = "Expiring Signer";
    s.key = F.key;
    s.issuer = F.ca;
    s.issuer_key = F.ca_key;
    s.ku = "critical,digitalSignature";
    s.policies = AF_POLICY_OID;
    s.serial = 0x3000;
    s.na = (time_t)1717200000;            /* 2024-06-01T00:00:00Z */
    expiring = tc_make(&s);
    s.cn = "Signer Without Policy";
    s.policies = NULL;
    s.na = 0;
    s.serial = 0x3001;
    no_oid = tc_make(&s);
    return 0;
}

static int teardown(void **state)
{
    char path[128];

    (void)state;
    snprintf(path, sizeof(path), "%s/st.yaml", F.dir);
    unlink(path);
    sb_trust_policy_free(st_pol);
    X509_free(expiring);
    X509_free(no_oid);
    af_teardown(&F);
    return 0;
}

/* Raw evidence: RSA PKCS#1 v1.5 over SHA-256(doc) by F.key, signer cert (referenced). */
static void raw_evidence(struct sb_evidence *ev, X509 *cert)
{
    unsigned char h[32], *sig;
    size_t n = 512;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(F.key, NULL);

    sb_evidence_init(ev);
    assert_int_equal(EVP_Digest(doc, strlen(doc), h, NULL, EVP_sha256(), NULL), 1);
    assert_non_null(sig = OPENSSL_malloc(n));
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0);
    assert_int_equal(EVP_PKEY_sign(c, sig, &n, h, 32), 1);
    EVP_PKEY_CTX_free(c);
    ev->format = SB_EV_RAW_SIG;
    sb_evidence_set0_obj(ev, sig, n);
    assert_int_equal(sb_evidence_set_digest(ev, "SHA256", h, 32), 1);
    assert_string_equal(ev->digest_alg, "sha256");
    assert_int_equal(X509_up_ref(cert), 1);
    ev->signer = cert;
}

/* sb_validate of ev under pol (or inputs) at now, no explicit time; returns the reason, *at the time used. */
static enum sb_reason run(const struct sb_trust_policy *pol, const struct sb_tp_inputs *in,
                          const struct sb_evidence *ev, time_t now, time_t *at, struct sb_cms_result *res,
                          struct sb_err *err)
{
    struct sb_validation_ctx ctx;
    enum sb_reason rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = pol;
    ctx.inputs = in;
    ctx.now = now;
    sb_err_clear(err);
    rc = sb_validate(&ctx, ev, res, at, err);
    assert_int_equal(res->reason, rc);
    return rc;
}

static void test_sb_validate_raw_under_policy(void **state)
{
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    time_t at = 0;

    (void)state;
    raw_evidence(&ev, F.leaf);
    assert_int_equal(run(F.pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_OK);
    assert_int_equal(at, TC_T2025);
    assert_int_equal(res.n_signers, 1);
    assert_non_null(res.signers[0].chain);
    assert_non_null(strstr(res.message, "policy hk"));
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
}

static void test_sb_validate_inputs_without_policy(void **state)
{
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_tp_inputs in;
    struct sb_err err;
    time_t at = 0;

    (void)state;
    /* the policy's own rules apply only with a policy: without its certificate policy, POLICY under it */
    raw_evidence(&ev, no_oid);
    assert_int_equal(run(F.pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_R_POLICY);
    sb_cms_result_clear(&res);
    /* and passed under the same anchors given as plain inputs */
    assert_int_equal(sb_trust_policy_prepare(F.pol, NULL, NULL, TC_T2025, &in, &err), SB_OK);
    assert_int_equal(run(NULL, &in, &ev, TC_T2025, &at, &res, &err), SB_OK);
    assert_non_null(strstr(res.message, "the given anchors"));
    sb_cms_result_clear(&res);
    sb_tp_inputs_clear(&in);
    sb_evidence_clear(&ev);
}

static void test_sb_validate_neither_policy_nor_inputs(void **state)
{
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    time_t at = 0;

    (void)state;
    raw_evidence(&ev, F.leaf);
    assert_int_equal(run(NULL, NULL, &ev, TC_T2025, &at, &res, &err), SB_R_USAGE);
    assert_int_equal(res.n_signers, 0);
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
}

static void test_sb_validate_signing_time_rule(void **state)
{
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    time_t at = 0;

    (void)state;
    raw_evidence(&ev, expiring);
    ev.has_claimed_time = 1;
    ev.claimed_time = T2024;
    /* validate_at: now — the signer has expired since */
    assert_int_equal(run(F.pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_R_CERT_EXPIRED);
    assert_int_equal(at, TC_T2025);
    sb_cms_result_clear(&res);
    /* validate_at: signing_time — validated again at the claim, inside the signer's validity */
    assert_int_equal(run(st_pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_OK);
    assert_int_equal(at, T2024);
    assert_string_equal(res.signers[0].signing_time, "2024-01-01T00:00:00Z");
    sb_cms_result_clear(&res);
    /* a claim from the future is refused in both modes */
    ev.claimed_time = T2026;
    assert_int_equal(run(st_pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_R_SIG_CONSTRAINTS);
    sb_cms_result_clear(&res);
    assert_int_equal(run(F.pol, NULL, &ev, TC_T2025, &at, &res, &err), SB_R_SIG_CONSTRAINTS);
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
}

static void test_sb_validate_path_for_explain(void **state)
{
    struct sb_tp_inputs in;
    struct sb_chain_result cr;
    struct sb_tp_policy_match m;
    struct sb_err ce, pe;

    (void)state;
    memset(&cr, 0, sizeof(cr));
    memset(&m, 0, sizeof(m));
    assert_int_equal(sb_trust_policy_prepare(F.pol, NULL, NULL, TC_T2025, &in, &ce), SB_OK);
    assert_int_equal(sb_validate_path(F.pol, &in, F.leaf, &cr, &m, &ce, &pe), SB_OK);
    assert_int_equal(ce.reason, SB_OK);
    assert_int_equal(pe.reason, SB_OK);
    assert_string_equal(m.oid, AF_POLICY_OID);
    sb_chain_result_clear(&cr);
    assert_int_equal(sb_validate_path(F.pol, &in, no_oid, &cr, &m, &ce, &pe), SB_R_POLICY);
    assert_int_equal(ce.reason, SB_OK);
    assert_int_equal(pe.reason, SB_R_POLICY);
    sb_chain_result_clear(&cr);
    assert_int_equal(sb_validate_path(F.pol, &in, F.stranger, &cr, &m, &ce, &pe), SB_R_CHAIN_NO_ANCHOR);
    assert_int_equal(ce.reason, SB_R_CHAIN_NO_ANCHOR);
    assert_int_equal(pe.reason, SB_OK);            /* not run */
    sb_chain_result_clear(&cr);
    sb_tp_inputs_clear(&in);
}

static void test_sb_verdict_json_xml_references(void **state)
{
    struct sb_cms_result res;
    json_t *j;

    (void)state;
    memset(&res, 0, sizeof(res));
    res.xmldsig = 1;
    assert_non_null(res.signers = OPENSSL_zalloc(sizeof(*res.signers)));
    res.n_signers = 1;
    assert_int_equal(X509_up_ref(F.leaf), 1);
    res.signers[0].cert = F.leaf;
    assert_non_null(res.signers[0].refs = OPENSSL_zalloc(2 * sizeof(*res.signers[0].refs)));
    res.signers[0].n_refs = 2;
    snprintf(res.signers[0].refs[0].uri, sizeof(res.signers[0].refs[0].uri), "%s", "");
    snprintf(res.signers[0].refs[0].element, sizeof(res.signers[0].refs[0].element), "%s", "/Contract");
    res.signers[0].refs[0].digest_ok = 1;
    snprintf(res.signers[0].refs[1].uri, sizeof(res.signers[0].refs[1].uri), "%s", "#x");
    res.signers[0].refs[1].digest_ok = 0;          /* not verified: not listed */
    assert_non_null(j = sb_verdict_json(&res, TC_T2025, NULL));
    assert_int_equal(json_array_size(json_object_get(j, "unsigned_content")), 0);   /* fully signed: empty */
    assert_null(json_object_get(j, "unsigned_content_omitted"));
    json_decref(j);
    assert_non_null(res.unsigned_content = OPENSSL_zalloc(2 * sizeof(*res.unsigned_content)));
    snprintf(res.unsigned_content[0].location, sizeof(res.unsigned_content[0].location), "%s", "/Contract/Note");
    snprintf(res.unsigned_content[1].location, sizeof(res.unsigned_content[1].location), "%s", "/Contract/text()[2]");
    res.n_unsigned = 2;
    res.n_unsigned_omitted = 5;
    assert_non_null(j = sb_verdict_json(&res, TC_T2025, NULL));
    assert_int_equal(json_array_size(json_object_get(j, "unsigned_content")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "unsigned_content"), 0)), "/Contract/Note");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "unsigned_content"), 1)),
                        "/Contract/text()[2]");
    assert_int_equal(json_integer_value(json_object_get(j, "unsigned_content_omitted")), 5);
    assert_int_equal(json_array_size(json_object_get(j, "signed_references")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "signed_references"), 0),
                                                           "element")), "/Contract");
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(j, "signers"), 0),
                                                     "signed_references")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "validation_time")), "2025-01-01T00:00:00Z");
    json_decref(j);
    /* a CMS result has no signed_references */
    res.xmldsig = 0;
    assert_non_null(j = sb_verdict_json(&res, TC_T2025, NULL));
    assert_null(json_object_get(j, "signed_references"));
    assert_null(json_object_get(j, "unsigned_content"));
    json_decref(j);
    sb_cms_result_clear(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sb_validate_raw_under_policy),
        cmocka_unit_test(test_sb_validate_inputs_without_policy),
        cmocka_unit_test(test_sb_validate_neither_policy_nor_inputs),
        cmocka_unit_test(test_sb_validate_signing_time_rule),
        cmocka_unit_test(test_sb_validate_path_for_explain),
        cmocka_unit_test(test_sb_verdict_json_xml_references),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
